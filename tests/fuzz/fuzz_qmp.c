// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what QEMU says on the QMP socket, a JSON line at a time
 * (qmp_handle_line(): events, query-status and relayed commands' replies).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_lines.h"
#include "qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(void *ctx, const char *line)
{
	qmp_handle_line(ctx, line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp q = { .fd = -1 };

	fuzz_lines(data, size, one_line, &q);
	qmp_close(&q);
	return 0;
}
