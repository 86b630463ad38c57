/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_enrol: a fleet's enrolment routes: an admin's tokens and retirements, a new box's redemption (cd_enrol). */
/*
 * On an authority box (sxcd --enrol-ca-cert/--enrol-ca-key, on a fleet's
 * store, over HTTPS): GET /api/v1/enrolments (the tokens, no secret, and
 * the boxes enrolled), POST /api/v1/enrolments {"site", "ttl_s"} (a token,
 * shown once), DELETE /api/v1/enrolments/ID (revoked), DELETE
 * /api/v1/enrolled/SITE[?intents=remove] (the box retired) are an
 * admin's; POST /api/v1/enrol {"token", "csr"} is a new box's and wants no
 * credential but the token: its wrong ones are throttled per address as
 * wrong tokens are. Elsewhere each is 404 not_authority.
 */
#ifndef CD_HTTP_ENROL_H
#define CD_HTTP_ENROL_H

struct cd_route;

int cd_http_enrol_match_token(struct cd_route *r, const char *rest);
int cd_http_enrol_match_box(struct cd_route *r, const char *rest);

void cd_http_enrol_redeem(struct cd_route *r);
void cd_http_enrol_tokens(struct cd_route *r);	/* GET: list; POST: make */
void cd_http_enrol_token(struct cd_route *r);	/* DELETE: revoke */
void cd_http_enrol_box(struct cd_route *r);	/* DELETE: retire */

#endif
