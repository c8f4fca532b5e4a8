// SPDX-License-Identifier: GPL-2.0
/*
 * BAR access and a device's life on upci against vfio-pci in one VM (the
 * bench scenario): the mockdma pair of bench_drivers, measured in rounds
 * that alternate which driver goes first, printed as the median with the
 * fastest and slowest sample beside it:
 *
 *   # bench: bar-access path=mmap width=4 op=read median_ns vfio-pci=X
 *     upci=Y ratio=R min_ns ... max_ns ... n=ROUNDS
 *   # bench: device-life step=open median_us vfio-pci=X upci=Y ratio=R
 *     min_us ... max_us ... n=SAMPLES
 *
 * bar-access: a register of BAR0 (SCRATCH for 4 bytes, ROGUE_DATA for 8)
 * read or written for BAR_MS (in batches of BATCH) through pread/pwrite on
 * the device fd or through its mmap; the figure is the time per access.  device-life: open
 * (VFIO_GROUP_GET_DEVICE_FD), the first SET_IRQS (MSI-X, 16 eventfds),
 * DEVICE_RESET, and close (the release and its reset), each timed alone.
 * The assertions are on the work (every call succeeds, the register holds
 * what was written, every vector is set up), never on the times.
 * upcilab.bench_rounds=N (1-10) shortens or lengthens the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "irq_lab.h"
#include "lab_knob.h"
#include "lab_time.h"
#include "mockdma.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "bench_pair.h"

#define BAR_MS		100	/* per round and driver */
#define BATCH		1000
#define LIVES		5	/* device lives per round and driver */
#define VECTORS		16

/* ---- BAR access ---- */

FIXTURE(bar) {
	struct mockdma m[SIDES];
	bool open[SIDES];
};

FIXTURE_VARIANT(bar) {
	bool mmap;
	unsigned int width;
	bool write;
	const char *name;
};

FIXTURE_VARIANT_ADD(bar, pread_4) { false, 4, false, "path=pread width=4 op=read" };
FIXTURE_VARIANT_ADD(bar, pwrite_4) { false, 4, true, "path=pwrite width=4 op=write" };
FIXTURE_VARIANT_ADD(bar, pread_8) { false, 8, false, "path=pread width=8 op=read" };
FIXTURE_VARIANT_ADD(bar, pwrite_8) { false, 8, true, "path=pwrite width=8 op=write" };
FIXTURE_VARIANT_ADD(bar, mmap_read_4) { true, 4, false, "path=mmap width=4 op=read" };
FIXTURE_VARIANT_ADD(bar, mmap_write_4) { true, 4, true, "path=mmap width=4 op=write" };
FIXTURE_VARIANT_ADD(bar, mmap_read_8) { true, 8, false, "path=mmap width=8 op=read" };
FIXTURE_VARIANT_ADD(bar, mmap_write_8) { true, 8, true, "path=mmap width=8 op=write" };

FIXTURE_SETUP(bar)
{
	char why[256];
	int s, ret;

	for (s = 0; s < SIDES; s++) {
		ASSERT_EQ(0, vfio_lab_select_driver(side_driver[s]));
		ret = mockdma_open(&self->m[s], side_device[s], why, sizeof(why));
		if (ret == -ENODEV || ret == -ENOENT)
			SKIP(return, "%s: %s", side_driver[s], why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
		self->open[s] = true;
		ASSERT_NE(NULL, self->m[s].regs)
			TH_LOG("%s: BAR0 is not mmappable", side_driver[s]);
	}
}

FIXTURE_TEARDOWN(bar)
{
	int s;

	for (s = 0; s < SIDES; s++)
		if (self->open[s])
			mockdma_close(&self->m[s]);
}

/*
 * Accesses of one kind to reg, in batches of BATCH, until BAR_MS have
 * passed: their number in *n, the last value read or written in *last.
 * 0, or the first failed access's -errno.
 */
static int bar_run(const FIXTURE_VARIANT(bar) *variant, struct mockdma *m,
		   uint32_t reg, uint64_t *last, long *n)
{
	volatile uint8_t *p = m->regs + reg;
	double t0 = lab_now_ms();
	uint64_t v = 0;
	int i, ret = 0;

	for (*n = 0; !ret && lab_now_ms() - t0 < BAR_MS; ) {
		for (i = 0; i < BATCH && !ret; i++, (*n)++) {
			if (variant->write)
				v = 0x5eed0000ull + *n;
			if (variant->mmap && variant->width == 4) {
				if (variant->write)
					*(volatile uint32_t *)p = v;
				else
					v = *(volatile uint32_t *)p;
			} else if (variant->mmap) {
				if (variant->write)
					*(volatile uint64_t *)p = v;
				else
					v = *(volatile uint64_t *)p;
			} else if (variant->write) {
				ret = vfio_lab_reg_write(m->dev.fd, MOCKDMA_BAR_REGS,
							 reg, variant->width, v);
			} else {
				ret = vfio_lab_reg_read(m->dev.fd, MOCKDMA_BAR_REGS,
							reg, variant->width, &v);
			}
		}
	}
	*last = v;
	return ret;
}

TEST_F_TIMEOUT(bar, access, 600)
{
	static double ns[SIDES][MAX_ROUNDS];
	double *v[SIDES] = { ns[VFIO_PCI], ns[UPCI] };
	uint32_t reg = variant->width == 4 ? MOCKDMA_REG_SCRATCH :
					     MOCKDMA_REG_ROGUE_DATA;
	uint64_t want = variant->width == 4 ? 0x1234abcdull : 0x1234abcd5678ef01ull;
	uint64_t last, got;
	long n;
	int rounds = bench_rounds(_metadata), r, i, s, ret;
	double t0;
	char what[96];

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < SIDES; i++) {
			s = (r + i) % SIDES;
			ret = variant->width == 4 ?
			      mockdma_write32(&self->m[s], reg, want) :
			      mockdma_write64(&self->m[s], reg, want);
			ASSERT_EQ(0, ret);
			t0 = lab_now_ms();
			ret = bar_run(variant, &self->m[s], reg, &last, &n);
			ns[s][r] = (lab_now_ms() - t0) * 1e6 / n;
			ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", side_driver[s],
						 variant->name, strerror(-ret));
			/* the register holds what was written, or was read */
			ASSERT_EQ(0, vfio_lab_reg_read(self->m[s].dev.fd,
						       MOCKDMA_BAR_REGS, reg,
						       variant->width, &got));
			EXPECT_EQ(variant->write ? last : want, got)
				TH_LOG("%s: %s", side_driver[s], variant->name);
			EXPECT_EQ(variant->write ? got : want, last)
				TH_LOG("%s: %s", side_driver[s], variant->name);
		}
	}
	snprintf(what, sizeof(what), "bar-access %s", variant->name);
	print_spread(what, "ns", v, rounds);
}

/* ---- a device's life: open, first MSI-X SET_IRQS, reset, close ---- */

enum { STEP_OPEN, STEP_IRQS, STEP_RESET, STEP_CLOSE, STEPS };

static const char *const step_name[STEPS] = { "open", "set-irqs-msix16", "reset", "close" };

FIXTURE(life) {
	struct vfio_lab_dev d[SIDES];
	int32_t efd[VECTORS];
};

FIXTURE_SETUP(life)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256];
	int s, ret;

	for (s = 0; s < SIDES; s++)
		self->d[s] = (struct vfio_lab_dev){ .container = -1, .group = -1,
						    .fd = -1 };
	ASSERT_EQ(0, irq_efds(self->efd, VECTORS));
	for (s = 0; s < SIDES; s++) {
		ASSERT_EQ(0, vfio_lab_select_driver(side_driver[s]));
		ret = mockdma_device_bdf(side_device[s], bdf, why, sizeof(why));
		if (ret == -ENODEV || ret == -ENOENT)
			SKIP(return, "%s: %s", side_driver[s], why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
		ret = vfio_lab_attach(&self->d[s], bdf, VFIO_TYPE1v2_IOMMU, why,
				      sizeof(why));
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
	}
}

FIXTURE_TEARDOWN(life)
{
	int s;

	for (s = 0; s < SIDES; s++)
		vfio_lab_close(&self->d[s]);
	irq_efds_close(self->efd, VECTORS);
}

/* One life of the device behind d; each step's time into us[step] */
static int one_life(struct vfio_lab_dev *d, const int32_t *efd, double us[STEPS],
		    const char **failed)
{
	struct vfio_irq_info info;
	double t0 = lab_now_ms();
	int fd, ret;

	*failed = step_name[STEP_OPEN];
	fd = vfio_lab_get_device_fd(d->group, d->bdf);
	us[STEP_OPEN] = (lab_now_ms() - t0) * 1e3;
	if (fd < 0)
		return fd;
	*failed = "VFIO_DEVICE_GET_IRQ_INFO (MSI-X): fewer than 16 vectors";
	if (irq_info(fd, VFIO_PCI_MSIX_IRQ_INDEX, &info) || info.count < VECTORS) {
		close(fd);
		return -ERANGE;
	}
	*failed = step_name[STEP_IRQS];
	t0 = lab_now_ms();
	ret = irq_trigger_fds(fd, VFIO_PCI_MSIX_IRQ_INDEX, 0, VECTORS, efd);
	us[STEP_IRQS] = (lab_now_ms() - t0) * 1e3;
	if (!ret) {
		*failed = "SET_IRQS MSI-X off";
		ret = irq_disable(fd, VFIO_PCI_MSIX_IRQ_INDEX);
	}
	if (!ret) {
		*failed = step_name[STEP_RESET];
		t0 = lab_now_ms();
		ret = ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0;
		us[STEP_RESET] = (lab_now_ms() - t0) * 1e3;
	}
	t0 = lab_now_ms();
	close(fd);
	us[STEP_CLOSE] = (lab_now_ms() - t0) * 1e3;
	return ret;
}

TEST_F_TIMEOUT(life, open_irqs_reset_close, 600)
{
	static double us[STEPS][SIDES][MAX_ROUNDS * LIVES];
	double one[STEPS], *v[SIDES];
	int rounds = bench_rounds(_metadata), r, i, k, s, st, n = 0, ret;
	const char *failed;
	char what[64];

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < LIVES; k++, n++) {
			for (i = 0; i < SIDES; i++) {
				s = (n + i) % SIDES;
				ret = one_life(&self->d[s], self->efd, one, &failed);
				ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", side_driver[s],
							 failed, strerror(-ret));
				for (st = 0; st < STEPS; st++)
					us[st][s][n] = one[st];
			}
		}
	}
	for (st = 0; st < STEPS; st++) {
		v[VFIO_PCI] = us[st][VFIO_PCI];
		v[UPCI] = us[st][UPCI];
		snprintf(what, sizeof(what), "device-life step=%s", step_name[st]);
		print_spread(what, "us", v, n);
	}
}

LAB_HARNESS_MAIN
