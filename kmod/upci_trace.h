/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upci's tracepoints (events/upci): what the module did to the IOMMU, to
 * the user's pages and to the device, for upcilab repro's timeline.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM upci

#if !defined(_UPCI_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _UPCI_TRACE_H

#include <linux/iommu.h>
#include <linux/tracepoint.h>

/*
 * The calls, as the user made them and saw them end (traced once the call
 * is over, so two racing calls may land in either order): upci_dma_map and
 * upci_dma_unmap below are what the address space held, in order.
 */
TRACE_EVENT(upci_map,
	    TP_PROTO(u64 asid, u64 iova, u64 size, u64 vaddr, int prot, int ret),
	    TP_ARGS(asid, iova, size, vaddr, prot, ret),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, size)
			     __field(u64, vaddr)
			     __field(u64, asid)
			     __field(int, prot)
			     __field(int, ret)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->size = size;
			   __entry->vaddr = vaddr;
			   __entry->asid = asid;
			   __entry->prot = prot;
			   __entry->ret = ret;),
	    TP_printk("iova=0x%llx size=0x%llx vaddr=0x%llx prot=%s%s ret=%d asid=%llu",
		      __entry->iova, __entry->size, __entry->vaddr,
		      __entry->prot & IOMMU_READ ? "r" : "",
		      __entry->prot & IOMMU_WRITE ? "w" : "", __entry->ret,
		      __entry->asid)
);

TRACE_EVENT(upci_unmap,
	    TP_PROTO(u64 asid, u64 iova, u64 size, bool all, u64 unmapped,
		     int ret),
	    TP_ARGS(asid, iova, size, all, unmapped, ret),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, size)
			     __field(u64, unmapped)
			     __field(u64, asid)
			     __field(int, ret)
			     __field(bool, all)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->size = size;
			   __entry->unmapped = unmapped;
			   __entry->asid = asid;
			   __entry->ret = ret;
			   __entry->all = all;),
	    TP_printk("iova=0x%llx size=0x%llx%s unmapped=0x%llx ret=%d asid=%llu",
		      __entry->iova, __entry->size, __entry->all ? " all" : "",
		      __entry->unmapped, __entry->ret, __entry->asid)
);

/*
 * A mapping is in the IOMMU, under the address space's lock; @seq orders
 * the address space's upci_dma_map and upci_dma_unmap events whatever CPU
 * traced them. A map that failed halfway shows with the part it had
 * mapped, then its removal.
 */
TRACE_EVENT(upci_dma_map,
	    TP_PROTO(u64 asid, u64 seq, u64 iova, u64 size, int prot),
	    TP_ARGS(asid, seq, iova, size, prot),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, size)
			     __field(u64, asid)
			     __field(u64, seq)
			     __field(int, prot)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->size = size;
			   __entry->asid = asid;
			   __entry->seq = seq;
			   __entry->prot = prot;),
	    TP_printk("iova=0x%llx size=0x%llx prot=%s%s asid=%llu seq=%llu",
		      __entry->iova, __entry->size,
		      __entry->prot & IOMMU_READ ? "r" : "",
		      __entry->prot & IOMMU_WRITE ? "w" : "", __entry->asid,
		      __entry->seq)
);

/*
 * A mapping leaves the IOMMU, whatever removes it (an unmap, v1's whole-
 * mapping rule, the last group's detach, the release), under the lock and
 * before its translations go
 */
TRACE_EVENT(upci_dma_unmap,
	    TP_PROTO(u64 asid, u64 seq, u64 iova, u64 size),
	    TP_ARGS(asid, seq, iova, size),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, size)
			     __field(u64, asid)
			     __field(u64, seq)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->size = size;
			   __entry->asid = asid;
			   __entry->seq = seq;),
	    TP_printk("iova=0x%llx size=0x%llx asid=%llu seq=%llu",
		      __entry->iova, __entry->size, __entry->asid,
		      __entry->seq)
);

TRACE_EVENT(upci_pin,
	    TP_PROTO(u64 asid, u64 iova, u64 vaddr, u64 npages, int ret),
	    TP_ARGS(asid, iova, vaddr, npages, ret),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, vaddr)
			     __field(u64, npages)
			     __field(u64, asid)
			     __field(int, ret)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->vaddr = vaddr;
			   __entry->npages = npages;
			   __entry->asid = asid;
			   __entry->ret = ret;),
	    TP_printk("iova=0x%llx vaddr=0x%llx pages=%llu ret=%d asid=%llu",
		      __entry->iova, __entry->vaddr, __entry->npages,
		      __entry->ret, __entry->asid)
);

TRACE_EVENT(upci_unpin,
	    TP_PROTO(u64 asid, u64 iova, u64 size),
	    TP_ARGS(asid, iova, size),
	    TP_STRUCT__entry(__field(u64, iova)
			     __field(u64, size)
			     __field(u64, asid)),
	    TP_fast_assign(__entry->iova = iova;
			   __entry->size = size;
			   __entry->asid = asid;),
	    TP_printk("iova=0x%llx size=0x%llx asid=%llu",
		      __entry->iova, __entry->size, __entry->asid)
);

TRACE_EVENT(upci_attach,
	    TP_PROTO(u64 asid, int group, int ret),
	    TP_ARGS(asid, group, ret),
	    TP_STRUCT__entry(__field(u64, asid)
			     __field(int, group)
			     __field(int, ret)),
	    TP_fast_assign(__entry->asid = asid;
			   __entry->group = group;
			   __entry->ret = ret;),
	    TP_printk("group=%d ret=%d asid=%llu",
		      __entry->group, __entry->ret, __entry->asid)
);

TRACE_EVENT(upci_detach,
	    TP_PROTO(u64 asid, int group),
	    TP_ARGS(asid, group),
	    TP_STRUCT__entry(__field(u64, asid)
			     __field(int, group)),
	    TP_fast_assign(__entry->asid = asid;
			   __entry->group = group;),
	    TP_printk("group=%d asid=%llu",
		      __entry->group, __entry->asid)
);

/* The address space's last reference is gone: so are its mappings */
TRACE_EVENT(upci_release,
	    TP_PROTO(u64 asid),
	    TP_ARGS(asid),
	    TP_STRUCT__entry(__field(u64, asid)),
	    TP_fast_assign(__entry->asid = asid;),
	    TP_printk("asid=%llu", __entry->asid)
);

TRACE_EVENT(upci_interrupt,
	    TP_PROTO(int irq),
	    TP_ARGS(irq),
	    TP_STRUCT__entry(__field(int, irq)),
	    TP_fast_assign(__entry->irq = irq;),
	    TP_printk("irq=%d",
		      __entry->irq)
);

TRACE_EVENT(upci_reset,
	    TP_PROTO(const char *dev, const char *how, int ret),
	    TP_ARGS(dev, how, ret),
	    TP_STRUCT__entry(__string(dev, dev)
			     __string(how, how)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __assign_str(how);
			   __entry->ret = ret;),
	    TP_printk("%s %s ret=%d",
		      __get_str(dev), __get_str(how), __entry->ret)
);

#endif /* _UPCI_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE upci_trace
#include <trace/define_trace.h>
