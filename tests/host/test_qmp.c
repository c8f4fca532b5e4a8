// SPDX-License-Identifier: GPL-2.0
/*
 * The QMP client: the SHUTDOWN reason, a STOP and the run state from QMP
 * lines, and the handshake against a fake QMP server on a UNIX socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qmp.h"

#include "kselftest_harness.h"
#include "unit.h"

#define SHUTDOWN(reason) \
	"{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 1}, " \
	"\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"" reason "\"}}"

FIXTURE(lines) {
	struct qmp q;
};

FIXTURE_SETUP(lines)
{
	self->q = (struct qmp){ .fd = -1 };
}

FIXTURE_TEARDOWN(lines)
{
	qmp_close(&self->q);
}

TEST_F(lines, shutdown_event_records_the_reason)
{
	qmp_handle_line(&self->q, SHUTDOWN("guest-shutdown"));
	ASSERT_NE(NULL, self->q.shutdown_reason);
	EXPECT_STREQ("guest-shutdown", self->q.shutdown_reason);
}

TEST_F(lines, later_shutdown_replaces_the_reason)
{
	qmp_handle_line(&self->q, SHUTDOWN("guest-panic"));
	qmp_handle_line(&self->q, SHUTDOWN("host-qmp-quit"));
	EXPECT_STREQ("host-qmp-quit", self->q.shutdown_reason);
}

TEST_F(lines, other_events_are_ignored)
{
	qmp_handle_line(&self->q, "{\"event\": \"RESET\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}");
	qmp_handle_line(&self->q, "{\"event\": \"RESUME\"}");
	qmp_handle_line(&self->q, "{\"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"pause\"}}");
	EXPECT_NULL(self->q.shutdown_reason);
	EXPECT_FALSE(self->q.stopped);
	EXPECT_NULL(self->q.run_state);
}

/* QEMU pauses the guest on a KVM internal error and emits STOP */
TEST_F(lines, stop_event_marks_the_guest_paused)
{
	qmp_handle_line(&self->q, "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"STOP\"}");
	EXPECT_TRUE(self->q.stopped);
	EXPECT_NULL(self->q.shutdown_reason);
}

TEST_F(lines, query_status_reply_records_the_run_state)
{
	qmp_handle_line(&self->q, "{\"return\": {\"status\": \"internal-error\", \"singlestep\": false, \"running\": false}}");
	ASSERT_NE(NULL, self->q.run_state);
	EXPECT_STREQ("internal-error", self->q.run_state);
	qmp_handle_line(&self->q, "{\"return\": {\"status\": \"paused\", \"running\": false}}");
	EXPECT_STREQ("paused", self->q.run_state);
	/* other replies leave it */
	qmp_handle_line(&self->q, "{\"return\": {}}");
	qmp_handle_line(&self->q, "{\"return\": {\"status\": 3}}");
	EXPECT_STREQ("paused", self->q.run_state);
}

TEST_F(lines, replies_and_greeting_are_ignored)
{
	qmp_handle_line(&self->q, "{\"QMP\": {\"version\": {}, \"capabilities\": [\"oob\"]}}");
	qmp_handle_line(&self->q, "{\"return\": {}}");
	qmp_handle_line(&self->q, "{\"return\": {\"reason\": \"x\"}, \"event\": 1}");
	EXPECT_NULL(self->q.shutdown_reason);
}

TEST_F(lines, garbage_is_ignored)
{
	static const char *const junk[] = {
		"", "not json", "{", "[]", "null", "\"SHUTDOWN\"",
		"{\"event\": \"SHUTDOWN\"",
		"{\"event\": \"SHUTDOWN\"}",
		"{\"event\": \"SHUTDOWN\", \"data\": {}}",
		"{\"event\": \"SHUTDOWN\", \"data\": {\"reason\": 5}}",
		"{\"event\": \"SHUTDOWN\", \"data\": \"guest-shutdown\"}",
		"{\"event\": 7, \"data\": {\"reason\": \"x\"}}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		qmp_handle_line(&self->q, junk[i]);
		EXPECT_NULL(self->q.shutdown_reason) TH_LOG("after '%s'", junk[i]);
	}
}

TEST_F(lines, garbage_keeps_an_earlier_reason)
{
	qmp_handle_line(&self->q, SHUTDOWN("guest-shutdown"));
	qmp_handle_line(&self->q, "{\"event\": \"SHUTDOWN\", \"data\": {}}");
	qmp_handle_line(&self->q, "}{");
	EXPECT_STREQ("guest-shutdown", self->q.shutdown_reason);
}

TEST_F(lines, close_forgets_the_reason)
{
	qmp_handle_line(&self->q, SHUTDOWN("guest-shutdown"));
	qmp_handle_line(&self->q, "{\"event\": \"STOP\"}");
	qmp_handle_line(&self->q, "{\"return\": {\"status\": \"internal-error\"}}");
	qmp_close(&self->q);
	EXPECT_NULL(self->q.shutdown_reason);
	EXPECT_FALSE(self->q.stopped);
	EXPECT_NULL(self->q.run_state);
	EXPECT_EQ(-1, self->q.fd);
}

/* ---- against a fake server ---- */

enum server_mode { GREET_AND_SHUTDOWN, EVENT_LATER, SILENT, HANG_UP };

FIXTURE(server) {
	char *dir, *sock;
	int listen_fd;
	pid_t pid;
	struct qmp q;
};

FIXTURE_SETUP(server)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	self->q = (struct qmp){ .fd = -1 };
	self->pid = -1;
	self->dir = make_tmpdir("qmp");
	ASSERT_NE(NULL, self->dir);
	self->sock = xasprintf("%s/qmp.sock", self->dir);
	ASSERT_LT(strlen(self->sock), sizeof(a.sun_path));
	strcpy(a.sun_path, self->sock);
	self->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->listen_fd);
	ASSERT_EQ(0, bind(self->listen_fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(self->listen_fd, 1));
}

FIXTURE_TEARDOWN(server)
{
	qmp_close(&self->q);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	close(self->listen_fd);
	unlink(self->sock);
	rmdir(self->dir);
	free(self->sock);
	free(self->dir);
}

/* Read from @fd until @key was seen or EOF. */
static bool read_until(int fd, const char *key)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, key))
			return true;
	}
	return false;
}

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(3);
}

static void start_server(FIXTURE_DATA(server) *self, enum server_mode mode)
{
	self->pid = fork();
	if (self->pid)
		return;
	int c = accept(self->listen_fd, NULL, NULL);

	if (c < 0)
		_exit(2);
	switch (mode) {
	case GREET_AND_SHUTDOWN:
		/* the greeting arrives in two pieces */
		say(c, "{\"QMP\": {\"version\": {\"qemu\": ");
		usleep(20000);
		say(c, "{\"major\": 7}}, \"capabilities\": []}}\r\n");
		if (!read_until(c, "\"qmp_capabilities\""))
			_exit(4);
		say(c, "{\"return\": {}}\r\n");
		say(c, "{\"event\": \"POWERDOWN\"}\r\n" SHUTDOWN("guest-shutdown") "\r\n");
		if (!read_until(c, "\"quit\""))
			_exit(5);
		say(c, "{\"return\": {}}\r\n");
		_exit(0);
	case EVENT_LATER:
		say(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
		if (!read_until(c, "\"qmp_capabilities\""))
			_exit(4);
		say(c, "{\"return\": {}}\r\n");
		/* separately from the reply: qmp_read_events() gets it */
		usleep(200000);
		say(c, "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"STOP\"}\r\n");
		pause();
		_exit(0);
	case SILENT:
		pause();
		_exit(0);
	case HANG_UP:
		_exit(0);
	}
	_exit(1);
}

/* Read events until @q has a shutdown reason, or 5 s. */
static int wait_reason(struct qmp *q)
{
	double end = now_s() + 5;

	while (!q->shutdown_reason && now_s() < end) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };

		poll(&p, 1, 100);
		qmp_read_events(q);
	}
	return q->shutdown_reason ? 0 : -1;
}

TEST_F(server, handshake_events_and_quit)
{
	double t0;
	int st;

	start_server(self, GREET_AND_SHUTDOWN);
	ASSERT_EQ(0, qmp_connect(&self->q, self->sock, -1, 5));
	ASSERT_LE(0, self->q.fd);
	EXPECT_EQ(0, wait_reason(&self->q));
	EXPECT_STREQ("guest-shutdown", self->q.shutdown_reason);
	EXPECT_EQ(0, qmp_command(&self->q, "quit"));
	ASSERT_EQ(self->pid, waitpid(self->pid, &st, 0));
	self->pid = -1;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("server status %d", st);
	/* the server is gone: reading reports the end, the reason stays */
	t0 = now_s();
	while (!qmp_read_events(&self->q) && now_s() - t0 < 2)
		usleep(10000);
	EXPECT_EQ(-1, qmp_read_events(&self->q));
	EXPECT_STREQ("guest-shutdown", self->q.shutdown_reason);
}

/*
 * An event read on an open socket is not the end of the connection, even
 * when parsing it touched errno (jansson zeroes it to parse numbers).
 */
TEST_F(server, reading_an_event_keeps_the_connection)
{
	struct pollfd p;

	start_server(self, EVENT_LATER);
	ASSERT_EQ(0, qmp_connect(&self->q, self->sock, -1, 5));
	p = (struct pollfd){ .fd = self->q.fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 5000));
	usleep(50000);
	EXPECT_EQ(0, qmp_read_events(&self->q)) TH_LOG("the socket is still open");
	EXPECT_EQ(0, self->q.in.len);
	/* and again with nothing to read */
	EXPECT_EQ(0, qmp_read_events(&self->q));
}

TEST_F(server, silent_server_times_out)
{
	double t0 = now_s();

	start_server(self, SILENT);
	EXPECT_GT(0, qmp_connect(&self->q, self->sock, -1, 0.3));
	EXPECT_LT(now_s() - t0, 2.0);
	EXPECT_EQ(-1, self->q.fd);
}

TEST_F(server, server_hanging_up_is_a_protocol_error)
{
	start_server(self, HANG_UP);
	EXPECT_EQ(-EPROTO, qmp_connect(&self->q, self->sock, -1, 5));
	EXPECT_EQ(-1, self->q.fd);
}

TEST(connect_to_a_missing_socket_times_out)
{
	struct qmp q;
	double t0 = now_s();

	EXPECT_EQ(-ETIMEDOUT, qmp_connect(&q, "/nonexistent/qmp.sock", -1, 0.2));
	EXPECT_LT(now_s() - t0, 2.0);
	EXPECT_EQ(-1, q.fd);
	qmp_close(&q);
}

TEST(connect_gives_up_when_qemu_has_exited)
{
	struct qmp q;
	pid_t pid = fork();
	int pidfd;
	double t0;

	if (!pid)
		_exit(0);
	pidfd = pidfd_open(pid, 0);
	ASSERT_LE(0, pidfd);
	t0 = now_s();
	EXPECT_EQ(-ETIMEDOUT, qmp_connect(&q, "/nonexistent/qmp.sock", pidfd, 20));
	EXPECT_LT(now_s() - t0, 2.0);
	waitpid(pid, NULL, 0);
	close(pidfd);
	qmp_close(&q);
}

TEST(connect_refuses_a_too_long_path)
{
	struct qmp q;
	char path[200];

	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, qmp_connect(&q, path, -1, 1));
	qmp_close(&q);
}

/* A guest test's command, relayed: only device_add and device_del */
TEST(relay_sends_device_commands_with_their_id_and_collects_the_reply)
{
	struct qmp q = { .fd = -1 };
	struct buf err = { 0 };
	char got[512];
	int sv[2];
	ssize_t n;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	q.fd = sv[0];
	ASSERT_EQ(0, qmp_relay(&q, "3 {\"execute\": \"device_del\", \"arguments\": {\"id\": \"mdma3\"}}", &err));
	n = read(sv[1], got, sizeof(got) - 1);
	ASSERT_LT(0, n);
	got[n] = '\0';
	EXPECT_STREQ("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"mdma3\"},\"id\":\"upcilab-guest 3\"}\n", got);
	/* the reply comes back without the id, events and others' replies stay out */
	qmp_handle_line(&q, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"mdma3\"}}");
	qmp_handle_line(&q, "{\"return\": {}}");
	qmp_handle_line(&q, "{\"return\": {}, \"id\": \"upcilab-guest 3\"}");
	qmp_handle_line(&q, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Device 'x' not found\"}, \"id\": \"upcilab-guest 4\"}");
	ASSERT_EQ(2, q.replies.n);
	EXPECT_STREQ("3 {\"return\":{}}", q.replies.v[0]);
	EXPECT_STREQ("4 {\"error\":{\"class\":\"GenericError\",\"desc\":\"Device 'x' not found\"}}", q.replies.v[1]);
	EXPECT_EQ(NULL, err.s);
	close(sv[1]);
	qmp_close(&q);
}

TEST(relay_refuses_other_commands_and_bad_lines)
{
	static const char *const bad[] = {
		"5 {\"execute\": \"quit\"}",
		"5 {\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"q\"}}",
		"5 not json",
		"5 {\"arguments\": {}}",
		"{\"execute\": \"device_del\"}",
		"x5 {\"execute\": \"device_del\"}",
	};
	struct qmp q = { .fd = -1 };
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	q.fd = sv[0];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf err = { 0 };
		char c;

		EXPECT_EQ(-1, qmp_relay(&q, bad[i], &err)) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, err.s);
		EXPECT_EQ(-1, read(sv[1], &c, 1)) TH_LOG("%s reached QEMU", bad[i]);
		buf_free(&err);
	}
	close(sv[1]);
	qmp_close(&q);
	{
		struct buf err = { 0 };

		q = (struct qmp){ .fd = -1 };
		EXPECT_EQ(-1, qmp_relay(&q, "6 {\"execute\": \"device_del\"}", &err));
		EXPECT_NE(NULL, strstr(err.s, "not connected"));
		buf_free(&err);
	}
}

TEST_HARNESS_MAIN
