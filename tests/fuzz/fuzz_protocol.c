// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the results protocol's lines from the guest
 * ("# upcilab: CMD ...") that carry data the harness parses: a .gcda file
 * (gcov_stream.h), an expected vIOMMU fault (fault_trace.h) and a relayed
 * QMP command (qmp_relay()). The .gcda files land in a temporary directory,
 * emptied after each input; the relayed commands go down a socketpair.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault_trace.h"
#include "fuzz_lines.h"
#include "gcov_stream.h"
#include "qmp.h"

#define PROTO "# upcilab: "

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/upcilab-fuzz-XXXXXX";
static int harness_end = -1, qemu_end = -1;	/* a socketpair: QMP's */

struct ctx {
	struct gcov_stream gcov;
	struct qmp qmp;
	struct buf why;
};

static void one_line(void *arg, const char *line)
{
	struct ctx *c = arg;
	const char *cmd = line + strlen(PROTO);
	struct fault_expect f;

	if (strncmp(line, PROTO, strlen(PROTO)))
		return;
	if (!strncmp(cmd, FAULT_TRACE_CMD, strlen(FAULT_TRACE_CMD)))
		fault_trace_parse(cmd + strlen(FAULT_TRACE_CMD), &f);
	else if (!strncmp(cmd, QMP_CMD, strlen(QMP_CMD)))
		qmp_relay(&c->qmp, cmd + strlen(QMP_CMD), &c->why);
	else
		gcov_stream_line(&c->gcov, cmd, dir, &c->why);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level && remove(path))
		abort();
	return 0;
}

static void rm_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };
	char drain[4096];

	if (harness_end < 0) {
		int sv[2];

		if (!mkdtemp(dir) ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
			abort();
		atexit(rm_dir);
		harness_end = sv[0];
		qemu_end = sv[1];
	}
	c.qmp.fd = harness_end;
	fuzz_lines(data, size, one_line, &c);
	gcov_stream_free(&c.gcov);
	buf_free(&c.why);
	/* keep the socket: qmp_close() would close it */
	strv_free(&c.qmp.replies);
	while (read(qemu_end, drain, sizeof(drain)) > 0)
		;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
