/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coverage data out of a guest. A kernel with gcov (the sanitizer kernel)
 * keeps each profiled module's counters in /sys/kernel/debug/gcov, under
 * the path the module was built at (and, with gcov_persist, after the
 * module unloaded); once the modules are unloaded the guest's /init sends
 * each .gcda file on the results channel:
 *
 *   # upcilab: gcov-file /abs/build/path/upci_main.gcda
 *   # upcilab: gcov-data <base64, a line at a time>
 *   # upcilab: gcov-end
 *
 * and the harness writes it as DIR/gcov/abs/build/path/upci_main.gcda
 * (DIR: the VM's log directory), for lcov (ci/coverage.sh).
 */
#ifndef UPCILAB_GCOV_STREAM_H
#define UPCILAB_GCOV_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define GCOV_FILE_CMD "gcov-file "
#define GCOV_DATA_CMD "gcov-data "
#define GCOV_END_CMD "gcov-end"

struct gcov_stream {
	char *path;		/* the file being received, or NULL */
	struct buf data;	/* decoded so far */
	bool bad;		/* a line that did not decode */
	int files;		/* written */
};

/*
 * Decode base64 @s (no line breaks) onto @out; -1 on a character or length
 * base64 does not have.
 */
int base64_decode(const char *s, struct buf *out);
/*
 * One results-protocol command (what follows "# upcilab: "); true if it
 * was one of the three. A finished file goes to @dir/gcov/PATH; what
 * went wrong (a bad path or data, a write error) is added to @why.
 */
bool gcov_stream_line(struct gcov_stream *g, const char *cmd, const char *dir,
		      struct buf *why);
void gcov_stream_free(struct gcov_stream *g);

#endif
