// SPDX-License-Identifier: GPL-2.0
/*
 * upci_intrs.c: VFIO_DEVICE_SET_IRQS. The device's interrupts reach the user
 * as eventfd signals: INTx, MSI and MSI-X vectors, AER errors (ERR) and the
 * host's request to have the device back (REQ).
 *
 * INTx is the dangerous one. A level interrupt that nobody services fires
 * forever, and the user services it whenever it likes. So the handler masks
 * INTx the moment it fires and the user unmasks it after servicing (UNMASK,
 * directly or through an eventfd the kernel watches, upci_virqfd.c).
 * Where the device implements the PCI 2.3 DisINTx bit the line may be
 * shared: the handler asks the device (check-and-mask) and returns IRQ_NONE
 * when the interrupt is someone else's. Without DisINTx, masking happens at
 * the interrupt controller, which only works on a line of our own: the line
 * is requested exclusively and a conflict is an error. An unmask finds the
 * interrupt still pending and signals the user again instead of letting it
 * fire. The user's DisINTx bit in config space (virtual, upci_config.c)
 * masks too, and both masks must agree: udev->virq_disabled is the user's,
 * ctx->masked the one in force, and unmask only unmasks when both allow it.
 *
 * A device that ignores DisINTx (it keeps INTx asserted while masked) cannot
 * be silenced by the host at all. The handler notices it (the line fires
 * while we have it masked, the device says it is asserting and its DisINTx
 * reads back clear), says so once, naming the device and the IRQ, and
 * returns IRQ_NONE: the kernel's spurious-interrupt detection then disables
 * the line and polls its handlers ten times a second, so the host stays up
 * and a device sharing the line keeps being served, slowly. The same check
 * re-masks a device whose DisINTx was cleared behind our back (a config
 * write racing with the handler): that one is ours and is handled.
 *
 * MSI and MSI-X are per-vector eventfds, set up in the order the hardware
 * needs: vectors allocated (MSI-X dynamically where the platform can add
 * them later), each one's message written to the device before its handler
 * is installed, memory decode on while the MSI-X table is touched. Only one
 * of INTx, MSI and MSI-X is in use at a time.
 *
 * The MSI-X table is the user's to map (REGION_INFO says MSIX_MAPPABLE) but
 * not to program: read/write on the fd skip it (upci_rdwr.c), and whatever
 * the user writes there through an mmap is overwritten with the host's
 * message each time a vector is set up here. What keeps a message the user
 * wrote anyway (through the mapping, or by DMA) from reaching an arbitrary
 * address or vector is interrupt remapping: the IOMMU only lets the device's
 * requester ID raise the interrupts the host programmed in the remapping
 * table for it. This is VFIO's position too (it lets the table be mmapped
 * when IRQ remapping isolates devices); upci has no other defense, so it is
 * meant for hosts with interrupt remapping.
 *
 * Errnos and argument checks are vfio-pci's (drivers/vfio/pci/
 * vfio_pci_intrs.c, vfio_set_irqs_validate_and_prepare()). Locking:
 * udev->igate serializes setup (it nests inside udev->lock, for the config
 * path, and outside memory_lock); udev->irqlock orders the INTx masked state
 * against the handler; ERR and REQ eventfds are RCU pointers replaced under
 * igate, so the AER and remove paths signal them without a lock.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "upci.h"
#include "upci_trace.h"

#define UPCI_IRQ_NONE	VFIO_PCI_NUM_IRQS

struct upci_eventfd {
	struct eventfd_ctx *ctx;
	struct rcu_head rcu;
};

struct upci_virqfd;

/* One interrupt: INTx at index 0, or one MSI/MSI-X vector */
struct upci_irq_ctx {
	struct upci_device *udev;
	struct eventfd_ctx *trigger;
	struct upci_virqfd *unmask;	/* INTx: the unmask eventfd */
	char *name;
	bool masked;			/* INTx: masked, under irqlock */
	bool set_unlazy;		/* INTx: we set IRQ_DISABLE_UNLAZY */
	bool screaming;			/* INTx: reported ignoring DisINTx */
};

static bool upci_is_intx(struct upci_device *udev)
{
	return READ_ONCE(udev->irq_type) == VFIO_PCI_INTX_IRQ_INDEX;
}

static struct upci_irq_ctx *upci_irq_ctx_alloc(struct upci_device *udev,
					       unsigned long index)
{
	struct upci_irq_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	if (xa_insert(&udev->irq_ctx, index, ctx, GFP_KERNEL_ACCOUNT)) {
		kfree(ctx);
		return NULL;
	}
	ctx->udev = udev;
	return ctx;
}

static void upci_irq_ctx_free(struct upci_device *udev,
			      struct upci_irq_ctx *ctx, unsigned long index)
{
	xa_erase(&udev->irq_ctx, index);
	kfree(ctx);
}

/* The unmask eventfd's actions (upci_virqfd.c): unmask, then re-signal */
static int upci_intx_unmask_handler(struct upci_device *udev,
				    struct upci_irq_ctx *ctx);
static void upci_intx_signal(struct upci_device *udev,
			     struct upci_irq_ctx *ctx);

static int upci_intx_virqfd_handler(void *opaque)
{
	struct upci_irq_ctx *ctx = opaque;

	return upci_intx_unmask_handler(ctx->udev, ctx) > 0;
}

static void upci_intx_virqfd_thread(void *opaque)
{
	struct upci_irq_ctx *ctx = opaque;

	upci_intx_signal(ctx->udev, ctx);
}

/* ---- INTx ---- */

static void upci_intx_signal(struct upci_device *udev,
			     struct upci_irq_ctx *ctx)
{
	struct eventfd_ctx *trigger;

	if (likely(upci_is_intx(udev) && !READ_ONCE(udev->virq_disabled))) {
		trigger = READ_ONCE(ctx->trigger);
		if (likely(trigger)) {
			trace_upci_interrupt(udev->pdev->irq);
			eventfd_signal(trigger);
		}
	}
}

/*
 * Mask now, whatever is pending.  Outside INTx the device's DisINTx stays
 * set whatever the user's: an INTx with no handler on a shared line would
 * be claimed by nobody, and the line's other device polled.
 */
static void __upci_intx_mask(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_irq_ctx *ctx;
	unsigned long flags;

	lockdep_assert_held(&udev->igate);

	spin_lock_irqsave(&udev->irqlock, flags);
	if (!upci_is_intx(udev)) {
		if (udev->pci_2_3)
			pci_intx(pdev, 0);
		goto out;
	}
	ctx = xa_load(&udev->irq_ctx, 0);
	if (WARN_ON_ONCE(!ctx))
		goto out;
	if (!ctx->masked) {
		if (udev->pci_2_3)
			pci_intx(pdev, 0);
		else
			disable_irq_nosync(pdev->irq);
		ctx->masked = true;
	}
out:
	spin_unlock_irqrestore(&udev->irqlock, flags);
}

/*
 * Unmask, unless the user's DisINTx still masks. Returns > 0 when the
 * interrupt is still pending: it stays masked and the caller signals the
 * user again (directly, or from a work item inside an eventfd wakeup).
 */
static int upci_intx_unmask_handler(struct upci_device *udev,
				    struct upci_irq_ctx *ctx)
{
	struct pci_dev *pdev = udev->pdev;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&udev->irqlock, flags);
	if (!upci_is_intx(udev)) {
		/* no handler to claim it: DisINTx stays set (see below) */
		if (udev->pci_2_3)
			pci_intx(pdev, 0);
		goto out;
	}
	if (ctx->masked && !udev->virq_disabled) {
		if (udev->pci_2_3) {
			if (!pci_check_and_unmask_intx(pdev))
				ret = 1;
		} else {
			enable_irq(pdev->irq);
		}
		ctx->masked = ret > 0;
	}
out:
	spin_unlock_irqrestore(&udev->irqlock, flags);
	return ret;
}

static void __upci_intx_unmask(struct upci_device *udev)
{
	struct upci_irq_ctx *ctx = xa_load(&udev->irq_ctx, 0);

	lockdep_assert_held(&udev->igate);

	if (upci_intx_unmask_handler(udev, ctx) > 0)
		upci_intx_signal(udev, ctx);
}

void upci_intx_virq_set(struct upci_device *udev, bool disabled)
{
	mutex_lock(&udev->igate);
	if (disabled && !udev->virq_disabled) {
		WRITE_ONCE(udev->virq_disabled, true);
		__upci_intx_mask(udev);
	} else if (!disabled && udev->virq_disabled) {
		WRITE_ONCE(udev->virq_disabled, false);
		__upci_intx_unmask(udev);
	}
	mutex_unlock(&udev->igate);
}

/*
 * The line fired while our INTx is masked. Someone else's interrupt on a
 * shared line, unless our device asserts INTx with DisINTx clear: then mask
 * it again; if DisINTx does not stick, the device ignores it. irqlock held.
 */
static irqreturn_t upci_intx_masked_check(struct upci_device *udev,
					  struct upci_irq_ctx *ctx, int irq)
{
	struct pci_dev *pdev = udev->pdev;
	u32 cmd_status;

	if (ctx->screaming)
		return IRQ_NONE;
	if (pci_read_config_dword(pdev, PCI_COMMAND, &cmd_status))
		return IRQ_NONE;
	if (!((cmd_status >> 16) & PCI_STATUS_INTERRUPT) ||
	    (cmd_status & PCI_COMMAND_INTX_DISABLE))
		return IRQ_NONE;

	pci_intx(pdev, 0);
	if (!pci_read_config_dword(pdev, PCI_COMMAND, &cmd_status) &&
	    (cmd_status & PCI_COMMAND_INTX_DISABLE))
		return IRQ_HANDLED;	/* masked again: it was ours */

	ctx->screaming = true;
	pci_err(pdev, "INTx asserted while masked and DisINTx does not stick: the device ignores INTx masking; IRQ %d will be disabled and polled by the kernel as spurious\n",
		irq);
	return IRQ_NONE;
}

/* IRQ_DISABLE_UNLAZY: who set it, decided with the request (see below) */
static DEFINE_MUTEX(upci_unlazy_lock);

static irqreturn_t upci_intx_handler(int irq, void *dev_id)
{
	struct upci_irq_ctx *ctx = dev_id;
	struct upci_device *udev = ctx->udev;
	irqreturn_t ret = IRQ_NONE;
	unsigned long flags;

	spin_lock_irqsave(&udev->irqlock, flags);
	if (!udev->pci_2_3) {
		/*
		 * An exclusive line: it is ours.  A MASK that got irqlock
		 * first has disabled it already; a second disable would
		 * leave it off after the user's one UNMASK.  The level is
		 * still up then, and fires again at that UNMASK.
		 */
		ret = IRQ_HANDLED;
		if (ctx->masked) {
			spin_unlock_irqrestore(&udev->irqlock, flags);
			return ret;
		}
		disable_irq_nosync(irq);
		ctx->masked = true;
	} else if (!ctx->masked) {
		/* maybe shared: ours only if the device says so */
		if (pci_check_and_mask_intx(udev->pdev)) {
			ctx->masked = true;
			ret = IRQ_HANDLED;
		}
	} else {
		/* the user has not unmasked: nothing to signal */
		ret = upci_intx_masked_check(udev, ctx, irq);
		spin_unlock_irqrestore(&udev->irqlock, flags);
		return ret;
	}
	spin_unlock_irqrestore(&udev->irqlock, flags);

	if (ret == IRQ_HANDLED)
		upci_intx_signal(udev, ctx);
	return ret;
}

static int upci_intx_enable(struct upci_device *udev,
			    struct eventfd_ctx *trigger)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_irq_ctx *ctx;
	unsigned long irqflags;
	char *name;
	int ret;

	if (udev->irq_type != UPCI_IRQ_NONE)
		return -EINVAL;
	if (!pdev->irq || pdev->irq == IRQ_NOTCONNECTED)
		return -ENODEV;

	name = kasprintf(GFP_KERNEL_ACCOUNT, "upci-intx(%s)", pci_name(pdev));
	if (!name)
		return -ENOMEM;
	ctx = upci_irq_ctx_alloc(udev, 0);
	if (!ctx) {
		kfree(name);
		return -ENOMEM;
	}
	ctx->name = name;
	ctx->trigger = trigger;

	/*
	 * The user's DisINTx decides the initial mask. With DisINTx support
	 * the device's bit holds it and the line is shared; without, the IRQ
	 * itself is masked (and starts disabled if masked), so it must be
	 * ours alone. irq_type is set first: the handler may run at once.
	 */
	ctx->masked = udev->virq_disabled;
	if (udev->pci_2_3) {
		pci_intx(pdev, !ctx->masked);
		irqflags = IRQF_SHARED;
	} else {
		irqflags = ctx->masked ? IRQF_NO_AUTOEN : 0;
		/*
		 * Another user of the line may have set it: not ours to
		 * clear.  The check, the set and the request go together,
		 * or two of our devices on one line would both own it.
		 */
		mutex_lock(&upci_unlazy_lock);
		ctx->set_unlazy = !irq_check_status_bit(pdev->irq,
							IRQ_DISABLE_UNLAZY);
		if (ctx->set_unlazy)
			irq_set_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
	}
	WRITE_ONCE(udev->irq_type, VFIO_PCI_INTX_IRQ_INDEX);

	ret = request_irq(pdev->irq, upci_intx_handler, irqflags, ctx->name,
			  ctx);
	if (ret && udev->pci_2_3)
		pci_intx(pdev, 0);	/* no handler after all */
	if (ret && !udev->pci_2_3) {
		if (ctx->set_unlazy)
			irq_clear_status_flags(pdev->irq, IRQ_DISABLE_UNLAZY);
		if (ret == -EBUSY)
			pci_info(pdev, "INTx: IRQ %d is in use by another device, and without DisINTx masking this device needs it exclusively\n",
				 pdev->irq);
	}
	if (!udev->pci_2_3)
		mutex_unlock(&upci_unlazy_lock);
	if (ret) {
		WRITE_ONCE(udev->irq_type, UPCI_IRQ_NONE);
		kfree(name);
		upci_irq_ctx_free(udev, ctx, 0);
		return ret;
	}
	return 0;
}

static int upci_intx_set_signal(struct upci_device *udev,
				struct eventfd_ctx *trigger)
{
	struct upci_irq_ctx *ctx = xa_load(&udev->irq_ctx, 0);
	struct eventfd_ctx *old;

	if (WARN_ON_ONCE(!ctx))
		return -EINVAL;

	old = ctx->trigger;
	WRITE_ONCE(ctx->trigger, trigger);
	/* the handler and the virqfd may still hold the old one */
	if (old) {
		synchronize_irq(udev->pdev->irq);
		upci_virqfd_flush_thread(&ctx->unmask);
		eventfd_ctx_put(old);
	}
	return 0;
}

static void upci_intx_disable(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_irq_ctx *ctx = xa_load(&udev->irq_ctx, 0);

	if (!WARN_ON_ONCE(!ctx)) {
		upci_virqfd_disable(&ctx->unmask);
		/* masked at the device before its handler goes */
		if (udev->pci_2_3) {
			unsigned long flags;

			spin_lock_irqsave(&udev->irqlock, flags);
			pci_intx(pdev, 0);
			ctx->masked = true;
			spin_unlock_irqrestore(&udev->irqlock, flags);
		}
		if (!udev->pci_2_3)
			mutex_lock(&upci_unlazy_lock);
		free_irq(pdev->irq, ctx);
		if (!udev->pci_2_3) {
			if (ctx->set_unlazy)
				irq_clear_status_flags(pdev->irq,
						       IRQ_DISABLE_UNLAZY);
			mutex_unlock(&upci_unlazy_lock);
		}
		if (ctx->trigger)
			eventfd_ctx_put(ctx->trigger);
		kfree(ctx->name);
		upci_irq_ctx_free(udev, ctx, 0);
	}
	WRITE_ONCE(udev->irq_type, UPCI_IRQ_NONE);
}

/* ---- MSI and MSI-X ---- */

static irqreturn_t upci_msi_handler(int irq, void *arg)
{
	trace_upci_interrupt(irq);
	eventfd_signal(arg);
	return IRQ_HANDLED;
}

/*
 * The MSI-X table is in a BAR: memory decode must be on while the PCI core
 * writes it, whatever the user set. memory_lock keeps the user out.
 */
static u16 upci_memory_lock_and_enable(struct upci_device *udev)
{
	u16 cmd;

	down_write(&udev->memory_lock);
	pci_read_config_word(udev->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(udev->pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

/* Memory decode back as it was; DisINTx stays as the PCI core left it */
static void upci_memory_unlock_and_restore(struct upci_device *udev, u16 cmd)
{
	u16 cur;

	if (!(cmd & PCI_COMMAND_MEMORY)) {
		pci_read_config_word(udev->pdev, PCI_COMMAND, &cur);
		pci_write_config_word(udev->pdev, PCI_COMMAND,
				      cur & ~PCI_COMMAND_MEMORY);
	}
	up_write(&udev->memory_lock);
}

static int upci_msi_enable(struct upci_device *udev, int nvec, bool msix)
{
	struct pci_dev *pdev = udev->pdev;
	u16 cmd;
	int ret;

	if (udev->irq_type != UPCI_IRQ_NONE)
		return -EINVAL;

	/*
	 * All the vectors asked for or none; as vfio-pci, when fewer are
	 * available the answer is how many (a positive return).
	 */
	cmd = upci_memory_lock_and_enable(udev);
	ret = pci_alloc_irq_vectors(pdev, 1, nvec,
				    msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret < nvec) {
		if (ret > 0)
			pci_free_irq_vectors(pdev);
		upci_memory_unlock_and_restore(udev, cmd);
		/* freeing cleared DisINTx; no INTx handler exists */
		if (ret > 0 && (udev->nointx || udev->pci_2_3))
			pci_intx(pdev, 0);
		return ret;
	}
	upci_memory_unlock_and_restore(udev, cmd);

	WRITE_ONCE(udev->irq_type, msix ? VFIO_PCI_MSIX_IRQ_INDEX :
					  VFIO_PCI_MSI_IRQ_INDEX);
	/* the largest queue size a config write may set */
	if (!msix)
		WRITE_ONCE(udev->msi_qmax, fls(nvec * 2 - 1) - 1);
	return 0;
}

/*
 * The Linux IRQ of @vector, allocating it if MSI-X can grow. Allocated
 * vectors stay until MSI or MSI-X is disabled, for the next user.
 */
static int upci_msi_alloc_irq(struct upci_device *udev, unsigned int vector,
			      bool msix)
{
	struct pci_dev *pdev = udev->pdev;
	struct msi_map map;
	int irq;
	u16 cmd;

	irq = pci_irq_vector(pdev, vector);
	if (WARN_ON_ONCE(irq == 0))
		return -EINVAL;
	if (irq > 0 || !msix || !udev->has_dyn_msix)
		return irq;

	cmd = upci_memory_lock_and_enable(udev);
	map = pci_msix_alloc_irq_at(pdev, vector, NULL);
	upci_memory_unlock_and_restore(udev, cmd);
	return map.index < 0 ? map.index : map.virq;
}

/* Replace @vector's eventfd with @fd's; a negative fd just removes it. */
static int upci_msi_set_vector(struct upci_device *udev, unsigned int vector,
			       int fd, bool msix)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_irq_ctx *ctx;
	struct eventfd_ctx *trigger;
	int irq = -EINVAL, ret;
	u16 cmd;

	ctx = xa_load(&udev->irq_ctx, vector);
	if (ctx) {
		irq = pci_irq_vector(pdev, vector);
		/* freeing masks the vector: in the MSI-X table */
		cmd = upci_memory_lock_and_enable(udev);
		free_irq(irq, ctx->trigger);
		upci_memory_unlock_and_restore(udev, cmd);
		kfree(ctx->name);
		eventfd_ctx_put(ctx->trigger);
		upci_irq_ctx_free(udev, ctx, vector);
	}

	if (fd < 0)
		return 0;

	if (irq == -EINVAL) {
		irq = upci_msi_alloc_irq(udev, vector, msix);
		if (irq < 0)
			return irq;
	}

	ctx = upci_irq_ctx_alloc(udev, vector);
	if (!ctx)
		return -ENOMEM;
	ctx->name = kasprintf(GFP_KERNEL_ACCOUNT, "upci-msi%s[%u](%s)",
			      msix ? "x" : "", vector, pci_name(pdev));
	if (!ctx->name) {
		ret = -ENOMEM;
		goto err_free_ctx;
	}

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger)) {
		ret = PTR_ERR(trigger);
		goto err_free_name;
	}

	/*
	 * The host's message goes (back) into the MSI-X table before the
	 * vector is unmasked: whatever the user, or a reset, left there is
	 * overwritten.
	 */
	cmd = upci_memory_lock_and_enable(udev);
	if (msix) {
		struct msi_msg msg;

		get_cached_msi_msg(irq, &msg);
		pci_write_msi_msg(irq, &msg);
	}
	ret = request_irq(irq, upci_msi_handler, 0, ctx->name, trigger);
	upci_memory_unlock_and_restore(udev, cmd);
	if (ret)
		goto err_put;

	ctx->trigger = trigger;
	return 0;

err_put:
	eventfd_ctx_put(trigger);
err_free_name:
	kfree(ctx->name);
err_free_ctx:
	upci_irq_ctx_free(udev, ctx, vector);
	return ret;
}

/* All of [start, start + count) or, on error, none of them */
static int upci_msi_set_block(struct upci_device *udev, unsigned int start,
			      unsigned int count, s32 *fds, bool msix)
{
	unsigned int i, j;
	int ret = 0;

	for (i = 0, j = start; i < count && !ret; i++, j++)
		ret = upci_msi_set_vector(udev, j, fds ? fds[i] : -1, msix);

	if (ret) {
		for (i = start; i < j; i++)
			upci_msi_set_vector(udev, i, -1, msix);
	}
	return ret;
}

static void upci_msi_disable(struct upci_device *udev, bool msix)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_irq_ctx *ctx;
	unsigned long i;
	u16 cmd;

	xa_for_each(&udev->irq_ctx, i, ctx)
		upci_msi_set_vector(udev, i, -1, msix);

	cmd = upci_memory_lock_and_enable(udev);
	pci_free_irq_vectors(pdev);
	upci_memory_unlock_and_restore(udev, cmd);

	/*
	 * Freeing cleared DisINTx (pci_intx_for_msi()): no INTx handler
	 * exists, and a device hiding broken INTx keeps it set anyway.
	 */
	if (udev->nointx || udev->pci_2_3)
		pci_intx(pdev, 0);

	WRITE_ONCE(udev->irq_type, UPCI_IRQ_NONE);
}

/* ---- SET_IRQS, per index and action ---- */

typedef int (*upci_set_irqs_t)(struct upci_device *udev, unsigned int index,
			       unsigned int start, unsigned int count,
			       u32 flags, void *data);

static int upci_set_intx_unmask(struct upci_device *udev, unsigned int index,
				unsigned int start, unsigned int count,
				u32 flags, void *data)
{
	struct upci_irq_ctx *ctx;
	s32 fd;

	if (!upci_is_intx(udev) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		__upci_intx_unmask(udev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			__upci_intx_unmask(udev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		ctx = xa_load(&udev->irq_ctx, 0);
		fd = *(s32 *)data;
		if (WARN_ON_ONCE(!ctx))
			return -EINVAL;
		if (fd >= 0)
			return upci_virqfd_enable(ctx, upci_intx_virqfd_handler,
						  upci_intx_virqfd_thread,
						  &ctx->unmask, fd);
		upci_virqfd_disable(&ctx->unmask);
	}
	return 0;
}

static int upci_set_intx_mask(struct upci_device *udev, unsigned int index,
			      unsigned int start, unsigned int count,
			      u32 flags, void *data)
{
	if (!upci_is_intx(udev) || start != 0 || count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		__upci_intx_mask(udev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			__upci_intx_mask(udev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		return -ENOTTY;		/* as vfio-pci: no mask eventfd */
	}
	return 0;
}

static int upci_set_intx_trigger(struct upci_device *udev, unsigned int index,
				 unsigned int start, unsigned int count,
				 u32 flags, void *data)
{
	struct eventfd_ctx *trigger = NULL;
	bool intx = upci_is_intx(udev);
	s32 fd;
	int ret;

	if (intx && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		upci_intx_disable(udev);
		return 0;
	}

	if (!(intx || udev->irq_type == UPCI_IRQ_NONE) || start != 0 ||
	    count != 1)
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fd = *(s32 *)data;
		if (fd >= 0) {
			trigger = eventfd_ctx_fdget(fd);
			if (IS_ERR(trigger))
				return PTR_ERR(trigger);
		}
		if (intx)
			ret = upci_intx_set_signal(udev, trigger);
		else
			ret = upci_intx_enable(udev, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	}

	if (!intx)
		return -EINVAL;

	/* loopback: signal as the interrupt would */
	if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
	    ((flags & VFIO_IRQ_SET_DATA_BOOL) && *(u8 *)data))
		upci_intx_signal(udev, xa_load(&udev->irq_ctx, 0));
	return 0;
}

static int upci_set_msi_trigger(struct upci_device *udev, unsigned int index,
				unsigned int start, unsigned int count,
				u32 flags, void *data)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	bool active = udev->irq_type == index;
	struct upci_irq_ctx *ctx;
	unsigned int i;
	int ret;

	if (active && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		upci_msi_disable(udev, msix);
		return 0;
	}

	if (!(active || udev->irq_type == UPCI_IRQ_NONE))
		return -EINVAL;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (active)
			return upci_msi_set_block(udev, start, count, data,
						  msix);
		/*
		 * Enabling: as many vectors as the block reaches. Growing
		 * later works for MSI-X with dynamic allocation only; a
		 * vector never allocated fails otherwise (-EINVAL).
		 */
		ret = upci_msi_enable(udev, start + count, msix);
		if (ret)
			return ret;
		ret = upci_msi_set_block(udev, start, count, data, msix);
		if (ret)
			upci_msi_disable(udev, msix);
		return ret;
	}

	if (!active)
		return -EINVAL;

	/* loopback, for the vectors that have an eventfd */
	for (i = start; i < start + count; i++) {
		ctx = xa_load(&udev->irq_ctx, i);
		if (!ctx)
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) ||
		    ((flags & VFIO_IRQ_SET_DATA_BOOL) &&
		     ((u8 *)data)[i - start]))
			eventfd_signal(ctx->trigger);
	}
	return 0;
}

static void upci_eventfd_free(struct rcu_head *rcu)
{
	struct upci_eventfd *e = container_of(rcu, struct upci_eventfd, rcu);

	eventfd_ctx_put(e->ctx);
	kfree(e);
}

/* Replace an ERR or REQ eventfd; @ctx's reference passes to it */
static int upci_eventfd_replace(struct upci_device *udev,
				struct upci_eventfd __rcu **pe,
				struct eventfd_ctx *ctx)
{
	struct upci_eventfd *new = NULL, *old;

	lockdep_assert_held(&udev->igate);

	if (ctx) {
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
		new->ctx = ctx;
	}
	old = rcu_replace_pointer(*pe, new, lockdep_is_held(&udev->igate));
	if (old)
		call_rcu(&old->rcu, upci_eventfd_free);
	return 0;
}

/* ERR and REQ: one eventfd each, with loopback as the others */
static int upci_set_single_trigger(struct upci_device *udev,
				   struct upci_eventfd __rcu **pe,
				   unsigned int count, u32 flags, void *data)
{
	struct upci_eventfd *e = rcu_dereference_protected(*pe,
				lockdep_is_held(&udev->igate));
	struct eventfd_ctx *ctx;
	s32 fd;
	int ret;

	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!e)
			return -EINVAL;
		if (count) {
			eventfd_signal(e->ctx);
			return 0;
		}
		return upci_eventfd_replace(udev, pe, NULL);
	}
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (*(u8 *)data && e)
			eventfd_signal(e->ctx);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (!count)
			return -EINVAL;
		fd = *(s32 *)data;
		if (fd == -1)
			return upci_eventfd_replace(udev, pe, NULL);
		if (fd >= 0) {
			ctx = eventfd_ctx_fdget(fd);
			if (IS_ERR(ctx))
				return PTR_ERR(ctx);
			ret = upci_eventfd_replace(udev, pe, ctx);
			if (ret)
				eventfd_ctx_put(ctx);
			return ret;
		}
	}
	return -EINVAL;
}

static int upci_set_err_trigger(struct upci_device *udev, unsigned int index,
				unsigned int start, unsigned int count,
				u32 flags, void *data)
{
	if (start != 0 || count > 1)
		return -EINVAL;
	return upci_set_single_trigger(udev, &udev->err_trigger, count, flags,
				       data);
}

static int upci_set_req_trigger(struct upci_device *udev, unsigned int index,
				unsigned int start, unsigned int count,
				u32 flags, void *data)
{
	if (start != 0 || count > 1)
		return -EINVAL;
	return upci_set_single_trigger(udev, &udev->req_trigger, count, flags,
				       data);
}

/* What handles @index and the action in @flags; NULL: -ENOTTY */
static upci_set_irqs_t upci_set_irqs_fn(struct upci_device *udev,
					unsigned int index, u32 flags)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return upci_set_intx_mask;
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return upci_set_intx_unmask;
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return upci_set_intx_trigger;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* per-vector masking is not offered, as in vfio-pci */
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return upci_set_msi_trigger;
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER &&
		    pci_is_pcie(udev->pdev))
			return upci_set_err_trigger;
		break;
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return upci_set_req_trigger;
		break;
	}
	return NULL;
}

u32 upci_irq_count(struct upci_device *udev, u32 index)
{
	struct pci_dev *pdev = udev->pdev;
	u16 flags;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return upci_config_irq_pin(udev) ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (!pdev->msi_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msi_cap + PCI_MSI_FLAGS,
				     &flags);
		return 1 << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (!pdev->msix_cap)
			return 0;
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &flags);
		return (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	}
	return 0;
}

/* vfio_set_irqs_validate_and_prepare(), check for check and errno */
static int upci_set_irqs_validate(struct vfio_irq_set *hdr, u32 num_irqs,
				  size_t *data_size)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= VFIO_PCI_NUM_IRQS ||
	    hdr->count >= (U32_MAX - hdr->start) ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			    VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;

	*data_size = 0;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;

	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}

	if (size) {
		if (hdr->argsz - minsz < (size_t)hdr->count * size)
			return -EINVAL;
		*data_size = (size_t)hdr->count * size;
	}
	return 0;
}

long upci_ioctl_set_irqs(struct upci_device *udev,
			 struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	upci_set_irqs_t fn;
	size_t data_size;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;

	ret = upci_set_irqs_validate(&hdr, upci_irq_count(udev, hdr.index),
				     &data_size);
	if (ret)
		return ret;

	if (data_size) {
		data = memdup_user(&arg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&udev->igate);
	fn = upci_set_irqs_fn(udev, hdr.index, hdr.flags);
	ret = fn ? fn(udev, hdr.index, hdr.start, hdr.count, hdr.flags, data) :
		   -ENOTTY;
	mutex_unlock(&udev->igate);
	kfree(data);
	return ret;
}

/* ---- Release, errors, requests ---- */

void upci_irqs_release(struct upci_device *udev)
{
	mutex_lock(&udev->igate);
	switch (udev->irq_type) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		upci_intx_disable(udev);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		upci_msi_disable(udev, false);
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		upci_msi_disable(udev, true);
		break;
	}
	upci_eventfd_replace(udev, &udev->err_trigger, NULL);
	upci_eventfd_replace(udev, &udev->req_trigger, NULL);
	/* msi_qmax stays, from probe to remove, as vfio-pci's */
	WRITE_ONCE(udev->virq_disabled, false);
	mutex_unlock(&udev->igate);
}

void upci_irqs_init(struct upci_device *udev)
{
	mutex_init(&udev->igate);
	spin_lock_init(&udev->irqlock);
	xa_init(&udev->irq_ctx);
	udev->irq_type = UPCI_IRQ_NONE;
}

void upci_irq_error(struct upci_device *udev)
{
	struct upci_eventfd *e;

	rcu_read_lock();
	e = rcu_dereference(udev->err_trigger);
	if (e)
		eventfd_signal(e->ctx);
	rcu_read_unlock();
}

void upci_irq_request(struct upci_device *udev, unsigned int count)
{
	struct upci_eventfd *e;

	rcu_read_lock();
	e = rcu_dereference(udev->req_trigger);
	if (e) {
		pci_notice(udev->pdev, "asking the user to release the device (REQ #%u)\n",
			   count);
		eventfd_signal(e->ctx);
	} else if (count == 0) {
		pci_warn(udev->pdev, "no device request channel (REQ eventfd): waiting for the user to release the device\n");
	}
	rcu_read_unlock();
}

int upci_intrs_init(void)
{
	return upci_virqfd_init();
}

void upci_intrs_exit(void)
{
	rcu_barrier();			/* the ERR and REQ eventfds */
	upci_virqfd_exit();
}
