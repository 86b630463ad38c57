/* overlay.wan (ov_decap.c): WAN ports' packets, decapsulated into the
 * slice's bridge domain or VRF, or handed to the switch as underlay. */
#ifndef OV_DECAP_H
#define OV_DECAP_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"

/* overlay.wan's per-worker memo: 0, -ENOMEM. */
int ov_decap_init(unsigned int workers);
void ov_decap_fini(void);
/* The stage: each worker's memos (the (VTEP, VNI, peer) triples that
 * passed, the inner sources the fdb knows) are its specialised path;
 * with SXDP_FAST_CHECK set, a burst of tunnel datagrams and underlay
 * packets in clear is checked against pl_overlay_wan_general, the same
 * stage with neither memo (every datagram through the checks in order). */
uint16_t pl_overlay_wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t *next);
uint16_t pl_overlay_wan_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				uint16_t *next);
/* The memos' path, on a burst of that shape (true), else nothing (false). */
bool pl_overlay_wan_memo(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The autovalidator's test hook: a bug planted on purpose (a datagram of
 * a triple the memo knows is let in with a bad outer checksum). */
extern bool pl_overlay_wan_memo_planted;

#endif
