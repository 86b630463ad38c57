/* switch.l2 (sw_l2.c): the fdb: bridge, flood, or route. */
#ifndef SW_L2_H
#define SW_L2_H

#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* For a frame to a group MAC (l2, a routed port in ingress): is it an ARP
 * request for one of the box's addresses in its slice (then punted, not
 * flooded)? */
int pl_switch_arp_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md);

#endif
