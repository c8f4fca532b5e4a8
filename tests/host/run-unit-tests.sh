#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the host unit test binaries given as arguments (kselftest harness),
# all at once (most of their time is sleeping children and timeouts), then
# prints their TAP in argument order and sums their "# Totals:" lines:
#   unit: N passed, N failed, N skipped
# xfail counts as passed, xpass and error as failed. Exits non-zero if a case
# failed, or a binary exited non-zero or printed no Totals line.
set -u

pass=0 fail=0 skip=0 broken=0
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

i=0
for bin in "$@"; do
	i=$((i + 1))
	{ "$bin" >"$dir/$i.out" 2>&1; echo $? >"$dir/$i.rc"; } &
done
wait

i=0
for bin in "$@"; do
	i=$((i + 1))
	out=$dir/$i.out
	echo "# unit: $bin"
	cat "$out"
	rc=$(cat "$dir/$i.rc")
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$out" | tail -n 1)
	if [ -z "$totals" ]; then
		echo "# unit: $bin printed no Totals line (exit status $rc)"
		broken=1
		continue
	fi
	read -r p f xf xp s e <<<"$totals"
	pass=$((pass + p + xf))
	fail=$((fail + f + xp + e))
	skip=$((skip + s))
	if [ "$rc" -ne 0 ]; then
		echo "# unit: $bin exited with status $rc"
		broken=1
	fi
done

echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$broken" -eq 0 ] && [ "$fail" -eq 0 ]
