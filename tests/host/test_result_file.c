// SPDX-License-Identifier: GPL-2.0
/* result.json: a VM's result survives the trip from a -j child to the parent. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_file.h"
#include "util.h"
#include "results.h"

#include "kselftest_harness.h"
#include "unit.h"

FIXTURE(rf) {
	char dir[64];
	char *path;
	struct vm_result in, out;
	struct buf err;
};

FIXTURE_SETUP(rf)
{
	struct test_node *t, *c;

	strcpy(self->dir, "/tmp/upci-rf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->path = xasprintf("%s/" RESULT_FILE_NAME, self->dir);
	self->in = (struct vm_result){ .boot_s = 2.5, .total_s = 31.25, .cpu_s = 29.75,
				       .error = xstrdup("QEMU died"),
				       .interrupted = true, .kmemleak = LEAK_OFF,
				       .retried = xstrdup("QEMU exited with status 0") };
	buf_addf(&self->in.pci_table, "0000:00:03.0 03.0 1234:11e8 group=2\n");
	self->in.root = node_new("vfio/upci");
	t = node_add(self->in.root, "vfio_type1");
	node_set(t, RES_FAIL, "1 of 2 failed");
	t->secs = 3.5;
	c = node_add(t, "v1.map");
	node_set(c, RES_PASS, NULL);
	buf_addf(&c->diag, "# bench: map_ms=12\n");
	c = node_add(t, "v2.unmap");
	node_set(c, RES_SKIP, "no hugepages");
	node_add(self->in.root, "edu_dma");	/* never reported */
}

FIXTURE_TEARDOWN(rf)
{
	vm_result_free(&self->in);
	vm_result_free(&self->out);
	buf_free(&self->err);
	unlink(self->path);
	rmdir(self->dir);
	free(self->path);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

TEST_F(rf, round_trip_keeps_every_field)
{
	char *label;
	struct test_node *t;

	ASSERT_EQ(0, result_file_save(self->path, "vfio/upci", &self->in));
	ASSERT_EQ(0, result_file_load(self->path, &label, &self->out, &self->err));
	EXPECT_STREQ("vfio/upci", label);
	free(label);
	EXPECT_EQ(2.5, self->out.boot_s);
	EXPECT_EQ(31.25, self->out.total_s);
	EXPECT_EQ(29.75, self->out.cpu_s);
	EXPECT_STREQ("QEMU died", self->out.error);
	EXPECT_EQ(NULL, self->out.shutdown_reason);
	EXPECT_TRUE(self->out.interrupted);
	EXPECT_EQ(LEAK_OFF, self->out.kmemleak);
	EXPECT_STREQ("QEMU exited with status 0", self->out.retried);
	EXPECT_STREQ(self->in.pci_table.s, self->out.pci_table.s);
	ASSERT_EQ(2, self->out.root->nkids);
	t = self->out.root->kids[0];
	EXPECT_STREQ("vfio_type1", t->name);
	EXPECT_EQ(RES_FAIL, t->res);
	EXPECT_STREQ("1 of 2 failed", t->reason);
	EXPECT_EQ(3.5, t->secs);
	ASSERT_EQ(2, t->nkids);
	EXPECT_EQ(RES_PASS, t->kids[0]->res);
	EXPECT_STREQ("# bench: map_ms=12\n", t->kids[0]->diag.s);
	EXPECT_EQ(RES_SKIP, t->kids[1]->res);
	EXPECT_STREQ("no hugepages", t->kids[1]->reason);
	EXPECT_EQ(RES_NONE, self->out.root->kids[1]->res);
}

TEST_F(rf, tally_is_the_same_after_the_trip)
{
	struct tally a = { 0 }, b = { 0 };

	ASSERT_EQ(0, result_file_save(self->path, "x/y", &self->in));
	ASSERT_EQ(0, result_file_load(self->path, NULL, &self->out, &self->err));
	node_tally(self->in.root, &a);
	node_tally(self->out.root, &b);
	EXPECT_EQ(a.pass, b.pass);
	EXPECT_EQ(a.fail, b.fail);
	EXPECT_EQ(a.skip, b.skip);
}

TEST_F(rf, console_bytes_that_are_not_utf8_do_not_lose_the_result)
{
	buf_addf(&self->in.root->kids[1]->diag, "# junk \xff\xfe end\n");
	ASSERT_EQ(0, result_file_save(self->path, "x/y", &self->in));
	ASSERT_EQ(0, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_STREQ("# junk ?? end\n", self->out.root->kids[1]->diag.s);
}

TEST_F(rf, result_without_cpu_seconds_loads_with_them_unknown)
{
	char *text;
	char *cut;

	ASSERT_EQ(0, result_file_save(self->path, "vfio/upci", &self->in));
	text = read_file(self->path, NULL);
	ASSERT_NE(NULL, text);
	cut = strstr(text, "\"cpu_s\"");
	ASSERT_NE(NULL, cut);
	memmove(cut, strchr(cut, '\n') + 1, strlen(strchr(cut, '\n') + 1) + 1);
	write_text(self->path, text);
	free(text);
	ASSERT_EQ(0, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_EQ(-1, self->out.cpu_s);
	EXPECT_EQ(31.25, self->out.total_s);
}

TEST_F(rf, missing_file_is_an_error_naming_it)
{
	EXPECT_EQ(-1, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, self->path));
	EXPECT_EQ(NULL, self->out.root);
}

TEST_F(rf, truncated_file_is_an_error)
{
	ASSERT_EQ(0, result_file_save(self->path, "x/y", &self->in));
	ASSERT_EQ(0, truncate(self->path, 100));
	EXPECT_EQ(-1, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_EQ(NULL, self->out.root);
}

TEST_F(rf, other_version_is_refused)
{
	write_text(self->path, "{\"version\": 2, \"label\": \"x\", \"boot_s\": 1, \"total_s\": 1,"
		   " \"error\": null, \"shutdown_reason\": null, \"pci_table\": \"\","
		   " \"interrupted\": false, \"root\": null}");
	EXPECT_EQ(-1, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "not a version 1 upcilab result"));
}

/* a result file's keys up to interrupted, and from root on */
static const char head[] =
	"{\"version\": 1, \"label\": \"x\", \"boot_s\": 1, \"total_s\": 1,"
	" \"error\": null, \"shutdown_reason\": null, \"pci_table\": \"\","
	" \"interrupted\": false, ";
static const char tail[] =
	"\"root\": {\"name\": \"r\", \"result\": \"PASS\","
	" \"reason\": null, \"diag\": \"\", \"secs\": 0, \"kids\": []}}";

/*
 * Loads a result file of head, @keys and tail into self->out (freeing
 * what an earlier load left there); result_file_load's return value
 */
static int load_with(FIXTURE_DATA(rf) *self, const char *keys)
{
	char *text = xasprintf("%s%s%s", head, keys, tail);

	write_text(self->path, text);
	free(text);
	vm_result_free(&self->out);
	return result_file_load(self->path, NULL, &self->out, &self->err);
}

/* A file from before the kmemleak key loads; a verdict it cannot know does not */
TEST_F(rf, kmemleak_is_optional_and_checked)
{
	ASSERT_EQ(0, load_with(self, ""));
	EXPECT_EQ(LEAK_NONE, self->out.kmemleak);
	ASSERT_EQ(0, load_with(self, "\"kmemleak\": \"scanned\", "));
	EXPECT_EQ(LEAK_SCANNED, self->out.kmemleak);
	EXPECT_EQ(-1, load_with(self, "\"kmemleak\": \"maybe\", "));
	EXPECT_NE(NULL, strstr(self->err.s, "not a version 1 upcilab result"));
	EXPECT_EQ(NULL, self->out.root);
}

/* A file from before the retried key loads; a retried that is not text does not */
TEST_F(rf, retried_is_optional_and_checked)
{
	ASSERT_EQ(0, load_with(self, ""));
	EXPECT_EQ(NULL, self->out.retried);
	ASSERT_EQ(0, load_with(self, "\"retried\": \"QEMU exited\", "));
	EXPECT_STREQ("QEMU exited", self->out.retried);
	EXPECT_EQ(-1, load_with(self, "\"retried\": 3, "));
	EXPECT_NE(NULL, strstr(self->err.s, "not a version 1 upcilab result"));
	EXPECT_EQ(NULL, self->out.root);
}

TEST_F(rf, malformed_tree_is_refused_and_frees_what_it_read)
{
	write_text(self->path, "{\"version\": 1, \"label\": \"x\", \"boot_s\": 1, \"total_s\": 1,"
		   " \"error\": \"e\", \"shutdown_reason\": null, \"pci_table\": \"\","
		   " \"interrupted\": false, \"root\": {\"name\": \"r\", \"result\": \"PASS\","
		   " \"reason\": null, \"diag\": \"\", \"secs\": 0, \"kids\": ["
		   "{\"name\": \"k\", \"result\": \"MAYBE\", \"reason\": null, \"diag\": \"\","
		   " \"secs\": 0, \"kids\": []}]}}");
	EXPECT_EQ(-1, result_file_load(self->path, NULL, &self->out, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "malformed test tree"));
	EXPECT_EQ(NULL, self->out.root);
	EXPECT_EQ(NULL, self->out.error);
}

TEST_HARNESS_MAIN
