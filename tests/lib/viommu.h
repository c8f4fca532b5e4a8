/* SPDX-License-Identifier: GPL-2.0 */
/*
 * viommu: which emulated IOMMU this VM has, as the harness wrote it in
 * $UPCILAB_ETC/viommu (default /etc/upcilab/viommu): "<model> [<path>]",
 * the path being the unit's own PCI function when it has one.
 */
#ifndef VIOMMU_H
#define VIOMMU_H

#include <stdbool.h>

#include "pci_topo.h"

enum viommu_model {
	VIOMMU_INTEL,
	VIOMMU_AMD,
	VIOMMU_VIRTIO,
};

struct viommu {
	enum viommu_model model;
	char name[32];			/* "intel-iommu" */
	char path[PCI_TOPO_PATH_SIZE];	/* its PCI function, or "" */
	char unit_bdf[PCI_TOPO_BDF_SIZE];	/* that function's BDF, or "" */
	/* what the guest kernel shows of it */
	char unit_prefix[PCI_TOPO_BDF_SIZE];	/* /sys/class/iommu/<prefix>... */
	bool irq_remapping;
	/*
	 * Linux 6.12 finds a device's virtio-iommu in the ACPI VIOT table only
	 * when a driver probes the device: one no driver took has no group.
	 */
	bool groups_at_probe;
};

/* 0, or a negative errno with what is wrong in @err. */
int viommu_get(struct viommu *v, char *err, size_t size);
/*
 * Why a device cannot have @count MSI messages on this vIOMMU, or NULL:
 * x86's vector domain grants one message per device, more need interrupt
 * remapping (virtio-iommu has none).
 */
const char *viommu_multi_msi_refused(const struct viommu *v, unsigned int count);
/*
 * Why DMA of @bdf cannot be tested on this vIOMMU, or NULL: QEMU 7.2's
 * amd-iommu keys a device's address space by the bus number it had when
 * QEMU created it, 0 for every bus behind a port or bridge (firmware
 * numbers them later), so such a device's DMA walks the table entry of
 * 00:<devfn> (measured: a mockdma behind a root port completes nothing).
 */
const char *viommu_dma_refused(const struct viommu *v, const char *bdf);
/* Is @bdf the unit's own PCI function? */
bool viommu_is_unit(const struct viommu *v, const char *bdf);
/*
 * A device this vIOMMU never looked at (groups_at_probe, no driver): its
 * lack of a group says nothing about the IOMMU.
 */
bool viommu_unprobed(const struct viommu *v, const char *bdf);

#endif /* VIOMMU_H */
