/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_head (see cd_head.h): a request's head read strictly, field by field, and written again canonically. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <event2/buffer.h>
#include <event2/http.h>

#include "cd_head.h"

#define REFUSED_PATH "/.sxcd-refused"	/* a refusal's own request */

/* the methods evhttp parses, but CONNECT: sxcd is no proxy */
static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
				       "TRACE", NULL };

int
cd_head_no(struct cd_head_no *no, int code, const char *reason, const char *fmt, ...)
{
	va_list ap;

	no->code = code;
	no->reason = reason;
	va_start(ap, fmt);
	vsnprintf(no->msg, sizeof(no->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* 1*DIGIT, at most 19 of them (else *@big). */
static int
parse_length(const char *v, uint64_t *out, bool *big)
{
	uint64_t n = 0;
	size_t i;

	*big = false;
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		if (i >= 19) {
			*big = true;
			continue;
		}
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	*out = n;
	return i > 0 ? 0 : -EINVAL;
}

int
cd_head_scan(int *eol, const unsigned char *p, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n && *eol < 4; i++) {
		unsigned char ch = p[i];

		if (ch == '\r' && (*eol == 0 || *eol == 2))
			(*eol)++;
		else if (ch == '\n' && (*eol == 1 || *eol == 3))
			(*eol)++;
		else if (ch == '\r' || ch == '\n' || *eol == 1 || *eol == 3 || ch == '\0')
			return -1;
		else
			*eol = 0;
	}
	*used = i;
	return 0;
}

int
cd_head_parse(char *h, size_t body_max, struct evbuffer *canon, struct cd_head *out,
	      struct cd_head_no *no)
{
	char *line = h, *eol, *sp1, *sp2, *colon, *v, *e;
	const char *authz = NULL, *cookie = NULL, *host = NULL, *origin = NULL, *site = NULL, *skey = NULL;
	const char *mode = NULL, *ctype = NULL;
	int minor, hosts = 0, fields = 0, m;
	bool has_cl = false, has_te = false, big, is_options, no_body, expect = false;
	uint64_t cl = 0;
	struct evhttp_uri *uri;

	/* request-line = method SP request-target SP HTTP-version */
	eol = strstr(line, "\r\n");
	*eol = '\0';
	if ((sp1 = strchr(line, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strchr(sp2 + 1, ' ') != NULL || sp1 == line || sp2 == sp1 + 1)
		return cd_head_no(no, 400, "bad_request_line", "the request line is not METHOD SP "
				  "TARGET SP HTTP/1.x");
	*sp1 = *sp2 = '\0';
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0 || strlen(sp2 + 1) != 8 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return cd_head_no(no, 400, "bad_request_line", "no HTTP version in the request line");
	if (sp2[6] != '1' || sp2[8] > '1')
		return cd_head_no(no, 505, "bad_version", "HTTP/1.0 and HTTP/1.1 only");
	minor = sp2[8] - '0';
	for (const char *p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return cd_head_no(no, 400, "bad_request_line", "the method is not a token");
	for (m = 0; methods[m] != NULL && strcmp(methods[m], line) != 0; m++)
		;
	if (methods[m] == NULL)
		return cd_head_no(no, 501, "bad_method", "method %.16s is not implemented", line);
	is_options = strcmp(line, "OPTIONS") == 0;
	no_body = strcmp(line, "HEAD") == 0 || strcmp(line, "TRACE") == 0;
	for (const char *p = sp1 + 1; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return cd_head_no(no, 400, "bad_target", "the request target has a byte it may not");
	if (sp1[1] != '/' && !(is_options && strcmp(sp1 + 1, "*") == 0))
		return cd_head_no(no, 400, "bad_target", "the request target is a path (origin-form)");
	if (sp1[1] == '/') {
		if ((uri = evhttp_uri_parse_with_flags(sp1 + 1, EVHTTP_URI_NONCONFORMANT)) == NULL)
			return cd_head_no(no, 400, "bad_target", "the request target does not parse");
		evhttp_uri_free(uri);
	}
	evbuffer_add_printf(canon, "%s %s HTTP/1.%d\r\n", line, sp1 + 1, minor);

	/* field-line = field-name ":" OWS field-value OWS */
	for (line = eol + 2; *line != '\r'; line = eol + 2) {
		eol = strstr(line, "\r\n");
		*eol = '\0';
		if (*line == ' ' || *line == '\t')
			return cd_head_no(no, 400, "obs_fold", "a field line folded onto the next (obs-fold)");
		if (++fields > CD_HEAD_FIELDS_MAX)
			return cd_head_no(no, 431, "too_many_fields", "at most %d header fields",
					  CD_HEAD_FIELDS_MAX);
		for (colon = line; is_tchar((unsigned char)*colon); colon++)
			;
		if (*colon != ':' || colon == line)
			return cd_head_no(no, 400, "bad_field", "a header field name is not a token "
					  "followed by ':'");
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		for (const char *p = v; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				return cd_head_no(no, 400, "bad_field", "field %.64s has a control character",
						  line);
		if (strcasecmp(line, "Content-Length") == 0) {
			if (has_cl)
				return cd_head_no(no, 400, "bad_framing", "more than one Content-Length");
			has_cl = true;
			if (parse_length(v, &cl, &big) < 0)
				return cd_head_no(no, 400, "bad_framing", "Content-Length is not a decimal "
						  "number");
			if (big || cl > body_max)
				return cd_head_no(no, 413, "too_large", "a body is at most %zu bytes", body_max);
			continue;	/* written again below */
		}
		if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (has_te || strcasecmp(v, "chunked") != 0)
				return cd_head_no(no, 501, "bad_framing", "the only transfer coding is chunked, "
						  "once");
			has_te = true;
			continue;
		}
		if (strcasecmp(line, "Expect") == 0 && strcasecmp(v, "100-continue") != 0)
			return cd_head_no(no, 417, "bad_expect", "the only expectation is 100-continue");
		expect |= strcasecmp(line, "Expect") == 0;
		if (strcasecmp(line, "Authorization") == 0) {
			if (authz != NULL)
				return cd_head_no(no, 400, "bad_field", "more than one Authorization");
			authz = v;
		}
		/* what the front door judges by is said once: two answers are
		 * no answer (a browser sends one of each) */
		{
			static const char *const once[] = { "Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode",
							    "Content-Type", "Cookie", CD_HEAD_SESSION_FIELD };
			const char **slot[] = { &origin, &site, &mode, &ctype, &cookie, &skey };

			for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
				if (strcasecmp(line, once[i]) != 0)
					continue;
				if (*slot[i] != NULL)
					return cd_head_no(no, 400, "bad_field", "more than one %s", once[i]);
				*slot[i] = v;
			}
		}
		if (strcasecmp(line, CD_HEAD_REFUSED_FIELD) == 0 || strcasecmp(line, CD_HEAD_ASKED_FIELD) == 0)
			continue;	/* ours alone */
		if (strcasecmp(line, "Host") == 0) {
			hosts++;
			host = v;
		}
		evbuffer_add_printf(canon, "%s: %s\r\n", line, v);
	}
	if (has_te && (has_cl || minor == 0))
		return cd_head_no(no, 400, "bad_framing", has_cl ? "both Transfer-Encoding and Content-Length" :
				  "Transfer-Encoding in HTTP/1.0");
	if (hosts > 1 || (minor == 1 && hosts == 0))
		return cd_head_no(no, 400, "bad_field", "an HTTP/1.1 request has exactly one Host");
	if (no_body && (has_te || cl > 0))
		return cd_head_no(no, 400, "bad_framing", "%s takes no body", h);
	*out = (struct cd_head){ .method = h, .minor = minor, .host = host, .origin = origin,
				 .site = site, .mode = mode, .ctype = ctype, .authz = authz,
				 .cookie = cookie, .skey = skey, .length = cl, .chunked = has_te, .expect = expect };
	snprintf(out->path, sizeof(out->path), "%.*s", (int)strcspn(sp1 + 1, "?"), sp1 + 1);
	if (strlen(sp1 + 1) > sizeof(out->path) - 2)
		out->path[0] = '\0';
	return 0;
}

/* @s with its control and non-ASCII bytes made spaces, into @out */
static void
printable(char *out, size_t len, const char *s)
{
	snprintf(out, len, "%s", s);
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = ' ';
}

void
cd_head_refusal(struct evbuffer *dst, int code, const char *reason, const char *msg, const char *asked)
{
	char m[200], a[CD_HEAD_ASKED_MAX];

	printable(m, sizeof(m), msg);
	printable(a, sizeof(a), asked);
	evbuffer_add_printf(dst, "GET " REFUSED_PATH " HTTP/1.1\r\nHost: sxcd\r\nConnection: close\r\n"
			    CD_HEAD_REFUSED_FIELD ": %d %s %s\r\n%s%s%s\r\n", code, reason, m,
			    a[0] ? CD_HEAD_ASKED_FIELD ": " : "", a, a[0] ? "\r\n" : "");
}

bool
cd_head_refused(struct evhttp_request *req, int *code, const char **reason, const char **msg, const char **asked)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *v = evhttp_find_header(in, CD_HEAD_REFUSED_FIELD);
	static char buf[256];
	char *sp;

	if (v == NULL)
		return false;
	snprintf(buf, sizeof(buf), "%s", v);
	*code = atoi(buf);
	*reason = (sp = strchr(buf, ' ')) != NULL ? sp + 1 : "refused";
	*msg = "refused";
	if (sp != NULL && (sp = strchr(sp + 1, ' ')) != NULL) {
		*sp = '\0';
		*msg = sp + 1;
	}
	*asked = evhttp_find_header(in, CD_HEAD_ASKED_FIELD) ?: "";
	return true;
}
