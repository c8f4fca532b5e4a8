/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host_run: run the host's own programs in the guest. A scenario with
 * `host-root` has the host's root file system (read-only, over 9p) set up
 * at /host with the guest's /dev, /proc and /sys and fresh /tmp and /run
 * (harness/image.c); a program runs there in a chroot, so it finds its
 * libraries, plugins and data files where Debian put them (dpdk-testpmd
 * and its PMDs, Debian's QEMU and its firmware).
 *
 * Its stdin is a pipe the test writes to; its stdout and stderr go to a
 * file in the guest's /tmp that the test reads while it runs, line by line
 * (the program runs under the host's stdbuf -oL).
 */
#ifndef HOST_RUN_H
#define HOST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HOST_ROOT "/host"

struct host_run {
	pid_t pid;		/* the chrooted program; 0 once reaped */
	int in;			/* its stdin, or -1 */
	char out[64];		/* its stdout and stderr, in the guest's /tmp */
	int status;		/* wait status, once reaped */
};

/* Is @path (a path on the host, e.g. /usr/bin/dpdk-testpmd) runnable? */
bool host_run_available(const char *path, char *why, size_t size);
/* Start argv[0] (a host path) chrooted in HOST_ROOT; 0 or -errno */
int host_run_start(struct host_run *r, char *const argv[]);
/* Everything it printed so far, malloc()ed (never NULL) */
char *host_run_output(const struct host_run *r);
/* A whole file, malloc()ed ("" if it cannot be read; never NULL) */
char *host_read_file(const char *path);
/* Wait up to @timeout_ms for @needle in its output; true if it came */
bool host_run_wait_for(const struct host_run *r, const char *needle, int timeout_ms);
/* Write @text to its stdin */
int host_run_send(struct host_run *r, const char *text);
/*
 * Wait up to @timeout_ms for it to exit, then SIGKILL it: 0 and r->status,
 * or -ETIMEDOUT if it had to be killed.
 */
int host_run_wait(struct host_run *r, int timeout_ms);
/* Kill and reap it if still running, close its stdin, remove its output */
void host_run_cleanup(struct host_run *r);

#endif /* HOST_RUN_H */
