// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts on QEMU's edu (issue 5, item 5), a conventional PCI device
 * with INTx and one MSI message and nothing else: no MSI-X, no PCIe (so
 * no AER, hence no ERR interrupt), no reset method.  edu raises its
 * interrupt when IRQ_RAISE is written (or a DMA with EDU_DMA_IRQ ends)
 * and, on INTx, keeps the line asserted until IRQ_STATUS is acknowledged
 * to zero; on MSI it sends a message per raise.  The same binary runs
 * against vfio-pci and upci (irq.scenario, device edu0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "edu.h"
#include "irq_lab.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define SIGNAL_MS	2000
#define QUIET_MS	200
#define IOVA_BUF	0x100000ul

FIXTURE(edu) {
	struct vfio_lab_dev dev;
	int32_t efd;
};

FIXTURE_SETUP(edu)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	self->efd = -1;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_TRUE(edu_present(self->dev.fd));
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd,
					     PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0));
	/* edu has no reset method: clear what an earlier test left */
	ASSERT_EQ(0, edu_write32(self->dev.fd, EDU_REG_IRQ_ACK, ~0u));
	self->efd = irq_efd();
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(edu)
{
	if (self->dev.fd >= 0)
		edu_write32(self->dev.fd, EDU_REG_IRQ_ACK, ~0u);
	vfio_lab_close(&self->dev);
	if (self->efd >= 0)
		close(self->efd);
}

static void info_is(struct __test_metadata *_metadata, int fd, uint32_t index,
		    uint32_t count, uint32_t flags)
{
	struct vfio_irq_info info;

	ASSERT_EQ(0, irq_info(fd, index, &info));
	EXPECT_EQ(count, info.count) TH_LOG("index %u", index);
	if (count)
		EXPECT_EQ(flags, info.flags) TH_LOG("index %u", index);
}

TEST_F(edu, irq_info_follows_the_capabilities)
{
	struct vfio_irq_info info;

	info_is(_metadata, self->dev.fd, VFIO_PCI_INTX_IRQ_INDEX, 1,
		VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		VFIO_IRQ_INFO_AUTOMASKED);
	info_is(_metadata, self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX, 1,
		VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	info_is(_metadata, self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0);
	/* not PCIe: no AER, so the ERR index does not exist (VFIO: EINVAL) */
	EXPECT_EQ(-EINVAL, irq_info(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX, &info));
	info_is(_metadata, self->dev.fd, VFIO_PCI_REQ_IRQ_INDEX, 1,
		VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
}

TEST_F(edu, more_vectors_than_the_device_has_are_einval)
{
	int32_t fds[2] = { self->efd, self->efd };

	EXPECT_EQ(-EINVAL, irq_trigger_fds(self->dev.fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, fds));
	EXPECT_EQ(-EINVAL, irq_trigger_fds(self->dev.fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fds));
	EXPECT_EQ(-EINVAL, irq_trigger_fds(self->dev.fd, VFIO_PCI_ERR_IRQ_INDEX, 0, 1, fds));
}

/*
 * INTx is masked by the kernel when it fires; the line stays asserted
 * until acknowledged.  A raise while masked is not delivered; the unmask
 * that finds it pending signals again.
 */
TEST_F(edu, intx_fires_automasks_and_resignals_on_unmask)
{
	int fd = self->dev.fd;

	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &self->efd));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_RAISE, 0x1));
	ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("INTx not delivered");
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_ACK, 0x1));
	/* masked: another raise stays pending */
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_RAISE, 0x2));
	EXPECT_EQ(0, irq_efd_wait(self->efd, QUIET_MS)) TH_LOG("delivered while automasked");
	ASSERT_EQ(0, irq_action_none(fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	EXPECT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("pending INTx not re-signalled");
	/* acknowledged and unmasked: quiet */
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_ACK, ~0u));
	ASSERT_EQ(0, irq_action_none(fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	EXPECT_EQ(0, irq_efd_wait(self->efd, QUIET_MS));
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_INTX_IRQ_INDEX));
}

TEST_F(edu, intx_user_mask_holds_it_until_unmask)
{
	int fd = self->dev.fd;

	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &self->efd));
	ASSERT_EQ(0, irq_action_none(fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_RAISE, 0x4));
	EXPECT_EQ(0, irq_efd_wait(self->efd, QUIET_MS)) TH_LOG("delivered while masked");
	ASSERT_EQ(0, irq_action_none(fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	EXPECT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("lost while masked");
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_INTX_IRQ_INDEX));
}

/* edu sends one MSI message per raise while IRQ_STATUS is not zero. */
TEST_F(edu, msi_fires_on_every_raise)
{
	int fd = self->dev.fd, i;

	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &self->efd));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_RAISE, 0x1));
		ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("raise %d", i);
		ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_ACK, 0x1));
	}
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_MSI_IRQ_INDEX));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_IRQ_RAISE, 0x1));
	EXPECT_EQ(0, irq_efd_wait(self->efd, QUIET_MS)) TH_LOG("delivered after disable");
}

/* A DMA with EDU_DMA_IRQ raises IRQ_STATUS 0x100 when it ends. */
TEST_F(edu, dma_completion_interrupt)
{
	int fd = self->dev.fd;
	uint32_t st = 0;
	uint8_t *buf = vfio_lab_buffer(4096);

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_map(self->dev.container, buf, IOVA_BUF, 4096);
	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &self->efd));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_DMA_SRC, IOVA_BUF));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_DMA_DST, EDU_DMA_BUF));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_DMA_COUNT, 64));
	ASSERT_EQ(0, edu_write32(fd, EDU_REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_IRQ));
	EXPECT_EQ(1, irq_efd_wait(self->efd, EDU_DMA_TIMEOUT_MS)) TH_LOG("no completion interrupt");
	ASSERT_EQ(0, edu_read32(fd, EDU_REG_IRQ_STATUS, &st));
	EXPECT_EQ(0x100, st);
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_MSI_IRQ_INDEX));
}

/* Switching INTx to MSI needs INTx off first, as VFIO. */
TEST_F(edu, one_index_at_a_time)
{
	int fd = self->dev.fd;

	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &self->efd));
	EXPECT_EQ(-EINVAL, irq_trigger_fds(fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &self->efd));
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_INTX_IRQ_INDEX));
	ASSERT_EQ(0, irq_trigger_fds(fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &self->efd));
	EXPECT_EQ(-EINVAL, irq_trigger_fds(fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &self->efd));
	ASSERT_EQ(0, irq_disable(fd, VFIO_PCI_MSI_IRQ_INDEX));
}

/* No reset method: DEVICE_RESET refuses, and GET_INFO does not offer it. */
TEST_F(edu, no_reset_method)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(0, info.flags & VFIO_DEVICE_FLAGS_RESET);
	EXPECT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
}

LAB_HARNESS_MAIN
