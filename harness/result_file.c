// SPDX-License-Identifier: GPL-2.0
#include "result_file.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define RESULT_FILE_VERSION 1

/* Console text need not be UTF-8: such bytes become '?' rather than the whole result being lost. */
static json_t *text(const char *s, size_t n)
{
	json_t *j = json_stringn(s ? s : "", n);
	char *copy;

	if (j)
		return j;
	copy = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		copy[i] = (unsigned char)s[i] < 0x80 && s[i] ? s[i] : '?';
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? text(s, strlen(s)) : json_null();
}

/* enum leak_check's names in the file; LEAK_NONE is null there */
static const char *const leak_names[] = {
	[LEAK_NONE] = NULL, [LEAK_SCANNED] = "scanned", [LEAK_OFF] = "off",
};

/* null or absent (a file from before the key): LEAK_NONE */
static int leak_check_of(json_t *v, enum leak_check *out)
{
	*out = LEAK_NONE;
	if (!v || json_is_null(v))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(leak_names); i++)
		if (leak_names[i] && json_is_string(v) &&
		    !strcmp(json_string_value(v), leak_names[i])) {
			*out = (enum leak_check)i;
			return 0;
		}
	return -1;
}

static json_t *node_to_json(const struct test_node *n)
{
	json_t *kids = json_array();

	for (size_t i = 0; i < n->nkids; i++)
		json_array_append_new(kids, node_to_json(n->kids[i]));
	return json_pack("{s:o, s:s, s:o, s:o, s:f, s:o}",
			 "name", str_or_null(n->name), "result", result_name(n->res),
			 "reason", str_or_null(n->reason),
			 "diag", text(n->diag.s, n->diag.len),
			 "secs", n->secs, "kids", kids);
}

int result_file_save(const char *path, const char *label,
		     const struct vm_result *res)
{
	json_t *j = json_pack("{s:i, s:o, s:f, s:f, s:f, s:o, s:o, s:o, s:b, s:o, s:o, s:o}",
			      "version", RESULT_FILE_VERSION,
			      "label", str_or_null(label),
			      "boot_s", res->boot_s, "total_s", res->total_s,
			      "cpu_s", res->cpu_s,
			      "error", str_or_null(res->error),
			      "shutdown_reason", str_or_null(res->shutdown_reason),
			      "pci_table", text(res->pci_table.s, res->pci_table.len),
			      "interrupted", res->interrupted,
			      "kmemleak", str_or_null(leak_names[res->kmemleak]),
			      "retried", str_or_null(res->retried),
			      "root", res->root ? node_to_json(res->root) : json_null());
	int rc;

	if (!j)
		return -1;
	rc = json_dump_file(j, path, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(j);
	return rc;
}

static int result_of(const char *name, enum result *r)
{
	static const enum result all[] = { RES_NONE, RES_PASS, RES_FAIL, RES_SKIP };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (!strcmp(name, result_name(all[i]))) {
			*r = all[i];
			return 0;
		}
	return -1;
}

static char *dup_or_null(json_t *s)
{
	return json_is_string(s) ? xstrdup(json_string_value(s)) : NULL;
}

static void buf_from(struct buf *b, json_t *s)
{
	if (json_string_length(s))
		buf_add(b, json_string_value(s), json_string_length(s));
}

static struct test_node *node_from_json(json_t *j, int depth)
{
	const char *name, *res;
	json_t *reason, *diag, *kids, *kid;
	double secs;
	struct test_node *n;
	size_t i;

	if (depth > 16 ||
	    json_unpack(j, "{s:s, s:s, s:o, s:o, s:F, s:o}", "name", &name,
			"result", &res, "reason", &reason, "diag", &diag,
			"secs", &secs, "kids", &kids) ||
	    !json_is_array(kids) || !json_is_string(diag) ||
	    !(json_is_string(reason) || json_is_null(reason)))
		return NULL;
	n = node_new(name);
	if (result_of(res, &n->res)) {
		node_free(n);
		return NULL;
	}
	n->reason = dup_or_null(reason);
	buf_from(&n->diag, diag);
	n->secs = secs;
	json_array_foreach(kids, i, kid) {
		struct test_node *k = node_from_json(kid, depth + 1);

		if (!k) {
			node_free(n);
			return NULL;
		}
		n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
		n->kids[n->nkids++] = k;
	}
	return n;
}

char *result_dir_name(const char *label)
{
	char *flat = xstrdup(label);

	for (char *c = flat; *c; c++)
		if (*c == '/')
			*c = '-';
	return flat;
}

int result_file_load(const char *path, char **label, struct vm_result *res,
		     struct buf *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je), *error, *reason, *table, *root;
	json_t *kmemleak = NULL, *retried = NULL;
	const char *lab;
	int version, interrupted;

	*res = (struct vm_result){ .boot_s = -1, .cpu_s = -1 };
	if (label)
		*label = NULL;
	if (!j) {
		buf_addf(err, "%s: %s (line %d)", path, je.text, je.line);
		return -1;
	}
	if (json_unpack(j, "{s:i, s:s, s:F, s:F, s?F, s:o, s:o, s:o, s:b, s?o, s?o, s:o}",
			"version", &version, "label", &lab,
			"boot_s", &res->boot_s, "total_s", &res->total_s,
			"cpu_s", &res->cpu_s,
			"error", &error, "shutdown_reason", &reason,
			"pci_table", &table, "interrupted", &interrupted,
			"kmemleak", &kmemleak, "retried", &retried, "root", &root) ||
	    version != RESULT_FILE_VERSION || !json_is_string(table) ||
	    (retried && !json_is_null(retried) && !json_is_string(retried)) ||
	    leak_check_of(kmemleak, &res->kmemleak)) {
		buf_addf(err, "%s: not a version %d upcilab result", path,
			 RESULT_FILE_VERSION);
		goto bad;
	}
	res->root = node_from_json(root, 0);
	if (!res->root) {
		buf_addf(err, "%s: malformed test tree", path);
		goto bad;
	}
	res->error = dup_or_null(error);
	res->shutdown_reason = dup_or_null(reason);
	res->retried = dup_or_null(retried);
	buf_from(&res->pci_table, table);
	res->interrupted = interrupted;
	if (label)
		*label = xstrdup(lab);
	json_decref(j);
	return 0;
bad:
	json_decref(j);
	vm_result_free(res);
	*res = (struct vm_result){ .boot_s = -1, .cpu_s = -1 };
	return -1;
}
