// SPDX-License-Identifier: GPL-2.0
/*
 * upci_container.c: the container fd, /dev/upci/upci (or /dev/vfio/vfio).
 * Each open of the node is a new container: one I/O address space that
 * groups join with VFIO_GROUP_SET_CONTAINER and that VFIO_SET_IOMMU turns
 * into a type1 address space (upci_type1.c) for all of them at once.
 *
 * The container is deliberately unprivileged: anyone may open the node, but
 * it can do nothing until a group (which someone was allowed to open) joins,
 * and it loses its IOMMU again when the last group leaves. Its lifetime is
 * independent of any one file: the fd and each group in it hold a
 * reference, and they go away in any order. The container lock nests inside
 * the group lock and is held across backend calls, so a group cannot leave
 * while a map or unmap walks its domain.
 *
 * Errnos follow drivers/vfio/container.c of Linux 6.12, including -EINVAL
 * for any backend ioctl before SET_IOMMU.
 */
#include <linux/fs.h>
#include <linux/slab.h>

#include "upci.h"

/* VFIO_SET_IOMMU: the backends upci offers, by extension number */
static const struct {
	unsigned long type;
	bool v2;
} upci_iommu_types[] = {
	{ VFIO_TYPE1_IOMMU,	false },
	{ VFIO_TYPE1v2_IOMMU,	true },	/* unmap never splits a mapping */
};

static void upci_container_release_kref(struct kref *kref)
{
	struct upci_container *c = container_of(kref, struct upci_container,
						kref);

	WARN_ON(!list_empty(&c->groups) || c->iommu);
	mutex_destroy(&c->lock);
	kfree(c);
}

void upci_container_put(struct upci_container *c)
{
	kref_put(&c->kref, upci_container_release_kref);
}

struct upci_container *upci_container_from_file(struct file *file)
{
	struct upci_container *c;

	if (file->f_op != &upci_container_fops)
		return ERR_PTR(-EBADFD);
	c = file->private_data;
	kref_get(&c->kref);
	return c;
}

bool upci_container_iommu_set(struct upci_container *c)
{
	bool set;

	mutex_lock(&c->lock);
	set = c->iommu;
	mutex_unlock(&c->lock);
	return set;
}

int upci_container_attach_group(struct upci_container *c,
				struct upci_group *group)
{
	int ret = 0;

	lockdep_assert_held(&group->lock);

	mutex_lock(&c->lock);
	if (c->iommu)
		ret = upci_iommu_attach_group(c->iommu, group->iommu_group);
	if (!ret) {
		list_add_tail(&group->container_next, &c->groups);
		group->container = c;
		kref_get(&c->kref);
	}
	mutex_unlock(&c->lock);
	return ret;
}

void upci_container_detach_group(struct upci_container *c,
				 struct upci_group *group)
{
	lockdep_assert_held(&group->lock);

	mutex_lock(&c->lock);
	if (c->iommu)
		upci_iommu_detach_group(c->iommu, group->iommu_group);
	list_del(&group->container_next);
	group->container = NULL;
	/* The last group takes the IOMMU, and every mapping, with it */
	if (list_empty(&c->groups) && c->iommu) {
		upci_iommu_put(c->iommu);
		c->iommu = NULL;
	}
	mutex_unlock(&c->lock);
	upci_container_put(c);
}

static long upci_container_set_iommu(struct upci_container *c,
				     unsigned long type)
{
	struct upci_iommu *iommu;
	struct upci_group *group;
	unsigned int i;
	long ret;

	for (i = 0; i < ARRAY_SIZE(upci_iommu_types); i++)
		if (upci_iommu_types[i].type == type)
			break;

	mutex_lock(&c->lock);
	/* Only a group brings the privilege to allocate IOMMU resources */
	ret = -EINVAL;
	if (list_empty(&c->groups) || c->iommu)
		goto out_unlock;
	ret = -ENODEV;			/* no backend of that type */
	if (i == ARRAY_SIZE(upci_iommu_types))
		goto out_unlock;

	iommu = upci_iommu_alloc(upci_iommu_types[i].v2);
	if (IS_ERR(iommu)) {
		ret = PTR_ERR(iommu);
		goto out_unlock;
	}
	list_for_each_entry(group, &c->groups, container_next) {
		ret = upci_iommu_attach_group(iommu, group->iommu_group);
		if (ret)
			goto out_detach;
	}
	c->iommu = iommu;
	mutex_unlock(&c->lock);
	return 0;

out_detach:
	list_for_each_entry_continue_reverse(group, &c->groups, container_next)
		upci_iommu_detach_group(iommu, group->iommu_group);
	upci_iommu_put(iommu);
out_unlock:
	mutex_unlock(&c->lock);
	return ret;
}

static long upci_container_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	struct upci_container *c = file->private_data;
	struct upci_iommu *iommu;
	long ret;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return upci_iommu_check_extension(arg);
	case VFIO_SET_IOMMU:
		return upci_container_set_iommu(c, arg);
	default:
		/*
		 * Everything else belongs to the backend, once there is one:
		 * a reference, not the lock, keeps it while the call runs, so
		 * a MAP_DMA waiting on user memory holds up no group's detach.
		 */
		mutex_lock(&c->lock);
		iommu = c->iommu;
		if (iommu)
			upci_iommu_get(iommu);
		mutex_unlock(&c->lock);
		if (!iommu)
			return -EINVAL;
		ret = upci_iommu_ioctl(iommu, cmd, arg);
		upci_iommu_put(iommu);
		return ret;
	}
}

static int upci_container_open(struct inode *inode, struct file *file)
{
	struct upci_container *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	kref_init(&c->kref);
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->groups);
	file->private_data = c;
	return 0;
}

static int upci_container_release(struct inode *inode, struct file *file)
{
	upci_container_put(file->private_data);
	return 0;
}

const struct file_operations upci_container_fops = {
	.owner		= THIS_MODULE,
	.open		= upci_container_open,
	.release	= upci_container_release,
	.unlocked_ioctl	= upci_container_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
