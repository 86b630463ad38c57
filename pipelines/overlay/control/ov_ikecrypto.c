/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikecrypto (see ov_ikecrypto.h): IKEv2's derivations over OpenSSL's HMAC, DH and AES-GCM. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ov_ikecrypto.h"
#include "ov_ikemsg.h"

struct ov_ike_dh {
	uint16_t group;
	EVP_PKEY *key;
};

static const char *
prf_md(uint16_t prf)
{
	switch (prf) {
	case OV_IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case OV_IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case OV_IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	}
	return NULL;
}

size_t
ov_ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case OV_IKE_PRF_HMAC_SHA2_256:
		return 32;
	case OV_IKE_PRF_HMAC_SHA2_384:
		return 48;
	case OV_IKE_PRF_HMAC_SHA2_512:
		return 64;
	}
	return 0;
}

size_t
ov_ike_dh_len(uint16_t group)
{
	switch (group) {
	case OV_IKE_DH_CURVE25519:
		return 32;
	case OV_IKE_DH_ECP_256:
		return 64;
	case OV_IKE_DH_MODP_2048:
		return 256;
	}
	return 0;
}

int
ov_ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct iovec *parts, size_t n, uint8_t *out)
{
	const char *md = prf_md(prf);
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t len = 0;
	int rc = -EIO;

	if (md == NULL)
		return -EINVAL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL || (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* an empty key is HMAC's all the same (a PSK is never empty: refused before) */
	if (EVP_MAC_init(ctx, klen ? key : (const uint8_t *)"", klen, params) != 1)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (parts[i].iov_len > 0 && EVP_MAC_update(ctx, parts[i].iov_base, parts[i].iov_len) != 1)
			goto out;
	if (EVP_MAC_final(ctx, out, &len, OV_IKE_PRF_MAX) == 1 && len == ov_ike_prf_len(prf))
		rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

int
ov_ike_prfplus(uint16_t prf, const uint8_t *key, size_t klen, const struct iovec *seed, size_t nseed,
	       uint8_t *out, size_t outlen)
{
	size_t plen = ov_ike_prf_len(prf), done = 0;
	uint8_t t[OV_IKE_PRF_MAX], ctr = 1;
	struct iovec v[8];
	int rc = 0;

	if (plen == 0 || nseed + 2 > 8 || outlen > 255 * plen)
		return -EINVAL;
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	while (done < outlen && rc == 0) {
		size_t k = 0;

		if (ctr > 1)
			v[k++] = (struct iovec){ t, plen };
		for (size_t i = 0; i < nseed; i++)
			v[k++] = seed[i];
		v[k++] = (struct iovec){ &ctr, 1 };
		if ((rc = ov_ike_prf(prf, key, klen, v, k, t)) == 0) {
			size_t m = outlen - done < plen ? outlen - done : plen;

			memcpy(out + done, t, m);
			done += m;
			ctr++;
		}
	}
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* ------------------------------------------------------------ DH */

/* A peer's public value of @group as an EVP_PKEY of the same kind. */
static EVP_PKEY *
peer_key(uint16_t group, const uint8_t *pub, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	OSSL_PARAM p[3];
	uint8_t pt[65];
	BIGNUM *bn = NULL;
	unsigned char *bnbuf = NULL;

	if (len != ov_ike_dh_len(group))
		return NULL;
	switch (group) {
	case OV_IKE_DH_CURVE25519:
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, len);
	case OV_IKE_DH_ECP_256:
		/* IKE's x | y (RFC 5903), OpenSSL's uncompressed 04 | x | y */
		pt[0] = 0x04;
		memcpy(pt + 1, pub, 64);
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
		p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
		p[2] = OSSL_PARAM_construct_end();
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		break;
	case OV_IKE_DH_MODP_2048:
		/* OpenSSL's params take a native-endian BIGNUM's bytes */
		if ((bn = BN_bin2bn(pub, (int)len, NULL)) == NULL || (bnbuf = OPENSSL_malloc(len)) == NULL ||
		    BN_bn2nativepad(bn, bnbuf, (int)len) < 0)
			goto out;
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"modp_2048", 0);
		p[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PUB_KEY, bnbuf, len);
		p[2] = OSSL_PARAM_construct_end();
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		break;
	default:
		return NULL;
	}
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) != 1)
		k = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(bnbuf);
	BN_free(bn);
	return k;
}

/* Our public value in IKE's form. */
static int
pub_of(struct ov_ike_dh *dh, uint8_t *pub)
{
	size_t len = ov_ike_dh_len(dh->group), got = 0;
	uint8_t pt[65];
	BIGNUM *bn = NULL;
	int rc = -EIO;

	switch (dh->group) {
	case OV_IKE_DH_CURVE25519:
		got = len;
		return EVP_PKEY_get_raw_public_key(dh->key, pub, &got) == 1 && got == len ? 0 : -EIO;
	case OV_IKE_DH_ECP_256:
		if (EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &got) != 1 ||
		    got != 65 || pt[0] != 0x04)
			return -EIO;
		memcpy(pub, pt + 1, 64);
		return 0;
	case OV_IKE_DH_MODP_2048:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &bn) == 1 &&
		    BN_bn2binpad(bn, pub, (int)len) == (int)len)
			rc = 0;
		BN_free(bn);
		return rc;
	}
	return -EINVAL;
}

int
ov_ike_dh_new(uint16_t group, const uint8_t *priv, size_t priv_len, struct ov_ike_dh **out, uint8_t *pub)
{
	struct ov_ike_dh *dh;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM p[2];
	int rc = -EIO;

	*out = NULL;
	if (ov_ike_dh_len(group) == 0)
		return -EINVAL;
	if ((dh = OPENSSL_zalloc(sizeof(*dh))) == NULL)
		return -ENOMEM;
	dh->group = group;
	if (group == OV_IKE_DH_CURVE25519) {
		dh->key = priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, priv_len) :
			  EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	} else if (priv == NULL) {
		p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group == OV_IKE_DH_ECP_256 ?
							(char *)"P-256" : (char *)"modp_2048", 0);
		p[1] = OSSL_PARAM_construct_end();
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, group == OV_IKE_DH_ECP_256 ? "EC" : "DH", NULL)) != NULL &&
		    EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, p) == 1)
			EVP_PKEY_generate(ctx, &dh->key);
	} else {
		rc = -EINVAL;	/* a given private value: Curve25519's alone (the known answers') */
	}
	EVP_PKEY_CTX_free(ctx);
	if (dh->key != NULL && (rc = pub_of(dh, pub)) == 0) {
		*out = dh;
		return 0;
	}
	ov_ike_dh_free(dh);
	return rc;
}

int
ov_ike_dh_shared(struct ov_ike_dh *dh, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t *len)
{
	EVP_PKEY *pk = peer_key(dh->group, peer, peer_len);
	EVP_PKEY_CTX *ctx = NULL;
	size_t want = dh->group == OV_IKE_DH_ECP_256 ? 32 : ov_ike_dh_len(dh->group), got = want;
	static const uint8_t zero[32];
	int rc = -EINVAL;

	if (pk == NULL)
		return -EINVAL;
	/* the peer's value checked (validate_peer: on the curve, 1 < y < p-1) */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    (dh->group == OV_IKE_DH_MODP_2048 && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1) ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) != 1 || EVP_PKEY_derive(ctx, out, &got) != 1 || got != want)
		goto out;
	/* Curve25519: an all-zero result is a small-order peer value (RFC 8031 2.3) */
	if (dh->group == OV_IKE_DH_CURVE25519 && CRYPTO_memcmp(out, zero, 32) == 0) {
		OPENSSL_cleanse(out, 32);
		goto out;
	}
	*len = got;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

void
ov_ike_dh_free(struct ov_ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	OPENSSL_free(dh);
}

/* ------------------------------------------------------------ keys */

static void
spi_be(uint8_t out[8], uint64_t spi)
{
	ov_ike_be32(out, (uint32_t)(spi >> 32));
	ov_ike_be32(out + 4, (uint32_t)spi);
}

int
ov_ike_keys_derive(struct ov_ike_keys *k, uint16_t prf, unsigned int aes_bits, const uint8_t *sk_d_old,
		   const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		   size_t nr_len, uint64_t spi_i, uint64_t spi_r)
{
	size_t plen = ov_ike_prf_len(prf), elen = aes_bits / 8 + OV_IKE_SALT;
	uint8_t skeyseed[OV_IKE_PRF_MAX], nonces[512], spis[16], km[3 * OV_IKE_PRF_MAX + 2 * OV_IKE_KEY_MAX];
	struct iovec v[3];
	int rc;

	if (plen == 0 || (aes_bits != 128 && aes_bits != 256) || ni_len + nr_len > sizeof(nonces))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->prf = prf;
	k->prf_len = plen;
	k->enc_len = elen;
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	if (sk_d_old == NULL) {	/* prf(Ni | Nr, g^ir) */
		v[0] = (struct iovec){ (void *)gir, gir_len };
		rc = ov_ike_prf(prf, nonces, ni_len + nr_len, v, 1, skeyseed);
	} else {		/* prf(SK_d old, g^ir | Ni | Nr) */
		v[0] = (struct iovec){ (void *)gir, gir_len };
		v[1] = (struct iovec){ nonces, ni_len + nr_len };
		rc = ov_ike_prf(prf, sk_d_old, plen, v, 2, skeyseed);
	}
	spi_be(spis, spi_i);
	spi_be(spis + 8, spi_r);
	v[0] = (struct iovec){ nonces, ni_len + nr_len };
	v[1] = (struct iovec){ spis, 16 };
	/* SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr: no SK_a with an AEAD */
	if (rc == 0)
		rc = ov_ike_prfplus(prf, skeyseed, plen, v, 2, km, 3 * plen + 2 * elen);
	if (rc == 0) {
		memcpy(k->sk_d, km, plen);
		memcpy(k->sk_ei, km + plen, elen);
		memcpy(k->sk_er, km + plen + elen, elen);
		memcpy(k->sk_pi, km + plen + 2 * elen, plen);
		memcpy(k->sk_pr, km + 2 * plen + 2 * elen, plen);
	}
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

int
ov_ike_child_keys(const struct ov_ike_keys *k, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		  size_t ni_len, const uint8_t *nr, size_t nr_len, size_t len, uint8_t *i2r, uint8_t *r2i)
{
	uint8_t km[2 * OV_IKE_KEY_MAX];
	struct iovec v[3];
	size_t n = 0;
	int rc;

	if (len > OV_IKE_KEY_MAX)
		return -EINVAL;
	if (gir != NULL)
		v[n++] = (struct iovec){ (void *)gir, gir_len };
	v[n++] = (struct iovec){ (void *)ni, ni_len };
	v[n++] = (struct iovec){ (void *)nr, nr_len };
	if ((rc = ov_ike_prfplus(k->prf, k->sk_d, k->prf_len, v, n, km, 2 * len)) == 0) {
		memcpy(i2r, km, len);
		memcpy(r2i, km + len, len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

/* ------------------------------------------------------------ the SK payload */

static const EVP_CIPHER *
gcm(size_t key_len)
{
	return key_len == 16 + OV_IKE_SALT ? EVP_aes_128_gcm() : key_len == 32 + OV_IKE_SALT ? EVP_aes_256_gcm() : NULL;
}

int
ov_ike_seal(const uint8_t *key, size_t key_len, uint64_t iv, const uint8_t *aad, size_t aad_len,
	    const uint8_t *plain, size_t plen, uint8_t *out)
{
	const EVP_CIPHER *c = gcm(key_len);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t nonce[OV_IKE_SALT + OV_IKE_IV], pad = 0;
	int n, rc = -EIO;

	if (c == NULL || ctx == NULL)
		goto out;
	/* the nonce: the key's salt, then the IV the payload carries (RFC 5282 3.1) */
	memcpy(nonce, key + key_len - OV_IKE_SALT, OV_IKE_SALT);
	spi_be(nonce + OV_IKE_SALT, iv);
	memcpy(out, nonce + OV_IKE_SALT, OV_IKE_IV);
	if (EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    (plen > 0 && EVP_EncryptUpdate(ctx, out + OV_IKE_IV, &n, plain, (int)plen) != 1) ||
	    EVP_EncryptUpdate(ctx, out + OV_IKE_IV + plen, &n, &pad, 1) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + OV_IKE_IV + plen + 1, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OV_IKE_ICV, out + OV_IKE_IV + plen + 1) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
ov_ike_open(const uint8_t *key, size_t key_len, const uint8_t *aad, size_t aad_len, const uint8_t *body,
	    size_t blen, uint8_t *plain, size_t *plen)
{
	const EVP_CIPHER *c = gcm(key_len);
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[OV_IKE_SALT + OV_IKE_IV];
	size_t clen;
	int n, rc = -EBADMSG;

	if (c == NULL)
		return -EINVAL;
	if (blen < OV_IKE_SK_OVERHEAD)
		return -EBADMSG;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -ENOMEM;
	clen = blen - OV_IKE_IV - OV_IKE_ICV;
	memcpy(nonce, key + key_len - OV_IKE_SALT, OV_IKE_SALT);
	memcpy(nonce + OV_IKE_SALT, body, OV_IKE_IV);
	if (EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, plain, &n, body + OV_IKE_IV, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, OV_IKE_ICV, (void *)(body + blen - OV_IKE_ICV)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + clen, &n) != 1)
		goto out;
	/* the pad length, last, counts the padding before it */
	if ((size_t)plain[clen - 1] + 1 > clen) {
		OPENSSL_cleanse(plain, clen);
		goto out;
	}
	*plen = clen - 1 - plain[clen - 1];
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* ------------------------------------------------------------ AUTH */

size_t
ov_ike_signed_octets(const struct ov_ike_keys *k, bool initiator, const uint8_t *msg, size_t msg_len,
		     const uint8_t *nonce, size_t nonce_len, const uint8_t *id_body, size_t id_len, uint8_t *out)
{
	struct iovec v = { (void *)id_body, id_len };

	memcpy(out, msg, msg_len);
	memcpy(out + msg_len, nonce, nonce_len);
	if (ov_ike_prf(k->prf, initiator ? k->sk_pi : k->sk_pr, k->prf_len, &v, 1, out + msg_len + nonce_len) < 0)
		return 0;
	return msg_len + nonce_len + k->prf_len;
}

int
ov_ike_auth_psk(const struct ov_ike_keys *k, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		size_t octets_len, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t inner[OV_IKE_PRF_MAX];
	struct iovec v = { (void *)pad, sizeof(pad) - 1 };
	int rc;

	if ((rc = ov_ike_prf(k->prf, psk, psk_len, &v, 1, inner)) == 0) {
		v = (struct iovec){ (void *)octets, octets_len };
		rc = ov_ike_prf(k->prf, inner, k->prf_len, &v, 1, out);
	}
	OPENSSL_cleanse(inner, sizeof(inner));
	return rc;
}

int
ov_ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const uint8_t addr[16], uint16_t port, uint8_t out[20])
{
	uint8_t in[34];
	unsigned int len = 20;
	size_t al;
	const uint8_t *a = ov_ike_addr_wire(addr, &al);

	spi_be(in, spi_i);
	spi_be(in + 8, spi_r);
	memcpy(in + 16, a, al);
	ov_ike_be16(in + 16 + al, port);
	return EVP_Digest(in, 18 + al, out, &len, EVP_sha1(), NULL) == 1 && len == 20 ? 0 : -EIO;
}

int
ov_ike_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len);
}
