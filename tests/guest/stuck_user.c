// SPDX-License-Identifier: GPL-2.0
/*
 * A user that never lets its own memory be touched must hold up nobody
 * else. A copy into or out of a userfaultfd-registered page that nobody
 * serves waits forever; upci's device fd entry points once copied inside
 * the read section revocation waits for (one section for all devices), and
 * MAP_DMA pinned under the container's lock, which a group's teardown
 * takes under the global groups lock. So:
 *
 *  - a pread of config space stuck on such a page must not keep its own
 *    device's revocation (after req_timeout) from completing, nor another
 *    device's (upci only: vfio-pci never revokes);
 *  - a MAP_DMA stuck on such a page must not keep its group's device from
 *    being unbound, nor another device from being bound and unbound
 *    (vfio-pci refuses such a page at once instead of waiting).
 *
 * Each stuck call is released at the end, and must then return.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "klog.h"
#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define REQ_TIMEOUT	"2"
#define BOUND_MS	15000	/* req_timeout and then some, under TCG */
#define IOVA_STUCK	0x100000ul

/* A page of memory whose first touch waits on a userfaultfd nobody serves */
struct stuck_page {
	int uffd;
	void *page;
};

static int stuck_page_make(struct stuck_page *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	s->page = MAP_FAILED;
	s->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0)
		return -errno;
	if (ioctl(s->uffd, UFFDIO_API, &api))
		return -errno;
	s->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->page == MAP_FAILED)
		return -errno;
	reg.range.start = (unsigned long)s->page;
	reg.range.len = PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	return ioctl(s->uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

/* This kernel has userfaultfd (the sanitizer kernel may not) */
#define REQUIRE_USERFAULTFD() do {					\
	int __fd = syscall(SYS_userfaultfd, O_CLOEXEC);			\
	if (__fd < 0 && errno == ENOSYS)				\
		SKIP(return, "this kernel has no userfaultfd (CONFIG_USERFAULTFD)"); \
	if (__fd >= 0)							\
		close(__fd);						\
} while (0)

/* Someone touched the page and waits: true within @ms */
static bool stuck_page_touched(struct stuck_page *s, int ms)
{
	struct pollfd p = { .fd = s->uffd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Let the waiter go: the page is filled with zeros */
static int stuck_page_release(struct stuck_page *s)
{
	struct uffdio_zeropage z = { .range = { (unsigned long)s->page, PAGE } };

	return ioctl(s->uffd, UFFDIO_ZEROPAGE, &z) && errno != EEXIST ? -errno : 0;
}

static void stuck_page_free(struct stuck_page *s)
{
	if (s->page != MAP_FAILED)
		munmap(s->page, PAGE);
	if (s->uffd >= 0)
		close(s->uffd);
}

/* A call run in a thread, and whether it came back */
struct call {
	pthread_t th;
	long ret;
	volatile int done;
	int fd;
	void *buf;
	char bdf[PCI_TOPO_BDF_SIZE];
};

static void *stuck_pread(void *arg)
{
	struct call *c = arg;

	c->ret = pread(c->fd, c->buf, 4, (uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40);
	c->done = 1;
	return NULL;
}

static void *stuck_map(void *arg)
{
	struct call *c = arg;

	c->ret = vfio_lab_map(c->fd, (uint64_t)(uintptr_t)c->buf, IOVA_STUCK, PAGE,
			      VFIO_LAB_RW);
	c->done = 1;
	return NULL;
}

static void *unbind(void *arg)
{
	struct call *c = arg;

	c->ret = pci_topo_unbind(c->bdf);
	c->done = 1;
	return NULL;
}

static bool done_within(struct call *c, int ms)
{
	for (; ms > 0 && !c->done; ms -= 50)
		usleep(50 * 1000);
	return c->done;
}

static int set_req_timeout(const char *v)
{
	return pci_topo_write_file("/sys/module/upci/parameters/req_timeout", v);
}

FIXTURE(stuck) {
	int unused;
};

FIXTURE_SETUP(stuck)
{
}

FIXTURE_TEARDOWN(stuck)
{
}

/*
 * A pread stuck copying config space out to the user: the device's own
 * revocation and another device's complete after req_timeout anyway.
 */
TEST_F_TIMEOUT(stuck, a_stuck_read_holds_up_no_revocation, 120)
{
	struct call reader = { 0 }, u0 = { 0 }, u1 = { 0 };
	struct stuck_page s = { .uffd = -1 };
	struct vfio_lab_dev d0 = { .container = -1, .group = -1, .fd = -1 };
	struct vfio_lab_dev d1 = { .container = -1, .group = -1, .fd = -1 };
	char why[256], line[256];
	char *log;

	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "upci only: %s never revokes", vfio_lab_driver_name());
	REQUIRE_USERFAULTFD();
	REQUIRE_DEVICE("mdma0", u0.bdf);
	REQUIRE_DEVICE("mdma1", u1.bdf);
	ASSERT_EQ(0, set_req_timeout(REQ_TIMEOUT));
	ASSERT_EQ(0, vfio_lab_open_device(&d0, u0.bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_lab_open_device(&d1, u1.bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, stuck_page_make(&s)) TH_LOG("userfaultfd: %s", strerror(errno));

	reader.fd = d0.fd;
	reader.buf = s.page;
	ASSERT_EQ(0, pthread_create(&reader.th, NULL, stuck_pread, &reader));
	ASSERT_TRUE(stuck_page_touched(&s, 10000)) TH_LOG("the pread never reached the page");
	ASSERT_FALSE(reader.done);

	ASSERT_EQ(0, pthread_create(&u0.th, NULL, unbind, &u0));
	ASSERT_EQ(0, pthread_create(&u1.th, NULL, unbind, &u1));
	EXPECT_TRUE(done_within(&u0, BOUND_MS)) TH_LOG("the stuck fd's own unbind hangs");
	EXPECT_TRUE(done_within(&u1, BOUND_MS)) TH_LOG("another device's unbind hangs");

	/* the reader goes on once its page exists; its device is gone */
	ASSERT_EQ(0, stuck_page_release(&s));
	EXPECT_TRUE(done_within(&reader, 10000));
	pthread_join(reader.th, NULL);
	if (u0.done)
		pthread_join(u0.th, NULL);
	if (u1.done)
		pthread_join(u1.th, NULL);
	EXPECT_EQ(0, u0.ret);
	EXPECT_EQ(0, u1.ret);
	log = klog_read_all();
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(klog_find_line(log, "revoked its 1 device fd(s)", line, sizeof(line)));
	free(log);

	vfio_lab_close(&d0);
	vfio_lab_close(&d1);
	stuck_page_free(&s);
	ASSERT_EQ(0, set_req_timeout("30"));
	ASSERT_EQ(0, pci_topo_bind(u0.bdf, vfio_lab_bind_name()));
	ASSERT_EQ(0, pci_topo_bind(u1.bdf, vfio_lab_bind_name()));
}

/*
 * A MAP_DMA stuck pinning the user's page: its group's device is unbound
 * (the group torn down, the container detached) and another device is
 * bound and unbound meanwhile.
 */
TEST_F_TIMEOUT(stuck, a_stuck_map_holds_up_no_group_teardown, 120)
{
	struct call mapper = { 0 }, u1 = { 0 }, u2 = { 0 };
	struct stuck_page s = { .uffd = -1 };
	struct vfio_lab_dev d1 = { .container = -1, .group = -1, .fd = -1 };
	char why[256];
	bool waits;

	REQUIRE_USERFAULTFD();
	REQUIRE_DEVICE("mdma1", u1.bdf);
	REQUIRE_DEVICE("mdma2", u2.bdf);
	ASSERT_EQ(0, vfio_lab_attach(&d1, u1.bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, stuck_page_make(&s)) TH_LOG("userfaultfd: %s", strerror(errno));

	mapper.fd = d1.container;
	mapper.buf = s.page;
	ASSERT_EQ(0, pthread_create(&mapper.th, NULL, stuck_map, &mapper));
	waits = intended_difference(false, true,
		"upci pins letting a fault wait (a userfaultfd or FUSE page): vfio-pci pins without retry, so a userfaultfd page is -EFAULT at once");
	if (!waits) {
		EXPECT_TRUE(done_within(&mapper, 10000));
		pthread_join(mapper.th, NULL);
		EXPECT_EQ(-EFAULT, mapper.ret);
		EXPECT_FALSE(stuck_page_touched(&s, 0));
		vfio_lab_close(&d1);
		stuck_page_free(&s);
		return;
	}
	ASSERT_TRUE(stuck_page_touched(&s, 10000)) TH_LOG("MAP_DMA never reached the page");
	ASSERT_FALSE(mapper.done);

	ASSERT_EQ(0, pthread_create(&u1.th, NULL, unbind, &u1));
	EXPECT_TRUE(done_within(&u1, BOUND_MS)) TH_LOG("the group's unbind hangs");
	ASSERT_EQ(0, pthread_create(&u2.th, NULL, unbind, &u2));
	EXPECT_TRUE(done_within(&u2, BOUND_MS)) TH_LOG("another device's unbind hangs");
	if (u2.done)
		EXPECT_EQ(0, pci_topo_bind(u2.bdf, vfio_lab_bind_name()));

	ASSERT_EQ(0, stuck_page_release(&s));
	EXPECT_TRUE(done_within(&mapper, 10000)) TH_LOG("MAP_DMA never returned");
	pthread_join(mapper.th, NULL);
	/* its container lost its last group meanwhile, and the mapping with it */
	EXPECT_EQ(-ENODEV, mapper.ret);
	if (u1.done)
		pthread_join(u1.th, NULL);
	if (u2.done)
		pthread_join(u2.th, NULL);
	vfio_lab_close(&d1);
	stuck_page_free(&s);
	ASSERT_EQ(0, pci_topo_bind(u1.bdf, vfio_lab_bind_name()));
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct unmapper {
	pthread_t th;
	int container;
	uint64_t unmapped;
	int ret;
	volatile int done;
};

static void *stuck_unmap(void *arg)
{
	struct unmapper *u = arg;

	u->ret = vfio_lab_unmap(u->container, IOVA_STUCK, PAGE, 0, &u->unmapped);
	u->done = 1;
	return NULL;
}

/*
 * An UNMAP of a range a stuck MAP_DMA is pinning waits for it, as if the
 * MAP had held the lock (upci only: vfio-pci fails the MAP at once).  A
 * signal handled with SA_RESTART must not turn that wait into an EINTR a
 * client never gets from VFIO: the call restarts, and unmaps the page once
 * the MAP is done.
 */
TEST_F_TIMEOUT(stuck, an_unmap_waiting_on_a_stuck_map_survives_a_signal, 120)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	struct stuck_page s = { .uffd = -1 };
	struct unmapper u = { 0 };
	struct call mapper = { 0 };
	char bdf[PCI_TOPO_BDF_SIZE], why[256];

	if (vfio_lab_driver() != VFIO_LAB_UPCI)
		SKIP(return, "upci only: %s fails such a MAP_DMA at once", vfio_lab_driver_name());
	REQUIRE_USERFAULTFD();
	REQUIRE_DEVICE("mdma0", bdf);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, vfio_lab_attach(&d, bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_EQ(0, stuck_page_make(&s)) TH_LOG("userfaultfd: %s", strerror(errno));
	mapper.fd = d.container;
	mapper.buf = s.page;
	ASSERT_EQ(0, pthread_create(&mapper.th, NULL, stuck_map, &mapper));
	ASSERT_TRUE(stuck_page_touched(&s, 10000)) TH_LOG("MAP_DMA never reached the page");

	u.container = d.container;
	ASSERT_EQ(0, pthread_create(&u.th, NULL, stuck_unmap, &u));
	usleep(300 * 1000);
	for (int i = 0; i < 5; i++) {
		pthread_kill(u.th, SIGUSR1);
		usleep(100 * 1000);
	}
	EXPECT_FALSE(u.done) TH_LOG("UNMAP_DMA returned %d (%s) on a signal", u.ret,
				    strerror(-u.ret));

	ASSERT_EQ(0, stuck_page_release(&s));
	pthread_join(mapper.th, NULL);
	EXPECT_EQ(0, mapper.ret);
	pthread_join(u.th, NULL);
	EXPECT_EQ(0, u.ret);
	EXPECT_EQ(PAGE, u.unmapped);
	vfio_lab_close(&d);
	stuck_page_free(&s);
}

LAB_HARNESS_MAIN
