/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One VM's result as a JSON file (result.json in its log directory): how a
 * VM run in a child process hands its result to the harness (-j), and what
 * `upcilab merge` reads back from shards' result directories.
 */
#ifndef UPCILAB_RESULT_FILE_H
#define UPCILAB_RESULT_FILE_H

#include "util.h"
#include "vm.h"

#define RESULT_FILE_NAME "result.json"

/* A VM's directory under the results directory: its label, '/' as '-'. */
char *result_dir_name(const char *label);
int result_file_save(const char *path, const char *label,
		     const struct vm_result *res);
/* On failure, err says why and *res is empty. *label may be NULL. */
int result_file_load(const char *path, char **label, struct vm_result *res,
		     struct buf *err);

#endif
