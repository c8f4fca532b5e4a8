// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "race_stats.h"

#include <stdbool.h>
#include <string.h>

void race_op_count(struct race_op *op, long ret)
{
	atomic_fetch_add(&op->calls, 1);
	if (ret >= 0)
		atomic_fetch_add(&op->ok, 1);
	else if (-ret < RACE_MAX_ERRNO)
		atomic_fetch_add(&op->err[-ret], 1);
	else
		atomic_fetch_add(&op->err[0], 1);
}

unsigned long race_op_failures(const struct race_op *op)
{
	unsigned long n = 0;

	for (int e = 0; e < RACE_MAX_ERRNO; e++)
		n += atomic_load(&op->err[e]);
	return n;
}

void race_op_print(const struct race_op *op, FILE *out, const char *prefix)
{
	unsigned long seen[RACE_MAX_ERRNO];
	bool done[RACE_MAX_ERRNO] = { false };

	for (int e = 0; e < RACE_MAX_ERRNO; e++)
		seen[e] = atomic_load(&op->err[e]);
	fprintf(out, "%s %s calls=%lu ok=%lu", prefix, op->name,
		atomic_load(&op->calls), atomic_load(&op->ok));
	for (;;) {
		int best = -1;

		for (int e = 0; e < RACE_MAX_ERRNO; e++)
			if (!done[e] && seen[e] && (best < 0 || seen[e] > seen[best]))
				best = e;
		if (best < 0)
			break;
		done[best] = true;
		if (best == 0)
			fprintf(out, " other=%lu", seen[best]);
		else
			fprintf(out, " %s=%lu", strerrorname_np(best) ?: "E?", seen[best]);
	}
	fputc('\n', out);
}
