/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_login (see cd_http_login.h): the credentials' routes: the page's login and logout, and a throttled client's held 429. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "cd_auth.h"
#include "cd_head.h"
#include "cd_http_login.h"
#include "cd_route.h"

/* A 429 held until its source's bucket refills (cd_auth.h): a guesser
 * waits for each answer. */
struct held {
	const struct cd_route_env *env;
	struct evhttp_request *req;
	struct event *ev;
	struct sockaddr_storage src;
};

static const struct sockaddr *
peer_of(struct evhttp_request *req)
{
	return evhttp_connection_get_addr(evhttp_request_get_connection(req));
}

static void
held_end(struct held *hd)
{
	cd_auth_held(hd->env->auth, (struct sockaddr *)&hd->src, false);
	event_free(hd->ev);
	free(hd);
}

static void
held_answer(evutil_socket_t fd, short what, void *arg)
{
	struct held *hd = arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(hd->req);

	(void)fd;
	(void)what;
	evhttp_connection_set_closecb(evhttp_request_get_connection(hd->req), NULL, NULL);
	evhttp_add_header(out, "Retry-After", "1");
	evhttp_add_header(out, "Connection", "close");
	cd_route_err(hd->req, 429, "throttled", NULL, "too many wrong credentials from this address: "
		     "wait, then send the right one");
	held_end(hd);
}

static void
held_gone(struct evhttp_connection *c, void *arg)
{
	(void)c;
	held_end(arg);
}

void
cd_http_login_hold(const struct cd_route_env *e, struct evhttp_request *req)
{
	const struct sockaddr *sa = peer_of(req);
	struct held *hd = calloc(1, sizeof(*hd));
	unsigned int ms;
	struct timeval tv;

	if (hd == NULL || sa == NULL || (hd->ev = evtimer_new(e->base, held_answer, hd)) == NULL) {
		free(hd);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		cd_route_err(req, 429, "throttled", NULL, "too many wrong credentials from this address");
		return;
	}
	hd->env = e;
	hd->req = req;
	memcpy(&hd->src, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	       sizeof(struct sockaddr_in));
	ms = cd_auth_hold_ms(e->auth, sa);
	tv = (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
	cd_auth_held(e->auth, sa, true);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), held_gone, hd);
	evtimer_add(hd->ev, &tv);
}

static void
no_content(struct evhttp_request *req, const char *set_cookie)
{
	if (set_cookie != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", set_cookie);
	cd_route_send(req, 204, "No Content", NULL);
}

void
cd_http_login_in(struct cd_route *r)
{
	const struct cd_route_env *e = r->env;
	struct evhttp_request *req = r->req;
	char cookie[CD_AUTH_COOKIE_MAX], key[2 * CD_AUTH_SID_BYTES + 1];
	const struct sockaddr *sa;
	struct cd_who who;
	json_t *body, *tok;
	int rc;

	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > CD_HTTP_LOGIN_MAX) {
		cd_route_err(req, 413, "too_large", NULL, "a login is at most %u bytes", CD_HTTP_LOGIN_MAX);
		return;
	}
	if ((body = cd_route_body(req)) == NULL)
		return;
	tok = json_object_get(body, "token");
	if (!json_is_string(tok) || json_object_size(body) != 1) {
		json_decref(body);
		cd_route_err(req, 400, "invalid", json_pack("[{s:s,s:s,s:s}]", "pointer", "/token", "reason",
			     "missing", "message", "the token, a string, and nothing else"),
			     "a login is {\"token\": \"...\"}");
		return;
	}
	if (!cd_auth_required(e->auth)) {	/* --insecure-no-auth: nothing to trade */
		json_decref(body);
		no_content(req, NULL);
		return;
	}
	sa = peer_of(req);
	/* past its burst, a source's logins are not tried at all */
	if ((sa == NULL || !cd_auth_over(e->auth, sa)) && cd_auth_token(e->auth, json_string_value(tok), &who)) {
		json_decref(body);
		rc = cd_auth_login(e->auth, &who, cookie, sizeof(cookie), key);
		cd_who_clear(&who);
		if (rc < 0) {
			cd_route_err(req, 503, "no_entropy", NULL, "no randomness for a session: retry");
			return;
		}
		/* the cookie for the browser, the key for the page's memory alone */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", cookie);
		cd_route_reply(req, 200, json_pack("{s:s,s:s}", "session_key", key, "header", CD_HEAD_SESSION_FIELD));
		explicit_bzero(key, sizeof(key));
		return;
	}
	json_decref(body);
	switch (sa != NULL ? cd_auth_failed(e->auth, sa) : CD_AUTH_REFUSE) {
	case CD_AUTH_REFUSE:
		cd_route_err(req, 401, "unauthorized", NULL, "that is not this sxcd's token");
		return;
	case CD_AUTH_THROTTLE:
		cd_http_login_hold(e, req);
		return;
	case CD_AUTH_CLOSE:
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		cd_route_err(req, 429, "throttled", NULL, "too many wrong credentials from this address");
		return;
	}
}

void
cd_http_login_out(struct cd_route *r)
{
	struct evhttp_request *req = r->req;
	char cookie[CD_AUTH_COOKIE_MAX];

	cd_auth_logout(r->env->auth, evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie"),
		       evhttp_find_header(evhttp_request_get_input_headers(req), CD_HEAD_SESSION_FIELD),
		       cookie, sizeof(cookie));
	no_content(req, cookie);
}
