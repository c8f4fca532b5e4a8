/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upci: unprivileged PCI device access behind the IOMMU, speaking the VFIO
 * user API. This header is the contract between the files of the module:
 *
 *   upci_main.c       module init/exit, parameters, the container node
 *   upci_pci.c        the PCI driver (driver_managed_dma, driver_override)
 *   upci_group.c      one object and one char device per IOMMU group
 *   upci_container.c  the container fd: API version, extensions, SET_IOMMU
 *   upci_type1.c      the type1 backend: DMA map/unmap, pinning, accounting
 *   upci_device.c     the device fd: info, regions, read/write/mmap, reset
 *   upci_config.c     config-space virtualization (permission tables)
 *   upci_rdwr.c       BAR and ROM access
 *
 * Lifetimes: a container lives while a container fd or a group in it does.
 * A group object lives while its IOMMU group has a upci device or while its
 * node is open. A device fd keeps its group's container set: the group
 * refuses UNSET_CONTAINER while device fds are open.
 *
 * Locking order: group->lock, then container->lock, then the type1 lock,
 * then udev->lock. Functions named __upci_* expect their object's lock held.
 */
#ifndef UPCI_H
#define UPCI_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <uapi/linux/vfio.h>

#define UPCI_NAME "upci"

/* Module parameters (upci_main.c) */
extern bool upci_vfio_compat;		/* nodes under /dev/vfio instead */
extern unsigned int upci_dma_entry_limit;

/* "upci" or "vfio": the directory of every node under /dev */
const char *upci_node_dir(void);

/* ---- IOMMU backend: type1 (upci_type1.c) ---- */

struct upci_iommu;

/* @v2: VFIO_TYPE1v2_IOMMU semantics (no unmap that splits a mapping) */
struct upci_iommu *upci_iommu_alloc(bool v2);
/* Unmaps, unpins and unaccounts everything; the groups must be detached. */
void upci_iommu_free(struct upci_iommu *iommu);
/* Puts the group in this address space, replaying existing mappings. */
int upci_iommu_attach_group(struct upci_iommu *iommu,
			    struct iommu_group *group);
void upci_iommu_detach_group(struct upci_iommu *iommu,
			     struct iommu_group *group);
/* VFIO_IOMMU_GET_INFO, VFIO_IOMMU_MAP_DMA, VFIO_IOMMU_UNMAP_DMA */
long upci_iommu_ioctl(struct upci_iommu *iommu, unsigned int cmd,
		      unsigned long arg);
/* VFIO_CHECK_EXTENSION answers for the backend's own extensions */
int upci_iommu_check_extension(unsigned long ext);

/* ---- Containers (upci_container.c) ---- */

struct upci_group;

struct upci_container {
	struct kref kref;
	struct mutex lock;		/* groups, iommu */
	struct list_head groups;	/* upci_group.container_next */
	struct upci_iommu *iommu;	/* NULL until SET_IOMMU */
};

extern const struct file_operations upci_container_fops;

/* The container behind a container fd, with a reference; or an ERR_PTR. */
struct upci_container *upci_container_from_file(struct file *file);
void upci_container_put(struct upci_container *c);
int upci_container_attach_group(struct upci_container *c,
				struct upci_group *group);
void upci_container_detach_group(struct upci_container *c,
				 struct upci_group *group);
/* True once SET_IOMMU succeeded: device fds may be handed out. */
bool upci_container_iommu_set(struct upci_container *c);

/* ---- Groups (upci_group.c) ---- */

struct upci_device;

struct upci_group {
	struct kref kref;
	struct iommu_group *iommu_group;
	int id;				/* iommu_group_id() */
	struct device dev;		/* /dev/<dir>/<id> */
	struct cdev cdev;
	struct mutex lock;		/* everything below */
	struct list_head devices;	/* upci_device.group_next */
	struct list_head group_next;	/* the global list of groups */
	struct list_head container_next;
	struct upci_container *container;
	bool opened;			/* the node opens exclusively */
	unsigned int device_fds;	/* open device fds */
};

int upci_groups_init(void);
void upci_groups_exit(void);
/* Probe/remove: find or create the group of udev->pdev and add it. */
int upci_group_add_device(struct upci_device *udev);
void upci_group_remove_device(struct upci_device *udev);
/* A device fd closed: lets UNSET_CONTAINER proceed once none are left. */
void upci_group_device_closed(struct upci_group *group);

/* ---- Devices (upci_device.c, upci_config.c, upci_rdwr.c) ---- */

struct upci_config;			/* upci_config.c's private state */

struct upci_device {
	struct pci_dev *pdev;
	struct upci_group *group;
	struct list_head group_next;
	struct mutex lock;		/* open state, config, BAR maps */
	bool open;			/* a device fd exists (one at a time) */
	struct upci_config *config;
	void __iomem *barmap[PCI_STD_NUM_BARS];
	struct pci_saved_state *saved_state;	/* restored on release */
	bool reset_works;
	struct file *file;		/* the open device fd, for zapping */
};

/* GET_DEVICE_FD: the device's new fd. Called with the group lock held. */
int upci_device_open_fd(struct upci_device *udev);
int upci_device_probe_init(struct upci_device *udev);
void upci_device_remove_fini(struct upci_device *udev);

int upci_config_init(struct upci_device *udev);
void upci_config_free(struct upci_device *udev);
/* Reads and writes at @pos of config space through the permission tables */
ssize_t upci_config_rw(struct upci_device *udev, char __user *buf,
		       size_t count, loff_t pos, bool write);
/* Memory decode as the user sees it (memory BAR access needs it on) */
bool upci_config_memory_enabled(struct upci_device *udev);

ssize_t upci_bar_rw(struct upci_device *udev, int bar, char __user *buf,
		    size_t count, loff_t pos, bool write);
ssize_t upci_rom_read(struct upci_device *udev, char __user *buf,
		      size_t count, loff_t pos);
int upci_bar_mmap(struct upci_device *udev, int bar,
		  struct vm_area_struct *vma);
/* Invalidate every user mapping of the BARs (decode off, reset). */
void upci_bar_zap_mmaps(struct upci_device *udev);

/* ---- The PCI driver (upci_pci.c) ---- */

int upci_pci_init(void);
void upci_pci_exit(void);

/* VFIO's region offsets: the index in the top bits of the file offset */
#define UPCI_OFFSET_SHIFT 40
#define UPCI_OFFSET_TO_INDEX(off) ((off) >> UPCI_OFFSET_SHIFT)
#define UPCI_INDEX_TO_OFFSET(index) ((u64)(index) << UPCI_OFFSET_SHIFT)
#define UPCI_OFFSET_MASK ((1ULL << UPCI_OFFSET_SHIFT) - 1)

#endif /* UPCI_H */
