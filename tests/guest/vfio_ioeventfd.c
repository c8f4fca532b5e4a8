// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_IOEVENTFD: each signal of an eventfd becomes one write of
 * fixed data to a BAR, done by the kernel (QEMU uses it for guest
 * doorbells). On QEMU's pci-testdev (ptd0), the device made for exactly
 * this: its test 0 counts the 1-byte writes of 0xFA that reach one offset
 * of BAR0 (memory) or BAR1 (I/O), so every signal can be counted. On mockdma (mdma0), whose BAR2 is plain memory, the written
 * bytes of each width are read back, and BAR4 holds the MSI-X table,
 * which no ioeventfd may touch. Errnos are vfio-pci's, one line each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define REGION(i)	((uint64_t)(i) << 40)
#define SZ1		VFIO_DEVICE_IOEVENTFD_8
#define MAX_IOEVENTFDS	1000

/* pci-testdev: a test is chosen by writing its number at offset 0 of its
 * BAR; its header (struct below) is then readable there. */
/*
 * Test 0 counts writes of its data byte (0xFA) at its offset. (Tests 1 and
 * 2 hand matching writes to an eventfd of QEMU's own, which swallows them
 * before the counter.)
 */
#define TESTDEV_COUNTING	0
#define TESTDEV_HDR_OFFSET	4
#define TESTDEV_HDR_DATA	8
#define TESTDEV_HDR_COUNT	12

static int ioeventfd(int fd, uint32_t argsz, uint32_t flags, uint64_t offset,
		     uint64_t data, int32_t efd)
{
	struct vfio_device_ioeventfd a = {
		.argsz = argsz, .flags = flags, .offset = offset,
		.data = data, .fd = efd,
	};

	return ioctl(fd, VFIO_DEVICE_IOEVENTFD, &a) ? -errno : 0;
}

#define test_cmd_ioeventfd(fd, flags, offset, data, efd)		\
	ASSERT_EQ(0, ioeventfd(fd, sizeof(struct vfio_device_ioeventfd), \
			       flags, offset, data, efd))
#define test_err_ioeventfd(err, fd, flags, offset, data, efd)		\
	ASSERT_EQ(-(err), ioeventfd(fd, sizeof(struct vfio_device_ioeventfd), \
				    flags, offset, data, efd))

/* @n signals of @efd, each one write(2) */
static int signal_n(int efd, int n)
{
	uint64_t one = 1;

	while (n--)
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			return -errno;
	return 0;
}

/* ---- pci-testdev ---- */

FIXTURE(testdev) {
	struct vfio_lab_dev dev;
	int efd;
	uint32_t offset;		/* the counting test's, in BAR0 */
	uint8_t data;
};

/* Choose the counting test of @bar; its register offset and data byte */
static int testdev_select(int fd, uint32_t bar, uint32_t *offset,
			  uint8_t *data)
{
	uint64_t v;
	int ret;

	ret = vfio_lab_reg_write(fd, bar, 0, 1, TESTDEV_COUNTING);
	if (!ret)
		ret = vfio_lab_reg_read(fd, bar, TESTDEV_HDR_OFFSET, 4, &v);
	if (!ret)
		*offset = v;
	if (!ret)
		ret = vfio_lab_reg_read(fd, bar, TESTDEV_HDR_DATA, 1, &v);
	if (!ret)
		*data = v;
	return ret;
}

static uint32_t testdev_count(struct __test_metadata *_metadata, int fd,
			      uint32_t bar)
{
	uint64_t v = ~0ull;

	EXPECT_EQ(0, vfio_lab_reg_read(fd, bar, TESTDEV_HDR_COUNT, 4, &v));
	return v;
}

FIXTURE_SETUP(testdev)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	self->efd = -1;
	REQUIRE_DEVICE("ptd0", bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
	self->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, testdev_select(self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX,
				    &self->offset, &self->data));
	ASSERT_EQ(0, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

FIXTURE_TEARDOWN(testdev)
{
	if (self->efd >= 0)
		close(self->efd);
	vfio_lab_close(&self->dev);
}

/* ---- errors ---- */

TEST_F(testdev, argsz_below_the_struct_is_einval)
{
	ASSERT_EQ(-EINVAL, ioeventfd(self->dev.fd, offsetof(struct vfio_device_ioeventfd, fd),
				     SZ1, REGION(0) + self->offset, self->data, self->efd));
}

TEST_F(testdev, flags_outside_the_sizes_are_einval)
{
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1 | (1u << 4), self->offset, self->data, self->efd);
}

TEST_F(testdev, no_size_or_two_sizes_are_einval)
{
	test_err_ioeventfd(EINVAL, self->dev.fd, 0, self->offset, self->data, self->efd);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1 | VFIO_DEVICE_IOEVENTFD_16,
			   self->offset, self->data, self->efd);
}

TEST_F(testdev, fd_below_minus_one_is_einval)
{
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, self->offset, self->data, -2);
}

TEST_F(testdev, rom_config_and_vga_regions_are_einval)
{
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, REGION(VFIO_PCI_ROM_REGION_INDEX), 0, self->efd);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, REGION(VFIO_PCI_CONFIG_REGION_INDEX) + PCI_COMMAND,
			   0, self->efd);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, REGION(VFIO_PCI_VGA_REGION_INDEX), 0, self->efd);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, REGION(1ull << 20), 0, self->efd);
}

TEST_F(testdev, past_the_end_of_the_bar_is_einval)
{
	struct vfio_region_info *info = NULL;
	uint64_t size;

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX, &info));
	size = info->size;
	free(info);
	test_err_ioeventfd(EINVAL, self->dev.fd, VFIO_DEVICE_IOEVENTFD_32, size - 2, 0, self->efd);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, size, 0, self->efd);
	test_cmd_ioeventfd(self->dev.fd, SZ1, size - 1, 0, self->efd);
	/* an unimplemented BAR has no bytes at all */
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, REGION(VFIO_PCI_BAR3_REGION_INDEX), 0, self->efd);
}

TEST_F(testdev, not_an_eventfd)
{
	int nul = open("/dev/null", O_RDONLY);

	ASSERT_LE(0, nul);
	test_err_ioeventfd(EINVAL, self->dev.fd, SZ1, self->offset, self->data, nul);
	close(nul);
	test_err_ioeventfd(EBADF, self->dev.fd, SZ1, self->offset, self->data, 1000);
}

TEST_F(testdev, same_offset_data_and_size_twice_is_eexist)
{
	int other = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, other);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	test_err_ioeventfd(EEXIST, self->dev.fd, SZ1, self->offset, self->data, other);
	/* another datum at the same place is another ioeventfd */
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data ^ 1, other);
	close(other);
}

TEST_F(testdev, removing_what_is_not_there_is_enodev)
{
	test_err_ioeventfd(ENODEV, self->dev.fd, SZ1, self->offset, self->data, -1);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	test_err_ioeventfd(ENODEV, self->dev.fd, VFIO_DEVICE_IOEVENTFD_16, self->offset,
			   self->data, -1);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, -1);
	test_err_ioeventfd(ENODEV, self->dev.fd, SZ1, self->offset, self->data, -1);
}

TEST_F(testdev, a_thousand_per_device_then_enospc)
{
	int i;

	for (i = 0; i < MAX_IOEVENTFDS; i++)
		ASSERT_EQ(0, ioeventfd(self->dev.fd, sizeof(struct vfio_device_ioeventfd),
				       VFIO_DEVICE_IOEVENTFD_64, 0, i, self->efd))
			TH_LOG("ioeventfd %d", i);
	test_err_ioeventfd(ENOSPC, self->dev.fd, VFIO_DEVICE_IOEVENTFD_64, 0, i, self->efd);
	/* one removed, one fits again */
	test_cmd_ioeventfd(self->dev.fd, VFIO_DEVICE_IOEVENTFD_64, 0, 7, -1);
	test_cmd_ioeventfd(self->dev.fd, VFIO_DEVICE_IOEVENTFD_64, 0, i, self->efd);
}

/* ---- what reaches the device ---- */

TEST_F(testdev, each_signal_is_one_write_to_the_memory_bar)
{
	test_cmd_ioeventfd(self->dev.fd, SZ1, REGION(0) + self->offset, self->data, self->efd);
	ASSERT_EQ(0, signal_n(self->efd, 50));
	ASSERT_EQ(50, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

TEST_F(testdev, each_signal_is_one_write_to_the_io_bar)
{
	uint32_t offset;
	uint8_t data;

	ASSERT_EQ(0, testdev_select(self->dev.fd, VFIO_PCI_BAR1_REGION_INDEX, &offset, &data));
	test_cmd_ioeventfd(self->dev.fd, SZ1, REGION(VFIO_PCI_BAR1_REGION_INDEX) + offset,
			   data, self->efd);
	ASSERT_EQ(0, signal_n(self->efd, 20));
	ASSERT_EQ(20, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR1_REGION_INDEX));
}

TEST_F(testdev, the_data_written_is_the_data_given)
{
	/* the device counts only 0xFA: another byte is written, and ignored */
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, (uint8_t)~self->data, self->efd);
	ASSERT_EQ(0, signal_n(self->efd, 10));
	ASSERT_EQ(0, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

TEST_F(testdev, a_removed_ioeventfd_writes_no_more)
{
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	ASSERT_EQ(0, signal_n(self->efd, 3));
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, -1);
	ASSERT_EQ(0, signal_n(self->efd, 3));
	ASSERT_EQ(3, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

/*
 * Closing the eventfd stops its writes, but (in vfio-pci too) the entry
 * stays listed, holding its place and its share of the limit, until it is
 * removed with fd -1 or the device's last close.
 */
TEST_F(testdev, a_closed_eventfds_entry_stays_until_removed)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, efd);
	close(efd);
	test_err_ioeventfd(EEXIST, self->dev.fd, SZ1, self->offset, self->data, self->efd);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, -1);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	ASSERT_EQ(0, signal_n(self->efd, 2));
	ASSERT_EQ(2, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

TEST_F(testdev, no_write_while_memory_decode_is_off)
{
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(0, signal_n(self->efd, 5));
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
	ASSERT_EQ(0, signal_n(self->efd, 1));
	ASSERT_EQ(1, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

TEST_F(testdev, the_last_close_removes_them_all)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	memcpy(bdf, self->dev.bdf, sizeof(bdf));
	vfio_lab_close(&self->dev);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
	/* not EEXIST: the list went with the last close */
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
}

TEST_F(testdev, any_fd_of_the_device_sees_the_same_list)
{
	int other = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);

	ASSERT_LE(0, other);
	test_cmd_ioeventfd(self->dev.fd, SZ1, self->offset, self->data, self->efd);
	test_err_ioeventfd(EEXIST, other, SZ1, self->offset, self->data, self->efd);
	close(other);
	/* a close that is not the last keeps them */
	ASSERT_EQ(0, signal_n(self->efd, 4));
	ASSERT_EQ(4, testdev_count(_metadata, self->dev.fd, VFIO_PCI_BAR0_REGION_INDEX));
}

/* ---- mockdma: widths into plain memory, and the MSI-X table ---- */

FIXTURE(mdma) {
	struct mockdma m;
	int efd;
};

FIXTURE_SETUP(mdma)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];

	self->m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	self->efd = -1;
	REQUIRE_DEVICE("mdma0", bdf);
	ASSERT_EQ(0, mockdma_open_bdf(&self->m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	self->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(mdma)
{
	if (self->efd >= 0)
		close(self->efd);
	mockdma_close(&self->m);
}

TEST_F(mdma, every_width_writes_exactly_its_bytes)
{
	static const struct { uint32_t flag; unsigned int len; } w[] = {
		{ VFIO_DEVICE_IOEVENTFD_8, 1 }, { VFIO_DEVICE_IOEVENTFD_16, 2 },
		{ VFIO_DEVICE_IOEVENTFD_32, 4 }, { VFIO_DEVICE_IOEVENTFD_64, 8 },
	};
	const uint64_t data = 0x8877665544332211ull;
	uint8_t buf[16], want[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		uint64_t off = 0x100 * (i + 1);

		memset(buf, 0xee, sizeof(buf));
		ASSERT_EQ(0, mockdma_mem_write(&self->m, off, buf, sizeof(buf)));
		test_cmd_ioeventfd(self->m.dev.fd, w[i].flag,
				   REGION(VFIO_PCI_BAR2_REGION_INDEX) + off + 4, data, self->efd);
		ASSERT_EQ(0, signal_n(self->efd, 1));
		ASSERT_EQ(0, mockdma_mem_read(&self->m, off, buf, sizeof(buf)));
		memset(want, 0xee, sizeof(want));
		memcpy(want + 4, &data, w[i].len);
		EXPECT_EQ(0, memcmp(want, buf, sizeof(buf))) TH_LOG("%u-byte ioeventfd", w[i].len);
	}
}

TEST_F(mdma, the_msix_table_is_never_a_target)
{
	struct vfio_region_info *info = NULL;
	uint64_t bar4 = REGION(VFIO_PCI_BAR4_REGION_INDEX), size;

	ASSERT_EQ(0, vfio_lab_region_info(self->m.dev.fd, VFIO_PCI_BAR4_REGION_INDEX, &info));
	size = info->size;
	free(info);
	test_err_ioeventfd(EINVAL, self->m.dev.fd, VFIO_DEVICE_IOEVENTFD_32, bar4, 0, self->efd);
	test_err_ioeventfd(EINVAL, self->m.dev.fd, VFIO_DEVICE_IOEVENTFD_32, bar4 + 12, 0, self->efd);
	/* the upper half holds the PBA, not the table */
	test_cmd_ioeventfd(self->m.dev.fd, VFIO_DEVICE_IOEVENTFD_32, bar4 + size / 2, 0, self->efd);
}

LAB_HARNESS_MAIN
