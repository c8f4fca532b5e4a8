// SPDX-License-Identifier: GPL-2.0
/*
 * upci's tracepoints (events/upci, kmod/upci_trace.h) say what happened,
 * with the result the caller saw: a MAP_DMA refused before any pinning is
 * traced with its errno, a mapping that pinned half its range unpins (and
 * traces) half, UNMAP_ALL says so, and opening a device traces its reset.
 * upci only: vfio-pci has no such events. Uses edu0's group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define TRACEFS "/sys/kernel/tracing"
#define PAGE 4096ul
#define IOVA 0x100000ul

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -EIO;
}

/* The trace buffer so far (malloc'd), or NULL. */
static char *trace_text(void)
{
	size_t len = 0, cap = 1 << 16;
	char *s = malloc(cap);
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n;

	if (!s || fd < 0) {
		free(s);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, s + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				break;
			s = t;
		}
	}
	close(fd);
	s[len] = '\0';
	return s;
}

FIXTURE(trace) {
	char bdf[PCI_TOPO_BDF_SIZE];
	struct vfio_lab_dev dev;
};

FIXTURE_SETUP(trace)
{
	self->dev.container = self->dev.group = self->dev.fd = -1;
	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "upci's tracepoints: the driver is %s", vfio_lab_driver_name());
	REQUIRE_DEVICE("edu0", self->bdf);
	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/upci/enable", W_OK))
		SKIP(return, "no " TRACEFS "/events/upci (a kernel without tracing?)");
	ASSERT_EQ(0, write_str(TRACEFS "/events/upci/enable", "1"));
	ASSERT_EQ(0, write_str(TRACEFS "/trace", ""));
}

FIXTURE_TEARDOWN(trace)
{
	vfio_lab_close(&self->dev);
	write_str(TRACEFS "/events/upci/enable", "0");
}

static void expect_traced(struct __test_metadata *_metadata, const char *what)
{
	char *t = trace_text();

	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, what))
		TH_LOG("want '%s' in the trace:\n%s", what, t);
	free(t);
}

TEST_F(trace, a_map_refused_before_pinning_is_traced_with_its_errno)
{
	char *buf = vfio_lab_buffer(PAGE);
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	/* a flag VFIO does not define: refused by the ioctl's own checks */
	EXPECT_EQ(-EINVAL, vfio_lab_map(self->dev.container, (uintptr_t)buf,
					IOVA, PAGE, VFIO_LAB_RW | 0x100));
	snprintf(want, sizeof(want), "upci_map: iova=0x%lx size=0x%lx vaddr=%p prot=rw ret=-22",
		 IOVA, PAGE, buf);
	expect_traced(_metadata, want);
	munmap(buf, PAGE);
}

TEST_F(trace, a_half_pinned_mapping_unpins_and_traces_half)
{
	char *buf = vfio_lab_buffer(8 * PAGE);
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, 4 * PAGE);
	/* the upper half is gone: pinning stops there and the map fails */
	ASSERT_EQ(0, munmap(buf + 4 * PAGE, 4 * PAGE));
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	EXPECT_EQ(-EFAULT, vfio_lab_map(self->dev.container, (uintptr_t)buf,
					IOVA, 8 * PAGE, VFIO_LAB_RW));
	snprintf(want, sizeof(want), "upci_pin: iova=0x%lx vaddr=%p pages=4 ret=-14", IOVA, buf);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_unpin: iova=0x%lx size=0x%lx", IOVA, 4 * PAGE);
	expect_traced(_metadata, want);
	munmap(buf, 4 * PAGE);
}

TEST_F(trace, map_then_unmap_all_are_traced_in_full)
{
	char *buf = vfio_lab_buffer(8 * PAGE);
	uint64_t unmapped = 0;
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, 8 * PAGE);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA,
				  8 * PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_unmap(self->dev.container, 0, 0,
				    VFIO_DMA_UNMAP_FLAG_ALL, &unmapped));
	EXPECT_EQ(8 * PAGE, unmapped);
	snprintf(want, sizeof(want), "upci_map: iova=0x%lx size=0x%lx vaddr=%p prot=rw ret=0",
		 IOVA, 8 * PAGE, buf);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_pin: iova=0x%lx vaddr=%p pages=8 ret=0", IOVA, buf);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_unpin: iova=0x%lx size=0x%lx", IOVA, 8 * PAGE);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_unmap: iova=0x0 size=0x0 all unmapped=0x%lx ret=0",
		 8 * PAGE);
	expect_traced(_metadata, want);
	munmap(buf, 8 * PAGE);
}

TEST_F(trace, attach_open_and_reset_are_traced)
{
	char want[160];

	test_cmd_open_device(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	snprintf(want, sizeof(want), "upci_attach: group=%d ret=0", self->dev.group_id);
	expect_traced(_metadata, want);
	/* the reset every open starts with, whatever it returned */
	snprintf(want, sizeof(want), "upci_reset: %s open ret=", self->bdf);
	expect_traced(_metadata, want);
}

LAB_HARNESS_MAIN
