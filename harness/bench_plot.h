/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plots of `upcilab bench-report`, drawn by gnuplot (Debian's
 * gnuplot-nox) from the scripts written beside them (NAME.gp, to redraw or
 * restyle by hand):
 *  - dma-map-BACKING.png: the time of each dma-map line (its first metric,
 *    min to max as error bars) against the size mapped, both axes log; a
 *    series per driver, op and size per call (vfio-pci's dashed, each
 *    driver's of one op and call size in one colour)
 *  - irq-latency-cdf.png: from irq-latency-pct lines, the share of
 *    interrupts delivered within a latency (their us_pN), per driver and
 *    mode
 * A plot without lines to draw is not made.
 */
#ifndef UPCILAB_BENCH_PLOT_H
#define UPCILAB_BENCH_PLOT_H

#include <stdbool.h>

#include "bench_line.h"
#include "util.h"

#define BENCH_PLOT_SKIPPED 1

/* Is there a gnuplot in $PATH? */
bool bench_gnuplot_found(void);

/*
 * The plots into @dir, their file names added to @pngs: 0, or
 * BENCH_PLOT_SKIPPED when there is no gnuplot (nothing written), or -1
 * when a script cannot be written or gnuplot fails on it (@err says which).
 */
int bench_plot(const struct bench_set *set, const char *dir, struct strv *pngs,
	       struct buf *err);

#endif
