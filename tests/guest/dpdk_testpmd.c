// SPDX-License-Identifier: GPL-2.0
/*
 * DPDK, unmodified: Debian's dpdk-testpmd (from the host, through
 * host-root) forwards packets between two e1000e ports (nic0 and nic1,
 * linked to each other, each in its own IOMMU group, both in one
 * container) on 2 MiB hugepages with IOVA as VA, link-state interrupts on
 * MSI-X, its PMD driving the devices through VFIO: on vfio-pci, and on
 * upci in compat mode, which DPDK must take for VFIO by its names alone.
 * testpmd runs interactively (commands on its stdin): "start tx_first"
 * would otherwise turn its link-state interrupts off.
 *
 * Each run is asserted: both ports probed through VFIO (type1), each
 * port's MSI-X vector set up through the driver and fired (the link came
 * up), its DMA memory charged to its locked_vm while it runs, packets forwarded both
 * ways with RX = TX > 0, a clean exit, no DMAR fault, and afterwards every
 * hugepage free and every page pin released (its locked_vm went with it). Tests run
 * in order in one VM, so the second run proves the devices come back for
 * another process; a secondary process (dpdk-proc-info, DPDK
 * multi-process) attaches to a running primary and reads both ports, which
 * asks VFIO for another fd of each open device. The forwarding rate is
 * printed as a bench: line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host_run.h"
#include "klog.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "lab_time.h"
#include "mockdma.h"
#include "vfio_assert.h"

#define TESTPMD		"/usr/bin/dpdk-testpmd"
#define PROC_INFO	"/usr/bin/dpdk-proc-info"
#define HUGEPAGES	"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
#define HUGETLBFS	HOST_ROOT "/dev/hugepages"
#define NR_HUGEPAGES	128		/* 256 MiB */
#define PREFIX		"upcilab"
#define PROMPT		"testpmd> "
#define FORWARD_MS	5000
#define START_MS	90000
#define EXIT_MS		30000

FIXTURE(testpmd) {
	char nic0[PCI_TOPO_BDF_SIZE], nic1[PCI_TOPO_BDF_SIZE];
	struct host_run run;
	long pinned;			/* the system's page pins before */
	long huge_free;			/* free 2 MiB pages before */
};

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static bool mounted(const char *dir)
{
	char line[512], needle[256];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	snprintf(needle, sizeof(needle), " %s ", dir);
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* DPDK's hugepage files (kept for secondary processes): gone */
static void remove_hugepage_files(void)
{
	int ret = system("rm -f " HUGETLBFS "/" PREFIX "*");

	(void)ret;
}

FIXTURE_SETUP(testpmd)
{
	char why[256];

	self->run = (struct host_run){ .in = -1 };
	if (!host_run_available(TESTPMD, why, sizeof(why)))
		SKIP(return, "%s", why);
	REQUIRE_DEVICE("nic0", self->nic0);
	REQUIRE_DEVICE("nic1", self->nic1);
	ASSERT_EQ(0, pci_topo_write_file(HUGEPAGES, "128"));
	ASSERT_EQ(NR_HUGEPAGES, meminfo("HugePages_Total"));
	if (mkdir(HUGETLBFS, 0755) && errno != EEXIST)
		ASSERT_EQ(0, -errno) TH_LOG("mkdir %s", HUGETLBFS);
	if (!mounted(HUGETLBFS))
		ASSERT_EQ(0, mount("nodev", HUGETLBFS, "hugetlbfs", 0, NULL))
			TH_LOG("mount hugetlbfs at %s: %s", HUGETLBFS, strerror(errno));
	remove_hugepage_files();
	self->huge_free = meminfo("HugePages_Free");
	ASSERT_EQ(0, vfio_lab_pinned_pages(&self->pinned));
}

FIXTURE_TEARDOWN(testpmd)
{
	host_run_cleanup(&self->run);
	remove_hugepage_files();
}

/* testpmd on both ports, interactive, io forwarding: up to its prompt */
static int start_testpmd(struct __test_metadata *_metadata, FIXTURE_DATA(testpmd) *self)
{
	char *argv[] = {
		TESTPMD, "--lcores", "0@0,1@0", "-n", "1", "--iova-mode=va",
		"--file-prefix=" PREFIX, "-a", self->nic0, "-a", self->nic1, "--",
		"-i", "--forward-mode=io", "--total-num-mbufs=8192", NULL,
	};
	char *out;

	ASSERT_EQ(0, host_run_start(&self->run, argv));
	if (host_run_wait_for(&self->run, PROMPT, (lab_timeout_scale() * START_MS)))
		return 0;
	out = host_run_output(&self->run);
	TH_LOG("testpmd did not come up; it printed:\n%s", out);
	free(out);
	return -1;
}

/*
 * The MSI-X interrupts of @bdf in /proc/interrupts, as both drivers name
 * them ("vfio-msix[0](BDF)", "upci-msix[0](BDF)"): how many vectors are
 * requested, and how many interrupts they took in all.
 */
static int msix_vectors(const char *bdf, long *fired)
{
	char line[1024], name[64];
	int vectors = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	*fired = 0;
	snprintf(name, sizeof(name), "](%s)", bdf);
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || !strstr(line, "-msix[") || !strstr(line, name))
			continue;
		vectors++;
		*fired += strtol(colon + 1, NULL, 10);
	}
	if (f)
		fclose(f);
	return vectors;
}

/* RX-packets and TX-packets of the block after @title in @out */
static int stats(const char *out, const char *title, unsigned long *rx,
		 unsigned long *tx)
{
	const char *s = strstr(out, title), *r, *t;

	if (!s)
		return -ENOENT;
	r = strstr(s, "RX-packets:");
	t = strstr(s, "TX-packets:");
	if (!r || !t)
		return -ENOENT;
	*rx = strtoul(r + strlen("RX-packets:"), NULL, 10);
	*tx = strtoul(t + strlen("TX-packets:"), NULL, 10);
	return 0;
}

/* VmLck of a process, in kB: what VFIO charged to its locked_vm */
static long vmlck_kb(pid_t pid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static bool probed(const char *out, const char *bdf)
{
	char needle[128];

	snprintf(needle, sizeof(needle),
		 "EAL: Probe PCI driver: net_e1000_em (8086:10d3) device: %s", bdf);
	return strstr(out, needle);
}

static long dmar_fault_lines(void)
{
	static const char *const faults[] = { "DMAR: [DMA" };
	char *log = klog_read_all();
	long n = log ? klog_count_lines(log, faults, 1) : -1;

	free(log);
	return n;
}

/* Forward FORWARD_MS, stop, and check everything a run must leave */
static void forward_and_check(struct __test_metadata *_metadata,
			      FIXTURE_DATA(testpmd) *self, const char *label)
{
	unsigned long rx0, tx0, rx1, tx1, rx, tx;
	long faults = dmar_fault_lines(), pinned, fired0, fired1;
	double t0, secs;
	char *out;

	ASSERT_EQ(0, start_testpmd(_metadata, self));
	/* link-state interrupts on MSI-X: a link change on each port comes through */
	ASSERT_EQ(0, host_run_send(&self->run, "set link-down port 0\nset link-up port 0\n"
					       "set link-down port 1\nset link-up port 1\n"));
	EXPECT_TRUE(host_run_wait_for(&self->run, "Port 1: link state change event", 10000)) {
		out = host_run_output(&self->run);
		TH_LOG("no link state change event; testpmd printed:\n%s", out);
		free(out);
	}
	EXPECT_LE(1, msix_vectors(self->nic0, &fired0)) TH_LOG("nic0 has no MSI-X vector");
	EXPECT_LE(1, msix_vectors(self->nic1, &fired1)) TH_LOG("nic1 has no MSI-X vector");
	EXPECT_LT(0, fired0) TH_LOG("no MSI-X interrupt from nic0");
	EXPECT_LT(0, fired1) TH_LOG("no MSI-X interrupt from nic1");
	ASSERT_EQ(0, host_run_send(&self->run, "start tx_first\n"));
	t0 = mockdma_now_ms();
	usleep(FORWARD_MS * 1000);
	/* its DMA memory is pinned and charged to it (at least its mbufs) */
	EXPECT_LE(8192 * 2 + 0L, vmlck_kb(self->run.pid)) TH_LOG("testpmd's VmLck");
	ASSERT_EQ(0, host_run_send(&self->run, "stop\nquit\n"));
	secs = (mockdma_now_ms() - t0) / 1e3;
	ASSERT_EQ(0, host_run_wait(&self->run, (lab_timeout_scale() * EXIT_MS)));
	out = host_run_output(&self->run);
	EXPECT_TRUE(WIFEXITED(self->run.status) && !WEXITSTATUS(self->run.status))
		TH_LOG("testpmd's status %#x; it printed:\n%s", self->run.status, out);
	EXPECT_TRUE(strstr(out, "EAL: VFIO support initialized"));
	EXPECT_TRUE(strstr(out, "EAL: Using IOMMU type 1 (Type 1)"));
	EXPECT_TRUE(probed(out, self->nic0)) TH_LOG("nic0 %s not probed", self->nic0);
	EXPECT_TRUE(probed(out, self->nic1)) TH_LOG("nic1 %s not probed", self->nic1);
	ASSERT_EQ(0, stats(out, "Forward statistics for port 0", &rx0, &tx0)) TH_LOG("%s", out);
	ASSERT_EQ(0, stats(out, "Forward statistics for port 1", &rx1, &tx1));
	ASSERT_EQ(0, stats(out, "Accumulated forward statistics", &rx, &tx));
	/* both ways: each port received, and every packet received was sent */
	EXPECT_LT(0, rx0);
	EXPECT_LT(0, rx1);
	EXPECT_EQ(rx, tx);
	EXPECT_EQ(rx0 + rx1, rx);
	printf("# bench: testpmd io-forward %s driver=%s packets_per_s=%.0f packets=%lu\n",
	       label, vfio_lab_driver_name(), rx / secs, rx);
	free(out);

	EXPECT_EQ(faults, dmar_fault_lines()) TH_LOG("DMAR faults during the run");
	remove_hugepage_files();
	EXPECT_EQ(self->huge_free, meminfo("HugePages_Free"));
	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));
	EXPECT_EQ(self->pinned, pinned) TH_LOG("page pins left behind");
}

TEST_F_TIMEOUT(testpmd, forwards_both_ways_and_gives_everything_back, 240)
{
	forward_and_check(_metadata, self, "first-run");
}

/* A second process in the same VM: the devices came back whole */
TEST_F_TIMEOUT(testpmd, a_second_run_works_the_same, 240)
{
	forward_and_check(_metadata, self, "second-run");
}

/*
 * DPDK multi-process: a secondary attaches to the running primary,
 * through its socket, and opens the same devices again (VFIO hands out
 * another device fd), to read both ports' statistics.
 */
TEST_F_TIMEOUT(testpmd, a_secondary_process_reads_both_ports, 240)
{
	char *argv[] = { PROC_INFO, "--file-prefix=" PREFIX, "--", "--stats", NULL };
	struct host_run secondary;
	char why[256], *out;

	if (!host_run_available(PROC_INFO, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, start_testpmd(_metadata, self));
	ASSERT_EQ(0, host_run_start(&secondary, argv));
	EXPECT_EQ(0, host_run_wait(&secondary, (lab_timeout_scale() * START_MS)));
	out = host_run_output(&secondary);
	EXPECT_TRUE(WIFEXITED(secondary.status) && !WEXITSTATUS(secondary.status))
		TH_LOG("dpdk-proc-info's status %#x; it printed:\n%s", secondary.status, out);
	EXPECT_TRUE(strstr(out, "NIC statistics for port 0")) TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, "NIC statistics for port 1"));
	EXPECT_FALSE(strstr(out, "EAL: Error")) TH_LOG("%s", out);
	free(out);
	host_run_cleanup(&secondary);

	/* the primary did not notice */
	ASSERT_EQ(0, host_run_send(&self->run, "quit\n"));
	ASSERT_EQ(0, host_run_wait(&self->run, (lab_timeout_scale() * EXIT_MS)));
	EXPECT_TRUE(WIFEXITED(self->run.status) && !WEXITSTATUS(self->run.status));
}

LAB_HARNESS_MAIN
