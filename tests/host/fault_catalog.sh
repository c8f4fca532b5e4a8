#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fault catalog through upcilab repro (make test), on both drivers at
# once: every fault fault_catalog causes on purpose must be in the fault
# report with the verdict the test announced (the "cause ... : ok" lines),
# and the run must pass (the three-sided checks are the test's own).
# The reports stay in $REPRO_RESULTS/fault-catalog when it is set.
# usage: tests/host/fault_catalog.sh UPCILAB [UPCILAB_FLAGS...]
set -u
upcilab=$1
shift
if [ -n "${REPRO_RESULTS:-}" ]; then
	out=$REPRO_RESULTS/fault-catalog
	rm -rf "$out" && mkdir -p "$out" || exit 2
else
	out=$(mktemp -d) || exit 2
	trap 'rm -rf "$out"' EXIT
fi
drivers="upci vfio-pci"
# the classes whose fault the report must explain (fault_catalog.c)
causes=6
fail=0
declare -A pid
for d in $drivers; do
	"$upcilab" "$@" --driver "$d" --results "$out/$d" repro fault-catalog fault_catalog \
		>"$out/$d.log" 2>&1 &
	pid[$d]=$!
done
for d in $drivers; do
	wait "${pid[$d]}"
	rc=$?
	ok=$(grep -cE '^upcilab: repro: cause .*: ok$' "$out/$d.log")
	bad=$(grep -cE '^upcilab: repro: cause .*: MISMATCH$' "$out/$d.log")
	if [ "$rc" = 0 ] && [ "$ok" = "$causes" ] && [ "$bad" = 0 ]; then
		echo "ok fault catalog on $d: $ok verdicts as the test announced"
	else
		echo "not ok fault catalog on $d: exit $rc, $ok verdicts ok, $bad mismatched (want $causes)"
		sed 's/^/#   /' "$out/$d.log" | tail -40
		fail=1
	fi
	grep -E '^upcilab: repro: cause ' "$out/$d.log" | sed 's/^upcilab: repro: /#   /'
done
echo "fault catalog: $([ "$fail" = 0 ] && echo passed || echo FAILED)"
exit "$fail"
