// SPDX-License-Identifier: GPL-2.0
/* report.md of `upcilab bench-report` (bench_report.h) */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_report.h"
#include "bench_table.h"

static void intro(FILE *f, const struct bench_report *r)
{
	char date[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
	fprintf(f, "# Benchmarks: upci against vfio-pci\n\n"
		"%zu `bench:` lines of `%s/results.ktap`, reported %s; every figure is in "
		"`results.json` beside this file.\n\n",
		r->set->n, r->opts->results_dir, date);
	fputs("Each figure is what the guest printed (for most, the median over the rounds), "
	      "with the fastest and slowest round in brackets where measured. "
	      "*ratio* is upci / vfio-pci (upci-vfio / vfio-pci on lines without upci): above 1, "
	      "upci takes longer for a time (`_ms`, `_us`, `us_pN`) and moves more for a "
	      "throughput (`MiB/s`, `_per_s`). *range* is where the rounds' spread puts the "
	      "ratio: upci's fastest over vfio-pci's slowest to upci's slowest over "
	      "vfio-pci's fastest. Under TCG figures move by tens of percent from run to run; "
	      "compare ratios.\n\n", f);
}

static void comparison(FILE *f, const struct bench_report *r)
{
	static const char *const head[] = { "benchmark", "parameters", "metric",
					    "baseline ratio", "ratio", "range", "verdict" };
	struct text_table t = { .ncols = ARRAY_SIZE(head) };

	fprintf(f, "## Against the baseline `%s`\n\n"
		"%zu of %zu ratios moved beyond this run's noise: the baseline's ratio "
		"is outside this run's range.\n\n", r->opts->baseline, r->nmoved, r->ncmp);
	if (!r->ncmp) {
		fputs("No measurement of this run is in the baseline.\n\n", f);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		strv_add(&t.cells, head[i]);
	for (size_t i = 0; i < r->ncmp; i++) {
		const struct bench_cmp *c = &r->cmp[i];
		bool moved = c->move == BENCH_UP || c->move == BENCH_DOWN;
		char *params = bench_params_text(c->line), *range = bench_range_text(c->metric);

		strv_add(&t.cells, c->line->name);
		strv_add(&t.cells, params);
		strv_add(&t.cells, c->metric->name);
		strv_addf(&t.cells, "%.2f", c->before);
		strv_addf(&t.cells, "%.2f", c->now);
		strv_add(&t.cells, range);
		strv_addf(&t.cells, moved ? "**%s**" : "%s", bench_move_word(c));
		free(params);
		free(range);
	}
	text_table_markdown(&t, f, "lllrrll");
	text_table_free(&t);
	fputc('\n', f);
}

/* The drivers any line of benchmark @name has figures of */
static void drivers_of(const struct bench_set *set, const char *name,
		       bool has[BENCH_DRIVERS])
{
	for (size_t i = 0; i < set->n; i++)
		for (size_t k = 0; !strcmp(set->lines[i].name, name) &&
				   k < set->lines[i].nmetrics; k++)
			for (int d = 0; d < BENCH_DRIVERS; d++)
				has[d] |= set->lines[i].metrics[k].val.has[d];
}

static void benchmark(FILE *f, const struct bench_set *set, const char *name)
{
	bool has[BENCH_DRIVERS] = { false };
	struct text_table t = { 0 };
	char align[BENCH_DRIVERS + 5] = "ll";

	drivers_of(set, name, has);
	strv_add(&t.cells, "parameters");
	strv_add(&t.cells, "metric");
	for (int d = 0; d < BENCH_DRIVERS; d++)
		if (has[d]) {
			strv_add(&t.cells, bench_driver_name(d));
			strcat(align, "r");
		}
	strv_add(&t.cells, "ratio");
	strv_add(&t.cells, "range");
	strcat(align, "rl");
	t.ncols = t.cells.n;
	for (size_t i = 0; i < set->n; i++) {
		const struct bench_line *l = &set->lines[i];
		char *params;

		if (strcmp(l->name, name))
			continue;
		params = bench_params_text(l);
		for (size_t k = 0; k < l->nmetrics; k++) {
			const struct bench_metric *m = &l->metrics[k];
			char *cell;

			strv_add(&t.cells, params);
			strv_add(&t.cells, m->name);
			for (int d = 0; d < BENCH_DRIVERS; d++) {
				if (!has[d])
					continue;
				cell = bench_figure_text(m, d, true);
				strv_add(&t.cells, cell);
				free(cell);
			}
			cell = bench_ratio_text(m);
			strv_add(&t.cells, cell);
			free(cell);
			cell = bench_range_text(m);
			strv_add(&t.cells, cell);
			free(cell);
		}
		free(params);
	}
	fprintf(f, "## %s\n\n", name);
	text_table_markdown(&t, f, align);
	fputc('\n', f);
	text_table_free(&t);
}

static void plots(FILE *f, const struct bench_report *r)
{
	fputs("## Plots\n\n", f);
	if (r->plots_skipped)
		fputs("Skipped: gnuplot not found (apt-get install gnuplot-nox).\n", f);
	else if (!r->pngs->n)
		fputs("None: no `dma-map` or `irq-latency-pct` lines.\n", f);
	for (size_t i = 0; i < r->pngs->n; i++)
		fprintf(f, "![%s](%s)\n\n", r->pngs->v[i], r->pngs->v[i]);
}

int bench_markdown_write(const char *path, const struct bench_report *r)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	intro(f, r);
	if (r->opts->baseline)
		comparison(f, r);
	for (size_t i = 0; i < r->set->n; i++) {
		const char *name = r->set->lines[i].name;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(r->set->lines[j].name, name);
		if (!seen)
			benchmark(f, r->set, name);
	}
	plots(f, r);
	return fclose(f) ? -1 : 0;
}
