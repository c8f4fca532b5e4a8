/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mockdma: the lab's DMA test device. This header is the contract between
 * the QEMU model (mockdevs/mockdma.c), the guest library (tests/lib/mockdma.c)
 * and the documentation (mockdevs/README.md). Everything is little endian.
 *
 * BAR0  64-bit memory, MOCKDMA_BAR0_SIZE: the registers below
 * BAR2  64-bit prefetchable memory: device-internal memory ("mem-size")
 * BAR4  32-bit memory: MSI-X table at 0, PBA in the upper half
 * BAR5  I/O ports, MOCKDMA_BAR5_SIZE: scratch file; with "subpage-bar=on"
 *       a 32-bit memory BAR of the same size instead
 * ROM   MOCKDMA_ROM_SIZE bytes: 0x55 0xaa, then MOCKDMA_ROM_SIGNATURE
 */
#ifndef MOCKDMA_H
#define MOCKDMA_H

#include <stdint.h>

#define MOCKDMA_VENDOR_ID	0x1234	/* QEMU's test vendor, as edu */
#define MOCKDMA_DEVICE_ID	0x5ad0
#define MOCKDMA_SUBSYS_ID	0x0001
#define MOCKDMA_CLASS		0xff00	/* base class 0xff, "unassigned": no driver */
#define MOCKDMA_REVISION	1

#define MOCKDMA_BAR_REGS	0
#define MOCKDMA_BAR_MEM		2
#define MOCKDMA_BAR_MSIX	4
#define MOCKDMA_BAR_SMALL	5
#define MOCKDMA_BAR0_SIZE	0x1000
#define MOCKDMA_BAR5_SIZE	0x40
#define MOCKDMA_ROM_SIZE	0x2000
#define MOCKDMA_ROM_SIGNATURE	"MOCKDMA-ROM"	/* at ROM offset 4 */

#define MOCKDMA_MAX_VECTORS	64	/* MSI-X, and IRQ_COUNT entries */
#define MOCKDMA_MAX_RING	65536	/* descriptors */
#define MOCKDMA_MAX_XFER	(64u << 20)	/* bytes per descriptor */

/* Config-space layout (fixed offsets, so tests can find them). */
#define MOCKDMA_CAP_PM		0x40
#define MOCKDMA_CAP_MSI		0x50
#define MOCKDMA_CAP_VNDR	0x68
#define MOCKDMA_CAP_MSIX	0x78
#define MOCKDMA_CAP_EXP		0x90
#define MOCKDMA_ECAP_AER	0x100

/*
 * Extended configuration space beyond AER, used only by the knobs below
 * (nothing is there by default).  With aer=off and a knob that needs an
 * extended capability list (sriov=on, or an ecap-* cap-hostile layout),
 * the list starts with an anchor: a Vendor-Specific Extended Capability
 * (ID 0x000b) at 0x100 with VSEC ID MOCKDMA_VSEC_ID_ANCHOR and
 * MOCKDMA_MAGIC at +8.  AER (aer=on) is 0x100-0x147.
 */
#define MOCKDMA_ECAP_ANCHOR	0x100	/* only with aer=off, see above */
#define MOCKDMA_ECAP_ANCHOR_LEN	0x0c
#define MOCKDMA_ECAP_SRIOV	0x160	/* SR-IOV capability (0x40 bytes), sriov=on */
#define MOCKDMA_VSEC_ID_ANCHOR	0x0001	/* VSEC ID (dword +4, bits 15:0) */
#define MOCKDMA_VSEC_ID_HOSTILE	0x0002
#define MOCKDMA_VSEC_REV	1	/* VSEC revision (dword +4, bits 19:16) */

/*
 * Hostile capability layouts: property cap-hostile=NAME (default empty:
 * none) picks one.  Every layout appends one capability at the END of a
 * list, after all the real ones, so a careful walker still finds every
 * real capability and then stops; a trusting one follows the hostile
 * pointer or length.  The appended capability is read-only and survives
 * resets.
 *
 * Standard list (low, misaligned, vndr-long, cycle): a vendor-specific
 * capability (ID 0x09) at MOCKDMA_HOSTILE_CAP, linked from the list's
 * last capability (PM at 0x40, or MSI at 0x50 with pm=off):
 *   +0 0x09, +1 next, +2 length (MOCKDMA_HOSTILE_CAP_LEN unless vndr-long),
 *   +3 the layout number (MOCKDMA_HOSTILE_*), +4 u32 MOCKDMA_MAGIC.
 *   low         next = MOCKDMA_HOSTILE_LOW_NEXT: BAR0, in the header
 *   misaligned  next = MOCKDMA_HOSTILE_MISALIGNED_NEXT: not dword aligned,
 *               inside the vendor capability at 0x68 (byte 0x6a is its
 *               length 0x10, 0x6b its version 1)
 *   vndr-long   next = 0, length MOCKDMA_HOSTILE_VNDR_LONG_LEN: runs
 *               past 0x100
 *   cycle       next = MOCKDMA_HOSTILE_CYCLE_NEXT, the head of the list
 *               (the PCIe capability): the list loops forever
 *
 * Extended list (ecap-long, ecap-cycle, below-ecap): a Vendor-Specific
 * Extended Capability (ID 0x000b, version 1) at MOCKDMA_HOSTILE_ECAP,
 * linked from the list's last capability (AER at 0x100, the anchor with
 * aer=off, or SR-IOV with sriov=on):
 *   +0 header, +4 VSEC header: ID MOCKDMA_VSEC_ID_HOSTILE, revision
 *   MOCKDMA_VSEC_REV, length (bits 31:20) MOCKDMA_HOSTILE_ECAP_LEN unless
 *   ecap-long, +8 u32 the layout number, +12 u32 MOCKDMA_MAGIC.
 *   ecap-long   next = 0, VSEC length MOCKDMA_HOSTILE_ECAP_LONG_LEN: runs
 *               past 4096 (0xf00 + 0x800)
 *   ecap-cycle  next = MOCKDMA_HOSTILE_ECAP_CYCLE_NEXT (0x100): loops
 *   below-ecap  next = MOCKDMA_HOSTILE_BELOW_ECAP_NEXT: below 0x100
 * BAR0 register CAP_HOSTILE reads the layout number.
 */
#define MOCKDMA_HOSTILE_NONE		0
#define MOCKDMA_HOSTILE_LOW		1
#define MOCKDMA_HOSTILE_MISALIGNED	2
#define MOCKDMA_HOSTILE_VNDR_LONG	3
#define MOCKDMA_HOSTILE_CYCLE		4
#define MOCKDMA_HOSTILE_ECAP_LONG	5	/* this and above: extended list */
#define MOCKDMA_HOSTILE_ECAP_CYCLE	6
#define MOCKDMA_HOSTILE_BELOW_ECAP	7
#define MOCKDMA_HOSTILE_COUNT		8

#define MOCKDMA_HOSTILE_NAME_LOW	"low"
#define MOCKDMA_HOSTILE_NAME_MISALIGNED	"misaligned"
#define MOCKDMA_HOSTILE_NAME_VNDR_LONG	"vndr-long"
#define MOCKDMA_HOSTILE_NAME_CYCLE	"cycle"
#define MOCKDMA_HOSTILE_NAME_ECAP_LONG	"ecap-long"
#define MOCKDMA_HOSTILE_NAME_ECAP_CYCLE	"ecap-cycle"
#define MOCKDMA_HOSTILE_NAME_BELOW_ECAP	"below-ecap"

#define MOCKDMA_HOSTILE_CAP		0xf0	/* standard-list layouts */
#define MOCKDMA_HOSTILE_CAP_LEN		0x10	/* its length byte, normally */
#define MOCKDMA_HOSTILE_CAP_KIND	3	/* u8: MOCKDMA_HOSTILE_* */
#define MOCKDMA_HOSTILE_CAP_MAGIC	4	/* u32: MOCKDMA_MAGIC */
#define MOCKDMA_HOSTILE_LOW_NEXT	0x10	/* PCI_BASE_ADDRESS_0 */
#define MOCKDMA_HOSTILE_MISALIGNED_NEXT	0x6a
#define MOCKDMA_HOSTILE_VNDR_LONG_LEN	0x40	/* 0xf0 + 0x40 > 0x100 */
#define MOCKDMA_HOSTILE_CYCLE_NEXT	MOCKDMA_CAP_EXP	/* the list head */

#define MOCKDMA_HOSTILE_ECAP		0xf00	/* extended-list layouts */
#define MOCKDMA_HOSTILE_ECAP_LEN	0x10	/* its VSEC length, normally */
#define MOCKDMA_HOSTILE_ECAP_KIND	8	/* u32: MOCKDMA_HOSTILE_* */
#define MOCKDMA_HOSTILE_ECAP_MAGIC	12	/* u32: MOCKDMA_MAGIC */
#define MOCKDMA_HOSTILE_ECAP_LONG_LEN	0x800	/* 0xf00 + 0x800 > 0x1000 */
#define MOCKDMA_HOSTILE_ECAP_CYCLE_NEXT	0x100
#define MOCKDMA_HOSTILE_BELOW_ECAP_NEXT	0x40

/*
 * SR-IOV (sriov=on, total-vfs=N): the function is a physical function
 * with the SR-IOV capability at MOCKDMA_ECAP_SRIOV.  TotalVFs = InitialVFs
 * = N (1-7), First VF Offset MOCKDMA_VF_OFFSET, VF Stride
 * MOCKDMA_VF_STRIDE, VF device ID MOCKDMA_VF_DEVICE_ID, VF BAR0 a 32-bit
 * memory BAR of MOCKDMA_VF_BAR0_SIZE per VF.  VF k (0-based) is at devfn
 * PF + 1 + k: the PF must sit at function F with functions F+1..F+N of
 * its slot free (e.g. alone in a slot at function 0, or at 00.0 below a
 * pcie-root-port: VFs at 00.1, 00.2, ...).  A VF is a PCIe endpoint
 * ("mockdma-vf", created by the PF only) with a PCIe capability at
 * MOCKDMA_VF_CAP_EXP and BAR0 registers below.  Its config vendor and
 * device IDs read 0xffff, as the SR-IOV spec says.  Any PF reset disables
 * the VFs and clears the SR-IOV control registers.
 */
#define MOCKDMA_VF_DEVICE_ID	0x5ad1
#define MOCKDMA_VF_OFFSET	1
#define MOCKDMA_VF_STRIDE	1
#define MOCKDMA_SRIOV_MAX_VFS	7
#define MOCKDMA_SRIOV_DEF_VFS	2	/* total-vfs default */
#define MOCKDMA_VF_BAR_REGS	0
#define MOCKDMA_VF_BAR0_SIZE	0x1000
#define MOCKDMA_VF_CAP_EXP	0x40
#define MOCKDMA_VF_REG_MAGIC	0x000	/* RO MOCKDMA_VF_MAGIC */
#define MOCKDMA_VF_REG_NUMBER	0x004	/* RO this VF's number, 0-based */
#define MOCKDMA_VF_REG_SCRATCH	0x008	/* RW, cleared by reset */
#define MOCKDMA_VF_MAGIC	0x46564b4d	/* the bytes "MKVF" */

/*
 * cap-extra=on (default off: nothing below exists): one well-formed
 * instance of each capability no other knob and no QEMU device has, so a
 * driver's handling of them can be tested.  The standard ones follow the
 * real list in this order (0x90 0x78 0x68 0x50 0x40, then 0x48 0x84 0xcc
 * 0xd4; 0x48 follows MSI with pm=off), the extended ones follow AER (the
 * anchor with aer=off) and SR-IOV; a cap-hostile layout still comes last.
 * Registers a reset clears are marked (reset); the rest are read-only.
 *
 *   PCI-X (0x07) at MOCKDMA_CAP_PCIX, version 0 (8 bytes): Command's
 *     DPERR_E, ERO, MMRBC and max split bits (0x007f) are writable
 *     (reset); Status says 64-bit and 133 MHz capable.
 *   VPD (0x03) at MOCKDMA_CAP_VPD: Address and Data are writable (reset);
 *     a write of Address's high byte with F clear reads the dword at the
 *     (dword-aligned) address into Data and sets F, with F set writes
 *     Data there and clears F, at once.  The VPD image: an identifier
 *     string MOCKDMA_VPD_ID, VPD-R with "PN" MOCKDMA_VPD_PN and a correct
 *     "RV" checksum, VPD-W with a 16-byte "YA" at MOCKDMA_VPD_W_DATA (the
 *     only bytes writes change, kept across resets as an EEPROM keeps
 *     them; initially spaces), then the end tag: MOCKDMA_VPD_LEN bytes.
 *     Addresses past it read zero.
 *   Advanced Features (0x13) at MOCKDMA_CAP_AF: TP and FLR capable,
 *     Transactions Pending never set; writing Initiate FLR to AF Control
 *     (which reads 0) resets the function as a PCIe FLR does, LAST_RESET
 *     MOCKDMA_RESET_AF_FLR (KNOB_REFUSE_FLR ignores it too).
 *   HyperTransport (0x08) at MOCKDMA_CAP_HT: a slave/primary interface
 *     block (command type 000, 28 bytes), unit count 1, read-only.
 *
 *   VC (0x0002) at MOCKDMA_ECAP_VC: 2 VCs (EVCC 1, LPEVCC 1), 32-phase
 *     WRR VC arbitration, the VC arbitration table (16 bytes, writable,
 *     reset) at +MOCKDMA_VC_ARB_TABLE; VC0 enabled with every TC, VC1 off.
 *     0x10 read-only zero bytes follow it (Linux saves (LPEVCC + 1) *
 *     phases / 2 bytes of table, twice the spec's).
 *   ACS (0x000d) at MOCKDMA_ECAP_ACS: P2P Request and Completion Redirect
 *     and Egress Control, a 32-bit egress vector (12 bytes); Control's
 *     bits for them and the vector are writable (reset).
 *   Resizable BAR (0x0015) at MOCKDMA_ECAP_REBAR: one BAR, BAR2, of the
 *     one size it has (12 bytes), read-only.
 *   DPA (0x0016) at MOCKDMA_ECAP_DPA: 4 substates (20 bytes), power
 *     allocations MOCKDMA_DPA_ALLOC0 and three lower, read-only.
 *   TPH Requester (0x0017) at MOCKDMA_ECAP_TPH: No ST and Device Specific
 *     modes, a 4-entry ST table in the capability (20 bytes); Control's
 *     mode and enable fields and the table are writable (reset).
 *   DVSEC (0x0023) at MOCKDMA_ECAP_DVSEC: vendor MOCKDMA_VENDOR_ID, DVSEC
 *     ID MOCKDMA_DVSEC_ID, 16 bytes; a u32 scratch at +MOCKDMA_DVSEC_SCRATCH
 *     (writable, reset).
 */
#define MOCKDMA_CAP_PCIX	0x48
#define MOCKDMA_CAP_VPD		0x84
#define MOCKDMA_CAP_AF		0xcc
#define MOCKDMA_CAP_HT		0xd4
#define MOCKDMA_CAP_HT_LEN	28
#define MOCKDMA_ECAP_VC		0x200
#define MOCKDMA_ECAP_VC_LEN	0x40
#define MOCKDMA_VC_ARB_TABLE	0x30
#define MOCKDMA_ECAP_ACS	0x250
#define MOCKDMA_ECAP_ACS_LEN	12
#define MOCKDMA_ECAP_REBAR	0x260
#define MOCKDMA_ECAP_REBAR_LEN	12
#define MOCKDMA_ECAP_DPA	0x270
#define MOCKDMA_ECAP_DPA_LEN	20
#define MOCKDMA_DPA_ALLOC0	100	/* substate 0's power allocation */
#define MOCKDMA_ECAP_TPH	0x288
#define MOCKDMA_ECAP_TPH_LEN	20
#define MOCKDMA_ECAP_DVSEC	0x2a0
#define MOCKDMA_ECAP_DVSEC_LEN	16
#define MOCKDMA_DVSEC_ID	0x0001
#define MOCKDMA_DVSEC_SCRATCH	12
#define MOCKDMA_VPD_ID		"MOCKDMA VPD"
#define MOCKDMA_VPD_PN		"MOCK-001"
#define MOCKDMA_VPD_W_DATA	0x28
#define MOCKDMA_VPD_W_LEN	16
#define MOCKDMA_VPD_LEN		0x39

/* Vendor-specific capability body (after ID, next and length bytes). */
#define MOCKDMA_VNDR_LEN	16
#define MOCKDMA_VNDR_VERSION	3	/* u8:  MOCKDMA_REG_VERSION */
#define MOCKDMA_VNDR_MAGIC	4	/* u32: MOCKDMA_MAGIC */
#define MOCKDMA_VNDR_MEM_KB	8	/* u32: BAR2 size in KiB */
#define MOCKDMA_VNDR_VECTORS	12	/* u16: MSI-X vectors */
#define MOCKDMA_VNDR_MSI	14	/* u8:  MSI messages */
#define MOCKDMA_VNDR_DMA_BITS	15	/* u8:  DMA address bits */

/*
 * vndr-writable=on: bytes 1-15 of the vendor capability at
 * MOCKDMA_CAP_VNDR (next pointer, length, body; not the ID) take config
 * writes, so a user can rewrite the capability list at run time.  Every
 * device reset (FLR, PM, bus, machine) restores them.
 */
#define MOCKDMA_VNDR_WRITABLE_FIRST	1
#define MOCKDMA_VNDR_WRITABLE_LEN	(MOCKDMA_VNDR_LEN - 1)

/*
 * BAR0 registers. 32-bit registers take 4-byte accesses; 64-bit ones
 * take one 8-byte access or two 4-byte accesses (low half first).
 */
#define MOCKDMA_REG_MAGIC	0x000	/* RO MOCKDMA_MAGIC */
#define MOCKDMA_REG_VERSION	0x004	/* RO MOCKDMA_VERSION */
#define MOCKDMA_REG_FEATURES	0x008	/* RO MOCKDMA_FEAT_* */
#define MOCKDMA_REG_CTRL	0x00c	/* RW MOCKDMA_CTRL_* */
#define MOCKDMA_REG_STATUS	0x010	/* RO MOCKDMA_STATUS_* */
#define MOCKDMA_REG_SCRATCH	0x014	/* RW, cleared by every reset */
#define MOCKDMA_REG_RESET_COUNT	0x018	/* RO, survives resets: resets seen */
#define MOCKDMA_REG_LAST_RESET	0x01c	/* RO, survives resets: MOCKDMA_RESET_* */

#define MOCKDMA_REG_IRQ_STATUS	0x020	/* RW1C MOCKDMA_IRQ_* causes */
#define MOCKDMA_REG_IRQ_ENABLE	0x024	/* RW causes that raise an interrupt */
#define MOCKDMA_REG_SWINT	0x028	/* WO vector number: raise it now */
#define MOCKDMA_REG_ERR_VECTOR	0x02c	/* RW vector for MOCKDMA_IRQ_DMA_ERR */
#define MOCKDMA_REG_INTX_FORCE	0x030	/* RW 1: assert INTx with no cause */
#define MOCKDMA_REG_KNOBS	0x034	/* RW MOCKDMA_KNOB_* misbehaviour */
#define MOCKDMA_REG_AER_COR	0x038	/* WO inject correctable AER status bits */
#define MOCKDMA_REG_AER_UNC	0x03c	/* WO inject uncorrectable AER status bits */

#define MOCKDMA_REG_RING_BASE	0x040	/* RW 64: IOVA of descriptor ring */
#define MOCKDMA_REG_RING_SIZE	0x048	/* RW entries, power of 2 */
#define MOCKDMA_REG_RING_HEAD	0x04c	/* RO next descriptor the device runs */
#define MOCKDMA_REG_RING_TAIL	0x050	/* RW doorbell: first free slot */
#define MOCKDMA_REG_DMA_DELAY	0x054	/* RW microseconds per descriptor */
#define MOCKDMA_REG_DESC_DONE	0x058	/* RO descriptors completed */
#define MOCKDMA_REG_DESC_ERR	0x05c	/* RO descriptors completed in error */
#define MOCKDMA_REG_FAULT_IOVA	0x060	/* RO 64: last IOVA the IOMMU refused */
#define MOCKDMA_REG_LAST_ERROR	0x068	/* RO last MOCKDMA_ST_* error */
#define MOCKDMA_REG_INTX_COUNT	0x06c	/* RO INTx assertions (0 -> 1) */

#define MOCKDMA_REG_ROGUE_ADDR	0x070	/* RW 64: IOVA for a direct DMA */
#define MOCKDMA_REG_ROGUE_DATA	0x078	/* RW 64: value written / read */
#define MOCKDMA_REG_ROGUE_CTRL	0x080	/* WO MOCKDMA_ROGUE_*: do it now */
#define MOCKDMA_REG_ROGUE_STATUS 0x084	/* RO MOCKDMA_ST_* of the last one */
#define MOCKDMA_REG_CAP_HOSTILE	0x088	/* RO MOCKDMA_HOSTILE_* (cap-hostile) */

#define MOCKDMA_REG_IRQ_COUNT	0x100	/* RO u32[64]: messages sent per vector */

#define MOCKDMA_MAGIC		0x4b434f4d	/* the bytes "MOCK" */
#define MOCKDMA_VERSION		1

#define MOCKDMA_FEAT_MSI	(1u << 0)
#define MOCKDMA_FEAT_MSIX	(1u << 1)
#define MOCKDMA_FEAT_FLR	(1u << 2)	/* FLR advertised ("flr" property) */
#define MOCKDMA_FEAT_AER	(1u << 3)	/* AER capability present */
#define MOCKDMA_FEAT_SUBPAGE	(1u << 4)	/* BAR5 is a memory BAR */
#define MOCKDMA_FEAT_PM		(1u << 5)	/* PM capability ("pm" property) */
#define MOCKDMA_FEAT_SRIOV	(1u << 6)	/* SR-IOV PF ("sriov" property) */
#define MOCKDMA_FEAT_VNDR_WRITABLE (1u << 7)	/* "vndr-writable" property */
#define MOCKDMA_FEAT_CAP_HOSTILE (1u << 8)	/* a "cap-hostile" layout */
#define MOCKDMA_FEAT_CAP_EXTRA	(1u << 9)	/* "cap-extra" property */

#define MOCKDMA_CTRL_ENABLE	(1u << 0)	/* run descriptors */
#define MOCKDMA_CTRL_HALT_ON_ERR (1u << 1)	/* stop the ring at an error */

#define MOCKDMA_STATUS_BUSY	(1u << 0)	/* descriptors outstanding */
#define MOCKDMA_STATUS_HALTED	(1u << 1)	/* stopped by an error; CTRL 0->1 resumes */
#define MOCKDMA_STATUS_HUNG	(1u << 2)	/* KNOB_HANG_DMA caught a descriptor */
#define MOCKDMA_STATUS_INTX	(1u << 3)	/* device drives INTx (before DisINTx) */

#define MOCKDMA_RESET_NONE	0
#define MOCKDMA_RESET_FLR	1	/* function-level reset */
#define MOCKDMA_RESET_PM	2	/* D3hot -> D0 with NoSoftRst clear */
#define MOCKDMA_RESET_BUS	3	/* secondary bus, system or QEMU reset */
#define MOCKDMA_RESET_AF_FLR	4	/* FLR through Advanced Features (cap-extra) */

/*
 * Interrupt causes. Every event sets its bit in IRQ_STATUS. In INTx mode
 * INTx is asserted while IRQ_STATUS & IRQ_ENABLE (or INTX_FORCE) is
 * non-zero. With MSI or MSI-X every event of a cause set in IRQ_ENABLE
 * sends one message (MSI: vector modulo the messages enabled), whatever
 * IRQ_STATUS holds; IRQ_COUNT[vector] counts them, including those left
 * pending by a masked MSI-X vector.
 */
#define MOCKDMA_IRQ_DMA_DONE	(1u << 0)	/* a descriptor with F_IRQ completed */
#define MOCKDMA_IRQ_DMA_ERR	(1u << 1)	/* a descriptor failed (ERR_VECTOR) */
#define MOCKDMA_IRQ_SWINT	(1u << 2)	/* SWINT was written */

#define MOCKDMA_KNOB_IGNORE_DISINTX (1u << 0)	/* keep INTx asserted: DisINTx writes are dropped */
#define MOCKDMA_KNOB_HANG_DMA	(1u << 1)	/* next descriptor never completes until reset */
#define MOCKDMA_KNOB_REFUSE_FLR	(1u << 2)	/* initiate-FLR (PCIe or AF) is accepted and ignored */
#define MOCKDMA_KNOB_ERR_AER	(1u << 3)	/* a DMA fault also reports an AER error */
#define MOCKDMA_KNOBS_ALL	0xfu

#define MOCKDMA_ROGUE_WRITE	1	/* write ROGUE_DATA (8 bytes) at ROGUE_ADDR */
#define MOCKDMA_ROGUE_READ	2	/* read 8 bytes at ROGUE_ADDR into ROGUE_DATA */
/*
 * Ask the IOMMU, as a read of ROGUE_ADDR would, and touch nothing:
 * ROGUE_DATA gets the size of the IOMMU page that maps it (4 KiB, 2 MiB,
 * 1 GiB; 4 KiB with no IOMMU), or READ_FAULT if nothing maps it.
 */
#define MOCKDMA_ROGUE_TRANSLATE	3

/* Descriptor: 64 bytes in guest memory, MOCKDMA_REG_RING_SIZE of them. */
struct mockdma_desc {
	uint16_t opcode;	/* MOCKDMA_OP_* */
	uint16_t flags;		/* MOCKDMA_F_* */
	uint16_t vector;	/* MSI/MSI-X vector when F_IRQ is set */
	uint16_t rsvd0;
	uint32_t len;		/* bytes, 1 .. MOCKDMA_MAX_XFER */
	uint32_t rsvd1;
	uint64_t src;		/* IOVA, or BAR2 offset with F_SRC_DEV */
	uint64_t dst;		/* IOVA, or BAR2 offset with F_DST_DEV */
	uint64_t imm;		/* FILL pattern, WRITE_IMM value */
	uint64_t cookie;	/* untouched by the device */
	/* written back by the device, status last */
	uint32_t status;	/* MOCKDMA_ST_*; 0 while not complete */
	uint32_t done;		/* bytes done; COMPARE: offset of first mismatch */
	uint64_t fault_iova;	/* IOVA the IOMMU refused, with ST_*_FAULT */
};

_Static_assert(sizeof(struct mockdma_desc) == 64, "descriptor is 64 bytes");

#define MOCKDMA_OP_NOP		0
#define MOCKDMA_OP_COPY		1	/* len bytes src -> dst */
#define MOCKDMA_OP_FILL		2	/* dst with the 8-byte pattern imm */
#define MOCKDMA_OP_COMPARE	3	/* src vs dst; ST_MISCOMPARE, done = offset */
#define MOCKDMA_OP_WRITE_IMM	4	/* len (1, 2, 4 or 8) bytes of imm to dst */

#define MOCKDMA_F_IRQ		(1u << 0)	/* interrupt on completion */
#define MOCKDMA_F_SRC_DEV	(1u << 1)	/* src is a BAR2 offset */
#define MOCKDMA_F_DST_DEV	(1u << 2)	/* dst is a BAR2 offset */

#define MOCKDMA_ST_PENDING	0
#define MOCKDMA_ST_OK		1
#define MOCKDMA_ST_READ_FAULT	2	/* IOMMU refused a read: fault_iova */
#define MOCKDMA_ST_WRITE_FAULT	3	/* IOMMU refused a write: fault_iova */
#define MOCKDMA_ST_BAD_OP	4	/* unknown opcode or flags */
#define MOCKDMA_ST_BAD_LEN	5	/* len 0, too long, or outside BAR2 */
#define MOCKDMA_ST_MISCOMPARE	6
/* A reset never writes back: a descriptor caught by it stays PENDING. */

#endif /* MOCKDMA_H */
