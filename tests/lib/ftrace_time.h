/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The time a few kernel functions take inside a stretch of this process's
 * work, from the function_graph tracer: for "how much of a MAP_DMA is
 * pinning".  The functions are traced alone (set_ftrace_filter), so each
 * call is one line with its duration, as long as none of them calls
 * another; the tracer's own cost falls on the stretch too, so a caller
 * compares shares from the same traced run.
 */
#ifndef FTRACE_TIME_H
#define FTRACE_TIME_H

#include <stddef.h>

#define FTRACE_TIME_DIR	"/sys/kernel/tracing"

struct ftrace_fn {
	const char *name;
	double us;		/* the calls' durations, summed */
	long calls;
};

/*
 * Trace the n functions with function_graph from now on.  -ENOENT when
 * the kernel has no tracefs or no function_graph, -EINVAL when it knows
 * none of the names (why says which), other -errno from tracefs.
 */
int ftrace_time_start(const struct ftrace_fn *fns, size_t n, char *why,
		      size_t size);
/*
 * Stop, and sum each function's traced calls into its us and calls.
 * -EOVERFLOW if the buffer lost events (the sums would be short).  Always
 * puts the tracer back (nop, no filter).
 */
int ftrace_time_stop(struct ftrace_fn *fns, size_t n);

/*
 * A function_graph line of a call without traced callees
 * ("  5.123 us  |  f();"): its duration, and its name (up to "()") in
 * name; -1 for other lines.
 */
double ftrace_time_line_us(const char *line, char *name, size_t size);

/* tracefs, mounted if it is not */
void ftrace_mount(void);
/* val into FTRACE_TIME_DIR/file, opened with flags (O_TRUNC, O_APPEND) */
int ftrace_put(const char *file, const char *val, int flags);

#endif
