// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "klog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

/* klogctl() actions from syslog(2); glibc does not name them. */
#define SYSLOG_ACTION_READ_ALL		3
#define SYSLOG_ACTION_SIZE_BUFFER	10

char *klog_read_all(void)
{
	int size, n;
	char *buf;

	size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
	if (size < 0)
		return NULL;
	buf = malloc(size + 1);
	if (!buf)
		return NULL;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

bool klog_find_line(const char *log, const char *needle, char *line,
		    size_t size)
{
	const char *hit = strstr(log, needle), *start, *end;

	if (!hit)
		return false;
	for (start = hit; start > log && start[-1] != '\n'; start--)
		;
	end = strchrnul(hit, '\n');
	snprintf(line, size, "%.*s", (int)(end - start), start);
	return true;
}

int klog_count_lines(const char *log, const char *const *needles, int n)
{
	const char *line = log, *end;
	int count = 0, i;

	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		for (i = 0; i < n; i++) {
			const char *hit = memmem(line, end - line, needles[i],
						 strlen(needles[i]));
			if (!hit)
				break;
		}
		if (i == n)
			count++;
	}
	return count;
}

int klog_count_now(const char *const *needles, int n)
{
	char *log = klog_read_all();
	int count;

	if (!log)
		return -errno;
	count = klog_count_lines(log, needles, n);
	free(log);
	return count;
}

/* klogctl() lines start with the syslog level, "<6>", before the time. */
static const char *skip_level(const char *line)
{
	const char *end;

	if (*line != '<')
		return line;
	end = strchr(line, '>');
	return end ? end + 1 : line;
}

int klog_timestamps(const char *log, const char *needle, double *secs, int max)
{
	const char *line = log, *end;
	int n = 0;

	if (max <= 0)
		return 0;
	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (!memmem(line, end - line, needle, strlen(needle)))
			continue;
		if (n == max) {
			memmove(secs, secs + 1, (max - 1) * sizeof(*secs));
			n--;
		}
		if (sscanf(skip_level(line), "[ %lf]", &secs[n]) == 1)
			n++;
	}
	return n;
}

int klog_now(double *secs)
{
	static unsigned int seq;
	char marker[64], line[80], *log;
	int fd, n, ret;

	snprintf(marker, sizeof(marker), "klog: clock probe %d.%u", getpid(), seq++);
	/* Without the newline the record stays open and readers miss it. */
	snprintf(line, sizeof(line), "%s\n", marker);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	log = klog_read_all();
	if (!log)
		return -errno;
	ret = klog_timestamps(log, marker, secs, 1) == 1 ? 0 : -ENOENT;
	free(log);
	return ret;
}
