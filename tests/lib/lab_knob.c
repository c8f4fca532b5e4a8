// SPDX-License-Identifier: GPL-2.0
#include "lab_knob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lab_knob_str(const char *env, const char *key)
{
	static char line[4096], val[4096];
	const char *v = getenv(env), *p;
	size_t n;
	FILE *f;

	if (v && *v)
		return v;
	f = fopen("/proc/cmdline", "re");
	if (!f)
		return NULL;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	for (p = line; (p = strstr(p, key)); p++) {
		if (p != line && p[-1] != ' ')
			continue;
		p += strlen(key);
		n = strcspn(p, " \n");
		snprintf(val, sizeof(val), "%.*s", (int)n, p);
		return val;
	}
	return NULL;
}

uint64_t lab_knob(const char *env, const char *key, uint64_t def)
{
	const char *v = lab_knob_str(env, key);

	return v && *v ? strtoull(v, NULL, 0) : def;
}
