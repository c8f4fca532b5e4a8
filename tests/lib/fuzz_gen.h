/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_gen: the differential fuzzer's calls (tests/guest/vfio_fuzz.c).
 *
 * A sequence is an array of struct fz_call, plain data: generated from a
 * seed (splitmix64, so a seed names the same sequence on every machine),
 * run by fuzz_exec on either driver, shrunk by fuzz_min and printed as C.
 * A call names its fds by slot (container 0-1, the group, device 0-1,
 * eventfd 0-3), never by number, so any subsequence is still a valid
 * program: a call on a closed slot passes -1.
 */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include <stdint.h>
#include <stdio.h>

/* ---- the PRNG ---- */
struct fz_rng {
	uint64_t s;
};
uint64_t fz_next(struct fz_rng *r);
/* Uniform in [0, n) (n > 0). */
uint32_t fz_below(struct fz_rng *r, uint32_t n);
/* true with probability 1/n */
int fz_one_in(struct fz_rng *r, uint32_t n);

/* ---- calls ---- */
enum fz_op {
	FZ_OPEN_CONTAINER, FZ_CLOSE_CONTAINER, FZ_OPEN_GROUP, FZ_CLOSE_GROUP,
	FZ_CLOSE_DEVICE, FZ_OPEN_EFD, FZ_CLOSE_EFD,
	/* container */
	FZ_API_VERSION, FZ_CHECK_EXTENSION, FZ_SET_IOMMU, FZ_IOMMU_INFO,
	FZ_MAP_DMA, FZ_UNMAP_DMA, FZ_DIRTY_PAGES,
	/* group */
	FZ_GROUP_STATUS, FZ_SET_CONTAINER, FZ_UNSET_CONTAINER, FZ_GET_DEVICE_FD,
	/* device */
	FZ_DEVICE_INFO, FZ_REGION_INFO, FZ_IRQ_INFO, FZ_SET_IRQS, FZ_RESET,
	FZ_HOT_RESET_INFO, FZ_HOT_RESET, FZ_FEATURE, FZ_IOEVENTFD,
	FZ_PREAD, FZ_PWRITE, FZ_MMAP,
	/* any ioctl number on any fd */
	FZ_RAW_IOCTL,
	FZ_NOPS
};

/* fd arguments (fdkind, and SET_IRQS/HOT_RESET payload entries) */
enum fz_fd {
	FZ_FD_C0, FZ_FD_C1, FZ_FD_G0, FZ_FD_D0, FZ_FD_D1,
	FZ_FD_E0, FZ_FD_E1, FZ_FD_E2, FZ_FD_E3,
	FZ_FD_FOREIGN,		/* the other driver's container */
	FZ_FD_MINUS1, FZ_FD_BOGUS,	/* -1, a number no fd has */
	FZ_NFDS
};
#define FZ_BOGUS_FD	1000

/* where an ioctl's argument lies */
enum fz_place {
	FZ_PLACE_START,		/* at the start of a 64 KiB arena */
	FZ_PLACE_END,		/* its last byte against a PROT_NONE page */
	FZ_PLACE_NULL,		/* a NULL pointer */
	FZ_PLACE_UNMAPPED,	/* the PROT_NONE page */
};

/* GET_DEVICE_FD names (index) */
enum fz_name {
	FZ_NAME_SELF, FZ_NAME_PEER, FZ_NAME_EMPTY, FZ_NAME_JUNK,
	FZ_NAME_NO_DOMAIN, FZ_NAME_TOKEN, FZ_NAME_TOKEN_JUNK,
	FZ_NAME_TRAILING_SPACE, FZ_NAME_UNTERMINATED, FZ_NAME_LONG,
	FZ_NNAMES
};

/* MAP_DMA vaddr kinds (index); c is the offset in the arena */
enum fz_vaddr {
	FZ_VA_ARENA, FZ_VA_RDONLY, FZ_VA_HOLE, FZ_VA_NULL, FZ_VA_KERNEL,
	FZ_VA_TOP, FZ_NVAS
};
#define FZ_ARENA_SIZE	(256u << 10)

/* MMAP: flags holds PROT_* and this bit for MAP_PRIVATE */
#define FZ_MMAP_PRIVATE	(1u << 16)

#define FZ_DATA_MAX	16

struct fz_call {
	uint8_t op;		/* enum fz_op */
	uint8_t slot;		/* which fd of the op's kind */
	uint8_t place;		/* enum fz_place */
	uint8_t fill;		/* the argument's bytes beyond its fields */
	uint8_t fdkind;		/* enum fz_fd: the fd argument, or RAW_IOCTL's target */
	uint8_t ndata;		/* used entries of data[] */
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start, count;
	uint64_t a, b, c;
	uint8_t data[FZ_DATA_MAX];
};

/*
 * What the generator knows of the device: region sizes (0: absent) from
 * the drivers' REGION_INFO, checked equal on both before fuzzing.
 */
#define FZ_NREGIONS	9
struct fz_device_shape {
	uint64_t region_size[FZ_NREGIONS];
	uint32_t irq_count[5];
};

/*
 * Fill calls[] (at most max) with a sequence: a set-up prologue of random
 * depth, then calls until max.  Returns how many.
 */
unsigned int fz_generate(uint64_t seed, const struct fz_device_shape *shape,
			 struct fz_call *calls, unsigned int max);

const char *fz_op_name(unsigned int op);

/*
 * The bytes an ioctl's argument buffer holds: the whole struct (with its
 * payload) at least, argsz if larger, up to 4 KiB.
 */
static inline uint32_t fz_arg_len(uint32_t argsz, uint32_t full)
{
	uint32_t len = argsz < 4096 ? argsz : 4096;

	return len > full ? len : full;
}

/* The struct (and payload) bytes of a call's argument. */
uint32_t fz_arg_full(const struct fz_call *c);

/*
 * One call as a C statement (or a block), on one line, using the
 * variables the preamble declares: c0 c1 g0 d0 d1 e0..e3 foreign, and
 * the helpers arg(), name_of() and vaddr_of() it documents.
 */
void fz_print_call(FILE *f, const char *prefix, const struct fz_call *c);
void fz_print_preamble(FILE *f, const char *prefix);

#endif /* FUZZ_GEN_H */
