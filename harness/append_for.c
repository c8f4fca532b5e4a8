// SPDX-License-Identifier: GPL-2.0
#include "append_for.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "namelist.h"

/* A scenario's name: what its file is called, less .scenario */
static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static int check_names(const char *names, size_t len, struct buf *err)
{
	size_t word = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || names[i] == ',') {
			if (!word) {
				buf_addf(err, "an empty scenario name in '%.*s'",
					 (int)len, names);
				return -1;
			}
			word = 0;
		} else if (!name_char(names[i])) {
			buf_addf(err, "'%c' in the scenario names '%.*s'",
				 names[i], (int)len, names);
			return -1;
		} else {
			word++;
		}
	}
	return 0;
}

int append_for_parse(const char *arg, struct append_for *out, struct buf *err)
{
	const char *colon = strchr(arg, ':');
	const char *args;

	if (!colon) {
		buf_addf(err, "'%s' is not NAMES:ARGS", arg);
		return -1;
	}
	if (check_names(arg, (size_t)(colon - arg), err))
		return -1;
	args = colon + 1;
	while (*args == ' ')
		args++;
	if (!*args) {
		buf_addf(err, "no kernel parameters after '%.*s:'",
			 (int)(colon - arg), arg);
		return -1;
	}
	if (strpbrk(args, "\"'\\\n")) {
		buf_addf(err, "the parameters must not contain quotes, backslashes or newlines");
		return -1;
	}
	out->names = xasprintf("%.*s", (int)(colon - arg), arg);
	out->args = xstrdup(args);
	return 0;
}

void append_for_apply(const struct append_for *a, size_t n,
		      const char *scenario, struct buf *cmdline)
{
	for (size_t i = 0; i < n; i++)
		if (namelist_has(a[i].names, scenario))
			buf_addf(cmdline, "%s%s", cmdline->len ? " " : "",
				 a[i].args);
}

void append_for_free(struct append_for *a)
{
	free(a->names);
	free(a->args);
	*a = (struct append_for){ 0 };
}
