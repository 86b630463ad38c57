/* upf.n6 and upf.dl (up_dl.c): the downlink, routed in from N6 or from the anchor. */
#ifndef UP_DL_H
#define UP_DL_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"

/* upf.n6: its fused path (upf.dl's work too) takes every burst. */
uint16_t pl_upf_n6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
uint16_t pl_upf_dl_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* upf.dl's work on pkts[sel[j]], j < ns (their sessions found): next[sel[j]]
 * set, its edge edge0 + UP_DL_EDGE_L3V6 (0: upf.dl's own). */
void up_dl_run(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *sel, unsigned int ns, uint16_t *next,
	       uint16_t edge0);
/* The fused path: upf.n6 then upf.dl's work in one walk (true: it takes
 * every burst). */
bool pl_upf_n6_fused(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The autovalidator's planted bug: the fused path's edge to the switch one
 * off (upf.dl's own: an IPv6 peer's packets go round). Never set in sxdp. */
extern bool pl_upf_n6_fused_planted;
/* What it stands for (the run-time check's and the autovalidator's
 * reference): upf.n6's general path, then upf.dl's stage on what it sends
 * there, upf.dl's edge as upf.n6's UP_N6_EDGE_L3V6. */
uint16_t pl_upf_n6_dl_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
