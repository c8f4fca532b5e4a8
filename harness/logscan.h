/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finds kernel problems in the guest console: panic, oops, BUG, WARNING and
 * the sanitizers' reports. Each hit keeps the following lines as context.
 */
#ifndef UPCILAB_LOGSCAN_H
#define UPCILAB_LOGSCAN_H

#include "util.h"

#define LOGSCAN_CONTEXT_LINES 24

struct logscan {
	struct buf excerpt;	/* all hits with their context */
	char *first;		/* the first offending line */
	int hits;
	int context_left;
};

void logscan_line(struct logscan *ls, const char *line);
void logscan_free(struct logscan *ls);

#endif
