// SPDX-License-Identifier: GPL-2.0
/*
 * A config write of MSI's control word racing a SET_IRQS that turns MSI
 * off (scenario msirace, two vCPUs).  The write handler lets the enable
 * bit reach the device only while MSI is on; if it checks that and then
 * writes the device with no lock against SET_IRQS, a disable can run in
 * between: the write lands after the disable cleared the bit, and MSI is
 * left on in the device with no host vectors behind it.  upci takes the
 * SET_IRQS lock (igate) around the check and the write; vfio-pci's
 * vfio_msi_config_write() does not, so there the race is logged as an
 * intended difference.
 *
 * Each round turns MSI on (one vector) and off again through SET_IRQS;
 * a writer thread on the other CPU starts writing the control word with
 * the enable bit set as the off starts, and keeps writing for a random
 * delay, up to a little more than an off takes (a running mean).  Its
 * last write is the one that counts: when the writer and the off are both
 * done, the device's own control word (sysfs) must have the enable bit
 * clear, since every write after the off sees MSI off and the off clears
 * the bit of every write before it.  Only a write that checked before the
 * off and reached the device after it leaves the bit on.
 * Bounded by time: upcilab.msirace_time=SECONDS on the kernel command
 * line or $UPCILAB_MSIRACE_TIME (default 4).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"
#include "lab_time.h"
#include "pci_topo.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define MSI		VFIO_PCI_MSI_IRQ_INDEX
#define FLAGS_OFF	(MOCKDMA_CAP_MSI + PCI_MSI_FLAGS)
#define DEFAULT_TIME	4

/* The knob: $UPCILAB_MSIRACE_TIME, else upcilab.msirace_time= */
static unsigned int race_seconds(void)
{
	static const char key[] = "upcilab.msirace_time=";
	const char *v = getenv("UPCILAB_MSIRACE_TIME");
	char line[4096], *p;
	size_t n = 0;
	FILE *f;

	if (v && *v)
		return strtoul(v, NULL, 0);
	f = fopen("/proc/cmdline", "re");
	if (f) {
		n = fread(line, 1, sizeof(line) - 1, f);
		fclose(f);
	}
	line[n] = '\0';
	for (p = line; (p = strstr(p, key)); p++)
		if (p == line || p[-1] == ' ')
			return strtoul(p + strlen(key), NULL, 0);
	return DEFAULT_TIME;
}

/*
 * The writer waits for round go, writes until deadline (at least once),
 * then reports round go done.
 */
struct writer {
	pthread_t th;
	int fd;
	uint16_t flags;		/* what it writes: enable bit set */
	atomic_ulong go, done;
	_Atomic double deadline;	/* lab_now_ms() */
	atomic_bool stop;
	unsigned long writes, failed;
	int err;		/* the first failure's errno */
};

static void *write_enable(void *arg)
{
	struct writer *w = arg;
	unsigned long round = 0;
	int ret;

	for (;;) {
		while (atomic_load(&w->go) == round)
			if (atomic_load_explicit(&w->stop, memory_order_relaxed))
				return NULL;
		round = atomic_load(&w->go);
		do {
			ret = vfio_lab_config_write(w->fd, FLAGS_OFF, 2, w->flags);
			w->writes++;
			if (ret && !w->failed++)
				w->err = ret;
		} while (lab_now_ms() < atomic_load(&w->deadline));
		atomic_store(&w->done, round);
	}
}

FIXTURE(race) {
	struct mockdma m;
	int32_t efd;
};

FIXTURE_SETUP(race)
{
	char why[256];
	int ret;

	self->efd = -1;
	ret = irq_open(&self->m, "mdma0", why, sizeof(why));
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->efd = irq_efd();
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(race)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	if (self->efd >= 0)
		close(self->efd);
}

/* The device's MSI enable bit (sysfs config): 0, 1 or -errno. */
static int hw_msi_enabled(const char *bdf)
{
	uint16_t flags;
	int ret = pci_topo_config_read(bdf, FLAGS_OFF, &flags, 2);

	return ret ? ret : !!(flags & PCI_MSI_FLAGS_ENABLE);
}

TEST_F_TIMEOUT(race, config_write_racing_msi_off_leaves_msi_off, 120)
{
	struct writer w = { .fd = self->m.dev.fd };
	unsigned long rounds = 0, violations = 0;
	unsigned int secs = race_seconds();
	const char *bdf = self->m.dev.bdf;
	double start, end, t, off_ms = 0, off_sum = 0;
	uint64_t flags;
	bool must_hold;
	int ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "the race needs two CPUs");
	test_cmd_config_read(self->m.dev.fd, FLAGS_OFF, 2, &flags);
	/* one message: what the test enables */
	w.flags = (flags & ~PCI_MSI_FLAGS_QSIZE) | PCI_MSI_FLAGS_ENABLE;
	ASSERT_EQ(0, hw_msi_enabled(bdf));

	/* the control path works before the race */
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, MSI, 0, 1, &self->efd));
	ASSERT_EQ(1, hw_msi_enabled(bdf));
	t = lab_now_ms();
	ASSERT_EQ(0, irq_disable(self->m.dev.fd, MSI));
	off_ms = lab_now_ms() - t;
	ASSERT_EQ(0, hw_msi_enabled(bdf));

	srandom(getpid());
	ASSERT_EQ(0, pthread_create(&w.th, NULL, write_enable, &w));
	start = lab_now_ms();
	end = start + secs * 1000.0;
	while (lab_now_ms() < end) {
		ret = irq_trigger_fds(self->m.dev.fd, MSI, 0, 1, &self->efd);
		if (ret)
			break;
		t = lab_now_ms();
		atomic_store(&w.deadline, t + off_ms * 1.25 * random() / RAND_MAX);
		atomic_store(&w.go, rounds + 1);
		ret = irq_disable(self->m.dev.fd, MSI);
		if (ret)
			break;
		off_sum += lab_now_ms() - t;
		rounds++;
		off_ms = off_sum / rounds;
		while (atomic_load(&w.done) != rounds)
			sched_yield();
		ret = hw_msi_enabled(bdf);
		if (ret < 0)
			break;
		violations += ret;
	}
	atomic_store(&w.stop, true);
	pthread_join(w.th, NULL);
	ASSERT_LE(0, ret) TH_LOG("round %lu: %s", rounds, strerror(-ret));
	ASSERT_EQ(0, w.failed) TH_LOG("config writes failed: %s", strerror(-w.err));

	printf("# %s: %lu rounds, %lu config writes in %.1f s (an off takes %.3f ms); MSI left on in the device after %lu offs\n",
	       vfio_lab_driver_name(), rounds, w.writes,
	       (lab_now_ms() - start) / 1000.0, off_ms, violations);
	ASSERT_LT(0, rounds);

	/* whatever the race left, the next SET_IRQS off clears the device */
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, MSI, 0, 1, &self->efd));
	ASSERT_EQ(0, irq_disable(self->m.dev.fd, MSI));
	ASSERT_EQ(0, hw_msi_enabled(bdf));

	must_hold = intended_difference(false, true,
		"vfio_msi_config_write() checks irq_type and writes the device without igate, so a SET_IRQS off can slip in between");
	if (must_hold)
		EXPECT_EQ(0, violations) TH_LOG("a config write left MSI on after SET_IRQS turned it off");
}

LAB_HARNESS_MAIN
