/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq_lab: VFIO_DEVICE_SET_IRQS and GET_IRQ_INFO as the interrupt tests
 * (tests/guest/irq_*.c) use them on a mockdma, on either driver.
 *
 * Every call returns 0 or the kernel's -errno unchanged, so a test can
 * compare it with the errno VFIO documents.  Eventfds are non-blocking.
 */
#ifndef IRQ_LAB_H
#define IRQ_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "mockdma.h"

/* One SET_IRQS with a payload of len bytes; argsz = header + len + extra. */
int irq_set(int fd, uint32_t flags, uint32_t index, uint32_t start,
	    uint32_t count, const void *data, size_t len);
/* The same with argsz given outright (for the argsz checks). */
int irq_set_argsz(int fd, uint32_t argsz, uint32_t flags, uint32_t index,
		  uint32_t start, uint32_t count, const void *data, size_t len);
/* DATA_EVENTFD | TRIGGER for vectors start..start+count-1. */
int irq_trigger_fds(int fd, uint32_t index, uint32_t start, uint32_t count,
		    const int32_t *fds);
/* DATA_NONE | action. */
int irq_action_none(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count);
/* DATA_BOOL | action, one byte per vector. */
int irq_action_bool(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count, const uint8_t *vals);
/* DATA_NONE | TRIGGER with count 0: disable the index. */
int irq_disable(int fd, uint32_t index);
int irq_info(int fd, uint32_t index, struct vfio_irq_info *info);

/* A non-blocking eventfd, or -errno. */
int irq_efd(void);
/* Open n eventfds into fds[] (all -1 on failure); close them again. */
int irq_efds(int32_t *fds, unsigned int n);
void irq_efds_close(int32_t *fds, unsigned int n);
/* Read and reset the counter (0 if unsignalled), or -errno. */
int64_t irq_efd_take(int fd);
/* Wait up to ms for a signal: the counter read, 0 on timeout, or -errno. */
int64_t irq_efd_wait(int fd, int ms);
/* Signal an eventfd (for the unmask eventfd). */
int irq_efd_signal(int fd);

/*
 * Open a scenario's mockdma and quiet it (no knobs, no INTx force, no
 * enabled causes, IRQ_STATUS clear, engine stopped): -ENODEV/-ENOENT when
 * it is not bound to the driver under test (why says so).
 */
int irq_open(struct mockdma *m, const char *id, char *why, size_t size);
int irq_quiet(struct mockdma *m);

/* Sum of IRQ_COUNT[0..n-1]. */
int irq_count_sum(struct mockdma *m, unsigned int n, uint64_t *sum);

/* /sys/bus/pci/devices/BDF/irq. */
int irq_sysfs_irq(const char *bdf);
/* The /proc/interrupts line of an irq (without the newline), or -ENOENT. */
int irq_proc_line(int irq, char *buf, size_t size);

/* Median and the p-th percentile (0..100) of n samples (sorted in place). */
double irq_percentile(double *v, size_t n, double p);

#endif /* IRQ_LAB_H */
