/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_iketypes: the ov_ike engine's bounds and types (a peer's configuration, a Child SA, the caller's ops, the counters, the reasons a message is dropped), in a header that includes nothing of the engine so that its insides (ov_ikesa.h) and its users (ov_ike.h) share them without a circle. */
#ifndef OV_IKETYPES_H
#define OV_IKETYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_ikecert.h"
#include "ov_ikecrypto.h"
#include "ov_ikemsg.h"

#define OV_IKE_PORT		500
#define OV_IKE_NATT_PORT	4500
#define OV_IKE_TRIES		6	/* a request sent this many times, then the IKE SA is given up */
#define OV_IKE_RETRY_MS		500	/* the first wait for an answer, doubled each time */
#define OV_IKE_RESTART_MS	5000	/* the starting side starts again this long after an IKE SA went */
#define OV_IKE_MSG_MAX		4096	/* a message this box sends or takes */
#define OV_IKE_ID_MAX		128
#define OV_IKE_PSK_MAX		128
#define OV_IKE_NONCE		32
#define OV_IKE_LOAD		20	/* IKE_SA_INITs a second past which a cookie is asked for (2.6) */
#define OV_IKE_COOKIE_MS	120000	/* the cookies' secret renewed this often (the one before taken too) */
#define OV_IKE_COOKIE_LEN	17	/* a version byte, 16 of an HMAC-SHA256 */
#define OV_IKE_CHILD_LIFE_MS	3600000	/* a Child SA's life before its rekey (strongSwan's rekey_time) */
#define OV_IKE_LIFE_MS		14400000	/* an IKE SA's */
#define OV_IKE_GRACE_MS		2000	/* a replaced Child SA's inbound SA kept for what was on its way */
#define OV_IKE_PEND_MS		5000	/* a responder's rekeyed Child SA sends after this even if the old is not deleted */

/* Why a datagram changed nothing: each counted by name. */
#define OV_IKE_REASONS(X) \
	X(malformed,		"a message that does not parse (a length, a payload)") \
	X(unknown_peer,		"an IKE_SA_INIT from an address no peer has") \
	X(unknown_spi,		"a message for an IKE SA this box does not have") \
	X(bad_message_id,	"a request or response out of its exchange's order") \
	X(decrypt_failed,	"an encrypted payload whose ICV does not verify") \
	X(no_proposal,		"no proposal this box takes (answered NO_PROPOSAL_CHOSEN)") \
	X(bad_ke,		"a KE of another group (answered INVALID_KE_PAYLOAD) or a bad public value") \
	X(auth_failed,		"an AUTH that does not verify, or an ID not the peer's (answered AUTHENTICATION_FAILED)") \
	X(untrusted_cert,	"a certificate no trust anchor of ours vouches for, or not of the peer's ID") \
	X(ts_unacceptable,	"traffic selectors without the two VTEPs (answered TS_UNACCEPTABLE)") \
	X(refused,		"the peer refused (a notify of an error)") \
	X(unexpected,		"a message this side does not take in its state")

enum ov_ike_reason {
#define OV_IKE_R_ENUM(n, d) OV_IKE_R_##n,
	OV_IKE_REASONS(OV_IKE_R_ENUM)
#undef OV_IKE_R_ENUM
	OV_IKE_R_MAX
};

struct ov_ike;
struct ov_ike_peer;

/* One peer (a gateway): its address, identities, key and proposal. */
struct ov_ike_conf {
	char name[64];
	/* the VTEPs, one family: IPv4 mapped (::ffff:a.b.c.d, ov_ike_addr_v4)
	 * or IPv6, network order; the IKE SA runs over their family */
	uint8_t local[16], remote[16];
	uint8_t id_type;		/* ours: 0 is @local's address (ID_IPV4_ADDR or ID_IPV6_ADDR) */
	uint8_t id[OV_IKE_ID_MAX];
	size_t id_len;
	uint8_t rid_type;		/* the peer's expected: 0 is @remote's address */
	uint8_t rid[OV_IKE_ID_MAX];
	size_t rid_len;
	uint8_t psk[OV_IKE_PSK_MAX];	/* copied into locked memory */
	size_t psk_len;
	/* another the peer may know us by (a rotation of the key it is made
	 * of under way): its AUTH taken with either, ours made with the other
	 * after the peer refused one (0: none) */
	uint8_t psk_alt[OV_IKE_PSK_MAX];
	size_t psk_alt_len;
	/* NULL: the PSK authenticates; else certificates (RFC 7427 signatures):
	 * ours, our key and the anchors we trust (the caller's: alive while
	 * the peer is) */
	struct ov_ikecert *cert;
	uint16_t dh, prf;		/* 0: Curve25519, HMAC-SHA2-256 */
	unsigned int aes_bits;		/* 0: 256 */
	/* the Child SA's selectors, the VTEPs (as @local; all zero: @local,
	 * @remote), of @local's family */
	uint8_t ts_local[16], ts_remote[16];
	bool start;			/* this side starts (the other answers) */
	bool encap;			/* UDP-encapsulate (port 4500) even without a NAT between (RFC 3948); the
					 * peer may be behind a NAT: its messages taken from any address when it is
					 * the one such peer of @local */
	unsigned int dpd_ms;		/* a liveness check after this long without a message (0: none) */
	/* the Child SA rekeyed (a fresh DH: PFS) after this long, the IKE SA
	 * after ike_life_ms (0: OV_IKE_CHILD_LIFE_MS, OV_IKE_LIFE_MS); the
	 * side that did not start the IKE SA waits a quarter more, so the two
	 * seldom cross */
	unsigned int child_life_ms, ike_life_ms;
};

/* A Child SA: ESP, AES-GCM-16, its keys with their 4-byte salt. */
struct ov_ike_child {
	uint32_t spi_in, spi_out;	/* host order */
	uint8_t key_in[OV_IKE_KEY_MAX], key_out[OV_IKE_KEY_MAX];
	size_t key_len;			/* 20 or 36 */
	bool esn;
	bool encap;			/* UDP-encapsulated: from our 4500 to the peer's @encap_port */
	uint16_t encap_port;
	/* the inbound SA alone for now: a responder's rekeyed Child SA sends
	 * nothing until the peer deleted the one it replaces (child_up comes
	 * again, this false, for the outbound) */
	bool in_only;
};

struct ov_ike_ops {
	/* @msg to the peer at @dst:@dport (@dst 16 bytes as conf.remote, of
	 * its family: where its last message came from, a NAT's when one is
	 * between), from our @sport (4500: the caller puts the non-ESP marker
	 * before it) */
	void (*send)(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport,
		     const uint8_t dst[16], uint16_t dport);
	/* A fresh inbound SPI (not 0, unique among the caller's SAs). */
	uint32_t (*spi)(void *ctx, struct ov_ike_peer *p);
	void (*child_up)(void *ctx, struct ov_ike_peer *p, const struct ov_ike_child *c);
	void (*child_down)(void *ctx, struct ov_ike_peer *p, uint32_t spi_in, uint32_t spi_out);
	/* The peer's IKE SA is @state ("connecting", "established", "down"), @why (NULL: none). */
	void (*state)(void *ctx, struct ov_ike_peer *p, const char *state, const char *why);
	void *ctx;
};

struct ov_ike_stats {
	uint64_t in, out, retransmits, established, deleted, dead;
	uint64_t rekeys;		/* Child SAs and IKE SAs rekeyed (CREATE_CHILD_SA, either side) */
	uint64_t refused_new;		/* a new IKE SA in the peer's name that did not authenticate (the one in use kept) */
	uint64_t cookies_sent;		/* IKE_SA_INITs answered with a cookie, under load */
	uint64_t drop[OV_IKE_R_MAX];
};

#endif
