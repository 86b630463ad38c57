/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_svc (see cd_http_svc.h): the services' actions' route. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/http.h>

#include "cd_http_svc.h"
#include "cd_route.h"
#include "cd_svc.h"
#include "store.h"

#define ACTION_MAX 32

int
cd_http_svc_match(struct cd_route *r, const char *rest)
{
	size_t n = strcspn(rest, "/"), a;

	if (n == 0 || n > STORE_NAME_MAX || rest[n] != '/')
		return CD_ROUTE_NEXT;
	a = strlen(rest + n + 1);
	if (a == 0 || a > ACTION_MAX || strchr(rest + n + 1, '/') != NULL)
		return CD_ROUTE_NEXT;
	snprintf(r->name, sizeof(r->name), "%.*s", (int)n, rest);
	r->id = rest + n + 1;
	if (!store_name_ok(r->name) || !store_name_ok(r->id)) {
		cd_route_err(r->req, 404, "not_found", NULL, "no service %s with action %s", r->name, r->id);
		return CD_ROUTE_ANSWERED;
	}
	return CD_ROUTE_MATCH;
}

void
cd_http_svc_act(struct cd_route *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	json_t *body = NULL, *result = NULL;
	char msg[256] = "";
	int rc;

	if (evbuffer_get_length(in) > 0 && (body = cd_route_body(r->req)) == NULL)
		return;		/* answered: 400 or 413 */
	rc = cd_svc_act(r->name, r->id, body, &result, msg, sizeof(msg));
	json_decref(body);
	switch (rc) {
	case 0:
		cd_route_reply(r->req, 200, result);
		return;
	case -ENOENT:
		cd_route_err(r->req, 404, "not_found", NULL, "%s", msg);
		break;
	case -EINVAL:
		cd_route_err(r->req, 400, "bad_value", NULL, "%s", msg);
		break;
	case -EBUSY:
		cd_route_err(r->req, 409, "conflict", NULL, "%s", msg);
		break;
	default:
		cd_route_err(r->req, 500, "failed", NULL, "%s", msg[0] ? msg : strerror(-rc));
		break;
	}
	json_decref(result);
}
