// SPDX-License-Identifier: GPL-2.0
/* harness/host_tsc.c: the host's TSC rate, as TCG guests are told it */
#include <stdlib.h>

#include "host_tsc.h"
#include "kselftest_harness.h"

/*
 * Two measurements agree within 1%, and the rate is a plausible CPU's:
 * a figure off by the time the process lost the CPU would not.
 */
TEST(the_rate_is_measured_the_same_twice)
{
#if defined(__x86_64__)
	unsigned int a = host_tsc_khz(), b = host_tsc_khz();

	ASSERT_LT(100000U, a);
	ASSERT_GT(10000000U, a);
	EXPECT_GT(a / 100, (unsigned int)abs((int)a - (int)b));
#else
	SKIP(return, "no TSC on this architecture");
#endif
}

TEST_HARNESS_MAIN
