/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_min: delta debugging (Zeller's ddmin) of a call sequence: remove
 * chunks of calls, halving them, while the rest still fails.
 */
#ifndef FUZZ_MIN_H
#define FUZZ_MIN_H

#include <stdbool.h>

#include "fuzz_gen.h"

/*
 * Whether calls[0..*n) still fails; on true it may lower *n to the call
 * where it failed (later calls do not matter).
 */
typedef bool (*fz_still_fails)(void *ctx, const struct fz_call *calls, unsigned int *n);

struct fz_min_budget {
	unsigned int max_tests;		/* candidate runs at most */
	double max_ms;			/* and this long */
	unsigned int tests;		/* out: runs made */
	bool exhausted;			/* out: stopped by the budget */
};

/* Shrinks calls[0..n) in place; returns the new length. */
unsigned int fz_minimize(struct fz_call *calls, unsigned int n, fz_still_fails test,
			 void *ctx, struct fz_min_budget *b);

#endif /* FUZZ_MIN_H */
