/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http: sxcd's REST API (evhttp): the server and its one route table. */
/*
 * Routes are those of sxcd-openapi.json, listed once in cd_http.c's table:
 * each a path's pattern, the methods it takes, its answer. Dispatch and
 * the Allow of a 405 (and of OPTIONS' 204) both come from that table.
 * The answers live by what they serve: cd_http_intents (intents CRUD,
 * apply, list, status), cd_http_views (topology, counters, items,
 * metrics, the OpenAPI document, the page), cd_http_login (the page's
 * session), cd_http_fleet (a fleet's); what they share is cd_route's.
 * Every answer is JSON
 * (apart from /metrics), every error {"error": {"code", "reason",
 * "message", "errors": [{"pointer", "reason", "message"}]}}. Bodies are
 * at most CD_ROUTE_BODY_MAX bytes (413). Every request passes cd_wire's
 * front door first (Host, origin, a write's type, the credential: see
 * cd_wire.h and cd_auth.h); a throttled one's 429 is held here. The page
 * trades the token for a session at POST /api/v1/login and ends it at
 * POST /api/v1/logout. Every answer of the API says nosniff, no-store and
 * frame-ancestors 'none'.
 */
#ifndef CD_HTTP_H
#define CD_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "cd_http_fleet.h"
#include "cd_res.h"
#include "cd_schema.h"
#include "cd_sync.h"

#define CD_HTTP_BODY_BUDGET (64u << 20) /* every body being received at once (503 busy past it) */

struct event_base;
struct cd_auth;
struct cd_creds;
struct cd_tls_ctx;
struct cd_http;
struct cd_www;

struct cd_http_conf {
	const char *addr;		/* --listen's address, as given */
	uint16_t port;
	struct cd_auth *auth;		/* borrowed */
	struct cd_creds *creds;		/* the named credentials, borrowed (NULL: none) */
	struct cd_tls_ctx *tls;		/* borrowed, NULL: plain HTTP */
	const char *const *names;	/* --server-name, NULL-terminated, borrowed */
	bool plain_ok;			/* plain HTTP from beyond loopback too */
};

/* Serve as @conf says, the operator's page from @www (borrowed, NULL:
 * none). 0 and *@out, or -errno. */
int cd_http_new(struct event_base *base, const struct cd_http_conf *conf, struct cd_res *res,
		struct cd_sync *sync, struct cd_schema *schema, struct cd_www *www,
		struct cd_http **out);
/* From now on (@f copied; its strings borrowed). */
void cd_http_set_fleet(struct cd_http *h, const struct cd_http_fleet *f);
/* This box enrols new ones (cd_enrol, borrowed; NULL: not). */
struct cd_enrol;
void cd_http_set_enrol(struct cd_http *h, struct cd_enrol *e);
/* Is what it is bound to loopback (127/8, ::1), whatever name was given? */
bool cd_http_loopback(const struct cd_http *h);
void cd_http_free(struct cd_http *h);

#endif
