// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_plot.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

struct point {
	double x, y, lo, hi;
};

struct series {
	char *title;
	size_t colour;		/* one per op and call size, or per mode */
	bool dashed;		/* vfio-pci's */
	struct point *p;
	size_t n;
};

struct plot {
	char *file;		/* without .gp / .png */
	char *title, *xlabel, *ylabel;
	bool logx, logy;
	struct series *s;
	size_t n;
	struct strv colours;
};

bool bench_gnuplot_found(void)
{
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save, *dir;
	bool found = false;

	for (dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *exe = xasprintf("%s/gnuplot", *dir ? dir : ".");

		found = is_executable(exe);
		free(exe);
	}
	free(dirs);
	return found;
}

static const char *param(const struct bench_line *l, const char *key)
{
	for (size_t i = 0; i < l->nparams; i++)
		if (!strcmp(l->params[i].key, key))
			return l->params[i].value;
	return NULL;
}

/* "64MiB", "1GiB", "4KiB", "2M" in MiB */
static bool size_mib(const char *s, double *mib)
{
	static const struct { const char *unit; double mib; } units[] = {
		{ "", 1.0 / (1 << 20) }, { "B", 1.0 / (1 << 20) },
		{ "KiB", 1.0 / 1024 }, { "K", 1.0 / 1024 }, { "k", 1.0 / 1024 },
		{ "MiB", 1 }, { "M", 1 }, { "GiB", 1024 }, { "G", 1024 },
	};
	char *end;
	double v;

	if (!s)
		return false;
	v = strtod(s, &end);
	if (end == s || v <= 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit)) {
			*mib = v * units[i].mib;
			return true;
		}
	return false;
}

static char *size_text(double mib)
{
	if (mib >= 1024)
		return xasprintf("%gGiB", mib / 1024);
	if (mib >= 1)
		return xasprintf("%gMiB", mib);
	return xasprintf("%gKiB", mib * 1024);
}

static struct plot *plot_get(struct plot **plots, size_t *n, const char *file)
{
	struct plot *p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*plots)[i].file, file))
			return &(*plots)[i];
	*plots = xrealloc(*plots, (*n + 1) * sizeof(**plots));
	p = &(*plots)[(*n)++];
	*p = (struct plot){ .file = xstrdup(file) };
	return p;
}

static size_t colour_of(struct plot *p, const char *key)
{
	for (size_t i = 0; i < p->colours.n; i++)
		if (!strcmp(p->colours.v[i], key))
			return i + 1;
	strv_add(&p->colours, key);
	return p->colours.n;
}

/* A point of @driver's series "DRIVER WHAT", coloured as the others' WHAT */
static void add_point(struct plot *p, int driver, const char *what,
		      struct point pt)
{
	char *title = xasprintf("%s %s", bench_driver_name(driver), what);
	struct series *s = NULL;

	for (size_t i = 0; i < p->n && !s; i++)
		if (!strcmp(p->s[i].title, title))
			s = &p->s[i];
	if (!s) {
		p->s = xrealloc(p->s, (p->n + 1) * sizeof(*p->s));
		s = &p->s[p->n++];
		*s = (struct series){ .title = title, .colour = colour_of(p, what),
				      .dashed = driver == BENCH_VFIO_PCI };
	} else {
		free(title);
	}
	s->p = xrealloc(s->p, (s->n + 1) * sizeof(*s->p));
	s->p[s->n++] = pt;
}

static void plot_free(struct plot *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->s[i].title);
		free(p->s[i].p);
	}
	free(p->s);
	free(p->file);
	free(p->title);
	free(p->xlabel);
	free(p->ylabel);
	strv_free(&p->colours);
}

/* The plot of dma-map lines of @backing (NULL: lines without one) */
static struct plot *dma_map_plot(struct plot **plots, size_t *n,
				 const char *backing, const char *metric)
{
	char *file = xasprintf("dma-map%s%s", backing ? "-" : "", backing ? backing : "");
	struct plot *p;

	for (char *c = file; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
			*c = '_';
	p = plot_get(plots, n, file);
	free(file);
	if (!p->title) {
		p->title = xasprintf("dma-map%s%s: time by size mapped",
				     backing ? " backing=" : "", backing ? backing : "");
		p->xlabel = xstrdup("size mapped (MiB)");
		p->ylabel = xasprintf("%s (bars: min to max)", metric);
		p->logx = p->logy = true;
	}
	return p;
}

/* dma-map lines: a plot per backing, time against size */
static void dma_map_plots(const struct bench_set *set, struct plot **plots,
			  size_t *n)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct bench_line *l = &set->lines[i];
		const char *backing = param(l, "backing"), *op = param(l, "op");
		const char *calls = param(l, "calls");
		double mib, ncalls = calls ? atof(calls) : 1;
		const struct bench_metric *m = &l->metrics[0];
		char *what, *per_call;
		struct plot *p;

		if (strcmp(l->name, "dma-map") || !size_mib(param(l, "size"), &mib) ||
		    ncalls < 1)
			continue;
		p = dma_map_plot(plots, n, backing, m->name);
		per_call = ncalls == 1 ? xstrdup("1 call") : size_text(mib / ncalls);
		what = xasprintf("%s, %s%s", op ? op : "-", per_call, ncalls == 1 ? "" : " calls");
		for (int d = 0; d < BENCH_DRIVERS; d++) {
			struct point pt = { mib, m->val.v[d], m->val.v[d], m->val.v[d] };

			if (!m->val.has[d])
				continue;
			if (m->min.has[d])
				pt.lo = m->min.v[d];
			if (m->max.has[d])
				pt.hi = m->max.v[d];
			add_point(p, d, what, pt);
		}
		free(what);
		free(per_call);
	}
}

/* irq-latency-pct lines: one plot, a CDF per driver and mode */
static void irq_cdf_plot(const struct bench_set *set, struct plot **plots,
			 size_t *n)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct bench_line *l = &set->lines[i];
		const char *mode = param(l, "mode");
		struct plot *p;

		if (strcmp(l->name, "irq-latency-pct"))
			continue;
		p = plot_get(plots, n, "irq-latency-cdf");
		if (!p->title) {
			p->title = xstrdup("irq-latency-pct: interrupts delivered within a latency");
			p->xlabel = xstrdup("latency (us)");
			p->ylabel = xstrdup("percentile (%)");
			p->logx = true;
		}
		for (size_t k = 0; k < l->nmetrics; k++) {
			const struct bench_metric *m = &l->metrics[k];
			char *end;
			double pct;

			if (!str_starts(m->name, "us_p"))
				continue;
			pct = strtod(m->name + 4, &end);
			if (end == m->name + 4 || *end)
				continue;
			for (int d = 0; d < BENCH_DRIVERS; d++)
				if (m->val.has[d])
					add_point(p, d, mode ? mode : "-",
						  (struct point){ m->val.v[d], pct, pct, pct });
		}
	}
}

static int by_x(const void *a, const void *b)
{
	const struct point *p = a, *q = b;

	return p->x < q->x ? -1 : p->x > q->x ? 1 : (p->y > q->y) - (p->y < q->y);
}

static bool has_spread(const struct series *s)
{
	for (size_t k = 0; k < s->n; k++)
		if (s->p[k].lo != s->p[k].y || s->p[k].hi != s->p[k].y)
			return true;
	return false;
}

/* A single-quoted gnuplot string: ' doubled */
static void quoted(struct buf *b, const char *s)
{
	buf_add(b, "'", 1);
	for (; *s; s++)
		buf_add(b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
	buf_add(b, "'", 1);
}

static char *script(struct plot *p)
{
	bool posx = true, posy = true;
	struct buf b = { 0 };

	for (size_t i = 0; i < p->n; i++) {
		struct series *s = &p->s[i];

		qsort(s->p, s->n, sizeof(*s->p), by_x);
		buf_addf(&b, "$s%zu << EOD\n", i);
		for (size_t k = 0; k < s->n; k++) {
			buf_addf(&b, "%.10g %.10g %.10g %.10g\n", s->p[k].x,
				 s->p[k].y, s->p[k].lo, s->p[k].hi);
			posx &= s->p[k].x > 0;
			posy &= s->p[k].lo > 0;
		}
		buf_addf(&b, "EOD\n");
	}
	buf_addf(&b, "set terminal pngcairo size 1000,640 noenhanced\nset output '%s.png'\n",
		 p->file);
	buf_addf(&b, "set title ");
	quoted(&b, p->title);
	buf_addf(&b, "\nset xlabel ");
	quoted(&b, p->xlabel);
	buf_addf(&b, "\nset ylabel ");
	quoted(&b, p->ylabel);
	buf_addf(&b, "\nset grid\nset key outside right top\n%s%s",
		 p->logx && posx ? "set logscale x 2\n" : "",
		 p->logy && posy ? "set logscale y\n" : "");
	buf_addf(&b, "plot");
	for (size_t i = 0; i < p->n; i++) {
		buf_addf(&b, "%s $s%zu using %s lc %zu dt %d pt 7 title ",
			 i ? ", \\\n    " : "", i,
			 has_spread(&p->s[i]) ? "1:2:3:4 with yerrorlines" : "1:2 with linespoints",
			 p->s[i].colour, p->s[i].dashed ? 2 : 1);
		quoted(&b, p->s[i].title);
	}
	buf_addf(&b, "\n");
	return b.s;
}

static int draw(struct plot *p, const char *dir, struct strv *pngs,
		struct buf *err)
{
	char *text = script(p), *gp = xasprintf("%s.gp", p->file);
	char *path = xasprintf("%s/%s", dir, gp);
	char *argv[] = { "gnuplot", gp, NULL };
	int rc = write_file(path, text, strlen(text), 0644);

	if (rc)
		buf_addf(err, "cannot write %s: %s", path, strerror(-rc));
	else if ((rc = run_argv(argv, NULL, dir)))
		buf_addf(err, "gnuplot failed on %s (%s %d)", path,
			 rc < 0 ? "signal or exec error" : "exit status", rc);
	else
		strv_addf(pngs, "%s.png", p->file);
	free(text);
	free(gp);
	free(path);
	return rc ? -1 : 0;
}

int bench_plot(const struct bench_set *set, const char *dir, struct strv *pngs,
	       struct buf *err)
{
	struct plot *plots = NULL;
	size_t n = 0;
	int rc = 0;

	if (!bench_gnuplot_found())
		return BENCH_PLOT_SKIPPED;
	dma_map_plots(set, &plots, &n);
	irq_cdf_plot(set, &plots, &n);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = draw(&plots[i], dir, pngs, err);
		plot_free(&plots[i]);
	}
	free(plots);
	return rc;
}
