// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the guest's KTAP stream, a line at a time (ktap.h). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_lines.h"
#include "ktap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(void *ctx, const char *line)
{
	struct ktap *k = ctx;

	ktap_line(k, line);
	ktap_running(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct test_node *root = node_new("fuzz");
	struct ktap *k = ktap_new(root);
	struct tally t = { 0 };

	fuzz_lines(data, size, one_line, k);
	ktap_end(k);
	ktap_free(k);
	node_tally(root, &t);
	node_free(root);
	return 0;
}
