// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail_nth.h"

#define FAIL_NTH_PATH	"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug"

static int write_knob(const char *path, const char *val)
{
	ssize_t len = strlen(val), n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	close(fd);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

#define SLABS		"/sys/kernel/slab"

/*
 * Slab caches kept out of the sweep, whose failures say nothing of the
 * code under test:
 *  - proc_dir_entry: genirq ignores a failed proc_create() under
 *    /proc/irq/N (register_irq_proc) and WARNs when it removes the entry
 *    that is not there (unregister_irq_proc): every MSI vector set up
 *    while its smp_affinity entry fails ends in that WARN (Linux 6.12).
 *  - Acpi-*: ACPICA loses count of an object's references when its
 *    update-state allocation fails ("Could not update object reference
 *    count"), and a later evaluation of the same _PRT reads freed memory
 *    (KASAN slab-use-after-free in acpi_ns_get_attached_object, from
 *    pci_disable_device(); Linux 6.12).
 *  - the checkers' own metadata (kmemleak, debugobjects): a failure there
 *    switches the checker off, or eats its emergency pool.
 */
static bool slab_kept(const char *name)
{
	static const char *const kept[] = {
		"proc_dir_entry", "kmemleak_object", "kmemleak_scan_area",
		"debug_objects_cache",
	};
	unsigned int i;

	if (!strncmp(name, "Acpi-", 5))
		return true;
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(name, kept[i]))
			return true;
	return false;
}

/* The cache a name is: itself, or what its alias symlink points to */
static void slab_cache_of(const char *name, char *cache, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), SLABS "/%s", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(cache, size, "%s", name);
		return;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= size)
		base = "";		/* no cache name is that long */
	memcpy(cache, base, strlen(base) + 1);
}

static void append_name(char *buf, size_t size, const char *name)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? "," : "", name);
}

/*
 * Every cache (a merged one serves several names, the others being
 * symlinks to it) may fail, unless one of its names is kept; a merged
 * cache cannot be marked (failslab_store(): -EINVAL) and never fails.
 */
static int mark_slabs(struct fail_nth *f, char *why, size_t size)
{
	char path[PATH_MAX], cache[NAME_MAX + 1];
	char (*kept)[NAME_MAX + 1] = NULL;
	struct dirent **names;
	int n, i, j, nkept = 0, ret = 0;
	struct stat st;

	n = scandir(SLABS, &names, NULL, alphasort);
	if (n < 0) {
		snprintf(why, size, "%s: %s", SLABS, strerror(errno));
		return -errno;
	}
	kept = calloc(n + 1, sizeof(*kept));
	if (!kept) {
		ret = -ENOMEM;
		snprintf(why, size, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (slab_kept(names[i]->d_name))
			slab_cache_of(names[i]->d_name, kept[nkept++],
				      sizeof(kept[0]));

	for (i = 0; i < n && !ret; i++) {
		const char *name = names[i]->d_name;
		bool keep = false;

		snprintf(path, sizeof(path), SLABS "/%s", name);
		if (name[0] == '.' || lstat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		slab_cache_of(name, cache, sizeof(cache));
		for (j = 0; j < nkept && !keep; j++)
			keep = !strcmp(kept[j], cache);
		snprintf(path, sizeof(path), SLABS "/%s/failslab", name);
		if (keep) {
			f->kept++;
			write_knob(path, "0");
			continue;
		}
		ret = write_knob(path, "1");
		if (!ret) {
			f->caches++;
		} else if (ret == -EINVAL) {
			ret = 0;
			f->shared++;
			if (!strncmp(name, "kmalloc-", 8))
				append_name(f->shared_kmalloc,
					    sizeof(f->shared_kmalloc), name);
		} else {
			snprintf(why, size, "%s: %s", path, strerror(-ret));
		}
	}
	if (!ret) {
		ret = write_knob(DEBUGFS "/failslab/cache-filter", "Y");
		if (ret)
			snprintf(why, size, "failslab/cache-filter: %s",
				 strerror(-ret));
	}
out:
	free(kept);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int fail_nth_open(struct fail_nth *f, char *why, size_t size)
{
	static const struct {
		const char *knob, *val;
	} knobs[] = {
		/* fail allocations that may sleep, and highmem pages */
		{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
		/* a message (verbose 1) or a stack (2) per failure is noise */
		{ DEBUGFS "/failslab/verbose", "0" },
		{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	};
	unsigned int i;
	int ret;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (access(FAIL_NTH_PATH, F_OK)) {
		snprintf(why, size, "%s: %s (a kernel without CONFIG_FAULT_INJECTION)",
			 FAIL_NTH_PATH, strerror(errno));
		return -ENOENT;
	}
	if (access(DEBUGFS "/failslab", F_OK)) {
		snprintf(why, size, "%s/failslab: %s (no CONFIG_FAILSLAB or debugfs not mounted)",
			 DEBUGFS, strerror(errno));
		return -ENOENT;
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		ret = write_knob(knobs[i].knob, knobs[i].val);
		if (ret) {
			snprintf(why, size, "%s: %s", knobs[i].knob,
				 strerror(-ret));
			return ret == -ENOENT ? -ENOENT : ret;
		}
	}
	ret = mark_slabs(f, why, size);
	if (ret)
		return ret;
	f->fd = open(FAIL_NTH_PATH, O_RDWR | O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		snprintf(why, size, "%s: %s", FAIL_NTH_PATH, strerror(errno));
		return ret;
	}
	return 0;
}

void fail_nth_close(struct fail_nth *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

int fail_nth_arm(struct fail_nth *f, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(f->fd, buf, len, 0) != len)
		return -errno;
	return 0;
}

/*
 * The read and the write are system calls too: the read's copy to user
 * space and the write's from it could be where the n-th check falls (as
 * iommufd's test says, "disabling the nth can also fail"), so the buffers
 * are on a stack page already touched, and EFAULT counts as injected.
 */
int fail_nth_disarm(struct fail_nth *f, bool *fired)
{
	char buf[16] = "";
	ssize_t n, w;

	n = pread(f->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0 && errno != EFAULT)
		return -errno;
	w = pwrite(f->fd, "0", 1, 0);
	if (w < 0 && errno == EFAULT)
		w = pwrite(f->fd, "0", 1, 0);
	if (w != 1)
		return w < 0 ? -errno : -EIO;
	if (n < 0) {
		*fired = true;
		return 0;
	}
	buf[n] = 0;
	*fired = atoi(buf) == 0;
	return 0;
}

unsigned int fail_nth_max(unsigned int def)
{
	const char *s = getenv("UPCILAB_FAILNTH_MAX");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	return *end || !v || v > 1000000 ? def : (unsigned int)v;
}
