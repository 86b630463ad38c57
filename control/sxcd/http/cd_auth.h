/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_auth: sxcd's credentials: the bearer token (from its file, followed), the page's sessions, and the throttle on wrong ones. */
/*
 * The token is the one credential an operator holds; it comes from a file
 * (at most CD_AUTH_TOKEN_MAX bytes of visible ASCII, at least
 * CD_AUTH_TOKEN_MIN). The file is looked at every CD_AUTH_WATCH_MS: when
 * it changes, the new token is taken and every session is revoked (a
 * token rotated because it leaked takes its sessions with it).
 *
 * The page trades the token for a session once (POST /api/v1/login): an
 * opaque id of CD_AUTH_SID_BYTES random bytes held here, never the token,
 * in an HttpOnly, SameSite=Strict cookie (__Host-, Secure over TLS). At
 * most CD_AUTH_SESSIONS of them (the least recently used goes for a new
 * one), each ending after CD_AUTH_IDLE_MS unused or CD_AUTH_LIFE_MS in all,
 * or at log-out. A session reads (GET, HEAD); writes take the token.
 *
 * Wrong credentials are counted per source (an IPv4 address, an IPv6
 * /64) in a token bucket: CD_AUTH_BURST at once, then one per
 * CD_AUTH_REFILL_MS. Past it the answer is 429 and held until the bucket
 * refills (at most CD_AUTH_HOLD_MAX_MS; at most CD_AUTH_HELD_PER_SRC held
 * per source, CD_AUTH_HELD_MAX in all: past those the connection is closed
 * unanswered). The right token is never throttled: a flood from a shared
 * address (loopback) cannot lock the operator out. One log line per
 * source per burst, at most one per CD_AUTH_LOG_MS.
 */
#ifndef CD_AUTH_H
#define CD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <jansson.h>

#include "cd_cred.h"

struct event_base;
struct cd_auth;

#define CD_AUTH_TOKEN_MIN    16
#define CD_AUTH_TOKEN_MAX    1024
#define CD_AUTH_WATCH_MS     2000
#define CD_AUTH_SID_BYTES    32
#define CD_AUTH_SESSIONS     64
#define CD_AUTH_IDLE_MS      (30u * 60 * 1000)
#define CD_AUTH_LIFE_MS      (12u * 3600 * 1000)
#define CD_AUTH_BURST        10
#define CD_AUTH_REFILL_MS    1000
#define CD_AUTH_HOLD_MAX_MS  5000
#define CD_AUTH_HELD_PER_SRC 16
#define CD_AUTH_HELD_MAX     256
#define CD_AUTH_SOURCES      1024
#define CD_AUTH_LOG_MS       10000
#define CD_AUTH_COOKIE_MAX   160	/* a Set-Cookie value this module writes */

/* Read @token_file (NULL: no credential at all, --insecure-no-auth) and
 * follow it on @base; @tls names the cookie. 0, or -errno with why in
 * @err (the file named). */
int cd_auth_new(struct event_base *base, const char *token_file, bool tls, struct cd_auth **out,
		char *err, size_t len);
void cd_auth_free(struct cd_auth *a);

/* Is a credential required at all? */
bool cd_auth_required(const struct cd_auth *a);

/* The named credentials (cd_cred) beside the token file's, which is the
 * admin's (borrowed; NULL: none). */
void cd_auth_set_creds(struct cd_auth *a, struct cd_creds *creds);

/* Is @token (a login's, a bearer's) a credential? Then who into @who
 * (cd_who_clear it): the token file's is "admin", every intent; with no
 * credential at all (--insecure-no-auth) anyone is "anonymous", an admin.
 * The token file's is compared in the same time whatever its first wrong
 * byte, a named one by its id and its secret's hash. */
bool cd_auth_token(const struct cd_auth *a, const char *token, struct cd_who *who);
/* The same for an Authorization field's value (NULL: none). */
bool cd_auth_bearer(const struct cd_auth *a, const char *authorization, struct cd_who *who);
bool cd_auth_bearer_ok(const struct cd_auth *a, const char *authorization);
/* Does the Cookie field @cookie (NULL: none) carry a live session whose
 * key is @key (the page's X-Sxcd-Session field: a cookie alone, which a
 * co-hosted page on another port of the host is sent too, opens no API;
 * @page: the page's own files, which hold no data, want the cookie
 * alone)? Then its credential, as it is now, into @who (one revoked or
 * rotated since ends the session). It is used now (its idle time starts
 * again). */
bool cd_auth_session(struct cd_auth *a, const char *cookie, const char *key, bool page, struct cd_who *who);
bool cd_auth_session_ok(struct cd_auth *a, const char *cookie, const char *key, bool page);
/* What a cd_who holds let go. */
void cd_who_clear(struct cd_who *who);

/* A new session of @who: the Set-Cookie value carrying its id in
 * @set_cookie, its key (CD_AUTH_SID_BYTES in hex, for the page's memory)
 * in @key. 0 or -errno (no randomness). */
int cd_auth_login(struct cd_auth *a, const struct cd_who *who, char *set_cookie, size_t len, char *key);
/* The session @cookie carries (if any) ends; the Set-Cookie value that
 * clears it in @set_cookie. */
void cd_auth_logout(struct cd_auth *a, const char *cookie, const char *key, char *set_cookie, size_t len);

/* Is @src past its burst of wrong credentials (its bucket empty)? Then
 * what it sends is not tried at all, the right token neither, until the
 * bucket refills: a client that does not wait for its answers gets no
 * more guesses than that. */
bool cd_auth_over(struct cd_auth *a, const struct sockaddr *src);
/* What a wrong credential from @src costs it. */
enum cd_auth_verdict {
	CD_AUTH_REFUSE,		/* 401 now */
	CD_AUTH_THROTTLE,	/* 429, held cd_auth_hold_ms() */
	CD_AUTH_CLOSE,		/* too many held already: closed unanswered */
};
enum cd_auth_verdict cd_auth_failed(struct cd_auth *a, const struct sockaddr *src);
/* How long a throttled answer to @src is held, ms. */
unsigned int cd_auth_hold_ms(struct cd_auth *a, const struct sockaddr *src);
/* A throttled answer to @src is held (@on) or went. */
void cd_auth_held(struct cd_auth *a, const struct sockaddr *src, bool on);

/* {"mode": "token"|"none", "tls", "sessions", "logins", "logouts",
 * "failures", "throttled" (answered late or closed), "closed", "revoked",
 * "reloads", "held"} (new). */
json_t *cd_auth_stats(const struct cd_auth *a);

#endif
