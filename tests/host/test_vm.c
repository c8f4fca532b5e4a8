// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU supervisor, with tests/host/fake-qemu.sh playing QEMU and the
 * guest: every way a run can end must leave the fake reaped, every test with
 * a result, the right reason, and the logs of what was said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"
#include "vm.h"

#include "kselftest_harness.h"
#include "unit.h"

#define TEST_TIMEOUT_S 2
#define HANG_TEST_TIMEOUT_S 1
#define VM_TIMEOUT_S 4
#define GRACE_S 1
#define SLACK_S 3.0

FIXTURE(vm) {
	char *dir, *fake, *console, *ktap, *pidfile;
	char *console_log, *ktap_log, *qemu_log;
	struct scn_test tests[3];
	struct vm_spec spec;
	struct vm_result res;
	struct strv progress;
	int ret;
	double secs;
};

static void on_progress(void *ctx, const char *what)
{
	strv_add(ctx, what);
}

FIXTURE_SETUP(vm)
{
	char *root = repo_root();
	static const char *const names[] = { "alpha", "beta", "gamma" };

	*self = (FIXTURE_DATA(vm)){ 0 };
	self->dir = make_tmpdir("vm");
	ASSERT_NE(NULL, self->dir);
	self->fake = xasprintf("%s/tests/host/fake-qemu.sh", root);
	free(root);
	ASSERT_EQ(0, access(self->fake, R_OK)) TH_LOG("%s: %s", self->fake, strerror(errno));
	self->console = xasprintf("%s/console", self->dir);
	self->ktap = xasprintf("%s/ktap", self->dir);
	self->pidfile = xasprintf("%s/fake.pid", self->dir);
	self->console_log = xasprintf("%s/console.log", self->dir);
	self->ktap_log = xasprintf("%s/ktap.log", self->dir);
	self->qemu_log = xasprintf("%s/qemu.log", self->dir);
	ASSERT_EQ(0, vm_make_fifos(self->console));
	ASSERT_EQ(0, vm_make_fifos(self->ktap));
	for (int i = 0; i < 3; i++)
		self->tests[i] = (struct scn_test){ .name = (char *)names[i],
						    .timeout_s = TEST_TIMEOUT_S,
						    .line = i + 1 };
	strv_add(&self->spec.argv, "bash");
	strv_add(&self->spec.argv, self->fake);
	strv_add(&self->spec.argv, "-nodefaults");
	strv_add(&self->spec.argv, "-chardev");
	strv_addf(&self->spec.argv, "pipe,id=console,path=%s", self->console);
	strv_add(&self->spec.argv, "-serial");
	strv_add(&self->spec.argv, "chardev:console");
	strv_add(&self->spec.argv, "-chardev");
	strv_addf(&self->spec.argv, "pipe,id=ktap,path=%s", self->ktap);
	self->spec.console_fifo = self->console;
	self->spec.ktap_fifo = self->ktap;
	self->spec.qmp_sock = NULL;
	self->spec.console_log = self->console_log;
	self->spec.ktap_log = self->ktap_log;
	self->spec.qemu_log = self->qemu_log;
	self->spec.tests = self->tests;
	self->spec.ntests = 3;
	self->spec.vm_timeout_s = VM_TIMEOUT_S;
	self->spec.poweroff_grace_s = GRACE_S;
	self->spec.progress = on_progress;
	self->spec.progress_ctx = &self->progress;
	self->spec.boot_retry = true;
	setenv("FAKE_TESTS", "alpha beta gamma", 1);
	setenv("FAKE_QEMU_PIDFILE", self->pidfile, 1);
}

FIXTURE_TEARDOWN(vm)
{
	vm_result_free(&self->res);
	strv_free(&self->spec.argv);
	strv_free(&self->progress);
	if (self->dir)
		rm_rf(self->dir);
	free(self->dir);
	free(self->fake);
	free(self->console);
	free(self->ktap);
	free(self->pidfile);
	free(self->console_log);
	free(self->ktap_log);
	free(self->qemu_log);
}

/* Run the fake in @mode; the fake must be gone when vm_run() returns. */
static void run(struct __test_metadata *_metadata, FIXTURE_DATA(vm) *self,
		const char *mode)
{
	double t0 = now_s();
	char *pidtext;
	bool alive;
	pid_t pid;

	setenv("FAKE_QEMU_MODE", mode, 1);
	self->ret = vm_run(&self->spec, "fake/none", &self->res);
	self->secs = now_s() - t0;
	TH_LOG("%s: returned %d after %.2fs, error: %s", mode, self->ret,
	       self->secs, self->res.error ? self->res.error : "(none)");
	ASSERT_NE(NULL, self->res.root);
	pidtext = read_file(self->pidfile, NULL);
	ASSERT_NE(NULL, pidtext) TH_LOG("the fake never started (see %s)", self->qemu_log);
	pid = (pid_t)atoi(pidtext);
	free(pidtext);
	ASSERT_GT(pid, 1);
	alive = kill(pid, 0) == 0 || errno != ESRCH;
	EXPECT_FALSE(alive) TH_LOG("fake QEMU %d still exists", pid);
}

static const struct test_node *test_named(const struct vm_result *res,
					  const char *name)
{
	for (size_t i = 0; i < res->root->nkids; i++)
		if (!strcmp(res->root->kids[i]->name, name))
			return res->root->kids[i];
	return NULL;
}

/* Test @name has result @res and a reason containing @why (NULL: none). */
static void expect_test(struct __test_metadata *_metadata,
			const struct vm_result *r, const char *name,
			enum result res, const char *why)
{
	const struct test_node *t = test_named(r, name);

	ASSERT_NE(NULL, t) TH_LOG("no test %s", name);
	EXPECT_EQ(res, t->res) TH_LOG("%s is %s (%s)", name, result_name(t->res),
				      t->reason ? t->reason : "no reason");
	if (why) {
		EXPECT_NE(NULL, t->reason ? strstr(t->reason, why) : NULL)
			TH_LOG("%s: want '%s' in '%s'", name, why,
			       t->reason ? t->reason : "(null)");
	}
}

static void expect_error(struct __test_metadata *_metadata,
			 const struct vm_result *r, const char *phrase)
{
	ASSERT_NE(NULL, r->error) TH_LOG("want an error with '%s'", phrase);
	EXPECT_NE(NULL, strstr(r->error, phrase)) TH_LOG("error: %s", r->error);
	EXPECT_EQ(RES_FAIL, r->root->res);
}

static void expect_tally(struct __test_metadata *_metadata,
			 const struct vm_result *r, int pass, int fail, int skip)
{
	struct tally t = { 0 };

	node_tally(r->root, &t);
	if (t.pass != pass || t.fail != fail || t.skip != skip)
		TH_LOG("want %d/%d/%d pass/fail/skip, got %d/%d/%d", pass, fail,
		       skip, t.pass, t.fail, t.skip);
	EXPECT_EQ(pass, t.pass);
	EXPECT_EQ(fail, t.fail);
	EXPECT_EQ(skip, t.skip);
}

static void expect_in_file(struct __test_metadata *_metadata, const char *path,
			   const char *text)
{
	char *s = read_file(path, NULL);

	EXPECT_NE(NULL, s ? strstr(s, text) : NULL)
		TH_LOG("want '%s' in %s:\n%s", text, path, s ? s : "(unreadable)");
	free(s);
}

static bool has_progress(const struct strv *p, const char *what)
{
	for (size_t i = 0; i < p->n; i++)
		if (strstr(p->v[i], what))
			return true;
	return false;
}

/* ---- runs that complete ---- */

TEST_F(vm, pass)
{
	const struct test_node *a;

	run(_metadata, self, "pass");
	EXPECT_EQ(0, self->ret);
	EXPECT_NULL(self->res.error);
	EXPECT_EQ(RES_PASS, self->res.root->res);
	EXPECT_STREQ("fake/none", self->res.root->name);
	ASSERT_EQ(3, self->res.root->nkids);
	expect_test(_metadata, &self->res, "alpha", RES_PASS, NULL);
	expect_test(_metadata, &self->res, "beta", RES_PASS, NULL);
	expect_test(_metadata, &self->res, "gamma", RES_PASS, NULL);
	a = test_named(&self->res, "alpha");
	ASSERT_EQ(1, a->nkids);
	EXPECT_STREQ("global.alpha", a->kids[0]->name);
	EXPECT_EQ(RES_PASS, a->kids[0]->res);
	expect_tally(_metadata, &self->res, 3, 0, 0);
	EXPECT_GE(self->res.boot_s, 0);
	EXPECT_GE(self->res.cpu_s, 0);
	EXPECT_LT(self->res.cpu_s, 0.3);
	EXPECT_LT(self->secs, SLACK_S);
	EXPECT_STREQ("0000:00:03.0 03.0 1234:11e8 group=3 driver=vfio-pci\n",
		     self->res.pci_table.s);
	EXPECT_TRUE(has_progress(&self->progress, "booting"));
	EXPECT_TRUE(has_progress(&self->progress, "beta (2/3)"));
}

/* Whether the guest's kmemleak looked (harness/image.c's leak check) */
TEST_F(vm, the_kmemleak_verdict_is_kept)
{
	run(_metadata, self, "pass");
	EXPECT_EQ(LEAK_NONE, self->res.kmemleak);
	vm_result_free(&self->res);
	run(_metadata, self, "kmemleak_scanned");
	EXPECT_NULL(self->res.error);
	EXPECT_EQ(LEAK_SCANNED, self->res.kmemleak);
	vm_result_free(&self->res);
	run(_metadata, self, "kmemleak_off");
	EXPECT_NULL(self->res.error);
	EXPECT_EQ(LEAK_OFF, self->res.kmemleak);
	expect_tally(_metadata, &self->res, 3, 0, 0);
}

/* QEMU's CPU time is what a VM costs a loaded machine, wall time is not */
TEST_F(vm, cpu_seconds_are_qemus_own)
{
	/* CPU time is the same on a loaded host, wall time is not */
	self->spec.vm_timeout_s = 60;
	for (size_t i = 0; i < self->spec.ntests; i++)
		self->tests[i].timeout_s = 60;
	run(_metadata, self, "busy");
	EXPECT_NULL(self->res.error);
	EXPECT_GT(self->res.cpu_s, 0.2);
	EXPECT_LE(self->res.cpu_s, self->res.total_s + 0.05);
}

TEST_F(vm, logs_hold_what_was_said)
{
	run(_metadata, self, "pass");
	expect_in_file(_metadata, self->console_log, "[    0.000000] Linux version 6.12.0-fake\n");
	expect_in_file(_metadata, self->ktap_log, "# upcilab: init\n");
	expect_in_file(_metadata, self->ktap_log, "ok 1 global.gamma\n");
	expect_in_file(_metadata, self->ktap_log, "# upcilab: done\n");
	expect_in_file(_metadata, self->qemu_log, "fake-qemu: mode pass");
}

/* mockdma.c's counters go where the spec says, whatever the harness's
 * own environment holds, and only QEMU's environment changes */
TEST_F(vm, qemu_gets_the_gcov_prefix)
{
	char *dir = xasprintf("%s/qemu-gcov", self->dir);
	char *line = xasprintf("fake-qemu: GCOV_PREFIX=%s GCOV_PREFIX_STRIP=0\n", dir);

	unsetenv("GCOV_PREFIX");
	setenv("GCOV_PREFIX_STRIP", "3", 1);
	self->spec.gcov_prefix = dir;
	run(_metadata, self, "pass");
	expect_in_file(_metadata, self->qemu_log, line);
	EXPECT_NULL(getenv("GCOV_PREFIX"));
	EXPECT_STREQ("3", getenv("GCOV_PREFIX_STRIP"));
	unsetenv("GCOV_PREFIX_STRIP");
	free(line);
	free(dir);
}

TEST_F(vm, no_gcov_prefix_leaves_it_unset)
{
	unsetenv("GCOV_PREFIX");
	unsetenv("GCOV_PREFIX_STRIP");
	run(_metadata, self, "pass");
	expect_in_file(_metadata, self->qemu_log,
		       "fake-qemu: GCOV_PREFIX=unset GCOV_PREFIX_STRIP=unset\n");
}

TEST_F(vm, skip)
{
	run(_metadata, self, "skip");
	EXPECT_NULL(self->res.error);
	expect_test(_metadata, &self->res, "alpha", RES_SKIP, NULL);
	expect_test(_metadata, &self->res, "gamma", RES_SKIP, NULL);
	expect_tally(_metadata, &self->res, 0, 0, 3);
}

/* "1..0 # SKIP why" says why the whole test skipped: keep it. */
TEST_F(vm, skip_keeps_the_reason_of_the_empty_plan)
{
	run(_metadata, self, "skip");
	expect_test(_metadata, &self->res, "alpha", RES_SKIP, "no device");
}

TEST_F(vm, bad_exit_status_fails_a_test_whose_cases_passed)
{
	const struct test_node *a;

	run(_metadata, self, "bad_exit");
	EXPECT_NULL(self->res.error);
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "exit status 1");
	expect_test(_metadata, &self->res, "beta", RES_PASS, NULL);
	a = test_named(&self->res, "alpha");
	ASSERT_EQ(1, a->nkids);
	EXPECT_EQ(RES_PASS, a->kids[0]->res);
	/* its passing case, the two others, and alpha itself failing */
	expect_tally(_metadata, &self->res, 3, 1, 0);
}

TEST_F(vm, no_poweroff_after_done_is_stopped_without_blame)
{
	run(_metadata, self, "no_poweroff");
	EXPECT_NULL(self->res.error);
	EXPECT_EQ(RES_PASS, self->res.root->res);
	expect_tally(_metadata, &self->res, 3, 0, 0);
	EXPECT_LT(self->secs, GRACE_S + SLACK_S);
}

TEST_F(vm, kernel_warning_fails_the_vm_with_the_excerpt)
{
	const struct test_node *k;

	run(_metadata, self, "warning");
	expect_test(_metadata, &self->res, "alpha", RES_PASS, NULL);
	k = test_named(&self->res, "guest kernel log");
	ASSERT_NE(NULL, k);
	EXPECT_EQ(RES_FAIL, k->res);
	EXPECT_STREQ("WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x0", k->reason);
	EXPECT_NE(NULL, strstr(k->diag.s, "Call Trace:"));
	expect_tally(_metadata, &self->res, 3, 1, 0);
}

/* ---- runs that end badly ---- */

TEST_F(vm, hang_in_test_times_out_naming_the_case)
{
	self->tests[0].timeout_s = HANG_TEST_TIMEOUT_S;
	run(_metadata, self, "hang_in_test");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "test 'alpha' timed out after 1s in global.slow");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "timed out");
	expect_test(_metadata, &self->res, "beta", RES_FAIL, "not run: test 'alpha' timed out");
	expect_test(_metadata, &self->res, "gamma", RES_FAIL, "not run");
	expect_tally(_metadata, &self->res, 0, 3, 0);
	EXPECT_LT(self->secs, HANG_TEST_TIMEOUT_S + SLACK_S);
	EXPECT_GE(self->secs, HANG_TEST_TIMEOUT_S - 0.1);
}

TEST_F(vm, hang_at_boot_hits_the_vm_timeout)
{
	self->spec.vm_timeout_s = 2;
	run(_metadata, self, "hang_boot");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "VM timed out after 2s (before the first test began)");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "not run: VM timed out");
	expect_test(_metadata, &self->res, "gamma", RES_FAIL, "not run: VM timed out");
	EXPECT_LT(self->res.boot_s, 0);
	EXPECT_LT(self->secs, 2 + SLACK_S);
	EXPECT_GE(self->secs, 2 - 0.1);
	expect_in_file(_metadata, self->console_log, "Linux version");
	/* a boot that hangs is waited for once: the timeout is the verdict */
	EXPECT_EQ(NULL, self->res.retried);
}

TEST_F(vm, crash_reports_the_exit_status)
{
	run(_metadata, self, "crash");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "QEMU exited with status 3 before the tests finished");
	EXPECT_NE(NULL, strstr(self->res.error, self->qemu_log));
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "status 3");
	expect_test(_metadata, &self->res, "beta", RES_FAIL, "not run: QEMU exited with status 3");
	expect_tally(_metadata, &self->res, 0, 3, 0);
	EXPECT_LT(self->secs, SLACK_S);
	/* after the init spoke, a death is the scenario's: no second boot */
	EXPECT_EQ(NULL, self->res.retried);
}

/*
 * A guest that dies before its init spoke boots once more: the second
 * boot's result is the VM's, the first's error and logs are kept
 */
TEST_F(vm, a_death_before_the_init_boots_once_more)
{
	char *state = xasprintf("%s/booted", self->dir);
	char *first_log = xasprintf("%s.1", self->console_log);

	setenv("FAKE_QEMU_STATE", state, 1);
	run(_metadata, self, "early_death_once");
	EXPECT_EQ(0, self->ret);
	EXPECT_EQ(NULL, self->res.error);
	expect_tally(_metadata, &self->res, 3, 0, 0);
	ASSERT_NE(NULL, self->res.retried);
	EXPECT_NE(NULL, strstr(self->res.retried, "QEMU exited with status 0 before the tests finished"))
		TH_LOG("retried: %s", self->res.retried);
	expect_in_file(_metadata, first_log, "Attempted to kill init");
	expect_in_file(_metadata, self->console_log, "Linux version");
	unsetenv("FAKE_QEMU_STATE");
	free(state);
	free(first_log);
}

/* Once: a guest that dies before its init on each boot fails */
TEST_F(vm, a_guest_that_dies_before_the_init_twice_fails)
{
	char *first_log = xasprintf("%s.1", self->console_log);

	run(_metadata, self, "early_death");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "QEMU exited with status 0 before the tests finished");
	expect_tally(_metadata, &self->res, 0, 4, 0);
	EXPECT_NE(NULL, self->res.retried);
	expect_in_file(_metadata, first_log, "general protection fault");
	expect_in_file(_metadata, self->console_log, "general protection fault");
	free(first_log);
}

/* Without boot_retry (repro --gdb) the first death is the verdict */
TEST_F(vm, no_second_boot_without_boot_retry)
{
	char *first_log = xasprintf("%s.1", self->console_log);

	self->spec.boot_retry = false;
	run(_metadata, self, "early_death");
	EXPECT_EQ(-1, self->ret);
	EXPECT_EQ(NULL, self->res.retried);
	EXPECT_NE(0, access(first_log, F_OK));
	free(first_log);
}

TEST_F(vm, panic_is_reported_from_the_console)
{
	const struct test_node *k;

	run(_metadata, self, "panic");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "QEMU exited with status 0 before the tests finished");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, NULL);
	k = test_named(&self->res, "guest kernel log");
	ASSERT_NE(NULL, k);
	EXPECT_EQ(RES_FAIL, k->res);
	EXPECT_STREQ("Kernel panic - not syncing: fake", k->reason);
	EXPECT_NE(NULL, strstr(k->diag.s, "[    1.000000] Kernel panic - not syncing: fake"));
	EXPECT_NE(NULL, strstr(k->diag.s, "CPU: 0 PID: 1 Comm: init"));
	expect_tally(_metadata, &self->res, 0, 4, 0);
}

TEST_F(vm, setup_failure_fails_every_test)
{
	run(_metadata, self, "setup_failed");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "guest setup failed: insmod x.ko");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "not run: guest setup failed: insmod x.ko");
	expect_test(_metadata, &self->res, "beta", RES_FAIL, "not run: guest setup failed");
	expect_test(_metadata, &self->res, "gamma", RES_FAIL, "not run: guest setup failed");
	expect_tally(_metadata, &self->res, 0, 3, 0);
}

/* upcilab repro --until-fail: the runs after a failure are skipped, with why */
TEST_F(vm, guest_skips_keep_their_reason)
{
	run(_metadata, self, "guest_skip");
	EXPECT_NULL(self->res.error);
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "exit status 1");
	expect_test(_metadata, &self->res, "beta", RES_SKIP, "stopped after run 1 failed");
	expect_test(_metadata, &self->res, "gamma", RES_SKIP, "stopped after run 1 failed");
	expect_tally(_metadata, &self->res, 1, 1, 2);	/* alpha's one case passed */
}

TEST_F(vm, out_of_order_skip_is_a_protocol_error)
{
	run(_metadata, self, "skip_out_of_order");
	expect_error(_metadata, &self->res, "guest protocol: unexpected 'skip 2 beta'");
}

TEST_F(vm, out_of_order_begin_is_a_protocol_error)
{
	run(_metadata, self, "out_of_order");
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "guest protocol: unexpected 'begin 2 beta'");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "not run");
	expect_test(_metadata, &self->res, "beta", RES_FAIL, "not run");
}

TEST_F(vm, qemu_that_cannot_start)
{
	free(self->spec.argv.v[0]);
	self->spec.argv.v[0] = xstrdup("/nonexistent/qemu-system-x86_64");
	setenv("FAKE_QEMU_MODE", "pass", 1);
	self->ret = vm_run(&self->spec, "fake/none", &self->res);
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "QEMU exited with status 127");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "not run");
	expect_in_file(_metadata, self->qemu_log, "cannot run /nonexistent/qemu-system-x86_64");
}

TEST_F(vm, missing_fifos)
{
	double t0 = now_s();

	self->spec.console_fifo = "/nonexistent/console";
	self->ret = vm_run(&self->spec, "fake/none", &self->res);
	EXPECT_EQ(-1, self->ret);
	expect_error(_metadata, &self->res, "cannot open the serial FIFOs");
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "not run");
	expect_test(_metadata, &self->res, "gamma", RES_FAIL, "not run");
	EXPECT_LT(now_s() - t0, 1.0);
	/* nothing was started */
	EXPECT_NE(0, access(self->pidfile, F_OK));
}

/*
 * A QMP server playing QEMU after a KVM internal error: greeting, a STOP
 * event, the run state if @answer, and on "quit" it ends the fake.
 */
static pid_t paused_qmp_server(FIXTURE_DATA(vm) *self, bool answer)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	char buf[4096];
	pid_t pid;
	int c;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", self->spec.qmp_sock);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		return -1;
	pid = fork();
	if (pid) {
		close(l);
		return pid;
	}
	c = accept(l, NULL, NULL);
	if (c < 0 || dprintf(c, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n") < 0)
		_exit(2);
	for (ssize_t n; (n = read(c, buf, sizeof(buf) - 1)) > 0;) {
		buf[n] = '\0';
		if (strstr(buf, "qmp_capabilities")) {
			dprintf(c, "{\"return\": {}}\r\n");
			usleep(300000);
			dprintf(c, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n");
		}
		if (strstr(buf, "query-status") && answer)
			dprintf(c, "{\"return\": {\"status\": \"internal-error\", \"running\": false}}\r\n");
		if (strstr(buf, "quit")) {
			char *pidtext = read_file(self->pidfile, NULL);

			if (pidtext)
				kill((pid_t)atoi(pidtext), SIGKILL);
			_exit(0);
		}
	}
	_exit(0);
}

static void run_paused(struct __test_metadata *_metadata,
		       FIXTURE_DATA(vm) *self, bool answer)
{
	pid_t server;

	self->spec.qmp_sock = xasprintf("%s/qmp.sock", self->dir);
	self->spec.vm_timeout_s = 60;
	self->tests[0].timeout_s = 60;
	server = paused_qmp_server(self, answer);
	ASSERT_LT(0, server);
	run(_metadata, self, "paused");
	waitpid(server, NULL, 0);
	free((char *)self->spec.qmp_sock);
	EXPECT_EQ(-1, self->ret);
	expect_test(_metadata, &self->res, "alpha", RES_FAIL, "QEMU paused the guest");
	expect_test(_metadata, &self->res, "beta", RES_FAIL, "not run: QEMU paused the guest");
	/* at once, not after the test's or the VM's timeout */
	EXPECT_LT(self->secs, SLACK_S);
}

TEST_F(vm, paused_guest_fails_at_once_with_the_run_state)
{
	run_paused(_metadata, self, true);
	expect_error(_metadata, &self->res,
		     "QEMU paused the guest (run state internal-error): KVM internal error. Suberror: 1; see ");
	EXPECT_NE(NULL, strstr(self->res.error, self->qemu_log));
}

TEST_F(vm, paused_guest_without_a_run_state_still_fails)
{
	run_paused(_metadata, self, false);
	expect_error(_metadata, &self->res, "QEMU paused the guest (run state unknown): KVM internal error");
}

/* ---- vm_make_fifos ---- */

TEST_F(vm, make_fifos_creates_both_ends)
{
	struct stat st;
	char *p;

	p = xasprintf("%s.in", self->console);
	EXPECT_EQ(0, stat(p, &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	free(p);
	p = xasprintf("%s.out", self->ktap);
	EXPECT_EQ(0, stat(p, &st));
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	free(p);
	/* again over existing ones */
	EXPECT_EQ(0, vm_make_fifos(self->console));
}

TEST(make_fifos_in_a_missing_directory)
{
	EXPECT_EQ(-ENOENT, vm_make_fifos("/nonexistent/dir/console"));
}

TEST_HARNESS_MAIN
