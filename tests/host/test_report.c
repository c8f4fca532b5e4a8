// SPDX-License-Identifier: GPL-2.0
/*
 * Reports: node_tally() semantics, the merged KTAP document, JUnit XML and
 * the terminal summary.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"
#include "report.h"
#include "results.h"

#include "kselftest_harness.h"
#include "unit.h"

static struct test_node *leaf(struct test_node *parent, const char *name,
			      enum result res, const char *reason)
{
	struct test_node *n = node_add(parent, name);

	node_set(n, res, reason);
	return n;
}

static struct tally tally_of(const struct test_node *n)
{
	struct tally t = { 0 };

	node_tally(n, &t);
	return t;
}

static void expect_tally(struct __test_metadata *_metadata, struct tally t,
			 int pass, int fail, int skip)
{
	if (t.pass != pass || t.fail != fail || t.skip != skip)
		TH_LOG("want %d/%d/%d pass/fail/skip, got %d/%d/%d", pass, fail,
		       skip, t.pass, t.fail, t.skip);
	EXPECT_EQ(pass, t.pass);
	EXPECT_EQ(fail, t.fail);
	EXPECT_EQ(skip, t.skip);
}

/* ---- node_tally ---- */

TEST(tally_leaves)
{
	struct test_node *r = node_new("r");

	node_set(r, RES_PASS, NULL);
	leaf(r, "p", RES_PASS, NULL);
	leaf(r, "f", RES_FAIL, "broken");
	leaf(r, "s", RES_SKIP, "no hw");
	node_add(r, "never reported");
	expect_tally(_metadata, tally_of(r), 1, 2, 1);
	node_free(r);
}

TEST(tally_failed_parent_with_passing_kids_counts_once)
{
	struct test_node *r = node_new("r"), *t = node_add(r, "test");

	node_set(r, RES_PASS, NULL);
	node_set(t, RES_FAIL, "exit status 1");
	leaf(t, "a", RES_PASS, NULL);
	leaf(t, "b", RES_PASS, NULL);
	expect_tally(_metadata, tally_of(r), 2, 1, 0);
	node_free(r);
}

TEST(tally_failed_parent_with_a_failing_kid_is_not_counted_twice)
{
	struct test_node *t = node_new("test");

	node_set(t, RES_FAIL, "exit status 1");
	leaf(t, "a", RES_PASS, NULL);
	leaf(t, "b", RES_FAIL, NULL);
	expect_tally(_metadata, tally_of(t), 1, 1, 0);
	node_free(t);
}

TEST(tally_unreported_parent_with_passing_kids_counts_as_failure)
{
	struct test_node *t = node_new("test");

	leaf(t, "a", RES_PASS, NULL);
	expect_tally(_metadata, tally_of(t), 1, 1, 0);
	node_free(t);
}

TEST(tally_passing_parent_with_failing_kid)
{
	struct test_node *t = node_new("test");

	node_set(t, RES_PASS, NULL);
	leaf(t, "a", RES_FAIL, NULL);
	leaf(t, "b", RES_SKIP, NULL);
	expect_tally(_metadata, tally_of(t), 0, 1, 1);
	node_free(t);
}

TEST(tally_skipped_parent_counts_its_kids_only)
{
	struct test_node *t = node_new("test");

	node_set(t, RES_SKIP, "no device");
	leaf(t, "a", RES_PASS, NULL);
	expect_tally(_metadata, tally_of(t), 1, 0, 0);
	node_free(t);
}

TEST(tally_deep_failure_hidden_by_passing_ancestors)
{
	struct test_node *t = node_new("t"), *m;

	node_set(t, RES_PASS, NULL);
	m = node_add(t, "mid");
	node_set(m, RES_PASS, NULL);
	leaf(m, "deep", RES_FAIL, NULL);
	leaf(t, "ok", RES_PASS, NULL);
	expect_tally(_metadata, tally_of(t), 1, 1, 0);
	node_free(t);
}

TEST(result_names)
{
	EXPECT_STREQ("PASS", result_name(RES_PASS));
	EXPECT_STREQ("FAIL", result_name(RES_FAIL));
	EXPECT_STREQ("SKIP", result_name(RES_SKIP));
	EXPECT_STREQ("NONE", result_name(RES_NONE));
}

/* vm.c's judge_exit() does node_set(t, RES_SKIP, t->reason). */
TEST(node_set_with_its_own_reason_keeps_it)
{
	struct test_node *n = node_new("t");

	node_set(n, RES_FAIL, "a reason that is long enough to matter");
	node_set(n, RES_SKIP, n->reason);
	EXPECT_EQ(RES_SKIP, n->res);
	ASSERT_NE(NULL, n->reason);
	EXPECT_STREQ("a reason that is long enough to matter", n->reason);
	node_free(n);
}

/* ---- fixtures for the writers ---- */

FIXTURE(rep) {
	char *dir, *path;
	struct report_vm vms[3];
	size_t n;
	char *text;
};

FIXTURE_SETUP(rep)
{
	*self = (FIXTURE_DATA(rep)){ 0 };
	self->dir = make_tmpdir("report");
	ASSERT_NE(NULL, self->dir);
	self->path = xasprintf("%s/out", self->dir);
}

FIXTURE_TEARDOWN(rep)
{
	for (size_t i = 0; i < self->n; i++) {
		vm_result_free(&self->vms[i].res);
		free(self->vms[i].label);
		free(self->vms[i].log_dir);
	}
	if (self->path)
		unlink(self->path);
	if (self->dir)
		rmdir(self->dir);
	free(self->path);
	free(self->dir);
	free(self->text);
}

/* A VM as vm_run() leaves it: root judged, one kid per scenario test. */
static struct test_node *add_vm(FIXTURE_DATA(rep) *self, const char *label,
				const char *error)
{
	struct report_vm *vm = &self->vms[self->n++];

	*vm = (struct report_vm){ .label = xstrdup(label),
				  .log_dir = xasprintf("/logs/%s", label) };
	vm->res.root = node_new(label);
	vm->res.boot_s = 1.5;
	vm->res.total_s = 12.25;
	vm->res.cpu_s = -1;
	if (error)
		vm->res.error = xstrdup(error);
	node_set(vm->res.root, error ? RES_FAIL : RES_PASS, error);
	return vm->res.root;
}

/* Two tests: one passes (2 cases), one fails a case and skips one. */
static void add_mixed_vm(FIXTURE_DATA(rep) *self, const char *label)
{
	struct test_node *root = add_vm(self, label, NULL), *t;

	t = node_add(root, "iommu_enabled");
	node_set(t, RES_PASS, NULL);
	leaf(t, "global.a", RES_PASS, NULL);
	leaf(t, "global.b", RES_PASS, NULL);
	t = node_add(root, "iommu_groups");
	node_set(t, RES_FAIL, "exit status 1");
	leaf(t, "groups.x", RES_FAIL, NULL);
	buf_addf(&t->kids[0]->diag, "# expected 3 got 4\n");
	leaf(t, "groups.y", RES_SKIP, "no \"bridge\" line");
}

static void write_junit(struct __test_metadata *_metadata,
			FIXTURE_DATA(rep) *self)
{
	ASSERT_EQ(0, report_write_junit(self->path, self->vms, self->n));
	self->text = read_file(self->path, NULL);
	ASSERT_NE(NULL, self->text);
}

static void write_ktap(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rep) *self)
{
	ASSERT_EQ(0, report_write_ktap(self->path, self->vms, self->n));
	self->text = read_file(self->path, NULL);
	ASSERT_NE(NULL, self->text);
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The integer value of attribute @attr in the first @tag element. */
static int attr_int(const char *text, const char *tag, const char *attr)
{
	const char *p = strstr(text, tag);
	char *key = xasprintf(" %s=\"", attr);
	const char *v = p ? strstr(p, key) : NULL;
	int n = v ? atoi(v + strlen(key)) : -1;

	free(key);
	return n;
}

/* ---- JUnit ---- */

TEST_F(rep, junit_counts_tests_failures_and_skips)
{
	add_mixed_vm(self, "default/vfio-pci");
	write_junit(_metadata, self);
	EXPECT_TRUE(str_starts(self->text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"));
	EXPECT_EQ(4, attr_int(self->text, "<testsuite ", "tests"));
	EXPECT_EQ(1, attr_int(self->text, "<testsuite ", "failures"));
	EXPECT_EQ(1, attr_int(self->text, "<testsuite ", "skipped"));
	EXPECT_EQ(4, count_of(self->text, "<testcase "));
	EXPECT_EQ(1, count_of(self->text, "<failure "));
	EXPECT_EQ(1, count_of(self->text, "<skipped "));
	EXPECT_NE(NULL, strstr(self->text,
			       "classname=\"default/vfio-pci.iommu_groups\" name=\"groups.x\""));
	EXPECT_NE(NULL, strstr(self->text, "# expected 3 got 4"));
	EXPECT_TRUE(has_line(self->text, "</testsuites>"));
}

TEST_F(rep, junit_escapes_markup_and_control_characters)
{
	struct test_node *root = add_vm(self, "a<b>&\"c\"", NULL);

	leaf(root, "t<1>", RES_FAIL, "x & y \"quoted\" \x01\x1b[31m");
	write_junit(_metadata, self);
	EXPECT_NE(NULL, strstr(self->text, "name=\"a&lt;b&gt;&amp;&quot;c&quot;\""));
	EXPECT_NE(NULL, strstr(self->text, "name=\"t&lt;1&gt;\""));
	EXPECT_NE(NULL, strstr(self->text, "message=\"x &amp; y &quot;quoted&quot; ??[31m\""));
	EXPECT_EQ(NULL, strchr(self->text, '\x01'));
	EXPECT_EQ(NULL, strchr(self->text, '\x1b'));
	EXPECT_EQ(NULL, strstr(self->text, "a<b"));
}

TEST_F(rep, junit_reports_the_vm_error)
{
	struct test_node *root = add_vm(self, "s/none", "QEMU exited with status 1 <early>");

	leaf(root, "t", RES_FAIL, "not run: QEMU exited");
	write_junit(_metadata, self);
	EXPECT_NE(NULL, strstr(self->text,
			       "<system-err>QEMU exited with status 1 &lt;early&gt;</system-err>"));
}

/* The counts in <testsuite> must match the <testcase> elements below it. */
TEST_F(rep, junit_counts_match_testcases_when_the_vm_broke_after_passing)
{
	struct test_node *root = add_vm(self, "s/vfio-pci",
					"guest protocol: unexpected 'begin 3 x'");
	int tests, failures;

	leaf(root, "t1", RES_PASS, NULL);
	leaf(root, "t2", RES_PASS, NULL);
	write_junit(_metadata, self);
	tests = attr_int(self->text, "<testsuite ", "tests");
	failures = attr_int(self->text, "<testsuite ", "failures");
	TH_LOG("tests=%d failures=%d testcases=%d failure elements=%d", tests,
	       failures, count_of(self->text, "<testcase "),
	       count_of(self->text, "<failure "));
	EXPECT_EQ(tests, count_of(self->text, "<testcase "));
	EXPECT_EQ(failures, count_of(self->text, "<failure "));
}

TEST_F(rep, junit_several_vms)
{
	add_mixed_vm(self, "one/vfio-pci");
	add_mixed_vm(self, "two/none");
	write_junit(_metadata, self);
	EXPECT_EQ(2, count_of(self->text, "<testsuite "));
	EXPECT_EQ(2, count_of(self->text, "</testsuite>"));
	EXPECT_EQ(8, count_of(self->text, "<testcase "));
}

TEST_F(rep, junit_to_an_unwritable_path_fails)
{
	add_mixed_vm(self, "x/none");
	EXPECT_EQ(-1, report_write_junit("/nonexistent/dir/junit.xml", self->vms, self->n));
}

/* ---- merged KTAP ---- */

/* Parse @text back with the harness's own KTAP parser. */
static struct test_node *reparse(const char *text)
{
	struct test_node *root = node_new("doc");
	struct ktap *k = ktap_new(root);
	char *copy = xstrdup(text), *save, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ktap_line(k, line);
	ktap_end(k);
	ktap_free(k);
	free(copy);
	return root;
}

static size_t count_ktap_errors(const struct test_node *n)
{
	size_t c = 0;

	for (size_t i = 0; i < n->nkids; i++)
		c += str_starts(n->kids[i]->name, "ktap:") +
		     count_ktap_errors(n->kids[i]);
	return c;
}

/* Each line is a KTAP line: version, plan, result or '#' diagnostic. */
static void expect_only_ktap_lines(struct __test_metadata *_metadata,
				   const char *text)
{
	char *copy = xstrdup(text), *save, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *b = line + strspn(line, " ");
		bool ok = str_starts(b, "KTAP version 1") || str_starts(b, "1..") ||
			  str_starts(b, "ok ") || str_starts(b, "not ok ") ||
			  str_starts(b, "#");

		if (!ok)
			TH_LOG("not a KTAP line: '%s'", line);
		EXPECT_TRUE(ok);
	}
	free(copy);
}

TEST_F(rep, ktap_is_a_valid_nested_document)
{
	struct test_node *doc, *vm, *t;

	add_mixed_vm(self, "default/vfio-pci");
	leaf(add_vm(self, "skipped/none", NULL), "t", RES_SKIP, "no device");
	write_ktap(_metadata, self);
	EXPECT_TRUE(str_starts(self->text, "KTAP version 1\n1..2\n"));
	expect_only_ktap_lines(_metadata, self->text);
	doc = reparse(self->text);
	EXPECT_EQ(0, count_ktap_errors(doc));
	ASSERT_EQ(2, doc->nkids);
	vm = doc->kids[0];
	EXPECT_STREQ("default/vfio-pci", vm->name);
	EXPECT_EQ(RES_FAIL, vm->res);
	ASSERT_EQ(2, vm->nkids);
	EXPECT_STREQ("iommu_enabled", vm->kids[0]->name);
	EXPECT_EQ(RES_PASS, vm->kids[0]->res);
	t = vm->kids[1];
	EXPECT_EQ(RES_FAIL, t->res);
	ASSERT_EQ(2, t->nkids);
	EXPECT_EQ(RES_FAIL, t->kids[0]->res);
	EXPECT_EQ(RES_SKIP, t->kids[1]->res);
	EXPECT_STREQ("no \"bridge\" line", t->kids[1]->reason);
	/* a VM whose tests all skipped is a skip, not a pass */
	EXPECT_STREQ("skipped/none", doc->kids[1]->name);
	EXPECT_EQ(RES_SKIP, doc->kids[1]->res);
	ASSERT_EQ(1, doc->kids[1]->nkids);
	EXPECT_STREQ("no device", doc->kids[1]->kids[0]->reason);
	node_free(doc);
}

TEST_F(rep, ktap_failing_vm_is_not_ok_with_its_error)
{
	struct test_node *root = add_vm(self, "s/vfio-pci", "VM timed out after 5s");

	leaf(root, "t", RES_FAIL, "not run: VM timed out after 5s");
	write_ktap(_metadata, self);
	EXPECT_TRUE(has_line(self->text, "# VM timed out after 5s"));
	EXPECT_TRUE(has_line(self->text, "not ok 1 s/vfio-pci"));
	EXPECT_TRUE(has_line(self->text, "    not ok 1 t"));
}

TEST_F(rep, ktap_vm_error_with_passing_tests_is_still_not_ok)
{
	struct test_node *root = add_vm(self, "s/upci", "interrupted by Interrupt");

	leaf(root, "t", RES_PASS, NULL);
	write_ktap(_metadata, self);
	EXPECT_TRUE(has_line(self->text, "not ok 1 s/upci"));
	EXPECT_TRUE(has_line(self->text, "    ok 1 t"));
}

TEST_F(rep, ktap_passing_vm_is_ok)
{
	struct test_node *root = add_vm(self, "s/none", NULL);

	leaf(root, "t", RES_PASS, NULL);
	leaf(root, "u", RES_SKIP, "no device");
	write_ktap(_metadata, self);
	EXPECT_TRUE(has_line(self->text, "ok 1 s/none"));
	EXPECT_TRUE(has_line(self->text, "    ok 2 u # SKIP no device"));
	EXPECT_EQ(NULL, strstr(self->text, "not ok"));
}

/* Errors can span lines (e.g. several modules missing from modules.dep). */
TEST_F(rep, ktap_multi_line_reason_stays_a_comment)
{
	struct test_node *root = add_vm(self, "s/vfio-pci",
		"building the guest image failed: kernel module 'a' is not in modules.dep\n"
		"kernel module 'b' is not in modules.dep");

	leaf(root, "t", RES_FAIL, root->reason);
	write_ktap(_metadata, self);
	expect_only_ktap_lines(_metadata, self->text);
}

TEST_F(rep, ktap_to_an_unwritable_path_fails)
{
	add_vm(self, "x/none", NULL);
	EXPECT_EQ(-1, report_write_ktap("/nonexistent/dir/r.ktap", self->vms, self->n));
}

/* ---- terminal summary ---- */

/* What report_vm prints of VM @i */
static char *report_vm_text(FIXTURE_DATA(rep) *self, size_t i, bool verbose)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	report_vm(f, &self->vms[i], verbose);
	fclose(f);
	return s;
}

static char *summary(FIXTURE_DATA(rep) *self, bool verbose)
{
	return report_vm_text(self, 0, verbose);
}

/* What one of the run's closing lines (report_cpu, ...) prints */
static char *run_line(FIXTURE_DATA(rep) *self,
		      void (*line)(FILE *, const struct report_vm *, size_t))
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	line(f, self->vms, self->n);
	fclose(f);
	return s;
}

TEST_F(rep, summary_of_a_passing_vm)
{
	struct test_node *root = add_vm(self, "s/none", NULL);

	leaf(root, "t", RES_PASS, NULL);
	self->text = summary(self, false);
	EXPECT_TRUE(str_starts(self->text, "ok   s/none"));
	EXPECT_NE(NULL, strstr(self->text, "1 passed, 0 failed, 0 skipped"));
	EXPECT_EQ(NULL, strstr(self->text, "failures:"));
}

TEST_F(rep, summary_of_a_failing_vm_lists_failures_and_logs)
{
	add_mixed_vm(self, "default/vfio-pci");
	self->text = summary(self, false);
	EXPECT_TRUE(str_starts(self->text, "FAIL default/vfio-pci"));
	EXPECT_NE(NULL, strstr(self->text, "2 passed, 1 failed, 1 skipped"));
	EXPECT_NE(NULL, strstr(self->text, "failures:"));
	EXPECT_NE(NULL, strstr(self->text, "FAIL groups.x"));
	EXPECT_NE(NULL, strstr(self->text, "| # expected 3 got 4"));
	EXPECT_NE(NULL, strstr(self->text, "logs: /logs/default/vfio-pci/{console,ktap,qemu}.log"));
}

TEST_F(rep, summary_of_a_broken_vm_shows_the_error)
{
	struct test_node *root = add_vm(self, "s/none", "QEMU exited with status 3");

	leaf(root, "t", RES_FAIL, "not run: QEMU exited with status 3");
	self->text = summary(self, false);
	EXPECT_TRUE(str_starts(self->text, "FAIL s/none"));
	EXPECT_NE(NULL, strstr(self->text, "error: QEMU exited with status 3"));
}

TEST_F(rep, summary_shows_bench_lines_and_nothing_else_of_the_diagnostics)
{
	struct test_node *root = add_vm(self, "bench/upci", NULL), *t, *c;

	t = node_add(root, "bench_drivers");
	node_set(t, RES_PASS, NULL);
	c = leaf(t, "copy.desc_4k.throughput", RES_PASS, NULL);
	buf_addf(&c->diag, "#  RUN copy\n# bench: copy desc=4KiB ratio=0.98\n"
		 "# not a # bench: line\n# bench: last");
	self->text = summary(self, false);
	EXPECT_NE(NULL, strstr(self->text, "\n         bench: copy desc=4KiB ratio=0.98\n"));
	EXPECT_NE(NULL, strstr(self->text, "\n         bench: last\n"));
	EXPECT_EQ(NULL, strstr(self->text, "RUN copy"));
	EXPECT_EQ(NULL, strstr(self->text, "not a"));
	EXPECT_EQ(2, count_of(self->text, "bench: "));
}

TEST_F(rep, summary_shows_qemus_cpu_seconds_when_known)
{
	struct test_node *root = add_vm(self, "s/none", NULL);

	leaf(root, "t", RES_PASS, NULL);
	self->text = summary(self, false);
	EXPECT_NE(NULL, strstr(self->text, "total 12.2s  cpu -\n"));
	free(self->text);
	self->vms[0].res.cpu_s = 10.5;
	self->text = summary(self, false);
	EXPECT_NE(NULL, strstr(self->text, "total 12.2s  cpu 10.5s\n"));
}

TEST_F(rep, cpu_line_sums_the_vms_whose_cpu_is_known)
{
	add_vm(self, "one/none", NULL);
	add_vm(self, "two/none", NULL);
	add_vm(self, "three/none", NULL);
	self->text = run_line(self, report_cpu);
	EXPECT_STREQ("", self->text);
	free(self->text);
	self->vms[0].res.cpu_s = 10.5;
	self->vms[2].res.cpu_s = 2.25;
	self->text = run_line(self, report_cpu);
	EXPECT_STREQ("cpu: QEMU used 12.8 CPU-seconds in 2 VMs (24.5 VM-seconds)\n", self->text);
}

/* A VM that booted with kmemleak=off says so; one that scanned is the norm */
TEST_F(rep, summary_and_kmemleak_line_name_the_vms_with_kmemleak_off)
{
	add_vm(self, "one/upci", NULL);
	add_vm(self, "two/upci", NULL);
	add_vm(self, "three/upci", NULL);
	self->text = run_line(self, report_kmemleak);
	EXPECT_STREQ("", self->text);	/* the stock kernel has no kmemleak */
	free(self->text);
	self->vms[0].res.kmemleak = LEAK_OFF;
	self->vms[1].res.kmemleak = LEAK_SCANNED;
	self->vms[2].res.kmemleak = LEAK_OFF;
	self->text = run_line(self, report_kmemleak);
	EXPECT_STREQ("kmemleak: scanned in 1 VMs, off (not scanned) in 2: one/upci, three/upci\n",
		     self->text);
	free(self->text);
	self->text = summary(self, false);
	EXPECT_NE(NULL, strstr(self->text, "cpu -  kmemleak off\n"));
	free(self->text);
	self->text = report_vm_text(self, 1, false);
	EXPECT_NE(NULL, strstr(self->text, "cpu -\n"));
}

/* A VM booted twice says why under its line, and the run names them */
TEST_F(rep, a_vm_booted_twice_says_why_and_the_run_names_it)
{
	add_vm(self, "one/upci", NULL);
	add_vm(self, "two/upci", NULL);
	self->text = run_line(self, report_retried);
	EXPECT_STREQ("", self->text);
	free(self->text);
	self->vms[1].res.retried = xstrdup("QEMU exited with status 0 before the tests finished");
	self->text = run_line(self, report_retried);
	EXPECT_STREQ("booted twice: 1 VM whose first boot died before the init: two/upci\n",
		     self->text);
	free(self->text);
	self->text = report_vm_text(self, 1, false);
	EXPECT_NE(NULL, strstr(self->text, "\n     booted twice: the first boot died before the init: "
				"QEMU exited with status 0 before the tests finished\n"
				"     its logs: ")) TH_LOG("%s", self->text);
	EXPECT_NE(NULL, strstr(self->text, "/{console,ktap,qemu}.log.1\n"));
	free(self->text);
	self->text = report_vm_text(self, 0, false);
	EXPECT_EQ(NULL, strstr(self->text, "booted twice"));
}

TEST_F(rep, report_tally_sums_vms)
{
	struct tally t;

	add_mixed_vm(self, "one/vfio-pci");
	add_mixed_vm(self, "two/none");
	t = report_tally(self->vms, self->n);
	expect_tally(_metadata, t, 4, 2, 2);
}

TEST_HARNESS_MAIN
