/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a GitHub Actions job shows of a run: an error annotation per failed
 * test (when GITHUB_ACTIONS is "true") and a table of the VMs appended to
 * the job summary (the file $GITHUB_STEP_SUMMARY names).
 */
#ifndef UPCILAB_REPORT_GITHUB_H
#define UPCILAB_REPORT_GITHUB_H

#include <stdio.h>

#include "report.h"

/* Annotations go to @out; returns -1 if the summary file cannot be written. */
int report_github(FILE *out, const struct report_vm *vms, size_t n);

#endif
