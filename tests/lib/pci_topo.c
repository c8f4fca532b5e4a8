// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "pci_topo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define IOMMU_GROUPS	"/sys/kernel/iommu_groups"
#define ROOT_BUS	"/sys/devices/pci0000:00"

/* Length of "SS.F" and of "/SS.F", and where "SS.F" starts in a BDF. */
#define SLOT_FN_LEN	4
#define LEVEL_LEN	5
#define BDF_SLOT_FN	8

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "SS.F" with SS in 00-1f and F in 0-7; short-circuits at a NUL. */
static bool is_slot_fn(const char *s)
{
	return is_lhex(s[0]) && s[0] <= '1' && is_lhex(s[1]) &&
	       s[2] == '.' && s[3] >= '0' && s[3] <= '7';
}

int pci_topo_bdf_valid(const char *bdf)
{
	static const char domain_bus[] = "hhhh:hh:";	/* h: a hex digit */
	int i;

	if (strlen(bdf) != PCI_TOPO_BDF_SIZE - 1)
		return -EINVAL;
	for (i = 0; i < BDF_SLOT_FN; i++) {
		if (domain_bus[i] == 'h' ? !is_lhex(bdf[i]) : bdf[i] != domain_bus[i])
			return -EINVAL;
	}
	return is_slot_fn(bdf + BDF_SLOT_FN) ? 0 : -EINVAL;
}

int pci_topo_path_valid(const char *path)
{
	const char *p;

	if (strlen(path) >= PCI_TOPO_PATH_SIZE)
		return -EINVAL;
	for (p = path; is_slot_fn(p); p += LEVEL_LEN) {
		if (p[SLOT_FN_LEN] == '\0')
			return 0;
		if (p[SLOT_FN_LEN] != '/')
			break;
	}
	return -EINVAL;
}

int pci_topo_path_depth(const char *path)
{
	if (pci_topo_path_valid(path))
		return -EINVAL;
	return (strlen(path) + 1) / LEVEL_LEN;
}

int pci_topo_path_parent(const char *path, char parent[PCI_TOPO_PATH_SIZE])
{
	const char *slash;

	if (pci_topo_path_valid(path))
		return -EINVAL;
	slash = strrchr(path, '/');
	if (!slash)
		return -ENOENT;
	memcpy(parent, path, slash - path);
	parent[slash - path] = '\0';
	return 0;
}

bool pci_topo_path_below(const char *path, const char *ancestor)
{
	size_t len = strlen(ancestor);

	return len && !strncmp(path, ancestor, len) && path[len] == '/';
}

static int dev_file(char *buf, size_t size, const char *bdf, const char *attr)
{
	int n;

	if (pci_topo_bdf_valid(bdf))
		return -EINVAL;
	n = snprintf(buf, size, PCI_DEVICES "/%s%s%s", bdf,
		     attr ? "/" : "", attr ? attr : "");
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int dev_exists(const char *bdf)
{
	char path[PATH_MAX];
	int ret;

	ret = dev_file(path, sizeof(path), bdf, NULL);
	if (ret)
		return ret;
	if (access(path, F_OK))
		return errno == ENOENT ? -ENODEV : -errno;
	return 0;
}

bool pci_topo_sysfs_present(void)
{
	DIR *dir = opendir(PCI_DEVICES);

	if (!dir)
		return false;
	closedir(dir);
	return true;
}

static int bdfs_push(struct pci_topo_bdfs *list, const char *bdf)
{
	char (*grown)[PCI_TOPO_BDF_SIZE];

	grown = realloc(list->bdf, (list->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	list->bdf = grown;
	strcpy(list->bdf[list->count++], bdf);
	return 0;
}

static int cmp_bdf(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Collect the BDF-named entries of a directory, sorted. */
static int list_bdf_dir(const char *path, struct pci_topo_bdfs *list)
{
	struct dirent *ent;
	DIR *dir;
	int ret = 0;

	list->bdf = NULL;
	list->count = 0;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!ret) {
		errno = 0;
		ent = readdir(dir);
		if (!ent) {
			ret = -errno;
			break;
		}
		if (!pci_topo_bdf_valid(ent->d_name))
			ret = bdfs_push(list, ent->d_name);
	}
	closedir(dir);
	if (ret) {
		pci_topo_bdfs_free(list);
		return ret;
	}
	qsort(list->bdf, list->count, sizeof(*list->bdf), cmp_bdf);
	return 0;
}

int pci_topo_devices(struct pci_topo_bdfs *list)
{
	return list_bdf_dir(PCI_DEVICES, list);
}

void pci_topo_bdfs_free(struct pci_topo_bdfs *list)
{
	free(list->bdf);
	list->bdf = NULL;
	list->count = 0;
}

bool pci_topo_bdfs_contain(const struct pci_topo_bdfs *list, const char *bdf)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (!strcmp(list->bdf[i], bdf))
			return true;
	}
	return false;
}

/*
 * The sysfs device directory nests like the bus hierarchy, e.g.
 * /sys/devices/pci0000:00/0000:00:04.0/0000:01:01.0 is "04.0/01.0".
 */
int pci_topo_path_of(const char *bdf, char path[PCI_TOPO_PATH_SIZE])
{
	char link[PATH_MAX], real[PATH_MAX];
	char *tok, *save;
	size_t len = 0;
	int ret;

	path[0] = '\0';
	ret = dev_file(link, sizeof(link), bdf, NULL);
	if (ret)
		return ret;
	if (!realpath(link, real))
		return errno == ENOENT ? -ENODEV : -errno;
	if (strncmp(real, ROOT_BUS "/", strlen(ROOT_BUS "/")))
		return -EXDEV;

	for (tok = strtok_r(real + strlen(ROOT_BUS), "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (pci_topo_bdf_valid(tok))
			continue;
		if (len + LEVEL_LEN >= PCI_TOPO_PATH_SIZE) {
			path[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (len)
			path[len++] = '/';
		memcpy(path + len, tok + BDF_SLOT_FN, SLOT_FN_LEN);
		len += SLOT_FN_LEN;
		path[len] = '\0';
	}
	return len ? 0 : -EXDEV;
}

int pci_topo_resolve(const char *path, char bdf[PCI_TOPO_BDF_SIZE])
{
	char found[PCI_TOPO_PATH_SIZE];
	struct pci_topo_bdfs devs;
	const char *last;
	size_t i;
	int ret;

	if (pci_topo_path_valid(path))
		return -EINVAL;
	last = path + strlen(path) - SLOT_FN_LEN;
	ret = pci_topo_devices(&devs);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < devs.count; i++) {
		/* Only devices with the right last level can match. */
		if (strcmp(devs.bdf[i] + BDF_SLOT_FN, last))
			continue;
		if (pci_topo_path_of(devs.bdf[i], found) || strcmp(found, path))
			continue;
		strcpy(bdf, devs.bdf[i]);
		ret = 0;
		break;
	}
	pci_topo_bdfs_free(&devs);
	return ret;
}

/* Basename of the symlink BDF/attr; -ENOENT if the link does not exist. */
static int link_basename(const char *bdf, const char *attr,
			 char *name, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int ret;

	ret = dev_exists(bdf);
	if (ret)
		return ret;
	ret = dev_file(link, sizeof(link), bdf, attr);
	if (ret)
		return ret;
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	strcpy(name, base);
	return 0;
}

static int parse_int(const char *s, int base, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, base);
	if (errno || end == s || *end || *val < 0 || *val > max)
		return -EINVAL;
	return 0;
}

int pci_topo_iommu_group(const char *bdf)
{
	char name[PCI_TOPO_NAME_SIZE];
	long group;
	int ret;

	ret = link_basename(bdf, "iommu_group", name, sizeof(name));
	if (ret)
		return ret;
	ret = parse_int(name, 10, INT_MAX, &group);
	return ret ? ret : (int)group;
}

int pci_topo_group_devices(int group, struct pci_topo_bdfs *list)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), IOMMU_GROUPS "/%d/devices", group);
	return list_bdf_dir(path, list);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int pci_topo_groups(struct pci_topo_groups *list)
{
	struct dirent *ent;
	DIR *dir;
	long id;
	int *grown;
	int ret = 0;

	list->id = NULL;
	list->count = 0;
	dir = opendir(IOMMU_GROUPS);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (!ret) {
		errno = 0;
		ent = readdir(dir);
		if (!ent) {
			ret = -errno;
			break;
		}
		if (parse_int(ent->d_name, 10, INT_MAX, &id))
			continue;
		grown = realloc(list->id, (list->count + 1) * sizeof(*grown));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		list->id = grown;
		list->id[list->count++] = id;
	}
	closedir(dir);
	if (ret) {
		pci_topo_groups_free(list);
		return ret;
	}
	qsort(list->id, list->count, sizeof(*list->id), cmp_int);
	return 0;
}

void pci_topo_groups_free(struct pci_topo_groups *list)
{
	free(list->id);
	list->id = NULL;
	list->count = 0;
}

int pci_topo_driver(const char *bdf, char name[PCI_TOPO_NAME_SIZE])
{
	int ret = link_basename(bdf, "driver", name, PCI_TOPO_NAME_SIZE);

	if (ret == -ENOENT) {
		strcpy(name, "-");
		return 0;
	}
	return ret;
}

/* Read a one-line sysfs attribute of a device, without the newline. */
/* Open a file of an existing device's sysfs directory read-only: fd or -errno. */
static int open_attr(const char *bdf, const char *attr)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = dev_exists(bdf);
	if (!ret)
		ret = dev_file(path, sizeof(path), bdf, attr);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_attr(const char *bdf, const char *attr, char *buf, size_t size)
{
	ssize_t n;
	int fd, ret;

	fd = open_attr(bdf, attr);
	if (fd < 0)
		return fd;
	n = read(fd, buf, size - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_hex_attr(const char *bdf, const char *attr, long max,
			 unsigned int *val)
{
	char buf[32];
	long v;
	int ret;

	ret = read_attr(bdf, attr, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = parse_int(buf, 16, max, &v);
	if (ret)
		return ret;
	*val = v;
	return 0;
}

int pci_topo_ids(const char *bdf, unsigned int *vendor, unsigned int *device)
{
	int ret = read_hex_attr(bdf, "vendor", 0xffff, vendor);

	return ret ? ret : read_hex_attr(bdf, "device", 0xffff, device);
}

int pci_topo_class(const char *bdf, unsigned int *class_code)
{
	return read_hex_attr(bdf, "class", 0xffffff, class_code);
}

struct config {
	uint8_t data[PCI_CFG_SPACE_EXP_SIZE];
	size_t readable;	/* what we were allowed to read */
	size_t size;		/* the device's config space size */
};

static int config_load(const char *bdf, struct config *cfg)
{
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open_attr(bdf, "config");
	if (fd < 0)
		return fd;
	cfg->readable = 0;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	cfg->size = st.st_size < (off_t)sizeof(cfg->data) ?
		    (size_t)st.st_size : sizeof(cfg->data);
	while (cfg->readable < cfg->size) {
		n = pread(fd, cfg->data + cfg->readable,
			  cfg->size - cfg->readable, cfg->readable);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		cfg->readable += n;
	}
out:
	close(fd);
	return ret;
}

/* Little-endian value of len bytes at off. */
static int config_get(const struct config *cfg, size_t off, size_t len,
		      uint32_t *val)
{
	if (off + len > cfg->size)
		return -ERANGE;
	/* The kernel cuts reads by unprivileged users short. */
	if (off + len > cfg->readable)
		return -EACCES;
	*val = 0;
	while (len--)
		*val = *val << 8 | cfg->data[off + len];
	return 0;
}

int pci_topo_pcie_type(const char *bdf)
{
	struct config cfg;
	uint32_t status, pos, hdr, flags;
	int i, ret;

	ret = config_load(bdf, &cfg);
	if (!ret)
		ret = config_get(&cfg, PCI_STATUS, 2, &status);
	if (ret)
		return ret;
	if (!(status & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	ret = config_get(&cfg, PCI_CAPABILITY_LIST, 1, &pos);
	/* At most 48 capabilities fit in 0x40-0xff; this also stops loops. */
	for (i = 0; !ret && i < 48 && pos >= 0x40; i++) {
		pos &= ~3u;
		ret = config_get(&cfg, pos, 2, &hdr);
		if (ret)
			break;
		if ((hdr & 0xff) == PCI_CAP_ID_EXP) {
			ret = config_get(&cfg, pos + PCI_EXP_FLAGS, 2, &flags);
			return ret ? ret : (int)((flags & PCI_EXP_FLAGS_TYPE) >> 4);
		}
		pos = hdr >> 8;
	}
	return ret ? ret : -ENOENT;
}

int pci_topo_has_ext_cap(const char *bdf, unsigned int cap_id)
{
	struct config cfg;
	uint32_t pos = PCI_CFG_SPACE_SIZE, hdr;
	int i, ret;

	ret = config_load(bdf, &cfg);
	if (ret)
		return ret;
	if (cfg.size <= PCI_CFG_SPACE_SIZE)
		return 0;
	/* Each extended capability takes at least 8 bytes. */
	for (i = 0; i < (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8 &&
		    pos >= PCI_CFG_SPACE_SIZE; i++) {
		ret = config_get(&cfg, pos, 4, &hdr);
		if (ret)
			return ret;
		if (hdr == 0 || hdr == 0xffffffff)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == cap_id)
			return 1;
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

int pci_topo_config_read(const char *bdf, unsigned int off, void *buf,
			 size_t len)
{
	struct config cfg;
	int ret = config_load(bdf, &cfg);

	if (ret)
		return ret;
	if (off + len > cfg.size)
		return -ERANGE;
	/* cut short for a reader without CAP_SYS_ADMIN */
	if (off + len > cfg.readable)
		return -EACCES;
	memcpy(buf, cfg.data + off, len);
	return 0;
}

int pci_topo_resource(const char *bdf, int index, struct pci_topo_resource *res)
{
	unsigned long long start, end, flags;
	char line[128];
	int fd, ret, i;
	FILE *f;

	if (index < 0)
		return -EINVAL;
	fd = open_attr(bdf, "resource");
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = -ERANGE;
	for (i = 0; fgets(line, sizeof(line), f); i++) {
		if (i != index)
			continue;
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3) {
			ret = -EINVAL;
			break;
		}
		res->start = start;
		res->end = end;
		res->flags = flags;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

uint64_t pci_topo_resource_size(const struct pci_topo_resource *res)
{
	return res->end > res->start ? res->end - res->start + 1 : 0;
}

int pci_topo_reset_methods(const char *bdf, char *buf, size_t size)
{
	int ret = read_attr(bdf, "reset_method", buf, size);

	if (!ret && !buf[0])
		return -ENOENT;
	return ret;
}

int pci_topo_bar_read32(const char *bdf, int bar, uint64_t off, uint32_t *val)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t base = off & ~(uint64_t)(page - 1);
	char attr[16];
	void *map;
	int fd, ret;

	snprintf(attr, sizeof(attr), "resource%d", bar);
	fd = open_attr(bdf, attr);
	if (fd < 0)
		return fd;
	map = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, base);
	ret = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	*val = *(volatile uint32_t *)((char *)map + (off - base));
	munmap(map, page);
	return 0;
}

int pci_topo_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int pci_topo_unbind(const char *bdf)
{
	char name[PCI_TOPO_NAME_SIZE], path[PATH_MAX];
	int ret = pci_topo_driver(bdf, name);

	if (ret || !strcmp(name, "-"))
		return ret;
	ret = dev_file(path, sizeof(path), bdf, "driver/unbind");
	return ret ? ret : pci_topo_write_file(path, bdf);
}

int pci_topo_bind(const char *bdf, const char *driver)
{
	char path[PATH_MAX];

	if (pci_topo_bdf_valid(bdf) || !*driver || strchr(driver, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", driver);
	return pci_topo_write_file(path, bdf);
}

long pci_topo_read_long(const char *path)
{
	char buf[32] = "";
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtol(buf, NULL, 10) : -EIO;
}

long pci_topo_attr_long(const char *bdf, const char *attr)
{
	char path[PCI_TOPO_PATH_SIZE + PCI_TOPO_NAME_SIZE];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	return pci_topo_read_long(path);
}
