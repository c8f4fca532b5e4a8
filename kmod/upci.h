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
 *   upci_intrs.c      SET_IRQS: INTx, MSI, MSI-X, the ERR and REQ eventfds
 *   upci_virqfd.c     eventfds the kernel watches (INTx unmask, ioeventfds)
 *   upci_ioeventfd.c  VFIO_DEVICE_IOEVENTFD: eventfd signals as BAR writes
 *   upci_reset.c      hot reset: GET_PCI_HOT_RESET_INFO, PCI_HOT_RESET
 *   upci_compat_*.c   vfio.ko and vfio-pci.ko: VFIO's names, for compat mode
 *
 * Lifetimes: a container lives while a container fd or a group in it does.
 * A group object lives while its IOMMU group has a upci device or while its
 * node is open (its refcount is group->dev's). A device fd keeps its group's
 * container set: it holds the group's file, so the group refuses
 * UNSET_CONTAINER while device fds are open and cannot be released under
 * them. A device has as many fds as asked, as in VFIO. Unbinding a device
 * from upci signals the REQ eventfd and waits for its device fds to be
 * released, for req_timeout seconds at most; then they are revoked
 * (upci_device_revoke()) and every later use of them fails with -ENODEV.
 * The udev itself is refcounted: the PCI driver and each open (or revoked)
 * device fd hold a reference.
 *
 * Locking order, outermost first (lockdep on the sanitizer kernel checks it
 * under every scenario of make sanitize):
 *
 *  1. the driver core's device_lock (held around probe and remove), then
 *     upci_groups.lock (the groups list, upci_group.c), then group->lock,
 *     then container->lock, then the type1 lock (upci_type1.c);
 *  2. mmap_lock: under the type1 lock only to give locked_vm back (MAP_DMA
 *     pins and charges with no upci lock held, the mapping marked
 *     "pinning"); following another device's BAR mapping takes that
 *     device's memory_lock under it, in its fault handler;
 *  3. udev->lock, then udev->igate or udev->ioeventfds_lock, then
 *     udev->memory_lock, then udev->irqlock (a spinlock, also taken in the
 *     INTx handler).  udev->rom_lock is taken before memory_lock and under
 *     none of the others;
 *  4. udev->srcu, per device: every entry point of a device fd (ioctl,
 *     read, write, mmap) runs in its read section, entered before any lock
 *     of 3 and never around a copy to or from user memory (bounce buffers;
 *     ioctls copy with page faults disabled and retry outside).  Revocation
 *     waits for it (synchronize_srcu) holding no upci lock, so no user's
 *     memory can hold a revocation up;
 *  5. upci_reset.c's registry lock is taken under none of these; a hot
 *     reset holds it while it trylocks each affected device's udev->lock
 *     and memory_lock.
 *
 * udev->lock, igate and ioeventfds_lock are held while the virqfd
 * workqueue is flushed, whose work items take any device's memory_lock and
 * nothing above it.  Functions named __upci_* expect their object's lock
 * held.
 */
#ifndef UPCI_H
#define UPCI_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/xarray.h>
#include <uapi/linux/vfio.h>

#define UPCI_NAME "upci"

/* Module parameters (upci_main.c) */
extern bool upci_vfio_compat;		/* nodes under /dev/vfio instead */
extern unsigned int upci_dma_entry_limit;
extern bool upci_allow_unsafe_interrupts;
extern bool upci_nointxmask;		/* no DisINTx masking: exclusive INTx */
extern int upci_req_timeout;		/* the parameter; use upci_req_timeout_s() */
/* Seconds an unbind waits before revoking; 0: forever */
unsigned int upci_req_timeout_s(void);

/* "upci" or "vfio": the directory of every node under /dev */
const char *upci_node_dir(void);
/* 0 with vfio_compat=1; else -EINVAL, saying that @what needs it */
int upci_compat_required(const char *what);

/* ---- IOMMU backend: type1 (upci_type1.c) ---- */

struct upci_iommu;

/* @v2: VFIO_TYPE1v2_IOMMU semantics (no unmap that splits a mapping) */
struct upci_iommu *upci_iommu_alloc(bool v2);
/*
 * Refcounted: the container holds a reference while it has groups, and a
 * backend ioctl one while it runs (a MAP_DMA may wait on the user's memory
 * as long as the user likes, so it holds no container lock). The last put
 * unmaps, unpins and unaccounts everything; the groups must be detached.
 */
void upci_iommu_get(struct upci_iommu *iommu);
void upci_iommu_put(struct upci_iommu *iommu);
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
	struct iommu_group *iommu_group; /* NULL once the last device left */
	int id;				/* iommu_group_id() */
	struct device dev;		/* /dev/<dir>/<id>; the refcount */
	struct cdev cdev;
	struct mutex lock;		/* everything below */
	struct list_head devices;	/* upci_device.group_next */
	struct list_head group_next;	/* the global list of groups */
	struct list_head container_next;
	struct upci_container *container;
	struct file *opened_file;	/* the node opens exclusively */
	unsigned int device_fds;	/* open device fds */
};

int upci_groups_init(void);
void upci_groups_exit(void);
/* Probe: find or create the group of udev->pdev and add udev to it. */
int upci_group_add_device(struct upci_device *udev);
/*
 * Remove: no new device fd for udev, then wait (uninterruptibly) until its
 * device fds are released; the last device of a group detaches the group
 * from its container and deletes the node.
 */
void upci_group_remove_device(struct upci_device *udev);
/*
 * @fds device fds of udev are gone: a release, as its very last step (the
 * device is quiesced if it was the last), or a revoke of them all. No
 * udev->lock is held. Drops the fds' holds on the group file (and so on the
 * container and the DMA ownership) and wakes a waiting
 * upci_group_remove_device(): udev may be freed once this returns.
 */
void upci_group_device_closed(struct upci_device *udev, unsigned int fds);
/* The group behind a group fd (no reference taken), or NULL */
struct upci_group *upci_group_from_file(struct file *file);

/* ---- Devices (upci_device.c, upci_config.c, upci_rdwr.c) ---- */

struct upci_config;			/* upci_config.c's private state */
struct upci_eventfd;			/* upci_intrs.c: an RCU-freed eventfd */

struct upci_device {
	struct kref kref;		/* the PCI driver's, the device fd's */
	struct pci_dev *pdev;		/* a reference, for a revoked fd */
	struct upci_group *group;
	struct list_head group_next;
	unsigned int group_fds;		/* upci_group.c, under group->lock */
	struct mutex lock;		/* open state, config, BAR maps */
	unsigned int open_count;	/* device fds, revoked ones included */
	struct module *driver_owner;	/* held while the device is enabled */
	bool dead;			/* the fds were revoked: -ENODEV for all */
	struct srcu_struct srcu;	/* the fds' entry points, for revoke */
	struct upci_config *config;
	void __iomem *barmap[PCI_STD_NUM_BARS];
	struct pci_saved_state *saved_state;	/* restored on release */
	bool reset_works;
	bool needs_reset;		/* closed without a function reset */
	/*
	 * The first fd's inode, shared by every fd of the device (their
	 * f_mapping): its address_space holds all their BAR mappings, for
	 * zapping. Set and cleared under udev->lock and memory_lock (w).
	 */
	struct inode *inode;
	/* upci_device.c, upci_config.c, upci_rdwr.c */
	struct rw_semaphore memory_lock; /* memory decode vs BAR access */
	struct mutex rom_lock;		/* ROM map, read, unmap: one at a time */
	int msix_bar;			/* -1: no MSI-X */
	u32 msix_offset, msix_size;	/* the MSI-X table in that BAR */
	bool has_dyn_msix;		/* MSI-X vectors can be added live */
	bool pci_2_3;			/* INTx can be masked at the device */
	bool nointx;			/* broken INTx masking: INTx hidden */
	bool needs_pm_restore;		/* D3hot loses the config state */
	struct pci_saved_state *pm_save; /* that state, while in D3hot */
	bool bar_mmap_supported[PCI_STD_NUM_BARS];
	struct list_head dummy_resources; /* pages under sub-page BARs */
	struct list_head reset_next;	/* upci_reset.c's registry */
	/* upci_intrs.c; upci_config.c reads the first three */
	struct mutex igate;		/* interrupt setup, below */
	int irq_type;			/* VFIO_PCI_*_IRQ_INDEX; NUM_IRQS: none */
	u8 msi_qmax;			/* log2 of the MSI vectors enabled */
	bool virq_disabled;		/* the user's (virtual) DisINTx bit */
	struct xarray irq_ctx;		/* struct upci_irq_ctx, by vector */
	spinlock_t irqlock;		/* INTx masked state vs its handler */
	struct upci_eventfd __rcu *err_trigger;	/* under igate, RCU */
	struct upci_eventfd __rcu *req_trigger;
	/* upci_ioeventfd.c */
	struct mutex ioeventfds_lock;	/* the list and its count */
	struct list_head ioeventfds;
	unsigned int ioeventfds_nr;
};

/*
 * GET_DEVICE_FD: a new fd of the device (O_CLOEXEC). As VFIO, a device has
 * as many fds as asked: the first enables it, the last close disables it,
 * and all share its state. Called with the group lock held, once the group
 * has checked its container and IOMMU; on success group.c counts the fd
 * and makes it hold the group file until upci_group_device_closed().
 * FD is reserved by the caller (before the container check, as vfio's
 * order of errors is); installed on success, left to the caller on error.
 */
int upci_device_open_fd(struct upci_device *udev, int fd);
/*
 * upci_pci.c allocates udev zeroed with ->pdev set; probe_init sets up the
 * rest (udev->lock included) before upci_group_add_device(). On remove,
 * upci_group_remove_device() returns once the device fds are released, then
 * remove_fini undoes probe_init and upci_pci.c frees udev. Remove holds the
 * PCI device lock: the fd's release must not wait for it (reset with
 * pci_dev_trylock() or pci_try_reset_function(), as vfio-pci does).
 */
int upci_device_probe_init(struct upci_device *udev);
void upci_device_remove_fini(struct upci_device *udev);
void upci_device_put(struct upci_device *udev);
/*
 * Remove gave up waiting: take the device away from its fds as their last
 * release would (no interrupts, no mappings, no bus master, state
 * restored), mark them dead and drop their holds on the group. The fds
 * live on, useless.
 */
void upci_device_revoke(struct upci_device *udev, unsigned int waited);
/* pci_set_power_state() keeping the state; below D0: memory_lock (w) */
int upci_set_power_state(struct upci_device *udev, pci_power_t state);
/* D3hot, D3cold or unknown: the BARs do not decode */
static inline bool upci_power_d3(pci_power_t state)
{
	return (__force int)state >= (__force int)PCI_D3hot;
}

int upci_config_init(struct upci_device *udev);
void upci_config_free(struct upci_device *udev);
/* Reads and writes at @pos of config space through the permission tables */
ssize_t upci_config_rw(struct upci_device *udev, char *buf,
		       size_t count, loff_t pos, bool write);
/* Memory decode as the user sees it (BAR access needs it); memory_lock */
bool upci_config_memory_enabled(struct upci_device *udev);
/* The virtual interrupt pin: 0 when INTx is hidden */
u8 upci_config_irq_pin(struct upci_device *udev);

ssize_t upci_bar_rw(struct upci_device *udev, int bar, char *buf,
		    size_t count, loff_t pos, bool write);
ssize_t upci_rom_read(struct upci_device *udev, char *buf,
		      size_t count, loff_t pos);
int upci_bar_mmap(struct upci_device *udev, int bar,
		  struct vm_area_struct *vma);
/* A vma of upci_bar_mmap(): a BAR of a upci device */
bool upci_vma_is_bar(const struct vm_area_struct *vma);
/* Request and iomap a BAR for the kernel's own accesses (udev->barmap) */
int upci_bar_map(struct upci_device *udev, int bar);
/*
 * Invalidate every user mapping of the BARs (decode off, reset), with
 * udev->memory_lock held for writing.
 */
void upci_bar_zap_mmaps(struct upci_device *udev);
/* Open: which BARs may be mmapped. Release: unmap and release them all. */
void upci_bars_init(struct upci_device *udev);
void upci_bars_release(struct upci_device *udev);

/* ---- Interrupts (upci_intrs.c) ---- */

int upci_intrs_init(void);
void upci_intrs_exit(void);
/* probe: locks and state; open: no interrupt in use */
void upci_irqs_init(struct upci_device *udev);
/* GET_IRQ_INFO's count for @index: the bound SET_IRQS checks against */
u32 upci_irq_count(struct upci_device *udev, u32 index);
long upci_ioctl_set_irqs(struct upci_device *udev,
			 struct vfio_irq_set __user *arg);
/* Release: every interrupt off, the ERR and REQ eventfds dropped */
void upci_irqs_release(struct upci_device *udev);
/* The virtual DisINTx bit changed (upci_config.c), udev->lock held */
void upci_intx_virq_set(struct upci_device *udev, bool disabled);
/* The host wants the device back: the REQ eventfd, the @count'th time */
void upci_irq_request(struct upci_device *udev, unsigned int count);
/* An AER error was detected: the ERR eventfd */
void upci_irq_error(struct upci_device *udev);

/* ---- Eventfds the kernel watches (upci_virqfd.c) ---- */

struct upci_virqfd;

int upci_virqfd_init(void);
void upci_virqfd_exit(void);
/*
 * Watch eventfd @fd: each signal runs @handler(@opaque) in the eventfd's
 * wakeup (atomic: trylocks only), and @thread(@opaque) from a work item if
 * the handler returns nonzero (or there is no handler). *@pvirqfd must be
 * NULL (-EBUSY otherwise) and points at the virqfd until it is disabled or
 * the eventfd is closed.
 */
int upci_virqfd_enable(void *opaque, int (*handler)(void *opaque),
		       void (*thread)(void *opaque),
		       struct upci_virqfd **pvirqfd, int fd);
/* Stop watching; no handler or thread runs once this returns. */
void upci_virqfd_disable(struct upci_virqfd **pvirqfd);
/* Wait for a thread queued by the virqfd to finish */
void upci_virqfd_flush_thread(struct upci_virqfd **pvirqfd);

/* ---- ioeventfds (upci_ioeventfd.c) ---- */

void upci_ioeventfds_init(struct upci_device *udev);
long upci_ioctl_ioeventfd(struct upci_device *udev,
			  struct vfio_device_ioeventfd __user *arg);
/* Last close or revoke, before the BARs are unmapped: every one gone */
void upci_ioeventfds_release(struct upci_device *udev);

/* ---- Hot reset (upci_reset.c) ---- */

void upci_reset_register(struct upci_device *udev);
void upci_reset_unregister(struct upci_device *udev);
void upci_reset_at_last_close(struct upci_device *udev);
long upci_ioctl_hot_reset_info(struct upci_device *udev,
			       struct vfio_pci_hot_reset_info __user *arg);
long upci_ioctl_hot_reset(struct upci_device *udev,
			  struct vfio_pci_hot_reset __user *arg);

/* ---- The PCI driver (upci_pci.c) ---- */

int upci_pci_init(void);
void upci_pci_exit(void);
/* Registers @drv as upci's PCI driver under its own name (compat only) */
int upci_pci_register_as(struct pci_driver *drv, struct module *owner,
			 const char *mod_name);

/* VFIO's region offsets: the index in the top bits of the file offset */
#define UPCI_OFFSET_SHIFT 40
#define UPCI_OFFSET_TO_INDEX(off) ((off) >> UPCI_OFFSET_SHIFT)
#define UPCI_INDEX_TO_OFFSET(index) ((u64)(index) << UPCI_OFFSET_SHIFT)
#define UPCI_OFFSET_MASK ((1ULL << UPCI_OFFSET_SHIFT) - 1)

#endif /* UPCI_H */
