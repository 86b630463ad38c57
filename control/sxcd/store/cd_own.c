/* SPDX-License-Identifier: BSD-3-Clause */
/* What sxcd owns and the ids it allocated, in the store's shards (see cd_own.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cd_compile.h"
#include "cd_own.h"

#define OWN_SPREAD 16	/* a UPF's entries (two a session: thousands) go over this many */

static uint32_t
fnv(uint32_t h, const char *p)
{
	for (; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

/* An entry's shard follows its owner, so that an intent's change stores
 * the shard its entries are in (a slice's ten keys: one file, not ten);
 * those of a kind of many (struct cd_kind spread: a UPF's) spread over
 * OWN_SPREAD by key (a session's change stores a
 * sixteenth of them); an entry nobody owns goes by its key. */
static unsigned int
shard_of(const char *table, const char *key, const char *who)
{
	uint32_t k = fnv(fnv(2166136261u, table), key);

	if (who == NULL)
		return k % CD_OWN_SHARDS;
	return (fnv(2166136261u, who) + (cd_kind_spread(who) ? k % OWN_SPREAD : 0)) % CD_OWN_SHARDS;
}

static json_t *
shard(struct cd_own *own, unsigned int i)
{
	char name[16];

	snprintf(name, sizeof(name), "own.%u", i);
	return cd_res_state(own->res, name);
}

static json_t *
sub(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (v == NULL) {
		json_object_set_new(o, k, json_object());
		v = json_object_get(o, k);
	}
	return v;
}

/* @table's @key, which was in the shard of @was (an owner, NULL: none),
 * now owned with @seq by @who (NULL: not). */
void
cd_own_set(struct cd_own *own, const char *table, const char *key, const char *was, json_t *seq,
	  json_t *who)
{
	unsigned int i = shard_of(table, key, json_string_value(who)), j = shard_of(table, key, was);
	json_t *d = shard(own, i), *o = sub(sub(d, "owned"), table), *w = sub(sub(d, "owners"), table);

	/* stored again only if it held the key: a new key's old place (by
	 * key, as nobody owned it) is any of the shards, so marking it always
	 * stored all of them at every new intent */
	if (j != i) {
		int a = json_object_del(json_object_get(json_object_get(shard(own, j), "owned"), table), key);
		int b = json_object_del(json_object_get(json_object_get(shard(own, j), "owners"), table), key);

		if (a == 0 || b == 0)
			own->shard_dirty[j] = true;
	}
	/* the values shared with "owned" and "owners" (and the compiler's):
	 * nothing changes a number or a string in place */
	if (seq != NULL)
		json_object_set(o, key, seq);
	else
		json_object_del(o, key);
	if (who != NULL)
		json_object_set(w, key, who);
	else
		json_object_del(w, key);
	own->shard_dirty[i] = true;
}

/* The shards as stored, merged into owned and owners; an entry in a
 * shard other than its owner's (an older sxcd's placement) is moved, and
 * what only the whole documents of an older sxcd hold goes into the
 * shards. */
static void
shards_load(struct cd_own *own)
{
	json_t *owned = cd_res_state(own->res, "owned"), *owners = cd_res_state(own->res, "owners"), *rows, *v;
	json_t *moves = json_array(), *m;
	const char *t, *k;
	size_t n;

	for (unsigned int i = 0; i < CD_OWN_SHARDS; i++) {
		json_t *d = shard(own, i);

		json_object_foreach(json_object_get(d, "owned"), t, rows)
			json_object_foreach(rows, k, v) {
				json_t *who = json_object_get(json_object_get(json_object_get(d, "owners"), t), k);

				if (shard_of(t, k, json_string_value(who)) != i)
					json_array_append_new(moves, json_pack("[i,s,s,O,O?]", i, t, k, v, who));
			}
	}
	json_array_foreach(moves, n, m) {
		json_t *d = shard(own, (unsigned int)json_integer_value(json_array_get(m, 0)));

		t = json_string_value(json_array_get(m, 1));
		k = json_string_value(json_array_get(m, 2));
		json_object_del(json_object_get(json_object_get(d, "owned"), t), k);
		json_object_del(json_object_get(json_object_get(d, "owners"), t), k);
		own->shard_dirty[json_integer_value(json_array_get(m, 0))] = true;
		cd_own_set(own, t, k, NULL, json_array_get(m, 3), json_array_get(m, 4));
	}
	json_decref(moves);
	json_object_foreach(owned, t, rows)
		json_object_foreach(rows, k, v) {
			cd_own_set(own, t, k, NULL, v, json_object_get(json_object_get(owners, t), k));
			own->legacy = true;
		}
	for (unsigned int i = 0; i < CD_OWN_SHARDS; i++) {
		json_t *d = shard(own, i);

		json_object_foreach(json_object_get(d, "owned"), t, rows)
			json_object_foreach(rows, k, v)
				json_object_set(sub(owned, t), k, v);
		json_object_foreach(json_object_get(d, "owners"), t, rows)
			json_object_foreach(rows, k, v)
				json_object_set(sub(owners, t), k, v);
	}
}

static json_t *ids_doc(struct cd_own *own, unsigned int i);

/* A save under way: what it took (marked clean when it began; dirty
 * again if it fails) and whom to tell. */
struct own_save {
	struct cd_own *own;
	bool shards[CD_OWN_SHARDS], ids[CD_OWN_IDS_SHARDS], ids_legacy;
	json_t *ids_whole;
	cd_res_done *fn;
	void *arg;
};

static void
saved(void *arg, int rc)
{
	struct own_save *sv = arg;
	struct cd_own *own = sv->own;

	if (sv->ids_legacy && rc == 0) {
		cd_res_state_put(own->res, "ids", sv->ids_whole);	/* memory keeps them whole */
		own->ids_legacy = false;
	}
	if (rc < 0) {   /* stored by the next save */
		for (unsigned int i = 0; i < CD_OWN_SHARDS; i++)
			own->shard_dirty[i] |= sv->shards[i];
		for (unsigned int i = 0; i < CD_OWN_IDS_SHARDS; i++)
			own->ids_dirty[i] |= sv->ids[i];
	}
	if (rc == 0 && own->legacy) {   /* once, after an upgrade: the whole documents emptied */
		json_t *e = json_object();

		rc = cd_res_save(own->res, "owned", e);
		json_decref(e);
		e = json_object();
		if (rc == 0)
			rc = cd_res_save(own->res, "owners", e);
		json_decref(e);
		if (rc == 0) {
			own->legacy = false;
			/* memory keeps the union: the empty documents replaced it */
			shards_load(own);
		}
	}
	json_decref(sv->ids_whole);
	if (sv->fn != NULL)
		sv->fn(sv->arg, rc);
	free(sv);
}

void
cd_own_save_async(struct cd_own *own, cd_res_done *fn, void *arg)
{
	char names[CD_OWN_SHARDS + CD_OWN_IDS_SHARDS + 1][16];
	const char *what[CD_OWN_SHARDS + CD_OWN_IDS_SHARDS + 1];
	json_t *docs[CD_OWN_SHARDS + CD_OWN_IDS_SHARDS + 1], *empty = NULL;
	struct own_save *sv = calloc(1, sizeof(*sv));
	size_t n = 0;

	if (sv == NULL) {
		fn(arg, -ENOMEM);
		return;
	}
	*sv = (struct own_save){ .own = own, .fn = fn, .arg = arg, .ids_legacy = own->ids_legacy };
	/* together: one sync for the lot */
	for (unsigned int i = 0; i < CD_OWN_SHARDS; i++) {
		if (!own->shard_dirty[i])
			continue;
		snprintf(names[n], sizeof(names[n]), "own.%u", i);
		what[n] = names[n];
		docs[n++] = shard(own, i);
	}
	for (unsigned int i = 0; i < CD_OWN_IDS_SHARDS; i++) {
		if (!own->ids_dirty[i])
			continue;
		snprintf(names[n], sizeof(names[n]), "ids.%u", i);
		what[n] = names[n];
		docs[n++] = ids_doc(own, i);
	}
	if (own->ids_legacy) {   /* every id is in the shards: the whole document emptied */
		sv->ids_whole = json_incref(cd_res_state(own->res, "ids"));
		what[n] = "ids";
		docs[n++] = empty = json_object();
	}
	memcpy(sv->shards, own->shard_dirty, sizeof(sv->shards));
	memcpy(sv->ids, own->ids_dirty, sizeof(sv->ids));
	memset(own->shard_dirty, 0, sizeof(own->shard_dirty));
	memset(own->ids_dirty, 0, sizeof(own->ids_dirty));
	if (n == 0 && !own->legacy) {
		saved(sv, 0);
		return;
	}
	cd_res_save_all_async(own->res, what, docs, n, saved, sv);
	json_decref(empty);
}

/*
 * The ids sxcd allocated (paths, tunnels, meters, bridge domains...) are
 * stored in shards by key ("ids.N") like what it owns: an update that
 * allocates a few stores the shards they fall in, not every id (a UPF's
 * meters: thousands). In memory "ids" is the compiler's, whole.
 */

/* By the intent a key names ("upf/edge/17/ul": "upf/edge"), so that an
 * intent's ids are in one shard: a UPF's thousands stored as one file. */
static unsigned int
ids_shard(const char *ns, const char *key)
{
	const char *sl = strchr(key, '/');
	uint32_t h = fnv(2166136261u, ns);

	sl = sl != NULL ? strchr(sl + 1, '/') : NULL;
	for (const char *p = key; *p != '\0' && p != sl; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h % CD_OWN_IDS_SHARDS;
}

static json_t *
ids_doc(struct cd_own *own, unsigned int i)
{
	char name[16];

	snprintf(name, sizeof(name), "ids.%u", i);
	return cd_res_state(own->res, name);
}

/* The shards merged into "ids" (as an older sxcd stored it, whole: then
 * moved into the shards at the next store). */
static void
ids_load(struct cd_own *own)
{
	json_t *ids = cd_res_state(own->res, "ids"), *m, *v;
	const char *ns, *key;

	own->ids_legacy = json_object_size(ids) > 0;
	for (unsigned int i = 0; i < CD_OWN_IDS_SHARDS; i++)
		json_object_foreach(ids_doc(own, i), ns, m)
			json_object_foreach(m, key, v)
				json_object_set(sub(ids, ns), key, v);
}

/* What the compile allocated and freed, into the shards (stored by the
 * next cd_own_save_async). */
void
cd_own_ids_put(struct cd_own *own, json_t *ids, json_t *touched)
{
	json_t *m, *v, *e;
	const char *ns, *key;

	cd_res_state_put(own->res, "ids", ids);
	if (own->ids_legacy) {   /* every one into the shards */
		for (unsigned int i = 0; i < CD_OWN_IDS_SHARDS; i++) {
			json_object_clear(ids_doc(own, i));
			own->ids_dirty[i] = true;
		}
		json_decref(touched);
		touched = json_incref(ids);
	}
	json_object_foreach(touched, ns, m) {
		json_object_foreach(m, key, v) {
			unsigned int i = ids_shard(ns, key);

			if ((e = json_object_get(json_object_get(ids, ns), key)) != NULL)
				json_object_set(sub(ids_doc(own, i), ns), key, e);
			else
				json_object_del(json_object_get(ids_doc(own, i), ns), key);
			own->ids_dirty[i] = true;
		}
	}
	json_decref(touched);
}

void
cd_own_init(struct cd_own *own, struct cd_res *res)
{
	memset(own, 0, sizeof(*own));
	own->res = res;
	shards_load(own);
	ids_load(own);
}

/*
 * What sxcd owns in sxdp (the store's "owned": TABLE → KEY → seq): before
 * a write (@after false) what it is about to write is added, after it
 * (true) it is what the intents want. Only the keys this run's compile
 * changed are looked at (all after a whole one). In memory: stored by
 * cd_own_save_async.
 */
void
cd_own_update(struct cd_own *own, json_t *keys, json_t *wseq, json_t *wowner, json_t *kept, bool after)
{
	json_t *owned = cd_res_state(own->res, "owned"), *owners = cd_res_state(own->res, "owners");
	json_t *rows, *t, *o, *ow, *sq, *cur;
	const char *table, *key;

	json_object_foreach(keys, table, rows) {
		/* as this run compiled them (a dry run may compile meanwhile) */
		json_t *want = json_object_get(wseq, table), *who = json_object_get(wowner, table);

		if ((o = json_object_get(owned, table)) == NULL) {
			json_object_set_new(owned, table, json_object());
			o = json_object_get(owned, table);
		}
		if ((ow = json_object_get(owners, table)) == NULL) {
			json_object_set_new(owners, table, json_object());
			ow = json_object_get(owners, table);
		}
		json_object_foreach(rows, key, t) {
			json_t *w = json_object_get(who, key), *was = json_incref(json_object_get(ow, key));

			sq = json_object_get(want, key);
			cur = json_object_get(o, key);
			bool ch = false;

			if (sq != NULL && (cur == NULL || !json_equal(cur, sq))) {
				json_object_set(o, key, sq);	/* shared, as below */
				ch = true;
			} else if (sq == NULL && cur != NULL && after &&
				   json_object_get(json_object_get(kept, table), key) == NULL) {
				json_object_del(o, key);
				ch = true;
			}
			if (w != NULL && !json_equal(w, json_object_get(ow, key))) {
				json_object_set(ow, key, w);
				ch = true;
			} else if (w == NULL && after && json_object_get(ow, key) != NULL &&
				   json_object_get(json_object_get(kept, table), key) == NULL) {
				json_object_del(ow, key);
				ch = true;
			}
			if (ch)
				cd_own_set(own, table, key, json_string_value(was), json_object_get(o, key),
					  json_object_get(ow, key));
			json_decref(was);
		}
	}
}
