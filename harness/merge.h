/* SPDX-License-Identifier: GPL-2.0 */
/* upcilab merge: the result directories of a sharded run, joined. */
#ifndef UPCILAB_MERGE_H
#define UPCILAB_MERGE_H

#include <stddef.h>

#include "report.h"
#include "util.h"

/*
 * Reads DIR/run.json and each VM's result.json of every directory. Fails,
 * saying why in @err, unless the directories are every shard of one run
 * exactly once and hold a result for each of its VMs. On success *vms
 * holds the run's VMs in the order of an unsharded run.
 */
int merge_results(char *const *dirs, size_t ndirs, struct report_vm **vms,
		  size_t *nvms, struct buf *err);

#endif
