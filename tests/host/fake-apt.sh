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
set -u
st=$FAKE_STATE
touch "$st/lists" "$st/installed"

# served PACKAGE VERSION: the lists have it as a binary package
served() { grep -qxF "bin $1 $2" "$st/lists"; }

newest() { awk -v p="$1" '$1 == "bin" && $2 == p { print $3 }' "$st/lists" | sort -V | tail -1; }

apt_get() {
	echo "apt-get $*" >>"$FAKE_LOG"
	local a p v
	case $1 in
	update)
		if [ "${FAKE_UPDATE_FAILS:-0}" = 1 ]; then
			echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
			echo "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'"
			exit 100
		fi
		if ls "$UPCI_APT_ETC"/sources.list.d/upci-src.* >/dev/null 2>&1; then
			cp "$st/archive" "$st/lists"
		else
			grep -v '^src ' "$st/archive" >"$st/lists"
		fi
		touch "$UPCI_APT_LISTS/deb.debian.org_debian_dists_bookworm_InRelease" ;;
	install)
		if [ "${FAKE_INSTALL_FAILS:-0}" = 1 ]; then
			echo "E: Sub-process /usr/bin/dpkg returned an error code (1)"
			exit 100
		fi
		for a in "$@"; do
			case $a in install | -*) continue ;; esac
			p=${a%%=*} v=${a#*=}
			# a tool the archive does not list (no test is about it)
			[ "$v" != "$a" ] || v=$(newest "$p") && [ -n "$v" ] || v=1.0
			[ "$a" = "$p" ] || served "$p" "$v" || { echo "E: Version '$v' for '$p' was not found"; exit 100; }
			grep -v "^$p " "$st/installed" >"$st/i" || true
			echo "$p ${FAKE_INSTALL_AS:-$v}" >>"$st/i"
			mv "$st/i" "$st/installed"
		done ;;
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
	local p
	case $1 in
	madison)
		shift
		for p in "$@"; do
			awk -v p="$p" '$2 == p {
				printf "%10s | %s | http://deb.debian.org/debian bookworm/main %s\n", p, $3,
					$1 == "src" ? "Sources" : "amd64 Packages" }' "$st/lists"
		done ;;
	pkgnames)
		awk -v p="$2" '$1 == "bin" && index($2, p) == 1 { print $2 }' "$st/lists" | sort -u ;;
	esac
}

# dpkg-query -W -f=... PACKAGE...: each asked package, in the order asked
dpkg_query() {
	local a names=()
	for a in "$@"; do
		case $a in -*) continue ;; esac
		names+=("$a")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	awk 'FILENAME == ARGV[1] { v[$1] = $2; next }
	     $0 in v { print $0 " install ok installed " v[$0]; next }
	     { print "dpkg-query: no packages found matching " $0 > "/dev/stderr" }' \
		"$st/installed" <(printf '%s\n' "${names[@]}")
}

# dpkg-deb -x DEB DIR: the trees install-deps expects of the kernel packages
dpkg_deb() {
	local p v d=$3 up t
	read -r p v <"$2"
	up=${v%%-*}
	case $p in
	linux-source-*)
		t=$(mktemp -d)
		mkdir -p "$t/$p/scripts" "$d/usr/src"
		printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\n' $(tr . ' ' <<<"$up") >"$t/$p/Makefile"
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
