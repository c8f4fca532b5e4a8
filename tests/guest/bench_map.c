// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mapping on upci against vfio-pci in one VM (the bench scenario):
 * the two mockdma devices of bench_drivers, one bound to each driver, each
 * in its own container.  Every figure is measured on both, in rounds that
 * alternate which driver goes first, and printed as the median over the
 * rounds with the fastest and slowest round beside it:
 *
 *   # bench: dma-map backing=4k size=64MiB calls=16384 op=map
 *     median_ms vfio-pci=X upci=Y ratio=R min_ms vfio-pci=.. upci=..
 *     max_ms vfio-pci=.. upci=.. n=ROUNDS
 *
 * op is map (MAP_DMA), unmap (UNMAP_DMA of what was mapped, in the same
 * calls) or unmap-all (one UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_ALL after
 * the 4 KiB maps); calls=1 maps the whole size in one call.  backing=2M
 * is memory from 2 MiB hugetlbfs pages, where the device itself asks the
 * IOMMU which page size maps the range (mockdma's ROGUE_CTRL TRANSLATE):
 *
 *   # bench: dma-map-page backing=2M size=64MiB iommu_page_kib
 *     vfio-pci=2048 upci=2048
 *
 * and upci must get 2 MiB pages wherever vfio-pci does.  The assertions
 * are on the work (every call succeeds, every unmap reports the size
 * mapped, the IOMMU pages), never on the times.
 * dma-map-cost is where a 64 MiB map's and unmap's time goes, traced (see
 * the cost test): pinning and accounting's share of a map, the IOMMU's,
 * its IOTLB flush's and unpinning's of an unmap.
 * upcilab.bench_rounds=N (1-10) and upcilab.bench_map_max_mb=64 or 1024
 * (UPCILAB_BENCH_ROUNDS, UPCILAB_BENCH_MAP_MAX_MB) shorten the run: make
 * test checks that it works on 64 MiB in 1 round, make bench measures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ftrace_time.h"
#include <sys/ioctl.h>

#include "irq_lab.h"
#include "lab_knob.h"
#include "lab_time.h"
#include "mockdma.h"
#include "pci_topo.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "bench_pair.h"

#define PAGE		4096ul
#define HUGE_PAGE	(2ul << 20)
#define MIB		(1ul << 20)
#define MAX_MB		1024
#define IOVA_BASE	(1ull << 32)	/* above the MSI window, 2 MiB aligned */
#define HUGEPAGES	"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

enum { OP_MAP, OP_UNMAP, OP_UNMAP_ALL, OPS };

static const char *const op_name[OPS] = { "map", "unmap", "unmap-all" };

struct side {
	struct mockdma m;
	bool open;
};

FIXTURE(map) {
	struct side s[SIDES];
	uint8_t *buf;
	size_t buf_len;
	long hugepages_before;		/* -1: not changed */
};

FIXTURE_VARIANT(map) {
	bool huge;
	const char *backing;
};

FIXTURE_VARIANT_ADD(map, page_4k) { false, "4k" };
FIXTURE_VARIANT_ADD(map, hugetlb_2m) { true, "2M" };

/* size bytes of memory, faulted in: 4 KiB pages, or 2 MiB hugetlbfs pages */
static uint8_t *map_buffer(struct __test_metadata *_metadata,
			   FIXTURE_DATA(map) *self, bool huge, size_t size)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char want[24];
	void *p;

	if (huge) {
		self->hugepages_before = pci_topo_read_long(HUGEPAGES);
		if (self->hugepages_before < 0)
			SKIP(return NULL, "no %s: a kernel without hugetlbfs", HUGEPAGES);
		snprintf(want, sizeof(want), "%lu",
			 self->hugepages_before + size / HUGE_PAGE);
		ASSERT_EQ(0, pci_topo_write_file(HUGEPAGES, want));
		ASSERT_EQ(self->hugepages_before + (long)(size / HUGE_PAGE),
			  pci_topo_read_long(HUGEPAGES))
			TH_LOG("the kernel could not reserve %zu 2 MiB pages",
			       size / HUGE_PAGE);
		flags |= MAP_HUGETLB;	/* x86's default size: 2 MiB */
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap %zu bytes: %s", size, strerror(errno));
	/* 4k means 4 KiB pages: no transparent huge page under it */
	if (!huge)
		ASSERT_EQ(0, madvise(p, size, MADV_NOHUGEPAGE));
	memset(p, 0x5a, size);
	return p;
}

FIXTURE_SETUP(map)
{
	char why[256];
	int s, ret;

	self->hugepages_before = -1;
	for (s = 0; s < SIDES; s++) {
		ASSERT_EQ(0, vfio_lab_select_driver(side_driver[s]));
		ret = mockdma_open(&self->s[s].m, side_device[s], why, sizeof(why));
		if (ret == -ENODEV || ret == -ENOENT)
			SKIP(return, "%s: %s", side_driver[s], why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
		self->s[s].open = true;
	}
}

FIXTURE_TEARDOWN(map)
{
	char was[24];
	int s;

	for (s = 0; s < SIDES; s++)
		if (self->s[s].open)
			mockdma_close(&self->s[s].m);
	if (self->buf)
		munmap(self->buf, self->buf_len);
	if (self->hugepages_before >= 0) {
		snprintf(was, sizeof(was), "%ld", self->hugepages_before);
		pci_topo_write_file(HUGEPAGES, was);
	}
}

/* One timed measurement of one op on one side; -errno on a failed call */
static int timed(int container, int op, const uint8_t *buf, uint64_t size,
		 uint64_t step, double *ms)
{
	uint64_t off, unmapped = 0, total = 0;
	double t0 = lab_now_ms();
	int ret = 0;

	for (off = 0; off < size && !ret; off += step) {
		if (op == OP_MAP) {
			ret = vfio_lab_map(container, (uintptr_t)buf + off,
					   IOVA_BASE + off, step, VFIO_LAB_RW);
		} else if (op == OP_UNMAP) {
			ret = vfio_lab_unmap(container, IOVA_BASE + off, step, 0,
					     &unmapped);
			total += unmapped;
		} else {
			ret = vfio_lab_unmap(container, 0, 0,
					     VFIO_DMA_UNMAP_FLAG_ALL, &total);
			break;
		}
	}
	*ms = lab_now_ms() - t0;
	if (!ret && op != OP_MAP && total != size)
		return -ERANGE;
	return ret;
}

static void print_figures(const char *backing, uint64_t size, uint64_t calls,
			  int op, double ms[SIDES][MAX_ROUNDS], int rounds)
{
	double *v[SIDES] = { ms[VFIO_PCI], ms[UPCI] };
	char what[128];

	snprintf(what, sizeof(what), "dma-map backing=%s size=%luMiB calls=%llu op=%s",
		 backing, (unsigned long)(size / MIB), (unsigned long long)calls,
		 op_name[op]);
	print_spread(what, "ms", v, rounds);
}

/*
 * The IOMMU page size the device sees at the first, middle and last page
 * of the mapping: the smallest of the three.
 */
static void page_check(struct __test_metadata *_metadata, struct mockdma *m,
		       int s, uint64_t size, uint64_t *page)
{
	uint64_t at[3] = { 0, size / 2, size - PAGE }, got;
	int i, ret;

	*page = UINT64_MAX;
	for (i = 0; i < 3; i++) {
		ret = mockdma_iommu_page(m, IOVA_BASE + at[i], &got);
		ASSERT_EQ(0, ret) TH_LOG("%s: the device's TRANSLATE at IOVA 0x%llx: %s",
					 side_driver[s],
					 (unsigned long long)(IOVA_BASE + at[i]),
					 strerror(-ret));
		if (got < *page)
			*page = got;
	}
}

TEST_F_TIMEOUT(map, map_unmap, 1800)
{
	static double ms[OPS][SIDES][MAX_ROUNDS];
	int rounds = bench_rounds(_metadata);
	uint64_t max_mb = bench_knob(_metadata, "UPCILAB_BENCH_MAP_MAX_MB",
				     "upcilab.bench_map_max_mb=", MAX_MB, 64, MAX_MB);
	static const uint64_t sizes[] = { 64 * MIB, 1024 * MIB };
	uint64_t page[SIDES], size, step, calls;
	int z, one, r, i, s, c, op, ret;
	double untimed;

	ASSERT_TRUE(max_mb == 64 || max_mb == MAX_MB)
		TH_LOG("upcilab.bench_map_max_mb=%llu: 64 or %d",
		       (unsigned long long)max_mb, MAX_MB);
	/* one mapping per 4 KiB call: each driver's dma_entry_limit must allow them */
	for (s = 0; s < SIDES; s++) {
		char path[128];
		long limit;

		ASSERT_EQ(0, vfio_lab_select_driver(side_driver[s]));
		ASSERT_EQ(0, vfio_lab_entry_limit_path(path, sizeof(path)));
		limit = pci_topo_read_long(path);
		ASSERT_LE(0, limit) TH_LOG("%s: cannot read %s", side_driver[s], path);
		ASSERT_LE(max_mb * MIB / PAGE, (uint64_t)limit)
			TH_LOG("%s: %s is %ld, below the %llu mappings of the 4 KiB maps (the scenario's modparam raises it)",
			       side_driver[s], path, limit,
			       (unsigned long long)(max_mb * MIB / PAGE));
	}
	self->buf_len = max_mb * MIB;
	self->buf = map_buffer(_metadata, self, variant->huge, self->buf_len);

	for (z = 0; z < 2 && sizes[z] <= max_mb * MIB; z++) {
		size = sizes[z];
		for (one = 1; one >= 0; one--) {
			step = one ? size : PAGE;
			calls = size / step;
			for (r = 0; r < rounds; r++) {
				for (i = 0; i < SIDES; i++) {
					s = (r + i) % SIDES;
					c = self->s[s].m.dev.container;
					for (op = OP_MAP; op <= OP_UNMAP; op++) {
						if (op == OP_UNMAP && one && !r)
							page_check(_metadata, &self->s[s].m,
								   s, size, &page[s]);
						ret = timed(c, op, self->buf, size, step,
							    &ms[op][s][r]);
						ASSERT_EQ(0, ret)
							TH_LOG("%s: %s of %llu MiB in %llu calls: %s",
							       side_driver[s], op_name[op],
							       (unsigned long long)(size / MIB),
							       (unsigned long long)calls,
							       strerror(-ret));
					}
					if (one)
						continue;
					/* again, for UNMAP_ALL; its maps untimed */
					ret = timed(c, OP_MAP, self->buf, size, step, &untimed);
					ASSERT_EQ(0, ret) TH_LOG("%s: map: %s",
								 side_driver[s], strerror(-ret));
					ret = timed(c, OP_UNMAP_ALL, self->buf, size, step,
						    &ms[OP_UNMAP_ALL][s][r]);
					ASSERT_EQ(0, ret)
						TH_LOG("%s: unmap-all: %s", side_driver[s],
						       strerror(-ret));
				}
			}
			if (one) {
				ksft_print_msg("bench: dma-map-page backing=%s size=%luMiB iommu_page_kib vfio-pci=%llu upci=%llu\n",
					       variant->backing, (unsigned long)(size / MIB),
					       (unsigned long long)page[VFIO_PCI] / 1024,
					       (unsigned long long)page[UPCI] / 1024);
				/* 2 MiB pages wherever vfio-pci gets them */
				EXPECT_GE(page[UPCI], page[VFIO_PCI]);
			}
			for (op = OP_MAP; op < (one ? OP_UNMAP_ALL : OPS); op++)
				print_figures(variant->backing, size, calls, op,
					      ms[op], rounds);
		}
	}
	/*
	 * Without 2 MiB pages on vfio-pci the comparison above proves
	 * nothing (4 KiB memory may still come out physically contiguous:
	 * no figure is asserted for it)
	 */
	if (variant->huge)
		EXPECT_EQ(HUGE_PAGE, page[VFIO_PCI])
			TH_LOG("vfio-pci mapped hugetlbfs memory in %llu KiB IOMMU pages",
			       (unsigned long long)page[VFIO_PCI] / 1024);
}

/*
 * The floors under every 4 KiB-call figure, as many calls as the 4 KiB
 * unmaps make: VFIO_GET_API_VERSION on the container (the system call
 * and the file's ioctl, answered at once: op=ioctl-nothing), and an
 * UNMAP_DMA of a page where nothing is mapped (the backend's dispatch,
 * locks and lookup too; 0 bytes unmapped, success on both drivers:
 * op=unmap-nothing). What a one-page unmap costs above them is the
 * IOMMU's, the unpinning's and the accounting's.
 */
static int floor_calls(int container, bool unmap, uint64_t calls, double *ms)
{
	uint64_t unmapped = 0, n;
	double t0 = lab_now_ms();
	int ret = 0;

	for (n = 0; n < calls && !ret; n++) {
		if (unmap) {
			ret = vfio_lab_unmap(container, IOVA_BASE + n * PAGE, PAGE, 0,
					     &unmapped);
			if (!ret && unmapped)
				ret = -ERANGE;
		} else if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
			ret = errno ? -errno : -EPROTO;
		}
	}
	*ms = lab_now_ms() - t0;
	return ret;
}

TEST_F_TIMEOUT(map, ioctl_floor, 600)
{
	static const char *const what_op[2] = { "ioctl-nothing", "unmap-nothing" };
	static double ms[2][SIDES][MAX_ROUNDS];
	int rounds = bench_rounds(_metadata);
	uint64_t max_mb = bench_knob(_metadata, "UPCILAB_BENCH_MAP_MAX_MB",
				     "upcilab.bench_map_max_mb=", MAX_MB, 64, MAX_MB);
	uint64_t calls = max_mb * MIB / PAGE;
	char what[96];
	int r, i, s, k, ret;

	if (variant->huge)
		SKIP(return, "the floors map nothing: measured once, with page_4k");
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < SIDES; i++) {
			s = (r + i) % SIDES;
			for (k = 0; k < 2; k++) {
				ret = floor_calls(self->s[s].m.dev.container, k, calls,
						  &ms[k][s][r]);
				ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", side_driver[s],
							 what_op[k], strerror(-ret));
			}
		}
	}
	for (k = 0; k < 2; k++) {
		double *v[SIDES] = { ms[k][VFIO_PCI], ms[k][UPCI] };

		snprintf(what, sizeof(what), "dma-map backing=none size=%luMiB calls=%llu op=%s",
			 (unsigned long)max_mb, (unsigned long long)calls, what_op[k]);
		print_spread(what, "ms", v, rounds);
	}
}

/*
 * Where a map's and an unmap's time goes, from the function_graph tracer:
 * the share of each in the kernel functions the two drivers share with
 * the rest of the kernel.  Pinning: vfio_iommu_type1 pins with
 * pin_user_pages_remote(), upci with pin_user_pages_fast(); accounting:
 * both charge locked_vm through __account_locked_vm(); the IOMMU: the
 * vIOMMU driver's page-table work and its IOTLB flush (intel-iommu's;
 * other vIOMMUs leave those at 0); unpinning: vfio_iommu_type1 unpins page
 * by page, upci by runs.  None of these calls another, so each call is
 * one line of the trace.  The tracer slows what it traces: the shares are
 * of the traced call, timed in the same run.
 */
enum { C_PIN, C_ACCOUNT, C_IOMMU, C_FLUSH, C_UNPIN, COSTS };

static const char *const cost_name[COSTS] = {
	"pin", "account", "iommu", "iotlb_flush", "unpin",
};

static const struct { const char *fn; int cost; } cost_fns[] = {
	{ "pin_user_pages_remote", C_PIN },
	{ "pin_user_pages_fast", C_PIN },
	{ "__account_locked_vm", C_ACCOUNT },
	{ "intel_iommu_map_pages", C_IOMMU },
	{ "intel_iommu_unmap_pages", C_IOMMU },
	{ "intel_iommu_tlb_sync", C_FLUSH },
	{ "unpin_user_pages_dirty_lock", C_UNPIN },
	{ "unpin_user_page_range_dirty_lock", C_UNPIN },
	{ "unpin_user_folio", C_UNPIN },
	{ "unpin_user_pages", C_UNPIN },
};

#define COST_FNS (sizeof(cost_fns) / sizeof(cost_fns[0]))

TEST_F_TIMEOUT(map, cost, 600)
{
	static const uint64_t size = 64 * MIB;
	struct ftrace_fn fns[COST_FNS];
	double ms[OPS][SIDES], us[OPS][SIDES][COSTS] = { 0 };
	long calls[OPS][SIDES] = { 0 };
	char why[256], line[1024];
	int one, s, c, op, i, len, ret;

	for (i = 0; i < (int)COST_FNS; i++)
		fns[i] = (struct ftrace_fn){ .name = cost_fns[i].fn };
	self->buf_len = size;
	self->buf = map_buffer(_metadata, self, variant->huge, size);
	for (one = 1; one >= 0; one--) {
		memset(us, 0, sizeof(us));
		memset(calls, 0, sizeof(calls));
		for (s = 0; s < SIDES; s++) {
			c = self->s[s].m.dev.container;
			for (op = OP_MAP; op <= OP_UNMAP; op++) {
				ret = ftrace_time_start(fns, COST_FNS, why, sizeof(why));
				if (ret == -ENOENT || ret == -EINVAL)
					SKIP(return, "%s", why);
				ASSERT_EQ(0, ret) TH_LOG("%s", why);
				ret = timed(c, op, self->buf, size, one ? size : PAGE,
					    &ms[op][s]);
				ASSERT_EQ(0, ftrace_time_stop(fns, COST_FNS))
					TH_LOG("the trace buffer lost events");
				ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", side_driver[s],
							 op_name[op], strerror(-ret));
				for (i = 0; i < (int)COST_FNS; i++) {
					us[op][s][cost_fns[i].cost] += fns[i].us;
					calls[op][s] += fns[i].calls;
				}
				/* a map pins, an unmap unpins: none traced is a broken trace */
				ASSERT_LT(0, calls[op][s]) TH_LOG("%s: %s: no call traced",
								  side_driver[s], op_name[op]);
			}
		}
		for (op = OP_MAP; op <= OP_UNMAP; op++) {
			len = snprintf(line, sizeof(line),
				       "bench: dma-map-cost backing=%s size=%luMiB calls=%llu op=%s traced_ms vfio-pci=%.2f upci=%.2f ratio=%.2f",
				       variant->backing, (unsigned long)(size / MIB),
				       (unsigned long long)(one ? 1 : size / PAGE),
				       op_name[op], ms[op][VFIO_PCI], ms[op][UPCI],
				       ratio(ms[op][UPCI], ms[op][VFIO_PCI]));
			if (op == OP_MAP)
				len += snprintf(line + len, sizeof(line) - len,
						" pin_account_share vfio-pci=%.2f upci=%.2f",
						(us[op][VFIO_PCI][C_PIN] + us[op][VFIO_PCI][C_ACCOUNT]) /
						1e3 / ms[op][VFIO_PCI],
						(us[op][UPCI][C_PIN] + us[op][UPCI][C_ACCOUNT]) /
						1e3 / ms[op][UPCI]);
			for (i = 0; i < COSTS; i++) {
				if (!us[op][VFIO_PCI][i] && !us[op][UPCI][i])
					continue;
				len += snprintf(line + len, sizeof(line) - len,
						" %s_share vfio-pci=%.2f upci=%.2f", cost_name[i],
						us[op][VFIO_PCI][i] / 1e3 / ms[op][VFIO_PCI],
						us[op][UPCI][i] / 1e3 / ms[op][UPCI]);
			}
			ksft_print_msg("%s traced_calls vfio-pci=%ld upci=%ld\n", line,
				       calls[op][VFIO_PCI], calls[op][UPCI]);
		}
	}
}

LAB_HARNESS_MAIN
