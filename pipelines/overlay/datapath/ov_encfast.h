/* overlay.encap's fast path (ov_encfast.c): the general path's work in one
 * pass over a burst of the usual shape, checked against it (dp_fastcheck.h). */
#ifndef OV_ENCFAST_H
#define OV_ENCFAST_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_feature.h"

/* The workers' caches emptied (the feature's init: a stamp of tables
 * made anew may repeat an old one's). */
void ov_encfast_init(void);

/* The stage overlay.encap: the fast path where the burst is of its
 * shape (checked against the general path when SXDP_FAST_CHECK is set),
 * else the general path. */
uint16_t pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* The burst, taken whole (true) when every frame goes into a tunnel of
 * its slice (metered or not, its path encrypted or not: those left to be
 * sealed, OV_NEXT_SEAL); else nothing done (false). */
bool pl_overlay_encap_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* The autovalidator's test hook: a bug planted on purpose (frames too big
 * for their path go out all the same), which its check must catch. */
extern bool pl_overlay_encap_fast_planted;

#endif
