// SPDX-License-Identifier: GPL-2.0
#include "bench_compare.h"

#include <stdlib.h>

static void judge(struct bench_cmp *c)
{
	if (!bench_ratio_range(c->metric, &c->lo, &c->hi))
		c->move = BENCH_NO_SPREAD;
	else if (c->before < c->lo)
		c->move = BENCH_UP;
	else if (c->before > c->hi)
		c->move = BENCH_DOWN;
	else
		c->move = BENCH_WITHIN;
}

size_t bench_compare(const struct bench_set *set,
		     const struct bench_baseline *base, struct bench_cmp **out)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < set->n; i++) {
		const struct bench_line *l = &set->lines[i];

		for (size_t k = 0; k < l->nmetrics; k++) {
			const struct bench_metric *m = &l->metrics[k];
			char *key = bench_key(l->name, &l->words, l->params,
					      l->nparams, m->name);
			const struct bench_ref *ref = bench_baseline_find(base, key);
			struct bench_cmp c = { .line = l, .metric = m };

			free(key);
			if (!ref || !bench_ratio(m, &c.now))
				continue;
			c.before = ref->ratio;
			judge(&c);
			*out = xrealloc(*out, (n + 1) * sizeof(**out));
			(*out)[n++] = c;
		}
	}
	return n;
}

const char *bench_move_word(const struct bench_cmp *c)
{
	enum bench_kind kind = bench_metric_kind(c->metric->name);
	bool up = c->move == BENCH_UP;

	switch (c->move) {
	case BENCH_WITHIN:
		return "within noise";
	case BENCH_NO_SPREAD:
		return "no spread measured";
	default:
		if (kind == BENCH_TIME)
			return up ? "slower" : "faster";
		if (kind == BENCH_THROUGHPUT)
			return up ? "faster" : "slower";
		return up ? "higher" : "lower";
	}
}
