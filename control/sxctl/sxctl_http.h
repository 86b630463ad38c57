/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl's HTTP/1.1 client for sxcd: a URL, one request and its answer per connection, over TCP or TLS (OpenSSL). */
/*
 * What sxcd's API means is sxctl_api.c's; this moves the bytes. Over
 * https:// the server is verified before anything is sent: TLS 1.2 or
 * later, its chain against a CA file (else the system's store), its name
 * or address against the URL's host. A failed verification ends the
 * connection with OpenSSL's reason and no request on the wire.
 *
 * Every wait (connect, handshake, each send and each read) is bounded by
 * the client's timeout, 0 = none.
 */
#ifndef SXCTL_HTTP_H
#define SXCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_DEFAULT_PORT "8181"	/* sxcd's, for a URL without one */
#define HTTP_ANSWER_MAX   (64u << 20)

/* http[s]://HOST[:PORT][/] taken apart. */
struct http_url {
	bool tls;
	bool ip;		/* HOST is an address (verified as one, no SNI) */
	char host[256];		/* what is resolved: an IPv6 one without its brackets */
	char port[6];
	char authority[300];	/* HOST[:PORT] as the URL writes it: the Host field */
};

/* The files TLS takes (PEM); all NULL for plain HTTP. */
struct http_tls_files {
	const char *cacert;	/* CAs the server's chain must end at; NULL: the system's */
	const char *cert;	/* ours, for a server that asks (mutual TLS), with @key */
	const char *key;
};

struct http_client;

/* @text into @u. 0 or -EINVAL. */
int http_url_parse(const char *text, struct http_url *u);

/* A client of @u (kept: the caller's), its TLS set up from @f when
 * @u->tls; @timeout_ms bounds every wait. 0, or -errno with why in @err,
 * naming the file at fault. */
int http_client_new(const struct http_url *u, const struct http_tls_files *f, int timeout_ms,
		    struct http_client **out, char *err, size_t len);

/* What failed in an exchange. */
enum http_stage {
	HTTP_STAGE_CONNECT,	/* no connection: nothing sent */
	HTTP_STAGE_TLS,		/* the handshake or the server's verification: nothing sent */
	HTTP_STAGE_ANSWER,	/* sent (perhaps in part), no whole answer */
};

/*
 * One request: "METHOD PATH" with Host, Connection: close, @fields (whole
 * "Name: value\r\n" lines, or NULL) and, when @body is not NULL, its @blen
 * bytes with their Content-Length. The answer's status in *@status, its
 * body (NUL-terminated, the caller's to free) in *@out and *@olen.
 * 0, or -errno with the failed stage in *@stage and why in @err.
 */
int http_request(struct http_client *c, const char *method, const char *path, const char *fields,
		 const char *body, size_t blen, int *status, char **out, size_t *olen,
		 enum http_stage *stage, char *err, size_t len);

/* While a request waits for its answer, @tick(@arg, ms waited so far)
 * every quarter second (a terminal's progress); NULL: none. */
void http_client_on_wait(struct http_client *c, void (*tick)(void *arg, int64_t waited_ms), void *arg);

#endif /* SXCTL_HTTP_H */
