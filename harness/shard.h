/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sharding a run's VMs (upcilab run --shard I/N): a deterministic split
 * balanced by each VM's cost, the measured duration of an earlier run
 * where one is at hand, an estimate otherwise.
 */
#ifndef UPCILAB_SHARD_H
#define UPCILAB_SHARD_H

#include <stddef.h>

#include "scenario.h"
#include "util.h"

#define SHARD_MAX 64

/* "I/N", 1 <= I <= N <= SHARD_MAX. */
int shard_parse(const char *s, int *index, int *count);

/*
 * Puts VM k in shard out[k] (1-based): the costliest VM first (ties by
 * label), each into the shard with the least cost so far (ties: the lowest
 * number). The same input always gives the same split.
 */
void shard_assign(const double *cost, char *const *labels, size_t n,
		  int count, int *out);

/*
 * Durations of an earlier run: "LABEL SECONDS" lines. Returns the seconds
 * for @label, or -1 if the text has none.
 */
double shard_duration_of(const char *durations, const char *label);

/* A VM's cost with no measured duration: boot, and a tenth of its timeouts. */
double shard_estimate(const struct scenario *scn);

#endif
