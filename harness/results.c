// SPDX-License-Identifier: GPL-2.0
#include "results.h"

#include <stdlib.h>

struct test_node *node_new(const char *name)
{
	struct test_node *n = xcalloc(1, sizeof(*n));

	n->name = xstrdup(name);
	return n;
}

struct test_node *node_add(struct test_node *parent, const char *name)
{
	struct test_node *n = node_new(name);

	parent->kids = xrealloc(parent->kids,
				(parent->nkids + 1) * sizeof(*parent->kids));
	parent->kids[parent->nkids++] = n;
	return n;
}

void node_set(struct test_node *n, enum result res, const char *reason)
{
	char *copy = reason ? xstrdup(reason) : NULL;	/* may be n->reason */

	n->res = res;
	free(n->reason);
	n->reason = copy;
}

void node_free(struct test_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->reason);
	buf_free(&n->diag);
	free(n);
}

static int tally_kids(const struct test_node *n, struct tally *t)
{
	int failed = 0;

	for (size_t i = 0; i < n->nkids; i++) {
		int before = t->fail;

		node_tally(n->kids[i], t);
		failed += t->fail - before;
	}
	return failed;
}

void node_tally(const struct test_node *n, struct tally *t)
{
	int kid_failures;

	if (!n->nkids) {
		if (n->res == RES_PASS)
			t->pass++;
		else if (n->res == RES_SKIP)
			t->skip++;
		else
			t->fail++;	/* failed, or never reported */
		return;
	}
	kid_failures = tally_kids(n, t);
	if ((n->res == RES_FAIL || n->res == RES_NONE) && !kid_failures)
		t->fail++;
}

const char *result_name(enum result r)
{
	switch (r) {
	case RES_PASS:
		return "PASS";
	case RES_FAIL:
		return "FAIL";
	case RES_SKIP:
		return "SKIP";
	default:
		return "NONE";
	}
}
