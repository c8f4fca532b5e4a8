// SPDX-License-Identifier: GPL-2.0
#include "iommu_fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "klog.h"
#include "viommu.h"

#define LOG_WINDOW_SECS	5.5

/* The line each fault adds to the log first, and how many fit a window. */
static const struct {
	const char *marker;
	int per_window;
} budget[] = {
	[VIOMMU_INTEL] = { "DMAR: DRHD: handling fault status", 3 },
	[VIOMMU_AMD] = { "AMD-Vi: Event logged [IO_PAGE_FAULT", 10 },
	[VIOMMU_VIRTIO] = { " fault from EP ", 10 },
};

/* Read once: the wait loops ask on every poll. */
static enum viommu_model model(void)
{
	static int cached = -1;
	struct viommu v;
	char err[256];

	/* an image without the file predates the choice: Intel's */
	if (cached < 0)
		cached = viommu_get(&v, err, sizeof(err)) ? VIOMMU_INTEL : v.model;
	return cached;
}

static unsigned int parse_bdf(const char *bdf, unsigned int *bus,
			      unsigned int *dev, unsigned int *fn)
{
	unsigned int dom;

	*bus = *dev = *fn = 0;
	return sscanf(bdf, "%x:%x:%x.%x", &dom, bus, dev, fn) == 4;
}

static int count(const char *log, bool write, uint64_t iova, const char *bdf)
{
	unsigned long long a = (unsigned long long)iova;
	unsigned int bus, dev, fn;
	char n1[64], n2[64], n3[64];
	const char *needles[3] = { n1, n2, n3 };
	int n;

	switch (model()) {
	case VIOMMU_AMD:
		snprintf(n1, sizeof(n1), "%s: AMD-Vi: Event logged [IO_PAGE_FAULT", bdf);
		snprintf(n2, sizeof(n2), " address=0x%llx ", a);
		snprintf(n3, sizeof(n3), " flags=0x%04x]", write ? 0xa : 0x9);
		return klog_count_lines(log, needles, 3);
	case VIOMMU_VIRTIO:
		parse_bdf(bdf, &bus, &dev, &fn);
		snprintf(n1, sizeof(n1), " fault from EP %u at 0x%llx [",
			 bus << 8 | dev << 3 | fn, a);
		snprintf(n2, sizeof(n2), " at 0x%llx []", a);
		n = klog_count_lines(log, needles, 2);
		if (n < 0)
			return n;
		snprintf(n2, sizeof(n2), " at 0x%llx [%s]", a, write ? "W" : "R");
		return n + klog_count_lines(log, needles, 2);
	case VIOMMU_INTEL:
	default:
		/* The kernel prints the BDF without the domain. */
		snprintf(n1, sizeof(n1), "%s", write ? "[DMA Write" : "[DMA Read");
		snprintf(n2, sizeof(n2), "Request device [%s]", bdf + 5);
		snprintf(n3, sizeof(n3), "fault addr 0x%llx [", a);
		return klog_count_lines(log, needles, 3);
	}
}

int iommu_faults(const char *bdf, bool write, uint64_t iova)
{
	char *log = klog_read_all();
	int n;

	if (!log)
		return -errno;
	n = count(log, write, iova, bdf);
	free(log);
	return n;
}

int iommu_wait_fault(const char *bdf, bool write, uint64_t iova, int before,
		     int timeout_ms)
{
	int n = iommu_faults(bdf, write, iova), waited;

	for (waited = 0; n >= 0 && n <= before && waited < timeout_ms; waited += 20) {
		usleep(20 * 1000);
		n = iommu_faults(bdf, write, iova);
	}
	return n;
}

void iommu_wait_log_budget(void)
{
	enum viommu_model m = model();
	double ts[10], now, wait;
	char *log = klog_read_all();
	int n, max = budget[m].per_window;

	if (!log)
		return;
	n = klog_timestamps(log, budget[m].marker, ts, max);
	free(log);
	if (n < max || klog_now(&now))
		return;
	/* The oldest of the last max must have left the window. */
	wait = ts[0] + LOG_WINDOW_SECS - now;
	if (wait > 0)
		usleep(wait * 1e6);
}

const char *iommu_fault_unlogged(void)
{
	if (model() != VIOMMU_AMD)
		return NULL;
	return "QEMU 7.2's amd-iommu raises no event for a missing or read-only last-level page table entry (amdvi_page_walk returns without amdvi_page_fault), so the guest logs no fault";
}

void iommu_fault_announce_cause(const char *bdf, bool write, uint64_t iova,
				const char *cause)
{
	printf("# upcilab: viommu-fault %s %c 0x%llx%s%s\n", bdf, write ? 'w' : 'r',
	       (unsigned long long)iova, cause ? " cause=" : "", cause ? cause : "");
	fflush(stdout);
}

void iommu_fault_announce(const char *bdf, bool write, uint64_t iova)
{
	iommu_fault_announce_cause(bdf, write, iova, NULL);
}
