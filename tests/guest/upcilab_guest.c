// SPDX-License-Identifier: GPL-2.0
/*
 * upcilab-guest: the guest side of the topology path contract.
 *
 *   upcilab-guest resolve PATH          print the BDF of PATH
 *   upcilab-guest bind PATH DRIVER|none bind PATH to DRIVER, or leave unbound
 *   upcilab-guest table                 one "# pci: ..." line per device
 *   upcilab-guest gcov DIR              DIR's gcov counters on stdout, as
 *                                       harness/gcov_stream.h reads them
 *
 * Exit status: 0 ok, 1 failure (reason on stderr), 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcov_send.h"
#include "pci_topo.h"

#define PROG		"upcilab-guest"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define PCI_DRIVERS	"/sys/bus/pci/drivers"
#define DRIVERS_PROBE	"/sys/bus/pci/drivers_probe"

static int usage(void)
{
	fprintf(stderr,
		"usage: " PROG " resolve PATH\n"
		"       " PROG " bind PATH DRIVER|none\n"
		"       " PROG " table\n"
		"       " PROG " gcov DIR\n"
		"PATH names a device by topology, e.g. 03.0 or 04.0/01.0.\n");
	return 2;
}

static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Why PATH does not resolve, naming the deepest ancestor that does. */
static void explain_resolve(const char *path, int err, char *why, size_t size)
{
	char prefix[PCI_TOPO_PATH_SIZE], bdf[PCI_TOPO_BDF_SIZE];
	char *slash;

	if (err == -EINVAL) {
		snprintf(why, size, "malformed path, want SS.F[/SS.F...] in lowercase hex, "
			 "slot 00-1f, function 0-7");
		return;
	}
	if (err != -ENOENT) {
		snprintf(why, size, "%s", strerror(-err));
		return;
	}
	if (!pci_topo_sysfs_present()) {
		snprintf(why, size, "cannot list " PCI_DEVICES " (sysfs not mounted?)");
		return;
	}
	strcpy(prefix, path);
	while ((slash = strrchr(prefix, '/'))) {
		*slash = '\0';
		if (!pci_topo_resolve(prefix, bdf)) {
			snprintf(why, size, "%s is %s but has no device %s below it",
				 prefix, bdf, path + strlen(prefix) + 1);
			return;
		}
	}
	snprintf(why, size, "no device %s on the root bus", prefix);
}

static int resolve_or_fail(const char *path, char bdf[PCI_TOPO_BDF_SIZE])
{
	char why[512];
	int ret;

	ret = pci_topo_resolve(path, bdf);
	if (!ret)
		return 0;
	explain_resolve(path, ret, why, sizeof(why));
	return fail("cannot resolve %s: %s", path, why);
}

static int cmd_resolve(const char *path)
{
	char bdf[PCI_TOPO_BDF_SIZE];

	if (resolve_or_fail(path, bdf))
		return 1;
	printf("%s\n", bdf);
	return 0;
}

struct bind {
	const char *path;
	const char *driver;	/* "none" to leave the device unbound */
	char bdf[PCI_TOPO_BDF_SIZE];
};

static __attribute__((format(printf, 2, 3)))
int bind_fail(const struct bind *b, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": cannot bind %s (%s) to %s: ",
		b->path, b->bdf, b->driver);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int dev_write(const struct bind *b, const char *attr, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/%s", b->bdf, attr);
	return pci_topo_write_file(path, val);
}

/*
 * driver_override makes DRIVER the only driver that may bind.  For "none"
 * it names no driver at all, so after the unbind nothing probes the device
 * again, not even on a later rescan.
 */
static int cmd_bind(const char *path, const char *driver)
{
	struct bind b = { .path = path, .driver = driver };
	bool none = !strcmp(driver, "none");
	const char *want = none ? "-" : driver;
	char cur[PCI_TOPO_NAME_SIZE], dir[PATH_MAX];
	int ret;

	if (resolve_or_fail(path, b.bdf))
		return 1;
	if (!*driver || strchr(driver, '/') || strlen(driver) >= sizeof(cur))
		return bind_fail(&b, "invalid driver name");
	snprintf(dir, sizeof(dir), PCI_DRIVERS "/%s", driver);
	if (!none && access(dir, F_OK))
		return bind_fail(&b, "driver not registered, no %s (module not loaded?)",
				 dir);

	ret = dev_write(&b, "driver_override", driver);
	if (ret)
		return bind_fail(&b, "writing driver_override: %s", strerror(-ret));
	ret = pci_topo_driver(b.bdf, cur);
	if (ret)
		return bind_fail(&b, "reading driver: %s", strerror(-ret));
	if (strcmp(cur, "-") && strcmp(cur, want)) {
		ret = dev_write(&b, "driver/unbind", b.bdf);
		if (ret)
			return bind_fail(&b, "unbinding from %s: %s",
					 cur, strerror(-ret));
	}
	if (!none && strcmp(cur, want)) {
		ret = pci_topo_write_file(DRIVERS_PROBE, b.bdf);
		if (ret)
			return bind_fail(&b, "writing " DRIVERS_PROBE ": %s",
					 strerror(-ret));
	}

	ret = pci_topo_driver(b.bdf, cur);
	if (ret)
		return bind_fail(&b, "reading driver: %s", strerror(-ret));
	if (!strcmp(cur, want))
		return 0;
	if (none)
		return bind_fail(&b, "still bound to %s after unbinding", cur);
	if (!strcmp(cur, "-"))
		return bind_fail(&b, "still unbound after probing, %s rejected the device (see dmesg)",
				 driver);
	return bind_fail(&b, "bound to %s instead", cur);
}

/* A field that cannot be read is printed as "-" and fails the command. */
static int field_error(const char *bdf, const char *what, int err,
		       char *field)
{
	strcpy(field, "-");
	fail("%s: cannot read %s: %s", bdf, what, strerror(-err));
	return 1;
}

static int cmd_table(void)
{
	char path[PCI_TOPO_PATH_SIZE], driver[PCI_TOPO_NAME_SIZE];
	char ids[16], group[16];
	unsigned int vendor, device;
	struct pci_topo_bdfs devs;
	int ret, errors = 0;
	size_t i;

	ret = pci_topo_devices(&devs);
	if (ret)
		return fail("cannot list " PCI_DEVICES ": %s", strerror(-ret));
	for (i = 0; i < devs.count; i++) {
		const char *bdf = devs.bdf[i];

		ret = pci_topo_path_of(bdf, path);
		if (ret)
			errors += field_error(bdf, "topology path", ret, path);

		ret = pci_topo_ids(bdf, &vendor, &device);
		if (ret)
			errors += field_error(bdf, "vendor/device", ret, ids);
		else
			snprintf(ids, sizeof(ids), "%04x:%04x", vendor, device);

		ret = pci_topo_iommu_group(bdf);
		if (ret >= 0)
			snprintf(group, sizeof(group), "%d", ret);
		else if (ret == -ENOENT)
			strcpy(group, "-");
		else
			errors += field_error(bdf, "iommu_group", ret, group);

		ret = pci_topo_driver(bdf, driver);
		if (ret)
			errors += field_error(bdf, "driver", ret, driver);

		printf("# pci: %s %s %s group=%s driver=%s\n",
		       bdf, path, ids, group, driver);
	}
	pci_topo_bdfs_free(&devs);
	if (fflush(stdout) || ferror(stdout))
		return fail("writing stdout: %s", strerror(errno));
	return errors ? 1 : 0;
}

static int cmd_gcov(const char *dir)
{
	char why[PATH_MAX + 64];

	if (gcov_send(dir, stdout, why, sizeof(why)))
		return fail("gcov: %s", why);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "resolve"))
		return cmd_resolve(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "bind"))
		return cmd_bind(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "table"))
		return cmd_table();
	if (argc == 3 && !strcmp(argv[1], "gcov"))
		return cmd_gcov(argv[2]);
	return usage();
}
