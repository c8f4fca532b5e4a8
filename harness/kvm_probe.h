/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does KVM really run our guests here? /dev/kvm can exist, and QEMU can
 * even run a few real-mode instructions under it, while the guest kernel
 * never gets anywhere (nested virtualization: QEMU aborts on an MSR it
 * cannot set, or the vCPU spins and ends in "KVM internal error"). So the
 * probe boots the guest kernel itself, with the lab's machine options and
 * an initramfs whose /init writes a value to isa-debug-exit: QEMU's exit
 * code proves the kernel reached user space under KVM.
 *
 * The verdict is kept in WORKDIR/kvm-probe.verdict for this boot of the
 * host and this emulator and kernel, so only the first run pays for it.
 */
#ifndef UPCILAB_KVM_PROBE_H
#define UPCILAB_KVM_PROBE_H

#include <stdbool.h>

#include "util.h"

/* TCG reaches /init in about 4 s; KVM that needs longer is not worth it */
#define KVM_PROBE_TIMEOUT_MS 20000

struct kvm_probe {
	const char *qemu;
	const char *kernel;	/* the kernel the VMs boot */
	const char *busybox;	/* the probe's /init runs on it */
	const char *workdir;	/* the probe's image, log and verdict */
	const char *kvm_dev;	/* NULL: /dev/kvm */
	int timeout_ms;		/* 0: KVM_PROBE_TIMEOUT_MS */
	bool fresh;		/* probe even if a verdict is kept */
};

/* True if KVM boots the kernel to user space; else @why says what failed. */
bool kvm_usable(const struct kvm_probe *p, struct buf *why);

#endif
