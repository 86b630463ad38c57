/* ov_noise: WireGuard's handshake (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s), its cookies and its messages' MACs, as the whitepaper's section 5 gives them. */
/*
 * Pure: no sockets, no timers, no state beyond what the caller holds; the
 * clock and the indices are the caller's. Every secret is in memory the
 * caller gives (sxcd's is locked and kept out of core dumps); what is
 * derived on the way is wiped before a call returns. Any message that
 * fails a check leaves the caller's handshake as it was.
 *
 * The crypto is the libraries': X25519 and the AEADs (ChaCha20-Poly1305,
 * XChaCha20-Poly1305) are libsodium's, BLAKE2s, its MAC and HMAC OpenSSL's.
 * Indices are carried as WireGuard puts them on the wire (little endian);
 * the API takes and gives them in host order.
 */
#ifndef OV_NOISE_H
#define OV_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OV_NOISE_KEY		32
#define OV_NOISE_INIT_LEN	148	/* handshake initiation */
#define OV_NOISE_RESP_LEN	92	/* handshake response */
#define OV_NOISE_COOKIE_LEN	64	/* cookie reply */
#define OV_NOISE_DATA_HDR	16	/* transport data: type, reserved, receiver, counter */
#define OV_NOISE_TAG		16
#define OV_NOISE_TAI64N		12
#define OV_NOISE_COOKIE		16

enum { OV_NOISE_MSG_INIT = 1, OV_NOISE_MSG_RESP = 2, OV_NOISE_MSG_COOKIE = 3, OV_NOISE_MSG_DATA = 4 };

/* The box's static key, and what is derived from its public half once. */
struct ov_noise_static {
	uint8_t priv[OV_NOISE_KEY], pub[OV_NOISE_KEY];
	uint8_t mac1_key[OV_NOISE_KEY];		/* HASH(LABEL_MAC1 || pub): what peers' messages to us are MAC'd with */
	uint8_t cookie_key[OV_NOISE_KEY];	/* HASH(LABEL_COOKIE || pub): what our cookie replies are sealed with */
};

/* A peer: its public key, the pre-shared key (all zero: none), and what
 * is derived from them once. */
struct ov_noise_peer {
	uint8_t pub[OV_NOISE_KEY], psk[OV_NOISE_KEY];
	uint8_t ss[OV_NOISE_KEY];		/* DH(our static, its static) */
	uint8_t mac1_key[OV_NOISE_KEY];		/* HASH(LABEL_MAC1 || its pub) */
	uint8_t cookie_key[OV_NOISE_KEY];	/* HASH(LABEL_COOKIE || its pub) */
};

/* One handshake under way (either role). */
struct ov_noise_hs {
	uint8_t h[32], ck[32];
	uint8_t e_priv[OV_NOISE_KEY], e_pub[OV_NOISE_KEY];	/* ours */
	uint8_t re[OV_NOISE_KEY];				/* the other side's ephemeral */
	uint8_t rs[OV_NOISE_KEY];				/* responder: the initiator's static */
	uint32_t local, remote;					/* indices, host order */
};

/* A session's transport keys. */
struct ov_noise_keys {
	uint8_t send[OV_NOISE_KEY], recv[OV_NOISE_KEY];
	uint32_t local, remote;		/* ours (what the peer puts in its data's receiver field), its */
};

/* A new X25519 key pair: 0 or -EIO. */
int ov_noise_keypair(uint8_t priv[OV_NOISE_KEY], uint8_t pub[OV_NOISE_KEY]);
/* @s from its private key @priv: 0 or -EIO. */
int ov_noise_static_init(struct ov_noise_static *s, const uint8_t priv[OV_NOISE_KEY]);
/* @p for the peer whose public key is @pub, with pre-shared key @psk (NULL:
 * none): 0, or -EINVAL (a low-order key: no shared secret). */
int ov_noise_peer_init(struct ov_noise_peer *p, const struct ov_noise_static *me, const uint8_t pub[OV_NOISE_KEY],
		       const uint8_t *psk);

/* TAI64N of @unix_ns (seconds since 1970 and nanoseconds), as the
 * initiation carries it. */
void ov_noise_tai64n(uint64_t unix_ns, uint8_t out[OV_NOISE_TAI64N]);

/* Initiator: the initiation @msg to @p, our index @local, timestamp @tai,
 * mac1 set, mac2 from @cookie (NULL: zero). @e_priv: the ephemeral key
 * (NULL: a fresh one; tests give one). 0 or -EIO. */
int ov_noise_init_make(struct ov_noise_hs *hs, const struct ov_noise_static *me, const struct ov_noise_peer *p,
		       uint32_t local, const uint8_t tai[OV_NOISE_TAI64N], const uint8_t *cookie,
		       const uint8_t *e_priv, uint8_t msg[OV_NOISE_INIT_LEN]);
/* Responder: an initiation @msg (its mac1 already checked) opened: the
 * initiator's static key (hs->rs) and its timestamp in @tai. 0, or
 * -EBADMSG (it does not open). The caller finds the peer by hs->rs and
 * refuses a timestamp not newer than that peer's last. */
int ov_noise_init_consume(struct ov_noise_hs *hs, const struct ov_noise_static *me,
			  const uint8_t msg[OV_NOISE_INIT_LEN], uint8_t tai[OV_NOISE_TAI64N]);
/* Responder: the response @msg to @p (mac1 set, mac2 from @cookie or zero)
 * and the session's keys; @hs wiped. 0 or -EIO. */
int ov_noise_resp_make(struct ov_noise_hs *hs, const struct ov_noise_peer *p, uint32_t local, const uint8_t *cookie,
		       const uint8_t *e_priv, uint8_t msg[OV_NOISE_RESP_LEN], struct ov_noise_keys *k);
/* Initiator: the response @msg (mac1 checked; its receiver field is
 * hs->local, the caller found hs by it) opened into the session's keys;
 * @hs wiped. 0, or -EBADMSG (and @hs as it was). */
int ov_noise_resp_consume(struct ov_noise_hs *hs, const struct ov_noise_static *me, const struct ov_noise_peer *p,
			  const uint8_t msg[OV_NOISE_RESP_LEN], struct ov_noise_keys *k);

/* Is the mac1 of handshake message @msg (@len: 148 or 92) right for the
 * receiver whose HASH(LABEL_MAC1 || pub) is @mac1_key? */
bool ov_noise_mac1_ok(const uint8_t *msg, size_t len, const uint8_t mac1_key[OV_NOISE_KEY]);
/* Is its mac2 right for @cookie? */
bool ov_noise_mac2_ok(const uint8_t *msg, size_t len, const uint8_t cookie[OV_NOISE_COOKIE]);
/* Responder: the cookie of an initiator at @addr (its address and port as
 * bytes) under the secret @secret (changed every two minutes). */
void ov_noise_cookie(const uint8_t secret[OV_NOISE_KEY], const uint8_t *addr, size_t addr_len,
		     uint8_t cookie[OV_NOISE_COOKIE]);
/* Responder under load: the cookie reply @msg to the message whose sender
 * index is @receiver and whose mac1 is @mac1. 0 or -EIO. */
int ov_noise_cookie_reply(const struct ov_noise_static *me, uint32_t receiver, const uint8_t mac1[16],
			  const uint8_t cookie[OV_NOISE_COOKIE], uint8_t msg[OV_NOISE_COOKIE_LEN]);
/* Initiator: the cookie in reply @msg from @p to our message whose mac1
 * was @mac1. 0, or -EBADMSG. */
int ov_noise_cookie_consume(const struct ov_noise_peer *p, const uint8_t msg[OV_NOISE_COOKIE_LEN],
			    const uint8_t mac1[16], uint8_t cookie[OV_NOISE_COOKIE]);

/* Wipe @n bytes at @p (never optimised away). */
void ov_noise_wipe(void *p, size_t n);

#endif
