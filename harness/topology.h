/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the harness knows about QEMU's PCI device models, and what it derives
 * from a scenario's topology: bus placement, slot paths the guest can resolve,
 * and the IOMMU groups Linux will form.
 */
#ifndef UPCILAB_TOPOLOGY_H
#define UPCILAB_TOPOLOGY_H

#include <stdbool.h>

#include "scenario.h"
#include "util.h"

enum model_kind {
	MODEL_ENDPOINT,
	MODEL_PCI_BRIDGE,	/* secondary bus is conventional PCI */
	MODEL_ROOT_PORT,	/* PCIe root port: one slot below it */
};

struct pci_model {
	const char *name;
	enum model_kind kind;
	bool acs;		/* has an ACS capability (ports: unless disabled) */
};

/* Unknown models are endpoints without ACS: the conservative guess. */
const struct pci_model *pci_model_lookup(const char *name);

/*
 * Check the topology and assign free slots to devices without addr=.
 * Errors are appended to @err as "FILE:LINE: ..." and -1 is returned.
 */
int topology_resolve(struct scenario *scn, struct buf *err);

/* How many bridges/ports sit between @dev and the root bus. */
int topology_depth(const struct scenario *scn, const struct scn_device *dev);

/* "04.0/01.0": the device's slot path from the root bus. */
char *topology_path(const struct scenario *scn, const struct scn_device *dev);

/*
 * Does the scenario keep root slot VIOMMU_SLOT free (it lists a vIOMMU
 * with a PCI function)? Placement leaves it to the vIOMMU then.
 */
bool topology_viommu_slot_kept(const struct scenario *scn);
/*
 * Does @viommu give @d no IOMMU group? virtio-iommu gives none to what is
 * behind a conventional PCI bridge (viommu.h, bridge_groups).
 */
bool topology_ungrouped(const struct scenario *scn, const struct scn_device *d,
			const struct viommu_info *viommu);
/* The device at root bus @slot (any function), or NULL */
const struct scn_device *topology_root_device_at(const struct scenario *scn,
						 int slot);

/*
 * The expected IOMMU groups, one line per group: "<reason> <path>...", in
 * the format of the guest's /etc/upcilab/groups. Includes q35's own devices
 * and the vIOMMU's PCI function, "ungrouped" (a unit does not translate for
 * itself), and what topology_ungrouped() says is, the bridge then alone.
 */
char *topology_expected_groups(const struct scenario *scn,
			       const struct viommu_info *viommu);

#endif
