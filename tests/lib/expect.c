// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "expect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Words on a line: a reason and up to MAX_TOKENS - 1 paths. */
#define MAX_TOKENS	512

const char *const expect_reason_names[EXPECT_NR_REASONS] = {
	[EXPECT_ALONE]		= "alone",
	[EXPECT_BRIDGE]		= "bridge",
	[EXPECT_MULTIFUNCTION]	= "multifunction",
	[EXPECT_PORT]		= "port",
	[EXPECT_PORT_BELOW]	= "port-below",
	[EXPECT_PORT_NO_ACS]	= "port-no-acs",
	[EXPECT_BUILTIN]	= "builtin",
	[EXPECT_UNGROUPED]	= "ungrouped",
};

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

	for (r = 0; r < EXPECT_NR_REASONS; r++) {
		if (!strcmp(word, expect_reason_names[r]))
			return r;
	}
	return -EINVAL;
}

/* "<reason> <path> [<path>...]" */
static int add_group(struct expect *e, const char *file, int lineno,
		     char **tok, int n, char *err, size_t size)
{
	struct expect_group *grown, *g;
	int i, reason = parse_reason(tok[0]);

	if (reason < 0) {
		snprintf(err, size, "%s:%d: unknown reason \"%s\"",
			 file, lineno, tok[0]);
		return -EINVAL;
	}
	if (n < 2 || n > MAX_TOKENS) {
		snprintf(err, size, "%s:%d: want 1 to %d paths after \"%s\"",
			 file, lineno, MAX_TOKENS - 1, tok[0]);
		return -EINVAL;
	}
	for (i = 1; i < n; i++) {
		if (pci_topo_path_valid(tok[i])) {
			snprintf(err, size, "%s:%d: malformed path \"%s\"",
				 file, lineno, tok[i]);
			return -EINVAL;
		}
	}
	grown = realloc(e->groups, (e->ngroups + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->groups = grown;
	g = &grown[e->ngroups];
	g->devs = calloc(n - 1, sizeof(*g->devs));
	if (!g->devs)
		return -ENOMEM;
	e->ngroups++;
	g->lineno = lineno;
	g->reason = reason;
	g->count = n - 1;
	for (i = 1; i < n; i++)
		strcpy(g->devs[i - 1].path, tok[i]);
	return 0;
}

/* "<id> <path> <qemu-model>" */
static int add_declared(struct expect *e, const char *file, int lineno,
			char **tok, int n, char *err, size_t size)
{
	struct expect_declared *grown, *d;
	size_t used = 0;
	int i;

	if (n < 3 || pci_topo_path_valid(tok[1])) {
		snprintf(err, size, "%s:%d: want \"<id> <path> <qemu-model> [key=value...]\"",
			 file, lineno);
		return -EINVAL;
	}
	grown = realloc(e->declared, (e->ndeclared + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	e->declared = grown;
	d = &grown[e->ndeclared++];
	snprintf(d->id, sizeof(d->id), "%s", tok[0]);
	snprintf(d->path, sizeof(d->path), "%s", tok[1]);
	snprintf(d->model, sizeof(d->model), "%s", tok[2]);
	d->props[0] = '\0';
	for (i = 3; i < n; i++) {
		int w = snprintf(d->props + used, sizeof(d->props) - used,
				 "%s%s", used ? " " : "", tok[i]);

		if (w < 0 || (size_t)w >= sizeof(d->props) - used) {
			snprintf(err, size, "%s:%d: properties too long", file,
				 lineno);
			e->ndeclared--;
			return -EINVAL;
		}
		used += w;
	}
	return 0;
}

typedef int (*record_fn)(struct expect *e, const char *file, int lineno,
			 char **tok, int n, char *err, size_t size);

/* Parse file with add(); -ENOENT if it does not exist. */
static int parse_file(struct expect *e, const char *file, record_fn add,
		      char *err, size_t size)
{
	char *line = NULL, *tok[MAX_TOKENS + 1];
	int lineno = 0, n, ret = 0;
	size_t cap = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, size, "cannot open %s: %s", file, strerror(errno));
		return ret;
	}
	while (!ret && (n = next_record(f, &line, &cap, &lineno, tok, MAX_TOKENS)) > 0) {
		ret = add(e, file, lineno, tok, n, err, size);
		if (ret == -ENOMEM)
			snprintf(err, size, "%s: out of memory", file);
	}
	free(line);
	fclose(f);
	return ret;
}

static void resolve(struct expect *e)
{
	struct expect_dev *d;
	size_t i, j;

	for (i = 0; i < e->ngroups; i++) {
		for (j = 0; j < e->groups[i].count; j++) {
			d = &e->groups[i].devs[j];
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

int expect_load(struct expect *e, char *err, size_t size)
{
	const char *etc = getenv("UPCILAB_ETC") ?: EXPECT_DEFAULT_ETC;
	char devices[sizeof(e->groups_file)];
	int ret;

	if ((size_t)snprintf(devices, sizeof(devices), "%s/devices", etc) >=
	    sizeof(devices) ||
	    (size_t)snprintf(e->groups_file, sizeof(e->groups_file), "%s/groups",
			     etc) >= sizeof(e->groups_file)) {
		snprintf(err, size, "UPCILAB_ETC is too long: %s", etc);
		return -ENAMETOOLONG;
	}
	ret = parse_file(e, devices, add_declared, err, size);
	if (!ret || ret == -ENOENT)
		ret = parse_file(e, e->groups_file, add_group, err, size);
	if (ret) {
		expect_free(e);
		return ret;
	}
	resolve(e);
	return 0;
}

void expect_free(struct expect *e)
{
	size_t i;

	for (i = 0; i < e->ngroups; i++)
		free(e->groups[i].devs);
	free(e->groups);
	e->groups = NULL;
	e->ngroups = 0;
	free(e->declared);
	e->declared = NULL;
	e->ndeclared = 0;
}

const struct expect_declared *expect_declared_at(const struct expect *e,
						 const char *path)
{
	size_t i;

	for (i = 0; i < e->ndeclared; i++) {
		if (!strcmp(e->declared[i].path, path))
			return &e->declared[i];
	}
	return NULL;
}

const struct expect_declared *expect_declared_id(const struct expect *e,
						 const char *id)
{
	size_t i;

	for (i = 0; i < e->ndeclared; i++) {
		if (!strcmp(e->declared[i].id, id))
			return &e->declared[i];
	}
	return NULL;
}

bool expect_group_has_bdf(const struct expect_group *g, const char *bdf)
{
	size_t i;

	for (i = 0; i < g->count; i++) {
		if (!strcmp(g->devs[i].bdf, bdf))
			return true;
	}
	return false;
}

const struct expect_group *expect_group_of_bdf(const struct expect *e,
					       const char *bdf)
{
	size_t i;

	for (i = 0; i < e->ngroups; i++) {
		if (expect_group_has_bdf(&e->groups[i], bdf))
			return &e->groups[i];
	}
	return NULL;
}
