/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_lab: the lab's benchmarks on a mockdma, driver-agnostic, so one
 * VM can measure upci and vfio-pci side by side (tests/guest/bench_drivers.c).
 *
 * A benchmark asserts that the work was done (every interrupt arrived,
 * every copy is right), never how fast it was; the figures are printed.
 */
#ifndef BENCH_LAB_H
#define BENCH_LAB_H

#include <stddef.h>
#include <stdint.h>

#include "mockdma.h"

/*
 * Interrupt latency: n SWINT writes through the mmapped BAR0, each timed
 * to the read of the eventfd wired to vector 0 of index (INTx, MSI or
 * MSI-X), in microseconds into lat[].  INTx is acknowledged and unmasked
 * after each sample.  The index is disabled again on return.
 * 0, or -errno; *done says how many samples were taken, and a sample
 * that never arrived (or arrived merged with another) is -ETIMEDOUT
 * (-EPROTO).
 */
int bench_irq_latency(struct mockdma *m, uint32_t index, double *lat,
		      unsigned int n, unsigned int *done);

struct bench_copy {
	uint64_t bytes, descs;
	uint32_t errors;	/* descriptors that did not complete OK */
	double secs;
	int mismatch;		/* the destination differs from the source */
};

/*
 * COPY throughput through the vIOMMU: keep a ring full of desc_size COPY
 * descriptors between two 8 MiB buffers until at least 64 MiB and
 * min_secs are done (never past 25 s), then compare the buffers.
 * Buffers and ring live at fixed IOVAs from 0x10000000 up; they are
 * freed again.  0 or -errno.
 */
int bench_copy(struct mockdma *m, uint32_t desc_size, double min_secs,
	       struct bench_copy *b);

#endif /* BENCH_LAB_H */
