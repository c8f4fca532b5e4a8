/* SPDX-License-Identifier: GPL-2.0 */
/* The drivers a scenario can put under test, and what each needs loaded. */
#ifndef UPCILAB_DRIVERS_H
#define UPCILAB_DRIVERS_H

#include <stdbool.h>

#define DRIVER_MAX_MODULES 4

struct driver_info {
	const char *name;		/* as in the scenario's 'driver' line */
	const char *bind_name;		/* /sys/bus/pci/drivers/<bind_name> */
	const char *kernel_modules[DRIVER_MAX_MODULES]; /* from the image */
	bool built_here;		/* the module comes from kmod/ */
};

const struct driver_info *driver_lookup(const char *name);

#endif
