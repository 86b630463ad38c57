/* switch.l3v6 (sw_l3v6.c): IPv6 routes6, next hops, rewrite. */
#ifndef SW_L3V6_H
#define SW_L3V6_H

#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_l3v6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t *next);

/* l2, for a frame to a group MAC: is it a neighbour solicitation for one of
 * the box's IPv6 addresses in its bridge domain (then punted, not flooded)? */
int pl_switch_nd_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md);

#endif
