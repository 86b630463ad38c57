/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents: checked, stored, adopted from a store elsewhere; the reconciler's own documents (see cd_res.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cd_clock.h"
#include "cd_lag.h"
#include "cd_log.h"
#include "cd_member.h"
#include "cd_rcore.h"
#include "cd_res.h"
#include "cd_rev.h"
#include "cd_specs.h"
#include "cd_syncer.h"

_Static_assert(STORE_NAME_MAX == CD_NAME_MAX, "the store's name rule is the one features see");

#define STATE_KIND "state"	/* the reconciler's own documents in the store */

#define CD_RES_SLICE_US 5000	/* a large change's store work on the loop at a time */

static const struct timeval no_wait = { 0, 0 };

struct cd_res_waiter {
	struct cd_res_waiter *next;
	void (*fn)(void *arg);
	void *arg;
};

/* A change stored in slices (cd_res_commit_all_async). */
struct cd_res_job {
	struct store_job *sj;
	struct event *ev;
	bool syncing;		/* its temp files written, its syncs on the syncer's thread */
	struct cd_change *ch;
	size_t n;
	json_t *state;		/* a save of state documents: NAME → doc, in memory once stored */
	struct cd_rev_rec rec;	/* the revision it records, into the history once stored */
	cd_res_done *fn;	/* a save's */
	cd_res_committed *cfn;	/* a change's */
	void *arg;
};

const char *
cd_res_now(char *out, size_t len)
{
	return cd_clock_utc(out, len, false);
}

/* One of the reconciler's own documents (ids, what it owns) did not read
 * back: the file is kept aside as evidence, and sxcd goes on without it
 * (ids allocated afresh: the next run moves entries to them in one
 * dataplane-atomic batch; entries of an unreadable owned shard are no
 * longer known to be sxcd's, so never deleted). Said in the log and in
 * /status until sxcd restarts. */
static void
set_aside(struct cd_res *r, const char *name)
{
	char to[PATH_MAX];
	int rc = store_set_aside(r->st, STATE_KIND, name, to, sizeof(to));

	CD_LOG(ERR, "the store's %s/%s.json does not read back: %s%s", STATE_KIND, name,
	       rc == 0 ? "kept as " : "cannot set it aside: ", rc == 0 ? to : strerror(-rc));
	json_array_append_new(r->aside, json_pack("{s:s++,s:s,s:s}", "document", STATE_KIND, "/", name,
						  "file", rc == 0 ? to : "", "message", strncmp(name, "own.", 4) == 0 ?
						  "sxcd's record of entries it owns in sxdp did not read back: "
						  "those entries are no longer deleted by sxcd" :
						  "sxcd's record of the ids it allocated did not read back: ids "
						  "are allocated afresh"));
}

int
cd_res_open(struct store *st, struct cd_schema *sc, struct cd_res **out, json_t **bad)
{
	struct cd_res *r = calloc(1, sizeof(*r));
	json_t *all, *objs, *doc, *errs, *broken = NULL;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	if (r == NULL)
		return -ENOMEM;
	r->st = st;
	r->sc = sc;
	r->docs = json_object();
	r->gone = json_object();
	r->status = json_object();
	r->quar = json_object();
	r->aside = json_array();
	*bad = json_array();
	if ((all = store_load(st, &broken)) == NULL) {
		cd_res_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(broken); i++) {
		const char *w = json_string_value(json_array_get(broken, i)), *sl = strchr(w, '/');
		char k[32], alias[STORE_NAME_MAX + 1];

		snprintf(k, sizeof(k), "%.*s", sl ? (int)(sl - w) : 0, w);
		if (sl != NULL && strcmp(k, STATE_KIND) == 0) {
			set_aside(r, sl + 1);
			continue;
		}
		if (sl != NULL && strcmp(k, CD_REV_KIND) == 0) {
			CD_LOG(ERR, "the store's %s.json does not read back: left out of the history", w);
			continue;
		}
		if (sl == NULL || cd_kind_of(k) < 0)
			continue;
		if (strlen(sl + 1) <= STORE_NAME_MAX) {
			json_array_append_new(*bad, json_pack("{s:s,s:s}", "intent", w, "message", "not JSON"));
			json_object_set_new(cd_rcore_docs(r->quar, cd_kind_of(k)), sl + 1,
					    json_pack("{s:s}", "message", "the stored file is not JSON"));
			continue;
		}
		/* a name an older sxcd took: quarantined under one the API
		 * takes (its start and a hash), so that a DELETE can decide */
		{
			uint32_t h = 2166136261u;

			for (const char *p = sl + 1; *p != '\0'; p++)
				h = (h ^ (uint8_t)*p) * 16777619u;
			snprintf(alias, sizeof(alias), "%.54s-%08x", sl + 1, h);
		}
		json_array_append_new(*bad, json_pack("{s:s,s:s}", "intent", w, "message",
						      "a name longer than 63 characters"));
		json_object_set_new(cd_rcore_docs(r->quar, cd_kind_of(k)), alias, json_pack(
			"{s:s,s:s+++}", "file", sl + 1, "message", "stored as ", w, ".json by an older "
			"sxcd: its name is longer than the 63 characters a name has now; kept, and its "
			"entries in sxdp, until a DELETE of ", alias));
	}
	json_decref(broken);
	if ((r->rev = cd_rev_new(json_object_get(all, CD_REV_KIND), 0, 0)) == NULL) {
		json_decref(all);
		cd_res_free(r);
		return -ENOMEM;
	}
	r->state = json_incref(json_object_get(all, STATE_KIND));
	if (r->state == NULL)
		r->state = json_object();
	json_object_foreach(all, kind, objs) {
		int k = cd_kind_of(kind);

		if (k < 0)
			continue;
		json_object_foreach(objs, name, doc) {
			errs = json_array();
			snprintf(who, sizeof(who), "%s/%s", kind, name);
			if (cd_schema_check(sc, cd_kind_schema(k),
					    json_object_get(doc, "spec"), "/spec", errs) == 0 &&
			    json_integer_value(json_object_get(json_object_get(doc, "metadata"),
							       "generation")) > 0) {
				json_int_t sn = json_integer_value(json_object_get(
					json_object_get(doc, "metadata"), "serial"));

				json_object_set(cd_rcore_docs(r->docs, k), name, doc);
				if (sn > r->serial)
					r->serial = sn;
			} else {
				char *m = json_dumps(json_array_size(errs) ? errs : json_string(
					"no metadata.generation"), JSON_COMPACT | JSON_ENCODE_ANY);

				json_array_append_new(*bad, json_pack("{s:s,s:O}", "intent", who,
								      "message", errs));
				json_object_set_new(cd_rcore_docs(r->quar, k), name, json_pack(
					"{s:s+}", "message", "the stored intent is no longer valid: ",
					m ? m : ""));
				free(m);
			}
			json_decref(errs);
		}
	}
	json_decref(all);
	*out = r;
	return 0;
}

void
cd_res_free(struct cd_res *r)
{
	if (r == NULL)
		return;
	json_decref(r->docs);
	json_decref(r->gens);
	json_decref(r->phases);
	json_decref(r->gone);
	json_decref(r->status);
	json_decref(r->state);
	json_decref(r->quar);
	json_decref(r->aside);
	json_decref(r->specs);
	json_decref(r->rinfo);
	if (r->job != NULL) {	/* its store work finished; nobody left to tell */
		if (r->job->syncing)
			cd_syncer_wait(r->syncer);
		store_job_free(r->job->sj);
		event_free(r->job->ev);
		cd_rev_rec_clear(&r->job->rec);
		free(r->job);
	}
	cd_syncer_free(r->syncer);
	for (struct cd_res_waiter *w = r->waiters, *n; w != NULL; w = n) {   /* nobody left to tell */
		n = w->next;
		free(w);
	}
	if (r->free_ev != NULL)
		event_free(r->free_ev);
	cd_rev_free(r->rev);
	free(r);
}

static json_int_t
generation_of(json_t *doc)
{
	return json_integer_value(json_object_get(json_object_get(doc, "metadata"), "generation"));
}

/* Whether @nw (a new spec) equals @old; on the way, each of its members
 * (and each element of an array member) equal to @old's is made @old's
 * very object, so that what compiles it tells an unchanged part by its
 * pointer (a UPF's one session changed among thousands: one compare
 * here, not one per session in every update after). */
static bool
share_same(json_t *nw, json_t *old, int depth)
{
	const char *k;
	json_t *v, *o;
	size_t i;
	bool all;

	if (depth == 0 && json_is_object(nw) && json_is_object(old)) {
		all = json_object_size(nw) == json_object_size(old);
		json_object_foreach(nw, k, v) {
			if ((o = json_object_get(old, k)) == NULL)
				all = false;
			else if (o != v && share_same(v, o, 1))
				json_object_set(nw, k, o);	/* in place: the walk goes on */
			else if (o != v)
				all = false;
		}
		return all;
	}
	if (depth == 1 && json_is_array(nw) && json_is_array(old)) {
		all = json_array_size(nw) == json_array_size(old);
		json_array_foreach(nw, i, v) {
			if ((o = json_array_get(old, i)) != NULL && (o == v || json_equal(v, o)))
				json_array_set(nw, i, o);
			else
				all = false;
		}
		return all;
	}
	return json_equal(nw, old);
}

/* @ch's document: @spec over @cur (the stored one, or NULL), its action
 * and generation. 200, or 500 (no memory). */
static int
stamp(struct cd_res *r, struct cd_change *ch, json_t *spec, json_t *cur)
{
	json_t *cm = json_object_get(cur, "metadata");
	json_int_t have = cur != NULL ? generation_of(cur) : 0;
	char now[32];

	if (cur != NULL && share_same(spec, json_object_get(cur, "spec"), 0)) {
		ch->action = "unchanged";
		ch->generation = have;
		ch->doc = json_incref(cur);
		return 200;
	}
	cd_res_now(now, sizeof(now));
	ch->action = cur != NULL ? "replaced" : "created";
	ch->generation = have + 1;
	ch->doc = json_pack("{s:s,s:{s:s,s:I,s:I,s:s,s:s},s:O}", "kind", cd_kind_name(ch->kind),
			    "metadata", "name", ch->name, "generation", ch->generation,
			    /* creation order: the older of two colliding intents wins */
			    "serial", cur ? json_integer_value(json_object_get(cm, "serial")) : r->serial + 1,
			    "created", cur ? json_string_value(json_object_get(cm, "created")) : now,
			    "updated", now, "spec", spec);
	if (cur == NULL)
		r->serial++;
	return ch->doc != NULL ? 200 : 500;
}

static int check_stored(struct cd_res *r, int kind, const char *name, json_t *spec, json_int_t expected,
			bool create_only, const char *base, json_t *errs, struct cd_change *ch);

int
cd_res_check(struct cd_res *r, int kind, const char *name, json_t *body,
	     json_int_t expected, bool create_only, const char *base, json_t *errs,
	     struct cd_change *ch)
{
	json_t *meta = json_object_get(body, "metadata"), *spec = NULL, *bk;
	const char *bname = json_string_value(json_object_get(meta, "name"));
	char ptr[256];

	/* checked against what is stored: not a job under way's, whose syncs
	 * the loop would wait for; the commit checks again once it is done
	 * (cd_res_recheck) */
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	snprintf(ch->base, sizeof(ch->base), "%s", base);
	if (body != NULL) {
		snprintf(ptr, sizeof(ptr), "%s", base);
		if (cd_schema_check(r->sc, "IntentIn", body, ptr, errs) > 0)
			return 400;
		snprintf(ptr, sizeof(ptr), "%s/spec", base);
		spec = json_object_get(body, "spec");
		if (cd_schema_check(r->sc, cd_kind_schema(kind), spec, ptr, errs) > 0)
			return 400;
		bk = json_object_get(body, "kind");
		if (bk != NULL && cd_kind_of(json_string_value(bk)) != (int)kind) {
			snprintf(ptr, sizeof(ptr), "%s/kind", base);
			cd_schema_err(errs, ptr, "bad_value", "kind '%s' in a request for %s",
				      json_string_value(bk), cd_kind_name(kind));
			return 400;
		}
		if (cd_kind_only(kind) != NULL)
			name = cd_kind_only(kind);
		if (name != NULL && bname != NULL && strcmp(name, bname) != 0) {
			snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
			cd_schema_err(errs, ptr, "bad_value", "metadata.name '%s' is not the '%s' of "
				      "the path", bname, name);
			return 400;
		}
		if (name == NULL)
			name = bname;
		if (name == NULL) {
			snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
			cd_schema_err(errs, ptr, "missing", "a %s intent needs metadata.name",
				      cd_kind_name(kind));
			return 400;
		}
		if (json_object_get(meta, "generation") != NULL) {
			if (expected >= 0 && expected != generation_of(body)) {
				snprintf(ptr, sizeof(ptr), "%s/metadata/generation", base);
				cd_schema_err(errs, ptr, "bad_value", "metadata.generation %"
					      JSON_INTEGER_FORMAT " and expected_generation %"
					      JSON_INTEGER_FORMAT " disagree", generation_of(body),
					      expected);
				return 400;
			}
			expected = generation_of(body);
		}
	}
	return check_stored(r, kind, name, spec, expected, create_only, base, errs, ch);
}

int
cd_res_check_member(struct cd_res *r, int kind, const char *name, json_int_t key, json_t *m,
		    json_int_t expected, const char *base, json_t *errs, struct cd_change *ch)
{
	json_t *cur, *spec;
	char ptr[256];
	int rc;

	/* the spec made from what is stored (made again at the commit, once
	 * a job under way is done: cd_res_recheck) */
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	snprintf(ch->base, sizeof(ch->base), "%s", base);
	if ((cur = json_object_get(cd_rcore_docs(r->docs, kind), name)) == NULL) {
		cd_schema_err(errs, base, "not_found", "no %s/%s", cd_kind_name(kind), name);
		return 404;
	}
	rc = cd_member_put(kind, json_object_get(cur, "spec"), key, m, cd_member_max(r->sc, kind), &spec);
	if (rc < 0) {
		snprintf(ptr, sizeof(ptr), "%s/spec", base);
		cd_schema_err(errs, ptr, rc == -E2BIG ? "too_many" : rc == -ENOENT ? "not_found" : "no_memory",
			      rc == -E2BIG ? "%s/%s holds the most members it may (%zu)" :
			      rc == -ENOENT ? "%s/%s has no such member" : "%s/%s: out of memory",
			      cd_kind_name(kind), name, cd_member_max(r->sc, kind));
		return rc == -E2BIG ? 422 : rc == -ENOENT ? 404 : 500;
	}
	rc = check_stored(r, kind, name, spec, expected, false, base, errs, ch);
	json_decref(spec);
	if (rc == 200) {
		ch->member = m != NULL ? json_incref(m) : json_null();
		ch->member_key = key;
	}
	return rc;
}

/* The rest of a check, against what is stored: @spec (NULL: a withdrawal). */
static int
check_stored(struct cd_res *r, int kind, const char *name, json_t *spec, json_int_t expected,
	     bool create_only, const char *base, json_t *errs, struct cd_change *ch)
{
	json_t *cur;
	char ptr[256];
	json_int_t have;

	if (name == NULL || !store_name_ok(name) || strlen(name) >= sizeof(ch->name)) {
		snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
		cd_schema_err(errs, ptr, "bad_value", "a name is 1..63 of [A-Za-z0-9_.-], not starting "
			      "with '.'");
		return 400;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	cur = json_object_get(cd_rcore_docs(r->docs, kind), name);
	have = cur != NULL ? generation_of(cur) : 0;
	if (create_only && cur != NULL) {
		cd_schema_err(errs, base, "exists", "%s/%s exists (generation %" JSON_INTEGER_FORMAT
			      "): PUT replaces it", cd_kind_name(kind), name, have);
		return 409;
	}
	if (expected >= 0 && expected != have) {
		snprintf(ptr, sizeof(ptr), "%s/metadata/generation", base);
		cd_schema_err(errs, ptr, "stale_generation", "%s/%s is at generation %"
			      JSON_INTEGER_FORMAT ", not %" JSON_INTEGER_FORMAT, cd_kind_name(kind),
			      name, have, expected);
		return 409;
	}
	ch->seen = have;
	ch->cond = expected >= 0 || create_only;
	if (spec == NULL) {
		if (cur == NULL && json_object_get(cd_rcore_docs(r->quar, kind), name) != NULL) {
			/* the operator's decision on a quarantined file: it goes, and
			 * so do the entries sxcd kept for it */
			ch->action = "withdrawn";
			return 200;
		}
		if (cur == NULL) {
			cd_schema_err(errs, base, "not_found", "no %s/%s", cd_kind_name(kind), name);
			return 404;
		}
		ch->action = "withdrawn";
		ch->generation = have;
		return 200;
	}
	return stamp(r, ch, spec, cur);
}

int
cd_res_recheck(struct cd_res *r, struct cd_change *ch, size_t n, json_t *errs)
{
	int code = 200;

	cd_res_flush(r);	/* what a store job under way writes counts */
	for (size_t i = 0; i < n; i++) {
		json_t *cur = json_object_get(cd_rcore_docs(r->docs, ch[i].kind), ch[i].name), *spec;
		json_int_t have = cur != NULL ? generation_of(cur) : 0;
		char ptr[64];
		int rc;

		if (have == ch[i].seen)
			continue;
		if (ch[i].cond) {
			snprintf(ptr, sizeof(ptr), "%s/metadata/generation", ch[i].base);
			cd_schema_err(errs, ptr, ch[i].seen == 0 ? "exists" : "stale_generation",
				      "%s/%s changed meanwhile (generation %" JSON_INTEGER_FORMAT ", not %"
				      JSON_INTEGER_FORMAT "): nothing changed (read it again, then write)",
				      cd_kind_name(ch[i].kind), ch[i].name, have, ch[i].seen);
			code = 409;
			continue;
		}
		ch[i].seen = have;
		if (ch[i].doc == NULL) {	/* a withdrawal of whatever is there now */
			ch[i].generation = have;
			continue;
		}
		spec = json_incref(json_object_get(ch[i].doc, "spec"));
		if (ch[i].member != NULL) {	/* the member again, on the spec stored now */
			json_decref(spec);
			spec = NULL;
			rc = cur == NULL ? -ENOENT :
			     cd_member_put(ch[i].kind, json_object_get(cur, "spec"), ch[i].member_key,
					   json_is_null(ch[i].member) ? NULL : ch[i].member,
					   cd_member_max(r->sc, ch[i].kind), &spec);
			if (rc < 0) {
				snprintf(ptr, sizeof(ptr), "%s/spec", ch[i].base);
				cd_schema_err(errs, ptr, rc == -E2BIG ? "too_many" : "not_found",
					      "%s/%s changed meanwhile (generation %" JSON_INTEGER_FORMAT
					      "): %s", cd_kind_name(ch[i].kind), ch[i].name, have,
					      cur == NULL ? "it is gone" : rc == -E2BIG ? "no room for another member" :
					      "the member is gone");
				code = code == 200 ? 409 : code;
				continue;
			}
		}
		json_decref(ch[i].doc);
		ch[i].doc = NULL;
		if (stamp(r, &ch[i], spec, cur) != 200)
			code = 500;
		json_decref(spec);
	}
	return code;
}

static void specs_change(struct cd_res *r, struct cd_change *ch);

/* Intent @who's generation is @doc's now (NULL: it is gone), in the
 * generations handed out: a copy changed, as a run holds the one it began
 * with (a copy of pointers, not thousands of names formatted again). */
static void
gens_change(struct cd_res *r, const char *who, json_t *doc)
{
	json_t *g;

	if (r->gens == NULL)
		return;
	g = json_copy(r->gens);
	json_decref(r->gens);
	r->gens = g;
	if (g == NULL)
		return;
	if (doc == NULL)
		json_object_del(g, who);
	else
		json_object_set_new(g, who, json_integer(generation_of(doc)));
}

/* A change the store holds now, in memory (@specs: in the specs and
 * generations handed out too; false: the caller does that). */
static void
commit_mem(struct cd_res *r, struct cd_change *ch, bool specs)
{
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *cur, *st;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch->kind), ch->name);
	cd_rcore_stale(r);
	json_object_del(cd_rcore_docs(r->quar, ch->kind), ch->name);
	if (specs) {
		specs_change(r, ch);
		gens_change(r, who, ch->doc);
	}
	if (ch->doc == NULL) {
		cur = json_object_get(cd_rcore_docs(r->docs, ch->kind), ch->name);
		if (cur == NULL)	/* a quarantined file: nothing to list as withdrawing */
			return;
		json_object_set(cd_rcore_docs(r->gone, ch->kind), ch->name, cur);
		json_object_del(cd_rcore_docs(r->docs, ch->kind), ch->name);
		cd_rcore_phase(r, who, "Withdrawing", -1);
		return;
	}
	json_object_set(cd_rcore_docs(r->docs, ch->kind), ch->name, ch->doc);
	json_object_del(cd_rcore_docs(r->gone, ch->kind), ch->name);
	st = json_object_get(r->status, who);
	/* put again while its withdrawal runs: a live intent, not Withdrawing */
	if (st == NULL || strcmp(json_string_value(json_object_get(st, "phase")) ?: "",
				 "Withdrawing") == 0) {
		json_object_del(r->status, who);
		cd_rcore_phase(r, who, "Pending", 0);
	}
}

/* The file a withdrawal removes: its name's, or the longer one an older
 * sxcd stored the quarantined intent under. */
static const char *
quar_file(struct cd_res *r, struct cd_change *ch)
{
	const char *file = json_string_value(json_object_get(json_object_get(cd_rcore_docs(r->quar, ch->kind),
									     ch->name), "file"));

	return file != NULL ? file : ch->name;
}

int
cd_res_commit(struct cd_res *r, struct cd_change *ch, const struct cd_rev_who *who, json_int_t *rev)
{
	if (rev != NULL)
		*rev = 0;
	if (strcmp(ch->action, "unchanged") == 0)	/* nothing to store, here or elsewhere */
		return 0;
	return cd_res_commit_all(r, ch, 1, who, rev);
}

/* The changes in memory, once stored. */
static void
commit_all_mem(struct cd_res *r, struct cd_change *ch, size_t n)
{
	/* the specs handed out change once for all of them, not once each
	 * (each a copy of the kind's thousands) */
	if (r->specs != NULL) {
		json_t *sp = cd_specs_with(r->specs, ch, n);

		json_decref(r->specs);
		r->specs = sp;
	}
	json_decref(r->gens);	/* made again when asked */
	r->gens = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i].action, "unchanged") != 0)
			commit_mem(r, &ch[i], false);
}

/* The store job of @n changes @ch and (@who) the revision recording them
 * (in @rec, for cd_rev_kept once stored). */
static int
commit_start(struct cd_res *r, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
	     struct store_job **j, struct cd_rev_rec *rec)
{
	struct store_op *ops = calloc(n + 1, sizeof(*ops)), *all;
	json_t **before = calloc(n + 1, sizeof(*before));
	size_t m = 0;
	int rc = 0;

	*j = NULL;
	*rec = (struct cd_rev_rec){ 0 };
	if (ops == NULL || before == NULL) {
		free(ops);
		free(before);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		before[i] = json_object_get(cd_rcore_docs(r->docs, ch[i].kind), ch[i].name);
		if (strcmp(ch[i].action, "unchanged") != 0)
			ops[m++] = (struct store_op){ .kind = cd_kind_name(ch[i].kind), .name = ch[i].doc ?
						      ch[i].name : quar_file(r, &ch[i]), .doc = ch[i].doc };
	}
	if (m > 0 && who != NULL)
		rc = cd_rev_record(r->rev, ch, before, n, who, rec);
	free(before);
	if (rc == 0 && rec->doc != NULL) {
		/* the revision and the oldest it pushes out, with the change */
		if ((all = realloc(ops, (m + rec->nout + 1) * sizeof(*ops))) == NULL) {
			rc = -ENOMEM;
		} else {
			ops = all;
			for (size_t i = 0; i < rec->nout; i++)
				ops[m++] = (struct store_op){ .kind = CD_REV_KIND, .name = rec->out[i] };
			ops[m++] = (struct store_op){ .kind = CD_REV_KIND, .name = rec->name, .doc = rec->doc };
		}
	}
	if (rc == 0 && m > 0)
		rc = store_apply_start(r->st, ops, m, j);
	free(ops);
	if (rc < 0)
		cd_rev_rec_clear(rec);
	return rc;
}

/* The revision in @rec (or none) is stored with its change: its number. */
static json_int_t
rev_kept(struct cd_res *r, struct cd_rev_rec *rec)
{
	return rec->doc != NULL ? cd_rev_kept(r->rev, rec, 0) : 0;
}

int
cd_res_commit_all(struct cd_res *r, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
		  json_int_t *rev)
{
	struct cd_rev_rec rec;
	struct store_job *j;
	json_int_t at;
	int rc;

	if (rev != NULL)
		*rev = 0;
	if (r->rcommit != NULL)
		return -EOPNOTSUPP;
	cd_res_flush(r);
	if ((rc = commit_start(r, ch, n, who, &j, &rec)) < 0)
		return rc;
	rc = j != NULL ? store_apply_step(j, 0) : 0;
	store_job_free(j);
	if (rc == 0) {
		commit_all_mem(r, ch, n);
		at = rev_kept(r, &rec);
		if (rev != NULL)
			*rev = at;
	} else {
		cd_rev_rec_clear(&rec);
	}
	return rc;
}

/* The job under way is over (@rc): in memory if stored, then said. */
static void
job_end(struct cd_res *r, int rc)
{
	struct cd_res_job *j = r->job;
	json_int_t at = 0;

	r->job = NULL;
	store_job_free(j->sj);
	event_free(j->ev);
	if (rc == 0 && j->state != NULL) {
		const char *what;
		json_t *doc;

		json_object_foreach(j->state, what, doc)
			if (json_object_get(r->state, what) != doc)
				json_object_set(r->state, what, doc);
	} else if (rc == 0 && j->cfn != NULL) {   /* (a change's: not a revision result's) */
		at = rev_kept(r, &j->rec);
		commit_all_mem(r, j->ch, j->n);
	}
	cd_rev_rec_clear(&j->rec);
	json_decref(j->state);
	if (j->cfn != NULL)
		j->cfn(j->arg, rc, at);
	else
		j->fn(j->arg, rc);
	free(j);
	if (r->waiters != NULL && r->free_ev != NULL)
		event_active(r->free_ev, EV_TIMEOUT, 0);
}

/* The store is free: those waiting for it go, until one starts a job. */
static void
on_free(evutil_socket_t fd, short what, void *arg)
{
	struct cd_res *r = arg;
	struct cd_res_waiter *w;

	(void)fd;
	(void)what;
	while (r->job == NULL && (w = r->waiters) != NULL) {
		r->waiters = w->next;
		if (r->waiters == NULL)
			r->waiters_tail = &r->waiters;
		r->in_free = true;
		w->fn(w->arg);
		r->in_free = false;
		free(w);
	}
}

bool
cd_res_busy(const struct cd_res *r)
{
	return r->job != NULL || (r->waiters != NULL && !r->in_free);
}

void
cd_res_when_free(struct cd_res *r, void (*fn)(void *arg), void *arg)
{
	struct cd_res_waiter *w;

	if (!cd_res_busy(r) || r->free_ev == NULL || (w = malloc(sizeof(*w))) == NULL) {
		fn(arg);   /* (no loop, or no memory to wait: now, as before) */
		return;
	}
	*w = (struct cd_res_waiter){ .fn = fn, .arg = arg };
	if (r->waiters == NULL)
		r->waiters_tail = &r->waiters;
	*r->waiters_tail = w;
	r->waiters_tail = &w->next;
	if (r->job == NULL)   /* only waiters: they go from the loop */
		event_active(r->free_ev, EV_TIMEOUT, 0);
}

static void
on_synced(void *arg, int rc)
{
	job_end(arg, rc);
}

static void
job_slice(evutil_socket_t fd, short what, void *arg)
{
	struct cd_res *r = arg;
	uint64_t t0 = cd_lag_enter();
	struct cd_res_job *j = r->job;
	int rc;

	(void)fd;
	(void)what;
	/* the temp files here, in slices; the syncs on the syncer's thread
	 * (without one, here too) */
	rc = r->syncer != NULL ? store_apply_write(j->sj, CD_RES_SLICE_US) : store_apply_step(j->sj, CD_RES_SLICE_US);
	if (rc == -EAGAIN)
		evtimer_add(j->ev, &no_wait);	/* a timer: an active event would run again before the loop's other work */
	else if (rc < 0 || r->syncer == NULL)
		job_end(r, rc);
	else if (cd_syncer_start(r->syncer, j->sj, on_synced, r) == 0)
		j->syncing = true;
	else
		job_end(r, store_apply_step(j->sj, 0));
	cd_lag_leave(t0, "store: apply");
}

/* ------------------------------------------------------------ a store elsewhere */

void
cd_res_set_remote(struct cd_res *r, const struct cd_res_remote *rem)
{
	r->rcommit = rem->commit;
	r->rresult = rem->result;
	r->rctx = rem->ctx;
}

bool
cd_res_is_remote(struct cd_res *r)
{
	return r->rcommit != NULL;
}

void
cd_res_remote_info_set(struct cd_res *r, json_t *info)
{
	json_incref(info);
	json_decref(r->rinfo);
	r->rinfo = info;
}

json_t *
cd_res_remote_info(struct cd_res *r)
{
	return r->rinfo;
}

/* A revision's result, stored as a job of its own (after the one under
 * way): its syncs on their thread, never on the loop. */
struct rev_put {
	struct cd_res *r;
	char *name;
	json_t *doc;
};

static void
rev_put_done(void *arg, int rc)
{
	struct rev_put *p = arg;

	if (rc < 0)
		CD_LOG(WARN, "revision result %s not stored: %s", p->name, strerror(-rc));
	free(p->name);
	json_decref(p->doc);
	free(p);
}

static void
rev_put_go(void *arg)
{
	struct rev_put *p = arg;
	struct cd_res *r = p->r;
	struct store_op ops[1] = { { .kind = CD_REV_KIND, .name = p->name, .doc = p->doc } };
	struct cd_res_job *j = calloc(1, sizeof(*j));
	int rc;

	if (j == NULL || (j->ev = event_new(r->base, -1, 0, job_slice, r)) == NULL ||
	    (rc = store_apply_start(r->st, ops, 1, &j->sj)) < 0) {
		rc = j == NULL || j->ev == NULL ? -ENOMEM : rc;
		if (j != NULL && j->ev != NULL)
			event_free(j->ev);
		free(j);
		rev_put_done(p, rc);
		return;
	}
	j->fn = rev_put_done;
	j->arg = p;
	r->job = j;
	evtimer_add(j->ev, &no_wait);
}

int
cd_res_rev_result(struct cd_res *r, json_int_t rev, json_t *result)
{
	const char *name;
	json_int_t at;
	json_t *doc = cd_rev_result(r->rev, rev, result, &name, &at);

	if (doc == NULL)
		return -ENOENT;
	if (r->rresult != NULL) {	/* the store elsewhere's: written there, if still there */
		r->rresult(r->rctx, name, at, doc);
		return 0;
	}
	if (r->base != NULL && r->free_ev != NULL) {
		struct rev_put *p = malloc(sizeof(*p));

		if (p == NULL || (p->name = strdup(name)) == NULL) {
			free(p);
			return -ENOMEM;
		}
		p->r = r;
		p->doc = json_incref(doc);
		cd_res_when_free(r, rev_put_go, p);
		return 0;
	}
	cd_res_flush(r);
	return store_put(r->st, CD_REV_KIND, name, doc);
}

struct cd_rev *
cd_res_history(struct cd_res *r)
{
	return r->rev;	/* a large apply's under way joins it once stored */
}

struct store *
cd_res_store(struct cd_res *r)
{
	return r->st;
}

json_t *
cd_res_docs(struct cd_res *r)
{
	return r->docs;
}

json_int_t
cd_res_generation(struct cd_res *r, int kind, const char *name)
{
	return generation_of(json_object_get(cd_rcore_docs(r->docs, kind), name));
}

bool
cd_res_valid(struct cd_res *r, int kind, json_t *doc, json_t *errs)
{
	return cd_schema_check(r->sc, cd_kind_schema(kind), json_object_get(doc, "spec"), "/spec",
			       errs) <= 0 && json_is_object(json_object_get(doc, "metadata"));
}

int
cd_res_adopt(struct cd_res *r, int kind, const char *name, json_t *doc, json_int_t generation,
	     json_int_t serial, int *cached)
{
	struct cd_change ch = { .kind = kind };
	json_t *cur = json_object_get(cd_rcore_docs(r->docs, kind), name), *nd;

	cd_res_flush(r);	/* the store is the job's until it is over */
	*cached = 0;
	snprintf(ch.name, sizeof(ch.name), "%s", name);
	if (doc == NULL) {
		if (cur == NULL && json_object_get(cd_rcore_docs(r->quar, kind), name) == NULL)
			return 0;
		if ((*cached = store_del(r->st, cd_kind_name(kind), name)) == -ENOENT)
			*cached = 0;
		ch.action = "withdrawn";
		commit_mem(r, &ch, true);
		return 1;
	}
	nd = json_deep_copy(doc);
	json_object_set_new(nd, "kind", json_string(cd_kind_name(kind)));
	json_object_set_new(json_object_get(nd, "metadata"), "name", json_string(name));
	json_object_set_new(json_object_get(nd, "metadata"), "generation", json_integer(generation));
	json_object_set_new(json_object_get(nd, "metadata"), "serial", json_integer(serial));
	if (serial > r->serial)
		r->serial = serial;
	if (cur != NULL && json_equal(json_object_get(cur, "spec"), json_object_get(nd, "spec"))) {
		/* the same spec (the remote's answer to our own write): its metadata only */
		json_object_set_new(json_object_get(cur, "metadata"), "generation", json_integer(generation));
		json_object_set_new(json_object_get(cur, "metadata"), "serial", json_integer(serial));
		json_decref(nd);
		*cached = store_put(r->st, cd_kind_name(kind), name, cur);
		return 0;
	}
	if (cur != NULL)
		share_same(json_object_get(nd, "spec"), json_object_get(cur, "spec"), 0);
	*cached = store_put(r->st, cd_kind_name(kind), name, nd);
	ch.doc = nd;
	ch.action = cur != NULL ? "replaced" : "created";
	commit_mem(r, &ch, true);
	json_decref(nd);
	return 1;
}

void
cd_res_commit_all_async(struct cd_res *r, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
			cd_res_committed *fn, void *arg)
{
	struct cd_rev_rec rec;
	struct cd_res_job *j;
	json_int_t at = 0;
	int rc;

	if (r->rcommit != NULL) {	/* it decides, and answers later */
		r->rcommit(r->rctx, ch, n, who, fn, arg);
		return;
	}
	cd_res_flush(r);
	if (r->base == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		rc = cd_res_commit_all(r, ch, n, who, &at);
		fn(arg, rc, at);
		return;
	}
	if ((rc = commit_start(r, ch, n, who, &j->sj, &rec)) < 0 || j->sj == NULL ||
	    (j->ev = event_new(r->base, -1, 0, job_slice, r)) == NULL) {
		/* a job started is finished by store_job_free: stored all the same */
		store_job_free(j->sj);
		free(j);
		if (rc == 0) {
			commit_all_mem(r, ch, n);
			at = rev_kept(r, &rec);
		}
		cd_rev_rec_clear(&rec);
		fn(arg, rc, at);
		return;
	}
	*j = (struct cd_res_job){ .sj = j->sj, .ev = j->ev, .ch = ch, .n = n, .rec = rec, .cfn = fn, .arg = arg };
	r->job = j;
	evtimer_add(j->ev, &no_wait);
}

void
cd_res_flush(struct cd_res *r)
{
	if (r->job != NULL)
		job_end(r, r->job->syncing ? cd_syncer_wait(r->syncer) : store_apply_step(r->job->sj, 0));
}

void
cd_res_set_base(struct cd_res *r, struct event_base *base)
{
	r->base = base;
	if (r->free_ev == NULL && base != NULL)
		r->free_ev = event_new(base, -1, 0, on_free, r);
	if (r->syncer == NULL && base != NULL && (r->syncer = cd_syncer_new(base)) == NULL)
		CD_LOG(WARN, "no thread for the store's syncs: they hold the loop");
}

bool
cd_res_live(struct cd_res *r, int kind, const char *name)
{
	return json_object_get(cd_rcore_docs(r->docs, kind), name) != NULL;
}

static json_t *
specs_all(struct cd_res *r)
{
	if (r->specs == NULL)
		r->specs = cd_specs_of(r->docs);
	return r->specs;
}

/* A change commits: the specs handed out from now on have it. */
static void
specs_change(struct cd_res *r, struct cd_change *ch)
{
	json_t *n;

	if (r->specs == NULL)
		return;
	n = cd_specs_with(r->specs, ch, 1);
	json_decref(r->specs);
	r->specs = n;
}

json_t *
cd_res_specs(struct cd_res *r, struct cd_change *changes, size_t n)
{
	return n == 0 ? json_incref(specs_all(r)) : cd_specs_with(specs_all(r), changes, n);
}

json_t *
cd_res_generations(struct cd_res *r)
{
	json_t *objs, *doc;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	if (r->gens != NULL)
		return json_incref(r->gens);
	r->gens = json_object();
	json_object_foreach(r->docs, kind, objs) {
		json_object_foreach(objs, name, doc) {
			snprintf(who, sizeof(who), "%s/%s", kind, name);
			json_object_set_new(r->gens, who, json_integer(generation_of(doc)));
		}
	}
	return json_incref(r->gens);
}

json_t *
cd_res_set_aside(struct cd_res *r)
{
	return json_incref(r->aside);
}

json_t *
cd_res_state(struct cd_res *r, const char *what)
{
	json_t *d = json_object_get(r->state, what);

	if (d == NULL) {
		json_object_set_new(r->state, what, json_object());
		d = json_object_get(r->state, what);
	}
	return d;
}

void
cd_res_state_put(struct cd_res *r, const char *what, json_t *doc)
{
	if (json_object_get(r->state, what) != doc)
		json_object_set(r->state, what, doc);
}

int
cd_res_save(struct cd_res *r, const char *what, json_t *doc)
{
	int rc;

	cd_res_flush(r);
	rc = store_put(r->st, STATE_KIND, what, doc);
	if (rc == 0 && json_object_get(r->state, what) != doc)
		json_object_set(r->state, what, doc);
	return rc;
}

static struct store_op *
state_ops(const char **what, json_t **docs, size_t n)
{
	struct store_op *ops = calloc(n + 1, sizeof(*ops));

	for (size_t i = 0; ops != NULL && i < n; i++)
		ops[i] = (struct store_op){ .kind = STATE_KIND, .name = what[i], .doc = docs[i] };
	return ops;
}

int
cd_res_save_all(struct cd_res *r, const char **what, json_t **docs, size_t n)
{
	struct store_op *ops;
	int rc;

	cd_res_flush(r);
	if ((ops = state_ops(what, docs, n)) == NULL)
		return -ENOMEM;
	rc = n > 0 ? store_apply(r->st, ops, n) : 0;
	free(ops);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (json_object_get(r->state, what[i]) != docs[i])
			json_object_set(r->state, what[i], docs[i]);
	return rc;
}

/* A save that waits for the store to be free (cd_res_save_all_async). */
struct later_save {
	struct cd_res *r;
	size_t n;
	cd_res_done *fn;
	void *arg;
	json_t *docs;	/* NAME → doc */
};

static void
save_later(void *arg)
{
	struct later_save *ls = arg;
	const char *what[ls->n ? ls->n : 1];
	json_t *docs[ls->n ? ls->n : 1], *doc;
	const char *name;
	size_t i = 0;

	json_object_foreach(ls->docs, name, doc) {
		what[i] = name;
		docs[i++] = doc;
	}
	cd_res_save_all_async(ls->r, what, docs, i, ls->fn, ls->arg);
	json_decref(ls->docs);
	free(ls);
}

void
cd_res_save_all_async(struct cd_res *r, const char **what, json_t **docs, size_t n, cd_res_done *fn, void *arg)
{
	struct cd_res_job *j;
	struct store_op *ops;
	int rc;

	if (n > 0 && cd_res_busy(r) && r->free_ev != NULL) {
		/* after the job under way: never a wait on the loop for its syncs */
		struct later_save *ls = malloc(sizeof(*ls));

		if (ls != NULL && (ls->docs = json_object()) != NULL) {
			for (size_t i = 0; i < n; i++)
				json_object_set(ls->docs, what[i], docs[i]);
			*ls = (struct later_save){ .r = r, .n = n, .fn = fn, .arg = arg, .docs = ls->docs };
			cd_res_when_free(r, save_later, ls);
			return;
		}
		free(ls);
	}
	cd_res_flush(r);
	if (n == 0 || r->base == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		fn(arg, cd_res_save_all(r, what, docs, n));
		return;
	}
	j->state = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set(j->state, what[i], docs[i]);
	/* the event first: a job started is finished by store_job_free, and
	 * would be stored while its caller is told it was not */
	if ((ops = state_ops(what, docs, n)) == NULL || (j->ev = event_new(r->base, -1, 0, job_slice, r)) == NULL ||
	    (rc = store_apply_start(r->st, ops, n, &j->sj)) < 0) {
		rc = ops == NULL || j->ev == NULL ? -ENOMEM : rc;
		free(ops);
		if (j->ev != NULL)
			event_free(j->ev);
		json_decref(j->state);
		free(j);
		fn(arg, rc);
		return;
	}
	free(ops);
	j->fn = fn;
	j->arg = arg;
	r->job = j;
	evtimer_add(j->ev, &no_wait);
}

void
cd_res_save_async(struct cd_res *r, const char *what, json_t *doc, cd_res_done *fn, void *arg)
{
	cd_res_save_all_async(r, &what, &doc, 1, fn, arg);
}
