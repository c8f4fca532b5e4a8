// SPDX-License-Identifier: GPL-2.0
/* The QEMU command line built for a scenario. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_cmd.h"
#include "scenario.h"

#include "kselftest_harness.h"
#include "unit.h"

#define INTEL_CMDLINE GUEST_BASE_CMDLINE " intel_iommu=on"

static const struct qemu_opts base_opts = {
	.qemu = "/opt/qemu/bin/qemu-system-x86_64",
	.kernel = "/k/vmlinux",
	.initrd = "/r/initramfs.cpio",
	.console_fifo = "/r/console",
	.ktap_fifo = "/r/ktap",
	.qmp_sock = "/r/qmp.sock",
};

FIXTURE(cmd) {
	struct scenario scn;
	struct strv argv;
	bool parsed;
};

FIXTURE_SETUP(cmd)
{
	self->parsed = false;
}

FIXTURE_TEARDOWN(cmd)
{
	if (self->parsed)
		scenario_free(&self->scn);
	strv_free(&self->argv);
}

/* Parse @text (a test line is added) and build the argv with @o. */
static void build(struct __test_metadata *_metadata, FIXTURE_DATA(cmd) *self,
		  const char *text, const struct qemu_opts *o)
{
	char *full = xasprintf("%stest t\n", text);
	struct qemu_opts opts;
	struct buf err = { 0 };
	int ret = scenario_parse("q.scenario", full, &self->scn, &err);

	self->parsed = true;
	if (ret)
		TH_LOG("%s", err.s);
	free(full);
	buf_free(&err);
	ASSERT_EQ(0, ret);
	opts = *o;
	if (!opts.viommu)
		opts.viommu = viommu_lookup(VIOMMU_DEFAULT);
	qemu_build_argv(&self->scn, &opts, &self->argv);
	ASSERT_GT(self->argv.n, 0);
}

/* Index of the first @arg, or -1. */
static int arg_index(const struct strv *argv, const char *arg)
{
	for (size_t i = 0; i < argv->n; i++)
		if (!strcmp(argv->v[i], arg))
			return (int)i;
	return -1;
}

/* Index of "@opt @val" (two words), or -1. */
static int pair_index(const struct strv *argv, const char *opt, const char *val)
{
	for (size_t i = 0; i + 1 < argv->n; i++)
		if (!strcmp(argv->v[i], opt) && !strcmp(argv->v[i + 1], val))
			return (int)i;
	return -1;
}

/* The value after the first @opt, or NULL. */
static const char *value_of(const struct strv *argv, const char *opt)
{
	int i = arg_index(argv, opt);

	return i >= 0 && (size_t)i + 1 < argv->n ? argv->v[i + 1] : NULL;
}

static int count_arg(const struct strv *argv, const char *arg)
{
	int n = 0;

	for (size_t i = 0; i < argv->n; i++)
		n += !strcmp(argv->v[i], arg);
	return n;
}

static void expect_pair(struct __test_metadata *_metadata,
			const struct strv *argv, const char *opt,
			const char *val)
{
	int i = pair_index(argv, opt, val);

	if (i < 0) {
		char *all = strv_join(argv, " ");

		TH_LOG("no '%s %s' in: %s", opt, val, all);
		free(all);
	}
	EXPECT_LE(0, i);
}

static void expect_no_arg(struct __test_metadata *_metadata,
			  const struct strv *argv, const char *arg)
{
	for (size_t i = 0; i < argv->n; i++) {
		if (strstr(argv->v[i], arg))
			TH_LOG("unexpected '%s' in argument %zu: %s", arg, i,
			       argv->v[i]);
		EXPECT_EQ(NULL, strstr(argv->v[i], arg));
	}
}

TEST_F(cmd, basics)
{
	build(_metadata, self, "", &base_opts);
	EXPECT_STREQ(base_opts.qemu, self->argv.v[0]);
	EXPECT_NULL(self->argv.v[self->argv.n]);
	EXPECT_LE(0, arg_index(&self->argv, "-nodefaults"));
	EXPECT_LE(0, arg_index(&self->argv, "-no-reboot"));
	expect_pair(_metadata, &self->argv, "-display", "none");
	expect_pair(_metadata, &self->argv, "-kernel", "/k/vmlinux");
	expect_pair(_metadata, &self->argv, "-initrd", "/r/initramfs.cpio");
	expect_pair(_metadata, &self->argv, "-m", SCN_DEFAULT_MEMORY);
	expect_pair(_metadata, &self->argv, "-smp", "1");
	EXPECT_EQ(1, count_arg(&self->argv, "-machine"));
	EXPECT_EQ(1, count_arg(&self->argv, "-append"));
}

TEST_F(cmd, tcg_machine)
{
	build(_metadata, self, "", &base_opts);
	expect_pair(_metadata, &self->argv, "-machine", "q35");
	expect_pair(_metadata, &self->argv, "-accel", "tcg");
	expect_no_arg(_metadata, &self->argv, "kernel-irqchip");
	EXPECT_GT(0, pair_index(&self->argv, "-cpu", "host"));
	EXPECT_GT(0, pair_index(&self->argv, "-accel", "kvm"));
}

TEST_F(cmd, tcg_single_thread_runs_the_vcpus_in_one_thread)
{
	struct qemu_opts o = base_opts;

	build(_metadata, self, "cpus 2\ntcg-single-thread\n", &base_opts);
	expect_pair(_metadata, &self->argv, "-accel", "tcg,thread=single");
	expect_pair(_metadata, &self->argv, "-smp", "2");
	strv_free(&self->argv);
	scenario_free(&self->scn);
	o.kvm = true;
	build(_metadata, self, "cpus 2\ntcg-single-thread\n", &o);
	expect_pair(_metadata, &self->argv, "-accel", "kvm");
}

TEST_F(cmd, kvm_machine)
{
	struct qemu_opts o = base_opts;

	o.kvm = true;
	build(_metadata, self, "", &o);
	expect_pair(_metadata, &self->argv, "-machine", "q35,kernel-irqchip=split");
	expect_pair(_metadata, &self->argv, "-accel", "kvm");
	expect_pair(_metadata, &self->argv, "-cpu", "host");
	EXPECT_GT(0, pair_index(&self->argv, "-accel", "tcg"));
}

/* TCG: the guest is told the host's TSC rate, not left to calibrate it (host_tsc.h) */
TEST_F(cmd, a_tcg_guest_is_given_the_tsc_rate)
{
	struct qemu_opts o = base_opts;

	o.tsc_khz = 2096001;
	build(_metadata, self, "cmdline quiet\n", &o);
	EXPECT_STREQ(GUEST_BASE_CMDLINE " tsc_early_khz=2096001 intel_iommu=on quiet",
		     value_of(&self->argv, "-append"));
}

/* KVM's guests have kvmclock; a rate not measured (0) is not passed */
TEST_F(cmd, no_tsc_rate_under_kvm_or_when_unknown)
{
	struct qemu_opts o = base_opts;

	o.tsc_khz = 2096001;
	o.kvm = true;
	build(_metadata, self, "", &o);
	EXPECT_EQ(NULL, strstr(value_of(&self->argv, "-append"), "tsc_early_khz"));
	strv_free(&self->argv);
	scenario_free(&self->scn);
	self->parsed = false;
	o.kvm = false;
	o.tsc_khz = 0;
	build(_metadata, self, "", &o);
	EXPECT_EQ(NULL, strstr(value_of(&self->argv, "-append"), "tsc_early_khz"));
}

TEST_F(cmd, memory_and_cpus_from_the_scenario)
{
	build(_metadata, self, "memory 2G\ncpus 3\n", &base_opts);
	expect_pair(_metadata, &self->argv, "-m", "2G");
	expect_pair(_metadata, &self->argv, "-smp", "3");
	EXPECT_EQ(1, count_arg(&self->argv, "-m"));
}

TEST_F(cmd, smp_guests_boot_on_one_vcpu)
{
	build(_metadata, self, "cpus 2\ncmdline quiet\n", &base_opts);
	EXPECT_STREQ(GUEST_BASE_CMDLINE " " GUEST_SMP_CMDLINE " intel_iommu=on quiet",
		     value_of(&self->argv, "-append"));
	EXPECT_NE(NULL, strstr(GUEST_SMP_CMDLINE, "maxcpus=1"));
}

/* The parsed scenario's argv again, with @o (as repro changes either). */
static void rebuild(FIXTURE_DATA(cmd) *self, struct qemu_opts o)
{
	strv_free(&self->argv);
	if (!o.viommu)
		o.viommu = viommu_lookup(VIOMMU_DEFAULT);
	qemu_build_argv(&self->scn, &o, &self->argv);
}

TEST_F(cmd, repro_traces_mockdma_and_a_run_does_not)
{
	build(_metadata, self, "", &base_opts);
	EXPECT_GT(0, pair_index(&self->argv, "-trace", "enable=mockdma_*"));
	self->scn.trace_iommu = true;
	rebuild(self, base_opts);
	EXPECT_LE(0, pair_index(&self->argv, "-trace", "enable=mockdma_*"));
}

TEST_F(cmd, gdb_port_starts_the_guest_stopped_with_a_gdbstub)
{
	struct qemu_opts o = base_opts;

	build(_metadata, self, "", &base_opts);
	EXPECT_GT(0, arg_index(&self->argv, "-S"));
	EXPECT_GT(0, arg_index(&self->argv, "-gdb"));
	o.gdb_port = 41234;
	rebuild(self, o);
	expect_pair(_metadata, &self->argv, "-gdb", "tcp:127.0.0.1:41234");
	EXPECT_LE(0, arg_index(&self->argv, "-S"));
}

TEST_F(cmd, up_guests_keep_the_base_cmdline)
{
	build(_metadata, self, "cpus 1\n", &base_opts);
	EXPECT_EQ(NULL, strstr(value_of(&self->argv, "-append"), "maxcpus"));
}

TEST_F(cmd, append_is_base_then_scenario_then_extra)
{
	struct qemu_opts o = base_opts;

	o.append = "extra=1 more";
	build(_metadata, self, "cmdline loglevel=8\ncmdline foo=bar\n", &o);
	EXPECT_STREQ(INTEL_CMDLINE " loglevel=8 foo=bar extra=1 more",
		     value_of(&self->argv, "-append"));
}

TEST_F(cmd, append_without_additions_is_the_base)
{
	struct qemu_opts o = base_opts;

	o.append = "";
	build(_metadata, self, "", &o);
	EXPECT_STREQ(INTEL_CMDLINE, value_of(&self->argv, "-append"));
	EXPECT_NE(NULL, strstr(GUEST_BASE_CMDLINE, "console=ttyS0"));
	/* a loaded TCG host must not fail the boot's timer check */
	EXPECT_NE(NULL, strstr(GUEST_BASE_CMDLINE, "no_timer_check"));
	/* nor the kernel's own crypto self-tests cost each boot */
	EXPECT_NE(NULL, strstr(GUEST_BASE_CMDLINE, "cryptomgr.notests=1"));
}

TEST_F(cmd, append_interactive_asks_for_a_shell)
{
	struct qemu_opts o = base_opts;

	o.interactive = true;
	o.qmp_sock = NULL;
	o.append = "x=y";
	build(_metadata, self, "cmdline quiet\n", &o);
	EXPECT_STREQ(INTEL_CMDLINE " quiet x=y upcilab.shell=1",
		     value_of(&self->argv, "-append"));
}

TEST_F(cmd, batch_runs_never_ask_for_a_shell)
{
	build(_metadata, self, "cmdline quiet\n", &base_opts);
	EXPECT_EQ(NULL, strstr(value_of(&self->argv, "-append"), "upcilab.shell"));
}

TEST_F(cmd, serial_ports_are_the_two_pipes_console_first)
{
	int con, ktap;

	build(_metadata, self, "", &base_opts);
	expect_pair(_metadata, &self->argv, "-chardev", "pipe,id=console,path=/r/console");
	expect_pair(_metadata, &self->argv, "-chardev", "pipe,id=ktap,path=/r/ktap");
	con = pair_index(&self->argv, "-serial", "chardev:console");
	ktap = pair_index(&self->argv, "-serial", "chardev:ktap");
	EXPECT_LE(0, con);
	EXPECT_LE(0, ktap);
	/* ttyS0 is the console, ttyS1 the results channel */
	EXPECT_LT(con, ktap);
	EXPECT_EQ(2, count_arg(&self->argv, "-serial"));
	EXPECT_GT(0, pair_index(&self->argv, "-serial", "mon:stdio"));
}

TEST_F(cmd, interactive_console_is_stdio_and_ktap_a_file)
{
	struct qemu_opts o = base_opts;
	int stdio, ktap;

	o.interactive = true;
	o.qmp_sock = NULL;
	o.ktap_fifo = "/logs/ktap.log";
	build(_metadata, self, "", &o);
	stdio = pair_index(&self->argv, "-serial", "mon:stdio");
	ktap = pair_index(&self->argv, "-serial", "chardev:ktap");
	EXPECT_LE(0, stdio);
	EXPECT_LT(stdio, ktap);
	expect_pair(_metadata, &self->argv, "-chardev", "file,id=ktap,path=/logs/ktap.log");
	expect_no_arg(_metadata, &self->argv, "pipe,");
	EXPECT_GT(0, arg_index(&self->argv, "-qmp"));
}

TEST_F(cmd, qmp_socket)
{
	build(_metadata, self, "", &base_opts);
	expect_pair(_metadata, &self->argv, "-qmp", "unix:/r/qmp.sock,server=on,wait=off");
	EXPECT_EQ(1, count_arg(&self->argv, "-qmp"));
}

TEST_F(cmd, no_qmp_without_a_socket)
{
	struct qemu_opts o = base_opts;

	o.qmp_sock = NULL;
	build(_metadata, self, "", &o);
	EXPECT_GT(0, arg_index(&self->argv, "-qmp"));
}

TEST_F(cmd, iommu_comes_before_every_scenario_device)
{
	int iommu;

	build(_metadata, self, "device a edu\ndevice b e1000e\n", &base_opts);
	iommu = pair_index(&self->argv, "-device", "intel-iommu,intremap=on");
	ASSERT_LE(0, iommu);
	for (size_t i = 0; i + 1 < self->argv.n; i++)
		if (!strcmp(self->argv.v[i], "-device") && (int)i != iommu)
			EXPECT_LT(iommu, (int)i);
	EXPECT_EQ(3, count_arg(&self->argv, "-device"));
}

TEST_F(cmd, device_strings)
{
	build(_metadata, self,
	      "device pbr  pcie-pci-bridge addr=02.0\n"
	      "device edu0 edu bus=pbr addr=01.0\n"
	      "device edu2 edu addr=03.0\n"
	      "device mf0  edu addr=04.0 multifunction=on\n"
	      "device mf1  edu addr=04.1\n"
	      "device nic  e1000e addr=1a.0 mac=52:54:00:12:34:56 x-pcie-lnksta-dllla=off\n",
	      &base_opts);
	expect_pair(_metadata, &self->argv, "-device", "pcie-pci-bridge,id=pbr,bus=pcie.0,addr=02.0");
	expect_pair(_metadata, &self->argv, "-device", "edu,id=edu0,bus=pbr,addr=01.0");
	expect_pair(_metadata, &self->argv, "-device", "edu,id=edu2,bus=pcie.0,addr=03.0");
	expect_pair(_metadata, &self->argv, "-device", "edu,id=mf0,bus=pcie.0,addr=04.0,multifunction=on");
	expect_pair(_metadata, &self->argv, "-device", "edu,id=mf1,bus=pcie.0,addr=04.1");
	expect_pair(_metadata, &self->argv, "-device",
		    "e1000e,id=nic,bus=pcie.0,addr=1a.0,mac=52:54:00:12:34:56,x-pcie-lnksta-dllla=off");
}

TEST_F(cmd, root_ports_carry_their_options_and_chassis)
{
	build(_metadata, self,
	      "device rp1 pcie-root-port\n"
	      "device rp2 pcie-root-port disable-acs=on\n"
	      "device nic2 e1000e bus=rp2\n", &base_opts);
	expect_pair(_metadata, &self->argv, "-device", "pcie-root-port,id=rp1,bus=pcie.0,addr=01.0,chassis=1");
	expect_pair(_metadata, &self->argv, "-device",
		    "pcie-root-port,id=rp2,bus=pcie.0,addr=02.0,disable-acs=on,chassis=2");
	expect_pair(_metadata, &self->argv, "-device", "e1000e,id=nic2,bus=rp2,addr=00.0");
}

TEST_F(cmd, parents_come_before_children_declared_earlier)
{
	int leaf, mid, top;

	build(_metadata, self,
	      "device leaf edu bus=mid addr=05.0\n"
	      "device mid pci-bridge bus=top addr=03.0\n"
	      "device top pcie-pci-bridge addr=02.0\n", &base_opts);
	leaf = pair_index(&self->argv, "-device", "edu,id=leaf,bus=mid,addr=05.0");
	mid = pair_index(&self->argv, "-device", "pci-bridge,id=mid,bus=top,addr=03.0");
	top = pair_index(&self->argv, "-device", "pcie-pci-bridge,id=top,bus=pcie.0,addr=02.0");
	ASSERT_LE(0, leaf);
	ASSERT_LE(0, mid);
	ASSERT_LE(0, top);
	EXPECT_LT(top, mid);
	EXPECT_LT(mid, leaf);
}

TEST_F(cmd, no_scenario_device_no_extra_device_args)
{
	build(_metadata, self, "", &base_opts);
	EXPECT_EQ(1, count_arg(&self->argv, "-device"));
	EXPECT_STREQ("intel-iommu,intremap=on", self->argv.v[self->argv.n - 1]);
}

TEST_F(cmd, amd_iommu_comes_first_so_its_function_takes_slot_01)
{
	struct qemu_opts o = base_opts;
	int iommu;

	o.viommu = viommu_lookup("amd-iommu");
	build(_metadata, self, "viommu amd-iommu\ndevice a edu\n", &o);
	iommu = pair_index(&self->argv, "-device", "amd-iommu,intremap=on");
	ASSERT_LE(0, iommu);
	for (size_t i = 0; i + 1 < self->argv.n; i++)
		if (!strcmp(self->argv.v[i], "-device") && (int)i != iommu)
			EXPECT_LT(iommu, (int)i);
	/* slot 01 is left to it */
	expect_pair(_metadata, &self->argv, "-device", "edu,id=a,bus=pcie.0,addr=02.0");
	EXPECT_STREQ(GUEST_BASE_CMDLINE, value_of(&self->argv, "-append"));
	EXPECT_GT(0, pair_index(&self->argv, "-device", "intel-iommu,intremap=on"));
}

/* each model's fault trace event is on (fault_trace.h); amd-iommu traces none of ours */
TEST_F(cmd, the_viommus_fault_trace_is_enabled)
{
	struct qemu_opts o = base_opts;

	build(_metadata, self, "", &o);
	expect_pair(_metadata, &self->argv, "-trace", "enable=vtd_dmar_fault");
	strv_free(&self->argv);
	scenario_free(&self->scn);
	self->parsed = false;
	o.viommu = viommu_lookup("virtio-iommu");
	build(_metadata, self, "viommu virtio-iommu\n", &o);
	expect_pair(_metadata, &self->argv, "-trace", "enable=virtio_iommu_report_fault");
	strv_free(&self->argv);
	scenario_free(&self->scn);
	self->parsed = false;
	o.viommu = viommu_lookup("amd-iommu");
	build(_metadata, self, "viommu amd-iommu\n", &o);
	EXPECT_GT(0, arg_index(&self->argv, "-trace"));
}

TEST_F(cmd, virtio_iommu_is_a_pci_device_at_slot_01)
{
	struct qemu_opts o = base_opts;

	o.viommu = viommu_lookup("virtio-iommu");
	build(_metadata, self, "viommu virtio-iommu\n", &o);
	EXPECT_STREQ("virtio-iommu-pci,addr=01.0", self->argv.v[self->argv.n - 1]);
	EXPECT_STREQ(GUEST_BASE_CMDLINE, value_of(&self->argv, "-append"));
}

TEST_F(cmd, host_root_shares_slash_read_only)
{
	build(_metadata, self, "host-root\n", &base_opts);
	expect_pair(_metadata, &self->argv, "-fsdev",
		    "local,id=hostroot,path=/,security_model=none,readonly=on");
	EXPECT_LE(0, pair_index(&self->argv, "-device",
				"virtio-9p-pci,id=hostroot,bus=pcie.0,addr=01.0,fsdev=hostroot,mount_tag=hostroot"));
}

TEST_F(cmd, no_host_root_no_fsdev)
{
	build(_metadata, self, "device d edu\n", &base_opts);
	EXPECT_EQ(-1, arg_index(&self->argv, "-fsdev"));
	EXPECT_EQ(-1, arg_index(&self->argv, "-netdev"));
}

TEST_F(cmd, linked_nics_are_ports_of_one_hub)
{
	build(_metadata, self, "device a e1000e addr=03.0\ndevice b e1000e addr=04.0\nlink a b\n",
	      &base_opts);
	expect_pair(_metadata, &self->argv, "-netdev", "hubport,id=a-net,hubid=0");
	EXPECT_LE(0, pair_index(&self->argv, "-netdev", "hubport,id=b-net,hubid=0"));
	EXPECT_LE(0, pair_index(&self->argv, "-device", "e1000e,id=a,bus=pcie.0,addr=03.0,netdev=a-net"));
	EXPECT_LE(0, pair_index(&self->argv, "-device", "e1000e,id=b,bus=pcie.0,addr=04.0,netdev=b-net"));
	/* the backends come before the devices that use them */
	EXPECT_LT(pair_index(&self->argv, "-netdev", "hubport,id=a-net,hubid=0"),
		  pair_index(&self->argv, "-device", "e1000e,id=a,bus=pcie.0,addr=03.0,netdev=a-net"));
}

TEST_HARNESS_MAIN
