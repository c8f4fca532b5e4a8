// SPDX-License-Identifier: GPL-2.0
/* Finding kernel problems in the guest console (what vm.c reports). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logscan.h"

#include "kselftest_harness.h"
#include "unit.h"

FIXTURE(scan) {
	struct logscan ls;
};

FIXTURE_SETUP(scan)
{
	self->ls = (struct logscan){ 0 };
}

FIXTURE_TEARDOWN(scan)
{
	logscan_free(&self->ls);
}

static void feed(struct logscan *ls, const char *text)
{
	char *copy = xstrdup(text), *save, *line;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		logscan_line(ls, line);
	free(copy);
}

static void expect_hit(struct __test_metadata *_metadata, const char *line,
		       const char *first)
{
	struct logscan ls = { 0 };

	logscan_line(&ls, line);
	EXPECT_EQ(1, ls.hits) TH_LOG("no hit for '%s'", line);
	EXPECT_STREQ(first, ls.first ? ls.first : "(none)");
	logscan_free(&ls);
}

static void expect_no_hit(struct __test_metadata *_metadata, const char *line)
{
	struct logscan ls = { 0 };

	logscan_line(&ls, line);
	EXPECT_EQ(0, ls.hits) TH_LOG("'%s' taken for a kernel problem", line);
	EXPECT_NULL(ls.first);
	EXPECT_EQ(0, ls.excerpt.len);
	logscan_free(&ls);
}

TEST(kernel_problems_are_hits_without_their_timestamp)
{
	expect_hit(_metadata, "[    1.000000] Kernel panic - not syncing: VFS",
		   "Kernel panic - not syncing: VFS");
	expect_hit(_metadata, "[ 12.5] Oops: general protection fault, probably",
		   "Oops: general protection fault, probably");
	expect_hit(_metadata, "[    3.1] BUG: kernel NULL pointer dereference, address: 0",
		   "BUG: kernel NULL pointer dereference, address: 0");
	expect_hit(_metadata, "[    3.1] kernel BUG at mm/slub.c:42!",
		   "kernel BUG at mm/slub.c:42!");
	expect_hit(_metadata, "[    0.5] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x0",
		   "WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x0");
	expect_hit(_metadata, "[    9.0] UBSAN: shift-out-of-bounds in x.c:3:5",
		   "UBSAN: shift-out-of-bounds in x.c:3:5");
	expect_hit(_metadata, "[    9.0] INFO: task init:1 blocked for more than 120 seconds.",
		   "INFO: task init:1 blocked for more than 120 seconds.");
	expect_hit(_metadata, "unreferenced object 0xffff888 (size 64):",
		   "unreferenced object 0xffff888 (size 64):");
	/* the guest init's leak check (image.c), when a module stays */
	expect_hit(_metadata, "upcilab: cannot unload upci",
		   "upcilab: cannot unload upci");
	/* kmemleak stopped during the tests: what it would have found is lost */
	expect_hit(_metadata, "upcilab: kmemleak: cannot scan",
		   "upcilab: kmemleak: cannot scan");
}

TEST(ordinary_lines_are_not_hits)
{
	expect_no_hit(_metadata, "[    0.000000] Linux version 6.12.0");
	expect_no_hit(_metadata, "[    0.1] DMAR: IOMMU enabled");
	expect_no_hit(_metadata, "upcilab: setup failed: insmod x.ko");
	expect_no_hit(_metadata, "upcilab: kmemleak: unloading the modules");
	expect_no_hit(_metadata, "upcilab: kmemleak: scanned");
	expect_no_hit(_metadata, "upcilab: kmemleak: off since the boot, not scanned");
	/* the boot's suspects (harness/image.c's kl_since) */
	expect_no_hit(_metadata, "upcilab: kmemleak: from before the tests (not theirs): object 0xffff888 (size 64):");
	expect_no_hit(_metadata, "");
	expect_no_hit(_metadata, "[");
}

/* "DEBUG:" contains "BUG:"; it is not a kernel BUG. */
TEST(debug_messages_are_not_bugs)
{
	expect_no_hit(_metadata, "[    2.0] pci 0000:00:03.0: DEBUG: config space dump");
}

TEST_F(scan, context_follows_each_hit)
{
	struct buf lines = { 0 };

	buf_addf(&lines, "[ 0.1] before\n[ 1.0] Kernel panic - not syncing: x\n");
	for (int i = 1; i <= LOGSCAN_CONTEXT_LINES + 5; i++)
		buf_addf(&lines, "[ 1.%d] after %d\n", i, i);
	feed(&self->ls, lines.s);
	buf_free(&lines);
	EXPECT_EQ(1, self->ls.hits);
	EXPECT_TRUE(str_starts(self->ls.excerpt.s, "  ...\n  [ 1.0] Kernel panic"));
	EXPECT_EQ(NULL, strstr(self->ls.excerpt.s, "before"));
	EXPECT_NE(NULL, strstr(self->ls.excerpt.s, "after 24\n"));
	EXPECT_EQ(NULL, strstr(self->ls.excerpt.s, "after 25\n"));
	EXPECT_EQ(LOGSCAN_CONTEXT_LINES + 2, count_lines_starting(self->ls.excerpt.s, "  "));
}

TEST_F(scan, first_hit_is_kept_and_every_hit_counted)
{
	feed(&self->ls,
	     "[ 1.0] WARNING: CPU: 0 PID: 1 at a.c:1 a\n"
	     "[ 1.1] ok line\n"
	     "[ 1.2] BUG: sleeping function called from invalid context\n");
	EXPECT_EQ(2, self->ls.hits);
	EXPECT_STREQ("WARNING: CPU: 0 PID: 1 at a.c:1 a", self->ls.first);
	/* the second hit falls in the first one's context: one block */
	EXPECT_EQ(1, count_lines_starting(self->ls.excerpt.s, "  ..."));
	EXPECT_NE(NULL, strstr(self->ls.excerpt.s, "sleeping function"));
}

TEST_HARNESS_MAIN
