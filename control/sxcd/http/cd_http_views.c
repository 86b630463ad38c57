/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_views (see cd_http_views.h): the views' routes: topology, counters, a feature's items, Prometheus' metrics, the OpenAPI document, the operator's page. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/http.h>

#include "cd_audit.h"
#include "cd_auth.h"
#include "cd_enrol.h"
#include "cd_http_views.h"
#include "cd_kind.h"
#include "cd_metrics.h"
#include "cd_res.h"
#include "cd_route.h"
#include "cd_schema.h"
#include "cd_view.h"
#include "cd_vis.h"
#include "cd_wire.h"
#include "cd_www.h"

void
cd_http_views_openapi(struct cd_route *r)
{
	cd_route_reply(r->req, 200, json_incref(cd_schema_doc(r->env->schema)));
}

/* A view as a scoped credential sees it: the rows of its tenants' intents
 * under their kinds' keys; the box's own keys (ports, peers, drops) are
 * no tenant's and left out. */
static json_t *
scope_view(json_t *scope, struct cd_res *res, json_t *body)
{
	json_t *out = json_object(), *v, *row;
	const char *key;
	size_t i;

	json_object_foreach(body, key, v) {
		int k = cd_kind_of(key);
		json_t *rows;

		if (!cd_kind_tenants(k) || !json_is_array(v) || (rows = json_array()) == NULL)
			continue;
		json_array_foreach(v, i, row) {
			const char *nm = json_string_value(json_object_get(row, "name"));
			json_t *spec = nm ? json_object_get(json_object_get(json_object_get(cd_res_docs(res), key), nm),
							   "spec") : NULL;

			if (spec != NULL && cd_route_scope_has(scope, k, nm, spec))
				json_array_append(rows, row);
		}
		json_object_set_new(out, key, rows);
	}
	json_decref(body);
	return out;
}

static void
on_view(void *arg, json_t *body)
{
	struct cd_route_later *l = arg;
	const struct cd_route_env *e = l->env;
	json_t *scope;
	struct evhttp_request *req = cd_route_later_end_scoped(l, &scope);

	if (req == NULL) {	/* the client left */
		json_decref(scope);
		json_decref(body);
		return;
	}
	if (body != NULL && scope != NULL)
		body = scope_view(scope, e->res, body);
	json_decref(scope);
	if (body != NULL)
		cd_route_reply(req, 200, body);
	else
		cd_route_err(req, 503, "sxdp", NULL, "sxdp is %s",
			     cd_route_sxdp_absent(e->sync) ?: "not connected");
}

static void
view(struct cd_route *r, enum cd_view_kind what)
{
	struct cd_route_later *l = cd_route_later_new(r);

	if (l != NULL)
		cd_view(r->env->sync, r->env->res, what, on_view, l);
}

void
cd_http_views_topology(struct cd_route *r)
{
	view(r, CD_VIEW_TOPOLOGY);
}

void
cd_http_views_counters(struct cd_route *r)
{
	view(r, CD_VIEW_COUNTERS);
}

int
cd_http_views_match_item(struct cd_route *r, const char *rest)
{
	if ((r->item = cd_vis_item_of(rest)) == NULL)
		return CD_ROUTE_NEXT;
	r->id = rest + strlen(r->item->prefix);
	return CD_ROUTE_MATCH;
}

static void item(struct cd_route *r);

void
cd_http_views_item(struct cd_route *r)
{
	if (!cd_route_box_wide(r))	/* an item names no tenant it could be checked against */
		return;
	item(r);
}

static void
item(struct cd_route *r)
{
	const struct cd_vis_item *it = r->item;
	const struct cd_route_env *e = r->env;
	struct evhttp_request *req = r->req;
	json_t *doc = NULL, *calls = NULL;
	struct cd_route_later *l;
	char msg[256], *id;
	size_t n = 0;
	int code;

	id = evhttp_uridecode(r->id, 0, &n);
	if (id == NULL || n == 0 || n != strlen(id) || n > 512) {
		free(id);
		cd_route_err(req, 400, "bad_id", NULL, "an id of 1..512 characters after /api/v1/%s",
			     it->prefix);
		return;
	}
	msg[0] = '\0';
	code = it->find(e->res, id, &doc, &calls, msg, sizeof(msg));
	free(id);
	if (code != 200) {
		json_decref(doc);
		json_decref(calls);
		cd_route_err(req, code == 404 ? 404 : 400, code == 404 ? "not_found" : "bad_id", NULL, "%s",
			     msg);
		return;
	}
	if ((l = cd_route_later_new(r)) == NULL) {
		json_decref(doc);
		json_decref(calls);
		return;
	}
	cd_view_item(e->sync, e->res, it, doc, calls, on_view, l);
	json_decref(calls);
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
wire_metrics(const struct cd_route_env *e, struct evbuffer *b)
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
		{ "sxcd_http_deadlines_late_total", "counter",
		  "Head or body deadlines that fired late (sxcd's loop held): the connection's time again",
		  "deadlines_late" },
	}, auth[] = {
		{ "sxcd_http_sessions", "gauge", "The page's sessions open", "sessions" },
		{ "sxcd_http_logins_total", "counter", "Sessions opened with the token", "logins" },
		{ "sxcd_http_sessions_revoked_total", "counter", "Sessions ended by a change of the token",
		  "revoked" },
		{ "sxcd_http_auth_failures_total", "counter", "Wrong credentials (tokens, logins)",
		  "failures" },
		{ "sxcd_http_auth_throttled_total", "counter",
		  "Wrong credentials answered 429 late or closed unanswered", "throttled" },
	}, audit[] = {
		{ "sxcd_audit_lines_total", "counter", "Audit lines: writes and refusals", "lines" },
		{ "sxcd_audit_file_errors_total", "counter", "Audit lines the --audit-log file did not take",
		  "file_errors" },
	};
	json_t *st = cd_wire_stats(e->wire), *v;
	const char *k;

	families(b, st, wire, sizeof(wire) / sizeof(wire[0]));
	evbuffer_add_printf(b, "# HELP sxcd_http_refused_total Requests refused on their head or "
			    "framing, by reason\n# TYPE sxcd_http_refused_total counter\n");
	/* reasons are this program's own words: no escaping needed */
	json_object_foreach(json_object_get(st, "refused"), k, v)
		evbuffer_add_printf(b, "sxcd_http_refused_total{reason=\"%s\"} %lld\n", k,
				    (long long)json_integer_value(v));
	json_decref(st);
	st = cd_auth_stats(e->auth);
	families(b, st, auth, sizeof(auth) / sizeof(auth[0]));
	json_decref(st);
	st = cd_audit_stats();
	families(b, st, audit, sizeof(audit) / sizeof(audit[0]));
	json_decref(st);
	if (e->enrol != NULL) {
		st = cd_enrol_stats(e->enrol);
		evbuffer_add_printf(b, "# HELP sxcd_enrol_redeemed_total Boxes enrolled with a token here\n"
				    "# TYPE sxcd_enrol_redeemed_total counter\nsxcd_enrol_redeemed_total %lld\n"
				    "# HELP sxcd_enrol_refused_total Enrolments refused, by reason\n"
				    "# TYPE sxcd_enrol_refused_total counter\n",
				    (long long)json_integer_value(json_object_get(st, "redeemed")));
		/* reasons are this program's own words: no escaping needed */
		json_object_foreach(json_object_get(st, "refused"), k, v)
			evbuffer_add_printf(b, "sxcd_enrol_refused_total{reason=\"%s\"} %lld\n", k,
					    (long long)json_integer_value(v));
		json_decref(st);
	}
}

static void
on_metrics(void *arg, char *text)
{
	struct cd_route_later *l = arg;
	const struct cd_route_env *e = l->env;
	struct evhttp_request *req = cd_route_later_end(l);
	struct evbuffer *b;

	if (req == NULL) {
		free(text);
		return;
	}
	b = evbuffer_new();
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	if (b != NULL && text != NULL)
		evbuffer_add(b, text, strlen(text));
	if (b != NULL)
		wire_metrics(e, b);
	cd_route_send(req, 200, "OK", b);
	if (b != NULL)
		evbuffer_free(b);
	free(text);
}

void
cd_http_views_metrics(struct cd_route *r)
{
	struct cd_route_later *l;

	/* the whole box's series: a tenant's are in its views */
	if (cd_route_box_wide(r) && (l = cd_route_later_new(r)) != NULL)
		cd_metrics(r->env->sync, r->env->res, on_metrics, l);
}

int
cd_http_views_match_page(struct cd_route *r, const char *rest)
{
	(void)rest;
	return cd_www_path(r->path) ? CD_ROUTE_MATCH : CD_ROUTE_NEXT;
}

void
cd_http_views_page(struct cd_route *r)
{
	cd_www_serve(r->env->www, r->req, r->path, r->authed);
}
