// SPDX-License-Identifier: GPL-2.0
/* Runs fuzz_gen's calls on one driver and records them (fuzz_exec.h). */
#define _GNU_SOURCE
#include "fuzz_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio_lab.h"

#define PAGE		4096u
#define CFG_MARK	0xee	/* a byte that is the host's, not the driver's */
#define MIGRATION_CAP_ID	VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION

struct ctx {
	const struct fz_env *env;
	int cont[2], group, dev[2], efd[4], foreign;
};

static sigjmp_buf touch_jb;
static volatile sig_atomic_t touching;

static void touch_fault(int sig)
{
	if (touching)
		siglongjmp(touch_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static int fd_of(const struct ctx *x, unsigned int kind)
{
	switch (kind) {
	case FZ_FD_C0: case FZ_FD_C1: return x->cont[kind - FZ_FD_C0];
	case FZ_FD_G0: return x->group;
	case FZ_FD_D0: case FZ_FD_D1: return x->dev[kind - FZ_FD_D0];
	case FZ_FD_E0: case FZ_FD_E1: case FZ_FD_E2: case FZ_FD_E3:
		return x->efd[kind - FZ_FD_E0];
	case FZ_FD_FOREIGN: return x->foreign;
	case FZ_FD_BOGUS: return FZ_BOGUS_FD;
	default: return -1;
	}
}

static void close_slot(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int sys_ret(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}

/* ---- normalization of what belongs to the device, not the driver ---- */

/* mockdma's BAR0 counters of its own history (RESET_COUNT, DESC_DONE...) */
static bool bar0_history(uint64_t off)
{
	return (off >= 0x18 && off < 0x1c) || (off >= 0x58 && off < 0x70) ||
	       (off >= 0x100 && off < 0x200);
}

/* config bytes the host assigned: BARs, ROM BAR, interrupt line */
static bool cfg_hostish(uint64_t off)
{
	return (off >= PCI_BASE_ADDRESS_0 && off < PCI_CARDBUS_CIS) ||
	       (off >= PCI_ROM_ADDRESS && off < PCI_ROM_ADDRESS + 4) ||
	       off == PCI_INTERRUPT_LINE;
}

static void norm_region(const struct fz_env *env, uint32_t index, uint64_t off,
			uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (index == VFIO_PCI_BAR0_REGION_INDEX && bar0_history(o))
			buf[i] = 0;
		else if (index == VFIO_PCI_CONFIG_REGION_INDEX && cfg_hostish(o) &&
			 (buf[i] == env->raw_cfg[o] || buf[i] == env->peer_raw_cfg[o]))
			buf[i] = CFG_MARK;
	}
}

/*
 * DMA_AVAIL holds the backend's limit minus the mappings: keep the
 * mappings.  Every capability is walked inside len bytes only.
 */
static void norm_iommu_info(const struct fz_env *env, uint8_t *buf, uint32_t len)
{
	struct vfio_iommu_type1_info *info = (void *)buf;
	uint32_t off, hops = 0;

	if (len < sizeof(*info) || !(info->flags & VFIO_IOMMU_INFO_CAPS))
		return;
	for (off = info->cap_offset; off && off + 8 <= len && hops < 16; hops++) {
		struct vfio_info_cap_header *h = (void *)(buf + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL && off + 12 <= len) {
			uint32_t *avail = (uint32_t *)(buf + off + 8);

			*avail = (uint32_t)(env->entry_limit - *avail);
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
}

/* the hot reset devices: group, bus and devfn are this device's or not */
static void norm_hot_reset_info(const struct fz_env *env, uint8_t *buf, uint32_t len)
{
	struct vfio_pci_hot_reset_info *hi = (void *)buf;
	unsigned int bus = 0, slot = 0, fn = 0, dom = 0, i;

	if (len < sizeof(*hi))
		return;
	sscanf(env->bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn);
	for (i = 0; i < hi->count && sizeof(*hi) + (i + 1) * sizeof(hi->devices[0]) <= len; i++) {
		struct vfio_pci_dependent_device *d = &hi->devices[i];

		d->group_id = d->group_id == (uint32_t)env->group_id ? 1 : 2;
		d->bus = d->bus == bus ? 1 : 2;
		d->devfn = d->devfn == ((slot << 3) | fn) ? 1 : 2;
	}
}

/* ---- the calls ---- */

static void *place_arg(const struct ctx *x, const struct fz_call *c, const void *img,
		       uint32_t len)
{
	uint8_t *b = x->env->argbuf;

	switch (c->place) {
	case FZ_PLACE_NULL: return NULL;
	case FZ_PLACE_UNMAPPED: return b + FZ_ARGBUF;
	case FZ_PLACE_END: b += FZ_ARGBUF - len; break;
	default: break;
	}
	memcpy(b, img, len);
	return b;
}

static uint64_t vaddr_of(const struct fz_env *env, const struct fz_call *c)
{
	switch (c->index) {
	case FZ_VA_ARENA: return (uint64_t)(uintptr_t)env->arena + c->c;
	case FZ_VA_RDONLY: return (uint64_t)(uintptr_t)env->arena + FZ_ARENA_SIZE + c->c;
	case FZ_VA_HOLE: return (uint64_t)(uintptr_t)env->arena + FZ_ARENA_SIZE + PAGE;
	case FZ_VA_KERNEL: return 0xffff888000000000ull;
	case FZ_VA_TOP: return ~0ull - PAGE + 1;
	default: return 0;
	}
}

static void name_of(const struct fz_env *env, unsigned int kind, char *buf, size_t size)
{
	switch (kind) {
	case FZ_NAME_SELF: snprintf(buf, size, "%s", env->bdf); break;
	case FZ_NAME_PEER: snprintf(buf, size, "%s", env->peer_bdf); break;
	case FZ_NAME_EMPTY: buf[0] = '\0'; break;
	case FZ_NAME_JUNK: snprintf(buf, size, "junk"); break;
	case FZ_NAME_NO_DOMAIN: snprintf(buf, size, "%s", env->bdf + 5); break;
	case FZ_NAME_TOKEN:
		snprintf(buf, size, "%s vf_token=2ab74924-c335-45f4-9b16-8569e5b08258", env->bdf);
		break;
	case FZ_NAME_TOKEN_JUNK: snprintf(buf, size, "%s vf_token=xyz", env->bdf); break;
	case FZ_NAME_TRAILING_SPACE: snprintf(buf, size, "%s ", env->bdf); break;
	case FZ_NAME_LONG:
		memset(buf, 'a', size - 1);
		buf[size - 1] = '\0';
		break;
	default: snprintf(buf, size, "%s", env->bdf); break;
	}
}

static int get_device_fd(struct ctx *x, const struct fz_call *c)
{
	char name[5000];
	uint8_t *b = x->env->argbuf;
	const char *arg = name;
	int ret;

	name_of(x->env, c->index, name, sizeof(name));
	if (c->place == FZ_PLACE_NULL) {
		arg = NULL;
	} else if (c->index == FZ_NAME_UNTERMINATED) {
		size_t n = strlen(x->env->bdf);

		memcpy(b + FZ_ARGBUF - n, x->env->bdf, n);
		arg = (char *)b + FZ_ARGBUF - n;
	}
	ret = sys_ret(ioctl(x->group, VFIO_GROUP_GET_DEVICE_FD, arg));
	if (ret >= 0) {
		close_slot(&x->dev[c->slot & 1]);
		x->dev[c->slot & 1] = ret;
		return FZ_RET_FD;
	}
	return ret;
}

/* the ioctls taking a struct: build it in img, place it, call */
static int struct_ioctl(struct ctx *x, const struct fz_call *c, struct fz_out *o)
{
	uint64_t img64[4096 / 8 + 8];
	uint8_t *img = (uint8_t *)img64;
	uint32_t full = fz_arg_full(c), len = fz_arg_len(c->argsz, full), i;
	unsigned long req = 0;
	int fd = -1, ret;
	void *p;

	memset(img, c->fill, len);
	memcpy(img, &c->argsz, 4);
	switch (c->op) {
	case FZ_IOMMU_INFO:
		req = VFIO_IOMMU_GET_INFO;
		fd = x->cont[c->slot & 1];
		break;
	case FZ_MAP_DMA: {
		struct vfio_iommu_type1_dma_map *m = (void *)img;

		m->flags = c->flags;
		m->vaddr = vaddr_of(x->env, c);
		m->iova = c->a;
		m->size = c->b;
		req = VFIO_IOMMU_MAP_DMA;
		fd = x->cont[c->slot & 1];
		break;
	}
	case FZ_UNMAP_DMA: {
		struct vfio_iommu_type1_dma_unmap *u = (void *)img;

		u->flags = c->flags;
		u->iova = c->a;
		u->size = c->b;
		req = VFIO_IOMMU_UNMAP_DMA;
		fd = x->cont[c->slot & 1];
		break;
	}
	case FZ_DIRTY_PAGES:
		((struct vfio_iommu_type1_dirty_bitmap *)img)->flags = c->flags;
		req = VFIO_IOMMU_DIRTY_PAGES;
		fd = x->cont[0];
		break;
	case FZ_GROUP_STATUS:
		req = VFIO_GROUP_GET_STATUS;
		fd = x->group;
		break;
	case FZ_DEVICE_INFO:
		req = VFIO_DEVICE_GET_INFO;
		fd = x->dev[c->slot & 1];
		break;
	case FZ_REGION_INFO:
		((struct vfio_region_info *)img)->index = c->index;
		req = VFIO_DEVICE_GET_REGION_INFO;
		fd = x->dev[c->slot & 1];
		break;
	case FZ_IRQ_INFO:
		((struct vfio_irq_info *)img)->index = c->index;
		req = VFIO_DEVICE_GET_IRQ_INFO;
		fd = x->dev[c->slot & 1];
		break;
	case FZ_SET_IRQS: {
		struct vfio_irq_set *s = (void *)img;

		s->flags = c->flags;
		s->index = c->index;
		s->start = c->start;
		s->count = c->count;
		for (i = 0; i < c->ndata; i++) {
			if (c->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
				int32_t v = fd_of(x, c->data[i]);

				memcpy(s->data + 4 * i, &v, 4);
			} else if (c->flags & VFIO_IRQ_SET_DATA_BOOL) {
				s->data[i] = c->data[i];
			}
		}
		req = VFIO_DEVICE_SET_IRQS;
		fd = x->dev[c->slot & 1];
		break;
	}
	case FZ_HOT_RESET_INFO:
		((struct vfio_pci_hot_reset_info *)img)->count = c->count;
		((struct vfio_pci_hot_reset_info *)img)->flags = 0;
		req = VFIO_DEVICE_GET_PCI_HOT_RESET_INFO;
		fd = x->dev[c->slot & 1];
		break;
	case FZ_HOT_RESET: {
		struct vfio_pci_hot_reset *h = (void *)img;

		h->flags = c->flags;
		h->count = c->count;
		for (i = 0; i < c->ndata; i++)
			h->group_fds[i] = fd_of(x, c->data[i]);
		req = VFIO_DEVICE_PCI_HOT_RESET;
		fd = x->dev[c->slot & 1];
		break;
	}
	case FZ_FEATURE:
		((struct vfio_device_feature *)img)->flags = c->flags;
		req = VFIO_DEVICE_FEATURE;
		fd = x->dev[c->slot & 1];
		break;
	case FZ_IOEVENTFD: {
		struct vfio_device_ioeventfd *e = (void *)img;

		e->flags = c->flags;
		e->offset = c->a;
		e->data = c->b;
		e->fd = fd_of(x, c->fdkind);
		req = VFIO_DEVICE_IOEVENTFD;
		fd = x->dev[c->slot & 1];
		break;
	}
	case FZ_RAW_IOCTL:
		req = c->a;
		fd = fd_of(x, c->fdkind);
		break;
	}
	p = place_arg(x, c, img, len);
	ret = sys_ret(ioctl(fd, req, p));
	if (c->op == FZ_RAW_IOCTL && req == VFIO_GROUP_GET_DEVICE_FD && ret >= 0) {
		close(ret);
		ret = FZ_RET_FD;
	}
	if (p && c->place != FZ_PLACE_UNMAPPED) {
		memcpy(img, p, len);
		if (c->op == FZ_IOMMU_INFO && ret == 0)
			norm_iommu_info(x->env, img, len);
		if (c->op == FZ_HOT_RESET_INFO && ret == 0)
			norm_hot_reset_info(x->env, img, len);
		o->outlen = len < FZ_OUT_MAX ? len : FZ_OUT_MAX;
		memcpy(o->out, img, o->outlen);
		o->outhash = fnv(0xcbf29ce484222325ull, img, len);
	}
	return ret;
}

static int region_rw(struct ctx *x, const struct fz_call *c, struct fz_out *o)
{
	static uint8_t buf[4096 + 8];
	int fd = x->dev[c->slot & 1];
	uint64_t off = ((uint64_t)c->index << 40) + c->a;
	size_t len = c->b < 4096 ? c->b : 4096, i;
	int ret;

	if (c->op == FZ_PWRITE) {
		for (i = 0; i < len; i++)
			buf[i] = i < 8 ? (uint8_t)(c->c >> (8 * i)) : c->fill;
		return sys_ret(pwrite(fd, buf, len, (off_t)off));
	}
	memset(buf, c->fill, len);
	ret = sys_ret(pread(fd, buf, len, (off_t)off));
	if (ret > 0) {
		norm_region(x->env, c->index, c->a, buf, ret);
		o->outlen = ret < FZ_OUT_MAX ? ret : FZ_OUT_MAX;
		memcpy(o->out, buf, o->outlen);
		o->outhash = fnv(0xcbf29ce484222325ull, buf, ret);
	}
	return ret;
}

static int region_mmap(struct ctx *x, const struct fz_call *c, struct fz_out *o)
{
	int fd = x->dev[c->slot & 1], sig;
	uint64_t off = ((uint64_t)c->index << 40) + c->a;
	volatile uint8_t *m;
	uint8_t v = 0;

	m = mmap(NULL, c->b, c->flags & 7,
		 c->flags & FZ_MMAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED, fd, (off_t)off);
	if (m == MAP_FAILED)
		return -errno;
	sig = sigsetjmp(touch_jb, 1);
	if (!sig) {
		touching = 1;
		v = m[0];
	}
	touching = 0;
	o->sig = sig;
	norm_region(x->env, c->index, c->a, &v, 1);
	o->out[0] = v;
	o->outlen = 1;
	munmap((void *)m, c->b);
	return 0;
}

static int open_into(int *slot, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close_slot(slot);
	*slot = fd;
	return FZ_RET_FD;
}

static int exec_call(struct ctx *x, const struct fz_call *c, struct fz_out *o)
{
	int fd;

	switch (c->op) {
	case FZ_OPEN_CONTAINER:
		close_slot(&x->cont[c->slot & 1]);
		return open_into(&x->cont[c->slot & 1], x->env->container_path);
	case FZ_CLOSE_CONTAINER:
		close_slot(&x->cont[c->slot & 1]);
		return 0;
	case FZ_OPEN_GROUP:
		if (x->group >= 0) {	/* a second open: its answer, then closed */
			fd = open(x->env->group_path, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			close(fd);
			return FZ_RET_FD;
		}
		return open_into(&x->group, x->env->group_path);
	case FZ_CLOSE_GROUP:
		close_slot(&x->group);
		return 0;
	case FZ_CLOSE_DEVICE:
		close_slot(&x->dev[c->slot & 1]);
		return 0;
	case FZ_OPEN_EFD:
		close_slot(&x->efd[c->slot & 3]);
		fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		x->efd[c->slot & 3] = fd;
		return FZ_RET_FD;
	case FZ_CLOSE_EFD:
		close_slot(&x->efd[c->slot & 3]);
		return 0;
	case FZ_API_VERSION:
		return sys_ret(ioctl(x->cont[c->slot & 1], VFIO_GET_API_VERSION));
	case FZ_CHECK_EXTENSION:
		return sys_ret(ioctl(x->cont[c->slot & 1], VFIO_CHECK_EXTENSION, (unsigned long)c->a));
	case FZ_SET_IOMMU:
		return sys_ret(ioctl(x->cont[c->slot & 1], VFIO_SET_IOMMU, (unsigned long)c->a));
	case FZ_SET_CONTAINER: {
		int32_t cfd = fd_of(x, c->fdkind);

		return sys_ret(ioctl(x->group, VFIO_GROUP_SET_CONTAINER,
				     c->place == FZ_PLACE_NULL ? NULL : &cfd));
	}
	case FZ_UNSET_CONTAINER:
		return sys_ret(ioctl(x->group, VFIO_GROUP_UNSET_CONTAINER));
	case FZ_GET_DEVICE_FD:
		return get_device_fd(x, c);
	case FZ_RESET:
		return sys_ret(ioctl(x->dev[c->slot & 1], VFIO_DEVICE_RESET));
	case FZ_PREAD: case FZ_PWRITE:
		return region_rw(x, c, o);
	case FZ_MMAP:
		return region_mmap(x, c, o);
	default:
		return struct_ioctl(x, c, o);
	}
}

/* ---- the state after a call ---- */

static void snap_iommu(const struct ctx *x, struct fz_state *st)
{
	static uint64_t buf64[512];
	uint8_t *buf = (uint8_t *)buf64;
	struct vfio_iommu_type1_info *info = (void *)buf;
	int fd = x->cont[0] >= 0 ? x->cont[0] : x->cont[1];
	uint32_t off, hops = 0;

	memset(buf, 0, sizeof(buf64));
	info->argsz = sizeof(buf64);
	st->iommu_ret = sys_ret(ioctl(fd, VFIO_IOMMU_GET_INFO, info));
	if (st->iommu_ret)
		return;
	st->iommu_flags = info->flags;
	st->pgsizes = info->iova_pgsizes;
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS))
		return;
	for (off = info->cap_offset; off && off + 8 <= sizeof(buf64) && hops < 16; hops++) {
		struct vfio_info_cap_header *h = (void *)(buf + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;

			st->nranges = r->nr_iovas;
			if (off + sizeof(*r) + r->nr_iovas * sizeof(r->iova_ranges[0]) <= sizeof(buf64))
				st->ranges_hash = fnv(1, r->iova_ranges,
						      r->nr_iovas * sizeof(r->iova_ranges[0]));
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			st->dma_used = (uint32_t)(x->env->entry_limit -
						  ((struct vfio_iommu_type1_info_dma_avail *)h)->avail);
		} else if (h->id == MIGRATION_CAP_ID) {
			st->migration_cap = 1;
		}
		if (h->next <= off)
			break;
		off = h->next;
	}
}

static void snap_device(const struct ctx *x, struct fz_state *st)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	int fd = x->dev[0] >= 0 ? x->dev[0] : x->dev[1];
	unsigned int i;
	int ret;

	st->dev_ret = sys_ret(ioctl(fd, VFIO_DEVICE_GET_INFO, &di));
	if (st->dev_ret)
		return;
	st->dev_flags = di.flags;
	st->num_regions = di.num_regions;
	st->num_irqs = di.num_irqs;
	for (i = 0; i < 5; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };

		st->irq_ret[i] = sys_ret(ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &ii));
		st->irq_flags[i] = ii.flags;
		st->irq_count[i] = ii.count;
	}
	ret = sys_ret(pread(fd, st->cfg, sizeof(st->cfg),
			    (off_t)VFIO_LAB_REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX)));
	st->cfg_ret = ret;
	if (ret > 0)
		norm_region(x->env, VFIO_PCI_CONFIG_REGION_INDEX, 0, st->cfg, ret);
	st->scratch_ret = sys_ret(pread(fd, &st->scratch, 4,
					(off_t)VFIO_LAB_REGION_OFFSET(0) + 0x14));
}

static void snapshot(const struct ctx *x, struct fz_state *st)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->iommu_ret = st->group_ret = st->dev_ret = -EBADF;
	if (x->cont[0] >= 0 || x->cont[1] >= 0)
		snap_iommu(x, st);
	if (x->group >= 0) {
		st->group_ret = sys_ret(ioctl(x->group, VFIO_GROUP_GET_STATUS, &gs));
		st->group_flags = gs.flags;
	}
	st->locked_kb = vfio_lab_locked_vm_kb();
	if (x->dev[0] >= 0 || x->dev[1] >= 0)
		snap_device(x, st);
	for (i = 0; i < 4; i++) {
		uint64_t v = 0;

		if (x->efd[i] < 0) {
			st->efd[i] = -1;
			continue;
		}
		st->efd[i] = read(x->efd[i], &v, sizeof(v)) == sizeof(v) ? (int64_t)v : 0;
	}
}

/* ---- the child ---- */

static void child(const struct fz_env *env, const struct fz_call *calls, unsigned int n,
		  struct fz_trace *t)
{
	struct ctx x = { .env = env, .cont = { -1, -1 }, .group = -1, .dev = { -1, -1 },
			 .efd = { -1, -1, -1, -1 }, .foreign = -1 };
	unsigned int i;

	signal(SIGBUS, touch_fault);
	signal(SIGSEGV, touch_fault);
	alarm(0);
	if (env->foreign_path[0])
		x.foreign = open(env->foreign_path, O_RDWR | O_CLOEXEC);
	for (i = 0; i < n && i < FZ_MAX_CALLS; i++) {
		struct fz_out *o = &t->out[i];

		memset(o, 0, sizeof(*o));
		t->n = i;
		o->ret = exec_call(&x, &calls[i], o);
		snapshot(&x, &o->st);
		t->n = i + 1;
	}
	_exit(0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int fz_run(const struct fz_env *env, const struct fz_call *calls, unsigned int n,
	   struct fz_trace *t, int timeout_ms)
{
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	double end = now_ms() + timeout_ms;
	int status = 0;
	pid_t pid, got;

	t->n = 0;
	t->died_sig = t->hung = t->setup_err = 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		child(env, calls, n, t);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < end)
		nanosleep(&nap, NULL);
	if (got == 0) {
		t->hung = 1;
		kill(pid, SIGKILL);
		end = now_ms() + 10000;
		while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < end)
			nanosleep(&nap, NULL);
		if (got == 0)
			return 0;	/* stuck in the kernel: left behind */
	}
	if (WIFSIGNALED(status) && !t->hung)
		t->died_sig = WTERMSIG(status);
	return 0;
}

int fz_buffers(struct fz_env *env)
{
	uint8_t *a, *b;

	a = mmap(NULL, FZ_ARENA_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return -errno;
	memset(a, 0x5a, FZ_ARENA_SIZE + PAGE);
	if (mprotect(a + FZ_ARENA_SIZE, PAGE, PROT_READ) ||
	    munmap(a + FZ_ARENA_SIZE + PAGE, PAGE))
		return -errno;
	b = mmap(NULL, FZ_ARGBUF + PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return -errno;
	if (mprotect(b + FZ_ARGBUF, PAGE, PROT_NONE))
		return -errno;
	env->arena = a;
	env->argbuf = b;
	return 0;
}
