/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmar: the guest kernel's DMAR fault lines, for tests that make a device
 * DMA where the IOMMU refuses it and check that the fault was seen.
 *
 *   DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x5a000 [...
 *
 * The IOMMU records page addresses: pass a page-aligned IOVA.
 */
#ifndef DMAR_H
#define DMAR_H

#include <stdbool.h>
#include <stdint.h>

/* Fault lines for the device (a full BDF, "0000:00:03.0") at iova. */
int dmar_faults(const char *bdf, bool write, uint64_t iova);
/* Wait up to timeout_ms for more than before such lines; the count. */
int dmar_wait_fault(const char *bdf, bool write, uint64_t iova, int before,
		    int timeout_ms);
/*
 * The kernel's DMAR fault handler shares one printk ratelimit (10 per 5 s)
 * between its "handling fault status" line and each pass over the single
 * fault record QEMU emulates: three lines per fault, so a fourth fault
 * within 5 s goes unlogged.  Sleep until the window has room for one more.
 */
void dmar_wait_log_budget(void);

#endif /* DMAR_H */
