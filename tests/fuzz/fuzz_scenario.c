// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: a scenario file's text (scenario_parse()). */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_lines.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct scenario scn;
	struct buf err = { 0 };

	if (!scenario_parse("fuzz.scn", text, &scn, &err)) {
		/* what the harness asks of a parsed scenario */
		for (size_t i = 0; i < scn.modules.n; i++)
			free(scenario_modparams(&scn, scn.modules.v[i]));
		scenario_scale_timeouts(&scn, 3);
		scenario_vm_timeout(&scn);
	}
	/* filled in part on an error too: freed either way, as main.c does */
	scenario_free(&scn);
	buf_free(&err);
	free(text);
	return 0;
}
