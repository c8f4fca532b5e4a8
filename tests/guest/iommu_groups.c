/*
 * The IOMMU groups are the ones the harness derived from the scenario.
 *
 * $UPCILAB_ETC/groups (default /etc/upcilab/groups) lists every PCI device
 * of the VM, one expected group per line: "<reason> <path> [<path>...]".
 * $UPCILAB_ETC/devices ("<id> <path> <qemu-model>") is optional and only
 * makes messages name the scenario's devices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "pci_topo.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"

#define DEFAULT_ETC	"/etc/upcilab"
#define MAX_TOKENS	512
/* Class and subclass of PCI-to-PCI bridges (the kernel's pci_ids.h). */
#define PCI_CLASS_BRIDGE_PCI	0x0604

enum reason {
	ALONE,
	BRIDGE,
	MULTIFUNCTION,
	PORT,
	PORT_BELOW,
	PORT_NO_ACS,
	BUILTIN,
	NR_REASONS
};

static const char *const reason_names[NR_REASONS] = {
	[ALONE]		= "alone",
	[BRIDGE]	= "bridge",
	[MULTIFUNCTION]	= "multifunction",
	[PORT]		= "port",
	[PORT_BELOW]	= "port-below",
	[PORT_NO_ACS]	= "port-no-acs",
	[BUILTIN]	= "builtin",
};

struct expected_dev {
	char path[PCI_TOPO_PATH_SIZE];
	char bdf[PCI_TOPO_BDF_SIZE];	/* empty if the path did not resolve */
	int resolve_err;
	int group;			/* negative errno if there is none */
};

struct expected_group {
	int lineno;
	enum reason reason;
	struct expected_dev *devs;
	size_t count;
};

struct declared_dev {
	char id[64];
	char path[PCI_TOPO_PATH_SIZE];
	char model[64];
};

FIXTURE(iommu_groups) {
	char file[256];		/* the file being parsed, then "groups" */
	struct expected_group *lines;
	size_t count;
	struct declared_dev *declared;
	size_t ndeclared;
	struct pci_topo_bdfs actual;
};

typedef FIXTURE_DATA(iommu_groups) fixture_t;

/* Message fragments returned by value, so several fit in one TH_LOG(). */
struct text {
	char s[1024];
};

#define LINE_FMT		"%s:%d (%s)"
#define LINE_ARGS(self, l)	(self)->file, (l)->lineno, reason_names[(l)->reason]

static void append(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? " " : "", word);
}

/*
 * Split the next line that is not blank or a comment into whitespace
 * separated tokens.  Returns the token count (max + 1 if there are more),
 * or -1 at end of file.
 */
static int next_record(FILE *f, char **line, size_t *cap, int *lineno,
		       char **tok, int max)
{
	char *save;
	int n;

	while (getline(line, cap, f) > 0) {
		++*lineno;
		n = 0;
		tok[0] = strtok_r(*line, " \t\r\n", &save);
		while (tok[n] && n < max)
			tok[++n] = strtok_r(NULL, " \t\r\n", &save);
		/* tok has room for max + 1 entries, the last one as a probe. */
		if (n == max && tok[max])
			n++;
		if (n && tok[0][0] != '#')
			return n;
	}
	return -1;
}

static int parse_reason(const char *word)
{
	int r;

	for (r = 0; r < NR_REASONS; r++) {
		if (!strcmp(word, reason_names[r]))
			return r;
	}
	return -EINVAL;
}

static int add_group_line(fixture_t *self, int lineno, char **tok, int n,
			  char *err, size_t size)
{
	struct expected_group *grown, *l;
	int i, reason = parse_reason(tok[0]);

	if (reason < 0) {
		snprintf(err, size, "%s:%d: unknown reason \"%s\"",
			 self->file, lineno, tok[0]);
		return -EINVAL;
	}
	if (n < 2 || n > MAX_TOKENS) {
		snprintf(err, size, "%s:%d: want 1 to %d paths after \"%s\"",
			 self->file, lineno, MAX_TOKENS - 1, tok[0]);
		return -EINVAL;
	}
	for (i = 1; i < n; i++) {
		if (pci_topo_path_valid(tok[i])) {
			snprintf(err, size, "%s:%d: malformed path \"%s\"",
				 self->file, lineno, tok[i]);
			return -EINVAL;
		}
	}
	grown = realloc(self->lines, (self->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	self->lines = grown;
	l = &grown[self->count];
	l->devs = calloc(n - 1, sizeof(*l->devs));
	if (!l->devs)
		return -ENOMEM;
	self->count++;
	l->lineno = lineno;
	l->reason = reason;
	l->count = n - 1;
	for (i = 1; i < n; i++)
		strcpy(l->devs[i - 1].path, tok[i]);
	return 0;
}

static int add_declared(fixture_t *self, int lineno, char **tok, int n,
			char *err, size_t size)
{
	struct declared_dev *grown, *d;

	if (n != 3 || pci_topo_path_valid(tok[1])) {
		snprintf(err, size, "%s:%d: want \"<id> <path> <qemu-model>\"",
			 self->file, lineno);
		return -EINVAL;
	}
	grown = realloc(self->declared, (self->ndeclared + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	self->declared = grown;
	d = &grown[self->ndeclared++];
	snprintf(d->id, sizeof(d->id), "%s", tok[0]);
	snprintf(d->path, sizeof(d->path), "%s", tok[1]);
	snprintf(d->model, sizeof(d->model), "%s", tok[2]);
	return 0;
}

typedef int (*record_fn)(fixture_t *self, int lineno, char **tok, int n,
			 char *err, size_t size);

/* Parse etc/name with add(); -ENOENT if the file does not exist. */
static int parse_file(fixture_t *self, const char *etc, const char *name,
		      record_fn add, char *err, size_t size)
{
	char *line = NULL, *tok[MAX_TOKENS + 1];
	int lineno = 0, n, ret = 0;
	size_t cap = 0;
	FILE *f;

	if ((size_t)snprintf(self->file, sizeof(self->file), "%s/%s", etc, name) >=
	    sizeof(self->file)) {
		snprintf(err, size, "UPCILAB_ETC is too long: %s", etc);
		return -ENAMETOOLONG;
	}
	f = fopen(self->file, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, size, "cannot open %s: %s", self->file, strerror(errno));
		return ret;
	}
	while (!ret && (n = next_record(f, &line, &cap, &lineno, tok, MAX_TOKENS)) > 0) {
		ret = add(self, lineno, tok, n, err, size);
		if (ret == -ENOMEM)
			snprintf(err, size, "%s: out of memory", self->file);
	}
	free(line);
	fclose(f);
	return ret;
}

static void resolve_expected(fixture_t *self)
{
	struct expected_dev *d;
	size_t i, j;

	for (i = 0; i < self->count; i++) {
		for (j = 0; j < self->lines[i].count; j++) {
			d = &self->lines[i].devs[j];
			d->resolve_err = pci_topo_resolve(d->path, d->bdf);
			if (d->resolve_err) {
				d->bdf[0] = '\0';
				d->group = d->resolve_err;
			} else {
				d->group = pci_topo_iommu_group(d->bdf);
			}
		}
	}
}

FIXTURE_SETUP(iommu_groups)
{
	const char *etc = getenv("UPCILAB_ETC") ?: DEFAULT_ETC;
	char err[768];
	int ret;

	if (!pci_topo_sysfs_present())
		SKIP(return, "cannot list /sys/bus/pci/devices (sysfs not mounted?)");

	ret = parse_file(self, etc, "devices", add_declared, err, sizeof(err));
	ASSERT_TRUE(!ret || ret == -ENOENT) TH_LOG("%s", err);

	ret = parse_file(self, etc, "groups", add_group_line, err, sizeof(err));
	if (ret == -ENOENT)
		SKIP(return, "no expectation file %s", self->file);
	ASSERT_EQ(0, ret) TH_LOG("%s", err);
	ASSERT_LT(0, (int)self->count) TH_LOG("%s lists no group", self->file);

	resolve_expected(self);
	ret = pci_topo_devices(&self->actual);
	ASSERT_EQ(0, ret) TH_LOG("cannot list PCI devices: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(iommu_groups)
{
	size_t i;

	for (i = 0; i < self->count; i++)
		free(self->lines[i].devs);
	free(self->lines);
	free(self->declared);
	pci_topo_bdfs_free(&self->actual);
}

static const struct declared_dev *find_declared(const fixture_t *self,
						const char *path)
{
	size_t i;

	for (i = 0; i < self->ndeclared; i++) {
		if (!strcmp(self->declared[i].path, path))
			return &self->declared[i];
	}
	return NULL;
}

/* "path [id model] (BDF, group N)" */
static struct text describe(const fixture_t *self, const struct expected_dev *d)
{
	const struct declared_dev *decl = find_declared(self, d->path);
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

static const struct expected_group *line_of_bdf(const fixture_t *self,
						const char *bdf)
{
	size_t i, j;

	for (i = 0; i < self->count; i++) {
		for (j = 0; j < self->lines[i].count; j++) {
			if (!strcmp(self->lines[i].devs[j].bdf, bdf))
				return &self->lines[i];
		}
	}
	return NULL;
}

/* "BDF (path P, vvvv:dddd, group N, driver D, listed on line L)" */
static struct text describe_bdf(const fixture_t *self, const char *bdf)
{
	char path[PCI_TOPO_PATH_SIZE], driver[PCI_TOPO_NAME_SIZE], group[24];
	const struct expected_group *l = line_of_bdf(self, bdf);
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

static struct text line_paths(const struct expected_group *l)
{
	struct text t = { "" };
	size_t i;

	for (i = 0; i < l->count; i++)
		append(t.s, sizeof(t.s), l->devs[i].path);
	return t;
}

/* The group of the line's first device that has one, or -1. */
static int line_group(const struct expected_group *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (l->devs[i].group >= 0)
			return l->devs[i].group;
	}
	return -1;
}

static bool line_has_bdf(const struct expected_group *l, const char *bdf)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (!strcmp(l->devs[i].bdf, bdf))
			return true;
	}
	return false;
}

#define CHECK_ARGS	struct __test_metadata *_metadata, const fixture_t *self, \
			const struct expected_group *l

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
		    pci_topo_bdfs_contain(&members, l->devs[i].bdf))
			continue;
		TH_LOG(LINE_FMT ": group %d lacks %s",
		       LINE_ARGS(self, l), group, describe(self, &l->devs[i]).s);
		bad++;
	}
	for (i = 0; i < members.count; i++) {
		if (line_has_bdf(l, members.bdf[i]))
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

static int want_root_level(CHECK_ARGS, const struct expected_dev *d)
{
	if (pci_topo_path_depth(d->path) == 1)
		return 0;
	TH_LOG(LINE_FMT ": %s is not on the root bus", LINE_ARGS(self, l), d->path);
	return 1;
}

static int want_below(CHECK_ARGS, const struct expected_dev *d,
		      const struct expected_dev *top)
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
static int want_bridge(CHECK_ARGS, const struct expected_dev *d)
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
static int want_all_below_listed(CHECK_ARGS, const struct expected_dev *top)
{
	char path[PCI_TOPO_PATH_SIZE];
	int bad = 0;
	size_t i;

	for (i = 0; i < self->actual.count; i++) {
		if (pci_topo_path_of(self->actual.bdf[i], path) ||
		    !pci_topo_path_below(path, top->path) ||
		    line_has_bdf(l, self->actual.bdf[i]))
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
	const struct expected_dev *top = &l->devs[0];
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
	const struct expected_dev *first = &l->devs[0];
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
	const struct expected_dev *d = &l->devs[0];
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
	const struct expected_dev *top = &l->devs[0];
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

TEST_F(iommu_groups, paths_resolve)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < self->count; i++)
		bad += unresolved(_metadata, self, &self->lines[i]);
	if (bad) {
		for (i = 0; i < self->actual.count; i++)
			TH_LOG("present: %s",
			       describe_bdf(self, self->actual.bdf[i]).s);
	}
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, every_device_listed_once)
{
	const struct expected_group *l;
	int bad = 0, times;
	size_t i, j, k;

	for (i = 0; i < self->actual.count; i++) {
		const char *bdf = self->actual.bdf[i];

		times = 0;
		for (j = 0; j < self->count; j++) {
			l = &self->lines[j];
			for (k = 0; k < l->count; k++)
				times += !strcmp(l->devs[k].bdf, bdf);
		}
		if (times == 1)
			continue;
		l = line_of_bdf(self, bdf);
		if (!times)
			TH_LOG("%s is not in %s", describe_bdf(self, bdf).s, self->file);
		else
			TH_LOG("%s is listed %d times, first on " LINE_FMT,
			       describe_bdf(self, bdf).s, times, LINE_ARGS(self, l));
		bad++;
	}
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, line_shares_one_group)
{
	const struct expected_group *l;
	const struct expected_dev *first, *d;
	int bad = 0;
	size_t i, j;

	for (i = 0; i < self->count; i++) {
		l = &self->lines[i];
		first = NULL;
		for (j = 0; j < l->count; j++) {
			d = &l->devs[j];
			if (d->resolve_err) {
				TH_LOG(LINE_FMT ": %s does not resolve",
				       LINE_ARGS(self, l), d->path);
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
	const struct expected_group *a, *b;
	int bad = 0, group;
	size_t i, j;

	for (i = 0; i < self->count; i++) {
		a = &self->lines[i];
		group = line_group(a);
		for (j = i + 1; group >= 0 && j < self->count; j++) {
			b = &self->lines[j];
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
	int lines = 0, bad = 0;						\
	size_t i;							\
									\
	for (i = 0; i < self->count; i++) {				\
		if (self->lines[i].reason != (which))			\
			continue;					\
		lines++;						\
		bad += check(_metadata, self, &self->lines[i]);		\
	}								\
	if (!lines)							\
		SKIP(return, "%s has no \"%s\" line", self->file,	\
		     reason_names[which]);				\
	EXPECT_EQ(0, bad);						\
}

TEST_REASON(alone, ALONE, check_alone)
TEST_REASON(bridge, BRIDGE, check_bridge)
TEST_REASON(multifunction, MULTIFUNCTION, check_multifunction)
TEST_REASON(port, PORT, check_port)
TEST_REASON(port_below, PORT_BELOW, check_port_below)
TEST_REASON(port_no_acs, PORT_NO_ACS, check_port_no_acs)
TEST_REASON(builtin, BUILTIN, check_builtin)

TEST_F(iommu_groups, group_members_exact)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < self->count; i++)
		bad += group_is_line(_metadata, self, &self->lines[i]);
	EXPECT_EQ(0, bad);
}

TEST_F(iommu_groups, no_unexpected_groups)
{
	struct pci_topo_groups groups;
	struct pci_topo_bdfs devs;
	int bad = 0, ret;
	size_t i, j, k;
	bool expected;

	ret = pci_topo_groups(&groups);
	ASSERT_EQ(0, ret) TH_LOG("cannot list IOMMU groups: %s", strerror(-ret));
	for (i = 0; i < groups.count; i++) {
		expected = false;
		for (j = 0; j < self->count && !expected; j++) {
			for (k = 0; k < self->lines[j].count; k++)
				expected |= self->lines[j].devs[k].group == groups.id[i];
		}
		if (expected)
			continue;
		bad++;
		TH_LOG("group %d holds no device listed in %s:",
		       groups.id[i], self->file);
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

TEST_HARNESS_MAIN
