// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void qmp_handle_line(struct qmp *q, const char *line)
{
	json_t *msg = json_loads(line, 0, NULL);
	const char *event, *reason, *status;

	if (!msg)
		return;
	if (!json_unpack(msg, "{s:s}", "event", &event)) {
		if (!strcmp(event, "STOP"))
			q->stopped = true;
		else if (!strcmp(event, "SHUTDOWN") &&
			 !json_unpack(msg, "{s:{s:s}}", "data", "reason", &reason)) {
			free(q->shutdown_reason);
			q->shutdown_reason = xstrdup(reason);
		}
	} else if (!json_unpack(msg, "{s:{s:s}}", "return", "status", &status)) {
		free(q->run_state);
		q->run_state = xstrdup(status);
	}
	json_decref(msg);
}

static void consume_lines(struct qmp *q)
{
	char *nl;

	while (q->in.len && (nl = memchr(q->in.s, '\n', q->in.len))) {
		size_t n = (size_t)(nl - q->in.s) + 1;

		*nl = '\0';
		qmp_handle_line(q, q->in.s);
		memmove(q->in.s, q->in.s + n, q->in.len - n + 1);
		q->in.len -= n;
	}
}

int qmp_read_events(struct qmp *q)
{
	char chunk[4096];

	for (;;) {
		ssize_t n = read(q->fd, chunk, sizeof(chunk));
		int err = errno;	/* jansson may change errno while parsing */

		if (n > 0) {
			buf_add(&q->in, chunk, (size_t)n);
			continue;
		}
		consume_lines(q);
		if (n < 0 && (err == EAGAIN || err == EINTR))
			return 0;
		return -1;
	}
}

/* Block (up to the deadline) until a line containing @key arrives. */
static int wait_for(struct qmp *q, const char *key, double deadline)
{
	while (!q->in.s || !strstr(q->in.s, key)) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int ms = (int)((deadline - now_s()) * 1000);
		char chunk[4096];
		ssize_t n;

		if (ms <= 0 || poll(&p, 1, ms) <= 0)
			return -1;
		n = read(q->fd, chunk, sizeof(chunk));
		if (n <= 0 && !(n < 0 && errno == EAGAIN))
			return -1;
		if (n > 0)
			buf_add(&q->in, chunk, (size_t)n);
	}
	consume_lines(q);
	return 0;
}

int qmp_command(struct qmp *q, const char *cmd)
{
	char *line = xasprintf("{\"execute\":\"%s\"}\n", cmd);
	size_t len = strlen(line);
	ssize_t n = send(q->fd, line, len, MSG_NOSIGNAL);

	free(line);
	return n == (ssize_t)len ? 0 : -1;
}

int qmp_connect(struct qmp *q, const char *sock_path, int pidfd,
		double timeout_s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	double deadline = now_s() + timeout_s;

	*q = (struct qmp){ .fd = -1 };
	if (strlen(sock_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, sock_path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -errno;
	while (connect(q->fd, (struct sockaddr *)&addr, sizeof(addr))) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		if (now_s() > deadline || poll(&p, 1, 10) > 0) {
			qmp_close(q);
			return -ETIMEDOUT;
		}
	}
	fcntl(q->fd, F_SETFL, O_NONBLOCK);
	if (wait_for(q, "\"QMP\"", deadline) ||
	    qmp_command(q, "qmp_capabilities") ||
	    wait_for(q, "\"return\"", deadline)) {
		qmp_close(q);
		return -EPROTO;
	}
	return 0;
}

void qmp_disconnect(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

void qmp_close(struct qmp *q)
{
	qmp_disconnect(q);
	buf_free(&q->in);
	free(q->shutdown_reason);
	q->shutdown_reason = NULL;
	free(q->run_state);
	q->run_state = NULL;
	q->stopped = false;
}
