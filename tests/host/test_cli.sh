#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upcilab's command line: every misuse gets exit status 2 and a message
# saying what is wrong, before any VM boots. TAP out, Totals line last.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
upcilab="$top/build/upcilab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 n=0

mkdir -p "$work/scn" "$work/guest" "$work/noscn"
printf 'test t1\nfrobnicate\n' >"$work/scn/bad.scenario"
printf 'test t1\n' >"$work/scn/good.scenario"
printf 'device a edu\ntest t1\n' >"$work/scn/slot1.scenario"
mkdir -p "$work/only-good" && cp "$work/scn/good.scenario" "$work/only-good/"
printf '#!/bin/sh\n' >"$work/guest/t1" && chmod +x "$work/guest/t1"
# A scenario that needs our QEMU, a kernel tree that passes the host check,
# and a build script that fails (in a directory of its own).
printf 'device m mockdma\ntest t1\n' >"$work/scn/dma.scenario"
. "$top/ci/versions"
mkdir -p "$work/kernel/lib/modules/$KVER" && : >"$work/kernel/lib/modules/$KVER/modules.dep"
mkdir -p "$work/failing/mockdevs"
printf '#!/bin/sh\necho "build-qemu: stub build failed" >&2\nexit 1\n' >"$work/failing/mockdevs/build-qemu.sh"
chmod +x "$work/failing/mockdevs/build-qemu.sh"

# expect NAME STATUS PATTERN ARGS...: stderr+stdout must match PATTERN.
# upcilab runs in $work, or in $CWD if set.
expect() {
	local name=$1 want=$2 pattern=$3 got
	shift 3
	n=$((n + 1))
	(cd "${CWD:-$work}" && env -u UPCILAB_QEMU "$upcilab" "$@") >"$work/out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && grep -qE -- "$pattern" "$work/out"; then
		echo "ok $n $name"
		pass=$((pass + 1))
	else
		echo "# exit $got (want $want), output:"
		sed 's/^/#   /' "$work/out" | head -20
		echo "not ok $n $name"
		fail=$((fail + 1))
	fi
}

S=(--scenarios "$work/scn" --guest "$work/guest")
echo "TAP version 13"
echo "1..62"
expect no_command 2 '^usage: upcilab'
expect help 0 '^usage: upcilab' --help
expect unknown_command 2 "unknown command 'frob'" frob
expect unknown_option 2 'unrecognized option' --frob run
expect bad_driver 2 "unknown driver 'nope'" --driver nope run
expect bad_driver_in_a_list 2 "unknown driver 'nope' \\(known: vfio-pci, upci, upci-vfio, none\\)" --driver upci,nope run
expect empty_driver_list 2 "unknown driver ''" --driver '' run
expect bad_viommu 2 "unknown vIOMMU 'smmuv3' \\(known: intel-iommu, amd-iommu, virtio-iommu\\)" --viommu amd-iommu,smmuv3 run
expect empty_viommu_list 2 "unknown vIOMMU ''" --viommu '' run
expect viommu_into_a_taken_slot 2 \
	"slot1: amd-iommu puts its PCI function at root slot 01, where 'a' is \\($work/scn/slot1.scenario:1\\); list amd-iommu on the scenario's viommu line" \
	"${S[@]}" --viommu amd-iommu run slot1
expect shell_viommu_into_a_taken_slot 2 \
	"slot1: virtio-iommu puts its PCI function at root slot 01, where 'a' is" \
	"${S[@]}" --viommu virtio-iommu shell slot1
expect list_shows_viommus 0 "^good .*viommus=intel-iommu" --scenarios "$work/only-good" --guest "$work/empty" list
expect bad_accel 2 "--accel takes auto, kvm or tcg, not 'fast'" --accel fast run
expect bad_timeout_scale 2 "--timeout-scale takes a whole number from 1 to 100, not '0'" --timeout-scale 0 run
expect timeout_scale_not_a_number 2 "--timeout-scale takes a whole number from 1 to 100, not '2x'" --timeout-scale 2x run
expect timeout_scale_too_big 2 "not '101'" --timeout-scale 101 run
expect bad_jobs 2 "--jobs takes a whole number from 1 to 64, not '0'" -j 0 run
expect jobs_not_a_number 2 "--jobs takes a whole number from 1 to 64, not 'all'" --jobs all run
expect jobs_too_many 2 "not '65'" -j 65 run
expect jobs_missing 2 "option requires an argument -- 'j'" -j
expect bad_shard 2 "--shard takes I/N with 1 <= I <= N <= 64, not '0/2'" --shard 0/2 run
expect shard_past_its_count 2 "not '3/2'" --shard 3/2 run
expect shard_is_for_run 2 "--shard is for run" --shard 1/2 list
expect missing_durations 2 "--durations /nonexistent: No such file or directory" --durations /nonexistent run
expect merge_of_nothing 2 "merge needs the result directories of every shard" merge
expect merge_of_a_non_result_dir 2 "not the results of an upcilab run" merge "$work/scn"
expect append_with_quote 2 'must not contain quotes' --append "a='b'" run
expect append_with_backslash 2 'must not contain quotes, backslashes or newlines' --append 'a=\b' run
expect append_with_newline 2 'must not contain quotes, backslashes or newlines' --append $'a=1\nb=2' run
expect append_for_without_colon 2 "--append-for: 'good' is not NAMES:ARGS" "${S[@]}" --append-for good run good
expect append_for_empty_name 2 "--append-for: an empty scenario name in 'good,'" "${S[@]}" --append-for good,:a=1 run good
expect append_for_path 2 "--append-for: '/' in the scenario names 'x/good'" "${S[@]}" --append-for x/good:a=1 run good
expect append_for_no_parameters 2 "--append-for: no kernel parameters after 'good:'" "${S[@]}" --append-for 'good: ' run good
expect append_for_quote 2 '--append-for: the parameters must not contain quotes' "${S[@]}" --append-for "good:a='b'" run good
expect append_for_unknown_scenario 2 "--append-for: no scenario 'nope' in $work/scn" "${S[@]}" --append-for good,nope:a=1 run good
expect append_for_nine_times 2 '--append-for: at most 8 of them' "${S[@]}" $(printf -- '--append-for good:a=1 %.0s' 1 2 3 4 5 6 7 8 9) run good
expect shell_needs_one 2 'shell takes exactly one scenario' shell
expect shell_not_two 2 'shell takes exactly one scenario' "${S[@]}" shell good good
expect repro_runs_need_a_test 2 'repro: --runs and --until-fail repeat one test: name it \(repro good TEST\)' "${S[@]}" --runs 2 repro good
expect repro_until_fail_needs_a_test 2 'repro: --runs and --until-fail repeat one test' "${S[@]}" --until-fail repro good
expect repro_not_three 2 'repro takes a scenario and a test: repro SCENARIO \[TEST\[.CASE\]\]' "${S[@]}" repro good t1 t1
expect repro_unknown_test 2 "repro: good has no test 'nope' \\(its tests: t1\\)" "${S[@]}" repro good nope.case
expect repro_bad_case 2 "repro: 'a;b' is not a kselftest case name" "${S[@]}" repro good 't1.a;b'
expect runs_zero 2 "--runs takes a whole number from 1 to 1000, not '0'" --runs 0 repro good t1
expect runs_is_for_repro 2 '--runs, --until-fail and --gdb are for repro' --runs 2 run good
expect until_fail_is_for_repro 2 '--runs, --until-fail and --gdb are for repro' --until-fail list
expect gdb_is_for_repro 2 '--runs, --until-fail and --gdb are for repro' --gdb shell good
expect list_takes_nothing 2 'list takes no arguments' list extra
expect missing_scenario 2 'nothere.scenario: cannot read' "${S[@]}" run nothere
expect malformed_scenario 2 "bad.scenario:2: unknown directive 'frobnicate'" "${S[@]}" run bad
expect missing_dir 2 'cannot open /nonexistent' --scenarios /nonexistent run
expect empty_dir 2 "no scenarios in $work/noscn" --scenarios "$work/noscn" run
expect missing_test_binary 2 "good.scenario:1: no guest test binary $work/empty/t1" \
	--scenarios "$work/scn" --guest "$work/empty" run good
UPCI_CACHE=$work/nocache expect missing_kernel 2 \
	"the pinned kernel is not unpacked \\($work/nocache/linux-image-.*missing\\): run ci/install-deps.sh" \
	"${S[@]}" run good
expect missing_kernel_option 2 '--kernel /nonexistent/k: no unpacked kernel there' \
	"${S[@]}" --kernel /nonexistent/k run good
expect list_without_binaries 0 '^good ' --scenarios "$work/only-good" --guest "$work/empty" list
expect list_reports_bad_files 2 "bad.scenario:2: unknown directive" --scenarios "$work/scn" list
expect bench_report_without_a_directory 2 '^usage: upcilab bench-report' bench-report --out "$work/br"
expect bench_report_after_options 2 'bench-report takes no upcilab options' -v bench-report "$work"
K=(--kernel "$work/kernel" --accel tcg)
expect mockdma_without_build_script 2 \
	"scenario 'dma' needs mockdma, which only our QEMU has: mockdevs/build-qemu.sh not found .*--qemu or UPCILAB_QEMU" \
	"${S[@]}" "${K[@]}" run dma
CWD=$work/failing expect mockdma_with_failing_build 2 \
	"needs mockdma, which only our QEMU has: mockdevs/build-qemu.sh failed \(exit status 1\)" \
	"${S[@]}" "${K[@]}" run dma
# --append-for reaches the kernel command line of the scenarios it names
# only, after their own cmdline and before --append: what a QEMU that
# records its arguments (and fails) was given. It fails before any init
# spoke, so each VM boots twice, and the run says so
skip=0
n=$((n + 1))
if [ -x "$top/build/guest/upcilab-guest" ]; then
	mkdir -p "$work/afguest" && cp "$work/guest/t1" "$top/build/guest/upcilab-guest" "$work/afguest/"
	printf 'test t1\ncmdline own=1\n' >"$work/scn/own.scenario"
	printf '#!/bin/sh\nfor a; do echo "$a"; done >>%s/qemu-args\nexit 7\n' "$work" >"$work/recording-qemu"
	chmod +x "$work/recording-qemu"
	(cd "$work" && "$upcilab" --scenarios "$work/scn" --guest "$work/afguest" "${K[@]}" \
		--qemu "$work/recording-qemu" --results "$work/afr" --work "$work/afw" -j 1 \
		--append-for own,slot1:kmemleak=off --append x=1 run own good) >"$work/out" 2>&1
	# --accel tcg: the host's TSC rate, which varies, as N
	own='console=ttyS0 panic=-1 no_timer_check cryptomgr.notests=1 rdinit=/init tsc_early_khz=N intel_iommu=on own=1 kmemleak=off x=1'
	good='console=ttyS0 panic=-1 no_timer_check cryptomgr.notests=1 rdinit=/init tsc_early_khz=N intel_iommu=on x=1'
	if [ "$(grep -A1 -x -- -append "$work/qemu-args" | grep -v -x -e -append -e -- |
		sed -E 's/ tsc_early_khz=[0-9]+ / tsc_early_khz=N /')" = \
	     "$(printf '%s\n' "$own" "$own" "$good" "$good")" ] &&
	   grep -qx "booted twice: 2 VMs whose first boot died before the init: own/none, good/none" "$work/out"; then
		echo "ok $n append_for_reaches_only_the_named_scenarios"
		pass=$((pass + 1))
	else
		echo "# the -append arguments:"; grep -A1 -x -- -append "$work/qemu-args" | sed 's/^/#   /'
		sed 's/^/#   /' "$work/out" | head -20
		echo "not ok $n append_for_reaches_only_the_named_scenarios"
		fail=$((fail + 1))
	fi
else
	echo "ok $n append_for_reaches_only_the_named_scenarios # SKIP build/guest/upcilab-guest not built (make guest)"
	skip=1
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" = 0 ]
