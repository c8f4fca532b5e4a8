// SPDX-License-Identifier: GPL-2.0
/*
 * How upci.ko grows a mapping's array of runs (kmod/upci_runs.h), at sizes
 * the lab cannot reach: the capacity used to be a u32 that doubled and
 * wrapped to 0 past 2^31 runs (8 TiB of mappings), and a reallocation to 0
 * bytes freed the array under the mapping.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../kmod/upci_runs.h"

#include "kselftest_harness.h"

#define RUN_SIZE 24	/* sizeof(struct upci_run) on x86_64 */

TEST(growth_starts_small_and_doubles)
{
	EXPECT_EQ(UPCI_RUNS_FIRST, upci_runs_next(0, RUN_SIZE));
	EXPECT_EQ(16, upci_runs_next(8, RUN_SIZE));
	EXPECT_EQ(1ul << 21, upci_runs_next(1ul << 20, RUN_SIZE));
}

TEST(past_2_31_runs_it_keeps_growing_instead_of_wrapping)
{
	/* what the u32 turned into 0: a kvrealloc() to 0 bytes, a free */
	EXPECT_EQ(0u, (uint32_t)(2u * (1u << 31)));
	EXPECT_EQ(1ul << 32, upci_runs_next(1ul << 31, RUN_SIZE));
	EXPECT_LT(0, upci_runs_next(1ul << 40, RUN_SIZE));
}

TEST(a_capacity_whose_bytes_do_not_fit_is_refused)
{
	size_t big = SIZE_MAX / RUN_SIZE / 2 + 1;

	EXPECT_EQ(0, upci_runs_next(big, RUN_SIZE));
	EXPECT_EQ(0, upci_runs_next(SIZE_MAX / 2 + 1, 1));
	EXPECT_EQ(0, upci_runs_next(8, 0));
}

TEST(every_answer_is_growth_whose_bytes_fit)
{
	for (size_t cur = 0; cur < SIZE_MAX / 2; cur = cur ? cur * 2 : 1) {
		size_t next = upci_runs_next(cur, RUN_SIZE);

		if (!next)
			break;
		ASSERT_LT(cur, next);
		ASSERT_GE(SIZE_MAX / RUN_SIZE, next);
	}
}

TEST_HARNESS_MAIN
