#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mockdevs/build-qemu.sh against fake apt, dpkg-source, configure and ninja:
# the pinned source version, the cache key, what reruns when (nothing, one
# file, a new pin, a new compiler), compile errors, pruning and --check.
# No real QEMU is built. (The deb-src entries apt-get source needs are
# ci/install-deps.sh's: tests/host/test_install_deps.sh.)
# TAP out, kselftest-style Totals line last (tests/host/run-unit-tests.sh).
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016,SC2034
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"

# A scratch tree with the real script and a stub device model.
tree=$work/tree
mkdir -p "$tree/mockdevs" "$tree/include" "$tree/ci"
cp "$top/mockdevs/build-qemu.sh" "$top/mockdevs/Kconfig" "$top/mockdevs/meson.build" "$top/mockdevs/trace-events" "$tree/mockdevs/"
cp "$top/ci/cache-dir.sh" "$tree/ci/"
# pinned to a version the fake archive has, with a newer one beside it
sed 's/^QEMU_SOURCE_VERSION=.*/QEMU_SOURCE_VERSION=1:7.2+dfsg-1/' "$top/ci/versions" >"$tree/ci/versions"
echo '#define MOCKDMA_MAGIC 1' >"$tree/include/mockdma.h"
echo '/* stub */' >"$tree/mockdevs/mockdma.c"
echo 'not an input' >"$tree/mockdevs/README.md"

# Fake tools. $work/state/archive holds the source versions the archive
# serves; FAKE_SOURCE_FAILS=1: apt-get source cannot reach it. A fake cc
# says which compiler it is (FAKE_CC_VERSION). $work/log records what ran.
mkdir -p "$work/bin" "$work/state"
printf '1:7.2+dfsg-1\n1:7.2+dfsg-2\n1:7.2+dfsg-3\n' >"$work/state/archive"
cat >"$work/bin/apt-get" <<'F'
#!/bin/bash
echo "apt-get $*" >>"$FAKE_LOG"
case $1 in
source)
	v=${4#qemu=}
	if [ "${FAKE_SOURCE_FAILS:-0}" = 1 ] || ! grep -qxF "$v" "$FAKE_STATE/archive"; then
		echo "E: Failed to fetch http://deb.debian.org/debian/pool/main/q/qemu/qemu_$v.dsc  Could not resolve 'deb.debian.org'"
		exit 100
	fi
	v=${v#*:}
	echo "dsc of $v" >"qemu_$v.dsc" ;;
esac
exit 0
F
cat >"$work/bin/cc" <<'F'
#!/bin/sh
echo "cc (Debian ${FAKE_CC_VERSION:-12.2.0-14}) 12.2.0"
F
cat >"$work/bin/dpkg-source" <<'F'
#!/bin/bash
echo "dpkg-source $*" >>"$FAKE_LOG"
dest=$3
mkdir -p "$dest/hw/misc"
echo "softmmu_ss.add(when: 'CONFIG_EDU', if_true: files('edu.c'))" >"$dest/hw/misc/meson.build"
printf 'config EDU\n    bool\n' >"$dest/hw/misc/Kconfig"
printf 'edu_mmio_read(uint64_t addr) "addr 0x%%" PRIx64\n' >"$dest/hw/misc/trace-events"
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
if [[ $(<"$src/hw/misc/mockdevs/mockdma.c") == *'#error'* ]]; then
	echo "FAILED: libcommon.fa.p/hw_misc_mockdevs_mockdma.c.o"
	echo "../src/hw/misc/mockdevs/mockdma.c:2:2: error: #error boom"
	echo "    2 | #error boom"
	echo "ninja: build stopped: subcommand failed."
	exit 1
fi
: >"$build/stamp"
# gcc's notes for mockdma.c, naming what was compiled; FAKE_NO_GCNO=1: a
# meson.build without --coverage
notes=$build/hw/misc/mockdevs/libmockdma-cov.a.p/mockdma.c.gcno
if [ "${FAKE_NO_GCNO:-0}" = 1 ]; then
	rm -f "$notes"
else
	[ -d "${notes%/*}" ] || mkdir -p "${notes%/*}"
	echo "notes of $(md5sum <"$src/hw/misc/mockdevs/mockdma.c")" >"$notes"
fi
# QEMU with gcov writes its counters at exit under $GCOV_PREFIX, else
# beside the notes
if [ ! -x "$build/qemu-system-x86_64" ]; then
	cat >"$build/qemu-system-x86_64" <<Q
#!/bin/sh
mkdir -p "\${GCOV_PREFIX:-}${notes%/*}" && echo counters >"\${GCOV_PREFIX:-}${notes%.gcno}.gcda"
echo 'name "mockdma", bus PCI'
Q
	chmod +x "$build/qemu-system-x86_64"
fi
echo "[2/2] Linking target qemu-system-x86_64"
F
chmod +x "$work"/bin/*

cache=$work/cache
# bq ARGS...: run the script; its status in $rc, stdout in $work/out,
# stderr in $work/err. $DEPS stands in for ci/install-deps.sh.
bq() {
	PATH="$work/bin:$PATH" UPCI_CACHE="$cache" \
		UPCI_INSTALL_DEPS="${DEPS:-true}" FAKE_STATE="$work/state" FAKE_LOG="$work/log" \
		"$BASH" "$tree/mockdevs/build-qemu.sh" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

show_on_failure="stdout:$work/out stderr:$work/err log:$work/log"

ran() { grep -q "^$1" "$work/log"; }
one_err_line() { [ "$(wc -l <"$work/err")" = 1 ] && grep -qE "$1" "$work/err"; }
bins() { find "$cache/qemu/bin" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l; }
reset_log() { : >"$work/log"; }

echo "TAP version 13"
echo "1..30"

reset_log
bq --frob
check bad_argument_is_usage '[ $rc = 2 ] && one_err_line "^usage: mockdevs/build-qemu.sh \\[--print-path \\| --check\\]" && [ ! -s "$work/log" ]'

bq --check
check check_with_nothing_built_asks_no_one '[ $rc = 1 ] && grep -q "^missing: $cache/qemu/bin/7.2+dfsg-1-.*/qemu-system-x86_64" "$work/out" &&
	[ ! -s "$work/log" ]'

FAKE_SOURCE_FAILS=1 bq
check unreachable_archive_is_one_line '[ $rc = 1 ] && grep -q "^build-qemu: cannot download the source package qemu=1:7.2+dfsg-1 from the archive: .*Could not resolve" "$work/err" && ! ran configure'

reset_log
bq
check fresh_build_prints_the_path_last '[ $rc = 0 ] && [ -x "$(tail -1 "$work/out")" ] &&
	[[ $(tail -1 "$work/out") == "$cache"/qemu/bin/7.2+dfsg-1-????????????/qemu-system-x86_64 ]]'
check fetched_the_pinned_version_not_the_newest 'ran "apt-get source -q --download-only qemu=1:7.2+dfsg-1" && ran configure && ran ninja &&
	! ran "apt-get source -q --download-only qemu=1:7.2+dfsg-3"'
check source_tree_is_stamped_with_its_version '[ "$(cat "$cache/qemu/7.2+dfsg-1/src/.upci-unpacked")" = "qemu=1:7.2+dfsg-1" ]'
check build_log_is_in_the_cache 'grep -q "Linking target" "$cache/qemu/7.2+dfsg-1/build.log"'
first=$(tail -1 "$work/out")
notes() { echo "notes of $(md5sum <"$tree/mockdevs/mockdma.c")"; }
check coverage_notes_and_sources_are_beside_the_binary 'c=${first%/*}/coverage && [ "$(cat "$c/mockdma.c.gcno")" = "$(notes)" ] &&
	cmp -s "$c/mockdma.c" "$tree/mockdevs/mockdma.c" && cmp -s "$c/mockdma.h" "$tree/include/mockdma.h"'
check the_device_check_leaves_no_counters_in_the_tree '[ -z "$(find "$cache/qemu" -name "*.gcda")" ] && [ ! -e "$cache/qemu/7.2+dfsg-1/.gcov-check" ]'

reset_log
bq --check
check check_finds_the_cached_binary '[ $rc = 0 ] && [ ! -s "$work/log" ]'

reset_log
t0=${EPOCHREALTIME//[!0-9]/}
bq --print-path
t1=${EPOCHREALTIME//[!0-9]/}
check unchanged_inputs_run_nothing '[ $rc = 0 ] && [ "$(cat "$work/out")" = "$first" ] && [ ! -s "$work/log" ] && [ ! -s "$work/err" ]'
echo "# cached --print-path: $(((t1 - t0) / 1000)) ms"

touch -d '2000-01-01' "$cache/qemu/7.2+dfsg-1/src/hw/misc/mockdevs/Kconfig"
echo '/* changed */' >>"$tree/mockdevs/mockdma.c"
reset_log
bq --check
check check_sees_a_changed_model '[ $rc = 1 ]'
bq
second=$(tail -1 "$work/out")
check changed_model_recompiles_one_file '[ "$second" != "$first" ] && [ -x "$second" ] && [ -x "$first" ] &&
	! ran configure && ! ran "apt-get source" && [ "$(grep -c ^compiled "$work/log")" = 1 ] && ran "compiled mockdma.c"'
check changed_model_gets_its_own_notes 'cmp -s "${second%/*}/coverage/mockdma.c" "$tree/mockdevs/mockdma.c" &&
	[ "$(cat "${second%/*}/coverage/mockdma.c.gcno")" = "$(notes)" ] && ! cmp -s "${first%/*}/coverage/mockdma.c" "$tree/mockdevs/mockdma.c"'
check unchanged_files_keep_their_mtime '[ "$(stat -c %Y "$cache/qemu/7.2+dfsg-1/src/hw/misc/mockdevs/Kconfig")" = "$(date -d 2000-01-01 +%s)" ]'
check hooks_are_added_once '[ "$(grep -cx "subdir('"'mockdevs'"')" "$cache/qemu/7.2+dfsg-1/src/hw/misc/meson.build")" = 1 ] &&
	[ "$(grep -cx "source mockdevs/Kconfig" "$cache/qemu/7.2+dfsg-1/src/hw/misc/Kconfig")" = 1 ]'
te=$cache/qemu/7.2+dfsg-1/src/hw/misc/trace-events
check trace_events_are_added_once_beside_qemus '[ "$(grep -cx "# upci: mockdevs begin" "$te")" = 1 ] &&
	grep -q "^edu_mmio_read(" "$te" && grep -q "^mockdma_desc(" "$te" &&
	[ "$(grep -c "^mockdma_desc(" "$te")" = 1 ] && ! grep -q "^# mockdma" "$te"'
touch -d '2000-01-01' "$te"
printf 'mockdma_new(int x) "x %%d"\n' >>"$tree/mockdevs/trace-events"
bq
check changed_trace_events_rewrite_only_our_block '[ $rc = 0 ] && grep -q "^mockdma_new(" "$te" &&
	grep -q "^edu_mmio_read(" "$te" && [ "$(grep -cx "# upci: mockdevs end" "$te")" = 1 ] &&
	[ "$(stat -c %Y "$te")" != "$(date -d 2000-01-01 +%s)" ]'
sed -i '/^mockdma_new(/d' "$tree/mockdevs/trace-events"

echo '#error boom' >>"$tree/mockdevs/mockdma.c"
bq
check compile_error_shows_the_compiler_line '[ $rc != 0 ] &&
	grep -q "^mockdevs/mockdma.c:2:2: error: #error boom" "$work/err" &&
	grep -q "^build-qemu: the QEMU build failed (log: " "$work/err" && [ ! -s "$work/out" ]'

sed -i '/#error/d' "$tree/mockdevs/mockdma.c"
echo '/* no notes */' >>"$tree/mockdevs/mockdma.c"
FAKE_NO_GCNO=1 bq
check build_without_coverage_notes_fails_saying_so '[ $rc = 1 ] && grep -q "^build-qemu: the build left no mockdma.c.gcno: mockdevs/meson.build must compile mockdma.c with --coverage" "$work/err" &&
	[ ! -s "$work/out" ] && bq --check && [ $rc = 1 ]'
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

FAKE_CC_VERSION=13.1.0-1 bq --check
check new_compiler_is_a_new_key '[ $rc = 1 ]'
reset_log
FAKE_CC_VERSION=13.1.0-1 bq
check new_compiler_relinks_without_a_new_tree '[ $rc = 0 ] && ran ninja && ! ran "apt-get source" && ! ran configure'

# The tree of the pinned version holds another (an older layout, a hand edit).
echo "qemu=1:7.2+dfsg-0" >"$cache/qemu/7.2+dfsg-1/src/.upci-unpacked"
echo "/* stamp */" >>"$tree/mockdevs/mockdma.c"
reset_log
bq
check stamp_of_another_version_is_fetched_again '[ $rc = 0 ] && ran "apt-get source -q --download-only qemu=1:7.2+dfsg-1" &&
	grep -q "holds qemu=1:7.2+dfsg-0, not qemu=1:7.2+dfsg-1: fetching the pinned one" "$work/err" &&
	[ "$(cat "$cache/qemu/7.2+dfsg-1/src/.upci-unpacked")" = "qemu=1:7.2+dfsg-1" ]'

sed -i 's/^QEMU_SOURCE_VERSION=.*/QEMU_SOURCE_VERSION=1:7.2+dfsg-2/' "$tree/ci/versions"
bq --check
check new_pin_is_a_new_key '[ $rc = 1 ] && grep -q "/bin/7.2+dfsg-2-" "$work/out"'
reset_log
bq
check new_pin_gets_a_new_tree '[ $rc = 0 ] && ran "apt-get source -q --download-only qemu=1:7.2+dfsg-2" &&
	[[ $(tail -1 "$work/out") == */bin/7.2+dfsg-2-* ]] && [ ! -e "$cache/qemu/7.2+dfsg-1" ]'

rm -rf "$cache" && mkdir -p "$cache" && chmod 555 "$cache"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere: make the cache a file instead
	rmdir "$cache" && : >"$cache"
fi
bq
check unwritable_cache_is_one_line '[ $rc = 1 ] && one_err_line "^build-qemu: must run as root to build QEMU into "'
rm -f "$cache"

tap_totals
