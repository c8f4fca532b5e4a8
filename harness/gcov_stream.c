// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "gcov_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int base64_decode(const char *s, struct buf *out)
{
	size_t len = strlen(s);

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		char b[3];

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value(s[i + k])) < 0)
				return -1;
		}
		b[0] = (char)(v[0] << 2 | v[1] >> 4);
		b[1] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		b[2] = (char)((v[2] & 3) << 6 | v[3]);
		buf_add(out, b, 3 - (size_t)pad);
	}
	return 0;
}

/* An absolute path to a NAME.gcda, without "." or ".." parts */
static bool path_ok(const char *p)
{
	size_t n = strlen(p);

	if (*p != '/' || n < 7 || strcmp(p + n - 5, ".gcda") || p[n - 6] == '/' ||
	    strstr(p, "//"))
		return false;
	for (const char *s = p; (s = strchr(s, '/')); s++)
		if (!strncmp(s, "/./", 3) || !strncmp(s, "/../", 4))
			return false;
	return true;
}

static int write_out(struct gcov_stream *g, const char *dir)
{
	char *path = xasprintf("%s/gcov%s", dir, g->path), *slash = strrchr(path, '/');
	int ret;

	*slash = '\0';
	ret = mkdir_p(path);
	*slash = '/';
	if (!ret)
		ret = write_file(path, g->data.s ? g->data.s : "", g->data.len, 0644);
	free(path);
	return ret;
}

bool gcov_stream_line(struct gcov_stream *g, const char *cmd, const char *dir,
		      struct buf *why)
{
	if (str_starts(cmd, GCOV_FILE_CMD)) {
		const char *p = cmd + strlen(GCOV_FILE_CMD);

		gcov_stream_free(g);
		if (!path_ok(p)) {
			buf_addf(why, "gcov: not a .gcda path: %s", p);
			return true;
		}
		g->path = xstrdup(p);
	} else if (str_starts(cmd, GCOV_DATA_CMD)) {
		if (g->path && !g->bad && base64_decode(cmd + strlen(GCOV_DATA_CMD), &g->data)) {
			buf_addf(why, "gcov: %s: a line that is not base64", g->path);
			g->bad = true;
		}
	} else if (!strcmp(cmd, GCOV_END_CMD)) {
		int ret;

		if (!g->path || g->bad) {
			gcov_stream_free(g);
			return true;
		}
		ret = write_out(g, dir);
		if (ret)
			buf_addf(why, "gcov: cannot write %s: %s", g->path, strerror(-ret));
		else
			g->files++;
		free(g->path);
		g->path = NULL;
		buf_free(&g->data);
	} else {
		return false;
	}
	return true;
}

void gcov_stream_free(struct gcov_stream *g)
{
	free(g->path);
	g->path = NULL;
	buf_free(&g->data);
	g->bad = false;
}
