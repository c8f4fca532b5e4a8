/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu: QEMU's educational PCI device (docs/specs/edu.rst in QEMU), driven
 * through a VFIO device fd.
 *
 * BAR0 (1 MiB) holds the registers.  Its DMA engine copies between bus
 * addresses (for us: IOVAs) and a 4 KiB buffer inside the device, which the
 * registers address at EDU_DMA_BUF.  A transfer starts 100 ms (QEMU
 * virtual time) after the command is written and clears EDU_DMA_RUN when
 * done.  Two traps, both from DESIGN.md:
 *  - QEMU 7.2's range check is off by one: a transfer that touches the
 *    buffer's last byte aborts the whole emulator.  The helpers here
 *    refuse such a transfer (-EINVAL) before it reaches the device;
 *  - the device masks bus addresses to 28 bits, so IOVAs must stay below
 *    EDU_DMA_MASK.
 * edu has no reset method: its registers survive a close and reopen.
 */
#ifndef EDU_H
#define EDU_H

#include <stdbool.h>
#include <stdint.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8
#define EDU_BAR			0
#define EDU_BAR_SIZE		(1u << 20)

/* Registers (offsets in BAR0); below 0x80 only 4-byte access works. */
#define EDU_REG_ID		0x00	/* 0xRRrr00ed: major, minor, magic */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of the write */
#define EDU_REG_FACTORIAL	0x08
#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* ORs the value into IRQ_STATUS, raises */
#define EDU_REG_IRQ_ACK		0x64	/* clears those bits; INTx drops at 0 */
#define EDU_REG_DMA_SRC		0x80	/* 4 or 8 bytes */
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC_MASK	0xff
#define EDU_ID_MAGIC		0xed

#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2	/* direction: device buffer to RAM */
#define EDU_DMA_IRQ		0x4

#define EDU_DMA_BUF		0x40000
#define EDU_DMA_BUF_SIZE	4096
/* The most a transfer may touch: never the buffer's last byte. */
#define EDU_DMA_USABLE		(EDU_DMA_BUF_SIZE - 1)
#define EDU_DMA_MASK		((1ull << 28) - 1)

/* How long to wait for a transfer (its timer is 100 ms of QEMU time). */
#define EDU_DMA_TIMEOUT_MS	3000

/* True if the device fd's BAR0 reads back edu's magic. */
bool edu_present(int device);

int edu_read32(int device, uint32_t reg, uint32_t *val);
int edu_write32(int device, uint32_t reg, uint32_t val);

/*
 * Start a transfer of count bytes between the IOVA and the device buffer
 * at buf_off (0..EDU_DMA_USABLE - count), without waiting.  -EINVAL for a
 * transfer that would touch the buffer's last byte or an IOVA past the
 * DMA mask.
 */
int edu_dma_start(int device, uint64_t iova, uint32_t buf_off, uint32_t count,
		  bool to_ram);
/* Wait for EDU_DMA_RUN to clear: 0, or -ETIMEDOUT after timeout_ms. */
int edu_dma_wait(int device, int timeout_ms);
/* Start, then wait the default timeout. */
int edu_dma_to_ram(int device, uint32_t buf_off, uint64_t iova, uint32_t count);
int edu_dma_from_ram(int device, uint64_t iova, uint32_t buf_off,
		     uint32_t count);

#endif /* EDU_H */
