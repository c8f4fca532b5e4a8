/* SPDX-License-Identifier: GPL-2.0 */
/*
 * expect: the expectation files the harness writes into the guest.
 *
 * They live in $UPCILAB_ETC (default /etc/upcilab); blank lines and lines
 * starting with '#' are ignored (format: tests/guest/README.md).
 *
 *   groups   required; one expected IOMMU group per line,
 *            "<reason> <path> [<path>...]", every PCI device of the VM once
 *   devices  optional; "<id> <path> <qemu-model> [key=value...]" per
 *            declared device, with the QEMU properties the scenario gave
 *
 * expect_load() also resolves every path of groups through sysfs, so each
 * expected device carries its BDF and IOMMU group.
 */
#ifndef EXPECT_H
#define EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "pci_topo.h"

#define EXPECT_DEFAULT_ETC	"/etc/upcilab"

enum expect_reason {
	EXPECT_ALONE,
	EXPECT_BRIDGE,
	EXPECT_MULTIFUNCTION,
	EXPECT_PORT,
	EXPECT_PORT_BELOW,
	EXPECT_PORT_NO_ACS,
	EXPECT_BUILTIN,
	EXPECT_UNGROUPED,	/* an IOMMU's own function: not translated */
	EXPECT_NR_REASONS
};

/* The reasons as the groups file spells them, e.g. "port-below". */
extern const char *const expect_reason_names[EXPECT_NR_REASONS];

/* A path of a groups line, resolved when the file was loaded. */
struct expect_dev {
	char path[PCI_TOPO_PATH_SIZE];
	char bdf[PCI_TOPO_BDF_SIZE];	/* empty if the path did not resolve */
	int resolve_err;		/* pci_topo_resolve()'s error, or 0 */
	int group;			/* IOMMU group, or a negative errno */
};

/* A line of groups. */
struct expect_group {
	int lineno;
	enum expect_reason reason;
	struct expect_dev *devs;
	size_t count;
};

/* A line of devices. */
struct expect_declared {
	char id[64];
	char path[PCI_TOPO_PATH_SIZE];
	char model[64];
	char props[512];	/* the scenario's "key=value key=value" */
};

struct expect {
	char groups_file[256];		/* "$UPCILAB_ETC/groups" */
	struct expect_group *groups;
	size_t ngroups;
	struct expect_declared *declared;	/* none without a devices file */
	size_t ndeclared;
};

/*
 * Read devices (if it exists), then groups, into a zeroed *e, and resolve
 * the paths of groups.  Returns 0, -ENOENT if groups does not exist, or
 * another negative errno with a message in err ("FILE:LINE: what" for a
 * malformed line).  On failure e holds only groups_file, if it fits.
 */
int expect_load(struct expect *e, char *err, size_t size);
void expect_free(struct expect *e);

/* The devices line of path, or NULL. */
const struct expect_declared *expect_declared_at(const struct expect *e,
						 const char *path);
/* The devices line of the scenario id, or NULL. */
const struct expect_declared *expect_declared_id(const struct expect *e,
						 const char *id);
/* Whether a path of the line resolved to bdf. */
bool expect_group_has_bdf(const struct expect_group *g, const char *bdf);
/* The first line listing bdf, or NULL. */
const struct expect_group *expect_group_of_bdf(const struct expect *e,
					       const char *bdf);

#endif /* EXPECT_H */
