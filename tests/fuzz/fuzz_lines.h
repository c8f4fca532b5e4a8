/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the line-oriented fuzz targets: the input as a NUL-terminated copy,
 * cut into lines the way the harness cuts its streams (at '\n', a trailing
 * '\r' dropped; an embedded NUL ends a line early, as it would there).
 */
#ifndef UPCILAB_FUZZ_LINES_H
#define UPCILAB_FUZZ_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Calls @fn for each line of @data (the last may lack its '\n'). */
static inline void fuzz_lines(const uint8_t *data, size_t size,
			      void (*fn)(void *ctx, const char *line), void *ctx)
{
	char *text = fuzz_text(data, size), *p = text, *end = text + size;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;

		*eol = '\0';
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		fn(ctx, p);
		p = eol + 1;
	}
	free(text);
}

#endif
