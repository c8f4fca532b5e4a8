// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcov_send.h"

#define LINE_BYTES 57	/* 76 characters of base64 */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* the walk's state: nftw's callback takes no argument */
static struct {
	size_t dirlen;
	FILE *out;
	char *why;
	size_t size;
} walk;

static void put_line(FILE *out, const unsigned char *p, size_t n)
{
	size_t i;

	fputs("# upcilab: gcov-data ", out);
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];

		fputc(b64[v >> 18], out);
		fputc(b64[v >> 12 & 63], out);
		fputc(b64[v >> 6 & 63], out);
		fputc(b64[v & 63], out);
	}
	if (n - i == 1) {
		fputc(b64[p[i] >> 2], out);
		fputc(b64[(p[i] & 3) << 4], out);
		fputs("==", out);
	} else if (n - i == 2) {
		fputc(b64[p[i] >> 2], out);
		fputc(b64[(p[i] & 3) << 4 | p[i + 1] >> 4], out);
		fputc(b64[(p[i + 1] & 15) << 2], out);
		fputc('=', out);
	}
	fputc('\n', out);
}

/*
 * debugfs gives a gcda file's size as 0: read to the end, LINE_BYTES at a
 * time (a short read is not the end)
 */
static int send_file(const char *path)
{
	unsigned char buf[LINE_BYTES];
	size_t have = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(walk.why, walk.size, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(walk.out, "# upcilab: gcov-file %s\n", path + walk.dirlen);
	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += n;
		if (have == sizeof(buf)) {
			put_line(walk.out, buf, have);
			have = 0;
		}
	}
	if (n < 0) {
		snprintf(walk.why, walk.size, "reading %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (have)
		put_line(walk.out, buf, have);
	fputs("# upcilab: gcov-end\n", walk.out);
	close(fd);
	return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (type == FTW_DNR || type == FTW_NS) {
		snprintf(walk.why, walk.size, "%s: cannot %s it", path,
			 type == FTW_DNR ? "read" : "stat");
		return -1;
	}
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".gcda"))
		return 0;
	return send_file(path);
}

int gcov_send(const char *dir, FILE *out, char *why, size_t size)
{
	size_t len = strlen(dir);
	int ret;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	walk.dirlen = len;
	walk.out = out;
	walk.why = why;
	walk.size = size;
	*why = 0;
	ret = nftw(dir, visit, 16, FTW_PHYS);
	if (ret && !*why)
		snprintf(why, size, "%s: %s", dir, strerror(errno));
	if (fflush(out) || ferror(out)) {
		snprintf(why, size, "writing the results channel: %s", strerror(errno));
		return -1;
	}
	return ret ? -1 : 0;
}
