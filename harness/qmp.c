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

/* QMP echoes a command's "id" in its reply: a relayed command's is this + ID */
#define RELAY_ID "upcilab-guest "

void qmp_handle_line(struct qmp *q, const char *line)
{
	json_t *msg = json_loads(line, 0, NULL);
	const char *event, *reason, *status, *id;

	if (!msg)
		return;
	if (!json_unpack(msg, "{s:s}", "id", &id) && str_starts(id, RELAY_ID)) {
		char *tag = xstrdup(id + strlen(RELAY_ID)), *reply;

		json_object_del(msg, "id");	/* frees @id */
		reply = json_dumps(msg, JSON_COMPACT);
		strv_addf(&q->replies, "%s %s", tag, reply ? reply : "{}");
		free(reply);
		free(tag);
	} else if (!json_unpack(msg, "{s:s}", "event", &event)) {
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

int qmp_relay(struct qmp *q, const char *line, struct buf *err)
{
	static const char *const allowed[] = { "device_add", "device_del" };
	char tag[32], *out = NULL, *id;
	const char *exec;
	json_t *cmd = NULL;
	int n = 0, ret = -1;
	bool ok = false;

	if (sscanf(line, "%31[0-9] %n", tag, &n) != 1 || !n) {
		buf_addf(err, "a qmp line is \"ID JSON\", not \"%s\"", line);
		return -1;
	}
	cmd = json_loads(line + n, 0, NULL);
	if (!cmd || json_unpack(cmd, "{s:s}", "execute", &exec)) {
		buf_addf(err, "qmp %s: not a QMP command: %s", tag, line + n);
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		ok |= !strcmp(exec, allowed[i]);
	if (!ok) {
		buf_addf(err, "qmp %s: %s is not relayed (device_add, device_del)", tag, exec);
		goto out;
	}
	if (q->fd < 0) {
		buf_addf(err, "qmp %s: QEMU's QMP socket is not connected", tag);
		goto out;
	}
	id = xasprintf(RELAY_ID "%s", tag);
	json_object_set_new(cmd, "id", json_string(id));
	free(id);
	out = json_dumps(cmd, JSON_COMPACT);
	if (out) {
		size_t len = strlen(out);

		out[len] = '\n';
		ret = send(q->fd, out, len + 1, MSG_NOSIGNAL) == (ssize_t)(len + 1) ? 0 : -1;
		if (ret)
			buf_addf(err, "qmp %s: cannot send it to QEMU", tag);
	}
out:
	free(out);
	json_decref(cmd);
	return ret;
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
	strv_free(&q->replies);
	free(q->shutdown_reason);
	q->shutdown_reason = NULL;
	free(q->run_state);
	q->run_state = NULL;
	q->stopped = false;
}
