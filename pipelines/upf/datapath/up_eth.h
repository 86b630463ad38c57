/* upf.eth (up_eth.c): the downlink of Ethernet PDU sessions, the frames the switch sends to them. */
#ifndef UP_ETH_H
#define UP_ETH_H

#include <stdint.h>
#include "dp_feature.h"

uint16_t pl_upf_eth_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
