/* switch.l3 (sw_l3.c): IPv4 routes, next hops, rewrite. */
#ifndef SW_L3_H
#define SW_L3_H

#include <stdint.h>
#include "dp_feature.h"
uint16_t pl_switch_l3_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
