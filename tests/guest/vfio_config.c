// SPDX-License-Identifier: GPL-2.0
/*
 * Config-space virtualization: what the user reads and writes through the
 * config region against what the hardware holds (sysfs config, read as
 * root, is the hardware's view).
 *
 * Some fields are the driver's fiction: BARs (sizing works, the real
 * addresses never change), the interrupt line and pin, INTx disable, the
 * capability chain (hidden capabilities are skipped).  Others reach the
 * hardware as written: bus master, memory and I/O enable, cache line size.
 * With memory decode off, BAR access through the fd fails with -EIO and
 * through an mmap with SIGBUS.  Each test runs on edu0, nic0 and vrng.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE			4096ul
#define IORESOURCE_IO		0x00000100	/* include/linux/ioport.h */
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_MEM_64	0x00100000
#define MAX_CAPS		48

/*
 * The capabilities VFIO shows the user (vfio_pci_config.c: a non-zero
 * pci_cap_length / pci_ext_cap_length); every other ID is hidden.
 */
static const uint8_t visible_caps[] = {
	PCI_CAP_ID_PM, PCI_CAP_ID_AGP, PCI_CAP_ID_VPD, PCI_CAP_ID_MSI,
	PCI_CAP_ID_PCIX, PCI_CAP_ID_HT, PCI_CAP_ID_VNDR, PCI_CAP_ID_EXP,
	PCI_CAP_ID_MSIX, PCI_CAP_ID_SATA, PCI_CAP_ID_AF,
};
static const uint16_t visible_ext_caps[] = {
	PCI_EXT_CAP_ID_ERR, PCI_EXT_CAP_ID_VC, PCI_EXT_CAP_ID_DSN,
	PCI_EXT_CAP_ID_PWR, PCI_EXT_CAP_ID_MFVC, PCI_EXT_CAP_ID_VC9,
	PCI_EXT_CAP_ID_VNDR, PCI_EXT_CAP_ID_ACS, PCI_EXT_CAP_ID_ARI,
	PCI_EXT_CAP_ID_ATS, PCI_EXT_CAP_ID_SRIOV, PCI_EXT_CAP_ID_MCAST,
	PCI_EXT_CAP_ID_PRI, PCI_EXT_CAP_ID_REBAR, PCI_EXT_CAP_ID_DPA,
	PCI_EXT_CAP_ID_TPH, PCI_EXT_CAP_ID_LTR, PCI_EXT_CAP_ID_DVSEC,
};

FIXTURE(config) {
	struct vfio_lab_dev dev;
	uint8_t hw[PCI_CFG_SPACE_EXP_SIZE];	/* hardware config at open */
	size_t cfg_size;
};

FIXTURE_VARIANT(config) {
	const char *id;
	int reg_bar;		/* a memory BAR ... */
	uint32_t reg;		/* ... and a register in it that plain reads reach */
	int io_bar;		/* -1: none */
};

FIXTURE_VARIANT_ADD(config, edu0) {
	.id = "edu0",
	.reg_bar = 0,
	.reg = 0x00,		/* the ID register */
	.io_bar = -1,
};

FIXTURE_VARIANT_ADD(config, nic0) {
	.id = "nic0",
	.reg_bar = 0,
	.reg = 0x08,		/* STATUS */
	.io_bar = 2,
};

/* A 64-bit prefetchable BAR and no BAR0. */
FIXTURE_VARIANT_ADD(config, vrng) {
	.id = "vrng",
	.reg_bar = 4,
	.reg = 0x04,		/* virtio common config: device_feature */
	.io_bar = -1,
};

FIXTURE_SETUP(config)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE(variant->id, bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
	self->cfg_size = PCI_CFG_SPACE_EXP_SIZE;
	if (pci_topo_config_read(bdf, 0, self->hw, self->cfg_size))
		self->cfg_size = PCI_CFG_SPACE_SIZE;
	ASSERT_EQ(0, pci_topo_config_read(bdf, 0, self->hw, self->cfg_size));
}

FIXTURE_TEARDOWN(config)
{
	vfio_lab_close(&self->dev);
}

static uint64_t hw_read(struct __test_metadata *_metadata, const char *bdf,
			unsigned int off, unsigned int width)
{
	uint64_t v = 0;

	ASSERT_EQ(0, pci_topo_config_read(bdf, off, &v, width));
	return v;
}

static uint64_t user_read(struct __test_metadata *_metadata, int fd,
			  unsigned int off, unsigned int width)
{
	uint64_t v = ~0ull;

	test_cmd_config_read(fd, off, width, &v);
	return v;
}

/* ---- the hardware is not touched where the user only sees a fiction ---- */

TEST_F(config, bar_sizing_does_not_reach_hardware)
{
	unsigned int off;

	for (off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_5; off += 4) {
		uint64_t saved = user_read(_metadata, self->dev.fd, off, 4);

		test_cmd_config_write(self->dev.fd, off, 4, 0xffffffff);
		ASSERT_EQ(hw_read(_metadata, self->dev.bdf, off, 4),
			  *(uint32_t *)(self->hw + off)) TH_LOG("BAR at 0x%x", off);
		test_cmd_config_write(self->dev.fd, off, 4, saved);
	}
	test_cmd_config_write(self->dev.fd, PCI_ROM_ADDRESS, 4, 0xfffff800);
	ASSERT_EQ(hw_read(_metadata, self->dev.bdf, PCI_ROM_ADDRESS, 4),
		  *(uint32_t *)(self->hw + PCI_ROM_ADDRESS));
}

TEST_F(config, unimplemented_bars_read_zero_even_after_all_ones)
{
	int bar, unimplemented = 0;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct pci_topo_resource res;
		unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;

		ASSERT_EQ(0, pci_topo_resource(self->dev.bdf, bar, &res));
		if (pci_topo_resource_size(&res))
			continue;
		/* The upper half of a 64-bit BAR has no resource either. */
		if (bar && (user_read(_metadata, self->dev.fd, off - 4, 4) &
			    PCI_BASE_ADDRESS_MEM_TYPE_64))
			continue;
		unimplemented++;
		ASSERT_EQ(0, user_read(_metadata, self->dev.fd, off, 4));
		test_cmd_config_write(self->dev.fd, off, 4, 0xffffffff);
		ASSERT_EQ(0, user_read(_metadata, self->dev.fd, off, 4))
			TH_LOG("BAR%d", bar);
	}
	ASSERT_LT(0, unimplemented);
}

TEST_F(config, vendor_and_device_ids_are_read_only)
{
	test_cmd_config_write(self->dev.fd, PCI_VENDOR_ID, 4, 0x12345678);
	ASSERT_EQ(*(uint32_t *)self->hw, user_read(_metadata, self->dev.fd, 0, 4));
	ASSERT_EQ(*(uint32_t *)self->hw, hw_read(_metadata, self->dev.bdf, 0, 4));
}

TEST_F(config, interrupt_pin_is_read_only)
{
	test_cmd_config_write(self->dev.fd, PCI_INTERRUPT_PIN, 1, 4);
	ASSERT_EQ(self->hw[PCI_INTERRUPT_PIN],
		  user_read(_metadata, self->dev.fd, PCI_INTERRUPT_PIN, 1));
}

TEST_F(config, interrupt_line_does_not_reach_hardware)
{
	uint8_t line = self->hw[PCI_INTERRUPT_LINE] ^ 0x5a;

	test_cmd_config_write(self->dev.fd, PCI_INTERRUPT_LINE, 1, line);
	ASSERT_EQ(line, user_read(_metadata, self->dev.fd, PCI_INTERRUPT_LINE, 1));
	ASSERT_EQ(self->hw[PCI_INTERRUPT_LINE],
		  hw_read(_metadata, self->dev.bdf, PCI_INTERRUPT_LINE, 1));
}

TEST_F(config, status_is_read_only)
{
	uint64_t before = user_read(_metadata, self->dev.fd, PCI_STATUS, 2);

	test_cmd_config_write(self->dev.fd, PCI_STATUS, 2, 0xffff);
	ASSERT_EQ(before, user_read(_metadata, self->dev.fd, PCI_STATUS, 2));
	ASSERT_EQ(*(uint16_t *)(self->hw + PCI_STATUS),
		  hw_read(_metadata, self->dev.bdf, PCI_STATUS, 2));
}

/* The list of capability offsets, standard then extended, as fd reads it. */
struct caps {
	unsigned int pos[2 * MAX_CAPS];
	unsigned int id[2 * MAX_CAPS];
	int n;
};

static void user_caps(struct __test_metadata *_metadata, int fd, struct caps *c)
{
	unsigned int pos, hdr;
	int i;

	c->n = 0;
	pos = user_read(_metadata, fd, PCI_CAPABILITY_LIST, 1);
	for (i = 0; pos && i < MAX_CAPS; i++) {
		hdr = user_read(_metadata, fd, pos, 2);
		c->pos[c->n] = pos;
		c->id[c->n++] = hdr & 0xff;
		pos = hdr >> 8;
	}
}

static bool in(const void *table, size_t n, size_t width, unsigned int id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v = width == 1 ? ((const uint8_t *)table)[i] :
					      ((const uint16_t *)table)[i];
		if (v == id)
			return true;
	}
	return false;
}

TEST_F(config, capability_pointers_are_read_only)
{
	struct caps before, after;
	int i;

	user_caps(_metadata, self->dev.fd, &before);
	ASSERT_LT(0, before.n);
	test_cmd_config_write(self->dev.fd, PCI_CAPABILITY_LIST, 1, 0);
	for (i = 0; i < before.n; i++) {
		test_cmd_config_write(self->dev.fd, before.pos[i], 1, 0xff);
		test_cmd_config_write(self->dev.fd, before.pos[i] + 1, 1, 0);
	}
	user_caps(_metadata, self->dev.fd, &after);
	ASSERT_EQ(before.n, after.n);
	for (i = 0; i < before.n; i++) {
		ASSERT_EQ(before.pos[i], after.pos[i]);
		ASSERT_EQ(before.id[i], after.id[i]);
		ASSERT_EQ(self->hw[before.pos[i]],
			  hw_read(_metadata, self->dev.bdf, before.pos[i], 1));
	}
}

/* ---- what the user sees ---- */

TEST_F(config, bars_read_hardware_values_at_open)
{
	unsigned int off;

	for (off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_5; off += 4) {
		uint64_t hw = *(uint32_t *)(self->hw + off);

		EXPECT_EQ(hw, user_read(_metadata, self->dev.fd, off, 4))
			TH_LOG("BAR at 0x%x", off);
	}
}

TEST_F(config, bar_sizing_returns_size_mask_and_type_bits)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		unsigned int off = PCI_BASE_ADDRESS_0 + 4 * bar;
		struct pci_topo_resource res;
		uint64_t size, saved, want, got;

		ASSERT_EQ(0, pci_topo_resource(self->dev.bdf, bar, &res));
		size = pci_topo_resource_size(&res);
		if (!size)
			continue;
		if (res.flags & IORESOURCE_IO) {
			want = (uint32_t)~(size - 1) | PCI_BASE_ADDRESS_SPACE_IO;
		} else {
			want = (uint32_t)~(size - 1);
			if (res.flags & IORESOURCE_PREFETCH)
				want |= PCI_BASE_ADDRESS_MEM_PREFETCH;
			if (res.flags & IORESOURCE_MEM_64)
				want |= PCI_BASE_ADDRESS_MEM_TYPE_64;
		}
		saved = user_read(_metadata, self->dev.fd, off, 4);
		test_cmd_config_write(self->dev.fd, off, 4, 0xffffffff);
		got = user_read(_metadata, self->dev.fd, off, 4);
		TH_LOG("BAR%d size 0x%llx: sizing reads 0x%08llx", bar,
		       (unsigned long long)size, (unsigned long long)got);
		EXPECT_EQ(want, got) TH_LOG("BAR%d", bar);
		if (res.flags & IORESOURCE_MEM_64) {
			test_cmd_config_write(self->dev.fd, off + 4, 4, 0xffffffff);
			EXPECT_EQ((uint32_t)(~(size - 1) >> 32),
				  user_read(_metadata, self->dev.fd, off + 4, 4));
		}
		/* Writing the address back restores it. */
		test_cmd_config_write(self->dev.fd, off, 4, saved);
		EXPECT_EQ(saved, user_read(_metadata, self->dev.fd, off, 4));
		bar += !!(res.flags & IORESOURCE_MEM_64);
	}
}

TEST_F(config, rom_bar_sizing)
{
	struct pci_topo_resource res;
	uint64_t size, want;

	ASSERT_EQ(0, pci_topo_resource(self->dev.bdf, PCI_STD_NUM_BARS, &res));
	size = pci_topo_resource_size(&res);
	/* The enable bit stays as written; no ROM reads 0 whatever is written. */
	want = size ? ((uint32_t)~(size - 1) | PCI_ROM_ADDRESS_ENABLE) : 0;
	test_cmd_config_write(self->dev.fd, PCI_ROM_ADDRESS, 4, 0xffffffff);
	ASSERT_EQ(want, user_read(_metadata, self->dev.fd, PCI_ROM_ADDRESS, 4));
	want &= ~(uint64_t)PCI_ROM_ADDRESS_ENABLE;
	test_cmd_config_write(self->dev.fd, PCI_ROM_ADDRESS, 4, 0xfffffffe);
	ASSERT_EQ(want, user_read(_metadata, self->dev.fd, PCI_ROM_ADDRESS, 4));
}

/*
 * INTx disable is the driver's to own (it masks INTx with it), so the user
 * writes a virtual bit.  While the user has no INTx set up, VFIO lets the
 * hardware bit follow it (PCI 2.3 devices, as edu and e1000e are); upci
 * keeps it set, since no handler would claim an INTx (irq_shared.c).
 */
TEST_F(config, intx_disable_is_virtual_and_held_when_intx_unused)
{
	uint64_t cmd = user_read(_metadata, self->dev.fd, PCI_COMMAND, 2);

	test_cmd_config_write(self->dev.fd, PCI_COMMAND, 2,
			      cmd | PCI_COMMAND_INTX_DISABLE);
	ASSERT_TRUE(user_read(_metadata, self->dev.fd, PCI_COMMAND, 2) &
		    PCI_COMMAND_INTX_DISABLE);
	ASSERT_TRUE(hw_read(_metadata, self->dev.bdf, PCI_COMMAND, 2) &
		    PCI_COMMAND_INTX_DISABLE);
	test_cmd_config_write(self->dev.fd, PCI_COMMAND, 2,
			      cmd & ~PCI_COMMAND_INTX_DISABLE);
	ASSERT_FALSE(user_read(_metadata, self->dev.fd, PCI_COMMAND, 2) &
		     PCI_COMMAND_INTX_DISABLE);
	ASSERT_EQ(intended_difference(0, PCI_COMMAND_INTX_DISABLE,
				      "with no INTx handler the device's DisINTx stays set"),
		  hw_read(_metadata, self->dev.bdf, PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);
	/* A one-byte write of the upper half reaches the same bit. */
	test_cmd_config_write(self->dev.fd, PCI_COMMAND + 1, 1,
			      PCI_COMMAND_INTX_DISABLE >> 8);
	ASSERT_TRUE(user_read(_metadata, self->dev.fd, PCI_COMMAND, 2) &
		    PCI_COMMAND_INTX_DISABLE);
}

TEST_F(config, capability_chain_is_hardware_minus_hidden)
{
	struct caps user;
	unsigned int pos, shown = 0;
	int i;

	user_caps(_metadata, self->dev.fd, &user);
	ASSERT_TRUE(user_read(_metadata, self->dev.fd, PCI_STATUS, 2) &
		    PCI_STATUS_CAP_LIST);
	pos = self->hw[PCI_CAPABILITY_LIST];
	for (i = 0; pos && i < MAX_CAPS; i++, pos = self->hw[pos + 1]) {
		if (!in(visible_caps, sizeof(visible_caps), 1, self->hw[pos])) {
			TH_LOG("hardware cap 0x%02x at 0x%02x is hidden",
			       self->hw[pos], pos);
			continue;
		}
		ASSERT_GT(user.n, (int)shown) TH_LOG("cap 0x%02x at 0x%02x missing",
						      self->hw[pos], pos);
		EXPECT_EQ(pos, user.pos[shown]);
		EXPECT_EQ(self->hw[pos], user.id[shown]);
		shown++;
	}
	EXPECT_EQ((int)shown, user.n);
}

TEST_F(config, extended_capability_chain_is_hardware_minus_hidden)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, upos = PCI_CFG_SPACE_SIZE;
	uint32_t hdr, uhdr;
	int i;

	if (self->cfg_size <= PCI_CFG_SPACE_SIZE)
		SKIP(return, "%s is conventional PCI: no extended config space",
		     variant->id);
	uhdr = user_read(_metadata, self->dev.fd, upos, 4);
	if (!uhdr)
		upos = 0;
	/* A hidden first capability leaves an ID 0 anchor at 0x100. */
	else if (!PCI_EXT_CAP_ID(uhdr))
		upos = PCI_EXT_CAP_NEXT(uhdr);
	for (i = 0; pos >= PCI_CFG_SPACE_SIZE && i < MAX_CAPS; i++) {
		memcpy(&hdr, self->hw + pos, 4);
		if (!hdr)
			break;
		if (in(visible_ext_caps, sizeof(visible_ext_caps) / 2, 2,
		       PCI_EXT_CAP_ID(hdr))) {
			ASSERT_EQ(pos, upos) TH_LOG("ext cap 0x%x", PCI_EXT_CAP_ID(hdr));
			uhdr = user_read(_metadata, self->dev.fd, upos, 4);
			ASSERT_EQ(PCI_EXT_CAP_ID(hdr), PCI_EXT_CAP_ID(uhdr));
			upos = PCI_EXT_CAP_NEXT(uhdr);
		}
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	ASSERT_EQ(0, upos) TH_LOG("the user's chain goes on past the hardware's");
}

#define test_command_bit_passes_through(self, bit) do {		\
	test_cmd_config_write((self)->dev.fd, PCI_COMMAND, 2,		\
		user_read(_metadata, (self)->dev.fd, PCI_COMMAND, 2) | (bit)); \
	ASSERT_TRUE(hw_read(_metadata, (self)->dev.bdf, PCI_COMMAND, 2) & (bit)); \
	ASSERT_TRUE(user_read(_metadata, (self)->dev.fd, PCI_COMMAND, 2) & (bit)); \
	test_cmd_config_write((self)->dev.fd, PCI_COMMAND, 2,		\
		user_read(_metadata, (self)->dev.fd, PCI_COMMAND, 2) & ~(bit)); \
	ASSERT_FALSE(hw_read(_metadata, (self)->dev.bdf, PCI_COMMAND, 2) & (bit)); \
	ASSERT_FALSE(user_read(_metadata, (self)->dev.fd, PCI_COMMAND, 2) & (bit)); \
} while (0)

TEST_F(config, bus_master_passes_through)
{
	test_command_bit_passes_through(self, PCI_COMMAND_MASTER);
}

TEST_F(config, memory_enable_passes_through)
{
	test_command_bit_passes_through(self, PCI_COMMAND_MEMORY);
}

TEST_F(config, io_enable_passes_through)
{
	test_command_bit_passes_through(self, PCI_COMMAND_IO);
}

TEST_F(config, cache_line_size_passes_through)
{
	test_cmd_config_write(self->dev.fd, PCI_CACHE_LINE_SIZE, 1, 0x20);
	ASSERT_EQ(0x20, hw_read(_metadata, self->dev.bdf, PCI_CACHE_LINE_SIZE, 1));
	ASSERT_EQ(0x20, user_read(_metadata, self->dev.fd, PCI_CACHE_LINE_SIZE, 1));
}

/* ---- memory decode off: no BAR access ---- */

TEST_F(config, memory_decode_off_bar_access_is_eio)
{
	uint64_t v;

	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(-EIO, vfio_lab_reg_read(self->dev.fd, variant->reg_bar,
					  variant->reg, 4, &v));
	ASSERT_EQ(-EIO, vfio_lab_reg_write(self->dev.fd, variant->reg_bar,
					   variant->reg, 4, 0));
	/* I/O BARs do not depend on memory decode. */
	if (variant->io_bar >= 0)
		ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, variant->io_bar, 0, 4, &v));
	/* Decode on again: access is back. */
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, variant->reg_bar, variant->reg,
				       4, &v));
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, sig);
}

/* Read a mapped register; SIGBUS instead of a value if the access faults. */
static int mmap_read(volatile uint32_t *reg, uint32_t *val)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int sig;

	sigaction(SIGBUS, &sa, &old);
	sig = sigsetjmp(sigbus_jmp, 1);
	if (!sig)
		*val = *reg;
	sigaction(SIGBUS, &old, NULL);
	return sig;
}

/*
 * Read the register through a mapping of @map_fd's, turn decode off through
 * the fixture's fd: the mapping now faults; decode on: it reads as before.
 */
static void decode_off_faults_mapping_of(struct __test_metadata *_metadata,
					 FIXTURE_DATA(config) *self,
					 const FIXTURE_VARIANT(config) *variant,
					 int map_fd)
{
	volatile uint32_t *reg;
	uint32_t v, direct;
	char *map;

	map = vfio_lab_region_mmap(map_fd, variant->reg_bar, 0, PAGE,
				   PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map);
	reg = (volatile uint32_t *)(map + variant->reg);
	ASSERT_EQ(0, mmap_read(reg, &direct));
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, 0, PCI_COMMAND_MEMORY));
	ASSERT_EQ(SIGBUS, mmap_read(reg, &v));
	ASSERT_EQ(0, vfio_lab_command_update(self->dev.fd, PCI_COMMAND_MEMORY, 0));
	ASSERT_EQ(0, mmap_read(reg, &v));
	ASSERT_EQ(direct, v);
	munmap(map, PAGE);
}

TEST_F(config, memory_decode_off_mmap_access_is_sigbus)
{
	decode_off_faults_mapping_of(_metadata, self, variant, self->dev.fd);
}

/*
 * Two fds of one device share its BAR mappings: decode turned off through
 * one zaps what the other mapped, so no access reaches a device that no
 * longer decodes.
 */
TEST_F(config, memory_decode_off_through_one_fd_zaps_another_fds_mmap)
{
	int other = vfio_lab_get_device_fd(self->dev.group, self->dev.bdf);

	ASSERT_LE(0, other);
	decode_off_faults_mapping_of(_metadata, self, variant, other);
	close(other);
}

LAB_HARNESS_MAIN
