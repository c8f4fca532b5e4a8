/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --append-for NAMES:ARGS: guest kernel parameters for the named
 * scenarios only, after their own cmdline (make test boots its largest
 * sanitizer VMs with kmemleak=off).
 */
#ifndef UPCILAB_APPEND_FOR_H
#define UPCILAB_APPEND_FOR_H

#include <stddef.h>

#include "util.h"

#define APPEND_FOR_MAX 8

struct append_for {
	char *names;	/* comma-separated scenario names */
	char *args;
};

/* Split "NAMES:ARGS" into @out; on bad input, why in @err and -1. */
int append_for_parse(const char *arg, struct append_for *out, struct buf *err);
/* Add the ARGS of each of @a's @n entries that names @scenario to @cmdline. */
void append_for_apply(const struct append_for *a, size_t n,
		      const char *scenario, struct buf *cmdline);
void append_for_free(struct append_for *a);

#endif
