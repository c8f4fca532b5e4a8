// SPDX-License-Identifier: GPL-2.0
/*
 * Which QEMU the harness runs (harness/qemu_build.c): --qemu, then
 * $UPCILAB_QEMU, then mockdevs/build-qemu.sh --print-path, then the system
 * QEMU unless a scenario needs mockdma. The build script is a stub here.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu_build.h"
#include "scenario.h"

#include "kselftest_harness.h"
#include "unit.h"

FIXTURE(qb) {
	char *dir;
	char *script;	/* the stub build script */
	char *marker;	/* the stub touches it when it runs */
	char *qemu;	/* an executable the stub can name */
	struct buf note, err;
};

FIXTURE_SETUP(qb)
{
	*self = (FIXTURE_DATA(qb)){ 0 };
	self->dir = make_tmpdir("qemu-build");
	ASSERT_NE(NULL, self->dir);
	self->script = xasprintf("%s/build-qemu.sh", self->dir);
	self->marker = xasprintf("%s/ran", self->dir);
	self->qemu = xasprintf("%s/qemu-system-x86_64", self->dir);
	ASSERT_EQ(0, write_file(self->qemu, "#!/bin/sh\n", 10, 0755));
	unsetenv(QEMU_ENV);
}

FIXTURE_TEARDOWN(qb)
{
	rm_rf(self->dir);
	free(self->dir);
	free(self->script);
	free(self->marker);
	free(self->qemu);
	buf_free(&self->note);
	buf_free(&self->err);
	unsetenv(QEMU_ENV);
}

/* The stub: touches the marker, then runs @body (a shell fragment). */
static void stub(struct __test_metadata *_metadata, FIXTURE_DATA(qb) *self,
		 const char *body)
{
	char *text = xasprintf("#!/bin/sh\n[ \"$1\" = --print-path ] || exit 9\n"
			       ": >'%s'\n%s\n", self->marker, body);

	ASSERT_EQ(0, write_file(self->script, text, strlen(text), 0755));
	free(text);
}

static char *choose(FIXTURE_DATA(qb) *self, const char *explicit_path,
		    const char *needed_by)
{
	return qemu_choose(explicit_path, self->script, needed_by, &self->note,
			   &self->err);
}

TEST_F(qb, built_path_is_the_last_line_of_stdout)
{
	char *body = xasprintf("echo progress\necho '%s'\necho", self->qemu);
	char *path;

	stub(_metadata, self, body);
	free(body);
	path = choose(self, NULL, "lab");
	ASSERT_NE(NULL, path);
	EXPECT_STREQ(self->qemu, path);
	EXPECT_EQ(0, (int)self->note.len);
	free(path);
}

TEST_F(qb, explicit_qemu_wins_and_nothing_runs)
{
	char *path;

	stub(_metadata, self, "exit 0");
	setenv(QEMU_ENV, "/from/env", 1);
	path = choose(self, "/from/option", "lab");
	EXPECT_STREQ("/from/option", path);
	EXPECT_NE(0, access(self->marker, F_OK));
	free(path);
}

TEST_F(qb, env_overrides_the_build)
{
	char *path;

	stub(_metadata, self, "exit 0");
	setenv(QEMU_ENV, "/opt/q/qemu", 1);
	path = choose(self, NULL, "lab");
	EXPECT_STREQ("/opt/q/qemu", path);
	EXPECT_NE(0, access(self->marker, F_OK));
	EXPECT_EQ(0, (int)self->note.len);
	free(path);
}

TEST_F(qb, empty_env_is_ignored)
{
	char *path;

	stub(_metadata, self, "exit 1");
	setenv(QEMU_ENV, "", 1);
	path = choose(self, NULL, NULL);
	EXPECT_STREQ(QEMU_SYSTEM, path);
	EXPECT_EQ(0, access(self->marker, F_OK));
	free(path);
}

TEST_F(qb, missing_script_falls_back_with_a_note)
{
	char *path = choose(self, NULL, NULL);

	EXPECT_STREQ(QEMU_SYSTEM, path);
	EXPECT_TRUE(str_starts(self->note.s, "note: using the system qemu-system-x86_64 ("));
	EXPECT_NE(NULL, strstr(self->note.s, "build-qemu.sh not found"));
	EXPECT_EQ(NULL, strchr(self->note.s, '\n'));
	free(path);
}

TEST_F(qb, missing_script_is_an_error_when_mockdma_is_needed)
{
	EXPECT_EQ(NULL, choose(self, NULL, "dma"));
	EXPECT_NE(NULL, strstr(self->err.s, "scenario 'dma' needs mockdma"));
	EXPECT_NE(NULL, strstr(self->err.s, "build-qemu.sh not found"));
	EXPECT_NE(NULL, strstr(self->err.s, "--qemu or UPCILAB_QEMU"));
}

TEST_F(qb, failing_script_falls_back_with_its_status)
{
	char *path;

	stub(_metadata, self, "exit 3");
	path = choose(self, NULL, NULL);
	EXPECT_STREQ(QEMU_SYSTEM, path);
	EXPECT_NE(NULL, strstr(self->note.s, "failed (exit status 3)"));
	free(path);
}

TEST_F(qb, failing_script_is_an_error_when_mockdma_is_needed)
{
	stub(_metadata, self, "exit 1");
	EXPECT_EQ(NULL, choose(self, NULL, "dma"));
	EXPECT_NE(NULL, strstr(self->err.s, "failed (exit status 1)"));
	EXPECT_EQ(NULL, strchr(self->err.s, '\n'));
}

TEST_F(qb, relative_or_missing_path_is_refused)
{
	struct buf err = { 0 };
	char *path;

	stub(_metadata, self, "echo qemu-system-x86_64");
	EXPECT_EQ(NULL, qemu_build_path(self->script, &err));
	EXPECT_NE(NULL, strstr(err.s, "printed 'qemu-system-x86_64', not an executable's absolute path"));
	buf_free(&err);
	stub(_metadata, self, "echo /nonexistent/qemu");
	EXPECT_EQ(NULL, qemu_build_path(self->script, &err));
	EXPECT_NE(NULL, strstr(err.s, "/nonexistent/qemu"));
	buf_free(&err);
	stub(_metadata, self, "true");
	path = qemu_build_path(self->script, &err);
	EXPECT_EQ(NULL, path);
	EXPECT_NE(NULL, strstr(err.s, "printed no path"));
	buf_free(&err);
}

TEST(needed_by_names_the_first_scenario_with_mockdma)
{
	static const char *const texts[] = {
		"device e edu\ntest t\n",
		"device p pcie-root-port\ndevice m mockdma bus=p\ntest t\n",
		"device m mockdma\ntest t\n",
	};
	struct scenario scns[3];

	for (size_t i = 0; i < 3; i++) {
		struct buf err = { 0 };
		char *name = xasprintf("s%zu.scenario", i);

		ASSERT_EQ(0, scenario_parse(name, texts[i], &scns[i], &err));
		buf_free(&err);
		free(name);
	}
	EXPECT_EQ(NULL, qemu_needed_by(scns, 1));
	EXPECT_EQ(&scns[1], qemu_needed_by(scns, 3));
	EXPECT_EQ(&scns[2], qemu_needed_by(&scns[2], 1));
	for (size_t i = 0; i < 3; i++)
		scenario_free(&scns[i]);
}

TEST_HARNESS_MAIN
