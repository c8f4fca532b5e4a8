// SPDX-License-Identifier: GPL-2.0
#include "lab_time.h"

#include <stdlib.h>
#include <time.h>

int lab_timeout_scale(void)
{
	const char *s = getenv("UPCILAB_TIMEOUT_SCALE");
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, &end, 10);
	return *end || v < 1 || v > 100 ? 1 : (int)v;
}

double lab_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
