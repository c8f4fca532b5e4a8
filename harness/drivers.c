// SPDX-License-Identifier: GPL-2.0
#include "drivers.h"

#include <stddef.h>
#include <string.h>

#include "util.h"

static const struct driver_info drivers[] = {
	/* type1 is not a dependency of vfio-pci, but every client needs it */
	{ "vfio-pci", "vfio-pci", { "vfio_iommu_type1", "vfio-pci" }, false },
	{ "upci", "upci", { NULL }, true },
	{ "none", NULL, { NULL }, false },
};

const struct driver_info *driver_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (!strcmp(drivers[i].name, name))
			return &drivers[i];
	return NULL;
}
