#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mockdma's own coverage: which lines, functions and branches of the QEMU
# model (mockdevs/mockdma.c) the VMs of one or more runs executed, so that
# a knob a test claims to exercise is shown to run.
#
# Our QEMU compiles mockdma.c alone with gcov (mockdevs/meson.build) and
# keeps its notes and sources beside the binary (OBJ, which is
# $UPCI_CACHE/qemu/bin/KEY/coverage); each VM's QEMU writes mockdma.c.gcda
# into the VM's qemu-gcov/ when it exits normally (harness/vm.h). The VMs
# of each RESULTS are merged with gcov-tool and captured with lcov as one
# test named after it (make test's 49 VMs: 7 CPU-seconds so, 36 with an
# lcov capture per VM), those merged over an all-zero baseline (a
# function no VM ran still counts), kept to mockdma.c and rendered by
# genhtml:
#   OUT/index.html      lines, functions and branches, line by line
#   OUT/all.info        the merged counts; OUT/runs/RESULTS.info per
#                       results directory
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
command -v gcov-tool >/dev/null ||
	die "gcov-tool is not installed (gcc's; ci/install-deps.sh installs gcc)"
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
# the counts in directory DIR (its mockdma.c.gcda) as test NAME into INFO
capture_run() {
	cp "$obj/mockdma.c.gcno" "$1/"
	capture --directory "$1" --test-name "$2" --output-file "$3" && point_at_obj "$3"
}
# GCDA's counts added to those in directory ACC (made by the first)
add_counts() {
	local one=$scratch/one
	if [ ! -e "$2/mockdma.c.gcda" ]; then
		mkdir -p "$2" && cp "$1" "$2/mockdma.c.gcda"
		return
	fi
	rm -rf "$one" "$scratch/sum" && mkdir -p "$one" && cp "$1" "$one/mockdma.c.gcda" &&
		gcov-tool merge -o "$scratch/sum" "$2" "$one" >/dev/null &&
		mv "$scratch/sum/mockdma.c.gcda" "$2/mockdma.c.gcda"
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

infos=() nodata=0 n=0
for r in "$@"; do
	r=${r%/} other=0 acc=$scratch/runs/$(( ${#infos[@]} / 2 )) vms_here=0
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
			add_counts "$gcda" "$acc" || die "gcov-tool could not add $gcda to the counts of $r"
			vms_here=$((vms_here + 1))
		done
	done < <(find "$r" -name durations -type f | sort)
	[ "$other" = 0 ] ||
		echo "coverage-qemu: $r: $other VM(s) ran another build of mockdma.c (their counts do not match $obj; an older run?): left out" >&2
	[ "$vms_here" -gt 0 ] || continue
	# a second results directory of the same name gets its own file
	info=$out/runs/${r##*/}.info
	[ ! -e "$info" ] || info=$out/runs/${r##*/}-$(( ${#infos[@]} / 2 )).info
	mkdir -p "$out/runs"
	capture_run "$acc" "$(tr -c 'A-Za-z0-9_\n' _ <<<"${r##*/}")" "$info" ||
		die "lcov could not capture the counts of $r (above)"
	infos+=(--add-tracefile "$info")
	n=$((n + vms_here))
done
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
