// SPDX-License-Identifier: GPL-2.0
#include "report_github.h"

#include <stdlib.h>
#include <string.h>

/* Workflow commands end at a newline: escape it, and '%' and '\r'. */
static void escaped(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else
			fputc(*s, out);
	}
}

/* "::KIND title=LABEL::WHAT" */
static void command(FILE *out, const char *kind, const char *label,
		    const char *what, const char *more)
{
	fprintf(out, "::%s title=", kind);
	escaped(out, label);
	fputs("::", out);
	escaped(out, what);
	escaped(out, more);
	fputc('\n', out);
}

static void annotate(FILE *out, const char *label, const char *path,
		     const struct test_node *n)
{
	char *here = path ? xasprintf("%s.%s", path, n->name) : xstrdup(n->name);
	struct tally t = { 0 };

	node_tally(n, &t);
	if (t.fail && !n->nkids) {
		char *what = xasprintf("%s: ", here);

		command(out, "error", label, what, n->reason ? n->reason : "failed");
		free(what);
	}
	for (size_t i = 0; i < n->nkids; i++)
		annotate(out, label, here, n->kids[i]);
	free(here);
}

/* Markdown table cells must not break the row. */
static void cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static int summary(const char *path, const struct report_vm *vms, size_t n)
{
	FILE *f = fopen(path, "ae");
	struct tally all = report_tally(vms, n);

	if (!f)
		return -1;
	fprintf(f, "### upcilab: %d passed, %d failed, %d skipped\n\n"
		"| VM | result | passed | failed | skipped | boot | total |\n"
		"|---|---|---:|---:|---:|---:|---:|\n", all.pass, all.fail, all.skip);
	for (size_t i = 0; i < n; i++) {
		const struct vm_result *r = &vms[i].res;
		struct tally t = { 0 };

		node_tally(r->root, &t);
		fputs("| ", f);
		cell(f, vms[i].label);
		fprintf(f, " | %s | %d | %d | %d | ",
			t.fail || r->error ? "FAIL" : "ok", t.pass, t.fail, t.skip);
		if (r->boot_s >= 0)
			fprintf(f, "%.1f s", r->boot_s);
		fprintf(f, " | %.1f s |\n", r->total_s);
	}
	fputc('\n', f);
	return fclose(f) ? -1 : 0;
}

int report_github(FILE *out, const struct report_vm *vms, size_t n)
{
	const char *actions = getenv("GITHUB_ACTIONS");
	const char *path = getenv("GITHUB_STEP_SUMMARY");

	if (actions && !strcmp(actions, "true"))
		for (size_t i = 0; i < n; i++) {
			if (vms[i].res.error)
				command(out, "error", vms[i].label, vms[i].res.error, NULL);
			if (vms[i].res.retried)
				command(out, "warning", vms[i].label, VM_RETRIED_WHY,
					vms[i].res.retried);
			for (size_t k = 0; k < vms[i].res.root->nkids; k++)
				annotate(out, vms[i].label, NULL, vms[i].res.root->kids[k]);
		}
	if (path && *path)
		return summary(path, vms, n);
	return 0;
}
