// SPDX-License-Identifier: GPL-2.0
/*
 * Shared and screaming INTx (issue 5, items 2 and 5).
 *
 * Two mockdmas on one INTx line: mdma2 owned by user space through the
 * driver under test, mdma3 driven by the guest kernel's upci_test_intx
 * (tests/kmod/), which counts the interrupts its handler found to be its
 * device's and can raise SWINT on it (sysfs utx_*).  q35 routes root-bus
 * INTx pins to PIRQ E-H by (slot + pin) % 4; the scenario picks slots and
 * intx-pin so both land on one PIRQ, and the tests SKIP, saying so, if
 * the guest did not give both one IRQ number.
 *
 * - Both receive every interrupt: each side's count equals the number
 *   raised and the device's own INTX_COUNT.
 * - While user space leaves its device masked, the host device keeps
 *   receiving its interrupts.
 * - Screaming: mdma2 with KNOB_IGNORE_DISINTX and INTX_FORCE keeps the
 *   line asserted even once masked.  Pinned-down outcome: the driver's
 *   handler signals user space once and then answers IRQ_NONE (masked),
 *   as does the host driver, so the kernel's spurious-interrupt detector
 *   reports "irq N: nobody cared" and disables the line ("Disabling IRQ
 *   #N").  The guest stays up, and the host device keeps being served:
 *   the kernel polls a disabled shared line's handlers every 100 ms
 *   (poll_spurious_irqs), so its interrupts are still handled, late,
 *   while /proc/interrupts shows no more delivered.  The line stays
 *   disabled for the rest of the boot: this test runs last.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"
#include "klog.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define HOST_DRIVER	"upci_test_intx"
#define SIGNAL_MS	3000
#define QUIET_MS	300
#define ROUNDS		200
#define SCREAM_SECS	60

FIXTURE(shared) {
	struct mockdma m;		/* mdma2, user space */
	char host[PCI_TOPO_BDF_SIZE];	/* mdma3, upci_test_intx */
	int irq;
	int32_t efd;
};

static int utx_swint(const char *bdf)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/utx_swint", bdf);
	return pci_topo_write_file(path, "1");
}

/* Wait until the host driver has handled want interrupts in all. */
static long utx_wait_handled(const char *bdf, long want, int ms)
{
	long n = pci_topo_attr_long(bdf, "utx_handled");
	int waited;

	for (waited = 0; n >= 0 && n < want && waited < ms; waited += 2) {
		usleep(2000);
		n = pci_topo_attr_long(bdf, "utx_handled");
	}
	return n;
}

FIXTURE_SETUP(shared)
{
	char why[256], drv[PCI_TOPO_NAME_SIZE], line[256];
	int ret = irq_open(&self->m, "mdma2", why, sizeof(why)), hirq;

	self->efd = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	if (vfio_lab_declared_bdf("mdma3", self->host, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pci_topo_driver(self->host, drv));
	if (strcmp(drv, HOST_DRIVER))
		SKIP(return, "mdma3 (%s) is bound to %s, not %s", self->host, drv,
		     HOST_DRIVER);
	self->irq = irq_sysfs_irq(self->m.dev.bdf);
	hirq = pci_topo_attr_long(self->host, "utx_irq");
	ASSERT_LT(0, self->irq);
	if (self->irq != hirq)
		SKIP(return, "mdma2 (%s) has irq %d, mdma3 (%s) irq %d: not one line",
		     self->m.dev.bdf, self->irq, self->host, hirq);
	if (!irq_proc_line(self->irq, line, sizeof(line)))
		TH_LOG("shared line: %s", line);
	self->efd = irq_efd();
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
				     &self->efd))
		TH_LOG("SET_IRQS INTx: %s", strerror(errno));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT));
}

FIXTURE_TEARDOWN(shared)
{
	irq_quiet(&self->m);
	mockdma_close(&self->m);
	if (self->efd >= 0)
		close(self->efd);
}

static uint32_t rd(struct __test_metadata *_metadata, struct mockdma *m,
		   uint32_t off)
{
	uint32_t v = 0;

	EXPECT_EQ(0, mockdma_read32(m, off, &v));
	return v;
}

/* The user's side of one interrupt: signalled, serviced, unmasked. */
static void user_takes_one(struct __test_metadata *_metadata,
			   FIXTURE_DATA(shared) *self, unsigned int round)
{
	ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS))
		TH_LOG("round %u: the user's interrupt was not delivered", round);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_STATUS, ~0u));
	ASSERT_EQ(0, irq_action_none(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
}

TEST_F(shared, both_receive_every_interrupt)
{
	long h0 = pci_topo_attr_long(self->host, "utx_handled");
	long b0 = pci_topo_attr_long(self->host, "utx_intx_count");
	uint32_t a0 = rd(_metadata, &self->m, MOCKDMA_REG_INTX_COUNT);
	unsigned int r, na = 0, nb = 0;

	ASSERT_LE(0, h0);
	ASSERT_LE(0, b0);
	for (r = 0; r < ROUNDS; r++) {
		bool user = r % 3 != 1, host = r % 3 != 0;	/* 1/3 both at once */

		if (user)
			ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SWINT, 0));
		if (host)
			ASSERT_EQ(0, utx_swint(self->host));
		if (user) {
			user_takes_one(_metadata, self, r);
			na++;
		}
		if (host) {
			nb++;
			ASSERT_EQ(h0 + nb, utx_wait_handled(self->host, h0 + nb, SIGNAL_MS))
				TH_LOG("round %u: the host driver's interrupt was not handled", r);
		}
	}
	usleep(QUIET_MS * 1000);
	ASSERT_EQ(0, irq_efd_take(self->efd)) TH_LOG("the user got more than raised");
	ASSERT_EQ(h0 + nb, pci_topo_attr_long(self->host, "utx_handled"));
	ASSERT_EQ(a0 + na, rd(_metadata, &self->m, MOCKDMA_REG_INTX_COUNT));
	ASSERT_EQ(b0 + nb, pci_topo_attr_long(self->host, "utx_intx_count"));
	TH_LOG("user %u, host %u interrupts on irq %d; host handler saw %ld not its own",
	       na, nb, self->irq, pci_topo_attr_long(self->host, "utx_unhandled"));
}

TEST_F(shared, host_device_served_while_user_masked)
{
	long h0 = pci_topo_attr_long(self->host, "utx_handled");
	unsigned int i;

	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_SWINT, 0));
	ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS));
	/* not serviced, not unmasked: pending and masked */
	for (i = 1; i <= 50; i++) {
		ASSERT_EQ(0, utx_swint(self->host));
		ASSERT_EQ(h0 + i, utx_wait_handled(self->host, h0 + i, SIGNAL_MS))
			TH_LOG("host interrupt %u lost while the user's was masked", i);
	}
	ASSERT_EQ(0, irq_efd_take(self->efd));
	ASSERT_EQ(0, irq_action_none(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
				     VFIO_IRQ_SET_ACTION_UNMASK, 0, 1));
	ASSERT_EQ(1, irq_efd_wait(self->efd, SIGNAL_MS)) TH_LOG("the pending one was lost");
}

/* The delivery count of an irq in /proc/interrupts (summed over CPUs). */
static long proc_count(int irq)
{
	char line[512], *s, *end;
	long sum = 0, v;

	if (irq_proc_line(irq, line, sizeof(line)))
		return -1;
	s = strchr(line, ':') + 1;
	for (;;) {
		v = strtol(s, &end, 10);
		if (end == s)
			break;
		sum += v;
		s = end;
	}
	return sum;
}

static int log_count(const char *needle);

/*
 * A device that stopped honouring DisINTx (the knob, kept across close
 * and open because mdma2 has no reset method) cannot be masked at the
 * device, so sharing its line is unsafe.  upci tries DisINTx at open and
 * then needs an exclusive line: EBUSY next to upci_test_intx.  Linux
 * 6.12's vfio-pci trusts what the PCI core found at enumeration and
 * shares the line.  Either way the host device is undisturbed.
 */
TEST_F(shared, disintx_lost_since_enumeration)
{
	char why[256], methods[128];
	long h0 = pci_topo_attr_long(self->host, "utx_handled");
	uint32_t knobs = 0;
	uint16_t cmd;
	int ret, want;

	if (!pci_topo_reset_methods(self->m.dev.bdf, methods, sizeof(methods)))
		SKIP(return, "mdma2 has reset methods (%s): an open would clear the knob",
		     methods);
	ASSERT_EQ(0, irq_disable(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_IGNORE_DISINTX));
	/* the knob drops a DisINTx write: it does not stick */
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, PCI_COMMAND, &cmd, 2));
	cmd |= PCI_COMMAND_INTX_DISABLE;
	ASSERT_EQ(0, mockdma_raw_config_write(self->m.dev.bdf, PCI_COMMAND, &cmd, 2));
	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, PCI_COMMAND, &cmd, 2));
	ASSERT_EQ(0, cmd & PCI_COMMAND_INTX_DISABLE);
	mockdma_close(&self->m);
	ASSERT_EQ(0, mockdma_open(&self->m, "mdma2", why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mockdma_read32(&self->m, MOCKDMA_REG_KNOBS, &knobs));
	ASSERT_EQ(MOCKDMA_KNOB_IGNORE_DISINTX, knobs);
	ret = irq_trigger_fds(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &self->efd);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, 0));
	if (!ret)
		irq_disable(self->m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX);
	want = intended_difference(0, -EBUSY,
				   "upci tries DisINTx at open and gives a device where it does not stick an exclusive line; 6.12 vfio-pci trusts enumeration");
	ASSERT_EQ(want, ret) TH_LOG("SET_IRQS INTx: %s", ret ? strerror(-ret) : "accepted");
	ASSERT_EQ(0, utx_swint(self->host));
	ASSERT_EQ(h0 + 1, utx_wait_handled(self->host, h0 + 1, SIGNAL_MS));
}

static int log_count(const char *needle)
{
	return klog_count_now(&needle, 1);
}

TEST_F_TIMEOUT(shared, screaming_intx_disables_the_line, 120)
{
	char nobody[64], disabling[64], line[256];
	long h0, c0;
	int n0, waited, i;
	int64_t got;

	snprintf(nobody, sizeof(nobody), "irq %d: nobody cared", self->irq);
	snprintf(disabling, sizeof(disabling), "Disabling IRQ #%d", self->irq);
	n0 = log_count(disabling);
	ASSERT_LE(0, n0);
	ASSERT_EQ(0, n0) TH_LOG("irq %d was disabled before this test", self->irq);
	/* asserted with no cause, and DisINTx writes dropped */
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_IGNORE_DISINTX));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_INTX_FORCE, 1));
	for (waited = 0; log_count(disabling) == 0 && waited < SCREAM_SECS * 10; waited++)
		usleep(100 * 1000);
	ASSERT_EQ(1, log_count(disabling))
		TH_LOG("irq %d screamed for %d s and was not disabled", self->irq, SCREAM_SECS);
	ASSERT_EQ(1, log_count(nobody));
	ksft_print_msg("screaming: %s after %.1f s; the kernel disabled the line\n",
		       nobody, waited / 10.0);
	/* the user was told once, then the driver kept it masked */
	got = irq_efd_take(self->efd);
	ASSERT_LE(1, got);
	TH_LOG("user eventfd signalled %lld times", (long long)got);
	ASSERT_TRUE(mockdma_present(&self->m));

	/*
	 * Still screaming: the host device is served by the kernel's poll of
	 * the disabled line, not by delivered interrupts.
	 */
	usleep(300 * 1000);
	c0 = proc_count(self->irq);
	h0 = pci_topo_attr_long(self->host, "utx_handled");
	ASSERT_LE(0, c0);
	for (i = 1; i <= 5; i++) {
		ASSERT_EQ(0, utx_swint(self->host));
		ASSERT_EQ(h0 + i, utx_wait_handled(self->host, h0 + i, 2000))
			TH_LOG("host interrupt %d not handled on the disabled line", i);
	}
	ASSERT_EQ(c0, proc_count(self->irq))
		TH_LOG("interrupts still delivered on the disabled line");
	if (!irq_proc_line(self->irq, line, sizeof(line)))
		TH_LOG("after: %s", line);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_INTX_FORCE, 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, 0));
	ASSERT_EQ(1, log_count(disabling)) TH_LOG("disabled twice?");
}

static uint16_t hw_command(struct __test_metadata *_metadata, const char *bdf)
{
	uint16_t cmd = 0;

	EXPECT_EQ(0, mockdma_raw_config_read(bdf, PCI_COMMAND, &cmd, 2));
	return cmd;
}

/*
 * While INTx is not in use (open with no SET_IRQS, MSI, after DISABLE)
 * the device's own DisINTx stays set: an INTx with no handler on a line
 * shared with a host device would be claimed by nobody, and the host
 * device ends up polled.  vfio-pci clears it at open.  The user's virtual
 * bit reads clear either way.
 */
TEST(disintx_held_while_intx_unused)
{
	struct mockdma m = { .dev = { .container = -1, .group = -1, .fd = -1 } };
	int32_t efd = irq_efd();
	uint64_t vcmd = 0;
	char why[256];
	int ret;

	ASSERT_LE(0, efd);
	ret = irq_open(&m, "mdma2", why, sizeof(why));
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_lab_config_read(m.dev.fd, PCI_COMMAND, 2, &vcmd));
	EXPECT_EQ(0, vcmd & PCI_COMMAND_INTX_DISABLE);
	EXPECT_EQ(intended_difference(0, PCI_COMMAND_INTX_DISABLE,
				      "the device's DisINTx stays set until INTx has a handler"),
		  hw_command(_metadata, m.dev.bdf) & PCI_COMMAND_INTX_DISABLE);
	/* INTx in use: the device may assert it */
	ASSERT_EQ(0, irq_trigger_fds(m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &efd));
	EXPECT_EQ(0, hw_command(_metadata, m.dev.bdf) & PCI_COMMAND_INTX_DISABLE);
	/* and no more once it is disabled */
	ASSERT_EQ(0, irq_disable(m.dev.fd, VFIO_PCI_INTX_IRQ_INDEX));
	EXPECT_EQ(intended_difference(0, PCI_COMMAND_INTX_DISABLE,
				      "DisINTx set again when INTx is disabled"),
		  hw_command(_metadata, m.dev.bdf) & PCI_COMMAND_INTX_DISABLE);
	/* nor after MSI, whose teardown clears DisINTx in the PCI core */
	ASSERT_EQ(0, irq_trigger_fds(m.dev.fd, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &efd));
	ASSERT_EQ(0, irq_disable(m.dev.fd, VFIO_PCI_MSI_IRQ_INDEX));
	EXPECT_EQ(intended_difference(0, PCI_COMMAND_INTX_DISABLE,
				      "DisINTx set again when MSI is disabled"),
		  hw_command(_metadata, m.dev.bdf) & PCI_COMMAND_INTX_DISABLE);
	mockdma_close(&m);
	close(efd);
}

LAB_HARNESS_MAIN
