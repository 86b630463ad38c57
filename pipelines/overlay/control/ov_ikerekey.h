/* SPDX-License-Identifier: BSD-3-Clause */
/* ov_ikerekey: the ov_ike engine's CREATE_CHILD_SA exchanges (RFC 7296 1.3.2, 1.3.3, 2.17, 2.18): its Child SA or IKE SA rekeyed with a fresh DH by either side, make-before-break (ov_ike.h says how); ov_ike.c times them and hands them their messages. */
#ifndef OV_IKEREKEY_H
#define OV_IKEREKEY_H

#include <stdbool.h>
#include <stdint.h>

struct ike_sa;
struct ov_ike;
struct ov_ike_child;
struct ov_ike_msg;
struct ov_ike_peer;

/* How long @sa's Child SA (@ike: the IKE SA) lives before this side rekeys
 * it: the side that did not start the IKE SA a quarter more, so that the
 * other's rekey comes first and the two seldom cross. */
uint64_t ov_ikerekey_life_of(const struct ov_ike_peer *p, const struct ike_sa *sa, bool ike);
/* Our rekey of the Child SA (1.3.3: REKEY_SA, an ESP proposal with the DH
 * group, Ni, KEi, the selectors) or of the IKE SA (1.3.2: an IKE proposal
 * with our new SPI, Ni, KEi). */
void ov_ikerekey_send(struct ov_ike_peer *p, bool ike, uint64_t now_ms);
/* The peer's CREATE_CHILD_SA: a rekey of the Child SA or of the IKE SA
 * (another Child SA is not taken: NO_ADDITIONAL_SAS). */
void ov_ikerekey_answer(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms);
/* Our CREATE_CHILD_SA answered: the new Child SA (in and out at once, the
 * old one deleted) or the new IKE SA (the old one deleted); put off or
 * refused: tried again later. */
void ov_ikerekey_answered(struct ov_ike *e, struct ov_ike_peer *p, const struct ov_ike_msg *m, uint64_t now_ms);
/* The rekeyed Child SA @c in use: the one before retired. */
void ov_ikerekey_child_replace(struct ov_ike_peer *p, struct ike_sa *sa, const struct ov_ike_child *c,
			       uint64_t now_ms);

#endif
