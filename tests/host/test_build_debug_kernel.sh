#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ci/build-debug-kernel.sh against a fake kernel tree and a fake make: the
# layout it leaves for upcilab --kernel, the cache key, --check, and each
# way it refuses (a source tree of another version than the pin, a config
# line Kconfig dropped, a compile error, a wrong release, an unwritable
# cache), and an object tree of another source or compiler started afresh.
# No real kernel is built.
# TAP out, kselftest-style Totals line last (tests/host/run-unit-tests.sh).
# The checks are shell code in single quotes, eval'd by check():
# shellcheck disable=SC2016
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$top/tests/host/tap.sh"

# A scratch ci/ with the real script and config, a pinned version.
tree=$work/tree
mkdir -p "$tree/ci"
cp "$top"/ci/{build-debug-kernel.sh,debug-kernel.config,cache-dir.sh,versions} "$tree/ci/"
cache=$work/cache
export UPCI_CACHE=$cache
# shellcheck source=ci/cache-dir.sh
. "$tree/ci/cache-dir.sh"
src=$source_dir
up=${KERNEL_VERSION%%-*}
export REL=$up-upci-debug

# The fake kernel tree: merge_config.sh appends the fragment; make knows
# the targets the script uses. FAKE_DROP: a line olddefconfig removes;
# FAKE_CC_ERROR: vmlinux fails to compile; FAKE_RELEASE: kernelrelease.
mkdir -p "$src/scripts/kconfig" "$work/bin"
# the pinned source, as ci/install-deps.sh leaves it
pinned_source() {
	local version patchlevel sublevel
	IFS=. read -r version patchlevel sublevel <<<"$up"
	printf '# fake kernel Makefile\nVERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\n' "$version" "$patchlevel" "$sublevel" >"$src/Makefile"
	echo "$kernel_source_pkg=$KERNEL_VERSION" >"$src/.unpacked"
}
pinned_source
cat >"$src/scripts/kconfig/merge_config.sh" <<'F'
#!/bin/sh
# merge_config.sh -m -O DIR BASE FRAGMENT
cat "$5" >>"$3/.config"
F
cat >"$work/bin/make" <<'F'
#!/bin/sh
o=
for a in "$@"; do case $a in O=*) o=${a#O=} ;; esac; done
for a in "$@"; do
	case $a in
	allnoconfig) echo "make allnoconfig" >>"$FAKE_LOG"; echo "CONFIG_KASAN_OLD=y" >"$o/.config" ;;
	x86_64_defconfig | kvm_guest.config) echo "make $a" >>"$FAKE_LOG" ;;
	olddefconfig)
		[ -n "${FAKE_DROP:-}" ] && grep -vxF "$FAKE_DROP" "$o/.config" >"$o/.c" && mv "$o/.c" "$o/.config"
		true ;;
	vmlinux)
		echo "make vmlinux" >>"$FAKE_LOG"
		for i in 1 2 3; do echo "  CC      kernel/f$i.o"; done
		if [ -n "${FAKE_CC_ERROR:-}" ]; then
			echo "kernel/bad.c:3:1: error: expected ';' before '}' token"
			exit 2
		fi
		echo ELF >"$o/vmlinux" ;;
	kernelrelease) echo "${FAKE_RELEASE:-$REL}" ;;
	modules_install)
		for b in "$@"; do case $b in INSTALL_MOD_PATH=*) d=${b#INSTALL_MOD_PATH=} ;; esac; done
		r=$REL
		mkdir -p "$d/lib/modules/$r/kernel"
		echo "kernel/vfio.ko:" >"$d/lib/modules/$r/modules.dep"
		ln -s "$o" "$d/lib/modules/$r/build" ;;
	esac
done
exit 0
F
chmod +x "$work/bin/make" "$src/scripts/kconfig/merge_config.sh"
printf '#!/bin/sh\nexit 0\n' >"$work/bin/install-deps" && chmod +x "$work/bin/install-deps"

bk() {
	: >"$work/log"
	PATH="$work/bin:$PATH" UPCI_CACHE="$cache" UPCI_INSTALL_DEPS="$work/bin/install-deps" \
		FAKE_LOG="$work/log" "$tree/ci/build-debug-kernel.sh" "$@" >"$work/out" 2>"$work/err"
	rc=$?
}
ran() { grep -qxF "$1" "$work/log"; }

show_on_failure="stdout:$work/out stderr:$work/err"

echo "TAP version 13"
echo "1..21"
bk --frob
check bad_argument_is_usage '[ $rc = 2 ] && grep -q "^usage: ci/build-debug-kernel.sh" "$work/err"'
bk --check
check check_with_nothing_built '[ $rc = 1 ] && grep -q "^missing: $cache/debug-kernel/.*/vmlinux" "$work/out" && [ ! -s "$work/log" ]'

FAKE_DROP=CONFIG_KASAN=y bk
check dropped_config_line_fails_naming_it '[ $rc = 1 ] && grep -q "wanted CONFIG_KASAN=y, got: unset" "$work/err" &&
	grep -q "did not take ci/debug-kernel.config" "$work/err" && ! ran "make vmlinux"'

FAKE_CC_ERROR=1 bk
check compile_error_shows_the_compiler_line '[ $rc = 1 ] && grep -q "kernel/bad.c:3:1: error" "$work/err" &&
	grep -q "the kernel build failed" "$work/err"'

FAKE_RELEASE=$up bk
check wrong_release_is_refused '[ $rc = 1 ] && grep -qF "release is '"'$up'"', not '"'$REL'"'" "$work/err"'

bk
out=$(tail -1 "$work/out")
check fresh_build_prints_the_directory '[ $rc = 0 ] && [ -s "$out/vmlinux" ] && ran "make vmlinux"'
# lean: the fragment is all there is, on top of allnoconfig
check configured_from_allnoconfig_only 'ran "make allnoconfig" && ! ran "make x86_64_defconfig" && ! ran "make kvm_guest.config"'
check layout_is_what_upcilab_boots '[ -s "$out/lib/modules/$REL/modules.dep" ] &&
	[ "$(readlink "$out/build")" = "$cache/debug-kernel/obj" ] &&
	[ ! -e "$out/lib/modules/$REL/build" ] && grep -qx "CONFIG_KASAN=y" "$out/.config"'
check object_tree_names_its_inputs 'grep -qxF "$kernel_source_pkg=$KERNEL_VERSION" "$cache/debug-kernel/obj/.upci-inputs"'
bk --check
check check_finds_it '[ $rc = 0 ]'
bk --print-path
check unchanged_inputs_build_nothing '[ $rc = 0 ] && [ "$(cat "$work/out")" = "$out" ] && [ ! -s "$work/log" ] && [ ! -s "$work/err" ]'

# A build of another key stopped halfway: the object tree OUT's build/
# points at has another configuration. Said by --check, built again.
echo "CONFIG_DEBUG_VM=y" >>"$cache/debug-kernel/obj/.config"
bk --check
check check_finds_a_tree_another_build_changed '[ $rc = 1 ] && grep -qxF "stale: $cache/debug-kernel/obj/.config is not $out/.config (a build of another key stopped halfway)" "$work/out"'
bk --print-path
check tree_another_build_changed_is_built_again '[ $rc = 0 ] && [ "$(cat "$work/out")" = "$out" ] && ran "make vmlinux" &&
	cmp -s "$out/.config" "$cache/debug-kernel/obj/.config" && [ -s "$out/vmlinux" ]'

echo "CONFIG_DEBUG_VM=y" >>"$tree/ci/debug-kernel.config"
bk --check
check changed_config_is_a_new_key '[ $rc = 1 ]'
bk
new=$(tail -1 "$work/out")
check new_key_rebuilds_and_drops_the_old '[ $rc = 0 ] && [ "$new" != "$out" ] && [ -s "$new/vmlinux" ] && [ ! -e "$out" ]'

# A source tree of another version under the pinned name: refused in one
# line before anything is configured, whether the stamp or the tree says so.
echo "CONFIG_DEBUG_LIST=y" >>"$tree/ci/debug-kernel.config"
echo "$kernel_source_pkg=6.12.999-1~deb12u1" >"$src/.unpacked"
bk
check source_stamped_another_version_is_refused '[ $rc = 1 ] && [ "$(grep -vc "building the sanitizer kernel" "$work/err")" = 1 ] && ! ran "make allnoconfig" &&
	grep -qF "holds $kernel_source_pkg=6.12.999-1~deb12u1 (kernel $up), not the pinned $kernel_source_pkg=$KERNEL_VERSION" "$work/err"'
pinned_source
sed -i 's/^SUBLEVEL = .*/SUBLEVEL = 999/' "$src/Makefile"
bk
check source_tree_of_another_version_is_refused '[ $rc = 1 ] && ! ran "make allnoconfig" &&
	grep -qF "(kernel ${kernel_majmin}.999), not the pinned" "$work/err"'
pinned_source

# The object tree was made from another source: not mixed with the new one.
echo "$kernel_source_pkg=6.12.999-1~deb12u1" >"$cache/debug-kernel/obj/.upci-inputs"
: >"$cache/debug-kernel/obj/stale.o"
bk
check object_tree_of_another_source_starts_afresh '[ $rc = 0 ] && [ ! -e "$cache/debug-kernel/obj/stale.o" ] &&
	grep -qF "the object tree was made from $kernel_source_pkg=6.12.999-1~deb12u1, not $kernel_source_pkg=$KERNEL_VERSION" "$work/err"'
: >"$cache/debug-kernel/obj/kept.o"
bk
check object_tree_of_the_same_inputs_is_kept '[ $rc = 0 ] && [ -e "$cache/debug-kernel/obj/kept.o" ]'

printf '#!/bin/sh\necho "cc (Debian 13.1.0-1) 13.1.0"\n' >"$work/bin/cc" && chmod +x "$work/bin/cc"
bk --check
check new_compiler_is_a_new_key '[ $rc = 1 ]'
rm -f "$work/bin/cc"

rm -rf "$cache/debug-kernel"
: >"$cache/debug-kernel"
bk
check unwritable_cache_is_one_line '[ $rc = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] &&
	grep -q "^build-debug-kernel: must run as root to build into " "$work/err"'

tap_totals
