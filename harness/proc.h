/* SPDX-License-Identifier: GPL-2.0 */
/* Running helper programs (xz, cpio) synchronously. */
#ifndef UPCILAB_PROC_H
#define UPCILAB_PROC_H

/*
 * Run @argv, stdout to @out_path (NULL: inherited), in @cwd (NULL: ours).
 * Returns the exit status, or -1 if it could not run or died on a signal.
 */
int run_argv(char *const argv[], const char *out_path, const char *cwd);

#endif
