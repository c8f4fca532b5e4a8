// SPDX-License-Identifier: GPL-2.0
/*
 * The type1 IOMMU backend: GET_INFO, MAP_DMA and UNMAP_DMA, in v1 and v2.
 *
 * Every test runs once per variant.  Most rules are shared; the unmap
 * rules are where the two differ: v1 forgives an unmap that cuts into a
 * mapping (it succeeds, unmapping the whole mapping if the cut covers its
 * first byte and nothing otherwise), v2 refuses it with -EINVAL.
 *
 * Uses edu0's group; shared_container also uses edu1 and edu DMA to show
 * that one container is one address space for all its groups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/pci_regs.h>

#include "edu.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define NPAGES		16
#define IOVA		0x100000ul	/* below edu's 28-bit DMA mask */
#define RESV_MAX	32

FIXTURE(type1) {
	struct vfio_lab_dev dev;
	char *buf;		/* NPAGES pages */
};

FIXTURE_VARIANT(type1) {
	unsigned long type;
	bool v2;
};

FIXTURE_VARIANT_ADD(type1, v1) {
	.type = VFIO_TYPE1_IOMMU,
	.v2 = false,
};

FIXTURE_VARIANT_ADD(type1, v2) {
	.type = VFIO_TYPE1v2_IOMMU,
	.v2 = true,
};

FIXTURE_SETUP(type1)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_attach(&self->dev, bdf, variant->type);
	self->buf = vfio_lab_buffer(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->buf);
}

FIXTURE_TEARDOWN(type1)
{
	vfio_lab_close(&self->dev);
}

static struct vfio_iommu_type1_info *get_info(struct __test_metadata *_metadata,
					      int container)
{
	struct vfio_iommu_type1_info *info = NULL;
	char why[256];
	int ret;

	ret = vfio_lab_iommu_info(container, &info);
	if (ret)
		TH_LOG("VFIO_IOMMU_GET_INFO: %s", strerror(-ret));
	if (!ret && vfio_lab_cap_chain_check(info, info->argsz, sizeof(*info),
					     info->cap_offset, why, sizeof(why)) < 0) {
		TH_LOG("malformed capability chain: %s", why);
		ret = -EINVAL;
	}
	if (ret) {
		free(info);
		return NULL;
	}
	return info;
}

static const struct vfio_iommu_type1_info_cap_iova_range *
iova_ranges(const struct vfio_iommu_type1_info *info)
{
	return (const void *)vfio_lab_cap_find(info, info->argsz, info->cap_offset,
					       VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
}

static long dma_avail(struct __test_metadata *_metadata, int container)
{
	const struct vfio_iommu_type1_info_dma_avail *cap;
	struct vfio_iommu_type1_info *info = get_info(_metadata, container);
	long avail = -1;

	if (!info)
		return -1;
	cap = (const void *)vfio_lab_cap_find(info, info->argsz, info->cap_offset,
					      VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	if (cap)
		avail = cap->avail;
	free(info);
	return avail;
}

/* The end of the last usable IOVA range (the aperture's end). */
static uint64_t iova_end(struct __test_metadata *_metadata, int container)
{
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	struct vfio_iommu_type1_info *info = get_info(_metadata, container);
	uint64_t end = 0;

	if (!info)
		return 0;
	r = iova_ranges(info);
	if (r && r->nr_iovas)
		end = r->iova_ranges[r->nr_iovas - 1].end;
	free(info);
	return end;
}

/* ---- GET_INFO: errors ---- */

TEST_F(type1, get_info_argsz_below_minimum_is_einval)
{
	struct vfio_iommu_type1_info info = { 0 };

	info.argsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes) +
		     sizeof(info.iova_pgsizes) - 1;
	ASSERT_EQ(-1, ioctl(self->dev.container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
	info.argsz = 0;
	ASSERT_EQ(-1, ioctl(self->dev.container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

/* ---- GET_INFO: the argsz protocol and the capabilities ---- */

TEST_F(type1, get_info_minimal_argsz_raises_argsz)
{
	struct vfio_iommu_type1_info info = { 0 };
	uint32_t minsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes) +
			 sizeof(info.iova_pgsizes);

	info.argsz = minsz;
	ASSERT_EQ(0, ioctl(self->dev.container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS, info.flags);
	ASSERT_LT(sizeof(info), info.argsz)
		TH_LOG("argsz %u was not raised to fit the capability chain",
		       info.argsz);
	ASSERT_EQ(0, info.cap_offset);
}

TEST_F(type1, get_info_without_room_for_chain_sets_caps_only)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->dev.container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_TRUE(info.flags & VFIO_IOMMU_INFO_CAPS);
	ASSERT_LT(sizeof(info), info.argsz);
	ASSERT_EQ(0, info.cap_offset) TH_LOG("a chain that does not fit has no offset");
}

TEST_F(type1, get_info_pgsizes_start_at_4k)
{
	struct vfio_iommu_type1_info *info = get_info(_metadata, self->dev.container);

	ASSERT_NE(NULL, info);
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	ASSERT_EQ(PAGE, info->iova_pgsizes & -info->iova_pgsizes)
		TH_LOG("iova_pgsizes 0x%llx: the smallest page is not 4 KiB",
		       (unsigned long long)info->iova_pgsizes);
	TH_LOG("iova_pgsizes 0x%llx", (unsigned long long)info->iova_pgsizes);
	free(info);
}

TEST_F(type1, get_info_chain_has_iova_range_and_dma_avail)
{
	struct vfio_iommu_type1_info *info = get_info(_metadata, self->dev.container);
	const struct vfio_info_cap_header *mig;
	bool want_mig;

	ASSERT_NE(NULL, info);
	ASSERT_EQ(sizeof(*info), info->cap_offset);
	ASSERT_NE(NULL, vfio_lab_cap_find(info, info->argsz, info->cap_offset,
					  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE));
	ASSERT_NE(NULL, vfio_lab_cap_find(info, info->argsz, info->cap_offset,
					  VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL));
	mig = vfio_lab_cap_find(info, info->argsz, info->cap_offset,
				VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION);
	want_mig = intended_difference(true, false,
		"upci has no dirty page tracking (VFIO_IOMMU_DIRTY_PAGES), so no MIGRATION capability");
	EXPECT_EQ(want_mig, mig != NULL);
	free(info);
}

static bool range_overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start,
			   uint64_t b_end)
{
	return a_start <= b_end && b_start <= a_end;
}

/* The ranges are the aperture minus every non-relaxable reserved region. */
TEST_F(type1, get_info_iova_ranges_exclude_reserved_regions)
{
	const struct vfio_iommu_type1_info_cap_iova_range *cap;
	struct vfio_lab_resv resv[RESV_MAX];
	struct vfio_iommu_type1_info *info;
	int nresv, i, j;
	uint32_t k;

	info = get_info(_metadata, self->dev.container);
	ASSERT_NE(NULL, info);
	cap = iova_ranges(info);
	ASSERT_NE(NULL, cap);
	ASSERT_LT(0, cap->nr_iovas);
	nresv = vfio_lab_group_resv_regions(self->dev.group_id, resv, RESV_MAX);
	ASSERT_LE(0, nresv);
	for (k = 0; k < cap->nr_iovas; k++)
		TH_LOG("iova range %u: 0x%llx-0x%llx", k,
		       (unsigned long long)cap->iova_ranges[k].start,
		       (unsigned long long)cap->iova_ranges[k].end);
	/* intel-iommu's aperture starts at 0 */
	EXPECT_EQ(0, cap->iova_ranges[0].start);
	for (k = 0; k < cap->nr_iovas; k++) {
		const struct vfio_iova_range *r = &cap->iova_ranges[k];

		EXPECT_LE(r->start, r->end);
		if (k)
			EXPECT_LT(cap->iova_ranges[k - 1].end + 1, r->start)
				TH_LOG("ranges %u and %u overlap, touch or are unsorted",
				       k - 1, k);
		for (i = 0; i < nresv; i++) {
			if (!strcmp(resv[i].type, "direct-relaxable"))
				continue;
			EXPECT_FALSE(range_overlaps(r->start, r->end, resv[i].start,
						    resv[i].end))
				TH_LOG("range 0x%llx-0x%llx overlaps reserved %s 0x%llx-0x%llx",
				       (unsigned long long)r->start,
				       (unsigned long long)r->end, resv[i].type,
				       (unsigned long long)resv[i].start,
				       (unsigned long long)resv[i].end);
		}
	}
	/* Every hole between two ranges is some reserved region. */
	for (k = 1; k < cap->nr_iovas; k++) {
		uint64_t hole = cap->iova_ranges[k - 1].end + 1;
		bool covered = false;

		for (j = 0; j < nresv; j++)
			covered |= resv[j].start <= hole && hole <= resv[j].end;
		EXPECT_TRUE(covered) TH_LOG("hole at 0x%llx is not a reserved region",
					    (unsigned long long)hole);
	}
	free(info);
}

#define DMA_ENTRY_LIMIT_DEFAULT	65535

/*
 * The limit a backend's module parameter should hold: the kernel command
 * line's MODULE.dma_entry_limit=N where the lab gives one (the sanitizer
 * run does: the init passes it to insmod), else the default
 */
static long cmdline_entry_limit(void)
{
	const char *key = vfio_lab_driver() == VFIO_LAB_UPCI ?
			  "upci.dma_entry_limit=" : "vfio_iommu_type1.dma_entry_limit=";
	char line[4096] = "", *at;
	long limit = DMA_ENTRY_LIMIT_DEFAULT;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	for (at = strstr(line, key); at; at = strstr(at + 1, key))
		if (at == line || at[-1] == ' ')
			limit = strtol(at + strlen(key), NULL, 10);
	return limit;
}

TEST_F(type1, get_info_dma_avail_counts_mappings)
{
	char path[256], text[32] = "";
	long avail, limit;
	FILE *f;

	ASSERT_EQ(0, vfio_lab_entry_limit_path(path, sizeof(path)));
	f = fopen(path, "re");
	ASSERT_NE(NULL, f) TH_LOG("no module parameter %s", path);
	ASSERT_NE(NULL, fgets(text, sizeof(text), f));
	fclose(f);
	limit = strtol(text, NULL, 10);
	EXPECT_EQ(cmdline_entry_limit(), limit)
		TH_LOG("%s is not the default or the kernel command line's", path);
	avail = dma_avail(_metadata, self->dev.container);
	ASSERT_EQ(limit, avail) TH_LOG("DMA_AVAIL of a fresh container is not %s", path);
	test_cmd_map(self->dev.container, self->buf, IOVA, PAGE);
	test_cmd_map(self->dev.container, self->buf + PAGE, IOVA + PAGE, PAGE);
	ASSERT_EQ(avail - 2, dma_avail(_metadata, self->dev.container));
	test_cmd_unmap(self->dev.container, IOVA, PAGE, PAGE);
	ASSERT_EQ(avail - 1, dma_avail(_metadata, self->dev.container));
	/* A failed map takes no entry. */
	test_err_map(EEXIST, self->dev.container, self->buf, IOVA + PAGE, PAGE);
	ASSERT_EQ(avail - 1, dma_avail(_metadata, self->dev.container));
}

/* ---- MAP_DMA: errors ---- */

TEST_F(type1, map_misaligned_iova_is_einval)
{
	test_err_map(EINVAL, self->dev.container, self->buf, IOVA + 1, PAGE);
	test_err_map(EINVAL, self->dev.container, self->buf, IOVA + PAGE / 2, PAGE);
}

TEST_F(type1, map_misaligned_vaddr_is_einval)
{
	test_err_map(EINVAL, self->dev.container, self->buf + 8, IOVA, PAGE);
}

TEST_F(type1, map_misaligned_size_is_einval)
{
	test_err_map(EINVAL, self->dev.container, self->buf, IOVA, PAGE + 1);
	test_err_map(EINVAL, self->dev.container, self->buf, IOVA, PAGE / 2);
}

TEST_F(type1, map_zero_size_is_einval)
{
	test_err_map(EINVAL, self->dev.container, self->buf, IOVA, 0);
}

TEST_F(type1, map_iova_wrap_is_einval)
{
	test_err_map(EINVAL, self->dev.container, self->buf, -2 * PAGE, 4 * PAGE);
}

TEST_F(type1, map_vaddr_wrap_is_einval)
{
	test_err_map(EINVAL, self->dev.container, -2 * PAGE, IOVA, 4 * PAGE);
}

/*
 * The address space's last page ends exactly at 2^64: no wrap by type1's
 * check, and no user memory there.  (Found by the differential fuzzer,
 * vfio_fuzz: upci passed pin_user_pages_fast()'s -EOVERFLOW through.)
 */
TEST_F(type1, map_last_page_of_the_address_space_is_efault)
{
	test_err_map(EFAULT, self->dev.container, -PAGE, IOVA, PAGE);
	test_err_map_flags(EFAULT, self->dev.container, -PAGE, IOVA, PAGE,
			   VFIO_DMA_MAP_FLAG_WRITE);
}

TEST_F(type1, map_without_read_or_write_is_einval)
{
	test_err_map_flags(EINVAL, self->dev.container, self->buf, IOVA, PAGE, 0);
}

TEST_F(type1, map_unknown_flag_is_einval)
{
	test_err_map_flags(EINVAL, self->dev.container, self->buf, IOVA, PAGE,
			   VFIO_LAB_RW | (1u << 7));
}

TEST_F(type1, map_outside_iova_ranges_is_einval)
{
	uint64_t end = iova_end(_metadata, self->dev.container);

	ASSERT_LT(IOVA, end);
	/* x86's MSI window is always reserved. */
	test_err_map(EINVAL, self->dev.container, self->buf, 0xfee00000ul, PAGE);
	test_err_map(EINVAL, self->dev.container, self->buf, 0xfee00000ul - PAGE,
		     2 * PAGE);
	/* amd-iommu's and virtio-iommu's apertures end at 2^64: nothing is past them */
	if (end == UINT64_MAX)
		SKIP(return, "the aperture ends at 2^64 - 1: no IOVA lies past it");
	/* Past the aperture, and straddling its end. */
	test_err_map(EINVAL, self->dev.container, self->buf, end + 1, PAGE);
	test_err_map(EINVAL, self->dev.container, self->buf, end + 1 - PAGE, 2 * PAGE);
	/* The last page of the aperture is fine. */
	test_cmd_map(self->dev.container, self->buf, end + 1 - PAGE, PAGE);
}

TEST_F(type1, map_overlap_is_eexist)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA + 2 * PAGE, 4 * PAGE);
	test_err_map(EEXIST, c, self->buf, IOVA + 2 * PAGE, 4 * PAGE);	/* same */
	test_err_map(EEXIST, c, self->buf, IOVA + 3 * PAGE, PAGE);	/* inside */
	test_err_map(EEXIST, c, self->buf, IOVA + PAGE, 2 * PAGE);	/* head */
	test_err_map(EEXIST, c, self->buf, IOVA + 5 * PAGE, 2 * PAGE);	/* tail */
	test_err_map(EEXIST, c, self->buf, IOVA, 8 * PAGE);		/* around */
}

TEST_F(type1, map_unbacked_vaddr_is_efault)
{
	char *hole = self->buf + 4 * PAGE;

	ASSERT_EQ(0, munmap(hole, PAGE));
	test_err_map(EFAULT, self->dev.container, hole, IOVA, PAGE);
	/* A range that runs into the hole fails as a whole. */
	test_err_map(EFAULT, self->dev.container, self->buf, IOVA, 8 * PAGE);
	test_cmd_map(self->dev.container, self->buf, IOVA, 4 * PAGE);
}

TEST_F(type1, map_writable_of_read_only_memory_is_efault)
{
	ASSERT_EQ(0, mprotect(self->buf, PAGE, PROT_READ));
	test_err_map(EFAULT, self->dev.container, self->buf, IOVA, PAGE);
	test_err_map_flags(EFAULT, self->dev.container, self->buf, IOVA, PAGE,
			   VFIO_DMA_MAP_FLAG_WRITE);
	/* The device may still read it. */
	test_err_map_flags(0, self->dev.container, self->buf, IOVA, PAGE,
			   VFIO_DMA_MAP_FLAG_READ);
}

/* Drop CAP_IPC_LOCK from this (test) process: RLIMIT_MEMLOCK applies. */
static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int limit_memlock(unsigned long bytes)
{
	struct rlimit rl = { bytes, bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

TEST_F(type1, map_over_memlock_limit_is_enomem)
{
	int c = self->dev.container;

	ASSERT_EQ(0, drop_cap_ipc_lock());
	ASSERT_EQ(0, limit_memlock(8 * PAGE));
	test_err_map(ENOMEM, c, self->buf, IOVA, 9 * PAGE);
	/* Exactly the limit is allowed; one page more is not. */
	test_cmd_map(c, self->buf, IOVA, 8 * PAGE);
	test_err_map(ENOMEM, c, self->buf + 8 * PAGE, IOVA + 8 * PAGE, PAGE);
	test_cmd_unmap(c, IOVA, 8 * PAGE, 8 * PAGE);
	test_cmd_map(c, self->buf + 8 * PAGE, IOVA + 8 * PAGE, PAGE);
}

TEST_F(type1, map_over_memlock_limit_with_cap_ipc_lock)
{
	ASSERT_EQ(0, limit_memlock(8 * PAGE));
	test_cmd_map(self->dev.container, self->buf, IOVA, NPAGES * PAGE);
}

/*
 * dma_entry_limit mappings fit, one more is -ENOSPC.  The limit is the
 * backend's module parameter (65535 by default); each mapping here is one
 * page, cycling over a few buffer pages, so it costs little memory.
 */
TEST_F_TIMEOUT(type1, map_entry_limit_is_enospc, 120)
{
	struct timespec t0, t1;
	long limit, i;
	int c = self->dev.container;

	limit = dma_avail(_metadata, c);
	ASSERT_LT(0, limit);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < limit; i++) {
		int ret = vfio_lab_map(c, (uintptr_t)(self->buf + (i % NPAGES) * PAGE),
				       IOVA + i * PAGE, PAGE, VFIO_LAB_RW);

		ASSERT_EQ(0, ret) TH_LOG("mapping %ld of %ld: %s", i, limit,
					 strerror(-ret));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%ld one-page mappings in %ld ms", limit,
	       (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	ASSERT_EQ(0, dma_avail(_metadata, c));
	test_err_map(ENOSPC, c, self->buf, IOVA + limit * PAGE, PAGE);
	test_cmd_unmap(c, IOVA, PAGE, PAGE);
	test_cmd_map(c, self->buf, IOVA + limit * PAGE, PAGE);
	test_err_map(ENOSPC, c, self->buf, IOVA + (limit + 1) * PAGE, PAGE);
	test_cmd_unmap_all(c, limit * PAGE);
}

/* ---- MAP_DMA: success ---- */

TEST_F(type1, map_read_only_and_write_only)
{
	test_err_map_flags(0, self->dev.container, self->buf, IOVA, PAGE,
			   VFIO_DMA_MAP_FLAG_READ);
	test_err_map_flags(0, self->dev.container, self->buf + PAGE, IOVA + PAGE,
			   PAGE, VFIO_DMA_MAP_FLAG_WRITE);
}

TEST_F(type1, map_adjacent_ranges)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 2 * PAGE);
	test_cmd_map(self->dev.container, self->buf + 2 * PAGE, IOVA + 2 * PAGE, PAGE);
	test_cmd_map(self->dev.container, self->buf + 3 * PAGE, IOVA - PAGE, PAGE);
}

TEST_F(type1, map_same_memory_at_two_iovas)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 2 * PAGE);
	test_cmd_map(self->dev.container, self->buf, IOVA + 0x100000, 2 * PAGE);
}

/* ---- UNMAP_DMA: errors ---- */

TEST_F(type1, unmap_misaligned_iova_is_einval)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, PAGE);
	test_err_unmap(EINVAL, self->dev.container, IOVA + 1, PAGE, 0);
}

TEST_F(type1, unmap_misaligned_size_is_einval)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, PAGE);
	test_err_unmap(EINVAL, self->dev.container, IOVA, PAGE - 1, 0);
}

TEST_F(type1, unmap_zero_size_is_einval)
{
	test_err_unmap(EINVAL, self->dev.container, IOVA, 0, 0);
}

TEST_F(type1, unmap_wrap_is_einval)
{
	test_err_unmap(EINVAL, self->dev.container, -2 * PAGE, 4 * PAGE, 0);
}

TEST_F(type1, unmap_all_with_a_range_is_einval)
{
	test_err_unmap(EINVAL, self->dev.container, IOVA, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	test_err_unmap(EINVAL, self->dev.container, 0, PAGE, VFIO_DMA_UNMAP_FLAG_ALL);
}

TEST_F(type1, unmap_unknown_flag_is_einval)
{
	test_err_unmap(EINVAL, self->dev.container, IOVA, PAGE, 1u << 7);
}

/* ---- UNMAP_DMA: sizes and the v1/v2 rules ---- */

TEST_F(type1, unmap_returns_size)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 4 * PAGE);
	test_cmd_unmap(self->dev.container, IOVA, 4 * PAGE, 4 * PAGE);
	/* Gone: the IOVA is free again. */
	test_cmd_map(self->dev.container, self->buf, IOVA, 4 * PAGE);
}

TEST_F(type1, unmap_of_nothing_returns_zero)
{
	test_cmd_unmap(self->dev.container, IOVA, 4 * PAGE, 0);
}

TEST_F(type1, unmap_spanning_mappings_returns_their_sum)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA + PAGE, 2 * PAGE);
	test_cmd_map(c, self->buf + 4 * PAGE, IOVA + 5 * PAGE, 3 * PAGE);
	/* Holes before, between and after are fine: nothing is bisected. */
	test_cmd_unmap(c, IOVA, 10 * PAGE, 5 * PAGE);
}

TEST_F(type1, unmap_bisecting_a_mapping_head)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA, 4 * PAGE);
	if (variant->v2) {
		test_err_unmap(EINVAL, c, IOVA, PAGE, 0);
		test_err_unmap(EINVAL, c, IOVA - PAGE, 2 * PAGE, 0);
		test_cmd_unmap(c, IOVA, 4 * PAGE, 4 * PAGE);
	} else {
		/* v1: covering the first byte unmaps the whole mapping */
		test_cmd_unmap(c, IOVA, PAGE, 4 * PAGE);
	}
	test_cmd_map(c, self->buf, IOVA, 4 * PAGE);
}

TEST_F(type1, unmap_bisecting_a_mapping_tail)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA, 4 * PAGE);
	if (variant->v2) {
		test_err_unmap(EINVAL, c, IOVA + 3 * PAGE, PAGE, 0);
		test_err_unmap(EINVAL, c, IOVA + 2 * PAGE, 4 * PAGE, 0);
	} else {
		/* v1: a cut that misses the first byte unmaps nothing */
		test_cmd_unmap(c, IOVA + 3 * PAGE, PAGE, 0);
		test_cmd_unmap(c, IOVA + 2 * PAGE, 4 * PAGE, 0);
	}
	/* Either way the mapping is still whole. */
	test_err_map(EEXIST, c, self->buf, IOVA + 3 * PAGE, PAGE);
	test_cmd_unmap(c, IOVA, 4 * PAGE, 4 * PAGE);
}

TEST_F(type1, unmap_all_returns_every_mapping)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA, 2 * PAGE);
	test_cmd_map(c, self->buf + 2 * PAGE, IOVA + 0x10000000ul, 3 * PAGE);
	test_cmd_map(c, self->buf + 5 * PAGE, 0x100000000ul, PAGE);
	test_cmd_unmap_all(c, 6 * PAGE);
	test_cmd_unmap_all(c, 0);
	test_cmd_map(c, self->buf, IOVA, 2 * PAGE);
}

/*
 * Several groups, one container: one address space.  A mapping made
 * before a group joins must be replayed into the new group's domain, and
 * one made after must reach every group.  Checked with edu0 and edu1
 * (two groups) both reading each mapping by DMA.
 */
FIXTURE(shared_container) {
	struct vfio_lab_dev a;		/* edu0, joins first */
	int b_group, b_fd;		/* edu1, joins after the first map */
	char *before, *after, *out;	/* a page each */
};

#define IOVA_BEFORE	0x200000ul
#define IOVA_AFTER	0x300000ul
#define IOVA_OUT	0x400000ul

FIXTURE_SETUP(shared_container)
{
	char a_bdf[PCI_TOPO_BDF_SIZE], b_bdf[PCI_TOPO_BDF_SIZE];
	int b_group_id;

	self->a.container = self->a.group = self->a.fd = -1;
	self->b_group = self->b_fd = -1;
	REQUIRE_DEVICE("edu0", a_bdf);
	REQUIRE_DEVICE("edu1", b_bdf);
	b_group_id = pci_topo_iommu_group(b_bdf);
	ASSERT_LE(0, b_group_id);
	ASSERT_NE(pci_topo_iommu_group(a_bdf), b_group_id)
		TH_LOG("edu0 and edu1 must be in different groups");
	self->before = vfio_lab_buffer(3 * PAGE);
	ASSERT_NE(MAP_FAILED, self->before);
	self->after = self->before + PAGE;
	self->out = self->before + 2 * PAGE;
	memset(self->before, 0xb0, PAGE);
	memset(self->after, 0xa0, PAGE);

	test_cmd_open_device(&self->a, a_bdf, VFIO_TYPE1v2_IOMMU);
	test_cmd_map(self->a.container, self->before, IOVA_BEFORE, PAGE);
	test_cmd_map(self->a.container, self->out, IOVA_OUT, PAGE);
	self->b_group = vfio_lab_open_group(b_group_id);
	ASSERT_LE(0, self->b_group);
	ASSERT_EQ(0, vfio_lab_set_container(self->b_group, self->a.container));
	test_cmd_map(self->a.container, self->after, IOVA_AFTER, PAGE);
	self->b_fd = vfio_lab_get_device_fd(self->b_group, b_bdf);
	ASSERT_LE(0, self->b_fd) TH_LOG("edu1: %s", strerror(-self->b_fd));
	ASSERT_TRUE(edu_present(self->a.fd));
	ASSERT_TRUE(edu_present(self->b_fd));
	ASSERT_EQ(0, vfio_lab_command_update(self->a.fd, PCI_COMMAND_MASTER, 0));
	ASSERT_EQ(0, vfio_lab_command_update(self->b_fd, PCI_COMMAND_MASTER, 0));
}

FIXTURE_TEARDOWN(shared_container)
{
	if (self->b_fd >= 0)
		close(self->b_fd);
	if (self->b_group >= 0)
		close(self->b_group);
	vfio_lab_close(&self->a);
}

/* Device reads 64 bytes at iova into its buffer, then writes them to out. */
static int copy_through(int device, uint64_t iova, uint32_t out_off)
{
	int ret = edu_dma_from_ram(device, iova, 0, 64);

	return ret ? ret : edu_dma_to_ram(device, 0, IOVA_OUT + out_off, 64);
}

TEST_F(shared_container, mapping_made_before_a_group_joins_reaches_it)
{
	ASSERT_EQ(0, copy_through(self->b_fd, IOVA_BEFORE, 0));
	ASSERT_EQ(0xb0, (uint8_t)self->out[0]);
	ASSERT_EQ(0xb0, (uint8_t)self->out[63]);
	ASSERT_EQ(0, copy_through(self->a.fd, IOVA_BEFORE, 64));
	ASSERT_EQ(0xb0, (uint8_t)self->out[64]);
}

TEST_F(shared_container, mapping_made_after_a_group_joins_reaches_all)
{
	ASSERT_EQ(0, copy_through(self->a.fd, IOVA_AFTER, 0));
	ASSERT_EQ(0xa0, (uint8_t)self->out[0]);
	ASSERT_EQ(0, copy_through(self->b_fd, IOVA_AFTER, 64));
	ASSERT_EQ(0xa0, (uint8_t)self->out[64]);
	ASSERT_EQ(0xa0, (uint8_t)self->out[127]);
}

TEST_F(shared_container, second_group_joins_without_set_iommu)
{
	uint32_t flags;

	ASSERT_EQ(0, vfio_lab_group_flags(self->b_group, &flags));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET, flags);
	/* The container already has its IOMMU: a second SET_IOMMU fails. */
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->a.container, VFIO_TYPE1v2_IOMMU));
}

LAB_HARNESS_MAIN
