// SPDX-License-Identifier: GPL-2.0
/*
 * upci_pci.c: the PCI driver "upci". It has no ID table: a device comes to
 * upci only when an administrator asks, through driver_override or new_id,
 * exactly as with vfio-pci.
 *
 * The driver is driver_managed_dma: binding it does not put the device on
 * the kernel's DMA API, so the IOMMU group stays free to be claimed by user
 * space (upci_group.c), and a group already owned by user space accepts a
 * hot-added upci device while it refuses every host driver. What is subtle
 * is remove: the kernel cannot refuse an unbind, but an open device fd still
 * uses the device, so remove blocks until that fd is released, as VFIO's
 * unbind does, and only then frees what the fd used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "upci.h"

/* What probe refuses, in the words of vfio-pci's errnos */
static int upci_pci_check(struct pci_dev *pdev)
{
	struct iommu_group *group;

	/* Bridges (and CardBus) manage other devices: never handed out */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;
	/*
	 * A PF whose VFs exist: they belong to the host or to other users,
	 * and every reset or D3 of the PF takes them down.  upci has no
	 * sriov_configure, so no VF can appear while upci holds the PF.
	 */
	if (pci_num_vf(pdev)) {
		pci_warn(pdev, "Cannot bind to PF with SR-IOV enabled\n");
		return -EBUSY;
	}
	/* No IOMMU group, no isolation: no user-space access */
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		pci_warn(pdev, "no IOMMU group, refusing it\n");
		return -EINVAL;
	}
	iommu_group_put(group);
	return 0;
}

static int upci_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct upci_device *udev;
	int ret;

	ret = upci_pci_check(pdev);
	if (ret)
		return ret;

	udev = kzalloc(sizeof(*udev), GFP_KERNEL);
	if (!udev)
		return -ENOMEM;
	udev->pdev = pdev;
	INIT_LIST_HEAD(&udev->group_next);

	ret = upci_device_probe_init(udev);
	if (ret) {
		kfree(udev);
		return ret;
	}
	ret = upci_group_add_device(udev);
	if (ret)
		goto err_fini;
	pci_set_drvdata(pdev, udev);
	upci_reset_register(udev);
	return 0;

err_fini:
	upci_device_remove_fini(udev);
	upci_device_put(udev);
	return ret;
}

/*
 * Remove signals the REQ eventfd and waits, req_timeout seconds at most,
 * for the device fd to be released; then revokes it (upci_group.c).
 */
static void upci_pci_remove(struct pci_dev *pdev)
{
	struct upci_device *udev = pci_get_drvdata(pdev);

	upci_reset_unregister(udev);	/* out of hot resets */
	upci_group_remove_device(udev);	/* returns once no fd is left */
	upci_device_remove_fini(udev);
	upci_device_put(udev);		/* a revoked fd may hold the last */
}

/*
 * An AER error on the device: the user's ERR eventfd, and the device stays
 * with the user, who decides what to do (reset, or release it).
 */
static pci_ers_result_t upci_pci_error_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	struct upci_device *udev = pci_get_drvdata(pdev);

	if (udev)
		upci_irq_error(udev);
	return PCI_ERS_RESULT_CAN_RECOVER;
}

static const struct pci_error_handlers upci_pci_err_handlers = {
	.error_detected = upci_pci_error_detected,
};

static struct pci_driver upci_pci_driver = {
	.name			= UPCI_NAME,
	.probe			= upci_pci_probe,
	.remove			= upci_pci_remove,
	.err_handler		= &upci_pci_err_handlers,
	.driver_managed_dma	= true,
};

int upci_pci_init(void)
{
	return pci_register_driver(&upci_pci_driver);
}

/*
 * The same driver under another name, for vfio-pci.ko (upci_compat_vfio_pci.c):
 * clients (DPDK, libvirt) look for a device whose driver is "vfio-pci" and
 * bind with driver_override=vfio-pci. Only with vfio_compat=1.
 */
int upci_pci_register_as(struct pci_driver *drv, struct module *owner,
			 const char *mod_name)
{
	int ret = upci_compat_required(mod_name);

	if (ret)
		return ret;
	drv->probe = upci_pci_probe;
	drv->remove = upci_pci_remove;
	drv->err_handler = &upci_pci_err_handlers;
	drv->driver_managed_dma = true;
	return __pci_register_driver(drv, owner, mod_name);
}
EXPORT_SYMBOL_NS_GPL(upci_pci_register_as, UPCI);

void upci_pci_exit(void)
{
	pci_unregister_driver(&upci_pci_driver);
}
