// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency torture (issue 17, item 2): threads race every entry point
 * of upci on shared fds for a bounded time, then nothing may be left
 * over. The racing calls: MAP_DMA and UNMAP_DMA on overlapping ranges,
 * SET_IOMMU, a BAR mmapped, touched (faults) and unmapped, BAR and config
 * pread/pwrite (decode, power state, MSI/MSI-X enables, FLR through
 * config space, the ROM), SET_IRQS (INTx, MSI, MSI-X, ERR, REQ: enable,
 * disable, loopback, mask, unmask by eventfd) with the device raising
 * interrupts, DMA copies by the device, AER errors, ioeventfds added,
 * removed and signalled while config writes hold memory_lock, DEVICE_RESET,
 * PCI_HOT_RESET, GROUP SET/UNSET_CONTAINER, GET_DEVICE_FD, closing and
 * reopening each fd, forked children holding all the fds SIGKILLed
 * mid-call, and the devices unbound from the driver (revoked after
 * req_timeout) and bound again.
 *
 * Errors of racing calls are expected and counted by errno ("races
 * seen"); what must not happen: a crash, a hang (each thread's call is
 * watched), a sanitizer report (the harness fails the VM on any), a leak.
 * Afterwards: the pins, locked_vm and upci's module references are back
 * at their baseline, each device opens, reads its config space and
 * copies by DMA, and (next case) upci unloads and loads again.
 *
 * Racing time: UPCILAB_TORTURE_SECONDS, or upcilab.torture_seconds=N on
 * the kernel command line (upcilab run --append), default 20; seed:
 * UPCILAB_TORTURE_SEED or upcilab.torture_seed=N (default: the time,
 * printed). Slots (an fd that threads share) are guarded by rwlocks, so
 * a close never turns a racing call into one on a reused fd number; the
 * locks order container, group, device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "bar_window.h"
#include "irq_lab.h"
#include "lab_knob.h"
#include "race_stats.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define NDEV_MAX	3
#define FDS_PER_DEV	2
#define NCONT		2
#define NEFD		8	/* interrupt eventfds per device */
#define NIOE		4	/* ioeventfd eventfds per device */
#define DMA_PAGES	32	/* the memory MAP_DMA maps, again and again */
#define IOVA_BASE	0x10000000ul
#define IOVA_SLOTS	16	/* overlapping ranges start on these pages */
#define WIN2_SIZE	(64ul << 10)	/* the part of BAR2 mapped */
#define STUCK_S		60	/* a call this long is a hang */
#define DEFAULT_SECONDS	20
#define WORKERS		6

static const char *const dev_ids[NDEV_MAX] = { "mdma0", "mdma1", "mdma2" };

/* An fd threads share; -1 while closed */
struct slot {
	pthread_rwlock_t lock;
	int fd;
};

struct tdev {
	const char *id;
	char bdf[PCI_TOPO_BDF_SIZE];
	int group_id;
	bool below_port;		/* a bus reset exists: PCI_HOT_RESET */
	struct slot group;
	struct slot fd[FDS_PER_DEV];
	struct bar_window win[2];	/* BAR0, the start of BAR2 */
	int msi_cap, msix_cap, pm_cap, exp_cap;
	int32_t efd[NEFD];
	int32_t ioe[NIOE];
};

enum op {
	OP_MAP, OP_UNMAP, OP_SET_IOMMU, OP_IOMMU_INFO, OP_CONT_CLOSE, OP_CONT_OPEN,
	OP_GROUP_SET, OP_GROUP_UNSET, OP_GROUP_STATUS, OP_GROUP_CLOSE,
	OP_GROUP_OPEN, OP_DEVFD_TEMP, OP_DEV_CLOSE, OP_DEV_OPEN, OP_DEV_INFO,
	OP_CFG_READ, OP_CFG_WRITE, OP_BAR_RW,
	OP_BAR_MMAP, OP_BAR_UNMAP, OP_BAR_TOUCH,
	OP_IRQ_ENABLE, OP_IRQ_DISABLE, OP_IRQ_LOOPBACK, OP_INTX_MASK,
	OP_INTX_UNMASK_FD, OP_ERR_REQ, OP_SWINT,
	OP_RESET, OP_HOT_RESET_INFO, OP_HOT_RESET,
	OP_IOEVENTFD, OP_IOE_KICK,
	OP_AER, OP_DMA, OP_FORK_KILL, OP_UNBIND, OP_REBIND,
	OP_N
};

/* How often a worker picks each (fork and unbind have their own threads) */
static unsigned int weight[OP_N] = {
	[OP_MAP] = 80, [OP_UNMAP] = 80, [OP_SET_IOMMU] = 20,
	[OP_IOMMU_INFO] = 20, [OP_CONT_CLOSE] = 1, [OP_CONT_OPEN] = 20,
	[OP_GROUP_SET] = 30, [OP_GROUP_UNSET] = 10, [OP_GROUP_STATUS] = 20,
	[OP_GROUP_CLOSE] = 4, [OP_GROUP_OPEN] = 20, [OP_DEVFD_TEMP] = 20,
	[OP_DEV_CLOSE] = 5, [OP_DEV_OPEN] = 40, [OP_DEV_INFO] = 30,
	[OP_CFG_READ] = 40, [OP_CFG_WRITE] = 60, [OP_BAR_RW] = 50,
	[OP_BAR_MMAP] = 40, [OP_BAR_UNMAP] = 30, [OP_BAR_TOUCH] = 80,
	[OP_IRQ_ENABLE] = 40, [OP_IRQ_DISABLE] = 30, [OP_IRQ_LOOPBACK] = 30,
	[OP_INTX_MASK] = 20, [OP_INTX_UNMASK_FD] = 20, [OP_ERR_REQ] = 20,
	[OP_SWINT] = 20, [OP_RESET] = 20, [OP_HOT_RESET_INFO] = 10,
	[OP_HOT_RESET] = 20, [OP_IOEVENTFD] = 30, [OP_IOE_KICK] = 40,
	[OP_AER] = 2, [OP_DMA] = 20,
	/* their own threads; nonzero: on */
	[OP_FORK_KILL] = 1, [OP_UNBIND] = 1,
};

static struct race_op ops[OP_N] = {
	[OP_MAP] = { .name = "map_dma" }, [OP_UNMAP] = { .name = "unmap_dma" },
	[OP_SET_IOMMU] = { .name = "set_iommu" },
	[OP_IOMMU_INFO] = { .name = "iommu_get_info" },
	[OP_CONT_CLOSE] = { .name = "container_close" },
	[OP_CONT_OPEN] = { .name = "container_open" },
	[OP_GROUP_SET] = { .name = "group_set_container" },
	[OP_GROUP_UNSET] = { .name = "group_unset_container" },
	[OP_GROUP_STATUS] = { .name = "group_get_status" },
	[OP_GROUP_CLOSE] = { .name = "group_close" },
	[OP_GROUP_OPEN] = { .name = "group_open" },
	[OP_DEVFD_TEMP] = { .name = "get_device_fd_and_close" },
	[OP_DEV_CLOSE] = { .name = "device_fd_close" },
	[OP_DEV_OPEN] = { .name = "device_fd_open" },
	[OP_DEV_INFO] = { .name = "device_info" },
	[OP_CFG_READ] = { .name = "config_read" },
	[OP_CFG_WRITE] = { .name = "config_write" },
	[OP_BAR_RW] = { .name = "bar_pread_pwrite" },
	[OP_BAR_MMAP] = { .name = "bar_mmap" },
	[OP_BAR_UNMAP] = { .name = "bar_munmap" },
	[OP_BAR_TOUCH] = { .name = "bar_touch" },
	[OP_IRQ_ENABLE] = { .name = "set_irqs_enable" },
	[OP_IRQ_DISABLE] = { .name = "set_irqs_disable" },
	[OP_IRQ_LOOPBACK] = { .name = "set_irqs_loopback" },
	[OP_INTX_MASK] = { .name = "set_irqs_intx_mask" },
	[OP_INTX_UNMASK_FD] = { .name = "set_irqs_intx_unmask_eventfd" },
	[OP_ERR_REQ] = { .name = "set_irqs_err_req" },
	[OP_SWINT] = { .name = "device_raises_interrupt" },
	[OP_RESET] = { .name = "device_reset" },
	[OP_HOT_RESET_INFO] = { .name = "hot_reset_info" },
	[OP_HOT_RESET] = { .name = "pci_hot_reset" },
	[OP_IOEVENTFD] = { .name = "ioeventfd_add_remove" },
	[OP_IOE_KICK] = { .name = "ioeventfd_signal" },
	[OP_AER] = { .name = "aer_error_injected" },
	[OP_DMA] = { .name = "device_dma_copies" },
	[OP_FORK_KILL] = { .name = "fork_and_sigkill" },
	[OP_UNBIND] = { .name = "unbind" },
	[OP_REBIND] = { .name = "rebind" },
};

struct world {
	struct slot cont[NCONT];
	struct tdev dev[NDEV_MAX];
	int ndev;
	uint8_t *dma;			/* DMA_PAGES of anonymous memory */
	atomic_bool stop;
	const char *bind_name;
};

static struct world W;
static bool in_child;		/* a forked child: one thread, no locks */

/* What each thread is doing, for the hang report */
struct worker {
	pthread_t th;
	pid_t tid;
	unsigned int seed;
	atomic_int op;			/* -1: between calls */
	_Atomic double since_ms;
	void *(*fn)(void *);
};

/* ---- random numbers (xorshift32, one state per thread) ---- */

static __thread uint32_t rng_state;

static uint32_t rnd32(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

/* 0..n-1 */
static uint32_t rnd(uint32_t n)
{
	return rnd32() % n;
}

/* ---- slots ---- */

static void slot_init(struct slot *s, int fd)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	/* workers read all the time: a close must still get its turn */
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->lock, &a);
	pthread_rwlockattr_destroy(&a);
	s->fd = fd;
}

static int slot_get(struct slot *s)
{
	if (!in_child)
		pthread_rwlock_rdlock(&s->lock);
	return s->fd;
}

static void slot_put(struct slot *s)
{
	if (!in_child)
		pthread_rwlock_unlock(&s->lock);
}

static void slot_wrlock(struct slot *s)
{
	if (!in_child)
		pthread_rwlock_wrlock(&s->lock);
}

/* Close the slot's fd (if open) */
static void slot_close(struct slot *s)
{
	slot_wrlock(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	slot_put(s);
}

/* Put @fd in the slot if it is empty; else close @fd */
static void slot_fill(struct slot *s, int fd)
{
	slot_wrlock(s);
	if (s->fd < 0) {
		s->fd = fd;
		fd = -1;
	}
	slot_put(s);
	if (fd >= 0)
		close(fd);
}

static struct tdev *any_dev(void)
{
	return &W.dev[rnd(W.ndev)];
}

static struct slot *any_fd(struct tdev *d)
{
	return &d->fd[rnd(FDS_PER_DEV)];
}

#define NEG_ERRNO(x) ({ long __r = (x); __r < 0 ? -errno : __r; })

/* ---- container ---- */

/*
 * Anonymous memory, or a page of a BAR window (peer to peer: upci follows
 * the PFN map, which the window's own races map, zap and unmap).
 */
static long op_map(void)
{
	struct slot *s = &W.cont[rnd(NCONT)];
	uint64_t pages = 1 + rnd(4);
	uint64_t va = (uint64_t)W.dma + rnd(DMA_PAGES - pages) * PAGE;
	long ret;
	int fd;

	if (!rnd(4))
		va = (uint64_t)any_dev()->win[1].base + rnd(WIN2_SIZE / PAGE - pages) * PAGE;
	fd = slot_get(s);

	ret = fd < 0 ? -EBADF : vfio_lab_map(fd, va, IOVA_BASE + rnd(IOVA_SLOTS) * PAGE,
					     pages * PAGE, rnd(4) ? VFIO_LAB_RW : VFIO_DMA_MAP_FLAG_READ);
	slot_put(s);
	return ret;
}

static long op_unmap(void)
{
	struct slot *s = &W.cont[rnd(NCONT)];
	int fd = slot_get(s);
	long ret;

	if (fd < 0)
		ret = -EBADF;
	else if (!rnd(8))
		ret = vfio_lab_unmap(fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	else
		ret = vfio_lab_unmap(fd, IOVA_BASE + rnd(IOVA_SLOTS) * PAGE,
				     (1 + rnd(8)) * PAGE, 0, NULL);
	slot_put(s);
	return ret;
}

static long op_set_iommu(void)
{
	struct slot *s = &W.cont[rnd(NCONT)];
	int fd = slot_get(s);
	long ret = fd < 0 ? -EBADF :
		vfio_lab_set_iommu(fd, rnd(4) ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU);

	slot_put(s);
	return ret;
}

static long op_iommu_info(void)
{
	struct vfio_iommu_type1_info *info = NULL;
	struct slot *s = &W.cont[rnd(NCONT)];
	int fd = slot_get(s);
	long ret = fd < 0 ? -EBADF : vfio_lab_iommu_info(fd, &info);

	slot_put(s);
	free(info);
	return ret;
}

static long op_cont_close(void)
{
	slot_close(&W.cont[rnd(NCONT)]);
	return 0;
}

/* Into the slot if it is empty; else opened and closed again */
static long op_cont_open(void)
{
	int fd = vfio_lab_open_container();

	if (fd < 0)
		return fd;
	slot_fill(&W.cont[rnd(NCONT)], fd);
	return 0;
}

/* ---- group ---- */

static long op_group_set(void)
{
	struct slot *c = &W.cont[rnd(NCONT)];
	struct tdev *d = any_dev();
	int cfd = slot_get(c), gfd = slot_get(&d->group);
	long ret = cfd < 0 || gfd < 0 ? -EBADF : vfio_lab_set_container(gfd, cfd);

	slot_put(&d->group);
	slot_put(c);
	return ret;
}

static long op_group_unset(void)
{
	struct tdev *d = any_dev();
	int gfd = slot_get(&d->group);
	long ret = gfd < 0 ? -EBADF : vfio_lab_unset_container(gfd);

	slot_put(&d->group);
	return ret;
}

static long op_group_status(void)
{
	struct tdev *d = any_dev();
	int gfd = slot_get(&d->group);
	uint32_t flags;
	long ret = gfd < 0 ? -EBADF : vfio_lab_group_flags(gfd, &flags);

	slot_put(&d->group);
	return ret;
}

/*
 * A user done with the device: its group fd closed, and its device fds
 * and BAR mappings, which hold the group open; then the group opened again
 * and put in a container (-EBUSY while a forked child still has the fds).
 */
static long group_cycle(struct tdev *d)
{
	struct slot *c = &W.cont[rnd(NCONT)];
	long ret;
	int fd, k, cfd;

	slot_close(&d->group);
	for (k = 0; k < FDS_PER_DEV; k++)
		slot_close(&d->fd[k]);
	bar_window_unmap(&d->win[0]);
	bar_window_unmap(&d->win[1]);
	/* a killed child may still be releasing its copies of the fds */
	for (k = 0; (fd = vfio_lab_open_group(d->group_id)) == -EBUSY && k < 10; k++)
		usleep(20 * 1000);
	if (fd < 0)
		return fd;
	cfd = slot_get(c);
	ret = cfd < 0 ? -EBADF : vfio_lab_set_container(fd, cfd);
	if (!ret)
		vfio_lab_set_iommu(cfd, VFIO_TYPE1v2_IOMMU);	/* if the first */
	slot_put(c);
	slot_fill(&d->group, fd);
	/* and the device fds again, as the user starting over would */
	for (k = 0; !ret && k < FDS_PER_DEV; k++) {
		int gfd = slot_get(&d->group);
		int dfd = gfd < 0 ? -EBADF : vfio_lab_get_device_fd(gfd, d->bdf);

		slot_put(&d->group);
		if (dfd >= 0)
			slot_fill(&d->fd[k], dfd);
	}
	return ret;
}

static long op_group_close(void)
{
	return group_cycle(any_dev());
}

/* The node opens once: -EBUSY while the slot (or a device fd) has it */
static long op_group_open(void)
{
	struct tdev *d = any_dev();
	int fd = vfio_lab_open_group(d->group_id);

	if (fd < 0)
		return fd;
	slot_fill(&d->group, fd);
	return 0;
}

/* A device fd from the group, one config read on it, closed */
static long op_devfd_temp(void)
{
	struct tdev *d = any_dev();
	int gfd = slot_get(&d->group);
	uint64_t v;
	long ret = gfd < 0 ? -EBADF : vfio_lab_get_device_fd(gfd, d->bdf);

	slot_put(&d->group);
	if (ret >= 0) {
		vfio_lab_config_read(ret, PCI_VENDOR_ID, 4, &v);
		close(ret);
		ret = 0;
	}
	return ret;
}

static long op_dev_close(void)
{
	slot_close(any_fd(any_dev()));
	return 0;
}

static long op_dev_open(void)
{
	struct tdev *d = any_dev();
	struct slot *s = any_fd(d);
	long ret;
	int gfd;

	gfd = slot_get(&d->group);
	ret = gfd < 0 ? -EBADF : vfio_lab_get_device_fd(gfd, d->bdf);
	slot_put(&d->group);
	if (ret < 0)
		return ret;
	slot_fill(s, ret);
	return 0;
}

/* ---- device fd ---- */

/* Run @fn on a random fd of a random device, or -EBADF if it is closed */
#define WITH_DEV_FD(d, fd, body) ({					\
	struct tdev *d = any_dev();					\
	struct slot *__s = any_fd(d);					\
	int fd = slot_get(__s);						\
	long __ret = fd < 0 ? -EBADF : ({ body; });			\
	slot_put(__s);							\
	__ret;								\
})

/*
 * GET_INFO whose argument's second half lies on a page just dropped: the
 * copy, done with page faults off, fails and the ioctl is retried after
 * the page is faulted in (upci_fault_in_arg()).
 */
static long info_across_a_dropped_page(int fd)
{
	static __thread uint8_t *pages;
	struct vfio_device_info *info;
	long ret;

	if (!pages) {
		pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pages == MAP_FAILED) {
			pages = NULL;
			return -ENOMEM;
		}
	}
	info = (struct vfio_device_info *)(pages + PAGE - 8);
	info->argsz = sizeof(*info);
	info->flags = 0;
	madvise(pages + PAGE, PAGE, MADV_DONTNEED);
	ret = NEG_ERRNO(ioctl(fd, VFIO_DEVICE_GET_INFO, info));
	return ret ? ret : info->num_regions ? 0 : -EIO;
}

static long dev_info(struct tdev *d, int fd)
{
	struct vfio_device_info info;
	struct vfio_region_info *r = NULL;
	struct vfio_irq_info ii;
	long ret;

	(void)d;
	switch (rnd(4)) {
	case 0:
		return vfio_lab_device_info(fd, &info);
	case 3:
		return info_across_a_dropped_page(fd);
	case 1:
		ret = vfio_lab_region_info(fd, rnd(VFIO_PCI_NUM_REGIONS), &r);
		free(r);
		return ret;
	default:
		return irq_info(fd, rnd(VFIO_PCI_NUM_IRQS), &ii);
	}
}

static long op_dev_info(void)
{
	return WITH_DEV_FD(d, fd, dev_info(d, fd));
}

static long cfg_read(int fd)
{
	uint8_t buf[256];
	uint32_t off = rnd(4) ? 0 : rnd(256);

	return vfio_lab_region_read(fd, VFIO_PCI_CONFIG_REGION_INDEX, off, buf,
				    off ? 1 + rnd(256 - off) : 256);
}

static long op_cfg_read(void)
{
	return WITH_DEV_FD(d, fd, cfg_read(fd));
}

/* The config writes that reach locks and state: decode, power, enables */
static long cfg_write(struct tdev *d, int fd)
{
	uint64_t v;
	long ret;

	switch (rnd(8)) {
	case 0: case 1: case 2:
		/* memory decode off and on: BAR mmaps zapped under memory_lock */
		return vfio_lab_command_update(fd, rnd(2) ? PCI_COMMAND_MEMORY : 0,
					       rnd(2) ? PCI_COMMAND_MEMORY : 0);
	case 3:
		return vfio_lab_command_update(fd, rnd(2) ? PCI_COMMAND_MASTER |
					       PCI_COMMAND_INTX_DISABLE : 0,
					       rnd(2) ? PCI_COMMAND_INTX_DISABLE : 0);
	case 4:
		if (!d->pm_cap)
			return -ENOENT;
		/* D3hot or D0 */
		return vfio_lab_config_write(fd, d->pm_cap + PCI_PM_CTRL, 2,
					     rnd(2) ? 3 : 0);
	case 5:
		if (!d->msi_cap)
			return -ENOENT;
		ret = vfio_lab_config_read(fd, d->msi_cap + PCI_MSI_FLAGS, 2, &v);
		return ret ? ret : vfio_lab_config_write(fd, d->msi_cap + PCI_MSI_FLAGS, 2,
							 v ^ PCI_MSI_FLAGS_ENABLE);
	case 6:
		if (!d->msix_cap)
			return -ENOENT;
		ret = vfio_lab_config_read(fd, d->msix_cap + PCI_MSIX_FLAGS, 2, &v);
		return ret ? ret : vfio_lab_config_write(fd, d->msix_cap + PCI_MSIX_FLAGS, 2,
							 v ^ (rnd(2) ? PCI_MSIX_FLAGS_ENABLE :
							      PCI_MSIX_FLAGS_MASKALL));
	default:
		if (rnd(4) || !d->exp_cap) {
			/* BAR sizing, then the address back */
			ret = vfio_lab_config_read(fd, PCI_BASE_ADDRESS_0, 4, &v);
			if (!ret)
				ret = vfio_lab_config_write(fd, PCI_BASE_ADDRESS_0, 4, ~0u);
			return ret ? ret : vfio_lab_config_write(fd, PCI_BASE_ADDRESS_0, 4, v);
		}
		/* a function level reset through Device Control */
		ret = vfio_lab_config_read(fd, d->exp_cap + PCI_EXP_DEVCTL, 2, &v);
		return ret ? ret : vfio_lab_config_write(fd, d->exp_cap + PCI_EXP_DEVCTL, 2,
							 v | PCI_EXP_DEVCTL_BCR_FLR);
	}
}

static long op_cfg_write(void)
{
	return WITH_DEV_FD(d, fd, cfg_write(d, fd));
}

static long bar_rw(int fd)
{
	uint8_t buf[64];
	uint64_t v;

	switch (rnd(5)) {
	case 4:
		/* the ROM: mapped for each read, under rom_lock and memory_lock */
		return vfio_lab_region_read(fd, VFIO_PCI_ROM_REGION_INDEX, rnd(64) * 8,
					    buf, 8 + rnd(56));
	case 0:
		return vfio_lab_reg_read(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_MAGIC, 4, &v);
	case 1:
		return vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_SCRATCH, 4, rnd32());
	case 2:
		return vfio_lab_region_read(fd, MOCKDMA_BAR_MEM, rnd(WIN2_SIZE / 8) * 8,
					    buf, 8 + rnd(56));
	default:
		memset(buf, 0x5a, sizeof(buf));
		return vfio_lab_region_write(fd, MOCKDMA_BAR_MEM, rnd(WIN2_SIZE / 8) * 8,
					     buf, 8 + rnd(56));
	}
}

static long op_bar_rw(void)
{
	return WITH_DEV_FD(d, fd, bar_rw(fd));
}

static long op_bar_mmap(void)
{
	int w = rnd(2);

	return WITH_DEV_FD(d, fd, bar_window_map(&d->win[w], fd,
		VFIO_LAB_REGION_OFFSET(w ? MOCKDMA_BAR_MEM : MOCKDMA_BAR_REGS)));
}

static long op_bar_unmap(void)
{
	struct tdev *d = any_dev();

	return bar_window_unmap(&d->win[rnd(2)]);
}

static long op_bar_touch(void)
{
	struct tdev *d = any_dev();
	uint32_t v;

	switch (rnd(4)) {
	case 0:
		return bar_window_read32(&d->win[0], MOCKDMA_REG_MAGIC, &v);
	case 1:
		return bar_window_write32(&d->win[0], MOCKDMA_REG_SCRATCH, rnd32());
	case 2:
		return bar_window_read32(&d->win[1], rnd(WIN2_SIZE / 4) * 4, &v);
	default:
		return bar_window_write32(&d->win[1], rnd(WIN2_SIZE / 4) * 4, rnd32());
	}
}

/* ---- interrupts ---- */

static const uint32_t irq_index[] = {
	VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX,
};

static long irq_enable(struct tdev *d, int fd)
{
	uint32_t index = irq_index[rnd(3)], start = 0, count = 1;

	if (index == VFIO_PCI_MSI_IRQ_INDEX)
		count = 1u << rnd(3);
	else if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
		start = rnd(2) ? 0 : rnd(4);
		count = 1 + rnd(NEFD - start);
	}
	return irq_trigger_fds(fd, index, start, count, d->efd);
}

static long op_irq_enable(void)
{
	return WITH_DEV_FD(d, fd, irq_enable(d, fd));
}

static long op_irq_disable(void)
{
	return WITH_DEV_FD(d, fd, irq_disable(fd, irq_index[rnd(3)]));
}

static long op_irq_loopback(void)
{
	return WITH_DEV_FD(d, fd, irq_action_none(fd, irq_index[rnd(3)],
						  VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
}

static long op_intx_mask(void)
{
	return WITH_DEV_FD(d, fd, irq_action_none(fd, VFIO_PCI_INTX_IRQ_INDEX,
		rnd(2) ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
}

/* An unmask eventfd: a pool one, or a fresh one closed at once (EPOLLHUP) */
static long intx_unmask_fd(struct tdev *d, int fd)
{
	bool fresh = !rnd(3);
	int32_t efd = fresh ? eventfd(0, EFD_CLOEXEC) : rnd(4) ? d->efd[rnd(NEFD)] : -1;
	long ret = irq_set(fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
			   VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd, sizeof(efd));

	if (efd >= 0)
		eventfd_write(efd, 1);
	if (fresh && efd >= 0)
		close(efd);
	return ret;
}

static long op_intx_unmask_fd(void)
{
	return WITH_DEV_FD(d, fd, intx_unmask_fd(d, fd));
}

static long op_err_req(void)
{
	return WITH_DEV_FD(d, fd, ({
		int32_t efd = rnd(2) ? d->efd[rnd(NEFD)] : -1;

		irq_trigger_fds(fd, rnd(2) ? VFIO_PCI_ERR_IRQ_INDEX : VFIO_PCI_REQ_IRQ_INDEX,
				0, 1, &efd);
	}));
}

/*
 * The device raises a vector, by MSI-X, MSI or INTx, whatever SET_IRQS has
 * set up meanwhile (messages need bus master); half the time the INTx
 * cause is cleared after, or the line stays asserted.
 */
static long swint(int fd)
{
	long ret = vfio_lab_command_update(fd, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0);

	if (!ret)
		ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_IRQ_ENABLE, 4,
					 MOCKDMA_IRQ_SWINT);
	if (!ret)
		ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_SWINT, 4, rnd(NEFD));
	if (!ret && rnd(2))
		ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_IRQ_STATUS, 4, ~0u);
	return ret;
}

static long op_swint(void)
{
	return WITH_DEV_FD(d, fd, swint(fd));
}

/* ---- resets ---- */

static long op_reset(void)
{
	return WITH_DEV_FD(d, fd, NEG_ERRNO(ioctl(fd, VFIO_DEVICE_RESET)));
}

static long op_hot_reset_info(void)
{
	struct {
		struct vfio_pci_hot_reset_info h;
		struct vfio_pci_dependent_device dev[8];
	} info = { .h.argsz = sizeof(info) };

	return WITH_DEV_FD(d, fd, NEG_ERRNO(ioctl(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
						  &info)));
}

/* The group fd is the proof of ownership; locks in order: group, device */
static long op_hot_reset(void)
{
	struct {
		struct vfio_pci_hot_reset h;
		int32_t fds[1];
	} r = { .h = { .argsz = sizeof(r), .count = 1 } };
	struct tdev *d = any_dev();
	struct slot *s = any_fd(d);
	int gfd = slot_get(&d->group), fd = slot_get(s);
	long ret;

	r.fds[0] = gfd;
	ret = fd < 0 || gfd < 0 ? -EBADF : NEG_ERRNO(ioctl(fd, VFIO_DEVICE_PCI_HOT_RESET, &r));
	slot_put(s);
	slot_put(&d->group);
	return ret;
}

/* ---- ioeventfds: BAR2 words, signalled while config writes race ---- */

static long ioeventfd(struct tdev *d, int fd)
{
	int k = rnd(NIOE);
	struct vfio_device_ioeventfd a = {
		.argsz = sizeof(a), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = VFIO_LAB_REGION_OFFSET(MOCKDMA_BAR_MEM) + k * 4,
		.data = 0x10e0 + k, .fd = rnd(3) ? d->ioe[k] : -1,
	};

	return NEG_ERRNO(ioctl(fd, VFIO_DEVICE_IOEVENTFD, &a));
}

static long op_ioeventfd(void)
{
	return WITH_DEV_FD(d, fd, ioeventfd(d, fd));
}

static long op_ioe_kick(void)
{
	struct tdev *d = any_dev();

	return NEG_ERRNO(eventfd_write(d->ioe[rnd(NIOE)], 1));
}

/*
 * The device reports an AER error (mdma2 has no AER: nothing happens):
 * non-fatal uncorrectable, which the AER driver hands to upci's
 * error_detected (the ERR eventfd), or correctable, which it only logs.
 */
static long op_aer(void)
{
	return WITH_DEV_FD(d, fd, rnd(2) ?
		vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_AER_UNC, 4,
				   PCI_ERR_UNC_COMP_ABORT) :
		vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_AER_COR, 4,
				   PCI_ERR_COR_RCVR));
}

/*
 * The device copies pages by DMA while others map and unmap them. Every
 * page MAP_DMA maps holds the same ring of RING_N COPY descriptors between
 * the IOVA slots, so whatever page is mapped where the device fetches its
 * ring, it finds descriptors whose copies keep the pages rings; what is
 * not mapped faults (an error completion), as does a page mapped read-only.
 * Some descriptors interrupt on completion.
 */
#define RING_N	(PAGE / sizeof(struct mockdma_desc))

static void dma_rings_init(void)
{
	for (size_t p = 0; p < DMA_PAGES; p++) {
		struct mockdma_desc *ring = (struct mockdma_desc *)(W.dma + p * PAGE);

		for (size_t i = 0; i < RING_N; i++)
			ring[i] = mockdma_desc_copy(IOVA_BASE + (i * 7 % IOVA_SLOTS) * PAGE,
						    IOVA_BASE + ((i * 5 + 3) % IOVA_SLOTS) * PAGE,
						    PAGE, i % 4 ? 0 : MOCKDMA_F_IRQ);
		for (size_t i = 0; i < RING_N; i++)
			ring[i].vector = i % NEFD;
	}
}

static long dma(int fd)
{
	uint64_t head = 0;
	long ret = vfio_lab_command_update(fd, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0);

	if (!ret && rnd(2)) {
		/* a new ring somewhere in the IOVA slots */
		ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_CTRL, 4, 0);
		if (!ret)
			ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_RING_BASE, 8,
						 IOVA_BASE + rnd(IOVA_SLOTS) * PAGE);
		if (!ret)
			ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_RING_SIZE, 4,
						 RING_N);
		if (!ret)
			ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_CTRL, 4,
						 MOCKDMA_CTRL_ENABLE);
	}
	if (!ret)
		ret = vfio_lab_reg_read(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_RING_HEAD, 4, &head);
	if (!ret)
		ret = vfio_lab_reg_write(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_RING_TAIL, 4,
					 (head + 1 + rnd(4)) % RING_N);
	return ret;
}

static long op_dma(void)
{
	return WITH_DEV_FD(d, fd, dma(fd));
}

static long (*const op_fn[OP_N])(void) = {
	[OP_MAP] = op_map, [OP_UNMAP] = op_unmap, [OP_SET_IOMMU] = op_set_iommu,
	[OP_IOMMU_INFO] = op_iommu_info, [OP_CONT_CLOSE] = op_cont_close,
	[OP_CONT_OPEN] = op_cont_open, [OP_GROUP_SET] = op_group_set,
	[OP_GROUP_UNSET] = op_group_unset, [OP_GROUP_STATUS] = op_group_status,
	[OP_GROUP_CLOSE] = op_group_close, [OP_GROUP_OPEN] = op_group_open,
	[OP_DEVFD_TEMP] = op_devfd_temp, [OP_DEV_CLOSE] = op_dev_close,
	[OP_DEV_OPEN] = op_dev_open,
	[OP_DEV_INFO] = op_dev_info, [OP_CFG_READ] = op_cfg_read,
	[OP_CFG_WRITE] = op_cfg_write, [OP_BAR_RW] = op_bar_rw,
	[OP_BAR_MMAP] = op_bar_mmap, [OP_BAR_UNMAP] = op_bar_unmap,
	[OP_BAR_TOUCH] = op_bar_touch, [OP_IRQ_ENABLE] = op_irq_enable,
	[OP_IRQ_DISABLE] = op_irq_disable, [OP_IRQ_LOOPBACK] = op_irq_loopback,
	[OP_INTX_MASK] = op_intx_mask, [OP_INTX_UNMASK_FD] = op_intx_unmask_fd,
	[OP_ERR_REQ] = op_err_req, [OP_SWINT] = op_swint, [OP_RESET] = op_reset,
	[OP_HOT_RESET_INFO] = op_hot_reset_info, [OP_HOT_RESET] = op_hot_reset,
	[OP_IOEVENTFD] = op_ioeventfd, [OP_IOE_KICK] = op_ioe_kick,
	[OP_AER] = op_aer, [OP_DMA] = op_dma,
};

/*
 * upcilab.torture_skip=NAME,NAME (or UPCILAB_TORTURE_SKIP): the workers
 * leave those calls out, to tell which race a failure needs.
 */
static void skip_ops(const char *list)
{
	char buf[1024], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (int i = 0; i < OP_N; i++)
			if (!strcmp(tok, ops[i].name))
				weight[i] = 0;
}

/* A worker's call (the forker's and unbinder's are theirs alone) */
static unsigned int worker_weight(int i)
{
	return op_fn[i] ? weight[i] : 0;
}

static enum op pick_op(void)
{
	static unsigned int total;
	unsigned int r;
	int i;

	if (!total)
		for (i = 0; i < OP_N; i++)
			total += worker_weight(i);
	r = rnd(total);
	for (i = 0; r >= worker_weight(i); i++)
		r -= worker_weight(i);
	return i;
}

static void run_op(struct worker *w, enum op op)
{
	long ret;

	atomic_store(&w->since_ms, mockdma_now_ms());
	atomic_store(&w->op, op);
	ret = op_fn[op]();
	atomic_store(&w->op, -1);
	race_op_count(&ops[op], ret);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	rng_state = w->seed;
	while (!atomic_load(&W.stop))
		run_op(w, pick_op());
	return NULL;
}

/* ---- a forked child holding every fd, killed mid-call ---- */

static void child_main(void)
{
	in_child = true;
	for (;;) {
		op_fn[pick_op()]();
	}
}

/* Fork with every slot held (so the child's fds are what the slots say) */
static pid_t fork_holding_all(void)
{
	pid_t pid;
	int i, j, k;

	for (i = 0; i < NCONT; i++)
		slot_get(&W.cont[i]);
	for (i = 0; i < W.ndev; i++)
		slot_get(&W.dev[i].group);
	for (i = 0; i < W.ndev; i++)
		for (k = 0; k < FDS_PER_DEV; k++)
			slot_get(&W.dev[i].fd[k]);
	pid = fork();
	if (pid == 0)
		child_main();
	for (i = W.ndev; i-- > 0;)
		for (k = FDS_PER_DEV; k-- > 0;)
			slot_put(&W.dev[i].fd[k]);
	for (j = W.ndev; j-- > 0;)
		slot_put(&W.dev[j].group);
	for (i = NCONT; i-- > 0;)
		slot_put(&W.cont[i]);
	return pid;
}

/* 0 once reaped, -ETIMEDOUT if the killed child lingers (a hang) */
static long reap(pid_t pid, int ms)
{
	double end = mockdma_now_ms() + ms;

	while (mockdma_now_ms() < end) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		usleep(2000);
	}
	return -ETIMEDOUT;
}

static atomic_int lingering_children;

static void *forker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	rng_state = w->seed;
	while (weight[OP_FORK_KILL] && !atomic_load(&W.stop)) {
		pid_t pid;
		long ret;

		atomic_store(&w->since_ms, mockdma_now_ms());
		atomic_store(&w->op, OP_FORK_KILL);
		pid = fork_holding_all();
		if (pid < 0) {
			ret = -errno;
		} else {
			usleep(1000 * (1 + rnd(40)));
			kill(pid, SIGKILL);
			ret = reap(pid, STUCK_S * 1000);
			if (ret)
				atomic_fetch_add(&lingering_children, 1);
		}
		atomic_store(&w->op, -1);
		race_op_count(&ops[OP_FORK_KILL], ret);
		usleep(1000 * (100 + rnd(400)));
	}
	return NULL;
}

/* ---- unbind and bind again (the fds are revoked after req_timeout) ---- */

static void *unbinder_main(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	rng_state = w->seed;
	while (weight[OP_UNBIND] && !atomic_load(&W.stop)) {
		struct tdev *d = any_dev();

		usleep(1000 * (500 + rnd(2000)));
		if (atomic_load(&W.stop))
			break;
		atomic_store(&w->since_ms, mockdma_now_ms());
		atomic_store(&w->op, OP_UNBIND);
		race_op_count(&ops[OP_UNBIND], pci_topo_unbind(d->bdf));
		usleep(1000 * rnd(300));
		atomic_store(&w->since_ms, mockdma_now_ms());
		atomic_store(&w->op, OP_REBIND);
		race_op_count(&ops[OP_REBIND], pci_topo_bind(d->bdf, W.bind_name));
		/* the old group fd is stale (-ENODEV): as a user would, anew */
		group_cycle(d);
		atomic_store(&w->op, -1);
	}
	return NULL;
}

/* ---- set-up, report, teardown ---- */

/* /sys/module/upci/refcnt, or -errno */
static long module_refcnt(void)
{
	return pci_topo_read_long("/sys/module/upci/refcnt");
}

/* Open every slot of a device as a VFIO client would, into container 0 */
static int dev_setup(struct __test_metadata *_metadata, struct tdev *d)
{
	uint8_t cfg[256];
	char path[PCI_TOPO_PATH_SIZE];
	int fd, k;

	d->group_id = pci_topo_iommu_group(d->bdf);
	ASSERT_LE(0, d->group_id);
	ASSERT_EQ(0, pci_topo_path_of(d->bdf, path));
	d->below_port = strchr(path, '/') != NULL;
	fd = vfio_lab_open_group(d->group_id);
	ASSERT_LE(0, fd);
	slot_init(&d->group, fd);
	ASSERT_EQ(0, vfio_lab_set_container(fd, W.cont[0].fd));
	if (d == &W.dev[0])
		ASSERT_EQ(0, vfio_lab_set_iommu(W.cont[0].fd, VFIO_TYPE1v2_IOMMU));
	for (k = 0; k < FDS_PER_DEV; k++) {
		int dfd = vfio_lab_get_device_fd(fd, d->bdf);

		ASSERT_LE(0, dfd) TH_LOG("%s: GET_DEVICE_FD: %s", d->id, strerror(-dfd));
		slot_init(&d->fd[k], dfd);
	}
	ASSERT_EQ(256, vfio_lab_region_read(d->fd[0].fd, VFIO_PCI_CONFIG_REGION_INDEX, 0,
					    cfg, sizeof(cfg)));
	d->msi_cap = mockdma_cap_offset(cfg, sizeof(cfg), PCI_CAP_ID_MSI);
	d->msix_cap = mockdma_cap_offset(cfg, sizeof(cfg), PCI_CAP_ID_MSIX);
	d->pm_cap = mockdma_cap_offset(cfg, sizeof(cfg), PCI_CAP_ID_PM);
	d->exp_cap = mockdma_cap_offset(cfg, sizeof(cfg), PCI_CAP_ID_EXP);
	d->msi_cap = d->msi_cap < 0 ? 0 : d->msi_cap;
	d->msix_cap = d->msix_cap < 0 ? 0 : d->msix_cap;
	d->pm_cap = d->pm_cap < 0 ? 0 : d->pm_cap;
	d->exp_cap = d->exp_cap < 0 ? 0 : d->exp_cap;
	ASSERT_EQ(0, bar_window_reserve(&d->win[0], MOCKDMA_BAR0_SIZE));
	ASSERT_EQ(0, bar_window_reserve(&d->win[1], WIN2_SIZE));
	ASSERT_EQ(0, irq_efds(d->efd, NEFD));
	ASSERT_EQ(0, irq_efds(d->ioe, NIOE));
	return 0;
}

static void dev_teardown(struct tdev *d)
{
	int k;

	bar_window_free(&d->win[0]);
	bar_window_free(&d->win[1]);
	for (k = 0; k < FDS_PER_DEV; k++)
		slot_close(&d->fd[k]);
	slot_close(&d->group);
	irq_efds_close(d->efd, NEFD);
	irq_efds_close(d->ioe, NIOE);
}

/* A call running this long: its thread's kernel stack, for the report */
static void report_stuck(struct worker *w, int n)
{
	char path[64], buf[4096];
	double now = mockdma_now_ms();
	int i;

	for (i = 0; i < n; i++) {
		int op = atomic_load(&w[i].op);
		FILE *f;
		size_t len;

		if (op < 0 || now - atomic_load(&w[i].since_ms) < STUCK_S * 1000)
			continue;
		printf("# torture: thread %d stuck in %s for %.0f s\n", w[i].tid,
		       ops[op].name, (now - atomic_load(&w[i].since_ms)) / 1000);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w[i].tid);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		buf[len] = 0;
		fclose(f);
		printf("# torture: its kernel stack:\n%s", buf);
	}
	fflush(stdout);
}

/* The devices each bound to the driver again (an unbind may have raced) */
static int rebind_all(void)
{
	char drv[PCI_TOPO_NAME_SIZE];
	int i, ret = 0;

	for (i = 0; i < W.ndev; i++) {
		if (pci_topo_driver(W.dev[i].bdf, drv))
			return -EIO;
		if (!strcmp(drv, W.bind_name))
			continue;
		ret = pci_topo_bind(W.dev[i].bdf, W.bind_name);
		if (ret)
			return ret;
	}
	return 0;
}

/* The device works: opens, its config space reads, it copies by DMA */
static void check_device(struct __test_metadata *_metadata, struct tdev *d)
{
	struct mockdma_buf src = { 0 }, dst = { 0 };
	struct mockdma_ring ring = { 0 };
	struct mockdma_desc desc, out;
	struct mockdma m;
	char why[256];
	uint64_t id;
	size_t i;

	ASSERT_EQ(0, mockdma_open_bdf(&m, d->bdf, why, sizeof(why)))
		TH_LOG("%s after the torture: %s", d->id, why);
	ASSERT_EQ(0, vfio_lab_config_read(m.dev.fd, PCI_VENDOR_ID, 4, &id));
	EXPECT_EQ(MOCKDMA_VENDOR_ID | (MOCKDMA_DEVICE_ID << 16), (uint32_t)id);
	ASSERT_EQ(0, mockdma_buf_alloc(&m, &src, 0x100000, 4 * PAGE, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&m, &dst, 0x200000, 4 * PAGE, 0));
	for (i = 0; i < 4 * PAGE; i++)
		src.va[i] = (uint8_t)(i * 13 + 1);
	ASSERT_EQ(0, mockdma_ring_init(&m, &ring, 0x300000, 16, 0));
	desc = mockdma_desc_copy(src.iova, dst.iova, 4 * PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&m, &ring, &desc, &out));
	EXPECT_EQ(MOCKDMA_ST_OK, out.status) TH_LOG("%s: copy %s", d->id,
						    mockdma_status_name(out.status));
	EXPECT_EQ(0, memcmp(src.va, dst.va, 4 * PAGE)) TH_LOG("%s: the copy differs", d->id);
	mockdma_ring_free(&m, &ring);
	mockdma_buf_free(&m, &src);
	mockdma_buf_free(&m, &dst);
	mockdma_close(&m);
}

FIXTURE(torture) {
	int unused;
};

FIXTURE_SETUP(torture)
{
	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "upci's torture (driver under test: %s)", vfio_lab_driver_name());
}

FIXTURE_TEARDOWN(torture)
{
}

/* below the scenario's 300 s, so a hang is the case's failure, not the VM's */
TEST_F_TIMEOUT(torture, threads_race_every_entry_point, 280)
{
	long seconds = lab_knob("UPCILAB_TORTURE_SECONDS", "upcilab.torture_seconds=",
				DEFAULT_SECONDS);
	unsigned int seed = lab_knob("UPCILAB_TORTURE_SEED", "upcilab.torture_seed=",
				     (long)time(NULL) ^ getpid());
	struct worker w[WORKERS + 2] = { 0 };
	long refcnt0, pinned0, pinned, locked0, refcnt;
	unsigned long calls = 0, lost = 0;
	int i, n = WORKERS + 2, stuck = 0;
	const char *skip;
	double end;
	char why[256];

	/* the set-up, the checks and the harness want some of the timeout */
	if (seconds > _metadata->timeout - 120)
		seconds = _metadata->timeout - 120;
	ASSERT_LT(0, seconds) TH_LOG("no time left to race in a %d s timeout",
				     _metadata->timeout);
	skip = lab_knob_str("UPCILAB_TORTURE_SKIP", "upcilab.torture_skip=");
	if (skip)
		skip_ops(skip);
	printf("# torture: %ld s, seed %u, %d workers, a forker, an unbinder%s%s\n",
	       seconds, seed, WORKERS, skip ? ", skipping " : "", skip ? skip : "");
	W.bind_name = vfio_lab_bind_name();
	for (i = 0; i < NDEV_MAX; i++) {
		struct tdev *d = &W.dev[W.ndev];

		if (mockdma_device_bdf(dev_ids[i], d->bdf, why, sizeof(why)))
			continue;
		d->id = dev_ids[i];
		W.ndev++;
	}
	if (!W.ndev)
		SKIP(return, "no mockdma bound to upci (mdma0, mdma1, mdma2): %s", why);

	refcnt0 = module_refcnt();
	ASSERT_LE(0, refcnt0);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned0));
	locked0 = vfio_lab_locked_vm_kb();
	ASSERT_LE(0, locked0);
	ASSERT_EQ(0, bar_window_signals());

	W.dma = vfio_lab_buffer(DMA_PAGES * PAGE);
	ASSERT_NE(MAP_FAILED, W.dma);
	dma_rings_init();
	for (i = 0; i < NCONT; i++) {
		int fd = vfio_lab_open_container();

		ASSERT_LE(0, fd);
		slot_init(&W.cont[i], fd);
	}
	for (i = 0; i < W.ndev; i++)
		dev_setup(_metadata, &W.dev[i]);

	for (i = 0; i < n; i++) {
		w[i].seed = seed * 2654435761u + i + 1;
		w[i].op = -1;
		w[i].fn = i < WORKERS ? worker_main : i == WORKERS ? forker_main : unbinder_main;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, w[i].fn, &w[i]));
	}
	end = mockdma_now_ms() + seconds * 1000.0;
	while (mockdma_now_ms() < end)
		usleep(200 * 1000);
	atomic_store(&W.stop, true);

	/* every thread back within STUCK_S, or it hangs in the kernel */
	for (i = 0; i < n; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STUCK_S + 5;
		if (pthread_timedjoin_np(w[i].th, NULL, &ts)) {
			report_stuck(w, n);
			stuck++;
		}
	}
	ASSERT_EQ(0, stuck) TH_LOG("%d thread(s) did not come back", stuck);
	EXPECT_EQ(0, atomic_load(&lingering_children))
		TH_LOG("a SIGKILLed child holding the fds was not reaped in %d s", STUCK_S);

	for (i = 0; i < OP_N; i++) {
		race_op_print(&ops[i], stdout, "# torture:");
		calls += atomic_load(&ops[i].calls);
		lost += race_op_failures(&ops[i]);
	}
	printf("# torture: %lu calls in %ld s (%.0f/s), %lu failed (races seen)\n",
	       calls, seconds, calls / (double)seconds, lost);
	fflush(stdout);

	for (i = 0; i < W.ndev; i++)
		dev_teardown(&W.dev[i]);
	for (i = 0; i < NCONT; i++)
		slot_close(&W.cont[i]);
	munmap(W.dma, DMA_PAGES * PAGE);

	ASSERT_EQ(0, rebind_all());
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));
	EXPECT_EQ(pinned0, pinned) TH_LOG("pins left: %ld", pinned - pinned0);
	EXPECT_EQ(locked0, vfio_lab_locked_vm_kb());
	refcnt = module_refcnt();
	EXPECT_EQ(refcnt0, refcnt) TH_LOG("upci module references left: %ld", refcnt - refcnt0);
	for (i = 0; i < W.ndev; i++)
		check_device(_metadata, &W.dev[i]);
	EXPECT_EQ(refcnt0, module_refcnt());
}

/* ---- an ioeventfd signalled while config writes hold memory_lock ---- */

struct cmd_hammer {
	int fd;
	atomic_bool stop;
	unsigned long writes;
};

/* PCI_COMMAND rewritten with decode on: memory_lock taken for writing */
static void *hammer_command(void *arg)
{
	struct cmd_hammer *h = arg;

	while (!atomic_load(&h->stop))
		if (!vfio_lab_command_update(h->fd, PCI_COMMAND_MEMORY, 0))
			h->writes++;
	return NULL;
}

/*
 * An ioeventfd's signal that finds memory_lock taken is written later,
 * from a work item (upci_ioeventfd_thread()); none may be lost while the
 * BAR decodes all along. Each round clears the word, signals once and
 * waits for the datum.
 */
TEST_F(torture, ioeventfd_signals_survive_a_contended_memory_lock)
{
	const uint64_t off = 0x100, data = 0x600dcafe;
	struct cmd_hammer h = { 0 };
	struct mockdma m;
	char why[256];
	pthread_t th;
	unsigned long rounds = 0, lost = 0;
	double end;
	int efd;

	if (mockdma_open(&m, "mdma0", why, sizeof(why)))
		SKIP(return, "%s", why);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	{
		struct vfio_device_ioeventfd a = {
			.argsz = sizeof(a), .flags = VFIO_DEVICE_IOEVENTFD_32,
			.offset = VFIO_LAB_REGION_OFFSET(MOCKDMA_BAR_MEM) + off,
			.data = data, .fd = efd,
		};

		ASSERT_EQ(0, ioctl(m.dev.fd, VFIO_DEVICE_IOEVENTFD, &a));
	}
	h.fd = m.dev.fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, hammer_command, &h));
	end = mockdma_now_ms() + 3000;
	while (mockdma_now_ms() < end) {
		uint64_t v = 0;
		double until;

		ASSERT_EQ(0, vfio_lab_reg_write(m.dev.fd, MOCKDMA_BAR_MEM, off, 4, 0));
		ASSERT_EQ(0, eventfd_write(efd, 1));
		until = mockdma_now_ms() + 2000;
		do {
			ASSERT_EQ(0, vfio_lab_reg_read(m.dev.fd, MOCKDMA_BAR_MEM, off, 4, &v));
		} while (v != data && mockdma_now_ms() < until);
		rounds++;
		if (v != data)
			lost++;
	}
	atomic_store(&h.stop, true);
	pthread_join(th, NULL);
	printf("# torture: ioeventfd: %lu signals, %lu lost, %lu PCI_COMMAND writes racing\n",
	       rounds, lost, h.writes);
	EXPECT_EQ(0, lost);
	EXPECT_LT(0, h.writes);
	close(efd);
	mockdma_close(&m);
}

/* ---- upci goes out and comes back ---- */

static int module_params(char *buf, size_t size)
{
	static const char *const names[] = {
		"vfio_compat", "dma_entry_limit", "allow_unsafe_interrupts",
		"nointxmask", "req_timeout",
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[128], val[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/sys/module/upci/parameters/%s", names[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f))
			val[strcspn(val, "\n")] = 0;
		fclose(f);
		used += snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "",
				 names[i], val);
		if (used >= size)
			return -E2BIG;
	}
	return 0;
}

/* After the torture (the cases run in order) */
TEST_F(torture, then_upci_unloads_and_loads_again)
{
	char params[512], drv[PCI_TOPO_NAME_SIZE], bdf[PCI_TOPO_BDF_SIZE], why[256];
	int fd, ret, i, tries;

	if (vfio_lab_driver() != VFIO_LAB_UPCI || vfio_lab_upci_compat())
		SKIP(return, "plain upci only (driver under test: %s)", vfio_lab_driver_name());
	ASSERT_EQ(0, module_params(params, sizeof(params)));
	ASSERT_EQ(0, module_refcnt());
	ASSERT_EQ(0, syscall(SYS_delete_module, "upci", O_NONBLOCK))
		TH_LOG("rmmod upci: %s", strerror(errno));
	ASSERT_NE(0, access("/sys/module/upci", F_OK));
	fd = open("/lib/modules/upci.ko", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	ASSERT_EQ(0, ret) TH_LOG("insmod upci.ko %s", params);
	/* the devices bind again by their driver_override */
	for (i = 0; i < NDEV_MAX; i++) {
		if (vfio_lab_declared_bdf(dev_ids[i], bdf, why, sizeof(why)))
			continue;
		for (tries = 0; tries < 50; tries++) {
			if (!pci_topo_driver(bdf, drv) && !strcmp(drv, "upci"))
				break;
			usleep(100 * 1000);
		}
		EXPECT_STREQ("upci", drv) TH_LOG("%s after the reload", dev_ids[i]);
	}
}

LAB_HARNESS_MAIN
