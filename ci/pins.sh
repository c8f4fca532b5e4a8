# Sourced after ci/cache-dir.sh: the pins of ci/versions as a table, what
# the apt lists offer for each, and the check that every pin is still
# served. ci/install-deps.sh installs and unpacks by this table and fails
# fast on it; ci/bump-versions.sh moves the pins along it.
# Most functions hand back their results in variables (named in their
# comments) rather than on stdout: a command substitution costs a fork,
# and the callers run them many times.

# "VAR KIND PACKAGE" lines: ci/versions' VAR is the version of PACKAGE, and
# KIND says what the lab does with it: install (apt-get install
# PACKAGE=VERSION), unpack (into the cache, never installed) or source
# (the source package mockdevs/build-qemu.sh builds). In the array
# pin_rows, one line each.
read_pins() {
	mapfile -t pin_rows <<EOF
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

# The table on stdout.
pin_table() {
	read_pins
	printf '%s\n' "${pin_rows[@]}"
}

# "PACKAGE=VERSION" of the pins of KIND, in the array pinned.
pinned_of_kind() {
	local row var kind pkg
	pinned=()
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r var kind pkg <<<"$row"
		if [ "$kind" = "$1" ]; then pinned+=("$pkg=${!var}"); fi
	done
}

# trim VAR: strip VAR's leading and trailing spaces and tabs.
trim() {
	local trim_blank=$' \t' trim_v=${!1}
	trim_v=${trim_v#"${trim_v%%[!"$trim_blank"]*}"}
	printf -v "$1" '%s' "${trim_v%"${trim_v##*[!"$trim_blank"]}"}"
}

# offered bin|src PACKAGE...: "PACKAGE VERSION" for every version the apt
# lists offer, binary packages (bin) or source packages (src), in the
# array offers.
offered() {
	local what=Packages name version where
	[ "$1" = src ] && what=Sources
	shift
	offers=()
	[ $# -gt 0 ] || return 0
	# madison: "PACKAGE | VERSION | URL DIST COMPONENT[ ARCH] Packages|Sources"
	while IFS='|' read -r name version where _ || [ -n "$where" ]; do
		trim name
		trim version
		trim where
		if [[ $where == *" $what" ]]; then offers+=("$name $version"); fi
	done < <(apt-cache madison "$@" 2>/dev/null)
}

# newest_first VERSION...: the distinct VERSIONs, newest first in dpkg's
# order, in the array newest.
newest_first() {
	local v i j
	local -A seen=()
	newest=()
	for v; do
		[[ -n $v && -z ${seen[$v]-} ]] || continue
		seen[$v]=1
		newest+=("$v")
		for ((i = ${#newest[@]} - 1; i > 0; i--)); do
			j=$((i - 1))
			dpkg --compare-versions "${newest[i]}" gt "${newest[j]}" || break
			v=${newest[i]} newest[i]=${newest[j]} newest[j]=$v
		done
	done
}

# What the archive offers instead of PACKAGE (bin or src), from the array
# pin_offers ("bin|src PACKAGE VERSION" lines), on stdout: its versions,
# newest first, or for a package named after the kernel's ABI
# (linux-image-6.12.117+deb12-...), the same package of the ABIs the
# archive has.
offers_instead() {
	local kd=$1 pkg=$2 line k p v versions=() pre post siblings list
	for line in "${pin_offers[@]}"; do
		read -r k p v _ <<<"$line"
		if [ "$k" = "$kd" ] && [ "$p" = "$pkg" ]; then versions+=("$v"); fi
	done
	newest_first "${versions[@]}"
	if [ ${#newest[@]} -gt 0 ]; then
		echo "it offers ${newest[*]}"
	elif [ "$kd" = bin ] && [[ $pkg == *"$KVER"* ]]; then
		pre=${pkg%%"$KVER"*} post=${pkg#*"$KVER"}
		mapfile -t siblings < <(apt-cache pkgnames "$pre$kernel_majmin." 2>/dev/null |
			grep -E "^$pre${kernel_majmin//./\\.}\.[0-9]+\+${KVER#*+}$post\$")
		offered bin "${siblings[@]}"
		list=
		if [ ${#offers[@]} -gt 0 ]; then
			list=$(printf '%s\n' "${offers[@]/ /=}" | sort -rV | paste -sd' ')
		fi
		echo "it has no $pkg at all, only ${list:-no $pre$kernel_majmin.*+${KVER#*+}$post either}"
	else
		echo "it has no package '$pkg' at all"
	fi
}

# One line per pin the apt lists do not offer, naming the package, the pin,
# the ci/versions line and what the archive offers instead; status 1 if any.
check_pins() {
	local row var kind pkg kd o bins=() srcs=() bad=0
	local -A served=()
	read_pins
	for row in "${pin_rows[@]}"; do
		read -r var kind pkg <<<"$row"
		if [ "$kind" = source ]; then srcs+=("$pkg"); else bins+=("$pkg"); fi
	done
	pin_offers=()
	offered bin "${bins[@]}"
	for o in "${offers[@]}"; do pin_offers+=("bin $o"); done
	offered src "${srcs[@]}"
	for o in "${offers[@]}"; do pin_offers+=("src $o"); done
	for o in "${pin_offers[@]}"; do served[$o]=1; done
	for row in "${pin_rows[@]}"; do
		read -r var kind pkg <<<"$row"
		kd=bin
		[ "$kind" = source ] && kd=src
		[ -z "${served["$kd $pkg ${!var}"]-}" ] || continue
		echo "the archive no longer serves $([ $kd = src ] && echo "the source package ")$pkg=${!var}" \
			"($var in ci/versions): $(offers_instead $kd "$pkg")"
		bad=1
	done
	return $bad
}
