// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "qemu_build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* Device models that Debian's QEMU lacks: mockdevs/ builds them in. */
static const char *const our_models[] = { "mockdma" };

static bool is_ours(const char *model)
{
	for (size_t i = 0; i < ARRAY_SIZE(our_models); i++)
		if (!strcmp(model, our_models[i]))
			return true;
	return false;
}

const struct scenario *qemu_needed_by(const struct scenario *scns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t d = 0; d < scns[i].ndevs; d++)
			if (is_ours(scns[i].devs[d].model))
				return &scns[i];
	return NULL;
}

/* The last non-empty line of @text, trimmed, malloc'd; NULL if none. */
static char *last_line(char *text)
{
	char *line = NULL;

	for (char *s = strtok(text, "\n"); s; s = strtok(NULL, "\n"))
		if (*str_trim(s))
			line = s;
	return line ? xstrdup(str_trim(line)) : NULL;
}

static char *make_tmp_file(void)
{
	const char *base = getenv("TMPDIR");
	char *path = xasprintf("%s/upcilab-qemu-XXXXXX",
			       base && *base ? base : "/tmp");
	int fd = mkstemp(path);

	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

char *qemu_build_path(const char *script, struct buf *err)
{
	char *argv[] = { (char *)script, "--print-path", NULL };
	char *out, *text, *path = NULL;
	int rc;

	if (access(script, X_OK)) {
		buf_addf(err, "%s not found (run upcilab from the repository root)",
			 script);
		return NULL;
	}
	out = make_tmp_file();
	if (!out) {
		buf_addf(err, "cannot create a temporary file for %s", script);
		return NULL;
	}
	rc = run_argv(argv, out, NULL);
	text = read_file(out, NULL);
	unlink(out);
	free(out);
	if (rc)
		buf_addf(err, "%s failed (exit status %d)", script, rc);
	else if (!text || !(path = last_line(text)))
		buf_addf(err, "%s printed no path", script);
	else if (path[0] != '/' || !is_executable(path))
		buf_addf(err, "%s printed '%s', not an executable's absolute path",
			 script, path);
	else {
		free(text);
		return path;
	}
	free(path);
	free(text);
	return NULL;
}

char *qemu_choose(const char *explicit_path, const char *script,
		  const char *needed_by, struct buf *note, struct buf *err)
{
	const char *env = getenv(QEMU_ENV);
	struct buf why = { 0 };
	char *path;

	if (explicit_path)
		return xstrdup(explicit_path);
	if (env && *env)
		return xstrdup(env);
	path = qemu_build_path(script, &why);
	if (!path && needed_by)
		buf_addf(err, "scenario '%s' needs mockdma, which only our QEMU has: %s; fix that, or give --qemu or %s",
			 needed_by, why.s, QEMU_ENV);
	else if (!path) {
		buf_addf(note, "note: using the system %s (%s)", QEMU_SYSTEM, why.s);
		path = xstrdup(QEMU_SYSTEM);
	}
	buf_free(&why);
	return path;
}
