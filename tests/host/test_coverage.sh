#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/coverage.sh: usage, lcov missing, no .gcno, no data each fail saying
# so; and end to end, a small program built with --coverage whose .gcda
# sits in a VM's gcov tree as the harness writes it: merged, rendered, the
# summary line and the per-file table right, and a VM the durations file
# does not list left out, and the lines run with kmemleak on counted from
# the VMs whose result.json says it scanned. TAP out, Totals line last.
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
plan=14
echo "1..$plan"
run "$PATH" one two
check "wrong arguments: usage, exit 2" '[ $rc = 2 ] && grep -q "usage: ci/coverage.sh RESULTS OBJ OUT \[REASONS\]" "$work/out"'
run "$work/bare" "$work/res" "$work/obj" "$work/cov"
check "no lcov: exit 1 and says so" '[ $rc = 1 ] && grep -q "lcov is not installed" "$work/out"'
if ! command -v lcov >/dev/null; then
	for ((i = n + 1; i <= plan; i++)); do echo "ok $i # SKIP lcov is not installed (ci/install-deps.sh installs it)"; done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$((plan - n)) error:0"
	exit "$fail"
fi
run "$PATH" "$work/res" "$work/empty" "$work/cov"
check "no .gcno: exit 1 and says so" '[ $rc = 1 ] && grep -q "no .gcno in" "$work/out"'

# a program with one branch never taken, one function never called and a
# block of 4 lines never reached in one that is
cat >"$work/obj/prog.c" <<'C'
static int never(int x) { return x * 2; }
static int some(int x)
{
	if (x > 5) {
		x += 1;
		x *= 3;
		x -= 2;
		x /= 7;
	}
	return x;
}
int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 5)
		return never(argc);
	return some(argc) - 1;
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
printf 'good/upci 1.0 cpu 0.8\n' >"$work/res/durations"
printf '{\n "kmemleak": "scanned",\n "label": "good/upci"\n}\n' >"$work/res/good-upci/result.json"
# a stale VM with bogus data: it must not be read
echo garbage >"$work/res/stale-upci/gcov$work/obj/prog.gcda"
run "$PATH" "$work/res" "$work/obj" "$work/cov" "$work/no-reasons"
check "an unreadable reasons file: exit 1 and says so" '[ $rc = 1 ] && grep -q "cannot read the reasons file $work/no-reasons" "$work/out"'
printf '# why\nnever: nothing calls it with more than 5 arguments\n' >"$work/reasons"
# what an earlier run left: cleared, but for mockdma's report (coverage-qemu.sh's)
mkdir -p "$work/cov/mockdma" "$work/cov/old"
: >"$work/cov/mockdma/index.html"
: >"$work/cov/old-vm.info"
run "$PATH" "$work/res" "$work/obj" "$work/cov" "$work/reasons"
check "end to end: exit 0" '[ $rc = 0 ]'
check "the summary line counts lines, functions and branches, and the gaps" \
	'grep -qE "^coverage: upci.ko from 1 VM: lines 42.9% \(6 of 14\), functions 50.0% \(2 of 4\), branches 50.0% \(2 of 4\): $work/cov/index.html, 3 gaps in $work/cov/gaps.md$" "$work/out"'
check "gaps.md: the uncalled functions, with a reason where one is given" \
	'grep -qxF "| \`never()\` | 1 | function never called | nothing calls it with more than 5 arguments |" "$work/cov/gaps.md" &&
	grep -qxF "| \`unused()\` | 1 | function never called | no reason given |" "$work/cov/gaps.md"'
check "gaps.md: the block of 4 lines never reached, in its function" \
	'grep -qxF "| \`some()\` | 5-8 | 4 lines not reached | no reason given |" "$work/cov/gaps.md"'
check "genhtml wrote the HTML, and a .info per VM" '[ -s "$work/cov/index.html" ] && [ -s "$work/cov/good-upci.info" ] && [ ! -e "$work/cov/stale-upci.info" ]'
check "an earlier run's files are gone, mockdma's report (written beside) is not" \
	'[ ! -e "$work/cov/old-vm.info" ] && [ ! -e "$work/cov/old" ] && [ -e "$work/cov/mockdma/index.html" ]'
check "the per-file table, the file no VM ran included" 'grep -qE "^\| prog.c \| 50.0% of 12 \| 66.7% of 3 \| 50.0% of 4 \|$" "$work/cov/summary.md" &&
	grep -qE "^\| unused.c \| 0.0% of 2 \| 0.0% of 1 \| - of 0 \|$" "$work/cov/summary.md"'
# a second VM that ran the same lines: each line counts once
cp -r "$work/res/good-upci" "$work/res/twin-upci"
printf 'good/upci 1.0 cpu 0.8\ntwin/upci 1.0 cpu 0.8\n' >"$work/res/durations"
run "$PATH" "$work/res" "$work/obj" "$work/cov" "$work/reasons"
check "the lines VMs with kmemleak on ran, each once" \
	'[ $rc = 0 ] && grep -qxF "coverage: upci.ko lines run with kmemleak on: 6 of the 6 run (2 of 2 VMs)" "$work/out" &&
	grep -qF "lines run with kmemleak on: 6 of the 6 run (2 of 2 VMs): a leak on the others goes unseen." "$work/cov/summary.md"'
# both booted with kmemleak=off: their lines ran unchecked
sed -i 's/"scanned"/"off"/' "$work/res/good-upci/result.json" "$work/res/twin-upci/result.json"
run "$PATH" "$work/res" "$work/obj" "$work/cov" "$work/reasons"
check "VMs with kmemleak off: none of their lines count" \
	'[ $rc = 0 ] && grep -qxF "coverage: upci.ko lines run with kmemleak on: 0 of the 6 run (0 of 2 VMs)" "$work/out"'
tap_totals
