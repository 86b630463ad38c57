/* SPDX-License-Identifier: BSD-3-Clause */
/* What an update compiles again, and the compile order it is judged by (see cd_plan.h). */
#include <stdio.h>
#include <string.h>

#include "cd_kind.h"
#include "cd_kx.h"
#include "cd_plan.h"

bool
cd_plan_later(json_t *intents, const char *a, const char *b)
{
	const char *na, *nb;
	int ka = cd_kx_kind_of(a, &na), kb = cd_kx_kind_of(b, &nb);
	json_t *objs;
	void *it;

	if (ka != kb)
		return ka > kb;
	objs = json_object_get(intents, cd_kind_name(ka < 0 ? 0 : ka));
	for (it = json_object_iter(objs); it != NULL; it = json_object_iter_next(objs, it)) {
		if (strcmp(json_object_iter_key(it), nb) == 0)
			return true;	/* b first */
		if (strcmp(json_object_iter_key(it), na) == 0)
			return false;
	}
	return true;
}

#define TAKE_BACK_NOW 4096	/* entries an update takes back in one go; more, in slices */

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
same_for_children(struct cd_kx *x, json_t *intents, const struct cd_kind *kd, const char *who, const char *name)
{
	json_t *rec = json_object_get(x->recs, who);
	json_t *now = json_object_get(json_object_get(intents, kd->name), name);

	if (kd->same_for_children == NULL || rec == NULL || now == NULL ||
	    json_object_get(cd_kx_pub(x, kd->name), name) == NULL ||
	    strcmp(cd_str(json_object_get(x->results, who), "phase") ?: "", "Ready") != 0)
		return false;
	return kd->same_for_children(json_object_get(rec, "spec"), now);
}

/* Kind @k's intents of @objs (its intents, in compile order) that are in
 * @r or @partial ("KIND/NAME" → ...) appended to @queue in that order.
 * One of them alone needs no walk of the kind's thousands of intents. */
static void
queue_kind(int k, json_t *objs, json_t *r, json_t *partial, json_t *queue)
{
	const char *kn = cd_kind_name(k), *who, *name, *one = NULL;
	size_t klen = strlen(kn), n = 0, one_in = 0;
	json_t *sets[] = { r, partial }, *t, *spec;
	char w[300];

	for (size_t i = 0; i < 2; i++)
		json_object_foreach(sets[i], who, t)
			if (strncmp(who, kn, klen) == 0 && who[klen] == '/' && json_object_get(objs, who + klen + 1)) {
				one = who + klen + 1;
				one_in = i;
				n++;
			}
	if (n == 1)
		json_array_append_new(queue, one_in == 0 ? json_pack("[i,s]", k, one) : json_pack("[i,s,b]", k, one, 1));
	if (n <= 1)
		return;
	json_object_foreach(objs, name, spec) {
		snprintf(w, sizeof(w), "%s/%s", kn, name);
		if (json_object_get(r, w) != NULL)
			json_array_append_new(queue, json_pack("[i,s]", k, name));
		else if (json_object_get(partial, w) != NULL)
			json_array_append_new(queue, json_pack("[i,s,b]", k, name, 1));
	}
}

bool
cd_plan(struct cd_kx *x, json_t *intents, json_t *prev, json_t *changed, json_t *partial, json_t *cut,
	json_t **rest)
{
	json_t *r = json_object(), *work = json_array(), *objs, *spec, *rec, *t, *res;
	const char *name, *who, *other;
	char w[300];
	bool full = false;
	size_t i;

	for (int k = 0; k < cd_kinds(); k++) {
		json_t *now = json_object_get(intents, cd_kind_name(k));
		json_t *was = json_object_get(prev, cd_kind_name(k));

		if (prev != NULL && now == was)
			continue;
		json_object_foreach(now, name, spec) {
			if (prev != NULL && json_object_get(was, name) == spec)
				continue;
			snprintf(w, sizeof(w), "%s/%s", cd_kind_name(k), name);
			rec = json_object_get(x->recs, w);
			if (rec == NULL || (json_object_get(rec, "spec") != spec &&
					    !json_equal(json_object_get(rec, "spec"), spec)))
				json_object_set_new(changed, w, json_true());
		}
		json_object_foreach(was, name, spec) {
			snprintf(w, sizeof(w), "%s/%s", cd_kind_name(k), name);
			if (json_object_get(now, name) == NULL && json_object_get(x->recs, w) != NULL)
				json_object_set_new(changed, w, json_true());
		}
	}
	if (prev == NULL) {
		json_object_foreach(x->recs, who, rec) {
			objs = json_object_get(intents, cd_kind_name((int)cd_num(rec, "kind", 0)));
			if (json_object_get(objs, cd_str(rec, "name")) == NULL)
				json_object_set_new(changed, who, json_true());
		}
	}
	json_object_foreach(changed, who, t) {
		const struct cd_kind *kd = cd_kind_at(cd_kx_kind_of(who, &name));
		json_t *chg;

		full = full || (kd != NULL && kd->full_on_change);
		if (kd != NULL && kd->part_ok != NULL && json_object_get(x->recs, who) != NULL &&
		    strcmp(cd_str(json_object_get(x->results, who), "phase") ?: "", "Ready") == 0 &&
		    kd->part_ok(json_object_get(x->recs, who),
				json_object_get(json_object_get(intents, kd->name), name), &chg))
			json_object_set_new(partial, who, chg);
		else
			json_object_set_new(r, who, json_true());
	}
	/* what was not Ready may be now: Pending ones, and Failed ones whose
	 * holder is compiled again, or which ran out of ids or collided with
	 * an intent unnamed (a Failed one holds nothing: cheap) */
	json_object_foreach(x->unready, who, t) {
		const char *ph, *why;

		res = json_object_get(x->results, who);
		ph = cd_str(res, "phase");
		why = cd_str(res, "reason") ?: "";
		const char *h = cd_str(json_object_get(x->recs, who), "holder");

		if (strcmp(ph, "Ready") == 0)
			continue;
		if (strcmp(ph, "Failed") != 0 || (h != NULL && json_object_get(changed, h) != NULL) ||
		    (h == NULL && json_object_size(changed) > 0 && strcmp(why, "bad_value") != 0 &&
		     strcmp(why, "missing") != 0 && strcmp(why, "out_of_range") != 0 &&
		     strcmp(why, "duplicate") != 0 && strcmp(why, "no_space") != 0))
			json_object_set_new(r, who, json_true());
	}
	/* an intent's children (a slice's VDNs, policies and UPFs) read what
	 * it published, unless what changed is not in it (its
	 * same_for_children): then that is checked once it compiled (cut) */
	json_object_foreach(r, who, t) {
		const struct cd_kind *kd = cd_kind_at(cd_kx_kind_of(who, &name));

		if (kd == NULL || !has_children(kd))
			continue;
		if (same_for_children(x, intents, kd, who, name)) {
			json_t *was = json_object_get(cd_kx_pub(x, kd->name), name);

			json_object_set_new(cut, who, was != NULL ? json_deep_copy(was) : json_null());
			continue;
		}
		for (int k = 0; k < cd_kinds(); k++) {
			const struct cd_kind *ck = cd_kind_at(k);

			if (ck->parent == NULL || strcmp(ck->parent, kd->name) != 0)
				continue;
			json_object_foreach(json_object_get(intents, ck->name), other, spec) {
				if (cd_str(spec, ck->parent_field) == NULL || strcmp(cd_str(spec, ck->parent_field), name) != 0)
					continue;
				snprintf(w, sizeof(w), "%s/%s", ck->name, other);
				json_array_append_new(work, json_string(w));
			}
		}
	}
	json_array_foreach(work, i, t)
		json_object_set_new(r, json_string_value(t), json_true());
	json_decref(work);
	if (full) {
		json_decref(r);
		return true;
	}
	*rest = r;
	return false;
}

bool
cd_plan_rest(struct cd_kx *x, json_t *intents, json_t *r, json_t *queue, json_t *partial)
{
	json_t *work = json_array(), *t, *e, *res;
	const char *who, *other;
	char sk[512];
	size_t back = 0, i;

	/* and whoever shares an entry with one of them */
	json_object_foreach(r, who, t)
		json_array_append_new(work, json_string(who));
	while (json_array_size(work) > 0) {
		json_t *cur = json_incref(json_array_get(work, json_array_size(work) - 1));

		json_array_remove(work, json_array_size(work) - 1);
		back += json_array_size(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"));
		json_array_foreach(json_object_get(json_object_get(x->recs, json_string_value(cur)), "journal"), i, e) {
			json_t *ws;

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
		json_object_del(partial, who);
	/* thousands of intents (a whole site's dry run): taken back in slices
	 * by the compiler before it compiles them again, which ids that frees
	 * cannot be known yet: who ran out of them (holding nothing) tries
	 * again all the same */
	if (back > TAKE_BACK_NOW) {
		json_object_foreach(x->results, who, res)
			if (strcmp(cd_str(res, "reason") ?: "", "no_space") == 0)
				json_object_set_new(r, who, json_true());
		if (cd_kx_take_back_begin(x, r) < 0)
			return true;
	} else if (cd_kx_take_back(x, r) < 0) {
		return true;
	} else if (json_array_size(x->id.freed) > 0) {	/* ids given back: who ran out of them tries again */
		json_t *more = json_object();

		json_object_foreach(x->results, who, res)
			if (strcmp(cd_str(res, "reason") ?: "", "no_space") == 0 && json_object_get(r, who) == NULL)
				json_object_set_new(more, who, json_true());
		if (cd_kx_take_back(x, more) < 0) {
			json_decref(more);
			return true;
		}
		json_object_update(r, more);
		json_decref(more);
	}
	/* what is still there, in compile order */
	for (int k = 0; k < cd_kinds(); k++)
		queue_kind(k, json_object_get(intents, cd_kind_name(k)), r, partial, queue);
	return false;
}
