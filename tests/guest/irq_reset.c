// SPDX-License-Identifier: GPL-2.0
/*
 * Resets through VFIO on mockdma (issue 5, item 4): VFIO_DEVICE_RESET by
 * FLR (mdma0) and, without FLR, by D3hot->D0 (mdma1), told apart by the
 * device's LAST_RESET and RESET_COUNT registers, which survive resets;
 * GET_PCI_HOT_RESET_INFO and PCI_HOT_RESET with group fds on mdma1, alone
 * below a root port (a bus reset); the BAR0 mapping taken before a reset
 * still works after it (the driver zaps it during the reset and it faults
 * back in), with the device's config state (BARs, decode, MSI-X) restored;
 * and a reset in the middle of DMA: nothing is written after the reset and
 * the engine works again. The user's own resets through config space: an
 * FLR by Device Control, D3hot and back by PMCSR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define SIGNAL_MS	3000
#define IOVA_RING	0x100000ull
#define IOVA_BUF	0x200000ull

FIXTURE(reset) {
	struct mockdma m;
	int32_t efd[2];
};

FIXTURE_VARIANT(reset) {
	const char *id;
	uint32_t kind;		/* LAST_RESET of VFIO_DEVICE_RESET */
};

FIXTURE_VARIANT_ADD(reset, flr) { "mdma0", MOCKDMA_RESET_FLR };
FIXTURE_VARIANT_ADD(reset, pm) { "mdma1", MOCKDMA_RESET_PM };

FIXTURE_SETUP(reset)
{
	char why[256];
	int ret = irq_open(&self->m, variant->id, why, sizeof(why));

	self->efd[0] = self->efd[1] = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, irq_efds(self->efd, 2));
}

FIXTURE_TEARDOWN(reset)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	irq_efds_close(self->efd, 2);
}

static uint32_t rd(struct __test_metadata *_metadata, struct mockdma *m,
		   uint32_t off)
{
	uint32_t v = 0xdeadbeef;

	EXPECT_EQ(0, mockdma_read32(m, off, &v));
	return v;
}

TEST_F(reset, device_reset_method_and_state)
{
	struct vfio_device_info info;
	uint32_t count, bar0_before, bar0_after;
	uint16_t cmd;

	ASSERT_EQ(0, vfio_lab_device_info(self->m.dev.fd, &info));
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);
	ASSERT_NE(NULL, self->m.regs) TH_LOG("BAR0 not mmapped");
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, PCI_BASE_ADDRESS_0,
					     &bar0_before, 4));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SCRATCH, 0x5ca1ab1e));
	count = rd(_metadata, &self->m, MOCKDMA_REG_RESET_COUNT);
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, 2,
				     self->efd));

	ASSERT_EQ(0, mockdma_reset(&self->m)) TH_LOG("VFIO_DEVICE_RESET: %s",
						     strerror(errno));

	/* the mapping from before the reset reads the device again */
	ASSERT_EQ(MOCKDMA_MAGIC, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_MAGIC));
	ASSERT_EQ(variant->kind, rd(_metadata, &self->m, MOCKDMA_REG_LAST_RESET))
		TH_LOG("reset by %s, expected %s",
		       mockdma_reset_name(rd(_metadata, &self->m, MOCKDMA_REG_LAST_RESET)),
		       mockdma_reset_name(variant->kind));
	ASSERT_EQ(count + 1, rd(_metadata, &self->m, MOCKDMA_REG_RESET_COUNT));
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_SCRATCH));
	/* config state restored: BAR, decode and bus master, MSI-X */
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, PCI_BASE_ADDRESS_0,
					     &bar0_after, 4));
	ASSERT_EQ(bar0_before, bar0_after);
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, PCI_COMMAND, &cmd, 2));
	ASSERT_TRUE(cmd & PCI_COMMAND_MEMORY);
	ASSERT_TRUE(cmd & PCI_COMMAND_MASTER);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SWINT, 1));
	ASSERT_EQ(1, irq_efd_wait(self->efd[1], SIGNAL_MS))
		TH_LOG("MSI-X vector 1 does not deliver after the reset");
	ASSERT_EQ(0, irq_efd_take(self->efd[0]));
}

TEST_F(reset, intx_after_reset)
{
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				     self->efd));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SWINT, 0));
	ASSERT_EQ(1, irq_efd_wait(self->efd[0], SIGNAL_MS));
	/* reset while masked with the cause pending: the reset clears the cause */
	ASSERT_EQ(0, mockdma_reset(&self->m));
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_IRQ_STATUS));
	ASSERT_EQ(0, irq_action_none(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	ASSERT_EQ(0, irq_efd_wait(self->efd[0], 300)) TH_LOG("a cause the reset cleared fired");
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SWINT, 0));
	ASSERT_EQ(1, irq_efd_wait(self->efd[0], SIGNAL_MS)) TH_LOG("INTx dead after the reset");
}

/* Offset of a capability in the config space the device fd shows */
static int user_cap(struct __test_metadata *_metadata, int fd, uint8_t id)
{
	uint8_t cfg[PCI_CFG_SPACE_SIZE];

	EXPECT_EQ((ssize_t)sizeof(cfg),
		  vfio_lab_region_read(fd, VFIO_PCI_CONFIG_REGION_INDEX, 0, cfg, sizeof(cfg)));
	return mockdma_cap_offset(cfg, sizeof(cfg), id);
}

#define SCRATCH_MARK	0x5ca1ab1e

/* Before a reset: SCRATCH marked (a reset clears it); RESET_COUNT as it is */
static void before_reset(struct __test_metadata *_metadata, struct mockdma *m,
			 uint32_t *count)
{
	ASSERT_NE(NULL, m->regs) TH_LOG("BAR0 not mmapped");
	ASSERT_EQ(0, mockdma_write32(m, MOCKDMA_REG_SCRATCH, SCRATCH_MARK));
	*count = rd(_metadata, m, MOCKDMA_REG_RESET_COUNT);
}

/*
 * The user sets Initiate FLR in Device Control: a device whose Device
 * Capabilities offer FLR gets one (and its config state back), one
 * without is left alone; the bit reads as 0 (vfio_exp_config_write).
 */
TEST_F(reset, users_devctl_write_initiates_flr)
{
	int exp = user_cap(_metadata, self->m.dev.fd, PCI_CAP_ID_EXP);
	bool flr = variant->kind == MOCKDMA_RESET_FLR;
	uint64_t devctl;
	uint32_t count;

	ASSERT_LT(0, exp);
	before_reset(_metadata, &self->m, &count);
	ASSERT_EQ(0, vfio_lab_config_read(self->m.dev.fd, exp + PCI_EXP_DEVCTL, 2, &devctl));
	ASSERT_EQ(0, vfio_lab_config_write(self->m.dev.fd, exp + PCI_EXP_DEVCTL, 2,
					   devctl | PCI_EXP_DEVCTL_BCR_FLR));

	ASSERT_EQ(MOCKDMA_MAGIC, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_MAGIC));
	ASSERT_EQ(count + flr, rd(_metadata, &self->m, MOCKDMA_REG_RESET_COUNT))
		TH_LOG("%s", flr ? "no FLR" : "a device without FLR was reset");
	if (flr)
		ASSERT_EQ(MOCKDMA_RESET_FLR, rd(_metadata, &self->m, MOCKDMA_REG_LAST_RESET));
	ASSERT_EQ(flr ? 0 : SCRATCH_MARK, rd(_metadata, &self->m, MOCKDMA_REG_SCRATCH));
	ASSERT_EQ(0, vfio_lab_config_read(self->m.dev.fd, exp + PCI_EXP_DEVCTL, 2, &devctl));
	ASSERT_EQ(0, devctl & PCI_EXP_DEVCTL_BCR_FLR);
}

/*
 * The user moves the device to D3hot and back through PMCSR: the device
 * goes there (the host's view of PMCSR says so), and coming back without
 * No_Soft_Reset resets it; its BARs and decode are restored, so the BAR0
 * mapping from before reads it again.
 */
TEST_F(reset, users_pmcsr_write_to_d3hot_and_back)
{
	int pm = user_cap(_metadata, self->m.dev.fd, PCI_CAP_ID_PM);
	uint64_t pmcsr;
	uint16_t host;
	uint32_t count;

	ASSERT_LT(0, pm);
	before_reset(_metadata, &self->m, &count);
	ASSERT_EQ(0, vfio_lab_config_read(self->m.dev.fd, pm + PCI_PM_CTRL, 2, &pmcsr));
	ASSERT_EQ(0, pmcsr & PCI_PM_CTRL_STATE_MASK);

	ASSERT_EQ(0, vfio_lab_config_write(self->m.dev.fd, pm + PCI_PM_CTRL, 2,
					   (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | 3));
	ASSERT_EQ(0, vfio_lab_config_read(self->m.dev.fd, pm + PCI_PM_CTRL, 2, &pmcsr));
	ASSERT_EQ(3, pmcsr & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, pm + PCI_PM_CTRL, &host, 2));
	ASSERT_EQ(3, host & PCI_PM_CTRL_STATE_MASK) TH_LOG("the device is not in D3hot");

	ASSERT_EQ(0, vfio_lab_config_write(self->m.dev.fd, pm + PCI_PM_CTRL, 2,
					   pmcsr & ~PCI_PM_CTRL_STATE_MASK));
	ASSERT_EQ(0, vfio_lab_config_read(self->m.dev.fd, pm + PCI_PM_CTRL, 2, &pmcsr));
	ASSERT_EQ(0, pmcsr & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, pm + PCI_PM_CTRL, &host, 2));
	ASSERT_EQ(0, host & PCI_PM_CTRL_STATE_MASK);
	ASSERT_EQ(MOCKDMA_MAGIC, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_MAGIC));
	ASSERT_EQ(count + 1, rd(_metadata, &self->m, MOCKDMA_REG_RESET_COUNT));
	ASSERT_EQ(MOCKDMA_RESET_PM, rd(_metadata, &self->m, MOCKDMA_REG_LAST_RESET));
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_SCRATCH));
}

/*
 * While the device resets, its BARs do not decode (the reset clears them
 * until the PCI core restores the config), so an mmap that stayed in
 * place would read ~0.  The driver zaps the mappings and holds faults
 * off until the device is restored: a thread reading the mapping
 * throughout the reset only ever sees the device's real MAGIC.
 */
struct reader {
	volatile uint32_t *magic;
	volatile bool stop;
	unsigned long reads, bad;
	uint32_t bad_value;
};

static void *read_magic(void *arg)
{
	struct reader *r = arg;
	uint32_t v;

	while (!r->stop) {
		v = *r->magic;
		r->reads++;
		if (v != MOCKDMA_MAGIC) {
			r->bad++;
			r->bad_value = v;
		}
	}
	return NULL;
}

TEST_F(reset, mapping_held_off_during_reset)
{
	struct reader r = { 0 };
	unsigned long before;
	pthread_t t;
	int i;

	ASSERT_NE(NULL, self->m.regs);
	r.magic = (volatile uint32_t *)(self->m.regs + MOCKDMA_REG_MAGIC);
	ASSERT_EQ(0, pthread_create(&t, NULL, read_magic, &r));
	while (!r.reads)
		usleep(1000);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mockdma_reset(&self->m));
		before = r.reads;
		usleep(20 * 1000);
		ASSERT_LT(before, r.reads) TH_LOG("the reader is stuck after reset %d", i);
	}
	r.stop = true;
	pthread_join(t, NULL);
	TH_LOG("%lu reads across 3 resets", r.reads);
	ASSERT_EQ(0, r.bad) TH_LOG("%lu reads returned 0x%x during a reset", r.bad,
				   r.bad_value);
	ASSERT_EQ(variant->kind, rd(_metadata, &self->m, MOCKDMA_REG_LAST_RESET));
}

/* Fill n 8-byte slots of the buffer, one descriptor each. */
static void submit_writes(struct __test_metadata *_metadata, struct mockdma *m,
			  struct mockdma_ring *r, uint32_t n, uint32_t *first)
{
	struct mockdma_desc d[64];
	uint32_t i;

	ASSERT_GE(64, n);
	for (i = 0; i < n; i++)
		d[i] = mockdma_desc_write_imm(IOVA_BUF + 8 * i, 0xa5a5000000000000ull | i,
					      8, 0);
	ASSERT_EQ(0, mockdma_submit(m, r, d, n, first));
}

TEST_F(reset, reset_during_slow_dma)
{
	struct mockdma_ring ring;
	struct mockdma_buf buf;
	volatile uint64_t *slot;
	uint32_t first, i, done_at_reset = 0, n = 32;
	uint32_t st[32];

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &buf, IOVA_BUF, 4096, 0));
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &ring, IOVA_RING, 64, 0));
	/* 50 ms per descriptor: the ring takes 1.6 s */
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_DMA_DELAY, 50000));
	submit_writes(_metadata, &self->m, &ring, n, &first);
	ASSERT_EQ(0, mockdma_wait_desc(&ring, first + 1, MOCKDMA_TIMEOUT_MS, NULL));
	ASSERT_EQ(0, mockdma_reset(&self->m));
	for (i = 0; i < n; i++) {
		st[i] = mockdma_ring_desc(&ring, first + i)->status;
		done_at_reset += st[i] != MOCKDMA_ST_PENDING;
	}
	ASSERT_LE(2, done_at_reset);
	ASSERT_GT(n, done_at_reset) TH_LOG("the whole ring finished before the reset");
	/* ten descriptor times later nothing more was written */
	usleep(500 * 1000);
	slot = (volatile uint64_t *)buf.va;
	for (i = 0; i < n; i++) {
		ASSERT_EQ(st[i], mockdma_ring_desc(&ring, first + i)->status)
			TH_LOG("descriptor %u written back after the reset", i);
		if (st[i] == MOCKDMA_ST_PENDING) {
			ASSERT_EQ(0, slot[i]) TH_LOG("slot %u written after the reset", i);
		} else {
			ASSERT_EQ(0xa5a5000000000000ull | i, slot[i]);
		}
	}
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_DMA_DELAY));
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_BUSY);
	/* and the engine works again */
	ASSERT_EQ(0, mockdma_ring_program(&self->m, &ring, 0));
	memset(buf.va, 0, 4096);
	submit_writes(_metadata, &self->m, &ring, 4, &first);
	ASSERT_EQ(0, mockdma_wait_descs(&ring, first, 4, MOCKDMA_TIMEOUT_MS));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0xa5a5000000000000ull | i, slot[i]);
	mockdma_ring_free(&self->m, &ring);
	mockdma_buf_free(&self->m, &buf);
}

TEST_F(reset, reset_during_hung_dma)
{
	struct mockdma_ring ring;
	struct mockdma_buf buf;
	struct mockdma_desc d, out;
	uint32_t first, i;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &buf, IOVA_BUF, 4096, 0));
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &ring, IOVA_RING, 64, 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_HANG_DMA));
	submit_writes(_metadata, &self->m, &ring, 4, &first);
	for (i = 0; i < 200 && !(rd(_metadata, &self->m, MOCKDMA_REG_STATUS) &
				 MOCKDMA_STATUS_HUNG); i++)
		usleep(10 * 1000);
	ASSERT_TRUE(rd(_metadata, &self->m, MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_HUNG);
	ASSERT_EQ(0, mockdma_reset(&self->m));
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_HUNG);
	ASSERT_EQ(0, rd(_metadata, &self->m, MOCKDMA_REG_KNOBS));
	usleep(200 * 1000);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&ring, first + i)->status);
		ASSERT_EQ(0, ((volatile uint64_t *)buf.va)[i]);
	}
	ASSERT_EQ(0, mockdma_ring_program(&self->m, &ring, 0));
	d = mockdma_desc_fill(IOVA_BUF, 0x0101010101010101ull, 4096, 0);
	ASSERT_EQ(0, mockdma_run(&self->m, &ring, &d, &out));
	ASSERT_EQ(MOCKDMA_ST_OK, out.status);
	ASSERT_EQ(1, buf.va[4095]);
	mockdma_ring_free(&self->m, &ring);
	mockdma_buf_free(&self->m, &buf);
}

/* ---- hot reset: mdma1 alone below rp1 ---- */

FIXTURE(hot) {
	struct mockdma m;
};

FIXTURE_SETUP(hot)
{
	char why[256];
	int ret = irq_open(&self->m, "mdma1", why, sizeof(why));

	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(hot)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
}

TEST_F(hot, hot_reset_info_lists_the_device)
{
	struct {
		struct vfio_pci_hot_reset_info h;
		struct vfio_pci_dependent_device dev[8];
	} info;
	unsigned int dom, bus, slot, fn;

	ASSERT_EQ(4, sscanf(self->m.dev.bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn));
	memset(&info, 0, sizeof(info));
	info.h.argsz = sizeof(info.h);
	ASSERT_EQ(-1, ioctl(self->m.dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(1, info.h.count);
	info.h.argsz = sizeof(info.h) - 1;
	ASSERT_EQ(-1, ioctl(self->m.dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
	memset(&info, 0, sizeof(info));
	info.h.argsz = sizeof(info);
	ASSERT_EQ(0, ioctl(self->m.dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info));
	ASSERT_EQ(1, info.h.count);
	ASSERT_EQ(0, info.h.flags);
	ASSERT_EQ((uint32_t)self->m.dev.group_id, info.dev[0].group_id);
	ASSERT_EQ(dom, info.dev[0].segment);
	ASSERT_EQ(bus, info.dev[0].bus);
	ASSERT_EQ((slot << 3) | fn, info.dev[0].devfn);
}

TEST_F(hot, hot_reset_info_no_bus_reset_on_root_bus)
{
	struct {
		struct vfio_pci_hot_reset_info h;
		struct vfio_pci_dependent_device dev[8];
	} info = { .h.argsz = sizeof(info) };
	struct mockdma root;
	char why[256];
	int ret = irq_open(&root, "mdma0", why, sizeof(why));

	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	/* a root-bus device has neither a slot nor a bus reset */
	ret = ioctl(root.dev.fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, &info) ? errno : 0;
	mockdma_close(&root);
	ASSERT_EQ(ENODEV, ret);
}

static int hot_reset(int fd, uint32_t flags, uint32_t count, const int32_t *fds)
{
	struct {
		struct vfio_pci_hot_reset h;
		int32_t fds[4];
	} r = { .h = { .argsz = sizeof(r.h) + count * sizeof(int32_t),
		       .flags = flags, .count = count } };

	memcpy(r.fds, fds, count * sizeof(int32_t));
	return ioctl(fd, VFIO_DEVICE_PCI_HOT_RESET, &r) ? -errno : 0;
}

TEST_F(hot, pci_hot_reset_with_group_fd)
{
	int32_t group = self->m.dev.group, efd = irq_efd(), closed = 999;
	uint32_t count;

	ASSERT_LE(0, efd);
	ASSERT_NE(NULL, self->m.regs);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SCRATCH, 0x600dcafe));
	count = *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_RESET_COUNT);
	ASSERT_EQ(-EINVAL, hot_reset(self->m.dev.fd, 1, 1, &group));
	ASSERT_EQ(-EINVAL, hot_reset(self->m.dev.fd, 0, 0, NULL));
	ASSERT_EQ(-EINVAL, hot_reset(self->m.dev.fd, 0, 1, &efd));
	ASSERT_EQ(-EBADF, hot_reset(self->m.dev.fd, 0, 1, &closed));
	ASSERT_EQ(0x600dcafe, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_SCRATCH))
		TH_LOG("a refused hot reset reset the device");
	ASSERT_EQ(0, hot_reset(self->m.dev.fd, 0, 1, &group))
		TH_LOG("PCI_HOT_RESET: %s", strerror(errno));
	ASSERT_EQ(MOCKDMA_MAGIC, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_MAGIC));
	ASSERT_EQ(MOCKDMA_RESET_BUS,
		  *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_LAST_RESET));
	ASSERT_LT(count, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_RESET_COUNT));
	ASSERT_EQ(0, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_SCRATCH));
	close(efd);
}

/* Group fds as proof of ownership: another group's fd is no proof. */
TEST_F(hot, pci_hot_reset_needs_the_affected_group)
{
	struct mockdma other;
	char why[256];
	int32_t fds[2];
	int ret;

	ret = irq_open(&other, "mdma0", why, sizeof(why));
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_NE(other.dev.group_id, self->m.dev.group_id);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SCRATCH, 0x1234));
	fds[0] = other.dev.group;
	ret = hot_reset(self->m.dev.fd, 0, 1, fds);
	if (ret != -EINVAL)
		mockdma_close(&other);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("reset with only another group's fd");
	ASSERT_EQ(0x1234, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_SCRATCH));
	/* more fds than affected devices (one here) is refused outright */
	fds[1] = self->m.dev.group;
	ASSERT_EQ(-EINVAL, hot_reset(self->m.dev.fd, 0, 2, fds));
	mockdma_close(&other);
	ASSERT_EQ(0x1234, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_SCRATCH));
	/* the affected group's own fd resets */
	ASSERT_EQ(0, hot_reset(self->m.dev.fd, 0, 1, fds + 1));
	ASSERT_EQ(MOCKDMA_RESET_BUS,
		  *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_LAST_RESET));
	ASSERT_EQ(0, *(volatile uint32_t *)(self->m.regs + MOCKDMA_REG_SCRATCH));
}

/*
 * vfio-pci reads HOT_RESET's count group fds whatever argsz says.  Here
 * argsz is the header, and the one fd lies on an anonymous page the
 * process never touched: both drivers must read it (a zero: fd 0, not a
 * group, -EINVAL), not fail to (upci's fault-in once covered argsz only
 * and answered -EFAULT).
 */
TEST_F(hot, pci_hot_reset_reads_fds_past_argsz_on_an_untouched_page)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct vfio_pci_hot_reset *h;
	uint8_t *area;

	area = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	h = (void *)(area + pg - sizeof(*h));
	*h = (struct vfio_pci_hot_reset){ .argsz = sizeof(*h), .count = 1 };
	ASSERT_EQ(-1, ioctl(self->m.dev.fd, VFIO_DEVICE_PCI_HOT_RESET, h));
	EXPECT_EQ(EINVAL, errno) TH_LOG("PCI_HOT_RESET: %s", strerror(errno));
	munmap(area, 2 * pg);
}

LAB_HARNESS_MAIN
