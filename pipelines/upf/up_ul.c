/* UPF stage "ul": the uplink of a session, its inner packet parsed. Checked
 * first: the source is the session's UE (anti-spoofing) and the
 * destination none of the UPF's own addresses. Then the uplink classifier:
 * the packet's termination (the session entry's own, or its app's:
 * applications on the destination), the QERs, the URR; fwd_n6 breaks it
 * out into the session's slice's VRF (switch.l3 routes it to the local
 * DN), fwd_n9 sends it on to the anchor UPF in a GTP-U tunnel with a UL
 * PDU Session Container. */
#include <string.h>

#include <rte_ip.h>

#include "pl_upf.h"
#include "up_encap.h"
#include "up_own.h"
#include "up_term.h"
#include "up_urr.h"
#include "gtp.h"
#include "dp_stats.h"
#include "dp_table.h"

/* Is the inner destination one of ours (an own prefix's table entry)? An
 * N3/N9 endpoint of any slice, an N6 address of the packet's own slice. */
static inline bool
own(const struct dp_entry *e, uint16_t slice)
{
	return e->action == UP_IF_N3 || e->action == UP_IF_N9 ||
	       (e->action == UP_IF_N6 && ((const struct up_iface *)e->params)->slice == slice);
}

uint16_t
pl_upf_ul_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][32] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], n9[DP_LOOKUP_BURST];
	unsigned int k = 0, k1 = 0, k9 = 0;

	const struct up_own *os = __atomic_load_n(&up_own_set, __ATOMIC_ACQUIRE);
	bool exact = os->n_prefix == 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_meta *md = dp_meta(m);
		const struct rte_ipv4_hdr *ip;

		if (!(md->flags & DP_MF_IPV4)) {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
			continue;
		}
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
		if (ip->src_addr != ((const struct up_session *)(*up_sess(m))->params)->ue) {
			next[i] = DP_NEXT_DROP(UP_DROP(spoofed));
			continue;
		}
		if (exact) {
			if (unlikely(up_own_has(os, ip->dst_addr, md->slice))) {
				next[i] = DP_NEXT_DROP(UP_DROP(ue_to_upf));
				continue;
			}
		} else {
			memset(keys[k], 0, sizeof(keys[k]));
			memcpy(keys[k], &ip->dst_addr, 4);
			kp[k] = keys[k];
		}
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	if (!exact) {   /* an own prefix: the table decides */
		dp_table_lookup(ctx->root, ctx->worker, (unsigned int)pl_up.ifaces, kp, k, e);
		for (unsigned int j = 0; j < k; j++) {
			if (unlikely(own(e[j], dp_meta(pkts[idx[j]])->slice))) {
				next[idx[j]] = DP_NEXT_DROP(UP_DROP(ue_to_upf));
				continue;
			}
			idx[k1++] = idx[j];
		}
		if ((k = k1) == 0)
			return 0;
	}
	up_terminations(ctx, true, pkts, idx, k, e);
	k1 = 0;
	for (unsigned int j = 0; j < k; j++) {
		uint16_t *nx = &next[idx[j]];

		switch (e[j]->action) {
		case UP_UL_FWD_N6:   /* into the session's slice's VRF: no other */
		case UP_UL_FWD_N9:
			break;
		default:   /* drop: the gate closed (or an entry written with "none") */
			*nx = DP_NEXT_DROP(UP_DROP(gate_closed));
			continue;
		}
		e[k1] = e[j];
		idx[k1++] = idx[j];
	}
	for (unsigned int j = 0; j < k1; j++)
		up_urr_prefetch(ctx->worker, (const struct up_term *)e[j]->params);
	k = up_qer(ctx, pkts, idx, k1, e, next);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		up_urr_count(ctx->worker, (const struct up_term *)e[j]->params, m);
		if (e[j]->action == UP_UL_FWD_N6) {
			ctx->stats->events[UP_EVENT(breakout)]++;
			next[idx[j]] = DP_NEXT_EDGE(UP_UL_EDGE_L3);
			continue;
		}
		ctx->stats->events[UP_EVENT(to_n9)]++;
		e[k9] = e[j];
		n9[k9++] = idx[j];
	}
	if (k9)
		up_encap_burst(ctx, pkts, n9, k9, e, GTPU_PDU_TYPE_UL, UP_UL_EDGE_L3V6, next);
	return 0;
}
