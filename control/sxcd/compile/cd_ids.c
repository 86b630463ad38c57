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
 * then a short scan, not a pass over every id for every candidate. Those
 * the compiled intents use, a bitmap too (a key's id is its own): a map
 * of them by key was 200k keys at 100k sessions, its every doubling a
 * 50 ms hold of the loop. */
struct cd_ids_ns {
	struct cd_ids_ns *next;
	char name[32];
	uint64_t *bits, *used;
	size_t words, used_words;
	json_int_t hint_min[8], hint[8];
	int n_hints;
};

int
cd_ids_init(struct cd_ids *d, json_t *ids)
{
	memset(d, 0, sizeof(*d));
	d->ids = ids != NULL ? json_deep_copy(ids) : json_object();
	d->used_now = json_array();
	d->touched = json_object();
	d->freed = json_array();
	if (d->ids == NULL || d->used_now == NULL || d->touched == NULL || d->freed == NULL) {
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
		free(n->used);
		free(n);
	}
	json_decref(d->ids);
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

/* Bit @id of bitmap *@bits (*@words long), set (grown to hold it) or
 * cleared. */
static int
bit_put(uint64_t **bits, size_t *words, json_int_t id, bool on)
{
	size_t w = (size_t)id / 64;

	if (w >= *words) {
		size_t nw = w + 1 > *words * 2 ? w + 1 : *words * 2;
		uint64_t *b;

		if (!on)
			return 0;
		if ((b = realloc(*bits, nw * sizeof(*b))) == NULL)
			return -ENOMEM;
		memset(b + *words, 0, (nw - *words) * sizeof(*b));
		*bits = b;
		*words = nw;
	}
	if (on)
		(*bits)[w] |= UINT64_C(1) << (id % 64);
	else
		(*bits)[w] &= ~(UINT64_C(1) << (id % 64));
	return 0;
}

static int
id_take(struct cd_ids_ns *n, json_int_t id)
{
	return bit_put(&n->bits, &n->words, id, true);
}

static bool
id_used(const struct cd_ids_ns *n, json_int_t id)
{
	size_t w = (size_t)id / 64;

	return n != NULL && id > 0 && w < n->used_words && (n->used[w] >> (id % 64)) & 1;
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
	json_t *m = json_object_get(d->ids, ns);
	json_int_t id = json_integer_value(json_object_get(m, key)), *hint = NULL;
	struct cd_ids_ns *n;

	if (m == NULL) {
		json_object_set_new(d->ids, ns, json_object());
		m = json_object_get(d->ids, ns);
	}
	if ((n = ns_of(d, ns, m)) == NULL)
		return -1;
	/* stored by an sxcd whose range was another: a new one (the old one
	 * stays taken until sxcd restarts) */
	if (id < min || id > max)
		id = 0;
	if (id == 0) {
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
	if (!id_used(n, id)) {
		if (bit_put(&n->used, &n->used_words, id, true) < 0)
			return -1;
		json_array_append_new(d->used_now, json_pack("[s,s]", ns, key));
	}
	return id;
}

void
cd_ids_unuse(struct cd_ids *d, json_t *ids)
{
	json_t *e;
	size_t i;

	json_array_foreach(ids, i, e) {
		const char *ns = json_string_value(json_array_get(e, 0));
		json_t *m = json_object_get(d->ids, ns);
		struct cd_ids_ns *n = m != NULL ? ns_of(d, ns, m) : NULL;
		json_int_t id = json_integer_value(json_object_get(m, json_string_value(json_array_get(e, 1))));

		if (n != NULL && id > 0)
			bit_put(&n->used, &n->used_words, id, false);
		json_array_append(d->freed, e);
	}
}

void
cd_ids_unuse_all(struct cd_ids *d)
{
	for (struct cd_ids_ns *n = d->ns; n != NULL; n = n->next)
		memset(n->used, 0, n->used_words * sizeof(*n->used));
}

void
cd_ids_release(struct cd_ids *d, struct cd_trip *tr, bool sweep, bool keep)
{
	const char *ns, *key;
	json_t *m, *v, *u;
	size_t i;

	if (sweep) {
		json_object_foreach(d->ids, ns, m) {
			struct cd_ids_ns *b = ns_of(d, ns, m);

			json_object_foreach(m, key, v)
				if (!id_used(b, json_integer_value(v)))
					json_array_append_new(d->freed, json_pack("[s,s]", ns, key));
		}
	}
	json_array_foreach(d->freed, i, u) {
		const char *n = json_string_value(json_array_get(u, 0));
		struct cd_ids_ns *b;

		key = json_string_value(json_array_get(u, 1));
		m = json_object_get(d->ids, n);
		if (keep || (v = json_object_get(m, key)) == NULL || (b = ns_of(d, n, m)) == NULL ||
		    id_used(b, json_integer_value(v)))
			continue;
		bit_put(&b->bits, &b->words, json_integer_value(v), false);
		b->n_hints = 0;
		touch_id(d, tr, n, key);
		json_object_del(m, key);
	}
	json_array_clear(d->freed);
}
