// SPDX-License-Identifier: GPL-2.0
/*
 * The group fd: exclusive open, GET_STATUS, SET/UNSET_CONTAINER and
 * GET_DEVICE_FD, and viability, which follows the whole group.
 *
 * Groups, not devices, are the unit of ownership: a group can join a
 * container only when no device in it is driven by a host driver that does
 * DMA, and while it is owned no host driver may bind to any of its devices.
 * The scenario gives three shapes: edu0 alone; mfa+mfb, two functions of
 * one slot, both given to the driver; and a PCIe-to-PCI bridge with bedu
 * (given to the driver) next to bnic, an e1000 driven by the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define VFIO_UNKNOWN_IOCTL	_IO(VFIO_TYPE, VFIO_BASE + 99)
#define VIABLE			VFIO_GROUP_FLAGS_VIABLE
#define CONTAINER_SET		VFIO_GROUP_FLAGS_CONTAINER_SET
#define HOST_DRIVER		"e1000"

#define test_group_flags(group, want) do {				\
	uint32_t __flags = ~0u;						\
	ASSERT_EQ(0, vfio_lab_group_flags(group, &__flags));		\
	ASSERT_EQ((uint32_t)(want), __flags);				\
} while (0)

FIXTURE(group) {
	struct vfio_lab_dev dev;	/* edu0's group and a container, unjoined */
};

FIXTURE_SETUP(group)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_open_nodes(&self->dev, bdf);
}

FIXTURE_TEARDOWN(group)
{
	vfio_lab_close(&self->dev);
}

/* ---- errors ---- */

TEST_F(group, second_open_is_ebusy)
{
	ASSERT_EQ(-EBUSY, vfio_lab_open_group(self->dev.group_id));
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-EBUSY, vfio_lab_open_group(self->dev.group_id));
}

TEST_F(group, get_status_small_argsz_is_einval)
{
	struct vfio_group_status status = { .argsz = sizeof(status) - 1 };

	ASSERT_EQ(-1, ioctl(self->dev.group, VFIO_GROUP_GET_STATUS, &status));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(group, set_container_bad_fd_is_ebadf)
{
	ASSERT_EQ(-EBADF, vfio_lab_set_container(self->dev.group, -1));
	ASSERT_EQ(-EBADF, vfio_lab_set_container(self->dev.group, 1000));
}

TEST_F(group, set_container_not_a_container_is_ebadfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, null);
	ASSERT_EQ(-EBADFD, vfio_lab_set_container(self->dev.group, null));
	/* A group fd is not a container either. */
	ASSERT_EQ(-EBADFD, vfio_lab_set_container(self->dev.group, self->dev.group));
	close(null);
	test_group_flags(self->dev.group, VIABLE);
}

TEST_F(group, set_container_twice_is_einval)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(-EINVAL, vfio_lab_set_container(self->dev.group, self->dev.container));
}

TEST_F(group, unset_container_without_container_is_einval)
{
	ASSERT_EQ(-EINVAL, vfio_lab_unset_container(self->dev.group));
}

TEST_F(group, unset_container_with_device_open_is_ebusy)
{
	int fd;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBUSY, vfio_lab_unset_container(self->dev.group));
	test_group_flags(self->dev.group, VIABLE | CONTAINER_SET);
	close(fd);
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
}

TEST_F(group, get_device_fd_without_container_is_einval)
{
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, self->dev.bdf));
}

TEST_F(group, get_device_fd_before_set_iommu_is_einval)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, self->dev.bdf));
}

TEST_F(group, get_device_fd_unknown_name_is_enodev)
{
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, "0000:7f:1f.7"));
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, ""));
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, "edu0"));
	/* The name must match exactly, not as a prefix. */
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, self->dev.bdf + 5));
}

TEST_F(group, get_device_fd_of_another_group_is_enodev)
{
	char other[PCI_TOPO_BDF_SIZE];

	REQUIRE_DEVICE("edu1", other);
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, other));
}

/*
 * As many device fds as asked (DPDK's secondary processes ask again for a
 * device the primary has open). They share the device: it is enabled
 * once, a setting made through one is seen through the other, and it
 * stays enabled until the last of them closes.
 */
TEST_F(group, get_device_fd_twice)
{
	uint64_t v = 0;
	int first, second;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	first = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, first);
	second = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, second);
	ASSERT_NE(first, second);
	/* edu's liveness register answers ~value: written through one fd */
	ASSERT_EQ(0, vfio_lab_reg_write(first, VFIO_PCI_BAR0_REGION_INDEX, 4, 4, 0x1234));
	ASSERT_EQ(0, vfio_lab_reg_read(second, VFIO_PCI_BAR0_REGION_INDEX, 4, 4, &v));
	ASSERT_EQ((uint64_t)~0x1234u, v);
	/* the first goes: the device is not disabled under the second */
	close(first);
	ASSERT_EQ(0, vfio_lab_reg_read(second, VFIO_PCI_BAR0_REGION_INDEX, 4, 4, &v));
	ASSERT_EQ((uint64_t)~0x1234u, v);
	/* while any fd is open the group stays in its container */
	ASSERT_EQ(-EBUSY, vfio_lab_unset_container(self->dev.group));
	close(second);
	/* all closed: it opens again */
	first = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, first);
	close(first);
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
}

TEST_F(group, unknown_ioctl_is_enotty)
{
	ASSERT_EQ(-1, ioctl(self->dev.group, VFIO_UNKNOWN_IOCTL));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->dev.group, VFIO_GET_API_VERSION));
	ASSERT_EQ(ENOTTY, errno);
}

/* ---- success ---- */

TEST_F(group, get_status_fresh_is_viable)
{
	test_group_flags(self->dev.group, VIABLE);
}

TEST_F(group, get_status_follows_the_container)
{
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	test_group_flags(self->dev.group, VIABLE | CONTAINER_SET);
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	test_group_flags(self->dev.group, VIABLE | CONTAINER_SET);
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
	test_group_flags(self->dev.group, VIABLE);
}

TEST_F(group, get_device_fd_by_pci_name)
{
	int fd;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, fd) TH_LOG("GET_DEVICE_FD %s: %s", self->dev.bdf, strerror(-fd));
	ASSERT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
}

/*
 * The name as vfio-pci matches it: trailing spaces are fine, options after
 * them are not (vf_token= is refused on a device that is neither a PF with
 * VFs nor a VF), and that answer comes before the container check.  (Found
 * by the differential fuzzer, vfio_fuzz: upci compared names exactly.)
 */
TEST_F(group, get_device_fd_name_with_options)
{
	char name[PCI_TOPO_BDF_SIZE + 64];
	int fd;

	snprintf(name, sizeof(name), "%s vf_token=xyz", self->dev.bdf);
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, name));
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, name));
	snprintf(name, sizeof(name), "%s vf_token=2ab74924-c335-45f4-9b16-8569e5b08258",
		 self->dev.bdf);
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, name));
	snprintf(name, sizeof(name), "%s  junk", self->dev.bdf);
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, name));
	snprintf(name, sizeof(name), "%sjunk", self->dev.bdf);
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, name));
	snprintf(name, sizeof(name), "%s  ", self->dev.bdf);
	fd = vfio_lab_get_device_fd(self->dev.group, name);
	ASSERT_LE(0, fd) TH_LOG("GET_DEVICE_FD \"%s\": %s", name, strerror(-fd));
	close(fd);
}

/*
 * vfio-pci separates the options after the name by spaces (' ') only:
 * vfio_pci_core_match() skips ' ', and any other byte, a tab or a newline
 * included, starts an option, and an unknown option is -EINVAL.  A name
 * followed directly by a tab is another device's name (-ENODEV).
 */
TEST_F(group, get_device_fd_options_are_separated_by_spaces_only)
{
	char name[PCI_TOPO_BDF_SIZE + 64];
	int fd;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	snprintf(name, sizeof(name), "%s \t", self->dev.bdf);
	fd = vfio_lab_get_device_fd(self->dev.group, name);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-EINVAL, fd) TH_LOG("GET_DEVICE_FD \"<bdf> \\t\"");
	snprintf(name, sizeof(name), "%s \n", self->dev.bdf);
	fd = vfio_lab_get_device_fd(self->dev.group, name);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-EINVAL, fd) TH_LOG("GET_DEVICE_FD \"<bdf> \\n\"");
	snprintf(name, sizeof(name), "%s \v\f\r ", self->dev.bdf);
	fd = vfio_lab_get_device_fd(self->dev.group, name);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-EINVAL, fd) TH_LOG("GET_DEVICE_FD \"<bdf> \\v\\f\\r \"");
	snprintf(name, sizeof(name), "%s\t", self->dev.bdf);
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, name));
	snprintf(name, sizeof(name), "%s\n", self->dev.bdf);
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, name));
}

/*
 * vfio-pci reserves the fd before it checks the container: with no fd
 * free, GET_DEVICE_FD on a group outside any container is -EMFILE there
 * (vfio_group_ioctl_get_device_fd: get_unused_fd_flags(), then
 * vfio_df_group_open()'s -EINVAL).  A name error still comes first.
 */
TEST_F(group, get_device_fd_without_a_free_fd_is_emfile_before_the_container_check)
{
	struct rlimit saved, rl;
	int lowest, outside, joined;

	lowest = dup(0);
	ASSERT_LE(0, lowest);
	close(lowest);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &saved));
	rl = saved;
	rl.rlim_cur = lowest;		/* no fd below the limit is free */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, "0000:ff:1f.7"));
	outside = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	joined = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &saved));
	EXPECT_EQ(-EMFILE, outside) TH_LOG("outside a container: %s", strerror(-outside));
	EXPECT_EQ(-EMFILE, joined) TH_LOG("in a container: %s", strerror(-joined));
}

TEST_F(group, closing_the_group_releases_it)
{
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	close(self->dev.group);
	self->dev.group = vfio_lab_open_group(self->dev.group_id);
	ASSERT_LE(0, self->dev.group);
	test_group_flags(self->dev.group, VIABLE);
	/* The container lost its only group and with it the IOMMU. */
	ASSERT_EQ(-EINVAL, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
}

TEST_F(group, device_fd_keeps_working_after_group_close)
{
	struct vfio_device_info info;
	int fd;

	test_cmd_join(&self->dev, VFIO_TYPE1v2_IOMMU);
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, fd);
	close(self->dev.group);
	self->dev.group = -1;
	close(self->dev.container);
	self->dev.container = -1;
	/* The device fd holds the group: still busy, still usable. */
	ASSERT_EQ(-EBUSY, vfio_lab_open_group(self->dev.group_id));
	ASSERT_EQ(0, vfio_lab_device_info(fd, &info));
	close(fd);
	self->dev.group = vfio_lab_open_group(self->dev.group_id);
	ASSERT_LE(0, self->dev.group);
}

/* Two functions of one slot, both given to the driver: one group. */
FIXTURE(multifunction) {
	char a[PCI_TOPO_BDF_SIZE], b[PCI_TOPO_BDF_SIZE];
	struct vfio_lab_dev d;
};

FIXTURE_SETUP(multifunction)
{
	self->d.container = self->d.group = self->d.fd = -1;
	REQUIRE_DEVICE("mfa", self->a);
	REQUIRE_DEVICE("mfb", self->b);
	ASSERT_EQ(pci_topo_iommu_group(self->a), pci_topo_iommu_group(self->b));
	test_cmd_open_device(&self->d, self->a, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(multifunction)
{
	vfio_lab_close(&self->d);
}

TEST_F(multifunction, unset_container_with_either_device_open_is_ebusy)
{
	int b = vfio_lab_get_device_fd(self->d.group, self->b);

	ASSERT_LE(0, b);
	close(self->d.fd);
	self->d.fd = -1;
	ASSERT_EQ(-EBUSY, vfio_lab_unset_container(self->d.group));
	close(b);
	ASSERT_EQ(0, vfio_lab_unset_container(self->d.group));
}

TEST_F(multifunction, both_devices_open_from_one_group)
{
	int b = vfio_lab_get_device_fd(self->d.group, self->b);
	struct vfio_device_info info;

	ASSERT_LE(0, b) TH_LOG("second function %s: %s", self->b, strerror(-b));
	ASSERT_EQ(0, vfio_lab_device_info(self->d.fd, &info));
	ASSERT_EQ(0, vfio_lab_device_info(b, &info));
	close(b);
}

/*
 * The bridge group: pbr (no driver), bedu (the driver under test) and bnic
 * (e1000, a host driver that does DMA).  Tests that unbind bnic put it back.
 */
FIXTURE(bridge_group) {
	char bnic[PCI_TOPO_BDF_SIZE], pbr[PCI_TOPO_BDF_SIZE];
	struct vfio_lab_dev dev;	/* bedu's group and a container, unjoined */
};

static bool bound_to(const char *bdf, const char *driver)
{
	char name[PCI_TOPO_NAME_SIZE];

	return !pci_topo_driver(bdf, name) && !strcmp(name, driver);
}

FIXTURE_SETUP(bridge_group)
{
	char why[256], bedu[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("bedu", bedu);
	if (vfio_lab_declared_bdf("bnic", self->bnic, why, sizeof(why)) ||
	    vfio_lab_declared_bdf("pbr", self->pbr, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!bound_to(self->bnic, HOST_DRIVER))
		SKIP(return, "bnic (%s) is not bound to " HOST_DRIVER, self->bnic);
	ASSERT_EQ(pci_topo_iommu_group(bedu), pci_topo_iommu_group(self->bnic));
	test_cmd_open_nodes(&self->dev, bedu);
}

FIXTURE_TEARDOWN(bridge_group)
{
	vfio_lab_close(&self->dev);
	if (self->bnic[0] && !bound_to(self->bnic, HOST_DRIVER))
		pci_topo_bind(self->bnic, HOST_DRIVER);
}

TEST_F(bridge_group, host_driver_makes_group_not_viable)
{
	test_group_flags(self->dev.group, 0);
}

TEST_F(bridge_group, set_container_while_host_driver_bound_is_eperm)
{
	ASSERT_EQ(-EPERM, vfio_lab_set_container(self->dev.group, self->dev.container));
	test_group_flags(self->dev.group, 0);
	ASSERT_EQ(-EINVAL, vfio_lab_get_device_fd(self->dev.group, self->dev.bdf));
}

TEST_F(bridge_group, host_driver_cannot_bind_while_group_owned)
{
	ASSERT_EQ(0, pci_topo_unbind(self->bnic));
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(-EBUSY, pci_topo_bind(self->bnic, HOST_DRIVER));
	ASSERT_TRUE(bound_to(self->bnic, "-"));
	/* Released: the host driver binds again, and the group is not viable. */
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
	ASSERT_EQ(0, pci_topo_bind(self->bnic, HOST_DRIVER));
	test_group_flags(self->dev.group, 0);
}

TEST_F(bridge_group, get_device_fd_of_member_without_driver_is_enodev)
{
	ASSERT_EQ(0, pci_topo_unbind(self->bnic));
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, self->pbr));
	ASSERT_EQ(-ENODEV, vfio_lab_get_device_fd(self->dev.group, self->bnic));
}

TEST_F(bridge_group, unbinding_the_host_driver_makes_group_viable)
{
	int fd;

	ASSERT_EQ(0, pci_topo_unbind(self->bnic));
	test_group_flags(self->dev.group, VIABLE);
	ASSERT_EQ(0, vfio_lab_set_container(self->dev.group, self->dev.container));
	ASSERT_EQ(0, vfio_lab_set_iommu(self->dev.container, VFIO_TYPE1v2_IOMMU));
	fd = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);
	ASSERT_LE(0, fd) TH_LOG("bedu: %s", strerror(-fd));
	close(fd);
}

LAB_HARNESS_MAIN
