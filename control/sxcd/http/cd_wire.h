/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_wire: sxcd's HTTP front door: every connection's bytes pass here before evhttp reads them. */
/*
 * Each connection evhttp accepts is a bufferevent filter over the socket:
 * a request's head is read here whole (at most CD_WIRE_HEAD_MAX bytes,
 * within CD_WIRE_HEAD_MS of its first byte), checked strictly (cd_head,
 * RFC 9112: one request line, field names that are tokens, no obs-fold,
 * no bare CR or NUL, one Host, at most one Content-Length of plain digits,
 * no Transfer-Encoding beside it, only the methods evhttp knows), then
 * what it asks checked in this order (cd_gate), all before any of the
 * body is read:
 *   - without TLS, its client is on loopback (403) unless plain HTTP is
 *     allowed (--insecure-plain-http): a token crossing a network in clear
 *     is no credential;
 *   - its Host names this box (421 otherwise): the listen address, an
 *     address of the connection's, loopback, or a --server-name; a page on
 *     another name that resolves here (DNS rebinding) is not same-origin;
 *   - its credential (cd_auth): the bearer token, or for a read the page's
 *     session; the page's entry and login/logout go without (their own
 *     checks are cd_http's). A wrong token is throttled (429 held by
 *     cd_http, or the connection closed);
 *   - it is not cross-origin (403), with a credential or without: an Origin
 *     other than the request's own, or Sec-Fetch-Site other than
 *     same-origin/none, except a navigation to the page;
 *   - a write (POST, PUT, PATCH, DELETE) carries Content-Type
 *     application/json (415): no simple cross-site request (a form, a
 *     no-cors fetch) can, and sxcd grants no CORS preflight.
 * What passes
 * reaches evhttp written again canonically, so evhttp never sees framing
 * this file did not read the same way; a chunked body is de-chunked here
 * (cd_chunk: whole, at most the body limit) and handed on with its
 * Content-Length.
 *
 * What does not pass reaches evhttp as a request of its own carrying the
 * refusal (cd_head_refusal), which cd_http answers as the API's JSON error
 * with "Connection: close"; nothing more is read from that connection (what
 * the client still sends is drained for a moment so the answer is not lost
 * to a reset: cd_linger).
 *
 * Bodies being received share a budget (@body_budget bytes, reserved from
 * the Content-Length when the head passes): past it, 503 busy. The
 * connections are bounded (@max_conns, from the fd limit): at the bound, the
 * one whose head or idleness is oldest is closed for the new one; accept
 * failures (EMFILE, ENFILE) pause the listener and close the slowest, and
 * are logged once per CD_WIRE_LOG_MS.
 *
 * With TLS (cd_tls) the bytes are deciphered here before all that and
 * answers ciphered on their way out, written to the socket as plain ones
 * are; a connection whose first byte is not a TLS handshake gets a plain
 * 400 ("this port speaks HTTPS") and is closed.
 */
#ifndef CD_WIRE_H
#define CD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct cd_auth;
struct cd_tls_ctx;
struct cd_wire;

#define CD_WIRE_HEAD_MAX   16384  /* a request's head, bytes (431) */
#define CD_WIRE_HEAD_MS	   10000  /* a head, from its first byte (or the accept) */
#define CD_WIRE_BODY_MS	   60000  /* a body, from its head */
#define CD_WIRE_LOG_MS	   10000  /* one line per kind of trouble per this */
#define CD_WIRE_LATE_MS	   1000   /* a deadline this late: sxcd's loop was held, not the client slow */

struct cd_wire_conf {
	struct cd_auth *auth;	/* the credentials */
	struct cd_tls_ctx *tls;	/* NULL: plain HTTP */
	const char *listen_host;	/* --listen's address as given */
	const char *const *names;	/* --server-name, NULL-terminated (NULL: none) */
	bool plain_ok;			/* plain HTTP from beyond loopback too */
	size_t body_max;	/* one body (413) */
	size_t body_budget;	/* every body being received (503) */
	unsigned int max_conns;
};

/* Front every connection of @http (bound at @bound) on @base. NULL: no memory. */
struct cd_wire *cd_wire_new(struct event_base *base, struct evhttp *http,
			    struct evhttp_bound_socket *bound, const struct cd_wire_conf *conf);
void cd_wire_free(struct cd_wire *w);

/* {"connections", "max_connections", "body_bytes", "body_budget",
 * "refused": {reason: n}, "evicted", "accept_errors"} (new). */
json_t *cd_wire_stats(const struct cd_wire *w);

#endif
