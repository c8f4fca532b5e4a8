#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# upci.ko's coverage from a sanitizer run: each VM's .gcda files (the guest
# sent them out before unloading the modules: harness/gcov_stream.h) beside
# the module's .gcno, captured with lcov per VM, merged, and rendered by
# genhtml: OUT/index.html (line, function and branch coverage of each of
# the module's .c files; kernel headers' inline functions left out),
# OUT/VM.info per VM, OUT/all.info merged, OUT/summary.md (the per-file
# table, for CI's job summary), OUT/gaps.md (each function no test called
# and each block of 4 or more lines no test reached, with why: REASONS,
# ci/coverage-gaps.awk), and how many of the lines run a VM with kmemleak
# on ran; two summary lines on stdout.
#
# Usage: ci/coverage.sh RESULTS OBJ OUT [REASONS]
#   RESULTS  a results directory (build/results-sanitize)
#   OBJ      the directory the module was built in (its .gcno and sources)
#   REASONS  "FUNCTION: why it is not covered" lines (tests/coverage-gaps.txt)
set -euo pipefail

[ $# = 3 ] || [ $# = 4 ] || { echo "usage: ci/coverage.sh RESULTS OBJ OUT [REASONS]" >&2; exit 2; }
results=$1 obj=$2 out=$3 reasons=${4:-}
[ -z "$reasons" ] || [ -r "$reasons" ] ||
	{ echo "coverage: cannot read the reasons file $reasons" >&2; exit 1; }
command -v lcov >/dev/null && command -v genhtml >/dev/null ||
	{ echo "coverage: lcov is not installed (ci/install-deps.sh installs it)" >&2; exit 1; }
ls "$obj"/*.gcno >/dev/null 2>&1 ||
	{ echo "coverage: no .gcno in $obj: the module was not built with GCOV_PROFILE=y" >&2; exit 1; }
# shellcheck source=ci/lcov-report.sh
. "$(dirname "$0")/lcov-report.sh"
# OUT/mockdma is ci/coverage-qemu.sh's report (make renders both at once)
mkdir -p "$out"
find "$out" -mindepth 1 -maxdepth 1 ! -name mockdma -exec rm -rf {} +
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# the VMs of the run the results directory holds (its durations file), not
# what an earlier run with other scenarios left there
if [ -f "$results/durations" ]; then
	mapfile -t vms < <(durations_vms "$results/durations")
else
	mapfile -t vms < <(cd "$results" && ls -d -- */ | sed 's:/$::')
fi
# the baseline: every line of every file at zero, so a file no VM ran
# still counts against the totals
mkdir -p "$scratch/base"
cp "$obj"/*.gcno "$scratch/base/"
quiet_lcov lcov "${rc[@]}" --capture --initial --directory "$scratch/base" \
	--base-directory "$obj" --output-file "$out/baseline.info"
# one VM: its .gcda beside the notes in a directory of its own, captured
capture() {
	local name=$1 d=$scratch/vm-$1
	mkdir -p "$d"
	cp "$obj"/*.gcno "$d/"
	# shellcheck disable=SC2086
	cp $2 "$d/"
	quiet_lcov lcov "${rc[@]}" --capture --directory "$d" --base-directory "$obj" \
		--test-name "${name//-/_}" --output-file "$out/$name.info" || touch "$scratch/failed"
}
# as many captures at once as there are CPUs (lcov is one process each)
infos=()
for name in "${vms[@]}"; do
	vm=$results/$name
	gcda=$( (find "$vm/gcov" -name '*.gcda' 2>/dev/null || true) | sort)
	[ -n "$gcda" ] || continue
	while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
	capture "$name" "$gcda" &
	infos+=(--add-tracefile "$out/$name.info")
done
wait
[ ! -e "$scratch/failed" ] || { echo "coverage: lcov could not capture a VM's data (above)" >&2; exit 1; }
[ ${#infos[@]} -gt 0 ] ||
	{ echo "coverage: no VM in $results sent coverage data (a kernel without gcov?)" >&2; exit 1; }
n=$(( ${#infos[@]} / 2 ))
# the module's own sources: not the kernel headers' inline functions
lcov_render "$out" "upci.ko: $n VMs" "$obj/*.c" "${infos[@]}"
# The lines a VM with kmemleak on ran (its result.json says "scanned"): a
# leak on a line only the others ran goes unseen (make test boots some
# with kmemleak=off: TEST_LIFETIME_OFF)
leak=()
for name in "${vms[@]}"; do
	if [ -f "$out/$name.info" ] && grep -q '"kmemleak": "scanned"' "$results/$name/result.json" 2>/dev/null; then
		leak+=("$out/$name.info")
	fi
done
# the module's lines (OBJ/*.c) these tracefiles ran, each once, whatever
# VMs (TN:) ran it
lines_hit() {
	awk -v obj="$obj/" -F, '/^SF:/ { sf = substr($0, 4); mine = index(sf, obj) == 1 && sf ~ /\.c$/ }
		/^DA:/ && mine && $2 > 0 && !seen[sf, $1]++ { n++ } END { print n + 0 }' "$@" /dev/null
}
leak_line="lines run with kmemleak on: $(lines_hit "${leak[@]}") of the $(lines_hit "$out/all.info") run (${#leak[@]} of $n VMs)"
{
	lcov_file_table "$out/all.info"
	echo
	echo "Rate of each file's lines, functions and branches the suite ran, of how many."
	echo
	echo "Upci.ko's $leak_line: a leak on the others goes unseen."
} >"$out/summary.md"
awk -v min=4 -v prefix=kmod/ -v reasons="$reasons" -f "$(dirname "$0")/coverage-gaps.awk" \
	"$out/all.info" >"$out/gaps.md"
gaps=$(grep -c '^| `' "$out/gaps.md" || true)
{ echo; sed 's/^# /### /; s/^## /#### /' "$out/gaps.md"; } >>"$out/summary.md"
echo "coverage: upci.ko from $n VM$([ "$n" = 1 ] || echo s): $(lcov_totals "$out/all.info"): $out/index.html, $gaps gaps in $out/gaps.md"
echo "coverage: upci.ko $leak_line"
