/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ratios between drivers from benchmark lines of different VMs of one run.
 * A scenario that can only run one driver per VM (upci in compat mode
 * cannot sit next to vfio-pci) prints the same "bench:" line in each VM,
 * e.g. "bench: testpmd io-forward driver=vfio-pci packets_per_s=461325
 * packets=2522432": lines of one scenario whose words are equal except for
 * driver= and the figures are the same measurement, and the first figure
 * of a upci VM over that of the vfio-pci VM is the ratio.
 */
#ifndef UPCILAB_BENCH_RATIO_H
#define UPCILAB_BENCH_RATIO_H

#include <stdio.h>

#include "report.h"

/* "bench ratio: SCENARIO WORDS METRIC DRIVER/vfio-pci=R" lines; how many */
int report_bench_ratios(FILE *out, const struct report_vm *vms, size_t n);

#endif
