// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "modules.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEP_DEPTH 32

char *modules_release(const char *kernel_dir)
{
	char *dir = xasprintf("%s/lib/modules", kernel_dir);
	DIR *d = opendir(dir);
	char *rel = NULL;
	int n = 0;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *p;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (!stat(p, &st) && S_ISDIR(st.st_mode) && !n++)
			rel = xstrdup(e->d_name);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	if (n != 1) {
		free(rel);
		rel = NULL;
	}
	return rel;
}

char *module_name_of(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = xstrdup(base ? base + 1 : path);
	char *ko = strstr(name, ".ko");

	if (ko)
		*ko = '\0';
	for (char *c = name; *c; c++)
		if (*c == '-')
			*c = '_';
	return name;
}

/* The modules.dep line whose module is @name, or NULL. */
static char *find_line(const char *dep, const char *name)
{
	char *want = module_name_of(name);
	const char *s = dep;
	char *found = NULL;

	while (*s && !found) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xmalloc(len + 1), *colon, *got;

		memcpy(line, s, len);
		line[len] = '\0';
		colon = strchr(line, ':');
		if (colon) {
			*colon = '\0';
			got = module_name_of(line);
			*colon = ':';
			if (!strcmp(got, want))
				found = line;
			free(got);
		}
		if (!found)
			free(line);
		s += len + (nl ? 1 : 0);
	}
	free(want);
	return found;
}

static bool listed(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static int add_module(const char *dep, const char *name, struct strv *order,
		      struct buf *err, int depth)
{
	char *line = find_line(dep, name), *colon, *tok, *save;
	int ret = 0;

	if (!line) {
		buf_addf(err, "kernel module '%s' is not in modules.dep\n", name);
		return -1;
	}
	if (depth > MAX_DEP_DEPTH) {
		buf_addf(err, "module dependencies of '%s' are too deep\n", name);
		free(line);
		return -1;
	}
	colon = strchr(line, ':');
	*colon = '\0';
	/* modules.dep lists all dependencies, nearest first: load in reverse */
	{
		struct strv deps = { 0 };

		for (tok = strtok_r(colon + 1, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			strv_add(&deps, tok);
		for (size_t i = deps.n; i-- > 0 && !ret;)
			if (!listed(order, deps.v[i]))
				ret = add_module(dep, deps.v[i], order, err,
						 depth + 1);
		strv_free(&deps);
	}
	if (!ret && !listed(order, line))
		strv_add(order, line);
	free(line);
	return ret;
}

int modules_resolve(const char *modules_dep_text, const struct strv *names,
		    struct strv *order, struct buf *err)
{
	int ret = 0;

	for (size_t i = 0; i < names->n; i++)
		if (add_module(modules_dep_text, names->v[i], order, err, 0))
			ret = -1;
	return ret;
}

char *modparams_of(const char *const *entries, size_t n, const char *module)
{
	char *want = module_name_of(module);
	size_t len = strlen(want);
	struct buf b = { 0 };

	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(entries[i], want, len) && entries[i][len] == ' ')
			buf_addf(&b, "%s%s", b.len ? " " : "", entries[i] + len + 1);
	free(want);
	return b.s;
}
