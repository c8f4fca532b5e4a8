// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_line.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const driver_names[BENCH_DRIVERS] = {
	[BENCH_VFIO_PCI] = "vfio-pci",
	[BENCH_UPCI] = "upci",
	[BENCH_UPCI_VFIO] = "upci-vfio",
};

const char *bench_driver_name(int driver)
{
	return driver >= 0 && driver < BENCH_DRIVERS ? driver_names[driver] : "?";
}

static int driver_index(const char *name)
{
	for (int d = 0; d < BENCH_DRIVERS; d++)
		if (!strcmp(name, driver_names[d]))
			return d;
	return -1;
}

static bool str_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

enum bench_kind bench_metric_kind(const char *metric)
{
	/* the unit is a suffix (median_ms), or a prefix for percentiles (us_p99) */
	static const char *const suffixes[] = { "_s", "_ms", "_us", "_ns" };
	static const char *const prefixes[] = { "s_", "ms_", "us_", "ns_" };

	if (str_ends(metric, "/s") || str_ends(metric, "_per_s"))
		return BENCH_THROUGHPUT;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (str_ends(metric, suffixes[i]) || str_starts(metric, prefixes[i]))
			return BENCH_TIME;
	return BENCH_OTHER;
}

static bool number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return end != s && !*end && !errno && isfinite(*v);
}

static void kv_add(struct bench_kv **kv, size_t *n, const char *key,
		   const char *value)
{
	*kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
	(*kv)[*n].key = xstrdup(key);
	(*kv)[(*n)++].value = xstrdup(value);
}

static struct bench_metric *metric_add(struct bench_line *l, const char *name)
{
	struct bench_metric *m;

	l->metrics = xrealloc(l->metrics, (l->nmetrics + 1) * sizeof(*l->metrics));
	m = &l->metrics[l->nmetrics++];
	*m = (struct bench_metric){ .name = xstrdup(name) };
	return m;
}

bool bench_figures_any(const struct bench_figures *f)
{
	for (int d = 0; d < BENCH_DRIVERS; d++)
		if (f->has[d])
			return true;
	return false;
}

/* The figures min_X / max_X stand for: the spread of metric X or median_X */
static struct bench_figures *spread_of(struct bench_line *l, const char *tok)
{
	bool min = str_starts(tok, "min_");

	if (!min && !str_starts(tok, "max_"))
		return NULL;
	for (size_t i = 0; i < l->nmetrics; i++) {
		struct bench_metric *m = &l->metrics[i];
		const char *x = tok + 4;

		if (!strcmp(m->name, x) ||
		    (str_starts(m->name, "median_") && !strcmp(m->name + 7, x)))
			return min ? &m->min : &m->max;
	}
	return NULL;
}

/* KEY=VALUE, with '=' in @tok, split in place; -1 if either side is empty */
static int split_kv(char *tok, char **key, char **value, struct buf *err)
{
	char *eq = strchr(tok, '=');

	*eq = '\0';
	*key = tok;
	*value = eq + 1;
	if (*tok && eq[1])
		return 0;
	buf_addf(err, "'%s=%s': KEY=VALUE needs both", *key, *value);
	return -1;
}

/* A metric ends with a driver's figure; -1 if @f has none */
static int figures_given(const struct bench_figures *f, const char *metric,
			 struct buf *err)
{
	if (bench_figures_any(f))
		return 0;
	buf_addf(err, "metric %s has no DRIVER=NUMBER figure", metric);
	return -1;
}

static int parse_per_vm(struct bench_line *l, char **tok, size_t n,
			struct buf *err)
{
	struct bench_kv *figs = NULL;
	size_t nfigs = 0;
	char *key, *value;
	double v;

	for (size_t i = 1; i < n; i++) {
		if (!strchr(tok[i], '=')) {
			strv_add(&l->words, tok[i]);
			continue;
		}
		if (split_kv(tok[i], &key, &value, err))
			break;
		if (!strcmp(key, "driver")) {
			l->driver = driver_index(value);
			if (l->driver < 0) {
				buf_addf(err, "driver=%s: not vfio-pci, upci or upci-vfio", value);
				break;
			}
		} else if (number(value, &v)) {
			kv_add(&figs, &nfigs, key, value);
		} else {
			kv_add(&l->params, &l->nparams, key, value);
		}
	}
	if (!err->len && !nfigs)
		buf_addf(err, "no KEY=NUMBER figure for driver=%s", bench_driver_name(l->driver));
	for (size_t i = 0; !err->len && i < nfigs; i++) {
		struct bench_metric *m = metric_add(l, figs[i].key);

		number(figs[i].value, &m->val.v[l->driver]);
		m->val.has[l->driver] = true;
	}
	for (size_t i = 0; i < nfigs; i++) {
		free(figs[i].key);
		free(figs[i].value);
	}
	free(figs);
	return err->len ? -1 : 0;
}

/* One token after the name of a paired line; cur is the metric's figures */
static int paired_token(struct bench_line *l, char *tok,
			struct bench_figures **cur, const char **cur_name,
			struct buf *err)
{
	char *key, *value;
	int d;
	double v;

	if (!strchr(tok, '=')) {
		if (*cur && figures_given(*cur, *cur_name, err))
			return -1;
		*cur = spread_of(l, tok);
		if (!*cur)
			*cur = &metric_add(l, tok)->val;
		*cur_name = tok;
		return 0;
	}
	if (split_kv(tok, &key, &value, err))
		return -1;
	d = driver_index(key);
	if (d < 0 && strcmp(key, "ratio")) {
		if (*cur)
			kv_add(&l->trailing, &l->ntrailing, key, value);
		else
			kv_add(&l->params, &l->nparams, key, value);
		return 0;
	}
	if (!*cur) {
		buf_addf(err, "%s=%s before any metric: a figure follows a metric's name", key, value);
		return -1;
	}
	if (!number(value, &v)) {
		buf_addf(err, "metric %s: %s=%s is not a number", *cur_name, key, value);
		return -1;
	}
	if (d >= 0 && (*cur)->has[d]) {
		buf_addf(err, "metric %s: %s given twice", *cur_name, key);
		return -1;
	}
	if (d >= 0) {
		(*cur)->v[d] = v;
		(*cur)->has[d] = true;
	}
	return 0;
}

static int parse_paired(struct bench_line *l, char **tok, size_t n,
			struct buf *err)
{
	struct bench_figures *cur = NULL;
	const char *cur_name = NULL;

	for (size_t i = 1; i < n; i++)
		if (paired_token(l, tok[i], &cur, &cur_name, err))
			return -1;
	if (!cur) {
		buf_addf(err, "no metric: a bare token (median_ms) with DRIVER=NUMBER figures");
		return -1;
	}
	return figures_given(cur, cur_name, err);
}

int bench_line_parse(const char *text, struct bench_line *l, struct buf *err)
{
	char *copy = xstrdup(text), *save, *t;
	struct strv tok = { 0 };
	bool per_vm = false;
	int rc = -1;

	*l = (struct bench_line){ .driver = -1 };
	for (t = strtok_r(copy, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		strv_add(&tok, t);
		per_vm |= str_starts(t, "driver=");
	}
	if (!tok.n)
		buf_addf(err, "nothing after \"bench:\"");
	else if (strchr(tok.v[0], '='))
		buf_addf(err, "'%s' where the benchmark's name should be", tok.v[0]);
	else {
		l->name = xstrdup(tok.v[0]);
		rc = per_vm ? parse_per_vm(l, tok.v, tok.n, err)
			    : parse_paired(l, tok.v, tok.n, err);
	}
	if (rc)
		bench_line_free(l);
	strv_free(&tok);
	free(copy);
	return rc;
}

static void kv_free(struct bench_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void bench_line_free(struct bench_line *l)
{
	free(l->name);
	free(l->vm);
	strv_free(&l->words);
	kv_free(l->params, l->nparams);
	kv_free(l->trailing, l->ntrailing);
	for (size_t i = 0; i < l->nmetrics; i++)
		free(l->metrics[i].name);
	free(l->metrics);
	*l = (struct bench_line){ .driver = -1 };
}

/* "ok 3 bench/upci # SKIP ..." at the top level: the VM's label */
static char *vm_label(const char *line)
{
	const char *s = line;
	size_t len;

	if (str_starts(s, "not "))
		s += 4;
	if (!str_starts(s, "ok "))
		return NULL;
	s += 3 + strspn(s + 3, "0123456789");
	if (*s != ' ')
		return NULL;
	s++;
	len = strcspn(s, "\n");
	if (strstr(s, " # ") && (size_t)(strstr(s, " # ") - s) < len)
		len = (size_t)(strstr(s, " # ") - s);
	return xasprintf("%.*s", (int)len, s);
}

int bench_set_read(const char *path, struct bench_set *set, FILE *err, int *bad)
{
	char *text = read_file(path, NULL), *line;
	size_t unlabelled = 0;
	int lineno = 0;

	*set = (struct bench_set){ 0 };
	*bad = 0;
	if (!text)
		return -1;
	for (char *s = text; (line = strsep(&s, "\n")); ) {
		char *d = line + strspn(line, " "), *label;
		struct buf why = { 0 };
		struct bench_line l;

		lineno++;
		if (!s && !*line)
			break;
		label = vm_label(line);
		for (; label && unlabelled < set->n; unlabelled++)
			set->lines[unlabelled].vm = xstrdup(label);
		free(label);
		if (!str_starts(d, "# bench:") || (d[8] && d[8] != ' '))
			continue;
		if (bench_line_parse(d + 8, &l, &why)) {
			fprintf(err, "%s:%d: %s\n", path, lineno, why.s);
			buf_free(&why);
			(*bad)++;
			continue;
		}
		l.lineno = lineno;
		set->lines = xrealloc(set->lines, (set->n + 1) * sizeof(*set->lines));
		set->lines[set->n++] = l;
	}
	free(text);
	return 0;
}

void bench_set_free(struct bench_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		bench_line_free(&set->lines[i]);
	free(set->lines);
	*set = (struct bench_set){ 0 };
}

int bench_upci_side(const struct bench_figures *f)
{
	return f->has[BENCH_UPCI] ? BENCH_UPCI : f->has[BENCH_UPCI_VFIO] ? BENCH_UPCI_VFIO : -1;
}

bool bench_ratio(const struct bench_metric *m, double *ratio)
{
	int u = bench_upci_side(&m->val);

	if (u < 0 || !m->val.has[BENCH_VFIO_PCI] || m->val.v[BENCH_VFIO_PCI] == 0)
		return false;
	*ratio = m->val.v[u] / m->val.v[BENCH_VFIO_PCI];
	return true;
}

bool bench_ratio_range(const struct bench_metric *m, double *lo, double *hi)
{
	int u = bench_upci_side(&m->val);

	if (u < 0 || !m->min.has[u] || !m->max.has[u] ||
	    !m->min.has[BENCH_VFIO_PCI] || !m->max.has[BENCH_VFIO_PCI] ||
	    m->min.v[BENCH_VFIO_PCI] <= 0 || m->max.v[BENCH_VFIO_PCI] <= 0)
		return false;
	*lo = m->min.v[u] / m->max.v[BENCH_VFIO_PCI];
	*hi = m->max.v[u] / m->min.v[BENCH_VFIO_PCI];
	return *lo != *hi;
}

char *bench_key(const char *name, const struct strv *words,
		const struct bench_kv *params, size_t nparams, const char *metric)
{
	struct buf b = { 0 };

	buf_addf(&b, "%s", name);
	for (size_t i = 0; words && i < words->n; i++)
		buf_addf(&b, " %s", words->v[i]);
	for (size_t i = 0; i < nparams; i++)
		buf_addf(&b, " %s=%s", params[i].key, params[i].value);
	buf_addf(&b, " %s", metric);
	return b.s;
}

char *bench_params_text(const struct bench_line *l)
{
	struct buf b = { 0 };

	buf_add(&b, "", 0);
	for (size_t i = 0; i < l->words.n; i++)
		buf_addf(&b, "%s%s", b.len ? " " : "", l->words.v[i]);
	for (size_t i = 0; i < l->nparams; i++)
		buf_addf(&b, "%s%s=%s", b.len ? " " : "", l->params[i].key, l->params[i].value);
	for (size_t i = 0; i < l->ntrailing; i++)
		buf_addf(&b, "%s%s=%s", b.len ? " " : "", l->trailing[i].key, l->trailing[i].value);
	return b.s;
}
