/* SPDX-License-Identifier: BSD-3-Clause */
/* One compile under way: its journaled writes on the set, and what the compiler lends a kind (see cd_kx.h, cd_kind.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cd_claim.h"
#include "cd_kx.h"
#include "intent.h"

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
	/* the few small tables intents read by a field: their entries as
	 * objects here only */
	was = cd_tables_entry(was);
	now = cd_tables_entry(now);
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
	json_decref(was);
	json_decref(now);
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
		json_array_append_new(out, cd_tables_entry(json_object_get(rows, key)));
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

/* @table's @key is written or taken back by this update (what the run
 * after it diffs, what a preview reads back). */
static void
touch(struct cd_kx *x, const char *table, const char *key)
{
	json_t *t = json_object_get(x->touched, table);

	if (x->touched == NULL)
		return;
	if (t == NULL) {
		json_object_set_new(x->touched, table, json_object());
		t = json_object_get(x->touched, table);
	}
	json_object_set_new(t, key, json_true());
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
	touch(x, table, key);
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
		const char *table = cd_str(u, "table"), *other;
		bool del = strcmp(cd_str(u, "type"), "delete") == 0;

		rc = cd_tables_apply(x->t, x->set, u, &key, &prev, err, sizeof(err));
		if (rc == -EEXIST) {
			other = cd_str(json_object_get(x->owner, table), key);

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

			touch(x, table, key);

			idx_update(x, table, key, prev, json_object_get(json_object_get(x->set, table), key));
			/* shared, not copied: 200k entries own one string each otherwise */
			now = del ? NULL : json_incref(own ? own : x->who_js);
			count_owner(x, own, now);
			map_set(x->owner, table, key, now, &po);
			/* every write a number of its own, a delete too: the
			 * journals are taken back newest first by it; on a dry
			 * run's way back, the number of the write it repeats */
			json_int_t wn = cd_trip_number(x->trip, json_array_size(x->undo), table, key,
						       json_object_get(json_object_get(x->seq, table), key));

			if (wn == 0)
				wn = ++x->n;
			json_t *wj = json_integer(wn), *tn = cd_tables_name(x->t, table);

			tn = tn != NULL ? json_incref(tn) : json_string(table);

			/* the number and the table's name shared by the set and
			 * the journal: a 100k-session UPF writes 200k of each */
			map_set(x->seq, table, key, del ? NULL : json_incref(wj), &ps);
			json_array_append_new(x->undo, json_pack("[o,s,o?,o?,o?,o]", tn, key, prev, po, ps, wj));
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

struct cd_kx_jent {
	json_int_t n;
	json_t *e;
};

static int
by_n_desc(const void *a, const void *b)
{
	json_int_t x = ((const struct cd_kx_jent *)a)->n, y = ((const struct cd_kx_jent *)b)->n;

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

void
cd_kx_elsewhere(struct cd_kx *x, const char *why)
{
	json_object_set_new(x->res, "elsewhere", json_string(why));
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
		if (cd_str(p, "name") != NULL && name != NULL && strcmp(cd_str(p, "name"), name) == 0)
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

int
cd_kx_privs_new(struct cd_kx *x)
{
	if ((x->priv = calloc((size_t)cd_kinds() + 1, sizeof(*x->priv))) == NULL)
		return -ENOMEM;
	for (int k = 0; k < cd_kinds(); k++)
		if (cd_kind_at(k)->priv_size > 0 && (x->priv[k] = calloc(1, cd_kind_at(k)->priv_size)) == NULL) {
			cd_kx_privs_free(x);
			return -ENOMEM;
		}
	return 0;
}

void
cd_kx_privs_clear(struct cd_kx *x)
{
	for (int k = 0; k < cd_kinds(); k++)
		if (x->priv[k] != NULL && cd_kind_at(k)->priv_clear != NULL)
			cd_kind_at(k)->priv_clear(x->priv[k]);
}

void
cd_kx_privs_free(struct cd_kx *x)
{
	for (int k = 0; x->priv != NULL && k < cd_kinds(); k++)
		free(x->priv[k]);
	free(x->priv);
	x->priv = NULL;
}

void
cd_kx_budget(struct cd_kx *x, unsigned int budget_us)
{
	x->deadline_ns = budget_us ? now_ns() + (uint64_t)budget_us * 1000u : 0;
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
	struct cd_kx_jent *all;
	size_t n = 0, cap = 0, i, j;
	json_t *jn, *e;

	json_array_foreach(journals, j, jn)
		cap += json_array_size(jn);
	if ((all = calloc(cap + 1, sizeof(*all))) == NULL)
		return -ENOMEM;
	json_array_foreach(journals, j, jn)
		json_array_foreach(jn, i, e)
			all[n++] = (struct cd_kx_jent){ json_integer_value(json_array_get(e, 5)), e };
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

/* ------------------------------------------------ the intents' records */

void
cd_kx_result_set(struct cd_kx *x, const char *who, json_t *res)
{
	if (res != NULL && strcmp(cd_str(res, "phase") ?: "", "Ready") != 0)
		json_object_set_new(x->unready, who, json_true());
	else
		json_object_del(x->unready, who);
	if (res != NULL)
		json_object_set_new(x->results, who, res);
	else
		json_object_del(x->results, who);
}

int
cd_kx_kind_of(const char *who, const char **name)
{
	const char *slash = strchr(who, '/');

	*name = slash ? slash + 1 : who;
	for (int k = 0; slash != NULL && k < cd_kinds(); k++)
		if (strlen(cd_kind_name(k)) == (size_t)(slash - who) &&
		    strncmp(who, cd_kind_name(k), (size_t)(slash - who)) == 0)
			return k;
	return -1;
}

int
cd_kx_take_back_begin(struct cd_kx *x, json_t *r)
{
	struct cd_kx_back *b = &x->back;
	json_t *t, *jn, *e;
	const char *who;
	size_t cap = 0, i;

	cd_kx_take_back_end(x);
	json_object_foreach(r, who, t)
		cap += json_array_size(json_object_get(json_object_get(x->recs, who), "journal"));
	if ((b->all = calloc(cap + 1, sizeof(*b->all))) == NULL)
		return -ENOMEM;
	/* the entries held: the records that hold them go before the last is restored */
	json_object_foreach(r, who, t) {
		jn = json_object_get(json_object_get(x->recs, who), "journal");
		json_array_foreach(jn, i, e)
			b->all[b->n++] = (struct cd_kx_jent){ json_integer_value(json_array_get(e, 5)), json_incref(e) };
	}
	qsort(b->all, b->n, sizeof(*b->all), by_n_desc);
	b->r = json_incref(r);
	b->it = json_object_iter(r);
	return 0;
}

/* The intent @who's record and what it told the others, once its writes are undone. */
static void
forget_rec(struct cd_kx *x, const char *who)
{
	const char *name;
	const struct cd_kind *kd = cd_kind_at(cd_kx_kind_of(who, &name));
	json_t *rec = json_object_get(x->recs, who), *e;
	char sk[512];
	size_t i;

	if (rec == NULL)
		return;
	cd_trip_save(x->trip, who, rec);
	json_array_foreach(json_object_get(rec, "journal"), i, e) {
		snprintf(sk, sizeof(sk), "%s %s", json_string_value(json_array_get(e, 0)),
			 json_string_value(json_array_get(e, 1)));
		json_object_del(json_object_get(x->shared, sk), who);
	}
	cd_kx_unuse(x, json_object_get(rec, "ids"));
	if (kd != NULL && kd->forget != NULL)
		kd->forget(x, name);
	cd_kx_result_set(x, who, NULL);
	json_object_del(x->counts, who);
	json_object_del(x->recs, who);
}

bool
cd_kx_take_back_step(struct cd_kx *x)
{
	struct cd_kx_back *b = &x->back;

	if (b->r == NULL)
		return true;
	/* newest write first, over all of them: a key two of them wrote ends
	 * as it was before the first */
	for (; b->i < b->n; b->i++) {
		if (b->i % 1024 == 1023 && cd_kx_over(x))
			return false;
		restore(x, b->all[b->i].e);
		json_decref(b->all[b->i].e);
		b->all[b->i].e = NULL;
	}
	for (; b->it != NULL; b->it = json_object_iter_next(b->r, b->it)) {
		if (++b->forgot % 256 == 0 && cd_kx_over(x))
			return false;
		forget_rec(x, json_object_iter_key(b->it));
	}
	cd_kx_take_back_end(x);
	return true;
}

void
cd_kx_take_back_end(struct cd_kx *x)
{
	struct cd_kx_back *b = &x->back;

	/* one cut short (a compile started again) is finished first: a
	 * journal half undone would leave the set unlike any compile */
	if (b->r != NULL && (b->i < b->n || b->it != NULL)) {
		uint64_t d = x->deadline_ns;

		x->deadline_ns = 0;
		cd_kx_take_back_step(x);
		x->deadline_ns = d;
		return;
	}
	for (size_t i = b->i; i < b->n; i++)
		json_decref(b->all[i].e);
	free(b->all);
	json_decref(b->r);
	memset(b, 0, sizeof(*b));
}

int
cd_kx_take_back(struct cd_kx *x, json_t *r)
{
	uint64_t d = x->deadline_ns;
	int rc;

	if ((rc = cd_kx_take_back_begin(x, r)) < 0)
		return rc;
	x->deadline_ns = 0;
	cd_kx_take_back_step(x);
	x->deadline_ns = d;
	return 0;
}
