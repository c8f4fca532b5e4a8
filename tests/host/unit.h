/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the host unit tests. Header-only (static inline,
 * so unused ones cost no warning): each test_*.c is built on its own.
 * Include the harness headers first (util.h defines ARRAY_SIZE
 * unconditionally), then kselftest_harness.h, then this.
 */
#ifndef UPCI_UNIT_H
#define UPCI_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* The first line of @text starting with @prefix, malloc'd, or NULL. */
static inline char *line_starting(const char *text, const char *prefix)
{
	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (!strncmp(s, prefix, strlen(prefix)) && len >= strlen(prefix)) {
			char *line = xmalloc(len + 1);

			memcpy(line, s, len);
			line[len] = '\0';
			return line;
		}
		s += len + (nl ? 1 : 0);
	}
	return NULL;
}

/* Does some line of @text start with @prefix and contain @phrase? */
static inline bool line_has(const char *text, const char *prefix,
			    const char *phrase)
{
	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *line = xmalloc(len + 1);
		bool hit;

		memcpy(line, s, len);
		line[len] = '\0';
		hit = str_starts(line, prefix) && strstr(line, phrase);
		free(line);
		if (hit)
			return true;
		s += len + (nl ? 1 : 0);
	}
	return false;
}

/* Is @line exactly one of the lines of @text? */
static inline bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (len == n && !strncmp(s, line, n))
			return true;
		s += len + (nl ? 1 : 0);
	}
	return false;
}

/* How many lines of @text start with @prefix. */
static inline int count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');

		n += str_starts(s, prefix);
		if (!nl)
			break;
		s = nl + 1;
	}
	return n;
}

/* Byte offset of @needle in @text, or -1: for "this comes before that". */
static inline long offset_of(const char *text, const char *needle)
{
	const char *p = text ? strstr(text, needle) : NULL;

	return p ? p - text : -1;
}

/* A fresh directory under $TMPDIR (or /tmp); malloc'd path, NULL on error. */
static inline char *make_tmpdir(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/upci-%s-XXXXXX", base && *base ? base : "/tmp",
			      tag);

	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* The repository root, from this binary's place (build/unit/NAME). */
static inline char *repo_root(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return xstrdup(".");
	exe[n] = '\0';
	for (int up = 0; up < 3; up++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return xstrdup(".");
		*slash = '\0';
	}
	return xstrdup(*exe ? exe : "/");
}

#endif
