// SPDX-License-Identifier: GPL-2.0
/*
 * upci_type1.c: the type1 IOMMU backend of a container, i.e. one I/O
 * address space shared by every group in the container. It owns the IOMMU
 * domains, the list of valid IOVA ranges, and the DMA mappings with the user
 * pages pinned behind them and the locked_vm they are charged to.
 *
 * What makes it hard is that every mapping is three things at once that must
 * never disagree: pages pinned long-term, bytes charged to one process's
 * RLIMIT_MEMLOCK, and entries in the page tables of every domain. A map that
 * fails halfway must undo all three; an unmap must remove the translations
 * from every domain (and flush the IOTLB) before a single page is unpinned;
 * the charge must go back to the mm that paid it, even when the fd is closed
 * by another process or at exit, when that mm may be gone. Groups come and
 * go under live mappings: a new domain is filled by replaying them, and the
 * valid IOVA ranges (aperture minus every group's reserved regions) may only
 * shrink when no mapping is in the way.
 *
 * Each mapping records its pages as runs of contiguous page frames. A run is
 * handed to iommu_map() in one call, which lets the IOMMU core use 2 MiB and
 * 1 GiB pages, and the same runs drive replay and unpinning, so no domain's
 * page tables are ever read back.
 *
 * Errnos follow drivers/vfio/vfio_iommu_type1.c of Linux 6.12, check by
 * check and in the same order. The static helpers run under iommu->lock,
 * taken by the entry points at the bottom of each section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "upci.h"
#include "upci_runs.h"
#include "upci_trace.h"

/* Pages pinned per pin_user_pages_fast() call: one page of pointers */
#define UPCI_PIN_BATCH (PAGE_SIZE / sizeof(struct page *))

struct upci_iova_range {
	struct list_head next;
	dma_addr_t start;
	dma_addr_t last;			/* inclusive */
};

struct upci_domain_group {
	struct list_head next;
	struct iommu_group *group;
};

struct upci_domain {
	struct list_head next;
	struct iommu_domain *domain;
	struct list_head groups;		/* upci_domain_group */
};

/*
 * Page frames mapped at consecutive IOVAs: contiguous frames, or with
 * @repeat one frame @npages times (the zero page behind untouched memory
 * mapped read-only: one run, not one per page). @io: frames of a upci BAR
 * mapping (VM_PFNMAP, not RAM), neither pinned nor charged.
 */
struct upci_run {
	unsigned long pfn;
	unsigned long npages;
	bool io;
	bool repeat;
};

struct upci_dma {
	struct rb_node node;
	dma_addr_t iova;
	size_t size;
	unsigned long vaddr;
	int prot;				/* IOMMU_READ | IOMMU_WRITE */
	struct mm_struct *mm;			/* mmgrab()ed; pays the charge */
	unsigned long charged;			/* pages in mm->locked_vm */
	size_t mapped;				/* bytes in every domain */
	struct upci_run *runs;			/* every page */
	size_t nr_runs;
	size_t max_runs;
	u64 asid;				/* its address space's, for tracing */
	/*
	 * A MAP_DMA pins with no lock held (user memory can make it wait
	 * forever): meanwhile the mapping is in the tree, so nothing else is
	 * mapped there, but maps nothing and belongs to its pinner. A
	 * teardown that meets it takes it out of the tree (@orphan) and
	 * leaves it to the pinner to free.
	 */
	bool pinning;
	bool orphan;
	struct upci_dma *reap;			/* upci_dmas_destroy()'s list */
};

struct upci_iommu {
	struct kref kref;			/* the container's, ioctls' */
	u64 id;					/* names it in the tracepoints */
	u64 seq;				/* orders its upci_dma_* events */
	struct mutex lock;			/* everything below */
	bool v2;
	struct list_head domains;		/* upci_domain */
	struct list_head iova;			/* sorted, disjoint */
	struct rb_root dmas;			/* upci_dma by iova */
	unsigned int dma_avail;
	u64 pgsize_bitmap;
	unsigned int pinning;			/* maps pinning, unlocked */
	wait_queue_head_t pin_wq;		/* a pinning map is done */
};

/*
 * VFIO_CHECK_EXTENSION. vfio_iommu_type1 also answers 1 to the three below
 * marked "no"; upci leaves them out on purpose, so a client that probes
 * first never relies on them.
 */
static const struct {
	unsigned long ext;
	bool supported;
} upci_extensions[] = {
	{ VFIO_TYPE1_IOMMU,		true },
	{ VFIO_TYPE1v2_IOMMU,		true },
	{ VFIO_UNMAP_ALL,		true },
	{ VFIO_TYPE1_NESTING_IOMMU,	false },	/* no nested domains */
	{ VFIO_UPDATE_VADDR,		false },	/* no vaddr swap (live update) */
	{ VFIO_DMA_CC_IOMMU,		false },	/* only a KVM hint */
};

int upci_iommu_check_extension(unsigned long ext)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(upci_extensions); i++)
		if (upci_extensions[i].ext == ext)
			return upci_extensions[i].supported;
	return 0;
}

/* ---- The mapping tree ---- */

static dma_addr_t upci_dma_last(const struct upci_dma *dma)
{
	return dma->iova + dma->size - 1;
}

/* The first mapping (lowest IOVA) that overlaps [start, last], or NULL */
static struct upci_dma *upci_dma_first(struct upci_iommu *iommu,
				       dma_addr_t start, dma_addr_t last)
{
	struct rb_node *node = iommu->dmas.rb_node;
	struct upci_dma *found = NULL;

	while (node) {
		struct upci_dma *dma = rb_entry(node, struct upci_dma, node);

		if (upci_dma_last(dma) >= start) {
			found = dma;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found && found->iova <= last ? found : NULL;
}

static struct upci_dma *upci_dma_next(struct upci_dma *dma)
{
	struct rb_node *node = rb_next(&dma->node);

	return node ? rb_entry(node, struct upci_dma, node) : NULL;
}

static void upci_dma_link(struct upci_iommu *iommu, struct upci_dma *new)
{
	struct rb_node **link = &iommu->dmas.rb_node, *parent = NULL;

	while (*link) {
		struct upci_dma *dma = rb_entry(*link, struct upci_dma, node);

		parent = *link;
		if (new->iova < dma->iova)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &iommu->dmas);
}

/* ---- Pinning and accounting ---- */

static int upci_dma_charge(struct upci_dma *dma, unsigned long npages,
			   bool lock_cap)
{
	int ret;

	if (!npages)
		return 0;
	ret = mmap_write_lock_killable(dma->mm);
	if (ret)
		return ret;
	ret = __account_locked_vm(dma->mm, npages, true, current, lock_cap);
	mmap_write_unlock(dma->mm);
	if (ret) {
		pr_warn_ratelimited("RLIMIT_MEMLOCK (%lu) exceeded\n",
				    rlimit(RLIMIT_MEMLOCK));
		return ret;
	}
	dma->charged += npages;
	return 0;
}

/*
 * Gives the whole charge back to the mm that paid it, from any context. An
 * mm without users (the process exited) has no locked_vm left to correct.
 */
static void upci_dma_uncharge(struct upci_dma *dma)
{
	if (!dma->charged)
		return;
	if (mmget_not_zero(dma->mm)) {
		mmap_write_lock(dma->mm);
		__account_locked_vm(dma->mm, dma->charged, false, current,
				    false);
		mmap_write_unlock(dma->mm);
		mmput(dma->mm);
	}
	dma->charged = 0;
}

/*
 * Records one page: it grows the last run when it follows it (the next
 * frame, or the same frame again, in a run of one kind), else it opens a
 * run, growing the array (upci_runs.h) when it is full.
 */
static int upci_dma_add_page(struct upci_dma *dma, unsigned long pfn, bool io)
{
	struct upci_run *run;
	size_t max;

	if (dma->nr_runs) {
		run = &dma->runs[dma->nr_runs - 1];
		if (run->io == io && !run->repeat &&
		    run->pfn + run->npages == pfn) {
			run->npages++;
			return 0;
		}
		if (run->io == io && run->pfn == pfn &&
		    (run->repeat || run->npages == 1)) {
			run->repeat = true;
			run->npages++;
			return 0;
		}
	}
	if (dma->nr_runs == dma->max_runs) {
		max = upci_runs_next(dma->max_runs, sizeof(*run));
		if (!max)
			return -ENOMEM;
		run = kvrealloc(dma->runs, max * sizeof(*run),
				GFP_KERNEL_ACCOUNT);
		if (!run)
			return -ENOMEM;
		dma->runs = run;
		dma->max_runs = max;
	}
	dma->runs[dma->nr_runs++] = (struct upci_run){
		.pfn = pfn, .npages = 1, .io = io,
	};
	return 0;
}

/* Pages pinned for @dma (BAR pages are mapped, not pinned), for the trace */
static u64 upci_dma_pinned_pages(const struct upci_dma *dma)
{
	u64 n = 0;
	size_t i;

	for (i = 0; i < dma->nr_runs; i++)
		if (!dma->runs[i].io)
			n += dma->runs[i].npages;
	return n;
}

static void upci_dma_unpin(struct upci_dma *dma)
{
	bool dirty = dma->prot & IOMMU_WRITE;
	const struct upci_run *run;
	struct folio *folio;
	size_t i;

	trace_upci_unpin(dma->asid, dma->iova,
			 upci_dma_pinned_pages(dma) << PAGE_SHIFT);
	for (i = 0; i < dma->nr_runs; i++) {
		run = &dma->runs[i];
		if (run->io)
			continue;
		if (run->repeat) {
			/* one frame pinned npages times (none for the zero page) */
			folio = page_folio(pfn_to_page(run->pfn));
			if (dirty)
				set_page_dirty_lock(pfn_to_page(run->pfn));
			unpin_user_folio(folio, run->npages);
		} else {
			unpin_user_page_range_dirty_lock(pfn_to_page(run->pfn),
							 run->npages, dirty);
		}
		cond_resched();
	}
	dma->nr_runs = 0;
}

/* ---- Domains ---- */

static int upci_domain_map(struct iommu_domain *domain, dma_addr_t iova,
			   const struct upci_run *run, int prot)
{
	unsigned long i;
	int ret;

	if (!run->repeat)
		return iommu_map(domain, iova, PFN_PHYS(run->pfn),
				 run->npages << PAGE_SHIFT, prot | IOMMU_CACHE,
				 GFP_KERNEL_ACCOUNT);
	/* one frame at each page of the run */
	for (i = 0; i < run->npages; i++) {
		ret = iommu_map(domain, iova + (i << PAGE_SHIFT),
				PFN_PHYS(run->pfn), PAGE_SIZE,
				prot | IOMMU_CACHE, GFP_KERNEL_ACCOUNT);
		if (ret) {
			if (i)
				iommu_unmap(domain, iova, i << PAGE_SHIFT);
			return ret;
		}
		if (!(i % 512))
			cond_resched();
	}
	return 0;
}

/* Maps runs[from..to) of dma, following what is mapped, into every domain */
static int upci_dma_map_runs(struct upci_iommu *iommu, struct upci_dma *dma,
			     size_t from, size_t to)
{
	struct upci_domain *d;
	size_t i;
	int ret;

	for (i = from; i < to; i++) {
		const struct upci_run *run = &dma->runs[i];
		dma_addr_t iova = dma->iova + dma->mapped;
		size_t len = run->npages << PAGE_SHIFT;

		list_for_each_entry(d, &iommu->domains, next) {
			ret = upci_domain_map(d->domain, iova, run, dma->prot);
			if (ret)
				goto unwind;
		}
		dma->mapped += len;
		continue;
unwind:
		list_for_each_entry_continue_reverse(d, &iommu->domains, next)
			iommu_unmap(d->domain, iova, len);
		return ret;
	}
	return 0;
}

/* Whether an unmap of dma may free a page-table page: it covers a 2 MiB block. */
static bool upci_dma_frees_tables(const struct upci_dma *dma)
{
	dma_addr_t block = ALIGN(dma->iova, SZ_2M);

	/* without an overflow at the top of the address space */
	return dma->mapped >= SZ_2M && block >= dma->iova &&
	       block - dma->iova <= dma->mapped - SZ_2M;
}

/*
 * The IOTLB of what was unmapped into the gather, if anything was. Not
 * the gather's range: virtio-iommu queues its requests and leaves the
 * range empty, and the sync is what sends them.
 */
static void upci_gather_sync(struct iommu_domain *domain,
			     struct iommu_iotlb_gather *gather, bool *gathered)
{
	if (*gathered)
		iommu_iotlb_sync(domain, gather);
	*gathered = false;
}

/*
 * A mapping that may free page tables out of a domain, in pieces of one
 * page size each (a 4 KiB head up to a 2 MiB boundary, 2 MiB pieces up to
 * a 1 GiB boundary, 1 GiB ones, then 2 MiB and 4 KiB tails), each synced
 * on its own. In one iommu_unmap() over all of it, intel-iommu syncs the
 * previous piece's range when the page size changes and frees every table
 * gathered so far, the new piece's too, before that piece is flushed,
 * which it then flushes as if no table had gone (IH=1).
 */
static size_t upci_unmap_pieces(struct iommu_domain *domain, dma_addr_t iova,
				size_t size)
{
	size_t done = 0, len, got;

	while (done < size) {
		dma_addr_t at = iova + done;
		size_t left = size - done;

		if (!IS_ALIGNED(at, SZ_2M))
			len = min_t(u64, left, ALIGN(at, SZ_2M) - at);
		else if (!IS_ALIGNED(at, SZ_1G))
			len = min_t(u64, round_down(left, SZ_2M), ALIGN(at, SZ_1G) - at);
		else
			len = round_down(left, SZ_1G) ?: round_down(left, SZ_2M);
		if (!len)
			len = left;
		got = iommu_unmap(domain, at, len);
		done += got;
		if (got != len)
			break;
	}
	return done;
}

/*
 * Undoes the mappings on a list (linked by ->reap) in the only safe order:
 * out of every domain, each domain's IOTLB synced for them, then unpinned,
 * then uncharged. The small ones share one gather, so an UNMAP over many
 * one-page mappings (and UNMAP_ALL, and a container's teardown) syncs as
 * few times as the IOMMU driver allows, not once a mapping. One that may
 * free a page-table page goes alone, the gather synced before it, in
 * pieces (upci_unmap_pieces()): intel-iommu frees the tables it gathered
 * at the first sync, which may come before their own range's flush.
 * Nothing unmapped, nothing synced. Works on a mapping that failed
 * halfway as well as on a complete one. Returns their total size.
 */
static size_t upci_dmas_destroy(struct upci_iommu *iommu, struct upci_dma *list)
{
	struct iommu_iotlb_gather gather;
	struct upci_dma *dma, *next;
	struct upci_domain *d;
	size_t size = 0, n, got;

	/* before: a fault on the way out is still after the event */
	for (dma = list; dma; dma = dma->reap)
		if (dma->mapped)
			trace_upci_dma_unmap(iommu->id, ++iommu->seq, dma->iova,
					     dma->mapped);
	list_for_each_entry(d, &iommu->domains, next) {
		bool gathered = false;

		iommu_iotlb_gather_init(&gather);
		for (dma = list, n = 0; dma; dma = dma->reap) {
			if (!dma->mapped)
				continue;
			if (upci_dma_frees_tables(dma)) {
				upci_gather_sync(d->domain, &gather, &gathered);
				got = upci_unmap_pieces(d->domain, dma->iova,
							dma->mapped);
			} else {
				got = iommu_unmap_fast(d->domain, dma->iova,
						       dma->mapped, &gather);
				gathered |= got != 0;
			}
			WARN_ON(got != dma->mapped);
			if (!(++n % 512))
				cond_resched();
		}
		upci_gather_sync(d->domain, &gather, &gathered);
	}
	for (dma = list; dma; dma = next) {
		next = dma->reap;
		size += dma->size;
		upci_dma_unpin(dma);
		upci_dma_uncharge(dma);
		mmdrop(dma->mm);
		kvfree(dma->runs);
		kfree(dma);
		iommu->dma_avail++;
	}
	return size;
}

static size_t upci_dma_destroy(struct upci_iommu *iommu, struct upci_dma *dma)
{
	dma->reap = NULL;
	return upci_dmas_destroy(iommu, dma);
}

static void upci_dma_remove(struct upci_iommu *iommu, struct upci_dma *dma)
{
	rb_erase(&dma->node, &iommu->dmas);
	upci_dma_destroy(iommu, dma);
}

static void upci_dma_remove_all(struct upci_iommu *iommu)
{
	struct upci_dma *dma, *list = NULL, **tail = &list;
	struct rb_node *node;

	while ((node = rb_first(&iommu->dmas))) {
		dma = rb_entry(node, struct upci_dma, node);
		rb_erase(&dma->node, &iommu->dmas);
		if (dma->pinning) {
			/* its pinner frees it */
			dma->orphan = true;
		} else {
			*tail = dma;
			tail = &dma->reap;
		}
	}
	*tail = NULL;
	upci_dmas_destroy(iommu, list);
}

/*
 * A page pin_user_pages() refuses (-EFAULT): as vfio_iommu_type1, the
 * frame behind a VM_PFNMAP vma (a device's BAR mmap, for peer-to-peer DMA)
 * is followed through the page table, faulted in first, and accepted only
 * if it is not RAM: no struct page, or a reserved one. One page a call, as
 * upstream. Unlike upstream, only a upci device's own BAR mapping is
 * followed: nothing holds the frames of a foreign PFNMAP (a GPU driver's
 * VRAM buffer, a sysfs resource file), which may be freed and reused while
 * the IOMMU still maps them.
 */
static int upci_dma_follow_pfn(struct upci_dma *dma, unsigned long vaddr,
			       unsigned long *pfn)
{
	bool write = dma->prot & IOMMU_WRITE;
	struct mm_struct *mm = current->mm;
	struct follow_pfnmap_args args;
	struct vm_area_struct *vma;
	bool unlocked;
	int ret;

	mmap_read_lock(mm);
	vaddr = untagged_addr_remote(mm, vaddr);
retry:
	vma = vma_lookup(mm, vaddr);
	if (!vma || !(vma->vm_flags & VM_PFNMAP) || !upci_vma_is_bar(vma)) {
		ret = -EFAULT;
		goto out;
	}
	args = (struct follow_pfnmap_args){ .vma = vma, .address = vaddr };
	ret = follow_pfnmap_start(&args);
	if (ret) {
		unlocked = false;
		ret = fixup_user_fault(mm, vaddr, FAULT_FLAG_REMOTE |
				       (write ? FAULT_FLAG_WRITE : 0),
				       &unlocked);
		if (unlocked)
			goto retry;	/* the vma may have changed */
		if (ret)
			goto out;
		ret = follow_pfnmap_start(&args);
		if (ret)
			goto out;
	}
	if (write && !args.writable)
		ret = -EFAULT;
	else
		*pfn = args.pfn;
	follow_pfnmap_end(&args);
	if (!ret && pfn_valid(*pfn) && !PageReserved(pfn_to_page(*pfn)))
		ret = -EFAULT;
out:
	mmap_read_unlock(mm);
	return ret;
}

/*
 * Pins and charges [dma->vaddr, + size), batch by batch, recording the
 * runs; maps nothing. Called with no lock held: the user's memory may be
 * faulted in, for as long as the user makes it take.
 */
static int upci_dma_pin(struct upci_dma *dma, size_t size)
{
	unsigned int gup = FOLL_LONGTERM;
	bool lock_cap = capable(CAP_IPC_LOCK);
	unsigned long done = 0, npages = size >> PAGE_SHIFT;
	struct page **pages;
	int ret = 0;

	if (dma->prot & IOMMU_WRITE)
		gup |= FOLL_WRITE;

	pages = kmalloc_array(UPCI_PIN_BATCH, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto out;
	}

	while (done < npages) {
		unsigned long vaddr = dma->vaddr + (done << PAGE_SHIFT);
		int want = min_t(unsigned long, npages - done, UPCI_PIN_BATCH);
		unsigned long charge = 0;
		int got, i;

		cond_resched();
		got = pin_user_pages_fast(vaddr, want, gup, pages);
		/* the last page of the address space wraps: no vma either */
		if (got == -EFAULT || got == -EOVERFLOW) {
			unsigned long pfn;

			ret = upci_dma_follow_pfn(dma, vaddr, &pfn);
			if (!ret)
				ret = upci_dma_add_page(dma, pfn, true);
			if (ret)
				break;
			done++;
			continue;
		}
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		/* Reserved pages (the zero page) are not the user's memory */
		for (i = 0; i < got; i++)
			if (!PageReserved(pages[i]))
				charge++;
		ret = upci_dma_charge(dma, charge, lock_cap);
		for (i = 0; i < got; i++) {
			if (!ret)
				ret = upci_dma_add_page(dma,
							page_to_pfn(pages[i]),
							false);
			if (ret)	/* not recorded: unpin it here */
				unpin_user_page(pages[i]);
		}
		if (ret)
			break;
		done += got;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	kfree(pages);
out:
	trace_upci_pin(dma->asid, dma->iova, dma->vaddr,
		       upci_dma_pinned_pages(dma), ret);
	return ret;
}

/* ---- IOVA ranges: the apertures minus the reserved regions ---- */

static int upci_iova_add(struct list_head *before, dma_addr_t start,
			 dma_addr_t last)
{
	struct upci_iova_range *r = kmalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	r->start = start;
	r->last = last;
	list_add_tail(&r->next, before);
	return 0;
}

static void upci_iova_free(struct list_head *list)
{
	struct upci_iova_range *r, *tmp;

	list_for_each_entry_safe(r, tmp, list, next) {
		list_del(&r->next);
		kfree(r);
	}
}

/* Cuts [start, last] out of a sorted list of ranges. */
static int upci_iova_exclude(struct list_head *list, dma_addr_t start,
			     dma_addr_t last)
{
	struct upci_iova_range *r, *tmp;
	int ret;

	list_for_each_entry_safe(r, tmp, list, next) {
		if (last < r->start || start > r->last)
			continue;
		if (start > r->start) {
			ret = upci_iova_add(&r->next, r->start, start - 1);
			if (ret)
				return ret;
		}
		if (last < r->last) {
			ret = upci_iova_add(&r->next, last + 1, r->last);
			if (ret)
				return ret;
		}
		list_del(&r->next);
		kfree(r);
	}
	return 0;
}

static void upci_resv_free(struct list_head *resv)
{
	struct iommu_resv_region *r, *tmp;

	list_for_each_entry_safe(r, tmp, resv, list) {
		list_del(&r->list);
		kfree(r);
	}
}

/*
 * The IOVA ranges of the address space made of the current domains and
 * groups, plus @new_domain and @new_group, minus @gone (each may be NULL).
 */
static int upci_iova_build(struct upci_iommu *iommu,
			   struct iommu_domain *new_domain,
			   struct iommu_group *new_group,
			   struct iommu_group *gone, struct list_head *out)
{
	dma_addr_t start = 0, last = DMA_BIT_MASK(64);
	struct iommu_resv_region *resv;
	struct upci_domain_group *g;
	struct upci_domain *d;
	LIST_HEAD(regions);
	int ret = 0;

	list_for_each_entry(d, &iommu->domains, next) {
		start = max(start, d->domain->geometry.aperture_start);
		last = min(last, d->domain->geometry.aperture_end);
		list_for_each_entry(g, &d->groups, next)
			if (g->group != gone && !ret)
				ret = iommu_get_group_resv_regions(g->group,
								   &regions);
	}
	if (new_domain) {
		start = max(start, new_domain->geometry.aperture_start);
		last = min(last, new_domain->geometry.aperture_end);
	}
	if (new_group && !ret)
		ret = iommu_get_group_resv_regions(new_group, &regions);
	if (!ret && start > last)
		ret = -EINVAL;
	if (!ret)
		ret = upci_iova_add(out, start, last);
	list_for_each_entry(resv, &regions, list) {
		if (ret)
			break;
		/* VFIO maps over relaxable direct regions (RMRRs for USB) */
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		ret = upci_iova_exclude(out, resv->start,
					resv->start + resv->length - 1);
	}
	upci_resv_free(&regions);
	if (!ret && list_empty(out))
		ret = -EINVAL;
	if (ret)
		upci_iova_free(out);
	return ret;
}

static bool upci_iova_valid(struct list_head *list, dma_addr_t start,
			    dma_addr_t last)
{
	struct upci_iova_range *r;

	list_for_each_entry(r, list, next)
		if (start >= r->start && last <= r->last)
			return true;
	return false;
}

/* Every existing mapping still fits in the new ranges */
static bool upci_iova_keeps_dmas(struct upci_iommu *iommu,
				 struct list_head *list)
{
	struct rb_node *n;

	for (n = rb_first(&iommu->dmas); n; n = rb_next(n)) {
		struct upci_dma *dma = rb_entry(n, struct upci_dma, node);

		if (!upci_iova_valid(list, dma->iova, upci_dma_last(dma)))
			return false;
	}
	return true;
}

static void upci_iova_replace(struct upci_iommu *iommu, struct list_head *list)
{
	upci_iova_free(&iommu->iova);
	list_splice_tail(list, &iommu->iova);
}

static void upci_update_pgsizes(struct upci_iommu *iommu)
{
	struct upci_domain *d;

	iommu->pgsize_bitmap = ULONG_MAX;
	list_for_each_entry(d, &iommu->domains, next)
		iommu->pgsize_bitmap &= d->domain->pgsize_bitmap;
	if (list_empty(&iommu->domains))
		iommu->pgsize_bitmap = PAGE_MASK;
	/* Sub-page IOMMU pages are hidden: pinning works in whole pages */
	if (iommu->pgsize_bitmap & ~PAGE_MASK) {
		iommu->pgsize_bitmap &= PAGE_MASK;
		iommu->pgsize_bitmap |= PAGE_SIZE;
	}
}

/* ---- Life of the address space ---- */

static atomic64_t upci_iommu_ids = ATOMIC64_INIT(0);

struct upci_iommu *upci_iommu_alloc(bool v2)
{
	struct upci_iommu *iommu = kzalloc(sizeof(*iommu), GFP_KERNEL_ACCOUNT);

	if (!iommu)
		return ERR_PTR(-ENOMEM);
	mutex_init(&iommu->lock);
	iommu->id = atomic64_inc_return(&upci_iommu_ids);
	iommu->v2 = v2;
	kref_init(&iommu->kref);
	INIT_LIST_HEAD(&iommu->domains);
	init_waitqueue_head(&iommu->pin_wq);
	INIT_LIST_HEAD(&iommu->iova);
	iommu->dmas = RB_ROOT;
	iommu->dma_avail = READ_ONCE(upci_dma_entry_limit);
	iommu->pgsize_bitmap = PAGE_MASK;
	return iommu;
}

static void upci_domain_free(struct upci_domain *d)
{
	iommu_domain_free(d->domain);
	kfree(d);
}

static void upci_iommu_release(struct kref *kref)
{
	struct upci_iommu *iommu = container_of(kref, struct upci_iommu, kref);
	struct upci_domain_group *g, *gtmp;
	struct upci_domain *d, *dtmp;

	mutex_lock(&iommu->lock);
	WARN_ON(iommu->pinning);
	upci_dma_remove_all(iommu);
	list_for_each_entry_safe(d, dtmp, &iommu->domains, next) {
		list_for_each_entry_safe(g, gtmp, &d->groups, next) {
			WARN(1, "group %d still attached\n",
			     iommu_group_id(g->group));
			iommu_detach_group(d->domain, g->group);
			list_del(&g->next);
			kfree(g);
		}
		list_del(&d->next);
		upci_domain_free(d);
	}
	upci_iova_free(&iommu->iova);
	mutex_unlock(&iommu->lock);
	mutex_destroy(&iommu->lock);
	trace_upci_release(iommu->id);
	kfree(iommu);
}

void upci_iommu_get(struct upci_iommu *iommu)
{
	kref_get(&iommu->kref);
}

void upci_iommu_put(struct upci_iommu *iommu)
{
	kref_put(&iommu->kref, upci_iommu_release);
}

static struct upci_domain *upci_find_group(struct upci_iommu *iommu,
					   struct iommu_group *group,
					   struct upci_domain_group **gp)
{
	struct upci_domain_group *g;
	struct upci_domain *d;

	list_for_each_entry(d, &iommu->domains, next)
		list_for_each_entry(g, &d->groups, next)
			if (g->group == group) {
				if (gp)
					*gp = g;
				return d;
			}
	return NULL;
}

static int upci_domain_alloc_cb(struct device *dev, void *data)
{
	struct iommu_domain **domain = data;

	*domain = iommu_paging_domain_alloc(dev);
	return 1;		/* the first device is enough */
}

/* Fills a new domain with every existing mapping */
static int upci_domain_replay(struct upci_iommu *iommu,
			      struct iommu_domain *domain)
{
	struct rb_node *n;
	size_t i;
	int ret;

	for (n = rb_first(&iommu->dmas); n; n = rb_next(n)) {
		struct upci_dma *dma = rb_entry(n, struct upci_dma, node);
		dma_addr_t iova = dma->iova;

		/* its pinner maps it into every domain, this one included */
		if (dma->pinning)
			continue;
		for (i = 0; i < dma->nr_runs; i++) {
			ret = upci_domain_map(domain, iova, &dma->runs[i],
					      dma->prot);
			if (ret)
				return ret;	/* the domain is freed */
			iova += dma->runs[i].npages << PAGE_SHIFT;
		}
		cond_resched();
	}
	return 0;
}

/* A new domain for @group, attached and filled; the caller commits it. */
static struct upci_domain *upci_domain_new(struct upci_iommu *iommu,
					   struct iommu_group *group)
{
	struct iommu_domain *domain = ERR_PTR(-ENODEV);
	struct upci_domain *d;
	int ret;

	iommu_group_for_each_dev(group, &domain, upci_domain_alloc_cb);
	if (IS_ERR(domain))
		return ERR_CAST(domain);

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		iommu_domain_free(domain);
		return ERR_PTR(-ENOMEM);
	}
	d->domain = domain;
	INIT_LIST_HEAD(&d->groups);

	ret = iommu_attach_group(domain, group);
	if (ret)
		goto err_free;
	/*
	 * As VFIO: block no-snoop DMA whenever the IOMMU can. Only once a
	 * device is attached: an empty domain would promise it vacuously and
	 * then refuse devices whose IOMMU cannot keep the promise.
	 */
	if (domain->ops->enforce_cache_coherency)
		domain->ops->enforce_cache_coherency(domain);
	ret = upci_domain_replay(iommu, domain);
	if (ret)
		goto err_detach;
	return d;

err_detach:
	iommu_detach_group(domain, group);
err_free:
	upci_domain_free(d);
	return ERR_PTR(ret);
}

/* An existing domain @group could join, attached to it; or NULL */
static struct upci_domain *upci_domain_reuse(struct upci_iommu *iommu,
					     struct iommu_group *group)
{
	struct upci_domain *d;

	list_for_each_entry(d, &iommu->domains, next)
		if (!iommu_attach_group(d->domain, group))
			return d;
	return NULL;
}

/* The software MSI window (ARM SMMU) must be mapped in each domain */
static int upci_domain_msi_cookie(struct iommu_domain *domain,
				  struct iommu_group *group)
{
	struct iommu_resv_region *r;
	phys_addr_t base = 0;
	bool sw_msi = false;
	LIST_HEAD(regions);
	int ret;

	ret = iommu_get_group_resv_regions(group, &regions);
	if (ret)
		return ret;
	list_for_each_entry(r, &regions, list) {
		if (r->type == IOMMU_RESV_MSI) {
			sw_msi = false;		/* a real one wins */
			break;
		}
		if (r->type == IOMMU_RESV_SW_MSI) {
			base = r->start;
			sw_msi = true;
		}
	}
	upci_resv_free(&regions);
	if (!sw_msi)
		return 0;
	ret = iommu_get_msi_cookie(domain, base);
	return ret == -ENODEV ? 0 : ret;
}

static int __upci_iommu_attach_group(struct upci_iommu *iommu,
				     struct iommu_group *group)
{
	struct upci_domain_group *g;
	struct upci_domain *d;
	bool new_domain;
	LIST_HEAD(iova);
	int ret;

	/* Without MSI isolation a device could forge interrupts */
	if (!READ_ONCE(upci_allow_unsafe_interrupts) &&
	    !iommu_group_has_isolated_msi(group)) {
		pr_warn("group %d: no interrupt remapping, refusing it (upci.allow_unsafe_interrupts=1 accepts it, and lets its devices forge interrupts)\n",
			iommu_group_id(group));
		return -EPERM;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	g->group = group;

	mutex_lock(&iommu->lock);
	ret = -EINVAL;
	if (upci_find_group(iommu, group, NULL))
		goto out_unlock;

	d = upci_domain_reuse(iommu, group);
	new_domain = !d;
	if (new_domain) {
		d = upci_domain_new(iommu, group);
		if (IS_ERR(d)) {
			ret = PTR_ERR(d);
			goto out_unlock;
		}
	}

	ret = upci_iova_build(iommu, new_domain ? d->domain : NULL, group,
			      NULL, &iova);
	if (ret)
		goto out_detach;
	if (!upci_iova_keeps_dmas(iommu, &iova)) {
		ret = -EINVAL;	/* a mapping sits in its reserved regions */
		goto out_detach;
	}
	if (new_domain) {
		ret = upci_domain_msi_cookie(d->domain, group);
		if (ret)
			goto out_detach;
		list_add_tail(&d->next, &iommu->domains);
		upci_update_pgsizes(iommu);
	}
	list_add_tail(&g->next, &d->groups);
	upci_iova_replace(iommu, &iova);
	/* under the lock: before any mapping the group may now use */
	trace_upci_attach(iommu->id, iommu_group_id(group), 0);
	mutex_unlock(&iommu->lock);
	return 0;

out_detach:
	upci_iova_free(&iova);
	iommu_detach_group(d->domain, group);
	if (new_domain)
		upci_domain_free(d);
out_unlock:
	mutex_unlock(&iommu->lock);
	kfree(g);
	return ret;
}

int upci_iommu_attach_group(struct upci_iommu *iommu,
			    struct iommu_group *group)
{
	int ret = __upci_iommu_attach_group(iommu, group);

	if (ret)
		trace_upci_attach(iommu->id, iommu_group_id(group), ret);
	return ret;
}

void upci_iommu_detach_group(struct upci_iommu *iommu,
			     struct iommu_group *group)
{
	struct upci_domain_group *g;
	struct upci_domain *d;
	LIST_HEAD(iova);

	mutex_lock(&iommu->lock);
	d = upci_find_group(iommu, group, &g);
	if (WARN_ON(!d))
		goto out_unlock;

	iommu_detach_group(d->domain, group);
	list_del(&g->next);
	kfree(g);
	if (list_empty(&d->groups)) {
		/* The last domain takes the mappings with it */
		if (list_is_singular(&iommu->domains))
			upci_dma_remove_all(iommu);
		list_del(&d->next);
		upci_domain_free(d);
		upci_update_pgsizes(iommu);
	}
	/* The ranges can only grow; on failure the old ones stay valid */
	if (!list_empty(&iommu->domains) &&
	    !upci_iova_build(iommu, NULL, NULL, NULL, &iova))
		upci_iova_replace(iommu, &iova);
	if (list_empty(&iommu->domains))
		upci_iova_free(&iommu->iova);
	trace_upci_detach(iommu->id, iommu_group_id(group));
out_unlock:
	mutex_unlock(&iommu->lock);
}

/* ---- VFIO_IOMMU_MAP_DMA ---- */

static int upci_iommu_map(struct upci_iommu *iommu,
			  struct vfio_iommu_type1_dma_map *map)
{
	dma_addr_t iova = map->iova;
	unsigned long vaddr = map->vaddr;
	size_t size = map->size;
	struct upci_dma *dma;
	u64 pgmask;
	int prot = 0;
	int ret;

	if (map->size != size || map->vaddr != vaddr || map->iova != iova)
		return -EINVAL;
	if (map->flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	if (map->flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (!prot)
		return -EINVAL;

	mutex_lock(&iommu->lock);
	pgmask = (1ULL << __ffs(iommu->pgsize_bitmap)) - 1;
	ret = -EINVAL;
	if (!size || (size | iova | vaddr) & pgmask)
		goto out_unlock;
	if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
		goto out_unlock;		/* wraps */
	ret = -EEXIST;
	if (upci_dma_first(iommu, iova, iova + size - 1))
		goto out_unlock;
	ret = -ENOSPC;
	if (!iommu->dma_avail)
		goto out_unlock;
	ret = -EINVAL;
	if (!upci_iova_valid(&iommu->iova, iova, iova + size - 1))
		goto out_unlock;

	ret = -ENOMEM;
	dma = kzalloc(sizeof(*dma), GFP_KERNEL_ACCOUNT);
	if (!dma)
		goto out_unlock;
	iommu->dma_avail--;
	dma->iova = iova;
	dma->size = size;
	dma->vaddr = vaddr;
	dma->prot = prot;
	dma->mm = current->mm;
	dma->asid = iommu->id;
	mmgrab(dma->mm);
	dma->pinning = true;
	upci_dma_link(iommu, dma);	/* the range is ours meanwhile */
	iommu->pinning++;
	mutex_unlock(&iommu->lock);

	ret = upci_dma_pin(dma, size);

	mutex_lock(&iommu->lock);
	iommu->pinning--;
	dma->pinning = false;
	if (dma->orphan) {
		/* the last group left meanwhile, and the mappings with it */
		upci_dma_destroy(iommu, dma);
		ret = ret ? ret : -ENODEV;
	} else {
		if (!ret)
			ret = upci_dma_map_runs(iommu, dma, 0, dma->nr_runs);
		/* what was in the IOMMU, if only for a while */
		if (dma->mapped)
			trace_upci_dma_map(iommu->id, ++iommu->seq, iova,
					   dma->mapped, prot);
		if (ret)
			upci_dma_remove(iommu, dma);
	}
	wake_up_all(&iommu->pin_wq);
out_unlock:
	mutex_unlock(&iommu->lock);
	return ret;
}

static int upci_iommu_map_dma(struct upci_iommu *iommu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 mask = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;

	int ret;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	/* VFIO_DMA_MAP_FLAG_VADDR (VFIO_UPDATE_VADDR) is not offered */
	if (map.argsz < minsz || map.flags & ~mask)
		ret = -EINVAL;
	else if (!current->mm)
		ret = -ENODEV;
	else
		ret = upci_iommu_map(iommu, &map);
	trace_upci_map(iommu->id, map.iova, map.size, map.vaddr,
		       (map.flags & VFIO_DMA_MAP_FLAG_READ ? IOMMU_READ : 0) |
		       (map.flags & VFIO_DMA_MAP_FLAG_WRITE ? IOMMU_WRITE : 0),
		       ret);
	return ret;
}

/* ---- VFIO_IOMMU_UNMAP_DMA ---- */

/*
 * v1 and v2 differ on a request that cuts through a mapping. v2 refuses
 * one that bisects a mapping at either end (-EINVAL). v1 never splits
 * either: a request starting inside a mapping unmaps nothing from there on,
 * and one that covers a mapping's first page unmaps all of it. Both report
 * the bytes actually unmapped.
 */
/* A mapping of [iova, last] is still pinning (unmap waits for it) */
static bool upci_range_pinning(struct upci_iommu *iommu, dma_addr_t iova,
			       dma_addr_t last)
{
	struct upci_dma *dma;

	for (dma = upci_dma_first(iommu, iova, last); dma && dma->iova <= last;
	     dma = upci_dma_next(dma))
		if (dma->pinning)
			return true;
	return false;
}

static int upci_iommu_unmap(struct upci_iommu *iommu,
			    struct vfio_iommu_type1_dma_unmap *unmap)
{
	bool all = unmap->flags & VFIO_DMA_UNMAP_FLAG_ALL;
	dma_addr_t iova = unmap->iova, last;
	u64 size = unmap->size;
	struct upci_dma *dma, *next, *list = NULL, **tail = &list;
	size_t unmapped = 0;
	u64 pgmask;
	int ret = -EINVAL;

	mutex_lock(&iommu->lock);
	pgmask = (1ULL << __ffs(iommu->pgsize_bitmap)) - 1;
	if (iova & pgmask)
		goto out_unlock;
	if (all) {
		if (iova || size)
			goto out_unlock;
		last = DMA_BIT_MASK(64);
	} else {
		if (!size || size & pgmask || iova + size - 1 < iova ||
		    size > SIZE_MAX)
			goto out_unlock;
		last = iova + size - 1;
	}

	/* as if the pinning map had held the lock: wait until it is done */
	while (upci_range_pinning(iommu, iova, last)) {
		mutex_unlock(&iommu->lock);
		/* nothing is unmapped yet: a signal restarts the call */
		if (wait_event_interruptible(iommu->pin_wq,
					     !READ_ONCE(iommu->pinning))) {
			unmap->size = 0;
			return -ERESTARTSYS;
		}
		mutex_lock(&iommu->lock);
	}

	if (iommu->v2 && !all) {
		dma = upci_dma_first(iommu, iova, iova);
		if (dma && dma->iova != iova)
			goto out_unlock;
		dma = upci_dma_first(iommu, last, last);
		if (dma && upci_dma_last(dma) != last)
			goto out_unlock;
	}

	ret = 0;
	for (dma = upci_dma_first(iommu, iova, last);
	     dma && dma->iova <= last; dma = next) {
		if (!iommu->v2 && dma->iova < iova)
			break;
		next = upci_dma_next(dma);
		rb_erase(&dma->node, &iommu->dmas);
		*tail = dma;
		tail = &dma->reap;
	}
	*tail = NULL;
	unmapped = upci_dmas_destroy(iommu, list);
out_unlock:
	mutex_unlock(&iommu->lock);
	unmap->size = unmapped;
	return ret;
}

static int upci_iommu_unmap_dma(struct upci_iommu *iommu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_dma_unmap,
					  size);
	struct vfio_iommu_type1_dma_unmap unmap;
	int ret;

	u64 size;		/* asked for; unmap.size becomes what was done */

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	size = unmap.size;
	/* No dirty bitmap and no VFIO_DMA_UNMAP_FLAG_VADDR */
	if (unmap.argsz < minsz || unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL) {
		ret = -EINVAL;
		unmap.size = 0;
	} else {
		ret = upci_iommu_unmap(iommu, &unmap);
	}
	if (!ret && copy_to_user(arg, &unmap, minsz))
		ret = -EFAULT;
	trace_upci_unmap(iommu->id, unmap.iova, size,
			 unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL, unmap.size, ret);
	return ret;
}

/* ---- VFIO_IOMMU_GET_INFO ---- */

/*
 * The capability chain as VFIO lays it out: each capability 8-byte aligned,
 * header.next the offset of the next one from the start of the info
 * structure, 0 on the last.
 */
static void *upci_info_caps(struct upci_iommu *iommu, size_t *sizep)
{
	struct vfio_iommu_type1_info_cap_iova_range *iova;
	struct vfio_iommu_type1_info_dma_avail *avail;
	size_t avail_size = ALIGN(sizeof(*avail), 8);
	size_t base = sizeof(struct vfio_iommu_type1_info);
	struct upci_iova_range *r;
	unsigned int n = 0;
	void *buf;

	list_for_each_entry(r, &iommu->iova, next)
		n++;
	*sizep = avail_size + ALIGN(struct_size(iova, iova_ranges, n), 8);
	buf = kzalloc(*sizep, GFP_KERNEL);
	if (!buf)
		return NULL;

	avail = buf;
	avail->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	avail->header.version = 1;
	avail->header.next = base + avail_size;
	avail->avail = iommu->dma_avail;

	iova = buf + avail_size;
	iova->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	iova->header.version = 1;
	iova->nr_iovas = n;
	n = 0;
	list_for_each_entry(r, &iommu->iova, next) {
		iova->iova_ranges[n].start = r->start;
		iova->iova_ranges[n].end = r->last;
		n++;
	}
	return buf;
}

static int upci_iommu_get_info(struct upci_iommu *iommu, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_iommu_type1_info,
					  iova_pgsizes);
	struct vfio_iommu_type1_info info = {};
	size_t caps_size;
	void *caps;
	int ret = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = min_t(size_t, info.argsz, sizeof(info));

	mutex_lock(&iommu->lock);
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = iommu->pgsize_bitmap;
	caps = upci_info_caps(iommu, &caps_size);
	mutex_unlock(&iommu->lock);
	if (!caps)
		return -ENOMEM;

	if (info.argsz < sizeof(info) + caps_size) {
		info.argsz = sizeof(info) + caps_size;	/* ask again */
	} else {
		if (copy_to_user(arg + sizeof(info), caps, caps_size))
			ret = -EFAULT;
		info.cap_offset = sizeof(info);
	}
	kfree(caps);
	if (!ret && copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
	return ret;
}

long upci_iommu_ioctl(struct upci_iommu *iommu, unsigned int cmd,
		      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return upci_iommu_get_info(iommu, uarg);
	case VFIO_IOMMU_MAP_DMA:
		return upci_iommu_map_dma(iommu, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		return upci_iommu_unmap_dma(iommu, uarg);
	default:
		return -ENOTTY;
	}
}
