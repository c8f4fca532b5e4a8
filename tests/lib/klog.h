/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klog: the guest kernel's log ring buffer, read with klogctl(2).
 *
 * Tests look for lines the kernel printed (a DMAR fault, a driver's
 * message).  The buffer is read whole each time; counting matches before
 * and after an action tells whether the action produced a line, without
 * clearing the buffer that other tests read.
 */
#ifndef KLOG_H
#define KLOG_H

#include <stdbool.h>
#include <stddef.h>

/* The whole ring buffer as one string (free() it), or NULL with errno set. */
char *klog_read_all(void);

/* Copy out the first line of log that contains needle. */
bool klog_find_line(const char *log, const char *needle, char *line,
		    size_t size);

/* Lines of log that contain every one of the n needles. */
int klog_count_lines(const char *log, const char *const *needles, int n);

/* The same, in the whole ring buffer as it is now; -errno if unreadable. */
int klog_count_now(const char *const *needles, int n);

/*
 * The printk timestamps (seconds since boot, "[   21.218595] ...") of the
 * last max lines of log that contain needle, oldest first; the count.
 */
int klog_timestamps(const char *log, const char *needle, double *secs, int max);

/*
 * The kernel log's clock now, in the unit of its timestamps: writes a
 * marker line to /dev/kmsg (root) and reads its timestamp back.
 */
int klog_now(double *secs);

#endif /* KLOG_H */
