/* SPDX-License-Identifier: GPL-2.0 */
/* The drivers a scenario can put under test, and what each needs loaded. */
#ifndef UPCILAB_DRIVERS_H
#define UPCILAB_DRIVERS_H

#include <stddef.h>

#define DRIVER_MAX_MODULES 4

struct driver_info {
	const char *name;		/* as in the scenario's 'driver' line */
	const char *bind_name;		/* /sys/bus/pci/drivers/<bind_name> */
	const char *kernel_modules[DRIVER_MAX_MODULES]; /* from the image */
	/* built from kmod/ (NAME.ko in --kmod), loaded in this order */
	const char *our_modules[DRIVER_MAX_MODULES];
	/* insmod arguments of our_modules[0], before the scenario's own */
	const char *our_params;
};

const struct driver_info *driver_lookup(const char *name);
/* "vfio-pci, upci, ...": the known names, for messages */
const char *driver_names(void);
/*
 * --driver LIST ("upci,upci-vfio"): every name known? If not, the first
 * unknown one, else NULL.
 */
const char *driver_list_unknown(const char *list, char *buf, size_t size);
/*
 * The drivers a scenario naming @ndrivers @drivers runs with under
 * --driver @list (NULL: no option): its own that the list names, in its
 * order; if it names none of them, the list's first (an override). Fills
 * @out (room for @ndrivers, at least 1) and returns how many; the strings
 * in @out point into @drivers or are malloc()ed (the override: @owned).
 */
size_t drivers_for_run(char *const *drivers, size_t ndrivers, const char *list,
		       const char **out, char **owned);

#endif
