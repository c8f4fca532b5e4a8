/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "bench:" lines guest benchmarks print as KTAP diagnostics, and the
 * grammar they follow. Tokens are separated by spaces:
 *
 *   bench: NAME PARAM... METRIC FIGURE... [METRIC FIGURE... | TRAILING]...
 *
 *   NAME      the first token: the benchmark (dma-map, irq-latency, copy)
 *   PARAM     KEY=VALUE before the first metric: what was measured
 *             (mode=msi, size=64MiB); they name the measurement
 *   METRIC    a bare token (no '='): median_ms, MiB/s, us_p99
 *   FIGURE    DRIVER=NUMBER or ratio=NUMBER after a metric, DRIVER being
 *             vfio-pci, upci or upci-vfio; every metric has at least one
 *             driver's figure. ratio= is checked to be a number and
 *             otherwise ignored: the ratio is computed from the figures
 *   TRAILING  any other KEY=VALUE after the first metric (n=3, rounds=3):
 *             a parameter of the whole line that does not name it
 *
 * A metric min_X or max_X is the spread (the fastest and slowest round) of
 * an earlier metric named X or median_X, not a metric of its own:
 *
 *   bench: dma-map backing=4k size=64MiB calls=16384 op=map median_ms
 *     vfio-pci=150.20 upci=61.30 ratio=0.41 min_ms vfio-pci=148.00
 *     upci=60.10 max_ms vfio-pci=160.40 upci=63.00 n=3
 *   bench: copy desc=4KiB MiB/s vfio-pci=210 upci=215 min_MiB/s ... max_MiB/s ...
 *
 * The per-VM form, for scenarios that run one driver per VM (paired across
 * VMs by bench_ratio.h), is a line with a driver=DRIVER token anywhere:
 * bare tokens after the name are words, KEY=NUMBER tokens are figures of
 * that driver, and other KEY=VALUE tokens are parameters:
 *
 *   bench: testpmd io-forward driver=vfio-pci packets_per_s=461325 packets=2522432
 */
#ifndef UPCILAB_BENCH_LINE_H
#define UPCILAB_BENCH_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

enum bench_driver { BENCH_VFIO_PCI, BENCH_UPCI, BENCH_UPCI_VFIO, BENCH_DRIVERS };

/* Higher is worse (time), higher is better (throughput), or neither */
enum bench_kind { BENCH_OTHER, BENCH_TIME, BENCH_THROUGHPUT };

struct bench_figures {
	double v[BENCH_DRIVERS];
	bool has[BENCH_DRIVERS];
};

struct bench_metric {
	char *name;
	struct bench_figures val, min, max;
};

struct bench_kv {
	char *key, *value;
};

struct bench_line {
	char *name;
	char *vm;			/* the VM's label in results.ktap, or NULL */
	int lineno;
	int driver;			/* per-VM form: driver=, else -1 */
	struct strv words;		/* per-VM form: bare tokens */
	struct bench_kv *params;	/* PARAMs: they name the measurement */
	size_t nparams;
	struct bench_kv *trailing;
	size_t ntrailing;
	struct bench_metric *metrics;
	size_t nmetrics;
};

struct bench_set {
	struct bench_line *lines;
	size_t n;
};

const char *bench_driver_name(int driver);
enum bench_kind bench_metric_kind(const char *metric);

/* @text is what follows "bench:"; on error @err says why and *l is empty */
int bench_line_parse(const char *text, struct bench_line *l, struct buf *err);
void bench_line_free(struct bench_line *l);

/*
 * Every "# bench:" line of the KTAP file @path, each with the label of the
 * VM whose result line follows it. A malformed line is reported on @err as
 * "PATH:LINE: why" and counted in *bad; the others are kept. -1 (errno set)
 * if the file cannot be read.
 */
int bench_set_read(const char *path, struct bench_set *set, FILE *err, int *bad);
void bench_set_free(struct bench_set *set);

bool bench_figures_any(const struct bench_figures *f);
/* The driver whose figure is over vfio-pci's in the ratio: upci, else upci-vfio */
int bench_upci_side(const struct bench_figures *f);
/* upci / vfio-pci; false when a figure is missing or vfio-pci's is 0 */
bool bench_ratio(const struct bench_metric *m, double *ratio);
/*
 * [upci min / vfio-pci max, upci max / vfio-pci min]; false without both
 * spreads, or when they are one round's (min = max: no noise measured)
 */
bool bench_ratio_range(const struct bench_metric *m, double *lo, double *hi);

/* "NAME WORD... KEY=VALUE... METRIC": what a measurement is across runs */
char *bench_key(const char *name, const struct strv *words,
		const struct bench_kv *params, size_t nparams, const char *metric);
/* The words, then every parameter, trailing ones included, space-separated */
char *bench_params_text(const struct bench_line *l);

#endif
