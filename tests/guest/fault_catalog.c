// SPDX-License-Identifier: GPL-2.0
/*
 * The fault catalog (issue 15): each class of DMA fault and isolation
 * breach the design must contain, caused on purpose and asserted from
 * three sides: mockdma's own error report (the descriptor's status and
 * fault IOVA, its FAULT_IOVA register), the IOMMU's fault record in the
 * guest log, and the target memory unchanged. Each fault is announced with
 * its cause, so that `upcilab repro fault-catalog fault_catalog` checks its
 * report's verdict against it (make test does, on both drivers).
 *
 * Devices (fault-catalog.scenario), each its own group: mdma0 is the
 * device that misbehaves, mdma1 the other container's device and the peer
 * whose BAR is a target, mdma2 the device whose owner dies or lets go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "iommu_fault.h"
#include "mockdma.h"
#include "vfio_lab.h"
#include "viommu.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"
#include "mockdma_log.h"

#define PAGE		4096ul
#define IOVA_RING	0x10000ul
#define IOVA_SRC	0x1000000ul
#define SRC_SIZE	(16 * PAGE)
/* One IOVA per class, so that each fault names its cause alone */
#define IOVA_NEVER	0x7a000ul
#define IOVA_STALE	0x6b000ul
#define IOVA_RO		0x5c000ul
#define IOVA_OTHER	0x8d000ul
#define FAULT_WAIT_MS	2000
/* A descriptor every RUN_DELAY_US: a ring that is still running later */
#define RUN_DELAY_US	20000
#define RUN_DESCS	32
#define KILLS_DEFAULT	20
/* An index beyond any interrupt-remapping table, in remappable format */
#define MSI_FORGED	(0xfee00000ull | 0x7fffull << 5 | 1ull << 4 | 1ull << 2)

#define RD32(m, reg) ({							\
	uint32_t __v = 0;						\
	ASSERT_EQ(0, mockdma_read32((m), (reg), &__v));			\
	__v;								\
})
#define RD64(m, reg) ({							\
	uint64_t __v = 0;						\
	ASSERT_EQ(0, mockdma_read64((m), (reg), &__v));			\
	__v;								\
})

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return false;
	return true;
}

static void close_m(struct mockdma *m)
{
	mockdma_close(m);
	*m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
}

FIXTURE(catalog) {
	struct mockdma m;		/* mdma0 */
	struct mockdma_ring ring;
	struct mockdma_buf src;
};

FIXTURE_SETUP(catalog)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];

	close_m(&self->m);
	REQUIRE_MOCKDMA("mdma0", bdf);
	ASSERT_EQ(0, mockdma_open_bdf(&self->m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 64, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->src, IOVA_SRC, SRC_SIZE, 0));
	for (size_t i = 0; i < SRC_SIZE; i++)
		self->src.va[i] = (uint8_t)(i * 13 + 5);
}

FIXTURE_TEARDOWN(catalog)
{
	mockdma_ring_free(&self->m, &self->ring);
	mockdma_buf_free(&self->m, &self->src);
	mockdma_close(&self->m);
}

/*
 * Copy a page from src to @iova: the device must report a write fault at
 * @iova (in the descriptor and in FAULT_IOVA) and the guest log the
 * IOMMU's fault record; the fault is announced with @cause. The caller
 * checks the memory.
 */
static void expect_write_blocked(struct __test_metadata *_metadata,
				 FIXTURE_DATA(catalog) *self, uint64_t iova,
				 const char *cause)
{
	struct mockdma_desc d, out;
	int before;

	iommu_wait_log_budget();
	before = iommu_faults(self->m.dev.bdf, true, iova);
	ASSERT_LE(0, before);
	d = mockdma_desc_copy(IOVA_SRC, iova, PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_WRITE_FAULT, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(iova, out.fault_iova);
	EXPECT_EQ(iova, RD64(&self->m, MOCKDMA_REG_FAULT_IOVA));
	EXPECT_EQ(0, out.done);
	IOMMU_FAULT_REQUIRE_LOG_CAUSE(self->m.dev.bdf, true, iova, cause);
	EXPECT_LT(before, iommu_wait_fault(self->m.dev.bdf, true, iova, before,
					   FAULT_WAIT_MS))
		TH_LOG("no IOMMU fault record for %s writing 0x%lx", self->m.dev.bdf,
		       (unsigned long)iova);
}

TEST_F(catalog, dma_to_an_iova_never_mapped)
{
	expect_write_blocked(_metadata, self, IOVA_NEVER, "never-mapped");
	{
	size_t changed = 0;

	/* the only memory the device could reach is untouched */
	for (size_t i = 0; i < SRC_SIZE; i++)
		changed += self->src.va[i] != (uint8_t)(i * 13 + 5);
	EXPECT_EQ(0, changed) TH_LOG("bytes of src changed");
	}
}

TEST_F(catalog, dma_to_an_iova_unmapped_just_before)
{
	struct mockdma_buf b;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &b, IOVA_STALE, PAGE, 0));
	memset(b.va, 0xcc, PAGE);
	ASSERT_EQ(0, vfio_lab_unmap(self->m.dev.container, IOVA_STALE, PAGE, 0, NULL));
	b.mapped = false;
	expect_write_blocked(_metadata, self, IOVA_STALE, "unmapped-before");
	EXPECT_TRUE(all_bytes(b.va, PAGE, 0xcc)) TH_LOG("the DMA reached the unmapped page");
	mockdma_buf_free(&self->m, &b);
}

TEST_F(catalog, write_to_a_read_only_mapping)
{
	struct mockdma_desc d, out;
	struct mockdma_buf ro;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &ro, IOVA_RO, PAGE, VFIO_DMA_MAP_FLAG_READ));
	memset(ro.va, 0xcc, PAGE);
	/*
	 * The write first: QEMU 7.2's intel-iommu checks the access against
	 * a cached translation without recording a fault (only its page
	 * walk reports one), so a read before it would hide the record.
	 */
	expect_write_blocked(_metadata, self, IOVA_RO, "no-permission");
	EXPECT_TRUE(all_bytes(ro.va, PAGE, 0xcc)) TH_LOG("the DMA wrote the read-only page");
	/* reading it is allowed: the mapping is live */
	d = mockdma_desc_copy(IOVA_RO, IOVA_SRC, 64, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	mockdma_buf_free(&self->m, &ro);
}

/* Two containers, two groups: mdma1's mapping serves mdma1 only */
TEST_F(catalog, dma_to_an_iova_mapped_only_in_another_container)
{
	struct mockdma other = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_ring oring = { 0 };
	struct mockdma_buf b = { 0 };
	struct mockdma_desc d, out;
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	uint64_t v;

	REQUIRE_MOCKDMA("mdma1", bdf);
	ASSERT_EQ(0, mockdma_open_bdf(&other, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_NE(self->m.dev.group_id, other.dev.group_id);
	ASSERT_EQ(0, mockdma_ring_init(&other, &oring, IOVA_RING, 8, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&other, &b, IOVA_OTHER, PAGE, 0));
	memset(b.va, 0xcc, PAGE);
	expect_write_blocked(_metadata, self, IOVA_OTHER, "other-container");
	EXPECT_TRUE(all_bytes(b.va, PAGE, 0xcc)) TH_LOG("mdma0 wrote into the other container");
	/* the mapping works for the device it was made for */
	d = mockdma_desc_write_imm(IOVA_OTHER + 64, 0x1122334455667788ull, 8, 0);
	ASSERT_EQ(0, mockdma_run(&other, &oring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	memcpy(&v, b.va + 64, 8);
	EXPECT_EQ(0x1122334455667788ull, v);
	mockdma_buf_free(&other, &b);
	mockdma_ring_free(&other, &oring);
	mockdma_close(&other);
}

/* The bus address of @bdf's BAR @bar, from sysfs */
static int bar_address(const char *bdf, int bar, uint64_t *addr)
{
	char path[96], line[128];
	unsigned long long start;
	FILE *f;
	int i = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (i++ == bar && sscanf(line, "0x%llx", &start) == 1) {
			fclose(f);
			*addr = start;
			return start ? 0 : -ENOENT;
		}
	fclose(f);
	return -ENOENT;
}

/*
 * Peer to peer: mdma0 aims at mdma1's BAR2 by its bus address, which no
 * one mapped as an IOVA: blocked, and the peer's memory keeps its bytes.
 * (Mapping the BAR makes it a target: mockdma_dma's peer_bar test.)
 */
TEST_F(catalog, dma_to_a_peer_bar_that_was_not_mapped)
{
	struct mockdma peer = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	uint8_t before[64], after[64];
	uint64_t bar = 0;

	REQUIRE_MOCKDMA("mdma1", bdf);
	ASSERT_EQ(0, bar_address(bdf, MOCKDMA_BAR_MEM, &bar));
	ASSERT_EQ(0, mockdma_open_bdf(&peer, bdf, why, sizeof(why))) TH_LOG("%s", why);
	memset(before, 0x5a, sizeof(before));
	ASSERT_EQ(0, mockdma_mem_write(&peer, 0, before, sizeof(before)));
	expect_write_blocked(_metadata, self, bar, "never-mapped");
	ASSERT_EQ(0, mockdma_mem_read(&peer, 0, after, sizeof(after)));
	EXPECT_EQ(0, memcmp(before, after, sizeof(before))) TH_LOG("the peer's BAR changed");
	mockdma_close(&peer);
}

static int irq_total(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int total = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " ");

		if (!strncmp(s, name, strlen(name)) && s[strlen(name)] == ':')
			total = atoi(s + strlen(name) + 1);
	}
	if (f)
		fclose(f);
	return total;
}

/*
 * A forged interrupt: a DMA write into the MSI window, in remappable
 * format with an index no IRTE has. Interrupt remapping drops it: the
 * device sees its write refused, and no interrupt, spurious or not,
 * reaches the guest. QEMU 7.2's intel-iommu records no fault for it (the
 * guest's log has no INTR-REMAP line: "TODO: report error" in
 * vtd_mem_ir_write); its stderr says "vtd_irte_get: index too large".
 */
TEST_F(catalog, forged_interrupt_is_dropped_by_interrupt_remapping)
{
	int err = irq_total("ERR"), spu = irq_total("SPU");
	struct viommu v;
	char why[256];

	ASSERT_EQ(0, viommu_get(&v, why, sizeof(why))) TH_LOG("%s", why);
	if (v.model != VIOMMU_INTEL || !v.irq_remapping)
		SKIP(return, "interrupt remapping of DMA writes: intel-iommu's (this VM: %s)", v.name);
	ASSERT_EQ(0, mockdma_write64(&self->m, MOCKDMA_REG_ROGUE_ADDR, MSI_FORGED));
	ASSERT_EQ(0, mockdma_write64(&self->m, MOCKDMA_REG_ROGUE_DATA, 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_WRITE));
	EXPECT_EQ(MOCKDMA_ST_WRITE_FAULT, RD32(&self->m, MOCKDMA_REG_ROGUE_STATUS));
	EXPECT_EQ(MSI_FORGED, RD64(&self->m, MOCKDMA_REG_FAULT_IOVA));
	usleep(100 * 1000);
	EXPECT_EQ(err, irq_total("ERR"));
	EXPECT_EQ(spu, irq_total("SPU"));
}

/* A ring of RUN_DESCS writes to @dst, one every RUN_DELAY_US, started */
static int start_slow_ring(struct mockdma *m, struct mockdma_ring *r,
			   uint64_t dst)
{
	struct mockdma_desc d[RUN_DESCS];
	int ret = mockdma_ring_init(m, r, IOVA_RING, 64, 0);

	if (ret)
		return ret;
	ret = mockdma_write32(m, MOCKDMA_REG_DMA_DELAY, RUN_DELAY_US);
	for (int i = 0; !ret && i < RUN_DESCS; i++)
		d[i] = mockdma_desc_write_imm(dst + 8 * i, 0xa5a5a5a500000000ull | i, 8, 0);
	return ret ? ret : mockdma_submit(m, r, d, RUN_DESCS, NULL);
}

static int slots_written(const uint8_t *p)
{
	int n = 0;

	for (int i = 0; i < RUN_DESCS; i++) {
		uint64_t v;

		memcpy(&v, p + 8 * i, 8);
		n += v >> 32 == 0xa5a5a5a5;
	}
	return n;
}

/*
 * The owner closes the device in the middle of a slow ring: the release
 * stops it (reset, bus mastering off) and takes the mappings; nothing lands
 * after the close, and the pinned pages and locked_vm are back.
 */
TEST(dma_after_the_owner_closed_the_device)
{
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_ring r = { 0 };
	struct mockdma_buf b = { 0 };
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	long pinned0, pinned1, locked0 = vfio_lab_locked_vm_kb();
	uint8_t *keep;
	int n0, n1;

	REQUIRE_MOCKDMA("mdma2", bdf);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned0));
	ASSERT_EQ(0, mockdma_open_bdf(&m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_buf_alloc(&m, &b, IOVA_SRC, PAGE, 0));
	ASSERT_EQ(0, start_slow_ring(&m, &r, IOVA_SRC));
	while (slots_written(b.va) < 2)
		usleep(1000);
	keep = b.va;			/* ours still: only its mapping goes */
	mockdma_close(&m);
	n0 = slots_written(keep);
	usleep(10 * RUN_DELAY_US);
	n1 = slots_written(keep);
	EXPECT_EQ(n0, n1) TH_LOG("%d writes landed after the close", n1 - n0);
	EXPECT_GT(RUN_DESCS, n1);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned1));
	EXPECT_EQ(pinned0, pinned1);
	EXPECT_EQ(locked0, vfio_lab_locked_vm_kb());
	munmap(r.mem.va, r.mem.size);
	munmap(keep, PAGE);
}

static int kills(void)
{
	const char *s = getenv("FAULT_CATALOG_KILLS");
	int n = s ? atoi(s) : KILLS_DEFAULT;

	return n > 0 ? n : KILLS_DEFAULT;
}

/* The child: own mdma2, run the slow ring into @shared, say so, wait */
static void owner(const char *bdf, uint8_t *shared, int ready)
{
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_ring r = { 0 };
	char why[256];

	if (mockdma_open_bdf(&m, bdf, why, sizeof(why)) ||
	    vfio_lab_map(m.dev.container, (uintptr_t)shared, IOVA_SRC, PAGE, VFIO_LAB_RW) ||
	    start_slow_ring(&m, &r, IOVA_SRC))
		_exit(1);
	while (slots_written(shared) < 1)
		usleep(500);
	if (write(ready, "!", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

/*
 * The owner is killed in the middle of a transfer, again and again: its
 * death releases the device; nothing lands after it, and the system's
 * pinned pages and the device (it opens and runs again) are where they
 * started. FAULT_CATALOG_KILLS sets the count (default 20).
 */
FIXTURE(owner) {
	int unused;
};

FIXTURE_SETUP(owner)
{
}

FIXTURE_TEARDOWN(owner)
{
}

TEST_F_TIMEOUT(owner, dma_after_the_owner_was_killed_mid_transfer_repeatedly, 1800)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	int n = kills(), late = 0, unfinished = 0;
	long pinned0, pinned1, locked0 = vfio_lab_locked_vm_kb();
	double t0 = mockdma_now_ms();
	uint8_t *shared;

	REQUIRE_MOCKDMA("mdma2", bdf);
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned0));
	for (int i = 0; i < n; i++) {
		int pipefd[2], status, n0, n1;
		pid_t pid;
		char c;

		memset(shared, 0, PAGE);
		ASSERT_EQ(0, pipe(pipefd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(pipefd[0]);
			owner(bdf, shared, pipefd[1]);
		}
		close(pipefd[1]);
		ASSERT_EQ(1, read(pipefd[0], &c, 1)) TH_LOG("run %d: the owner did not start", i);
		close(pipefd[0]);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		n0 = slots_written(shared);
		usleep(3 * RUN_DELAY_US);
		n1 = slots_written(shared);
		late += n1 - n0;
		unfinished += n1 < RUN_DESCS;
	}
	TH_LOG("%d kills in %.1f s", n, (mockdma_now_ms() - t0) / 1000);
	EXPECT_EQ(0, late) TH_LOG("writes landed after the owner's death");
	EXPECT_EQ(n, unfinished);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned1));
	EXPECT_EQ(pinned0, pinned1);
	EXPECT_EQ(locked0, vfio_lab_locked_vm_kb());
	/* the device is whole: it opens and runs a descriptor */
	ASSERT_EQ(0, mockdma_open_bdf(&m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	{
		struct mockdma_ring r = { 0 };
		struct mockdma_buf b = { 0 };
		struct mockdma_desc d, out;

		ASSERT_EQ(0, mockdma_ring_init(&m, &r, IOVA_RING, 8, 0));
		ASSERT_EQ(0, mockdma_buf_alloc(&m, &b, IOVA_SRC, PAGE, 0));
		d = mockdma_desc_write_imm(IOVA_SRC, 7, 8, 0);
		ASSERT_EQ(0, mockdma_run(&m, &r, &d, &out));
		EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
		EXPECT_EQ(7, b.va[0]);
		mockdma_buf_free(&m, &b);
		mockdma_ring_free(&m, &r);
	}
	mockdma_close(&m);
	munmap(shared, PAGE);
}

/*
 * The group moves to another container while its device is busy: VFIO
 * refuses while a device fd is open; once it is closed the group moves,
 * and the device's DMA lands in the new container's memory, not the old.
 */
TEST(group_moves_to_another_container_while_its_device_is_busy)
{
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_ring r = { 0 };
	struct mockdma_buf old = { 0 };
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	int c2 = -1;
	uint8_t *fresh;

	REQUIRE_MOCKDMA("mdma2", bdf);
	ASSERT_EQ(0, mockdma_open_bdf(&m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_buf_alloc(&m, &old, IOVA_SRC, PAGE, 0));
	ASSERT_EQ(0, start_slow_ring(&m, &r, IOVA_SRC));
	EXPECT_EQ(-EBUSY, vfio_lab_unset_container(m.dev.group));
	/* the device keeps running in its container meanwhile */
	while (slots_written(old.va) < 2)
		usleep(1000);
	/* closing the device fd resets it: the ring stops */
	if (m.regs)
		munmap((void *)m.regs, m.regs_size);
	if (m.mem)
		munmap((void *)m.mem, m.mem_size);
	m.regs = m.mem = NULL;
	close(m.dev.fd);
	m.dev.fd = -1;
	ASSERT_EQ(0, vfio_lab_unset_container(m.dev.group));
	/* the old container's mappings went with its last group */
	c2 = vfio_lab_open_container();
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, vfio_lab_set_container(m.dev.group, c2));
	ASSERT_EQ(0, vfio_lab_set_iommu(c2, VFIO_TYPE1v2_IOMMU));
	fresh = vfio_lab_buffer(2 * PAGE);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_EQ(0, vfio_lab_map(c2, (uintptr_t)fresh, IOVA_RING, PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_map(c2, (uintptr_t)fresh + PAGE, IOVA_SRC, PAGE, VFIO_LAB_RW));
	m.dev.fd = vfio_lab_get_device_fd(m.dev.group, m.dev.bdf);
	ASSERT_LE(0, m.dev.fd);
	{
		struct mockdma_ring r2 = { .mem = { .va = fresh, .iova = IOVA_RING, .size = PAGE },
					   .entries = 64 };
		struct mockdma_desc d = mockdma_desc_write_imm(IOVA_SRC, 0x77, 8, 0), out;
		int before = slots_written(old.va);

		ASSERT_EQ(0, mockdma_command_update(&m, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0));
		ASSERT_EQ(0, mockdma_ring_program(&m, &r2, 0));
		ASSERT_EQ(0, mockdma_run(&m, &r2, &d, &out));
		EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
		EXPECT_EQ(0x77, fresh[PAGE]);
		EXPECT_EQ(before, slots_written(old.va)) TH_LOG("DMA reached the old container's memory");
	}
	close(m.dev.fd);
	m.dev.fd = -1;
	vfio_lab_unset_container(m.dev.group);
	close(c2);
	close(m.dev.group);
	close(m.dev.container);
	munmap(fresh, 2 * PAGE);
	munmap(old.va, PAGE);
	munmap(r.mem.va, r.mem.size);
}

LAB_HARNESS_MAIN
