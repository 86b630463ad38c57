/* SPDX-License-Identifier: BSD-3-Clause */
/* Sliced comparison of entry sets and the chunks of a whole diff (see cd_diff.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cd_diff.h"
#include "cd_rstatus.h"
#include "cd_tables.h"

#define DIFF_SLICE	 4096	/* keys compared in one slice of a whole diff */

struct cd_diff_key {
	json_int_t order;
	const char *table, *key;
};

bool
cd_diff_same(json_t *a, json_t *b)
{
	return a == b || (a != NULL && b != NULL && json_equal(a, b));
}

bool
cd_diff_entry_differs(json_t *h, json_t *e)
{
	/* one key, so one match and priority: the rest is the same or not */
	return h == NULL || !cd_tables_same(h, e);
}

void
cd_diff_mark(json_t *keys, const char *table, const char *key)
{
	json_t *t = json_object_get(keys, table);

	if (t == NULL) {
		json_object_set_new(keys, table, json_object());
		t = json_object_get(keys, table);
	}
	json_object_set_new(t, key, json_true());
}

void
cd_diff_merge(json_t *keys, json_t *more)
{
	json_t *rows, *v;
	const char *t, *k;

	json_object_foreach(more, t, rows)
		json_object_foreach(rows, k, v)
			cd_diff_mark(keys, t, k);
}

void
cd_diff_cmp_clear(struct cd_diff_cmp *k)
{
	json_decref(k->a);
	json_decref(k->b);
	json_decref(k->marked);
	*k = (struct cd_diff_cmp){ 0 };
}

void
cd_diff_cmp_start(struct cd_diff_cmp *k, json_t *a, json_t *b, cd_diff_differs *differs, void *ctx)
{
	cd_diff_cmp_clear(k);
	*k = (struct cd_diff_cmp){ .a = json_incref(a), .b = json_incref(b), .marked = json_object(),
				   .differs = differs, .ctx = ctx };
}

/* DIFF_SLICE keys more; true when done. */
bool
cd_diff_cmp_slice(struct cd_diff_cmp *k)
{
	json_t *top = k->pass == 0 ? k->a : k->b;
	size_t n = 0;

	while (k->pass < 2) {
		if (k->it == NULL) {   /* the next table */
			size_t ti = 0;
			void *it;

			for (it = json_object_iter(top); it != NULL && ti < (size_t)k->table;
			     it = json_object_iter_next(top, it))
				ti++;
			if (it == NULL) {
				k->pass++;
				k->table = 0;
				top = k->b;
				continue;
			}
			k->rows = json_object_iter_value(it);
			k->name = json_object_iter_key(it);
			if ((k->it = json_object_iter(k->rows)) == NULL) {
				k->table++;
				continue;
			}
		}
		for (; k->it != NULL; k->it = json_object_iter_next(k->rows, k->it)) {
			const char *key = json_object_iter_key(k->it);

			if (n++ >= DIFF_SLICE)
				return false;
			if (k->pass == 0 ? k->differs(k->ctx, k->name, key, json_object_iter_value(k->it)) :
			    json_object_get(json_object_get(k->a, k->name), key) == NULL)
				cd_diff_mark(k->marked, k->name, key);
		}
		k->table++;
	}
	return true;
}

static int
key_cmp(const void *a, const void *b)
{
	json_int_t x = ((const struct cd_diff_key *)a)->order, y = ((const struct cd_diff_key *)b)->order;

	return (x > y) - (x < y);
}

int
cd_diff_plan_make(struct cd_diff_plan *p, json_t *keys, json_t *seq, json_t *owned)
{
	json_t *rows, *v;
	const char *t, *k;

	if ((p->wk = calloc(cd_tables_count(keys) + 1, sizeof(*p->wk))) == NULL)
		return -ENOMEM;
	p->n = 0;
	json_object_foreach(keys, t, rows) {
		json_t *q = json_object_get(seq, t), *o = json_object_get(owned, t);

		json_object_foreach(rows, k, v) {
			json_t *sq = json_object_get(q, k);

			p->wk[p->n++] = (struct cd_diff_key){ .table = t, .key = k, .order = sq != NULL ?
				json_integer_value(sq) : INT64_MAX / 2 - json_integer_value(json_object_get(o, k)) };
		}
	}
	qsort(p->wk, p->n, sizeof(*p->wk), key_cmp);
	p->keys = keys;
	p->at = 0;
	return 0;
}

json_t *
cd_diff_plan_next(struct cd_diff_plan *p, size_t max)
{
	json_t *keys = json_object();

	for (size_t n = 0; n < max && p->at < p->n; n++, p->at++)
		cd_diff_mark(keys, p->wk[p->at].table, p->wk[p->at].key);
	return keys;
}

bool
cd_diff_plan_done(const struct cd_diff_plan *p)
{
	return p->wk == NULL || p->at >= p->n;
}

json_t *
cd_diff_plan_rest(struct cd_diff_plan *p)
{
	return cd_diff_plan_next(p, p->n);
}

void
cd_diff_plan_clear(struct cd_diff_plan *p)
{
	free(p->wk);
	json_decref(p->keys);
	*p = (struct cd_diff_plan){ 0 };
}

json_t *
cd_diff_kept(struct cd_res *res, json_t *want)
{
	json_t *out = json_object(), *owners = cd_res_state(res, "owners"), *rows, *v;
	const char *t, *k;

	if (!cd_rstatus_quarantined(res, NULL))
		return out;
	json_object_foreach(cd_res_state(res, "owned"), t, rows) {
		json_object_foreach(rows, k, v) {
			const char *who = json_string_value(json_object_get(json_object_get(owners, t), k));

			if (json_object_get(json_object_get(want, t), k) != NULL ||
			    (who != NULL && !cd_rstatus_quarantined(res, who)))
				continue;
			if (json_object_get(out, t) == NULL)
				json_object_set_new(out, t, json_object());
			json_object_set(json_object_get(out, t), k, v);
		}
	}
	return out;
}

json_t *
cd_diff_deletable(struct cd_res *res, json_t *want, json_t **kept)
{
	json_t *owned = cd_res_state(res, "owned"), *mine, *rows, *v;
	const char *t, *k;

	*kept = cd_diff_kept(res, want);
	mine = json_object_size(*kept) ? json_deep_copy(owned) : json_incref(owned);
	json_object_foreach(*kept, t, rows)
		json_object_foreach(rows, k, v)
			json_object_del(json_object_get(mine, t), k);
	return mine;
}

void
cd_diff_snapshot(json_t *keys, json_t *seq, json_t *owner, json_t **wseq, json_t **wowner)
{
	json_t *rows, *x;
	const char *t, *k;

	*wseq = json_object();
	*wowner = json_object();
	json_object_foreach(keys, t, rows) {
		json_t *q = json_object_get(seq, t), *w = json_object_get(owner, t);

		json_object_set_new(*wseq, t, json_object());
		json_object_set_new(*wowner, t, json_object());
		json_object_foreach(rows, k, x) {
			/* shared: no one changes a number or a string in place */
			if (json_object_get(q, k) != NULL)
				json_object_set(json_object_get(*wseq, t), k, json_object_get(q, k));
			if (json_object_get(w, k) != NULL)
				json_object_set(json_object_get(*wowner, t), k, json_object_get(w, k));
		}
	}
}
