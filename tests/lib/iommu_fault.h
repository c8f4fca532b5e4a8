/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu_fault: the guest kernel's IOMMU fault lines, for tests that make a
 * device DMA where the IOMMU refuses it and check that the fault was seen.
 * Each vIOMMU's driver reports a fault its own way:
 *
 *   intel-iommu:  DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x5a000 [...
 *   amd-iommu:    vfio-pci 0000:00:03.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0x5a000 flags=0x0009]
 *   virtio-iommu: virtio-pci 0000:00:01.0: page fault from EP 24 at 0x5a000 []
 *
 * Pass the page-aligned IOVA the device's access starts at (the Intel
 * IOMMU records page addresses, the others the address itself).
 *
 * What each can tell (QEMU 7.2's models, Linux 6.12's drivers):
 *  - intel-iommu: the direction, always.
 *  - amd-iommu: a missing or read-only last-level entry raises no event
 *    (iommu_fault_unlogged()); where it does raise one, QEMU encodes the
 *    access as its IOMMU_RO/IOMMU_WO bits in the event's flags (0x9 read,
 *    0xa write; Linux's RW bit stays clear), and the device ID without
 *    its bus number.
 *  - virtio-iommu: the direction only for a permission fault ("[W]"); a
 *    missing mapping is reported with no direction ("[]").
 */
#ifndef IOMMU_FAULT_H
#define IOMMU_FAULT_H

#include <stdbool.h>
#include <stdint.h>

/* Fault lines for the device (a full BDF, "0000:00:03.0") at iova. */
int iommu_faults(const char *bdf, bool write, uint64_t iova);
/* Wait up to timeout_ms for more than before such lines; the count. */
int iommu_wait_fault(const char *bdf, bool write, uint64_t iova, int before,
		     int timeout_ms);
/*
 * The fault handlers print under a ratelimit (10 lines per 5 s): the
 * Intel driver shares it between its "handling fault status" line and
 * each pass over the one fault record QEMU emulates (three lines per
 * fault, so a fourth fault within 5 s goes unlogged); the AMD and virtio
 * drivers print one line per fault.  Sleep until the window has room for
 * one more.
 */
void iommu_wait_log_budget(void);

/*
 * Why this VM's vIOMMU logs no fault for an access to a missing or
 * read-only mapping, or NULL when it does.  QEMU 7.2's amd-iommu raises an
 * event only when a page-table level above the last refuses the access:
 * for a missing or read-only last-level entry amdvi_page_walk() returns
 * without amdvi_page_fault(), so the guest hears of nothing, although
 * the access is refused.
 */
const char *iommu_fault_unlogged(void);

/*
 * Tell the harness, on the results channel, that the device @bdf faulted
 * at @iova: it checks QEMU's trace of the vIOMMU for that fault after the
 * VM ends ("# upcilab: viommu-fault BDF r|w 0xIOVA", harness/fault_trace.h).
 */
void iommu_fault_announce(const char *bdf, bool write, uint64_t iova);
/*
 * The same, with the cause the test made it for: upcilab repro's fault
 * report must reach that verdict ("never-mapped", "unmapped-before",
 * "no-permission", "other-container", ...: harness/fault_verdict.h).
 */
void iommu_fault_announce_cause(const char *bdf, bool write, uint64_t iova,
				const char *cause);

/*
 * In a test, after it has asserted that the access was blocked: announce
 * the fault to the harness, then SKIP with the reason when the fault
 * cannot be logged, unless the test has already failed (a SKIP would
 * hide that).
 */
#define IOMMU_FAULT_REQUIRE_LOG(bdf, write, iova)			\
	IOMMU_FAULT_REQUIRE_LOG_CAUSE(bdf, write, iova, NULL)
#define IOMMU_FAULT_REQUIRE_LOG_CAUSE(bdf, write, iova, cause) do {	\
	const char *__why = iommu_fault_unlogged();			\
	iommu_fault_announce_cause(bdf, write, iova, cause);		\
	if (__why && _metadata->exit_code == KSFT_PASS)			\
		SKIP(return, "the access was blocked, but %s", __why);	\
	if (__why)							\
		return;							\
} while (0)

#endif /* IOMMU_FAULT_H */
