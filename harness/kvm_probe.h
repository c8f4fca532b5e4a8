/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does KVM really run our guests here? /dev/kvm can exist and even run a
 * bare vCPU while QEMU's own KVM setup fails (nested virtualization: QEMU
 * aborts on an MSR it cannot set). So the probe runs the real emulator with
 * the lab's machine options and a 64 KiB firmware whose reset vector writes
 * a value to isa-debug-exit: QEMU's exit code proves the guest ran.
 */
#ifndef UPCILAB_KVM_PROBE_H
#define UPCILAB_KVM_PROBE_H

#include <stdbool.h>

/* On false, @why (if not NULL) says what failed. */
bool kvm_usable(const char *qemu, const char *workdir, const char **why);

#endif
