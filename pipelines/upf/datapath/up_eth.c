/* UPF stage "eth": the downlink of Ethernet PDU sessions (TS 23.501
 * 5.6.10.2). The switch sends a frame here when its bridge domain's fdb
 * says its destination is behind a session (an attached endpoint, learned
 * from that session's uplink: SW_TUN_ATTACHED | session), or floods it to
 * the domain's 5G LAN group (SW_TUN_GROUP | bd): one copy to each session
 * of the group (lan_members) but the one it came from. Each finds its
 * session's downlink (sessions_eth) and goes on to upf.dl untagged, the
 * whole frame its T-PDU (l3_off 0, no IP flags: upf.dl and the
 * encapsulation take it as it is, URRs count the frame). */
#include <string.h>

#include "up_state.h"
#include "up_eth.h"
#include "up_urr.h"
#include "sw_api.h"
#include "dp_stats.h"
#include "dp_table.h"

/* m, to session entry e (sessions_eth), made a T-PDU for upf.dl: 0 or a
 * drop reason (no session; untagging needs no room) */
static inline unsigned int
to_session(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_entry *e)
{
	struct dp_meta *md = dp_meta(m);

	if (e->action == UP_DL_NONE)
		return UP_DROP(no_session);
	if (md->flags & DP_MF_VLAN)
		pl_switch_vlan_set(m, 1, 0);
	md->flags &= ~(DP_MF_VLAN | DP_MF_IPV4 | DP_MF_IPV6 | DP_MF_ARP | DP_MF_L4 | DP_MF_FRAG);
	md->l2_len = 0;
	md->l3_off = 0;
	*up_sess(m) = e;
	up_meta(m)->app = 0;
	up_meta(m)->qfi = 0;
	up_urr_prefetch(ctx->worker, (const struct up_term *)e->params);
	return 0;
}

/* The sessions of m's group, but the one it came from (sw_meta.from),
 * into ids: how many. */
static unsigned int
members(struct dp_stage_ctx *ctx, struct rte_mbuf *m, uint32_t *ids)
{
	uint8_t keys[UP_LAN_SLOTS][16] __rte_aligned(16);
	const uint8_t *kp[UP_LAN_SLOTS];
	const struct dp_entry *e[UP_LAN_SLOTS];
	uint32_t from = sw_meta(m)->from;
	uint16_t bd = (uint16_t)(dp_meta(m)->tunnel & SW_TUN_ID_MASK);
	unsigned int n = 0;

	RTE_BUILD_BUG_ON(UP_LAN_SLOTS > DP_LOOKUP_BURST);
	for (unsigned int s = 0; s < UP_LAN_SLOTS; s++) {
		up_member_key(keys[s], bd, (uint8_t)s);
		kp[s] = keys[s];
	}
	dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)pl_up.members, kp, UP_LAN_SLOTS, e);
	for (unsigned int s = 0; s < UP_LAN_SLOTS; s++) {
		uint32_t id;

		if (e[s]->action != 0)
			continue;
		id = ((const struct up_member *)e[s]->params)->session;
		if ((from & SW_TUN_ATTACHED) && !(from & SW_TUN_GROUP) && (from & SW_TUN_ID_MASK) == id)
			continue;
		ids[n++] = id;
	}
	return n;
}

/* A flooded frame's copies, one a member session (m itself the last):
 * their sessions looked up, each on to upf.dl through ctx->extra. A copy
 * that is not made counts as made and dropped (rx + copies = tx + drops
 * + punts). */
static uint16_t
flood(struct dp_stage_ctx *ctx, struct rte_mbuf *m)
{
	uint8_t keys[UP_LAN_SLOTS][16] __rte_aligned(16);
	const uint8_t *kp[UP_LAN_SLOTS];
	const struct dp_entry *e[UP_LAN_SLOTS];
	uint32_t ids[UP_LAN_SLOTS];
	unsigned int n = members(ctx, m, ids), r;

	if (n == 0)
		return DP_NEXT_DROP(UP_DROP(no_session));
	for (unsigned int j = 0; j < n; j++) {
		up_id_key(keys[j], ids[j]);
		kp[j] = keys[j];
	}
	dp_table_lookup(ctx->root, ctx->worker, (unsigned int)pl_up.sess_eth, kp, n, e);
	ctx->stats->events[UP_EVENT(lan_copies)] += n;
	for (unsigned int j = 0; j + 1 < n; j++) {
		struct rte_mbuf *c = NULL;

		r = e[j]->action == UP_DL_NONE ? UP_DROP(no_session) : 0;
		if (r == 0 && (ctx->n_extra == DP_EXTRA_MAX ||
			       (c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX)) == NULL))
			r = UP_DROP(lan_copy);
		if (r != 0) {
			ctx->stats->copy_pkts++;
			ctx->stats->drop_pkts++;
			ctx->stats->drops[r]++;
			continue;
		}
		*dp_meta(c) = *dp_meta(m);
		to_session(ctx, c, e[j]);   /* a session there: nothing left to refuse */
		ctx->extra[ctx->n_extra] = c;
		ctx->extra_next[ctx->n_extra++] = DP_NEXT_EDGE(UP_ETH_EDGE_DL);
	}
	if ((r = to_session(ctx, m, e[n - 1])) != 0)
		return DP_NEXT_DROP(r);
	return DP_NEXT_EDGE(UP_ETH_EDGE_DL);
}

uint16_t
pl_upf_eth_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0, r;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t t = dp_meta(pkts[i])->tunnel;

		if (t & SW_TUN_GROUP) {
			next[i] = flood(ctx, pkts[i]);
			continue;
		}
		up_id_key(keys[k], t & SW_TUN_ID_MASK);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	dp_table_lookup(ctx->root, ctx->worker, (unsigned int)pl_up.sess_eth, kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		next[idx[j]] = (r = to_session(ctx, pkts[idx[j]], e[j])) != 0 ? DP_NEXT_DROP(r) :
			       DP_NEXT_EDGE(UP_ETH_EDGE_DL);
	return 0;
}
