/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_http_revisions: the history's routes: list, one revision, the difference of two, a rollback. */
/*
 * GET /api/v1/revisions[?before=R&limit=N] (newest first, without the
 * documents), GET /api/v1/revisions/R (with them), GET
 * /api/v1/revisions/diff?from=A&to=B (each intent a revision between them
 * touched, as it was at A and at B), POST /api/v1/revisions/R/rollback
 * [?dry_run=1][&wait=1]: every intent a later revision touched put back
 * as it was at R, as one apply (the same checks as any, each intent's
 * write conditional on the generation it has now), itself a revision.
 */
#ifndef CD_HTTP_REVISIONS_H
#define CD_HTTP_REVISIONS_H

struct cd_route;

/* The patterns "/revisions/{R}" and "/revisions/{R}/rollback" after /api/v1. */
int cd_http_revisions_match_one(struct cd_route *r, const char *rest);
int cd_http_revisions_match_rollback(struct cd_route *r, const char *rest);

void cd_http_revisions_list(struct cd_route *r);
void cd_http_revisions_one(struct cd_route *r);
void cd_http_revisions_diff(struct cd_route *r);
void cd_http_revisions_rollback(struct cd_route *r);

#endif
