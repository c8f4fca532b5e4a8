/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's gcov counters out on the results channel, in the lines
 * harness/gcov_stream.h reads:
 *
 *   # upcilab: gcov-file /abs/build/path/upci_main.gcda
 *   # upcilab: gcov-data <base64 of up to 57 bytes>
 *   # upcilab: gcov-end
 *
 * one process for every file (upcilab-guest gcov DIR): under the
 * sanitizer kernel each process the init starts costs tens of
 * milliseconds of TCG.
 */
#ifndef GCOV_SEND_H
#define GCOV_SEND_H

#include <stddef.h>
#include <stdio.h>

/*
 * Each *.gcda file under @dir (debugfs's gcov directory), named by its
 * path below @dir, to @out. 0, or -1 with why in @why (what was sent
 * stays sent).
 */
int gcov_send(const char *dir, FILE *out, char *why, size_t size);

#endif
