/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_member: one member of an intent's spec as a resource of its own (see cd_http_member.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_change.h"
#include "cd_http_intents.h"
#include "cd_http_member.h"
#include "cd_kind.h"
#include "cd_member.h"
#include "cd_res.h"
#include "cd_route.h"
#include "cd_rstatus.h"
#include "cd_schema.h"
#include "store.h"

/* One path segment of @p into @out (at most @len - 1 bytes): the rest
 * after it, NULL when it is empty or too long. */
static const char *
segment(const char *p, char *out, size_t len)
{
	size_t n = strcspn(p, "/");

	if (n == 0 || n >= len)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return p[n] == '/' ? p + n + 1 : p + n;
}

int
cd_http_member_match(struct cd_route *r, const char *rest)
{
	char kind[32], name[STORE_NAME_MAX + 2], member[32], key[24], *end;
	const char *p = rest;
	const struct cd_kind *kd;
	long long v;
	int k;

	if ((p = segment(p, kind, sizeof(kind))) == NULL || *p == '\0' ||
	    (p = segment(p, name, sizeof(name))) == NULL || *p == '\0' ||
	    (p = segment(p, member, sizeof(member))) == NULL || *p == '\0' ||
	    (p = segment(p, key, sizeof(key))) == NULL || *p != '\0')
		return CD_ROUTE_NEXT;
	if ((k = cd_kind_of(kind)) < 0 || (kd = cd_kind_at(k))->member == NULL || strcmp(member, kd->member) != 0)
		return CD_ROUTE_NEXT;
	if (!store_name_ok(name)) {
		cd_route_err(r->req, 400, "bad_name", NULL, "bad name '%s': 1..63 of [A-Za-z0-9_.-], not starting "
			     "with '.'", name);
		return CD_ROUTE_ANSWERED;
	}
	errno = 0;
	v = strtoll(key, &end, 10);
	if (*end != '\0' || errno != 0 || v < 0 || key[0] == '-' || key[0] == '+') {
		cd_route_err(r->req, 404, "not_found", NULL, "%s/%s has no %s '%s': a key is a number", kind, name,
			     member, key);
		return CD_ROUTE_ANSWERED;
	}
	snprintf(r->kind_s, sizeof(r->kind_s), "%s", kind);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->member, sizeof(r->member), "%s", member);
	r->kind = k;
	r->key = (json_int_t)v;
	return CD_ROUTE_MATCH;
}

/* The intent's document @doc (taken) as a member's answer. */
static json_t *
member_view(json_t *doc, int kind, json_int_t key)
{
	char m[64];

	snprintf(m, sizeof(m), "%s/%" JSON_INTEGER_FORMAT, cd_kind_at(kind)->member, key);
	json_object_set(doc, "spec", cd_member_get(kind, json_object_get(doc, "spec"), key, NULL) ?: json_null());
	json_object_set_new(doc, "member", json_string(m));
	return doc;
}

/* The member a PUT's body gives (new), its key the path's; NULL answered. */
static json_t *
member_of(struct cd_route *r, const struct cd_kind *kd)
{
	json_t *body = cd_route_body(r->req), *errs, *m, *k = NULL;
	const char *key;
	void *it;
	char ptr[64];

	if (body == NULL)
		return NULL;
	errs = json_array();
	json_object_foreach_safe(body, it, key, m) {
		if (strcmp(key, "spec") != 0) {
			snprintf(ptr, sizeof(ptr), "/%s", key);
			cd_schema_err(errs, ptr, "unknown", "a member's body is {\"spec\": ...}: '%s' is not taken",
				      key);
		}
	}
	m = json_incref(json_object_get(body, "spec"));
	json_decref(body);
	if (json_array_size(errs) == 0 && !json_is_object(m))
		cd_schema_err(errs, "/spec", m == NULL ? "missing" : "wrong_type", "the %s's spec, an object",
			      kd->member);
	if (json_array_size(errs) == 0 && (k = json_object_get(m, kd->member_key)) != NULL &&
	    !(json_is_integer(k) && json_integer_value(k) == r->key)) {
		snprintf(ptr, sizeof(ptr), "/spec/%s", kd->member_key);
		cd_schema_err(errs, ptr, "bad_value", "%s %s is not the %" JSON_INTEGER_FORMAT " of the path",
			      kd->member_key, json_is_integer(k) ? "given" : "(not a number)", r->key);
	}
	if (json_array_size(errs) == 0 && k == NULL)
		json_object_set_new(m, kd->member_key, json_integer(r->key));
	if (json_array_size(errs) == 0)
		cd_schema_check(r->env->schema, kd->member_schema, m, "/spec", errs);
	if (json_array_size(errs) > 0) {
		json_decref(m);
		cd_route_errs(r->req, 400, errs);
		return NULL;
	}
	json_decref(errs);
	return m;
}

void
cd_http_member_route(struct cd_route *r)
{
	const struct cd_kind *kd = cd_kind_at(r->kind);
	json_t *doc = json_object_get(json_object_get(cd_res_docs(r->env->res), kd->name), r->name);
	json_t *spec = json_object_get(doc, "spec"), *m = NULL, *errs;
	struct cd_route_query q;
	struct cd_change ch;
	int code;

	if (doc == NULL || !cd_route_in_scope(r, r->kind, r->name, spec)) {
		if (doc != NULL)
			cd_route_out_of_scope(r, r->kind_s, r->name);
		else
			cd_route_err(r->req, 404, "not_found", NULL, "no %s/%s", kd->name, r->name);
		return;
	}
	if (r->m != EVHTTP_REQ_PUT && cd_member_get(r->kind, spec, r->key, NULL) == NULL) {
		cd_route_err(r->req, 404, "not_found", NULL, "%s/%s has no %s %" JSON_INTEGER_FORMAT, kd->name, r->name,
			     kd->member, r->key);
		return;
	}
	if (r->m != EVHTTP_REQ_PUT && r->m != EVHTTP_REQ_DELETE) {	/* GET, HEAD */
		cd_route_reply(r->req, 200, member_view(cd_rstatus_get(r->env->res, r->kind, r->name), r->kind,
							r->key));
		return;
	}
	errs = json_array();
	if (cd_route_query(r->req, &q, errs) < 0) {
		cd_route_errs(r->req, 400, errs);
		return;
	}
	json_decref(errs);
	if (r->m == EVHTTP_REQ_PUT && (m = member_of(r, kd)) == NULL)
		return;
	errs = json_array();
	code = cd_res_check_member(r->env->res, r->kind, r->name, r->key, m, q.expected, "", errs, &ch);
	json_decref(m);
	if (code != 200) {
		cd_route_errs(r->req, code, errs);
		return;
	}
	json_decref(errs);
	cd_http_intents_change(r, &q, &ch, member_view);
}
