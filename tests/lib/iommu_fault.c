// SPDX-License-Identifier: GPL-2.0
#include "dmar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "klog.h"

#define DMAR_HANDLING		"DMAR: DRHD: handling fault status"
#define DMAR_LOGGED_PER_WINDOW	3
#define DMAR_WINDOW_SECS	5.5

int dmar_faults(const char *bdf, bool write, uint64_t iova)
{
	char dev[48], addr[48];
	const char *needles[3] = { write ? "[DMA Write" : "[DMA Read", dev, addr };
	char *log = klog_read_all();
	int n;

	if (!log)
		return -errno;
	/* The kernel prints the BDF without the domain. */
	snprintf(dev, sizeof(dev), "Request device [%s]", bdf + 5);
	snprintf(addr, sizeof(addr), "fault addr 0x%llx [", (unsigned long long)iova);
	n = klog_count_lines(log, needles, 3);
	free(log);
	return n;
}

int dmar_wait_fault(const char *bdf, bool write, uint64_t iova, int before,
		    int timeout_ms)
{
	int n = dmar_faults(bdf, write, iova), waited;

	for (waited = 0; n >= 0 && n <= before && waited < timeout_ms; waited += 20) {
		usleep(20 * 1000);
		n = dmar_faults(bdf, write, iova);
	}
	return n;
}

void dmar_wait_log_budget(void)
{
	double ts[DMAR_LOGGED_PER_WINDOW], now, wait;
	char *log = klog_read_all();
	int n;

	if (!log)
		return;
	n = klog_timestamps(log, DMAR_HANDLING, ts, DMAR_LOGGED_PER_WINDOW);
	free(log);
	if (n < DMAR_LOGGED_PER_WINDOW || klog_now(&now))
		return;
	/* The oldest of the last three must have left the window. */
	wait = ts[0] + DMAR_WINDOW_SECS - now;
	if (wait > 0)
		usleep(wait * 1e6);
}
