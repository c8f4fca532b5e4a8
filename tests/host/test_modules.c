// SPDX-License-Identifier: GPL-2.0
/* Resolving module names through modules.dep into a load order. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

#include "kselftest_harness.h"
#include "unit.h"

/* Shaped like the pinned kernel's modules.dep (all dependencies listed). */
static const char dep[] =
	"kernel/drivers/vfio/vfio.ko.xz: kernel/drivers/iommu/iommufd/iommufd.ko.xz\n"
	"kernel/drivers/iommu/iommufd/iommufd.ko.xz:\n"
	"kernel/drivers/vfio/vfio_iommu_type1.ko.xz: kernel/drivers/vfio/vfio.ko.xz kernel/drivers/iommu/iommufd/iommufd.ko.xz\n"
	"kernel/drivers/vfio/pci/vfio-pci-core.ko.xz: kernel/drivers/vfio/vfio.ko.xz kernel/virt/lib/irqbypass.ko.xz kernel/drivers/iommu/iommufd/iommufd.ko.xz\n"
	"kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz kernel/drivers/vfio/vfio.ko.xz kernel/virt/lib/irqbypass.ko.xz kernel/drivers/iommu/iommufd/iommufd.ko.xz\n"
	"kernel/virt/lib/irqbypass.ko.xz:\n"
	"kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz: kernel/drivers/ptp/ptp.ko.xz kernel/drivers/pps/pps_core.ko.xz\n"
	"kernel/drivers/ptp/ptp.ko.xz: kernel/drivers/pps/pps_core.ko.xz\n"
	"kernel/drivers/pps/pps_core.ko.xz:\n"
	"kernel/misc/plain.ko:\n";

#define VFIO "kernel/drivers/vfio/vfio.ko.xz"
#define IOMMUFD "kernel/drivers/iommu/iommufd/iommufd.ko.xz"
#define TYPE1 "kernel/drivers/vfio/vfio_iommu_type1.ko.xz"
#define CORE "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz"
#define VFIO_PCI "kernel/drivers/vfio/pci/vfio-pci.ko.xz"
#define IRQBYPASS "kernel/virt/lib/irqbypass.ko.xz"

FIXTURE(resolve) {
	struct strv names, order;
	struct buf err;
};

FIXTURE_SETUP(resolve)
{
	*self = (FIXTURE_DATA(resolve)){ 0 };
}

FIXTURE_TEARDOWN(resolve)
{
	strv_free(&self->names);
	strv_free(&self->order);
	buf_free(&self->err);
}

/* Resolve the space-separated @names against @text; returns its result. */
static int resolve(FIXTURE_DATA(resolve) *self, const char *text,
		   const char *names)
{
	char *copy = xstrdup(names), *save, *tok;

	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		strv_add(&self->names, tok);
	free(copy);
	return modules_resolve(text, &self->names, &self->order, &self->err);
}

static int index_in(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return (int)i;
	return -1;
}

/* The order is exactly @want (space-separated). */
static void expect_order(struct __test_metadata *_metadata,
			 const struct strv *order, const char *want)
{
	char *got = strv_join(order, " ");

	if (strcmp(got, want))
		TH_LOG("want: %s\n got: %s", want, got);
	EXPECT_STREQ(want, got);
	free(got);
}

/* Every entry once, and each after everything its modules.dep line lists. */
static void expect_dependencies_first(struct __test_metadata *_metadata,
				      const char *text, const struct strv *order)
{
	for (size_t i = 0; i < order->n; i++) {
		char *want = xasprintf("%s:", order->v[i]);
		char *line = line_starting(text, want);
		char *save, *tok;

		EXPECT_EQ((int)i, index_in(order, order->v[i]))
			TH_LOG("%s listed twice", order->v[i]);
		ASSERT_NE(NULL, line) TH_LOG("%s is not a modules.dep entry", order->v[i]);
		for (tok = strtok_r(line + strlen(want), " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			int d = index_in(order, tok);

			EXPECT_LE(0, d) TH_LOG("%s needs %s, missing", order->v[i], tok);
			EXPECT_LT(d, (int)i) TH_LOG("%s loaded before its dependency %s",
						   order->v[i], tok);
		}
		free(line);
		free(want);
	}
}

TEST_F(resolve, module_without_dependencies)
{
	EXPECT_EQ(0, resolve(self, dep, "irqbypass"));
	expect_order(_metadata, &self->order, IRQBYPASS);
	EXPECT_EQ(0, self->err.len);
}

TEST_F(resolve, plain_ko_file)
{
	EXPECT_EQ(0, resolve(self, dep, "plain"));
	expect_order(_metadata, &self->order, "kernel/misc/plain.ko");
}

TEST_F(resolve, dependencies_come_first_each_once)
{
	EXPECT_EQ(0, resolve(self, dep, "vfio_iommu_type1 vfio-pci"));
	expect_order(_metadata, &self->order,
		     IOMMUFD " " VFIO " " TYPE1 " " IRQBYPASS " " CORE " " VFIO_PCI);
	expect_dependencies_first(_metadata, dep, &self->order);
}

TEST_F(resolve, dash_and_underscore_are_interchangeable)
{
	EXPECT_EQ(0, resolve(self, dep, "vfio_pci vfio-iommu-type1 pps-core"));
	EXPECT_EQ(0, self->err.len);
	EXPECT_LE(0, index_in(&self->order, VFIO_PCI));
	EXPECT_LE(0, index_in(&self->order, TYPE1));
	EXPECT_LE(0, index_in(&self->order, "kernel/drivers/pps/pps_core.ko.xz"));
	expect_dependencies_first(_metadata, dep, &self->order);
}

TEST_F(resolve, names_may_be_paths)
{
	EXPECT_EQ(0, resolve(self, dep, VFIO " kernel/drivers/ptp/ptp.ko"));
	expect_order(_metadata, &self->order,
		     IOMMUFD " " VFIO " kernel/drivers/pps/pps_core.ko.xz kernel/drivers/ptp/ptp.ko.xz");
}

TEST_F(resolve, same_module_twice_is_loaded_once)
{
	EXPECT_EQ(0, resolve(self, dep, "vfio-pci vfio_pci vfio"));
	expect_dependencies_first(_metadata, dep, &self->order);
	EXPECT_EQ(5, self->order.n);
}

TEST_F(resolve, appends_to_an_existing_order_without_repeating)
{
	strv_add(&self->order, VFIO);
	EXPECT_EQ(0, resolve(self, dep, "vfio_iommu_type1"));
	expect_order(_metadata, &self->order, VFIO " " IOMMUFD " " TYPE1);
}

TEST_F(resolve, deep_chain_with_direct_dependencies_only)
{
	static const char chain[] =
		"m/a.ko: m/b.ko\n"
		"m/b.ko: m/c.ko\n"
		"m/c.ko: m/d.ko\n"
		"m/d.ko: m/e.ko\n"
		"m/e.ko: m/f.ko\n"
		"m/f.ko:\n";

	EXPECT_EQ(0, resolve(self, chain, "a"));
	expect_order(_metadata, &self->order, "m/f.ko m/e.ko m/d.ko m/c.ko m/b.ko m/a.ko");
}

TEST_F(resolve, farthest_dependency_listed_first_still_works)
{
	static const char text[] =
		"m/a.ko: m/c.ko m/b.ko\n"
		"m/b.ko: m/c.ko\n"
		"m/c.ko:\n";

	EXPECT_EQ(0, resolve(self, text, "a"));
	expect_order(_metadata, &self->order, "m/c.ko m/b.ko m/a.ko");
}

TEST_F(resolve, last_line_without_newline)
{
	EXPECT_EQ(0, resolve(self, "m/x.ko: m/y.ko\nm/y.ko:", "x"));
	expect_order(_metadata, &self->order, "m/y.ko m/x.ko");
}

/* ---- errors ---- */

TEST_F(resolve, unknown_module_is_named)
{
	EXPECT_EQ(-1, resolve(self, dep, "nouveau"));
	EXPECT_TRUE(has_line(self->err.s, "kernel module 'nouveau' is not in modules.dep"));
	EXPECT_EQ(0, self->order.n);
}

TEST_F(resolve, every_unknown_module_is_named_and_known_ones_resolved)
{
	EXPECT_EQ(-1, resolve(self, dep, "ghost1 irqbypass ghost2"));
	EXPECT_NE(NULL, strstr(self->err.s, "'ghost1'"));
	EXPECT_NE(NULL, strstr(self->err.s, "'ghost2'"));
	EXPECT_EQ(2, count_lines_starting(self->err.s, "kernel module"));
	EXPECT_LE(0, index_in(&self->order, IRQBYPASS));
}

TEST_F(resolve, prefix_of_a_name_does_not_match)
{
	EXPECT_EQ(-1, resolve(self, dep, "vfio_pc"));
	EXPECT_EQ(-1, resolve(self, dep, "pci"));
	EXPECT_EQ(0, self->order.n);
}

TEST_F(resolve, vfio_is_not_vfio_pci)
{
	EXPECT_EQ(0, resolve(self, dep, "vfio"));
	expect_order(_metadata, &self->order, IOMMUFD " " VFIO);
}

TEST_F(resolve, missing_dependency_is_named)
{
	EXPECT_EQ(-1, resolve(self, "m/a.ko: m/gone.ko\n", "a"));
	EXPECT_NE(NULL, strstr(self->err.s, "m/gone.ko"));
	EXPECT_GT(0, index_in(&self->order, "m/a.ko"));
}

TEST_F(resolve, dependency_cycle_is_an_error_not_a_hang)
{
	EXPECT_EQ(-1, resolve(self, "m/a.ko: m/b.ko\nm/b.ko: m/a.ko\n", "a"));
	EXPECT_NE(NULL, strstr(self->err.s, "too deep"));
}

TEST_F(resolve, empty_modules_dep)
{
	EXPECT_EQ(-1, resolve(self, "", "vfio"));
	EXPECT_NE(NULL, strstr(self->err.s, "'vfio'"));
}

TEST_F(resolve, lines_without_colon_are_ignored)
{
	EXPECT_EQ(-1, resolve(self, "m/a.ko\n# m/a.ko\n", "a"));
	EXPECT_NE(NULL, strstr(self->err.s, "'a'"));
}

/* ---- module_name_of ---- */

static void expect_name(struct __test_metadata *_metadata, const char *path,
			const char *name)
{
	char *got = module_name_of(path);

	EXPECT_STREQ(name, got) TH_LOG("for %s", path);
	free(got);
}

TEST(module_name_of_paths)
{
	expect_name(_metadata, "kernel/drivers/vfio/pci/vfio-pci.ko.xz", "vfio_pci");
	expect_name(_metadata, "kernel/drivers/vfio/vfio_iommu_type1.ko.xz",
		    "vfio_iommu_type1");
	expect_name(_metadata, "a/b/c-d-e.ko.zst", "c_d_e");
	expect_name(_metadata, "upci.ko", "upci");
	expect_name(_metadata, "/abs/path/x.ko", "x");
}

TEST(module_name_of_bare_names)
{
	expect_name(_metadata, "vfio-pci", "vfio_pci");
	expect_name(_metadata, "plain", "plain");
	expect_name(_metadata, "", "");
}

/* ---- modules_release ---- */

FIXTURE(release) {
	char *dir;
};

FIXTURE_SETUP(release)
{
	self->dir = make_tmpdir("release");
	ASSERT_NE(NULL, self->dir);
}

FIXTURE_TEARDOWN(release)
{
	rm_rf(self->dir);
	free(self->dir);
}

static void add_dir(FIXTURE_DATA(release) *self, const char *rel)
{
	char *p = xasprintf("%s/lib/modules/%s", self->dir, rel);

	mkdir_p(p);
	free(p);
}

TEST_F(release, the_one_release_directory)
{
	char *rel;

	add_dir(self, "6.12.117-upci-debug");
	rel = modules_release(self->dir);
	EXPECT_STREQ("6.12.117-upci-debug", rel);
	free(rel);
}

TEST_F(release, files_and_dot_entries_do_not_count)
{
	char *f = xasprintf("%s/lib/modules/README", self->dir);
	char *rel;

	add_dir(self, "6.12.117+deb12-amd64");
	add_dir(self, ".hidden");
	ASSERT_EQ(0, write_file(f, "x", 1, 0644));
	rel = modules_release(self->dir);
	EXPECT_STREQ("6.12.117+deb12-amd64", rel);
	free(rel);
	free(f);
}

TEST_F(release, none_or_several_is_no_answer)
{
	EXPECT_NULL(modules_release(self->dir));
	EXPECT_NULL(modules_release("/nonexistent"));
	add_dir(self, "a");
	add_dir(self, "b");
	EXPECT_NULL(modules_release(self->dir));
}

TEST_HARNESS_MAIN
