/* switch.ingress's fused paths (sw_fast.c): with switch.l3 for a routed
 * port's common burst, with switch.l2 for an attached interface's. */
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
/* A burst of unicast frames between stations from one attached interface
 * (no meter, no qos classes), every source known here, every destination
 * a known port (not the frame's own) or a tunnel it may enter: ingress
 * and l2 done here, next[] and every per-packet field exactly as
 * switch.ingress then switch.l2 would leave them (l2's tunnel and session
 * edges as ingress's SW_IN_EDGE_L2_*), and true. Any other burst: nothing
 * done, nothing counted, false. */
bool pl_switch_fast_bridged(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The autovalidator's planted bugs, never set in sxdp: the routed fused
 * path takes frames from group source MACs, the bridged one sends frames
 * back out of their own port (both of which the general path drops). */
extern bool pl_switch_fast_planted, pl_switch_fast_bridged_planted;

#endif
