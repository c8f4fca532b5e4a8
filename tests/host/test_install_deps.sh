#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/install-deps.sh against fake apt tools: each failure is one clear line,
# and nothing is touched when nothing is missing. TAP out, kselftest-style
# Totals line last (tests/host/run-unit-tests.sh reads it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 n=0

# Fake tools. FAKE_INSTALLED=1: every package is installed.
# FAKE_UPDATE_FAILS=1: apt-get update cannot reach the archive.
# FAKE_NO_CANDIDATE=pkg: the archive lacks pkg. FAKE_UID: what id -u says.
mkdir -p "$work/bin"
cat >"$work/bin/dpkg-query" <<'F'
#!/bin/bash
[ "${FAKE_INSTALLED:-0}" = 1 ] && echo "install ok installed"
exit 0
F
cat >"$work/bin/apt-get" <<'F'
#!/bin/bash
echo "$*" >>"$FAKE_LOG"
if [ "$1" = update ] && [ "${FAKE_UPDATE_FAILS:-0}" = 1 ]; then
	echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
	echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'"
	exit 100
fi
exit 0
F
cat >"$work/bin/apt-cache" <<'F'
#!/bin/bash
if [ "$2" = "${FAKE_NO_CANDIDATE:-}" ]; then echo "  Candidate: (none)"; else echo "  Candidate: 1.0"; fi
F
cat >"$work/bin/id" <<'F'
#!/bin/bash
echo "${FAKE_UID:-0}"
F
chmod +x "$work"/bin/*

# run NAME EXPECTED_STATUS STDERR_PATTERN [ENV...]: one TAP case
run() {
	local name=$1 want=$2 pattern=$3 got lines
	shift 3
	n=$((n + 1))
	rm -rf "$work/cache" "$work/log"
	mkdir -p "$work/cache"
	: >"$work/log"
	env "$@" PATH="$work/bin:$PATH" UPCI_CACHE="$work/cache" FAKE_LOG="$work/log" \
		bash "$top/ci/install-deps.sh" ${ARGS:-} >"$work/out" 2>"$work/err"
	got=$?
	lines=$(wc -l <"$work/err")
	if [ "$got" = "$want" ] && { [ -z "$pattern" ] || grep -qE "$pattern" "$work/err"; } &&
		{ [ "$want" = 0 ] || [ "${ARGS:-}" = --check ] || [ "$lines" = 1 ]; }; then
		echo "ok $n $name"
		pass=$((pass + 1))
	else
		echo "# exit $got (want $want), stderr ($lines lines):"
		sed 's/^/#   /' "$work/err"
		echo "not ok $n $name"
		fail=$((fail + 1))
	fi
}

echo "TAP version 13"
echo "1..6"
run unreachable_archive_is_one_line 1 '^install-deps: cannot reach the Debian archive: .*Could not resolve' \
	FAKE_UPDATE_FAILS=1
run missing_package_is_named 1 "^install-deps: package 'busybox-static' is not available from the configured archive$" \
	FAKE_NO_CANDIDATE=busybox-static
run not_root_is_refused 1 '^install-deps: must run as root to install: .*qemu-system-x86' \
	FAKE_UID=1000
ARGS=--check run check_lists_what_is_missing 1 '' FAKE_INSTALLED=0
n=$((n + 1))
if grep -q '^missing package: qemu-system-x86$' "$work/out" &&
	grep -q '^missing unpacked: linux-source-' "$work/out"; then
	echo "ok $n check_names_packages_and_unpacked"
	pass=$((pass + 1))
else
	sed 's/^/#   /' "$work/out"
	echo "not ok $n check_names_packages_and_unpacked"
	fail=$((fail + 1))
fi
# Nothing missing: no apt call, no output.
. "$top/ci/versions"
n=$((n + 1))
rm -rf "$work/cache" && mkdir -p "$work/cache/kernel-$KVER"
majmin=$(cut -d. -f1,2 <<<"$KVER")
mkdir -p "$work/cache/linux-source-$majmin"
touch "$work/cache/kernel-$KVER/.unpacked" "$work/cache/linux-source-$majmin/.unpacked"
echo elf >"$work/cache/kernel-$KVER/vmlinux"
: >"$work/log"
if env FAKE_INSTALLED=1 PATH="$work/bin:$PATH" UPCI_CACHE="$work/cache" FAKE_LOG="$work/log" \
	bash "$top/ci/install-deps.sh" >"$work/out" 2>&1 && [ ! -s "$work/out" ] && [ ! -s "$work/log" ]; then
	echo "ok $n nothing_missing_touches_nothing"
	pass=$((pass + 1))
else
	sed 's/^/#   /' "$work/out" "$work/log"
	echo "not ok $n nothing_missing_touches_nothing"
	fail=$((fail + 1))
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
