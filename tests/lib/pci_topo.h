/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci_topo: name guest PCI devices by topology path and query them in sysfs.
 *
 * A topology path names a device without bus numbers, which only the guest
 * kernel knows: the device's "SS.F" on the root bus pci0000:00, then one
 * "/SS.F" per bridge level below it, e.g. "04.0/01.0".  SS is two lowercase
 * hex digits (00-1f), F one digit (0-7).  A BDF is "DDDD:BB:SS.F" as in
 * /sys/bus/pci/devices.
 *
 * Functions return 0 (or a non-negative value) on success and a negative
 * errno on failure; they never exit.
 */
#ifndef PCI_TOPO_H
#define PCI_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_TOPO_BDF_SIZE	sizeof("0000:00:00.0")
/* Room for 32 levels of "/SS.F". */
#define PCI_TOPO_PATH_SIZE	160
/* A sysfs file name (NAME_MAX) plus NUL, e.g. a driver name. */
#define PCI_TOPO_NAME_SIZE	256

struct pci_topo_bdfs {
	char (*bdf)[PCI_TOPO_BDF_SIZE];
	size_t count;
};

struct pci_topo_groups {
	int *id;
	size_t count;
};

/* Syntax checks: 0 if well formed, -EINVAL otherwise. */
int pci_topo_bdf_valid(const char *bdf);
int pci_topo_path_valid(const char *path);

/* Path helpers (pure string operations on valid paths). */
int pci_topo_path_depth(const char *path);
int pci_topo_path_parent(const char *path, char parent[PCI_TOPO_PATH_SIZE]);
bool pci_topo_path_below(const char *path, const char *ancestor);

/* True if /sys/bus/pci/devices can be listed (sysfs mounted, PCI present). */
bool pci_topo_sysfs_present(void);

/*
 * Path <-> BDF.  pci_topo_resolve() returns -EINVAL for a malformed path and
 * -ENOENT if no device has that path.  pci_topo_path_of() returns -ENODEV if
 * the BDF does not exist and -EXDEV if the device is not below pci0000:00.
 */
int pci_topo_resolve(const char *path, char bdf[PCI_TOPO_BDF_SIZE]);
int pci_topo_path_of(const char *bdf, char path[PCI_TOPO_PATH_SIZE]);

/* All PCI devices, sorted by BDF. */
int pci_topo_devices(struct pci_topo_bdfs *list);
void pci_topo_bdfs_free(struct pci_topo_bdfs *list);
bool pci_topo_bdfs_contain(const struct pci_topo_bdfs *list, const char *bdf);

/*
 * IOMMU groups.  pci_topo_iommu_group() returns the group number, -ENOENT if
 * the device has no group, -ENODEV if the device does not exist.  The lists
 * are sorted; a missing /sys/kernel/iommu_groups reads as no groups.
 */
int pci_topo_iommu_group(const char *bdf);
int pci_topo_group_devices(int group, struct pci_topo_bdfs *list);
int pci_topo_groups(struct pci_topo_groups *list);
void pci_topo_groups_free(struct pci_topo_groups *list);

/* Bound driver name, or "-" if the device is unbound. */
int pci_topo_driver(const char *bdf, char name[PCI_TOPO_NAME_SIZE]);
int pci_topo_ids(const char *bdf, unsigned int *vendor, unsigned int *device);
/* 24-bit class code, e.g. 0x060400 for a PCI-to-PCI bridge. */
int pci_topo_class(const char *bdf, unsigned int *class_code);

/*
 * Config space capabilities (reading past the first 64 bytes needs
 * CAP_SYS_ADMIN; without it these return -EACCES).
 * pci_topo_pcie_type() returns the PCI_EXP_TYPE_* of the PCI Express
 * capability, or -ENOENT for a conventional PCI device.
 * pci_topo_has_ext_cap() returns 1 if the extended capability (a
 * PCI_EXT_CAP_ID_* such as PCI_EXT_CAP_ID_ACS) is present, else 0.
 */
int pci_topo_pcie_type(const char *bdf);
int pci_topo_has_ext_cap(const char *bdf, unsigned int cap_id);

/*
 * len bytes of config space at off, as the host sees the hardware (not a
 * driver's virtualized view).  -ERANGE past the device's config space,
 * -EACCES where the kernel withholds it from an unprivileged reader.
 */
int pci_topo_config_read(const char *bdf, unsigned int off, void *buf,
			 size_t len);

/* Resource index (0-5 the BARs, 6 the ROM) from sysfs "resource". */
struct pci_topo_resource {
	uint64_t start, end, flags;	/* IORESOURCE_* flags */
};
int pci_topo_resource(const char *bdf, int index, struct pci_topo_resource *res);
/* A resource's size, 0 if the BAR is not implemented. */
uint64_t pci_topo_resource_size(const struct pci_topo_resource *res);

/*
 * The device's reset methods ("flr pm bus"...), from sysfs reset_method;
 * -ENOENT when it has none (the kernel hides the attribute then).
 */
int pci_topo_reset_methods(const char *bdf, char *buf, size_t size);

/*
 * 4 bytes at off of a memory BAR, read by the host through sysfs resourceN
 * (an mmap; needs root and the BAR not claimed by a driver).
 */
int pci_topo_bar_read32(const char *bdf, int bar, uint64_t off, uint32_t *val);

/*
 * A device attribute holding a decimal number (e.g. a test module's
 * counter): the value, or -errno (-EIO when it is empty).
 */
long pci_topo_attr_long(const char *bdf, const char *attr);
/* The same for any file (a module parameter, a sysctl). */
long pci_topo_read_long(const char *path);
/* Write val to a sysfs file (no newline added). */
int pci_topo_write_file(const char *path, const char *val);
/* Unbind from whatever driver is bound (0 if none); bind to driver. */
int pci_topo_unbind(const char *bdf);
int pci_topo_bind(const char *bdf, const char *driver);

#endif /* PCI_TOPO_H */
