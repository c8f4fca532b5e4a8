// SPDX-License-Identifier: GPL-2.0
/*
 * upci_virqfd.c: an eventfd the kernel watches, as VFIO's virqfd. Each
 * signal of the user's eventfd runs an action without a trip through user
 * space: the INTx unmask (upci_intrs.c) and the ioeventfd BAR writes
 * (upci_ioeventfd.c).
 *
 * The eventfd's wait queue calls upci_virqfd_wakeup() when the user signals
 * it, with the eventfd's lock held and interrupts off: the handler runs
 * there, so it may only try locks. What cannot run there (a handler that
 * found its lock taken, or signalling another eventfd, which could deadlock
 * on the same one) runs from a work item, the thread. Teardown goes through
 * an ordered workqueue, so that a close of the eventfd (EPOLLHUP) and an
 * explicit disable cannot both free it; disabling flushes that queue before
 * the owner of the virqfd can go away.
 */

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "upci.h"

struct upci_virqfd {
	void *opaque;
	int (*handler)(void *opaque);	/* in the wakeup; nonzero: thread */
	void (*thread)(void *opaque);	/* from a work item, or NULL */
	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;	/* runs the thread */
	struct work_struct shutdown;
	struct work_struct flush_inject;
	struct upci_virqfd **pvirqfd;	/* where the owner points at us */
};

static struct workqueue_struct *upci_virqfd_wq;
static DEFINE_SPINLOCK(upci_virqfd_lock);	/* every *pvirqfd */

/* The handler, and the thread if it asks for it */
static void upci_virqfd_run(struct upci_virqfd *virqfd)
{
	if ((!virqfd->handler || virqfd->handler(virqfd->opaque)) &&
	    virqfd->thread)
		schedule_work(&virqfd->inject);
}

static int upci_virqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct upci_virqfd *virqfd = container_of(wait, struct upci_virqfd,
						  wait);
	__poll_t flags = key_to_poll(key);
	unsigned long irqflags;

	if (flags & EPOLLIN) {
		u64 cnt;

		eventfd_ctx_do_read(virqfd->eventfd, &cnt);
		upci_virqfd_run(virqfd);
	}

	if (flags & EPOLLHUP) {
		/* the eventfd is closing: shut down unless already queued */
		spin_lock_irqsave(&upci_virqfd_lock, irqflags);
		if (*virqfd->pvirqfd == virqfd) {
			*virqfd->pvirqfd = NULL;
			queue_work(upci_virqfd_wq, &virqfd->shutdown);
		}
		spin_unlock_irqrestore(&upci_virqfd_lock, irqflags);
	}
	return 0;
}

static void upci_virqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct upci_virqfd *virqfd = container_of(pt, struct upci_virqfd, pt);

	add_wait_queue(wqh, &virqfd->wait);
}

static void upci_virqfd_shutdown(struct work_struct *work)
{
	struct upci_virqfd *virqfd = container_of(work, struct upci_virqfd,
						  shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(virqfd->eventfd, &virqfd->wait, &cnt);
	flush_work(&virqfd->inject);
	eventfd_ctx_put(virqfd->eventfd);
	kfree(virqfd);
}

static void upci_virqfd_inject(struct work_struct *work)
{
	struct upci_virqfd *virqfd = container_of(work, struct upci_virqfd,
						  inject);

	virqfd->thread(virqfd->opaque);
}

static void upci_virqfd_flush_inject(struct work_struct *work)
{
	struct upci_virqfd *virqfd = container_of(work, struct upci_virqfd,
						  flush_inject);

	flush_work(&virqfd->inject);
}

int upci_virqfd_enable(void *opaque, int (*handler)(void *opaque),
		       void (*thread)(void *opaque),
		       struct upci_virqfd **pvirqfd, int fd)
{
	struct upci_virqfd *virqfd;
	struct eventfd_ctx *eventfd;
	__poll_t events;
	struct fd f;
	int ret;

	virqfd = kzalloc(sizeof(*virqfd), GFP_KERNEL_ACCOUNT);
	if (!virqfd)
		return -ENOMEM;
	virqfd->opaque = opaque;
	virqfd->handler = handler;
	virqfd->thread = thread;
	virqfd->pvirqfd = pvirqfd;
	INIT_WORK(&virqfd->inject, upci_virqfd_inject);
	INIT_WORK(&virqfd->shutdown, upci_virqfd_shutdown);
	INIT_WORK(&virqfd->flush_inject, upci_virqfd_flush_inject);

	f = fdget(fd);
	if (!fd_file(f)) {
		ret = -EBADF;
		goto err_free;
	}
	eventfd = eventfd_ctx_fileget(fd_file(f));
	if (IS_ERR(eventfd)) {
		ret = PTR_ERR(eventfd);
		goto err_fdput;
	}
	virqfd->eventfd = eventfd;

	spin_lock_irq(&upci_virqfd_lock);
	if (*pvirqfd) {
		spin_unlock_irq(&upci_virqfd_lock);
		ret = -EBUSY;
		goto err_put;
	}
	*pvirqfd = virqfd;
	spin_unlock_irq(&upci_virqfd_lock);

	init_waitqueue_func_entry(&virqfd->wait, upci_virqfd_wakeup);
	init_poll_funcptr(&virqfd->pt, upci_virqfd_queue_proc);
	events = vfs_poll(fd_file(f), &virqfd->pt);

	/* a signal from before we listened counts too */
	if (events & EPOLLIN)
		upci_virqfd_run(virqfd);

	/* only now: holding the file keeps EPOLLHUP away until set up */
	fdput(f);
	return 0;

err_put:
	eventfd_ctx_put(eventfd);
err_fdput:
	fdput(f);
err_free:
	kfree(virqfd);
	return ret;
}

void upci_virqfd_disable(struct upci_virqfd **pvirqfd)
{
	unsigned long flags;

	spin_lock_irqsave(&upci_virqfd_lock, flags);
	if (*pvirqfd) {
		queue_work(upci_virqfd_wq, &(*pvirqfd)->shutdown);
		*pvirqfd = NULL;
	}
	spin_unlock_irqrestore(&upci_virqfd_lock, flags);

	/* queued by us or by an EPOLLHUP: gone once this returns */
	flush_workqueue(upci_virqfd_wq);
}

void upci_virqfd_flush_thread(struct upci_virqfd **pvirqfd)
{
	unsigned long flags;

	spin_lock_irqsave(&upci_virqfd_lock, flags);
	if (*pvirqfd && (*pvirqfd)->thread)
		queue_work(upci_virqfd_wq, &(*pvirqfd)->flush_inject);
	spin_unlock_irqrestore(&upci_virqfd_lock, flags);

	flush_workqueue(upci_virqfd_wq);
}

int upci_virqfd_init(void)
{
	upci_virqfd_wq = alloc_ordered_workqueue("upci-virqfd", 0);
	return upci_virqfd_wq ? 0 : -ENOMEM;
}

void upci_virqfd_exit(void)
{
	destroy_workqueue(upci_virqfd_wq);
}
