// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's IOMMU is on: DMA remapping, and interrupt remapping where the
 * model has it.  Each vIOMMU shows this its own way (the unit's name in
 * sysfs, its driver's boot lines); lib/viommu.c says which one this VM has.
 *
 * Each TEST checks one symptom; they SKIP only when the guest lacks what the
 * check needs to look (sysfs, procfs, the kernel log), never to hide a
 * missing IOMMU.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "klog.h"
#include "pci_topo.h"
#include "viommu.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"

#define IOMMU_CLASS	"/sys/class/iommu"
#define IOMMU_GROUPS	"/sys/kernel/iommu_groups"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define INTERRUPTS	"/proc/interrupts"

/*
 * What each driver prints when it has set the unit up for DMA remapping
 * and for interrupt remapping (intel/iommu.c and irq_remapping.c,
 * amd/init.c, virtio-iommu.c's probe).
 */
static const char *const dma_enabled[] = {
	[VIOMMU_INTEL] = "DMAR: Intel(R) Virtualization Technology for Directed I/O",
	[VIOMMU_AMD] = "AMD-Vi: Extended features",
	[VIOMMU_VIRTIO] = "virtio_iommu virtio",
};
static const char *const ir_enabled[] = {
	[VIOMMU_INTEL] = "DMAR-IR: Enabled IRQ remapping in",
	[VIOMMU_AMD] = "AMD-Vi: Interrupt remapping enabled",
	[VIOMMU_VIRTIO] = NULL,
};
/* The first boot message; if it is gone, the log buffer has wrapped. */
#define BOOT_BANNER	"Linux version "

static struct viommu vi;
static struct expect exp;	/* the groups the harness derived, if any */

/* Every test needs to know the model: an unreadable file is a failure. */
#define LOAD_VIOMMU() do {						\
	char __err[256];						\
	int __ret = viommu_get(&vi, __err, sizeof(__err));		\
	ASSERT_EQ(0, __ret) TH_LOG("%s", __err);			\
	expect_free(&exp);						\
	memset(&exp, 0, sizeof(exp));					\
	if (expect_load(&exp, __err, sizeof(__err)))			\
		memset(&exp, 0, sizeof(exp));				\
} while (0)

#define REQUIRE_IRQ_REMAPPING() do {					\
	if (!vi.irq_remapping)						\
		SKIP(return, "%s has no interrupt remapping: QEMU 7.2 and Linux 6.12 implement none for it on x86", \
		     vi.name);						\
} while (0)

/*
 * Devices the vIOMMU does not translate, by design of the model: its own
 * function, and what the harness derived as "ungrouped" (behind a
 * PCIe-to-PCI bridge on virtio-iommu); and devices it never looked at
 * (virtio-iommu: no driver probed them).
 */
static bool not_translated(const char *bdf)
{
	const struct expect_group *g = expect_group_of_bdf(&exp, bdf);

	return viommu_is_unit(&vi, bdf) || viommu_unprobed(&vi, bdf) ||
	       (g && g->reason == EXPECT_UNGROUPED);
}

#define REQUIRE_SYSFS() do {						\
	if (!pci_topo_sysfs_present())					\
		SKIP(return, "cannot list " PCI_DEVICES " (sysfs not mounted?)"); \
} while (0)

static void append(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? " " : "", word);
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* "BDF=path ..." for a group's devices, for messages. */
static void describe_group(int group, char *buf, size_t size)
{
	char path[PCI_TOPO_PATH_SIZE], word[PCI_TOPO_BDF_SIZE + PCI_TOPO_PATH_SIZE];
	struct pci_topo_bdfs devs;
	size_t i;

	buf[0] = '\0';
	if (pci_topo_group_devices(group, &devs)) {
		snprintf(buf, size, "(devices unreadable)");
		return;
	}
	for (i = 0; i < devs.count; i++) {
		if (pci_topo_path_of(devs.bdf[i], path))
			strcpy(path, "?");
		snprintf(word, sizeof(word), "%s=%s", devs.bdf[i], path);
		append(buf, size, word);
	}
	pci_topo_bdfs_free(&devs);
}

TEST(iommu_unit_registered)
{
	char seen[512] = "";
	struct dirent *ent;
	int units = 0;
	DIR *dir;

	LOAD_VIOMMU();
	REQUIRE_SYSFS();
	dir = opendir(IOMMU_CLASS);
	if (!dir)
		TH_LOG("cannot open " IOMMU_CLASS ": %s", strerror(errno));
	ASSERT_NE(NULL, dir);
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.')
			continue;
		append(seen, sizeof(seen), ent->d_name);
		if (!strncmp(ent->d_name, vi.unit_prefix, strlen(vi.unit_prefix)))
			units++;
	}
	closedir(dir);
	EXPECT_LT(0, units)
		TH_LOG("no %s* entry in " IOMMU_CLASS " (it holds: %s): no %s unit is registered",
		       vi.unit_prefix, seen[0] ? seen : "nothing", vi.name);
}

TEST(iommu_groups_exist)
{
	struct pci_topo_groups groups;
	int ret;

	REQUIRE_SYSFS();
	ret = pci_topo_groups(&groups);
	ASSERT_EQ(0, ret) TH_LOG("cannot list " IOMMU_GROUPS ": %s", strerror(-ret));
	EXPECT_LT(0, (int)groups.count)
		TH_LOG(IOMMU_GROUPS " is empty: DMA remapping is off");
	pci_topo_groups_free(&groups);
}

/* "identity" or "blocked" would mean DMA bypasses or never reaches the IOMMU. */
TEST(groups_use_dma_translation)
{
	char path[PATH_MAX], type[64], members[1024];
	struct pci_topo_groups groups;
	int bad = 0, ret;
	size_t i;

	REQUIRE_SYSFS();
	ret = pci_topo_groups(&groups);
	ASSERT_EQ(0, ret) TH_LOG("cannot list " IOMMU_GROUPS ": %s", strerror(-ret));
	ASSERT_LT(0, (int)groups.count)
		TH_LOG(IOMMU_GROUPS " is empty: no group to check");
	for (i = 0; i < groups.count; i++) {
		snprintf(path, sizeof(path), IOMMU_GROUPS "/%d/type", groups.id[i]);
		ret = read_line(path, type, sizeof(type));
		if (ret)
			snprintf(type, sizeof(type), "unreadable: %s", strerror(-ret));
		if (!strcmp(type, "DMA") || !strcmp(type, "DMA-FQ"))
			continue;
		describe_group(groups.id[i], members, sizeof(members));
		TH_LOG("group %d (%s) has domain type \"%s\", want DMA or DMA-FQ",
		       groups.id[i], members, type);
		bad++;
	}
	pci_topo_groups_free(&groups);
	EXPECT_EQ(0, bad);
}

/* Check each PCI device; check() returns NULL if fine, else what is wrong. */
static int count_bad_devices(struct __test_metadata *_metadata,
			     const char *(*check)(const char *bdf, char *why, size_t size))
{
	char path[PCI_TOPO_PATH_SIZE], why[256];
	struct pci_topo_bdfs devs;
	const char *problem;
	int bad = 0, ret;
	size_t i;

	ret = pci_topo_devices(&devs);
	if (ret) {
		TH_LOG("cannot list " PCI_DEVICES ": %s", strerror(-ret));
		return -1;
	}
	if (!devs.count)
		TH_LOG(PCI_DEVICES " is empty");
	for (i = 0; i < devs.count; i++) {
		problem = check(devs.bdf[i], why, sizeof(why));
		if (!problem)
			continue;
		if (pci_topo_path_of(devs.bdf[i], path))
			strcpy(path, "?");
		TH_LOG("%s (path %s) %s", devs.bdf[i], path, problem);
		bad++;
	}
	if (!devs.count)
		bad = -1;
	pci_topo_bdfs_free(&devs);
	return bad;
}

static const char *check_group(const char *bdf, char *why, size_t size)
{
	int group = pci_topo_iommu_group(bdf);

	if (group >= 0 || not_translated(bdf))
		return NULL;
	if (group == -ENOENT)
		return "has no IOMMU group";
	snprintf(why, size, "has no readable IOMMU group: %s", strerror(-group));
	return why;
}

TEST(pci_devices_have_group)
{
	int bad;

	LOAD_VIOMMU();
	REQUIRE_SYSFS();
	bad = count_bad_devices(_metadata, check_group);
	EXPECT_EQ(0, bad);
}

/* iommu_device_link() points BDF/iommu at the unit translating for it. */
static const char *check_unit_link(const char *bdf, char *why, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (not_translated(bdf))
		return NULL;
	snprintf(link, sizeof(link), PCI_DEVICES "/%s/iommu", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(why, size, "has no iommu link: %s", strerror(errno));
		return why;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!strncmp(base, vi.unit_prefix, strlen(vi.unit_prefix)))
		return NULL;
	snprintf(why, size, "is translated by %s, not by a %s unit", base,
		 vi.unit_prefix);
	return why;
}

TEST(pci_devices_behind_the_unit)
{
	int bad;

	LOAD_VIOMMU();
	REQUIRE_SYSFS();
	bad = count_bad_devices(_metadata, check_unit_link);
	EXPECT_EQ(0, bad);
}

#define LOAD_KERNEL_LOG(log) do {					\
	log = klog_read_all();					\
	if (!log)							\
		SKIP(return, "cannot read the kernel log: %s", strerror(errno)); \
	if (!strstr(log, BOOT_BANNER)) {				\
		free(log);						\
		SKIP(return, "kernel log has wrapped, boot messages are lost (boot with log_buf_len=1M)"); \
	}								\
} while (0)

TEST(kernel_log_reports_dma_remapping)
{
	char line[256];
	char *log;
	bool found;

	LOAD_VIOMMU();
	LOAD_KERNEL_LOG(log);
	found = klog_find_line(log, dma_enabled[vi.model], line, sizeof(line));
	free(log);
	EXPECT_TRUE(found)
		TH_LOG("kernel log lacks \"%s\": the %s driver did not set up DMA remapping",
		       dma_enabled[vi.model], vi.name);
	if (found)
		TH_LOG("found: %s", line);
}

TEST(kernel_log_reports_irq_remapping)
{
	char line[256];
	char *log;
	bool found;

	LOAD_VIOMMU();
	REQUIRE_IRQ_REMAPPING();
	LOAD_KERNEL_LOG(log);
	found = klog_find_line(log, ir_enabled[vi.model], line, sizeof(line));
	free(log);
	EXPECT_TRUE(found)
		TH_LOG("kernel log lacks \"%s\": interrupt remapping is off",
		       ir_enabled[vi.model]);
	if (found)
		TH_LOG("found: %s", line);
}

struct irq_use {
	char irq[16];
	char chip[64];
	char rest[128];		/* hwirq, trigger and handler names */
};

/*
 * Numbered /proc/interrupts lines: "N: <one count per CPU> CHIP rest".
 * The header line names the CPUs, which gives the number of counts.
 */
static int read_interrupts(struct irq_use **uses, int *count)
{
	char *line = NULL, *tok, *save;
	struct irq_use *grown, *u;
	int cpus = 0, i, ret = 0;
	size_t cap = 0;
	FILE *f;

	*uses = NULL;
	*count = 0;
	f = fopen(INTERRUPTS, "re");
	if (!f)
		return -errno;
	if (getline(&line, &cap, f) > 0) {
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			cpus++;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		tok = strtok_r(line, " \t\n", &save);
		if (!tok || tok[strspn(tok, "0123456789")] != ':')
			continue;
		grown = realloc(*uses, (*count + 1) * sizeof(**uses));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		*uses = grown;
		u = &grown[(*count)++];
		snprintf(u->irq, sizeof(u->irq), "%.*s", (int)strcspn(tok, ":"), tok);
		for (i = 0; i < cpus && tok; i++)
			tok = strtok_r(NULL, " \t\n", &save);
		tok = tok ? strtok_r(NULL, " \t\n", &save) : NULL;
		snprintf(u->chip, sizeof(u->chip), "%s", tok ? tok : "?");
		u->rest[0] = '\0';
		/* Join the remaining words with single spaces. */
		while (tok && (tok = strtok_r(NULL, " \t\n", &save)))
			append(u->rest, sizeof(u->rest), tok);
	}
	free(line);
	fclose(f);
	return ret;
}

#define LOAD_INTERRUPTS(uses, count) do {				\
	int __ret = read_interrupts(&uses, &count);			\
	if (__ret == -ENOENT)						\
		SKIP(return, INTERRUPTS " is missing (procfs not mounted?)"); \
	ASSERT_EQ(0, __ret)						\
		TH_LOG("cannot read " INTERRUPTS ": %s", strerror(-__ret)); \
	ASSERT_LT(0, count) TH_LOG(INTERRUPTS " lists no interrupts");	\
} while (0)

/* Chips of remapped domains are named "IR-..." (irq_remapping.c, io_apic.c). */
TEST(interrupts_use_remapping_chips)
{
	char chips[1024] = "";
	struct irq_use *uses;
	int count, i, remapped = 0;

	LOAD_VIOMMU();
	REQUIRE_IRQ_REMAPPING();
	LOAD_INTERRUPTS(uses, count);
	for (i = 0; i < count; i++) {
		if (!strncmp(uses[i].chip, "IR-", 3))
			remapped++;
		else if (!strstr(chips, uses[i].chip))
			append(chips, sizeof(chips), uses[i].chip);
	}
	free(uses);
	EXPECT_LT(0, remapped)
		TH_LOG("none of the %d interrupts uses an IR- (remapped) irq chip; chips: %s",
		       count, chips);
}

/* IO-APIC and PCI MSI/MSI-X are remappable, so their plain chips must not appear. */
TEST(no_unremapped_interrupts)
{
	char own[PCI_TOPO_BDF_SIZE + 16];
	struct irq_use *uses;
	int count, i, bad = 0;

	LOAD_VIOMMU();
	REQUIRE_IRQ_REMAPPING();
	LOAD_INTERRUPTS(uses, count);
	snprintf(own, sizeof(own), "PCI-MSI-%s", vi.unit_bdf);
	for (i = 0; i < count; i++) {
		if (strcmp(uses[i].chip, "IO-APIC") &&
		    strncmp(uses[i].chip, "PCI-MSI", 7))
			continue;
		/* the unit's own interrupt (AMD-Vi's event log) cannot go through itself */
		if (vi.unit_bdf[0] && !strcmp(uses[i].chip, own)) {
			TH_LOG("irq %s (%s) is the IOMMU's own, on %s: not remappable by itself",
			       uses[i].irq, uses[i].rest, uses[i].chip);
			continue;
		}
		TH_LOG("irq %s (%s) uses chip %s, which bypasses interrupt remapping",
		       uses[i].irq, uses[i].rest, uses[i].chip);
		bad++;
	}
	free(uses);
	EXPECT_EQ(0, bad);
}

LAB_HARNESS_MAIN
