#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check mockdma's config-space knobs (cap-hostile, vndr-writable, cap-extra,
# sriov) without a guest: QEMU's qtest accelerator runs no CPU, and this script
# is the "guest". It reads and writes config space through the q35 host
# bridge's 0xcf8/0xcfc ports (the first 256 bytes) and through MMCONFIG
# (PCIEXBAR, programmed here as SeaBIOS would, at 0xb0000000) for the
# extended space, programs BARs itself and reads them with readl.
#
# Usage: mockdevs/test-knobs.sh     (QEMU=path overrides the lab's build)
# Prints TAP and a kselftest-style Totals line; exits 1 on a failure.
#
# A fork is not free (a few ms of CPU on the lab's VMs) and this script makes
# thousands of reads: helpers answer in variables ($reply, $walk), never
# through $(...), and the header is parsed by bash alone.

# The MOCKDMA_* variables come from include/mockdma.h, read below.
# shellcheck disable=SC2153,SC2154
set -uo pipefail

case $0 in
*/*) here=${0%/*} ;;
*) here=. ;;
esac
here=$(cd "${here:-/}" && pwd)
QEMU=${QEMU:-$("$here/build-qemu.sh" --print-path)}
hdr=$here/../include/mockdma.h

tmp=$(mktemp -d)
trap 'qt_stop; rm -rf "$tmp"' EXIT

# The contract's numbers, from include/mockdma.h itself (NAME -> $NAME):
# every "#define MOCKDMA_X value" whose value is shell arithmetic once the
# u suffixes are gone (numbers, shifts, earlier names).
vpd_id=
while IFS= read -r line || [ -n "$line" ]; do
	# and a string one
	if [[ $line =~ ^#define\ MOCKDMA_VPD_ID[[:space:]]*\"(.*)\" ]]; then
		vpd_id+=${vpd_id:+$'\n'}${BASH_REMATCH[1]}
	fi
	[[ $line =~ ^#define\ MOCKDMA_[A-Z0-9_]+[[:space:]] ]] || continue
	read -r _ name value <<<"${line//$'\t'/ }"
	value=${value%%/\**}
	# Drop the u of every word that is a number with it (1u, 0x40u), and
	# see whether the value can be evaluated here without a subshell: its
	# names all hold plain numbers, and it has no ++ or -- to change them.
	rest=$value value='' safe=1
	while [[ $rest =~ ^([^A-Za-z0-9_]*)([A-Za-z0-9_]+)(.*)$ ]]; do
		value+=${BASH_REMATCH[1]} word=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
		if [[ $word =~ ^([0-9]+|0x[0-9a-fA-F]+)u$ ]]; then
			word=${BASH_REMATCH[1]}
		elif [[ $word == [A-Za-z_]* ]] && ! { [[ -v $word ]] && [[ ${!word} =~ ^-?[0-9]+$ ]]; }; then
			safe=0
		fi
		value+=$word
	done
	value+=$rest
	[[ $value =~ ^[][0-9a-fA-FxA-Z_\ \(\)\<\>\|\+\-]+$ ]] || continue
	if [ "$safe" = 1 ] && [[ $value != *++* && $value != *--* ]] && ((value == value)) 2>/dev/null; then
		value=$((value))
	else	# what bash would make of it, in a subshell that may fail
		value=$( (echo $((value))) 2>/dev/null) || continue
	fi
	printf -v "$name" '%d' "$value"
done <"$hdr"

MMCFG=$((0xb0000000))
BAR0_ADDR=$((0xe0000000))	# the PF's BAR0 when a check maps it
VF_BAR_ADDR=$((0xe1000000))	# VF BAR0 base in the PF's SR-IOV capability

pass=0 fail=0 n=0
ok() {	# ok NAME CONDITION [DETAIL]
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
		pass=$((pass + 1))
	else
		[ -z "${3:-}" ] || echo "# $3"
		[ ! -s "$tmp/stderr" ] || sed 's/^/# qemu: /' "$tmp/stderr"
		echo "not ok $n $1"
		fail=$((fail + 1))
	fi
}
# check NAME GOT WANT: numbers, compared as numbers, shown in hex
check() {
	local got=$(($2)) want=$(($3)) detail
	printf -v detail 'got 0x%x, want 0x%x' "$got" "$want"
	[ "$got" = "$want" ]
	ok "$1" $? "$detail"
}

# --- one QEMU in qtest mode, driven through a coprocess ---
qt_pid=
qt_start() {
	qt_stop
	: >"$tmp/stderr"
	coproc QT { exec "$QEMU" -machine q35,accel=qtest -nodefaults \
		-display none -m 128M -qtest stdio "$@" 2>"$tmp/stderr"; }
	qt_pid=$QT_PID
	exec {qt_in}>&"${QT[1]}" {qt_out}<&"${QT[0]}"
	mmcfg_on
}
# PCIEXBAR (00:00.0 0x60): MMCONFIG at 0xb0000000, 256 buses, enabled.
# Again after a machine reset, which disables it.
mmcfg_on() {
	cfg_write 0 0 0 0x64 4 0 && cfg_write 0 0 0 0x60 4 $((MMCFG | 1))
}
qt_stop() {
	[ -n "$qt_pid" ] || return 0
	exec {qt_in}>&- {qt_out}<&-
	kill "$qt_pid" 2>/dev/null
	wait "$qt_pid" 2>/dev/null
	qt_pid=
}
qt_alive() {
	[ -n "$qt_pid" ] && kill -0 "$qt_pid" 2>/dev/null
}
# qt COMMAND...: one qtest command; the value it answered in $reply.
# A QEMU that died fails the write (EPIPE) instead of killing the script.
reply=
qt() {
	local line
	reply=
	trap '' PIPE
	echo "$*" 1>&"$qt_in" 2>/dev/null || { trap - PIPE; return 1; }
	trap - PIPE
	IFS= read -r -t 10 line <&"$qt_out" || return 1
	case $line in
	"OK "*) reply=$((${line#OK })) ;;
	OK) reply=0 ;;
	*) return 1 ;;
	esac
}

# cfg_read BUS DEV FN OFF SIZE -> $reply; cfg_write BUS DEV FN OFF SIZE VAL
# (SIZE 1, 2 or 4: the b, w or l of the qtest command)
cfg_read() {
	local b=$1 d=$2 f=$3 off=$(($4)) size=$5 s=
	case $size in 1) s=b ;; 2) s=w ;; 4) s=l ;; esac
	if [ "$off" -lt 256 ]; then
		qt outl 0xcf8 $((0x80000000 | b << 16 | d << 11 | f << 8 | (off & 0xfc))) &&
			qt "in$s" $((0xcfc + (off & 3)))
	else
		qt "read$s" $((MMCFG | b << 20 | d << 15 | f << 12 | off))
	fi
}
cfg_write() {
	local b=$1 d=$2 f=$3 off=$(($4)) size=$5 val=$(($6)) s=
	case $size in 1) s=b ;; 2) s=w ;; 4) s=l ;; esac
	if [ "$off" -lt 256 ]; then
		qt outl 0xcf8 $((0x80000000 | b << 16 | d << 11 | f << 8 | (off & 0xfc))) &&
			qt "out$s" $((0xcfc + (off & 3))) "$val"
	else
		qt "write$s" $((MMCFG | b << 20 | d << 15 | f << 12 | off)) "$val"
	fi
}
rd() { cfg_read "$@" || reply=-1; }	# rd B D F OFF SIZE: the value in $reply, -1 if none
# check_cfg NAME B D F OFF SIZE WANT: check NAME on what rd reads
check_cfg() { rd "$2" "$3" "$4" "$5" "$6"; check "$1" "$reply" "$7"; }

# Walk the standard list from 0x34 as a careful walker would: stop at 0,
# at a pointer below 0x40 or not dword aligned, at a visited capability,
# or past 48 steps. Sets $walk to the offsets, then "end:REASON".
walk=
walk_std() {
	local b=$1 d=$2 f=$3 pos seen=" " steps=0
	walk=
	rd "$b" "$d" "$f" 0x34 1
	pos=$reply
	while :; do
		if [ "$pos" = 0 ]; then walk+="end:0"; return; fi
		if [ "$pos" -lt 64 ]; then printf -v walk '%send:low:0x%x' "$walk" "$pos"; return; fi
		if [ $((pos & 3)) != 0 ]; then printf -v walk '%send:misaligned:0x%x' "$walk" "$pos"; return; fi
		if [[ $seen == *" $pos "* ]]; then printf -v walk '%send:cycle:0x%x' "$walk" "$pos"; return; fi
		steps=$((steps + 1))
		[ "$steps" -le 48 ] || { walk+="end:ttl"; return; }
		seen="$seen$pos "
		printf -v walk '%s0x%x ' "$walk" "$pos"
		rd "$b" "$d" "$f" $((pos + 1)) 1
		pos=$reply
	done
}
# The same for the extended list from 0x100.
walk_ext() {
	local b=$1 d=$2 f=$3 pos=256 seen=" " hdr steps=0
	walk=
	while :; do
		if [[ $seen == *" $pos "* ]]; then printf -v walk '%send:cycle:0x%x' "$walk" "$pos"; return; fi
		steps=$((steps + 1))
		[ "$steps" -le 96 ] || { walk+="end:ttl"; return; }
		rd "$b" "$d" "$f" "$pos" 4
		hdr=$reply
		if [ "$hdr" = 0 ] || [ "$hdr" = -1 ]; then walk+="end:0"; return; fi
		seen="$seen$pos "
		printf -v walk '%s0x%x ' "$walk" "$pos"
		pos=$((hdr >> 20))
		if [ "$pos" = 0 ]; then walk+="end:0"; return; fi
		if [ "$pos" -lt 256 ]; then printf -v walk '%send:below:0x%x' "$walk" "$pos"; return; fi
	done
}
is() {	# is NAME GOT WANT: strings
	[ "$2" = "$3" ]
	ok "$1" $? "got '$2', want '$3'"
}

# Map the PF's BAR0 (64-bit) at BAR0_ADDR and read a register into $reply.
bar0_read() {	# bar0_read BUS DEV FN REG
	cfg_write "$1" "$2" "$3" 0x10 4 "$BAR0_ADDR"
	cfg_write "$1" "$2" "$3" 0x14 4 0
	cfg_write "$1" "$2" "$3" 0x04 2 2
	qt readl $((BAR0_ADDR + $4)) || reply=-1
}
# check_bar0 NAME BUS DEV FN REG WANT: check NAME on what bar0_read reads
check_bar0() { bar0_read "$2" "$3" "$4" "$5"; check "$1" "$reply" "$6"; }
bar0_write() {	# bar0_write BUS DEV FN REG VALUE (BAR0 mapped by bar0_read)
	qt writel $((BAR0_ADDR + $4)) "$5" >/dev/null
}

vndr_hostile=(low misaligned vndr-long cycle)
vndr_next=("$MOCKDMA_HOSTILE_LOW_NEXT" "$MOCKDMA_HOSTILE_MISALIGNED_NEXT" 0 "$MOCKDMA_HOSTILE_CYCLE_NEXT")
vndr_len=("$MOCKDMA_HOSTILE_CAP_LEN" "$MOCKDMA_HOSTILE_CAP_LEN" "$MOCKDMA_HOSTILE_VNDR_LONG_LEN" "$MOCKDMA_HOSTILE_CAP_LEN")
vndr_kind=("$MOCKDMA_HOSTILE_LOW" "$MOCKDMA_HOSTILE_MISALIGNED" "$MOCKDMA_HOSTILE_VNDR_LONG" "$MOCKDMA_HOSTILE_CYCLE")
vndr_end=("end:low:0x10" "end:misaligned:0x6a" "end:0" "end:cycle:0x90")
real_caps="0x90 0x78 0x68 0x50 0x40"

echo "TAP version 13"

# --- defaults: nothing new shows ---
qt_start -device mockdma,addr=03.0
walk_std 0 3 0
is "default: standard list" "$walk" "$real_caps end:0"
walk_ext 0 3 0
is "default: extended list is AER alone" "$walk" "0x100 end:0"
check_cfg "default: nothing at 0xf0" 0 3 0 "$MOCKDMA_HOSTILE_CAP" 4 0
check_cfg "default: nothing at 0xf00" 0 3 0 "$MOCKDMA_HOSTILE_ECAP" 4 0
cfg_write 0 3 0 $((MOCKDMA_CAP_VNDR + 1)) 1 0x40
check_cfg "default: vendor capability next is read-only" 0 3 0 $((MOCKDMA_CAP_VNDR + 1)) 1 0x50
bar0_read 0 3 0 8
check "default: FEATURES unchanged" "$reply" \
	$((MOCKDMA_FEAT_MSI | MOCKDMA_FEAT_MSIX | MOCKDMA_FEAT_FLR | MOCKDMA_FEAT_AER | MOCKDMA_FEAT_PM))
check_bar0 "default: CAP_HOSTILE reads 0" 0 3 0 "$MOCKDMA_REG_CAP_HOSTILE" 0

# ROGUE_CTRL TRANSLATE asks the device's DMA address space: with no IOMMU,
# RAM in 4 KiB pages; with bus mastering off, nothing.
rogue_translate() {	# rogue_translate ADDR COMMAND: status, then ROGUE_DATA in $data
	cfg_write 0 3 0 0x04 2 "$2"
	bar0_write 0 3 0 "$MOCKDMA_REG_ROGUE_ADDR" $(($1 & 0xffffffff))
	bar0_write 0 3 0 $((MOCKDMA_REG_ROGUE_ADDR + 4)) $(($1 >> 32))
	bar0_write 0 3 0 "$MOCKDMA_REG_ROGUE_DATA" 0
	bar0_write 0 3 0 "$MOCKDMA_REG_ROGUE_CTRL" "$MOCKDMA_ROGUE_TRANSLATE"
	qt readl $((BAR0_ADDR + MOCKDMA_REG_ROGUE_DATA)) || reply=-1
	data=$reply
	qt readl $((BAR0_ADDR + MOCKDMA_REG_ROGUE_STATUS)) || reply=-1
}
rogue_translate 0x100000 6
check "default: TRANSLATE of RAM, no IOMMU: OK" "$reply" "$MOCKDMA_ST_OK"
check "default: and a 4 KiB page" "$data" 4096
rogue_translate $((1 << 40)) 6
check "default: TRANSLATE of no memory: READ_FAULT" "$reply" "$MOCKDMA_ST_READ_FAULT"
check "default: and ROGUE_DATA untouched" "$data" 0
rogue_translate 0x100000 2
check "default: TRANSLATE with bus mastering off: READ_FAULT" "$reply" "$MOCKDMA_ST_READ_FAULT"
qt_stop

# --- hostile standard lists ---
for i in "${!vndr_hostile[@]}"; do
	name=${vndr_hostile[$i]}
	qt_start -device "mockdma,addr=03.0,cap-hostile=$name"
	want="$real_caps 0xf0 ${vndr_end[$i]}"
	walk_std 0 3 0
	is "$name: a careful walk sees every capability, then the hostile one" "$walk" "$want"
	check_cfg "$name: 0xf0 is a vendor capability" 0 3 0 "$MOCKDMA_HOSTILE_CAP" 1 9
	check_cfg "$name: its next pointer" 0 3 0 $((MOCKDMA_HOSTILE_CAP + 1)) 1 "${vndr_next[$i]}"
	check_cfg "$name: its length" 0 3 0 $((MOCKDMA_HOSTILE_CAP + 2)) 1 "${vndr_len[$i]}"
	check_cfg "$name: its layout byte" 0 3 0 $((MOCKDMA_HOSTILE_CAP + MOCKDMA_HOSTILE_CAP_KIND)) 1 "${vndr_kind[$i]}"
	check_cfg "$name: its magic" 0 3 0 $((MOCKDMA_HOSTILE_CAP + MOCKDMA_HOSTILE_CAP_MAGIC)) 4 "$MOCKDMA_MAGIC"
	cfg_write 0 3 0 $((MOCKDMA_HOSTILE_CAP + 1)) 1 0
	check_cfg "$name: the hostile bytes are read-only" 0 3 0 $((MOCKDMA_HOSTILE_CAP + 1)) 1 "${vndr_next[$i]}"
	check_bar0 "$name: CAP_HOSTILE register" 0 3 0 "$MOCKDMA_REG_CAP_HOSTILE" "${vndr_kind[$i]}"
	bar0_read 0 3 0 8
	check "$name: FEATURES has CAP_HOSTILE" "$reply & MOCKDMA_FEAT_CAP_HOSTILE" "$MOCKDMA_FEAT_CAP_HOSTILE"
	qt_stop
done
qt_start -device mockdma,addr=03.0,cap-hostile=cycle,pm=off
walk_std 0 3 0
is "cycle, pm=off: linked after MSI" "$walk" "0x90 0x78 0x68 0x50 0xf0 end:cycle:0x90"
qt_stop

# --- hostile extended lists, with and without AER (and with SR-IOV) ---
ext_hostile=(ecap-long ecap-cycle below-ecap)
ext_next=(0 "$MOCKDMA_HOSTILE_ECAP_CYCLE_NEXT" "$MOCKDMA_HOSTILE_BELOW_ECAP_NEXT")
ext_len=("$MOCKDMA_HOSTILE_ECAP_LONG_LEN" "$MOCKDMA_HOSTILE_ECAP_LEN" "$MOCKDMA_HOSTILE_ECAP_LEN")
ext_kind=("$MOCKDMA_HOSTILE_ECAP_LONG" "$MOCKDMA_HOSTILE_ECAP_CYCLE" "$MOCKDMA_HOSTILE_BELOW_ECAP")
ext_end=("end:0" "end:cycle:0x100" "end:below:0x40")
for i in "${!ext_hostile[@]}"; do
	name=${ext_hostile[$i]}
	for props in aer=on aer=off sriov=on; do
		qt_start -device "mockdma,addr=03.0,cap-hostile=$name,$props"
		first=0x100
		[ "$props" != sriov=on ] || first="0x100 0x160"
		walk_ext 0 3 0
		is "$name, $props: the extended list" "$walk" "$first 0xf00 ${ext_end[$i]}"
		if [ "$props" = aer=off ]; then
			rd 0 3 0 0x100 4
			check "$name, $props: anchor VSEC at 0x100" "$reply & 0xfffff" 0x1000b
			rd 0 3 0 0x104 4
			check "$name, $props: anchor VSEC header" "$reply" \
				$((MOCKDMA_VSEC_ID_ANCHOR | MOCKDMA_VSEC_REV << 16 | MOCKDMA_ECAP_ANCHOR_LEN << 20))
		else
			rd 0 3 0 0x100 4
			check "$name, $props: AER at 0x100" "$reply & 0xffff" 1
		fi
		rd 0 3 0 "$MOCKDMA_HOSTILE_ECAP" 4
		hdr=$reply
		check "$name, $props: 0xf00 is a VSEC, version 1" "$hdr & 0xfffff" 0x1000b
		check "$name, $props: its next pointer" "$hdr >> 20" "${ext_next[$i]}"
		rd 0 3 0 $((MOCKDMA_HOSTILE_ECAP + 4)) 4
		check "$name, $props: its VSEC length" "$reply" \
			$((MOCKDMA_VSEC_ID_HOSTILE | MOCKDMA_VSEC_REV << 16 | ${ext_len[$i]} << 20))
		check_cfg "$name, $props: its layout word" 0 3 0 $((MOCKDMA_HOSTILE_ECAP + MOCKDMA_HOSTILE_ECAP_KIND)) 4 "${ext_kind[$i]}"
		check_cfg "$name, $props: its magic" 0 3 0 $((MOCKDMA_HOSTILE_ECAP + MOCKDMA_HOSTILE_ECAP_MAGIC)) 4 "$MOCKDMA_MAGIC"
		walk_std 0 3 0
		is "$name, $props: the standard list is untouched" "$walk" "$real_caps end:0"
		qt_stop
	done
done
qt_start -device mockdma,addr=03.0,aer=off,sriov=on
walk_ext 0 3 0
is "aer=off, sriov=on: anchor, then SR-IOV" "$walk" "0x100 0x160 end:0"
qt_stop
qt_start -device mockdma,addr=03.0,aer=off
walk_ext 0 3 0
is "aer=off alone: no extended capabilities" "$walk" "end:0"
qt_stop

# --- bad values fail realize ---
# realize_fails PROPS: QEMU exits non-zero; its output in $out
realize_fails() {
	"$QEMU" -machine q35,accel=qtest -nodefaults -display none -qtest null \
		-device "$1" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	out=
	IFS= read -r -d '' out <"$tmp/out"
	while [[ $out == *$'\n' ]]; do out=${out%$'\n'}; done
	[ "$rc" != 0 ]
}
realize_fails mockdma,cap-hostile=bogus &&
	[[ $out == *"cap-hostile 'bogus' is unknown: it must be one of low, misaligned, vndr-long, cycle, ecap-long, ecap-cycle, below-ecap"* ]]
ok "an unknown cap-hostile fails realize, listing the valid ones" $? "rc $rc: $out"
for bad in "addr=03.0,total-vfs=8" "addr=03.0,total-vfs=0" "addr=03.5,multifunction=on,total-vfs=3"; do
	realize_fails "mockdma,sriov=on,$bad" && [[ $out == *"total-vfs must be"* ]]
	ok "sriov=on,$bad fails realize" $? "rc $rc: $out"
done

# --- vndr-writable ---
V=$MOCKDMA_CAP_VNDR
qt_start -device mockdma,id=m,addr=03.0,vndr-writable=on
bar0_read 0 3 0 8
check "vndr-writable: FEATURES bit" "$reply & MOCKDMA_FEAT_VNDR_WRITABLE" "$MOCKDMA_FEAT_VNDR_WRITABLE"
cfg_write 0 3 0 $((V + 1)) 1 0x40	# skip MSI: 0x68 -> PM
cfg_write 0 3 0 $((V + 4)) 4 0x12345678
cfg_write 0 3 0 $((V + 12)) 4 0xcafef00d
cfg_write 0 3 0 "$V" 1 0x11	# the ID stays
check_cfg "vndr-writable: next pointer rewritten" 0 3 0 $((V + 1)) 1 0x40
check_cfg "vndr-writable: body rewritten" 0 3 0 $((V + 4)) 4 0x12345678
check_cfg "vndr-writable: last body dword rewritten" 0 3 0 $((V + 12)) 4 0xcafef00d
check_cfg "vndr-writable: the ID is read-only" 0 3 0 "$V" 1 9
walk_std 0 3 0
is "vndr-writable: the list follows the rewrite" "$walk" "0x90 0x78 0x68 0x40 end:0"
cfg_write 0 3 0 $((V + 1)) 1 0x68	# a loop onto itself
walk_std 0 3 0
is "vndr-writable: a user-made loop" "$walk" "0x90 0x78 0x68 end:cycle:0x68"
# FLR: Initiate FLR in the PCIe capability's Device Control
rd 0 3 0 $((MOCKDMA_CAP_EXP + 8)) 2
cfg_write 0 3 0 $((MOCKDMA_CAP_EXP + 8)) 2 $((reply | 0x8000))
check_cfg "vndr-writable: FLR restores the next pointer" 0 3 0 $((V + 1)) 1 0x50
check_cfg "vndr-writable: FLR restores the body" 0 3 0 $((V + 4)) 4 "$MOCKDMA_MAGIC"
walk_std 0 3 0
is "vndr-writable: the list is whole again" "$walk" "$real_caps end:0"
check_bar0 "vndr-writable: LAST_RESET is FLR" 0 3 0 "$MOCKDMA_REG_LAST_RESET" "$MOCKDMA_RESET_FLR"
cfg_write 0 3 0 $((V + 1)) 1 0
qt outb 0xcf9 0x06	# machine reset (ICH9 reset control)
qt clock_step 1000000 >/dev/null
check_cfg "vndr-writable: a machine reset restores it too" 0 3 0 $((V + 1)) 1 0x50
qt_alive
ok "vndr-writable: QEMU still runs" $?
qt_stop

# --- cap-extra ---
extra_std="0x48 0x84 0xcc 0xd4"
extra_ext="0x200 0x250 0x260 0x270 0x288 0x2a0"
# vpd_read BUS DEV FN ADDR: start a read, the dword in $reply (F must be set)
vpd_read() {
	local v=$MOCKDMA_CAP_VPD
	cfg_write "$1" "$2" "$3" $((v + 2)) 2 "$4"
	rd "$1" "$2" "$3" $((v + 2)) 2
	[ $((reply & 0x8000)) != 0 ] || { reply=-1; return; }
	cfg_read "$1" "$2" "$3" $((v + 4)) 4 || reply=-1
}
qt_start -device mockdma,id=m,addr=03.0,cap-extra=on,flr=off
walk_std 0 3 0
is "cap-extra: standard list, the new ones last" "$walk" "$real_caps $extra_std end:0"
walk_ext 0 3 0
is "cap-extra: extended list after AER" "$walk" "0x100 $extra_ext end:0"
for pair in "$MOCKDMA_CAP_PCIX 7" "$MOCKDMA_CAP_VPD 3" "$MOCKDMA_CAP_AF 0x13" "$MOCKDMA_CAP_HT 8"; do
	set -- $pair
	rd 0 3 0 "$1" 1
	printf -v at 0x%x "$1"
	check "cap-extra: ID at $at" "$reply" "$2"
done
for pair in "$MOCKDMA_ECAP_VC 2" "$MOCKDMA_ECAP_ACS 0xd" "$MOCKDMA_ECAP_REBAR 0x15" \
	"$MOCKDMA_ECAP_DPA 0x16" "$MOCKDMA_ECAP_TPH 0x17" "$MOCKDMA_ECAP_DVSEC 0x23"; do
	set -- $pair
	rd 0 3 0 "$1" 4
	printf -v at 0x%x "$1"
	check "cap-extra: ID and version 1 at $at" "$reply & 0xfffff" $(($2 | 1 << 16))
done
bar0_read 0 3 0 8
check "cap-extra: FEATURES bit, no FLR" "$reply & (MOCKDMA_FEAT_CAP_EXTRA | MOCKDMA_FEAT_FLR)" \
	"$MOCKDMA_FEAT_CAP_EXTRA"

# PCI-X version 0 and HyperTransport
X=$MOCKDMA_CAP_PCIX
rd 0 3 0 $((X + 2)) 2
check "cap-extra: PCI-X Command is version 0" "$reply & 0x3000" 0
check_cfg "cap-extra: PCI-X Status: 64-bit, 133 MHz" 0 3 0 $((X + 4)) 4 0x30000
cfg_write 0 3 0 $((X + 2)) 2 0xffff
check_cfg "cap-extra: PCI-X Command's writable bits" 0 3 0 $((X + 2)) 2 0x7f
check_cfg "cap-extra: HT command: slave/primary, unit count 1" 0 3 0 $((MOCKDMA_CAP_HT + 2)) 2 0x20
cfg_write 0 3 0 $((MOCKDMA_CAP_HT + 4)) 4 0xffffffff
check_cfg "cap-extra: HT is read-only" 0 3 0 $((MOCKDMA_CAP_HT + 4)) 4 0

# VPD: the whole image, its tags and checksum
vpd=()
for ((a = 0; a < MOCKDMA_VPD_LEN; a += 4)); do
	vpd_read 0 3 0 "$a"
	for ((i = 0; i < 4; i++)); do vpd+=($(( (reply >> (8 * i)) & 0xff ))); done
done
check "cap-extra: VPD starts with an identifier string of ${#vpd_id} bytes" \
	"${vpd[0]} | ${vpd[1]} << 8 | ${vpd[2]} << 16" $((0x82 | ${#vpd_id} << 8))
id=; for ((i = 0; i < ${#vpd_id}; i++)); do printf -v c '%x' "${vpd[3 + i]}"; printf -v c '%b' "\\x$c"; id+=$c; done
is "cap-extra: VPD identifier" "$id" "$vpd_id"
ro=$((3 + ${#vpd_id}))
check "cap-extra: VPD-R follows" "${vpd[ro]}" 0x90
check "cap-extra: PN keyword" "${vpd[ro + 3]} << 8 | ${vpd[ro + 4]}" $((0x504e))
rv=$((ro + 3 + ${vpd[ro + 1]} - 6))
check "cap-extra: RV keyword ends VPD-R" "${vpd[rv]} << 8 | ${vpd[rv + 1]}" $((0x5256))
sum=0; for ((i = 0; i <= rv + 3; i++)); do sum=$((sum + vpd[i])); done
check "cap-extra: VPD-R checksum" "$sum & 0xff" 0
check "cap-extra: VPD-W at 0x22 with YA" "${vpd[0x22]} | ${vpd[0x25]} << 8 | ${vpd[0x26]} << 16" $((0x91 | 0x59 << 8 | 0x41 << 16))
check "cap-extra: the end tag" "${vpd[MOCKDMA_VPD_LEN - 1]}" 0x78
vpd_read 0 3 0 0x100
check "cap-extra: past the image reads 0" "$reply" 0
# VPD writes: only the YA bytes take them
vw() {	# vw ADDR DATA: a write access; Address after it in $reply
	cfg_write 0 3 0 $((MOCKDMA_CAP_VPD + 4)) 4 "$2"
	cfg_write 0 3 0 $((MOCKDMA_CAP_VPD + 2)) 2 $(($1 | 0x8000))
	rd 0 3 0 $((MOCKDMA_CAP_VPD + 2)) 2
}
vw "$MOCKDMA_VPD_W_DATA" 0x11223344
check "cap-extra: a VPD write completes at once (F clear)" "$reply" "$MOCKDMA_VPD_W_DATA"
vpd_read 0 3 0 "$MOCKDMA_VPD_W_DATA"
check "cap-extra: and reads back" "$reply" 0x11223344
vw 0 0xffffffff
vpd_read 0 3 0 0
check "cap-extra: a write outside VPD-W's data changes nothing" "$reply" \
	$((vpd[0] | vpd[1] << 8 | vpd[2] << 16 | vpd[3] << 24))

# extended capabilities
V=$MOCKDMA_ECAP_VC
check_cfg "cap-extra: VC: EVCC 1, LPEVCC 1" 0 3 0 $((V + 4)) 4 0x11
check_cfg "cap-extra: VC: 32-phase WRR, table at +0x30" 0 3 0 $((V + 8)) 4 0x03000002
check_cfg "cap-extra: VC0 enabled with every TC" 0 3 0 $((V + 0x14)) 4 0x800000ff
check_cfg "cap-extra: VC1 ID 1, off" 0 3 0 $((V + 0x20)) 4 0x01000000
cfg_write 0 3 0 $((V + 0x3c)) 4 0x76543210
check_cfg "cap-extra: VC arbitration table writable" 0 3 0 $((V + 0x3c)) 4 0x76543210
cfg_write 0 3 0 $((V + 0x40)) 4 0xffffffff
check_cfg "cap-extra: the bytes after VC are read-only" 0 3 0 $((V + 0x40)) 4 0
A=$MOCKDMA_ECAP_ACS
check_cfg "cap-extra: ACS: RR, CR, EC, 32-bit egress vector" 0 3 0 $((A + 4)) 2 0x202c
cfg_write 0 3 0 $((A + 6)) 2 0xffff
check_cfg "cap-extra: ACS Control's writable bits" 0 3 0 $((A + 6)) 2 0x2c
cfg_write 0 3 0 $((A + 8)) 4 0xa5a5a5a5
check_cfg "cap-extra: ACS egress vector writable" 0 3 0 $((A + 8)) 4 0xa5a5a5a5
check_cfg "cap-extra: REBAR: 1 MiB supported" 0 3 0 $((MOCKDMA_ECAP_REBAR + 4)) 4 0x10
check_cfg "cap-extra: REBAR: BAR2, one BAR, 1 MiB" 0 3 0 $((MOCKDMA_ECAP_REBAR + 8)) 4 0x22
D=$MOCKDMA_ECAP_DPA
check_cfg "cap-extra: DPA: 4 substates" 0 3 0 $((D + 4)) 4 3
rd 0 3 0 $((D + 16)) 4
check "cap-extra: DPA allocations" "$reply" \
	$((MOCKDMA_DPA_ALLOC0 | (MOCKDMA_DPA_ALLOC0 - 25) << 8 | (MOCKDMA_DPA_ALLOC0 - 50) << 16 | (MOCKDMA_DPA_ALLOC0 - 75) << 24))
T=$MOCKDMA_ECAP_TPH
check_cfg "cap-extra: TPH: No ST, DS, 4-entry table in the capability" 0 3 0 $((T + 4)) 4 0x30205
cfg_write 0 3 0 $((T + 8)) 4 0xffffffff
check_cfg "cap-extra: TPH Control's writable bits" 0 3 0 $((T + 8)) 4 0x307
cfg_write 0 3 0 $((T + 18)) 2 0xbeef
check_cfg "cap-extra: TPH ST table's last entry writable" 0 3 0 $((T + 18)) 2 0xbeef
E=$MOCKDMA_ECAP_DVSEC
rd 0 3 0 $((E + 4)) 4
check "cap-extra: DVSEC header 1" "$reply" \
	$((MOCKDMA_VENDOR_ID | 1 << 16 | MOCKDMA_ECAP_DVSEC_LEN << 20))
check_cfg "cap-extra: DVSEC ID" 0 3 0 $((E + 8)) 2 "$MOCKDMA_DVSEC_ID"
cfg_write 0 3 0 $((E + MOCKDMA_DVSEC_SCRATCH)) 4 0x5eed5eed
check_cfg "cap-extra: DVSEC scratch writable" 0 3 0 $((E + MOCKDMA_DVSEC_SCRATCH)) 4 0x5eed5eed

# Advanced Features: FLR
F=$MOCKDMA_CAP_AF
check_cfg "cap-extra: AF length 6, TP and FLR capable" 0 3 0 $((F + 2)) 2 0x0306
bar0_write 0 3 0 "$MOCKDMA_REG_SCRATCH" 0x1234
bar0_read 0 3 0 "$MOCKDMA_REG_RESET_COUNT"
count=$reply
cfg_write 0 3 0 $((F + 4)) 1 1
check_bar0 "cap-extra: AF Initiate FLR resets the function" 0 3 0 "$MOCKDMA_REG_RESET_COUNT" $((count + 1))
check_bar0 "cap-extra: LAST_RESET is AF_FLR" 0 3 0 "$MOCKDMA_REG_LAST_RESET" "$MOCKDMA_RESET_AF_FLR"
check_bar0 "cap-extra: SCRATCH cleared by it" 0 3 0 "$MOCKDMA_REG_SCRATCH" 0
check_cfg "cap-extra: AF Control reads 0" 0 3 0 $((F + 4)) 1 0
check_cfg "cap-extra: the reset clears PCI-X Command" 0 3 0 $((X + 2)) 2 0
check_cfg "cap-extra: and VPD Address" 0 3 0 $((MOCKDMA_CAP_VPD + 2)) 2 0
check_cfg "cap-extra: and VPD Data" 0 3 0 $((MOCKDMA_CAP_VPD + 4)) 4 0
check_cfg "cap-extra: and the VC arbitration table" 0 3 0 $((V + 0x3c)) 4 0
check_cfg "cap-extra: and ACS Control" 0 3 0 $((A + 6)) 2 0
check_cfg "cap-extra: and the egress vector" 0 3 0 $((A + 8)) 4 0
check_cfg "cap-extra: and TPH Control" 0 3 0 $((T + 8)) 4 0
check_cfg "cap-extra: and the ST table" 0 3 0 $((T + 18)) 2 0
check_cfg "cap-extra: and the DVSEC scratch" 0 3 0 $((E + MOCKDMA_DVSEC_SCRATCH)) 4 0
vpd_read 0 3 0 "$MOCKDMA_VPD_W_DATA"
check "cap-extra: VPD-W's data survives it" "$reply" 0x11223344
bar0_write 0 3 0 "$MOCKDMA_REG_KNOBS" "$MOCKDMA_KNOB_REFUSE_FLR"
bar0_read 0 3 0 "$MOCKDMA_REG_RESET_COUNT"
count=$reply
cfg_write 0 3 0 $((F + 4)) 1 1
check_bar0 "cap-extra: KNOB_REFUSE_FLR ignores the AF FLR" 0 3 0 "$MOCKDMA_REG_RESET_COUNT" "$count"
qt_alive
ok "cap-extra: QEMU still runs" $?
qt_stop

qt_start -device mockdma,addr=03.0,cap-extra=on,pm=off,aer=off,sriov=on,mem-size=4M
walk_std 0 3 0
is "cap-extra, pm=off: after MSI" "$walk" "0x90 0x78 0x68 0x50 $extra_std end:0"
walk_ext 0 3 0
is "cap-extra, aer=off, sriov=on: anchor, SR-IOV, then the new ones" "$walk" \
	"0x100 0x160 $extra_ext end:0"
check_cfg "cap-extra, mem-size=4M: REBAR says 4 MiB" 0 3 0 $((MOCKDMA_ECAP_REBAR + 4)) 4 0x40
check_cfg "cap-extra, mem-size=4M: REBAR size field 2" 0 3 0 $((MOCKDMA_ECAP_REBAR + 8)) 4 0x222
qt_stop
qt_start -device mockdma,addr=03.0,cap-extra=on,cap-hostile=cycle
walk_std 0 3 0
is "cap-extra, cap-hostile=cycle: the hostile one still last" "$walk" \
	"$real_caps $extra_std 0xf0 end:cycle:0x90"
qt_stop
qt_start -device mockdma,addr=03.0,cap-extra=on,cap-hostile=ecap-cycle
walk_ext 0 3 0
is "cap-extra, cap-hostile=ecap-cycle: the hostile one still last" "$walk" \
	"0x100 $extra_ext 0xf00 end:cycle:0x100"
qt_stop

# --- SR-IOV ---
S=$MOCKDMA_ECAP_SRIOV
# sriov_enable BUS DEV FN NUMVFS: VF BAR0 at VF_BAR_ADDR, NumVFs, VF Enable + VF MSE
sriov_enable() {
	cfg_write "$1" "$2" "$3" $((S + 0x24)) 4 "$VF_BAR_ADDR"
	cfg_write "$1" "$2" "$3" $((S + 0x10)) 2 "$4"
	cfg_write "$1" "$2" "$3" $((S + 0x08)) 2 0x9
}
present() {	# present BUS DEV FN: the function answers (class dword)
	rd "$1" "$2" "$3" 8 4
	[ "$reply" = $(((MOCKDMA_CLASS << 16) | MOCKDMA_REVISION)) ]
}
sriov_checks() {	# sriov_checks WHERE BUS DEV FN (the PF)
	local w=$1 b=$2 d=$3 f=$4 v at
	printf -v at %x "$S"
	rd "$b" "$d" "$f" "$S" 4
	check "$w: SR-IOV capability at 0x$at" "$reply & 0xfffff" 0x10010
	check_cfg "$w: TotalVFs" "$b" "$d" "$f" $((S + 0x0e)) 2 2
	check_cfg "$w: InitialVFs" "$b" "$d" "$f" $((S + 0x0c)) 2 2
	check_cfg "$w: First VF Offset" "$b" "$d" "$f" $((S + 0x14)) 2 "$MOCKDMA_VF_OFFSET"
	check_cfg "$w: VF Stride" "$b" "$d" "$f" $((S + 0x16)) 2 "$MOCKDMA_VF_STRIDE"
	check_cfg "$w: VF Device ID" "$b" "$d" "$f" $((S + 0x1a)) 2 "$MOCKDMA_VF_DEVICE_ID"
	cfg_write "$b" "$d" "$f" $((S + 0x24)) 4 0xffffffff
	check_cfg "$w: VF BAR0 sizes as 4 KiB, 32-bit memory" "$b" "$d" "$f" $((S + 0x24)) 4 0xfffff000
	bar0_read "$b" "$d" "$f" 8
	check "$w: FEATURES has SRIOV" "$reply & MOCKDMA_FEAT_SRIOV" "$MOCKDMA_FEAT_SRIOV"
	! present "$b" "$d" $((f + 1))
	ok "$w: no VF before VF Enable" $?
	sriov_enable "$b" "$d" "$f" 2
	present "$b" "$d" $((f + 1)) && present "$b" "$d" $((f + 2))
	ok "$w: VF Enable with NumVFs 2 adds functions $((f + 1)) and $((f + 2))" $?
	! present "$b" "$d" $((f + 3))
	ok "$w: and no third" $?
	check_cfg "$w: VF config IDs read 0xffff (SR-IOV)" "$b" "$d" $((f + 1)) 0 4 0xffffffff
	rd "$b" "$d" $((f + 1)) 0x2c 4
	check "$w: VF subsystem IDs" "$reply" \
		$((MOCKDMA_SUBSYS_ID << 16 | MOCKDMA_VENDOR_ID))
	rd "$b" "$d" $((f + 1)) "$MOCKDMA_VF_CAP_EXP" 2
	v=$reply
	check "$w: VF has a PCIe capability" "$v & 0xff" 0x10
	check_cfg "$w: VF capability list starts there" "$b" "$d" $((f + 1)) 0x34 1 "$MOCKDMA_VF_CAP_EXP"
	cfg_write "$b" "$d" $((f + 1)) 4 2 2
	cfg_write "$b" "$d" $((f + 2)) 4 2 2
	qt readl "$VF_BAR_ADDR"
	check "$w: VF 0 BAR0 magic" "$reply" "$MOCKDMA_VF_MAGIC"
	qt readl $((VF_BAR_ADDR + MOCKDMA_VF_BAR0_SIZE + MOCKDMA_VF_REG_NUMBER))
	check "$w: VF 1 BAR0 (base + 4 KiB) says VF 1" "$reply" 1
	qt writel $((VF_BAR_ADDR + MOCKDMA_VF_REG_SCRATCH)) 0x5a5a
	qt readl $((VF_BAR_ADDR + MOCKDMA_VF_REG_SCRATCH))
	check "$w: VF scratch" "$reply" 0x5a5a
	cfg_write "$b" "$d" "$f" $((S + 0x08)) 2 0
	! present "$b" "$d" $((f + 1)) && ! present "$b" "$d" $((f + 2))
	ok "$w: clearing VF Enable removes them" $?
	sriov_enable "$b" "$d" "$f" 2
	present "$b" "$d" $((f + 2))
	ok "$w: enabled again" $?
	rd "$b" "$d" "$f" $((MOCKDMA_CAP_EXP + 8)) 2
	cfg_write "$b" "$d" "$f" $((MOCKDMA_CAP_EXP + 8)) 2 $((reply | 0x8000))
	! present "$b" "$d" $((f + 1))
	ok "$w: a PF FLR removes the VFs" $?
	check_cfg "$w: and clears SR-IOV Control" "$b" "$d" "$f" $((S + 0x08)) 2 0
	check_cfg "$w: and NumVFs" "$b" "$d" "$f" $((S + 0x10)) 2 0
	check_cfg "$w: and the VF BAR" "$b" "$d" "$f" $((S + 0x24)) 4 0
}

qt_start -device mockdma,id=pf,addr=03.0,sriov=on
sriov_checks "sriov, PF at 00:03.0" 0 3 0
sriov_enable 0 3 0 2
qt outb 0xcf9 0x06
qt clock_step 1000000 >/dev/null
qt_alive
ok "sriov: a machine reset with VFs enabled" $?
mmcfg_on
! present 0 3 1 && present 0 3 0
ok "sriov: after it the VFs are gone, the PF stays" $?
sriov_enable 0 3 0 2
present 0 3 2
ok "sriov: VFs can be enabled again after a machine reset" $?
qt_stop

# Below a root port: give it bus 1 as firmware would.
qt_start -device pcie-root-port,id=rp1,addr=04.0,chassis=1 \
	-device mockdma,id=pf,bus=rp1,addr=00.0,sriov=on
cfg_write 0 4 0 0x18 4 0x010100	# primary 0, secondary 1, subordinate 1
cfg_write 0 4 0 0x20 4 0xeff0e000	# memory window 0xe0000000-0xefffffff
cfg_write 0 4 0 0x04 2 0x6
sriov_checks "sriov, PF at 01:00.0 below a root port" 1 0 0
qt_stop

qt_start -device mockdma,addr=03.0,sriov=on,total-vfs=7,aer=off
check_cfg "sriov, total-vfs=7: TotalVFs" 0 3 0 $((S + 0x0e)) 2 7
sriov_enable 0 3 0 7
present 0 3 7
ok "sriov, total-vfs=7: 7 VFs, up to function 7" $?
sriov_enable 0 3 0 0
cfg_write 0 3 0 $((S + 0x08)) 2 0
cfg_write 0 3 0 $((S + 0x10)) 2 8
cfg_write 0 3 0 $((S + 0x08)) 2 0x9
! present 0 3 1
ok "sriov, total-vfs=7: NumVFs 8 adds none" $?
qt_stop

echo "1..$n"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
