// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV physical functions (issue 13, item 3).  A PF whose VFs exist
 * must not be handed to a user: every open resets it (FLR) and the user
 * could reset it or put it in D3 at will, taking down VFs that belong to
 * the host or to other users.  vfio-pci refuses such a PF at probe
 * ("Cannot bind to PF with SR-IOV enabled", -EBUSY); so must upci.  Once
 * either driver holds a PF, no VF can appear (neither lets sysfs enable
 * them: upci has no sriov_configure, vfio-pci's needs enable_sriov=1).
 *
 * sr0 is a mockdma with sriov=on, total-vfs=2 at 00.0 below a root port
 * (VFs at 00.1 and 00.2), held by pci-pf-stub at boot so that the test
 * can enable VFs through sysfs.  A VF is a mockdma-vf; the driver under
 * test hands one to the user like any device (IDs virtualized, since a
 * VF's read all ones).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "klog.h"
#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PF_STUB		"pci-pf-stub"

static int set_attr(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	return pci_topo_write_file(path, val);
}

/* driver_override, then bind: the probe's errno comes back */
static int bind_to(const char *bdf, const char *driver)
{
	int ret = set_attr(bdf, "driver_override", driver);

	return ret ? ret : pci_topo_bind(bdf, driver);
}

/* Unbind from whatever holds it (nothing is fine) */
static int release(const char *bdf)
{
	char drv[PCI_TOPO_NAME_SIZE];

	if (pci_topo_driver(bdf, drv))
		return 0;
	return pci_topo_unbind(bdf);
}

/* The BDF of VF @n (0-based) of the PF at @pf: functions 1 and up */
static void vf_bdf(const char *pf, int n, char bdf[PCI_TOPO_BDF_SIZE])
{
	snprintf(bdf, PCI_TOPO_BDF_SIZE, "%.*s%d", (int)strlen(pf) - 1, pf,
		 MOCKDMA_VF_OFFSET + n);
}

static bool vf_exists(const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return !access(path, F_OK);
}

FIXTURE(sriov) {
	char pf[PCI_TOPO_BDF_SIZE];
};

FIXTURE_SETUP(sriov)
{
	char drv[PCI_TOPO_NAME_SIZE] = "", why[256];

	if (vfio_lab_declared_bdf("sr0", self->pf, why, sizeof(why)))
		SKIP(return, "%s", why);
	if (pci_topo_attr_long(self->pf, "sriov_totalvfs") != 2)
		SKIP(return, "sr0 has no SR-IOV capability with 2 VFs");
	/* every test starts with the PF on pci-pf-stub and no VF */
	pci_topo_driver(self->pf, drv);
	if (strcmp(drv, PF_STUB)) {
		ASSERT_EQ(0, release(self->pf));
		ASSERT_EQ(0, bind_to(self->pf, PF_STUB));
	}
	ASSERT_EQ(0, set_attr(self->pf, "sriov_numvfs", "0"));
}

FIXTURE_TEARDOWN(sriov)
{
	char drv[PCI_TOPO_NAME_SIZE] = "";

	pci_topo_driver(self->pf, drv);
	if (strcmp(drv, PF_STUB)) {
		release(self->pf);
		bind_to(self->pf, PF_STUB);
	}
	set_attr(self->pf, "sriov_numvfs", "0");
}

TEST_F_TIMEOUT(sriov, a_pf_with_vfs_is_refused, 60)
{
	char vf0[PCI_TOPO_BDF_SIZE], line[256], *log;
	int ret;

	ASSERT_EQ(0, set_attr(self->pf, "sriov_numvfs", "2"));
	vf_bdf(self->pf, 0, vf0);
	ASSERT_TRUE(vf_exists(vf0)) TH_LOG("VF %s did not appear", vf0);

	/* pci-pf-stub lets go and leaves the VFs enabled */
	ASSERT_EQ(0, pci_topo_unbind(self->pf));
	ASSERT_EQ(2, pci_topo_attr_long(self->pf, "sriov_numvfs"));

	ret = bind_to(self->pf, vfio_lab_bind_name());
	EXPECT_EQ(-EBUSY, ret) TH_LOG("%s took a PF with 2 VFs: %s", vfio_lab_bind_name(),
				      strerror(-ret));
	log = klog_read_all();
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(klog_find_line(log, "Cannot bind to PF with SR-IOV enabled", line,
				   sizeof(line)));
	free(log);
	/* and the VFs are still there */
	EXPECT_EQ(2, pci_topo_attr_long(self->pf, "sriov_numvfs"));
}

TEST_F_TIMEOUT(sriov, a_pf_without_vfs_is_taken_and_keeps_none, 60)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char vf0[PCI_TOPO_BDF_SIZE], why[256];
	uint64_t magic = 0;

	ASSERT_EQ(0, pci_topo_unbind(self->pf));
	ASSERT_EQ(0, bind_to(self->pf, vfio_lab_bind_name()));
	/* no VF can be enabled under it: the driver has no sriov_configure */
	EXPECT_EQ(-ENOENT, set_attr(self->pf, "sriov_numvfs", "1"));
	EXPECT_EQ(0, pci_topo_attr_long(self->pf, "sriov_numvfs"));

	ASSERT_EQ(0, vfio_lab_open_device(&d, self->pf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_lab_reg_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_REG_MAGIC, 4,
				       &magic));
	EXPECT_EQ(MOCKDMA_MAGIC, magic);
	vfio_lab_close(&d);
	vf_bdf(self->pf, 0, vf0);
	EXPECT_FALSE(vf_exists(vf0)) TH_LOG("a VF %s exists", vf0);
}

/*
 * vfio-pci takes a VF token with the name of any PF (a device with the
 * SR-IOV capability), VFs or not: vfio_pci_vf_init() gives every PF a
 * vf_token, and vfio_pci_validate_vf_token() with no VF users sets it and
 * opens the device.  DPDK's --vfio-vf-token sends "BDF vf_token=UUID"
 * first.  A malformed or repeated option is -EINVAL on any device.
 */
#define VF_TOKEN "2ab74924-c335-45f4-9b16-8569e5b08258"

TEST_F_TIMEOUT(sriov, a_pf_without_vfs_opens_with_a_vf_token, 60)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char name[PCI_TOPO_BDF_SIZE + 128], why[256];

	ASSERT_EQ(0, pci_topo_unbind(self->pf));
	ASSERT_EQ(0, bind_to(self->pf, vfio_lab_bind_name()));
	ASSERT_EQ(0, vfio_lab_attach(&d, self->pf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);

	snprintf(name, sizeof(name), "%s vf_token=xyz", self->pf);
	EXPECT_EQ(-EINVAL, vfio_lab_get_device_fd(d.group, name));
	snprintf(name, sizeof(name), "%s vf_token=" VF_TOKEN " vf_token=" VF_TOKEN, self->pf);
	EXPECT_EQ(-EINVAL, vfio_lab_get_device_fd(d.group, name));
	snprintf(name, sizeof(name), "%s vf_token=" VF_TOKEN "x", self->pf);
	EXPECT_EQ(-EINVAL, vfio_lab_get_device_fd(d.group, name));

	snprintf(name, sizeof(name), "%s vf_token=" VF_TOKEN, self->pf);
	d.fd = vfio_lab_get_device_fd(d.group, name);
	EXPECT_LE(0, d.fd) TH_LOG("GET_DEVICE_FD \"%s\": %s", name, strerror(-d.fd));
	if (d.fd < 0)
		d.fd = -1;
	vfio_lab_close(&d);
}

/* A VF whose PF the host drives takes no token (vfio-pci: -EINVAL) */
TEST_F_TIMEOUT(sriov, a_vf_of_a_host_pf_refuses_a_vf_token, 60)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char name[PCI_TOPO_BDF_SIZE + 128], vf0[PCI_TOPO_BDF_SIZE], why[256];

	ASSERT_EQ(0, set_attr(self->pf, "sriov_numvfs", "2"));
	vf_bdf(self->pf, 0, vf0);
	ASSERT_EQ(0, bind_to(vf0, vfio_lab_bind_name()));
	ASSERT_EQ(0, vfio_lab_attach(&d, vf0, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	snprintf(name, sizeof(name), "%s vf_token=" VF_TOKEN, vf0);
	EXPECT_EQ(-EINVAL, vfio_lab_get_device_fd(d.group, name));
	vfio_lab_close(&d);
	EXPECT_EQ(0, release(vf0));
	EXPECT_EQ(0, set_attr(vf0, "driver_override", "\n"));
}

/* The usual SR-IOV set-up: the host keeps the PF, a user gets a VF */
TEST_F_TIMEOUT(sriov, a_vf_is_handed_out_with_its_ids, 60)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	uint64_t vendor = 0, device = 0, magic = 0, number = 1;
	char vf0[PCI_TOPO_BDF_SIZE], why[256];

	ASSERT_EQ(0, set_attr(self->pf, "sriov_numvfs", "2"));
	vf_bdf(self->pf, 0, vf0);
	ASSERT_EQ(0, bind_to(vf0, vfio_lab_bind_name()));
	ASSERT_EQ(0, vfio_lab_open_device(&d, vf0, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_lab_config_read(d.fd, PCI_VENDOR_ID, 2, &vendor));
	ASSERT_EQ(0, vfio_lab_config_read(d.fd, PCI_DEVICE_ID, 2, &device));
	EXPECT_EQ(MOCKDMA_VENDOR_ID, vendor);
	EXPECT_EQ(MOCKDMA_VF_DEVICE_ID, device);
	ASSERT_EQ(0, vfio_lab_reg_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_MAGIC, 4,
				       &magic));
	EXPECT_EQ(MOCKDMA_VF_MAGIC, magic);
	ASSERT_EQ(0, vfio_lab_reg_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_NUMBER, 4,
				       &number));
	EXPECT_EQ(0, number);
	/* its scratch register keeps what the user writes; MAGIC is read-only */
	ASSERT_EQ(0, vfio_lab_reg_write(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_SCRATCH, 4,
					0x5ca1ab1e));
	ASSERT_EQ(0, vfio_lab_reg_write(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_MAGIC, 4, 0));
	ASSERT_EQ(0, vfio_lab_reg_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_SCRATCH, 4,
				       &magic));
	EXPECT_EQ(0x5ca1ab1e, magic);
	ASSERT_EQ(0, vfio_lab_reg_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, MOCKDMA_VF_REG_MAGIC, 4,
				       &magic));
	EXPECT_EQ(MOCKDMA_VF_MAGIC, magic);
	vfio_lab_close(&d);
	EXPECT_EQ(0, release(vf0));
	EXPECT_EQ(0, set_attr(vf0, "driver_override", "\n"));
}

LAB_HARNESS_MAIN
