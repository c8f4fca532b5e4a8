/* SPDX-License-Identifier: GPL-2.0 */
/* What a person or CI reads: the terminal summary, merged KTAP, JUnit XML. */
#ifndef UPCILAB_REPORT_H
#define UPCILAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "vm.h"

struct report_vm {
	char *label;		/* "scenario/driver" */
	char *log_dir;
	struct vm_result res;
};

/* One line for the VM, the per-test list, and context for failures. */
void report_vm(FILE *out, const struct report_vm *vm, bool verbose);
void report_pci_table(FILE *out, const struct report_vm *vm,
		      const struct scenario *scn);
int report_write_ktap(const char *path, const struct report_vm *vms, size_t n);
int report_write_junit(const char *path, const struct report_vm *vms, size_t n);
struct tally report_tally(const struct report_vm *vms, size_t n);
/*
 * "cpu: ..." the VMs' QEMU CPU-seconds summed, beside their wall seconds:
 * on a machine the VMs keep busy, what a change costs is the former.
 * Nothing when no VM's CPU time is known.
 */
void report_cpu(FILE *out, const struct report_vm *vms, size_t n);
/*
 * "kmemleak: ..." how many VMs' kmemleak scanned, and which booted with it
 * off; nothing when no VM's kernel has kmemleak.
 */
void report_kmemleak(FILE *out, const struct report_vm *vms, size_t n);
/*
 * "booted twice: ..." the VMs whose first boot died before the guest's
 * init spoke (vm.h: boot_retry); nothing when none did.
 */
void report_retried(FILE *out, const struct report_vm *vms, size_t n);
/* Frees each VM's result, label and log directory, and the array. */
void report_vms_free(struct report_vm *vms, size_t n);

#endif
