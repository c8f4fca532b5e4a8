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

/* report.md's text; the caller frees it */
char *fault_report_markdown(const struct timeline *tl,
			    const struct fault_report_ctx *ctx);
/* report.json's text; the caller frees it */
char *fault_report_json(const struct timeline *tl,
			const struct fault_report_ctx *ctx);
/* The picture of the IOVA space around fault @i (part of the markdown) */
char *fault_report_picture(const struct timeline *tl, size_t i);
/*
 * Read DIR's console.log, guest-trace.txt, qemu.log and ktap.log, write
 * DIR/report.md and DIR/report.json. The number of faults, or -1 (@err).
 */
int fault_report_write(const char *dir, const struct fault_report_ctx *ctx,
		       char **summary);

#endif
