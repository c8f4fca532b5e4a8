// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "kvm_probe.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "qemu_cmd.h"

#define DEBUG_EXIT_PORT 0xf4
#define PROBE_VALUE 0x5a
/* isa-debug-exit makes QEMU exit with (value << 1) | 1 */
#define PROBE_EXIT_CODE ((PROBE_VALUE << 1) | 1)
#define POLL_MS 10
#define BOOT_ID "/proc/sys/kernel/random/boot_id"
#define VERDICT_OK "usable"

/* /dev/port offset N is I/O port N: PROBE_VALUE written there ends QEMU. */
static char *probe_init(void)
{
	return xasprintf("#!/bin/busybox sh\n"
			 "/bin/busybox mount -t devtmpfs dev /dev\n"
			 "/bin/busybox printf '\\%03o' | /bin/busybox dd of=/dev/port bs=1 seek=%d count=1\n"
			 "/bin/busybox poweroff -f\n",
			 PROBE_VALUE, DEBUG_EXIT_PORT);
}

static int build_image(const struct kvm_probe *p, const char *img,
		       struct buf *why)
{
	char *stage = xasprintf("%s/kvm-probe", p->workdir);
	char *bin = xasprintf("%s/bin", stage);
	char *bb = xasprintf("%s/busybox", bin);
	char *dev = xasprintf("%s/dev", stage);
	char *init = xasprintf("%s/init", stage);
	char *script = probe_init();
	struct buf err = { 0 };
	int ret;

	ret = rm_rf(stage);
	if (!ret)
		ret = mkdir_p(bin);
	if (!ret)
		ret = mkdir_p(dev);
	if (!ret)
		ret = copy_file(p->busybox, bb, 0755);
	if (!ret)
		ret = write_file(init, script, strlen(script), 0755);
	if (ret)
		buf_addf(why, "cannot stage the probe's image in %s: %s", stage,
			 strerror(-ret));
	else if ((ret = image_pack(stage, img, &err)))
		buf_addf(why, "%.*s", (int)strcspn(err.s, "\n"), err.s);
	rm_rf(stage);
	buf_free(&err);
	free(script);
	free(init);
	free(dev);
	free(bb);
	free(bin);
	free(stage);
	return ret ? -1 : 0;
}

static bool log_says(const char *log, const char *what)
{
	char *s = read_file(log, NULL);
	bool hit = s && strstr(s, what);

	free(s);
	return hit;
}

/* Boot the probe; QEMU's exit status, or -1 with @why filled in. */
static int run_qemu(const struct kvm_probe *p, const char *img,
		    const char *log, struct buf *why)
{
	char *exitdev = xasprintf("isa-debug-exit,iobase=0x%x,iosize=0x04",
				  DEBUG_EXIT_PORT);
	char *const argv[] = {
		(char *)p->qemu, "-nodefaults", "-no-user-config", "-display",
		"none", "-no-reboot", "-machine", "q35,kernel-irqchip=split",
		"-accel", "kvm", "-cpu", "host", "-m", "256M",
		"-kernel", (char *)p->kernel, "-initrd", (char *)img,
		"-append", GUEST_BASE_CMDLINE, "-serial", "stdio",
		"-device", "intel-iommu,intremap=on",
		"-device", exitdev, NULL
	};
	int timeout_ms = p->timeout_ms ? p->timeout_ms : KVM_PROBE_TIMEOUT_MS;
	bool internal = false;
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(p->qemu, argv);
		_exit(127);
	}
	free(exitdev);
	if (pid < 0) {
		buf_addf(why, "cannot fork to run %s", p->qemu);
		return -1;
	}
	for (int ms = 0; ms < timeout_ms; ms += POLL_MS) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		/* QEMU pauses the guest and waits forever on this one */
		if (ms % 100 == 0 && log_says(log, "KVM internal error")) {
			internal = true;
			break;
		}
		nanosleep(&(struct timespec){ .tv_nsec = POLL_MS * 1000000 }, NULL);
	}
	if (internal)
		buf_addf(why, "KVM internal error while booting the kernel (see %s)",
			 log);
	else
		buf_addf(why, "the kernel did not reach user space under KVM in %.1f s (see %s)",
			 timeout_ms / 1000.0, log);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static bool probe(const struct kvm_probe *p, struct buf *why)
{
	const char *dev = p->kvm_dev ? p->kvm_dev : "/dev/kvm";
	char *img = xasprintf("%s/kvm-probe.cpio", p->workdir);
	char *log = xasprintf("%s/kvm-probe.log", p->workdir);
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	int code = -1;

	if (fd < 0)
		buf_addf(why, "%s cannot be opened", dev);
	else
		close(fd);
	if (fd >= 0 && !build_image(p, img, why))
		code = run_qemu(p, img, log, why);
	if (code >= 0 && code != PROBE_EXIT_CODE)
		buf_addf(why, "QEMU exited with status %d under KVM (see %s)", code,
			 log);
	unlink(img);
	free(img);
	free(log);
	return code == PROBE_EXIT_CODE;
}

/* What the verdict depends on: this boot of the host, the emulator, the kernel. */
static char *verdict_key(const struct kvm_probe *p)
{
	char *boot = read_file(BOOT_ID, NULL);
	char *key = xasprintf("%s %s %s", boot ? str_trim(boot) : "?", p->qemu,
			      p->kernel);

	free(boot);
	return key;
}

/* The kept verdict: 1 usable, 0 not (with @why), -1 none for this key. */
static int kept_verdict(const char *path, const char *key, struct buf *why)
{
	char *s = read_file(path, NULL);
	char *verdict, *reason;
	int ret = -1;

	if (!s)
		return -1;
	verdict = strchr(s, '\n');
	if (verdict) {
		*verdict++ = '\0';
		reason = strchr(verdict, '\n');
		if (reason)
			*reason++ = '\0';
		if (!strcmp(s, key) && reason) {
			ret = !strcmp(verdict, VERDICT_OK);
			if (!ret)
				buf_addf(why, "%s (kept from an earlier probe)",
					 str_trim(reason));
		}
	}
	free(s);
	return ret;
}

bool kvm_usable(const struct kvm_probe *p, struct buf *why)
{
	char *path = xasprintf("%s/kvm-probe.verdict", p->workdir);
	char *key = verdict_key(p);
	int ok = p->fresh ? -1 : kept_verdict(path, key, why);

	if (ok < 0) {
		char *rec;

		ok = probe(p, why);
		rec = xasprintf("%s\n%s\n%s\n", key, ok ? VERDICT_OK : "unusable",
				ok ? "" : why->s);
		write_file(path, rec, strlen(rec), 0644);
		free(rec);
	}
	free(key);
	free(path);
	return ok;
}
