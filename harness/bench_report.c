// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_json.h"
#include "bench_plot.h"
#include "bench_table.h"

#define EXIT_BAD 1
#define EXIT_USAGE 2

/* "irq-latency-pct": a distribution, drawn (and tabled in report.md) */
static bool is_distribution(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, "-pct");
}

static void print_table(const struct bench_set *set, FILE *out)
{
	static const char *const head[] = { "benchmark", "parameters", "metric",
					    "vfio-pci", "upci", "ratio", "spread" };
	struct text_table t = { .ncols = ARRAY_SIZE(head) };
	size_t hidden = 0;

	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		strv_add(&t.cells, head[i]);
	for (size_t i = 0; i < set->n; i++) {
		const struct bench_line *l = &set->lines[i];
		char *params;

		if (is_distribution(l->name)) {
			hidden++;
			continue;
		}
		params = bench_params_text(l);
		for (size_t k = 0; k < l->nmetrics; k++) {
			const struct bench_metric *m = &l->metrics[k];
			int u = bench_upci_side(&m->val);
			char *cell[] = { bench_figure_text(m, BENCH_VFIO_PCI, false),
					 bench_figure_text(m, u, false),
					 bench_ratio_text(m), bench_range_text(m) };

			strv_add(&t.cells, l->name);
			strv_add(&t.cells, params);
			strv_add(&t.cells, m->name);
			strv_add(&t.cells, cell[0]);
			strv_addf(&t.cells, "%s%s", cell[1],
					u == BENCH_UPCI_VFIO ? " (upci-vfio)" : "");
			strv_add(&t.cells, cell[2]);
			strv_add(&t.cells, cell[3]);
			for (size_t c = 0; c < ARRAY_SIZE(cell); c++)
				free(cell[c]);
		}
		free(params);
	}
	text_table_print(&t, out);
	text_table_free(&t);
	if (hidden)
		fprintf(out, "(%zu distributions (-pct) not shown: in report.md and the plots)\n",
			hidden);
}

/* The moved ratios and the summary line; how many moved */
static size_t print_moves(const struct bench_cmp *cmp, size_t n, FILE *out)
{
	size_t moved = 0, unjudged = 0;

	for (size_t i = 0; i < n; i++) {
		const struct bench_cmp *c = &cmp[i];
		char *key;

		unjudged += c->move == BENCH_NO_SPREAD;
		if (c->move != BENCH_UP && c->move != BENCH_DOWN)
			continue;
		key = bench_key(c->line->name, &c->line->words, c->line->params,
				c->line->nparams, c->metric->name);
		fprintf(out, "bench-report: %s: %s: ratio %.2f in the baseline, %.2f now, outside this run's %.2f-%.2f\n",
			bench_move_word(c), key, c->before, c->now, c->lo, c->hi);
		free(key);
		moved++;
	}
	fprintf(out, "bench-report: %zu of %zu ratios moved beyond the run's noise", moved, n);
	if (unjudged)
		fprintf(out, " (%zu with no spread measured, not judged)", unjudged);
	fputc('\n', out);
	return moved;
}

/* The baseline, then the run's lines; -1 (said on @err) if there is nothing to report */
static int read_inputs(const struct bench_report_opts *o, const char *ktap,
		       struct bench_baseline *base, struct bench_set *set,
		       int *bad, FILE *err)
{
	struct buf why = { 0 };
	struct stat st;

	if (stat(o->results_dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(err, "bench-report: %s: no such results directory\n", o->results_dir);
		return -1;
	}
	if (o->baseline && bench_baseline_load(o->baseline, base, &why)) {
		fprintf(err, "bench-report: %s\n", why.s);
		buf_free(&why);
		return -1;
	}
	if (bench_set_read(ktap, set, err, bad)) {
		fprintf(err, "bench-report: cannot read %s: %s (not the results of a finished upcilab run)\n",
			ktap, strerror(errno));
		return -1;
	}
	if (!set->n && !*bad) {
		fprintf(err, "bench-report: no \"# bench:\" lines in %s\n", ktap);
		return -1;
	}
	return 0;
}

int bench_report_run(const struct bench_report_opts *o, FILE *out, FILE *err)
{
	char *ktap = xasprintf("%s/results.ktap", o->results_dir);
	char *json = xasprintf("%s/results.json", o->out_dir);
	char *md = xasprintf("%s/report.md", o->out_dir);
	struct bench_baseline base = { 0 };
	struct bench_set set = { 0 };
	struct strv pngs = { 0 };
	struct bench_report r = { .opts = o, .set = &set, .pngs = &pngs };
	struct bench_cmp *cmp = NULL;
	struct buf why = { 0 };
	int bad = 0, rc = EXIT_BAD, plot, e;

	if (read_inputs(o, ktap, &base, &set, &bad, err))
		goto out;
	e = mkdir_p(o->out_dir);
	if (e) {
		fprintf(err, "bench-report: cannot create %s: %s\n", o->out_dir, strerror(-e));
		goto out;
	}
	if (bench_json_write(json, &set, o->results_dir, &why)) {
		fprintf(err, "bench-report: %s\n", why.s);
		goto out;
	}
	print_table(&set, out);
	plot = bench_plot(&set, o->out_dir, &pngs, &why);
	r.plots_skipped = plot == BENCH_PLOT_SKIPPED;
	if (r.plots_skipped)
		fprintf(out, "bench-report: SKIP plots: gnuplot not found (apt-get install gnuplot-nox)\n");
	else if (plot)
		fprintf(err, "bench-report: %s\n", why.s);
	if (o->baseline) {
		r.ncmp = bench_compare(&set, &base, &cmp);
		r.cmp = cmp;
		r.nmoved = print_moves(cmp, r.ncmp, out);
	}
	if (bench_markdown_write(md, &r)) {
		fprintf(err, "bench-report: cannot write %s: %s\n", md, strerror(errno));
		goto out;
	}
	fprintf(out, "bench-report: %zu bench lines: %s, %s and %zu plot%s\n", set.n,
		json, md, pngs.n, pngs.n == 1 ? "" : "s");
	if (bad)
		fprintf(err, "bench-report: %d malformed bench line%s in %s (above)\n", bad,
			bad == 1 ? "" : "s", ktap);
	rc = bad || plot < 0 ? EXIT_BAD : 0;
out:
	bench_set_free(&set);
	bench_baseline_free(&base);
	strv_free(&pngs);
	buf_free(&why);
	free(cmp);
	free(ktap);
	free(json);
	free(md);
	return rc;
}

int bench_report_main(int argc, char **argv)
{
	struct bench_report_opts o = { .out_dir = BENCH_REPORT_DEFAULT_OUT };
	bool usage = false;

	for (int i = 1; i < argc && !usage; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--baseline") && i + 1 < argc)
			o.baseline = argv[++i];
		else if (!strcmp(a, "--out") && i + 1 < argc)
			o.out_dir = argv[++i];
		else if (a[0] != '-' && !o.results_dir)
			o.results_dir = a;
		else
			usage = true;
	}
	if (usage || !o.results_dir) {
		fprintf(stderr, "usage: upcilab bench-report [--baseline FILE.json] [--out DIR] RESULTS_DIR\n");
		return EXIT_USAGE;
	}
	return bench_report_run(&o, stdout, stderr);
}
