/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upcilab repro's merged timeline: what the driver did to each address space
 * (map, unmap, attach, detach, release), who did it, when the owners died,
 * and every DMA fault, from the three records a repro run keeps:
 *
 *  - the guest's trace (guest-trace.txt): iommu:* tracepoints, upci's own
 *    (upci:*, with the address space's id, asid), vfio_iommu_type1's calls as
 *    kprobe events (upcilab:vfio_*, the address space is its pointer) and
 *    sched_process_exit; times are the guest's local clock in seconds;
 *  - the guest console (console.log): the IOMMU driver's fault lines, on
 *    the same clock as the trace;
 *  - QEMU's log (qemu.log): the vIOMMU's trace of every fault, without a
 *    time, and mockdma's record of each descriptor.
 *
 * Plus the device table (ktap.log's "# pci:" lines) for BDF -> group.
 */
#ifndef UPCILAB_FAULT_TIMELINE_H
#define UPCILAB_FAULT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>

#define TL_NO_TIME (-1.0)
#define TL_BDF_SIZE 16

enum tl_kind {
	TL_MAP,		/* as, iova, size, prot */
	TL_UNMAP,	/* as, iova, size (all: every mapping) */
	TL_ATTACH,	/* as, group */
	TL_DETACH,	/* as, group */
	TL_RELEASE,	/* as: its mappings are gone */
	TL_EXIT,	/* pid died */
};

#define TL_PROT_R 1
#define TL_PROT_W 2

struct tl_event {
	enum tl_kind kind;
	double t;			/* guest seconds */
	int pid;
	char comm[24];
	unsigned long long as;
	unsigned long long iova, size;
	int prot;
	bool all;
	int group;
	unsigned long long seq;		/* upci_dma_*: the address space's order */
	const char *line;		/* the record that says so */
};

/* One DMA fault, or a run of them (same device, access and reason) */
struct tl_fault {
	char bdf[TL_BDF_SIZE];		/* the requester ID, 0000:BB:DD.F */
	bool write;
	bool write_known;
	unsigned long long iova;	/* the first faulting address */
	unsigned long long last;	/* the last one of the run */
	unsigned long count;		/* QEMU's trace lines in the run */
	int reason;			/* the vIOMMU's code, -1 unknown */
	bool interrupt;			/* an interrupt-remapping fault */
	double t;			/* the guest's fault line, or TL_NO_TIME */
	const char *qemu_line;		/* the first of QEMU's trace lines */
	const char *guest_line;		/* the guest driver's fault line */
};

struct tl_group_dev {
	char bdf[TL_BDF_SIZE];
	int group;
};

struct timeline {
	struct tl_event *ev;
	size_t nev;
	struct tl_fault *faults;
	size_t nfaults;
	struct tl_group_dev *devs;
	size_t ndevs;
	/* copies of the records, split into the lines the events point at */
	char *text[4];
	char *viommu;
	const char **mockdma;		/* mockdma's record, in order */
	size_t nmockdma;
	int haw;			/* intel-iommu's address width, 0 unknown */
	bool driver_traced;		/* upci:* or upcilab:vfio_* events seen */
	bool lost_events;		/* the trace buffer overflowed */
};

/*
 * Build @tl from the records (each may be NULL). @viommu names the model,
 * which decides how QEMU's and the guest's fault lines read.
 */
void timeline_build(struct timeline *tl, const char *viommu,
		    const char *trace, const char *console,
		    const char *qemu_log, const char *ktap);
void timeline_free(struct timeline *tl);

/* The group of @bdf from the device table (or of what it aliases), or -1 */
int timeline_group_of(const struct timeline *tl, const char *bdf);
/*
 * A requester ID that is no device but BB:00.0 of a bus with devices: the
 * alias a PCIe-to-PCI bridge gives the conventional devices behind it.
 * The first of them, or NULL.
 */
const char *timeline_aliased(const struct timeline *tl, const char *bdf);
/* "Present bit in context entry is clear" etc; NULL for an unknown code */
const char *timeline_reason_text(const char *viommu, int reason);

#endif
