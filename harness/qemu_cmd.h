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
	unsigned int tsc_khz;		/* TCG: the host's TSC rate (host_tsc.h), 0 unknown */
	bool interactive;		/* console on stdio, for `shell` */
	int gdb_port;			/* repro --gdb: gdbstub there, start stopped */
};

/*
 * The kernel command line every guest gets, before the scenario's own.
 * no_timer_check: at boot the kernel counts timer ticks over a busy-wait
 * of TSC cycles, and with interrupt remapping a count short of 4 is a
 * panic ("timer doesn't work through Interrupt-remapped IO-APIC"). Under
 * TCG on a loaded host the vCPU thread misses those ticks although the
 * timer works; KVM guests skip the check the same way.
 * cryptomgr.notests: the stock kernel self-tests each crypto algorithm it
 * registers at boot, none of which the lab uses: 0.6 of a small VM's 3.2
 * CPU-seconds under TCG.
 */
#define GUEST_BASE_CMDLINE \
	"console=ttyS0 panic=-1 no_timer_check cryptomgr.notests=1 rdinit=/init"

/*
 * A guest with several vCPUs boots on one and /init brings the others
 * online. QEMU 7.2's multi-threaded TCG can link a translation block it
 * read while another vCPU thread was storing to the same code: the kernel
 * patches its text at run time (static keys, through int3), and a vCPU
 * that translated a half-patched site keeps running its int3 after the
 * patch is over: "Oops: int3" in sched_clock_idle_wakeup_event, when
 * late_initcall marks sched_clock stable while the other vCPU idles. So
 * the boot's own patching happens with one vCPU online, the IPI-shorthand
 * key (flipped when CPUs come and go) stays off, and tsc=reliable keeps
 * the TSC sync check and watchdog of a loaded host from flipping
 * sched_clock's key back mid-test.
 */
#define GUEST_SMP_CMDLINE "maxcpus=1 no_ipi_broadcast=1 tsc=reliable"

void qemu_build_argv(const struct scenario *scn, const struct qemu_opts *o,
		     struct strv *argv);

#endif
