// SPDX-License-Identifier: GPL-2.0
#include "drivers.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "namelist.h"
#include "util.h"

static const struct driver_info drivers[] = {
	/* type1 is not a dependency of vfio-pci, but every client needs it */
	{ "vfio-pci", "vfio-pci", { "vfio_iommu_type1", "vfio-pci" }, { NULL }, NULL },
	{ "upci", "upci", { NULL }, { "upci" }, NULL },
	/*
	 * upci in compat mode, as real VFIO clients see it: VFIO's nodes,
	 * module names and driver name (kmod/upci_compat_*.c)
	 */
	{ "upci-vfio", "vfio-pci", { NULL }, { "upci", "vfio", "vfio-pci" },
	  "vfio_compat=1" },
	{ "none", NULL, { NULL }, { NULL }, NULL },
};

const struct driver_info *driver_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (!strcmp(drivers[i].name, name))
			return &drivers[i];
	return NULL;
}

const char *driver_names(void)
{
	return "vfio-pci, upci, upci-vfio, none";
}

static bool driver_known(const char *name)
{
	return driver_lookup(name);
}

const char *driver_list_unknown(const char *list, char *buf, size_t size)
{
	return namelist_unknown(list, driver_known, buf, size);
}

size_t drivers_for_run(char *const *drivers, size_t ndrivers, const char *list,
		       const char **out, char **owned)
{
	return namelist_select(drivers, ndrivers, list, out, owned);
}
