#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upcilab repro end to end (make test), on upci. An edu case that faults
# on purpose, three runs with --until-fail: the first must pass and log
# its IOMMU fault, the other two must be skipped for that reason, and the
# guest's IOMMU trace must hold the test's mappings. A mockdma case that
# faults on purpose: mockdma's own record must show the refused descriptor.
# usage: tests/host/repro_smoke.sh UPCILAB [UPCILAB_FLAGS...]
set -u
upcilab=$1
shift
out=$(mktemp -d) || exit 2
trap 'rm -rf "$out"' EXIT
case=edu_dma.dma_to_unmapped_iova_is_blocked_and_logged
fail=0
check() {
	if eval "$2"; then echo "ok $1"; else echo "not ok $1"; fail=1; fi
}

"$upcilab" "$@" --driver upci --runs 3 --until-fail --results "$out" \
	repro vfio "$case" >"$out/log" 2>&1
rc=$?
dir=$out/vfio-upci
check "repro exits 0 (status $rc)" '[ "$rc" = 0 ]'
check "run 1 passed" "grep -qE '^ +ok +$case run 1 ' '$out/log'"
check "runs 2 and 3 stopped at run 1's fault" \
	"[ \$(grep -cE '^ +skip +$case run [23] .*stopped after run 1 logged an IOMMU fault' '$out/log') = 2 ]"
check "the guest trace holds the test's mappings" \
	"grep -qE 'map: IOMMU: iova=0x[0-9a-f]+ - 0x[0-9a-f]+ paddr=' '$dir/guest-trace.txt'"
check "upci's own tracepoints recorded the map and the unmap" \
	"grep -qE 'upci_map: iova=0x[0-9a-f]+ size=0x[0-9a-f]+ vaddr=0x[0-9a-f]+ prot=r?w? ret=0' '$dir/guest-trace.txt' &&
	 grep -qE 'upci_unmap: iova=0x[0-9a-f]+ size=0x[0-9a-f]+( all)? unmapped=0x[0-9a-f]+ ret=0' '$dir/guest-trace.txt' &&
	 grep -qE 'upci_pin: .* ret=0' '$dir/guest-trace.txt' && grep -qE 'upci_attach: group=[0-9]+ ret=0' '$dir/guest-trace.txt'"
check "the fault report explains the fault: unmapped before the access" \
	"grep -q '^upcilab: repro: fault 1: 0000:00:03.0 write 0x5a000: unmapped-before$' '$out/log' &&
	 grep -q '^\*\*Verdict: unmapped-before.\*\* Unmapped before the access: 0x5a000-0x5afff was mapped in address space [0-9]* and unmapped by edu_dma\[' '$dir/report.md' &&
	 grep -q '^space [0-9]* (device.s) *\.*-\.*$' '$dir/report.md' &&
	 grep -q '\"code\": \"unmapped-before\"' '$dir/report.json'"
check "it says how to run it again" \
	"grep -q 'repro: again: upcilab --driver upci --viommu intel-iommu --runs 3 --until-fail repro' '$out/log'"

"$upcilab" "$@" --driver upci --results "$out/m" \
	repro mockdma mockdma_dma.copy_to_unmapped_iova_faults_and_is_logged >>"$out/log" 2>&1
rc=$?
check "mockdma repro exits 0 (status $rc)" '[ "$rc" = 0 ]'
check "mockdma's record shows the descriptor the IOMMU refused" \
	"grep -qE '^mockdma_desc mdma0: descriptor at 0x[0-9a-f]+ op 1 .* status 3 done 0 fault_iova 0x[0-9a-f]+' '$out/m/mockdma-upci/qemu.log'"

check "mockdma's fault: unmapped before the copy" \
	"grep -q '^upcilab: repro: fault 1: 0000:00:03.0 write 0x[0-9a-f]*: unmapped-before$' '$out/log' &&
	 grep -q \"^- mockdma's record (qemu.log):\" '$out/m/mockdma-upci/report.md'"

# vfio-pci: the same verdict from vfio_iommu_type1's kprobe events
"$upcilab" "$@" --driver vfio-pci --results "$out/v" repro vfio "$case" >"$out/vlog" 2>&1
rc=$?
cat "$out/vlog" >>"$out/log"
check "vfio-pci repro exits 0 (status $rc)" '[ "$rc" = 0 ]'
check "vfio-pci: the same verdict" \
	"grep -q '^upcilab: repro: fault 1: 0000:00:03.0 write 0x5a000: unmapped-before$' '$out/vlog'"

# --gdb: the guest must wait for the debugger; a "continue" packet on the
# gdbstub (GDB's remote protocol, as gdb would send it) lets it run.
"$upcilab" "$@" --driver upci --gdb --results "$out/g" \
	repro vfio edu_dma.dma_round_trip_through_iovas >"$out/gdb.log" 2>&1 &
gpid=$!
for _ in $(seq 100); do grep -q 'for gdb on 127.0.0.1:' "$out/gdb.log" && break; sleep 0.1; done
port=$(grep -o 'for gdb on 127.0.0.1:[0-9]*' "$out/gdb.log" | cut -d: -f2)
sleep 3
# without --gdb the console shows "Linux version" within these 3 s
check "--gdb: the guest waits for the debugger" "[ -n '$port' ] && kill -0 $gpid &&
	[ -e '$out/g/vfio-upci/console.log' ] && ! grep -q 'Linux version' '$out/g/vfio-upci/console.log'"
if [ -n "$port" ] && exec 3<>"/dev/tcp/127.0.0.1/$port"; then
	printf '+$c#63' >&3
fi
timeout 120 tail --pid=$gpid -f /dev/null
wait $gpid
rc=$?
exec 3>&- 2>/dev/null
check "--gdb: after continue the case passes (status $rc)" '[ "$rc" = 0 ] && grep -qE "^ +ok +edu_dma.dma_round_trip_through_iovas " "$out/gdb.log"'
check "--gdb: it prints add-symbol-file for upci.ko at its load address" \
	"grep -qE '^upcilab: gdb: \(gdb\) add-symbol-file [^ ]*/upci.ko 0xffffffff[0-9a-f]+ -s .data 0x[0-9a-f]+ -s .bss 0x[0-9a-f]+' '$out/gdb.log'"
cat "$out/gdb.log" >>"$out/log"
[ "$fail" = 0 ] || { echo "# repro output:"; sed 's/^/#   /' "$out/log" | tail -30; }
echo "repro smoke: $([ "$fail" = 0 ] && echo passed || echo FAILED)"
exit "$fail"
