# Sourced after ci/cache-dir.sh: the pins of ci/versions as a table, what
# the apt lists offer for each, and the check that every pin is still
# served. ci/install-deps.sh installs and unpacks by this table and fails
# fast on it; ci/bump-versions.sh moves the pins along it.

# "VAR KIND PACKAGE" lines: ci/versions' VAR is the version of PACKAGE, and
# KIND says what the lab does with it: install (apt-get install
# PACKAGE=VERSION), unpack (into the cache, never installed) or source
# (the source package mockdevs/build-qemu.sh builds).
pin_table() {
	cat <<EOF
KERNEL_VERSION unpack $kernel_image_pkg
KERNEL_VERSION install linux-headers-$KVER
KERNEL_VERSION unpack $kernel_source_pkg
QEMU_SOURCE_VERSION source qemu
QEMU_SYSTEM_VERSION install qemu-system-x86
QEMU_SYSTEM_VERSION install qemu-system-common
QEMU_DATA_VERSION install qemu-system-data
SEABIOS_VERSION install seabios
IPXE_QEMU_VERSION install ipxe-qemu
BUSYBOX_VERSION install busybox-static
DPDK_VERSION install dpdk-dev
EOF
}

# "PACKAGE=VERSION" of the pins of KIND.
pinned_of_kind() {
	local var kind pkg
	while read -r var kind pkg; do
		[ "$kind" = "$1" ] && echo "$pkg=${!var}"
	done < <(pin_table)
}

# offered bin|src PACKAGE...: "PACKAGE VERSION" for every version the apt
# lists offer, binary packages (bin) or source packages (src).
offered() {
	local what=Packages
	[ "$1" = src ] && what=Sources
	shift
	[ $# -gt 0 ] || return 0
	apt-cache madison "$@" 2>/dev/null | awk -F'|' -v what="$what" '
		{ for (i = 1; i <= 3; i++) gsub(/^[ \t]+|[ \t]+$/, "", $i) }
		$3 ~ (" " what "$") { print $1, $2 }'
}

# Versions on stdin, newest first, in dpkg's order.
newest_first() {
	local v out=() i j
	while read -r v; do
		[ -n "$v" ] || continue
		out+=("$v")
		for ((i = ${#out[@]} - 1; i > 0; i--)); do
			j=$((i - 1))
			dpkg --compare-versions "${out[$i]}" gt "${out[$j]}" || break
			v=${out[$i]} out[$i]=${out[$j]} out[$j]=$v
		done
	done
	[ ${#out[@]} = 0 ] || printf '%s\n' "${out[@]}" | awk '!seen[$0]++'
}

# What the archive offers instead of PACKAGE (bin or src), from OFFERS
# ("bin|src PACKAGE VERSION" lines): its versions, newest first, or for a
# package named after the kernel's ABI (linux-image-6.12.117+deb12-...),
# the same package of the ABIs the archive has.
offers_instead() {
	local kd=$1 pkg=$2 offers=$3 versions pre post siblings
	versions=$(awk -v k="$kd" -v p="$pkg" '$1 == k && $2 == p { print $3 }' <<<"$offers" |
		newest_first | paste -sd' ')
	if [ -n "$versions" ]; then
		echo "it offers $versions"
	elif [ "$kd" = bin ] && [[ $pkg == *"$KVER"* ]]; then
		pre=${pkg%%"$KVER"*} post=${pkg#*"$KVER"}
		mapfile -t siblings < <(apt-cache pkgnames "$pre$kernel_majmin." 2>/dev/null |
			grep -E "^$pre${kernel_majmin//./\\.}\.[0-9]+\+${KVER#*+}$post\$")
		versions=$(offered bin "${siblings[@]}" | awk '{ print $1 "=" $2 }' | sort -rV | paste -sd' ')
		echo "it has no $pkg at all, only ${versions:-no $pre$kernel_majmin.*+${KVER#*+}$post either}"
	else
		echo "it has no package '$pkg' at all"
	fi
}

# One line per pin the apt lists do not offer, naming the package, the pin,
# the ci/versions line and what the archive offers instead; status 1 if any.
check_pins() {
	local offers var kind pkg kd bad=0
	offers=$({
		offered bin $(pin_table | awk '$2 != "source" { print $3 }') | sed 's/^/bin /'
		offered src $(pin_table | awk '$2 == "source" { print $3 }') | sed 's/^/src /'
	})
	while read -r var kind pkg; do
		kd=bin
		[ "$kind" = source ] && kd=src
		grep -qxF "$kd $pkg ${!var}" <<<"$offers" && continue
		echo "the archive no longer serves $([ $kd = src ] && echo "the source package ")$pkg=${!var}" \
			"($var in ci/versions): $(offers_instead $kd "$pkg" "$offers")"
		bad=1
	done < <(pin_table)
	return $bad
}
