#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the sanitizer kernel: the pinned kernel's source (linux-source,
# unpacked by ci/install-deps.sh) with allnoconfig and ci/debug-kernel.config,
# the single list of what is in it (what the lab's guests need, plus KASAN,
# lockdep, kmemleak, UBSAN, the debug-object checks and fault injection),
# laid out as upcilab --kernel wants it. Prints the directory.
#
# Usage: ci/build-debug-kernel.sh [--print-path | --check]
#   (none)        build if needed; progress on stderr, the directory as the
#                 last line of stdout
#   --print-path  the same, quiet unless it builds: stdout is only the path
#   --check       exit 0 if the kernel for the current inputs is built,
#                 1 if not; never builds
#
# The source is the pinned linux-source (KERNEL_VERSION in ci/versions): a
# tree of any other version is refused before anything is configured.
#
# Cache ($UPCI_CACHE/debug-kernel):
#   obj/          the one incremental object tree (make O=): later builds
#                 recompile what changed, and out-of-tree modules build
#                 against it (M=). Its stamp names the source version and
#                 compiler; another source or compiler starts it afresh.
#   build.log     the last build's output
#   KEY/          vmlinux, lib/modules/RELEASE/ (depmod'ed), build -> obj,
#                 .config; KEY hashes the kernel package version, the
#                 config fragment, the compiler and RECIPE (below). Only
#                 the newest is kept.
set -euo pipefail

here=${0%/*}
[ "$here" != "$0" ] || here=.
here=$(cd "${here:-/}" && pwd)
. "$here/cache-dir.sh"
: "${UPCI_INSTALL_DEPS:=$here/install-deps.sh}"

RELEASE_SUFFIX=-upci-debug
fragment=$here/debug-kernel.config
src=$source_dir
dcache=$UPCI_CACHE/debug-kernel
obj=$dcache/obj
log=$dcache/build.log

quiet=
die() { echo "build-debug-kernel: $*" >&2; exit 1; }
say() { [ -n "$quiet" ] || echo "build-debug-kernel: $*" >&2; }
progress() { echo "build-debug-kernel: $*" >&2; }

# Bump when a change here changes what is built (the configure steps, the
# make arguments): a rebuild takes minutes, so messages do not count.
# 2: allnoconfig instead of x86_64_defconfig + kvm_guest.config.
RECIPE=2

# The compiler's first line, asked once (main) for obj_inputs and key.
cc_version=
ask_compiler() {
	cc_version=$(${CC:-cc} --version 2>/dev/null) || true
	cc_version=${cc_version%%$'\n'*}
}

# What the object tree is made from besides the fragment.
obj_inputs() {
	echo "$kernel_source_pkg=$KERNEL_VERSION"
	echo "cc: $cc_version"
}

key() {
	local sum
	sum=$({ echo "$KVER recipe $RECIPE"; obj_inputs; cat "$fragment"; } | sha256sum) || return
	echo "${sum:0:12}"
}

# The source tree is the pinned one: its stamp (ci/install-deps.sh) and
# its Makefile both say so.
check_source() {
	local stamp tree
	[ -f "$src/Makefile" ] || die "no kernel source in $src (ci/install-deps.sh unpacks it)"
	stamp=
	[ ! -r "$src/.unpacked" ] || stamp=$(<"$src/.unpacked")
	tree=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { print v "." p "." $2; exit }' "$src/Makefile")
	[ "$stamp" = "$kernel_source_pkg=$KERNEL_VERSION" ] && [ "$tree" = "${KERNEL_VERSION%%-*}" ] ||
		die "$src holds ${stamp:-an unstamped tree} (kernel $tree), not the pinned $kernel_source_pkg=$KERNEL_VERSION: run ci/install-deps.sh"
}

# An object tree made from another source or by another compiler is not
# reused: kbuild would mix its objects with the new ones.
fresh_obj_if_stale() {
	local was
	[ -d "$obj" ] || return 0
	was=
	[ ! -r "$obj/.upci-inputs" ] || was=$(<"$obj/.upci-inputs")
	[ "$was" = "$(obj_inputs)" ] && return 0
	progress "the object tree was made from $(paste -sd' ' <<<"${was:-unknown inputs}"), not $(obj_inputs | paste -sd' '): starting it afresh"
	rm -rf "$obj"
}

jobs= # build() counts them
kmake() {
	make -C "$src" O="$obj" LOCALVERSION= -j"$jobs" "$@"
}

# Every "CONFIG_X=v" and "# CONFIG_X is not set" of the fragment must hold.
# The .config's settings are looked up in the shell, not grepped for
# each of the fragment's lines; grep only words what is wrong.
check_config() {
	local want opt line bad=0 cfg=$obj/.config
	local -a lines
	local -A is_line=() is_set=()
	mapfile -t lines <"$cfg"
	for line in "${lines[@]}"; do
		[[ $line == CONFIG_*=* ]] || continue
		is_line[$line]=1
		is_set[${line%%=*}]=1
	done
	while IFS= read -r want; do
		case $want in
		CONFIG_*=*) [ -n "${is_line[$want]+1}" ] || { echo "  wanted $want, got: $(grep -E "^(# )?${want%%=*}[= ]" "$cfg" || echo unset)" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${want#\# }
			opt=${opt%% *}
			[ -z "${is_set[$opt]+1}" ] || { echo "  wanted $opt unset, got: $(grep "^$opt=" "$cfg")" >&2; bad=1; } ;;
		esac
	done <"$fragment"
	[ "$bad" = 0 ] || die "Kconfig did not take ci/debug-kernel.config as written (see above)"
}

configure() {
	progress "configuring: allnoconfig + ci/debug-kernel.config"
	fresh_obj_if_stale
	mkdir -p "$obj"
	obj_inputs >"$obj/.upci-inputs"
	{
		kmake allnoconfig
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment"
		kmake olddefconfig
	} >>"$log" 2>&1 || { tail -20 "$log" >&2; die "configuring failed (log: $log)"; }
	check_config
}

# make's "CC"/"LD" lines go to the log; every 500th is shown.
show_progress() {
	local line n=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		case $line in
		*"  CC "* | *"  LD "* | *"  AR "*)
			n=$((n + 1))
			[ $((n % 500)) != 0 ] || progress "compiling: $n objects"
			;;
		esac
	done
	return 0
}

build() {
	local out=$1 tmp rel
	"$UPCI_INSTALL_DEPS" >&2 || exit 1
	check_source
	jobs=$(nproc)
	mkdir -p "$dcache"
	: >"$log"
	configure
	progress "compiling vmlinux and modules (log: $log; about 7 min on 2 cores from scratch)"
	if ! kmake vmlinux modules 2>&1 | show_progress; then
		grep -E -A3 ': (fatal )?error: ' "$log" | head -30 >&2 || tail -20 "$log" >&2
		die "the kernel build failed (log: $log)"
	fi
	rel=$(kmake -s kernelrelease)
	[ "$rel" = "${KVER%%[-+]*}$RELEASE_SUFFIX" ] ||
		die "the build's release is '$rel', not '${KVER%%[-+]*}$RELEASE_SUFFIX'"
	tmp=$(mktemp -d "$dcache/.new.XXXXXX")
	kmake INSTALL_MOD_PATH="$tmp" INSTALL_MOD_STRIP=1 modules_install >>"$log" 2>&1 ||
		die "modules_install failed (log: $log)"
	rm -f "$tmp/lib/modules/$rel/build" "$tmp/lib/modules/$rel/source"
	cp "$obj/vmlinux" "$obj/.config" "$tmp/"
	ln -s "$obj" "$tmp/build"
	chmod 755 "$tmp"
	for d in "$dcache"/*/; do
		d=${d%/}
		[ "$d" = "$obj" ] || rm -rf "$d"
	done
	mv "$tmp" "$out"
}

built() { [ -s "$1/vmlinux" ]; }
# OUT's build/ (the object tree the modules are built against) is still
# OUT's: a build of another key that stopped halfway (a cancelled job,
# Ctrl-C) reconfigured it without replacing OUT
tree_is() { cmp -s "$1/.config" "$obj/.config"; }
up_to_date() { built "$1" && tree_is "$1"; }

main() {
	local mode=build key out t0
	case ${1:-} in
	'') ;;
	--print-path) quiet=1 ;;
	--check) mode=check ;;
	*) echo "usage: ci/build-debug-kernel.sh [--print-path | --check]" >&2; exit 2 ;;
	esac
	ask_compiler
	key=$(key)
	out=$dcache/$key
	if [ "$mode" = check ]; then
		if ! built "$out"; then
			echo "missing: $out/vmlinux"
		elif ! tree_is "$out"; then
			echo "stale: $obj/.config is not $out/.config (a build of another key stopped halfway)"
		else
			exit 0
		fi
		exit 1
	fi
	if ! up_to_date "$out"; then
		{ mkdir -p "$dcache" 2>/dev/null && [ -w "$dcache" ]; } ||
			die "must run as root to build into $dcache (or set UPCI_CACHE to a writable directory)"
		exec 9>"$dcache/.lock"
		flock -n 9 || { progress "waiting for another build-debug-kernel.sh"; flock 9; }
		if ! up_to_date "$out"; then
			t0=$SECONDS
			progress "building the sanitizer kernel (key $key)"
			build "$out"
			progress "built $out in $((SECONDS - t0)) s"
		fi
	else
		say "up to date: $out"
	fi
	echo "$out"
}

main "$@"; exit
