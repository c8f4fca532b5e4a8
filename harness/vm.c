// SPDX-License-Identifier: GPL-2.0
/*
 * The supervisor loop. The hard part is that every way a run can end must
 * end the same way: QEMU reaped, every test given a result, and the reason
 * recorded. Timeouts, a guest that dies early, a harness signal and a guest
 * that never powers off all funnel into one teardown path.
 */
#define _GNU_SOURCE
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"
#include "fault_trace.h"
#include "gcov_stream.h"
#include "logscan.h"
#include "qmp.h"

#define PROTO "# upcilab: "
#define PCI_ROW "# pci: "
#define QUIT_GRACE_S 3.0
#define RUN_STATE_WAIT_S 1.0

struct stream {
	int fd;
	int log_fd;
	struct buf line;
};

struct run {
	const struct vm_spec *spec;
	struct vm_result *res;
	pid_t pid;
	int pidfd, sigfd;
	struct stream con, ktap;
	int ktap_in;		/* the results port's input: qmp replies, -1 */
	struct qmp qmp;
	struct logscan scan;
	struct ktap *kp;
	double t0, vm_deadline, test_deadline, done_deadline;
	double test_t0;		/* when the running test began */
	double paused_deadline;	/* QEMU paused the guest: until then, its run state */
	int cur;		/* index of the running test, -1: none */
	int next;		/* index the next "begin" must carry */
	bool done, exited, killed;
	bool init_seen;		/* the guest's init spoke */
	bool died_early;	/* QEMU ended by itself before the init spoke */
	int status;
	struct strv faults;	/* announced by the tests (fault_trace.h) */
	struct gcov_stream gcov;	/* coverage data coming out (gcov_stream.h) */
	char *gcov_dir;			/* where it goes: the logs' directory */
};

int vm_make_fifos(const char *base)
{
	static const char *const ends[] = { ".in", ".out" };

	for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
		char *p = xasprintf("%s%s", base, ends[i]);
		int ret = 0;

		unlink(p);
		if (mkfifo(p, 0600))
			ret = -errno;
		free(p);
		if (ret)
			return ret;
	}
	return 0;
}

static int open_fifo(const char *base)
{
	char *p = xasprintf("%s.out", base);
	/* O_RDWR: never blocks, and EOF never comes; pidfd tells us QEMU died */
	int fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	free(p);
	return fd;
}

static void progress(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!r->spec->progress)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		r->spec->progress(r->spec->progress_ctx, s);
	free(s);
}

static void set_error(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(struct run *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->res->error)
		return;		/* the first cause is the one that matters */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup(fmt);
	va_end(ap);
	r->res->error = s;
}

static struct test_node *test_node(struct run *r, int i)
{
	return r->res->root->kids[i];
}

/* Whether test @i, called @name, is the one due now (none is running). */
static bool test_is_due(const struct run *r, int i, const char *name)
{
	return r->cur < 0 && i == r->next && (size_t)i < r->spec->ntests &&
	       !strcmp(name, r->spec->tests[i].name);
}

static void begin_test(struct run *r, int n, const char *name)
{
	int i = n - 1;

	if (!test_is_due(r, i, name)) {
		set_error(r, "guest protocol: unexpected 'begin %d %s'", n, name);
		return;
	}
	if (r->res->boot_s < 0)
		r->res->boot_s = now_s() - r->t0;
	r->cur = i;
	r->next = i + 1;
	r->kp = ktap_new(test_node(r, i));
	r->test_t0 = now_s();
	r->test_deadline = now_s() + r->spec->tests[i].timeout_s;
	progress(r, "%s (%d/%zu)", name, n, r->spec->ntests);
}

static void judge_exit(struct test_node *t, int code)
{
	char *why;

	if (code == 0 && t->nkids) {
		node_set(t, RES_PASS, NULL);
		return;
	}
	/* KSFT_SKIP, or a clean exit after "1..0 # SKIP reason" */
	if (code == 4 || (code == 0 && t->res == RES_SKIP)) {
		node_set(t, RES_SKIP, t->reason);
		return;
	}
	if (code == 0)
		why = xstrdup("exited 0 but reported no TAP results");
	else if (code > 128)
		why = xasprintf("killed by signal %d (%s)", code - 128,
				strsignal(code - 128));
	else
		why = xasprintf("exit status %d", code);
	node_set(t, RES_FAIL, why);
	free(why);
}

static void end_test(struct run *r, int n, const char *name, int code)
{
	struct test_node *t;

	if (r->cur < 0 || n - 1 != r->cur ||
	    strcmp(name, r->spec->tests[r->cur].name)) {
		set_error(r, "guest protocol: unexpected 'end %d %s'", n, name);
		return;
	}
	t = test_node(r, r->cur);
	ktap_end(r->kp);
	ktap_free(r->kp);
	r->kp = NULL;
	t->secs = now_s() - r->test_t0;
	judge_exit(t, code);
	r->cur = -1;
}

/* "gdb-module NAME TEXT DATA BSS": the command that loads its symbols */
static void gdb_module(struct run *r, const char *args)
{
	char name[64], text[32], data[32], bss[32];
	char *ko;

	if (sscanf(args, "%63s %31s %31s %31s", name, text, data, bss) != 4)
		return;
	ko = xasprintf("%s/%s.ko", r->spec->gdb_kmod_dir, name);
	if (access(ko, R_OK)) {
		/* vfio_pci is vfio-pci.ko */
		for (char *c = strrchr(ko, '/'); *c; c++)
			if (*c == '_')
				*c = '-';
	}
	if (access(ko, R_OK)) {
		free(ko);
		ko = xasprintf("%s.ko", name);
	}
	fprintf(stderr, "upcilab: gdb: (gdb) add-symbol-file %s %s -s .data %s -s .bss %s\n",
		ko, text, data, bss);
	free(ko);
}

/* "skip N NAME WHY": a test the guest chose not to run (repro --until-fail) */
static void skip_test(struct run *r, int n, const char *name, const char *why)
{
	int i = n - 1;

	if (!test_is_due(r, i, name)) {
		set_error(r, "guest protocol: unexpected 'skip %d %s'", n, name);
		return;
	}
	r->next = i + 1;
	node_set(test_node(r, i), RES_SKIP, *why ? why : "skipped by the guest");
}

/* A .gcda file coming out of the guest: beside the VM's logs */
static void gcov_line(struct run *r, const char *cmd)
{
	struct buf why = { 0 };

	if (!r->gcov_dir) {
		char *slash;

		r->gcov_dir = xstrdup(r->spec->console_log);
		slash = strrchr(r->gcov_dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(r->gcov_dir, ".");
	}
	if (gcov_stream_line(&r->gcov, cmd, r->gcov_dir, &why) && why.s)
		fprintf(stderr, "upcilab: %s\n", why.s);
	buf_free(&why);
}

/* A reply line to the guest, on the results port's input */
static void to_guest(struct run *r, const char *line)
{
	size_t len = strlen(line);

	if (r->ktap_in < 0) {
		char *p = xasprintf("%s.in", r->spec->ktap_fifo);

		/* O_RDWR: a FIFO opens at once, whoever reads it */
		r->ktap_in = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		free(p);
	}
	if (r->ktap_in < 0 || write(r->ktap_in, line, len) != (ssize_t)len)
		set_error(r, "cannot answer the guest's qmp line: %s", strerror(errno));
}

/*
 * A test's QMP command (tests/lib/host_qmp.h): relayed to QEMU, whose
 * reply goes back as "qmp-reply ID JSON"; refused ones get an error reply
 */
static void relay_qmp(struct run *r, const char *line)
{
	struct buf err = { 0 };
	char tag[32] = "0";

	if (qmp_relay(&r->qmp, line, &err)) {
		json_t *e = json_pack("{s:{s:s, s:s}}", "error", "class", "upcilab",
				      "desc", err.s ? err.s : "refused");
		char *js = json_dumps(e, JSON_COMPACT), *reply;

		sscanf(line, "%31[0-9]", tag);
		reply = xasprintf("qmp-reply %s %s\n", tag, js ? js : "{}");
		to_guest(r, reply);
		free(reply);
		free(js);
		json_decref(e);
	}
	buf_free(&err);
}

static void relay_replies(struct run *r)
{
	for (size_t i = 0; i < r->qmp.replies.n; i++) {
		char *reply = xasprintf("qmp-reply %s\n", r->qmp.replies.v[i]);

		to_guest(r, reply);
		free(reply);
	}
	strv_free(&r->qmp.replies);
}

static void proto_line(struct run *r, const char *cmd)
{
	char name[256];
	int n, code, at = 0;

	if (!strcmp(cmd, "init")) {
		r->init_seen = true;
		progress(r, "init after %.1fs", now_s() - r->t0);
	} else if (str_starts(cmd, "setup-failed")) {
		set_error(r, "guest setup failed:%s", cmd + strlen("setup-failed"));
	} else if (sscanf(cmd, "begin %d %255s", &n, name) == 2) {
		begin_test(r, n, name);
	} else if (sscanf(cmd, "end %d %255s exit=%d", &n, name, &code) == 3) {
		end_test(r, n, name, code);
	} else if (str_starts(cmd, "gdb-module ") && r->spec->gdb_kmod_dir) {
		gdb_module(r, cmd + strlen("gdb-module "));
	} else if (sscanf(cmd, "skip %d %255s %n", &n, name, &at) == 2 && at) {
		skip_test(r, n, name, cmd + at);
	} else if (str_starts(cmd, FAULT_TRACE_CMD)) {
		strv_add(&r->faults, cmd + strlen(FAULT_TRACE_CMD));
	} else if (str_starts(cmd, QMP_CMD)) {
		relay_qmp(r, cmd + strlen(QMP_CMD));
	} else if (str_starts(cmd, "gcov-")) {
		gcov_line(r, cmd);
	} else if (!strcmp(cmd, "kmemleak scanned")) {
		r->res->kmemleak = LEAK_SCANNED;
	} else if (!strcmp(cmd, "kmemleak off")) {
		r->res->kmemleak = LEAK_OFF;
	} else if (!strcmp(cmd, "done")) {
		r->done = true;
		r->done_deadline = now_s() + r->spec->poweroff_grace_s;
	}
}

static void ktap_stream_line(struct run *r, const char *line)
{
	if (str_starts(line, PROTO))
		proto_line(r, line + strlen(PROTO));
	else if (str_starts(line, PCI_ROW))
		buf_addf(&r->res->pci_table, "%s\n", line + strlen(PCI_ROW));
	else if (r->kp)
		ktap_line(r->kp, line);
}

static void console_line(struct run *r, const char *line)
{
	logscan_line(&r->scan, line);
	if (r->spec->echo_console)
		fprintf(stderr, "  | %s\n", line);
}

/* Read what is there; hand over complete lines. */
static void pump(struct run *r, struct stream *s, bool flush)
{
	char chunk[8192], *nl;
	ssize_t n;

	while ((n = read(s->fd, chunk, sizeof(chunk))) > 0) {
		if (s->log_fd >= 0 && write(s->log_fd, chunk, (size_t)n) < 0) {
			close(s->log_fd);
			s->log_fd = -1;
		}
		buf_add(&s->line, chunk, (size_t)n);
	}
	while (s->line.len && (nl = memchr(s->line.s, '\n', s->line.len))) {
		size_t len = (size_t)(nl - s->line.s) + 1;

		*nl = '\0';
		if (nl > s->line.s && nl[-1] == '\r')
			nl[-1] = '\0';
		if (s == &r->ktap)
			ktap_stream_line(r, s->line.s);
		else
			console_line(r, s->line.s);
		memmove(s->line.s, s->line.s + len, s->line.len - len + 1);
		s->line.len -= len;
	}
	if (flush && s->line.len) {
		buf_add(&s->line, "\n", 1);
		pump(r, s, false);
	}
}

void vm_gcov_env(const char *dir)
{
	setenv("GCOV_PREFIX", dir, 1);
	setenv("GCOV_PREFIX_STRIP", "0", 1);
}

static pid_t spawn(const struct vm_spec *spec, int log_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	sigset_t none;

	if (pid)
		return pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);	/* the harness died before prctl() */
	dup2(open("/dev/null", O_RDONLY), 0);
	if (log_fd >= 0) {
		dup2(log_fd, 1);
		dup2(log_fd, 2);
	}
	if (spec->gcov_prefix)
		vm_gcov_env(spec->gcov_prefix);
	execvp(spec->argv.v[0], spec->argv.v);
	fprintf(stderr, "upcilab: cannot run %s: %s\n", spec->argv.v[0],
		strerror(errno));
	_exit(127);
}

static void reap(struct run *r, int options)
{
	struct rusage ru;
	int st;

	if (r->exited)
		return;
	if (wait4(r->pid, &st, options, &ru) == r->pid) {
		r->exited = true;
		r->status = st;
		r->res->cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
				(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	}
}

static bool wait_exit(struct run *r, double secs)
{
	struct pollfd p = { .fd = r->pidfd, .events = POLLIN };

	if (!r->exited && poll(&p, 1, (int)(secs * 1000)) > 0)
		reap(r, 0);
	return r->exited;
}

static void stop_qemu(struct run *r)
{
	if (r->exited)
		return;
	if (r->qmp.fd >= 0 && !qmp_command(&r->qmp, "quit") &&
	    wait_exit(r, QUIT_GRACE_S))
		return;
	kill(r->pid, SIGKILL);
	r->killed = true;
	reap(r, 0);
}

static double next_deadline(const struct run *r)
{
	double d = r->vm_deadline;

	if (r->cur >= 0 && r->test_deadline < d)
		d = r->test_deadline;
	if (r->done && r->done_deadline < d)
		d = r->done_deadline;
	if (r->paused_deadline && r->paused_deadline < d)
		d = r->paused_deadline;
	return d;
}

/* QEMU says why it paused on its stderr ("KVM internal error..."). */
static void paused_error(struct run *r)
{
	char *log = read_file(r->spec->qemu_log, NULL);
	char *line = log ? strstr(log, "error") : NULL;

	if (line) {
		while (line > log && line[-1] != '\n')
			line--;
		line[strcspn(line, "\n")] = '\0';
	}
	set_error(r, "QEMU paused the guest (run state %s)%s%s; see %s",
		  r->qmp.run_state ? r->qmp.run_state : "unknown",
		  line ? ": " : "", line ? line : "", r->spec->qemu_log);
	free(log);
}

static void check_deadlines(struct run *r, bool *stop)
{
	double t = now_s();

	if (r->paused_deadline &&
	    (r->qmp.run_state || t >= r->paused_deadline)) {
		paused_error(r);
		*stop = true;
	} else if (r->cur >= 0 && t >= r->test_deadline) {
		const char *in = r->kp ? ktap_running(r->kp) : NULL;

		set_error(r, "test '%s' timed out after %ds%s%s",
			  r->spec->tests[r->cur].name,
			  r->spec->tests[r->cur].timeout_s, in ? " in " : "",
			  in ? in : "");
		*stop = true;
	} else if (r->done && t >= r->done_deadline) {
		*stop = true;	/* results are complete; just not powered off */
	} else if (t >= r->vm_deadline) {
		set_error(r, "VM timed out after %ds (%s)", r->spec->vm_timeout_s,
			  r->next ? "between tests" : "before the first test began");
		*stop = true;
	}
}

static void loop(struct run *r)
{
	bool stop = false;

	while (!stop) {
		struct pollfd p[] = {
			{ .fd = r->con.fd, .events = POLLIN },
			{ .fd = r->ktap.fd, .events = POLLIN },
			{ .fd = r->pidfd, .events = POLLIN },
			{ .fd = r->sigfd, .events = POLLIN },
			{ .fd = r->qmp.fd, .events = POLLIN },
		};
		int ms = (int)((next_deadline(r) - now_s()) * 1000) + 1;

		if (poll(p, ARRAY_SIZE(p), ms < 0 ? 0 : ms) < 0 && errno != EINTR) {
			set_error(r, "poll: %s", strerror(errno));
			break;
		}
		pump(r, &r->con, false);
		pump(r, &r->ktap, false);
		if (r->qmp.fd >= 0 && (p[4].revents & (POLLIN | POLLHUP)) &&
		    qmp_read_events(&r->qmp))
			qmp_disconnect(&r->qmp);
		relay_replies(r);
		/* nothing resumes a paused guest: ask why, then give up */
		if (r->qmp.stopped && !r->paused_deadline) {
			r->paused_deadline = now_s() + RUN_STATE_WAIT_S;
			if (r->qmp.fd < 0 || qmp_command(&r->qmp, "query-status"))
				r->paused_deadline = now_s();
		}
		if (p[3].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
				set_error(r, "interrupted by %s",
					  strsignal((int)si.ssi_signo));
				r->res->interrupted = true;
				break;
			}
		}
		if (p[2].revents & POLLIN) {
			reap(r, 0);
			break;
		}
		check_deadlines(r, &stop);
	}
}

static void describe_exit(struct run *r)
{
	const char *why = r->qmp.shutdown_reason;

	if (r->done || r->res->error)
		return;
	r->died_early = !r->init_seen;
	if (WIFEXITED(r->status))
		set_error(r, "QEMU exited with status %d before the tests finished%s%s (see %s)",
			  WEXITSTATUS(r->status), why ? "; shutdown reason: " : "",
			  why ? why : "", r->spec->qemu_log);
	else
		set_error(r, "QEMU was killed by signal %d before the tests finished",
			  WTERMSIG(r->status));
}

static void finish_tests(struct run *r)
{
	const char *why = r->res->error ? r->res->error : "VM stopped";

	if (r->kp) {
		struct test_node *t = test_node(r, r->cur);

		ktap_end(r->kp);
		ktap_free(r->kp);
		r->kp = NULL;
		t->secs = now_s() - r->test_t0;
		node_set(t, RES_FAIL, why);
	}
	for (size_t i = 0; i < r->spec->ntests; i++) {
		struct test_node *t = test_node(r, (int)i);
		char *s;

		if (t->res != RES_NONE)
			continue;
		s = xasprintf("not run: %s", why);
		node_set(t, RES_FAIL, s);
		free(s);
	}
	/* the VM itself fails only through an error; its tests speak for it */
	node_set(r->res->root, r->res->error ? RES_FAIL : RES_PASS, r->res->error);
	if (r->scan.hits) {
		struct test_node *k = node_add(r->res->root, "guest kernel log");

		node_set(k, RES_FAIL, r->scan.first);
		buf_add(&k->diag, r->scan.excerpt.s, r->scan.excerpt.len);
	}
}

static int setup(struct run *r, const char *name)
{
	const struct vm_spec *s = r->spec;
	sigset_t mask;

	r->res->root = node_new(name);
	for (size_t i = 0; i < s->ntests; i++)
		node_add(r->res->root, s->tests[i].title ? s->tests[i].title :
				       s->tests[i].name);
	r->con.fd = open_fifo(s->console_fifo);
	r->ktap.fd = open_fifo(s->ktap_fifo);
	if (r->con.fd < 0 || r->ktap.fd < 0) {
		set_error(r, "cannot open the serial FIFOs under %s: %s",
			  s->console_fifo, strerror(errno));
		return -1;
	}
	r->con.log_fd = open(s->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r->ktap.log_fd = open(s->ktap_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return 0;
}

/* One boot; true if the guest died before its init spoke */
static bool attempt(const struct vm_spec *spec, const char *name,
		    struct vm_result *res)
{
	struct run r = { .spec = spec, .res = res, .cur = -1, .pidfd = -1,
			 .sigfd = -1, .con.fd = -1, .ktap.fd = -1, .ktap_in = -1,
			 .con.log_fd = -1, .ktap.log_fd = -1 };
	int qlog;

	*res = (struct vm_result){ .boot_s = -1, .cpu_s = -1 };
	r.qmp.fd = -1;
	if (setup(&r, name))
		goto out;
	qlog = open(spec->qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r.t0 = now_s();
	r.vm_deadline = r.t0 + spec->vm_timeout_s;
	progress(&r, "booting");
	r.pid = spawn(spec, qlog);
	if (qlog >= 0)
		close(qlog);
	if (r.pid < 0) {
		set_error(&r, "fork: %s", strerror(errno));
		goto out;
	}
	r.pidfd = pidfd_open(r.pid, 0);
	if (r.pidfd < 0) {
		set_error(&r, "pidfd_open: %s", strerror(errno));
		stop_qemu(&r);
		goto out;
	}
	if (spec->qmp_sock && qmp_connect(&r.qmp, spec->qmp_sock, r.pidfd, 10) &&
	    !wait_exit(&r, 0))
		fprintf(stderr, "upcilab: %s: QMP unavailable; will stop QEMU with signals\n",
			name);
	if (!r.exited)
		loop(&r);
	stop_qemu(&r);
	pump(&r, &r.con, true);
	pump(&r, &r.ktap, true);
	if (r.qmp.fd >= 0)
		qmp_read_events(&r.qmp);
	describe_exit(&r);
	if (r.qmp.shutdown_reason)
		res->shutdown_reason = xstrdup(r.qmp.shutdown_reason);
out:
	finish_tests(&r);
	if (spec->viommu && r.faults.n) {
		char *qlog_text = read_file(spec->qemu_log, NULL);

		fault_trace_report(spec->viommu, &r.faults, qlog_text, res->root);
		free(qlog_text);
	}
	strv_free(&r.faults);
	gcov_stream_free(&r.gcov);
	free(r.gcov_dir);
	res->total_s = r.t0 ? now_s() - r.t0 : 0;
	qmp_close(&r.qmp);
	ktap_free(r.kp);
	logscan_free(&r.scan);
	buf_free(&r.con.line);
	buf_free(&r.ktap.line);
	for (int *fd = (int[]){ r.pidfd, r.sigfd, r.con.fd, r.ktap.fd, r.ktap_in,
				 r.con.log_fd, r.ktap.log_fd, -2 };
	     *fd != -2; fd++)
		if (*fd >= 0)
			close(*fd);
	return r.died_early && !res->interrupted;
}

/* The first boot's logs stay beside the second's, as LOG.1 */
static void keep_first_logs(const struct vm_spec *spec)
{
	for (const char *const *log = (const char *const[]){ spec->console_log,
			spec->ktap_log, spec->qemu_log, NULL }; *log; log++) {
		char *to = xasprintf("%s.1", *log);

		rename(*log, to);
		free(to);
	}
}

int vm_run(const struct vm_spec *spec, const char *name, struct vm_result *res)
{
	char *first;

	if (!attempt(spec, name, res) || !spec->boot_retry)
		return res->error ? -1 : 0;
	/*
	 * Neither the modules nor the tests ran before the init spoke (it
	 * loads and runs them): a guest that died there met the kernel's
	 * boot, its busybox or QEMU (a general protection fault in busybox's
	 * first instructions under TCG on a loaded host, once in about 1500
	 * boots), so it boots once more; the result keeps the first error
	 * and the report names the VM, so a boot that breaks for good still
	 * fails and a flaky one still shows
	 */
	first = xstrdup(res->error);
	keep_first_logs(spec);
	vm_result_free(res);
	attempt(spec, name, res);
	res->retried = first;
	return res->error ? -1 : 0;
}

void vm_result_free(struct vm_result *res)
{
	node_free(res->root);
	free(res->error);
	free(res->shutdown_reason);
	free(res->retried);
	buf_free(&res->pci_table);
	*res = (struct vm_result){ 0 };
}
