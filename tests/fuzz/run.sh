#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs each fuzz target (make fuzz-harness) for FUZZ_TIME seconds on a copy
# of its corpus, so the tree is not written to; FUZZ_MERGE=1 merges what it
# found into tests/fuzz/corpus/TARGET. Fails on any crash, leak or UBSan
# report, saying where the input is and how to run it again.
#
# usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
set -u
dir=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
for t in "$@"; do
	bin=$dir/fuzz_$t
	work=$dir/work/$t
	art=$dir/artifacts/$t
	dict=$here/dict/$t.dict
	rm -rf "$work" && mkdir -p "$work" "$art" || exit 1
	cp "$here/corpus/$t"/* "$work"/ || exit 1
	set -- -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art/"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"
	echo "fuzz $t: ${secs}s, corpus $(ls "$work" | wc -l) inputs"
	if ! "$bin" "$@" "$work" >"$dir/$t.log" 2>&1; then
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$dir/$t.log" | tail -n 1)
		grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|deadly signal|ERROR: libFuzzer' \
			"$dir/$t.log" | head -n 5
		echo "fuzz $t: FAILED (log: $dir/$t.log)"
		echo "  input:      ${crash:-none written}"
		[ -n "$crash" ] && echo "  reproduce:  $bin $crash"
		status=1
		continue
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^#[0-9]+[[:space:]]+DONE' "$dir/$t.log"
	if [ "${FUZZ_MERGE:-}" = 1 ]; then
		"$bin" -merge=1 "$here/corpus/$t" "$work" >"$dir/$t.merge.log" 2>&1 || {
			echo "fuzz $t: merge failed (log: $dir/$t.merge.log)"
			status=1
		}
	fi
done
exit $status
