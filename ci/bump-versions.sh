#!/usr/bin/env bash
# Move the pins in ci/versions to the newest versions the archive serves,
# and say what changed. The kernel moves to the newest ABI of its flavour
# (linux-image-6.12.N+deb12-amd64-unsigned) whose image, headers and
# linux-source are all served at one version; every other pin to the
# newest version served for all the packages it pins (ci/pins.sh).
#
# Usage: ci/bump-versions.sh [--dry-run]
#   --dry-run  say what would change, and leave ci/versions as it is
# As root it updates the apt lists first (adding deb-src entries for the
# qemu source if there are none); otherwise it reads the lists as they are.
# Afterwards: make test on the new pins, then commit ci/versions.
set -euo pipefail

here=${0%/*}
[ "$here" != "$0" ] || here=.
# shellcheck source=SCRIPTDIR/cache-dir.sh
. "$here/cache-dir.sh"
# shellcheck source=SCRIPTDIR/pins.sh
. "$here/pins.sh"
# shellcheck source=SCRIPTDIR/deb-src.sh
. "$here/deb-src.sh"

die() { echo "bump-versions: $*" >&2; exit 1; }
say() { echo "bump-versions: $*"; }

update_lists() {
	local log
	if [ "$(id -u)" != 0 ]; then
		say "note: not root, so the apt lists are read as they are (not updated)"
		return 0
	fi
	offered src qemu
	[ ${#offers[@]} -gt 0 ] || say "adding deb-src entries for the qemu source: $(add_deb_src)"
	log=$(mktemp)
	apt-get update >"$log" 2>&1 ||
		die "cannot reach the Debian archive: apt-get update failed: $(grep -E '^E:' "$log" | head -1 || tail -1 "$log")"
	rm -f "$log"
}

# The newest version served for every package VAR pins, under the
# current KVER, in newest_served; empty if there is none.
newest_for() {
	local var=$1 n=0 row pin kind pkg kd o v shared=()
	local -A count=() seen
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r pin kind pkg <<<"$row"
		[ "$pin" = "$var" ] || continue
		n=$((n + 1))
		kd=bin
		[ "$kind" = source ] && kd=src
		offered "$kd" "$pkg"
		seen=()
		for o in "${offers[@]}"; do
			read -r _ v _ <<<"$o"
			[[ -n $v && -z ${seen[$v]-} ]] || continue
			seen[$v]=1
			count[$v]=$((${count[$v]-0} + 1))
		done
	done
	for v in "${!count[@]}"; do
		if [ "${count[$v]}" = "$n" ]; then shared+=("$v"); fi
	done
	newest_first "${shared[@]}"
	newest_served=${newest[0]-}
}

# Sets KVER and KERNEL_VERSION to the newest ABI of this flavour whose
# pinned packages are all served at one version.
newest_kernel() {
	local flavour=${KVER#*+} abi
	while read -r abi; do
		KVER=$abi kernel_image_pkg=linux-image-$abi-unsigned
		newest_for KERNEL_VERSION
		if [ -n "$newest_served" ]; then
			KERNEL_VERSION=$newest_served
			return 0
		fi
	done < <(apt-cache pkgnames "linux-image-$kernel_majmin." 2>/dev/null |
		sed -nE "s/^linux-image-(${kernel_majmin//./\\.}\.[0-9]+\+$flavour)-unsigned\$/\1/p" | sort -rV)
	die "the archive serves no linux-image-$kernel_majmin.*+$flavour-unsigned with headers and $kernel_source_pkg at the same version"
}

main() {
	local dry= row vars=() var old new changed=() pins file=$here/versions
	case ${1:-} in
	'') ;;
	--dry-run) dry=1 ;;
	*) echo "usage: ci/bump-versions.sh [--dry-run]" >&2; exit 2 ;;
	esac
	update_lists
	declare -A was
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r var _ <<<"$row"
		[[ " ${vars[*]} " == *" $var "* ]] || vars+=("$var")
	done
	for var in KVER "${vars[@]}"; do was[$var]=${!var}; done
	newest_kernel
	for var in "${vars[@]}"; do
		[ "$var" = KERNEL_VERSION ] && continue
		newest_for "$var"
		new=$newest_served
		[ -n "$new" ] || die "the archive serves none of the packages $var pins: $(pin_table | awk -v v="$var" '$1 == v { print $3 }' | paste -sd' ')"
		printf -v "$var" '%s' "$new"
	done
	for var in KVER "${vars[@]}"; do
		old=${was[$var]} new=${!var}
		[ "$old" = "$new" ] && continue
		say "$var: $old -> $new"
		changed+=("$var=$new")
	done
	if [ ${#changed[@]} = 0 ]; then
		say "every pin in ci/versions is already the newest the archive serves"
		return 0
	fi
	if [ -n "$dry" ]; then
		say "--dry-run: ci/versions is unchanged"
		return 0
	fi
	printf -v pins '%s\n' "${changed[@]}"
	awk -v set="${pins%$'\n'}" '
		BEGIN { n = split(set, kv, "\n"); for (i = 1; i <= n; i++) { p = index(kv[i], "="); to[substr(kv[i], 1, p - 1)] = kv[i] } }
		{ p = index($0, "="); name = substr($0, 1, p - 1) }
		p > 1 && $0 !~ /^#/ && (name in to) { print to[name]; next }
		{ print }' "$file" >"$file.new"
	mv "$file.new" "$file"
	say "ci/versions updated: run make test on the new pins (QEMU and the sanitizer kernel rebuild), then commit ci/versions"
}

main "$@"
