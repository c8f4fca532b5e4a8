// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "host_qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_time.h"

/* Read @fd until a line starting with @prefix; 0 with it in @line */
static int read_reply(int fd, const char *prefix, char *line, size_t size,
		      double deadline)
{
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = (int)(deadline - lab_now_ms());
		char *nl;
		ssize_t n;

		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (!strncmp(buf, prefix, strlen(prefix))) {
				snprintf(line, size, "%s", buf + strlen(prefix));
				return 0;
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (ms <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, ms) < 0)
			return -errno;
		if (!(p.revents & POLLIN))
			continue;
		if (len == sizeof(buf))
			len = 0;	/* a line this long is not ours */
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			len += (size_t)n;
	}
}

int host_qmp(const char *execute, const char *arguments, char *reply,
	     size_t size, int timeout_ms)
{
	static unsigned int seq;
	char prefix[48];
	int fd, ret;

	fd = open(HOST_QMP_PORT, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(prefix, sizeof(prefix), "qmp-reply %u ", ++seq);
	printf("# upcilab: qmp %u {\"execute\": \"%s\"%s%s}\n", seq, execute,
	       arguments ? ", \"arguments\": " : "", arguments ? arguments : "");
	fflush(stdout);
	ret = read_reply(fd, prefix, reply, size, lab_now_ms() + timeout_ms);
	close(fd);
	if (ret)
		return ret;
	return strstr(reply, "\"return\"") ? 0 : -EIO;
}
