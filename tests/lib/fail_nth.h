/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fail_nth: the kernel's per-task allocation-failure injection
 * (Documentation/fault-injection/fault-injection.rst), as iommufd's
 * selftests use it (tools/testing/selftests/iommu/iommufd_fail_nth.c).
 *
 * Writing N to /proc/thread-self/fail-nth makes the N-th fault-injection
 * check of this thread fail (a slab or page allocation, here); reading it
 * back gives 0 once that failure was injected, or what is left of N when
 * the thread made fewer checks. A sweep sets N = 1, 2, ... before one call
 * until a call completes with nothing injected: it then failed every
 * allocation of its path once.
 *
 * Between fail_nth_arm() and fail_nth_disarm() the thread must touch no
 * memory that is not already faulted in: an allocation failing in a user
 * page fault is an out-of-memory, not an error return.
 */
#ifndef FAIL_NTH_H
#define FAIL_NTH_H

#include <stdbool.h>
#include <stddef.h>

struct fail_nth {
	int fd;			/* /proc/thread-self/fail-nth, or -1 */
	unsigned int caches;	/* slab caches that may fail */
	unsigned int kept;	/* left out on purpose (fail_nth.c) */
	unsigned int shared;	/* merged caches the kernel will not mark */
	char shared_kmalloc[256];	/* the kmalloc ones among them */
};

/*
 * Open this thread's fail-nth file and let failslab and fail_page_alloc
 * fail sleeping and highmem allocations too, quietly (debugfs knobs; the
 * probability stays 0, so nothing fails but the N-th).  Slab allocations
 * fail only from caches marked for it (failslab/cache-filter): all of
 * them, but those whose users in the kernel core do not survive a failure
 * (see fail_nth.c) and the checkers' own.  -ENOENT (why says so) on a
 * kernel without CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
int fail_nth_open(struct fail_nth *f, char *why, size_t size);
void fail_nth_close(struct fail_nth *f);

/* Fail the n-th fault-injection check from now on: 0 or -errno. */
int fail_nth_arm(struct fail_nth *f, unsigned int n);
/*
 * Stop injecting: *fired tells whether the failure was injected.
 * 0 or -errno.
 */
int fail_nth_disarm(struct fail_nth *f, bool *fired);

/* The largest N a sweep tries: $UPCILAB_FAILNTH_MAX, else def. */
unsigned int fail_nth_max(unsigned int def);

#endif /* FAIL_NTH_H */
