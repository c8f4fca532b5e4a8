// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM probe against stand-in emulators (shell scripts that exit with a
 * given status, hang, or print QEMU's "KVM internal error" and hang), its
 * kept verdict, and once against the real QEMU and kernel with TCG put in
 * for KVM: the probe image itself must make QEMU exit with the probe code.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_probe.h"

#include "kselftest_harness.h"
#include "unit.h"

#define SHORT_MS 400
#define SLACK_S 3.0

FIXTURE(probe) {
	char *dir, *qemu, *calls, *args;
	struct kvm_probe p;
	struct buf why;
};

/* A stand-in emulator: counts its calls, keeps its argv, then runs @body. */
static void fake_qemu(struct __test_metadata *_metadata,
		      FIXTURE_DATA(probe) *self, const char *body)
{
	char *s = xasprintf("#!/bin/bash\necho x >>'%s'\nprintf '%%s\\n' \"$@\" >'%s'\n%s\n",
			    self->calls, self->args, body);

	ASSERT_EQ(0, write_file(self->qemu, s, strlen(s), 0755));
	free(s);
}

static int calls(FIXTURE_DATA(probe) *self)
{
	char *s = read_file(self->calls, NULL);
	int n = s ? count_lines_starting(s, "x") : 0;

	free(s);
	return n;
}

FIXTURE_SETUP(probe)
{
	self->dir = make_tmpdir("kvmprobe");
	ASSERT_NE(NULL, self->dir);
	self->qemu = xasprintf("%s/qemu", self->dir);
	self->calls = xasprintf("%s/calls", self->dir);
	self->args = xasprintf("%s/args", self->dir);
	self->p = (struct kvm_probe){
		.qemu = self->qemu, .kernel = "/the/kernel",
		.busybox = "/bin/busybox", .workdir = self->dir,
		.kvm_dev = "/dev/null", .timeout_ms = SHORT_MS,
	};
	self->why = (struct buf){ 0 };
}

FIXTURE_TEARDOWN(probe)
{
	rm_rf(self->dir);
	buf_free(&self->why);
	free(self->args);
	free(self->calls);
	free(self->qemu);
	free(self->dir);
}

TEST_F(probe, probe_exit_code_means_usable)
{
	char *args;

	fake_qemu(_metadata, self, "exit 181");
	EXPECT_TRUE(kvm_usable(&self->p, &self->why)) TH_LOG("%s", self->why.s);
	EXPECT_EQ(1, calls(self));
	args = read_file(self->args, NULL);
	ASSERT_NE(NULL, args);
	/* the lab's machine, KVM, and the kernel the VMs boot */
	EXPECT_TRUE(has_line(args, "kvm"));
	EXPECT_TRUE(has_line(args, "q35,kernel-irqchip=split"));
	EXPECT_TRUE(has_line(args, "intel-iommu,intremap=on"));
	EXPECT_TRUE(has_line(args, "/the/kernel"));
	EXPECT_TRUE(has_line(args, "isa-debug-exit,iobase=0xf4,iosize=0x04"));
	free(args);
}

TEST_F(probe, other_exit_code_is_unusable_and_says_so)
{
	fake_qemu(_metadata, self, "exit 1");
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_NE(NULL, strstr(self->why.s, "QEMU exited with status 1 under KVM"))
		TH_LOG("%s", self->why.s);
}

TEST_F(probe, panic_and_poweroff_are_not_the_probe_code)
{
	fake_qemu(_metadata, self, "exit 0");
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_NE(NULL, strstr(self->why.s, "status 0")) TH_LOG("%s", self->why.s);
}

TEST_F(probe, hanging_guest_times_out)
{
	double t0 = now_s();

	fake_qemu(_metadata, self, "exec sleep 100");
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_GE(now_s() - t0, SHORT_MS / 1000.0 - 0.05);
	EXPECT_LT(now_s() - t0, SHORT_MS / 1000.0 + SLACK_S);
	EXPECT_NE(NULL, strstr(self->why.s, "did not reach user space under KVM"))
		TH_LOG("%s", self->why.s);
}

TEST_F(probe, kvm_internal_error_ends_the_wait)
{
	double t0 = now_s();

	self->p.timeout_ms = 60000;
	fake_qemu(_metadata, self, "echo 'KVM internal error. Suberror: 1' >&2\nexec sleep 100");
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_LT(now_s() - t0, SLACK_S);
	EXPECT_NE(NULL, strstr(self->why.s, "KVM internal error")) TH_LOG("%s", self->why.s);
}

TEST_F(probe, missing_device_does_not_run_qemu)
{
	fake_qemu(_metadata, self, "exit 181");
	self->p.kvm_dev = "/nonexistent/kvm";
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(0, calls(self));
	EXPECT_NE(NULL, strstr(self->why.s, "/nonexistent/kvm cannot be opened"));
}

TEST_F(probe, missing_busybox_is_reported)
{
	fake_qemu(_metadata, self, "exit 181");
	self->p.busybox = "/nonexistent/busybox";
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(0, calls(self));
	EXPECT_NE(NULL, strstr(self->why.s, "cannot stage the probe's image"))
		TH_LOG("%s", self->why.s);
}

TEST_F(probe, verdicts_are_kept_for_the_same_inputs)
{
	struct buf why2 = { 0 };

	fake_qemu(_metadata, self, "exit 1");
	EXPECT_FALSE(kvm_usable(&self->p, &self->why));
	EXPECT_FALSE(kvm_usable(&self->p, &why2));
	EXPECT_EQ(1, calls(self));
	EXPECT_NE(NULL, strstr(why2.s, "status 1")) TH_LOG("%s", why2.s);
	EXPECT_NE(NULL, strstr(why2.s, "kept from an earlier probe"));
	buf_free(&why2);

	/* a usable verdict is kept too */
	fake_qemu(_metadata, self, "exit 181");
	self->p.fresh = true;
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	self->p.fresh = false;
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(2, calls(self));
}

TEST_F(probe, fresh_or_other_inputs_probe_again)
{
	fake_qemu(_metadata, self, "exit 181");
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	self->p.fresh = true;
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(2, calls(self));
	self->p.fresh = false;
	self->p.kernel = "/another/kernel";
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(3, calls(self));
}

TEST_F(probe, garbled_verdict_file_is_ignored)
{
	char *path = xasprintf("%s/kvm-probe.verdict", self->dir);

	ASSERT_EQ(0, write_file(path, "junk", 4, 0644));
	fake_qemu(_metadata, self, "exit 181");
	EXPECT_TRUE(kvm_usable(&self->p, &self->why));
	EXPECT_EQ(1, calls(self));
	free(path);
}

/*
 * The real thing, with TCG in for KVM: the probe's own image must get the
 * pinned kernel to /init and make QEMU exit with the probe code.
 */
TEST_F_TIMEOUT(probe, real_qemu_and_kernel_reach_the_probe_exit, 120)
{
	const char *cache = getenv("UPCI_CACHE");
	char *kernel = xasprintf("%s/%s/vmlinux",
				 cache && *cache ? cache : "/var/cache/upci",
				 UPCI_KERNEL_ENTRY);
	char *root = repo_root();
	/* only if it is built: --print-path alone would build it */
	char *script = xasprintf("s='%s/mockdevs/build-qemu.sh'; \"$s\" --check >/dev/null 2>&1 && \"$s\" --print-path 2>/dev/null",
				 root);
	FILE *f = popen(script, "r");
	char real[4096] = "", *body;

	if (f) {
		if (!fgets(real, sizeof(real), f))
			real[0] = '\0';
		pclose(f);
	}
	real[strcspn(real, "\n")] = '\0';
	if (!*real || access(real, X_OK) || access(kernel, R_OK) ||
	    access("/bin/busybox", X_OK)) {
		free(kernel);
		free(root);
		free(script);
		SKIP(return, "needs the lab's QEMU, the unpacked kernel and busybox (make deps qemu)");
	}
	body = xasprintf("a=()\nfor x in \"$@\"; do case $x in\n"
			 "kvm) a+=(tcg) ;; host) a+=(max) ;; q35,kernel-irqchip=split) a+=(q35) ;;\n"
			 "*) a+=(\"$x\") ;; esac; done\nexec '%s' \"${a[@]}\"", real);
	fake_qemu(_metadata, self, body);
	self->p.kernel = kernel;
	self->p.timeout_ms = 90000;
	EXPECT_TRUE(kvm_usable(&self->p, &self->why)) TH_LOG("%s", self->why.s);
	free(body);
	free(kernel);
	free(root);
	free(script);
}

TEST_HARNESS_MAIN
