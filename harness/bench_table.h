/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tables of `upcilab bench-report`: rows of cells printed as aligned
 * columns (the terminal) or as markdown (report.md), and the cells' text
 * for a benchmark's figures.
 */
#ifndef UPCILAB_BENCH_TABLE_H
#define UPCILAB_BENCH_TABLE_H

#include <stdio.h>

#include "bench_line.h"
#include "util.h"

/* The first row is the header; cells are added row by row (strv_add) */
struct text_table {
	struct strv cells;
	size_t ncols;
};

void text_table_print(const struct text_table *t, FILE *out);
/* @align: a character per column, 'l' or 'r' */
void text_table_markdown(const struct text_table *t, FILE *out, const char *align);
void text_table_free(struct text_table *t);

/* A driver's figure, "-" if it has none; with "(min-max)" when @spread */
char *bench_figure_text(const struct bench_metric *m, int driver, bool spread);
/* "0.41" or "-" */
char *bench_ratio_text(const struct bench_metric *m);
/* "0.37-0.43" or "-" */
char *bench_range_text(const struct bench_metric *m);

#endif
