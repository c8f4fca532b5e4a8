#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mockdevs/build-qemu.sh against fake apt, dpkg-source, configure and ninja:
# the deb-src entry, the cache key, what reruns when (nothing, one file, a
# new tree), compile errors, pruning and --check. No real QEMU is built.
# TAP out, kselftest-style Totals line last (tests/host/run-unit-tests.sh).
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016,SC2034
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 n=0

# A scratch tree with the real script and a stub device model.
tree=$work/tree
mkdir -p "$tree/mockdevs" "$tree/include" "$tree/ci"
cp "$top/mockdevs/build-qemu.sh" "$top/mockdevs/Kconfig" "$top/mockdevs/meson.build" "$tree/mockdevs/"
cp "$top/ci/cache-dir.sh" "$tree/ci/"
echo '#define MOCKDMA_MAGIC 1' >"$tree/include/mockdma.h"
echo '/* stub */' >"$tree/mockdevs/mockdma.c"
echo 'not an input' >"$tree/mockdevs/README.md"

# Fake tools. State lives in $work/state: "versions" holds the source
# versions the deb-src lists know (empty: no deb-src), "update-adds" what
# apt-get update adds. FAKE_UPDATE_FAILS=1: the archive is unreachable.
# FAKE_UID: what id -u says. $work/log records what ran.
mkdir -p "$work/bin" "$work/state"
cat >"$work/bin/apt-cache" <<'F'
#!/bin/bash
[ -s "$FAKE_STATE/versions" ] || { echo "E: You must put some 'deb-src' URIs in your sources.list" >&2; exit 100; }
while read -r v; do printf 'Package: qemu\nVersion: %s\n\nPackage: qemu-other\nVersion: 99\n\n' "$v"; done <"$FAKE_STATE/versions"
F
cat >"$work/bin/apt-get" <<'F'
#!/bin/bash
echo "apt-get $*" >>"$FAKE_LOG"
case $1 in
update)
	if [ "${FAKE_UPDATE_FAILS:-0}" = 1 ]; then
		echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'"
		exit 100
	fi
	cat "$FAKE_STATE/update-adds" >>"$FAKE_STATE/versions" 2>/dev/null ;;
source)
	v=${4#qemu=}; v=${v#*:}
	echo "dsc of $v" >"qemu_$v.dsc" ;;
esac
exit 0
F
cat >"$work/bin/dpkg-source" <<'F'
#!/bin/bash
echo "dpkg-source $*" >>"$FAKE_LOG"
dest=$3
mkdir -p "$dest/hw/misc"
echo "softmmu_ss.add(when: 'CONFIG_EDU', if_true: files('edu.c'))" >"$dest/hw/misc/meson.build"
printf 'config EDU\n    bool\n' >"$dest/hw/misc/Kconfig"
cat >"$dest/configure" <<'C'
#!/bin/bash
echo "configure $*" >>"$FAKE_LOG"
echo "# fake" >build.ninja
C
chmod +x "$dest/configure"
F
# ninja: "compiles" each mockdevs file newer than its last good run; a
# mockdma.c holding "#error" fails the way gcc does.
cat >"$work/bin/ninja" <<'F'
#!/bin/bash
build=$2 src=$2/../src
echo "ninja" >>"$FAKE_LOG"
for f in "$src"/hw/misc/mockdevs/*; do
	if [ ! -e "$build/stamp" ] || [ "$f" -nt "$build/stamp" ]; then
		echo "[1/2] Compiling C object libcommon.fa.p/hw_misc_mockdevs_${f##*/}.o"
		echo "compiled ${f##*/}" >>"$FAKE_LOG"
	fi
done
if grep -q '#error' "$src/hw/misc/mockdevs/mockdma.c"; then
	echo "FAILED: libcommon.fa.p/hw_misc_mockdevs_mockdma.c.o"
	echo "../src/hw/misc/mockdevs/mockdma.c:2:2: error: #error boom"
	echo "    2 | #error boom"
	echo "ninja: build stopped: subcommand failed."
	exit 1
fi
touch "$build/stamp"
printf '#!/bin/sh\necho "name \\"mockdma\\", bus PCI"\n' >"$build/qemu-system-x86_64"
chmod +x "$build/qemu-system-x86_64"
echo "[2/2] Linking target qemu-system-x86_64"
F
cat >"$work/bin/id" <<'F'
#!/bin/bash
echo "${FAKE_UID:-0}"
F
chmod +x "$work"/bin/*

# /etc/apt: a Debian deb822 stanza, a third-party one, a one-line Debian entry.
etc=$work/etc
mkdir -p "$etc/sources.list.d"
cat >"$etc/sources.list.d/debian.sources" <<'F'
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
echo 'deb [signed-by=/k.gpg] http://security.debian.org/debian-security bookworm-security main' >"$etc/sources.list"

cache=$work/cache
# bq ARGS...: run the script; its status in $rc, stdout in $work/out,
# stderr in $work/err. $DEPS stands in for ci/install-deps.sh.
bq() {
	env PATH="$work/bin:$PATH" UPCI_CACHE="$cache" UPCI_APT_ETC="$etc" \
		UPCI_INSTALL_DEPS="${DEPS:-true}" FAKE_STATE="$work/state" FAKE_LOG="$work/log" \
		bash "$tree/mockdevs/build-qemu.sh" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

# check NAME CONDITION: one TAP case; CONDITION is shell code, eval'd now
# (hence single quotes at the call sites). On failure, show the output.
check() {
	local name=$1
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n $name"
		pass=$((pass + 1))
	else
		echo "# stdout:"; sed 's/^/#   /' "$work/out"
		echo "# stderr:"; sed 's/^/#   /' "$work/err"
		echo "# log:"; sed 's/^/#   /' "$work/log"
		echo "not ok $n $name"
		fail=$((fail + 1))
	fi
}

ran() { grep -q "^$1" "$work/log"; }
one_err_line() { [ "$(wc -l <"$work/err")" = 1 ] && grep -qE "$1" "$work/err"; }
bins() { find "$cache/qemu/bin" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l; }
reset_log() { : >"$work/log"; }

echo "TAP version 13"
echo "1..20"

reset_log
bq --check
check check_without_deb_src_says_so '[ $rc = 1 ] && grep -q "^missing: the qemu source package" "$work/out"'

FAKE_UID=1000 bq
check not_root_cannot_add_deb_src '[ $rc = 1 ] && one_err_line "^build-qemu: the apt lists have no qemu source package; adding a deb-src entry needs root$"'

echo "1:7.2+dfsg-1" >"$work/state/update-adds"
FAKE_UPDATE_FAILS=1 bq
check unreachable_archive_is_one_line '[ $rc = 1 ] && grep -q "^build-qemu: cannot reach the Debian archive for the qemu source: .*Could not resolve" "$work/err" && ! ran configure'

reset_log
bq
check fresh_build_prints_the_path_last '[ $rc = 0 ] && [ -x "$(tail -1 "$work/out")" ] &&
	[[ $(tail -1 "$work/out") == "$cache"/qemu/bin/7.2+dfsg-1-????????????/qemu-system-x86_64 ]]'
check deb_src_mirrors_debian_entries_only 'grep -qx "Types: deb-src" "$etc/sources.list.d/upci-src.sources" &&
	grep -qx "URIs: http://deb.debian.org/debian" "$etc/sources.list.d/upci-src.sources" &&
	grep -qx "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" "$etc/sources.list.d/upci-src.sources" &&
	! grep -q nodesource "$etc/sources.list.d/upci-src.sources" &&
	grep -qx "deb-src \[signed-by=/k.gpg\] http://security.debian.org/debian-security bookworm-security main" "$etc/sources.list.d/upci-src.list"'
check fetched_the_archive_version 'ran "apt-get source -q --download-only qemu=1:7.2+dfsg-1" && ran configure && ran ninja'
check build_log_is_in_the_cache 'grep -q "Linking target" "$cache/qemu/7.2+dfsg-1/build.log"'
first=$(tail -1 "$work/out")

reset_log
bq --check
check check_finds_the_cached_binary '[ $rc = 0 ] && [ ! -s "$work/log" ]'

reset_log
t0=$(date +%s%N)
bq --print-path
t1=$(date +%s%N)
check unchanged_inputs_run_nothing '[ $rc = 0 ] && [ "$(cat "$work/out")" = "$first" ] && [ ! -s "$work/log" ] && [ ! -s "$work/err" ]'
echo "# cached --print-path: $(((t1 - t0) / 1000000)) ms"

touch -d '2000-01-01' "$cache/qemu/7.2+dfsg-1/src/hw/misc/mockdevs/Kconfig"
echo '/* changed */' >>"$tree/mockdevs/mockdma.c"
reset_log
bq --check
check check_sees_a_changed_model '[ $rc = 1 ]'
bq
second=$(tail -1 "$work/out")
check changed_model_recompiles_one_file '[ "$second" != "$first" ] && [ -x "$second" ] && [ -x "$first" ] &&
	! ran configure && ! ran "apt-get source" && [ "$(grep -c ^compiled "$work/log")" = 1 ] && ran "compiled mockdma.c"'
check unchanged_files_keep_their_mtime '[ "$(stat -c %Y "$cache/qemu/7.2+dfsg-1/src/hw/misc/mockdevs/Kconfig")" = "$(date -d 2000-01-01 +%s)" ]'
check hooks_are_added_once '[ "$(grep -cx "subdir('"'mockdevs'"')" "$cache/qemu/7.2+dfsg-1/src/hw/misc/meson.build")" = 1 ] &&
	[ "$(grep -cx "source mockdevs/Kconfig" "$cache/qemu/7.2+dfsg-1/src/hw/misc/Kconfig")" = 1 ]'

echo '#error boom' >>"$tree/mockdevs/mockdma.c"
bq
check compile_error_shows_the_compiler_line '[ $rc != 0 ] &&
	grep -q "^mockdevs/mockdma.c:2:2: error: #error boom" "$work/err" &&
	grep -q "^build-qemu: the QEMU build failed (log: " "$work/err" && [ ! -s "$work/out" ]'

sed -i '/#error/d' "$tree/mockdevs/mockdma.c"
for i in 1 2 3; do
	echo "/* $i */" >>"$tree/mockdevs/mockdma.c"
	bq
done
check old_binaries_are_pruned '[ "$(bins)" = 3 ] && [ ! -e "$first" ]'

echo '/* header */' >>"$tree/include/mockdma.h"
bq --check
check header_is_an_input '[ $rc = 1 ]'
bq
echo 'extra' >>"$tree/mockdevs/README.md"
bq --check
check readme_is_not_an_input '[ $rc = 0 ]'

# mockdma.c changes after the key is computed (while deps install): the
# binary is stored under the key of what was really compiled.
printf '#!/bin/sh\necho "/* edited during the build */" >>"%s"\n' "$tree/mockdevs/mockdma.c" >"$work/edit"
chmod +x "$work/edit"
echo "/* before the build */" >>"$tree/mockdevs/mockdma.c"
DEPS=$work/edit bq
built=$(tail -1 "$work/out")
cp "$work/err" "$work/err1"
bq --print-path
check edit_during_build_is_keyed_by_what_was_built '[ -x "$built" ] && [ "$built" = "$(cat "$work/out")" ] &&
	[ ! -s "$work/err" ] && grep -q "changed since the start" "$work/err1"'

echo "1:7.2+dfsg-2" >>"$work/state/versions"
reset_log
bq
check new_source_version_gets_a_new_tree '[ $rc = 0 ] && ran "apt-get source -q --download-only qemu=1:7.2+dfsg-2" &&
	[[ $(tail -1 "$work/out") == */bin/7.2+dfsg-2-* ]] && [ ! -e "$cache/qemu/7.2+dfsg-1" ]'

rm -rf "$cache" && mkdir -p "$cache" && chmod 555 "$cache"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere: make the cache a file instead
	rmdir "$cache" && : >"$cache"
fi
bq
check unwritable_cache_is_one_line '[ $rc = 1 ] && one_err_line "^build-qemu: must run as root to build QEMU into "'
rm -f "$cache"

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
