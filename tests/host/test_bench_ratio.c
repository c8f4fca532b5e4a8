// SPDX-License-Identifier: GPL-2.0
/* Ratios between drivers from the bench: lines of different VMs of a run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_ratio.h"
#include "results.h"

#include "kselftest_harness.h"
#include "unit.h"

/* A VM whose one test printed @diag */
static struct report_vm vm(const char *label, const char *diag)
{
	struct report_vm v = { .label = xstrdup(label) };
	struct test_node *t;

	v.res.root = node_new("root");
	t = node_add(v.res.root, "t");
	buf_addf(&t->diag, "%s", diag);
	return v;
}

static char *ratios(struct report_vm *vms, size_t n, int *count)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*count = report_bench_ratios(f, vms, n);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		node_free(vms[i].res.root);
		free(vms[i].label);
	}
	return text;
}

TEST(the_same_line_on_two_drivers_gives_their_ratio)
{
	struct report_vm vms[] = {
		vm("dpdk/vfio-pci", "# x\n# bench: testpmd io-forward driver=vfio-pci packets_per_s=400 packets=9\n"),
		vm("dpdk/upci-vfio", "# bench: testpmd io-forward driver=upci-vfio packets_per_s=300 packets=7\n"),
	};
	int n;
	char *s = ratios(vms, 2, &n);

	EXPECT_EQ(1, n);
	EXPECT_STREQ("bench ratio: dpdk testpmd io-forward packets_per_s upci-vfio/vfio-pci=0.75\n", s);
	free(s);
}

TEST(other_words_other_scenarios_and_lines_without_driver_are_not_paired)
{
	struct report_vm vms[] = {
		vm("dpdk/vfio-pci", "# bench: testpmd first-run driver=vfio-pci pps=400\n"
				    "# bench: no driver here pps=1\n"),
		vm("dpdk/upci-vfio", "# bench: testpmd second-run driver=upci-vfio pps=300\n"),
		vm("other/upci", "# bench: testpmd first-run driver=upci pps=300\n"),
		vm("bench/upci", "text # bench: testpmd first-run driver=upci pps=1\n"),
	};
	int n;
	char *s = ratios(vms, 4, &n);

	EXPECT_EQ(0, n);
	EXPECT_STREQ("", s);
	free(s);
}

TEST(a_zero_base_gives_no_ratio)
{
	struct report_vm vms[] = {
		vm("q/vfio-pci", "# bench: nested startup_ms=0 driver=vfio-pci\n"),
		vm("q/upci-vfio", "# bench: nested startup_ms=12 driver=upci-vfio\n"),
	};
	int n;
	char *s = ratios(vms, 2, &n);

	EXPECT_EQ(0, n);
	free(s);
}

TEST_HARNESS_MAIN
