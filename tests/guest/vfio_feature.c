// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE as clients probe it at start-up: QEMU asks for
 * MIGRATION (and, from 8.0, DMA_LOGGING) with PROBE before anything else,
 * and reads -ENOTTY as "this device has no migration". Each feature, with
 * PROBE, GET and SET, must get vfio-pci's answer for a device without
 * migration and without SR-IOV; the header's own checks come first.
 * vfio-pci offers the LOW_POWER features (runtime PM); upci does not, an
 * intended difference. Runs on edu0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

/* Linux 6.2's uAPI; Debian 12's libc headers are 6.1's */
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif

#define PROBE	VFIO_DEVICE_FEATURE_PROBE
#define GET	VFIO_DEVICE_FEATURE_GET
#define SET	VFIO_DEVICE_FEATURE_SET

struct feature_arg {
	struct vfio_device_feature hdr;
	uint8_t data[64];
};

/* VFIO_DEVICE_FEATURE with @flags and @argsz: 0 or -errno */
static int feature(int fd, uint32_t flags, uint32_t argsz)
{
	struct feature_arg a;

	memset(&a, 0, sizeof(a));
	a.hdr.argsz = argsz;
	a.hdr.flags = flags;
	return ioctl(fd, VFIO_DEVICE_FEATURE, &a) ? -errno : 0;
}

#define test_err_feature(err, fd, flags, argsz) \
	ASSERT_EQ(-(err), feature(fd, flags, argsz))

FIXTURE(feature) {
	struct vfio_lab_dev dev;
};

FIXTURE_SETUP(feature)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("edu0", bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(feature)
{
	vfio_lab_close(&self->dev);
}

/* ---- the header, before any feature ---- */

TEST_F(feature, argsz_below_the_header_is_einval)
{
	test_err_feature(EINVAL, self->dev.fd, PROBE | VFIO_DEVICE_FEATURE_MIGRATION,
			 offsetof(struct vfio_device_feature, flags));
}

TEST_F(feature, unknown_flag_is_einval)
{
	test_err_feature(EINVAL, self->dev.fd, PROBE | (1u << 20), sizeof(struct feature_arg));
	test_err_feature(EINVAL, self->dev.fd, (1u << 31) | VFIO_DEVICE_FEATURE_MIGRATION,
			 sizeof(struct feature_arg));
}

TEST_F(feature, get_and_set_together_without_probe_is_einval)
{
	test_err_feature(EINVAL, self->dev.fd, GET | SET | VFIO_DEVICE_FEATURE_MIGRATION,
			 sizeof(struct feature_arg));
}

TEST_F(feature, bad_argument_pointer_is_efault)
{
	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_FEATURE, (void *)8));
	ASSERT_EQ(EFAULT, errno);
}

/* ---- features a device without migration or SR-IOV lacks ---- */

static const uint32_t absent[] = {
	VFIO_DEVICE_FEATURE_PCI_VF_TOKEN,
	VFIO_DEVICE_FEATURE_MIGRATION,
	VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
	VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP,
	VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT,
	VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
	10, 11, 99, VFIO_DEVICE_FEATURE_MASK,	/* BUS_MASTER (6.12, not vfio-pci's), none */
};

TEST_F(feature, migration_logging_and_vf_token_are_enotty_every_way)
{
	static const uint32_t ops[] = { PROBE | GET, PROBE | SET, PROBE, GET, SET };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(absent); i++)
		for (j = 0; j < ARRAY_SIZE(ops); j++)
			EXPECT_EQ(-ENOTTY, feature(self->dev.fd, ops[j] | absent[i],
						   sizeof(struct feature_arg)))
				TH_LOG("feature %u, flags %#x", absent[i], ops[j]);
}

/* ---- low power: vfio-pci's runtime PM, not offered by upci ---- */

TEST_F(feature, low_power_features_probe)
{
	static const uint32_t lp[] = {
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY,
		VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP,
		VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};
	int set = intended_difference(0, -ENOTTY,
		"no runtime power management of assigned devices: the LOW_POWER features are absent");
	int get = intended_difference(-EINVAL, -ENOTTY,
		"the LOW_POWER features are absent, so GET is not even checked");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lp); i++) {
		EXPECT_EQ(set, feature(self->dev.fd, PROBE | SET | lp[i],
				       sizeof(struct feature_arg)))
			TH_LOG("feature %u", lp[i]);
		EXPECT_EQ(get, feature(self->dev.fd, PROBE | GET | lp[i],
				       sizeof(struct feature_arg)))
			TH_LOG("feature %u", lp[i]);
	}
}

LAB_HARNESS_MAIN
