/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's intents: checked, stored, listed with their status (see cd_res.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "cd_lag.h"
#include "cd_log.h"
#include "cd_res.h"

_Static_assert(STORE_NAME_MAX == CD_NAME_MAX, "the store's name rule is the one features see");

#define STATE_KIND "state"	/* the reconciler's own documents in the store */

#define CD_RES_SLICE_US 5000	/* a large change's store work on the loop at a time */

static const struct timeval no_wait = { 0, 0 };

/* A change stored in slices (cd_res_commit_all_async). */
struct cd_res_job {
	struct store_job *sj;
	struct event *ev;
	struct cd_change *ch;
	size_t n;
	cd_res_done *fn;
	void *arg;
};

struct cd_res {
	struct store *st;
	struct cd_schema *sc;
	json_t *docs;	  /* KIND → NAME → document */
	json_t *gone;	  /* KIND → NAME → document: withdrawing */
	json_t *status;	  /* "KIND/NAME" → status */
	json_t *state;	  /* NAME → the reconciler's documents */
	/* KIND → NAME → {"message"}: stored files that do not read back (not
	 * JSON, or no longer a valid intent); kept on disk, and their entries
	 * in sxdp, until a DELETE or a PUT of the name decides */
	json_t *quar;
	json_t *aside;	  /* [{"document", "file", "message"}]: state documents set aside */
	struct event_base *base;	/* the loop a large change is stored in slices on */
	struct cd_res_job *job;		/* the one under way */
	json_int_t serial;	/* the last creation serial handed out */
	/* KIND → NAME → spec, oldest first (what cd_res_specs gives), kept
	 * as changes commit: never changed in place once handed out, a
	 * change makes a new one that shares the other kinds' objects and
	 * every unchanged spec, so a compiler tells what changed by pointer */
	json_t *specs;
	/* a store elsewhere that decides (cd_res_set_remote), and its state for /status */
	struct cd_res_remote remote;
	json_t *rinfo;
};

const char *
cd_res_now(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

static json_t *
kind_docs(json_t *top, int k)
{
	json_t *o = json_object_get(top, cd_kind_name(k));

	if (o == NULL) {
		json_object_set_new(top, cd_kind_name(k), json_object());
		o = json_object_get(top, cd_kind_name(k));
	}
	return o;
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
		if (sl == NULL || cd_kind_of(k) < 0)
			continue;
		if (strlen(sl + 1) <= STORE_NAME_MAX) {
			json_array_append_new(*bad, json_pack("{s:s,s:s}", "intent", w, "message", "not JSON"));
			json_object_set_new(kind_docs(r->quar, cd_kind_of(k)), sl + 1,
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
		json_object_set_new(kind_docs(r->quar, cd_kind_of(k)), alias, json_pack(
			"{s:s,s:s+++}", "file", sl + 1, "message", "stored as ", w, ".json by an older "
			"sxcd: its name is longer than the 63 characters a name has now; kept, and its "
			"entries in sxdp, until a DELETE of ", alias));
	}
	json_decref(broken);
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

				json_object_set(kind_docs(r->docs, k), name, doc);
				if (sn > r->serial)
					r->serial = sn;
			} else {
				char *m = json_dumps(json_array_size(errs) ? errs : json_string(
					"no metadata.generation"), JSON_COMPACT | JSON_ENCODE_ANY);

				json_array_append_new(*bad, json_pack("{s:s,s:O}", "intent", who,
								      "message", errs));
				json_object_set_new(kind_docs(r->quar, k), name, json_pack(
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
	json_decref(r->gone);
	json_decref(r->status);
	json_decref(r->state);
	json_decref(r->quar);
	json_decref(r->aside);
	json_decref(r->specs);
	json_decref(r->rinfo);
	if (r->job != NULL) {	/* its store work finished; nobody left to tell */
		store_job_free(r->job->sj);
		event_free(r->job->ev);
		free(r->job);
	}
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

int
cd_res_check(struct cd_res *r, int kind, const char *name, json_t *body,
	     json_int_t expected, bool create_only, const char *base, json_t *errs,
	     struct cd_change *ch)
{
	json_t *meta = json_object_get(body, "metadata"), *cur, *spec, *bk;
	const char *bname = json_string_value(json_object_get(meta, "name"));
	char ptr[256], now[32];
	json_int_t have;

	/* a change checked against what is stored, a large one under way too */
	cd_res_flush(r);
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
	if (name == NULL || !store_name_ok(name) || strlen(name) >= sizeof(ch->name)) {
		snprintf(ptr, sizeof(ptr), "%s/metadata/name", base);
		cd_schema_err(errs, ptr, "bad_value", "a name is 1..63 of [A-Za-z0-9_.-], not starting "
			      "with '.'");
		return 400;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	cur = json_object_get(kind_docs(r->docs, kind), name);
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
	if (body == NULL) {
		if (cur == NULL && json_object_get(kind_docs(r->quar, kind), name) != NULL) {
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
	spec = json_object_get(body, "spec");
	if (cur != NULL && share_same(spec, json_object_get(cur, "spec"), 0)) {
		ch->action = "unchanged";
		ch->generation = have;
		ch->doc = json_incref(cur);
		return 200;
	}
	cd_res_now(now, sizeof(now));
	ch->action = cur != NULL ? "replaced" : "created";
	ch->generation = have + 1;
	ch->doc = json_pack("{s:s,s:{s:s,s:I,s:I,s:s,s:s},s:O}", "kind", cd_kind_name(kind),
			    "metadata", "name", name, "generation", ch->generation,
			    /* creation order: the older of two colliding intents wins */
			    "serial", cur ? json_integer_value(json_object_get(json_object_get(cur,
						"metadata"), "serial")) : r->serial + 1,
			    "created",
			    cur ? json_string_value(json_object_get(json_object_get(cur, "metadata"),
								    "created")) : now,
			    "updated", now, "spec", spec);
	if (cur == NULL)
		r->serial++;
	return ch->doc != NULL ? 200 : 500;
}

static void
set_status(struct cd_res *r, const char *who, const char *phase, json_int_t observed)
{
	json_t *s = json_object_get(r->status, who);

	if (s == NULL) {
		s = json_object();
		json_object_set_new(r->status, who, s);
	}
	json_object_set_new(s, "phase", json_string(phase));
	if (observed >= 0)
		json_object_set_new(s, "observedGeneration", json_integer(observed));
}

static void specs_change(struct cd_res *r, struct cd_change *ch);
static json_t *specs_with(json_t *specs, struct cd_change *ch, size_t n);

/* A change the store holds now, in memory (@specs: in the specs handed
 * out too; false: the caller does that). */
static void
commit_mem(struct cd_res *r, struct cd_change *ch, bool specs)
{
	char who[STORE_NAME_MAX * 2 + 2];
	json_t *cur, *st;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch->kind), ch->name);
	json_object_del(kind_docs(r->quar, ch->kind), ch->name);
	if (specs)
		specs_change(r, ch);
	if (ch->doc == NULL) {
		cur = json_object_get(kind_docs(r->docs, ch->kind), ch->name);
		if (cur == NULL)	/* a quarantined file: nothing to list as withdrawing */
			return;
		json_object_set(kind_docs(r->gone, ch->kind), ch->name, cur);
		json_object_del(kind_docs(r->docs, ch->kind), ch->name);
		set_status(r, who, "Withdrawing", -1);
		return;
	}
	json_object_set(kind_docs(r->docs, ch->kind), ch->name, ch->doc);
	json_object_del(kind_docs(r->gone, ch->kind), ch->name);
	st = json_object_get(r->status, who);
	/* put again while its withdrawal runs: a live intent, not Withdrawing */
	if (st == NULL || strcmp(json_string_value(json_object_get(st, "phase")) ?: "",
				 "Withdrawing") == 0) {
		json_object_del(r->status, who);
		set_status(r, who, "Pending", 0);
	}
}

/* The file a withdrawal removes: its name's, or the longer one an older
 * sxcd stored the quarantined intent under. */
static const char *
quar_file(struct cd_res *r, struct cd_change *ch)
{
	const char *file = json_string_value(json_object_get(json_object_get(kind_docs(r->quar, ch->kind),
									     ch->name), "file"));

	return file != NULL ? file : ch->name;
}

int
cd_res_commit(struct cd_res *r, struct cd_change *ch)
{
	const char *kind = cd_kind_name(ch->kind);
	int rc;

	if (strcmp(ch->action, "unchanged") == 0)
		return 0;
	if (r->remote.commit != NULL)	/* a store elsewhere answers later: cd_res_commit_all_async */
		return -EOPNOTSUPP;
	cd_res_flush(r);	/* in the store's order */
	if (ch->doc == NULL) {
		if ((rc = store_del(r->st, kind, quar_file(r, ch))) < 0 && rc != -ENOENT)
			return rc;
	} else if ((rc = store_put(r->st, kind, ch->name, ch->doc)) < 0) {
		return rc;
	}
	commit_mem(r, ch, true);
	return 0;
}

/* The changes in memory, once stored. */
static void
commit_all_mem(struct cd_res *r, struct cd_change *ch, size_t n)
{
	/* the specs handed out change once for all of them, not once each
	 * (each a copy of the kind's thousands) */
	if (r->specs != NULL) {
		json_t *sp = specs_with(r->specs, ch, n);

		json_decref(r->specs);
		r->specs = sp;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i].action, "unchanged") != 0)
			commit_mem(r, &ch[i], false);
}

static int
commit_start(struct cd_res *r, struct cd_change *ch, size_t n, struct store_job **j)
{
	struct store_op *ops = calloc(n + 1, sizeof(*ops));
	size_t m = 0;
	int rc;

	*j = NULL;
	if (ops == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i].action, "unchanged") != 0)
			ops[m++] = (struct store_op){ .kind = cd_kind_name(ch[i].kind), .name = ch[i].doc ?
						      ch[i].name : quar_file(r, &ch[i]), .doc = ch[i].doc };
	rc = m > 0 ? store_apply_start(r->st, ops, m, j) : 0;
	free(ops);
	return rc;
}

int
cd_res_commit_all(struct cd_res *r, struct cd_change *ch, size_t n)
{
	struct store_job *j;
	int rc;

	if (r->remote.commit != NULL)
		return -EOPNOTSUPP;
	cd_res_flush(r);
	if ((rc = commit_start(r, ch, n, &j)) < 0)
		return rc;
	rc = j != NULL ? store_apply_step(j, 0) : 0;
	store_job_free(j);
	if (rc == 0)
		commit_all_mem(r, ch, n);
	return rc;
}

/* The job under way is over (@rc): in memory if stored, then said. */
static void
job_end(struct cd_res *r, int rc)
{
	struct cd_res_job *j = r->job;

	r->job = NULL;
	store_job_free(j->sj);
	event_free(j->ev);
	if (rc == 0)
		commit_all_mem(r, j->ch, j->n);
	j->fn(j->arg, rc);
	free(j);
}

static void
job_slice(evutil_socket_t fd, short what, void *arg)
{
	struct cd_res *r = arg;
	uint64_t t0 = cd_lag_enter();
	int rc = store_apply_step(r->job->sj, CD_RES_SLICE_US);

	(void)fd;
	(void)what;
	if (rc == -EAGAIN)
		evtimer_add(r->job->ev, &no_wait);	/* a timer: an active event would run again before the loop's other work */
	else
		job_end(r, rc);
	cd_lag_leave(t0, "store: apply");
}

/* ------------------------------------------------------------ a store elsewhere */

void
cd_res_set_remote(struct cd_res *r, const struct cd_res_remote *rem)
{
	r->remote = *rem;
}

bool
cd_res_is_remote(struct cd_res *r)
{
	return r->remote.commit != NULL;
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

json_int_t
cd_res_generation(struct cd_res *r, int kind, const char *name)
{
	return generation_of(json_object_get(kind_docs(r->docs, kind), name));
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
	json_t *cur = json_object_get(kind_docs(r->docs, kind), name), *nd;

	*cached = 0;
	snprintf(ch.name, sizeof(ch.name), "%s", name);
	if (doc == NULL) {
		if (cur == NULL && json_object_get(kind_docs(r->quar, kind), name) == NULL)
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
cd_res_commit_all_async(struct cd_res *r, struct cd_change *ch, size_t n, cd_res_done *fn, void *arg)
{
	struct cd_res_job *j;
	int rc;

	if (r->remote.commit != NULL) {	/* it decides, and answers later */
		r->remote.commit(r->remote.ctx, ch, n, fn, arg);
		return;
	}
	cd_res_flush(r);
	if (r->base == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		fn(arg, cd_res_commit_all(r, ch, n));
		return;
	}
	if ((rc = commit_start(r, ch, n, &j->sj)) < 0 || j->sj == NULL ||
	    (j->ev = event_new(r->base, -1, 0, job_slice, r)) == NULL) {
		store_job_free(j->sj);
		free(j);
		if (rc == 0)
			commit_all_mem(r, ch, n);
		fn(arg, rc);
		return;
	}
	*j = (struct cd_res_job){ .sj = j->sj, .ev = j->ev, .ch = ch, .n = n, .fn = fn, .arg = arg };
	r->job = j;
	evtimer_add(j->ev, &no_wait);
}

void
cd_res_flush(struct cd_res *r)
{
	if (r->job != NULL)
		job_end(r, store_apply_step(r->job->sj, 0));
}

void
cd_res_set_base(struct cd_res *r, struct event_base *base)
{
	r->base = base;
}

bool
cd_res_live(struct cd_res *r, int kind, const char *name)
{
	return json_object_get(kind_docs(r->docs, kind), name) != NULL;
}

void
cd_change_clear(struct cd_change *ch)
{
	json_decref(ch->doc);
	ch->doc = NULL;
}

struct by_age {
	json_int_t serial;
	const char *created, *name;
	json_t *spec;
};

static int
age_cmp(const void *a, const void *b)
{
	const struct by_age *x = a, *y = b;
	int c;

	if (x->serial != y->serial)
		return x->serial < y->serial ? -1 : 1;
	if ((c = strcmp(x->created, y->created)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

/* The specs of @objs (NAME → document) oldest first: the order they are
 * compiled in, so an intent that collides with an older one is the one
 * that fails. */
static json_t *
specs_by_age(json_t *objs)
{
	size_t n = json_object_size(objs), i = 0;
	struct by_age *v = calloc(n + 1, sizeof(*v));
	json_t *out = json_object(), *doc, *meta;
	const char *name;

	if (v == NULL)
		return out;
	json_object_foreach(objs, name, doc) {
		meta = json_object_get(doc, "metadata");
		v[i++] = (struct by_age){ .serial = json_integer_value(json_object_get(meta, "serial")),
					  .created = json_string_value(json_object_get(meta, "created")) ?: "",
					  .name = name, .spec = json_object_get(doc, "spec") };
	}
	qsort(v, n, sizeof(*v), age_cmp);
	for (i = 0; i < n; i++)
		json_object_set(out, v[i].name, v[i].spec);
	free(v);
	return out;
}

/* @specs with @ch on top, new: a kind @ch touches is copied (its specs
 * shared), the others shared; a new intent is the youngest. */
static json_t *
specs_with(json_t *specs, struct cd_change *ch, size_t n)
{
	json_t *out = json_copy(specs), *o;
	const char *kind = NULL;

	for (size_t i = 0; i < n; i++) {
		kind = cd_kind_name(ch[i].kind);
		o = json_object_get(out, kind);
		if (o == NULL || o == json_object_get(specs, kind))
			json_object_set_new(out, kind, o != NULL ? json_copy(o) : json_object());
		o = json_object_get(out, kind);
		if (ch[i].doc == NULL)
			json_object_del(o, ch[i].name);
		else
			json_object_set(o, ch[i].name, json_object_get(ch[i].doc, "spec"));
	}
	return out;
}

static json_t *
specs_all(struct cd_res *r)
{
	json_t *objs;
	const char *kind;

	if (r->specs == NULL) {
		r->specs = json_object();
		json_object_foreach(r->docs, kind, objs)
			json_object_set_new(r->specs, kind, specs_by_age(objs));
	}
	return r->specs;
}

/* A change commits: the specs handed out from now on have it. */
static void
specs_change(struct cd_res *r, struct cd_change *ch)
{
	json_t *n;

	if (r->specs == NULL)
		return;
	n = specs_with(r->specs, ch, 1);
	json_decref(r->specs);
	r->specs = n;
}

json_t *
cd_res_specs(struct cd_res *r, struct cd_change *changes, size_t n)
{
	return n == 0 ? json_incref(specs_all(r)) : specs_with(specs_all(r), changes, n);
}

static json_t *
with_status(struct cd_res *r, int k, const char *name, json_t *doc)
{
	char who[STORE_NAME_MAX * 2 + 2];
	/* its spec shared, not copied: answers only read it, and a UPF's is
	 * thousands of sessions */
	json_t *out = json_copy(doc), *s;

	snprintf(who, sizeof(who), "%s/%s", cd_kind_name(k), name);
	s = json_object_get(r->status, who);
	json_object_set_new(out, "status", s ? json_deep_copy(s) :
			    json_pack("{s:s,s:i}", "phase", "Pending", "observedGeneration", 0));
	return out;
}

/* A quarantined intent as the API shows it: no spec it could read. */
static json_t *
quarantined(int k, const char *name, json_t *q)
{
	return json_pack("{s:s,s:{s:s,s:i},s:{},s:{s:s,s:i,s:s,s:O}}", "kind", cd_kind_name(k),
			 "metadata", "name", name, "generation", 0, "spec", "status", "phase",
			 "Quarantined", "observedGeneration", 0, "reason", "corrupt", "message",
			 json_object_get(q, "message"));
}

json_t *
cd_res_list(struct cd_res *r, int kind)
{
	json_t *items = json_array(), *doc;
	const char *name;

	json_object_foreach(kind_docs(r->docs, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	json_object_foreach(kind_docs(r->gone, kind), name, doc)
		json_array_append_new(items, with_status(r, kind, name, doc));
	json_object_foreach(kind_docs(r->quar, kind), name, doc)
		json_array_append_new(items, quarantined(kind, name, doc));
	return json_pack("{s:o}", "items", items);
}

json_t *
cd_res_get(struct cd_res *r, int kind, const char *name)
{
	json_t *doc = json_object_get(kind_docs(r->docs, kind), name);

	if (doc == NULL)
		doc = json_object_get(kind_docs(r->gone, kind), name);
	if (doc == NULL && (doc = json_object_get(kind_docs(r->quar, kind), name)) != NULL)
		return quarantined(kind, name, doc);
	return doc != NULL ? with_status(r, kind, name, doc) : NULL;
}

json_t *
cd_res_generations(struct cd_res *r)
{
	json_t *out = json_object(), *objs, *doc;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	json_object_foreach(r->docs, kind, objs) {
		json_object_foreach(objs, name, doc) {
			snprintf(who, sizeof(who), "%s/%s", kind, name);
			json_object_set_new(out, who, json_integer(generation_of(doc)));
		}
	}
	return out;
}

void
cd_res_set_status(struct cd_res *r, json_t *status, bool withdrawn_done)
{
	const char *who;
	json_t *s;

	json_object_foreach(status, who, s)
		json_object_set(r->status, who, s);
	if (withdrawn_done) {
		json_t *objs;
		const char *kind, *name;
		char w[STORE_NAME_MAX * 2 + 2];
		void *tmp;

		json_object_foreach(r->gone, kind, objs) {
			json_object_foreach_safe(objs, tmp, name, s) {
				snprintf(w, sizeof(w), "%s/%s", kind, name);
				json_object_del(r->status, w);
			}
			json_object_clear(objs);
		}
	}
}

void
cd_res_set_phase_all(struct cd_res *r, const char *phase, const char *waiting)
{
	json_t *objs, *doc;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	json_object_foreach(r->docs, kind, objs) {
		json_object_foreach(objs, name, doc) {
			json_t *s;

			snprintf(who, sizeof(who), "%s/%s", kind, name);
			s = json_object_get(r->status, who);
			if (s != NULL && strcmp(json_string_value(json_object_get(s, "phase")),
						"Failed") == 0)
				continue;
			set_status(r, who, phase, -1);
			s = json_object_get(r->status, who);
			if (json_object_get(s, "observedGeneration") == NULL)
				json_object_set_new(s, "observedGeneration", json_integer(0));
			json_object_set_new(s, "waiting_for", waiting ? json_pack("[s]", waiting) :
					    json_array());
		}
	}
}

json_t *
cd_res_phases(struct cd_res *r)
{
	json_t *out = json_object(), *objs, *doc, *s;
	const char *kind, *name;
	char who[STORE_NAME_MAX * 2 + 2];

	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach(pass ? r->gone : r->docs, kind, objs) {
			json_object_foreach(objs, name, doc) {
				const char *ph;

				snprintf(who, sizeof(who), "%s/%s", kind, name);
				s = json_object_get(r->status, who);
				ph = s ? json_string_value(json_object_get(s, "phase")) : "Pending";
				json_object_set_new(out, ph, json_integer(json_integer_value(
					json_object_get(out, ph)) + 1));
			}
		}
	}
	json_object_foreach(r->quar, kind, objs)
		if (json_object_size(objs) > 0)
			json_object_set_new(out, "Quarantined", json_integer(json_integer_value(
				json_object_get(out, "Quarantined")) + (json_int_t)json_object_size(objs)));
	return out;
}

json_t *
cd_res_quarantine(struct cd_res *r)
{
	json_t *out = json_array(), *objs, *q;
	const char *kind, *name;

	json_object_foreach(r->quar, kind, objs)
		json_object_foreach(objs, name, q)
			json_array_append_new(out, json_pack("{s:s++,s:s+++,s:O}", "intent", kind, "/",
				name, "file", kind, "/", json_string_value(json_object_get(q, "file")) ?: name,
				".json", "message", json_object_get(q, "message")));
	return out;
}

json_t *
cd_res_set_aside(struct cd_res *r)
{
	return json_incref(r->aside);
}

bool
cd_res_quarantined(struct cd_res *r, const char *who)
{
	const char *sl = who != NULL ? strchr(who, '/') : NULL, *kind;
	json_t *objs;
	char k[32];

	if (who == NULL) {
		json_object_foreach(r->quar, kind, objs)
			if (json_object_size(objs) > 0)
				return true;
		return false;
	}
	if (sl == NULL || sl - who >= (long)sizeof(k))
		return false;
	snprintf(k, sizeof(k), "%.*s", (int)(sl - who), who);
	if (json_object_get(json_object_get(r->quar, k), sl + 1) != NULL)
		return true;
	/* what an intent of an older sxcd's longer name owns */
	if (strlen(sl + 1) > STORE_NAME_MAX) {
		json_t *q;
		const char *name;

		json_object_foreach(json_object_get(r->quar, k), name, q)
			if (strcmp(json_string_value(json_object_get(q, "file")) ?: "", sl + 1) == 0)
				return true;
	}
	return false;
}

json_t *
cd_res_status(struct cd_res *r, const char *who)
{
	return json_object_get(r->status, who);
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

int
cd_res_save_all(struct cd_res *r, const char **what, json_t **docs, size_t n)
{
	struct store_op *ops;
	int rc;

	cd_res_flush(r);
	if ((ops = calloc(n + 1, sizeof(*ops))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ops[i] = (struct store_op){ .kind = STATE_KIND, .name = what[i], .doc = docs[i] };
	rc = n > 0 ? store_apply(r->st, ops, n) : 0;
	free(ops);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (json_object_get(r->state, what[i]) != docs[i])
			json_object_set(r->state, what[i], docs[i]);
	return rc;
}

static bool
is_collision(json_t *res)
{
	const char *reason = json_string_value(json_object_get(res, "reason"));

	return strcmp(json_string_value(json_object_get(res, "phase")) ?: "", "Failed") == 0 &&
	       reason != NULL && (strcmp(reason, "conflict") == 0 || strcmp(reason, "slice_conflict") == 0);
}

int
cd_res_collisions(struct cd_res *r, json_t *results, struct cd_change *ch, size_t n, json_t *errs)
{
	char who[STORE_NAME_MAX * 2 + 2], ptr[256];
	const char *w, *ph;
	json_t *res, *mine = json_object(), *old;
	size_t before = json_array_size(errs);

	for (size_t i = 0; i < n; i++) {
		snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
		json_object_set_new(mine, who, json_integer((json_int_t)i));
		res = json_object_get(results, who);
		if (ch[i].doc == NULL || !is_collision(res))
			continue;
		snprintf(ptr, sizeof(ptr), "%s%s", ch[i].base,
			 json_string_value(json_object_get(res, "pointer")) ?: "/spec");
		cd_schema_err(errs, ptr, "conflict", "%s collides with an existing intent: %s", who,
			      json_string_value(json_object_get(res, "message")) ?: "");
	}
	/* an intent that holds its entries now never loses them to a change;
	 * one that fails without the change too is no reason to refuse it */
	json_object_foreach(results, w, res) {
		size_t culprit = 0;
		const char *was = json_string_value(json_object_get(res, "was"));

		if (json_object_get(mine, w) != NULL ||
		    strcmp(json_string_value(json_object_get(res, "phase")) ?: "", "Failed") != 0)
			continue;
		old = json_object_get(r->status, w);
		ph = json_string_value(json_object_get(old, "phase"));
		/* how it came out without the change (the dry run compiled that
		 * first), else its status: the last run's, which lags a run
		 * under way (an intent stored since is Pending there) */
		if (was != NULL ? strcmp(was, "Failed") == 0 :
		    ph == NULL || strcmp(ph, "Failed") == 0 || strcmp(ph, "Withdrawing") == 0)
			continue;
		if (ph == NULL)
			ph = was;
		for (size_t i = 0; i < n; i++) {
			snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
			if (strstr(json_string_value(json_object_get(res, "message")) ?: "", who) != NULL)
				culprit = i;
		}
		snprintf(ptr, sizeof(ptr), "%s/spec", n > 0 ? ch[culprit].base : "");
		cd_schema_err(errs, ptr, "conflict", "%s (%s) would fail: %s", w, ph,
			      json_string_value(json_object_get(res, "message")) ?: "");
	}
	json_decref(mine);
	return json_array_size(errs) > before ? 409 : 200;
}
