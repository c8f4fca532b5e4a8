/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel modules for the guest: resolve names through the unpacked kernel's
 * modules.dep into a load order, dependencies first.
 */
#ifndef UPCILAB_MODULES_H
#define UPCILAB_MODULES_H

#include "util.h"

/*
 * Append to @order the modules.dep-relative paths of @names and everything
 * they depend on, each once, dependencies first. Names match with '-' and '_'
 * interchangeable, as modprobe does. Returns -1 and explains in @err when a
 * name is unknown.
 */
int modules_resolve(const char *modules_dep_text, const struct strv *names,
		    struct strv *order, struct buf *err);

/*
 * The release of an unpacked kernel: the one directory under
 * @kernel_dir/lib/modules, malloc'd; NULL if there is none or several.
 */
char *modules_release(const char *kernel_dir);

/* "kernel/drivers/vfio/pci/vfio-pci.ko.xz" -> "vfio_pci" */
char *module_name_of(const char *path);
/*
 * The insmod arguments for @module among @n "module key=value..." entries
 * ("a=1 b=2", in their order), "" when none; caller frees.
 */
char *modparams_of(const char *const *entries, size_t n, const char *module);

#endif
