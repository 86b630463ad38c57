/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents compiled into the entries they want, kind by kind as registered (see cd_compile.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_compile.h"
#include "cd_gc.h"
#include "cd_ids.h"
#include "cd_kind.h"
#include "cd_kx.h"
#include "cd_plan.h"
#include "cd_trip.h"

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
	json_t *plan_rest;	/* the plan's rest to make, at the first step (cd_plan_rest) */
	size_t next;
	bool in_one;		/* queue[next] is under way (a UPF's sessions) */
	bool full, keep_ids;
	/* what changed since the reconciler last took it (cd_compiler_take):
	 * TABLE → KEY → true; all, after a whole compile */
	json_t *pending;
	bool pending_all;
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

static void
one_begin(struct cd_kx *x, int k, const char *name)
{
	const struct cd_kind *kd = cd_kind_at(k);

	json_array_clear(x->id.used_now);
	snprintf(x->who, sizeof(x->who), "%s/%s", kd->name, name);
	json_decref(x->who_js);
	x->who_js = json_string(x->who);
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
	cd_trip_save(x->trip, x->who, json_object_get(x->recs, x->who));
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
	cd_kx_result_set(x, x->who, x->res);
	x->res = NULL;
}

/* Everything compiled again from nothing (the ids stay). */
static void
start_full(struct cd_compiler *cc)
{
	struct cd_kx *x = &cc->x;
	json_t **objs[] = { &x->set, &x->owner, &x->seq, &x->results, &x->unready, &x->undo, &x->pub,
			    &x->idx, &x->recs, &x->shared, &x->counts };
	size_t n = 0;

	/* (the ids the intents held that this compile does not use are
	 * freed by finish's sweep of every id) */
	cd_kx_take_back_end(x);
	json_decref(cc->plan_rest);
	cc->plan_rest = NULL;
	cd_trip_save_all(x->trip, x->recs);
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		cd_gc_free(*objs[i]);
		*objs[i] = objs[i] == &x->undo ? json_array() : json_object();
	}
	cd_ids_unuse_all(&x->id);
	/* numbered from 1, but not on a dry run's trip: its new numbers stay
	 * above those of before it, which the way back gives back */
	if (!cd_trip_armed(x->trip))
		x->n = 0;
	json_decref(x->touched);
	x->touched = NULL;
	cd_kx_privs_clear(x);
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
	if (cd_kx_privs_new(&cc->x) < 0) {
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
	cd_kx_take_back_end(x);
	cd_kx_privs_clear(x);
	cd_kx_privs_free(x);
	json_decref(x->who_js);
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
	json_decref(x->kernel);
	json_decref(cc->pending);
	json_decref(cc->queue);
	json_decref(cc->plan_rest);
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
	cd_kx_take_back_end(x);	/* (an update cut short: its take-back done) */
	cd_trip_begin(x->trip);
	if (keep_ids && !cd_trip_armed(x->trip) && !full)
		cd_trip_arm(x->trip, cc->prev, x->t, cc->kernel_seen, x->n, x->recs, &x->id.touched);
	else if (!keep_ids && cd_trip_armed(x->trip))
		cd_trip_return(x->trip, intents, t, kernel, &x->id.touched);
	x->t = t;
	/* held, not borrowed: a netlink change replaces sxcd's view (and
	 * frees the old one) between the slices of an update under way */
	json_incref(kernel);
	json_decref(x->kernel);
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
	cd_kx_privs_clear(x);
	json_array_clear(cc->queue);
	json_object_clear(cc->changed);
	json_object_clear(cc->partial);
	json_object_clear(cc->compiled);
	json_object_clear(cc->cut);
	json_array_clear(x->id.freed);
	cd_gc_free(x->touched);
	x->touched = json_object();
	json_decref(cc->plan_rest);
	cc->plan_rest = NULL;
	if (full || cd_plan(x, cc->intents, cc->prev, cc->changed, cc->partial, cc->cut, &cc->plan_rest))
		start_full(cc);
}

/* Is @who's spec in the update the one the update before had? */
static bool
spec_kept(struct cd_compiler *cc, const char *who)
{
	const char *name;
	int k = cd_kx_kind_of(who, &name);
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
	json_t *out = json_copy(cc->x.results), *res, *b, *r, *t;
	const char *who;

	if (out == NULL)
		return NULL;
	json_object_foreach(cc->x.unready, who, t) {	/* (the Ready ones are as they are) */
		res = json_object_get(cc->x.results, who);
		if (res == NULL || strcmp(cd_str(res, "phase") ?: "", "Ready") == 0 ||
		    (b = json_object_get(cc->before, who)) == NULL || !spec_kept(cc, who) ||
		    (r = json_copy(res)) == NULL)
			continue;
		json_object_set_new(r, "was", json_string(cd_str(b, "phase") ?: "Pending"));
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

	cd_kx_budget(x, budget_us);
	/* the plan's rest, in a slice of its own */
	if (cc->plan_rest != NULL) {
		json_t *r = cc->plan_rest;

		cc->plan_rest = NULL;
		if (cd_plan_rest(x, cc->intents, r, cc->queue, cc->partial))
			start_full(cc);
		json_decref(r);
		if (cd_kx_over(x))
			return -EAGAIN;
	}
	/* what the plan takes back in slices, first */
	if (!cd_kx_take_back_step(x))
		return -EAGAIN;
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
			cd_trip_save(x->trip, x->who, json_object_get(x->recs, x->who));
			if (kd->part(x, name, spec, json_object_get(x->recs, x->who),
				     json_object_get(cc->partial, x->who)) == 0) {
				json_object_set_new(x->res, "entries", json_integer(0));
				cd_kx_result_set(x, x->who, x->res);
				x->res = NULL;
				json_object_set_new(cc->compiled, x->who, json_true());
				cc->next++;
				continue;
			}
			/* a part failed: the intent compiled whole, as it would be */
			json_decref(x->res);
			x->res = NULL;
			r = json_pack("{s:b}", x->who, 1);
			cd_kx_take_back(&cc->x, r);
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
		    strcmp(cd_str(json_object_get(x->results, x->who), "phase"), "Failed") == 0 &&
		    json_object_get(cc->changed, x->who) != NULL &&
		    (x->order_sensitive || (x->holder[0] != '\0' && cd_plan_later(cc->intents, x->holder, x->who)))) {
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

