/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http: sxcd's REST API (evhttp): intents CRUD and apply, status, visibility, metrics, the OpenAPI document. */
/*
 * Routes are those of sxcd-openapi.json; every answer is JSON
 * (apart from /metrics), every error {"error": {"code", "reason",
 * "message", "errors": [{"pointer", "reason", "message"}]}}. Bodies are
 * at most CD_HTTP_BODY_MAX bytes (413). Every request passes cd_wire's
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

#include "cd_res.h"
#include "cd_schema.h"
#include "cd_sync.h"

#define CD_HTTP_BODY_MAX (4u << 20)
#define CD_HTTP_BODY_BUDGET (64u << 20) /* every body being received at once (503 busy past it) */
#define CD_HTTP_WAIT_MS	 10000	/* ?wait=1: the longest an answer waits for the dataplane */

#define CD_HTTP_LOGIN_MAX 4096	/* a login's body */

struct event_base;
struct cd_auth;
struct cd_tls_ctx;
struct cd_http;
struct cd_www;

struct cd_http_conf {
	const char *addr;		/* --listen's address, as given */
	uint16_t port;
	struct cd_auth *auth;		/* borrowed */
	struct cd_tls_ctx *tls;		/* borrowed, NULL: plain HTTP */
	const char *const *names;	/* --server-name, NULL-terminated, borrowed */
	bool plain_ok;			/* plain HTTP from beyond loopback too */
};

/* Serve as @conf says, the operator's page from @www (borrowed, NULL:
 * none). 0 and *@out, or -errno. */
int cd_http_new(struct event_base *base, const struct cd_http_conf *conf, struct cd_res *res,
		struct cd_sync *sync, struct cd_schema *schema, struct cd_www *www,
		struct cd_http **out);
/* A fleet's parts of the API (sxcd --store etcd://), each answering
 * later: @done(@arg, its HTTP code, its body: new, the callee's). */
typedef void cd_http_fleet_done(void *arg, int code, json_t *body);
struct cd_http_fleet {
	const char *site;		/* this box's */
	void *view_ctx, *site_ctx;
	/* GET /api/v1/fleet: every box, its phases, paths, last seen, live or stale */
	void (*view)(void *ctx, bool brief, cd_http_fleet_done *done, void *arg);
	/* GET /api/v1/sites/SITE/KIND[/NAME] of another site (@name NULL: all of @kind) */
	void (*site_get)(void *ctx, const char *site, int kind, const char *name,
			 cd_http_fleet_done *done, void *arg);
	/* PUT (@spec, checked against the schema) or DELETE (@spec NULL) of
	 * another site's own intent; @expected its revision (-1: any, 0: absent) */
	void (*site_change)(void *ctx, const char *site, int kind, const char *name, json_t *spec,
			    json_int_t expected, bool create_only, cd_http_fleet_done *done, void *arg);
};
/* From now on (@f copied; its strings borrowed). */
void cd_http_set_fleet(struct cd_http *h, const struct cd_http_fleet *f);
/* Is what it is bound to loopback (127/8, ::1), whatever name was given? */
bool cd_http_loopback(const struct cd_http *h);
void cd_http_free(struct cd_http *h);

#endif
