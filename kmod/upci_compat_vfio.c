// SPDX-License-Identifier: GPL-2.0
/*
 * vfio.ko in upci's compat mode: nothing but the name. Clients decide "is
 * VFIO there?" by /sys/module/vfio (DPDK's EAL does, before its first
 * ioctl), so upci with vfio_compat=1 needs a module of that name; being
 * loaded, it also keeps the kernel's own vfio from loading beside upci.
 * It has no parameters: like Debian's vfio (no CONFIG_VFIO_NOIOMMU) it has
 * no enable_unsafe_noiommu_mode, which DPDK then reads as "off".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "upci.h"

static int __init upci_compat_vfio_init(void)
{
	return upci_compat_required(KBUILD_MODNAME);
}

static void __exit upci_compat_vfio_exit(void)
{
}

module_init(upci_compat_vfio_init);
module_exit(upci_compat_vfio_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("upci's stand-in for VFIO's vfio module (vfio_compat=1)");
MODULE_IMPORT_NS(UPCI);
