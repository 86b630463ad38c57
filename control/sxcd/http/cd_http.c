/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http (see cd_http.h): sxcd's REST server: the one route table (path, methods, answer), dispatch and Allow from it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cd_audit.h"
#include "cd_auth.h"
#include "cd_gate.h"
#include "cd_head.h"
#include "cd_http.h"
#include "cd_http_creds.h"
#include "cd_http_svc.h"
#include "cd_http_enrol.h"
#include "cd_http_fleet.h"
#include "cd_http_intents.h"
#include "cd_http_member.h"
#include "cd_http_login.h"
#include "cd_http_revisions.h"
#include "cd_http_views.h"
#include "cd_lag.h"
#include "cd_route.h"
#include "cd_wire.h"
#include "cd_www.h"

#define API CD_ROUTE_API

struct cd_http {
	struct cd_route_env env;	/* what the routes answer from */
	bool tls;			/* HTTPS: every answer says to stay on it */
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct cd_http_fleet fleet;	/* env.fleet's, once set */
};

/* ------------------------------------------------------- the table */

/* The methods a route takes (OPTIONS: every route, answered here). */
enum { M_GET = 1 /* and HEAD */, M_POST = 2, M_PUT = 4, M_DELETE = 8 };

/* One route: its path's pattern, the methods it takes, its answer. A
 * pattern is literal up to its first '{'; @match reads the rest of the
 * path (NULL: the path is the pattern). The first route that matches
 * answers; a path none matches is 404. */
struct route {
	const char *path;
	unsigned int methods;
	int (*match)(struct cd_route *r, const char *rest);
	void (*answer)(struct cd_route *r);
	enum cd_role role;	/* the least a credential needs (0: viewer reads, operator writes) */
	/* answered once the store's job under way is done (what it reads, the
	 * history, is what the job adds to): the request waits, not the loop */
	bool store_free;
};

static const struct route routes[] = {
	{ API "/apply", M_POST, NULL, cd_http_intents_apply },
	{ API "/login", M_POST, NULL, cd_http_login_in },
	{ API "/logout", M_POST, NULL, cd_http_login_out },
	{ API "/openapi.json", M_GET, NULL, cd_http_views_openapi },
	{ API "/status", M_GET, NULL, cd_http_intents_status },
	{ API "/topology", M_GET, NULL, cd_http_views_topology },
	{ API "/counters", M_GET, NULL, cd_http_views_counters },
	{ API "/intents", M_GET, NULL, cd_http_intents_list },
	{ API "/fleet", M_GET, NULL, cd_http_fleet_view },
	{ API "/credentials", M_GET | M_POST, NULL, cd_http_creds_list, CD_ROLE_ADMIN },
	{ API "/credentials/{name}", M_GET | M_DELETE, cd_http_creds_match_one, cd_http_creds_one, CD_ROLE_ADMIN },
	{ API "/credentials/{name}/rotate", M_POST, cd_http_creds_match_rotate, cd_http_creds_rotate,
	  CD_ROLE_ADMIN },
	{ API "/services/{name}/{action}", M_POST, cd_http_svc_match, cd_http_svc_act, CD_ROLE_ADMIN },
	{ API "/enrol", M_POST, NULL, cd_http_enrol_redeem },
	{ API "/enrolments", M_GET | M_POST, NULL, cd_http_enrol_tokens, CD_ROLE_ADMIN },
	{ API "/enrolments/{id}", M_DELETE, cd_http_enrol_match_token, cd_http_enrol_token, CD_ROLE_ADMIN },
	{ API "/enrolled/{site}", M_DELETE, cd_http_enrol_match_box, cd_http_enrol_box, CD_ROLE_ADMIN },
	{ API "/revisions", M_GET, NULL, cd_http_revisions_list },
	{ API "/revisions/diff", M_GET, NULL, cd_http_revisions_diff },
	{ API "/revisions/{revision}", M_GET, cd_http_revisions_match_one, cd_http_revisions_one },
	{ API "/revisions/{revision}/rollback", M_POST, cd_http_revisions_match_rollback,
	  cd_http_revisions_rollback, .store_free = true },
	{ API "/sites/{site}/{kind}", M_GET | M_POST, cd_http_fleet_match_list, cd_http_fleet_site },
	{ API "/sites/{site}/{kind}/{name}", M_GET | M_PUT | M_DELETE, cd_http_fleet_match_named,
	  cd_http_fleet_site },
	{ API "/sites/{site}/{kind of one intent}", M_GET | M_PUT | M_DELETE, cd_http_fleet_match_one,
	  cd_http_fleet_site },
	{ API "/{item prefix}{id}", M_GET, cd_http_views_match_item, cd_http_views_item },
	{ API "/{kind}/{name}/{member}/{key}", M_GET | M_PUT | M_DELETE, cd_http_member_match,
	  cd_http_member_route },
	/* last under /api/v1/: what no route above takes is 404 here */
	{ API "/{kind}", M_GET | M_POST, cd_http_intents_match_list, cd_http_intents_route },
	{ API "/{kind}/{name}", M_GET | M_PUT | M_DELETE, cd_http_intents_match_named,
	  cd_http_intents_route },
	{ API "/{kind of one intent}", M_GET | M_PUT | M_DELETE, cd_http_intents_match_one,
	  cd_http_intents_route },
	{ "/metrics", M_GET, NULL, cd_http_views_metrics },
	{ "/{page}", M_GET, cd_http_views_match_page, cd_http_views_page },
};

static bool
takes(unsigned int methods, enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD: return methods & M_GET;
	case EVHTTP_REQ_POST: return methods & M_POST;
	case EVHTTP_REQ_PUT: return methods & M_PUT;
	case EVHTTP_REQ_DELETE: return methods & M_DELETE;
	default: return false;
	}
}

/* 405 with what the route takes (its Allow); OPTIONS: 204 with the same. */
static void
bad_method(struct evhttp_request *req, unsigned int methods)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char allow[64];

	snprintf(allow, sizeof(allow), "%s%s%s%sOPTIONS", methods & M_GET ? "GET, HEAD, " : "",
		 methods & M_POST ? "POST, " : "", methods & M_PUT ? "PUT, " : "",
		 methods & M_DELETE ? "DELETE, " : "");
	evhttp_add_header(out, "Allow", allow);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_OPTIONS) {
		cd_route_send(req, 204, "No Content", NULL);
		return;
	}
	cd_route_err(req, 405, "bad_method", NULL, "%s takes %s", evhttp_request_get_uri(req), allow);
}

/* May @r's credential take @rt (else 403 said)? Reads take a viewer,
 * writes an operator, what a route asks more an admin; the page's
 * session and log-in are everyone's. */
static bool
allowed(struct cd_route *r, const struct route *rt)
{
	bool write = r->m == EVHTTP_REQ_POST || r->m == EVHTTP_REQ_PUT || r->m == EVHTTP_REQ_DELETE;
	enum cd_role need = rt->role ? rt->role : write ? CD_ROLE_OPERATOR : CD_ROLE_VIEWER;

	if (!r->authed || r->who.role >= need)	/* an open path: its answer decides */
		return true;
	cd_route_err(r->req, 403, "forbidden", NULL, "credential %s (%s) may not %s %s: that takes %s",
		     r->who.name, cd_role_name(r->who.role), cd_route_method(r->m), r->path, cd_role_name(need));
	return false;
}

static void on_request(struct evhttp_request *req, void *arg);

/* A request run again, whole, once the store is free. */
struct again {
	struct cd_http *h;
	struct evhttp_request *req;	/* NULL: its client left */
};

static void
again_gone(struct evhttp_connection *c, void *arg)
{
	(void)c;
	((struct again *)arg)->req = NULL;
}

static void
again_go(void *arg)
{
	struct again *a = arg;

	if (a->req != NULL) {
		cd_route_release(a->req);
		on_request(a->req, a->h);
	}
	free(a);
}

/* @r answered by the first route that matches its path. */
static void
route(struct cd_route *r)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *rt = &routes[i];
		size_t lit = strcspn(rt->path, "{");
		int rc = CD_ROUTE_MATCH;

		if (rt->match == NULL ? strcmp(r->path, rt->path) != 0 :
		    strncmp(r->path, rt->path, lit) != 0)
			continue;
		if (rt->match != NULL && (rc = rt->match(r, r->path + lit)) == CD_ROUTE_NEXT)
			continue;
		if (rc == CD_ROUTE_ANSWERED)
			return;
		if (!takes(rt->methods, r->m)) {
			bad_method(r->req, rt->methods);
		} else if (allowed(r, rt)) {
			struct again *a;

			if (!rt->store_free || !cd_res_busy(r->env->res) || (a = malloc(sizeof(*a))) == NULL) {
				rt->answer(r);
				return;
			}
			/* (r->env is the cd_http's own) */
			a->h = (struct cd_http *)((char *)r->env - offsetof(struct cd_http, env));
			a->req = r->req;
			cd_route_hold(r->req, again_gone, a);
			cd_res_when_free(r->env->res, again_go, a);
		}
		return;
	}
	cd_route_err(r->req, 404, "not_found", NULL, "no route %s", r->path);
}

static void
on_request_timed(struct evhttp_request *req, struct cd_http *h)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct cd_route r = { .env = &h->env, .req = req, .m = evhttp_request_get_command(req),
			  .path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) };
	const char *reason, *msg, *asked;
	bool get;
	int code;

	if (r.path == NULL)
		r.path = "/";
	/* a browser that reached this box over HTTPS never tries plain HTTP to it again
	 * (RFC 6797): a year, as OWASP's HSTS cheat sheet has it */
	if (h->tls)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Strict-Transport-Security",
				  "max-age=31536000");
	cd_audit_by(req, "-");
	if (cd_head_refused(req, &code, &reason, &msg, &asked)) {
		struct evkeyvalq *out = evhttp_request_get_output_headers(req);

		cd_audit_asked(req, asked);
		if (code == 401)
			evhttp_add_header(out, "WWW-Authenticate", "Bearer realm=\"sxcd\"");
		if (code == 503)
			evhttp_add_header(out, "Retry-After", "1");
		if (code == 429) {	/* its own headers, once held */
			cd_http_login_hold(&h->env, req);
			return;
		}
		evhttp_add_header(out, "Connection", "close");
		cd_route_err(req, code, reason, NULL, "%s", msg);
		return;
	}
	/* HEAD is GET without the body (evhttp leaves it out) */
	get = r.m == EVHTTP_REQ_GET || r.m == EVHTTP_REQ_HEAD;
	/* the front door checked it already; this is the second lock */
	r.authed = cd_auth_bearer(h->env.auth, evhttp_find_header(in, "Authorization"), &r.who) ||
		   (get && cd_auth_session(h->env.auth, evhttp_find_header(in, "Cookie"),
					   evhttp_find_header(in, CD_HEAD_SESSION_FIELD), cd_www_path(r.path), &r.who));
	r.by = r.authed ? r.who.name : "-";
	cd_audit_by(req, r.by);
	if (!r.authed && !cd_gate_open_path(r.path, get)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"sxcd\"");
		cd_route_err(req, 401, "unauthorized", NULL, "a bearer token is required");
		return;
	}
	route(&r);
	if (r.authed)
		cd_who_clear(&r.who);
}

static void on_request_timed(struct evhttp_request *req, struct cd_http *h);

/* "http METHOD /api/v1/KIND": what a request held the loop as (the name
 * left out: one line each kind, not each intent). */
static void
on_request(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	uint64_t t0 = cd_lag_enter();
	char what[48];
	int n = 0, slashes = 0;

	path = path != NULL ? path : "/";
	while (path[n] != '\0' && n < 32 && (path[n] != '/' || ++slashes <= 3))
		n++;
	snprintf(what, sizeof(what), "http %s %.*s", cd_route_method(evhttp_request_get_command(req)), n, path);
	on_request_timed(req, (struct cd_http *)arg);
	cd_lag_leave(t0, what);
}
/* The largest number of connections the fd limit leaves room for: a
 * reserve for the store, sxdp's socket, netlink and lingering closes. */
static unsigned int
conns_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1u << 20)
		return 1u << 16;
	return rl.rlim_cur > 128 ? (unsigned int)rl.rlim_cur - 64 : (unsigned int)rl.rlim_cur / 2;
}

/* A listening socket on @addr port @port: the name resolved without
 * AI_ADDRCONFIG (libevent's own bind asks for it, and glibc then refuses
 * 127.0.0.1 on a host whose only other address is an IPv6 link-local one,
 * a namespace's usual state). The socket, or -errno. */
static int
listen_on(const char *addr, uint16_t port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res;
	char service[8];
	int fd = -1, on = 1, e;

	snprintf(service, sizeof(service), "%u", port);
	if ((e = getaddrinfo(addr, service, &hints, &res)) != 0)
		return e == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		e = -errno;
		if (fd >= 0)
			close(fd);
		fd = e;
	}
	freeaddrinfo(res);
	return fd;
}

int
cd_http_new(struct event_base *base, const struct cd_http_conf *conf, struct cd_res *res,
	    struct cd_sync *sync, struct cd_schema *schema, struct cd_www *www, struct cd_http **out)
{
	struct cd_http *h = calloc(1, sizeof(*h));
	struct cd_wire_conf wc = { .auth = conf->auth, .tls = conf->tls, .listen_host = conf->addr,
				   .names = conf->names, .plain_ok = conf->plain_ok,
				   .body_max = CD_ROUTE_BODY_MAX,
				   .body_budget = CD_HTTP_BODY_BUDGET, .max_conns = conns_max() };
	int rc;

	if (h == NULL)
		return -ENOMEM;
	h->env = (struct cd_route_env){ .base = base, .res = res, .sync = sync, .schema = schema,
					.www = www, .auth = conf->auth, .creds = conf->creds };
	h->tls = conf->tls != NULL;
	if ((h->http = evhttp_new(base)) == NULL) {
		cd_http_free(h);
		return -ENOMEM;
	}
	/* cd_wire reads every head and sizes every body first; these are the
	 * second lock */
	evhttp_set_max_body_size(h->http, CD_ROUTE_BODY_MAX);
	evhttp_set_max_headers_size(h->http, CD_WIRE_HEAD_MAX + 1024);
	evhttp_set_timeout(h->http, CD_ROUTE_IDLE_S);
	/* every method evhttp knows reaches on_request: 405 with Allow */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
				   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE);
	evhttp_set_gencb(h->http, on_request, h);
	if ((rc = listen_on(conf->addr, conf->port)) < 0) {
		cd_http_free(h);
		return rc;
	}
	if ((h->bound = evhttp_accept_socket_with_handle(h->http, rc)) == NULL) {
		close(rc);
		cd_http_free(h);
		return -ENOMEM;
	}
	if ((h->env.wire = cd_wire_new(base, h->http, h->bound, &wc)) == NULL) {
		cd_http_free(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

void
cd_http_set_enrol(struct cd_http *h, struct cd_enrol *e)
{
	h->env.enrol = e;
}

void
cd_http_set_fleet(struct cd_http *h, const struct cd_http_fleet *f)
{
	h->fleet = *f;
	h->env.fleet = &h->fleet;
}

bool
cd_http_loopback(const struct cd_http *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (getsockname(evhttp_bound_socket_get_fd(h->bound), (struct sockaddr *)&ss, &len) < 0)
		return false;
	if (ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		       (memcmp(s6->sin6_addr.s6_addr, v4mapped, 12) == 0 && s6->sin6_addr.s6_addr[12] == 127);
	return false;
}

void
cd_http_free(struct cd_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	cd_wire_free(h->env.wire);
	free(h);
}
