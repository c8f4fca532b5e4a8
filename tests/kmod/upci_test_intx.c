// SPDX-License-Identifier: GPL-2.0
/*
 * upci_test_intx: a host driver for mockdma, for the lab's shared-INTx
 * tests (tests/guest/irq_shared.c).  It binds only through driver_override
 * (an empty ID table), requests the device's INTx line shared, and counts
 * in its handler the interrupts that were its device's: IRQ_STATUS is
 * read, and cleared if non-zero (IRQ_HANDLED), else IRQ_NONE.
 *
 * sysfs, in the device's directory:
 *   utx_irq         the line it requested
 *   utx_handled     handler calls that found and cleared a cause
 *   utx_unhandled   handler calls that found none (another device's)
 *   utx_intx_count  the device's INTX_COUNT register
 *   utx_swint       write anything: one SWINT event on the device
 */
#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/irq.h>
#include <linux/pci.h>

#include <mockdma.h>

#define UTX_NAME "upci_test_intx"

struct utx {
	void __iomem *regs;
	atomic_t handled;
	atomic_t unhandled;
};

static irqreturn_t utx_irq(int irq, void *data)
{
	struct utx *u = data;
	u32 status = ioread32(u->regs + MOCKDMA_REG_IRQ_STATUS);

	/* ~0: the device is gone or in reset */
	if (!status || status == ~0u) {
		atomic_inc(&u->unhandled);
		return IRQ_NONE;
	}
	iowrite32(status, u->regs + MOCKDMA_REG_IRQ_STATUS);
	atomic_inc(&u->handled);
	return IRQ_HANDLED;
}

static ssize_t utx_irq_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_pci_dev(dev)->irq);
}
static DEVICE_ATTR_RO(utx_irq);

static ssize_t utx_handled_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct utx *u = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&u->handled));
}
static DEVICE_ATTR_RO(utx_handled);

static ssize_t utx_unhandled_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct utx *u = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&u->unhandled));
}
static DEVICE_ATTR_RO(utx_unhandled);

static ssize_t utx_intx_count_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct utx *u = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n",
			  ioread32(u->regs + MOCKDMA_REG_INTX_COUNT));
}
static DEVICE_ATTR_RO(utx_intx_count);

static ssize_t utx_swint_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	struct utx *u = dev_get_drvdata(dev);

	iowrite32(0, u->regs + MOCKDMA_REG_SWINT);
	return count;
}
static DEVICE_ATTR_WO(utx_swint);

/*
 * IRQ_DISABLE_UNLAZY on the line, as a driver that masks at the chip sets
 * it: a driver that fails to share the line must leave it alone.
 */
static ssize_t utx_unlazy_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  irq_check_status_bit(to_pci_dev(dev)->irq,
					       IRQ_DISABLE_UNLAZY));
}

static ssize_t utx_unlazy_store(struct device *dev,
				struct device_attribute *attr, const char *buf,
				size_t count)
{
	unsigned int irq = to_pci_dev(dev)->irq;
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	if (on)
		irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
	else
		irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
	return count;
}
static DEVICE_ATTR_RW(utx_unlazy);

static struct attribute *utx_attrs[] = {
	&dev_attr_utx_unlazy.attr,
	&dev_attr_utx_irq.attr,
	&dev_attr_utx_handled.attr,
	&dev_attr_utx_unhandled.attr,
	&dev_attr_utx_intx_count.attr,
	&dev_attr_utx_swint.attr,
	NULL,
};
ATTRIBUTE_GROUPS(utx);

static int utx_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct utx *u;
	int ret;

	if (pdev->vendor != MOCKDMA_VENDOR_ID ||
	    pdev->device != MOCKDMA_DEVICE_ID)
		return -ENODEV;
	if (!pdev->irq)
		return dev_err_probe(&pdev->dev, -ENODEV, "no INTx line\n");
	u = devm_kzalloc(&pdev->dev, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	u->regs = pcim_iomap_region(pdev, MOCKDMA_BAR_REGS, UTX_NAME);
	if (IS_ERR(u->regs))
		return PTR_ERR(u->regs);
	if (ioread32(u->regs + MOCKDMA_REG_MAGIC) != MOCKDMA_MAGIC)
		return dev_err_probe(&pdev->dev, -ENODEV, "not a mockdma\n");
	pci_set_drvdata(pdev, u);

	iowrite32(0, u->regs + MOCKDMA_REG_IRQ_ENABLE);
	iowrite32(~0u, u->regs + MOCKDMA_REG_IRQ_STATUS);
	pci_intx(pdev, 1);
	ret = devm_request_irq(&pdev->dev, pdev->irq, utx_irq, IRQF_SHARED,
			       UTX_NAME, u);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "INTx %u\n", pdev->irq);
	iowrite32(MOCKDMA_IRQ_SWINT, u->regs + MOCKDMA_REG_IRQ_ENABLE);
	dev_info(&pdev->dev, "counting interrupts on shared INTx %u\n",
		 pdev->irq);
	return 0;
}

static void utx_remove(struct pci_dev *pdev)
{
	struct utx *u = pci_get_drvdata(pdev);

	/* quiet before devm frees the line */
	iowrite32(0, u->regs + MOCKDMA_REG_IRQ_ENABLE);
	iowrite32(~0u, u->regs + MOCKDMA_REG_IRQ_STATUS);
}

/* Empty: the driver binds only where driver_override names it. */
static const struct pci_device_id utx_ids[] = {
	{ }
};

static struct pci_driver utx_driver = {
	.name = UTX_NAME,
	.id_table = utx_ids,
	.probe = utx_probe,
	.remove = utx_remove,
	.dev_groups = utx_groups,
};
module_pci_driver(utx_driver);

MODULE_DESCRIPTION("upci lab: a mockdma driver counting shared INTx interrupts");
MODULE_LICENSE("GPL");
