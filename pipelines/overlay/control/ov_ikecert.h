/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikecert: IKEv2's certificates (RFC 7296 3.6, 3.7) and digital signatures (RFC 7427): the box's certificate and key, the trust anchors a peer's chain must end in, AUTH made and checked; on OpenSSL. */
/*
 * A peer of certificate authentication proves itself with an X.509
 * certificate a trust anchor of ours vouches for (its chain built from the
 * CERT payloads it sent, checked by OpenSSL: signatures, validity,
 * purposes), an identity the certificate names (an FQDN among its
 * subjectAltName's DNS names, or its subject's DER for ID_DER_ASN1_DN),
 * and an AUTH of method 14 (RFC 7427: the AlgorithmIdentifier, then the
 * signature over the octets 2.15 says) made with that certificate's key:
 * ECDSA (P-256, P-384, P-521) or RSA (PKCS#1 v1.5) with SHA-256, -384 or
 * -512, or Ed25519. The box signs with ECDSA, RSA or Ed25519 the same way.
 *
 * The private key's file is owned by sxcd's user and mode 0600 or 0400;
 * the key lives in OpenSSL's memory only while loaded, never logged.
 */
#ifndef OV_IKECERT_H
#define OV_IKECERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OV_IKECERT_SIG_MAX	600	/* an AUTH's data: the AlgorithmIdentifier and a signature (RSA-4096's 512) */
#define OV_IKECERT_DER_MAX	3000	/* a certificate's DER this box sends or takes */
#define OV_IKECERT_CAS_MAX	16	/* trust anchors named in a CERTREQ */

struct ov_ikecert;

/* The box's certificate (@cert_file, PEM), its key (@key_file, PEM, 0600
 * or 0400, sxcd's user's) and the trust anchors (@ca_file, PEM, one or
 * more): 0 and *@out, or -errno with @why said. */
int ov_ikecert_load(const char *cert_file, const char *key_file, const char *ca_file, struct ov_ikecert **out,
		    char *why, size_t len);
void ov_ikecert_free(struct ov_ikecert *c);

/* Our certificate's DER. */
const uint8_t *ov_ikecert_der(const struct ov_ikecert *c, size_t *len);
/* A CERTREQ's data for X.509 (3.7): the SHA-1 of each trust anchor's
 * SubjectPublicKeyInfo, concatenated. */
const uint8_t *ov_ikecert_req(const struct ov_ikecert *c, size_t *len);
/* Does our certificate name identity @id of @type (FQDN, or DER_ASN1_DN)? */
bool ov_ikecert_names(const struct ov_ikecert *c, uint8_t type, const uint8_t *id, size_t len);

/* AUTH's data of method 14 over @octets into @out (OV_IKECERT_SIG_MAX): its length, or -errno. */
int ov_ikecert_sign(const struct ov_ikecert *c, const uint8_t *octets, size_t n, uint8_t *out);

/*
 * The peer's proof: its certificates (@certs, DER: its own first, then
 * what may chain it to our anchors) vouched for by one of them; its
 * identity @id of @type named by its certificate; @auth (method 14's
 * data) its certificate's key's signature over @octets. 0; -EACCES (no
 * trust anchor vouches: unknown issuer, expired, a signature of the chain
 * wrong), -EPERM (the certificate does not name that identity), -EBADMSG
 * (the AUTH's algorithm unknown or its signature wrong).
 */
int ov_ikecert_verify(const struct ov_ikecert *c, const uint8_t *const *certs, const size_t *lens, size_t n,
		      uint8_t type, const uint8_t *id, size_t id_len, const uint8_t *auth, size_t auth_len,
		      const uint8_t *octets, size_t olen);

#endif
