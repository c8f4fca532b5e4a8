// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI device fd: DEVICE_GET_INFO, GET_REGION_INFO, read/write of the
 * BARs, the ROM and config space, and mmap of memory BARs.
 *
 * What the fd reports must match what the host's sysfs says about the
 * same device (resource sizes and types, config size, reset methods), and
 * region offsets are VFIO's: the region index in bits 40 and up.  Common
 * tests run on edu0 (one 1 MiB memory BAR, no ROM, no MSI-X) and on nic0
 * (an e1000e: memory and I/O BARs, a ROM, MSI-X in BAR3) and on vrng (a
 * virtio device: a 64-bit prefetchable BAR4, no BAR0); "nic" tests use what
 * only the e1000e has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define PAGE		4096ul
#define NUM_REGIONS	VFIO_PCI_NUM_REGIONS	/* 9: BAR0-5, ROM, config, VGA */
#define NUM_IRQS	VFIO_PCI_NUM_IRQS	/* 5: INTx, MSI, MSI-X, ERR, REQ */
#define VFIO_UNKNOWN_IOCTL	_IO(VFIO_TYPE, VFIO_BASE + 99)
#define IORESOURCE_IO	0x100	/* include/linux/ioport.h */
#define SCRATCH64	0x0123456789abcde0ull

FIXTURE(device) {
	struct vfio_lab_dev dev;
};

FIXTURE_VARIANT(device) {
	const char *id;
	int reg_bar;		/* a memory BAR with plain RW registers */
	uint32_t reg64;		/* 8 bytes that read back what was written */
	bool sub_dword_reads;	/* 1- and 2-byte reads return register bytes */
	int absent_bar;		/* a BAR the device does not implement */
};

FIXTURE_VARIANT_ADD(device, edu0) {
	.id = "edu0",
	.reg_bar = 0,
	.reg64 = 0x80,		/* the DMA source address */
	.sub_dword_reads = false,	/* edu answers 4- and 8-byte accesses only */
	.absent_bar = 1,
};

FIXTURE_VARIANT_ADD(device, nic0) {
	.id = "nic0",
	.reg_bar = 0,
	.reg64 = 0x2800,	/* RDBAL0/RDBAH0: receive ring base */
	.sub_dword_reads = true,
	.absent_bar = 4,
};

/* virtio common config in its 64-bit BAR4: queue 0's descriptor address */
FIXTURE_VARIANT_ADD(device, vrng) {
	.id = "vrng",
	.reg_bar = 4,
	.reg64 = 0x20,
	.sub_dword_reads = true,
	.absent_bar = 0,
};

FIXTURE_SETUP(device)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE(variant->id, bdf);
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(device)
{
	vfio_lab_close(&self->dev);
}

static uint64_t sysfs_size(struct __test_metadata *_metadata, const char *bdf,
			   int index, uint64_t *flags)
{
	struct pci_topo_resource res;
	int ret = pci_topo_resource(bdf, index, &res);

	if (ret) {
		TH_LOG("%s resource %d: %s", bdf, index, strerror(-ret));
		return ~0ull;
	}
	if (flags)
		*flags = res.flags;
	return pci_topo_resource_size(&res);
}

/* ---- errors ---- */

TEST_F(device, get_info_small_argsz_is_einval)
{
	struct vfio_device_info info = { .argsz = 8 };

	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, region_info_small_argsz_is_einval)
{
	struct vfio_region_info info = { .argsz = 16, .index = 0 };

	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, region_info_past_last_region_is_einval)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = NUM_REGIONS };

	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
	info.index = 1000;
	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

/* Neither device is a VGA controller. */
TEST_F(device, region_info_vga_of_non_vga_is_einval)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info), .index = VFIO_PCI_VGA_REGION_INDEX,
	};

	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, read_past_bar_end_is_einval)
{
	uint64_t size = sysfs_size(_metadata, self->dev.bdf, variant->reg_bar, NULL);
	uint32_t v;

	ASSERT_EQ(-EINVAL, vfio_lab_region_read(self->dev.fd, variant->reg_bar,
						size, &v, 4));
	ASSERT_EQ(-EINVAL, vfio_lab_region_write(self->dev.fd, variant->reg_bar,
						 size, &v, 4));
	/* One that starts inside is cut short at the end. */
	ASSERT_EQ(2, vfio_lab_region_read(self->dev.fd, variant->reg_bar,
					  size - 2, &v, 4));
}

TEST_F(device, access_to_unimplemented_bar_is_einval)
{
	uint32_t v;

	ASSERT_EQ(-EINVAL, vfio_lab_region_read(self->dev.fd, variant->absent_bar,
						0, &v, 4));
	ASSERT_EQ(-EINVAL, vfio_lab_region_write(self->dev.fd, variant->absent_bar,
						 0, &v, 4));
}

TEST_F(device, access_past_last_region_is_einval)
{
	uint32_t v;

	ASSERT_EQ(-EINVAL, vfio_lab_region_read(self->dev.fd, NUM_REGIONS, 0, &v, 4));
	ASSERT_EQ(-EINVAL, vfio_lab_region_write(self->dev.fd, NUM_REGIONS, 0, &v, 4));
	ASSERT_EQ(-EINVAL, vfio_lab_region_read(self->dev.fd, VFIO_PCI_VGA_REGION_INDEX,
						0, &v, 4));
}

/* VFIO's config access fails with -EFAULT outside config space. */
TEST_F(device, config_access_past_end_is_efault)
{
	struct vfio_region_info *info;
	uint32_t v;

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, VFIO_PCI_CONFIG_REGION_INDEX,
					  &info));
	ASSERT_EQ(-EFAULT, vfio_lab_region_read(self->dev.fd,
						VFIO_PCI_CONFIG_REGION_INDEX,
						info->size, &v, 4));
	ASSERT_EQ(-EFAULT, vfio_lab_region_read(self->dev.fd,
						VFIO_PCI_CONFIG_REGION_INDEX,
						info->size - 2, &v, 4));
	ASSERT_EQ(-EFAULT, vfio_lab_region_write(self->dev.fd,
						 VFIO_PCI_CONFIG_REGION_INDEX,
						 info->size, &v, 4));
	free(info);
}

TEST_F(device, rom_write_is_einval)
{
	uint32_t v = 0;

	ASSERT_EQ(-EINVAL, vfio_lab_region_write(self->dev.fd,
						 VFIO_PCI_ROM_REGION_INDEX, 0, &v, 4));
}

TEST_F(device, mmap_private_is_einval)
{
	void *map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, 0, PAGE,
					 PROT_READ, MAP_PRIVATE);

	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_past_bar_end_is_einval)
{
	uint64_t size = sysfs_size(_metadata, self->dev.bdf, variant->reg_bar, NULL);
	void *map;

	map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, size, PAGE,
				   PROT_READ, MAP_SHARED);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
	map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, 0, size + PAGE,
				   PROT_READ, MAP_SHARED);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_unaligned_offset_is_einval)
{
	void *map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, 0x80, PAGE,
					 PROT_READ, MAP_SHARED);

	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_of_non_bar_regions_is_einval)
{
	static const uint32_t regions[] = {
		VFIO_PCI_ROM_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX,
		VFIO_PCI_VGA_REGION_INDEX, NUM_REGIONS,
	};
	size_t i;

	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		void *map = vfio_lab_region_mmap(self->dev.fd, regions[i], 0, PAGE,
						 PROT_READ, MAP_SHARED);

		EXPECT_EQ(MAP_FAILED, map) TH_LOG("region %u", regions[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("region %u", regions[i]);
	}
	ASSERT_EQ(MAP_FAILED, vfio_lab_region_mmap(self->dev.fd, variant->absent_bar,
						   0, PAGE, PROT_READ, MAP_SHARED));
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(device, unknown_ioctl_is_enotty)
{
	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_UNKNOWN_IOCTL));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(self->dev.fd, VFIO_GROUP_GET_STATUS));
	ASSERT_EQ(ENOTTY, errno);
}

/* ---- what the fd reports ---- */

TEST_F(device, get_info_flags_regions_irqs)
{
	struct vfio_device_info info;
	char methods[128];
	bool resettable;

	ASSERT_EQ(0, vfio_lab_device_info(self->dev.fd, &info));
	resettable = !pci_topo_reset_methods(self->dev.bdf, methods, sizeof(methods));
	TH_LOG("%s reset methods: %s", self->dev.bdf, resettable ? methods : "none");
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	ASSERT_EQ(resettable, !!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	ASSERT_EQ(NUM_REGIONS, info.num_regions);
	ASSERT_EQ(NUM_IRQS, info.num_irqs);
}

TEST_F(device, region_info_bars_match_sysfs)
{
	int bar;

	for (bar = VFIO_PCI_BAR0_REGION_INDEX; bar <= VFIO_PCI_BAR5_REGION_INDEX; bar++) {
		struct vfio_region_info *info;
		uint64_t flags = 0, size;
		uint32_t want;

		size = sysfs_size(_metadata, self->dev.bdf, bar, &flags);
		ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, bar, &info));
		TH_LOG("BAR%d: size 0x%llx flags 0x%x", bar,
		       (unsigned long long)info->size, info->flags);
		EXPECT_EQ(VFIO_LAB_REGION_OFFSET(bar), info->offset);
		EXPECT_EQ(size, info->size);
		want = 0;
		if (size)
			want = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		if (size >= PAGE && !(flags & IORESOURCE_IO))
			want |= VFIO_REGION_INFO_FLAG_MMAP;
		EXPECT_EQ(want, info->flags & ~VFIO_REGION_INFO_FLAG_CAPS);
		free(info);
	}
}

TEST_F(device, region_info_config_matches_sysfs)
{
	struct vfio_region_info *info;
	char path[128];
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", self->dev.bdf);
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, VFIO_PCI_CONFIG_REGION_INDEX,
					  &info));
	EXPECT_EQ(VFIO_LAB_REGION_OFFSET(VFIO_PCI_CONFIG_REGION_INDEX), info->offset);
	EXPECT_EQ(size, (long)info->size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, info->flags);
	free(info);
}

TEST_F(device, region_info_rom_matches_sysfs)
{
	struct vfio_region_info *info;
	uint64_t size = sysfs_size(_metadata, self->dev.bdf,
				   VFIO_PCI_ROM_REGION_INDEX, NULL);

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, &info));
	EXPECT_EQ(VFIO_LAB_REGION_OFFSET(VFIO_PCI_ROM_REGION_INDEX), info->offset);
	EXPECT_EQ(size, info->size);
	/* Read-only, never mmap. */
	EXPECT_EQ(size ? VFIO_REGION_INFO_FLAG_READ : 0u, info->flags);
	free(info);
}

TEST_F(device, bar_access_widths)
{
	int fd = self->dev.fd, bar = variant->reg_bar;
	uint64_t v;

	ASSERT_EQ(0, vfio_lab_reg_write(fd, bar, variant->reg64, 8, SCRATCH64));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, bar, variant->reg64, 8, &v));
	ASSERT_EQ(SCRATCH64, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, bar, variant->reg64, 4, &v));
	ASSERT_EQ(SCRATCH64 & 0xffffffff, v);
	ASSERT_EQ(0, vfio_lab_reg_write(fd, bar, variant->reg64, 4, 0xfeedbee0));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, bar, variant->reg64, 4, &v));
	ASSERT_EQ(0xfeedbee0, v);
	/* Narrow reads are performed (what they return is the device's business). */
	ASSERT_EQ(0, vfio_lab_reg_read(fd, bar, variant->reg64, 2, &v));
	if (variant->sub_dword_reads)
		ASSERT_EQ(0xbee0, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, bar, variant->reg64, 1, &v));
	if (variant->sub_dword_reads)
		ASSERT_EQ(0xe0, v);
}

TEST_F(device, config_access_widths)
{
	uint64_t b0, b1, w, d0, d1, q, q2, ids = 0;
	int fd = self->dev.fd;

	ASSERT_EQ(0, pci_topo_config_read(self->dev.bdf, PCI_VENDOR_ID, &ids, 4));
	test_cmd_config_read(fd, 0, 1, &b0);
	test_cmd_config_read(fd, 1, 1, &b1);
	test_cmd_config_read(fd, 0, 2, &w);
	test_cmd_config_read(fd, 0, 4, &d0);
	test_cmd_config_read(fd, 4, 4, &d1);
	test_cmd_config_read(fd, 0, 8, &q);
	ASSERT_EQ((uint32_t)ids, d0);
	ASSERT_EQ(w, b0 | b1 << 8);
	ASSERT_EQ(d0 & 0xffff, w);
	ASSERT_EQ(d0 | d1 << 32, q);
	/* Writes of each width land: cache line size, command, and 8 bytes. */
	test_cmd_config_write(fd, PCI_CACHE_LINE_SIZE, 1, 0x10);
	test_cmd_config_read(fd, PCI_CACHE_LINE_SIZE, 1, &b0);
	ASSERT_EQ(0x10, b0);
	test_cmd_config_read(fd, PCI_COMMAND, 2, &w);
	test_cmd_config_write(fd, PCI_COMMAND, 2, w);
	test_cmd_config_read(fd, PCI_CACHE_LINE_SIZE, 8, &q);
	test_cmd_config_write(fd, PCI_CACHE_LINE_SIZE, 8, q);
	test_cmd_config_read(fd, PCI_CACHE_LINE_SIZE, 8, &q2);
	ASSERT_EQ(q, q2);
}

TEST_F(device, mmap_bar_reads_what_read_reads)
{
	uint64_t size = sysfs_size(_metadata, self->dev.bdf, variant->reg_bar, NULL);
	volatile uint64_t *reg;
	uint64_t v;
	char *map;

	map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, 0, size,
				   PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of BAR%d: %s", variant->reg_bar,
					  strerror(errno));
	reg = (volatile uint64_t *)(map + variant->reg64);
	ASSERT_EQ(0, vfio_lab_reg_write(self->dev.fd, variant->reg_bar,
					variant->reg64, 8, SCRATCH64));
	ASSERT_EQ(SCRATCH64, *reg);
	*reg = ~SCRATCH64 & ~0xfull;
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, variant->reg_bar,
				       variant->reg64, 8, &v));
	ASSERT_EQ(~SCRATCH64 & ~0xfull, v);
	munmap(map, size);
}

/* A window of the BAR: the mapping's page 0 is the BAR page it starts at. */
TEST_F(device, mmap_window_at_page_offset)
{
	uint64_t page = variant->reg64 & ~(PAGE - 1), v;
	volatile uint64_t *reg;
	char *map;

	map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, page, PAGE,
				   PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap at 0x%llx: %s",
					  (unsigned long long)page, strerror(errno));
	reg = (volatile uint64_t *)(map + (variant->reg64 - page));
	ASSERT_EQ(0, vfio_lab_reg_write(self->dev.fd, variant->reg_bar,
					variant->reg64, 8, SCRATCH64));
	v = *reg;
	ASSERT_EQ(SCRATCH64, v);
	munmap(map, PAGE);
}

/* Device memory is never dumped, expanded, or reachable by GUP. */
TEST_F(device, mmap_is_an_io_pfn_mapping)
{
	char line[512], range[64], *map;
	bool in_vma = false, io = false, pf = false, dd = false;
	FILE *f;

	map = vfio_lab_region_mmap(self->dev.fd, variant->reg_bar, 0, PAGE,
				   PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map);
	snprintf(range, sizeof(range), "%lx-", (unsigned long)map);
	f = fopen("/proc/self/smaps", "re");
	ASSERT_NE(NULL, f);
	/* VmFlags closes each VMA's block: the first after our header is ours. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, range, strlen(range)))
			in_vma = true;
		if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			io = strstr(line, " io");
			pf = strstr(line, " pf");
			dd = strstr(line, " dd");
			TH_LOG("%s", strtok(line, "\n"));
			break;
		}
	}
	fclose(f);
	munmap(map, PAGE);
	EXPECT_TRUE(io);
	EXPECT_TRUE(pf);
	EXPECT_TRUE(dd);
}

/*
 * nic0, the e1000e: what only it has.  Its I/O BAR reaches every register
 * through IOADDR/IODATA, its ROM is real, and BAR3 holds the MSI-X table.
 */
#define NIC_IO_BAR	2
#define NIC_IOADDR	0x00
#define NIC_IODATA	0x04
#define NIC_RDBAH0	0x2804

FIXTURE(nic) {
	struct vfio_lab_dev dev;
	int msix_bar;
	uint32_t msix_table, msix_size;		/* offset and bytes */
};

FIXTURE_SETUP(nic)
{
	char bdf[PCI_TOPO_BDF_SIZE];
	uint8_t cfg[PCI_CFG_SPACE_SIZE];
	uint32_t pos, table;
	uint16_t flags;
	int i;

	self->dev.container = self->dev.group = self->dev.fd = -1;
	REQUIRE_DEVICE("nic0", bdf);
	ASSERT_EQ(0, pci_topo_config_read(bdf, 0, cfg, sizeof(cfg)));
	self->msix_bar = -1;
	for (pos = cfg[PCI_CAPABILITY_LIST], i = 0; pos && i < 48; pos = cfg[pos + 1], i++) {
		if (cfg[pos] != PCI_CAP_ID_MSIX)
			continue;
		memcpy(&flags, cfg + pos + PCI_MSIX_FLAGS, 2);
		memcpy(&table, cfg + pos + PCI_MSIX_TABLE, 4);
		self->msix_bar = table & PCI_MSIX_TABLE_BIR;
		self->msix_table = table & PCI_MSIX_TABLE_OFFSET;
		self->msix_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) * PCI_MSIX_ENTRY_SIZE;
	}
	ASSERT_LE(0, self->msix_bar) TH_LOG("nic0 has no MSI-X capability");
	test_cmd_open_device(&self->dev, bdf, VFIO_TYPE1v2_IOMMU);
}

FIXTURE_TEARDOWN(nic)
{
	vfio_lab_close(&self->dev);
}

TEST_F(nic, mmap_io_bar_is_einval)
{
	ASSERT_EQ(MAP_FAILED, vfio_lab_region_mmap(self->dev.fd, NIC_IO_BAR, 0, PAGE,
						   PROT_READ, MAP_SHARED));
	ASSERT_EQ(EINVAL, errno);
}

/* Reads of the MSI-X table through read() are all ones, writes dropped. */
TEST_F(nic, msix_table_is_hidden_from_read_and_write)
{
	uint64_t v;

	ASSERT_EQ(0, vfio_lab_reg_write(self->dev.fd, self->msix_bar,
					self->msix_table, 4, 0x12345678));
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, self->msix_bar,
				       self->msix_table, 4, &v));
	ASSERT_EQ(0xffffffff, v);
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, self->msix_bar,
				       self->msix_table + self->msix_size - 8, 8, &v));
	ASSERT_EQ(~0ull, v);
}

TEST_F(nic, region_info_msix_bar_has_msix_mappable)
{
	struct vfio_region_info small = {
		.argsz = sizeof(small), .index = self->msix_bar,
	};
	struct vfio_region_info *info;
	const struct vfio_info_cap_header *cap;
	char why[256];

	ASSERT_EQ(0, ioctl(self->dev.fd, VFIO_DEVICE_GET_REGION_INFO, &small));
	ASSERT_TRUE(small.flags & VFIO_REGION_INFO_FLAG_CAPS);
	ASSERT_TRUE(small.flags & VFIO_REGION_INFO_FLAG_MMAP);
	ASSERT_LT(sizeof(small), small.argsz);
	ASSERT_EQ(0, small.cap_offset);
	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, self->msix_bar, &info));
	ASSERT_EQ(1, vfio_lab_cap_chain_check(info, info->argsz, sizeof(*info),
					      info->cap_offset, why, sizeof(why)))
		TH_LOG("%s", why);
	cap = vfio_lab_cap_find(info, info->argsz, info->cap_offset,
				VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	ASSERT_NE(NULL, cap);
	ASSERT_EQ(1, cap->version);
	free(info);
}

TEST_F(nic, other_bars_have_no_caps)
{
	struct vfio_region_info *info;

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, self->msix_bar ? 0 : 1, &info));
	ASSERT_FALSE(info->flags & VFIO_REGION_INFO_FLAG_CAPS);
	free(info);
}

TEST_F(nic, mmap_msix_bar_whole)
{
	struct vfio_region_info *info;
	char *map;

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, self->msix_bar, &info));
	map = vfio_lab_region_mmap(self->dev.fd, self->msix_bar, 0, info->size,
				   PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of the MSI-X BAR: %s", strerror(errno));
	munmap(map, info->size);
	free(info);
}

TEST_F(nic, io_bar_reaches_registers)
{
	uint64_t v;
	int fd = self->dev.fd;

	ASSERT_EQ(0, vfio_lab_reg_write(fd, 0, NIC_RDBAH0, 4, 0xa5a55a5a));
	ASSERT_EQ(0, vfio_lab_reg_write(fd, NIC_IO_BAR, NIC_IOADDR, 4, NIC_RDBAH0));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, NIC_IO_BAR, NIC_IODATA, 4, &v));
	ASSERT_EQ(0xa5a55a5a, v);
	ASSERT_EQ(0, vfio_lab_reg_write(fd, NIC_IO_BAR, NIC_IODATA, 4, 0x0badf00d));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, 0, NIC_RDBAH0, 4, &v));
	ASSERT_EQ(0x0badf00d, v);
	/* Narrow and wide: IOADDR's low bytes, and IOADDR with IODATA. */
	ASSERT_EQ(0, vfio_lab_reg_read(fd, NIC_IO_BAR, NIC_IOADDR, 1, &v));
	ASSERT_EQ(NIC_RDBAH0 & 0xff, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, NIC_IO_BAR, NIC_IOADDR, 2, &v));
	ASSERT_EQ(NIC_RDBAH0, v);
	ASSERT_EQ(0, vfio_lab_reg_read(fd, NIC_IO_BAR, NIC_IOADDR, 8, &v));
	ASSERT_EQ(NIC_RDBAH0 | 0x0badf00dull << 32, v);
}

TEST_F(nic, narrow_writes_reach_memory_bar)
{
	uint64_t v;
	int fd = self->dev.fd;

	ASSERT_EQ(0, vfio_lab_reg_write(fd, 0, NIC_RDBAH0, 2, 0xabcd));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, 0, NIC_RDBAH0, 4, &v));
	ASSERT_EQ(0xabcd, v & 0xffff);
	ASSERT_EQ(0, vfio_lab_reg_write(fd, 0, NIC_RDBAH0, 1, 0x5a));
	ASSERT_EQ(0, vfio_lab_reg_read(fd, 0, NIC_RDBAH0, 4, &v));
	ASSERT_EQ(0x5a, v & 0xff);
}

TEST_F(nic, rom_reads_option_rom_signature)
{
	struct vfio_region_info *info;
	uint64_t v;

	ASSERT_EQ(0, vfio_lab_region_info(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, &info));
	if (!info->size) {
		free(info);
		SKIP(return, "nic0 has no ROM (QEMU found no efi-e1000e.rom)");
	}
	free(info);
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, 2, &v));
	ASSERT_EQ(0xaa55, v);
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, 1, &v));
	ASSERT_EQ(0x55, v);
	ASSERT_EQ(0, vfio_lab_reg_read(self->dev.fd, VFIO_PCI_ROM_REGION_INDEX, 0, 8, &v));
	ASSERT_EQ(0xaa55, v & 0xffff);
}

LAB_HARNESS_MAIN
