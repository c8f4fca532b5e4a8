/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mockdma: the lab's DMA test device (include/mockdma.h is its register
 * map), driven from user space through the VFIO API on either driver.
 *
 * A device is opened by its scenario id: container, group, type1 v2 IOMMU,
 * device fd, then BAR0 mmap()ed when the driver allows it (pread/pwrite on
 * the region otherwise) and memory decode plus bus master turned on.
 * Memory the device may reach is anonymous memory mapped at an IOVA the
 * caller picks.  Descriptors go into a ring in such memory; submitting
 * writes them and rings the doorbell, waiting polls the status word the
 * device writes back last, or reads an interrupt eventfd.
 *
 * Functions return 0 (or a non-negative count) on success and a negative
 * errno on failure, and never exit.  Interrupt set-up returns the
 * driver's answer unchanged: -ENOTTY means the driver has no
 * VFIO_DEVICE_SET_IRQS, which a test reports as a SKIP.
 *
 * Note the name: this file is the library; the device's contract is
 * include/mockdma.h, included below by its path so both are always seen.
 */
#ifndef MOCKDMA_LIB_H
#define MOCKDMA_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "../../include/mockdma.h"
#include "vfio_lab.h"

#define MOCKDMA_DEFAULT_MEM_SIZE	(1u << 20)
#define MOCKDMA_DEFAULT_VECTORS		8
#define MOCKDMA_DEFAULT_MSI		4
#define MOCKDMA_DEFAULT_DMA_BITS	64
/* How long one descriptor may take under TCG before a wait gives up. */
#define MOCKDMA_TIMEOUT_MS		5000

struct mockdma {
	struct vfio_lab_dev dev;
	volatile uint8_t *regs;		/* BAR0 mmap, or NULL: pread/pwrite */
	volatile uint8_t *mem;		/* BAR2 mmap, or NULL: pread/pwrite */
	uint64_t regs_size;		/* BAR0, from the region info */
	uint64_t mem_size;		/* BAR2, from the region info */
};

/* Anonymous memory mapped for the device at iova. */
struct mockdma_buf {
	uint8_t *va;
	uint64_t iova;
	size_t size;
	bool mapped;			/* VFIO_IOMMU_MAP_DMA succeeded */
};

/* A descriptor ring and the driver's side of it. */
struct mockdma_ring {
	struct mockdma_buf mem;
	uint32_t entries;
	uint32_t tail;			/* next slot to fill, as RING_TAIL */
};

/* Eventfds of one VFIO interrupt index, one per vector. */
struct mockdma_irqs {
	uint32_t index;			/* VFIO_PCI_{INTX,MSI,MSIX}_IRQ_INDEX */
	uint32_t count;			/* vectors with an eventfd */
	int fd[MOCKDMA_MAX_VECTORS];
};

/*
 * The QEMU properties a scenario gave a device, for tests to check that
 * they reached it: the harness copies the device line's key=value words
 * into /etc/upcilab/devices (QEMU's spelling: mem-size=2M, flr=off); what
 * the line does not name has the model's default.
 */
struct mockdma_props {
	uint64_t mem_size;
	uint32_t vectors;
	uint32_t msi_vectors;
	uint32_t dma_bits;
	uint32_t intx_pin;		/* 0..3: INTA..INTD */
	bool flr, aer, pm, subpage;
};

/* The defaults, then the scenario's values; -EINVAL (why) for a bad one. */
int mockdma_props_load(const char *id, struct mockdma_props *p, char *why,
		       size_t size);

/* ---- opening ---- */

/*
 * Open the device the scenario calls id, which must be bound to the
 * driver under test.  -ENODEV/-ENOENT when it is not (why says so: a
 * test SKIPs then); any later failure names its step in why.
 */
int mockdma_open(struct mockdma *m, const char *id, char *why, size_t size);
/*
 * The BDF of the scenario's mockdma @id if it is bound to the driver under
 * test and the vIOMMU can translate its DMA; else -ENODEV with why.
 */
int mockdma_device_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE], char *why,
		       size_t size);
int mockdma_open_bdf(struct mockdma *m, const char *bdf, char *why,
		     size_t size);
void mockdma_close(struct mockdma *m);
/* MAGIC and VERSION read back as the header says. */
bool mockdma_present(struct mockdma *m);

/* ---- registers (BAR0) ---- */

int mockdma_read32(struct mockdma *m, uint32_t reg, uint32_t *val);
int mockdma_write32(struct mockdma *m, uint32_t reg, uint32_t val);
/* One 8-byte access. */
int mockdma_read64(struct mockdma *m, uint32_t reg, uint64_t *val);
int mockdma_write64(struct mockdma *m, uint32_t reg, uint64_t val);
/* IRQ_COUNT[vector]. */
int mockdma_irq_count(struct mockdma *m, uint32_t vector, uint32_t *val);
/*
 * The size of the IOMMU page that maps iova, as the device sees it
 * (ROGUE_CTRL TRANSLATE): 0, or -EFAULT when nothing maps it.
 */
int mockdma_iommu_page(struct mockdma *m, uint64_t iova, uint64_t *size);

/* ---- device memory (BAR2) ---- */

int mockdma_mem_read(struct mockdma *m, uint64_t off, void *buf, size_t len);
int mockdma_mem_write(struct mockdma *m, uint64_t off, const void *buf,
		      size_t len);

/* ---- config space ---- */

/* PCI_COMMAND through the device fd: set, then clear, bits. */
int mockdma_command_update(struct mockdma *m, uint16_t set, uint16_t clear);
/*
 * Raw config space as the guest kernel sees the hardware (sysfs config,
 * root only): VFIO virtualizes parts of what the device fd shows.
 */
int mockdma_raw_config_read(const char *bdf, unsigned int off, void *buf,
			    size_t len);
int mockdma_raw_config_write(const char *bdf, unsigned int off,
			     const void *buf, size_t len);
/*
 * Offset of a capability in a config-space image (walking the list from
 * PCI_CAPABILITY_LIST), or -ENOENT.  The extended one walks from 0x100.
 */
int mockdma_cap_offset(const uint8_t *cfg, size_t len, uint8_t id);
int mockdma_ecap_offset(const uint8_t *cfg, size_t len, uint16_t id);

/* VFIO_DEVICE_RESET. */
int mockdma_reset(struct mockdma *m);

/* ---- DMA memory ---- */

/*
 * size bytes (page multiple) of zeroed anonymous memory mapped at iova
 * with VFIO_DMA_MAP_FLAG_* flags (0 means read and write).
 */
int mockdma_buf_alloc(struct mockdma *m, struct mockdma_buf *b, uint64_t iova,
		      size_t size, uint32_t map_flags);
/* Unmap (if mapped) and free; safe on a zeroed or freed buffer. */
int mockdma_buf_free(struct mockdma *m, struct mockdma_buf *b);

/* ---- the descriptor ring ---- */

/*
 * Allocate and map entries descriptors (a power of 2) at iova, stop the
 * engine, program RING_BASE and RING_SIZE, start from the device's
 * RING_HEAD, and set CTRL to ENABLE | ctrl_extra.
 */
int mockdma_ring_init(struct mockdma *m, struct mockdma_ring *r, uint64_t iova,
		      uint32_t entries, uint32_t ctrl_extra);
/* Reprogram the device for a ring already allocated (e.g. after reset). */
int mockdma_ring_program(struct mockdma *m, struct mockdma_ring *r,
			 uint32_t ctrl_extra);
int mockdma_ring_free(struct mockdma *m, struct mockdma_ring *r);
/* The descriptor in slot (taken modulo the ring size). */
volatile struct mockdma_desc *mockdma_ring_desc(const struct mockdma_ring *r,
						uint32_t slot);
/* Slots free for submission now: entries - 1 - outstanding. */
int mockdma_ring_space(struct mockdma *m, struct mockdma_ring *r,
		       uint32_t *space);
/*
 * Write n descriptors at the tail (their write-back fields zeroed), then
 * ring the doorbell once.  *first gets the first slot (may be NULL).
 * -ENOSPC when the ring has no room for n.
 */
int mockdma_submit(struct mockdma *m, struct mockdma_ring *r,
		   const struct mockdma_desc *descs, uint32_t n,
		   uint32_t *first);
/*
 * Poll the slot's status until the device writes it back: 0 with the
 * status in *status (may be NULL), -ETIMEDOUT after timeout_ms.
 */
int mockdma_wait_desc(const struct mockdma_ring *r, uint32_t slot,
		      int timeout_ms, uint32_t *status);
/* The same for n consecutive slots; -ETIMEDOUT if any is not back. */
int mockdma_wait_descs(const struct mockdma_ring *r, uint32_t first,
		       uint32_t n, int timeout_ms);
/* Copy the slot's descriptor out (status read first, then the rest). */
void mockdma_desc_read(const struct mockdma_ring *r, uint32_t slot,
		       struct mockdma_desc *out);
/*
 * Submit one descriptor and wait for it; *out gets it as written back.
 * Returns 0 once it completed, whatever its status.
 */
int mockdma_run(struct mockdma *m, struct mockdma_ring *r,
		const struct mockdma_desc *d, struct mockdma_desc *out);

/* Descriptor builders. */
struct mockdma_desc mockdma_desc_copy(uint64_t src, uint64_t dst,
				      uint32_t len, uint16_t flags);
struct mockdma_desc mockdma_desc_fill(uint64_t dst, uint64_t pattern,
				      uint32_t len, uint16_t flags);
struct mockdma_desc mockdma_desc_compare(uint64_t src, uint64_t dst,
					 uint32_t len, uint16_t flags);
struct mockdma_desc mockdma_desc_write_imm(uint64_t dst, uint64_t val,
					   uint32_t len, uint16_t flags);
struct mockdma_desc mockdma_desc_nop(uint16_t flags);

/* ---- interrupts ---- */

/* VFIO_DEVICE_GET_IRQ_INFO of an index. */
int mockdma_irq_info(struct mockdma *m, uint32_t index,
		     struct vfio_irq_info *info);
/*
 * count eventfds (non-blocking) triggered by vectors 0..count-1 of index
 * (VFIO_PCI_INTX_IRQ_INDEX: count 1).  The driver's answer as it is:
 * -ENOTTY when it has no VFIO_DEVICE_SET_IRQS.
 */
int mockdma_irqs_enable(struct mockdma *m, struct mockdma_irqs *irqs,
			uint32_t index, uint32_t count);
/*
 * Tell the driver to stop, close the eventfds.  Does nothing when count
 * is 0 (a zeroed struct, or already disabled).
 */
int mockdma_irqs_disable(struct mockdma *m, struct mockdma_irqs *irqs);
/* INTx is masked by the driver when it fires: unmask it. */
int mockdma_intx_unmask(struct mockdma *m);
/*
 * An eventfd's counter: read (and reset) it; 0 if it was not signalled.
 * The wait variant blocks up to timeout_ms for a signal (-ETIMEDOUT).
 */
int mockdma_eventfd_take(int fd, uint64_t *count);
int mockdma_eventfd_wait(int fd, int timeout_ms, uint64_t *count);

/* ---- diagnostics ---- */

const char *mockdma_status_name(uint32_t status);	/* "READ_FAULT" */
const char *mockdma_op_name(uint16_t opcode);		/* "COPY" */
const char *mockdma_reset_name(uint32_t reset);		/* "FLR" */
/* "COPY len 4096 src 0x... dst 0x... -> READ_FAULT done 0 fault_iova 0x..." */
int mockdma_desc_describe(const struct mockdma_desc *d, char *buf,
			  size_t size);
/* STATUS, LAST_ERROR, FAULT_IOVA, DESC_DONE/ERR, RING_HEAD/TAIL as a line. */
int mockdma_describe_state(struct mockdma *m, char *buf, size_t size);


/* Milliseconds on CLOCK_MONOTONIC (for waits and benchmarks). */
double mockdma_now_ms(void);

#endif /* MOCKDMA_LIB_H */
