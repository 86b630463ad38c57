/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS over memory buffers for the front door (see cd_tls.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cd_tls.h"

#define CHUNK 16384

struct cd_tls_ctx {
	SSL_CTX *ssl;
};

struct cd_tls {
	SSL *ssl;
	BIO *rbio, *wbio;	/* the peer's ciphertext in; ours out */
	char why[200];
};

/* OpenSSL's reason for what just failed into @err, after @what. */
static void
ssl_err(char *err, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[120];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, len, "%s: %s", what, e != 0 ? buf : "failed");
	ERR_clear_error();
}

struct cd_tls_ctx *
cd_tls_ctx_new(const char *cert, const char *key, const char *client_ca, char *err, size_t len)
{
	struct cd_tls_ctx *c = calloc(1, sizeof(*c));
	char what[4200];

	if (c == NULL || (c->ssl = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, len, "out of memory");
		free(c);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_set_cipher_list(c->ssl, CD_TLS_CIPHERS_12) != 1) {
		ssl_err(err, len, "TLS 1.2 ciphers");
		goto fail;
	}
	snprintf(what, sizeof(what), "--tls-cert %s", cert);
	if (SSL_CTX_use_certificate_chain_file(c->ssl, cert) != 1) {
		ssl_err(err, len, what);
		goto fail;
	}
	snprintf(what, sizeof(what), "--tls-key %s", key);
	if (SSL_CTX_use_PrivateKey_file(c->ssl, key, SSL_FILETYPE_PEM) != 1) {
		ssl_err(err, len, what);
		goto fail;
	}
	if (SSL_CTX_check_private_key(c->ssl) != 1) {
		snprintf(err, len, "--tls-key %s is not the key of --tls-cert %s", key, cert);
		ERR_clear_error();
		goto fail;
	}
	if (client_ca != NULL) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);

		snprintf(what, sizeof(what), "--tls-client-ca %s", client_ca);
		if (names == NULL || SSL_CTX_load_verify_locations(c->ssl, client_ca, NULL) != 1) {
			if (names != NULL)
				sk_X509_NAME_pop_free(names, X509_NAME_free);
			ssl_err(err, len, what);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(c->ssl, names);
		SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return c;
fail:
	cd_tls_ctx_free(c);
	return NULL;
}

void
cd_tls_ctx_free(struct cd_tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl);
	free(c);
}

struct cd_tls *
cd_tls_new(struct cd_tls_ctx *c)
{
	struct cd_tls *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if ((t->ssl = SSL_new(c->ssl)) == NULL || (t->rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (t->wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(t->rbio);
		SSL_free(t->ssl);
		free(t);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_bio(t->ssl, t->rbio, t->wbio);	/* the SSL owns both now */
	SSL_set_accept_state(t->ssl);
	return t;
}

void
cd_tls_free(struct cd_tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

/* What TLS wrote into @out. */
static void
drain_wbio(struct cd_tls *t, struct evbuffer *out)
{
	char buf[CHUNK];
	int n;

	while ((n = BIO_read(t->wbio, buf, sizeof(buf))) > 0)
		evbuffer_add(out, buf, (size_t)n);
}

static int
failed(struct cd_tls *t, int rc, struct evbuffer *out)
{
	int e = SSL_get_error(t->ssl, rc);
	long v = SSL_get_verify_result(t->ssl);

	drain_wbio(t, out);	/* the alert, if any */
	if (e == SSL_ERROR_ZERO_RETURN)
		return -ECONNRESET;
	if (v != X509_V_OK)
		snprintf(t->why, sizeof(t->why), "the client's certificate: %s",
			 X509_verify_cert_error_string(v));
	else
		ssl_err(t->why, sizeof(t->why), "TLS");
	ERR_clear_error();
	return -EPROTO;
}

int
cd_tls_recv(struct cd_tls *t, struct evbuffer *in, struct evbuffer *plain, struct evbuffer *out)
{
	char buf[CHUNK];
	size_t n;
	int r;

	while ((n = evbuffer_get_length(in)) > 0) {
		n = n < CHUNK ? n : CHUNK;
		if (BIO_write(t->rbio, evbuffer_pullup(in, (ev_ssize_t)n), (int)n) != (int)n) {
			snprintf(t->why, sizeof(t->why), "out of memory");
			return -EPROTO;
		}
		evbuffer_drain(in, n);
	}
	for (;;) {
		r = SSL_read(t->ssl, buf, sizeof(buf));
		if (r > 0) {
			evbuffer_add(plain, buf, (size_t)r);
			continue;
		}
		if (SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ)
			break;
		return failed(t, r, out);
	}
	drain_wbio(t, out);
	return 0;
}

int
cd_tls_send(struct cd_tls *t, struct evbuffer *plain, struct evbuffer *out)
{
	size_t n;
	int r;

	while ((n = evbuffer_get_length(plain)) > 0) {
		n = n < CHUNK ? n : CHUNK;
		r = SSL_write(t->ssl, evbuffer_pullup(plain, (ev_ssize_t)n), (int)n);
		if (r <= 0)
			return failed(t, r, out);
		evbuffer_drain(plain, (size_t)r);
	}
	drain_wbio(t, out);
	return 0;
}

const char *
cd_tls_why(const struct cd_tls *t)
{
	return t->why;
}
