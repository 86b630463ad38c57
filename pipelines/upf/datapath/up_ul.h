/* upf.ul (up_ul.c): the uplink, out to N6 or N9. */
#ifndef UP_UL_H
#define UP_UL_H

#include <stdint.h>
#include "dp_feature.h"

uint16_t pl_upf_ul_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
