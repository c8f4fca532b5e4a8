// SPDX-License-Identifier: GPL-2.0
/*
 * edu's DMA engine, programmed from user space through the device fd,
 * reaching memory through IOVAs the process mapped (issue 3, item 9).
 *
 * The positive half copies bytes RAM -> device -> RAM and checks them.
 * The negative half is the point of the IOMMU: a transfer to or from an
 * IOVA that is not mapped (or not mapped for writing) must leave memory
 * unchanged, and the guest kernel must log the IOMMU fault, naming the
 * device and the address.  Each such test uses its own IOVA, so a fault
 * line is matched to the test that caused it.  IOVAs stay under edu's
 * 28-bit DMA mask, and no transfer touches the last byte of edu's buffer
 * (QEMU 7.2 aborts on that; lib/edu.c refuses it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "iommu_fault.h"
#include "edu.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define IOVA_SRC	0x100000ul
#define IOVA_DST	0x200000ul
#define IOVA_BIG	0x300000ul	/* two pages */
/* One IOVA per fault test, never mapped by any other test. */
#define IOVA_STALE	0x5a000ul
#define IOVA_STALE_READ	0x6b000ul
#define IOVA_RDONLY	0x7c000ul
#define IOVA_ALLGONE	0x8d000ul
#define FAULT_WAIT_MS	2000

FIXTURE(edu_dma) {
	struct vfio_lab_dev dev;
	uint8_t *src, *dst, *big;	/* a page, a page, two pages */
};

FIXTURE_SETUP(edu_dma)
{
	char bdf[PCI_TOPO_BDF_SIZE];
	size_t i;

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_TRUE(edu_present(self->dev.fd));
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd,
					     PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	self->src = vfio_lab_buffer(4 * PAGE);
	ASSERT_NE(MAP_FAILED, self->src);
	self->dst = self->src + PAGE;
	self->big = self->src + 2 * PAGE;
	for (i = 0; i < PAGE; i++)
		self->src[i] = (uint8_t)(i * 7 + 3);
	memset(self->dst, 0xcc, PAGE);
	memset(self->big, 0xcc, 2 * PAGE);
	test_cmd_map(self->dev.container, self->src, IOVA_SRC, PAGE);
	test_cmd_map(self->dev.container, self->dst, IOVA_DST, PAGE);
}

FIXTURE_TEARDOWN(edu_dma)
{
	vfio_lab_close(&self->dev);
}

#define test_cmd_dma_from_ram(self, iova, off, n)			\
	ASSERT_EQ(0, edu_dma_from_ram((self)->dev.fd, iova, off, n))
#define test_cmd_dma_to_ram(self, off, iova, n)				\
	ASSERT_EQ(0, edu_dma_to_ram((self)->dev.fd, off, iova, n))

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return false;
	return true;
}

/* ---- blocked by the IOMMU, and logged ---- */

TEST_F(edu_dma, dma_to_unmapped_iova_is_blocked_and_logged)
{
	uint8_t *stale = self->big;
	int before;

	/* Mapped, then unmapped: its old memory must not be reachable. */
	test_cmd_map(self->dev.container, stale, IOVA_STALE, PAGE);
	test_cmd_unmap(self->dev.container, IOVA_STALE, PAGE, PAGE);
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 512);
	iommu_wait_log_budget();
	before = iommu_faults(self->dev.bdf, true, IOVA_STALE);
	ASSERT_LE(0, before) TH_LOG("cannot read the kernel log");
	test_cmd_dma_to_ram(self, 0, IOVA_STALE, 512);
	ASSERT_TRUE(all_bytes(stale, PAGE, 0xcc)) TH_LOG("the DMA reached unmapped memory");
	IOMMU_FAULT_REQUIRE_LOG(self->dev.bdf, true, IOVA_STALE);
	ASSERT_LT(before, iommu_wait_fault(self->dev.bdf, true, IOVA_STALE, before, FAULT_WAIT_MS))
		TH_LOG("no DMA write IOMMU fault for %s at 0x%lx in the kernel log",
		       self->dev.bdf, IOVA_STALE);
}

TEST_F(edu_dma, dma_from_unmapped_iova_is_blocked_and_logged)
{
	int before;

	/* The pattern was mapped there once: a stale translation would leak it. */
	test_cmd_map(self->dev.container, self->src, IOVA_STALE_READ, PAGE);
	test_cmd_unmap(self->dev.container, IOVA_STALE_READ, PAGE, PAGE);
	/* edu's buffer starts as 0xcc (from dst), then reads from nowhere. */
	test_cmd_dma_from_ram(self, IOVA_DST, 0, 256);
	iommu_wait_log_budget();
	before = iommu_faults(self->dev.bdf, false, IOVA_STALE_READ);
	ASSERT_LE(0, before);
	test_cmd_dma_from_ram(self, IOVA_STALE_READ, 0, 256);
	test_cmd_dma_to_ram(self, 0, IOVA_DST + 1024, 256);
	ASSERT_NE(0, memcmp(self->dst + 1024, self->src, 256))
		TH_LOG("the read from an unmapped IOVA returned the old memory");
	IOMMU_FAULT_REQUIRE_LOG(self->dev.bdf, false, IOVA_STALE_READ);
	ASSERT_LT(before, iommu_wait_fault(self->dev.bdf, false, IOVA_STALE_READ,
					      before, FAULT_WAIT_MS))
		TH_LOG("no DMA read IOMMU fault for %s at 0x%lx", self->dev.bdf,
		       IOVA_STALE_READ);
}

TEST_F(edu_dma, dma_to_read_only_mapping_is_blocked_and_logged)
{
	uint8_t *ro = self->big;
	int before;

	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)ro, IOVA_RDONLY,
				  PAGE, VFIO_DMA_MAP_FLAG_READ));
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 128);
	iommu_wait_log_budget();
	before = iommu_faults(self->dev.bdf, true, IOVA_RDONLY);
	test_cmd_dma_to_ram(self, 0, IOVA_RDONLY, 128);
	ASSERT_TRUE(all_bytes(ro, PAGE, 0xcc)) TH_LOG("the device wrote a read-only mapping");
	/* Reading it is allowed. */
	test_cmd_dma_from_ram(self, IOVA_RDONLY, 0, 128);
	IOMMU_FAULT_REQUIRE_LOG(self->dev.bdf, true, IOVA_RDONLY);
	ASSERT_LT(before, iommu_wait_fault(self->dev.bdf, true, IOVA_RDONLY, before, FAULT_WAIT_MS));
}

TEST_F(edu_dma, dma_after_unmap_all_is_blocked_and_logged)
{
	uint8_t *gone = self->big;
	int before;

	test_cmd_map(self->dev.container, gone, IOVA_ALLGONE, PAGE);
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 64);
	test_cmd_unmap_all(self->dev.container, 3 * PAGE);
	iommu_wait_log_budget();
	before = iommu_faults(self->dev.bdf, true, IOVA_ALLGONE);
	test_cmd_dma_to_ram(self, 0, IOVA_ALLGONE, 64);
	ASSERT_TRUE(all_bytes(gone, PAGE, 0xcc));
	IOMMU_FAULT_REQUIRE_LOG(self->dev.bdf, true, IOVA_ALLGONE);
	ASSERT_LT(before, iommu_wait_fault(self->dev.bdf, true, IOVA_ALLGONE, before, FAULT_WAIT_MS));
}

/* Bus master off: the device cannot issue the transfer at all. */
TEST_F(edu_dma, dma_with_bus_master_off_does_not_land)
{
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 64);
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, 0, PCI_COMMAND_MASTER));
	test_cmd_dma_to_ram(self, 0, IOVA_DST, 64);
	ASSERT_TRUE(all_bytes(self->dst, PAGE, 0xcc));
	/* Back on, the same transfer lands. */
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, PCI_COMMAND_MASTER, 0));
	test_cmd_dma_to_ram(self, 0, IOVA_DST, 64);
	ASSERT_EQ(0, memcmp(self->dst, self->src, 64));
}

/* ---- through the IOMMU to the right bytes ---- */

TEST_F(edu_dma, dma_round_trip_through_iovas)
{
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 2048);
	test_cmd_dma_to_ram(self, 0, IOVA_DST, 2048);
	ASSERT_EQ(0, memcmp(self->dst, self->src, 2048));
	ASSERT_TRUE(all_bytes(self->dst + 2048, PAGE - 2048, 0xcc))
		TH_LOG("the device wrote past the transfer");
}

TEST_F(edu_dma, dma_at_unaligned_offsets)
{
	test_cmd_dma_from_ram(self, IOVA_SRC + 0x123, 0x10, 300);
	test_cmd_dma_to_ram(self, 0x10, IOVA_DST + 0x801, 300);
	ASSERT_EQ(0, memcmp(self->dst + 0x801, self->src + 0x123, 300));
	ASSERT_TRUE(all_bytes(self->dst, 0x801, 0xcc));
	ASSERT_TRUE(all_bytes(self->dst + 0x801 + 300, PAGE - 0x801 - 300, 0xcc));
}

TEST_F(edu_dma, dma_across_a_page_boundary)
{
	test_cmd_map(self->dev.container, self->big, IOVA_BIG, 2 * PAGE);
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, EDU_DMA_USABLE);
	test_cmd_dma_to_ram(self, 0, IOVA_BIG + PAGE - 1000, 3000);
	ASSERT_EQ(0, memcmp(self->big + PAGE - 1000, self->src, 3000));
	ASSERT_TRUE(all_bytes(self->big, PAGE - 1000, 0xcc));
}

/* A new mapping at an old IOVA: the device reaches the new memory only. */
TEST_F(edu_dma, dma_follows_a_remapped_iova)
{
	uint8_t *old = self->big, *fresh = self->big + PAGE;

	test_cmd_map(self->dev.container, old, IOVA_BIG, PAGE);
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 64);
	test_cmd_dma_to_ram(self, 0, IOVA_BIG, 64);
	ASSERT_EQ(0, memcmp(old, self->src, 64));
	memset(old, 0xcc, 64);
	test_cmd_unmap(self->dev.container, IOVA_BIG, PAGE, PAGE);
	test_cmd_map(self->dev.container, fresh, IOVA_BIG, PAGE);
	test_cmd_dma_to_ram(self, 0, IOVA_BIG, 64);
	ASSERT_EQ(0, memcmp(fresh, self->src, 64));
	ASSERT_TRUE(all_bytes(old, PAGE, 0xcc)) TH_LOG("a stale translation was used");
}

TEST_F(edu_dma, dma_into_memory_mapped_at_two_iovas)
{
	test_cmd_map(self->dev.container, self->dst, IOVA_BIG, PAGE);
	test_cmd_dma_from_ram(self, IOVA_SRC, 0, 128);
	test_cmd_dma_to_ram(self, 0, IOVA_BIG + 128, 128);
	ASSERT_EQ(0, memcmp(self->dst + 128, self->src, 128));
	/* And read back through the other IOVA. */
	test_cmd_dma_from_ram(self, IOVA_DST + 128, 0x200, 128);
	test_cmd_dma_to_ram(self, 0x200, IOVA_DST + 512, 128);
	ASSERT_EQ(0, memcmp(self->dst + 512, self->src, 128));
}

LAB_HARNESS_MAIN
