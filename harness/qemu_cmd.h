/* SPDX-License-Identifier: GPL-2.0 */
/* Builds the QEMU command line for a scenario. Pure: no I/O. */
#ifndef UPCILAB_QEMU_CMD_H
#define UPCILAB_QEMU_CMD_H

#include <stdbool.h>

#include "scenario.h"
#include "util.h"

struct qemu_opts {
	const char *qemu;		/* the emulator binary */
	const char *kernel;
	const char *initrd;
	const char *append;		/* extra kernel parameters, or NULL */
	const char *console_fifo;	/* pipe chardev base paths */
	const char *ktap_fifo;		/* interactive: a plain file */
	const char *qmp_sock;		/* NULL: no QMP */
	const struct viommu_info *viommu;
	bool kvm;
	bool interactive;		/* console on stdio, for `shell` */
};

/*
 * The kernel command line every guest gets, before the scenario's own.
 * no_timer_check: at boot the kernel counts timer ticks over a busy-wait
 * of TSC cycles, and with interrupt remapping a count short of 4 is a
 * panic ("timer doesn't work through Interrupt-remapped IO-APIC"). Under
 * TCG on a loaded host the vCPU thread misses those ticks although the
 * timer works; KVM guests skip the check the same way.
 */
#define GUEST_BASE_CMDLINE \
	"console=ttyS0 panic=-1 no_timer_check rdinit=/init"

void qemu_build_argv(const struct scenario *scn, const struct qemu_opts *o,
		     struct strv *argv);

#endif
