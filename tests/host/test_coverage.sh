#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/coverage.sh: usage, lcov missing, no .gcno, no data each fail saying
# so; and end to end, a small program built with --coverage whose .gcda
# sits in a VM's gcov tree as the harness writes it: merged, rendered, the
# summary line and the per-file table right, and a VM the durations file
# does not list left out. TAP out, Totals line last.
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"
cov=$top/ci/coverage.sh

run() {
	env PATH="$1" bash "$cov" "${@:2}" >"$work/out" 2>&1
	rc=$?
}
show_on_failure="output:$work/out"
mkdir -p "$work/bare" "$work/obj" "$work/empty" "$work/res/good-upci" "$work/res/stale-upci"
for t in bash dirname cat cut mkdir rm ls sed awk find sort mktemp cp basename; do
	ln -s "$(command -v $t)" "$work/bare/$t"
done

echo "TAP version 13"
echo "1..8"
run "$PATH" one two
check "wrong arguments: usage, exit 2" '[ $rc = 2 ] && grep -q "usage: ci/coverage.sh RESULTS OBJ OUT" "$work/out"'
run "$work/bare" "$work/res" "$work/obj" "$work/cov"
check "no lcov: exit 1 and says so" '[ $rc = 1 ] && grep -q "lcov is not installed" "$work/out"'
if ! command -v lcov >/dev/null; then
	for i in 3 4 5 6 7 8; do echo "ok $i # SKIP lcov is not installed (ci/install-deps.sh installs it)"; done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:6 error:0"
	exit "$fail"
fi
run "$PATH" "$work/res" "$work/empty" "$work/cov"
check "no .gcno: exit 1 and says so" '[ $rc = 1 ] && grep -q "no .gcno in" "$work/out"'

# a program with one branch never taken and one function never called
cat >"$work/obj/prog.c" <<'C'
static int never(int x) { return x * 2; }
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 5)
		return never(argc);
	return 0;
}
C
# and a file no VM ran at all (a .gcno, never a .gcda): it still counts
printf 'int unused(int x)\n{\n\treturn x + 1;\n}\n' >"$work/obj/unused.c"
(cd "$work/obj" && gcc --coverage -O0 -o prog prog.c && gcc --coverage -O0 -c unused.c) >"$work/out" 2>&1
run "$PATH" "$work/res" "$work/obj" "$work/cov"
check "no VM sent data: exit 1 and says so" '[ $rc = 1 ] && grep -q "no VM in .* sent coverage data" "$work/out"'

(cd "$work/obj" && ./prog)
mkdir -p "$work/res/good-upci/gcov$work/obj" "$work/res/stale-upci/gcov$work/obj"
mv "$work/obj/prog.gcda" "$work/res/good-upci/gcov$work/obj/"
printf 'good/upci 1.0\n' >"$work/res/durations"
# a stale VM with bogus data: it must not be read
echo garbage >"$work/res/stale-upci/gcov$work/obj/prog.gcda"
run "$PATH" "$work/res" "$work/obj" "$work/cov"
check "end to end: exit 0" '[ $rc = 0 ]'
check "the summary line counts lines, functions and branches" \
	'grep -qE "^coverage: upci.ko from 1 VM: lines 42.9% \(3 of 7\), functions 33.3% \(1 of 3\), branches 50.0% \(1 of 2\): $work/cov/index.html$" "$work/out"'
check "genhtml wrote the HTML, and a .info per VM" '[ -s "$work/cov/index.html" ] && [ -s "$work/cov/good-upci.info" ] && [ ! -e "$work/cov/stale-upci.info" ]'
check "the per-file table, the file no VM ran included" 'grep -qE "^\| prog.c \| 60.0% of 5 \| 50.0% of 2 \| 50.0% of 2 \|$" "$work/cov/summary.md" &&
	grep -qE "^\| unused.c \| 0.0% of 2 \| 0.0% of 1 \| - of 0 \|$" "$work/cov/summary.md"'
tap_totals
