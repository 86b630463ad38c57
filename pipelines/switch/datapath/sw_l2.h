/* switch.l2 (sw_l2.c): the fdb: bridge, flood, or route. */
#ifndef SW_L2_H
#define SW_L2_H

#include <stdbool.h>
#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

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
