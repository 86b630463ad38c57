/* upf.n6 and upf.dl (up_dl.c): the downlink, routed in from N6 or from the anchor. */
#ifndef UP_DL_H
#define UP_DL_H

#include <stdint.h>
#include "dp_feature.h"

uint16_t pl_upf_n6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
uint16_t pl_upf_dl_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* upf.dl's two paths: each packet's outer headers composed (general), or
 * copied from its peer's template where the worker's memo holds one
 * (fast: takes every burst); pl_upf_dl_burst runs fast, checked against
 * general when SXDP_FAST_CHECK is set. */
uint16_t pl_upf_dl_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
bool pl_upf_dl_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
