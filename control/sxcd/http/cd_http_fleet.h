/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_fleet: a fleet's routes: every box, and another site's own intents through the fleet's store. */
/*
 * On a fleet's store (sxcd --store etcd://) GET /api/v1/fleet lists every
 * box, and /api/v1/sites/SITE/KIND[/NAME] reads and changes a site's own
 * intents (the kinds cd_kind_per_site names): this box's through the
 * intents' routes (cd_http_intents), another's through the fleet's store
 * (no ?dry_run, no ?wait: those are a box's own). Off a fleet both are
 * 404 not_fleet. The fleet's parts come from sxcd's main (cd_http_set_fleet).
 */
#ifndef CD_HTTP_FLEET_H
#define CD_HTTP_FLEET_H

#include <stdbool.h>
#include <jansson.h>

struct cd_rev_who;

struct cd_route;

/* A fleet's parts of the API, each answering later: @done(@arg, its HTTP
 * code, its body: new, the callee's). */
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
	 * another site's own intent; @expected its revision (-1: any, 0: absent);
	 * its revision by @who (strings copied) */
	void (*site_change)(void *ctx, const char *site, int kind, const char *name, json_t *spec,
			    json_int_t expected, bool create_only, const struct cd_rev_who *who,
			    cd_http_fleet_done *done, void *arg);
};

/* GET /api/v1/fleet[?brief] */
void cd_http_fleet_view(struct cd_route *r);

/* SITE/KIND[/NAME] after /api/v1/sites/ read into @r when its form is
 * each one's (cd_http_intents_form), as cd_http_intents' matches do; off
 * a fleet, or not a site's own kind, answered 404. */
int cd_http_fleet_match_list(struct cd_route *r, const char *rest);
int cd_http_fleet_match_named(struct cd_route *r, const char *rest);
int cd_http_fleet_match_one(struct cd_route *r, const char *rest);
/* Any of the three, @r read by a match. */
void cd_http_fleet_site(struct cd_route *r);

#endif
