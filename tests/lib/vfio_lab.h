/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio_lab: the VFIO user API as the lab's guest tests use it, on either
 * driver under test.
 *
 * The same test binary runs against upstream vfio-pci and against upci, so
 * nothing here may depend on which one answers: only the node paths do.
 * $UPCILAB_DRIVER (set by the harness) names the driver:
 *
 *   vfio-pci   /dev/vfio/vfio and /dev/vfio/<group>
 *   upci       /dev/upci/upci and /dev/upci/<group>
 *   upci-vfio  upci in compat mode: /dev/vfio/vfio and /dev/vfio/<group>,
 *              devices bound to a driver named "vfio-pci"
 *
 * $UPCILAB_VFIO_DIR overrides the directory (e.g. /dev/vfio for upci loaded
 * with vfio_compat=1); the container node in it is "vfio" or "upci".
 *
 * Tests name devices by their scenario id ("edu0"), looked up in
 * /etc/upcilab/devices, never by BDF.
 *
 * Functions return 0 (or a non-negative count or fd) on success and a
 * negative errno on failure, exactly as the kernel answered, so a test can
 * compare it with the errno VFIO documents.  They never exit.
 */
#ifndef VFIO_LAB_H
#define VFIO_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vfio.h>

#include "pci_topo.h"

enum vfio_lab_driver {
	VFIO_LAB_NONE,		/* UPCILAB_DRIVER unset or "none" */
	VFIO_LAB_VFIO_PCI,
	VFIO_LAB_UPCI,		/* "upci" and "upci-vfio" */
	VFIO_LAB_OTHER,		/* a name this library does not know */
};

enum vfio_lab_driver vfio_lab_driver(void);
/* $UPCILAB_DRIVER, or "none" */
const char *vfio_lab_driver_name(void);
/* The PCI driver name devices are bound to: "vfio-pci" for upci-vfio */
const char *vfio_lab_bind_name(void);
/* upci in compat mode (UPCILAB_DRIVER=upci-vfio) */
bool vfio_lab_upci_compat(void);
/*
 * Make name the driver under test from now on (sets $UPCILAB_DRIVER): a
 * test comparing both drivers in one VM opens each device under its own.
 */
int vfio_lab_select_driver(const char *name);
/* Where the nodes are: $UPCILAB_VFIO_DIR, /dev/upci or /dev/vfio. */
const char *vfio_lab_node_dir(void);
int vfio_lab_container_path(char *buf, size_t size);
int vfio_lab_group_path(int group, char *buf, size_t size);

/*
 * The BDF of the scenario's device id, which must be bound to the driver
 * under test.  -ENODEV without a driver under test or when the device is
 * bound elsewhere, -ENOENT when the scenario declares no such id; why says
 * which, for a SKIP message.
 */
int vfio_lab_device_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE],
			char *why, size_t size);
/* The BDF of a declared id whatever it is bound to (or -ENOENT). */
int vfio_lab_declared_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE],
			  char *why, size_t size);

/*
 * The type1 backend's dma_entry_limit module parameter in sysfs
 * (vfio_iommu_type1's or upci's, per the driver under test).
 */
int vfio_lab_entry_limit_path(char *buf, size_t size);

/* Nodes: an fd, or -errno. */
int vfio_lab_open_container(void);
int vfio_lab_open_group(int group);

/* The single ioctls, 0 or -errno (GET_DEVICE_FD: the fd). */
int vfio_lab_set_container(int group, int container);
int vfio_lab_unset_container(int group);
int vfio_lab_set_iommu(int container, unsigned long type);
int vfio_lab_check_extension(int container, unsigned long ext);
int vfio_lab_group_flags(int group, uint32_t *flags);
int vfio_lab_get_device_fd(int group, const char *name);

/* A device opened the way every VFIO client does it. */
struct vfio_lab_dev {
	char bdf[PCI_TOPO_BDF_SIZE];
	int group_id;
	int container;		/* -1 when not open */
	int group;
	int fd;			/* the device fd */
};

/*
 * Open the container and the device's group, nothing more (for tests of
 * SET_CONTAINER and SET_IOMMU themselves).  On failure both are closed.
 */
int vfio_lab_open_nodes(struct vfio_lab_dev *d, const char *bdf, char *why,
			size_t size);
/*
 * Open the container and the device's group, join them and set the IOMMU
 * type (VFIO_TYPE1_IOMMU or VFIO_TYPE1v2_IOMMU); the device fd stays -1.
 * On failure everything is closed and why names the step that failed.
 */
int vfio_lab_attach(struct vfio_lab_dev *d, const char *bdf,
		    unsigned long iommu_type, char *why, size_t size);
/* vfio_lab_attach(), then the device fd. */
int vfio_lab_open_device(struct vfio_lab_dev *d, const char *bdf,
			 unsigned long iommu_type, char *why, size_t size);
/* Close whatever is open: device fd, group, container. */
void vfio_lab_close(struct vfio_lab_dev *d);

/* DMA mapping: VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA. */
#define VFIO_LAB_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
int vfio_lab_map(int container, uint64_t vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags);
/* *unmapped (may be NULL) gets the size the kernel reports. */
int vfio_lab_unmap(int container, uint64_t iova, uint64_t size, uint32_t flags,
		   uint64_t *unmapped);
/* Anonymous, page-aligned, zeroed memory for DMA (MAP_FAILED on error). */
void *vfio_lab_buffer(size_t size);

/*
 * VFIO_IOMMU_GET_INFO and VFIO_DEVICE_GET_REGION_INFO with room for the
 * whole capability chain: *info is malloc()ed (free() it).
 */
int vfio_lab_iommu_info(int container, struct vfio_iommu_type1_info **info);
int vfio_lab_region_info(int device, uint32_t index,
			 struct vfio_region_info **info);
int vfio_lab_device_info(int device, struct vfio_device_info *info);

/*
 * Capability chains: headers linked by "next", offsets from the start of
 * the info struct, 0 ends the chain.  vfio_lab_cap_chain_check() returns
 * the number of capabilities, or -EINVAL (with why) if a header lies
 * before fixed_size or past argsz, or the offsets do not increase.
 */
int vfio_lab_cap_chain_check(const void *info, uint32_t argsz,
			     uint32_t fixed_size, uint32_t first,
			     char *why, size_t size);
const struct vfio_info_cap_header *vfio_lab_cap_find(const void *info,
						     uint32_t argsz,
						     uint32_t first,
						     uint16_t id);

/* Region access through the device fd at VFIO's offsets (index << 40). */
#define VFIO_LAB_REGION_SHIFT	40
#define VFIO_LAB_REGION_OFFSET(index) ((uint64_t)(index) << VFIO_LAB_REGION_SHIFT)
/* pread/pwrite: the byte count, or -errno. */
ssize_t vfio_lab_region_read(int device, uint32_t index, uint64_t off,
			     void *buf, size_t len);
ssize_t vfio_lab_region_write(int device, uint32_t index, uint64_t off,
			      const void *buf, size_t len);
/*
 * One access of width 1, 2, 4 or 8 bytes, value little-endian as PCI is;
 * -EIO for a short transfer.
 */
int vfio_lab_reg_read(int device, uint32_t index, uint64_t off,
		      unsigned int width, uint64_t *val);
int vfio_lab_reg_write(int device, uint32_t index, uint64_t off,
		       unsigned int width, uint64_t val);
/* The same on the config region. */
int vfio_lab_config_read(int device, uint32_t off, unsigned int width,
			 uint64_t *val);
int vfio_lab_config_write(int device, uint32_t off, unsigned int width,
			  uint64_t val);
/* Read-modify-write PCI_COMMAND through the device fd (2 bytes). */
int vfio_lab_command_update(int device, uint16_t set, uint16_t clear);
/* mmap() of a region: the mapping, or MAP_FAILED with errno set. */
void *vfio_lab_region_mmap(int device, uint32_t index, uint64_t off,
			   size_t len, int prot, int flags);

/*
 * Pinning and its charge.  vfio_lab_locked_vm_kb() is this process's
 * VmLck (locked_vm) from /proc/self/status; vfio_lab_pinned_pages() is the
 * system-wide count of long-term pins (nr_foll_pin_acquired minus
 * nr_foll_pin_released from /proc/vmstat, made exact by writing
 * /proc/sys/vm/stat_refresh first, which needs root).
 */
long vfio_lab_locked_vm_kb(void);
int vfio_lab_pinned_pages(long *pinned);

/* IOMMU reserved regions of a group ("START END TYPE" lines in sysfs). */
struct vfio_lab_resv {
	uint64_t start, end;
	char type[24];		/* "msi", "reserved", "direct-relaxable"... */
};
int vfio_lab_group_resv_regions(int group, struct vfio_lab_resv *resv,
				int max);

#endif /* VFIO_LAB_H */
