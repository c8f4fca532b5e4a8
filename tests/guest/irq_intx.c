// SPDX-License-Identifier: GPL-2.0
/*
 * INTx through VFIO on a mockdma (issue 5, items 1 and 2): the trigger
 * eventfd fires on the device's interrupt (a SWINT write, a completed DMA
 * descriptor), the driver masks the line when it fires (AUTOMASKED) until
 * user space unmasks it, MASK and UNMASK with DATA_NONE and DATA_BOOL,
 * UNMASK by an eventfd the kernel watches, unmask re-signalling a still
 * pending interrupt, the virtual DisINTx bit of the command register, and
 * loopback.  "Not delivered" is checked by waiting QUIET_MS for nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define INTX		VFIO_PCI_INTX_IRQ_INDEX
#define SIGNAL_MS	3000	/* TCG: an interrupt arrives well within this */
#define QUIET_MS	300
#define UNMASK		VFIO_IRQ_SET_ACTION_UNMASK
#define MASK		VFIO_IRQ_SET_ACTION_MASK
#define TRIGGER		VFIO_IRQ_SET_ACTION_TRIGGER

FIXTURE(intx) {
	struct mockdma m;
	int fd;
	int32_t efd, efd2;
};

FIXTURE_SETUP(intx)
{
	char why[256];
	int ret = irq_open(&self->m, "mdma0", why, sizeof(why));

	self->efd = self->efd2 = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->fd = self->m.dev.fd;
	self->efd = irq_efd();
	self->efd2 = irq_efd();
	ASSERT_LE(0, self->efd);
	ASSERT_LE(0, self->efd2);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, &self->efd))
		TH_LOG("SET_IRQS INTx trigger: %s", strerror(errno));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE,
				     MOCKDMA_IRQ_SWINT | MOCKDMA_IRQ_DMA_DONE));
}

FIXTURE_TEARDOWN(intx)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	if (self->efd >= 0)
		close(self->efd);
	if (self->efd2 >= 0)
		close(self->efd2);
}

#define swint(self) ASSERT_EQ(0, mockdma_write32(&(self)->m, MOCKDMA_REG_SWINT, 0))
#define clear_status(self)						\
	ASSERT_EQ(0, mockdma_write32(&(self)->m, MOCKDMA_REG_IRQ_STATUS, ~0u))
#define expect_signal(efd)						\
	ASSERT_LE(1, irq_efd_wait(efd, SIGNAL_MS)) TH_LOG("no INTx signal")
#define expect_quiet(efd)						\
	ASSERT_EQ(0, irq_efd_wait(efd, QUIET_MS)) TH_LOG("signalled while masked")
#define unmask_none(self)						\
	ASSERT_EQ(0, irq_action_none((self)->fd, INTX, UNMASK, 0, 1))

static uint32_t reg(struct __test_metadata *_metadata, struct mockdma *m,
		    uint32_t off)
{
	uint32_t v = 0;

	EXPECT_EQ(0, mockdma_read32(m, off, &v));
	return v;
}

TEST_F(intx, fires_on_swint)
{
	uint32_t edges = reg(_metadata, &self->m, MOCKDMA_REG_INTX_COUNT);

	swint(self);
	ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("no INTx signal");
	ASSERT_TRUE(reg(_metadata, &self->m, MOCKDMA_REG_IRQ_STATUS) & MOCKDMA_IRQ_SWINT);
	ASSERT_EQ(edges + 1, reg(_metadata, &self->m, MOCKDMA_REG_INTX_COUNT));
}

TEST_F(intx, fires_on_dma_done)
{
	struct mockdma_ring ring;
	struct mockdma_buf buf;
	struct mockdma_desc d, out;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &buf, 0x200000, 4096, 0));
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &ring, 0x100000, 16, 0));
	d = mockdma_desc_fill(0x200000, 0x5a5a5a5a5a5a5a5aull, 4096, MOCKDMA_F_IRQ);
	ASSERT_EQ(0, mockdma_run(&self->m, &ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status);
	expect_signal(self->efd);
	ASSERT_TRUE(reg(_metadata, &self->m, MOCKDMA_REG_IRQ_STATUS) & MOCKDMA_IRQ_DMA_DONE);
	ASSERT_EQ(0x5a, buf.va[4095]);
	mockdma_ring_free(&self->m, &ring);
	mockdma_buf_free(&self->m, &buf);
}

TEST_F(intx, automasked_until_unmask)
{
	swint(self);
	expect_signal(self->efd);
	/* serviced, but not unmasked: the next interrupt waits */
	clear_status(self);
	swint(self);
	expect_quiet(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
	/* and again, to show it is per event */
	clear_status(self);
	unmask_none(self);
	swint(self);
	expect_signal(self->efd);
}

TEST_F(intx, unmask_resignals_while_pending)
{
	swint(self);
	expect_signal(self->efd);
	/* not serviced: the line is still asserted when unmasked */
	unmask_none(self);
	expect_signal(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
	/* serviced: unmask is quiet */
	clear_status(self);
	unmask_none(self);
	expect_quiet(self->efd);
}

TEST_F(intx, mask_and_unmask_data_none)
{
	ASSERT_EQ(0, irq_action_none(self->fd, INTX, MASK, 0, 1));
	swint(self);
	expect_quiet(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
	/* masking twice and unmasking once unmasks */
	clear_status(self);
	unmask_none(self);
	ASSERT_EQ(0, irq_action_none(self->fd, INTX, MASK, 0, 1));
	ASSERT_EQ(0, irq_action_none(self->fd, INTX, MASK, 0, 1));
	swint(self);
	expect_quiet(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
}

TEST_F(intx, mask_and_unmask_data_bool)
{
	uint8_t zero = 0, one = 1;

	/* false does nothing */
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, MASK, 0, 1, &zero));
	swint(self);
	expect_signal(self->efd);
	clear_status(self);
	unmask_none(self);
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, MASK, 0, 1, &one));
	swint(self);
	expect_quiet(self->efd);
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, UNMASK, 0, 1, &zero));
	expect_quiet(self->efd);
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, UNMASK, 0, 1, &one));
	expect_signal(self->efd);
}

TEST_F(intx, mask_by_eventfd_is_not_supported)
{
	ASSERT_EQ(-ENOTTY, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD | MASK, INTX,
				   0, 1, &self->efd2, 4));
}

TEST_F(intx, unmask_by_eventfd)
{
	int32_t none = -1;

	ASSERT_EQ(0, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD | UNMASK, INTX, 0,
			     1, &self->efd2, 4));
	swint(self);
	expect_signal(self->efd);
	clear_status(self);
	swint(self);
	expect_quiet(self->efd);
	/* a write to the unmask eventfd unmasks, and the pending one fires */
	ASSERT_EQ(0, irq_efd_signal(self->efd2));
	expect_signal(self->efd);
	clear_status(self);
	ASSERT_EQ(0, irq_efd_signal(self->efd2));
	usleep(QUIET_MS * 1000);
	swint(self);
	expect_signal(self->efd);
	/* fd -1 stops watching it */
	ASSERT_EQ(0, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD | UNMASK, INTX, 0,
			     1, &none, 4));
	clear_status(self);
	swint(self);
	expect_quiet(self->efd);
	ASSERT_EQ(0, irq_efd_signal(self->efd2));
	expect_quiet(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
}

TEST_F(intx, unmask_eventfd_dropped_with_intx)
{
	ASSERT_EQ(0, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD | UNMASK, INTX, 0,
			     1, &self->efd2, 4));
	swint(self);
	expect_signal(self->efd);
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
	/* nothing watches it any more */
	ASSERT_EQ(0, irq_efd_signal(self->efd2));
	expect_quiet(self->efd);
	/* INTx again, without an unmask eventfd: a write to it does nothing */
	clear_status(self);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, &self->efd));
	swint(self);
	expect_signal(self->efd);
	clear_status(self);
	swint(self);
	ASSERT_EQ(0, irq_efd_signal(self->efd2));
	expect_quiet(self->efd);
	unmask_none(self);
	expect_signal(self->efd);
}

TEST_F(intx, virtual_disintx_masks_and_unmasks)
{
	uint64_t cmd;

	ASSERT_EQ(0, vfio_lab_command_update(self->fd, PCI_COMMAND_INTX_DISABLE, 0));
	test_cmd_config_read(self->fd, PCI_COMMAND, 2, &cmd);
	ASSERT_TRUE(cmd & PCI_COMMAND_INTX_DISABLE) TH_LOG("DisINTx does not read back");
	swint(self);
	expect_quiet(self->efd);
	/* UNMASK does not override the guest's DisINTx */
	unmask_none(self);
	expect_quiet(self->efd);
	ASSERT_EQ(0, vfio_lab_command_update(self->fd, 0, PCI_COMMAND_INTX_DISABLE));
	expect_signal(self->efd);
	test_cmd_config_read(self->fd, PCI_COMMAND, 2, &cmd);
	ASSERT_FALSE(cmd & PCI_COMMAND_INTX_DISABLE);
}

TEST_F(intx, loopback_none_and_bool)
{
	uint8_t zero = 0, one = 1;

	ASSERT_EQ(0, irq_action_none(self->fd, INTX, TRIGGER, 0, 1));
	ASSERT_EQ(1, irq_efd_take(self->efd));
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, TRIGGER, 0, 1, &zero));
	ASSERT_EQ(0, irq_efd_take(self->efd));
	ASSERT_EQ(0, irq_action_bool(self->fd, INTX, TRIGGER, 0, 1, &one));
	ASSERT_EQ(1, irq_efd_take(self->efd));
}

TEST_F(intx, trigger_eventfd_replaced)
{
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, &self->efd2));
	swint(self);
	expect_signal(self->efd2);
	ASSERT_EQ(0, irq_efd_take(self->efd)) TH_LOG("the old eventfd still fires");
}

/*
 * Replaced while an unmask eventfd is watched (the driver waits for the
 * unmask work in flight before it lets the old trigger go): the new
 * eventfd gets the interrupts, the old one none, and the unmask eventfd
 * still unmasks, now signalling the new one.
 */
TEST_F(intx, trigger_replaced_with_unmask_eventfd)
{
	int32_t unmask = irq_efd();

	ASSERT_LE(0, unmask);
	ASSERT_EQ(0, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD | UNMASK, INTX, 0,
			     1, &unmask, 4));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, &self->efd2))
		TH_LOG("SET_IRQS INTx trigger, replacing: %s", strerror(errno));
	swint(self);
	expect_signal(self->efd2);
	/* serviced; masked until the unmask eventfd says so */
	clear_status(self);
	swint(self);
	expect_quiet(self->efd2);
	ASSERT_EQ(0, irq_efd_signal(unmask));
	expect_signal(self->efd2);
	ASSERT_EQ(0, irq_efd_take(self->efd)) TH_LOG("the old eventfd still fires");
	close(unmask);
}

TEST_F(intx, disabled_delivers_nothing)
{
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
	swint(self);
	expect_quiet(self->efd);
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, INTX, UNMASK, 0, 1));
	/* enabled again, it delivers */
	clear_status(self);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, &self->efd));
	swint(self);
	expect_signal(self->efd);
}

LAB_HARNESS_MAIN
