/* SPDX-License-Identifier: BSD-3-Clause */
/* etcd's v3 JSON gateway over libevent's HTTP client (see cd_etcd.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cd_etcd.h"

struct ep {
	char host[256];
	uint16_t port;
	char name[272];
};

struct cd_etcd_call {
	struct cd_etcd *e;
	LIST_ENTRY(cd_etcd_call) link;
	char path[64];
	char *body;
	size_t len;
	bool read;
	unsigned int tried;		/* endpoints tried */
	int ep;				/* the one now */
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct event *timer;
	bool errored;			/* failed after the connect */
	cd_etcd_cb *fn;
	void *arg;
};

struct cd_etcd_watch {
	struct cd_etcd *e;
	LIST_ENTRY(cd_etcd_watch) link;
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct evbuffer *in;		/* what came of the stream, not yet a line */
	struct event *later;		/* its end said from the loop */
	int end_rc, ep;
	bool errored, in_cb, cancelled;
	cd_etcd_watch_cb *fn;
	void *arg;
};

struct cd_etcd {
	struct event_base *base;
	struct ep eps[CD_ETCD_ENDPOINTS_MAX];
	unsigned int n, cur;
	unsigned int timeout_ms;
	SSL_CTX *tls;			/* NULL: plain HTTP */
	char tls_err[160];		/* the last handshake's failure */
	LIST_HEAD(, cd_etcd_call) calls;
	LIST_HEAD(, cd_etcd_watch) watches;
};

/* ------------------------------------------------------------ helpers */

static const char b64c[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
cd_etcd_b64(const void *s, size_t n)
{
	const unsigned char *p = s;
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64c[p[i] >> 2];
		*o++ = b64c[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64c[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64c[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64c[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64c[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64c[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64c[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

json_t *
cd_etcd_b64j(const char *s)
{
	char *b = cd_etcd_b64(s, strlen(s));
	json_t *j = b ? json_string(b) : NULL;

	free(b);
	return j;
}

static int
b64v(char c)
{
	const char *p = c != '\0' ? strchr(b64c, c) : NULL;

	return p != NULL ? (int)(p - b64c) : -1;
}

char *
cd_etcd_unb64(const char *s, size_t *n)
{
	size_t len = s != NULL ? strlen(s) : 0, o = 0;
	char *out;

	if (s == NULL || len % 4 != 0 || (out = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 4) {
		int a = b64v(s[i]), b = b64v(s[i + 1]), c = b64v(s[i + 2]), d = b64v(s[i + 3]);
		bool last = i + 4 == len;

		if (a < 0 || b < 0 || (c < 0 && !(last && s[i + 2] == '=' && s[i + 3] == '=')) ||
		    (d < 0 && !(last && s[i + 3] == '='))) {
			free(out);
			return NULL;
		}
		out[o++] = (char)((a << 2) | (b >> 4));
		if (c >= 0)
			out[o++] = (char)(((b & 15) << 4) | (c >> 2));
		if (c >= 0 && d >= 0)
			out[o++] = (char)(((c & 3) << 6) | d);
	}
	out[o] = '\0';
	if (n != NULL)
		*n = o;
	return out;
}

char *
cd_etcd_prefix_end(const char *prefix)
{
	char *end = strdup(prefix);
	size_t n = strlen(end);

	/* the last byte that is not 0xff, plus one; the rest cut (keys here are text) */
	while (end != NULL && n > 0) {
		if ((unsigned char)end[n - 1] < 0xff) {
			end[n - 1]++;
			end[n] = '\0';
			break;
		}
		end[--n] = '\0';
	}
	return end;
}

int64_t
cd_etcd_num(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : 0;
}

/* ------------------------------------------------------------ endpoints */

static int
parse_ep(const char *s, size_t len, struct ep *ep)
{
	char buf[300], *colon, *host = buf;
	long port;
	char *endp;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');

		if (rb == NULL || rb[1] != ':')
			return -EINVAL;
		*rb = '\0';
		host = buf + 1;
		colon = rb + 1;
	} else if ((colon = strrchr(buf, ':')) == NULL || strchr(buf, ':') != colon) {
		return -EINVAL;
	}
	*colon = '\0';
	port = strtol(colon + 1, &endp, 10);
	if (host[0] == '\0' || *endp != '\0' || colon[1] == '\0' || port < 1 || port > 65535 ||
	    strlen(host) >= sizeof(ep->host))
		return -EINVAL;
	snprintf(ep->host, sizeof(ep->host), "%s", host);
	ep->port = (uint16_t)port;
	snprintf(ep->name, sizeof(ep->name), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
		 (unsigned int)port);
	return 0;
}

int
cd_etcd_new(struct event_base *base, const char *endpoints, unsigned int timeout_ms,
	    struct cd_etcd **out, char *err, size_t errlen)
{
	struct cd_etcd *e = calloc(1, sizeof(*e));
	const char *p = endpoints;

	if (e == NULL)
		return -ENOMEM;
	e->base = base;
	e->timeout_ms = timeout_ms ? timeout_ms : 2000;
	LIST_INIT(&e->calls);
	LIST_INIT(&e->watches);
	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (e->n == CD_ETCD_ENDPOINTS_MAX) {
			snprintf(err, errlen, "at most %d endpoints", CD_ETCD_ENDPOINTS_MAX);
			free(e);
			return -EINVAL;
		}
		if (parse_ep(p, len, &e->eps[e->n]) < 0) {
			snprintf(err, errlen, "'%.*s' is not HOST:PORT", (int)(len > 64 ? 64 : len), p);
			free(e);
			return -EINVAL;
		}
		e->n++;
		p = comma ? comma + 1 : NULL;
	}
	if (e->n == 0) {
		snprintf(err, errlen, "no endpoint");
		free(e);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

const char *
cd_etcd_endpoint(struct cd_etcd *e)
{
	return e->eps[e->cur].name;
}

/* A connection is freed from the loop, never inside its own callback. */
static void
conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

static void
conn_free_later(struct cd_etcd *e, struct evhttp_connection *conn)
{
	static const struct timeval now = { 0, 0 };

	if (conn != NULL && event_base_once(e->base, -1, EV_TIMEOUT, conn_free_cb, conn, &now) < 0)
		evhttp_connection_free(conn);
}

/* A connection to @ep: plain, or TLS checking the member's certificate
 * against the CA and its name (or address) against the endpoint's. */
static struct evhttp_connection *
connection(struct cd_etcd *e, const struct ep *ep)
{
	struct in6_addr a;
	struct bufferevent *bev;
	SSL *ssl;
	bool ip = inet_pton(AF_INET, ep->host, &a) == 1 || inet_pton(AF_INET6, ep->host, &a) == 1;

	if (e->tls == NULL)
		return evhttp_connection_base_new(e->base, NULL, ep->host, ep->port);
	if ((ssl = SSL_new(e->tls)) == NULL)
		return NULL;
	if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ep->host) :
	     X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), ep->host, 0)) != 1 ||
	    (!ip && SSL_set_tlsext_host_name(ssl, ep->host) != 1) ||
	    (bev = bufferevent_openssl_socket_new(e->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
						  BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* etcd's gateway may close without a close_notify: the answer is whole by its length */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return evhttp_connection_base_bufferevent_new(e->base, NULL, bev, ep->host, ep->port);
}

/* Why a TLS connection failed, kept for the caller (cd_etcd_error). */
static void
tls_failed(struct cd_etcd *e, struct evhttp_connection *conn)
{
	struct bufferevent *bev = conn && e->tls ? evhttp_connection_get_bufferevent(conn) : NULL;
	unsigned long err = bev ? bufferevent_get_openssl_error(bev) : 0;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(e->tls_err, sizeof(e->tls_err), "TLS: the member's certificate: %s",
			 X509_verify_cert_error_string(v));
	else if (err != 0)
		snprintf(e->tls_err, sizeof(e->tls_err), "TLS: %s", ERR_reason_error_string(err) ?: "failed");
}

int
cd_etcd_set_tls(struct cd_etcd *e, const char *ca, const char *cert, const char *key, char *err,
		size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	const char *what = "TLS";

	if (ctx == NULL)
		return -ENOMEM;
	if ((cert == NULL) != (key == NULL)) {
		snprintf(err, errlen, "a client certificate needs its key, and a key its certificate");
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if ((ca != NULL ? SSL_CTX_load_verify_locations(ctx, ca, NULL) :
	     SSL_CTX_set_default_verify_paths(ctx)) != 1)
		what = ca;
	else if (cert != NULL && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		what = cert;
	else if (key != NULL && (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
				 SSL_CTX_check_private_key(ctx) != 1))
		what = key;
	else
		what = NULL;
	if (what != NULL) {
		snprintf(err, errlen, "%s: %s", what, ERR_reason_error_string(ERR_get_error()) ?: "unusable");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return -EINVAL;
	}
	if (e->tls != NULL)
		SSL_CTX_free(e->tls);
	e->tls = ctx;
	return 0;
}

const char *
cd_etcd_error(struct cd_etcd *e)
{
	return e->tls_err[0] != '\0' ? e->tls_err : NULL;
}

static struct evhttp_request *
post(struct cd_etcd *e, struct evhttp_connection **conn, const struct ep *ep, const char *path,
     const char *body, size_t len, void (*done)(struct evhttp_request *, void *),
     void (*error)(enum evhttp_request_error, void *), void *arg)
{
	struct evhttp_request *req;
	struct evkeyvalq *h;

	if ((*conn = connection(e, ep)) == NULL)
		return NULL;
	evhttp_connection_set_max_body_size(*conn, CD_ETCD_ANSWER_MAX);
	if ((req = evhttp_request_new(done, arg)) == NULL) {
		evhttp_connection_free(*conn);
		*conn = NULL;
		return NULL;
	}
	evhttp_request_set_error_cb(req, error);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", ep->name);
	evhttp_add_header(h, "Content-Type", "application/json");
	evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	if (evhttp_make_request(*conn, req, EVHTTP_REQ_POST, path) < 0) {
		/* the request is freed by a failed make_request */
		evhttp_connection_free(*conn);
		*conn = NULL;
		return NULL;
	}
	return req;
}

/* ------------------------------------------------------------ calls */

static void call_done(struct evhttp_request *req, void *arg);
static void call_error(enum evhttp_request_error err, void *arg);

static void
call_end(struct cd_etcd_call *c, int rc, json_t *answer)
{
	cd_etcd_cb *fn = c->fn;
	void *arg = c->arg;

	LIST_REMOVE(c, link);
	conn_free_later(c->e, c->conn);
	event_free(c->timer);
	free(c->body);
	free(c);
	fn(arg, rc, answer);
}

static int
call_send(struct cd_etcd_call *c)
{
	struct cd_etcd *e = c->e;

	c->ep = (int)e->cur;
	c->errored = false;
	c->req = post(e, &c->conn, &e->eps[c->ep], c->path, c->body, c->len, call_done, call_error, c);
	return c->req != NULL ? 0 : -ENOMEM;
}

/* The endpoint failed: the next one is tried, if this call has not yet. */
static bool
call_next(struct cd_etcd_call *c)
{
	struct cd_etcd *e = c->e;

	if ((unsigned int)c->ep == e->cur)
		e->cur = (e->cur + 1) % e->n;
	if (++c->tried >= e->n)
		return false;
	conn_free_later(e, c->conn);
	c->conn = NULL;
	return call_send(c) == 0;
}

static void
call_error(enum evhttp_request_error err, void *arg)
{
	struct cd_etcd_call *c = arg;

	(void)err;
	c->errored = true;
}

static void
call_done(struct evhttp_request *req, void *arg)
{
	struct cd_etcd_call *c = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	struct evbuffer *in;
	json_t *answer;
	int rc;

	c->req = NULL;
	if (code == 0)
		tls_failed(c->e, c->conn);
	else
		c->e->tls_err[0] = '\0';
	if (code == 0) {
		/* libevent says nothing but code 0 of a connect that failed; a
		 * connection that broke later went through call_error */
		if ((!c->errored || c->read) && call_next(c))
			return;
		call_end(c, c->errored ? -EIO : -ECONNREFUSED, NULL);
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	answer = json_loadb((const char *)evbuffer_pullup(in, -1), evbuffer_get_length(in), 0, NULL);
	rc = answer == NULL || !json_is_object(answer) ? -EIO : code == 200 ? 0 : -EPROTO;
	/* a member without a leader (Unavailable): another may have one */
	if (rc == -EPROTO && c->read && cd_etcd_num(json_object_get(answer, "code")) == 14 &&
	    call_next(c)) {
		json_decref(answer);
		return;
	}
	call_end(c, rc, answer);
	json_decref(answer);
}

static void
call_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct cd_etcd_call *c = arg;
	struct cd_etcd *e = c->e;

	(void)fd;
	(void)what;
	if ((unsigned int)c->ep == e->cur)	/* slow or cut off: the next one next time */
		e->cur = (e->cur + 1) % e->n;
	evhttp_connection_free(c->conn);	/* its request with it, no callback */
	c->conn = NULL;
	call_end(c, -ETIMEDOUT, NULL);
}

struct cd_etcd_call *
cd_etcd_call(struct cd_etcd *e, const char *path, json_t *req, bool read, cd_etcd_cb *fn, void *arg)
{
	return cd_etcd_call_within(e, path, req, read, e->timeout_ms, fn, arg);
}

struct cd_etcd_call *
cd_etcd_call_within(struct cd_etcd *e, const char *path, json_t *req, bool read, unsigned int ms,
		    cd_etcd_cb *fn, void *arg)
{
	struct cd_etcd_call *c = calloc(1, sizeof(*c));
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (c == NULL)
		return NULL;
	*c = (struct cd_etcd_call){ .e = e, .read = read, .fn = fn, .arg = arg };
	snprintf(c->path, sizeof(c->path), "/v3/%s", path);
	if ((c->body = json_dumps(req, JSON_COMPACT)) == NULL ||
	    (c->timer = evtimer_new(e->base, call_timeout, c)) == NULL) {
		free(c->body);
		free(c);
		return NULL;
	}
	c->len = strlen(c->body);
	LIST_INSERT_HEAD(&e->calls, c, link);
	if (call_send(c) < 0) {
		LIST_REMOVE(c, link);
		event_free(c->timer);
		free(c->body);
		free(c);
		return NULL;
	}
	evtimer_add(c->timer, &tv);
	return c;
}

void
cd_etcd_cancel(struct cd_etcd_call *c)
{
	if (c == NULL)
		return;
	LIST_REMOVE(c, link);
	if (c->conn != NULL)
		evhttp_connection_free(c->conn);
	event_free(c->timer);
	free(c->body);
	free(c);
}

/* ------------------------------------------------------------ watches */

static void
watch_free(struct cd_etcd_watch *w, bool conn_now)
{
	LIST_REMOVE(w, link);
	if (conn_now && w->conn != NULL)
		evhttp_connection_free(w->conn);
	else
		conn_free_later(w->e, w->conn);
	event_free(w->later);
	evbuffer_free(w->in);
	free(w);
}

/* The stream is over: said from the loop, the watch freed. */
static void
watch_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cd_etcd_watch *w = arg;
	cd_etcd_watch_cb *fn = w->fn;
	void *a = w->arg;
	int rc = w->end_rc;

	(void)fd;
	(void)what;
	watch_free(w, true);
	fn(a, rc, NULL);
}

static void
watch_end(struct cd_etcd_watch *w, int rc)
{
	static const struct timeval now = { 0, 0 };

	if (w->end_rc != 0)
		return;
	w->end_rc = rc;
	evtimer_add(w->later, &now);
}

/* Every whole line of the stream: one JSON object each. */
static void
watch_lines(struct cd_etcd_watch *w)
{
	struct evbuffer_ptr eol;
	size_t n;

	while (w->end_rc == 0 &&
	       (eol = evbuffer_search_eol(w->in, NULL, &n, EVBUFFER_EOL_LF)).pos >= 0) {
		size_t len = (size_t)eol.pos;
		json_t *o = json_loadb((const char *)evbuffer_pullup(w->in, (ssize_t)len), len, 0, NULL);
		json_t *res = json_object_get(o, "result");

		evbuffer_drain(w->in, len + n);
		if (len == 0) {
			json_decref(o);
			continue;
		}
		if (res == NULL) {	/* {"error": ...}: the stream is refused */
			json_decref(o);
			watch_end(w, -EPROTO);
			return;
		}
		w->in_cb = true;
		w->fn(w->arg, 0, res);
		w->in_cb = false;
		json_decref(o);
		if (w->cancelled) {	/* by @fn: inside libevent's read, so the connection later */
			watch_free(w, false);
			return;
		}
	}
	if (w->end_rc == 0 && evbuffer_get_length(w->in) > CD_ETCD_ANSWER_MAX)
		watch_end(w, -EMSGSIZE);
}

static void
watch_chunk(struct evhttp_request *req, void *arg)
{
	struct cd_etcd_watch *w = arg;

	if (w->end_rc != 0)
		return;
	evbuffer_add_buffer(w->in, evhttp_request_get_input_buffer(req));
	watch_lines(w);
}

static void
watch_error(enum evhttp_request_error err, void *arg)
{
	struct cd_etcd_watch *w = arg;

	(void)err;
	w->errored = true;
}

static void
watch_done(struct evhttp_request *req, void *arg)
{
	struct cd_etcd_watch *w = arg;
	int code = req != NULL ? evhttp_request_get_response_code(req) : 0;

	w->req = NULL;
	if (req != NULL && w->end_rc == 0) {	/* what the last chunk left */
		evbuffer_add_buffer(w->in, evhttp_request_get_input_buffer(req));
		evbuffer_add(w->in, "\n", 1);
		watch_lines(w);
		if (w->cancelled)
			return;
	}
	if (code == 0 && !w->errored) {	/* never connected: the next endpoint next time */
		if ((unsigned int)w->ep == w->e->cur)
			w->e->cur = (w->e->cur + 1) % w->e->n;
		watch_end(w, -ECONNREFUSED);
		return;
	}
	watch_end(w, code != 0 && code != 200 ? -EPROTO : -ECONNRESET);
}

struct cd_etcd_watch *
cd_etcd_watch(struct cd_etcd *e, const char *key, const char *end, int64_t from,
	      cd_etcd_watch_cb *fn, void *arg)
{
	struct cd_etcd_watch *w = calloc(1, sizeof(*w));
	char *k = cd_etcd_b64(key, strlen(key)), *r = end ? cd_etcd_b64(end, strlen(end)) : NULL;
	json_t *cr = json_pack("{s:s}", "key", k ? k : "");
	char *body = NULL;

	if (r != NULL)
		json_object_set_new(cr, "range_end", json_string(r));
	if (from > 0)
		json_object_set_new(cr, "start_revision", json_sprintf("%lld", (long long)from));
	cr = json_pack("{s:o}", "create_request", cr);
	body = json_dumps(cr, JSON_COMPACT);
	json_decref(cr);
	free(k);
	free(r);
	if (w == NULL || body == NULL || (w->in = evbuffer_new()) == NULL ||
	    (w->later = evtimer_new(e->base, watch_end_cb, w)) == NULL)
		goto oom;
	w->e = e;
	w->fn = fn;
	w->arg = arg;
	w->ep = (int)e->cur;
	LIST_INSERT_HEAD(&e->watches, w, link);
	w->req = post(e, &w->conn, &e->eps[w->ep], "/v3/watch", body, strlen(body), watch_done,
		      watch_error, w);
	free(body);
	if (w->req == NULL) {
		watch_free(w, true);
		return NULL;
	}
	evhttp_request_set_chunked_cb(w->req, watch_chunk);
	return w;
oom:
	free(body);
	if (w != NULL) {
		if (w->in != NULL)
			evbuffer_free(w->in);
		if (w->later != NULL)
			event_free(w->later);
		free(w);
	}
	return NULL;
}

void
cd_etcd_watch_cancel(struct cd_etcd_watch *w)
{
	if (w == NULL)
		return;
	if (w->in_cb) {
		w->cancelled = true;
		return;
	}
	watch_free(w, true);
}

void
cd_etcd_free(struct cd_etcd *e)
{
	if (e == NULL)
		return;
	while (!LIST_EMPTY(&e->calls))
		cd_etcd_cancel(LIST_FIRST(&e->calls));
	while (!LIST_EMPTY(&e->watches))
		watch_free(LIST_FIRST(&e->watches), true);
	if (e->tls != NULL)
		SSL_CTX_free(e->tls);	/* connections still to be freed hold a reference */
	free(e);
}
