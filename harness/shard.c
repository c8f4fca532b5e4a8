// SPDX-License-Identifier: GPL-2.0
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *s, int *index, int *count)
{
	char *end;
	long i, n;

	if (!s || *s < '1' || *s > '9')
		return -1;
	i = strtol(s, &end, 10);
	if (*end != '/' || end[1] < '1' || end[1] > '9')
		return -1;
	n = strtol(end + 1, &end, 10);
	if (*end || n > SHARD_MAX || i > n)
		return -1;
	*index = (int)i;
	*count = (int)n;
	return 0;
}

struct item {
	double cost;
	const char *label;
	size_t k;
};

static int by_cost(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return strcmp(x->label, y->label);
}

void shard_assign(const double *cost, char *const *labels, size_t n,
		  int count, int *out)
{
	struct item *it = xcalloc(n ? n : 1, sizeof(*it));
	double *load = xcalloc((size_t)count, sizeof(*load));

	for (size_t k = 0; k < n; k++)
		it[k] = (struct item){ cost[k], labels[k], k };
	qsort(it, n, sizeof(*it), by_cost);
	for (size_t j = 0; j < n; j++) {
		int best = 0;

		for (int s = 1; s < count; s++)
			if (load[s] < load[best])
				best = s;
		load[best] += it[j].cost;
		out[it[j].k] = best + 1;
	}
	free(load);
	free(it);
}

double shard_duration_of(const char *durations, const char *label)
{
	size_t len = strlen(label);

	for (const char *s = durations; s && *s;) {
		const char *nl = strchr(s, '\n');
		double v;

		if (!strncmp(s, label, len) && s[len] == ' ' &&
		    sscanf(s + len + 1, "%lf", &v) == 1 && v >= 0)
			return v;
		if (!nl)
			break;
		s = nl + 1;
	}
	return -1;
}

double shard_estimate(const struct scenario *scn)
{
	double s = 5;

	for (size_t i = 0; i < scn->ntests; i++)
		s += scn->tests[i].timeout_s / 10.0;
	return s;
}
