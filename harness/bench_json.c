// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_json.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[] = {
	[BENCH_OTHER] = "other", [BENCH_TIME] = "time",
	[BENCH_THROUGHPUT] = "throughput",
};

/* 2048 stays 2048, not 2048.0 */
static json_t *number(double v)
{
	if (v == (double)(json_int_t)v && v > -9e15 && v < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *utc(time_t t)
{
	char s[32];
	struct tm tm;

	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	return json_string(s);
}

static json_t *figures(const struct bench_figures *f)
{
	json_t *o = json_object();

	for (int d = 0; d < BENCH_DRIVERS; d++)
		if (f->has[d])
			json_object_set_new(o, bench_driver_name(d), number(f->v[d]));
	return o;
}

static json_t *metric(const struct bench_metric *m)
{
	json_t *o = json_object();
	double r, lo, hi;

	json_object_set_new(o, "metric", json_string(m->name));
	json_object_set_new(o, "kind", json_string(kind_names[bench_metric_kind(m->name)]));
	json_object_set_new(o, "values", figures(&m->val));
	if (bench_ratio(m, &r))
		json_object_set_new(o, "ratio", number(r));
	if (bench_figures_any(&m->min))
		json_object_set_new(o, "min", figures(&m->min));
	if (bench_figures_any(&m->max))
		json_object_set_new(o, "max", figures(&m->max));
	if (bench_ratio_range(m, &lo, &hi))
		json_object_set_new(o, "ratio_range", json_pack("[o, o]", number(lo), number(hi)));
	return o;
}

static json_t *kv_object(const struct bench_kv *kv, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, kv[i].key, json_string(kv[i].value));
	return o;
}

static json_t *measurement(const struct bench_line *l)
{
	json_t *o = json_object(), *metrics = json_array();

	json_object_set_new(o, "name", json_string(l->name));
	if (l->vm)
		json_object_set_new(o, "vm", json_string(l->vm));
	if (l->driver >= 0) {
		json_t *words = json_array();

		for (size_t i = 0; i < l->words.n; i++)
			json_array_append_new(words, json_string(l->words.v[i]));
		json_object_set_new(o, "words", words);
		json_object_set_new(o, "driver", json_string(bench_driver_name(l->driver)));
	}
	json_object_set_new(o, "params", kv_object(l->params, l->nparams));
	json_object_set_new(o, "trailing_params", kv_object(l->trailing, l->ntrailing));
	for (size_t i = 0; i < l->nmetrics; i++)
		json_array_append_new(metrics, metric(&l->metrics[i]));
	json_object_set_new(o, "metrics", metrics);
	return o;
}

int bench_json_write(const char *path, const struct bench_set *set,
		     const char *results_dir, struct buf *err)
{
	json_t *root = json_object(), *all = json_array();
	char *ktap = xasprintf("%s/results.ktap", results_dir);
	struct utsname u;
	struct stat st;
	int rc;

	json_object_set_new(root, "version", json_integer(BENCH_JSON_VERSION));
	json_object_set_new(root, "generated", utc(time(NULL)));
	json_object_set_new(root, "results_dir", json_string(results_dir));
	if (!stat(ktap, &st))
		json_object_set_new(root, "run_finished", utc(st.st_mtime));
	if (!uname(&u)) {
		json_object_set_new(root, "host", json_string(u.nodename));
		json_object_set_new(root, "host_kernel", json_string(u.release));
	}
	for (size_t i = 0; i < set->n; i++)
		json_array_append_new(all, measurement(&set->lines[i]));
	json_object_set_new(root, "measurements", all);
	rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	if (rc)
		buf_addf(err, "cannot write %s: %s", path, strerror(errno));
	json_decref(root);
	free(ktap);
	return rc ? -1 : 0;
}

/* The ratios of one measurement; false (and @err says why) if malformed */
static bool load_measurement(json_t *m, size_t i, struct bench_baseline *b,
			     struct buf *err)
{
	json_t *params, *metrics, *words = NULL, *x;
	struct bench_kv *kv = NULL;
	struct strv w = { 0 };
	const char *name, *key;
	size_t n = 0, j;
	bool ok = false;

	if (json_unpack(m, "{s:s, s:o, s:o, s?o}", "name", &name, "params", &params,
			"metrics", &metrics, "words", &words) ||
	    !json_is_object(params) || !json_is_array(metrics) ||
	    (words && !json_is_array(words))) {
		buf_addf(err, "measurements[%zu] has no \"name\", \"params\" object and \"metrics\" array", i);
		return false;
	}
	kv = xcalloc(json_object_size(params) + 1, sizeof(*kv));
	json_object_foreach(params, key, x) {
		if (!json_is_string(x)) {
			buf_addf(err, "measurements[%zu].params.%s is not a string", i, key);
			goto out;
		}
		kv[n].key = (char *)key;
		kv[n++].value = (char *)json_string_value(x);
	}
	json_array_foreach(words, j, x)
		strv_add(&w, json_is_string(x) ? json_string_value(x) : "?");
	json_array_foreach(metrics, j, x) {
		const char *metric;
		json_t *ratio = NULL;

		if (json_unpack(x, "{s:s, s?o}", "metric", &metric, "ratio", &ratio) ||
		    (ratio && !json_is_number(ratio))) {
			buf_addf(err, "measurements[%zu].metrics[%zu] has no \"metric\" name or a \"ratio\" that is not a number",
				 i, j);
			goto out;
		}
		if (!ratio)
			continue;
		b->refs = xrealloc(b->refs, (b->n + 1) * sizeof(*b->refs));
		b->refs[b->n].key = bench_key(name, &w, kv, n, metric);
		b->refs[b->n++].ratio = json_number_value(ratio);
	}
	ok = true;
out:
	free(kv);
	strv_free(&w);
	return ok;
}

int bench_baseline_load(const char *path, struct bench_baseline *b,
			struct buf *err)
{
	json_t *root, *all, *m;
	json_error_t je;
	json_int_t version;
	size_t i;

	*b = (struct bench_baseline){ 0 };
	if (access(path, R_OK)) {
		buf_addf(err, "cannot read the baseline %s: %s", path, strerror(errno));
		return -1;
	}
	root = json_load_file(path, 0, &je);
	if (!root) {
		buf_addf(err, "the baseline %s is not valid JSON: line %d: %s", path, je.line, je.text);
		return -1;
	}
	if (json_unpack(root, "{s:I, s:o}", "version", &version, "measurements", &all) ||
	    version != BENCH_JSON_VERSION || !json_is_array(all)) {
		buf_addf(err, "the baseline %s is not a bench-report results.json (no \"version\": %d and \"measurements\" array)",
			 path, BENCH_JSON_VERSION);
		json_decref(root);
		return -1;
	}
	json_array_foreach(all, i, m) {
		if (!load_measurement(m, i, b, err)) {
			buf_addf(err, " in the baseline %s", path);
			json_decref(root);
			bench_baseline_free(b);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

const struct bench_ref *bench_baseline_find(const struct bench_baseline *b,
					    const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->refs[i].key, key))
			return &b->refs[i];
	return NULL;
}

void bench_baseline_free(struct bench_baseline *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->refs[i].key);
	free(b->refs);
	*b = (struct bench_baseline){ 0 };
}
