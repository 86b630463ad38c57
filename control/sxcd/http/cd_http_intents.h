/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_intents: the intents' routes: read, create, change, withdraw, apply a set, list, status. */
/*
 * A kind's intents have three paths (sxcd-openapi.json): /api/v1/KIND (the
 * list; POST creates), /api/v1/KIND/NAME (GET, PUT, DELETE), and for a kind
 * of one intent (site) /api/v1/KIND alone, naming it. A change is checked
 * (cd_res_check), checked against the intents' collisions (a dry run of
 * the compile, in slices of the loop), stored, then answered: at once, or
 * with ?wait=1 once sxdp holds it (at most CD_HTTP_INTENTS_WAIT_MS; 503
 * when sxdp is away: the change is stored, applied once it is back).
 * ?dry_run=1 answers what would change and the table writes, storing
 * nothing. POST /api/v1/apply takes a whole set (and what to prune),
 * checked whole first, stored whole or not at all.
 */
#ifndef CD_HTTP_INTENTS_H
#define CD_HTTP_INTENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <event2/http.h>

struct cd_change;
struct cd_route;
struct cd_route_env;
struct cd_route_query;

#define CD_HTTP_INTENTS_WAIT_MS 10000	/* ?wait=1: the longest an answer waits for the dataplane */

/* Which of a kind's paths: KIND (a list), KIND/NAME, a kind of one intent's. */
enum { CD_HTTP_INTENTS_LIST, CD_HTTP_INTENTS_NAMED, CD_HTTP_INTENTS_ONE };
/* The form of a path of @kind with a name (@named) or without. */
int cd_http_intents_form(int kind, bool named);

/* KIND[/NAME] after /api/v1/ read into @r when its form is each one's
 * (CD_ROUTE_MATCH), or not (CD_ROUTE_NEXT), or a bad path answered (400,
 * 404: CD_ROUTE_ANSWERED). */
int cd_http_intents_match_list(struct cd_route *r, const char *rest);
int cd_http_intents_match_named(struct cd_route *r, const char *rest);
int cd_http_intents_match_one(struct cd_route *r, const char *rest);
/* Any of the three, @r read by a match (its method one the path takes). */
void cd_http_intents_route(struct cd_route *r);

/* POST /api/v1/apply: the whole set checked first, then written. */
void cd_http_intents_apply(struct cd_route *r);
/* GET /api/v1/intents: every intent's kind, name and status. */
void cd_http_intents_list(struct cd_route *r);
/* GET /api/v1/status: sxdp, the intents' phases, the store, the services, the credentials. */
void cd_http_intents_status(struct cd_route *r);

/* @n checked changes @ch (taken) checked against collisions and what
 * cannot be carried out, checked again against what is stored, stored as
 * one (@apply: the apply's answer; else one intent's) with the revision
 * recording them (by @r's credential; @rollback_of: the revision it rolls
 * back to, 0: none), answered (@wait: once in sxdp); an apply's answer
 * with @extra's members (borrowed, NULL: none). */
void cd_http_intents_commit(const struct cd_route *r, struct cd_change *ch, size_t n, bool apply, bool wait,
			    json_int_t rollback_of, json_t *extra);
/* How an answer shows intent document @doc (taken) of @kind: the member
 * @key of its spec alone (cd_http_member); new. */
typedef json_t *cd_http_intents_view(json_t *doc, int kind, json_int_t key);
/* @r's checked change @ch (taken) of one intent, made by @r's route (a
 * member's, cd_http_member): the way of a PUT from its check on (the
 * collision check, the store and its revision, @q's ?wait and ?dry_run),
 * answered as @view shows the intent (its member r->key). */
void cd_http_intents_change(struct cd_route *r, const struct cd_route_query *q, struct cd_change *ch,
			    cd_http_intents_view *view);
/* The dry-run answer for @n changes @ch (borrowed): what changes, the
 * table writes, how each would compile. */
void cd_http_intents_dry(const struct cd_route_env *e, struct evhttp_request *req, struct cd_change *ch,
			 size_t n, json_t *extra);

#endif
