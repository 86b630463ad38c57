/* switch.l2 (sw_l2.c): the fdb: bridge, flood, or route. */
#ifndef SW_L2_H
#define SW_L2_H

#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
