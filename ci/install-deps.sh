#!/usr/bin/env bash
# Install everything the lab needs from Debian's archive. Idempotent: when
# nothing is missing it exits in well under a second without touching apt.
#
# Installed packages: the tools that build and run the lab.
# Unpacked packages (kept in the cache, never installed to /boot or /usr/src):
#   - the pinned kernel image, booted by every guest;
#   - the matching kernel source, for kselftest_harness.h and checkpatch.pl.
#
# Usage: ci/install-deps.sh [--check]
#   --check  only report what is missing; exit 1 if anything is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/versions
. "$here/versions"
. "$here/cache-dir.sh"

majmin=$(cut -d. -f1,2 <<<"$KVER")
kernel_dir="$UPCI_CACHE/kernel-$KVER"
source_dir="$UPCI_CACHE/linux-source-$majmin"
packages=(
	qemu-system-x86   # firmware (and seabios, ipxe-qemu) for the QEMU we build; fallback emulator
	busybox-static    # the guest's userland, one static binary
	cpio              # packs the guest initramfs
	build-essential   # gcc, make, libc for static guest binaries
	pkg-config
	libjansson-dev    # QMP JSON in the harness
	xz-utils          # the kernel modules are .ko.xz
	kmod              # depmod: module dependencies of the unpacked kernel
	zstd              # extract-vmlinux: the kernel image is zstd-compressed
	"linux-headers-$KVER" # out-of-tree module builds
	sparse            # make check-kmod: the kernel's static checker
	# mockdevs/build-qemu.sh: QEMU with mockdma, from Debian's qemu source
	dpkg-dev          # dpkg-source unpacks it with Debian's patches
	ninja-build       # QEMU's build runs on meson and ninja
	meson
	python3           # QEMU's configure and code generators
	libglib2.0-dev    # QEMU's core library
	libpixman-1-dev   # required by QEMU's system emulators (display code)
	zlib1g-dev        # required by QEMU (migration, block layer)
	libfdt-dev        # device trees: x86_64-softmmu needs libfdt (no bundled dtc)
	# ci/build-debug-kernel.sh: the sanitizer kernel, from the linux-source tree
	bc bison flex     # Kconfig and the build's generators
	libelf-dev        # objtool
	libssl-dev        # sign-file and the certificate tools the build compiles
)
unpacked=(
	"linux-image-$KVER-unsigned:$kernel_dir"
	"linux-source-$majmin:$source_dir"
)

die() { echo "install-deps: $*" >&2; exit 1; }

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# Booting the uncompressed ELF (PVH entry) skips a second of decompression
# under TCG on every VM boot.
vmlinux_missing() {
	[ ! -s "$kernel_dir/vmlinux" ]
}

extract_vmlinux() {
	echo "install-deps: extracting vmlinux for direct (PVH) boot"
	"$source_dir/scripts/extract-vmlinux" "$kernel_dir/boot/vmlinuz-$KVER" \
		>"$kernel_dir/vmlinux.tmp" 2>/dev/null ||
		die "extract-vmlinux failed on $kernel_dir/boot/vmlinuz-$KVER"
	mv "$kernel_dir/vmlinux.tmp" "$kernel_dir/vmlinux"
}

missing_unpacked() {
	local entry
	for entry in "${unpacked[@]}"; do
		[ -e "${entry#*:}/.unpacked" ] || echo "$entry"
	done
}

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
	apt_updated=1
}

require_candidate() {
	local cand
	cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		die "package '$1' is not available from the configured archive"
	fi
}

unpack_linux_source() {
	local debdir=$1 dest=$2 tarball
	tarball=$(find "$debdir" -name 'linux-source-*.tar.xz' | head -1)
	[ -n "$tarball" ] || die "linux-source package holds no source tarball"
	mkdir -p "$dest"
	tar -xJf "$tarball" -C "$dest" --strip-components=1
}

unpack() {
	local pkg=$1 dest=$2 tmp
	require_candidate "$pkg"
	tmp=$(mktemp -d "$UPCI_CACHE/.download.XXXXXX")
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		die "could not download package '$pkg' from the archive"
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
	touch "$dest/.unpacked"
}

main() {
	local need_pkgs need_unpack
	need_pkgs=$(missing_packages)
	need_unpack=$(missing_unpacked)
	if [ "${1:-}" = "--check" ]; then
		[ -z "$need_pkgs$need_unpack" ] && ! vmlinux_missing && exit 0
		for p in $need_pkgs; do echo "missing package: $p"; done
		for e in $need_unpack; do echo "missing unpacked: ${e%%:*} in ${e#*:}"; done
		vmlinux_missing && echo "missing: $kernel_dir/vmlinux"
		exit 1
	fi
	if [ -z "$need_pkgs$need_unpack" ]; then
		vmlinux_missing && extract_vmlinux
		exit 0
	fi
	[ "$(id -u)" = 0 ] || die "must run as root to install: $(echo $need_pkgs ${need_unpack//:*/})"
	command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian system"
	apt_update
	if [ -n "$need_pkgs" ]; then
		for p in $need_pkgs; do require_candidate "$p"; done
		echo "install-deps: installing $(echo $need_pkgs)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			$need_pkgs >"$UPCI_CACHE/apt-install.log" 2>&1 ||
			die "apt-get install failed (log: $UPCI_CACHE/apt-install.log): $(grep -E '^E:' "$UPCI_CACHE/apt-install.log" | head -1)"
	fi
	for e in $need_unpack; do
		echo "install-deps: unpacking ${e%%:*} into ${e#*:}"
		unpack "${e%%:*}" "${e#*:}"
	done
	if vmlinux_missing; then extract_vmlinux; fi
}

mkdir -p "$UPCI_CACHE"
# Two builds at once (two make invocations, a CI job and a developer) wait
# for each other instead of tripping over apt's lock or a half-unpacked tree.
exec 9>"$UPCI_CACHE/.install-deps.lock"
flock 9
main "$@"
