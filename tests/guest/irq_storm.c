// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt volume on a mockdma (issue 5, item 5).
 *
 * storm: 100,000 MSI-X interrupts (and 20,000 MSI), triggered from user
 * space by SWINT writes through the mmapped BAR0, none lost: each round
 * raises every vector once and then waits for every eventfd, so no
 * vector has two messages in flight and the local APIC cannot merge them.  The eventfd
 * totals must equal the number raised and the device's IRQ_COUNT.
 *
 * Interrupt latency is measured by bench_drivers, on both drivers in one
 * VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irq_lab.h"
#include "viommu.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define STORM_TOTAL	100000u
#define STORM_VECTORS	8u
#define SIGNAL_MS	3000

FIXTURE(storm) {
	struct mockdma m;
	struct mockdma_props p;
	int fd;
	int32_t efd[MOCKDMA_MAX_VECTORS];
};

FIXTURE_VARIANT(storm) {
	uint32_t index;
	const char *mode;
	uint32_t total;
};

FIXTURE_VARIANT_ADD(storm, msix) { VFIO_PCI_MSIX_IRQ_INDEX, "MSI-X", STORM_TOTAL };
FIXTURE_VARIANT_ADD(storm, msi) { VFIO_PCI_MSI_IRQ_INDEX, "MSI", STORM_TOTAL / 5 };

FIXTURE_SETUP(storm)
{
	const char *refused;
	struct viommu vi;
	char why[256];
	int ret = irq_open(&self->m, "mdma0", why, sizeof(why));
	unsigned int i;

	for (i = 0; i < MOCKDMA_MAX_VECTORS; i++)
		self->efd[i] = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_props_load("mdma0", &self->p, why, sizeof(why)));
	ASSERT_EQ(0, viommu_get(&vi, why, sizeof(why))) TH_LOG("%s", why);
	refused = viommu_multi_msi_refused(&vi, variant->index == VFIO_PCI_MSI_IRQ_INDEX ?
					   self->p.msi_vectors : 1);
	if (refused)
		SKIP(return, "%u MSI messages: %s", self->p.msi_vectors, refused);
	ASSERT_NE(NULL, self->m.regs) TH_LOG("BAR0 is not mmappable: no user-space trigger path");
	self->fd = self->m.dev.fd;
	ASSERT_EQ(0, irq_efds(self->efd, MOCKDMA_MAX_VECTORS));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
}

FIXTURE_TEARDOWN(storm)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	irq_efds_close(self->efd, MOCKDMA_MAX_VECTORS);
}

static inline void swint(volatile uint8_t *regs, uint32_t v)
{
	*(volatile uint32_t *)(regs + MOCKDMA_REG_SWINT) = v;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

TEST_F_TIMEOUT(storm, none_lost, 600)
{
	uint32_t cap = variant->index == VFIO_PCI_MSI_IRQ_INDEX ? self->p.msi_vectors :
								  self->p.vectors;
	uint32_t nv = STORM_VECTORS < cap ? STORM_VECTORS : cap;
	uint32_t rounds = variant->total / nv, r, v, c0[STORM_VECTORS], c1;
	uint64_t got[STORM_VECTORS] = { 0 }, total = 0, dev_total = 0;
	double t0, secs;
	int64_t n;

	ASSERT_EQ(0, variant->total % nv);
	ASSERT_EQ(0, irq_trigger_fds(self->fd, variant->index, 0, nv, self->efd))
		TH_LOG("SET_IRQS %s: %s", variant->mode, strerror(errno));
	for (v = 0; v < nv; v++)
		ASSERT_EQ(0, mockdma_irq_count(&self->m, v, &c0[v]));
	t0 = now_us();
	for (r = 0; r < rounds; r++) {
		for (v = 0; v < nv; v++)
			swint(self->m.regs, v);
		for (v = 0; v < nv; v++) {
			n = irq_efd_wait(self->efd[v], SIGNAL_MS);
			ASSERT_LT(0, n) TH_LOG("round %u: vector %u lost (%llu delivered so far)",
					       r, v, (unsigned long long)total);
			got[v] += n;
			total += n;
		}
	}
	secs = (now_us() - t0) / 1e6;
	/* anything late or doubled */
	usleep(100 * 1000);
	for (v = 0; v < nv; v++) {
		n = irq_efd_take(self->efd[v]);
		got[v] += n;
		total += n;
		ASSERT_EQ(0, mockdma_irq_count(&self->m, v, &c1));
		dev_total += c1 - c0[v];
		EXPECT_EQ(rounds, got[v]) TH_LOG("vector %u", v);
		EXPECT_EQ(rounds, c1 - c0[v]) TH_LOG("vector %u: IRQ_COUNT", v);
	}
	ksft_print_msg("storm: %llu %s interrupts on %u vectors in %.1f s (%.0f/s), device counted %llu\n",
		       (unsigned long long)total, variant->mode, nv, secs, total / secs,
		       (unsigned long long)dev_total);
	ASSERT_EQ(variant->total, total);
	ASSERT_EQ(variant->total, dev_total);
}

LAB_HARNESS_MAIN
