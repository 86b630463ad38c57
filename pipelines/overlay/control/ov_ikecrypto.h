/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikecrypto: IKEv2's keys (RFC 7296 2.13-2.18), its DH groups, the SK payload sealed with AES-GCM (RFC 5282), the PSK and signature AUTH (2.15, RFC 7427): OpenSSL's primitives, nothing hand-written. */
/*
 * The PRFs are HMAC-SHA2-256/384/512; the DH groups Curve25519 (31, RFC
 * 8031), ECP-256 (19, RFC 5903) and MODP-2048 (14, RFC 3526); the only
 * cipher AES-GCM with a 16-byte ICV (20), 128 or 256 bits, for the IKE SA
 * and the ESP SAs alike. Secrets derived here are written into the
 * caller's memory (sxcd's is locked and kept out of core dumps) and
 * whatever OpenSSL held of them is freed with it; intermediate buffers are
 * wiped before a call returns.
 */
#ifndef OV_IKECRYPTO_H
#define OV_IKECRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OV_IKE_PRF_MAX	64	/* the longest PRF output (SHA-512) */
#define OV_IKE_KEY_MAX	36	/* AES-256 and its 4-byte salt */
#define OV_IKE_DH_MAX	256	/* the longest public value (MODP-2048) */
#define OV_IKE_IV	8
#define OV_IKE_ICV	16
#define OV_IKE_SALT	4
/* an SK payload's body beyond its plaintext: IV, the pad length, ICV */
#define OV_IKE_SK_OVERHEAD (OV_IKE_IV + 1 + OV_IKE_ICV)

struct iovec;
struct ov_ike_dh;

/* The output length of PRF @prf, 0 when it is not one of those known. */
size_t ov_ike_prf_len(uint16_t prf);
/* The length of a DH group's public value, 0 when not known. */
size_t ov_ike_dh_len(uint16_t group);

/* prf(@key, the @n parts concatenated) into @out (ov_ike_prf_len). 0 or -EINVAL/-EIO. */
int ov_ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct iovec *parts, size_t n, uint8_t *out);
/* prf+(@key, @seed) (2.13): @outlen bytes (at most 255 blocks). */
int ov_ike_prfplus(uint16_t prf, const uint8_t *key, size_t klen, const struct iovec *seed, size_t nseed,
		   uint8_t *out, size_t outlen);

/* A DH key pair of @group (@priv: its private value, for tests; NULL: a
 * fresh one) and its public value in IKE's form into @pub (ov_ike_dh_len).
 * 0, -EINVAL (a group not known) or -EIO. */
int ov_ike_dh_new(uint16_t group, const uint8_t *priv, size_t priv_len, struct ov_ike_dh **dh, uint8_t *pub);
/* The shared secret with the peer's public value @peer (checked: on the
 * curve, not a small order or all-zero result, 1 < y < p-1) into @out
 * (ov_ike_dh_len, or the curve's x coordinate: *@len). 0, -EINVAL (a bad
 * peer value) or -EIO. */
int ov_ike_dh_shared(struct ov_ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t *len);
void ov_ike_dh_free(struct ov_ike_dh *dh);

/* An IKE SA's keys (2.14). The encryption keys carry their salt at the end. */
struct ov_ike_keys {
	uint16_t prf;
	size_t prf_len, enc_len;	/* enc_len: the AES key and its salt (20 or 36) */
	uint8_t sk_d[OV_IKE_PRF_MAX], sk_pi[OV_IKE_PRF_MAX], sk_pr[OV_IKE_PRF_MAX];
	uint8_t sk_ei[OV_IKE_KEY_MAX], sk_er[OV_IKE_KEY_MAX];
};

/*
 * The keys of a new IKE SA: SKEYSEED = prf(Ni | Nr, g^ir), or for a rekey
 * (@sk_d_old not NULL) prf(SK_d old, g^ir | Ni | Nr); then prf+(SKEYSEED,
 * Ni | Nr | SPIi | SPIr). @aes_bits 128 or 256. 0 or -errno.
 */
int ov_ike_keys_derive(struct ov_ike_keys *k, uint16_t prf, unsigned int aes_bits, const uint8_t *sk_d_old,
		       const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, uint64_t spi_i, uint64_t spi_r);

/* A Child SA's keys (2.17): KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr),
 * the initiator-to-responder SA's key and salt first (@len each: 20 or 36). */
int ov_ike_child_keys(const struct ov_ike_keys *k, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		      size_t ni_len, const uint8_t *nr, size_t nr_len, size_t len, uint8_t *i2r, uint8_t *r2i);

/* The SK payload's body for @plain: IV (@iv, big endian), the ciphertext
 * of plain | pad length 0, ICV, over @aad (the header through the SK
 * payload's generic header). Into @out (@plen + OV_IKE_SK_OVERHEAD). 0 or -EIO. */
int ov_ike_seal(const uint8_t *key, size_t key_len, uint64_t iv, const uint8_t *aad, size_t aad_len,
		const uint8_t *plain, size_t plen, uint8_t *out);
/* The plaintext of an SK payload's body (@body, @blen) into @plain (at
 * most @blen), its length into *@plen (the padding taken off). 0, or
 * -EBADMSG (too short, the ICV does not verify, the padding past it). */
int ov_ike_open(const uint8_t *key, size_t key_len, const uint8_t *aad, size_t aad_len, const uint8_t *body,
		size_t blen, uint8_t *plain, size_t *plen);

/*
 * The octets an AUTH covers (2.15): the sender's first message, the
 * peer's nonce, prf(SK_p of the sender, the sender's ID payload's body).
 * @out holds at least @msg_len + @nonce_len + OV_IKE_PRF_MAX: its length.
 */
size_t ov_ike_signed_octets(const struct ov_ike_keys *k, bool initiator, const uint8_t *msg, size_t msg_len,
			    const uint8_t *nonce, size_t nonce_len, const uint8_t *id_body, size_t id_len,
			    uint8_t *out);
/* AUTH with a pre-shared key: prf(prf(@psk, "Key Pad for IKEv2"), @octets) into @out (prf_len). */
int ov_ike_auth_psk(const struct ov_ike_keys *k, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		    size_t octets_len, uint8_t *out);

/* NAT_DETECTION_*_IP's data (2.23): SHA-1 of SPIi | SPIr | @addr (as the
 * engine keeps it: IPv4's 4 bytes are hashed, IPv6's 16) | @port (host
 * order), into @out (20). */
int ov_ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t addr[16], uint16_t port, uint8_t out[20]);

/* Compare in constant time: 0 when equal. */
int ov_ike_memcmp(const void *a, const void *b, size_t len);

#endif
