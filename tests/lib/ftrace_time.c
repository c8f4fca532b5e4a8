// SPDX-License-Identifier: GPL-2.0
#include "ftrace_time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int ftrace_put(const char *file, const char *val, int flags)
{
	char path[128];
	size_t len = strlen(val);
	int fd, ret = 0;

	snprintf(path, sizeof(path), FTRACE_TIME_DIR "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		ret = -errno ? -errno : -EIO;
	close(fd);
	return ret;
}

void ftrace_mount(void)
{
	if (access(FTRACE_TIME_DIR "/trace", F_OK))
		mount("tracefs", FTRACE_TIME_DIR, "tracefs", 0, NULL);
}

static void tracer_off(void)
{
	ftrace_put("tracing_on", "0", O_TRUNC);
	ftrace_put("current_tracer", "nop", O_TRUNC);
	ftrace_put("set_ftrace_filter", "", O_TRUNC);
}

int ftrace_time_start(const struct ftrace_fn *fns, size_t n, char *why,
		      size_t size)
{
	size_t i, known = 0;
	int ret;

	ftrace_mount();
	if (access(FTRACE_TIME_DIR "/set_ftrace_filter", W_OK)) {
		snprintf(why, size, "no %s/set_ftrace_filter (no function tracer)",
			 FTRACE_TIME_DIR);
		return -ENOENT;
	}
	tracer_off();
	for (i = 0; i < n; i++)
		if (!ftrace_put("set_ftrace_filter", fns[i].name, O_APPEND))
			known++;
	if (!known) {
		snprintf(why, size, "the kernel traces none of the %zu functions (first: %s)",
			 n, n ? fns[0].name : "none");
		return -EINVAL;
	}
	ret = ftrace_put("buffer_size_kb", "16384", O_TRUNC);
	if (!ret)
		ret = ftrace_put("current_tracer", "function_graph", O_TRUNC);
	if (ret) {
		snprintf(why, size, "current_tracer function_graph: %s", strerror(-ret));
		tracer_off();
		return ret == -EINVAL ? -ENOENT : ret;
	}
	ret = ftrace_put("trace", "", O_TRUNC);	/* empty the buffer */
	if (!ret)
		ret = ftrace_put("tracing_on", "1", O_TRUNC);
	if (ret) {
		snprintf(why, size, "starting the trace: %s", strerror(-ret));
		tracer_off();
	}
	return ret;
}

double ftrace_time_line_us(const char *line, char *name, size_t size)
{
	const char *bar = strchr(line, '|'), *us = NULL, *p, *num, *call;
	size_t len;
	char *end;
	double v;

	/* "CPU) [+!#*@$] 12.345 us    |  name();": the number before " us" */
	if (!bar || !(call = strstr(bar, "();")))
		return -1;
	for (p = line; p + 3 <= bar; p++)
		if (!strncmp(p, " us", 3) && (p + 3 == bar || p[3] == ' '))
			us = p;
	if (!us)
		return -1;
	for (num = us; num > line && num[-1] != ' '; num--)
		;
	v = strtod(num, &end);
	if (end != us || num == us)
		return -1;
	for (p = bar + 1; *p == ' '; p++)
		;
	len = call - p < (long)size - 1 ? (size_t)(call - p) : size - 1;
	memcpy(name, p, len);
	name[len] = 0;
	return v;
}

int ftrace_time_stop(struct ftrace_fn *fns, size_t n)
{
	char line[512], name[128];
	long lost = 0;
	size_t i;
	double v;
	FILE *f;
	int ret = 0;

	ftrace_put("tracing_on", "0", O_TRUNC);
	for (i = 0; i < n; i++) {
		fns[i].us = 0;
		fns[i].calls = 0;
	}
	f = fopen(FTRACE_TIME_DIR "/trace", "re");
	if (!f) {
		ret = -errno;
		tracer_off();
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "[LOST "))
			lost++;
		v = ftrace_time_line_us(line, name, sizeof(name));
		for (i = 0; v >= 0 && i < n; i++) {
			if (!strcmp(name, fns[i].name)) {
				fns[i].us += v;
				fns[i].calls++;
			}
		}
	}
	fclose(f);
	tracer_off();
	return lost ? -EOVERFLOW : ret;
}
