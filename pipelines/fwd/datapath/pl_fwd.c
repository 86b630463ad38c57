/* Forward feature: flow (exact 5-tuple + ingress port) then port
 * (cross-connect). The benchmark's "one exact-match hit per packet" path. */
#include <string.h>
#include <netinet/in.h>

#include <rte_ip.h>
#include <rte_byteorder.h>

#include "pl_fwd.h"
#include "dp_table.h"
#include "dp_port.h"

enum { FWD_A_OUTPUT, FWD_A_DROP, FWD_A_NOOP };

static int flow_tid = -1, port_tid = -1;
unsigned int pl_fwd_drop_base;

#define DP_REASONS_DEF "pl_fwd.def"
#define DP_REASONS_PREFIX fwd
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

/* Packed key of the flow table, network order, padded to 16 bytes. */
struct fwd_key {
	rte_be16_t in_port;
	rte_be32_t src;
	rte_be32_t dst;
	uint8_t proto;
	rte_be16_t sport;
	rte_be16_t dport;
	uint8_t pad;
} __rte_packed;

static_assert(sizeof(struct fwd_key) == 16, "flow key layout");

/* output(port) params overlay */
struct fwd_output {
	uint16_t port;
};

static const struct dp_table_def flow_def = {
	.name = "flow",
	.size = 1 << 17,
	.n_fields = 6,
	.fields = {
		{ "in_port", DP_T_PORT, DP_MATCH_EXACT },
		{ "ipv4_src", DP_T_IPV4, DP_MATCH_EXACT },
		{ "ipv4_dst", DP_T_IPV4, DP_MATCH_EXACT },
		{ "ip_proto", DP_T_U8, DP_MATCH_EXACT },
		{ "l4_sport", DP_T_U16, DP_MATCH_EXACT },
		{ "l4_dport", DP_T_U16, DP_MATCH_EXACT },
	},
	.n_actions = 3,
	.actions = {
		[FWD_A_OUTPUT] = { "output", 1, { { "port", DP_T_PORT } } },
		[FWD_A_DROP] = { "drop", 0, { { 0 } } },
		[FWD_A_NOOP] = { "noop", 0, { { 0 } } },
	},
	.default_action = FWD_A_NOOP,
	.next_table = "port",
};

static const struct dp_table_def port_def = {
	.name = "port",
	.size = DP_PORTS_MAX,
	.n_fields = 1,
	.fields = { { "in_port", DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 } },
	.n_actions = 2,
	.actions = {
		[FWD_A_OUTPUT] = { "output", 1, { { "port", DP_T_PORT } } },
		[FWD_A_DROP] = { "drop", 0, { { 0 } } },
	},
	.default_action = FWD_A_DROP,
	.next_table = NULL,
};

static int
fwd_init(unsigned int n_workers __rte_unused)
{
	unsigned int no_events;
	int rc;

	if ((rc = dp_reasons_register(fwd_drop_reasons, FWD_DROP_N, fwd_event_reasons, FWD_EVENT_N,
				      &pl_fwd_drop_base, &no_events)) < 0)
		return rc;
	flow_tid = dp_table_create(&flow_def);
	if (flow_tid < 0)
		return flow_tid;
	port_tid = dp_table_create(&port_def);
	if (port_tid < 0)
		return port_tid;
	/* the stage's key buffers are struct fwd_key wide */
	return dp_table_key_room(flow_tid) <= sizeof(struct fwd_key) &&
	       dp_table_key_room(port_tid) <= sizeof(struct fwd_key) ? 0 : -EINVAL;
}

static inline void
flow_key(struct rte_mbuf *m, struct fwd_key *k)
{
	const struct dp_meta *md = dp_meta(m);

	memset(k, 0, sizeof(*k));
	k->in_port = rte_cpu_to_be_16(md->in_port);
	if (likely(md->flags & DP_MF_IPV4)) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);

		k->src = ip->src_addr;
		k->dst = ip->dst_addr;
		k->proto = md->l4_proto;
		if (md->flags & DP_MF_L4 && (md->l4_proto == IPPROTO_UDP || md->l4_proto == IPPROTO_TCP)) {
			k->sport = rte_cpu_to_be_16(md->sport);
			k->dport = rte_cpu_to_be_16(md->dport);
		}
	}
}

static inline uint16_t
verdict(struct rte_mbuf *m, const struct dp_entry *e, bool hit)
{
	switch (e->action) {
	case FWD_A_OUTPUT:
		dp_meta(m)->out_port = ((const struct fwd_output *)e->params)->port;
		return DP_NEXT_TX;
	case FWD_A_DROP:
		return DP_NEXT_DROP(hit ? FWD_DROP(action_drop) : FWD_DROP(no_entry));
	default:
		return DP_NEXT_DROP(FWD_DROP(no_entry));
	}
}

static uint16_t
pl_fwd_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][sizeof(struct fwd_key)] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t rest[DP_LOOKUP_BURST];
	unsigned int n_rest = 0;
	uint64_t hit;

	RTE_ASSERT(n <= DP_LOOKUP_BURST);
	for (uint16_t i = 0; i < n; i++) {
		flow_key(pkts[i], (struct fwd_key *)keys[i]);
		kp[i] = keys[i];
	}
	hit = dp_table_lookup(ctx->root, ctx->worker, flow_tid, kp, n, e);
	for (uint16_t i = 0; i < n; i++) {
		if (e[i]->action == FWD_A_NOOP) {
			rest[n_rest++] = i;
			continue;
		}
		next[i] = verdict(pkts[i], e[i], hit & (1ULL << i));
	}
	if (n_rest == 0)
		return 0;

	/* Whatever the flow table left alone goes through the cross-connect. */
	for (unsigned int j = 0; j < n_rest; j++) {
		struct fwd_key *k = (struct fwd_key *)keys[j];
		uint16_t in_port = dp_meta(pkts[rest[j]])->in_port;

		memset(k, 0, sizeof(*k));
		k->in_port = rte_cpu_to_be_16(in_port);
		kp[j] = keys[j];
	}
	hit = dp_table_lookup(ctx->root, ctx->worker, port_tid, kp, n_rest, e);
	for (unsigned int j = 0; j < n_rest; j++)
		next[rest[j]] = verdict(pkts[rest[j]], e[j], hit & (1ULL << j));
	return 0;
}

const struct dp_feature pl_fwd_feature = {
	.name = "forward",
	.description = "exact 5-tuple flow table, then per-port cross-connect",
	.init = fwd_init,
	.n_stages = 1,
	.stages = { { "forward.flow", pl_fwd_burst, { NULL } } },
};

DP_FEATURE_REGISTER(pl_fwd_feature)
