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
 * whose BAR is a target, mdma2 the device whose owner dies or lets go,
 * mdma3 (in a root port) the one hot-unplugged while it works; edu5 owns
 * the group behind pbr5 that a NIC is hot-added into.
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

#include "edu.h"
#include "host_qmp.h"
#include "iommu_fault.h"
#include "irq_lab.h"
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
#define IOVA_ALIASED	0x9e000ul
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

/*
 * Requester-ID aliasing: edu5 is conventional PCI behind a PCIe-to-PCI
 * bridge, which issues its DMA as BB:00.0 (BB its secondary bus). The
 * group's mappings serve it; another container's do not, and the IOMMU's
 * record names the alias, not edu5. (edu reports no error of its own: the
 * record and the memory are the two sides.)
 */
TEST_F_TIMEOUT(owner, dma_behind_a_pcie_to_pci_bridge_is_the_bridge_s, 120)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	struct mockdma other = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_buf ob = { 0 };
	char bdf[PCI_TOPO_BDF_SIZE], obdf[PCI_TOPO_BDF_SIZE], alias[PCI_TOPO_BDF_SIZE], why[256];
	uint8_t *mem;
	int before;

	if (vfio_lab_device_bdf("edu5", bdf, why, sizeof(why)))
		SKIP(return, "%s", why);
	REQUIRE_MOCKDMA("mdma1", obdf);
	memcpy(alias, bdf, sizeof(alias));
	memcpy(alias + 8, "00.0", 5);	/* "0000:BB:01.0" -> "0000:BB:00.0" */
	ASSERT_EQ(0, vfio_lab_open_device(&d, bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_lab_command_update(d.fd, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	mem = vfio_lab_buffer(2 * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	for (size_t i = 0; i < PAGE; i++)
		mem[i] = (uint8_t)(i * 3 + 1);
	memset(mem + PAGE, 0xcc, PAGE);
	ASSERT_EQ(0, vfio_lab_map(d.container, (uintptr_t)mem, IOVA_SRC, PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_map(d.container, (uintptr_t)mem + PAGE, IOVA_SRC + PAGE, PAGE, VFIO_LAB_RW));
	/* its group's mappings serve it, under whatever requester ID */
	ASSERT_EQ(0, edu_dma_from_ram(d.fd, IOVA_SRC, 0, 256));
	ASSERT_EQ(0, edu_dma_to_ram(d.fd, 0, IOVA_SRC + PAGE, 256));
	EXPECT_EQ(0, memcmp(mem, mem + PAGE, 256)) TH_LOG("the DMA through its own mappings failed");
	/* another container's mapping does not */
	ASSERT_EQ(0, mockdma_open_bdf(&other, obdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_buf_alloc(&other, &ob, IOVA_ALIASED, PAGE, 0));
	memset(ob.va, 0xcc, PAGE);
	iommu_wait_log_budget();
	before = iommu_faults(alias, true, IOVA_ALIASED);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_dma_to_ram(d.fd, 0, IOVA_ALIASED, 256));
	EXPECT_TRUE(all_bytes(ob.va, PAGE, 0xcc)) TH_LOG("edu5 wrote into the other container");
	IOMMU_FAULT_REQUIRE_LOG_CAUSE(alias, true, IOVA_ALIASED, "other-container");
	EXPECT_LT(before, iommu_wait_fault(alias, true, IOVA_ALIASED, before, FAULT_WAIT_MS))
		TH_LOG("no IOMMU fault record for the alias %s of %s at 0x%lx", alias, bdf,
		       IOVA_ALIASED);
	EXPECT_EQ(0, iommu_faults(bdf, true, IOVA_ALIASED)) TH_LOG("a record names %s itself", bdf);
	mockdma_buf_free(&other, &ob);
	mockdma_close(&other);
	vfio_lab_close(&d);
	munmap(mem, 2 * PAGE);
}

#define HOTPLUG_WAIT_MS 30000

static bool bdf_present(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return !access(path, F_OK);
}

static bool wait_presence(const char *bdf, bool present, int ms)
{
	for (double end = mockdma_now_ms() + ms; mockdma_now_ms() < end; usleep(50 * 1000))
		if (bdf_present(bdf) == present)
			return true;
	return bdf_present(bdf) == present;
}

/*
 * A hot-added device's IOMMU group: its sysfs directory appears before
 * the IOMMU core's bus notifier links it into a group (a window a loaded
 * host widens), so the link is waited for too.
 */
static int wait_iommu_group(const char *bdf, int ms)
{
	int group = pci_topo_iommu_group(bdf);

	for (double end = mockdma_now_ms() + ms; group < 0 && mockdma_now_ms() < end;
	     group = pci_topo_iommu_group(bdf))
		usleep(50 * 1000);
	return group;
}

/*
 * Hot-unplug (QMP device_del) of an owned device in the middle of its DMA:
 * the driver signals REQ to the owner and waits; once the owner lets go,
 * the device leaves, nothing lands after, the pins are released, and the
 * device comes back (device_add) bound to nothing.
 */
TEST_F_TIMEOUT(owner, hot_unplug_of_an_owned_device_mid_dma, 180)
{
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	struct mockdma_ring r = { 0 };
	struct mockdma_buf b = { 0 };
	char bdf[PCI_TOPO_BDF_SIZE], why[256], reply[512], drv[PCI_TOPO_NAME_SIZE];
	long pinned0, pinned1;
	int req = -1, n0, n1, ret;
	uint8_t *keep;

	REQUIRE_MOCKDMA("mdma3", bdf);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned0));
	ASSERT_EQ(0, mockdma_open_bdf(&m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	req = irq_efd();
	ASSERT_LE(0, req);
	ASSERT_EQ(0, irq_trigger_fds(m.dev.fd, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &req));
	ASSERT_EQ(0, mockdma_buf_alloc(&m, &b, IOVA_SRC, PAGE, 0));
	ASSERT_EQ(0, start_slow_ring(&m, &r, IOVA_SRC));
	while (slots_written(b.va) < 2)
		usleep(1000);
	ret = host_qmp("device_del", "{\"id\": \"mdma3\"}", reply, sizeof(reply), 10000);
	if (ret == -ETIMEDOUT)
		SKIP(goto out, "no reply from the harness to a qmp request (no QMP relay)");
	ASSERT_EQ(0, ret) TH_LOG("device_del: %s", reply);
	EXPECT_LE(1, irq_efd_wait(req, HOTPLUG_WAIT_MS)) TH_LOG("no REQ signal");
	/* the device stays while its owner holds it */
	EXPECT_TRUE(bdf_present(bdf));
	keep = b.va;
	mockdma_close(&m);
	n0 = slots_written(keep);
	EXPECT_TRUE(wait_presence(bdf, false, HOTPLUG_WAIT_MS)) TH_LOG("%s is still there", bdf);
	usleep(3 * RUN_DELAY_US);
	n1 = slots_written(keep);
	EXPECT_EQ(n0, n1) TH_LOG("%d writes landed after the release", n1 - n0);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned1));
	EXPECT_EQ(pinned0, pinned1);
	munmap(keep, PAGE);
	munmap(r.mem.va, r.mem.size);
	/*
	 * back again: nothing binds it (driver_override was the old device's).
	 * QEMU drops the old one once the guest has ejected it, a moment
	 * after the guest forgets it: until then its id is taken. Asking
	 * again at once lands the new device inside the RCU grace period
	 * that still holds the old one's memory, where a RAM name the old
	 * one did not give back aborts QEMU (mockdma_exit).
	 */
	for (double end = mockdma_now_ms() + HOTPLUG_WAIT_MS;; usleep(1000)) {
		ret = host_qmp("device_add", "{\"driver\": \"mockdma\", \"id\": \"mdma3\", \"bus\": \"rp3\"}",
			       reply, sizeof(reply), 10000);
		if (ret != -EIO || !strstr(reply, "Duplicate device ID") || mockdma_now_ms() > end)
			break;
	}
	ASSERT_EQ(0, ret) TH_LOG("device_add: %s", reply);
	EXPECT_TRUE(wait_presence(bdf, true, HOTPLUG_WAIT_MS)) TH_LOG("%s did not come back", bdf);
	ASSERT_EQ(0, pci_topo_driver(bdf, drv));
	EXPECT_STREQ("-", drv) TH_LOG("%s came back bound to %s", bdf, drv);
out:
	if (req >= 0)
		close(req);
	mockdma_close(&m);
}

/*
 * Hot-add into a group user space owns: a NIC joins the group behind the
 * PCIe-to-PCI bridge whose edu5 the test holds. The IOMMU core refuses the
 * NIC's host driver while the group is owned (e1000 does not bind), the
 * group stays viable and the owner's device keeps working. (q35's ACPI
 * hot-plug leaves a device added behind a pcie-pci-bridge unannounced, and
 * its SHPC would bind shpchp to the bridge, making the group not viable:
 * the test rescans the bus as the announcement would.)
 */
TEST_F_TIMEOUT(owner, hot_add_into_an_owned_group, 180)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char bdf[PCI_TOPO_BDF_SIZE], nic[PCI_TOPO_BDF_SIZE], why[256], reply[512];
	char drv[PCI_TOPO_NAME_SIZE];
	uint32_t flags = 0;
	uint64_t id = 0;
	int ret;

	if (vfio_lab_device_bdf("edu5", bdf, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vfio_lab_open_device(&d, bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	memcpy(nic, bdf, sizeof(nic));
	memcpy(nic + 8, "02.0", 5);	/* "0000:BB:01.0" -> "0000:BB:02.0" */
	ASSERT_FALSE(bdf_present(nic));
	ret = host_qmp("device_add", "{\"driver\": \"e1000\", \"id\": \"hotnic\", \"bus\": \"pbr5\", \"addr\": \"02.0\"}",
		       reply, sizeof(reply), 10000);
	if (ret == -ETIMEDOUT)
		SKIP(goto out, "no reply from the harness to a qmp request (no QMP relay)");
	ASSERT_EQ(0, ret) TH_LOG("device_add: %s", reply);
	if (!wait_presence(nic, true, 3000))
		ASSERT_EQ(0, pci_topo_write_file("/sys/bus/pci/rescan", "1"));
	ASSERT_TRUE(wait_presence(nic, true, HOTPLUG_WAIT_MS)) TH_LOG("%s never appeared", nic);
	EXPECT_EQ(d.group_id, wait_iommu_group(nic, HOTPLUG_WAIT_MS))
		TH_LOG("%s is not in edu5's group", nic);
	usleep(500 * 1000);
	ASSERT_EQ(0, pci_topo_driver(nic, drv));
	EXPECT_STREQ("-", drv) TH_LOG("%s bound to %s in an owned group", nic, drv);
	ASSERT_EQ(0, vfio_lab_group_flags(d.group, &flags));
	EXPECT_TRUE(flags & VFIO_GROUP_FLAGS_VIABLE) TH_LOG("the group lost its viability");
	/* the owner's device fd still works */
	EXPECT_EQ(0, vfio_lab_config_read(d.fd, 0, 2, &id));
	EXPECT_EQ(0x1234, id);
	vfio_lab_close(&d);
	/* the owner gone, the same driver takes it: ownership kept it off */
	EXPECT_EQ(0, pci_topo_write_file("/sys/bus/pci/drivers_probe", nic));
	ASSERT_EQ(0, pci_topo_driver(nic, drv));
	EXPECT_STREQ("e1000", drv) TH_LOG("e1000 did not bind %s once the group was free", nic);
	/* gone again: the guest lets it go first, then QEMU */
	snprintf(why, sizeof(why), "/sys/bus/pci/devices/%s/remove", nic);
	EXPECT_EQ(0, pci_topo_write_file(why, "1"));
	ret = host_qmp("device_del", "{\"id\": \"hotnic\"}", reply, sizeof(reply), 10000);
	EXPECT_EQ(0, ret) TH_LOG("device_del: %s", reply);
	EXPECT_TRUE(wait_presence(nic, false, HOTPLUG_WAIT_MS));
out:
	vfio_lab_close(&d);
}

LAB_HARNESS_MAIN
