// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation-failure sweep (issue 17, item 3), as iommufd's
 * iommufd_fail_nth.c: for each upci entry point that allocates, the call
 * is made with its 1st, 2nd, ... fault-injection check failing
 * (/proc/thread-self/fail-nth, tests/lib/fail_nth.h) until a call goes
 * through with nothing injected: then every allocation on its path has
 * failed once. Each injected failure must give a clean errno (ENOMEM, or
 * the entry's documented other one) or a call that absorbed it and works;
 * the fds must still work afterwards; locked_vm and the pinned pages are
 * back at their baseline; and the guest's init scans kmemleak after the
 * last test, so a leaked object fails the VM (as any KASAN, lockdep,
 * UBSAN or WARN report does). Each sweep prints
 *
 *     # failnth: ENTRY injection points N (F failed, A absorbed) in S s
 *
 * and fails if it reaches $UPCILAB_FAILNTH_MAX (1000) calls. upci only
 * (the scenario loads no other driver); on a kernel without fault
 * injection (the stock one) every case SKIPs.
 *
 * Devices: mdma0 (root bus, FLR) and mdma1 (alone below a root port: PM
 * reset, and a bus reset for PCI_HOT_RESET), each its own group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "fail_nth.h"
#include "mockdma.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"

#define FN_MAX_DEFAULT	1000
#define FN_IOVA		0x100000ull
#define FN_MAP_SIZE	(256ul << 10)	/* 64 pages: a few runs, two tables */
#define FN_BAR_MAP	(16ul << 10)	/* BAR2 pages mapped for peer DMA */
/* MSI and MSI-X vectors a call sets: $UPCILAB_FAILNTH_VECTORS, 2..4 */
#define FN_VECTORS	4
static unsigned int fn_vectors = 2;

struct fn_irqs {
	struct vfio_irq_set h;
	int32_t fds[FN_VECTORS];
};

struct fn_region_info {
	struct vfio_region_info h;
	uint8_t caps[256];
};

struct fn_iommu_info {
	struct vfio_iommu_type1_info h;
	uint8_t caps[1024];
};

struct fn_hot_reset_info {
	struct vfio_pci_hot_reset_info h;
	struct vfio_pci_dependent_device dev[8];
};

struct fn_hot_reset {
	struct vfio_pci_hot_reset h;
	int32_t fds[1];
};

/* Everything a call uses is here, touched before the first one. */
struct fn {
	struct fail_nth nth;
	char bdf[PCI_TOPO_BDF_SIZE];	/* the device under the sweep */
	char bdf2[PCI_TOPO_BDF_SIZE];	/* the other one */
	char container_path[128];
	struct vfio_lab_dev d, d2;
	int efd[FN_VECTORS + 1];
	uint8_t *buf;			/* FN_MAP_SIZE of anonymous memory */
	void *bar;			/* BAR2 mapped, for MAP_DMA of it */
	uint32_t id;			/* vendor and device ID from config */
	struct vfio_iommu_type1_dma_map map;
	struct vfio_iommu_type1_dma_unmap unmap;
	struct fn_irqs irqs;
	struct fn_region_info rinfo;
	struct fn_iommu_info iinfo;
	struct vfio_device_info dinfo;
	struct fn_hot_reset_info hinfo;
	struct fn_hot_reset hreset;
	uint8_t cfg[256];
	struct vfio_device_ioeventfd ioe;
	int container;			/* a call's fd result, or -1 */
	void *mmapped;			/* a call's mmap result */
	char why[256];
};

/*
 * One entry point. begin() builds the state the calls need (or says why
 * it cannot: SKIP), prepare() what each call consumes; call() makes the
 * call and returns >= 0 or -errno, allocating nothing in user space;
 * usable() checks the fds after an injected failure (0, or -1 with why);
 * undo() takes back a call's effect and prepare()'s; end() begin()'s.
 */
struct fn_entry {
	const char *name;
	const char *device;		/* the scenario id swept on */
	int (*begin)(struct fn *f);
	int (*prepare)(struct fn *f);
	long (*call)(struct fn *f);
	int (*usable)(struct fn *f, long ret);
	void (*undo)(struct fn *f, long ret);
	bool check_pins;		/* locked_vm and pins after each call */
	const int *errnos;		/* besides ENOMEM, 0-terminated */
};

/*
 * Errnos the PCI core gives for an allocation failure, passed on as
 * vfio-pci passes them: pci_alloc_irq_vectors() answers -ENODEV when the
 * device's MSI domain cannot be set up (pci_setup_msi_device_domain())
 * and -ENOSPC when vectors cannot be had; pci_request_selected_regions()
 * answers -EBUSY to any failure, a resource allocation's included (the
 * BAR's first mmap or ioeventfd claims its region).
 */
static const int msi_errnos[] = { ENODEV, ENOSPC, 0 };
static const int region_errnos[] = { EBUSY, 0 };

static long fn_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static long fn_ioctl_ret(int fd, unsigned long cmd, unsigned long arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* ---- states ---- */

static int fn_attach(struct fn *f)
{
	return vfio_lab_attach(&f->d, f->bdf, VFIO_TYPE1v2_IOMMU, f->why,
			       sizeof(f->why));
}

static int fn_open_device(struct fn *f)
{
	uint64_t id;
	int ret = vfio_lab_open_device(&f->d, f->bdf, VFIO_TYPE1v2_IOMMU,
				       f->why, sizeof(f->why));

	if (ret)
		return ret;
	ret = vfio_lab_config_read(f->d.fd, PCI_VENDOR_ID, 4, &id);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "config read: %s",
			 strerror(-ret));
		return ret;
	}
	f->id = id;
	return 0;
}

/* The device fd still answers: its IDs, as at open */
static int fn_device_usable(struct fn *f, int fd)
{
	struct vfio_irq_info info = { .argsz = sizeof(info) };
	uint64_t id = 0;
	int ret = vfio_lab_config_read(fd, PCI_VENDOR_ID, 4, &id);

	if (ret || id != f->id) {
		snprintf(f->why, sizeof(f->why),
			 "config read after the failure: %d, ID %#llx (was %#x)",
			 ret, (unsigned long long)id, f->id);
		return -1;
	}
	/* its BARs decode where the PCI core put them (state restored) */
	ret = vfio_lab_command_update(fd, PCI_COMMAND_MEMORY, 0);
	if (!ret)
		ret = vfio_lab_reg_read(fd, MOCKDMA_BAR_REGS, MOCKDMA_REG_MAGIC,
					4, &id);
	if (ret || id != MOCKDMA_MAGIC) {
		snprintf(f->why, sizeof(f->why),
			 "BAR0 MAGIC after the failure: %d, %#llx", ret,
			 (unsigned long long)id);
		return -1;
	}
	if (ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &info)) {
		snprintf(f->why, sizeof(f->why),
			 "GET_IRQ_INFO after the failure: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int fn_dev_usable(struct fn *f, long ret)
{
	(void)ret;
	return fn_device_usable(f, f->d.fd);
}

/* The group answers GET_STATUS with CONTAINER_SET as @set says */
static int fn_group_usable(struct fn *f, int group, bool set)
{
	uint32_t flags = 0;
	int ret = vfio_lab_group_flags(group, &flags);

	if (ret || !!(flags & VFIO_GROUP_FLAGS_CONTAINER_SET) != set) {
		snprintf(f->why, sizeof(f->why),
			 "GET_STATUS after the failure: %d, flags %#x (container %s)",
			 ret, flags, set ? "expected" : "not expected");
		return -1;
	}
	return 0;
}

static int fn_efds(struct fn *f)
{
	unsigned int i;

	for (i = 0; i < FN_VECTORS + 1; i++) {
		f->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (f->efd[i] < 0) {
			snprintf(f->why, sizeof(f->why), "eventfd: %s",
				 strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int fn_open_device_efds(struct fn *f)
{
	int ret = fn_open_device(f);

	return ret ? ret : fn_efds(f);
}

/* SET_IRQS of eventfds, or of none (count 0: disable the index) */
static long fn_set_irqs(struct fn *f, uint32_t index, uint32_t action,
			uint32_t start, uint32_t count, const int32_t *fds)
{
	f->irqs.h = (struct vfio_irq_set){
		.argsz = sizeof(f->irqs.h) + count * sizeof(int32_t),
		.flags = (fds ? VFIO_IRQ_SET_DATA_EVENTFD :
			  VFIO_IRQ_SET_DATA_NONE) | action,
		.index = index, .start = start, .count = count,
	};
	if (fds)
		memcpy(f->irqs.fds, fds, count * sizeof(int32_t));
	return fn_ioctl(f->d.fd, VFIO_DEVICE_SET_IRQS, &f->irqs);
}

static long fn_irqs_off(struct fn *f, uint32_t index)
{
	return fn_set_irqs(f, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL);
}

/* ---- container and group ---- */

static int begin_container_open(struct fn *f)
{
	return vfio_lab_container_path(f->container_path,
				       sizeof(f->container_path));
}

static long call_container_open(struct fn *f)
{
	f->container = open(f->container_path, O_RDWR | O_CLOEXEC);
	return f->container < 0 ? -errno : 0;
}

static void undo_container_open(struct fn *f, long ret)
{
	(void)ret;
	if (f->container >= 0)
		close(f->container);
	f->container = -1;
}

static int begin_open_nodes(struct fn *f)
{
	return vfio_lab_open_nodes(&f->d, f->bdf, f->why, sizeof(f->why));
}

static long call_set_container(struct fn *f)
{
	return fn_ioctl(f->d.group, VFIO_GROUP_SET_CONTAINER, &f->d.container);
}

static int usable_set_container(struct fn *f, long ret)
{
	return fn_group_usable(f, f->d.group, ret >= 0);
}

static void undo_set_container(struct fn *f, long ret)
{
	if (ret >= 0)
		vfio_lab_unset_container(f->d.group);
}

/* A second group joins a container whose IOMMU is set: it attaches */
static int begin_second_group(struct fn *f)
{
	int ret = fn_attach(f);

	if (ret)
		return ret;
	ret = vfio_lab_device_bdf("mdma1", f->bdf2, f->why, sizeof(f->why));
	if (ret)
		return ret;
	return vfio_lab_open_nodes(&f->d2, f->bdf2, f->why, sizeof(f->why));
}

static long call_join_iommu(struct fn *f)
{
	return fn_ioctl(f->d2.group, VFIO_GROUP_SET_CONTAINER, &f->d.container);
}

static int usable_join_iommu(struct fn *f, long ret)
{
	if (fn_group_usable(f, f->d2.group, ret >= 0))
		return -1;
	/* the first group's address space still maps */
	ret = vfio_lab_map(f->d.container, (uintptr_t)f->buf, FN_IOVA,
			   getpagesize(), VFIO_LAB_RW);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "MAP_DMA after the failure: %s",
			 strerror(-ret));
		return -1;
	}
	return vfio_lab_unmap(f->d.container, FN_IOVA, getpagesize(), 0, NULL);
}

static void undo_join_iommu(struct fn *f, long ret)
{
	if (ret >= 0)
		vfio_lab_unset_container(f->d2.group);
}

static int prepare_set_iommu(struct fn *f)
{
	int ret = vfio_lab_open_nodes(&f->d, f->bdf, f->why, sizeof(f->why));

	if (ret)
		return ret;
	ret = vfio_lab_set_container(f->d.group, f->d.container);
	if (ret)
		snprintf(f->why, sizeof(f->why), "SET_CONTAINER: %s",
			 strerror(-ret));
	return ret;
}

static long call_set_iommu(struct fn *f)
{
	return fn_ioctl_ret(f->d.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
}

static int usable_set_iommu(struct fn *f, long ret)
{
	if (ret >= 0)
		return 0;
	if (fn_group_usable(f, f->d.group, true))
		return -1;
	/* no IOMMU was left behind: the container takes one now */
	ret = vfio_lab_set_iommu(f->d.container, VFIO_TYPE1v2_IOMMU);
	if (ret) {
		snprintf(f->why, sizeof(f->why),
			 "SET_IOMMU after the failure: %s", strerror(-ret));
		return -1;
	}
	return 0;
}

static void undo_close_all(struct fn *f, long ret)
{
	(void)ret;
	vfio_lab_close(&f->d);
}

/* ---- DMA mapping ---- */

static int begin_map(struct fn *f)
{
	int ret = fn_attach(f);

	if (ret)
		return ret;
	f->map = (struct vfio_iommu_type1_dma_map){
		.argsz = sizeof(f->map), .flags = VFIO_LAB_RW,
		.vaddr = (uintptr_t)f->buf, .iova = FN_IOVA,
		.size = FN_MAP_SIZE,
	};
	return 0;
}

static long call_map(struct fn *f)
{
	return fn_ioctl(f->d.container, VFIO_IOMMU_MAP_DMA, &f->map);
}

/* Nothing of a failed map is left: an unmap of its range finds nothing */
static int usable_map(struct fn *f, long ret)
{
	uint64_t unmapped = ~0ull;

	if (ret >= 0)
		return 0;
	ret = vfio_lab_unmap(f->d.container, f->map.iova, f->map.size, 0,
			     &unmapped);
	if (ret || unmapped) {
		snprintf(f->why, sizeof(f->why),
			 "UNMAP after the failed map: %ld, %llu bytes were mapped",
			 ret, (unsigned long long)unmapped);
		return -1;
	}
	return 0;
}

static void undo_map(struct fn *f, long ret)
{
	if (ret >= 0)
		vfio_lab_unmap(f->d.container, f->map.iova, f->map.size, 0,
			       NULL);
}

/* Peer to peer: the vaddr is the device's own BAR2, mapped */
static int begin_map_bar(struct fn *f)
{
	int ret = fn_open_device(f);

	if (ret)
		return ret;
	ret = vfio_lab_command_update(f->d.fd, PCI_COMMAND_MEMORY, 0);
	if (ret) {
		snprintf(f->why, sizeof(f->why), "memory enable: %s",
			 strerror(-ret));
		return ret;
	}
	f->bar = vfio_lab_region_mmap(f->d.fd, MOCKDMA_BAR_MEM, 0, FN_BAR_MAP,
				      PROT_READ | PROT_WRITE, MAP_SHARED);
	if (f->bar == MAP_FAILED) {
		f->bar = NULL;
		snprintf(f->why, sizeof(f->why), "BAR2 mmap: %s",
			 strerror(errno));
		return -errno;
	}
	f->map = (struct vfio_iommu_type1_dma_map){
		.argsz = sizeof(f->map), .flags = VFIO_LAB_RW,
		.vaddr = (uintptr_t)f->bar, .iova = FN_IOVA,
		.size = FN_BAR_MAP,
	};
	return 0;
}

/* Two mappings, unmapped by one call */
static int prepare_unmap(struct fn *f)
{
	size_t half = FN_MAP_SIZE / 2;
	int ret = vfio_lab_map(f->d.container, (uintptr_t)f->buf, FN_IOVA,
			       half, VFIO_LAB_RW);

	if (!ret)
		ret = vfio_lab_map(f->d.container, (uintptr_t)f->buf + half,
				   FN_IOVA + half, half, VFIO_LAB_RW);
	if (ret)
		snprintf(f->why, sizeof(f->why), "MAP_DMA: %s", strerror(-ret));
	f->unmap = (struct vfio_iommu_type1_dma_unmap){
		.argsz = sizeof(f->unmap), .iova = FN_IOVA,
		.size = FN_MAP_SIZE,
	};
	return ret;
}

static long call_unmap(struct fn *f)
{
	long ret = fn_ioctl(f->d.container, VFIO_IOMMU_UNMAP_DMA, &f->unmap);

	return ret ? ret : (long)f->unmap.size;
}

static void undo_unmap(struct fn *f, long ret)
{
	(void)ret;
	vfio_lab_unmap(f->d.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
}

static int begin_iommu_info(struct fn *f)
{
	int ret = fn_attach(f);

	if (ret)
		return ret;
	/* a mapping and a hole: more than one range to report */
	return vfio_lab_map(f->d.container, (uintptr_t)f->buf, FN_IOVA,
			    getpagesize(), VFIO_LAB_RW);
}

static long call_iommu_info(struct fn *f)
{
	f->iinfo.h = (struct vfio_iommu_type1_info){ .argsz = sizeof(f->iinfo) };
	return fn_ioctl(f->d.container, VFIO_IOMMU_GET_INFO, &f->iinfo);
}

/* ---- device fds ---- */

static long call_device_fd(struct fn *f)
{
	return fn_ioctl_ret(f->d.group, VFIO_GROUP_GET_DEVICE_FD,
			    (unsigned long)f->bdf);
}

static int usable_device_fd(struct fn *f, long ret)
{
	if (ret >= 0)
		return fn_device_usable(f, ret);
	return fn_group_usable(f, f->d.group, true);
}

static void undo_device_fd(struct fn *f, long ret)
{
	(void)f;
	if (ret >= 0)
		close(ret);
}

static int begin_first_fd(struct fn *f)
{
	int ret = fn_open_device(f);

	/* the IDs known, the sweep opens the first fd itself */
	if (!ret) {
		close(f->d.fd);
		f->d.fd = -1;
	}
	return ret;
}

/* ---- interrupts ---- */

static long call_intx(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_INTX_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, f->efd);
}

static void undo_intx(struct fn *f, long ret)
{
	if (ret >= 0)
		fn_irqs_off(f, VFIO_PCI_INTX_IRQ_INDEX);
}

static int begin_intx_on(struct fn *f)
{
	int ret = fn_open_device_efds(f);

	if (!ret)
		ret = call_intx(f);
	if (ret)
		snprintf(f->why, sizeof(f->why), "INTx: %s", strerror(-ret));
	return ret;
}

static long call_intx_unmask_fd(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_INTX_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &f->efd[1]);
}

static void undo_intx_unmask_fd(struct fn *f, long ret)
{
	static const int32_t none = -1;

	if (ret >= 0)
		fn_set_irqs(f, VFIO_PCI_INTX_IRQ_INDEX,
			    VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, &none);
}

static long call_msi(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_MSI_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, fn_vectors, f->efd);
}

static void undo_msi(struct fn *f, long ret)
{
	if (ret >= 0)
		fn_irqs_off(f, VFIO_PCI_MSI_IRQ_INDEX);
}

static long call_msix(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_MSIX_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, fn_vectors, f->efd);
}

static void undo_msix(struct fn *f, long ret)
{
	(void)ret;
	fn_irqs_off(f, VFIO_PCI_MSIX_IRQ_INDEX);
}

/* MSI-X on with vector 0: the call adds the others (dynamically) */
static int prepare_msix_one(struct fn *f)
{
	long ret = fn_set_irqs(f, VFIO_PCI_MSIX_IRQ_INDEX,
			       VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, f->efd);

	if (ret)
		snprintf(f->why, sizeof(f->why), "MSI-X vector 0: %s",
			 strerror(-ret));
	return ret;
}

static long call_msix_grow(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_MSIX_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 1, fn_vectors - 1,
			   &f->efd[1]);
}

static long call_err(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_ERR_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, f->efd);
}

static long call_req(struct fn *f)
{
	return fn_set_irqs(f, VFIO_PCI_REQ_IRQ_INDEX,
			   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, f->efd);
}

static void undo_single(struct fn *f, uint32_t index, long ret)
{
	static const int32_t none = -1;

	if (ret >= 0)
		fn_set_irqs(f, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &none);
}

static void undo_err(struct fn *f, long ret)
{
	undo_single(f, VFIO_PCI_ERR_IRQ_INDEX, ret);
}

static void undo_req(struct fn *f, long ret)
{
	undo_single(f, VFIO_PCI_REQ_IRQ_INDEX, ret);
}

/* ---- resets ---- */

static long call_reset(struct fn *f)
{
	return fn_ioctl_ret(f->d.fd, VFIO_DEVICE_RESET, 0);
}

static long call_hot_reset_info(struct fn *f)
{
	f->hinfo.h = (struct vfio_pci_hot_reset_info){ .argsz = sizeof(f->hinfo) };
	return fn_ioctl(f->d.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &f->hinfo);
}

static long call_hot_reset(struct fn *f)
{
	f->hreset.h = (struct vfio_pci_hot_reset){
		.argsz = sizeof(f->hreset), .count = 1,
	};
	f->hreset.fds[0] = f->d.group;
	return fn_ioctl(f->d.fd, VFIO_DEVICE_PCI_HOT_RESET, &f->hreset);
}

/* ---- info, mmap, read ---- */

static long call_region_info_caps(struct fn *f)
{
	f->rinfo.h = (struct vfio_region_info){
		.argsz = sizeof(f->rinfo), .index = MOCKDMA_BAR_MSIX,
	};
	return fn_ioctl(f->d.fd, VFIO_DEVICE_GET_REGION_INFO, &f->rinfo);
}

static long call_device_info(struct fn *f)
{
	f->dinfo = (struct vfio_device_info){ .argsz = sizeof(f->dinfo) };
	return fn_ioctl(f->d.fd, VFIO_DEVICE_GET_INFO, &f->dinfo);
}

static long call_bar_mmap(struct fn *f)
{
	f->mmapped = mmap(NULL, MOCKDMA_BAR0_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, f->d.fd,
			  VFIO_LAB_REGION_OFFSET(MOCKDMA_BAR_REGS));
	return f->mmapped == MAP_FAILED ? -errno : 0;
}

static void undo_bar_mmap(struct fn *f, long ret)
{
	if (ret >= 0)
		munmap(f->mmapped, MOCKDMA_BAR0_SIZE);
}

/* config space in one read: more than the stack bounce buffer */
static long call_config_read(struct fn *f)
{
	ssize_t n = pread(f->d.fd, f->cfg, sizeof(f->cfg),
			  VFIO_LAB_REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX));

	return n < 0 ? -errno : n;
}

/* A 4-byte write of BAR2 (plain memory) per signal */
static long fn_ioeventfd(struct fn *f, int32_t fd)
{
	f->ioe = (struct vfio_device_ioeventfd){
		.argsz = sizeof(f->ioe), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = VFIO_LAB_REGION_OFFSET(MOCKDMA_BAR_MEM), .data = 1,
		.fd = fd,
	};
	return fn_ioctl(f->d.fd, VFIO_DEVICE_IOEVENTFD, &f->ioe);
}

static long call_ioeventfd(struct fn *f)
{
	return fn_ioeventfd(f, f->efd[0]);
}

static void undo_ioeventfd(struct fn *f, long ret)
{
	if (ret >= 0)
		fn_ioeventfd(f, -1);
}

/* ---- the sweep ---- */

/* designated, so the optional fields may go unnamed */
#define FN_ENTRY(nm, dev, b, p, c, u, un, ...)				\
	{ .name = nm, .device = dev, .begin = b, .prepare = p, .call = c, \
	  .usable = u, .undo = un, __VA_ARGS__ }

static const struct fn_entry entries[] = {
	FN_ENTRY("container_open", "mdma0", begin_container_open, NULL, call_container_open, NULL, undo_container_open),
	FN_ENTRY("set_container", "mdma0", begin_open_nodes, NULL, call_set_container, usable_set_container, undo_set_container),
	FN_ENTRY("set_container_joins_iommu", "mdma0", begin_second_group, NULL, call_join_iommu, usable_join_iommu, undo_join_iommu),
	FN_ENTRY("set_iommu", "mdma0", NULL, prepare_set_iommu, call_set_iommu, usable_set_iommu, undo_close_all),
	FN_ENTRY("map_dma", "mdma0", begin_map, NULL, call_map, usable_map, undo_map, .check_pins = true),
	FN_ENTRY("map_dma_bar", "mdma0", begin_map_bar, NULL, call_map, usable_map, undo_map, .check_pins = true),
	FN_ENTRY("unmap_dma", "mdma0", fn_attach, prepare_unmap, call_unmap, NULL, undo_unmap, .check_pins = true),
	FN_ENTRY("iommu_get_info", "mdma0", begin_iommu_info, NULL, call_iommu_info, NULL, NULL),
	FN_ENTRY("get_device_fd", "mdma1", begin_first_fd, NULL, call_device_fd, usable_device_fd, undo_device_fd),
	FN_ENTRY("get_device_fd_second", "mdma0", fn_open_device, NULL, call_device_fd, usable_device_fd, undo_device_fd),
	FN_ENTRY("set_irqs_intx", "mdma0", fn_open_device_efds, NULL, call_intx, fn_dev_usable, undo_intx),
	FN_ENTRY("set_irqs_intx_unmask_eventfd", "mdma0", begin_intx_on, NULL, call_intx_unmask_fd, fn_dev_usable, undo_intx_unmask_fd),
	FN_ENTRY("set_irqs_msi", "mdma0", fn_open_device_efds, NULL, call_msi, fn_dev_usable, undo_msi, .errnos = msi_errnos),
	FN_ENTRY("set_irqs_msix", "mdma0", fn_open_device_efds, NULL, call_msix, fn_dev_usable, undo_msix, .errnos = msi_errnos),
	FN_ENTRY("set_irqs_msix_grow", "mdma0", fn_open_device_efds, prepare_msix_one, call_msix_grow, fn_dev_usable, undo_msix, .errnos = msi_errnos),
	FN_ENTRY("set_irqs_err", "mdma1", fn_open_device_efds, NULL, call_err, fn_dev_usable, undo_err),
	FN_ENTRY("set_irqs_req", "mdma0", fn_open_device_efds, NULL, call_req, fn_dev_usable, undo_req),
	FN_ENTRY("device_reset", "mdma0", fn_open_device, NULL, call_reset, fn_dev_usable, NULL),
	FN_ENTRY("hot_reset_info", "mdma1", fn_open_device, NULL, call_hot_reset_info, fn_dev_usable, NULL),
	FN_ENTRY("pci_hot_reset", "mdma1", fn_open_device, NULL, call_hot_reset, fn_dev_usable, NULL),
	FN_ENTRY("region_info_caps", "mdma0", fn_open_device, NULL, call_region_info_caps, fn_dev_usable, NULL),
	FN_ENTRY("device_info", "mdma0", fn_open_device, NULL, call_device_info, fn_dev_usable, NULL),
	FN_ENTRY("bar_mmap", "mdma0", fn_open_device, NULL, call_bar_mmap, fn_dev_usable, undo_bar_mmap, .errnos = region_errnos),
	FN_ENTRY("config_read", "mdma0", fn_open_device, NULL, call_config_read, fn_dev_usable, NULL),
	FN_ENTRY("ioeventfd", "mdma0", fn_open_device_efds, NULL, call_ioeventfd, fn_dev_usable, undo_ioeventfd, .errnos = region_errnos),
};

/*
 * Fault the stack in below us: a call's kernel entry must find every user
 * page it touches present (an injected failure in a user page fault is an
 * OOM, not an errno).
 */
static void __attribute__((noinline)) fn_touch_stack(void)
{
	volatile char pad[64 << 10];

	memset((char *)pad, 0, sizeof(pad));
}

static void fn_init(struct fn *f)
{
	memset(f, 0, sizeof(*f));
	f->nth.fd = -1;
	f->d = (struct vfio_lab_dev){ .container = -1, .group = -1, .fd = -1 };
	f->d2 = f->d;
	f->container = -1;
	memset(f->efd, 0xff, sizeof(f->efd));
}

static void fn_fini(struct fn *f)
{
	unsigned int i;

	if (f->bar)
		munmap(f->bar, FN_BAR_MAP);
	vfio_lab_close(&f->d2);
	vfio_lab_close(&f->d);
	for (i = 0; i < FN_VECTORS + 1; i++)
		if (f->efd[i] >= 0)
			close(f->efd[i]);
	if (f->buf)
		munmap(f->buf, FN_MAP_SIZE);
	fail_nth_close(&f->nth);
}

static bool fn_errno_ok(const struct fn_entry *e, long ret)
{
	const int *err;

	if (ret == -ENOMEM)
		return true;
	for (err = e->errnos; err && *err; err++)
		if (ret == -*err)
			return true;
	return false;
}

FIXTURE(failnth) {
	struct fn f;
};

FIXTURE_VARIANT(failnth) {
	unsigned int entry;
	const char *name;
};

FIXTURE_SETUP(failnth)
{
	fn_init(&self->f);
}

FIXTURE_TEARDOWN(failnth)
{
	fn_fini(&self->f);
}

#define FN_VARIANT(i, nm)						\
	FIXTURE_VARIANT_ADD(failnth, nm) { .entry = i, .name = #nm }

FN_VARIANT(0, container_open);
FN_VARIANT(1, set_container);
FN_VARIANT(2, set_container_joins_iommu);
FN_VARIANT(3, set_iommu);
FN_VARIANT(4, map_dma);
FN_VARIANT(5, map_dma_bar);
FN_VARIANT(6, unmap_dma);
FN_VARIANT(7, iommu_get_info);
FN_VARIANT(8, get_device_fd);
FN_VARIANT(9, get_device_fd_second);
FN_VARIANT(10, set_irqs_intx);
FN_VARIANT(11, set_irqs_intx_unmask_eventfd);
FN_VARIANT(12, set_irqs_msi);
FN_VARIANT(13, set_irqs_msix);
FN_VARIANT(14, set_irqs_msix_grow);
FN_VARIANT(15, set_irqs_err);
FN_VARIANT(16, set_irqs_req);
FN_VARIANT(17, device_reset);
FN_VARIANT(18, hot_reset_info);
FN_VARIANT(19, pci_hot_reset);
FN_VARIANT(20, region_info_caps);
FN_VARIANT(21, device_info);
FN_VARIANT(22, bar_mmap);
FN_VARIANT(23, config_read);
FN_VARIANT(24, ioeventfd);

/* The tables above agree */
_Static_assert(sizeof(entries) / sizeof(entries[0]) == 25, "a variant per entry");

static void fn_pins(struct __test_metadata *_metadata, long *kb, long *pinned)
{
	*kb = vfio_lab_locked_vm_kb();
	ASSERT_LE(0, *kb);
	ASSERT_EQ(0, vfio_lab_pinned_pages(pinned));
}

/* Each sweep case may take up to 5 min on the sanitizer kernel (x10) */
TEST_F_TIMEOUT(failnth, sweep, 30)
{
	const struct fn_entry *e = &entries[variant->entry];
	unsigned int n, max = fail_nth_max(FN_MAX_DEFAULT), failed = 0,
		     absorbed = 0;
	struct fn *f = &self->f;
	long ret, kb0, pin0, kb, pin;
	double t0, tb = lab_now_ms();
	bool fired;

	ASSERT_STREQ(e->name, variant->name);
	if (getenv("UPCILAB_FAILNTH_VECTORS")) {
		fn_vectors = atoi(getenv("UPCILAB_FAILNTH_VECTORS"));
		ASSERT_TRUE(fn_vectors >= 2 && fn_vectors <= FN_VECTORS)
			TH_LOG("UPCILAB_FAILNTH_VECTORS: 2 to %u", FN_VECTORS);
	}
	ret = fail_nth_open(&f->nth, f->why, sizeof(f->why));
	if (ret == -ENOENT)
		SKIP(return, "%s", f->why);
	ASSERT_EQ(0, ret) TH_LOG("%s", f->why);
	if (!variant->entry)
		printf("# failnth: slab caches that may fail %u, kept out %u, merged (never fail) %u%s%s\n",
		       f->nth.caches, f->nth.kept, f->nth.shared,
		       f->nth.shared_kmalloc[0] ? ": " : "",
		       f->nth.shared_kmalloc);
	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "the sweep is of upci's entry points, not %s's",
		     vfio_lab_driver_name());
	ret = vfio_lab_device_bdf(e->device, f->bdf, f->why, sizeof(f->why));
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", f->why);
	ASSERT_EQ(0, ret) TH_LOG("%s", f->why);

	f->buf = vfio_lab_buffer(FN_MAP_SIZE);
	ASSERT_NE(MAP_FAILED, f->buf);
	memset(f->buf, 0x5a, FN_MAP_SIZE);
	fn_touch_stack();
	fn_pins(_metadata, &kb0, &pin0);
	if (e->begin)
		ASSERT_EQ(0, e->begin(f)) TH_LOG("%s: %s", e->name, f->why);

	t0 = (lab_now_ms() / 1000);
	for (n = 1; ; n++) {
		ASSERT_GE(max, n)
			TH_LOG("%s: still failing after %u injections (UPCILAB_FAILNTH_MAX)",
			       e->name, max);
		if (e->prepare)
			ASSERT_EQ(0, e->prepare(f)) TH_LOG("%s: %s", e->name, f->why);

		ASSERT_EQ(0, fail_nth_arm(&f->nth, n));
		ret = e->call(f);
		ASSERT_EQ(0, fail_nth_disarm(&f->nth, &fired));

		if (!fired) {
			/* the whole path went through: the sweep is done */
			EXPECT_LE(0, ret)
				TH_LOG("%s: %s with nothing injected",
				       e->name, strerror(-ret));
			if (ret >= 0 && e->usable)
				EXPECT_EQ(0, e->usable(f, ret))
					TH_LOG("%s: after the sweep: %s",
					       e->name, f->why);
			if (e->undo)
				e->undo(f, ret);
			break;
		}
		if (ret < 0) {
			failed++;
			EXPECT_TRUE(fn_errno_ok(e, ret))
				TH_LOG("%s: allocation %u failed: %s (%ld)",
				       e->name, n, strerror(-ret), ret);
		} else {
			absorbed++;
		}
		if (e->usable)
			EXPECT_EQ(0, e->usable(f, ret))
				TH_LOG("%s: allocation %u failed (call: %ld): %s",
				       e->name, n, ret, f->why);
		if (e->undo)
			e->undo(f, ret);
		if (e->check_pins) {
			fn_pins(_metadata, &kb, &pin);
			EXPECT_EQ(kb0, kb)
				TH_LOG("%s: allocation %u failed: locked_vm %ld kB, was %ld",
				       e->name, n, kb, kb0);
			EXPECT_EQ(pin0, pin)
				TH_LOG("%s: allocation %u failed: %ld pages pinned, were %ld",
				       e->name, n, pin, pin0);
		}
		if (_metadata->exit_code == KSFT_FAIL)
			break;
	}
	printf("# failnth: %s injection points %u (%u failed, %u absorbed) in %.1f s (set-up %.1f s)\n",
	       e->name, n - 1, failed, absorbed, (lab_now_ms() / 1000) - t0,
	       (t0 * 1000 - tb) / 1000);
	fflush(stdout);

	/* whatever begin() set up goes too: nothing stays pinned */
	fn_fini(f);
	fn_init(f);
	fn_pins(_metadata, &kb, &pin);
	EXPECT_EQ(kb0, kb);
	EXPECT_EQ(pin0, pin);
}

LAB_HARNESS_MAIN
