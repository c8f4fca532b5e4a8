// SPDX-License-Identifier: GPL-2.0
/* upcilab run --shard I/N: parsing and a deterministic, balanced split. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"

#include "kselftest_harness.h"
#include "unit.h"

static const char *const bad_specs[] = {
	"0/4", "5/4", "1/0", "1/65", "1", "1/", "/4", "a/4", "1/4x", "-1/4",
	"1/-4", " 1/4", "",
};

TEST(shard_specs)
{
	int i, n;

	ASSERT_EQ(0, shard_parse("1/1", &i, &n));
	EXPECT_EQ(1, i);
	EXPECT_EQ(1, n);
	ASSERT_EQ(0, shard_parse("3/4", &i, &n));
	EXPECT_EQ(3, i);
	EXPECT_EQ(4, n);
	EXPECT_EQ(0, shard_parse("64/64", &i, &n));
	for (size_t k = 0; k < ARRAY_SIZE(bad_specs); k++) {
		EXPECT_EQ(-1, shard_parse(bad_specs[k], &i, &n))
			TH_LOG("'%s' accepted", bad_specs[k]);
	}
	EXPECT_EQ(-1, shard_parse(NULL, &i, &n));
}

static char *labels[] = { "a/x", "b/x", "c/x", "d/x", "e/x", "f/x" };

TEST(every_vm_lands_in_exactly_one_shard)
{
	double cost[6] = { 10, 50, 20, 5, 40, 30 };
	int to[6];

	shard_assign(cost, labels, 6, 4, to);
	for (int k = 0; k < 6; k++) {
		EXPECT_LE(1, to[k]);
		EXPECT_GE(4, to[k]);
	}
}

TEST(costliest_first_each_to_the_least_loaded)
{
	double cost[6] = { 10, 50, 20, 5, 40, 30 };
	double load[3] = { 0 };
	int to[6];

	shard_assign(cost, labels, 6, 2, to);
	for (int k = 0; k < 6; k++)
		load[to[k]] += cost[k];
	/* LPT: 50|40, 30 -> 2 (70), 20 -> 1 (70), 10 -> 1 (80), 5 -> 2 (75) */
	EXPECT_EQ(80, load[1]);
	EXPECT_EQ(75, load[2]);
	EXPECT_EQ(1, to[1]);
	EXPECT_EQ(2, to[4]);
}

TEST(the_same_input_gives_the_same_split)
{
	double cost[6] = { 7, 7, 7, 7, 7, 7 };
	int a[6], b[6];

	shard_assign(cost, labels, 6, 3, a);
	shard_assign(cost, labels, 6, 3, b);
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	/* equal costs go by label: a, b, c to shards 1, 2, 3, then round again */
	EXPECT_EQ(1, a[0]);
	EXPECT_EQ(2, a[1]);
	EXPECT_EQ(3, a[2]);
	EXPECT_EQ(1, a[3]);
}

TEST(more_shards_than_vms_leaves_some_empty)
{
	double cost[2] = { 1, 2 };
	int to[2];

	shard_assign(cost, labels, 2, 5, to);
	EXPECT_EQ(2, to[0]);
	EXPECT_EQ(1, to[1]);
}

TEST(durations_are_read_by_label)
{
	const char *d = "vfio/upci 41.5\nvfio/vfio-pci 39\nvfio/upci-vfio x\nirq/upci -3\n";

	EXPECT_EQ(41.5, shard_duration_of(d, "vfio/upci"));
	EXPECT_EQ(39, shard_duration_of(d, "vfio/vfio-pci"));
	EXPECT_EQ(-1, shard_duration_of(d, "vfio/upci-vfio"));	/* not a number */
	EXPECT_EQ(-1, shard_duration_of(d, "irq/upci"));	/* negative */
	EXPECT_EQ(-1, shard_duration_of(d, "vfio"));		/* a prefix */
	EXPECT_EQ(-1, shard_duration_of(d, "mockdma/upci"));
	EXPECT_EQ(-1, shard_duration_of(NULL, "vfio/upci"));
	EXPECT_EQ(7, shard_duration_of("x/y 7", "x/y"));	/* no newline */
}

TEST(estimate_is_boot_and_a_tenth_of_the_timeouts)
{
	struct scn_test t[2] = { { .timeout_s = 100 }, { .timeout_s = 300 } };
	struct scenario s = { .tests = t, .ntests = 2 };

	EXPECT_EQ(45, shard_estimate(&s));
}

TEST_HARNESS_MAIN
