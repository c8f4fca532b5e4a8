// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "ktap.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KTAP_MAX_DEPTH 8
#define KTAP_INDENT 4

/* The results seen so far at one indentation depth. */
struct level {
	struct test_node *holder;	/* collects this level's results */
	int plan;			/* -1: no plan line */
	int last_num;
	bool seen;			/* any version/plan/result line */
	char *skip_all;			/* reason from "1..0 # SKIP reason" */
	struct buf diag;		/* diagnostics waiting for a result */
};

struct ktap {
	struct level lv[KTAP_MAX_DEPTH];
	struct test_node *root;
	char *running;
};

static void level_reset(struct level *l)
{
	node_free(l->holder);
	buf_free(&l->diag);
	free(l->skip_all);
	*l = (struct level){ .holder = node_new("level"), .plan = -1 };
}

struct ktap *ktap_new(struct test_node *root)
{
	struct ktap *k = xcalloc(1, sizeof(*k));

	k->root = root;
	for (int i = 0; i < KTAP_MAX_DEPTH; i++)
		level_reset(&k->lv[i]);
	return k;
}

static void add_error(struct test_node *parent, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_error(struct test_node *parent, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	node_set(node_add(parent, "ktap: malformed output"), RES_FAIL,
		 msg ? msg : fmt);
	free(msg);
}

/* Move a level's results under @to and check them against its plan. */
static void level_flush(struct level *l, struct test_node *to)
{
	struct test_node *h = l->holder;
	int got = l->last_num;

	for (size_t i = 0; i < h->nkids; i++) {
		to->kids = xrealloc(to->kids, (to->nkids + 1) * sizeof(*to->kids));
		to->kids[to->nkids++] = h->kids[i];
	}
	h->nkids = 0;
	if (l->plan >= 0 && got < l->plan)
		add_error(to, "plan 1..%d but only %d result%s: tests %d-%d never reported",
			  l->plan, got, got == 1 ? "" : "s", got + 1, l->plan);
	else if (l->plan >= 0 && got > l->plan)
		add_error(to, "plan 1..%d but %d results", l->plan, got);
	if (l->diag.len)
		buf_add(&to->diag, l->diag.s, l->diag.len);
	if (l->skip_all && !got)
		node_set(to, RES_SKIP, l->skip_all);
	level_reset(l);
}

static bool parse_plan(const char *s, int *n)
{
	char *end;
	long v;

	if (!str_starts(s, "1.."))
		return false;
	v = strtol(s + 3, &end, 10);
	if (end == s + 3 || v < 0 || (*end && *end != ' '))
		return false;
	*n = (int)v;
	return true;
}

/* "ok 3 - name # SKIP why" -> res, num (or -1), name, directive reason. */
static bool parse_result(char *s, enum result *res, int *num, char **name,
			 char **reason)
{
	char *hash;

	if (str_starts(s, "ok ") || !strcmp(s, "ok")) {
		*res = RES_PASS;
		s += 2;
	} else if (str_starts(s, "not ok ") || !strcmp(s, "not ok")) {
		*res = RES_FAIL;
		s += 6;
	} else {
		return false;
	}
	while (*s == ' ')
		s++;
	*num = -1;
	if (isdigit((unsigned char)*s)) {
		*num = (int)strtol(s, &s, 10);
		while (*s == ' ')
			s++;
	}
	if (str_starts(s, "- "))
		s += 2;
	*reason = NULL;
	hash = strstr(s, " # ");
	if (!hash && *s == '#')
		hash = s - 1;
	if (hash) {
		/* past the '#' and one space: a bare "#" at the end has none */
		char *dir = hash + 2;

		if (*dir == ' ')
			dir++;

		*hash = '\0';
		if (!strncasecmp(dir, "SKIP", 4)) {
			if (*res == RES_PASS)
				*res = RES_SKIP;
			*reason = str_trim(dir + 4);
		} else if (!strncasecmp(dir, "TODO", 4) ||
			   !strncasecmp(dir, "XFAIL", 5)) {
			/* an expected failure is not a failure */
			*reason = dir;
			*res = RES_SKIP;
		}
	}
	*name = str_trim(s);
	return true;
}

static void note_running(struct ktap *k, const char *diag)
{
	const char *s = diag + 1;

	while (*s == ' ')
		s++;
	if (!str_starts(s, "RUN "))
		return;
	s += 4;
	while (*s == ' ')
		s++;
	free(k->running);
	k->running = xstrdup(s);
	if (strstr(k->running, " ..."))
		*strstr(k->running, " ...") = '\0';
}

static bool on_result(struct ktap *k, int depth, char *body)
{
	struct level *l = &k->lv[depth];
	enum result res;
	char *name, *reason;
	int num;
	struct test_node *n;

	if (!parse_result(body, &res, &num, &name, &reason))
		return false;
	if (num < 0)
		num = l->last_num + 1;
	if (num != l->last_num + 1)
		add_error(l->holder, "result number %d out of order (expected %d)",
			  num, l->last_num + 1);
	l->last_num = num;
	l->seen = true;
	n = node_add(l->holder, *name ? name : "(unnamed)");
	node_set(n, res, reason && *reason ? reason : NULL);
	if (l->diag.len) {
		buf_add(&n->diag, l->diag.s, l->diag.len);
		buf_free(&l->diag);
	}
	if (depth + 1 < KTAP_MAX_DEPTH && k->lv[depth + 1].seen)
		level_flush(&k->lv[depth + 1], n);
	free(k->running);
	k->running = NULL;
	return true;
}

void ktap_line(struct ktap *k, const char *line)
{
	size_t sp = strspn(line, " ");
	int depth = (int)(sp / KTAP_INDENT);
	char *copy, *body;
	struct level *l;
	int plan;

	if (depth >= KTAP_MAX_DEPTH)
		depth = KTAP_MAX_DEPTH - 1;
	l = &k->lv[depth];
	copy = xstrdup(line + sp);
	body = str_trim(copy);
	if (str_starts(body, "TAP version") || str_starts(body, "KTAP version")) {
		/* a new (sub)document at this depth */
		if (l->seen && depth > 0)
			level_flush(l, node_add(k->lv[depth - 1].holder,
						"(unreported subtest)"));
		l->seen = true;
	} else if (parse_plan(body, &plan)) {
		const char *skip = strstr(body, "# SKIP");

		l->seen = true;
		if (l->plan >= 0)
			add_error(l->holder, "second plan line '%s'", body);
		else
			l->plan = plan;
		if (!plan && skip && !l->skip_all)
			l->skip_all = xstrdup(skip[6] ? skip + 7 : "skipped");
	} else if (on_result(k, depth, body)) {
		/* a result line */
	} else if (str_starts(body, "Bail out!")) {
		l->seen = true;
		add_error(l->holder, "%s", body);
	} else if (*body) {
		if (*body == '#')
			note_running(k, body);
		buf_addf(&l->diag, "%s\n", body);
	}
	free(copy);
}

void ktap_end(struct ktap *k)
{
	for (int d = KTAP_MAX_DEPTH - 1; d > 0; d--) {
		if (!k->lv[d].seen)
			continue;
		/* subtests whose parent never reported: keep them visible */
		level_flush(&k->lv[d], node_add(k->lv[d - 1].holder,
						"(unreported subtest)"));
	}
	level_flush(&k->lv[0], k->root);
}

const char *ktap_running(const struct ktap *k)
{
	return k->running;
}

void ktap_free(struct ktap *k)
{
	if (!k)
		return;
	for (int i = 0; i < KTAP_MAX_DEPTH; i++) {
		node_free(k->lv[i].holder);
		buf_free(&k->lv[i].diag);
		free(k->lv[i].skip_all);
	}
	free(k->running);
	free(k);
}
