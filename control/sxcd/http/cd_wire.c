/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_wire (see cd_wire.h): a bufferevent filter per connection that reads each request's head and framing before evhttp does. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "cd_auth.h"
#include "cd_clock.h"
#include "cd_log.h"
#include "cd_tls.h"
#include "cd_wire.h"
#include "cd_www.h"

#define REFUSED_PATH	"/.sxcd-refused"
#define REFUSED_FIELD	"X-Sxcd-Refused"
#define LINGER_MS	2000		/* drain a refused client's rest this long ... */
#define LINGER_BYTES	(16u << 20)	/* ... or this much */
#define LINGER_MAX	32		/* refused connections drained at once */
#define PAUSE_MS	200		/* the listener rests after an accept failure */
#define CHUNK_LINE_MAX	256

enum st { ST_HEAD, ST_BODY, ST_CHUNKED, ST_REFUSED };
enum ck { CK_SIZE, CK_DATA, CK_DATA_END, CK_TRAILER };
enum trouble { T_ACCEPT, T_EVICT, T_DEADLINE, T_BUDGET, T_TLS, T_N };

struct conn {
	TAILQ_ENTRY(conn) link;	/* oldest head or idleness first */
	struct cd_wire *w;
	struct bufferevent *bev;	/* the filter: evhttp's */
	struct bufferevent *under;	/* the socket's */
	struct event *deadline;
	struct event *writable;		/* the socket, while an answer waits on it */
	struct event *kick;		/* input left in the socket's buffer: read it */
	struct evbuffer *head;		/* the head being read */
	enum st st;
	int eol;			/* CR/LF seen at the end of @head: 0..4 */
	bool overload;			/* accepted past the bound: refused at once */
	bool closing;
	bool flushing;			/* writing from on_kick/on_writable */
	bool expect;			/* the head asked for 100-continue */
	uint64_t body_left;
	size_t reserved;		/* of the body budget */
	/* chunked: the body de-chunked here, and the head it goes with */
	enum ck ck;
	struct evbuffer *body, *canon;
	char line[CHUNK_LINE_MAX];
	size_t line_len;
	/* TLS (NULL: plain): the deciphered bytes not yet read, the ciphered
	 * ones not yet written, and an answer waiting on those */
	struct cd_tls *tls;
	struct evbuffer *plain, *cout;
	bool tls_seen;			/* its first byte was looked at */
	bool out_wait;
	bool addrs;			/* @peer and @local read */
	struct sockaddr_storage peer, local;
};

struct lingerer {
	struct cd_wire *w;
	struct event *ev;
	int fd;
	uint64_t until;
	size_t drained;
};

struct cd_wire {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct event *pause;
	struct cd_wire_conf conf;
	TAILQ_HEAD(, conn) conns;
	unsigned int n_conns, n_linger;
	size_t body_bytes;
	json_t *refused;		/* reason → count */
	uint64_t evicted, accept_errors;
	uint64_t logged_at[T_N], quiet[T_N];
};

static void on_writable(evutil_socket_t fd, short what, void *arg);

/* evconnlistener's error callback gets evhttp's argument, not one of
 * ours: the process has one front door */
static struct cd_wire *the_wire;

/* At most one line per CD_WIRE_LOG_MS for each kind of trouble: a flood
 * of them must not fill the disk. */
static void __attribute__((format(printf, 3, 4)))
wlog(struct cd_wire *w, enum trouble t, const char *fmt, ...)
{
	uint64_t now = cd_clock_ms();
	char msg[256];
	va_list ap;

	if (w->logged_at[t] != 0 && now - w->logged_at[t] < CD_WIRE_LOG_MS) {
		w->quiet[t]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->quiet[t] > 0)
		CD_LOG(WARN, "%s (and %lu more like it in the last %u s)", msg,
		       (unsigned long)w->quiet[t], CD_WIRE_LOG_MS / 1000);
	else
		CD_LOG(WARN, "%s", msg);
	w->logged_at[t] = now;
	w->quiet[t] = 0;
}

static void
arm(struct conn *c, unsigned int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->deadline, &tv);
}

/* The connection goes (evhttp frees it, and with it @c, on the next turn
 * of the loop). */
static void
drop(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	bufferevent_trigger_event(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
}

static void
unreserve(struct conn *c)
{
	c->w->body_bytes -= c->reserved;
	c->reserved = 0;
}

/* Most recent activity last: a new head, a request done. */
static void
touch(struct conn *c)
{
	TAILQ_REMOVE(&c->w->conns, c, link);
	TAILQ_INSERT_TAIL(&c->w->conns, c, link);
}

/* Close the oldest connection that is reading a head or idle (never one
 * receiving a body). 0, or -EBUSY: none. */
static int
evict_one(struct cd_wire *w, const char *why)
{
	struct conn *c;

	TAILQ_FOREACH(c, &w->conns, link)
		if (!c->closing && c->st == ST_HEAD)
			break;
	if (c == NULL)
		return -EBUSY;
	w->evicted++;
	wlog(w, T_EVICT, "http: %s: closing the connections whose head or idleness is oldest", why);
	drop(c);
	return 0;
}

/* ------------------------------------------------------------ linger */

static void
linger_end(struct lingerer *l)
{
	l->w->n_linger--;
	event_free(l->ev);
	close(l->fd);
	free(l);
}

static void
on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct lingerer *l = arg;
	char buf[16384];
	ssize_t n = 0;

	if (what & EV_READ)
		n = read(fd, buf, sizeof(buf));
	if (n > 0)
		l->drained += (size_t)n;
	if (!(what & EV_READ) || n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
	    l->drained >= LINGER_BYTES || cd_clock_ms() >= l->until)
		linger_end(l);
}

/* Keep the socket of a refused connection open for a moment after evhttp
 * closes it, reading what the client still sends: closing with unread
 * data would reset the connection and could lose the answer. */
static void
linger(struct conn *c)
{
	struct cd_wire *w = c->w;
	struct timeval tv = { LINGER_MS / 1000, (LINGER_MS % 1000) * 1000 };
	struct lingerer *l;
	int fd;

	if (w->n_linger >= LINGER_MAX || (fd = bufferevent_getfd(c->under)) < 0 ||
	    (fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_linger, l)) == NULL) {
		free(l);
		close(fd);
		return;
	}
	l->w = w;
	l->fd = fd;
	l->until = cd_clock_ms() + LINGER_MS;
	w->n_linger++;
	event_add(l->ev, &tv);
}

/* ------------------------------------------------------------ refusals */

static void
count(struct cd_wire *w, const char *reason)
{
	json_object_set_new(w->refused, reason,
			    json_integer(json_integer_value(json_object_get(w->refused, reason)) + 1));
}

/* Hand evhttp a request of our own that carries the refusal; nothing
 * more of this connection is read. */
static void __attribute__((format(printf, 5, 6)))
refuse(struct conn *c, struct evbuffer *dst, int code, const char *reason, const char *fmt, ...)
{
	struct cd_wire *w = c->w;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = ' ';
	evbuffer_add_printf(dst, "GET " REFUSED_PATH " HTTP/1.1\r\nHost: sxcd\r\nConnection: close\r\n"
			    REFUSED_FIELD ": %d %s %s\r\n\r\n", code, reason, msg);
	count(w, reason);
	unreserve(c);
	c->st = ST_REFUSED;
	arm(c, CD_WIRE_HEAD_MS);	/* evhttp answers and closes well before */
	linger(c);
}

bool
cd_wire_refused(struct evhttp_request *req, int *code, const char **reason, const char **msg)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), REFUSED_FIELD);
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
	return true;
}

/* ------------------------------------------------------------ the head */

static bool
is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

bool
cd_wire_open_path(const char *path, bool get)
{
	if (get)
		return cd_www_path(path) && cd_www_entry(path);
	return strcmp(path, "/api/v1/login") == 0 || strcmp(path, "/api/v1/logout") == 0;
}

/* The connection's own addresses, read once. */
static void
conn_addrs(struct conn *c)
{
	socklen_t n = sizeof(c->peer);
	int fd = bufferevent_getfd(c->under);

	if (c->addrs)
		return;
	c->addrs = true;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&c->peer, &n) < 0)
		c->peer.ss_family = AF_UNSPEC;
	n = sizeof(c->local);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&c->local, &n) < 0)
		c->local.ss_family = AF_UNSPEC;
}

/* Is the client on loopback (127/8, ::1, ::ffff:127.x)? */
static bool
peer_loopback(const struct conn *c)
{
	const struct sockaddr_in6 *p6 = (const struct sockaddr_in6 *)&c->peer;

	if (c->peer.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&c->peer)->sin_addr.s_addr) >> 24) == 127;
	if (c->peer.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&p6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr) && p6->sin6_addr.s6_addr[12] == 127);
	return false;
}

/* Is the address literal @h this connection's local address, or loopback? */
static bool
host_addr_ok(const struct conn *c, const char *h, bool v6)
{
	const struct sockaddr_in6 *l6 = (const struct sockaddr_in6 *)&c->local;
	const struct sockaddr_in *l4 = (const struct sockaddr_in *)&c->local;
	struct in6_addr a6;
	struct in_addr a4;

	if (v6) {
		if (inet_pton(AF_INET6, h, &a6) != 1)
			return false;
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (c->local.ss_family == AF_INET6 && memcmp(&a6, &l6->sin6_addr, sizeof(a6)) == 0);
	}
	if (inet_pton(AF_INET, h, &a4) != 1)
		return false;
	if ((ntohl(a4.s_addr) >> 24) == 127)
		return true;
	if (c->local.ss_family == AF_INET)
		return a4.s_addr == l4->sin_addr.s_addr;
	/* an IPv4 client of a [::] listener: ::ffff:a.b.c.d */
	return c->local.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr) &&
	       memcmp(&l6->sin6_addr.s6_addr[12], &a4, 4) == 0;
}

/* Does the Host field @v name this box? Its port is not looked at (a
 * forwarded port is fine): a name is what DNS rebinding changes. */
static bool
host_ok(struct conn *c, const char *v)
{
	const struct cd_wire_conf *cf = &c->w->conf;
	char h[256];
	size_t n;

	if (v[0] == '[') {
		const char *rb = strchr(v, ']');

		if (rb == NULL || (size_t)(rb - v) >= sizeof(h) || (rb[1] != '\0' && rb[1] != ':'))
			return false;
		snprintf(h, sizeof(h), "%.*s", (int)(rb - v - 1), v + 1);
		return host_addr_ok(c, h, true) ||
		       (cf->listen_host != NULL && strcasecmp(cf->listen_host, h) == 0);
	}
	n = strcspn(v, ":");
	if (n == 0 || n >= sizeof(h) || (v[n] == ':' && strchr(v + n + 1, ':') != NULL))
		return false;
	snprintf(h, sizeof(h), "%.*s", (int)n, v);
	if (h[n - 1] == '.')	/* the root's dot: the same name */
		h[--n] = '\0';
	if (n == 0)
		return false;
	if (strcasecmp(h, "localhost") == 0 || host_addr_ok(c, h, false))
		return true;
	if (cf->listen_host != NULL && strcasecmp(cf->listen_host, h) == 0)
		return true;
	for (const char *const *s = cf->names; s != NULL && *s != NULL; s++) {
		size_t sn = strlen(*s);

		if (sn > 0 && (*s)[sn - 1] == '.')
			sn--;
		if (sn == n && strncasecmp(*s, h, n) == 0)
			return true;
	}
	return false;
}

/* Is the request cross-origin: an Origin other than its own (scheme and
 * Host), or a browser's Sec-Fetch-Site other than same-origin or none
 * (the user's own navigation)? */
static bool
cross_origin(const struct conn *c, const char *origin, const char *host, const char *site)
{
	const char *scheme = c->w->conf.tls != NULL ? "https://" : "http://";
	size_t sn = strlen(scheme);

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return true;
	if (origin == NULL)
		return false;
	return host == NULL || strncasecmp(origin, scheme, sn) != 0 || strcasecmp(origin + sn, host) != 0;
}

/* Is @v (a Content-Type field's value) application/json, with or without
 * parameters? */
static bool
is_json_type(const char *v)
{
	static const char t[] = "application/json";

	if (v == NULL || strncasecmp(v, t, sizeof(t) - 1) != 0)
		return false;
	v += sizeof(t) - 1;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || *v == ';';
}

/* the methods evhttp parses, but CONNECT: sxcd is no proxy */
static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
				       "TRACE", NULL };

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

/* A request with its credential: not from another origin, and a write
 * as JSON. 0, or a refusal made. */
static int
check_origin(struct conn *c, struct evbuffer *dst, bool write, bool page, const char *host,
	     const char *origin, const char *site, const char *mode, const char *ctype)
{
	/* a link to the page from elsewhere is a navigation: it loads, and
	 * nothing it could carry is used (the session cookie is SameSite) */
	if (cross_origin(c, origin, host, site) && (write || !page || (mode != NULL &&
						    strcmp(mode, "navigate") != 0))) {
		refuse(c, dst, 403, "cross_origin", "a request from another origin (Origin, "
		       "Sec-Fetch-Site) is refused");
		return -1;
	}
	if (write && !is_json_type(ctype)) {
		refuse(c, dst, 415, "bad_content_type", "a write carries Content-Type: application/json");
		return -1;
	}
	return 0;
}

/* What a well-framed head of method @m for @path asks, checked (cd_wire.h):
 * TLS off loopback, its Host, its credential, its origin, a write's type.
 * 0, or a refusal made (into @dst). */
static int
check_asks(struct conn *c, struct evbuffer *dst, const char *m, const char *path, const char *host,
	   const char *origin, const char *site, const char *mode, const char *ctype,
	   const char *authz, const char *cookie)
{
	struct cd_auth *auth = c->w->conf.auth;
	bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	bool write = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
		     strcmp(m, "DELETE") == 0;
	bool page = path[0] != '\0' && cd_www_path(path);

	conn_addrs(c);
	if (c->tls == NULL && !c->w->conf.plain_ok && !peer_loopback(c)) {
		refuse(c, dst, 403, "tls_required", "this sxcd answers plain HTTP on loopback only: "
		       "use https (sxcd --tls-cert), or sxcd --insecure-plain-http");
		return -1;
	}
	if (host != NULL && !host_ok(c, host)) {
		refuse(c, dst, 421, "bad_host", "this box is not known by that Host name (sxcd "
		       "--server-name names it)");
		return -1;
	}
	if (cd_auth_bearer_ok(auth, authz) || (get && cd_auth_session_ok(auth, cookie)) ||
	    (authz == NULL && cd_wire_open_path(path, get)))
		return check_origin(c, dst, write, page, host, origin, site, mode, ctype);
	if (authz == NULL) {	/* nothing guessed: no throttle */
		refuse(c, dst, 401, "unauthorized", "a bearer token (or the page's session) is required");
		return -1;
	}
	switch (cd_auth_failed(auth, (struct sockaddr *)&c->peer)) {
	case CD_AUTH_REFUSE:
		refuse(c, dst, 401, "unauthorized", "that is not this sxcd's token");
		return -1;
	case CD_AUTH_THROTTLE:
		refuse(c, dst, 429, "throttled", "too many wrong credentials from this address");
		return -1;
	case CD_AUTH_CLOSE:
		break;
	}
	count(c->w, "throttled_closed");
	unreserve(c);
	c->st = ST_REFUSED;
	drop(c);
	return -1;
}

/* Check the head in @h (ending with the empty line, NUL-terminated, CRLF
 * only: the reader made sure) and, when it passes, write it canonically
 * to @canon. 0, or a refusal made (into @dst). */
static int
check_head(struct conn *c, char *h, struct evbuffer *dst, struct evbuffer *canon, bool *chunked)
{
	struct cd_wire *w = c->w;
	char *line = h, *eol, *sp1, *sp2, *colon, *v, *e;
	const char *authz = NULL, *cookie = NULL, *host = NULL, *origin = NULL, *site = NULL;
	const char *mode = NULL, *ctype = NULL;
	char path[CD_WWW_PATH_MAX + 8];
	int minor, hosts = 0, fields = 0, m;
	bool has_cl = false, has_te = false, big, is_options, no_body;
	uint64_t cl = 0;
	struct evhttp_uri *uri;

	*chunked = false;
	c->expect = false;
	/* request-line = method SP request-target SP HTTP-version */
	eol = strstr(line, "\r\n");
	*eol = '\0';
	if ((sp1 = strchr(line, ' ')) == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strchr(sp2 + 1, ' ') != NULL || sp1 == line || sp2 == sp1 + 1) {
		refuse(c, dst, 400, "bad_request_line", "the request line is not METHOD SP TARGET SP HTTP/1.x");
		return -1;
	}
	*sp1 = *sp2 = '\0';
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0 || strlen(sp2 + 1) != 8 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9') {
		refuse(c, dst, 400, "bad_request_line", "no HTTP version in the request line");
		return -1;
	}
	if (sp2[6] != '1' || sp2[8] > '1') {
		refuse(c, dst, 505, "bad_version", "HTTP/1.0 and HTTP/1.1 only");
		return -1;
	}
	minor = sp2[8] - '0';
	for (const char *p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p)) {
			refuse(c, dst, 400, "bad_request_line", "the method is not a token");
			return -1;
		}
	for (m = 0; methods[m] != NULL && strcmp(methods[m], line) != 0; m++)
		;
	if (methods[m] == NULL) {
		refuse(c, dst, 501, "bad_method", "method %.16s is not implemented", line);
		return -1;
	}
	is_options = strcmp(line, "OPTIONS") == 0;
	no_body = strcmp(line, "HEAD") == 0 || strcmp(line, "TRACE") == 0;
	for (const char *p = sp1 + 1; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			refuse(c, dst, 400, "bad_target", "the request target has a byte it may not");
			return -1;
		}
	if (sp1[1] != '/' && !(is_options && strcmp(sp1 + 1, "*") == 0)) {
		refuse(c, dst, 400, "bad_target", "the request target is a path (origin-form)");
		return -1;
	}
	if (sp1[1] == '/') {
		if ((uri = evhttp_uri_parse_with_flags(sp1 + 1, EVHTTP_URI_NONCONFORMANT)) == NULL) {
			refuse(c, dst, 400, "bad_target", "the request target does not parse");
			return -1;
		}
		evhttp_uri_free(uri);
	}
	evbuffer_add_printf(canon, "%s %s HTTP/1.%d\r\n", line, sp1 + 1, minor);

	/* field-line = field-name ":" OWS field-value OWS */
	for (line = eol + 2; *line != '\r'; line = eol + 2) {
		eol = strstr(line, "\r\n");
		*eol = '\0';
		if (*line == ' ' || *line == '\t') {
			refuse(c, dst, 400, "obs_fold", "a field line folded onto the next (obs-fold)");
			return -1;
		}
		if (++fields > CD_WIRE_FIELDS_MAX) {
			refuse(c, dst, 431, "too_many_fields", "at most %d header fields",
			       CD_WIRE_FIELDS_MAX);
			return -1;
		}
		for (colon = line; is_tchar((unsigned char)*colon); colon++)
			;
		if (*colon != ':' || colon == line) {
			refuse(c, dst, 400, "bad_field", "a header field name is not a token followed by ':'");
			return -1;
		}
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		for (const char *p = v; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
				refuse(c, dst, 400, "bad_field", "field %.64s has a control character", line);
				return -1;
			}
		if (strcasecmp(line, "Content-Length") == 0) {
			if (has_cl) {
				refuse(c, dst, 400, "bad_framing", "more than one Content-Length");
				return -1;
			}
			has_cl = true;
			if (parse_length(v, &cl, &big) < 0) {
				refuse(c, dst, 400, "bad_framing", "Content-Length is not a decimal number");
				return -1;
			}
			if (big || cl > w->conf.body_max) {
				refuse(c, dst, 413, "too_large", "a body is at most %zu bytes", w->conf.body_max);
				return -1;
			}
			continue;	/* written again below */
		}
		if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (has_te || strcasecmp(v, "chunked") != 0) {
				refuse(c, dst, 501, "bad_framing", "the only transfer coding is chunked, once");
				return -1;
			}
			has_te = true;
			continue;
		}
		if (strcasecmp(line, "Expect") == 0 && strcasecmp(v, "100-continue") != 0) {
			refuse(c, dst, 417, "bad_expect", "the only expectation is 100-continue");
			return -1;
		}
		c->expect |= strcasecmp(line, "Expect") == 0;
		if (strcasecmp(line, "Authorization") == 0) {
			if (authz != NULL) {
				refuse(c, dst, 400, "bad_field", "more than one Authorization");
				return -1;
			}
			authz = v;
		}
		/* what the front door judges by is said once: two answers are
		 * no answer (a browser sends one of each) */
		{
			static const char *const once[] = { "Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode",
							    "Content-Type", "Cookie" };
			const char **slot[] = { &origin, &site, &mode, &ctype, &cookie };

			for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
				if (strcasecmp(line, once[i]) != 0)
					continue;
				if (*slot[i] != NULL) {
					refuse(c, dst, 400, "bad_field", "more than one %s", once[i]);
					return -1;
				}
				*slot[i] = v;
			}
		}
		if (strcasecmp(line, REFUSED_FIELD) == 0)
			continue;	/* ours alone */
		if (strcasecmp(line, "Host") == 0) {
			hosts++;
			host = v;
		}
		evbuffer_add_printf(canon, "%s: %s\r\n", line, v);
	}
	if (has_te && (has_cl || minor == 0)) {
		refuse(c, dst, 400, "bad_framing", has_cl ? "both Transfer-Encoding and Content-Length" :
		       "Transfer-Encoding in HTTP/1.0");
		return -1;
	}
	if (hosts > 1 || (minor == 1 && hosts == 0)) {
		refuse(c, dst, 400, "bad_field", "an HTTP/1.1 request has exactly one Host");
		return -1;
	}
	if (no_body && (has_te || cl > 0)) {
		refuse(c, dst, 400, "bad_framing", "%s takes no body", h);
		return -1;
	}
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(sp1 + 1, "?"), sp1 + 1);
	if (strlen(sp1 + 1) > sizeof(path) - 2)
		path[0] = '\0';
	if (check_asks(c, dst, h, path, host, origin, site, mode, ctype, authz, cookie) < 0)
		return -1;
	if (c->overload) {
		refuse(c, dst, 503, "busy", "too many connections");
		return -1;
	}
	if (w->body_bytes + cl > w->conf.body_budget) {
		wlog(w, T_BUDGET, "http: bodies being received hold %zu bytes: refusing more", w->body_bytes);
		refuse(c, dst, 503, "busy", "too many bodies being received at once; retry");
		return -1;
	}
	c->reserved = cl;
	w->body_bytes += cl;
	c->body_left = cl;
	*chunked = has_te;
	if (!has_te)
		evbuffer_add_printf(canon, "Content-Length: %llu\r\n\r\n", (unsigned long long)cl);
	return 0;
}

/* Write what TLS has to send (c->cout) to the socket, as much as it takes
 * now; the rest when it has room. What is left, in bytes. */
static size_t
tls_push(struct conn *c)
{
	int fd = bufferevent_getfd(c->under);

	while (evbuffer_get_length(c->cout) > 0)
		if (evbuffer_write(c->cout, fd) <= 0)
			break;
	if (evbuffer_get_length(c->cout) > 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
						  errno == EINTR)) {
		if (c->writable == NULL)
			c->writable = event_new(c->w->base, fd, EV_WRITE, on_writable, c);
		if (c->writable != NULL)
			event_add(c->writable, NULL);
	} else if (evbuffer_get_length(c->cout) > 0) {
		evbuffer_drain(c->cout, evbuffer_get_length(c->cout));	/* the peer is gone */
		drop(c);
	}
	return evbuffer_get_length(c->cout);
}

/* A few bytes of our own to the client now, outside evhttp's answers (a
 * 100 Continue); a client that misses it sends its body after a while all
 * the same. */
static void
send_now(struct conn *c, const char *b, size_t n)
{
	struct evbuffer *t;

	if (c->tls == NULL) {
		ssize_t w = write(bufferevent_getfd(c->under), b, n);

		(void)w;
		return;
	}
	if ((t = evbuffer_new()) == NULL)
		return;
	evbuffer_add(t, b, n);
	if (cd_tls_send(c->tls, t, c->cout) == 0)
		tls_push(c);
	evbuffer_free(t);
}

/* Read head bytes off @src; a whole head checked and handed on. */
static void
head_step(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	struct cd_wire *w = c->w;
	size_t have = evbuffer_get_length(c->head), n = evbuffer_get_length(src), i;
	size_t room = CD_WIRE_HEAD_MAX - have;
	const unsigned char *p;
	struct evbuffer *canon;
	bool chunked;
	char *h;

	if (have == 0) {
		/* a new head: its time starts now (the first one's at the accept) */
		if (c->eol == 0 && !c->overload && evtimer_pending(c->deadline, NULL) == 0) {
			arm(c, CD_WIRE_HEAD_MS);
			touch(c);
		}
		/* empty lines before a request line are ignored (RFC 9112 §2.2) */
		while (n >= 2 && (p = evbuffer_pullup(src, 2)) != NULL && p[0] == '\r' && p[1] == '\n') {
			evbuffer_drain(src, 2);
			n -= 2;
		}
		if (n == 0)
			return;
	}
	p = evbuffer_pullup(src, (ev_ssize_t)(n < room + 1 ? n : room + 1));
	for (i = 0; i < n && i <= room && c->eol < 4; i++) {
		unsigned char ch = p[i];

		if (ch == '\r' && (c->eol == 0 || c->eol == 2))
			c->eol++;
		else if (ch == '\n' && (c->eol == 1 || c->eol == 3))
			c->eol++;
		else if (ch == '\r' || ch == '\n' || c->eol == 1 || c->eol == 3 || ch == '\0') {
			refuse(c, dst, 400, "bad_line", "a bare CR or LF, or a NUL, in the head");
			evbuffer_drain(src, n);
			return;
		} else {
			c->eol = 0;
		}
	}
	if (c->eol < 4) {
		if (have + i > CD_WIRE_HEAD_MAX) {
			refuse(c, dst, 431, "head_too_large", "a request's head is at most %d bytes",
			       CD_WIRE_HEAD_MAX);
			evbuffer_drain(src, n);
			return;
		}
		evbuffer_remove_buffer(src, c->head, i);
		return;
	}
	evbuffer_remove_buffer(src, c->head, i);
	c->eol = 0;
	n = evbuffer_get_length(c->head);
	h = malloc(n + 1);
	canon = evbuffer_new();
	if (h == NULL || canon == NULL) {
		free(h);
		if (canon != NULL)
			evbuffer_free(canon);
		refuse(c, dst, 503, "no_memory", "out of memory");
		return;
	}
	evbuffer_remove(c->head, h, n);
	h[n] = '\0';
	if (check_head(c, h, dst, canon, &chunked) == 0) {
		evtimer_del(c->deadline);
		arm(c, CD_WIRE_BODY_MS);
		if (chunked) {
			c->st = ST_CHUNKED;
			c->ck = CK_SIZE;
			c->line_len = 0;
			c->canon = canon;
			canon = NULL;
			c->body = evbuffer_new();
			/* evhttp would say it, but it sees this head only with the body */
			if (c->expect)
				send_now(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		} else {
			evbuffer_add_buffer(dst, canon);
			c->st = c->body_left > 0 ? ST_BODY : ST_HEAD;
		}
		if (c->st == ST_HEAD) {
			unreserve(c);
			evtimer_del(c->deadline);
			touch(c);
		}
	}
	free(h);
	if (canon != NULL)
		evbuffer_free(canon);
	(void)w;
}

static void
body_done(struct conn *c)
{
	unreserve(c);
	evtimer_del(c->deadline);
	c->st = ST_HEAD;
	touch(c);
}

/* One line of the chunked framing (a size, a trailer field) gathered in
 * c->line; true once it ends (CRLF), the CRLF not kept. */
static int
chunk_line(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	char ch;

	while (evbuffer_remove(src, &ch, 1) == 1) {
		if (ch == '\n') {
			if (c->line_len == 0 || c->line[c->line_len - 1] != '\r') {
				refuse(c, dst, 400, "bad_chunk", "a bare LF in the chunked framing");
				return -1;
			}
			c->line[--c->line_len] = '\0';
			return 1;
		}
		if ((ch == '\0') || (c->line_len > 0 && c->line[c->line_len - 1] == '\r') ||
		    c->line_len + 2 >= sizeof(c->line)) {
			refuse(c, dst, 400, "bad_chunk", "a chunk line is too long or has a bare CR");
			return -1;
		}
		c->line[c->line_len++] = ch;
	}
	return 0;
}

/* The chunked body (RFC 9112 §7.1), strictly: a size of hex digits, an
 * optional extension, the data and its CRLF; trailers read and dropped.
 * Once whole, the head with its Content-Length and the body go on. */
static void
chunk_step(struct conn *c, struct evbuffer *src, struct evbuffer *dst)
{
	struct cd_wire *w = c->w;
	uint64_t size = 0;
	size_t i, n;
	int r;

	switch (c->ck) {
	case CK_SIZE:
		if ((r = chunk_line(c, src, dst)) <= 0)
			return;
		c->line_len = 0;
		for (i = 0; isxdigit((unsigned char)c->line[i]) && i < 8; i++)
			size = size * 16 + (uint64_t)(c->line[i] <= '9' ? c->line[i] - '0' :
						      (c->line[i] | 0x20) - 'a' + 10);
		n = i;
		while (c->line[i] == ' ' || c->line[i] == '\t')
			i++;
		if (n == 0 || (c->line[i] != '\0' && c->line[i] != ';') || isxdigit((unsigned char)c->line[n])) {
			refuse(c, dst, 400, "bad_chunk", "a chunk size is 1 to 8 hex digits");
			return;
		}
		for (; c->line[i] != '\0'; i++)
			if ((unsigned char)c->line[i] < 0x20 && c->line[i] != '\t') {
				refuse(c, dst, 400, "bad_chunk", "a control character in a chunk extension");
				return;
			}
		if (evbuffer_get_length(c->body) + size > w->conf.body_max) {
			refuse(c, dst, 413, "too_large", "a body is at most %zu bytes", w->conf.body_max);
			return;
		}
		if (w->body_bytes + size > w->conf.body_budget) {
			refuse(c, dst, 503, "busy", "too many bodies being received at once; retry");
			return;
		}
		w->body_bytes += size;
		c->reserved += size;
		c->body_left = size;
		c->ck = size > 0 ? CK_DATA : CK_TRAILER;
		return;
	case CK_DATA:
		n = evbuffer_get_length(src);
		n = n < c->body_left ? n : (size_t)c->body_left;
		evbuffer_remove_buffer(src, c->body, n);
		if ((c->body_left -= n) == 0)
			c->ck = CK_DATA_END;
		return;
	case CK_DATA_END:
		if ((r = chunk_line(c, src, dst)) <= 0)
			return;
		if (c->line_len != 0) {
			refuse(c, dst, 400, "bad_chunk", "a chunk's data does not end with CRLF");
			return;
		}
		c->ck = CK_SIZE;
		return;
	case CK_TRAILER:
		if ((r = chunk_line(c, src, dst)) <= 0)
			return;
		if (c->line_len != 0) {	/* a trailer field: dropped */
			c->line_len = 0;
			return;
		}
		evbuffer_add_printf(c->canon, "Content-Length: %zu\r\n\r\n", evbuffer_get_length(c->body));
		evbuffer_add_buffer(dst, c->canon);
		evbuffer_add_buffer(dst, c->body);
		evbuffer_free(c->canon);
		evbuffer_free(c->body);
		c->canon = c->body = NULL;
		body_done(c);
		return;
	}
}

/* TLS: the ciphered bytes in @src deciphered into c->plain (what TLS
 * answers written). 0, or -1: the connection goes. */
static int
tls_in(struct conn *c, struct evbuffer *src)
{
#define PLAIN_BODY "this port speaks HTTPS (TLS): use https://\n"
	static const char plain[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
				    "charset=utf-8\r\nContent-Length: 43\r\nConnection: close\r\n\r\n"
				    PLAIN_BODY;
	_Static_assert(sizeof(PLAIN_BODY) - 1 == 43, "the 400's Content-Length");
	const unsigned char *p;
	int rc;

	if (c->closing || c->st == ST_REFUSED) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return -1;
	}
	/* a TLS connection opens with a handshake record (22) */
	if (!c->tls_seen && (p = evbuffer_pullup(src, 1)) != NULL) {
		c->tls_seen = true;
		if (p[0] != 22) {
			count(c->w, "plain_http");
			evbuffer_drain(src, evbuffer_get_length(src));
			/* in clear: the client speaks no TLS */
			if (write(bufferevent_getfd(c->under), plain, sizeof(plain) - 1) < 0)
				c->st = ST_REFUSED;
			c->st = ST_REFUSED;
			linger(c);
			drop(c);
			return -1;
		}
	}
	rc = cd_tls_recv(c->tls, src, c->plain, c->cout);
	tls_push(c);
	if (rc < 0) {
		if (rc == -EPROTO) {
			count(c->w, "tls");
			wlog(c->w, T_TLS, "http: TLS with a client failed: %s", cd_tls_why(c->tls));
		}
		drop(c);
		return -1;
	}
	return 0;
}

static enum bufferevent_filter_result
filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
	  enum bufferevent_flush_mode mode, void *arg)
{
	struct conn *c = arg;
	size_t before = evbuffer_get_length(dst), n;

	(void)limit;
	(void)mode;
	if (c->tls != NULL) {
		if (tls_in(c, src) < 0)
			return BEV_NEED_MORE;
		src = c->plain;
	}
	/* every byte is taken (the filter is called again while any is left) */
	while ((n = evbuffer_get_length(src)) > 0) {
		size_t had = n;

		switch (c->st) {
		case ST_HEAD:
			head_step(c, src, dst);
			break;
		case ST_BODY:
			n = n < c->body_left ? n : (size_t)c->body_left;
			evbuffer_remove_buffer(src, dst, n);
			if ((c->body_left -= n) == 0)
				body_done(c);
			break;
		case ST_CHUNKED:
			if (c->body == NULL) {
				refuse(c, dst, 503, "no_memory", "out of memory");
				break;
			}
			chunk_step(c, src, dst);
			break;
		case ST_REFUSED:
			evbuffer_drain(src, n);
			break;
		}
		if (evbuffer_get_length(src) == had && c->st != ST_HEAD && c->st != ST_BODY)
			break;	/* a step that needs more than is here */
	}
	return evbuffer_get_length(dst) > before ? BEV_OK : BEV_NEED_MORE;
}

/* ------------------------------------------------------------ output */

/*
 * Answers go from evhttp's buffer straight to the socket, not through the
 * socket's bufferevent: evhttp frees a connection as soon as its answer
 * left the filter, and what the socket's bufferevent still held would be
 * lost (a "Connection: close" answer cut off). So evhttp hears "written"
 * only once the kernel has it all; until then the filter says it needs
 * more and @writable waits for room. Writing happens only on a turn of the
 * loop of its own (on_kick, on_writable), never inside evhttp's adding to
 * its buffer: evhttp's "written" callback may free the connection.
 */
static enum bufferevent_filter_result
filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
	   enum bufferevent_flush_mode mode, void *arg)
{
	struct conn *c = arg;
	int fd = bufferevent_getfd(c->under);

	(void)dst;
	(void)limit;
	(void)mode;
	if (!c->flushing) {
		struct timeval now = { 0, 0 };

		evtimer_add(c->kick, &now);
		return BEV_NEED_MORE;
	}
	if (c->tls != NULL) {
		/* ciphered whole now; "written" once the socket took it all */
		if (cd_tls_send(c->tls, src, c->cout) < 0) {
			evbuffer_drain(src, evbuffer_get_length(src));
			drop(c);
			return BEV_ERROR;
		}
		c->out_wait = tls_push(c) > 0;
		return c->out_wait ? BEV_NEED_MORE : BEV_OK;
	}
	while (evbuffer_get_length(src) > 0)
		if (evbuffer_write(src, fd) <= 0)
			break;
	if (evbuffer_get_length(src) == 0)
		return BEV_OK;
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		evbuffer_drain(src, evbuffer_get_length(src));
		drop(c);
		return BEV_ERROR;
	}
	if (c->writable == NULL)
		c->writable = event_new(c->w->base, fd, EV_WRITE, on_writable, c);
	if (c->writable != NULL)
		event_add(c->writable, NULL);
	return BEV_NEED_MORE;
}

/* Room on the socket, or an answer was added while evhttp had writing
 * off (it turns it on after; the filter does not notice that by itself). */
/* evhttp still has the connection (it clears the callbacks when it frees
 * it; the filter itself goes a turn of the loop later). */
static bool
alive(struct conn *c)
{
	bufferevent_event_cb ev = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &ev, NULL);
	return ev != NULL;
}

static void
flush_out(struct conn *c)
{
	if (!alive(c))
		return;
	if (c->tls != NULL && tls_push(c) > 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 && !c->out_wait)
		return;
	/* an answer ciphered already is let go with an empty buffer: only a
	 * flush calls the filter then */
	c->flushing = true;
	bufferevent_flush(c->bev, EV_WRITE, c->out_wait ? BEV_FLUSH : BEV_NORMAL);
	c->flushing = false;
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_out(arg);
}

static void
on_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	struct timeval now = { 0, 0 };

	(void)buf;
	if (info->n_added > 0)
		evtimer_add(c->kick, &now);
}

/* The next turn of the loop after evhttp wrote or changed its mind: an
 * answer left in evhttp's buffer is written, input left in the socket's
 * buffer (read before evhttp turned reading off) is read. */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	flush_out(c);
	if (alive(c) && (evbuffer_get_length(bufferevent_get_input(c->under)) > 0 ||
			 (c->plain != NULL && evbuffer_get_length(c->plain) > 0)) &&
	    (bufferevent_get_enabled(c->bev) & EV_READ)) {
		bufferevent_flush(c->bev, EV_READ, BEV_NORMAL);
		if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
			bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
	}
}

/* ------------------------------------------------------------ connections */

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	wlog(c->w, T_DEADLINE, "http: a request's %s took longer than %u s: connection closed",
	     c->st == ST_HEAD ? "head" : "body",
	     (c->st == ST_HEAD ? CD_WIRE_HEAD_MS : CD_WIRE_BODY_MS) / 1000);
	count(c->w, "deadline");
	drop(c);
}

static void
conn_free(void *arg)
{
	struct conn *c = arg;

	unreserve(c);
	c->w->n_conns--;
	TAILQ_REMOVE(&c->w->conns, c, link);
	event_free(c->deadline);
	event_free(c->kick);
	if (c->writable != NULL)
		event_free(c->writable);
	evbuffer_free(c->head);
	if (c->body != NULL)
		evbuffer_free(c->body);
	if (c->canon != NULL)
		evbuffer_free(c->canon);
	if (c->plain != NULL)
		evbuffer_free(c->plain);
	if (c->cout != NULL)
		evbuffer_free(c->cout);
	cd_tls_free(c->tls);
	free(c);
}

/* evhttp's bevcb: a new connection's bufferevent (its fd set by evhttp). */
static struct bufferevent *
new_bev(struct event_base *base, void *arg)
{
	struct cd_wire *w = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->w = w;
	if ((c->under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->deadline = evtimer_new(base, on_deadline, c)) == NULL ||
	    (c->kick = evtimer_new(base, on_kick, c)) == NULL ||
	    (c->head = evbuffer_new()) == NULL ||
	    (w->conf.tls != NULL && ((c->tls = cd_tls_new(w->conf.tls)) == NULL ||
				     (c->plain = evbuffer_new()) == NULL ||
				     (c->cout = evbuffer_new()) == NULL)) ||
	    (c->bev = bufferevent_filter_new(c->under, filter_in, filter_out, BEV_OPT_CLOSE_ON_FREE,
					     conn_free, c)) == NULL) {
		if (c->under != NULL)
			bufferevent_free(c->under);
		if (c->deadline != NULL)
			event_free(c->deadline);
		if (c->kick != NULL)
			event_free(c->kick);
		if (c->head != NULL)
			evbuffer_free(c->head);
		if (c->plain != NULL)
			evbuffer_free(c->plain);
		if (c->cout != NULL)
			evbuffer_free(c->cout);
		cd_tls_free(c->tls);
		free(c);
		return NULL;
	}
	if (w->n_conns >= w->conf.max_conns && evict_one(w, "at the connection limit") < 0)
		c->overload = true;
	evbuffer_add_cb(bufferevent_get_output(c->bev), on_out_added, c);
	w->n_conns++;
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	arm(c, CD_WIRE_HEAD_MS);
	return c->bev;
}

static void
on_pause_end(evutil_socket_t fd, short what, void *arg)
{
	struct cd_wire *w = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(w->lev);
}

/* accept() failed: out of fds (or memory). The listening socket stays
 * readable, so without a pause the loop would spin on it. */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct cd_wire *w = the_wire;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 0, PAUSE_MS * 1000 };

	(void)arg;
	if (w == NULL)
		return;
	w->accept_errors++;
	wlog(w, T_ACCEPT, "http: accept: %s (%u connections): pausing %d ms", strerror(err),
	     w->n_conns, PAUSE_MS);
	evconnlistener_disable(lev);
	evtimer_add(w->pause, &tv);
	if (err == EMFILE || err == ENFILE)
		for (int i = 0; i < 4 && evict_one(w, "out of file descriptors") == 0; i++)
			;
}

struct cd_wire *
cd_wire_new(struct event_base *base, struct evhttp *http, struct evhttp_bound_socket *bound,
	    const struct cd_wire_conf *conf)
{
	struct cd_wire *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	*w = (struct cd_wire){ .base = base, .http = http, .conf = *conf, .refused = json_object(),
			       .lev = evhttp_bound_socket_get_listener(bound) };
	TAILQ_INIT(&w->conns);
	if (w->refused == NULL || (w->pause = evtimer_new(base, on_pause_end, w)) == NULL) {
		cd_wire_free(w);
		return NULL;
	}
	the_wire = w;
	evconnlistener_set_error_cb(w->lev, on_accept_error);
	evhttp_set_bevcb(http, new_bev, w);
	return w;
}

/* After evhttp_free (which frees every connection). */
void
cd_wire_free(struct cd_wire *w)
{
	if (w == NULL)
		return;
	if (the_wire == w)
		the_wire = NULL;
	if (w->pause != NULL)
		event_free(w->pause);
	json_decref(w->refused);
	free(w);
}

json_t *
cd_wire_stats(const struct cd_wire *w)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:O,s:I,s:I}", "connections", (json_int_t)w->n_conns,
			 "max_connections", (json_int_t)w->conf.max_conns, "body_bytes",
			 (json_int_t)w->body_bytes, "body_budget", (json_int_t)w->conf.body_budget,
			 "refused", w->refused, "evicted", (json_int_t)w->evicted, "accept_errors",
			 (json_int_t)w->accept_errors);
}
