/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why a DMA fault happened, from the merged timeline (fault_timeline.h):
 * replay every map, unmap, attach, detach and release up to the fault's
 * time and look at the faulting device's address space there.
 */
#ifndef UPCILAB_FAULT_VERDICT_H
#define UPCILAB_FAULT_VERDICT_H

#include "fault_timeline.h"

enum fv_kind {
	FV_NEVER_MAPPED,	/* in its address space, at no time */
	FV_UNMAPPED_BEFORE,	/* mapped, and unmapped before the access */
	FV_NO_PERMISSION,	/* mapped without the access's permission */
	FV_OTHER_CONTAINER,	/* mapped, but only in another address space */
	FV_OWNER_DIED,		/* the group left its address space at exit */
	FV_RELEASED,		/* the owner closed it before the access */
	FV_NOT_OWNED,		/* no user address space ever held the group */
	FV_RESERVED,		/* in the MSI window: no one may map it */
	FV_INTERRUPT,		/* interrupt remapping refused a message */
	FV_OUTSIDE_APERTURE,	/* beyond the vIOMMU's address width */
	FV_MAPPED,		/* mapped with the access: not explained */
	FV_NO_TRACE,		/* the driver left no trace to explain it */
};

/* A mapping as the replay knew it */
struct fv_mapping {
	unsigned long long as, iova, size;
	int prot;
	const struct tl_event *map;	/* the event that made it */
	const struct tl_event *unmap;	/* the one that removed it, or NULL */
};

struct fault_verdict {
	enum fv_kind kind;
	int group;			/* -1: not in the device table */
	unsigned long long as;		/* its address space at the fault, 0 */
	bool attached;
	const struct tl_event *attach;	/* the group's last attach before */
	const struct tl_event *cause;	/* the event the verdict rests on */
	const struct tl_event *exit;	/* the owner's death, if it died */
	const struct fv_mapping *mapping; /* the mapping the verdict names */
	double delta_s;			/* fault time - cause time; <0 unknown */
	/* every mapping of every address space at the fault, then removed ones */
	struct fv_mapping *maps;
	size_t nlive, nmaps;
};

/* The MSI window x86 reserves for interrupt messages */
#define FV_MSI_BASE 0xfee00000ULL
#define FV_MSI_END 0xfeefffffULL

void fault_verdict(const struct timeline *tl, const struct tl_fault *f,
		   struct fault_verdict *v);
void fault_verdict_free(struct fault_verdict *v);
/* "never-mapped", ...: the verdict's stable name (JSON, tests) */
const char *fault_verdict_code(enum fv_kind k);
/* One sentence that explains the fault; the caller frees it */
char *fault_verdict_text(const struct timeline *tl, const struct tl_fault *f,
			 const struct fault_verdict *v);

#endif
