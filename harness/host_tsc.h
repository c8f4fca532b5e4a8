/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's TSC rate, for TCG guests. Under TCG a guest's RDTSC reads the
 * host's TSC, and the guest kernel calibrates it at boot against the PIT
 * and HPET that QEMU emulates. On a loaded host the vCPU thread loses the
 * CPU in the middle of that calibration: a stock guest took its TSC for a
 * 59 MHz one (the PIT's figure, which it prefers when PIT and HPET
 * disagree), so its clock ran 35 times fast, and boot-time work timed
 * by it (jitterentropy's init) "stalled" RCU for minutes. The guest is
 * given the rate instead (tsc_early_khz=, harness/qemu_cmd.c).
 */
#ifndef UPCILAB_HOST_TSC_H
#define UPCILAB_HOST_TSC_H

/*
 * The TSC's rate in kHz, from TSC ticks over CLOCK_MONOTONIC_RAW across
 * about 20 ms (both run while this process waits, so losing the CPU does
 * not skew it); 0 if this host has no TSC (not x86-64) or the figure is
 * not a plausible one (below 100 MHz or above 10 GHz).
 */
unsigned int host_tsc_khz(void);

#endif
