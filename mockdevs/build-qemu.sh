#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build qemu-system-x86_64 with our device models (mockdevs/) from Debian's
# QEMU source package, and print the binary's absolute path.
#
# Usage: mockdevs/build-qemu.sh [--print-path | --check]
#   (none)        build if needed; progress on stderr, the path as the last
#                 line of stdout
#   --print-path  the same, quiet unless it builds: stdout is only the path
#   --check       exit 0 if the binary for the current inputs is cached,
#                 1 if not (saying what is missing); never builds
#
# The source is Debian's qemu at QEMU_SOURCE_VERSION (ci/versions), never
# whatever is newest: ci/install-deps.sh checks the archive serves it and
# adds the deb-src entries apt-get source needs.
#
# Cache, outside the tree ($UPCI_CACHE/qemu):
#   VERSION/src, VERSION/build  one incremental tree for the pinned source
#                               version: a change to mockdma.c recompiles
#                               one file; a tree whose stamp names another
#                               version is fetched again
#   VERSION/build.log           the last configure and build output
#   bin/VERSION-HASH/           finished binaries; HASH covers mockdevs/'s
#                               sources, include/mockdma.h, this script and
#                               the compiler. Only the newest $KEEP_BINARIES stay.
#   bin/VERSION-HASH/coverage/  mockdma.c is built with gcov (meson.build):
#                               its notes (mockdma.c.gcno) and the sources
#                               they describe, so ci/coverage-qemu.sh can
#                               read a VM's mockdma.c.gcda without the tree
# With unchanged inputs nothing runs but a hash.
#
# The build packages come from ci/install-deps.sh (the one list of them).
# UPCI_INSTALL_DEPS replaces it for the tests (tests/host/test_build_qemu.sh).
set -euo pipefail

here=${0%/*}
[ "$here" != "$0" ] || here=.
here=$(cd "${here:-/}" && pwd)
top=${here%/*}
top=${top:-/}
# shellcheck source=SCRIPTDIR/../ci/cache-dir.sh
. "$top/ci/cache-dir.sh"
: "${UPCI_INSTALL_DEPS:=$top/ci/install-deps.sh}"

KEEP_BINARIES=3
qcache=$UPCI_CACHE/qemu
bindir=$qcache/bin
# Only what the lab uses (virtfs: scenarios that run the host's own
# binaries in the guest, over a read-only 9p share). Debian's dfsg source has no firmware blobs: they
# come from the installed qemu-system-x86, seabios and ipxe-qemu packages.
# The prefix is never installed to (it must not be /usr: QEMU relocates
# paths under its prefix relative to the binary).
configure_args() {
	echo --target-list=x86_64-softmmu --without-default-features \
		--enable-kvm --enable-tcg --disable-docs --disable-tools \
		--enable-virtfs --enable-attr --enable-cap-ng \
		--disable-user "--prefix=$qcache/prefix" \
		--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
}

quiet=
die() { echo "build-qemu: $*" >&2; exit 1; }
say() { [ -n "$quiet" ] || echo "build-qemu: $*" >&2; }
progress() { echo "build-qemu: $*" >&2; }

# The files that go into the QEMU tree, relative to $top, sorted.
tree_files() {
	(cd "$top" && {
		find mockdevs -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \
			-o -name Kconfig -o -name meson.build -o -name trace-events \)
		echo include/mockdma.h
	} | LC_ALL=C sort)
}

# The compiler is an input too: a new gcc is a new binary. Its first
# line, asked once (main).
cc_version=
ask_compiler() {
	cc_version=$(${CC:-cc} --version 2>/dev/null) || true
	cc_version=${cc_version%%$'\n'*}
}
compiler_id() {
	echo "cc: $cc_version"
}

# "SHA256  PATH" for every input: the tree's files and this script, and
# the compiler.
inputs_sums() {
	local files
	mapfile -t files < <(tree_files)
	(cd "$top" && sha256sum "${files[@]}" mockdevs/build-qemu.sh)
	compiler_id
}

# 12 hex digits over the names and contents of the inputs (SUMS, or
# inputs_sums).
inputs_hash() {
	local sum
	if [ $# = 0 ]; then
		sum=$(inputs_sums | sha256sum) || return
	else
		sum=$(sha256sum <<<"$1") || return
	fi
	echo "${sum:0:12}"
}

check_inputs() {
	local f
	for f in include/mockdma.h mockdevs/mockdma.c mockdevs/Kconfig mockdevs/meson.build mockdevs/trace-events; do
		[ -f "$top/$f" ] || die "$f is missing: there is no device model to build"
	done
}

# Download Debian's qemu source VERSION and unpack it with its patches.
fetch_source() {
	local ver=$1 dest=$2 tmp
	tmp=$(mktemp -d "$qcache/.fetch.XXXXXX")
	progress "downloading Debian's qemu $ver source (about 25 MB)"
	if ! (cd "$tmp" && apt-get source -q --download-only "qemu=$ver") >"$tmp/apt.log" 2>&1; then
		die "cannot download the source package qemu=$ver from the archive: $(grep -E '^E:' "$tmp/apt.log" | head -1 || tail -1 "$tmp/apt.log")"
	fi
	progress "unpacking it with Debian's patches"
	dpkg-source -x "$tmp"/qemu_*.dsc "$tmp/src" >"$tmp/dpkg-source.log" 2>&1 ||
		die "dpkg-source could not unpack qemu $ver: $(tail -1 "$tmp/dpkg-source.log")"
	rm -rf "$dest"
	mv "$tmp/src" "$dest"
	rm -rf "$tmp"
}

# Copy our sources into SRC/hw/misc/mockdevs, only where they differ (so
# ninja rebuilds only what changed), and hook the directory into QEMU's
# meson and Kconfig once. $staged lists what was copied.
staged=()
hook_mockdevs() {
	local src=$1 dst=$1/hw/misc/mockdevs f keep
	mkdir -p "$dst"
	keep=" "
	mapfile -t staged < <(tree_files)
	for f in "${staged[@]}"; do
		cmp -s "$top/$f" "$dst/${f##*/}" || cp "$top/$f" "$dst/${f##*/}"
		keep="$keep${f##*/} "
	done
	for f in "$dst"/*; do
		[[ $keep == *" ${f##*/} "* ]] || rm -f "$f"
	done
	grep -qxF "subdir('mockdevs')" "$src/hw/misc/meson.build" ||
		printf "\n# upci: mockdevs/build-qemu.sh\nsubdir('mockdevs')\n" >>"$src/hw/misc/meson.build"
	grep -qxF 'source mockdevs/Kconfig' "$src/hw/misc/Kconfig" ||
		printf '\n# upci: mockdevs/build-qemu.sh\nsource mockdevs/Kconfig\n' >>"$src/hw/misc/Kconfig"
	hook_trace_events "$src/hw/misc/trace-events" "$dst/trace-events"
}

# Our trace events go into hw/misc's (mockdma.c includes its header), as a
# marked block, rewritten only when it changed (the file regenerates the
# trace headers of all of hw/misc).
hook_trace_events() {
	local list=$1 ours=$2 new
	new=$(mktemp "$qcache/.trace-events.XXXXXX")
	sed '/^# upci: mockdevs begin$/,/^# upci: mockdevs end$/d' "$list" >"$new"
	{ echo '# upci: mockdevs begin'; grep -v '^#' "$ours"; echo '# upci: mockdevs end'; } >>"$new"
	chmod 644 "$new"
	if cmp -s "$new" "$list"; then rm -f "$new"; else mv "$new" "$list"; fi
}

# inputs_sums for the copies in the QEMU tree: what is really built, even
# if mockdevs/ changed since the key was computed. One sha256sum for all
# of them, each line then named as inputs_sums names it.
staged_sums() {
	local src=$1 sum i=0 sums
	sums=$(cd "$src/hw/misc/mockdevs" && sha256sum -- "${staged[@]##*/}") || return
	while read -r sum _; do
		echo "$sum  ${staged[i++]}"
	done <<<"$sums"
	(cd "$top" && sha256sum mockdevs/build-qemu.sh)
	compiler_id
}

# (Re)configure when the build tree is new or the arguments changed.
configure() {
	local src=$1 build=$2 log=$3 args
	args=$(configure_args)
	if [ -f "$build/build.ninja" ] && [ -r "$build/.upci-configure" ] && [ "$(<"$build/.upci-configure")" = "$args" ]; then
		return 0
	fi
	progress "configuring (x86_64-softmmu, only what the lab uses)"
	rm -rf "$build"
	mkdir -p "$build"
	# shellcheck disable=SC2086 # the arguments hold no spaces
	if ! (cd "$build" && "$src/configure" $args) >>"$log" 2>&1; then
		tail -20 "$log" >&2
		die "configure failed (log: $log)"
	fi
	echo "$args" >"$build/.upci-configure"
}

# ninja's "[n/N]" lines go to the log; every tenth of the way is shown.
show_progress() {
	local log=$1 line n total shown=-1 step
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		[[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]] || continue
		n=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
		step=$((n * 10 / total))
		if [ "$step" != "$shown" ] && [ "$total" -gt 20 ]; then
			progress "compiling: $n/$total"
			shown=$step
		fi
	done
}

# The compiler's error lines, with paths as they are in this repository.
show_errors() {
	local log=$1 errs
	errs=$(grep -E -A4 ': (fatal )?error: ' "$log" | grep -vE '^(\[[0-9]+/[0-9]+\] |--$|ninja: )' |
		head -40 | sed -e 's#[^ ]*/hw/misc/mockdevs/mockdma\.h#include/mockdma.h#g' \
			-e 's#[^ ]*/hw/misc/mockdevs/#mockdevs/#g') || true
	if [ -n "$errs" ]; then
		printf '%s\n' "$errs" >&2
	else
		tail -20 "$log" >&2
	fi
}

compile() {
	local build=$1 log=$2 how=incremental
	[ -e "$build/qemu-system-x86_64" ] || how="all of it: about 4 min on 2 cores"
	progress "compiling qemu-system-x86_64 ($how; log: $log)"
	if ! ninja -C "$build" -j"$(nproc)" qemu-system-x86_64 2>&1 | show_progress "$log"; then
		show_errors "$log"
		die "the QEMU build failed (log: $log)"
	fi
}

# Keep the newest binaries and the current version's tree only.
prune() {
	local ver_dir=$1 d
	# shellcheck disable=SC2012 # names are ours: VERSION-HASH
	ls -1dt "$bindir"/*/ 2>/dev/null | tail -n +$((KEEP_BINARIES + 1)) |
		while read -r d; do rm -rf "$d"; done
	for d in "$qcache"/*/; do
		d=${d%/}
		[ "$d" = "$bindir" ] || [ "$d" = "$ver_dir" ] || [ "$d" = "$qcache/prefix" ] ||
			rm -rf "$d"
	done
}

# Build, and store the binary as bin/$built_key.
built_key=
build() {
	local ver=$1 key=$2 ver_dir=$qcache/${1#*:} log new gcno sums stamp=
	local src=$ver_dir/src build=$ver_dir/build
	"$UPCI_INSTALL_DEPS" >&2 || exit 1
	mkdir -p "$ver_dir" "$bindir"
	rm -rf "$qcache"/.fetch.* "$bindir"/.new.*
	log=$ver_dir/build.log
	: >"$log"
	[ ! -r "$src/.upci-unpacked" ] || stamp=$(<"$src/.upci-unpacked")
	if [ "$stamp" != "qemu=$ver" ]; then
		[ ! -e "$src/.upci-unpacked" ] ||
			progress "$src holds $stamp, not qemu=$ver: fetching the pinned one"
		fetch_source "$ver" "$src"
		echo "qemu=$ver" >"$src/.upci-unpacked"
		rm -rf "$build"
	fi
	hook_mockdevs "$src"
	sums=$(staged_sums "$src")
	built_key=${ver#*:}-$(inputs_hash "$sums")
	[ "$built_key" = "$key" ] ||
		progress "mockdevs/ changed since the start: building it as it is now ($built_key)"
	configure "$src" "$build" "$log"
	compile "$build" "$log"
	# its .gcda (it has gcov) goes to a scratch prefix, not into the tree
	rm -rf "$ver_dir/.gcov-check"
	GCOV_PREFIX=$ver_dir/.gcov-check "$build/qemu-system-x86_64" -device help 2>/dev/null |
		grep -q '^name "mockdma"' ||
		die "the built QEMU has no mockdma device (is CONFIG_MOCKDMA on? log: $log)"
	rm -rf "$ver_dir/.gcov-check"
	gcno=$(find "$build/hw/misc/mockdevs" -name mockdma.c.gcno 2>/dev/null | head -1)
	[ -n "$gcno" ] ||
		die "the build left no mockdma.c.gcno: mockdevs/meson.build must compile mockdma.c with --coverage (log: $log)"
	grep -E "hw/misc/mockdevs/.*: warning: " "$log" >&2 || true
	new=$(mktemp -d "$bindir/.new.XXXXXX")
	cp "$build/qemu-system-x86_64" "$new/"
	# the notes and what they were compiled from (the staged copies)
	mkdir "$new/coverage"
	cp "$gcno" "$src/hw/misc/mockdevs/mockdma.c" "$src/hw/misc/mockdevs/mockdma.h" "$new/coverage/"
	{
		echo "qemu source: $ver"
		echo "configure: $(configure_args)"
		echo "$sums"
	} >"$new/inputs"
	chmod 755 "$new"
	rm -rf "${bindir:?}/$built_key"
	mv "$new" "$bindir/$built_key"
	prune "$ver_dir"
}

main() {
	local mode=build ver key bin t0
	case ${1:-} in
	'') ;;
	--print-path) quiet=1 ;;
	--check) mode=check ;;
	*) echo "usage: mockdevs/build-qemu.sh [--print-path | --check]" >&2; exit 2 ;;
	esac
	[ "$mode" = check ] || check_inputs
	ask_compiler
	ver=$QEMU_SOURCE_VERSION
	key=${ver#*:}-$(inputs_hash)
	if [ "$mode" = check ]; then
		[ -x "$bindir/$key/qemu-system-x86_64" ] && exit 0
		echo "missing: $bindir/$key/qemu-system-x86_64"
		exit 1
	fi
	bin=$bindir/$key/qemu-system-x86_64
	if [ ! -x "$bin" ]; then
		{ mkdir -p "$qcache" 2>/dev/null && [ -w "$qcache" ]; } ||
			die "must run as root to build QEMU into $qcache (or set UPCI_CACHE to a writable directory)"
		exec 9>"$qcache/.lock"
		flock -n 9 || { progress "waiting for another build-qemu.sh"; flock 9; }
		if [ ! -x "$bin" ]; then
			t0=$SECONDS
			progress "building QEMU $ver with mockdevs (key $key)"
			build "$ver" "$key"
			bin=$bindir/$built_key/qemu-system-x86_64
			progress "built $bin in $((SECONDS - t0)) s"
		fi
	else
		say "up to date: QEMU $ver, mockdevs ${key##*-}"
		touch -c "$bindir/$key" 2>/dev/null || true
	fi
	echo "$bin"
}

# One line: bash has read it whole before it runs, so editing this file
# during a build does not confuse the running copy.
main "$@"; exit
