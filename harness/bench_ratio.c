// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_ratio.h"

#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "util.h"

struct bench_line {
	char *scenario;		/* the label before '/' */
	char *driver;
	char *words;		/* everything but driver= and the figures */
	char *metric;		/* the first figure's name */
	double value;
};

static bool figure(const char *tok, char *name, size_t size, double *value)
{
	const char *eq = strchr(tok, '=');
	char *end;

	if (!eq || eq == tok || (size_t)(eq - tok) >= size)
		return false;
	*value = strtod(eq + 1, &end);
	if (end == eq + 1 || *end)
		return false;
	snprintf(name, size, "%.*s", (int)(eq - tok), tok);
	return true;
}

/* Parse "bench: ..." (@len bytes at @s); false if it has no driver or figure */
static bool parse_line(const char *label, const char *s, size_t len,
		       struct bench_line *b)
{
	char *copy = xasprintf("%.*s", (int)len, s), *save, *tok, name[64];
	struct buf words = { 0 };
	double value;

	*b = (struct bench_line){ 0 };
	for (tok = strtok_r(copy + strlen("bench: "), " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "driver=", 7)) {
			free(b->driver);
			b->driver = xstrdup(tok + 7);
		} else if (figure(tok, name, sizeof(name), &value)) {
			if (!b->metric) {
				b->metric = xstrdup(name);
				b->value = value;
			}
		} else {
			buf_addf(&words, "%s%s", words.len ? " " : "", tok);
		}
	}
	free(copy);
	b->words = words.s ? words.s : xstrdup("");
	b->scenario = xasprintf("%.*s", (int)strcspn(label, "/"), label);
	return b->driver && b->metric;
}

static void free_line(struct bench_line *b)
{
	free(b->scenario);
	free(b->driver);
	free(b->words);
	free(b->metric);
}

static void collect(const char *label, const struct test_node *n,
		    struct bench_line **lines, size_t *count)
{
	for (const char *s = n->diag.s; s && (s = strstr(s, "# bench: ")); s += 9) {
		struct bench_line b;

		if (s != n->diag.s && s[-1] != '\n')
			continue;
		if (!parse_line(label, s + 2, strcspn(s + 2, "\n"), &b)) {
			free_line(&b);
			continue;
		}
		*lines = xrealloc(*lines, (*count + 1) * sizeof(**lines));
		(*lines)[(*count)++] = b;
	}
	for (size_t i = 0; i < n->nkids; i++)
		collect(label, n->kids[i], lines, count);
}

int report_bench_ratios(FILE *out, const struct report_vm *vms, size_t n)
{
	struct bench_line *lines = NULL;
	size_t count = 0;
	int printed = 0;

	for (size_t i = 0; i < n; i++)
		if (vms[i].res.root)
			collect(vms[i].label, vms[i].res.root, &lines, &count);
	for (size_t i = 0; i < count; i++) {
		const struct bench_line *base = &lines[i];

		if (strcmp(base->driver, "vfio-pci") || base->value == 0)
			continue;
		for (size_t j = 0; j < count; j++) {
			const struct bench_line *o = &lines[j];

			if (strncmp(o->driver, "upci", 4) || strcmp(o->scenario, base->scenario) ||
			    strcmp(o->words, base->words) || strcmp(o->metric, base->metric))
				continue;
			fprintf(out, "bench ratio: %s %s %s %s/vfio-pci=%.2f\n",
				base->scenario, base->words, base->metric, o->driver,
				o->value / base->value);
			printed++;
		}
	}
	for (size_t i = 0; i < count; i++)
		free_line(&lines[i]);
	free(lines);
	return printed;
}
