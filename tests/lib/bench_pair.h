/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the bench scenario's tests share: the two sides (the mockdma bound
 * to vfio-pci, the one bound to upci), the ratio upci / vfio-pci, and the
 * knobs on the guest's command line.  Include after kselftest_harness.h.
 */
#ifndef BENCH_PAIR_H
#define BENCH_PAIR_H

#include <stdint.h>

#include "irq_lab.h"
#include "lab_knob.h"

#define ROUNDS		3
#define MAX_ROUNDS	10

enum { VFIO_PCI, UPCI, SIDES };

static const char *const side_driver[SIDES] = { "vfio-pci", "upci" };
static const char *const side_device[SIDES] = { "mdmav", "mdmau" };

static inline double ratio(double upci, double vfio)
{
	return vfio > 0 ? upci / vfio : 0;
}

/* A knob of the run (lab_knob.h), failing the test unless it is lo to hi */
static inline uint64_t bench_knob(struct __test_metadata *_metadata,
				  const char *env, const char *key,
				  uint64_t def, uint64_t lo, uint64_t hi)
{
	uint64_t v = lab_knob(env, key, def);

	ASSERT_TRUE(v >= lo && v <= hi)
		TH_LOG("%s%llu: %llu to %llu", key, (unsigned long long)v,
		       (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

/* upcilab.bench_rounds=N: rounds of each measurement on each side */
static inline int bench_rounds(struct __test_metadata *_metadata)
{
	return bench_knob(_metadata, "UPCILAB_BENCH_ROUNDS", "upcilab.bench_rounds=",
			  ROUNDS, 1, MAX_ROUNDS);
}

/*
 * "bench: WHAT median_UNIT ... min_UNIT ... max_UNIT ... n=N": the median
 * of each side's n samples, their fastest and slowest (sorts them)
 */
static inline void print_spread(const char *what, const char *unit,
				     double *v[SIDES], int n)
{
	double med[SIDES];
	int s;

	for (s = 0; s < SIDES; s++)
		med[s] = irq_percentile(v[s], n, 50);	/* sorts them */
	ksft_print_msg("bench: %s median_%s vfio-pci=%.2f upci=%.2f ratio=%.2f min_%s vfio-pci=%.2f upci=%.2f max_%s vfio-pci=%.2f upci=%.2f n=%d\n",
		       what, unit, med[VFIO_PCI], med[UPCI],
		       ratio(med[UPCI], med[VFIO_PCI]), unit, v[VFIO_PCI][0],
		       v[UPCI][0], unit, v[VFIO_PCI][n - 1], v[UPCI][n - 1], n);
}

#endif /* BENCH_PAIR_H */
