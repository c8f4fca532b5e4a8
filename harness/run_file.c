// SPDX-License-Identifier: GPL-2.0
#include "run_file.h"

#include <jansson.h>
#include <stdlib.h>

#define RUN_FILE_VERSION 1

int run_file_save(const char *path, const struct run_file *rf)
{
	json_t *vms = json_array(), *j;
	int rc;

	for (size_t i = 0; i < rf->n; i++)
		json_array_append_new(vms, json_pack("{s:s, s:I}", "label",
						     rf->labels[i], "place",
						     (json_int_t)rf->places[i]));
	j = json_pack("{s:i, s:i, s:i, s:I, s:o}", "version", RUN_FILE_VERSION,
		      "shard", rf->shard, "shards", rf->shards,
		      "total", (json_int_t)rf->total, "vms", vms);
	if (!j)
		return -1;
	rc = json_dump_file(j, path, JSON_INDENT(1));
	json_decref(j);
	return rc;
}

int run_file_load(const char *path, struct run_file *rf, struct buf *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je), *vms, *vm;
	json_int_t total;
	int version;
	size_t i;

	*rf = (struct run_file){ 0 };
	if (!j) {
		buf_addf(err, "%s: %s", path, je.text);
		return -1;
	}
	if (json_unpack(j, "{s:i, s:i, s:i, s:I, s:o}", "version", &version,
			"shard", &rf->shard, "shards", &rf->shards,
			"total", &total, "vms", &vms) ||
	    version != RUN_FILE_VERSION || !json_is_array(vms) ||
	    rf->shards < 1 || rf->shard < 1 || rf->shard > rf->shards ||
	    total < 0 || (size_t)total < json_array_size(vms))
		goto bad;
	rf->total = (size_t)total;
	rf->labels = xcalloc(json_array_size(vms) + 1, sizeof(*rf->labels));
	rf->places = xcalloc(json_array_size(vms) + 1, sizeof(*rf->places));
	json_array_foreach(vms, i, vm) {
		const char *label;
		json_int_t place;

		if (json_unpack(vm, "{s:s, s:I}", "label", &label, "place", &place) ||
		    place < 0 || place >= total)
			goto bad;
		rf->labels[rf->n] = xstrdup(label);
		rf->places[rf->n++] = (size_t)place;
	}
	json_decref(j);
	return 0;
bad:
	buf_addf(err, "%s: not a version %d upcilab run file", path,
		 RUN_FILE_VERSION);
	json_decref(j);
	run_file_free(rf);
	return -1;
}

void run_file_free(struct run_file *rf)
{
	for (size_t i = 0; i < rf->n; i++)
		free(rf->labels[i]);
	free(rf->labels);
	free(rf->places);
	*rf = (struct run_file){ 0 };
}
