// SPDX-License-Identifier: GPL-2.0
/*
 * upci: config-space virtualization.
 *
 * The user must believe it owns the device's config space, yet hardly a field
 * there may reach the hardware unfiltered: the BARs decide where the device
 * decodes in the host's address space, the interrupt bits belong to the
 * host's interrupt setup, and a capability the module cannot mediate has to
 * vanish from the list the user walks. So every access goes through a shadow
 * copy (vconfig) and a per-capability policy that says, bit by bit, what is
 * virtualized (read from and written to vconfig) and what the user may write
 * through to the device. The hard part is keeping the two views coherent:
 * BAR sizing is emulated from the host's resources, the capability chains
 * are relinked around hidden entries, power and reset requests are trapped
 * and carried out by the host, and turning memory decode off must first take
 * every user mapping of the BARs away (upci_rdwr.c) so that no access slips
 * past a disabled decoder. The model, and the answers user space sees, are
 * vfio-pci's (drivers/vfio/pci/vfio_pci_config.c); the policy is the tables
 * below, and the code only interprets them.
 */

#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "upci.h"

/* Byte-map values besides the capability IDs themselves */
#define UPCI_CAP_ID_BASIC	0	/* the standard header (cap ID 0 is hidden) */
#define UPCI_CAP_ID_HIDDEN	0xfd	/* a malformed cap's bytes: read-only */
#define UPCI_CAP_ID_ANCHOR	0xfe	/* hidden first ecap, kept as list head */
#define UPCI_CAP_ID_INVALID	0xff	/* no capability: raw access */

struct upci_config {
	u8 *vconfig;		/* the user's view of config space */
	u8 *map;		/* the capability ID owning each byte */
	u32 rbar[7];		/* BARs 0-5 and ROM as found, for restore */
	bool bardirty;		/* the user wrote a BAR: redo sizing */
	bool extended_caps;	/* the PCIe/PCI-X 2.0 ecap list is walked */
	bool msi_64bit;
};

/*
 * One field of a capability: @virt bits are the user's (vconfig), the rest
 * are read from the device; of those, only @write bits may change.
 */
struct upci_perm {
	u16 off;		/* from the start of the capability */
	u8 len;			/* 1, 2 or 4 */
	u32 virt;
	u32 write;
};

struct upci_cfg_access {
	int pos;		/* in config space */
	int count;		/* 1, 2 or 4, in one dword and one capability */
	int start;		/* where the capability starts */
	int offset;		/* pos - start */
};

struct upci_cap_policy;

typedef int (*upci_cfg_read_t)(struct upci_device *udev,
			       const struct upci_cap_policy *pol,
			       const struct upci_cfg_access *acc, __le32 *val);
typedef int (*upci_cfg_write_t)(struct upci_device *udev,
				const struct upci_cap_policy *pol,
				const struct upci_cfg_access *acc, __le32 val);
typedef int (*upci_cap_len_t)(struct upci_device *udev, int pos);

/*
 * What the user sees of one capability.
 * @len: its length; 0 unlinks it from the chain the user walks
 * @measure: instead of @len, for capabilities of variable length
 * @perms: its fields, ending with an empty one; without them reads come
 *	from the device (the header from vconfig) and writes are dropped,
 *	unless @raw_write
 * @read, @write: handlers with side effects, replacing the defaults
 */
struct upci_cap_policy {
	u16 len;
	upci_cap_len_t measure;
	const struct upci_perm *perms;
	bool raw_write;
	upci_cfg_read_t read;
	upci_cfg_write_t write;
};

#define ALL8		0xffU
#define ALL16		0xffffU
#define ALL32		0xffffffffU

/* ---- The policy tables ---- */

static const struct upci_perm upci_basic_perms[] = {
	/* virtualized for SR-IOV functions, which read all ones here */
	{ PCI_VENDOR_ID,	2, ALL16, 0 },
	{ PCI_DEVICE_ID,	2, ALL16, 0 },
	/*
	 * INTx disable is the host's (it masks INTx with it); every other
	 * bit, memory, I/O and bus master included, goes to the device.
	 */
	{ PCI_COMMAND,		2, PCI_COMMAND_INTX_DISABLE, ALL16 },
	/* follows the capability list we show */
	{ PCI_STATUS,		2, PCI_STATUS_CAP_LIST, 0 },
	/* no harm in writing these */
	{ PCI_CACHE_LINE_SIZE,	1, 0, ALL8 },
	{ PCI_LATENCY_TIMER,	1, 0, ALL8 },
	{ PCI_BIST,		1, 0, ALL8 },
	/* the real BARs are the host's; sizing is emulated on read */
	{ PCI_BASE_ADDRESS_0,	4, ALL32, ALL32 },
	{ PCI_BASE_ADDRESS_1,	4, ALL32, ALL32 },
	{ PCI_BASE_ADDRESS_2,	4, ALL32, ALL32 },
	{ PCI_BASE_ADDRESS_3,	4, ALL32, ALL32 },
	{ PCI_BASE_ADDRESS_4,	4, ALL32, ALL32 },
	{ PCI_BASE_ADDRESS_5,	4, ALL32, ALL32 },
	{ PCI_ROM_ADDRESS,	4, ALL32, ALL32 },
	/* points at the first capability we show */
	{ PCI_CAPABILITY_LIST,	1, ALL8, 0 },
	/* software's scratch byte: keep it virtual */
	{ PCI_INTERRUPT_LINE,	1, ALL8, ALL8 },
	/* virtual, so that INTx can be hidden */
	{ PCI_INTERRUPT_PIN,	1, ALL8, 0 },
	{ }
};

static const struct upci_perm upci_pm_perms[] = {
	/* every capability's next pointer is ours, to hide what follows */
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	/* the user cannot take PME events: show no PME support */
	{ PCI_PM_PMC,		2, PCI_PM_CAP_PME_MASK, 0 },
	/*
	 * The power state is trapped and changed by the host (so it is not
	 * writable here); PME enable and status are virtual, as above.
	 */
	{ PCI_PM_CTRL,		4, PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS,
	  ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS |
	    PCI_PM_CTRL_STATE_MASK) },
	{ }
};

static const struct upci_perm upci_vpd_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	/* both virtual: the host does the VPD access (pci_read_vpd) */
	{ PCI_VPD_ADDR,		2, ALL16, ALL16 },
	{ PCI_VPD_DATA,		4, ALL32, ALL32 },
	{ }
};

static const struct upci_perm upci_pcix_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	{ PCI_X_CMD,		2, 0, ALL16 },
	{ PCI_X_ECC_CSR,	4, 0, ALL32 },
	{ }
};

static const struct upci_perm upci_exp_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	/*
	 * Phantom functions would confuse the IOMMU. MPS must match the
	 * rest of the fabric: virtual. FLR and MRRS are virtual and carried
	 * out by the write handler.
	 */
	{ PCI_EXP_DEVCTL,	2, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD |
				   PCI_EXP_DEVCTL_READRQ,
	  (u16)~PCI_EXP_DEVCTL_PHANTOM },
	/* ARI forwarding is set up by the host at enumeration */
	{ PCI_EXP_DEVCTL2,	2, 0, (u16)~PCI_EXP_DEVCTL2_ARI },
	{ }
};

static const struct upci_perm upci_af_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	/* FLR is trapped: the host resets the function */
	{ PCI_AF_CTRL,		1, PCI_AF_CTRL_FLR, PCI_AF_CTRL_FLR },
	{ }
};

/*
 * MSI is enabled through SET_IRQS, never by a config write: its control and
 * message are virtual, the write handler keeps the enable bit clear on the
 * device. Mask and pending bits go to the device. Two layouts.
 */
static const struct upci_perm upci_msi32_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	{ PCI_MSI_FLAGS,	1, ALL8, ALL8 },	/* upper byte reserved */
	{ PCI_MSI_ADDRESS_LO,	4, ALL32, ALL32 },
	{ PCI_MSI_DATA_32,	2, ALL16, ALL16 },
	{ PCI_MSI_MASK_32,	4, 0, ALL32 },
	{ PCI_MSI_PENDING_32,	4, 0, ALL32 },
	{ }
};

static const struct upci_perm upci_msi64_perms[] = {
	{ PCI_CAP_LIST_NEXT,	1, ALL8, 0 },
	{ PCI_MSI_FLAGS,	1, ALL8, ALL8 },
	{ PCI_MSI_ADDRESS_LO,	4, ALL32, ALL32 },
	{ PCI_MSI_ADDRESS_HI,	4, ALL32, ALL32 },
	{ PCI_MSI_DATA_64,	2, ALL16, ALL16 },
	{ PCI_MSI_MASK_64,	4, 0, ALL32 },
	{ PCI_MSI_PENDING_64,	4, 0, ALL32 },
	{ }
};

#define UPCI_ERR_UNC_WRITABLE						\
	(PCI_ERR_UNC_UND | PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN |	\
	 PCI_ERR_UNC_POISON_TLP | PCI_ERR_UNC_FCP | PCI_ERR_UNC_COMP_TIME | \
	 PCI_ERR_UNC_COMP_ABORT | PCI_ERR_UNC_UNX_COMP | PCI_ERR_UNC_RX_OVER | \
	 PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_ECRC | PCI_ERR_UNC_UNSUP |	\
	 PCI_ERR_UNC_ACSV | PCI_ERR_UNC_INTN | PCI_ERR_UNC_MCBTLP |	\
	 PCI_ERR_UNC_ATOMEG | PCI_ERR_UNC_TLPPRE)
#define UPCI_ERR_COR_WRITABLE						\
	(PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP | PCI_ERR_COR_BAD_DLLP | \
	 PCI_ERR_COR_REP_ROLL | PCI_ERR_COR_REP_TIMER |		\
	 PCI_ERR_COR_ADV_NFAT | PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER)

static const struct upci_perm upci_err_perms[] = {
	/* an ecap's first dword holds its next pointer: always ours */
	{ 0,			4, ALL32, 0 },
	{ PCI_ERR_UNCOR_STATUS,	4, 0, UPCI_ERR_UNC_WRITABLE },
	{ PCI_ERR_UNCOR_MASK,	4, 0, UPCI_ERR_UNC_WRITABLE },
	{ PCI_ERR_UNCOR_SEVER,	4, 0, UPCI_ERR_UNC_WRITABLE },
	{ PCI_ERR_COR_STATUS,	4, 0, UPCI_ERR_COR_WRITABLE },
	{ PCI_ERR_COR_MASK,	4, 0, UPCI_ERR_COR_WRITABLE },
	{ PCI_ERR_CAP,		4, 0, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE },
	{ }
};

static const struct upci_perm upci_pwr_perms[] = {
	{ 0,			4, ALL32, 0 },
	/* the data selector: what it selects stays read-only */
	{ PCI_PWR_DATA,		1, 0, ALL8 },
	{ }
};

static int upci_msi_len(struct upci_device *udev, int pos);
static int upci_pcix_len(struct upci_device *udev, int pos);
static int upci_vndr_len(struct upci_device *udev, int pos);
static int upci_exp_len(struct upci_device *udev, int pos);
static int upci_ht_len(struct upci_device *udev, int pos);
static int upci_sata_len(struct upci_device *udev, int pos);
static int upci_vc_len(struct upci_device *udev, int pos);
static int upci_evndr_len(struct upci_device *udev, int pos);
static int upci_acs_len(struct upci_device *udev, int pos);
static int upci_rebar_len(struct upci_device *udev, int pos);
static int upci_dpa_len(struct upci_device *udev, int pos);
static int upci_tph_len(struct upci_device *udev, int pos);
static int upci_dvsec_len(struct upci_device *udev, int pos);

static int upci_basic_read(struct upci_device *udev,
			   const struct upci_cap_policy *pol,
			   const struct upci_cfg_access *acc, __le32 *val);
static int upci_basic_write(struct upci_device *udev,
			    const struct upci_cap_policy *pol,
			    const struct upci_cfg_access *acc, __le32 val);
static int upci_pm_write(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 val);
static int upci_vpd_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val);
static int upci_exp_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val);
static int upci_af_write(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 val);
static int upci_msi_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val);

/* Standard capabilities, by ID; an absent entry is hidden. */
static const struct upci_cap_policy upci_cap_policy[PCI_CAP_ID_MAX + 1] = {
	[UPCI_CAP_ID_BASIC] = { .len = PCI_STD_HEADER_SIZEOF,
				.perms = upci_basic_perms,
				.read = upci_basic_read,
				.write = upci_basic_write },
	[PCI_CAP_ID_PM]	    = { .len = PCI_PM_SIZEOF, .perms = upci_pm_perms,
				.write = upci_pm_write },
	[PCI_CAP_ID_AGP]    = { .len = PCI_AGP_SIZEOF },
	[PCI_CAP_ID_VPD]    = { .len = PCI_CAP_VPD_SIZEOF,
				.perms = upci_vpd_perms,
				.write = upci_vpd_write },
	/* PCI_CAP_ID_SLOTID: bridge - don't care */
	/* 10, 14, 20 or 24 bytes; the perms depend on the layout */
	[PCI_CAP_ID_MSI]    = { .measure = upci_msi_len },
	/* PCI_CAP_ID_CHSWP: cpci - not yet */
	[PCI_CAP_ID_PCIX]   = { .measure = upci_pcix_len,	/* 8 or 24 */
				.perms = upci_pcix_perms },
	[PCI_CAP_ID_HT]	    = { .measure = upci_ht_len },	/* hypertransport */
	/* vendor specific: we cannot know, so it reaches the device */
	[PCI_CAP_ID_VNDR]   = { .measure = upci_vndr_len, .raw_write = true },
	/* PCI_CAP_ID_DBG: debug - don't care */
	/* PCI_CAP_ID_CCRC: cpci - not yet */
	/* PCI_CAP_ID_SHPC: hotswap - not yet */
	/* PCI_CAP_ID_SSVID: bridge - don't care */
	/* PCI_CAP_ID_AGP3: AGP8x - not yet */
	/* PCI_CAP_ID_SECDEV: secure device - not yet */
	[PCI_CAP_ID_EXP]    = { .measure = upci_exp_len,	/* by version, type */
				.perms = upci_exp_perms,
				.write = upci_exp_write },
	/* read-only: MSI-X is enabled through SET_IRQS, never here */
	[PCI_CAP_ID_MSIX]   = { .len = PCI_CAP_MSIX_SIZEOF },
	[PCI_CAP_ID_SATA]   = { .measure = upci_sata_len },
	[PCI_CAP_ID_AF]	    = { .len = PCI_CAP_AF_SIZEOF,
				.perms = upci_af_perms,
				.write = upci_af_write },
	/* PCI_CAP_ID_EA: enhanced allocation - not yet */
};

/* MSI's two layouts, indexed by PCI_MSI_FLAGS_64BIT */
static const struct upci_cap_policy upci_msi_policy[2] = {
	{ .perms = upci_msi32_perms, .write = upci_msi_write },
	{ .perms = upci_msi64_perms, .write = upci_msi_write },
};

/* Extended capabilities, by ID; an absent entry is hidden. */
static const struct upci_cap_policy upci_ecap_policy[PCI_EXT_CAP_ID_MAX + 1] = {
	[PCI_EXT_CAP_ID_ERR]	= { .len = PCI_ERR_ROOT_COMMAND,
				    .perms = upci_err_perms },
	[PCI_EXT_CAP_ID_VC]	= { .measure = upci_vc_len },
	[PCI_EXT_CAP_ID_DSN]	= { .len = PCI_EXT_CAP_DSN_SIZEOF },
	[PCI_EXT_CAP_ID_PWR]	= { .len = PCI_EXT_CAP_PWR_SIZEOF,
				    .perms = upci_pwr_perms },
	/* RCLD, RCILC, RCEC, RCRB: root only - don't care */
	[PCI_EXT_CAP_ID_MFVC]	= { .measure = upci_vc_len },
	[PCI_EXT_CAP_ID_VC9]	= { .measure = upci_vc_len },	/* as VC */
	[PCI_EXT_CAP_ID_VNDR]	= { .measure = upci_evndr_len,
				    .raw_write = true },
	/* CAC: obsolete */
	[PCI_EXT_CAP_ID_ACS]	= { .measure = upci_acs_len },
	[PCI_EXT_CAP_ID_ARI]	= { .len = PCI_EXT_CAP_ARI_SIZEOF },
	[PCI_EXT_CAP_ID_ATS]	= { .len = PCI_EXT_CAP_ATS_SIZEOF },
	[PCI_EXT_CAP_ID_SRIOV]	= { .len = PCI_EXT_CAP_SRIOV_SIZEOF },
	/* MRIOV: not yet */
	[PCI_EXT_CAP_ID_MCAST]	= { .len = PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF },
	[PCI_EXT_CAP_ID_PRI]	= { .len = PCI_EXT_CAP_PRI_SIZEOF },
	/* AMD_XXX: not yet */
	[PCI_EXT_CAP_ID_REBAR]	= { .measure = upci_rebar_len },
	[PCI_EXT_CAP_ID_DPA]	= { .measure = upci_dpa_len },
	[PCI_EXT_CAP_ID_TPH]	= { .measure = upci_tph_len },
	[PCI_EXT_CAP_ID_LTR]	= { .len = PCI_EXT_CAP_LTR_SIZEOF },
	/* SECPCI, PMUX, PASID: not yet; everything after DVSEC: hidden */
	[PCI_EXT_CAP_ID_DVSEC]	= { .measure = upci_dvsec_len,
				    .raw_write = true },
};

/* A hidden capability kept as the head of the ecap list: its header only */
static const struct upci_cap_policy upci_anchor_policy = { 0 };

/*
 * Bytes that belong to no capability reach the device as they are: some
 * devices keep registers in the gaps, and like their BARs we have to trust
 * the IOMMU to contain them.
 */
static int upci_raw_read(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 *val);
static int upci_raw_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val);

static const struct upci_cap_policy upci_unassigned_policy = {
	.read = upci_raw_read,
	.write = upci_raw_write,
};

/*
 * A capability hidden because it does not fit (past the end, or over
 * another): whatever its bytes are, the user must not write them raw.
 */
static const struct upci_cap_policy upci_hidden_policy = {
	.read = upci_raw_read,
};

/* ---- Access to the device and to vconfig ---- */

static int upci_hw_read(struct pci_dev *pdev, int pos, int count, __le32 *val)
{
	u32 v = 0;
	int ret;

	switch (count) {
	case 1: {
		u8 b;

		ret = pci_user_read_config_byte(pdev, pos, &b);
		v = b;
		break;
	}
	case 2: {
		u16 w;

		ret = pci_user_read_config_word(pdev, pos, &w);
		v = w;
		break;
	}
	case 4:
		ret = pci_user_read_config_dword(pdev, pos, &v);
		break;
	default:
		ret = -EINVAL;
	}
	*val = cpu_to_le32(v);
	return ret;
}

static int upci_hw_write(struct pci_dev *pdev, int pos, int count, __le32 val)
{
	u32 v = le32_to_cpu(val);

	switch (count) {
	case 1:
		return pci_user_write_config_byte(pdev, pos, v);
	case 2:
		return pci_user_write_config_word(pdev, pos, v);
	case 4:
		return pci_user_write_config_dword(pdev, pos, v);
	}
	return -EINVAL;
}

static u16 upci_vget16(struct upci_config *cfg, int pos)
{
	return le16_to_cpu(*(__le16 *)&cfg->vconfig[pos]);
}

static void upci_vset16(struct upci_config *cfg, int pos, u16 v)
{
	*(__le16 *)&cfg->vconfig[pos] = cpu_to_le16(v);
}

static u32 upci_vget32(struct upci_config *cfg, int pos)
{
	return le32_to_cpu(*(__le32 *)&cfg->vconfig[pos]);
}

static void upci_vset32(struct upci_config *cfg, int pos, u32 v)
{
	*(__le32 *)&cfg->vconfig[pos] = cpu_to_le32(v);
}

/* The virt and write masks of bytes [offset, offset + count) of a policy */
static void upci_perm_masks(const struct upci_cap_policy *pol, int offset,
			    int count, __le32 *virt, __le32 *write)
{
	const struct upci_perm *p;
	u8 v[4] = { 0 }, w[4] = { 0 };
	int i;

	for (i = 0; i < count; i++) {
		int b = offset + i;

		for (p = pol->perms; p && p->len; p++) {
			int shift;

			if (b < p->off || b >= p->off + p->len)
				continue;
			shift = 8 * (b - p->off);
			v[i] = p->virt >> shift;
			w[i] = p->write >> shift;
			break;
		}
	}
	memcpy(virt, v, sizeof(v));
	memcpy(write, w, sizeof(w));
}

/* ---- Default handlers ---- */

/* Virtual bits from vconfig, the others from the device */
static int upci_default_read(struct upci_device *udev,
			     const struct upci_cap_policy *pol,
			     const struct upci_cfg_access *acc, __le32 *val)
{
	__le32 virt, write, phys = 0;
	int ret;

	*val = 0;
	memcpy(val, udev->config->vconfig + acc->pos, acc->count);
	upci_perm_masks(pol, acc->offset, acc->count, &virt, &write);

	if (virt == cpu_to_le32(ALL32 >> (32 - 8 * acc->count)))
		return 0;

	ret = upci_hw_read(udev->pdev, acc->pos, acc->count, &phys);
	if (ret)
		return ret;
	*val = (phys & ~virt) | (*val & virt);
	return 0;
}

/* Writable virtual bits to vconfig, writable others to the device */
static int upci_default_write(struct upci_device *udev,
			      const struct upci_cap_policy *pol,
			      const struct upci_cfg_access *acc, __le32 val)
{
	__le32 virt, write, cur = 0;
	int ret;

	upci_perm_masks(pol, acc->offset, acc->count, &virt, &write);
	if (!write)
		return 0;		/* nothing writable: dropped */

	if (write & virt) {
		memcpy(&cur, udev->config->vconfig + acc->pos, acc->count);
		cur &= ~(write & virt);
		cur |= val & write & virt;
		memcpy(udev->config->vconfig + acc->pos, &cur, acc->count);
	}

	if (write & ~virt) {
		ret = upci_hw_read(udev->pdev, acc->pos, acc->count, &cur);
		if (ret)
			return ret;
		cur &= ~(write & ~virt);
		cur |= val & write & ~virt;
		ret = upci_hw_write(udev->pdev, acc->pos, acc->count, cur);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A capability without perms: the device's registers, but the header as we
 * relinked it (the ID and next pointer of a standard capability, the first
 * dword of an extended one).
 */
static int upci_direct_read(struct upci_device *udev,
			    const struct upci_cap_policy *pol,
			    const struct upci_cfg_access *acc, __le32 *val)
{
	u8 *vconfig = udev->config->vconfig;
	int ret;

	ret = upci_hw_read(udev->pdev, acc->pos, acc->count, val);
	if (ret)
		return ret;

	if (acc->pos >= PCI_CFG_SPACE_SIZE) {
		if (acc->offset < 4)
			memcpy(val, vconfig + acc->pos, acc->count);
	} else if (acc->pos >= PCI_STD_HEADER_SIZEOF) {
		if (acc->offset == PCI_CAP_LIST_ID && acc->count > 1)
			memcpy(val, vconfig + acc->pos,
			       min(PCI_CAP_FLAGS, acc->count));
		else if (acc->offset == PCI_CAP_LIST_NEXT)
			memcpy(val, vconfig + acc->pos, 1);
	}
	return 0;
}

static int upci_raw_read(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 *val)
{
	return upci_hw_read(udev->pdev, acc->pos, acc->count, val);
}

static int upci_raw_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val)
{
	return upci_hw_write(udev->pdev, acc->pos, acc->count, val);
}

static upci_cfg_read_t upci_reader(const struct upci_cap_policy *pol)
{
	if (pol->read)
		return pol->read;
	return pol->perms ? upci_default_read : upci_direct_read;
}

static upci_cfg_write_t upci_writer(const struct upci_cap_policy *pol)
{
	if (pol->write)
		return pol->write;
	if (pol->perms)
		return upci_default_write;
	return pol->raw_write ? upci_raw_write : NULL;
}

/* ---- The standard header: BAR sizing and the command register ---- */

static bool upci_is_bar(int offset)
{
	return (offset >= PCI_BASE_ADDRESS_0 &&
		offset < PCI_BASE_ADDRESS_5 + 4) ||
	       (offset >= PCI_ROM_ADDRESS && offset < PCI_ROM_ADDRESS + 4);
}

static u32 upci_bar_flags(struct pci_dev *pdev, int bar)
{
	unsigned long flags = pci_resource_flags(pdev, bar);
	u32 val;

	if (flags & IORESOURCE_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;

	val = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (flags & IORESOURCE_PREFETCH)
		val |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	if (flags & IORESOURCE_MEM_64)
		val |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	return val;
}

/*
 * Act as the hardware would on the virtual BARs: keep only the address bits
 * the BAR's size allows and show its type bits, so that writing all ones
 * reads back the size mask. A BAR the host left unassigned reads 0.
 */
static void upci_bar_fixup(struct upci_device *udev)
{
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	int i, pos;
	u64 mask;
	u32 v;

	if (!cfg->bardirty)
		return;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		pos = PCI_BASE_ADDRESS_0 + 4 * i;

		if (!pci_resource_start(pdev, i)) {
			upci_vset32(cfg, pos, 0);
			continue;
		}

		mask = ~(pci_resource_len(pdev, i) - 1);
		v = upci_vget32(cfg, pos) & (u32)mask;
		v |= upci_bar_flags(pdev, i);
		upci_vset32(cfg, pos, v);

		if (v & PCI_BASE_ADDRESS_MEM_TYPE_64) {
			pos += 4;
			upci_vset32(cfg, pos,
				    upci_vget32(cfg, pos) & (u32)(mask >> 32));
			i++;
		}
	}

	/*
	 * The ROM BAR sizes even where REGION_INFO reported 0 (an unreadable
	 * ROM); a shadowed ROM is 128 KiB.
	 */
	if (pci_resource_start(pdev, PCI_ROM_RESOURCE))
		mask = ~(pci_resource_len(pdev, PCI_ROM_RESOURCE) - 1);
	else if (pdev->resource[PCI_ROM_RESOURCE].flags & IORESOURCE_ROM_SHADOW)
		mask = ~(0x20000ULL - 1);
	else
		mask = 0;
	if (mask)
		mask |= PCI_ROM_ADDRESS_ENABLE;
	upci_vset32(cfg, PCI_ROM_ADDRESS,
		    upci_vget32(cfg, PCI_ROM_ADDRESS) & (u32)mask);

	cfg->bardirty = false;
}

static int upci_basic_read(struct upci_device *udev,
			   const struct upci_cap_policy *pol,
			   const struct upci_cfg_access *acc, __le32 *val)
{
	int ret;

	if (upci_is_bar(acc->offset))
		upci_bar_fixup(udev);

	ret = upci_default_read(udev, pol, acc, val);
	if (ret)
		return ret;

	/* A device without a memory enable bit shows the virtual one */
	if (acc->offset == PCI_COMMAND && udev->pdev->no_command_memory) {
		u16 cmd = upci_vget16(udev->config, PCI_COMMAND);

		*val |= cpu_to_le32(cmd & PCI_COMMAND_MEMORY);
	}
	return 0;
}

/* Have the BARs lost their addresses (a reset we did not see)? */
static bool upci_bars_lost(struct upci_device *udev)
{
	struct upci_config *cfg = udev->config;
	int i;
	u32 bar;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!cfg->rbar[i])
			continue;
		if (pci_user_read_config_dword(udev->pdev,
					       PCI_BASE_ADDRESS_0 + 4 * i, &bar) ||
		    bar != cfg->rbar[i])
			return true;
	}
	return false;
}

static void upci_bars_restore(struct upci_device *udev)
{
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	int i;
	u16 cmd;

	if (pdev->is_virtfn)
		return;

	pci_info(pdev, "reset recovery - restoring BARs\n");

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		pci_user_write_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * i,
					    cfg->rbar[i]);
	pci_user_write_config_dword(pdev, PCI_ROM_ADDRESS,
				    cfg->rbar[PCI_STD_NUM_BARS]);

	if (udev->nointx) {
		pci_user_read_config_word(pdev, PCI_COMMAND, &cmd);
		cmd |= PCI_COMMAND_INTX_DISABLE;
		pci_user_write_config_word(pdev, PCI_COMMAND, cmd);
	}
}

/*
 * Memory and I/O enable reach the device, but the virtual copy is what BAR
 * access and faults check (upci_config_memory_enabled()), and turning memory
 * off takes the user's BAR mappings away first, under memory_lock.
 */
static int upci_basic_write(struct upci_device *udev,
			    const struct upci_cap_policy *pol,
			    const struct upci_cfg_access *acc, __le32 val)
{
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	bool cmd_write = acc->offset == PCI_COMMAND;
	bool touches_cmd = acc->offset <= PCI_COMMAND + 1 &&
			   acc->offset + acc->count > PCI_COMMAND;
	u16 new_cmd = le32_to_cpu(val);
	int ret;

	if (cmd_write) {
		u16 phys_cmd, virt_cmd = upci_vget16(cfg, PCI_COMMAND);
		bool new_mem = new_cmd & PCI_COMMAND_MEMORY;
		bool new_io = new_cmd & PCI_COMMAND_IO;

		ret = pci_user_read_config_word(pdev, PCI_COMMAND, &phys_cmd);
		if (ret)
			return ret;

		down_write(&udev->memory_lock);
		if (!new_mem)
			upci_bar_zap_mmaps(udev);

		/*
		 * Enabling what we think is enabled but the device shows off:
		 * it went through a reset behind our back. Put the BARs back
		 * before it decodes again.
		 */
		if ((new_mem && (virt_cmd & PCI_COMMAND_MEMORY) &&
		     !(phys_cmd & PCI_COMMAND_MEMORY) &&
		     !pdev->no_command_memory) ||
		    (new_io && (virt_cmd & PCI_COMMAND_IO) &&
		     !(phys_cmd & PCI_COMMAND_IO)) ||
		    upci_bars_lost(udev))
			upci_bars_restore(udev);
	} else if (touches_cmd) {
		/* the upper byte only: keep faults off a half-written word */
		down_write(&udev->memory_lock);
	}

	ret = upci_default_write(udev, pol, acc, val);

	if (!ret && cmd_write) {
		u16 mask = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;
		u16 cmd = upci_vget16(cfg, PCI_COMMAND);

		upci_vset16(cfg, PCI_COMMAND, (cmd & ~mask) | (new_cmd & mask));
	}
	if (touches_cmd)
		up_write(&udev->memory_lock);
	if (ret)
		return ret;

	/*
	 * INTx disable stays virtual: while INTx is in use it masks and
	 * unmasks along with SET_IRQS' MASK and UNMASK (either one keeps it
	 * masked), otherwise the device's bit follows it where DisINTx
	 * works, as in vfio-pci (upci_intrs.c).
	 */
	if (touches_cmd)
		upci_intx_virq_set(udev, upci_vget16(cfg, PCI_COMMAND) &
					 PCI_COMMAND_INTX_DISABLE);

	if (upci_is_bar(acc->offset))
		cfg->bardirty = true;
	return 0;
}

/* ---- Capabilities with side effects ---- */

static int upci_pm_write(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 val)
{
	pci_power_t state;
	int ret;

	ret = upci_default_write(udev, pol, acc, val);
	if (ret || acc->offset != PCI_PM_CTRL)
		return ret;

	switch (le32_to_cpu(val) & PCI_PM_CTRL_STATE_MASK) {
	case 0:
		state = PCI_D0;
		break;
	case 1:
		state = PCI_D1;
		break;
	case 2:
		state = PCI_D2;
		break;
	default:
		state = PCI_D3hot;
		break;
	}

	down_write(&udev->memory_lock);
	if (upci_power_d3(state))
		upci_bar_zap_mmaps(udev);
	upci_set_power_state(udev, state);
	up_write(&udev->memory_lock);
	return 0;
}

/*
 * VPD goes through the host's VPD access: a write that sets the F flag
 * writes the data register's dword, one that clears it reads one into it;
 * the F flag toggles when done (left as it is on error, so that the user's
 * driver times out).
 */
static int upci_vpd_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val)
{
	struct upci_config *cfg = udev->config;
	int addr_pos = acc->start + PCI_VPD_ADDR;
	int data_pos = acc->start + PCI_VPD_DATA;
	u16 addr;
	u32 data;
	int ret;

	ret = upci_default_write(udev, pol, acc, val);
	if (ret || acc->offset > PCI_VPD_ADDR + 1 ||
	    acc->offset + acc->count <= PCI_VPD_ADDR + 1)
		return ret;

	addr = upci_vget16(cfg, addr_pos);
	if (addr & PCI_VPD_ADDR_F) {
		data = upci_vget32(cfg, data_pos);
		if (pci_write_vpd(udev->pdev, addr & ~PCI_VPD_ADDR_F, 4,
				  &data) != 4)
			return 0;
	} else {
		data = 0;
		if (pci_read_vpd(udev->pdev, addr, 4, &data) < 0)
			return 0;
		upci_vset32(cfg, data_pos, data);
	}
	upci_vset16(cfg, addr_pos, addr ^ PCI_VPD_ADDR_F);
	return 0;
}

/* A function-level reset the user asked for, done by the host */
static void upci_trapped_flr(struct upci_device *udev)
{
	down_write(&udev->memory_lock);
	upci_bar_zap_mmaps(udev);
	pci_try_reset_function(udev->pdev);
	up_write(&udev->memory_lock);
}

static int upci_exp_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val)
{
	struct upci_config *cfg = udev->config;
	int ctrl_pos = acc->start + PCI_EXP_DEVCTL;
	u16 readrq = upci_vget16(cfg, ctrl_pos) & PCI_EXP_DEVCTL_READRQ;
	u16 ctrl;
	u32 cap;
	int ret;

	ret = upci_default_write(udev, pol, acc, val);
	if (ret)
		return ret;

	/*
	 * FLR reads as zero. Setting it resets the function if the device
	 * can do an FLR (by whatever method the host picks).
	 */
	ctrl = upci_vget16(cfg, ctrl_pos);
	if (ctrl & PCI_EXP_DEVCTL_BCR_FLR) {
		ctrl &= ~PCI_EXP_DEVCTL_BCR_FLR;
		upci_vset16(cfg, ctrl_pos, ctrl);

		if (!pci_user_read_config_dword(udev->pdev,
						acc->start + PCI_EXP_DEVCAP,
						&cap) &&
		    (cap & PCI_EXP_DEVCAP_FLR))
			upci_trapped_flr(udev);
	}

	/*
	 * MRRS reaches the device, but never below the payload size the
	 * fabric uses: a low MRRS is safe, a floor at MPS keeps full TLPs.
	 */
	if (readrq != (ctrl & PCI_EXP_DEVCTL_READRQ)) {
		int rq = 128 << ((ctrl & PCI_EXP_DEVCTL_READRQ) >> 12);

		pcie_set_readrq(udev->pdev, max(rq, pcie_get_mps(udev->pdev)));
	}
	return 0;
}

static int upci_af_write(struct upci_device *udev,
			 const struct upci_cap_policy *pol,
			 const struct upci_cfg_access *acc, __le32 val)
{
	u8 *ctrl = &udev->config->vconfig[acc->start + PCI_AF_CTRL];
	u8 cap;
	int ret;

	ret = upci_default_write(udev, pol, acc, val);
	if (ret)
		return ret;

	if (*ctrl & PCI_AF_CTRL_FLR) {
		*ctrl &= ~PCI_AF_CTRL_FLR;
		if (!pci_user_read_config_byte(udev->pdev,
					       acc->start + PCI_AF_CAP, &cap) &&
		    (cap & PCI_AF_CAP_FLR) && (cap & PCI_AF_CAP_TP))
			upci_trapped_flr(udev);
	}
	return 0;
}

/*
 * The virtual MSI control word shows the device's vectors capable, as
 * vfio-pci's does in fact (its read handler means to show the vectors
 * enabled, but fixes up the capability's first word, not the control
 * word), and QEMU sizes its guest's MSI capability from it; the enable
 * bit only while SET_IRQS has MSI on. A write reaches the device with the
 * enable bit cleared unless MSI is on, and the queue size no larger than
 * what was enabled: a config write never turns MSI on (nor MSI-X, whose
 * capability is read-only here).
 */
static int upci_msi_write(struct upci_device *udev,
			  const struct upci_cap_policy *pol,
			  const struct upci_cfg_access *acc, __le32 val)
{
	struct upci_config *cfg = udev->config;
	int flags_pos = acc->start + PCI_MSI_FLAGS;
	u16 flags;
	u8 qmax;
	int ret;

	ret = upci_default_write(udev, pol, acc, val);
	if (ret)
		return ret;

	if (acc->offset > PCI_MSI_FLAGS ||
	    acc->offset + acc->count < PCI_MSI_FLAGS)
		return 0;

	/*
	 * igate: a SET_IRQS that turns MSI off between the check and the
	 * device's write would leave MSI on with no host vectors behind it
	 */
	mutex_lock(&udev->igate);
	qmax = udev->msi_qmax;
	flags = upci_vget16(cfg, flags_pos);
	if (udev->irq_type != VFIO_PCI_MSI_IRQ_INDEX)
		flags &= ~PCI_MSI_FLAGS_ENABLE;
	if (((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > qmax) {
		flags &= ~PCI_MSI_FLAGS_QSIZE;
		flags |= qmax << 4;
	}
	upci_vset16(cfg, flags_pos, flags);
	ret = pci_user_write_config_word(udev->pdev, flags_pos, flags);
	mutex_unlock(&udev->igate);
	return ret;
}

/* ---- Capability lengths ---- */

/*
 * Reads for walking and measuring capabilities: never past the config
 * space the PCI core gives the device (quirks cut it short where reading
 * further hangs the bus), -ERANGE instead.
 */
static int upci_cfg_byte(struct pci_dev *pdev, int pos, u8 *v)
{
	if (pos < 0 || pos + 1 > pdev->cfg_size)
		return -ERANGE;
	return pcibios_err_to_errno(pci_read_config_byte(pdev, pos, v));
}

static int upci_cfg_word(struct pci_dev *pdev, int pos, u16 *v)
{
	if (pos < 0 || pos + 2 > pdev->cfg_size)
		return -ERANGE;
	return pcibios_err_to_errno(pci_read_config_word(pdev, pos, v));
}

static int upci_cfg_dword(struct pci_dev *pdev, int pos, u32 *v)
{
	if (pos < 0 || pos + 4 > pdev->cfg_size)
		return -ERANGE;
	return pcibios_err_to_errno(pci_read_config_dword(pdev, pos, v));
}

/* The PCIe and PCI-X 2.0 capabilities tell whether ecaps are there */
static void upci_probe_ecaps(struct upci_device *udev)
{
	u32 dword = 0;

	if (udev->pdev->cfg_size <= PCI_CFG_SPACE_SIZE)
		return;
	pci_read_config_dword(udev->pdev, PCI_CFG_SPACE_SIZE, &dword);
	udev->config->extended_caps = dword != 0;
}

static int upci_msi_len(struct upci_device *udev, int pos)
{
	u16 flags;
	int len = 10, ret;

	/* the one MSI capability the kernel drives; any other is hidden */
	if (udev->pdev->msi_cap && pos != udev->pdev->msi_cap)
		return 0;
	ret = upci_cfg_word(udev->pdev, pos + PCI_MSI_FLAGS, &flags);
	if (ret)
		return ret;
	if (flags & PCI_MSI_FLAGS_64BIT)
		len += 4;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 10;
	udev->config->msi_64bit = flags & PCI_MSI_FLAGS_64BIT;
	return len;
}

static int upci_pcix_len(struct upci_device *udev, int pos)
{
	u16 cmd;
	int ret;

	ret = upci_cfg_word(udev->pdev, pos + PCI_X_CMD, &cmd);
	if (ret)
		return ret;
	if (!PCI_X_CMD_VERSION(cmd))
		return PCI_CAP_PCIX_SIZEOF_V0;
	upci_probe_ecaps(udev);
	return PCI_CAP_PCIX_SIZEOF_V2;
}

static int upci_vndr_len(struct upci_device *udev, int pos)
{
	u8 len;
	int ret;

	/* the byte after the next pointer; shorter than that, it is hidden */
	ret = upci_cfg_byte(udev->pdev, pos + PCI_CAP_FLAGS, &len);
	return ret ? ret : len > PCI_CAP_FLAGS ? len : 0;
}

static int upci_exp_len(struct upci_device *udev, int pos)
{
	struct pci_dev *pdev = udev->pdev;
	bool rc_end = pci_pcie_type(pdev) == PCI_EXP_TYPE_RC_END;

	upci_probe_ecaps(udev);

	/* by version and type; root complex endpoints have no link */
	if ((pcie_caps_reg(pdev) & PCI_EXP_FLAGS_VERS) == 1)
		return rc_end ? 0xc : PCI_CAP_EXP_ENDPOINT_SIZEOF_V1;
	return rc_end ? 0x2c : PCI_CAP_EXP_ENDPOINT_SIZEOF_V2;
}

static int upci_ht_len(struct upci_device *udev, int pos)
{
	u8 type;
	int ret;

	ret = upci_cfg_byte(udev->pdev, pos + 3, &type);
	if (ret)
		return ret;
	return (type & HT_3BIT_CAP_MASK) ? HT_CAP_SIZEOF_SHORT :
					   HT_CAP_SIZEOF_LONG;
}

static int upci_sata_len(struct upci_device *udev, int pos)
{
	u8 regs;
	int ret;

	ret = upci_cfg_byte(udev->pdev, pos + PCI_SATA_REGS, &regs);
	if (ret)
		return ret;
	return (regs & PCI_SATA_REGS_MASK) == PCI_SATA_REGS_INLINE ?
		PCI_SATA_SIZEOF_LONG : PCI_SATA_SIZEOF_SHORT;
}

/* VC, VC9 and MFVC: the arbitration tables are never writable anyway */
static int upci_vc_len(struct upci_device *udev, int pos)
{
	int len = PCI_CAP_VC_BASE_SIZEOF, phases = 0, ret;
	u32 cap1, cap2;

	ret = upci_cfg_dword(udev->pdev, pos + PCI_VC_PORT_CAP1, &cap1);
	if (ret)
		return ret;
	ret = upci_cfg_dword(udev->pdev, pos + PCI_VC_PORT_CAP2, &cap2);
	if (ret)
		return ret;

	if (cap2 & PCI_VC_CAP2_128_PHASE)
		phases = 128;
	else if (cap2 & PCI_VC_CAP2_64_PHASE)
		phases = 64;
	else if (cap2 & PCI_VC_CAP2_32_PHASE)
		phases = 32;

	len += (1 + (cap1 & PCI_VC_CAP1_EVCC)) * PCI_CAP_VC_PER_VC_SIZEOF;
	if (phases) {
		len = round_up(len, 16);
		len += phases * 4 / 8;
	}
	return len;
}

static int upci_evndr_len(struct upci_device *udev, int pos)
{
	u32 hdr;
	int ret;

	ret = upci_cfg_dword(udev->pdev, pos + PCI_VSEC_HDR, &hdr);
	if (ret)
		return ret;
	/* shorter than its own headers: hidden */
	return hdr >> PCI_VSEC_HDR_LEN_SHIFT >= PCI_VSEC_HDR + 4 ?
	       hdr >> PCI_VSEC_HDR_LEN_SHIFT : 0;
}

static int upci_acs_len(struct upci_device *udev, int pos)
{
	u8 cap, bits;
	int ret;

	ret = upci_cfg_byte(udev->pdev, pos + PCI_ACS_CAP, &cap);
	if (ret)
		return ret;
	if (!(cap & PCI_ACS_EC))
		return 8;

	ret = upci_cfg_byte(udev->pdev, pos + PCI_ACS_EGRESS_BITS, &bits);
	if (ret)
		return ret;
	return 8 + (bits ? round_up(bits, 32) : 256) / 8;
}

static int upci_rebar_len(struct upci_device *udev, int pos)
{
	u8 ctrl;
	int ret;

	ret = upci_cfg_byte(udev->pdev, pos + PCI_REBAR_CTRL, &ctrl);
	if (ret)
		return ret;
	ctrl = (ctrl & PCI_REBAR_CTRL_NBAR_MASK) >> PCI_REBAR_CTRL_NBAR_SHIFT;
	return 4 + ctrl * 8;
}

static int upci_dpa_len(struct upci_device *udev, int pos)
{
	u8 cap;
	int ret;

	ret = upci_cfg_byte(udev->pdev, pos + PCI_DPA_CAP, &cap);
	if (ret)
		return ret;
	return PCI_DPA_BASE_SIZEOF + (cap & PCI_DPA_CAP_SUBSTATE_MASK) + 1;
}

static int upci_tph_len(struct upci_device *udev, int pos)
{
	u32 cap;
	int ret, sts;

	ret = upci_cfg_dword(udev->pdev, pos + PCI_TPH_CAP, &cap);
	if (ret)
		return ret;
	if ((cap & PCI_TPH_CAP_LOC_MASK) != PCI_TPH_LOC_CAP)
		return PCI_TPH_BASE_SIZEOF;
	sts = (cap & PCI_TPH_CAP_ST_MASK) >> PCI_TPH_CAP_ST_SHIFT;
	return PCI_TPH_BASE_SIZEOF + sts * 2 + 2;
}

static int upci_dvsec_len(struct upci_device *udev, int pos)
{
	u32 hdr;
	int ret;

	ret = upci_cfg_dword(udev->pdev, pos + PCI_DVSEC_HEADER1, &hdr);
	if (ret)
		return ret;
	/* shorter than its own headers: hidden */
	return PCI_DVSEC_HEADER1_LEN(hdr) >= PCI_DVSEC_HEADER2 + 2 ?
	       PCI_DVSEC_HEADER1_LEN(hdr) : 0;
}

/* ---- Building vconfig ---- */

/* Copy [pos, pos + len) of the device's config space into vconfig */
static int upci_fill_vconfig(struct upci_device *udev, int pos, int len)
{
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	int ret = 0;

	/* dword reads where we can, as pci_save_state() does */
	while (len) {
		int n;

		if (len >= 4 && !(pos % 4)) {
			u32 v;

			ret = pci_read_config_dword(pdev, pos, &v);
			upci_vset32(cfg, pos, v);
			n = 4;
		} else if (len >= 2 && !(pos % 2)) {
			u16 v;

			ret = pci_read_config_word(pdev, pos, &v);
			upci_vset16(cfg, pos, v);
			n = 2;
		} else {
			ret = pci_read_config_byte(pdev, pos,
						   &cfg->vconfig[pos]);
			n = 1;
		}
		if (ret)
			return pcibios_err_to_errno(ret);
		pos += n;
		len -= n;
	}
	return 0;
}

static const struct upci_cap_policy *upci_policy_at(struct upci_config *cfg,
						    int pos);

/*
 * The capability that already owns a byte of [pos, pos + len), or
 * UPCI_CAP_ID_INVALID: two capabilities, or a capability and the header,
 * must never share a byte, or one's policy would govern the other's.  A
 * capability with a policy of its own (@raw false) takes bytes back from
 * a raw one (vendor-specific), so that no raw write reaches over its
 * registers; bytes hidden as malformed are anyone's.
 */
static u8 upci_cap_overlap(struct upci_device *udev, int pos, int len,
			   bool raw)
{
	struct upci_config *cfg = udev->config;
	int i;

	for (i = pos; i < pos + len; i++) {
		u8 owner = cfg->map[i];

		if (owner == UPCI_CAP_ID_INVALID || owner == UPCI_CAP_ID_HIDDEN)
			continue;
		if (!raw && upci_policy_at(cfg, i)->raw_write)
			continue;
		return owner;
	}
	return UPCI_CAP_ID_INVALID;
}

/*
 * A capability hidden because it does not fit: the bytes it claims that
 * nothing owns become read-only (no raw write through them), until a
 * capability that fits takes them.
 */
static void upci_cap_hide_bytes(struct upci_config *cfg, int pos, int len)
{
	int i;

	for (i = pos; i < pos + len; i++)
		if (cfg->map[i] == UPCI_CAP_ID_INVALID)
			cfg->map[i] = UPCI_CAP_ID_HIDDEN;
}

/*
 * Whether a capability of @len bytes at @pos may be mapped: the device
 * reports the lists and the lengths, and a hostile or broken one must not
 * make us write past the map or remap bytes that already have a policy.
 * Says why not in one line; the caller then hides it.
 */
static bool upci_cap_fits(struct upci_device *udev, const char *list, int pos,
			  int len, int end, u16 id,
			  const struct upci_cap_policy *pol)
{
	struct pci_dev *pdev = udev->pdev;
	u8 owner;

	if (len > end - pos) {
		pci_warn(pdev, "%s %#x at %#x hidden: its %d bytes run past %#x\n",
			 list, id, pos, len, end);
		len = end - pos;
	} else {
		owner = upci_cap_overlap(udev, pos, len, pol->raw_write);
		if (owner == UPCI_CAP_ID_INVALID)
			return true;
		pci_warn(pdev, "%s %#x at %#x hidden: its %d bytes overlap %s %#x\n",
			 list, id, pos, len,
			 owner == UPCI_CAP_ID_BASIC ? "the header, cap" : "cap",
			 owner);
	}
	upci_cap_hide_bytes(udev->config, pos, len);
	return false;
}

/*
 * Whether the list may go on to @pos: a standard capability sits at or
 * after 0x40 and dword aligned, an extended one at or after 0x100 (and
 * dword aligned by its encoding); no position is visited twice.
 */
static bool upci_cap_pos_ok(struct upci_device *udev, const char *list,
			    int pos, int from, int start, int end,
			    unsigned long *seen)
{
	const char *why = NULL;

	if (pos < start)
		why = "points below the list's space";
	else if (pos + PCI_CAP_SIZEOF > end)
		why = "points past the list's space";
	else if (pos % 4)
		why = "is not dword aligned";
	else if (test_and_set_bit(pos / 4, seen))
		why = "loops back";
	if (why)
		pci_warn(udev->pdev, "%s list cut at %#x: the pointer at %#x %s\n",
			 list, pos, from, why);
	return !why;
}

/*
 * Walk the standard capability list and map what we show; unlink the rest
 * by pointing the previous next pointer (in vconfig) past it.  A
 * capability that does not fit in config space, or overlaps the header or
 * another one, is hidden too; a pointer that breaks the rules ends the
 * list there (vconfig's previous next pointer becomes 0).  Either says
 * so in one line in the log.
 */
static int upci_caps_init(struct upci_device *udev)
{
	DECLARE_BITMAP(seen, PCI_CFG_SPACE_SIZE / 4) = {};
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	u8 *prev = &cfg->vconfig[PCI_CAPABILITY_LIST];
	int end = min_t(int, pdev->cfg_size, PCI_CFG_SPACE_SIZE);
	int ret, shown = 0, from = PCI_CAPABILITY_LIST;
	u16 status;
	u8 pos;

	ret = upci_cfg_word(pdev, PCI_STATUS, &status);
	if (ret)
		return ret;
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;

	ret = upci_cfg_byte(pdev, PCI_CAPABILITY_LIST, &pos);
	if (ret)
		return ret;

	while (pos) {
		const struct upci_cap_policy *pol = NULL;
		u8 id, next;
		int len = 0;

		if (!upci_cap_pos_ok(udev, "capability", pos, from,
				     PCI_STD_HEADER_SIZEOF, end, seen)) {
			*prev = 0;
			break;
		}
		ret = upci_cfg_byte(pdev, pos + PCI_CAP_LIST_ID, &id);
		if (ret)
			return ret;
		ret = upci_cfg_byte(pdev, pos + PCI_CAP_LIST_NEXT, &next);
		if (ret)
			return ret;

		/* ID 0 is a null capability: nothing in it, hide it */
		if (id && id <= PCI_CAP_ID_MAX)
			pol = &upci_cap_policy[id];
		if (pol && pol->measure) {
			len = pol->measure(udev, pos);
			/* its length is beyond config space: too long */
			if (len == -ERANGE)
				len = end - pos + 1;
			if (len < 0)
				return len;
		} else if (pol) {
			len = pol->len;
		}

		if (len && !upci_cap_fits(udev, "capability", pos, len, end,
					  id, pol))
			len = 0;
		if (!len) {
			pci_dbg(pdev, "hiding cap %#x@%#x\n", id, pos);
			*prev = next;
			from = pos + PCI_CAP_LIST_NEXT;
			pos = next;
			continue;
		}

		memset(cfg->map + pos, id, len);
		ret = upci_fill_vconfig(udev, pos, len);
		if (ret)
			return ret;

		/* the user cannot take PME events: no PME support or state */
		if (id == PCI_CAP_ID_PM) {
			upci_vset16(cfg, pos + PCI_PM_PMC,
				    upci_vget16(cfg, pos + PCI_PM_PMC) &
				    ~PCI_PM_CAP_PME_MASK);
			upci_vset16(cfg, pos + PCI_PM_CTRL,
				    upci_vget16(cfg, pos + PCI_PM_CTRL) &
				    ~(PCI_PM_CTRL_PME_ENABLE |
				      PCI_PM_CTRL_PME_STATUS));
		}

		prev = &cfg->vconfig[pos + PCI_CAP_LIST_NEXT];
		from = pos + PCI_CAP_LIST_NEXT;
		pos = next;
		shown++;
	}

	if (!shown)
		upci_vset16(cfg, PCI_STATUS,
			    upci_vget16(cfg, PCI_STATUS) & ~PCI_STATUS_CAP_LIST);
	return 0;
}

#define UPCI_ECAP_NEXT_MASK	(0xffcU << 20)

/* Point the extended capability at @pos (in vconfig) to @next */
static void upci_ecap_set_next(struct upci_config *cfg, int pos, int next)
{
	u32 v = upci_vget32(cfg, pos) & ~UPCI_ECAP_NEXT_MASK;

	upci_vset32(cfg, pos, v | (u32)next << 20);
}

/*
 * The extended list has no pointer in the header: its head is the ecap at
 * 0x100. A hidden ecap is skipped by rewriting the previous one's next
 * field; a hidden head stays as an anchor with ID and version 0.  As in
 * the standard list, a capability that does not fit is hidden and a
 * broken pointer ends the list there.
 */
static int upci_ecaps_init(struct upci_device *udev)
{
	struct upci_config *cfg = udev->config;
	struct pci_dev *pdev = udev->pdev;
	int epos = PCI_CFG_SPACE_SIZE, prev = 0, shown = 0, ret;
	unsigned long *seen;

	if (!cfg->extended_caps)
		return 0;

	seen = bitmap_zalloc(pdev->cfg_size / 4, GFP_KERNEL);
	if (!seen)
		return -ENOMEM;

	while (epos) {
		const struct upci_cap_policy *pol = NULL;
		bool anchor = false;
		int len = 0;
		u32 header;
		u16 id;

		if (!upci_cap_pos_ok(udev, "extended capability", epos,
				     prev, PCI_CFG_SPACE_SIZE, pdev->cfg_size,
				     seen))
			break;
		ret = upci_cfg_dword(pdev, epos, &header);
		if (ret)
			goto out;
		id = PCI_EXT_CAP_ID(header);

		if (id <= PCI_EXT_CAP_ID_MAX)
			pol = &upci_ecap_policy[id];
		if (pol && pol->measure) {
			ret = pol->measure(udev, epos);
			if (ret == -ERANGE)
				ret = pdev->cfg_size - epos + 1;
			if (ret < 0)
				goto out;
			len = ret;
		} else if (pol) {
			len = pol->len;
		}

		if (len && !upci_cap_fits(udev, "extended capability", epos,
					  len, pdev->cfg_size, id, pol))
			len = 0;
		if (!len) {
			pci_dbg(pdev, "hiding ecap %#x@%#x\n", id, epos);
			if (prev) {
				upci_ecap_set_next(cfg, prev,
						   PCI_EXT_CAP_NEXT(header));
				epos = PCI_EXT_CAP_NEXT(header);
				continue;
			}
			len = PCI_CAP_SIZEOF;
			anchor = true;
		}

		memset(cfg->map + epos, anchor ? UPCI_CAP_ID_ANCHOR : id, len);
		ret = upci_fill_vconfig(udev, epos, len);
		if (ret)
			goto out;

		/*
		 * An anchor shows ID and version 0 and only the next field;
		 * users are expected to follow next even past an ID 0.
		 */
		if (anchor)
			upci_vset32(cfg, epos, header & UPCI_ECAP_NEXT_MASK);
		else
			shown++;

		prev = epos;
		epos = PCI_EXT_CAP_NEXT(header);
	}

	/* the list ends where it was cut */
	if (epos && prev)
		upci_ecap_set_next(cfg, prev, 0);
	if (!shown)
		upci_vset32(cfg, PCI_CFG_SPACE_SIZE, 0);
	ret = 0;
out:
	bitmap_free(seen);
	return ret;
}

int upci_config_init(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	struct upci_config *cfg;
	int i, ret;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return -ENOMEM;
	/* bytes, since capability lengths are not dword multiples */
	cfg->map = kmalloc(pdev->cfg_size, GFP_KERNEL_ACCOUNT);
	cfg->vconfig = kzalloc(pdev->cfg_size, GFP_KERNEL_ACCOUNT);
	if (!cfg->map || !cfg->vconfig) {
		ret = -ENOMEM;
		goto err;
	}
	udev->config = cfg;

	memset(cfg->map, UPCI_CAP_ID_BASIC, PCI_STD_HEADER_SIZEOF);
	memset(cfg->map + PCI_STD_HEADER_SIZEOF, UPCI_CAP_ID_INVALID,
	       pdev->cfg_size - PCI_STD_HEADER_SIZEOF);

	ret = upci_fill_vconfig(udev, 0, PCI_STD_HEADER_SIZEOF);
	if (ret)
		goto err;
	cfg->bardirty = true;

	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		cfg->rbar[i] = upci_vget32(cfg, PCI_BASE_ADDRESS_0 + 4 * i);
	cfg->rbar[PCI_STD_NUM_BARS] = upci_vget32(cfg, PCI_ROM_ADDRESS);

	if (pdev->is_virtfn) {
		/* VFs read all ones in the IDs and must show no INTx pin */
		upci_vset16(cfg, PCI_VENDOR_ID, pdev->vendor);
		upci_vset16(cfg, PCI_DEVICE_ID, pdev->device);
		if (cfg->vconfig[PCI_INTERRUPT_PIN])
			pci_warn(pdev, "Hardware bug: VF reports bogus INTx pin %d\n",
				 cfg->vconfig[PCI_INTERRUPT_PIN]);
		cfg->vconfig[PCI_INTERRUPT_PIN] = 0;
	}
	/*
	 * The user's DisINTx starts clear (udev->virq_disabled); the
	 * device's stays set until INTx has a handler (upci_intrs.c).
	 */
	if (udev->pci_2_3)
		upci_vset16(cfg, PCI_COMMAND,
			    upci_vget16(cfg, PCI_COMMAND) &
			    ~PCI_COMMAND_INTX_DISABLE);
	/* no memory enable bit: show it set, as a PF after enable shows it */
	if (pdev->no_command_memory)
		upci_vset16(cfg, PCI_COMMAND,
			    upci_vget16(cfg, PCI_COMMAND) | PCI_COMMAND_MEMORY);
	if (udev->nointx || pdev->irq == IRQ_NOTCONNECTED)
		cfg->vconfig[PCI_INTERRUPT_PIN] = 0;

	ret = upci_caps_init(udev);
	if (ret)
		goto err;
	ret = upci_ecaps_init(udev);
	if (ret)
		goto err;
	return 0;

err:
	udev->config = NULL;
	kfree(cfg->vconfig);
	kfree(cfg->map);
	kfree(cfg);
	return pcibios_err_to_errno(ret);
}

void upci_config_free(struct upci_device *udev)
{
	struct upci_config *cfg = udev->config;

	if (!cfg)
		return;
	udev->config = NULL;
	kfree(cfg->vconfig);
	kfree(cfg->map);
	kfree(cfg);
}

/* ---- Access ---- */

/* The start of the capability that owns @pos */
static int upci_cap_start(struct upci_config *cfg, int pos)
{
	int base = pos >= PCI_CFG_SPACE_SIZE ? PCI_CFG_SPACE_SIZE :
					       PCI_STD_HEADER_SIZEOF;
	u8 id = cfg->map[pos];

	if (id == UPCI_CAP_ID_BASIC)
		return 0;
	while (pos - 1 >= base && cfg->map[pos - 1] == id)
		pos--;
	return pos;
}

static const struct upci_cap_policy *upci_policy_at(struct upci_config *cfg,
						    int pos)
{
	u8 id = cfg->map[pos];

	if (id == UPCI_CAP_ID_INVALID)
		return &upci_unassigned_policy;
	if (id == UPCI_CAP_ID_HIDDEN)
		return &upci_hidden_policy;
	if (pos >= PCI_CFG_SPACE_SIZE)
		return id <= PCI_EXT_CAP_ID_MAX ? &upci_ecap_policy[id] :
						  &upci_anchor_policy;
	if (id == PCI_CAP_ID_MSI)
		return &upci_msi_policy[cfg->msi_64bit];
	return &upci_cap_policy[id];
}

/*
 * One aligned access of 1, 2 or 4 bytes that stays in one dword and one
 * capability; the caller loops. Returns its length or an errno. User memory
 * is copied outside udev->lock: a page fault on it may come back to us.
 */
static ssize_t upci_config_do_rw(struct upci_device *udev, char *buf,
				 size_t count, loff_t pos, bool write)
{
	struct upci_config *cfg = udev->config;
	const struct upci_cap_policy *pol;
	struct upci_cfg_access acc;
	__le32 val = 0;
	size_t n;
	u8 id;
	int ret;

	if (pos < 0 || pos >= udev->pdev->cfg_size ||
	    pos + count > udev->pdev->cfg_size)
		return -EFAULT;

	/* the bytes left in this dword that belong to the same capability */
	id = cfg->map[pos];
	n = 1;
	while ((pos + n) % 4 && cfg->map[pos + n] == id)
		n++;
	count = min(count, n);
	if (count >= 4 && !(pos % 4))
		count = 4;
	else if (count >= 2 && !(pos % 2))
		count = 2;
	else
		count = 1;

	pol = upci_policy_at(cfg, pos);
	acc.pos = pos;
	acc.count = count;
	acc.start = id == UPCI_CAP_ID_INVALID ? pos : upci_cap_start(cfg, pos);
	acc.offset = pos - acc.start;

	if (write) {
		upci_cfg_write_t fn = upci_writer(pol);

		if (!fn)
			return count;		/* read-only: dropped */
		memcpy(&val, buf, count);
		mutex_lock(&udev->lock);
		ret = fn(udev, pol, &acc, val);
		mutex_unlock(&udev->lock);
		return ret ? ret : count;
	}

	mutex_lock(&udev->lock);
	ret = upci_reader(pol)(udev, pol, &acc, &val);
	mutex_unlock(&udev->lock);
	if (ret)
		return ret;
	memcpy(buf, &val, count);
	return count;
}

ssize_t upci_config_rw(struct upci_device *udev, char *buf,
		       size_t count, loff_t pos, bool write)
{
	size_t done = 0;
	ssize_t ret;

	while (count) {
		ret = upci_config_do_rw(udev, buf, count, pos, write);
		if (ret < 0)
			return ret;
		count -= ret;
		done += ret;
		buf += ret;
		pos += ret;
	}
	return done;
}

bool upci_config_memory_enabled(struct upci_device *udev)
{
	struct pci_dev *pdev = udev->pdev;
	u16 cmd = upci_vget16(udev->config, PCI_COMMAND);

	lockdep_assert_held(&udev->memory_lock);

	/*
	 * Not in D3; a device without a memory enable bit (an SR-IOV VF)
	 * decodes whenever its PF lets it.
	 */
	return !upci_power_d3(pdev->current_state) &&
	       (pdev->no_command_memory || (cmd & PCI_COMMAND_MEMORY));
}

u8 upci_config_irq_pin(struct upci_device *udev)
{
	return udev->config->vconfig[PCI_INTERRUPT_PIN];
}
