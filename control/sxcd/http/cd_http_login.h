/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_login: the credentials' routes: the page's login and logout, and a throttled client's held 429. */
/*
 * The page trades the token for a session at POST /api/v1/login
 * {"token": "..."} (204 with its cookie; 401 for a wrong token, throttled
 * per source as cd_auth says: a 429 held until the source may try again,
 * or closed) and ends it at POST /api/v1/logout (204, the cookie
 * cleared). Both go without a credential (cd_gate_open_path).
 */
#ifndef CD_HTTP_LOGIN_H
#define CD_HTTP_LOGIN_H

struct evhttp_request;
struct cd_route;
struct cd_route_env;

#define CD_HTTP_LOGIN_MAX 4096	/* a login's body */

/* POST /api/v1/login */
void cd_http_login_in(struct cd_route *r);
/* POST /api/v1/logout */
void cd_http_login_out(struct cd_route *r);
/* Answer @req 429 (Retry-After, Connection: close) once its source may
 * try again (a wrong credential's, throttled). */
void cd_http_login_hold(const struct cd_route_env *e, struct evhttp_request *req);

#endif
