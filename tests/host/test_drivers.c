// SPDX-License-Identifier: GPL-2.0
/* The drivers under test: what each loads, and how --driver picks them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "drivers.h"

#include "kselftest_harness.h"
#include "unit.h"

static char *both[] = { "vfio-pci", "upci" };
static char *compat[] = { "vfio-pci", "upci-vfio" };

TEST(no_option_runs_every_driver_of_the_scenario)
{
	const char *out[2];
	char *owned;

	ASSERT_EQ(2, drivers_for_run(both, 2, NULL, out, &owned));
	EXPECT_STREQ("vfio-pci", out[0]);
	EXPECT_STREQ("upci", out[1]);
	EXPECT_EQ(NULL, owned);
}

TEST(the_list_filters_the_scenarios_drivers)
{
	const char *out[2];
	char *owned;

	ASSERT_EQ(1, drivers_for_run(both, 2, "upci,upci-vfio", out, &owned));
	EXPECT_STREQ("upci", out[0]);
	EXPECT_EQ(NULL, owned);
	ASSERT_EQ(1, drivers_for_run(compat, 2, "upci,upci-vfio", out, &owned));
	EXPECT_STREQ("upci-vfio", out[0]);
	ASSERT_EQ(2, drivers_for_run(compat, 2, "upci-vfio,vfio-pci", out, &owned));
	/* in the scenario's order, not the list's */
	EXPECT_STREQ("vfio-pci", out[0]);
	EXPECT_STREQ("upci-vfio", out[1]);
}

TEST(a_scenario_naming_none_of_the_list_gets_its_first)
{
	char *only[] = { "vfio-pci" };
	const char *out[1];
	char *owned;

	ASSERT_EQ(1, drivers_for_run(only, 1, "upci,upci-vfio", out, &owned));
	EXPECT_STREQ("upci", out[0]);
	EXPECT_EQ(out[0], owned);
	free(owned);
}

TEST(a_name_is_a_whole_word_of_the_list)
{
	const char *out[2];
	char *owned;

	/* "upci" is not in "upci-vfio" */
	ASSERT_EQ(1, drivers_for_run(both, 2, "upci-vfio", out, &owned));
	EXPECT_STREQ("upci-vfio", out[0]);
	free(owned);
}

TEST(unknown_names_in_the_list_are_named)
{
	char buf[64];

	EXPECT_EQ(NULL, driver_list_unknown("upci,vfio-pci,upci-vfio,none", buf, sizeof(buf)));
	EXPECT_STREQ("nope", driver_list_unknown("upci,nope", buf, sizeof(buf)));
	EXPECT_STREQ("", driver_list_unknown("upci,", buf, sizeof(buf)));
}

TEST(compat_loads_upci_in_compat_mode_and_vfios_names)
{
	const struct driver_info *di = driver_lookup("upci-vfio");

	ASSERT_NE(NULL, di);
	EXPECT_STREQ("vfio-pci", di->bind_name);
	EXPECT_STREQ("upci", di->our_modules[0]);
	EXPECT_STREQ("vfio", di->our_modules[1]);
	EXPECT_STREQ("vfio-pci", di->our_modules[2]);
	EXPECT_STREQ("vfio_compat=1", di->our_params);
	EXPECT_EQ(NULL, driver_lookup("upci-vfio "));
}

TEST_HARNESS_MAIN
