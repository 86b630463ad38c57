/* The shape of a stage: what it is handed (a worker's context), what it
 * returns per packet (a next step: an edge, transmit, punt, or a drop with a
 * named reason) and how it is declared. Stages never free or transmit: the
 * graph moves the packet on. Below the graph and the parser alike: the
 * parser is a stage (dp_parse_burst), and the features' stages register
 * through dp_feature.h. */
#ifndef DP_STAGE_H
#define DP_STAGE_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include "dp_ttypes.h"

struct dp_lcore_stats;
struct dp_tables_root;

/* Next steps a stage writes into next[i]. They are the stage node's edge
 * numbers, so the graph moves packets without translating them:
 *   DP_NEXT_TX               out of dp_meta.out_port (logical port index),
 *                            through the egress part of the graph
 *   DP_NEXT_PUNT             to the feature's slow path on the main lcore
 *   DP_NEXT_CONTINUE + k     the stage's own edge k (dp_stage_def.next[k])
 *   DP_NEXT_DROP(reason)     freed and counted under reason (enum dp_drop) */
#define DP_STAGE_EDGES_MAX 8
enum {
	DP_NEXT_TX = 0,
	DP_NEXT_PUNT = 1,
	DP_NEXT_DROP_EDGE = 2,          /* the graph's; stages say DP_NEXT_DROP(reason) */
	DP_NEXT_CONTINUE = 3,
	DP_NEXT_DROP_BASE = 0x100,
};

#define DP_NEXT_EDGE(k) ((uint16_t)(DP_NEXT_CONTINUE + (k)))
/* To the worker dp_meta.out_port names, where the same stage takes the
 * packet again (a stage whose state is per worker: a connection's). Only a
 * stage declared with handoff returns it, and only for a packet it left
 * as it came. */
#define DP_NEXT_HANDOFF ((uint16_t)0xfe)
#define DP_NEXT_DROP(reason) ((uint16_t)(DP_NEXT_DROP_BASE + (reason)))
#define DP_NEXT_IS_DROP(next) ((next) >= DP_NEXT_DROP_BASE)
#define DP_NEXT_REASON(next) ((unsigned int)((next) - DP_NEXT_DROP_BASE))

#define DP_EXTRA_MAX 512

/* The packet pool (rte_mempool_lookup): frames a feature originates on the
 * main lcore (probes) come from it like every received packet. */
#define DP_MBUF_POOL_NAME "sxdp_mbuf"

/* Per-worker context handed to every stage. */
struct dp_stage_ctx {
	unsigned int worker;               /* dense worker index, 0..n_workers-1 */
	unsigned int lcore;
	struct dp_lcore_stats *stats;      /* this lcore's counters */
	const struct dp_tables_root *root; /* table snapshot for this walk */
	uint64_t now;                      /* TSC at the start of this walk */
	/* Nonzero: a shadow walk, and its number (each its own): a fast
	 * path's check running the general path on copies (SXDP_FAST_CHECK,
	 * the autovalidator). It must leave nothing behind that the real walk
	 * would not: no counts (tables: see dp_ctx_count; URRs, meters), no
	 * tokens taken (meters, answer bounds: what its packets take comes
	 * from copies it makes at its first use of each), nothing learned.
	 * Its stats are a scratch copy. */
	uint32_t shadow;
	/* Nonzero: the real walk a fast path's check compares with shadow
	 * walk number checked. A stage that finds state other workers share
	 * (a meter's buckets) moved since the shadow walk copied it sets
	 * moved: the walks met different states, a difference proves nothing. */
	uint32_t checked;
	bool moved;
	/* Copies a stage made (flooding), each with its verdict (a next value,
	 * DP_NEXT_TX with dp_meta.out_port set, or an edge): they go on through
	 * the graph like the burst's packets. */
	uint16_t n_extra;
	struct rte_mbuf *extra[DP_EXTRA_MAX];
	uint16_t extra_next[DP_EXTRA_MAX];
};

/* The column a stage counts its table hits in: none on a shadow walk. */
static inline unsigned int
dp_ctx_count(const struct dp_stage_ctx *ctx)
{
	return unlikely(ctx->shadow) ? DP_WORKER_NONE : ctx->worker;
}

/* A burst in (n <= DP_BURST), next[i] out for every packet. Returns how
 * many got DP_NEXT_CONTINUE (n lets the graph move the burst whole). */
typedef uint16_t (*dp_stage_fn)(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				uint16_t *next);

struct dp_stage_def {
	const char *name;                       /* node name: "<feature>.<stage>" */
	dp_stage_fn fn;
	const char *next[DP_STAGE_EDGES_MAX];   /* node names of its edges; NULL ends */
	/* Its copies (dp_stage_ctx.extra) go on after the burst that made
	 * them, not before: where a copy must follow what it was made from
	 * (a FEC parity after its block), not keep a flood's order (a copy
	 * to each port before the burst's next frame to that port). */
	bool extra_after;
	/* It may return DP_NEXT_HANDOFF: with several workers the core
	 * keeps a ring per ordered pair of workers for it (the software
	 * RSS's) and their reader a way back into the stage. */
	bool handoff;
};

#endif
