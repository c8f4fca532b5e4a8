/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streaming KTAP/TAP parser: lines go in as they arrive from the guest,
 * results come out as a tree under a caller-supplied node. Nesting follows
 * KTAP (4 spaces per level). Anything malformed that could hide a result
 * (missing results against the plan, numbers out of order, a bail out)
 * becomes a failing node whose name starts with "ktap:", so it is counted.
 */
#ifndef UPCILAB_KTAP_H
#define UPCILAB_KTAP_H

#include "results.h"

struct ktap;

struct ktap *ktap_new(struct test_node *root);
void ktap_line(struct ktap *k, const char *line);
/* The stream is over: check it against the plan. */
void ktap_end(struct ktap *k);
/* The case announced by kselftest's "#  RUN" line and not yet reported. */
const char *ktap_running(const struct ktap *k);
void ktap_free(struct ktap *k);

#endif
