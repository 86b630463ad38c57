/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_intents (see cd_http_intents.h): the intents' routes: read, create, change, withdraw, apply a set, list, status. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/http.h>

#include "cd_audit.h"
#include "cd_auth.h"
#include "cd_collide.h"
#include "cd_http_intents.h"
#include "cd_log.h"
#include "cd_mem.h"
#include "cd_kind.h"
#include "cd_res.h"
#include "cd_route.h"
#include "cd_rstatus.h"
#include "cd_schema.h"
#include "cd_svc.h"
#include "cd_sync.h"
#include "ctl_async.h"

/* A change's answer that waits for the dataplane (?wait=1). */
struct pending {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	int code;
	json_t *body;		/* answered as is, or ... */
	int kind;	/* ... the intent as it is then */
	char name[STORE_NAME_MAX + 1];
	cd_http_intents_view *view;	/* (NULL: whole) as this shows it, */
	json_int_t key;			/* its member @key */
};

/* ------------------------------------------------------------ waiting */

static void
pending_answer(void *arg, bool done)
{
	struct pending *p = arg;
	json_t *body = p->body;
	const char *why;

	cd_route_release(p->req);
	/* the wait ran out with sxdp away: the change is stored (and applied once
	 * sxdp answers again), but what was asked for did not happen */
	if (!done && (why = cd_route_sxdp_absent(p->env->sync)) != NULL) {
		json_decref(body);
		cd_route_err(p->req, 503, strcmp(why, "unresponsive") == 0 ? "sxdp_unresponsive" :
			     "sxdp_unavailable", NULL, "the change is stored, but not in the dataplane: "
			     "sxdp is %s (it is applied once sxdp answers again)", why);
		free(p);
		return;
	}
	if (body == NULL && (body = cd_rstatus_get(p->env->res, p->kind, p->name)) != NULL && p->view != NULL)
		body = p->view(body, p->kind, p->key);
	if (body == NULL)	/* withdrawn meanwhile */
		body = json_pack("{s:s,s:{s:s},s:{s:s}}", "kind", cd_kind_name(p->kind), "metadata",
				 "name", p->name, "status", "phase", "Withdrawn");
	cd_route_reply(p->req, p->code, body);
	free(p);
}

static void
pending_gone(struct evhttp_connection *c, void *arg)
{
	struct pending *p = arg;

	(void)c;
	cd_sync_unwait(p->env->sync, p);
	json_decref(p->body);
	free(p);
}

/* Answer @code with @body (taken; NULL: the intent, as @view shows its
 * member @key when given) once run @epoch ended. */
static void
answer_after(const struct cd_route_env *e, struct evhttp_request *req, uint64_t epoch, int code,
	     json_t *body, int kind, const char *name, cd_http_intents_view *view, json_int_t key)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		json_decref(body);
		cd_route_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	*p = (struct pending){ .env = e, .req = req, .code = code, .body = body, .kind = kind, .view = view,
			       .key = key };
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	/* a stopped sxdp is not waited for: it may never answer */
	if (ctl_async_stalled(cd_sync_ctl(e->sync)) ||
	    cd_sync_wait(e->sync, epoch, CD_HTTP_INTENTS_WAIT_MS, pending_answer, p) < 0) {
		pending_answer(p, false);
		return;
	}
	cd_route_hold(req, pending_gone, p);
}

/* ------------------------------------------------------------ intents */

/* A dry run under way: its request and what its answer says changes. */
struct dry_req {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	json_t *chg;	/* [{"kind", "name", "action", "generation"}] */
	json_t *who;	/* ["KIND/NAME", ...] */
	json_t *extra;	/* more of the answer (NULL: none) */
};

static json_t *
dry_body(struct dry_req *d, int rc, json_t *diff, json_t *results)
{
	json_t *st = json_object(), *w, *b;
	size_t i;

	json_array_foreach(d->who, i, w)
		if (json_object_get(results, json_string_value(w)) != NULL)
			json_object_set(st, json_string_value(w), json_object_get(results, json_string_value(w)));
	if (rc == -ENOTCONN)
		b = json_pack("{s:b,s:O,s:o,s:s}", "dry_run", 1, "changes", d->chg, "status", st,
			      "note", "sxdp is not connected: the specs are valid; the table "
			      "writes are known once it is");
	else if (rc < 0)
		b = (json_decref(st), NULL);
	else
		b = json_pack("{s:b,s:O,s:O,s:o}", "dry_run", 1, "changes", d->chg, "diff",
			      diff ? diff : json_array(), "status", st);
	if (b != NULL && d->extra != NULL)
		json_object_update(b, d->extra);
	return b;
}

static void
dry_req_free(struct dry_req *d)
{
	json_decref(d->chg);
	json_decref(d->who);
	json_decref(d->extra);
	free(d);
}

static void
dry_answer(void *arg, int rc, json_t *diff, json_t *results)
{
	struct dry_req *d = arg;
	json_t *body = dry_body(d, rc, diff, results);

	cd_route_release(d->req);
	if (body != NULL)
		cd_route_reply(d->req, 200, body);
	else
		cd_route_err(d->req, 500, "no_memory", NULL, "the dry run could not compile: %s", strerror(-rc));
	dry_req_free(d);
}

static void
dry_gone(struct evhttp_connection *c, void *arg)
{
	struct dry_req *d = arg;

	(void)c;
	cd_sync_dry_cancel(d->env->sync, d);
	dry_req_free(d);
}

/* The dry-run answer for @changes: what changes, the table writes, and
 * how each changed intent would compile; answered once the compile is
 * done (in slices: other requests are served meanwhile). */
void
cd_http_intents_dry(const struct cd_route_env *e, struct evhttp_request *req, struct cd_change *ch, size_t n,
		    json_t *extra)
{
	struct dry_req *d = calloc(1, sizeof(*d));
	json_t *specs;
	char who[STORE_NAME_MAX * 2 + 2];
	int rc;

	if (d == NULL) {
		cd_route_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	*d = (struct dry_req){ .env = e, .req = req, .chg = json_array(), .who = json_array(),
			       .extra = json_incref(extra) };
	for (size_t i = 0; i < n; i++) {
		snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
		json_array_append_new(d->chg, json_pack("{s:s,s:s,s:s,s:I}", "kind",
			cd_kind_name(ch[i].kind), "name", ch[i].name, "action", ch[i].action,
			"generation", ch[i].generation));
		json_array_append_new(d->who, json_string(who));
	}
	specs = cd_res_specs(e->res, ch, n);
	/* held first: the dry run may end, and dry_answer free d, before
	 * cd_sync_dry_run returns (its compiler out of memory) */
	cd_route_hold(req, dry_gone, d);
	rc = cd_sync_dry_run(e->sync, specs, 0, true, dry_answer, d);
	json_decref(specs);
	if (rc < 0)
		dry_answer(d, rc, NULL, NULL);
}

/* A change checked against the intents' collisions (cd_collide on
 * what the compile would make of it: a dry run, in slices, so the loop
 * serves others meanwhile), then stored and answered. */
#define CHECK_WAIT_MS 1000	/* a collision check that cannot start by then is skipped */

struct commit {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	struct cd_change *ch;
	size_t n;
	bool apply, wait;
	struct cd_rev_who who;	/* over the strings below */
	char by[64], from[64], route[160];
	json_int_t rev;		/* the revision recording it, once stored (0: none) */
	json_t *extra;		/* more of an apply's answer (NULL: none) */
	cd_http_intents_view *view;	/* one intent's answer: as this shows its member @key (NULL: whole) */
	json_int_t key;
};

/* A revision's result: its intents' status once its run ended. */
struct settle {
	const struct cd_route_env *env;
	json_int_t rev;
};

static void
settled(void *arg, bool done)
{
	struct settle *st = arg;
	json_t *doc = cd_rev_get(cd_res_history(st->env->res), st->rev), *res = json_object(), *c, *s;
	char who[STORE_NAME_MAX * 2 + 2];
	size_t i;
	int rc;

	(void)done;	/* a run that did not end in time: the status as it is then */
	json_array_foreach(json_object_get(doc, "changes"), i, c) {
		snprintf(who, sizeof(who), "%s/%s", json_string_value(json_object_get(c, "kind")),
			 json_string_value(json_object_get(c, "name")));
		s = cd_rstatus_of(st->env->res, who);
		json_object_set_new(res, who, json_pack("{s:s,s:s*}", "phase", json_string_value(json_object_get(
			s, "phase")) ?: "Withdrawn", "reason", json_string_value(json_object_get(s, "reason"))));
	}
	if (doc != NULL && (rc = cd_res_rev_result(st->env->res, st->rev, res)) < 0)
		CD_LOG(WARN, "revision %" JSON_INTEGER_FORMAT "'s result not stored: %s", st->rev, strerror(-rc));
	json_decref(res);
	free(st);
}

/* Revision @rev's result recorded once run @epoch ends. */
static void
settle_after(const struct cd_route_env *e, json_int_t rev, uint64_t epoch)
{
	struct settle *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return;
	*st = (struct settle){ .env = e, .rev = rev };
	if (cd_sync_wait(e->sync, epoch, CD_HTTP_INTENTS_WAIT_MS, settled, st) < 0)
		settled(st, false);
}

static void
commit_free(struct commit *c)
{
	for (size_t i = 0; i < c->n; i++)
		cd_change_clear(&c->ch[i]);
	free(c->ch);
	json_decref(c->extra);
	free(c);
}

static void
commit_orphan(struct evhttp_connection *conn, void *arg)
{
	struct commit *c = arg;

	(void)conn;
	c->req = NULL;
}

/* An apply is stored (@rc 0, revision @rev) or not: answered, the change run. */
static void
applied(void *arg, int rc, json_int_t rev)
{
	struct commit *c = arg;
	const struct cd_route_env *e = c->env;
	json_t *chg, *body;
	uint64_t epoch;

	if (c->req != NULL)
		cd_route_release(c->req);
	if (rc < 0) {
		if (c->req != NULL)
			cd_route_store_err(c->req, rc);
		commit_free(c);
		return;
	}
	epoch = cd_sync_kick(e->sync);
	c->rev = rev;
	if (c->rev > 0)
		settle_after(e, c->rev, epoch);
	if (c->req == NULL) {
		commit_free(c);
		return;
	}
	chg = json_array();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(chg, json_pack("{s:s,s:s,s:s,s:I}", "kind", cd_kind_name(c->ch[i].kind),
						     "name", c->ch[i].name, "action", c->ch[i].action,
						     "generation", c->ch[i].generation));
	body = c->wait ? json_pack("{s:o,s:I}", "changes", chg, "revision", c->rev) :
		json_pack("{s:o,s:I,s:I}", "changes", chg, "run", (json_int_t)epoch, "revision", c->rev);
	if (body != NULL && c->extra != NULL)
		json_object_update(body, c->extra);
	if (c->wait)
		answer_after(e, c->req, epoch, 200, body, -1, NULL, NULL, 0);
	else
		cd_route_reply(c->req, 200, body);
	commit_free(c);
}

static void answer_one(struct commit *c);

/* A PUT or DELETE through a fleet's store is stored (@rc 0, revision
 * @rev) or not. */
static void
stored_one(void *arg, int rc, json_int_t rev)
{
	struct commit *c = arg;

	c->rev = rev;
	if (c->req == NULL) {	/* the client went: the change runs all the same */
		if (rc == 0 && rev > 0)
			settle_after(c->env, rev, cd_sync_kick(c->env->sync));
		else if (rc == 0)
			cd_sync_kick(c->env->sync);
		commit_free(c);
		return;
	}
	cd_route_release(c->req);
	if (rc < 0) {
		cd_route_store_err(c->req, rc);
		commit_free(c);
		return;
	}
	answer_one(c);
}

static void commit_go(struct commit *c);

/* The store is free: the change checked and stored now. */
static void
commit_resume(void *arg)
{
	struct commit *c = arg;

	if (c->req != NULL)
		cd_route_release(c->req);
	commit_go(c);
}

/* Store the change(s) and answer: the intent (PUT, DELETE) or the changes
 * (apply), now or once in sxdp (?wait=1). */
static void
commit_go(struct commit *c)
{
	const struct cd_route_env *e = c->env;
	struct cd_change *ch = c->ch;
	json_t *errs;
	int rc;

	if (cd_res_busy(e->res)) {
		/* after the store's job under way (its syncs on their thread): the
		 * loop never waits for a disk that stalls, and the check below
		 * sees what that job stores */
		if (c->req != NULL)
			cd_route_hold(c->req, commit_orphan, c);
		cd_res_when_free(e->res, commit_resume, c);
		return;
	}
	errs = json_array();
	/* compare-and-set: against what is stored now, not what was when it
	 * was checked (other writes were served during its collision check) */
	if ((rc = cd_res_recheck(e->res, ch, c->n, errs)) != 200) {
		if (c->req == NULL)
			json_decref(errs);
		else if (rc == 409)
			cd_route_errs(c->req, 409, errs);
		else
			cd_route_err(c->req, 500, "no_memory", errs, "out of memory");
		commit_free(c);
		return;
	}
	json_decref(errs);
	if (c->apply) {
		/* stored whole or not at all, in slices of the loop: a client
		 * gone meanwhile changes nothing of it */
		if (c->req != NULL)
			cd_route_hold(c->req, commit_orphan, c);
		cd_res_commit_all_async(e->res, ch, c->n, &c->who, applied, c);
		return;
	}
	if (strcmp(ch->action, "unchanged") != 0) {
		/* stored in slices, its syncs on their thread (a fleet's store: it
		 * answers later): answered once stored */
		if (c->req != NULL)
			cd_route_hold(c->req, commit_orphan, c);
		cd_res_commit_all_async(e->res, ch, 1, &c->who, stored_one, c);
		return;
	}
	if (c->req == NULL) {
		commit_free(c);
		return;
	}
	answer_one(c);
}

/* A PUT or DELETE is stored: answered, the change run. */
static void
answer_one(struct commit *c)
{
	const struct cd_route_env *e = c->env;
	struct cd_change *ch = c->ch;
	json_t *body;
	int code;

	code = strcmp(ch->action, "created") == 0 ? 201 : 200;
	if (strcmp(ch->action, "unchanged") != 0 || c->wait) {
		uint64_t epoch = cd_sync_kick(e->sync);

		if (c->rev > 0)
			settle_after(e, c->rev, epoch);
		if (c->wait) {
			answer_after(e, c->req, epoch, code, NULL, ch->kind, ch->name, c->view, c->key);
			commit_free(c);
			return;
		}
	}
	if ((body = cd_rstatus_get(e->res, ch->kind, ch->name)) != NULL && c->view != NULL)
		body = c->view(body, ch->kind, c->key);
	cd_route_reply(c->req, code, body ? body : json_pack("{s:s}", "status", "Withdrawn"));
	commit_free(c);
}

static void
on_checked(void *arg, int rc, json_t *diff, json_t *results)
{
	struct commit *c = arg;
	json_t *errs = json_array();
	int code;

	(void)diff;
	cd_route_release(c->req);
	/* unknowable while sxdp is away: then the older intent wins when both
	 * compile, and one that cannot be carried out is stored Failed */
	if (rc == 0 && (code = cd_collide(c->env->res, results, c->ch, c->n, errs)) != 200) {
		cd_route_errs(c->req, code, errs);
		commit_free(c);
		return;
	}
	json_decref(errs);
	commit_go(c);
}

static void
commit_gone(struct evhttp_connection *conn, void *arg)
{
	struct commit *c = arg;

	(void)conn;
	cd_sync_dry_cancel(c->env->sync, c);
	commit_free(c);
}

/* @ch (@n of them, taken: moved into the commit) checked, stored (the
 * revision by @r's credential, @rollback_of), answered (one intent's as
 * @view shows its member @key, NULL: whole). */
static void
commit_start(const struct cd_route *r, struct cd_change *ch, size_t n, bool apply, bool wait,
	     json_int_t rollback_of, json_t *extra, cd_http_intents_view *view, json_int_t key)
{
	const struct cd_route_env *e = r->env;
	struct evhttp_request *req = r->req;
	struct commit *c = calloc(1, sizeof(*c));
	bool any = false;
	json_t *specs;
	int rc;

	if (c == NULL || (c->ch = calloc(n + 1, sizeof(*ch))) == NULL) {
		free(c);
		for (size_t i = 0; i < n; i++)
			cd_change_clear(&ch[i]);
		cd_route_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	memcpy(c->ch, ch, n * sizeof(*ch));
	*c = (struct commit){ .env = e, .req = req, .ch = c->ch, .n = n, .apply = apply, .wait = wait,
			      .extra = json_incref(extra), .view = view, .key = key };
	snprintf(c->by, sizeof(c->by), "%s", r->by ? r->by : "-");
	cd_route_from(req, c->from, sizeof(c->from));
	snprintf(c->route, sizeof(c->route), "%s %s", cd_route_method(r->m), r->path);
	c->who = (struct cd_rev_who){ .by = c->by, .from = c->from, .route = c->route, .rollback_of = rollback_of };
	for (size_t i = 0; i < n; i++)
		any = any || strcmp(ch[i].action, "unchanged") != 0;
	if (!any) {
		commit_go(c);
		return;
	}
	specs = cd_res_specs(e->res, ch, n);
	/* held first: the check may end, and on_checked answer and free c,
	 * before cd_sync_dry_run returns (its compiler out of memory) */
	cd_route_hold(req, commit_gone, c);
	rc = cd_sync_dry_run(e->sync, specs, CHECK_WAIT_MS, false, on_checked, c);
	json_decref(specs);
	if (rc < 0) {
		cd_route_release(req);
		commit_go(c);
	}
}

void
cd_http_intents_commit(const struct cd_route *r, struct cd_change *ch, size_t n, bool apply, bool wait,
		       json_int_t rollback_of, json_t *extra)
{
	commit_start(r, ch, n, apply, wait, rollback_of, extra, NULL, 0);
}

/* The stored spec of KIND/NAME (borrowed), NULL: none. */
static json_t *
stored_spec(struct cd_res *res, int kind, const char *name)
{
	return json_object_get(json_object_get(json_object_get(cd_res_docs(res), cd_kind_name(kind)), name), "spec");
}

/* May @r's credential change KIND/NAME, from what is stored to @body
 * (NULL: a withdrawal)? Both sides in its scope. */
static bool
may_change(const struct cd_route *r, int kind, const char *name, json_t *body)
{
	json_t *cur = name != NULL ? stored_spec(r->env->res, kind, name) : NULL;

	if (!cd_route_scoped(r))
		return true;
	return name != NULL && (cur != NULL || body != NULL) &&
	       (cur == NULL || cd_route_in_scope(r, kind, name, cur)) &&
	       (body == NULL || cd_route_in_scope(r, kind, name, json_object_get(body, "spec")));
}

static void
do_change(struct cd_route *r, int kind, const char *name, bool withdraw, bool create_only)
{
	const struct cd_route_env *e = r->env;
	struct evhttp_request *req = r->req;
	json_t *errs = json_array(), *body = NULL;
	struct cd_change ch;
	struct cd_route_query q;
	int code;

	if (cd_route_query(req, &q, errs) < 0) {
		cd_route_errs(req, 400, errs);
		return;
	}
	if (!withdraw && (body = cd_route_body(req)) == NULL) {
		json_decref(errs);
		return;
	}
	{
		const char *nm = name ? name : cd_kind_only(kind) ? cd_kind_only(kind) :
				 json_string_value(json_object_get(json_object_get(body, "metadata"), "name"));

		if (!may_change(r, kind, nm, body)) {
			json_decref(body);
			json_decref(errs);
			cd_route_out_of_scope(r, cd_kind_name(kind), nm ? nm : "-");
			return;
		}
	}
	code = cd_res_check(e->res, kind, name, body, q.expected, create_only, "", errs, &ch);
	json_decref(body);
	if (code != 200) {
		cd_route_errs(req, code, errs);
		return;
	}
	json_decref(errs);
	if (q.dry_run) {
		cd_http_intents_dry(e, req, &ch, 1, NULL);
		cd_change_clear(&ch);
		return;
	}
	cd_http_intents_commit(r, &ch, 1, false, q.wait, 0, NULL);
}

void
cd_http_intents_change(struct cd_route *r, const struct cd_route_query *q, struct cd_change *ch,
		       cd_http_intents_view *view)
{
	if (q->dry_run) {
		cd_http_intents_dry(r->env, r->req, ch, 1, NULL);
		cd_change_clear(ch);
		return;
	}
	commit_start(r, ch, 1, false, q->wait, 0, NULL, view, r->key);
}

/* POST /api/v1/apply: the whole set checked first, then written. */
static void
do_apply(struct cd_route *r)
{
	const struct cd_route_env *e = r->env;
	struct evhttp_request *req = r->req;
	json_t *errs = json_array(), *body, *items, *it, *seen = json_object(), *prune, *pk;
	struct cd_change *ch = NULL;
	size_t n = 0, i, j;
	struct cd_route_query q;
	char base[64], who[STORE_NAME_MAX * 2 + 2];
	int code = 200, c;

	if (cd_route_query(req, &q, errs) < 0 || (body = cd_route_body(req)) == NULL) {
		if (json_array_size(errs) > 0)
			cd_route_errs(req, 400, errs);
		else
			json_decref(errs);
		json_decref(seen);
		return;
	}
	if (cd_schema_check(e->schema, "ApplySet", body, "", errs) > 0)
		goto bad;
	items = json_object_get(body, "items");
	prune = json_object_get(body, "prune");
	ch = calloc(json_array_size(items) + 64, sizeof(*ch));
	json_array_foreach(items, i, it) {
		int k = cd_kind_of(json_string_value(json_object_get(it, "kind")));
		const char *nm = json_string_value(json_object_get(json_object_get(it, "metadata"), "name"));

		if (k >= 0 && ((nm != NULL && store_name_ok(nm)) || cd_kind_only(k) != NULL)) {
			snprintf(who, sizeof(who), "%s/%.*s", cd_kind_name(k), STORE_NAME_MAX, nm ? nm : cd_kind_only(k));
			cd_audit_touch(req, who);
		}
		snprintf(base, sizeof(base), "/items/%zu", i);
		if (k < 0) {
			cd_schema_err(errs, base, "missing", "an item needs its kind");
			continue;
		}
		if (!may_change(r, k, nm ? nm : cd_kind_only(k), it)) {
			cd_schema_err(errs, base, "out_of_scope", "%s/%s is not in credential %s's scope",
				      cd_kind_name(k), nm ? nm : cd_kind_only(k) ? cd_kind_only(k) : "-", r->who.name);
			code = 403;
			continue;
		}
		c = cd_res_check(e->res, k, NULL, it, -1, false, base, errs, &ch[n]);
		if (c != 200) {
			code = code == 200 || code == 409 ? c : code;
			continue;
		}
		snprintf(who, sizeof(who), "%s/%s", cd_kind_name(k), ch[n].name);
		if (json_object_get(seen, who) != NULL) {
			cd_schema_err(errs, base, "duplicate", "%s is in the set twice", who);
			cd_change_clear(&ch[n]);
			continue;
		}
		json_object_set_new(seen, who, json_true());
		n++;
	}
	if (json_array_size(errs) > 0)
		goto bad;
	/* prune: the listed kinds' intents the set leaves out are withdrawn */
	json_array_foreach(prune, j, pk) {
		json_t *list = cd_rstatus_list(e->res, cd_kind_of(json_string_value(pk))), *d;

		json_array_foreach(json_object_get(list, "items"), i, d) {
			const char *nm = json_string_value(json_object_get(json_object_get(d, "metadata"),
									  "name"));
			const char *ph = json_string_value(json_object_get(json_object_get(d, "status"),
									  "phase"));

			snprintf(who, sizeof(who), "%s/%s", json_string_value(pk), nm);
			(void)ph;
			/* a live one (put again while its withdrawal runs too) */
			/* a scoped credential prunes what it sees alone */
			if (json_object_get(seen, who) != NULL ||
			    !cd_res_live(e->res, cd_kind_of(json_string_value(pk)), nm) ||
			    !cd_route_in_scope(r, cd_kind_of(json_string_value(pk)), nm,
					       stored_spec(e->res, cd_kind_of(json_string_value(pk)), nm)))
				continue;
			ch = realloc(ch, (n + 1) * sizeof(*ch));
			if (cd_res_check(e->res, cd_kind_of(json_string_value(pk)), nm, NULL,
					 -1, false, "/prune", errs, &ch[n]) == 200)
				n++;
		}
		json_decref(list);
	}
	if (q.dry_run) {
		cd_http_intents_dry(e, req, ch, n, NULL);
		goto out;
	}
	cd_http_intents_commit(r, ch, n, true, q.wait, 0, NULL);
	ch = NULL;	/* the commit's now */
	n = 0;
	goto out;
bad:
	cd_route_errs(req, code == 200 ? 400 : code, errs);
	errs = NULL;
out:
	for (i = 0; i < n; i++)
		cd_change_clear(&ch[i]);
	free(ch);
	json_decref(errs);
	json_decref(seen);
	json_decref(body);
}

/* KIND[/NAME] (after /api/v1/, or a site's) read into @r: 0, or -1 answered. */
static int
intents_path(struct cd_route *r, const char *rest)
{
	struct evhttp_request *req = r->req;
	const char *slash = strchr(rest, '/');
	int k;

	snprintf(r->kind_s, sizeof(r->kind_s), "%.*s", slash ? (int)(slash - rest) : (int)strlen(rest),
		 rest);
	r->name[0] = '\0';
	if (slash != NULL && strlen(slash + 1) > STORE_NAME_MAX) {
		cd_route_err(req, 400, "bad_name", json_pack("[{s:s,s:s,s:s}]", "pointer",
			     "/metadata/name", "reason", "bad_value", "message",
			     "1..63 of [A-Za-z0-9_.-], not starting with '.'"), "a name is at most %d "
			     "characters", STORE_NAME_MAX);
		return -1;
	}
	if (slash != NULL)
		snprintf(r->name, sizeof(r->name), "%s", slash + 1);
	if ((k = cd_kind_of(r->kind_s)) < 0 || strchr(r->name, '/') != NULL ||
	    (cd_kind_only(k) != NULL && slash != NULL) || (slash != NULL && r->name[0] == '\0')) {
		cd_route_err(req, 404, "not_found", NULL, "no route %s", evhttp_request_get_uri(req));
		return -1;
	}
	/* a kind of one intent: its path names none */
	if (cd_kind_only(k) != NULL)
		snprintf(r->name, sizeof(r->name), "%s", cd_kind_only(k));
	if (r->name[0] != '\0' && !store_name_ok(r->name)) {
		cd_route_err(req, 400, "bad_name", json_pack("[{s:s,s:s,s:s}]", "pointer",
			     "/metadata/name", "reason", "bad_value", "message",
			     "1..63 of [A-Za-z0-9_.-], not starting with '.'"), "bad name '%s'", r->name);
		return -1;
	}
	r->kind = k;
	return 0;
}

int
cd_http_intents_form(int kind, bool named)
{
	return named ? CD_HTTP_INTENTS_NAMED : cd_kind_only(kind) != NULL ? CD_HTTP_INTENTS_ONE :
	       CD_HTTP_INTENTS_LIST;
}

static int
match_form(struct cd_route *r, const char *rest, int form)
{
	if (intents_path(r, rest) < 0)
		return CD_ROUTE_ANSWERED;
	return cd_http_intents_form(r->kind, strchr(rest, '/') != NULL) == form ? CD_ROUTE_MATCH :
	       CD_ROUTE_NEXT;
}

int
cd_http_intents_match_list(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_LIST);
}

int
cd_http_intents_match_named(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_NAMED);
}

int
cd_http_intents_match_one(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_ONE);
}

/* Kind @k's intents with their status, those of @r's scope. */
static json_t *
scoped_list(const struct cd_route *r, int k)
{
	json_t *list = cd_rstatus_list(r->env->res, k), *items = json_object_get(list, "items"), *d;
	size_t i;

	for (i = 0; cd_route_scoped(r) && i < json_array_size(items);) {
		d = json_array_get(items, i);
		if (cd_route_in_scope(r, k, json_string_value(json_object_get(json_object_get(d, "metadata"), "name")),
				      json_object_get(d, "spec")))
			i++;
		else
			json_array_remove(items, i);
	}
	return list;
}

void
cd_http_intents_route(struct cd_route *r)
{
	const struct cd_route_env *e = r->env;
	json_t *doc;

	switch (r->m) {
	case EVHTTP_REQ_POST:
		do_change(r, r->kind, NULL, false, true);
		return;
	case EVHTTP_REQ_PUT:
	case EVHTTP_REQ_DELETE:
		do_change(r, r->kind, r->name, r->m == EVHTTP_REQ_DELETE, false);
		return;
	default:	/* GET, HEAD */
		if (r->name[0] == '\0') {
			cd_route_reply(r->req, 200, scoped_list(r, r->kind));
			return;
		}
		doc = cd_rstatus_get(e->res, r->kind, r->name);
		if (!cd_route_in_scope(r, r->kind, r->name, json_object_get(doc, "spec"))) {
			json_decref(doc);
			cd_route_out_of_scope(r, r->kind_s, r->name);
		} else if (doc != NULL) {
			cd_route_reply(r->req, 200, doc);
		} else {
			cd_route_err(r->req, 404, "not_found", NULL, "no %s/%s", r->kind_s, r->name);
		}
		return;
	}
}

void
cd_http_intents_apply(struct cd_route *r)
{
	do_apply(r);
}

/* every intent's kind, name and status, in the kinds' order; a kind of
 * one intent that has none is simply not listed */
void
cd_http_intents_list(struct cd_route *r)
{
	json_t *items = json_array(), *list, *d;
	size_t i;

	for (int k = 0; k < cd_kinds(); k++) {
		list = scoped_list(r, k);
		json_array_foreach(json_object_get(list, "items"), i, d)
			json_array_append_new(items, json_pack("{s:s,s:O*,s:O*}", "kind", cd_kind_name(k), "name",
				json_object_get(json_object_get(d, "metadata"), "name"), "status",
				json_object_get(d, "status")));
		json_decref(list);
	}
	cd_route_reply(r->req, 200, json_pack("{s:o}", "items", items));
}

void
cd_http_intents_status(struct cd_route *r)
{
	const struct cd_route_env *e = r->env;

	if (cd_route_scoped(r)) {
		/* a tenant's: whether the box answers, and its own intents' phases */
		json_t *phases = json_object(), *list, *d;
		size_t i;

		for (int k = 0; k < cd_kinds(); k++) {
			list = scoped_list(r, k);
			json_array_foreach(json_object_get(list, "items"), i, d) {
				const char *ph = json_string_value(json_object_get(json_object_get(d, "status"), "phase"));

				if (ph != NULL)
					json_object_set_new(phases, ph, json_integer(json_integer_value(
						json_object_get(phases, ph)) + 1));
			}
			json_decref(list);
		}
		cd_route_reply(r->req, 200, json_pack("{s:{s:b},s:o,s:{s:s,s:O?}}", "sxdp", "connected",
						      cd_route_sxdp_absent(e->sync) == NULL, "intents", phases,
						      "credential", "name", r->who.name, "scope", r->who.scope));
		return;
	}

	cd_route_reply(r->req, 200, json_pack("{s:o,s:o,s:{s:o,s:o,s:O*},s:o,s:o,s:o}", "sxdp",
					      cd_sync_info(e->sync), "intents", cd_rstatus_phases(e->res),
					      "store", "quarantined", cd_rstatus_quarantine(e->res),
					      "set_aside", cd_res_set_aside(e->res),
					      "fleet", cd_res_remote_info(e->res),
					      "services", cd_svc_status(), "auth", cd_auth_stats(e->auth),
					      "memory", cd_mem_info()));
}
