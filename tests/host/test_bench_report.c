// SPDX-License-Identifier: GPL-2.0
/*
 * upcilab bench-report: the "bench:" line grammar, results.json, the
 * baseline comparison, the plots and every kind of bad input.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_compare.h"
#include "bench_json.h"
#include "bench_line.h"
#include "bench_plot.h"
#include "bench_report.h"
#include "report.h"
#include "results.h"

#include "kselftest_harness.h"
#include "unit.h"

#define IRQ "bench: irq-latency mode=msi median_us vfio-pci=41.2 upci=38.0 ratio=0.92 p99_us vfio-pci=90.1 upci=85.3 ratio=0.95 n=3000"
#define COPY "bench: copy desc=4KiB MiB/s vfio-pci=210 upci=215 ratio=1.02 rounds=3"
#define MAP "bench: dma-map backing=4k size=64MiB calls=16384 op=map median_ms vfio-pci=150.20 upci=61.30 ratio=0.41 min_ms vfio-pci=148.00 upci=60.10 max_ms vfio-pci=160.40 upci=63.00 n=3"
#define MAP_1G "bench: dma-map backing=4k size=1024MiB calls=262144 op=map median_ms vfio-pci=2400 upci=1000 ratio=0.42 min_ms vfio-pci=2300 upci=950 max_ms vfio-pci=2500 upci=1100 n=3"
#define PAGE "bench: dma-map-page backing=2M size=64MiB iommu_page_kib vfio-pci=2048 upci=2048"
#define PCT "bench: irq-latency-pct mode=msix us_p1 vfio-pci=20.1 upci=19.0 us_p5 vfio-pci=21 upci=20 us_p50 vfio-pci=30 upci=29 us_p99 vfio-pci=90 upci=80"
#define TESTPMD "bench: testpmd io-forward driver=vfio-pci packets_per_s=461325 packets=2522432"

/* What follows "bench:" */
#define ARGS(line) ((line) + strlen("bench:"))

static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static int parse(const char *line, struct bench_line *l, char **why)
{
	struct buf err = { 0 };
	int rc = bench_line_parse(ARGS(line), l, &err);

	*why = err.s ? err.s : xstrdup("");
	return rc;
}

static double ratio_of(const struct bench_metric *m)
{
	double r = NAN;

	bench_ratio(m, &r);
	return r;
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* ---- the grammar ---- */

/* One line parsed into self->l, its error (if any) in self->why */
FIXTURE(line) {
	struct bench_line l;
	char *why;
	double lo, hi;
};

FIXTURE_SETUP(line)
{
	self->l = (struct bench_line){ .driver = -1 };
	self->why = NULL;
}

FIXTURE_TEARDOWN(line)
{
	bench_line_free(&self->l);
	free(self->why);
}

#define PARSE_OK(line) ASSERT_EQ(0, parse(line, &self->l, &self->why)) TH_LOG("%s", self->why)

TEST_F(line, irq_latency_has_two_metrics_and_a_trailing_parameter)
{
	PARSE_OK(IRQ);
	EXPECT_STREQ("irq-latency", self->l.name);
	ASSERT_EQ(1, self->l.nparams);
	EXPECT_STREQ("mode", self->l.params[0].key);
	EXPECT_STREQ("msi", self->l.params[0].value);
	ASSERT_EQ(1, self->l.ntrailing);
	EXPECT_STREQ("n", self->l.trailing[0].key);
	EXPECT_STREQ("3000", self->l.trailing[0].value);
	ASSERT_EQ(2, self->l.nmetrics);
	EXPECT_STREQ("median_us", self->l.metrics[0].name);
	EXPECT_TRUE(near(41.2, self->l.metrics[0].val.v[BENCH_VFIO_PCI]));
	EXPECT_TRUE(near(38.0, self->l.metrics[0].val.v[BENCH_UPCI]));
	EXPECT_FALSE(self->l.metrics[0].val.has[BENCH_UPCI_VFIO]);
	EXPECT_TRUE(near(38.0 / 41.2, ratio_of(&self->l.metrics[0])));
	EXPECT_STREQ("p99_us", self->l.metrics[1].name);
	EXPECT_TRUE(near(85.3 / 90.1, ratio_of(&self->l.metrics[1])));
	EXPECT_EQ(-1, self->l.driver);
	EXPECT_EQ(BENCH_TIME, bench_metric_kind("median_us"));
}

TEST_F(line, copy_is_a_throughput_with_rounds)
{
	PARSE_OK(COPY);
	EXPECT_STREQ("copy", self->l.name);
	ASSERT_EQ(1, self->l.nparams);
	EXPECT_STREQ("4KiB", self->l.params[0].value);
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_STREQ("MiB/s", self->l.metrics[0].name);
	EXPECT_TRUE(near(215.0 / 210.0, ratio_of(&self->l.metrics[0])));
	EXPECT_FALSE(bench_ratio_range(&self->l.metrics[0], &self->lo, &self->hi));
	ASSERT_EQ(1, self->l.ntrailing);
	EXPECT_STREQ("rounds", self->l.trailing[0].key);
	EXPECT_EQ(BENCH_THROUGHPUT, bench_metric_kind("MiB/s"));
	EXPECT_EQ(BENCH_THROUGHPUT, bench_metric_kind("packets_per_s"));
}

TEST_F(line, min_and_max_are_the_spread_of_the_median)
{
	PARSE_OK(MAP);
	EXPECT_STREQ("dma-map", self->l.name);
	ASSERT_EQ(4, self->l.nparams);
	EXPECT_STREQ("backing", self->l.params[0].key);
	EXPECT_STREQ("op", self->l.params[3].key);
	EXPECT_STREQ("map", self->l.params[3].value);
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_STREQ("median_ms", self->l.metrics[0].name);
	EXPECT_TRUE(near(148.0, self->l.metrics[0].min.v[BENCH_VFIO_PCI]));
	EXPECT_TRUE(near(63.0, self->l.metrics[0].max.v[BENCH_UPCI]));
	ASSERT_TRUE(bench_ratio_range(&self->l.metrics[0], &self->lo, &self->hi));
	EXPECT_TRUE(near(60.10 / 160.40, self->lo));
	EXPECT_TRUE(near(63.00 / 148.00, self->hi));
	ASSERT_EQ(1, self->l.ntrailing);
	EXPECT_STREQ("n", self->l.trailing[0].key);
}

TEST_F(line, min_of_a_metric_named_like_a_unit_is_its_spread)
{
	PARSE_OK("bench: copy desc=1MiB MiB/s vfio-pci=10 upci=11 min_MiB/s vfio-pci=9 upci=10 max_MiB/s vfio-pci=12 upci=13");
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_TRUE(near(9, self->l.metrics[0].min.v[BENCH_VFIO_PCI]));
	EXPECT_TRUE(near(13, self->l.metrics[0].max.v[BENCH_UPCI]));
}

TEST_F(line, min_without_its_metric_before_it_is_a_metric)
{
	PARSE_OK("bench: x min_ms vfio-pci=1 upci=2");
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_STREQ("min_ms", self->l.metrics[0].name);
}

TEST_F(line, dma_map_page_has_no_spread_and_no_trailing_parameters)
{
	PARSE_OK(PAGE);
	EXPECT_STREQ("dma-map-page", self->l.name);
	EXPECT_EQ(2, self->l.nparams);
	EXPECT_EQ(0, self->l.ntrailing);
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_STREQ("iommu_page_kib", self->l.metrics[0].name);
	EXPECT_TRUE(near(1.0, ratio_of(&self->l.metrics[0])));
	EXPECT_EQ(BENCH_OTHER, bench_metric_kind("iommu_page_kib"));
}

TEST_F(line, irq_latency_pct_has_a_metric_per_percentile)
{
	PARSE_OK(PCT);
	ASSERT_EQ(4, self->l.nmetrics);
	EXPECT_STREQ("us_p1", self->l.metrics[0].name);
	EXPECT_STREQ("us_p99", self->l.metrics[3].name);
	EXPECT_TRUE(near(80, self->l.metrics[3].val.v[BENCH_UPCI]));
	EXPECT_EQ(BENCH_TIME, bench_metric_kind("us_p99"));
}

TEST_F(line, a_driver_parameter_makes_the_per_vm_form)
{
	PARSE_OK(TESTPMD);
	EXPECT_STREQ("testpmd", self->l.name);
	EXPECT_EQ(BENCH_VFIO_PCI, self->l.driver);
	ASSERT_EQ(1, self->l.words.n);
	EXPECT_STREQ("io-forward", self->l.words.v[0]);
	EXPECT_EQ(0, self->l.nparams);
	ASSERT_EQ(2, self->l.nmetrics);
	EXPECT_STREQ("packets_per_s", self->l.metrics[0].name);
	EXPECT_TRUE(near(461325, self->l.metrics[0].val.v[BENCH_VFIO_PCI]));
	EXPECT_FALSE(self->l.metrics[0].val.has[BENCH_UPCI]);
	EXPECT_TRUE(isnan(ratio_of(&self->l.metrics[0])));
}

TEST_F(line, the_per_vm_driver_may_come_last_after_a_parameter)
{
	PARSE_OK("bench: nested-qemu first startup_ms=10774 device=mdma0 driver=upci-vfio");
	EXPECT_EQ(BENCH_UPCI_VFIO, self->l.driver);
	ASSERT_EQ(1, self->l.nparams);
	EXPECT_STREQ("device", self->l.params[0].key);
	ASSERT_EQ(1, self->l.nmetrics);
	EXPECT_TRUE(self->l.metrics[0].val.has[BENCH_UPCI_VFIO]);
}

TEST(malformed_lines_say_why)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "bench: copy MiB/s vfio-pci=fast upci=1", "metric MiB/s: vfio-pci=fast is not a number" },
		{ "bench: copy desc=4KiB vfio-pci=1 MiB/s upci=2", "vfio-pci=1 before any metric" },
		{ "bench:", "nothing after \"bench:\"" },
		{ "bench:   ", "nothing after \"bench:\"" },
		{ "bench: copy desc=4KiB", "no metric" },
		{ "bench: copy a b vfio-pci=1", "metric a has no DRIVER=NUMBER figure" },
		{ "bench: copy a vfio-pci=1 b", "metric b has no DRIVER=NUMBER figure" },
		{ "bench: copy a vfio-pci=1 vfio-pci=2", "vfio-pci given twice" },
		{ "bench: copy a vfio-pci=1 ratio=x", "ratio=x is not a number" },
		{ "bench: copy a vfio-pci=1 upci=inf", "upci=inf is not a number" },
		{ "bench: mode=x a vfio-pci=1", "where the benchmark's name should be" },
		{ "bench: copy =3 a vfio-pci=1", "KEY=VALUE needs both" },
		{ "bench: testpmd driver=frob pps=1", "driver=frob: not vfio-pci" },
		{ "bench: testpmd driver=upci words", "no KEY=NUMBER figure" },
		{ "bench: testpmd driver=upci =3", "'=3': KEY=VALUE needs both" },
		{ "bench: testpmd driver= pps=1", "'driver=': KEY=VALUE needs both" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bench_line l;
		char *why;

		EXPECT_EQ(-1, parse(bad[i].line, &l, &why)) TH_LOG("'%s' parsed", bad[i].line);
		EXPECT_NE(NULL, strstr(why, bad[i].why))
			TH_LOG("'%s': want '%s', got '%s'", bad[i].line, bad[i].why, why);
		EXPECT_EQ(NULL, l.name);
		EXPECT_EQ(0, l.nmetrics);
		free(why);
	}
}

/* ---- a results directory ---- */

#define KTAP_RUN \
	"KTAP version 1\n1..2\n" \
	"    KTAP version 1\n    1..1\n" \
	"        KTAP version 1\n        1..5\n" \
	"        # " MAP "\n        ok 1 map.4k\n" \
	"        # " MAP_1G "\n        ok 2 map.4k_1g\n" \
	"        # " IRQ "\n        # " PCT "\n        ok 3 latency.msi\n" \
	"        # " COPY "\n        ok 4 copy\n" \
	"        # " PAGE "\n        ok 5 page\n" \
	"    ok 1 bench_drivers\n" \
	"ok 1 bench/upci\n" \
	"    KTAP version 1\n    1..1\n" \
	"    # " TESTPMD "\n    ok 1 testpmd\n" \
	"ok 2 dpdk/vfio-pci\n"

FIXTURE(br) {
	char *dir, *results, *out_dir, *out, *err, *md;
	struct bench_report_opts o;
};

FIXTURE_SETUP(br)
{
	self->dir = make_tmpdir("bench-report");
	ASSERT_NE(NULL, self->dir);
	self->results = xasprintf("%s/run", self->dir);
	self->out_dir = xasprintf("%s/out", self->dir);
	ASSERT_EQ(0, mkdir(self->results, 0755));
	self->o = (struct bench_report_opts){ .results_dir = self->results,
					      .out_dir = self->out_dir };
	self->out = self->err = self->md = NULL;
}

FIXTURE_TEARDOWN(br)
{
	rm_rf(self->dir);
	free(self->dir);
	free(self->results);
	free(self->out_dir);
	free(self->out);
	free(self->err);
	free(self->md);
}

static void write_in(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);

	write_file(path, text, strlen(text), 0644);
	free(path);
}

static char *read_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name), *text = read_file(path, NULL);

	free(path);
	return text;
}

/* bench_report_run() with its stdout and stderr in self->out, self->err */
static int run_report(FIXTURE_DATA(br) *self)
{
	size_t ol, el;
	FILE *out, *err;
	int rc;

	free(self->out);
	free(self->err);
	out = open_memstream(&self->out, &ol);
	err = open_memstream(&self->err, &el);
	rc = bench_report_run(&self->o, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static bool is_file(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = !stat(path, &st) && S_ISREG(st.st_mode) && st.st_size > 0;

	free(path);
	return ok;
}

/* Run with @path as $PATH */
static int run_with_path(FIXTURE_DATA(br) *self, const char *path)
{
	char *old = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	int rc;

	setenv("PATH", path, 1);
	rc = run_report(self);
	setenv("PATH", old, 1);
	free(old);
	return rc;
}

/* The tests of the text need no plots: a $PATH without gnuplot */
static int run_without_gnuplot(FIXTURE_DATA(br) *self)
{
	return run_with_path(self, self->dir);
}

TEST_F(br, malformed_lines_are_reported_with_their_line_numbers_and_fail_the_report)
{
	json_t *j;
	char *json;

	write_in(self->results, "results.ktap",
		 "KTAP version 1\n"			/* 1 */
		 "# " COPY "\n"				/* 2 */
		 "# bench: copy MiB/s vfio-pci=x\n"	/* 3 */
		 "    # bench: x desc=1 vfio-pci=1\n"	/* 4 */
		 "# bench:\n"				/* 5 */
		 "# bench ratio: not ours\n"		/* 6 */
		 "# benchmarks are not lines of ours\n"	/* 7 */
		 "# " PAGE "\n"				/* 8 */
		 "ok 1 bench/upci\n");
	EXPECT_EQ(1, run_without_gnuplot(self));
	EXPECT_TRUE(line_has(self->err, self->results, "results.ktap:3: metric MiB/s: vfio-pci=x is not a number"));
	EXPECT_TRUE(line_has(self->err, self->results, "results.ktap:4: vfio-pci=1 before any metric"));
	EXPECT_TRUE(line_has(self->err, self->results, "results.ktap:5: nothing after \"bench:\""));
	EXPECT_TRUE(line_has(self->err, "bench-report: 3 malformed bench lines", ""));
	EXPECT_EQ(4, count_lines_starting(self->err, self->results)
		     + count_lines_starting(self->err, "bench-report:"));
	/* the others are reported all the same */
	json = xasprintf("%s/results.json", self->out_dir);
	j = json_load_file(json, 0, NULL);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(2, json_array_size(json_object_get(j, "measurements")));
	json_decref(j);
	free(json);
}

TEST_F(br, results_json_has_every_measurement_in_a_stable_order)
{
	json_t *j, *all, *m, *metric, *range;
	char *json, *text;
	const char *key;
	json_t *v;
	size_t i;
	static const char *const order[] = { "version", "generated", "results_dir",
					     "run_finished", "host", "host_kernel",
					     "measurements" };
	static const char *const params[] = { "backing", "size", "calls", "op" };

	write_in(self->results, "results.ktap", KTAP_RUN);
	ASSERT_EQ(0, run_without_gnuplot(self)) TH_LOG("%s", self->err);
	json = xasprintf("%s/results.json", self->out_dir);
	j = json_load_file(json, 0, NULL);
	ASSERT_NE(NULL, j);
	i = 0;
	json_object_foreach(j, key, v) {
		ASSERT_LT(i, ARRAY_SIZE(order));
		EXPECT_STREQ(order[i], key);
		i++;
	}
	EXPECT_EQ(1, json_integer_value(json_object_get(j, "version")));
	EXPECT_STREQ(self->results, json_string_value(json_object_get(j, "results_dir")));
	all = json_object_get(j, "measurements");
	ASSERT_EQ(7, json_array_size(all));

	m = json_array_get(all, 0);
	EXPECT_STREQ("dma-map", json_string_value(json_object_get(m, "name")));
	EXPECT_STREQ("bench/upci", json_string_value(json_object_get(m, "vm")));
	i = 0;
	json_object_foreach(json_object_get(m, "params"), key, v) {
		ASSERT_LT(i, ARRAY_SIZE(params));
		EXPECT_STREQ(params[i], key);
		i++;
	}
	EXPECT_STREQ("16384", json_string_value(json_object_get(json_object_get(m, "params"), "calls")));
	EXPECT_STREQ("3", json_string_value(json_object_get(json_object_get(m, "trailing_params"), "n")));
	metric = json_array_get(json_object_get(m, "metrics"), 0);
	EXPECT_STREQ("median_ms", json_string_value(json_object_get(metric, "metric")));
	EXPECT_STREQ("time", json_string_value(json_object_get(metric, "kind")));
	EXPECT_TRUE(near(150.2, json_number_value(json_object_get(json_object_get(metric, "values"), "vfio-pci"))));
	EXPECT_TRUE(near(61.3, json_number_value(json_object_get(json_object_get(metric, "values"), "upci"))));
	EXPECT_TRUE(fabs(61.3 / 150.2 - json_number_value(json_object_get(metric, "ratio"))) < 1e-9);
	EXPECT_TRUE(near(148, json_number_value(json_object_get(json_object_get(metric, "min"), "vfio-pci"))));
	EXPECT_TRUE(near(63, json_number_value(json_object_get(json_object_get(metric, "max"), "upci"))));
	range = json_object_get(metric, "ratio_range");
	ASSERT_EQ(2, json_array_size(range));
	EXPECT_TRUE(fabs(60.1 / 160.4 - json_number_value(json_array_get(range, 0))) < 1e-9);
	EXPECT_TRUE(fabs(63.0 / 148.0 - json_number_value(json_array_get(range, 1))) < 1e-9);

	/* without a spread: no min, max or range; whole numbers stay integers */
	m = json_array_get(all, 5);
	EXPECT_STREQ("dma-map-page", json_string_value(json_object_get(m, "name")));
	metric = json_array_get(json_object_get(m, "metrics"), 0);
	EXPECT_TRUE(json_is_integer(json_object_get(json_object_get(metric, "values"), "upci")));
	EXPECT_EQ(NULL, json_object_get(metric, "min"));
	EXPECT_EQ(NULL, json_object_get(metric, "ratio_range"));

	/* the per-VM form: its driver and words, no ratio */
	m = json_array_get(all, 6);
	EXPECT_STREQ("testpmd", json_string_value(json_object_get(m, "name")));
	EXPECT_STREQ("dpdk/vfio-pci", json_string_value(json_object_get(m, "vm")));
	EXPECT_STREQ("vfio-pci", json_string_value(json_object_get(m, "driver")));
	EXPECT_STREQ("io-forward", json_string_value(json_array_get(json_object_get(m, "words"), 0)));
	metric = json_array_get(json_object_get(m, "metrics"), 0);
	EXPECT_STREQ("throughput", json_string_value(json_object_get(metric, "kind")));
	EXPECT_EQ(461325, json_integer_value(json_object_get(json_object_get(metric, "values"), "vfio-pci")));
	EXPECT_EQ(NULL, json_object_get(metric, "ratio"));
	json_decref(j);

	/* readable: indented, no 150.19999999999999 */
	text = read_file(json, NULL);
	ASSERT_NE(NULL, text);
	EXPECT_NE(NULL, strstr(text, "\"vfio-pci\": 150.2,"));
	EXPECT_NE(NULL, strstr(text, "\n  \"measurements\": ["));
	free(text);
	free(json);
}

/* a distribution's percentiles are for the plot and report.md, not the terminal */
TEST_F(br, the_terminal_table_leaves_out_distributions)
{
	write_in(self->results, "results.ktap", KTAP_RUN);
	ASSERT_EQ(0, run_without_gnuplot(self)) TH_LOG("%s", self->err);
	EXPECT_EQ(NULL, line_starting(self->out, "irq-latency-pct ")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "(1 distributions (-pct) not shown: in report.md and the plots)"))
		TH_LOG("%s", self->out);
}

TEST_F(br, the_terminal_table_has_aligned_columns)
{
	char *head, *row;
	long col;

	write_in(self->results, "results.ktap", KTAP_RUN);
	ASSERT_EQ(0, run_without_gnuplot(self)) TH_LOG("%s", self->err);
	head = line_starting(self->out, "benchmark ");
	row = line_starting(self->out, "dma-map-page ");
	ASSERT_NE(NULL, head) TH_LOG("%s", self->out);
	ASSERT_NE(NULL, row);
	EXPECT_NE(NULL, strstr(head, "parameters"));
	EXPECT_NE(NULL, strstr(head, "spread"));
	col = offset_of(head, "vfio-pci");
	EXPECT_EQ(col, offset_of(row, "2048"));
	EXPECT_EQ(offset_of(head, "ratio"), offset_of(row, "1.00"));
	free(row);
	row = line_starting(self->out, "dma-map ");
	ASSERT_NE(NULL, row);
	EXPECT_EQ(col, offset_of(row, "150.2"));
	EXPECT_EQ(offset_of(head, "spread"), offset_of(row, "0.37-0.43"));
	free(row);
	row = line_starting(self->out, "testpmd ");
	ASSERT_NE(NULL, row);
	EXPECT_EQ(col, offset_of(row, "461325"));
	free(row);
	free(head);
}

TEST_F(br, report_md_has_a_table_per_benchmark)
{
	char *md;

	write_in(self->results, "results.ktap", KTAP_RUN);
	ASSERT_EQ(0, run_without_gnuplot(self)) TH_LOG("%s", self->err);
	md = read_in(self->out_dir, "report.md");
	ASSERT_NE(NULL, md);
	EXPECT_EQ(7, count_lines_starting(md, "## "));
	EXPECT_TRUE(has_line(md, "## dma-map"));
	EXPECT_TRUE(has_line(md, "## irq-latency-pct"));
	EXPECT_TRUE(has_line(md, "| parameters | metric | vfio-pci | upci | ratio | range |"));
	EXPECT_TRUE(has_line(md, "| backing=4k size=64MiB calls=16384 op=map n=3 | median_ms | 150.2 (148-160.4) | 61.3 (60.1-63) | 0.41 | 0.37-0.43 |"));
	EXPECT_TRUE(has_line(md, "| mode=msi n=3000 | p99_us | 90.1 | 85.3 | 0.95 | - |"));
	/* testpmd's table has only the driver it measured */
	EXPECT_TRUE(has_line(md, "| io-forward | packets_per_s | 461325 | - | - |"));
	EXPECT_TRUE(has_line(md, "Skipped: gnuplot not found (apt-get install gnuplot-nox)."));
	EXPECT_EQ(-1, offset_of(md, "baseline"));
	free(md);
}

/* A baseline with one ratio for MAP and COPY each */
static char *baseline(FIXTURE_DATA(br) *self, double map, double copy)
{
	char *text = xasprintf("{\"version\": 1, \"measurements\": ["
			       "{\"name\": \"dma-map\", \"params\": {\"backing\": \"4k\", \"size\": \"64MiB\", \"calls\": \"16384\", \"op\": \"map\"}, "
			       "\"metrics\": [{\"metric\": \"median_ms\", \"ratio\": %g}]},"
			       "{\"name\": \"copy\", \"params\": {\"desc\": \"4KiB\"}, "
			       "\"metrics\": [{\"metric\": \"MiB/s\", \"ratio\": %g}]},"
			       "{\"name\": \"gone\", \"params\": {}, \"metrics\": [{\"metric\": \"x\", \"ratio\": 1}]}]}",
			       map, copy);
	char *path = xasprintf("%s/base.json", self->dir);

	write_file(path, text, strlen(text), 0644);
	free(text);
	return path;
}

#define KTAP_COMPARED \
	"# " MAP "\n" \
	"# bench: copy desc=4KiB MiB/s vfio-pci=200 upci=220 min_MiB/s vfio-pci=190 upci=215 max_MiB/s vfio-pci=205 upci=230 rounds=3\n" \
	"ok 1 bench/upci\n"

/* The report of @ktap against baseline(@map, @copy); report.md in self->md */
static int against_baseline(FIXTURE_DATA(br) *self, const char *ktap,
			    double map, double copy)
{
	char *path;
	int rc;

	write_in(self->results, "results.ktap", ktap);
	path = baseline(self, map, copy);
	self->o.baseline = path;
	rc = run_without_gnuplot(self);
	self->o.baseline = NULL;
	free(path);
	free(self->md);
	self->md = read_in(self->out_dir, "report.md");
	return rc;
}

TEST_F(br, a_baseline_ratio_inside_the_runs_range_is_not_flagged)
{
	/* this run: map 0.37-0.43, copy 1.05-1.21 */
	EXPECT_EQ(0, against_baseline(self, KTAP_COMPARED, 0.38, 1.2)) TH_LOG("%s", self->err);
	EXPECT_TRUE(has_line(self->out, "bench-report: 0 of 2 ratios moved beyond the run's noise"))
		TH_LOG("%s", self->out);
	EXPECT_EQ(-1, offset_of(self->out, "slower"));
	EXPECT_EQ(-1, offset_of(self->out, "faster"));
	EXPECT_NE(-1, offset_of(self->md, "0 of 2 ratios moved beyond this run's noise"));
	EXPECT_NE(-1, offset_of(self->md, "| 0.38 | 0.41 | 0.37-0.43 | within noise |"));
}

TEST_F(br, a_baseline_ratio_outside_says_which_way_it_moved)
{
	/* map: the baseline 0.60, now 0.41: upci's time fell against vfio-pci's */
	/* copy: the baseline 0.90, now 1.10: upci's throughput rose */
	EXPECT_EQ(0, against_baseline(self, KTAP_COMPARED, 0.6, 0.9)) TH_LOG("%s", self->err);
	EXPECT_TRUE(has_line(self->out, "bench-report: 2 of 2 ratios moved beyond the run's noise"))
		TH_LOG("%s", self->out);
	EXPECT_TRUE(line_has(self->out, "bench-report: faster: dma-map backing=4k size=64MiB calls=16384 op=map median_ms:",
			     "ratio 0.60 in the baseline, 0.41 now, outside this run's 0.37-0.43"));
	EXPECT_TRUE(line_has(self->out, "bench-report: faster: copy desc=4KiB MiB/s:", "ratio 0.90"));
	EXPECT_NE(-1, offset_of(self->md, "| 0.60 | 0.41 | 0.37-0.43 | **faster** |"));

	/* the other way round */
	EXPECT_EQ(0, against_baseline(self, KTAP_COMPARED, 0.2, 1.5));
	EXPECT_TRUE(line_has(self->out, "bench-report: slower: dma-map backing=4k", "0.20 in the baseline"));
	EXPECT_TRUE(line_has(self->out, "bench-report: slower: copy desc=4KiB MiB/s", "1.50 in the baseline"));
}

TEST_F(br, without_a_spread_nothing_is_flagged)
{
	EXPECT_EQ(0, against_baseline(self, "# " COPY "\nok 1 bench/upci\n", 0.6, 0.5))
		TH_LOG("%s", self->err);
	EXPECT_TRUE(has_line(self->out, "bench-report: 0 of 1 ratios moved beyond the run's noise (1 with no spread measured, not judged)"))
		TH_LOG("%s", self->out);
	EXPECT_NE(-1, offset_of(self->md, "| 0.50 | 1.02 | - | no spread measured |"));
}

/* make test's bench VM runs 1 round: min = max is no spread */
TEST_F(br, one_rounds_spread_is_no_spread)
{
	EXPECT_EQ(0, against_baseline(self, "# bench: dma-map backing=4k size=64MiB calls=16384 op=map median_ms vfio-pci=100 upci=50 min_ms vfio-pci=100 upci=50 max_ms vfio-pci=100 upci=50 n=1\n",
				      0.6, 1)) TH_LOG("%s", self->err);
	EXPECT_TRUE(has_line(self->out, "bench-report: 0 of 1 ratios moved beyond the run's noise (1 with no spread measured, not judged)"))
		TH_LOG("%s", self->out);
}

TEST_F(line, compare_judges_against_the_range)
{
	struct bench_ref refs[] = { { "copy desc=4KiB MiB/s", 1.3 } };
	struct bench_baseline base = { refs, 1 };
	struct bench_set set = { &self->l, 1 };
	struct bench_cmp *c;

	PARSE_OK("bench: copy desc=4KiB MiB/s vfio-pci=100 upci=110 min_MiB/s vfio-pci=90 upci=100 max_MiB/s vfio-pci=110 upci=120");
	ASSERT_EQ(1, bench_compare(&set, &base, &c));
	EXPECT_TRUE(near(100.0 / 110, c->lo));
	EXPECT_TRUE(near(120.0 / 90, c->hi));
	EXPECT_EQ(BENCH_WITHIN, c->move);	/* 1.3 < 1.33 */
	free(c);
	refs[0].ratio = 1.34;
	ASSERT_EQ(1, bench_compare(&set, &base, &c));
	EXPECT_EQ(BENCH_DOWN, c->move);
	EXPECT_STREQ("slower", bench_move_word(c));
	free(c);
	refs[0].key = "copy desc=1MiB MiB/s";
	EXPECT_EQ(0, bench_compare(&set, &base, &c));
}

TEST_F(br, a_bad_baseline_is_an_error_before_anything_is_written)
{
	static const struct { const char *text, *why; } bad[] = {
		{ NULL, "cannot read the baseline" },
		{ "{\"version\": 1, \"measurements\": [", "is not valid JSON: line 1" },
		{ "{\"version\": 1, \"shard\": 1, \"vms\": []}", "is not a bench-report results.json" },
		{ "{\"version\": 2, \"measurements\": []}", "is not a bench-report results.json" },
		{ "[1, 2]", "is not a bench-report results.json" },
		{ "{\"version\": 1, \"measurements\": [{\"name\": \"x\"}]}", "measurements[0] has no \"name\", \"params\" object and \"metrics\" array" },
		{ "{\"version\": 1, \"measurements\": [{\"name\": \"x\", \"params\": {\"a\": 1}, \"metrics\": []}]}", "measurements[0].params.a is not a string" },
		{ "{\"version\": 1, \"measurements\": [{\"name\": \"x\", \"params\": {}, \"metrics\": [{\"metric\": \"m\", \"ratio\": \"1\"}]}]}", "measurements[0].metrics[0] has no \"metric\" name or a \"ratio\" that is not a number" },
	};
	char *path = xasprintf("%s/base.json", self->dir);

	write_in(self->results, "results.ktap", KTAP_COMPARED);
	self->o.baseline = path;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		unlink(path);
		if (bad[i].text)
			write_file(path, bad[i].text, strlen(bad[i].text), 0644);
		EXPECT_EQ(1, run_without_gnuplot(self));
		EXPECT_TRUE(line_has(self->err, "bench-report:", bad[i].why))
			TH_LOG("%zu: want '%s', got '%s'", i, bad[i].why, self->err);
		EXPECT_NE(NULL, strstr(self->err, path));
		EXPECT_FALSE(is_file(self->out_dir, "results.json"));
	}
	free(path);
}

TEST_F(br, a_missing_results_directory_or_results_ktap_is_an_error)
{
	char *missing = xasprintf("%s/nothing", self->dir);

	self->o.results_dir = missing;
	EXPECT_EQ(1, run_report(self));
	EXPECT_TRUE(line_has(self->err, "bench-report:", "nothing: no such results directory"));
	self->o.results_dir = self->results;
	EXPECT_EQ(1, run_report(self));
	EXPECT_TRUE(line_has(self->err, "bench-report: cannot read", "results.ktap: No such file or directory"));
	/* a run's results.ktap without bench lines */
	write_in(self->results, "results.ktap", "KTAP version 1\n1..1\nok 1 default/upci\n");
	EXPECT_EQ(1, run_report(self));
	EXPECT_TRUE(line_has(self->err, "bench-report: no \"# bench:\" lines in", "results.ktap"));
	EXPECT_FALSE(is_file(self->out_dir, "results.json"));
	free(missing);
}

TEST_F(br, an_unwritable_out_directory_is_an_error)
{
	char *file = xasprintf("%s/a-file", self->dir);

	write_in(self->results, "results.ktap", KTAP_COMPARED);
	write_file(file, "x", 1, 0644);
	free(self->out_dir);
	self->out_dir = xasprintf("%s/sub", file);
	self->o.out_dir = self->out_dir;
	EXPECT_EQ(1, run_report(self));
	EXPECT_TRUE(line_has(self->err, "bench-report: cannot create", "a-file/sub: Not a directory"))
		TH_LOG("%s", self->err);
	free(file);
}

TEST_F(br, without_gnuplot_the_plots_skip_and_the_rest_is_written)
{
	write_in(self->results, "results.ktap", KTAP_RUN);
	EXPECT_EQ(0, run_without_gnuplot(self)) TH_LOG("%s", self->err);
	EXPECT_TRUE(has_line(self->out, "bench-report: SKIP plots: gnuplot not found (apt-get install gnuplot-nox)"));
	EXPECT_TRUE(is_file(self->out_dir, "results.json"));
	EXPECT_TRUE(is_file(self->out_dir, "report.md"));
	EXPECT_FALSE(is_file(self->out_dir, "dma-map-4k.gp"));
	EXPECT_FALSE(is_file(self->out_dir, "dma-map-4k.png"));
	EXPECT_TRUE(line_has(self->out, "bench-report: 7 bench lines:", "and 0 plots"));
}

static bool is_png(const char *dir, const char *name)
{
	char *text = read_in(dir, name);
	bool ok = text && !memcmp(text, png_signature, sizeof(png_signature));

	free(text);
	return ok;
}

TEST_F(br, with_gnuplot_the_plots_are_pngs_in_the_report)
{
	char *md, *gp;

	if (!bench_gnuplot_found())
		SKIP(return, "gnuplot is not installed (apt-get install gnuplot-nox)");
	write_in(self->results, "results.ktap", KTAP_RUN);
	EXPECT_EQ(0, run_report(self)) TH_LOG("%s", self->err);
	EXPECT_TRUE(is_png(self->out_dir, "dma-map-4k.png"));
	EXPECT_TRUE(is_png(self->out_dir, "irq-latency-cdf.png"));
	EXPECT_EQ(-1, offset_of(self->out, "SKIP"));
	EXPECT_TRUE(line_has(self->out, "bench-report: 7 bench lines:", "and 2 plots"));
	md = read_in(self->out_dir, "report.md");
	EXPECT_TRUE(has_line(md, "![dma-map-4k.png](dma-map-4k.png)"));
	EXPECT_TRUE(has_line(md, "![irq-latency-cdf.png](irq-latency-cdf.png)"));
	free(md);
	/* a series per driver, op and call size; a point per size */
	gp = read_in(self->out_dir, "dma-map-4k.gp");
	ASSERT_NE(NULL, gp);
	EXPECT_NE(-1, offset_of(gp, "title 'vfio-pci map, 4KiB calls'"));
	EXPECT_NE(-1, offset_of(gp, "title 'upci map, 4KiB calls'"));
	EXPECT_TRUE(has_line(gp, "64 61.3 60.1 63"));
	EXPECT_TRUE(has_line(gp, "1024 1000 950 1100"));
	EXPECT_TRUE(has_line(gp, "set logscale x 2"));
	free(gp);
	gp = read_in(self->out_dir, "irq-latency-cdf.gp");
	ASSERT_NE(NULL, gp);
	EXPECT_NE(-1, offset_of(gp, "title 'upci msix'"));
	EXPECT_TRUE(has_line(gp, "80 99 99 99"));
	free(gp);
}

TEST_F(br, a_failing_gnuplot_fails_the_report)
{
	char *fake = xasprintf("%s/gnuplot", self->dir);

	write_in(self->results, "results.ktap", KTAP_RUN);
	write_file(fake, "#!/bin/sh\nexit 3\n", 17, 0755);
	EXPECT_EQ(1, run_with_path(self, self->dir));
	EXPECT_TRUE(line_has(self->err, "bench-report: gnuplot failed on", "exit status 3"))
		TH_LOG("%s", self->err);
	EXPECT_TRUE(is_file(self->out_dir, "report.md"));
	free(fake);
}

/* upcilab's own results.ktap carries the tests' bench lines */
TEST_F(br, the_lines_of_a_run_reach_results_ktap_with_their_vm)
{
	struct report_vm vm = { .label = "bench/upci" };
	struct test_node *t, *c;
	struct bench_set set;
	char *path = xasprintf("%s/results.ktap", self->results);
	int bad;

	vm.res.root = node_new("root");
	t = node_add(vm.res.root, "bench_drivers");
	c = node_add(t, "copy.desc_4k");
	node_set(c, RES_PASS, NULL);
	buf_addf(&c->diag, "#  RUN copy.desc_4k ...\n# %s\n#   # bench: nested, not ours\n", COPY);
	ASSERT_EQ(0, report_write_ktap(path, &vm, 1));
	ASSERT_EQ(0, bench_set_read(path, &set, stderr, &bad));
	EXPECT_EQ(0, bad);
	ASSERT_EQ(1, set.n);
	EXPECT_STREQ("copy", set.lines[0].name);
	EXPECT_STREQ("bench/upci", set.lines[0].vm);
	bench_set_free(&set);
	node_free(vm.res.root);
	free(path);
}

TEST(usage_errors_exit_2)
{
	char *none[] = { "bench-report", NULL };
	char *two[] = { "bench-report", "a", "b", NULL };
	char *unknown[] = { "bench-report", "--frob", "a", NULL };
	char *no_value[] = { "bench-report", "a", "--out", NULL };

	EXPECT_EQ(2, bench_report_main(1, none));
	EXPECT_EQ(2, bench_report_main(3, two));
	EXPECT_EQ(2, bench_report_main(3, unknown));
	EXPECT_EQ(2, bench_report_main(3, no_value));
}

TEST_HARNESS_MAIN
