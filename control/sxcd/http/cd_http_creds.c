/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_creds (see cd_http_creds.h): the credentials' routes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "cd_auth.h"
#include "cd_cred.h"
#include "cd_http_creds.h"
#include "cd_kind.h"
#include "cd_log.h"
#include "cd_res.h"
#include "cd_route.h"
#include "cd_schema.h"
#include "store.h"

#define CREDS "credentials/"

static int
match(struct cd_route *r, const char *rest, const char *tail)
{
	size_t n = strcspn(rest, "/");

	if (n == 0 || n > STORE_NAME_MAX || strcmp(rest + n, tail) != 0)
		return CD_ROUTE_NEXT;
	snprintf(r->name, sizeof(r->name), "%.*s", (int)n, rest);
	if (!store_name_ok(r->name)) {
		cd_route_err(r->req, 404, "not_found", NULL, "no credential %s", r->name);
		return CD_ROUTE_ANSWERED;
	}
	return CD_ROUTE_MATCH;
}

int
cd_http_creds_match_one(struct cd_route *r, const char *rest)
{
	return match(r, rest, "");
}

int
cd_http_creds_match_rotate(struct cd_route *r, const char *rest)
{
	return match(r, rest, "/rotate");
}

static void
store_err(struct evhttp_request *req, int rc)
{
	CD_LOG(ERR, "the store refused a credential's change: %s", strerror(-rc));
	cd_route_err(req, rc == -ENOSPC || rc == -EDQUOT ? 507 : 503, rc == -ENOSPC ? "store_full" :
		     "store_unavailable", NULL, "the store refused it (%s): nothing changed", strerror(-rc));
}

/* A scope's tenants exist: errors (422) in @errs otherwise. */
static void
scope_exists(struct cd_route *r, json_t *scope, json_t *errs)
{
	int t = cd_kind_tenant();
	json_t *v;
	size_t i;

	json_array_foreach(json_is_array(scope) ? scope : NULL, i, v) {
		char ptr[32];

		if (!json_is_string(v) || (t >= 0 && cd_res_live(r->env->res, t, json_string_value(v))))
			continue;
		snprintf(ptr, sizeof(ptr), "/scope/%zu", i);
		cd_schema_err(errs, ptr, "not_found", "no %s/%s: make the tenant first", t >= 0 ?
			      cd_kind_name(t) : "tenant", json_string_value(v));
	}
}

static void
make(struct cd_route *r)
{
	json_t *body = cd_route_body(r->req), *errs, *scope, *out;
	char token[CD_CRED_TOKEN_LEN + 1];
	enum cd_role role;
	const char *name;
	int rc;

	if (body == NULL)
		return;
	errs = json_array();
	name = json_string_value(json_object_get(body, "name"));
	scope = json_object_get(body, "scope");
	if (json_is_null(scope))
		scope = NULL;
	{
		const char *k;
		json_t *v;

		json_object_foreach(body, k, v)
			if (strcmp(k, "name") != 0 && strcmp(k, "role") != 0 && strcmp(k, "scope") != 0) {
				char ptr[80];

				snprintf(ptr, sizeof(ptr), "/%.64s", k);
				cd_schema_err(errs, ptr, "unknown_field", "a credential is name, role and scope");
			}
	}
	role = cd_role_of(json_string_value(json_object_get(body, "role")));
	if (json_array_size(errs) > 0 || cd_creds_valid(name ? name : "", role, scope, errs) < 0) {
		cd_route_errs(r->req, 400, errs);
		json_decref(body);
		return;
	}
	scope_exists(r, scope, errs);
	if (json_array_size(errs) > 0) {
		cd_route_errs(r->req, 422, errs);
		json_decref(body);
		return;
	}
	rc = cd_creds_make(r->env->creds, name, role, scope, token, errs);
	json_decref(errs);
	if (rc == -EEXIST)
		cd_route_err(r->req, 409, "exists", NULL, "credential %s exists (rotate or revoke it)", name);
	else if (rc == -ENOSPC)
		cd_route_err(r->req, 507, "too_many", NULL, "at most %d credentials", CD_CRED_MAX);
	else if (rc < 0)
		store_err(r->req, rc);
	else if ((out = cd_creds_get(r->env->creds, name)) != NULL) {
		/* the token, this once: nowhere else, and never again */
		json_object_set_new(out, "token", json_string(token));
		cd_route_reply(r->req, 201, out);
	}
	explicit_bzero(token, sizeof(token));
	json_decref(body);
}

void
cd_http_creds_list(struct cd_route *r)
{
	if (r->env->creds == NULL) {
		cd_route_err(r->req, 404, "not_found", NULL, "no named credentials here");
		return;
	}
	if (r->m == EVHTTP_REQ_POST)
		make(r);
	else
		cd_route_reply(r->req, 200, cd_creds_list(r->env->creds));
}

void
cd_http_creds_one(struct cd_route *r)
{
	json_t *d = r->env->creds ? cd_creds_get(r->env->creds, r->name) : NULL;
	int rc;

	if (d == NULL) {
		cd_route_err(r->req, 404, "not_found", NULL, "no credential %s", r->name);
		return;
	}
	if (r->m != EVHTTP_REQ_DELETE) {
		cd_route_reply(r->req, 200, d);
		return;
	}
	if ((rc = cd_creds_revoke(r->env->creds, r->name)) < 0) {
		json_decref(d);
		store_err(r->req, rc);
		return;
	}
	CD_LOG(INFO, "credential %s revoked by %s: its token and sessions end", r->name, r->who.name);
	json_object_set_new(d, "revoked", json_true());
	cd_route_reply(r->req, 200, d);
}

void
cd_http_creds_rotate(struct cd_route *r)
{
	char token[CD_CRED_TOKEN_LEN + 1];
	json_t *d;
	int rc = r->env->creds ? cd_creds_rotate(r->env->creds, r->name, token) : -ENOENT;

	if (rc == -ENOENT) {
		cd_route_err(r->req, 404, "not_found", NULL, "no credential %s", r->name);
		return;
	}
	if (rc < 0) {
		store_err(r->req, rc);
		return;
	}
	if ((d = cd_creds_get(r->env->creds, r->name)) != NULL) {
		json_object_set_new(d, "token", json_string(token));
		cd_route_reply(r->req, 200, d);
	}
	explicit_bzero(token, sizeof(token));
}
