/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's REST routes (see cd_http.h and control/sxcd-openapi.json). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cd_http.h"
#include "cd_log.h"
#include "cd_metrics.h"
#include "cd_view.h"
#include "dp_num.h"

#define API "/api/v1"

struct cd_http {
	struct event_base *base;
	struct evhttp *http;
	char *token;
	struct cd_res *res;
	struct cd_sync *sync;
	struct cd_schema *schema;
};

/* A request whose answer waits for the dataplane (?wait=1) or for sxdp's
 * counters. */
struct pending {
	struct cd_http *h;
	struct evhttp_request *req;
	int code;
	json_t *body;		/* answered as is, or ... */
	enum cd_kind kind;	/* ... the intent as it is then */
	char name[STORE_NAME_MAX + 1];
};

/* ------------------------------------------------------------ answers */

static void
reply(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const char *why;

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	if (b != NULL && s != NULL) {
		evbuffer_add(b, s, strlen(s));
		evbuffer_add(b, "\n", 1);
	}
	switch (code) {
	case 200: why = "OK"; break;
	case 201: why = "Created"; break;
	case 400: why = "Bad Request"; break;
	case 401: why = "Unauthorized"; break;
	case 404: why = "Not Found"; break;
	case 405: why = "Method Not Allowed"; break;
	case 409: why = "Conflict"; break;
	case 413: why = "Payload Too Large"; break;
	case 503: why = "Service Unavailable"; break;
	case 507: why = "Insufficient Storage"; break;
	default: why = "Internal Server Error"; break;
	}
	evhttp_send_reply(req, code, why, b);
	if (b != NULL)
		evbuffer_free(b);
	free(s);
	json_decref(body);
}

/* An error answer; @errs (taken, NULL: none) the per-field ones. */
static void __attribute__((format(printf, 5, 6)))
reply_err(struct evhttp_request *req, int code, const char *reason, json_t *errs, const char *fmt,
	  ...)
{
	char msg[256];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "reason", reason, "message", msg);
	if (errs != NULL && json_array_size(errs) > 0)
		json_object_set(json_object_get(e, "error"), "errors", errs);
	json_decref(errs);
	reply(req, code, e);
}

/* 400/404/409 from cd_res_check's errors: the reason of the first one. */
static void
reply_errs(struct evhttp_request *req, int code, json_t *errs)
{
	json_t *first = json_array_get(errs, 0);
	const char *reason = json_string_value(json_object_get(first, "reason"));
	const char *msg = json_string_value(json_object_get(first, "message"));
	size_t n = json_array_size(errs);

	if (code == 400)
		reply_err(req, code, "invalid", errs, "%zu error%s, the first at '%s': %s", n,
			  n == 1 ? "" : "s",
			  json_string_value(json_object_get(first, "pointer")) ?: "", msg ? msg : "");
	else
		reply_err(req, code, reason ? reason : "refused", errs, "%s", msg ? msg : "refused");
}

/* ------------------------------------------------------------ requests */

struct query {
	bool dry_run, wait;
	json_int_t expected;	/* -1: none */
};

/* ?dry_run, ?wait, ?expected_generation, nothing else. */
static int
query_parse(struct evhttp_request *req, struct query *q, json_t *errs)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	struct evkeyval *p;
	char ptr[96];
	uint64_t v;

	*q = (struct query){ .expected = -1 };
	if (qs == NULL)
		return 0;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(qs, &kv) < 0) {
		cd_schema_err(errs, "/query", "bad_value", "the query string does not parse");
		return -EINVAL;
	}
	TAILQ_FOREACH(p, &kv, next) {
		snprintf(ptr, sizeof(ptr), "/query/%.64s", p->key);
		if (dp_num_parse(p->value, INT64_MAX, &v) != 0) {
			cd_schema_err(errs, ptr, "bad_value", "expected a decimal number");
			continue;
		}
		if (strcmp(p->key, "expected_generation") == 0)
			q->expected = (json_int_t)v;
		else if ((strcmp(p->key, "dry_run") == 0 || strcmp(p->key, "wait") == 0) && v <= 1)
			*(strcmp(p->key, "wait") == 0 ? &q->wait : &q->dry_run) = v == 1;
		else
			cd_schema_err(errs, ptr, strcmp(p->key, "dry_run") == 0 ||
				      strcmp(p->key, "wait") == 0 ? "out_of_range" : "unknown_field",
				      "%s", strcmp(p->key, "dry_run") == 0 || strcmp(p->key, "wait") == 0 ?
				      "0 or 1" : "no such query parameter");
	}
	evhttp_clear_headers(&kv);
	return json_array_size(errs) ? -EINVAL : 0;
}

/* The body as JSON; NULL after answering 400 or 413. */
static json_t *
body_of(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	json_error_t je;
	json_t *v;

	if (n > CD_HTTP_BODY_MAX) {
		reply_err(req, 413, "too_large", NULL, "a body is at most %u bytes", CD_HTTP_BODY_MAX);
		return NULL;
	}
	v = json_loadb((const char *)evbuffer_pullup(in, -1), n, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		reply_err(req, 400, "bad_json", NULL, "line %d column %d: %s", je.line, je.column,
			  je.text);
	else if (!json_is_object(v)) {
		reply_err(req, 400, "wrong_type", json_pack("[{s:s,s:s,s:s}]", "pointer", "",
			  "reason", "wrong_type", "message", "expected an object"),
			  "the body must be a JSON object");
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* The store refused a write (-@rc): nothing changed. 507 when it is out
 * of room, 503 when it cannot be written at all (read-only, I/O). */
static void
reply_store(struct evhttp_request *req, int rc)
{
	bool full = rc == -ENOSPC || rc == -EDQUOT;

	CD_LOG(ERR, "the intent store refused a write: %s", strerror(-rc));
	reply_err(req, full ? 507 : 503, full ? "store_full" : "store_unavailable", NULL,
		  "the intent store refused the write (%s): nothing changed", strerror(-rc));
}

/* ------------------------------------------------------------ waiting */

static void
pending_answer(void *arg, bool done)
{
	struct pending *p = arg;
	json_t *body = p->body;

	(void)done;
	evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	if (body == NULL)
		body = cd_res_get(p->h->res, p->kind, p->name);
	if (body == NULL)	/* withdrawn meanwhile */
		body = json_pack("{s:s,s:{s:s},s:{s:s}}", "kind", cd_kind_name(p->kind), "metadata",
				 "name", p->name, "status", "phase", "Withdrawn");
	reply(p->req, p->code, body);
	free(p);
}

static void
pending_gone(struct evhttp_connection *c, void *arg)
{
	struct pending *p = arg;

	(void)c;
	cd_sync_unwait(p->h->sync, p);
	json_decref(p->body);
	free(p);
}

/* Answer @code with @body (taken; NULL: the intent) once run @epoch ended. */
static void
answer_after(struct cd_http *h, struct evhttp_request *req, uint64_t epoch, int code, json_t *body,
	     enum cd_kind kind, const char *name)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		json_decref(body);
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	*p = (struct pending){ .h = h, .req = req, .code = code, .body = body, .kind = kind };
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	if (cd_sync_wait(h->sync, epoch, CD_HTTP_WAIT_MS, pending_answer, p) < 0) {
		pending_answer(p, false);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), pending_gone, p);
}

/* ------------------------------------------------------------ intents */

/* A dry run under way: its request and what its answer says changes. */
struct dry_req {
	struct cd_http *h;
	struct evhttp_request *req;
	json_t *chg;	/* [{"kind", "name", "action", "generation"}] */
	json_t *who;	/* ["KIND/NAME", ...] */
};

static json_t *
dry_body(struct dry_req *d, int rc, json_t *diff, json_t *results)
{
	json_t *st = json_object(), *w;
	size_t i;

	json_array_foreach(d->who, i, w)
		if (json_object_get(results, json_string_value(w)) != NULL)
			json_object_set(st, json_string_value(w), json_object_get(results, json_string_value(w)));
	if (rc == -ENOTCONN)
		return json_pack("{s:b,s:O,s:o,s:s}", "dry_run", 1, "changes", d->chg, "status", st,
				 "note", "sxdp is not connected: the specs are valid; the table "
				 "writes are known once it is");
	if (rc < 0) {
		json_decref(st);
		return NULL;
	}
	return json_pack("{s:b,s:O,s:O,s:o}", "dry_run", 1, "changes", d->chg, "diff",
			 diff ? diff : json_array(), "status", st);
}

static void
dry_req_free(struct dry_req *d)
{
	json_decref(d->chg);
	json_decref(d->who);
	free(d);
}

static void
dry_answer(void *arg, int rc, json_t *diff, json_t *results)
{
	struct dry_req *d = arg;
	json_t *body = dry_body(d, rc, diff, results);

	evhttp_connection_set_closecb(evhttp_request_get_connection(d->req), NULL, NULL);
	if (body != NULL)
		reply(d->req, 200, body);
	else
		reply_err(d->req, 500, "no_memory", NULL, "the dry run could not compile: %s", strerror(-rc));
	dry_req_free(d);
}

static void
dry_gone(struct evhttp_connection *c, void *arg)
{
	struct dry_req *d = arg;

	(void)c;
	cd_sync_dry_cancel(d->h->sync, d);
	dry_req_free(d);
}

/* The dry-run answer for @changes: what changes, the table writes, and
 * how each changed intent would compile; answered once the compile is
 * done (in slices: other requests are served meanwhile). */
static void
dry_run(struct cd_http *h, struct evhttp_request *req, struct cd_change *ch, size_t n)
{
	struct dry_req *d = calloc(1, sizeof(*d));
	json_t *specs;
	char who[STORE_NAME_MAX * 2 + 2];
	int rc;

	if (d == NULL) {
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	*d = (struct dry_req){ .h = h, .req = req, .chg = json_array(), .who = json_array() };
	for (size_t i = 0; i < n; i++) {
		snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
		json_array_append_new(d->chg, json_pack("{s:s,s:s,s:s,s:I}", "kind",
			cd_kind_name(ch[i].kind), "name", ch[i].name, "action", ch[i].action,
			"generation", ch[i].generation));
		json_array_append_new(d->who, json_string(who));
	}
	specs = cd_res_specs(h->res, ch, n);
	rc = cd_sync_dry_run(h->sync, specs, 0, dry_answer, d);
	json_decref(specs);
	if (rc < 0) {
		dry_answer(d, rc, NULL, NULL);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), dry_gone, d);
}

/* A change checked against the intents' collisions (cd_res_collisions on
 * what the compile would make of it: a dry run, in slices, so the loop
 * serves others meanwhile), then stored and answered. */
#define CD_HTTP_CHECK_WAIT_MS 1000	/* a collision check that cannot start by then is skipped */

struct commit {
	struct cd_http *h;
	struct evhttp_request *req;
	struct cd_change *ch;
	size_t n;
	bool apply, wait;
};

static void
commit_free(struct commit *c)
{
	for (size_t i = 0; i < c->n; i++)
		cd_change_clear(&c->ch[i]);
	free(c->ch);
	free(c);
}

/* Store the change(s) and answer: the intent (PUT, DELETE) or the changes
 * (apply), now or once in sxdp (?wait=1). */
static void
commit_go(struct commit *c)
{
	struct cd_http *h = c->h;
	struct cd_change *ch = c->ch;
	json_t *body, *chg;
	int code, rc;

	if (c->apply) {
		/* stored whole or not at all */
		if ((rc = cd_res_commit_all(h->res, ch, c->n)) < 0) {
			reply_store(c->req, rc);
			commit_free(c);
			return;
		}
		chg = json_array();
		for (size_t i = 0; i < c->n; i++)
			json_array_append_new(chg, json_pack("{s:s,s:s,s:s,s:I}", "kind",
				cd_kind_name(ch[i].kind), "name", ch[i].name, "action", ch[i].action,
				"generation", ch[i].generation));
		if (c->wait)
			answer_after(h, c->req, cd_sync_kick(h->sync), 200, json_pack("{s:o}", "changes", chg),
				     CD_SITE, NULL);
		else
			reply(c->req, 200, json_pack("{s:o,s:I}", "changes", chg, "run",
						     (json_int_t)cd_sync_kick(h->sync)));
		commit_free(c);
		return;
	}
	if ((rc = cd_res_commit(h->res, ch)) < 0) {
		reply_store(c->req, rc);
		commit_free(c);
		return;
	}
	code = strcmp(ch->action, "created") == 0 ? 201 : 200;
	if (strcmp(ch->action, "unchanged") != 0 || c->wait) {
		uint64_t epoch = cd_sync_kick(h->sync);

		if (c->wait) {
			answer_after(h, c->req, epoch, code, NULL, ch->kind, ch->name);
			commit_free(c);
			return;
		}
	}
	body = cd_res_get(h->res, ch->kind, ch->name);
	reply(c->req, code, body ? body : json_pack("{s:s}", "status", "Withdrawn"));
	commit_free(c);
}

static void
on_checked(void *arg, int rc, json_t *diff, json_t *results)
{
	struct commit *c = arg;
	json_t *errs = json_array();

	(void)diff;
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
	/* unknowable while sxdp is away: then the older intent wins when both compile */
	if (rc == 0 && cd_res_collisions(c->h->res, results, c->ch, c->n, errs) == 409) {
		reply_errs(c->req, 409, errs);
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
	cd_sync_dry_cancel(c->h->sync, c);
	commit_free(c);
}

/* @ch (@n of them, taken: moved into the commit) checked, stored, answered. */
static void
checked_commit(struct cd_http *h, struct evhttp_request *req, struct cd_change *ch, size_t n, bool apply,
	       bool wait)
{
	struct commit *c = calloc(1, sizeof(*c));
	bool any = false;
	json_t *specs;
	int rc;

	if (c == NULL || (c->ch = calloc(n + 1, sizeof(*ch))) == NULL) {
		free(c);
		for (size_t i = 0; i < n; i++)
			cd_change_clear(&ch[i]);
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	memcpy(c->ch, ch, n * sizeof(*ch));
	*c = (struct commit){ .h = h, .req = req, .ch = c->ch, .n = n, .apply = apply, .wait = wait };
	for (size_t i = 0; i < n; i++)
		any = any || strcmp(ch[i].action, "unchanged") != 0;
	if (!any) {
		commit_go(c);
		return;
	}
	specs = cd_res_specs(h->res, ch, n);
	rc = cd_sync_dry_run(h->sync, specs, CD_HTTP_CHECK_WAIT_MS, on_checked, c);
	json_decref(specs);
	if (rc < 0) {
		commit_go(c);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), commit_gone, c);
}

static void
do_change(struct cd_http *h, struct evhttp_request *req, enum cd_kind kind, const char *name,
	  bool withdraw, bool create_only)
{
	json_t *errs = json_array(), *body = NULL;
	struct cd_change ch;
	struct query q;
	int code;

	if (query_parse(req, &q, errs) < 0) {
		reply_errs(req, 400, errs);
		return;
	}
	if (!withdraw && (body = body_of(req)) == NULL) {
		json_decref(errs);
		return;
	}
	code = cd_res_check(h->res, kind, name, body, q.expected, create_only, "", errs, &ch);
	json_decref(body);
	if (code != 200) {
		reply_errs(req, code, errs);
		return;
	}
	json_decref(errs);
	if (q.dry_run) {
		dry_run(h, req, &ch, 1);
		cd_change_clear(&ch);
		return;
	}
	checked_commit(h, req, &ch, 1, false, q.wait);
}

/* POST /api/v1/apply: the whole set checked first, then written. */
static void
do_apply(struct cd_http *h, struct evhttp_request *req)
{
	json_t *errs = json_array(), *body, *items, *it, *seen = json_object(), *prune, *pk;
	struct cd_change *ch = NULL;
	size_t n = 0, i, j;
	struct query q;
	char base[64], who[STORE_NAME_MAX * 2 + 2];
	int code = 200, c;

	if (query_parse(req, &q, errs) < 0 || (body = body_of(req)) == NULL) {
		if (json_array_size(errs) > 0)
			reply_errs(req, 400, errs);
		else
			json_decref(errs);
		json_decref(seen);
		return;
	}
	if (cd_schema_check(h->schema, "ApplySet", body, "", errs) > 0)
		goto bad;
	items = json_object_get(body, "items");
	prune = json_object_get(body, "prune");
	ch = calloc(json_array_size(items) + 64, sizeof(*ch));
	json_array_foreach(items, i, it) {
		int k = cd_kind_of(json_string_value(json_object_get(it, "kind")));

		snprintf(base, sizeof(base), "/items/%zu", i);
		if (k < 0) {
			cd_schema_err(errs, base, "missing", "an item needs its kind");
			continue;
		}
		c = cd_res_check(h->res, (enum cd_kind)k, NULL, it, -1, false, base, errs, &ch[n]);
		if (c != 200) {
			code = code == 200 || code == 409 ? c : code;
			continue;
		}
		snprintf(who, sizeof(who), "%s/%s", cd_kind_name((enum cd_kind)k), ch[n].name);
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
		json_t *list = cd_res_list(h->res, (enum cd_kind)cd_kind_of(json_string_value(pk))), *d;

		json_array_foreach(json_object_get(list, "items"), i, d) {
			const char *nm = json_string_value(json_object_get(json_object_get(d, "metadata"),
									  "name"));
			const char *ph = json_string_value(json_object_get(json_object_get(d, "status"),
									  "phase"));

			snprintf(who, sizeof(who), "%s/%s", json_string_value(pk), nm);
			(void)ph;
			/* a live one (put again while its withdrawal runs too) */
			if (json_object_get(seen, who) != NULL ||
			    !cd_res_live(h->res, (enum cd_kind)cd_kind_of(json_string_value(pk)), nm))
				continue;
			ch = realloc(ch, (n + 1) * sizeof(*ch));
			if (cd_res_check(h->res, (enum cd_kind)cd_kind_of(json_string_value(pk)), nm, NULL,
					 -1, false, "/prune", errs, &ch[n]) == 200)
				n++;
		}
		json_decref(list);
	}
	if (q.dry_run) {
		dry_run(h, req, ch, n);
		goto out;
	}
	checked_commit(h, req, ch, n, true, q.wait);
	ch = NULL;	/* the commit's now */
	n = 0;
	goto out;
bad:
	reply_errs(req, code == 200 ? 400 : code, errs);
	errs = NULL;
out:
	for (i = 0; i < n; i++)
		cd_change_clear(&ch[i]);
	free(ch);
	json_decref(errs);
	json_decref(seen);
	json_decref(body);
}

/* /api/v1/site, /api/v1/KIND, /api/v1/KIND/NAME */
static void
route_intents(struct cd_http *h, struct evhttp_request *req, enum evhttp_cmd_type m, const char *rest)
{
	char kind_s[32], name[STORE_NAME_MAX + 2];
	const char *slash = strchr(rest, '/');
	int k;
	json_t *doc;

	snprintf(kind_s, sizeof(kind_s), "%.*s", slash ? (int)(slash - rest) : (int)strlen(rest), rest);
	name[0] = '\0';
	if (slash != NULL)
		snprintf(name, sizeof(name), "%s", slash + 1);
	if ((k = cd_kind_of(kind_s)) < 0 || strchr(name, '/') != NULL ||
	    (k == CD_SITE && slash != NULL) || (slash != NULL && name[0] == '\0')) {
		reply_err(req, 404, "not_found", NULL, "no route %s", evhttp_request_get_uri(req));
		return;
	}
	if (k == CD_SITE)
		snprintf(name, sizeof(name), "%s", CD_SITE_NAME);
	if (name[0] != '\0' && !store_name_ok(name)) {
		reply_err(req, 400, "bad_name", json_pack("[{s:s,s:s,s:s}]", "pointer",
			  "/metadata/name", "reason", "bad_value", "message",
			  "1..63 of [A-Za-z0-9_.-], not starting with '.'"), "bad name '%s'", name);
		return;
	}
	switch (m) {
	case EVHTTP_REQ_GET:
		if (name[0] == '\0') {
			reply(req, 200, cd_res_list(h->res, (enum cd_kind)k));
		} else if ((doc = cd_res_get(h->res, (enum cd_kind)k, name)) != NULL) {
			reply(req, 200, doc);
		} else {
			reply_err(req, 404, "not_found", NULL, "no %s/%s", kind_s, name);
		}
		return;
	case EVHTTP_REQ_POST:
		if (name[0] != '\0' || k == CD_SITE)
			break;
		do_change(h, req, (enum cd_kind)k, NULL, false, true);
		return;
	case EVHTTP_REQ_PUT:
		if (name[0] == '\0')
			break;
		do_change(h, req, (enum cd_kind)k, name, false, false);
		return;
	case EVHTTP_REQ_DELETE:
		if (name[0] == '\0')
			break;
		do_change(h, req, (enum cd_kind)k, name, true, false);
		return;
	default:
		break;
	}
	reply_err(req, 405, "bad_method", NULL, "%s does not take this method",
		  evhttp_request_get_uri(req));
}

/* ------------------------------------------------------- the rest */

static void
on_view(void *arg, json_t *body)
{
	struct pending *p = arg;

	if (p->req == NULL) {	/* the client left */
		json_decref(body);
		free(p);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	if (body != NULL)
		reply(p->req, 200, body);
	else
		reply_err(p->req, 503, "sxdp", NULL, "sxdp is not connected");
	free(p);
}

static void
on_metrics(void *arg, char *text)
{
	struct pending *p = arg;
	struct evbuffer *b;

	if (p->req == NULL) {
		free(text);
		free(p);
		return;
	}
	b = evbuffer_new();
	evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(p->req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	if (b != NULL && text != NULL)
		evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(p->req, 200, "OK", b);
	if (b != NULL)
		evbuffer_free(b);
	free(text);
	free(p);
}

static void
view_gone(struct evhttp_connection *c, void *arg)
{
	struct pending *p = arg;

	(void)c;
	p->req = NULL;	/* the view answers into nothing */
}

static bool
authorized(struct cd_http *h, struct evhttp_request *req)
{
	const char *a = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	size_t n, tn;
	unsigned char diff = 0;

	if (h->token == NULL)
		return true;
	if (a == NULL || strncmp(a, "Bearer ", 7) != 0)
		return false;
	a += 7;
	n = strlen(a);
	tn = strlen(h->token);
	/* the same time whatever the first wrong byte */
	for (size_t i = 0; i < tn; i++)
		diff |= (unsigned char)(h->token[i] ^ (i < n ? a[i] : 0));
	return diff == 0 && n == tn;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct cd_http *h = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct pending *p;

	if (path == NULL)
		path = "/";
	if (!authorized(h, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"sxcd\"");
		reply_err(req, 401, "unauthorized", NULL, "a bearer token is required");
		return;
	}
	if (strncmp(path, API "/", sizeof(API)) == 0) {
		const char *rest = path + sizeof(API);

		if (strcmp(rest, "openapi.json") == 0 && m == EVHTTP_REQ_GET) {
			reply(req, 200, json_incref(cd_schema_doc(h->schema)));
			return;
		}
		if (strcmp(rest, "status") == 0 && m == EVHTTP_REQ_GET) {
			reply(req, 200, json_pack("{s:o,s:o,s:{s:o}}", "sxdp", cd_sync_info(h->sync),
						  "intents", cd_res_phases(h->res), "store", "quarantined",
						  cd_res_quarantine(h->res)));
			return;
		}
		if (strcmp(rest, "apply") == 0) {
			if (m == EVHTTP_REQ_POST)
				do_apply(h, req);
			else
				reply_err(req, 405, "bad_method", NULL, "apply takes POST");
			return;
		}
		if ((strcmp(rest, "topology") == 0 || strcmp(rest, "counters") == 0) &&
		    m == EVHTTP_REQ_GET) {
			if ((p = calloc(1, sizeof(*p))) == NULL)
				return;
			p->h = h;
			p->req = req;
			evhttp_connection_set_closecb(evhttp_request_get_connection(req), view_gone, p);
			cd_view(h->sync, h->res, strcmp(rest, "topology") == 0 ? CD_VIEW_TOPOLOGY :
				CD_VIEW_COUNTERS, on_view, p);
			return;
		}
		route_intents(h, req, m, rest);
		return;
	}
	if (strcmp(path, "/metrics") == 0 && m == EVHTTP_REQ_GET) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return;
		p->h = h;
		p->req = req;
		evhttp_connection_set_closecb(evhttp_request_get_connection(req), view_gone, p);
		cd_metrics(h->sync, h->res, on_metrics, p);
		return;
	}
	reply_err(req, 404, "not_found", NULL, "no route %s", path);
}

int
cd_http_new(struct event_base *base, const char *addr, uint16_t port, const char *token,
	    struct cd_res *res, struct cd_sync *sync, struct cd_schema *schema, struct cd_http **out)
{
	struct cd_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	*h = (struct cd_http){ .base = base, .res = res, .sync = sync, .schema = schema,
			       .token = token ? strdup(token) : NULL };
	if ((h->http = evhttp_new(base)) == NULL) {
		cd_http_free(h);
		return -ENOMEM;
	}
	evhttp_set_max_body_size(h->http, 2 * CD_HTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->http, 16384);
	evhttp_set_timeout(h->http, 30);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE);
	evhttp_set_gencb(h->http, on_request, h);
	if (evhttp_bind_socket(h->http, addr, port) < 0) {
		cd_http_free(h);
		return -EADDRINUSE;
	}
	*out = h;
	return 0;
}

void
cd_http_free(struct cd_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h->token);
	free(h);
}
