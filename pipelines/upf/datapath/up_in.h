/* upf.in (up_in.c): GTP-U and N6 traffic to the upf's own endpoints, classified to its session. */
#ifndef UP_IN_H
#define UP_IN_H

#include <stdint.h>
#include "dp_feature.h"

/* upf.in's per-worker bound on answers. */
void up_in_init(void);
uint16_t pl_upf_in_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
