// SPDX-License-Identifier: GPL-2.0
/*
 * Release: what is left of a device after its last fd closes, whether the
 * process closed it or died holding it.
 *
 * The device must stop doing DMA (bus master off), be reset when it has a
 * reset method, and get back the config state it had when it was opened.
 * The hardware is read from sysfs after the close: config space, and a
 * register through sysfs resourceN, which shows whether a reset happened.
 * edu0 has no reset method, so its registers must survive; vrng (a virtio
 * device with FLR, which QEMU implements) must come back reset.  A process
 * killed in the middle of a DMA must leave the target memory untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "edu.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define IOVA		0x100000ul

FIXTURE(release) {
	struct vfio_lab_dev dev;
	bool resettable;
};

/* A register the test dirties; a reset puts it back to its reset value. */
FIXTURE_VARIANT(release) {
	const char *id;
	int bar;
	uint32_t reg;
	unsigned int width;
	uint32_t dirty;		/* differs from the reset value */
};

FIXTURE_VARIANT_ADD(release, edu0) {
	.id = "edu0",
	.bar = EDU_BAR,
	.reg = EDU_REG_DMA_SRC,
	.width = 4,
	.dirty = 0x12345678,
};

/* virtio common config in BAR4: device_status, 0 after a reset */
FIXTURE_VARIANT_ADD(release, vrng) {
	.id = "vrng",
	.bar = 4,
	.reg = 0x14,
	.width = 1,
	.dirty = 0x01,		/* ACKNOWLEDGE */
};

FIXTURE_SETUP(release)
{
	char bdf[PCI_TOPO_BDF_SIZE], methods[128];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE(variant->id, bdf);
	self->resettable = !pci_topo_reset_methods(bdf, methods, sizeof(methods));
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(release)
{
	vfio_lab_close(&self->dev);
}

static uint16_t hw_command(struct __test_metadata *_metadata, const char *bdf)
{
	uint16_t cmd = 0xffff;

	ASSERT_EQ(0, pci_topo_config_read(bdf, PCI_COMMAND, &cmd, 2));
	return cmd;
}

TEST_F(release, closing_the_device_fd_turns_bus_master_off)
{
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, PCI_COMMAND_MASTER, 0));
	ASSERT_TRUE(hw_command(_metadata, self->dev.bdf) & PCI_COMMAND_MASTER);
	/* The device fd is the last one on the device: group and container stay. */
	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_FALSE(hw_command(_metadata, self->dev.bdf) & PCI_COMMAND_MASTER);
}

TEST_F(release, last_close_restores_config_state)
{
	uint8_t cls0 = 0, cls = 0;
	uint16_t cmd0 = hw_command(_metadata, self->dev.bdf), cmd;
	const uint16_t decode = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;

	ASSERT_EQ(0, pci_topo_config_read(self->dev.bdf, PCI_CACHE_LINE_SIZE, &cls0, 1));
	test_cmd_config_write(self->dev.fd, PCI_CACHE_LINE_SIZE, 1, cls0 ^ 0x10);
	/* Bus master on, and both decode bits flipped. */
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd,
					     PCI_COMMAND_MASTER | (decode & ~cmd0),
					     cmd0 & decode));
	cmd = hw_command(_metadata, self->dev.bdf);
	ASSERT_NE(cmd0 & decode, cmd & decode) TH_LOG("the write did not reach the device");
	vfio_lab_close(&self->dev);
	cmd = hw_command(_metadata, self->dev.bdf);
	ASSERT_EQ(0, pci_topo_config_read(self->dev.bdf, PCI_CACHE_LINE_SIZE, &cls, 1));
	ASSERT_EQ(cls0, cls);
	ASSERT_EQ(cmd0 & decode, cmd & decode);
	ASSERT_FALSE(cmd & PCI_COMMAND_MASTER);
}

TEST_F(release, release_resets_device_when_it_has_a_reset_method)
{
	uint32_t mask = variant->width == 4 ? ~0u : (1u << 8 * variant->width) - 1;
	uint64_t v;
	uint32_t hw;

	ASSERT_EQ(0, vfio_lab_reg_write(self->dev.fd, variant->bar, variant->reg,
					variant->width, variant->dirty));
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, variant->bar, variant->reg,
				       variant->width, &v));
	ASSERT_EQ(variant->dirty, v);
	vfio_lab_close(&self->dev);
	ASSERT_EQ(0, pci_topo_bar_read32(self->dev.bdf, variant->bar, variant->reg, &hw));
	TH_LOG("%s %s reset method; after release the register reads 0x%x",
	       variant->id, self->resettable ? "has a" : "has no", hw & mask);
	if (self->resettable) {
		ASSERT_NE(variant->dirty, hw & mask) TH_LOG("not reset on release");
	} else {
		ASSERT_EQ(variant->dirty, hw & mask) TH_LOG("changed without a reset method");
	}
}

/*
 * A process dies holding edu0 while a DMA it started is pending (edu runs
 * a transfer 100 ms after the command).  Memory is MAP_SHARED with the
 * child so the parent sees what lands there.
 */
FIXTURE(killed) {
	char bdf[PCI_TOPO_BDF_SIZE];
	char *src, *dst;	/* a shared page each */
	pid_t child;
	long pins0;
};

FIXTURE_SETUP(killed)
{
	REQUIRE_DEVICE("edu0", self->bdf);
	if (vfio_lab_pinned_pages(&self->pins0))
		SKIP(return, "cannot read the pin counters in /proc/vmstat");
	self->src = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->src);
	self->dst = self->src + PAGE;
	memset(self->src, 0xaa, PAGE);
	memset(self->dst, 0, PAGE);
}

FIXTURE_TEARDOWN(killed)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
}

#define DMA_BYTES	256

/*
 * What the child reports: whether its DMA is under way, and when it
 * started it (just before the command that arms edu's 100 ms timer).
 */
struct child_report {
	char ok;
	struct timespec started;
};

/* Child: load edu's buffer from src, start the copy to dst, report, wait. */
static void child_starts_dma(FIXTURE_DATA(killed) *self, int report, bool finish)
{
	struct child_report r = { .ok = 1 };
	struct vfio_lab_dev d;
	char why[256];

	if (vfio_lab_open_device(&d, self->bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)) ||
	    vfio_lab_map(d.container, (uintptr_t)self->src, IOVA, 2 * PAGE, VFIO_LAB_RW) ||
	    vfio_lab_command_update(d.fd, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY, 0) ||
	    edu_dma_from_ram(d.fd, IOVA, 0, DMA_BYTES))
		r.ok = 0;
	clock_gettime(CLOCK_MONOTONIC, &r.started);
	if (r.ok && edu_dma_start(d.fd, IOVA + PAGE, 0, DMA_BYTES, true))
		r.ok = 0;
	if (r.ok && finish && edu_dma_wait(d.fd, EDU_DMA_TIMEOUT_MS))
		r.ok = 0;
	if (write(report, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	pause();
	_exit(0);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Fork the child, wait for its report, SIGKILL it, reap it. Returns the
 * milliseconds from the child's DMA start to the reap.
 */
static long run_and_kill(struct __test_metadata *_metadata,
			 FIXTURE_DATA(killed) *self, bool finish)
{
	struct child_report r = { 0 };
	struct timespec t0;
	int pipefd[2], status;
	long window;

	ASSERT_EQ(0, pipe(pipefd));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(pipefd[0]);
		child_starts_dma(self, pipefd[1], finish);
	}
	close(pipefd[1]);
	ASSERT_EQ((ssize_t)sizeof(r), read(pipefd[0], &r, sizeof(r)));
	ASSERT_EQ(1, r.ok) TH_LOG("the child could not set up its DMA");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	ASSERT_TRUE(WIFSIGNALED(status));
	window = ms_since(&r.started);
	TH_LOG("child killed and reaped %ld ms after its report, %ld ms after its DMA start",
	       ms_since(&t0), window);
	close(pipefd[0]);
	/* Give a pending transfer (100 ms) ample time to land, if it can. */
	usleep(400 * 1000);
	return window;
}

/*
 * edu runs a transfer 100 ms (QEMU's virtual clock, host time under TCG)
 * after its start: the holder must be gone well before that for the test
 * to say anything. On a host too loaded for that, another try.
 */
#define EDU_DMA_DELAY_MS	100
#define KILL_WINDOW_MS		(EDU_DMA_DELAY_MS - 20)
#define KILL_TRIES		5

TEST_F(killed, killed_holder_pending_dma_never_lands)
{
	uint16_t cmd = 0;
	long pins = -1, window = -1;
	int i, try;

	for (try = 1; try <= KILL_TRIES; try++) {
		memset(self->dst, 0, PAGE);
		window = run_and_kill(_metadata, self, false);
		ASSERT_LE(0, window);
		if (window < KILL_WINDOW_MS)
			break;
		TH_LOG("try %d: the holder outlived its DMA's start by %ld ms (edu runs it at %d): again",
		       try, window, EDU_DMA_DELAY_MS);
	}
	if (window >= KILL_WINDOW_MS)
		SKIP(return, "host too loaded: in %d tries the holder never died within %d ms of its DMA's start",
		     KILL_TRIES, KILL_WINDOW_MS);
	for (i = 0; i < DMA_BYTES; i++)
		ASSERT_EQ(0, self->dst[i]) TH_LOG("byte %d of the target changed", i);
	ASSERT_EQ(0, pci_topo_config_read(self->bdf, PCI_COMMAND, &cmd, 2));
	ASSERT_FALSE(cmd & PCI_COMMAND_MASTER);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pins));
	ASSERT_EQ(self->pins0, pins);
}

/* The control: the same child, but it lets the transfer finish. */
TEST_F(killed, killed_holder_finished_dma_has_landed)
{
	run_and_kill(_metadata, self, true);
	ASSERT_EQ(0, memcmp(self->src, self->dst, DMA_BYTES));
	ASSERT_EQ(0, self->dst[DMA_BYTES]);
}

TEST_F(killed, killed_holder_leaves_group_free)
{
	struct vfio_lab_dev d;
	uint32_t flags;

	run_and_kill(_metadata, self, false);
	test_cmd_open_device(&d, self->bdf, VFIO_TYPE1v2_IOMMU);
	ASSERT_EQ(0, vfio_lab_group_flags(d.group, &flags));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET, flags);
	ASSERT_TRUE(edu_present(d.fd));
	vfio_lab_close(&d);
}

LAB_HARNESS_MAIN
