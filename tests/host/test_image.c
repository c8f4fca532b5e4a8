// SPDX-License-Identifier: GPL-2.0
/*
 * The guest image: the generated /init (modules, binds, tests, power off),
 * the devices file, and image_build() on a fake kernel tree.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "gcov_stream.h"
#include "image.h"
#include "scenario.h"

#include "kselftest_harness.h"
#include "unit.h"

/* Bridge with a bound device behind it, a bound root device, one unbound. */
static const char lab[] =
	"driver vfio-pci upci\n"
	"device pbr  pcie-pci-bridge addr=02.0\n"
	"device edu0 edu bus=pbr addr=01.0\n"
	"device edu1 edu bus=pbr addr=02.0\n"
	"device edu2 edu addr=03.0\n"
	"bind edu2 edu0\n"
	"test first\n"
	"test second timeout=5\n"
	"test third\n";

static void parse(struct __test_metadata *_metadata, const char *text,
		  struct scenario *scn)
{
	struct buf err = { 0 };
	int ret = scenario_parse("img.scenario", text, scn, &err);

	if (ret)
		TH_LOG("%s", err.s);
	buf_free(&err);
	ASSERT_EQ(0, ret);
}

/* The lines of @script that start with @prefix, joined with '|'. */
static char *lines_starting(const char *script, const char *prefix)
{
	struct buf b = { 0 };

	buf_add(&b, "", 0);
	for (const char *s = script; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (str_starts(s, prefix) && len >= strlen(prefix)) {
			if (b.len)
				buf_add(&b, "|", 1);
			buf_add(&b, s, len);
		}
		s += len + (nl ? 1 : 0);
	}
	return b.s;
}

static void expect_lines(struct __test_metadata *_metadata, const char *script,
			 const char *prefix, const char *want)
{
	char *got = lines_starting(script, prefix);

	if (strcmp(want, got))
		TH_LOG("'%s' lines: want [%s], got [%s]", prefix, want, got);
	EXPECT_STREQ(want, got);
	free(got);
}

static char *init_on(struct __test_metadata *_metadata, const char *text,
		     const char *driver, const char *viommu, const char *mods)
{
	struct scenario scn;
	struct strv modules = { 0 };
	char *copy = xstrdup(mods), *save, *tok, *script;

	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strv_add(&modules, tok);
	free(copy);
	parse(_metadata, text, &scn);
	script = image_init_script(&scn, driver, viommu_lookup(viommu), &modules);
	strv_free(&modules);
	scenario_free(&scn);
	return script;
}

static char *init_for(struct __test_metadata *_metadata, const char *text,
		      const char *driver, const char *mods)
{
	return init_on(_metadata, text, driver, VIOMMU_DEFAULT, mods);
}

TEST(init_exports_the_scenarios_env)
{
	char *s = init_for(_metadata, "env UPCILAB_VFIO_DIR=/dev/vfio X=1\ntest t\n",
			   "upci", "upci.ko");

	expect_lines(_metadata, s, "export ",
		     "export PATH=/bin|export UPCILAB_DRIVER=upci|export UPCILAB_VIOMMU=intel-iommu|"
		     "export UPCILAB_VFIO_DIR=/dev/vfio|export X=1");
	free(s);
}

TEST(init_brings_an_smp_guests_vcpus_online_before_the_modules)
{
	char *s = init_for(_metadata, "cpus 2\ntest t\n", "upci", "upci.ko");
	const char *online = strstr(s, "/sys/devices/system/cpu/cpu[0-9]*/online");

	ASSERT_NE(NULL, online);
	EXPECT_LT(online - s, offset_of(s, "\nload upci.ko"));
	EXPECT_NE(NULL, strstr(s, "|| fail \"bring ${c%/online} online\""));
	free(s);
	s = init_for(_metadata, "cpus 1\ntest t\n", "upci", "upci.ko");
	EXPECT_EQ(NULL, strstr(s, "/online"));
	free(s);
}

TEST(init_passes_module_parameters_to_insmod)
{
	char *s = init_for(_metadata,
			   "driver upci\nmodparam upci vfio_compat=1 dma_entry_limit=3\n"
			   "device d edu\nbind d\ntest t\n",
			   "upci", "irqbypass.ko upci.ko");

	expect_lines(_metadata, s, "load ",
		     "load irqbypass.ko|load upci.ko vfio_compat=1 dma_entry_limit=3");
	free(s);
}

/* SCRIPT run by sh; what it printed (stdout and stderr) in OUT */
static void run_sh(struct __test_metadata *_metadata, const char *script,
		   char *out, size_t size)
{
	char path[] = "/tmp/upcilab-sh-XXXXXX", cmd[64];
	int fd = mkstemp(path);
	FILE *f, *p;
	size_t n;

	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	ASSERT_NE(NULL, f);
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh %s 2>&1", path);
	p = popen(cmd, "r");
	if (p) {
		n = fread(out, 1, size - 1, p);
		out[n] = 0;
		pclose(p);
	}
	unlink(path);
	ASSERT_NE(NULL, p);
}

/* upcilab -A upci.dma_entry_limit=9: insmod gets it, as from modprobe */
TEST(init_adds_the_command_lines_parameters_of_each_module)
{
	char *s = init_for(_metadata, lab, "upci", "upci.ko");
	const char *from = strstr(s, "load() {\n"), *to = from ? strstr(from, "\n}\n") : NULL;
	char script[4096], out[512] = "";

	ASSERT_NE(NULL, to);
	/* the function as sh runs it, /proc/cmdline and insmod stood in for */
	snprintf(script, sizeof(script),
		 "cat() { echo 'quiet upci.dma_entry_limit=7 upci_x.y=1 vfio_pci.z=2 upci'; }\n"
		 "insmod() { echo \"insmod $*\"; }\n"
		 "fail() { echo \"fail $*\"; }\n"
		 "%.*s\n}\n"
		 "load upci.ko vfio_compat=1; load kernel/vfio_pci.ko\n",
		 (int)(to - from), from);
	run_sh(_metadata, script, out, sizeof(out));
	EXPECT_STREQ("insmod /lib/modules/upci.ko vfio_compat=1 dma_entry_limit=7\n"
		     "insmod /lib/modules/kernel/vfio_pci.ko z=2\n", out);
	free(s);
}

TEST(init_loads_modules_in_the_given_order)
{
	char *s = init_for(_metadata, lab, "vfio-pci",
			   "iommufd.ko vfio.ko vfio_iommu_type1.ko vfio_pci.ko");

	expect_lines(_metadata, s, "load ",
		     "load iommufd.ko|load vfio.ko|load vfio_iommu_type1.ko|load vfio_pci.ko");
	/* modules before binds before tests */
	EXPECT_LT(offset_of(s, "\nload vfio_pci.ko\n"), offset_of(s, "\nbind "));
	EXPECT_LT(offset_of(s, "\nbind "), offset_of(s, "\nrun 1 "));
	free(s);
}

TEST(init_binds_only_bound_devices_by_slot_path)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "");

	/* declaration order of the devices, not of the bind line */
	expect_lines(_metadata, s, "bind ", "bind 02.0/01.0 vfio-pci|bind 03.0 vfio-pci");
	EXPECT_EQ(NULL, strstr(s, "bind 02.0/02.0"));
	EXPECT_EQ(NULL, strstr(s, "bind 02.0 "));
	free(s);
}

/* virtio-iommu cannot group what is behind a bridge: left unbound, said */
TEST(init_on_virtio_iommu_leaves_bridged_devices_unbound)
{
	char *s = init_on(_metadata, lab, "vfio-pci", "virtio-iommu", "");

	expect_lines(_metadata, s, "bind ", "bind 03.0 vfio-pci");
	EXPECT_NE(NULL, strstr(s, "upcilab: edu0 left unbound on virtio-iommu"));
	EXPECT_NE(NULL, strstr(s, "export UPCILAB_VIOMMU=virtio-iommu\n"));
	free(s);
}

/* amd-iommu groups what is behind a bridge: everything is bound */
TEST(init_on_amd_iommu_binds_every_device)
{
	char *s = init_on(_metadata, lab, "upci", "amd-iommu", "upci.ko");

	expect_lines(_metadata, s, "bind ", "bind 02.0/01.0 upci|bind 03.0 upci");
	EXPECT_EQ(NULL, strstr(s, "left unbound"));
	free(s);
}

TEST(unbound_file_names_each_device_and_why)
{
	struct scenario scn;
	char *f;

	parse(_metadata, lab, &scn);
	f = image_unbound_file(&scn, viommu_lookup("intel-iommu"));
	EXPECT_STREQ("", f);
	free(f);
	f = image_unbound_file(&scn, viommu_lookup("virtio-iommu"));
	EXPECT_EQ(0, strncmp(f, "edu0 virtio-iommu gives devices behind a PCIe-to-PCI bridge no IOMMU group", 74))
		TH_LOG("%s", f);
	/* edu1 is not a bind device: not listed */
	EXPECT_EQ(NULL, strstr(f, "edu1"));
	free(f);
	scenario_free(&scn);
}

TEST(viommu_file_names_the_model_and_its_function)
{
	char *f = image_viommu_file(viommu_lookup("intel-iommu"));

	EXPECT_STREQ("intel-iommu\n", f);
	free(f);
	f = image_viommu_file(viommu_lookup("amd-iommu"));
	EXPECT_STREQ("amd-iommu 01.0\n", f);
	free(f);
}

/* the vIOMMU's module first, with what both drivers need on it */
TEST(init_on_virtio_iommu_allows_unisolated_msis)
{
	char *s = init_on(_metadata, "driver vfio-pci\ntest t\n", "vfio-pci",
			  "virtio-iommu", "virtio_iommu.ko vfio_iommu_type1.ko vfio-pci.ko");

	expect_lines(_metadata, s, "load ",
		     "load virtio_iommu.ko|load vfio_iommu_type1.ko allow_unsafe_interrupts=1|load vfio-pci.ko");
	free(s);
	s = init_on(_metadata, "driver upci\nmodparam upci nointxmask=1\ntest t\n", "upci",
		    "virtio-iommu", "upci.ko");
	expect_lines(_metadata, s, "load ", "load upci.ko allow_unsafe_interrupts=1 nointxmask=1");
	free(s);
}

TEST(init_binds_to_the_drivers_bind_name)
{
	char *s = init_for(_metadata, lab, "upci", "upci.ko");

	expect_lines(_metadata, s, "bind ", "bind 02.0/01.0 upci|bind 03.0 upci");
	free(s);
}

/* upci-vfio: upci in compat mode, then VFIO's names, devices bound as vfio-pci */
TEST(init_loads_compat_mode_before_the_scenarios_params)
{
	char *s = init_for(_metadata, "driver upci-vfio\ndevice d edu addr=03.0\nbind d\n"
			   "modparam upci dma_entry_limit=5\ntest t\n",
			   "upci-vfio", "upci.ko vfio.ko vfio_pci.ko");

	expect_lines(_metadata, s, "load ",
		     "load upci.ko vfio_compat=1 dma_entry_limit=5|load vfio.ko|load vfio_pci.ko");
	expect_lines(_metadata, s, "bind ", "bind 03.0 vfio-pci");
	free(s);
}

/* host-root: /host is set up before the binds and let go before the unload */
TEST(init_sets_up_the_host_root_before_binding)
{
	char *s = init_for(_metadata, "driver vfio-pci\nhost-root\ndevice d edu addr=03.0\nbind d\ntest t\n",
			   "vfio-pci", "vfio_pci.ko");
	char *setup = strstr(s, "host_root || fail"), *bind = strstr(s, "bind 03.0 vfio-pci");

	ASSERT_NE(NULL, setup);
	ASSERT_NE(NULL, bind);
	EXPECT_LT(setup, bind);
	EXPECT_NE(NULL, strstr(s, "mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /host-fs"));
	EXPECT_NE(NULL, strstr(s, "mount --bind /dev /host/dev"));
	EXPECT_LT(strstr(s, "umount -l /host"), strstr(s, "\tunload vfio_pci"));
	free(s);
	s = init_for(_metadata, lab, "upci", "upci.ko");
	EXPECT_EQ(NULL, strstr(s, "host_root"));
	free(s);
}

TEST(init_binds_host_driver_devices_after_the_driver_under_test)
{
	char *s = init_for(_metadata,
			   "driver vfio-pci\ndevice h edu addr=05.0\ndevice u edu addr=06.0\n"
			   "bind-host upci_test_intx h\nbind u\ntest-module upci_test_intx\ntest t\n",
			   "vfio-pci", "vfio_pci.ko upci_test_intx.ko");

	expect_lines(_metadata, s, "bind ",
		     "bind 06.0 vfio-pci|bind 05.0 upci_test_intx");
	expect_lines(_metadata, s, "load ", "load vfio_pci.ko|load upci_test_intx.ko");
	EXPECT_LT(offset_of(s, "\nload upci_test_intx.ko\n"), offset_of(s, "\nbind "));
	free(s);
	/* and with no driver under test */
	s = init_for(_metadata, "device h edu addr=05.0\nbind-host drv h\ntest t\n",
		     "none", "");
	expect_lines(_metadata, s, "bind ", "bind 05.0 drv");
	free(s);
}

TEST(init_with_driver_none_binds_nothing)
{
	/* --driver none overrides a scenario that binds */
	char *s = init_for(_metadata, lab, "none", "");

	expect_lines(_metadata, s, "bind ", "");
	expect_lines(_metadata, s, "load ", "");
	free(s);
}

TEST(init_tells_tests_the_driver_under_test)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "vfio_pci.ko");

	expect_lines(_metadata, s, "export UPCILAB_DRIVER=", "export UPCILAB_DRIVER=vfio-pci");
	free(s);
	s = init_for(_metadata, lab, "none", "");
	expect_lines(_metadata, s, "export UPCILAB_DRIVER=", "export UPCILAB_DRIVER=none");
	free(s);
}

TEST(init_with_unknown_driver_binds_nothing)
{
	char *s = init_for(_metadata, lab, "nouveau", "");

	expect_lines(_metadata, s, "bind ", "");
	free(s);
}

TEST(init_without_bind_lines_binds_nothing)
{
	char *s = init_for(_metadata, "driver vfio-pci\ndevice d edu\ntest t\n",
			   "vfio-pci", "vfio_pci.ko");

	expect_lines(_metadata, s, "bind ", "");
	expect_lines(_metadata, s, "load ", "load vfio_pci.ko");
	free(s);
}

TEST(init_runs_tests_numbered_from_1_in_order)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "");

	expect_lines(_metadata, s, "run ", "run 1 first|run 2 second|run 3 third");
	free(s);
}

TEST(init_starts_with_busybox_and_ends_with_done_and_poweroff)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "a.ko");
	const char *tail = "say '# upcilab: done'\npoweroff -f\n";

	EXPECT_TRUE(str_starts(s, "#!/bin/busybox sh\n"));
	ASSERT_GE(strlen(s), strlen(tail));
	EXPECT_STREQ(tail, s + strlen(s) - strlen(tail));
	/* init is announced before anything can fail */
	EXPECT_LT(offset_of(s, "say '# upcilab: init'"), offset_of(s, "\nload a.ko"));
	EXPECT_LT(offset_of(s, "\nrun 3 third\n"), offset_of(s, tail));
	free(s);
}

/*
 * On a kernel with kmemleak: note the jiffies before anything loads, and
 * after the last test unload every module, last loaded first, then scan
 * and print.
 */
TEST(init_checks_kmemleak_after_the_tests)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "vfio.ko vfio_pci.ko upci_test_intx.ko");
	long clear = offset_of(s, "if [ -w $KL ] && echo scan=off 2>/dev/null >$KL; then\n");
	long check = offset_of(s, "\nif [ -w $KL ]; then\n");

	ASSERT_LE(0, clear);
	ASSERT_LE(0, check);
	EXPECT_LT(clear, offset_of(s, "\nload vfio.ko"));
	EXPECT_LT(offset_of(s, "\nrun 3 third\n"), check);
	expect_lines(_metadata, s, "\tunload ",
		     "\tunload upci_test_intx|\tunload vfio_pci|\tunload vfio");
	EXPECT_LT(offset_of(s, "\tunload vfio\n"), offset_of(s, "\tkl_since $kl <$KL\n"));
	/*
	 * two scans: kmemleak reports an object a scan after the one that
	 * first saw its contents, and every object of the tests is new then
	 */
	EXPECT_LT(offset_of(s, "\tunload vfio\n"),
		  offset_of(s, "sleep 6 && echo scan >$KL && echo scan >$KL; then\n"));
	EXPECT_LT(offset_of(s, "\tkl_since $kl <$KL\n"), offset_of(s, "say '# upcilab: done'"));
	/* what logscan.c fails the VM on */
	EXPECT_NE(NULL, strstr(s, "echo \"upcilab: cannot unload $1\""));
	free(s);
}

/* the part of @s from @from up to and with @to, or NULL */
static char *part_of(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from);
	const char *b = a ? strstr(a, to) : NULL;

	return b ? xasprintf("%.*s", (int)(b + strlen(to) - a), a) : NULL;
}

/*
 * The leak check's two parts as sh runs them, with the kmemleak file at
 * @kl, the timer list at @kt and @between run after the tests; what they
 * printed in @out
 */
static void run_leak_check(struct __test_metadata *_metadata, const char *kl,
			   const char *kt, const char *between, char *out,
			   size_t size)
{
	char *s = init_for(_metadata, lab, "upci", "upci.ko");
	char *first = part_of(s, "if [ -w $KL ] && echo scan=off", "\nfi\n");
	char *since = part_of(s, "kl_since() {", "\n}\n");
	char *check = part_of(s, "\nif [ -w $KL ]; then\n", "\n\tfi\nfi\n");
	char *script;

	ASSERT_NE(NULL, first);
	ASSERT_NE(NULL, since);
	ASSERT_NE(NULL, check);
	ASSERT_NE(NULL, strstr(s, "\nKL=/sys/kernel/debug/kmemleak KT=/proc/timer_list kl=\n"));
	script = xasprintf("say() { echo \"say $*\"; }\nsleep() { :; }\nunload() { :; }\n"
			   "KL=%s KT=%s kl=\n%s%s\n%s%s", kl, kt, first, between,
			   since, check);
	run_sh(_metadata, script, out, size);
	free(script);
	free(check);
	free(since);
	free(first);
	free(s);
}

/* a file of @text at @path (a mkstemp template) */
static void write_temp(struct __test_metadata *_metadata, char *path,
		       const char *text)
{
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(text), write(fd, text, strlen(text)));
	close(fd);
}

#define TIMER_LIST "Timer List Version: v0.9\n  .last_jiffies   : 4294892290\njiffies: 4294892300\n"

/* The harness hears how the check went: scanned, or kmemleak=off */
TEST(init_says_whether_kmemleak_scanned)
{
	char kl[] = "/tmp/upcilab-kl-XXXXXX", kt[] = "/tmp/upcilab-kt-XXXXXX";
	char between[128], out[1024];

	write_temp(_metadata, kl, "");
	write_temp(_metadata, kt, TIMER_LIST);
	run_leak_check(_metadata, kl, kt, ":", out, sizeof(out));
	EXPECT_STREQ("upcilab: kmemleak: unloading the modules\n"
		     "scan\n"
		     "upcilab: kmemleak: scanned\n"
		     "say # upcilab: kmemleak scanned\n", out);
	/*
	 * the last word at the boot stops kmemleak's own periodic scans, and
	 * the boot is not scanned: its suspects are told by their jiffies
	 */
	snprintf(between, sizeof(between), "cat %s; echo \"since $kl\"", kl);
	run_leak_check(_metadata, kl, kt, between, out, sizeof(out));
	EXPECT_STREQ("scan=off\nsince 4294892300\nupcilab: kmemleak: unloading the modules\n"
		     "scan\nupcilab: kmemleak: scanned\nsay # upcilab: kmemleak scanned\n", out);
	/* kmemleak=off: the file is there, its writes are refused */
	run_leak_check(_metadata, "/dev/full", kt, ":", out, sizeof(out));
	EXPECT_STREQ("upcilab: kmemleak: unloading the modules\n"
		     "upcilab: kmemleak: off since the boot, not scanned\n"
		     "say # upcilab: kmemleak off\n", out);
	/* on at the boot, off by the end (kmemleak stops when its pool runs out) */
	snprintf(between, sizeof(between), "rm %s && ln -s /dev/full %s", kl, kl);
	run_leak_check(_metadata, kl, kt, between, out, sizeof(out));
	EXPECT_NE(NULL, strstr(out, "upcilab: kmemleak: cannot scan\n"));
	EXPECT_EQ(NULL, strstr(out, "say "));
	unlink(kl);
	/* a kernel without kmemleak: nothing */
	run_leak_check(_metadata, "/nonexistent/kmemleak", kt, ":", out, sizeof(out));
	EXPECT_STREQ("", out);
	unlink(kt);
}

/* No jiffies in the timer list: the boot's suspects are scanned and cleared */
TEST(init_clears_the_boots_leaks_without_jiffies)
{
	char kl[] = "/tmp/upcilab-kl-XXXXXX", between[128], out[1024];

	write_temp(_metadata, kl, "");
	snprintf(between, sizeof(between), "cat %s; echo \"since $kl\"", kl);
	run_leak_check(_metadata, kl, "/nonexistent/timer_list", between, out, sizeof(out));
	EXPECT_STREQ("clear\nsince 0\nupcilab: kmemleak: unloading the modules\n"
		     "scan\nupcilab: kmemleak: scanned\nsay # upcilab: kmemleak scanned\n", out);
	unlink(kl);
}

/*
 * A kmemleak report through kl_since: the suspect allocated at the init's
 * jiffies or before is the boot's, renamed so that logscan.c passes it;
 * one after, and one without a jiffies line, stay "unreferenced object"
 */
TEST(init_blames_the_tests_only_for_leaks_after_the_init)
{
	static const char report[] =
		"unreferenced object 0xffff888001000000 (size 64):\n"
		"  comm \"swapper/0\", pid 1, jiffies 4294892300\n"
		"  backtrace (crc 1):\n"
		"unreferenced object 0xffff888002000000 (size 192):\n"
		"  comm \"upci_vfio\", pid 73, jiffies 4294892301\n"
		"  backtrace (crc 2):\n"
		"unreferenced object 0xffff888003000000 (size 8):\n"
		"unreferenced object 0xffff888004000000 (size 8):\n";
	char *s = init_for(_metadata, lab, "upci", "upci.ko");
	char *since = part_of(s, "kl_since() {", "\n}\n");
	char *script, *expected, out[2048];

	ASSERT_NE(NULL, since);
	script = xasprintf("%skl_since 4294892300 <<'EOF'\n%sEOF\n", since, report);
	run_sh(_metadata, script, out, sizeof(out));
	/* the same text, but the first (the boot's) suspect's name */
	expected = xasprintf("upcilab: kmemleak: from before the tests (not theirs): %s",
			     report + strlen("unreferenced "));
	EXPECT_STREQ(expected, out);
	free(expected);
	free(script);
	free(since);
	free(s);
}

/* gcov's counters go out after the unload: the exit paths count too */
TEST(init_sends_coverage_after_the_modules_unloaded)
{
	char *s = init_for(_metadata, lab, "upci", "upci.ko");
	long dump = offset_of(s, "upcilab-guest gcov $G >$K");

	ASSERT_LE(0, dump);
	EXPECT_LT(offset_of(s, "\tunload upci\n"), dump);
	EXPECT_LT(offset_of(s, "\tkl_since $kl <$KL\n"), dump);
	EXPECT_LT(dump, offset_of(s, "say '# upcilab: done'"));
	free(s);
}

/* @dir/@rel with @len bytes of @data and @mode, its directories made */
static void put_bytes(struct __test_metadata *_metadata, const char *dir,
		      const char *rel, const void *data, size_t len, int mode)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(p, '/');

	*slash = '\0';
	ASSERT_EQ(0, mkdir_p(p));
	*slash = '/';
	ASSERT_EQ(0, write_file(p, data, len, mode)) TH_LOG("%s", p);
	free(p);
}

/* @dir/@rel's contents are @len bytes of @want */
static void expect_file(struct __test_metadata *_metadata, const char *dir,
			const char *rel, const void *want, size_t len)
{
	char *path = xasprintf("%s/%s", dir, rel);
	size_t n = 0;
	char *got = read_file(path, &n);

	EXPECT_NE(NULL, got) TH_LOG("no %s", path);
	if (got) {
		EXPECT_EQ(len, n);
		EXPECT_EQ(0, memcmp(got, want, n < len ? n : len));
	}
	free(got);
	free(path);
}

/* the guest helper make unit points $UPCILAB_GUEST at, or NULL */
static const char *guest_helper(void)
{
	const char *g = getenv("UPCILAB_GUEST");

	return g && *g && !access(g, X_OK) ? g : NULL;
}

/*
 * The init's dump, with the guest helper (make unit's build of it), on a
 * gcov directory of files 0, 1, 57, 115 and 116 bytes long (no data line,
 * a line of "xx==", one whole line, two and "xx==", two and "xxx="), one
 * nested, beside a file that is not counters; the results-channel lines
 * it wrote fed to gcov_stream (what vm.c does): each comes out under its
 * path, byte for byte.
 */
TEST(init_coverage_dump_round_trips_through_gcov_stream)
{
	static const size_t sizes[] = { 0, 1, 57, 115, 116 };
	char *s = init_for(_metadata, lab, "upci", "upci.ko");
	char *dump = part_of(s, "if [ -d $G ]; then\n", "\nfi\n");
	char *dir = make_tmpdir("gcov"), *script = NULL, *text = NULL;
	char *line, *save = NULL, cmd[512], rel[64], *slash;
	const char *helper = guest_helper();
	unsigned char bytes[116];
	struct gcov_stream gs = { 0 };
	struct buf why = { 0 };
	size_t i;

	ASSERT_NE(NULL, dump);
	if (!helper)
		SKIP(goto out, "no $UPCILAB_GUEST (make unit sets it to build/guest/upcilab-guest)");
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(255 - i * 7);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(rel, sizeof(rel), "debugfs/abs%s/f%zu.gcda", i == 3 ? "/kmod" : "", sizes[i]);
		put_bytes(_metadata, dir, rel, bytes, sizes[i], 0644);
	}
	put_bytes(_metadata, dir, "debugfs/abs/upci.gcno", "notes", 5, 0644);
	snprintf(cmd, sizeof(cmd), "%s", helper);
	slash = strrchr(cmd, '/');
	ASSERT_NE(NULL, slash);
	*slash = 0;
	script = xasprintf("PATH=%s:$PATH G=%s/debugfs K=%s/ttyS1\n%s", cmd, dir, dir, dump);
	put_bytes(_metadata, dir, "dump.sh", script, strlen(script), 0644);
	snprintf(cmd, sizeof(cmd), "sh %s/dump.sh", dir);
	ASSERT_EQ(0, system(cmd));
	snprintf(cmd, sizeof(cmd), "%s/ttyS1", dir);
	text = read_file(cmd, NULL);
	ASSERT_NE(NULL, text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		ASSERT_TRUE(str_starts(line, "# upcilab: ")) TH_LOG("not the protocol: %s", line);
		EXPECT_TRUE(gcov_stream_line(&gs, line + strlen("# upcilab: "), dir, &why))
			TH_LOG("%s", line);
		EXPECT_GE(strlen("# upcilab: gcov-data ") + 76, strlen(line)) TH_LOG("%s", line);
	}
	EXPECT_EQ(NULL, why.s) TH_LOG("%s", why.s);
	EXPECT_EQ(5, gs.files);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(rel, sizeof(rel), "gcov/abs%s/f%zu.gcda", i == 3 ? "/kmod" : "", sizes[i]);
		expect_file(_metadata, dir, rel, bytes, sizes[i]);
	}
out:
	gcov_stream_free(&gs);
	buf_free(&why);
	rm_rf(dir);
	free(text);
	free(script);
	free(dump);
	free(dir);
	free(s);
}

/* A directory it cannot walk is the helper's failure, named */
TEST(guest_helper_gcov_names_a_missing_directory)
{
	const char *helper = guest_helper();
	char cmd[512], out[512];

	if (!helper)
		SKIP(return, "no $UPCILAB_GUEST (make unit sets it to build/guest/upcilab-guest)");
	snprintf(cmd, sizeof(cmd), "%s gcov /nonexistent/gcov; echo rc=$?\n", helper);
	run_sh(_metadata, cmd, out, sizeof(out));
	EXPECT_STREQ("upcilab-guest: gcov: /nonexistent/gcov: No such file or directory\nrc=1\n", out);
}

/* The init must speak the protocol vm.c parses (see vm.h). */
TEST(init_speaks_the_results_protocol)
{
	char *s = init_for(_metadata, lab, "vfio-pci", "");

	EXPECT_NE(NULL, strstr(s, "n=$1 t=$2; shift 2\n"));
	EXPECT_NE(NULL, strstr(s, "say \"# upcilab: begin $n $t\""));
	EXPECT_NE(NULL, strstr(s, "say \"# upcilab: end $n $t exit=$rc\""));
	EXPECT_NE(NULL, strstr(s, "say \"# upcilab: setup-failed $*\""));
	EXPECT_NE(NULL, strstr(s, "K=/dev/ttyS1\n"));
	/* a test's arguments (upcilab repro) follow its name */
	EXPECT_NE(NULL, strstr(s, "\"/tests/$t\" \"$@\" >$K 2>&1\n\trc=$?\n"));
	free(s);
}

TEST(init_is_valid_shell)
{
	char *dir = make_tmpdir("img");
	char *path = xasprintf("%s/init", dir);
	char *s = init_for(_metadata, lab, "vfio-pci", "a.ko b.ko");
	char *cmd = xasprintf("sh -n '%s'", path);
	int st;

	ASSERT_EQ(0, write_file(path, s, strlen(s), 0755));
	st = system(cmd);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("sh -n: %d", st);
	unlink(path);
	rmdir(dir);
	free(cmd);
	free(s);
	free(path);
	free(dir);
}

TEST(devices_file_lists_id_path_model)
{
	struct scenario scn;
	char *s;

	parse(_metadata, lab, &scn);
	s = image_devices_file(&scn);
	EXPECT_STREQ("# id path model [property=value...] (generated from img.scenario)\n"
		     "pbr 02.0 pcie-pci-bridge\n"
		     "edu0 02.0/01.0 edu\n"
		     "edu1 02.0/02.0 edu\n"
		     "edu2 03.0 edu\n", s);
	free(s);
	scenario_free(&scn);
}

TEST(devices_file_carries_the_qemu_properties)
{
	struct scenario scn;
	char *s;

	parse(_metadata, "device m0 mockdma addr=03.0 vectors=16 flr=off\n"
		"test t\n", &scn);
	s = image_devices_file(&scn);
	EXPECT_STREQ("# id path model [property=value...] (generated from img.scenario)\n"
		     "m0 03.0 mockdma vectors=16 flr=off\n", s);
	free(s);
	scenario_free(&scn);
}

TEST(devices_file_of_a_scenario_without_devices)
{
	struct scenario scn;
	char *s;

	parse(_metadata, "test t\n", &scn);
	s = image_devices_file(&scn);
	EXPECT_STREQ("# id path model [property=value...] (generated from img.scenario)\n", s);
	free(s);
	scenario_free(&scn);
}

/* ---- image_build() on a fake kernel tree ---- */

FIXTURE(build) {
	char *dir;
	struct scenario scn;
	struct image_spec spec;
	struct buf err;
	char *kernel, *guest, *kmod, *busybox, *stage, *out;
};

static void put(struct __test_metadata *_metadata, const char *dir,
		const char *rel, const char *text, int mode)
{
	put_bytes(_metadata, dir, rel, text, strlen(text), mode);
}

FIXTURE_SETUP(build)
{
	static const char depfile[] =
		"kernel/drivers/vfio/vfio.ko.xz:\n"
		"kernel/drivers/vfio/vfio_iommu_type1.ko: kernel/drivers/vfio/vfio.ko.xz\n"
		"kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/vfio.ko.xz\n";
	char *mods, *cmd;
	struct buf err = { 0 };

	*self = (FIXTURE_DATA(build)){ 0 };
	self->dir = make_tmpdir("build");
	ASSERT_NE(NULL, self->dir);
	self->kernel = xasprintf("%s/kernel", self->dir);
	self->guest = xasprintf("%s/guest", self->dir);
	self->kmod = xasprintf("%s/kmod", self->dir);
	self->busybox = xasprintf("%s/busybox", self->dir);
	self->stage = xasprintf("%s/stage", self->dir);
	self->out = xasprintf("%s/initramfs.cpio", self->dir);
	mods = xasprintf("%s/lib/modules/%s", self->kernel, UPCI_KVER);
	put(_metadata, mods, "modules.dep", depfile, 0644);
	put(_metadata, mods, "kernel/drivers/vfio/vfio_iommu_type1.ko", "TYPE1", 0644);
	put(_metadata, mods, "kernel/drivers/vfio/pci/vfio-pci.ko", "VFIOPCI", 0644);
	put(_metadata, mods, "kernel/drivers/vfio/vfio.ko", "VFIO", 0644);
	cmd = xasprintf("xz '%s/kernel/drivers/vfio/vfio.ko'", mods);
	ASSERT_EQ(0, system(cmd));
	free(cmd);
	free(mods);
	put(_metadata, self->dir, "busybox", "#!/bin/true\n", 0755);
	put(_metadata, self->guest, "upcilab-guest", "guest", 0755);
	put(_metadata, self->guest, "t1", "test one", 0755);
	ASSERT_EQ(0, scenario_parse("b.scenario",
				    "driver vfio-pci\ndevice d edu\nbind d\ntest t1\n",
				    &self->scn, &err));
	buf_free(&err);
	self->spec = (struct image_spec){
		.scn = &self->scn, .driver = "vfio-pci",
		.viommu = viommu_lookup(VIOMMU_DEFAULT),
		.kernel_dir = self->kernel, .kver = UPCI_KVER,
		.guest_dir = self->guest, .kmod_dir = self->kmod,
		.busybox = self->busybox, .stage_dir = self->stage,
		.out = self->out,
	};
}

FIXTURE_TEARDOWN(build)
{
	if (self->dir)
		rm_rf(self->dir);
	scenario_free(&self->scn);
	buf_free(&self->err);
	free(self->dir);
	free(self->kernel);
	free(self->guest);
	free(self->kmod);
	free(self->busybox);
	free(self->stage);
	free(self->out);
}

static char *staged(FIXTURE_DATA(build) *self, const char *rel)
{
	char *p = xasprintf("%s/%s", self->stage, rel);
	char *text = read_file(p, NULL);

	free(p);
	return text;
}

TEST_F(build, packs_modules_tests_and_expectations)
{
	char *init, *mod, *groups, *list, *cmd;

	ASSERT_EQ(0, image_build(&self->spec, &self->err)) TH_LOG("%s", self->err.s);
	init = staged(self, "init");
	ASSERT_NE(NULL, init);
	expect_lines(_metadata, init, "load ",
		     "load vfio.ko|load vfio_iommu_type1.ko|load vfio_pci.ko");
	expect_lines(_metadata, init, "bind ", "bind 01.0 vfio-pci");
	/* the xz module was unpacked, the plain one copied */
	mod = staged(self, "lib/modules/vfio.ko");
	EXPECT_STREQ("VFIO", mod ? mod : "(missing)");
	free(mod);
	mod = staged(self, "lib/modules/vfio_pci.ko");
	EXPECT_STREQ("VFIOPCI", mod ? mod : "(missing)");
	free(mod);
	groups = staged(self, "etc/upcilab/groups");
	EXPECT_TRUE(has_line(groups, "alone 01.0"));
	free(groups);
	mod = staged(self, "tests/t1");
	EXPECT_STREQ("test one", mod ? mod : "(missing)");
	free(mod);
	free(init);
	/* the archive holds the staged tree */
	list = xasprintf("%s/list", self->dir);
	cmd = xasprintf("cpio -it --quiet < '%s' > '%s'", self->out, list);
	EXPECT_EQ(0, system(cmd));
	free(cmd);
	init = read_file(list, NULL);
	EXPECT_TRUE(has_line(init, "init"));
	EXPECT_TRUE(has_line(init, "bin/upcilab-guest"));
	EXPECT_TRUE(has_line(init, "etc/upcilab/devices"));
	EXPECT_TRUE(has_line(init, "lib/modules/vfio_iommu_type1.ko"));
	free(init);
	free(list);
}

TEST_F(build, missing_busybox_is_named)
{
	self->spec.busybox = "/nonexistent/busybox";
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "/nonexistent/busybox"));
}

TEST_F(build, missing_test_binary_is_named)
{
	char *p = xasprintf("%s/t1", self->guest);

	unlink(p);
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, p));
	free(p);
}

TEST_F(build, missing_modules_dep_says_how_to_fix_it)
{
	self->spec.kernel_dir = "/nonexistent/kernel";
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "/nonexistent/kernel/lib/modules/" UPCI_KVER "/modules.dep"));
	EXPECT_NE(NULL, strstr(self->err.s, "ci/install-deps.sh"));
}

TEST_F(build, unbuilt_upci_module_is_named)
{
	self->spec.driver = "upci";
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "upci.ko, which is not built"));
}

TEST_F(build, compat_stages_each_of_our_modules_or_names_the_missing_one)
{
	char *init;

	self->spec.driver = "upci-vfio";
	put(_metadata, self->kmod, "upci.ko", "UPCI", 0644);
	put(_metadata, self->kmod, "vfio.ko", "VFIO-STUB", 0644);
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "driver 'upci-vfio' needs ")) TH_LOG("%s", self->err.s);
	EXPECT_NE(NULL, strstr(self->err.s, "/vfio-pci.ko, which is not built"));
	buf_free(&self->err);
	put(_metadata, self->kmod, "vfio-pci.ko", "VFIOPCI-STUB", 0644);
	ASSERT_EQ(0, image_build(&self->spec, &self->err)) TH_LOG("%s", self->err.s);
	init = xasprintf("%s/lib/modules/vfio_pci.ko", self->stage);
	EXPECT_EQ(0, access(init, R_OK));
	free(init);
}

TEST_F(build, staged_modules_are_in_the_image_but_not_loaded)
{
	char *init, *staged, *path;
	struct buf err = { 0 };

	scenario_free(&self->scn);
	ASSERT_EQ(0, scenario_parse("b.scenario",
				    "driver vfio-pci\ndevice d edu\nbind d\nstage vfio\ntest t1\n",
				    &self->scn, &err));
	buf_free(&err);
	ASSERT_EQ(0, image_build(&self->spec, &self->err)) TH_LOG("%s", self->err.s);
	staged = xasprintf("%s/lib/modules/staged/vfio.ko", self->stage);
	EXPECT_EQ(0, access(staged, R_OK));
	free(staged);
	path = xasprintf("%s/init", self->stage);
	init = read_file(path, NULL);
	free(path);
	ASSERT_NE(NULL, init);
	EXPECT_EQ(NULL, strstr(init, "staged/"));
	free(init);
}

TEST_F(build, test_modules_are_staged_after_the_drivers)
{
	char *init, *mod, *tk = xasprintf("%s/tests-kmod", self->dir);

	put(_metadata, tk, "upci_test_intx.ko", "TESTMOD", 0644);
	strv_add(&self->scn.test_modules, "upci_test_intx");
	self->spec.test_kmod_dir = tk;
	ASSERT_EQ(0, image_build(&self->spec, &self->err)) TH_LOG("%s", self->err.s);
	init = staged(self, "init");
	ASSERT_NE(NULL, init);
	expect_lines(_metadata, init, "load ",
		     "load vfio.ko|load vfio_iommu_type1.ko|load vfio_pci.ko|load upci_test_intx.ko");
	mod = staged(self, "lib/modules/upci_test_intx.ko");
	EXPECT_STREQ("TESTMOD", mod ? mod : "(missing)");
	free(mod);
	free(init);
	free(tk);
}

TEST_F(build, unbuilt_test_module_is_named)
{
	strv_add(&self->scn.test_modules, "upci_test_intx");
	self->spec.test_kmod_dir = "/nonexistent/tk";
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s,
			       "test module 'upci_test_intx' needs /nonexistent/tk/upci_test_intx.ko, which is not built (make test-kmod)"));
	/* without a directory at all */
	buf_free(&self->err);
	self->spec.test_kmod_dir = NULL;
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "which is not built"));
}

TEST_F(build, unknown_scenario_module_is_named)
{
	strv_add(&self->scn.modules, "e1000e");
	EXPECT_EQ(-1, image_build(&self->spec, &self->err));
	EXPECT_NE(NULL, strstr(self->err.s, "'e1000e' is not in modules.dep"));
}

TEST_HARNESS_MAIN
