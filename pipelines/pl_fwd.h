/* The "forward" pipeline: an exact 5-tuple flow table, then a per-port
 * cross-connect for what the flow table leaves alone. P4 equivalent:
 *   if (flow.apply().action == noop) port.apply();  */
#ifndef PL_FWD_H
#define PL_FWD_H

#include "pl.h"

extern const struct pl_pipeline pl_fwd_pipeline;

uint16_t pl_fwd_burst(struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
