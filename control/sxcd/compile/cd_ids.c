/* SPDX-License-Identifier: BSD-3-Clause */
/* The ids the compiler allocates per namespace, kept across runs (see cd_ids.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_ids.h"

/* The ids a namespace's allocations hold (d->ids), as a bitmap, and per
 * range start the lowest id that may still be free: an allocation is
 * then a short scan, not a pass over every id for every candidate. */
struct cd_ids_ns {
	struct cd_ids_ns *next;
	char name[32];
	uint64_t *bits;
	size_t words;
	json_int_t hint_min[8], hint[8];
	int n_hints;
};

int
cd_ids_init(struct cd_ids *d, json_t *ids)
{
	memset(d, 0, sizeof(*d));
	d->ids = ids != NULL ? json_deep_copy(ids) : json_object();
	d->used = json_object();
	d->used_now = json_array();
	d->touched = json_object();
	d->freed = json_array();
	if (d->ids == NULL || d->used == NULL || d->used_now == NULL || d->touched == NULL ||
	    d->freed == NULL) {
		cd_ids_fini(d);
		return -ENOMEM;
	}
	return 0;
}

void
cd_ids_fini(struct cd_ids *d)
{
	struct cd_ids_ns *n, *next;

	for (n = d->ns; n != NULL; n = next) {
		next = n->next;
		free(n->bits);
		free(n);
	}
	json_decref(d->ids);
	json_decref(d->used);
	json_decref(d->used_now);
	json_decref(d->touched);
	json_decref(d->freed);
	memset(d, 0, sizeof(*d));
}

static bool
id_taken(const struct cd_ids_ns *n, json_int_t id)
{
	size_t w = (size_t)id / 64;

	return w < n->words && (n->bits[w] >> (id % 64)) & 1;
}

static int
id_take(struct cd_ids_ns *n, json_int_t id)
{
	size_t w = (size_t)id / 64;

	if (w >= n->words) {
		size_t nw = w + 1 > n->words * 2 ? w + 1 : n->words * 2;
		uint64_t *b = realloc(n->bits, nw * sizeof(*b));

		if (b == NULL)
			return -ENOMEM;
		memset(b + n->words, 0, (nw - n->words) * sizeof(*b));
		n->bits = b;
		n->words = nw;
	}
	n->bits[w] |= UINT64_C(1) << (id % 64);
	return 0;
}

/* Namespace @ns's bitmap, built from d->ids (@m, its part) the first time. */
static struct cd_ids_ns *
ns_of(struct cd_ids *d, const char *ns, json_t *m)
{
	struct cd_ids_ns *n;
	const char *k;
	json_t *v;

	for (n = d->ns; n != NULL; n = n->next)
		if (strcmp(n->name, ns) == 0)
			return n;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	snprintf(n->name, sizeof(n->name), "%s", ns);
	json_object_foreach(m, k, v)
		if (json_integer_value(v) > 0 && id_take(n, json_integer_value(v)) < 0) {
			free(n->bits);
			free(n);
			return NULL;
		}
	n->next = d->ns;
	d->ns = n;
	return n;
}

/* @ns's @key is allocated or freed (called before the change). */
static void
touch_id(struct cd_ids *d, struct cd_trip *tr, const char *ns, const char *key)
{
	json_t *m = json_object_get(d->touched, ns);

	if (m == NULL) {
		json_object_set_new(d->touched, ns, json_object());
		m = json_object_get(d->touched, ns);
	}
	json_object_set_new(m, key, json_true());
	/* before the change: called first */
	cd_trip_id(tr, ns, key, json_object_get(json_object_get(d->ids, ns), key));
}

json_int_t
cd_ids_alloc(struct cd_ids *d, struct cd_trip *tr, const char *ns, const char *key, json_int_t min,
	     json_int_t max)
{
	json_t *m = json_object_get(d->ids, ns), *u = json_object_get(d->used, ns);
	json_int_t id = json_integer_value(json_object_get(m, key)), *hint = NULL;
	struct cd_ids_ns *n;

	if (m == NULL) {
		json_object_set_new(d->ids, ns, json_object());
		m = json_object_get(d->ids, ns);
	}
	if (u == NULL) {
		json_object_set_new(d->used, ns, json_object());
		u = json_object_get(d->used, ns);
	}
	/* stored by an sxcd whose range was another: a new one (the old one
	 * stays taken until sxcd restarts) */
	if (id < min || id > max)
		id = 0;
	if (id == 0) {
		if ((n = ns_of(d, ns, m)) == NULL)
			return -1;
		/* ids are only taken during a run: below the hint none is free */
		for (int i = 0; i < n->n_hints && hint == NULL; i++)
			if (n->hint_min[i] == min)
				hint = &n->hint[i];
		if (hint == NULL && n->n_hints < 8) {
			n->hint_min[n->n_hints] = min;
			n->hint[n->n_hints] = min;
			hint = &n->hint[n->n_hints++];
		}
		for (json_int_t cand = hint ? *hint : min; cand <= max; cand++) {
			if (!id_taken(n, cand)) {
				id = cand;
				break;
			}
		}
		if (id == 0 || id_take(n, id) < 0)
			return -1;
		touch_id(d, tr, ns, key);
		if (hint != NULL)
			*hint = id + 1;
	}
	/* one number, shared by the allocations, the used and the store's
	 * shards: not a copy of each at every compile */
	if (json_integer_value(json_object_get(m, key)) != id)
		json_object_set_new(m, key, json_integer(id));
	if (json_object_get(u, key) == NULL)
		json_array_append_new(d->used_now, json_pack("[s,s]", ns, key));
	json_object_set(u, key, json_object_get(m, key));
	return id;
}

void
cd_ids_unuse(struct cd_ids *d, json_t *ids)
{
	json_t *e;
	size_t i;

	json_array_foreach(ids, i, e) {
		json_object_del(json_object_get(d->used, json_string_value(json_array_get(e, 0))),
				json_string_value(json_array_get(e, 1)));
		json_array_append(d->freed, e);
	}
}

void
cd_ids_release(struct cd_ids *d, struct cd_trip *tr, bool sweep, bool keep)
{
	const char *ns, *key;
	json_t *m, *v, *u;
	size_t i;

	if (sweep) {
		json_object_foreach(d->ids, ns, m)
			json_object_foreach(m, key, v)
				if (json_object_get(json_object_get(d->used, ns), key) == NULL)
					json_array_append_new(d->freed, json_pack("[s,s]", ns, key));
	}
	json_array_foreach(d->freed, i, u) {
		const char *n = json_string_value(json_array_get(u, 0));
		struct cd_ids_ns *b;

		key = json_string_value(json_array_get(u, 1));
		m = json_object_get(d->ids, n);
		if (keep || (v = json_object_get(m, key)) == NULL ||
		    json_object_get(json_object_get(d->used, n), key) != NULL)
			continue;
		for (b = d->ns; b != NULL; b = b->next) {
			if (strcmp(b->name, n) != 0)
				continue;
			if ((size_t)json_integer_value(v) / 64 < b->words)
				b->bits[json_integer_value(v) / 64] &= ~(UINT64_C(1) << (json_integer_value(v) % 64));
			b->n_hints = 0;
		}
		touch_id(d, tr, n, key);
		json_object_del(m, key);
	}
	json_array_clear(d->freed);
}
