/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's HTTP/1.1 client for sxcd over TCP or TLS (see sxctl_http.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sxctl_base.h"
#include "ctl_client.h"
#include "sxctl_http.h"

/* TLS 1.2's suites: forward-secret AEAD only, as sxcd offers them (1.3's are all such) */
#define TLS12_CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
		      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
		      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

struct http_client {
	const struct http_url *u;
	int ms;
	SSL_CTX *ctx;		/* NULL: plain HTTP */
	/* one exchange's */
	int fd;
	SSL *ssl;
	/* while an answer is awaited (http_client_on_wait) */
	void (*tick)(void *arg, int64_t waited_ms);
	void *tick_arg;
};

/* ------------------------------------------------------------ the URL */

/* A port: 1..65535 in decimal. */
static bool
port_ok(const char *p, size_t n)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

int
http_url_parse(const char *text, struct http_url *u)
{
	const char *a, *end, *hend, *colon = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(text, "http://", 7) == 0) {
		a = text + 7;
	} else if (strncasecmp(text, "https://", 8) == 0) {
		a = text + 8;
		u->tls = true;
	} else {
		return -EINVAL;
	}
	end = a + strcspn(a, "/?#");
	/* the whole URL goes into the Host field and certificate checks as written */
	if (strcmp(end, "") != 0 && strcmp(end, "/") != 0)
		return -EINVAL;
	for (const char *p = a; p < end; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '@')
			return -EINVAL;
	if (*a == '[') {
		if ((hend = memchr(a, ']', (size_t)(end - a))) == NULL)
			return -EINVAL;
		n = (size_t)(hend - a - 1);
		if (n >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, a + 1, n);
		if (inet_pton(AF_INET6, u->host, &a6) != 1)
			return -EINVAL;
		u->ip = true;
		if (hend + 1 < end && hend[1] != ':')
			return -EINVAL;
		colon = hend + 1 < end ? hend + 1 : NULL;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		hend = colon ? colon : end;
		n = (size_t)(hend - a);
		if (n == 0 || n >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, a, n);
		if (strchr(u->host, ':') != NULL || strchr(u->host, '[') != NULL ||
		    strchr(u->host, ']') != NULL)
			return -EINVAL;
		u->ip = inet_pton(AF_INET, u->host, &a4) == 1;
	}
	if (colon != NULL) {
		if (!port_ok(colon + 1, (size_t)(end - colon - 1)))
			return -EINVAL;
		snprintf(u->port, sizeof(u->port), "%.*s", (int)(end - colon - 1), colon + 1);
	} else {
		snprintf(u->port, sizeof(u->port), "%s", HTTP_DEFAULT_PORT);
	}
	if ((size_t)(end - a) >= sizeof(u->authority))
		return -EINVAL;
	memcpy(u->authority, a, (size_t)(end - a));
	return 0;
}

/* ------------------------------------------------------------ TLS setup */

/* OpenSSL's reason for its last error, else @dflt. */
static const char *
ssl_why(const char *dflt)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : dflt;
}

/* What a TLS failure says of the alert sxcd sent: what to do about our
 * certificate ("" when it is not about ours). */
static const char *
peer_alert_hint(void)
{
	switch (ERR_GET_REASON(ERR_peek_last_error())) {
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
		return " (sxcd wants sxctl's certificate: --cert, --key)";
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
		return " (sxcd did not take sxctl's certificate, --cert)";
	}
	return "";
}

/* @file as an option names it: why it is unusable, errno's words first. */
static int
file_err(const char *opt, const char *file, const char *what, char *err, size_t len)
{
	int e = access(file, R_OK) < 0 ? errno : 0;

	snprintf(err, len, "%s %s: %s", opt, file, e ? strerror(e) : ssl_why(what));
	return e ? -e : -EINVAL;
}

static int
tls_ctx_new(const struct http_tls_files *f, SSL_CTX **out, char *err, size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int rc = -EINVAL;

	ERR_clear_error();
	if (ctx == NULL) {
		snprintf(err, len, "TLS: %s", ssl_why("no context"));
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		snprintf(err, len, "TLS 1.2 ciphers: %s", ssl_why("refused"));
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (f->cacert != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, f->cacert, NULL) != 1) {
			rc = file_err("--cacert", f->cacert, "no CA certificate in it", err, len);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, len, "the system's CA certificates: %s (give --cacert)", ssl_why("unusable"));
		goto fail;
	}
	if (f->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, f->cert) != 1) {
			rc = file_err("--cert", f->cert, "no certificate in it", err, len);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, f->key, SSL_FILETYPE_PEM) != 1 &&
		    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
			rc = file_err("--key", f->key, "no private key in it", err, len);
			goto fail;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			snprintf(err, len, "--key %s is not the key of --cert %s", f->key, f->cert);
			goto fail;
		}
	}
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return rc;
}

int
http_client_new(const struct http_url *u, const struct http_tls_files *f, int timeout_ms,
		struct http_client **out, char *err, size_t len)
{
	struct http_client *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		sx_oom();
	c->u = u;
	c->ms = timeout_ms;
	c->fd = -1;
	if (u->tls && (rc = tls_ctx_new(f, &c->ctx, err, len)) < 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ the connection */

/* Wait for @fd to be ready for @ev within @ms (<= 0: forever): the
 * socket client's wait, without a tick. */
static int
wait_fd(int fd, short ev, int ms)
{
	return ctl_wait_ticking(fd, ev, ms > 0 ? ctl_now_ms() + ms : -1, NULL, NULL);
}

/* wait_fd for the answer, the client's tick told how long it has waited
 * on the way (the wait bounded by c->ms all the same). */
static int
wait_answer(struct http_client *c, short ev)
{
	return ctl_wait_ticking(c->fd, ev, c->ms > 0 ? ctl_now_ms() + c->ms : -1, c->tick, c->tick_arg);
}

void
http_client_on_wait(struct http_client *c, void (*tick)(void *arg, int64_t waited_ms), void *arg)
{
	c->tick = tick;
	c->tick_arg = arg;
}

static int
tcp_connect(struct http_client *c, char *err, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res, *ai;
	int fd = -1, e = ECONNREFUSED, g;

	if ((g = getaddrinfo(c->u->host, c->u->port, &hints, &res)) != 0) {
		snprintf(err, len, "%s: %s", c->u->host, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && (e = -wait_fd(fd, POLLOUT, c->ms)) == 0) {
			socklen_t l = sizeof(e);

			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
				e = errno;
			if (e == 0)
				break;
		} else if (errno != EINPROGRESS) {
			e = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, len, "%s", strerror(e));
		return -e;
	}
	c->fd = fd;
	return 0;
}

/* After an SSL_* call returned @r: wait for what it wants. 0: call again;
 * -errno otherwise (-EPROTO: TLS itself failed, -ECONNRESET: the peer
 * closed TLS, -EPIPE: the connection ended without TLS's close). */
static int
tls_wait(struct http_client *c, int r)
{
	int e = errno;

	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_answer(c, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c->fd, POLLOUT, c->ms);
	case SSL_ERROR_ZERO_RETURN:
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		return ERR_peek_last_error() ? -EPROTO : e ? -e : -EPIPE;
	default:
		return -EPROTO;
	}
}

/* The handshake, the server verified against the URL's host. */
static int
tls_connect(struct http_client *c, char *err, size_t len)
{
	X509_VERIFY_PARAM *vp;
	long v;
	int r, rc;

	ERR_clear_error();
	if ((c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		snprintf(err, len, "TLS: %s", ssl_why("no memory"));
		return -ENOMEM;
	}
	vp = SSL_get0_param(c->ssl);
	if (c->u->ip) {
		/* an address is checked against the certificate's IP SANs; no SNI for one (RFC 6066) */
		rc = X509_VERIFY_PARAM_set1_ip_asc(vp, c->u->host);
	} else {
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		rc = X509_VERIFY_PARAM_set1_host(vp, c->u->host, 0) == 1 &&
		     SSL_set_tlsext_host_name(c->ssl, c->u->host) == 1;
	}
	if (rc != 1) {
		snprintf(err, len, "TLS: cannot check the server against %s: %s", c->u->host,
			 ssl_why("refused"));
		return -EINVAL;
	}
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(c->ssl)) == 1)
			return 0;
		if ((rc = tls_wait(c, r)) < 0)
			break;
	}
	if ((v = SSL_get_verify_result(c->ssl)) != X509_V_OK)
		snprintf(err, len, "the server's certificate is refused: %s",
			 X509_verify_cert_error_string(v));
	else if (rc == -EPROTO)
		snprintf(err, len, "TLS handshake failed: %s%s", ssl_why("TLS error"), peer_alert_hint());
	else
		snprintf(err, len, "TLS handshake failed: %s", rc == -EPIPE || rc == -ECONNRESET ?
			 "the server closed the connection" : strerror(-rc));
	return rc;
}

static int
conn_send(struct http_client *c, const char *buf, size_t n)
{
	size_t sent = 0;
	ssize_t k;
	int r, rc;

	while (sent < n) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, buf + sent, (int)(n - sent > 1u << 30 ? 1u << 30 : n - sent));
			if (r > 0)
				sent += (size_t)r;
			else if ((rc = tls_wait(c, r)) < 0)
				return rc;
			continue;
		}
		if ((rc = wait_fd(c->fd, POLLOUT, c->ms)) < 0)
			return rc;
		if ((k = send(c->fd, buf + sent, n - sent, MSG_NOSIGNAL)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		sent += (size_t)k;
	}
	return 0;
}

/* Up to @n bytes into @buf: their count, 0 at the end, or -errno (over
 * TLS, an end without TLS's close is -EPIPE: the answer may be cut). */
static ssize_t
conn_recv(struct http_client *c, char *buf, size_t n)
{
	ssize_t k;
	int r, rc;

	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if ((r = SSL_read(c->ssl, buf, (int)(n > 1u << 30 ? 1u << 30 : n))) > 0)
				return r;
			if ((rc = tls_wait(c, r)) == -ECONNRESET)
				return 0;
			if (rc < 0)
				return rc;
			continue;
		}
		if ((rc = wait_answer(c, POLLIN)) < 0)
			return rc;
		if ((k = recv(c->fd, buf, n, 0)) >= 0)
			return k;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

/* What TLS has for us now, without waiting: as conn_recv. */
static ssize_t
conn_recv_now(struct http_client *c, char *buf, size_t n)
{
	int r;

	ERR_clear_error();
	if ((r = SSL_read(c->ssl, buf, (int)n)) > 0)
		return r;
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SSL:
		return -EPROTO;
	default:
		return -EPIPE;
	}
}

static void
conn_close(struct http_client *c)
{
	if (c->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);	/* our close_notify, if the socket takes it now */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ERR_clear_error();
}

/* ------------------------------------------------------------ the answer */

/* A chunked body at @p (@n bytes) decoded in place: 1 and its length in
 * *@blen when it is whole, 0 when more is to come, -1 when malformed. */
static int
dechunk(char *p, size_t n, size_t *blen)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *eol = memmem(p + in, n - in, "\r\n", 2), *end;
		unsigned long long sz;

		if (eol == NULL)
			return n - in > 64 ? -1 : 0;
		errno = 0;
		sz = strtoull(p + in, &end, 16);
		if (end == p + in || errno != 0 || (*end != ';' && end != eol) || sz > HTTP_ANSWER_MAX)
			return -1;
		in = (size_t)(eol - p) + 2;
		if (sz == 0) {
			/* trailer fields, then the empty line */
			for (;;) {
				if ((eol = memmem(p + in, n - in, "\r\n", 2)) == NULL)
					return 0;
				if (eol == p + in)
					break;
				in = (size_t)(eol - p) + 2;
			}
			*blen = out;
			return 1;
		}
		if (n - in < sz + 2)
			return 0;
		if (memcmp(p + in + sz, "\r\n", 2) != 0)
			return -1;
		memmove(p + out, p + in, sz);
		out += sz;
		in += sz + 2;
	}
}

/* The framing the head at @r declares: *@cl the Content-Length (-1:
 * none), *@chunked. -1 when it is not a response head. */
static int
head_parse(const char *r, int *status, long long *cl, bool *chunked)
{
	const char *line;

	if (sscanf(r, "HTTP/1.%*1[01] %3d", status) != 1 || *status < 100 || *status > 999)
		return -1;
	*cl = -1;
	*chunked = false;
	for (line = strstr(r, "\r\n"); line != NULL && strncmp(line, "\r\n\r\n", 4) != 0;
	     line = strstr(line + 2, "\r\n")) {
		const char *f = line + 2;

		if (strncasecmp(f, "Content-Length:", 15) == 0) {
			char *end;

			*cl = strtoll(f + 15, &end, 10);
			if (*cl < 0 || end == f + 15)
				return -1;
		} else if (strncasecmp(f, "Transfer-Encoding:", 18) == 0) {
			*chunked = strstr(f, "chunked") != NULL;
		}
	}
	if (*status == 204 || *status == 304 || *status < 200)
		*cl = 0;
	return 0;
}

/* Read until the answer is whole; its status and body into the outs. */
static int
read_answer(struct http_client *c, int *status, char **out, size_t *olen, char *err, size_t len)
{
	char *r = NULL, *body = NULL;
	size_t rlen = 0, cap = 0, hlen = 0, blen = 0;
	long long cl = -1;
	bool chunked = false, done = false;
	ssize_t k;
	int rc = 0;

	while (!done) {
		if (rlen + 16384 + 1 > cap) {
			if (cap >= HTTP_ANSWER_MAX) {
				snprintf(err, len, "the answer is larger than %u MB", HTTP_ANSWER_MAX >> 20);
				rc = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			r = sx_realloc(r, cap);
		}
		if ((k = conn_recv(c, r + rlen, cap - rlen - 1)) < 0) {
			rc = (int)k;
			snprintf(err, len, "%s%s", rc == -ETIMEDOUT ? "timed out" : rc == -EPROTO ?
				 ssl_why("TLS error") : rc == -EPIPE ? "the connection ended without "
				 "TLS's close" : strerror(-rc), rc == -EPROTO ? peer_alert_hint() : "");
			break;
		}
		rlen += (size_t)k;
		r[rlen] = '\0';
		if (body == NULL && (body = strstr(r, "\r\n\r\n")) != NULL) {
			body += 4;
			hlen = (size_t)(body - r);
			if (head_parse(r, status, &cl, &chunked) < 0) {
				snprintf(err, len, "not an HTTP answer");
				rc = -EPROTO;
				break;
			}
		}
		if (body != NULL && chunked) {
			int d = dechunk(r + hlen, rlen - hlen, &blen);

			if (d < 0) {
				snprintf(err, len, "a malformed chunked answer");
				rc = -EPROTO;
				break;
			}
			done = d == 1;
		} else if (body != NULL && cl >= 0) {
			done = rlen - hlen >= (unsigned long long)cl;
			blen = (size_t)cl;
		}
		if (!done && k == 0) {
			/* the end: whole when nothing said how long it is */
			done = body != NULL && cl < 0 && !chunked;
			blen = rlen - hlen;
			if (!done) {
				snprintf(err, len, "%s", body ? "the answer was cut short" :
					 rlen ? "not an HTTP answer" : "the connection was closed unanswered");
				rc = -EPIPE;
				break;
			}
		}
	}
	if (rc < 0) {
		free(r);
		return rc;
	}
	memmove(r, r + hlen, blen);
	r[blen] = '\0';
	*out = r;
	*olen = blen;
	return 0;
}

/* ------------------------------------------------------------ one request */

int
http_request(struct http_client *c, const char *method, const char *path, const char *fields,
	     const char *body, size_t blen, int *status, char **out, size_t *olen,
	     enum http_stage *stage, char *err, size_t len)
{
	char *head;
	size_t hn;
	int rc;

	*stage = HTTP_STAGE_CONNECT;
	for (const char *p = path; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, len, "the path has a byte a request line may not");
			return -EINVAL;
		}
	if ((rc = tcp_connect(c, err, len)) < 0)
		return rc;
	*stage = HTTP_STAGE_TLS;
	if (c->ctx != NULL && (rc = tls_connect(c, err, len)) < 0) {
		conn_close(c);
		return rc;
	}
	*stage = HTTP_STAGE_ANSWER;
	head = body != NULL ?
	       sx_asprintf("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n",
			   method, path, c->u->authority, fields ? fields : "", blen) :
	       sx_asprintf("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n",
			   method, path, c->u->authority, fields ? fields : "");
	hn = strlen(head);
	rc = conn_send(c, head, hn);
	/* the fields may carry a credential */
	explicit_bzero(head, hn);
	free(head);
	if (rc == 0 && body != NULL && blen > 0)
		rc = conn_send(c, body, blen);
	if (rc < 0 && c->ssl != NULL && rc != -ETIMEDOUT) {
		/* sxcd may have refused us (an alert, then closed) while we sent:
		 * its alert, when it came, says why better than the reset */
		char b[256];

		if (conn_recv_now(c, b, sizeof(b)) == -EPROTO)
			rc = -EPROTO;
	}
	if (rc < 0)
		snprintf(err, len, "sending: %s%s", rc == -EPROTO ? ssl_why("TLS error") : strerror(-rc),
			 rc == -EPROTO ? peer_alert_hint() : "");
	else
		rc = read_answer(c, status, out, olen, err, len);
	conn_close(c);
	return rc;
}
