/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.json in a results directory: which shard of how many it holds, and
 * the VMs it ran with their places in the whole run, so `upcilab merge`
 * can tell a missing or duplicated shard from a complete set.
 */
#ifndef UPCILAB_RUN_FILE_H
#define UPCILAB_RUN_FILE_H

#include <stddef.h>

#include "util.h"

#define RUN_FILE_NAME "run.json"

struct run_file {
	int shard, shards;	/* 1-based; 1 of 1 for a run without --shard */
	size_t total;		/* VMs in the whole run, over every shard */
	char **labels;		/* this shard's VMs */
	size_t *places;		/* their places in the whole run, 0-based */
	size_t n;
};

int run_file_save(const char *path, const struct run_file *rf);
int run_file_load(const char *path, struct run_file *rf, struct buf *err);
void run_file_free(struct run_file *rf);

#endif
