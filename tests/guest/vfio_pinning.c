// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning and its charge: every mapped page is pinned and charged to the
 * mapping process's locked_vm (VmLck), and every way a mapping can end
 * returns both: unmap, container release, process exit, SIGKILL.  A map
 * that fails part way leaves nothing behind.
 *
 * Two meters: this process's VmLck (/proc/self/status, or the child's
 * while it lives) for the charge, and the system's long-term pin count
 * (/proc/vmstat nr_foll_pin_acquired - nr_foll_pin_released) for pages a
 * dead process can no longer show.  The guest runs nothing else that pins,
 * so the pin count is exact.  Uses edu0's group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define PAGE_KB		(PAGE / 1024)
#define NPAGES		32
#define IOVA		0x100000ul
#define CYCLES		1000

FIXTURE(pinning) {
	char bdf[PCI_TOPO_BDF_SIZE];
	struct vfio_lab_dev dev;
	char *buf;		/* NPAGES pages */
	long vmlck0;		/* VmLck before any mapping, kB */
	long pins0;		/* system pins before any mapping */
	pid_t child;		/* a child holding fds, killed at teardown */
};

FIXTURE_SETUP(pinning)
{
	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("edu0", self->bdf);
	if (vfio_lab_locked_vm_kb() < 0)
		SKIP(return, "no VmLck in /proc/self/status");
	if (vfio_lab_pinned_pages(&self->pins0))
		SKIP(return, "no nr_foll_pin_* counters in /proc/vmstat");
	self->buf = vfio_lab_buffer(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->buf);
	/* Fault the pages in now, so only pinning changes the meters. */
	memset(self->buf, 0x5a, NPAGES * PAGE);
	test_cmd_attach(&self->dev, self->bdf, VFIO_TYPE1v2_IOMMU);
	self->vmlck0 = vfio_lab_locked_vm_kb();
	ASSERT_EQ(0, vfio_lab_pinned_pages(&self->pins0));
}

FIXTURE_TEARDOWN(pinning)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	vfio_lab_close(&self->dev);
}

static long pins(void)
{
	long n = -1;

	vfio_lab_pinned_pages(&n);
	return n;
}

/* The charge (kB) and the pins now, relative to the fixture's start. */
#define ASSERT_CHARGED_PAGES(self, npages) do {				\
	ASSERT_EQ((self)->vmlck0 + (long)(npages) * (long)PAGE_KB,	\
		  vfio_lab_locked_vm_kb());				\
	ASSERT_EQ((self)->pins0 + (long)(npages), pins());		\
} while (0)

/* ---- a failed map leaves nothing ---- */

TEST_F(pinning, failed_map_over_a_hole_leaves_nothing_charged)
{
	ASSERT_EQ(0, munmap(self->buf + 20 * PAGE, PAGE));
	/* Pages 0..19 pin before the hole stops the map. */
	test_err_map(EFAULT, self->dev.container, self->buf, IOVA, NPAGES * PAGE);
	ASSERT_CHARGED_PAGES(self, 0);
	test_cmd_map(self->dev.container, self->buf, IOVA, 20 * PAGE);
	ASSERT_CHARGED_PAGES(self, 20);
}

TEST_F(pinning, failed_map_over_memlock_leaves_nothing_charged)
{
	struct rlimit rl = { 16 * PAGE, 16 * PAGE };
	pid_t pid;
	int status;

	/* Without CAP_IPC_LOCK the limit applies: drop root in a child. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long before;
		int ret;

		if (setrlimit(RLIMIT_MEMLOCK, &rl) || setuid(65534))
			_exit(10);
		before = vfio_lab_locked_vm_kb();
		ret = vfio_lab_map(self->dev.container, (uintptr_t)self->buf, IOVA,
				   8 * PAGE, VFIO_LAB_RW);
		if (ret)
			_exit(11);
		ret = vfio_lab_map(self->dev.container,
				   (uintptr_t)(self->buf + 8 * PAGE),
				   IOVA + 8 * PAGE, 16 * PAGE, VFIO_LAB_RW);
		if (ret != -ENOMEM)
			_exit(12);
		_exit(vfio_lab_locked_vm_kb() == before + 8 * (long)PAGE_KB ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 10 setup, 11 first map failed, 12 not -ENOMEM, 13 charge changed */
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child's 8 pages stay pinned: the mapping lives in our container. */
	ASSERT_EQ(self->pins0 + 8, pins());
	test_cmd_unmap_all(self->dev.container, 8 * PAGE);
	ASSERT_EQ(self->pins0, pins());
}

TEST_F(pinning, rejected_map_charges_nothing)
{
	int c = self->dev.container;

	test_cmd_map(c, self->buf, IOVA, 4 * PAGE);
	test_err_map(EEXIST, c, self->buf + 4 * PAGE, IOVA + 2 * PAGE, 8 * PAGE);
	test_err_map(EINVAL, c, self->buf + 4 * PAGE, IOVA + 16 * PAGE + 1, 8 * PAGE);
	test_err_map(EINVAL, c, self->buf + 4 * PAGE, 0xfee00000ul, 8 * PAGE);
	ASSERT_CHARGED_PAGES(self, 4);
}

TEST_F(pinning, failed_map_of_read_only_memory_charges_nothing)
{
	ASSERT_EQ(0, mprotect(self->buf + 8 * PAGE, 8 * PAGE, PROT_READ));
	/* The first 8 pages pin writable, then the read-only ones refuse. */
	test_err_map(EFAULT, self->dev.container, self->buf, IOVA, 16 * PAGE);
	ASSERT_CHARGED_PAGES(self, 0);
}

TEST_F(pinning, failed_unmap_keeps_the_charge)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 8 * PAGE);
	/* v2 refuses to cut a mapping: nothing is unpinned. */
	test_err_unmap(EINVAL, self->dev.container, IOVA, 4 * PAGE, 0);
	test_err_unmap(EINVAL, self->dev.container, IOVA + 1, 8 * PAGE, 0);
	ASSERT_CHARGED_PAGES(self, 8);
	test_cmd_unmap(self->dev.container, IOVA + 8 * PAGE, 8 * PAGE, 0);
	ASSERT_CHARGED_PAGES(self, 8);
}

/* ---- every end of a mapping returns the charge ---- */

TEST_F(pinning, map_charges_locked_vm)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 4 * PAGE);
	ASSERT_CHARGED_PAGES(self, 4);
	test_cmd_map(self->dev.container, self->buf + 4 * PAGE, IOVA + 4 * PAGE,
		     12 * PAGE);
	ASSERT_CHARGED_PAGES(self, 16);
}

TEST_F(pinning, unmap_returns_charge)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 4 * PAGE);
	test_cmd_map(self->dev.container, self->buf + 4 * PAGE, IOVA + 4 * PAGE,
		     8 * PAGE);
	test_cmd_unmap(self->dev.container, IOVA, 4 * PAGE, 4 * PAGE);
	ASSERT_CHARGED_PAGES(self, 8);
	test_cmd_unmap_all(self->dev.container, 8 * PAGE);
	ASSERT_CHARGED_PAGES(self, 0);
}

TEST_F(pinning, container_release_returns_charge)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, NPAGES * PAGE);
	ASSERT_CHARGED_PAGES(self, NPAGES);
	/* The group holds the container: closing its fd alone changes nothing. */
	close(self->dev.container);
	self->dev.container = -1;
	ASSERT_CHARGED_PAGES(self, NPAGES);
	close(self->dev.group);
	self->dev.group = -1;
	ASSERT_CHARGED_PAGES(self, 0);
}

TEST_F(pinning, last_group_leaving_returns_charge)
{
	test_cmd_map(self->dev.container, self->buf, IOVA, 8 * PAGE);
	/* The last group leaves: the backend goes, and its mappings with it. */
	ASSERT_EQ(0, vfio_lab_unset_container(self->dev.group));
	ASSERT_CHARGED_PAGES(self, 0);
}

/*
 * A child maps and then ends, by exit() or by SIGKILL while holding its
 * fds: its pins must all come back.  The child reports its own VmLck so
 * the charge is seen while it lives.
 */
static void child_maps_then_ends(struct __test_metadata *_metadata,
				 FIXTURE_DATA(pinning) *self, bool killed)
{
	int ready[2], go[2], status;
	long pins_before, child_kb = -1;
	pid_t pid;

	/* The child needs the group: let go of ours. */
	vfio_lab_close(&self->dev);
	pins_before = pins();
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct vfio_lab_dev d;
		char why[256], *buf = vfio_lab_buffer(NPAGES * PAGE);
		long kb;

		close(go[1]);
		close(ready[0]);
		if (buf == MAP_FAILED ||
		    vfio_lab_attach(&d, self->bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)) ||
		    vfio_lab_map(d.container, (uintptr_t)buf, IOVA, NPAGES * PAGE,
				 VFIO_LAB_RW))
			_exit(1);
		kb = vfio_lab_locked_vm_kb();
		if (write(ready[1], &kb, sizeof(kb)) != sizeof(kb))
			_exit(2);
		/* Hold every fd until told, then leave without closing them. */
		if (read(go[0], &kb, 1) < 0)
			_exit(3);
		_exit(0);
	}
	self->child = pid;
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(sizeof(child_kb), read(ready[0], &child_kb, sizeof(child_kb)))
		TH_LOG("the child could not map");
	ASSERT_EQ(NPAGES * (long)PAGE_KB, child_kb);
	ASSERT_EQ(pins_before + NPAGES, pins());
	if (killed)
		ASSERT_EQ(0, kill(pid, SIGKILL));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	self->child = 0;
	if (killed) {
		ASSERT_TRUE(WIFSIGNALED(status));
	} else {
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ASSERT_EQ(pins_before, pins()) TH_LOG("pins left after the child's end");
	close(ready[0]);
}

TEST_F(pinning, process_exit_returns_pins)
{
	child_maps_then_ends(_metadata, self, false);
}

TEST_F(pinning, process_killed_returns_pins)
{
	child_maps_then_ends(_metadata, self, true);
}

TEST_F_TIMEOUT(pinning, thousand_map_unmap_cycles_keep_locked_vm, 120)
{
	long before = vfio_lab_locked_vm_kb(), pins_before = pins(), after;
	int i;

	for (i = 0; i < CYCLES; i++) {
		test_cmd_map(self->dev.container, self->buf, IOVA, 16 * PAGE);
		if (i == CYCLES / 2)
			ASSERT_CHARGED_PAGES(self, 16);
		test_cmd_unmap(self->dev.container, IOVA, 16 * PAGE, 16 * PAGE);
	}
	after = vfio_lab_locked_vm_kb();
	ksft_print_msg("locked_vm before=%ld after=%ld (kB, %d cycles of 16 pages)\n",
		       before, after, CYCLES);
	ksft_print_msg("pinned pages before=%ld after=%ld\n", pins_before, pins());
	ASSERT_EQ(before, after);
	ASSERT_EQ(pins_before, pins());
}

LAB_HARNESS_MAIN
