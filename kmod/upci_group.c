// SPDX-License-Identifier: GPL-2.0
/*
 * upci_group.c: one object and one char device, /dev/<dir>/<id>, per IOMMU
 * group that has at least one upci device. The group is the unit of
 * ownership: opening its node (exclusively) and putting it in a container
 * is what hands its devices to user space.
 *
 * The hard part is that the group's devices are only safe together. The
 * IOMMU cannot tell them apart, so the whole IOMMU group, upci devices and
 * others alike, must stay away from host drivers for as long as any of it is
 * in user hands. SET_CONTAINER therefore claims DMA ownership of the whole
 * IOMMU group (the IOMMU core then refuses to probe any DMA-capable host
 * driver in it, hot-added devices included) and only closing the node or
 * UNSET_CONTAINER gives it back; every device fd holds the node's file, so
 * neither can happen under an open device. The other hard part is three
 * lifetimes that end in any order: the node's file, the upci devices
 * (unbind blocks until the device's fds are gone, as VFIO's does) and the
 * object, which lives on group->dev's refcount.
 *
 * Errnos follow drivers/vfio/group.c of Linux 6.12 except where a comment
 * says otherwise.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <linux/wait.h>

#include "upci.h"

static struct {
	struct mutex lock;		/* list; taken before any group->lock */
	struct list_head list;		/* upci_group.group_next */
	struct ida ida;			/* minors */
	dev_t devt;
} upci_groups;

static const struct file_operations upci_group_fops;

/* upci_group_remove_device() waits here for a device fd to go away */
static DECLARE_WAIT_QUEUE_HEAD(upci_group_wq);

static char *upci_group_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "%s/%s", upci_node_dir(), dev_name(dev));
}

static const struct class upci_group_class = {
	.name = UPCI_NAME,
	.devnode = upci_group_devnode,
};

/* ---- Container membership ---- */

/* Out of the container, then the DMA ownership goes back to the kernel. */
static void __upci_group_detach(struct upci_group *group)
{
	lockdep_assert_held(&group->lock);

	upci_container_detach_group(group->container, group);
	iommu_group_release_dma_owner(group->iommu_group);
}

static int upci_group_set_container(struct upci_group *group,
				    int __user *arg)
{
	struct upci_container *c;
	struct fd f;
	int ret, fd;

	if (get_user(fd, arg))
		return -EFAULT;
	f = fdget(fd);
	if (!fd_file(f))
		return -EBADF;

	mutex_lock(&group->lock);
	ret = -EINVAL;
	if (group->container)
		goto out_unlock;
	ret = -ENODEV;
	if (!group->iommu_group)
		goto out_unlock;
	c = upci_container_from_file(fd_file(f));
	ret = PTR_ERR(c);		/* -EBADFD: not a container */
	if (IS_ERR(c))
		goto out_unlock;

	/* -EPERM while a host driver does DMA in the group */
	ret = iommu_group_claim_dma_owner(group->iommu_group, group);
	if (!ret) {
		ret = upci_container_attach_group(c, group);
		if (ret)
			iommu_group_release_dma_owner(group->iommu_group);
	}
	upci_container_put(c);
out_unlock:
	mutex_unlock(&group->lock);
	fdput(f);
	return ret;
}

static int upci_group_unset_container(struct upci_group *group)
{
	int ret = 0;

	mutex_lock(&group->lock);
	if (!group->container)
		ret = -EINVAL;
	else if (group->device_fds)
		ret = -EBUSY;
	else
		__upci_group_detach(group);
	mutex_unlock(&group->lock);
	return ret;
}

static int upci_group_get_status(struct upci_group *group,
				 struct vfio_group_status __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_group_status, flags);
	struct vfio_group_status status;

	if (copy_from_user(&status, arg, minsz))
		return -EFAULT;
	if (status.argsz < minsz)
		return -EINVAL;

	status.flags = 0;
	mutex_lock(&group->lock);
	if (!group->iommu_group) {
		mutex_unlock(&group->lock);
		return -ENODEV;
	}
	/* Viable: ours already, or no host driver does DMA in the group */
	if (group->container)
		status.flags = VFIO_GROUP_FLAGS_CONTAINER_SET |
			       VFIO_GROUP_FLAGS_VIABLE;
	else if (!iommu_group_dma_owner_claimed(group->iommu_group))
		status.flags = VFIO_GROUP_FLAGS_VIABLE;
	mutex_unlock(&group->lock);

	return copy_to_user(arg, &status, minsz) ? -EFAULT : 0;
}

/* ---- Device fds ---- */

#define UPCI_VF_TOKEN_ARG "vf_token="

/*
 * A device name as vfio-pci matches it: the PCI name, then nothing, or a
 * space and options separated by spaces. The one option is vf_token=UUID,
 * once. A PF takes a token (vfio-pci keeps it for VFs to come: none can
 * while upci holds the PF, so it is not kept); a VF's PF is never upci's,
 * and any other device has no token: -EINVAL for them, as vfio-pci's.
 * 1 for a match, 0 for another device's name, -EINVAL for bad options.
 */
static int upci_device_name_match(struct upci_device *udev, const char *buf)
{
	const char *name = pci_name(udev->pdev);
	size_t len = strlen(name);
	bool vf_token = false;
	uuid_t uuid;

	if (strncmp(name, buf, len))
		return 0;
	buf += len;
	if (*buf && *buf != ' ')
		return 0;
	while (*buf) {
		if (*buf == ' ') {
			buf++;
			continue;
		}
		if (vf_token || strncmp(buf, UPCI_VF_TOKEN_ARG,
					strlen(UPCI_VF_TOKEN_ARG)))
			return -EINVAL;	/* unknown or repeated option */
		buf += strlen(UPCI_VF_TOKEN_ARG);
		if (strlen(buf) < UUID_STRING_LEN || uuid_parse(buf, &uuid))
			return -EINVAL;
		vf_token = true;
		buf += UUID_STRING_LEN;
	}
	if (vf_token && !udev->pdev->is_physfn)
		return -EINVAL;
	return 1;
}

static struct upci_device *__upci_group_find_device(struct upci_group *group,
						    const char *name)
{
	struct upci_device *udev;
	int ret;

	lockdep_assert_held(&group->lock);

	list_for_each_entry(udev, &group->devices, group_next) {
		ret = upci_device_name_match(udev, name);
		if (ret)
			return ret < 0 ? ERR_PTR(ret) : udev;
	}
	return ERR_PTR(-ENODEV);
}

/*
 * No device access before isolation: a device fd only exists while the
 * group sits in a container whose IOMMU is set, and it keeps it so.
 */
static int upci_group_get_device_fd(struct upci_group *group,
				    char __user *arg)
{
	struct upci_device *udev;
	char *name;
	int fd, ret;

	name = strndup_user(arg, PAGE_SIZE);
	if (IS_ERR(name))
		return PTR_ERR(name);

	mutex_lock(&group->lock);
	udev = __upci_group_find_device(group, name);
	if (IS_ERR(udev)) {
		fd = PTR_ERR(udev);
		goto out_unlock;
	}
	/* vfio's order: a free fd before the container */
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto out_unlock;
	if (!group->container ||
	    !upci_container_iommu_set(group->container))
		ret = -EINVAL;
	else
		ret = upci_device_open_fd(udev, fd);
	if (ret < 0) {
		put_unused_fd(fd);
		fd = ret;
	} else {
		/* Released by upci_group_device_closed() */
		udev->group_fds++;
		group->device_fds++;
		get_file(group->opened_file);
	}
out_unlock:
	mutex_unlock(&group->lock);
	kfree(name);
	return fd;
}

void upci_group_device_closed(struct upci_device *udev, unsigned int fds)
{
	struct upci_group *group = udev->group;
	struct file *file;

	mutex_lock(&group->lock);
	if (!WARN_ON(udev->group_fds < fds || group->device_fds < fds)) {
		WRITE_ONCE(udev->group_fds, udev->group_fds - fds);
		group->device_fds -= fds;
	}
	file = group->opened_file;
	mutex_unlock(&group->lock);
	/* From here on udev may be freed by a waiting remove */
	wake_up_all(&upci_group_wq);
	while (fds--)
		fput(file);
}

struct upci_group *upci_group_from_file(struct file *file)
{
	if (file->f_op != &upci_group_fops)
		return NULL;
	return file->private_data;
}

/* ---- The node ---- */

static long upci_group_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct upci_group *group = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_GROUP_GET_STATUS:
		return upci_group_get_status(group, uarg);
	case VFIO_GROUP_SET_CONTAINER:
		return upci_group_set_container(group, uarg);
	case VFIO_GROUP_UNSET_CONTAINER:
		return upci_group_unset_container(group);
	case VFIO_GROUP_GET_DEVICE_FD:
		return upci_group_get_device_fd(group, uarg);
	default:
		return -ENOTTY;
	}
}

static int upci_group_open(struct inode *inode, struct file *file)
{
	struct upci_group *group = container_of(inode->i_cdev,
						struct upci_group, cdev);
	int ret = 0;

	mutex_lock(&group->lock);
	if (!group->iommu_group)
		ret = -ENODEV;		/* its last device just left */
	else if (group->opened_file)
		ret = -EBUSY;
	else
		group->opened_file = file;
	mutex_unlock(&group->lock);
	if (!ret)
		file->private_data = group;
	return ret;
}

static int upci_group_release(struct inode *inode, struct file *file)
{
	struct upci_group *group = file->private_data;

	mutex_lock(&group->lock);
	/* Device fds hold this file: none can be left */
	WARN_ON(group->device_fds);
	if (group->container)
		__upci_group_detach(group);
	group->opened_file = NULL;
	mutex_unlock(&group->lock);
	return 0;
}

static const struct file_operations upci_group_fops = {
	.owner		= THIS_MODULE,
	.open		= upci_group_open,
	.release	= upci_group_release,
	.unlocked_ioctl	= upci_group_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* ---- Groups as upci devices come and go ---- */

static void upci_group_free(struct device *dev)
{
	struct upci_group *group = container_of(dev, struct upci_group, dev);

	if (group->iommu_group)		/* only if creation failed */
		iommu_group_put(group->iommu_group);
	ida_free(&upci_groups.ida, MINOR(dev->devt));
	mutex_destroy(&group->lock);
	kfree(group);
}

static struct upci_group *upci_group_create(struct iommu_group *iommu_group)
{
	struct upci_group *group;
	int minor, ret;

	lockdep_assert_held(&upci_groups.lock);

	group = kzalloc(sizeof(*group), GFP_KERNEL);
	if (!group)
		return ERR_PTR(-ENOMEM);
	minor = ida_alloc_max(&upci_groups.ida, MINORMASK, GFP_KERNEL);
	if (minor < 0) {
		kfree(group);
		return ERR_PTR(minor);
	}

	device_initialize(&group->dev);
	group->dev.devt = MKDEV(MAJOR(upci_groups.devt), minor);
	group->dev.class = &upci_group_class;
	group->dev.release = upci_group_free;
	cdev_init(&group->cdev, &upci_group_fops);
	group->cdev.owner = THIS_MODULE;
	mutex_init(&group->lock);
	INIT_LIST_HEAD(&group->devices);
	INIT_LIST_HEAD(&group->container_next);
	iommu_group_ref_get(iommu_group);
	group->iommu_group = iommu_group;
	group->id = iommu_group_id(iommu_group);

	ret = dev_set_name(&group->dev, "%d", group->id);
	if (!ret)
		ret = cdev_device_add(&group->cdev, &group->dev);
	if (ret) {
		put_device(&group->dev);
		return ERR_PTR(ret);
	}
	list_add_tail(&group->group_next, &upci_groups.list);
	return group;
}

static struct upci_group *upci_group_find(struct iommu_group *iommu_group)
{
	struct upci_group *group;

	lockdep_assert_held(&upci_groups.lock);

	list_for_each_entry(group, &upci_groups.list, group_next)
		if (group->iommu_group == iommu_group)
			return group;
	return NULL;
}

int upci_group_add_device(struct upci_device *udev)
{
	struct iommu_group *iommu_group;
	struct upci_group *group;
	int ret = 0;

	iommu_group = iommu_group_get(&udev->pdev->dev);
	if (!iommu_group)
		return -EINVAL;

	mutex_lock(&upci_groups.lock);
	group = upci_group_find(iommu_group);
	if (!group)
		group = upci_group_create(iommu_group);
	if (IS_ERR(group)) {
		ret = PTR_ERR(group);
	} else {
		mutex_lock(&group->lock);
		list_add_tail(&udev->group_next, &group->devices);
		udev->group = group;
		mutex_unlock(&group->lock);
	}
	mutex_unlock(&upci_groups.lock);
	iommu_group_put(iommu_group);
	return ret;
}

/*
 * As VFIO: block until the device's fds are gone, signalling the REQ
 * eventfd at once and every 10 s. Unlike VFIO the wait is bounded: after
 * req_timeout seconds (0: no bound; VFIO's default in compat mode) the fds
 * are revoked, which releases the device as a last close would; the fds
 * stay open and useless (-ENODEV).
 */
static void upci_group_wait_released(struct upci_device *udev)
{
	unsigned int waited = 0, count = 0, bound, step;

	while (READ_ONCE(udev->group_fds)) {
		bound = upci_req_timeout_s();
		if (bound && waited >= bound) {
			upci_device_revoke(udev, waited);
			/* a racing release finishes instead: wait for it */
			wait_event_idle(upci_group_wq,
					!READ_ONCE(udev->group_fds));
			break;
		}
		upci_irq_request(udev, count++);
		step = bound ? min(10U, bound - waited) : 10;
		if (wait_event_idle_timeout(upci_group_wq,
					    !READ_ONCE(udev->group_fds),
					    step * HZ))
			break;
		waited += step;
		if (bound)
			pci_info(udev->pdev,
				 "in use: unbind waits for its fds to be closed (%us of %us, then revoked)\n",
				 waited, bound);
		else
			pci_info(udev->pdev,
				 "in use: unbind blocked until its fds are closed (%us)\n",
				 waited);
	}
}

/* The last device is gone: no node, no container, no IOMMU group. */
static void upci_group_destroy(struct upci_group *group)
{
	struct iommu_group *iommu_group;

	lockdep_assert_held(&upci_groups.lock);

	list_del(&group->group_next);
	cdev_device_del(&group->cdev, &group->dev);

	mutex_lock(&group->lock);
	if (group->container)
		__upci_group_detach(group);
	iommu_group = group->iommu_group;
	group->iommu_group = NULL;	/* an open node now gets -ENODEV */
	mutex_unlock(&group->lock);

	iommu_group_put(iommu_group);
	put_device(&group->dev);
}

void upci_group_remove_device(struct upci_device *udev)
{
	struct upci_group *group = udev->group;
	bool last;

	mutex_lock(&group->lock);
	list_del_init(&udev->group_next);	/* no new device fd */
	mutex_unlock(&group->lock);

	upci_group_wait_released(udev);

	mutex_lock(&upci_groups.lock);
	mutex_lock(&group->lock);
	last = list_empty(&group->devices);
	mutex_unlock(&group->lock);
	if (last)
		upci_group_destroy(group);
	mutex_unlock(&upci_groups.lock);
}

int upci_groups_init(void)
{
	int ret;

	mutex_init(&upci_groups.lock);
	INIT_LIST_HEAD(&upci_groups.list);
	ida_init(&upci_groups.ida);

	ret = class_register(&upci_group_class);
	if (ret)
		return ret;
	ret = alloc_chrdev_region(&upci_groups.devt, 0, MINORMASK + 1,
				  UPCI_NAME);
	if (ret)
		class_unregister(&upci_group_class);
	return ret;
}

void upci_groups_exit(void)
{
	WARN_ON(!list_empty(&upci_groups.list));
	unregister_chrdev_region(upci_groups.devt, MINORMASK + 1);
	class_unregister(&upci_group_class);
	ida_destroy(&upci_groups.ida);
	mutex_destroy(&upci_groups.lock);
}
