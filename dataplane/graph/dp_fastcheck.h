/* A fast path checked against its general path at run time, the way OVS's
 * autovalidator checks its implementations (SXDP_FAST_CHECK=1 in sxdp's
 * environment; the packet tests run with it, never for speed). */
#ifndef DP_FASTCHECK_H
#define DP_FASTCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_feature.h"

/* A fast path: takes the whole burst (next[] set, true) or none of it
 * (nothing done, nothing counted, false: the general path takes it). */
typedef bool (*dp_fast_fn)(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);

/* Set at init from the environment (SXDP_FAST_CHECK, not "0"). */
extern bool dp_fast_check;
/* SXDP_FAST_OFF set: every fast path declines (a benchmark of the general
 * paths, the baseline of what a fast path saves or a feature that takes
 * the general path costs). */
extern bool dp_fast_off;
void dp_fast_check_init(void);

/* fast on the burst, checked: first the general path runs on copies of
 * it (data, private area, dynamic fields) as a shadow walk (dp_feature.h:
 * it counts nothing and takes no tokens, so both see the same state), then
 * fast on the burst itself; if fast took it, every packet's next, private
 * area, dynamic fields, offload flags, lengths and data must equal its
 * copy's, or sxdp logs the first difference (what, the stage's name) and
 * aborts, unless a table batch was applied meanwhile or a stage of the
 * real walk found shared state moved (dp_stage_ctx.moved). No mbuf for a
 * copy: fast runs unchecked. fast's answer. */
bool dp_fast_checked(const char *what, struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
		     uint16_t *next, dp_fast_fn fast, dp_stage_fn general);

/* The general path a fused one stands for (its check's reference): first
 * on the burst, then second on what first sends to its edge via (in burst
 * order), second's edge k becoming first's edge map[k] (k < n_map; its
 * drops, punts and TX as they are). */
void dp_stage_then(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next, dp_stage_fn first,
		   uint16_t via, dp_stage_fn second, const uint8_t *map, unsigned int n_map);

/* fast, checked or not as dp_fast_check says: what a stage calls. */
static inline bool
dp_fast_run(const char *what, struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next,
	    dp_fast_fn fast, dp_stage_fn general)
{
	if (unlikely(dp_fast_check))
		return dp_fast_checked(what, ctx, pkts, n, next, fast, general);
	if (unlikely(dp_fast_off))
		return false;
	return fast(ctx, pkts, n, next);
}

#endif
