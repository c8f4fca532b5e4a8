// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "topology.h"

#define DIAG_LINES_SHOWN 30
#define CONSOLE_TAIL_LINES 12

static const char *mark(enum result r)
{
	switch (r) {
	case RES_PASS:
		return "ok  ";
	case RES_SKIP:
		return "skip";
	default:
		return "FAIL";
	}
}

static void print_indented(FILE *out, const char *text, const char *prefix,
			   int max_lines)
{
	int n = 0;

	for (const char *s = text; s && *s && n < max_lines; n++) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);

		fprintf(out, "%s%.*s\n", prefix, len, s);
		s += len + (nl ? 1 : 0);
		if (n + 1 == max_lines && *s)
			fprintf(out, "%s[... more in the logs]\n", prefix);
	}
}

static void print_failures(FILE *out, const struct test_node *n, int depth)
{
	struct tally t = { 0 };

	node_tally(n, &t);
	if (!t.fail)
		return;
	if (!n->nkids || (n->res == RES_FAIL && n->reason)) {
		fprintf(out, "%*s%s %s%s%s\n", depth * 2, "", mark(n->res),
			n->name, n->reason ? ": " : "",
			n->reason ? n->reason : "");
		if (!n->nkids)
			print_indented(out, n->diag.s, "          | ",
				       DIAG_LINES_SHOWN);
	}
	for (size_t i = 0; i < n->nkids; i++)
		print_failures(out, n->kids[i], depth + 1);
}

/* Benchmarks print "# bench: ..." lines; their figures belong in the summary. */
static void print_bench(FILE *out, const struct test_node *n)
{
	for (const char *s = n->diag.s; s && (s = strstr(s, "# bench: ")); ) {
		if (s == n->diag.s || s[-1] == '\n') {
			const char *nl = strchr(s, '\n');
			int len = nl ? (int)(nl - s) : (int)strlen(s);

			fprintf(out, "         %.*s\n", len - 2, s + 2);
		}
		s += 9;
	}
	for (size_t i = 0; i < n->nkids; i++)
		print_bench(out, n->kids[i]);
}

/* A VM-level error is usually explained by the guest's last words. */
static void print_console_tail(FILE *out, const char *log_dir)
{
	char *path = xasprintf("%s/console.log", log_dir);
	char *text = read_file(path, NULL);
	const char *s;
	int lines = 0;

	free(path);
	if (!text || !*text) {
		free(text);
		return;
	}
	s = text + strlen(text);
	while (s > text && lines <= CONSOLE_TAIL_LINES)
		if (*--s == '\n' && s[1])
			lines++;
	if (*s == '\n')
		s++;
	fprintf(out, "     console, last lines:\n");
	print_indented(out, s, "       | ", CONSOLE_TAIL_LINES);
	free(text);
}

void report_vm(FILE *out, const struct report_vm *vm, bool verbose)
{
	const struct vm_result *r = &vm->res;
	struct tally t = { 0 };
	char boot[32] = "-", cpu[32] = "-";

	node_tally(r->root, &t);
	if (r->boot_s >= 0)
		snprintf(boot, sizeof(boot), "%.1fs", r->boot_s);
	if (r->cpu_s >= 0)
		snprintf(cpu, sizeof(cpu), "%.1fs", r->cpu_s);
	fprintf(out, "%s %-28s %d passed, %d failed, %d skipped  boot %s  total %.1fs  cpu %s%s\n",
		t.fail || r->error ? "FAIL" : "ok  ", vm->label, t.pass, t.fail,
		t.skip, boot, r->total_s, cpu,
		r->kmemleak == LEAK_OFF ? "  kmemleak off" : "");
	for (size_t i = 0; i < r->root->nkids; i++) {
		const struct test_node *k = r->root->kids[i];
		struct tally kt = { 0 };

		node_tally(k, &kt);
		fprintf(out, "       %s %-30s %3d/%-3d %5.1fs%s%s\n",
			kt.fail ? "FAIL" : kt.pass ? "ok  " : "skip", k->name,
			kt.pass, kt.pass + kt.fail + kt.skip, k->secs,
			!kt.fail && k->res == RES_SKIP && k->reason ? "  # SKIP " : "",
			!kt.fail && k->res == RES_SKIP && k->reason ? k->reason : "");
		if (verbose)
			for (size_t j = 0; j < k->nkids; j++)
				fprintf(out, "         %s %s%s%s\n",
					mark(k->kids[j]->res), k->kids[j]->name,
					k->kids[j]->reason ? "  # " : "",
					k->kids[j]->reason ? k->kids[j]->reason : "");
		print_bench(out, k);
	}
	if (r->retried)
		fprintf(out, "     " VM_RETRIED_WHY "%s\n"
			"     its logs: %s/{console,ktap,qemu}.log.1\n", r->retried, vm->log_dir);
	if (!t.fail && !r->error)
		return;
	if (r->error) {
		fprintf(out, "     error: %s\n", r->error);
		print_console_tail(out, vm->log_dir);
	}
	fprintf(out, "     failures:\n");
	for (size_t i = 0; i < r->root->nkids; i++)
		print_failures(out, r->root->kids[i], 3);
	fprintf(out, "     logs: %s/{console,ktap,qemu}.log\n", vm->log_dir);
}

/* "0000:01:01.0 04.0/01.0 1234:11e8 group=3 driver=vfio-pci" */
void report_pci_table(FILE *out, const struct report_vm *vm,
		      const struct scenario *scn)
{
	const char *s = vm->res.pci_table.s;

	fprintf(out, "       %-13s %-16s %-8s %-16s %-9s %-6s %s\n", "BDF", "path",
		"id", "model", "ven:dev", "group", "driver");
	while (s && *s) {
		char bdf[32], path[64], ids[16], group[32], driver[64];
		const char *id = "-", *model = "(q35)";
		const char *nl = strchr(s, '\n');

		if (sscanf(s, "%31s %63s %15s group=%31s driver=%63s", bdf, path,
			   ids, group, driver) == 5) {
			for (size_t i = 0; i < scn->ndevs; i++) {
				char *p = topology_path(scn, &scn->devs[i]);

				if (!strcmp(p, path)) {
					id = scn->devs[i].id;
					model = scn->devs[i].model;
				}
				free(p);
			}
			fprintf(out, "       %-13s %-16s %-8s %-16s %-9s %-6s %s\n",
				bdf, path, id, model, ids, group, driver);
		}
		s = nl ? nl + 1 : s + strlen(s);
	}
}

struct tally report_tally(const struct report_vm *vms, size_t n)
{
	struct tally t = { 0 };

	for (size_t i = 0; i < n; i++)
		node_tally(vms[i].res.root, &t);
	return t;
}

void report_cpu(FILE *out, const struct report_vm *vms, size_t n)
{
	double cpu = 0, wall = 0;
	size_t known = 0;

	for (size_t i = 0; i < n; i++) {
		if (vms[i].res.cpu_s < 0)
			continue;
		cpu += vms[i].res.cpu_s;
		wall += vms[i].res.total_s;
		known++;
	}
	if (known)
		fprintf(out, "cpu: QEMU used %.1f CPU-seconds in %zu VMs (%.1f VM-seconds)\n",
			cpu, known, wall);
}

void report_kmemleak(FILE *out, const struct report_vm *vms, size_t n)
{
	struct buf off = { 0 };
	size_t scanned = 0, noff = 0;

	for (size_t i = 0; i < n; i++) {
		if (vms[i].res.kmemleak == LEAK_SCANNED) {
			scanned++;
		} else if (vms[i].res.kmemleak == LEAK_OFF) {
			buf_addf(&off, "%s%s", noff ? ", " : "", vms[i].label);
			noff++;
		}
	}
	if (scanned || noff)
		fprintf(out, "kmemleak: scanned in %zu VMs, off (not scanned) in %zu%s%s\n",
			scanned, noff, noff ? ": " : "", noff ? off.s : "");
	buf_free(&off);
}

void report_retried(FILE *out, const struct report_vm *vms, size_t n)
{
	struct buf who = { 0 };
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (vms[i].res.retried)
			buf_addf(&who, "%s%s", k++ ? ", " : "", vms[i].label);
	if (k)
		fprintf(out, "booted twice: %zu VM%s whose first boot died before the init: %s\n",
			k, k == 1 ? "" : "s", who.s);
	buf_free(&who);
}

void report_vms_free(struct report_vm *vms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vm_result_free(&vms[i].res);
		free(vms[i].label);
		free(vms[i].log_dir);
	}
	free(vms);
}

/* A reason may span lines; each must stay a KTAP diagnostic. */
static void ktap_diag(FILE *f, int ind, const char *text)
{
	for (const char *s = text; *s;) {
		size_t len = strcspn(s, "\n");

		fprintf(f, "%*s# %.*s\n", ind, "", (int)len, s);
		s += len + (s[len] == '\n');
	}
}

/* A test's "# bench:" lines, for upcilab bench-report (bench_line.h) */
static void ktap_bench(FILE *f, int ind, const char *diag)
{
	for (const char *s = diag; s && (s = strstr(s, "# bench:")); s++) {
		size_t len = strcspn(s, "\n");

		if (s == diag || s[-1] == '\n')
			fprintf(f, "%*s%.*s\n", ind, "", (int)len, s);
	}
}

static void ktap_node(FILE *f, const struct test_node *n, size_t num,
		      int depth)
{
	int ind = depth * 4;
	struct tally t = { 0 };
	enum result r;

	if (n->nkids) {
		fprintf(f, "%*sKTAP version 1\n%*s1..%zu\n", ind + 4, "",
			ind + 4, "", n->nkids);
		for (size_t i = 0; i < n->nkids; i++)
			ktap_node(f, n->kids[i], i + 1, depth + 1);
	}
	node_tally(n, &t);
	r = t.fail ? RES_FAIL : (t.pass ? RES_PASS : RES_SKIP);
	if (!n->nkids)
		r = n->res == RES_NONE ? RES_FAIL : n->res;
	ktap_bench(f, ind, n->diag.s);
	if (r == RES_FAIL && n->reason)
		ktap_diag(f, ind, n->reason);
	fprintf(f, "%*s%s %zu %s", ind, "", r == RES_FAIL ? "not ok" : "ok",
		num, n->name);
	if (r == RES_SKIP)
		fprintf(f, " # SKIP%s%s", n->reason ? " " : "",
			n->reason ? n->reason : "");
	fputc('\n', f);
}

int report_write_ktap(const char *path, const struct report_vm *vms, size_t n)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fprintf(f, "KTAP version 1\n1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		struct test_node root = *vms[i].res.root;

		root.name = vms[i].label;
		if (vms[i].res.error && !root.reason)
			root.reason = vms[i].res.error;
		ktap_node(f, &root, i + 1, 0);
	}
	return fclose(f) ? -1 : 0;
}

static void xml_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc('?', f);	/* not allowed in XML 1.0 */
		else
			fputc(c, f);
	}
}

static void junit_cases(FILE *f, const char *cls, const struct test_node *n)
{
	if (n->nkids) {
		char *sub = xasprintf("%s.%s", cls, n->name);
		struct tally t = { 0 };

		for (size_t i = 0; i < n->nkids; i++) {
			junit_cases(f, sub, n->kids[i]);
			node_tally(n->kids[i], &t);
		}
		free(sub);
		/* as node_tally(): the parent counts only if its kids hid it */
		if (t.fail || (n->res != RES_FAIL && n->res != RES_NONE))
			return;
	}
	fputs("    <testcase classname=\"", f);
	xml_escaped(f, cls);
	fputs("\" name=\"", f);
	xml_escaped(f, n->name);
	fprintf(f, "\" time=\"%.3f\">\n", n->secs);
	if (n->res == RES_SKIP) {
		fputs("      <skipped message=\"", f);
		xml_escaped(f, n->reason ? n->reason : "skipped");
		fputs("\"/>\n", f);
	} else if (n->res != RES_PASS) {
		fputs("      <failure message=\"", f);
		xml_escaped(f, n->reason ? n->reason : "failed");
		fputs("\">", f);
		xml_escaped(f, n->diag.s);
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
}

/* node_tally() counts a broken VM whose tests all passed: so must JUnit. */
static void junit_vm_case(FILE *f, const struct report_vm *vm)
{
	const struct test_node *root = vm->res.root;
	struct tally t = { 0 };

	for (size_t k = 0; k < root->nkids; k++)
		node_tally(root->kids[k], &t);
	if (t.fail || (root->res != RES_FAIL && root->res != RES_NONE))
		return;
	fputs("    <testcase classname=\"", f);
	xml_escaped(f, vm->label);
	fprintf(f, "\" name=\"(vm)\" time=\"%.3f\">\n      <failure message=\"",
		vm->res.total_s);
	xml_escaped(f, vm->res.error ? vm->res.error : "the VM failed");
	fputs("\"/>\n    </testcase>\n", f);
}

int report_write_junit(const char *path, const struct report_vm *vms, size_t n)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct vm_result *r = &vms[i].res;
		struct tally t = { 0 };

		node_tally(r->root, &t);
		fputs("  <testsuite name=\"", f);
		xml_escaped(f, vms[i].label);
		fprintf(f, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
			t.pass + t.fail + t.skip, t.fail, t.skip, r->total_s);
		if (r->error) {
			fputs("    <system-err>", f);
			xml_escaped(f, r->error);
			fputs("</system-err>\n", f);
		}
		for (size_t k = 0; k < r->root->nkids; k++)
			junit_cases(f, vms[i].label, r->root->kids[k]);
		junit_vm_case(f, &vms[i]);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return fclose(f) ? -1 : 0;
}
