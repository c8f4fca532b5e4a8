/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upci_runs.h: how a mapping's array of runs grows. Free of kernel headers
 * (it needs size_t and SIZE_MAX only) so that a host test
 * (tests/host/test_runs_growth.c) can check it at sizes the lab cannot
 * reach: 2^31 runs is 8 TiB of mappings, past any IOMMU aperture the lab
 * emulates. The capacity used to be a u32 that doubled, wrapping to 0 past
 * 2^31 entries: a reallocation to 0 bytes freed the array under its user.
 */
#ifndef UPCI_RUNS_H
#define UPCI_RUNS_H

#define UPCI_RUNS_FIRST	8

/*
 * The capacity after @cur entries of @size bytes each: twice as many (the
 * first time, UPCI_RUNS_FIRST), or 0 when that many entries or their bytes
 * do not fit in a size_t: the caller fails with -ENOMEM.
 */
static inline size_t upci_runs_next(size_t cur, size_t size)
{
	size_t next = cur ? cur * 2 : UPCI_RUNS_FIRST;

	if (!size || next <= cur || next > SIZE_MAX / size)
		return 0;
	return next;
}

#endif /* UPCI_RUNS_H */
