// SPDX-License-Identifier: GPL-2.0
/*
 * upci's tracepoints (events/upci, kmod/upci_trace.h) say what happened,
 * with the result the caller saw: a MAP_DMA refused before any pinning is
 * traced with its errno, a mapping that pinned half its range unpins (and
 * traces) half, UNMAP_ALL says so, and opening a device traces its reset.
 * upci_dma_map and upci_dma_unmap are the address space's mappings in
 * order, whatever removed them (repro's fault report replays them), and
 * every event names its address space (asid). upci only: vfio-pci has no
 * such events. Uses edu0's group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lab_time.h"
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

/* The asid upci_attach gave edu0's group, or 0 */
static uint64_t traced_asid(int group)
{
	char *t = trace_text(), want[64], *at;
	uint64_t asid = 0;

	snprintf(want, sizeof(want), "upci_attach: group=%d ret=0 asid=", group);
	if (t && (at = strstr(t, want)))
		asid = strtoull(at + strlen(want), NULL, 10);
	free(t);
	return asid;
}

TEST_F(trace, a_mapping_names_the_address_space_its_group_joined)
{
	char *buf = vfio_lab_buffer(PAGE);
	uint64_t asid;
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	asid = traced_asid(self->dev.group_id);
	ASSERT_NE(0, asid);
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, PAGE, VFIO_DMA_MAP_FLAG_READ));
	snprintf(want, sizeof(want), "upci_dma_map: iova=0x%lx size=0x%lx prot=r asid=%" PRIu64 " seq=",
		 IOVA, PAGE, asid);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_map: iova=0x%lx size=0x%lx vaddr=%p prot=r ret=0 asid=%" PRIu64 "\n",
		 IOVA, PAGE, buf, asid);
	expect_traced(_metadata, want);
	/* review: pins too, so two containers' same IOVA stay apart */
	snprintf(want, sizeof(want), "upci_pin: iova=0x%lx vaddr=%p pages=1 ret=0 asid=%" PRIu64 "\n",
		 IOVA, buf, asid);
	expect_traced(_metadata, want);
	ASSERT_EQ(0, vfio_lab_unmap(self->dev.container, IOVA, PAGE, 0, NULL));
	snprintf(want, sizeof(want), "upci_unpin: iova=0x%lx size=0x%lx asid=%" PRIu64 "\n",
		 IOVA, PAGE, asid);
	expect_traced(_metadata, want);
	munmap(buf, PAGE);
}

/* review: the unmap is done when copy_to_user fails; the user sees EFAULT */
TEST_F(trace, an_unmap_whose_reply_faults_is_still_traced_as_done)
{
	struct vfio_iommu_type1_dma_unmap *u;
	char *buf = vfio_lab_buffer(PAGE);
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	u = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, u);
	*u = (struct vfio_iommu_type1_dma_unmap){ .argsz = sizeof(*u), .iova = IOVA, .size = PAGE };
	ASSERT_EQ(0, mprotect(u, PAGE, PROT_READ));
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, PAGE, VFIO_LAB_RW));
	EXPECT_EQ(-1, ioctl(self->dev.container, VFIO_IOMMU_UNMAP_DMA, u));
	EXPECT_EQ(EFAULT, errno);
	/* it is gone: the same range maps again */
	EXPECT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, PAGE, VFIO_LAB_RW));
	snprintf(want, sizeof(want), "upci_dma_unmap: iova=0x%lx size=0x%lx asid=", IOVA, PAGE);
	expect_traced(_metadata, want);
	munmap(u, PAGE);
	munmap(buf, PAGE);
}

/*
 * review: a mapping's removal is traced before its translations go, so a
 * fault on the way out is after it: upci_dma_unmap precedes the IOMMU
 * core's own unmap event for it (one thread: the trace's order is its)
 */
TEST_F(trace, a_mapping_s_removal_is_traced_before_the_iommu_unmaps_it)
{
	char *buf = vfio_lab_buffer(PAGE), *t, *ours, *core, want[160];

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(0, write_str(TRACEFS "/events/iommu/unmap/enable", "1"));
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_unmap(self->dev.container, IOVA, PAGE, 0, NULL));
	write_str(TRACEFS "/events/iommu/unmap/enable", "0");
	t = trace_text();
	ASSERT_NE(NULL, t);
	snprintf(want, sizeof(want), "upci_dma_unmap: iova=0x%lx size=0x%lx", IOVA, PAGE);
	ours = strstr(t, want);
	snprintf(want, sizeof(want), "unmap: IOMMU: iova=0x%016lx - 0x%016lx", IOVA, IOVA + PAGE);
	core = strstr(t, want);
	ASSERT_NE(NULL, ours) TH_LOG("%s", t);
	ASSERT_NE(NULL, core) TH_LOG("%s", t);
	EXPECT_LT(ours, core) TH_LOG("the IOMMU unmapped it before upci said so:\n%s", t);
	free(t);
	munmap(buf, PAGE);
}

/* review: v1 unmaps a whole mapping from its first page */
TEST_F(trace, a_v1_unmap_of_a_first_page_traces_the_whole_mapping)
{
	char *buf = vfio_lab_buffer(2 * PAGE);
	uint64_t unmapped = 0;
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1_IOMMU);
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, 2 * PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_unmap(self->dev.container, IOVA, PAGE, 0, &unmapped));
	EXPECT_EQ(2 * PAGE, unmapped);
	snprintf(want, sizeof(want), "upci_dma_unmap: iova=0x%lx size=0x%lx asid=", IOVA, 2 * PAGE);
	expect_traced(_metadata, want);
	munmap(buf, 2 * PAGE);
}

/* review: the last group's detach takes the mappings; each is traced */
TEST_F(trace, the_last_detach_traces_each_mapping_it_takes)
{
	char *buf = vfio_lab_buffer(2 * PAGE);
	uint64_t asid;
	char want[160];

	ASSERT_NE(MAP_FAILED, buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	asid = traced_asid(self->dev.group_id);
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf, IOVA, PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, vfio_lab_map(self->dev.container, (uintptr_t)buf + PAGE, 2 * IOVA, PAGE, VFIO_LAB_RW));
	vfio_lab_close(&self->dev);
	snprintf(want, sizeof(want), "upci_dma_unmap: iova=0x%lx size=0x%lx asid=%" PRIu64 " seq=", IOVA, PAGE, asid);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_dma_unmap: iova=0x%lx size=0x%lx asid=%" PRIu64 " seq=", 2 * IOVA, PAGE, asid);
	expect_traced(_metadata, want);
	snprintf(want, sizeof(want), "upci_detach: group=%d asid=%" PRIu64 "\n", self->dev.group_id, asid);
	expect_traced(_metadata, want);
	munmap(buf, 2 * PAGE);
}

#define RACE_MS 400.0	/* long enough for the scheduler to interleave */

struct racer {
	int container;
	char *buf;
	int maps;
};

static void *map_loop(void *arg)
{
	struct racer *r = arg;
	double end = lab_now_ms() + RACE_MS;

	while (lab_now_ms() < end)
		r->maps += !vfio_lab_map(r->container, (uintptr_t)r->buf, IOVA, PAGE, VFIO_LAB_RW);
	return NULL;
}

/*
 * review: racing MAP_DMA and UNMAP_DMA. The calls' own events may land out
 * of order; upci_dma_map and upci_dma_unmap must alternate, and end where
 * the address space is.
 */
TEST_F(trace, racing_map_and_unmap_trace_the_mappings_in_order)
{
	struct racer r = { .buf = vfio_lab_buffer(PAGE) };
	char *t, *at, *line;
	int maps = 0, unmaps = 0, state = 0, bad = 0, mapped, in, written;
	unsigned long long last_seq = 0;
	uint64_t unmapped;
	pthread_t th;

	ASSERT_NE(MAP_FAILED, r.buf);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	r.container = self->dev.container;
	ASSERT_EQ(0, write_str(TRACEFS "/events/upci/enable", "0"));
	ASSERT_EQ(0, write_str(TRACEFS "/events/upci/upci_dma_map/enable", "1"));
	ASSERT_EQ(0, write_str(TRACEFS "/events/upci/upci_dma_unmap/enable", "1"));
	ASSERT_EQ(0, write_str(TRACEFS "/trace", ""));
	ASSERT_EQ(0, pthread_create(&th, NULL, map_loop, &r));
	for (double end = lab_now_ms() + RACE_MS; lab_now_ms() < end;)
		vfio_lab_unmap(self->dev.container, IOVA, PAGE, 0, &unmapped);
	pthread_join(th, NULL);
	t = trace_text();
	ASSERT_NE(NULL, t);
	/* a map that finds the range taken says where the space ended */
	mapped = vfio_lab_map(self->dev.container, (uintptr_t)r.buf, IOVA, PAGE, VFIO_LAB_RW) == -EEXIST;
	/*
	 * review: each CPU has its own buffer, merged by time; the address
	 * space's seq says the order. Here: consecutive, and in seq order
	 * a map, an unmap, a map...
	 */
	for (line = t; (at = strstr(line, ": upci_dma_")); line = at + 1) {
		bool map = !strncmp(at, ": upci_dma_map: ", 16);
		char *sq = strstr(at, " seq="), *eol = strchr(at, '\n');
		unsigned long long seq;

		ASSERT_TRUE(sq && (!eol || sq < eol)) TH_LOG("no seq in the event");
		seq = strtoull(sq + 5, NULL, 10);
		if (last_seq)
			bad += seq != last_seq + 1;
		last_seq = seq;
		maps += map;
		unmaps += !map;
		bad += map == state;
		state = map;
	}
	EXPECT_EQ(0, bad) TH_LOG("%d maps and %d unmaps out of order", maps, unmaps);


	EXPECT_EQ(r.maps, maps);
	EXPECT_EQ(mapped, state) TH_LOG("the trace ends %smapped, the space is %smapped",
					 state ? "" : "un", mapped ? "" : "un");
	TH_LOG("%d maps, %d unmaps raced", maps, unmaps);
	EXPECT_LT(1, maps);
	EXPECT_LT(1, unmaps);
	/* nothing overwritten: the trace holds every event */
	at = strstr(t, "# entries-in-buffer/entries-written: ");
	ASSERT_NE(NULL, at);
	ASSERT_EQ(2, sscanf(at, "# entries-in-buffer/entries-written: %d/%d", &in, &written));
	EXPECT_EQ(in, written);
	free(t);
	munmap(r.buf, PAGE);
}

/*
 * review: perf's Python scripts name a handler's parameters after the
 * fields ("as" is a keyword there), and a field's padding is wasted bytes
 */
TEST(every_upci_event_s_fields_are_named_and_packed)
{
	static const char *const events[] = {
		"upci_map", "upci_unmap", "upci_dma_map", "upci_dma_unmap",
		"upci_pin", "upci_unpin", "upci_attach", "upci_detach",
		"upci_release", "upci_interrupt", "upci_reset",
	};

	if (access(TRACEFS "/events", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/upci", F_OK))
		SKIP(return, "no " TRACEFS "/events/upci (upci not loaded, or no tracing)");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		char path[128], name[64], *f, *s;
		int fd, off, size, next = -1;
		ssize_t n;

		snprintf(path, sizeof(path), TRACEFS "/events/upci/%s/format", events[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s", path);
		f = calloc(1, 8192);
		ASSERT_NE(NULL, f);
		n = read(fd, f, 8191);
		close(fd);
		ASSERT_LT(0, n);
		for (s = strstr(f, "field:"); s; s = strstr(s + 1, "field:")) {
			char *semi = strchr(s, ';'), *sp;

			ASSERT_NE(NULL, semi);
			for (sp = semi; sp > s && sp[-1] != ' ' && sp[-1] != '*'; sp--)
				;
			snprintf(name, sizeof(name), "%.*s", (int)(semi - sp), sp);
			if (sscanf(semi, "; offset:%d; size:%d;", &off, &size) != 2)
				continue;
			if (!strncmp(name, "common_", 7))
				continue;
			EXPECT_STRNE("as", name) TH_LOG("%s", events[i]);
			/* __data_loc strings go last; the others are contiguous */
			if (next >= 0 && !strstr(s, "__data_loc"))
				EXPECT_EQ(next, off) TH_LOG("%s: a hole before %s", events[i], name);
			next = off + size;
		}
		free(f);
	}
}

LAB_HARNESS_MAIN
