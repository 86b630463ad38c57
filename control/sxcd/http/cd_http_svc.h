/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_svc: the services' actions' route (an admin's): POST /api/v1/services/NAME/ACTION. */
/*
 * A feature's service that has actions (cd_svc.h's act: a key rotated, a
 * session cleared) is asked through one route the core owns and names no
 * feature in: the body, if any, a JSON object; the answer the action's
 * (200), 404 for a service or action there is not, 400 or 409 as the
 * action says. Audited like every write (cd_route.c): who, when, the
 * route; never a body's secret, and an action answers none.
 */
#ifndef CD_HTTP_SVC_H
#define CD_HTTP_SVC_H

struct cd_route;

/* "/services/{name}/{action}" after /api/v1. */
int cd_http_svc_match(struct cd_route *r, const char *rest);
void cd_http_svc_act(struct cd_route *r);

#endif
