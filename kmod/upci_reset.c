// SPDX-License-Identifier: GPL-2.0
/*
 * upci_reset.c: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and
 * VFIO_DEVICE_PCI_HOT_RESET, a secondary bus (or slot) reset.
 *
 * A function reset touches one device; a bus reset touches every device
 * below the bridge, and those may belong to other users or to the host. So
 * the user must prove it owns all of them: every affected device must be
 * bound to upci and sit in one of the groups whose fds the user passes (an
 * open group node is exclusive, so holding its fd is ownership). The reset
 * is carried out with every affected device's BAR mappings zapped and its
 * memory_lock held for writing, so that no user access reaches a device in
 * reset; the PCI core saves and restores each device's config state (BARs,
 * command register, MSI and MSI-X) around it, so interrupts set up through
 * SET_IRQS keep working afterwards, as in vfio-pci.
 *
 * Locks are taken with trylock across devices (-EBUSY on contention, as
 * vfio-pci): udev->lock keeps an affected device's last fd release from
 * dropping the inode whose mappings we zap, memory_lock keeps user
 * accesses out. The
 * registry lock below keeps the affected upci devices bound meanwhile.
 * Errnos and argsz rules are vfio-pci's (drivers/vfio/pci/vfio_pci_core.c).
 */

#include <linux/file.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "upci.h"
#include "upci_trace.h"

/* Every bound upci device: what a hot reset may touch */
static DEFINE_MUTEX(upci_reset_lock);
static LIST_HEAD(upci_reset_devices);

void upci_reset_register(struct upci_device *udev)
{
	mutex_lock(&upci_reset_lock);
	list_add_tail(&udev->reset_next, &upci_reset_devices);
	mutex_unlock(&upci_reset_lock);
}

void upci_reset_unregister(struct upci_device *udev)
{
	mutex_lock(&upci_reset_lock);
	list_del_init(&udev->reset_next);
	mutex_unlock(&upci_reset_lock);
}

static struct upci_device *upci_reset_find(struct pci_dev *pdev)
{
	struct upci_device *udev;

	lockdep_assert_held(&upci_reset_lock);

	list_for_each_entry(udev, &upci_reset_devices, reset_next)
		if (udev->pdev == pdev)
			return udev;
	return NULL;
}

/* A slot reset if the slot can, else a bus reset, else -ENODEV */
static int upci_reset_scope(struct pci_dev *pdev, bool *slot)
{
	*slot = !pci_probe_reset_slot(pdev->slot);
	if (!*slot && pci_probe_reset_bus(pdev->bus))
		return -ENODEV;
	return 0;
}

static bool upci_dev_below_slot(struct pci_dev *pdev, struct pci_slot *slot)
{
	for (; pdev; pdev = pdev->bus->self)
		if (pdev->bus == slot->bus)
			return pdev->slot == slot;
	return false;
}

struct upci_reset_walk {
	int (*fn)(struct pci_dev *pdev, void *data);
	void *data;
	struct pci_dev *pdev;
	bool slot;
	int ret;
};

static int upci_reset_walk_one(struct pci_dev *pdev, void *data)
{
	struct upci_reset_walk *walk = data;

	if (!walk->slot || upci_dev_below_slot(pdev, walk->pdev->slot))
		walk->ret = walk->fn(pdev, walk->data);
	return walk->ret;
}

/* @fn for every device the reset of @pdev's slot or bus affects */
static int upci_reset_for_each(struct pci_dev *pdev, bool slot,
			       int (*fn)(struct pci_dev *, void *), void *data)
{
	struct upci_reset_walk walk = {
		.fn = fn, .data = data, .pdev = pdev, .slot = slot,
	};

	pci_walk_bus(pdev->bus, upci_reset_walk_one, &walk);
	return walk.ret;
}

static int upci_reset_count_one(struct pci_dev *pdev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int upci_reset_count(struct pci_dev *pdev, bool slot, int *count)
{
	*count = 0;
	return upci_reset_for_each(pdev, slot, upci_reset_count_one, count);
}

struct upci_reset_fill {
	struct vfio_pci_dependent_device *devices;
	int nr;
	int count;
};

static int upci_reset_fill_one(struct pci_dev *pdev, void *data)
{
	struct upci_reset_fill *fill = data;
	struct vfio_pci_dependent_device *info;
	struct iommu_group *group;

	if (fill->count >= fill->nr)
		return -EAGAIN;		/* the topology changed meanwhile */

	info = &fill->devices[fill->count++];
	info->segment = pci_domain_nr(pdev->bus);
	info->bus = pdev->bus->number;
	info->devfn = pdev->devfn;

	group = iommu_group_get(&pdev->dev);
	if (!group)
		return -EPERM;		/* not isolated: never reset by users */
	info->group_id = iommu_group_id(group);
	iommu_group_put(group);
	return 0;
}

long upci_ioctl_hot_reset_info(struct upci_device *udev,
			       struct vfio_pci_hot_reset_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset_info,
					  count);
	struct vfio_pci_hot_reset_info hdr;
	struct upci_reset_fill fill = { };
	bool slot;
	int ret, count;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;

	hdr.flags = 0;

	ret = upci_reset_scope(udev->pdev, &slot);
	if (ret)
		return ret;
	ret = upci_reset_count(udev->pdev, slot, &count);
	if (ret)
		return ret;
	if (WARN_ON(!count))	/* the device itself, at least */
		return -ERANGE;

	/* too small: the count the user needs, and -ENOSPC */
	if (count > (hdr.argsz - sizeof(hdr)) / sizeof(*fill.devices)) {
		hdr.count = count;
		ret = -ENOSPC;
		goto header;
	}

	fill.devices = kcalloc(count, sizeof(*fill.devices), GFP_KERNEL);
	if (!fill.devices)
		return -ENOMEM;
	fill.nr = count;

	ret = upci_reset_for_each(udev->pdev, slot, upci_reset_fill_one,
				  &fill);
	if (ret)
		goto out;

	if (copy_to_user(arg->devices, fill.devices,
			 sizeof(*fill.devices) * fill.count)) {
		ret = -EFAULT;
		goto out;
	}
	hdr.count = fill.count;

header:
	if (copy_to_user(arg, &hdr, minsz))
		ret = -EFAULT;
out:
	kfree(fill.devices);
	return ret;
}

struct upci_reset_set {
	struct upci_device **udevs;
	int nr;
	int count;
};

/* Every affected device must be a upci device */
static int upci_reset_collect_one(struct pci_dev *pdev, void *data)
{
	struct upci_reset_set *set = data;
	struct upci_device *udev = upci_reset_find(pdev);

	if (!udev)
		return -EINVAL;
	if (set->count >= set->nr)
		return -EAGAIN;
	set->udevs[set->count++] = udev;
	return 0;
}

static bool upci_reset_owned(struct upci_device *udev,
			     struct upci_group **groups, int ngroups)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (udev->group == groups[i])
			return true;
	return false;
}

static int upci_hot_reset_groups(struct upci_device *udev, bool slot,
				 int count, struct upci_group **groups,
				 int ngroups)
{
	struct upci_reset_set set = { };
	int i, locked = 0, ret;

	set.udevs = kcalloc(count, sizeof(*set.udevs), GFP_KERNEL);
	if (!set.udevs)
		return -ENOMEM;
	set.nr = count;

	mutex_lock(&upci_reset_lock);
	ret = upci_reset_for_each(udev->pdev, slot, upci_reset_collect_one,
				  &set);
	if (ret)
		goto out_unlock;

	for (i = 0; i < set.count; i++) {
		struct upci_device *cur = set.udevs[i];

		if (!upci_reset_owned(cur, groups, ngroups)) {
			ret = -EINVAL;
			break;
		}
		if (!mutex_trylock(&cur->lock)) {
			ret = -EBUSY;
			break;
		}
		if (!down_write_trylock(&cur->memory_lock)) {
			mutex_unlock(&cur->lock);
			ret = -EBUSY;
			break;
		}
		locked++;
		/* no user access while in reset: faults find memory_lock */
		upci_bar_zap_mmaps(cur);
	}

	if (!ret) {
		/* a reset from D3 would not restore a No_Soft_Reset- device */
		for (i = 0; i < set.count; i++)
			upci_set_power_state(set.udevs[i], PCI_D0);
		ret = pci_reset_bus(udev->pdev);
		trace_upci_reset(pci_name(udev->pdev), "hot", ret);
	}

	for (i = locked - 1; i >= 0; i--) {
		up_write(&set.udevs[i]->memory_lock);
		mutex_unlock(&set.udevs[i]->lock);
	}
out_unlock:
	mutex_unlock(&upci_reset_lock);
	kfree(set.udevs);
	return ret;
}

long upci_ioctl_hot_reset(struct upci_device *udev,
			  struct vfio_pci_hot_reset __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	struct upci_group **groups;
	struct file **files;
	s32 *group_fds;
	int nfiles = 0, count, ret;
	bool slot;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.flags)
		return -EINVAL;
	/* a zero-length array is for cdev (iommufd) users: upci has none */
	if (!hdr.count)
		return -EINVAL;

	ret = upci_reset_scope(udev->pdev, &slot);
	if (ret)
		return ret;

	/* at most one group per affected device */
	ret = upci_reset_count(udev->pdev, slot, &count);
	if (ret)
		return ret;
	if (hdr.count > count)
		return -EINVAL;

	group_fds = kcalloc(hdr.count, sizeof(*group_fds), GFP_KERNEL);
	files = kcalloc(hdr.count, sizeof(*files), GFP_KERNEL);
	groups = kcalloc(hdr.count, sizeof(*groups), GFP_KERNEL);
	if (!group_fds || !files || !groups) {
		ret = -ENOMEM;
		goto out_free;
	}
	if (copy_from_user(group_fds, arg->group_fds,
			   hdr.count * sizeof(*group_fds))) {
		ret = -EFAULT;
		goto out_free;
	}

	/* the group files are held across the reset */
	for (nfiles = 0; nfiles < hdr.count; nfiles++) {
		struct file *file = fget(group_fds[nfiles]);

		if (!file) {
			ret = -EBADF;
			break;
		}
		groups[nfiles] = upci_group_from_file(file);
		if (!groups[nfiles]) {
			fput(file);
			ret = -EINVAL;	/* not a group fd */
			break;
		}
		files[nfiles] = file;
	}

	if (!ret)
		ret = upci_hot_reset_groups(udev, slot, count, groups,
					    hdr.count);

	while (nfiles--)
		fput(files[nfiles]);
out_free:
	kfree(groups);
	kfree(files);
	kfree(group_fds);
	return ret;
}

/*
 * At a device's last close, as vfio-pci's dev_set reset: a device its
 * function reset could not reset (it has none, or its lock was taken) must
 * not hand its state to the next owner, so its slot or bus is reset, if
 * every device that reaches is a upci device nobody has open.  Otherwise
 * it is left for the last close among them.  No upci lock held.
 */
void upci_reset_at_last_close(struct upci_device *udev)
{
	struct upci_reset_set set = { };
	bool slot, needed = false;
	int count, i, locked = 0;

	if (!udev->needs_reset || upci_reset_scope(udev->pdev, &slot) ||
	    upci_reset_count(udev->pdev, slot, &count))
		return;
	set.udevs = kcalloc(count, sizeof(*set.udevs), GFP_KERNEL);
	if (!set.udevs)
		return;
	set.nr = count;

	mutex_lock(&upci_reset_lock);
	if (upci_reset_for_each(udev->pdev, slot, upci_reset_collect_one,
				&set))
		goto out_unlock;
	for (i = 0; i < set.count; i++) {
		struct upci_device *cur = set.udevs[i];

		if (!mutex_trylock(&cur->lock))
			goto out_unlock_devs;
		locked++;
		if (cur->open_count)
			goto out_unlock_devs;
		needed |= cur->needs_reset;
	}
	if (needed) {
		int ret = pci_reset_bus(udev->pdev);

		trace_upci_reset(pci_name(udev->pdev), "last close", ret);
		for (i = 0; ret == 0 && i < set.count; i++)
			set.udevs[i]->needs_reset = false;
		if (ret)
			pci_warn(udev->pdev, "no function reset, and its %s reset at last close failed (%d): its state stays\n",
				 slot ? "slot" : "bus", ret);
		else
			pci_info(udev->pdev, "no function reset: reset its %s at last close\n",
				 slot ? "slot" : "bus");
	}
out_unlock_devs:
	for (i = locked - 1; i >= 0; i--)
		mutex_unlock(&set.udevs[i]->lock);
out_unlock:
	mutex_unlock(&upci_reset_lock);
	kfree(set.udevs);
}
