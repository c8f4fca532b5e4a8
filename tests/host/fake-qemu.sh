#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A stand-in for qemu-system-x86_64 in the supervisor's unit tests
# (tests/host/test_vm.c). It ignores QEMU's options except the two pipe
# chardevs, and plays a guest on them: the console on CONSOLE.out and the
# results protocol of harness/vm.h on KTAP.out (FIFOs the harness holds open).
#   FAKE_QEMU_MODE     what the guest does (below); default pass
#   FAKE_TESTS         the scenario's test names, in order
#   FAKE_QEMU_PIDFILE  where to write our pid (the harness must reap it)
# Only shell builtins run here, and hanging modes exec sleep, so that
# killing our pid leaves nothing behind.
set -u

con= res=
for a in "$@"; do
	case $a in
	pipe,id=console,path=*) con=${a#pipe,id=console,path=} ;;
	pipe,id=ktap,path=*) res=${a#pipe,id=ktap,path=} ;;
	esac
done
if [ -z "$con" ] || [ -z "$res" ]; then
	echo "fake-qemu: no console/ktap pipe chardev in: $*" >&2
	exit 2
fi
[ -n "${FAKE_QEMU_PIDFILE:-}" ] && echo $$ >"$FAKE_QEMU_PIDFILE"
exec 3>"$con.out" 4>"$res.out"
echo "fake-qemu: mode ${FAKE_QEMU_MODE:-pass}" >&2
# where a gcov build of QEMU would write its counters (harness/vm.h)
echo "fake-qemu: GCOV_PREFIX=${GCOV_PREFIX-unset} GCOV_PREFIX_STRIP=${GCOV_PREFIX_STRIP-unset}" >&2

say_con() { printf '%s\n' "$*" >&3; }
say() { printf '%s\n' "$*" >&4; }

boot() {
	say_con "[    0.000000] Linux version 6.12.0-fake"
	say "# upcilab: init"
	say "# pci: 0000:00:03.0 03.0 1234:11e8 group=3 driver=vfio-pci"
}

# test N NAME [EXIT]: one passing kselftest case, then the exit status
one_test() {
	say "# upcilab: begin $1 $2"
	say "TAP version 13"
	say "1..1"
	say "# Starting 1 tests from 1 test cases."
	say "#  RUN           global.$2 ..."
	say "#            OK  global.$2"
	say "ok 1 global.$2"
	say "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0"
	say "# upcilab: end $1 $2 exit=${3:-0}"
}

all_tests() {
	local n=0
	for t in ${FAKE_TESTS:-}; do
		n=$((n + 1))
		if [ "$n" = 1 ]; then one_test $n "$t" "${1:-0}"; else one_test $n "$t"; fi
	done
	# the leak check's verdict (harness/image.c), on a kmemleak kernel
	[ -n "${KMEMLEAK:-}" ] && say "# upcilab: kmemleak $KMEMLEAK"
	say "# upcilab: done"
}

# the busybox of the init faults before the init says a word
die_before_init() {
	say_con "[    0.000000] Linux version 6.12.0-fake"
	say_con "[    0.900000] traps: init[1] general protection fault ip:410331"
	say_con "[    0.900001] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"
	exit 0
}

first_test() {
	set -- ${FAKE_TESTS:-}
	say "# upcilab: begin 1 $1"
	say "TAP version 13"
	say "1..2"
}

case ${FAKE_QEMU_MODE:-pass} in
pass)
	boot; all_tests; exit 0 ;;
kmemleak_scanned)
	boot; KMEMLEAK=scanned all_tests; exit 0 ;;
kmemleak_off)
	boot; KMEMLEAK=off all_tests; exit 0 ;;
busy)
	# a fixed amount of the shell's own work (0.4 CPU-seconds here), then a pass
	n=0; while [ $n -lt 150000 ]; do n=$((n + 1)); done
	boot; all_tests; exit 0 ;;
hang_in_test)
	boot; first_test
	say "#  RUN           global.slow ..."
	exec sleep 1000 ;;
hang_boot)
	say_con "[    0.000000] Linux version 6.12.0-fake"
	exec sleep 1000 ;;
crash)
	boot; first_test; exit 3 ;;
early_death)
	die_before_init ;;
early_death_once)
	# a death before the init on the first boot of FAKE_QEMU_STATE, a
	# pass on the next
	if [ ! -e "$FAKE_QEMU_STATE" ]; then
		: >"$FAKE_QEMU_STATE"
		die_before_init
	fi
	boot; all_tests; exit 0 ;;
panic)
	boot; first_test
	say_con "[    1.000000] Kernel panic - not syncing: fake"
	say_con "[    1.000001] CPU: 0 PID: 1 Comm: init Not tainted"
	exit 0 ;;
warning)
	boot
	say_con "[    0.500000] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x0"
	say_con "[    0.500001] Call Trace:"
	all_tests; exit 0 ;;
paused)
	# what QEMU does on a KVM internal error: a dump on stderr, the guest
	# paused (the test's QMP server sends STOP), and no exit
	boot; first_test
	echo "KVM internal error. Suberror: 1" >&2
	echo "emulation failure" >&2
	exec sleep 1000 ;;
no_poweroff)
	boot; all_tests
	exec sleep 1000 ;;
setup_failed)
	boot
	say "# upcilab: setup-failed insmod x.ko"
	say_con "upcilab: setup failed: insmod x.ko"
	exit 0 ;;
bad_exit)
	boot; all_tests 1; exit 0 ;;
skip)
	boot
	n=0
	for t in ${FAKE_TESTS:-}; do
		n=$((n + 1))
		say "# upcilab: begin $n $t"
		say "TAP version 13"
		say "1..0 # SKIP no device"
		say "# upcilab: end $n $t exit=4"
	done
	say "# upcilab: done"
	exit 0 ;;
guest_skip)
	boot
	set -- ${FAKE_TESTS:-}
	one_test 1 "$1" 1
	say "# upcilab: skip 2 $2 stopped after run 1 failed"
	say "# upcilab: skip 3 $3 stopped after run 1 failed"
	say "# upcilab: done"
	exit 0 ;;
skip_out_of_order)
	boot
	set -- ${FAKE_TESTS:-}
	say "# upcilab: skip 2 $2 why"
	say "# upcilab: done"
	exit 0 ;;
out_of_order)
	boot
	set -- ${FAKE_TESTS:-}
	one_test 2 "$2"
	say "# upcilab: done"
	exit 0 ;;
*)
	echo "fake-qemu: unknown FAKE_QEMU_MODE '$FAKE_QEMU_MODE'" >&2
	exit 2 ;;
esac
