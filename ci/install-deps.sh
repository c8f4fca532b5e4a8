#!/usr/bin/env bash
# Install everything the lab needs from Debian's archive, each pinned
# package (ci/versions, ci/pins.sh) at exactly its pin. Idempotent: when
# nothing is missing it touches nothing and takes well under a second.
#
# Before any download it checks every pin against the apt lists: a pin the
# archive no longer serves fails in seconds with one line per package,
# naming the pin and the versions the archive offers (make bump-versions
# moves the pins). The lists are refreshed before installing anything, and
# once a day otherwise, so a cached machine notices a dropped pin too.
#
# Unpacked packages, kept in the cache as PACKAGE_VERSION and never
# installed to /boot or /usr/src:
#   - the pinned kernel image, booted by every guest;
#   - the matching kernel source, for kselftest_harness.h, checkpatch.pl
#     and the sanitizer kernel.
# Each entry's stamp names the package and version it was unpacked from: a
# stamp (or a source tree) of another version is unpacked again, and
# entries of other versions are removed.
#
# Usage: ci/install-deps.sh [--check]
#   --check  only report what is missing; exit 1 if anything is.
# UPCI_APT_ETC and UPCI_APT_LISTS replace /etc/apt and /var/lib/apt/lists
# (tests/host/test_install_deps.sh).
set -euo pipefail

here=${0%/*}
[ "$here" != "$0" ] || here=.
# shellcheck source=SCRIPTDIR/cache-dir.sh
. "$here/cache-dir.sh"
# shellcheck source=SCRIPTDIR/pins.sh
. "$here/pins.sh"
# shellcheck source=SCRIPTDIR/deb-src.sh
. "$here/deb-src.sh"
: "${UPCI_APT_LISTS:=/var/lib/apt/lists}"

tools=(
	cpio              # packs the guest initramfs
	build-essential   # gcc, make, libc for static guest binaries
	ccache            # a warm build recompiles nothing it compiled before
	pkg-config
	libjansson-dev    # QMP JSON in the harness
	xz-utils          # the kernel modules are .ko.xz
	kmod              # depmod: module dependencies of the unpacked kernel
	zstd              # extract-vmlinux: the kernel image is zstd-compressed
	sparse            # make check-kmod: the kernel's static checker
	lcov              # make coverage: upci.ko's gcov data to HTML
	gnuplot-nox       # make bench: the plots
	# make fuzz-harness: the harness's parsers under libFuzzer, ASan, UBSan
	clang             # clang-14, the compiler with -fsanitize=fuzzer
	libclang-rt-14-dev  # its runtimes: libFuzzer, ASan, UBSan
	# mockdevs/build-qemu.sh: QEMU with mockdma, from Debian's qemu source
	dpkg-dev          # dpkg-source unpacks it with Debian's patches
	ninja-build       # QEMU's build runs on meson and ninja
	meson
	python3           # QEMU's configure and code generators
	libglib2.0-dev    # QEMU's core library
	libpixman-1-dev   # required by QEMU's system emulators (display code)
	zlib1g-dev        # required by QEMU (migration, block layer)
	libfdt-dev        # device trees: x86_64-softmmu needs libfdt (no bundled dtc)
	libcap-ng-dev     # virtfs (9p): the host's files in the guest, read-only
	# ci/build-debug-kernel.sh: the sanitizer kernel, from the linux-source tree
	bc bison flex     # Kconfig and the build's generators
	libelf-dev        # objtool
	libssl-dev        # sign-file and the certificate tools the build compiles
)

die() { echo "install-deps: $*" >&2; exit 1; }
say() { echo "install-deps: $*" >&2; }

# Every package to install, in the array wanted: the pinned ones as
# PACKAGE=VERSION, the tools as names (a pinned tool is listed once, with
# its pin).
wanted_packages() {
	local pv tool
	local -A is_pinned=()
	pinned_of_kind install
	wanted=("${pinned[@]}")
	for pv in "${pinned[@]}"; do is_pinned[${pv%%=*}]=1; done
	for tool in "${tools[@]}"; do
		[ -n "${is_pinned[$tool]-}" ] || wanted+=("$tool")
	done
}

# The wanted packages that are not installed, or not at their pin, as
# lines in missing_pkgs.
missing_packages() {
	local pv names=() pkg want flag status version need=()
	local -A have=()
	wanted_packages
	for pv in "${wanted[@]}"; do names+=("${pv%%=*}"); done
	while read -r pkg want flag status version _; do
		if [ "$want $flag $status" = "install ok installed" ]; then have[$pkg]=$version; fi
	done < <(dpkg-query -W -f='${Package} ${Status} ${Version}\n' "${names[@]}" 2>/dev/null)
	for pv in "${wanted[@]}"; do
		IFS='=' read -r pkg version _ <<<"$pv"
		if [ -z "${have[$pkg]+set}" ] || { [ -n "$version" ] && [ "${have[$pkg]}" != "$version" ]; }; then
			need+=("$pv")
		fi
	done
	printf -v missing_pkgs '%s\n' "${need[@]}"
	missing_pkgs=${missing_pkgs%$'\n'}
}

# The unpacked entries: "PACKAGE=VERSION DIR" lines.
entries="$kernel_image_pkg=$KERNEL_VERSION $kernel_dir
$kernel_source_pkg=$KERNEL_VERSION $source_dir"

# A source tree's own version, from its Makefile: 6.12.117, in tree.
tree_version() {
	tree=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2; print v "." p "." s; exit }' "$1/Makefile" 2>/dev/null) || true
}

# Why the entry in DIR is not PACKAGE=VERSION, in mismatch; empty if it is.
entry_mismatch() {
	local pv=$1 dir=$2 stamp tree
	mismatch=
	[ -e "$dir/.unpacked" ] || { mismatch=missing; return 0; }
	# (only after that test: under set -e, $(<) of a missing file ends the script)
	stamp=$(<"$dir/.unpacked")
	[ "$stamp" = "$pv" ] || { mismatch="holds ${stamp:-an unknown version}"; return 0; }
	if [[ ${pv%%=*} == linux-source-* ]]; then
		tree_version "$dir"
		[ "$tree" = "${KERNEL_VERSION%%-*}" ] ||
			mismatch="holds a kernel tree of version ${tree:-unknown}"
	fi
}

# The entries that are not as pinned, as lines in missing_ents.
missing_entries() {
	local pv dir
	missing_ents=
	while read -r pv dir; do
		entry_mismatch "$pv" "$dir"
		[ -z "$mismatch" ] || missing_ents+="${missing_ents:+$'\n'}$pv $dir"
	done <<<"$entries"
}

# Booting the uncompressed ELF (PVH entry) skips a second of decompression
# under TCG on every VM boot.
vmlinux_missing() {
	[ ! -s "$kernel_dir/vmlinux" ]
}

extract_vmlinux() {
	say "extracting vmlinux for direct (PVH) boot"
	"$source_dir/scripts/extract-vmlinux" "$kernel_dir/boot/vmlinuz-$KVER" \
		>"$kernel_dir/vmlinux.tmp" 2>/dev/null ||
		die "extract-vmlinux failed on $kernel_dir/boot/vmlinuz-$KVER"
	mv "$kernel_dir/vmlinux.tmp" "$kernel_dir/vmlinux"
}

# apt keeps the archive's Last-Modified as the lists' mtime: when we last
# updated them is this stamp's.
updated_stamp=$UPCI_CACHE/.apt-updated
apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	local log
	log=$(mktemp)
	if ! apt-get update >"$log" 2>&1; then
		# apt's E: line carries the cause; Err: lines only name the source
		die "cannot reach the Debian archive: apt-get update failed: $(grep -E '^E:' "$log" | head -1 || tail -1 "$log")"
	fi
	rm -f "$log"
	touch "$updated_stamp"
	apt_updated=1
}

# Nothing to install, but the lists are more than a day old: refresh them
# if we can, so a pin the archive dropped is noticed here as on a fresh
# machine. Offline, the old lists still answer, with a note.
refresh_stale_lists() {
	[ -z "$(find "$updated_stamp" -mmin -1440 2>/dev/null)" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		say "note: the apt lists were not updated for a day (run as root to refresh them)"
	elif ! apt-get update >/dev/null 2>&1; then
		say "note: the apt lists were not updated for a day and apt-get update failed; checking the pins against them"
	else
		touch "$updated_stamp"
	fi
}

# The pins were found in these very lists before: nothing to ask apt.
pins_stamp=$UPCI_CACHE/.pins-checked
# A hash of the pins' files, then the lists' names, sizes and times.
pins_key() {
	find "$UPCI_APT_LISTS" -maxdepth 1 -type f -printf '%f %s %T@\n' 2>/dev/null | sort |
		cat "$here/versions" "$here/pins.sh" - | sha256sum | cut -c1-16
}

# The pinned qemu source needs deb-src entries: add them (as root) when
# the lists know no source package qemu; status 1 if there was no need.
add_deb_src_if_needed() {
	offered src qemu
	[ ${#offers[@]} = 0 ] || return 1
	[ "$(id -u)" = 0 ] ||
		die "the apt lists have no source packages (the pinned qemu source); adding a deb-src entry needs root"
	say "adding deb-src entries for the pinned qemu source: $(add_deb_src)"
}

# Every pin is in the lists, or die naming each one that is not.
check_pins_or_die() {
	local problems line stamp=
	[ ! -e "$pins_stamp" ] || stamp=$(<"$pins_stamp") # see entry_mismatch
	[ "$stamp" = "$(pins_key)" ] && return 0
	if [ -z "$apt_updated" ] && add_deb_src_if_needed; then
		apt_update
	fi
	if ! problems=$(check_pins); then
		while IFS= read -r line; do say "$line"; done <<<"$problems"
		die "make bump-versions moves the pins to what the archive serves"
	fi
	pins_key >"$pins_stamp"
}

unpack_linux_source() {
	local debdir=$1 dest=$2 tarball
	tarball=$(find "$debdir" -name 'linux-source-*.tar.xz' | head -1)
	[ -n "$tarball" ] || die "linux-source package holds no source tarball"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1
}

unpack() {
	local pv=$1 dest=$2 pkg=${1%%=*} tmp
	tmp=$(mktemp -d "$UPCI_CACHE/.download.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q "$pv" >"$tmp/apt.log" 2>&1); then
		local why
		why=$(grep -E '^E:' "$tmp/apt.log" | head -1)
		rm -rf "$tmp"
		die "could not download $pv from the archive: $why"
	fi
	rm -rf "$dest"
	mkdir -p "$tmp/x"
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	case "$pkg" in
	linux-source-*) unpack_linux_source "$tmp/x" "$dest" ;;
	linux-image-*)
		mv "$tmp/x" "$dest"
		depmod -b "$dest" "$KVER" || die "depmod failed on the unpacked $pkg"
		;;
	*) mv "$tmp/x" "$dest" ;;
	esac
	rm -rf "$tmp"
	echo "$pv" >"$dest/.unpacked"
	entry_mismatch "$pv" "$dest"
	[ -z "$mismatch" ] || die "$pv unpacked into $dest $mismatch"
}

# Kernel entries that no pin names (another version, the old unversioned
# layout): each is a gigabyte or two, and must never be used again.
prune_entries() {
	local d keep
	keep=" $kernel_dir $source_dir "
	for d in "$UPCI_CACHE"/linux-image-* "$UPCI_CACHE"/linux-source-* "$UPCI_CACHE"/kernel-*; do
		[ -d "$d" ] && [[ $keep != *" $d "* ]] || continue
		say "removing $d: no pin in ci/versions names it"
		rm -rf "$d"
	done
}

main() {
	local need_pkgs need_entries pv dir why
	missing_packages
	need_pkgs=$missing_pkgs
	missing_entries
	need_entries=$missing_ents
	if [ "${1:-}" = "--check" ]; then
		[ -z "$need_pkgs$need_entries" ] && ! vmlinux_missing && exit 0
		for pv in $need_pkgs; do echo "missing package: $pv"; done
		while read -r pv dir; do
			[ -n "$pv" ] || continue
			entry_mismatch "$pv" "$dir"
			echo "missing unpacked: $pv in $dir ($mismatch)"
		done <<<"$need_entries"
		vmlinux_missing && echo "missing: $kernel_dir/vmlinux"
		exit 1
	fi
	if [ -z "$need_pkgs$need_entries" ]; then
		refresh_stale_lists
		check_pins_or_die
		vmlinux_missing && extract_vmlinux
		exit 0
	fi
	[ "$(id -u)" = 0 ] || die "must run as root to install: $(echo $need_pkgs $(cut -d' ' -f1 <<<"$need_entries"))"
	command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian system"
	add_deb_src_if_needed || true
	apt_update
	check_pins_or_die
	if [ -n "$need_pkgs" ]; then
		say "installing ${need_pkgs//$'\n'/ }"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			--allow-downgrades $need_pkgs >"$UPCI_CACHE/apt-install.log" 2>&1 ||
			die "apt-get install failed (log: $UPCI_CACHE/apt-install.log): $(grep -E '^E:' "$UPCI_CACHE/apt-install.log" | head -1)"
		missing_packages
		need_pkgs=$missing_pkgs
		[ -z "$need_pkgs" ] ||
			die "apt-get install left these not at their pins: ${need_pkgs//$'\n'/ } (log: $UPCI_CACHE/apt-install.log)"
	fi
	while read -r pv dir; do
		[ -n "$pv" ] || continue
		entry_mismatch "$pv" "$dir"
		why=$mismatch
		[ "$why" = missing ] || say "$dir $why, not $pv: unpacking the pinned one again"
		say "unpacking $pv into $dir"
		unpack "$pv" "$dir"
	done <<<"$need_entries"
	prune_entries
	if vmlinux_missing; then extract_vmlinux; fi
}

[ -d "$UPCI_CACHE" ] || mkdir -p "$UPCI_CACHE"
# Two builds at once (two make invocations, a CI job and a developer) wait
# for each other instead of tripping over apt's lock or a half-unpacked tree.
exec 9>"$UPCI_CACHE/.install-deps.lock"
flock 9
main "$@"
