#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A stand-in for apt and dpkg in the tests of ci/install-deps.sh and
# ci/bump-versions.sh, called by the name it is linked as: apt-get,
# apt-cache, dpkg-query, dpkg-deb, depmod, id. State in $FAKE_STATE:
#   archive    what the archive serves: "bin|src PACKAGE VERSION" lines
#   lists      what the apt lists know (apt-get update copies the archive,
#              without src lines unless $UPCI_APT_ETC has deb-src entries)
#   installed  "PACKAGE VERSION" lines
# FAKE_INSTALL_AS: apt-get install records this version instead.
# $FAKE_LOG records every apt-get call. FAKE_UPDATE_FAILS=1: the archive
# is unreachable. FAKE_INSTALL_FAILS=1, FAKE_DOWNLOAD_FAILS=1: apt-get
# install, apt-get download fail as apt does. FAKE_UID: what id -u says
# (default 0).
# Bash builtins throughout: the tests call this hundreds of times, and a
# fork costs more than the rest of a call.
set -u
st=$FAKE_STATE
[ -e "$st/lists" ] || : >"$st/lists"
[ -e "$st/installed" ] || : >"$st/installed"

# put FILE LINE...: FILE holds the LINEs (none: FILE is empty)
put() {
	local f=$1
	shift
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi >"$f"
}

# served PACKAGE VERSION: the lists have it as a binary package
served() {
	local line
	while IFS= read -r line; do
		[ "$line" != "bin $1 $2" ] || return 0
	done <"$st/lists"
	return 1
}

# newest PACKAGE: the newest version of it the lists have, in newest_v
newest() {
	local k p v versions=()
	while read -r k p v _; do
		if [ "$k" = bin ] && [ "$p" = "$1" ]; then versions+=("$v"); fi
	done <"$st/lists"
	newest_v=${versions[0]-}
	[ ${#versions[@]} -lt 2 ] || newest_v=$(printf '%s\n' "${versions[@]}" | sort -V | tail -1)
}

apt_get() {
	echo "apt-get $*" >>"$FAKE_LOG"
	local a p v f line lines=() keep with_src=
	case $1 in
	update)
		if [ "${FAKE_UPDATE_FAILS:-0}" = 1 ]; then
			echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
			echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'"
			exit 100
		fi
		for f in "$UPCI_APT_ETC"/sources.list.d/upci-src.*; do
			[ ! -e "$f" ] || with_src=1
		done
		mapfile -t lines <"$st/archive"
		for line in "${lines[@]}"; do
			[ -n "$with_src" ] || [[ $line != "src "* ]] || continue
			keep+=("$line")
		done
		put "$st/lists" "${keep[@]}"
		touch "$UPCI_APT_LISTS/deb.debian.org_debian_dists_bookworm_InRelease" ;;
	install)
		if [ "${FAKE_INSTALL_FAILS:-0}" = 1 ]; then
			echo "E: Sub-process /usr/bin/dpkg returned an error code (1)"
			exit 100
		fi
		# "PACKAGE VERSION" lines, a package installed again moving last
		mapfile -t lines <"$st/installed"
		for a in "$@"; do
			case $a in install | -*) continue ;; esac
			p=${a%%=*} v=${a#*=}
			if [ "$v" = "$a" ]; then
				newest "$p"
				v=$newest_v
			fi
			# a tool the archive does not list (no test is about it)
			[ -n "$v" ] || v=1.0
			if [ "$a" != "$p" ] && ! served "$p" "$v"; then
				put "$st/installed" "${lines[@]}"
				echo "E: Version '$v' for '$p' was not found"
				exit 100
			fi
			keep=()
			for line in "${lines[@]}"; do
				[[ $line == "$p "* ]] || keep+=("$line")
			done
			lines=("${keep[@]}" "$p ${FAKE_INSTALL_AS:-$v}")
		done
		put "$st/installed" "${lines[@]}" ;;
	download)
		if [ "${FAKE_DOWNLOAD_FAILS:-0}" = 1 ]; then
			echo "E: Failed to fetch http://deb.debian.org/debian/pool/main/l/linux/x.deb  Connection timed out"
			exit 100
		fi
		a=${!#} p=${a%%=*} v=${a#*=}
		served "$p" "$v" || { echo "E: Version '$v' for '$p' was not found"; exit 100; }
		echo "$p $v" >"${p}_${v#*:}_amd64.deb" ;;
	esac
	exit 0
}

# madison: "PACKAGE | VERSION | URL DIST Packages|Sources", like apt's
apt_cache() {
	local p k n v i what kinds=() names=() versions=()
	local -A seen=()
	while read -r k n v _; do
		kinds+=("$k") names+=("$n") versions+=("$v")
	done <"$st/lists"
	case $1 in
	madison)
		shift
		for p in "$@"; do
			for i in "${!names[@]}"; do
				[ "${names[i]}" = "$p" ] || continue
				what="amd64 Packages"
				[ "${kinds[i]}" != src ] || what=Sources
				printf '%10s | %s | http://deb.debian.org/debian bookworm/main %s\n' "$p" "${versions[i]}" "$what"
			done
		done ;;
	pkgnames)
		# each name once, like apt (in no particular order)
		for i in "${!names[@]}"; do
			n=${names[i]}
			[[ ${kinds[i]} == bin && -n $n && $n == "$2"* && -z ${seen[$n]-} ]] || continue
			seen[$n]=1
			echo "$n"
		done ;;
	esac
}

# dpkg-query -W -f=... PACKAGE...: each asked package, in the order asked
dpkg_query() {
	local a p v
	local -A have=()
	while read -r p v _; do
		[ -z "$p" ] || have[$p]=$v
	done <"$st/installed"
	for a in "$@"; do
		case $a in -*) continue ;; esac
		if [ -n "${have[$a]+set}" ]; then
			echo "$a install ok installed ${have[$a]}"
		else
			echo "dpkg-query: no packages found matching $a" >&2
		fi
	done
}

# dpkg-deb -x DEB DIR: the trees install-deps expects of the kernel packages
dpkg_deb() {
	local p v d=$3 t major minor sub
	read -r p v <"$2"
	IFS=. read -r major minor sub _ <<<"${v%%-*}"
	case $p in
	linux-source-*)
		t=$(mktemp -d)
		mkdir -p "$t/$p/scripts" "$d/usr/src"
		printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\n' "$major" "$minor" "$sub" >"$t/$p/Makefile"
		printf '#!/bin/sh\necho ELF\n' >"$t/$p/scripts/extract-vmlinux"
		chmod +x "$t/$p/scripts/extract-vmlinux"
		tar -cJf "$d/usr/src/$p.tar.xz" -C "$t" "$p"
		rm -rf "$t" ;;
	linux-image-*)
		v=${p#linux-image-} v=${v%-unsigned}
		mkdir -p "$d/boot" "$d/lib/modules/$v/kernel"
		echo zstd >"$d/boot/vmlinuz-$v" ;;
	esac
}

case ${0##*/} in
apt-get) apt_get "$@" ;;
apt-cache) apt_cache "$@" ;;
dpkg-query) dpkg_query "$@" ;;
dpkg-deb) dpkg_deb "$@" ;;
depmod) : >"$2/lib/modules/$3/modules.dep" ;;
id) echo "${FAKE_UID:-0}" ;;
*) echo "fake-apt.sh: called as ${0##*/}" >&2; exit 2 ;;
esac
