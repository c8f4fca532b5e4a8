// SPDX-License-Identifier: GPL-2.0
#include "drivers.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* Is @name one of @list's comma-separated words? */
static bool list_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

const char *driver_list_unknown(const char *list, char *buf, size_t size)
{
	for (const char *p = list; p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		snprintf(buf, size, "%.*s", (int)n, p);
		if (!driver_lookup(buf))
			return buf;
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

size_t drivers_for_run(char *const *drivers, size_t ndrivers, const char *list,
		       const char **out, char **owned)
{
	size_t n = 0;

	*owned = NULL;
	for (size_t i = 0; i < ndrivers; i++)
		if (!list || list_has(list, drivers[i]))
			out[n++] = drivers[i];
	if (n || !list)
		return n;
	*owned = xasprintf("%.*s", (int)strcspn(list, ","), list);
	out[0] = *owned;
	return 1;
}
