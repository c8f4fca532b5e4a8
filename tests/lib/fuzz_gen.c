// SPDX-License-Identifier: GPL-2.0
/*
 * The differential fuzzer's generator: structure-aware calls with values
 * near every boundary (fuzz_gen.h).  Most arguments are plausible, so the
 * calls reach deep; one in a few is hostile.
 */
#include "fuzz_gen.h"

#include <string.h>
#include <linux/vfio.h>

#define PAGE		4096ull
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return (uint32_t)((fz_next(r) >> 32) * n >> 32);
}

int fz_one_in(struct fz_rng *r, uint32_t n)
{
	return fz_below(r, n) == 0;
}

#define PICK(r, a)	((a)[fz_below(r, ARRAY_LEN(a))])

static const char *const op_names[FZ_NOPS] = {
	[FZ_OPEN_CONTAINER] = "OPEN_CONTAINER", [FZ_CLOSE_CONTAINER] = "CLOSE_CONTAINER",
	[FZ_OPEN_GROUP] = "OPEN_GROUP", [FZ_CLOSE_GROUP] = "CLOSE_GROUP",
	[FZ_CLOSE_DEVICE] = "CLOSE_DEVICE", [FZ_OPEN_EFD] = "OPEN_EVENTFD",
	[FZ_CLOSE_EFD] = "CLOSE_EVENTFD", [FZ_API_VERSION] = "GET_API_VERSION",
	[FZ_CHECK_EXTENSION] = "CHECK_EXTENSION", [FZ_SET_IOMMU] = "SET_IOMMU",
	[FZ_IOMMU_INFO] = "IOMMU_GET_INFO", [FZ_MAP_DMA] = "IOMMU_MAP_DMA",
	[FZ_UNMAP_DMA] = "IOMMU_UNMAP_DMA", [FZ_DIRTY_PAGES] = "IOMMU_DIRTY_PAGES",
	[FZ_GROUP_STATUS] = "GROUP_GET_STATUS", [FZ_SET_CONTAINER] = "GROUP_SET_CONTAINER",
	[FZ_UNSET_CONTAINER] = "GROUP_UNSET_CONTAINER",
	[FZ_GET_DEVICE_FD] = "GROUP_GET_DEVICE_FD", [FZ_DEVICE_INFO] = "DEVICE_GET_INFO",
	[FZ_REGION_INFO] = "DEVICE_GET_REGION_INFO", [FZ_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
	[FZ_SET_IRQS] = "DEVICE_SET_IRQS", [FZ_RESET] = "DEVICE_RESET",
	[FZ_HOT_RESET_INFO] = "DEVICE_GET_PCI_HOT_RESET_INFO",
	[FZ_HOT_RESET] = "DEVICE_PCI_HOT_RESET", [FZ_FEATURE] = "DEVICE_FEATURE",
	[FZ_IOEVENTFD] = "DEVICE_IOEVENTFD", [FZ_PREAD] = "pread", [FZ_PWRITE] = "pwrite",
	[FZ_MMAP] = "mmap", [FZ_RAW_IOCTL] = "raw ioctl",
};

const char *fz_op_name(unsigned int op)
{
	return op < FZ_NOPS && op_names[op] ? op_names[op] : "?";
}

/* ---- argument values ---- */

/* argsz around a struct whose mandatory part is minsz and whole is full */
static uint32_t gen_argsz(struct fz_rng *r, uint32_t minsz, uint32_t full)
{
	switch (fz_below(r, 16)) {
	case 0: return 0;
	case 1: return minsz - 1;
	case 2: return fz_below(r, minsz);
	case 3: return full + 1 + fz_below(r, 64);
	case 4: return fz_one_in(r, 2) ? 0xffffffffu : 0x80000000u;
	case 5: return 4096;
	case 6: case 7: return minsz;
	default: return full;
	}
}

static enum fz_place gen_place(struct fz_rng *r)
{
	switch (fz_below(r, 40)) {
	case 0: return FZ_PLACE_NULL;
	case 1: return FZ_PLACE_UNMAPPED;
	case 2: case 3: case 4: case 5: case 6: case 7: return FZ_PLACE_END;
	default: return FZ_PLACE_START;
	}
}

/* valid flags, sometimes with one undefined bit or any 32 bits */
static uint32_t hostile_flags(struct fz_rng *r, uint32_t flags, uint32_t defined)
{
	uint32_t bit;

	if (fz_one_in(r, 25))
		return (uint32_t)fz_next(r);
	if (!fz_one_in(r, 8) || defined == 0xffffffffu)
		return flags;
	do
		bit = 1u << fz_below(r, 32);
	while (bit & defined);
	return flags | bit;
}

static uint32_t gen_index(struct fz_rng *r, uint32_t n)
{
	switch (fz_below(r, 12)) {
	case 0: return n;
	case 1: return n + 1 + fz_below(r, 4);
	case 2: return fz_one_in(r, 2) ? 0xffffffffu : 0x80000000u;
	case 3: return n ? n - 1 : 0;
	default: return fz_below(r, n ? n : 1);
	}
}

static enum fz_fd gen_fd_any(struct fz_rng *r)
{
	return fz_below(r, FZ_NFDS);
}

static const uint64_t iova_edges[] = {
	0, PAGE - 1, PAGE, 0x800, 0x100000, 0xfee00000 - PAGE, 0xfee00000,
	0xfeeff000, 0xfef00000, (1ull << 32) - PAGE, 1ull << 32,
	(1ull << 39) - PAGE, 1ull << 39, 1ull << 47, (1ull << 48) - PAGE,
	1ull << 48, 1ull << 52, 1ull << 63, ~0ull - PAGE + 1, ~0ull,
};

static const uint64_t size_edges[] = {
	0, 1, PAGE - 1, PAGE + 1, 64 << 10, FZ_ARENA_SIZE, FZ_ARENA_SIZE + PAGE,
	2ull << 20, 1ull << 32, 1ull << 40, ~0ull - PAGE + 1, ~0ull,
};

/* The generator's memory of the IOVAs it mapped, for overlaps */
struct gen {
	struct fz_rng r;
	const struct fz_device_shape *shape;
	uint64_t iova[8], size[8];
	unsigned int nmaps;
};

#define WINDOW	0x100000ull	/* most maps fall in 64 pages from here */

static uint64_t gen_iova(struct gen *g)
{
	struct fz_rng *r = &g->r;
	static const uint64_t deltas[] = { 0, PAGE, -PAGE, 1, 0x800, 2 * PAGE };
	unsigned int k;

	switch (fz_below(r, 8)) {
	case 0: case 1:
		return PICK(r, iova_edges);
	case 2: case 3:
		if (g->nmaps) {
			k = fz_below(r, g->nmaps < 8 ? g->nmaps : 8);
			if (fz_one_in(r, 3))
				return g->iova[k] + g->size[k] - (fz_one_in(r, 2) ? PAGE : 0);
			return g->iova[k] + PICK(r, deltas);
		}
		/* fall through */
	default:
		return WINDOW + PAGE * fz_below(r, 64);
	}
}

static uint64_t gen_size(struct fz_rng *r)
{
	if (fz_one_in(r, 5))
		return PICK(r, size_edges);
	return PAGE * (1 + fz_below(r, fz_one_in(r, 4) ? 64 : 4));
}

static void gen_vaddr(struct fz_rng *r, struct fz_call *c)
{
	c->index = FZ_VA_ARENA;
	if (fz_one_in(r, 6))
		c->index = fz_below(r, FZ_NVAS);
	switch (fz_below(r, 10)) {
	case 0: c->c = FZ_ARENA_SIZE - PAGE; break;	/* runs into the RDONLY page */
	case 1: c->c = PAGE * fz_below(r, 64) + (fz_one_in(r, 2) ? 1 : 0x800); break;
	default: c->c = PAGE * fz_below(r, 64); break;
	}
	if (c->index != FZ_VA_ARENA && c->index != FZ_VA_RDONLY)
		c->c = 0;
}

/* an offset in a region of size n for a width-w access */
static uint64_t gen_region_off(struct fz_rng *r, uint64_t n, uint32_t w)
{
	switch (fz_below(r, 12)) {
	case 0: return n;				/* at the end */
	case 1: return n ? n - 1 : 0;
	case 2: return n > w / 2 ? n - w / 2 : 0;	/* straddling it */
	case 3: return n + 1 + fz_below(r, 4096);
	case 4: return 1ull << 39;
	case 5: return n >= w ? n - w : 0;		/* the last w bytes */
	case 6: return 0;
	default:
		if (n <= w)
			return 0;
		return fz_below(r, (uint32_t)(n - w < 0x100000 ? n - w : 0x100000)) & ~(uint64_t)(w > 8 ? 7 : w - 1 ? w - 1 : 0);
	}
}

static uint32_t gen_region_index(struct fz_rng *r)
{
	switch (fz_below(r, 20)) {
	case 0: return FZ_NREGIONS + fz_below(r, 3);
	case 1: return fz_one_in(r, 2) ? 0xffu : (1u << 23) + fz_below(r, 3);
	default: return fz_below(r, FZ_NREGIONS);
	}
}

static uint32_t gen_width(struct fz_rng *r)
{
	static const uint32_t wide[] = { 0, 16, 64, 256, 4096 };
	static const uint32_t narrow[] = { 1, 2, 3, 4, 8, 4, 4, 2 };

	return fz_one_in(r, 6) ? PICK(r, wide) : PICK(r, narrow);
}

/* mockdma's BAR0 registers act; writes go to SCRATCH or the empty top */
#define BAR0_SCRATCH	0x14
#define BAR0_INERT	0x200

static void gen_rw(struct gen *g, struct fz_call *c, int write)
{
	struct fz_rng *r = &g->r;
	uint64_t n;
	uint32_t w = gen_width(r);

	c->index = gen_region_index(r);
	n = c->index < FZ_NREGIONS ? g->shape->region_size[c->index] : 0x1000;
	c->a = gen_region_off(r, n, w);
	c->b = w;
	c->c = fz_next(r);
	if (fz_one_in(r, 4))
		c->c = fz_one_in(r, 2) ? ~0ull : 0;
	c->fill = (uint8_t)fz_next(r);
	if (write && c->index == VFIO_PCI_BAR0_REGION_INDEX && c->a < BAR0_INERT) {
		if (fz_one_in(r, 2)) {
			c->a = BAR0_SCRATCH;
			c->b = 4;
		} else {
			c->a += BAR0_INERT;
		}
	}
}

static void gen_map(struct gen *g, struct fz_call *c)
{
	struct fz_rng *r = &g->r;
	static const uint32_t odd[] = { 0, VFIO_DMA_MAP_FLAG_READ, VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		VFIO_DMA_MAP_FLAG_VADDR };
	uint32_t full = sizeof(struct vfio_iommu_type1_dma_map);

	c->argsz = fz_one_in(r, 6) ? gen_argsz(r, full, full) : full;
	c->flags = fz_one_in(r, 5) ? PICK(r, odd) : VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	c->flags = hostile_flags(r, c->flags, 7);
	c->a = gen_iova(g);
	c->b = gen_size(r);
	gen_vaddr(r, c);
	if (c->index == FZ_VA_ARENA && fz_one_in(r, 2) && c->c % PAGE == 0 && c->c < FZ_ARENA_SIZE)
		c->b = (FZ_ARENA_SIZE - c->c) < c->b ? FZ_ARENA_SIZE - c->c : c->b;
	if (c->b && c->b < (1ull << 32)) {
		g->iova[g->nmaps % 8] = c->a;
		g->size[g->nmaps % 8] = c->b;
		g->nmaps++;
	}
}

static void gen_unmap(struct gen *g, struct fz_call *c)
{
	struct fz_rng *r = &g->r;
	static const uint32_t odd[] = { VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP,
		VFIO_DMA_UNMAP_FLAG_VADDR, VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_VADDR,
		VFIO_DMA_UNMAP_FLAG_ALL | VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP };
	uint32_t full = sizeof(struct vfio_iommu_type1_dma_unmap);

	c->argsz = fz_one_in(r, 6) ? gen_argsz(r, full, full + 24) : full;
	c->flags = 0;
	if (fz_one_in(r, 6))
		c->flags = VFIO_DMA_UNMAP_FLAG_ALL;
	else if (fz_one_in(r, 12))
		c->flags = PICK(r, odd);
	c->flags = hostile_flags(r, c->flags, 7);
	c->a = gen_iova(g);
	c->b = gen_size(r);
	if (c->flags & VFIO_DMA_UNMAP_FLAG_ALL && !fz_one_in(r, 4))
		c->a = c->b = 0;
	c->fill = (uint8_t)fz_next(r);
}

static void gen_set_irqs(struct gen *g, struct fz_call *c)
{
	struct fz_rng *r = &g->r;
	static const uint32_t actions[] = { VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_ACTION_TRIGGER,
		VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_UNMASK,
		VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK, 0 };
	static const uint32_t types[] = { VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_NONE,
		VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_EVENTFD,
		VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL, 0 };
	static const uint8_t bools[] = { 0, 1, 1, 2, 0xff };
	uint32_t n, esz, minsz = sizeof(struct vfio_irq_set), i;
	uint64_t exact;

	c->index = fz_below(r, 10) < 8 ? fz_below(r, 5) : gen_index(r, 5);
	n = c->index < 5 ? g->shape->irq_count[c->index] : 1;
	c->flags = PICK(r, actions) | PICK(r, types);
	c->flags = hostile_flags(r, c->flags, VFIO_IRQ_SET_DATA_TYPE_MASK |
					     VFIO_IRQ_SET_ACTION_TYPE_MASK);
	switch (fz_below(r, 10)) {
	case 0: c->start = gen_index(r, n); break;
	case 1: c->start = n ? n - 1 : 0; break;
	default: c->start = 0; break;
	}
	switch (fz_below(r, 12)) {
	case 0: c->count = 0; break;
	case 1: c->count = n - (c->start < n ? c->start : n) + 1; break;
	case 2: c->count = fz_one_in(r, 2) ? 0xffffffffu : 0x40000000u; break;
	case 3: case 4: c->count = n > c->start ? n - c->start : 1; break;
	case 5: c->count = 2; break;
	default: c->count = 1; break;
	}
	if ((c->flags & VFIO_IRQ_SET_DATA_NONE) && fz_one_in(r, 3))
		c->count = 0;
	esz = c->flags & VFIO_IRQ_SET_DATA_EVENTFD ? 4 : c->flags & VFIO_IRQ_SET_DATA_BOOL ? 1 : 0;
	c->ndata = c->count < FZ_DATA_MAX ? c->count : FZ_DATA_MAX;
	for (i = 0; i < c->ndata; i++) {
		if (esz == 1)
			c->data[i] = PICK(r, bools);
		else if (fz_one_in(r, 5))
			c->data[i] = fz_one_in(r, 2) ? FZ_FD_MINUS1 : gen_fd_any(r);
		else
			c->data[i] = FZ_FD_E0 + fz_below(r, 4);
	}
	exact = minsz + (uint64_t)c->count * esz;
	c->argsz = exact > 0xffffffffu ? 0xffffffffu : (uint32_t)exact;
	if (fz_one_in(r, 5))
		c->argsz = gen_argsz(r, minsz, c->argsz);
	c->fill = (uint8_t)fz_next(r);
	c->place = gen_place(r);
}

static void gen_feature(struct fz_rng *r, struct fz_call *c)
{
	static const uint32_t ops[] = { VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE, VFIO_DEVICE_FEATURE_GET, VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET, 0 };
	uint32_t feature = fz_one_in(r, 10) ? (uint32_t)fz_next(r) & 0xffff : fz_below(r, 13);

	c->flags = hostile_flags(r, feature | PICK(r, ops), 0x7ffff);
	c->argsz = sizeof(struct vfio_device_feature) + 8 * fz_below(r, 5);
	if (fz_one_in(r, 5))
		c->argsz = gen_argsz(r, sizeof(struct vfio_device_feature), c->argsz);
	c->fill = (uint8_t)fz_next(r);
	c->place = gen_place(r);
}

static void gen_ioeventfd(struct gen *g, struct fz_call *c)
{
	struct fz_rng *r = &g->r;
	static const uint32_t sizes[] = { 1, 2, 4, 8, 3, 0, 0xf };
	uint32_t sz = PICK(r, sizes), w = sz == 1 ? 1 : sz == 2 ? 2 : sz == 4 ? 4 : 8;
	uint64_t n0 = g->shape->region_size[0];
	uint64_t region = 0, off;

	c->flags = hostile_flags(r, sz, 0xf);
	off = BAR0_INERT + (fz_below(r, (uint32_t)(n0 > BAR0_INERT ? n0 - BAR0_INERT : 1)) & ~(uint64_t)(w - 1));
	switch (fz_below(r, 10)) {
	case 0: region = fz_below(r, FZ_NREGIONS + 1); off = fz_below(r, 64); break;
	case 1: off = n0 - w / 2; break;
	case 2: off = n0; break;
	case 3: off += 1; break;
	}
	c->a = (region << 40) + off;
	c->b = fz_next(r);
	c->fdkind = fz_one_in(r, 5) ? gen_fd_any(r) : FZ_FD_E0 + fz_below(r, 4);
	c->argsz = sizeof(struct vfio_device_ioeventfd);
	if (fz_one_in(r, 6))
		c->argsz = gen_argsz(r, c->argsz, c->argsz);
	c->fill = (uint8_t)fz_next(r);
}

static void gen_mmap(struct gen *g, struct fz_call *c)
{
	struct fz_rng *r = &g->r;
	static const uint32_t prots[] = { 1, 3, 3, 3, 2, 0, 7 };
	uint64_t n;

	c->index = gen_region_index(r);
	n = c->index < FZ_NREGIONS ? g->shape->region_size[c->index] : PAGE;
	switch (fz_below(r, 8)) {
	case 0: c->a = n; break;
	case 1: c->a = n > PAGE ? n - PAGE : 0; break;
	case 2: c->a = PAGE; break;
	case 3: c->a = 0x800; break;
	default: c->a = 0; break;
	}
	switch (fz_below(r, 8)) {
	case 0: c->b = n + PAGE; break;
	case 1: c->b = 0; break;
	case 2: c->b = 2 * PAGE; break;
	case 3: c->b = n > c->a ? (n - c->a + PAGE - 1) & ~(PAGE - 1) : PAGE; break;
	default: c->b = PAGE; break;
	}
	c->flags = PICK(r, prots) | (fz_one_in(r, 8) ? FZ_MMAP_PRIVATE : 0);
}

static void gen_hot_reset(struct fz_rng *r, struct fz_call *c)
{
	uint32_t i;

	c->count = fz_below(r, 10) < 7 ? 1 : fz_one_in(r, 2) ? fz_below(r, 4) : 0xffffffffu;
	c->ndata = c->count < 4 ? c->count : 4;
	for (i = 0; i < c->ndata; i++)
		c->data[i] = fz_one_in(r, 3) ? gen_fd_any(r) : FZ_FD_G0;
	c->argsz = sizeof(struct vfio_pci_hot_reset) + 4 * (c->count < 4 ? c->count : 4);
	if (fz_one_in(r, 5))
		c->argsz = gen_argsz(r, sizeof(struct vfio_pci_hot_reset), c->argsz);
	c->flags = hostile_flags(r, 0, 0);
	c->fill = (uint8_t)fz_next(r);
	c->place = gen_place(r);
}

/* ---- the sequence ---- */

/* relative weights of the ops after the prologue */
static const uint8_t weights[FZ_NOPS] = {
	[FZ_OPEN_CONTAINER] = 1, [FZ_CLOSE_CONTAINER] = 1, [FZ_OPEN_GROUP] = 1,
	[FZ_CLOSE_GROUP] = 1, [FZ_CLOSE_DEVICE] = 1, [FZ_OPEN_EFD] = 2, [FZ_CLOSE_EFD] = 1,
	[FZ_API_VERSION] = 1, [FZ_CHECK_EXTENSION] = 3, [FZ_SET_IOMMU] = 3,
	[FZ_IOMMU_INFO] = 4, [FZ_MAP_DMA] = 14, [FZ_UNMAP_DMA] = 9, [FZ_DIRTY_PAGES] = 1,
	[FZ_GROUP_STATUS] = 2, [FZ_SET_CONTAINER] = 3, [FZ_UNSET_CONTAINER] = 1,
	[FZ_GET_DEVICE_FD] = 3, [FZ_DEVICE_INFO] = 2, [FZ_REGION_INFO] = 4,
	[FZ_IRQ_INFO] = 3, [FZ_SET_IRQS] = 16, [FZ_RESET] = 1, [FZ_HOT_RESET_INFO] = 2,
	[FZ_HOT_RESET] = 1, [FZ_FEATURE] = 3, [FZ_IOEVENTFD] = 3, [FZ_PREAD] = 10,
	[FZ_PWRITE] = 8, [FZ_MMAP] = 4, [FZ_RAW_IOCTL] = 3,
};

static unsigned int pick_op(struct fz_rng *r)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < FZ_NOPS; i++)
		total += weights[i];
	x = fz_below(r, total);
	for (i = 0; i < FZ_NOPS; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return FZ_PREAD;
}

static void gen_call(struct gen *g, struct fz_call *c, unsigned int op)
{
	struct fz_rng *r = &g->r;
	static const uint64_t ext[] = { VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU,
		VFIO_TYPE1_NESTING_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR,
		VFIO_NOIOMMU_IOMMU, VFIO_SPAPR_TCE_IOMMU, VFIO_DMA_CC_IOMMU, VFIO_EEH,
		VFIO_SPAPR_TCE_v2_IOMMU, 0, 11, 12, 0x7fffffff, ~0ull };

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->fill = 0xa5;
	switch (op) {
	case FZ_OPEN_CONTAINER: case FZ_CLOSE_CONTAINER:
	case FZ_CLOSE_DEVICE: case FZ_RESET:
		c->slot = fz_below(r, 2);
		break;
	case FZ_OPEN_EFD: case FZ_CLOSE_EFD:
		c->slot = fz_below(r, 4);
		break;
	case FZ_API_VERSION:
		c->slot = fz_below(r, 2);
		break;
	case FZ_CHECK_EXTENSION:
		c->slot = fz_below(r, 2);
		c->a = PICK(r, ext);
		break;
	case FZ_SET_IOMMU:
		c->slot = fz_below(r, 2);
		c->a = fz_below(r, 3) ? VFIO_TYPE1v2_IOMMU : PICK(r, ext);
		break;
	case FZ_IOMMU_INFO: {
		uint32_t minsz = 16, full = sizeof(struct vfio_iommu_type1_info);

		c->slot = fz_below(r, 2);
		c->argsz = fz_below(r, 3) ? 4096 : gen_argsz(r, minsz, full);
		if (fz_one_in(r, 4))
			c->argsz = full + 8 * fz_below(r, 24);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	}
	case FZ_MAP_DMA:
		c->slot = fz_below(r, 4) ? 0 : 1;
		gen_map(g, c);
		c->place = gen_place(r);
		break;
	case FZ_UNMAP_DMA:
		c->slot = fz_below(r, 4) ? 0 : 1;
		gen_unmap(g, c);
		c->place = gen_place(r);
		break;
	case FZ_DIRTY_PAGES: {
		static const uint32_t fl[] = { VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
			VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP, VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP,
			0, 3 };

		c->slot = 0;
		c->flags = hostile_flags(r, PICK(r, fl), 7);
		c->argsz = gen_argsz(r, 8, 8);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	}
	case FZ_GROUP_STATUS:
		c->argsz = fz_below(r, 2) ? 8 : gen_argsz(r, 8, 8);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	case FZ_SET_CONTAINER:
		c->fdkind = fz_below(r, 3) ? FZ_FD_C0 + fz_below(r, 2) : gen_fd_any(r);
		c->place = fz_one_in(r, 15) ? FZ_PLACE_NULL : FZ_PLACE_START;
		break;
	case FZ_GET_DEVICE_FD:
		c->slot = fz_below(r, 2);
		c->index = fz_below(r, 3) ? FZ_NAME_SELF : fz_below(r, FZ_NNAMES);
		c->place = fz_one_in(r, 20) ? FZ_PLACE_NULL : FZ_PLACE_START;
		break;
	case FZ_DEVICE_INFO:
		c->slot = fz_below(r, 2);
		c->argsz = fz_below(r, 2) ? sizeof(struct vfio_device_info) :
			   gen_argsz(r, 16, sizeof(struct vfio_device_info));
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	case FZ_REGION_INFO:
		c->slot = fz_below(r, 2);
		c->index = gen_index(r, FZ_NREGIONS);
		c->argsz = fz_below(r, 2) ? sizeof(struct vfio_region_info) :
			   gen_argsz(r, sizeof(struct vfio_region_info), 256);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	case FZ_IRQ_INFO:
		c->slot = fz_below(r, 2);
		c->index = gen_index(r, 5);
		c->argsz = fz_below(r, 2) ? sizeof(struct vfio_irq_info) :
			   gen_argsz(r, sizeof(struct vfio_irq_info), sizeof(struct vfio_irq_info));
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	case FZ_SET_IRQS:
		c->slot = fz_below(r, 4) ? 0 : 1;
		gen_set_irqs(g, c);
		break;
	case FZ_HOT_RESET_INFO:
		c->slot = fz_below(r, 2);
		c->count = fz_one_in(r, 3) ? (uint32_t)fz_next(r) : 0;
		c->argsz = fz_below(r, 2) ? 16 + 16 * fz_below(r, 4) : gen_argsz(r, 12, 64);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	case FZ_HOT_RESET:
		c->slot = fz_below(r, 2);
		gen_hot_reset(r, c);
		break;
	case FZ_FEATURE:
		c->slot = fz_below(r, 2);
		gen_feature(r, c);
		break;
	case FZ_IOEVENTFD:
		c->slot = fz_below(r, 2);
		gen_ioeventfd(g, c);
		c->place = gen_place(r);
		break;
	case FZ_PREAD: case FZ_PWRITE:
		c->slot = fz_below(r, 4) ? 0 : 1;
		gen_rw(g, c, op == FZ_PWRITE);
		break;
	case FZ_MMAP:
		c->slot = fz_below(r, 4) ? 0 : 1;
		gen_mmap(g, c);
		break;
	case FZ_RAW_IOCTL:
		c->fdkind = gen_fd_any(r);
		c->a = fz_one_in(r, 8) ? (fz_one_in(r, 2) ? 0x541b : 0x5401) :
		       _IO(VFIO_TYPE, VFIO_BASE + fz_below(r, 40));
		c->argsz = gen_argsz(r, 8, 64);
		c->fill = (uint8_t)fz_next(r);
		c->place = gen_place(r);
		break;
	}
}

static unsigned int prologue(struct gen *g, struct fz_call *calls, unsigned int max)
{
	static const uint8_t steps[] = { FZ_OPEN_CONTAINER, FZ_OPEN_GROUP, FZ_SET_CONTAINER,
					 FZ_SET_IOMMU, FZ_GET_DEVICE_FD, FZ_OPEN_EFD, FZ_OPEN_EFD };
	unsigned int depth = fz_below(&g->r, 12), n = 0, i;

	depth = depth >= ARRAY_LEN(steps) ? ARRAY_LEN(steps) : depth;
	for (i = 0; i < depth && n < max; i++, n++) {
		memset(&calls[n], 0, sizeof(calls[n]));
		calls[n].op = steps[i];
		calls[n].fill = 0xa5;
		if (steps[i] == FZ_SET_IOMMU)
			calls[n].a = fz_one_in(&g->r, 4) ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU;
		if (i == ARRAY_LEN(steps) - 1)
			calls[n].slot = 1;
	}
	return n;
}

unsigned int fz_generate(uint64_t seed, const struct fz_device_shape *shape,
			 struct fz_call *calls, unsigned int max)
{
	struct gen g = { .r = { seed }, .shape = shape };
	unsigned int n = prologue(&g, calls, max);

	for (; n < max; n++)
		gen_call(&g, &calls[n], pick_op(&g.r));
	return n;
}

uint32_t fz_arg_full(const struct fz_call *c)
{
	uint32_t esz;

	switch (c->op) {
	case FZ_IOMMU_INFO: return sizeof(struct vfio_iommu_type1_info);
	case FZ_MAP_DMA: return sizeof(struct vfio_iommu_type1_dma_map);
	case FZ_UNMAP_DMA: return sizeof(struct vfio_iommu_type1_dma_unmap);
	case FZ_DIRTY_PAGES: return sizeof(struct vfio_iommu_type1_dirty_bitmap);
	case FZ_GROUP_STATUS: return sizeof(struct vfio_group_status);
	case FZ_DEVICE_INFO: return sizeof(struct vfio_device_info);
	case FZ_REGION_INFO: return sizeof(struct vfio_region_info);
	case FZ_IRQ_INFO: return sizeof(struct vfio_irq_info);
	case FZ_SET_IRQS:
		esz = c->flags & VFIO_IRQ_SET_DATA_EVENTFD ? 4 : c->flags & VFIO_IRQ_SET_DATA_BOOL ? 1 : 0;
		return sizeof(struct vfio_irq_set) + c->ndata * esz;
	case FZ_HOT_RESET_INFO: return sizeof(struct vfio_pci_hot_reset_info);
	case FZ_HOT_RESET: return sizeof(struct vfio_pci_hot_reset) + 4 * c->ndata;
	case FZ_FEATURE: return sizeof(struct vfio_device_feature);
	case FZ_IOEVENTFD: return sizeof(struct vfio_device_ioeventfd);
	case FZ_RAW_IOCTL: return 8;
	default: return 0;
	}
}

/* ---- printing as C ---- */

static const char *const fd_vars[FZ_NFDS] = {
	"c0", "c1", "g0", "d0", "d1", "e0", "e1", "e2", "e3", "foreign", "-1", "1000",
};

static const char *fd_var(unsigned int k)
{
	return k < FZ_NFDS ? fd_vars[k] : "?";
}

static const char *const place_names[] = { "ARG_START", "ARG_END", "ARG_NULL", "ARG_UNMAPPED" };

void fz_print_preamble(FILE *f, const char *p)
{
	fprintf(f, "%s/* The calls below, run in this order on each driver, give different\n", p);
	fprintf(f, "%s * answers at the last one.  c0 c1 g0 d0 d1 e0-e3 start at -1; foreign is the\n", p);
	fprintf(f, "%s * other driver's container.  arg(place, len, fill): len bytes of fill in a\n", p);
	fprintf(f, "%s * 64 KiB arena at its start or ending against a PROT_NONE page, or NULL, or\n", p);
	fprintf(f, "%s * that page; vaddr_of(kind, off): arena (256 KiB rw), rdonly page after it,\n", p);
	fprintf(f, "%s * hole, NULL, kernel, top; name_of(kind): the device's name and variants.\n", p);
	fprintf(f, "%s * (as tests/lib/fuzz_exec.c: place_arg, vaddr_of, name_of.) */\n", p);
}

#define P(...) fprintf(f, __VA_ARGS__)

static void print_struct_call(FILE *f, const struct fz_call *c, const char *fd,
			      const char *req, const char *type, const char *fields)
{
	P("{ %s *a = arg(%s, %u, 0x%02x); *a = (%s){ .argsz = %u%s }; ret = ioctl(%s, %s, a); }",
	  type, place_names[c->place & 3], fz_arg_len(c->argsz, fz_arg_full(c)), c->fill, type,
	  c->argsz, fields, fd, req);
}

void fz_print_call(FILE *f, const char *prefix, const struct fz_call *c)
{
	char fields[512];
	const char *dev = c->slot ? "d1" : "d0";
	const char *cont = c->slot ? "c1" : "c0";
	unsigned int i;

	P("%s", prefix);
	switch (c->op) {
	case FZ_OPEN_CONTAINER:
		P("close(%s); %s = open(CONTAINER_PATH, O_RDWR);", cont, cont);
		break;
	case FZ_CLOSE_CONTAINER:
		P("close(%s); %s = -1;", cont, cont);
		break;
	case FZ_OPEN_GROUP:
		P("g0 = open(GROUP_PATH, O_RDWR);  /* a second open keeps the first */");
		break;
	case FZ_CLOSE_GROUP:
		P("close(g0); g0 = -1;");
		break;
	case FZ_CLOSE_DEVICE:
		P("close(%s); %s = -1;", dev, dev);
		break;
	case FZ_OPEN_EFD:
		P("close(e%u); e%u = eventfd(0, EFD_NONBLOCK);", c->slot, c->slot);
		break;
	case FZ_CLOSE_EFD:
		P("close(e%u); e%u = -1;", c->slot, c->slot);
		break;
	case FZ_API_VERSION:
		P("ret = ioctl(%s, VFIO_GET_API_VERSION);", cont);
		break;
	case FZ_CHECK_EXTENSION:
		P("ret = ioctl(%s, VFIO_CHECK_EXTENSION, 0x%llxul);", cont, (unsigned long long)c->a);
		break;
	case FZ_SET_IOMMU:
		P("ret = ioctl(%s, VFIO_SET_IOMMU, 0x%llxul);", cont, (unsigned long long)c->a);
		break;
	case FZ_IOMMU_INFO:
		print_struct_call(f, c, cont, "VFIO_IOMMU_GET_INFO", "struct vfio_iommu_type1_info", "");
		break;
	case FZ_MAP_DMA:
		snprintf(fields, sizeof(fields),
			 ", .flags = 0x%x, .vaddr = vaddr_of(%u, 0x%llx), .iova = 0x%llx, .size = 0x%llx",
			 c->flags, c->index, (unsigned long long)c->c, (unsigned long long)c->a,
			 (unsigned long long)c->b);
		print_struct_call(f, c, cont, "VFIO_IOMMU_MAP_DMA",
				  "struct vfio_iommu_type1_dma_map", fields);
		break;
	case FZ_UNMAP_DMA:
		snprintf(fields, sizeof(fields), ", .flags = 0x%x, .iova = 0x%llx, .size = 0x%llx",
			 c->flags, (unsigned long long)c->a, (unsigned long long)c->b);
		print_struct_call(f, c, cont, "VFIO_IOMMU_UNMAP_DMA",
				  "struct vfio_iommu_type1_dma_unmap", fields);
		break;
	case FZ_DIRTY_PAGES:
		snprintf(fields, sizeof(fields), ", .flags = 0x%x", c->flags);
		print_struct_call(f, c, "c0", "VFIO_IOMMU_DIRTY_PAGES",
				  "struct vfio_iommu_type1_dirty_bitmap", fields);
		break;
	case FZ_GROUP_STATUS:
		print_struct_call(f, c, "g0", "VFIO_GROUP_GET_STATUS", "struct vfio_group_status", "");
		break;
	case FZ_SET_CONTAINER:
		P("{ int32_t fd = %s; ret = ioctl(g0, VFIO_GROUP_SET_CONTAINER, %s); }",
		  fd_var(c->fdkind), c->place == FZ_PLACE_NULL ? "NULL" : "&fd");
		break;
	case FZ_UNSET_CONTAINER:
		P("ret = ioctl(g0, VFIO_GROUP_UNSET_CONTAINER);");
		break;
	case FZ_GET_DEVICE_FD:
		if (c->place == FZ_PLACE_NULL)
			P("{ int fd = ioctl(g0, VFIO_GROUP_GET_DEVICE_FD, NULL); ");
		else
			P("{ int fd = ioctl(g0, VFIO_GROUP_GET_DEVICE_FD, name_of(%u)); ", c->index);
		P("if (fd >= 0) { close(%s); %s = fd; } ret = fd; }", dev, dev);
		break;
	case FZ_DEVICE_INFO:
		print_struct_call(f, c, dev, "VFIO_DEVICE_GET_INFO", "struct vfio_device_info", "");
		break;
	case FZ_REGION_INFO:
		snprintf(fields, sizeof(fields), ", .index = 0x%x", c->index);
		print_struct_call(f, c, dev, "VFIO_DEVICE_GET_REGION_INFO", "struct vfio_region_info", fields);
		break;
	case FZ_IRQ_INFO:
		snprintf(fields, sizeof(fields), ", .index = 0x%x", c->index);
		print_struct_call(f, c, dev, "VFIO_DEVICE_GET_IRQ_INFO", "struct vfio_irq_info", fields);
		break;
	case FZ_SET_IRQS: {
		int n = snprintf(fields, sizeof(fields), ", .flags = 0x%x, .index = %u, .start = %u, .count = %u",
				 c->flags, c->index, c->start, c->count);

		n += snprintf(fields + n, sizeof(fields) - n, " }; ");
		for (i = 0; i < c->ndata && n < (int)sizeof(fields) - 40; i++) {
			if (c->flags & VFIO_IRQ_SET_DATA_EVENTFD)
				n += snprintf(fields + n, sizeof(fields) - n, "((int32_t *)a->data)[%u] = %s; ",
					      i, fd_var(c->data[i]));
			else if (c->flags & VFIO_IRQ_SET_DATA_BOOL)
				n += snprintf(fields + n, sizeof(fields) - n, "a->data[%u] = %u; ", i, c->data[i]);
		}
		P("{ struct vfio_irq_set *a = arg(%s, %u, 0x%02x); *a = (struct vfio_irq_set){ .argsz = %u%s"
		  "ret = ioctl(%s, VFIO_DEVICE_SET_IRQS, a); }",
		  place_names[c->place & 3], fz_arg_len(c->argsz, fz_arg_full(c)), c->fill,
		  c->argsz, fields, dev);
		break;
	}
	case FZ_RESET:
		P("ret = ioctl(%s, VFIO_DEVICE_RESET);", dev);
		break;
	case FZ_HOT_RESET_INFO:
		snprintf(fields, sizeof(fields), ", .count = %u", c->count);
		print_struct_call(f, c, dev, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO",
				  "struct vfio_pci_hot_reset_info", fields);
		break;
	case FZ_HOT_RESET: {
		int n = snprintf(fields, sizeof(fields), ", .flags = 0x%x, .count = %u }; ", c->flags, c->count);

		for (i = 0; i < c->ndata; i++)
			n += snprintf(fields + n, sizeof(fields) - n, "a->group_fds[%u] = %s; ", i, fd_var(c->data[i]));
		P("{ struct vfio_pci_hot_reset *a = arg(%s, %u, 0x%02x); *a = (struct vfio_pci_hot_reset){ .argsz = %u%s"
		  "ret = ioctl(%s, VFIO_DEVICE_PCI_HOT_RESET, a); }",
		  place_names[c->place & 3], fz_arg_len(c->argsz, fz_arg_full(c)), c->fill,
		  c->argsz, fields, dev);
		break;
	}
	case FZ_FEATURE:
		snprintf(fields, sizeof(fields), ", .flags = 0x%x", c->flags);
		print_struct_call(f, c, dev, "VFIO_DEVICE_FEATURE", "struct vfio_device_feature", fields);
		break;
	case FZ_IOEVENTFD:
		snprintf(fields, sizeof(fields), ", .flags = 0x%x, .offset = 0x%llx, .data = 0x%llx, .fd = %s",
			 c->flags, (unsigned long long)c->a, (unsigned long long)c->b, fd_var(c->fdkind));
		print_struct_call(f, c, dev, "VFIO_DEVICE_IOEVENTFD", "struct vfio_device_ioeventfd", fields);
		break;
	case FZ_PREAD:
		P("{ uint8_t b[%llu]; ret = pread(%s, b, %llu, (0x%xull << 40) + 0x%llx); }",
		  (unsigned long long)(c->b ? c->b : 1), dev, (unsigned long long)c->b, c->index,
		  (unsigned long long)c->a);
		break;
	case FZ_PWRITE:
		P("{ uint8_t b[%llu]; fill_value(b, %llu, 0x%llxull, 0x%02x); ret = pwrite(%s, b, %llu, (0x%xull << 40) + 0x%llx); }",
		  (unsigned long long)(c->b ? c->b : 1), (unsigned long long)c->b,
		  (unsigned long long)c->c, c->fill, dev, (unsigned long long)c->b, c->index,
		  (unsigned long long)c->a);
		break;
	case FZ_MMAP:
		P("{ void *m = mmap(NULL, 0x%llx, %u, %s, %s, (0x%xull << 40) + 0x%llx); if (m != MAP_FAILED) { (void)*(volatile uint8_t *)m; munmap(m, 0x%llx); } }",
		  (unsigned long long)c->b, c->flags & 7,
		  c->flags & FZ_MMAP_PRIVATE ? "MAP_PRIVATE" : "MAP_SHARED", dev, c->index,
		  (unsigned long long)c->a, (unsigned long long)c->b);
		break;
	case FZ_RAW_IOCTL:
		P("{ uint32_t *a = arg(%s, %u, 0x%02x); *a = %u; ret = ioctl(%s, 0x%llx, a); }",
		  place_names[c->place & 3], fz_arg_len(c->argsz, 8), c->fill, c->argsz,
		  fd_var(c->fdkind), (unsigned long long)c->a);
		break;
	default:
		P("/* op %u */", c->op);
	}
	P("\n");
}
