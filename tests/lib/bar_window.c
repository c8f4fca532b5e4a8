// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bar_window.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

/* Set only around a touch of this thread's */
static __thread sigjmp_buf *touch_jmp;

static void on_fault(int sig)
{
	if (!touch_jmp) {
		/* not a touch: die of it as the signal would have it */
		signal(sig, SIG_DFL);
		return;
	}
	siglongjmp(*touch_jmp, sig);
}

int bar_window_signals(void)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		return -errno;
	return 0;
}

static void *reserve_at(void *addr, size_t size)
{
	return mmap(addr, size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (addr ? MAP_FIXED : 0),
		    -1, 0);
}

int bar_window_reserve(struct bar_window *w, size_t size)
{
	void *p = reserve_at(NULL, size);

	if (p == MAP_FAILED)
		return -errno;
	w->base = p;
	w->size = size;
	return 0;
}

/*
 * Mapped anywhere, then moved over the window: a MAP_FIXED mmap() that
 * fails (the driver refusing it) has already unmapped the range, and
 * another thread's mmap() could land in the hole before the reservation
 * is back. mremap() to the same size cannot fail that way.
 */
int bar_window_map(struct bar_window *w, int fd, uint64_t offset)
{
	void *p = mmap(NULL, w->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       offset);
	int ret;

	if (p == MAP_FAILED)
		return -errno;
	if (mremap(p, w->size, w->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		   w->base) != MAP_FAILED)
		return 0;
	ret = -errno;
	munmap(p, w->size);
	return ret;
}

int bar_window_unmap(struct bar_window *w)
{
	return reserve_at(w->base, w->size) == MAP_FAILED ? -errno : 0;
}

void bar_window_free(struct bar_window *w)
{
	if (w->base)
		munmap(w->base, w->size);
	w->base = NULL;
}

static int touch(struct bar_window *w, size_t off, uint32_t *val, int write)
{
	volatile uint32_t *p = (volatile uint32_t *)(w->base + (off & ~(size_t)3));
	sigjmp_buf jmp;
	int sig;

	if (off + 4 > w->size)
		return -EINVAL;
	sig = sigsetjmp(jmp, 1);
	if (sig) {
		touch_jmp = NULL;
		return sig == SIGBUS ? -EIO : -EFAULT;
	}
	touch_jmp = &jmp;
	if (write)
		*p = *val;
	else
		*val = *p;
	touch_jmp = NULL;
	return 0;
}

int bar_window_read32(struct bar_window *w, size_t off, uint32_t *val)
{
	return touch(w, off, val, 0);
}

int bar_window_write32(struct bar_window *w, size_t off, uint32_t val)
{
	return touch(w, off, &val, 1);
}
