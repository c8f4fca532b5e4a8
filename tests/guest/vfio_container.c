// SPDX-License-Identifier: GPL-2.0
/*
 * The container fd: API version, extensions, SET_IOMMU, and the lifetime
 * rules that make it an unprivileged object until a group joins it.
 *
 * A container is only an address space in waiting: it cannot set an IOMMU
 * until a group joins (the group is what grants the privilege), it loses
 * the IOMMU again when its last group leaves, and it outlives its own fd
 * while a group still holds it.  Uses the scenario's edu0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio_lab.h"
#include "viommu.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
/* An ioctl number in VFIO's range that no version defines. */
#define VFIO_UNKNOWN_IOCTL	_IO(VFIO_TYPE, VFIO_BASE + 99)

FIXTURE(container) {
	struct vfio_lab_dev dev;	/* edu0's group and a container, unjoined */
	char unsafe_path[128];		/* allow_unsafe_interrupts, if changed */
	char unsafe_was;
};

FIXTURE_SETUP(container)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	self->unsafe_was = 0;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_open_nodes(&self->dev, bdf);
}

static int param_set(const char *path, char value);

FIXTURE_TEARDOWN(container)
{
	vfio_lab_close(&self->dev);
	/* a failed test must not leave later ones without the parameter */
	if (self->unsafe_was)
		param_set(self->unsafe_path, self->unsafe_was);
}

/* ---- errors ---- */

/*
 * Without interrupt remapping a device's DMA could forge MSIs, so a group
 * whose MSIs are not isolated is refused at SET_IOMMU unless the admin
 * says that is acceptable: vfio_iommu_type1's allow_unsafe_interrupts,
 * and upci's parameter of that name.
 */
static void unsafe_param(char *path, size_t size)
{
	snprintf(path, size, "/sys/module/%s/parameters/allow_unsafe_interrupts",
		 vfio_lab_driver() == VFIO_LAB_VFIO_PCI ? "vfio_iommu_type1" : "upci");
}

static int param_set(const char *path, char value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, &value, 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

static int param_get(const char *path, char *value)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, value, 1) != 1)
		ret = -EIO;
	close(fd);
	return ret;
}

static int param_get(const char *path, char *value);

/* Save the parameter for the teardown, then set it to @value. */
static void unsafe_set(struct __test_metadata *_metadata,
		       FIXTURE_DATA(container) *self, char value)
{
	if (!self->unsafe_was) {
		unsafe_param(self->unsafe_path, sizeof(self->unsafe_path));
		ASSERT_EQ(0, param_get(self->unsafe_path, &self->unsafe_was))
			TH_LOG("cannot read %s", self->unsafe_path);
	}
	ASSERT_EQ(0, param_set(self->unsafe_path, value))
		TH_LOG("cannot write %s", self->unsafe_path);
}

TEST_F(container, group_without_isolated_msi_needs_allow_unsafe_interrupts)
{
	struct vfio_iommu_type1_info *info;
	uint8_t *buf = vfio_lab_buffer(PAGE);
	char err[256];
	struct viommu vi;
	int ret, fd;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, viommu_get(&vi, err, sizeof(err))) TH_LOG("%s", err);
	unsafe_set(_metadata, self, 'N');
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ret = vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU);
	if (vi.irq_remapping) {
		/* the vIOMMU remaps interrupts: nothing to allow */
		ASSERT_EQ(0, ret) TH_LOG("%s remaps interrupts, yet SET_IOMMU: %s",
					 vi.name, strerror(-ret));
		return;
	}
	ASSERT_EQ(-EPERM, ret)
		TH_LOG("%s cannot isolate MSIs: SET_IOMMU must be refused", vi.name);
	/* refused whole: no IOMMU, no device fd, and a retry may succeed */
	EXPECT_EQ(-EINVAL, vfio_lab_iommu_info(self->dev.container, &info));
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	EXPECT_GT(0, fd);
	if (fd >= 0)
		close(fd);
	unsafe_set(_metadata, self, 'Y');
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	/* checked at attach only: what is attached stays usable */
	unsafe_set(_metadata, self, 'N');
	EXPECT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, 0x100000,
				  PAGE, VFIO_LAB_RW));
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	EXPECT_LE(0, fd) TH_LOG("GET_DEVICE_FD: %s", strerror(-fd));
	if (fd >= 0)
		close(fd);
}

/* A group joining a container that has its IOMMU is checked the same way. */
TEST_F(container, joining_group_without_isolated_msi_is_refused)
{
	struct vfio_lab_dev other = { .container = -1, .group = -1, .fd = -1 };
	char bdf[PCI_TOPO_BDF_SIZE], err[256];
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct viommu vi;

	ASSERT_EQ(0, viommu_get(&vi, err, sizeof(err))) TH_LOG("%s", err);
	if (vi.irq_remapping)
		SKIP(return, "%s isolates MSIs: no group to refuse", vi.name);
	REQUIRE_DEVICE("edu1", bdf);
	test_cmd_open_nodes(&other, bdf);
	unsafe_set(_metadata, self, 'Y');
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	unsafe_set(_metadata, self, 'N');
	EXPECT_EQ(-EPERM, vfio_lab_set_container(other.group, self->dev.container));
	ASSERT_EQ(0, ioctl(other.group, VFIO_GROUP_GET_STATUS, &st));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE, st.flags)
		TH_LOG("the refused group must be viable and in no container");
	unsafe_set(_metadata, self, 'Y');
	EXPECT_EQ(0, vfio_lab_set_container(other.group, self->dev.container));
	vfio_lab_close(&other);
}

TEST_F(container, set_iommu_without_group_is_einval)
{
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1_IOMMU));
}

TEST_F(container, set_iommu_unsupported_type_is_enodev)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(-ENODEV, vfio_lab_set_iommu(self->dev.container, VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(-ENODEV, vfio_lab_set_iommu(self->dev.container, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(-ENODEV, vfio_lab_set_iommu(self->dev.container, VFIO_NOIOMMU_IOMMU));
	ASSERT_EQ(-ENODEV, vfio_lab_set_iommu(self->dev.container, 12345));
	/* A failed SET_IOMMU leaves the container free to take a good one. */
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
}

TEST_F(container, set_iommu_twice_is_einval)
{
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1_IOMMU));
}

TEST_F(container, map_before_set_iommu_is_einval)
{
	void *buf = vfio_lab_buffer(PAGE);

	ASSERT_NE(MAP_FAILED, buf);
	test_err_map(EINVAL, self->dev.container, buf, 0x100000, PAGE);
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	test_err_map(EINVAL, self->dev.container, buf, 0x100000, PAGE);
}

TEST_F(container, get_info_before_set_iommu_is_einval)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(-1, ioctl(self->dev.container, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

/*
 * Before SET_IOMMU, VFIO's container answers any ioctl it does not know
 * with -EINVAL (there is no backend to pass it to); after, the type1
 * backend answers -ENOTTY.
 */
TEST_F(container, unknown_ioctl_before_set_iommu_is_einval)
{
	ASSERT_EQ(-1, ioctl(self->dev.container, VFIO_UNKNOWN_IOCTL));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(container, unknown_ioctl_after_set_iommu_is_enotty)
{
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-1, ioctl(self->dev.container, VFIO_UNKNOWN_IOCTL));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->dev.container, _IO('x', 1)));
	ASSERT_EQ(ENOTTY, errno);
}

TEST_F(container, group_joins_second_container_is_einval)
{
	int other = vfio_lab_open_container();

	ASSERT_LE(0, other);
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(-EINVAL, vfio_lab_set_container(self->dev.group, other));
	ASSERT_EQ(-EINVAL, vfio_lab_set_container(self->dev.group, self->dev.container));
	close(other);
}

TEST_F(container, check_extension_of_other_backends_is_zero)
{
	static const unsigned long others[] = {
		VFIO_SPAPR_TCE_IOMMU, VFIO_EEH, VFIO_SPAPR_TCE_v2_IOMMU,
		VFIO_NOIOMMU_IOMMU, 0, 1000,
	};
	size_t i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		EXPECT_EQ(0, vfio_lab_check_extension(self->dev.container, others[i]))
			TH_LOG("extension %lu", others[i]);
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		EXPECT_EQ(0, vfio_lab_check_extension(self->dev.container, others[i]))
			TH_LOG("extension %lu after SET_IOMMU", others[i]);
}

TEST_F(container, last_group_leaving_drops_the_iommu)
{
	void *buf = vfio_lab_buffer(PAGE);

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	test_cmd_map(self->dev.container, buf, 0x100000, PAGE);
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
	/* Deprivileged: no backend, so no mapping, and SET_IOMMU needs a group. */
	test_err_map(EINVAL, self->dev.container, buf, 0x200000, PAGE);
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	/* A group rejoins: a fresh address space, the old mapping is gone. */
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	test_cmd_map(self->dev.container, buf, 0x100000, PAGE);
}

/* ---- success ---- */

TEST_F(container, api_version_is_0)
{
	ASSERT_EQ(VFIO_API_VERSION, ioctl(self->dev.container, VFIO_GET_API_VERSION));
}

TEST_F(container, check_extension_type1_family)
{
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_UNMAP_ALL));
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(1, vfio_lab_check_extension(self->dev.container, VFIO_UNMAP_ALL));
}

/*
 * upci implements type1 v1/v2 and UNMAP_ALL only: no nesting, no vaddr
 * updates (live update), and it does not claim cache coherency.
 */
TEST_F(container, check_extension_beyond_type1)
{
	struct viommu vi;
	char err[256];
	int nesting = intended_difference(1, 0,
		"upci has no nested (VFIO_TYPE1_NESTING_IOMMU) mode");
	int vaddr = intended_difference(1, 0,
		"upci cannot update vaddrs (VFIO_UPDATE_VADDR, DMA_MAP/UNMAP_FLAG_VADDR)");

	/* Before SET_IOMMU upstream type1 only claims what needs no domain. */
	ASSERT_EQ(nesting, vfio_lab_check_extension(self->dev.container,
						    VFIO_TYPE1_NESTING_IOMMU));
	ASSERT_EQ(0, vfio_lab_check_extension(self->dev.container, VFIO_UPDATE_VADDR));
	ASSERT_EQ(0, vfio_lab_check_extension(self->dev.container, VFIO_DMA_CC_IOMMU));
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(nesting, vfio_lab_check_extension(self->dev.container,
						    VFIO_TYPE1_NESTING_IOMMU));
	ASSERT_EQ(vaddr, vfio_lab_check_extension(self->dev.container, VFIO_UPDATE_VADDR));
	/*
	 * QEMU's intel-iommu has no snoop control: not coherent on either
	 * there.  Where the IOMMU enforces coherency (amd-iommu) vfio answers
	 * 1; upci always answers 0 (it never asks for IOMMU_CACHE), which
	 * only makes KVM keep emulating WBINVD: logged as intended.
	 */
	ASSERT_EQ(0, viommu_get(&vi, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(intended_difference(vi.model == VIOMMU_AMD, 0,
		"VFIO_DMA_CC_IOMMU: vfio answers 1 where the IOMMU enforces coherency (amd-iommu), upci always 0"),
		  vfio_lab_check_extension(self->dev.container, VFIO_DMA_CC_IOMMU));
}

TEST_F(container, set_iommu_type1)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1_IOMMU));
}

TEST_F(container, set_iommu_type1v2)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
}

TEST_F(container, containers_are_not_exclusive)
{
	int other = vfio_lab_open_container();

	ASSERT_LE(0, other) TH_LOG("second container: %s", strerror(-other));
	ASSERT_EQ(VFIO_API_VERSION, ioctl(other, VFIO_GET_API_VERSION));
	close(other);
}

/* The group keeps the container (and its IOMMU) alive after its fd closes. */
TEST_F(container, container_outlives_its_fd_while_a_group_holds_it)
{
	int fd;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	close(self->dev.container);
	self->dev.container = -1;
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, fd) TH_LOG("GET_DEVICE_FD after closing the container fd: %s",
				strerror(-fd));
	close(fd);
}

LAB_HARNESS_MAIN
