// SPDX-License-Identifier: GPL-2.0
#include "viommu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

static const struct {
	const char *name;
	enum viommu_model model;
	const char *unit_prefix;
	bool irq_remapping;
} models[] = {
	{ "intel-iommu", VIOMMU_INTEL, "dmar", true },
	{ "amd-iommu", VIOMMU_AMD, "ivhd", true },
	/* named after its PCI function (below): no prefix of its own */
	{ "virtio-iommu", VIOMMU_VIRTIO, NULL, false },
};

int viommu_get(struct viommu *v, char *err, size_t size)
{
	const char *etc = getenv("UPCILAB_ETC");
	char file[256], line[128], name[32] = "", path[PCI_TOPO_PATH_SIZE] = "";
	FILE *f;
	size_t i;

	snprintf(file, sizeof(file), "%s/viommu", etc && *etc ? etc : EXPECT_DEFAULT_ETC);
	f = fopen(file, "re");
	if (!f) {
		snprintf(err, size, "cannot open %s: %s", file, strerror(errno));
		return -errno;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	if (sscanf(line, "%31s %15s", name, path) < 1) {
		snprintf(err, size, "%s is empty", file);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (strcmp(models[i].name, name))
			continue;
		memset(v, 0, sizeof(*v));
		v->model = models[i].model;
		snprintf(v->name, sizeof(v->name), "%s", name);
		snprintf(v->path, sizeof(v->path), "%s", path);
		v->irq_remapping = models[i].irq_remapping;
		v->groups_at_probe = v->model == VIOMMU_VIRTIO;
		if (path[0] && pci_topo_resolve(path, v->unit_bdf)) {
			snprintf(err, size, "%s: the %s unit's function %s does not resolve",
				 file, name, path);
			return -ENOENT;
		}
		snprintf(v->unit_prefix, sizeof(v->unit_prefix), "%s",
			 models[i].unit_prefix ? models[i].unit_prefix : v->unit_bdf);
		if (!v->unit_prefix[0]) {
			snprintf(err, size, "%s: %s needs its unit's function", file, name);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, size, "%s names an unknown vIOMMU '%s'", file, name);
	return -EINVAL;
}

bool viommu_is_unit(const struct viommu *v, const char *bdf)
{
	char path[PCI_TOPO_PATH_SIZE];

	return v->path[0] && !pci_topo_path_of(bdf, path) && !strcmp(path, v->path);
}

bool viommu_unprobed(const struct viommu *v, const char *bdf)
{
	char driver[PCI_TOPO_NAME_SIZE];

	return v->groups_at_probe && pci_topo_iommu_group(bdf) == -ENOENT &&
	       !pci_topo_driver(bdf, driver) && !strcmp(driver, "-");
}

const char *viommu_multi_msi_refused(const struct viommu *v, unsigned int count)
{
	if (count <= 1 || v->irq_remapping)
		return NULL;
	return "x86 has multi-message MSI only through interrupt remapping, which this vIOMMU lacks (the vector domain grants one message per device)";
}

const char *viommu_dma_refused(const struct viommu *v, const char *bdf)
{
	unsigned int dom, bus;

	if (v->model != VIOMMU_AMD || sscanf(bdf, "%x:%x:", &dom, &bus) != 2 || !bus)
		return NULL;
	return "QEMU 7.2's amd-iommu translates DMA of a device off the root bus with the table entry of 00:<devfn> (it records bus 0 for buses firmware numbers later)";
}
