// SPDX-License-Identifier: GPL-2.0
/*
 * The product in two DMAs (make run, default.scenario): user space owns a
 * mockdma through the VFIO API, maps its own memory for it, and the device
 * copies into that memory; then it aims at an IOVA that was unmapped just
 * before, and the IOMMU blocks it: the device reports the fault, the guest
 * logs the IOMMU's record, the page keeps its bytes, and upcilab repro's
 * fault report explains it ("unmapped-before").
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu_fault.h"
#include "mockdma.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "mockdma_log.h"

#define PAGE		4096ul
#define IOVA_RING	0x10000ul
#define IOVA_SRC	0x100000ul
#define IOVA_DST	0x200000ul
#define IOVA_GONE	0x5a000ul
#define FAULT_WAIT_MS	2000

FIXTURE(tour) {
	struct mockdma m;
	struct mockdma_ring ring;
	struct mockdma_buf src, dst;
};

FIXTURE_SETUP(tour)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];

	self->m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	REQUIRE_MOCKDMA("mdma0", bdf);
	ASSERT_EQ(0, mockdma_open_bdf(&self->m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 8, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->src, IOVA_SRC, PAGE, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->dst, IOVA_DST, PAGE, 0));
	snprintf((char *)self->src.va, PAGE, "hello from %s's memory, by DMA", vfio_lab_driver_name());
	memset(self->dst.va, 0xcc, PAGE);
}

FIXTURE_TEARDOWN(tour)
{
	mockdma_ring_free(&self->m, &self->ring);
	mockdma_buf_free(&self->m, &self->src);
	mockdma_buf_free(&self->m, &self->dst);
	mockdma_close(&self->m);
}

TEST_F(tour, a_dma_into_mapped_memory_lands)
{
	struct mockdma_desc d = mockdma_desc_copy(IOVA_SRC, IOVA_DST, PAGE, 0), out;

	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(0, memcmp(self->src.va, self->dst.va, PAGE));
	TH_LOG("%s copied IOVA 0x%lx to 0x%lx: \"%s\"", self->m.dev.bdf, IOVA_SRC,
	       IOVA_DST, (char *)self->dst.va);
}

TEST_F(tour, a_dma_to_an_iova_unmapped_before_is_blocked)
{
	struct mockdma_desc d = mockdma_desc_copy(IOVA_SRC, IOVA_GONE, PAGE, 0), out;
	struct mockdma_buf gone;
	int before;
	size_t kept = 0;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &gone, IOVA_GONE, PAGE, 0));
	memset(gone.va, 0xcc, PAGE);
	ASSERT_EQ(0, vfio_lab_unmap(self->m.dev.container, IOVA_GONE, PAGE, 0, NULL));
	gone.mapped = false;
	iommu_wait_log_budget();
	before = iommu_faults(self->m.dev.bdf, true, IOVA_GONE);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, mockdma_run(&self->m, &self->ring, &d, &out));
	EXPECT_EQ(MOCKDMA_ST_WRITE_FAULT, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(IOVA_GONE, out.fault_iova);
	for (size_t i = 0; i < PAGE; i++)
		kept += gone.va[i] == 0xcc;
	EXPECT_EQ(PAGE, kept) TH_LOG("the DMA reached the unmapped page");
	TH_LOG("%s's copy to 0x%lx was refused: the device reports %s at 0x%llx",
	       self->m.dev.bdf, IOVA_GONE, mockdma_status_name(out.status),
	       (unsigned long long)out.fault_iova);
	IOMMU_FAULT_REQUIRE_LOG_CAUSE(self->m.dev.bdf, true, IOVA_GONE, "unmapped-before");
	EXPECT_LT(before, iommu_wait_fault(self->m.dev.bdf, true, IOVA_GONE, before,
					   FAULT_WAIT_MS))
		TH_LOG("no IOMMU fault record for %s at 0x%lx", self->m.dev.bdf, IOVA_GONE);
	mockdma_buf_free(&self->m, &gone);
}

LAB_HARNESS_MAIN
