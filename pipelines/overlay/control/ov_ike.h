/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ike: IKEv2 (RFC 7296) for an ESP peer: IKE SAs started and answered, Child SAs negotiated and handed to whoever installs them, retransmissions, dead peer detection; over a caller's transport and clock. */
/*
 * The engine knows no socket, no timer and no dataplane: a datagram comes
 * in through ov_ike_input, time through ov_ike_tick, and what it decides
 * goes out through the caller's ops (send a datagram; a Child SA is up,
 * or down; a peer's state changed). sxcd runs it over sxdp's ports (the
 * IKE datagrams to a local VTEP handed up, the Child SAs' ESP in the fast
 * path); a test runs it over a kernel socket against strongSwan.
 *
 * What it speaks (each the RFC's MUST, and what strongSwan and the
 * commercial gateways offer by default or on request): IKE_SA_INIT with
 * one proposal (AES-GCM-16 128 or 256, HMAC-SHA2-256/384/512 as PRF,
 * Curve25519, ECP-256 or MODP-2048), IKE_AUTH with a pre-shared key, one
 * Child SA per IKE SA (ESP, AES-GCM-16, tunnel mode, the selectors the two
 * VTEPs' addresses: what the overlay's datagrams carry), over IPv4 or IPv6
 * (the VTEPs' family: ID_IPV4_ADDR or ID_IPV6_ADDR, TS_IPV4_ADDR_RANGE or
 * TS_IPV6_ADDR_RANGE, the NAT_DETECTION hashes over the 4 or 16 bytes; a
 * selector of the other family is not the path's), CREATE_CHILD_SA
 * rekeys by either side (the Child SA's with REKEY_SA and a fresh DH of the
 * IKE SA's group, PFS: a peer's offer without one is not taken; the IKE
 * SA's, its keys from the old SK_d and a fresh DH, the Child SA moving to
 * it), make-before-break: the rekey's initiator seals with the new SA once
 * answered and deletes the old; its responder takes the new at once but
 * seals with it only once the old is deleted (or OV_IKE_PEND_MS passed); a
 * replaced SA's inbound half stays OV_IKE_GRACE_MS; two rekeys crossing:
 * the one the responder has under way goes first, the other is answered
 * TEMPORARY_FAILURE and tried again in a few seconds. Then the INFORMATIONAL
 * exchange (liveness checks: dead peer detection; Delete of the IKE SA or a
 * Child SA), NAT traversal (2.23: a NAT found by the NAT_DETECTION hashes,
 * or encapsulation asked for, moves the IKE SA to port 4500 and its Child
 * SA into UDP; the peer's port is where its last authenticated message
 * came from), cookies under load (2.6: past OV_IKE_LOAD IKE_SA_INITs a
 * second one goes on only with a cookie of ours, so a flood from spoofed
 * sources costs no state and no DH). Each side's requests are numbered and
 * sent again on a doubling timer until answered (OV_IKE_TRIES); a request
 * seen again gets the same response again. A responder's new IKE SA is
 * half-open until its IKE_AUTH verifies, the peer's SA in use going on
 * meanwhile (a forged IKE_SA_INIT in its name ends nothing; the new Child
 * SA is up before the old one goes). An IKE SA one side gives up on is
 * gone with its Child SA: the starting side starts again after
 * OV_IKE_RESTART_MS.
 *
 * Nothing secret leaves: the keys are in memory that is locked, kept out
 * of core dumps and wiped when let go (ov_keyfile_secure); a Child SA's
 * keys are handed to ops->child_up and nowhere else (no log line names
 * one). Every message dropped is counted under a reason of
 * OV_IKE_REASONS.
 */
#ifndef OV_IKE_H
#define OV_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ov_iketypes.h"

extern const char *const ov_ike_reason_name[OV_IKE_R_MAX];

struct ov_ike *ov_ike_new(const struct ov_ike_ops *ops);
/* Every IKE SA let go (nothing sent; their Child SAs said down). */
void ov_ike_free(struct ov_ike *e);

/* A peer (@c copied); the starting side starts at the next tick. 0, -EINVAL
 * (its addresses not of one family among them) or -ENOMEM. */
int ov_ike_peer_add(struct ov_ike *e, const struct ov_ike_conf *c, struct ov_ike_peer **out);
/* Its IKE SA deleted (a Delete sent when established) and let go. */
void ov_ike_peer_del(struct ov_ike *e, struct ov_ike_peer *p, uint64_t now_ms);
/* Its timers and PSKs as @c has them (which side starts, the liveness
 * checks, the lifetimes; a PSK takes at the next IKE_AUTH), changed in
 * place: the IKE SA in use goes on. */
void ov_ike_peer_tune(struct ov_ike_peer *p, const struct ov_ike_conf *c);
/* Its Child SA rekeyed now (a fresh DH), make-before-break, once no other
 * exchange is under way (an IKE SA not up yet: nothing). */
void ov_ike_rekey_now(struct ov_ike_peer *p);
const char *ov_ike_peer_name(const struct ov_ike_peer *p);
/* Its state: "connecting", "established" or "down". */
const char *ov_ike_peer_state(const struct ov_ike_peer *p);

/* A datagram from @src:@sport to our @dst:@dport (addresses as conf.local;
 * the non-ESP marker taken off). */
void ov_ike_input(struct ov_ike *e, const uint8_t src[16], uint16_t sport, const uint8_t dst[16], uint16_t dport,
		  const uint8_t *buf, size_t len, uint64_t now_ms);
/* Time: retransmissions, liveness checks, starts. */
void ov_ike_tick(struct ov_ike *e, uint64_t now_ms);

const struct ov_ike_stats *ov_ike_stats(const struct ov_ike *e);

#endif
