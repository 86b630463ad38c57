/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_dp: the slice firewall's tables and its verdict on the new connections
 * of a burst at a slice's edge. What a connection's later packets and its
 * replies (and ICMP errors about it) do is the edge's: they never come here. */
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>

#include "dp_table.h"
#include "fw_dp.h"
#include "fw_names.h"

/* Key fields, in declaration order (dp_table_field_off's index). */
enum { K_VRF, K_DIR, K_PROTO, K_SRC, K_DST, K_SPORT, K_DPORT, K_N };
enum { P_VRF, P_DIR, P_N };

#define RULE_PARAM { { FW_F_RULE, DP_T_U32, FW_RULE_ID_MAX } }

const struct dp_table_def fw_rules_def = {
	.name = FW_T_RULES, .size = FW_RULES_MAX, .n_fields = K_N,
	.fields = {
		[K_VRF] = { FW_F_VRF, DP_T_U16, DP_MATCH_EXACT },
		[K_DIR] = { FW_F_DIR, DP_T_U8, DP_MATCH_EXACT, 1 },
		[K_PROTO] = { FW_F_PROTO, DP_T_U8, DP_MATCH_TERNARY },
		/* two prefixes: ternary, not lpm (an entry has one prefix length) */
		[K_SRC] = { FW_F_SRC, DP_T_IPV4, DP_MATCH_TERNARY },
		[K_DST] = { FW_F_DST, DP_T_IPV4, DP_MATCH_TERNARY },
		[K_SPORT] = { FW_F_SPORT, DP_T_U16, DP_MATCH_RANGE },
		[K_DPORT] = { FW_F_DPORT, DP_T_U16, DP_MATCH_RANGE },
	},
	.n_actions = 3,
	.actions = {
		[FW_ACT_ALLOW] = { FW_A_ALLOW, 1, RULE_PARAM },
		[FW_ACT_DENY] = { FW_A_DENY, 1, RULE_PARAM },
		[FW_ACT_NONE] = { FW_A_NONE, 0, {} },
	},
	.default_action = FW_ACT_NONE,
	.next_table = FW_T_POLICY,
};

/* One entry per slice and direction (not one per slice holding both), so
 * the engine's per-entry hits count each direction's defaults apart. */
const struct dp_table_def fw_policy_def = {
	.name = FW_T_POLICY, .size = 8192, .n_fields = P_N,
	.fields = {
		[P_VRF] = { FW_F_VRF, DP_T_U16, DP_MATCH_EXACT },
		[P_DIR] = { FW_F_DIR, DP_T_U8, DP_MATCH_EXACT, 1 },
	},
	.n_actions = 3,
	.actions = {
		[FW_ACT_ALLOW] = { FW_A_ALLOW, 0, {} },
		[FW_ACT_DENY] = { FW_A_DENY, 0, {} },
		[FW_ACT_NONE] = { FW_A_NONE, 0, {} },
	},
	.default_action = FW_ACT_NONE,
};

#define KEY_ROOM 32   /* bytes of a key buffer: both tables' room fits (fw_dp_bind) */

/* Read-mostly: set once before workers start. */
static struct {
	unsigned int t_rules, t_policy;
	unsigned int rules_room, policy_room;
	uint16_t drop_rule, drop_default;
	uint8_t off[K_N], poff[P_N];
} fw;

int
fw_dp_bind(int t_rules, int t_policy, uint16_t drop_rule, uint16_t drop_default)
{
	if (t_rules < 0 || t_policy < 0 || dp_table_key_room(t_rules) > KEY_ROOM ||
	    dp_table_key_room(t_policy) > KEY_ROOM || drop_rule == 0 || drop_default == 0)
		return -EINVAL;
	fw.t_rules = (unsigned int)t_rules;
	fw.t_policy = (unsigned int)t_policy;
	fw.rules_room = dp_table_key_room(t_rules);
	fw.policy_room = dp_table_key_room(t_policy);
	fw.drop_rule = drop_rule;
	fw.drop_default = drop_default;
	for (unsigned int f = 0; f < K_N; f++)
		fw.off[f] = (uint8_t)dp_table_field_off(t_rules, f);
	for (unsigned int f = 0; f < P_N; f++)
		fw.poff[f] = (uint8_t)dp_table_field_off(t_policy, f);
	return 0;
}

static inline void
put16(uint8_t *k, unsigned int off, uint16_t v)
{
	v = rte_cpu_to_be_16(v);
	memcpy(k + off, &v, 2);
}

/* c's rules key (fields in network order, zero elsewhere) */
static inline void
rules_key(uint8_t *k, const struct edge_conn *c)
{
	bool ports = c->proto == IPPROTO_TCP || c->proto == IPPROTO_UDP;

	memset(k, 0, fw.rules_room);
	put16(k, fw.off[K_VRF], c->vrf);
	k[fw.off[K_DIR]] = c->dir;
	k[fw.off[K_PROTO]] = c->proto;
	memcpy(k + fw.off[K_SRC], &c->src, 4);
	memcpy(k + fw.off[K_DST], &c->dst, 4);
	/* an ICMP query's identifier and type are no ports: a rule's port
	 * range (TCP's and UDP's alone, fw_spec) must not meet them */
	put16(k, fw.off[K_SPORT], ports ? c->sport : 0);
	put16(k, fw.off[K_DPORT], ports ? c->dport : 0);
}

static inline void
policy_key(uint8_t *k, const struct edge_conn *c)
{
	memset(k, 0, fw.policy_room);
	put16(k, fw.poff[P_VRF], c->vrf);
	k[fw.poff[P_DIR]] = c->dir;
}

/* Chunk c[0..m) of at most DP_LOOKUP_BURST. */
static void
decide_chunk(struct dp_stage_ctx *ctx, const struct edge_conn *c, unsigned int m, uint16_t *drop)
{
	uint8_t rk[DP_LOOKUP_BURST][KEY_ROOM] __rte_aligned(16), pk[DP_LOOKUP_BURST][KEY_ROOM] __rte_aligned(16);
	const uint8_t *keys[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	unsigned int rest[DP_LOOKUP_BURST], n_rest = 0, w = dp_ctx_count(ctx);

	for (unsigned int i = 0; i < m; i++) {
		rules_key(rk[i], &c[i]);
		keys[i] = rk[i];
	}
	dp_table_lookup(ctx->root, w, fw.t_rules, keys, m, e);
	for (unsigned int i = 0; i < m; i++) {
		switch (e[i]->action) {
		case FW_ACT_ALLOW: drop[i] = 0; break;
		case FW_ACT_DENY: drop[i] = fw.drop_rule; break;
		default:
			policy_key(pk[n_rest], &c[i]);
			keys[n_rest] = pk[n_rest];
			rest[n_rest++] = i;
			break;
		}
	}
	if (n_rest == 0)
		return;
	/* a burst's new connections are mostly of one slice and way: runs */
	dp_table_lookup_runs(ctx->root, w, fw.t_policy, keys, n_rest, e);
	for (unsigned int j = 0; j < n_rest; j++)
		drop[rest[j]] = e[j]->action == FW_ACT_DENY ? fw.drop_default : 0;
}

void
fw_dp_decide(struct dp_stage_ctx *ctx, const struct edge_conn *c, unsigned int n, uint16_t *drop)
{
	for (unsigned int i = 0; i < n; i += DP_LOOKUP_BURST)
		decide_chunk(ctx, c + i, RTE_MIN(n - i, (unsigned int)DP_LOOKUP_BURST), drop + i);
}
