// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "fault_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_trace.h"
#include "fault_verdict.h"
#include "util.h"

#define PAGE 0x1000ULL
#define PICTURE_PAGES 64
#define PICTURE_ROWS 4
#define TABLE_ROWS 16
#define MOCKDMA_EXCERPT 4

static const char *access_name(const struct tl_fault *f)
{
	return !f->write_known ? "access" : f->write ? "write" : "read";
}

static const char *prot_str(int prot)
{
	static const char *const s[] = { "-", "r", "w", "rw" };

	return s[prot & 3];
}

/* The address spaces to draw: the device's first, then the others nearby */
static size_t picture_spaces(const struct fault_verdict *v,
			     unsigned long long lo, unsigned long long hi,
			     unsigned long long *as)
{
	size_t n = 0;

	if (v->attached || v->as)
		as[n++] = v->as;
	for (size_t i = 0; i < v->nmaps && n < PICTURE_ROWS; i++) {
		const struct fv_mapping *m = &v->maps[i];
		bool seen = false;

		if (m->iova >= hi || m->iova + m->size <= lo)
			continue;
		for (size_t j = 0; j < n; j++)
			seen |= as[j] == m->as;
		if (!seen)
			as[n++] = m->as;
	}
	return n;
}

static char page_char(const struct fault_verdict *v, unsigned long long as,
		      unsigned long long page)
{
	static const char live[] = { '?', 'r', 'w', '#' };
	char c = '.';

	for (size_t i = 0; i < v->nmaps; i++) {
		const struct fv_mapping *m = &v->maps[i];

		if (m->as != as || page + PAGE <= m->iova || page >= m->iova + m->size)
			continue;
		if (!m->unmap)
			return live[m->prot & 3];
		c = '-';
	}
	return c;
}

static void picture(struct buf *b, const struct tl_fault *f,
		    const struct fault_verdict *v)
{
	unsigned long long fp = f->iova & ~(PAGE - 1);
	unsigned long long lo = fp >= PICTURE_PAGES / 2 * PAGE ? fp - PICTURE_PAGES / 2 * PAGE : 0;
	unsigned long long hi = lo + PICTURE_PAGES * PAGE, as[PICTURE_ROWS];
	size_t n = picture_spaces(v, lo, hi, as);
	int col = (int)((fp - lo) / PAGE);

	buf_addf(b, "IOVA 0x%llx-0x%llx, one character per 4 KiB page\n\n", lo, hi - 1);
	for (size_t i = 0; i < n; i++) {
		char label[40];

		snprintf(label, sizeof(label), "space %llu%s", as[i],
			 as[i] == v->as && (v->attached || v->as) ? " (device's)" : "");
		buf_addf(b, "%-20s ", label);
		for (unsigned long long p = lo; p < hi; p += PAGE)
			buf_addf(b, "%c", page_char(v, as[i], p));
		buf_addf(b, "\n");
	}
	if (!n)
		buf_addf(b, "%-20s %.*s\n", "(no address space)", PICTURE_PAGES,
			 "................................................................");
	buf_addf(b, "%-20s %*s^ 0x%llx (%s", "", col, "", f->iova, access_name(f));
	if (f->count > 1)
		buf_addf(b, ", %lu accesses to 0x%llx", f->count, f->last);
	buf_addf(b, ")\n\n# read-write  r read-only  w write-only  - unmapped before the fault  . never mapped\n");
}

char *fault_report_picture(const struct timeline *tl, size_t i)
{
	struct fault_verdict v;
	struct buf b = { 0 };

	fault_verdict(tl, &tl->faults[i], &v);
	picture(&b, &tl->faults[i], &v);
	fault_verdict_free(&v);
	return b.s;
}

struct row {
	unsigned long long dist;
	const struct fv_mapping *m;
};

static int by_distance(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->dist < y->dist ? -1 : x->dist > y->dist;
}

/* The mappings worth a row: the nearest to the fault */
static size_t table_rows(const struct fault_verdict *v, unsigned long long a,
			 const struct fv_mapping **rows)
{
	struct row *all = xcalloc(v->nmaps + 1, sizeof(*all));
	size_t n = v->nmaps < TABLE_ROWS ? v->nmaps : TABLE_ROWS;

	for (size_t i = 0; i < v->nmaps; i++) {
		const struct fv_mapping *m = &v->maps[i];

		all[i].m = m;
		all[i].dist = a < m->iova ? m->iova - a :
			      a - m->iova < m->size ? 0 : a - (m->iova + m->size) + 1;
	}
	/* stable enough: ties keep the live-first order of maps */
	qsort(all, v->nmaps, sizeof(*all), by_distance);
	for (size_t i = 0; i < n; i++)
		rows[i] = all[i].m;
	free(all);
	return n;
}

static void mapping_table(struct buf *b, const struct tl_fault *f,
			  const struct fault_verdict *v)
{
	const struct fv_mapping *rows[TABLE_ROWS];
	size_t n = table_rows(v, f->iova, rows);

	if (!n) {
		buf_addf(b, "No address space had a mapping before the fault.\n\n");
		return;
	}
	buf_addf(b, "| space | IOVA | size | prot | mapped | unmapped |\n"
		    "| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		const struct fv_mapping *m = rows[i];

		buf_addf(b, "| %llu%s | 0x%llx-0x%llx | 0x%llx | %s | %.6f s by %s[%d] | ",
			 m->as, m->as == v->as && v->attach ? " (device's)" : "",
			 m->iova, m->iova + m->size - 1, m->size, prot_str(m->prot),
			 m->map->t, m->map->comm, m->map->pid);
		if (m->unmap)
			buf_addf(b, "%.6f s by %s[%d] |\n", m->unmap->t,
				 m->unmap->comm, m->unmap->pid);
		else
			buf_addf(b, "still mapped |\n");
	}
	buf_addf(b, "\nNearest %zu of %zu mappings to 0x%llx, at the fault's time.\n\n",
		 n, v->nmaps, f->iova);
}

/* mockdma's descriptors that name the faulting page */
static size_t mockdma_lines(const struct timeline *tl, const struct tl_fault *f,
			    const char **out, size_t max)
{
	char needle[32];
	size_t n = 0;

	snprintf(needle, sizeof(needle), "0x%llx", f->iova >> 12);
	for (size_t i = 0; i < tl->nmockdma && n < max; i++) {
		const char *s = tl->mockdma[i];

		/* "0x5a" matches 0x5a000..0x5afff: the same page */
		for (const char *h = s; (h = strstr(h, needle)); h++) {
			size_t k = strlen(needle);
			size_t hex = strspn(h + k, "0123456789abcdef");

			if (hex == 3) {
				out[n++] = s;
				break;
			}
		}
	}
	return n;
}

static void excerpt(struct buf *b, const char *what, const char *line)
{
	if (line)
		buf_addf(b, "- %s:\n  `%s`\n", what, str_starts(line, " ") ? line + strspn(line, " ") : line);
}

static void fault_section(struct buf *b, const struct timeline *tl, size_t i,
			  const struct fault_verdict *vp)
{
	const struct tl_fault *f = &tl->faults[i];
	const char *reason = timeline_reason_text(tl->viommu, f->reason);
	const char *md[MOCKDMA_EXCERPT];
	size_t nmd = mockdma_lines(tl, f, md, MOCKDMA_EXCERPT);
	const struct fault_verdict v = *vp;
	char *text;

	text = fault_verdict_text(tl, f, &v);
	buf_addf(b, "## Fault %zu: %s to 0x%llx by %s\n\n", i + 1, access_name(f),
		 f->iova, f->bdf);
	buf_addf(b, "- device: %s, group %d", f->bdf, v.group);
	if (timeline_aliased(tl, f->bdf))
		buf_addf(b, " (no such device: the requester ID a PCIe-to-PCI bridge gives the conventional devices behind it, such as %s)",
			 timeline_aliased(tl, f->bdf));
	if (v.attach)
		buf_addf(b, ", address space %llu%s, owner %s[%d]", v.as,
			 v.attached ? "" : " (left before the fault)",
			 v.attach->comm, v.attach->pid);
	buf_addf(b, "\n- access: %s", access_name(f));
	if (f->count > 1)
		buf_addf(b, ", %lu faulting accesses 0x%llx-0x%llx in QEMU's trace",
			 f->count, f->iova, f->last);
	buf_addf(b, "\n- vIOMMU (%s): ", tl->viommu);
	if (f->reason >= 0)
		buf_addf(b, "fault reason 0x%02x, %s\n", f->reason, reason ? reason : "(not a known code)");
	else
		buf_addf(b, "no reason code in its record\n");
	if (f->t != TL_NO_TIME)
		buf_addf(b, "- reported by the guest at %.6f s\n", f->t);
	else
		buf_addf(b, "- the guest logged no line for it (the vIOMMU records one fault at a time): the verdict uses the state at the end of the trace\n");
	buf_addf(b, "\n**Verdict: %s.** %s\n\n", fault_verdict_code(v.kind), text);
	buf_addf(b, "### The IOVA space at the fault\n\n```text\n");
	picture(b, f, &v);
	buf_addf(b, "```\n\n");
	mapping_table(b, f, &v);
	buf_addf(b, "### Evidence\n\n");
	excerpt(b, "the guest's fault line (console.log)", f->guest_line);
	if (f->qemu_line)
		excerpt(b, f->count > 1 ? "QEMU's trace of the fault, the first of the run (qemu.log)" :
			"QEMU's trace of the fault (qemu.log)", f->qemu_line);
	if (v.cause)
		excerpt(b, "the event the verdict rests on (guest-trace.txt)", v.cause->line);
	if (v.mapping && v.mapping->map != v.cause)
		excerpt(b, "the mapping it names (guest-trace.txt)", v.mapping->map->line);
	if (v.exit)
		excerpt(b, "the owner's exit (guest-trace.txt)", v.exit->line);
	if (v.attach && v.attach != v.cause)
		excerpt(b, "the group's attach (guest-trace.txt)", v.attach->line);
	for (size_t k = 0; k < nmd; k++)
		excerpt(b, "mockdma's record (qemu.log)", md[k]);
	buf_addf(b, "\n");
	free(text);
}

static void causes_table(struct buf *b, const struct fault_cause *c, size_t n)
{
	if (!n)
		return;
	buf_addf(b, "## The causes the test announced\n\n"
		    "| device | access | IOVA | cause | report | |\n"
		    "| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		buf_addf(b, "| %s | %s | 0x%llx | %s | ", c[i].bdf,
			 c[i].write ? "write" : "read", c[i].iova, c[i].cause);
		if (c[i].fault < 0)
			buf_addf(b, "no such fault | **MISMATCH** |\n");
		else
			buf_addf(b, "fault %ld: %s | %s |\n", c[i].fault + 1, c[i].verdict,
				 strcmp(c[i].verdict, c[i].cause) ? "**MISMATCH**" : "ok");
	}
	buf_addf(b, "\n");
}

char *fault_report_markdown(const struct timeline *tl,
			    const struct fault_report_ctx *ctx,
			    const struct fault_cause *causes, size_t ncauses)
{
	struct fault_verdict *v;
	struct buf b = { 0 };

	buf_addf(&b, "# IOMMU fault report: %s %s\n\n", ctx->scenario, ctx->target);
	buf_addf(&b, "%s on %s: %zu fault%s. Run it again with\n\n    %s\n\n",
		 ctx->driver, ctx->viommu, tl->nfaults, tl->nfaults == 1 ? "" : "s",
		 ctx->command);
	if (tl->lost_events)
		buf_addf(&b, "**The guest's trace lost events** (its buffer overflowed): a verdict may rest on a timeline with holes.\n\n");
	if (!tl->driver_traced)
		buf_addf(&b, "The guest trace holds no upci or vfio_iommu_type1 events: the verdicts cannot say what was mapped.\n\n");
	if (!tl->nfaults) {
		buf_addf(&b, "No DMA fault: neither QEMU's vIOMMU trace nor the guest's log holds one.\n\n");
		causes_table(&b, causes, ncauses);
		return b.s;
	}
	buf_addf(&b, "| # | device | group | IOVA | access | reason | verdict |\n"
		     "| --- | --- | --- | --- | --- | --- | --- |\n");
	/* each fault's replay, once for its row and its section */
	v = xcalloc(tl->nfaults, sizeof(*v));
	for (size_t i = 0; i < tl->nfaults; i++) {
		const struct tl_fault *f = &tl->faults[i];

		fault_verdict(tl, f, &v[i]);
		buf_addf(&b, "| %zu | %s | %d | 0x%llx | %s | ", i + 1, f->bdf,
			 v[i].group, f->iova, access_name(f));
		if (f->reason >= 0)
			buf_addf(&b, "0x%02x", f->reason);
		else
			buf_addf(&b, "-");
		buf_addf(&b, " | %s |\n", fault_verdict_code(v[i].kind));
	}
	buf_addf(&b, "\n");
	causes_table(&b, causes, ncauses);
	for (size_t i = 0; i < tl->nfaults; i++) {
		fault_section(&b, tl, i, &v[i]);
		fault_verdict_free(&v[i]);
	}
	free(v);
	return b.s;
}

static json_t *event_json(const struct tl_event *e)
{
	if (!e)
		return json_null();
	return json_pack("{s:f, s:i, s:s, s:s}", "time_s", e->t, "pid", e->pid,
			 "comm", e->comm, "line", e->line + strspn(e->line, " "));
}

static json_t *hex(unsigned long long v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%llx", v);
	return json_string(s);
}

static json_t *fault_json(const struct timeline *tl, const struct tl_fault *f)
{
	const char *reason = timeline_reason_text(tl->viommu, f->reason);
	const char *md[MOCKDMA_EXCERPT];
	size_t nmd = mockdma_lines(tl, f, md, MOCKDMA_EXCERPT);
	struct fault_verdict v;
	json_t *o, *maps = json_array(), *mock = json_array();
	struct buf pic = { 0 };
	char *text;

	fault_verdict(tl, f, &v);
	text = fault_verdict_text(tl, f, &v);
	for (size_t i = 0; i < v.nmaps; i++) {
		const struct fv_mapping *m = &v.maps[i];

		json_array_append_new(maps, json_pack("{s:I, s:o, s:o, s:s, s:o, s:o}",
			"address_space", (json_int_t)m->as, "iova", hex(m->iova),
			"size", hex(m->size), "prot", prot_str(m->prot),
			"mapped", event_json(m->map), "unmapped", event_json(m->unmap)));
	}
	for (size_t i = 0; i < nmd; i++)
		json_array_append_new(mock, json_string(md[i]));
	o = json_pack("{s:s, s:o, s:i, s:o, s:b, s:o, s:o, s:o, s:I, s:s, s:{s:i, s:o}, s:o, s:{s:s, s:s, s:o, s:o}, s:o, s:{s:o, s:o, s:o, s:o}}",
		"device", f->bdf,
		"alias_of", timeline_aliased(tl, f->bdf) ? json_string(timeline_aliased(tl, f->bdf)) : json_null(),
		"group", v.group,
		"address_space", v.attach ? json_integer((json_int_t)v.as) : json_null(),
		"attached", v.attached,
		"owner", v.attach ? event_json(v.attach) : json_null(),
		"iova", hex(f->iova), "last_iova", hex(f->last),
		"count", (json_int_t)f->count, "access", access_name(f),
		"reason", "code", f->reason, "text", reason ? json_string(reason) : json_null(),
		"time_s", f->t == TL_NO_TIME ? json_null() : json_real(f->t),
		"verdict", "code", fault_verdict_code(v.kind), "text", text,
		"cause", event_json(v.cause),
		"before_fault_us", v.delta_s < 0 ? json_null() : json_real(v.delta_s * 1e6),
		"mappings", maps,
		"evidence", "guest", f->guest_line ? json_string(f->guest_line) : json_null(),
		"qemu", f->qemu_line ? json_string(f->qemu_line) : json_null(),
		"exit", event_json(v.exit), "mockdma", mock);
	picture(&pic, f, &v);
	json_object_set_new(o, "picture", json_string(pic.s));
	buf_free(&pic);
	free(text);
	fault_verdict_free(&v);
	return o;
}

char *fault_report_json(const struct timeline *tl,
			const struct fault_report_ctx *ctx,
			const struct fault_cause *causes, size_t ncauses)
{
	json_t *faults = json_array(), *root, *jc = json_array();
	char *s;

	for (size_t i = 0; i < tl->nfaults; i++)
		json_array_append_new(faults, fault_json(tl, &tl->faults[i]));
	for (size_t i = 0; i < ncauses; i++)
		json_array_append_new(jc, json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:b}",
			"device", causes[i].bdf, "access", causes[i].write ? "write" : "read",
			"iova", hex(causes[i].iova), "cause", causes[i].cause,
			"fault", causes[i].fault < 0 ? json_null() : json_integer(causes[i].fault + 1),
			"verdict", causes[i].verdict ? json_string(causes[i].verdict) : json_null(),
			"match", causes[i].verdict && !strcmp(causes[i].verdict, causes[i].cause)));
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o}",
			 "scenario", ctx->scenario, "test", ctx->target,
			 "driver", ctx->driver, "viommu", ctx->viommu,
			 "command", ctx->command, "driver_traced", tl->driver_traced,
			 "lost_events", tl->lost_events,
			 "faults", faults, "causes", jc);
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	return s;
}

static char *read_in(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *s = read_file(p, NULL);

	free(p);
	return s;
}

size_t fault_report_causes(const struct timeline *tl, const char *ktap,
			   struct fault_cause **out)
{
	static const char tag[] = "# upcilab: " FAULT_TRACE_CMD;
	struct fault_cause *c = NULL;
	size_t n = 0;

	for (const char *l = ktap; l && (l = strstr(l, tag)); l++) {
		const char *eol = strchr(l, '\n');
		char *line = eol ? xasprintf("%.*s", (int)(eol - l), l) : xstrdup(l);
		struct fault_expect e;
		struct fault_cause *x;

		if (fault_trace_parse(line + strlen(tag), &e) || !e.cause[0]) {
			free(line);
			continue;
		}
		free(line);
		c = xrealloc(c, (n + 1) * sizeof(*c));
		x = &c[n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->bdf, sizeof(x->bdf), "0000:%02x:%02x.%x", (e.sid >> 8) & 0xff,
			 (e.sid >> 3) & 0x1f, e.sid & 7);
		x->write = e.write;
		x->iova = e.iova;
		snprintf(x->cause, sizeof(x->cause), "%s", e.cause);
		x->fault = -1;
		/* the same device, access and page as one of the report's */
		for (size_t i = 0; i < tl->nfaults && x->fault < 0; i++) {
			const struct tl_fault *f = &tl->faults[i];
			struct fault_verdict v;

			if (strcmp(f->bdf, x->bdf) || (f->write_known && f->write != x->write) ||
			    x->iova >> 12 < f->iova >> 12 || x->iova >> 12 > f->last >> 12)
				continue;
			x->fault = (long)i;
			fault_verdict(tl, f, &v);
			x->verdict = fault_verdict_code(v.kind);
			fault_verdict_free(&v);
		}
	}
	*out = c;
	return n;
}

int fault_report_write(const char *dir, const struct fault_report_ctx *ctx,
		       char **summary, int *mismatches)
{
	char *console = read_in(dir, "console.log"), *trace = read_in(dir, "guest-trace.txt");
	char *qemu = read_in(dir, "qemu.log"), *ktap = read_in(dir, "ktap.log");
	char *md, *js, *p;
	struct timeline tl;
	struct buf sum = { 0 };
	struct fault_cause *causes;
	size_t ncauses;
	int ret;

	timeline_build(&tl, ctx->viommu, trace, console, qemu, ktap);
	ncauses = fault_report_causes(&tl, ktap, &causes);
	md = fault_report_markdown(&tl, ctx, causes, ncauses);
	js = fault_report_json(&tl, ctx, causes, ncauses);
	p = xasprintf("%s/report.md", dir);
	ret = write_file(p, md, strlen(md), 0644);
	free(p);
	p = xasprintf("%s/report.json", dir);
	if (!ret)
		ret = write_file(p, js, strlen(js), 0644);
	free(p);
	for (size_t i = 0; i < tl.nfaults; i++) {
		struct fault_verdict v;

		fault_verdict(&tl, &tl.faults[i], &v);
		buf_addf(&sum, "fault %zu: %s %s 0x%llx: %s\n", i + 1, tl.faults[i].bdf,
			 access_name(&tl.faults[i]), tl.faults[i].iova,
			 fault_verdict_code(v.kind));
		fault_verdict_free(&v);
	}
	*mismatches = 0;
	for (size_t i = 0; i < ncauses; i++) {
		bool ok = causes[i].verdict && !strcmp(causes[i].verdict, causes[i].cause);

		*mismatches += !ok;
		buf_addf(&sum, "cause %s %s 0x%llx: announced %s, report %s%s\n",
			 causes[i].bdf, causes[i].write ? "write" : "read", causes[i].iova,
			 causes[i].cause, causes[i].verdict ? causes[i].verdict : "has no such fault",
			 ok ? ": ok" : ": MISMATCH");
	}
	free(causes);
	*summary = sum.s ? sum.s : xstrdup("");
	ret = ret ? -1 : (int)tl.nfaults;
	timeline_free(&tl);
	free(md);
	free(js);
	free(console);
	free(trace);
	free(qemu);
	free(ktap);
	return ret;
}
