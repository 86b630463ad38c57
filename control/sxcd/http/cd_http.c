/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's REST routes (see cd_http.h and sxcd-openapi.json). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cd_auth.h"
#include "cd_http.h"
#include "cd_lag.h"
#include "cd_log.h"
#include "cd_metrics.h"
#include "cd_svc.h"
#include "cd_view.h"
#include "cd_wire.h"
#include "cd_www.h"
#include "ctl_async.h"
#include "dp_num.h"

#define API "/api/v1"

struct cd_http {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct cd_wire *wire;
	struct cd_res *res;
	struct cd_sync *sync;
	struct cd_schema *schema;
	struct cd_www *www;	/* the page, NULL: none */
	struct cd_auth *auth;
	struct cd_http_fleet fleet;	/* view NULL: not on a fleet's store */
};

/* A request whose answer waits for the dataplane (?wait=1) or for sxdp's
 * counters. */
struct pending {
	struct cd_http *h;
	struct evhttp_request *req;
	int code;
	json_t *body;		/* answered as is, or ... */
	int kind;	/* ... the intent as it is then */
	char name[STORE_NAME_MAX + 1];
};

/* ------------------------------------------------------------ answers */

/* evhttp (2.1.12) would send a HEAD answer's body, and without its length:
 * the length of what GET answers, no body. Every answer of the API (errors
 * too) is not to be sniffed, kept or framed (OWASP's REST headers). */
static void
send_reply(struct evhttp_request *req, int code, const char *why, struct evbuffer *b)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char n[24];

	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof(n), "%zu", b != NULL ? evbuffer_get_length(b) : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", n);
		b = NULL;
	}
	evhttp_send_reply(req, code, why, b);
}

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
	case 403: why = "Forbidden"; break;
	case 404: why = "Not Found"; break;
	case 405: why = "Method Not Allowed"; break;
	case 409: why = "Conflict"; break;
	case 204: why = "No Content"; break;
	case 411: why = "Length Required"; break;
	case 413: why = "Payload Too Large"; break;
	case 415: why = "Unsupported Media Type"; break;
	case 417: why = "Expectation Failed"; break;
	case 421: why = "Misdirected Request"; break;
	case 429: why = "Too Many Requests"; break;
	case 431: why = "Request Header Fields Too Large"; break;
	case 501: why = "Not Implemented"; break;
	case 503: why = "Service Unavailable"; break;
	case 505: why = "HTTP Version Not Supported"; break;
	case 507: why = "Insufficient Storage"; break;
	default: why = "Internal Server Error"; break;
	}
	send_reply(req, code, why, b);
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

/* Is ?@name (or ?@name=1|true) in the query? */
static bool
query_flag(struct evhttp_request *req, const char *name)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)), *v;
	struct evkeyvalq kv;
	bool on = false;

	TAILQ_INIT(&kv);
	if (qs == NULL || evhttp_parse_query_str(qs, &kv) < 0)
		return false;
	if ((v = evhttp_find_header(&kv, name)) != NULL)
		on = v[0] == '\0' || strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	evhttp_clear_headers(&kv);
	return on;
}

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

	/* a fleet's shared store (cd_fleet.c) */
	if (rc == -ESTALE) {
		reply_err(req, 409, "stale_generation", NULL, "another writer changed it meanwhile: "
			  "nothing changed (read it again, then write)");
		return;
	}
	if (rc == -ENOTCONN || rc == -EIO || rc == -E2BIG || rc == -EINVAL) {
		bool big = rc == -E2BIG || rc == -EINVAL;

		CD_LOG(WARN, "the fleet's store did not take a write: %s", strerror(-rc));
		reply_err(req, big ? 413 : 503, big ? "too_large" : rc == -EIO ? "store_unknown" :
			  "store_unreachable", NULL, rc == -E2BIG ? "more changes than the fleet's "
			  "store takes at once (etcd's --max-txn-ops, 128 by default): raise it "
			  "or apply in parts" : rc == -EINVAL ? "the fleet's store refused the "
			  "change as too large: nothing changed" : rc == -EIO ? "the fleet's store "
			  "did not answer: the change may or may not be stored (read it again)" :
			  "the fleet's store is unreachable: nothing changed");
		return;
	}

	CD_LOG(ERR, "the intent store refused a write: %s", strerror(-rc));
	reply_err(req, full ? 507 : 503, full ? "store_full" : "store_unavailable", NULL,
		  "the intent store refused the write (%s): nothing changed", strerror(-rc));
}

/* ------------------------------------------------------------ waiting */

/* Why sxdp cannot be waited for now (NULL: it can). */
static const char *
sxdp_absent(struct cd_http *h)
{
	struct ctl_async *c = cd_sync_ctl(h->sync);

	return ctl_async_stalled(c) ? "unresponsive" : ctl_async_up(c) ? NULL : "not connected";
}

static void
pending_answer(void *arg, bool done)
{
	struct pending *p = arg;
	json_t *body = p->body;
	const char *why;

	evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	/* the wait ran out with sxdp away: the change is stored (and applied once
	 * sxdp answers again), but what was asked for did not happen */
	if (!done && (why = sxdp_absent(p->h)) != NULL) {
		json_decref(body);
		reply_err(p->req, 503, strcmp(why, "unresponsive") == 0 ? "sxdp_unresponsive" :
			  "sxdp_unavailable", NULL, "the change is stored, but not in the dataplane: "
			  "sxdp is %s (it is applied once sxdp answers again)", why);
		free(p);
		return;
	}
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
	     int kind, const char *name)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		json_decref(body);
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	*p = (struct pending){ .h = h, .req = req, .code = code, .body = body, .kind = kind };
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	/* a stopped sxdp is not waited for: it may never answer */
	if (ctl_async_stalled(cd_sync_ctl(h->sync)) ||
	    cd_sync_wait(h->sync, epoch, CD_HTTP_WAIT_MS, pending_answer, p) < 0) {
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

static void
commit_orphan(struct evhttp_connection *conn, void *arg)
{
	struct commit *c = arg;

	(void)conn;
	c->req = NULL;
}

/* An apply is stored (@rc 0) or not: answered, the change run. */
static void
applied(void *arg, int rc)
{
	struct commit *c = arg;
	struct cd_http *h = c->h;
	json_t *chg;
	uint64_t epoch;

	if (c->req != NULL)
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
	if (rc < 0) {
		if (c->req != NULL)
			reply_store(c->req, rc);
		commit_free(c);
		return;
	}
	epoch = cd_sync_kick(h->sync);
	if (c->req == NULL) {
		commit_free(c);
		return;
	}
	chg = json_array();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(chg, json_pack("{s:s,s:s,s:s,s:I}", "kind", cd_kind_name(c->ch[i].kind),
						     "name", c->ch[i].name, "action", c->ch[i].action,
						     "generation", c->ch[i].generation));
	if (c->wait)
		answer_after(h, c->req, epoch, 200, json_pack("{s:o}", "changes", chg), -1, NULL);
	else
		reply(c->req, 200, json_pack("{s:o,s:I}", "changes", chg, "run", (json_int_t)epoch));
	commit_free(c);
}

static void answer_one(struct commit *c);

/* A PUT or DELETE through a fleet's store is stored (@rc 0) or not. */
static void
stored_one(void *arg, int rc)
{
	struct commit *c = arg;

	if (c->req == NULL) {	/* the client went: the change runs all the same */
		if (rc == 0)
			cd_sync_kick(c->h->sync);
		commit_free(c);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), NULL, NULL);
	if (rc < 0) {
		reply_store(c->req, rc);
		commit_free(c);
		return;
	}
	answer_one(c);
}

/* Store the change(s) and answer: the intent (PUT, DELETE) or the changes
 * (apply), now or once in sxdp (?wait=1). */
static void
commit_go(struct commit *c)
{
	struct cd_http *h = c->h;
	struct cd_change *ch = c->ch;
	int rc;

	if (c->apply) {
		/* stored whole or not at all, in slices of the loop: a client
		 * gone meanwhile changes nothing of it */
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), commit_orphan, c);
		cd_res_commit_all_async(h->res, ch, c->n, applied, c);
		return;
	}
	if (cd_res_is_remote(h->res) && strcmp(ch->action, "unchanged") != 0) {
		/* a fleet's store answers later */
		evhttp_connection_set_closecb(evhttp_request_get_connection(c->req), commit_orphan, c);
		cd_res_commit_all_async(h->res, ch, 1, stored_one, c);
		return;
	}
	if ((rc = cd_res_commit(h->res, ch)) < 0) {
		reply_store(c->req, rc);
		commit_free(c);
		return;
	}
	answer_one(c);
}

/* A PUT or DELETE is stored: answered, the change run. */
static void
answer_one(struct commit *c)
{
	struct cd_http *h = c->h;
	struct cd_change *ch = c->ch;
	json_t *body;
	int code;

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
do_change(struct cd_http *h, struct evhttp_request *req, int kind, const char *name,
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
		c = cd_res_check(h->res, k, NULL, it, -1, false, base, errs, &ch[n]);
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
		json_t *list = cd_res_list(h->res, cd_kind_of(json_string_value(pk))), *d;

		json_array_foreach(json_object_get(list, "items"), i, d) {
			const char *nm = json_string_value(json_object_get(json_object_get(d, "metadata"),
									  "name"));
			const char *ph = json_string_value(json_object_get(json_object_get(d, "status"),
									  "phase"));

			snprintf(who, sizeof(who), "%s/%s", json_string_value(pk), nm);
			(void)ph;
			/* a live one (put again while its withdrawal runs too) */
			if (json_object_get(seen, who) != NULL ||
			    !cd_res_live(h->res, cd_kind_of(json_string_value(pk)), nm))
				continue;
			ch = realloc(ch, (n + 1) * sizeof(*ch));
			if (cd_res_check(h->res, cd_kind_of(json_string_value(pk)), nm, NULL,
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

/* ------------------------------------------------------- routes */

/* A request as its route sees it: what the route's pattern read of the path. */
struct rreq {
	struct cd_http *h;
	struct evhttp_request *req;
	enum evhttp_cmd_type m;
	const char *path;
	bool authed;		/* the token, or the page's session for a read */
	/* {site}, {kind}, {name} (a kind of one intent's name filled in) */
	char site[STORE_NAME_MAX + 2], kind_s[32], name[STORE_NAME_MAX + 2];
	int kind;
	const struct cd_vis_item *item;	/* {item}, and its {id} (raw) */
	const char *id;
};

/* What a pattern's match made of a path: not this route, this route, or
 * a bad path answered already (400, 404). */
enum { R_NEXT, R_MATCH, R_ANSWERED };

/* KIND[/NAME] (after /api/v1/) read into @r: 0, or -1 answered. */
static int
intents_path(struct rreq *r, const char *rest)
{
	struct evhttp_request *req = r->req;
	const char *slash = strchr(rest, '/');
	int k;

	snprintf(r->kind_s, sizeof(r->kind_s), "%.*s", slash ? (int)(slash - rest) : (int)strlen(rest), rest);
	r->name[0] = '\0';
	if (slash != NULL && strlen(slash + 1) > STORE_NAME_MAX) {
		reply_err(req, 400, "bad_name", json_pack("[{s:s,s:s,s:s}]", "pointer",
			  "/metadata/name", "reason", "bad_value", "message",
			  "1..63 of [A-Za-z0-9_.-], not starting with '.'"), "a name is at most %d "
			  "characters", STORE_NAME_MAX);
		return -1;
	}
	if (slash != NULL)
		snprintf(r->name, sizeof(r->name), "%s", slash + 1);
	if ((k = cd_kind_of(r->kind_s)) < 0 || strchr(r->name, '/') != NULL ||
	    (cd_kind_only(k) != NULL && slash != NULL) || (slash != NULL && r->name[0] == '\0')) {
		reply_err(req, 404, "not_found", NULL, "no route %s", evhttp_request_get_uri(req));
		return -1;
	}
	/* a kind of one intent: its path names none */
	if (cd_kind_only(k) != NULL)
		snprintf(r->name, sizeof(r->name), "%s", cd_kind_only(k));
	if (r->name[0] != '\0' && !store_name_ok(r->name)) {
		reply_err(req, 400, "bad_name", json_pack("[{s:s,s:s,s:s}]", "pointer",
			  "/metadata/name", "reason", "bad_value", "message",
			  "1..63 of [A-Za-z0-9_.-], not starting with '.'"), "bad name '%s'", r->name);
		return -1;
	}
	r->kind = k;
	return 0;
}

/* Which of a kind's three paths @r's is: KIND (a list), KIND/NAME, or
 * the path of a kind of one intent. */
static int
path_form(const struct rreq *r, bool named)
{
	return named ? 1 : cd_kind_only(r->kind) != NULL ? 2 : 0;
}

static int
match_intents_of(struct rreq *r, const char *rest, int form)
{
	if (intents_path(r, rest) < 0)
		return R_ANSWERED;
	return path_form(r, strchr(rest, '/') != NULL) == form ? R_MATCH : R_NEXT;
}

static int
match_kind(struct rreq *r, const char *rest)
{
	return match_intents_of(r, rest, 0);
}

static int
match_named(struct rreq *r, const char *rest)
{
	return match_intents_of(r, rest, 1);
}

static int
match_one(struct rreq *r, const char *rest)
{
	return match_intents_of(r, rest, 2);
}

/* /api/v1/KIND, /api/v1/KIND/NAME, /api/v1/site: the methods are the route's */
static void
route_intents(struct rreq *r)
{
	struct cd_http *h = r->h;
	json_t *doc;

	switch (r->m) {
	case EVHTTP_REQ_POST:
		do_change(h, r->req, r->kind, NULL, false, true);
		return;
	case EVHTTP_REQ_PUT:
	case EVHTTP_REQ_DELETE:
		do_change(h, r->req, r->kind, r->name, r->m == EVHTTP_REQ_DELETE, false);
		return;
	default:	/* GET, HEAD */
		if (r->name[0] == '\0')
			reply(r->req, 200, cd_res_list(h->res, r->kind));
		else if ((doc = cd_res_get(h->res, r->kind, r->name)) != NULL)
			reply(r->req, 200, doc);
		else
			reply_err(r->req, 404, "not_found", NULL, "no %s/%s", r->kind_s, r->name);
		return;
	}
}

/* ------------------------------------------------------- a fleet's */

static void
on_fleet(void *arg, int code, json_t *body)
{
	struct pending *p = arg;

	if (p->req == NULL) {	/* the client left */
		json_decref(body);
		free(p);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(p->req), NULL, NULL);
	reply(p->req, code, body);
	free(p);
}

static void view_gone(struct evhttp_connection *c, void *arg);

static struct pending *
fleet_pending(struct cd_http *h, struct evhttp_request *req)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return NULL;
	}
	p->h = h;
	p->req = req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), view_gone, p);
	return p;
}

/* GET /api/v1/fleet */
static void
route_fleet(struct rreq *r)
{
	struct pending *p;

	if (r->h->fleet.view == NULL)
		reply_err(r->req, 404, "not_fleet", NULL, "sxcd is not on a fleet's store "
			  "(--store etcd://...)");
	else if ((p = fleet_pending(r->h, r->req)) != NULL)
		r->h->fleet.view(r->h->fleet.view_ctx, query_flag(r->req, "brief"), on_fleet, p);
}

/* SITE/KIND[/NAME] after /api/v1/sites/ read into @r (a site's own
 * kinds only): 0, or -1 answered. */
static int
site_path(struct rreq *r, const char *rest)
{
	const char *sl = strchr(rest, '/'), *ks = sl ? sl + 1 : NULL, *ns;
	struct cd_http *h = r->h;
	int k;

	if (h->fleet.view == NULL) {
		reply_err(r->req, 404, "not_fleet", NULL, "sxcd is not on a fleet's store (--store etcd://...)");
		return -1;
	}
	ns = ks ? strchr(ks, '/') : NULL;
	snprintf(r->site, sizeof(r->site), "%.*s", sl ? (int)(sl - rest) : 0, rest);
	snprintf(r->kind_s, sizeof(r->kind_s), "%.*s", ks ? (ns ? (int)(ns - ks) : (int)strlen(ks)) : 0,
		 ks ? ks : "");
	snprintf(r->name, sizeof(r->name), "%.*s", ns ? STORE_NAME_MAX + 1 : 0, ns ? ns + 1 : "");
	if (sl == NULL || !store_name_ok(r->site) || (k = cd_kind_of(r->kind_s)) < 0 ||
	    !cd_kind_per_site(k) || (ns != NULL && (strchr(ns + 1, '/') != NULL ||
						     !store_name_ok(r->name) || cd_kind_only(k) != NULL))) {
		reply_err(r->req, 404, "not_found", NULL, "no route %s (a site's own kinds only)",
			  evhttp_request_get_uri(r->req));
		return -1;
	}
	r->kind = k;
	if (cd_kind_only(k) != NULL)
		snprintf(r->name, sizeof(r->name), "%s", cd_kind_only(k));
	return 0;
}

static int
match_site_of(struct rreq *r, const char *rest, int form)
{
	const char *ks = strchr(rest, '/');

	if (site_path(r, rest) < 0)
		return R_ANSWERED;
	return path_form(r, strchr(ks + 1, '/') != NULL) == form ? R_MATCH : R_NEXT;
}

static int
match_site_kind(struct rreq *r, const char *rest)
{
	return match_site_of(r, rest, 0);
}

static int
match_site_named(struct rreq *r, const char *rest)
{
	return match_site_of(r, rest, 1);
}

static int
match_site_one(struct rreq *r, const char *rest)
{
	return match_site_of(r, rest, 2);
}

/* /api/v1/sites/SITE/KIND[/NAME]: a site's own intents (site, upf),
 * this box's through the usual routes, another's through the fleet's store. */
static void
route_site(struct rreq *r)
{
	struct cd_http *h = r->h;
	struct evhttp_request *req = r->req;
	enum evhttp_cmd_type m = r->m;
	json_t *errs, *body;
	struct pending *p;
	struct query q;

	if (strcmp(r->site, h->fleet.site) == 0) {
		route_intents(r);
		return;
	}
	if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) {
		if ((p = fleet_pending(h, req)) != NULL)
			h->fleet.site_get(h->fleet.site_ctx, r->site, r->kind, r->name[0] ? r->name : NULL,
					  on_fleet, p);
		return;
	}
	errs = json_array();
	if (query_parse(req, &q, errs) < 0 || q.dry_run || q.wait) {
		if (json_array_size(errs) == 0)
			cd_schema_err(errs, "/query", "bad_value", "dry_run and wait are this box's: "
				      "not for another site's intents");
		reply_errs(req, 400, errs);
		return;
	}
	body = NULL;
	if (m != EVHTTP_REQ_DELETE) {
		json_t *meta;

		if ((body = body_of(req)) == NULL) {
			json_decref(errs);
			return;
		}
		meta = json_object_get(body, "metadata");
		if (cd_schema_check(h->schema, "IntentIn", body, "", errs) == 0)
			cd_schema_check(h->schema, cd_kind_schema(r->kind), json_object_get(body, "spec"),
					"/spec", errs);
		if (r->name[0] == '\0' && json_is_string(json_object_get(meta, "name")))
			snprintf(r->name, sizeof(r->name), "%s", json_string_value(json_object_get(meta, "name")));
		if (json_array_size(errs) == 0 && (!store_name_ok(r->name) ||
		    (json_is_string(json_object_get(meta, "name")) &&
		     strcmp(json_string_value(json_object_get(meta, "name")), r->name) != 0)))
			cd_schema_err(errs, "/metadata/name", "bad_value", "no name, a bad one, or not the "
				      "one of the path");
		if (json_is_integer(json_object_get(meta, "generation")) && q.expected < 0)
			q.expected = json_integer_value(json_object_get(meta, "generation"));
		if (json_array_size(errs) > 0) {
			json_decref(body);
			reply_errs(req, 400, errs);
			return;
		}
	}
	json_decref(errs);
	if ((p = fleet_pending(h, req)) != NULL)
		h->fleet.site_change(h->fleet.site_ctx, r->site, r->kind, r->name,
				     json_object_get(body, "spec"), q.expected, m == EVHTTP_REQ_POST,
				     on_fleet, p);
	json_decref(body);
}

void
cd_http_set_fleet(struct cd_http *h, const struct cd_http_fleet *f)
{
	h->fleet = *f;
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
		reply_err(p->req, 503, "sxdp", NULL, "sxdp is %s",
			  sxdp_absent(p->h) ?: "not connected");
	free(p);
}

/* One family of one sample: @key's number in @st. */
struct family {
	const char *name, *type, *help, *key;
};

static void
families(struct evbuffer *b, const json_t *st, const struct family *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", f[i].name, f[i].help,
				    f[i].name, f[i].type, f[i].name,
				    (long long)json_integer_value(json_object_get(st, f[i].key)));
}

/* The front door's families (cd_wire, cd_auth), after cd_metrics' text. */
static void
wire_metrics(struct cd_http *h, struct evbuffer *b)
{
	static const struct family wire[] = {
		{ "sxcd_http_connections", "gauge", "REST connections open", "connections" },
		{ "sxcd_http_connections_max", "gauge", "REST connections the fd limit leaves room for",
		  "max_connections" },
		{ "sxcd_http_body_bytes", "gauge", "Bytes of request bodies being received", "body_bytes" },
		{ "sxcd_http_evicted_total", "counter",
		  "Slow or idle connections closed for new ones at the bound", "evicted" },
		{ "sxcd_http_accept_errors_total", "counter", "accept() failures (out of fds, memory)",
		  "accept_errors" },
	}, auth[] = {
		{ "sxcd_http_sessions", "gauge", "The page's sessions open", "sessions" },
		{ "sxcd_http_logins_total", "counter", "Sessions opened with the token", "logins" },
		{ "sxcd_http_sessions_revoked_total", "counter", "Sessions ended by a change of the token",
		  "revoked" },
		{ "sxcd_http_auth_failures_total", "counter", "Wrong credentials (tokens, logins)",
		  "failures" },
		{ "sxcd_http_auth_throttled_total", "counter",
		  "Wrong credentials answered 429 late or closed unanswered", "throttled" },
	};
	json_t *st = cd_wire_stats(h->wire), *v;
	const char *k;

	families(b, st, wire, sizeof(wire) / sizeof(wire[0]));
	evbuffer_add_printf(b, "# HELP sxcd_http_refused_total Requests refused on their head or "
			    "framing, by reason\n# TYPE sxcd_http_refused_total counter\n");
	/* reasons are this program's own words: no escaping needed */
	json_object_foreach(json_object_get(st, "refused"), k, v)
		evbuffer_add_printf(b, "sxcd_http_refused_total{reason=\"%s\"} %lld\n", k,
				    (long long)json_integer_value(v));
	json_decref(st);
	st = cd_auth_stats(h->auth);
	families(b, st, auth, sizeof(auth) / sizeof(auth[0]));
	json_decref(st);
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
	if (b != NULL)
		wire_metrics(p->h, b);
	send_reply(p->req, 200, "OK", b);
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

/* GET /api/v1/intents: every intent's kind, name and status, in the
 * kinds' order; a kind of one intent that has none is simply not listed. */
static json_t *
intents_list(struct cd_res *r)
{
	json_t *items = json_array(), *list, *d;
	size_t i;

	for (int k = 0; k < cd_kinds(); k++) {
		list = cd_res_list(r, k);
		json_array_foreach(json_object_get(list, "items"), i, d)
			json_array_append_new(items, json_pack("{s:s,s:O*,s:O*}", "kind", cd_kind_name(k), "name",
				json_object_get(json_object_get(d, "metadata"), "name"), "status",
				json_object_get(d, "status")));
		json_decref(list);
	}
	return json_pack("{s:o}", "items", items);
}

/* /api/v1/PREFIX{id}: one item a feature serves (cd_vis_item). */
static int
match_item(struct rreq *r, const char *rest)
{
	if ((r->item = cd_vis_item_of(rest)) == NULL)
		return R_NEXT;
	r->id = rest + strlen(r->item->prefix);
	return R_MATCH;
}

/* GET /api/v1/PREFIX{id} */
static void
route_item(struct rreq *r)
{
	const struct cd_vis_item *it = r->item;
	struct cd_http *h = r->h;
	struct evhttp_request *req = r->req;
	json_t *doc = NULL, *calls = NULL;
	struct pending *p;
	char msg[256], *id;
	size_t n = 0;
	int code;

	id = evhttp_uridecode(r->id, 0, &n);
	if (id == NULL || n == 0 || n != strlen(id) || n > 512) {
		free(id);
		reply_err(req, 400, "bad_id", NULL, "an id of 1..512 characters after /api/v1/%s", it->prefix);
		return;
	}
	msg[0] = '\0';
	code = it->find(h->res, id, &doc, &calls, msg, sizeof(msg));
	free(id);
	if (code != 200) {
		json_decref(doc);
		json_decref(calls);
		reply_err(req, code == 404 ? 404 : 400, code == 404 ? "not_found" : "bad_id", NULL, "%s", msg);
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		json_decref(doc);
		json_decref(calls);
		reply_err(req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	p->h = h;
	p->req = req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), view_gone, p);
	cd_view_item(h->sync, h->res, it, doc, calls, on_view, p);
	json_decref(calls);
}

/* ------------------------------------------------------- credentials */

/* A 429 held until its source's bucket refills (cd_auth.h): a guesser
 * waits for each answer. */
struct held {
	struct cd_http *h;
	struct evhttp_request *req;
	struct event *ev;
	struct sockaddr_storage src;
};

static const struct sockaddr *
peer_of(struct evhttp_request *req)
{
	return evhttp_connection_get_addr(evhttp_request_get_connection(req));
}

static void
held_end(struct held *hd)
{
	cd_auth_held(hd->h->auth, (struct sockaddr *)&hd->src, false);
	event_free(hd->ev);
	free(hd);
}

static void
held_answer(evutil_socket_t fd, short what, void *arg)
{
	struct held *hd = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(hd->req);

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(hd->req), NULL, NULL);
	evhttp_add_header(out, "Retry-After", "1");
	evhttp_add_header(out, "Connection", "close");
	reply_err(hd->req, 429, "throttled", NULL, "too many wrong credentials from this address: "
		  "wait, then send the right one");
	held_end(hd);
}

static void
held_gone(struct evhttp_connection *c, void *arg)
{
	(void)c;
	held_end(arg);
}

/* Answer @req 429 once its source may try again. */
static void
hold_429(struct cd_http *h, struct evhttp_request *req)
{
	const struct sockaddr *sa = peer_of(req);
	struct held *hd = calloc(1, sizeof(*hd));
	unsigned int ms;
	struct timeval tv;

	if (hd == NULL || sa == NULL || (hd->ev = evtimer_new(h->base, held_answer, hd)) == NULL) {
		free(hd);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		reply_err(req, 429, "throttled", NULL, "too many wrong credentials from this address");
		return;
	}
	hd->h = h;
	hd->req = req;
	memcpy(&hd->src, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	       sizeof(struct sockaddr_in));
	ms = cd_auth_hold_ms(h->auth, sa);
	tv = (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
	cd_auth_held(h->auth, sa, true);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), held_gone, hd);
	evtimer_add(hd->ev, &tv);
}

static void
no_content(struct evhttp_request *req, const char *set_cookie)
{
	if (set_cookie != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", set_cookie);
	send_reply(req, 204, "No Content", NULL);
}

/* POST /api/v1/login {"token": "..."}: the page's session (cd_auth.h). */
static void
do_login(struct cd_http *h, struct evhttp_request *req)
{
	char cookie[CD_AUTH_COOKIE_MAX];
	const struct sockaddr *sa;
	json_t *body, *tok;

	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > CD_HTTP_LOGIN_MAX) {
		reply_err(req, 413, "too_large", NULL, "a login is at most %u bytes", CD_HTTP_LOGIN_MAX);
		return;
	}
	if ((body = body_of(req)) == NULL)
		return;
	tok = json_object_get(body, "token");
	if (!json_is_string(tok) || json_object_size(body) != 1) {
		json_decref(body);
		reply_err(req, 400, "invalid", json_pack("[{s:s,s:s,s:s}]", "pointer", "/token", "reason",
			  "missing", "message", "the token, a string, and nothing else"),
			  "a login is {\"token\": \"...\"}");
		return;
	}
	if (!cd_auth_required(h->auth)) {	/* --insecure-no-auth: nothing to trade */
		json_decref(body);
		no_content(req, NULL);
		return;
	}
	if (cd_auth_token_ok(h->auth, json_string_value(tok))) {
		json_decref(body);
		if (cd_auth_login(h->auth, cookie, sizeof(cookie)) < 0) {
			reply_err(req, 503, "no_entropy", NULL, "no randomness for a session: retry");
			return;
		}
		no_content(req, cookie);
		return;
	}
	json_decref(body);
	sa = peer_of(req);
	switch (sa != NULL ? cd_auth_failed(h->auth, sa) : CD_AUTH_REFUSE) {
	case CD_AUTH_REFUSE:
		reply_err(req, 401, "unauthorized", NULL, "that is not this sxcd's token");
		return;
	case CD_AUTH_THROTTLE:
		hold_429(h, req);
		return;
	case CD_AUTH_CLOSE:
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		reply_err(req, 429, "throttled", NULL, "too many wrong credentials from this address");
		return;
	}
}

/* POST /api/v1/logout: the session the cookie carries ends. */
static void
do_logout(struct cd_http *h, struct evhttp_request *req)
{
	char cookie[CD_AUTH_COOKIE_MAX];

	cd_auth_logout(h->auth, evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie"),
		       cookie, sizeof(cookie));
	no_content(req, cookie);
}

static void on_request_timed(struct evhttp_request *req, struct cd_http *h);

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	default: return "other";
	}
}

/* "http METHOD /api/v1/KIND": what a request held the loop as (the name
 * left out: one line each kind, not each intent). */
static void
on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	uint64_t t0 = cd_lag_enter();
	char what[48];
	int n = 0, slashes = 0;

	path = path != NULL ? path : "/";
	while (path[n] != '\0' && n < 32 && (path[n] != '/' || ++slashes <= 3))
		n++;
	snprintf(what, sizeof(what), "http %s %.*s", method_name(evhttp_request_get_command(req)), n, path);
	on_request_timed(req, (struct cd_http *)arg);
	cd_lag_leave(t0, what);
}
/* ------------------------------------------------------- the table */

static void
route_apply(struct rreq *r)
{
	do_apply(r->h, r->req);
}

static void
route_login(struct rreq *r)
{
	do_login(r->h, r->req);
}

static void
route_logout(struct rreq *r)
{
	do_logout(r->h, r->req);
}

static void
route_openapi(struct rreq *r)
{
	reply(r->req, 200, json_incref(cd_schema_doc(r->h->schema)));
}

static void
route_status(struct rreq *r)
{
	struct cd_http *h = r->h;

	reply(r->req, 200, json_pack("{s:o,s:o,s:{s:o,s:o,s:O*},s:o,s:o}", "sxdp",
				     cd_sync_info(h->sync), "intents", cd_res_phases(h->res),
				     "store", "quarantined", cd_res_quarantine(h->res),
				     "set_aside", cd_res_set_aside(h->res),
				     "fleet", cd_res_remote_info(h->res),
				     "services", cd_svc_status(), "auth", cd_auth_stats(h->auth)));
}

static void
route_list(struct rreq *r)
{
	reply(r->req, 200, intents_list(r->h->res));
}

/* GET /api/v1/topology, /api/v1/counters: sxdp's counters joined with the intents */
static void
route_view(struct rreq *r, enum cd_view_kind what)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		reply_err(r->req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	p->h = r->h;
	p->req = r->req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), view_gone, p);
	cd_view(r->h->sync, r->h->res, what, on_view, p);
}

static void
route_topology(struct rreq *r)
{
	route_view(r, CD_VIEW_TOPOLOGY);
}

static void
route_counters(struct rreq *r)
{
	route_view(r, CD_VIEW_COUNTERS);
}

/* GET /metrics: Prometheus' text */
static void
route_metrics(struct rreq *r)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		reply_err(r->req, 500, "no_memory", NULL, "out of memory");
		return;
	}
	p->h = r->h;
	p->req = r->req;
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), view_gone, p);
	cd_metrics(r->h->sync, r->h->res, on_metrics, p);
}

static int
match_page(struct rreq *r, const char *rest)
{
	(void)rest;
	return cd_www_path(r->path) ? R_MATCH : R_NEXT;
}

/* the operator's page */
static void
route_page(struct rreq *r)
{
	cd_www_serve(r->h->www, r->req, r->path, r->authed);
}

/* The methods a route takes (OPTIONS: every route, answered here). */
enum { M_GET = 1 /* and HEAD */, M_POST = 2, M_PUT = 4, M_DELETE = 8 };

/* One route: its path's pattern, the methods it takes, its answer. A
 * pattern is literal up to its first '{'; @match reads the rest of the
 * path (NULL: the path is the pattern). The first route that matches
 * answers; a path none matches is 404. */
struct route {
	const char *path;
	unsigned int methods;
	int (*match)(struct rreq *r, const char *rest);
	void (*answer)(struct rreq *r);
};

static const struct route routes[] = {
	{ API "/apply", M_POST, NULL, route_apply },
	{ API "/login", M_POST, NULL, route_login },
	{ API "/logout", M_POST, NULL, route_logout },
	{ API "/openapi.json", M_GET, NULL, route_openapi },
	{ API "/status", M_GET, NULL, route_status },
	{ API "/topology", M_GET, NULL, route_topology },
	{ API "/counters", M_GET, NULL, route_counters },
	{ API "/intents", M_GET, NULL, route_list },
	{ API "/fleet", M_GET, NULL, route_fleet },
	{ API "/sites/{site}/{kind}", M_GET | M_POST, match_site_kind, route_site },
	{ API "/sites/{site}/{kind}/{name}", M_GET | M_PUT | M_DELETE, match_site_named, route_site },
	{ API "/sites/{site}/{kind of one intent}", M_GET | M_PUT | M_DELETE, match_site_one, route_site },
	{ API "/{item prefix}{id}", M_GET, match_item, route_item },
	/* last under /api/v1/: what no route above takes is 404 here */
	{ API "/{kind}", M_GET | M_POST, match_kind, route_intents },
	{ API "/{kind}/{name}", M_GET | M_PUT | M_DELETE, match_named, route_intents },
	{ API "/{kind of one intent}", M_GET | M_PUT | M_DELETE, match_one, route_intents },
	{ "/metrics", M_GET, NULL, route_metrics },
	{ "/{page}", M_GET, match_page, route_page },
};

static bool
takes(unsigned int methods, enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD: return methods & M_GET;
	case EVHTTP_REQ_POST: return methods & M_POST;
	case EVHTTP_REQ_PUT: return methods & M_PUT;
	case EVHTTP_REQ_DELETE: return methods & M_DELETE;
	default: return false;
	}
}

/* 405 with what the route takes (its Allow); OPTIONS: 204 with the same. */
static void
bad_method(struct evhttp_request *req, unsigned int methods)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char allow[64];

	snprintf(allow, sizeof(allow), "%s%s%s%sOPTIONS", methods & M_GET ? "GET, HEAD, " : "",
		 methods & M_POST ? "POST, " : "", methods & M_PUT ? "PUT, " : "",
		 methods & M_DELETE ? "DELETE, " : "");
	evhttp_add_header(out, "Allow", allow);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_OPTIONS) {
		send_reply(req, 204, "No Content", NULL);
		return;
	}
	reply_err(req, 405, "bad_method", NULL, "%s takes %s", evhttp_request_get_uri(req), allow);
}

/* @r answered by the first route that matches its path. */
static void
route(struct rreq *r)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		size_t lit = strcspn(rt->path, "{");
		int rc = R_MATCH;

		if (rt->match == NULL ? strcmp(r->path, rt->path) != 0 :
		    strncmp(r->path, rt->path, lit) != 0)
			continue;
		if (rt->match != NULL && (rc = rt->match(r, r->path + lit)) == R_NEXT)
			continue;
		if (rc == R_ANSWERED)
			return;
		if (!takes(rt->methods, r->m))
			bad_method(r->req, rt->methods);
		else
			rt->answer(r);
		return;
	}
	reply_err(r->req, 404, "not_found", NULL, "no route %s", r->path);
}

static void
on_request_timed(struct evhttp_request *req, struct cd_http *h)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct rreq r = { .h = h, .req = req, .m = evhttp_request_get_command(req),
			  .path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) };
	const char *reason, *msg;
	bool get;
	int code;

	if (r.path == NULL)
		r.path = "/";
	if (cd_wire_refused(req, &code, &reason, &msg)) {
		struct evkeyvalq *out = evhttp_request_get_output_headers(req);

		if (code == 401)
			evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"sxcd\"");
		if (code == 503)
			evhttp_add_header(out, "Retry-After", "1");
		if (code == 429) {	/* its own headers, once held */
			hold_429(h, req);
			return;
		}
		evhttp_add_header(out, "Connection", "close");
		reply_err(req, code, reason, NULL, "%s", msg);
		return;
	}
	/* HEAD is GET without the body (evhttp leaves it out) */
	get = r.m == EVHTTP_REQ_GET || r.m == EVHTTP_REQ_HEAD;
	/* the front door checked it already; this is the second lock */
	r.authed = cd_auth_bearer_ok(h->auth, evhttp_find_header(in, "Authorization")) ||
		   (get && cd_auth_session_ok(h->auth, evhttp_find_header(in, "Cookie")));
	if (!r.authed && !cd_wire_open_path(r.path, get)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"sxcd\"");
		reply_err(req, 401, "unauthorized", NULL, "a bearer token is required");
		return;
	}
	route(&r);
}

/* The largest number of connections the fd limit leaves room for: a
 * reserve for the store, sxdp's socket, netlink and lingering closes. */
static unsigned int
conns_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1u << 20)
		return 1u << 16;
	return rl.rlim_cur > 128 ? (unsigned int)rl.rlim_cur - 64 : (unsigned int)rl.rlim_cur / 2;
}

int
cd_http_new(struct event_base *base, const struct cd_http_conf *conf, struct cd_res *res,
	    struct cd_sync *sync, struct cd_schema *schema, struct cd_www *www, struct cd_http **out)
{
	struct cd_http *h = calloc(1, sizeof(*h));
	struct cd_wire_conf wc = { .auth = conf->auth, .tls = conf->tls, .listen_host = conf->addr,
				   .names = conf->names, .plain_ok = conf->plain_ok,
				   .body_max = CD_HTTP_BODY_MAX,
				   .body_budget = CD_HTTP_BODY_BUDGET, .max_conns = conns_max() };

	if (h == NULL)
		return -ENOMEM;
	*h = (struct cd_http){ .base = base, .res = res, .sync = sync, .schema = schema,
			     .www = www, .auth = conf->auth };
	if ((h->http = evhttp_new(base)) == NULL) {
		cd_http_free(h);
		return -ENOMEM;
	}
	/* cd_wire reads every head and sizes every body first; these are the
	 * second lock */
	evhttp_set_max_body_size(h->http, CD_HTTP_BODY_MAX);
	evhttp_set_max_headers_size(h->http, CD_WIRE_HEAD_MAX + 1024);
	evhttp_set_timeout(h->http, 30);
	/* every method evhttp knows reaches on_request: 405 with Allow */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE);
	evhttp_set_gencb(h->http, on_request, h);
	if ((h->bound = evhttp_bind_socket_with_handle(h->http, conf->addr, conf->port)) == NULL) {
		cd_http_free(h);
		return -EADDRINUSE;
	}
	if ((h->wire = cd_wire_new(base, h->http, h->bound, &wc)) == NULL) {
		cd_http_free(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

bool
cd_http_loopback(const struct cd_http *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (getsockname(evhttp_bound_socket_get_fd(h->bound), (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		       (memcmp(s6->sin6_addr.s6_addr, v4mapped, 12) == 0 && s6->sin6_addr.s6_addr[12] == 127);
	return false;
}

void
cd_http_free(struct cd_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	cd_wire_free(h->wire);
	free(h);
}
