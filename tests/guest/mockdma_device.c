// SPDX-License-Identifier: GPL-2.0
/*
 * The mockdma device model (include/mockdma.h, mockdevs/mockdma.c) on
 * every register and capability, driven through the VFIO device fd of the
 * driver under test.
 *
 * The scenario declares three devices whose properties differ; the
 * harness passes each device's properties into the guest
 * (/etc/upcilab/devices), so every test checks that what QEMU was told
 * reached the guest:
 *   mdma0  root bus, defaults: FLR, PM reset, AER (nothing to report to)
 *   mdma1  below a root port (bus reset, AER reported to the guest's AER
 *          driver), 16 MSI-X, 8 MSI, 2 MiB BAR2, sub-page BAR5, INTB,
 *          40-bit DMA, no FLR
 *   mdma2  root bus, minimal: 1 MSI-X, 1 MSI, 32-bit DMA, no FLR, PM or
 *          AER, hence no reset method at all: its state survives the
 *          close/open between tests, so every test sets what it relies on
 *
 * Config space is read raw from sysfs (the guest kernel's view of the
 * hardware, root only): VFIO virtualizes parts of what the fd shows.
 * The end-to-end DMA proof is in mockdma_dma.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "klog.h"
#include "mockdma.h"
#include "vfio_lab.h"
#include "ftrace_time.h"
#include "viommu.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"
#include "mockdma_log.h"

#define PAGE		4096ul
#define CFG_SIZE	PCI_CFG_SPACE_EXP_SIZE
#define IORESOURCE_IO		0x00000100	/* include/linux/ioport.h */
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_MEM_64	0x00100000
#define MSIX_BAR_SIZE	4096u		/* the model's BAR4 */
#define MSIX_PBA_OFF	2048u		/* "PBA in the upper half" */

/* IOVAs: the ring, two buffers, and never-mapped pages for faults. */
#define IOVA_RING	0x10000ul
#define IOVA_A		0x100000ul
#define IOVA_B		0x200000ul
#define IOVA_C		0x300000ul
#define IOVA_HOLE	0x7000000ul
#define BUF_SIZE	(16 * PAGE)
#define RING_ENTRIES	64
#define SCRATCH_VAL	0x5ca1ab1eu
#define AER_WAIT_MS	3000

/* Register access that fails the test when the access itself fails. */
#define RD32(reg) ({							\
	uint32_t __v = 0;						\
	ASSERT_EQ(0, mockdma_read32(&self->m, (reg), &__v));		\
	__v;								\
})
#define WR32(reg, val) ASSERT_EQ(0, mockdma_write32(&self->m, (reg), (val)))
#define RD64(reg) ({							\
	uint64_t __v = 0;						\
	ASSERT_EQ(0, mockdma_read64(&self->m, (reg), &__v));		\
	__v;								\
})
#define WR64(reg, val) ASSERT_EQ(0, mockdma_write64(&self->m, (reg), (val)))

/* Config dword/word/byte of the raw image in self->cfg. */
#define CFG8(off)	(self->cfg[(off)])
#define CFG16(off)	((uint16_t)(self->cfg[(off)] | self->cfg[(off) + 1] << 8))
#define CFG32(off)	((uint32_t)CFG16(off) | (uint32_t)CFG16((off) + 2) << 16)

/* Every fixture here opens one device the same way. */
#define MOCKDMA_FIXTURE_FIELDS						\
	struct mockdma m;						\
	struct mockdma_props p;						\
	struct mockdma_ring ring;					\
	struct mockdma_buf a, b, c;					\
	struct mockdma_irqs irqs;					\
	uint8_t cfg[CFG_SIZE];						\
	bool below_port;		/* behind a root port */	\
	bool reset_method_changed

static int set_reset_method(const char *bdf, const char *method);

/*
 * The kselftest harness of this kernel skips FIXTURE_TEARDOWN when an
 * ASSERT fails (its longjmp() loses the fork's result at -O2), so each
 * setup first undoes what an aborted test may have left: a reset method
 * chosen in sysfs, and misbehaviour on mdma2, which no reset clears.
 */
static void setup_device(struct __test_metadata *_metadata, const char *id,
			 struct mockdma *m, struct mockdma_props *p,
			 uint8_t *cfg, bool *below_port)
{
	static const uint32_t quiet[] = {
		MOCKDMA_REG_KNOBS, MOCKDMA_REG_INTX_FORCE, MOCKDMA_REG_IRQ_ENABLE,
		MOCKDMA_REG_DMA_DELAY, MOCKDMA_REG_CTRL,
	};
	char bdf[PCI_TOPO_BDF_SIZE], why[256], path[PCI_TOPO_PATH_SIZE];
	size_t i;

	*m = (struct mockdma){ .dev = { .container = -1, .group = -1, .fd = -1 } };
	if (mockdma_device_bdf(id, bdf, why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, mockdma_props_load(id, p, why, sizeof(why))) TH_LOG("%s", why);
	if (p->flr || p->pm)
		ASSERT_EQ(0, set_reset_method(bdf, "default"));
	ASSERT_EQ(0, mockdma_open_bdf(m, bdf, why, sizeof(why))) TH_LOG("%s", why);
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		ASSERT_EQ(0, mockdma_write32(m, quiet[i], 0));
	ASSERT_EQ(0, mockdma_write32(m, MOCKDMA_REG_IRQ_STATUS, ~0u));
	ASSERT_EQ(0, pci_topo_config_read(bdf, 0, cfg, CFG_SIZE))
		TH_LOG("reading %s's config space from sysfs (needs root)", bdf);
	ASSERT_EQ(0, pci_topo_path_of(bdf, path));
	*below_port = pci_topo_path_depth(path) > 1;
}

static int set_reset_method(const char *bdf, const char *method)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method", bdf);
	return pci_topo_write_file(path, method);
}

static bool has_reset_method(const char *bdf)
{
	char methods[128];

	return !pci_topo_reset_methods(bdf, methods, sizeof(methods));
}

/*
 * Leave the device quiet for the next test: no misbehaviour, no INTx, no
 * interrupts, engine off.  Devices without a reset method keep all of it
 * across close and open.
 */
static void teardown_device(struct mockdma *m, struct mockdma_ring *ring,
			    struct mockdma_buf *bufs, int nbufs,
			    struct mockdma_irqs *irqs, bool reset_method_changed)
{
	int i;

	if (m->dev.fd < 0)
		return;
	mockdma_write32(m, MOCKDMA_REG_KNOBS, 0);
	mockdma_write32(m, MOCKDMA_REG_INTX_FORCE, 0);
	mockdma_write32(m, MOCKDMA_REG_IRQ_ENABLE, 0);
	mockdma_write32(m, MOCKDMA_REG_IRQ_STATUS, ~0u);
	mockdma_write32(m, MOCKDMA_REG_DMA_DELAY, 0);
	mockdma_irqs_disable(m, irqs);
	mockdma_ring_free(m, ring);
	for (i = 0; i < nbufs; i++)
		mockdma_buf_free(m, &bufs[i]);
	if (reset_method_changed)
		set_reset_method(m->dev.bdf, "default");
	mockdma_close(m);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	while (n--)
		if (*p++ != v)
			return false;
	return true;
}

static void pattern(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13 + seed * 7 + (i >> 8));
}

/* Run d and assert its status, logging it whole when that fails. */
#define RUN_EXPECT(self, d, want, out) do {				\
	ASSERT_EQ(0, mockdma_run(&(self)->m, &(self)->ring, (d), (out)))	\
		log_state(_metadata, &(self)->m);			\
	ASSERT_EQ((uint32_t)(want), (out)->status) {			\
		TH_LOG("want %s", mockdma_status_name(want));		\
		log_desc(_metadata, (out));				\
	}								\
} while (0)

/* ================= config space, BARs, ROM ================= */

FIXTURE(dev) {
	MOCKDMA_FIXTURE_FIELDS;
};

FIXTURE_VARIANT(dev) {
	const char *id;
};

FIXTURE_VARIANT_ADD(dev, mdma0) { .id = "mdma0" };
FIXTURE_VARIANT_ADD(dev, mdma1) { .id = "mdma1" };
FIXTURE_VARIANT_ADD(dev, mdma2) { .id = "mdma2" };

FIXTURE_SETUP(dev)
{
	setup_device(_metadata, variant->id, &self->m, &self->p, self->cfg,
		     &self->below_port);
}

FIXTURE_TEARDOWN(dev)
{
	struct mockdma_buf bufs[3] = { self->a, self->b, self->c };

	teardown_device(&self->m, &self->ring, bufs, 3, &self->irqs,
			self->reset_method_changed);
}

TEST_F(dev, ids_class_revision)
{
	uint64_t v;

	EXPECT_EQ(MOCKDMA_VENDOR_ID, CFG16(PCI_VENDOR_ID));
	EXPECT_EQ(MOCKDMA_DEVICE_ID, CFG16(PCI_DEVICE_ID));
	EXPECT_EQ(MOCKDMA_VENDOR_ID, CFG16(PCI_SUBSYSTEM_VENDOR_ID));
	EXPECT_EQ(MOCKDMA_SUBSYS_ID, CFG16(PCI_SUBSYSTEM_ID));
	EXPECT_EQ(MOCKDMA_REVISION, CFG8(PCI_REVISION_ID));
	/* the 16-bit class (base class << 8 | subclass), prog-if 0 */
	EXPECT_EQ(MOCKDMA_CLASS, CFG16(PCI_CLASS_DEVICE));
	EXPECT_EQ(0, CFG8(PCI_CLASS_PROG));
	EXPECT_EQ(PCI_HEADER_TYPE_NORMAL, CFG8(PCI_HEADER_TYPE) & 0x7f);
	EXPECT_TRUE(CFG16(PCI_STATUS) & PCI_STATUS_CAP_LIST);
	/* The fd shows the same identity. */
	test_cmd_config_read(self->m.dev.fd, PCI_VENDOR_ID, 4, &v);
	EXPECT_EQ(CFG32(PCI_VENDOR_ID), v);
	test_cmd_config_read(self->m.dev.fd, PCI_CLASS_REVISION, 4, &v);
	EXPECT_EQ(CFG32(PCI_CLASS_REVISION), v);
}

/* sysfs "resource": what the guest kernel sized and assigned. */
TEST_F(dev, bar_sizes_and_types_in_sysfs)
{
	static const uint64_t type_mask = IORESOURCE_IO | IORESOURCE_MEM |
					  IORESOURCE_PREFETCH | IORESOURCE_MEM_64;
	struct {
		uint64_t size, type;
	} want[7] = {
		[0] = { MOCKDMA_BAR0_SIZE, IORESOURCE_MEM | IORESOURCE_MEM_64 },
		[2] = { self->p.mem_size, IORESOURCE_MEM | IORESOURCE_MEM_64 |
					  IORESOURCE_PREFETCH },
		[4] = { MSIX_BAR_SIZE, IORESOURCE_MEM },
		[5] = { MOCKDMA_BAR5_SIZE, self->p.subpage ? IORESOURCE_MEM :
							     IORESOURCE_IO },
		/* Linux marks every ROM prefetchable */
		[6] = { MOCKDMA_ROM_SIZE, IORESOURCE_MEM | IORESOURCE_PREFETCH },
	};
	struct pci_topo_resource res;
	int i;

	for (i = 0; i < 7; i++) {
		ASSERT_EQ(0, pci_topo_resource(self->m.dev.bdf, i, &res));
		TH_LOG("resource %d: 0x%llx-0x%llx flags 0x%llx", i,
		       (unsigned long long)res.start, (unsigned long long)res.end,
		       (unsigned long long)res.flags);
		EXPECT_EQ(want[i].size, pci_topo_resource_size(&res))
			TH_LOG("resource %d size", i);
		if (want[i].size)
			EXPECT_EQ(want[i].type, res.flags & type_mask)
				TH_LOG("resource %d type", i);
	}
}

/* The BAR registers' own type bits, in raw config. */
TEST_F(dev, bar_registers_type_bits)
{
	uint32_t bar0 = CFG32(PCI_BASE_ADDRESS_0), bar2 = CFG32(PCI_BASE_ADDRESS_2);
	uint32_t bar4 = CFG32(PCI_BASE_ADDRESS_4), bar5 = CFG32(PCI_BASE_ADDRESS_5);

	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64,
		  bar0 & 0xf);
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
		  PCI_BASE_ADDRESS_MEM_PREFETCH, bar2 & 0xf);
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32,
		  bar4 & 0xf);
	if (self->p.subpage) {
		EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_MEMORY, bar5 & 0xf);
	} else {
		EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_IO, bar5 & 0x3);
	}
	/* the ROM BAR's address bits are implemented (8 KiB aligned) */
	EXPECT_EQ(0, CFG32(PCI_ROM_ADDRESS) & (MOCKDMA_ROM_SIZE - 1) & ~1u);
}

/* VFIO's regions: sizes as the BARs, mmap for the page-sized memory BARs. */
TEST_F(dev, region_info_of_each_bar)
{
	static const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
				   VFIO_REGION_INFO_FLAG_WRITE;
	const uint64_t size[VFIO_PCI_ROM_REGION_INDEX + 1] = {
		MOCKDMA_BAR0_SIZE, 0, self->p.mem_size, 0, MSIX_BAR_SIZE,
		MOCKDMA_BAR5_SIZE, MOCKDMA_ROM_SIZE,
	};
	struct vfio_region_info *info;
	uint32_t i;

	for (i = 0; i <= VFIO_PCI_ROM_REGION_INDEX; i++) {
		ASSERT_EQ(0, vfio_lab_region_info(self->m.dev.fd, i, &info));
		TH_LOG("region %u: size 0x%llx flags 0x%x", i,
		       (unsigned long long)info->size, info->flags);
		EXPECT_EQ(size[i], info->size) TH_LOG("region %u", i);
		if (i == VFIO_PCI_ROM_REGION_INDEX) {
			EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ, info->flags);
		} else if (!size[i]) {
			EXPECT_EQ(0, info->flags & rw) TH_LOG("region %u", i);
		} else {
			EXPECT_EQ(rw, info->flags & rw) TH_LOG("region %u", i);
		}
		if (i == 0 || i == 2 || i == 4)
			EXPECT_TRUE(info->flags & VFIO_REGION_INFO_FLAG_MMAP)
				TH_LOG("region %u", i);
		if (i == 5 && !self->p.subpage)
			EXPECT_FALSE(info->flags & VFIO_REGION_INFO_FLAG_MMAP)
				TH_LOG("an I/O BAR is never mmap()ed");
		free(info);
	}
	/* The library mapped BAR0 and BAR2 (so later tests use the mmaps). */
	EXPECT_NE(NULL, self->m.regs);
	EXPECT_NE(NULL, self->m.mem);
}

TEST_F(dev, rom_has_signature_and_pci_data_structure)
{
	uint8_t rom[MOCKDMA_ROM_SIZE];
	uint16_t pcir;
	size_t i;

	ASSERT_EQ((ssize_t)sizeof(rom),
		  vfio_lab_region_read(self->m.dev.fd, VFIO_PCI_ROM_REGION_INDEX,
				       0, rom, sizeof(rom)));
	EXPECT_EQ(0x55, rom[0]);
	EXPECT_EQ(0xaa, rom[1]);
	EXPECT_EQ(MOCKDMA_ROM_SIZE / 512, rom[2]);
	EXPECT_EQ(0, memcmp(rom + 4, MOCKDMA_ROM_SIGNATURE,
			    sizeof(MOCKDMA_ROM_SIGNATURE)))
		TH_LOG("ROM offset 4: \"%.*s\"", (int)sizeof(MOCKDMA_ROM_SIGNATURE), rom + 4);
	pcir = rom[0x18] | rom[0x19] << 8;
	ASSERT_LT(pcir, MOCKDMA_ROM_SIZE - 24);
	EXPECT_EQ(0, memcmp(rom + pcir, "PCIR", 4));
	EXPECT_EQ(MOCKDMA_VENDOR_ID, rom[pcir + 4] | rom[pcir + 5] << 8);
	EXPECT_EQ(MOCKDMA_DEVICE_ID, rom[pcir + 6] | rom[pcir + 7] << 8);
	/* the PCI data structure's class code is the function's */
	EXPECT_EQ(CFG8(PCI_CLASS_PROG), rom[pcir + 13]);
	EXPECT_EQ(MOCKDMA_CLASS, rom[pcir + 14] | rom[pcir + 15] << 8);
	EXPECT_EQ(MOCKDMA_ROM_SIZE / 512, rom[pcir + 16] | rom[pcir + 17] << 8);
	EXPECT_EQ(0x80, rom[pcir + 21] & 0x80) TH_LOG("last-image bit");
	/* the rest is the model's filler, i * 7: a wrong offset shows */
	for (i = 0x40; i < sizeof(rom); i++)
		if (rom[i] != (uint8_t)(i * 7))
			break;
	EXPECT_EQ(sizeof(rom), i) TH_LOG("ROM byte 0x%zx", i);
}

/*
 * With memory decode off the ROM is not touched: upci answers -EIO before
 * pci_map_rom() reads the image's header.  vfio-pci maps it first: the
 * header reads as all ones, the PCI core logs "Invalid PCI ROM header
 * signature" and vfio-pci answers -ENOMEM (the CVE-2020-12888 class of
 * access with decode off, which on real hardware can be an error).
 */
TEST_F(dev, rom_with_memory_decode_off_is_not_touched)
{
	const char *needles[] = { "Invalid PCI ROM header", self->m.dev.bdf };
	int before, after;
	uint8_t rom[16];
	ssize_t n;

	before = klog_count_now(needles, 2);
	ASSERT_LE(0, before);

	ASSERT_EQ(0, vfio_lab_command_update(self->m.dev.fd, 0, PCI_COMMAND_MEMORY));
	n = vfio_lab_region_read(self->m.dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, rom, sizeof(rom));
	ASSERT_EQ(0, vfio_lab_command_update(self->m.dev.fd, PCI_COMMAND_MEMORY, 0));
	after = klog_count_now(needles, 2);
	ASSERT_LE(0, after);

	EXPECT_EQ(intended_difference(-ENOMEM, -EIO,
				      "upci checks memory decode before pci_map_rom() reads the ROM header"),
		  n);
	EXPECT_EQ(intended_difference(1, 0, "the header is never read with decode off"),
		  after - before);
	/* and with decode on again, the ROM reads */
	EXPECT_EQ((ssize_t)sizeof(rom),
		  vfio_lab_region_read(self->m.dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, rom,
				       sizeof(rom)));
	EXPECT_EQ(0x55, rom[0]);
}

struct rom_reader {
	pthread_t th;
	int fd;
	const uint8_t *want;
	int rounds, torn;
};

static void *rom_reader_run(void *arg)
{
	struct rom_reader *r = arg;
	uint8_t got[MOCKDMA_ROM_SIZE];

	for (int i = 0; i < r->rounds; i++)
		if (vfio_lab_region_read(r->fd, VFIO_PCI_ROM_REGION_INDEX, 0, got,
					 sizeof(got)) != (ssize_t)sizeof(got) ||
		    memcmp(got, r->want, sizeof(got)))
			r->torn++;
	return NULL;
}

/*
 * Readers of the ROM at once: pci_map_rom() and pci_unmap_rom() keep no
 * count, so one reader's unmap turns the decoder off under another's
 * reads.  upci lets them take turns: every read is whole.  vfio-pci's
 * torn reads are counted, not asserted (they depend on timing).
 */
TEST_F_TIMEOUT(dev, rom_readers_at_once_each_read_it_whole, 120)
{
	struct rom_reader r[3];
	uint8_t want[MOCKDMA_ROM_SIZE];
	int torn = 0;

	ASSERT_EQ((ssize_t)sizeof(want),
		  vfio_lab_region_read(self->m.dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, want,
				       sizeof(want)));
	for (int i = 0; i < 3; i++) {
		r[i] = (struct rom_reader){ .fd = self->m.dev.fd, .want = want, .rounds = 40 };
		ASSERT_EQ(0, pthread_create(&r[i].th, NULL, rom_reader_run, &r[i]));
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(r[i].th, NULL);
		torn += r[i].torn;
	}
	printf("# %s on %s: %d of 120 concurrent ROM reads torn\n", self->m.dev.bdf,
	       vfio_lab_driver_name(), torn);
	if (vfio_lab_driver() == VFIO_LAB_UPCI)
		EXPECT_EQ(0, torn);
}

/* The capability list holds exactly the capabilities the properties ask for. */
TEST_F(dev, capabilities_at_documented_offsets)
{
	static const struct {
		uint8_t id;
		int off;
	} caps[] = {
		{ PCI_CAP_ID_PM, MOCKDMA_CAP_PM },
		{ PCI_CAP_ID_MSI, MOCKDMA_CAP_MSI },
		{ PCI_CAP_ID_VNDR, MOCKDMA_CAP_VNDR },
		{ PCI_CAP_ID_MSIX, MOCKDMA_CAP_MSIX },
		{ PCI_CAP_ID_EXP, MOCKDMA_CAP_EXP },
	};
	unsigned int pos, n = 0, i;
	uint32_t aer;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int want = caps[i].id == PCI_CAP_ID_PM && !self->p.pm ?
			   -ENOENT : caps[i].off;

		EXPECT_EQ(want, mockdma_cap_offset(self->cfg, CFG_SIZE, caps[i].id))
			TH_LOG("capability 0x%02x", caps[i].id);
	}
	for (pos = CFG8(PCI_CAPABILITY_LIST); pos && n < 48; pos = CFG8(pos + 1))
		n++;
	EXPECT_EQ(self->p.pm ? 5u : 4u, n) TH_LOG("capabilities in the list");
	aer = CFG32(MOCKDMA_ECAP_AER);
	if (self->p.aer) {
		EXPECT_EQ(PCI_EXT_CAP_ID_ERR, PCI_EXT_CAP_ID(aer));
		EXPECT_EQ(2, PCI_EXT_CAP_VER(aer)) TH_LOG("QEMU's PCI_ERR_VER");
		EXPECT_EQ(0, PCI_EXT_CAP_NEXT(aer)) TH_LOG("AER is the only extended cap");
	} else {
		EXPECT_EQ(0, aer) TH_LOG("aer=off: no extended capability");
	}
}

TEST_F(dev, pm_capability)
{
	uint16_t pmc = CFG16(MOCKDMA_CAP_PM + PCI_PM_PMC);
	uint16_t ctrl = CFG16(MOCKDMA_CAP_PM + PCI_PM_CTRL);

	if (!self->p.pm)
		SKIP(return, "pm=off (its absence is checked by capabilities_at_documented_offsets)");
	EXPECT_EQ(3, pmc & PCI_PM_CAP_VER_MASK) TH_LOG("PM 1.2");
	EXPECT_EQ(0, ctrl & PCI_PM_CTRL_NO_SOFT_RESET) TH_LOG("D3hot->D0 must reset");
	EXPECT_EQ(0, ctrl & PCI_PM_CTRL_STATE_MASK) TH_LOG("in D0");
}

TEST_F(dev, msi_capability)
{
	uint16_t flags = CFG16(MOCKDMA_CAP_MSI + PCI_MSI_FLAGS);
	unsigned int log2 = __builtin_ctz(self->p.msi_vectors);

	EXPECT_TRUE(flags & PCI_MSI_FLAGS_64BIT);
	EXPECT_TRUE(flags & PCI_MSI_FLAGS_MASKBIT) TH_LOG("per-vector masking");
	EXPECT_EQ(log2, (flags & PCI_MSI_FLAGS_QMASK) >> 1)
		TH_LOG("multiple message capable: %u messages", self->p.msi_vectors);
	EXPECT_FALSE(flags & PCI_MSI_FLAGS_ENABLE);
}

TEST_F(dev, msix_capability)
{
	uint16_t flags = CFG16(MOCKDMA_CAP_MSIX + PCI_MSIX_FLAGS);
	uint32_t table = CFG32(MOCKDMA_CAP_MSIX + PCI_MSIX_TABLE);
	uint32_t pba = CFG32(MOCKDMA_CAP_MSIX + PCI_MSIX_PBA);

	EXPECT_EQ(self->p.vectors, (flags & PCI_MSIX_FLAGS_QSIZE) + 1u);
	EXPECT_EQ(MOCKDMA_BAR_MSIX, table & PCI_MSIX_TABLE_BIR);
	EXPECT_EQ(0, table & PCI_MSIX_TABLE_OFFSET);
	EXPECT_EQ(MOCKDMA_BAR_MSIX, pba & PCI_MSIX_PBA_BIR);
	EXPECT_EQ(MSIX_PBA_OFF, pba & PCI_MSIX_PBA_OFFSET);
	EXPECT_FALSE(flags & PCI_MSIX_FLAGS_ENABLE);
}

/* The vendor capability describes the device as its properties made it. */
TEST_F(dev, vendor_capability)
{
	const uint8_t *cap = self->cfg + MOCKDMA_CAP_VNDR;
	uint32_t magic, mem_kb;
	uint16_t vectors;

	memcpy(&magic, cap + MOCKDMA_VNDR_MAGIC, 4);
	memcpy(&mem_kb, cap + MOCKDMA_VNDR_MEM_KB, 4);
	memcpy(&vectors, cap + MOCKDMA_VNDR_VECTORS, 2);
	EXPECT_EQ(PCI_CAP_ID_VNDR, cap[0]);
	EXPECT_EQ(MOCKDMA_VNDR_LEN, cap[2]);
	EXPECT_EQ(MOCKDMA_VERSION, cap[MOCKDMA_VNDR_VERSION]);
	EXPECT_EQ(MOCKDMA_MAGIC, magic);
	EXPECT_EQ(self->p.mem_size >> 10, mem_kb);
	EXPECT_EQ(self->p.vectors, vectors);
	EXPECT_EQ(self->p.msi_vectors, cap[MOCKDMA_VNDR_MSI]);
	EXPECT_EQ(self->p.dma_bits, cap[MOCKDMA_VNDR_DMA_BITS]);
}

/*
 * QEMU makes a PCIe endpoint on the root bus a root-complex integrated
 * endpoint; below a root port it is a plain endpoint.
 */
TEST_F(dev, pcie_capability_type_and_flr)
{
	uint16_t flags = CFG16(MOCKDMA_CAP_EXP + PCI_EXP_FLAGS);
	uint32_t devcap = CFG32(MOCKDMA_CAP_EXP + PCI_EXP_DEVCAP);
	uint32_t lnkcap = CFG32(MOCKDMA_CAP_EXP + PCI_EXP_LNKCAP);

	EXPECT_EQ(2, flags & PCI_EXP_FLAGS_VERS);
	EXPECT_EQ(self->below_port ? PCI_EXP_TYPE_ENDPOINT : PCI_EXP_TYPE_RC_END,
		  (flags & PCI_EXP_FLAGS_TYPE) >> 4);
	EXPECT_EQ(self->p.flr, !!(devcap & PCI_EXP_DEVCAP_FLR));
	/* QEMU's endpoint link: x1 at 2.5 GT/s */
	EXPECT_EQ(PCI_EXP_LNKCAP_SLS_2_5GB, lnkcap & PCI_EXP_LNKCAP_SLS);
	EXPECT_EQ(1, (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4);
}

TEST_F(dev, interrupt_pin)
{
	EXPECT_EQ(self->p.intx_pin + 1, CFG8(PCI_INTERRUPT_PIN));
}

TEST_F(dev, features_register)
{
	uint32_t want = MOCKDMA_FEAT_MSI | MOCKDMA_FEAT_MSIX |
			(self->p.flr ? MOCKDMA_FEAT_FLR : 0) |
			(self->p.aer ? MOCKDMA_FEAT_AER : 0) |
			(self->p.subpage ? MOCKDMA_FEAT_SUBPAGE : 0) |
			(self->p.pm ? MOCKDMA_FEAT_PM : 0);

	EXPECT_EQ(want, RD32(MOCKDMA_REG_FEATURES));
}

/* ================= BAR2 and BAR5 ================= */

/* Device memory through the mmap and through pread/pwrite, both ends. */
TEST_F(dev, bar2_read_write)
{
	uint64_t ends[] = { 0, self->p.mem_size - PAGE };
	uint8_t out[PAGE], in[PAGE];
	size_t i;

	ASSERT_EQ(self->p.mem_size, self->m.mem_size);
	for (i = 0; i < 2; i++) {
		pattern(out, sizeof(out), i + 1);
		ASSERT_EQ(0, mockdma_mem_write(&self->m, ends[i], out, sizeof(out)));
		ASSERT_EQ((ssize_t)sizeof(in),
			  vfio_lab_region_read(self->m.dev.fd, MOCKDMA_BAR_MEM,
					       ends[i], in, sizeof(in)));
		EXPECT_EQ(0, memcmp(out, in, sizeof(in))) TH_LOG("offset 0x%llx",
								 (unsigned long long)ends[i]);
		pattern(out, sizeof(out), i + 9);
		ASSERT_EQ((ssize_t)sizeof(out),
			  vfio_lab_region_write(self->m.dev.fd, MOCKDMA_BAR_MEM,
						ends[i], out, sizeof(out)));
		ASSERT_EQ(0, mockdma_mem_read(&self->m, ends[i], in, sizeof(in)));
		EXPECT_EQ(0, memcmp(out, in, sizeof(in)));
	}
	/* past the end */
	EXPECT_EQ(-EINVAL, vfio_lab_region_read(self->m.dev.fd, MOCKDMA_BAR_MEM,
						self->p.mem_size, in, 4));
}

/* BAR5, I/O or sub-page memory: a byte-addressed scratch file. */
TEST_F(dev, bar5_read_write)
{
	int fd = self->m.dev.fd;
	uint64_t v;
	uint32_t off;

	for (off = 0; off < MOCKDMA_BAR5_SIZE; off += 4)
		ASSERT_EQ(0, vfio_lab_reg_write(fd, MOCKDMA_BAR_SMALL, off, 4,
						0x01010101u * (off + 1)));
	for (off = 0; off < MOCKDMA_BAR5_SIZE; off += 4) {
		ASSERT_EQ(0, vfio_lab_reg_read(fd, MOCKDMA_BAR_SMALL, off, 4, &v));
		EXPECT_EQ(0x01010101u * (off + 1), v) TH_LOG("BAR5 + 0x%x", off);
	}
	/* narrow accesses reach single bytes */
	ASSERT_EQ(0, vfio_lab_reg_write(fd, MOCKDMA_BAR_SMALL, 0x11, 1, 0xa5));
	ASSERT_EQ(0, vfio_lab_reg_write(fd, MOCKDMA_BAR_SMALL, 0x22, 2, 0xbeef));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, MOCKDMA_BAR_SMALL, 0x10, 4, &v));
	EXPECT_EQ(0x1111a511u, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, MOCKDMA_BAR_SMALL, 0x20, 4, &v));
	EXPECT_EQ(0xbeef2121u, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, MOCKDMA_BAR_SMALL, 0x3f, 1, &v));
	EXPECT_EQ(0x3d, v);
	EXPECT_EQ(-EINVAL, vfio_lab_region_read(fd, MOCKDMA_BAR_SMALL,
						MOCKDMA_BAR5_SIZE, &v, 1));
}

/* ================= registers ================= */

TEST_F(dev, magic_version_scratch)
{
	EXPECT_EQ(MOCKDMA_MAGIC, RD32(MOCKDMA_REG_MAGIC));
	EXPECT_EQ(MOCKDMA_VERSION, RD32(MOCKDMA_REG_VERSION));
	WR32(MOCKDMA_REG_SCRATCH, SCRATCH_VAL);
	EXPECT_EQ(SCRATCH_VAL, RD32(MOCKDMA_REG_SCRATCH));
	WR32(MOCKDMA_REG_SCRATCH, ~SCRATCH_VAL);
	EXPECT_EQ(~SCRATCH_VAL, RD32(MOCKDMA_REG_SCRATCH));
	/* the same register through pread, not the mmap */
	{
		uint64_t v;

		ASSERT_EQ(0, vfio_lab_reg_read(self->m.dev.fd, MOCKDMA_BAR_REGS,
					       MOCKDMA_REG_SCRATCH, 4, &v));
		EXPECT_EQ(~SCRATCH_VAL, v);
	}
	WR32(MOCKDMA_REG_SCRATCH, 0);
}

TEST_F(dev, read_only_registers_ignore_writes)
{
	static const uint32_t ro[] = {
		MOCKDMA_REG_MAGIC, MOCKDMA_REG_VERSION, MOCKDMA_REG_FEATURES,
		MOCKDMA_REG_STATUS, MOCKDMA_REG_RESET_COUNT, MOCKDMA_REG_LAST_RESET,
		MOCKDMA_REG_RING_HEAD, MOCKDMA_REG_DESC_DONE, MOCKDMA_REG_DESC_ERR,
		MOCKDMA_REG_FAULT_IOVA, MOCKDMA_REG_FAULT_IOVA + 4,
		MOCKDMA_REG_LAST_ERROR, MOCKDMA_REG_INTX_COUNT,
		MOCKDMA_REG_ROGUE_STATUS, MOCKDMA_REG_IRQ_COUNT,
		MOCKDMA_REG_IRQ_COUNT + 4 * (MOCKDMA_MAX_VECTORS - 1),
	};
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t before = RD32(ro[i]);

		WR32(ro[i], ~before);
		EXPECT_EQ(before, RD32(ro[i])) TH_LOG("register 0x%03x", ro[i]);
	}
}

TEST_F(dev, write_only_registers_read_zero)
{
	/* Nothing is enabled, so SWINT only sets its IRQ_STATUS bit. */
	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
	WR32(MOCKDMA_REG_SWINT, 0);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_SWINT));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_AER_COR));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_AER_UNC));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_ROGUE_CTRL));
}

/* RW registers keep exactly their defined bits. */
TEST_F(dev, rw_registers_keep_defined_bits)
{
	static const struct {
		uint32_t reg, mask;
	} rw[] = {
		{ MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_DMA_DONE | MOCKDMA_IRQ_DMA_ERR |
					  MOCKDMA_IRQ_SWINT },
		{ MOCKDMA_REG_KNOBS, MOCKDMA_KNOBS_ALL },
		{ MOCKDMA_REG_INTX_FORCE, 1 },
		{ MOCKDMA_REG_ERR_VECTOR, ~0u },
		{ MOCKDMA_REG_DMA_DELAY, ~0u },
	};
	size_t i;

	/* CTRL with no ring programmed: ENABLE runs nothing. */
	WR32(MOCKDMA_REG_RING_SIZE, 0);
	WR32(MOCKDMA_REG_CTRL, ~0u);
	EXPECT_EQ(MOCKDMA_CTRL_ENABLE | MOCKDMA_CTRL_HALT_ON_ERR, RD32(MOCKDMA_REG_CTRL));
	WR32(MOCKDMA_REG_CTRL, 0);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_CTRL));
	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		/* INTx must not stay asserted, nor a knob stay on */
		WR32(rw[i].reg, ~0u);
		EXPECT_EQ(rw[i].mask, RD32(rw[i].reg)) TH_LOG("register 0x%03x", rw[i].reg);
		WR32(rw[i].reg, 0);
		EXPECT_EQ(0, RD32(rw[i].reg)) TH_LOG("register 0x%03x", rw[i].reg);
	}
}

/* 64-bit registers: one 8-byte access, or two 4-byte ones low first. */
TEST_F(dev, registers_64bit)
{
	static const uint32_t regs[] = {
		MOCKDMA_REG_RING_BASE, MOCKDMA_REG_ROGUE_ADDR, MOCKDMA_REG_ROGUE_DATA,
	};
	const uint64_t v = 0x0123456789abcdc0ull;
	size_t i;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		WR64(regs[i], v);
		EXPECT_EQ(v, RD64(regs[i])) TH_LOG("register 0x%03x", regs[i]);
		EXPECT_EQ((uint32_t)v, RD32(regs[i]));
		EXPECT_EQ((uint32_t)(v >> 32), RD32(regs[i] + 4));
		WR32(regs[i], 0x11111100);
		WR32(regs[i] + 4, 0x22222222);
		EXPECT_EQ(0x2222222211111100ull, RD64(regs[i]));
		WR64(regs[i], 0);
	}
}

TEST_F(dev, irq_status_is_write_one_to_clear)
{
	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
	WR32(MOCKDMA_REG_IRQ_STATUS, ~0u);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_IRQ_STATUS));
	WR32(MOCKDMA_REG_SWINT, 0);
	EXPECT_EQ(MOCKDMA_IRQ_SWINT, RD32(MOCKDMA_REG_IRQ_STATUS))
		TH_LOG("an event sets its cause even when not enabled");
	WR32(MOCKDMA_REG_IRQ_STATUS, 0);
	EXPECT_EQ(MOCKDMA_IRQ_SWINT, RD32(MOCKDMA_REG_IRQ_STATUS)) TH_LOG("0 clears nothing");
	WR32(MOCKDMA_REG_IRQ_STATUS, MOCKDMA_IRQ_DMA_DONE);
	EXPECT_EQ(MOCKDMA_IRQ_SWINT, RD32(MOCKDMA_REG_IRQ_STATUS)) TH_LOG("other bits stay");
	WR32(MOCKDMA_REG_IRQ_STATUS, MOCKDMA_IRQ_SWINT);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_IRQ_STATUS));
}

/* Sizes that are not a power of 2, or too large, are refused. */
TEST_F(dev, ring_size_must_be_power_of_2)
{
	WR32(MOCKDMA_REG_CTRL, 0);
	WR32(MOCKDMA_REG_RING_SIZE, 64);
	EXPECT_EQ(64, RD32(MOCKDMA_REG_RING_SIZE));
	WR32(MOCKDMA_REG_RING_SIZE, 48);
	EXPECT_EQ(64, RD32(MOCKDMA_REG_RING_SIZE)) TH_LOG("48 is not a power of 2");
	WR32(MOCKDMA_REG_RING_SIZE, 3);
	EXPECT_EQ(64, RD32(MOCKDMA_REG_RING_SIZE));
	WR32(MOCKDMA_REG_RING_SIZE, 2 * MOCKDMA_MAX_RING);
	EXPECT_EQ(64, RD32(MOCKDMA_REG_RING_SIZE)) TH_LOG("above MOCKDMA_MAX_RING");
	WR32(MOCKDMA_REG_RING_SIZE, MOCKDMA_MAX_RING);
	EXPECT_EQ(MOCKDMA_MAX_RING, RD32(MOCKDMA_REG_RING_SIZE));
	WR32(MOCKDMA_REG_RING_SIZE, 1);
	EXPECT_EQ(1, RD32(MOCKDMA_REG_RING_SIZE));
	WR32(MOCKDMA_REG_RING_SIZE, 0);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_SIZE));
}

/* The doorbell wraps at the ring size; reprogramming the ring rewinds it. */
TEST_F(dev, ring_tail_wraps_and_reprogramming_rewinds)
{
	struct mockdma_desc nops[3] = {
		mockdma_desc_nop(0), mockdma_desc_nop(0), mockdma_desc_nop(0),
	};
	uint32_t first;

	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING, 16, 0));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(IOVA_RING, RD64(MOCKDMA_REG_RING_BASE));
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, nops, 3, &first));
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first, 3, MOCKDMA_TIMEOUT_MS));
	EXPECT_EQ(3, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(3, RD32(MOCKDMA_REG_RING_TAIL));
	/* engine off: a doorbell past the end wraps, and nothing runs */
	WR32(MOCKDMA_REG_CTRL, 0);
	WR32(MOCKDMA_REG_RING_TAIL, 16 + 5);
	EXPECT_EQ(5, RD32(MOCKDMA_REG_RING_TAIL));
	EXPECT_TRUE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_BUSY);
	EXPECT_EQ(3, RD32(MOCKDMA_REG_RING_HEAD));
	/* a new size, or either half of a new base, rewinds head and tail */
	WR32(MOCKDMA_REG_RING_SIZE, 16);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_TAIL));
	EXPECT_FALSE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_BUSY);
	WR32(MOCKDMA_REG_RING_TAIL, 2);
	WR32(MOCKDMA_REG_RING_BASE + 4, 0);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_TAIL));
	WR32(MOCKDMA_REG_RING_TAIL, 2);
	WR32(MOCKDMA_REG_RING_BASE, IOVA_RING);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_TAIL));
}

/* DESC_DONE counts every descriptor, DESC_ERR the failed ones. */
TEST_F(dev, descriptor_counters)
{
	struct mockdma_desc d[4] = {
		mockdma_desc_nop(0), mockdma_desc_nop(0),
		{ .opcode = 0x77 }, mockdma_desc_nop(0),
	};
	uint32_t done, err, first;

	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	done = RD32(MOCKDMA_REG_DESC_DONE);
	err = RD32(MOCKDMA_REG_DESC_ERR);
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, d, 4, &first));
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first, 4, MOCKDMA_TIMEOUT_MS));
	EXPECT_EQ(done + 4, RD32(MOCKDMA_REG_DESC_DONE));
	EXPECT_EQ(err + 1, RD32(MOCKDMA_REG_DESC_ERR));
	EXPECT_EQ(MOCKDMA_ST_BAD_OP, RD32(MOCKDMA_REG_LAST_ERROR));
	EXPECT_EQ(MOCKDMA_ST_OK, mockdma_ring_desc(&self->ring, first + 3)->status)
		TH_LOG("the ring goes on after an error without HALT_ON_ERR");
}

/* ================= resets ================= */

/* What Linux can do to reset the device follows from its properties. */
TEST_F(dev, reset_methods_match_properties)
{
	char want[64] = "", got[128];
	struct vfio_device_info info;
	int ret;

	if (self->p.flr)
		strcat(want, "flr ");
	if (self->p.pm)
		strcat(want, "pm ");
	if (self->below_port)
		strcat(want, "bus ");
	if (*want)
		want[strlen(want) - 1] = '\0';
	ret = pci_topo_reset_methods(self->m.dev.bdf, got, sizeof(got));
	TH_LOG("%s reset methods: %s", self->m.dev.bdf, ret ? "none" : got);
	if (*want) {
		EXPECT_STREQ(want, got);
	} else {
		EXPECT_EQ(-ENOENT, ret);
	}
	ASSERT_EQ(0, vfio_lab_device_info(self->m.dev.fd, &info));
	EXPECT_EQ(!!*want, !!(info.flags & VFIO_DEVICE_FLAGS_RESET));
}

/*
 * Each reset method in turn (selected through sysfs reset_method, which
 * VFIO_DEVICE_RESET follows): it clears the registers and the device
 * records which kind it was.  Without a method the ioctl fails and
 * nothing is reset.
 *
 * Not "bus": QEMU 7.2's pcie-root-port advertises Data Link Layer Link
 * Active reporting but, with q35's ACPI hotplug handling its slot, never
 * sets DLLLA, so Linux waits for the link after the secondary bus reset
 * and fails it (ENOTTY).  secondary_bus_reset_is_recorded resets the bus
 * through the port directly instead.
 */
TEST_F(dev, each_reset_method_resets_and_is_recorded)
{
	static const struct {
		const char *name;
		uint32_t kind;
	} methods[] = {
		{ "flr", MOCKDMA_RESET_FLR },
		{ "pm", MOCKDMA_RESET_PM },
	};
	const uint64_t mem_val = 0x0123456789abcdefull;
	char got[128];
	uint64_t v;
	size_t i;
	int tried = 0, ret;

	if (pci_topo_reset_methods(self->m.dev.bdf, got, sizeof(got))) {
		WR32(MOCKDMA_REG_SCRATCH, SCRATCH_VAL);
		EXPECT_NE(0, mockdma_reset(&self->m)) TH_LOG("no reset method, yet it reset");
		EXPECT_EQ(SCRATCH_VAL, RD32(MOCKDMA_REG_SCRATCH));
		return;
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		uint32_t count, last;

		if (!strstr(got, methods[i].name))
			continue;
		/* no ASSERT while another method is chosen: teardown may not run */
		tried++;
		WR32(MOCKDMA_REG_SCRATCH, SCRATCH_VAL);
		WR32(MOCKDMA_REG_DMA_DELAY, 1234);
		ASSERT_EQ(0, vfio_lab_reg_write(self->m.dev.fd, MOCKDMA_BAR_SMALL,
						0x20, 4, SCRATCH_VAL));
		ASSERT_EQ(0, mockdma_mem_write(&self->m, 0x100, &mem_val, 8));
		count = RD32(MOCKDMA_REG_RESET_COUNT);
		self->reset_method_changed = true;
		ret = set_reset_method(self->m.dev.bdf, methods[i].name);
		if (!ret)
			ret = mockdma_reset(&self->m);
		set_reset_method(self->m.dev.bdf, "default");
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", methods[i].name, strerror(-ret));
		EXPECT_EQ(MOCKDMA_MAGIC, RD32(MOCKDMA_REG_MAGIC));
		EXPECT_EQ(0, RD32(MOCKDMA_REG_SCRATCH)) TH_LOG("%s", methods[i].name);
		EXPECT_EQ(0, RD32(MOCKDMA_REG_DMA_DELAY)) TH_LOG("%s", methods[i].name);
		/* BAR5 is a register file, BAR2 memory that resets keep */
		ASSERT_EQ(0, vfio_lab_reg_read(self->m.dev.fd, MOCKDMA_BAR_SMALL,
					       0x20, 4, &v));
		EXPECT_EQ(0, v) TH_LOG("%s: BAR5", methods[i].name);
		ASSERT_EQ(0, mockdma_mem_read(&self->m, 0x100, &v, 8));
		EXPECT_EQ(mem_val, v) TH_LOG("%s: BAR2", methods[i].name);
		EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_RESET_COUNT))
			TH_LOG("%s", methods[i].name);
		last = RD32(MOCKDMA_REG_LAST_RESET);
		EXPECT_EQ(methods[i].kind, last)
			TH_LOG("%s: LAST_RESET %s", methods[i].name,
			       mockdma_reset_name(last));
	}
	EXPECT_LT(0, tried) TH_LOG("reset methods \"%s\" name none we know", got);
}

/* REFUSE_FLR: the FLR is accepted and ignored; nothing is reset. */
TEST_F(dev, refuse_flr_knob_ignores_flr)
{
	uint32_t count;

	if (!self->p.flr)
		SKIP(return, "flr=off: there is no FLR to refuse");
	WR32(MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_REFUSE_FLR);
	WR32(MOCKDMA_REG_SCRATCH, SCRATCH_VAL);
	count = RD32(MOCKDMA_REG_RESET_COUNT);
	/* FLR is the first method: Linux cannot tell, FLR has no completion. */
	ASSERT_EQ(0, mockdma_reset(&self->m));
	EXPECT_EQ(SCRATCH_VAL, RD32(MOCKDMA_REG_SCRATCH));
	EXPECT_EQ(count, RD32(MOCKDMA_REG_RESET_COUNT));
	EXPECT_EQ(MOCKDMA_KNOB_REFUSE_FLR, RD32(MOCKDMA_REG_KNOBS));
	/* without the knob the same FLR resets */
	WR32(MOCKDMA_REG_KNOBS, 0);
	ASSERT_EQ(0, mockdma_reset(&self->m));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_SCRATCH));
	EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_RESET_COUNT));
	EXPECT_EQ(MOCKDMA_RESET_FLR, RD32(MOCKDMA_REG_LAST_RESET));
}

/* The parent bridge of a device, from its sysfs path. */
static int parent_bdf(const char *bdf, char parent[PCI_TOPO_BDF_SIZE])
{
	char path[128], real[PATH_MAX], *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (!realpath(path, real))
		return -errno;
	slash = strrchr(real, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	slash = strrchr(real, '/');
	if (!slash || pci_topo_bdf_valid(slash + 1))
		return -ENOENT;
	snprintf(parent, PCI_TOPO_BDF_SIZE, "%s", slash + 1);
	return 0;
}

/*
 * Put back the header fields a reset clears (BARs, ROM, cache line size,
 * interrupt line, command last), from the image read at setup.
 */
static int restore_header(const char *bdf, const uint8_t *cfg)
{
	static const struct {
		unsigned int off, len;
	} fields[] = {
		{ PCI_CACHE_LINE_SIZE, 1 }, { PCI_BASE_ADDRESS_0, 24 },
		{ PCI_ROM_ADDRESS, 4 }, { PCI_INTERRUPT_LINE, 1 }, { PCI_COMMAND, 2 },
	};
	unsigned int off;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && !ret; i++)
		for (off = fields[i].off; off < fields[i].off + fields[i].len && !ret;
		     off += fields[i].len >= 4 ? 4 : fields[i].len)
			ret = mockdma_raw_config_write(bdf, off, cfg + off,
						       fields[i].len >= 4 ? 4 :
						       fields[i].len);
	return ret;
}

/*
 * A secondary bus reset from the root port (Bridge Control, written as
 * the kernel would): the device records a bus reset.  The kernel does not
 * know of it, so the header is put back by hand.
 */
TEST_F(dev, secondary_bus_reset_is_recorded)
{
	char port[PCI_TOPO_BDF_SIZE];
	uint16_t ctl, sbr;
	uint32_t count;
	int ret;

	if (!self->below_port)
		SKIP(return, "on the root bus there is no secondary bus to reset");
	ASSERT_EQ(0, parent_bdf(self->m.dev.bdf, port));
	ASSERT_EQ(0, pci_topo_config_read(port, PCI_BRIDGE_CONTROL, &ctl, 2));
	WR32(MOCKDMA_REG_SCRATCH, SCRATCH_VAL);
	count = RD32(MOCKDMA_REG_RESET_COUNT);
	sbr = ctl | PCI_BRIDGE_CTL_BUS_RESET;
	ret = mockdma_raw_config_write(port, PCI_BRIDGE_CONTROL, &sbr, 2);
	usleep(2000);
	EXPECT_EQ(0, mockdma_raw_config_write(port, PCI_BRIDGE_CONTROL, &ctl, 2));
	usleep(100 * 1000);
	EXPECT_EQ(0, restore_header(self->m.dev.bdf, self->cfg));
	ASSERT_EQ(0, ret);
	EXPECT_EQ(MOCKDMA_MAGIC, RD32(MOCKDMA_REG_MAGIC));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_SCRATCH));
	EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_RESET_COUNT));
	EXPECT_EQ(MOCKDMA_RESET_BUS, RD32(MOCKDMA_REG_LAST_RESET));
}

/*
 * HANG_DMA catches the next descriptor: it never completes, clearing the
 * knob does not free it, and only a reset brings the engine back.  A reset
 * never writes back, so the caught descriptor stays PENDING.
 */
TEST_F(dev, hang_dma_until_reset)
{
	struct mockdma_desc nop = mockdma_desc_nop(0), out;
	uint32_t slot, count, done;

	if (!has_reset_method(self->m.dev.bdf))
		SKIP(return, "no reset method: a hung engine could not be recovered");
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	done = RD32(MOCKDMA_REG_DESC_DONE);
	WR32(MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_HANG_DMA);
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, &nop, 1, &slot));
	EXPECT_EQ(-ETIMEDOUT, mockdma_wait_desc(&self->ring, slot, 300, NULL));
	EXPECT_EQ(MOCKDMA_STATUS_HUNG | MOCKDMA_STATUS_BUSY,
		  RD32(MOCKDMA_REG_STATUS) & (MOCKDMA_STATUS_HUNG | MOCKDMA_STATUS_BUSY));
	EXPECT_EQ(slot, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(done, RD32(MOCKDMA_REG_DESC_DONE));
	WR32(MOCKDMA_REG_KNOBS, 0);
	WR32(MOCKDMA_REG_CTRL, 0);
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE);
	EXPECT_EQ(-ETIMEDOUT, mockdma_wait_desc(&self->ring, slot, 200, NULL))
		TH_LOG("clearing the knob or toggling ENABLE must not free it");
	count = RD32(MOCKDMA_REG_RESET_COUNT);
	ASSERT_EQ(0, mockdma_reset(&self->m));
	EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_RESET_COUNT));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_STATUS));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_KNOBS));
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_SIZE));
	usleep(100 * 1000);
	EXPECT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&self->ring, slot)->status);
	/* the engine works again */
	ASSERT_EQ(0, mockdma_ring_program(&self->m, &self->ring, 0));
	RUN_EXPECT(self, &nop, MOCKDMA_ST_OK, &out);
}

/*
 * DMA_DELAY spaces descriptors out (one per delay of QEMU's virtual clock),
 * so a reset lands in the middle of a ring: it stops the engine there and
 * writes nothing back afterwards.
 */
TEST_F(dev, reset_lands_mid_ring_with_dma_delay)
{
	struct mockdma_desc nops[32];
	uint32_t first, i, done_at_reset = 0;
	double start;

	if (!has_reset_method(self->m.dev.bdf))
		SKIP(return, "no reset method");
	for (i = 0; i < 32; i++)
		nops[i] = mockdma_desc_nop(0);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	WR32(MOCKDMA_REG_DMA_DELAY, 20000);
	start = mockdma_now_ms();
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, nops, 32, &first));
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, first + 1, 2000, NULL));
	ASSERT_EQ(0, mockdma_reset(&self->m));
	TH_LOG("reset after %.0f ms", mockdma_now_ms() - start);
	for (i = 0; i < 32; i++)
		if (mockdma_ring_desc(&self->ring, first + i)->status)
			done_at_reset++;
	EXPECT_LE(2, done_at_reset);
	EXPECT_GT(32, done_at_reset) TH_LOG("the delay did not hold the ring back");
	usleep(200 * 1000);
	for (i = done_at_reset; i < 32; i++)
		EXPECT_EQ(MOCKDMA_ST_PENDING,
			  mockdma_ring_desc(&self->ring, first + i)->status)
			TH_LOG("slot %u written after the reset", i);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_DMA_DELAY));
}

/* ================= INTx and DisINTx in raw config ================= */

static uint16_t raw_status(struct __test_metadata *_metadata, const char *bdf)
{
	uint16_t v = 0;

	EXPECT_EQ(0, pci_topo_config_read(bdf, PCI_STATUS, &v, 2));
	return v;
}

static uint16_t raw_command(struct __test_metadata *_metadata, const char *bdf)
{
	uint16_t v = 0;

	EXPECT_EQ(0, pci_topo_config_read(bdf, PCI_COMMAND, &v, 2));
	return v;
}

/*
 * INTX_FORCE asserts INTx with no cause: the PCI status Interrupt bit
 * follows it, as does STATUS.INTX, and INTX_COUNT counts the assertion.
 * (No interrupt is set up, so MSI and MSI-X are off: INTx mode.)
 */
TEST_F(dev, intx_force_sets_status_interrupt_bit)
{
	const char *bdf = self->m.dev.bdf;
	uint32_t count;

	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
	WR32(MOCKDMA_REG_INTX_FORCE, 0);
	EXPECT_FALSE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT);
	count = RD32(MOCKDMA_REG_INTX_COUNT);
	WR32(MOCKDMA_REG_INTX_FORCE, 1);
	EXPECT_TRUE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT);
	EXPECT_TRUE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_INTX);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_IRQ_STATUS)) TH_LOG("no cause");
	EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_INTX_COUNT));
	WR32(MOCKDMA_REG_INTX_FORCE, 0);
	EXPECT_FALSE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT);
	EXPECT_FALSE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_INTX);
}

/* In INTx mode the line is IRQ_STATUS & IRQ_ENABLE. */
TEST_F(dev, intx_follows_enabled_causes)
{
	const char *bdf = self->m.dev.bdf;
	uint32_t count;

	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
	WR32(MOCKDMA_REG_IRQ_STATUS, ~0u);
	count = RD32(MOCKDMA_REG_INTX_COUNT);
	WR32(MOCKDMA_REG_SWINT, 0);
	EXPECT_FALSE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT)
		TH_LOG("SWINT is not enabled");
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	EXPECT_TRUE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT)
		TH_LOG("enabling a pending cause asserts INTx");
	EXPECT_EQ(count + 1, RD32(MOCKDMA_REG_INTX_COUNT));
	WR32(MOCKDMA_REG_IRQ_STATUS, MOCKDMA_IRQ_SWINT);
	EXPECT_FALSE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT);
	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
}

/*
 * IGNORE_DISINTX drops DisINTx writes (a device that keeps screaming);
 * without it the bit sticks.  Written through sysfs, i.e. by the kernel.
 */
TEST_F(dev, ignore_disintx_knob_drops_disintx)
{
	const char *bdf = self->m.dev.bdf;
	uint16_t cmd0 = raw_command(_metadata, bdf), cmd, v;

	cmd = cmd0 & ~PCI_COMMAND_INTX_DISABLE;
	ASSERT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &cmd, 2));
	EXPECT_FALSE(raw_command(_metadata, bdf) & PCI_COMMAND_INTX_DISABLE);
	v = cmd | PCI_COMMAND_INTX_DISABLE;
	ASSERT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &v, 2));
	EXPECT_TRUE(raw_command(_metadata, bdf) & PCI_COMMAND_INTX_DISABLE);
	/* setting the knob while DisINTx is set drops it too */
	WR32(MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_IGNORE_DISINTX);
	EXPECT_FALSE(raw_command(_metadata, bdf) & PCI_COMMAND_INTX_DISABLE);
	ASSERT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &v, 2));
	EXPECT_FALSE(raw_command(_metadata, bdf) & PCI_COMMAND_INTX_DISABLE);
	/* and the line stays up, with DisINTx "set" */
	WR32(MOCKDMA_REG_INTX_FORCE, 1);
	EXPECT_TRUE(raw_status(_metadata, bdf) & PCI_STATUS_INTERRUPT);
	WR32(MOCKDMA_REG_INTX_FORCE, 0);
	WR32(MOCKDMA_REG_KNOBS, 0);
	ASSERT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &v, 2));
	EXPECT_TRUE(raw_command(_metadata, bdf) & PCI_COMMAND_INTX_DISABLE);
	ASSERT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &cmd0, 2));
}

/* ================= AER ================= */

/*
 * Where an injected error goes.  QEMU 7.2 (hw/pci/pcie_aer.c,
 * pcie_aer_msg_alldev()) passes an error message on only if it is
 * uncorrectable and SERR# Enable is set, at the function and again at the
 * root port: correctable errors never leave the function.  On the root
 * bus (a root-complex integrated endpoint; q35 has no event collector)
 * nothing receives messages either.  So a correctable error, and any
 * error on the root bus, stays in the function's status registers, where
 * the tests read it (raw config, cleared first: the bits are sticky);
 * an uncorrectable error below a root port reaches the guest's AER
 * driver, which logs it against the device (and clears the bits).
 */
static uint32_t aer_status_reg(bool cor)
{
	return MOCKDMA_ECAP_AER + (cor ? PCI_ERR_COR_STATUS : PCI_ERR_UNCOR_STATUS);
}

static void aer_clear(struct __test_metadata *_metadata, const char *bdf)
{
	uint32_t all = ~0u;
	uint16_t sta = 0xffff;

	EXPECT_EQ(0, mockdma_raw_config_write(bdf, aer_status_reg(true), &all, 4));
	EXPECT_EQ(0, mockdma_raw_config_write(bdf, aer_status_reg(false), &all, 4));
	EXPECT_EQ(0, mockdma_raw_config_write(bdf, MOCKDMA_CAP_EXP + PCI_EXP_DEVSTA,
					      &sta, 2));
}

/* The status register holds exactly bits, DEVSTA has want_sta; then RW1C. */
static void aer_expect_status(struct __test_metadata *_metadata,
			      const char *bdf, bool cor, uint32_t bits,
			      uint16_t want_sta)
{
	uint32_t status = 0;
	uint16_t devsta = 0;

	EXPECT_EQ(0, pci_topo_config_read(bdf, aer_status_reg(cor), &status, 4));
	EXPECT_EQ(bits, status) TH_LOG("AER %s status", cor ? "correctable" : "uncorrectable");
	EXPECT_EQ(0, pci_topo_config_read(bdf, MOCKDMA_CAP_EXP + PCI_EXP_DEVSTA,
					  &devsta, 2));
	EXPECT_EQ(want_sta, devsta & want_sta) TH_LOG("DEVSTA 0x%x", devsta);
	status = ~0u;
	EXPECT_EQ(0, mockdma_raw_config_write(bdf, aer_status_reg(cor), &status, 4));
	EXPECT_EQ(0, pci_topo_config_read(bdf, aer_status_reg(cor), &status, 4));
	EXPECT_EQ(0, status) TH_LOG("the status register is RW1C");
}

/* Lines the AER driver printed for the device: severity, and status. */
static int aer_log_lines(const char *bdf, uint32_t bit)
{
	char status[64];
	const char *sev[2] = { bdf, "PCIe Bus Error: severity=Uncorrectable (Non-Fatal)" };
	const char *st[2] = { bdf, status };
	char *log = klog_read_all();
	int n;

	if (!log)
		return -errno;
	snprintf(status, sizeof(status), "error status/mask=%08x/", bit);
	n = klog_count_lines(log, sev, 2) + klog_count_lines(log, st, 2);
	free(log);
	return n;
}

/* Before an uncorrectable error: clear the bits, or count the log lines. */
static int aer_uncor_mark(struct __test_metadata *_metadata, const char *bdf,
			  bool below_port, uint32_t bit)
{
	aer_clear(_metadata, bdf);
	return below_port ? aer_log_lines(bdf, bit) : 0;
}

static void aer_expect_uncor(struct __test_metadata *_metadata, const char *bdf,
			     bool below_port, uint32_t bit, int mark)
{
	int n = mark, waited;

	if (!below_port) {
		aer_expect_status(_metadata, bdf, false, bit,
				  PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_URD);
		return;
	}
	/* the error's header line and its status line */
	for (waited = 0; n >= 0 && n < mark + 2 && waited < AER_WAIT_MS; waited += 50) {
		usleep(50 * 1000);
		n = aer_log_lines(bdf, bit);
	}
	EXPECT_LE(mark + 2, n)
		TH_LOG("no \"%s: PCIe Bus Error: severity=Uncorrectable (Non-Fatal)\" with status %08x in the kernel log",
		       bdf, bit);
}

static void aer_expect_no_uncor(struct __test_metadata *_metadata,
				const char *bdf, bool below_port, uint32_t bit,
				int mark)
{
	uint32_t status = ~0u;

	usleep(200 * 1000);
	if (below_port) {
		EXPECT_EQ(mark, aer_log_lines(bdf, bit));
		return;
	}
	EXPECT_EQ(0, pci_topo_config_read(bdf, aer_status_reg(false), &status, 4));
	EXPECT_EQ(0, status);
}

TEST_F(dev, aer_correctable_injection)
{
	if (!self->p.aer)
		SKIP(return, "aer=off (its absence is checked by capabilities_at_documented_offsets)");
	aer_clear(_metadata, self->m.dev.bdf);
	WR32(MOCKDMA_REG_AER_COR, PCI_ERR_COR_BAD_TLP);
	aer_expect_status(_metadata, self->m.dev.bdf, true, PCI_ERR_COR_BAD_TLP,
			  PCI_EXP_DEVSTA_CED);
	/* every bit written is injected */
	aer_clear(_metadata, self->m.dev.bdf);
	WR32(MOCKDMA_REG_AER_COR, PCI_ERR_COR_RCVR | PCI_ERR_COR_REP_TIMER);
	aer_expect_status(_metadata, self->m.dev.bdf, true,
			  PCI_ERR_COR_RCVR | PCI_ERR_COR_REP_TIMER, PCI_EXP_DEVSTA_CED);
}

/* Unsupported Request: non-fatal by default, so no link reset follows. */
TEST_F(dev, aer_uncorrectable_injection)
{
	const char *bdf = self->m.dev.bdf;
	uint32_t lnkcap = 0, after = 0;
	int mark;

	if (!self->p.aer)
		SKIP(return, "aer=off");
	TH_LOG("%s", self->below_port ? "below a root port: the guest's AER driver logs it" :
	       "on the root bus: it stays in the status register");
	ASSERT_EQ(0, pci_topo_config_read(bdf, MOCKDMA_CAP_EXP + PCI_EXP_LNKCAP,
					  &lnkcap, 4));
	mark = aer_uncor_mark(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP);
	WR32(MOCKDMA_REG_AER_UNC, PCI_ERR_UNC_UNSUP);
	aer_expect_uncor(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP, mark);
	/* the injection touches status registers only */
	ASSERT_EQ(0, pci_topo_config_read(bdf, MOCKDMA_CAP_EXP + PCI_EXP_LNKCAP,
					  &after, 4));
	EXPECT_EQ(lnkcap, after) TH_LOG("Link Capabilities changed by the injection");
}

/* ERR_AER: a DMA the IOMMU refuses is also an Unsupported Request. */
TEST_F(dev, err_aer_knob_reports_dma_fault)
{
	const char *bdf = self->m.dev.bdf;
	struct mockdma_desc d, out;
	int mark;

	if (!self->p.aer)
		SKIP(return, "aer=off");
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->a, IOVA_A, PAGE, 0));
	d = mockdma_desc_copy(IOVA_HOLE, IOVA_A, 64, 0);
	/* without the knob a fault is no AER error */
	mark = aer_uncor_mark(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP);
	RUN_EXPECT(self, &d, MOCKDMA_ST_READ_FAULT, &out);
	aer_expect_no_uncor(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP, mark);
	WR32(MOCKDMA_REG_KNOBS, MOCKDMA_KNOB_ERR_AER);
	mark = aer_uncor_mark(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP);
	RUN_EXPECT(self, &d, MOCKDMA_ST_READ_FAULT, &out);
	aer_expect_uncor(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP, mark);
	/* an error that is not a fault is not reported */
	mark = aer_uncor_mark(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP);
	d = mockdma_desc_copy(IOVA_A, IOVA_A, 0, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_LEN, &out);
	aer_expect_no_uncor(_metadata, bdf, self->below_port, PCI_ERR_UNC_UNSUP, mark);
}

/*
 * Without SERR# Enable on the function, QEMU keeps even an uncorrectable
 * error in the function (below a root port, where it is otherwise
 * reported): the status bits stay.  (The guest finds SERR# Enable set
 * at boot; the test clears it and puts it back.)
 */
TEST_F(dev, aer_uncorrectable_without_serr_stays_in_device)
{
	const char *bdf = self->m.dev.bdf;
	uint16_t cmd, v;
	int mark;

	if (!self->p.aer)
		SKIP(return, "aer=off");
	if (!self->below_port)
		SKIP(return, "on the root bus an error always stays in the device (aer_uncorrectable_injection)");
	cmd = raw_command(_metadata, bdf);
	v = cmd & ~PCI_COMMAND_SERR;
	mark = aer_uncor_mark(_metadata, bdf, true, PCI_ERR_UNC_UNSUP);
	EXPECT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &v, 2));
	EXPECT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_AER_UNC, PCI_ERR_UNC_UNSUP));
	usleep(200 * 1000);
	EXPECT_EQ(mark, aer_log_lines(bdf, PCI_ERR_UNC_UNSUP));
	EXPECT_EQ(0, mockdma_raw_config_write(bdf, PCI_COMMAND, &cmd, 2));
	aer_expect_status(_metadata, bdf, false, PCI_ERR_UNC_UNSUP,
			  PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_URD);
}

/* ================= DMA engine ================= */

FIXTURE(dma) {
	MOCKDMA_FIXTURE_FIELDS;
};

FIXTURE_VARIANT(dma) {
	const char *id;
};

FIXTURE_VARIANT_ADD(dma, mdma0) { .id = "mdma0" };
FIXTURE_VARIANT_ADD(dma, mdma1) { .id = "mdma1" };
FIXTURE_VARIANT_ADD(dma, mdma2) { .id = "mdma2" };

/* A ring, and buffers a (pattern), b and c (0xcc) mapped for the device. */
FIXTURE_SETUP(dma)
{
	setup_device(_metadata, variant->id, &self->m, &self->p, self->cfg,
		     &self->below_port);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	/* the state a device without reset kept from an earlier test */
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_KNOBS, 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_DMA_DELAY, 0));
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->a, IOVA_A, BUF_SIZE, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->b, IOVA_B, BUF_SIZE, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->c, IOVA_C, BUF_SIZE, 0));
	pattern(self->a.va, BUF_SIZE, 1);
	memset(self->b.va, 0xcc, BUF_SIZE);
	memset(self->c.va, 0xcc, BUF_SIZE);
}

FIXTURE_TEARDOWN(dma)
{
	struct mockdma_buf bufs[3] = { self->a, self->b, self->c };

	teardown_device(&self->m, &self->ring, bufs, 3, &self->irqs,
			self->reset_method_changed);
}

/* Fill BAR2 [off, off + len) with a pattern through the mmap or pwrite. */
static void dev_pattern(struct __test_metadata *_metadata, struct mockdma *m,
			uint64_t off, size_t len, unsigned int seed)
{
	uint8_t *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	pattern(buf, len, seed);
	ASSERT_EQ(0, mockdma_mem_write(m, off, buf, len));
	free(buf);
}

static bool dev_equals(struct mockdma *m, uint64_t off, const void *want,
		       size_t len)
{
	uint8_t *buf = malloc(len);
	bool same = buf && !mockdma_mem_read(m, off, buf, len) &&
		    !memcmp(buf, want, len);

	free(buf);
	return same;
}

/* Lengths from one byte to several pages, at odd offsets across pages. */
static const struct {
	uint32_t src_off, dst_off, len;
} copies[] = {
	{ 0, 0, 1 },
	{ 3, 0x801, 300 },
	{ 0x123, 0xff0, PAGE },			/* crosses a page on dst */
	{ 0xf00, 0x10, 3 * PAGE + 77 },		/* pages on both sides */
	{ 0, 0, BUF_SIZE },
};

TEST_F(dma, copy_iova_to_iova)
{
	struct mockdma_desc d, out;
	size_t i;

	for (i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		memset(self->b.va, 0xcc, BUF_SIZE);
		d = mockdma_desc_copy(IOVA_A + copies[i].src_off,
				      IOVA_B + copies[i].dst_off, copies[i].len, 0);
		d.cookie = 0xc00c1e00 + i;
		RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
		EXPECT_EQ(copies[i].len, out.done);
		EXPECT_EQ(0xc00c1e00 + i, out.cookie) TH_LOG("the cookie is untouched");
		EXPECT_EQ(0, memcmp(self->b.va + copies[i].dst_off,
				    self->a.va + copies[i].src_off, copies[i].len))
			TH_LOG("copy %zu", i);
		EXPECT_TRUE(all_bytes(self->b.va, copies[i].dst_off, 0xcc))
			TH_LOG("copy %zu wrote before dst", i);
		EXPECT_TRUE(all_bytes(self->b.va + copies[i].dst_off + copies[i].len,
				      BUF_SIZE - copies[i].dst_off - copies[i].len, 0xcc))
			TH_LOG("copy %zu wrote past the end", i);
	}
}

TEST_F(dma, copy_iova_to_dev)
{
	struct mockdma_desc d, out;
	uint64_t dev_off = self->p.mem_size - BUF_SIZE - 0x100;
	uint8_t *before = malloc(0x200);

	ASSERT_NE(NULL, before);
	dev_pattern(_metadata, &self->m, dev_off - 0x100, BUF_SIZE + 0x200, 5);
	ASSERT_EQ(0, mockdma_mem_read(&self->m, dev_off - 0x100, before, 0x100));
	d = mockdma_desc_copy(IOVA_A + 7, dev_off, BUF_SIZE - 7, MOCKDMA_F_DST_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(BUF_SIZE - 7, out.done);
	EXPECT_TRUE(dev_equals(&self->m, dev_off, self->a.va + 7, BUF_SIZE - 7));
	EXPECT_TRUE(dev_equals(&self->m, dev_off - 0x100, before, 0x100))
		TH_LOG("wrote before dst");
	free(before);
}

TEST_F(dma, copy_dev_to_iova)
{
	struct mockdma_desc d, out;
	uint8_t *want = malloc(BUF_SIZE);

	ASSERT_NE(NULL, want);
	dev_pattern(_metadata, &self->m, 0, BUF_SIZE, 3);
	pattern(want, BUF_SIZE, 3);
	d = mockdma_desc_copy(0x10, IOVA_B + 0x20, BUF_SIZE - 0x40, MOCKDMA_F_SRC_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(0, memcmp(self->b.va + 0x20, want + 0x10, BUF_SIZE - 0x40));
	EXPECT_TRUE(all_bytes(self->b.va, 0x20, 0xcc));
	EXPECT_TRUE(all_bytes(self->b.va + BUF_SIZE - 0x20, 0x20, 0xcc));
	free(want);
}

TEST_F(dma, copy_dev_to_dev)
{
	struct mockdma_desc d, out;
	uint64_t src = 0x1000, dst = self->p.mem_size / 2 + 0x33;
	uint8_t *want = malloc(3 * PAGE);

	ASSERT_NE(NULL, want);
	dev_pattern(_metadata, &self->m, src, 3 * PAGE, 4);
	pattern(want, 3 * PAGE, 4);
	d = mockdma_desc_copy(src, dst, 3 * PAGE,
			      MOCKDMA_F_SRC_DEV | MOCKDMA_F_DST_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_TRUE(dev_equals(&self->m, dst, want, 3 * PAGE));
}

/* The 8-byte pattern is anchored at dst, whatever the length. */
TEST_F(dma, fill_iova_and_dev)
{
	const uint64_t pat = 0x0807060504030201ull;
	uint8_t want[PAGE + 13];
	struct mockdma_desc d, out;
	size_t i;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(pat >> (8 * (i % 8)));
	d = mockdma_desc_fill(IOVA_B + 0xffb, pat, sizeof(want), 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(sizeof(want), out.done);
	EXPECT_EQ(0, memcmp(self->b.va + 0xffb, want, sizeof(want)));
	EXPECT_TRUE(all_bytes(self->b.va, 0xffb, 0xcc));
	EXPECT_EQ(0xcc, self->b.va[0xffb + sizeof(want)]);
	d = mockdma_desc_fill(0x101, pat, sizeof(want), MOCKDMA_F_DST_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_TRUE(dev_equals(&self->m, 0x101, want, sizeof(want)));
}

TEST_F(dma, compare_equal_and_mismatch)
{
	struct mockdma_desc d, out;

	memcpy(self->b.va, self->a.va, BUF_SIZE);
	d = mockdma_desc_compare(IOVA_A, IOVA_B, BUF_SIZE, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(BUF_SIZE, out.done);
	/* one byte differs, in the third page: done is its offset */
	self->b.va[2 * PAGE + 123] ^= 0x40;
	RUN_EXPECT(self, &d, MOCKDMA_ST_MISCOMPARE, &out);
	EXPECT_EQ(2 * PAGE + 123, out.done);
	EXPECT_EQ(MOCKDMA_ST_MISCOMPARE, RD32(MOCKDMA_REG_LAST_ERROR));
	/* the first byte */
	self->b.va[0] ^= 1;
	RUN_EXPECT(self, &d, MOCKDMA_ST_MISCOMPARE, &out);
	EXPECT_EQ(0, out.done);
	/* IOVA against device memory */
	ASSERT_EQ(0, mockdma_mem_write(&self->m, 0x2000, self->a.va, PAGE));
	d = mockdma_desc_compare(IOVA_A, 0x2000, PAGE, MOCKDMA_F_DST_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	self->a.va[PAGE - 1] ^= 0xff;
	RUN_EXPECT(self, &d, MOCKDMA_ST_MISCOMPARE, &out);
	EXPECT_EQ(PAGE - 1, out.done);
	d = mockdma_desc_compare(0x2000, IOVA_A, PAGE, MOCKDMA_F_SRC_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_MISCOMPARE, &out);
	EXPECT_EQ(PAGE - 1, out.done);
}

TEST_F(dma, write_imm_widths)
{
	const uint64_t imm = 0x1122334455667788ull;
	static const uint32_t widths[] = { 1, 2, 4, 8 };
	struct mockdma_desc d, out;
	uint8_t dev[16];
	size_t i;

	for (i = 0; i < 4; i++) {
		uint32_t off = 0x100 * (i + 1) + 3;	/* unaligned */

		d = mockdma_desc_write_imm(IOVA_B + off, imm, widths[i], 0);
		RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
		EXPECT_EQ(widths[i], out.done);
		EXPECT_EQ(0, memcmp(self->b.va + off, &imm, widths[i]))
			TH_LOG("width %u", widths[i]);
		EXPECT_EQ(0xcc, self->b.va[off - 1]);
		EXPECT_EQ(0xcc, self->b.va[off + widths[i]]) TH_LOG("width %u", widths[i]);
	}
	/* across a page boundary, and into device memory */
	d = mockdma_desc_write_imm(IOVA_B + PAGE - 4, imm, 8, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(0, memcmp(self->b.va + PAGE - 4, &imm, 8));
	memset(dev, 0xcc, sizeof(dev));
	ASSERT_EQ(0, mockdma_mem_write(&self->m, 0x40, dev, sizeof(dev)));
	d = mockdma_desc_write_imm(0x44, imm, 4, MOCKDMA_F_DST_DEV);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	memcpy(dev + 4, &imm, 4);
	EXPECT_TRUE(dev_equals(&self->m, 0x40, dev, sizeof(dev)));
	/* no other width exists */
	d = mockdma_desc_write_imm(IOVA_B, imm, 3, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_LEN, &out);
	d = mockdma_desc_write_imm(IOVA_B, imm, 16, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_LEN, &out);
}

TEST_F(dma, nop_completes_and_touches_nothing)
{
	struct mockdma_desc d = mockdma_desc_nop(0), out;

	d.src = IOVA_A;
	d.dst = IOVA_B;
	d.len = PAGE;
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_TRUE(all_bytes(self->b.va, BUF_SIZE, 0xcc));
}

TEST_F(dma, bad_opcode_and_flags)
{
	struct mockdma_desc d, out;
	uint32_t err = RD32(MOCKDMA_REG_DESC_ERR);

	d = mockdma_desc_copy(IOVA_A, IOVA_B, 64, 0);
	d.opcode = MOCKDMA_OP_WRITE_IMM + 1;
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_OP, &out);
	d.opcode = 0xffff;
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_OP, &out);
	d = mockdma_desc_copy(IOVA_A, IOVA_B, 64, 1u << 3);
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_OP, &out);
	d = mockdma_desc_copy(IOVA_A, IOVA_B, 64, 0x8000);
	RUN_EXPECT(self, &d, MOCKDMA_ST_BAD_OP, &out);
	EXPECT_TRUE(all_bytes(self->b.va, BUF_SIZE, 0xcc));
	EXPECT_EQ(err + 4, RD32(MOCKDMA_REG_DESC_ERR));
	EXPECT_EQ(MOCKDMA_ST_BAD_OP, RD32(MOCKDMA_REG_LAST_ERROR));
}

/* len 0, above MOCKDMA_MAX_XFER, or reaching outside BAR2. */
TEST_F(dma, bad_lengths)
{
	const struct mockdma_desc bad[] = {
		mockdma_desc_copy(IOVA_A, IOVA_B, 0, 0),
		mockdma_desc_fill(IOVA_B, 1, 0, 0),
		mockdma_desc_compare(IOVA_A, IOVA_B, 0, 0),
		mockdma_desc_copy(IOVA_A, IOVA_B, MOCKDMA_MAX_XFER + 1, 0),
		mockdma_desc_fill(IOVA_B, 1, ~0u, 0),
		mockdma_desc_copy(IOVA_A, self->p.mem_size - 8, 9, MOCKDMA_F_DST_DEV),
		mockdma_desc_copy(IOVA_A, self->p.mem_size, 1, MOCKDMA_F_DST_DEV),
		mockdma_desc_copy(self->p.mem_size - 1, IOVA_B, 2, MOCKDMA_F_SRC_DEV),
		mockdma_desc_copy(~0ull, IOVA_B, 2, MOCKDMA_F_SRC_DEV),
		mockdma_desc_fill(self->p.mem_size - PAGE, 1, PAGE + 1, MOCKDMA_F_DST_DEV),
		mockdma_desc_write_imm(self->p.mem_size - 4, 1, 8, MOCKDMA_F_DST_DEV),
		mockdma_desc_compare(IOVA_A, self->p.mem_size, 4, MOCKDMA_F_DST_DEV),
	};
	struct mockdma_desc out;
	uint8_t last[8];
	size_t i;

	memset(last, 0x5a, sizeof(last));
	ASSERT_EQ(0, mockdma_mem_write(&self->m, self->p.mem_size - 8, last, 8));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		RUN_EXPECT(self, &bad[i], MOCKDMA_ST_BAD_LEN, &out);
		EXPECT_EQ(0, out.done) TH_LOG("descriptor %zu", i);
	}
	EXPECT_TRUE(all_bytes(self->b.va, BUF_SIZE, 0xcc));
	EXPECT_TRUE(dev_equals(&self->m, self->p.mem_size - 8, last, 8));
	EXPECT_EQ(MOCKDMA_ST_BAD_LEN, RD32(MOCKDMA_REG_LAST_ERROR));
}

/* The largest descriptor the header allows is accepted and done. */
TEST_F(dma, fill_max_xfer)
{
	struct mockdma_buf big;
	struct mockdma_desc d, out;
	uint32_t slot;
	bool ok;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &big, 0x10000000ul,
				       MOCKDMA_MAX_XFER + PAGE, 0));
	memset(big.va + MOCKDMA_MAX_XFER, 0xcc, PAGE);
	d = mockdma_desc_fill(big.iova, 0xa5a5a5a5a5a5a5a5ull, MOCKDMA_MAX_XFER, 0);
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, &d, 1, &slot));
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, slot, 30000, NULL));
	mockdma_desc_read(&self->ring, slot, &out);
	EXPECT_EQ(MOCKDMA_ST_OK, out.status) log_desc(_metadata, &out);
	EXPECT_EQ(MOCKDMA_MAX_XFER, out.done);
	ok = all_bytes(big.va, MOCKDMA_MAX_XFER, 0xa5) &&
	     all_bytes(big.va + MOCKDMA_MAX_XFER, PAGE, 0xcc);
	mockdma_buf_free(&self->m, &big);
	EXPECT_TRUE(ok);
}

/*
 * A transfer the IOMMU refuses ends at the first refused page, with the
 * exact IOVA, and nothing after it is touched.
 */
TEST_F(dma, copy_read_fault_stops_at_refused_page)
{
	struct mockdma_desc d, out;
	uint32_t err = RD32(MOCKDMA_REG_DESC_ERR);
	uint64_t src = IOVA_A + BUF_SIZE - PAGE + 0x10;	/* last page, then a hole */

	d = mockdma_desc_copy(src, IOVA_B, 2 * PAGE, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_READ_FAULT, &out);
	EXPECT_EQ(PAGE - 0x10, out.done) TH_LOG("bytes before the hole");
	EXPECT_EQ(IOVA_A + BUF_SIZE, out.fault_iova);
	EXPECT_EQ(IOVA_A + BUF_SIZE, RD64(MOCKDMA_REG_FAULT_IOVA));
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, RD32(MOCKDMA_REG_LAST_ERROR));
	EXPECT_EQ(err + 1, RD32(MOCKDMA_REG_DESC_ERR));
	EXPECT_EQ(0, memcmp(self->b.va, self->a.va + BUF_SIZE - PAGE + 0x10,
			    PAGE - 0x10));
	EXPECT_TRUE(all_bytes(self->b.va + PAGE - 0x10, BUF_SIZE - PAGE + 0x10, 0xcc))
		TH_LOG("bytes after the fault were written");
}

TEST_F(dma, write_fault_on_read_only_mapping)
{
	struct mockdma_buf ro;
	struct mockdma_desc d, out;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &ro, 0x400000ul, PAGE,
				       VFIO_DMA_MAP_FLAG_READ));
	memset(ro.va, 0xcc, PAGE);
	d = mockdma_desc_copy(IOVA_A, ro.iova + 8, 64, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_WRITE_FAULT, &out);
	EXPECT_EQ(ro.iova + 8, out.fault_iova);
	EXPECT_EQ(0, out.done);
	EXPECT_EQ(ro.iova + 8, RD64(MOCKDMA_REG_FAULT_IOVA));
	EXPECT_TRUE(all_bytes(ro.va, PAGE, 0xcc));
	/* reading it is allowed */
	d = mockdma_desc_copy(ro.iova, IOVA_B, 64, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	d = mockdma_desc_write_imm(ro.iova, 1, 8, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_WRITE_FAULT, &out);
	EXPECT_EQ(ro.iova, out.fault_iova);
	mockdma_buf_free(&self->m, &ro);
}

/* ROGUE: one 8-byte DMA at any IOVA, on command. */
TEST_F(dma, rogue_write_and_read_mapped)
{
	uint64_t v;

	WR64(MOCKDMA_REG_ROGUE_ADDR, IOVA_B + 0x18);
	WR64(MOCKDMA_REG_ROGUE_DATA, 0xfeedfacecafef00dull);
	WR32(MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_WRITE);
	EXPECT_EQ(MOCKDMA_ST_OK, RD32(MOCKDMA_REG_ROGUE_STATUS));
	memcpy(&v, self->b.va + 0x18, 8);
	EXPECT_EQ(0xfeedfacecafef00dull, v);
	EXPECT_EQ(0xcc, self->b.va[0x17]);
	EXPECT_EQ(0xcc, self->b.va[0x20]);
	memcpy(&v, self->a.va + 0x40, 8);
	WR64(MOCKDMA_REG_ROGUE_ADDR, IOVA_A + 0x40);
	WR64(MOCKDMA_REG_ROGUE_DATA, 0);
	WR32(MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_READ);
	EXPECT_EQ(MOCKDMA_ST_OK, RD32(MOCKDMA_REG_ROGUE_STATUS));
	EXPECT_EQ(v, RD64(MOCKDMA_REG_ROGUE_DATA));
	WR32(MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_TRANSLATE + 1);
	EXPECT_EQ(MOCKDMA_ST_BAD_OP, RD32(MOCKDMA_REG_ROGUE_STATUS));
}

/*
 * TRANSLATE: the IOMMU's page size at a mapped IOVA, and no DMA.  A page
 * of the 16-page buffer at least, a power of two, and no larger than the
 * buffer: amd-iommu maps physically contiguous pages in one larger page
 * (any power of two), the others in 4 KiB pages here.
 */
TEST_F(dma, rogue_translate_mapped_and_unmapped)
{
	uint64_t size = 0;

	memset(self->b.va, 0xcc, PAGE);
	WR64(MOCKDMA_REG_ROGUE_DATA, 0x5a5a5a5a5a5a5a5aull);
	ASSERT_EQ(0, mockdma_iommu_page(&self->m, IOVA_B + 0x18, &size));
	EXPECT_LE(PAGE, size);
	EXPECT_GE(BUF_SIZE, size);
	EXPECT_EQ(0, size & (size - 1)) TH_LOG("a page of 0x%llx bytes",
					       (unsigned long long)size);
	EXPECT_TRUE(all_bytes(self->b.va, PAGE, 0xcc));
	EXPECT_EQ(-EFAULT, mockdma_iommu_page(&self->m, IOVA_HOLE + 0x208, &size));
	EXPECT_EQ(IOVA_HOLE + 0x208, RD64(MOCKDMA_REG_FAULT_IOVA));
}

/* At an IOVA that was mapped and is not any more: refused, memory intact. */
TEST_F(dma, rogue_write_and_read_unmapped)
{
	struct mockdma_buf gone;
	uint8_t *old;

	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &gone, 0x500000ul, PAGE, 0));
	memset(gone.va, 0xcc, PAGE);
	old = gone.va;
	ASSERT_EQ(0, vfio_lab_unmap(self->m.dev.container, gone.iova, PAGE, 0, NULL));
	gone.mapped = false;
	WR64(MOCKDMA_REG_ROGUE_ADDR, gone.iova + 0x100);
	WR64(MOCKDMA_REG_ROGUE_DATA, 0x1122334455667788ull);
	WR32(MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_WRITE);
	EXPECT_EQ(MOCKDMA_ST_WRITE_FAULT, RD32(MOCKDMA_REG_ROGUE_STATUS));
	EXPECT_EQ(gone.iova + 0x100, RD64(MOCKDMA_REG_FAULT_IOVA));
	EXPECT_TRUE(all_bytes(old, PAGE, 0xcc)) TH_LOG("the write reached unmapped memory");
	WR64(MOCKDMA_REG_ROGUE_ADDR, IOVA_HOLE + 0x208);
	WR32(MOCKDMA_REG_ROGUE_CTRL, MOCKDMA_ROGUE_READ);
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, RD32(MOCKDMA_REG_ROGUE_STATUS));
	EXPECT_EQ(IOVA_HOLE + 0x208, RD64(MOCKDMA_REG_FAULT_IOVA));
	mockdma_buf_free(&self->m, &gone);
}

/*
 * One UNMAP over many one-page mappings syncs the IOTLB once for all of
 * them (upci_dmas_destroy): each page the device had translated, and so
 * cached in the vIOMMU's IOTLB, faults after it; a page next to them that
 * stays mapped still translates. Then the same over pages 2 apart.
 */
#define IOVA_MANY	0x800000ul
#define IOVA_SPARSE	0xa00000ul
#define MANY		16

TEST_F(dma, unmap_over_many_mappings_flushes_each)
{
	uint8_t *mem = vfio_lab_buffer(2 * MANY * PAGE);
	int c = self->m.dev.container;
	uint64_t size = 0, done = 0;

	ASSERT_NE(MAP_FAILED, mem);
	for (unsigned long i = 0; i <= MANY; i++) {
		ASSERT_EQ(0, vfio_lab_map(c, (uintptr_t)mem + i * PAGE,
					  IOVA_MANY + i * PAGE, PAGE, VFIO_LAB_RW));
	}
	for (unsigned long i = 0; i < MANY; i++) {
		ASSERT_EQ(0, vfio_lab_map(c, (uintptr_t)mem + (MANY + 1 + i % (MANY - 1)) * PAGE,
					  IOVA_SPARSE + 2 * i * PAGE, PAGE, VFIO_LAB_RW));
	}
	/* the device translates each: the vIOMMU's IOTLB has them all */
	for (unsigned long i = 0; i <= MANY; i++) {
		ASSERT_EQ(0, mockdma_iommu_page(&self->m, IOVA_MANY + i * PAGE, &size));
	}
	for (unsigned long i = 0; i < MANY; i++) {
		ASSERT_EQ(0, mockdma_iommu_page(&self->m, IOVA_SPARSE + 2 * i * PAGE, &size));
	}

	ASSERT_EQ(0, vfio_lab_unmap(c, IOVA_MANY, MANY * PAGE, 0, &done));
	EXPECT_EQ(MANY * PAGE, done);
	for (unsigned long i = 0; i < MANY; i++) {
		EXPECT_EQ(-EFAULT, mockdma_iommu_page(&self->m, IOVA_MANY + i * PAGE, &size))
			TH_LOG("page %lu still translates after the UNMAP", i);
	}
	EXPECT_EQ(0, mockdma_iommu_page(&self->m, IOVA_MANY + MANY * PAGE, &size))
		TH_LOG("the page after them lost its mapping");

	ASSERT_EQ(0, vfio_lab_unmap(c, IOVA_SPARSE, 2 * MANY * PAGE, 0, &done));
	EXPECT_EQ(MANY * PAGE, done);
	for (unsigned long i = 0; i < MANY; i++) {
		EXPECT_EQ(-EFAULT, mockdma_iommu_page(&self->m, IOVA_SPARSE + 2 * i * PAGE, &size))
			TH_LOG("page %lu (2 apart) still translates after the UNMAP", i);
	}
	EXPECT_EQ(0, vfio_lab_unmap(c, IOVA_MANY + MANY * PAGE, PAGE, 0, NULL));
	munmap(mem, 2 * MANY * PAGE);
}

/* intel-iommu's trace events: cache_tag_flush_range (its IOTLB flushes), qi_submit */
#define INTEL_EVENT(e) "events/intel_iommu/" e "/enable"
#define FLUSH_EVENT INTEL_EVENT("cache_tag_flush_range")

/* One event on (the trace emptied first) or off. */
static int trace_event_on(const char *enable, bool on)
{
	int ret = 0;

	ftrace_mount();
	if (on)
		ret = ftrace_put("trace", "", O_TRUNC);
	return ret ? ret : ftrace_put(enable, on ? "1" : "0", O_TRUNC);
}

/* The test's SKIP reason unless this VM's vIOMMU is intel-iommu, else NULL */
static const char *not_intel_iommu(char *why, size_t size)
{
	struct viommu vi;

	if (viommu_get(&vi, why, size))
		return why;
	if (vi.model == VIOMMU_INTEL)
		return NULL;
	snprintf(why, size, "reads intel-iommu's trace events (this is %s)", vi.name);
	return why;
}

static int flush_events(void)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, "cache_tag_flush_range:");
	fclose(f);
	return n;
}

/*
 * An UNMAP where nothing is mapped, and a MAP that fails before mapping
 * anything, flush no IOTLB (as upstream; on intel-iommu an empty gather
 * would be a domain-wide flush); a page mapped and unmapped shows that
 * the count works.
 */
TEST_F(dma, nothing_unmapped_flushes_nothing)
{
	int c = self->m.dev.container, ret;
	uint64_t done = 1;
	char why[256];
	uint8_t *gone;

	if (not_intel_iommu(why, sizeof(why)))
		SKIP(return, "%s", why);
	gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);
	ret = trace_event_on(FLUSH_EVENT, true);
	if (ret == -ENOENT)
		SKIP(return, "no intel_iommu/cache_tag_flush_range event in this kernel");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, vfio_lab_unmap(c, IOVA_MANY, 256 * PAGE, 0, &done));
	EXPECT_EQ(0, done);
	EXPECT_EQ(-EFAULT, vfio_lab_map(c, (uintptr_t)gone, IOVA_MANY, PAGE, VFIO_LAB_RW));
	ASSERT_EQ(0, trace_event_on(FLUSH_EVENT, false));
	EXPECT_EQ(0, flush_events()) TH_LOG("IOTLB flushes for nothing unmapped");

	ASSERT_EQ(0, trace_event_on(FLUSH_EVENT, true));
	EXPECT_EQ(0, vfio_lab_map(c, (uintptr_t)self->b.va, IOVA_MANY, PAGE, VFIO_LAB_RW));
	EXPECT_EQ(0, vfio_lab_unmap(c, IOVA_MANY, PAGE, 0, &done));
	ASSERT_EQ(0, trace_event_on(FLUSH_EVENT, false));
	EXPECT_LE(1, flush_events()) TH_LOG("an unmap of a mapped page flushed nothing: the count is blind");
}

/*
 * intel-iommu's invalidation descriptors (qi_submit) that cover iova:
 * PSI ones whose invalidation hint is set (leaf entries only: page-table
 * pages freed under them may stay cached), and all of them (domain-wide
 * ones cover it too, and drop every cached entry)
 */
static int hinted_flushes(uint64_t iova, int *covering)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	unsigned long long qw0, qw1;
	char line[512], *p;
	int hinted = 0;

	*covering = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "iotlb_inv ");
		if (!p || strstr(line, "p_iotlb_inv") || !(p = strchr(p, ':')) ||
		    sscanf(p + 1, " %llx %llx", &qw0, &qw1) != 2)
			continue;
		if (((qw0 >> 4) & 3) != 3) {	/* not page-selective */
			(*covering)++;
			continue;
		}
		if (iova < (qw1 & ~0xfffull) ||
		    iova - (qw1 & ~0xfffull) >= (PAGE << (qw1 & 0x3f)))
			continue;
		(*covering)++;
		hinted += !!(qw1 & (1 << 6));
	}
	fclose(f);
	return hinted;
}

/*
 * An UNMAP that frees the page table of a 2 MiB block of 4 KiB IOMMU
 * pages: intel-iommu must flush the block without the invalidation hint
 * (IH=0), so that no cached directory entry keeps pointing at the freed
 * table. QEMU caches no paging structures, so the descriptors are what the
 * lab can check. Two layouts: a one-page mapping and, after it, the block
 * (gathered with the page, the table went at the sync the page's range
 * forced: review of 449528b); and one mapping from 4 KiB before the block
 * to 4 KiB after it (inside one iommu_unmap() the page size changes
 * twice, with the same effect: second review).
 */
#define IOVA_TABLE	0x1000000ul
#define HUGE_SZ		(2ul << 20)

static void table_hint(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dma) *self, bool one_mapping)
{
	size_t len = 4 * HUGE_SZ;
	int c = self->m.dev.container, covering = 0, hinted, ret;
	uint64_t page = 0, done = 0, want;
	uint8_t *mem, *block;
	char why[256];

	if (not_intel_iommu(why, sizeof(why)))
		SKIP(return, "%s", why);
	/* an intended difference: the hint is right where no table is freed */
	if (vfio_lab_driver() == VFIO_LAB_VFIO_PCI)
		SKIP(return, "vfio_iommu_type1 unmaps 4 KiB pages run by run: no unmap covers the block's table, which stays, so IH=1 is right");
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* 2 MiB aligned, with a page before it and one after it */
	block = (uint8_t *)(((uintptr_t)mem + HUGE_SZ) & ~(HUGE_SZ - 1));
	/* EINVAL: a kernel without transparent hugepages, 4 KiB pages anyway */
	ASSERT_TRUE(!madvise(mem, len, MADV_NOHUGEPAGE) || errno == EINVAL)
		TH_LOG("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	memset(mem, 0x5a, len);
	if (one_mapping) {
		want = HUGE_SZ + 2 * PAGE;
		ASSERT_EQ(0, vfio_lab_map(c, (uintptr_t)block - PAGE,
					  IOVA_TABLE + HUGE_SZ - PAGE, want, VFIO_LAB_RW));
	} else {
		want = HUGE_SZ + PAGE;
		ASSERT_EQ(0, vfio_lab_map(c, (uintptr_t)mem, IOVA_TABLE, PAGE, VFIO_LAB_RW));
		ASSERT_EQ(0, vfio_lab_map(c, (uintptr_t)block, IOVA_TABLE + HUGE_SZ,
					  HUGE_SZ, VFIO_LAB_RW));
	}
	ASSERT_EQ(0, mockdma_iommu_page(&self->m, IOVA_TABLE + HUGE_SZ, &page));
	if (page != PAGE) {
		vfio_lab_unmap(c, IOVA_TABLE, 3 * HUGE_SZ, 0, NULL);
		munmap(mem, len);
		SKIP(return, "the block came out as one %llu KiB IOMMU page: no table to free",
		     (unsigned long long)page / 1024);
	}
	ret = trace_event_on(INTEL_EVENT("qi_submit"), true);
	if (ret == -ENOENT)
		SKIP(return, "no intel_iommu/qi_submit event in this kernel");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, vfio_lab_unmap(c, IOVA_TABLE, 3 * HUGE_SZ, 0, &done));
	EXPECT_EQ(want, done);
	ASSERT_EQ(0, trace_event_on(INTEL_EVENT("qi_submit"), false));
	hinted = hinted_flushes(IOVA_TABLE + HUGE_SZ, &covering);
	EXPECT_LE(1, covering) TH_LOG("no invalidation covered the unmapped block");
	EXPECT_EQ(0, hinted) TH_LOG("%d of %d flushes of the block kept cached page-table entries (IH=1)",
				    hinted, covering);
	munmap(mem, len);
}

TEST_F(dma, unmap_freeing_a_page_table_flushes_it_without_the_hint)
{
	table_hint(_metadata, self, false);
}

TEST_F(dma, unmap_of_one_mapping_across_page_sizes_flushes_without_the_hint)
{
	table_hint(_metadata, self, true);
}

/* HALT_ON_ERR stops the ring after a failed descriptor; CTRL 0->1 resumes. */
TEST_F(dma, halt_on_err_stops_and_resumes)
{
	struct mockdma_desc d[4] = {
		mockdma_desc_nop(0), mockdma_desc_copy(IOVA_A, IOVA_B, 0, 0),
		mockdma_desc_write_imm(IOVA_B, 0x77, 1, 0), mockdma_desc_nop(0),
	};
	uint32_t first;

	ASSERT_EQ(0, mockdma_ring_program(&self->m, &self->ring,
					  MOCKDMA_CTRL_HALT_ON_ERR));
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, d, 4, &first));
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, first + 1, MOCKDMA_TIMEOUT_MS, NULL));
	usleep(100 * 1000);
	EXPECT_EQ(MOCKDMA_ST_OK, mockdma_ring_desc(&self->ring, first)->status);
	EXPECT_EQ(MOCKDMA_ST_BAD_LEN, mockdma_ring_desc(&self->ring, first + 1)->status);
	EXPECT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&self->ring, first + 2)->status);
	EXPECT_EQ(MOCKDMA_STATUS_HALTED | MOCKDMA_STATUS_BUSY,
		  RD32(MOCKDMA_REG_STATUS) & (MOCKDMA_STATUS_HALTED | MOCKDMA_STATUS_BUSY));
	EXPECT_EQ(first + 2, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(0xcc, self->b.va[0]);
	/* ENABLE written again while on does not resume */
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE | MOCKDMA_CTRL_HALT_ON_ERR);
	usleep(50 * 1000);
	EXPECT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&self->ring, first + 2)->status);
	WR32(MOCKDMA_REG_CTRL, 0);
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE | MOCKDMA_CTRL_HALT_ON_ERR);
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first + 2, 2, MOCKDMA_TIMEOUT_MS));
	EXPECT_EQ(MOCKDMA_ST_OK, mockdma_ring_desc(&self->ring, first + 2)->status);
	EXPECT_EQ(0x77, self->b.va[0]);
	EXPECT_FALSE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_HALTED);
}

/* With the engine disabled descriptors wait; enabling runs them. */
TEST_F(dma, disabled_engine_runs_nothing)
{
	struct mockdma_desc d = mockdma_desc_write_imm(IOVA_B, 0x42, 1, 0);
	uint32_t slot;

	WR32(MOCKDMA_REG_CTRL, 0);
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, &d, 1, &slot));
	EXPECT_EQ(-ETIMEDOUT, mockdma_wait_desc(&self->ring, slot, 200, NULL));
	EXPECT_TRUE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_BUSY);
	EXPECT_EQ(0xcc, self->b.va[0]);
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE);
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, slot, MOCKDMA_TIMEOUT_MS, NULL));
	EXPECT_EQ(0x42, self->b.va[0]);
	EXPECT_FALSE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_BUSY);
}

/* DMA_DELAY: one descriptor per delay, by QEMU's virtual clock. */
TEST_F(dma, dma_delay_spaces_descriptors)
{
	struct mockdma_desc nops[10];
	uint32_t first, i;
	double start, took;

	for (i = 0; i < 10; i++)
		nops[i] = mockdma_desc_nop(0);
	WR32(MOCKDMA_REG_DMA_DELAY, 30000);
	EXPECT_EQ(30000, RD32(MOCKDMA_REG_DMA_DELAY));
	start = mockdma_now_ms();
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, nops, 10, &first));
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, first, 2000, NULL));
	EXPECT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&self->ring, first + 9)->status)
		TH_LOG("all ten done with the first");
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first, 10, 5000));
	took = mockdma_now_ms() - start;
	TH_LOG("10 descriptors at 30 ms each took %.0f ms", took);
	EXPECT_LE(270, took);
	/* and without it, far less */
	WR32(MOCKDMA_REG_DMA_DELAY, 0);
	start = mockdma_now_ms();
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, nops, 10, &first));
	ASSERT_EQ(0, mockdma_wait_descs(&self->ring, first, 10, 5000));
	EXPECT_GT(took / 2, mockdma_now_ms() - start);
}

/*
 * Bus master off: the device cannot even fetch the descriptor.  The
 * engine halts with a read fault at the ring slot, writes nothing, and
 * runs the descriptor once bus mastering is back and ENABLE toggled.
 */
TEST_F(dma, bus_master_off_blocks_dma)
{
	struct mockdma_desc d = mockdma_desc_copy(IOVA_A, IOVA_B, 256, 0);
	uint32_t slot;

	ASSERT_EQ(0, mockdma_command_update(&self->m, 0, PCI_COMMAND_MASTER));
	ASSERT_EQ(0, mockdma_submit(&self->m, &self->ring, &d, 1, &slot));
	usleep(100 * 1000);
	EXPECT_EQ(MOCKDMA_ST_PENDING, mockdma_ring_desc(&self->ring, slot)->status);
	EXPECT_TRUE(all_bytes(self->b.va, BUF_SIZE, 0xcc));
	EXPECT_TRUE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_HALTED)
		log_state(_metadata, &self->m);
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, RD32(MOCKDMA_REG_LAST_ERROR));
	EXPECT_EQ(IOVA_RING + 64ull * slot, RD64(MOCKDMA_REG_FAULT_IOVA));
	ASSERT_EQ(0, mockdma_command_update(&self->m, PCI_COMMAND_MASTER, 0));
	WR32(MOCKDMA_REG_CTRL, 0);
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE);
	ASSERT_EQ(0, mockdma_wait_desc(&self->ring, slot, MOCKDMA_TIMEOUT_MS, NULL));
	EXPECT_EQ(MOCKDMA_ST_OK, mockdma_ring_desc(&self->ring, slot)->status);
	EXPECT_EQ(0, memcmp(self->b.va, self->a.va, 256));
}

/* A ring the IOMMU does not map halts the engine at its first slot. */
TEST_F(dma, unmapped_ring_halts_engine)
{
	WR32(MOCKDMA_REG_CTRL, 0);
	WR64(MOCKDMA_REG_RING_BASE, IOVA_HOLE);
	WR32(MOCKDMA_REG_RING_SIZE, 16);
	WR32(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE);
	WR32(MOCKDMA_REG_RING_TAIL, 1);
	usleep(100 * 1000);
	EXPECT_TRUE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_HALTED);
	EXPECT_EQ(0, RD32(MOCKDMA_REG_RING_HEAD));
	EXPECT_EQ(IOVA_HOLE, RD64(MOCKDMA_REG_FAULT_IOVA));
	EXPECT_EQ(MOCKDMA_ST_READ_FAULT, RD32(MOCKDMA_REG_LAST_ERROR));
}

/*
 * The DMA mask: addresses are truncated to dma-bits as real hardware
 * does, so an IOVA with a bit above the mask lands below it.  A 64-bit
 * device reaches IOVAs above 4 GiB instead.
 */
TEST_F(dma, addresses_follow_dma_bits)
{
	struct mockdma_desc d, out;
	struct mockdma_buf high;

	if (self->p.dma_bits < 64) {
		uint64_t alias = 1ull << self->p.dma_bits;

		d = mockdma_desc_copy(alias | IOVA_A, alias | IOVA_B, 128, 0);
		RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
		EXPECT_EQ(0, memcmp(self->b.va, self->a.va, 128))
			TH_LOG("dma-bits=%u: 0x%llx did not land at 0x%lx",
			       self->p.dma_bits, (unsigned long long)(alias | IOVA_B),
			       IOVA_B);
		return;
	}
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &high, 0x4000000000ull, PAGE, 0));
	memset(high.va, 0xcc, PAGE);
	d = mockdma_desc_copy(IOVA_A, high.iova + 0x10, 128, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	EXPECT_EQ(0, memcmp(high.va + 0x10, self->a.va, 128));
	mockdma_buf_free(&self->m, &high);
}

/* ================= interrupts through VFIO ================= */

FIXTURE(irq) {
	MOCKDMA_FIXTURE_FIELDS;
};

FIXTURE_VARIANT(irq) {
	const char *id;
};

FIXTURE_VARIANT_ADD(irq, mdma0) { .id = "mdma0" };
FIXTURE_VARIANT_ADD(irq, mdma1) { .id = "mdma1" };
FIXTURE_VARIANT_ADD(irq, mdma2) { .id = "mdma2" };

FIXTURE_SETUP(irq)
{
	struct vfio_irq_info info;

	self->irqs.count = 0;
	setup_device(_metadata, variant->id, &self->m, &self->p, self->cfg,
		     &self->below_port);
	if (_metadata->exit_code == KSFT_SKIP)
		return;
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_ENABLE, 0));
	ASSERT_EQ(0, mockdma_write32(&self->m, MOCKDMA_REG_IRQ_STATUS, ~0u));
	ASSERT_EQ(0, mockdma_irq_info(&self->m, VFIO_PCI_MSIX_IRQ_INDEX, &info));
	ASSERT_EQ(self->p.vectors, info.count) TH_LOG("GET_IRQ_INFO MSI-X");
	ASSERT_EQ(0, mockdma_irq_info(&self->m, VFIO_PCI_MSI_IRQ_INDEX, &info));
	ASSERT_EQ(self->p.msi_vectors, info.count) TH_LOG("GET_IRQ_INFO MSI");
}

FIXTURE_TEARDOWN(irq)
{
	struct mockdma_buf bufs[3] = { self->a, self->b, self->c };

	teardown_device(&self->m, &self->ring, bufs, 3, &self->irqs,
			self->reset_method_changed);
}

/* Read every eventfd once; the counts, and their sum. */
static uint64_t take_all(struct mockdma_irqs *irqs, uint64_t *counts)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < irqs->count; i++) {
		if (mockdma_eventfd_take(irqs->fd[i], &counts[i]))
			counts[i] = ~0ull;
		sum += counts[i];
	}
	return sum;
}

/* SWINT raises exactly the vector named; IRQ_COUNT counts it. */
TEST_F(irq, swint_raises_each_msix_vector)
{
	uint64_t counts[MOCKDMA_MAX_VECTORS], got;
	uint32_t v, before;

	REQUIRE_IRQS(self, VFIO_PCI_MSIX_IRQ_INDEX, self->p.vectors);
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	for (v = 0; v < self->p.vectors; v++) {
		before = RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v);
		WR32(MOCKDMA_REG_SWINT, v);
		ASSERT_EQ(0, mockdma_eventfd_wait(self->irqs.fd[v], 2000, &got))
			TH_LOG("vector %u did not fire", v);
		EXPECT_EQ(1, got);
		EXPECT_EQ(before + 1, RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v));
		usleep(2000);
		EXPECT_EQ(0, take_all(&self->irqs, counts)) TH_LOG("another vector fired");
	}
	/* not enabled: no message, but the cause is recorded */
	WR32(MOCKDMA_REG_IRQ_ENABLE, 0);
	WR32(MOCKDMA_REG_IRQ_STATUS, ~0u);
	WR32(MOCKDMA_REG_SWINT, 0);
	EXPECT_EQ(-ETIMEDOUT, mockdma_eventfd_wait(self->irqs.fd[0], 100, &got));
	EXPECT_EQ(MOCKDMA_IRQ_SWINT, RD32(MOCKDMA_REG_IRQ_STATUS));
}

/* A vector the device does not have sends nothing and counts nothing. */
TEST_F(irq, swint_beyond_msix_table_sends_nothing)
{
	uint64_t counts[MOCKDMA_MAX_VECTORS];
	uint32_t before;

	if (self->p.vectors >= MOCKDMA_MAX_VECTORS)
		SKIP(return, "the device has every vector");
	REQUIRE_IRQS(self, VFIO_PCI_MSIX_IRQ_INDEX, self->p.vectors);
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	before = RD32(MOCKDMA_REG_IRQ_COUNT + 4 * self->p.vectors);
	WR32(MOCKDMA_REG_SWINT, self->p.vectors);
	usleep(100 * 1000);
	EXPECT_EQ(0, take_all(&self->irqs, counts));
	EXPECT_EQ(before, RD32(MOCKDMA_REG_IRQ_COUNT + 4 * self->p.vectors));
}

/* Completion on the descriptor's vector, errors on ERR_VECTOR. */
TEST_F(irq, completion_and_error_vectors)
{
	uint32_t last = self->p.vectors - 1;
	struct mockdma_desc d, out;
	uint64_t counts[MOCKDMA_MAX_VECTORS], got;

	REQUIRE_IRQS(self, VFIO_PCI_MSIX_IRQ_INDEX, self->p.vectors);
	ASSERT_EQ(0, mockdma_ring_init(&self->m, &self->ring, IOVA_RING,
				       RING_ENTRIES, 0));
	ASSERT_EQ(0, mockdma_buf_alloc(&self->m, &self->a, IOVA_A, PAGE, 0));
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_DMA_DONE | MOCKDMA_IRQ_DMA_ERR);
	WR32(MOCKDMA_REG_ERR_VECTOR, 0);
	d = mockdma_desc_write_imm(IOVA_A, 1, 1, MOCKDMA_F_IRQ);
	d.vector = last;
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	ASSERT_EQ(0, mockdma_eventfd_wait(self->irqs.fd[last], 2000, &got));
	EXPECT_EQ(1, got);
	EXPECT_TRUE(RD32(MOCKDMA_REG_IRQ_STATUS) & MOCKDMA_IRQ_DMA_DONE);
	/* without F_IRQ, nothing */
	d.flags = 0;
	RUN_EXPECT(self, &d, MOCKDMA_ST_OK, &out);
	usleep(50 * 1000);
	EXPECT_EQ(0, take_all(&self->irqs, counts));
	/* a failed descriptor: DMA_ERR on ERR_VECTOR (and its own F_IRQ) */
	d = mockdma_desc_copy(IOVA_HOLE, IOVA_A, 8, 0);
	RUN_EXPECT(self, &d, MOCKDMA_ST_READ_FAULT, &out);
	ASSERT_EQ(0, mockdma_eventfd_wait(self->irqs.fd[0], 2000, &got))
		TH_LOG("no DMA_ERR interrupt on ERR_VECTOR 0");
	EXPECT_EQ(1, got);
	EXPECT_TRUE(RD32(MOCKDMA_REG_IRQ_STATUS) & MOCKDMA_IRQ_DMA_ERR);
	/* DMA_ERR not enabled: no message */
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_DMA_DONE);
	RUN_EXPECT(self, &d, MOCKDMA_ST_READ_FAULT, &out);
	usleep(50 * 1000);
	EXPECT_EQ(0, take_all(&self->irqs, counts));
}

/*
 * Per-vector masking: a vector with no eventfd has no handler, so the
 * kernel leaves it masked in the MSI-X table.  Its message waits in the
 * PBA (IRQ_COUNT counts it) and is delivered when a handler unmasks it.
 */
TEST_F(irq, masked_msix_vector_pends_until_unmasked)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} one;
	uint64_t pba = 0, got;
	uint32_t v = self->p.vectors > 1 ? 1 : 0, before;
	int fd;

	/* every vector enabled, but v without an eventfd */
	REQUIRE_IRQS(self, VFIO_PCI_MSIX_IRQ_INDEX, self->p.vectors);
	one.set = (struct vfio_irq_set){
		.argsz = sizeof(one), .index = VFIO_PCI_MSIX_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.start = v, .count = 1,
	};
	one.fd = -1;
	ASSERT_EQ(0, ioctl(self->m.dev.fd, VFIO_DEVICE_SET_IRQS, &one));
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	before = RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v);
	WR32(MOCKDMA_REG_SWINT, v);
	EXPECT_EQ(before + 1, RD32(MOCKDMA_REG_IRQ_COUNT + 4 * v));
	EXPECT_EQ(-ETIMEDOUT, mockdma_eventfd_wait(self->irqs.fd[v], 100, &got));
	ASSERT_EQ(0, vfio_lab_reg_read(self->m.dev.fd, MOCKDMA_BAR_MSIX,
				       MSIX_PBA_OFF, 8, &pba));
	EXPECT_TRUE(pba & (1ull << v)) TH_LOG("PBA 0x%llx", (unsigned long long)pba);
	/* a handler again: unmasked, the pending message arrives */
	one.fd = self->irqs.fd[v];
	ASSERT_EQ(0, ioctl(self->m.dev.fd, VFIO_DEVICE_SET_IRQS, &one));
	fd = self->irqs.fd[v];
	ASSERT_EQ(0, mockdma_eventfd_wait(fd, 2000, &got))
		TH_LOG("the pending message was lost on unmask");
	EXPECT_EQ(1, got);
	ASSERT_EQ(0, vfio_lab_reg_read(self->m.dev.fd, MOCKDMA_BAR_MSIX,
				       MSIX_PBA_OFF, 8, &pba));
	EXPECT_FALSE(pba & (1ull << v));
}

/* MSI with every message: the vector is taken modulo the messages. */
TEST_F(irq, msi_vectors_modulo_messages)
{
	uint32_t n = self->p.msi_vectors, v;
	uint64_t counts[MOCKDMA_MAX_VECTORS], got;
	uint16_t flags = 0;
	struct viommu vi;
	char err[256];

	ASSERT_EQ(0, viommu_get(&vi, err, sizeof(err))) TH_LOG("%s", err);
	if (n > 1 && !vi.irq_remapping) {
		/* x86's vector domain grants one message; more need remapping */
		ASSERT_EQ(-EINVAL, mockdma_irqs_enable(&self->m, &self->irqs,
						       VFIO_PCI_MSI_IRQ_INDEX, n));
		SKIP(return, "%u MSI messages refused (EINVAL), as they must be: x86 has multi-message MSI only through interrupt remapping, which %s lacks",
		     n, vi.name);
	}
	REQUIRE_IRQS(self, VFIO_PCI_MSI_IRQ_INDEX, n);
	ASSERT_EQ(0, pci_topo_config_read(self->m.dev.bdf, MOCKDMA_CAP_MSI + PCI_MSI_FLAGS,
					  &flags, 2));
	EXPECT_TRUE(flags & PCI_MSI_FLAGS_ENABLE);
	EXPECT_EQ(__builtin_ctz(n), (flags & PCI_MSI_FLAGS_QSIZE) >> 4);
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	for (v = 0; v < 2 * n; v++) {
		uint32_t before = RD32(MOCKDMA_REG_IRQ_COUNT + 4 * (v % n));

		WR32(MOCKDMA_REG_SWINT, v);
		ASSERT_EQ(0, mockdma_eventfd_wait(self->irqs.fd[v % n], 2000, &got))
			TH_LOG("SWINT %u: message %u did not arrive", v, v % n);
		EXPECT_EQ(1, got);
		EXPECT_EQ(before + 1, RD32(MOCKDMA_REG_IRQ_COUNT + 4 * (v % n)));
		usleep(2000);
		EXPECT_EQ(0, take_all(&self->irqs, counts));
	}
	/* no INTx while MSI is on, even forced */
	WR32(MOCKDMA_REG_INTX_FORCE, 1);
	EXPECT_FALSE(RD32(MOCKDMA_REG_STATUS) & MOCKDMA_STATUS_INTX);
	WR32(MOCKDMA_REG_INTX_FORCE, 0);
}

/*
 * INTx through VFIO: the driver masks the line when it fires (DisINTx,
 * which the hardware shows), the cause is cleared, and unmasking re-arms
 * it for the next one.
 */
TEST_F(irq, intx_fires_masks_and_unmasks)
{
	uint32_t count = RD32(MOCKDMA_REG_INTX_COUNT);
	uint64_t got;
	int i;

	REQUIRE_IRQS(self, VFIO_PCI_INTX_IRQ_INDEX, 1);
	WR32(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	for (i = 0; i < 3; i++) {
		WR32(MOCKDMA_REG_SWINT, 0);
		ASSERT_EQ(0, mockdma_eventfd_wait(self->irqs.fd[0], 2000, &got))
			TH_LOG("INTx %d did not fire", i);
		EXPECT_EQ(1, got);
		EXPECT_EQ(count + i + 1, RD32(MOCKDMA_REG_INTX_COUNT));
		/* still asserted, but masked: no second signal */
		EXPECT_EQ(-ETIMEDOUT, mockdma_eventfd_wait(self->irqs.fd[0], 50, &got));
		WR32(MOCKDMA_REG_IRQ_STATUS, MOCKDMA_IRQ_SWINT);
		ASSERT_EQ(0, mockdma_intx_unmask(&self->m));
	}
}

LAB_HARNESS_MAIN
