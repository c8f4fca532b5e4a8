// SPDX-License-Identifier: GPL-2.0
/*
 * repro's fault report: the timeline parsed from the guest trace, the
 * console and QEMU's log, each verdict, and report.md / report.json.
 * The records are what the guest and QEMU 7.2 print.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault_report.h"
#include "fault_timeline.h"
#include "fault_verdict.h"

#include "kselftest_harness.h"
#include "unit.h"

#define TR(pid, t, ev) "         edu_dma-" #pid "     [000] .....     " t ": " ev "\n"
#define KTAP "# pci: 0000:00:03.0 03.0 1234:11e8 group=1 driver=upci\n" \
	     "# pci: 0000:00:04.0 04.0 1234:11e8 group=2 driver=upci\n"
#define DMAR(t, rw, addr, r) "[    " t "] DMAR: [DMA " rw " NO_PASID] Request device [00:03.0] fault addr " addr " [fault reason " r "] PTE Write access is not set\r\n"
#define ATTACH1 TR(148, "3.315638", "upci_attach: group=1 ret=0 asid=1")

/* One fault's verdict over the given records */
static enum fv_kind verdict_of(const char *viommu, const char *trace,
			       const char *console, const char *qemu,
			       size_t i, double *delta)
{
	struct timeline tl;
	struct fault_verdict v;
	enum fv_kind k;

	timeline_build(&tl, viommu, trace, console, qemu, KTAP);
	if (i >= tl.nfaults) {
		timeline_free(&tl);
		return (enum fv_kind)-1;
	}
	fault_verdict(&tl, &tl.faults[i], &v);
	k = v.kind;
	if (delta)
		*delta = v.delta_s;
	fault_verdict_free(&v);
	timeline_free(&tl);
	return k;
}

static const char unmapped_trace[] =
	"# tracer: nop\n#\n"
	ATTACH1
	TR(148, "3.324181", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1")
	TR(148, "3.326041", "upci_dma_unmap: iova=0x5a000 size=0x1000 asid=1");
static const char unmapped_qemu[] =
	"qemu-system-x86_64: vtd_iova_to_slpte: detected slpte permission error\n"
	"vtd_dmar_fault sid 0x18 fault 5 addr 0x5a000 write 1\n"
	"vtd_dmar_fault sid 0x18 fault 5 addr 0x5a004 write 1\n"
	"qemu-system-x86_64: New fault is not recorded due to compression of faults\n"
	"vtd_dmar_fault sid 0x18 fault 5 addr 0x5a008 write 1\n";
static const char unmapped_console[] = DMAR("3.514326", "Write", "0x5a000", "0x05");

TEST(a_dma_after_its_unmap_is_unmapped_before_with_the_gap)
{
	double d;

	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", unmapped_trace,
						 unmapped_console, unmapped_qemu, 0, &d));
	EXPECT_TRUE(d > 0.188 && d < 0.1883) TH_LOG("gap %f s", d);
}

TEST(qemu_s_trace_of_one_burst_is_one_fault_timed_by_the_guest_line)
{
	struct timeline tl;

	timeline_build(&tl, "intel-iommu", unmapped_trace, unmapped_console,
		       unmapped_qemu, KTAP);
	ASSERT_EQ(1, tl.nfaults);
	EXPECT_STREQ("0000:00:03.0", tl.faults[0].bdf);
	EXPECT_EQ(3, tl.faults[0].count);
	EXPECT_EQ(0x5a008ull, tl.faults[0].last);
	EXPECT_EQ(5, tl.faults[0].reason);
	EXPECT_TRUE(tl.faults[0].write);
	EXPECT_TRUE(tl.faults[0].t > 3.5143 && tl.faults[0].t < 3.5144);
	EXPECT_NE(NULL, tl.faults[0].guest_line);
	EXPECT_EQ(NULL, strchr(tl.faults[0].guest_line, '\r'));
	EXPECT_STREQ("PTE Write access is not set", timeline_reason_text("intel-iommu", 5));
	EXPECT_EQ(1, timeline_group_of(&tl, "0000:00:03.0"));
	EXPECT_EQ(-1, timeline_group_of(&tl, "0000:00:09.0"));
	timeline_free(&tl);
}

TEST(a_write_to_a_read_only_mapping_is_no_permission_and_a_read_is_not)
{
	const char trace[] = ATTACH1
		TR(148, "3.32", "upci_dma_map: iova=0x5a000 size=0x2000 prot=r asid=1");
	const char qemu[] = "vtd_dmar_fault sid 0x18 fault 5 addr 0x5b000 write 1\n";

	EXPECT_EQ(FV_NO_PERMISSION, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5b000", "0x05"), qemu, 0, NULL));
	EXPECT_EQ(FV_MAPPED, verdict_of("intel-iommu", trace, DMAR("3.5", "Read", "0x5b000", "0x06"), NULL, 0, NULL));
}

TEST(an_iova_only_another_container_maps_is_other_container)
{
	const char trace[] = ATTACH1
		TR(150, "3.316", "upci_attach: group=2 ret=0 asid=2")
		TR(150, "3.32", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=2")
		TR(148, "3.33", "upci_dma_map: iova=0x100000 size=0x1000 prot=rw asid=1");

	EXPECT_EQ(FV_OTHER_CONTAINER, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
	EXPECT_EQ(FV_NEVER_MAPPED, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x77000", "0x05"), NULL, 0, NULL));
}

TEST(after_the_owner_exits_or_closes_the_verdict_says_which)
{
	const char died[] = ATTACH1
		TR(148, "3.32", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1")
		TR(148, "3.40", "sched_process_exit: comm=edu_dma pid=148 prio=120")
		TR(148, "3.41", "upci_detach: group=1 asid=1")
		TR(148, "3.42", "upci_release: asid=1");
	const char closed[] = ATTACH1
		TR(148, "3.32", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1")
		TR(148, "3.41", "upci_detach: group=1 asid=1");
	const char console[] = DMAR("3.5", "Write", "0x5a000", "0x05");
	double d;

	EXPECT_EQ(FV_OWNER_DIED, verdict_of("intel-iommu", died, console, NULL, 0, &d));
	EXPECT_TRUE(d > 0.0899 && d < 0.0901) TH_LOG("gap %f", d);
	EXPECT_EQ(FV_RELEASED, verdict_of("intel-iommu", closed, console, NULL, 0, NULL));
	/* the same fault before the detach: the mapping was live */
	EXPECT_EQ(FV_MAPPED, verdict_of("intel-iommu", closed, DMAR("3.33", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
}

TEST(no_container_ever_held_the_group_is_not_owned)
{
	const char trace[] = TR(150, "3.316", "upci_attach: group=2 ret=0 asid=1");

	EXPECT_EQ(FV_NOT_OWNED, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
	EXPECT_EQ(FV_NO_TRACE, verdict_of("intel-iommu", "", DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
}

TEST(the_msi_window_and_beyond_the_address_width_are_named)
{
	const char console[] = "[    0.2] DMAR: Host address width 39\n"
		DMAR("3.5", "Write", "0xfee00000", "0x05")
		DMAR("3.6", "Write", "0x8000000000", "0x04");

	EXPECT_EQ(FV_RESERVED, verdict_of("intel-iommu", ATTACH1, console, NULL, 0, NULL));
	EXPECT_EQ(FV_OUTSIDE_APERTURE, verdict_of("intel-iommu", ATTACH1, console, NULL, 1, NULL));
}

TEST(a_partial_unmap_leaves_the_rest_mapped)
{
	const char trace[] = ATTACH1
		TR(148, "3.32", "upci_dma_map: iova=0x10000 size=0x4000 prot=rw asid=1")
		TR(148, "3.33", "upci_dma_unmap: iova=0x11000 size=0x1000 asid=1")
		TR(148, "3.34", "upci_dma_unmap: iova=0x10000 size=0x1000 asid=1")
		TR(148, "3.34", "upci_dma_unmap: iova=0x12000 size=0x2000 asid=1");
	const char before_all[] = DMAR("3.335", "Write", "0x11000", "0x05") DMAR("3.336", "Write", "0x12000", "0x05");

	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", trace, before_all, NULL, 0, NULL));
	EXPECT_EQ(FV_MAPPED, verdict_of("intel-iommu", trace, before_all, NULL, 1, NULL));
	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x13000", "0x05"), NULL, 0, NULL));
}

TEST(a_failed_map_maps_nothing)
{
	const char trace[] = ATTACH1
		TR(148, "3.32", "upci_map: iova=0x5a000 size=0x1000 vaddr=0x7f00 prot=rw ret=-22 asid=1");

	EXPECT_EQ(FV_NEVER_MAPPED, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
}

/*
 * upci traces the calls once they are over: a MAP_DMA's call event can land
 * after a racing UNMAP_DMA took the mapping away. The state is upci_dma_*.
 */
TEST(the_address_space_is_what_upci_dma_events_say_not_the_calls)
{
	const char trace[] = ATTACH1
		TR(148, "3.320", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1")
		TR(149, "3.321", "upci_dma_unmap: iova=0x5a000 size=0x1000 asid=1")
		TR(149, "3.322", "upci_unmap: iova=0x5a000 size=0x1000 unmapped=0x1000 ret=0 asid=1")
		TR(148, "3.323", "upci_map: iova=0x5a000 size=0x1000 vaddr=0x7f00 prot=rw ret=0 asid=1");

	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
}

/*
 * Two CPUs' buffers merge by time, which they may not agree on: an address
 * space's upci_dma_* events are replayed in their seq order
 */
TEST(an_address_space_s_events_replay_in_seq_order)
{
	const char trace[] = ATTACH1
		TR(148, "3.300", "upci_dma_unmap: iova=0x5a000 size=0x1000 asid=1 seq=2")
		TR(149, "3.300", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1 seq=1")
		TR(150, "3.310", "upci_dma_map: iova=0x7000 size=0x1000 prot=rw asid=1 seq=3");
	struct timeline tl;

	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
	timeline_build(&tl, "intel-iommu", trace, NULL, NULL, KTAP);
	ASSERT_EQ(4, tl.nev);
	EXPECT_EQ(TL_MAP, tl.ev[1].kind);
	EXPECT_EQ(1ull, tl.ev[1].seq);
	EXPECT_EQ(TL_UNMAP, tl.ev[2].kind);
	EXPECT_EQ(2ull, tl.ev[2].seq);
	EXPECT_EQ(3ull, tl.ev[3].seq);
	timeline_free(&tl);
}

TEST(a_released_vfio_address_space_s_pointer_names_a_new_one)
{
	const char trace[] =
		TR(156, "3.1", "vfio_attach: (vfio_iommu_type1_attach_group+0x4/0xd00 [vfio_iommu_type1]) asid=0xffff888000001000")
		TR(156, "3.15", "attach_device_to_domain: IOMMU: device=0000:00:03.0")
		TR(156, "3.2", "vfio_attach_ret: (x <- vfio_iommu_type1_attach_group) ret=0")
		TR(156, "3.3", "vfio_release: (vfio_iommu_type1_release+0x4/0x1f0 [vfio_iommu_type1]) asid=0xffff888000001000")
		TR(157, "3.4", "vfio_attach: (vfio_iommu_type1_attach_group+0x4/0xd00 [vfio_iommu_type1]) asid=0xffff888000001000")
		TR(157, "3.45", "attach_device_to_domain: IOMMU: device=0000:00:04.0")
		TR(157, "3.5", "vfio_attach_ret: (x <- vfio_iommu_type1_attach_group) ret=0");
	struct timeline tl;

	timeline_build(&tl, "intel-iommu", trace, NULL, NULL, KTAP);
	ASSERT_EQ(3, tl.nev);
	EXPECT_EQ(1ull, tl.ev[0].as);
	EXPECT_EQ(TL_RELEASE, tl.ev[1].kind);
	EXPECT_EQ(1ull, tl.ev[1].as);
	EXPECT_EQ(TL_ATTACH, tl.ev[2].kind);
	EXPECT_EQ(2ull, tl.ev[2].as);
	timeline_free(&tl);
}

TEST(a_trace_that_lost_events_says_so)
{
	struct fault_report_ctx ctx = { "vfio", "t", "upci", "intel-iommu", "cmd" };
	const char trace[] = ATTACH1 "CPU:0 [LOST 1234 EVENTS]\n"
		TR(148, "3.32", "upci_dma_map: iova=0x10000 size=0x1000 prot=rw asid=1");
	struct timeline tl;
	char *md, *js;

	timeline_build(&tl, "intel-iommu", trace, unmapped_console, NULL, KTAP);
	EXPECT_TRUE(tl.lost_events);
	EXPECT_EQ(2, tl.nev);
	md = fault_report_markdown(&tl, &ctx, NULL, 0);
	EXPECT_TRUE(strstr(md, "**The guest's trace lost events**") != NULL) TH_LOG("%s", md);
	js = fault_report_json(&tl, &ctx, NULL, 0);
	EXPECT_TRUE(strstr(js, "\"lost_events\": true") != NULL) TH_LOG("%s", js);
	free(js);
	free(md);
	timeline_free(&tl);
	timeline_build(&tl, "intel-iommu", unmapped_trace, NULL, NULL, KTAP);
	EXPECT_FALSE(tl.lost_events);
	timeline_free(&tl);
	/* overwritten: the header counts more written than the buffer holds */
	timeline_build(&tl, "intel-iommu", "# entries-in-buffer/entries-written: 23/40   #P:1\n", NULL, NULL, KTAP);
	EXPECT_TRUE(tl.lost_events);
	timeline_free(&tl);
	timeline_build(&tl, "intel-iommu", "# entries-in-buffer/entries-written: 23/23   #P:1\n", NULL, NULL, KTAP);
	EXPECT_FALSE(tl.lost_events);
	timeline_free(&tl);
}

/* vfio_iommu_type1 through the kprobe events image.c's /init sets up */
static const char vfio_trace[] =
	TR(156, "3.385560", "vfio_attach: (vfio_iommu_type1_attach_group+0x4/0xd00 [vfio_iommu_type1]) asid=0xffff88801fe20600")
	TR(156, "3.385871", "attach_device_to_domain: IOMMU: device=0000:00:03.0")
	TR(156, "3.393847", "vfio_attach_ret: (vfio_fops_unl_ioctl+0x1bf/0x320 [vfio] <- vfio_iommu_type1_attach_group) ret=0")
	TR(156, "3.401892", "vfio_ioctl: (vfio_iommu_type1_ioctl+0x4/0x18d0 [vfio_iommu_type1]) asid=0xffff88801fe20600 cmd=0x3b71 a4=0x1 a8=0x7f13322b1000 a16=0x5a000 a24=0x2000")
	TR(156, "3.401938", "vfio_ioctl_ret: (__x64_sys_ioctl+0x97/0xc0 <- vfio_iommu_type1_ioctl) ret=0")
	TR(156, "3.401970", "vfio_ioctl: (vfio_iommu_type1_ioctl+0x4/0x18d0 [vfio_iommu_type1]) asid=0xffff88801fe20600 cmd=0x3b72 a4=0x0 a8=0x5a000 a16=0x1000 a24=0x1000")
	TR(156, "3.402867", "vfio_ioctl_ret: (__x64_sys_ioctl+0x97/0xc0 <- vfio_iommu_type1_ioctl) ret=0")
	TR(156, "3.403", "vfio_ioctl: (vfio_iommu_type1_ioctl+0x4/0x18d0 [vfio_iommu_type1]) asid=0xffff88801fe20600 cmd=0x3b71 a4=0x3 a8=0x7f13322b1000 a16=0x90000 a24=0x1000")
	TR(156, "3.404", "vfio_ioctl_ret: (__x64_sys_ioctl+0x97/0xc0 <- vfio_iommu_type1_ioctl) ret=-17")
	TR(156, "3.624894", "vfio_detach: (vfio_iommu_type1_detach_group+0x4/0x610 [vfio_iommu_type1]) asid=0xffff88801fe20600")
	TR(156, "3.625198", "attach_device_to_domain: IOMMU: device=0000:00:03.0")
	TR(156, "3.625816", "vfio_detach_ret: (vfio_group_detach_container+0x53/0x160 [vfio] <- vfio_iommu_type1_detach_group)");

TEST(vfio_type1_kprobes_give_the_same_verdicts)
{
	struct timeline tl;

	timeline_build(&tl, "intel-iommu", vfio_trace, NULL, NULL, KTAP);
	EXPECT_TRUE(tl.driver_traced);
	/* attach, map, unmap, detach: the refused map is not one */
	ASSERT_EQ(4, tl.nev);
	EXPECT_EQ(TL_ATTACH, tl.ev[0].kind);
	EXPECT_EQ(1, tl.ev[0].group);
	EXPECT_EQ(1ull, tl.ev[0].as);
	EXPECT_EQ(TL_MAP, tl.ev[1].kind);
	EXPECT_EQ(TL_PROT_R, tl.ev[1].prot);
	EXPECT_EQ(0x2000ull, tl.ev[1].size);
	EXPECT_EQ(TL_UNMAP, tl.ev[2].kind);
	EXPECT_EQ(TL_DETACH, tl.ev[3].kind);
	EXPECT_EQ(156, tl.ev[3].pid);
	EXPECT_STREQ("edu_dma", tl.ev[3].comm);
	timeline_free(&tl);
	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", vfio_trace, DMAR("3.5", "Write", "0x5a000", "0x05"), NULL, 0, NULL));
	EXPECT_EQ(FV_RELEASED, verdict_of("intel-iommu", vfio_trace, DMAR("3.7", "Write", "0x5b000", "0x05"), NULL, 0, NULL));
	EXPECT_EQ(FV_NO_PERMISSION, verdict_of("intel-iommu", vfio_trace, DMAR("3.5", "Write", "0x5b000", "0x05"), NULL, 0, NULL));
}

TEST(virtio_and_amd_fault_records_parse)
{
	const char virtio_qemu[] =
		"virtio_iommu_report_fault FAULT reason=2 flags=258 endpoint=24 address =0x5a000\n"
		"virtio_iommu_report_fault FAULT reason=2 flags=257 endpoint=32 address =0x7c000\n";
	const char virtio_console[] =
		"[    3.5] virtio_iommu virtio0: page fault from EP 24 at 0x5a000 [W]\n";
	const char amd_console[] =
		"[    3.5] vfio-pci 0000:00:03.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0x5a000 flags=0x0020]\n";
	struct timeline tl;

	timeline_build(&tl, "virtio-iommu", NULL, virtio_console, virtio_qemu, KTAP);
	ASSERT_EQ(2, tl.nfaults);
	EXPECT_STREQ("0000:00:03.0", tl.faults[0].bdf);
	EXPECT_TRUE(tl.faults[0].write);
	EXPECT_TRUE(tl.faults[0].t > 3.4);
	EXPECT_STREQ("0000:00:04.0", tl.faults[1].bdf);
	EXPECT_FALSE(tl.faults[1].write);
	EXPECT_EQ(TL_NO_TIME, tl.faults[1].t);
	timeline_free(&tl);
	timeline_build(&tl, "amd-iommu", NULL, amd_console, NULL, KTAP);
	ASSERT_EQ(1, tl.nfaults);
	EXPECT_STREQ("0000:00:03.0", tl.faults[0].bdf);
	EXPECT_EQ(0x5a000ull, tl.faults[0].iova);
	EXPECT_TRUE(tl.faults[0].write);
	timeline_free(&tl);
}

TEST(a_fault_the_guest_did_not_log_uses_the_end_of_the_trace)
{
	const char qemu[] = "vtd_dmar_fault sid 0x18 fault 5 addr 0x5a000 write 1\n"
			    "vtd_dmar_fault sid 0x18 fault 5 addr 0x90000 write 1\n";
	double d;

	EXPECT_EQ(FV_UNMAPPED_BEFORE, verdict_of("intel-iommu", unmapped_trace, unmapped_console, qemu, 0, NULL));
	EXPECT_EQ(FV_NEVER_MAPPED, verdict_of("intel-iommu", unmapped_trace, unmapped_console, qemu, 1, &d));
	EXPECT_TRUE(d < 0);
}

TEST(the_report_has_the_verdict_picture_evidence_and_command)
{
	struct fault_report_ctx ctx = { "vfio", "edu_dma.x", "upci", "intel-iommu",
					"upcilab --driver upci repro vfio edu_dma.x" };
	const char qemu[] = "vtd_dmar_fault sid 0x18 fault 5 addr 0x5a000 write 1\n"
			    "mockdma_desc mdma0: descriptor at 0x100000 op 1 flags 0x0 src 0x100000 dst 0x5a040 len 64: status 3 done 0 fault_iova 0x5a040\n"
			    "mockdma_desc mdma0: descriptor at 0x100040 op 1 flags 0x0 src 0x100000 dst 0x200000 len 64: status 0 done 64 fault_iova 0x0\n";
	const char trace[] = ATTACH1
		TR(148, "3.32", "upci_dma_map: iova=0x58000 size=0x2000 prot=r asid=1")
		TR(148, "3.33", "upci_dma_map: iova=0x5a000 size=0x1000 prot=rw asid=1")
		TR(148, "3.34", "upci_dma_unmap: iova=0x5a000 size=0x1000 asid=1");
	struct timeline tl;
	char *md, *js, *pic, *line;
	json_t *root, *f;
	json_error_t err;

	timeline_build(&tl, "intel-iommu", trace, unmapped_console, qemu, KTAP);
	md = fault_report_markdown(&tl, &ctx, NULL, 0);
	EXPECT_TRUE(strstr(md, "**Verdict: unmapped-before.**") != NULL) TH_LOG("%s", md);
	EXPECT_TRUE(strstr(md, "    upcilab --driver upci repro vfio edu_dma.x\n") != NULL);
	EXPECT_TRUE(strstr(md, "`vtd_dmar_fault sid 0x18 fault 5 addr 0x5a000 write 1`") != NULL);
	EXPECT_TRUE(strstr(md, "`edu_dma-148     [000] .....     3.34: upci_dma_unmap:") != NULL) TH_LOG("%s", md);
	EXPECT_TRUE(strstr(md, "dst 0x5a040 len 64: status 3") != NULL) TH_LOG("mockdma's record");
	EXPECT_EQ(NULL, strstr(md, "dst 0x200000"));
	pic = fault_report_picture(&tl, 0);
	/* 32 pages before the fault: 0x58000 and 0x59000 read-only, then it */
	line = line_starting(pic, "space 1 (device's)");
	ASSERT_NE(NULL, line);
	EXPECT_STREQ("space 1 (device's)   ..............................rr-...............................", line);
	free(line);
	line = line_starting(pic, "                     ");
	ASSERT_NE(NULL, line);
	EXPECT_TRUE(str_starts(line + 21 + 32, "^ 0x5a000 (write)")) TH_LOG("%s", line);
	free(line);
	js = fault_report_json(&tl, &ctx, NULL, 0);
	root = json_loads(js, 0, &err);
	ASSERT_NE(NULL, root) TH_LOG("%s: %s", err.text, js);
	f = json_array_get(json_object_get(root, "faults"), 0);
	EXPECT_STREQ("unmapped-before", json_string_value(json_object_get(json_object_get(f, "verdict"), "code")));
	EXPECT_STREQ("0x5a000", json_string_value(json_object_get(f, "iova")));
	EXPECT_EQ(1, json_integer_value(json_object_get(f, "group")));
	EXPECT_EQ(2, json_array_size(json_object_get(f, "mappings")));
	EXPECT_STREQ("edu_dma", json_string_value(json_object_get(json_object_get(f, "owner"), "comm")));
	json_decref(root);
	free(js);
	free(pic);
	free(md);
	timeline_free(&tl);
}

TEST(announced_causes_are_checked_against_the_verdicts)
{
	struct fault_report_ctx ctx = { "vfio", "t", "upci", "intel-iommu", "cmd" };
	const char ktap[] = KTAP
		"# upcilab: viommu-fault 0000:00:03.0 w 0x5a000 cause=unmapped-before\n"
		"# upcilab: viommu-fault 0000:00:03.0 w 0x5a000 cause=never-mapped\n"
		"# upcilab: viommu-fault 0000:00:03.0 w 0x7000 cause=never-mapped\n"
		"# upcilab: viommu-fault 0000:00:03.0 r 0x5a000 cause=unmapped-before\n"
		"# upcilab: viommu-fault 0000:00:03.0 w 0x5a000\n";
	struct fault_cause *c;
	struct timeline tl;
	size_t n;
	char *md;

	timeline_build(&tl, "intel-iommu", unmapped_trace, unmapped_console, unmapped_qemu, ktap);
	n = fault_report_causes(&tl, ktap, &c);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, c[0].fault);
	EXPECT_STREQ("unmapped-before", c[0].verdict);
	EXPECT_STREQ("never-mapped", c[1].cause);
	EXPECT_STREQ("unmapped-before", c[1].verdict);
	EXPECT_EQ(-1, c[2].fault) TH_LOG("no fault at 0x7000");
	EXPECT_EQ(-1, c[3].fault) TH_LOG("a read is not the write that faulted");
	md = fault_report_markdown(&tl, &ctx, c, n);
	EXPECT_TRUE(strstr(md, "| 0000:00:03.0 | write | 0x5a000 | unmapped-before | fault 1: unmapped-before | ok |") != NULL) TH_LOG("%s", md);
	EXPECT_TRUE(strstr(md, "| 0000:00:03.0 | write | 0x5a000 | never-mapped | fault 1: unmapped-before | **MISMATCH** |") != NULL);
	EXPECT_TRUE(strstr(md, "| 0000:00:03.0 | write | 0x7000 | never-mapped | no such fault | **MISMATCH** |") != NULL);
	free(md);
	free(c);
	timeline_free(&tl);
}

/* A conventional device behind a PCIe-to-PCI bridge DMAs as BB:00.0 */
TEST(an_aliased_requester_id_is_its_bus_s_group)
{
	const char ktap[] = KTAP
		"# pci: 0000:00:07.0 07.0 1b36:000e group=5 driver=-\n"
		"# pci: 0000:01:01.0 07.0/01.0 1234:11e8 group=5 driver=upci\n";
	const char trace[] = TR(150, "3.1", "upci_attach: group=5 ret=0 asid=1")
		TR(151, "3.2", "upci_attach: group=2 ret=0 asid=2")
		TR(151, "3.3", "upci_dma_map: iova=0x9e000 size=0x1000 prot=rw asid=2");
	const char console[] = "[    3.5] DMAR: [DMA Write NO_PASID] Request device [01:00.0] fault addr 0x9e000 [fault reason 0x05] PTE Write access is not set\n";
	struct fault_report_ctx ctx = { "c", "t", "upci", "intel-iommu", "cmd" };
	struct fault_verdict v;
	struct timeline tl;
	char *md;

	timeline_build(&tl, "intel-iommu", trace, console, NULL, ktap);
	ASSERT_EQ(1, tl.nfaults);
	EXPECT_STREQ("0000:01:01.0", timeline_aliased(&tl, "0000:01:00.0"));
	EXPECT_EQ(NULL, timeline_aliased(&tl, "0000:01:01.0"));
	EXPECT_EQ(NULL, timeline_aliased(&tl, "0000:02:00.0"));
	EXPECT_EQ(NULL, timeline_aliased(&tl, "0000:00:03.0"));
	EXPECT_EQ(5, timeline_group_of(&tl, "0000:01:00.0"));
	fault_verdict(&tl, &tl.faults[0], &v);
	EXPECT_EQ(FV_OTHER_CONTAINER, v.kind);
	fault_verdict_free(&v);
	md = fault_report_markdown(&tl, &ctx, NULL, 0);
	EXPECT_TRUE(strstr(md, "- device: 0000:01:00.0, group 5 (no such device: the requester ID a PCIe-to-PCI bridge gives the conventional devices behind it, such as 0000:01:01.0)") != NULL) TH_LOG("%s", md);
	free(md);
	timeline_free(&tl);
}

TEST(no_fault_says_so)
{
	struct fault_report_ctx ctx = { "vfio", "t", "upci", "intel-iommu", "cmd" };
	struct timeline tl;
	char *md;

	timeline_build(&tl, "intel-iommu", unmapped_trace, "", "", KTAP);
	md = fault_report_markdown(&tl, &ctx, NULL, 0);
	EXPECT_TRUE(strstr(md, "upci on intel-iommu: 0 faults.") != NULL) TH_LOG("%s", md);
	EXPECT_TRUE(strstr(md, "No DMA fault") != NULL);
	free(md);
	timeline_free(&tl);
}

TEST_HARNESS_MAIN
