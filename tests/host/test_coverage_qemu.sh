#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/coverage-qemu.sh: usage, lcov missing, no .gcno, a missing results
# directory and no data each fail saying so; and end to end, a small
# program standing in for QEMU: its mockdma.c compiled with --coverage in a
# build tree beside its source as build-qemu.sh's is, the notes and the
# source kept elsewhere and the tree deleted, run as two VMs of two results
# directories (one nested, as build/results-repro is) with the GCOV_PREFIX
# the harness gives QEMU; merged, rendered, the summary line, the table and
# the functions no VM ran right; a VM that ran another build of it left out
# saying so, and a VM the durations file does not list not read; the
# counts of a results directory's VMs summed (gcov-tool), one .info for it.
# TAP out, Totals line last.
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"
cov=$top/ci/coverage-qemu.sh

run() {
	env PATH="$1" bash "$cov" "${@:2}" >"$work/out" 2>"$work/err"
	rc=$?
}
show_on_failure="stdout:$work/out stderr:$work/err"
mkdir -p "$work/bare" "$work/obj" "$work/empty" "$work/src" "$work/build" "$work/build2" \
	"$work/res/mockdma-upci" "$work/res2/catalog/upci"
for t in bash dirname cat cut mkdir rm ls sed awk find sort mktemp cp od tr; do
	ln -s "$(command -v $t)" "$work/bare/$t"
done

echo "TAP version 13"
echo "1..11"
run "$PATH" one two
check "wrong arguments: usage, exit 2" '[ $rc = 2 ] && grep -q "usage: ci/coverage-qemu.sh OBJ OUT RESULTS..." "$work/err"'
run "$work/bare" "$work/obj" "$work/cov" "$work/res"
check "no lcov: exit 1 and says so" '[ $rc = 1 ] && grep -q "^coverage-qemu: lcov is not installed" "$work/err"'
if ! command -v lcov >/dev/null; then
	for i in 3 4 5 6 7 8 9 10 11; do echo "ok $i # SKIP lcov is not installed (ci/install-deps.sh installs it)"; done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:9 error:0"
	exit "$fail"
fi
mkdir -p "$work/nogt"
cp -P "$work/bare/"* "$work/nogt/"
ln -s "$(command -v lcov)" "$work/nogt/lcov"
ln -s "$(command -v genhtml)" "$work/nogt/genhtml"
run "$work/nogt" "$work/obj" "$work/cov" "$work/res"
check "no gcov-tool: exit 1 and says so" '[ $rc = 1 ] && grep -q "^coverage-qemu: gcov-tool is not installed" "$work/err"'
run "$PATH" "$work/empty" "$work/cov" "$work/res"
check "no .gcno: exit 1 and says so" '[ $rc = 1 ] && grep -q "^coverage-qemu: no mockdma.c.gcno in $work/empty: that QEMU was built without coverage" "$work/err"'

# "QEMU": one function no VM runs (3 lines), one only the second VM runs
# (3 lines: without it, 4 of 10 lines and 1 of 3 functions)
cat >"$work/src/mockdma.c" <<'C'
static int never(int x)
{
	return x * 2;
}

static int more(int x)
{
	return x + 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 9)
		return never(argc);
	if (argc > 2)
		return more(argc) - argc - 1;
	return 0;
}
C
build() {
	(cd "$work/$1" && gcc --coverage -fprofile-update=atomic -O0 -c ../src/mockdma.c -o mockdma.c.o &&
		gcc --coverage mockdma.c.o -o qemu) >>"$work/out" 2>&1
}
build build && build build2
cp "$work/build/mockdma.c.gcno" "$work/src/mockdma.c" "$work/obj/"
run "$PATH" "$work/obj" "$work/cov" "$work/res" "$work/nowhere"
check "a results directory that is not there: exit 1 and says so" '[ $rc = 1 ] && grep -q "^coverage-qemu: no results directory $work/nowhere" "$work/err"'
printf 'mockdma/upci 1.0 cpu 0.8\n' >"$work/res/durations"
run "$PATH" "$work/obj" "$work/cov" "$work/res"
check "no VM sent data: exit 1 and says so" '[ $rc = 1 ] && grep -q "^coverage-qemu: no VM in $work/res sent mockdma.c coverage data" "$work/err"'

# each VM's QEMU exits with the harness's GCOV_PREFIX (harness/vm.h)
vm() { env GCOV_PREFIX="$1/qemu-gcov" GCOV_PREFIX_STRIP=0 "${@:2}"; }
vm "$work/res/mockdma-upci" "$work/build/qemu"
vm "$work/res/mockdma-vfio-pci" "$work/build/qemu" a b
vm "$work/res2/catalog/upci/fault-catalog-upci" "$work/build/qemu" a b
printf 'fault-catalog/upci 2.0 cpu 1.5\n' >"$work/res2/catalog/upci/durations"
# another build of mockdma.c than the notes, and a VM of an older run
vm "$work/res/stale-upci" "$work/build2/qemu" a b
vm "$work/res/older-upci" "$work/build/qemu" a b
printf 'mockdma/upci 1.0 cpu 0.8\nmockdma/vfio-pci 1.0 cpu 0.8\nstale/upci 1.0 cpu 0.8\n' >"$work/res/durations"
# the trees are gone: the notes and the source in OBJ are enough
rm -rf "$work/build" "$work/build2" "$work/src"
run "$PATH" "$work/obj" "$work/cov" "$work/res" "$work/res2/"
check "end to end: exit 0" '[ $rc = 0 ]'
check "the summary line counts lines, functions and branches of the three VMs" \
	'grep -qxE "coverage: mockdma from 3 VMs: lines 70.0% \(7 of 10\), functions 66.7% \(2 of 3\), branches 75.0% \(3 of 4\): $work/cov/index.html" "$work/out"'
check "the VM of another build is left out saying so, the older one not read" \
	'grep -qxF "coverage-qemu: $work/res: 1 VM(s) ran another build of mockdma.c (their counts do not match $work/obj; an older run?): left out" "$work/err" &&
	grep -qx "FNDA:2,main" "$work/cov/runs/res.info" && grep -qx "FNDA:1,more" "$work/cov/runs/res.info"'
check "genhtml wrote the HTML, and a .info per results directory with its VMs' counts summed" \
	'[ -s "$work/cov/index.html" ] && grep -qx "TN:res" "$work/cov/runs/res.info" &&
	grep -qx "FNDA:1,main" "$work/cov/runs/res2.info" && grep -qx "FNDA:1,more" "$work/cov/runs/res2.info" &&
	grep -qx "SF:$work/obj/mockdma.c" "$work/cov/all.info"'
check "summary.md: the table and the function no VM ran" 'grep -qxF "| mockdma.c | 70.0% of 10 | 66.7% of 3 | 75.0% of 4 |" "$work/cov/summary.md" &&
	grep -qxF "Functions no VM ran (1): \`never\`." "$work/cov/summary.md"'
tap_totals
