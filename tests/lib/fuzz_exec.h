/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_exec: runs fuzz_gen's calls on one driver, in a child process, and
 * records what each call answered and the state it left, normalized so
 * that the two drivers' records compare byte for byte where they should:
 *
 *   - an fd returned is FZ_RET_FD, not its number;
 *   - what belongs to the device rather than to the driver (its BAR
 *     addresses and interrupt line as the host assigned them, its group
 *     number, bus and devfn, mockdma's counters of its own history) is
 *     replaced by a marker; a BAR byte is the host's if it is either
 *     device's, since a value the user wrote can equal one of them;
 *   - the DMA_AVAIL capability is turned into mappings in use (the two
 *     backends' dma_entry_limit may differ).
 *
 * The parent allocates the buffers before forking, so both children see
 * them at the same addresses.
 */
#ifndef FUZZ_EXEC_H
#define FUZZ_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "fuzz_gen.h"
#include "pci_topo.h"

#define FZ_RET_FD	0x7ffffff0	/* a call returned an fd */
#define FZ_OUT_MAX	384
#define FZ_ARGBUF	(64u << 10)
#define FZ_MAX_CALLS	400

struct fz_env {
	char driver[16];		/* "vfio-pci" or "upci" */
	char bdf[PCI_TOPO_BDF_SIZE], peer_bdf[PCI_TOPO_BDF_SIZE];
	int group_id;
	char container_path[256], group_path[256], foreign_path[256];
	uint64_t entry_limit;		/* the backend's dma_entry_limit */
	uint8_t raw_cfg[64];		/* the header as the host sees it */
	uint8_t peer_raw_cfg[64];	/* the other driver's device's */
	uint8_t *arena;			/* FZ_ARENA_SIZE rw, a read-only page, a hole */
	uint8_t *argbuf;		/* FZ_ARGBUF, then a PROT_NONE page */
};

/* the state after a call, read through whatever is open */
struct fz_state {
	int32_t iommu_ret;		/* GET_INFO on the first open container */
	uint32_t iommu_flags;
	uint64_t pgsizes;
	uint64_t ranges_hash;
	uint32_t nranges, dma_used;
	uint32_t migration_cap;		/* compared never: intended (vfio_fuzz.c) */
	int32_t group_ret;
	uint32_t group_flags;
	int64_t locked_kb;
	int32_t dev_ret;		/* DEVICE_GET_INFO on the first open device */
	uint32_t dev_flags, num_regions, num_irqs;
	int32_t irq_ret[5];
	uint32_t irq_flags[5], irq_count[5];
	int32_t cfg_ret;
	int32_t scratch_ret;
	uint32_t scratch;
	int64_t efd[4];			/* counters read (and reset), -1 closed */
	uint8_t cfg[256];		/* config space, normalized */
};

struct fz_out {
	int32_t ret;			/* >= 0, FZ_RET_FD, or -errno */
	int32_t sig;			/* a signal the call raised (mmap touch) */
	uint32_t outlen;		/* bytes of out[] valid (the argument after the call) */
	uint64_t outhash;		/* FNV-1a of the whole output, normalized */
	uint8_t out[FZ_OUT_MAX];
	struct fz_state st;
};

struct fz_trace {
	uint32_t n;			/* calls recorded */
	int32_t died_sig;		/* the child died of this signal at call n */
	int32_t hung;			/* the parent killed it at call n */
	int32_t setup_err;		/* the child could not start (-errno) */
	struct fz_out out[FZ_MAX_CALLS];
};

/*
 * Run calls[0..n) on env's driver in a forked child, into trace (shared
 * memory the caller mmap()ed).  timeout_ms bounds the child; returns 0, or
 * -errno if the fork failed.
 */
int fz_run(const struct fz_env *env, const struct fz_call *calls, unsigned int n,
	   struct fz_trace *trace, int timeout_ms);

/* The arena and argument buffers, allocated once before any fork. */
int fz_buffers(struct fz_env *env);

#endif /* FUZZ_EXEC_H */
