// SPDX-License-Identifier: GPL-2.0
/*
 * mockdma end to end (issue 4, item 9): user space maps memory through
 * the driver under test, builds a descriptor ring in it and has the
 * device copy between IOVAs through the emulated VT-d.
 *
 *  - a copy between two mapped buffers lands byte for byte;
 *  - a copy from (or to) an IOVA that is not mapped completes with an
 *    error that carries the IOVA, the guest kernel logs the IOMMU fault,
 *    and the destination is unchanged;
 *  - 10,000 descriptors complete with an MSI-X interrupt each and none is
 *    lost;
 *  - peer to peer: another device's BAR, mapped into the container
 *    through its mmap (as QEMU's vfio-pci maps every assigned BAR), is a
 *    DMA target and source, neither pinned nor charged to locked_vm.
 *
 * The throughput of COPY descriptors is measured by bench_drivers, on
 * both drivers in one VM.
 *
 * Runs on mdma0 (root bus, default properties).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "iommu_fault.h"
#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"
#include "mockdma_log.h"

#define PAGE		4096ul
#define DEVICE_ID	"mdma0"
#define IOVA_RING	0x10000ul
#define IOVA_SRC	0x1000000ul
#define IOVA_DST	0x2000000ul
#define IOVA_PEER	0x40000000ul
#define IOVA_ZEROS	0x80000000ul
#define ZEROS_SIZE_MAX	(256ul << 20)
#define PEER_ID		"mdma2"
#define PEER_COPY	(64 * 1024ul)
#define COPY_SIZE	(256 * 1024ul)
/* One IOVA per fault test, never mapped by any other test. */
#define IOVA_STALE_READ	0x5a000ul
#define IOVA_STALE_WRITE 0x6b000ul
#define FAULT_WAIT_MS	2000

#define IRQ_DESCRIPTORS	10000
#define IRQ_BATCH_WAIT_MS 5000
#define IRQ_TAG		(0x1a5ull << 48)	/* marks a WRITE_IMM value */

#define RD32(reg) ({							\
	uint32_t __v = 0;						\
	ASSERT_EQ(0, mockdma_read32(&self->m, (reg), &__v));		\
	__v;								\
})

FIXTURE(e2e) {
	struct mockdma m;
	struct mockdma_props p;
	struct mockdma_ring ring;
	struct mockdma_buf src, dst;
	struct mockdma_irqs irqs;
};

FIXTURE_SETUP(e2e)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	size_t i;

	self->m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	REQUIRE_MOCKDMA(DEVICE_ID, bdf);
	ASSERT_EQ(0, mockdma_props_load(DEVICE_ID, &self->p, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_open_bdf(&self->m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->src, IOVA_SRC, COPY_SIZE, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->dst, IOVA_DST, COPY_SIZE, 0));
	for (i = 0; i < COPY_SIZE; i++)
		self->src.va[i] = (uint8_t)(i * 7 + 3 + (i >> 12));
	memset(self->dst.va, 0xcc, COPY_SIZE);
}

FIXTURE_TEARDOWN(e2e)
{
	mockdma_irqs_disable(&self->m, &self->irqs);
	mockdma_ring_free(&self->m, &self->ring);
	mockdma_buf_free(&self->m, &self->src);
	mockdma_buf_free(&self->m, &self->dst);
	mockdma_close(&self->m);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return false;
	return true;
}

/* ---- copy between two mapped buffers ---- */

TEST_F(e2e, copy_between_two_mapped_buffers)
{
	struct mockdma_desc d, out, pages[COPY_SIZE / PAGE];
	uint32_t first, i, n = COPY_SIZE / PAGE;

	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 128, 0));
	/* one descriptor for the whole buffer */
	d = mockdma_desc_copy(IOVA_SRC, IOVA_DST, COPY_SIZE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(COPY_SIZE, out.done);
	ASSERT_EQ(0, memcmp(self->dst.va, self->src.va, COPY_SIZE));
	/* a batch, one page each, in reverse order: each descriptor its own */
	memset(self->dst.va, 0xcc, COPY_SIZE);
	for (i = 0; i < n; i++)
		pages[i] = mockdma_desc_copy(IOVA_SRC + i * PAGE,
					     IOVA_DST + (n - 1 - i) * PAGE, PAGE, 0);
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, pages, n, &first));
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first, n, MOCKDMA_TIMEOUT_MS))
		log_state(_metadata, &self->m);
	for (i = 0; i < n; i++) {
		mockdma_desc_read(&self->ring, first + i, &out);
		EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
		EXPECT_EQ(0, memcmp(self->dst.va + (n - 1 - i) * PAGE,
				    self->src.va + i * PAGE, PAGE))
			TH_LOG("page %u", i);
	}
}

/* ---- blocked by the IOMMU, reported by the device, logged by the kernel ---- */

/*
 * The IOVA was mapped (to memory holding data) and then unmapped, so a
 * stale translation would read that data; the kernel prints IOMMU faults
 * with the page address, so the IOVA is page aligned.
 */
TEST_F(e2e, copy_from_unmapped_iova_faults_and_is_logged)
{
	struct mockdma_desc d, out;
	uint64_t fault = 0;
	int before;

	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 64, 0));
	test_cmd_map(self->m.dev.container, self->src.va, IOVA_STALE_READ, PAGE);
	test_cmd_unmap(self->m.dev.container, IOVA_STALE_READ, PAGE, PAGE);
	iommu_wait_log_budget();
	before = iommu_faults(self->m.dev.bdf, false, IOVA_STALE_READ);
	ASSERT_LE(0, before) TH_LOG("cannot read the kernel log");
	d = mockdma_desc_copy(IOVA_STALE_READ, IOVA_DST, PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(IOVA_STALE_READ, out.fault_iova);
	EXPECT_EQ(0, out.done);
	ASSERT_EQ(0, mockdma_read64(&self->m, MOCKDMA_REG_FAULT_IOVA, &fault));
	EXPECT_EQ(IOVA_STALE_READ, fault);
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, RD32(MOCKDMA_REG_LAST_ERROR));
	EXPECT_TRUE(all_bytes(self->dst.va, COPY_SIZE, 0xcc))
		TH_LOG("the destination changed");
	IOMMU_FAULT_REQUIRE_LOG(self->m.dev.bdf, false, IOVA_STALE_READ);
	EXPECT_LT(before, iommu_wait_fault(self->m.dev.bdf, false,
						  IOVA_STALE_READ, before,
						  FAULT_WAIT_MS))
		TH_LOG("no DMA read IOMMU fault for %s at 0x%lx in the kernel log",
		       self->m.dev.bdf, IOVA_STALE_READ);
}

TEST_F(e2e, copy_to_unmapped_iova_faults_and_is_logged)
{
	uint8_t *stale = self->dst.va + PAGE;
	struct mockdma_desc d, out;
	int before;

	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 64, 0));
	test_cmd_map(self->m.dev.container, stale, IOVA_STALE_WRITE, PAGE);
	test_cmd_unmap(self->m.dev.container, IOVA_STALE_WRITE, PAGE, PAGE);
	iommu_wait_log_budget();
	before = iommu_faults(self->m.dev.bdf, true, IOVA_STALE_WRITE);
	ASSERT_LE(0, before);
	d = mockdma_desc_copy(IOVA_SRC, IOVA_STALE_WRITE, PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_WRITE_FAULT, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(IOVA_STALE_WRITE, out.fault_iova);
	EXPECT_TRUE(all_bytes(stale, PAGE, 0xcc)) TH_LOG("the DMA reached unmapped memory");
	IOMMU_FAULT_REQUIRE_LOG(self->m.dev.bdf, true, IOVA_STALE_WRITE);
	EXPECT_LT(before, iommu_wait_fault(self->m.dev.bdf, true,
						  IOVA_STALE_WRITE, before,
						  FAULT_WAIT_MS))
		TH_LOG("no DMA write IOMMU fault for %s at 0x%lx", self->m.dev.bdf,
		       IOVA_STALE_WRITE);
}

/* ---- 10,000 completions, each with its MSI-X interrupt ---- */

/*
 * Wait until every vector in want (a bit per vector) has signalled its
 * eventfd; add what each read to got[].  -ETIMEDOUT with the ones missing
 * left in *want.
 */
static int wait_vectors(struct mockdma_irqs *irqs, uint64_t *want,
			uint64_t *got, int timeout_ms)
{
	double deadline = mockdma_now_ms() + timeout_ms;
	struct pollfd pfd[MOCKDMA_MAX_VECTORS];
	uint32_t map[MOCKDMA_MAX_VECTORS], n, v, i;
	uint64_t count;
	int ret;

	while (*want) {
		for (n = 0, v = 0; v < irqs->count; v++) {
			if (!(*want & (1ull << v)))
				continue;
			pfd[n] = (struct pollfd){ .fd = irqs->fd[v], .events = POLLIN };
			map[n++] = v;
		}
		ret = poll(pfd, n, deadline - mockdma_now_ms() > 0 ?
				   (int)(deadline - mockdma_now_ms()) : 0);
		if (ret < 0)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			ret = mockdma_eventfd_take(pfd[i].fd, &count);
			if (ret)
				return ret;
			got[map[i]] += count;
			if (count)
				*want &= ~(1ull << map[i]);
		}
	}
	return 0;
}

/*
 * What "lost" means here.  An MSI-X message is a write to the local
 * APIC: it sets the vector's bit in the IRR, and the CPU takes the
 * interrupt later.  Two messages on one vector before the CPU takes the
 * first set the same bit once, so the kernel (and the eventfd behind it)
 * sees one interrupt for two messages: coalescing, which is how the
 * hardware works, not a loss.  So each batch uses every vector at most
 * once (descriptor i of a batch interrupts on vector i) and the test
 * waits for all of the batch's vectors before the next batch: then every
 * descriptor with F_IRQ must produce exactly one eventfd signal.  A lost
 * interrupt is a descriptor whose signal never comes (the batch times
 * out); a spurious one is a count above one.  The totals are checked
 * three ways: the eventfd counters, the device's DESC_DONE and its
 * IRQ_COUNT per vector (messages sent), all equal to 10,000 in sum.
 */
/*
 * Peer to peer: PEER_ID (a group of its own) joins this container, its
 * BAR2 (device memory) is mmapped and that mapping given to MAP_DMA.
 * VFIO follows the VM_PFNMAP vma's frames instead of pinning them; the
 * device then writes into the peer's BAR and reads back from it.
 */
TEST_F(e2e, peer_bar_mmap_is_a_dma_target_and_source)
{
	struct vfio_region_info *info = NULL;
	char bdf[PCI_TOPO_BDF_SIZE];
	struct mockdma_desc d, out;
	uint64_t size;
	long locked, pinned, pinned_after;
	uint8_t *peer_mem;
	int group, fd;
	size_t i;

	REQUIRE_MOCKDMA(PEER_ID, bdf);
	group = vfio_lab_open_group(pci_topo_iommu_group(bdf));
	ASSERT_LE(0, group);
	ASSERT_EQ(0, vfio_lab_set_container(group, self->m.dev.container));
	fd = vfio_lab_get_device_fd(group, bdf);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vfio_lab_region_info(fd, VFIO_PCI_BAR2_REGION_INDEX, &info));
	size = info->size;
	ASSERT_TRUE(info->flags & VFIO_REGION_INFO_FLAG_MMAP);
	free(info);
	ASSERT_LE(PEER_COPY, size);
	peer_mem = vfio_lab_region_mmap(fd, VFIO_PCI_BAR2_REGION_INDEX, 0, size,
					PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, peer_mem);
	memset(peer_mem, 0x5a, PEER_COPY);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 16, 0));

	locked = vfio_lab_locked_vm_kb();
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));
	test_cmd_map(self->m.dev.container, peer_mem, IOVA_PEER, size);
	/* device memory: nothing pinned, nothing charged */
	EXPECT_EQ(locked, vfio_lab_locked_vm_kb());
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned_after));
	EXPECT_EQ(pinned, pinned_after);

	d = mockdma_desc_copy(IOVA_SRC, IOVA_PEER, PEER_COPY, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	for (i = 0; i < PEER_COPY && peer_mem[i] == self->src.va[i]; i++)
		;
	ASSERT_EQ(PEER_COPY, i) TH_LOG("the peer's BAR differs at byte %zu", i);

	for (i = 0; i < PEER_COPY; i++)
		peer_mem[i] = (uint8_t)~i;
	d = mockdma_desc_copy(IOVA_PEER, IOVA_DST, PEER_COPY, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	ASSERT_EQ(0, memcmp(self->dst.va, peer_mem, PEER_COPY));

	test_cmd_unmap(self->m.dev.container, IOVA_PEER, size, size);
	munmap(peer_mem, size);
	close(fd);
	close(group);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned_after));
	EXPECT_EQ(pinned, pinned_after);
}

/*
 * A PFNMAP that is not a device fd's BAR mapping: the peer's BAR2 through
 * its sysfs resource file. vfio-pci maps any PFNMAP of non-RAM frames;
 * upci only its own BAR mappings, since nothing keeps a foreign mapping's
 * frames (a GPU driver's VRAM buffer) from being freed and reused while
 * the IOMMU still maps them.
 */
TEST_F(e2e, foreign_pfnmap_is_refused_by_upci)
{
	char bdf[PCI_TOPO_BDF_SIZE], path[96];
	int fd, want, got;
	void *map;

	REQUIRE_MOCKDMA(PEER_ID, bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap %s: %s", path, strerror(errno));
	want = intended_difference(0, -EFAULT,
		"only a upci device fd's BAR mapping is followed for peer-to-peer; a foreign PFNMAP's frames are not held");
	got = vfio_lab_map(self->m.dev.container, (uint64_t)(uintptr_t)map, IOVA_PEER,
			   PAGE, VFIO_LAB_RW);
	EXPECT_EQ(want, got);
	if (!got)
		test_cmd_unmap(self->m.dev.container, IOVA_PEER, PAGE, PAGE);
	munmap(map, PAGE);
	close(fd);
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/*
 * Linux 6.12 unshares the zero page for a long-term pin, so every page of
 * the "untouched" map becomes real memory in the guest: take the largest
 * power of two up to 256 MiB that leaves half of what is available (a
 * sanitizer kernel has far less to spare than a stock one).
 */
static size_t zeros_size(void)
{
	size_t avail = (size_t)meminfo_kb("MemAvailable") << 10, size = ZEROS_SIZE_MAX;

	while (size > (16ul << 20) && size > avail / 2)
		size >>= 1;
	return size;
}

/*
 * The worst case for a mapping's metadata that Linux 6.12 lets a user
 * reach: memory never touched, mapped read-only. A long-term read-only pin
 * of a private mapping unshares even the zero page (gup_must_unshare()),
 * so every page becomes a fresh page of the user's, charged to locked_vm
 * on both drivers, and seldom next to the one before: upci records about
 * one run per page, 24 bytes per 4 KiB charged. (The zero page itself,
 * which would be charged to nobody, costs one run for any number of pages
 * since upci records repeated frames as one run; 6.12 does not let a
 * long-term pin reach it.) Time, kernel memory and the charge are printed;
 * the device reads the last page as zeros.
 */
TEST_F_TIMEOUT(e2e, read_only_map_of_untouched_memory, 600)
{
	struct mockdma_desc d, out;
	long vmalloc, locked, pinned, pinned_after, grown, charged;
	double t0, map_ms, unmap_ms;
	size_t zsize = zeros_size();
	uint8_t *zeros;

	TH_LOG("mapping %zu MiB (MemAvailable %ld kB)", zsize >> 20,
	       meminfo_kb("MemAvailable"));
	zeros = mmap(NULL, zsize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, zeros);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 16, 0));
	vmalloc = meminfo_kb("VmallocUsed");
	locked = vfio_lab_locked_vm_kb();
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));

	t0 = mockdma_now_ms();
	ASSERT_EQ(0, vfio_lab_map(self->m.dev.container, (uint64_t)(uintptr_t)zeros,
				  IOVA_ZEROS, zsize, VFIO_DMA_MAP_FLAG_READ));
	map_ms = mockdma_now_ms() - t0;
	grown = meminfo_kb("VmallocUsed") - vmalloc;
	charged = vfio_lab_locked_vm_kb() - locked;
	/* every page the user's now, and charged to it */
	EXPECT_EQ((long)(zsize >> 10), charged);
	/* metadata: at most a run (24 bytes) per page, plus slack */
	EXPECT_GE((long)(zsize / PAGE * 24 / 1024 + 256), grown)
		TH_LOG("vmalloc grew by %ld kB", grown);

	/* the device reads the last page: zeros, through the IOMMU */
	memset(self->dst.va, 0xcc, PAGE);
	d = mockdma_desc_copy(IOVA_ZEROS + zsize - PAGE, IOVA_DST, PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	EXPECT_TRUE(all_bytes(self->dst.va, PAGE, 0));

	t0 = mockdma_now_ms();
	test_cmd_unmap(self->m.dev.container, IOVA_ZEROS, zsize, zsize);
	unmap_ms = mockdma_now_ms() - t0;
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned_after));
	EXPECT_EQ(pinned, pinned_after);
	EXPECT_EQ(locked, vfio_lab_locked_vm_kb());
	printf("# bench: read-only-untouched-map size=%zuMiB driver=%s map_ms=%.0f unmap_ms=%.0f vmalloc_kb=%ld charged_kb=%ld\n",
	       zsize >> 20, vfio_lab_driver_name(), map_ms, unmap_ms, grown, charged);
	munmap(zeros, zsize);
}

/*
 * One page mapped at 4096 consecutive addresses (a memfd page, mmapped
 * again and again): one frame, pinned 4096 times over, which upci records
 * as one repeated run. Every pin must come back at the unmap, and the
 * device must read that page at every one of its IOVAs.
 */
TEST_F(e2e, one_page_mapped_many_times_is_pinned_and_released_as_often)
{
	const size_t copies = 4096, size = copies * PAGE;
	long pinned, pinned_mapped, pinned_after;
	struct mockdma_desc d, out;
	uint8_t *area, *p;
	size_t i;
	int fd;

	fd = memfd_create("upcilab-repeat", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, PAGE));
	area = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	for (i = 0; i < copies; i++) {
		p = mmap(area + i * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
		ASSERT_EQ(area + i * PAGE, p);
	}
	memset(area, 0x5c, PAGE);	/* every copy shows it */
	ASSERT_EQ(0x5c, area[size - 1]);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 16, 0));
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));

	test_cmd_map(self->m.dev.container, area, IOVA_ZEROS, size);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned_mapped));
	EXPECT_EQ(pinned + (long)copies, pinned_mapped);
	memset(self->dst.va, 0, PAGE);
	d = mockdma_desc_copy(IOVA_ZEROS + size - PAGE, IOVA_DST, PAGE, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	EXPECT_TRUE(all_bytes(self->dst.va, PAGE, 0x5c));

	test_cmd_unmap(self->m.dev.container, IOVA_ZEROS, size, size);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned_after));
	EXPECT_EQ(pinned, pinned_after);
	munmap(area, size);
	close(fd);
}

TEST_F_TIMEOUT(e2e, msix_completions_10000_descriptors_none_lost, 180)
{
	uint32_t nvec = self->p.vectors, v, sent = 0, first, i, n;
	uint64_t got[MOCKDMA_MAX_VECTORS] = { 0 }, want[MOCKDMA_MAX_VECTORS] = { 0 };
	uint32_t irq_before[MOCKDMA_MAX_VECTORS], done_before;
	struct mockdma_desc batch[MOCKDMA_MAX_VECTORS], out;
	struct mockdma_buf vals;
	uint64_t pending, total = 0, late;
	double start, took;
	int ret;

	REQUIRE_IRQS(self, VFIO_PCI_MSIX_IRQ_INDEX, nvec);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 256, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &vals, 0x3000000ul,
				       (IRQ_DESCRIPTORS * 8 + PAGE - 1) & ~(PAGE - 1), 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE,
				     MOCKDMA_IRQ_DMA_DONE));
	for (v = 0; v < nvec; v++)
		irq_before[v] = RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v);
	done_before = RD32(MOCKDMA_REG_DESC_DONE);
	start = mockdma_now_ms();
	while (sent < IRQ_DESCRIPTORS) {
		n = IRQ_DESCRIPTORS - sent < nvec ? IRQ_DESCRIPTORS - sent : nvec;
		for (i = 0; i < n; i++) {
			batch[i] = mockdma_desc_write_imm(vals.iova + 8ull * (sent + i),
							  IRQ_TAG | (sent + i), 8,
							  MOCKDMA_F_IRQ);
			batch[i].vector = i;
			want[i]++;
		}
		ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, batch, n, &first));
		pending = n == 64 ? ~0ull : (1ull << n) - 1;
		ret = wait_vectors(&self->irqs, &pending, got, IRQ_BATCH_WAIT_MS);
		ASSERT_EQ(0, ret) {
			TH_LOG("descriptors %u..%u: vectors 0x%llx never signalled",
			       sent, sent + n - 1, (unsigned long long)pending);
			log_state(_metadata, &self->m);
		}
		for (i = 0; i < n; i++) {
			mockdma_desc_read(&self->ring, first + i, &out);
			ASSERT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
		}
		sent += n;
	}
	took = mockdma_now_ms() - start;
	/* Anything arriving late is an interrupt too many. */
	usleep(100 * 1000);
	for (v = 0; v < nvec; v++) {
		ASSERT_EQ(0, mockdma_eventfd_take(self->irqs.fd[v], &late));
		got[v] += late;
		total += got[v];
	}
	TH_LOG("%u descriptors, %u vectors, %.2f s: %.0f interrupts/s", sent, nvec,
	       took / 1e3, sent / (took / 1e3));
	EXPECT_EQ(IRQ_DESCRIPTORS, total);
	EXPECT_EQ(done_before + IRQ_DESCRIPTORS, RD32(MOCKDMA_REG_DESC_DONE));
	for (v = 0; v < nvec; v++) {
		EXPECT_EQ(want[v], got[v]) TH_LOG("vector %u: eventfd", v);
		EXPECT_EQ(want[v], RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v) - irq_before[v])
			TH_LOG("vector %u: IRQ_COUNT", v);
	}
	/* and every descriptor really ran */
	for (i = 0; i < IRQ_DESCRIPTORS; i++) {
		uint64_t val;

		memcpy(&val, vals.va + 8ull * i, 8);
		if (val != (IRQ_TAG | i))
			break;
	}
	EXPECT_EQ(IRQ_DESCRIPTORS, i) TH_LOG("value %u missing", i);
	mockdma_buf_free(&self->m, &vals);
}

LAB_HARNESS_MAIN
