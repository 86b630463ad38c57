/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_audit: one structured line for every write and every refused request: who, from where, what route, which intents, what came of it. */
/*
 * Every answer cd_route gives a write (POST, PUT, DELETE: any outcome) or
 * a refusal (401, 403, 409, 422, 429: any method) is one JSON line
 * {"time", "audit": "sxcd", "by", "from", "method", "route", "intents",
 * "code", "outcome", "revision"?}: "by" is the credential's name ("-"
 * none, "anonymous" under --insecure-no-auth), "intents" the KIND/NAME it
 * touched or meant to, "outcome" "ok" or the refusal's reason. Never a
 * secret: no body, no header, no query but the path's.
 *
 * It goes to the log (stderr: the journal, one "audit {...}" line) and,
 * given --audit-log FILE, appended to FILE (0640), opened again when
 * logrotate has moved it (its inode is no longer the path's).
 */
#ifndef CD_AUDIT_H
#define CD_AUDIT_H

#include <event2/http.h>
#include <jansson.h>

/* Append to @path too (NULL: the log alone). 0, or -errno (@path cannot be opened). */
int cd_audit_open(const char *path);
void cd_audit_close(void);

/* What the route knows of @req that its answer may not say: the
 * credential's name (static) and an intent it touches (KIND/NAME, as
 * many as it has). */
void cd_audit_by(struct evhttp_request *req, const char *by);
void cd_audit_touch(struct evhttp_request *req, const char *who);
/* @req is the front door's refusal of what @asked ("METHOD PATH", "":
 * unknown, the head did not parse): its line says that. */
void cd_audit_asked(struct evhttp_request *req, const char *asked);

/* What a request was: its method, path, source address, and the API's
 * prefix (its intents' paths are @api/KIND[/NAME]). */
struct cd_audit_ask {
	const char *method, *path, *from, *api;
};
/* @req (@a) answered @code with @body (borrowed, may be NULL): its line,
 * if it is one to keep. */
void cd_audit_answer(struct evhttp_request *req, const struct cd_audit_ask *a, int code, json_t *body);

/* Lines written, and lines the file did not take (counted for /metrics). */
json_t *cd_audit_stats(void);

#endif
