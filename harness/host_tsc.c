// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <time.h>

#include "host_tsc.h"

#if defined(__x86_64__)
#include <x86intrin.h>

static double mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

unsigned int host_tsc_khz(void)
{
	const struct timespec wait = { .tv_nsec = 20 * 1000 * 1000 };
	double t0 = mono_raw_ns(), t1, khz;
	unsigned long long c0 = __rdtsc(), c1;

	nanosleep(&wait, NULL);
	c1 = __rdtsc();
	t1 = mono_raw_ns();
	khz = (double)(c1 - c0) / (t1 - t0) * 1e6;
	if (khz < 100e3 || khz > 10e6)
		return 0;
	return (unsigned int)(khz + 0.5);
}
#else
unsigned int host_tsc_khz(void)
{
	return 0;
}
#endif
