/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_route: what every REST route shares: the request as routed, the daemon's parts it answers from, the API's answers, reading a query and a body. */
/*
 * cd_http's route table (path, methods, answer) hands each request to its
 * route as a struct cd_route: the request, what the route's pattern read
 * of the path ({site}, {kind}, {name}, {item}{id}), and the daemon's parts
 * (struct cd_route_env, cd_http's). The routes live by what they serve:
 * cd_http_intents (the intents, apply, status), cd_http_views (the views,
 * items, metrics, the OpenAPI document, the page), cd_http_login (the
 * page's session), cd_http_fleet (a fleet's parts).
 *
 * Every answer of the API goes through cd_route_send: it is not to be
 * sniffed, kept or framed (X-Content-Type-Options, Cache-Control,
 * Content-Security-Policy, Referrer-Policy); a HEAD answer has GET's
 * length and no body. Errors are {"error": {"code", "reason", "message",
 * "errors": [{"pointer", "reason", "message"}]}}.
 */
#ifndef CD_ROUTE_H
#define CD_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/http.h>
#include <jansson.h>

#include "cd_cred.h"
#include "store.h"

struct event_base;
struct evbuffer;
struct cd_auth;
struct cd_enrol;
struct cd_http_fleet;
struct cd_res;
struct cd_schema;
struct cd_sync;
struct cd_vis_item;
struct cd_wire;
struct cd_www;

#define CD_ROUTE_API "/api/v1"
#define CD_ROUTE_BODY_MAX (4u << 20)	/* a body (413) */
/* A connection silent this long is closed (a client that sends half a
 * request, or idles between them); one whose answer comes later
 * (cd_route_later: a dry run of a whole site at scale takes a minute) may
 * wait up to CD_ROUTE_LATER_S for it, the client closing it when it will. */
#define CD_ROUTE_IDLE_S 30
#define CD_ROUTE_LATER_S 900

/* The daemon's parts the routes answer from (borrowed, cd_http's). */
struct cd_route_env {
	struct event_base *base;
	struct cd_res *res;
	struct cd_sync *sync;
	struct cd_schema *schema;
	struct cd_www *www;		/* the page, NULL: none */
	struct cd_auth *auth;
	struct cd_creds *creds;		/* NULL: none */
	struct cd_wire *wire;
	const struct cd_http_fleet *fleet;	/* NULL: not on a fleet's store */
	struct cd_enrol *enrol;			/* NULL: no enrolment authority */
};

/* A request as its route sees it. */
struct cd_route {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	enum evhttp_cmd_type m;
	const char *path;
	bool authed;		/* the token, or the page's session for a read */
	const char *by;		/* the credential's name ("-": none; @who's) */
	struct cd_who who;	/* who asks (authed), for this call only: copy what an answer made later needs */
	/* what the route's pattern read: {site}, {kind} (as written and its
	 * number), {name} (a kind of one intent's filled in), {item}{id} (raw) */
	char site[STORE_NAME_MAX + 2], kind_s[32], name[STORE_NAME_MAX + 2];
	int kind;
	const struct cd_vis_item *item;
	const char *id;
	json_int_t rev;		/* {R} of /revisions/{R} */
	/* {member}/{key} of /KIND/NAME/{member}/{key} (cd_http_member) */
	char member[32];
	json_int_t key;
};

/* What a pattern's match made of a path: not this route, this route, or
 * a bad path answered already (400, 404). */
enum { CD_ROUTE_NEXT, CD_ROUTE_MATCH, CD_ROUTE_ANSWERED };

/* Is @r's credential scoped to tenants (cd_cred.h)? */
bool cd_route_scoped(const struct cd_route *r);
/* Is intent @name of @kind (its @spec: stored, or the one asked for) in
 * @r's scope (always, unscoped)? A box-wide intent is no tenant's. */
bool cd_route_in_scope(const struct cd_route *r, int kind, const char *name, json_t *spec);
/* The same against @scope (NULL: unscoped). */
bool cd_route_scope_has(json_t *scope, int kind, const char *name, json_t *spec);
/* A route of the whole box: true, or (a scoped credential) 403 answered. */
bool cd_route_box_wide(struct cd_route *r);
/* 403: KIND/NAME is not in @r's scope. */
void cd_route_out_of_scope(struct cd_route *r, const char *kind, const char *name);
/* "GET", "PUT", ...: @m's name. */
const char *cd_route_method(enum evhttp_cmd_type m);
/* @req's source address ("192.0.2.1", "2001:db8::1") into @out. */
void cd_route_from(struct evhttp_request *req, char *out, size_t len);

/* ------------------------------------------------------------ answers */

/* @code @why with @b (NULL: no body; borrowed), the API's headers added. */
void cd_route_send(struct evhttp_request *req, int code, const char *why, struct evbuffer *b);
/* @code with @body (taken) as JSON. */
void cd_route_reply(struct evhttp_request *req, int code, json_t *body);
/* An error answer; @errs (taken, NULL: none) the per-field ones. */
void cd_route_err(struct evhttp_request *req, int code, const char *reason, json_t *errs,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* 400/404/409 from cd_res_check's errors (taken): the reason of the first one. */
void cd_route_errs(struct evhttp_request *req, int code, json_t *errs);
/* The store refused a write (-@rc): nothing changed. 507 when it is out
 * of room, 503 when it cannot be written at all, a fleet's store's own. */
void cd_route_store_err(struct evhttp_request *req, int rc);
/* Why sxdp cannot be waited for now (NULL: it can). */
const char *cd_route_sxdp_absent(struct cd_sync *sync);

/* ------------------------------------------------------------ requests */

struct cd_route_query {
	bool dry_run, wait;
	json_int_t expected;	/* -1: none */
};

/* Is ?@name (or ?@name=1|true) in the query? */
bool cd_route_flag(struct evhttp_request *req, const char *name);
/* ?dry_run, ?wait, ?expected_generation, nothing else: 0, or -EINVAL
 * with what is wrong added to @errs. */
int cd_route_query(struct evhttp_request *req, struct cd_route_query *q, json_t *errs);
/* The query's decimal numbers named in @keys (NULL-terminated) into
 * @vals (the same order; one not in the query keeps its value): 0, or
 * -EINVAL with what is wrong (another key, not a number) added to @errs. */
int cd_route_nums(struct evhttp_request *req, const char *const *keys, json_int_t *vals, json_t *errs);
/* The body as a JSON object (new); NULL after answering 400 or 413. */
json_t *cd_route_body(struct evhttp_request *req);

/* ------------------------------------------------------------ later */

/* @req is answered later: @gone(@arg) if its client closes first (a
 * request answered into nothing), and the connection's idle timer is
 * CD_ROUTE_LATER_S meanwhile (evhttp's runs while the answer is made);
 * cd_route_release once answered or given up (both for every request a
 * handler keeps). */
void cd_route_hold(struct evhttp_request *req, void (*gone)(struct evhttp_connection *, void *), void *arg);
void cd_route_release(struct evhttp_request *req);

/* A request answered later (sxdp's counters, a fleet's store): @req
 * NULL once its client left. */
struct cd_route_later {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	json_t *scope;		/* the credential's scope (a reference; NULL: unscoped) */
};

/* For @r; NULL after answering 500. */
struct cd_route_later *cd_route_later_new(const struct cd_route *r);
/* @l freed: the request to answer now, NULL: its client left; its
 * scope into *@scope (the caller's reference; NULL: do not want it). */
struct evhttp_request *cd_route_later_end(struct cd_route_later *l);
struct evhttp_request *cd_route_later_end_scoped(struct cd_route_later *l, json_t **scope);

#endif
