/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which QEMU the lab runs, for every VM and the KVM probe alike:
 *   1. --qemu PATH;
 *   2. $UPCILAB_QEMU;
 *   3. the QEMU with our device models (mockdma) that mockdevs/build-qemu.sh
 *      builds, or finds in its cache ("--print-path": the path is the last
 *      line of its stdout; its progress goes to our stderr);
 *   4. if that fails: the system's qemu-system-x86_64, unless a scenario
 *      needs a model only our QEMU has, which is an error.
 */
#ifndef UPCILAB_QEMU_BUILD_H
#define UPCILAB_QEMU_BUILD_H

#include <stddef.h>

#include "scenario.h"
#include "util.h"

#define QEMU_SYSTEM "qemu-system-x86_64"
#define QEMU_ENV "UPCILAB_QEMU"
/* Relative to the current directory, like tests/scenarios */
#define QEMU_BUILD_SCRIPT "mockdevs/build-qemu.sh"

/* The first scenario with a device only our QEMU has (mockdma), or NULL. */
const struct scenario *qemu_needed_by(const struct scenario *scns, size_t n);

/*
 * Run @script --print-path. Returns its path (malloc'd), or NULL with one
 * line saying why in @err.
 */
char *qemu_build_path(const char *script, struct buf *err);

/*
 * Pick the emulator as above. @explicit_path: --qemu or NULL. @needed_by:
 * the name of a scenario that needs our QEMU, or NULL. Returns a malloc'd
 * path; a fallback to the system QEMU leaves one line in @note. NULL: no
 * usable QEMU, one line in @err.
 */
char *qemu_choose(const char *explicit_path, const char *script,
		  const char *needed_by, struct buf *note, struct buf *err);

#endif
