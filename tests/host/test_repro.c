// SPDX-License-Identifier: GPL-2.0
/* upcilab repro: choosing the test or case, its runs, and the guest trace. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "repro.h"
#include "scenario.h"
#include "viommu.h"

#include "kselftest_harness.h"
#include "unit.h"

static const char two_tests[] =
	"driver upci\ndevice e edu\nbind e\ntest alpha timeout=7\ntest beta timeout=9\n";

static void parse(struct __test_metadata *_metadata, struct scenario *scn)
{
	struct buf err = { 0 };
	int ret = scenario_parse("r.scenario", two_tests, scn, &err);

	if (ret)
		TH_LOG("%s", err.s);
	buf_free(&err);
	ASSERT_EQ(0, ret);
}

static int prepare(struct scenario *scn, const char *target, int runs,
		   bool until_fail, struct buf *err)
{
	struct repro_opts o = { .runs = runs, .until_fail = until_fail };

	return repro_prepare(scn, target, &o, err);
}

TEST(a_whole_test_runs_once_untraced_args)
{
	struct scenario scn;
	struct buf err = { 0 };

	parse(_metadata, &scn);
	ASSERT_EQ(0, prepare(&scn, "beta", 1, false, &err));
	ASSERT_EQ(1, scn.ntests);
	EXPECT_STREQ("beta", scn.tests[0].name);
	EXPECT_STREQ("beta", scn.tests[0].title);
	EXPECT_EQ(NULL, scn.tests[0].args);
	EXPECT_EQ(9, scn.tests[0].timeout_s);
	EXPECT_TRUE(scn.trace_iommu);
	EXPECT_FALSE(scn.until_fail);
	scenario_free(&scn);
}

TEST(a_case_name_selects_it_in_any_fixture)
{
	struct scenario scn;
	struct buf err = { 0 };

	parse(_metadata, &scn);
	ASSERT_EQ(0, prepare(&scn, "alpha.dma_is_blocked", 3, true, &err));
	ASSERT_EQ(3, scn.ntests);
	for (size_t i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "alpha.dma_is_blocked run %zu", i + 1);
		EXPECT_STREQ("alpha", scn.tests[i].name);
		EXPECT_STREQ("-t dma_is_blocked", scn.tests[i].args);
		EXPECT_STREQ(want, scn.tests[i].title);
		EXPECT_EQ(7, scn.tests[i].timeout_s);
	}
	EXPECT_TRUE(scn.until_fail);
	scenario_free(&scn);
}

TEST(a_full_kselftest_name_selects_exactly_it)
{
	struct scenario scn;
	struct buf err = { 0 };

	parse(_metadata, &scn);
	ASSERT_EQ(0, prepare(&scn, "alpha.fix.var.case_1", 1, false, &err));
	EXPECT_STREQ("-r fix.var.case_1", scn.tests[0].args);
	scenario_free(&scn);
}

TEST(an_unknown_test_names_the_scenarios_tests_and_changes_nothing)
{
	struct scenario scn;
	struct buf err = { 0 };

	parse(_metadata, &scn);
	EXPECT_EQ(-1, prepare(&scn, "gamma.x", 1, false, &err));
	EXPECT_STREQ("r has no test 'gamma' (its tests: alpha, beta)", err.s);
	EXPECT_EQ(2, scn.ntests);
	EXPECT_FALSE(scn.trace_iommu);
	buf_free(&err);
	/* a prefix of a test's name is not that test */
	EXPECT_EQ(-1, prepare(&scn, "alph", 1, false, &err));
	buf_free(&err);
	scenario_free(&scn);
}

TEST(bad_case_names_are_refused)
{
	static const char *const bad[] = {
		"alpha.", "alpha..x", "alpha.x.", "alpha.a b", "alpha.$(reboot)",
		"alpha.x;y", "alpha.'q'",
	};
	struct scenario scn;

	parse(_metadata, &scn);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf err = { 0 };

		EXPECT_EQ(-1, prepare(&scn, bad[i], 1, false, &err)) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, err.s ? strstr(err.s, "is not a kselftest case name") : NULL);
		buf_free(&err);
	}
	EXPECT_EQ(2, scn.ntests);
	scenario_free(&scn);
}

TEST(init_traces_and_stops_at_the_first_failure_or_fault)
{
	struct scenario scn;
	struct buf err = { 0 };
	struct strv mods = { 0 };
	char *s;

	parse(_metadata, &scn);
	ASSERT_EQ(0, prepare(&scn, "alpha.c", 2, true, &err));
	s = image_init_script(&scn, "upci", viommu_lookup(VIOMMU_DEFAULT), &mods);
	EXPECT_NE(NULL, strstr(s, "echo 1 >$T/events/iommu/enable || fail"));
	EXPECT_NE(NULL, strstr(s, "[ ! -d $T/events/upci ] || echo 1 >$T/events/upci/enable || fail"));
	EXPECT_NE(NULL, strstr(s, "\nagain 1 alpha -t c\nagain 2 alpha -t c\n"));
	EXPECT_NE(NULL, strstr(s, "stop=\"run $1 logged an IOMMU fault\""));
	EXPECT_LT(strstr(s, "\nagain 2 "), strstr(s, "guest-trace begin"));
	EXPECT_EQ(NULL, strstr(s, "\nrun 1 "));
	free(s);
	scenario_free(&scn);
}

TEST(a_plain_run_is_neither_traced_nor_stopped)
{
	struct scenario scn;
	struct strv mods = { 0 };
	char *s;

	parse(_metadata, &scn);
	s = image_init_script(&scn, "upci", viommu_lookup(VIOMMU_DEFAULT), &mods);
	EXPECT_NE(NULL, strstr(s, "\nrun 1 alpha\nrun 2 beta\n"));
	EXPECT_EQ(NULL, strstr(s, "tracing"));
	EXPECT_EQ(NULL, strstr(s, "again"));
	free(s);
	scenario_free(&scn);
}

TEST(guest_trace_is_cut_from_the_console_without_crs)
{
	char *t = repro_guest_trace("boot\r\n# upcilab: guest-trace begin\r\n"
				    "# tracer: nop\r\n  x-1 map: iova=0x1000\r\n"
				    "# upcilab: guest-trace end\r\nafter\r\n");

	EXPECT_STREQ("# tracer: nop\n  x-1 map: iova=0x1000\n", t);
	free(t);
	EXPECT_EQ(NULL, repro_guest_trace("no markers\n"));
	EXPECT_EQ(NULL, repro_guest_trace(NULL));
	/* cut off by a crash: what came is kept */
	t = repro_guest_trace("# upcilab: guest-trace begin\nmap: a\nma");
	EXPECT_STREQ("map: a\nma", t);
	free(t);
}

TEST_HARNESS_MAIN
