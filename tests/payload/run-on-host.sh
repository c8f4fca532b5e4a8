#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the bare-metal payload into a temporary directory and boot it on
# the host, device emulated (no VFIO): mockdma and edu under the lab's
# QEMU, and edu under Debian's QEMU too when it is installed (that is the
# QEMU that runs the payload inside the lab VM). Each run must end with
# isa-debug-exit status 1, every check "ok", and the interrupt counts
# below. TAP out, kselftest-style Totals line last (make unit runs it).
#
# Usage: tests/payload/run-on-host.sh [PAYLOAD.elf]
#   (default: $PAYLOAD, else build it here; QEMU=path overrides the lab's QEMU)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
QEMU=${QEMU:-$(cd "$root" && mockdevs/build-qemu.sh --print-path)} || exit 1
DEBIAN_QEMU=/usr/bin/qemu-system-x86_64

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
top=$root
. "$root/tests/host/tap.sh"

if [ -n "${1:-${PAYLOAD:-}}" ]; then
	cp "${1:-$PAYLOAD}" "$tmp/payload.elf" || exit 1
else
	CFLAGS="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
		-fno-asynchronous-unwind-tables -mgeneral-regs-only -O2 -Wall -Wextra -Werror"
	# shellcheck disable=SC2086
	gcc $CFLAGS -nostdlib -static -no-pie -Wl,--build-id=none -T "$here/payload.ld" \
		-o "$tmp/payload.elf" "$here/entry.S" "$here/payload.c" || exit 1
fi

# run WHOSE QEMU DEVICE IRQS: boot DEVICE, want the line "# irqs: IRQS"
run() {
	local whose=$1 qemu=$2 device=$3 irqs=$4 out=$tmp/$1-$3.out rc t0 t1 ok notok summary

	t0=$(date +%s%N)
	timeout 120 "$qemu" -M pc -accel tcg -m 64 -nodefaults -display none \
		-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-device "$device" -kernel "$tmp/payload.elf" >"$out" 2>&1
	rc=$?
	t1=$(date +%s%N)
	ok=$(grep -c '^ok ' "$out")
	notok=$(grep -c '^not ok ' "$out")
	summary=$(grep -c "^# payload: done $ok passed 0 failed\$" "$out")
	echo "# $device on $qemu: exit status $rc, $ok ok, $notok not ok, $(( (t1 - t0) / 1000000 )) ms"
	show_on_failure="payload:$out"
	check "${device}_on_${whose}_qemu_passes_every_check" '[ "$rc" = 1 ] && [ "$notok" = 0 ] &&
		[ "$ok" -gt 0 ] && [ "$summary" = 1 ] && [ "$(head -n 1 "$out")" = "# payload: start" ] &&
		grep -qx "# irqs: $irqs" "$out"'
}

echo "TAP version 13"
echo "1..3"

run lab "$QEMU" mockdma "intx 1 msi 1 msix 3 spurious 0 unexpected 0"
run lab "$QEMU" edu "intx 1 msi 2 msix 0 spurious 0 unexpected 0"
if [ -x "$DEBIAN_QEMU" ]; then
	run debians "$DEBIAN_QEMU" edu "intx 1 msi 2 msix 0 spurious 0 unexpected 0"
else
	n=$((n + 1))
	echo "ok $n edu_on_debians_qemu # SKIP $DEBIAN_QEMU is not installed"
fi
tap_totals
