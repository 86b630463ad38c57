/* SPDX-License-Identifier: BSD-3-Clause */
/* A run's read of sxdp's tables (see cd_read.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cd_log.h"
#include "cd_read.h"
#include "ctl_async.h"

#define READ_PAGE	 250	/* entries a table.read page asks for: parsing 1,000 held the loop ~0.1 s */

struct read_ctx {
	struct cd_read *r;
	uint64_t epoch;
	char table[64];
};

static void read_page(struct cd_read *r, const char *table, json_int_t offset);

static void
on_read(void *arg, json_t *result, json_t *error)
{
	struct read_ctx *rc = arg;
	struct cd_read *r = rc->r;
	json_t *next;

	if (!r->active || rc->epoch != r->epoch) {
		free(rc);
		return;
	}
	if (ctl_async_lost(error)) {
		free(rc);
		r->lost(r->arg);
		return;
	}
	/* a table this sxdp does not have reads as empty */
	if (json_object_get(r->have, rc->table) == NULL)
		json_object_set_new(r->have, rc->table, json_object());
	if (error == NULL) {
		if (cd_tables_add_read(r->tables, r->have, rc->table,
				       json_object_get(result, "entries"), r->like) < 0)
			CD_LOG(WARN, "table %s: entries sxcd cannot read", rc->table);
		next = json_object_get(result, "next_offset");
		if (json_is_integer(next)) {
			read_page(r, rc->table, json_integer_value(next));
			free(rc);
			return;
		}
	}
	free(rc);
	if (--r->n == 0) {
		json_decref(r->like);
		r->like = NULL;
		r->done(r->arg);
	}
}

static void
read_page(struct cd_read *r, const char *table, json_int_t offset)
{
	struct read_ctx *rc = calloc(1, sizeof(*rc));

	if (rc == NULL) {
		r->lost(r->arg);
		return;
	}
	rc->r = r;
	rc->epoch = r->epoch;
	snprintf(rc->table, sizeof(rc->table), "%s", table);
	if (ctl_async_call(r->ctl, "table.read", json_pack("{s:s,s:I,s:i}", "table", table, "offset",
				   offset, "limit", READ_PAGE), on_read, rc) < 0) {
		free(rc);
		r->lost(r->arg);
	}
}

void
cd_read_start(struct cd_read *r, struct ctl_async *ctl, const struct cd_tables *tables, json_t *have,
	      json_t *want, json_t *owned, uint64_t epoch, cd_read_fn *done, cd_read_fn *lost, void *arg)
{
	json_t *tabs = json_object(), *v;
	const char *t;

	json_decref(r->like);
	*r = (struct cd_read){ .ctl = ctl, .tables = tables, .have = have, .epoch = epoch, .active = true,
			       .done = done, .lost = lost, .arg = arg, .like = json_incref(want) };
	/* every table wanted or owned that the cache lacks, read whole */
	json_object_foreach(want, t, v)
		if (json_object_get(have, t) == NULL)
			json_object_set_new(tabs, t, json_true());
	json_object_foreach(owned, t, v)
		if (json_object_get(have, t) == NULL)
			json_object_set_new(tabs, t, json_true());
	r->n = (unsigned int)json_object_size(tabs);
	if (r->n == 0) {
		json_decref(r->like);
		r->like = NULL;
		done(arg);
	}
	json_object_foreach(tabs, t, v)
		if (r->active)
			read_page(r, t, 0);
	json_decref(tabs);
}

void
cd_read_clear(struct cd_read *r)
{
	r->active = false;
	json_decref(r->like);
	r->like = NULL;
}

bool
cd_read_busy(const struct cd_read *r)
{
	return r->active && r->n > 0;
}
