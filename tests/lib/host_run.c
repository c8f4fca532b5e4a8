// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

bool host_run_available(const char *path, char *why, size_t size)
{
	char full[256];

	if (access(HOST_ROOT "/usr", F_OK)) {
		snprintf(why, size, "no host root at " HOST_ROOT " (the scenario needs 'host-root')");
		return false;
	}
	snprintf(full, sizeof(full), HOST_ROOT "%s", path);
	if (access(full, X_OK)) {
		snprintf(why, size, "the host has no %s: %s (ci/install-deps.sh installs it)",
			 path, strerror(errno));
		return false;
	}
	return true;
}

/*
 * Under coreutils' stdbuf (the host's own): stdout is a file here, which
 * stdio would buffer whole until exit, and tests read lines as they come.
 */
#define STDBUF "/usr/bin/stdbuf"
#define STDBUF_ARGS 3

int host_run_start(struct host_run *r, char *const argv[])
{
	static unsigned int seq;
	char *args[64] = { STDBUF, "-oL", "-eL" };
	int in[2], out;
	size_t n = 0;
	pid_t pid;

	while (argv[n] && n + STDBUF_ARGS + 1 < ARRAY_SIZE(args)) {
		args[STDBUF_ARGS + n] = argv[n];
		n++;
	}
	if (argv[n])
		return -E2BIG;
	args[STDBUF_ARGS + n] = NULL;

	*r = (struct host_run){ .in = -1 };
	snprintf(r->out, sizeof(r->out), "/tmp/host_run.%d.%u", getpid(), seq++);
	out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	if (pipe2(in, O_CLOEXEC)) {
		close(out);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(out);
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if (!pid) {
		if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
		    chroot(HOST_ROOT) || chdir("/"))
			_exit(126);
		execv(STDBUF, args);
		_exit(127);
	}
	close(out);
	close(in[0]);
	r->pid = pid;
	r->in = in[1];
	return 0;
}

char *host_run_output(const struct host_run *r)
{
	return host_read_file(r->out);
}

char *host_read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	ssize_t n;
	int fd;

	if (!s)
		abort();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (n = read(fd, s + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2048 && !(s = realloc(s, cap *= 2)))
			abort();
	}
	if (fd >= 0)
		close(fd);
	s[len] = '\0';
	return s;
}

static bool exited(pid_t pid)
{
	siginfo_t info = { 0 };

	return !waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) &&
	       info.si_pid == pid;
}

bool host_run_wait_for(const struct host_run *r, const char *needle, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	bool found;
	char *s;

	do {
		s = host_run_output(r);
		found = strstr(s, needle);
		free(s);
		if (found)
			return true;
		/* gone without printing it (peek: r->pid stays unreaped) */
		if (!r->pid || exited(r->pid))
			return false;
		usleep(100 * 1000);
	} while (now_ms() < end);
	return false;
}

int host_run_send(struct host_run *r, const char *text)
{
	size_t len = strlen(text);

	if (r->in < 0)
		return -EBADF;
	return write(r->in, text, len) == (ssize_t)len ? 0 : -EIO;
}

int host_run_wait(struct host_run *r, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	pid_t got;

	if (!r->pid)
		return 0;
	do {
		got = waitpid(r->pid, &r->status, WNOHANG);
		if (got == r->pid) {
			r->pid = 0;
			return 0;
		}
		usleep(50 * 1000);
	} while (now_ms() < end);
	kill(r->pid, SIGKILL);
	waitpid(r->pid, &r->status, 0);
	r->pid = 0;
	return -ETIMEDOUT;
}

void host_run_cleanup(struct host_run *r)
{
	if (r->pid) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &r->status, 0);
		r->pid = 0;
	}
	if (r->in >= 0)
		close(r->in);
	r->in = -1;
	if (r->out[0])
		unlink(r->out);
}
