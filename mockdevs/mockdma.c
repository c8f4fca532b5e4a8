// SPDX-License-Identifier: GPL-2.0
/*
 * mockdma: the upci lab's DMA test device, a PCIe endpoint with a
 * descriptor-ring DMA engine, INTx/MSI/MSI-X, FLR, PM reset, AER and
 * knobs that make it misbehave on command. The register map is
 * include/mockdma.h; mockdevs/README.md documents it.
 *
 * Every transfer goes through pci_dma_read/write, so the vIOMMU translates
 * it, one page at a time: a refused page ends the descriptor with a fault
 * status and the IOVA that faulted, and nothing after it is touched.
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/range.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/qmp/qdict.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"
#include "hw/pci/pcie_sriov.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/dma.h"
#include "sysemu/sysemu.h"

#include "trace/trace-hw_misc.h"
#include "mockdma.h"

/* QEMU builds without -Werror; this file is held to it. */
#pragma GCC diagnostic error "-Wall"
#pragma GCC diagnostic error "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-parameter"	/* QEMU callbacks */

#define TYPE_MOCKDMA "mockdma"
OBJECT_DECLARE_SIMPLE_TYPE(MockDmaState, MOCKDMA)
#define TYPE_MOCKDMA_VF "mockdma-vf"
OBJECT_DECLARE_SIMPLE_TYPE(MockDmaVfState, MOCKDMA_VF)

#define MOCKDMA_PAGE		4096u
#define MOCKDMA_MSIX_BAR_SIZE	4096u
#define MOCKDMA_MSIX_PBA	2048u
#define MOCKDMA_BATCH		256	/* descriptors per bottom-half run */
#define MOCKDMA_ROM_PCIR	0x1c

struct MockDmaState {
	PCIDevice parent_obj;

	MemoryRegion regs;
	MemoryRegion mem;
	MemoryRegion msix_bar;
	MemoryRegion small;
	MemoryRegion rom;
	QEMUBH *bh;
	QEMUTimer *timer;

	/* properties */
	uint64_t mem_size;
	uint32_t vectors;
	uint32_t msi_vectors;
	uint8_t dma_bits;
	uint8_t intx_pin;
	bool flr;
	bool aer;
	bool pm;
	bool subpage;
	char *cap_hostile;
	bool vndr_writable;
	bool sriov;
	uint16_t total_vfs;
	bool cap_extra;

	/* from the properties, at realize */
	uint32_t hostile;		/* MOCKDMA_HOSTILE_* */
	uint8_t hostile_tail;		/* capability linked to the hostile one */
	uint8_t vndr_saved[MOCKDMA_VNDR_LEN];	/* vndr-writable: reset to it */

	/* cap-extra's VPD image: survives resets, as an EEPROM */
	uint8_t vpd[MOCKDMA_VPD_LEN];

	/* registers, cleared by every reset */
	uint32_t ctrl;
	uint32_t scratch;
	uint32_t irq_status;
	uint32_t irq_enable;
	uint32_t err_vector;
	uint32_t intx_force;
	uint32_t knobs;
	uint64_t ring_base;
	uint32_t ring_size;
	uint32_t ring_head;
	uint32_t ring_tail;
	uint32_t dma_delay_us;
	uint32_t desc_done;
	uint32_t desc_err;
	uint64_t fault_iova;
	uint32_t last_error;
	uint32_t intx_count;
	uint64_t rogue_addr;
	uint64_t rogue_data;
	uint32_t rogue_status;
	uint32_t irq_count[MOCKDMA_MAX_VECTORS];
	bool halted;
	bool hung;
	bool intx_level;
	uint8_t small_regs[MOCKDMA_BAR5_SIZE];

	/* survive resets */
	uint32_t reset_count;
	uint32_t last_reset;
	uint32_t reset_kind;	/* set around a reset this device starts */

	uint8_t bounce[MOCKDMA_PAGE];
	uint8_t bounce2[MOCKDMA_PAGE];
};

/* the device's -device id, for the trace */
static const char *mockdma_id(MockDmaState *s)
{
	return DEVICE(s)->id ? DEVICE(s)->id : "mockdma";
}

static uint64_t mockdma_dma_mask(const MockDmaState *s)
{
	return s->dma_bits >= 64 ? UINT64_MAX : (1ull << s->dma_bits) - 1;
}

static uint8_t *mockdma_mem_ptr(MockDmaState *s)
{
	return memory_region_get_ram_ptr(&s->mem);
}

/* --- interrupts --- */

static bool mockdma_msi_mode(PCIDevice *pdev)
{
	return msix_enabled(pdev) || msi_enabled(pdev);
}

static void mockdma_update_intx(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	bool level = !mockdma_msi_mode(pdev) &&
		     ((s->irq_status & s->irq_enable) || s->intx_force);

	if (level && !s->intx_level)
		s->intx_count++;
	s->intx_level = level;
	pci_set_irq(pdev, level);
}

/* One event of @cause, for @vector when messages are in use. */
static void mockdma_raise(MockDmaState *s, uint32_t cause, unsigned int vector)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	s->irq_status |= cause;
	if (!(s->irq_enable & cause))
		return;
	if (msix_enabled(pdev)) {
		if (vector >= s->vectors) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "mockdma: MSI-X vector %u >= %u\n",
				      vector, s->vectors);
			return;
		}
		s->irq_count[vector]++;
		msix_notify(pdev, vector);
	} else if (msi_enabled(pdev)) {
		vector %= msi_nr_vectors_allocated(pdev);
		s->irq_count[vector]++;
		msi_notify(pdev, vector);
	} else {
		mockdma_update_intx(s);
	}
}

/*
 * QEMU 7.2 keeps pcie_aer_inject_error() static; its HMP command is the
 * public way in (QEMU 8.0 exports the function). It finds the device by
 * its qdev id and takes one status bit at a time.
 */
static void mockdma_inject_aer(MockDmaState *s, uint32_t bits, bool cor)
{
	DeviceState *dev = DEVICE(s);

	if (!s->aer || !dev->id) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "mockdma: AER injection needs aer=on and an id\n");
		return;
	}
	for (int bit = 0; bit < 32; bit++) {
		uint8_t *lnkcap = PCI_DEVICE(s)->config +
				  PCI_DEVICE(s)->exp.exp_cap + PCI_EXP_LNKCAP;
		uint32_t saved = pci_get_long(lnkcap);
		QDict *args;
		char status[16];

		if (!(bits & (1u << bit)))
			continue;
		snprintf(status, sizeof(status), "0x%x", 1u << bit);
		args = qdict_new();
		qdict_put_str(args, "id", dev->id);
		qdict_put_str(args, "error_status", status);
		qdict_put_bool(args, "correctable", cor);
		hmp_pcie_aer_inject_error(NULL, args);
		qobject_unref(args);
		/*
		 * 7.2's uncorrectable path stores DevSta with a 32-bit write
		 * that zeroes LnkCap[15:0] behind it; LnkCap is read-only.
		 */
		pci_set_long(lnkcap, saved);
	}
}

/* --- DMA engine --- */

/* Bytes from @addr up to the next page boundary, at most @left. */
static uint32_t mockdma_chunk(uint64_t addr, uint32_t left)
{
	uint32_t room = MOCKDMA_PAGE - (addr & (MOCKDMA_PAGE - 1));

	return MIN(room, left);
}

static bool mockdma_dev_range_ok(MockDmaState *s, uint64_t off, uint32_t len)
{
	return off < s->mem_size && len <= s->mem_size - off;
}

/* Read @len (<= one page) at @addr into @buf: from BAR2 or by DMA. */
static bool mockdma_src_read(MockDmaState *s, bool dev, uint64_t addr,
			     void *buf, uint32_t len)
{
	if (dev) {
		memcpy(buf, mockdma_mem_ptr(s) + addr, len);
		return true;
	}
	return pci_dma_read(PCI_DEVICE(s), addr & mockdma_dma_mask(s), buf,
			    len) == MEMTX_OK;
}

static bool mockdma_dst_write(MockDmaState *s, bool dev, uint64_t addr,
			      const void *buf, uint32_t len)
{
	if (dev) {
		memcpy(mockdma_mem_ptr(s) + addr, buf, len);
		return true;
	}
	return pci_dma_write(PCI_DEVICE(s), addr & mockdma_dma_mask(s), buf,
			     len) == MEMTX_OK;
}

struct mockdma_result {
	uint32_t status;
	uint32_t done;
	uint64_t fault;
};

static void mockdma_fault(struct mockdma_result *r, uint32_t status,
			  uint64_t iova)
{
	r->status = status;
	r->fault = iova;
}

static void mockdma_op_copy(MockDmaState *s, const struct mockdma_desc *d,
			    struct mockdma_result *r)
{
	bool sdev = d->flags & MOCKDMA_F_SRC_DEV;
	bool ddev = d->flags & MOCKDMA_F_DST_DEV;

	while (r->done < d->len) {
		uint64_t src = d->src + r->done, dst = d->dst + r->done;
		uint32_t n = mockdma_chunk(src, d->len - r->done);

		n = mockdma_chunk(dst, n);
		if (!mockdma_src_read(s, sdev, src, s->bounce, n)) {
			mockdma_fault(r, MOCKDMA_ST_READ_FAULT, src);
			return;
		}
		if (!mockdma_dst_write(s, ddev, dst, s->bounce, n)) {
			mockdma_fault(r, MOCKDMA_ST_WRITE_FAULT, dst);
			return;
		}
		r->done += n;
	}
}

static void mockdma_op_fill(MockDmaState *s, const struct mockdma_desc *d,
			    struct mockdma_result *r)
{
	bool ddev = d->flags & MOCKDMA_F_DST_DEV;
	uint64_t pattern = cpu_to_le64(d->imm);

	while (r->done < d->len) {
		uint64_t dst = d->dst + r->done;
		uint32_t n = mockdma_chunk(dst, d->len - r->done);

		/* the pattern is anchored at dst, whatever the alignment */
		for (uint32_t i = 0; i < n; i++)
			s->bounce[i] = ((uint8_t *)&pattern)[(r->done + i) % 8];
		if (!mockdma_dst_write(s, ddev, dst, s->bounce, n)) {
			mockdma_fault(r, MOCKDMA_ST_WRITE_FAULT, dst);
			return;
		}
		r->done += n;
	}
}

static void mockdma_op_compare(MockDmaState *s, const struct mockdma_desc *d,
			       struct mockdma_result *r)
{
	bool sdev = d->flags & MOCKDMA_F_SRC_DEV;
	bool ddev = d->flags & MOCKDMA_F_DST_DEV;

	while (r->done < d->len) {
		uint64_t src = d->src + r->done, dst = d->dst + r->done;
		uint32_t n = mockdma_chunk(src, d->len - r->done);

		n = mockdma_chunk(dst, n);
		if (!mockdma_src_read(s, sdev, src, s->bounce, n)) {
			mockdma_fault(r, MOCKDMA_ST_READ_FAULT, src);
			return;
		}
		if (!mockdma_src_read(s, ddev, dst, s->bounce2, n)) {
			mockdma_fault(r, MOCKDMA_ST_READ_FAULT, dst);
			return;
		}
		for (uint32_t i = 0; i < n; i++) {
			if (s->bounce[i] != s->bounce2[i]) {
				r->done += i;
				r->status = MOCKDMA_ST_MISCOMPARE;
				return;
			}
		}
		r->done += n;
	}
}

static void mockdma_op_write_imm(MockDmaState *s, const struct mockdma_desc *d,
				 struct mockdma_result *r)
{
	uint64_t v = cpu_to_le64(d->imm);

	if (!mockdma_dst_write(s, d->flags & MOCKDMA_F_DST_DEV, d->dst, &v,
			       d->len))
		{
			mockdma_fault(r, MOCKDMA_ST_WRITE_FAULT, d->dst);
			return;
		}
	r->done = d->len;
}

static uint32_t mockdma_check_desc(MockDmaState *s,
				   const struct mockdma_desc *d)
{
	const uint16_t known = MOCKDMA_F_IRQ | MOCKDMA_F_SRC_DEV |
			       MOCKDMA_F_DST_DEV;
	bool has_src = d->opcode == MOCKDMA_OP_COPY ||
		       d->opcode == MOCKDMA_OP_COMPARE;

	if (d->flags & ~known || d->opcode > MOCKDMA_OP_WRITE_IMM)
		return MOCKDMA_ST_BAD_OP;
	if (d->opcode == MOCKDMA_OP_NOP)
		return MOCKDMA_ST_OK;
	if (d->opcode == MOCKDMA_OP_WRITE_IMM) {
		if (d->len != 1 && d->len != 2 && d->len != 4 && d->len != 8)
			return MOCKDMA_ST_BAD_LEN;
	} else if (!d->len || d->len > MOCKDMA_MAX_XFER) {
		return MOCKDMA_ST_BAD_LEN;
	}
	if (has_src && (d->flags & MOCKDMA_F_SRC_DEV) &&
	    !mockdma_dev_range_ok(s, d->src, d->len))
		return MOCKDMA_ST_BAD_LEN;
	if ((d->flags & MOCKDMA_F_DST_DEV) &&
	    !mockdma_dev_range_ok(s, d->dst, d->len))
		return MOCKDMA_ST_BAD_LEN;
	return MOCKDMA_ST_OK;
}

static void mockdma_execute(MockDmaState *s, const struct mockdma_desc *d,
			    struct mockdma_result *r)
{
	r->status = mockdma_check_desc(s, d);
	if (r->status != MOCKDMA_ST_OK || d->opcode == MOCKDMA_OP_NOP)
		return;
	switch (d->opcode) {
	case MOCKDMA_OP_COPY:
		mockdma_op_copy(s, d, r);
		break;
	case MOCKDMA_OP_FILL:
		mockdma_op_fill(s, d, r);
		break;
	case MOCKDMA_OP_COMPARE:
		mockdma_op_compare(s, d, r);
		break;
	case MOCKDMA_OP_WRITE_IMM:
		mockdma_op_write_imm(s, d, r);
		break;
	}
}

static void mockdma_desc_from_le(struct mockdma_desc *d)
{
	d->opcode = le16_to_cpu(d->opcode);
	d->flags = le16_to_cpu(d->flags);
	d->vector = le16_to_cpu(d->vector);
	d->len = le32_to_cpu(d->len);
	d->src = le64_to_cpu(d->src);
	d->dst = le64_to_cpu(d->dst);
	d->imm = le64_to_cpu(d->imm);
}

/* An error the engine hit: counters, registers, the error interrupt. */
static void mockdma_record_error(MockDmaState *s, uint32_t status,
				 uint64_t fault)
{
	s->desc_err++;
	s->last_error = status;
	if (status == MOCKDMA_ST_READ_FAULT || status == MOCKDMA_ST_WRITE_FAULT) {
		s->fault_iova = fault;
		if (s->knobs & MOCKDMA_KNOB_ERR_AER)
			mockdma_inject_aer(s, PCI_ERR_UNC_UNSUP, false);
	}
	if (s->ctrl & MOCKDMA_CTRL_HALT_ON_ERR)
		s->halted = true;
	mockdma_raise(s, MOCKDMA_IRQ_DMA_ERR, s->err_vector);
}

/* The completion: done and fault_iova first, then status, as hardware. */
static bool mockdma_write_back(MockDmaState *s, uint64_t addr,
			       const struct mockdma_result *r)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint64_t mask = mockdma_dma_mask(s);
	struct {
		uint32_t done;
		uint64_t fault;
	} QEMU_PACKED tail = { cpu_to_le32(r->done), cpu_to_le64(r->fault) };
	uint32_t status = cpu_to_le32(r->status);

	return pci_dma_write(pdev, (addr + 52) & mask, &tail,
			     sizeof(tail)) == MEMTX_OK &&
	       pci_dma_write(pdev, (addr + 48) & mask, &status,
			     sizeof(status)) == MEMTX_OK;
}

static bool mockdma_engine_ready(const MockDmaState *s)
{
	return (s->ctrl & MOCKDMA_CTRL_ENABLE) && s->ring_size &&
	       !s->halted && !s->hung && s->ring_head != s->ring_tail;
}

/* Run the descriptor at RING_HEAD. False when the ring itself faulted. */
static bool mockdma_run_one(MockDmaState *s)
{
	uint64_t addr = s->ring_base + (uint64_t)s->ring_head * 64;
	struct mockdma_result r = { 0 };
	struct mockdma_desc d;

	if (pci_dma_read(PCI_DEVICE(s), addr & mockdma_dma_mask(s), &d,
			 sizeof(d)) != MEMTX_OK) {
		s->halted = true;
		mockdma_record_error(s, MOCKDMA_ST_READ_FAULT, addr);
		trace_mockdma_ring_fault(mockdma_id(s), addr, MOCKDMA_ST_READ_FAULT);
		return false;
	}
	if (s->knobs & MOCKDMA_KNOB_HANG_DMA) {
		s->hung = true;
		return false;
	}
	mockdma_desc_from_le(&d);
	mockdma_execute(s, &d, &r);
	trace_mockdma_desc(mockdma_id(s), addr, d.opcode, d.flags, d.src, d.dst,
			   d.len, r.status, r.done, r.fault);
	if (!mockdma_write_back(s, addr, &r)) {
		s->halted = true;
		mockdma_record_error(s, MOCKDMA_ST_WRITE_FAULT, addr);
		trace_mockdma_ring_fault(mockdma_id(s), addr, MOCKDMA_ST_WRITE_FAULT);
		return false;
	}
	s->ring_head = (s->ring_head + 1) & (s->ring_size - 1);
	s->desc_done++;
	if (r.status != MOCKDMA_ST_OK)
		mockdma_record_error(s, r.status, r.fault);
	if (d.flags & MOCKDMA_F_IRQ)
		mockdma_raise(s, MOCKDMA_IRQ_DMA_DONE, d.vector);
	return true;
}

static void mockdma_schedule(MockDmaState *s)
{
	if (!mockdma_engine_ready(s))
		return;
	if (s->dma_delay_us) {
		if (!timer_pending(s->timer))
			timer_mod(s->timer,
				  qemu_clock_get_us(QEMU_CLOCK_VIRTUAL) +
				  s->dma_delay_us);
	} else {
		qemu_bh_schedule(s->bh);
	}
}

static void mockdma_engine_bh(void *opaque)
{
	MockDmaState *s = opaque;

	for (int i = 0; i < MOCKDMA_BATCH && mockdma_engine_ready(s); i++)
		if (!mockdma_run_one(s))
			break;
	mockdma_schedule(s);
}

/* With DMA_DELAY, one descriptor per delay. */
static void mockdma_engine_timer(void *opaque)
{
	MockDmaState *s = opaque;

	if (mockdma_engine_ready(s))
		mockdma_run_one(s);
	mockdma_schedule(s);
}

/* The size of the IOMMU page mapping addr, into rogue_data. */
static MemTxResult mockdma_translate(MockDmaState *s, uint64_t addr)
{
	IOMMUTLBEntry e;

	WITH_RCU_READ_LOCK_GUARD() {
		e = address_space_get_iotlb_entry(pci_get_address_space(PCI_DEVICE(s)),
						  addr, false, MEMTXATTRS_UNSPECIFIED);
	}
	if (!(e.perm & IOMMU_RO)) {
		s->rogue_status = MOCKDMA_ST_READ_FAULT;
		return MEMTX_DECODE_ERROR;
	}
	s->rogue_data = e.addr_mask + 1;
	s->rogue_status = MOCKDMA_ST_OK;
	return MEMTX_OK;
}

static void mockdma_rogue(MockDmaState *s, uint32_t op)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint64_t addr = s->rogue_addr & mockdma_dma_mask(s);
	uint64_t v = cpu_to_le64(s->rogue_data);
	MemTxResult res;

	if (op == MOCKDMA_ROGUE_WRITE) {
		res = pci_dma_write(pdev, addr, &v, sizeof(v));
		s->rogue_status = res == MEMTX_OK ? MOCKDMA_ST_OK :
						    MOCKDMA_ST_WRITE_FAULT;
	} else if (op == MOCKDMA_ROGUE_READ) {
		res = pci_dma_read(pdev, addr, &v, sizeof(v));
		s->rogue_data = le64_to_cpu(v);
		s->rogue_status = res == MEMTX_OK ? MOCKDMA_ST_OK :
						    MOCKDMA_ST_READ_FAULT;
	} else if (op == MOCKDMA_ROGUE_TRANSLATE) {
		res = mockdma_translate(s, addr);
	} else {
		s->rogue_status = MOCKDMA_ST_BAD_OP;
		return;
	}
	trace_mockdma_rogue(mockdma_id(s), op, addr, s->rogue_status);
	if (res != MEMTX_OK)
		s->fault_iova = addr;
}

/* --- BAR0 registers --- */

static uint32_t mockdma_features(const MockDmaState *s)
{
	return MOCKDMA_FEAT_MSI | MOCKDMA_FEAT_MSIX |
	       (s->flr ? MOCKDMA_FEAT_FLR : 0) |
	       (s->aer ? MOCKDMA_FEAT_AER : 0) |
	       (s->subpage ? MOCKDMA_FEAT_SUBPAGE : 0) |
	       (s->pm ? MOCKDMA_FEAT_PM : 0) |
	       (s->sriov ? MOCKDMA_FEAT_SRIOV : 0) |
	       (s->vndr_writable ? MOCKDMA_FEAT_VNDR_WRITABLE : 0) |
	       (s->hostile ? MOCKDMA_FEAT_CAP_HOSTILE : 0) |
	       (s->cap_extra ? MOCKDMA_FEAT_CAP_EXTRA : 0);
}

static uint32_t mockdma_status(const MockDmaState *s)
{
	return (s->ring_size && s->ring_head != s->ring_tail ?
		MOCKDMA_STATUS_BUSY : 0) |
	       (s->halted ? MOCKDMA_STATUS_HALTED : 0) |
	       (s->hung ? MOCKDMA_STATUS_HUNG : 0) |
	       (s->intx_level ? MOCKDMA_STATUS_INTX : 0);
}

static uint32_t lo32(uint64_t v)
{
	return (uint32_t)v;
}

static uint32_t hi32(uint64_t v)
{
	return v >> 32;
}

static uint64_t mockdma_regs_read(void *opaque, hwaddr addr, unsigned int size)
{
	MockDmaState *s = opaque;

	if (addr >= MOCKDMA_REG_IRQ_COUNT &&
	    addr < MOCKDMA_REG_IRQ_COUNT + 4 * MOCKDMA_MAX_VECTORS)
		return s->irq_count[(addr - MOCKDMA_REG_IRQ_COUNT) / 4];

	switch (addr) {
	case MOCKDMA_REG_MAGIC:		return MOCKDMA_MAGIC;
	case MOCKDMA_REG_VERSION:	return MOCKDMA_VERSION;
	case MOCKDMA_REG_FEATURES:	return mockdma_features(s);
	case MOCKDMA_REG_CTRL:		return s->ctrl;
	case MOCKDMA_REG_STATUS:	return mockdma_status(s);
	case MOCKDMA_REG_SCRATCH:	return s->scratch;
	case MOCKDMA_REG_RESET_COUNT:	return s->reset_count;
	case MOCKDMA_REG_LAST_RESET:	return s->last_reset;
	case MOCKDMA_REG_IRQ_STATUS:	return s->irq_status;
	case MOCKDMA_REG_IRQ_ENABLE:	return s->irq_enable;
	case MOCKDMA_REG_ERR_VECTOR:	return s->err_vector;
	case MOCKDMA_REG_INTX_FORCE:	return s->intx_force;
	case MOCKDMA_REG_KNOBS:		return s->knobs;
	case MOCKDMA_REG_RING_BASE:	return lo32(s->ring_base);
	case MOCKDMA_REG_RING_BASE + 4:	return hi32(s->ring_base);
	case MOCKDMA_REG_RING_SIZE:	return s->ring_size;
	case MOCKDMA_REG_RING_HEAD:	return s->ring_head;
	case MOCKDMA_REG_RING_TAIL:	return s->ring_tail;
	case MOCKDMA_REG_DMA_DELAY:	return s->dma_delay_us;
	case MOCKDMA_REG_DESC_DONE:	return s->desc_done;
	case MOCKDMA_REG_DESC_ERR:	return s->desc_err;
	case MOCKDMA_REG_FAULT_IOVA:	return lo32(s->fault_iova);
	case MOCKDMA_REG_FAULT_IOVA + 4: return hi32(s->fault_iova);
	case MOCKDMA_REG_LAST_ERROR:	return s->last_error;
	case MOCKDMA_REG_INTX_COUNT:	return s->intx_count;
	case MOCKDMA_REG_ROGUE_ADDR:	return lo32(s->rogue_addr);
	case MOCKDMA_REG_ROGUE_ADDR + 4: return hi32(s->rogue_addr);
	case MOCKDMA_REG_ROGUE_DATA:	return lo32(s->rogue_data);
	case MOCKDMA_REG_ROGUE_DATA + 4: return hi32(s->rogue_data);
	case MOCKDMA_REG_ROGUE_STATUS:	return s->rogue_status;
	case MOCKDMA_REG_CAP_HOSTILE:	return s->hostile;
	/* write-only registers read as zero */
	case MOCKDMA_REG_SWINT:
	case MOCKDMA_REG_AER_COR:
	case MOCKDMA_REG_AER_UNC:
	case MOCKDMA_REG_ROGUE_CTRL:
		return 0;
	}
	qemu_log_mask(LOG_GUEST_ERROR, "mockdma: read of unknown register 0x%"
		      HWADDR_PRIx "\n", addr);
	return 0;
}

static void set_lo32(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_hi32(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static void mockdma_ring_changed(MockDmaState *s)
{
	s->ring_head = 0;
	s->ring_tail = 0;
}

static void mockdma_write_ring_size(MockDmaState *s, uint32_t v)
{
	if (v && (v & (v - 1) || v > MOCKDMA_MAX_RING)) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "mockdma: ring size %u is not a power of 2 <= %u\n",
			      v, MOCKDMA_MAX_RING);
		return;
	}
	s->ring_size = v;
	mockdma_ring_changed(s);
}

static void mockdma_write_ctrl(MockDmaState *s, uint32_t v)
{
	bool was_on = s->ctrl & MOCKDMA_CTRL_ENABLE;

	s->ctrl = v & (MOCKDMA_CTRL_ENABLE | MOCKDMA_CTRL_HALT_ON_ERR);
	if (!was_on && (s->ctrl & MOCKDMA_CTRL_ENABLE))
		s->halted = false;
	mockdma_schedule(s);
}

static void mockdma_write_knobs(MockDmaState *s, uint32_t v)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint16_t cmd = pci_get_word(pdev->config + PCI_COMMAND);

	s->knobs = v & MOCKDMA_KNOBS_ALL;
	/* a DisINTx already set is dropped too: the line comes back up */
	if ((s->knobs & MOCKDMA_KNOB_IGNORE_DISINTX) &&
	    (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_default_write_config(pdev, PCI_COMMAND,
					 cmd & ~PCI_COMMAND_INTX_DISABLE, 2);
}

static void mockdma_write_swint(MockDmaState *s, uint32_t vector)
{
	mockdma_raise(s, MOCKDMA_IRQ_SWINT, vector);
}

static void mockdma_regs_write(void *opaque, hwaddr addr, uint64_t val,
			       unsigned int size)
{
	MockDmaState *s = opaque;
	uint32_t v = val;

	switch (addr) {
	case MOCKDMA_REG_CTRL:		mockdma_write_ctrl(s, v); return;
	case MOCKDMA_REG_SCRATCH:	s->scratch = v; return;
	case MOCKDMA_REG_IRQ_STATUS:
		s->irq_status &= ~v;
		mockdma_update_intx(s);
		return;
	case MOCKDMA_REG_IRQ_ENABLE:
		s->irq_enable = v & (MOCKDMA_IRQ_DMA_DONE | MOCKDMA_IRQ_DMA_ERR |
				     MOCKDMA_IRQ_SWINT);
		mockdma_update_intx(s);
		return;
	case MOCKDMA_REG_SWINT:		mockdma_write_swint(s, v); return;
	case MOCKDMA_REG_ERR_VECTOR:	s->err_vector = v; return;
	case MOCKDMA_REG_INTX_FORCE:
		s->intx_force = v & 1;
		mockdma_update_intx(s);
		return;
	case MOCKDMA_REG_KNOBS:		mockdma_write_knobs(s, v); return;
	case MOCKDMA_REG_AER_COR:	mockdma_inject_aer(s, v, true); return;
	case MOCKDMA_REG_AER_UNC:	mockdma_inject_aer(s, v, false); return;
	case MOCKDMA_REG_RING_BASE:
		set_lo32(&s->ring_base, v);
		mockdma_ring_changed(s);
		return;
	case MOCKDMA_REG_RING_BASE + 4:
		set_hi32(&s->ring_base, v);
		mockdma_ring_changed(s);
		return;
	case MOCKDMA_REG_RING_SIZE:	mockdma_write_ring_size(s, v); return;
	case MOCKDMA_REG_RING_TAIL:
		s->ring_tail = s->ring_size ? v & (s->ring_size - 1) : 0;
		mockdma_schedule(s);
		return;
	case MOCKDMA_REG_DMA_DELAY:	s->dma_delay_us = v; return;
	case MOCKDMA_REG_ROGUE_ADDR:	set_lo32(&s->rogue_addr, v); return;
	case MOCKDMA_REG_ROGUE_ADDR + 4: set_hi32(&s->rogue_addr, v); return;
	case MOCKDMA_REG_ROGUE_DATA:	set_lo32(&s->rogue_data, v); return;
	case MOCKDMA_REG_ROGUE_DATA + 4: set_hi32(&s->rogue_data, v); return;
	case MOCKDMA_REG_ROGUE_CTRL:	mockdma_rogue(s, v); return;
	}
	qemu_log_mask(LOG_GUEST_ERROR, "mockdma: write 0x%x to read-only or "
		      "unknown register 0x%" HWADDR_PRIx "\n", v, addr);
}

/* 8-byte accesses arrive as two 4-byte ones, low half first. */
static const MemoryRegionOps mockdma_regs_ops = {
	.read = mockdma_regs_read,
	.write = mockdma_regs_write,
	.endianness = DEVICE_LITTLE_ENDIAN,
	.valid = { .min_access_size = 4, .max_access_size = 8 },
	.impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* --- BAR5: a byte-addressed scratch file, I/O or sub-page memory --- */

static uint64_t mockdma_small_read(void *opaque, hwaddr addr,
				   unsigned int size)
{
	MockDmaState *s = opaque;
	uint64_t v = 0;

	memcpy(&v, s->small_regs + addr, size);
	return le64_to_cpu(v);
}

static void mockdma_small_write(void *opaque, hwaddr addr, uint64_t val,
				unsigned int size)
{
	MockDmaState *s = opaque;
	uint64_t v = cpu_to_le64(val);

	memcpy(s->small_regs + addr, &v, size);
}

static const MemoryRegionOps mockdma_small_ops = {
	.read = mockdma_small_read,
	.write = mockdma_small_write,
	.endianness = DEVICE_LITTLE_ENDIAN,
	.valid = { .min_access_size = 1, .max_access_size = 4 },
	.impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* --- config space: DisINTx knob, FLR, PM reset, AER --- */

static void mockdma_drop_disintx(uint32_t addr, uint32_t *val, int len)
{
	int bit = (PCI_COMMAND - (int)addr) * 8 + 10;	/* INTX_DISABLE */

	if (bit >= 0 && bit < len * 8)
		*val &= ~(1u << bit);
}

static void mockdma_reset_as(MockDmaState *s, uint32_t kind)
{
	s->reset_kind = kind;
	pci_device_reset(PCI_DEVICE(s));
	s->reset_kind = MOCKDMA_RESET_NONE;
}

static void mockdma_flr_write(MockDmaState *s, uint32_t addr, uint32_t val,
			      int len)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *devctl = pdev->config + pdev->exp.exp_cap + PCI_EXP_DEVCTL;

	if (!(pci_get_word(devctl) & PCI_EXP_DEVCTL_BCR_FLR))
		return;
	if (s->knobs & MOCKDMA_KNOB_REFUSE_FLR) {
		pci_word_test_and_clear_mask(devctl, PCI_EXP_DEVCTL_BCR_FLR);
		return;
	}
	s->reset_kind = MOCKDMA_RESET_FLR;
	pcie_cap_flr_write_config(pdev, addr, val, len);
	s->reset_kind = MOCKDMA_RESET_NONE;
}

/*
 * cap-extra's VPD: a write of the Address register's high byte starts an
 * access, which completes at once (F toggles).
 */
static void mockdma_vpd_access(MockDmaState *s)
{
	uint8_t *cap = PCI_DEVICE(s)->config + MOCKDMA_CAP_VPD;
	uint16_t addr = pci_get_word(cap + PCI_VPD_ADDR);
	uint32_t off = addr & PCI_VPD_ADDR_MASK & ~3u, data = 0;

	if (addr & PCI_VPD_ADDR_F) {
		data = pci_get_long(cap + PCI_VPD_DATA);
		for (uint32_t i = 0; i < 4; i++)
			if (off + i >= MOCKDMA_VPD_W_DATA &&
			    off + i < MOCKDMA_VPD_W_DATA + MOCKDMA_VPD_W_LEN)
				s->vpd[off + i] = data >> (8 * i);
		pci_set_word(cap + PCI_VPD_ADDR, addr & ~PCI_VPD_ADDR_F);
		return;
	}
	for (uint32_t i = 0; i < 4; i++)
		if (off + i < MOCKDMA_VPD_LEN)
			data |= (uint32_t)s->vpd[off + i] << (8 * i);
	pci_set_long(cap + PCI_VPD_DATA, data);
	pci_set_word(cap + PCI_VPD_ADDR, addr | PCI_VPD_ADDR_F);
}

/* cap-extra's AF Control: Initiate FLR (read-only, it reads 0) */
static void mockdma_af_write(MockDmaState *s, uint32_t addr, uint32_t val)
{
	uint32_t ctrl = val >> (8 * (MOCKDMA_CAP_AF + PCI_AF_CTRL - addr));

	if (!(ctrl & PCI_AF_CTRL_FLR) || (s->knobs & MOCKDMA_KNOB_REFUSE_FLR))
		return;
	mockdma_reset_as(s, MOCKDMA_RESET_AF_FLR);
}

static uint16_t mockdma_power_state(PCIDevice *pdev)
{
	return pci_get_word(pdev->config + MOCKDMA_CAP_PM + PCI_PM_CTRL) &
	       PCI_PM_CTRL_STATE_MASK;
}

static void mockdma_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
				 int len)
{
	MockDmaState *s = MOCKDMA(pdev);
	uint16_t old_state = s->pm ? mockdma_power_state(pdev) : 0;

	if (s->knobs & MOCKDMA_KNOB_IGNORE_DISINTX)
		mockdma_drop_disintx(addr, &val, len);
	/*
	 * In QEMU 7.2 this also runs pcie_sriov_config_write(), which adds
	 * or removes the VFs when VF Enable changes (as for hw/nvme).
	 */
	pci_default_write_config(pdev, addr, val, len);

	if (s->flr && ranges_overlap(addr, len, pdev->exp.exp_cap +
				     PCI_EXP_DEVCTL, 2))
		mockdma_flr_write(s, addr, val, len);
	if (s->aer && ranges_overlap(addr, len, MOCKDMA_ECAP_AER,
				     PCI_ERR_SIZEOF))
		pcie_aer_write_config(pdev, addr, val, len);
	if (s->cap_extra && ranges_overlap(addr, len, MOCKDMA_CAP_VPD +
					   PCI_VPD_ADDR + 1, 1))
		mockdma_vpd_access(s);
	if (s->cap_extra && ranges_overlap(addr, len, MOCKDMA_CAP_AF +
					   PCI_AF_CTRL, 1))
		mockdma_af_write(s, addr, val);
	/* D3hot -> D0 with NoSoftRst clear resets the function */
	if (s->pm && old_state == 3 && mockdma_power_state(pdev) == 0)
		mockdma_reset_as(s, MOCKDMA_RESET_PM);
	/* MSI or MSI-X may have been switched on or off */
	mockdma_update_intx(s);
}

/* --- reset, realize --- */

/*
 * What a reset does to the SR-IOV capability (QEMU 7.2 only removes the
 * VFs): VF Enable, VF MSE, ARI Capable Hierarchy, NumVFs, System Page
 * Size and the VF BARs go back to their defaults.
 */
static void mockdma_sriov_reset(PCIDevice *pdev)
{
	uint8_t *cap = pdev->config + MOCKDMA_ECAP_SRIOV;

	pcie_sriov_pf_disable_vfs(pdev);
	pci_set_word(cap + PCI_SRIOV_CTRL, 0);
	pci_set_word(cap + PCI_SRIOV_NUM_VF, 0);
	pci_set_long(cap + PCI_SRIOV_SYS_PGSIZE, 1);
	for (int i = 0; i < PCI_SRIOV_NUM_BARS; i++)
		pci_set_long(cap + PCI_SRIOV_BAR + 4 * i,
			     pdev->exp.sriov_pf.vf_bar_type[i]);
}

/* cap-extra's writable registers go back to their defaults: zero */
static void mockdma_extra_reset(PCIDevice *pdev)
{
	uint8_t *c = pdev->config;

	pci_set_word(c + MOCKDMA_CAP_PCIX + PCI_X_CMD, 0);
	pci_set_word(c + MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 0);
	pci_set_long(c + MOCKDMA_CAP_VPD + PCI_VPD_DATA, 0);
	memset(c + MOCKDMA_ECAP_VC + MOCKDMA_VC_ARB_TABLE, 0,
	       MOCKDMA_ECAP_VC_LEN - MOCKDMA_VC_ARB_TABLE);
	pci_set_word(c + MOCKDMA_ECAP_ACS + PCI_ACS_CTRL, 0);
	pci_set_long(c + MOCKDMA_ECAP_ACS + PCI_ACS_EGRESS_CTL_V, 0);
	memset(c + MOCKDMA_ECAP_TPH + PCI_TPH_CAP + 4, 0,
	       MOCKDMA_ECAP_TPH_LEN - PCI_TPH_CAP - 4);
	pci_set_long(c + MOCKDMA_ECAP_DVSEC + MOCKDMA_DVSEC_SCRATCH, 0);
}

static void mockdma_qdev_reset(DeviceState *dev)
{
	MockDmaState *s = MOCKDMA(dev);
	PCIDevice *pdev = PCI_DEVICE(s);

	if (s->sriov)
		mockdma_sriov_reset(pdev);
	if (s->vndr_writable)
		memcpy(pdev->config + MOCKDMA_CAP_VNDR, s->vndr_saved,
		       MOCKDMA_VNDR_LEN);
	if (s->cap_extra)
		mockdma_extra_reset(pdev);

	timer_del(s->timer);
	qemu_bh_cancel(s->bh);
	s->reset_count++;
	s->last_reset = s->reset_kind ? s->reset_kind : MOCKDMA_RESET_BUS;

	s->ctrl = s->scratch = s->irq_status = s->irq_enable = 0;
	s->err_vector = s->intx_force = s->knobs = 0;
	s->ring_base = s->ring_size = s->ring_head = s->ring_tail = 0;
	s->dma_delay_us = s->desc_done = s->desc_err = s->last_error = 0;
	s->fault_iova = s->rogue_addr = s->rogue_data = 0;
	s->intx_count = s->rogue_status = 0;
	memset(s->irq_count, 0, sizeof(s->irq_count));
	memset(s->small_regs, 0, sizeof(s->small_regs));
	s->halted = s->hung = false;
	s->intx_level = false;
	pci_set_irq(PCI_DEVICE(s), 0);
}

static void mockdma_build_rom(MockDmaState *s)
{
	uint8_t *rom = memory_region_get_ram_ptr(&s->rom);
	uint8_t *pcir = rom + MOCKDMA_ROM_PCIR;

	memset(rom, 0, MOCKDMA_ROM_SIZE);
	for (uint32_t i = 0x40; i < MOCKDMA_ROM_SIZE; i++)
		rom[i] = (uint8_t)(i * 7);
	rom[0] = 0x55;
	rom[1] = 0xaa;
	rom[2] = MOCKDMA_ROM_SIZE / 512;
	memcpy(rom + 4, MOCKDMA_ROM_SIGNATURE, sizeof(MOCKDMA_ROM_SIGNATURE));
	stw_le_p(rom + 0x18, MOCKDMA_ROM_PCIR);
	/* PCI data structure; code type 1 (not x86), so firmware runs none */
	memcpy(pcir, "PCIR", 4);
	stw_le_p(pcir + 4, MOCKDMA_VENDOR_ID);
	stw_le_p(pcir + 6, MOCKDMA_DEVICE_ID);
	stw_le_p(pcir + 10, 0x18);
	pcir[15] = MOCKDMA_CLASS >> 8;	/* class code, as the function's */
	pcir[14] = MOCKDMA_CLASS & 0xff;
	stw_le_p(pcir + 16, MOCKDMA_ROM_SIZE / 512);
	pcir[20] = 1;
	pcir[21] = 0x80;	/* last image */
}

static const char *const mockdma_hostile_names[MOCKDMA_HOSTILE_COUNT] = {
	[MOCKDMA_HOSTILE_LOW]		= MOCKDMA_HOSTILE_NAME_LOW,
	[MOCKDMA_HOSTILE_MISALIGNED]	= MOCKDMA_HOSTILE_NAME_MISALIGNED,
	[MOCKDMA_HOSTILE_VNDR_LONG]	= MOCKDMA_HOSTILE_NAME_VNDR_LONG,
	[MOCKDMA_HOSTILE_CYCLE]		= MOCKDMA_HOSTILE_NAME_CYCLE,
	[MOCKDMA_HOSTILE_ECAP_LONG]	= MOCKDMA_HOSTILE_NAME_ECAP_LONG,
	[MOCKDMA_HOSTILE_ECAP_CYCLE]	= MOCKDMA_HOSTILE_NAME_ECAP_CYCLE,
	[MOCKDMA_HOSTILE_BELOW_ECAP]	= MOCKDMA_HOSTILE_NAME_BELOW_ECAP,
};

/* "cap-hostile" to MOCKDMA_HOSTILE_*; empty is none. */
static bool mockdma_parse_hostile(MockDmaState *s, Error **errp)
{
	g_autoptr(GString) valid = g_string_new(NULL);

	s->hostile = MOCKDMA_HOSTILE_NONE;
	if (!s->cap_hostile || !*s->cap_hostile)
		return true;
	for (uint32_t i = 1; i < MOCKDMA_HOSTILE_COUNT; i++) {
		if (!strcmp(s->cap_hostile, mockdma_hostile_names[i])) {
			s->hostile = i;
			return true;
		}
		g_string_append_printf(valid, "%s%s", i > 1 ? ", " : "",
				       mockdma_hostile_names[i]);
	}
	error_setg(errp, "mockdma: cap-hostile '%s' is unknown: it must be one "
		   "of %s (or empty, the default: none)", s->cap_hostile,
		   valid->str);
	return false;
}

static bool mockdma_check_props(MockDmaState *s, Error **errp)
{
	uint32_t fn = PCI_FUNC(PCI_DEVICE(s)->devfn);

	if (s->mem_size < 1 * MiB || s->mem_size > 1 * GiB ||
	    !is_power_of_2(s->mem_size)) {
		error_setg(errp, "mockdma: mem-size must be a power of 2 from 1M to 1G");
		return false;
	}
	if (!s->vectors || s->vectors > MOCKDMA_MAX_VECTORS) {
		error_setg(errp, "mockdma: vectors must be 1 to %d",
			   MOCKDMA_MAX_VECTORS);
		return false;
	}
	if (!s->msi_vectors || s->msi_vectors > 32 ||
	    !is_power_of_2(s->msi_vectors)) {
		error_setg(errp, "mockdma: msi-vectors must be 1, 2, 4, 8, 16 or 32");
		return false;
	}
	if (s->dma_bits < 32 || s->dma_bits > 64) {
		error_setg(errp, "mockdma: dma-bits must be 32 to 64");
		return false;
	}
	if (s->intx_pin > 3) {
		error_setg(errp, "mockdma: intx-pin must be 0 to 3 (INTA to INTD)");
		return false;
	}
	if (s->sriov && (!s->total_vfs || fn + s->total_vfs > 7)) {
		error_setg(errp, "mockdma: with sriov=on the VFs take functions "
			   "%u to %u of the slot: total-vfs must be 1 to %u "
			   "(put the PF at function 0 for up to %d)", fn + 1,
			   fn + s->total_vfs, 7 - fn, MOCKDMA_SRIOV_MAX_VFS);
		return false;
	}
	return mockdma_parse_hostile(s, errp);
}

static void mockdma_init_vndr_cap(MockDmaState *s)
{
	uint8_t *cap = PCI_DEVICE(s)->config + MOCKDMA_CAP_VNDR;

	cap[2] = MOCKDMA_VNDR_LEN;
	cap[MOCKDMA_VNDR_VERSION] = MOCKDMA_VERSION;
	stl_le_p(cap + MOCKDMA_VNDR_MAGIC, MOCKDMA_MAGIC);
	stl_le_p(cap + MOCKDMA_VNDR_MEM_KB, s->mem_size / KiB);
	stw_le_p(cap + MOCKDMA_VNDR_VECTORS, s->vectors);
	cap[MOCKDMA_VNDR_MSI] = s->msi_vectors;
	cap[MOCKDMA_VNDR_DMA_BITS] = s->dma_bits;
}

static void mockdma_init_pm_cap(PCIDevice *pdev)
{
	/* PM 1.2, NoSoftRst clear: D3hot -> D0 is a reset */
	pci_set_word(pdev->config + MOCKDMA_CAP_PM + PCI_PM_PMC, 0x3);
	pci_set_word(pdev->wmask + MOCKDMA_CAP_PM + PCI_PM_CTRL,
		     PCI_PM_CTRL_STATE_MASK);
}

/* cap-extra's VPD image (include/mockdma.h) */
static void mockdma_build_vpd(MockDmaState *s)
{
	static const char id[] = MOCKDMA_VPD_ID, pn[] = MOCKDMA_VPD_PN;
	uint8_t *v = s->vpd, sum = 0;
	uint32_t n = 0, csum;

	v[n++] = 0x82;				/* identifier string */
	v[n++] = sizeof(id) - 1;
	v[n++] = 0;
	memcpy(v + n, id, sizeof(id) - 1);
	n += sizeof(id) - 1;
	v[n++] = 0x90;				/* VPD-R */
	v[n++] = 3 + sizeof(pn) - 1 + 3 + 3;
	v[n++] = 0;
	v[n++] = 'P';
	v[n++] = 'N';
	v[n++] = sizeof(pn) - 1;
	memcpy(v + n, pn, sizeof(pn) - 1);
	n += sizeof(pn) - 1;
	v[n++] = 'R';
	v[n++] = 'V';
	v[n++] = 3;
	csum = n;
	v[n++] = 0;				/* below */
	v[n++] = 0;
	v[n++] = 0;
	v[n++] = 0x91;				/* VPD-W */
	v[n++] = 3 + MOCKDMA_VPD_W_LEN;
	v[n++] = 0;
	v[n++] = 'Y';
	v[n++] = 'A';
	v[n++] = MOCKDMA_VPD_W_LEN;
	assert(n == MOCKDMA_VPD_W_DATA);
	memset(v + n, ' ', MOCKDMA_VPD_W_LEN);
	n += MOCKDMA_VPD_W_LEN;
	v[n++] = 0x78;				/* end tag */
	assert(n == MOCKDMA_VPD_LEN);
	/* RV: the bytes from the start through the checksum sum to zero */
	for (uint32_t i = 0; i < csum; i++)
		sum += v[i];
	v[csum] = -sum;
}

/*
 * cap-extra's standard capabilities, added before the real ones: QEMU
 * links each new one at the head, so these end up last, in address order.
 */
static bool mockdma_init_extra_caps(MockDmaState *s, Error **errp)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *c = pdev->config, *w = pdev->wmask;

	if (pci_add_capability(pdev, PCI_CAP_ID_HT, MOCKDMA_CAP_HT,
			       MOCKDMA_CAP_HT_LEN, errp) < 0)
		return false;
	/* command: slave/primary interface (type 000), unit count 1 */
	pci_set_word(c + MOCKDMA_CAP_HT + 2, 1 << 5);

	if (pci_add_capability(pdev, PCI_CAP_ID_AF, MOCKDMA_CAP_AF,
			       PCI_CAP_AF_SIZEOF, errp) < 0)
		return false;
	c[MOCKDMA_CAP_AF + PCI_AF_LENGTH] = PCI_CAP_AF_SIZEOF;
	c[MOCKDMA_CAP_AF + PCI_AF_CAP] = PCI_AF_CAP_TP | PCI_AF_CAP_FLR;

	if (pci_add_capability(pdev, PCI_CAP_ID_VPD, MOCKDMA_CAP_VPD,
			       PCI_CAP_VPD_SIZEOF, errp) < 0)
		return false;
	pci_set_word(w + MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 0xffff);
	pci_set_long(w + MOCKDMA_CAP_VPD + PCI_VPD_DATA, 0xffffffff);
	mockdma_build_vpd(s);

	if (pci_add_capability(pdev, PCI_CAP_ID_PCIX, MOCKDMA_CAP_PCIX,
			       PCI_CAP_PCIX_SIZEOF_V0, errp) < 0)
		return false;
	pci_set_word(w + MOCKDMA_CAP_PCIX + PCI_X_CMD,
		     PCI_X_CMD_DPERR_E | PCI_X_CMD_ERO | PCI_X_CMD_READ_4K |
		     PCI_X_CMD_MAX_SPLIT);
	pci_set_long(c + MOCKDMA_CAP_PCIX + PCI_X_STATUS,
		     PCI_X_STATUS_64BIT | PCI_X_STATUS_133MHZ);
	return true;
}

static bool mockdma_init_caps(MockDmaState *s, Error **errp)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (s->cap_extra && !mockdma_init_extra_caps(s, errp))
		return false;
	if (s->pm && pci_add_capability(pdev, PCI_CAP_ID_PM, MOCKDMA_CAP_PM,
					PCI_PM_SIZEOF, errp) < 0)
		return false;
	if (s->pm)
		mockdma_init_pm_cap(pdev);
	if (msi_init(pdev, MOCKDMA_CAP_MSI, s->msi_vectors, true, true,
		     errp) < 0)
		return false;
	if (pci_add_capability(pdev, PCI_CAP_ID_VNDR, MOCKDMA_CAP_VNDR,
			       MOCKDMA_VNDR_LEN, errp) < 0)
		return false;
	mockdma_init_vndr_cap(s);
	if (msix_init(pdev, s->vectors, &s->msix_bar, MOCKDMA_BAR_MSIX, 0,
		      &s->msix_bar, MOCKDMA_BAR_MSIX, MOCKDMA_MSIX_PBA,
		      MOCKDMA_CAP_MSIX, errp) < 0)
		return false;
	for (uint32_t v = 0; v < s->vectors; v++)
		msix_vector_use(pdev, v);
	if (pcie_endpoint_cap_init(pdev, MOCKDMA_CAP_EXP) < 0) {
		error_setg(errp, "mockdma: cannot add the PCIe capability");
		return false;
	}
	pcie_cap_deverr_init(pdev);
	if (s->flr)
		pcie_cap_flr_init(pdev);
	if (s->aer && pcie_aer_init(pdev, PCI_ERR_VER, MOCKDMA_ECAP_AER,
				    PCI_ERR_SIZEOF, errp) < 0)
		return false;
	return true;
}

/* cap-extra's extended capabilities, each linked after the last one */
static void mockdma_init_extra_ecaps(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *c = pdev->config, *w = pdev->wmask, *cap;
	uint32_t bar_size = ctz64(s->mem_size) - 20;	/* 0: 1 MiB */

	/* the 0x10 bytes after the VC capability stay read-only zeros */
	pcie_add_capability(pdev, PCI_EXT_CAP_ID_VC, 1, MOCKDMA_ECAP_VC,
			    MOCKDMA_ECAP_ACS - MOCKDMA_ECAP_VC);
	cap = c + MOCKDMA_ECAP_VC;
	pci_set_long(cap + PCI_VC_PORT_CAP1, 1 | 1 << 4);	/* EVCC, LPEVCC */
	pci_set_long(cap + PCI_VC_PORT_CAP2, PCI_VC_CAP2_32_PHASE |
		     (MOCKDMA_VC_ARB_TABLE / 16) << 24);
	pci_set_long(cap + PCI_VC_RES_CTRL, PCI_VC_RES_CTRL_ENABLE | 0xff);
	pci_set_long(cap + PCI_VC_RES_CTRL + PCI_CAP_VC_PER_VC_SIZEOF,
		     1 << 24);				/* VC ID 1, off */
	memset(w + MOCKDMA_ECAP_VC + MOCKDMA_VC_ARB_TABLE, 0xff,
	       MOCKDMA_ECAP_VC_LEN - MOCKDMA_VC_ARB_TABLE);

	pcie_add_capability(pdev, PCI_EXT_CAP_ID_ACS, 1, MOCKDMA_ECAP_ACS,
			    MOCKDMA_ECAP_ACS_LEN);
	pci_set_word(c + MOCKDMA_ECAP_ACS + PCI_ACS_CAP,
		     PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC | 32 << 8);
	pci_set_word(w + MOCKDMA_ECAP_ACS + PCI_ACS_CTRL,
		     PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
	pci_set_long(w + MOCKDMA_ECAP_ACS + PCI_ACS_EGRESS_CTL_V, 0xffffffff);

	pcie_add_capability(pdev, PCI_EXT_CAP_ID_REBAR, 1, MOCKDMA_ECAP_REBAR,
			    MOCKDMA_ECAP_REBAR_LEN);
	pci_set_long(c + MOCKDMA_ECAP_REBAR + PCI_REBAR_CAP,
		     1u << (4 + bar_size));
	pci_set_long(c + MOCKDMA_ECAP_REBAR + PCI_REBAR_CTRL,
		     MOCKDMA_BAR_MEM | 1 << PCI_REBAR_CTRL_NBAR_SHIFT |
		     bar_size << PCI_REBAR_CTRL_BAR_SHIFT);

	pcie_add_capability(pdev, PCI_EXT_CAP_ID_DPA, 1, MOCKDMA_ECAP_DPA,
			    MOCKDMA_ECAP_DPA_LEN);
	cap = c + MOCKDMA_ECAP_DPA;
	pci_set_long(cap + PCI_DPA_CAP, 3);	/* substates 0-3 */
	for (int i = 0; i < 4; i++)
		cap[PCI_DPA_BASE_SIZEOF + i] = MOCKDMA_DPA_ALLOC0 - 25 * i;

	pcie_add_capability(pdev, PCI_EXT_CAP_ID_TPH, 1, MOCKDMA_ECAP_TPH,
			    MOCKDMA_ECAP_TPH_LEN);
	pci_set_long(c + MOCKDMA_ECAP_TPH + PCI_TPH_CAP,
		     1 | 1 << 2 | PCI_TPH_LOC_CAP | 3 << PCI_TPH_CAP_ST_SHIFT);
	pci_set_long(w + MOCKDMA_ECAP_TPH + PCI_TPH_CAP + 4, 0x307);
	memset(w + MOCKDMA_ECAP_TPH + PCI_TPH_BASE_SIZEOF, 0xff,
	       MOCKDMA_ECAP_TPH_LEN - PCI_TPH_BASE_SIZEOF);

	pcie_add_capability(pdev, PCI_EXT_CAP_ID_DVSEC, 1, MOCKDMA_ECAP_DVSEC,
			    MOCKDMA_ECAP_DVSEC_LEN);
	pci_set_long(c + MOCKDMA_ECAP_DVSEC + PCI_DVSEC_HEADER1,
		     MOCKDMA_VENDOR_ID | 1 << 16 | MOCKDMA_ECAP_DVSEC_LEN << 20);
	pci_set_word(c + MOCKDMA_ECAP_DVSEC + PCI_DVSEC_HEADER2,
		     MOCKDMA_DVSEC_ID);
	pci_set_long(w + MOCKDMA_ECAP_DVSEC + MOCKDMA_DVSEC_SCRATCH,
		     0xffffffff);
}

/*
 * Extended capabilities after AER: the anchor at 0x100 when AER is off
 * and something must follow it, then SR-IOV, then cap-extra's.
 */
static void mockdma_init_ext_caps(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *anchor = pdev->config + MOCKDMA_ECAP_ANCHOR;

	if (!s->aer && (s->sriov || s->cap_extra ||
			s->hostile >= MOCKDMA_HOSTILE_ECAP_LONG)) {
		pcie_add_capability(pdev, PCI_EXT_CAP_ID_VNDR, 1,
				    MOCKDMA_ECAP_ANCHOR,
				    MOCKDMA_ECAP_ANCHOR_LEN);
		pci_set_long(anchor + 4, MOCKDMA_VSEC_ID_ANCHOR |
			     MOCKDMA_VSEC_REV << 16 |
			     MOCKDMA_ECAP_ANCHOR_LEN << 20);
		pci_set_long(anchor + 8, MOCKDMA_MAGIC);
	}
	if (s->sriov) {
		pcie_sriov_pf_init(pdev, MOCKDMA_ECAP_SRIOV, TYPE_MOCKDMA_VF,
				   MOCKDMA_VF_DEVICE_ID, s->total_vfs,
				   s->total_vfs, MOCKDMA_VF_OFFSET,
				   MOCKDMA_VF_STRIDE);
		pcie_sriov_pf_init_vf_bar(pdev, MOCKDMA_VF_BAR_REGS,
					  PCI_BASE_ADDRESS_SPACE_MEMORY,
					  MOCKDMA_VF_BAR0_SIZE);
	}
	if (s->cap_extra)
		mockdma_init_extra_ecaps(s);
}

static void mockdma_init_vndr_writable(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	memcpy(s->vndr_saved, pdev->config + MOCKDMA_CAP_VNDR,
	       MOCKDMA_VNDR_LEN);
	memset(pdev->wmask + MOCKDMA_CAP_VNDR + MOCKDMA_VNDR_WRITABLE_FIRST,
	       0xff, MOCKDMA_VNDR_WRITABLE_LEN);
}

/* The last capability of the standard list, which is sane here. */
static uint8_t mockdma_cap_tail(PCIDevice *pdev)
{
	uint8_t pos = pdev->config[PCI_CAPABILITY_LIST];

	while (pdev->config[pos + PCI_CAP_LIST_NEXT])
		pos = pdev->config[pos + PCI_CAP_LIST_NEXT];
	return pos;
}

/* Standard-list layouts: a vendor capability at 0xf0, linked last. */
static void mockdma_hostile_std(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *cap = pdev->config + MOCKDMA_HOSTILE_CAP;
	uint8_t next = 0, len = MOCKDMA_HOSTILE_CAP_LEN;

	switch (s->hostile) {
	case MOCKDMA_HOSTILE_LOW:
		next = MOCKDMA_HOSTILE_LOW_NEXT;
		break;
	case MOCKDMA_HOSTILE_MISALIGNED:
		next = MOCKDMA_HOSTILE_MISALIGNED_NEXT;
		break;
	case MOCKDMA_HOSTILE_VNDR_LONG:
		len = MOCKDMA_HOSTILE_VNDR_LONG_LEN;
		break;
	case MOCKDMA_HOSTILE_CYCLE:
		next = pdev->config[PCI_CAPABILITY_LIST];
		assert(next == MOCKDMA_HOSTILE_CYCLE_NEXT);
		break;
	}
	s->hostile_tail = mockdma_cap_tail(pdev);
	cap[PCI_CAP_LIST_ID] = PCI_CAP_ID_VNDR;
	cap[PCI_CAP_LIST_NEXT] = next;
	cap[PCI_CAP_FLAGS] = len;
	cap[MOCKDMA_HOSTILE_CAP_KIND] = s->hostile;
	pci_set_long(cap + MOCKDMA_HOSTILE_CAP_MAGIC, MOCKDMA_MAGIC);
	/* QEMU leaves bytes no capability claims writable */
	memset(pdev->wmask + MOCKDMA_HOSTILE_CAP, 0, MOCKDMA_HOSTILE_CAP_LEN);
	pdev->config[s->hostile_tail + PCI_CAP_LIST_NEXT] = MOCKDMA_HOSTILE_CAP;
}

/* Extended-list layouts: a VSEC at 0xf00, linked last. */
static void mockdma_hostile_ext(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	uint8_t *cap = pdev->config + MOCKDMA_HOSTILE_ECAP;
	uint32_t next = 0, len = MOCKDMA_HOSTILE_ECAP_LEN;

	switch (s->hostile) {
	case MOCKDMA_HOSTILE_ECAP_LONG:
		len = MOCKDMA_HOSTILE_ECAP_LONG_LEN;
		break;
	case MOCKDMA_HOSTILE_ECAP_CYCLE:
		next = MOCKDMA_HOSTILE_ECAP_CYCLE_NEXT;
		break;
	case MOCKDMA_HOSTILE_BELOW_ECAP:
		next = MOCKDMA_HOSTILE_BELOW_ECAP_NEXT;
		break;
	}
	/* links it after the last one (AER, the anchor or SR-IOV) */
	pcie_add_capability(pdev, PCI_EXT_CAP_ID_VNDR, MOCKDMA_VSEC_REV,
			    MOCKDMA_HOSTILE_ECAP, MOCKDMA_HOSTILE_ECAP_LEN);
	pci_set_long(cap + 4, MOCKDMA_VSEC_ID_HOSTILE |
		     MOCKDMA_VSEC_REV << 16 | len << 20);
	pci_set_long(cap + MOCKDMA_HOSTILE_ECAP_KIND, s->hostile);
	pci_set_long(cap + MOCKDMA_HOSTILE_ECAP_MAGIC, MOCKDMA_MAGIC);
	/* last: QEMU's own list walker must not meet it */
	pci_set_long(cap, PCI_EXT_CAP(PCI_EXT_CAP_ID_VNDR, MOCKDMA_VSEC_REV,
				      next));
}

/*
 * Undo what a hostile layout or a user did to the standard list, before
 * QEMU's pci_del_capability() walks it (which follows any loop forever).
 */
static void mockdma_restore_caps(MockDmaState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (s->vndr_writable)
		memcpy(pdev->config + MOCKDMA_CAP_VNDR, s->vndr_saved,
		       MOCKDMA_VNDR_LEN);
	if (s->hostile_tail)
		pdev->config[s->hostile_tail + PCI_CAP_LIST_NEXT] = 0;
}

static bool mockdma_init_bars(MockDmaState *s, Error **errp)
{
	ERRP_GUARD();
	PCIDevice *pdev = PCI_DEVICE(s);
	Object *obj = OBJECT(s);
	uint8_t small_type = s->subpage ? PCI_BASE_ADDRESS_SPACE_MEMORY :
					  PCI_BASE_ADDRESS_SPACE_IO;

	memory_region_init_io(&s->regs, obj, &mockdma_regs_ops, s,
			      "mockdma-regs", MOCKDMA_BAR0_SIZE);
	pci_register_bar(pdev, MOCKDMA_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY |
			 PCI_BASE_ADDRESS_MEM_TYPE_64, &s->regs);

	memory_region_init_ram(&s->mem, obj, "mockdma-mem", s->mem_size, errp);
	if (*errp)
		return false;
	pci_register_bar(pdev, MOCKDMA_BAR_MEM, PCI_BASE_ADDRESS_SPACE_MEMORY |
			 PCI_BASE_ADDRESS_MEM_TYPE_64 |
			 PCI_BASE_ADDRESS_MEM_PREFETCH, &s->mem);

	memory_region_init(&s->msix_bar, obj, "mockdma-msix",
			   MOCKDMA_MSIX_BAR_SIZE);
	pci_register_bar(pdev, MOCKDMA_BAR_MSIX, PCI_BASE_ADDRESS_SPACE_MEMORY,
			 &s->msix_bar);

	memory_region_init_io(&s->small, obj, &mockdma_small_ops, s,
			      "mockdma-small", MOCKDMA_BAR5_SIZE);
	pci_register_bar(pdev, MOCKDMA_BAR_SMALL, small_type, &s->small);

	memory_region_init_rom(&s->rom, obj, "mockdma-rom", MOCKDMA_ROM_SIZE,
			       errp);
	if (*errp)
		return false;
	mockdma_build_rom(s);
	pci_register_bar(pdev, PCI_ROM_SLOT, 0, &s->rom);
	return true;
}

static void mockdma_realize(PCIDevice *pdev, Error **errp)
{
	MockDmaState *s = MOCKDMA(pdev);
	uint8_t *conf = pdev->config;

	if (!mockdma_check_props(s, errp))
		return;
	pci_config_set_interrupt_pin(conf, s->intx_pin + 1);
	pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID, MOCKDMA_VENDOR_ID);
	pci_set_word(conf + PCI_SUBSYSTEM_ID, MOCKDMA_SUBSYS_ID);

	s->bh = qemu_bh_new(mockdma_engine_bh, s);
	s->timer = timer_new_us(QEMU_CLOCK_VIRTUAL, mockdma_engine_timer, s);
	if (!mockdma_init_bars(s, errp) || !mockdma_init_caps(s, errp))
		return;
	mockdma_init_ext_caps(s);
	if (s->vndr_writable)
		mockdma_init_vndr_writable(s);
	/* hostile layouts last: nothing may walk a list after them */
	if (s->hostile >= MOCKDMA_HOSTILE_ECAP_LONG)
		mockdma_hostile_ext(s);
	else if (s->hostile)
		mockdma_hostile_std(s);
}

static void mockdma_exit(PCIDevice *pdev)
{
	MockDmaState *s = MOCKDMA(pdev);

	mockdma_restore_caps(s);
	if (s->sriov)
		pcie_sriov_pf_exit(pdev);
	if (s->aer)
		pcie_aer_exit(pdev);
	pcie_cap_exit(pdev);
	msix_uninit(pdev, &s->msix_bar, &s->msix_bar);
	msi_uninit(pdev);
	/*
	 * The RAM blocks (BAR2's and the ROM's) outlive the device until the
	 * memory map's RCU grace period ends; their names (the slot's path)
	 * must be free now, or a device hot-added at the same slot before
	 * then aborts QEMU ("RAMBlock ... already registered"), as ivshmem
	 * does it.
	 */
	vmstate_unregister_ram(&s->mem, DEVICE(pdev));
	vmstate_unregister_ram(&s->rom, DEVICE(pdev));
	if (s->timer)
		timer_free(s->timer);
	if (s->bh)
		qemu_bh_delete(s->bh);
}

static Property mockdma_properties[] = {
	DEFINE_PROP_SIZE("mem-size", MockDmaState, mem_size, 1 * MiB),
	DEFINE_PROP_UINT32("vectors", MockDmaState, vectors, 8),
	DEFINE_PROP_UINT32("msi-vectors", MockDmaState, msi_vectors, 4),
	DEFINE_PROP_UINT8("dma-bits", MockDmaState, dma_bits, 64),
	DEFINE_PROP_UINT8("intx-pin", MockDmaState, intx_pin, 0),
	DEFINE_PROP_BOOL("flr", MockDmaState, flr, true),
	DEFINE_PROP_BOOL("aer", MockDmaState, aer, true),
	DEFINE_PROP_BOOL("pm", MockDmaState, pm, true),
	DEFINE_PROP_BOOL("subpage-bar", MockDmaState, subpage, false),
	DEFINE_PROP_STRING("cap-hostile", MockDmaState, cap_hostile),
	DEFINE_PROP_BOOL("vndr-writable", MockDmaState, vndr_writable, false),
	DEFINE_PROP_BOOL("sriov", MockDmaState, sriov, false),
	DEFINE_PROP_UINT16("total-vfs", MockDmaState, total_vfs,
			   MOCKDMA_SRIOV_DEF_VFS),
	DEFINE_PROP_BOOL("cap-extra", MockDmaState, cap_extra, false),
	DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription mockdma_vmstate = {
	.name = TYPE_MOCKDMA,
	.unmigratable = 1,
};

static void mockdma_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

	k->realize = mockdma_realize;
	k->exit = mockdma_exit;
	k->config_write = mockdma_config_write;
	k->vendor_id = MOCKDMA_VENDOR_ID;
	k->device_id = MOCKDMA_DEVICE_ID;
	k->revision = MOCKDMA_REVISION;
	k->class_id = MOCKDMA_CLASS;
	dc->desc = "upci lab DMA test device";
	dc->reset = mockdma_qdev_reset;
	dc->vmsd = &mockdma_vmstate;
	device_class_set_props(dc, mockdma_properties);
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo mockdma_info = {
	.name = TYPE_MOCKDMA,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(MockDmaState),
	.class_init = mockdma_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_PCIE_DEVICE },
		{ },
	},
};

/*
 * --- mockdma-vf: the virtual functions of a PF with sriov=on ---
 *
 * A PCIe endpoint with one 4 KiB memory BAR (MOCKDMA_VF_REG_*). Only the
 * PF creates them (pcie_sriov), when the guest sets VF Enable.
 */
struct MockDmaVfState {
	PCIDevice parent_obj;

	MemoryRegion regs;
	uint32_t scratch;
};

static uint64_t mockdma_vf_read(void *opaque, hwaddr addr, unsigned int size)
{
	MockDmaVfState *s = opaque;

	switch (addr) {
	case MOCKDMA_VF_REG_MAGIC:	return MOCKDMA_VF_MAGIC;
	case MOCKDMA_VF_REG_NUMBER:	return pcie_sriov_vf_number(PCI_DEVICE(s));
	case MOCKDMA_VF_REG_SCRATCH:	return s->scratch;
	}
	return 0;
}

static void mockdma_vf_write(void *opaque, hwaddr addr, uint64_t val,
			     unsigned int size)
{
	MockDmaVfState *s = opaque;

	if (addr == MOCKDMA_VF_REG_SCRATCH)
		s->scratch = val;
}

static const MemoryRegionOps mockdma_vf_ops = {
	.read = mockdma_vf_read,
	.write = mockdma_vf_write,
	.endianness = DEVICE_LITTLE_ENDIAN,
	.valid = { .min_access_size = 4, .max_access_size = 4 },
	.impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void mockdma_vf_realize(PCIDevice *pdev, Error **errp)
{
	MockDmaVfState *s = MOCKDMA_VF(pdev);
	uint8_t *conf = pdev->config;

	if (!pci_is_vf(pdev)) {
		error_setg(errp, "mockdma-vf: only a mockdma PF with sriov=on "
			   "creates VFs");
		return;
	}
	pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID, MOCKDMA_VENDOR_ID);
	pci_set_word(conf + PCI_SUBSYSTEM_ID, MOCKDMA_SUBSYS_ID);
	memory_region_init_io(&s->regs, OBJECT(s), &mockdma_vf_ops, s,
			      "mockdma-vf-regs", MOCKDMA_VF_BAR0_SIZE);
	pcie_sriov_vf_register_bar(pdev, MOCKDMA_VF_BAR_REGS, &s->regs);
	if (pcie_endpoint_cap_init(pdev, MOCKDMA_VF_CAP_EXP) < 0) {
		error_setg(errp, "mockdma-vf: cannot add the PCIe capability");
		return;
	}
}

static void mockdma_vf_exit(PCIDevice *pdev)
{
	pcie_cap_exit(pdev);
}

static void mockdma_vf_reset(DeviceState *dev)
{
	MOCKDMA_VF(dev)->scratch = 0;
}

static const VMStateDescription mockdma_vf_vmstate = {
	.name = TYPE_MOCKDMA_VF,
	.unmigratable = 1,
};

static void mockdma_vf_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

	k->realize = mockdma_vf_realize;
	k->exit = mockdma_vf_exit;
	/* the config IDs read 0xffff: pcie_sriov sets them so */
	k->vendor_id = MOCKDMA_VENDOR_ID;
	k->device_id = MOCKDMA_VF_DEVICE_ID;
	k->revision = MOCKDMA_REVISION;
	k->class_id = MOCKDMA_CLASS;
	dc->desc = "upci lab DMA test device, SR-IOV virtual function";
	dc->reset = mockdma_vf_reset;
	dc->vmsd = &mockdma_vf_vmstate;
	dc->user_creatable = false;
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo mockdma_vf_info = {
	.name = TYPE_MOCKDMA_VF,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(MockDmaVfState),
	.class_init = mockdma_vf_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_PCIE_DEVICE },
		{ },
	},
};

static void mockdma_register_types(void)
{
	type_register_static(&mockdma_info);
	type_register_static(&mockdma_vf_info);
}

type_init(mockdma_register_types)
