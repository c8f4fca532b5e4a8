/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.json of `upcilab bench-report`: every measurement of a run, one
 * object per "bench:" line, keys in a fixed order (a diff of two runs
 * reads), optional keys left out when the line has nothing for them:
 *
 * {
 *   "version": 1,
 *   "generated": "2026-12-04T23:10:00Z",      when this file was written
 *   "results_dir": "build/bench/run",
 *   "run_finished": "2026-12-04T23:02:11Z",   results.ktap's mtime
 *   "host": "lab1", "host_kernel": "6.1.0-28-amd64",
 *   "measurements": [
 *     { "name": "dma-map", "vm": "bench/upci",
 *       "words": [...], "driver": "vfio-pci",          the per-VM form only
 *       "params": { "backing": "4k", "size": "64MiB", "calls": "16384", "op": "map" },
 *       "trailing_params": { "n": "3" },
 *       "metrics": [
 *         { "metric": "median_ms", "kind": "time",     time, throughput or other
 *           "values": { "vfio-pci": 150.2, "upci": 61.3 },
 *           "ratio": 0.4081225033,                     upci (else upci-vfio) / vfio-pci
 *           "min": {...}, "max": {...},                 the spread, when given
 *           "ratio_range": [0.3746882793, 0.4256756757] } ] } ] }
 *
 * A measurement is the same across runs when its name, words, params and
 * metric are (bench_key()); trailing_params (rounds, samples) may differ.
 */
#ifndef UPCILAB_BENCH_JSON_H
#define UPCILAB_BENCH_JSON_H

#include "bench_line.h"
#include "util.h"

#define BENCH_JSON_VERSION 1

int bench_json_write(const char *path, const struct bench_set *set,
		     const char *results_dir, struct buf *err);

/* A baseline's ratios, by bench_key() */
struct bench_ref {
	char *key;
	double ratio;
};

struct bench_baseline {
	struct bench_ref *refs;
	size_t n;
};

int bench_baseline_load(const char *path, struct bench_baseline *b,
			struct buf *err);
const struct bench_ref *bench_baseline_find(const struct bench_baseline *b,
					    const char *key);
void bench_baseline_free(struct bench_baseline *b);

#endif
