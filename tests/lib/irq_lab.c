// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "irq_lab.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pci_topo.h"

int irq_set_argsz(int fd, uint32_t argsz, uint32_t flags, uint32_t index,
		  uint32_t start, uint32_t count, const void *data, size_t len)
{
	size_t alloc = sizeof(struct vfio_irq_set) + len + 64;
	struct vfio_irq_set *set = calloc(1, alloc > argsz ? alloc : argsz);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = argsz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (len)
		memcpy(set->data, data, len);
	ret = ioctl(fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	return ret;
}

int irq_set(int fd, uint32_t flags, uint32_t index, uint32_t start,
	    uint32_t count, const void *data, size_t len)
{
	return irq_set_argsz(fd, sizeof(struct vfio_irq_set) + len, flags, index,
			     start, count, data, len);
}

int irq_trigger_fds(int fd, uint32_t index, uint32_t start, uint32_t count,
		    const int32_t *fds)
{
	return irq_set(fd, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		       index, start, count, fds, count * sizeof(int32_t));
}

int irq_action_none(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count)
{
	return irq_set(fd, VFIO_IRQ_SET_DATA_NONE | action, index, start, count,
		       NULL, 0);
}

int irq_action_bool(int fd, uint32_t index, uint32_t action, uint32_t start,
		    uint32_t count, const uint8_t *vals)
{
	return irq_set(fd, VFIO_IRQ_SET_DATA_BOOL | action, index, start, count,
		       vals, count);
}

int irq_disable(int fd, uint32_t index)
{
	return irq_action_none(fd, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0);
}

int irq_info(int fd, uint32_t index, struct vfio_irq_info *info)
{
	*info = (struct vfio_irq_info){ .argsz = sizeof(*info), .index = index };
	return ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, info) ? -errno : 0;
}

int irq_efd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

int irq_efds(int32_t *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		fds[i] = irq_efd();
		if (fds[i] < 0) {
			int ret = fds[i];

			irq_efds_close(fds, n);
			return ret;
		}
	}
	return 0;
}

void irq_efds_close(int32_t *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int64_t irq_efd_take(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n == sizeof(v))
		return (int64_t)v;
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n < 0 ? -errno : -EIO;
}

int64_t irq_efd_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, ms);

	if (n < 0)
		return -errno;
	return n ? irq_efd_take(fd) : 0;
}

int irq_efd_signal(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

int irq_quiet(struct mockdma *m)
{
	static const uint32_t zero[] = {
		MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_REG_KNOBS, MOCKDMA_REG_INTX_FORCE,
		MOCKDMA_REG_DMA_DELAY, MOCKDMA_REG_CTRL,
	};
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(zero) / sizeof(zero[0]) && !ret; i++)
		ret = mockdma_write32(m, zero[i], 0);
	if (!ret)
		ret = mockdma_write32(m, MOCKDMA_REG_IRQ_STATUS, ~0u);
	return ret;
}

int irq_open(struct mockdma *m, const char *id, char *why, size_t size)
{
	int ret = mockdma_open(m, id, why, size);

	if (ret)
		return ret;
	ret = irq_quiet(m);
	if (ret) {
		snprintf(why, size, "quieting %s: %s", id, strerror(-ret));
		mockdma_close(m);
	}
	return ret;
}

int irq_count_sum(struct mockdma *m, unsigned int n, uint64_t *sum)
{
	unsigned int v;
	uint32_t c;
	int ret;

	*sum = 0;
	for (v = 0; v < n; v++) {
		ret = mockdma_irq_count(m, v, &c);
		if (ret)
			return ret;
		*sum += c;
	}
	return 0;
}

int irq_sysfs_irq(const char *bdf)
{
	char path[128], buf[32];
	FILE *f;
	int irq = -EIO;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f))
		irq = atoi(buf);
	fclose(f);
	return irq;
}

int irq_proc_line(int irq, char *buf, size_t size)
{
	char line[512], want[16];
	FILE *f = fopen("/proc/interrupts", "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%d:", irq);
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " ");

		if (strncmp(s, want, strlen(want)))
			continue;
		s[strcspn(s, "\n")] = '\0';
		snprintf(buf, size, "%s", s);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double irq_percentile(double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}
