/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_route (see cd_route.h): the API's answers and the reading of a request, shared by every route. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cd_log.h"
#include "cd_audit.h"
#include "cd_kind.h"
#include "cd_route.h"
#include "cd_schema.h"
#include "cd_sync.h"
#include "ctl_async.h"
#include "dp_num.h"

/* ------------------------------------------------------------ answers */

/* evhttp (2.1.12) would send a HEAD answer's body, and without its length:
 * the length of what GET answers, no body. Every answer of the API (errors
 * too) is not to be sniffed, kept or framed (OWASP's REST headers). */
void
cd_route_send(struct evhttp_request *req, int code, const char *why, struct evbuffer *b)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char n[24];

	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof(n), "%zu", b != NULL ? evbuffer_get_length(b) : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Length", n);
		b = NULL;
	}
	evhttp_send_reply(req, code, why, b);
}

bool
cd_route_scoped(const struct cd_route *r)
{
	return r->authed && r->who.scope != NULL;
}

bool
cd_route_scope_has(json_t *scope, int kind, const char *name, json_t *spec)
{
	const char *t;
	json_t *v;
	size_t i;

	if (scope == NULL)
		return true;
	if ((t = cd_kind_tenant_of(kind, name, spec)) == NULL)
		return false;
	json_array_foreach(scope, i, v)
		if (strcmp(json_string_value(v) ?: "", t) == 0)
			return true;
	return false;
}

bool
cd_route_in_scope(const struct cd_route *r, int kind, const char *name, json_t *spec)
{
	return cd_route_scope_has(cd_route_scoped(r) ? r->who.scope : NULL, kind, name, spec);
}

bool
cd_route_box_wide(struct cd_route *r)
{
	if (!cd_route_scoped(r))
		return true;
	cd_route_err(r->req, 403, "out_of_scope", NULL, "credential %s is scoped to its tenants: %s %s is "
		     "the whole box's", r->who.name, cd_route_method(r->m), r->path);
	return false;
}

void
cd_route_out_of_scope(struct cd_route *r, const char *kind, const char *name)
{
	cd_route_err(r->req, 403, "out_of_scope", NULL, "%s/%s is not in credential %s's scope", kind, name,
		     r->who.name);
}

const char *
cd_route_method(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default: return "other";
	}
}

void
cd_route_from(struct evhttp_request *req, char *out, size_t len)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (c != NULL)
		evhttp_connection_get_peer(c, &addr, &port);
	snprintf(out, len, "%s", addr != NULL ? addr : "-");
}

/* @req's answer in the audit, if it is one to keep (cd_audit). */
static void
audit(struct evhttp_request *req, int code, json_t *body)
{
	char from[64];
	struct cd_audit_ask a = { .method = cd_route_method(evhttp_request_get_command(req)),
				  .path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)),
				  .from = from, .api = CD_ROUTE_API };

	cd_route_from(req, from, sizeof(from));
	cd_audit_answer(req, &a, code, body);
}

void
cd_route_reply(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *b = evbuffer_new();
	char *s = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const char *why;

	audit(req, code, body);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	if (b != NULL && s != NULL) {
		evbuffer_add(b, s, strlen(s));
		evbuffer_add(b, "\n", 1);
	}
	switch (code) {
	case 200: why = "OK"; break;
	case 201: why = "Created"; break;
	case 400: why = "Bad Request"; break;
	case 401: why = "Unauthorized"; break;
	case 403: why = "Forbidden"; break;
	case 404: why = "Not Found"; break;
	case 405: why = "Method Not Allowed"; break;
	case 409: why = "Conflict"; break;
	case 204: why = "No Content"; break;
	case 411: why = "Length Required"; break;
	case 413: why = "Payload Too Large"; break;
	case 415: why = "Unsupported Media Type"; break;
	case 417: why = "Expectation Failed"; break;
	case 421: why = "Misdirected Request"; break;
	case 422: why = "Unprocessable Content"; break;
	case 429: why = "Too Many Requests"; break;
	case 431: why = "Request Header Fields Too Large"; break;
	case 501: why = "Not Implemented"; break;
	case 503: why = "Service Unavailable"; break;
	case 505: why = "HTTP Version Not Supported"; break;
	case 507: why = "Insufficient Storage"; break;
	default: why = "Internal Server Error"; break;
	}
	cd_route_send(req, code, why, b);
	if (b != NULL)
		evbuffer_free(b);
	free(s);
	json_decref(body);
}

/* An error answer; @errs (taken, NULL: none) the per-field ones. */
void
cd_route_err(struct evhttp_request *req, int code, const char *reason, json_t *errs,
	     const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	json_t *e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:{s:i,s:s,s:s}}", "error", "code", code, "reason", reason, "message", msg);
	if (errs != NULL && json_array_size(errs) > 0)
		json_object_set(json_object_get(e, "error"), "errors", errs);
	json_decref(errs);
	cd_route_reply(req, code, e);
}

/* 400/404/409 from cd_res_check's errors: the reason of the first one. */
void
cd_route_errs(struct evhttp_request *req, int code, json_t *errs)
{
	json_t *first = json_array_get(errs, 0);
	const char *reason = json_string_value(json_object_get(first, "reason"));
	const char *msg = json_string_value(json_object_get(first, "message"));
	size_t n = json_array_size(errs);

	if (code == 400)
		cd_route_err(req, code, "invalid", errs, "%zu error%s, the first at '%s': %s", n,
			     n == 1 ? "" : "s",
			     json_string_value(json_object_get(first, "pointer")) ?: "", msg ? msg : "");
	else
		cd_route_err(req, code, reason ? reason : "refused", errs, "%s", msg ? msg : "refused");
}

/* ------------------------------------------------------------ requests */

/* Is ?@name (or ?@name=1|true) in the query? */
bool
cd_route_flag(struct evhttp_request *req, const char *name)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)), *v;
	struct evkeyvalq kv;
	bool on = false;

	TAILQ_INIT(&kv);
	if (qs == NULL || evhttp_parse_query_str(qs, &kv) < 0)
		return false;
	if ((v = evhttp_find_header(&kv, name)) != NULL)
		on = v[0] == '\0' || strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	evhttp_clear_headers(&kv);
	return on;
}

int
cd_route_nums(struct evhttp_request *req, const char *const *keys, json_int_t *vals, json_t *errs)
{
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	struct evkeyval *p;
	char ptr[96];
	uint64_t v;
	size_t i;

	if (qs == NULL)
		return 0;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(qs, &kv) < 0) {
		cd_schema_err(errs, "/query", "bad_value", "the query string does not parse");
		return -EINVAL;
	}
	TAILQ_FOREACH(p, &kv, next) {
		snprintf(ptr, sizeof(ptr), "/query/%.64s", p->key);
		for (i = 0; keys[i] != NULL && strcmp(keys[i], p->key) != 0; i++)
			;
		if (keys[i] == NULL)
			cd_schema_err(errs, ptr, "unknown_field", "no such query parameter");
		else if (dp_num_parse(p->value, INT64_MAX, &v) != 0)
			cd_schema_err(errs, ptr, "bad_value", "expected a decimal number");
		else
			vals[i] = (json_int_t)v;
	}
	evhttp_clear_headers(&kv);
	return json_array_size(errs) ? -EINVAL : 0;
}

int
cd_route_query(struct evhttp_request *req, struct cd_route_query *q, json_t *errs)
{
	static const char *const keys[] = { "expected_generation", "dry_run", "wait", NULL };
	json_int_t v[3] = { -1, 0, 0 };
	int rc = cd_route_nums(req, keys, v, errs);

	for (int i = 1; i < 3; i++)
		if (v[i] > 1) {
			cd_schema_err(errs, i == 1 ? "/query/dry_run" : "/query/wait", "out_of_range", "0 or 1");
			rc = -EINVAL;
		}
	*q = (struct cd_route_query){ .expected = v[0], .dry_run = v[1] == 1, .wait = v[2] == 1 };
	return rc;
}

/* The body as JSON; NULL after answering 400 or 413. */
json_t *
cd_route_body(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	json_error_t je;
	json_t *v;

	if (n > CD_ROUTE_BODY_MAX) {
		cd_route_err(req, 413, "too_large", NULL, "a body is at most %u bytes", CD_ROUTE_BODY_MAX);
		return NULL;
	}
	v = json_loadb((const char *)evbuffer_pullup(in, -1), n, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		cd_route_err(req, 400, "bad_json", NULL, "line %d column %d: %s", je.line, je.column,
			     je.text);
	else if (!json_is_object(v)) {
		cd_route_err(req, 400, "wrong_type", json_pack("[{s:s,s:s,s:s}]", "pointer", "",
			     "reason", "wrong_type", "message", "expected an object"),
			     "the body must be a JSON object");
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* The store refused a write (-@rc): nothing changed. 507 when it is out
 * of room, 503 when it cannot be written at all (read-only, I/O). */
void
cd_route_store_err(struct evhttp_request *req, int rc)
{
	bool full = rc == -ENOSPC || rc == -EDQUOT;

	/* a fleet's shared store (cd_fleet.c) */
	if (rc == -ESTALE) {
		cd_route_err(req, 409, "stale_generation", NULL, "another writer changed it meanwhile: "
			     "nothing changed (read it again, then write)");
		return;
	}
	if (rc == -ENOTCONN || rc == -EIO || rc == -E2BIG || rc == -EINVAL) {
		bool big = rc == -E2BIG || rc == -EINVAL;

		CD_LOG(WARN, "the fleet's store did not take a write: %s", strerror(-rc));
		cd_route_err(req, big ? 413 : 503, big ? "too_large" : rc == -EIO ? "store_unknown" :
			     "store_unreachable", NULL, rc == -E2BIG ? "more changes than the fleet's "
			     "store takes at once (etcd's --max-txn-ops, 128 by default, one of them "
			     "the change's revision): raise it or apply in parts" : rc == -EINVAL ? "the fleet's store refused the "
			     "change as too large: nothing changed" : rc == -EIO ? "the fleet's store "
			     "did not answer: the change may or may not be stored (read it again)" :
			     "the fleet's store is unreachable: nothing changed");
		return;
	}

	CD_LOG(ERR, "the intent store refused a write: %s", strerror(-rc));
	cd_route_err(req, full ? 507 : 503, full ? "store_full" : "store_unavailable", NULL,
		     "the intent store refused the write (%s): nothing changed", strerror(-rc));
}

/* ------------------------------------------------------------ waiting */

const char *
cd_route_sxdp_absent(struct cd_sync *sync)
{
	struct ctl_async *c = cd_sync_ctl(sync);

	return ctl_async_stalled(c) ? "unresponsive" : ctl_async_up(c) ? NULL : "not connected";
}

void
cd_route_hold(struct evhttp_request *req, void (*gone)(struct evhttp_connection *, void *), void *arg)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);

	evhttp_connection_set_closecb(c, gone, arg);
	evhttp_connection_set_timeout(c, CD_ROUTE_LATER_S);
}

void
cd_route_release(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);

	evhttp_connection_set_closecb(c, NULL, NULL);
	evhttp_connection_set_timeout(c, CD_ROUTE_IDLE_S);
}

static void
later_gone(struct evhttp_connection *c, void *arg)
{
	struct cd_route_later *l = arg;

	(void)c;
	l->req = NULL;	/* answered into nothing */
}

struct cd_route_later *
cd_route_later_new(const struct cd_route *r)
{
	struct cd_route_later *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		cd_route_err(r->req, 500, "no_memory", NULL, "out of memory");
		return NULL;
	}
	l->env = r->env;
	l->req = r->req;
	l->scope = cd_route_scoped(r) ? json_incref(r->who.scope) : NULL;
	cd_route_hold(r->req, later_gone, l);
	return l;
}

struct evhttp_request *
cd_route_later_end_scoped(struct cd_route_later *l, json_t **scope)
{
	struct evhttp_request *req = l->req;

	if (scope != NULL)
		*scope = l->scope;
	else
		json_decref(l->scope);
	free(l);
	if (req != NULL)
		cd_route_release(req);
	return req;
}

struct evhttp_request *
cd_route_later_end(struct cd_route_later *l)
{
	return cd_route_later_end_scoped(l, NULL);
}
