// SPDX-License-Identifier: GPL-2.0
#include "viommu.h"

#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "namelist.h"
#include "util.h"

static const struct viommu_info viommus[] = {
	{
		.name = "intel-iommu",
		.device = "intel-iommu,intremap=on",
		.cmdline = "intel_iommu=on",
		.fault_trace = "vtd_dmar_fault",
		.bridge_groups = true,
	},
	{
		.name = "amd-iommu",
		.device = "amd-iommu,intremap=on",
		.cmdline = "",
		.pci_function = true,
		.auto_slot = true,
		/* amdvi_page_fault only fires for a refusing upper level */
		.fault_untraced = "QEMU 7.2's amd-iommu raises no fault (and traces no amdvi_page_fault) for a missing or read-only last-level page table entry: amdvi_page_walk returns without amdvi_page_fault",
		.bridge_groups = true,
	},
	{
		/*
		 * No interrupt remapping on x86: both drivers refuse a group
		 * whose MSIs are not isolated unless told that is acceptable.
		 */
		.name = "virtio-iommu",
		.device = "virtio-iommu-pci",
		.fault_trace = "virtio_iommu_report_fault",
		.cmdline = "",
		.pci_function = true,
		.modules = { "virtio_iommu" },
		.modparams = { "vfio_iommu_type1 allow_unsafe_interrupts=1",
			       "upci allow_unsafe_interrupts=1" },
	},
};

const struct viommu_info *viommu_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(viommus); i++)
		if (!strcmp(viommus[i].name, name))
			return &viommus[i];
	return NULL;
}

const char *viommu_names(void)
{
	return "intel-iommu, amd-iommu, virtio-iommu";
}

char *viommu_modparams(const struct viommu_info *vi, const char *module)
{
	size_t n = 0;

	while (n < ARRAY_SIZE(vi->modparams) && vi->modparams[n])
		n++;
	return modparams_of(vi->modparams, n, module);
}

static bool viommu_known(const char *name)
{
	return viommu_lookup(name);
}

const char *viommu_list_unknown(const char *list, char *buf, size_t size)
{
	return namelist_unknown(list, viommu_known, buf, size);
}
