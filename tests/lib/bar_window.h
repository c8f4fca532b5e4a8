/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bar_window: an address range reserved for one BAR mapping at a time, so
 * that threads may map a BAR into it, unmap it and touch it, all racing.
 *
 * The range is reserved (PROT_NONE, anonymous) for the window's lifetime:
 * unmapping the BAR puts the reservation back over it (MAP_FIXED), which
 * closes the BAR's vma as munmap() would, and nothing else of the process
 * ever lands there, so a touch that loses a race faults (SIGSEGV) instead
 * of writing into someone else's memory. A BAR whose mapping the driver
 * zapped for good (a revoked fd) or that does not decode faults with
 * SIGBUS. Touches catch both, per thread: bar_window_signals() installs
 * the handlers once per process.
 */
#ifndef BAR_WINDOW_H
#define BAR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct bar_window {
	uint8_t *base;
	size_t size;
};

/* SIGSEGV and SIGBUS handlers for the touches; 0 or -errno. */
int bar_window_signals(void);
int bar_window_reserve(struct bar_window *w, size_t size);
/* mmap() the device fd's region at @offset (VFIO's) over the window;
 * on failure the window stays reserved. */
int bar_window_map(struct bar_window *w, int fd, uint64_t offset);
/* The reservation back over it: the BAR's vma is gone. */
int bar_window_unmap(struct bar_window *w);
void bar_window_free(struct bar_window *w);
/*
 * One 4-byte access at @off: 0, -EFAULT when it faulted with SIGSEGV
 * (nothing mapped), -EIO with SIGBUS (mapped, but no page to be had).
 */
int bar_window_read32(struct bar_window *w, size_t off, uint32_t *val);
int bar_window_write32(struct bar_window *w, size_t off, uint32_t val);

#endif /* BAR_WINDOW_H */
