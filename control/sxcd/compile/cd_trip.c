/* SPDX-License-Identifier: BSD-3-Clause */
/* A dry run's round trip: the compiler noted on the way there, its write numbers put back on the way back (see cd_trip.h). */
#include <stdlib.h>
#include <string.h>

#include "cd_gc.h"
#include "cd_trip.h"

struct cd_trip {
	bool armed, back;
	int undone;		/* the last update's: cd_trip_undone */
	json_t *intents;	/* what the trip started from */
	const struct cd_tables *t;
	json_t *kernel;		/* the kernel's view then */
	json_int_t n;		/* the compiler's write count then */
	/* "KIND/NAME" → its journal then (the array, held; null: it had no
	 * record), noted the first time the trip changes its record
	 * (cd_trip_save): a change notes a few, not every intent's */
	json_t *journals;
	size_t nrecs;		/* the records then */
	/* the compiler's touched ids then, set aside: the trip's own are
	 * kept apart, dropped if it is undone, else added */
	json_t *ids_touched;
	/* NS → KEY → the id before the trip first touched it (null: none) */
	json_t *ids_was;
	/* on its way back: every intent's journal before the trip, and the
	 * one of the intent being compiled whole (whose writes take their
	 * numbers from it) */
	json_t *reuse_all, *reuse;
};

struct cd_trip *
cd_trip_new(void)
{
	return calloc(1, sizeof(struct cd_trip));
}

/* The trip is over: what it noted is let go. */
static void
drop(struct cd_trip *tr, json_t **ids_touched)
{
	const char *ns;
	json_t *m;

	json_decref(tr->intents);
	json_decref(tr->kernel);
	cd_gc_free(tr->journals);
	if (tr->ids_touched != NULL) {
		json_object_foreach(*ids_touched, ns, m) {
			if (json_object_get(tr->ids_touched, ns) == NULL)
				json_object_set(tr->ids_touched, ns, m);
			else
				json_object_update(json_object_get(tr->ids_touched, ns), m);
		}
		json_decref(*ids_touched);
		*ids_touched = tr->ids_touched;
	}
	json_decref(tr->ids_was);
	tr->ids_was = NULL;
	tr->reuse_all = tr->reuse = NULL;
	memset(tr, 0, sizeof(*tr));
}

void
cd_trip_free(struct cd_trip *tr, json_t **ids_touched)
{
	if (tr == NULL)
		return;
	drop(tr, ids_touched);
	free(tr);
}

void
cd_trip_begin(struct cd_trip *tr)
{
	tr->undone = 0;
}

bool
cd_trip_armed(const struct cd_trip *tr)
{
	return tr->armed;
}

void
cd_trip_arm(struct cd_trip *tr, json_t *intents, const struct cd_tables *t, json_t *kernel, json_int_t n,
	    json_t *recs, json_t **ids_touched)
{
	json_t *m;

	drop(tr, ids_touched);
	if (intents == NULL)
		return;
	tr->intents = json_incref(intents);
	tr->t = t;
	tr->kernel = json_incref(kernel);
	tr->n = n;
	tr->journals = json_object();
	tr->nrecs = json_object_size(recs);
	if ((tr->ids_was = json_object()) != NULL && (m = json_object()) != NULL) {
		tr->ids_touched = *ids_touched;
		*ids_touched = m;
	}
	tr->armed = tr->journals != NULL && tr->ids_touched != NULL;
	if (!tr->armed)
		drop(tr, ids_touched);
}

void
cd_trip_return(struct cd_trip *tr, json_t *intents, const struct cd_tables *t, json_t *kernel,
	       json_t **ids_touched)
{
	tr->back = intents == tr->intents && t == tr->t &&
		   json_equal(kernel != NULL ? kernel : json_null(), tr->kernel);
	if (!tr->back)
		drop(tr, ids_touched);
	else
		tr->reuse_all = tr->journals;
}

void
cd_trip_save(struct cd_trip *tr, const char *who, json_t *rec)
{
	if (tr->armed && json_object_get(tr->journals, who) == NULL)
		json_object_set(tr->journals, who, json_object_get(rec, "journal") ?: json_null());
}

void
cd_trip_save_all(struct cd_trip *tr, json_t *recs)
{
	const char *who;
	json_t *rec;

	json_object_foreach(recs, who, rec)
		cd_trip_save(tr, who, rec);
}

void
cd_trip_id(struct cd_trip *tr, const char *ns, const char *key, json_t *id)
{
	json_t *w;

	if (tr->ids_was == NULL)
		return;
	if ((w = json_object_get(tr->ids_was, ns)) == NULL) {
		json_object_set_new(tr->ids_was, ns, json_object());
		w = json_object_get(tr->ids_was, ns);
	}
	if (json_object_get(w, key) == NULL)
		json_object_set_new(w, key, id != NULL ? json_incref(id) : json_null());
}

void
cd_trip_intent(struct cd_trip *tr, const char *who)
{
	tr->reuse = tr->reuse_all != NULL && who != NULL ? json_object_get(tr->reuse_all, who) : NULL;
	if (json_is_null(tr->reuse))
		tr->reuse = NULL;
}

json_int_t
cd_trip_number(const struct cd_trip *tr, size_t at, const char *table, const char *key, json_t *seq)
{
	json_t *o = tr->reuse != NULL ? json_array_get(tr->reuse, at) : NULL, *ps;

	if (o == NULL || strcmp(json_string_value(json_array_get(o, 0)) ?: "", table) != 0 ||
	    strcmp(json_string_value(json_array_get(o, 1)) ?: "", key) != 0)
		return 0;
	ps = json_array_get(o, 4);
	if (json_is_integer(seq) != json_is_integer(ps) ||
	    (json_is_integer(seq) && json_integer_value(seq) != json_integer_value(ps)))
		return 0;
	return json_integer_value(json_array_get(o, 5));
}

/* A write of the way back numbered anew and the one of before the trip it
 * repeats: their numbers (journal [table, key, prev, owner, seq, n]). */
struct twin {
	json_int_t now, then;
	json_t *e, *o;
};

static int
by_now(const void *a, const void *b)
{
	json_int_t x = ((const struct twin *)a)->now, y = ((const struct twin *)b)->now;

	return x < y ? -1 : x > y;
}

/* @v (a write's number, NULL/null: none) as before the trip: a number of
 * then (at most @n0) stays, a new one is its twin's; -1 when it has none
 * (the numbering cannot be put back). 0: none. */
static json_int_t
twin_of(const struct twin *tw, size_t n, json_int_t n0, json_t *v)
{
	struct twin key, *hit;

	if (!json_is_integer(v))
		return 0;
	key.now = json_integer_value(v);
	if (key.now <= n0)
		return key.now;
	hit = bsearch(&key, tw, n, sizeof(*tw), by_now);
	return hit != NULL ? hit->then : -1;
}

/*
 * The way back is done. Its whole compiles gave each write its number of
 * before the trip as they went (cd_trip_number); what it compiled in part
 * (a UPF's sessions) and what the way there compiled that the way back
 * did not are numbered anew. If every intent holds the writes it held
 * before the trip (same tables and keys, in the same order, each after
 * the same write on its key), those get back their numbers of then too,
 * and the compiler's numbering (@seq, the journals, *@n) and the ids it
 * says were touched are as before the trip. Otherwise the new numbers
 * stay (consistent: above all others; a later run stores them, as after
 * any compile). Work in the writes the way back made, done or not yet
 * numbered: the rest is a look at each record.
 */
void
cd_trip_finish(struct cd_trip *tr, json_t *recs, json_t *seq, json_t *ids, json_int_t *n_now,
	       json_t **ids_touched)
{
	struct twin *tw = NULL;
	json_t *rec, *cur, *old, *m, *v, *was;
	const char *who, *ns, *key;
	size_t n = 0, cap = 0, i;
	bool ok = false;

	if (!tr->back)
		return;
	/* (a record the trip never changed holds the journal it held) */
	if (json_object_size(recs) != tr->nrecs)
		goto out;
	json_object_foreach(tr->journals, who, old) {
		rec = json_object_get(recs, who);
		cur = json_object_get(rec, "journal");
		if (json_is_null(old) != (rec == NULL) || json_array_size(cur) != json_array_size(old))
			goto out;
		if (cur != old)
			cap += json_array_size(cur);
	}
	if ((tw = calloc(cap + 1, sizeof(*tw))) == NULL)
		goto out;
	json_object_foreach(tr->journals, who, old) {
		cur = json_object_get(json_object_get(recs, who), "journal");
		for (i = 0; cur != old && i < json_array_size(cur); i++) {
			json_t *e = json_array_get(cur, i), *o = json_array_get(old, i);
			json_int_t ne = json_integer_value(json_array_get(e, 5));

			/* the same write (a UPF's sessions the trip left alone),
			 * or one numbered as its twin as it was made */
			if (e == o || ne == json_integer_value(json_array_get(o, 5)))
				continue;
			if (ne <= tr->n || strcmp(json_string_value(json_array_get(e, 0)) ?: "",
						  json_string_value(json_array_get(o, 0)) ?: "") != 0 ||
			    strcmp(json_string_value(json_array_get(e, 1)) ?: "",
				   json_string_value(json_array_get(o, 1)) ?: "") != 0)
				goto out;
			tw[n++] = (struct twin){ ne, json_integer_value(json_array_get(o, 5)), e, o };
		}
	}
	qsort(tw, n, sizeof(*tw), by_now);
	for (i = 1; i < n; i++)
		if (tw[i].now == tw[i - 1].now)
			goto out;
	/* each after the same write on its key as then; the key's number,
	 * if a new one, has a twin */
	for (i = 0; i < n; i++) {
		json_int_t p = twin_of(tw, n, tr->n, json_array_get(tw[i].e, 4));
		json_t *po = json_array_get(tw[i].o, 4);
		json_t *q = json_object_get(json_object_get(seq, json_string_value(json_array_get(tw[i].e, 0))),
					    json_string_value(json_array_get(tw[i].e, 1)));

		if (p < 0 || p != (json_is_integer(po) ? json_integer_value(po) : 0) || twin_of(tw, n, tr->n, q) < 0)
			goto out;
	}
	/* the ids the trip touched are as they were: it touched none */
	json_object_foreach(tr->ids_was, ns, m)
		json_object_foreach(m, key, was) {
			v = json_object_get(json_object_get(ids, ns), key);
			if (!(v == NULL ? json_is_null(was) : json_equal(v, was)))
				goto out;
		}
	ok = true;
	/* the keys first (their numbers read as they are now), then the writes */
	for (i = 0; i < n; i++) {
		json_t *rows = json_object_get(seq, json_string_value(json_array_get(tw[i].e, 0)));
		const char *k = json_string_value(json_array_get(tw[i].e, 1));
		json_t *q = json_object_get(rows, k);

		if (json_is_integer(q) && json_integer_value(q) > tr->n)
			json_object_set_new(rows, k, json_integer(twin_of(tw, n, tr->n, q)));
	}
	for (i = 0; i < n; i++) {
		json_array_set(tw[i].e, 4, json_array_get(tw[i].o, 4));
		json_array_set_new(tw[i].e, 5, json_integer(tw[i].then));
	}
	*n_now = tr->n;
	json_object_clear(*ids_touched);	/* what was set aside, as it was */
out:
	free(tw);
	drop(tr, ids_touched);
	tr->undone = ok ? 1 : -1;
}

void
cd_trip_ids_taken(struct cd_trip *tr, json_t **ids_touched)
{
	/* (not taken during a trip: those set aside, with the trip's) */
	if (tr->ids_touched != NULL) {
		drop(tr, ids_touched);
		tr->undone = -1;
	}
}

int
cd_trip_undone(const struct cd_trip *tr)
{
	return tr->undone;
}
