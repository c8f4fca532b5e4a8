#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/install-deps.sh against a stand-in apt (tests/host/fake-apt.sh) whose
# archive offers newer versions than every pin: each pinned package is
# installed and unpacked at exactly its pin; a pin the archive no longer
# serves fails in one line per package, naming what it offers, before any
# download; a cache entry of another version is never used; nothing is
# touched when nothing is missing; no apt-get, a failed install or a
# failed download is one line saying so. TAP out, kselftest-style Totals line
# last (tests/host/run-unit-tests.sh reads it).
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"

tree=$work/tree
mkdir -p "$tree/ci" "$work/bin"
cp "$top"/ci/{install-deps.sh,cache-dir.sh,pins.sh,deb-src.sh,versions} "$tree/ci/"
for c in apt-get apt-cache dpkg-query dpkg-deb depmod id; do
	ln -s "$top/tests/host/fake-apt.sh" "$work/bin/$c"
done
export UPCI_CACHE=$work/cache UPCI_APT_ETC=$work/etc UPCI_APT_LISTS=$work/lists
export FAKE_STATE=$work/state FAKE_LOG=$work/log
# shellcheck source=ci/cache-dir.sh
. "$tree/ci/cache-dir.sh"
. "$tree/ci/pins.sh"

# /etc/apt: a Debian deb822 stanza, a third-party one, a one-line Debian entry.
etc_apt() {
	rm -rf "$UPCI_APT_ETC" && mkdir -p "$UPCI_APT_ETC/sources.list.d"
	cat >"$UPCI_APT_ETC/sources.list.d/debian.sources" <<-'F'
	Types: deb
	# a comment
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb
	URIs: https://deb.nodesource.com/node_20.x
	Suites: nodistro
	Components: main
	F
	echo 'deb [signed-by=/k.gpg] http://security.debian.org/debian-security bookworm-security main' \
		>"$UPCI_APT_ETC/sources.list"
}

# The archive: every pin, and a newer version of each (a newer kernel ABI,
# image, headers and source at 6.12.999). A fresh machine: stale lists that
# know no source packages, nothing installed, an empty cache.
newer_abi=${kernel_majmin}.999+${KVER#*+}
fresh_machine() {
	local row var kind pkg kd
	rm -rf "$work/state" "$UPCI_CACHE" "$UPCI_APT_LISTS"
	mkdir -p "$work/state" "$UPCI_CACHE" "$UPCI_APT_LISTS"
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r var kind pkg <<<"$row"
		kd=bin
		[ "$kind" = source ] && kd=src
		echo "$kd $pkg ${!var}"
		echo "$kd $pkg ${!var}+upci1"
	done >"$work/state/archive"
	cat >>"$work/state/archive" <<-F
	bin linux-image-$newer_abi-unsigned 6.12.999-1~deb12u1
	bin linux-headers-$newer_abi 6.12.999-1~deb12u1
	bin $kernel_source_pkg 6.12.999-1~deb12u1
	F
	grep -v '^src ' "$work/state/archive" >"$work/state/lists"
	: >"$work/state/installed"
	etc_apt
}
# re STRING: STRING as an extended regular expression (KVER has a "+")
re() { sed 's/[][\\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
# served_without PATTERN: the archive drops the lines matching PATTERN
served_without() {
	grep -vE "$1" "$work/state/archive" >"$work/state/a" && mv "$work/state/a" "$work/state/archive"
}

# di ARGS...: run the script; status in $rc, stdout/stderr in $work/out,err
di() {
	: >"$work/log"
	PATH="$work/bin:$PATH" bash "$tree/ci/install-deps.sh" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

show_on_failure="stdout:$work/out stderr:$work/err apt-get-calls:$work/log"
ran() { grep -q "^apt-get $1" "$work/log"; }
installed_at() { has_line "$work/state/installed" "$1 $2"; }
# err_has TEXT: a line of stderr has TEXT (grep -qF)
err_has() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l != *"$1"* ]] || return 0
	done <"$work/err"
	return 1
}
err_lines() { wc -l <"$work/err"; }
# a complete machine, saved once and restored per case
save() { rm -rf "$work/saved" && mkdir "$work/saved" && cp -a "$work/state" "$UPCI_CACHE" "$UPCI_APT_LISTS" "$UPCI_APT_ETC" "$work/saved/"; }
restore() {
	rm -rf "$work/state" "$UPCI_CACHE" "$UPCI_APT_LISTS" "$UPCI_APT_ETC"
	cp -a "$work/saved/state" "$work/saved/cache" "$work/saved/lists" "$work/saved/etc" "$work/"
}

echo "TAP version 13"
echo "1..33"

fresh_machine
FAKE_UPDATE_FAILS=1 di
check unreachable_archive_is_one_line '[ $rc = 1 ] && [ "$(grep -vc "adding deb-src" "$work/err")" = 1 ] &&
	grep -qE "^install-deps: cannot reach the Debian archive: .*Could not resolve" "$work/err"'

FAKE_UID=1000 di
check not_root_is_refused '[ $rc = 1 ] && [ $(err_lines) = 1 ] &&
	grep -q "^install-deps: must run as root to install: .*seabios=$SEABIOS_VERSION" "$work/err"'

di --check
check check_lists_what_is_missing_with_pins '[ $rc = 1 ] && [ ! -s "$work/log" ] &&
	has_line "$work/out" "missing package: linux-headers-$KVER=$KERNEL_VERSION" &&
	has_line "$work/out" "missing package: busybox-static=$BUSYBOX_VERSION" &&
	has_line "$work/out" "missing unpacked: $kernel_source_pkg=$KERNEL_VERSION in $source_dir (missing)"'

# A fresh machine whose archive has moved on past every pin.
fresh_machine
di
check fresh_machine_installs '[ $rc = 0 ]'
check lists_are_updated_before_anything_else '[ "$(head -1 "$work/log")" = "apt-get update" ]'
check deb_src_mirrors_debian_entries_only 'f=$UPCI_APT_ETC/sources.list.d/upci-src.sources &&
	grep -qx "Types: deb-src" "$f" && grep -qx "URIs: http://deb.debian.org/debian" "$f" &&
	grep -qx "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" "$f" && ! grep -q nodesource "$f" &&
	grep -qx "deb-src \[signed-by=/k.gpg\] http://security.debian.org/debian-security bookworm-security main" \
		"$UPCI_APT_ETC/sources.list.d/upci-src.list"'
check every_pin_is_installed_at_the_pin_not_the_newest 'ok=1
	pinned_of_kind install
	for pv in "${pinned[@]}"; do installed_at "${pv%%=*}" "${pv#*=}" || ok=0; done
	[ $ok = 1 ] && ! grep -q "+upci1" "$work/state/installed" && ! grep -q 6.12.999 "$work/state/installed"'
check install_names_each_pin 'ran "install .*linux-headers-$KVER=$KERNEL_VERSION" &&
	ran "install .*qemu-system-data=$QEMU_DATA_VERSION" && ran "install .*--allow-downgrades"'
check kernel_packages_are_downloaded_at_the_pin 'ran "download -q $kernel_source_pkg=$KERNEL_VERSION$" &&
	ran "download -q $kernel_image_pkg=$KERNEL_VERSION$"'
check entries_are_named_and_stamped_by_version '[ "$source_dir" = "$UPCI_CACHE/${kernel_source_pkg}_$KERNEL_VERSION" ] &&
	[ "$(<"$source_dir/.unpacked")" = "$kernel_source_pkg=$KERNEL_VERSION" ] &&
	grep -qx "SUBLEVEL = $(cut -d. -f3 <<<"${KERNEL_VERSION%%-*}")" "$source_dir/Makefile" &&
	[ "$(<"$kernel_dir/.unpacked")" = "$kernel_image_pkg=$KERNEL_VERSION" ] &&
	[ -e "$kernel_dir/lib/modules/$KVER/modules.dep" ] && [ -s "$kernel_dir/vmlinux" ]'
save

di
check nothing_missing_touches_nothing '[ $rc = 0 ] && [ ! -s "$work/log" ] && [ ! -s "$work/err" ] && [ ! -s "$work/out" ]'
di --check
check check_passes_when_complete '[ $rc = 0 ] && [ ! -s "$work/out" ]'

touch -d '2 days ago' "$UPCI_CACHE/.apt-updated"
di
check day_old_lists_are_refreshed_once '[ $rc = 0 ] && [ "$(<"$work/log")" = "apt-get update" ] && [ ! -s "$work/err" ]'
di
check refreshed_lists_are_not_refreshed_again '[ $rc = 0 ] && [ ! -s "$work/log" ]'

restore
touch -d '2 days ago' "$UPCI_CACHE/.apt-updated"
FAKE_UPDATE_FAILS=1 di
check offline_with_old_lists_is_a_note '[ $rc = 0 ] && [ $(err_lines) = 1 ] && err_has "apt-get update failed; checking the pins against them"'

# A cached machine: nothing to install, but the archive dropped a pin.
restore
served_without "^bin seabios $(re "$SEABIOS_VERSION")\$"
touch -d '2 days ago' "$UPCI_CACHE/.apt-updated"
di
check cached_machine_notices_a_dropped_pin '[ $rc = 1 ] && [ $(err_lines) = 2 ] &&
	err_has "install-deps: the archive no longer serves seabios=$SEABIOS_VERSION (SEABIOS_VERSION in ci/versions): it offers $SEABIOS_VERSION+upci1" &&
	err_has "make bump-versions moves the pins" && ! ran install'

# A fresh machine where the archive dropped the kernel's ABI (image and
# headers gone, source at other versions) and the pinned qemu source.
fresh_machine
served_without "^bin ($(re "$kernel_image_pkg")|linux-headers-$(re "$KVER")) |^bin $(re "$kernel_source_pkg $KERNEL_VERSION")\$|^src qemu $(re "$QEMU_SOURCE_VERSION")\$"
t0=${EPOCHREALTIME/./}
di
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
echo "# a fresh machine fails on 4 dropped pins in $ms ms"
check dropped_pins_fail_before_any_download '[ $rc = 1 ] && ! ran install && ! ran download &&
	[ "$(grep -c "no longer serves" "$work/err")" = 4 ] && [ "$(grep -vc "adding deb-src" "$work/err")" = 5 ] &&
	[ "$(grep -c "^apt-get update" "$work/log")" = 1 ]'
check dropped_source_names_the_offered_versions \
	'err_has "the archive no longer serves $kernel_source_pkg=$KERNEL_VERSION (KERNEL_VERSION in ci/versions): it offers 6.12.999-1~deb12u1 $KERNEL_VERSION+upci1"'
check dropped_abi_names_the_abis_offered \
	'err_has "the archive no longer serves $kernel_image_pkg=$KERNEL_VERSION (KERNEL_VERSION in ci/versions): it has no $kernel_image_pkg at all, only linux-image-$newer_abi-unsigned=6.12.999-1~deb12u1"'
check dropped_qemu_source_is_named_as_source \
	'err_has "the archive no longer serves the source package qemu=$QEMU_SOURCE_VERSION (QEMU_SOURCE_VERSION in ci/versions): it offers $QEMU_SOURCE_VERSION+upci1"'

# Installed newer than the pin (an upgrade elsewhere): back to the pin.
restore
sed -i "s/^seabios .*/seabios $SEABIOS_VERSION+upci1/" "$work/state/installed"
di --check
check check_sees_a_package_off_its_pin '[ $rc = 1 ] && has_line "$work/out" "missing package: seabios=$SEABIOS_VERSION"'
di
check package_off_its_pin_is_moved_back '[ $rc = 0 ] && ran "install .*--allow-downgrades.* seabios=$SEABIOS_VERSION" &&
	installed_at seabios "$SEABIOS_VERSION"'

restore
sed -i "/^seabios /d" "$work/state/installed"
FAKE_INSTALL_AS=9.9 di
check install_that_misses_the_pin_fails '[ $rc = 1 ] && [ $(err_lines) = 2 ] &&
	err_has "apt-get install left these not at their pins: seabios=$SEABIOS_VERSION"'

restore
sed -i "/^seabios /d" "$work/state/installed"
FAKE_INSTALL_FAILS=1 di
check failed_install_says_apts_error '[ $rc = 1 ] && [ $(err_lines) = 2 ] &&
	err_has "install-deps: apt-get install failed (log: $UPCI_CACHE/apt-install.log): E: Sub-process /usr/bin/dpkg returned an error code (1)"'

# No apt-get at all (not a Debian system): every tool but apt-get on PATH.
restore
sed -i "/^seabios /d" "$work/state/installed"
mkdir -p "$work/noapt/fake" "$work/noapt/sys"
ln -sf /usr/bin/* "$work/noapt/sys/" && rm -f "$work/noapt/sys/apt-get"
for c in apt-cache dpkg-query dpkg-deb depmod id; do
	ln -sf "$top/tests/host/fake-apt.sh" "$work/noapt/fake/$c"
done
: >"$work/log"
PATH="$work/noapt/fake:$work/noapt/sys" bash "$tree/ci/install-deps.sh" >"$work/out" 2>"$work/err"
rc=$?
check no_apt_get_is_one_line '[ $rc = 1 ] && [ $(err_lines) = 1 ] && [ ! -s "$work/log" ] &&
	err_has "install-deps: apt-get not found: this script needs a Debian system"'

# The archive cannot serve a kernel package the cache lacks.
restore
rm -rf "$source_dir"
FAKE_DOWNLOAD_FAILS=1 di
check failed_download_names_the_package '[ $rc = 1 ] && [ ! -e "$source_dir" ] &&
	err_has "install-deps: could not download $kernel_source_pkg=$KERNEL_VERSION from the archive: E: Failed to fetch"'
check failed_download_leaves_no_download_directory '! ls -d "$UPCI_CACHE"/.download.* >/dev/null 2>&1'

# The cache holds another version: under the pinned name (a stamp of
# another version, or another tree under the right stamp), and under
# names no pin makes (the old unversioned layout, another version's).
restore
echo "$kernel_source_pkg=6.12.999-1~deb12u1" >"$source_dir/.unpacked"
mkdir -p "$UPCI_CACHE/$kernel_source_pkg" "$UPCI_CACHE/${kernel_source_pkg}_6.12.999-1~deb12u1" "$UPCI_CACHE/kernel-$KVER"
di --check
check check_sees_a_stamp_of_another_version '[ $rc = 1 ] &&
	has_line "$work/out" "missing unpacked: $kernel_source_pkg=$KERNEL_VERSION in $source_dir (holds $kernel_source_pkg=6.12.999-1~deb12u1)"'
di
check stamp_of_another_version_is_unpacked_again '[ $rc = 0 ] &&
	err_has "$source_dir holds $kernel_source_pkg=6.12.999-1~deb12u1, not $kernel_source_pkg=$KERNEL_VERSION: unpacking the pinned one again" &&
	ran "download -q $kernel_source_pkg=$KERNEL_VERSION$" && [ "$(<"$source_dir/.unpacked")" = "$kernel_source_pkg=$KERNEL_VERSION" ]'
check entries_no_pin_names_are_removed '[ ! -e "$UPCI_CACHE/$kernel_source_pkg" ] && [ ! -e "$UPCI_CACHE/kernel-$KVER" ] &&
	[ ! -e "$UPCI_CACHE/${kernel_source_pkg}_6.12.999-1~deb12u1" ] && [ -d "$source_dir" ] && [ -d "$kernel_dir" ] &&
	err_has "removing $UPCI_CACHE/${kernel_source_pkg}_6.12.999-1~deb12u1: no pin in ci/versions names it"'

restore
sed -i 's/^SUBLEVEL = .*/SUBLEVEL = 999/' "$source_dir/Makefile"
di
check tree_of_another_version_is_unpacked_again '[ $rc = 0 ] && err_has "$source_dir holds a kernel tree of version ${kernel_majmin}.999" &&
	! grep -q "SUBLEVEL = 999" "$source_dir/Makefile"'

# No deb-src entries on a machine that needs nothing else.
restore
rm -f "$UPCI_APT_ETC"/sources.list.d/upci-src.* "$UPCI_CACHE/.pins-checked"
grep -v '^src ' "$work/state/lists" >"$work/state/l" && mv "$work/state/l" "$work/state/lists"
FAKE_UID=1000 di
check no_deb_src_as_user_is_one_line '[ $rc = 1 ] && [ $(err_lines) = 1 ] &&
	err_has "the apt lists have no source packages (the pinned qemu source); adding a deb-src entry needs root"'
di
check no_deb_src_as_root_adds_it '[ $rc = 0 ] && [ -s "$UPCI_APT_ETC/sources.list.d/upci-src.sources" ] && ran update && ! ran install'

tap_totals
