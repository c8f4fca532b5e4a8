/* SPDX-License-Identifier: GPL-2.0 */
/*
 * race_stats: what racing calls answered, per operation, for a torture
 * test's report. Every call is counted: a success, or its errno in a
 * histogram (an errno from a call that lost a race is expected; the
 * histogram is the "races seen"). Counters are atomic: any thread counts.
 */
#ifndef RACE_STATS_H
#define RACE_STATS_H

#include <stdatomic.h>
#include <stdio.h>

#define RACE_MAX_ERRNO	140

struct race_op {
	const char *name;
	atomic_ulong calls;
	atomic_ulong ok;
	atomic_ulong err[RACE_MAX_ERRNO];	/* [0]: errnos out of range */
};

/* One call's result: >= 0 is a success, -errno a failure. */
void race_op_count(struct race_op *op, long ret);
/* Failed calls of op (the races it lost, and refusals). */
unsigned long race_op_failures(const struct race_op *op);
/*
 * One line: "PREFIX NAME calls=N ok=N EBUSY=N ENODEV=N ..." (errnos by
 * name, most frequent first).
 */
void race_op_print(const struct race_op *op, FILE *out, const char *prefix);

#endif /* RACE_STATS_H */
