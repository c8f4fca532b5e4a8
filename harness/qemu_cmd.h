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
	bool kvm;
	bool interactive;		/* console on stdio, for `shell` */
};

/* The kernel command line every guest gets, before the scenario's own. */
#define GUEST_BASE_CMDLINE \
	"console=ttyS0 panic=-1 intel_iommu=on rdinit=/init"

void qemu_build_argv(const struct scenario *scn, const struct qemu_opts *o,
		     struct strv *argv);

#endif
