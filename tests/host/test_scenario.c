// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario file parser: what a valid file turns into, and that every
 * mistake is reported as "FILE:LINE: ..." on the right line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

#include "kselftest_harness.h"
#include "unit.h"

#define PATH "lab/t.scenario"

/* Parse @text, asserting it is accepted; the caller frees @scn. */
static void expect_scenario_ok(struct __test_metadata *_metadata,
			       const char *text, struct scenario *scn)
{
	struct buf err = { 0 };
	int ret = scenario_parse(PATH, text, scn, &err);

	if (ret)
		TH_LOG("unexpected errors for:\n%s\n---\n%s", text, err.s);
	buf_free(&err);
	ASSERT_EQ(0, ret);
}

/*
 * Parse @text, asserting it is refused with a message that starts with
 * "PATH:LINE: " and contains @phrase. Returns the whole error text.
 */
static char *expect_scenario_error(struct __test_metadata *_metadata,
				   const char *text, int line,
				   const char *phrase)
{
	struct scenario scn;
	struct buf err = { 0 };
	char prefix[64];
	int ret = scenario_parse(PATH, text, &scn, &err);

	snprintf(prefix, sizeof(prefix), "%s:%d: ", PATH, line);
	scenario_free(&scn);
	if (ret != -1 || !line_has(err.s, prefix, phrase))
		TH_LOG("want -1 and '%s...%s...' for:\n%s\n--- got %d:\n%s",
		       prefix, phrase, text, ret, err.s ? err.s : "(nothing)");
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(line_has(err.s, prefix, phrase));
	return err.s ? err.s : xstrdup("");
}

static void expect_scenario_error_free(struct __test_metadata *_metadata,
				       const char *text, int line,
				       const char *phrase)
{
	free(expect_scenario_error(_metadata, text, line, phrase));
}

/* A device line with @opt, then a test: the error is on line 1. */
static void expect_bad_device_option(struct __test_metadata *_metadata,
				     const char *opt, const char *phrase)
{
	char *text = xasprintf("device d1 edu %s\ntest t\n", opt);

	expect_scenario_error_free(_metadata, text, 1, phrase);
	free(text);
}

/* Write @len bytes to a temp file and scenario_load() it. */
static int load_bytes(const char *bytes, size_t len, struct scenario *scn,
		      struct buf *err, char **path)
{
	char *dir = make_tmpdir("scn");
	int ret;

	*scn = (struct scenario){ 0 };
	*path = xasprintf("%s/nul.scenario", dir);
	if (write_file(*path, bytes, len, 0644))
		return -2;
	ret = scenario_load(*path, scn, err);
	unlink(*path);
	rmdir(dir);
	free(dir);
	return ret;
}

/* ---- valid files ---- */

TEST(all_directives_fill_their_fields)
{
	static const char text[] =
		"# a comment, then a blank line\n"
		"\n"
		"name     myscn\n"
		"description  two words  here   \n"
		"driver vfio-pci upci\n"
		"cmdline loglevel=8\n"
		"cmdline\tiommu.strict=1  foo=bar\n"
		"memory 1G\n"
		"cpus 4\n"
		"vm-timeout 300\n"
		"modules e1000e virtio_net\n"
		"device br pcie-pci-bridge addr=05.0\n"
		"device d1 edu bus=br addr=03.0 multifunction=on x-foo=1 romsize=4096\n"
		"device d2 edu bus=br addr=03.1\n"
		"bind d1 d2\n"
		"test t1\n"
		"test t2 timeout=5\n";
	struct scenario scn;
	struct scn_device *d1, *d2;

	expect_scenario_ok(_metadata, text, &scn);
	EXPECT_STREQ(PATH, scn.path);
	EXPECT_STREQ("myscn", scn.name);
	EXPECT_STREQ("two words  here", scn.description);
	ASSERT_EQ(2, scn.ndrivers);
	EXPECT_STREQ("vfio-pci", scn.drivers[0]);
	EXPECT_STREQ("upci", scn.drivers[1]);
	EXPECT_STREQ("loglevel=8 iommu.strict=1  foo=bar", scn.cmdline.s);
	EXPECT_STREQ("1G", scn.memory);
	EXPECT_EQ(4, scn.cpus);
	EXPECT_EQ(300, scn.vm_timeout_s);
	EXPECT_EQ(300, scenario_vm_timeout(&scn));
	ASSERT_EQ(2, scn.modules.n);
	EXPECT_STREQ("e1000e", scn.modules.v[0]);
	EXPECT_STREQ("virtio_net", scn.modules.v[1]);
	ASSERT_EQ(3, scn.ndevs);
	EXPECT_STREQ("br", scn.devs[0].id);
	EXPECT_STREQ("pcie-pci-bridge", scn.devs[0].model);
	EXPECT_NULL(scn.devs[0].bus);
	EXPECT_EQ(5, scn.devs[0].slot);
	EXPECT_FALSE(scn.devs[0].bind);
	EXPECT_EQ(12, scn.devs[0].line);
	d1 = scenario_device(&scn, "d1");
	d2 = scenario_device(&scn, "d2");
	ASSERT_NE(NULL, d1);
	ASSERT_NE(NULL, d2);
	EXPECT_STREQ("edu", d1->model);
	EXPECT_STREQ("br", d1->bus);
	EXPECT_EQ(3, d1->slot);
	EXPECT_EQ(0, d1->fn);
	EXPECT_TRUE(d1->multifunction);
	ASSERT_EQ(2, d1->opts.n);
	EXPECT_STREQ("x-foo=1", d1->opts.v[0]);
	EXPECT_STREQ("romsize=4096", d1->opts.v[1]);
	EXPECT_TRUE(d1->bind);
	EXPECT_EQ(13, d1->line);
	EXPECT_EQ(3, d2->slot);
	EXPECT_EQ(1, d2->fn);
	EXPECT_FALSE(d2->multifunction);
	EXPECT_EQ(0, d2->opts.n);
	EXPECT_TRUE(d2->bind);
	ASSERT_EQ(2, scn.ntests);
	EXPECT_STREQ("t1", scn.tests[0].name);
	EXPECT_EQ(SCN_DEFAULT_TEST_TIMEOUT, scn.tests[0].timeout_s);
	EXPECT_EQ(16, scn.tests[0].line);
	EXPECT_STREQ("t2", scn.tests[1].name);
	EXPECT_EQ(5, scn.tests[1].timeout_s);
	EXPECT_EQ(17, scn.tests[1].line);
	scenario_free(&scn);
}

TEST(defaults_name_from_file_and_driver_none)
{
	struct scenario scn;
	struct buf err = { 0 };

	ASSERT_EQ(0, scenario_parse("some/dir/my.lab.scenario", "test t\n",
				    &scn, &err));
	EXPECT_STREQ("my.lab", scn.name);
	EXPECT_NULL(scn.description);
	ASSERT_EQ(1, scn.ndrivers);
	EXPECT_STREQ("none", scn.drivers[0]);
	EXPECT_STREQ(SCN_DEFAULT_MEMORY, scn.memory);
	EXPECT_EQ(1, scn.cpus);
	EXPECT_EQ(0, scn.vm_timeout_s);
	EXPECT_EQ(0, scn.cmdline.len);
	EXPECT_EQ(0, scn.modules.n);
	EXPECT_EQ(0, scn.ndevs);
	/* 120 s for boot and teardown, plus each test's timeout */
	EXPECT_EQ(120 + SCN_DEFAULT_TEST_TIMEOUT, scenario_vm_timeout(&scn));
	EXPECT_EQ(NULL, err.s);
	scenario_free(&scn);
}

TEST(name_directive_overrides_file_name)
{
	struct scenario scn;
	struct buf err = { 0 };

	ASSERT_EQ(0, scenario_parse("x/file.scenario", "name other\ntest t\n",
				    &scn, &err));
	EXPECT_STREQ("other", scn.name);
	scenario_free(&scn);
	ASSERT_EQ(0, scenario_parse("noext", "test t\n", &scn, &err));
	EXPECT_STREQ("noext", scn.name);
	scenario_free(&scn);
}

TEST(scaled_timeouts_reach_tests_vm_and_guest)
{
	struct scenario scn;

	expect_scenario_ok(_metadata, "test a timeout=30\ntest b\n", &scn);
	scenario_scale_timeouts(&scn, 8);
	EXPECT_EQ(240, scn.tests[0].timeout_s);
	EXPECT_EQ(8 * SCN_DEFAULT_TEST_TIMEOUT, scn.tests[1].timeout_s);
	EXPECT_EQ(8 * (120 + 30 + SCN_DEFAULT_TEST_TIMEOUT), scenario_vm_timeout(&scn));
	ASSERT_EQ(1, scn.env.n);
	EXPECT_STREQ("UPCILAB_TIMEOUT_SCALE=8", scn.env.v[0]);
	scenario_free(&scn);

	expect_scenario_ok(_metadata, "vm-timeout 300\ntest a\n", &scn);
	scenario_scale_timeouts(&scn, 3);
	EXPECT_EQ(900, scenario_vm_timeout(&scn));
	scenario_free(&scn);
}

TEST(vm_timeout_sums_test_timeouts)
{
	struct scenario scn;

	expect_scenario_ok(_metadata,
			   "test a timeout=30\ntest b timeout=45\ntest c\n", &scn);
	EXPECT_EQ(120 + 30 + 45 + SCN_DEFAULT_TEST_TIMEOUT,
		  scenario_vm_timeout(&scn));
	scenario_free(&scn);
}

TEST(crlf_tabs_and_comments_are_tolerated)
{
	struct scenario scn;

	expect_scenario_ok(_metadata,
			   "  # indented comment\r\n"
			   "\t\r\n"
			   "device\td1\tedu\taddr=03.0\r\n"
			   "test   t   timeout=7\r\n", &scn);
	ASSERT_EQ(1, scn.ndevs);
	EXPECT_STREQ("d1", scn.devs[0].id);
	EXPECT_EQ(3, scn.devs[0].slot);
	EXPECT_EQ(3, scn.devs[0].line);
	ASSERT_EQ(1, scn.ntests);
	EXPECT_STREQ("t", scn.tests[0].name);
	EXPECT_EQ(7, scn.tests[0].timeout_s);
	scenario_free(&scn);
}

TEST(bind_may_precede_the_device)
{
	struct scenario scn;

	expect_scenario_ok(_metadata,
			   "driver vfio-pci\nbind late\ndevice late edu\ntest t\n",
			   &scn);
	ASSERT_EQ(1, scn.ndevs);
	EXPECT_TRUE(scn.devs[0].bind);
	scenario_free(&scn);
}

TEST(longest_allowed_line_is_accepted)
{
	char *text = xmalloc(4096 + 16);
	struct scenario scn;

	text[0] = '#';
	memset(text + 1, 'x', 4094);		/* 4095 characters */
	strcpy(text + 4095, "\ntest t\n");
	expect_scenario_ok(_metadata, text, &scn);
	scenario_free(&scn);
	free(text);
}

TEST(every_shipped_scenario_parses)
{
	char *root = repo_root();
	char *pattern = xasprintf("%s/tests/scenarios/*.scenario", root);
	glob_t g;

	ASSERT_EQ(0, glob(pattern, 0, NULL, &g));
	EXPECT_GT(g.gl_pathc, 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct scenario scn;
		struct buf err = { 0 };
		int ret = scenario_load(g.gl_pathv[i], &scn, &err);

		if (ret)
			TH_LOG("%s", err.s);
		EXPECT_EQ(0, ret);
		EXPECT_GT(scn.ntests, 0);
		scenario_free(&scn);
		buf_free(&err);
	}
	globfree(&g);
	free(pattern);
	free(root);
}

/* ---- malformed files: one message per problem, on the right line ---- */

TEST(unknown_directive)
{
	expect_scenario_error_free(_metadata, "test t\nfoo bar\n", 2,
				   "unknown directive 'foo'");
	expect_scenario_error_free(_metadata, "test t\n\n\nDevice d1 edu\n", 4,
				   "unknown directive 'Device'");
}

TEST(missing_arguments)
{
	expect_scenario_error_free(_metadata, "test t\nmemory\n", 2,
				   "'memory' needs an argument");
	expect_scenario_error_free(_metadata, "test t\ndevice d1\n", 2,
				   "'device' needs more arguments");
	expect_scenario_error_free(_metadata, "test t\nbind\n", 2,
				   "'bind' needs an argument");
	expect_scenario_error_free(_metadata, "test\n", 1,
				   "'test' needs an argument");
	expect_scenario_error_free(_metadata, "test t\ndriver\n", 2,
				   "'driver' needs an argument");
}

TEST(too_many_arguments)
{
	expect_scenario_error_free(_metadata, "test t\ncpus 2 3\n", 2,
				   "'cpus' takes 1 argument, got 2");
	expect_scenario_error_free(_metadata, "test t timeout=5 extra\n", 1,
				   "'test' takes 2 arguments, got 3");
	expect_scenario_error_free(_metadata, "test t\nname a b\n", 2,
				   "'name' takes 1 argument");
	expect_scenario_error_free(_metadata,
				   "test t\ndriver none upci vfio-pci none upci\n",
				   2, "'driver' takes 4 arguments, got 5");
}

TEST(more_than_64_words)
{
	struct buf text = { 0 };

	buf_addf(&text, "test t\nmodules");
	for (int i = 0; i < 64; i++)
		buf_addf(&text, " m%d", i);
	buf_addf(&text, "\n");
	expect_scenario_error_free(_metadata, text.s, 2, "more than 64 words");
	buf_free(&text);
}

TEST(bad_identifiers)
{
	expect_scenario_error_free(_metadata, "device 1dev edu\ntest t\n", 1,
				   "bad device id '1dev'");
	expect_scenario_error_free(_metadata, "device d.1 edu\ntest t\n", 1,
				   "bad device id 'd.1'");
	expect_scenario_error_free(_metadata, "device d1 ed,u\ntest t\n", 1,
				   "bad device model 'ed,u'");
	expect_scenario_error_free(_metadata, "test ../evil\n", 1,
				   "bad test name '../evil'");
	expect_scenario_error_free(_metadata, "test t\nname a/b\n", 2,
				   "bad name 'a/b'");
	expect_scenario_error_free(_metadata, "test t\nmodules ok ../x\n", 2,
				   "bad module name '../x'");
}

TEST(duplicate_device_id)
{
	expect_scenario_error_free(_metadata,
				   "device d1 edu\ntest t\ndevice d1 e1000e\n", 3,
				   "device id 'd1' is already used");
}

FIXTURE(bad_addr) {};
FIXTURE_SETUP(bad_addr) {}
FIXTURE_TEARDOWN(bad_addr) {}
FIXTURE_VARIANT(bad_addr) {
	const char *addr;
};
FIXTURE_VARIANT_ADD(bad_addr, slot_over_1f) { .addr = "20.0" };
FIXTURE_VARIANT_ADD(bad_addr, fn_over_7) { .addr = "01.8" };
FIXTURE_VARIANT_ADD(bad_addr, no_dot) { .addr = "01" };
FIXTURE_VARIANT_ADD(bad_addr, no_function) { .addr = "01." };
FIXTURE_VARIANT_ADD(bad_addr, no_slot) { .addr = ".1" };
FIXTURE_VARIANT_ADD(bad_addr, not_hex) { .addr = "zz.0" };
FIXTURE_VARIANT_ADD(bad_addr, trailing_junk) { .addr = "01.0.0" };
FIXTURE_VARIANT_ADD(bad_addr, negative_fn) { .addr = "01.-1" };

TEST_F(bad_addr, is_refused)
{
	char *opt = xasprintf("addr=%s", variant->addr);
	char *phrase = xasprintf("bad addr '%s'", variant->addr);

	expect_bad_device_option(_metadata, opt, phrase);
	free(opt);
	free(phrase);
}

TEST(option_values_cannot_inject_qemu_options)
{
	expect_bad_device_option(_metadata, "x-foo=a,b", "no commas, quotes or spaces");
	expect_bad_device_option(_metadata, "x-foo=\"a\"", "no commas, quotes or spaces");
	expect_bad_device_option(_metadata, "x-foo='a'", "no commas, quotes or spaces");
	expect_bad_device_option(_metadata, "x-foo=a\\,b", "no commas, quotes or spaces");
	expect_bad_device_option(_metadata, "bus=pbr,multifunction=on",
				 "bad option 'bus=pbr,multifunction=on'");
	expect_bad_device_option(_metadata, "addr=01.0,id=x", "bad option");
	expect_bad_device_option(_metadata, "x-foo=", "bad option 'x-foo='");
	expect_bad_device_option(_metadata, "1key=v", "bad option '1key=v'");
}

TEST(option_syntax_errors)
{
	expect_bad_device_option(_metadata, "justaword", "expected key=value, got 'justaword'");
	expect_bad_device_option(_metadata, "=v", "expected key=value, got '=v'");
	expect_bad_device_option(_metadata, "id=d2", "the device id is the second word");
	expect_bad_device_option(_metadata, "multifunction=yes",
				 "multifunction must be on or off");
	expect_scenario_error_free(_metadata,
				   "device b1 pcie-pci-bridge\ndevice b2 pcie-pci-bridge\n"
				   "device d1 edu bus=b1 bus=b2\ntest t\n",
				   3, "'bus' given twice");
}

/* As for 'bus': a second addr= is a mistake, not an override. */
TEST(addr_given_twice)
{
	expect_bad_device_option(_metadata, "addr=01.0 addr=02.0", "'addr' given twice");
}

TEST(cmdline_cannot_hold_quotes)
{
	expect_scenario_error_free(_metadata, "test t\ncmdline a=\"b c\"\n", 2,
				   "cmdline must not contain quotes or backslashes");
	expect_scenario_error_free(_metadata, "test t\ncmdline a='b'\n", 2,
				   "cmdline must not contain quotes");
	expect_scenario_error_free(_metadata, "test t\ncmdline a=\\n\n", 2,
				   "cmdline must not contain quotes or backslashes");
}

TEST(unknown_driver)
{
	expect_scenario_error_free(_metadata, "test t\ndriver vfio\n", 2,
				   "unknown driver 'vfio' (known: vfio-pci, upci, upci-vfio, none)");
	expect_scenario_error_free(_metadata, "test t\ndriver upci nouveau\n", 2,
				   "unknown driver 'nouveau'");
}

TEST(viommu_defaults_to_intel_and_lists_in_order)
{
	struct scenario scn;

	expect_scenario_ok(_metadata, "test t\n", &scn);
	ASSERT_EQ(1, scn.nviommus);
	EXPECT_STREQ("intel-iommu", scn.viommus[0]);
	scenario_free(&scn);
	expect_scenario_ok(_metadata, "viommu virtio-iommu amd-iommu\ntest t\n", &scn);
	ASSERT_EQ(2, scn.nviommus);
	EXPECT_STREQ("virtio-iommu", scn.viommus[0]);
	EXPECT_STREQ("amd-iommu", scn.viommus[1]);
	scenario_free(&scn);
}

TEST(bad_viommu_lines)
{
	expect_scenario_error_free(_metadata, "test t\nviommu smmuv3\n", 2,
				   "unknown viommu 'smmuv3' (known: intel-iommu, amd-iommu, virtio-iommu)");
	expect_scenario_error_free(_metadata, "viommu amd-iommu amd-iommu\ntest t\n", 1,
				   "viommu 'amd-iommu' listed twice");
	expect_scenario_error_free(_metadata, "viommu amd-iommu\ntest t\nviommu intel-iommu\n",
				   3, "'viommu' given twice");
	expect_scenario_error_free(_metadata, "viommu\ntest t\n", 1, "viommu");
	expect_scenario_error_free(_metadata,
				   "viommu intel-iommu amd-iommu virtio-iommu intel-iommu\ntest t\n",
				   1, "viommu");
}

TEST(driver_given_twice)
{
	expect_scenario_error_free(_metadata,
				   "driver upci\ntest t\ndriver vfio-pci\n", 3,
				   "'driver' given twice");
	expect_scenario_error_free(_metadata, "driver upci vfio-pci upci\ntest t\n",
				   1, "driver 'upci' listed twice");
}

TEST(single_valued_directives_given_twice)
{
	expect_scenario_error_free(_metadata, "name a\ntest t\nname b\n", 3,
				   "'name' given twice");
	expect_scenario_error_free(_metadata, "description a\ndescription b\ntest t\n",
				   2, "'description' given twice");
	expect_scenario_error_free(_metadata, "memory 1G\nmemory 2G\ntest t\n", 2,
				   "'memory' given twice");
}

TEST(duplicate_test)
{
	expect_scenario_error_free(_metadata, "test a\ntest b\n\ntest a timeout=3\n",
				   4, "test 'a' is listed twice (first on line 1)");
}

TEST(bad_test_timeouts)
{
	static const char *const bad[] = {
		"timeout=0", "timeout=-1", "timeout=abc", "timeout=", "timeout=5s",
		"timeout=86401", "time=5", "5",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = xasprintf("test ok\ntest t %s\n", bad[i]);
		char *phrase = xasprintf("expected timeout=SECONDS (1-86400), got '%s'",
					 bad[i]);

		expect_scenario_error_free(_metadata, text, 2, phrase);
		free(text);
		free(phrase);
	}
}

TEST(no_test_line)
{
	expect_scenario_error_free(_metadata, "driver none\n", 1,
				   "no 'test' line");
	expect_scenario_error_free(_metadata, "", 1, "no 'test' line");
}

TEST(bind_to_unknown_device)
{
	expect_scenario_error_free(_metadata,
				   "driver vfio-pci\ndevice d1 edu\nbind d1 ghost\ntest t\n",
				   3, "bind: no device 'ghost'");
}

TEST(bind_to_a_bridge_or_port)
{
	expect_scenario_error_free(_metadata,
				   "driver vfio-pci\ndevice br pcie-pci-bridge\nbind br\ntest t\n",
				   3, "bind: 'br' is a bridge or port, not an endpoint");
	expect_scenario_error_free(_metadata,
				   "driver vfio-pci\ndevice rp ioh3420\ntest t\nbind rp\n",
				   4, "bind: 'rp' is a bridge or port");
}

TEST(bind_listed_twice)
{
	expect_scenario_error_free(_metadata,
				   "driver upci\ndevice d1 edu\nbind d1\nbind d1\ntest t\n",
				   4, "bind: 'd1' listed twice");
}

TEST(test_modules_and_bind_host)
{
	struct scenario scn;

	expect_scenario_ok(_metadata,
			   "driver vfio-pci\n"
			   "bind-host upci_test_intx h1 h2\n"
			   "device u1 mockdma\ndevice h1 mockdma\ndevice h2 edu\n"
			   "test-module upci_test_intx other_mod\n"
			   "bind u1\ntest t\n", &scn);
	ASSERT_EQ(2, scn.test_modules.n);
	EXPECT_STREQ("upci_test_intx", scn.test_modules.v[0]);
	EXPECT_STREQ("other_mod", scn.test_modules.v[1]);
	/* kernel modules stay separate */
	EXPECT_EQ(0, scn.modules.n);
	EXPECT_TRUE(scenario_device(&scn, "u1")->bind);
	EXPECT_EQ(NULL, scenario_device(&scn, "u1")->host_driver);
	EXPECT_FALSE(scenario_device(&scn, "h1")->bind);
	EXPECT_STREQ("upci_test_intx", scenario_device(&scn, "h1")->host_driver);
	EXPECT_STREQ("upci_test_intx", scenario_device(&scn, "h2")->host_driver);
	scenario_free(&scn);
	/* with no driver under test, devices can still go to a host driver */
	expect_scenario_ok(_metadata, "device h1 edu\nbind-host drv h1\ntest t\n", &scn);
	EXPECT_STREQ("drv", scenario_device(&scn, "h1")->host_driver);
	scenario_free(&scn);
}

TEST(test_module_and_bind_host_errors)
{
	expect_scenario_error_free(_metadata, "test-module\ntest t\n", 1,
				   "'test-module' needs an argument");
	expect_scenario_error_free(_metadata, "test-module a/b\ntest t\n", 1,
				   "bad module name 'a/b'");
	expect_scenario_error_free(_metadata, "test-module m\ntest-module m\ntest t\n", 2,
				   "test module 'm' listed twice");
	expect_scenario_error_free(_metadata, "device d edu\nbind-host drv\ntest t\n", 2,
				   "'bind-host' needs more arguments");
	expect_scenario_error_free(_metadata, "device d edu\nbind-host ../x d\ntest t\n", 2,
				   "bad driver name '../x'");
	expect_scenario_error_free(_metadata, "bind-host drv ghost\ntest t\n", 1,
				   "bind-host: no device 'ghost'");
	expect_scenario_error_free(_metadata,
				   "device rp pcie-root-port\nbind-host drv rp\ntest t\n", 2,
				   "bind-host: 'rp' is a bridge or port, not an endpoint");
	expect_scenario_error_free(_metadata,
				   "driver upci\ndevice d edu\nbind d\nbind-host drv d\ntest t\n",
				   4, "bind-host: 'd' is already bound to the driver under test");
	expect_scenario_error_free(_metadata,
				   "driver upci\ndevice d edu\nbind-host drv d\nbind d\ntest t\n",
				   4, "bind: 'd' is already bound to drv");
	expect_scenario_error_free(_metadata,
				   "device d edu\nbind-host a d\nbind-host b d\ntest t\n",
				   3, "bind-host: 'd' is already bound to a");
}

/* The message must point at the bind line, not at the end of the file. */
TEST(bind_with_driver_none)
{
	expect_scenario_error_free(_metadata,
				   "device d1 edu\nbind d1\ntest t\n# end\n", 2,
				   "'bind' needs a 'driver' other than none");
	expect_scenario_error_free(_metadata,
				   "driver none\ndevice d1 edu\nbind d1\ntest t\n", 3,
				   "'bind' needs a 'driver' other than none");
}

TEST(bad_memory)
{
	static const char *const bad[] = {
		"lots", "512K", "512MB", "512m", "1234567M", "M", "-1G", "1.5G",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = xasprintf("test t\nmemory %s\n", bad[i]);
		char *phrase = xasprintf("bad memory size '%s'", bad[i]);

		expect_scenario_error_free(_metadata, text, 2, phrase);
		free(text);
		free(phrase);
	}
}

TEST(cpus_out_of_range)
{
	static const char *const bad[] = { "0", "9", "-1", "two", "2x" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = xasprintf("test t\ncpus %s\n", bad[i]);
		char *phrase = xasprintf("cpus must be 1-8, got '%s'", bad[i]);

		expect_scenario_error_free(_metadata, text, 2, phrase);
		free(text);
		free(phrase);
	}
}

TEST(bad_vm_timeout)
{
	expect_scenario_error_free(_metadata, "test t\nvm-timeout 0\n", 2,
				   "vm-timeout must be 1-86400 seconds, got '0'");
	expect_scenario_error_free(_metadata, "test t\nvm-timeout soon\n", 2,
				   "vm-timeout must be 1-86400 seconds");
}

TEST(modparams_are_kept_per_module)
{
	struct scenario scn;
	char *p;

	expect_scenario_ok(_metadata,
			   "modparam upci vfio_compat=1 dma_entry_limit=10\n"
			   "modparam vfio_iommu_type1 allow_unsafe_interrupts=0\n"
			   "modparam upci extra=x\n"
			   "test t\n", &scn);
	p = scenario_modparams(&scn, "upci");
	EXPECT_STREQ("vfio_compat=1 dma_entry_limit=10 extra=x", p);
	free(p);
	p = scenario_modparams(&scn, "vfio-iommu-type1");	/* '-' is '_' */
	EXPECT_STREQ("allow_unsafe_interrupts=0", p);
	free(p);
	p = scenario_modparams(&scn, "upc");	/* a prefix is another module */
	EXPECT_STREQ("", p);
	free(p);
	scenario_free(&scn);
}

TEST(env_is_kept_in_order)
{
	struct scenario scn;

	expect_scenario_ok(_metadata, "env A=1 B_2=/dev/vfio\nenv C=x\ntest t\n", &scn);
	ASSERT_EQ(3, scn.env.n);
	EXPECT_STREQ("A=1", scn.env.v[0]);
	EXPECT_STREQ("B_2=/dev/vfio", scn.env.v[1]);
	EXPECT_STREQ("C=x", scn.env.v[2]);
	scenario_free(&scn);
}

TEST(env_errors)
{
	expect_scenario_error_free(_metadata, "env\ntest t\n", 1, "needs an argument");
	expect_scenario_error_free(_metadata, "env NOVALUE\ntest t\n", 1,
				   "expected NAME=value without shell characters");
	expect_scenario_error_free(_metadata, "env =x\ntest t\n", 1, "expected NAME=value");
	expect_scenario_error_free(_metadata, "env 1A=x\ntest t\n", 1, "expected NAME=value");
	expect_scenario_error_free(_metadata, "env A=$(reboot)\ntest t\n", 1,
				   "without shell characters");
	expect_scenario_error_free(_metadata, "env A=x;y\ntest t\n", 1,
				   "without shell characters");
}

TEST(modparam_errors)
{
	expect_scenario_error_free(_metadata, "modparam upci\ntest t\n", 1,
				   "needs more arguments");
	expect_scenario_error_free(_metadata, "modparam upci novalue\ntest t\n", 1,
				   "expected parameter=value for module 'upci'");
	expect_scenario_error_free(_metadata, "modparam upci a=b,c\ntest t\n", 1,
				   "expected parameter=value");
	expect_scenario_error_free(_metadata, "modparam upci Bad-Key=1\ntest t\n", 1,
				   "expected parameter=value");
	expect_scenario_error_free(_metadata, "modparam upci a=\ntest t\n", 1,
				   "expected parameter=value");
	expect_scenario_error_free(_metadata, "modparam 9x a=1\ntest t\n", 1,
				   "bad module name '9x'");
}

TEST(several_errors_are_all_reported)
{
	char *err = expect_scenario_error(_metadata,
					  "test t\n"
					  "frobnicate\n"
					  "cpus 99\n"
					  "device d1 edu addr=40.0\n"
					  "test t\n"
					  "bind nobody\n",
					  2, "unknown directive");

	EXPECT_TRUE(line_has(err, PATH ":3: ", "cpus must be 1-8"));
	EXPECT_TRUE(line_has(err, PATH ":4: ", "bad addr '40.0'"));
	EXPECT_TRUE(line_has(err, PATH ":5: ", "listed twice"));
	EXPECT_TRUE(line_has(err, PATH ":6: ", "no device 'nobody'"));
	EXPECT_TRUE(line_has(err, PATH ":6: ", "needs a 'driver' other than none"));
	EXPECT_EQ(6, count_lines_starting(err, PATH ":"));
	free(err);
}

TEST(line_too_long)
{
	char *text = xmalloc(8192);

	strcpy(text, "test t\n#");
	memset(text + 8, 'x', 4095);		/* a 4096-character line 2 */
	strcpy(text + 8 + 4095, "\ncpus 0\n");
	/* the long line is reported, and parsing goes on after it */
	free(expect_scenario_error(_metadata, text, 2,
				   "line longer than 4095 characters"));
	expect_scenario_error_free(_metadata, text, 3, "cpus must be 1-8");
	free(text);
}

/*
 * scenario_parse() takes a C string, so a NUL byte can only come from a
 * file: scenario_load() must not silently drop what follows it.
 */
TEST(embedded_nul_byte_is_reported)
{
	static const char bytes[] = "test t\n\0device d1 edu\ntest u\n";
	struct scenario scn;
	struct buf err = { 0 };
	char *path, *prefix;
	int ret = load_bytes(bytes, sizeof(bytes) - 1, &scn, &err, &path);

	prefix = xasprintf("%s:2: ", path);
	if (ret != -1 || !line_has(err.s, prefix, "NUL"))
		TH_LOG("want -1 and '%s...NUL...', got %d: %s (tests parsed: %zu)",
		       prefix, ret, err.s ? err.s : "(no error)", scn.ntests);
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(line_has(err.s, prefix, "NUL"));
	scenario_free(&scn);
	buf_free(&err);
	free(prefix);
	free(path);
}

TEST(load_of_missing_file)
{
	struct scenario scn;
	struct buf err = { 0 };

	EXPECT_EQ(-1, scenario_load("/nonexistent/dir/x.scenario", &scn, &err));
	EXPECT_TRUE(line_has(err.s, "/nonexistent/dir/x.scenario: ", "cannot read"));
	EXPECT_NE(NULL, strstr(err.s, strerror(ENOENT)));
	EXPECT_STREQ("/nonexistent/dir/x.scenario", scn.path);
	EXPECT_EQ(0, scn.ntests);
	scenario_free(&scn);
	buf_free(&err);
}

TEST(topology_errors_come_through_the_parser)
{
	expect_scenario_error_free(_metadata,
				   "device d1 edu bus=nowhere\ntest t\n", 1,
				   "bus 'nowhere' is not a declared bridge or port");
}

/* ---- host-root and link ---- */

TEST(host_root_adds_a_9p_device_and_its_modules)
{
	struct scenario scn;
	struct buf err = { 0 };
	struct scn_device *d;

	ASSERT_EQ(0, scenario_parse(PATH, "host-root\ntest t\n", &scn, &err)) TH_LOG("%s", err.s);
	EXPECT_TRUE(scn.host_root);
	d = scenario_device(&scn, "hostroot");
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("virtio-9p-pci", d->model);
	ASSERT_EQ(2, d->opts.n);
	EXPECT_STREQ("fsdev=hostroot", d->opts.v[0]);
	EXPECT_STREQ("mount_tag=hostroot", d->opts.v[1]);
	ASSERT_EQ(2, scn.modules.n);
	EXPECT_STREQ("9pnet_virtio", scn.modules.v[0]);
	EXPECT_STREQ("9p", scn.modules.v[1]);
	scenario_free(&scn);
	buf_free(&err);
}

TEST(tcg_single_thread_takes_nothing_and_once)
{
	struct scenario scn;
	struct buf err = { 0 };

	ASSERT_EQ(0, scenario_parse(PATH, "test t\n", &scn, &err));
	EXPECT_FALSE(scn.tcg_single_thread);
	scenario_free(&scn);
	ASSERT_EQ(0, scenario_parse(PATH, "tcg-single-thread\ntest t\n", &scn, &err)) TH_LOG("%s", err.s);
	EXPECT_TRUE(scn.tcg_single_thread);
	scenario_free(&scn);
	buf_free(&err);
	expect_scenario_error_free(_metadata, "tcg-single-thread yes\ntest t\n", 1,
				   "'tcg-single-thread' takes no arguments");
	expect_scenario_error_free(_metadata, "tcg-single-thread\ntcg-single-thread\ntest t\n", 2,
				   "'tcg-single-thread' given twice");
}

TEST(host_root_takes_nothing_and_once)
{
	expect_scenario_error_free(_metadata, "test t\nhost-root /\n", 2,
				   "'host-root' takes no arguments");
	expect_scenario_error_free(_metadata, "host-root\ntest t\nhost-root\n", 3,
				   "'host-root' given twice");
	expect_scenario_error_free(_metadata, "device hostroot edu\nhost-root\ntest t\n", 2,
				   "hostroot");
}

TEST(link_puts_two_devices_on_one_hub)
{
	struct scenario scn;
	struct buf err = { 0 };

	ASSERT_EQ(0, scenario_parse(PATH, "link a b\ndevice a e1000e\ndevice b e1000e\n"
				    "device c e1000e\ndevice d e1000e\nlink d c\ntest t\n",
				    &scn, &err)) TH_LOG("%s", err.s);
	EXPECT_EQ(0, scenario_device(&scn, "a")->hub);
	EXPECT_EQ(0, scenario_device(&scn, "b")->hub);
	EXPECT_EQ(1, scenario_device(&scn, "c")->hub);
	EXPECT_EQ(1, scenario_device(&scn, "d")->hub);
	scenario_free(&scn);
	buf_free(&err);
}

TEST(link_errors_name_the_line)
{
	expect_scenario_error_free(_metadata, "device a e1000e\nlink a\ntest t\n", 2,
				   "'link'");
	expect_scenario_error_free(_metadata, "device a e1000e\nlink a zz\ntest t\n", 2,
				   "link: no device 'zz'");
	expect_scenario_error_free(_metadata, "device a e1000e\nlink a a\ntest t\n", 2,
				   "link: 'a' cannot be linked to itself");
	expect_scenario_error_free(_metadata,
				   "device a e1000e\ndevice b e1000e\ndevice c e1000e\n"
				   "link a b\nlink c a\ntest t\n", 5,
				   "link: 'a' is already linked");
}

TEST(stage_lists_modules_to_stage_unloaded)
{
	struct scenario scn;
	struct buf err = { 0 };

	ASSERT_EQ(0, scenario_parse(PATH, "stage vfio vfio_iommu_type1\ntest t\n", &scn, &err));
	ASSERT_EQ(2, scn.staged.n);
	EXPECT_STREQ("vfio", scn.staged.v[0]);
	EXPECT_EQ(0, scn.modules.n);
	scenario_free(&scn);
	buf_free(&err);
	expect_scenario_error_free(_metadata, "test t\nstage\n", 2, "'stage'");
	expect_scenario_error_free(_metadata, "test t\nstage ../x\n", 2, "bad module name '../x'");
}

TEST_HARNESS_MAIN
