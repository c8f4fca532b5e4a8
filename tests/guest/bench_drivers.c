// SPDX-License-Identifier: GPL-2.0
/*
 * upci against vfio-pci in one VM (the bench scenario): two mockdma
 * devices with the same properties, one bound to each driver.  Every
 * figure is measured on both, alternating between them (3 rounds) so
 * that drift in the host's load falls on both, and printed with the
 * ratio upci / vfio-pci:
 *
 *   # bench: irq-latency mode=M median_us vfio-pci=X upci=Y ratio=R
 *     min_us ... max_us ... p99_us ...
 *   # bench: irq-latency-pct mode=M us_p1 vfio-pci=X upci=Y us_p5 ...
 *   # bench: copy desc=S MiB/s vfio-pci=X upci=Y ratio=R min_MiB/s ...
 *     max_MiB/s ...
 *
 * min_ and max_ are the spread: the fastest and slowest round (for
 * latency, the round's median), beside the figure over all rounds.
 *
 * For latency a ratio above 1 means upci is slower; for throughput, faster.
 * The assertions are on the work (every interrupt arrived, every copy is
 * right), never on the figures. upcilab.bench_rounds=N (1-10) and
 * upcilab.bench_copy_ms=N (10-60000; 2000 per copy measurement) on the
 * kernel command line, or UPCILAB_BENCH_ROUNDS and UPCILAB_BENCH_COPY_MS,
 * shorten or lengthen the run: make test checks that the benchmark works
 * in 1 round of 200 ms copies, make bench measures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_lab.h"
#include "irq_lab.h"
#include "lab_knob.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "bench_pair.h"

#define LAT_SAMPLES	1000
#define COPY_MS		2000
#define MAX_COPY_MS	60000

struct pair {
	struct mockdma m[SIDES];
	bool open[SIDES];
};

static void pair_open(struct __test_metadata *_metadata, struct pair *p)
{
	char why[256];
	int s, ret;

	for (s = 0; s < SIDES; s++) {
		ASSERT_EQ(0, vfio_lab_select_driver(side_driver[s]));
		ret = irq_open(&p->m[s], side_device[s], why, sizeof(why));
		if (ret == -ENODEV || ret == -ENOENT)
			SKIP(return, "%s: %s", side_driver[s], why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
		p->open[s] = true;
		ASSERT_NE(NULL, p->m[s].regs)
			TH_LOG("%s: BAR0 is not mmappable", side_driver[s]);
	}
}

static void pair_close(struct pair *p)
{
	int s;

	for (s = 0; s < SIDES; s++) {
		if (!p->open[s])
			continue;
		irq_quiet(&p->m[s]);
		mockdma_close(&p->m[s]);
	}
}

/* ---- interrupt delivery latency: device trigger to eventfd read ---- */

FIXTURE(latency) {
	struct pair p;
};

FIXTURE_VARIANT(latency) {
	uint32_t index;
	const char *mode;
};

FIXTURE_VARIANT_ADD(latency, intx) { VFIO_PCI_INTX_IRQ_INDEX, "intx" };
FIXTURE_VARIANT_ADD(latency, msi) { VFIO_PCI_MSI_IRQ_INDEX, "msi" };
FIXTURE_VARIANT_ADD(latency, msix) { VFIO_PCI_MSIX_IRQ_INDEX, "msix" };

FIXTURE_SETUP(latency)
{
	pair_open(_metadata, &self->p);
}

FIXTURE_TEARDOWN(latency)
{
	pair_close(&self->p);
}

/* The percentiles of the latency distribution printed for its plot */
static const int pct[] = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99 };

TEST_F_TIMEOUT(latency, irq, 300)
{
	static double lat[SIDES][MAX_ROUNDS * LAT_SAMPLES];
	double med[SIDES], p99[SIDES], lo[SIDES], hi[SIDES], m;
	char line[1024];
	unsigned int done;
	int rounds = bench_rounds(_metadata), r, s, i, len, ret;

	for (r = 0; r < rounds; r++) {
		for (s = 0; s < SIDES; s++) {
			ret = bench_irq_latency(&self->p.m[s], variant->index,
						lat[s] + r * LAT_SAMPLES,
						LAT_SAMPLES, &done);
			ASSERT_EQ(0, ret)
				TH_LOG("%s %s, round %d: sample %u: %s", side_driver[s],
				       variant->mode, r, done, strerror(-ret));
		}
	}
	/* the spread: the fastest and slowest round's median */
	for (s = 0; s < SIDES; s++) {
		lo[s] = hi[s] = 0;
		for (r = 0; r < rounds; r++) {
			m = irq_percentile(lat[s] + r * LAT_SAMPLES, LAT_SAMPLES, 50);
			lo[s] = r && lo[s] < m ? lo[s] : m;
			hi[s] = r && hi[s] > m ? hi[s] : m;
		}
	}
	for (s = 0; s < SIDES; s++) {
		med[s] = irq_percentile(lat[s], rounds * LAT_SAMPLES, 50);
		p99[s] = irq_percentile(lat[s], rounds * LAT_SAMPLES, 99);
	}
	ksft_print_msg("bench: irq-latency mode=%s median_us vfio-pci=%.1f upci=%.1f ratio=%.2f min_us vfio-pci=%.1f upci=%.1f max_us vfio-pci=%.1f upci=%.1f p99_us vfio-pci=%.1f upci=%.1f ratio=%.2f n=%d\n",
		       variant->mode, med[VFIO_PCI], med[UPCI],
		       ratio(med[UPCI], med[VFIO_PCI]), lo[VFIO_PCI], lo[UPCI],
		       hi[VFIO_PCI], hi[UPCI], p99[VFIO_PCI], p99[UPCI],
		       ratio(p99[UPCI], p99[VFIO_PCI]), rounds * LAT_SAMPLES);
	len = snprintf(line, sizeof(line), "bench: irq-latency-pct mode=%s", variant->mode);
	for (i = 0; i < (int)(sizeof(pct) / sizeof(pct[0])); i++)
		len += snprintf(line + len, sizeof(line) - len,
				" us_p%d vfio-pci=%.1f upci=%.1f", pct[i],
				irq_percentile(lat[VFIO_PCI], rounds * LAT_SAMPLES, pct[i]),
				irq_percentile(lat[UPCI], rounds * LAT_SAMPLES, pct[i]));
	ksft_print_msg("%s\n", line);
}

/* ---- COPY throughput through the vIOMMU ---- */

FIXTURE(copy) {
	struct pair p;
};

FIXTURE_VARIANT(copy) {
	uint32_t desc_size;
	const char *name;
};

FIXTURE_VARIANT_ADD(copy, desc_4k) { 4096, "4KiB" };
FIXTURE_VARIANT_ADD(copy, desc_1m) { 1u << 20, "1MiB" };

FIXTURE_SETUP(copy)
{
	pair_open(_metadata, &self->p);
}

FIXTURE_TEARDOWN(copy)
{
	pair_close(&self->p);
}

TEST_F_TIMEOUT(copy, throughput, 200)
{
	double bytes[SIDES] = { 0 }, secs[SIDES] = { 0 }, mibs[SIDES];
	double lo[SIDES], hi[SIDES], m;
	int rounds = bench_rounds(_metadata), r, s, ret;
	uint64_t ms = bench_knob(_metadata, "UPCILAB_BENCH_COPY_MS", "upcilab.bench_copy_ms=",
				 COPY_MS, 10, MAX_COPY_MS);
	struct bench_copy b;

	for (r = 0; r < rounds; r++) {
		for (s = 0; s < SIDES; s++) {
			ret = bench_copy(&self->p.m[s], variant->desc_size,
					 ms / 1000.0, &b);
			ASSERT_EQ(0, ret) TH_LOG("%s, round %d: %s", side_driver[s],
						 r, strerror(-ret));
			ASSERT_EQ(0, b.errors) TH_LOG("%s: %u descriptors did not end OK",
						      side_driver[s], b.errors);
			ASSERT_EQ(0, b.mismatch) TH_LOG("%s: the copies are wrong",
							side_driver[s]);
			bytes[s] += b.bytes;
			secs[s] += b.secs;
			/* the spread: the slowest and fastest round */
			m = b.bytes / (1024.0 * 1024.0) / b.secs;
			lo[s] = r && lo[s] < m ? lo[s] : m;
			hi[s] = r && hi[s] > m ? hi[s] : m;
		}
	}
	for (s = 0; s < SIDES; s++)
		mibs[s] = bytes[s] / (1024.0 * 1024.0) / secs[s];
	ksft_print_msg("bench: copy desc=%s MiB/s vfio-pci=%.0f upci=%.0f ratio=%.2f min_MiB/s vfio-pci=%.0f upci=%.0f max_MiB/s vfio-pci=%.0f upci=%.0f rounds=%d\n",
		       variant->name, mibs[VFIO_PCI], mibs[UPCI],
		       ratio(mibs[UPCI], mibs[VFIO_PCI]), lo[VFIO_PCI], lo[UPCI],
		       hi[VFIO_PCI], hi[UPCI], rounds);
}

LAB_HARNESS_MAIN
