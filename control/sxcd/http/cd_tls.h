/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_tls: TLS for sxcd's front door, over memory buffers: the front door moves the bytes, OpenSSL only transforms them. */
/*
 * cd_wire writes every answer to the socket itself and tells evhttp it is
 * written only once the kernel has it (evhttp shuts the socket down as
 * soon as it hears so); a TLS bufferevent under it would still hold bytes
 * then. So TLS here is a pair of memory BIOs: ciphertext the peer sent in,
 * plaintext out; plaintext in, ciphertext to send out.
 *
 * TLS 1.2 and 1.3 only; TLS 1.2 with forward-secret AEAD suites only (as
 * Mozilla's "intermediate" profile); no compression, no renegotiation.
 * With a client CA every client must show a certificate it signed.
 */
#ifndef CD_TLS_H
#define CD_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct cd_tls_ctx;
struct cd_tls;

#define CD_TLS_CIPHERS_12 "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
			  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
			  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* The server's certificate chain @cert and key @key (PEM), and @client_ca
 * (PEM, NULL: no client certificates asked for). NULL with why in @err
 * (the file named; never the key's contents). */
struct cd_tls_ctx *cd_tls_ctx_new(const char *cert, const char *key, const char *client_ca,
				  char *err, size_t len);
void cd_tls_ctx_free(struct cd_tls_ctx *c);

/* One connection's TLS, server side. NULL: no memory. */
struct cd_tls *cd_tls_new(struct cd_tls_ctx *c);
void cd_tls_free(struct cd_tls *t);

/* Ciphertext the peer sent (@in, taken whole) into plaintext appended to
 * @plain; what TLS must send back (handshake, alerts) appended to @out.
 * 0; -ECONNRESET: the peer closed TLS; -EPROTO: TLS failed (cd_tls_why). */
int cd_tls_recv(struct cd_tls *t, struct evbuffer *in, struct evbuffer *plain, struct evbuffer *out);
/* Plaintext (@plain, taken whole) into ciphertext appended to @out. 0 or -EPROTO. */
int cd_tls_send(struct cd_tls *t, struct evbuffer *plain, struct evbuffer *out);
/* Why TLS failed, in OpenSSL's words ("" when it did not). */
const char *cd_tls_why(const struct cd_tls *t);

#endif
