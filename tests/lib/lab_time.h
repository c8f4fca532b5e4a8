/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much slower than usual this guest runs: upcilab --timeout-scale N
 * exports UPCILAB_TIMEOUT_SCALE=N (sanitizer kernels under TCG run many
 * times slower). lab_harness.h scales kselftest's case timeouts by it.
 * And the clock the tests' own deadlines use.
 */
#ifndef LAB_TIME_H
#define LAB_TIME_H

/* UPCILAB_TIMEOUT_SCALE if it is 1-100, else 1. */
int lab_timeout_scale(void);
/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
double lab_now_ms(void);

#endif
