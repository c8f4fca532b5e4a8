// SPDX-License-Identifier: GPL-2.0
/*
 * What real VFIO clients look for before their first ioctl, on vfio-pci and
 * on upci in compat mode (upci-vfio): DPDK's EAL wants /sys/module/vfio and
 * /sys/module/vfio_pci and a device whose driver is named exactly
 * "vfio-pci"; libvirt binds with driver_override=vfio-pci; QEMU and DPDK
 * open /dev/vfio/vfio and /dev/vfio/<group>. In compat mode an unbind also
 * waits for the user as VFIO's does (req_timeout 0), and the stand-in
 * modules refuse to load unless upci is in compat mode, and upci and the
 * kernel's vfio exclude each other (the last two tests reload the modules
 * to prove it). Runs on edu0 and edu1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "klog.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool is_chardev(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISCHR(st.st_mode);
}

/* The last component of the link at @path, into @buf; "" if none */
static const char *link_base(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	target[n] = '\0';
	snprintf(buf, size, "%s", basename(target));
	return buf;
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return 0;
}

FIXTURE(names) {
	char bdf[PCI_TOPO_BDF_SIZE];
};

FIXTURE_SETUP(names)
{
	REQUIRE_DEVICE("edu0", self->bdf);
	if (vfio_lab_driver() == VFIO_LAB_UPCI && !vfio_lab_upci_compat())
		SKIP(return, "upci without compat mode keeps its own names");
}

FIXTURE_TEARDOWN(names)
{
}

TEST_F(names, module_vfio_is_present)
{
	ASSERT_TRUE(is_dir("/sys/module/vfio"));
}

TEST_F(names, module_vfio_pci_is_present)
{
	ASSERT_TRUE(is_dir("/sys/module/vfio_pci"));
}

TEST_F(names, the_device_is_bound_to_vfio_pci_of_module_vfio_pci)
{
	char name[PCI_TOPO_NAME_SIZE], buf[NAME_MAX + 1];

	ASSERT_EQ(0, pci_topo_driver(self->bdf, name));
	ASSERT_STREQ("vfio-pci", name);
	ASSERT_STREQ("vfio_pci", link_base("/sys/bus/pci/drivers/vfio-pci/module",
					   buf, sizeof(buf)));
}

TEST_F(names, container_and_group_nodes_are_vfios)
{
	char path[64];
	int group = pci_topo_iommu_group(self->bdf);

	ASSERT_LE(0, group);
	ASSERT_TRUE(is_chardev("/dev/vfio/vfio"));
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	ASSERT_TRUE(is_chardev(path));
	ASSERT_FALSE(is_dir("/dev/upci"));
}

/* DPDK reads it when present; Debian's vfio has no no-IOMMU mode */
TEST_F(names, there_is_no_noiommu_mode)
{
	ASSERT_NE(0, access("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", F_OK));
}

/* libvirt's way: driver_override=vfio-pci, then a probe */
TEST_F(names, driver_override_vfio_pci_binds_the_driver_under_test)
{
	char bdf[PCI_TOPO_BDF_SIZE], path[128], name[PCI_TOPO_NAME_SIZE];
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char why[256];

	REQUIRE_DEVICE("edu1", bdf);
	ASSERT_EQ(0, pci_topo_unbind(bdf));
	ASSERT_EQ(0, pci_topo_driver(bdf, name));
	ASSERT_STREQ("-", name);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ASSERT_EQ(0, pci_topo_write_file(path, "vfio-pci"));
	ASSERT_EQ(0, pci_topo_write_file("/sys/bus/pci/drivers_probe", bdf));
	ASSERT_EQ(0, pci_topo_driver(bdf, name));
	ASSERT_STREQ("vfio-pci", name);
	/* and it is a VFIO device: the whole chain opens */
	ASSERT_EQ(0, vfio_lab_open_device(&d, bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	vfio_lab_close(&d);
}

static int unload(const char *module);

/*
 * A device in use pins its PCI driver's module, as VFIO's does: unloading
 * vfio_pci fails at once instead of waiting in remove for the user.
 */
TEST_F(names, an_open_device_keeps_vfio_pci_loaded)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char why[256];

	ASSERT_EQ(0, vfio_lab_open_device(&d, self->bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(-EWOULDBLOCK, unload("vfio_pci"));
	vfio_lab_close(&d);
}

/* An ignored unplug request waits, as VFIO's; it is not revoked after 30 s */
TEST_F(names, an_unbind_waits_for_the_user_as_vfios_does)
{
	char val[32];

	if (!vfio_lab_upci_compat())
		SKIP(return, "vfio-pci always waits for the user; nothing to read");
	ASSERT_EQ(0, read_line("/sys/module/upci/parameters/req_timeout", val, sizeof(val)));
	ASSERT_STREQ("0", val);
}

static int load(const char *module, const char *params)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/lib/modules/%s.ko", module);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(const char *module)
{
	return syscall(SYS_delete_module, module, O_NONBLOCK) ? -errno : 0;
}

/* vfio_pci, vfio, then upci out: compat mode gone */
static int unload_compat(void)
{
	int ret = unload("vfio_pci");

	if (!ret)
		ret = unload("vfio");
	return ret ? ret : unload("upci");
}

/* Compat mode back; the devices bind again by their driver_override */
static int load_compat(void)
{
	int ret = load("upci", "vfio_compat=1");

	if (!ret)
		ret = load("vfio", "");
	return ret ? ret : load("vfio_pci", "");
}

/*
 * The stand-ins make sense only in compat mode, and say so. Unloads
 * vfio-pci.ko, vfio.ko and upci.ko, tries the stand-ins over a plain upci,
 * then puts compat mode back: the devices rebind by their driver_override.
 */
TEST_F(names, the_stand_ins_refuse_to_load_without_compat_mode)
{
	char name[PCI_TOPO_NAME_SIZE], line[256];
	char *log;

	if (!vfio_lab_upci_compat())
		SKIP(return, "the stand-in modules are upci's");
	ASSERT_EQ(0, unload_compat());
	ASSERT_EQ(0, load("upci", ""));
	EXPECT_EQ(-EINVAL, load("vfio", ""));
	EXPECT_EQ(-EINVAL, load("vfio_pci", ""));
	log = klog_read_all();
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(klog_find_line(log, "vfio_pci is upci's stand-in for VFIO's module of that name: load upci with vfio_compat=1 first",
				   line, sizeof(line)));
	free(log);
	ASSERT_EQ(0, unload("upci"));
	ASSERT_EQ(0, load_compat());
	ASSERT_EQ(0, pci_topo_driver(self->bdf, name));
	ASSERT_STREQ("vfio-pci", name);
}

/*
 * The kernel's VFIO and upci in compat mode never both drive devices: with
 * the stand-ins loaded, the kernel's vfio.ko (staged by the scenario, not
 * loaded) cannot load, its name being taken; with it loaded, upci refuses
 * compat mode and says which modules to unload. Compat mode is put back.
 */
TEST_F(names, the_kernels_vfio_and_compat_mode_exclude_each_other)
{
	char name[PCI_TOPO_NAME_SIZE], line[256];
	char *log;

	if (!vfio_lab_upci_compat())
		SKIP(return, "upci in compat mode against the kernel's vfio");
	EXPECT_EQ(-EEXIST, load("staged/vfio", ""));
	ASSERT_EQ(0, unload_compat());
	ASSERT_EQ(0, load("staged/vfio", ""));
	EXPECT_EQ(-EBUSY, load("upci", "vfio_compat=1"));
	log = klog_read_all();
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(klog_find_line(log, "belongs to the kernel's vfio module; unload vfio-pci, vfio_iommu_type1 and vfio first",
				   line, sizeof(line)));
	free(log);
	ASSERT_EQ(0, unload("vfio"));
	ASSERT_EQ(0, load_compat());
	ASSERT_EQ(0, pci_topo_driver(self->bdf, name));
	ASSERT_STREQ("vfio-pci", name);
}

LAB_HARNESS_MAIN
