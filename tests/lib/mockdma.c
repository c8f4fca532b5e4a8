// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "mockdma.h"

#include "lab_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "expect.h"
#include "klog.h"
#include "viommu.h"

#define PAGE		4096ul

/* ---- scenario properties ---- */

static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);

	switch (*end) {
	case 'K': case 'k': n <<= 10; end++; break;
	case 'M': case 'm': n <<= 20; end++; break;
	case 'G': case 'g': n <<= 30; end++; break;
	}
	if (end == v || *end)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcmp(v, on[i]) || !strcmp(v, off[i])) {
			*out = !strcmp(v, on[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_u32(const char *v, uint32_t *out)
{
	uint64_t n;
	int ret = parse_size(v, &n);

	if (ret || n > UINT32_MAX)
		return -EINVAL;
	*out = n;
	return 0;
}

static int set_prop(struct mockdma_props *p, const char *key, const char *v)
{
	if (!strcmp(key, "mem-size"))
		return parse_size(v, &p->mem_size);
	if (!strcmp(key, "vectors"))
		return parse_u32(v, &p->vectors);
	if (!strcmp(key, "msi-vectors"))
		return parse_u32(v, &p->msi_vectors);
	if (!strcmp(key, "dma-bits"))
		return parse_u32(v, &p->dma_bits);
	if (!strcmp(key, "intx-pin"))
		return parse_u32(v, &p->intx_pin);
	if (!strcmp(key, "flr"))
		return parse_bool(v, &p->flr);
	if (!strcmp(key, "aer"))
		return parse_bool(v, &p->aer);
	if (!strcmp(key, "pm"))
		return parse_bool(v, &p->pm);
	if (!strcmp(key, "subpage-bar"))
		return parse_bool(v, &p->subpage);
	return -ENOENT;
}

int mockdma_props_load(const char *id, struct mockdma_props *p, char *why,
		       size_t size)
{
	const struct expect_declared *d;
	char *list, *item, *save = NULL, *eq;
	struct expect e = { 0 };
	char err[512];
	int ret;

	*p = (struct mockdma_props){
		.mem_size = MOCKDMA_DEFAULT_MEM_SIZE,
		.vectors = MOCKDMA_DEFAULT_VECTORS,
		.msi_vectors = MOCKDMA_DEFAULT_MSI,
		.dma_bits = MOCKDMA_DEFAULT_DMA_BITS,
		.flr = true, .aer = true, .pm = true,
	};
	ret = expect_load(&e, err, sizeof(err));
	if (ret) {
		snprintf(why, size, "cannot read the scenario's devices: %s", err);
		return ret;
	}
	d = expect_declared_id(&e, id);
	if (!d) {
		snprintf(why, size, "the scenario declares no device \"%s\"", id);
		expect_free(&e);
		return -ENOENT;
	}
	list = strdup(d->props);
	expect_free(&e);
	if (!list)
		return -ENOMEM;
	for (item = strtok_r(list, " ", &save); item && !ret;
	     item = strtok_r(NULL, " ", &save)) {
		eq = strchr(item, '=');
		ret = eq ? (*eq = '\0', set_prop(p, item, eq + 1)) : -EINVAL;
		if (ret == -ENOENT)	/* a property the tests do not check */
			ret = 0;
		if (ret)
			snprintf(why, size, "%s: cannot use \"%s\"", id, item);
	}
	free(list);
	return ret ? -EINVAL : 0;
}

/* ---- opening ---- */

static int fail(struct mockdma *m, int ret, char *why, size_t size,
		const char *step)
{
	snprintf(why, size, "%s (%s): %s", step, m->dev.bdf, strerror(-ret));
	mockdma_close(m);
	return ret;
}

/* mmap a BAR when the driver says it may; NULL otherwise. */
static volatile uint8_t *map_bar(struct mockdma *m, uint32_t bar,
				 uint64_t *size)
{
	struct vfio_region_info *info;
	void *map = MAP_FAILED;

	if (vfio_lab_region_info(m->dev.fd, bar, &info))
		return NULL;
	*size = info->size;
	if ((info->flags & VFIO_REGION_INFO_FLAG_MMAP) && info->size)
		map = vfio_lab_region_mmap(m->dev.fd, bar, 0, info->size,
					   PROT_READ | PROT_WRITE, MAP_SHARED);
	free(info);
	return map == MAP_FAILED ? NULL : map;
}

int mockdma_open_bdf(struct mockdma *m, const char *bdf, char *why,
		     size_t size)
{
	int ret;

	*m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	ret = vfio_lab_open_device(&m->dev, bdf, VFIO_TYPE1v2_IOMMU, why, size);
	if (ret)
		return ret;
	m->regs = map_bar(m, MOCKDMA_BAR_REGS, &m->regs_size);
	if (m->regs_size < MOCKDMA_BAR0_SIZE)
		return fail(m, -ENXIO, why, size, "BAR0 region info");
	m->mem = map_bar(m, MOCKDMA_BAR_MEM, &m->mem_size);
	if (!m->mem_size)
		return fail(m, -ENXIO, why, size, "BAR2 region info");
	ret = mockdma_command_update(m, PCI_COMMAND_MEMORY | PCI_COMMAND_IO |
				     PCI_COMMAND_MASTER, 0);
	if (ret)
		return fail(m, ret, why, size, "enabling decode and bus master");
	if (!mockdma_present(m))
		return fail(m, -ENODEV, why, size, "MAGIC/VERSION check");
	return 0;
}

int mockdma_device_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE], char *why,
		       size_t size)
{
	const char *refused;
	struct viommu vi;
	int ret = vfio_lab_device_bdf(id, bdf, why, size);

	if (ret)
		return ret;
	ret = viommu_get(&vi, why, size);
	if (ret)
		return ret;
	refused = viommu_dma_refused(&vi, bdf);
	if (refused) {
		snprintf(why, size, "%s (%s): %s", id, bdf, refused);
		return -ENODEV;
	}
	return 0;
}

int mockdma_open(struct mockdma *m, const char *id, char *why, size_t size)
{
	char bdf[PCI_TOPO_BDF_SIZE];
	int ret;

	*m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	ret = mockdma_device_bdf(id, bdf, why, size);
	return ret ? ret : mockdma_open_bdf(m, bdf, why, size);
}

void mockdma_close(struct mockdma *m)
{
	if (m->regs)
		munmap((void *)m->regs, m->regs_size);
	if (m->mem)
		munmap((void *)m->mem, m->mem_size);
	m->regs = m->mem = NULL;
	vfio_lab_close(&m->dev);
}

bool mockdma_present(struct mockdma *m)
{
	uint32_t magic = 0, version = 0;

	return !mockdma_read32(m, MOCKDMA_REG_MAGIC, &magic) &&
	       !mockdma_read32(m, MOCKDMA_REG_VERSION, &version) &&
	       magic == MOCKDMA_MAGIC && version == MOCKDMA_VERSION;
}

/* ---- registers ---- */

int mockdma_read32(struct mockdma *m, uint32_t reg, uint32_t *val)
{
	uint64_t v;
	int ret;

	if (reg > MOCKDMA_BAR0_SIZE - 4)
		return -EINVAL;
	if (m->regs) {
		*val = *(volatile uint32_t *)(m->regs + reg);
		return 0;
	}
	ret = vfio_lab_reg_read(m->dev.fd, MOCKDMA_BAR_REGS, reg, 4, &v);
	if (!ret)
		*val = v;
	return ret;
}

int mockdma_write32(struct mockdma *m, uint32_t reg, uint32_t val)
{
	if (reg > MOCKDMA_BAR0_SIZE - 4)
		return -EINVAL;
	if (m->regs) {
		*(volatile uint32_t *)(m->regs + reg) = val;
		return 0;
	}
	return vfio_lab_reg_write(m->dev.fd, MOCKDMA_BAR_REGS, reg, 4, val);
}

int mockdma_read64(struct mockdma *m, uint32_t reg, uint64_t *val)
{
	if (reg > MOCKDMA_BAR0_SIZE - 8)
		return -EINVAL;
	if (m->regs) {
		*val = *(volatile uint64_t *)(m->regs + reg);
		return 0;
	}
	return vfio_lab_reg_read(m->dev.fd, MOCKDMA_BAR_REGS, reg, 8, val);
}

int mockdma_write64(struct mockdma *m, uint32_t reg, uint64_t val)
{
	if (reg > MOCKDMA_BAR0_SIZE - 8)
		return -EINVAL;
	if (m->regs) {
		*(volatile uint64_t *)(m->regs + reg) = val;
		return 0;
	}
	return vfio_lab_reg_write(m->dev.fd, MOCKDMA_BAR_REGS, reg, 8, val);
}

int mockdma_irq_count(struct mockdma *m, uint32_t vector, uint32_t *val)
{
	if (vector >= MOCKDMA_MAX_VECTORS)
		return -EINVAL;
	return mockdma_read32(m, MOCKDMA_REG_IRQ_COUNT + 4 * vector, val);
}

int mockdma_iommu_page(struct mockdma *m, uint64_t iova, uint64_t *size)
{
	uint32_t status = 0;
	int ret;

	ret = mockdma_write64(m, MOCKDMA_REG_ROGUE_ADDR, iova);
	if (!ret)
		ret = mockdma_write32(m, MOCKDMA_REG_ROGUE_CTRL,
				      MOCKDMA_ROGUE_TRANSLATE);
	if (!ret)
		ret = mockdma_read32(m, MOCKDMA_REG_ROGUE_STATUS, &status);
	if (ret)
		return ret;
	if (status == MOCKDMA_ST_READ_FAULT)
		return -EFAULT;
	if (status != MOCKDMA_ST_OK)
		return -EIO;
	return mockdma_read64(m, MOCKDMA_REG_ROGUE_DATA, size);
}

/* ---- device memory ---- */

static int mem_range_ok(struct mockdma *m, uint64_t off, size_t len)
{
	return off <= m->mem_size && len <= m->mem_size - off ? 0 : -EINVAL;
}

static int region_io_all(struct mockdma *m, uint64_t off, void *buf,
			 size_t len, bool write)
{
	ssize_t n;

	while (len) {
		n = write ? vfio_lab_region_write(m->dev.fd, MOCKDMA_BAR_MEM, off,
						  buf, len) :
			    vfio_lab_region_read(m->dev.fd, MOCKDMA_BAR_MEM, off,
						 buf, len);
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		off += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

int mockdma_mem_read(struct mockdma *m, uint64_t off, void *buf, size_t len)
{
	int ret = mem_range_ok(m, off, len);

	if (ret)
		return ret;
	if (!m->mem)
		return region_io_all(m, off, buf, len, false);
	memcpy(buf, (const void *)(m->mem + off), len);
	return 0;
}

int mockdma_mem_write(struct mockdma *m, uint64_t off, const void *buf,
		      size_t len)
{
	int ret = mem_range_ok(m, off, len);

	if (ret)
		return ret;
	if (!m->mem)
		return region_io_all(m, off, (void *)buf, len, true);
	memcpy((void *)(m->mem + off), buf, len);
	return 0;
}

/* ---- config space ---- */

int mockdma_command_update(struct mockdma *m, uint16_t set, uint16_t clear)
{
	return vfio_lab_command_update(m->dev.fd, set, clear);
}

int mockdma_raw_config_read(const char *bdf, unsigned int off, void *buf,
			    size_t len)
{
	return pci_topo_config_read(bdf, off, buf, len);
}

int mockdma_raw_config_write(const char *bdf, unsigned int off,
			     const void *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, off);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int mockdma_cap_offset(const uint8_t *cfg, size_t len, uint8_t id)
{
	unsigned int pos, hops;

	if (len < PCI_STD_HEADER_SIZEOF || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
	for (hops = 0; pos >= PCI_STD_HEADER_SIZEOF && pos + 2 <= len && hops < 48;
	     hops++) {
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & ~3u;
	}
	return -ENOENT;
}

int mockdma_ecap_offset(const uint8_t *cfg, size_t len, uint16_t id)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, hops;
	uint32_t hdr;

	for (hops = 0; pos >= PCI_CFG_SPACE_SIZE && pos + 4 <= len && hops < 480;
	     hops++) {
		memcpy(&hdr, cfg + pos, 4);
		if (!hdr || hdr == ~0u)
			return -ENOENT;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return -ENOENT;
}

int mockdma_reset(struct mockdma *m)
{
	return ioctl(m->dev.fd, VFIO_DEVICE_RESET) ? -errno : 0;
}

/* ---- DMA memory ---- */

int mockdma_buf_alloc(struct mockdma *m, struct mockdma_buf *b, uint64_t iova,
		      size_t size, uint32_t map_flags)
{
	int ret;

	*b = (struct mockdma_buf){ .iova = iova, .size = size };
	if (!size || size % PAGE)
		return -EINVAL;
	b->va = vfio_lab_buffer(size);
	if (b->va == MAP_FAILED) {
		b->va = NULL;
		return -errno;
	}
	ret = vfio_lab_map(m->dev.container, (uintptr_t)b->va, iova, size,
			   map_flags ? map_flags : VFIO_LAB_RW);
	if (ret) {
		munmap(b->va, size);
		b->va = NULL;
		return ret;
	}
	b->mapped = true;
	return 0;
}

int mockdma_buf_free(struct mockdma *m, struct mockdma_buf *b)
{
	int ret = 0;

	if (b->mapped && m->dev.container >= 0)
		ret = vfio_lab_unmap(m->dev.container, b->iova, b->size, 0, NULL);
	if (b->va)
		munmap(b->va, b->size);
	*b = (struct mockdma_buf){ 0 };
	return ret;
}

/* ---- the ring ---- */

int mockdma_ring_program(struct mockdma *m, struct mockdma_ring *r,
			 uint32_t ctrl_extra)
{
	uint32_t head;
	int ret;

	ret = mockdma_write32(m, MOCKDMA_REG_CTRL, 0);
	if (!ret)
		ret = mockdma_write64(m, MOCKDMA_REG_RING_BASE, r->mem.iova);
	if (!ret)
		ret = mockdma_write32(m, MOCKDMA_REG_RING_SIZE, r->entries);
	if (!ret)
		ret = mockdma_read32(m, MOCKDMA_REG_RING_HEAD, &head);
	if (ret)
		return ret;
	if (head >= r->entries)
		return -EPROTO;
	/* Nothing outstanding: the tail joins the head. */
	r->tail = head;
	ret = mockdma_write32(m, MOCKDMA_REG_RING_TAIL, head);
	if (!ret)
		ret = mockdma_write32(m, MOCKDMA_REG_CTRL,
				      MOCKDMA_CTRL_ENABLE | ctrl_extra);
	return ret;
}

int mockdma_ring_init(struct mockdma *m, struct mockdma_ring *r, uint64_t iova,
		      uint32_t entries, uint32_t ctrl_extra)
{
	size_t bytes = (size_t)entries * sizeof(struct mockdma_desc);
	int ret;

	*r = (struct mockdma_ring){ .entries = entries };
	if (!entries || entries & (entries - 1) || entries > MOCKDMA_MAX_RING)
		return -EINVAL;
	bytes = (bytes + PAGE - 1) & ~(PAGE - 1);
	ret = mockdma_buf_alloc(m, &r->mem, iova, bytes, 0);
	if (ret)
		return ret;
	ret = mockdma_ring_program(m, r, ctrl_extra);
	if (ret)
		mockdma_buf_free(m, &r->mem);
	return ret;
}

int mockdma_ring_free(struct mockdma *m, struct mockdma_ring *r)
{
	int ret = 0;

	if (r->mem.mapped && m->dev.fd >= 0)
		ret = mockdma_write32(m, MOCKDMA_REG_CTRL, 0);
	mockdma_buf_free(m, &r->mem);
	r->entries = r->tail = 0;
	return ret;
}

volatile struct mockdma_desc *mockdma_ring_desc(const struct mockdma_ring *r,
						uint32_t slot)
{
	return (volatile struct mockdma_desc *)r->mem.va + (slot & (r->entries - 1));
}

int mockdma_ring_space(struct mockdma *m, struct mockdma_ring *r,
		       uint32_t *space)
{
	uint32_t head;
	int ret = mockdma_read32(m, MOCKDMA_REG_RING_HEAD, &head);

	if (ret)
		return ret;
	if (head >= r->entries)
		return -EPROTO;
	*space = (head + r->entries - r->tail - 1) & (r->entries - 1);
	return 0;
}

static void desc_store(volatile struct mockdma_desc *slot,
		       const struct mockdma_desc *d)
{
	slot->opcode = d->opcode;
	slot->flags = d->flags;
	slot->vector = d->vector;
	slot->rsvd0 = d->rsvd0;
	slot->len = d->len;
	slot->rsvd1 = d->rsvd1;
	slot->src = d->src;
	slot->dst = d->dst;
	slot->imm = d->imm;
	slot->cookie = d->cookie;
	slot->done = 0;
	slot->fault_iova = 0;
	slot->status = MOCKDMA_ST_PENDING;
}

int mockdma_submit(struct mockdma *m, struct mockdma_ring *r,
		   const struct mockdma_desc *descs, uint32_t n,
		   uint32_t *first)
{
	uint32_t space, i;
	int ret = mockdma_ring_space(m, r, &space);

	if (ret)
		return ret;
	if (n > space)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		desc_store(mockdma_ring_desc(r, r->tail + i), &descs[i]);
	if (first)
		*first = r->tail;
	/* The descriptors are in memory before the doorbell reaches the device. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->tail = (r->tail + n) & (r->entries - 1);
	return mockdma_write32(m, MOCKDMA_REG_RING_TAIL, r->tail);
}

double mockdma_now_ms(void)
{
	return lab_now_ms();
}

static uint32_t status_of(const struct mockdma_ring *r, uint32_t slot)
{
	uint32_t st = mockdma_ring_desc(r, slot)->status;

	/* The rest of the write-back is read after the status. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return st;
}

int mockdma_wait_desc(const struct mockdma_ring *r, uint32_t slot,
		      int timeout_ms, uint32_t *status)
{
	const struct timespec tick = { .tv_nsec = 20 * 1000 };
	double deadline = mockdma_now_ms() + timeout_ms;
	unsigned int spins = 0;
	uint32_t st;

	while ((st = status_of(r, slot)) == MOCKDMA_ST_PENDING) {
		/* Spin a little (fast completions), then sleep between looks. */
		if (++spins < 2000)
			continue;
		if (mockdma_now_ms() > deadline)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
	if (status)
		*status = st;
	return 0;
}

int mockdma_wait_descs(const struct mockdma_ring *r, uint32_t first,
		       uint32_t n, int timeout_ms)
{
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = mockdma_wait_desc(r, first + i, timeout_ms, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

void mockdma_desc_read(const struct mockdma_ring *r, uint32_t slot,
		       struct mockdma_desc *out)
{
	volatile struct mockdma_desc *d = mockdma_ring_desc(r, slot);

	out->status = status_of(r, slot);
	out->opcode = d->opcode;
	out->flags = d->flags;
	out->vector = d->vector;
	out->rsvd0 = d->rsvd0;
	out->len = d->len;
	out->rsvd1 = d->rsvd1;
	out->src = d->src;
	out->dst = d->dst;
	out->imm = d->imm;
	out->cookie = d->cookie;
	out->done = d->done;
	out->fault_iova = d->fault_iova;
}

int mockdma_run(struct mockdma *m, struct mockdma_ring *r,
		const struct mockdma_desc *d, struct mockdma_desc *out)
{
	uint32_t slot;
	int ret = mockdma_submit(m, r, d, 1, &slot);

	if (!ret)
		ret = mockdma_wait_desc(r, slot, MOCKDMA_TIMEOUT_MS, NULL);
	if (out)
		mockdma_desc_read(r, slot, out);
	return ret;
}

struct mockdma_desc mockdma_desc_copy(uint64_t src, uint64_t dst,
				      uint32_t len, uint16_t flags)
{
	return (struct mockdma_desc){ .opcode = MOCKDMA_OP_COPY, .flags = flags,
				      .len = len, .src = src, .dst = dst };
}

struct mockdma_desc mockdma_desc_fill(uint64_t dst, uint64_t pattern,
				      uint32_t len, uint16_t flags)
{
	return (struct mockdma_desc){ .opcode = MOCKDMA_OP_FILL, .flags = flags,
				      .len = len, .dst = dst, .imm = pattern };
}

struct mockdma_desc mockdma_desc_compare(uint64_t src, uint64_t dst,
					 uint32_t len, uint16_t flags)
{
	return (struct mockdma_desc){ .opcode = MOCKDMA_OP_COMPARE, .flags = flags,
				      .len = len, .src = src, .dst = dst };
}

struct mockdma_desc mockdma_desc_write_imm(uint64_t dst, uint64_t val,
					   uint32_t len, uint16_t flags)
{
	return (struct mockdma_desc){ .opcode = MOCKDMA_OP_WRITE_IMM,
				      .flags = flags, .len = len, .dst = dst,
				      .imm = val };
}

struct mockdma_desc mockdma_desc_nop(uint16_t flags)
{
	return (struct mockdma_desc){ .opcode = MOCKDMA_OP_NOP, .flags = flags };
}

/* ---- interrupts ---- */

int mockdma_irq_info(struct mockdma *m, uint32_t index,
		     struct vfio_irq_info *info)
{
	*info = (struct vfio_irq_info){ .argsz = sizeof(*info), .index = index };
	return ioctl(m->dev.fd, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

static int set_irqs(struct mockdma *m, uint32_t index, uint32_t flags,
		    uint32_t count, const int *fds)
{
	size_t data = fds ? count * sizeof(int32_t) : 0;
	struct vfio_irq_set *set = calloc(1, sizeof(*set) + data);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = sizeof(*set) + data;
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	if (data)
		memcpy(set->data, fds, data);
	ret = ioctl(m->dev.fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

/* Close the first n eventfds (the ones this library opened). */
static void close_eventfds(struct mockdma_irqs *irqs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i < MOCKDMA_MAX_VECTORS; i++) {
		if (irqs->fd[i] >= 0)
			close(irqs->fd[i]);
		irqs->fd[i] = -1;
	}
	irqs->count = 0;
}

int mockdma_irqs_enable(struct mockdma *m, struct mockdma_irqs *irqs,
			uint32_t index, uint32_t count)
{
	uint32_t i;
	int ret;

	irqs->index = index;
	irqs->count = 0;
	for (i = 0; i < MOCKDMA_MAX_VECTORS; i++)
		irqs->fd[i] = -1;
	if (!count || count > MOCKDMA_MAX_VECTORS)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		irqs->fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (irqs->fd[i] < 0) {
			ret = -errno;
			close_eventfds(irqs, i);
			return ret;
		}
	}
	ret = set_irqs(m, index, VFIO_IRQ_SET_DATA_EVENTFD |
		       VFIO_IRQ_SET_ACTION_TRIGGER, count, irqs->fd);
	if (ret) {
		close_eventfds(irqs, count);
		return ret;
	}
	irqs->count = count;
	return 0;
}

int mockdma_irqs_disable(struct mockdma *m, struct mockdma_irqs *irqs)
{
	int ret = 0;

	if (!irqs->count)
		return 0;
	if (m->dev.fd >= 0)
		ret = set_irqs(m, irqs->index, VFIO_IRQ_SET_DATA_NONE |
			       VFIO_IRQ_SET_ACTION_TRIGGER, 0, NULL);
	close_eventfds(irqs, irqs->count);
	return ret;
}

int mockdma_intx_unmask(struct mockdma *m)
{
	return set_irqs(m, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE |
			VFIO_IRQ_SET_ACTION_UNMASK, 1, NULL);
}

int mockdma_eventfd_take(int fd, uint64_t *count)
{
	ssize_t n = read(fd, count, sizeof(*count));

	if (n == sizeof(*count))
		return 0;
	*count = 0;
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n < 0 ? -errno : -EIO;
}

int mockdma_eventfd_wait(int fd, int timeout_ms, uint64_t *count)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	if (!n) {
		*count = 0;
		return -ETIMEDOUT;
	}
	return mockdma_eventfd_take(fd, count);
}

/* ---- diagnostics ---- */

const char *mockdma_status_name(uint32_t status)
{
	static const char *const names[] = {
		[MOCKDMA_ST_PENDING] = "PENDING",
		[MOCKDMA_ST_OK] = "OK",
		[MOCKDMA_ST_READ_FAULT] = "READ_FAULT",
		[MOCKDMA_ST_WRITE_FAULT] = "WRITE_FAULT",
		[MOCKDMA_ST_BAD_OP] = "BAD_OP",
		[MOCKDMA_ST_BAD_LEN] = "BAD_LEN",
		[MOCKDMA_ST_MISCOMPARE] = "MISCOMPARE",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}

const char *mockdma_op_name(uint16_t opcode)
{
	static const char *const names[] = {
		[MOCKDMA_OP_NOP] = "NOP",
		[MOCKDMA_OP_COPY] = "COPY",
		[MOCKDMA_OP_FILL] = "FILL",
		[MOCKDMA_OP_COMPARE] = "COMPARE",
		[MOCKDMA_OP_WRITE_IMM] = "WRITE_IMM",
	};

	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] : "?";
}

const char *mockdma_reset_name(uint32_t reset)
{
	static const char *const names[] = {
		[MOCKDMA_RESET_NONE] = "none",
		[MOCKDMA_RESET_FLR] = "FLR",
		[MOCKDMA_RESET_PM] = "PM",
		[MOCKDMA_RESET_BUS] = "bus",
		[MOCKDMA_RESET_AF_FLR] = "AF FLR",
	};

	return reset < sizeof(names) / sizeof(names[0]) ? names[reset] : "?";
}

int mockdma_desc_describe(const struct mockdma_desc *d, char *buf,
			  size_t size)
{
	int n = snprintf(buf, size,
			 "%s(%u) flags 0x%x vector %u len %u src 0x%llx dst 0x%llx imm 0x%llx -> %s(%u) done %u fault_iova 0x%llx",
			 mockdma_op_name(d->opcode), d->opcode, d->flags, d->vector,
			 d->len, (unsigned long long)d->src,
			 (unsigned long long)d->dst, (unsigned long long)d->imm,
			 mockdma_status_name(d->status), d->status, d->done,
			 (unsigned long long)d->fault_iova);

	return n < 0 ? -EINVAL : 0;
}

int mockdma_describe_state(struct mockdma *m, char *buf, size_t size)
{
	static const uint32_t regs[] = {
		MOCKDMA_REG_CTRL, MOCKDMA_REG_STATUS, MOCKDMA_REG_RING_HEAD,
		MOCKDMA_REG_RING_TAIL, MOCKDMA_REG_DESC_DONE, MOCKDMA_REG_DESC_ERR,
		MOCKDMA_REG_LAST_ERROR, MOCKDMA_REG_IRQ_STATUS,
	};
	uint32_t v[sizeof(regs) / sizeof(regs[0])];
	uint64_t fault = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]) && !ret; i++)
		ret = mockdma_read32(m, regs[i], &v[i]);
	if (!ret)
		ret = mockdma_read64(m, MOCKDMA_REG_FAULT_IOVA, &fault);
	if (ret) {
		snprintf(buf, size, "registers unreadable: %s", strerror(-ret));
		return ret;
	}
	snprintf(buf, size,
		 "CTRL 0x%x STATUS 0x%x HEAD %u TAIL %u DESC_DONE %u DESC_ERR %u LAST_ERROR %s(%u) IRQ_STATUS 0x%x FAULT_IOVA 0x%llx",
		 v[0], v[1], v[2], v[3], v[4], v[5], mockdma_status_name(v[6]),
		 v[6], v[7], (unsigned long long)fault);
	return 0;
}
