// SPDX-License-Identifier: GPL-2.0
/*
 * upci_main.c: module init and exit, the parameters, and the container node.
 *
 * The container node is a misc device: /dev/upci/upci, or /dev/vfio/vfio
 * with vfio_compat=1 so that unmodified VFIO clients find it. In compat mode
 * upci and the kernel's vfio module would fight over the same nodes, so upci
 * takes vfio's own misc minor: whichever module loads second fails cleanly
 * with -EBUSY, and upci says why. upci shares no symbol with vfio and can
 * sit next to it outside compat mode.
 *
 * Compat mode is for clients that recognise VFIO by more than its nodes:
 * two small modules named as VFIO's (vfio.ko and vfio-pci.ko, the
 * upci_compat_*.c files) give them /sys/module/vfio, /sys/module/vfio_pci
 * and a PCI driver named "vfio-pci", and keep the kernel's vfio modules from
 * loading beside upci. Defaults a client would notice follow VFIO there:
 * an unbind waits for the user forever (req_timeout=0), as VFIO's does,
 * instead of revoking the fds after 30 s; setting req_timeout keeps upci's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>

#include "upci.h"

#define CREATE_TRACE_POINTS
#include "upci_trace.h"

bool upci_vfio_compat;
module_param_named(vfio_compat, upci_vfio_compat, bool, 0444);
MODULE_PARM_DESC(vfio_compat,
		 "Nodes at /dev/vfio/vfio and /dev/vfio/<group>, as VFIO's; fails to load next to the kernel's vfio (default: /dev/upci)");

unsigned int upci_dma_entry_limit = U16_MAX;
module_param_named(dma_entry_limit, upci_dma_entry_limit, uint, 0644);
MODULE_PARM_DESC(dma_entry_limit,
		 "Maximum number of DMA mappings per container, read at VFIO_SET_IOMMU (65535)");

bool upci_allow_unsafe_interrupts;
module_param_named(allow_unsafe_interrupts, upci_allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Accept groups whose MSIs the platform cannot isolate (no interrupt remapping), as vfio_iommu_type1's: a device could then forge interrupts, read at each group attach (default: off)");

bool upci_nointxmask;
module_param_named(nointxmask, upci_nointxmask, bool, 0644);
MODULE_PARM_DESC(nointxmask,
		 "Never mask INTx with DisINTx (as vfio-pci's): INTx then needs an exclusive line, read at each device open (default: off)");

/* -1 until init picks the mode's default */
int upci_req_timeout = -1;
module_param_named(req_timeout, upci_req_timeout, int, 0644);
MODULE_PARM_DESC(req_timeout,
		 "Seconds an unbind waits for the user to release the device (REQ eventfd signalled every 10 s) before revoking its fds; 0 waits forever, as vfio (default 30, and 0 with vfio_compat=1)");

/* The container node in each mode */
static const struct {
	int minor;
	const char *name;
	const char *nodename;
} upci_container_nodes[] = {
	[false] = { MISC_DYNAMIC_MINOR,	UPCI_NAME,	UPCI_NAME "/" UPCI_NAME },
	[true]	= { VFIO_MINOR,		"vfio",		"vfio/vfio" },
};

static struct miscdevice upci_container_dev = {
	.fops = &upci_container_fops,
	.mode = 0666,			/* unprivileged, as VFIO's */
};

const char *upci_node_dir(void)
{
	return upci_vfio_compat ? "vfio" : UPCI_NAME;
}

unsigned int upci_req_timeout_s(void)
{
	int t = READ_ONCE(upci_req_timeout);

	/* a negative value written later means the mode's default again */
	return t >= 0 ? t : upci_vfio_compat ? 0 : 30;
}

int upci_compat_required(const char *what)
{
	if (upci_vfio_compat)
		return 0;
	pr_err("%s is upci's stand-in for VFIO's module of that name: load upci with vfio_compat=1 first\n",
	       what);
	return -EINVAL;
}
EXPORT_SYMBOL_NS_GPL(upci_compat_required, UPCI);

static int __init upci_init(void)
{
	int ret;

	upci_req_timeout = upci_req_timeout_s();
	upci_container_dev.minor = upci_container_nodes[upci_vfio_compat].minor;
	upci_container_dev.name = upci_container_nodes[upci_vfio_compat].name;
	upci_container_dev.nodename =
		upci_container_nodes[upci_vfio_compat].nodename;

	ret = upci_intrs_init();
	if (ret)
		return ret;
	ret = upci_groups_init();
	if (ret)
		goto err_intrs;
	ret = misc_register(&upci_container_dev);
	if (ret) {
		if (upci_vfio_compat && ret == -EBUSY)
			pr_err("vfio_compat=1: /dev/vfio/vfio (misc minor %d) belongs to the kernel's vfio module; unload vfio-pci, vfio_iommu_type1 and vfio first, or load upci without vfio_compat\n",
			       VFIO_MINOR);
		else
			pr_err("cannot register /dev/%s: %d\n",
			       upci_container_dev.nodename, ret);
		goto err_groups;
	}
	ret = upci_pci_init();
	if (ret)
		goto err_misc;
	return 0;

err_misc:
	misc_deregister(&upci_container_dev);
err_groups:
	upci_groups_exit();
err_intrs:
	upci_intrs_exit();
	return ret;
}

static void __exit upci_exit(void)
{
	upci_pci_exit();
	misc_deregister(&upci_container_dev);
	upci_groups_exit();
	upci_intrs_exit();
}

module_init(upci_init);
module_exit(upci_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Unprivileged PCI device access behind the IOMMU, with the VFIO user API");
