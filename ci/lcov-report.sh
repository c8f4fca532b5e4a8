# SPDX-License-Identifier: GPL-2.0
# What ci/coverage.sh (upci.ko) and ci/coverage-qemu.sh (mockdma) share,
# sourced by both: lcov's options, the merge and the HTML, the per-file
# table and the totals.
# shellcheck shell=bash

rc=(--rc lcov_branch_coverage=1 --quiet)

# durations_vms FILE: the VMs a run's durations file lists, as their log
# directories are named ("vfio/upci 290.7 cpu 192.1" -> vfio-upci)
durations_vms() { awk '!/^#/ && NF >= 2 { gsub("/", "-", $1); print $1 }' "$1"; }
# lcov 1.16 under Debian 12's perl warns of redefined subroutines: noise
quiet_lcov() { "$@" 2> >(grep -v ' redefined at ' >&2); }

# lcov_render OUT TITLE PATTERN --add-tracefile INFO...: OUT/baseline.info
# and the VMs' tracefiles merged, what PATTERN names kept in OUT/all.info,
# rendered by genhtml into OUT
lcov_render() {
	local out=$1 title=$2 pattern=$3
	shift 3
	quiet_lcov lcov "${rc[@]}" --add-tracefile "$out/baseline.info" "$@" --output-file "$out/merged.info"
	quiet_lcov lcov "${rc[@]}" --extract "$out/merged.info" "$pattern" --output-file "$out/all.info"
	rm -f "$out/merged.info" "$out/baseline.info"
	genhtml "${rc[@]}" --branch-coverage --show-details --legend \
		--title "$title" --output-directory "$out" "$out/all.info"
}

# The markdown table of a tracefile's files: lines, functions, branches
lcov_file_table() {
	echo "| file | lines | functions | branches |"
	echo "| --- | --- | --- | --- |"
	lcov --rc lcov_branch_coverage=1 --list "$1" 2> >(grep -v ' redefined at ' >&2) |
		awk -F'|' '/\.c *\|/ { name = $1; gsub(/^ +| +$/, "", name);
			split($2, l, " "); split($3, f, " "); split($4, b, " ");
			printf "| %s | %s of %s | %s of %s | %s of %s |\n", name, l[1], l[2], f[1], f[2], b[1], b[2] }'
}

# "lines R% (a of b), functions ..., branches ..." of a tracefile
lcov_totals() {
	lcov --rc lcov_branch_coverage=1 --summary "$1" 2>&1 |
		awk '/lines\.\.\.\.\.\./ { l = $2 " (" substr($3, 2) " of " $5 ")" }
			/functions\.\./ { f = $2 " (" substr($3, 2) " of " $5 ")" }
			/branches\.\.\./ { b = $2 " (" substr($3, 2) " of " $5 ")" }
			END { printf "lines %s, functions %s, branches %s", l, f, b }'
}
