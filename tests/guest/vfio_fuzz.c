// SPDX-License-Identifier: GPL-2.0
/*
 * Differential ioctl fuzzer (the fuzz scenario): the same seeded call
 * sequences against vfio-pci and against upci, in one VM, on two mockdma
 * devices with the same properties, one bound to each.
 *
 * A sequence (tests/lib/fuzz_gen.c) is container, group and device-fd
 * calls with plausible and hostile argsz, flags, indexes, IOVAs and sizes
 * near every boundary, pread/pwrite/mmap at region edges, SET_IRQS with
 * every index, action and data type, resets, and closes and reopens in
 * between.  Each driver runs it in a forked child (tests/lib/fuzz_exec.c),
 * which records every call's answer and the state after it (IOMMU info,
 * mappings in use, locked_vm, group status, device and IRQ info, config
 * space, a BAR register, eventfd counters).  Every difference fails,
 * except those listed in intended[] below with the reason; the failing
 * sequence is shrunk by delta debugging (tests/lib/fuzz_min.c) to the
 * shortest that still differs, and printed as C.
 *
 * Budget: upcilab.fuzz_time=SECONDS per driver (default 20) and
 * upcilab.fuzz_seed=N (default: from the clock) on the kernel command
 * line (make fuzz SEED=.. TIME=..), or $UPCILAB_FUZZ_TIME/_SEED; also
 * upcilab.fuzz_len=N calls per sequence (default 150) and
 * upcilab.fuzz_sequences=N, which ends the run after N sequences if the
 * time has not (0, the default: no limit). With a seed, a limit that ends
 * the run first makes it the same calls on every run, however loaded the
 * host (make test's gate).  Prints
 *
 *   # fuzz: seed=0x... time=20 s per driver len=150 sequences=any
 *   # fuzz: driver=vfio-pci calls=N seconds=S calls_per_s=R sequences=K
 *   # fuzz: driver=upci calls=N seconds=S calls_per_s=R sequences=K
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "fuzz_exec.h"
#include "fuzz_gen.h"
#include "fuzz_min.h"
#include "lab_knob.h"
#include "lab_time.h"
#include "pci_topo.h"
#include "vfio_lab.h"

#define TH_LOG_STREAM stdout
#include "kselftest_harness.h"

enum { VFIO_PCI, UPCI, SIDES };

static const char *const side_driver[SIDES] = { "vfio-pci", "upci" };
static const char *const side_device[SIDES] = { "mdmav", "mdmau" };

#define DEFAULT_TIME	20
#define DEFAULT_LEN	150
#define CHILD_MS	60000
#define MIN_MS		120000.0
#define MIN_TESTS	300

/* ---- the budget, from the command line or the environment ---- */

static uint64_t fuzz_time(void)
{
	return lab_knob("UPCILAB_FUZZ_TIME", "upcilab.fuzz_time=", DEFAULT_TIME);
}

/* ---- intended differences ---- */

/*
 * A rule explains a difference in one call's answer.  stop: the drivers'
 * states differ from then on by design, so the rest of the sequence is
 * not compared.
 */
struct intended {
	const char *name;	/* first three fields given, seen counts */
	bool (*match)(const struct fz_call *c, const struct fz_out *v, const struct fz_out *u,
		      bool *stop);
	const char *reason;
	unsigned int seen;
};

static bool nesting_ext(const struct fz_call *c, const struct fz_out *v,
			const struct fz_out *u, bool *stop)
{
	(void)stop;
	return c->op == FZ_CHECK_EXTENSION && c->a == VFIO_TYPE1_NESTING_IOMMU &&
	       v->ret == 1 && u->ret == 0;
}

static bool vaddr_ext(const struct fz_call *c, const struct fz_out *v,
		      const struct fz_out *u, bool *stop)
{
	(void)stop;
	return c->op == FZ_CHECK_EXTENSION && c->a == VFIO_UPDATE_VADDR &&
	       v->ret == 1 && u->ret == 0;
}

static bool nesting_set(const struct fz_call *c, const struct fz_out *v,
			const struct fz_out *u, bool *stop)
{
	*stop = v->ret == 0;
	return c->op == FZ_SET_IOMMU && c->a == VFIO_TYPE1_NESTING_IOMMU && u->ret < 0;
}

static bool vaddr_flag(const struct fz_call *c, const struct fz_out *v,
		       const struct fz_out *u, bool *stop)
{
	(void)u;
	*stop = v->ret == 0;
	return (c->op == FZ_MAP_DMA && c->flags & VFIO_DMA_MAP_FLAG_VADDR) ||
	       (c->op == FZ_UNMAP_DMA && c->flags & VFIO_DMA_UNMAP_FLAG_VADDR);
}

static bool dirty_pages(const struct fz_call *c, const struct fz_out *v,
			const struct fz_out *u, bool *stop)
{
	bool dirty = c->op == FZ_DIRTY_PAGES ||
		     (c->op == FZ_RAW_IOCTL && c->a == VFIO_IOMMU_DIRTY_PAGES &&
		      c->fdkind <= FZ_FD_C1);

	*stop = v->ret == 0;
	return dirty && u->ret == -ENOTTY;
}

static bool low_power(const struct fz_call *c, const struct fz_out *v,
		      const struct fz_out *u, bool *stop)
{
	uint32_t f = c->flags & VFIO_DEVICE_FEATURE_MASK;

	*stop = v->ret == 0 && !(c->flags & VFIO_DEVICE_FEATURE_PROBE);
	return c->op == FZ_FEATURE && f >= VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY &&
	       f <= VFIO_DEVICE_FEATURE_LOW_POWER_EXIT && u->ret == -ENOTTY;
}

static bool rom_decode(const struct fz_call *c, const struct fz_out *v,
		       const struct fz_out *u, bool *stop)
{
	(void)stop;
	return c->op == FZ_PREAD && c->index == VFIO_PCI_ROM_REGION_INDEX &&
	       v->ret == -ENOMEM && u->ret == -EIO;
}

/* the chain's capabilities but MIGRATION, by id, as (id, content) */
static bool caps_equal_but_migration(const struct fz_out *v, const struct fz_out *u)
{
	const struct vfio_iommu_type1_info *vi = (const void *)v->out, *ui = (const void *)u->out;
	const uint8_t *b[2] = { v->out, u->out };
	uint32_t off[2] = { vi->cap_offset, ui->cap_offset }, len[2] = { v->outlen, u->outlen };
	int s;

	for (;;) {
		const struct vfio_info_cap_header *h[2] = { NULL, NULL };
		size_t n;

		for (s = 0; s < 2; s++) {
			while (off[s] && off[s] + 8 <= len[s]) {
				h[s] = (const void *)(b[s] + off[s]);
				if (h[s]->id != VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION)
					break;
				off[s] = h[s]->next > off[s] ? h[s]->next : 0;
				h[s] = NULL;
			}
			if (off[s] + 8 > len[s])
				h[s] = NULL;
		}
		if (!h[0] || !h[1])
			return !h[0] && !h[1];
		if (h[0]->id != h[1]->id || h[0]->version != h[1]->version)
			return false;
		n = h[0]->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL ? 4 :
		    8 + 16 * ((const struct vfio_iommu_type1_info_cap_iova_range *)h[0])->nr_iovas;
		if (off[0] + 8 + n > len[0] || off[1] + 8 + n > len[1] ||
		    memcmp(b[0] + off[0] + 8, b[1] + off[1] + 8, n))
			return false;
		for (s = 0; s < 2; s++)
			off[s] = h[s]->next > off[s] ? h[s]->next : 0;
	}
}

#define MIGRATION_CAP_SIZE	sizeof(struct vfio_iommu_type1_info_cap_migration)

static bool migration_cap(const struct fz_call *c, const struct fz_out *v,
			  const struct fz_out *u, bool *stop)
{
	const struct vfio_iommu_type1_info *vi = (const void *)v->out, *ui = (const void *)u->out;

	(void)stop;
	if (c->op != FZ_IOMMU_INFO || v->ret || u->ret || v->outlen < sizeof(*vi) ||
	    v->outlen != u->outlen || vi->flags != ui->flags ||
	    vi->iova_pgsizes != ui->iova_pgsizes)
		return false;
	/* no room for cap_offset: the rest is the caller's, the same */
	if (c->argsz < sizeof(*vi))
		return vi->argsz == ui->argsz + MIGRATION_CAP_SIZE &&
		       !memcmp(v->out + 4, u->out + 4, v->outlen - 4);
	/* neither copied the chain: vfio-pci's needs the capability more */
	if (!vi->cap_offset && !ui->cap_offset)
		return vi->argsz == ui->argsz + MIGRATION_CAP_SIZE;
	/* argsz fits upci's chain, not vfio-pci's */
	if (!vi->cap_offset)
		return vi->argsz > c->argsz && vi->argsz - MIGRATION_CAP_SIZE <= c->argsz &&
		       ui->argsz == c->argsz;
	return vi->argsz == ui->argsz && caps_equal_but_migration(v, u);
}

static struct intended intended[] = {
	{ "nesting-extension", nesting_ext,
	  "upci has no nested (VFIO_TYPE1_NESTING_IOMMU) mode", 0 },
	{ "nesting-set-iommu", nesting_set,
	  "upci has no nested mode: SET_IOMMU refuses it (vfio-pci's container differs from then on)", 0 },
	{ "update-vaddr-extension", vaddr_ext,
	  "upci cannot update vaddrs (VFIO_UPDATE_VADDR)", 0 },
	{ "vaddr-flag", vaddr_flag,
	  "upci has no DMA_MAP/UNMAP_FLAG_VADDR (live update)", 0 },
	{ "dirty-pages", dirty_pages,
	  "upci has no dirty page tracking: VFIO_IOMMU_DIRTY_PAGES is -ENOTTY", 0 },
	{ "migration-capability", migration_cap,
	  "no dirty page tracking, so no MIGRATION capability in IOMMU_GET_INFO (argsz needs 32 bytes less)", 0 },
	{ "low-power-features", low_power,
	  "no runtime power management of assigned devices: the LOW_POWER features are -ENOTTY", 0 },
	{ "rom-without-decode", rom_decode,
	  "upci checks memory decode before pci_map_rom() reads the ROM header: -EIO, not -ENOMEM", 0 },
};

/* ---- comparison ---- */

struct divergence {
	bool stopped;			/* at an intended difference that ends comparing */
	unsigned int call;
	char what[1024];
};

#define DIFF(field) do {						\
	if (sv->field != su->field) {					\
		snprintf(d->what, sizeof(d->what),			\
			 "state after the call: %s vfio-pci %lld upci %lld", #field, \
			 (long long)sv->field, (long long)su->field);	\
		return true;						\
	}								\
} while (0)

static bool state_differs(const struct fz_state *sv, const struct fz_state *su,
			  struct divergence *d)
{
	unsigned int i;

	DIFF(iommu_ret); DIFF(iommu_flags); DIFF(pgsizes); DIFF(ranges_hash);
	DIFF(nranges); DIFF(dma_used); DIFF(group_ret); DIFF(group_flags);
	DIFF(locked_kb); DIFF(dev_ret); DIFF(dev_flags); DIFF(num_regions);
	DIFF(num_irqs); DIFF(cfg_ret); DIFF(scratch_ret); DIFF(scratch);
	for (i = 0; i < 5; i++) {
		DIFF(irq_ret[i]); DIFF(irq_flags[i]); DIFF(irq_count[i]);
	}
	for (i = 0; i < 4; i++)
		DIFF(efd[i]);
	for (i = 0; i < sizeof(sv->cfg); i++) {
		if (sv->cfg[i] != su->cfg[i]) {
			size_t n = snprintf(d->what, sizeof(d->what),
					    "state after the call: config bytes (offset vfio-pci upci):");
			unsigned int k;

			for (k = 0; i < sizeof(sv->cfg) && k < 12; i++)
				if (sv->cfg[i] != su->cfg[i] && n < sizeof(d->what) - 24) {
					n += snprintf(d->what + n, sizeof(d->what) - n,
						      " 0x%x 0x%02x 0x%02x,", i, sv->cfg[i], su->cfg[i]);
					k++;
				}
			if (getenv("UPCILAB_FUZZ_DEBUG"))
				for (k = 0x40; k < 0x60; k++)
					ksft_print_msg("cfg 0x%x: %02x %02x\n", k, sv->cfg[k], su->cfg[k]);
			return true;
		}
	}
	return false;
}

static void describe_out(char *buf, size_t size, const struct fz_out *o)
{
	size_t n = snprintf(buf, size, "ret %d%s", o->ret,
			    o->ret == FZ_RET_FD ? " (an fd)" : "");
	unsigned int i;

	if (o->ret < 0)
		n += snprintf(buf + n, size - n, " (%s)", strerror(-o->ret));
	if (o->sig)
		n += snprintf(buf + n, size - n, ", signal %d on touch", o->sig);
	if (o->outlen) {
		n += snprintf(buf + n, size - n, ", out[%u]", o->outlen);
		for (i = 0; i < o->outlen && i < 48 && n < size - 4; i++)
			n += snprintf(buf + n, size - n, "%s%02x", i % 4 ? "" : " ", o->out[i]);
	}
}

/*
 * The first call whose answer or state differs and no rule explains;
 * false if none (or a rule said stop).
 */
static bool diverges(const struct fz_call *calls, unsigned int n, const struct fz_trace *tv,
		     const struct fz_trace *tu, struct divergence *d, bool count)
{
	d->stopped = false;
	unsigned int i, r, common = tv->n < tu->n ? tv->n : tu->n;
	char bv[400], bu[400];

	for (i = 0; i < common; i++) {
		const struct fz_out *v = &tv->out[i], *u = &tu->out[i];
		bool explained = false, stop = false;

		d->call = i;
		if (v->ret != u->ret || v->sig != u->sig || v->outlen != u->outlen ||
		    v->outhash != u->outhash) {
			for (r = 0; r < sizeof(intended) / sizeof(intended[0]) && !explained; r++) {
				stop = false;
				if (intended[r].match(&calls[i], v, u, &stop)) {
					explained = true;
					if (count)
						intended[r].seen++;
				}
			}
			if (!explained) {
				describe_out(bv, sizeof(bv), v);
				describe_out(bu, sizeof(bu), u);
				snprintf(d->what, sizeof(d->what), "answers differ: vfio-pci %s; upci %s",
					 bv, bu);
				return true;
			}
			if (stop) {
				d->stopped = true;
				return false;
			}
		}
		if (state_differs(&v->st, &u->st, d))
			return true;
	}
	d->call = common;
	if (tv->n != tu->n || tv->died_sig != tu->died_sig || tv->hung != tu->hung) {
		snprintf(d->what, sizeof(d->what),
			 "vfio-pci ran %u calls%s%s, upci %u%s%s", tv->n,
			 tv->died_sig ? ", killed by a signal" : "", tv->hung ? ", hung" : "",
			 tu->n, tu->died_sig ? ", killed by a signal" : "", tu->hung ? ", hung" : "");
		return true;
	}
	(void)n;
	return false;
}

/* ---- the fixture ---- */

FIXTURE(fuzz) {
	struct fz_env env[SIDES];
	struct fz_device_shape shape;
	struct fz_trace *t[SIDES];
	double secs[SIDES];
	uint64_t calls[SIDES];
};

static int side_env(struct __test_metadata *_metadata, struct fz_env *e, int s,
		    char *why, size_t size)
{
	char path[300];
	long limit;
	int ret;

	snprintf(e->driver, sizeof(e->driver), "%s", side_driver[s]);
	vfio_lab_select_driver(side_driver[s]);
	ret = vfio_lab_device_bdf(side_device[s], e->bdf, why, size);
	if (ret)
		return ret;
	e->group_id = pci_topo_iommu_group(e->bdf);
	if (e->group_id < 0) {
		snprintf(why, size, "%s: no IOMMU group", e->bdf);
		return e->group_id;
	}
	EXPECT_EQ(0, vfio_lab_container_path(e->container_path, sizeof(e->container_path)));
	EXPECT_EQ(0, vfio_lab_group_path(e->group_id, e->group_path, sizeof(e->group_path)));
	EXPECT_EQ(0, vfio_lab_entry_limit_path(path, sizeof(path)));
	limit = pci_topo_read_long(path);
	if (limit < 0) {
		snprintf(why, size, "cannot read %.200s", path);
		return -ENOENT;
	}
	e->entry_limit = limit;
	ret = pci_topo_config_read(e->bdf, 0, e->raw_cfg, sizeof(e->raw_cfg));
	if (ret) {
		snprintf(why, size, "%s: raw config: %s", e->bdf, strerror(-ret));
		return ret;
	}
	return 0;
}

/* Region sizes and IRQ counts, from each driver: they must agree. */
static int device_shape(struct fz_device_shape *shape, int s, char *why, size_t size)
{
	struct vfio_lab_dev d;
	char bdf[PCI_TOPO_BDF_SIZE];
	unsigned int i;
	int ret;

	vfio_lab_select_driver(side_driver[s]);
	ret = vfio_lab_device_bdf(side_device[s], bdf, why, size);
	if (!ret)
		ret = vfio_lab_open_device(&d, bdf, VFIO_TYPE1v2_IOMMU, why, size);
	if (ret)
		return ret;
	memset(shape, 0, sizeof(*shape));
	for (i = 0; i < FZ_NREGIONS; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (!ioctl(d.fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
			shape->region_size[i] = ri.size;
	}
	for (i = 0; i < 5; i++) {
		struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };

		if (!ioctl(d.fd, VFIO_DEVICE_GET_IRQ_INFO, &ii))
			shape->irq_count[i] = ii.count;
	}
	vfio_lab_close(&d);
	return 0;
}

FIXTURE_SETUP(fuzz)
{
	struct fz_device_shape other;
	char why[256];
	int s, ret;
	unsigned int i;

	if (vfio_lab_driver() != VFIO_LAB_UPCI || vfio_lab_upci_compat())
		SKIP(return, "needs upci (not in compat mode) beside vfio-pci, driver is %s",
		     vfio_lab_driver_name());
	for (s = 0; s < SIDES; s++) {
		ret = side_env(_metadata, &self->env[s], s, why, sizeof(why));
		if (ret == -ENODEV || ret == -ENOENT)
			SKIP(return, "%s: %s", side_driver[s], why);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_driver[s], why);
	}
	for (s = 0; s < SIDES; s++) {
		struct fz_env *e = &self->env[s], *o = &self->env[!s];

		snprintf(e->peer_bdf, sizeof(e->peer_bdf), "%s", o->bdf);
		memcpy(e->peer_raw_cfg, o->raw_cfg, sizeof(e->peer_raw_cfg));
		snprintf(e->foreign_path, sizeof(e->foreign_path), "%s", o->container_path);
	}
	ASSERT_EQ(0, fz_buffers(&self->env[0]));
	self->env[1].arena = self->env[0].arena;
	self->env[1].argbuf = self->env[0].argbuf;
	ASSERT_EQ(0, device_shape(&self->shape, VFIO_PCI, why, sizeof(why)))
		TH_LOG("vfio-pci: %s", why);
	ASSERT_EQ(0, device_shape(&other, UPCI, why, sizeof(why))) TH_LOG("upci: %s", why);
	for (i = 0; i < FZ_NREGIONS; i++)
		EXPECT_EQ(self->shape.region_size[i], other.region_size[i])
			TH_LOG("region %u's size", i);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(self->shape.irq_count[i], other.irq_count[i])
			TH_LOG("IRQ index %u's count", i);
	for (s = 0; s < SIDES; s++) {
		self->t[s] = mmap(NULL, sizeof(struct fz_trace), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->t[s]);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int s;

	for (s = 0; s < SIDES; s++)
		if (self->t[s] && self->t[s] != MAP_FAILED)
			munmap(self->t[s], sizeof(struct fz_trace));
}

/* both drivers, one after the other, timed */
static int run_both(FIXTURE_DATA(fuzz) *self, const struct fz_call *calls, unsigned int n)
{
	double t0;
	int s, ret;

	for (s = 0; s < SIDES; s++) {
		t0 = lab_now_ms();
		ret = fz_run(&self->env[s], calls, n, self->t[s], CHILD_MS);
		if (ret)
			return ret;
		self->secs[s] += (lab_now_ms() - t0) / 1e3;
		self->calls[s] += self->t[s]->n;
	}
	return 0;
}

/*
 * What outlives a device's close on both drivers and may differ after a
 * sequence that diverged or stopped on an intended difference: the MSI
 * vectors the virtual capability offers (the last enable's, kept from
 * probe to remove, as vfio-pci's msi_qmax) and BAR2's memory.  Enable one
 * MSI vector (as at probe) and zero BAR2.
 */
static unsigned int resync_calls(struct fz_call *c, const struct fz_device_shape *shape)
{
	static const uint8_t setup[] = { FZ_OPEN_CONTAINER, FZ_OPEN_GROUP, FZ_SET_CONTAINER,
					 FZ_SET_IOMMU, FZ_GET_DEVICE_FD, FZ_OPEN_EFD };
	uint64_t off, mem = shape->region_size[VFIO_PCI_BAR2_REGION_INDEX];
	unsigned int n = 0, i;

	for (i = 0; i < sizeof(setup); i++) {
		c[n] = (struct fz_call){ .op = setup[i] };
		if (setup[i] == FZ_SET_IOMMU)
			c[n].a = VFIO_TYPE1v2_IOMMU;
		n++;
	}
	c[n++] = (struct fz_call){ .op = FZ_SET_IRQS, .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.count = 1, .ndata = 1, .data = { FZ_FD_E0 },
		.argsz = sizeof(struct vfio_irq_set) + 4 };
	c[n++] = (struct fz_call){ .op = FZ_SET_IRQS, .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.argsz = sizeof(struct vfio_irq_set) };
	c[n++] = (struct fz_call){ .op = FZ_PWRITE, .index = VFIO_PCI_CONFIG_REGION_INDEX,
		.a = PCI_COMMAND, .b = 2, .c = PCI_COMMAND_MEMORY };
	for (off = 0; off < mem && n < FZ_MAX_CALLS; off += 4096)
		c[n++] = (struct fz_call){ .op = FZ_PWRITE, .index = VFIO_PCI_BAR2_REGION_INDEX,
					   .a = off, .b = 4096 };
	return n;
}

static int resync(FIXTURE_DATA(fuzz) *self)
{
	static struct fz_call calls[FZ_MAX_CALLS];
	unsigned int n = resync_calls(calls, &self->shape), i;
	int s, ret;

	for (s = 0; s < SIDES; s++) {
		ret = fz_run(&self->env[s], calls, n, self->t[s], CHILD_MS);
		if (ret)
			return ret;
		if (self->t[s]->n != n)
			return -EIO;
		for (i = 0; i < n; i++) {
			int32_t r = self->t[s]->out[i].ret;

			if (r < 0 || (calls[i].op == FZ_PWRITE && (uint64_t)r != calls[i].b)) {
				ksft_print_msg("fuzz: resync on %s: call %u (%s) returned %d\n",
					       side_driver[s], i, fz_op_name(calls[i].op), r);
				return -EIO;
			}
		}
	}
	return 0;
}

struct min_ctx {
	FIXTURE_DATA(fuzz) *self;
};

static bool still_diverges(void *arg, const struct fz_call *calls, unsigned int *n)
{
	struct min_ctx *m = arg;
	struct divergence d;

	if (resync(m->self) || run_both(m->self, calls, *n))
		return false;
	if (!diverges(calls, *n, m->self->t[VFIO_PCI], m->self->t[UPCI], &d, false))
		return false;
	*n = d.call + 1 < *n ? d.call + 1 : *n;
	return true;
}

static void log_calls(struct __test_metadata *_metadata, const struct fz_call *calls,
		      unsigned int n)
{
	char *buf = NULL, *line, *save;
	size_t size = 0;
	unsigned int i;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return;
	fz_print_preamble(f, "");
	for (i = 0; i < n; i++)
		fz_print_call(f, "", &calls[i]);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		TH_LOG("repro: %s", line);
	free(buf);
}

static void report(struct __test_metadata *_metadata, FIXTURE_DATA(fuzz) *self,
		   struct fz_call *calls, unsigned int n, uint64_t seq_seed,
		   const struct divergence *first)
{
	(void)n;
	struct fz_min_budget b = { .max_tests = MIN_TESTS, .max_ms = MIN_MS };
	struct min_ctx m = { self };
	struct divergence d = *first;
	unsigned int len = first->call + 1;

	TH_LOG("sequence seed 0x%" PRIx64 ": call %u (%s) diverges: %s", seq_seed,
	       first->call, fz_op_name(calls[first->call].op), first->what);
	if (!still_diverges(&m, calls, &len)) {
		TH_LOG("the first %u calls alone do not diverge again (timing?): all of them", len);
		log_calls(_metadata, calls, len);
		return;
	}
	len = fz_minimize(calls, len, still_diverges, &m, &b);
	TH_LOG("minimized to %u calls in %u runs%s", len, b.tests,
	       b.exhausted ? " (budget exhausted: may shrink further)" : "");
	if (resync(self) == 0 && run_both(self, calls, len) == 0 &&
	    diverges(calls, len, self->t[VFIO_PCI], self->t[UPCI], &d, false))
		TH_LOG("minimized: call %u (%s): %s", d.call, fz_op_name(calls[d.call].op), d.what);
	log_calls(_metadata, calls, len);
}

TEST_F_TIMEOUT(fuzz, differential, 300)
{
	static struct fz_call calls[FZ_MAX_CALLS];
	uint64_t seed = lab_knob("UPCILAB_FUZZ_SEED", "upcilab.fuzz_seed=",
				 (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	uint64_t secs = fuzz_time();
	unsigned int len = lab_knob("UPCILAB_FUZZ_LEN", "upcilab.fuzz_len=", DEFAULT_LEN);
	uint64_t max_seqs = lab_knob("UPCILAB_FUZZ_SEQUENCES", "upcilab.fuzz_sequences=", 0);
	struct fz_rng seeds = { seed };
	char most[24] = "any";
	unsigned int seqs = 0, r, n;
	struct divergence d;
	bool failed = false;
	int s;

	if (len < 1 || len > FZ_MAX_CALLS)
		len = DEFAULT_LEN;
	ASSERT_EQ(0, resync(self)) TH_LOG("the resync sequence failed on a driver");
	if (max_seqs)
		snprintf(most, sizeof(most), "%" PRIu64, max_seqs);
	ksft_print_msg("fuzz: seed=0x%" PRIx64 " time=%" PRIu64 " s per driver len=%u sequences=%s (replay: upcilab.fuzz_seed=0x%" PRIx64 ")\n",
		       seed, secs, len, most, seed);
	while (self->secs[VFIO_PCI] + self->secs[UPCI] < 2.0 * secs &&
	       (!max_seqs || seqs < max_seqs)) {
		uint64_t seq_seed = fz_next(&seeds);

		n = fz_generate(seq_seed, &self->shape, calls, len);
		ASSERT_EQ(0, run_both(self, calls, n));
		seqs++;
		if (diverges(calls, n, self->t[VFIO_PCI], self->t[UPCI], &d, true)) {
			report(_metadata, self, calls, n, seq_seed, &d);
			failed = true;
			break;
		}
		if (d.stopped)
			ASSERT_EQ(0, resync(self)) TH_LOG("the resync sequence failed on a driver");
	}
	for (s = 0; s < SIDES; s++)
		ksft_print_msg("fuzz: driver=%s calls=%" PRIu64 " seconds=%.1f calls_per_s=%.0f sequences=%u\n",
			       side_driver[s], self->calls[s], self->secs[s],
			       self->secs[s] > 0 ? self->calls[s] / self->secs[s] : 0.0, seqs);
	for (r = 0; r < sizeof(intended) / sizeof(intended[0]); r++)
		if (intended[r].seen)
			ksft_print_msg("fuzz: intended difference %s seen %u times: %s\n",
				       intended[r].name, intended[r].seen, intended[r].reason);
	ASSERT_FALSE(failed) TH_LOG("seed 0x%" PRIx64 ": upci and vfio-pci differ (above)", seed);
}

/* LAB_HARNESS_MAIN, with room in the timeout for a longer budget */
int main(int argc, char **argv)
{
	int scale = lab_timeout_scale(), need = 2 * (int)fuzz_time() + 240;
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout = (t->timeout > need ? t->timeout : need) * scale;
	return test_harness_run(argc, argv);
}
