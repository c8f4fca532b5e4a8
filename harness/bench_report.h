/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upcilab bench-report [--baseline FILE.json] [--out DIR] RESULTS_DIR
 *
 * The host's report of `make bench`: every "# bench:" line of
 * RESULTS_DIR/results.ktap (bench_line.h) into DIR (default build/bench):
 * results.json (bench_json.h), report.md, the gnuplot plots
 * (bench_plot.h), and a table on stdout. With a baseline (an earlier
 * results.json), each ratio upci / vfio-pci is compared with the
 * baseline's against the run's own noise (bench_compare.h); a report, not a
 * gate: moved ratios do not fail it. Malformed lines, missing or invalid
 * input and unwritable output do (exit 1; 2 for a usage error).
 */
#ifndef UPCILAB_BENCH_REPORT_H
#define UPCILAB_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_compare.h"
#include "bench_line.h"
#include "util.h"

#define BENCH_REPORT_DEFAULT_OUT "build/bench"

struct bench_report_opts {
	const char *results_dir;
	const char *out_dir;
	const char *baseline;		/* NULL: no comparison */
};

/* What report.md is made of */
struct bench_report {
	const struct bench_report_opts *opts;
	const struct bench_set *set;
	const struct strv *pngs;
	bool plots_skipped;
	const struct bench_cmp *cmp;
	size_t ncmp, nmoved;
};

/* The report; messages on @out, errors on @err; the exit status */
int bench_report_run(const struct bench_report_opts *o, FILE *out, FILE *err);
/* argv[0] is "bench-report"; the exit status */
int bench_report_main(int argc, char **argv);

int bench_markdown_write(const char *path, const struct bench_report *r);

#endif
