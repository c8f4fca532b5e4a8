// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "vfio_lab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "expect.h"

#define IOMMU_GROUPS	"/sys/kernel/iommu_groups"

enum vfio_lab_driver vfio_lab_driver(void)
{
	const char *name = vfio_lab_driver_name();

	if (!strcmp(name, "none"))
		return VFIO_LAB_NONE;
	if (!strcmp(name, "vfio-pci"))
		return VFIO_LAB_VFIO_PCI;
	if (!strcmp(name, "upci") || !strcmp(name, "upci-vfio"))
		return VFIO_LAB_UPCI;
	return VFIO_LAB_OTHER;
}

bool vfio_lab_upci_compat(void)
{
	return !strcmp(vfio_lab_driver_name(), "upci-vfio");
}

const char *vfio_lab_bind_name(void)
{
	return vfio_lab_upci_compat() ? "vfio-pci" : vfio_lab_driver_name();
}

const char *vfio_lab_driver_name(void)
{
	const char *name = getenv("UPCILAB_DRIVER");

	return name && *name ? name : "none";
}

int vfio_lab_select_driver(const char *name)
{
	return setenv("UPCILAB_DRIVER", name, 1) ? -errno : 0;
}

const char *vfio_lab_node_dir(void)
{
	const char *dir = getenv("UPCILAB_VFIO_DIR");

	if (dir && *dir)
		return dir;
	return vfio_lab_driver() == VFIO_LAB_UPCI && !vfio_lab_upci_compat() ?
	       "/dev/upci" : "/dev/vfio";
}

static int path_printf(char *buf, size_t size, const char *fmt,
		       const char *dir, const char *name)
{
	int n = snprintf(buf, size, fmt, dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The driver's own name first; under an override, whichever exists. */
int vfio_lab_container_path(char *buf, size_t size)
{
	const char *dir = vfio_lab_node_dir();
	const char *first = vfio_lab_driver() == VFIO_LAB_UPCI &&
			    !vfio_lab_upci_compat() ? "upci" : "vfio";
	const char *second = first[0] == 'u' ? "vfio" : "upci";
	int ret;

	ret = path_printf(buf, size, "%s/%s", dir, first);
	if (ret || !access(buf, F_OK))
		return ret;
	ret = path_printf(buf, size, "%s/%s", dir, second);
	if (ret || !access(buf, F_OK))
		return ret;
	return path_printf(buf, size, "%s/%s", dir, first);
}

int vfio_lab_group_path(int group, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%d", vfio_lab_node_dir(), group);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int vfio_lab_declared_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE],
			  char *why, size_t size)
{
	struct expect e = { 0 };
	char err[512];
	size_t i;
	int ret;

	ret = expect_load(&e, err, sizeof(err));
	if (ret) {
		snprintf(why, size, "cannot read the scenario's devices: %s", err);
		return ret;
	}
	ret = -ENOENT;
	snprintf(why, size, "the scenario declares no device \"%s\"", id);
	for (i = 0; i < e.ndeclared; i++) {
		if (strcmp(e.declared[i].id, id))
			continue;
		ret = pci_topo_resolve(e.declared[i].path, bdf);
		if (ret)
			snprintf(why, size, "%s (%s) does not resolve: %s", id,
				 e.declared[i].path, strerror(-ret));
		break;
	}
	expect_free(&e);
	return ret;
}

/* $UPCILAB_ETC/unbound: "<id> <why>" for devices the lab chose not to bind */
static bool unbound_by_the_lab(const char *id, char *why, size_t size)
{
	const char *etc = getenv("UPCILAB_ETC");
	char file[256], line[512];
	size_t len = strlen(id);
	bool found = false;
	FILE *f;

	snprintf(file, sizeof(file), "%s/unbound", etc && *etc ? etc : "/etc/upcilab");
	f = fopen(file, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, id, len) || line[len] != ' ')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(why, size, "%s: %s", id, line + len + 1);
		found = true;
	}
	fclose(f);
	return found;
}

int vfio_lab_device_bdf(const char *id, char bdf[PCI_TOPO_BDF_SIZE],
			char *why, size_t size)
{
	const char *want = vfio_lab_bind_name();
	char bound[PCI_TOPO_NAME_SIZE];
	int ret;

	if (vfio_lab_driver() == VFIO_LAB_NONE) {
		snprintf(why, size, "no driver under test (UPCILAB_DRIVER=%s)", want);
		return -ENODEV;
	}
	ret = vfio_lab_declared_bdf(id, bdf, why, size);
	if (ret)
		return ret;
	ret = pci_topo_driver(bdf, bound);
	if (ret) {
		snprintf(why, size, "%s (%s): cannot read its driver: %s", id,
			 bdf, strerror(-ret));
		return ret;
	}
	if (strcmp(bound, want)) {
		if (!unbound_by_the_lab(id, why, size))
			snprintf(why, size, "%s (%s) is bound to %s, not to %s", id,
				 bdf, bound, want);
		return -ENODEV;
	}
	return 0;
}

int vfio_lab_entry_limit_path(char *buf, size_t size)
{
	const char *module = vfio_lab_driver() == VFIO_LAB_UPCI ?
			     "upci" : "vfio_iommu_type1";

	return path_printf(buf, size, "/sys/module/%s/parameters/%s", module,
			   "dma_entry_limit");
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vfio_lab_open_container(void)
{
	char path[256];
	int ret = vfio_lab_container_path(path, sizeof(path));

	return ret ? ret : open_node(path);
}

int vfio_lab_open_group(int group)
{
	char path[256];
	int ret = vfio_lab_group_path(group, path, sizeof(path));

	return ret ? ret : open_node(path);
}

static int ioctl_ret(int ret)
{
	return ret < 0 ? -errno : ret;
}

int vfio_lab_set_container(int group, int container)
{
	return ioctl_ret(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));
}

int vfio_lab_unset_container(int group)
{
	return ioctl_ret(ioctl(group, VFIO_GROUP_UNSET_CONTAINER));
}

int vfio_lab_set_iommu(int container, unsigned long type)
{
	return ioctl_ret(ioctl(container, VFIO_SET_IOMMU, type));
}

int vfio_lab_check_extension(int container, unsigned long ext)
{
	return ioctl_ret(ioctl(container, VFIO_CHECK_EXTENSION, ext));
}

int vfio_lab_group_flags(int group, uint32_t *flags)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int ret = ioctl_ret(ioctl(group, VFIO_GROUP_GET_STATUS, &status));

	if (!ret)
		*flags = status.flags;
	return ret;
}

int vfio_lab_get_device_fd(int group, const char *name)
{
	return ioctl_ret(ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name));
}

static int fail_step(struct vfio_lab_dev *d, int ret, char *why, size_t size,
		     const char *step)
{
	snprintf(why, size, "%s (%s, group %d): %s", step, d->bdf, d->group_id,
		 strerror(-ret));
	vfio_lab_close(d);
	return ret;
}

int vfio_lab_open_nodes(struct vfio_lab_dev *d, const char *bdf, char *why,
			size_t size)
{
	int ret;

	*d = (struct vfio_lab_dev){ .container = -1, .group = -1, .fd = -1 };
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->group_id = pci_topo_iommu_group(bdf);
	if (d->group_id < 0)
		return fail_step(d, d->group_id, why, size, "reading the IOMMU group");
	ret = vfio_lab_open_container();
	if (ret < 0)
		return fail_step(d, ret, why, size, "opening the container");
	d->container = ret;
	ret = vfio_lab_open_group(d->group_id);
	if (ret < 0)
		return fail_step(d, ret, why, size, "opening the group");
	d->group = ret;
	return 0;
}

int vfio_lab_attach(struct vfio_lab_dev *d, const char *bdf,
		    unsigned long iommu_type, char *why, size_t size)
{
	int ret = vfio_lab_open_nodes(d, bdf, why, size);

	if (ret)
		return ret;
	ret = vfio_lab_set_container(d->group, d->container);
	if (ret)
		return fail_step(d, ret, why, size, "VFIO_GROUP_SET_CONTAINER");
	ret = vfio_lab_set_iommu(d->container, iommu_type);
	if (ret)
		return fail_step(d, ret, why, size, "VFIO_SET_IOMMU");
	return 0;
}

int vfio_lab_open_device(struct vfio_lab_dev *d, const char *bdf,
			 unsigned long iommu_type, char *why, size_t size)
{
	int ret = vfio_lab_attach(d, bdf, iommu_type, why, size);

	if (ret)
		return ret;
	ret = vfio_lab_get_device_fd(d->group, bdf);
	if (ret < 0)
		return fail_step(d, ret, why, size, "VFIO_GROUP_GET_DEVICE_FD");
	d->fd = ret;
	return 0;
}

void vfio_lab_close(struct vfio_lab_dev *d)
{
	int *fds[] = { &d->fd, &d->group, &d->container };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int vfio_lab_map(int container, uint64_t vaddr, uint64_t iova, uint64_t size,
		 uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl_ret(ioctl(container, VFIO_IOMMU_MAP_DMA, &map));
}

int vfio_lab_unmap(int container, uint64_t iova, uint64_t size, uint32_t flags,
		   uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret = ioctl_ret(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap));

	if (!ret && unmapped)
		*unmapped = unmap.size;
	return ret;
}

void *vfio_lab_buffer(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/*
 * The info ioctls' protocol: ask with the fixed struct, and if the chain
 * did not fit the kernel raised argsz; ask again with that much room.
 */
static int info_with_caps(int fd, unsigned long cmd, void **info,
			  size_t fixed, const void *query)
{
	uint32_t argsz = fixed;
	void *buf = NULL, *grown;
	int ret, tries;

	for (tries = 0; tries < 2; tries++) {
		grown = realloc(buf, argsz);
		if (!grown) {
			free(buf);
			return -ENOMEM;
		}
		buf = grown;
		memset(buf, 0, argsz);
		memcpy(buf, query, fixed);
		memcpy(buf, &argsz, sizeof(argsz));
		ret = ioctl_ret(ioctl(fd, cmd, buf));
		if (ret) {
			free(buf);
			return ret;
		}
		if (*(uint32_t *)buf <= argsz)
			break;
		argsz = *(uint32_t *)buf;
	}
	*info = buf;
	return 0;
}

int vfio_lab_iommu_info(int container, struct vfio_iommu_type1_info **info)
{
	struct vfio_iommu_type1_info query = { .argsz = sizeof(query) };

	return info_with_caps(container, VFIO_IOMMU_GET_INFO, (void **)info,
			      sizeof(query), &query);
}

int vfio_lab_region_info(int device, uint32_t index,
			 struct vfio_region_info **info)
{
	struct vfio_region_info query = { .argsz = sizeof(query), .index = index };

	return info_with_caps(device, VFIO_DEVICE_GET_REGION_INFO, (void **)info,
			      sizeof(query), &query);
}

int vfio_lab_device_info(int device, struct vfio_device_info *info)
{
	*info = (struct vfio_device_info){ .argsz = sizeof(*info) };
	return ioctl_ret(ioctl(device, VFIO_DEVICE_GET_INFO, info));
}

int vfio_lab_cap_chain_check(const void *info, uint32_t argsz,
			     uint32_t fixed_size, uint32_t first,
			     char *why, size_t size)
{
	const struct vfio_info_cap_header *hdr;
	uint32_t off = first, prev = 0;
	int count = 0;

	while (off) {
		if (off < fixed_size || off <= prev ||
		    off + sizeof(*hdr) > argsz || off % 4) {
			snprintf(why, size, "capability %d at offset %u lies outside %u..%u, "
				 "is unaligned or does not follow the previous one (%u)",
				 count, off, fixed_size, argsz, prev);
			return -EINVAL;
		}
		hdr = (const void *)((const char *)info + off);
		count++;
		prev = off;
		off = hdr->next;
	}
	return count;
}

const struct vfio_info_cap_header *vfio_lab_cap_find(const void *info,
						     uint32_t argsz,
						     uint32_t first,
						     uint16_t id)
{
	const struct vfio_info_cap_header *hdr;
	uint32_t off = first, prev = 0;

	while (off && off > prev && off + sizeof(*hdr) <= argsz) {
		hdr = (const void *)((const char *)info + off);
		if (hdr->id == id)
			return hdr;
		prev = off;
		off = hdr->next;
	}
	return NULL;
}

static ssize_t pio_ret(ssize_t n)
{
	return n < 0 ? -errno : n;
}

ssize_t vfio_lab_region_read(int device, uint32_t index, uint64_t off,
			     void *buf, size_t len)
{
	return pio_ret(pread(device, buf, len, VFIO_LAB_REGION_OFFSET(index) + off));
}

ssize_t vfio_lab_region_write(int device, uint32_t index, uint64_t off,
			      const void *buf, size_t len)
{
	return pio_ret(pwrite(device, buf, len, VFIO_LAB_REGION_OFFSET(index) + off));
}

/*
 * One access of exactly width bytes.  x86 is little-endian like PCI, so
 * the low bytes of a uint64_t are the access's bytes.
 */
static int reg_access(int device, uint32_t index, uint64_t off,
		      unsigned int width, uint64_t *val, bool write)
{
	ssize_t n;

	if (width != 1 && width != 2 && width != 4 && width != 8)
		return -EINVAL;
	n = write ? vfio_lab_region_write(device, index, off, val, width) :
		    vfio_lab_region_read(device, index, off, val, width);
	if (n < 0)
		return n;
	return (size_t)n == width ? 0 : -EIO;
}

int vfio_lab_reg_read(int device, uint32_t index, uint64_t off,
		      unsigned int width, uint64_t *val)
{
	uint64_t v = 0;
	int ret = reg_access(device, index, off, width, &v, false);

	if (!ret)
		*val = v;
	return ret;
}

int vfio_lab_reg_write(int device, uint32_t index, uint64_t off,
		       unsigned int width, uint64_t val)
{
	return reg_access(device, index, off, width, &val, true);
}

int vfio_lab_config_read(int device, uint32_t off, unsigned int width,
			 uint64_t *val)
{
	return vfio_lab_reg_read(device, VFIO_PCI_CONFIG_REGION_INDEX, off,
				 width, val);
}

int vfio_lab_config_write(int device, uint32_t off, unsigned int width,
			  uint64_t val)
{
	return vfio_lab_reg_write(device, VFIO_PCI_CONFIG_REGION_INDEX, off,
				  width, val);
}

int vfio_lab_command_update(int device, uint16_t set, uint16_t clear)
{
	uint64_t cmd;
	int ret = vfio_lab_config_read(device, PCI_COMMAND, 2, &cmd);

	if (ret)
		return ret;
	return vfio_lab_config_write(device, PCI_COMMAND, 2,
				     (cmd & ~(uint64_t)clear) | set);
}

void *vfio_lab_region_mmap(int device, uint32_t index, uint64_t off,
			   size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, flags, device,
		    VFIO_LAB_REGION_OFFSET(index) + off);
}

/* The number after "key" in a "key value" or "key:\tvalue kB" file. */
static int read_keyed_long(const char *path, const char *key, long *val)
{
	size_t len = strlen(key);
	char line[256];
	int ret = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, len) || (line[len] != ' ' &&
						line[len] != '\t' &&
						line[len] != ':'))
			continue;
		ret = sscanf(line + len + (line[len] == ':'), "%ld", val) == 1 ?
		      0 : -EINVAL;
		break;
	}
	fclose(f);
	return ret;
}

long vfio_lab_locked_vm_kb(void)
{
	long kb;
	int ret = read_keyed_long("/proc/self/status", "VmLck", &kb);

	return ret ? ret : kb;
}

int vfio_lab_pinned_pages(long *pinned)
{
	long acquired, released;
	int ret;

	/* Fold the per-CPU deltas into the counters first, or they lag. */
	ret = pci_topo_write_file("/proc/sys/vm/stat_refresh", "1");
	if (!ret)
		ret = read_keyed_long("/proc/vmstat", "nr_foll_pin_acquired", &acquired);
	if (!ret)
		ret = read_keyed_long("/proc/vmstat", "nr_foll_pin_released",
				      &released);
	if (!ret)
		*pinned = acquired - released;
	return ret;
}

int vfio_lab_group_resv_regions(int group, struct vfio_lab_resv *resv,
				int max)
{
	unsigned long long start, end;
	char path[128], line[128];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), IOMMU_GROUPS "/%d/reserved_regions", group);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (n == max) {
			n = -E2BIG;
			break;
		}
		if (sscanf(line, "%llx %llx %23s", &start, &end, resv[n].type) != 3) {
			n = -EINVAL;
			break;
		}
		resv[n].start = start;
		resv[n].end = end;
		n++;
	}
	fclose(f);
	return n;
}
