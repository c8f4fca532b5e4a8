/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario file: one VM topology, the driver(s) under test and the guest
 * tests to run. The format is documented in tests/scenarios/README.md.
 */
#ifndef UPCILAB_SCENARIO_H
#define UPCILAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"
#include "viommu.h"

#define SCN_MAX_DRIVERS 4
#define SCN_DEFAULT_TEST_TIMEOUT 60
#define SCN_DEFAULT_MEMORY "512M"
/* host-root: the device, QEMU fsdev and guest mount tag all use this name */
#define SCN_HOST_ROOT "hostroot"

struct scn_device {
	char *id;
	char *model;
	char *bus;		/* id of the parent bridge/port; NULL: root bus */
	int slot, fn;		/* -1 until assigned */
	bool multifunction;
	struct strv opts;	/* extra key=value passed to QEMU verbatim */
	bool bind;		/* bound to the driver under test */
	char *host_driver;	/* bind-host: bound to this driver instead */
	int hub;		/* link: the QEMU hub its netdev is on; -1 none */
	int line;
};

struct scn_test {
	char *name;
	int timeout_s;
	int line;
	char *args;		/* upcilab repro: the binary's arguments, or NULL */
	char *title;		/* its result's name, if not the binary's */
};

struct scenario {
	char *path;
	char *name;
	char *description;
	char *drivers[SCN_MAX_DRIVERS];
	size_t ndrivers;
	char *viommus[VIOMMU_MAX];	/* the VM boots once per vIOMMU too */
	size_t nviommus;
	struct buf cmdline;
	char *memory;
	int cpus;
	int vm_timeout_s;	/* 0: derived from the test timeouts */
	struct strv modules;
	struct strv staged;	/* stage: in /lib/modules/staged, not loaded */
	struct strv test_modules; /* built from tests/kmod/, loaded last */
	struct strv modparams;	/* "module key=value": insmod arguments */
	struct strv env;	/* "KEY=value", exported to the tests */
	bool host_root;		/* the host's / read-only at /host (9p) */
	bool tcg_single_thread;	/* TCG runs every vCPU in one thread */
	struct scn_device *devs;
	size_t ndevs;
	struct scn_test *tests;
	size_t ntests;
	/* upcilab repro (repro.h): the guest's IOMMU tracepoints, and runs
	 * that stop at the first failure or new IOMMU fault */
	bool trace_iommu;
	bool until_fail;
	bool gdb_modules;	/* --gdb: say where each module was loaded */
};

/*
 * Parse a scenario from text. On error returns -1 and writes one message per
 * problem, each "FILE:LINE: what is wrong", into @err.
 */
int scenario_parse(const char *path, const char *text, struct scenario *scn,
		   struct buf *err);
int scenario_load(const char *path, struct scenario *scn, struct buf *err);
void scenario_free(struct scenario *scn);

struct scn_device *scenario_device(const struct scenario *scn, const char *id);
/* The insmod arguments for @module ("a=1 b=2"), "" when none; caller frees */
char *scenario_modparams(const struct scenario *scn, const char *module);
int scenario_vm_timeout(const struct scenario *scn);
/*
 * For a kernel @scale times slower (sanitizers under TCG): every timeout,
 * the VM's too, times @scale, and UPCILAB_TIMEOUT_SCALE=@scale for the
 * guest tests (tests/lib/lab_time.h scales theirs with it).
 */
void scenario_scale_timeouts(struct scenario *scn, int scale);

#endif
