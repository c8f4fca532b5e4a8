/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upcilab repro SCENARIO TEST[.CASE]: one of a scenario's tests, or one
 * kselftest case of it (TEST.NAME as the results name it runs the case
 * NAME of any fixture; TEST.FIXTURE[.VARIANT].NAME exactly that one), run
 * --runs times in the scenario's VM, with the guest's IOMMU tracepoints on
 * and, with --until-fail, stopping at the first failed run or the first
 * run that logs an IOMMU fault.
 */
#ifndef UPCILAB_REPRO_H
#define UPCILAB_REPRO_H

#include <stdbool.h>

#include "scenario.h"
#include "util.h"

#define REPRO_MAX_RUNS 1000

struct repro_opts {
	int runs;		/* 1 to REPRO_MAX_RUNS */
	bool until_fail;
};

/*
 * Makes @scn run only @target's test, @o->runs times, traced; with no
 * @target, all its tests once, traced. On a target the scenario does not
 * have (or repeats without one), returns -1 with the reason in @err and
 * leaves @scn as it was.
 */
int repro_prepare(struct scenario *scn, const char *target,
		  const struct repro_opts *o, struct buf *err);

/* A free TCP port on 127.0.0.1 for QEMU's gdbstub, or -1. */
int repro_free_port(void);

/* Whether the ELF file at @path has a symbol table (a vmlinux gdb can use). */
bool repro_elf_has_symbols(const char *path);

/*
 * The guest's trace buffer, cut from a console log (between the markers
 * the init prints); NULL if the log has none.
 */
char *repro_guest_trace(const char *console);

#endif
