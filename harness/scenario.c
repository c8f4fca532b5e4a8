// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario file parser. A scenario is line oriented: a directive, then
 * whitespace-separated words. Everything is checked here, with the line
 * number, so that a typo never reaches QEMU as a confusing command line.
 * Values end up on QEMU's command line, so commas and quotes are refused.
 */
#define _GNU_SOURCE
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "modules.h"
#include "topology.h"

#define MAX_WORDS 64
#define MAX_LINE 4096

struct parse {
	const char *path;
	struct scenario *scn;
	struct buf *err;
	int line;
	int nerr;
	struct strv links;	/* "LINE A B", checked once devices are known */
};

static void perr(struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	buf_addf(p->err, "%s:%d: %s\n", p->path, line, msg ? msg : fmt);
	free(msg);
	p->nerr++;
}

static bool valid_id(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* QEMU option values: anything printable except what would split an option. */
static bool valid_value(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || strchr(",\"'\\", *s))
			return false;
	return true;
}

static int parse_uint(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static bool valid_memory(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n < 7 && (!s[n] || (strchr("MG", s[n]) && !s[n + 1]));
}

/* "SS.F" with hex slot 0-1f and function 0-7. */
static int parse_addr(const char *s, int *slot, int *fn)
{
	char *end;
	long sl, f;

	sl = strtol(s, &end, 16);
	if (end == s || *end != '.' || sl < 0 || sl > 0x1f)
		return -1;
	s = end + 1;
	f = strtol(s, &end, 16);
	if (end == s || *end || f < 0 || f > 7)
		return -1;
	*slot = (int)sl;
	*fn = (int)f;
	return 0;
}

static bool need_args(struct parse *p, char **w, int nw, int min, int max)
{
	if (nw - 1 < min) {
		perr(p, p->line, "'%s' needs %s", w[0],
		     min == 1 ? "an argument" : "more arguments");
		return false;
	}
	if (max >= 0 && nw - 1 > max) {
		perr(p, p->line, "'%s' takes %d argument%s, got %d", w[0], max,
		     max == 1 ? "" : "s", nw - 1);
		return false;
	}
	return true;
}

static void set_once(struct parse *p, char **field, const char *what,
		     const char *val)
{
	if (*field) {
		perr(p, p->line, "'%s' given twice", what);
		return;
	}
	*field = xstrdup(val);
}

static bool id_taken(const struct scenario *scn, const char *id)
{
	return scenario_device(scn, id) != NULL;
}

static void parse_device(struct parse *p, char **w, int nw);

/*
 * tcg-single-thread: under TCG, every vCPU in one host thread, taking
 * turns (-accel tcg,thread=single). QEMU 7.2's multi-threaded TCG lets
 * one vCPU thread swap another's memory dispatch while that one is in a
 * device access (tcg_commit): a guest that remaps BARs on one CPU while
 * the other programs MSI-X can abort QEMU in msix_table_mmio_write. The
 * guest still has its CPUs and their interleavings; KVM ignores it.
 */
static void parse_tcg_single_thread(struct parse *p, int nw)
{
	if (nw != 1)
		perr(p, p->line, "'tcg-single-thread' takes no arguments");
	else if (p->scn->tcg_single_thread)
		perr(p, p->line, "'tcg-single-thread' given twice");
	else
		p->scn->tcg_single_thread = true;
}

/*
 * host-root: the host's root file system, read-only, at /host in the guest,
 * so tests run the host's own programs (dpdk-testpmd, Debian's QEMU). It is
 * a virtio-9p-pci device of the topology like any other (its IOMMU group is
 * derived), and the 9p modules.
 */
static void parse_host_root(struct parse *p, int nw)
{
	/* parse_device() cuts its words at '=': writable copies */
	char w0[] = "device", w1[] = SCN_HOST_ROOT, w2[] = "virtio-9p-pci";
	char w3[] = "fsdev=" SCN_HOST_ROOT, w4[] = "mount_tag=" SCN_HOST_ROOT;
	char *dev[] = { w0, w1, w2, w3, w4 };

	if (nw != 1) {
		perr(p, p->line, "'host-root' takes no arguments");
		return;
	}
	if (p->scn->host_root) {
		perr(p, p->line, "'host-root' given twice");
		return;
	}
	p->scn->host_root = true;
	parse_device(p, dev, ARRAY_SIZE(dev));
	strv_add(&p->scn->modules, "9pnet_virtio");
	strv_add(&p->scn->modules, "9p");
}

static void parse_device(struct parse *p, char **w, int nw)
{
	struct scenario *scn = p->scn;
	struct scn_device *d;

	if (!need_args(p, w, nw, 2, -1))
		return;
	if (!valid_id(w[1])) {
		perr(p, p->line, "bad device id '%s': letters, digits, '-' and '_', starting with a letter",
		     w[1]);
		return;
	}
	if (id_taken(scn, w[1])) {
		perr(p, p->line, "device id '%s' is already used", w[1]);
		return;
	}
	if (!valid_id(w[2])) {
		perr(p, p->line, "bad device model '%s'", w[2]);
		return;
	}
	scn->devs = xrealloc(scn->devs, (scn->ndevs + 1) * sizeof(*scn->devs));
	d = &scn->devs[scn->ndevs++];
	*d = (struct scn_device){ .id = xstrdup(w[1]), .model = xstrdup(w[2]),
				  .slot = -1, .fn = -1, .hub = -1,
				  .line = p->line };
	for (int i = 3; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		const char *key = w[i], *val;

		if (!eq || eq == w[i]) {
			perr(p, p->line, "expected key=value, got '%s'", w[i]);
			continue;
		}
		*eq = '\0';
		val = eq + 1;
		if (!valid_id(key) || !valid_value(val)) {
			perr(p, p->line, "bad option '%s=%s': no commas, quotes or spaces",
			     key, val);
		} else if (!strcmp(key, "id")) {
			perr(p, p->line, "the device id is the second word, not an option");
		} else if (!strcmp(key, "bus")) {
			if (d->bus)
				perr(p, p->line, "'bus' given twice");
			else
				d->bus = xstrdup(val);
		} else if (!strcmp(key, "addr")) {
			if (d->slot >= 0)
				perr(p, p->line, "'addr' given twice");
			else if (parse_addr(val, &d->slot, &d->fn))
				perr(p, p->line, "bad addr '%s': expected SLOT.FN in hex, slot 0-1f, function 0-7",
				     val);
		} else if (!strcmp(key, "multifunction")) {
			if (strcmp(val, "on") && strcmp(val, "off"))
				perr(p, p->line, "multifunction must be on or off");
			d->multifunction = !strcmp(val, "on");
		} else {
			strv_addf(&d->opts, "%s=%s", key, val);
		}
	}
}

static void parse_test(struct parse *p, char **w, int nw)
{
	struct scenario *scn = p->scn;
	int timeout = SCN_DEFAULT_TEST_TIMEOUT;

	if (!need_args(p, w, nw, 1, 2))
		return;
	if (!valid_id(w[1])) {
		perr(p, p->line, "bad test name '%s'", w[1]);
		return;
	}
	for (size_t i = 0; i < scn->ntests; i++) {
		if (!strcmp(scn->tests[i].name, w[1])) {
			perr(p, p->line, "test '%s' is listed twice (first on line %d)",
			     w[1], scn->tests[i].line);
			return;
		}
	}
	if (nw == 3 && (!str_starts(w[2], "timeout=") ||
			parse_uint(w[2] + 8, 1, 86400, &timeout))) {
		perr(p, p->line, "expected timeout=SECONDS (1-86400), got '%s'", w[2]);
		return;
	}
	scn->tests = xrealloc(scn->tests, (scn->ntests + 1) * sizeof(*scn->tests));
	scn->tests[scn->ntests++] = (struct scn_test){
		.name = xstrdup(w[1]), .timeout_s = timeout, .line = p->line };
}

/* driver/viommu NAME...: one or more known names, each once */
static void parse_names(struct parse *p, char **w, int nw, char **names,
			size_t *n, size_t max, bool (*known)(const char *),
			const char *all)
{
	if (!need_args(p, w, nw, 1, (int)max))
		return;
	if (*n) {
		perr(p, p->line, "'%s' given twice", w[0]);
		return;
	}
	for (int i = 1; i < nw; i++) {
		bool ok = known(w[i]);

		if (!ok) {
			perr(p, p->line, "unknown %s '%s' (known: %s)", w[0], w[i],
			     all);
			continue;
		}
		for (size_t k = 0; k < *n; k++)
			if (!strcmp(names[k], w[i]))
				ok = false;
		if (!ok)
			perr(p, p->line, "%s '%s' listed twice", w[0], w[i]);
		else
			names[(*n)++] = xstrdup(w[i]);
	}
}

static bool driver_known(const char *name)
{
	return driver_lookup(name);
}

static bool viommu_known(const char *name)
{
	return viommu_lookup(name);
}

/* env KEY=value...: exported by the guest's init before the tests run */
static void parse_env(struct parse *p, char **w, int nw)
{
	if (!need_args(p, w, nw, 1, -1))
		return;
	for (int i = 1; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		size_t klen = eq ? (size_t)(eq - w[i]) : 0;

		if (!klen || !isalpha((unsigned char)w[i][0]) ||
		    strspn(w[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != klen ||
		    strpbrk(eq + 1, "\"'\\$`;&|<>(){}*?")) {
			perr(p, p->line, "expected NAME=value without shell characters, got '%s'",
			     w[i]);
			continue;
		}
		strv_add(&p->scn->env, w[i]);
	}
}

/* modparam MODULE key=value...: arguments for that module's insmod */
static void parse_modparam(struct parse *p, char **w, int nw)
{
	if (!need_args(p, w, nw, 2, -1))
		return;
	if (!valid_id(w[1])) {
		perr(p, p->line, "bad module name '%s'", w[1]);
		return;
	}
	for (int i = 2; i < nw; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i] || !eq[1] || !valid_value(eq + 1) ||
		    strspn(w[i], "abcdefghijklmnopqrstuvwxyz0123456789_") !=
			    (size_t)(eq - w[i])) {
			perr(p, p->line, "expected parameter=value for module '%s', got '%s'",
			     w[1], w[i]);
			continue;
		}
		char *name = module_name_of(w[1]);	/* '-' and '_' alike */

		strv_addf(&p->scn->modparams, "%s %s", name, w[i]);
		free(name);
	}
}

/* bind lines are checked at the end: devices may be declared after them. */
struct pending_bind {
	char *id;
	char *host_driver;	/* bind-host DRIVER; NULL for bind */
	int line;
};

static bool listed(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static void add_binds(struct parse *p, char **w, int nw, int first,
		      const char *host_driver, struct pending_bind **binds,
		      size_t *nbinds)
{
	for (int i = first; i < nw; i++) {
		*binds = xrealloc(*binds, (*nbinds + 1) * sizeof(**binds));
		(*binds)[(*nbinds)++] = (struct pending_bind){
			.id = xstrdup(w[i]), .line = p->line,
			.host_driver = host_driver ? xstrdup(host_driver) : NULL };
	}
}

static void parse_line(struct parse *p, char **w, int nw, char *rest,
		       struct pending_bind **binds, size_t *nbinds)
{
	struct scenario *scn = p->scn;
	int v;

	if (!strcmp(w[0], "name")) {
		if (need_args(p, w, nw, 1, 1) && !valid_id(w[1]))
			perr(p, p->line, "bad name '%s'", w[1]);
		else if (nw == 2)
			set_once(p, &scn->name, "name", w[1]);
	} else if (!strcmp(w[0], "description")) {
		if (need_args(p, w, nw, 1, -1))
			set_once(p, &scn->description, "description", rest);
	} else if (!strcmp(w[0], "driver")) {
		parse_names(p, w, nw, scn->drivers, &scn->ndrivers,
			    SCN_MAX_DRIVERS, driver_known, driver_names());
	} else if (!strcmp(w[0], "viommu")) {
		parse_names(p, w, nw, scn->viommus, &scn->nviommus, VIOMMU_MAX,
			    viommu_known, viommu_names());
	} else if (!strcmp(w[0], "cmdline")) {
		if (!need_args(p, w, nw, 1, -1))
			return;
		if (strpbrk(rest, "\"'\\"))
			perr(p, p->line, "cmdline must not contain quotes or backslashes");
		else
			buf_addf(&scn->cmdline, "%s%s", scn->cmdline.len ? " " : "",
				 rest);
	} else if (!strcmp(w[0], "memory")) {
		if (need_args(p, w, nw, 1, 1) && !valid_memory(w[1]))
			perr(p, p->line, "bad memory size '%s': e.g. 512M or 2G", w[1]);
		else if (nw == 2)
			set_once(p, &scn->memory, "memory", w[1]);
	} else if (!strcmp(w[0], "cpus")) {
		if (need_args(p, w, nw, 1, 1) && parse_uint(w[1], 1, 8, &v))
			perr(p, p->line, "cpus must be 1-8, got '%s'", w[1]);
		else if (nw == 2)
			scn->cpus = v;
	} else if (!strcmp(w[0], "vm-timeout")) {
		if (need_args(p, w, nw, 1, 1) && parse_uint(w[1], 1, 86400, &v))
			perr(p, p->line, "vm-timeout must be 1-86400 seconds, got '%s'",
			     w[1]);
		else if (nw == 2)
			scn->vm_timeout_s = v;
	} else if (!strcmp(w[0], "modules")) {
		if (!need_args(p, w, nw, 1, -1))
			return;
		for (int i = 1; i < nw; i++) {
			if (valid_id(w[i]))
				strv_add(&scn->modules, w[i]);
			else
				perr(p, p->line, "bad module name '%s'", w[i]);
		}
	} else if (!strcmp(w[0], "stage")) {
		if (!need_args(p, w, nw, 1, -1))
			return;
		for (int i = 1; i < nw; i++) {
			if (valid_id(w[i]))
				strv_add(&scn->staged, w[i]);
			else
				perr(p, p->line, "bad module name '%s'", w[i]);
		}
	} else if (!strcmp(w[0], "env")) {
		parse_env(p, w, nw);
	} else if (!strcmp(w[0], "modparam")) {
		parse_modparam(p, w, nw);
	} else if (!strcmp(w[0], "device")) {
		parse_device(p, w, nw);
	} else if (!strcmp(w[0], "host-root")) {
		parse_host_root(p, nw);
	} else if (!strcmp(w[0], "tcg-single-thread")) {
		parse_tcg_single_thread(p, nw);
	} else if (!strcmp(w[0], "link")) {
		if (need_args(p, w, nw, 2, 2))
			strv_addf(&p->links, "%d %s %s", p->line, w[1], w[2]);
	} else if (!strcmp(w[0], "test-module")) {
		if (!need_args(p, w, nw, 1, -1))
			return;
		for (int i = 1; i < nw; i++) {
			if (!valid_id(w[i]))
				perr(p, p->line, "bad module name '%s'", w[i]);
			else if (listed(&scn->test_modules, w[i]))
				perr(p, p->line, "test module '%s' listed twice", w[i]);
			else
				strv_add(&scn->test_modules, w[i]);
		}
	} else if (!strcmp(w[0], "bind")) {
		if (need_args(p, w, nw, 1, -1))
			add_binds(p, w, nw, 1, NULL, binds, nbinds);
	} else if (!strcmp(w[0], "bind-host")) {
		if (!need_args(p, w, nw, 2, -1))
			return;
		if (!valid_id(w[1]))
			perr(p, p->line, "bad driver name '%s'", w[1]);
		else
			add_binds(p, w, nw, 2, w[1], binds, nbinds);
	} else if (!strcmp(w[0], "test")) {
		parse_test(p, w, nw);
	} else {
		perr(p, p->line, "unknown directive '%s'", w[0]);
	}
}

/*
 * link A B: the two devices' netdevs on a QEMU hub of their own, as if a
 * cable joined them (two NICs a test forwards packets between).
 */
static void check_links(struct parse *p)
{
	for (size_t i = 0; i < p->links.n; i++) {
		char a[128], b[128];
		struct scn_device *da, *db;
		int line;

		if (sscanf(p->links.v[i], "%d %127s %127s", &line, a, b) != 3)
			continue;
		da = scenario_device(p->scn, a);
		db = scenario_device(p->scn, b);
		if (!da || !db)
			perr(p, line, "link: no device '%s'", da ? b : a);
		else if (da == db)
			perr(p, line, "link: '%s' cannot be linked to itself", a);
		else if (da->hub >= 0 || db->hub >= 0)
			perr(p, line, "link: '%s' is already linked", da->hub >= 0 ? a : b);
		else
			da->hub = db->hub = (int)i;
	}
	strv_free(&p->links);
}

static void check_binds(struct parse *p, struct pending_bind *binds,
			size_t nbinds)
{
	struct scenario *scn = p->scn;
	bool no_driver = scn->ndrivers == 1 && !strcmp(scn->drivers[0], "none");

	for (size_t i = 0; i < nbinds; i++) {
		struct scn_device *d = scenario_device(scn, binds[i].id);
		const char *what = binds[i].host_driver ? "bind-host" : "bind";

		if (no_driver && !binds[i].host_driver &&
		    (!i || binds[i].line != binds[i - 1].line))
			perr(p, binds[i].line, "'bind' needs a 'driver' other than none");
		if (!d)
			perr(p, binds[i].line, "%s: no device '%s'", what, binds[i].id);
		else if (pci_model_lookup(d->model)->kind != MODEL_ENDPOINT)
			perr(p, binds[i].line, "%s: '%s' is a bridge or port, not an endpoint",
			     what, d->id);
		else if (d->bind && !binds[i].host_driver)
			perr(p, binds[i].line, "bind: '%s' listed twice", d->id);
		else if (d->bind || d->host_driver)
			perr(p, binds[i].line, "%s: '%s' is already bound to %s", what,
			     d->id, d->bind ? "the driver under test" : d->host_driver);
		else if (binds[i].host_driver)
			d->host_driver = xstrdup(binds[i].host_driver);
		else
			d->bind = true;
		free(binds[i].id);
		free(binds[i].host_driver);
	}
	free(binds);
}

static void apply_defaults(const char *path, struct scenario *scn)
{
	if (!scn->name) {
		const char *base = strrchr(path, '/');
		char *dot;

		scn->name = xstrdup(base ? base + 1 : path);
		dot = strrchr(scn->name, '.');
		if (dot && dot != scn->name)
			*dot = '\0';
	}
	if (!scn->ndrivers)
		scn->drivers[scn->ndrivers++] = xstrdup("none");
	if (!scn->nviommus)
		scn->viommus[scn->nviommus++] = xstrdup(VIOMMU_DEFAULT);
	if (!scn->memory)
		scn->memory = xstrdup(SCN_DEFAULT_MEMORY);
	if (!scn->cpus)
		scn->cpus = 1;
}

int scenario_parse(const char *path, const char *text, struct scenario *scn,
		   struct buf *err)
{
	struct parse p = { .path = path, .scn = scn, .err = err };
	struct pending_bind *binds = NULL;
	size_t nbinds = 0;
	const char *s = text;

	*scn = (struct scenario){ .path = xstrdup(path) };
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[MAX_LINE], *w[MAX_WORDS], *rest = NULL, *save, *tok;
		int nw = 0;

		p.line++;
		if (len >= sizeof(line)) {
			perr(&p, p.line, "line longer than %d characters", MAX_LINE - 1);
			goto next;
		}
		memcpy(line, s, len);
		line[len] = '\0';
		tok = str_trim(line);
		if (!*tok || *tok == '#')
			goto next;
		for (tok = strtok_r(tok, " \t\r", &save); tok;
		     tok = strtok_r(NULL, " \t\r", &save)) {
			if (nw == MAX_WORDS) {
				perr(&p, p.line, "more than %d words", MAX_WORDS);
				goto next;
			}
			w[nw++] = tok;
		}
		/* free text after the directive, for description and cmdline */
		if (nw > 1) {
			char copy[MAX_LINE];

			memcpy(copy, s, len);
			copy[len] = '\0';
			rest = str_trim(copy);
			rest += strcspn(rest, " \t");
			rest = xstrdup(str_trim(rest));
		}
		parse_line(&p, w, nw, rest ? rest : (char *)"", &binds, &nbinds);
		free(rest);
next:
		s += len + (nl ? 1 : 0);
	}
	apply_defaults(path, scn);
	check_binds(&p, binds, nbinds);
	check_links(&p);
	if (!scn->ntests)
		perr(&p, p.line ? p.line : 1, "no 'test' line: a scenario must run at least one test");
	if (!p.nerr && topology_resolve(scn, err))
		p.nerr++;
	return p.nerr ? -1 : 0;
}

int scenario_load(const char *path, struct scenario *scn, struct buf *err)
{
	size_t len;
	char *text = read_file(path, &len);
	int ret;

	if (!text) {
		buf_addf(err, "%s: cannot read: %s\n", path, strerror(errno));
		*scn = (struct scenario){ .path = xstrdup(path) };
		return -1;
	}
	ret = scenario_parse(path, text, scn, err);
	if (strlen(text) != len) {
		/* the parser stopped at the NUL: say where it is */
		int line = 1;

		for (const char *c = text; *c; c++)
			line += *c == '\n';
		buf_addf(err, "%s:%d: line contains a NUL byte\n", path, line);
		ret = -1;
	}
	free(text);
	return ret;
}

void scenario_free(struct scenario *scn)
{
	free(scn->path);
	free(scn->name);
	free(scn->description);
	for (size_t i = 0; i < scn->ndrivers; i++)
		free(scn->drivers[i]);
	for (size_t i = 0; i < scn->nviommus; i++)
		free(scn->viommus[i]);
	buf_free(&scn->cmdline);
	free(scn->memory);
	strv_free(&scn->modules);
	strv_free(&scn->staged);
	strv_free(&scn->test_modules);
	strv_free(&scn->modparams);
	strv_free(&scn->env);
	for (size_t i = 0; i < scn->ndevs; i++) {
		free(scn->devs[i].id);
		free(scn->devs[i].model);
		free(scn->devs[i].bus);
		free(scn->devs[i].host_driver);
		strv_free(&scn->devs[i].opts);
	}
	free(scn->devs);
	for (size_t i = 0; i < scn->ntests; i++) {
		free(scn->tests[i].name);
		free(scn->tests[i].args);
		free(scn->tests[i].title);
	}
	free(scn->tests);
	*scn = (struct scenario){ 0 };
}

struct scn_device *scenario_device(const struct scenario *scn, const char *id)
{
	for (size_t i = 0; i < scn->ndevs; i++)
		if (!strcmp(scn->devs[i].id, id))
			return &scn->devs[i];
	return NULL;
}

char *scenario_modparams(const struct scenario *scn, const char *module)
{
	return modparams_of((const char *const *)scn->modparams.v,
			    scn->modparams.n, module);
}

int scenario_vm_timeout(const struct scenario *scn)
{
	int total = 120;	/* boot, module loading, binding, shutdown */

	if (scn->vm_timeout_s)
		return scn->vm_timeout_s;
	for (size_t i = 0; i < scn->ntests; i++)
		total += scn->tests[i].timeout_s;
	return total;
}

void scenario_scale_timeouts(struct scenario *scn, int scale)
{
	scn->vm_timeout_s = scenario_vm_timeout(scn) * scale;
	for (size_t i = 0; i < scn->ntests; i++)
		scn->tests[i].timeout_s *= scale;
	strv_addf(&scn->env, "UPCILAB_TIMEOUT_SCALE=%d", scale);
}
