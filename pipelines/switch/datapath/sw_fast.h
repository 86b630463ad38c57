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

/* The fused path checked against the general one, the way OVS's
 * autovalidator checks its implementations: each burst it takes is first
 * copied (data, dp_meta, the switch's field), the copies go through
 * switch.ingress's general path (ingress_general: sw_ingress.c's) then
 * switch.l3's with nothing counted, and
 * every packet's next, dp_meta, switch field and frame must come out the
 * same, or sxdp logs the difference and aborts. On while pl_sw_fast_check
 * is set: at init, from the environment (SXDP_FAST_CHECK=1; the packet
 * tests run with it), never for speed. Bursts with qos classes skip the
 * check (the copies would be metered twice). */
extern bool pl_sw_fast_check;
bool pl_switch_fast_checked(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next,
			    dp_stage_fn ingress_general);

#endif
