// SPDX-License-Identifier: GPL-2.0
#include "fuzz_min.h"

#include <stdlib.h>
#include <string.h>

#include "lab_time.h"

static bool over(struct fz_min_budget *b, double start)
{
	b->exhausted = b->tests >= b->max_tests || lab_now_ms() - start >= b->max_ms;
	return b->exhausted;
}

unsigned int fz_minimize(struct fz_call *calls, unsigned int n, fz_still_fails test,
			 void *ctx, struct fz_min_budget *b)
{
	struct fz_call *cand = malloc(sizeof(*cand) * (n ? n : 1));
	double start = lab_now_ms();
	unsigned int gran = 2;

	b->tests = 0;
	b->exhausted = false;
	if (!cand)
		return n;
	while (n >= 2 && !over(b, start)) {
		unsigned int chunk = (n + gran - 1) / gran, from;
		bool removed = false;

		for (from = 0; from < n && !over(b, start); from += chunk) {
			unsigned int len = from + chunk > n ? n - from : chunk, m = n - len;

			memcpy(cand, calls, sizeof(*cand) * from);
			memcpy(cand + from, calls + from + len, sizeof(*cand) * (n - from - len));
			b->tests++;
			if (m && test(ctx, cand, &m)) {
				memcpy(calls, cand, sizeof(*cand) * m);
				n = m;
				gran = gran > 2 ? gran - 1 : 2;
				removed = true;
				break;
			}
		}
		if (!removed) {
			if (gran >= n)
				break;
			gran = gran * 2 < n ? gran * 2 : n;
		}
	}
	free(cand);
	return n;
}
