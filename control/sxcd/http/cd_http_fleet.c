/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_fleet (see cd_http_fleet.h): a fleet's routes: every box, and another site's own intents through the fleet's store. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "cd_http_fleet.h"
#include "cd_http_intents.h"
#include "cd_kind.h"
#include "cd_rev.h"
#include "cd_route.h"
#include "cd_schema.h"
#include "store.h"

static void
on_fleet(void *arg, int code, json_t *body)
{
	struct evhttp_request *req = cd_route_later_end(arg);

	if (req == NULL) {	/* the client left */
		json_decref(body);
		return;
	}
	cd_route_reply(req, code, body);
}

void
cd_http_fleet_view(struct cd_route *r)
{
	const struct cd_http_fleet *f = r->env->fleet;
	struct cd_route_later *l;

	if (!cd_route_box_wide(r))
		return;
	if (f == NULL || f->view == NULL)
		cd_route_err(r->req, 404, "not_fleet", NULL, "sxcd is not on a fleet's store "
			     "(--store etcd://...)");
	else if ((l = cd_route_later_new(r)) != NULL)
		f->view(f->view_ctx, cd_route_flag(r->req, "brief"), on_fleet, l);
}

/* SITE/KIND[/NAME] after /api/v1/sites/ read into @r (a site's own
 * kinds only): 0, or -1 answered. */
static int
site_path(struct cd_route *r, const char *rest)
{
	const char *sl = strchr(rest, '/'), *ks = sl ? sl + 1 : NULL, *ns;
	const struct cd_http_fleet *f = r->env->fleet;
	int k;

	if (f == NULL || f->view == NULL) {
		cd_route_err(r->req, 404, "not_fleet", NULL, "sxcd is not on a fleet's store "
			     "(--store etcd://...)");
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
		cd_route_err(r->req, 404, "not_found", NULL, "no route %s (a site's own kinds only)",
			     evhttp_request_get_uri(r->req));
		return -1;
	}
	r->kind = k;
	if (cd_kind_only(k) != NULL)
		snprintf(r->name, sizeof(r->name), "%s", cd_kind_only(k));
	return 0;
}


static int
match_form(struct cd_route *r, const char *rest, int form)
{
	if (site_path(r, rest) < 0)
		return CD_ROUTE_ANSWERED;
	/* SITE/KIND/NAME: a second slash */
	return cd_http_intents_form(r->kind, strchr(strchr(rest, '/') + 1, '/') != NULL) == form ?
	       CD_ROUTE_MATCH : CD_ROUTE_NEXT;
}

int
cd_http_fleet_match_list(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_LIST);
}

int
cd_http_fleet_match_named(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_NAMED);
}

int
cd_http_fleet_match_one(struct cd_route *r, const char *rest)
{
	return match_form(r, rest, CD_HTTP_INTENTS_ONE);
}

/* /api/v1/sites/SITE/KIND[/NAME]: a site's own intents (site, upf),
 * this box's through the usual routes, another's through the fleet's store. */
void
cd_http_fleet_site(struct cd_route *r)
{
	const struct cd_http_fleet *f = r->env->fleet;
	struct evhttp_request *req = r->req;
	enum evhttp_cmd_type m = r->m;
	json_t *errs, *body;
	struct cd_route_later *l;
	struct cd_route_query q;
	struct cd_rev_who who;
	char from[64], route[160];

	if (!cd_route_box_wide(r))	/* another site's own: no tenant's */
		return;
	if (strcmp(r->site, f->site) == 0) {
		cd_http_intents_route(r);
		return;
	}
	if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) {
		if ((l = cd_route_later_new(r)) != NULL)
			f->site_get(f->site_ctx, r->site, r->kind, r->name[0] ? r->name : NULL, on_fleet, l);
		return;
	}
	errs = json_array();
	if (cd_route_query(req, &q, errs) < 0 || q.dry_run || q.wait) {
		if (json_array_size(errs) == 0)
			cd_schema_err(errs, "/query", "bad_value", "dry_run and wait are this box's: "
				      "not for another site's intents");
		cd_route_errs(req, 400, errs);
		return;
	}
	body = NULL;
	if (m != EVHTTP_REQ_DELETE) {
		json_t *meta;

		if ((body = cd_route_body(req)) == NULL) {
			json_decref(errs);
			return;
		}
		meta = json_object_get(body, "metadata");
		if (cd_schema_check(r->env->schema, "IntentIn", body, "", errs) == 0)
			cd_schema_check(r->env->schema, cd_kind_schema(r->kind),
					json_object_get(body, "spec"), "/spec", errs);
		if (r->name[0] == '\0' && json_is_string(json_object_get(meta, "name")))
			snprintf(r->name, sizeof(r->name), "%s",
				 json_string_value(json_object_get(meta, "name")));
		if (json_array_size(errs) == 0 && (!store_name_ok(r->name) ||
		    (json_is_string(json_object_get(meta, "name")) &&
		     strcmp(json_string_value(json_object_get(meta, "name")), r->name) != 0)))
			cd_schema_err(errs, "/metadata/name", "bad_value", "no name, a bad one, or not the "
				      "one of the path");
		if (json_is_integer(json_object_get(meta, "generation")) && q.expected < 0)
			q.expected = json_integer_value(json_object_get(meta, "generation"));
		if (json_array_size(errs) > 0) {
			json_decref(body);
			cd_route_errs(req, 400, errs);
			return;
		}
	}
	json_decref(errs);
	cd_route_from(req, from, sizeof(from));
	snprintf(route, sizeof(route), "%s %s", cd_route_method(m), r->path);
	who = (struct cd_rev_who){ .by = r->by, .from = from, .route = route };
	if ((l = cd_route_later_new(r)) != NULL)
		f->site_change(f->site_ctx, r->site, r->kind, r->name, json_object_get(body, "spec"),
			       q.expected, m == EVHTTP_REQ_POST, &who, on_fleet, l);
	json_decref(body);
}

