/* ov_noise: WireGuard's handshake, its cookies and MACs (see ov_noise.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "ov_noise.h"

#define CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define LABEL_MAC1	"mac1----"
#define LABEL_COOKIE	"cookie--"
#define HASH_LEN	32
#define MAC_LEN		16

static EVP_MD *blake2s;
static EVP_MAC *hmac_alg, *b2mac_alg;
static char blake2s_name[] = "BLAKE2S-256";
static const uint8_t nonce0[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

void
ov_noise_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/* Once: sxcd is single-threaded where it handshakes. */
static int
lib_init(void)
{
	static bool done;

	if (!done && sodium_init() >= 0) {
		blake2s = blake2s ? blake2s : EVP_MD_fetch(NULL, blake2s_name, NULL);
		hmac_alg = hmac_alg ? hmac_alg : EVP_MAC_fetch(NULL, "HMAC", NULL);
		b2mac_alg = b2mac_alg ? b2mac_alg : EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
		done = blake2s && hmac_alg && b2mac_alg;
	}
	return done ? 0 : -EIO;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* X25519's clamping, done on the stored key too (as wg does). */
static void
clamp(uint8_t priv[OV_NOISE_KEY])
{
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

/* HASH(a || b); @out may be @a. */
static int
hash(uint8_t out[HASH_LEN], const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c && EVP_DigestInit_ex(c, blake2s, NULL) && EVP_DigestUpdate(c, a, alen) &&
	     (!blen || EVP_DigestUpdate(c, b, blen)) && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* HMAC-BLAKE2s (@hmac) or BLAKE2s's keyed MAC of MAC_LEN bytes, of @in. */
static int
keyed(bool hmac, const uint8_t *key, size_t klen, const void *in, size_t len, uint8_t *out)
{
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(hmac ? hmac_alg : b2mac_alg);
	size_t olen = hmac ? HASH_LEN : MAC_LEN, n = olen;
	OSSL_PARAM prm[2];
	int ok;

	prm[0] = hmac ? OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, blake2s_name, 0) :
			OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &n);
	prm[1] = OSSL_PARAM_construct_end();
	ok = c && EVP_MAC_init(c, key, klen, prm) && EVP_MAC_update(c, in, len) &&
	     EVP_MAC_final(c, out, &n, olen) && n == olen;
	EVP_MAC_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* KDF1..3 as the paper's: the outputs the non-NULL of @o1..@o3 (@o1 may be @ck). */
static int
kdf(const uint8_t ck[HASH_LEN], const void *in, size_t len, uint8_t *o1, uint8_t *o2, uint8_t *o3)
{
	uint8_t *out[3] = { o1, o2, o3 };
	uint8_t t0[HASH_LEN], t[HASH_LEN + 1];
	size_t tl = 0;
	int rc = -EIO;

	if (keyed(true, ck, HASH_LEN, in, len, t0) < 0)
		goto out;
	for (int i = 0; i < 3 && out[i]; i++) {
		t[tl] = i + 1;
		if (keyed(true, t0, HASH_LEN, t, tl + 1, t) < 0)
			goto out;
		memcpy(out[i], t, HASH_LEN);
		tl = HASH_LEN;
	}
	rc = 0;
out:
	ov_noise_wipe(t0, sizeof(t0));
	ov_noise_wipe(t, sizeof(t));
	return rc;
}

/* DH into the chain: (ck, k) = KDF2(ck, DH(priv, pub)), or KDF1 without @k.
 * A low-order @pub gives all zero (libsodium refuses it): -EBADMSG. */
static int
mix_dh(uint8_t ck[HASH_LEN], uint8_t *k, const uint8_t priv[OV_NOISE_KEY], const uint8_t pub[OV_NOISE_KEY])
{
	uint8_t dh[OV_NOISE_KEY];
	int rc = -EBADMSG;

	if (crypto_scalarmult(dh, priv, pub) == 0 && !sodium_is_zero(dh, sizeof(dh)))
		rc = kdf(ck, dh, sizeof(dh), ck, k, NULL);
	ov_noise_wipe(dh, sizeof(dh));
	return rc;
}

/* H = HASH(H || in) */
static int
mix_hash(uint8_t h[HASH_LEN], const void *in, size_t len)
{
	return hash(h, h, HASH_LEN, in, len);
}

/* AEAD(k, 0, ..., h): every key seals one message, so the counter is 0. */
static int
seal(uint8_t *c, const uint8_t *m, size_t len, const uint8_t k[OV_NOISE_KEY], const uint8_t h[HASH_LEN])
{
	if (crypto_aead_chacha20poly1305_ietf_encrypt(c, NULL, m, len, h, HASH_LEN, NULL, nonce0, k))
		return -EIO;
	return 0;
}

static int
unseal(uint8_t *m, const uint8_t *c, size_t len, const uint8_t k[OV_NOISE_KEY], const uint8_t h[HASH_LEN])
{
	if (crypto_aead_chacha20poly1305_ietf_decrypt(m, NULL, NULL, c, len, h, HASH_LEN, nonce0, k))
		return -EBADMSG;
	return 0;
}

/* The chain and hash both ends start from, for the responder @rpub. */
static int
start(uint8_t ck[HASH_LEN], uint8_t h[HASH_LEN], const uint8_t rpub[OV_NOISE_KEY])
{
	if (hash(ck, CONSTRUCTION, strlen(CONSTRUCTION), NULL, 0) < 0 ||
	    hash(h, ck, HASH_LEN, IDENTIFIER, strlen(IDENTIFIER)) < 0 ||
	    mix_hash(h, rpub, OV_NOISE_KEY) < 0)
		return -EIO;
	return 0;
}

/* An ephemeral (given, or fresh) and its public half: into the chain and the hash. */
static int
ephemeral(struct ov_noise_hs *t, const uint8_t *e_priv)
{
	if (e_priv)
		memcpy(t->e_priv, e_priv, OV_NOISE_KEY);
	else
		randombytes_buf(t->e_priv, OV_NOISE_KEY);
	clamp(t->e_priv);
	if (crypto_scalarmult_base(t->e_pub, t->e_priv) != 0 ||
	    kdf(t->ck, t->e_pub, OV_NOISE_KEY, t->ck, NULL, NULL) < 0 ||
	    mix_hash(t->h, t->e_pub, OV_NOISE_KEY) < 0)
		return -EIO;
	return 0;
}

/* mac1 and mac2 (zero without a cookie), the last 32 bytes of a handshake message. */
static int
macs(uint8_t *msg, size_t len, const uint8_t mac1_key[OV_NOISE_KEY], const uint8_t *cookie)
{
	if (keyed(false, mac1_key, OV_NOISE_KEY, msg, len - 2 * MAC_LEN, msg + len - 2 * MAC_LEN) < 0)
		return -EIO;
	if (!cookie) {
		memset(msg + len - MAC_LEN, 0, MAC_LEN);
		return 0;
	}
	return keyed(false, cookie, OV_NOISE_COOKIE, msg, len - MAC_LEN, msg + len - MAC_LEN);
}

int
ov_noise_keypair(uint8_t priv[OV_NOISE_KEY], uint8_t pub[OV_NOISE_KEY])
{
	if (lib_init() < 0)
		return -EIO;
	randombytes_buf(priv, OV_NOISE_KEY);
	clamp(priv);
	return crypto_scalarmult_base(pub, priv) ? -EIO : 0;
}

int
ov_noise_static_init(struct ov_noise_static *s, const uint8_t priv[OV_NOISE_KEY])
{
	if (lib_init() < 0)
		return -EIO;
	memcpy(s->priv, priv, OV_NOISE_KEY);
	clamp(s->priv);
	if (crypto_scalarmult_base(s->pub, s->priv) != 0 ||
	    hash(s->mac1_key, LABEL_MAC1, strlen(LABEL_MAC1), s->pub, OV_NOISE_KEY) < 0 ||
	    hash(s->cookie_key, LABEL_COOKIE, strlen(LABEL_COOKIE), s->pub, OV_NOISE_KEY) < 0) {
		ov_noise_wipe(s, sizeof(*s));
		return -EIO;
	}
	return 0;
}

int
ov_noise_peer_init(struct ov_noise_peer *p, const struct ov_noise_static *me, const uint8_t pub[OV_NOISE_KEY],
		   const uint8_t *psk)
{
	int rc = -EIO;

	if (lib_init() < 0)
		return -EIO;
	memset(p, 0, sizeof(*p));
	memcpy(p->pub, pub, OV_NOISE_KEY);
	if (psk)
		memcpy(p->psk, psk, OV_NOISE_KEY);
	if (crypto_scalarmult(p->ss, me->priv, pub) != 0 || sodium_is_zero(p->ss, OV_NOISE_KEY))
		rc = -EINVAL;
	else if (hash(p->mac1_key, LABEL_MAC1, strlen(LABEL_MAC1), pub, OV_NOISE_KEY) == 0 &&
		 hash(p->cookie_key, LABEL_COOKIE, strlen(LABEL_COOKIE), pub, OV_NOISE_KEY) == 0)
		return 0;
	ov_noise_wipe(p, sizeof(*p));
	return rc;
}

void
ov_noise_tai64n(uint64_t unix_ns, uint8_t out[OV_NOISE_TAI64N])
{
	/* As WireGuard's own (Linux, wireguard-go): the TAI64 label of UTC,
	 * 2^62 + 10 + seconds, and the nanoseconds rounded down to 2^24 (no
	 * more precision than its 50 initiations a second need, nothing of the
	 * clock leaked); a peer only compares them, a box moving from wg to
	 * sxcd with its key keeps them increasing. */
	uint64_t s = UINT64_C(0x400000000000000a) + unix_ns / 1000000000;
	uint32_t ns = (unix_ns % 1000000000) & ~UINT32_C(0xffffff);

	for (int i = 0; i < 8; i++)
		out[i] = s >> (56 - 8 * i);
	for (int i = 0; i < 4; i++)
		out[8 + i] = ns >> (24 - 8 * i);
}

int
ov_noise_init_make(struct ov_noise_hs *hs, const struct ov_noise_static *me, const struct ov_noise_peer *p,
		   uint32_t local, const uint8_t tai[OV_NOISE_TAI64N], const uint8_t *cookie,
		   const uint8_t *e_priv, uint8_t msg[OV_NOISE_INIT_LEN])
{
	struct ov_noise_hs t = { .local = local };
	uint8_t k[OV_NOISE_KEY];
	int rc = -EIO;

	if (lib_init() < 0)
		return -EIO;
	put_le32(msg, OV_NOISE_MSG_INIT);
	put_le32(msg + 4, local);
	if (start(t.ck, t.h, p->pub) < 0 || ephemeral(&t, e_priv) < 0)
		goto out;
	memcpy(msg + 8, t.e_pub, OV_NOISE_KEY);
	if (mix_dh(t.ck, k, t.e_priv, p->pub) < 0 || seal(msg + 40, me->pub, OV_NOISE_KEY, k, t.h) < 0 ||
	    mix_hash(t.h, msg + 40, OV_NOISE_KEY + OV_NOISE_TAG) < 0 ||
	    kdf(t.ck, p->ss, OV_NOISE_KEY, t.ck, k, NULL) < 0 || seal(msg + 88, tai, OV_NOISE_TAI64N, k, t.h) < 0 ||
	    mix_hash(t.h, msg + 88, OV_NOISE_TAI64N + OV_NOISE_TAG) < 0 ||
	    macs(msg, OV_NOISE_INIT_LEN, p->mac1_key, cookie) < 0)
		goto out;
	*hs = t;
	rc = 0;
out:
	ov_noise_wipe(&t, sizeof(t));
	ov_noise_wipe(k, sizeof(k));
	return rc;
}

int
ov_noise_init_consume(struct ov_noise_hs *hs, const struct ov_noise_static *me,
		      const uint8_t msg[OV_NOISE_INIT_LEN], uint8_t tai[OV_NOISE_TAI64N])
{
	struct ov_noise_hs t = { .remote = get_le32(msg + 4) };
	uint8_t k[OV_NOISE_KEY], ts[OV_NOISE_TAI64N];
	int rc;

	if (lib_init() < 0)
		return -EIO;
	/* wireguard-go and Linux read type and reserved as one number */
	if (get_le32(msg) != OV_NOISE_MSG_INIT)
		return -EBADMSG;
	memcpy(t.re, msg + 8, OV_NOISE_KEY);
	if ((rc = start(t.ck, t.h, me->pub)) < 0 || (rc = kdf(t.ck, t.re, OV_NOISE_KEY, t.ck, NULL, NULL)) < 0 ||
	    (rc = mix_hash(t.h, t.re, OV_NOISE_KEY)) < 0 || (rc = mix_dh(t.ck, k, me->priv, t.re)) < 0 ||
	    (rc = unseal(t.rs, msg + 40, OV_NOISE_KEY + OV_NOISE_TAG, k, t.h)) < 0 ||
	    (rc = mix_hash(t.h, msg + 40, OV_NOISE_KEY + OV_NOISE_TAG)) < 0 ||
	    /* the peer is not known yet: DH(our static, its) is made here */
	    (rc = mix_dh(t.ck, k, me->priv, t.rs)) < 0 ||
	    (rc = unseal(ts, msg + 88, OV_NOISE_TAI64N + OV_NOISE_TAG, k, t.h)) < 0 ||
	    (rc = mix_hash(t.h, msg + 88, OV_NOISE_TAI64N + OV_NOISE_TAG)) < 0)
		goto out;
	*hs = t;
	memcpy(tai, ts, OV_NOISE_TAI64N);
out:
	ov_noise_wipe(&t, sizeof(t));
	ov_noise_wipe(k, sizeof(k));
	return rc;
}

/* The psk into the chain after the response's DHs: msg.empty's key and hash. */
static int
mix_psk(struct ov_noise_hs *t, const struct ov_noise_peer *p, uint8_t k[OV_NOISE_KEY])
{
	uint8_t tau[HASH_LEN];
	int rc;

	rc = kdf(t->ck, p->psk, OV_NOISE_KEY, t->ck, tau, k);
	if (rc == 0)
		rc = mix_hash(t->h, tau, HASH_LEN);
	ov_noise_wipe(tau, sizeof(tau));
	return rc;
}

int
ov_noise_resp_make(struct ov_noise_hs *hs, const struct ov_noise_peer *p, uint32_t local, const uint8_t *cookie,
		   const uint8_t *e_priv, uint8_t msg[OV_NOISE_RESP_LEN], struct ov_noise_keys *k)
{
	struct ov_noise_keys nk = { .local = local, .remote = hs->remote };
	struct ov_noise_hs t;
	uint8_t key[OV_NOISE_KEY];
	int rc = -EIO;

	if (lib_init() < 0)
		return -EIO;
	t = *hs;
	put_le32(msg, OV_NOISE_MSG_RESP);
	put_le32(msg + 4, local);
	put_le32(msg + 8, t.remote);
	if (ephemeral(&t, e_priv) < 0)
		goto out;
	memcpy(msg + 12, t.e_pub, OV_NOISE_KEY);
	if (mix_dh(t.ck, NULL, t.e_priv, t.re) < 0 || mix_dh(t.ck, NULL, t.e_priv, t.rs) < 0 ||
	    mix_psk(&t, p, key) < 0 || seal(msg + 44, NULL, 0, key, t.h) < 0 ||
	    kdf(t.ck, "", 0, nk.recv, nk.send, NULL) < 0 ||
	    macs(msg, OV_NOISE_RESP_LEN, p->mac1_key, cookie) < 0)
		goto out;
	*k = nk;
	ov_noise_wipe(hs, sizeof(*hs));
	rc = 0;
out:
	ov_noise_wipe(&t, sizeof(t));
	ov_noise_wipe(&nk, sizeof(nk));
	ov_noise_wipe(key, sizeof(key));
	return rc;
}

int
ov_noise_resp_consume(struct ov_noise_hs *hs, const struct ov_noise_static *me, const struct ov_noise_peer *p,
		      const uint8_t msg[OV_NOISE_RESP_LEN], struct ov_noise_keys *k)
{
	struct ov_noise_keys nk = { .local = hs->local, .remote = get_le32(msg + 4) };
	const uint8_t *re = msg + 12;
	struct ov_noise_hs t;
	uint8_t key[OV_NOISE_KEY], empty[1];
	int rc;

	if (lib_init() < 0)
		return -EIO;
	if (get_le32(msg) != OV_NOISE_MSG_RESP || get_le32(msg + 8) != hs->local)
		return -EBADMSG;
	t = *hs;
	if ((rc = kdf(t.ck, re, OV_NOISE_KEY, t.ck, NULL, NULL)) < 0 ||
	    (rc = mix_hash(t.h, re, OV_NOISE_KEY)) < 0 ||
	    (rc = mix_dh(t.ck, NULL, t.e_priv, re)) < 0 || (rc = mix_dh(t.ck, NULL, me->priv, re)) < 0 ||
	    (rc = mix_psk(&t, p, key)) < 0 || (rc = unseal(empty, msg + 44, OV_NOISE_TAG, key, t.h)) < 0 ||
	    (rc = kdf(t.ck, "", 0, nk.send, nk.recv, NULL)) < 0)
		goto out;
	*k = nk;
	ov_noise_wipe(hs, sizeof(*hs));
out:
	ov_noise_wipe(&t, sizeof(t));
	ov_noise_wipe(&nk, sizeof(nk));
	ov_noise_wipe(key, sizeof(key));
	return rc;
}

/* Is the MAC @back bytes from the end of handshake message @msg that of what precedes it? */
static bool
mac_ok(const uint8_t *msg, size_t len, size_t back, const uint8_t *key, size_t klen)
{
	uint8_t m[MAC_LEN];

	if ((len != OV_NOISE_INIT_LEN && len != OV_NOISE_RESP_LEN) || lib_init() < 0 ||
	    keyed(false, key, klen, msg, len - back, m) < 0)
		return false;
	return CRYPTO_memcmp(m, msg + len - back, MAC_LEN) == 0;
}

bool
ov_noise_mac1_ok(const uint8_t *msg, size_t len, const uint8_t mac1_key[OV_NOISE_KEY])
{
	return mac_ok(msg, len, 2 * MAC_LEN, mac1_key, OV_NOISE_KEY);
}

bool
ov_noise_mac2_ok(const uint8_t *msg, size_t len, const uint8_t cookie[OV_NOISE_COOKIE])
{
	return mac_ok(msg, len, MAC_LEN, cookie, OV_NOISE_COOKIE);
}

void
ov_noise_cookie(const uint8_t secret[OV_NOISE_KEY], const uint8_t *addr, size_t addr_len,
		uint8_t cookie[OV_NOISE_COOKIE])
{
	/* no way to fail here: a cookie nobody can match instead */
	if (lib_init() < 0 || keyed(false, secret, OV_NOISE_KEY, addr, addr_len, cookie) < 0)
		randombytes_buf(cookie, OV_NOISE_COOKIE);
}

int
ov_noise_cookie_reply(const struct ov_noise_static *me, uint32_t receiver, const uint8_t mac1[16],
		      const uint8_t cookie[OV_NOISE_COOKIE], uint8_t msg[OV_NOISE_COOKIE_LEN])
{
	if (lib_init() < 0)
		return -EIO;
	put_le32(msg, OV_NOISE_MSG_COOKIE);
	put_le32(msg + 4, receiver);
	randombytes_buf(msg + 8, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	return crypto_aead_xchacha20poly1305_ietf_encrypt(msg + 32, NULL, cookie, OV_NOISE_COOKIE, mac1, MAC_LEN,
							  NULL, msg + 8, me->cookie_key) ? -EIO : 0;
}

int
ov_noise_cookie_consume(const struct ov_noise_peer *p, const uint8_t msg[OV_NOISE_COOKIE_LEN],
			const uint8_t mac1[16], uint8_t cookie[OV_NOISE_COOKIE])
{
	uint8_t c[OV_NOISE_COOKIE];
	int rc = -EBADMSG;

	if (lib_init() < 0)
		return -EIO;
	if (get_le32(msg) == OV_NOISE_MSG_COOKIE &&
	    crypto_aead_xchacha20poly1305_ietf_decrypt(c, NULL, NULL, msg + 32, OV_NOISE_COOKIE + OV_NOISE_TAG,
						       mac1, MAC_LEN, msg + 8, p->cookie_key) == 0) {
		memcpy(cookie, c, OV_NOISE_COOKIE);
		rc = 0;
	}
	ov_noise_wipe(c, sizeof(c));
	return rc;
}
