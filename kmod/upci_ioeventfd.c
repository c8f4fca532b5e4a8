// SPDX-License-Identifier: GPL-2.0
/*
 * upci_ioeventfd.c: VFIO_DEVICE_IOEVENTFD. A client (QEMU, for a guest's
 * doorbell writes that KVM turns into eventfd signals) asks that each signal
 * of an eventfd write the same 1, 2, 4 or 8 bytes at one offset of a BAR,
 * without a trip through user space.
 *
 * What is hard: the write happens in the eventfd's wakeup (upci_virqfd.c),
 * where memory decode can only be tried, not waited for; a contended
 * memory_lock sends the write to a work item instead, and a BAR that does
 * not decode (the user turned it off, or the device is in D3) gets no write
 * at all, as with read/write on the fd. The MSI-X table is never a target:
 * only the kernel programs it. And every ioeventfd is gone before the
 * device goes back to the host, whoever closes last. Checks, errnos and
 * the limit of 1000 per device are vfio-pci's (vfio_pci_rdwr.c).
 */

#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/slab.h>

#include "upci.h"

#define UPCI_IOEVENTFD_MAX	1000

struct upci_ioeventfd {
	struct list_head next;
	struct upci_device *udev;
	struct upci_virqfd *virqfd;
	void __iomem *addr;
	u64 data;
	loff_t pos;
	int bar;
	int count;
	bool test_mem;			/* a memory BAR: needs decode on */
};

static void upci_ioeventfd_write(struct upci_ioeventfd *ioe)
{
	switch (ioe->count) {
	case 1:
		iowrite8(ioe->data, ioe->addr);
		break;
	case 2:
		iowrite16(ioe->data, ioe->addr);
		break;
	case 4:
		iowrite32(ioe->data, ioe->addr);
		break;
	case 8:
		iowrite64(ioe->data, ioe->addr);
		break;
	}
}

/* In the eventfd's wakeup: write now, or leave it to the thread */
static int upci_ioeventfd_handler(void *opaque)
{
	struct upci_ioeventfd *ioe = opaque;
	struct upci_device *udev = ioe->udev;

	if (ioe->test_mem) {
		if (!down_read_trylock(&udev->memory_lock))
			return 1;
		if (!upci_config_memory_enabled(udev)) {
			up_read(&udev->memory_lock);
			return 0;
		}
	}
	upci_ioeventfd_write(ioe);
	if (ioe->test_mem)
		up_read(&udev->memory_lock);
	return 0;
}

static void upci_ioeventfd_thread(void *opaque)
{
	struct upci_ioeventfd *ioe = opaque;
	struct upci_device *udev = ioe->udev;

	if (ioe->test_mem) {
		down_read(&udev->memory_lock);
		if (upci_config_memory_enabled(udev))
			upci_ioeventfd_write(ioe);
		up_read(&udev->memory_lock);
	} else {
		upci_ioeventfd_write(ioe);
	}
}

static void __upci_ioeventfd_free(struct upci_device *udev,
				  struct upci_ioeventfd *ioe)
{
	lockdep_assert_held(&udev->ioeventfds_lock);

	upci_virqfd_disable(&ioe->virqfd);
	list_del(&ioe->next);
	udev->ioeventfds_nr--;
	kfree(ioe);
}

static int upci_ioeventfd(struct upci_device *udev, u64 offset, u64 data,
			  int count, int fd)
{
	struct pci_dev *pdev = udev->pdev;
	u64 index = UPCI_OFFSET_TO_INDEX(offset);
	loff_t pos = offset & UPCI_OFFSET_MASK;
	struct upci_ioeventfd *ioe;
	int bar, ret;

	/* BARs only, and within them */
	if (index > VFIO_PCI_BAR5_REGION_INDEX)
		return -EINVAL;
	bar = index;
	if (pos + count > pci_resource_len(pdev, bar))
		return -EINVAL;
	/* never a way around the MSI-X table */
	if (bar == udev->msix_bar &&
	    !(pos + count <= udev->msix_offset ||
	      pos >= udev->msix_offset + udev->msix_size))
		return -EINVAL;

	ret = upci_bar_map(udev, bar);
	if (ret)
		return ret;

	mutex_lock(&udev->ioeventfds_lock);
	list_for_each_entry(ioe, &udev->ioeventfds, next) {
		if (ioe->pos == pos && ioe->bar == bar && ioe->data == data &&
		    ioe->count == count) {
			if (fd == -1) {
				__upci_ioeventfd_free(udev, ioe);
				ret = 0;
			} else {
				ret = -EEXIST;
			}
			goto out_unlock;
		}
	}
	if (fd < 0) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (udev->ioeventfds_nr >= UPCI_IOEVENTFD_MAX) {
		ret = -ENOSPC;
		goto out_unlock;
	}

	ioe = kzalloc(sizeof(*ioe), GFP_KERNEL_ACCOUNT);
	if (!ioe) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ioe->udev = udev;
	ioe->addr = udev->barmap[bar] + pos;
	ioe->data = data;
	ioe->pos = pos;
	ioe->bar = bar;
	ioe->count = count;
	ioe->test_mem = pci_resource_flags(pdev, bar) & IORESOURCE_MEM;

	ret = upci_virqfd_enable(ioe, upci_ioeventfd_handler,
				 upci_ioeventfd_thread, &ioe->virqfd, fd);
	if (ret) {
		kfree(ioe);
		goto out_unlock;
	}
	list_add(&ioe->next, &udev->ioeventfds);
	udev->ioeventfds_nr++;
out_unlock:
	mutex_unlock(&udev->ioeventfds_lock);
	return ret;
}

long upci_ioctl_ioeventfd(struct upci_device *udev,
			  struct vfio_device_ioeventfd __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_ioeventfd, fd);
	struct vfio_device_ioeventfd ioeventfd;
	int count;

	if (copy_from_user(&ioeventfd, arg, minsz))
		return -EFAULT;
	if (ioeventfd.argsz < minsz)
		return -EINVAL;
	if (ioeventfd.flags & ~VFIO_DEVICE_IOEVENTFD_SIZE_MASK)
		return -EINVAL;
	count = ioeventfd.flags & VFIO_DEVICE_IOEVENTFD_SIZE_MASK;
	if (hweight8(count) != 1 || ioeventfd.fd < -1)
		return -EINVAL;
	return upci_ioeventfd(udev, ioeventfd.offset, ioeventfd.data, count,
			      ioeventfd.fd);
}

void upci_ioeventfds_init(struct upci_device *udev)
{
	mutex_init(&udev->ioeventfds_lock);
	INIT_LIST_HEAD(&udev->ioeventfds);
	udev->ioeventfds_nr = 0;
}

void upci_ioeventfds_release(struct upci_device *udev)
{
	struct upci_ioeventfd *ioe, *tmp;

	mutex_lock(&udev->ioeventfds_lock);
	list_for_each_entry_safe(ioe, tmp, &udev->ioeventfds, next)
		__upci_ioeventfd_free(udev, ioe);
	mutex_unlock(&udev->ioeventfds_lock);
}
