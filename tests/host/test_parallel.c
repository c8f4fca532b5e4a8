// SPDX-License-Identifier: GPL-2.0
/* upcilab -j: the job runner's limits, signals and child deaths. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parallel.h"

#include "kselftest_harness.h"
#include "unit.h"

#define MAXJ 8

struct rec {
	int status[MAXJ];
	int ndone[MAXJ];
	size_t max_running;
	int progress_calls;
	int (*run)(size_t i, void *ctx);
	int signal_at_progress;	/* send SIGTERM to ourselves at this call */
	int sleep_ms;
	size_t started[MAXJ];	/* the jobs seen running, in order */
	size_t nstarted;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int run_sleep(size_t i, void *ctx)
{
	struct rec *r = ctx;

	sleep_ms(r->sleep_ms);
	return (int)i + 10;
}

/* Waits for SIGTERM (blocked in the child, as the runner leaves it). */
static int run_until_term(size_t i, void *ctx)
{
	sigset_t m;
	struct timespec ts = { 5, 0 };

	(void)i;
	(void)ctx;
	sigemptyset(&m);
	sigaddset(&m, SIGTERM);
	return sigtimedwait(&m, NULL, &ts) == SIGTERM ? 42 : 1;
}

static int run_crash(size_t i, void *ctx)
{
	(void)ctx;
	if (i == 1)
		raise(SIGKILL);
	return 0;
}

static void done(size_t i, int status, void *ctx)
{
	struct rec *r = ctx;

	r->status[i] = status;
	r->ndone[i]++;
}

static void progress(const size_t *running, size_t nrunning, size_t ndone,
		     void *ctx)
{
	struct rec *r = ctx;

	(void)ndone;
	for (size_t k = 0; k < nrunning; k++) {
		size_t seen = 0;

		while (seen < r->nstarted && r->started[seen] != running[k])
			seen++;
		if (seen == r->nstarted && r->nstarted < MAXJ)
			r->started[r->nstarted++] = running[k];
	}
	if (nrunning > r->max_running)
		r->max_running = nrunning;
	if (++r->progress_calls == r->signal_at_progress)
		kill(getpid(), SIGTERM);
}

static int go(struct rec *r, const struct par_job *jobs, size_t n,
	      struct par_limits lim)
{
	struct par_ops ops = { .run = r->run, .done = done,
			       .progress = progress, .ctx = r };

	return par_run(jobs, n, &lim, &ops);
}

static struct par_job one_cpu[MAXJ] = {
	[0 ... MAXJ - 1] = { .cpus = 1, .mem_mb = 100 },
};

TEST(every_job_runs_once_and_reports_its_exit_status)
{
	struct rec r = { .run = run_sleep, .sleep_ms = 50 };

	EXPECT_EQ(0, go(&r, one_cpu, 5, (struct par_limits){ .cpus = 2, .mem_mb = 1000 }));
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(1, r.ndone[i]);
		EXPECT_TRUE(WIFEXITED(r.status[i]));
		EXPECT_EQ(i + 10, WEXITSTATUS(r.status[i]));
	}
}

TEST(cpus_bound_how_many_run_at_once)
{
	struct rec r = { .run = run_sleep, .sleep_ms = 1500 };

	EXPECT_EQ(0, go(&r, one_cpu, 4, (struct par_limits){ .cpus = 2, .mem_mb = 1000 }));
	EXPECT_EQ(2, r.max_running);
}

TEST(max_jobs_bounds_them_too)
{
	struct rec r = { .run = run_sleep, .sleep_ms = 1500 };

	EXPECT_EQ(0, go(&r, one_cpu, 3,
			(struct par_limits){ .max_jobs = 1, .cpus = 8, .mem_mb = 1000 }));
	EXPECT_EQ(1, r.max_running);
}

TEST(the_longest_start_first_equal_ones_in_their_order)
{
	struct par_job jobs[5] = {
		{ 1, 100, 3 }, { 1, 100, 40 }, { 1, 100, 3 }, { 1, 100, 0 }, { 1, 100, 7.5 },
	};
	struct rec r = { .run = run_sleep, .sleep_ms = 200 };
	const size_t want[5] = { 1, 4, 0, 2, 3 };

	EXPECT_EQ(0, go(&r, jobs, 5,
			(struct par_limits){ .max_jobs = 1, .cpus = 8, .mem_mb = 1000 }));
	ASSERT_EQ(5, r.nstarted);
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(want[i], r.started[i]);
		EXPECT_EQ(1, r.ndone[i]);
	}
}

TEST(memory_bounds_them_too)
{
	struct par_job big[3] = { { 1, 600, 0 }, { 1, 600, 0 }, { 1, 300, 0 } };
	struct rec r = { .run = run_sleep, .sleep_ms = 1500 };

	EXPECT_EQ(0, go(&r, big, 3, (struct par_limits){ .cpus = 8, .mem_mb = 1000 }));
	EXPECT_EQ(2, r.max_running);	/* the second alone, then with the third */
}

TEST(a_job_larger_than_the_machine_runs_alone)
{
	struct par_job jobs[3] = { { 1, 100, 0 }, { 4, 100, 0 }, { 1, 100, 0 } };
	struct rec r = { .run = run_sleep, .sleep_ms = 1500 };

	EXPECT_EQ(0, go(&r, jobs, 3, (struct par_limits){ .cpus = 2, .mem_mb = 1000 }));
	EXPECT_EQ(1, r.max_running);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(1, r.ndone[i]);
}

TEST(a_signal_reaches_the_children_and_stops_the_launching)
{
	struct rec r = { .run = run_until_term, .signal_at_progress = 2 };

	EXPECT_EQ(SIGTERM, go(&r, one_cpu, 5, (struct par_limits){ .cpus = 2, .mem_mb = 1000 }));
	for (int i = 0; i < 2; i++) {
		EXPECT_TRUE(WIFEXITED(r.status[i]));
		EXPECT_EQ(42, WEXITSTATUS(r.status[i])) TH_LOG("job %d saw no SIGTERM", i);
	}
	for (int i = 2; i < 5; i++) {
		EXPECT_EQ(1, r.ndone[i]);
		EXPECT_EQ(-1, r.status[i]) TH_LOG("job %d started after the signal", i);
	}
}

TEST(a_child_that_dies_is_reported_by_its_status)
{
	struct rec r = { .run = run_crash };

	EXPECT_EQ(0, go(&r, one_cpu, 3, (struct par_limits){ .cpus = 2, .mem_mb = 1000 }));
	EXPECT_TRUE(WIFSIGNALED(r.status[1]));
	EXPECT_EQ(SIGKILL, WTERMSIG(r.status[1]));
	EXPECT_TRUE(WIFEXITED(r.status[2]));
}

static char marker[64];

static int run_mark_on_term(size_t i, void *ctx)
{
	if (run_until_term(i, ctx) == 42)
		close(open(marker, O_CREAT | O_WRONLY, 0600));
	return 0;
}

TEST(children_get_sigterm_when_the_harness_dies)
{
	pid_t mid;

	snprintf(marker, sizeof(marker), "/tmp/upci-par-%d", getpid());
	unlink(marker);
	mid = fork();
	ASSERT_LE(0, mid);
	if (!mid) {
		struct rec r = { .run = run_mark_on_term };

		go(&r, one_cpu, 1, (struct par_limits){ .cpus = 2, .mem_mb = 1000 });
		_exit(0);
	}
	sleep_ms(300);
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	for (int t = 0; t < 50 && access(marker, F_OK); t++)
		sleep_ms(100);
	EXPECT_EQ(0, access(marker, F_OK)) TH_LOG("the orphaned child never got SIGTERM");
	unlink(marker);
}

TEST(memory_sizes_as_qemu_takes_them)
{
	EXPECT_EQ(512, par_mem_mb("512"));
	EXPECT_EQ(512, par_mem_mb("512M"));
	EXPECT_EQ(2048, par_mem_mb("2G"));
	EXPECT_EQ(-1, par_mem_mb("2T"));
	EXPECT_EQ(-1, par_mem_mb("G"));
	EXPECT_EQ(-1, par_mem_mb("-1"));
	EXPECT_EQ(-1, par_mem_mb(NULL));
}

TEST(the_machine_has_a_cpu_and_some_memory)
{
	struct par_limits m = par_machine();

	EXPECT_LE(1, m.cpus);
	EXPECT_LT(0, m.mem_mb);
	EXPECT_EQ(0, m.max_jobs);
}

TEST_HARNESS_MAIN
