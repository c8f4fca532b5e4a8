// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU, unmodified: Debian's qemu-system-x86_64 (from the host, through
 * host-root) assigns a device of this VM to a nested TCG machine with
 * -device vfio-pci,host=BDF, on vfio-pci and on upci in compat mode. The
 * nested machine boots the lab's bare-metal payload (tests/payload/),
 * which finds the device, reads its registers, has it DMA both ways and
 * receives its INTx, MSI and MSI-X interrupts: DMA crosses both levels of
 * IOMMU mapping (QEMU's MAP_DMA of the nested RAM into the container, and
 * this VM's VT-d), interrupts come through the driver's eventfds.
 *
 * Asserted: QEMU realizes the device with no error of its own (the
 * peer-to-peer MAP_DMA of the device's BARs included), its `info pci`
 * shows the device with its ids and BARs of the sizes this VM sees, the
 * payload passes every check, QEMU exits through the payload's
 * isa-debug-exit, every page pin is back afterwards, and the device works
 * again after a rebind. The start-up time to a realized device (mostly
 * MAP_DMA of the nested RAM) is printed as a bench: line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_run.h"
#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "lab_time.h"
#include "vfio_assert.h"

#define QEMU		"/usr/bin/qemu-system-x86_64"
#define PAYLOAD		"/tmp/upcilab-payload.elf"	/* in /host */
#define SERIAL		"/tmp/upcilab-nested-serial.log"	/* in /host */
#define PROMPT		"(qemu) "
#define START_MS	120000
#define RUN_MS		600000
/* isa-debug-exit: QEMU exits with (value << 1) | 1; the payload writes 0 */
#define PAYLOAD_PASSED	1

/* The payload, linked in by qemu_nested_payload.S */
extern const unsigned char upcilab_payload[], upcilab_payload_end[];

FIXTURE(nested) {
	char bdf[PCI_TOPO_BDF_SIZE];
	struct host_run run;
	long pinned;
};

FIXTURE_VARIANT(nested) {
	const char *id;		/* the scenario's device */
	const char *ids;	/* as info pci shows them */
};

FIXTURE_VARIANT_ADD(nested, mdma0) {
	.id = "mdma0", .ids = "PCI device 1234:5ad0",
};

FIXTURE_VARIANT_ADD(nested, edu0) {
	.id = "edu0", .ids = "PCI device 1234:11e8",
};

static int write_payload(void)
{
	size_t len = upcilab_payload_end - upcilab_payload;
	int fd = open(HOST_ROOT PAYLOAD, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, upcilab_payload, len) != (ssize_t)len)
		ret = -EIO;
	close(fd);
	return ret;
}

FIXTURE_SETUP(nested)
{
	char why[256];

	self->run = (struct host_run){ .in = -1 };
	if (!host_run_available(QEMU, why, sizeof(why)))
		SKIP(return, "%s", why);
	REQUIRE_DEVICE(variant->id, self->bdf);
	ASSERT_EQ(0, write_payload());
	unlink(HOST_ROOT SERIAL);
	ASSERT_EQ(0, vfio_lab_pinned_pages(&self->pinned));
}

FIXTURE_TEARDOWN(nested)
{
	host_run_cleanup(&self->run);
}

/* The size of each BAR of @bdf as this VM sees it (0: none) */
static int bar_sizes(const char *bdf, unsigned long long size[6])
{
	char path[96], line[128];
	unsigned long long start, end, flags;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (i = 0; i < 6 && fgets(line, sizeof(line), f); i++) {
		size[i] = 0;
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) == 3 && end)
			size[i] = end - start + 1;
	}
	fclose(f);
	return i == 6 ? 0 : -EIO;
}

/*
 * The size of BAR @bar in `info pci` output, in the block of @dev (0: not
 * shown): "BAR2: 64 bit prefetchable memory at 0xfe800000 [0xfe9fffff]."
 */
static unsigned long long info_pci_bar(const char *info, const char *dev, int bar)
{
	const char *s = strstr(info, dev), *next, *b, *at, *br;
	char needle[16];

	if (!s)
		return 0;
	next = strstr(s, "  Bus ");
	snprintf(needle, sizeof(needle), "BAR%d: ", bar);
	b = strstr(s, needle);
	if (!b || (next && b > next))
		return 0;
	at = strstr(b, " at 0x");
	br = strstr(b, "[0x");
	if (!at || !br || strchr(b, '\n') < br)
		return 0;
	return strtoull(br + 1, NULL, 16) - strtoull(at + 4, NULL, 16) + 1;
}

/*
 * QEMU's own error and warning lines all start with its name. The one
 * expected: a device with no reset method (edu) cannot be reset, and QEMU
 * says so; that line is accepted exactly when sysfs agrees.
 */
static bool qemu_complained(const char *out, const char *bdf, char *line, size_t size)
{
	char no_reset[128], path[96];
	const char *s;
	size_t n;

	snprintf(no_reset, sizeof(no_reset),
		 "qemu-system-x86_64: vfio: Cannot reset device %s, no available reset mechanism.",
		 bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", bdf);
	for (s = out; (s = strstr(s, "qemu-system-x86_64:")); s += n) {
		n = strcspn(s, "\n");
		if (n == strlen(no_reset) && !strncmp(s, no_reset, n) && access(path, F_OK))
			continue;
		snprintf(line, size, "%.*s", (int)(n < size ? n : size - 1), s);
		return true;
	}
	return false;
}

static void run_nested(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self,
		       const FIXTURE_VARIANT(nested) *variant, const char *label)
{
	char host[64], complaint[256], *out, *serial;
	char *argv[] = {
		QEMU, "-M", "pc", "-accel", "tcg", "-m", "64", "-nodefaults",
		"-no-user-config", "-display", "none", "-S", "-monitor", "stdio",
		"-chardev", "file,id=ser,path=" SERIAL, "-serial", "chardev:ser",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-device", host, "-kernel", PAYLOAD, NULL,
	};
	unsigned long long size[6];
	double t0, started;
	long pinned;
	int i;

	snprintf(host, sizeof(host), "vfio-pci,host=%s", self->bdf);
	ASSERT_EQ(0, bar_sizes(self->bdf, size));
	t0 = mockdma_now_ms();
	ASSERT_EQ(0, host_run_start(&self->run, argv));
	ASSERT_TRUE(host_run_wait_for(&self->run, PROMPT, lab_timeout_scale() * START_MS)) {
		out = host_run_output(&self->run);
		TH_LOG("QEMU did not come up; it printed:\n%s", out);
		free(out);
	}
	started = mockdma_now_ms() - t0;
	printf("# bench: nested-qemu %s startup_ms=%.0f device=%s driver=%s\n", label,
	       started, variant->id, vfio_lab_driver_name());

	/* the device as the nested machine sees it, before it runs */
	ASSERT_EQ(0, host_run_send(&self->run, "info pci\n"));
	ASSERT_TRUE(host_run_wait_for(&self->run, "(qemu) info pci", 30000) ||
		    host_run_wait_for(&self->run, variant->ids, 30000));
	usleep(500 * 1000);
	out = host_run_output(&self->run);
	EXPECT_TRUE(strstr(out, variant->ids)) TH_LOG("info pci:\n%s", out);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(size[i], info_pci_bar(out, variant->ids, i))
			TH_LOG("BAR%d: %llu bytes here; info pci:\n%s", i, size[i], out);
	free(out);

	ASSERT_EQ(0, host_run_send(&self->run, "cont\n"));
	EXPECT_EQ(0, host_run_wait(&self->run, lab_timeout_scale() * RUN_MS));
	out = host_run_output(&self->run);
	serial = host_read_file(HOST_ROOT SERIAL);
	EXPECT_FALSE(qemu_complained(out, self->bdf, complaint, sizeof(complaint)))
		TH_LOG("QEMU said: %s", complaint);
	EXPECT_TRUE(WIFEXITED(self->run.status) &&
		    WEXITSTATUS(self->run.status) == PAYLOAD_PASSED)
		TH_LOG("QEMU's status %#x; the payload printed:\n%s\nQEMU printed:\n%s",
		       self->run.status, serial, out);
	EXPECT_TRUE(strstr(serial, "# payload: done")) TH_LOG("%s", serial);
	EXPECT_FALSE(strstr(serial, "not ok")) TH_LOG("%s", serial);
	printf("# %s: the payload printed:\n", label);
	for (char *l = strtok(serial, "\n"); l; l = strtok(NULL, "\n"))
		printf("#   %s\n", l);
	free(serial);
	free(out);

	ASSERT_EQ(0, vfio_lab_pinned_pages(&pinned));
	EXPECT_EQ(self->pinned, pinned) TH_LOG("page pins left behind by QEMU");
}

TEST_F_TIMEOUT(nested, qemu_assigns_it_and_the_payload_drives_it, 1800)
{
	run_nested(_metadata, self, variant, "first");
}

/* Unbound and bound again, the device is as good as new */
TEST_F_TIMEOUT(nested, after_a_rebind_it_works_again, 1800)
{
	if (strcmp(variant->id, "mdma0"))
		SKIP(return, "one device is enough to show a rebind");
	ASSERT_EQ(0, pci_topo_unbind(self->bdf));
	ASSERT_EQ(0, pci_topo_bind(self->bdf, vfio_lab_bind_name()));
	run_nested(_metadata, self, variant, "after-rebind");
}

LAB_HARNESS_MAIN
