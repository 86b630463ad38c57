/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_revisions (see cd_http_revisions.h): the history's routes. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/http.h>

#include "cd_change.h"
#include "cd_http_intents.h"
#include "cd_http_revisions.h"
#include "cd_kind.h"
#include "cd_res.h"
#include "cd_rev.h"
#include "cd_route.h"
#include "cd_schema.h"

#define LIST_DEFAULT 50
#define LIST_MAX     1000

/* R (1..) of "R" or "R/rollback" into *@n: where it ends, NULL when none. */
static const char *
rev_of(const char *rest, json_int_t *n)
{
	char *end;
	long long v;

	if (rest[0] < '1' || rest[0] > '9')
		return NULL;
	v = strtoll(rest, &end, 10);
	if (v <= 0 || v == LLONG_MAX)
		return NULL;
	*n = v;
	return end;
}

static int
match(struct cd_route *r, const char *rest, const char *tail)
{
	json_int_t n;
	const char *end = rev_of(rest, &n);

	if (end == NULL || strcmp(end, tail) != 0)
		return CD_ROUTE_NEXT;
	r->rev = n;
	return CD_ROUTE_MATCH;
}

int
cd_http_revisions_match_one(struct cd_route *r, const char *rest)
{
	return match(r, rest, "");
}

int
cd_http_revisions_match_rollback(struct cd_route *r, const char *rest)
{
	return match(r, rest, "/rollback");
}

static bool
known(struct cd_route *r, struct cd_rev *h, json_int_t n)
{
	json_int_t oldest = cd_rev_oldest(h);

	if (cd_rev_known(h, n))
		return true;
	cd_route_err(r->req, 404, "not_found", NULL, "the state at revision %" JSON_INTEGER_FORMAT " is not "
		     "kept (those at %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT " are)", n,
		     oldest > 0 ? oldest - 1 : 0, cd_rev_last(h));
	return false;
}

void
cd_http_revisions_list(struct cd_route *r)
{
	static const char *const keys[] = { "before", "limit", NULL };
	json_int_t v[2] = { 0, LIST_DEFAULT };
	json_t *errs;

	if (!cd_route_box_wide(r))	/* the history spans every tenant */
		return;
	errs = json_array();

	if (cd_route_nums(r->req, keys, v, errs) < 0 || v[1] < 1 || v[1] > LIST_MAX) {
		if (json_array_size(errs) == 0)
			cd_schema_err(errs, "/query/limit", "out_of_range", "1..%d", LIST_MAX);
		cd_route_errs(r->req, 400, errs);
		return;
	}
	json_decref(errs);
	cd_route_reply(r->req, 200, cd_rev_list(cd_res_history(r->env->res), v[0], (size_t)v[1]));
}

void
cd_http_revisions_one(struct cd_route *r)
{
	json_t *doc = cd_rev_get(cd_res_history(r->env->res), r->rev);

	if (!cd_route_box_wide(r))	/* the history spans every tenant */
		return;
	if (doc == NULL)
		cd_route_err(r->req, 404, "not_found", NULL, "revision %" JSON_INTEGER_FORMAT " is not kept", r->rev);
	else
		cd_route_reply(r->req, 200, json_incref(doc));
}

/* {"KIND/NAME": [a, b]} as [{"kind", "name", @a, @b}] (null: left out)
 * into @items (new when NULL), those of another site with "site": @site. */
static json_t *
as_items(json_t *items, json_t *between, const char *a, const char *b, const char *site)
{
	json_t *pair;
	const char *who;

	if (items == NULL)
		items = json_array();
	json_object_foreach(between, who, pair) {
		const char *sl = strchr(who, '/');

		json_t *it = json_pack("{s:s%,s:s}", "kind", who, (size_t)(sl - who), "name", sl + 1);

		if (it != NULL && site != NULL)
			json_object_set_new(it, "site", json_string(site));
		/* none: left out */
		if (it != NULL && !json_is_null(json_array_get(pair, 0)))
			json_object_set(it, a, json_array_get(pair, 0));
		if (it != NULL && !json_is_null(json_array_get(pair, 1)))
			json_object_set(it, b, json_array_get(pair, 1));
		json_array_append_new(items, it);
	}
	return items;
}

/* Other sites' ({"SITE": {"KIND/NAME": [a, b]}}) into @items, each with its "site". */
static json_t *
as_site_items(json_t *items, json_t *other, const char *a, const char *b)
{
	const char *site;
	json_t *o;

	json_object_foreach(other, site, o)
		as_items(items, o, a, b, site);
	return items;
}

void
cd_http_revisions_diff(struct cd_route *r)
{
	static const char *const keys[] = { "from", "to", NULL };
	struct cd_rev *h = cd_res_history(r->env->res);
	json_int_t v[2] = { -1, -1 };
	json_t *errs, *d, *other, *items;

	if (!cd_route_box_wide(r))	/* the history spans every tenant */
		return;
	errs = json_array();

	if (cd_route_nums(r->req, keys, v, errs) < 0 || v[0] < 0 || v[1] < 0) {
		if (json_array_size(errs) == 0)
			cd_schema_err(errs, v[0] < 0 ? "/query/from" : "/query/to", "missing",
				      "from=R1&to=R2: the two revisions");
		cd_route_errs(r->req, 400, errs);
		return;
	}
	json_decref(errs);
	if (!known(r, h, v[0]) || !known(r, h, v[1]))
		return;
	d = cd_rev_between(h, v[0], v[1], cd_res_docs(r->env->res), &other);
	items = as_site_items(as_items(NULL, d, "from", "to", NULL), other, "from", "to");
	cd_route_reply(r->req, 200, json_pack("{s:I,s:I,s:o}", "from", v[0], "to", v[1], "intents", items));
	json_decref(d);
	json_decref(other);
}

void
cd_http_revisions_rollback(struct cd_route *r)
{
	struct cd_res *res = r->env->res;
	struct cd_rev *h = cd_res_history(res);
	json_t *errs, *d, *pair, *other, *extra = NULL;
	struct cd_route_query q;
	struct cd_change *ch;
	const char *who;
	size_t n = 0;

	if (!cd_route_box_wide(r))	/* the history spans every tenant */
		return;
	errs = json_array();
	if (cd_route_query(r->req, &q, errs) < 0 || q.expected >= 0) {
		if (json_array_size(errs) == 0)
			cd_schema_err(errs, "/query/expected_generation", "unknown_field", "a rollback is "
				      "conditional on every intent's generation by itself");
		cd_route_errs(r->req, 400, errs);
		return;
	}
	/* (the route waits while a job under way adds a change to the history) */
	if (!known(r, h, r->rev)) {
		json_decref(errs);
		return;
	}
	d = cd_rev_between(h, r->rev, cd_rev_last(h), cd_res_docs(res), &other);
	/* another site's own are its box's to check and change: said, left */
	if (json_object_size(other) > 0)
		extra = json_pack("{s:o,s:s}", "elsewhere", as_site_items(json_array(), other, "then", "now"), "note",
				  "those under elsewhere are other "
				  "sites' own intents: each is its site's box's to check and change, so this "
				  "rollback leaves them (roll them back through their boxes)");
	json_decref(other);
	ch = calloc(json_object_size(d) + 1, sizeof(*ch));
	json_object_foreach(d, who, pair) {
		const char *sl = strchr(who, '/');
		char kind[32], base[32];
		json_t *then = json_array_get(pair, 0), *body = NULL;
		size_t before = json_array_size(errs);
		int k, code;

		snprintf(kind, sizeof(kind), "%.*s", (int)(sl - who), who);
		snprintf(base, sizeof(base), "/intents/%zu", n);
		if ((k = cd_kind_of(kind)) < 0) {
			cd_schema_err(errs, base, "not_found", "%s: its kind is no longer sxcd's", who);
			continue;
		}
		if (!json_is_null(then))
			body = json_pack("{s:s,s:{s:s},s:O}", "kind", kind, "metadata", "name", sl + 1, "spec",
					 json_object_get(then, "spec"));
		/* conditional on what is stored now: a write that comes between is a 409 */
		code = ch == NULL ? 500 : cd_res_check(res, k, sl + 1, body, cd_res_generation(res, k, sl + 1), false,
						      base, errs, &ch[n]);
		json_decref(body);
		if (code == 200) {
			n++;
			continue;
		}
		/* named: the intent, as it was then */
		for (size_t i = before; i < json_array_size(errs); i++) {
			json_t *e = json_array_get(errs, i);
			char *m = NULL;

			if (asprintf(&m, "%s as at revision %" JSON_INTEGER_FORMAT ": %s", who, r->rev,
				     json_string_value(json_object_get(e, "message")) ?: "") > 0)
				json_object_set_new(e, "message", json_string(m));
			free(m);
		}
	}
	json_decref(d);
	if (json_array_size(errs) > 0 || ch == NULL) {
		for (size_t i = 0; i < n; i++)
			cd_change_clear(&ch[i]);
		free(ch);
		if (ch == NULL)
			cd_route_err(r->req, 500, "no_memory", errs, "out of memory");
		else
			cd_route_err(r->req, 422, "not_valid_now", errs, "%s", json_string_value(json_object_get(
				json_array_get(errs, 0), "message")) ?: "refused");
		json_decref(extra);
		return;
	}
	json_decref(errs);
	if (q.dry_run) {
		cd_http_intents_dry(r->env, r->req, ch, n, extra);
		for (size_t i = 0; i < n; i++)
			cd_change_clear(&ch[i]);
		free(ch);
	} else {
		cd_http_intents_commit(r, ch, n, true, q.wait, r->rev, extra);
		free(ch);
	}
	json_decref(extra);
}
