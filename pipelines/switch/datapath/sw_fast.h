/* The routed port's fused path (sw_fast.c): switch.ingress and switch.l3
 * in one pass for the common burst. */
#ifndef SW_FAST_H
#define SW_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"

/* A burst of IPv4 unicast from one routed port (one interface, no meter),
 * every frame to the port's MAC from a station: ingress and L3 done here,
 * next[] and every per-packet field exactly as switch.ingress then
 * switch.l3 would leave them (L3's edges as ingress's SW_IN_EDGE_L3_*),
 * and true. Any other burst: nothing done, nothing counted, false (the
 * general path takes it). */
bool pl_switch_fast_routed(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The autovalidator's planted bug: the fused path takes frames from group
 * source MACs (which the general path drops). Never set in sxdp. */
extern bool pl_switch_fast_planted;

#endif
