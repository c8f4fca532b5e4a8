// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_table.h"

#include <stdlib.h>
#include <string.h>

void text_table_print(const struct text_table *t, FILE *out)
{
	size_t *width = xcalloc(t->ncols, sizeof(*width));

	for (size_t i = 0; i < t->cells.n; i++) {
		size_t len = strlen(t->cells.v[i]);

		if (len > width[i % t->ncols])
			width[i % t->ncols] = len;
	}
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t c = i % t->ncols;

		if (c + 1 < t->ncols)
			fprintf(out, "%-*s  ", (int)width[c], t->cells.v[i]);
		else
			fprintf(out, "%s\n", t->cells.v[i]);
	}
	free(width);
}

void text_table_markdown(const struct text_table *t, FILE *out, const char *align)
{
	for (size_t i = 0; i < t->cells.n; i++) {
		size_t c = i % t->ncols;

		fputs(c ? " | " : "| ", out);
		for (const char *s = t->cells.v[i]; *s; s++) {
			if (*s == '|')
				fputc('\\', out);
			fputc(*s, out);
		}
		if (c + 1 < t->ncols)
			continue;
		fputs(" |\n", out);
		if (i + 1 != t->ncols)
			continue;
		for (size_t k = 0; k < t->ncols; k++)
			fputs(align[k] == 'r' ? "| ---: " : "| --- ", out);
		fputs("|\n", out);
	}
}

void text_table_free(struct text_table *t)
{
	strv_free(&t->cells);
}

char *bench_figure_text(const struct bench_metric *m, int driver, bool spread)
{
	if (driver < 0 || !m->val.has[driver])
		return xstrdup("-");
	if (spread && m->min.has[driver] && m->max.has[driver])
		return xasprintf("%.10g (%.10g-%.10g)", m->val.v[driver],
				 m->min.v[driver], m->max.v[driver]);
	return xasprintf("%.10g", m->val.v[driver]);
}

char *bench_ratio_text(const struct bench_metric *m)
{
	double r;

	return bench_ratio(m, &r) ? xasprintf("%.2f", r) : xstrdup("-");
}

char *bench_range_text(const struct bench_metric *m)
{
	double lo, hi;

	return bench_ratio_range(m, &lo, &hi) ? xasprintf("%.2f-%.2f", lo, hi)
					       : xstrdup("-");
}
