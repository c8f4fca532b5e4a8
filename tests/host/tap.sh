# SPDX-License-Identifier: GPL-2.0
# Sourced by the host test scripts: one TAP case per check(), and the
# kselftest-style Totals line tests/host/run-unit-tests.sh reads.
# A script sets show_on_failure to the files that explain a failed case,
# as "LABEL:PATH" words; rc is shown when set.
pass=0 fail=0 n=0
show_on_failure=

# check NAME CONDITION: CONDITION is shell code, eval'd now (hence single
# quotes at the call sites).
check() {
	local name=$1 f
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n $name"
		pass=$((pass + 1))
		return
	fi
	[ -z "${rc:-}" ] || echo "# exit status $rc"
	for f in $show_on_failure; do
		echo "# ${f%%:*}:"
		sed 's/^/#   /' "${f#*:}"
	done
	echo "not ok $n $name"
	fail=$((fail + 1))
}

# has_line FILE LINE: FILE has LINE (grep -qxF without a fork: the
# scripts ask thousands of times, and a fork costs milliseconds here)
has_line() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		[ "$l" != "$2" ] || return 0
	done <"$1"
	return 1
}

tap_totals() {
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}
