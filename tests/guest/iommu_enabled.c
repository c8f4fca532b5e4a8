// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel IOMMU is on, with both DMA remapping and interrupt remapping.
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

#include "klog.h"
#include "pci_topo.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"

#define IOMMU_CLASS	"/sys/class/iommu"
#define IOMMU_GROUPS	"/sys/kernel/iommu_groups"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define INTERRUPTS	"/proc/interrupts"

/* Printed by drivers/iommu/intel/iommu.c and irq_remapping.c. */
#define DMAR_ENABLED	"DMAR: Intel(R) Virtualization Technology for Directed I/O"
#define IR_ENABLED	"DMAR-IR: Enabled IRQ remapping in"
/* The first boot message; if it is gone, the log buffer has wrapped. */
#define BOOT_BANNER	"Linux version "

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

TEST(dmar_unit_registered)
{
	char seen[512] = "";
	struct dirent *ent;
	int dmars = 0;
	DIR *dir;

	REQUIRE_SYSFS();
	dir = opendir(IOMMU_CLASS);
	if (!dir)
		TH_LOG("cannot open " IOMMU_CLASS ": %s", strerror(errno));
	ASSERT_NE(NULL, dir);
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.')
			continue;
		append(seen, sizeof(seen), ent->d_name);
		if (!strncmp(ent->d_name, "dmar", 4))
			dmars++;
	}
	closedir(dir);
	EXPECT_LT(0, dmars)
		TH_LOG("no dmar* entry in " IOMMU_CLASS " (it holds: %s): no Intel IOMMU unit is registered",
		       seen[0] ? seen : "nothing");
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

	if (group >= 0)
		return NULL;
	if (group == -ENOENT)
		return "has no IOMMU group";
	snprintf(why, size, "has no readable IOMMU group: %s", strerror(-group));
	return why;
}

TEST(pci_devices_have_group)
{
	int bad;

	REQUIRE_SYSFS();
	bad = count_bad_devices(_metadata, check_group);
	EXPECT_EQ(0, bad);
}

/* iommu_device_link() points BDF/iommu at the unit translating for it. */
static const char *check_dmar_link(const char *bdf, char *why, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(link, sizeof(link), PCI_DEVICES "/%s/iommu", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(why, size, "has no iommu link: %s", strerror(errno));
		return why;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!strncmp(base, "dmar", 4))
		return NULL;
	snprintf(why, size, "is translated by %s, not by a dmar unit", base);
	return why;
}

TEST(pci_devices_behind_dmar)
{
	int bad;

	REQUIRE_SYSFS();
	bad = count_bad_devices(_metadata, check_dmar_link);
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

	LOAD_KERNEL_LOG(log);
	found = klog_find_line(log, DMAR_ENABLED, line, sizeof(line));
	free(log);
	EXPECT_TRUE(found)
		TH_LOG("kernel log lacks \"" DMAR_ENABLED "\": "
		       "the Intel IOMMU driver did not enable DMA remapping");
	if (found)
		TH_LOG("found: %s", line);
}

TEST(kernel_log_reports_irq_remapping)
{
	char line[256];
	char *log;
	bool found;

	LOAD_KERNEL_LOG(log);
	found = klog_find_line(log, IR_ENABLED, line, sizeof(line));
	free(log);
	EXPECT_TRUE(found)
		TH_LOG("kernel log lacks \"" IR_ENABLED "\": interrupt remapping is off");
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
	struct irq_use *uses;
	int count, i, bad = 0;

	LOAD_INTERRUPTS(uses, count);
	for (i = 0; i < count; i++) {
		if (strcmp(uses[i].chip, "IO-APIC") &&
		    strncmp(uses[i].chip, "PCI-MSI", 7))
			continue;
		TH_LOG("irq %s (%s) uses chip %s, which bypasses interrupt remapping",
		       uses[i].irq, uses[i].rest, uses[i].chip);
		bad++;
	}
	free(uses);
	EXPECT_EQ(0, bad);
}

LAB_HARNESS_MAIN
