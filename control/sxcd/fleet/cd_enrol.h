/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_enrol: a fleet's enrolment authority: one-time tokens for new boxes, kept in the fleet's store; a token and a CSR traded for the box's identity (its site, a client certificate the fleet's CA signs, where the store is). */
/*
 * An admin makes a token for a site (cd_enrol_make): PREFIX/enrolments/ID
 * in the fleet's store holds its site, its secret's SHA-256, when it
 * expires and its state (open, used, revoked), so any authority box
 * redeems it and each does so once. The token is "sxe1.ID.SECRET.PIN":
 * PIN is the SHA-256 of this box's HTTPS certificate, which the new box
 * checks before it sends anything (it needs no CA file: the token and
 * the box's address are all it is given).
 *
 * A new box redeems it with a CSR (cd_enrol_redeem): the token is checked
 * (unknown, used, revoked, expired: refused, each counted by its reason),
 * the CSR's signature and key (EC P-256/P-384, RSA of 2048 bits or more),
 * then in one compare-and-swap transaction the token is used and
 * PREFIX/enrolled/SITE written (a site enrolled twice is refused); the
 * answer is the site, a client certificate (CN the site, clientAuth, a
 * year) signed by the fleet's CA, the store's CA and its address. A
 * retired box (cd_enrol_retire) is marked so, its certificate's serial
 * listed under PREFIX/revoked/ and in the CRL file given (for etcd's
 * --client-crl-file), its site's own intents kept or removed.
 */
#ifndef CD_ENROL_H
#define CD_ENROL_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct event_base;
struct cd_etcd;
struct cd_enrol;

#define CD_ENROL_TTL_S     3600	/* a token's life unless said */
#define CD_ENROL_TTL_MAX_S 604800
#define CD_ENROL_CERT_DAYS 365

struct cd_enrol_conf {
	const char *prefix;	/* the fleet's ("/fleet/") */
	const char *store_url;	/* what a new box is told: etcd://EP[,EP]/PREFIX */
	const char *ca_cert, *ca_key;	/* the fleet's client CA (PEM files) */
	const char *tls_cert;	/* this box's HTTPS certificate (its pin) */
	const char *store_ca;	/* the store's CA (PEM file; NULL: the system's, or plain etcd) */
	bool store_tls;		/* the store is etcd over TLS (this box's client is) */
	const char *crl;	/* the CRL file it writes (NULL: none) */
};

/* An authority on @etcd: 0 and *@out, or -errno with why in @err. */
int cd_enrol_new(struct event_base *base, struct cd_etcd *etcd, const struct cd_enrol_conf *conf,
		 struct cd_enrol **out, char *err, size_t len);
void cd_enrol_free(struct cd_enrol *e);

/* Each answers later: @done(@arg, an HTTP code, a body: new, the callee's). */
typedef void cd_enrol_done(void *arg, int code, json_t *body);

/* A token for @site living @ttl_s (0: CD_ENROL_TTL_S), made by @by. */
void cd_enrol_make(struct cd_enrol *e, const char *site, json_int_t ttl_s, const char *by, cd_enrol_done *done,
		   void *arg);
/* The tokens (no secret) and the boxes enrolled. */
void cd_enrol_list(struct cd_enrol *e, cd_enrol_done *done, void *arg);
/* Token @id revoked (an open one). */
void cd_enrol_revoke(struct cd_enrol *e, const char *id, cd_enrol_done *done, void *arg);
/* @token and @csr (PEM) from @from (an address) traded for an identity.
 * A 401 answer is a token that is not one to redeem (its reason: unknown,
 * used, revoked, expired): the caller throttles the address as for any
 * wrong credential. */
void cd_enrol_redeem(struct cd_enrol *e, const char *token, const char *csr, const char *from,
		     cd_enrol_done *done, void *arg);
/* @site's box retired: its certificate revoked, its own intents removed
 * when @remove (else kept). */
void cd_enrol_retire(struct cd_enrol *e, const char *site, bool remove, cd_enrol_done *done, void *arg);

/* {"redeemed", "refused": {reason: n}} (new). */
json_t *cd_enrol_stats(const struct cd_enrol *e);

#endif
