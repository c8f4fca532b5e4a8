// SPDX-License-Identifier: GPL-2.0
#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "result_file.h"
#include "run_file.h"

struct merge {
	struct run_file *rf;
	const char **shard_dir;		/* per shard number */
	struct report_vm *vms;		/* per place in the whole run */
	const char **vm_dir;
	size_t total;
	int shards;
};

static int check_shard(struct merge *m, char *const *dirs, size_t d,
		       struct buf *err)
{
	const struct run_file *rf = &m->rf[d];

	if (rf->shards != m->shards || rf->total != m->total) {
		buf_addf(err, "%s is shard %d/%d of a run of %zu VMs, but %s is shard %d/%d of %zu: not one run\n",
			 dirs[d], rf->shard, rf->shards, rf->total, dirs[0],
			 m->rf[0].shard, m->shards, m->total);
		return -1;
	}
	if (m->shard_dir[rf->shard]) {
		buf_addf(err, "shard %d/%d given twice: %s and %s\n", rf->shard,
			 rf->shards, m->shard_dir[rf->shard], dirs[d]);
		return -1;
	}
	m->shard_dir[rf->shard] = dirs[d];
	return 0;
}

static int take_vms(struct merge *m, const char *dir, const struct run_file *rf,
		    struct buf *err)
{
	for (size_t i = 0; i < rf->n; i++) {
		size_t p = rf->places[i];
		struct report_vm *vm = &m->vms[p];
		char *flat, *path;
		int rc;

		if (vm->label) {
			buf_addf(err, "%s is in both %s and %s\n", rf->labels[i],
				 m->vm_dir[p], dir);
			return -1;
		}
		flat = result_dir_name(rf->labels[i]);
		vm->log_dir = xasprintf("%s/%s", dir, flat);
		free(flat);
		path = xasprintf("%s/" RESULT_FILE_NAME, vm->log_dir);
		rc = result_file_load(path, NULL, &vm->res, err);
		free(path);
		if (rc) {
			buf_addf(err, " (shard %d/%d did not finish %s)\n", rf->shard,
				 rf->shards, rf->labels[i]);
			free(vm->log_dir);
			vm->log_dir = NULL;
			return -1;
		}
		vm->label = xstrdup(rf->labels[i]);
		m->vm_dir[p] = dir;
	}
	return 0;
}

static int complete(const struct merge *m, struct buf *err)
{
	int missing = 0;

	for (int s = 1; s <= m->shards; s++)
		if (!m->shard_dir[s]) {
			buf_addf(err, "%sshard %d/%d", missing++ ? ", " : "", s,
				 m->shards);
		}
	if (missing) {
		buf_addf(err, " missing\n");
		return -1;
	}
	for (size_t p = 0; p < m->total; p++)
		if (!m->vms[p].label) {
			buf_addf(err, "VM %zu of %zu is in no shard\n", p + 1, m->total);
			return -1;
		}
	return 0;
}

int merge_results(char *const *dirs, size_t ndirs, struct report_vm **vms,
		  size_t *nvms, struct buf *err)
{
	struct merge m = { 0 };
	int rc = -1;
	size_t loaded = 0;

	*vms = NULL;
	*nvms = 0;
	if (!ndirs) {
		buf_addf(err, "merge needs the result directories of every shard\n");
		return -1;
	}
	m.rf = xcalloc(ndirs, sizeof(*m.rf));
	for (; loaded < ndirs; loaded++) {
		char *path = xasprintf("%s/" RUN_FILE_NAME, dirs[loaded]);
		int bad = run_file_load(path, &m.rf[loaded], err);

		free(path);
		if (bad) {
			buf_addf(err, " (not the results of an upcilab run)\n");
			goto out;
		}
	}
	m.shards = m.rf[0].shards;
	m.total = m.rf[0].total;
	m.shard_dir = xcalloc((size_t)m.shards + 1, sizeof(*m.shard_dir));
	m.vms = xcalloc(m.total ? m.total : 1, sizeof(*m.vms));
	m.vm_dir = xcalloc(m.total ? m.total : 1, sizeof(*m.vm_dir));
	for (size_t d = 0; d < ndirs; d++)
		if (check_shard(&m, dirs, d, err) ||
		    take_vms(&m, dirs[d], &m.rf[d], err))
			goto out;
	if (complete(&m, err))
		goto out;
	*vms = m.vms;
	*nvms = m.total;
	m.vms = NULL;
	rc = 0;
out:
	if (m.vms)
		report_vms_free(m.vms, m.total);
	for (size_t d = 0; d < loaded; d++)
		run_file_free(&m.rf[d]);
	free(m.rf);
	free(m.shard_dir);
	free(m.vm_dir);
	return rc;
}
