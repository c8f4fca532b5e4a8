/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vIOMMU's side of a DMA fault: QEMU traces every fault its model
 * raises (a trace event of its own per model), and the harness checks that
 * each fault a guest test expected appears there, as the guest checks its
 * own log. A test announces an expected fault on the results channel:
 *
 *   # upcilab: viommu-fault 0000:00:03.0 w 0x5a000
 *   # upcilab: viommu-fault 0000:00:03.0 w 0x5a000 cause=unmapped-before
 *
 * The cause, when given, is the verdict repro's fault report must reach
 * (fault_verdict_code()).
 */
#ifndef UPCILAB_FAULT_TRACE_H
#define UPCILAB_FAULT_TRACE_H

#include <stdbool.h>

#include "results.h"
#include "util.h"
#include "viommu.h"

#define FAULT_TRACE_CMD "viommu-fault "

struct fault_expect {
	unsigned int sid;		/* requester ID: bus << 8 | devfn */
	bool write;
	unsigned long long iova;
	char cause[24];			/* "" when the test named none */
};

/* "BDF r|w IOVA [cause=CODE]" (after FAULT_TRACE_CMD): 0, or -1 if malformed */
int fault_trace_parse(const char *s, struct fault_expect *f);
/* Does QEMU's log @log (its stderr, trace lines included) hold @f? */
bool fault_trace_seen(const struct viommu_info *vi, const char *log,
		      const struct fault_expect *f);
/*
 * Add "vIOMMU fault trace" to @root, one case per @expected line ("BDF r|w
 * IOVA", as announced), passing when @log holds it; a SKIP with the reason
 * on a model that traces none of these faults. Nothing when none expected.
 */
void fault_trace_report(const struct viommu_info *vi,
			const struct strv *expected, const char *log,
			struct test_node *root);

#endif
