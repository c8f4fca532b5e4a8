// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "parallel.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

long par_mem_mb(const char *size)
{
	char *end;
	long v;

	if (!size || *size < '0' || *size > '9')
		return -1;
	errno = 0;
	v = strtol(size, &end, 10);
	if (errno || v > 1L << 30)
		return -1;
	if (!*end || !strcmp(end, "M"))
		return v;
	if (!strcmp(end, "G"))
		return v * 1024;
	return -1;
}

struct par_limits par_machine(void)
{
	struct par_limits m = { .cpus = 1, .mem_mb = 1024 };
	cpu_set_t set;
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		m.cpus = CPU_COUNT(&set);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			m.mem_mb = kb / 1024;
	if (f)
		fclose(f);
	return m;
}

struct par_run {
	const struct par_job *jobs;
	size_t n;
	const struct par_limits *lim;
	const struct par_ops *ops;
	pid_t *pid;		/* 0 not started, > 0 running, -1 ended */
	size_t *running;	/* job numbers, in start order */
	size_t nrunning, ndone;
	int cpus;
	long mem_mb;
};

static bool fits(const struct par_run *r, const struct par_job *j)
{
	if (!r->nrunning)
		return true;
	if (r->lim->max_jobs && r->nrunning >= (size_t)r->lim->max_jobs)
		return false;
	return r->cpus + j->cpus <= r->lim->cpus &&
	       r->mem_mb + j->mem_mb <= r->lim->mem_mb;
}

static void child(struct par_run *r, size_t i, const sigset_t *mask,
		  pid_t parent)
{
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	sigprocmask(SIG_SETMASK, mask, NULL);
	rc = r->ops->run(i, r->ops->ctx);
	fflush(NULL);
	_exit(rc);
}

static int start(struct par_run *r, size_t i, const sigset_t *mask, int sigfd)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(sigfd);
		child(r, i, mask, parent);
	}
	r->pid[i] = pid;
	r->running[r->nrunning++] = i;
	r->cpus += r->jobs[i].cpus;
	r->mem_mb += r->jobs[i].mem_mb;
	return 0;
}

static void reap(struct par_run *r)
{
	for (size_t k = 0; k < r->nrunning;) {
		size_t i = r->running[k];
		int status;

		if (waitpid(r->pid[i], &status, WNOHANG) != r->pid[i]) {
			k++;
			continue;
		}
		r->pid[i] = -1;
		memmove(&r->running[k], &r->running[k + 1],
			(r->nrunning - k - 1) * sizeof(*r->running));
		r->nrunning--;
		r->ndone++;
		r->cpus -= r->jobs[i].cpus;
		r->mem_mb -= r->jobs[i].mem_mb;
		r->ops->done(i, status, r->ops->ctx);
	}
}

/* The first signal other than SIGCHLD, or 0. */
static int read_signals(int sigfd)
{
	struct signalfd_siginfo si;
	int sig = 0;

	while (read(sigfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD && !sig)
			sig = (int)si.ssi_signo;
	return sig;
}

/* The job numbers, longest expected cost first; equal costs in job order. */
static size_t *start_order(const struct par_job *jobs, size_t n)
{
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));

	for (size_t i = 0; i < n; i++) {
		size_t k = i;

		for (; k > 0 && jobs[order[k - 1]].cost < jobs[i].cost; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	return order;
}

int par_run(const struct par_job *jobs, size_t n,
	    const struct par_limits *lim, const struct par_ops *ops)
{
	struct par_run r = { .jobs = jobs, .n = n, .lim = lim, .ops = ops };
	sigset_t mask, old;
	size_t next = 0, *order = start_order(jobs, n);
	int sigfd, sig = 0, rc = 0;

	r.pid = xcalloc(n ? n : 1, sizeof(*r.pid));
	r.running = xcalloc(n ? n : 1, sizeof(*r.running));
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	for (;;) {
		struct pollfd p = { .fd = sigfd, .events = POLLIN };
		int got;

		while (!sig && !rc && next < n && fits(&r, &jobs[order[next]])) {
			sigset_t child_mask = old;

			/* a signal stays pending until the VM run's own signalfd reads it */
			sigdelset(&child_mask, SIGCHLD);
			sigaddset(&child_mask, SIGINT);
			sigaddset(&child_mask, SIGTERM);
			sigaddset(&child_mask, SIGHUP);
			if (start(&r, order[next], &child_mask, sigfd)) {
				fprintf(stderr, "upcilab: fork: %s\n", strerror(errno));
				rc = -1;
				break;
			}
			next++;
		}
		if (!r.nrunning)
			break;
		if (ops->progress)
			ops->progress(r.running, r.nrunning, r.ndone, ops->ctx);
		if (poll(&p, 1, 1000) > 0 && (got = read_signals(sigfd)) && !sig) {
			sig = got;
			for (size_t k = 0; k < r.nrunning; k++)
				kill(r.pid[r.running[k]], SIGTERM);
		}
		reap(&r);
	}
	for (; next < n; next++)
		ops->done(order[next], -1, ops->ctx);
	free(order);
	close(sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(r.pid);
	free(r.running);
	return sig ? sig : rc;
}
