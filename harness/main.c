// SPDX-License-Identifier: GPL-2.0
/*
 * upcilab: boots scenario VMs and reports what their guest tests say.
 * Everything is checked before the first VM boots, so a typo in the tenth
 * scenario does not cost nine VM runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "append_for.h"
#include "bench_ratio.h"
#include "bench_report.h"
#include "drivers.h"
#include "image.h"
#include "host_tsc.h"
#include "kvm_probe.h"
#include "modules.h"
#include "namelist.h"
#include "qemu_build.h"
#include "qemu_cmd.h"
#include "parallel.h"
#include "fault_report.h"
#include "repro.h"
#include "report.h"
#include "merge.h"
#include "report_github.h"
#include "result_file.h"
#include "run_file.h"
#include "shard.h"
#include "topology.h"
#include "scenario.h"
#include "vm.h"

#if !defined(UPCI_KVER) || !defined(UPCI_KERNEL_ENTRY)
#error "UPCI_KVER and UPCI_KERNEL_ENTRY must name the pinned kernel (ci/versions, ci/cache-dir.sh)"
#endif

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define POWEROFF_GRACE_S 15
/* QEMU's own memory beside the guest's, when -j packs VMs into RAM */
#define VM_OVERHEAD_MB 256
/* vCPUs the default -j puts on a CPU (README: How long it takes) */
#define VCPUS_PER_CPU 3

struct config {
	const char *scenario_dir;
	const char *guest_dir;
	const char *kmod_dir;
	const char *test_kmod_dir;
	const char *results_dir;
	const char *work_dir;
	char *kernel_dir;
	char *kver;		/* its release: lib/modules/KVER */
	bool kernel_opt;	/* --kernel */
	int timeout_scale;	/* --timeout-scale */
	const char *qemu_opt;	/* --qemu */
	char *qemu;		/* the emulator chosen (qemu_build.h) */
	const char *busybox;
	const char *driver;	/* overrides the scenarios' drivers */
	const char *viommu;	/* overrides the scenarios' vIOMMUs */
	const char *append;
	struct append_for append_for[APPEND_FOR_MAX];	/* --append-for */
	size_t nappend_for;
	const char *accel;	/* auto, kvm, tcg */
	bool kvm;
	unsigned int tsc_khz;	/* TCG: the host's TSC rate, 0 unknown */
	bool verbose;
	bool table;
	bool tty;
	int jobs;		/* -j: 1 serial, 0 as many as fit */
	int shard, shards;	/* --shard I/N */
	const char *durations;	/* --durations */
	bool in_child;		/* a -j child: the parent shows progress */
	bool results_opt;	/* --results given */
	int gdb_port;		/* repro --gdb: the gdbstub's port */
	struct repro_opts repro;	/* --runs, --until-fail */
};

static void usage(FILE *out)
{
	fputs("usage: upcilab [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  run [SCENARIO...]   boot each scenario (default: all) and run its tests\n"
	      "  list                list the scenarios with their drivers and tests\n"
	      "  shell SCENARIO      boot a scenario with an interactive console;\n"
	      "                      the tests are not run (they are in /tests)\n"
	      "  merge DIR...        join the result directories of every shard of a\n"
	      "                      run (--shard) into one in --results\n"
	      "  repro SCENARIO [TEST[.CASE]]\n"
	      "                      run one test of a scenario, or one kselftest\n"
	      "                      case of it (FIXTURE.NAME as its KTAP names\n"
	      "                      it), or all its tests, with the guest's\n"
	      "                      IOMMU tracepoints on; each DMA fault explained\n"
	      "                      in report.md and report.json; results in\n"
	      "                      build/repro unless --results\n"
	      "  bench-report [--baseline FILE.json] [--out DIR] RESULTS_DIR\n"
	      "                      the \"bench:\" lines of a run's results.ktap as\n"
	      "                      DIR/results.json, report.md and gnuplot plots\n"
	      "                      (default build/bench), and a table; with a\n"
	      "                      baseline (an earlier results.json), the ratios\n"
	      "                      that moved beyond the run's own noise\n"
	      "\n"
	      "A SCENARIO is a name in the scenario directory or a path to a file.\n"
	      "\n"
	      "Options:\n"
	      "  -d, --driver LIST   drivers under test (vfio-pci, upci, upci-vfio or\n"
	      "                      none, comma-separated): each scenario runs with\n"
	      "                      those of its drivers the list names, or if it\n"
	      "                      names none of them with the list's first\n"
	      "                      (default: all the scenario's)\n"
	      "  -I, --viommu LIST   emulated IOMMUs (intel-iommu, amd-iommu or\n"
	      "                      virtio-iommu, comma-separated), chosen among\n"
	      "                      each scenario's like --driver (default: all the\n"
	      "                      scenario's; a scenario names intel-iommu unless\n"
	      "                      it says otherwise)\n"
	      "  -a, --accel MODE    auto (default: KVM if QEMU can use it), kvm or tcg\n"
	      "  -A, --append ARGS   extra guest kernel parameters\n"
	      "      --append-for NAMES:ARGS\n"
	      "                      extra guest kernel parameters for the scenarios\n"
	      "                      NAMES (comma-separated) only; up to 8 times\n"
	      "  -j, --jobs N        run up to N VMs at once, whatever their vCPUs,\n"
	      "                      as memory allows (1-64; default: as many as the\n"
	      "                      CPUs and memory hold for the VMs' vCPUs and\n"
	      "                      RAM); 1 runs them one after another\n"
	      "  -t, --table         print each VM's PCI device / IOMMU group table\n"
	      "      --shard I/N     run only the I-th of N parts of the VMs, balanced\n"
	      "                      by the durations file (else by estimates)\n"
	      "      --durations FILE\n"
	      "                      \"LABEL SECONDS\" lines of an earlier run (a results\n"
	      "                      directory's durations file; default: the scenario\n"
	      "                      directory's, if it has one)\n"
	      "  -v, --verbose       show every test case and echo the guest console\n"
	      "      --runs N        repro: run the test N times (1-1000, default 1)\n"
	      "      --until-fail    repro: stop at the first run that fails or\n"
	      "                      logs an IOMMU fault\n"
	      "      --gdb           repro: start the guest stopped, with QEMU's\n"
	      "                      gdbstub on a free port; print the commands\n"
	      "                      that attach gdb and load the modules' symbols\n"
	      "      --scenarios DIR scenario directory (default tests/scenarios)\n"
	      "      --guest DIR     guest test binaries (default build/guest)\n"
	      "      --kmod DIR      modules built from kmod/ (default build/kmod)\n"
	      "      --test-kmod DIR test modules built from tests/kmod/ (default build/tests-kmod)\n"
	      "      --results DIR   results directory (default build/results)\n"
	      "      --work DIR      scratch directory (default build/run)\n"
	      "      --kernel DIR    unpacked kernel package (default $UPCI_CACHE/" UPCI_KERNEL_ENTRY "),\n"
	      "                      or a build of ours (ci/build-debug-kernel.sh): DIR/vmlinux\n"
	      "                      and DIR/lib/modules/RELEASE\n"
	      "      --timeout-scale N\n"
	      "                      every timeout (the scenario's, the VM's, each\n"
	      "                      kselftest case's) times N (1-100), for slow kernels\n"
	      "      --qemu PATH     emulator (default: $UPCILAB_QEMU, else the QEMU with\n"
	      "                      mockdma that mockdevs/build-qemu.sh builds or has\n"
	      "                      cached, else qemu-system-x86_64)\n"
	      "  -h, --help          this text\n"
	      "\n"
	      "Exit status: 0 all passed, 1 a test failed or a VM broke, 2 bad usage or\n"
	      "input, 130 interrupted. Results: DIR/results.ktap, DIR/junit.xml and\n"
	      "one directory per VM with its console, results and QEMU logs.\n",
	      out);
}

static const char *cache_dir(void)
{
	const char *c = getenv("UPCI_CACHE");

	return c && *c ? c : "/var/cache/upci";
}

static char *scenario_path(const struct config *cfg, const char *arg)
{
	if (strchr(arg, '/') || access(arg, F_OK) == 0)
		return xstrdup(arg);
	return xasprintf("%s/%s.scenario", cfg->scenario_dir, arg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int all_scenarios(const struct config *cfg, struct strv *paths)
{
	DIR *d = opendir(cfg->scenario_dir);
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "upcilab: cannot open %s: %s\n", cfg->scenario_dir,
			strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 9 && !strcmp(e->d_name + len - 9, ".scenario"))
			strv_addf(paths, "%s/%s", cfg->scenario_dir, e->d_name);
	}
	closedir(d);
	if (paths->n)
		qsort(paths->v, paths->n, sizeof(*paths->v), cmp_str);
	return 0;
}

/* Parse every scenario; to boot them, their test binaries must exist too. */
static int load_all(const struct config *cfg, const struct strv *paths,
		    struct scenario *scns, bool need_binaries)
{
	int bad = 0;

	for (size_t i = 0; i < paths->n; i++) {
		struct buf err = { 0 };
		struct scenario *s = &scns[i];

		if (scenario_load(paths->v[i], s, &err) == 0 && need_binaries) {
			for (size_t t = 0; t < s->ntests; t++) {
				char *bin = xasprintf("%s/%s", cfg->guest_dir,
						      s->tests[t].name);

				if (!is_executable(bin))
					buf_addf(&err, "%s:%d: no guest test binary %s (is it built?)\n",
						 s->path, s->tests[t].line, bin);
				free(bin);
			}
		}
		if (err.len) {
			fputs(err.s, stderr);
			bad++;
		}
		buf_free(&err);
	}
	return bad ? -1 : 0;
}

static int check_host(const struct config *cfg)
{
	char *dep = xasprintf("%s/lib/modules/%s/modules.dep", cfg->kernel_dir,
			      cfg->kver);
	int ret = 0;

	if (access(dep, R_OK) && cfg->kernel_opt) {
		fprintf(stderr, "upcilab: --kernel %s: no unpacked kernel there (%s missing; it needs vmlinux and one lib/modules/RELEASE)\n",
			cfg->kernel_dir, dep);
		ret = -1;
	} else if (access(dep, R_OK)) {
		fprintf(stderr, "upcilab: the pinned kernel is not unpacked (%s missing): run ci/install-deps.sh\n",
			dep);
		ret = -1;
	}
	free(dep);
	if (!is_executable(cfg->busybox)) {
		fprintf(stderr, "upcilab: %s not found: install busybox-static (ci/install-deps.sh)\n",
			cfg->busybox);
		ret = -1;
	}
	return ret;
}

/* Settle the emulator for every VM, and the KVM probe, before any boots. */
static int choose_qemu(struct config *cfg, const struct scenario *scns,
		       size_t n)
{
	const struct scenario *need = qemu_needed_by(scns, n);
	struct buf note = { 0 }, err = { 0 };

	cfg->qemu = qemu_choose(cfg->qemu_opt, QEMU_BUILD_SCRIPT,
				need ? need->name : NULL, &note, &err);
	if (!cfg->qemu)
		fprintf(stderr, "upcilab: %s\n", err.s);
	else if (note.len)
		fprintf(stderr, "upcilab: %s\n", note.s);
	else if (cfg->verbose)
		fprintf(stderr, "upcilab: qemu: %s\n", cfg->qemu);
	buf_free(&note);
	buf_free(&err);
	return cfg->qemu ? 0 : -1;
}

/* The uncompressed ELF boots through PVH, skipping decompression. */
static char *guest_kernel(const struct config *cfg)
{
	char *kernel = xasprintf("%s/vmlinux", cfg->kernel_dir);

	if (access(kernel, R_OK)) {
		free(kernel);
		kernel = xasprintf("%s/boot/vmlinuz-%s", cfg->kernel_dir, cfg->kver);
	}
	return kernel;
}

/*
 * Where the KVM probe keeps its verdict: in the cache, one directory per
 * kernel, so a fresh clone (as CI makes) does not probe again after the
 * first run since the host booted; the work directory if the cache is
 * not writable.
 */
static char *kvm_probe_dir(const struct config *cfg, const char *kernel)
{
	char *flat = xstrdup(kernel), *dir;

	for (char *c = flat; *c; c++)
		if (*c == '/')
			*c = '_';
	dir = xasprintf("%s/kvm-probe/%s", cache_dir(), flat);
	free(flat);
	if (mkdir_p(dir) || access(dir, W_OK)) {
		free(dir);
		mkdir_p(cfg->work_dir);
		dir = xstrdup(cfg->work_dir);
	}
	return dir;
}

static void pick_accel(struct config *cfg)
{
	char *kernel = guest_kernel(cfg);
	/* --accel kvm asks again; auto trusts this boot's kept verdict */
	struct kvm_probe kp = {
		.qemu = cfg->qemu, .kernel = kernel, .busybox = cfg->busybox,
		.fresh = !strcmp(cfg->accel, "kvm"),
	};
	struct buf why = { 0 };
	char *dir = NULL;

	if (!strcmp(cfg->accel, "tcg"))
		goto out;
	dir = kvm_probe_dir(cfg, kernel);
	kp.workdir = dir;
	cfg->kvm = kvm_usable(&kp, &why);
	if (cfg->kvm) {
		if (cfg->verbose)
			fputs("upcilab: accelerator: kvm\n", stderr);
	} else if (!strcmp(cfg->accel, "kvm")) {
		fprintf(stderr, "upcilab: --accel kvm: %s; using TCG\n", why.s);
	} else if (cfg->verbose) {
		fprintf(stderr, "upcilab: accelerator: tcg (%s)\n", why.s);
	}
out:
	if (!cfg->kvm)
		cfg->tsc_khz = host_tsc_khz();
	buf_free(&why);
	free(dir);
	free(kernel);
}

struct progress_ctx {
	const struct config *cfg;
	const char *label;
	double t0;
};

static void show_progress(void *ctx, const char *what)
{
	struct progress_ctx *p = ctx;

	if (p->cfg->in_child)
		return;
	if (p->cfg->tty)
		fprintf(stderr, "\r\033[K  ... %s: %s [%.0fs]", p->label, what,
			now_s() - p->t0);
	else if (p->cfg->verbose)
		fprintf(stderr, "  ... %s: %s\n", p->label, what);
}

static void fail_all(struct vm_result *res, const struct scenario *scn,
		     const char *label, const char *why)
{
	*res = (struct vm_result){ .boot_s = -1, .cpu_s = -1, .error = xstrdup(why) };
	res->root = node_new(label);
	for (size_t i = 0; i < scn->ntests; i++)
		node_set(node_add(res->root, scn->tests[i].name), RES_FAIL, why);
}

struct vm_paths {
	char *run, *log, *console, *ktap, *qmp, *initrd, *stage;
	char *console_log, *ktap_log, *qemu_log;
	char *qemu_gcov;	/* absolute: QEMU's GCOV_PREFIX */
};

static char *vm_log_dir(const struct config *cfg, const char *label)
{
	char *flat = result_dir_name(label);
	char *dir = xasprintf("%s/%s", cfg->results_dir, flat);

	free(flat);
	return dir;
}

static void vm_paths_make(const struct config *cfg, const char *label,
			  struct vm_paths *p)
{
	char *flat = result_dir_name(label);

	p->run = xasprintf("%s/%s", cfg->work_dir, flat);
	p->log = vm_log_dir(cfg, label);
	p->console = xasprintf("%s/console", p->run);
	p->ktap = xasprintf("%s/ktap", p->run);
	p->qmp = xasprintf("%s/qmp.sock", p->run);
	p->initrd = xasprintf("%s/initramfs.cpio", p->run);
	p->stage = xasprintf("%s/root", p->run);
	p->console_log = xasprintf("%s/console.log", p->log);
	p->ktap_log = xasprintf("%s/ktap.log", p->log);
	p->qemu_log = xasprintf("%s/qemu.log", p->log);
	free(flat);
	rm_rf(p->run);
	mkdir_p(p->run);
	mkdir_p(p->log);
	/* coverage data is this run's only (harness/gcov_stream.h) */
	flat = xasprintf("%s/gcov", p->log);
	rm_rf(flat);
	free(flat);
	/* and QEMU's own: mockdma.c's counters (vm.h, gcov_prefix) */
	flat = realpath(p->log, NULL);
	p->qemu_gcov = xasprintf("%s/qemu-gcov", flat ? flat : p->log);
	free(flat);
	rm_rf(p->qemu_gcov);
}

static void vm_paths_free(struct vm_paths *p)
{
	char **all[] = { &p->run, &p->log, &p->console, &p->ktap, &p->qmp,
			 &p->initrd, &p->stage, &p->console_log, &p->ktap_log,
			 &p->qemu_log, &p->qemu_gcov };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		free(*all[i]);
}

static int build_image(const struct config *cfg, const struct scenario *scn,
		       const char *driver, const struct viommu_info *viommu,
		       const struct vm_paths *p, struct buf *err)
{
	struct image_spec is = {
		.scn = scn, .driver = driver, .viommu = viommu,
		.kernel_dir = cfg->kernel_dir,
		.kver = cfg->kver, .guest_dir = cfg->guest_dir,
		.kmod_dir = cfg->kmod_dir, .test_kmod_dir = cfg->test_kmod_dir,
		.busybox = cfg->busybox,
		.stage_dir = p->stage, .out = p->initrd,
	};

	return image_build(&is, err);
}

/* QEMU's QMP socket, or NULL: none for a console on the terminal, nor
 * under a debugger (a stopped guest would count as a failure) */
static const char *qmp_sock(const struct config *cfg, const struct vm_paths *p,
			    bool interactive)
{
	return interactive || cfg->gdb_port ? NULL : p->qmp;
}

static void qemu_argv(const struct config *cfg, const struct scenario *scn,
		      const struct viommu_info *viommu,
		      const struct vm_paths *p, bool interactive,
		      struct strv *argv)
{
	char *kernel = guest_kernel(cfg);
	struct qemu_opts o = {
		.qemu = cfg->qemu, .kernel = kernel, .initrd = p->initrd,
		.append = cfg->append, .console_fifo = p->console,
		.ktap_fifo = interactive ? p->ktap_log : p->ktap,
		.qmp_sock = qmp_sock(cfg, p, interactive),
		.kvm = cfg->kvm, .tsc_khz = cfg->tsc_khz, .viommu = viommu,
		.interactive = interactive, .gdb_port = cfg->gdb_port,
	};

	qemu_build_argv(scn, &o, argv);
	free(kernel);
}

/* out->label and out->log_dir are set; the result is filled in. */
static void run_one(const struct config *cfg, const struct scenario *scn,
		    const char *driver, const struct viommu_info *viommu,
		    struct report_vm *out)
{
	struct progress_ctx pc = { .cfg = cfg, .t0 = now_s(),
				   .label = out->label };
	struct vm_paths p;
	struct buf err = { 0 };
	struct vm_spec spec = { 0 };

	vm_paths_make(cfg, out->label, &p);
	show_progress(&pc, "building the image");
	if (build_image(cfg, scn, driver, viommu, &p, &err)) {
		char *why = xasprintf("building the guest image failed: %s", err.s);

		*strrchr(why, '\n') = '\0';
		fail_all(&out->res, scn, out->label, why);
		free(why);
		goto out;
	}
	if (vm_make_fifos(p.console) || vm_make_fifos(p.ktap)) {
		fail_all(&out->res, scn, out->label, "cannot create the serial FIFOs");
		goto out;
	}
	qemu_argv(cfg, scn, viommu, &p, false, &spec.argv);
	spec.console_fifo = p.console;
	spec.ktap_fifo = p.ktap;
	spec.qmp_sock = qmp_sock(cfg, &p, false);
	spec.gdb_kmod_dir = cfg->gdb_port ? cfg->kmod_dir : NULL;
	/* a guest held for gdb is not booted behind the user's back */
	spec.boot_retry = !cfg->gdb_port;
	spec.console_log = p.console_log;
	spec.ktap_log = p.ktap_log;
	spec.qemu_log = p.qemu_log;
	spec.gcov_prefix = p.qemu_gcov;
	spec.tests = scn->tests;
	spec.ntests = scn->ntests;
	spec.viommu = viommu;
	spec.vm_timeout_s = scenario_vm_timeout(scn);
	spec.poweroff_grace_s = POWEROFF_GRACE_S;
	spec.echo_console = cfg->verbose && !cfg->tty && !cfg->in_child;
	spec.progress = show_progress;
	spec.progress_ctx = &pc;
	if (cfg->verbose) {
		char *cmd = strv_join(&spec.argv, " ");

		fprintf(stderr, "  ... %s: %s\n", out->label, cmd);
		free(cmd);
	}
	vm_run(&spec, out->label, &out->res);
	strv_free(&spec.argv);
out:
	if (cfg->tty && !cfg->in_child)
		fputs("\r\033[K", stderr);
	buf_free(&err);
	vm_paths_free(&p);
}

struct run_state {
	struct config *cfg;
	const struct scenario **scn;	/* per VM */
	char **driver;
	const struct viommu_info **viommu;
	struct report_vm *vms;
	bool *ran;
	size_t *place;			/* in the whole (unsharded) run */
	size_t total;			/* VMs in the whole run */
	double *t0;			/* when the VM started (-j) */
	double last_note;
	size_t n;
	bool interrupted, broken;
};

static void vm_finished(struct run_state *st, size_t i)
{
	struct report_vm *vm = &st->vms[i];

	st->ran[i] = true;
	report_vm(stdout, vm, st->cfg->verbose);
	if (st->cfg->table)
		report_pci_table(stdout, vm, st->scn[i]);
	fflush(stdout);
	st->interrupted |= vm->res.interrupted;
	st->broken |= vm->res.error != NULL;
}

static int run_job(size_t i, void *ctx)
{
	struct run_state *st = ctx;
	struct report_vm *vm = &st->vms[i];
	char *path;
	int rc;

	run_one(st->cfg, st->scn[i], st->driver[i], st->viommu[i], vm);
	path = xasprintf("%s/" RESULT_FILE_NAME, vm->log_dir);
	rc = result_file_save(path, vm->label, &vm->res);
	if (rc)
		fprintf(stderr, "upcilab: cannot write %s\n", path);
	free(path);
	return rc ? EXIT_FAILED : 0;
}

static void job_done(size_t i, int status, void *ctx)
{
	struct run_state *st = ctx;
	struct report_vm *vm = &st->vms[i];
	struct buf err = { 0 };
	char *path, *why;

	if (status == -1)
		return;		/* never started: interrupted */
	if (st->cfg->tty)
		fputs("\r\033[K", stderr);
	path = xasprintf("%s/" RESULT_FILE_NAME, vm->log_dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) ||
	    result_file_load(path, NULL, &vm->res, &err)) {
		why = WIFSIGNALED(status) ?
		      xasprintf("the VM's runner was killed by signal %d (%s)",
				WTERMSIG(status), strsignal(WTERMSIG(status))) :
		      xasprintf("the VM's runner exited with status %d and no result%s%s",
				WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				err.len ? ": " : "", err.len ? err.s : "");
		vm_result_free(&vm->res);
		fail_all(&vm->res, st->scn[i], vm->label, why);
		free(why);
	}
	free(path);
	buf_free(&err);
	vm_finished(st, i);
}

static void jobs_progress(const size_t *running, size_t nrunning, size_t ndone,
			  void *ctx)
{
	struct run_state *st = ctx;
	double now = now_s();
	struct buf line = { 0 };

	for (size_t k = 0; k < nrunning; k++) {
		size_t i = running[k];

		if (!st->t0[i])
			st->t0[i] = now;
		buf_addf(&line, "%s%s %.0fs", k ? ", " : "", st->vms[i].label,
			 now - st->t0[i]);
	}
	if (st->cfg->tty)
		fprintf(stderr, "\r\033[K  ... %zu/%zu done; running %s", ndone,
			st->n, line.s);
	else if (now - st->last_note >= 60) {
		fprintf(stderr, "  ... %zu/%zu done; running %s\n", ndone, st->n,
			line.s);
		st->last_note = now;
	}
	buf_free(&line);
}

/*
 * Each VM's expected seconds: from --durations (else the scenario
 * directory's durations file), else estimated. Sets *path to the file
 * read (NULL: none) and *measured to how many VMs it had.
 */
static double *vm_costs(const struct run_state *st, char **path,
			size_t *measured)
{
	char *fallback = xasprintf("%s/durations", st->cfg->scenario_dir);
	char *durations;
	double *cost = xcalloc(st->n ? st->n : 1, sizeof(*cost));

	*path = st->cfg->durations ? xstrdup(st->cfg->durations) :
		access(fallback, R_OK) ? NULL : xstrdup(fallback);
	durations = *path ? read_file(*path, NULL) : NULL;
	*measured = 0;
	for (size_t k = 0; k < st->n; k++) {
		cost[k] = shard_duration_of(durations, st->vms[k].label);
		if (cost[k] >= 0)
			(*measured)++;
		else
			cost[k] = shard_estimate(st->scn[k]);
	}
	free(fallback);
	free(durations);
	return cost;
}

static void run_parallel(struct run_state *st)
{
	struct par_limits lim = par_machine();
	struct par_job *jobs = xcalloc(st->n, sizeof(*jobs));
	struct par_ops ops = { .run = run_job, .done = job_done,
			       .progress = jobs_progress, .ctx = st };
	char *path;
	size_t measured;
	double *cost = vm_costs(st, &path, &measured);

	lim.max_jobs = st->cfg->jobs;
	/*
	 * The VMs spend much of their time waiting (a guest test's sleeps,
	 * a device's timeouts, QEMU's start), so more vCPUs than CPUs pay:
	 * by default VCPUS_PER_CPU per CPU; -j N, N VMs whatever their
	 * vCPUs. Memory still bounds both.
	 */
	lim.cpus = st->cfg->jobs ? INT_MAX / 2 : lim.cpus * VCPUS_PER_CPU;
	for (size_t i = 0; i < st->n; i++) {
		jobs[i].cpus = st->scn[i]->cpus;
		jobs[i].mem_mb = par_mem_mb(st->scn[i]->memory) + VM_OVERHEAD_MB;
		jobs[i].cost = cost[i];
	}
	free(cost);
	free(path);
	st->cfg->in_child = true;
	st->last_note = now_s();
	if (par_run(jobs, st->n, &lim, &ops) > 0)
		st->interrupted = true;
	st->cfg->in_child = false;
	if (st->cfg->tty)
		fputs("\r\033[K", stderr);
	free(jobs);
}

static void run_serial(struct run_state *st)
{
	for (size_t i = 0; i < st->n && !st->interrupted; i++) {
		run_job(i, st);
		vm_finished(st, i);
	}
}

/*
 * The VM's label: SCENARIO/DRIVER, with "@VIOMMU" unless it is the default
 * (so a run on intel-iommu reads as before the vIOMMU became a choice).
 */
static char *vm_label(const struct scenario *scn, const char *driver,
		      const char *viommu)
{
	if (!strcmp(viommu, VIOMMU_DEFAULT))
		return xasprintf("%s/%s", scn->name, driver);
	return xasprintf("%s/%s@%s", scn->name, driver, viommu);
}

static void plan_vm(struct run_state *st, const struct scenario *scn,
		    const char *driver, const char *viommu)
{
	size_t k = st->n++;

	st->scn = xrealloc(st->scn, st->n * sizeof(*st->scn));
	st->driver = xrealloc(st->driver, st->n * sizeof(*st->driver));
	st->viommu = xrealloc(st->viommu, st->n * sizeof(*st->viommu));
	st->vms = xrealloc(st->vms, st->n * sizeof(*st->vms));
	st->scn[k] = scn;
	st->driver[k] = xstrdup(driver);
	st->viommu[k] = viommu_lookup(viommu);
	st->vms[k] = (struct report_vm){
		.label = vm_label(scn, driver, viommu),
	};
	st->vms[k].log_dir = vm_log_dir(st->cfg, st->vms[k].label);
}

/*
 * A vIOMMU with a PCI function takes root slot 01, which only scenarios
 * listing such a vIOMMU keep free: --viommu cannot put one into another.
 */
static int viommu_fits(const struct scenario *scn, const char *name)
{
	const struct scn_device *d = topology_root_device_at(scn, VIOMMU_SLOT);

	if (!viommu_lookup(name)->pci_function || !d)
		return 0;
	fprintf(stderr, "upcilab: %s: %s puts its PCI function at root slot %02x, where '%s' is (%s:%d); list %s on the scenario's viommu line to keep the slot free\n",
		scn->name, name, VIOMMU_SLOT, d->id, scn->path, d->line, name);
	return -1;
}

/* One VM per scenario, vIOMMU and driver, in scenario order. */
static int plan_vms(struct run_state *st, struct scenario *scns, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *drivers[SCN_MAX_DRIVERS], *viommus[VIOMMU_MAX];
		char *owned, *owned_v;
		size_t nd = drivers_for_run(scns[i].drivers, scns[i].ndrivers,
					    st->cfg->driver, drivers, &owned);
		size_t nv = namelist_select(scns[i].viommus, scns[i].nviommus,
					    st->cfg->viommu, viommus, &owned_v);

		for (size_t v = 0; v < nv; v++) {
			if (viommu_fits(&scns[i], viommus[v])) {
				bad = -1;
				continue;
			}
			for (size_t d = 0; d < nd; d++)
				plan_vm(st, &scns[i], drivers[d], viommus[v]);
		}
		free(owned);
		free(owned_v);
	}
	st->total = st->n;
	st->place = xcalloc(st->n ? st->n : 1, sizeof(*st->place));
	for (size_t k = 0; k < st->n; k++)
		st->place[k] = k;
	st->ran = xcalloc(st->n ? st->n : 1, sizeof(*st->ran));
	st->t0 = xcalloc(st->n ? st->n : 1, sizeof(*st->t0));
	return bad;
}

/* Keeps this shard's VMs (--shard), balanced by the durations file or estimates. */
static void keep_shard(struct run_state *st)
{
	char *path;
	size_t kept = 0, measured;
	double *cost = vm_costs(st, &path, &measured), mine = 0;
	char **labels = xcalloc(st->n ? st->n : 1, sizeof(*labels));
	int *to = xcalloc(st->n ? st->n : 1, sizeof(*to));

	for (size_t k = 0; k < st->n; k++)
		labels[k] = st->vms[k].label;
	shard_assign(cost, labels, st->n, st->cfg->shards, to);
	for (size_t k = 0; k < st->n; k++) {
		if (to[k] != st->cfg->shard) {
			free(st->vms[k].label);
			free(st->vms[k].log_dir);
			free(st->driver[k]);
			continue;
		}
		mine += cost[k];
		st->scn[kept] = st->scn[k];
		st->driver[kept] = st->driver[k];
		st->viommu[kept] = st->viommu[k];
		st->vms[kept] = st->vms[k];
		st->place[kept++] = st->place[k];
	}
	fprintf(stderr, "upcilab: shard %d/%d: %zu of %zu VMs, about %.0f s (%zu durations measured%s%s, the rest estimated)\n",
		st->cfg->shard, st->cfg->shards, kept, st->n, mine, measured,
		path ? " in " : "", path ? path : "");
	st->n = kept;
	free(path);
	free(cost);
	free(labels);
	free(to);
}

/* The files and the summary of a run or a merge; returns its tally. */
static struct tally write_results(const struct config *cfg,
				  const struct report_vm *vms, size_t n)
{
	struct tally t;
	char *path;
	FILE *f;

	path = xasprintf("%s/results.ktap", cfg->results_dir);
	if (report_write_ktap(path, vms, n))
		fprintf(stderr, "upcilab: cannot write %s\n", path);
	free(path);
	path = xasprintf("%s/junit.xml", cfg->results_dir);
	if (report_write_junit(path, vms, n))
		fprintf(stderr, "upcilab: cannot write %s\n", path);
	free(path);
	path = xasprintf("%s/durations", cfg->results_dir);
	f = fopen(path, "we");
	for (size_t i = 0; f && i < n; i++) {
		fprintf(f, "%s %.1f", vms[i].label, vms[i].res.total_s);
		if (vms[i].res.cpu_s >= 0)
			fprintf(f, " cpu %.1f", vms[i].res.cpu_s);
		fputc('\n', f);
	}
	if (!f || fclose(f))
		fprintf(stderr, "upcilab: cannot write %s\n", path);
	free(path);
	report_bench_ratios(stdout, vms, n);
	t = report_tally(vms, n);
	printf("%d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip);
	report_cpu(stdout, vms, n);
	report_kmemleak(stdout, vms, n);
	report_retried(stdout, vms, n);
	fflush(stdout);
	if (report_github(stdout, vms, n))
		fprintf(stderr, "upcilab: cannot append to $GITHUB_STEP_SUMMARY\n");
	return t;
}

static void write_run_file(const struct config *cfg, const struct run_state *st)
{
	struct run_file rf = { .shard = cfg->shard, .shards = cfg->shards,
			       .total = st->total, .places = st->place,
			       .n = st->n };
	char *path = xasprintf("%s/" RUN_FILE_NAME, cfg->results_dir);

	rf.labels = xcalloc(st->n ? st->n : 1, sizeof(*rf.labels));
	for (size_t i = 0; i < st->n; i++)
		rf.labels[i] = st->vms[i].label;
	if (run_file_save(path, &rf))
		fprintf(stderr, "upcilab: cannot write %s\n", path);
	free(rf.labels);
	free(path);
}

static void run_state_free(struct run_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->driver[i]);
	report_vms_free(st->vms, st->n);
	free(st->scn);
	free(st->driver);
	free(st->viommu);
	free(st->ran);
	free(st->place);
	free(st->t0);
}

static int cmd_run(struct config *cfg, struct scenario *scns, size_t n)
{
	struct run_state st = { .cfg = cfg };
	struct report_vm *done;
	size_t ndone = 0;
	struct tally t;

	if (plan_vms(&st, scns, n)) {
		run_state_free(&st);
		return EXIT_USAGE;
	}
	if (check_host(cfg) || choose_qemu(cfg, scns, n)) {
		run_state_free(&st);
		return EXIT_USAGE;
	}
	pick_accel(cfg);
	mkdir_p(cfg->results_dir);
	if (cfg->shards > 1)
		keep_shard(&st);
	if (cfg->jobs == 1)
		run_serial(&st);
	else
		run_parallel(&st);
	/* the files list the VMs that ran, in plan order, however they ended */
	done = xcalloc(st.n ? st.n : 1, sizeof(*done));
	for (size_t i = 0; i < st.n; i++)
		if (st.ran[i])
			done[ndone++] = st.vms[i];
	t = write_results(cfg, done, ndone);
	write_run_file(cfg, &st);
	run_state_free(&st);
	free(done);
	if (st.interrupted)
		return EXIT_INTERRUPTED;
	return t.fail || st.broken ? EXIT_FAILED : 0;
}

/*
 * --gdb: a free port for the gdbstub, no time limits (the guest waits for
 * the debugger), and how to attach. The modules' add-symbol-file lines
 * follow as the guest loads them (vm.c).
 */
#define REPRO_GDB_TIMEOUT_S (7 * 24 * 3600)
static int repro_gdb(struct config *cfg, struct scenario *scn)
{
	char *kernel = guest_kernel(cfg);
	bool symbols = repro_elf_has_symbols(kernel);

	cfg->gdb_port = repro_free_port();
	if (cfg->gdb_port < 0) {
		fprintf(stderr, "upcilab: repro --gdb: no free TCP port on 127.0.0.1 for the gdbstub\n");
		free(kernel);
		return -1;
	}
	for (size_t i = 0; i < scn->ntests; i++)
		scn->tests[i].timeout_s = REPRO_GDB_TIMEOUT_S;
	scn->vm_timeout_s = REPRO_GDB_TIMEOUT_S;
	scn->gdb_modules = true;
	cfg->jobs = 1;
	fprintf(stderr, "upcilab: repro: the guest waits at its first instruction for gdb on 127.0.0.1:%d:\n"
		"upcilab: gdb:   gdb%s%s -ex 'target remote 127.0.0.1:%d' -ex continue\n",
		cfg->gdb_port, symbols ? " " : "", symbols ? kernel : "",
		cfg->gdb_port);
	if (!symbols)
		fprintf(stderr, "upcilab: gdb: %s has no symbols (Debian ships them in linux-image-%s-dbg; the sanitizer kernel, --kernel from make debug-kernel, has them)\n",
			kernel, cfg->kver);
	fprintf(stderr, "upcilab: gdb: the guest's timeouts stop with it; --timeout-scale stretches the tests' own\n");
	free(kernel);
	return 0;
}

/*
 * The fault report of a repro run, and a line per fault; -1 when it cannot
 * be written or misses a cause the test announced
 */
static int repro_report(const char *dir, const struct fault_report_ctx *ctx)
{
	char *summary = NULL, *line, *next;
	int mismatches = 0, n = fault_report_write(dir, ctx, &summary, &mismatches);

	if (n < 0) {
		fprintf(stderr, "upcilab: repro: cannot write the fault report in %s\n", dir);
	} else {
		for (line = summary; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			fprintf(stderr, "upcilab: repro: %s\n", line);
		}
		fprintf(stderr, "upcilab: repro: fault report (%d fault%s): %s/report.md, %s/report.json\n",
			n, n == 1 ? "" : "s", dir, dir);
		if (mismatches)
			fprintf(stderr, "upcilab: repro: %d announced cause%s not reached by the report\n",
				mismatches, mismatches == 1 ? "" : "s");
	}
	free(summary);
	return n < 0 || mismatches ? -1 : 0;
}

/* run, then the guest's trace beside the VM's logs, and how to run it again */
static int cmd_repro(struct config *cfg, struct scenario *scn,
		     const char *target)
{
	struct repro_opts o = cfg->repro;
	const char *drivers[SCN_MAX_DRIVERS], *viommus[VIOMMU_MAX];
	char *owned, *owned_v, *label, *dir, *path, *console, *trace, *again;
	const char *driver, *viommu;
	struct buf err = { 0 };
	int ret;

	if (!o.runs)
		o.runs = 1;
	driver = drivers_for_run(scn->drivers, scn->ndrivers, cfg->driver,
				 drivers, &owned) ? drivers[0] : "none";
	viommu = namelist_select(scn->viommus, scn->nviommus, cfg->viommu,
				 viommus, &owned_v) ? viommus[0] : VIOMMU_DEFAULT;
	if (repro_prepare(scn, target, &o, &err)) {
		fprintf(stderr, "upcilab: repro: %s\n", err.s);
		ret = EXIT_USAGE;
		goto out;
	}
	cfg->driver = driver;
	cfg->viommu = viommu;
	if (!cfg->results_opt)
		cfg->results_dir = "build/repro";
	if (cfg->gdb_port && repro_gdb(cfg, scn)) {
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cmd_run(cfg, scn, 1);
	label = vm_label(scn, driver, viommu);
	dir = vm_log_dir(cfg, label);
	path = xasprintf("%s/console.log", dir);
	console = read_file(path, NULL);
	trace = repro_guest_trace(console);
	free(path);
	path = xasprintf("%s/guest-trace.txt", dir);
	if (trace && !write_file(path, trace, strlen(trace), 0644))
		fprintf(stderr, "upcilab: repro: the guest's IOMMU trace: %s\n", path);
	else
		fprintf(stderr, "upcilab: repro: no guest IOMMU trace in %s/console.log\n", dir);
	fprintf(stderr, "upcilab: repro: QEMU's vIOMMU fault trace: %s/qemu.log; console: %s/console.log\n",
		dir, dir);
	again = xasprintf("upcilab --driver %s --viommu %s%s%.0d%s%s repro %s%s%s",
			  driver, viommu, o.runs > 1 ? " --runs " : "", o.runs > 1 ? o.runs : 0,
			  o.until_fail ? " --until-fail" : "", cfg->gdb_port ? " --gdb" : "",
			  scn->path, target ? " " : "", target ? target : "");
	if (repro_report(dir, &(struct fault_report_ctx){
			.scenario = scn->name, .target = target ? target : "(all its tests)",
			.driver = driver,
			.viommu = viommu, .command = again }) && ret == 0)
		ret = EXIT_FAILED;
	fprintf(stderr, "upcilab: repro: again: %s\n", again);
	free(again);
	free(trace);
	free(console);
	free(path);
	free(dir);
	free(label);
out:
	buf_free(&err);
	free(owned);
	free(owned_v);
	return ret;
}

static int cmd_list(struct scenario *scns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct scenario *s = &scns[i];

		printf("%-20s", s->name);
		for (size_t d = 0; d < s->ndrivers; d++)
			printf("%s%s", d ? "," : " drivers=", s->drivers[d]);
		for (size_t v = 0; v < s->nviommus; v++)
			printf("%s%s", v ? "," : " viommus=", s->viommus[v]);
		printf(" devices=%zu tests=", s->ndevs);
		for (size_t t = 0; t < s->ntests; t++)
			printf("%s%s", t ? "," : "", s->tests[t].name);
		printf("\n%20s %s\n", "", s->description ? s->description : "");
	}
	return 0;
}

static int cmd_shell(struct config *cfg, struct scenario *scn)
{
	const char *drivers[SCN_MAX_DRIVERS];
	char *owned;
	const char *driver = drivers_for_run(scn->drivers, scn->ndrivers,
					     cfg->driver, drivers, &owned) ?
			     drivers[0] : "none";
	const char *viommus[VIOMMU_MAX];
	char *owned_v;
	const struct viommu_info *viommu =
		viommu_lookup(namelist_select(scn->viommus, scn->nviommus,
					      cfg->viommu, viommus, &owned_v) ?
			      viommus[0] : VIOMMU_DEFAULT);
	char *label = vm_label(scn, driver, viommu->name);
	struct strv argv = { 0 };
	struct buf err = { 0 };
	struct vm_paths p;

	if (viommu_fits(scn, viommu->name) || check_host(cfg) ||
	    choose_qemu(cfg, scn, 1))
		return EXIT_USAGE;
	pick_accel(cfg);
	vm_paths_make(cfg, label, &p);
	if (build_image(cfg, scn, driver, viommu, &p, &err)) {
		fprintf(stderr, "upcilab: building the guest image failed:\n%s", err.s);
		return EXIT_FAILED;
	}
	qemu_argv(cfg, scn, viommu, &p, true, &argv);
	fprintf(stderr, "upcilab: %s: Ctrl-A X quits QEMU; the test results channel goes to %s\n",
		label, p.ktap_log);
	vm_gcov_env(p.qemu_gcov);
	execvp(argv.v[0], argv.v);
	fprintf(stderr, "upcilab: cannot run %s: %s\n", argv.v[0], strerror(errno));
	return EXIT_FAILED;
}

/* A whole number from 1 to max. */
static int parse_count(const char *opt, const char *arg, long max, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg < '0' || *arg > '9' || *end || v < 1 || v > max) {
		fprintf(stderr, "upcilab: %s takes a whole number from 1 to %ld, not '%s'\n",
			opt, max, arg);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* --driver, --viommu: a comma-separated list of known names */
static int parse_names(const char *arg, const char *what,
		       const char *(*unknown)(const char *, char *, size_t),
		       const char *known)
{
	char bad[64];

	if (*arg && !unknown(arg, bad, sizeof(bad)))
		return 0;
	fprintf(stderr, "upcilab: unknown %s '%s' (known: %s)\n", what,
		*arg ? bad : arg, known);
	return -1;
}

static int add_append_for(struct config *cfg, const char *arg)
{
	struct buf err = { 0 };

	if (cfg->nappend_for == APPEND_FOR_MAX) {
		fprintf(stderr, "upcilab: --append-for: at most %d of them\n",
			APPEND_FOR_MAX);
		return -1;
	}
	if (append_for_parse(arg, &cfg->append_for[cfg->nappend_for], &err)) {
		fprintf(stderr, "upcilab: --append-for: %s\n", err.s);
		buf_free(&err);
		return -1;
	}
	cfg->nappend_for++;
	return 0;
}

/* Every name --append-for gives is a scenario of the directory. */
static int check_append_for(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nappend_for; i++) {
		char *names = xstrdup(cfg->append_for[i].names), *save = NULL;

		for (char *n = strtok_r(names, ",", &save); n;
		     n = strtok_r(NULL, ",", &save)) {
			char *path = xasprintf("%s/%s.scenario", cfg->scenario_dir, n);
			bool there = access(path, F_OK) == 0;

			free(path);
			if (!there) {
				fprintf(stderr, "upcilab: --append-for: no scenario '%s' in %s\n",
					n, cfg->scenario_dir);
				free(names);
				return -1;
			}
		}
		free(names);
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct config *cfg)
{
	enum { OPT_SCN = 256, OPT_GUEST, OPT_KMOD, OPT_RESULTS, OPT_WORK,
	       OPT_KERNEL, OPT_QEMU, OPT_TEST_KMOD, OPT_TIMEOUT_SCALE,
	       OPT_SHARD, OPT_DURATIONS, OPT_RUNS, OPT_UNTIL_FAIL, OPT_GDB,
	       OPT_APPEND_FOR };
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "viommu", required_argument, NULL, 'I' },
		{ "accel", required_argument, NULL, 'a' },
		{ "append", required_argument, NULL, 'A' },
		{ "append-for", required_argument, NULL, OPT_APPEND_FOR },
		{ "jobs", required_argument, NULL, 'j' },
		{ "table", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "scenarios", required_argument, NULL, OPT_SCN },
		{ "guest", required_argument, NULL, OPT_GUEST },
		{ "kmod", required_argument, NULL, OPT_KMOD },
		{ "test-kmod", required_argument, NULL, OPT_TEST_KMOD },
		{ "results", required_argument, NULL, OPT_RESULTS },
		{ "work", required_argument, NULL, OPT_WORK },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "qemu", required_argument, NULL, OPT_QEMU },
		{ "timeout-scale", required_argument, NULL, OPT_TIMEOUT_SCALE },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "durations", required_argument, NULL, OPT_DURATIONS },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "until-fail", no_argument, NULL, OPT_UNTIL_FAIL },
		{ "gdb", no_argument, NULL, OPT_GDB },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+d:I:a:A:j:tvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_names(optarg, "driver", driver_list_unknown,
					driver_names()))
				return -1;
			cfg->driver = optarg;
			break;
		case 'I':
			if (parse_names(optarg, "vIOMMU", viommu_list_unknown,
					viommu_names()))
				return -1;
			cfg->viommu = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") &&
			    strcmp(optarg, "tcg")) {
				fprintf(stderr, "upcilab: --accel takes auto, kvm or tcg, not '%s'\n",
					optarg);
				return -1;
			}
			cfg->accel = optarg;
			break;
		case 'A':
			if (strpbrk(optarg, "\"'\\\n")) {
				fprintf(stderr, "upcilab: --append must not contain quotes, backslashes or newlines\n");
				return -1;
			}
			cfg->append = optarg;
			break;
		case OPT_APPEND_FOR:
			if (add_append_for(cfg, optarg))
				return -1;
			break;
		case 'j':
			if (parse_count("--jobs", optarg, 64, &cfg->jobs))
				return -1;
			break;
		case 't':
			cfg->table = true;
			break;
		case 'v':
			cfg->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_SCN:
			cfg->scenario_dir = optarg;
			break;
		case OPT_GUEST:
			cfg->guest_dir = optarg;
			break;
		case OPT_KMOD:
			cfg->kmod_dir = optarg;
			break;
		case OPT_TEST_KMOD:
			cfg->test_kmod_dir = optarg;
			break;
		case OPT_RESULTS:
			cfg->results_dir = optarg;
			cfg->results_opt = true;
			break;
		case OPT_WORK:
			cfg->work_dir = optarg;
			break;
		case OPT_KERNEL:
			free(cfg->kernel_dir);
			cfg->kernel_dir = xstrdup(optarg);
			cfg->kernel_opt = true;
			break;
		case OPT_QEMU:
			cfg->qemu_opt = optarg;
			break;
		case OPT_TIMEOUT_SCALE:
			if (parse_count("--timeout-scale", optarg, 100,
					&cfg->timeout_scale))
				return -1;
			break;
		case OPT_SHARD:
			if (shard_parse(optarg, &cfg->shard, &cfg->shards)) {
				fprintf(stderr, "upcilab: --shard takes I/N with 1 <= I <= N <= %d, not '%s'\n",
					SHARD_MAX, optarg);
				return -1;
			}
			break;
		case OPT_DURATIONS:
			if (access(optarg, R_OK)) {
				fprintf(stderr, "upcilab: --durations %s: %s\n", optarg,
					strerror(errno));
				return -1;
			}
			cfg->durations = optarg;
			break;
		case OPT_RUNS:
			if (parse_count("--runs", optarg, REPRO_MAX_RUNS,
					&cfg->repro.runs))
				return -1;
			break;
		case OPT_UNTIL_FAIL:
			cfg->repro.until_fail = true;
			break;
		case OPT_GDB:
			cfg->gdb_port = -1;	/* repro picks a free one */
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int cmd_merge(struct config *cfg, char *const *dirs, size_t n)
{
	struct report_vm *vms;
	struct buf err = { 0 };
	size_t nvms;
	struct tally t;
	bool broken = false;

	if (merge_results(dirs, n, &vms, &nvms, &err)) {
		fprintf(stderr, "upcilab: merge: %s", err.s);
		buf_free(&err);
		return EXIT_USAGE;
	}
	mkdir_p(cfg->results_dir);
	for (size_t i = 0; i < nvms; i++) {
		report_vm(stdout, &vms[i], cfg->verbose);
		broken |= vms[i].res.error != NULL;
	}
	t = write_results(cfg, vms, nvms);
	report_vms_free(vms, nvms);
	return t.fail || broken ? EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.scenario_dir = "tests/scenarios", .guest_dir = "build/guest",
		.kmod_dir = "build/kmod", .test_kmod_dir = "build/tests-kmod",
		.results_dir = "build/results",
		.work_dir = "build/run",
		.busybox = "/bin/busybox", .accel = "auto",
		.tty = isatty(STDERR_FILENO), .shard = 1, .shards = 1,
	};
	struct strv paths = { 0 };
	struct scenario *scns;
	const char *cmd;
	int ret;

	/* its own options, none of the VMs' */
	if (argc > 1 && !strcmp(argv[1], "bench-report"))
		return bench_report_main(argc - 1, argv + 1);
	cfg.kernel_dir = xasprintf("%s/%s", cache_dir(), UPCI_KERNEL_ENTRY);
	if (parse_options(argc, argv, &cfg) || optind >= argc) {
		if (optind >= argc)
			usage(stderr);
		return EXIT_USAGE;
	}
	/* another kernel (--kernel: a sanitizer build) has its own release */
	cfg.kver = modules_release(cfg.kernel_dir);
	if (!cfg.kver)
		cfg.kver = xstrdup(UPCI_KVER);
	cmd = argv[optind++];
	if (!strcmp(cmd, "bench-report")) {
		fprintf(stderr, "upcilab: bench-report takes no upcilab options: upcilab bench-report [--baseline FILE.json] [--out DIR] RESULTS_DIR\n");
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "run") && strcmp(cmd, "list") && strcmp(cmd, "shell") &&
	    strcmp(cmd, "merge") && strcmp(cmd, "repro")) {
		fprintf(stderr, "upcilab: unknown command '%s' (run, list, shell, merge, repro, bench-report; see --help)\n",
			cmd);
		return EXIT_USAGE;
	}
	if ((cfg.repro.runs || cfg.repro.until_fail || cfg.gdb_port) &&
	    strcmp(cmd, "repro")) {
		fprintf(stderr, "upcilab: --runs, --until-fail and --gdb are for repro\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "repro") && argc - optind != 2 && argc - optind != 1) {
		fprintf(stderr, "upcilab: repro takes a scenario and a test: repro SCENARIO [TEST[.CASE]]\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "merge")) {
		ret = cmd_merge(&cfg, argv + optind, (size_t)(argc - optind));
		free(cfg.kernel_dir);
		free(cfg.kver);
		return ret;
	}
	if (cfg.shards > 1 && strcmp(cmd, "run")) {
		fprintf(stderr, "upcilab: --shard is for run\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "shell") && argc - optind != 1) {
		fprintf(stderr, "upcilab: shell takes exactly one scenario\n");
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "list") && argc - optind) {
		fprintf(stderr, "upcilab: list takes no arguments\n");
		return EXIT_USAGE;
	}
	for (int i = optind; i < (strcmp(cmd, "repro") ? argc : optind + 1); i++) {
		char *p = scenario_path(&cfg, argv[i]);

		strv_add(&paths, p);
		free(p);
	}
	if (!paths.n && all_scenarios(&cfg, &paths))
		return EXIT_USAGE;
	if (!paths.n) {
		fprintf(stderr, "upcilab: no scenarios in %s\n", cfg.scenario_dir);
		return EXIT_USAGE;
	}
	scns = xcalloc(paths.n, sizeof(*scns));
	if (check_append_for(&cfg)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (load_all(&cfg, &paths, scns, strcmp(cmd, "list") != 0)) {
		ret = EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; cfg.timeout_scale > 1 && i < paths.n; i++)
		scenario_scale_timeouts(&scns[i], cfg.timeout_scale);
	for (size_t i = 0; i < paths.n; i++)
		append_for_apply(cfg.append_for, cfg.nappend_for, scns[i].name,
				 &scns[i].cmdline);
	if (!strcmp(cmd, "list"))
		ret = cmd_list(scns, paths.n);
	else if (!strcmp(cmd, "shell"))
		ret = cmd_shell(&cfg, &scns[0]);
	else if (!strcmp(cmd, "repro"))
		ret = cmd_repro(&cfg, &scns[0], argc - optind == 2 ? argv[optind + 1] : NULL);
	else
		ret = cmd_run(&cfg, scns, paths.n);
out:
	for (size_t i = 0; i < paths.n; i++)
		scenario_free(&scns[i]);
	free(scns);
	strv_free(&paths);
	free(cfg.kernel_dir);
	free(cfg.kver);
	free(cfg.qemu);
	for (size_t i = 0; i < cfg.nappend_for; i++)
		append_for_free(&cfg.append_for[i]);
	return ret;
}
