/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_enrol (see cd_http_enrol.h): the enrolment routes over cd_enrol. */
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "cd_auth.h"
#include "cd_enrol.h"
#include "cd_http_enrol.h"
#include "cd_route.h"
#include "cd_schema.h"
#include "store.h"

#define CSR_MAX (16u << 10)

static bool
authority(struct cd_route *r)
{
	if (r->env->enrol != NULL)
		return true;
	cd_route_err(r->req, 404, "not_authority", NULL, "this sxcd enrols no box (sxcd --enrol-ca-cert, "
		     "--enrol-ca-key on a fleet's store)");
	return false;
}

static int
match(struct cd_route *r, const char *rest)
{
	if (rest[0] == '\0' || strchr(rest, '/') != NULL || strlen(rest) > STORE_NAME_MAX ||
	    !store_name_ok(rest))
		return CD_ROUTE_NEXT;
	snprintf(r->name, sizeof(r->name), "%s", rest);
	return CD_ROUTE_MATCH;
}

int
cd_http_enrol_match_token(struct cd_route *r, const char *rest)
{
	return match(r, rest);
}

int
cd_http_enrol_match_box(struct cd_route *r, const char *rest)
{
	return match(r, rest);
}

static void
answered(void *arg, int code, json_t *body)
{
	struct evhttp_request *req = cd_route_later_end(arg);

	if (req == NULL) {
		json_decref(body);
		return;
	}
	cd_route_reply(req, code, body);
}

/* A redemption's answer: a refused token counts as a wrong credential of its address. */
struct redeem {
	struct cd_route_later *l;
	struct sockaddr_storage src;
	bool have_src;
	struct cd_auth *auth;
};

static void
redeem_answered(void *arg, int code, json_t *body)
{
	struct redeem *rd = arg;

	if (code == 401 && rd->have_src)
		cd_auth_failed(rd->auth, (struct sockaddr *)&rd->src);
	answered(rd->l, code, body);
	free(rd);
}

void
cd_http_enrol_redeem(struct cd_route *r)
{
	struct evhttp_request *req = r->req;
	const struct sockaddr *sa = evhttp_connection_get_addr(evhttp_request_get_connection(req));
	struct redeem *rd;
	json_t *body, *tok, *csr;
	char from[64];

	if (!authority(r) || (body = cd_route_body(req)) == NULL)
		return;
	tok = json_object_get(body, "token");
	csr = json_object_get(body, "csr");
	if (!json_is_string(tok) || !json_is_string(csr) || json_string_length(csr) > CSR_MAX || json_object_size(body) != 2) {
		json_decref(body);
		cd_route_err(req, 400, "invalid", NULL, "an enrolment is {\"token\": \"sxe1...\", \"csr\": \"PEM\"}");
		return;
	}
	/* past its burst of wrong ones, an address's tokens are not tried at all */
	if (sa != NULL && cd_auth_over(r->env->auth, sa)) {
		json_decref(body);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		cd_route_err(req, 429, "throttled", NULL, "too many wrong credentials from this address");
		return;
	}
	if ((rd = calloc(1, sizeof(*rd))) == NULL || (rd->l = cd_route_later_new(r)) == NULL) {
		free(rd);
		json_decref(body);
		return;
	}
	rd->auth = r->env->auth;
	if (sa != NULL) {
		memcpy(&rd->src, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		rd->have_src = true;
	}
	cd_route_from(req, from, sizeof(from));
	cd_enrol_redeem(r->env->enrol, json_string_value(tok), json_string_value(csr), from, redeem_answered, rd);
	json_decref(body);
}

void
cd_http_enrol_tokens(struct cd_route *r)
{
	struct cd_route_later *l;
	json_t *body, *site, *ttl;

	if (!authority(r) || !cd_route_box_wide(r))
		return;
	if (r->m != EVHTTP_REQ_POST) {
		if ((l = cd_route_later_new(r)) != NULL)
			cd_enrol_list(r->env->enrol, answered, l);
		return;
	}
	if ((body = cd_route_body(r->req)) == NULL)
		return;
	site = json_object_get(body, "site");
	ttl = json_object_get(body, "ttl_s");
	if (!json_is_string(site) || (ttl != NULL && !json_is_integer(ttl)) || json_object_size(body) != 1 + (ttl != NULL)) {
		json_decref(body);
		cd_route_err(r->req, 400, "invalid", json_pack("[{s:s,s:s,s:s}]", "pointer", "/site", "reason", "missing",
			     "message", "the site the new box is"), "a token is {\"site\", \"ttl_s\"}");
		return;
	}
	if ((l = cd_route_later_new(r)) != NULL)
		cd_enrol_make(r->env->enrol, json_string_value(site), json_integer_value(ttl), r->who.name, answered, l);
	json_decref(body);
}

void
cd_http_enrol_token(struct cd_route *r)
{
	struct cd_route_later *l;

	if (authority(r) && cd_route_box_wide(r) && (l = cd_route_later_new(r)) != NULL)
		cd_enrol_revoke(r->env->enrol, r->name, answered, l);
}

void
cd_http_enrol_box(struct cd_route *r)
{
	struct cd_route_later *l;
	bool remove = cd_route_flag(r->req, "remove_intents");

	if (authority(r) && cd_route_box_wide(r) && (l = cd_route_later_new(r)) != NULL)
		cd_enrol_retire(r->env->enrol, r->name, remove, answered, l);
}
