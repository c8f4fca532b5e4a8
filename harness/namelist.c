// SPDX-License-Identifier: GPL-2.0
#include "namelist.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

bool namelist_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

const char *namelist_unknown(const char *list, bool (*known)(const char *),
			     char *buf, size_t size)
{
	for (const char *p = list; p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		snprintf(buf, size, "%.*s", (int)n, p);
		if (!known(buf))
			return buf;
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

size_t namelist_select(char *const *names, size_t n, const char *list,
		       const char **out, char **owned)
{
	size_t k = 0;

	*owned = NULL;
	for (size_t i = 0; i < n; i++)
		if (!list || namelist_has(list, names[i]))
			out[k++] = names[i];
	if (k || !list)
		return k;
	*owned = xasprintf("%.*s", (int)strcspn(list, ","), list);
	out[0] = *owned;
	return 1;
}
