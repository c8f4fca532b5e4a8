/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LAB_HARNESS_MAIN: kselftest's TEST_HARNESS_MAIN, with every case's
 * timeout (30 s, or its TEST_F_TIMEOUT) times lab_timeout_scale(), so the
 * same binaries run on a sanitizer kernel under TCG. Include after
 * kselftest_harness.h: it walks that header's list of fixtures.
 */
#ifndef LAB_HARNESS_H
#define LAB_HARNESS_H

#include "lab_time.h"

#define LAB_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		int scale = lab_timeout_scale();			\
		struct __fixture_metadata *f;				\
		struct __test_metadata *t;				\
									\
		for (f = __fixture_list; f; f = f->next)		\
			for (t = f->tests; t; t = t->next)		\
				t->timeout *= scale;			\
		return test_harness_run(argc, argv);			\
	}

#endif
