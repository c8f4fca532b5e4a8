// SPDX-License-Identifier: GPL-2.0
/*
 * The streaming KTAP parser: lines in, a result tree out. Whatever is
 * malformed in a way that could hide a result must show up as a failing
 * "ktap:" node, so that node_tally() counts it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "results.h"

#include "kselftest_harness.h"
#include "unit.h"

FIXTURE(ktap) {
	struct test_node *root;
	struct ktap *k;
	struct tally t;
};

FIXTURE_SETUP(ktap)
{
	self->root = node_new("test");
	self->k = ktap_new(self->root);
}

FIXTURE_TEARDOWN(ktap)
{
	ktap_free(self->k);
	node_free(self->root);
}

/* Feed a block of text, one ktap_line() per line. */
static void feed(struct ktap *k, const char *text)
{
	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xmalloc(len + 1);

		memcpy(line, s, len);
		line[len] = '\0';
		ktap_line(k, line);
		free(line);
		s += len + (nl ? 1 : 0);
	}
}

/*
 * Feed @text, end the stream and tally what it produced. The root is the
 * caller's (the supervisor judges it from the exit status), so only its
 * kids are counted.
 */
static void run(FIXTURE_DATA(ktap) *self, const char *text)
{
	feed(self->k, text);
	ktap_end(self->k);
	for (size_t i = 0; i < self->root->nkids; i++)
		node_tally(self->root->kids[i], &self->t);
}

static void expect_tally(struct __test_metadata *_metadata,
			 const struct tally *t, int pass, int fail, int skip)
{
	if (t->pass != pass || t->fail != fail || t->skip != skip)
		TH_LOG("want %d/%d/%d pass/fail/skip, got %d/%d/%d", pass, fail,
		       skip, t->pass, t->fail, t->skip);
	EXPECT_EQ(pass, t->pass);
	EXPECT_EQ(fail, t->fail);
	EXPECT_EQ(skip, t->skip);
}

/* Kid @i of @n is called @name and has result @res. */
static const struct test_node *expect_kid(struct __test_metadata *_metadata,
					  const struct test_node *n, size_t i,
					  const char *name, enum result res)
{
	const struct test_node *k;

	ASSERT_LT(i, n->nkids) TH_LOG("%s has %zu kids, want kid %zu (%s)",
				      n->name, n->nkids, i, name);
	k = n->kids[i];
	EXPECT_STREQ(name, k->name);
	EXPECT_EQ(res, k->res) TH_LOG("%s is %s", k->name, result_name(k->res));
	return k;
}

/* Some kid of @n is a failing "ktap:" node whose reason contains @phrase. */
static void expect_ktap_error(struct __test_metadata *_metadata,
			      const struct test_node *n, const char *phrase)
{
	for (size_t i = 0; i < n->nkids; i++) {
		const struct test_node *k = n->kids[i];

		if (str_starts(k->name, "ktap:") && k->res == RES_FAIL &&
		    k->reason && strstr(k->reason, phrase))
			return;
	}
	TH_LOG("no failing ktap: node with '%s' under %s (%zu kids)", phrase,
	       n->name, n->nkids);
	for (size_t i = 0; i < n->nkids; i++)
		TH_LOG("  kid %s %s: %s", n->kids[i]->name,
		       result_name(n->kids[i]->res),
		       n->kids[i]->reason ? n->kids[i]->reason : "");
	EXPECT_TRUE(false);
}

static size_t count_ktap_errors(const struct test_node *n)
{
	size_t c = 0;

	for (size_t i = 0; i < n->nkids; i++)
		c += str_starts(n->kids[i]->name, "ktap:") +
		     count_ktap_errors(n->kids[i]);
	return c;
}

/* ---- well-formed input ---- */

/* What kselftest_harness.h prints for a pass, a skip and a failure. */
static const char selftest_output[] =
	"TAP version 13\n"
	"1..3\n"
	"# Starting 3 tests from 1 test cases.\n"
	"#  RUN           global.x ...\n"
	"#            OK  global.x\n"
	"ok 1 global.x\n"
	"#  RUN           global.s ...\n"
	"#      SKIP      no device here\n"
	"#            OK  global.s\n"
	"ok 2 global.s # SKIP no device here\n"
	"#  RUN           global.y ...\n"
	"# t.c:12:y:Expected 1 (1) == 2 (2)\n"
	"# y: Test failed\n"
	"#          FAIL  global.y\n"
	"not ok 3 global.y\n"
	"# FAILED: 1 / 3 tests passed.\n"
	"# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0\n";

TEST_F(ktap, kselftest_harness_output)
{
	const struct test_node *x, *s, *y;

	run(self, selftest_output);
	ASSERT_EQ(3, self->root->nkids);
	x = expect_kid(_metadata, self->root, 0, "global.x", RES_PASS);
	s = expect_kid(_metadata, self->root, 1, "global.s", RES_SKIP);
	y = expect_kid(_metadata, self->root, 2, "global.y", RES_FAIL);
	EXPECT_NULL(x->reason);
	EXPECT_STREQ("no device here", s->reason);
	EXPECT_EQ(0, x->nkids);
	/* the diagnostics before a result belong to it */
	EXPECT_NE(NULL, strstr(x->diag.s, "RUN           global.x"));
	EXPECT_NE(NULL, strstr(y->diag.s, "# t.c:12:y:Expected 1 (1) == 2 (2)"));
	EXPECT_EQ(NULL, strstr(y->diag.s, "global.x"));
	/* what follows the last result goes to the parent */
	EXPECT_NE(NULL, strstr(self->root->diag.s, "# Totals: pass:1"));
	expect_tally(_metadata, &self->t, 1, 1, 1);
	EXPECT_EQ(0, count_ktap_errors(self->root));
}

TEST_F(ktap, nested_subtests_attach_to_their_parent)
{
	const struct test_node *a, *b;

	run(self,
	    "KTAP version 1\n"
	    "1..2\n"
	    "    KTAP version 1\n"
	    "    # Subtest: suite_a\n"
	    "    1..2\n"
	    "    ok 1 case_1\n"
	    "    # case_2 diagnostics\n"
	    "    not ok 2 case_2\n"
	    "not ok 1 suite_a\n"
	    "    KTAP version 1\n"
	    "    1..1\n"
	    "        KTAP version 1\n"
	    "        1..1\n"
	    "        ok 1 deep\n"
	    "    ok 1 mid\n"
	    "ok 2 suite_b\n");
	ASSERT_EQ(2, self->root->nkids);
	a = expect_kid(_metadata, self->root, 0, "suite_a", RES_FAIL);
	b = expect_kid(_metadata, self->root, 1, "suite_b", RES_PASS);
	ASSERT_EQ(2, a->nkids);
	expect_kid(_metadata, a, 0, "case_1", RES_PASS);
	expect_kid(_metadata, a, 1, "case_2", RES_FAIL);
	EXPECT_NE(NULL, strstr(a->kids[1]->diag.s, "case_2 diagnostics"));
	ASSERT_EQ(1, b->nkids);
	expect_kid(_metadata, b, 0, "mid", RES_PASS);
	ASSERT_EQ(1, b->kids[0]->nkids);
	expect_kid(_metadata, b->kids[0], 0, "deep", RES_PASS);
	/* suite_a's failure is its failing kid's: counted once */
	expect_tally(_metadata, &self->t, 2, 1, 0);
	EXPECT_EQ(0, count_ktap_errors(self->root));
}

TEST_F(ktap, missing_numbers_are_auto_numbered)
{
	run(self, "1..3\nok first\nnot ok - second\nok\n");
	ASSERT_EQ(3, self->root->nkids);
	expect_kid(_metadata, self->root, 0, "first", RES_PASS);
	expect_kid(_metadata, self->root, 1, "second", RES_FAIL);
	expect_kid(_metadata, self->root, 2, "(unnamed)", RES_PASS);
	expect_tally(_metadata, &self->t, 2, 1, 0);
	EXPECT_EQ(0, count_ktap_errors(self->root));
}

TEST_F(ktap, todo_and_xfail_count_as_skips)
{
	run(self,
	    "1..4\n"
	    "not ok 1 a # TODO not written yet\n"
	    "ok 2 b # XFAIL known broken\n"
	    "not ok 3 c # xfail lower case\n"
	    "ok 4 d # skip lower case\n");
	expect_kid(_metadata, self->root, 0, "a", RES_SKIP);
	expect_kid(_metadata, self->root, 1, "b", RES_SKIP);
	expect_kid(_metadata, self->root, 2, "c", RES_SKIP);
	expect_kid(_metadata, self->root, 3, "d", RES_SKIP);
	expect_tally(_metadata, &self->t, 0, 0, 4);
}

TEST_F(ktap, skip_on_a_failure_stays_a_failure)
{
	run(self, "1..1\nnot ok 1 a # SKIP but it failed\n");
	expect_kid(_metadata, self->root, 0, "a", RES_FAIL);
	expect_tally(_metadata, &self->t, 0, 1, 0);
}

/*
 * A result ending in a bare "#" (found by make fuzz-harness): the directive
 * was read from two bytes past the '#', beyond the end of ktap_line()'s
 * copy of the line. To see that without ASan, the heap chunk the copy will
 * get (glibc's tcache hands back the last one freed of its size) is left
 * holding "SKIP" just past where the copy's NUL lands: reading it turned
 * the pass into a skip.
 */
TEST_F(ktap, bare_hash_at_the_end_reads_nothing_past_it)
{
	/* 34 characters: the copy is malloc(35), the chunk malloc(40)'s */
	static const char line[] = "ok 00000000000000000000000000001 #";
	char *bait;

	ASSERT_EQ(34, strlen(line));
	ktap_line(self->k, "1..1");
	bait = xmalloc(40);
	memset(bait, 0, 40);
	memcpy(bait + sizeof(line), "SKIP", 4);
	free(bait);
	ktap_line(self->k, line);
	ktap_end(self->k);
	for (size_t i = 0; i < self->root->nkids; i++)
		node_tally(self->root->kids[i], &self->t);
	expect_tally(_metadata, &self->t, 1, 0, 0);
}

TEST_F(ktap, empty_plan_with_skip_has_no_results_and_no_error)
{
	run(self, "TAP version 13\n1..0 # SKIP no device\n");
	EXPECT_EQ(0, self->root->nkids);
	EXPECT_EQ(0, count_ktap_errors(self->root));
}

TEST_F(ktap, running_is_the_announced_case_until_its_result)
{
	EXPECT_NULL(ktap_running(self->k));
	feed(self->k, "TAP version 13\n1..2\n#  RUN           global.slow ...\n");
	ASSERT_NE(NULL, ktap_running(self->k));
	EXPECT_STREQ("global.slow", ktap_running(self->k));
	feed(self->k, "# some diagnostics\n#            OK  global.slow\n");
	EXPECT_STREQ("global.slow", ktap_running(self->k));
	feed(self->k, "ok 1 global.slow\n");
	EXPECT_NULL(ktap_running(self->k));
	feed(self->k, "#  RUN           fix.variant.other ...\n");
	EXPECT_STREQ("fix.variant.other", ktap_running(self->k));
	feed(self->k, "not ok 2 fix.variant.other\n");
	EXPECT_NULL(ktap_running(self->k));
}

TEST_F(ktap, garbage_lines_are_ignored_but_kept)
{
	run(self,
	    "random noise\n"
	    "1..1\n"
	    "    \n"
	    "[   12.3] kernel chatter\n"
	    "ok 1 a\n"
	    "trailing junk\n");
	ASSERT_EQ(1, self->root->nkids);
	expect_kid(_metadata, self->root, 0, "a", RES_PASS);
	EXPECT_NE(NULL, strstr(self->root->kids[0]->diag.s, "random noise"));
	EXPECT_NE(NULL, strstr(self->root->kids[0]->diag.s, "kernel chatter"));
	EXPECT_NE(NULL, strstr(self->root->diag.s, "trailing junk"));
	expect_tally(_metadata, &self->t, 1, 0, 0);
	EXPECT_EQ(0, count_ktap_errors(self->root));
}

/* "okay" is not a result line: it must stay in the diagnostics. */
TEST_F(ktap, ok_prefixed_garbage_is_kept)
{
	run(self, "1..1\nokay, probing the device\nnot okay either\nok 1 a\n");
	ASSERT_EQ(1, self->root->nkids);
	expect_kid(_metadata, self->root, 0, "a", RES_PASS);
	EXPECT_NE(NULL, strstr(self->root->kids[0]->diag.s ? self->root->kids[0]->diag.s : "",
			       "okay, probing the device"));
	EXPECT_NE(NULL, strstr(self->root->kids[0]->diag.s ? self->root->kids[0]->diag.s : "",
			       "not okay either"));
}

/* ---- malformed input ---- */

TEST_F(ktap, fewer_results_than_planned)
{
	run(self, "TAP version 13\n1..4\nok 1 a\n");
	expect_ktap_error(_metadata, self->root,
			  "plan 1..4 but only 1 result: tests 2-4 never reported");
	expect_tally(_metadata, &self->t, 1, 1, 0);
}

TEST_F(ktap, no_results_at_all_against_a_plan)
{
	run(self, "TAP version 13\n1..2\n#  RUN  global.x ...\n");
	expect_ktap_error(_metadata, self->root, "tests 1-2 never reported");
	expect_tally(_metadata, &self->t, 0, 1, 0);
}

TEST_F(ktap, more_results_than_planned)
{
	run(self, "1..1\nok 1 a\nok 2 b\n");
	expect_ktap_error(_metadata, self->root, "plan 1..1 but 2 results");
	expect_tally(_metadata, &self->t, 2, 1, 0);
}

TEST_F(ktap, numbers_out_of_order)
{
	run(self, "1..3\nok 1 a\nok 3 c\nok 2 b\n");
	expect_ktap_error(_metadata, self->root,
			  "result number 3 out of order (expected 2)");
	EXPECT_GE(count_ktap_errors(self->root), 1);
	EXPECT_GE(self->t.fail, 1);
	EXPECT_EQ(3, self->t.pass);
}

TEST_F(ktap, duplicate_number)
{
	run(self, "1..2\nok 1 a\nok 1 b\n");
	expect_ktap_error(_metadata, self->root,
			  "result number 1 out of order (expected 2)");
	EXPECT_GE(self->t.fail, 1);
}

TEST_F(ktap, duplicate_plan)
{
	run(self, "1..1\n1..2\nok 1 a\n");
	expect_ktap_error(_metadata, self->root, "second plan line '1..2'");
	expect_tally(_metadata, &self->t, 1, 1, 0);
}

TEST_F(ktap, bail_out)
{
	run(self, "1..3\nok 1 a\nBail out! no more device\n");
	expect_ktap_error(_metadata, self->root, "Bail out! no more device");
	EXPECT_EQ(1, self->t.pass);
	EXPECT_GE(self->t.fail, 1);
}

TEST_F(ktap, plan_errors_in_subtests_attach_to_the_parent)
{
	const struct test_node *a;

	run(self,
	    "1..1\n"
	    "    KTAP version 1\n"
	    "    1..3\n"
	    "    ok 1 one\n"
	    "ok 1 suite\n");
	a = expect_kid(_metadata, self->root, 0, "suite", RES_PASS);
	expect_ktap_error(_metadata, a, "plan 1..3 but only 1 result");
	/* the passing parent hid a malformed subtest: still one failure */
	expect_tally(_metadata, &self->t, 1, 1, 0);
}

TEST_F(ktap, subtests_whose_parent_never_reported)
{
	const struct test_node *u;

	run(self,
	    "KTAP version 1\n"
	    "1..1\n"
	    "    KTAP version 1\n"
	    "    1..2\n"
	    "    ok 1 done_case\n");
	ASSERT_GE(self->root->nkids, 1);
	u = self->root->kids[0];
	EXPECT_EQ(RES_NONE, u->res);
	ASSERT_GE(u->nkids, 1);
	expect_kid(_metadata, u, 0, "done_case", RES_PASS);
	expect_ktap_error(_metadata, u, "plan 1..2 but only 1 result");
	expect_ktap_error(_metadata, self->root, "plan 1..1 but only 0 results");
	EXPECT_EQ(1, self->t.pass);
	EXPECT_GE(self->t.fail, 1);
}

TEST_F(ktap, unreported_subtest_with_only_passes_still_fails)
{
	run(self, "    KTAP version 1\n    1..1\n    ok 1 fine\n");
	ASSERT_EQ(1, self->root->nkids);
	EXPECT_EQ(RES_NONE, self->root->kids[0]->res);
	expect_tally(_metadata, &self->t, 1, 1, 0);
}

TEST_F(ktap, end_without_any_line)
{
	run(self, "");
	EXPECT_EQ(0, self->root->nkids);
	EXPECT_EQ(0, count_ktap_errors(self->root));
	EXPECT_EQ(RES_NONE, self->root->res);
}

TEST(two_parsers_do_not_share_state)
{
	struct test_node *r1 = node_new("one"), *r2 = node_new("two");
	struct ktap *k1 = ktap_new(r1), *k2 = ktap_new(r2);

	ktap_line(k1, "1..1");
	ktap_line(k2, "1..2");
	ktap_line(k1, "ok 1 a");
	ktap_line(k2, "ok 1 b");
	ktap_line(k2, "ok 2 c");
	ktap_end(k1);
	ktap_end(k2);
	EXPECT_EQ(1, r1->nkids);
	EXPECT_EQ(2, r2->nkids);
	ktap_free(k1);
	ktap_free(k2);
	node_free(r1);
	node_free(r2);
}

TEST_HARNESS_MAIN
