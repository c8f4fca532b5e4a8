#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/bump-versions.sh against a stand-in apt (tests/host/fake-apt.sh): it
# moves each pin to the newest version the archive serves (the kernel to
# the newest ABI whose image, headers and source share a version), says
# what changed, rewrites only the value lines of ci/versions, and leaves
# pins that ci/install-deps.sh then installs. TAP out, Totals line last.
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"

tree=$work/tree
mkdir -p "$tree/ci" "$work/bin"
cp "$top"/ci/{bump-versions.sh,install-deps.sh,cache-dir.sh,pins.sh,deb-src.sh,versions} "$tree/ci/"
for c in apt-get apt-cache dpkg-query dpkg-deb depmod id; do
	ln -s "$top/tests/host/fake-apt.sh" "$work/bin/$c"
done
export UPCI_CACHE=$work/cache UPCI_APT_ETC=$work/etc UPCI_APT_LISTS=$work/lists
export FAKE_STATE=$work/state FAKE_LOG=$work/log
mkdir -p "$UPCI_CACHE" "$UPCI_APT_LISTS" "$UPCI_APT_ETC/sources.list.d" "$FAKE_STATE"
echo 'deb http://deb.debian.org/debian bookworm main' >"$UPCI_APT_ETC/sources.list"
# shellcheck source=ci/cache-dir.sh
. "$tree/ci/cache-dir.sh"
. "$tree/ci/pins.sh"
cp "$tree/ci/versions" "$work/versions.orig"
up=${KERNEL_VERSION%%-*}
flavour=${KVER#*+}
abi() { echo "$kernel_majmin.$1+$flavour"; }
kv() { echo "$kernel_majmin.$1-1~deb12u1"; }
next=$((${up##*.} + 2))

# archive EXTRA...: every pin as it is, plus the lines given
archive() {
	local row var kind pkg
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r var kind pkg <<<"$row"
		if [ "$kind" = source ]; then echo "src $pkg ${!var}"; else echo "bin $pkg ${!var}"; fi
	done >"$FAKE_STATE/archive"
	printf '%s\n' "$@" >>"$FAKE_STATE/archive"
	cp "$work/versions.orig" "$tree/ci/versions"
}
# kernel N VERSION [what]: the image, headers and source (default all) of ABI 6.12.N
kernel() {
	local w
	for w in ${3:-image headers source}; do
		case $w in
		image) echo "bin linux-image-$(abi "$1")-unsigned $2" ;;
		headers) echo "bin linux-headers-$(abi "$1") $2" ;;
		source) echo "bin $kernel_source_pkg $2" ;;
		esac
	done
}

bv() {
	: >"$work/log"
	PATH="$work/bin:$PATH" bash "$tree/ci/bump-versions.sh" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}
show_on_failure="stdout:$work/out stderr:$work/err ci/versions:$tree/ci/versions"
pin() { has_line "$tree/ci/versions" "$1=$2"; }
unchanged() { cmp -s "$tree/ci/versions" "$work/versions.orig"; }
said() { has_line "$work/out" "bump-versions: $1"; }

echo "TAP version 13"
echo "1..15"

bv --frob
check bad_argument_is_usage '[ $rc = 2 ] && grep -q "^usage: ci/bump-versions.sh" "$work/err"'

archive
bv
check nothing_newer_changes_nothing '[ $rc = 0 ] && unchanged && said "every pin in ci/versions is already the newest the archive serves"'
check lists_are_updated_first '[ "$(head -1 "$work/log")" = "apt-get update" ] && [ -s "$UPCI_APT_ETC/sources.list.d/upci-src.list" ]'

FAKE_UPDATE_FAILS=1 bv
check unreachable_archive_is_one_line '[ $rc = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] &&
	grep -q "^bump-versions: cannot reach the Debian archive: .*Could not resolve" "$work/err" && unchanged'

# Newer everything: a newer kernel ABI, qemu source, firmware, busybox.
archive "$(kernel "$next" "$(kv "$next")")" "src qemu $QEMU_SOURCE_VERSION+upci1" "bin seabios 9:1.0" \
	"bin qemu-system-x86 $QEMU_SYSTEM_VERSION+upci2" "bin qemu-system-common $QEMU_SYSTEM_VERSION+upci2" \
	"bin busybox-static $BUSYBOX_VERSION+upci1"
bv --dry-run
check dry_run_says_and_writes_nothing '[ $rc = 0 ] && unchanged && said "KVER: $KVER -> $(abi "$next")" &&
	said "--dry-run: ci/versions is unchanged"'
bv
check kernel_moves_to_the_newest_abi 'pin KVER "$(abi "$next")" && pin KERNEL_VERSION "$(kv "$next")" &&
	said "KERNEL_VERSION: $KERNEL_VERSION -> $(kv "$next")"'
check every_other_pin_moves_to_its_newest 'pin QEMU_SOURCE_VERSION "$QEMU_SOURCE_VERSION+upci1" && pin SEABIOS_VERSION 9:1.0 &&
	pin QEMU_SYSTEM_VERSION "$QEMU_SYSTEM_VERSION+upci2" && pin BUSYBOX_VERSION "$BUSYBOX_VERSION+upci1" &&
	pin IPXE_QEMU_VERSION "$IPXE_QEMU_VERSION" && said "SEABIOS_VERSION: $SEABIOS_VERSION -> 9:1.0"'
check only_value_lines_change '[ "$(diff "$work/versions.orig" "$tree/ci/versions" | grep -c "^>")" = 6 ] &&
	[ "$(grep -c "^#" "$tree/ci/versions")" = "$(grep -c "^#" "$work/versions.orig")" ] &&
	said "ci/versions updated: run make test on the new pins (QEMU and the sanitizer kernel rebuild), then commit ci/versions"'
cp "$tree/ci/versions" "$work/versions.bumped"
bv
check a_second_bump_finds_nothing '[ $rc = 0 ] && cmp -s "$tree/ci/versions" "$work/versions.bumped" &&
	said "every pin in ci/versions is already the newest the archive serves"'

# The bumped pins are what ci/install-deps.sh installs.
cp "$work/versions.bumped" "$work/tree/ci/versions"
PATH="$work/bin:$PATH" bash "$tree/ci/install-deps.sh" >"$work/out" 2>"$work/err"
rc=$?
check install_deps_takes_the_bumped_pins '[ $rc = 0 ] && has_line "$FAKE_STATE/installed" "seabios 9:1.0" &&
	has_line "$FAKE_STATE/installed" "linux-headers-$(abi "$next") $(kv "$next")" &&
	[ "$(<"$UPCI_CACHE/${kernel_source_pkg}_$(kv "$next")/.unpacked")" = "$kernel_source_pkg=$(kv "$next")" ]'

# The newest ABI's source is not served (yet): the newest complete one wins.
archive "$(kernel "$((next + 1))" "$(kv $((next + 1)))" "image headers")" "$(kernel "$next" "$(kv "$next")")"
bv
check incomplete_newest_abi_is_passed_over 'pin KVER "$(abi "$next")" && pin KERNEL_VERSION "$(kv "$next")"'

# An ABI of another flavour is never taken.
rt=$kernel_majmin.$next+${flavour%-*}-rt-${flavour##*-}
archive "bin linux-image-$rt-unsigned $(kv "$next")" "bin linux-headers-$rt $(kv "$next")" "bin $kernel_source_pkg $(kv "$next")"
bv
check other_flavours_are_not_taken '[ $rc = 0 ] && pin KVER "$KVER"'

# qemu-system-x86 newer than qemu-system-common: the newest they share.
archive "bin qemu-system-x86 $QEMU_SYSTEM_VERSION+upci3" "bin qemu-system-x86 $QEMU_SYSTEM_VERSION+upci2" \
	"bin qemu-system-common $QEMU_SYSTEM_VERSION+upci2"
bv
check packages_of_one_pin_share_a_version 'pin QEMU_SYSTEM_VERSION "$QEMU_SYSTEM_VERSION+upci2"'

archive
grep -v " seabios " "$FAKE_STATE/archive" >"$FAKE_STATE/a" && mv "$FAKE_STATE/a" "$FAKE_STATE/archive"
bv
check pin_with_nothing_served_is_named '[ $rc = 1 ] && unchanged &&
	has_line "$work/err" "bump-versions: the archive serves none of the packages SEABIOS_VERSION pins: seabios"'

archive "bin seabios 9:1.0"
cp "$FAKE_STATE/archive" "$FAKE_STATE/lists"
FAKE_UID=1000 bv
check as_a_user_the_lists_are_read_as_they_are '[ $rc = 0 ] && ! grep -q "apt-get update" "$work/log" &&
	said "note: not root, so the apt lists are read as they are (not updated)" && pin SEABIOS_VERSION 9:1.0'

tap_totals
