#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mockdma's own coverage: which lines, functions and branches of the QEMU
# model (mockdevs/mockdma.c) the VMs of one or more runs executed, so that
# a knob a test claims to exercise is shown to run.
#
# Our QEMU compiles mockdma.c alone with gcov (mockdevs/meson.build) and
# keeps its notes and sources beside the binary (OBJ, which is
# $UPCI_CACHE/qemu/bin/KEY/coverage); each VM's QEMU writes mockdma.c.gcda
# into the VM's qemu-gcov/ when it exits normally (harness/vm.h). Each VM
# is captured with lcov, the VMs of every RESULTS merged over an all-zero
# baseline (a function no VM ran still counts), kept to mockdma.c and
# rendered by genhtml:
#   OUT/index.html      lines, functions and branches, line by line
#   OUT/all.info        the merged counts; OUT/vms/RESULTS/VM.info per VM
#   OUT/summary.md      the table and the functions no VM ran (CI's job
#                       summary)
# and one summary line on stdout. A VM whose QEMU was another build of
# mockdma.c (its .gcda does not match OBJ's notes) is left out, saying so.
#
# Usage: ci/coverage-qemu.sh OBJ OUT RESULTS...
#   OBJ      mockdma.c.gcno and mockdma.c (mockdevs/build-qemu.sh)
#   RESULTS  results directories (build/results, build/results-sanitize);
#            the VMs of each run are those its durations files list, at
#            any depth (build/results-repro holds one run per driver)
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: ci/coverage-qemu.sh OBJ OUT RESULTS..." >&2; exit 2; }
obj=$1 out=$2
shift 2
die() { echo "coverage-qemu: $*" >&2; exit 1; }
{ command -v lcov && command -v genhtml; } >/dev/null ||
	die "lcov is not installed (ci/install-deps.sh installs it)"
[ -f "$obj/mockdma.c.gcno" ] ||
	die "no mockdma.c.gcno in $obj: that QEMU was built without coverage (mockdevs/build-qemu.sh keeps its notes in bin/KEY/coverage)"
[ -f "$obj/mockdma.c" ] || die "no mockdma.c in $obj: the notes' source is missing"
for r in "$@"; do
	[ -d "$r" ] || die "no results directory $r"
done
obj=$(cd "$obj" && pwd)
# shellcheck source=ci/lcov-report.sh
. "$(dirname "$0")/lcov-report.sh"
# The notes name the source as the compiler saw it in QEMU's tree
# (../src/hw/misc/mockdevs/mockdma.c): point it at OBJ's copy. No
# exclusion markers, so lcov does not look for the tree.
capture() {
	quiet_lcov lcov "${rc[@]}" --no-markers --capture --base-directory "$obj" "$@"
}
point_at_obj() { sed -i "s#^SF:.*/mockdma\\.c\$#SF:$obj/mockdma.c#" "$1"; }
# one VM's counts (GCDA) as test NAME into INFO, in a directory of its own
capture_vm() {
	local d
	d=$(mktemp -d "$scratch/vm.XXXXXX")
	cp "$obj/mockdma.c.gcno" "$1" "$d/"
	{ capture --directory "$d" --test-name "$2" --output-file "$3" && point_at_obj "$3"; } ||
		touch "$scratch/failed"
}
# gcc's stamp of one compilation, in the notes and in the counts
stamp() { od -An -tx4 -j8 -N4 "$1" | tr -d ' \n'; }

rm -rf "$out"
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
want=$(stamp "$obj/mockdma.c.gcno")

mkdir -p "$scratch/base"
cp "$obj/mockdma.c.gcno" "$scratch/base/"
capture --initial --directory "$scratch/base" --output-file "$out/baseline.info"
point_at_obj "$out/baseline.info"

infos=() nodata=0
for r in "$@"; do
	r=${r%/} other=0
	# each run's VMs, not what an earlier run with other scenarios left
	while read -r dur; do
		runs=${dur%/durations}
		mapfile -t vms < <(durations_vms "$dur")
		for name in "${vms[@]}"; do
			vm=$runs/$name
			gcda="" found=""
			while read -r f; do
				found=1
				if [ "$(stamp "$f")" = "$want" ]; then gcda=$f; break; fi
			done < <(find "$vm/qemu-gcov" -name mockdma.c.gcda 2>/dev/null | sort)
			if [ -z "$gcda" ]; then
				if [ -n "$found" ]; then other=$((other + 1)); else nodata=$((nodata + 1)); fi
				continue
			fi
			rel=${vm#"$r"}
			info=$out/vms/${r##*/}/${rel#/}.info
			mkdir -p "${info%/*}"
			# as many captures at once as there are CPUs
			while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
			capture_vm "$gcda" "$(tr -c 'A-Za-z0-9_\n' _ <<<"${r##*/}_$rel")" "$info" &
			infos+=(--add-tracefile "$info")
		done
	done < <(find "$r" -name durations -type f | sort)
	[ "$other" = 0 ] ||
		echo "coverage-qemu: $r: $other VM(s) ran another build of mockdma.c (their counts do not match $obj; an older run?): left out" >&2
done
wait
[ ! -e "$scratch/failed" ] || die "lcov could not capture a VM's counts (above)"
n=$(( ${#infos[@]} / 2 ))
[ "$nodata" = 0 ] ||
	echo "coverage-qemu: $nodata VM(s) left no mockdma.c counts (QEMU killed, or not ours)" >&2
[ "$n" -gt 0 ] ||
	die "no VM in $* sent mockdma.c coverage data (a QEMU without gcov, VMs killed before QEMU exited, or another build of mockdma.c)"
lcov_render "$out" "mockdma (QEMU): $n VMs" "$obj/mockdma.c" "${infos[@]}"
{
	lcov_file_table "$out/all.info"
	echo
	echo "QEMU's mockdma.c as $n VM$([ "$n" = 1 ] || echo s) of $* ran it: the rate of its lines, functions and branches, of how many."
	# FN:LINE,NAME and FNDA:COUNT,NAME: the functions at 0, in source order
	# (summed over the VMs' records)
	awk -F'[:,]' '$1 == "FN" { line[$3] = $2 } $1 == "FNDA" { hits[$3] += $2 }
		END { for (f in line) if (!hits[f]) print line[f], f }' "$out/all.info" |
		sort -n | awk 'BEGIN { ORS = "" } { list = list (NR > 1 ? ", " : "") "`" $2 "`" }
			END { if (NR) print "\nFunctions no VM ran (" NR "): " list ".\n"; else print "\nEvery function ran.\n" }'
} >"$out/summary.md"
echo "coverage: mockdma from $n VM$([ "$n" = 1 ] || echo s): $(lcov_totals "$out/all.info"): $out/index.html"
