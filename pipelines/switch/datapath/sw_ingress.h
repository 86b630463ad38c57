/* switch.ingress (sw_ingress.c): interfaces to slices and bridge domains, MAC learning. */
#ifndef SW_INGRESS_H
#define SW_INGRESS_H

#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_ingress_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				 uint16_t *next);
/* The same without the fused paths (sw_fast.c). */
uint16_t pl_switch_ingress_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				   uint16_t *next);
/* What the fused path stands for: switch.ingress's general path, then
 * switch.l3 on what it sends there, L3's edges as ingress's (the fused
 * path's run-time check, dp_fastcheck.h, and the autovalidator run it). */
uint16_t pl_switch_routed_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The bridged fused path's: switch.ingress's general path, then switch.l2
 * on what it sends there, l2's edges as ingress's. */
uint16_t pl_switch_bridged_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
