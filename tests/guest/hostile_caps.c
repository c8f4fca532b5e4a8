// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile config space (issue 13, item 2): a device whose capability
 * lists break the rules must not make the driver write past its
 * permission map, remap header bytes to a capability's policy, or walk a
 * loop; the user must see lists that end.
 *
 * Each device of the scenario is a mockdma with one cap-hostile layout
 * (include/mockdma.h), appended after all its real capabilities:
 *   hc_low      a vendor capability whose next pointer is BAR0 (0x10)
 *   hc_mis      ... whose next pointer is not dword aligned
 *   hc_vlong    ... whose length runs past 0x100
 *   hc_cycle    ... whose next pointer is the head of the list
 *   hc_elong    a vendor-specific extended capability running past 4 KiB
 *   hc_ecycle   ... whose next pointer is 0x100, the head
 *   hc_below    ... whose next pointer is 0x40, below the extended space
 * and hc_rw has vndr-writable=on and no reset (so no PM capability
 * either: 0x90 0x78 0x68 0x50), so a user can rewrite its
 * vendor capability's next pointer and length, close, and open again.
 *
 * On upci: the device opens, every real capability is listed, the lists
 * the user walks end, positions obey the rules, and the log says what was
 * hidden or cut.  On vfio-pci (which shares the gap) the test records
 * what upstream shows; hc_elong is skipped there on the stock kernel
 * because vfio-pci writes past the end of its 4 KiB permission map for it
 * (a heap overflow, which would poison the rest of the run); on the
 * sanitizer kernel it runs, and KASAN reports it (make sanitize runs upci
 * only: upcilab --kernel ... --driver vfio-pci run hostile-caps shows it).
 *
 * Well-formed capabilities that no other device has, where upci must do
 * what vfio-pci does (the same answers on both drivers, no intended
 * difference): hc_extra is a mockdma with cap-extra=on (PCI-X, VPD,
 * Advanced Features, HyperTransport, VC, ACS, Resizable BAR, DPA, TPH,
 * DVSEC; include/mockdma.h) and flr=off, so the host resets it through
 * Advanced Features; hc_sata is QEMU's ich9-ahci, whose SATA capability
 * keeps its registers in a BAR (the 8-byte form).  Each capability is in
 * the user's list, its bytes (as many as vfio_cap_len() and
 * vfio_ext_cap_len() give it) read as the device's, and writes do what
 * vfio_pci_config.c lets them: PCI-X Command and DVSEC reach the device,
 * VC, ACS and TPH (no permission bits) are dropped, VPD goes through the
 * host's VPD access, AF's Initiate FLR resets the function.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/pci_regs.h>

#include "klog.h"
#include "mockdma.h"
#include "vfio_lab.h"

/* Keep diagnostics in the TAP stream, in order with the results. */
#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"
#include "lab_harness.h"
#include "vfio_assert.h"

#define CFG_SIZE	PCI_CFG_SPACE_EXP_SIZE
#define STD_REAL	"0x90 0x78 0x68 0x50 0x40"	/* EXP MSIX VNDR MSI PM */

/* A list as the user walks it, and whether it obeyed the rules */
struct walk {
	char positions[512];
	bool ends;		/* no loop, no position out of its space */
	char why[128];
};

static int cfg_read(int fd, uint32_t off, unsigned int width, uint32_t *v)
{
	uint64_t val = 0;
	int ret = vfio_lab_config_read(fd, off, width, &val);

	*v = (uint32_t)val;
	return ret;
}

static void walk_add(struct walk *w, unsigned int pos)
{
	size_t n = strlen(w->positions);

	snprintf(w->positions + n, sizeof(w->positions) - n, "%s%#x",
		 n ? " " : "", pos);
}

/* The standard list through the device fd: PCI_CAPABILITY_LIST on */
static int walk_std(int fd, struct walk *w)
{
	bool seen[PCI_CFG_SPACE_SIZE / 4] = { false };
	uint32_t pos, status;
	int ret;

	memset(w, 0, sizeof(*w));
	w->ends = true;
	ret = cfg_read(fd, PCI_STATUS, 2, &status);
	if (ret)
		return ret;
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	ret = cfg_read(fd, PCI_CAPABILITY_LIST, 1, &pos);
	while (!ret && pos) {
		if (pos < PCI_STD_HEADER_SIZEOF || pos % 4 || seen[pos / 4]) {
			snprintf(w->why, sizeof(w->why), "%#x is %s", pos,
				 pos < PCI_STD_HEADER_SIZEOF ? "in the header" :
				 pos % 4 ? "not dword aligned" : "a loop");
			w->ends = false;
			return 0;
		}
		seen[pos / 4] = true;
		walk_add(w, pos);
		ret = cfg_read(fd, pos + PCI_CAP_LIST_NEXT, 1, &pos);
	}
	return ret;
}

/* The extended list through the device fd, from 0x100 */
static int walk_ext(int fd, struct walk *w)
{
	bool seen[CFG_SIZE / 4] = { false };
	uint32_t pos = PCI_CFG_SPACE_SIZE, hdr;
	int ret = 0;

	memset(w, 0, sizeof(*w));
	w->ends = true;
	while (pos) {
		if (pos < PCI_CFG_SPACE_SIZE || seen[pos / 4]) {
			snprintf(w->why, sizeof(w->why), "%#x is %s", pos,
				 pos < PCI_CFG_SPACE_SIZE ? "below 0x100" : "a loop");
			w->ends = false;
			return 0;
		}
		seen[pos / 4] = true;
		ret = cfg_read(fd, pos, 4, &hdr);
		if (ret || !hdr)
			break;
		walk_add(w, pos);
		pos = PCI_EXT_CAP_NEXT(hdr);
	}
	return ret;
}

/* Lines of the kernel log that name @bdf and say @what */
static int log_lines(const char *bdf, const char *what)
{
	const char *needles[] = { bdf, what };

	return klog_count_now(needles, 2);
}

static int hidden_or_cut(const char *bdf)
{
	return log_lines(bdf, " list cut at ") + log_lines(bdf, " hidden: its ");
}

/* The lab's sanitizer kernel (ci/debug-kernel.config): KASAN sees overflows */
static bool sanitizer_kernel(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.release, "-upci-debug");
}

FIXTURE(hostile) {
	struct vfio_lab_dev d;
	char bdf[PCI_TOPO_BDF_SIZE];
};

FIXTURE_VARIANT(hostile) {
	const char *dev;
	uint32_t kind;
	const char *std;	/* what upci lists: positions */
	const char *ext;
	const char *says;	/* the log line upci prints */
};

FIXTURE_VARIANT_ADD(hostile, low) {
	.dev = "hc_low", .kind = MOCKDMA_HOSTILE_LOW,
	.std = STD_REAL " 0xf0", .ext = "0x100",
	.says = "capability list cut at 0x10: the pointer at 0xf1 points below the list's space",
};

FIXTURE_VARIANT_ADD(hostile, misaligned) {
	.dev = "hc_mis", .kind = MOCKDMA_HOSTILE_MISALIGNED,
	.std = STD_REAL " 0xf0", .ext = "0x100",
	.says = "capability list cut at 0x6a: the pointer at 0xf1 is not dword aligned",
};

FIXTURE_VARIANT_ADD(hostile, vndr_long) {
	.dev = "hc_vlong", .kind = MOCKDMA_HOSTILE_VNDR_LONG,
	.std = STD_REAL, .ext = "0x100",
	.says = "capability 0x9 at 0xf0 hidden: its 64 bytes run past 0x100",
};

FIXTURE_VARIANT_ADD(hostile, cycle) {
	.dev = "hc_cycle", .kind = MOCKDMA_HOSTILE_CYCLE,
	.std = STD_REAL " 0xf0", .ext = "0x100",
	.says = "capability list cut at 0x90: the pointer at 0xf1 loops back",
};

FIXTURE_VARIANT_ADD(hostile, ecap_long) {
	.dev = "hc_elong", .kind = MOCKDMA_HOSTILE_ECAP_LONG,
	.std = STD_REAL, .ext = "0x100",
	.says = "extended capability 0xb at 0xf00 hidden: its 2048 bytes run past 0x1000",
};

FIXTURE_VARIANT_ADD(hostile, ecap_cycle) {
	.dev = "hc_ecycle", .kind = MOCKDMA_HOSTILE_ECAP_CYCLE,
	.std = STD_REAL, .ext = "0x100 0xf00",
	.says = "extended capability list cut at 0x100: the pointer at 0xf00 loops back",
};

FIXTURE_VARIANT_ADD(hostile, below_ecap) {
	.dev = "hc_below", .kind = MOCKDMA_HOSTILE_BELOW_ECAP,
	.std = STD_REAL, .ext = "0x100 0xf00",
	.says = "extended capability list cut at 0x40: the pointer at 0xf00 points below the list's space",
};

FIXTURE_SETUP(hostile)
{
	self->d = (struct vfio_lab_dev){ .container = -1, .group = -1, .fd = -1 };
}

FIXTURE_TEARDOWN(hostile)
{
	vfio_lab_close(&self->d);
}

TEST_F_TIMEOUT(hostile, opens_with_lists_that_end, 120)
{
	struct walk std, ext;
	uint64_t kind = 0;
	int before;
	char why[256];

	REQUIRE_DEVICE(variant->dev, self->bdf);
	if (vfio_lab_driver() != VFIO_LAB_UPCI && variant->kind == MOCKDMA_HOSTILE_ECAP_LONG &&
	    !sanitizer_kernel())
		SKIP(return, "vfio-pci writes 0x700 bytes past its 4 KiB permission map for this device (vfio_ecap_init trusts the VSEC length): a heap overflow on this stock kernel; the sanitizer kernel reports it");
	before = hidden_or_cut(self->bdf);
	ASSERT_LE(0, before);

	ASSERT_EQ(0, vfio_lab_open_device(&self->d, self->bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why)))
		TH_LOG("%s", why);
	/* the device itself works, and is the one we think */
	ASSERT_EQ(0, vfio_lab_reg_read(self->d.fd, VFIO_PCI_BAR0_REGION_INDEX,
				       MOCKDMA_REG_CAP_HOSTILE, 4, &kind));
	ASSERT_EQ(variant->kind, kind);

	ASSERT_EQ(0, walk_std(self->d.fd, &std));
	ASSERT_EQ(0, walk_ext(self->d.fd, &ext));
	printf("# %s on %s: standard list \"%s\"%s%s, extended list \"%s\"%s%s, %d new log lines, %d conflict lines\n",
	       variant->dev, vfio_lab_driver_name(), std.positions,
	       std.ends ? "" : ", then ", std.why, ext.positions,
	       ext.ends ? "" : ", then ", ext.why, hidden_or_cut(self->bdf) - before,
	       log_lines(self->bdf, "config conflict"));

	if (vfio_lab_driver() != VFIO_LAB_UPCI) {
		/* upstream's view, recorded above; it must still list its real ones */
		EXPECT_EQ(0, strncmp(std.positions, STD_REAL, strlen(STD_REAL)));
		return;
	}
	EXPECT_TRUE(std.ends) TH_LOG("the standard list goes on: %s", std.why);
	EXPECT_TRUE(ext.ends) TH_LOG("the extended list goes on: %s", ext.why);
	EXPECT_STREQ(variant->std, std.positions);
	EXPECT_STREQ(variant->ext, ext.positions);
	EXPECT_EQ(1, log_lines(self->bdf, variant->says) > 0)
		TH_LOG("no log line \"%s\"", variant->says);
}

/*
 * hc_rw: the user rewrites the vendor capability (raw writes reach the
 * device, as on vfio-pci), closes, and opens again: the driver builds its
 * view from what the device now says.
 */
FIXTURE(rewritten) {
	struct vfio_lab_dev d;
	char bdf[PCI_TOPO_BDF_SIZE];
};

FIXTURE_VARIANT(rewritten) {
	uint32_t off;		/* in the vendor capability */
	uint32_t val;
	const char *std;	/* what upci then lists */
	const char *says;
};

FIXTURE_VARIANT_ADD(rewritten, next_to_itself) {
	.off = PCI_CAP_LIST_NEXT, .val = MOCKDMA_CAP_VNDR,
	.std = "0x90 0x78 0x68",
	.says = "capability list cut at 0x68: the pointer at 0x69 loops back",
};

FIXTURE_VARIANT_ADD(rewritten, next_into_bar0) {
	.off = PCI_CAP_LIST_NEXT, .val = PCI_BASE_ADDRESS_0,
	.std = "0x90 0x78 0x68",
	.says = "capability list cut at 0x10: the pointer at 0x69 points below the list's space",
};

FIXTURE_VARIANT_ADD(rewritten, length_past_the_end) {
	.off = PCI_CAP_FLAGS, .val = 0xff,
	.std = "0x90 0x78 0x50",
	.says = "capability 0x9 at 0x68 hidden: its 255 bytes run past 0x100",
};

FIXTURE_SETUP(rewritten)
{
	self->d = (struct vfio_lab_dev){ .container = -1, .group = -1, .fd = -1 };
}

FIXTURE_TEARDOWN(rewritten)
{
	vfio_lab_close(&self->d);
}

static int open_dev(struct vfio_lab_dev *d, const char *bdf)
{
	char why[256];
	int ret = vfio_lab_open_device(d, bdf, VFIO_TYPE1v2_IOMMU, why, sizeof(why));

	if (ret)
		printf("# %s\n", why);
	return ret;
}

TEST_F_TIMEOUT(rewritten, reopen_sees_a_sanitized_list, 120)
{
	uint32_t off = MOCKDMA_CAP_VNDR + variant->off, saved, now;
	struct walk std;
	int before;

	REQUIRE_DEVICE("hc_rw", self->bdf);
	ASSERT_EQ(0, open_dev(&self->d, self->bdf));
	ASSERT_EQ(0, cfg_read(self->d.fd, off, 1, &saved));
	ASSERT_EQ(0, vfio_lab_config_write(self->d.fd, off, 1, variant->val));
	/* the write reached the device: its raw config space says so */
	ASSERT_EQ(0, mockdma_raw_config_read(self->bdf, off, &now, 1));
	ASSERT_EQ(variant->val, now & 0xff);
	vfio_lab_close(&self->d);

	before = hidden_or_cut(self->bdf);
	ASSERT_EQ(0, open_dev(&self->d, self->bdf));
	ASSERT_EQ(0, walk_std(self->d.fd, &std));
	printf("# hc_rw on %s, byte %#x = %#x: standard list \"%s\"%s%s, %d new log lines\n",
	       vfio_lab_driver_name(), off, variant->val, std.positions,
	       std.ends ? "" : ", then ", std.why, hidden_or_cut(self->bdf) - before);
	if (vfio_lab_driver() == VFIO_LAB_UPCI) {
		EXPECT_TRUE(std.ends) TH_LOG("the list goes on: %s", std.why);
		EXPECT_STREQ(variant->std, std.positions);
		EXPECT_EQ(1, log_lines(self->bdf, variant->says) > 0)
			TH_LOG("no log line \"%s\"", variant->says);
	}
	if (variant->off == PCI_CAP_FLAGS) {
		/* a hidden capability's bytes are read-only, not raw */
		uint32_t body = MOCKDMA_CAP_VNDR + MOCKDMA_VNDR_VERSION, was, after;

		ASSERT_EQ(0, mockdma_raw_config_read(self->bdf, body, &was, 1));
		ASSERT_EQ(0, vfio_lab_config_write(self->d.fd, body, 1, ~was & 0xff));
		ASSERT_EQ(0, mockdma_raw_config_read(self->bdf, body, &after, 1));
		printf("# hc_rw on %s: a write to the hidden capability's byte %#x %s the device\n",
		       vfio_lab_driver_name(), body,
		       (was & 0xff) == (after & 0xff) ? "did not reach" : "reached");
		EXPECT_EQ(intended_difference(~was & 0xff, was & 0xff,
					      "a capability hidden as malformed is read-only on upci, raw on vfio-pci"),
			  after & 0xff);
		mockdma_raw_config_write(self->bdf, body, &was, 1);
	}

	/* put the byte back as the host (no reset restores it on this device) */
	EXPECT_EQ(0, mockdma_raw_config_write(self->bdf, off, &saved, 1));
	vfio_lab_close(&self->d);
	ASSERT_EQ(0, open_dev(&self->d, self->bdf));
	ASSERT_EQ(0, walk_std(self->d.fd, &std));
	EXPECT_STREQ("0x90 0x78 0x68 0x50", std.positions);
}

/*
 * ---- Capabilities no other device has (hc_extra, hc_sata) ----
 */

/* What both drivers list for hc_extra: the real ones, then cap-extra's */
#define EXTRA_STD	STD_REAL " 0x48 0x84 0xcc 0xd4"
#define EXTRA_EXT	"0x100 0x200 0x250 0x260 0x270 0x288 0x2a0"

static uint16_t le16_at(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32_at(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * vfio-pci's length of a standard capability from the device's bytes
 * (vfio_cap_len(), and pci_cap_length[] for the fixed ones), for the IDs
 * this file meets; 0 for the others.
 */
static int vfio_std_len(const uint8_t *cfg, unsigned int pos)
{
	switch (cfg[pos]) {
	case PCI_CAP_ID_VPD:
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_AF:
		return PCI_CAP_AF_SIZEOF;
	case PCI_CAP_ID_PCIX:
		return PCI_X_CMD_VERSION(le16_at(cfg + pos + PCI_X_CMD)) ?
		       PCI_CAP_PCIX_SIZEOF_V2 : PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_HT:
		return cfg[pos + 3] & HT_3BIT_CAP_MASK ? HT_CAP_SIZEOF_SHORT :
							HT_CAP_SIZEOF_LONG;
	case PCI_CAP_ID_SATA:
		return (cfg[pos + PCI_SATA_REGS] & PCI_SATA_REGS_MASK) ==
		       PCI_SATA_REGS_INLINE ? PCI_SATA_SIZEOF_LONG :
					      PCI_SATA_SIZEOF_SHORT;
	}
	return 0;
}

/* The same for an extended capability (vfio_ext_cap_len()) */
static int vfio_ext_len(const uint8_t *cfg, unsigned int pos)
{
	uint32_t v;
	int len, phases;

	switch (PCI_EXT_CAP_ID(le32_at(cfg + pos))) {
	case PCI_EXT_CAP_ID_VC:
		v = le32_at(cfg + pos + PCI_VC_PORT_CAP2);
		phases = v & PCI_VC_CAP2_128_PHASE ? 128 :
			 v & PCI_VC_CAP2_64_PHASE ? 64 :
			 v & PCI_VC_CAP2_32_PHASE ? 32 : 0;
		len = PCI_CAP_VC_BASE_SIZEOF + (1 + (le32_at(cfg + pos + PCI_VC_PORT_CAP1) &
					     PCI_VC_CAP1_EVCC)) * PCI_CAP_VC_PER_VC_SIZEOF;
		if (phases)
			len = (len + 15) / 16 * 16 + phases * 4 / 8;
		return len;
	case PCI_EXT_CAP_ID_ACS:
		if (!(cfg[pos + PCI_ACS_CAP] & PCI_ACS_EC))
			return 8;
		v = cfg[pos + PCI_ACS_EGRESS_BITS];
		return 8 + (v ? (v + 31) / 32 * 32 : 256) / 8;
	case PCI_EXT_CAP_ID_REBAR:
		return 4 + ((cfg[pos + PCI_REBAR_CTRL] & PCI_REBAR_CTRL_NBAR_MASK) >>
			    PCI_REBAR_CTRL_NBAR_SHIFT) * 8;
	case PCI_EXT_CAP_ID_DPA:
		return PCI_DPA_BASE_SIZEOF +
		       (cfg[pos + PCI_DPA_CAP] & PCI_DPA_CAP_SUBSTATE_MASK) + 1;
	case PCI_EXT_CAP_ID_TPH:
		v = le32_at(cfg + pos + PCI_TPH_CAP);
		if ((v & PCI_TPH_CAP_LOC_MASK) != PCI_TPH_LOC_CAP)
			return PCI_TPH_BASE_SIZEOF;
		return PCI_TPH_BASE_SIZEOF +
		       ((v & PCI_TPH_CAP_ST_MASK) >> PCI_TPH_CAP_ST_SHIFT) * 2 + 2;
	case PCI_EXT_CAP_ID_DVSEC:
		return PCI_DVSEC_HEADER1_LEN(le32_at(cfg + pos + PCI_DVSEC_HEADER1));
	}
	return 0;
}

struct extra_cap {
	const char *name;
	bool ext;
	uint16_t pos;
	uint16_t id;
	uint16_t len;		/* what vfio-pci computes for it */
};

static const struct extra_cap extra_caps[] = {
	{ "PCI-X", false, MOCKDMA_CAP_PCIX, PCI_CAP_ID_PCIX, PCI_CAP_PCIX_SIZEOF_V0 },
	{ "VPD", false, MOCKDMA_CAP_VPD, PCI_CAP_ID_VPD, PCI_CAP_VPD_SIZEOF },
	{ "AF", false, MOCKDMA_CAP_AF, PCI_CAP_ID_AF, PCI_CAP_AF_SIZEOF },
	{ "HT", false, MOCKDMA_CAP_HT, PCI_CAP_ID_HT, HT_CAP_SIZEOF_LONG },
	{ "VC", true, MOCKDMA_ECAP_VC, PCI_EXT_CAP_ID_VC, MOCKDMA_ECAP_VC_LEN },
	{ "ACS", true, MOCKDMA_ECAP_ACS, PCI_EXT_CAP_ID_ACS, MOCKDMA_ECAP_ACS_LEN },
	{ "REBAR", true, MOCKDMA_ECAP_REBAR, PCI_EXT_CAP_ID_REBAR, MOCKDMA_ECAP_REBAR_LEN },
	{ "DPA", true, MOCKDMA_ECAP_DPA, PCI_EXT_CAP_ID_DPA, MOCKDMA_ECAP_DPA_LEN },
	{ "TPH", true, MOCKDMA_ECAP_TPH, PCI_EXT_CAP_ID_TPH, MOCKDMA_ECAP_TPH_LEN },
	{ "DVSEC", true, MOCKDMA_ECAP_DVSEC, PCI_EXT_CAP_ID_DVSEC, MOCKDMA_ECAP_DVSEC_LEN },
};

/*
 * Whether the user's bytes [pos, pos + len) equal the device's (@raw, read
 * from sysfs): says where they first differ.
 */
static bool same_bytes(int fd, const uint8_t *raw, unsigned int pos, int len,
		       char *why, size_t size)
{
	uint8_t user[PCI_CFG_SPACE_EXP_SIZE];
	ssize_t n = vfio_lab_region_read(fd, VFIO_PCI_CONFIG_REGION_INDEX, pos,
					 user, len);

	if (n != len) {
		snprintf(why, size, "config read of %d bytes at %#x: %zd", len, pos, n);
		return false;
	}
	for (int i = 0; i < len; i++) {
		if (user[i] != raw[pos + i]) {
			snprintf(why, size, "byte %#x: the user reads %#x, the device has %#x",
				 pos + i, user[i], raw[pos + i]);
			return false;
		}
	}
	return true;
}

/* Whether @pos is one of the positions of a walk */
static bool listed(const struct walk *w, unsigned int pos)
{
	char want[16];
	const char *p = w->positions;
	size_t n = (size_t)snprintf(want, sizeof(want), "%#x", pos);

	while ((p = strstr(p, want))) {
		if ((p == w->positions || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

FIXTURE(extra) {
	struct vfio_lab_dev d;
	char bdf[PCI_TOPO_BDF_SIZE];
	uint8_t raw[CFG_SIZE];	/* the device's config space, from sysfs */
};

FIXTURE_SETUP(extra)
{
	self->d = (struct vfio_lab_dev){ .container = -1, .group = -1, .fd = -1 };
}

FIXTURE_TEARDOWN(extra)
{
	vfio_lab_close(&self->d);
}

/* Open hc_extra (or SKIP) and read its raw config space */
#define open_extra(self) do {						\
	REQUIRE_DEVICE("hc_extra", (self)->bdf);			\
	ASSERT_EQ(0, open_dev(&(self)->d, (self)->bdf));		\
	ASSERT_EQ(0, mockdma_raw_config_read((self)->bdf, 0, (self)->raw,	\
					     sizeof((self)->raw)));	\
} while (0)

TEST_F_TIMEOUT(extra, listed_and_read_as_the_device, 60)
{
	struct walk std, ext;
	char why[128];

	open_extra(self);
	ASSERT_EQ(0, walk_std(self->d.fd, &std));
	ASSERT_EQ(0, walk_ext(self->d.fd, &ext));
	printf("# hc_extra on %s: standard list \"%s\", extended list \"%s\"\n",
	       vfio_lab_driver_name(), std.positions, ext.positions);
	EXPECT_STREQ(EXTRA_STD, std.positions);
	EXPECT_STREQ(EXTRA_EXT, ext.positions);

	for (size_t i = 0; i < sizeof(extra_caps) / sizeof(extra_caps[0]); i++) {
		const struct extra_cap *c = &extra_caps[i];
		const uint8_t *at = self->raw + c->pos;
		int len = c->ext ? vfio_ext_len(self->raw, c->pos) :
				   vfio_std_len(self->raw, c->pos);

		/* the device is what this test thinks it is */
		EXPECT_EQ(c->id, c->ext ? PCI_EXT_CAP_ID(le32_at(at)) : at[0])
			TH_LOG("%s: no such capability at %#x", c->name, c->pos);
		EXPECT_EQ(c->len, len) TH_LOG("%s: vfio-pci's length", c->name);
		EXPECT_TRUE(listed(c->ext ? &ext : &std, c->pos))
			TH_LOG("%s at %#x is not in the user's list", c->name, c->pos);
		EXPECT_TRUE(same_bytes(self->d.fd, self->raw, c->pos, len, why,
				       sizeof(why)))
			TH_LOG("%s: %s", c->name, why);
	}
}

/*
 * One write through the config region at @off, then the device's bytes
 * there (sysfs).
 */
static uint32_t write_then_raw(struct __test_metadata *_metadata, int fd,
			       const char *bdf, uint32_t off, unsigned int width,
			       uint32_t val)
{
	uint32_t raw = 0;

	EXPECT_EQ(0, vfio_lab_config_write(fd, off, width, val));
	EXPECT_EQ(0, mockdma_raw_config_read(bdf, off, &raw, width));
	return raw;
}

/*
 * Writes vfio-pci lets through reach the device (PCI-X Command, every bit
 * writable; DVSEC, raw); those it has no permission bits for are dropped,
 * up to the last byte of the length it computes (the VC arbitration
 * table, ACS's egress vector, TPH's last ST entry: writable on the
 * device, so a write that got through would show).
 */
TEST_F_TIMEOUT(extra, writes_as_vfio_pci_permits, 60)
{
	const uint32_t cmd = MOCKDMA_CAP_PCIX + PCI_X_CMD;
	const uint32_t scratch = MOCKDMA_ECAP_DVSEC + MOCKDMA_DVSEC_SCRATCH;
	const struct {
		const char *what;
		uint32_t off;
		unsigned int width;
	} dropped[] = {
		{ "the VC arbitration table's last dword",
		  MOCKDMA_ECAP_VC + MOCKDMA_ECAP_VC_LEN - 4, 4 },
		{ "ACS's egress control vector",
		  MOCKDMA_ECAP_ACS + PCI_ACS_EGRESS_CTL_V, 4 },
		{ "TPH's last ST table entry",
		  MOCKDMA_ECAP_TPH + MOCKDMA_ECAP_TPH_LEN - 2, 2 },
	};

	open_extra(self);
	EXPECT_EQ(PCI_X_CMD_ERO, write_then_raw(_metadata, self->d.fd, self->bdf,
						cmd, 2, PCI_X_CMD_ERO))
		TH_LOG("PCI-X Command did not reach the device");
	EXPECT_EQ(0, write_then_raw(_metadata, self->d.fd, self->bdf, cmd, 2, 0));
	EXPECT_EQ(0x5eed5eedu, write_then_raw(_metadata, self->d.fd, self->bdf,
					      scratch, 4, 0x5eed5eed))
		TH_LOG("the DVSEC write did not reach the device");
	EXPECT_EQ(0, write_then_raw(_metadata, self->d.fd, self->bdf, scratch, 4, 0));
	for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		uint32_t was = 0, val = dropped[i].width == 2 ? 0xbeef : 0x76543210;

		ASSERT_EQ(0, mockdma_raw_config_read(self->bdf, dropped[i].off, &was,
						     dropped[i].width));
		EXPECT_EQ(was, write_then_raw(_metadata, self->d.fd, self->bdf,
					      dropped[i].off, dropped[i].width, val))
			TH_LOG("a write to %s reached the device", dropped[i].what);
	}
}

/* The host's VPD (sysfs vpd): what pci_read_vpd() reads; its length */
static ssize_t host_vpd(const char *bdf, uint8_t *buf, size_t size)
{
	char path[128];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vpd", bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got < size && (n = pread(fd, buf + got, size - got, got)) > 0)
		got += n;
	if (n < 0)
		got = -errno;
	close(fd);
	return got;
}

/* A VPD read through the user's VPD capability: F must come back set */
static int user_vpd_read(int fd, uint32_t addr, uint32_t *data)
{
	uint32_t a;
	int ret = vfio_lab_config_write(fd, MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 2, addr);

	if (!ret)
		ret = cfg_read(fd, MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 2, &a);
	if (!ret && a != (addr | PCI_VPD_ADDR_F))
		return -EIO;
	return ret ? ret : cfg_read(fd, MOCKDMA_CAP_VPD + PCI_VPD_DATA, 4, data);
}

/* And a write: F set, cleared when done */
static int user_vpd_write(int fd, uint32_t addr, uint32_t data)
{
	uint32_t a;
	int ret = vfio_lab_config_write(fd, MOCKDMA_CAP_VPD + PCI_VPD_DATA, 4, data);

	if (!ret)
		ret = vfio_lab_config_write(fd, MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 2,
					    addr | PCI_VPD_ADDR_F);
	if (!ret)
		ret = cfg_read(fd, MOCKDMA_CAP_VPD + PCI_VPD_ADDR, 2, &a);
	return ret ? ret : a == addr ? 0 : -EIO;
}

/*
 * VPD through the capability's Address and Data registers, which both
 * drivers virtualize and serve with the host's VPD access: every dword
 * reads as the host's VPD, and a write lands in the device's VPD-W.
 */
TEST_F_TIMEOUT(extra, vpd_through_the_host, 60)
{
	uint8_t host[MOCKDMA_VPD_LEN + 4] = { 0 }, again[MOCKDMA_VPD_LEN + 4];
	uint32_t data, saved;

	open_extra(self);
	ASSERT_EQ(MOCKDMA_VPD_LEN, host_vpd(self->bdf, host, sizeof(host)));
	ASSERT_EQ(0x82, host[0]);
	ASSERT_EQ(0, memcmp(host + 3, MOCKDMA_VPD_ID, strlen(MOCKDMA_VPD_ID)));

	for (uint32_t a = 0; a < MOCKDMA_VPD_LEN; a += 4) {
		ASSERT_EQ(0, user_vpd_read(self->d.fd, a, &data))
			TH_LOG("VPD read at %#x: F not set", a);
		EXPECT_EQ(le32_at(host + a), data) TH_LOG("VPD dword %#x", a);
	}

	ASSERT_EQ(0, user_vpd_read(self->d.fd, MOCKDMA_VPD_W_DATA, &saved));
	ASSERT_EQ(0, user_vpd_write(self->d.fd, MOCKDMA_VPD_W_DATA, 0x4b434f4d))
		TH_LOG("VPD write: F not cleared");
	EXPECT_EQ(0, user_vpd_read(self->d.fd, MOCKDMA_VPD_W_DATA, &data));
	EXPECT_EQ(0x4b434f4du, data);
	ASSERT_EQ(MOCKDMA_VPD_LEN, host_vpd(self->bdf, again, sizeof(again)));
	EXPECT_EQ(0, memcmp(again + MOCKDMA_VPD_W_DATA, "MOCK", 4))
		TH_LOG("the write did not reach the device's VPD");
	/* put it back */
	ASSERT_EQ(0, user_vpd_write(self->d.fd, MOCKDMA_VPD_W_DATA, saved));
	ASSERT_EQ(MOCKDMA_VPD_LEN, host_vpd(self->bdf, again, sizeof(again)));
	EXPECT_EQ(0, memcmp(host, again, MOCKDMA_VPD_LEN));
}

static uint32_t bar0(struct __test_metadata *_metadata, int fd, uint32_t reg)
{
	uint64_t v = 0;

	EXPECT_EQ(0, vfio_lab_reg_read(fd, VFIO_PCI_BAR0_REGION_INDEX, reg, 4, &v));
	return v;
}

/*
 * Initiate FLR in AF Control: the host resets the function, here by the
 * AF FLR itself (flr=off: no PCIe FLR; Linux tries AF before PM).  The
 * bit reads 0.
 */
TEST_F_TIMEOUT(extra, af_flr_resets_the_function, 60)
{
	uint32_t ctrl, count;

	open_extra(self);
	ASSERT_EQ(0, vfio_lab_reg_write(self->d.fd, VFIO_PCI_BAR0_REGION_INDEX,
					MOCKDMA_REG_SCRATCH, 4, 0x5a5a5a5a));
	count = bar0(_metadata, self->d.fd, MOCKDMA_REG_RESET_COUNT);
	ASSERT_EQ(0, vfio_lab_config_write(self->d.fd, MOCKDMA_CAP_AF + PCI_AF_CTRL, 1,
					   PCI_AF_CTRL_FLR));
	ASSERT_EQ(0, cfg_read(self->d.fd, MOCKDMA_CAP_AF + PCI_AF_CTRL, 1, &ctrl));
	EXPECT_EQ(0, ctrl) TH_LOG("Initiate FLR reads back");
	EXPECT_EQ(count + 1, bar0(_metadata, self->d.fd, MOCKDMA_REG_RESET_COUNT))
		TH_LOG("no reset");
	EXPECT_EQ(MOCKDMA_RESET_AF_FLR, bar0(_metadata, self->d.fd, MOCKDMA_REG_LAST_RESET));
	EXPECT_EQ(0, bar0(_metadata, self->d.fd, MOCKDMA_REG_SCRATCH));
	EXPECT_EQ(MOCKDMA_MAGIC, bar0(_metadata, self->d.fd, MOCKDMA_REG_MAGIC));
}

/*
 * QEMU's ich9-ahci: the SATA capability (ID 0x12 at 0xa8, its registers
 * in BAR4: the 8-byte form) is in the user's list, which is the
 * device's, and reads as the device's.  Neither driver lets a write
 * through (no permission bits): it succeeds and is dropped.  QEMU keeps
 * those bytes read-only anyway, so only the answer can show a
 * difference here.
 */
TEST(sata_listed_and_read_as_the_device)
{
	struct vfio_lab_dev d = { .container = -1, .group = -1, .fd = -1 };
	char bdf[PCI_TOPO_BDF_SIZE], why[128];
	uint8_t raw[PCI_CFG_SPACE_SIZE];
	struct walk user;
	char device[64] = "";
	int pos, len;

	REQUIRE_DEVICE("hc_sata", bdf);
	ASSERT_EQ(0, open_dev(&d, bdf));
	ASSERT_EQ(0, mockdma_raw_config_read(bdf, 0, raw, sizeof(raw)));
	pos = mockdma_cap_offset(raw, sizeof(raw), PCI_CAP_ID_SATA);
	ASSERT_EQ(0xa8, pos) TH_LOG("no SATA capability where ich9-ahci has it");
	len = vfio_std_len(raw, pos);
	EXPECT_EQ(PCI_SATA_SIZEOF_SHORT, len);

	/* the device's list, as a careful walk of the raw bytes sees it */
	for (int p = raw[PCI_CAPABILITY_LIST], hops = 0; p && hops < 48;
	     p = raw[p + PCI_CAP_LIST_NEXT], hops++)
		snprintf(device + strlen(device), sizeof(device) - strlen(device),
			 "%s%#x", *device ? " " : "", p);
	ASSERT_EQ(0, walk_std(d.fd, &user));
	printf("# hc_sata on %s: the device's list \"%s\", the user's \"%s\"\n",
	       vfio_lab_driver_name(), device, user.positions);
	EXPECT_STREQ(device, user.positions);
	EXPECT_TRUE(listed(&user, pos));
	EXPECT_TRUE(same_bytes(d.fd, raw, pos, len, why, sizeof(why)))
		TH_LOG("%s", why);
	EXPECT_EQ(0, vfio_lab_config_write(d.fd, pos + PCI_SATA_REGS, 4, 0));
	EXPECT_TRUE(same_bytes(d.fd, raw, pos, len, why, sizeof(why)))
		TH_LOG("after a write: %s", why);
	vfio_lab_close(&d);
}

LAB_HARNESS_MAIN
