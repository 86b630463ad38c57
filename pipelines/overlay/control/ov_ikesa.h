/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikesa: the ov_ike engine's insides its files share: an IKE SA, a peer, the engine, and the helpers of ov_ike.c the rekeys (ov_ikerekey.c) send and choose with; not for the engine's users (ov_ike.h). */
/*
 * The engine is one state machine in three files: ov_ike.c (IKE_SA_INIT,
 * IKE_AUTH, INFORMATIONAL, input, time, peers), ov_ikerekey.c
 * (CREATE_CHILD_SA) and ov_ikeauth.c (IDs and AUTH). What they hand one
 * another is here; each file's own steps stay static in it. It includes
 * ov_iketypes.h, not ov_ike.h: ov_ike.c includes it, and ov_ike.h back
 * would be a circle (meson test include-circles).
 */
#ifndef OV_IKESA_H
#define OV_IKESA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_iketypes.h"

enum sa_state { SA_INIT_SENT, SA_WAIT_AUTH, SA_AUTH_SENT, SA_UP, SA_GONE };

/* One IKE SA and its Child SA (in locked memory: its keys are in it). */
struct ike_sa {
	uint64_t spi_i, spi_r;
	bool initiator;
	enum sa_state st;
	uint16_t dh_group;
	unsigned int aes_bits;
	struct ov_ike_dh *dh;
	uint8_t pub[OV_IKE_DH_MAX];			/* ours, while the exchange is under way */
	uint8_t ni[OV_IKE_NONCE], nr[OV_IKE_NONCE];	/* the peer's may be shorter or longer: bounded */
	uint8_t pn[256];				/* the peer's nonce as it sent it */
	size_t pn_len;
	struct ov_ike_keys k;
	uint8_t msg1[OV_IKE_MSG_MAX], msg2[OV_IKE_MSG_MAX];	/* the two IKE_SA_INIT messages (AUTH covers them) */
	size_t msg1_len, msg2_len;
	uint8_t cookie[256];				/* a responder's cookie to send back (0: none) */
	size_t cookie_len;
	/* our requests: the next's ID, the one out (sent again until answered) */
	uint32_t req_id;
	uint8_t req[OV_IKE_MSG_MAX];
	size_t req_len;
	bool req_out;
	unsigned int tries;
	uint64_t req_at, wait_ms;
	bool dpd_out;					/* the request out is a liveness check */
	/* the peer's requests: the next's ID, our last response */
	uint32_t peer_id;
	uint8_t resp[OV_IKE_MSG_MAX];
	size_t resp_len;
	uint64_t iv;					/* the SK payloads' IVs */
	uint64_t heard_at;				/* the last message from the peer */
	bool natt;					/* on port 4500 (a NAT, or encapsulation asked for) */
	uint8_t raddr[16];				/* the peer's address (a NAT's), and its port: */
	uint16_t rport;					/* its last authenticated message's */
	struct ov_ike_child child;
	bool child_up;
	uint64_t up_at, child_at;			/* when it, and its Child SA, came up (rekeys are timed from them) */
	/* our CREATE_CHILD_SA under way: the Child SA's rekey or the IKE SA's */
	enum { CK_NONE, CK_CHILD, CK_IKE } ck;
	struct ov_ike_dh *ck_dh;
	uint8_t ck_pub[OV_IKE_DH_MAX], ck_nonce[OV_IKE_NONCE];
	uint32_t ck_spi;				/* the new Child SA's inbound SPI */
	uint64_t ck_ike_spi;				/* the new IKE SA's SPI of ours */
	uint64_t retry_at;				/* a rekey the peer put off: not before then */
	/* a responder's rekeyed Child SA: in at once, out once the peer deleted the old one */
	struct ov_ike_child pend;
	bool pend_live;
	uint64_t pend_at;
	/* Child SAs replaced: said down at their time (what was on its way gets in) */
	struct { struct ov_ike_child c; uint64_t at; bool live; } old[2];
};

struct ov_ike_peer {
	struct ov_ike_peer *next;
	struct ov_ike *e;
	struct ov_ike_conf c;		/* its PSKs in locked memory: psk below */
	uint8_t *psk;			/* ours, then at OV_IKE_PSK_MAX the other one the peer may use */
	struct ike_sa *sa;		/* the IKE SA (a message of a half-open one is handled with it here) */
	/* a responder's new IKE SA until its IKE_AUTH verifies: the one in use
	 * stays meanwhile, so a forged IKE_SA_INIT in the peer's name ends nothing */
	struct ike_sa *half;
	struct ike_sa *kept;		/* while a half-open SA's message is handled: the one in use */
	struct ike_sa *old_ike;		/* an IKE SA rekeyed: until its Delete is said and answered */
	bool trial;			/* ... so: sa is the half-open one */
	const char *state;
	uint64_t start_at;		/* the starting side's next start (0: now) */
	bool rekey_now;			/* an operator's: the Child SA rekeyed as soon as nothing else is under way */
};

struct ov_ike {
	struct ov_ike_ops ops;
	struct ov_ike_peer *peers;
	struct ov_ike_stats st;
	/* cookies (2.6): past OV_IKE_LOAD IKE_SA_INITs a second, one is answered
	 * only if it returns a cookie of ours, made with a secret renewed every
	 * OV_IKE_COOKIE_MS (the one before taken too) */
	uint8_t secret[32], secret_prev[32];
	uint64_t secret_at;
	uint64_t load_sec, load_count;	/* the second counted, IKE_SA_INITs in it */
	uint64_t load_until;		/* under load until then */
};

/* A random 64-bit value, never 0 (an SPI); no randomness aborts. */
uint64_t ov_ikesa_rand64(void);
/* A message @e refused, counted under @r. */
void ov_ikesa_drop(struct ov_ike *e, enum ov_ike_reason r);

/* A new IKE SA of @p's (its proposal, the peer's address), in locked memory; NULL: none. */
struct ike_sa *ov_ikesa_new(struct ov_ike_peer *p, bool initiator);
/* @sa let go (its Child SA said down). */
void ov_ikesa_free(struct ov_ike_peer *p, struct ike_sa *sa);

/* @msg to the peer at @sa's address and port for it (from our 4500 once NAT-T). */
void ov_ikesa_send(struct ov_ike_peer *p, const struct ike_sa *sa, const uint8_t *msg, size_t len);
/* A request of ours out, kept to be sent again until answered. */
void ov_ikesa_request_out(struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint64_t now_ms);
/* An encrypted message of @exch: the chain in @inner (built with
 * ov_ike_chain_start) sealed into an SK payload. Its length in @out, or -errno. */
int ov_ikesa_seal_msg(struct ike_sa *sa, uint8_t exch, bool response, uint32_t msgid, struct ov_ike_buf *inner,
		      uint8_t *out);
/* An encrypted response to the peer's request @msgid of @exch: one notify, or the @inner chain. */
void ov_ikesa_answer_sealed(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, struct ov_ike_buf *inner);
void ov_ikesa_answer_notify(struct ov_ike_peer *p, uint8_t exch, uint32_t msgid, uint16_t type);
/* An INFORMATIONAL request of ours on @p's IKE SA: the chain in @inner. */
void ov_ikesa_info_send(struct ov_ike_peer *p, struct ov_ike_buf *inner, uint64_t now_ms);

/* Our IKE proposal's transforms into @xf: their number. */
int ov_ikesa_ike_xfs(const struct ike_sa *sa, uint16_t prf, struct ov_ike_xf *xf);
/* The first proposal of @offer of protocol @proto with our cipher and, for
 * ESP, our DH group (PFS: one without is not taken): its index, or -1. */
int ov_ikesa_choose_rekey(const struct ov_ike_sa *offer, const struct ov_ike_peer *p, const struct ike_sa *sa,
			  uint8_t proto, bool *esn);
/* Do the selectors @tsi/@tsr cover the two VTEPs (the initiator's first)? */
bool ov_ikesa_ts_ok(const struct ov_ike_msg *m, const uint8_t *init_addr, const uint8_t *resp_addr);
/* The selectors, @init_ts the exchange's initiator's side: each one
 * address, all protocols and ports, of its family. */
void ov_ikesa_put_ts(struct ov_ike_buf *b, const uint8_t *init_ts, const uint8_t *resp_ts);
/* The KE's public value of @m, checked against our group: NULL when none or not it. */
const uint8_t *ov_ikesa_ke_of(const struct ov_ike_msg *m, uint16_t group, size_t *len, uint16_t *got);

#endif
