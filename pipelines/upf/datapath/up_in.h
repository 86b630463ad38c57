/* upf.in (up_in.c): GTP-U and N6 traffic to the upf's own endpoints, classified to its session. */
#ifndef UP_IN_H
#define UP_IN_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"

/* upf.in's per-worker bound on answers. */
void up_in_init(void);
/* upf.in: its fused path (G-PDUs of one N3 endpoint, the uplink through
 * upf.ul's work too) where the burst is of that shape, else the general
 * path. */
uint16_t pl_upf_in_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* What the fused path stands for (the check's and the autovalidator's
 * reference): upf.in's general path, then upf.ul on what it sends there,
 * upf.ul's edges as upf.in's UP_IN_EDGE_L3.. */
uint16_t pl_upf_in_ul_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The fused path: a burst of G-PDUs over IPv4 to one N3 endpoint of ours,
 * each passing upf.in's checks before its session, done here with the
 * uplink through upf.ul's work (next[] as pl_upf_in_ul_general leaves
 * it) and true; any other burst: nothing done, nothing counted, false. */
bool pl_upf_in_fused(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The autovalidator's planted bug: the fused path takes G-PDUs from
 * martian sources (which the general path drops). Never set in sxdp. */
extern bool pl_upf_in_fused_planted;

#endif
