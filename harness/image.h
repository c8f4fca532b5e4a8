/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest image: a busybox initramfs holding the modules the scenario's
 * driver needs, the static test binaries, the expectation files derived from
 * the topology, and an init that runs the scenario's steps.
 */
#ifndef UPCILAB_IMAGE_H
#define UPCILAB_IMAGE_H

#include "scenario.h"
#include "util.h"

struct image_spec {
	const struct scenario *scn;
	const char *driver;		/* the driver under test */
	const struct viommu_info *viommu;
	const char *kernel_dir;		/* the unpacked kernel package */
	const char *kver;
	const char *guest_dir;		/* static test binaries, upcilab-guest */
	const char *kmod_dir;		/* modules built from kmod/ */
	const char *test_kmod_dir;	/* test modules built from tests/kmod/ */
	const char *busybox;
	const char *stage_dir;		/* scratch; emptied first */
	const char *out;		/* the cpio archive */
};

int image_build(const struct image_spec *spec, struct buf *err);

/* Pack @stage_dir into the newc cpio archive @out (root-owned, sorted). */
int image_pack(const char *stage_dir, const char *out, struct buf *err);

/* The /init script; @modules are module file names in load order. */
char *image_init_script(const struct scenario *scn, const char *driver,
			const struct viommu_info *viommu,
			const struct strv *modules);

/*
 * Why the lab leaves a 'bind' device unbound on @viommu (one the model
 * cannot translate for), or NULL; /etc/upcilab/unbound: "<id> <why>" for
 * each such device.
 */
const char *image_unbindable(const struct scenario *scn,
			     const struct scn_device *d,
			     const struct viommu_info *viommu);
char *image_unbound_file(const struct scenario *scn,
			 const struct viommu_info *viommu);

/* /etc/upcilab/viommu: "<model>", then its function's path if it has one */
char *image_viommu_file(const struct viommu_info *viommu);

/* /etc/upcilab/devices: "<id> <path> <model>" per scenario device. */
char *image_devices_file(const struct scenario *scn);

#endif
