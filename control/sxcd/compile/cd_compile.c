/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents compiled into the entries they want, kind by kind as registered (see cd_compile.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cd_claim.h"
#include "cd_compile.h"
#include "cd_gc.h"
#include "cd_ids.h"
#include "cd_kind.h"
#include "cd_trip.h"
#include "intent.h"
#include "intent_cc.h"

/* The compiled set and what it was compiled from, kept between updates
 * (struct cd_compiler). */
struct cd_kx {
	const struct cd_tables *t;
	json_t *set, *owner, *seq, *results;
	json_t *unready;	/* "KIND/NAME" → true: its result is not Ready */
	/* the intent being compiled: [table, key, entry, owner, seq, n] as
	 * they were before its write number n; kept as its journal */
	json_t *undo;
	json_int_t n;		/* writes so far: an entry's seq is its last one's */
	struct cd_ids id;	/* the allocations (cd_ids.h) */
	/* TABLE → "VALUE" → {KEY: true}: the entries of the tables intents
	 * read (interfaces, flood, SVIs, policies) by the bridge domain or
	 * tunnel they concern, so an intent is given the few entries it can
	 * be about rather than the whole table */
	json_t *idx;
	json_t *kernel;		/* cd_nl_view's, NULL: none */
	/* NAME → {...}: what kinds published for others to read (cd_kx_pub) */
	json_t *pub;
	void **priv;		/* each kind's state of its own, by kind */
	/* "KIND/NAME" → {"kind", "name", "spec" (as compiled), "journal" (its
	 * writes, as undo has them), "ids" ([ns, key] it uses)} */
	json_t *recs;
	json_t *shared;		/* "TABLE KEY" → {"KIND/NAME": true}: keys more than one intent wrote */
	json_t *counts;		/* "KIND/NAME" → the entries it owns */
	json_t *touched;	/* TABLE → KEY → true: what this update wrote or took back */
	/* the intent being compiled */
	char who[160];
	json_t *res;
	bool failed, pending;
	/* why it failed, when it collided: the holder ("KIND/NAME"), or
	 * unknown (order matters: an incremental update compiles all again) */
	char holder[160];
	bool order_sensitive;
	uint64_t deadline_ns;	/* a slice of work ends then (0: none) */
	struct cd_trip *trip;	/* a dry run's round trip (cd_trip.h) */
};

static json_int_t
num(json_t *o, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The intent fails: Failed (invalid or colliding: it holds nothing) or
 * Pending (it waits for @what, and holds what compiled without it). The
 * first failure is the one reported; a Pending intent lists everything it
 * waits for. */
static void __attribute__((format(printf, 5, 6)))
fail(struct cd_kx *x, const char *phase, const char *pointer, const char *reason, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(phase, "Pending") == 0) {
		json_array_append_new(json_object_get(x->res, "waiting_for"), json_string(msg));
		if (x->failed || x->pending)
			return;
		x->pending = true;
	} else {
		if (x->failed)
			return;
		x->failed = true;
	}
	json_object_set_new(x->res, "phase", json_string(phase));
	json_object_set_new(x->res, "reason", json_string(reason));
	json_object_set_new(x->res, "message", json_string(msg));
	json_object_set_new(x->res, "pointer", json_string(pointer));
}

static void
wait_for(struct cd_kx *x, const char *pointer, const char *what)
{
	fail(x, "Pending", pointer, "waiting", "%s", what);
}

/* ------------------------------------------------- one library intent */

/* @table's @key moved from @was to @now (either NULL) in the set. */
static void
idx_update(struct cd_kx *x, const char *table, const char *key, json_t *was, json_t *now)
{
	const char *where, *f = intent_table_index(table, &where);
	json_t *rows, *b;
	char v[32];

	if (f == NULL)
		return;
	if ((rows = json_object_get(x->idx, table)) == NULL) {
		json_object_set_new(x->idx, table, json_object());
		rows = json_object_get(x->idx, table);
	}
	if (was != NULL) {
		snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(json_object_get(was, where), f)));
		json_object_del(json_object_get(rows, v), key);
	}
	if (now != NULL) {
		snprintf(v, sizeof(v), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(json_object_get(now, where), f)));
		if ((b = json_object_get(rows, v)) == NULL) {
			json_object_set_new(rows, v, json_object());
			b = json_object_get(rows, v);
		}
		json_object_set_new(b, key, json_true());
	}
}

/* Input @k of @it: the entries it can be about, or the whole table. */
static json_t *
input_of(struct cd_kx *x, const struct intent *it, unsigned int k)
{
	const char *table = intent_input_table(k), *key;
	json_t *out, *rows, *t;
	json_int_t v;
	char b[32];

	if (!intent_about(it, k, &v))
		return cd_tables_entries(x->set, table);
	snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, v);
	out = json_array();
	rows = json_object_get(x->set, table);
	json_object_foreach(json_object_get(json_object_get(x->idx, table), b), key, t)
		json_array_append(out, json_object_get(rows, key));
	return out;
}

/* @table's @key in @map (TABLE → KEY → value) set to @v (taken; NULL:
 * removed); what it was, as a new reference, in *@was. */
static void
map_set(json_t *map, const char *table, const char *key, json_t *v, json_t **was)
{
	json_t *rows = json_object_get(map, table);

	if (rows == NULL) {
		json_object_set_new(map, table, json_object());
		rows = json_object_get(map, table);
	}
	if (was != NULL)
		*was = json_incref(json_object_get(rows, key));
	if (v != NULL)
		json_object_set_new(rows, key, v);
	else
		json_object_del(rows, key);
}

/* The entries each intent owns, as the owner map changes from @was to
 * @now (either NULL). */
static void
count_owner(struct cd_kx *x, json_t *was, json_t *now)
{
	const char *w = json_string_value(was), *n = json_string_value(now);

	if (w != NULL && (n == NULL || strcmp(w, n) != 0))
		json_object_set_new(x->counts, w, json_integer(json_integer_value(json_object_get(x->counts, w)) - 1));
	if (n != NULL && (w == NULL || strcmp(w, n) != 0))
		json_object_set_new(x->counts, n, json_integer(json_integer_value(json_object_get(x->counts, n)) + 1));
}

/* @table's @key is written or taken back by this update; what it held
 * before the update began (entry and seq, null: nothing) is kept for a
 * dry run's diff. */
static void
touch(struct cd_kx *x, const char *table, const char *key, json_t *entry, json_t *seq)
{
	json_t *t = json_object_get(x->touched, table);

	if (x->touched == NULL)
		return;
	if (t == NULL) {
		json_object_set_new(x->touched, table, json_object());
		t = json_object_get(x->touched, table);
	}
	if (json_object_get(t, key) == NULL)
		json_object_set_new(t, key, json_pack("[O?,O?]", entry, seq));
}

/* Put one journal entry's key back as it was. */
static void
restore(struct cd_kx *x, json_t *u)
{
	const char *table = json_string_value(json_array_get(u, 0));
	const char *key = json_string_value(json_array_get(u, 1));
	json_t *was[3];

	/* null: the key held nothing */
	for (int j = 0; j < 3; j++) {
		was[j] = json_array_get(u, (size_t)j + 2);
		was[j] = json_is_null(was[j]) ? NULL : json_incref(was[j]);
	}
	touch(x, table, key, json_object_get(json_object_get(x->set, table), key),
	      json_object_get(json_object_get(x->seq, table), key));
	idx_update(x, table, key, json_object_get(json_object_get(x->set, table), key), was[0]);
	count_owner(x, json_object_get(json_object_get(x->owner, table), key), was[1]);
	map_set(x->set, table, key, was[0], NULL);
	map_set(x->owner, table, key, was[1], NULL);
	map_set(x->seq, table, key, was[2], NULL);
}

/* Undo what the intent being compiled wrote (x->undo, newest last): a
 * Failed intent holds nothing. */
static void
undo(struct cd_kx *x)
{
	for (size_t i = json_array_size(x->undo); i-- > 0;)
		restore(x, json_array_get(x->undo, i));
	json_array_clear(x->undo);
}

/* Compile @it on the set (with the inputs it reads) and apply its
 * updates; on a refusal the intent (x->who) fails, with @ptr pointing at
 * what in its spec said it. */
static int apply(struct cd_kx *x, json_t *updates, const char *ptr);

static int
run(struct cd_kx *x, const struct intent *it, const char *ptr)
{
	json_t *in[INTENT_IN_MAX] = { NULL }, *params = NULL;
	unsigned int need = intent_inputs(it) | INTENT_IN(INTENT_IN_PORTS);
	char err[320];
	int rc;

	if (x->failed)
		return -ECANCELED;
	do {
		for (int k = 0; k < INTENT_IN_MAX; k++)
			if ((need & INTENT_IN(k)) && in[k] == NULL)
				in[k] = k == INTENT_IN_PORTS ? json_incref(cd_tables_ports(x->t)) :
					input_of(x, it, (unsigned int)k);
		need = 0;
		rc = intent_compile(it, in, &need, &params, err, sizeof(err));
	} while (rc == -EAGAIN && need != 0);
	for (int k = 0; k < INTENT_IN_MAX; k++)
		json_decref(in[k]);
	if (rc < 0) {
		/* a refusal that names no intent (a bridge domain another
		 * slice's) depends on which came first */
		if (rc == -EPERM || rc == -EEXIST)
			x->order_sensitive = true;
		fail(x, rc == -ENOMEM ? "Error" : "Failed", ptr, intent_reason(rc), "%s", err);
		return rc;
	}
	rc = apply(x, json_object_get(params, "updates"), ptr);
	json_decref(params);
	return rc;
}

/* Apply @updates (table.write's form) on the set for the intent being
 * compiled; a collision or a refusal fails it, pointing at @ptr. */
static int
apply(struct cd_kx *x, json_t *updates, const char *ptr)
{
	json_t *u, *prev, *po, *ps;
	char err[320], *key = NULL;
	size_t i;
	int rc = 0;

	if (x->failed)
		return -ECANCELED;
	json_array_foreach(updates, i, u) {
		const char *table = str(u, "table"), *other;
		bool del = strcmp(str(u, "type"), "delete") == 0;

		rc = cd_tables_apply(x->t, x->set, u, &key, &prev, err, sizeof(err));
		if (rc == -EEXIST) {
			other = str(json_object_get(x->owner, table), key);

			if (other != NULL)
				snprintf(x->holder, sizeof(x->holder), "%s", other);
			else
				x->order_sensitive = true;
			fail(x, "Failed", ptr, "conflict", "%s: %s", other ? other : "another intent",
			     err);
		} else if (rc < 0) {
			fail(x, "Failed", ptr, "bad_value", "%s", err);
		} else if (prev == NULL && !del && (other = cd_claim_held(table, key)) != NULL) {
			/* written beside the reconciler (a protocol's session) */
			json_object_del(json_object_get(x->set, table), key);
			rc = -EEXIST;
			snprintf(x->holder, sizeof(x->holder), "%s", other);
			fail(x, "Failed", ptr, "conflict", "%s holds %s %s", other, table, key);
		} else if (prev == NULL && !del && cd_tables_size(x->t, table) > 0 &&
			   json_object_size(json_object_get(x->set, table)) > cd_tables_size(x->t, table)) {
			/* past what sxdp's table holds: refused here, not retried there */
			json_t *rows = json_object_get(x->set, table);

			json_object_del(rows, key);
			rc = -ENOSPC;
			fail(x, "Failed", ptr, "capacity", "sxdp's table %s is full (size %zu)", table,
			     cd_tables_size(x->t, table));
		} else {
			json_t *own = json_object_get(json_object_get(x->owner, table), key), *now;

			touch(x, table, key, prev, json_object_get(json_object_get(x->seq, table), key));

			idx_update(x, table, key, prev, json_object_get(json_object_get(x->set, table), key));
			now = del ? NULL : json_string(own ? json_string_value(own) : x->who);
			count_owner(x, own, now);
			map_set(x->owner, table, key, now, &po);
			/* every write a number of its own, a delete too: the
			 * journals are taken back newest first by it; on a dry
			 * run's way back, the number of the write it repeats */
			json_int_t wn = cd_trip_number(x->trip, json_array_size(x->undo), table, key,
						       json_object_get(json_object_get(x->seq, table), key));

			if (wn == 0)
				wn = ++x->n;
			map_set(x->seq, table, key, del ? NULL : json_integer(wn), &ps);
			json_array_append_new(x->undo, json_pack("[s,s,o?,o?,o?,I]", table, key, prev, po, ps, wn));
			/* another intent's key written: an update of either
			 * compiles both again */
			if (po != NULL && strcmp(json_string_value(po), x->who) != 0) {
				char sk[512];
				json_t *w;

				snprintf(sk, sizeof(sk), "%s %s", table, key);
				if ((w = json_object_get(x->shared, sk)) == NULL) {
					json_object_set_new(x->shared, sk, json_object());
					w = json_object_get(x->shared, sk);
				}
				json_object_set_new(w, json_string_value(po), json_true());
				json_object_set_new(w, x->who, json_true());
			}
			prev = NULL;
		}
		json_decref(prev);
		free(key);
		key = NULL;
		if (rc < 0)
			break;
	}
	return rc;
}


/* ------------------------------------------------- what kinds are lent */

struct jent {
	json_int_t n;
	json_t *e;
};

static int
by_n_desc(const void *a, const void *b)
{
	json_int_t x = ((const struct jent *)a)->n, y = ((const struct jent *)b)->n;

	return x > y ? -1 : x < y;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
cd_kx_fail(struct cd_kx *x, const char *phase, const char *pointer, const char *reason, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail(x, phase, pointer, reason, "%s", msg);
}

void
cd_kx_wait_for(struct cd_kx *x, const char *pointer, const char *what)
{
	wait_for(x, pointer, what);
}

void
cd_kx_conflict(struct cd_kx *x, const char *holder, const char *pointer, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	if (x->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(x->holder, sizeof(x->holder), "%s", holder);
	fail(x, "Failed", pointer, "conflict", "%s", msg);
}

bool
cd_kx_failed(const struct cd_kx *x)
{
	return x->failed;
}

json_t *
cd_kx_result(struct cd_kx *x)
{
	return x->res;
}

json_int_t
cd_kx_alloc(struct cd_kx *x, const char *ns, const char *key, json_int_t min, json_int_t max)
{
	return cd_ids_alloc(&x->id, x->trip, ns, key, min, max);
}

int
cd_kx_run(struct cd_kx *x, const struct intent *it, const char *ptr)
{
	return run(x, it, ptr);
}

int
cd_kx_apply(struct cd_kx *x, json_t *updates, const char *ptr)
{
	return apply(x, updates, ptr);
}

json_t *
cd_kx_upd(const char *table, json_t *match, const char *action, json_t *params)
{
	return json_pack("{s:s,s:s,s:o,s:s,s:o}", "type", "insert", "table", table, "match", match,
			 "action", action, "params", params ? params : json_object());
}

const struct cd_tables *
cd_kx_tables(const struct cd_kx *x)
{
	return x->t;
}

json_t *
cd_kx_kernel(const struct cd_kx *x)
{
	return x->kernel;
}

json_t *
cd_kx_port(const struct cd_kx *x, const char *name)
{
	json_t *p;
	size_t i;

	json_array_foreach(cd_tables_ports(x->t), i, p)
		if (str(p, "name") != NULL && name != NULL && strcmp(str(p, "name"), name) == 0)
			return p;
	return NULL;
}

json_t *
cd_kx_pub(struct cd_kx *x, const char *name)
{
	json_t *o = json_object_get(x->pub, name);

	if (o == NULL) {
		json_object_set_new(x->pub, name, json_object());
		o = json_object_get(x->pub, name);
	}
	return o;
}

void *
cd_kx_priv(struct cd_kx *x, const struct cd_kind *k)
{
	int i = cd_kind_of(k->name);

	return i >= 0 ? x->priv[i] : NULL;
}

/* Each kind's state dropped (a compile starts over), or freed. */
static void
privs_clear(struct cd_kx *x)
{
	for (int k = 0; k < cd_kinds(); k++)
		if (x->priv[k] != NULL && cd_kind_at(k)->priv_clear != NULL)
			cd_kind_at(k)->priv_clear(x->priv[k]);
}

static void
privs_free(struct cd_kx *x)
{
	for (int k = 0; x->priv != NULL && k < cd_kinds(); k++)
		free(x->priv[k]);
	free(x->priv);
	x->priv = NULL;
}

bool
cd_kx_over(const struct cd_kx *x)
{
	return x->deadline_ns != 0 && now_ns() >= x->deadline_ns;
}

void
cd_kx_mark(const struct cd_kx *x, size_t *journal, size_t *ids)
{
	*journal = json_array_size(x->undo);
	*ids = json_array_size(x->id.used_now);
}

json_t *
cd_slice(json_t *a, size_t from, size_t to)
{
	json_t *out = json_array();

	for (size_t i = from; i < to && i < json_array_size(a); i++)
		json_array_append(out, json_array_get(a, i));
	return out;
}

json_t *
cd_kx_journal(const struct cd_kx *x, size_t from, size_t to)
{
	return cd_slice(x->undo, from, to);
}

json_t *
cd_kx_ids(const struct cd_kx *x, size_t from, size_t to)
{
	return cd_slice(x->id.used_now, from, to);
}

int
cd_kx_restore(struct cd_kx *x, json_t *journals)
{
	struct jent *all;
	size_t n = 0, cap = 0, i, j;
	json_t *jn, *e;

	json_array_foreach(journals, j, jn)
		cap += json_array_size(jn);
	if ((all = calloc(cap + 1, sizeof(*all))) == NULL)
		return -ENOMEM;
	json_array_foreach(journals, j, jn)
		json_array_foreach(jn, i, e)
			all[n++] = (struct jent){ json_integer_value(json_array_get(e, 5)), e };
	qsort(all, n, sizeof(*all), by_n_desc);
	for (i = 0; i < n; i++)
		restore(x, all[i].e);
	free(all);
	return 0;
}

void
cd_kx_unuse(struct cd_kx *x, json_t *ids)
{
	cd_ids_unuse(&x->id, ids);
}

void
cd_kx_drop(struct cd_kx *x)
{
	undo(x);
	cd_kx_unuse(x, x->id.used_now);
	json_array_clear(x->id.used_now);
}

void
cd_kx_forget_journal(struct cd_kx *x)
{
	json_array_clear(x->undo);
	json_array_clear(x->id.used_now);
}

/* ------------------------------------------------------------ driver */

/* The names of @objs in the order given: the caller's (sxcd gives each
 * kind's oldest first, so of two colliding intents the younger fails);
 * borrowed from @objs, free the array. */
static const char **
names_of(json_t *objs, size_t *n)
{
	const char **out = calloc(json_object_size(objs) + 1, sizeof(*out)), *k;
	json_t *v;

	*n = 0;
	if (out == NULL)
		return NULL;
	json_object_foreach(objs, k, v)
		out[(*n)++] = k;
	return out;
}

struct cd_compiler {
	struct cd_kx x;
	json_t *kernel_seen;	/* the kernel's view the set was compiled with */
	bool compiled_once;
	/* the update under way */
	json_t *intents;
	json_t *queue;		/* [[kind, name], ...] in compile order */
	size_t next;
	bool in_one;		/* queue[next] is under way (a UPF's sessions) */
	bool full, keep_ids;
	/* what changed since the reconciler last took it (cd_compiler_take):
	 * TABLE → KEY → true; all, after a whole compile */
	json_t *pending;
	bool pending_all;
	json_t *pre_set, *pre_seq;	/* a whole compile's: the set before it */
	json_t *changed;	/* "KIND/NAME" → true: spec changed, added or gone */
	json_t *partial;	/* "KIND/NAME" → what changed: compiled in part (struct cd_kind part) */
	json_t *compiled;	/* "KIND/NAME" → true: compiled by this update */
	/* "KIND/NAME" → what it published before: its children were not
	 * compiled again on the word that it stays the same */
	json_t *cut;
	/* the intents the last finished update brought the set to: what is
	 * the same object in @intents now (a kind, a spec) has not changed
	 * (cd_res hands specs out so), and needs no look */
	json_t *prev;
	/* a dry run's update: the results as it found them, and the results
	 * it gives (with "was", cd_compile.h) */
	json_t *before, *dry_results;
	struct cd_compiled view;
};

/* @who's result is @res (taken; NULL: it has none). */
static void
result_set(struct cd_kx *x, const char *who, json_t *res)
{
	if (res != NULL && strcmp(str(res, "phase") ?: "", "Ready") != 0)
		json_object_set_new(x->unready, who, json_true());
	else
		json_object_del(x->unready, who);
	if (res != NULL)
		json_object_set_new(x->results, who, res);
	else
		json_object_del(x->results, who);
}

static void
one_begin(struct cd_kx *x, int k, const char *name)
{
	const struct cd_kind *kd = cd_kind_at(k);

	json_array_clear(x->id.used_now);
	snprintf(x->who, sizeof(x->who), "%s/%s", kd->name, name);
	x->res = json_pack("{s:s,s:[]}", "phase", "Ready", "waiting_for");
	x->failed = false;
	x->pending = false;
	x->holder[0] = '\0';
	x->order_sensitive = false;
	cd_trip_intent(x->trip, x->who);
	if (kd->begin != NULL)
		kd->begin(x);
}

static void
one_end(struct cd_kx *x, int k, const char *name, json_t *spec)
{
	const struct cd_kind *kd = cd_kind_at(k);

	/* A Failed intent holds nothing; a Pending one what it could compile
	 * (a slice waiting for one peer still carries its LAN traffic). */
	if (x->failed)
		cd_kx_drop(x);
	json_object_set_new(x->recs, x->who, json_pack("{s:i,s:s,s:O,s:o,s:o}", "kind", (int)k, "name", name,
						       "spec", spec, "journal", x->undo, "ids",
						       json_copy(x->id.used_now)));
	if (kd->end != NULL)
		kd->end(x, name, spec, json_object_get(x->recs, x->who));
	if (x->failed && x->holder[0] != '\0' && !x->order_sensitive)
		json_object_set_new(json_object_get(x->recs, x->who), "holder", json_string(x->holder));
	x->undo = json_array();
	json_array_clear(x->id.used_now);
	json_object_set_new(x->res, "entries", json_integer(0));
	result_set(x, x->who, x->res);
	x->res = NULL;
}

/* Everything compiled again from nothing (the ids stay). */
static void
start_full(struct cd_compiler *cc)
{
	struct cd_kx *x = &cc->x;
	json_t **objs[] = { &x->set, &x->owner, &x->seq, &x->results, &x->unready, &x->undo, &x->pub,
			    &x->id.used, &x->idx, &x->recs, &x->shared, &x->counts };
	size_t n = 0;

	/* (the ids the intents held that this compile does not use are
	 * freed by finish's sweep of every id) */
	if (cc->pre_set == NULL) {   /* the set as the update found it (a dry run's diff) */
		cc->pre_set = json_incref(x->set);
		cc->pre_seq = json_incref(x->seq);
	}
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		cd_gc_free(*objs[i]);
		*objs[i] = objs[i] == &x->undo ? json_array() : json_object();
	}
	/* numbered from 1, but not on a dry run's trip: its new numbers stay
	 * above those of before it, which the way back gives back */
	if (!cd_trip_armed(x->trip))
		x->n = 0;
	json_decref(x->touched);
	x->touched = NULL;
	privs_clear(x);
	cc->full = true;
	cc->in_one = false;
	cc->next = 0;
	json_array_clear(cc->queue);
	json_object_clear(cc->compiled);
	for (int k = 0; k < cd_kinds(); k++) {
		json_t *objs_k = json_object_get(cc->intents, cd_kind_name(k));
		const char **names = names_of(objs_k, &n);

		for (size_t i = 0; names != NULL && i < n; i++)
			json_array_append_new(cc->queue, json_pack("[i,s]", k, names[i]));
		free(names);
	}
}

static int
kind_of_who(const char *who, const char **name)
{
	const char *slash = strchr(who, '/');

	*name = slash ? slash + 1 : who;
	for (int k = 0; slash != NULL && k < cd_kinds(); k++)
		if (strlen(cd_kind_name(k)) == (size_t)(slash - who) &&
		    strncmp(who, cd_kind_name(k), (size_t)(slash - who)) == 0)
			return k;
	return -1;
}

/* Does @a come after @b in compile order (of the intents being compiled;
 * one not among them comes last)? */
static bool
later(struct cd_compiler *cc, const char *a, const char *b)
{
	const char *na, *nb;
	int ka = kind_of_who(a, &na), kb = kind_of_who(b, &nb);
	json_t *objs;
	void *it;

	if (ka != kb)
		return ka > kb;
	objs = json_object_get(cc->intents, cd_kind_name(ka < 0 ? 0 : ka));
	for (it = json_object_iter(objs); it != NULL; it = json_object_iter_next(objs, it)) {
		if (strcmp(json_object_iter_key(it), nb) == 0)
			return true;	/* b first */
		if (strcmp(json_object_iter_key(it), na) == 0)
			return false;
	}
	return true;
}

/* Take back what the intents in @r ("KIND/NAME" → true) hold: their
 * writes undone, newest first, and what they told the others. */
static int
take_back(struct cd_compiler *cc, json_t *r)
{
	struct cd_kx *x = &cc->x;
	json_t *t, *rec, *e, *js = json_array();
	const char *who, *name;
	char sk[512];
	size_t i;
	int rc;

	json_object_foreach(r, who, t)
		if ((e = json_object_get(json_object_get(x->recs, who), "journal")) != NULL)
			json_array_append(js, e);
	rc = cd_kx_restore(x, js);
	json_decref(js);
	if (rc < 0)
		return rc;
	json_object_foreach(r, who, t) {
		const struct cd_kind *kd = cd_kind_at(kind_of_who(who, &name));

		if ((rec = json_object_get(x->recs, who)) == NULL)
			continue;
		json_array_foreach(json_object_get(rec, "journal"), i, e) {
			snprintf(sk, sizeof(sk), "%s %s", json_string_value(json_array_get(e, 0)),
				 json_string_value(json_array_get(e, 1)));
			json_object_del(json_object_get(x->shared, sk), who);
		}
		cd_kx_unuse(x, json_object_get(rec, "ids"));
		if (kd != NULL && kd->forget != NULL)
			kd->forget(x, name);
		result_set(x, who, NULL);
		json_object_del(x->counts, who);
		json_object_del(x->recs, who);
	}
	return 0;
}

#define TAKE_BACK_MAX 20000	/* entries an update takes back in one go, at most */

/* Do intents of other kinds read @kd's (struct cd_kind parent)? */
static bool
has_children(const struct cd_kind *kd)
{
	for (int k = 0; k < cd_kinds(); k++)
		if (cd_kind_at(k)->parent != NULL && strcmp(cd_kind_at(k)->parent, kd->name) == 0)
			return true;
	return false;
}

/* @who (changed) was Ready, and its spec changed in what its children do
 * not read (struct cd_kind same_for_children). */
static bool
same_for_children(struct cd_compiler *cc, const struct cd_kind *kd, const char *who, const char *name)
{
	json_t *rec = json_object_get(cc->x.recs, who);
	json_t *now = json_object_get(json_object_get(cc->intents, kd->name), name);

	if (kd->same_for_children == NULL || rec == NULL || now == NULL ||
	    json_object_get(cd_kx_pub(&cc->x, kd->name), name) == NULL ||
	    strcmp(str(json_object_get(cc->x.results, who), "phase") ?: "", "Ready") != 0)
		return false;
	return kd->same_for_children(json_object_get(rec, "spec"), now);
}

/* What an update of the intents compiles again (see cd_compile.h): into
 * cc->queue, after taking it back. Returns true when that is everything. */
static bool
plan(struct cd_compiler *cc)
{
	size_t back = 0;
	struct cd_kx *x = &cc->x;
	json_t *r = json_object(), *work = json_array(), *objs, *spec, *rec, *t, *e, *res;
	const char *name, *who, *other;
	char w[300], sk[512];
	bool full = false;
	size_t i;

	for (int k = 0; k < cd_kinds(); k++) {
		json_t *now = json_object_get(cc->intents, cd_kind_name(k));
		json_t *was = json_object_get(cc->prev, cd_kind_name(k));

		if (cc->prev != NULL && now == was)
			continue;
		json_object_foreach(now, name, spec) {
			if (cc->prev != NULL && json_object_get(was, name) == spec)
				continue;
			snprintf(w, sizeof(w), "%s/%s", cd_kind_name(k), name);
			rec = json_object_get(x->recs, w);
			if (rec == NULL || (json_object_get(rec, "spec") != spec &&
					    !json_equal(json_object_get(rec, "spec"), spec)))
				json_object_set_new(cc->changed, w, json_true());
		}
		json_object_foreach(was, name, spec) {
			snprintf(w, sizeof(w), "%s/%s", cd_kind_name(k), name);
			if (json_object_get(now, name) == NULL && json_object_get(x->recs, w) != NULL)
				json_object_set_new(cc->changed, w, json_true());
		}
	}
	if (cc->prev == NULL) {
		json_object_foreach(x->recs, who, rec) {
			objs = json_object_get(cc->intents, cd_kind_name((int)num(rec, "kind", 0)));
			if (json_object_get(objs, str(rec, "name")) == NULL)
				json_object_set_new(cc->changed, who, json_true());
		}
	}
	json_object_foreach(cc->changed, who, t) {
		const struct cd_kind *kd = cd_kind_at(kind_of_who(who, &name));
		json_t *chg;

		full = full || (kd != NULL && kd->full_on_change);
		if (kd != NULL && kd->part_ok != NULL && json_object_get(x->recs, who) != NULL &&
		    strcmp(str(json_object_get(x->results, who), "phase") ?: "", "Ready") == 0 &&
		    kd->part_ok(json_object_get(x->recs, who),
				json_object_get(json_object_get(cc->intents, kd->name), name), &chg))
			json_object_set_new(cc->partial, who, chg);
		else
			json_object_set_new(r, who, json_true());
	}
	/* what was not Ready may be now: Pending ones, and Failed ones whose
	 * holder is compiled again, or which ran out of ids or collided with
	 * an intent unnamed (a Failed one holds nothing: cheap) */
	json_object_foreach(x->unready, who, t) {
		const char *ph, *why;

		res = json_object_get(x->results, who);
		ph = str(res, "phase");
		why = str(res, "reason") ?: "";
		const char *h = str(json_object_get(x->recs, who), "holder");

		if (strcmp(ph, "Ready") == 0)
			continue;
		if (strcmp(ph, "Failed") != 0 || (h != NULL && json_object_get(cc->changed, h) != NULL) ||
		    (h == NULL && json_object_size(cc->changed) > 0 && strcmp(why, "bad_value") != 0 &&
		     strcmp(why, "missing") != 0 && strcmp(why, "out_of_range") != 0 &&
		     strcmp(why, "duplicate") != 0 && strcmp(why, "no_space") != 0))
			json_object_set_new(r, who, json_true());
	}
	/* an intent's children (a slice's VDNs, policies and UPFs) read what
	 * it published, unless what changed is not in it (its
	 * same_for_children): then that is checked once it compiled (cc->cut) */
	json_object_foreach(r, who, t) {
		const struct cd_kind *kd = cd_kind_at(kind_of_who(who, &name));

		if (kd == NULL || !has_children(kd))
			continue;
		if (same_for_children(cc, kd, who, name)) {
			json_t *was = json_object_get(cd_kx_pub(x, kd->name), name);

			json_object_set_new(cc->cut, who, was != NULL ? json_deep_copy(was) : json_null());
			continue;
		}
		for (int k = 0; k < cd_kinds(); k++) {
			const struct cd_kind *ck = cd_kind_at(k);

			if (ck->parent == NULL || strcmp(ck->parent, kd->name) != 0)
				continue;
			json_object_foreach(json_object_get(cc->intents, ck->name), other, spec) {
				if (str(spec, ck->parent_field) == NULL || strcmp(str(spec, ck->parent_field), name) != 0)
					continue;
				snprintf(w, sizeof(w), "%s/%s", ck->name, other);
				json_array_append_new(work, json_string(w));
			}
		}
	}
	json_array_foreach(work, i, t)
		json_object_set_new(r, json_string_value(t), json_true());
	json_array_clear(work);
	/* and whoever shares an entry with one of them */
	json_object_foreach(r, who, t)
		json_array_append_new(work, json_string(who));
	while (!full && json_array_size(work) > 0) {
		json_t *cur = json_incref(json_array_get(work, json_array_size(work) - 1));

		json_array_remove(work, json_array_size(work) - 1);
		/* taking back is one go: past TAKE_BACK_MAX entries, compiling
		 * everything afresh (in slices) holds the loop less, and so
		 * does not walking on */
		back += json_array_size(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"));
		full = full || back > TAKE_BACK_MAX;
		json_array_foreach(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"), i, e) {
			json_t *ws;

			if (full)
				break;
			snprintf(sk, sizeof(sk), "%s %s", json_string_value(json_array_get(e, 0)),
				 json_string_value(json_array_get(e, 1)));
			if ((ws = json_object_get(x->shared, sk)) == NULL)
				continue;
			json_object_foreach(ws, other, t) {
				if (json_object_get(r, other) != NULL || json_object_get(x->recs, other) == NULL)
					continue;
				json_object_set_new(r, other, json_true());
				json_array_append_new(work, json_string(other));
			}
		}
		json_decref(cur);
	}
	json_decref(work);
	/* a UPF whose sessions only changed compiles those, unless it is
	 * compiled whole anyway */
	json_object_foreach(r, who, t)
		json_object_del(cc->partial, who);
	if (full || take_back(cc, r) < 0) {
		json_decref(r);
		return true;
	}
	/* ids given back: who ran out of them tries again */
	if (json_array_size(x->id.freed) > 0) {
		json_t *more = json_object();

		json_object_foreach(x->results, who, res)
			if (strcmp(str(res, "reason") ?: "", "no_space") == 0 && json_object_get(r, who) == NULL)
				json_object_set_new(more, who, json_true());
		if (take_back(cc, more) < 0) {
			json_decref(more);
			json_decref(r);
			return true;
		}
		json_object_update(r, more);
		json_decref(more);
	}
	/* what is still there, in compile order */
	for (int k = 0; k < cd_kinds(); k++) {
		json_object_foreach(json_object_get(cc->intents, cd_kind_name(k)), name, spec) {
			snprintf(w, sizeof(w), "%s/%s", cd_kind_name(k), name);
			if (json_object_get(r, w) != NULL)
				json_array_append_new(cc->queue, json_pack("[i,s]", k, name));
			else if (json_object_get(cc->partial, w) != NULL)
				json_array_append_new(cc->queue, json_pack("[i,s,b]", k, name, 1));
		}
	}
	json_decref(r);
	return false;
}

struct cd_compiler *
cd_compiler_new(json_t *ids)
{
	struct cd_compiler *cc = calloc(1, sizeof(*cc));

	if (cc == NULL)
		return NULL;
	if (cd_ids_init(&cc->x.id, ids) < 0) {
		free(cc);
		return NULL;
	}
	if ((cc->x.trip = cd_trip_new()) == NULL) {
		cd_ids_fini(&cc->x.id);
		free(cc);
		return NULL;
	}
	if ((cc->x.priv = calloc((size_t)cd_kinds() + 1, sizeof(*cc->x.priv))) == NULL) {
		cd_trip_free(cc->x.trip, &cc->x.id.touched);
		cd_ids_fini(&cc->x.id);
		free(cc);
		return NULL;
	}
	for (int k = 0; k < cd_kinds(); k++)
		if (cd_kind_at(k)->priv_size > 0 && (cc->x.priv[k] = calloc(1, cd_kind_at(k)->priv_size)) == NULL) {
			privs_free(&cc->x);
			cd_trip_free(cc->x.trip, &cc->x.id.touched);
			cd_ids_fini(&cc->x.id);
			free(cc);
			return NULL;
		}
	cc->queue = json_array();
	cc->changed = json_object();
	cc->partial = json_object();
	cc->compiled = json_object();
	cc->cut = json_object();
	cc->kernel_seen = json_null();
	cc->pending = json_object();
	cc->intents = json_object();
	/* the state start_full makes anew */
	cc->x.set = cc->x.owner = cc->x.seq = cc->x.results = NULL;
	start_full(cc);
	json_decref(cc->intents);
	cc->intents = NULL;
	return cc;
}

void
cd_compiler_free(struct cd_compiler *cc)
{
	struct cd_kx *x;

	if (cc == NULL)
		return;
	x = &cc->x;
	privs_clear(x);
	privs_free(x);
	json_decref(x->set);
	json_decref(x->owner);
	json_decref(x->seq);
	json_decref(x->results);
	json_decref(x->unready);
	json_decref(x->undo);
	/* before the touched ids: a trip under way puts those it set aside back there */
	cd_trip_free(x->trip, &x->id.touched);
	cd_ids_fini(&x->id);
	json_decref(x->idx);
	json_decref(x->pub);
	json_decref(x->recs);
	json_decref(cc->prev);
	json_decref(x->shared);
	json_decref(x->counts);
	json_decref(x->touched);
	json_decref(x->res);
	json_decref(cc->kernel_seen);
	json_decref(cc->pending);
	json_decref(cc->pre_set);
	json_decref(cc->pre_seq);
	json_decref(cc->queue);
	json_decref(cc->changed);
	json_decref(cc->partial);
	json_decref(cc->cut);
	json_decref(cc->compiled);
	json_decref(cc->before);
	json_decref(cc->dry_results);
	free(cc);
}

void
cd_compiler_begin(struct cd_compiler *cc, const struct cd_tables *t, json_t *intents, json_t *kernel,
		  bool keep_ids)
{
	struct cd_kx *x = &cc->x;
	bool full = !cc->compiled_once || t != x->t ||
		    !json_equal(kernel != NULL ? kernel : json_null(), cc->kernel_seen);

	/* a dry run's update notes the compiler as it is (one that changes
	 * sxdp's tables or the kernel's view is no round trip); the next
	 * update is its way back if it returns to the same intents and inputs */
	cd_trip_begin(x->trip);
	if (keep_ids && !cd_trip_armed(x->trip) && !full)
		cd_trip_arm(x->trip, cc->prev, x->t, cc->kernel_seen, x->n, x->recs, &x->id.touched);
	else if (!keep_ids && cd_trip_armed(x->trip))
		cd_trip_return(x->trip, intents, t, kernel, &x->id.touched);
	x->t = t;
	x->kernel = kernel;
	cc->intents = intents;
	cc->keep_ids = keep_ids;
	/* the outcomes without the dry run's change: those of the update before */
	json_decref(cc->before);
	cc->before = keep_ids ? json_copy(x->results) : NULL;
	json_decref(cc->dry_results);
	cc->dry_results = NULL;
	cc->view.results = x->results;
	cc->full = false;
	cc->in_one = false;
	cc->next = 0;
	privs_clear(x);
	json_array_clear(cc->queue);
	json_object_clear(cc->changed);
	json_object_clear(cc->partial);
	json_object_clear(cc->compiled);
	json_object_clear(cc->cut);
	json_array_clear(x->id.freed);
	cd_gc_free(x->touched);
	x->touched = json_object();
	/* the set before a whole compile: every entry, freed in slices */
	cd_gc_free(cc->pre_set);
	cd_gc_free(cc->pre_seq);
	cc->pre_set = cc->pre_seq = NULL;
	if (full || plan(cc))
		start_full(cc);
}

/* Is @who's spec in the update the one the update before had? */
static bool
spec_kept(struct cd_compiler *cc, const char *who)
{
	const char *name;
	int k = kind_of_who(who, &name);
	json_t *now, *was;

	if (k < 0 || cc->prev == NULL)
		return false;
	now = json_object_get(json_object_get(cc->intents, cd_kind_name(k)), name);
	was = json_object_get(json_object_get(cc->prev, cd_kind_name(k)), name);
	return now != NULL && was != NULL && (now == was || json_equal(now, was));
}

/* A dry run's results: the intents it did not change that are not Ready
 * say how they were before it ("was"); copies, the set's results stay. */
static json_t *
dry_results(struct cd_compiler *cc)
{
	json_t *out = json_copy(cc->x.results), *res, *b, *r;
	const char *who;

	if (out == NULL)
		return NULL;
	json_object_foreach(cc->x.results, who, res) {
		if (strcmp(str(res, "phase") ?: "", "Ready") == 0 ||
		    (b = json_object_get(cc->before, who)) == NULL || !spec_kept(cc, who) ||
		    (r = json_copy(res)) == NULL)
			continue;
		json_object_set_new(r, "was", json_string(str(b, "phase") ?: "Pending"));
		json_object_set_new(out, who, r);
	}
	return out;
}

/* The update is done: ids nobody uses are free again, entry counts. */
static void
finish(struct cd_compiler *cc)
{
	struct cd_kx *x = &cc->x;
	const char *ns, *key, *who;
	json_t *m, *v, *t;

	cd_ids_release(&x->id, x->trip, cc->full, cc->keep_ids);
	json_object_foreach(cc->compiled, who, t)
		json_object_set_new(json_object_get(x->results, who), "entries",
				    json_integer(json_integer_value(json_object_get(x->counts, who))));
	if (cc->full) {
		cc->pending_all = true;
		json_object_clear(cc->pending);
	} else if (!cc->pending_all) {
		json_object_foreach(x->touched, ns, m) {
			json_t *p = json_object_get(cc->pending, ns);

			if (p == NULL) {
				json_object_set_new(cc->pending, ns, json_object());
				p = json_object_get(cc->pending, ns);
			}
			json_object_foreach(m, key, v)
				json_object_set_new(p, key, json_true());
		}
	}
	json_decref(cc->kernel_seen);
	cc->kernel_seen = x->kernel != NULL ? json_deep_copy(x->kernel) : json_null();
	cc->compiled_once = true;
	cd_trip_finish(x->trip, x->recs, x->seq, x->id.ids, &x->n, &x->id.touched);
	if (cc->before != NULL)
		cc->dry_results = dry_results(cc);
	json_decref(cc->prev);
	cc->prev = json_incref(cc->intents);
	cc->view = (struct cd_compiled){ .want = x->set, .owner = x->owner, .seq = x->seq,
					 .results = cc->dry_results ? cc->dry_results : x->results };
}

int
cd_compiler_step(struct cd_compiler *cc, unsigned int budget_us)
{
	struct cd_kx *x = &cc->x;

	x->deadline_ns = budget_us ? now_ns() + (uint64_t)budget_us * 1000u : 0;
	while (cc->next < json_array_size(cc->queue)) {
		json_t *td = json_array_get(cc->queue, cc->next);
		int k = (int)json_integer_value(json_array_get(td, 0));
		const struct cd_kind *kd = cd_kind_at(k);
		const char *name = json_string_value(json_array_get(td, 1));
		json_t *spec = json_object_get(json_object_get(cc->intents, kd->name), name);

		if (!cc->in_one)
			one_begin(x, k, name);
		if (!cc->in_one && json_is_true(json_array_get(td, 2))) {
			json_t *r;

			/* its journal is rebuilt, not written in order: a
			 * trip's way back numbers it afterwards (cd_trip_finish) */
			cd_trip_intent(x->trip, NULL);
			if (kd->part(x, name, spec, json_object_get(x->recs, x->who),
				     json_object_get(cc->partial, x->who)) == 0) {
				json_object_set_new(x->res, "entries", json_integer(0));
				result_set(x, x->who, x->res);
				x->res = NULL;
				json_object_set_new(cc->compiled, x->who, json_true());
				cc->next++;
				continue;
			}
			/* a part failed: the intent compiled whole, as it would be */
			json_decref(x->res);
			x->res = NULL;
			r = json_pack("{s:b}", x->who, 1);
			take_back(cc, r);
			json_decref(r);
			json_array_set_new(cc->queue, cc->next, json_pack("[i,s]", (int)k, name));
			continue;
		}
		if (kd->compile(x, name, spec)) {
			cc->in_one = true;
			return -EAGAIN;
		}
		cc->in_one = false;
		one_end(x, k, name, spec);
		json_object_set_new(cc->compiled, x->who, json_true());
		/* an intent whose children were left as they were compiled to
		 * something else after all: everything again */
		if (!cc->full && json_object_get(cc->cut, x->who) != NULL &&
		    !json_equal(json_object_get(cc->cut, x->who),
				json_object_get(cd_kx_pub(x, kd->name), name) ?: json_null())) {
			start_full(cc);
			continue;
		}
		/* an intent changed now collides with one that comes after it:
		 * in compile order it would have won, so everything again */
		if (!cc->full && json_object_get(json_object_get(x->results, x->who), "reason") != NULL &&
		    strcmp(str(json_object_get(x->results, x->who), "phase"), "Failed") == 0 &&
		    json_object_get(cc->changed, x->who) != NULL &&
		    (x->order_sensitive || (x->holder[0] != '\0' && later(cc, x->holder, x->who)))) {
			start_full(cc);
			continue;
		}
		cc->next++;
		if (cd_kx_over(x))
			return cc->next < json_array_size(cc->queue) ? -EAGAIN : (finish(cc), 0);
	}
	finish(cc);
	return 0;
}

const struct cd_compiled *
cd_compiler_set(struct cd_compiler *cc)
{
	return &cc->view;
}

json_t *
cd_compiler_touched(struct cd_compiler *cc)
{
	return cc->full ? NULL : cc->x.touched;
}

json_t *
cd_compiler_take(struct cd_compiler *cc)
{
	json_t *p = cc->pending_all ? NULL : json_incref(cc->pending);

	json_decref(cc->pending);
	cc->pending = json_object();
	cc->pending_all = false;
	return p;
}

void
cd_compiler_pre(struct cd_compiler *cc, json_t **set, json_t **seq)
{
	*set = cc->pre_set;
	*seq = cc->pre_seq;
}

json_t *
cd_compiler_ids_take(struct cd_compiler *cc)
{
	json_t *t;

	cd_trip_ids_taken(cc->x.trip, &cc->x.id.touched);
	t = cc->x.id.touched;
	cc->x.id.touched = json_object();
	return t;
}

json_t *
cd_compiler_ids(struct cd_compiler *cc)
{
	return cc->x.id.ids;
}

json_t *
cd_compiler_compiled(struct cd_compiler *cc)
{
	return cc->compiled;
}

int
cd_compiler_undone(struct cd_compiler *cc)
{
	return cd_trip_undone(cc->x.trip);
}

int
cd_compile(const struct cd_tables *t, json_t *intents, json_t *kernel, json_t *ids,
	   struct cd_compiled *out)
{
	struct cd_compiler *cc = cd_compiler_new(ids);
	const char *ns;
	json_t *m;

	memset(out, 0, sizeof(*out));
	if (cc == NULL)
		return -ENOMEM;
	cd_compiler_begin(cc, t, intents, kernel, false);
	cd_compiler_step(cc, 0);
	/* ids of what is gone are free again */
	json_object_foreach(ids, ns, m)
		json_object_clear(m);
	json_object_update(ids, cc->x.id.ids);
	out->want = json_incref(cc->x.set);
	out->owner = json_incref(cc->x.owner);
	out->seq = json_incref(cc->x.seq);
	out->results = json_incref(cc->x.results);
	cd_compiler_free(cc);
	return out->want && out->owner && out->seq && out->results ? 0 : -ENOMEM;
}

void
cd_compiled_free(struct cd_compiled *c)
{
	json_decref(c->want);
	json_decref(c->owner);
	json_decref(c->seq);
	json_decref(c->results);
	memset(c, 0, sizeof(*c));
}

