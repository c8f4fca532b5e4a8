/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs jobs in child processes, as many at once as a limit and the
 * machine's CPUs and memory allow (upcilab -j). Jobs start longest first
 * (by their expected cost; equal ones in their order), so the long ones do
 * not end the run alone; one that does not fit waits for the running ones
 * to make room, and one
 * larger than the whole machine runs alone. A signal (SIGINT, SIGTERM,
 * SIGHUP) stops the launching, is passed to the running children, and the
 * run waits for them; each child gets SIGTERM when the parent dies, so a
 * crashed harness leaves none behind.
 */
#ifndef UPCILAB_PARALLEL_H
#define UPCILAB_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

struct par_job {
	int cpus;		/* what the job occupies while it runs */
	long mem_mb;
	double cost;		/* expected seconds: the longest start first */
};

struct par_limits {
	int max_jobs;		/* 0: no limit beyond CPUs and memory */
	int cpus;
	long mem_mb;
};

struct par_ops {
	/* In the child: run job i. The child exits with its return value. */
	int (*run)(size_t i, void *ctx);
	/* In the parent, as each job ends: its wait status (-1: not started). */
	void (*done)(size_t i, int status, void *ctx);
	/* In the parent, about once a second and at each change; may be NULL. */
	void (*progress)(const size_t *running, size_t nrunning, size_t ndone,
			 void *ctx);
	void *ctx;
};

/*
 * Returns the signal that interrupted the run (its jobs not started get
 * done() with status -1), 0 otherwise, -1 if a child could not be forked.
 */
int par_run(const struct par_job *jobs, size_t n,
	    const struct par_limits *lim, const struct par_ops *ops);

/* The machine: online CPUs and MemAvailable, in MiB. */
struct par_limits par_machine(void);
/* "512M", "2G", "1024K" as QEMU's -m takes them, in MiB; -1 if malformed. */
long par_mem_mb(const char *size);

#endif
