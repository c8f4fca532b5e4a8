// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU groups are the ones the harness derived from the scenario.
 *
 * $UPCILAB_ETC/groups (default /etc/upcilab/groups) lists every PCI device
 * of the VM, one expected group per line: "<reason> <path> [<path>...]".
 * $UPCILAB_ETC/devices ("<id> <path> <qemu-model>") is optional and only
 * makes messages name the scenario's devices.  lib/expect.c reads both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "expect.h"
#include "pci_topo.h"
#include "viommu.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"

/* Class and subclass of PCI-to-PCI bridges (the kernel's pci_ids.h). */
#define PCI_CLASS_BRIDGE_PCI	0x0604

FIXTURE(iommu_groups) {
	struct expect exp;
	struct pci_topo_bdfs actual;
	struct viommu vi;
};

typedef FIXTURE_DATA(iommu_groups) fixture_t;

/* Message fragments returned by value, so several fit in one TH_LOG(). */
struct text {
	char s[1024];
};

#define LINE_FMT		"%s:%d (%s)"
#define LINE_ARGS(self, l)	(self)->exp.groups_file, (l)->lineno, \
				expect_reason_names[(l)->reason]

static void append(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? " " : "", word);
}

FIXTURE_SETUP(iommu_groups)
{
	char err[768];
	int ret;

	if (!pci_topo_sysfs_present())
		SKIP(return, "cannot list /sys/bus/pci/devices (sysfs not mounted?)");

	ret = expect_load(&self->exp, err, sizeof(err));
	if (ret == -ENOENT)
		SKIP(return, "no expectation file %s", self->exp.groups_file);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
	ASSERT_LT(0, (int)self->exp.ngroups) TH_LOG("%s lists no group",
						    self->exp.groups_file);

	ret = pci_topo_devices(&self->actual);
	ASSERT_EQ(0, ret) TH_LOG("cannot list PCI devices: %s", strerror(-ret));
	ret = viommu_get(&self->vi, err, sizeof(err));
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
}

/*
 * virtio-iommu looks at a device only when a driver probes it: without a
 * driver, no group is expected (logged, not counted).
 */
static bool unprobed(struct __test_metadata *_metadata, const fixture_t *self,
		     const struct expect_dev *d)
{
	if (d->resolve_err || !viommu_unprobed(&self->vi, d->bdf))
		return false;
	TH_LOG("%s (%s): no driver has probed it, so %s has not given it a group",
	       d->path, d->bdf, self->vi.name);
	return true;
}

FIXTURE_TEARDOWN(iommu_groups)
{
	expect_free(&self->exp);
	pci_topo_bdfs_free(&self->actual);
}

/* "path [id model] (BDF, group N)" */
static struct text describe(const fixture_t *self, const struct expect_dev *d)
{
	const struct expect_declared *decl = expect_declared_at(&self->exp, d->path);
	struct text t;
	int len;

	len = snprintf(t.s, sizeof(t.s), "%s", d->path);
	if (decl)
		len += snprintf(t.s + len, sizeof(t.s) - len, " [%s %s]",
				decl->id, decl->model);
	if (d->resolve_err)
		snprintf(t.s + len, sizeof(t.s) - len, " (unresolved)");
	else if (d->group < 0)
		snprintf(t.s + len, sizeof(t.s) - len, " (%s, no group)", d->bdf);
	else
		snprintf(t.s + len, sizeof(t.s) - len, " (%s, group %d)",
			 d->bdf, d->group);
	return t;
}

/* "BDF (path P, vvvv:dddd, group N, driver D, listed on line L)" */
static struct text describe_bdf(const fixture_t *self, const char *bdf)
{
	char path[PCI_TOPO_PATH_SIZE], driver[PCI_TOPO_NAME_SIZE], group[24];
	const struct expect_group *l = expect_group_of_bdf(&self->exp, bdf);
	unsigned int vendor = 0xffff, device = 0xffff;
	int len, id = pci_topo_iommu_group(bdf);
	struct text t;

	if (pci_topo_path_of(bdf, path))
		strcpy(path, "?");
	pci_topo_ids(bdf, &vendor, &device);
	if (pci_topo_driver(bdf, driver))
		strcpy(driver, "?");
	if (id >= 0)
		snprintf(group, sizeof(group), "group %d", id);
	else
		strcpy(group, "no group");
	len = snprintf(t.s, sizeof(t.s), "%s (path %s, %04x:%04x, %s, driver %s, ",
		       bdf, path, vendor, device, group, driver);
	if (l)
		snprintf(t.s + len, sizeof(t.s) - len, "listed on line %d)", l->lineno);
	else
		snprintf(t.s + len, sizeof(t.s) - len, "not listed)");
	return t;
}

static struct text line_paths(const struct expect_group *l)
{
	struct text t = { "" };
	size_t i;

	for (i = 0; i < l->count; i++)
		append(t.s, sizeof(t.s), l->devs[i].path);
	return t;
}

/* The group of the line's first device that has one, or -1. */
static int line_group(const struct expect_group *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (l->devs[i].group >= 0)
			return l->devs[i].group;
	}
	return -1;
}

#define CHECK_ARGS	struct __test_metadata *_metadata, const fixture_t *self, \
			const struct expect_group *l

static int unresolved(CHECK_ARGS)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (!l->devs[i].resolve_err)
			continue;
		TH_LOG(LINE_FMT ": %s does not resolve to a device",
		       LINE_ARGS(self, l), l->devs[i].path);
		bad++;
	}
	return bad;
}

/* /sys/kernel/iommu_groups/N/devices is exactly the line's devices. */
static int group_is_line(CHECK_ARGS)
{
	int group = line_group(l), bad = unresolved(_metadata, self, l), ret;
	struct pci_topo_bdfs members;
	size_t i;

	if (group < 0) {
		for (i = 0; i < l->count; i++)
			if (!unprobed(_metadata, self, &l->devs[i]))
				break;
		if (i == l->count)
			return bad;
		TH_LOG(LINE_FMT ": none of %s has an IOMMU group",
		       LINE_ARGS(self, l), line_paths(l).s);
		return bad + 1;
	}
	ret = pci_topo_group_devices(group, &members);
	if (ret) {
		TH_LOG("cannot list IOMMU group %d: %s", group, strerror(-ret));
		return bad + 1;
	}
	for (i = 0; i < l->count; i++) {
		if (l->devs[i].resolve_err ||
		    pci_topo_bdfs_contain(&members, l->devs[i].bdf) ||
		    unprobed(_metadata, self, &l->devs[i]))
			continue;
		TH_LOG(LINE_FMT ": group %d lacks %s",
		       LINE_ARGS(self, l), group, describe(self, &l->devs[i]).s);
		bad++;
	}
	for (i = 0; i < members.count; i++) {
		if (expect_group_has_bdf(l, members.bdf[i]))
			continue;
		TH_LOG(LINE_FMT ": group %d also holds %s",
		       LINE_ARGS(self, l), group, describe_bdf(self, members.bdf[i]).s);
		bad++;
	}
	pci_topo_bdfs_free(&members);
	return bad;
}

static int want_count(CHECK_ARGS, size_t min, size_t max)
{
	char want[32];

	if (l->count >= min && l->count <= max)
		return 0;
	if (min == max)
		snprintf(want, sizeof(want), "%zu", min);
	else
		snprintf(want, sizeof(want), "%zu to %zu", min, max);
	TH_LOG(LINE_FMT ": has %zu paths (%s), want %s",
	       LINE_ARGS(self, l), l->count, line_paths(l).s, want);
	return 1;
}

static int want_root_level(CHECK_ARGS, const struct expect_dev *d)
{
	if (pci_topo_path_depth(d->path) == 1)
		return 0;
	TH_LOG(LINE_FMT ": %s is not on the root bus", LINE_ARGS(self, l), d->path);
	return 1;
}

static int want_below(CHECK_ARGS, const struct expect_dev *d,
		      const struct expect_dev *top)
{
	if (pci_topo_path_below(d->path, top->path))
		return 0;
	TH_LOG(LINE_FMT ": %s is not below %s", LINE_ARGS(self, l),
	       d->path, top->path);
	return 1;
}

/*
 * A PCIe-to-PCI bridge, or a conventional PCI-to-PCI bridge: devices behind
 * either reach the IOMMU with the bridge's requester ID.  PCIe ports share
 * the bridge class but not that property.
 */
static int want_bridge(CHECK_ARGS, const struct expect_dev *d)
{
	unsigned int class_code;
	int ret, type;

	if (d->resolve_err)
		return 0;
	ret = pci_topo_class(d->bdf, &class_code);
	if (ret) {
		TH_LOG("cannot read the class of %s: %s", d->bdf, strerror(-ret));
		return 1;
	}
	if (class_code >> 8 != PCI_CLASS_BRIDGE_PCI) {
		TH_LOG(LINE_FMT ": %s has class %06x, not a PCI bridge (0604xx)",
		       LINE_ARGS(self, l), describe(self, d).s, class_code);
		return 1;
	}
	type = pci_topo_pcie_type(d->bdf);
	if (type == -ENOENT || type == PCI_EXP_TYPE_PCI_BRIDGE)
		return 0;
	if (type < 0)
		TH_LOG("cannot read the config space of %s: %s",
		       d->bdf, strerror(-type));
	else
		TH_LOG(LINE_FMT ": %s is a PCIe port (type %d), not a PCIe-to-PCI bridge",
		       LINE_ARGS(self, l), describe(self, d).s, type);
	return 1;
}

/* The premise of the port classes: a root port, with or without ACS. */
static int want_root_port(CHECK_ARGS, const char *path, const char *bdf,
			  bool acs)
{
	int type, has_acs;

	type = pci_topo_pcie_type(bdf);
	if (type < 0 && type != -ENOENT) {
		TH_LOG("cannot read the config space of %s: %s",
		       bdf, strerror(-type));
		return 1;
	}
	if (type != PCI_EXP_TYPE_ROOT_PORT) {
		TH_LOG(LINE_FMT ": %s (%s) is not a PCIe root port: %s",
		       LINE_ARGS(self, l), path, bdf,
		       type < 0 ? "no PCIe capability" : "other PCIe device type");
		return 1;
	}
	has_acs = pci_topo_has_ext_cap(bdf, PCI_EXT_CAP_ID_ACS);
	if (has_acs < 0) {
		TH_LOG("cannot read the config space of %s: %s",
		       bdf, strerror(-has_acs));
		return 1;
	}
	if (has_acs == acs)
		return 0;
	TH_LOG(LINE_FMT ": root port %s (%s) %s an ACS capability",
	       LINE_ARGS(self, l), path, bdf, acs ? "lacks" : "has");
	return 1;
}

/* Every device actually below top is on the line. */
static int want_all_below_listed(CHECK_ARGS, const struct expect_dev *top)
{
	char path[PCI_TOPO_PATH_SIZE];
	int bad = 0;
	size_t i;

	for (i = 0; i < self->actual.count; i++) {
		if (pci_topo_path_of(self->actual.bdf[i], path) ||
		    !pci_topo_path_below(path, top->path) ||
		    expect_group_has_bdf(l, self->actual.bdf[i]))
			continue;
		TH_LOG(LINE_FMT ": %s is below %s but not on the line",
		       LINE_ARGS(self, l), describe_bdf(self, self->actual.bdf[i]).s,
		       top->path);
		bad++;
	}
	return bad;
}

static int check_alone(CHECK_ARGS)
{
	int bad = want_count(_metadata, self, l, 1, 1);

	if (!bad)
		bad += want_root_level(_metadata, self, l, &l->devs[0]);
	return bad + group_is_line(_metadata, self, l);
}

/* "top" (a bridge or root port) and everything below it. */
static int check_subtree(CHECK_ARGS)
{
	const struct expect_dev *top = &l->devs[0];
	int bad = 0;
	size_t i;

	for (i = 1; i < l->count; i++)
		bad += want_below(_metadata, self, l, &l->devs[i], top);
	bad += want_all_below_listed(_metadata, self, l, top);
	return bad + group_is_line(_metadata, self, l);
}

static int check_bridge(CHECK_ARGS)
{
	return want_bridge(_metadata, self, l, &l->devs[0]) +
	       check_subtree(_metadata, self, l);
}

static int check_multifunction(CHECK_ARGS)
{
	const struct expect_dev *first = &l->devs[0];
	size_t i, len = strlen(first->path);
	int bad = want_count(_metadata, self, l, 2, 8), acs;

	for (i = 1; i < l->count; i++) {
		const char *path = l->devs[i].path;

		/* Paths that differ only in the last digit, the function. */
		if (strlen(path) == len && !strncmp(path, first->path, len - 1))
			continue;
		TH_LOG(LINE_FMT ": %s is not a function of the slot of %s",
		       LINE_ARGS(self, l), path, first->path);
		bad++;
	}
	for (i = 0; i < l->count; i++) {
		if (l->devs[i].resolve_err)
			continue;
		acs = pci_topo_has_ext_cap(l->devs[i].bdf, PCI_EXT_CAP_ID_ACS);
		if (!acs)
			continue;
		if (acs < 0)
			TH_LOG("cannot read the config space of %s: %s",
			       l->devs[i].bdf, strerror(-acs));
		else
			TH_LOG(LINE_FMT ": %s has an ACS capability",
			       LINE_ARGS(self, l), describe(self, &l->devs[i]).s);
		bad++;
	}
	return bad + group_is_line(_metadata, self, l);
}

static int check_port(CHECK_ARGS)
{
	const struct expect_dev *d = &l->devs[0];
	int bad = want_count(_metadata, self, l, 1, 1);

	if (!bad && !d->resolve_err)
		bad += want_root_port(_metadata, self, l, d->path, d->bdf, true);
	return bad + group_is_line(_metadata, self, l);
}

static int check_port_below(CHECK_ARGS)
{
	char parent[PCI_TOPO_PATH_SIZE], bdf[PCI_TOPO_BDF_SIZE];
	int bad = want_count(_metadata, self, l, 1, 1), ret;

	if (!bad && pci_topo_path_parent(l->devs[0].path, parent)) {
		TH_LOG(LINE_FMT ": %s is on the root bus, not below a port",
		       LINE_ARGS(self, l), l->devs[0].path);
		bad++;
	} else if (!bad) {
		ret = pci_topo_resolve(parent, bdf);
		if (ret) {
			TH_LOG(LINE_FMT ": parent %s does not resolve",
			       LINE_ARGS(self, l), parent);
			bad++;
		} else {
			bad += want_root_port(_metadata, self, l, parent, bdf, true);
		}
	}
	return bad + group_is_line(_metadata, self, l);
}

static int check_port_no_acs(CHECK_ARGS)
{
	const struct expect_dev *top = &l->devs[0];
	int bad = 0;

	if (!top->resolve_err)
		bad += want_root_port(_metadata, self, l, top->path, top->bdf, false);
	return bad + check_subtree(_metadata, self, l);
}

static int check_builtin(CHECK_ARGS)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < l->count; i++)
		bad += want_root_level(_metadata, self, l, &l->devs[i]);
	return bad + group_is_line(_metadata, self, l);
}

/*
 * Not translated: an IOMMU's own PCI function (amd-iommu, virtio-iommu),
 * and on virtio-iommu what is behind a PCIe-to-PCI bridge.
 */
static int check_ungrouped(CHECK_ARGS)
{
	int bad = unresolved(_metadata, self, l);
	size_t i;

	for (i = 0; i < l->count; i++) {
		const struct expect_dev *d = &l->devs[i];

		if (d->resolve_err || d->group == -ENOENT)
			continue;
		if (d->group >= 0)
			TH_LOG(LINE_FMT ": %s is in IOMMU group %d, want none",
			       LINE_ARGS(self, l), describe(self, d).s, d->group);
		else
			TH_LOG(LINE_FMT ": %s: cannot read its IOMMU group: %s",
			       LINE_ARGS(self, l), describe(self, d).s,
			       strerror(-d->group));
		bad++;
	}
	return bad;
}

TEST_F(iommu_groups, paths_resolve)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < self->exp.ngroups; i++)
		bad += unresolved(_metadata, self, &self->exp.groups[i]);
	if (bad) {
		for (i = 0; i < self->actual.count; i++)
			TH_LOG("present: %s",
			       describe_bdf(self, self->actual.bdf[i]).s);
	}
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, every_device_listed_once)
{
	const struct expect_group *l;
	int bad = 0, times;
	size_t i, j, k;

	for (i = 0; i < self->actual.count; i++) {
		const char *bdf = self->actual.bdf[i];

		times = 0;
		for (j = 0; j < self->exp.ngroups; j++) {
			l = &self->exp.groups[j];
			for (k = 0; k < l->count; k++)
				times += !strcmp(l->devs[k].bdf, bdf);
		}
		if (times == 1)
			continue;
		l = expect_group_of_bdf(&self->exp, bdf);
		if (!times)
			TH_LOG("%s is not in %s", describe_bdf(self, bdf).s,
			       self->exp.groups_file);
		else
			TH_LOG("%s is listed %d times, first on " LINE_FMT,
			       describe_bdf(self, bdf).s, times, LINE_ARGS(self, l));
		bad++;
	}
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, line_shares_one_group)
{
	const struct expect_group *l;
	const struct expect_dev *first, *d;
	int bad = 0;
	size_t i, j;

	for (i = 0; i < self->exp.ngroups; i++) {
		l = &self->exp.groups[i];
		first = NULL;
		if (l->reason == EXPECT_UNGROUPED)
			continue;
		for (j = 0; j < l->count; j++) {
			d = &l->devs[j];
			if (d->resolve_err) {
				TH_LOG(LINE_FMT ": %s does not resolve",
				       LINE_ARGS(self, l), d->path);
			} else if (d->group < 0 && unprobed(_metadata, self, d)) {
				continue;
			} else if (d->group < 0) {
				TH_LOG(LINE_FMT ": %s has no IOMMU group",
				       LINE_ARGS(self, l), describe(self, d).s);
			} else if (!first) {
				first = d;
				continue;
			} else if (d->group == first->group) {
				continue;
			} else {
				TH_LOG(LINE_FMT ": %s and %s are in different groups",
				       LINE_ARGS(self, l), describe(self, first).s,
				       describe(self, d).s);
			}
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, lines_are_distinct_groups)
{
	const struct expect_group *a, *b;
	int bad = 0, group;
	size_t i, j;

	for (i = 0; i < self->exp.ngroups; i++) {
		a = &self->exp.groups[i];
		group = line_group(a);
		for (j = i + 1; group >= 0 && j < self->exp.ngroups; j++) {
			b = &self->exp.groups[j];
			if (line_group(b) != group)
				continue;
			TH_LOG(LINE_FMT " [%s] and " LINE_FMT " [%s] are both group %d",
			       LINE_ARGS(self, a), line_paths(a).s,
			       LINE_ARGS(self, b), line_paths(b).s, group);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
}

#define TEST_REASON(name, which, check)				\
TEST_F(iommu_groups, reason_##name)					\
{									\
	const struct expect *e = &self->exp;				\
	int lines = 0, bad = 0;						\
	size_t i;							\
									\
	for (i = 0; i < e->ngroups; i++) {				\
		if (e->groups[i].reason != (which))			\
			continue;					\
		lines++;						\
		bad += check(_metadata, self, &e->groups[i]);		\
	}								\
	if (!lines)							\
		SKIP(return, "%s has no \"%s\" line", e->groups_file,	\
		     expect_reason_names[which]);			\
	EXPECT_EQ(0, bad);						\
}

TEST_REASON(alone, EXPECT_ALONE, check_alone)
TEST_REASON(bridge, EXPECT_BRIDGE, check_bridge)
TEST_REASON(multifunction, EXPECT_MULTIFUNCTION, check_multifunction)
TEST_REASON(port, EXPECT_PORT, check_port)
TEST_REASON(port_below, EXPECT_PORT_BELOW, check_port_below)
TEST_REASON(port_no_acs, EXPECT_PORT_NO_ACS, check_port_no_acs)
TEST_REASON(builtin, EXPECT_BUILTIN, check_builtin)
TEST_REASON(ungrouped, EXPECT_UNGROUPED, check_ungrouped)

TEST_F(iommu_groups, group_members_exact)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < self->exp.ngroups; i++)
		if (self->exp.groups[i].reason != EXPECT_UNGROUPED)
			bad += group_is_line(_metadata, self, &self->exp.groups[i]);
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, no_unexpected_groups)
{
	const struct expect_group *l;
	struct pci_topo_groups groups;
	struct pci_topo_bdfs devs;
	int bad = 0, ret;
	size_t i, j, k;
	bool expected;

	ret = pci_topo_groups(&groups);
	ASSERT_EQ(0, ret) TH_LOG("cannot list IOMMU groups: %s", strerror(-ret));
	for (i = 0; i < groups.count; i++) {
		expected = false;
		for (j = 0; j < self->exp.ngroups && !expected; j++) {
			l = &self->exp.groups[j];
			for (k = 0; k < l->count; k++)
				expected |= l->devs[k].group == groups.id[i];
		}
		if (expected)
			continue;
		bad++;
		TH_LOG("group %d holds no device listed in %s:",
		       groups.id[i], self->exp.groups_file);
		ret = pci_topo_group_devices(groups.id[i], &devs);
		if (ret) {
			TH_LOG("  (cannot list its devices: %s)", strerror(-ret));
			continue;
		}
		for (k = 0; k < devs.count; k++)
			TH_LOG("  %s", describe_bdf(self, devs.bdf[k]).s);
		pci_topo_bdfs_free(&devs);
	}
	pci_topo_groups_free(&groups);
	EXPECT_EQ(0, bad);
}

LAB_HARNESS_MAIN
