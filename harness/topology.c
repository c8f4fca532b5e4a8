// SPDX-License-Identifier: GPL-2.0
/*
 * The harness must predict the IOMMU groups Linux forms, without running
 * Linux. It mirrors pci_device_group() in drivers/iommu/iommu.c for the
 * topologies the lab builds:
 *  - a device whose upstream path holds a bridge without ACS joins that
 *    bridge's group (PCIe-to-PCI bridges alias everything behind them, and
 *    root ports without ACS do not isolate what is below them);
 *  - functions of one slot that lack ACS share a group.
 * Which models have ACS is policy, so it is a table.
 */
#define _GNU_SOURCE
#include "topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pci_model models[] = {
	{ "pcie-pci-bridge", MODEL_PCI_BRIDGE, false },
	{ "pci-bridge", MODEL_PCI_BRIDGE, false },
	{ "pcie-root-port", MODEL_ROOT_PORT, true },	/* unless disable-acs=on */
	{ "ioh3420", MODEL_ROOT_PORT, false },		/* no ACS capability */
};

static const struct pci_model endpoint = { "endpoint", MODEL_ENDPOINT, false };

/* q35's own functions: the host bridge, and ICH9's LPC, AHCI and SMBus. */
static const char *const q35_builtin_groups[] = {
	"alone 00.0",
	"builtin 1f.0 1f.2 1f.3",
};

#define MAX_DEPTH 8

const struct pci_model *pci_model_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return &endpoint;
}

static const char *opt_value(const struct scn_device *d, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < d->opts.n; i++)
		if (!strncmp(d->opts.v[i], key, len) && d->opts.v[i][len] == '=')
			return d->opts.v[i] + len + 1;
	return NULL;
}

/* QEMU's boolean properties take all of these for true. */
static bool opt_true(const struct scn_device *d, const char *key)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	const char *v = opt_value(d, key);

	for (size_t i = 0; v && i < ARRAY_SIZE(yes); i++)
		if (!strcmp(v, yes[i]))
			return true;
	return false;
}

static bool dev_acs(const struct scn_device *d)
{
	const struct pci_model *m = pci_model_lookup(d->model);

	if (m->kind == MODEL_ROOT_PORT && opt_true(d, "disable-acs"))
		return false;
	return m->acs;
}

static struct scn_device *parent_of(const struct scenario *scn,
				    const struct scn_device *d)
{
	return d->bus ? scenario_device(scn, d->bus) : NULL;
}

bool topology_viommu_slot_kept(const struct scenario *scn)
{
	for (size_t i = 0; i < scn->nviommus; i++)
		if (viommu_lookup(scn->viommus[i])->pci_function)
			return true;
	return false;
}

const struct scn_device *topology_root_device_at(const struct scenario *scn,
						 int slot)
{
	for (size_t i = 0; i < scn->ndevs; i++)
		if (!scn->devs[i].bus && scn->devs[i].slot == slot)
			return &scn->devs[i];
	return NULL;
}

static void slot_range(const struct scenario *scn, const struct scn_device *d,
		       int *lo, int *hi)
{
	struct scn_device *p = parent_of(scn, d);

	if (!p) {
		*lo = topology_viommu_slot_kept(scn) ? VIOMMU_SLOT + 1 : 1;
		*hi = 0x1e;		/* 1f is ICH9's */
	} else if (pci_model_lookup(p->model)->kind == MODEL_ROOT_PORT) {
		*lo = *hi = 0;		/* a PCIe link has one device */
	} else {
		*lo = 1;		/* the bridge's SHPC refuses slot 0 */
		*hi = 0x1f;
	}
}

static bool same_bus(const struct scn_device *a, const struct scn_device *b)
{
	if (!a->bus || !b->bus)
		return !a->bus && !b->bus;
	return !strcmp(a->bus, b->bus);
}

static struct scn_device *at(const struct scenario *scn,
			     const struct scn_device *on_bus_of, int slot,
			     int fn)
{
	for (size_t i = 0; i < scn->ndevs; i++) {
		struct scn_device *d = &scn->devs[i];

		if (d->slot == slot && d->fn == fn && same_bus(d, on_bus_of))
			return d;
	}
	return NULL;
}

static int check_bus(const struct scenario *scn, struct scn_device *d,
		     struct buf *err)
{
	const struct scn_device *p = d;

	if (!d->bus)
		return 0;
	if (!scenario_device(scn, d->bus)) {
		buf_addf(err, "%s:%d: bus '%s' is not a declared bridge or port\n",
			 scn->path, d->line, d->bus);
		return -1;
	}
	if (pci_model_lookup(scenario_device(scn, d->bus)->model)->kind ==
	    MODEL_ENDPOINT) {
		buf_addf(err, "%s:%d: bus '%s' is a %s, not a bridge or port (known: pcie-pci-bridge, pci-bridge, pcie-root-port, ioh3420)\n",
			 scn->path, d->line, d->bus,
			 scenario_device(scn, d->bus)->model);
		return -1;
	}
	for (int depth = 0; p && p->bus; depth++) {
		if (depth == MAX_DEPTH) {
			buf_addf(err, "%s:%d: bus chain of '%s' loops or is deeper than %d\n",
				 scn->path, d->line, d->id, MAX_DEPTH);
			return -1;
		}
		/* an unknown bus further up is reported on its own line */
		p = scenario_device(scn, p->bus);
	}
	return 0;
}

static int place(struct scenario *scn, struct scn_device *d, struct buf *err)
{
	int lo, hi;

	slot_range(scn, d, &lo, &hi);
	if (d->slot < 0) {
		for (int s = lo; s <= hi && d->slot < 0; s++) {
			if (!at(scn, d, s, 0)) {
				d->slot = s;
				d->fn = 0;
			}
		}
		if (d->slot < 0) {
			buf_addf(err, "%s:%d: no free slot left for '%s'\n",
				 scn->path, d->line, d->id);
			return -1;
		}
		return 0;
	}
	if (d->slot < lo || d->slot > hi) {
		buf_addf(err, "%s:%d: slot %02x is not usable on %s (slots %02x-%02x)\n",
			 scn->path, d->line, d->slot,
			 d->bus ? d->bus : "the root bus", lo, hi);
		return -1;
	}
	return 0;
}

static int check_functions(const struct scenario *scn, struct buf *err)
{
	int ret = 0;

	for (size_t i = 0; i < scn->ndevs; i++) {
		struct scn_device *d = &scn->devs[i], *f0, *dup;

		dup = at(scn, d, d->slot, d->fn);
		if (dup != d) {
			buf_addf(err, "%s:%d: '%s' and '%s' (line %d) both sit at %02x.%x\n",
				 scn->path, d->line, d->id, dup->id, dup->line,
				 d->slot, d->fn);
			ret = -1;
		}
		if (!d->fn)
			continue;
		f0 = at(scn, d, d->slot, 0);
		if (!f0 || !f0->multifunction) {
			buf_addf(err, "%s:%d: '%s' is function %x of slot %02x, which needs a device at function 0 with multifunction=on\n",
				 scn->path, d->line, d->id, d->fn, d->slot);
			ret = -1;
		}
	}
	return ret;
}

static bool chassis_taken(const struct scenario *scn, int chassis)
{
	for (size_t i = 0; i < scn->ndevs; i++) {
		const char *v = opt_value(&scn->devs[i], "chassis");

		if (v && atoi(v) == chassis)
			return true;
	}
	return false;
}

/* QEMU refuses two root ports with the same chassis/slot pair. */
static void number_ports(struct scenario *scn)
{
	int chassis = 1;

	for (size_t i = 0; i < scn->ndevs; i++) {
		struct scn_device *d = &scn->devs[i];

		if (pci_model_lookup(d->model)->kind != MODEL_ROOT_PORT ||
		    opt_value(d, "chassis"))
			continue;
		while (chassis_taken(scn, chassis))
			chassis++;
		strv_addf(&d->opts, "chassis=%d", chassis);
	}
}

int topology_resolve(struct scenario *scn, struct buf *err)
{
	int ret = 0;

	for (size_t i = 0; i < scn->ndevs; i++)
		if (check_bus(scn, &scn->devs[i], err))
			ret = -1;
	if (ret)
		return ret;
	/* explicit addresses first, so automatic ones fill around them */
	for (size_t i = 0; i < scn->ndevs; i++)
		if (scn->devs[i].slot >= 0 && place(scn, &scn->devs[i], err))
			ret = -1;
	for (size_t i = 0; i < scn->ndevs; i++)
		if (scn->devs[i].slot < 0 && place(scn, &scn->devs[i], err))
			ret = -1;
	if (ret || check_functions(scn, err))
		return -1;
	number_ports(scn);
	return 0;
}

char *topology_path(const struct scenario *scn, const struct scn_device *dev)
{
	const struct scn_device *chain[MAX_DEPTH + 1];
	struct buf b = { 0 };
	int n = 0;

	for (const struct scn_device *d = dev; d && n <= MAX_DEPTH;
	     d = parent_of(scn, d))
		chain[n++] = d;
	buf_add(&b, "", 0);
	while (n--)
		buf_addf(&b, "%02x.%x%s", chain[n]->slot, chain[n]->fn,
			 n ? "/" : "");
	return b.s;
}

static size_t uf_find(size_t *uf, size_t i)
{
	while (uf[i] != i)
		i = uf[i] = uf[uf[i]];
	return i;
}

static void uf_union(size_t *uf, size_t a, size_t b)
{
	a = uf_find(uf, a);
	b = uf_find(uf, b);
	if (a != b)
		uf[a > b ? a : b] = a < b ? a : b;
}

/* pci_acs_path_enabled(bridge, NULL): ACS on the bridge and every one above. */
static bool acs_path(const struct scenario *scn, const struct scn_device *d)
{
	for (; d; d = parent_of(scn, d))
		if (!dev_acs(d))
			return false;
	return true;
}

int topology_depth(const struct scenario *scn, const struct scn_device *d)
{
	int n = 0;

	for (d = parent_of(scn, d); d; d = parent_of(scn, d))
		n++;
	return n;
}

/* Top of the topology first, so a group's line starts with its bridge/port. */
static int cmp_members(const struct scenario *scn, const struct scn_device *a,
		       const struct scn_device *b)
{
	char *pa, *pb;
	int ret = topology_depth(scn, a) - topology_depth(scn, b);

	if (ret)
		return ret;
	pa = topology_path(scn, a);
	pb = topology_path(scn, b);
	ret = strcmp(pa, pb);
	free(pa);
	free(pb);
	return ret;
}

/* Behind a conventional PCI bridge (pcie-pci-bridge, pci-bridge)? */
static bool below_pci_bridge(const struct scenario *scn,
			     const struct scn_device *d)
{
	for (d = parent_of(scn, d); d; d = parent_of(scn, d))
		if (pci_model_lookup(d->model)->kind == MODEL_PCI_BRIDGE)
			return true;
	return false;
}

bool topology_ungrouped(const struct scenario *scn, const struct scn_device *d,
			const struct viommu_info *viommu)
{
	return !viommu->bridge_groups && below_pci_bridge(scn, d);
}

/* A group is what its topmost member makes it. */
static const char *group_reason(const struct scenario *scn,
				const struct scn_device *top, size_t members)
{
	const struct pci_model *m = pci_model_lookup(top->model);

	if (m->kind == MODEL_PCI_BRIDGE && members > 1)
		return "bridge";
	if (m->kind == MODEL_ROOT_PORT)
		return dev_acs(top) ? "port" : "port-no-acs";
	if (members > 1)
		return "multifunction";
	return parent_of(scn, top) ? "port-below" : "alone";
}

static void add_group_line(const struct scenario *scn, size_t *uf, size_t root,
			   struct buf *b)
{
	const struct scn_device **m = xcalloc(scn->ndevs, sizeof(*m));
	size_t n = 0;

	for (size_t j = root; j < scn->ndevs; j++)
		if (uf_find(uf, j) == root)
			m[n++] = &scn->devs[j];
	for (size_t i = 1; i < n; i++)	/* insertion sort: groups are small */
		for (size_t j = i; j > 0 && cmp_members(scn, m[j - 1], m[j]) > 0; j--) {
			const struct scn_device *t = m[j];

			m[j] = m[j - 1];
			m[j - 1] = t;
		}
	buf_addf(b, "%s", group_reason(scn, m[0], n));
	for (size_t i = 0; i < n; i++) {
		char *path = topology_path(scn, m[i]);

		buf_addf(b, " %s", path);
		free(path);
	}
	buf_add(b, "\n", 1);
	free(m);
}

char *topology_expected_groups(const struct scenario *scn,
			       const struct viommu_info *viommu)
{
	size_t *uf = xcalloc(scn->ndevs, sizeof(*uf));
	struct buf b = { 0 };

	buf_add(&b, "", 0);
	for (size_t i = 0; i < scn->ndevs; i++)
		uf[i] = i;
	for (size_t i = 0; i < scn->ndevs; i++) {
		const struct scn_device *d = &scn->devs[i];
		const struct scn_device *p = parent_of(scn, d);

		if (topology_ungrouped(scn, d, viommu))
			continue;
		if (p && !acs_path(scn, p))
			uf_union(uf, i, (size_t)(p - scn->devs));
		for (size_t j = 0; j < i; j++) {
			const struct scn_device *o = &scn->devs[j];

			if (o->slot == d->slot && same_bus(o, d) &&
			    !dev_acs(o) && !dev_acs(d))
				uf_union(uf, i, j);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(q35_builtin_groups); i++)
		buf_addf(&b, "%s\n", q35_builtin_groups[i]);
	if (viommu->pci_function)
		buf_addf(&b, "ungrouped %02x.0\n", VIOMMU_SLOT);
	for (size_t i = 0; i < scn->ndevs; i++) {
		char *path;

		if (!topology_ungrouped(scn, &scn->devs[i], viommu)) {
			if (uf_find(uf, i) == i)
				add_group_line(scn, uf, i, &b);
			continue;
		}
		path = topology_path(scn, &scn->devs[i]);
		buf_addf(&b, "ungrouped %s\n", path);
		free(path);
	}
	free(uf);
	return b.s;
}
