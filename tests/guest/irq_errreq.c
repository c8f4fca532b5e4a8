// SPDX-License-Identifier: GPL-2.0
/*
 * The ERR and REQ eventfds (issue 5, item 1).
 *
 * ERR: mdma1 sits below a pcie-root-port with AER, so an uncorrectable
 * error injected through its AER_UNC register reaches the guest's AER
 * driver, which tells the device's driver (error_detected), which signals
 * the ERR eventfd.  A correctable error is handled by AER alone and must
 * not signal it.  SKIP when the guest kernel's AER service is not bound
 * to the root port.
 *
 * REQ: unbinding mdma4 from the driver under test (from a child process,
 * as an administrator would) signals the REQ eventfd while the unbind
 * waits; once the test closes the device the unbind completes.  The test
 * binds the device back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "irq_lab.h"
#include "klog.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define ERR_MS		10000
#define QUIET_MS	1000

FIXTURE(err) {
	struct mockdma m;
	int32_t efd;
	char port[PCI_TOPO_BDF_SIZE];
};

/* The AER port service bound to the device's root port, or why not. */
static int aer_active(const char *bdf, char *port, char *why, size_t size)
{
	char path[PCI_TOPO_PATH_SIZE], parent[PCI_TOPO_PATH_SIZE];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	if (pci_topo_path_of(bdf, path) || pci_topo_path_parent(path, parent) ||
	    pci_topo_resolve(parent, port)) {
		snprintf(why, size, "%s is not below a port", bdf);
		return -ENOENT;
	}
	d = opendir("/sys/bus/pci_express/drivers/aer");
	if (!d) {
		snprintf(why, size, "no AER port service driver in /sys/bus/pci_express/drivers (CONFIG_PCIEAER, pcie_ports=)");
		return -ENOENT;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, port, strlen(port)) && e->d_name[strlen(port)] == ':')
			ret = 0;
	closedir(d);
	if (ret)
		snprintf(why, size, "the AER service is not bound to root port %s", port);
	return ret;
}

FIXTURE_SETUP(err)
{
	char why[256];
	int ret = irq_open(&self->m, "mdma1", why, sizeof(why));

	self->efd = -1;
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	if (aer_active(self->m.dev.bdf, self->port, why, sizeof(why)))
		SKIP(return, "%s", why);
	self->efd = irq_efd();
	ASSERT_LE(0, self->efd);
	ASSERT_EQ(0, irq_trigger_fds(self->m.dev.fd, VFIO_PCI_ERR_IRQ_INDEX, 0, 1,
				     &self->efd))
		TH_LOG("SET_IRQS ERR: %s", strerror(errno));
}

FIXTURE_TEARDOWN(err)
{
	mockdma_close(&self->m);
	if (self->efd >= 0)
		close(self->efd);
}

static int aer_lines(const char *what, const char *bdf)
{
	const char *needles[2] = { what, bdf };

	return klog_count_now(needles, 2);
}

TEST_F(err, uncorrectable_error_signals_err)
{
	int before = aer_lines("error", self->m.dev.bdf);

	ASSERT_LE(0, before);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_AER_UNC, PCI_ERR_UNC_COMP_ABORT));
	ASSERT_LE(1, irq_efd_wait(self->efd, ERR_MS))
		TH_LOG("no ERR signal %d ms after a Completer Abort", ERR_MS);
	ASSERT_LT(before, aer_lines("error", self->m.dev.bdf))
		TH_LOG("the guest's AER driver did not log the error");
	/* the device still works */
	ASSERT_TRUE(mockdma_present(&self->m));
}

TEST_F(err, correctable_error_does_not_signal_err)
{
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_AER_COR, PCI_ERR_COR_RCVR));
	ASSERT_EQ(0, irq_efd_wait(self->efd, QUIET_MS));
	/* and after it, an uncorrectable one still does */
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_AER_UNC, PCI_ERR_UNC_UNX_COMP));
	ASSERT_LE(1, irq_efd_wait(self->efd, ERR_MS));
}

/*
 * A fatal error: the AER driver resets the link below the root port
 * (a secondary bus reset that does not restore the device's config) after
 * telling the driver, which signals ERR.  The device is usable again once
 * user space closes it and opens it afresh.
 */
TEST_F(err, fatal_error_signals_err_and_device_recovers_on_reopen)
{
	unsigned int sev_off = MOCKDMA_ECAP_AER + PCI_ERR_UNCOR_SEVER;
	const char *recovered = "AER: device recovery successful";
	uint32_t sev, fatal;
	char why[256];
	int before;

	ASSERT_EQ(0, mockdma_raw_config_read(self->m.dev.bdf, sev_off, &sev, 4));
	fatal = sev | PCI_ERR_UNC_COMP_ABORT;
	ASSERT_EQ(0, mockdma_raw_config_write(self->m.dev.bdf, sev_off, &fatal, 4));
	before = aer_lines(recovered, self->port);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_AER_UNC, PCI_ERR_UNC_COMP_ABORT));
	ASSERT_LE(1, irq_efd_wait(self->efd, ERR_MS))
		TH_LOG("no ERR signal %d ms after a fatal Completer Abort", ERR_MS);
	for (int i = 0; i < 100 && aer_lines(recovered, self->port) == before; i++)
		usleep(50 * 1000);
	ASSERT_LT(before, aer_lines(recovered, self->port))
		TH_LOG("no \"%s\" from %s", recovered, self->port);
	/* closed and opened again, the device is whole */
	mockdma_close(&self->m);
	ASSERT_EQ(0, irq_open(&self->m, "mdma1", why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(mockdma_present(&self->m));
	ASSERT_EQ(0, mockdma_raw_config_write(self->m.dev.bdf, sev_off, &sev, 4));
}

/* ---- REQ ---- */

/*
 * A child that unbinds bdf once a byte arrives on *go.  It is forked
 * before the device is opened: a child forked later would inherit the
 * device's fds and BAR mappings, and the unbind would wait for it.
 */
static pid_t unbind_child(const char *bdf, int *go)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		char path[128], c;
		int fd;

		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(3);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			_exit(2);
		_exit(write(fd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf) ? 0 : 1);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* waitpid with a timeout: the status, or -1 if the child is still running. */
static int wait_child(pid_t pid, int ms)
{
	int status, waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20 * 1000);
	}
	return -1;
}

TEST(req_signalled_on_unbind_and_unbind_completes_on_close)
{
	char bdf[PCI_TOPO_BDF_SIZE], why[256], drv[PCI_TOPO_NAME_SIZE];
	struct mockdma m;
	int32_t efd;
	int64_t n;
	pid_t pid;
	int ret, status, go;

	if (vfio_lab_device_bdf("mdma4", bdf, why, sizeof(why)))
		SKIP(return, "%s", why);
	pid = unbind_child(bdf, &go);
	ASSERT_LT(0, pid);
	efd = irq_efd();
	ASSERT_LE(0, efd);
	ret = irq_open(&m, "mdma4", why, sizeof(why));
	if (ret)
		kill(pid, SIGKILL);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, pci_topo_driver(bdf, drv));
	ret = irq_trigger_fds(m.dev.fd, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &efd);
	if (ret)
		kill(pid, SIGKILL);
	ASSERT_EQ(0, ret) TH_LOG("SET_IRQS REQ: %s", strerror(-ret));
	ASSERT_EQ(1, write(go, "g", 1));
	close(go);
	n = irq_efd_wait(efd, 10000);
	if (n < 1) {
		kill(pid, SIGKILL);
		mockdma_close(&m);
		wait_child(pid, 20000);
		ASSERT_LE(1, n) TH_LOG("no REQ signal within 10 s of the unbind");
	}
	/* the unbind waits for the user to let go */
	ASSERT_EQ(-1, wait_child(pid, 500)) TH_LOG("the unbind finished with the device open");
	ASSERT_TRUE(mockdma_present(&m));
	mockdma_close(&m);
	status = wait_child(pid, 20000);
	ASSERT_NE(-1, status) TH_LOG("the unbind did not finish after the close");
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, pci_topo_driver(bdf, why));
	ASSERT_STREQ("-", why) TH_LOG("still bound to %s", why);
	/* give it back, for whatever runs next */
	ASSERT_EQ(0, pci_topo_bind(bdf, drv));
	ASSERT_EQ(0, pci_topo_driver(bdf, why));
	ASSERT_STREQ(drv, why);
	close(efd);
}

LAB_HARNESS_MAIN
