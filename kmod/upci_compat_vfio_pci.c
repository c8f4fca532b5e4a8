// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-pci.ko in upci's compat mode: upci's PCI driver under the name
 * "vfio-pci". Clients look for a device whose driver is exactly that
 * (DPDK's PCI bus) and for /sys/module/vfio_pci; administrators and
 * libvirt bind with driver_override=vfio-pci. Probe, remove and error
 * handling are upci's own (upci_pci.c); being loaded, this module also
 * keeps the kernel's vfio-pci from loading beside upci.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>

#include "upci.h"

static struct pci_driver upci_compat_vfio_pci_driver = {
	.name = "vfio-pci",
};

static int __init upci_compat_vfio_pci_init(void)
{
	return upci_pci_register_as(&upci_compat_vfio_pci_driver, THIS_MODULE,
				    KBUILD_MODNAME);
}

static void __exit upci_compat_vfio_pci_exit(void)
{
	pci_unregister_driver(&upci_compat_vfio_pci_driver);
}

module_init(upci_compat_vfio_pci_init);
module_exit(upci_compat_vfio_pci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("upci's PCI driver under vfio-pci's name (vfio_compat=1)");
MODULE_IMPORT_NS(UPCI);
