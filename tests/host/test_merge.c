// SPDX-License-Identifier: GPL-2.0
/* upcilab merge: shards joined in run order; a missing or doubled shard fails. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "merge.h"
#include "report_github.h"
#include "result_file.h"
#include "run_file.h"

#include "kselftest_harness.h"
#include "unit.h"

/* The run: 4 VMs, in this order; shard 1 has places 0 and 3, shard 2 1 and 2. */
static const char *const run_labels[] = { "a/upci", "b/vfio-pci", "c/upci", "d/none" };

FIXTURE(mg) {
	char top[64];
	char *dir[4];
	struct report_vm *vms;
	size_t n;
	struct buf err;
};

static void write_vm(const char *dir, const char *label, bool fail)
{
	struct vm_result r = { .boot_s = 1, .total_s = 10 };
	struct test_node *t;
	char *flat = result_dir_name(label), *d = xasprintf("%s/%s", dir, flat);
	char *path = xasprintf("%s/" RESULT_FILE_NAME, d);

	mkdir_p(d);
	r.root = node_new(label);
	node_set(r.root, fail ? RES_FAIL : RES_PASS, NULL);
	t = node_add(r.root, "t1");
	node_set(t, fail ? RES_FAIL : RES_PASS, NULL);
	t = node_add(t, "case");
	node_set(t, fail ? RES_FAIL : RES_PASS, fail ? "50% of it\nbroke" : NULL);
	result_file_save(path, label, &r);
	vm_result_free(&r);
	free(path);
	free(d);
	free(flat);
}

static void write_shard(const char *dir, int shard, int shards, size_t total,
			const size_t *places, size_t n)
{
	char *labels[4];
	struct run_file rf = { .shard = shard, .shards = shards, .total = total,
			       .labels = labels, .places = (size_t *)places, .n = n };
	char *path = xasprintf("%s/" RUN_FILE_NAME, dir);

	mkdir_p(dir);
	for (size_t i = 0; i < n; i++) {
		labels[i] = (char *)run_labels[places[i]];
		write_vm(dir, labels[i], places[i] == 2);
	}
	run_file_save(path, &rf);
	free(path);
}

FIXTURE_SETUP(mg)
{
	strcpy(self->top, "/tmp/upci-merge-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->top));
	for (int i = 0; i < 4; i++)
		self->dir[i] = xasprintf("%s/s%d", self->top, i + 1);
	write_shard(self->dir[0], 1, 2, 4, (size_t[]){ 0, 3 }, 2);
	write_shard(self->dir[1], 2, 2, 4, (size_t[]){ 1, 2 }, 2);
}

FIXTURE_TEARDOWN(mg)
{
	char *cmd = xasprintf("rm -rf %s", self->top);

	if (system(cmd))
		TH_LOG("cannot remove %s", self->top);
	free(cmd);
	for (int i = 0; i < 4; i++)
		free(self->dir[i]);
	for (size_t i = 0; i < self->n; i++) {
		vm_result_free(&self->vms[i].res);
		free(self->vms[i].label);
		free(self->vms[i].log_dir);
	}
	free(self->vms);
	buf_free(&self->err);
}

TEST_F(mg, every_shard_once_gives_the_run_in_its_order)
{
	char *d[] = { self->dir[1], self->dir[0] };	/* any order */
	struct tally t;

	ASSERT_EQ(0, merge_results(d, 2, &self->vms, &self->n, &self->err))
		TH_LOG("%s", self->err.s);
	ASSERT_EQ(4, self->n);
	for (size_t i = 0; i < 4; i++)
		EXPECT_STREQ(run_labels[i], self->vms[i].label);
	EXPECT_NE(NULL, strstr(self->vms[1].log_dir, "/s2/b-vfio-pci"));
	t = report_tally(self->vms, self->n);
	EXPECT_EQ(3, t.pass);
	EXPECT_EQ(1, t.fail);
}

TEST_F(mg, a_missing_shard_fails_naming_it)
{
	EXPECT_EQ(-1, merge_results(&self->dir[0], 1, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "shard 2/2 missing")) TH_LOG("%s", self->err.s);
	EXPECT_EQ(NULL, self->vms);
}

TEST_F(mg, a_shard_given_twice_fails_naming_both)
{
	char *d[] = { self->dir[0], self->dir[1], self->dir[0] };

	EXPECT_EQ(-1, merge_results(d, 3, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "shard 1/2 given twice")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, a_copy_of_a_shard_is_a_duplicate_too)
{
	char *d[] = { self->dir[0], self->dir[1], self->dir[2] };

	write_shard(self->dir[2], 2, 2, 4, (size_t[]){ 1, 2 }, 2);
	EXPECT_EQ(-1, merge_results(d, 3, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "shard 2/2 given twice")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, shards_of_different_runs_do_not_merge)
{
	char *d[] = { self->dir[0], self->dir[2] };

	write_shard(self->dir[2], 2, 3, 4, (size_t[]){ 1, 2 }, 2);
	EXPECT_EQ(-1, merge_results(d, 2, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "not one run")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, a_vm_in_two_shards_fails)
{
	char *d[] = { self->dir[0], self->dir[2] };

	write_shard(self->dir[2], 2, 2, 4, (size_t[]){ 3, 2 }, 2);
	EXPECT_EQ(-1, merge_results(d, 2, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "d/none is in both")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, a_vm_in_no_shard_fails)
{
	char *d[] = { self->dir[0], self->dir[2] };

	write_shard(self->dir[2], 2, 2, 4, (size_t[]){ 1 }, 1);
	EXPECT_EQ(-1, merge_results(d, 2, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "VM 3 of 4 is in no shard")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, a_vm_without_its_result_fails)
{
	char *p = xasprintf("%s/c-upci/" RESULT_FILE_NAME, self->dir[1]);

	ASSERT_EQ(0, unlink(p));
	free(p);
	EXPECT_EQ(-1, merge_results(&self->dir[0], 2, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "shard 2/2 did not finish c/upci")) TH_LOG("%s", self->err.s);
}

TEST_F(mg, a_directory_that_is_not_a_run_fails)
{
	char *d[] = { self->dir[0], self->top };

	EXPECT_EQ(-1, merge_results(d, 2, &self->vms, &self->n, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "not the results of an upcilab run")) TH_LOG("%s", self->err.s);
	EXPECT_EQ(-1, merge_results(d, 0, &self->vms, &self->n, &self->err));
}

static char *github(struct report_vm *vms, size_t n, const char *summary)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	setenv("GITHUB_ACTIONS", "true", 1);
	if (summary)
		setenv("GITHUB_STEP_SUMMARY", summary, 1);
	else
		unsetenv("GITHUB_STEP_SUMMARY");
	report_github(f, vms, n);
	fclose(f);
	return text;
}

TEST_F(mg, github_gets_an_annotation_per_failed_case_and_a_summary_table)
{
	char *sum = xasprintf("%s/summary.md", self->top), *out, *md;

	ASSERT_EQ(0, merge_results(&self->dir[0], 2, &self->vms, &self->n, &self->err));
	out = github(self->vms, self->n, sum);
	EXPECT_STREQ("::error title=c/upci::t1.case: 50%25 of it%0Abroke\n", out);
	md = read_file(sum, NULL);
	ASSERT_NE(NULL, md);
	EXPECT_NE(NULL, strstr(md, "### upcilab: 3 passed, 1 failed, 0 skipped"));
	EXPECT_NE(NULL, strstr(md, "| c/upci | FAIL | 0 | 1 | 0 | 1.0 s | 10.0 s |"));
	EXPECT_NE(NULL, strstr(md, "| a/upci | ok | 1 | 0 | 0 | 1.0 s | 10.0 s |"));
	free(out);
	free(md);
	free(sum);
}

/* A VM booted twice passes, with a warning that says why */
TEST_F(mg, a_vm_booted_twice_gets_a_warning)
{
	char *out, *want;

	ASSERT_EQ(0, merge_results(&self->dir[0], 2, &self->vms, &self->n, &self->err));
	self->vms[0].res.retried = xstrdup("QEMU exited with status 0%");
	out = github(self->vms, self->n, NULL);
	want = xasprintf("::warning title=%s::booted twice: the first boot died before the init: "
			 "QEMU exited with status 0%%25\n", self->vms[0].label);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	free(want);
	free(out);
}

TEST_F(mg, outside_github_there_is_nothing_to_say)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_EQ(0, merge_results(&self->dir[0], 2, &self->vms, &self->n, &self->err));
	unsetenv("GITHUB_ACTIONS");
	unsetenv("GITHUB_STEP_SUMMARY");
	EXPECT_EQ(0, report_github(f, self->vms, self->n));
	fclose(f);
	EXPECT_STREQ("", text);
	free(text);
}

TEST_F(mg, an_unwritable_summary_is_an_error)
{
	char *out;

	ASSERT_EQ(0, merge_results(&self->dir[0], 2, &self->vms, &self->n, &self->err));
	out = github(self->vms, self->n, "/nonexistent/dir/summary.md");
	free(out);
	EXPECT_EQ(-1, report_github(stdout, self->vms, 0));
	unsetenv("GITHUB_ACTIONS");
	unsetenv("GITHUB_STEP_SUMMARY");
}

TEST_HARNESS_MAIN
