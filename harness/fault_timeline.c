// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "fault_timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA: _IO(';', 100 + 13 / 14) */
#define VFIO_CMD_MAP 0x3b71u
#define VFIO_CMD_UNMAP 0x3b72u
#define VFIO_UNMAP_ALL_FLAG 0x2u
#define MAX_PENDING 64
#define MAX_ATTACH_DEVS 16
#define MAX_SPACES 256

/* A vfio_iommu_type1 call between its kprobe and its kretprobe */
struct pending {
	int pid;
	enum { P_IOCTL, P_ATTACH, P_DETACH } what;
	unsigned long long as, cmd, a4, a8, a16, a24;
	char devs[MAX_ATTACH_DEVS][TL_BDF_SIZE];
	int ndevs;
};

struct parse {
	struct timeline *tl;
	unsigned long long vfio_as[MAX_SPACES];	/* pointer -> its index + 1 */
	size_t nvfio_as;
	struct pending pend[MAX_PENDING];
	size_t cap_ev, cap_faults;
};

/* Split a copy of @text into lines (no CR), calling @fn on each */
static char *split_lines(const char *text, void (*fn)(struct parse *, char *),
			 struct parse *p)
{
	char *copy, *line, *next;

	if (!text)
		return NULL;
	copy = xstrdup(text);
	for (line = copy; line && *line; line = next) {
		char *cr;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while ((cr = strchr(line, '\r')))
			memmove(cr, cr + 1, strlen(cr));
		fn(p, line);
	}
	return copy;
}

/* The value after " KEY" (KEY ends in '='), or after KEY at the start */
static const char *kv(const char *s, const char *key)
{
	size_t n = strlen(key);
	const char *h;

	if (!strncmp(s, key, n))
		return s + n;
	for (h = s; (h = strstr(h, key)); h++)
		if (h > s && h[-1] == ' ')
			return h + n;
	return NULL;
}

static bool kv_ull(const char *s, const char *key, unsigned long long *v)
{
	const char *p = kv(s, key);
	char *end;

	if (!p)
		return false;
	*v = strtoull(p, &end, 0);
	return end != p;
}

static bool kv_int(const char *s, const char *key, int *v)
{
	const char *p = kv(s, key);
	char *end;
	long x;

	if (!p)
		return false;
	x = strtol(p, &end, 0);
	*v = (int)x;
	return end != p;
}

static struct tl_event *add_event(struct parse *p, enum tl_kind kind,
				  const struct tl_event *ctx)
{
	struct timeline *tl = p->tl;
	struct tl_event *e;

	if (tl->nev == p->cap_ev) {
		p->cap_ev = p->cap_ev ? 2 * p->cap_ev : 64;
		tl->ev = xrealloc(tl->ev, p->cap_ev * sizeof(*tl->ev));
	}
	e = &tl->ev[tl->nev++];
	*e = *ctx;
	e->kind = kind;
	return e;
}

static struct tl_fault *add_fault(struct parse *p)
{
	struct timeline *tl = p->tl;
	struct tl_fault *f;

	if (tl->nfaults == p->cap_faults) {
		p->cap_faults = p->cap_faults ? 2 * p->cap_faults : 16;
		tl->faults = xrealloc(tl->faults, p->cap_faults * sizeof(*tl->faults));
	}
	f = &tl->faults[tl->nfaults++];
	memset(f, 0, sizeof(*f));
	f->reason = -1;
	f->t = TL_NO_TIME;
	return f;
}

static struct pending *pending_find(struct parse *p, int pid, bool create)
{
	struct pending *free_slot = NULL;

	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (p->pend[i].pid == pid && pid)
			return &p->pend[i];
		if (!p->pend[i].pid && !free_slot)
			free_slot = &p->pend[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->pid = pid;
	return free_slot;
}

/* Each device an attach or detach moved: its group's event */
static void group_events(struct parse *p, const struct pending *pd,
			 enum tl_kind kind, const struct tl_event *ctx)
{
	int done[MAX_ATTACH_DEVS];
	int ndone = 0;

	for (int i = 0; i < pd->ndevs; i++) {
		int g = timeline_group_of(p->tl, pd->devs[i]);
		bool seen = false;
		struct tl_event *e;

		for (int j = 0; j < ndone; j++)
			seen |= done[j] == g;
		if (seen)
			continue;
		done[ndone++] = g;
		e = add_event(p, kind, ctx);
		e->as = pd->as;
		e->group = g;
	}
}

static void vfio_return(struct parse *p, const struct tl_event *ctx,
			const char *rest)
{
	struct pending *pd = pending_find(p, ctx->pid, false);
	int ret = 0;		/* detach returns nothing */
	struct tl_event *e;

	if (!pd)
		return;
	kv_int(rest, "ret=", &ret);
	if (ret == 0 && pd->what == P_IOCTL && pd->cmd == VFIO_CMD_MAP) {
		e = add_event(p, TL_MAP, ctx);
		e->as = pd->as;
		e->iova = pd->a16;
		e->size = pd->a24;
		e->prot = (pd->a4 & 1 ? TL_PROT_R : 0) | (pd->a4 & 2 ? TL_PROT_W : 0);
	} else if (ret == 0 && pd->what == P_IOCTL && pd->cmd == VFIO_CMD_UNMAP) {
		e = add_event(p, TL_UNMAP, ctx);
		e->as = pd->as;
		e->iova = pd->a8;
		e->size = pd->a16;
		e->all = pd->a4 & VFIO_UNMAP_ALL_FLAG;
	} else if (ret == 0 && pd->what != P_IOCTL) {
		group_events(p, pd, pd->what == P_ATTACH ? TL_ATTACH : TL_DETACH, ctx);
	}
	pd->pid = 0;
}

/*
 * vfio_iommu_type1's address spaces by number, in the order they appear.
 * The kernel reuses a released one's memory: its pointer then names a new
 * address space, with a new number.
 */
static unsigned long long vfio_as_id(struct parse *p, unsigned long long ptr,
				     bool release)
{
	size_t i;

	if (!ptr)
		return 0;
	for (i = 0; i < p->nvfio_as; i++) {
		if (p->vfio_as[i] != ptr)
			continue;
		if (release)
			p->vfio_as[i] = 0;
		return i + 1;
	}
	if (i == MAX_SPACES)
		return ptr;
	p->vfio_as[p->nvfio_as++] = ptr;
	return p->nvfio_as;
}

static void vfio_call(struct parse *p, const struct tl_event *ctx,
		      const char *event, const char *rest)
{
	struct pending *pd;
	unsigned long long as = 0;

	kv_ull(rest, "asid=", &as);
	p->tl->driver_traced = true;
	if (!strcmp(event, "vfio_release")) {
		struct tl_event *e = add_event(p, TL_RELEASE, ctx);

		e->as = vfio_as_id(p, as, true);
		return;
	}
	as = vfio_as_id(p, as, false);
	pd = pending_find(p, ctx->pid, true);
	if (!pd)
		return;
	pd->as = as;
	pd->ndevs = 0;
	if (!strcmp(event, "vfio_attach")) {
		pd->what = P_ATTACH;
	} else if (!strcmp(event, "vfio_detach")) {
		pd->what = P_DETACH;
	} else {
		pd->what = P_IOCTL;
		kv_ull(rest, "cmd=", &pd->cmd);
		kv_ull(rest, "a4=", &pd->a4);
		kv_ull(rest, "a8=", &pd->a8);
		kv_ull(rest, "a16=", &pd->a16);
		kv_ull(rest, "a24=", &pd->a24);
	}
}

/*
 * upci_dma_map and upci_dma_unmap are the address space's mappings, in
 * order (traced under its lock); upci_map and upci_unmap are the calls.
 */
static void upci_event(struct parse *p, const struct tl_event *ctx,
		       const char *event, const char *rest)
{
	unsigned long long as = 0;
	int ret = 0;
	struct tl_event *e;

	if (!kv_ull(rest, "asid=", &as))
		return;
	p->tl->driver_traced = true;
	if (!strcmp(event, "upci_dma_map")) {
		const char *pr = kv(rest, "prot=");

		e = add_event(p, TL_MAP, ctx);
		kv_ull(rest, "seq=", &e->seq);
		kv_ull(rest, "iova=", &e->iova);
		kv_ull(rest, "size=", &e->size);
		for (; pr && *pr && *pr != ' '; pr++)
			e->prot |= *pr == 'r' ? TL_PROT_R : *pr == 'w' ? TL_PROT_W : 0;
	} else if (!strcmp(event, "upci_dma_unmap")) {
		e = add_event(p, TL_UNMAP, ctx);
		kv_ull(rest, "seq=", &e->seq);
		kv_ull(rest, "iova=", &e->iova);
		kv_ull(rest, "size=", &e->size);
	} else if (!strcmp(event, "upci_attach") || !strcmp(event, "upci_detach")) {
		kv_int(rest, "ret=", &ret);
		if (ret)
			return;
		e = add_event(p, event[5] == 'a' ? TL_ATTACH : TL_DETACH, ctx);
		kv_int(rest, "group=", &e->group);
	} else if (!strcmp(event, "upci_release")) {
		e = add_event(p, TL_RELEASE, ctx);
	} else {
		return;
	}
	e->as = as;
}

/*
 * "  comm-PID  [CPU] flags  SECONDS: event: rest"; comm may hold spaces and
 * dashes, the PID follows the last dash before " [CPU]".
 */
static void trace_line(struct parse *p, char *line)
{
	struct tl_event ctx = { .line = line };
	char *cpu = strstr(line, "] "), *lb, *dash, *ts, *ev, *rest;
	size_t n;

	unsigned long in, written;

	/* a full buffer overwrites its oldest events, or drops new ones */
	if ((strstr(line, "[LOST ") && strstr(line, " EVENTS]")) ||
	    (sscanf(line, "# entries-in-buffer/entries-written: %lu/%lu", &in, &written) == 2 &&
	     in != written))
		p->tl->lost_events = true;
	if (*line == '#' || !cpu)
		return;
	for (lb = cpu; lb > line && lb[-1] != '['; lb--)
		;
	if (lb == line || lb - 1 == line)
		return;
	for (dash = lb - 2; dash > line && *dash == ' '; dash--)
		;
	n = (size_t)(dash - line + 1);
	{
		char who[64];
		char *d;

		while (*line == ' ' && n) {
			line++;
			n--;
		}
		if (n >= sizeof(who))
			return;
		memcpy(who, line, n);
		who[n] = '\0';
		d = strrchr(who, '-');
		if (!d)
			return;
		ctx.pid = atoi(d + 1);
		*d = '\0';
		snprintf(ctx.comm, sizeof(ctx.comm), "%.23s", who);
	}
	ts = cpu + 2;
	while (*ts && *ts != ' ')
		ts++;			/* the flags */
	ctx.t = strtod(ts, &ev);
	if (ev == ts || *ev != ':')
		return;
	ev += 2;
	rest = strstr(ev, ": ");
	if (!rest)
		return;
	*rest = '\0';
	rest += 2;
	if (str_starts(ev, "upci_"))
		upci_event(p, &ctx, ev, rest);
	else if (!strcmp(ev, "vfio_ioctl_ret") || !strcmp(ev, "vfio_attach_ret") ||
		 !strcmp(ev, "vfio_detach_ret"))
		vfio_return(p, &ctx, rest);
	else if (str_starts(ev, "vfio_"))
		vfio_call(p, &ctx, ev, rest);
	else if (!strcmp(ev, "sched_process_exit")) {
		struct tl_event *e;

		kv_int(rest, "pid=", &ctx.pid);
		e = add_event(p, TL_EXIT, &ctx);
		e->pid = ctx.pid;
	} else if (!strcmp(ev, "attach_device_to_domain")) {
		struct pending *pd = pending_find(p, ctx.pid, false);
		const char *d = strstr(rest, "device=");

		if (pd && pd->what != P_IOCTL && d && pd->ndevs < MAX_ATTACH_DEVS)
			snprintf(pd->devs[pd->ndevs++], TL_BDF_SIZE, "%.12s", d + 7);
	}
	rest[-2] = ':';		/* the line stays whole for the excerpts */
}

static void sid_bdf(unsigned int sid, char *bdf)
{
	snprintf(bdf, TL_BDF_SIZE, "0000:%02x:%02x.%x", (sid >> 8) & 0xff,
		 (sid >> 3) & 0x1f, sid & 7);
}

/* vtd_dmar_fault and virtio_iommu_report_fault lines; mockdma's record */
static void qemu_line(struct parse *p, char *line)
{
	struct timeline *tl = p->tl;
	unsigned long long addr;
	unsigned int sid;
	int reason, w, flags;
	const char *s;
	struct tl_fault *last = tl->nfaults ? &tl->faults[tl->nfaults - 1] : NULL;
	char bdf[TL_BDF_SIZE];
	bool write;

	if (strstr(line, "mockdma_")) {
		tl->mockdma = xrealloc(tl->mockdma, (tl->nmockdma + 1) * sizeof(*tl->mockdma));
		tl->mockdma[tl->nmockdma++] = line;
		return;
	}
	if ((s = strstr(line, "vtd_dmar_fault ")) &&
	    sscanf(s, "vtd_dmar_fault sid 0x%x fault %d addr 0x%llx write %d",
		   &sid, &reason, &addr, &w) == 4) {
		write = w;
	} else if ((s = strstr(line, "virtio_iommu_report_fault ")) &&
		   sscanf(s, "virtio_iommu_report_fault FAULT reason=%d flags=%d endpoint=%u address =0x%llx",
			  &reason, &flags, &sid, &addr) == 4) {
		write = flags & 2;
	} else {
		return;
	}
	sid_bdf(sid, bdf);
	/* a device that keeps going past the fault: one run per burst */
	if (last && !last->guest_line && !strcmp(last->bdf, bdf) &&
	    last->write == write && last->reason == reason &&
	    addr >= last->iova && addr <= last->last + 0x1000) {
		last->last = addr;
		last->count++;
		return;
	}
	last = add_fault(p);
	snprintf(last->bdf, sizeof(last->bdf), "%s", bdf);
	last->write = write;
	last->write_known = true;
	last->iova = last->last = addr;
	last->count = 1;
	last->reason = reason;
	last->qemu_line = line;
}

/* The guest IOMMU driver's fault line: time it, or add it */
static void guest_fault(struct parse *p, const char *line, double t,
			const char *bdf, bool write, bool write_known,
			unsigned long long addr, int reason, bool intr)
{
	struct timeline *tl = p->tl;
	struct tl_fault *f;

	for (size_t i = 0; i < tl->nfaults; i++) {
		f = &tl->faults[i];
		if (!f->guest_line && f->qemu_line && !strcmp(f->bdf, bdf) &&
		    addr >= f->iova && addr <= f->last) {
			f->guest_line = line;
			f->t = t;
			return;
		}
	}
	f = add_fault(p);
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf);
	f->write = write;
	f->write_known = write_known;
	f->iova = f->last = addr;
	f->reason = reason;
	f->interrupt = intr;
	f->t = t;
	f->guest_line = line;
}

static void console_line(struct parse *p, char *line)
{
	struct timeline *tl = p->tl;
	const char *s;
	unsigned long long addr;
	unsigned int bus, dev, fn, ep, flags;
	int reason = -1;
	char bdf[TL_BDF_SIZE], rw[8];
	double t;

	if (sscanf(line, "[ %lf]", &t) != 1)
		return;
	if ((s = strstr(line, "DMAR: Host address width ")))
		tl->haw = atoi(s + strlen("DMAR: Host address width "));
	if ((s = strstr(line, "DMAR: [DMA ")) &&
	    sscanf(s, "DMAR: [DMA %7s %*[^]]] Request device [%x:%x.%x] fault addr 0x%llx [fault reason 0x%x]",
		   rw, &bus, &dev, &fn, &addr, (unsigned int *)&reason) == 6) {
		snprintf(bdf, sizeof(bdf), "0000:%02x:%02x.%x", bus, dev, fn);
		guest_fault(p, line, t, bdf, !strcmp(rw, "Write"), true, addr, reason, false);
	} else if ((s = strstr(line, "DMAR: [INTR-REMAP] ")) &&
		   sscanf(s, "DMAR: [INTR-REMAP] Request device [%x:%x.%x] fault index 0x%llx [fault reason 0x%x]",
			  &bus, &dev, &fn, &addr, (unsigned int *)&reason) == 5) {
		snprintf(bdf, sizeof(bdf), "0000:%02x:%02x.%x", bus, dev, fn);
		guest_fault(p, line, t, bdf, true, true, addr, reason, true);
	} else if ((s = strstr(line, ": AMD-Vi: Event logged [IO_PAGE_FAULT ")) &&
		   s - line >= 12 &&
		   sscanf(s, ": AMD-Vi: Event logged [IO_PAGE_FAULT domain=%*x address=0x%llx flags=0x%x]",
			  &addr, &flags) == 2) {
		snprintf(bdf, sizeof(bdf), "%.12s", s - 12);
		guest_fault(p, line, t, bdf, flags & 0x20, true, addr, -1, false);
	} else if ((s = strstr(line, " fault from EP ")) &&
		   sscanf(s, " fault from EP %u at 0x%llx [%7[RWX]]", &ep, &addr, rw) >= 2) {
		sid_bdf(ep, bdf);
		if (sscanf(s, " fault from EP %*u at 0x%*x [%7[RWX]]", rw) != 1)
			rw[0] = '\0';
		guest_fault(p, line, t, bdf, strchr(rw, 'W'), rw[0], addr, -1, false);
	}
}

static void ktap_line(struct parse *p, char *line)
{
	struct timeline *tl = p->tl;
	char bdf[TL_BDF_SIZE];
	int group;
	const char *g;

	if (sscanf(line, "# pci: %15s ", bdf) != 1 || !(g = strstr(line, " group=")) ||
	    sscanf(g, " group=%d", &group) != 1)
		return;
	tl->devs = xrealloc(tl->devs, (tl->ndevs + 1) * sizeof(*tl->devs));
	snprintf(tl->devs[tl->ndevs].bdf, TL_BDF_SIZE, "%s", bdf);
	tl->devs[tl->ndevs++].group = group;
}

static int by_seq(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The trace merges each CPU's buffer by time, which two CPUs may not
 * agree on: an address space's upci_dma_* events go back in seq order
 * into the places they took, each no earlier than the one before it.
 */
static void order_by_seq(struct timeline *tl)
{
	size_t *at = xcalloc(tl->nev + 1, sizeof(*at));
	struct tl_event *ev = xcalloc(tl->nev + 1, sizeof(*ev));
	bool *done = xcalloc(tl->nev + 1, sizeof(*done));

	for (size_t i = 0; i < tl->nev; i++) {
		size_t n = 0;

		if (done[i] || !tl->ev[i].seq)
			continue;
		for (size_t j = i; j < tl->nev; j++) {
			if (!tl->ev[j].seq || tl->ev[j].as != tl->ev[i].as)
				continue;
			done[j] = true;
			at[n] = j;
			ev[n++] = tl->ev[j];
		}
		qsort(ev, n, sizeof(*ev), by_seq);
		for (size_t k = 0; k < n; k++) {
			tl->ev[at[k]] = ev[k];
			if (k && tl->ev[at[k]].t < tl->ev[at[k - 1]].t)
				tl->ev[at[k]].t = tl->ev[at[k - 1]].t;
		}
	}
	free(at);
	free(ev);
	free(done);
}

void timeline_build(struct timeline *tl, const char *viommu,
		    const char *trace, const char *console,
		    const char *qemu_log, const char *ktap)
{
	struct parse *p = xcalloc(1, sizeof(*p));

	memset(tl, 0, sizeof(*tl));
	tl->viommu = xstrdup(viommu ? viommu : "");
	p->tl = tl;
	tl->text[0] = split_lines(ktap, ktap_line, p);
	tl->text[1] = split_lines(trace, trace_line, p);
	order_by_seq(tl);
	/* QEMU's faults first: the guest's lines give them their times */
	tl->text[2] = split_lines(qemu_log, qemu_line, p);
	tl->text[3] = split_lines(console, console_line, p);
	free(p);
}

void timeline_free(struct timeline *tl)
{
	free(tl->ev);
	free(tl->faults);
	free(tl->devs);
	free(tl->mockdma);
	free(tl->viommu);
	for (size_t i = 0; i < ARRAY_SIZE(tl->text); i++)
		free(tl->text[i]);
	memset(tl, 0, sizeof(*tl));
}

int timeline_group_of(const struct timeline *tl, const char *bdf)
{
	const char *alias = timeline_aliased(tl, bdf);

	for (size_t i = 0; i < tl->ndevs; i++)
		if (!strcmp(tl->devs[i].bdf, alias ? alias : bdf))
			return tl->devs[i].group;
	return -1;
}

const char *timeline_aliased(const struct timeline *tl, const char *bdf)
{
	size_t bus = strlen("0000:00:");

	if (strlen(bdf) != bus + 4 || strcmp(bdf + bus, "00.0"))
		return NULL;
	for (size_t i = 0; i < tl->ndevs; i++)
		if (!strcmp(tl->devs[i].bdf, bdf))
			return NULL;
	for (size_t i = 0; i < tl->ndevs; i++)
		if (!strncmp(tl->devs[i].bdf, bdf, bus))
			return tl->devs[i].bdf;
	return NULL;
}

static const char *const vtd_reasons[] = {
	[0x1] = "Present bit in root entry is clear",
	[0x2] = "Present bit in context entry is clear",
	[0x3] = "Invalid context entry",
	[0x4] = "Access beyond MGAW",
	[0x5] = "PTE Write access is not set",
	[0x6] = "PTE Read access is not set",
	[0x7] = "Next page table ptr is invalid",
	[0x8] = "Root table address invalid",
	[0x9] = "Context table ptr is invalid",
	[0xa] = "non-zero reserved fields in RTP",
	[0xb] = "non-zero reserved fields in CTP",
	[0xc] = "non-zero reserved fields in PTE",
	[0xd] = "PCE for translation request specifies blocking",
	[0x20] = "Detected reserved fields in the decoded interrupt-remapped request",
	[0x21] = "Interrupt index exceeded the interrupt-remapping table size",
	[0x22] = "Present field in the IRTE entry is clear",
	[0x23] = "Error accessing interrupt-remapping table pointed by IRTA_REG",
	[0x24] = "Detected reserved fields in the IRTE entry",
	[0x25] = "Blocked a compatibility format interrupt request",
	[0x26] = "Blocked an interrupt request due to source-id verification failure",
};

static const char *const virtio_reasons[] = {
	"unknown", "no domain: the endpoint is attached to none",
	"no mapping: the address is not mapped, or not with this access",
};

const char *timeline_reason_text(const char *viommu, int reason)
{
	if (reason < 0)
		return NULL;
	if (!strcmp(viommu, "intel-iommu") && (size_t)reason < ARRAY_SIZE(vtd_reasons))
		return vtd_reasons[reason];
	if (!strcmp(viommu, "virtio-iommu") && (size_t)reason < ARRAY_SIZE(virtio_reasons))
		return virtio_reasons[reason];
	return NULL;
}
