#!/usr/bin/env bash
# Where heavy, reusable build products live (outside the tree), and the
# names of the unpacked kernel entries. Sourced by ci/*.sh; run as
# `ci/cache-dir.sh kernel|source` it prints that entry (the Makefile asks).
# Entries are named PACKAGE_VERSION after the pins in ci/versions, so a
# changed pin never reuses an entry made from another version.
# Override the directory with UPCI_CACHE.
_ci_dir=${BASH_SOURCE[0]%/*}
[ "$_ci_dir" != "${BASH_SOURCE[0]}" ] || _ci_dir=.
# shellcheck source=ci/versions
. "$_ci_dir/versions"
: "${UPCI_CACHE:=/var/cache/upci}"
export UPCI_CACHE
# KVER's major.minor: 6.12 of 6.12.117+deb12-amd64
[[ $KVER =~ ^[^.]*\.?[^.]* ]]
kernel_majmin=${BASH_REMATCH[0]}
kernel_image_pkg=linux-image-$KVER-unsigned
kernel_source_pkg=linux-source-$kernel_majmin
kernel_dir=$UPCI_CACHE/${kernel_image_pkg}_$KERNEL_VERSION
source_dir=$UPCI_CACHE/${kernel_source_pkg}_$KERNEL_VERSION

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	kernel) echo "$kernel_dir" ;;
	source) echo "$source_dir" ;;
	*) echo "usage: ci/cache-dir.sh kernel|source" >&2; exit 2 ;;
	esac
fi
