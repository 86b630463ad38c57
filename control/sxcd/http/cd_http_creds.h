/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_creds: the credentials' routes (an admin's): make, list, show, rotate, revoke. */
/*
 * POST /api/v1/credentials {"name", "role", "scope"?} makes one and
 * answers its token, once (201); GET /api/v1/credentials lists them
 * without secrets, GET /api/v1/credentials/NAME shows one; POST
 * /api/v1/credentials/NAME/rotate answers a new token (the old one and
 * its sessions end); DELETE /api/v1/credentials/NAME revokes it (its
 * token and sessions end at once). A scope names slices that exist.
 */
#ifndef CD_HTTP_CREDS_H
#define CD_HTTP_CREDS_H

struct cd_route;

/* "/credentials/{name}" and "/credentials/{name}/rotate" after /api/v1. */
int cd_http_creds_match_one(struct cd_route *r, const char *rest);
int cd_http_creds_match_rotate(struct cd_route *r, const char *rest);

void cd_http_creds_list(struct cd_route *r);	/* GET: list; POST: make */
void cd_http_creds_one(struct cd_route *r);	/* GET, DELETE */
void cd_http_creds_rotate(struct cd_route *r);

#endif
