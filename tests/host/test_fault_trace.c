// SPDX-License-Identifier: GPL-2.0
/* The vIOMMU's QEMU fault trace against the faults the guest announced. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_trace.h"

#include "kselftest_harness.h"
#include "unit.h"

/* What QEMU 7.2's log backend prints, with and without -msg timestamp=on */
static const char intel_log[] =
	"qemu-system-x86_64: warning: something else\n"
	"1234@1700000000.000001:vtd_dmar_fault sid 0x18 fault 2 addr 0x5a000 write 1\n"
	"vtd_dmar_fault sid 0x100 fault 6 addr 0x6b000 write 0\n";
static const char virtio_log[] =
	"virtio_iommu_report_fault FAULT reason=2 flags=257 endpoint=24 address =0x5a000\n"
	"virtio_iommu_report_fault FAULT reason=2 flags=258 endpoint=24 address =0x7c000\n"
	"virtio_iommu_report_fault FAULT reason=2 flags=256 endpoint=256 address =0x6b000\n";

static bool seen(const char *model, const char *log, const char *what)
{
	struct fault_expect f;

	if (fault_trace_parse(what, &f))
		return false;
	return fault_trace_seen(viommu_lookup(model), log, &f);
}

TEST(announcements_parse)
{
	struct fault_expect f;

	ASSERT_EQ(0, fault_trace_parse("0000:00:03.0 w 0x5a000", &f));
	EXPECT_EQ(0x18, f.sid);
	EXPECT_TRUE(f.write);
	EXPECT_EQ(0x5a000ull, f.iova);
	ASSERT_EQ(0, fault_trace_parse("0000:01:00.1 r 0x0", &f));
	EXPECT_EQ(0x101, f.sid);
	EXPECT_FALSE(f.write);
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 x 0x5a000", &f));
	EXPECT_EQ(-1, fault_trace_parse("00:03.0 w 0x5a000", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:20.0 w 0x5a000", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 5a000", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 0x5a000 more", &f));
	EXPECT_EQ(-1, fault_trace_parse("", &f));
	EXPECT_EQ(0, f.cause[0]);
	ASSERT_EQ(0, fault_trace_parse("0000:00:03.0 w 0x5a000 cause=unmapped-before", &f));
	EXPECT_STREQ("unmapped-before", f.cause);
	EXPECT_EQ(0x5a000ull, f.iova);
	ASSERT_EQ(0, fault_trace_parse("0000:00:03.0 w 0x5a000", &f));
	EXPECT_STREQ("", f.cause);
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 0x5a000 cause=", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 0x5a000 cause=Never", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 0x5a000 because=x", &f));
	EXPECT_EQ(-1, fault_trace_parse("0000:00:03.0 w 0x5a000 cause=x y", &f));
}

/* sid, address and direction must all match; a timestamp prefix is fine */
TEST(intel_matches_sid_address_and_direction)
{
	EXPECT_TRUE(seen("intel-iommu", intel_log, "0000:00:03.0 w 0x5a000"));
	EXPECT_TRUE(seen("intel-iommu", intel_log, "0000:01:00.0 r 0x6b000"));
	EXPECT_FALSE(seen("intel-iommu", intel_log, "0000:00:03.0 r 0x5a000"));
	EXPECT_FALSE(seen("intel-iommu", intel_log, "0000:00:04.0 w 0x5a000"));
	EXPECT_FALSE(seen("intel-iommu", intel_log, "0000:00:03.0 w 0x5b000"));
	/* another model's event does not count */
	EXPECT_FALSE(seen("intel-iommu", virtio_log, "0000:00:03.0 r 0x5a000"));
}

/* virtio-iommu gives the direction only for a permission fault */
TEST(virtio_matches_endpoint_address_and_any_given_direction)
{
	EXPECT_TRUE(seen("virtio-iommu", virtio_log, "0000:00:03.0 r 0x5a000"));
	EXPECT_FALSE(seen("virtio-iommu", virtio_log, "0000:00:03.0 w 0x5a000"));
	EXPECT_TRUE(seen("virtio-iommu", virtio_log, "0000:00:03.0 w 0x7c000"));
	/* F_ADDRESS (256) alone: no direction, either matches */
	EXPECT_TRUE(seen("virtio-iommu", virtio_log, "0000:01:00.0 w 0x6b000"));
	EXPECT_TRUE(seen("virtio-iommu", virtio_log, "0000:01:00.0 r 0x6b000"));
	EXPECT_FALSE(seen("virtio-iommu", virtio_log, "0000:00:03.0 r 0x6b000"));
	EXPECT_FALSE(seen("virtio-iommu", intel_log, "0000:00:03.0 w 0x5a000"));
}

static struct test_node *report(const char *model, const char *log,
				const char *const *faults, size_t n)
{
	struct test_node *root = node_new("vm");
	struct strv ex = { 0 };

	for (size_t i = 0; i < n; i++)
		strv_add(&ex, faults[i]);
	fault_trace_report(viommu_lookup(model), &ex, log, root);
	strv_free(&ex);
	return root;
}

TEST(report_passes_traced_faults_and_fails_the_rest)
{
	static const char *const faults[] = {
		"0000:00:03.0 w 0x5a000", "0000:00:03.0 w 0x9000", "junk",
	};
	struct test_node *root = report("intel-iommu", intel_log, faults, 3), *n;
	struct tally t = { 0 };

	ASSERT_EQ(1, root->nkids);
	n = root->kids[0];
	EXPECT_STREQ("vIOMMU fault trace", n->name);
	EXPECT_EQ(RES_FAIL, n->res);
	ASSERT_EQ(3, n->nkids);
	EXPECT_EQ(RES_PASS, n->kids[0]->res);
	EXPECT_EQ(RES_FAIL, n->kids[1]->res);
	EXPECT_STREQ("QEMU traced no vtd_dmar_fault for it", n->kids[1]->reason);
	EXPECT_EQ(RES_FAIL, n->kids[2]->res);
	node_tally(n, &t);
	EXPECT_EQ(1, t.pass);
	EXPECT_EQ(2, t.fail);
	node_free(root);
}

TEST(report_of_a_model_without_the_trace_is_a_skip_with_the_reason)
{
	static const char *const faults[] = { "0000:00:03.0 w 0x5a000" };
	struct test_node *root = report("amd-iommu", "", faults, 1);

	ASSERT_EQ(1, root->nkids);
	EXPECT_EQ(RES_SKIP, root->kids[0]->res);
	EXPECT_NE(NULL, strstr(root->kids[0]->reason, "amdvi_page_fault"));
	node_free(root);
}

TEST(no_announced_fault_no_node)
{
	struct test_node *root = report("intel-iommu", intel_log, NULL, 0);

	EXPECT_EQ(0, root->nkids);
	node_free(root);
	/* a missing log fails what was announced */
	root = report("virtio-iommu", NULL, (const char *const[]){ "0000:00:03.0 r 0x5a000" }, 1);
	EXPECT_EQ(RES_FAIL, root->kids[0]->res);
	node_free(root);
}

TEST_HARNESS_MAIN
