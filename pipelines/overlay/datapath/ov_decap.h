/* overlay.wan (ov_decap.c): WAN ports' packets, decapsulated into the
 * slice's bridge domain or VRF, or handed to the switch as underlay. */
#ifndef OV_DECAP_H
#define OV_DECAP_H

#include <stdint.h>
#include "dp_feature.h"

/* overlay.wan's per-worker memo: 0, -ENOMEM. */
int ov_decap_init(unsigned int workers);
void ov_decap_fini(void);
uint16_t pl_overlay_wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t *next);

#endif
