#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the host unit test binaries given as arguments (kselftest harness),
# streaming their TAP, and sums their "# Totals:" lines into one summary:
#   unit: N passed, N failed, N skipped
# xfail counts as passed, xpass and error as failed. Exits non-zero if a case
# failed, or a binary exited non-zero or printed no Totals line.
set -u

pass=0 fail=0 skip=0 broken=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

for bin in "$@"; do
	echo "# unit: $bin"
	"$bin" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
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
