/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest test's settings: from its environment variable, or else from a
 * word of the kernel command line (upcilab --append, --append-for), so a
 * run sets them for one scenario without rebuilding the image.
 */
#ifndef LAB_KNOB_H
#define LAB_KNOB_H

#include <stdint.h>

/*
 * $env if it is set and not empty, else what follows @key (a word's start,
 * "upcilab.fuzz_seed=") on the kernel command line up to the next blank,
 * else NULL. Valid until the next call.
 */
const char *lab_knob_str(const char *env, const char *key);
/* The same as a number (strtoull, any base C takes), or @def if unset. */
uint64_t lab_knob(const char *env, const char *key, uint64_t def);

#endif
