// SPDX-License-Identifier: GPL-2.0
/*
 * upci: the device fd.
 *
 * A VFIO client drives the device through one fd: it asks what regions and
 * interrupts exist, reads and writes them at VFIO's offsets (the region index
 * in bits 40 and up), maps the BARs, and resets the device. Every answer must
 * be the one vfio-pci gives, down to flags, sizes, errnos and the argsz
 * handshake of the info ioctls, or unmodified clients break. The hard part is
 * the device's life around the fd: on open it is enabled, reset and its state
 * saved, before the user can touch it; on the last close (which may be a
 * process dying, or the last munmap) it must stop DMA, lose the user's
 * settings and go back to the host as it was, whatever the user left it in,
 * while a removal of the PCI device waits for that close. Locking: udev->lock
 * (open state, BAR maps, config space) nests inside the group lock and
 * outside udev->memory_lock; no user memory is copied under either.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "upci.h"
#include "upci_trace.h"

/*
 * Every entry point of the fd runs inside a read section of the device's
 * own SRCU and fails with -ENODEV once the fds are revoked:
 * upci_device_revoke() sets dead and waits for the sections in flight
 * before it takes the device away. That wait must be bounded, so no
 * section touches user memory, which a user can make wait forever (a page
 * fault on a userfaultfd range nobody serves): reads and writes go through
 * a kernel buffer filled or emptied outside the section, and ioctls run
 * with page faults disabled, their argument faulted in outside the section
 * and the ioctl retried when a copy finds a page missing.
 */

/*
 * Devices that cannot mask INTx reliably: we show no INTx pin and keep
 * DisINTx set on the device. All i40e (XL710/X710/XXV710) and X550 NICs.
 */
static const struct pci_device_id upci_nointx_ids[] = {
	{ PCI_VDEVICE(INTEL, 0x1572) },
	{ PCI_VDEVICE(INTEL, 0x1574) },
	{ PCI_VDEVICE(INTEL, 0x1580) },
	{ PCI_VDEVICE(INTEL, 0x1581) },
	{ PCI_VDEVICE(INTEL, 0x1583) },
	{ PCI_VDEVICE(INTEL, 0x1584) },
	{ PCI_VDEVICE(INTEL, 0x1585) },
	{ PCI_VDEVICE(INTEL, 0x1586) },
	{ PCI_VDEVICE(INTEL, 0x1587) },
	{ PCI_VDEVICE(INTEL, 0x1588) },
	{ PCI_VDEVICE(INTEL, 0x1589) },
	{ PCI_VDEVICE(INTEL, 0x158a) },
	{ PCI_VDEVICE(INTEL, 0x158b) },
	{ PCI_VDEVICE(INTEL, 0x37d0) },
	{ PCI_VDEVICE(INTEL, 0x37d1) },
	{ PCI_VDEVICE(INTEL, 0x37d2) },
	{ PCI_VDEVICE(INTEL, 0x1563) },		/* X550 */
	{ }
};

/*
 * pci_set_power_state() for devices that lose their config state going
 * through D3hot (No_Soft_Reset clear): save it on the way down, restore it on
 * the way back to D0. Going below D0 needs memory_lock held for writing.
 */
int upci_set_power_state(struct upci_device *udev, pci_power_t state)
{
	struct pci_dev *pdev = udev->pdev;
	bool save = false, restore = false;
	int ret;

	if (state != PCI_D0)
		lockdep_assert_held_write(&udev->memory_lock);
	/* VFs go down with their PF (probe refuses such a PF; stay sure) */
	if (state != PCI_D0 && pci_num_vf(pdev))
		return -EBUSY;

	if (udev->needs_pm_restore) {
		if (!upci_power_d3(pdev->current_state) &&
		    upci_power_d3(state)) {
			pci_save_state(pdev);
			save = true;
		}
		if (upci_power_d3(pdev->current_state) && state == PCI_D0)
			restore = true;
	}

	ret = pci_set_power_state(pdev, state);
	if (ret)
		return ret;

	/* D3 may be refused by a quirk: only keep the state if we got there */
	if (save && upci_power_d3(pdev->current_state)) {
		kfree(udev->pm_save);
		udev->pm_save = pci_store_saved_state(pdev);
	} else if (restore) {
		pci_load_and_free_saved_state(pdev, &udev->pm_save);
		pci_restore_state(pdev);
	}
	return 0;
}

/* ---- Open and last close ---- */

/*
 * Can INTx be masked at the device? In Linux 6.12 the PCI core only
 * knows what it found at enumeration (pci_intx_mask_supported()); a device
 * whose DisINTx stopped working since, or never worked in a way the quirks
 * know, would share a line it cannot mask. So, as the PCI core used to,
 * try it: DisINTx must set and clear. The user cannot reach config space
 * meanwhile. Where it fails INTx is masked at the IRQ, on a line of its
 * own (upci_intrs.c).
 */
static bool upci_disintx_works(struct pci_dev *pdev)
{
	u16 orig, set, clear;

	if (!pci_intx_mask_supported(pdev))
		return false;

	pci_cfg_access_lock(pdev);
	pci_read_config_word(pdev, PCI_COMMAND, &orig);
	pci_write_config_word(pdev, PCI_COMMAND,
			      orig | PCI_COMMAND_INTX_DISABLE);
	pci_read_config_word(pdev, PCI_COMMAND, &set);
	pci_write_config_word(pdev, PCI_COMMAND,
			      orig & ~PCI_COMMAND_INTX_DISABLE);
	pci_read_config_word(pdev, PCI_COMMAND, &clear);
	pci_write_config_word(pdev, PCI_COMMAND, orig);
	pci_cfg_access_unlock(pdev);

	if ((set & PCI_COMMAND_INTX_DISABLE) &&
	    !(clear & PCI_COMMAND_INTX_DISABLE))
		return true;
	pci_info(pdev, "DisINTx does not stick (command %#06x, set %#06x, clear %#06x): INTx will need an exclusive line\n",
		 orig, set, clear);
	return false;
}

/* As vfio-pci enables a device for its first user. udev->lock held. */
static int upci_device_enable(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	u16 flags;
	u32 table;
	int ret;

	lockdep_assert_held(&udev->lock);

	upci_set_power_state(udev, PCI_D0);

	/* the state we save, and restore at the end, must not master */
	pci_clear_master(pdev);

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;

	/* start clean; -EAGAIN means the device lock is taken: give up */
	ret = pci_try_reset_function(pdev);
	trace_upci_reset(pci_name(pdev), "open", ret);
	if (ret == -EAGAIN)
		goto err_disable;
	udev->reset_works = !ret;

	pci_save_state(pdev);
	udev->saved_state = pci_store_saved_state(pdev);
	if (!udev->saved_state)
		pci_dbg(pdev, "couldn't store saved state\n");

	/*
	 * DisINTx masking, unless nointxmask says not to use it: INTx then
	 * needs an exclusive line (upci_intrs.c).
	 */
	udev->nointx = false;
	udev->pci_2_3 = false;
	if (upci_nointxmask) {
		pci_info(pdev, "nointxmask: INTx masked at the IRQ, needs an exclusive line\n");
	} else if (pci_match_id(upci_nointx_ids, pdev)) {
		pci_info(pdev, "Masking broken INTx support\n");
		udev->nointx = true;
		pci_intx(pdev, 0);
	} else {
		udev->pci_2_3 = upci_disintx_works(pdev);
	}

	/*
	 * The user sees INTx unmasked (its virtual DisINTx clear), but the
	 * device's DisINTx stays set until an INTx handler exists
	 * (upci_intrs.c): vfio-pci clears it here, and a device asserting INTx
	 * then has nobody to claim it on a shared line.
	 */
	if (udev->pci_2_3)
		pci_intx(pdev, 0);

	ret = upci_config_init(udev);
	if (ret)
		goto err_free_state;

	if (pdev->msix_cap) {
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE,
				      &table);
		udev->msix_bar = table & PCI_MSIX_TABLE_BIR;
		udev->msix_offset = table & PCI_MSIX_TABLE_OFFSET;
		udev->msix_size = ((flags & PCI_MSIX_FLAGS_QSIZE) + 1) *
				  PCI_MSIX_ENTRY_SIZE;
		udev->has_dyn_msix = pci_msix_can_alloc_dyn(pdev);
	} else {
		udev->msix_bar = -1;
		udev->has_dyn_msix = false;
	}

	upci_bars_init(udev);
	return 0;

err_free_state:
	kfree(udev->saved_state);
	udev->saved_state = NULL;
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * The device goes back as vfio-pci leaves it: no DMA, no mappings, the
 * state saved at open restored, reset if it can be. udev->lock held.
 */
static void upci_device_disable(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct pci_dev *bridge;

	lockdep_assert_held(&udev->lock);

	/* until a function reset below, or a bus reset at the end */
	udev->needs_reset = true;

	/* no more writes from ioeventfds, before anything is taken apart */
	upci_ioeventfds_release(udev);

	/* a reset from D3 would not restore a No_Soft_Reset- device */
	down_write(&udev->memory_lock);
	upci_bar_zap_mmaps(udev);
	upci_set_power_state(udev, PCI_D0);
	up_write(&udev->memory_lock);

	pci_clear_master(pdev);

	/*
	 * Every interrupt off (INTx, MSI, MSI-X: config writes never enable
	 * them, only SET_IRQS), the ERR and REQ eventfds dropped. INTx is
	 * also disabled at the device below, before the reset.
	 */
	upci_irqs_release(udev);

	upci_bars_release(udev);
	upci_config_free(udev);

	/*
	 * Resetting with the current state is better than nothing; saving
	 * and restoring it without a reset is just busy work.
	 */
	if (pci_load_and_free_saved_state(pdev, &udev->saved_state)) {
		pci_info(pdev, "Couldn't reload saved state\n");
		if (!udev->reset_works)
			goto out;
		pci_save_state(pdev);
	}

	/* no INTx and no MSI while it resets, as pci_reset_function() does */
	pci_write_config_word(pdev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);

	/*
	 * Only try the locks: a removal holding the device lock may be
	 * waiting for this very close.
	 */
	if (udev->reset_works) {
		bridge = pci_upstream_bridge(pdev);
		if (bridge && !pci_dev_trylock(bridge)) {
			trace_upci_reset(pci_name(pdev), "release", -EAGAIN);
			goto out_restore;
		}
		if (!pci_dev_trylock(pdev)) {
			trace_upci_reset(pci_name(pdev), "release", -EAGAIN);
		} else {
			int ret = __pci_reset_function_locked(pdev);

			trace_upci_reset(pci_name(pdev), "release", ret);
			if (!ret)
				udev->needs_reset = false;
			pci_dev_unlock(pdev);
		}
		if (bridge)
			pci_dev_unlock(bridge);
	}

out_restore:
	pci_restore_state(pdev);
out:
	pci_disable_device(pdev);
}

/* Drops the shared inode; udev->lock held, the last fd going. */
static struct inode *upci_device_take_inode(struct upci_device *udev)
{
	struct inode *inode;

	down_write(&udev->memory_lock);
	inode = udev->inode;
	udev->inode = NULL;
	up_write(&udev->memory_lock);
	return inode;
}

static int upci_device_release(struct inode *inode, struct file *file)
{
	struct upci_device *udev = file->private_data;
	struct inode *shared = NULL;
	bool revoked, last = false;

	mutex_lock(&udev->lock);
	/* revoked fds were taken care of, and counted, by the revoke */
	revoked = udev->dead;
	if (!--udev->open_count) {
		if (!revoked) {
			upci_device_disable(udev);
			module_put(udev->driver_owner);
			last = true;
		}
		shared = upci_device_take_inode(udev);
	}
	mutex_unlock(&udev->lock);
	iput(shared);
	if (last)
		upci_reset_at_last_close(udev);

	/* a waiting remove may go on */
	if (!revoked)
		upci_group_device_closed(udev, 1);
	upci_device_put(udev);
	return 0;
}

void upci_device_revoke(struct upci_device *udev, unsigned int waited)
{
	struct pci_dev *pdev = udev->pdev;
	unsigned int fds;

	mutex_lock(&udev->lock);
	fds = udev->dead ? 0 : udev->open_count;
	if (fds)
		WRITE_ONCE(udev->dead, true);
	mutex_unlock(&udev->lock);
	if (!fds)
		return;		/* released meanwhile */

	/* no entry point of the fds is still running: take it all away */
	synchronize_srcu(&udev->srcu);

	mutex_lock(&udev->lock);
	upci_device_disable(udev);
	mutex_unlock(&udev->lock);
	module_put(udev->driver_owner);

	pci_warn(pdev, "not released after %us: revoked its %u device fd(s) (mappings, interrupts and bus master gone; they now fail with ENODEV)\n",
		 waited, fds);
	upci_group_device_closed(udev, fds);
}

/* ---- Info ioctls ---- */

/* A capability chain being built for an info ioctl, as vfio builds it */
struct upci_info_caps {
	void *buf;
	size_t size;
};

static int upci_info_add_cap(struct upci_info_caps *caps,
			     struct vfio_info_cap_header *cap, size_t size)
{
	struct vfio_info_cap_header *hdr, *tail;
	size_t len = ALIGN(size, sizeof(u64));	/* keep the next one aligned */
	void *buf;

	buf = krealloc(caps->buf, caps->size + len, GFP_KERNEL);
	if (!buf) {
		kfree(caps->buf);
		caps->buf = NULL;
		caps->size = 0;
		return -ENOMEM;
	}
	caps->buf = buf;

	hdr = buf + caps->size;
	memset(hdr, 0, len);
	memcpy(hdr, cap, size);
	hdr->next = 0;

	/* offsets from the chain's start until shifted for the user */
	for (tail = buf; tail->next; tail = buf + tail->next)
		;
	tail->next = caps->size;
	caps->size += len;
	return 0;
}

/* Make the next offsets relative to the start of the user's struct */
static void upci_info_caps_shift(struct upci_info_caps *caps, size_t offset)
{
	struct vfio_info_cap_header *cap;
	void *buf = caps->buf;

	for (cap = buf; cap->next; cap = buf + cap->next - offset)
		cap->next += offset;
}

/*
 * Append @caps after an info struct of @info_size at @arg: if the user's
 * argsz cannot hold them, raise argsz and leave cap_offset 0; the user asks
 * again. Returns the cap_offset to report, or an errno.
 */
static int upci_info_put_caps(struct upci_info_caps *caps, void __user *arg,
			      size_t info_size, u32 *argsz)
{
	int ret = info_size;

	if (*argsz < info_size + caps->size) {
		*argsz = info_size + caps->size;
		ret = 0;
	} else {
		upci_info_caps_shift(caps, info_size);
		if (copy_to_user(arg + info_size, caps->buf, caps->size))
			ret = -EFAULT;
	}
	kfree(caps->buf);
	return ret;
}

/* AtomicOp completion the root port can route for the device */
static int upci_atomic_cap(struct upci_device *udev,
			   struct upci_info_caps *caps)
{
	struct vfio_device_info_cap_pci_atomic_comp cap = {
		.header.id = VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP,
		.header.version = 1,
	};
	static const struct {
		u32 devcap2;
		u32 flag;
	} sizes[] = {
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP32, VFIO_PCI_ATOMIC_COMP32 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP64, VFIO_PCI_ATOMIC_COMP64 },
		{ PCI_EXP_DEVCAP2_ATOMIC_COMP128, VFIO_PCI_ATOMIC_COMP128 },
	};
	struct pci_dev *pdev = pci_physfn(udev->pdev);
	u32 devcap2;
	int i;

	pcie_capability_read_dword(pdev, PCI_EXP_DEVCAP2, &devcap2);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if ((devcap2 & sizes[i].devcap2) &&
		    !pci_enable_atomic_ops_to_root(pdev, sizes[i].devcap2))
			cap.flags |= sizes[i].flag;
	}
	if (!cap.flags)
		return 0;
	return upci_info_add_cap(caps, &cap.header, sizeof(cap));
}

static int upci_ioctl_get_info(struct upci_device *udev,
			       struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct upci_info_caps caps = { };
	struct vfio_device_info info = { };
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	/* write back no more than the user has room for */
	minsz = min_t(size_t, info.argsz, sizeof(info));

	info.flags = VFIO_DEVICE_FLAGS_PCI;
	if (udev->reset_works)
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;

	ret = upci_atomic_cap(udev, &caps);
	if (ret)
		return ret;

	if (caps.size) {
		info.flags |= VFIO_DEVICE_FLAGS_CAPS;
		ret = upci_info_put_caps(&caps, arg, sizeof(info), &info.argsz);
		if (ret < 0)
			return ret;
		info.cap_offset = ret;
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Is there a ROM image? pci_map_rom() reads its header, so memory decode is
 * turned on around it, with memory_lock keeping BAR users out.
 */
static bool upci_rom_readable(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	void __iomem *io;
	size_t size;
	u16 cmd;

	/* as a ROM read: pci_unmap_rom() turns the decoder off under it */
	mutex_lock(&udev->rom_lock);
	down_write(&udev->memory_lock);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);

	io = pci_map_rom(pdev, &size);
	if (io)
		pci_unmap_rom(pdev, io);

	pci_write_config_word(pdev, PCI_COMMAND, cmd);
	up_write(&udev->memory_lock);
	mutex_unlock(&udev->rom_lock);
	return io;
}

static int upci_ioctl_get_region_info(struct upci_device *udev,
				      struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct pci_dev *pdev = udev->pdev;
	struct upci_info_caps caps = { };
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.offset = UPCI_INDEX_TO_OFFSET(info.index);
		info.size = pdev->cfg_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.offset = UPCI_INDEX_TO_OFFSET(info.index);
		info.size = pci_resource_len(pdev, info.index);
		if (!info.size) {
			info.flags = 0;
			break;
		}
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		if (!udev->bar_mmap_supported[info.index])
			break;
		info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		/*
		 * The MSI-X table may be mapped with the rest of its BAR:
		 * interrupt remapping contains what a write there can do.
		 */
		if (info.index == udev->msix_bar) {
			struct vfio_info_cap_header cap = {
				.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
				.version = 1,
			};

			ret = upci_info_add_cap(&caps, &cap, sizeof(cap));
			if (ret)
				return ret;
		}
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		info.offset = UPCI_INDEX_TO_OFFSET(info.index);
		info.flags = 0;
		/* the BAR's size, not the image's; a shadow ROM is 128 KiB */
		info.size = pci_resource_len(pdev, info.index);
		if (!info.size) {
			if (!(pdev->resource[PCI_ROM_RESOURCE].flags &
			      IORESOURCE_ROM_SHADOW))
				break;
			info.size = 0x20000;
		}
		if (upci_rom_readable(udev))
			info.flags = VFIO_REGION_INFO_FLAG_READ;
		else
			info.size = 0;
		break;
	case VFIO_PCI_VGA_REGION_INDEX:
		/* no VGA support: as vfio-pci for a device without VGA */
	default:
		return -EINVAL;
	}

	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		ret = upci_info_put_caps(&caps, arg, sizeof(info), &info.argsz);
		if (ret < 0)
			return ret;
		info.cap_offset = ret;
	}

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int upci_ioctl_get_irq_info(struct upci_device *udev,
				   struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	/* error reporting exists for PCIe devices only */
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !pci_is_pcie(udev->pdev))
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = upci_irq_count(udev, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX || !udev->has_dyn_msix)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* ---- Other ioctls ---- */

static int upci_ioctl_reset(struct upci_device *udev)
{
	int ret;

	if (!udev->reset_works)
		return -EINVAL;

	mutex_lock(&udev->lock);
	down_write(&udev->memory_lock);
	upci_bar_zap_mmaps(udev);
	/* from D3 a No_Soft_Reset- device would lose its restored state */
	upci_set_power_state(udev, PCI_D0);
	ret = pci_try_reset_function(udev->pdev);
	up_write(&udev->memory_lock);
	mutex_unlock(&udev->lock);
	return ret;
}

/*
 * VFIO_DEVICE_FEATURE: the header is checked as vfio checks it. Every
 * feature is -ENOTTY, which is vfio-pci's answer for a device without
 * migration (MIGRATION, MIG_DEVICE_STATE, MIG_DATA_SIZE, the DMA_LOGGING
 * ones) and without SR-IOV (PCI_VF_TOKEN): the probes QEMU and DPDK make
 * at start-up. vfio-pci also offers the LOW_POWER ones (runtime PM), which
 * upci does not (an intended difference, tests/guest/vfio_feature.c).
 */
static int upci_ioctl_feature(struct upci_device *udev,
			      struct vfio_device_feature __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (copy_from_user(&feature, arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK |
			      VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	/* GET and SET together only with PROBE */
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	return -ENOTTY;
}

static long __upci_device_ioctl(struct upci_device *udev, unsigned int cmd,
				unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long ret;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return upci_ioctl_get_info(udev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return upci_ioctl_get_region_info(udev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return upci_ioctl_get_irq_info(udev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return upci_ioctl_set_irqs(udev, uarg);
	case VFIO_DEVICE_RESET:
		ret = upci_ioctl_reset(udev);
		trace_upci_reset(pci_name(udev->pdev), "function", ret);
		return ret;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		return upci_ioctl_hot_reset_info(udev, uarg);
	case VFIO_DEVICE_PCI_HOT_RESET:
		return upci_ioctl_hot_reset(udev, uarg);
	case VFIO_DEVICE_FEATURE:
		return upci_ioctl_feature(udev, uarg);
	case VFIO_DEVICE_IOEVENTFD:
		return upci_ioctl_ioeventfd(udev, uarg);
	default:
		return -ENOTTY;
	}
}

/* The argument's bytes a device ioctl may touch: argsz, within reason */
#define UPCI_IOCTL_ARG_MAX	SZ_1M

/*
 * Bring the ioctl argument's pages in, readable (@writable: and writable),
 * with nothing held. VFIO's device ioctls take a struct whose first u32 is
 * argsz and touch [arg, arg + argsz), except HOT_RESET, which reads its
 * count group fds whatever argsz says (as vfio-pci).  Bytes that cannot be
 * brought in are fine as long as some could: the ioctl may not need them.
 * 0, or -EFAULT.
 */
static int upci_fault_in_arg(unsigned int cmd, void __user *arg,
			     bool writable)
{
	struct vfio_pci_hot_reset __user *reset = arg;
	u32 argsz, count;
	size_t len;

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	len = argsz;
	if (cmd == VFIO_DEVICE_PCI_HOT_RESET) {
		if (get_user(count, &reset->count))
			return -EFAULT;
		len = max_t(size_t, len, offsetof(struct vfio_pci_hot_reset,
						  group_fds) +
					 (size_t)count * sizeof(s32));
	}
	len = clamp_t(size_t, len, sizeof(argsz), UPCI_IOCTL_ARG_MAX);
	if (writable)
		return fault_in_safe_writeable(arg, len) == len ? -EFAULT : 0;
	return fault_in_readable(arg, len) == len ? -EFAULT : 0;
}

static long upci_device_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct upci_device *udev = file->private_data;
	long ret;
	int idx, tries;

	/* an -EFAULT with the argument faulted in both ways is the user's */
	for (tries = 0; ; tries++) {
		idx = srcu_read_lock(&udev->srcu);
		if (READ_ONCE(udev->dead)) {
			ret = -ENODEV;
		} else {
			pagefault_disable();
			ret = __upci_device_ioctl(udev, cmd, arg);
			pagefault_enable();
		}
		srcu_read_unlock(&udev->srcu, idx);
		/* pages may go again (reclaim, migration): a few rounds */
		if (ret != -EFAULT || tries == 8 || fatal_signal_pending(current))
			return ret;
		if (upci_fault_in_arg(cmd, (void __user *)arg, tries & 1))
			return -EFAULT;
	}
}

/* ---- read, write, mmap ---- */

/* One access of the region at @pos, from or into the kernel buffer @buf */
static ssize_t upci_region_rw(struct upci_device *udev, u64 index, char *buf,
			      size_t count, loff_t pos, bool write)
{
	ssize_t ret;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		ret = upci_config_rw(udev, buf, count, pos, write);
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		ret = write ? -EINVAL : upci_rom_read(udev, buf, count, pos);
		break;
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		ret = upci_bar_rw(udev, index, buf, count, pos, write);
		break;
	default:	/* VGA: there is none */
		ret = -EINVAL;
		break;
	}
	return ret;
}

/* Small accesses (config space, registers) bounce on the stack */
#define UPCI_RW_STACK	64

/*
 * The user's buffer is copied outside the device's SRCU section, a page at
 * a time: the device is accessed in the section, from or into a kernel
 * buffer. An error ends the transfer with that error, as before.
 */
static ssize_t upci_device_rw(struct upci_device *udev, char __user *ubuf,
			      size_t count, loff_t *ppos, bool write)
{
	u64 index = UPCI_OFFSET_TO_INDEX((u64)*ppos);
	loff_t pos = *ppos & UPCI_OFFSET_MASK;
	char stackbuf[UPCI_RW_STACK], *buf = stackbuf;
	size_t done = 0, chunk;
	ssize_t ret = 0;
	int idx;

	if (!count)
		return 0;
	if (*ppos < 0 || index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	chunk = min_t(size_t, count, PAGE_SIZE);
	if (chunk > sizeof(stackbuf)) {
		buf = kmalloc(chunk, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	while (done < count) {
		size_t n = min(chunk, count - done);

		if (write && copy_from_user(buf, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		idx = srcu_read_lock(&udev->srcu);
		ret = READ_ONCE(udev->dead) ? -ENODEV :
		      upci_region_rw(udev, index, buf, n, pos + done, write);
		srcu_read_unlock(&udev->srcu, idx);
		if (ret <= 0)
			break;
		if (!write && copy_to_user(ubuf + done, buf, ret)) {
			ret = -EFAULT;
			break;
		}
		done += ret;
		if (ret < n)
			break;
	}
	if (buf != stackbuf)
		kfree(buf);
	if (ret < 0)
		return ret;
	*ppos += done;
	return done;
}

static ssize_t upci_device_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	return upci_device_rw(file->private_data, buf, count, ppos, false);
}

static ssize_t upci_device_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	return upci_device_rw(file->private_data, (char __user *)buf, count,
			      ppos, true);
}

static int __upci_device_mmap(struct upci_device *udev,
			      struct vm_area_struct *vma)
{
	unsigned long index = vma->vm_pgoff >> (UPCI_OFFSET_SHIFT - PAGE_SHIFT);

	if (index >= VFIO_PCI_NUM_REGIONS || vma->vm_end < vma->vm_start)
		return -EINVAL;
	/* a private copy of device memory means nothing */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* BARs only: not the ROM, config space or VGA */
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	return upci_bar_mmap(udev, index, vma);
}

static int upci_device_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct upci_device *udev = file->private_data;
	int ret = -ENODEV;
	int idx;

	idx = srcu_read_lock(&udev->srcu);
	if (!READ_ONCE(udev->dead))
		ret = __upci_device_mmap(udev, vma);
	srcu_read_unlock(&udev->srcu, idx);
	return ret;
}

static const struct file_operations upci_device_fops = {
	.owner		= THIS_MODULE,
	.release	= upci_device_release,
	.read		= upci_device_read,
	.write		= upci_device_write,
	.unlocked_ioctl	= upci_device_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= upci_device_mmap,
};

/*
 * The first fd: the device is enabled, and the fd gets an inode of its
 * own, not the shared anon inode, whose address_space every later fd
 * shares (f_mapping, as VFIO's device inode): it holds exactly this
 * device's BAR mappings, for upci_bar_zap_mmaps().
 */
static struct file *upci_device_first_file(struct upci_device *udev)
{
	struct module *owner = udev->pdev->dev.driver->owner;
	struct file *file;
	int ret;

	/*
	 * As VFIO: the PCI driver's module (upci, or vfio-pci.ko in compat
	 * mode) cannot go while the device is the user's; its unload would
	 * wait for the user in remove instead of failing at once.
	 */
	if (!try_module_get(owner))
		return ERR_PTR(-ENODEV);
	ret = upci_device_enable(udev);
	if (ret) {
		module_put(owner);
		return ERR_PTR(ret);
	}
	file = anon_inode_create_getfile("[upci-device]", &upci_device_fops,
					 udev, O_RDWR, NULL);
	if (IS_ERR(file)) {
		upci_device_disable(udev);
		module_put(owner);
		return file;
	}
	udev->driver_owner = owner;
	down_write(&udev->memory_lock);
	udev->inode = file_inode(file);
	ihold(udev->inode);
	up_write(&udev->memory_lock);
	return file;
}

int upci_device_open_fd(struct upci_device *udev, int fd)
{
	struct file *file;

	mutex_lock(&udev->lock);
	if (!udev->open_count) {
		file = upci_device_first_file(udev);
	} else {
		file = anon_inode_getfile("[upci-device]", &upci_device_fops,
					  udev, O_RDWR);
		if (!IS_ERR(file))
			file->f_mapping = udev->inode->i_mapping;
	}
	if (IS_ERR(file)) {
		mutex_unlock(&udev->lock);
		return PTR_ERR(file);
	}
	/* pread and pwrite at the region offsets */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;

	udev->open_count++;
	kref_get(&udev->kref);		/* put by the fd's release */
	mutex_unlock(&udev->lock);

	fd_install(fd, file);
	return fd;
}

/* ---- Probe and remove ---- */

int upci_device_probe_init(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	u16 pmcsr;
	int ret;

	ret = init_srcu_struct(&udev->srcu);
	if (ret)
		return ret;
	kref_init(&udev->kref);
	pci_dev_get(pdev);
	mutex_init(&udev->lock);
	init_rwsem(&udev->memory_lock);
	mutex_init(&udev->rom_lock);
	INIT_LIST_HEAD(&udev->dummy_resources);
	INIT_LIST_HEAD(&udev->reset_next);
	upci_irqs_init(udev);
	upci_ioeventfds_init(udev);
	udev->msix_bar = -1;

	if (pdev->pm_cap) {
		pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &pmcsr);
		udev->needs_pm_restore = !(pmcsr & PCI_PM_CTRL_NO_SOFT_RESET);
	}

	/*
	 * The PCI core leaves an unbound device in an unknown power state,
	 * from which only D0 is a valid transition.
	 */
	upci_set_power_state(udev, PCI_D0);

	/* what GET_INFO reports; the reset at each open confirms it */
	udev->reset_works = pdev->reset_methods[0] != 0;
	return 0;
}

/* After upci_group_remove_device(): the device fds are gone or revoked. */
void upci_device_remove_fini(struct upci_device *udev)
{
	WARN_ON(udev->open_count && !udev->dead);
	kfree(udev->pm_save);
	udev->pm_save = NULL;
}

static void upci_device_free(struct kref *kref)
{
	struct upci_device *udev = container_of(kref, struct upci_device,
						kref);

	cleanup_srcu_struct(&udev->srcu);
	xa_destroy(&udev->irq_ctx);
	mutex_destroy(&udev->igate);
	mutex_destroy(&udev->lock);
	pci_dev_put(udev->pdev);
	kfree(udev);
}

void upci_device_put(struct upci_device *udev)
{
	kref_put(&udev->kref, upci_device_free);
}
