/* upf.ul (up_ul.c): the uplink, out to N6 or N9. */
#ifndef UP_UL_H
#define UP_UL_H

#include <stdint.h>
#include "dp_feature.h"

/* upf.ul's work on pkts[sel[j]], j < ns (upf.in's G-PDUs of the uplink,
 * their sessions found): next[sel[j]] set, its edges to the switch edge0 +
 * UP_UL_EDGE_L3.. (0: upf.ul's own; upf.in's fused path has them at
 * UP_IN_EDGE_L3), to upf.dl dl_edge (a Router Advertisement answered). */
void up_ul_run(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *sel, unsigned int ns,
	       uint16_t *next, uint16_t edge0, uint16_t dl_edge);
uint16_t pl_upf_ul_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

#endif
