/* switch.l2 (sw_l2.c): the fdb: bridge, flood, or route. */
#ifndef SW_L2_H
#define SW_L2_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"
#include "sw_state.h"

/* May a frame from @from (0: a port; a tunnel; an attached endpoint) go
 * into tunnel or attached endpoint @to? Never back where it came from,
 * and from a tunnel into no other tunnel (split horizon: the peer sites
 * flood their own). */
static inline bool
pl_switch_may_enter(uint32_t from, uint32_t to)
{
	if (to == from)
		return false;
	return from == 0 || (from & SW_TUN_ATTACHED) || (to & SW_TUN_ATTACHED);
}

/* l2's edge into tunnel or attached endpoint @to. */
static inline uint16_t
pl_switch_tunnel_edge(uint32_t to)
{
	return DP_NEXT_EDGE((to & SW_TUN_ATTACHED) ? SW_L2_EDGE_SESSION : SW_L2_EDGE_ENCAP);
}
uint16_t pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* The frames of the burst bridged to one known port (bit i of unicast:
 * pkts[i], its dp_meta.out_port set, next[i] DP_NEXT_TX): egress
 * membership, MTU and tagging, as l2 finishes them (next[i] a drop where
 * one fails). unicast not 0. */
void pl_switch_l2_members(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint64_t unicast,
			  uint16_t *next);

/* For a frame to a group MAC (l2, a routed port in ingress): is it an ARP
 * request for one of the box's addresses in its slice (then punted, not
 * flooded)? */
int pl_switch_arp_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md);

/* Does the slice route bridge domain bd (an SVI there, an SVI6 for v6)
 * with a kernel twin (a hosts entry of (slice, bd), else of the slice) to
 * hand a routing protocol's multicast to (pl_switch_mcast_routing)?
 * Lookups for those rare frames alone. */
bool pl_switch_twin_routes(struct dp_stage_ctx *ctx, uint16_t slice, uint16_t bd, bool v6);

#endif
