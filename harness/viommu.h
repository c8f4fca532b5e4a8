/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated IOMMUs a VM can have, and what each one needs from QEMU,
 * the guest kernel and the lab (its PCI function, modules, parameters).
 */
#ifndef UPCILAB_VIOMMU_H
#define UPCILAB_VIOMMU_H

#include <stdbool.h>
#include <stddef.h>

#define VIOMMU_DEFAULT "intel-iommu"
#define VIOMMU_MAX 3
/*
 * Root bus slot 01 is kept for a vIOMMU with a PCI function of its own, so
 * scenarios place devices alike on every model: QEMU 7.2's amd-iommu puts
 * its PCI half in the first free root slot and cannot be told otherwise
 * (a -global addr= trips an assertion in its option visitor), and being
 * the first device, that is 01.
 */
#define VIOMMU_SLOT 0x01

struct viommu_info {
	const char *name;	/* as in a scenario's 'viommu' line */
	const char *device;	/* QEMU -device */
	const char *cmdline;	/* guest kernel parameters it needs */
	/* a PCI function of its own, at VIOMMU_SLOT, not behind itself */
	bool pci_function;
	bool auto_slot;		/* QEMU picks its slot: the first free, 01 */
	/*
	 * Devices behind a conventional PCI bridge get an IOMMU group. Not
	 * on virtio-iommu (measured: no group, and binding one to vfio-pci
	 * or upci fails with -EINVAL): Linux 6.12 probes the endpoint by the
	 * device's own requester ID, while QEMU 7.2 knows a device behind a
	 * PCIe-to-PCI bridge only by its alias (secondary bus, devfn 0).
	 */
	bool bridge_groups;
	/* QEMU's trace event for a DMA fault, or NULL and why not */
	const char *fault_trace;
	const char *fault_untraced;
	const char *modules[2];	/* guest modules loaded before all others */
	/* insmod arguments it needs, "module key=value" */
	const char *modparams[3];
};

const struct viommu_info *viommu_lookup(const char *name);
/* Its insmod arguments for @module ("a=1 b=2"), "" when none; caller frees */
char *viommu_modparams(const struct viommu_info *vi, const char *module);
/* "intel-iommu, amd-iommu, virtio-iommu": the known names, for messages */
const char *viommu_names(void);
/* --viommu LIST: the first unknown name copied into @buf, or NULL */
const char *viommu_list_unknown(const char *list, char *buf, size_t size);

#endif
