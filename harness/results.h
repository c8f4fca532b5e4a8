/* SPDX-License-Identifier: GPL-2.0 */
/* The result tree of one VM run: scenario tests, and their KTAP subtests. */
#ifndef UPCILAB_RESULTS_H
#define UPCILAB_RESULTS_H

#include <stddef.h>

#include "util.h"

enum result {
	RES_NONE,	/* not reported (yet) */
	RES_PASS,
	RES_FAIL,
	RES_SKIP,
};

struct test_node {
	char *name;
	enum result res;
	char *reason;		/* SKIP reason or failure cause; may be NULL */
	struct buf diag;	/* diagnostic lines that preceded the result */
	double secs;
	struct test_node **kids;
	size_t nkids;
};

struct test_node *node_new(const char *name);
struct test_node *node_add(struct test_node *parent, const char *name);
void node_set(struct test_node *n, enum result res, const char *reason);
void node_free(struct test_node *n);

struct tally {
	int pass, fail, skip;
};

/* Count leaves; a node whose own result contradicts passing kids counts too. */
void node_tally(const struct test_node *n, struct tally *t);
const char *result_name(enum result r);

#endif
