// SPDX-License-Identifier: GPL-2.0
#include "logscan.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const problem_markers[] = {
	"Kernel panic - not syncing",
	"Oops:",
	"BUG:",			/* also soft lockups, sleeping in atomic, ... */
	"kernel BUG at",
	"WARNING:",		/* WARN_ON() and lockdep */
	"general protection fault",
	"UBSAN:",
	"KASAN:",
	"unreferenced object",	/* kmemleak */
	"upcilab: cannot unload",	/* a module, before the kmemleak scan */
	"upcilab: kmemleak: cannot scan",	/* it stopped during the tests */
	"INFO: task",		/* hung tasks */
	"INFO: rcu",		/* RCU stalls */
};

/* "[    1.234567] text" -> "text" */
static const char *strip_stamp(const char *line)
{
	const char *end;

	if (line[0] != '[')
		return line;
	end = strchr(line, ']');
	if (!end)
		return line;
	end++;
	while (*end == ' ')
		end++;
	return end;
}

/* The marker as a word of its own: "DEBUG:" is not "BUG:". */
static bool has_marker(const char *text, const char *marker)
{
	for (const char *s = text; (s = strstr(s, marker)); s++)
		if (s == text || !isalnum((unsigned char)s[-1]))
			return true;
	return false;
}

void logscan_line(struct logscan *ls, const char *line)
{
	const char *text = strip_stamp(line);

	for (size_t i = 0; i < ARRAY_SIZE(problem_markers); i++) {
		if (!has_marker(text, problem_markers[i]))
			continue;
		if (!ls->first)
			ls->first = xstrdup(text);
		if (!ls->context_left)
			buf_add(&ls->excerpt, "  ...\n", 6);
		ls->hits++;
		ls->context_left = LOGSCAN_CONTEXT_LINES + 1;
		break;
	}
	if (ls->context_left) {
		buf_addf(&ls->excerpt, "  %s\n", line);
		ls->context_left--;
	}
}

void logscan_free(struct logscan *ls)
{
	buf_free(&ls->excerpt);
	free(ls->first);
	*ls = (struct logscan){ 0 };
}
