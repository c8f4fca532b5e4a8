// SPDX-License-Identifier: GPL-2.0
/*
 * upci's bounded unbind (issue 5, REQ): a user that never releases its
 * device fd cannot hold an unbind forever. After req_timeout seconds (the
 * scenario sets 3) upci revokes the fd: the unbind completes, the user's
 * BAR mapping faults with SIGBUS, its interrupts are gone, and every ioctl,
 * read, write and mmap on the stale fd fails with ENODEV until it is
 * closed. vfio-pci waits forever instead, so this is upci only (SKIP on
 * any other driver).
 *
 * The unbind runs in a thread of this process, not a child: a child would
 * inherit the BAR mappings, which hold the device fd open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "irq_lab.h"
#include "klog.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

struct unbinder {
	char bdf[PCI_TOPO_BDF_SIZE];
	int ret;
	volatile int done;
};

static void *unbind_thread(void *arg)
{
	struct unbinder *u = arg;

	u->ret = pci_topo_unbind(u->bdf);
	u->done = 1;
	return NULL;
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Reading @p faults with SIGBUS? */
static bool read_faults(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool faulted = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		faulted = true;
	else
		(void)*(volatile uint32_t *)p;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

TEST(unbind_revokes_an_unreleased_fd)
{
	struct unbinder u = { .ret = -1 };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct mockdma_irqs irqs = { 0 };
	char why[256], drv[PCI_TOPO_NAME_SIZE], line[256], needle[96];
	struct mockdma m, again;
	int32_t req = irq_efd();
	pthread_t th;
	uint8_t b;
	char *log;
	void *map;
	int ret, i, second;

	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "upci only: %s waits for the release forever",
		     vfio_lab_driver_name());
	ASSERT_LE(0, req);
	ret = irq_open(&m, "mdma0", why, sizeof(why));
	if (ret == -ENODEV || ret == -ENOENT)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_NE(NULL, m.regs) TH_LOG("BAR0 is not mmapped");
	ASSERT_EQ(0, pci_topo_driver(m.dev.bdf, drv));
	ASSERT_EQ(0, mockdma_irqs_enable(&m, &irqs, VFIO_PCI_MSIX_IRQ_INDEX, 2));
	ASSERT_EQ(0, irq_trigger_fds(m.dev.fd, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &req));
	/* a second fd of the same device: the revoke takes both */
	second = vfio_lab_get_device_fd(m.dev.group, m.dev.bdf);
	ASSERT_LE(0, second);
	snprintf(u.bdf, sizeof(u.bdf), "%s", m.dev.bdf);

	ASSERT_EQ(0, pthread_create(&th, NULL, unbind_thread, &u));
	ASSERT_LE(1, irq_efd_wait(req, 10000)) TH_LOG("no REQ signal");
	ASSERT_EQ(0, u.done) TH_LOG("the unbind did not wait for the user");
	for (i = 0; i < 300 && !u.done; i++)
		usleep(100 * 1000);
	ASSERT_EQ(1, u.done) TH_LOG("the unbind still waits after 30 s");
	pthread_join(th, NULL);
	ASSERT_EQ(0, u.ret);
	ASSERT_EQ(0, pci_topo_driver(m.dev.bdf, why));
	ASSERT_STREQ("-", why);

	log = klog_read_all();
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(klog_find_line(log, "revoked its 2 device fd(s)", line, sizeof(line)));
	free(log);

	/* the mapping is gone: a touch faults */
	EXPECT_TRUE(read_faults(m.regs));
	/* every entry point: ENODEV */
	EXPECT_EQ(-1, ioctl(m.dev.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-ENODEV, irq_disable(m.dev.fd, VFIO_PCI_MSIX_IRQ_INDEX));
	EXPECT_EQ(-1, pread(m.dev.fd, &b, 1, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pwrite(m.dev.fd, &b, 1, 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(second, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pread(second, &b, 1, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40));
	EXPECT_EQ(ENODEV, errno);
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m.dev.fd, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(ENODEV, errno);
	/* its interrupts were freed */
	snprintf(needle, sizeof(needle), "upci-msix[0](%s)", m.dev.bdf);
	{
		char buf[8192];
		FILE *f = fopen("/proc/interrupts", "r");
		size_t n;

		ASSERT_NE(NULL, f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		EXPECT_EQ(NULL, strstr(buf, needle)) TH_LOG("%s still requested", needle);
	}

	/* closing the stale fd, then the device comes back as new */
	for (i = 0; i < (int)irqs.count; i++)
		close(irqs.fd[i]);
	close(second);
	mockdma_close(&m);
	close(req);
	ASSERT_EQ(0, pci_topo_bind(u.bdf, drv));
	ret = irq_open(&again, "mdma0", why, sizeof(why));
	ASSERT_EQ(0, ret) TH_LOG("reopening after the rebind: %s", why);
	EXPECT_TRUE(mockdma_present(&again));
	mockdma_close(&again);
}

LAB_HARNESS_MAIN
