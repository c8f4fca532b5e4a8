// SPDX-License-Identifier: GPL-2.0
/*
 * Topology: slot assignment, the checks QEMU would otherwise fail on, slot
 * paths, and the IOMMU groups the harness predicts for the guest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "topology.h"

#include "kselftest_harness.h"
#include "unit.h"

#define PATH "topo.scenario"
#define BUILTIN "alone 00.0\nbuiltin 1f.0 1f.2 1f.3\n"

/* Parse "@devices" plus a test line, asserting it is accepted. */
static void expect_topology_ok(struct __test_metadata *_metadata,
			       const char *devices, struct scenario *scn)
{
	char *text = xasprintf("%stest t\n", devices);
	struct buf err = { 0 };
	int ret = scenario_parse(PATH, text, scn, &err);

	if (ret)
		TH_LOG("unexpected errors for:\n%s---\n%s", text, err.s);
	free(text);
	buf_free(&err);
	ASSERT_EQ(0, ret);
}

/* "@devices" is refused with "PATH:LINE: ...@phrase...". */
static void expect_topology_error(struct __test_metadata *_metadata,
				  const char *devices, int line,
				  const char *phrase)
{
	char *text = xasprintf("%stest t\n", devices);
	char *prefix = xasprintf("%s:%d: ", PATH, line);
	struct scenario scn;
	struct buf err = { 0 };
	int ret = scenario_parse(PATH, text, &scn, &err);

	if (ret != -1 || !line_has(err.s, prefix, phrase))
		TH_LOG("want -1 and '%s...%s...' for:\n%s--- got %d:\n%s", prefix,
		       phrase, text, ret, err.s ? err.s : "(nothing)");
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(line_has(err.s, prefix, phrase));
	scenario_free(&scn);
	buf_free(&err);
	free(prefix);
	free(text);
}

/* Device @id sits at @path ("02.0/01.0"). */
static void expect_path(struct __test_metadata *_metadata,
			const struct scenario *scn, const char *id,
			const char *path)
{
	const struct scn_device *d = scenario_device(scn, id);
	char *got;

	ASSERT_NE(NULL, d) TH_LOG("no device %s", id);
	got = topology_path(scn, d);
	if (strcmp(got, path))
		TH_LOG("%s: want %s, got %s", id, path, got);
	EXPECT_STREQ(path, got);
	free(got);
}

/* The predicted groups of "@devices" are exactly @groups (q35's first). */
static void expect_groups(struct __test_metadata *_metadata,
			  const char *devices, const char *groups)
{
	struct scenario scn;
	char *want = xasprintf(BUILTIN "%s", groups);
	char *got;

	expect_topology_ok(_metadata, devices, &scn);
	got = topology_expected_groups(&scn, viommu_lookup(VIOMMU_DEFAULT));
	if (strcmp(want, got))
		TH_LOG("for:\n%s--- want:\n%s--- got:\n%s", devices, want, got);
	EXPECT_STREQ(want, got);
	free(got);
	free(want);
	scenario_free(&scn);
}

/* The value of @d's "@key=" option, or NULL. */
static const char *opt_value(const struct scn_device *d, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < d->opts.n; i++)
		if (!strncmp(d->opts.v[i], key, n) && d->opts.v[i][n] == '=')
			return d->opts.v[i] + n + 1;
	return NULL;
}

/* ---- slot assignment ---- */

TEST(root_bus_slots_start_at_01)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device a edu\ndevice b e1000e\ndevice c edu\n", &scn);
	expect_path(_metadata, &scn, "a", "01.0");
	expect_path(_metadata, &scn, "b", "02.0");
	expect_path(_metadata, &scn, "c", "03.0");
	scenario_free(&scn);
}

TEST(bridge_bus_slots_start_at_01)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device br pcie-pci-bridge\n"
			   "device a edu bus=br\n"
			   "device b edu bus=br\n"
			   "device c edu\n", &scn);
	expect_path(_metadata, &scn, "br", "01.0");
	expect_path(_metadata, &scn, "a", "01.0/01.0");
	expect_path(_metadata, &scn, "b", "01.0/02.0");
	expect_path(_metadata, &scn, "c", "02.0");
	scenario_free(&scn);
}

TEST(root_port_bus_uses_slot_00)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device rp pcie-root-port\ndevice nic e1000e bus=rp\n",
			   &scn);
	expect_path(_metadata, &scn, "rp", "01.0");
	expect_path(_metadata, &scn, "nic", "01.0/00.0");
	scenario_free(&scn);
}

TEST(explicit_addresses_kept_and_auto_ones_fill_around)
{
	struct scenario scn;

	/* auto devices declared before the explicit ones still avoid them */
	expect_topology_ok(_metadata,
			   "device b edu\n"
			   "device a edu addr=01.0\n"
			   "device d edu\n"
			   "device c edu addr=03.0\n"
			   "device e edu addr=1e.0\n"
			   "device f edu\n", &scn);
	expect_path(_metadata, &scn, "a", "01.0");
	expect_path(_metadata, &scn, "b", "02.0");
	expect_path(_metadata, &scn, "c", "03.0");
	expect_path(_metadata, &scn, "d", "04.0");
	expect_path(_metadata, &scn, "e", "1e.0");
	expect_path(_metadata, &scn, "f", "05.0");
	scenario_free(&scn);
}

TEST(bridge_accepts_slot_1f)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device br pci-bridge addr=07.0\ndevice a edu bus=br addr=1f.0\n",
			   &scn);
	expect_path(_metadata, &scn, "a", "07.0/1f.0");
	scenario_free(&scn);
}

TEST(multifunction_pair_with_auto_function_0)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device f0 edu multifunction=on\n"
			   "device f1 edu addr=01.1\n"
			   "device f2 edu addr=01.2\n", &scn);
	expect_path(_metadata, &scn, "f0", "01.0");
	expect_path(_metadata, &scn, "f1", "01.1");
	expect_path(_metadata, &scn, "f2", "01.2");
	scenario_free(&scn);
}

TEST(paths_of_nested_devices)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device rp pcie-root-port addr=04.0\n"
			   "device br pcie-pci-bridge bus=rp\n"
			   "device br2 pci-bridge bus=br addr=02.0\n"
			   "device deep edu bus=br2 addr=03.0\n"
			   "device pbr pcie-pci-bridge addr=02.0\n"
			   "device e edu bus=pbr\n", &scn);
	expect_path(_metadata, &scn, "e", "02.0/01.0");
	expect_path(_metadata, &scn, "br2", "04.0/00.0/02.0");
	expect_path(_metadata, &scn, "deep", "04.0/00.0/02.0/03.0");
	scenario_free(&scn);
}

TEST(eight_levels_of_bridges_are_allowed)
{
	struct buf text = { 0 };
	struct scenario scn;

	buf_addf(&text, "device b0 pci-bridge\n");
	for (int i = 1; i < 8; i++)
		buf_addf(&text, "device b%d pci-bridge bus=b%d\n", i, i - 1);
	buf_addf(&text, "device leaf edu bus=b7\n");
	expect_topology_ok(_metadata, text.s, &scn);
	expect_path(_metadata, &scn, "leaf",
		    "01.0/01.0/01.0/01.0/01.0/01.0/01.0/01.0/01.0");
	scenario_free(&scn);
	buf_free(&text);
}

TEST(root_ports_get_distinct_chassis_numbers)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device rp1 pcie-root-port\n"
			   "device br pcie-pci-bridge\n"
			   "device rp2 ioh3420\n"
			   "device rp3 pcie-root-port chassis=7\n", &scn);
	EXPECT_STREQ("1", opt_value(scenario_device(&scn, "rp1"), "chassis"));
	EXPECT_STREQ("2", opt_value(scenario_device(&scn, "rp2"), "chassis"));
	EXPECT_STREQ("7", opt_value(scenario_device(&scn, "rp3"), "chassis"));
	EXPECT_EQ(1, scenario_device(&scn, "rp3")->opts.n);
	EXPECT_NULL(opt_value(scenario_device(&scn, "br"), "chassis"));
	scenario_free(&scn);
}

/* QEMU refuses two ports with one chassis: automatic ones avoid given ones. */
TEST(auto_chassis_avoids_an_explicit_one)
{
	struct scenario scn;
	const char *c1, *c2, *c3;

	expect_topology_ok(_metadata,
			   "device rp1 pcie-root-port chassis=2\n"
			   "device rp2 pcie-root-port\n"
			   "device rp3 pcie-root-port chassis=1\n", &scn);
	c1 = opt_value(scenario_device(&scn, "rp1"), "chassis");
	c2 = opt_value(scenario_device(&scn, "rp2"), "chassis");
	c3 = opt_value(scenario_device(&scn, "rp3"), "chassis");
	ASSERT_NE(NULL, c2);
	TH_LOG("chassis: rp1=%s rp2=%s rp3=%s", c1, c2, c3);
	EXPECT_STRNE(c1, c2);
	EXPECT_STRNE(c3, c2);
	scenario_free(&scn);
}

/* ---- topology errors ---- */

TEST(two_devices_at_one_address)
{
	expect_topology_error(_metadata,
			      "device a edu addr=03.0\ndevice b edu addr=03.0\n", 2,
			      "'b' and 'a' (line 1) both sit at 03.0");
	expect_topology_error(_metadata,
			      "device br pcie-pci-bridge\n"
			      "device a edu bus=br addr=05.0\n"
			      "device b edu bus=br addr=05.0\n", 3,
			      "both sit at 05.0");
}

TEST(same_address_on_different_buses_is_fine)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device br pcie-pci-bridge addr=05.0\n"
			   "device a edu bus=br addr=05.0\n", &scn);
	expect_path(_metadata, &scn, "a", "05.0/05.0");
	scenario_free(&scn);
}

TEST(function_above_0_needs_multifunction_on_function_0)
{
	expect_topology_error(_metadata,
			      "device a edu addr=04.0\ndevice b edu addr=04.1\n", 2,
			      "'b' is function 1 of slot 04, which needs a device at function 0 with multifunction=on");
	expect_topology_error(_metadata,
			      "device a edu addr=04.0 multifunction=off\ndevice b edu addr=04.3\n",
			      2, "needs a device at function 0 with multifunction=on");
	expect_topology_error(_metadata, "device lonely edu addr=06.2\n", 1,
			      "'lonely' is function 2 of slot 06");
}

TEST(bus_naming_an_endpoint)
{
	expect_topology_error(_metadata,
			      "device e edu\ndevice d edu bus=e\n", 2,
			      "bus 'e' is a edu, not a bridge or port");
}

TEST(unknown_bus)
{
	expect_topology_error(_metadata,
			      "device d edu\ndevice x edu bus=nope\n", 2,
			      "bus 'nope' is not a declared bridge or port");
}

/* An unknown bus higher up the chain must be an error, not a crash. */
TEST(unknown_bus_above_a_known_bridge)
{
	expect_topology_error(_metadata,
			      "device c edu bus=a\ndevice a pcie-pci-bridge bus=zzz\n", 2,
			      "bus 'zzz' is not a declared bridge or port");
}

TEST(bus_loop)
{
	expect_topology_error(_metadata,
			      "device a pcie-pci-bridge bus=b\ndevice b pcie-pci-bridge bus=a\n",
			      1, "bus chain of 'a' loops");
	expect_topology_error(_metadata, "device s pci-bridge bus=s\n", 1,
			      "loops");
}

TEST(nine_levels_of_bridges_are_too_deep)
{
	struct buf text = { 0 };

	buf_addf(&text, "device b0 pci-bridge\n");
	for (int i = 1; i < 9; i++)
		buf_addf(&text, "device b%d pci-bridge bus=b%d\n", i, i - 1);
	buf_addf(&text, "device leaf edu bus=b8\n");
	expect_topology_error(_metadata, text.s, 10,
			      "bus chain of 'leaf' loops or is deeper than 8");
	buf_free(&text);
}

TEST(root_port_bus_has_only_slot_0)
{
	struct scenario scn;

	expect_topology_ok(_metadata,
			   "device rp pcie-root-port\ndevice d edu bus=rp addr=00.0\n",
			   &scn);
	scenario_free(&scn);
	expect_topology_error(_metadata,
			      "device rp pcie-root-port\ndevice d edu bus=rp addr=01.0\n",
			      2, "slot 01 is not usable on rp (slots 00-00)");
}

TEST(reserved_root_bus_slots)
{
	expect_topology_error(_metadata, "device d edu addr=00.0\n", 1,
			      "slot 00 is not usable on the root bus (slots 01-1e)");
	expect_topology_error(_metadata, "device d edu addr=1f.0\n", 1,
			      "slot 1f is not usable on the root bus");
	expect_topology_error(_metadata,
			      "device br pcie-pci-bridge\ndevice d edu bus=br addr=00.0\n",
			      2, "slot 00 is not usable on br (slots 01-1f)");
}

TEST(no_free_slot)
{
	struct buf text = { 0 };

	expect_topology_error(_metadata,
			      "device rp pcie-root-port\n"
			      "device a edu bus=rp\n"
			      "device b edu bus=rp\n", 3,
			      "no free slot left for 'b'");
	for (int i = 0; i < 31; i++)
		buf_addf(&text, "device d%d edu\n", i);
	expect_topology_error(_metadata, text.s, 31, "no free slot left for 'd30'");
	buf_free(&text);
}

/* ---- expected IOMMU groups ---- */

TEST(groups_of_nothing_are_q35s_own)
{
	expect_groups(_metadata, "", "");
}

TEST(groups_bridge_with_two_devices)
{
	expect_groups(_metadata,
		      "device pbr pcie-pci-bridge addr=02.0\n"
		      "device edu0 edu bus=pbr addr=01.0\n"
		      "device edu1 edu bus=pbr addr=02.0\n",
		      "bridge 02.0 02.0/01.0 02.0/02.0\n");
}

TEST(groups_lone_root_bus_device)
{
	expect_groups(_metadata, "device edu2 edu addr=03.0\n", "alone 03.0\n");
}

TEST(groups_multifunction_pair)
{
	expect_groups(_metadata,
		      "device mf0 edu addr=04.0 multifunction=on\n"
		      "device mf1 edu addr=04.1\n",
		      "multifunction 04.0 04.1\n");
}

TEST(groups_of_the_default_scenario)
{
	expect_groups(_metadata,
		      "device pbr  pcie-pci-bridge addr=02.0\n"
		      "device edu0 edu bus=pbr addr=01.0\n"
		      "device edu1 edu bus=pbr addr=02.0\n"
		      "device edu2 edu addr=03.0\n"
		      "device mf0  edu addr=04.0 multifunction=on\n"
		      "device mf1  edu addr=04.1\n",
		      "bridge 02.0 02.0/01.0 02.0/02.0\n"
		      "alone 03.0\n"
		      "multifunction 04.0 04.1\n");
}

TEST(groups_root_port_with_acs)
{
	expect_groups(_metadata,
		      "device rp1 pcie-root-port\ndevice nic1 e1000e bus=rp1\n",
		      "port 01.0\nport-below 01.0/00.0\n");
}

TEST(groups_root_port_with_acs_disabled)
{
	expect_groups(_metadata,
		      "device rp2 pcie-root-port addr=02.0 disable-acs=on\n"
		      "device nic2 e1000e bus=rp2\n",
		      "port-no-acs 02.0 02.0/00.0\n");
}

TEST(groups_ioh3420_has_no_acs)
{
	expect_groups(_metadata,
		      "device rp3 ioh3420 addr=03.0\ndevice nic3 e1000e bus=rp3\n",
		      "port-no-acs 03.0 03.0/00.0\n");
}

TEST(groups_of_the_ports_scenario)
{
	expect_groups(_metadata,
		      "device rp1  pcie-root-port\n"
		      "device nic1 e1000e bus=rp1\n"
		      "device rp2  pcie-root-port disable-acs=on\n"
		      "device nic2 e1000e bus=rp2\n"
		      "device rp3  ioh3420\n"
		      "device nic3 e1000e bus=rp3\n",
		      "port 01.0\n"
		      "port-below 01.0/00.0\n"
		      "port-no-acs 02.0 02.0/00.0\n"
		      "port-no-acs 03.0 03.0/00.0\n");
}

TEST(groups_bridge_behind_root_port)
{
	expect_groups(_metadata,
		      "device rp pcie-root-port\n"
		      "device br pcie-pci-bridge bus=rp\n"
		      "device e edu bus=br\n",
		      "port 01.0\nbridge 01.0/00.0 01.0/00.0/01.0\n");
}

/*
 * The guest (tests/guest/iommu_groups.c) checks a "bridge" line's first
 * path is a PCI bridge and a "port-no-acs" line's first path is a root port
 * without ACS, with the rest below it. Here the group's top is the port.
 */
TEST(groups_bridge_behind_port_without_acs_is_port_no_acs)
{
	expect_groups(_metadata,
		      "device rp ioh3420\n"
		      "device br pcie-pci-bridge bus=rp\n"
		      "device e edu bus=br\n",
		      "port-no-acs 01.0 01.0/00.0 01.0/00.0/01.0\n");
}

/* Devices may be declared before their bridge; the top still comes first. */
TEST(groups_list_the_bridge_first_whatever_the_declaration_order)
{
	expect_groups(_metadata,
		      "device e1 edu bus=pbr\n"
		      "device pbr pcie-pci-bridge\n"
		      "device e2 edu bus=pbr\n",
		      "bridge 01.0 01.0/01.0 01.0/02.0\n");
}

TEST(groups_list_the_port_first_whatever_the_declaration_order)
{
	expect_groups(_metadata,
		      "device nic e1000e bus=rp\n"
		      "device rp pcie-root-port disable-acs=on\n",
		      "port-no-acs 01.0 01.0/00.0\n");
}

TEST(groups_multifunction_below_root_port)
{
	expect_groups(_metadata,
		      "device rp pcie-root-port\n"
		      "device f0 edu bus=rp multifunction=on\n"
		      "device f1 edu bus=rp addr=00.1\n",
		      "port 01.0\nmultifunction 01.0/00.0 01.0/00.1\n");
}

/*
 * QEMU takes on/off, yes/no and true/false for boolean properties. Either
 * the parser refuses anything but "on"/"off" for disable-acs (as it does for
 * multifunction), or the prediction must follow what QEMU does.
 */
TEST(disable_acs_spelled_true_is_not_mispredicted)
{
	static const char devices[] =
		"device rp pcie-root-port disable-acs=true\n"
		"device nic e1000e bus=rp\n"
		"test t\n";
	struct scenario scn;
	struct buf err = { 0 };
	char *groups;

	if (scenario_parse(PATH, devices, &scn, &err)) {
		TH_LOG("refused, fine: %s", err.s);
		scenario_free(&scn);
		buf_free(&err);
		return;
	}
	groups = topology_expected_groups(&scn, viommu_lookup(VIOMMU_DEFAULT));
	if (!has_line(groups, "port-no-acs 01.0 01.0/00.0"))
		TH_LOG("QEMU disables ACS, but the prediction is:\n%s", groups);
	EXPECT_TRUE(has_line(groups, "port-no-acs 01.0 01.0/00.0"));
	free(groups);
	scenario_free(&scn);
}

TEST(model_table)
{
	EXPECT_EQ(MODEL_PCI_BRIDGE, pci_model_lookup("pcie-pci-bridge")->kind);
	EXPECT_EQ(MODEL_PCI_BRIDGE, pci_model_lookup("pci-bridge")->kind);
	EXPECT_EQ(MODEL_ROOT_PORT, pci_model_lookup("pcie-root-port")->kind);
	EXPECT_TRUE(pci_model_lookup("pcie-root-port")->acs);
	EXPECT_EQ(MODEL_ROOT_PORT, pci_model_lookup("ioh3420")->kind);
	EXPECT_FALSE(pci_model_lookup("ioh3420")->acs);
	/* unknown models: endpoints without ACS, the conservative guess */
	EXPECT_EQ(MODEL_ENDPOINT, pci_model_lookup("edu")->kind);
	EXPECT_FALSE(pci_model_lookup("edu")->acs);
	EXPECT_EQ(MODEL_ENDPOINT, pci_model_lookup("")->kind);
}

TEST_HARNESS_MAIN

/* A scenario listing amd-iommu or virtio-iommu leaves root slot 01 to it */
TEST(viommu_with_a_function_keeps_root_slot_01)
{
	struct scenario scn;
	char *groups;

	expect_topology_ok(_metadata,
			   "viommu intel-iommu virtio-iommu\n"
			   "device a edu\n"
			   "device pbr pcie-pci-bridge\n"
			   "device b edu bus=pbr\n", &scn);
	EXPECT_TRUE(topology_viommu_slot_kept(&scn));
	expect_path(_metadata, &scn, "a", "02.0");
	expect_path(_metadata, &scn, "pbr", "03.0");
	/* behind a bridge, slot 01 is the bridge's to give */
	expect_path(_metadata, &scn, "b", "03.0/01.0");
	EXPECT_EQ(NULL, topology_root_device_at(&scn, VIOMMU_SLOT));
	groups = topology_expected_groups(&scn, viommu_lookup("virtio-iommu"));
	EXPECT_TRUE(has_line(groups, "ungrouped 01.0")) TH_LOG("%s", groups);
	free(groups);
	/* booted on intel-iommu, slot 01 is simply empty */
	groups = topology_expected_groups(&scn, viommu_lookup("intel-iommu"));
	EXPECT_FALSE(has_line(groups, "ungrouped 01.0")) TH_LOG("%s", groups);
	free(groups);
	scenario_free(&scn);
}

TEST(viommu_slot_taken_explicitly_is_refused)
{
	expect_topology_error(_metadata,
			      "viommu amd-iommu\n"
			      "device a edu addr=01.0\n", 2,
			      "slot 01 is not usable on the root bus (slots 02-1e)");
}

TEST(intel_only_scenarios_keep_slot_01)
{
	struct scenario scn;

	expect_topology_ok(_metadata, "device a edu\n", &scn);
	EXPECT_FALSE(topology_viommu_slot_kept(&scn));
	expect_path(_metadata, &scn, "a", "01.0");
	EXPECT_NE(NULL, topology_root_device_at(&scn, VIOMMU_SLOT));
	scenario_free(&scn);
}

/* virtio-iommu: what is behind a PCIe-to-PCI bridge is ungrouped, the bridge alone */
TEST(virtio_iommu_groups_nothing_behind_a_bridge)
{
	struct scenario scn;
	char *groups;

	expect_topology_ok(_metadata,
			   "viommu virtio-iommu\n"
			   "device pbr pcie-pci-bridge\n"
			   "device b edu bus=pbr\n"
			   "device c e1000 bus=pbr\n", &scn);
	groups = topology_expected_groups(&scn, viommu_lookup("virtio-iommu"));
	EXPECT_TRUE(has_line(groups, "alone 02.0")) TH_LOG("%s", groups);
	EXPECT_TRUE(has_line(groups, "ungrouped 02.0/01.0")) TH_LOG("%s", groups);
	EXPECT_TRUE(has_line(groups, "ungrouped 02.0/02.0")) TH_LOG("%s", groups);
	EXPECT_TRUE(has_line(groups, "ungrouped 01.0")) TH_LOG("%s", groups);
	free(groups);
	groups = topology_expected_groups(&scn, viommu_lookup("amd-iommu"));
	EXPECT_TRUE(has_line(groups, "bridge 02.0 02.0/01.0 02.0/02.0")) TH_LOG("%s", groups);
	free(groups);
	scenario_free(&scn);
}
