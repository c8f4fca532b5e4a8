// SPDX-License-Identifier: GPL-2.0
/*
 * upci: BAR and ROM access through the device fd, and BAR mmap.
 *
 * The user reaches device memory two ways: read/write on the fd, which does
 * the ioread/iowrite here, and mmap, whose page faults are served here. Both
 * must stop the moment memory decode goes off in the user's view of the
 * command register, or the device leaves D0, or it is reset: an access to a
 * BAR that does not decode can hang or poison the bus on real hardware. One
 * rwsem, udev->memory_lock, orders them. Accesses and faults hold it for
 * reading and check the virtual memory enable bit; whoever turns decode off
 * holds it for writing and first zaps every user PTE of the BARs, so the next
 * touch faults again and, finding decode off, gets SIGBUS. Faults run under
 * mmap_lock, so nothing here copies user memory while holding memory_lock or
 * udev->lock (the user's buffer may be a BAR mapping). The PTEs are found
 * through the device's inode: one address_space shared by all of a device's
 * fds (their f_mapping). The MSI-X
 * table stays out of read/write (reads give ones, writes are dropped) as in
 * vfio-pci; mmap covers the whole BAR, the IOMMU's interrupt remapping being
 * what keeps a rogue MSI-X write contained.
 */

#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "upci.h"

/* The rest of the page after a page-aligned BAR smaller than a page */
struct upci_dummy_resource {
	struct resource res;
	struct list_head next;
};

/* Claim and map a BAR, once per open; kept until release. */
static int __upci_bar_map(struct upci_device *udev, int bar)
{
	struct pci_dev *pdev = udev->pdev;
	void __iomem *io;
	int ret;

	lockdep_assert_held(&udev->lock);

	if (udev->barmap[bar])
		return 0;

	ret = pci_request_selected_regions(pdev, 1 << bar, UPCI_NAME);
	if (ret)
		return ret;

	io = pci_iomap(pdev, bar, 0);
	if (!io) {
		pci_release_selected_regions(pdev, 1 << bar);
		return -ENOMEM;
	}
	udev->barmap[bar] = io;
	return 0;
}

int upci_bar_map(struct upci_device *udev, int bar)
{
	int ret;

	mutex_lock(&udev->lock);
	ret = __upci_bar_map(udev, bar);
	mutex_unlock(&udev->lock);
	return ret;
}

union upci_io_val {
	u8 b;
	__le16 w;
	__le32 l;
	__le64 q;
};

/*
 * One access of @size bytes at @io, with the user's bytes in the device's
 * (little-endian) order. @test_mem: a memory BAR, which must decode.
 */
static int upci_io_one(struct upci_device *udev, bool test_mem,
		       void __iomem *io, char *buf, size_t size,
		       bool write)
{
	union upci_io_val v = { 0 };

	if (write)
		memcpy(&v, buf, size);

	if (test_mem) {
		down_read(&udev->memory_lock);
		if (!upci_config_memory_enabled(udev)) {
			up_read(&udev->memory_lock);
			return -EIO;
		}
	}

	switch (size) {
	case 1:
		if (write)
			iowrite8(v.b, io);
		else
			v.b = ioread8(io);
		break;
	case 2:
		if (write)
			iowrite16(le16_to_cpu(v.w), io);
		else
			v.w = cpu_to_le16(ioread16(io));
		break;
	case 4:
		if (write)
			iowrite32(le32_to_cpu(v.l), io);
		else
			v.l = cpu_to_le32(ioread32(io));
		break;
	case 8:
		/* readq/writeq on MMIO; two dword accesses on I/O ports */
		if (write)
			iowrite64(le64_to_cpu(v.q), io);
		else
			v.q = cpu_to_le64(ioread64(io));
		break;
	}

	if (test_mem)
		up_read(&udev->memory_lock);

	if (!write)
		memcpy(buf, &v, size);
	return 0;
}

/*
 * Access [off, off + count) of a mapped BAR or ROM in the widest naturally
 * aligned pieces up to @max_width. [x_start, x_end) is excluded: reads there
 * give 0xff, writes are dropped (the MSI-X table; a ROM past its image).
 */
static ssize_t upci_do_io_rw(struct upci_device *udev, bool test_mem,
			     void __iomem *io, char *buf, u64 off,
			     size_t count, u64 x_start, u64 x_end, bool write,
			     size_t max_width)
{
	ssize_t done = 0;
	int ret;

	while (count) {
		size_t fillable, n;

		if (off < x_start)
			fillable = min_t(u64, count, x_start - off);
		else if (off >= x_end)
			fillable = count;
		else
			fillable = 0;

		if (fillable >= 8 && !(off % 8) && max_width >= 8)
			n = 8;
		else if (fillable >= 4 && !(off % 4) && max_width >= 4)
			n = 4;
		else if (fillable >= 2 && !(off % 2) && max_width >= 2)
			n = 2;
		else
			n = fillable ? 1 : 0;

		if (n) {
			ret = upci_io_one(udev, test_mem, io + off, buf, n,
					  write);
			if (ret)
				return ret;
		} else {
			n = min_t(u64, count, x_end - off);
			if (!write)
				memset(buf, 0xff, n);
		}

		count -= n;
		done += n;
		off += n;
		buf += n;
	}
	return done;
}

ssize_t upci_bar_rw(struct upci_device *udev, int bar, char *buf,
		    size_t count, loff_t pos, bool write)
{
	struct pci_dev *pdev = udev->pdev;
	u64 end, x_start = 0, x_end = 0;
	int ret;

	/* a BAR the host left unassigned does not exist for the user */
	if (!pci_resource_start(pdev, bar))
		return -EINVAL;
	end = pci_resource_len(pdev, bar);
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	ret = upci_bar_map(udev, bar);
	if (ret)
		return ret;

	if (bar == udev->msix_bar) {
		x_start = udev->msix_offset;
		x_end = x_start + udev->msix_size;
	}

	return upci_do_io_rw(udev, pci_resource_flags(pdev, bar) & IORESOURCE_MEM,
			     udev->barmap[bar], buf, pos, count, x_start, x_end,
			     write, 8);
}

/*
 * The ROM is mapped for each read, as the PCI core enables its decoder only
 * while mapped. Past the image and up to the BAR's size reads give 0xff.
 * No qword access: some devices raise errors on them.
 *
 * pci_map_rom() reads the image's header, so it runs only while the user's
 * memory decode is on (held on by memory_lock), never with decode off (the
 * CVE-2020-12888 class of access); and since pci_unmap_rom() turns the
 * decoder off whoever else still reads, readers take turns (rom_lock).
 */
ssize_t upci_rom_read(struct upci_device *udev, char *buf,
		      size_t count, loff_t pos)
{
	struct pci_dev *pdev = udev->pdev;
	struct resource *res = &pdev->resource[PCI_ROM_RESOURCE];
	void __iomem *io;
	size_t rom_size;
	ssize_t done;
	u64 end;

	if (pci_resource_start(pdev, PCI_ROM_RESOURCE))
		end = pci_resource_len(pdev, PCI_ROM_RESOURCE);
	else if (res->flags & IORESOURCE_ROM_SHADOW)
		end = 0x20000;
	else
		return -EINVAL;
	if (pos >= end)
		return -EINVAL;
	count = min_t(u64, count, end - pos);

	mutex_lock(&udev->rom_lock);
	down_read(&udev->memory_lock);
	if (!(res->flags & IORESOURCE_ROM_SHADOW) &&
	    !upci_config_memory_enabled(udev)) {
		up_read(&udev->memory_lock);
		done = -EIO;
		goto out;
	}
	io = pci_map_rom(pdev, &rom_size);
	up_read(&udev->memory_lock);
	if (!io) {
		done = -ENOMEM;
		goto out;
	}

	done = upci_do_io_rw(udev, res->flags & IORESOURCE_MEM, io, buf, pos,
			     count, rom_size, end, false, 4);
	pci_unmap_rom(pdev, io);
out:
	mutex_unlock(&udev->rom_lock);
	return done;
}

/* ---- mmap ---- */

static unsigned long upci_vma_pfn(struct vm_area_struct *vma)
{
	struct upci_device *udev = vma->vm_private_data;
	int bar = vma->vm_pgoff >> (UPCI_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff &
		    ((1ULL << (UPCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1);

	return (pci_resource_start(udev->pdev, bar) >> PAGE_SHIFT) + pgoff;
}

/* Insert the page only while the user's memory decode is on */
static vm_fault_t upci_bar_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct upci_device *udev = vma->vm_private_data;
	unsigned long pgoff = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&udev->memory_lock);
	/* a revoked fd's config is gone: its mappings only fault */
	if (!READ_ONCE(udev->dead) && upci_config_memory_enabled(udev))
		ret = vmf_insert_pfn(vma, vmf->address,
				     upci_vma_pfn(vma) + pgoff);
	up_read(&udev->memory_lock);

	dev_dbg_ratelimited(&udev->pdev->dev, "fault BAR %lu page %#lx: %#x\n",
			    vma->vm_pgoff >> (UPCI_OFFSET_SHIFT - PAGE_SHIFT),
			    pgoff, (__force unsigned int)ret);
	return ret;
}

static const struct vm_operations_struct upci_bar_vm_ops = {
	.fault = upci_bar_fault,
};

int upci_bar_mmap(struct upci_device *udev, int bar,
		  struct vm_area_struct *vma)
{
	u64 phys_len, req_len, req_start;
	int ret;

	if (!udev->bar_mmap_supported[bar])
		return -EINVAL;

	/* a sub-page BAR maps its whole page (the rest is reserved) */
	phys_len = PAGE_ALIGN(pci_resource_len(udev->pdev, bar));
	req_len = vma->vm_end - vma->vm_start;
	req_start = (u64)(vma->vm_pgoff &
			  ((1UL << (UPCI_OFFSET_SHIFT - PAGE_SHIFT)) - 1))
		    << PAGE_SHIFT;
	if (req_start + req_len > phys_len)
		return -EINVAL;

	/* the mapping does not use barmap, but the region must be ours */
	ret = upci_bar_map(udev, bar);
	if (ret)
		return ret;

	vma->vm_private_data = udev;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);
	/* PFNs are inserted at fault time: the flags io_remap_pfn_range sets */
	vm_flags_set(vma, VM_ALLOW_ANY_UNCACHED | VM_IO | VM_PFNMAP |
		     VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &upci_bar_vm_ops;
	return 0;
}

bool upci_vma_is_bar(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &upci_bar_vm_ops;
}

void upci_bar_zap_mmaps(struct upci_device *udev)
{
	loff_t start = UPCI_INDEX_TO_OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	loff_t end = UPCI_INDEX_TO_OFFSET(VFIO_PCI_ROM_REGION_INDEX);

	lockdep_assert_held_write(&udev->memory_lock);

	if (udev->inode)
		unmap_mapping_range(udev->inode->i_mapping, start, end - start,
				    true);
}

/*
 * Which BARs can be mmapped: memory BARs of at least a page, and smaller
 * ones that start a page, whose remainder we then reserve so that no other
 * device's BAR is assigned into the page the user maps.
 */
void upci_bars_init(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_dummy_resource *dummy;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct resource *res = &pdev->resource[i];

		udev->bar_mmap_supported[i] = false;
		if (!(res->flags & IORESOURCE_MEM) || !resource_size(res))
			continue;

		if (resource_size(res) >= PAGE_SIZE) {
			udev->bar_mmap_supported[i] = true;
			continue;
		}

		/*
		 * Not page aligned: the user could not tell where in the page
		 * the BAR sits, so no mmap.
		 */
		if (res->start & ~PAGE_MASK)
			continue;

		dummy = kzalloc(sizeof(*dummy), GFP_KERNEL_ACCOUNT);
		if (!dummy)
			continue;
		dummy->res.name = "upci sub-page reserved";
		dummy->res.start = res->end + 1;
		dummy->res.end = res->start + PAGE_SIZE - 1;
		dummy->res.flags = res->flags;
		if (request_resource(res->parent, &dummy->res)) {
			kfree(dummy);
			continue;
		}
		list_add(&dummy->next, &udev->dummy_resources);
		udev->bar_mmap_supported[i] = true;
	}
}

void upci_bars_release(struct upci_device *udev)
{
	struct upci_dummy_resource *dummy, *tmp;
	int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!udev->barmap[i])
			continue;
		pci_iounmap(udev->pdev, udev->barmap[i]);
		pci_release_selected_regions(udev->pdev, 1 << i);
		udev->barmap[i] = NULL;
	}

	list_for_each_entry_safe(dummy, tmp, &udev->dummy_resources, next) {
		list_del(&dummy->next);
		release_resource(&dummy->res);
		kfree(dummy);
	}
}
