// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS argument checking on a
 * mockdma (issue 5, item 1): what each index reports against the device's
 * capabilities, every errno upstream VFIO answers for a malformed or
 * out-of-place request, and that only one of INTx, MSI and MSI-X is on at
 * a time.  The expected errnos are those of vfio_pci_core.c and
 * vfio_pci_intrs.c in Linux 6.12; the same binary runs on both drivers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define HDR		((uint32_t)sizeof(struct vfio_irq_set))
#define EFD_TRIGGER	(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER)
#define NONE_TRIGGER	(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)
#define INTX		VFIO_PCI_INTX_IRQ_INDEX
#define MSI		VFIO_PCI_MSI_IRQ_INDEX
#define MSIX		VFIO_PCI_MSIX_IRQ_INDEX
#define ERR		VFIO_PCI_ERR_IRQ_INDEX
#define REQ		VFIO_PCI_REQ_IRQ_INDEX

FIXTURE(uapi) {
	struct mockdma m;
	struct mockdma_props p;
	int fd;			/* the device fd */
	int32_t efd[8];
};

FIXTURE_SETUP(uapi)
{
	char why[256];
	int ret = irq_open(&self->m, "mdma0", why, sizeof(why));

	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_props_load("mdma0", &self->p, why, sizeof(why)));
	self->fd = self->m.dev.fd;
	ASSERT_EQ(0, irq_efds(self->efd, 8));
}

FIXTURE_TEARDOWN(uapi)
{
	irq_efds_close(self->efd, 8);
	mockdma_close(&self->m);
}

/* ---- GET_IRQ_INFO ---- */

TEST_F(uapi, device_info_has_five_irq_indexes)
{
	struct vfio_device_info info;

	ASSERT_EQ(0, vfio_lab_device_info(self->fd, &info));
	ASSERT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);
}

TEST_F(uapi, intx_info_maskable_automasked_one)
{
	struct vfio_irq_info i;

	ASSERT_EQ(0, irq_info(self->fd, INTX, &i));
	ASSERT_EQ(INTX, i.index);
	/* mockdma has an interrupt pin (INTA unless intx-pin says otherwise) */
	ASSERT_EQ(1, i.count);
	ASSERT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, i.flags);
}

TEST_F(uapi, msi_info_counts_the_capability_messages)
{
	struct vfio_irq_info i;

	ASSERT_EQ(0, irq_info(self->fd, MSI, &i));
	ASSERT_EQ(self->p.msi_vectors, i.count);
	/* MSI cannot grow while enabled: the capability is programmed once */
	ASSERT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, i.flags);
}

TEST_F(uapi, msix_info_counts_the_table_entries)
{
	struct vfio_irq_info i;

	ASSERT_EQ(0, irq_info(self->fd, MSIX, &i));
	ASSERT_EQ(self->p.vectors, i.count);
	ASSERT_TRUE(i.flags & VFIO_IRQ_INFO_EVENTFD);
	/* NORESIZE depends on dynamic MSI-X allocation; nothing else is set */
	ASSERT_EQ(0, i.flags & ~(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE));
	TH_LOG("MSI-X NORESIZE %s", i.flags & VFIO_IRQ_INFO_NORESIZE ? "set" : "clear");
}

TEST_F(uapi, err_and_req_info_one_eventfd_each)
{
	struct vfio_irq_info i;

	/* mockdma is PCI Express: ERR exists */
	ASSERT_EQ(0, irq_info(self->fd, ERR, &i));
	ASSERT_EQ(1, i.count);
	ASSERT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, i.flags);
	ASSERT_EQ(0, irq_info(self->fd, REQ, &i));
	ASSERT_EQ(1, i.count);
	ASSERT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, i.flags);
}

/* Counts follow the device's capabilities: mdma1 has other ones. */
TEST(irq_info_follows_the_capabilities)
{
	struct mockdma_props p;
	struct vfio_irq_info i;
	struct mockdma m;
	uint16_t msix_flags, msi_flags;
	char why[256];
	int ret = irq_open(&m, "mdma1", why, sizeof(why));

	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_props_load("mdma1", &p, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_raw_config_read(m.dev.bdf, MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS,
					     &msix_flags, 2));
	ASSERT_EQ(0, mockdma_raw_config_read(m.dev.bdf, MOCKDMA_CAP_MSI + PCI_MSI_FLAGS,
					     &msi_flags, 2));
	ASSERT_EQ(0, irq_info(m.dev.fd, MSIX, &i));
	ASSERT_EQ((msix_flags & PCI_MSIX_FLAGS_QSIZE) + 1u, i.count);
	ASSERT_EQ(p.vectors, i.count);
	ASSERT_EQ(0, irq_info(m.dev.fd, MSI, &i));
	ASSERT_EQ(1u << ((msi_flags & PCI_MSI_FLAGS_QMASK) >> 1), i.count);
	ASSERT_EQ(p.msi_vectors, i.count);
	ASSERT_EQ(0, irq_info(m.dev.fd, INTX, &i));
	ASSERT_EQ(1, i.count);
	ASSERT_EQ(0, irq_info(m.dev.fd, ERR, &i));
	ASSERT_EQ(1, i.count);
	/* and the last vector is usable, one past it is not */
	{
		int32_t efd = irq_efd();

		ASSERT_LE(0, efd);
		ASSERT_EQ(-EINVAL, irq_trigger_fds(m.dev.fd, MSIX, p.vectors, 1, &efd));
		ASSERT_EQ(0, irq_trigger_fds(m.dev.fd, MSIX, p.vectors - 1, 1, &efd));
		ASSERT_EQ(0, mockdma_write32(&m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
		ASSERT_EQ(0, mockdma_write32(&m, MOCKDMA_REG_SWINT, p.vectors - 1));
		ASSERT_EQ(1, irq_efd_wait(efd, 3000));
		irq_quiet(&m);
		close(efd);
	}
	mockdma_close(&m);
}

TEST_F(uapi, irq_info_bad_index_and_argsz)
{
	struct vfio_irq_info i = { .argsz = sizeof(i), .index = VFIO_PCI_NUM_IRQS };

	ASSERT_EQ(-1, ioctl(self->fd, VFIO_DEVICE_GET_IRQ_INFO, &i));
	ASSERT_EQ(EINVAL, errno);
	i = (struct vfio_irq_info){ .argsz = sizeof(i) - 1, .index = INTX };
	ASSERT_EQ(-1, ioctl(self->fd, VFIO_DEVICE_GET_IRQ_INFO, &i));
	ASSERT_EQ(EINVAL, errno);
	/* a larger argsz is fine */
	i = (struct vfio_irq_info){ .argsz = sizeof(i) + 64, .index = INTX };
	ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_GET_IRQ_INFO, &i));
	ASSERT_EQ(1, i.count);
}

/* ---- SET_IRQS: the header ---- */

TEST_F(uapi, set_irqs_argsz_below_header)
{
	/* minsz is offsetofend(count): 20 bytes */
	ASSERT_EQ(-EINVAL, irq_set_argsz(self->fd, HDR - 1, EFD_TRIGGER, INTX, 0,
					 1, self->efd, 4));
	ASSERT_EQ(-EINVAL, irq_set_argsz(self->fd, 0, NONE_TRIGGER, MSI, 0, 1,
					 NULL, 0));
}

TEST_F(uapi, set_irqs_eventfd_payload_short)
{
	/* two vectors, one fd's worth of payload */
	ASSERT_EQ(-EINVAL, irq_set_argsz(self->fd, HDR + 4, EFD_TRIGGER, MSIX, 0,
					 2, self->efd, 8));
	ASSERT_EQ(-EINVAL, irq_set_argsz(self->fd, HDR + 3, EFD_TRIGGER, INTX, 0,
					 1, self->efd, 4));
	/* and the exact size works */
	ASSERT_EQ(0, irq_set_argsz(self->fd, HDR + 8, EFD_TRIGGER, MSIX, 0, 2,
				   self->efd, 8));
	ASSERT_EQ(0, irq_disable(self->fd, MSIX));
}

TEST_F(uapi, set_irqs_bool_payload_short)
{
	uint8_t b[4] = { 1, 1, 1, 1 };

	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSIX, 0, 4, self->efd));
	ASSERT_EQ(-EINVAL, irq_set_argsz(self->fd, HDR + 2,
					 VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
					 MSIX, 0, 4, b, 4));
	ASSERT_EQ(0, irq_efd_take(self->efd[0])) TH_LOG("a refused request signalled");
}

TEST_F(uapi, set_irqs_two_data_types)
{
	ASSERT_EQ(-EINVAL, irq_set(self->fd, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER,
				   MSI, 0, 1, "\1", 1));
	ASSERT_EQ(-EINVAL, irq_set(self->fd, VFIO_IRQ_SET_DATA_BOOL |
				   VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				   INTX, 0, 1, self->efd, 4));
}

TEST_F(uapi, set_irqs_unknown_flag_bit)
{
	ASSERT_EQ(-EINVAL, irq_set(self->fd, EFD_TRIGGER | (1u << 6), INTX, 0, 1,
				   self->efd, 4));
	ASSERT_EQ(-EINVAL, irq_set(self->fd, EFD_TRIGGER | (1u << 31), MSIX, 0, 1,
				   self->efd, 4));
}

TEST_F(uapi, set_irqs_index_out_of_range)
{
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, VFIO_PCI_NUM_IRQS, 0, 1,
					   self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, 0xffffffffu, 0, 1, self->efd));
}

TEST_F(uapi, set_irqs_start_count_out_of_range)
{
	uint32_t n = self->p.vectors;

	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 0, 2, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 1, 1, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSI, self->p.msi_vectors, 1,
					   self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSIX, n - 1, 2, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSIX, n, 1, self->efd));
	/* start + count wrapping around 2^32 */
	ASSERT_EQ(-EINVAL, irq_set(self->fd, NONE_TRIGGER, MSIX, 1, 0xffffffffu,
				   NULL, 0));
	ASSERT_EQ(-EINVAL, irq_set(self->fd, NONE_TRIGGER, MSIX, 0xffffffffu, 1,
				   NULL, 0));
	/* ERR and REQ have one vector */
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, ERR, 0, 2, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, REQ, 1, 1, self->efd));
}

TEST_F(uapi, set_irqs_no_or_two_actions)
{
	/* a data type but no action: no handler, ENOTTY */
	ASSERT_EQ(-ENOTTY, irq_set(self->fd, VFIO_IRQ_SET_DATA_NONE, INTX, 0, 1,
				   NULL, 0));
	ASSERT_EQ(-ENOTTY, irq_set(self->fd, VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK,
				   INTX, 0, 1, NULL, 0));
	ASSERT_EQ(-ENOTTY, irq_set(self->fd, VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_TRIGGER,
				   MSIX, 0, 1, self->efd, 4));
}

TEST_F(uapi, set_irqs_mask_unmask_only_on_intx)
{
	/* no MSI/MSI-X masking through VFIO, none on ERR and REQ */
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, MSI, VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, MSI, VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, MSIX, VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, MSIX, VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, ERR, VFIO_IRQ_SET_ACTION_MASK, 0, 1));
	ASSERT_EQ(-ENOTTY, irq_action_none(self->fd, REQ, VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
}

TEST_F(uapi, set_irqs_eventfd_not_an_eventfd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int32_t fds[2] = { self->efd[0], null };

	ASSERT_LE(0, null);
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 0, 1, &null));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, ERR, 0, 1, &null));
	/* a bad second vector undoes the whole request: MSI-X stays off */
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSIX, 0, 2, fds));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd))
		TH_LOG("INTx refused: the failed MSI-X request left MSI-X on");
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
	close(null);
}

TEST_F(uapi, set_irqs_eventfd_closed_fd)
{
	int32_t bad = 999;

	ASSERT_EQ(-1, fcntl(bad, F_GETFD));
	ASSERT_EQ(-EBADF, irq_trigger_fds(self->fd, INTX, 0, 1, &bad));
	ASSERT_EQ(-EBADF, irq_trigger_fds(self->fd, MSI, 0, 1, &bad));
	ASSERT_EQ(-EBADF, irq_trigger_fds(self->fd, REQ, 0, 1, &bad));
}

TEST_F(uapi, set_irqs_disable_or_loopback_when_off)
{
	/* upstream answers EINVAL to disabling an index that is not on */
	ASSERT_EQ(-EINVAL, irq_disable(self->fd, INTX));
	ASSERT_EQ(-EINVAL, irq_disable(self->fd, MSI));
	ASSERT_EQ(-EINVAL, irq_disable(self->fd, MSIX));
	/* and to loopback on an index that is not on */
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, INTX, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, MSIX, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, ERR, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	/* INTx mask and unmask need INTx on */
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, INTX, VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, INTX, VFIO_IRQ_SET_ACTION_MASK, 0, 1));
}

TEST_F(uapi, msi_enable_with_no_vectors)
{
	/*
	 * DATA_EVENTFD with count 0 while off asks the PCI core for 0
	 * vectors (at least 1): upstream passes its ERANGE through.
	 */
	ASSERT_EQ(-ERANGE, irq_set(self->fd, EFD_TRIGGER, MSIX, 0, 0, NULL, 0));
	ASSERT_EQ(-ERANGE, irq_set(self->fd, EFD_TRIGGER, MSI, 0, 0, NULL, 0));
	/* and nothing was left on */
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd));
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
}

TEST_F(uapi, msix_enabled_with_fd_minus_one)
{
	int32_t none[2] = { -1, -1 };
	uint16_t flags;

	/* vectors allocated, none with an eventfd: MSI-X is on all the same */
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSIX, 0, 2, none));
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS,
					     &flags, 2));
	ASSERT_TRUE(flags & PCI_MSIX_FLAGS_ENABLE);
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd));
	/* loopback finds no eventfd to signal, and is not an error */
	ASSERT_EQ(0, irq_action_none(self->fd, MSIX, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 2));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSIX, 1, 1, self->efd + 1));
	ASSERT_EQ(0, irq_action_none(self->fd, MSIX, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 2));
	ASSERT_EQ(1, irq_efd_take(self->efd[1]));
	ASSERT_EQ(0, irq_disable(self->fd, MSIX));
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS,
					     &flags, 2));
	ASSERT_FALSE(flags & PCI_MSIX_FLAGS_ENABLE);
}

/* ---- only one of INTx, MSI and MSI-X ---- */

TEST_F(uapi, intx_excludes_msi_and_msix)
{
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSI, 0, 1, self->efd + 1));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSIX, 0, 1, self->efd + 1));
	ASSERT_EQ(-EINVAL, irq_disable(self->fd, MSI));
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSI, 0, 1, self->efd + 1));
	ASSERT_EQ(0, irq_disable(self->fd, MSI));
}

TEST_F(uapi, msi_excludes_intx_and_msix)
{
	/* one message: more need interrupt remapping on x86 */
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSI, 0, 1, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd + 2));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSIX, 0, 1, self->efd + 2));
	ASSERT_EQ(-EINVAL, irq_disable(self->fd, MSIX));
	ASSERT_EQ(0, irq_disable(self->fd, MSI));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSIX, 0, 1, self->efd + 2));
	ASSERT_EQ(0, irq_disable(self->fd, MSIX));
}

TEST_F(uapi, msix_excludes_intx_and_msi)
{
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSIX, 0, 3, self->efd));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd + 3));
	ASSERT_EQ(-EINVAL, irq_trigger_fds(self->fd, MSI, 0, 1, self->efd + 3));
	ASSERT_EQ(0, irq_disable(self->fd, MSIX));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, INTX, 0, 1, self->efd + 3));
	ASSERT_EQ(0, irq_disable(self->fd, INTX));
}

/* ---- ERR and REQ: one eventfd each, loopback, removal ---- */

static void single_loopback(struct __test_metadata *_metadata, int fd,
			    uint32_t index, int efd)
{
	uint8_t one = 1, zero = 0;

	ASSERT_EQ(0, irq_trigger_fds(fd, index, 0, 1, &efd));
	ASSERT_EQ(0, irq_action_none(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	ASSERT_EQ(1, irq_efd_take(efd));
	ASSERT_EQ(0, irq_action_bool(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &zero));
	ASSERT_EQ(0, irq_efd_take(efd));
	ASSERT_EQ(0, irq_action_bool(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &one));
	ASSERT_EQ(1, irq_efd_take(efd));
	/* DATA_NONE with count 0 removes the eventfd; loopback then has none */
	ASSERT_EQ(0, irq_disable(fd, index));
	ASSERT_EQ(-EINVAL, irq_action_none(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	ASSERT_EQ(0, irq_efd_take(efd));
	/* an fd below -1 is refused on both, and the eventfd stays */
	ASSERT_EQ(0, irq_trigger_fds(fd, index, 0, 1, &efd));
	for (int bad = -2, i = 0; i < 2; bad = INT32_MIN, i++)
		ASSERT_EQ(-EINVAL, irq_trigger_fds(fd, index, 0, 1, &bad));
	ASSERT_EQ(0, irq_action_none(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
	ASSERT_EQ(1, irq_efd_take(efd));
	ASSERT_EQ(0, irq_disable(fd, index));
	/* and fd -1 removes it too */
	ASSERT_EQ(0, irq_trigger_fds(fd, index, 0, 1, &efd));
	efd = -1;
	ASSERT_EQ(0, irq_trigger_fds(fd, index, 0, 1, &efd));
	ASSERT_EQ(-EINVAL, irq_action_none(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1));
}

TEST_F(uapi, err_eventfd_loopback_and_removal)
{
	single_loopback(_metadata, self->fd, ERR, self->efd[0]);
}

TEST_F(uapi, req_eventfd_loopback_and_removal)
{
	single_loopback(_metadata, self->fd, REQ, self->efd[1]);
}

LAB_HARNESS_MAIN
