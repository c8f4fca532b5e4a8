/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs one QEMU process to completion and turns what the guest says into a
 * result tree. It owns the process: whatever happens (timeout, guest panic,
 * Ctrl-C, a harness error) QEMU is gone when vm_run() returns.
 *
 * The guest talks on two serial ports, both QEMU "pipe" chardevs (FIFOs):
 *   console  the kernel console and the init's messages (logged, scanned);
 *   ktap     the results channel, in the protocol below (logged, parsed).
 * Results protocol, one line each:
 *   # upcilab: init                   the guest's init started
 *   # upcilab: setup-failed REASON    loading or binding failed; no tests ran
 *   # upcilab: begin N NAME           test N starts; its TAP output follows
 *   # upcilab: end N NAME exit=CODE   test N finished with that exit status
 *   # upcilab: done                   all tests ran; the guest powers off
 *   # pci: ...                        a row of the PCI device table
 */
#ifndef UPCILAB_VM_H
#define UPCILAB_VM_H

#include <stdbool.h>

#include "results.h"
#include "scenario.h"
#include "util.h"

struct vm_spec {
	struct strv argv;		/* QEMU and its arguments */
	const char *console_fifo;	/* pipe chardev base paths (.in/.out) */
	const char *ktap_fifo;
	const char *qmp_sock;		/* NULL: no QMP */
	const char *console_log;
	const char *ktap_log;
	const char *qemu_log;		/* QEMU's own stdout and stderr */
	/* QEMU's GCOV_PREFIX (vm_gcov_env), or NULL to leave it alone */
	const char *gcov_prefix;
	const struct scn_test *tests;
	size_t ntests;
	/* the VM's vIOMMU: its fault trace is checked (fault_trace.h); may be NULL */
	const struct viommu_info *viommu;
	int vm_timeout_s;
	int poweroff_grace_s;		/* after "done" */
	bool echo_console;		/* copy the console to stderr */
	/*
	 * boot once more if QEMU ends by itself before the guest's init
	 * spoke (the first boot's logs kept as LOG.1)
	 */
	bool boot_retry;
	/* repro --gdb: where the guest's modules are, for add-symbol-file */
	const char *gdb_kmod_dir;
	void (*progress)(void *ctx, const char *what);
	void *progress_ctx;
};

/* The guest's kmemleak scan after its tests (harness/image.c) */
enum leak_check {
	LEAK_NONE,	/* not heard: the kernel has no kmemleak */
	LEAK_SCANNED,
	LEAK_OFF,	/* kmemleak=off: nothing was looked for */
};

struct vm_result {
	struct test_node *root;		/* one kid per scenario test */
	double boot_s;			/* QEMU start to first test; <0 unknown */
	double total_s;
	double cpu_s;			/* QEMU's user + system CPU; <0 unknown */
	char *error;			/* why the VM run is a failure, or NULL */
	char *shutdown_reason;		/* from QMP, or NULL */
	struct buf pci_table;		/* "# pci:" rows, prefix stripped */
	bool interrupted;		/* SIGINT/SIGTERM arrived */
	/* the first boot's error when it died before the init spoke, or NULL */
	char *retried;
	enum leak_check kmemleak;
};

/* How the reports say a VM's result.retried */
#define VM_RETRIED_WHY "booted twice: the first boot died before the init: "

int vm_make_fifos(const char *base);
/*
 * Our QEMU is built with gcov in mockdma.c (mockdevs/meson.build): on a
 * normal exit (the guest powers off, QMP quit, SIGTERM) it writes
 * mockdma.c.gcda under DIR, at DIR followed by the absolute path of the
 * object in QEMU's build tree (GCOV_PREFIX, GCOV_PREFIX_STRIP=0). A
 * SIGKILL writes nothing. Sets the variables in this process, for an exec.
 */
void vm_gcov_env(const char *dir);
int vm_run(const struct vm_spec *spec, const char *name,
	   struct vm_result *res);
void vm_result_free(struct vm_result *res);

#endif
