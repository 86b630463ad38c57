/* What the edge's stage and its wiring share: its tables, its reasons and
 * each worker's connection and mapping stores. */
#ifndef EG_STATE_H
#define EG_STATE_H

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "dp_meta.h"
#include "dp_stage.h"
#include "dp_table.h"
#include "edge_api.h"
#include "ct_sess.h"
#include "nat_map.h"

#define DP_REASONS_DEF "pl_edge.def"
#define DP_REASONS_PREFIX EDGE
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

extern unsigned int eg_drop_base, eg_event_base;
#define EG_DROP(name) (eg_drop_base + EDGE_DROP_##name)
#define EG_EVENT(name) (eg_event_base + EDGE_EVENT_##name)

/* edge_slices: vrf -> edge(outside, pool); edge_return: (vrf, dst) ->
 * inside(vrf, pool); edge_pools: id -> pool (nat_pool_p); edge_timeouts:
 * what -> timeout(s) */
enum { EG_SLICE_EDGE, EG_SLICE_NONE };
enum { EG_RET_INSIDE, EG_RET_NONE };
enum { EG_POOL_POOL, EG_POOL_NONE };
struct eg_slice_p { uint16_t outside, pool; };
struct eg_return_p { uint16_t vrf, pool; };
struct eg_tables { int slices, ret, pools, timeouts; };
extern struct eg_tables eg_t;

#define EG_POOLS_MAX 4096
/* the key buffers the stage builds edge_slices' and edge_return's keys in */
#define EG_KEY_ROOM 16

/* A worker's: its connections, its mappings, and what its main lcore
 * reads of it (written by the worker alone, read whole words). */
struct eg_worker {
	struct ct_store ct;
	struct nat_store nat;
	uint16_t exhausted_pool;     /* the last pool a mapping found full */
	uint64_t exhausted;          /* how many times */
	uint64_t swept;              /* TSC of its last sweep */
} __rte_cache_aligned;

extern struct eg_worker *eg_w;       /* one per worker */
/* Each pool's generation: the main lcore bumps it when the pool is
 * written or deleted (a translated connection of an older one is over,
 * and a host's next mapping is of the new shape). */
extern uint32_t eg_pool_gen[EG_POOLS_MAX];
static inline uint32_t
eg_pool_gen_of(uint16_t pool)
{
	return __atomic_load_n(&eg_pool_gen[pool % EG_POOLS_MAX], __ATOMIC_RELAXED);
}
extern unsigned int eg_n_workers;
extern edge_policy_fn *eg_policy;

/* Where a packet handed to its connection's worker crosses, as the
 * worker that read it found (DP_NEXT_HANDOFF): the owner takes it as it
 * is, so each packet's lookups of the edge's tables are made, and counted,
 * once. 8 bytes in dp_meta's line after the UPF's (dp_meta_field_claim). */
struct eg_meta {
	uint16_t in_vrf, out_vrf, pool;
	uint8_t dir;
	uint8_t pad;
};
#define EG_META_OFF (sizeof(struct rte_mbuf) + sizeof(struct dp_meta) + 8)
static inline struct eg_meta *
eg_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, EG_META_OFF, struct eg_meta *);
}

uint16_t pl_edge_route_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
/* Worker, every walk: the connections' timeouts (dp_feature.walk). */
void pl_edge_walk(struct dp_stage_ctx *ctx);
void pl_edge_walk_init(uint64_t hz);

/* The stage's edge back into the switch's IPv4 routing. */
enum { EG_EDGE_L3 };

#endif
