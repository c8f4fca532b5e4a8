#!/usr/bin/env bash
# Boots a scenario (SCENARIO, default "default", with vfio-pci) N times per
# upcilab binary under TCG with the host loaded: LOADERS busy loops at nice
# 0, the VM at nice NICE (as when a build shares the host). Counts the
# boots that panic in the kernel's timer check ("timer doesn't work through
# Interrupt-remapped IO-APIC"), the ones with any other Oops or panic (on a
# guest with several vCPUs: "Oops: int3", code patched at run time that a
# vCPU still ran), the ones that pass their tests, and the rest; each run
# is cut after LIMIT seconds. Results under $OUT (default
# /tmp/boot-under-load).
# usage: ci/boot-under-load.sh N LOADERS NICE LIMIT UPCILAB...
# e.g.   ci/boot-under-load.sh 10 2 10 150 build/upcilab
#        SCENARIO=irq-nointx ci/boot-under-load.sh 40 2 0 150 build/upcilab
[ $# -ge 5 ] || { sed -n '2,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
n=$1 loaders=$2 nicev=$3 limit=$4; shift 4
cd "$(dirname "$0")/.."
mkdir -p "${OUT:-/tmp/boot-under-load}" || exit 2
pids=()
for i in $(seq "$loaders"); do sh -c 'while :; do :; done' & pids+=($!); done
trap 'kill "${pids[@]}"' EXIT
out_dir=${OUT:-/tmp/boot-under-load}
scenario=${SCENARIO:-default}
b=0
for bin in "$@"; do
	bin=$(realpath "$bin")
	b=$((b + 1))
	tag=$b-$(basename "$bin")
	panics=0 oopses=0 passed=0 booted=0 other=0
	for k in $(seq "$n"); do
		out=$out_dir/$tag-$k
		rm -rf "$out"
		t0=$(date +%s)
		timeout -s INT "$limit" nice -n "$nicev" "$bin" -j 1 --accel tcg --driver vfio-pci \
			--results "$out" --work "$out_dir/work-$tag" run "$scenario" >/dev/null 2>&1
		rc=$?
		con="$out/$scenario-vfio-pci/console.log"
		if grep -q "timer doesn't work through Interrupt-remapped IO-APIC" "$con"; then
			panics=$((panics + 1)) what=timer-panic
		elif grep -qE "Oops:|Kernel panic" "$con"; then
			oopses=$((oopses + 1)) what="oops: $(grep -m1 -E 'Oops:|Kernel panic' "$con" | cut -c16-)"
		elif [ "$rc" = 0 ]; then
			passed=$((passed + 1)) what=passed
		elif grep -q "Run /init as init process" "$con"; then
			booted=$((booted + 1)) what="booted, exit $rc"
		else
			other=$((other + 1)) what="other, exit $rc"
		fi
		echo "$tag run $k: $what after $(( $(date +%s) - t0 )) s"
	done
	echo "RESULT $tag $scenario: $n runs under load: $panics timer panics, $oopses other oopses, $passed passed, $booted booted but failed, $other neither"
done
