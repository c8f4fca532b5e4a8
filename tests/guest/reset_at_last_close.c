// SPDX-License-Identifier: GPL-2.0
/*
 * A device with no function reset (function 1 of two below a root port, so
 * not even a bus reset of its own): whatever its
 * user leaves in it must not reach the next owner.  At its last close the
 * driver resets its bus (vfio-pci: the dev_set reset; upci: the same, when
 * every device the reset reaches is upci's and closed).  mockdma's SCRATCH
 * register is cleared by every reset and RESET_COUNT / LAST_RESET say
 * which one came.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define SECRET	0x5ec2e7u

FIXTURE(close) {
	struct mockdma m;
	char bdf[PCI_TOPO_BDF_SIZE];
};

FIXTURE_SETUP(close)
{
	self->m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	REQUIRE_DEVICE("lc1", self->bdf);
}

FIXTURE_TEARDOWN(close)
{
	mockdma_close(&self->m);
}

static int reg(struct mockdma *m, uint32_t off, uint32_t *v)
{
	return mockdma_read32(m, off, v);
}

TEST_F(close, state_does_not_pass_to_the_next_owner)
{
	uint32_t count0 = 0, count = 0, scratch = 1, last = 0;
	char methods[128] = "", why[256];

	/* no function reset at all: not even "bus", since lc1 shares it */
	if (pci_topo_reset_methods(self->bdf, methods, sizeof(methods)))
		methods[0] = '\0';
	ASSERT_STREQ("", methods) TH_LOG("lc1 has a function reset");

	ASSERT_EQ(0, mockdma_open_bdf(&self->m, self->bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, reg(&self->m, MOCKDMA_REG_RESET_COUNT, &count0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SCRATCH, SECRET));
	ASSERT_EQ(0, reg(&self->m, MOCKDMA_REG_SCRATCH, &scratch));
	ASSERT_EQ(SECRET, scratch);
	mockdma_close(&self->m);

	ASSERT_EQ(0, mockdma_open_bdf(&self->m, self->bdf, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, reg(&self->m, MOCKDMA_REG_SCRATCH, &scratch));
	ASSERT_EQ(0, reg(&self->m, MOCKDMA_REG_RESET_COUNT, &count));
	ASSERT_EQ(0, reg(&self->m, MOCKDMA_REG_LAST_RESET, &last));
	printf("# %s: after close and open SCRATCH %#x, %u reset(s), the last %u\n",
	       vfio_lab_driver_name(), scratch, count - count0, last);
	EXPECT_EQ(0, scratch) TH_LOG("the last owner's value reached the next");
	EXPECT_LT(count0, count);
	EXPECT_EQ(MOCKDMA_RESET_BUS, last);
}

LAB_HARNESS_MAIN
