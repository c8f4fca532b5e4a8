// SPDX-License-Identifier: GPL-2.0
/*
 * MSI and MSI-X through VFIO on a mockdma (issue 5, items 1 and 3): one
 * eventfd per vector, and SWINT on vector v fires eventfd v and no other
 * (checked against the device's own IRQ_COUNT); a DMA completion on the
 * descriptor's vector; loopback with DATA_NONE and DATA_BOOL; disabling;
 * VFIO's resizing rules; detaching one vector; and config-space writes
 * that cannot turn MSI or MSI-X on or off behind the driver's back
 * (the hardware's view is read from sysfs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"
#include "viommu.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define MSI		VFIO_PCI_MSI_IRQ_INDEX
#define MSIX		VFIO_PCI_MSIX_IRQ_INDEX
#define TRIGGER		VFIO_IRQ_SET_ACTION_TRIGGER
#define SIGNAL_MS	3000
#define QUIET_MS	200
#define NFD		16

FIXTURE(msi) {
	struct mockdma m;
	struct mockdma_props p;
	int fd;
	int32_t efd[NFD];
};

FIXTURE_VARIANT(msi) {
	uint32_t index;
};

FIXTURE_VARIANT_ADD(msi, msi) { .index = MSI };
FIXTURE_VARIANT_ADD(msi, msix) { .index = MSIX };

static uint32_t nvec(FIXTURE_DATA(msi) *self, const FIXTURE_VARIANT(msi) *variant);

FIXTURE_SETUP(msi)
{
	const char *refused;
	struct viommu vi;
	char why[256];
	int ret = irq_open(&self->m, "mdma0", why, sizeof(why)), i;

	for (i = 0; i < NFD; i++)
		self->efd[i] = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_props_load("mdma0", &self->p, why, sizeof(why)));
	ASSERT_EQ(0, viommu_get(&vi, why, sizeof(why))) TH_LOG("%s", why);
	refused = viommu_multi_msi_refused(&vi, nvec(self, variant));
	if (refused)
		SKIP(return, "%u messages: %s", nvec(self, variant), refused);
	self->fd = self->m.dev.fd;
	ASSERT_EQ(0, irq_efds(self->efd, NFD));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE,
				     MOCKDMA_IRQ_SWINT | MOCKDMA_IRQ_DMA_DONE));
}

FIXTURE_TEARDOWN(msi)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	irq_efds_close(self->efd, NFD);
}

static uint32_t nvec(FIXTURE_DATA(msi) *self, const FIXTURE_VARIANT(msi) *variant)
{
	return variant->index == MSI ? self->p.msi_vectors : self->p.vectors;
}

/* The hardware's enable bit of the variant's capability (sysfs config). */
static int hw_enabled(FIXTURE_DATA(msi) *self, const FIXTURE_VARIANT(msi) *variant)
{
	uint16_t flags;
	unsigned int off = variant->index == MSI ? MOCKDMA_CAP_MSI + PCI_MSI_FLAGS :
						   MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS;
	int ret = mockdma_raw_config_read(self->m.dev.bdf, off, &flags, 2);

	if (ret)
		return ret;
	return !!(flags & (variant->index == MSI ? PCI_MSI_FLAGS_ENABLE :
						   PCI_MSIX_FLAGS_ENABLE));
}

#define swint(self, v)							\
	ASSERT_EQ(0, mockdma_write32(&(self)->m, MOCKDMA_REG_SWINT, v))

/* SWINT v: eventfd v once, every other eventfd of the n quiet. */
static void routed(struct __test_metadata *_metadata, FIXTURE_DATA(msi) *self,
		   uint32_t v, uint32_t n)
{
	uint32_t before, after, i;

	ASSERT_EQ(0, mockdma_irq_count(&self->m, v, &before));
	swint(self, v);
	ASSERT_EQ(1, irq_efd_wait(self->efd[v], SIGNAL_MS))
		TH_LOG("vector %u: no signal", v);
	ASSERT_EQ(0, mockdma_irq_count(&self->m, v, &after));
	ASSERT_EQ(before + 1, after);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, irq_efd_take(self->efd[i]))
			TH_LOG("SWINT %u also signalled vector %u", v, i);
}

TEST_F(msi, per_vector_routing)
{
	uint32_t n = nvec(self, variant), v;

	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	ASSERT_EQ(1, hw_enabled(self, variant));
	for (v = 0; v < n; v++)
		routed(_metadata, self, v, n);
	/* backwards too, so no order is assumed */
	for (v = n; v-- > 0;)
		routed(_metadata, self, v, n);
}

TEST_F(msi, dma_completion_on_descriptor_vector)
{
	uint32_t n = nvec(self, variant), v = n - 1;
	struct mockdma_ring ring;
	struct mockdma_buf buf;
	struct mockdma_desc d, out;
	uint32_t i;

	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &buf, 0x200000, 4096, 0));
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &ring, 0x100000, 16, 0));
	d = mockdma_desc_write_imm(0x200000, 0x1122334455667788ull, 8, MOCKDMA_F_IRQ);
	d.vector = v;
	ASSERT_EQ(0, mockdma_run(&self->m, &ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status);
	ASSERT_EQ(1, irq_efd_wait(self->efd[v], SIGNAL_MS));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, irq_efd_take(self->efd[i]));
	mockdma_ring_free(&self->m, &ring);
	mockdma_buf_free(&self->m, &buf);
}

TEST_F(msi, loopback_none_and_bool)
{
	uint32_t n = nvec(self, variant), i, c[NFD];
	uint8_t b[3] = { 1, 0, 1 };

	if (n < 4)
		SKIP(return, "needs 4 vectors, the device has %u", n);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, mockdma_irq_count(&self->m, i, &c[i]));
	ASSERT_EQ(0, irq_action_none(self->fd, variant->index, TRIGGER, 1, 2));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i == 1 || i == 2, irq_efd_take(self->efd[i]))
			TH_LOG("DATA_NONE 1..2: vector %u", i);
	ASSERT_EQ(0, irq_action_bool(self->fd, variant->index, TRIGGER, 1, 3, b));
	for (i = 0; i < n; i++)
		ASSERT_EQ(i == 1 || i == 3, irq_efd_take(self->efd[i]))
			TH_LOG("DATA_BOOL {1,0,1} at 1: vector %u", i);
	/* nothing reached the device */
	for (i = 0; i < n; i++) {
		uint32_t now;

		ASSERT_EQ(0, mockdma_irq_count(&self->m, i, &now));
		ASSERT_EQ(c[i], now);
	}
}

TEST_F(msi, disable_stops_delivery)
{
	uint32_t n = nvec(self, variant);

	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	ASSERT_EQ(1, hw_enabled(self, variant));
	ASSERT_EQ(0, irq_disable(self->fd, variant->index));
	ASSERT_EQ(0, hw_enabled(self, variant));
	swint(self, 0);
	ASSERT_EQ(0, irq_efd_wait(self->efd[0], QUIET_MS));
	ASSERT_EQ(-EINVAL, irq_action_none(self->fd, variant->index, TRIGGER, 0, 1));
	/* and it can be enabled again */
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_STATUS, ~0u));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, 1, self->efd));
	routed(_metadata, self, 0, 1);
}

TEST_F(msi, resize_rules)
{
	struct vfio_irq_info info;
	uint32_t n = nvec(self, variant);
	int ret;

	if (n < 4)
		SKIP(return, "needs 4 vectors, the device has %u", n);
	ASSERT_EQ(0, irq_info(self->fd, variant->index, &info));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, 2, self->efd));
	/* re-setting the enabled vectors is always fine */
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 1, 1, self->efd + 1));
	routed(_metadata, self, 1, 2);
	/* growing while enabled: only without NORESIZE */
	ret = irq_trigger_fds(self->fd, variant->index, 3, 1, self->efd + 3);
	if (info.flags & VFIO_IRQ_INFO_NORESIZE) {
		ASSERT_EQ(-EINVAL, ret) TH_LOG("grew past the enabled vectors despite NORESIZE");
	} else {
		ASSERT_EQ(0, ret);
		routed(_metadata, self, 3, 4);
	}
	routed(_metadata, self, 0, 2);
	/* to resize: disable, then enable with the new count */
	ASSERT_EQ(0, irq_disable(self->fd, variant->index));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, 4, self->efd));
	routed(_metadata, self, 3, 4);
}

TEST_F(msi, one_vector_detached)
{
	uint32_t n = nvec(self, variant);
	int32_t none = -1;

	if (n < 2)
		SKIP(return, "needs 2 vectors, the device has %u", n);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, 2, self->efd));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 1, 1, &none));
	swint(self, 1);
	ASSERT_EQ(0, irq_efd_wait(self->efd[1], QUIET_MS));
	routed(_metadata, self, 0, 2);
	/* loopback skips a vector without an eventfd */
	ASSERT_EQ(0, irq_action_none(self->fd, variant->index, TRIGGER, 0, 2));
	ASSERT_EQ(1, irq_efd_take(self->efd[0]));
	ASSERT_EQ(0, irq_efd_take(self->efd[1]));
	/* attached again, it delivers */
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 1, 1, self->efd + 1));
	usleep(QUIET_MS * 1000);
	irq_efd_take(self->efd[1]);	/* a message left pending while detached */
	routed(_metadata, self, 1, 2);
}

TEST_F(msi, config_write_cannot_enable)
{
	unsigned int off = variant->index == MSI ? MOCKDMA_CAP_MSI + PCI_MSI_FLAGS :
						   MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS;
	uint16_t bit = variant->index == MSI ? PCI_MSI_FLAGS_ENABLE :
					       PCI_MSIX_FLAGS_ENABLE;
	uint64_t flags;

	uint32_t before, after;

	ASSERT_EQ(0, mockdma_irq_count(&self->m, 0, &before));
	test_cmd_config_read(self->fd, off, 2, &flags);
	/* the write may be accepted; it must not reach the hardware */
	vfio_lab_config_write(self->fd, off, 2, flags | bit);
	ASSERT_EQ(0, hw_enabled(self, variant)) TH_LOG("a config write enabled it");
	swint(self, 0);
	usleep(QUIET_MS * 1000);
	ASSERT_EQ(0, mockdma_irq_count(&self->m, 0, &after));
	ASSERT_EQ(before, after) TH_LOG("the device sent a message");
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_STATUS, ~0u));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, 1, self->efd));
	ASSERT_EQ(1, hw_enabled(self, variant));
	routed(_metadata, self, 0, 1);
	/*
	 * MSI-X control is read-only through the fd, so a write cannot turn
	 * it off either.  (Upstream writes MSI's flags through to the
	 * hardware once MSI is on, so that direction is not checked for MSI.)
	 */
	if (variant->index != MSIX)
		return;
	test_cmd_config_read(self->fd, off, 2, &flags);
	vfio_lab_config_write(self->fd, off, 2, flags & ~bit);
	ASSERT_EQ(1, hw_enabled(self, variant)) TH_LOG("a config write disabled MSI-X");
	routed(_metadata, self, 0, 1);
}

/*
 * Multiple Message Capable through the fd is the device's own, before MSI
 * is enabled, with one vector enabled and after: QEMU sizes its guest's
 * MSI capability from it.  (Found by the differential fuzzer, vfio_fuzz:
 * upci showed the vectors last enabled, one before any.)
 */
TEST_F(msi, msi_capable_is_the_devices)
{
	unsigned int off = MOCKDMA_CAP_MSI + PCI_MSI_FLAGS;
	uint16_t hw = 0;
	uint64_t flags;

	if (variant->index != MSI)
		SKIP(return, "MSI's control word only");
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, off, &hw, 2));
	test_cmd_config_read(self->fd, off, 2, &flags);
	EXPECT_EQ(hw & PCI_MSI_FLAGS_QMASK, flags & PCI_MSI_FLAGS_QMASK) TH_LOG("before MSI");
	ASSERT_EQ(0, irq_trigger_fds(self->fd, MSI, 0, 1, self->efd));
	test_cmd_config_read(self->fd, off, 2, &flags);
	EXPECT_EQ(hw & PCI_MSI_FLAGS_QMASK, flags & PCI_MSI_FLAGS_QMASK) TH_LOG("one vector on");
	ASSERT_EQ(0, irq_disable(self->fd, MSI));
	test_cmd_config_read(self->fd, off, 2, &flags);
	EXPECT_EQ(hw & PCI_MSI_FLAGS_QMASK, flags & PCI_MSI_FLAGS_QMASK) TH_LOG("after");
}

/*
 * The message a vector sends belongs to the driver: writes through the
 * device fd to the MSI-X table (BAR4) or to MSI's address and data in
 * config space do not reach the device, so user space cannot point a
 * vector at an address or data of its choosing.  Where the driver lets
 * the MSI-X BAR be mmapped (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) the
 * protection is interrupt remapping, which checks every message's
 * source; that capability is logged, not asserted.
 */
TEST_F(msi, message_writes_through_the_fd_do_not_reach_the_device)
{
	uint32_t entry[4] = { 0, 0, 0xdead, 0 };	/* address 0, unmasked */
	struct vfio_region_info *ri;
	uint32_t n = nvec(self, variant) < 2 ? nvec(self, variant) : 2, v;

	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	if (variant->index == MSIX) {
		ASSERT_EQ(0, vfio_lab_region_info(self->fd, MOCKDMA_BAR_MSIX, &ri));
		TH_LOG("BAR%d (MSI-X table) %s MSIX_MAPPABLE", MOCKDMA_BAR_MSIX,
		       vfio_lab_cap_find(ri, ri->argsz, ri->cap_offset,
					 VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) ? "has" : "lacks");
		free(ri);
		for (v = 0; v < n; v++)
			vfio_lab_region_write(self->fd, MOCKDMA_BAR_MSIX, 16 * v, entry,
					      sizeof(entry));
	} else {
		vfio_lab_config_write(self->fd, MOCKDMA_CAP_MSI + PCI_MSI_ADDRESS_LO, 4, 0);
		vfio_lab_config_write(self->fd, MOCKDMA_CAP_MSI + PCI_MSI_ADDRESS_HI, 4, 0);
		vfio_lab_config_write(self->fd, MOCKDMA_CAP_MSI + PCI_MSI_DATA_64, 2, 0xdead);
	}
	for (v = 0; v < n; v++)
		routed(_metadata, self, v, n);
}

/* Lines of /proc/interrupts that name the device (its vectors). */
static int proc_lines_naming(const char *bdf)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, bdf) != NULL;
	fclose(f);
	return n;
}

TEST_F(msi, vectors_freed_on_disable_and_on_close)
{
	uint32_t n = nvec(self, variant);
	char bdf[PCI_TOPO_BDF_SIZE];

	snprintf(bdf, sizeof(bdf), "%s", self->m.dev.bdf);
	ASSERT_EQ(0, proc_lines_naming(bdf));
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	ASSERT_LE((int)n, proc_lines_naming(bdf));
	ASSERT_EQ(0, irq_disable(self->fd, variant->index));
	ASSERT_EQ(0, proc_lines_naming(bdf)) TH_LOG("vectors left after disable");
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, n, self->efd));
	ASSERT_LE((int)n, proc_lines_naming(bdf));
	/* the last close frees what the user left enabled */
	mockdma_close(&self->m);
	ASSERT_EQ(0, proc_lines_naming(bdf)) TH_LOG("vectors left after close");
	ASSERT_EQ(0, hw_enabled(self, variant));
}

LAB_HARNESS_MAIN
