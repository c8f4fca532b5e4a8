/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upcilab repro's fault report: each DMA fault of the run with its device,
 * IOVA, access, the vIOMMU's reason, the verdict that explains it
 * (fault_verdict.h), a picture and a table of the IOVA space around it, the
 * excerpts that prove each claim and the command that reproduces it; as
 * report.md for people and report.json for tools.
 */
#ifndef UPCILAB_FAULT_REPORT_H
#define UPCILAB_FAULT_REPORT_H

#include "fault_timeline.h"

struct fault_report_ctx {
	const char *scenario, *target, *driver, *viommu;
	const char *command;		/* how to run it again */
};

struct fault_cause;

/* report.md's text (@causes: what the test announced); the caller frees it */
char *fault_report_markdown(const struct timeline *tl,
			    const struct fault_report_ctx *ctx,
			    const struct fault_cause *causes, size_t ncauses);
/* report.json's text; the caller frees it */
char *fault_report_json(const struct timeline *tl,
			const struct fault_report_ctx *ctx,
			const struct fault_cause *causes, size_t ncauses);
/* The picture of the IOVA space around fault @i (part of the markdown) */
char *fault_report_picture(const struct timeline *tl, size_t i);
/*
 * A fault the test caused on purpose and announced with its cause
 * (fault_trace.h): checked against the report's verdict.
 */
struct fault_cause {
	char bdf[TL_BDF_SIZE];
	bool write;
	unsigned long long iova;
	char cause[24];
	long fault;			/* the report's fault it matched, or -1 */
	const char *verdict;		/* that fault's verdict, or NULL */
};

/* The announced causes in @ktap, matched to @tl's faults; the count */
size_t fault_report_causes(const struct timeline *tl, const char *ktap,
			   struct fault_cause **out);
/*
 * Read DIR's console.log, guest-trace.txt, qemu.log and ktap.log, write
 * DIR/report.md and DIR/report.json. The number of faults, or -1; a line
 * per fault and per announced cause in @summary; in @mismatches, how many
 * announced causes the report did not reach.
 */
int fault_report_write(const char *dir, const struct fault_report_ctx *ctx,
		       char **summary, int *mismatches);

#endif
