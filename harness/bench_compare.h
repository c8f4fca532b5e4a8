/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run's ratios upci / vfio-pci against a baseline's (bench-report
 * --baseline). The run measures its own noise: with each driver's fastest
 * and slowest round its ratio could be anywhere in [upci min / vfio-pci
 * max, upci max / vfio-pci min]; a baseline ratio outside that range moved
 * beyond the noise. Without a spread nothing is judged.
 */
#ifndef UPCILAB_BENCH_COMPARE_H
#define UPCILAB_BENCH_COMPARE_H

#include "bench_json.h"
#include "bench_line.h"

enum bench_move { BENCH_WITHIN, BENCH_NO_SPREAD, BENCH_UP, BENCH_DOWN };

struct bench_cmp {
	const struct bench_line *line;
	const struct bench_metric *metric;
	double before, now, lo, hi;	/* lo, hi: the run's ratio range */
	enum bench_move move;		/* of now against before */
};

/* Every ratio of @set the baseline has too, in @set's order; how many */
size_t bench_compare(const struct bench_set *set,
		     const struct bench_baseline *base, struct bench_cmp **out);
/*
 * What happened to upci against vfio-pci: "slower" or "faster" (by the
 * metric's kind), "higher" or "lower" (neither time nor throughput),
 * "within noise" or "no spread measured"
 */
const char *bench_move_word(const struct bench_cmp *c);

#endif
