// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "fault_verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_GROUPS 64

struct replay {
	struct fv_mapping *m;		/* live ones first after the replay */
	size_t n, cap;
};

static void add_mapping(struct replay *r, const struct fv_mapping *m)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->m = xrealloc(r->m, r->cap * sizeof(*r->m));
	}
	r->m[r->n++] = *m;
}

/*
 * Remove [iova, iova + size) from @as (everything of it when @all): the
 * pieces a partial unmap leaves stay live, the removed part is kept with
 * the event that removed it.
 */
static void unmap_range(struct replay *r, unsigned long long as, bool all,
			unsigned long long iova, unsigned long long size,
			const struct tl_event *by)
{
	unsigned long long end = iova + size;
	size_t n = r->n;

	for (size_t i = 0; i < n; i++) {
		struct fv_mapping *m = &r->m[i], cut;
		unsigned long long mend = m->iova + m->size, lo, hi;

		if (m->unmap || m->as != as)
			continue;
		lo = all ? m->iova : (iova > m->iova ? iova : m->iova);
		hi = all ? mend : (end < mend ? end : mend);
		if (lo >= hi)
			continue;
		cut = *m;
		if (m->iova < lo) {
			m->size = lo - m->iova;
			if (hi < mend) {
				struct fv_mapping tail = cut;

				tail.iova = hi;
				tail.size = mend - hi;
				add_mapping(r, &tail);
			}
		} else if (hi < mend) {
			m->iova = hi;
			m->size = mend - hi;
		} else {
			m->unmap = by;
			continue;
		}
		cut.iova = lo;
		cut.size = hi - lo;
		cut.unmap = by;
		add_mapping(r, &cut);
	}
}

static bool covers(const struct fv_mapping *m, unsigned long long a)
{
	return a >= m->iova && a - m->iova < m->size;
}

static int by_liveness(const void *a, const void *b)
{
	const struct fv_mapping *x = a, *y = b;

	if (!x->unmap != !y->unmap)
		return x->unmap ? 1 : -1;
	if (x->as != y->as)
		return x->as < y->as ? -1 : 1;
	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* What the group's owner did last: attached where, detached when */
struct group_state {
	int group;
	unsigned long long as;
	bool attached;
	const struct tl_event *attach, *detach;
};

static struct group_state *group_state(struct group_state *gs, size_t *n, int g)
{
	for (size_t i = 0; i < *n; i++)
		if (gs[i].group == g)
			return &gs[i];
	if (*n == MAX_GROUPS)
		return NULL;
	memset(&gs[*n], 0, sizeof(gs[*n]));
	gs[*n].group = g;
	return &gs[(*n)++];
}

static bool as_has_groups(const struct group_state *gs, size_t n,
			  unsigned long long as)
{
	for (size_t i = 0; i < n; i++)
		if (gs[i].attached && gs[i].as == as)
			return true;
	return false;
}

void fault_verdict(const struct timeline *tl, const struct tl_fault *f,
		   struct fault_verdict *v)
{
	struct group_state gs[MAX_GROUPS], *mine = NULL;
	struct replay r = { 0 };
	size_t ngs = 0;

	memset(v, 0, sizeof(*v));
	v->delta_s = -1;
	v->group = timeline_group_of(tl, f->bdf);
	for (size_t i = 0; i < tl->nev; i++) {
		const struct tl_event *e = &tl->ev[i];
		struct group_state *g;
		struct fv_mapping m;

		/* not break: seq order may leave a later time before an earlier one */
		if (f->t != TL_NO_TIME && e->t > f->t)
			continue;
		switch (e->kind) {
		case TL_MAP:
			m = (struct fv_mapping){ .as = e->as, .iova = e->iova,
						 .size = e->size, .prot = e->prot,
						 .map = e };
			add_mapping(&r, &m);
			break;
		case TL_UNMAP:
			unmap_range(&r, e->as, e->all, e->iova, e->size, e);
			break;
		case TL_ATTACH:
		case TL_DETACH:
			g = group_state(gs, &ngs, e->group);
			if (!g)
				break;
			g->attached = e->kind == TL_ATTACH;
			g->as = e->as;
			*(e->kind == TL_ATTACH ? &g->attach : &g->detach) = e;
			/* the last group takes the mappings with it */
			if (e->kind == TL_DETACH && !as_has_groups(gs, ngs, e->as))
				unmap_range(&r, e->as, true, 0, 0, e);
			break;
		case TL_RELEASE:
			unmap_range(&r, e->as, true, 0, 0, e);
			break;
		case TL_EXIT:
			break;
		}
	}
	qsort(r.m, r.n, sizeof(*r.m), by_liveness);
	v->maps = r.m;
	v->nmaps = r.n;
	while (v->nlive < r.n && !r.m[v->nlive].unmap)
		v->nlive++;
	for (size_t i = 0; i < ngs; i++)
		if (gs[i].group == v->group)
			mine = &gs[i];
	if (mine) {
		v->attach = mine->attach;
		v->attached = mine->attached;
		v->as = mine->as;
	}

	if (f->interrupt) {
		v->kind = FV_INTERRUPT;
		return;
	}
	if (f->iova >= FV_MSI_BASE && f->iova <= FV_MSI_END) {
		v->kind = FV_RESERVED;
		return;
	}
	if (tl->haw > 0 && tl->haw < 64 && f->iova >> tl->haw) {
		v->kind = FV_OUTSIDE_APERTURE;
		return;
	}
	if (!tl->driver_traced) {
		v->kind = FV_NO_TRACE;
		return;
	}
	if (!mine || (!mine->attached && !mine->detach)) {
		v->kind = FV_NOT_OWNED;
		return;
	}
	if (!mine->attached) {
		v->cause = mine->detach;
		v->kind = FV_RELEASED;
		for (size_t i = 0; i < tl->nev; i++)
			if (tl->ev[i].kind == TL_EXIT && tl->ev[i].pid == mine->detach->pid &&
			    (f->t == TL_NO_TIME || tl->ev[i].t <= f->t))
				v->exit = &tl->ev[i];
		if (v->exit)
			v->kind = FV_OWNER_DIED;
	} else {
		v->kind = FV_NEVER_MAPPED;
		for (size_t i = 0; i < v->nmaps; i++) {
			const struct fv_mapping *m = &v->maps[i];
			bool ok = !f->write_known ||
				  (m->prot & (f->write ? TL_PROT_W : TL_PROT_R));

			if (m->as != v->as || !covers(m, f->iova))
				continue;
			if (!m->unmap) {
				v->kind = ok ? FV_MAPPED : FV_NO_PERMISSION;
				v->mapping = m;
				v->cause = m->map;
				break;
			}
			/* the latest removal that covers it */
			if (!v->cause || m->unmap->t >= v->cause->t) {
				v->kind = FV_UNMAPPED_BEFORE;
				v->mapping = m;
				v->cause = m->unmap;
			}
		}
		for (size_t i = 0; v->kind == FV_NEVER_MAPPED && i < v->nlive; i++) {
			if (v->maps[i].as != v->as && covers(&v->maps[i], f->iova)) {
				v->kind = FV_OTHER_CONTAINER;
				v->mapping = &v->maps[i];
				v->cause = v->maps[i].map;
			}
		}
	}
	if (v->cause && f->t != TL_NO_TIME)
		v->delta_s = f->t - v->cause->t;
}

void fault_verdict_free(struct fault_verdict *v)
{
	free(v->maps);
	memset(v, 0, sizeof(*v));
}

const char *fault_verdict_code(enum fv_kind k)
{
	static const char *const codes[] = {
		[FV_NEVER_MAPPED] = "never-mapped",
		[FV_UNMAPPED_BEFORE] = "unmapped-before",
		[FV_NO_PERMISSION] = "no-permission",
		[FV_OTHER_CONTAINER] = "other-container",
		[FV_OWNER_DIED] = "owner-died",
		[FV_RELEASED] = "released",
		[FV_NOT_OWNED] = "not-owned",
		[FV_RESERVED] = "reserved-region",
		[FV_INTERRUPT] = "interrupt-remapping",
		[FV_OUTSIDE_APERTURE] = "outside-aperture",
		[FV_MAPPED] = "mapped",
		[FV_NO_TRACE] = "no-trace",
	};

	return (size_t)k < ARRAY_SIZE(codes) ? codes[k] : "?";
}

static char *who(const struct tl_event *e)
{
	return xasprintf("%s[%d] at %.6f s", e->comm, e->pid, e->t);
}

static char *ago(const struct fault_verdict *v)
{
	if (v->delta_s < 0)
		return xstrdup("before the fault (the fault has no guest time)");
	if (v->delta_s < 1e-3)
		return xasprintf("%.0f µs before the fault was reported", v->delta_s * 1e6);
	return xasprintf("%.1f ms before the fault was reported", v->delta_s * 1e3);
}

static const char *prot_name(int prot)
{
	static const char *const names[] = { "none", "read-only", "write-only", "read-write" };

	return names[prot & 3];
}

char *fault_verdict_text(const struct timeline *tl, const struct tl_fault *f,
			 const struct fault_verdict *v)
{
	const char *acc = !f->write_known ? "access" : f->write ? "write" : "read";
	const struct fv_mapping *m = v->mapping;
	char *w = v->cause ? who(v->cause) : NULL, *a = ago(v), *s;

	switch (v->kind) {
	case FV_NEVER_MAPPED:
		s = xasprintf("Never mapped: no mapping of address space %llu (group %d's) covered 0x%llx at any time before the fault, and no other address space had it mapped.",
			      v->as, v->group, f->iova);
		break;
	case FV_UNMAPPED_BEFORE:
		s = xasprintf("Unmapped before the access: 0x%llx-0x%llx was mapped in address space %llu and unmapped by %s, %s.",
			      m->iova, m->iova + m->size - 1, v->as, w, a);
		break;
	case FV_NO_PERMISSION:
		s = xasprintf("Mapped without the needed permission: a %s to 0x%llx, which %s mapped %s (0x%llx-0x%llx, address space %llu).",
			      acc, f->iova, w, prot_name(m->prot), m->iova,
			      m->iova + m->size - 1, v->as);
		break;
	case FV_OTHER_CONTAINER:
		s = xasprintf("Mapped only in another container: 0x%llx is mapped in address space %llu (by %s), not in address space %llu that holds group %d.",
			      f->iova, m->as, w, v->as, v->group);
		break;
	case FV_OWNER_DIED:
		s = xasprintf("After the owner died: %s[%d] exited at %.6f s and its exit took group %d out of address space %llu (%s), %s.",
			      v->exit->comm, v->exit->pid, v->exit->t, v->group, v->as, w, a);
		break;
	case FV_RELEASED:
		s = xasprintf("After the owner released the device: group %d left address space %llu (%s), %s.",
			      v->group, v->as, w, a);
		break;
	case FV_NOT_OWNED:
		s = xasprintf("Not owned by user space: no container held group %d (%s) in the trace.",
			      v->group, f->bdf);
		break;
	case FV_RESERVED:
		s = xasprintf("In a reserved region: 0x%llx is in the MSI window 0x%llx-0x%llx, which no container may map; a DMA write there is an interrupt message.",
			      f->iova, FV_MSI_BASE, FV_MSI_END);
		break;
	case FV_INTERRUPT:
		s = xasprintf("Interrupt remapping refused the message (index 0x%llx).", f->iova);
		break;
	case FV_OUTSIDE_APERTURE:
		s = xasprintf("Outside the aperture: 0x%llx is beyond the vIOMMU's %d-bit address width.",
			      f->iova, tl->haw);
		break;
	case FV_MAPPED:
		s = xasprintf("Not explained: 0x%llx was mapped %s in address space %llu by %s when the fault was reported. A stale IOTLB entry, a mapping the driver did not make in the IOMMU, or a fault before the map that the guest reported late.",
			      f->iova, prot_name(m->prot), v->as, w);
		break;
	default:
		s = xasprintf("No driver trace: the guest trace has no upci or vfio_iommu_type1 events to explain the fault with.");
		break;
	}
	free(w);
	free(a);
	return s;
}
