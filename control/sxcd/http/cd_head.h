/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_head: a request's head read strictly (RFC 9112) and written again canonically; no connection state. */
/*
 * cd_wire gathers a head's bytes (cd_head_scan: no bare CR or LF, no NUL,
 * at most CD_WIRE_HEAD_MAX bytes) and hands the whole head to
 * cd_head_parse: one request line (METHOD SP TARGET SP HTTP/1.x, a
 * method evhttp knows but CONNECT, an origin-form target or OPTIONS *),
 * field names that are tokens, no obs-fold, no control character in a
 * value, at most CD_HEAD_FIELDS_MAX fields, one Host (HTTP/1.1), at most
 * one Content-Length of plain digits within the body limit, chunked as
 * the only transfer coding and never beside a Content-Length, the
 * 100-continue expectation alone, and what the front door judges by
 * (Authorization, Origin, Sec-Fetch-Site, Sec-Fetch-Mode, Content-Type,
 * Cookie) said at most once. What passes is written again to @canon with
 * its own framing left for the caller (Content-Length once the body is
 * known); a field of the front door's own refusals (cd_head_refusal) is
 * dropped.
 */
#ifndef CD_HEAD_H
#define CD_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cd_www.h"

struct evbuffer;
struct evhttp_request;

#define CD_HEAD_FIELDS_MAX 100	/* header fields in a head (431) */
#define CD_HEAD_REFUSED_FIELD "X-Sxcd-Refused"	/* cd_wire's refusals, never a client's */
#define CD_HEAD_ASKED_FIELD   "X-Sxcd-Refused-Asked"	/* ... and what they refused */
#define CD_HEAD_SESSION_FIELD "X-Sxcd-Session"	/* the page's session key, sent with its cookie */

/* Why a request is refused: its status, reason and message. */
struct cd_head_no {
	int code;
	const char *reason;
	char msg[200];
};

/* Fill @no: -1. */
int cd_head_no(struct cd_head_no *no, int code, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A head that passed: pointers into the head given (valid while it is). */
struct cd_head {
	const char *method;
	char path[CD_WWW_PATH_MAX + 8];	/* the target's path ("" when longer) */
	int minor;			/* HTTP/1.@minor */
	const char *host, *origin, *site, *mode, *ctype, *authz, *cookie;	/* NULL: absent */
	const char *skey;		/* the page's session key (CD_HEAD_SESSION_FIELD) */
	uint64_t length;		/* Content-Length (0: none) */
	bool chunked;
	bool expect;			/* 100-continue */
};

/* The next @n bytes of a head at @p looked at, *@eol the CR/LF seen at
 * its end so far (0..4, 4: the end): how many are the head's (*@used,
 * the end's included), or -1: a bare CR or LF, or a NUL. */
int cd_head_scan(int *eol, const unsigned char *p, size_t n, size_t *used);

/* Check the head in @h (ending with the empty line, NUL-terminated, CRLF
 * only: cd_head_scan made sure; cut in place) against @body_max, and
 * when it passes write it canonically to @canon but its framing. 0 and
 * @out, or -1 with why in @no. */
int cd_head_parse(char *h, size_t body_max, struct evbuffer *canon, struct cd_head *out,
		  struct cd_head_no *no);

/* The head of the front door's own request that carries a refusal to
 * evhttp (@msg's control characters made spaces), and what was asked
 * ("METHOD PATH", "" when the head did not parse): cd_http answers it. */
#define CD_HEAD_ASKED_MAX 160
void cd_head_refusal(struct evbuffer *dst, int code, const char *reason, const char *msg, const char *asked);
/* Is @req such a refusal? Then its code, reason and message, and what was
 * asked ("" unknown) (valid until the next call). */
bool cd_head_refused(struct evhttp_request *req, int *code, const char **reason, const char **msg,
		     const char **asked);

#endif
