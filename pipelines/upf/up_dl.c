/* UPF stages "n6" and "dl": the downlink of a session. From the local DN,
 * a packet the switch routed to a UE pool (a route "upf") finds its session
 * at upf.n6 by (slice, destination); from the anchor, upf.in found it by
 * the N9 TEID. Both meet at upf.dl: the termination (the session entry's
 * own, or its app's: applications on the source), then encap_n3 with the
 * QERs and the URR into the session's one N3 tunnel with a DL PDU Session
 * Container; buffer and notify go to the slow path (up_buf.h); drop is the
 * gate closed. */
#include <string.h>

#include <rte_ip.h>

#include "pl_upf.h"
#include "up_encap.h"
#include "up_term.h"
#include "up_urr.h"
#include "gtp.h"
#include "dp_stats.h"
#include "dp_table.h"

uint16_t
pl_upf_n6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);

		if (!(md->flags & DP_MF_IPV4)) {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
			continue;
		}
		memset(keys[k], 0, sizeof(keys[k]));
		*(rte_be16_t *)keys[k] = rte_cpu_to_be_16(md->slice);
		memcpy(keys[k] + 2, &rte_pktmbuf_mtod_offset(pkts[i], const struct rte_ipv4_hdr *,
							      md->l3_off)->dst_addr, 4);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	dp_table_lookup(ctx->root, ctx->worker, (unsigned int)pl_up.sess_dl, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct up_meta *um = up_meta(pkts[idx[j]]);

		if (e[j]->action == UP_DL_NONE) {
			next[idx[j]] = DP_NEXT_DROP(UP_DROP(no_session));
			continue;
		}
		*up_sess(pkts[idx[j]]) = e[j];
		um->app = 0;
		um->qfi = 0;
		/* what upf.dl will write, on its way: the session's counter
		 * (most sessions take their own termination) and the headroom
		 * the outer headers go into */
		up_urr_prefetch(ctx->worker, (const struct up_term *)e[j]->params);
		rte_prefetch0_write(rte_pktmbuf_mtod(pkts[idx[j]], uint8_t *) - RTE_CACHE_LINE_SIZE);
		next[idx[j]] = DP_NEXT_EDGE(UP_N6_EDGE_DL);
	}
	return 0;
}

uint16_t
pl_upf_dl_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0, k1 = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!(dp_meta(pkts[i])->flags & DP_MF_IPV4)) {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
			continue;
		}
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	up_terminations(ctx, false, pkts, idx, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct dp_meta *md = dp_meta(pkts[idx[j]]);
		uint16_t *nx = &next[idx[j]];

		switch (e[j]->action) {
		case UP_DL_ENCAP_N3:
			e[k1] = e[j];
			idx[k1++] = idx[j];
			continue;
		case UP_DL_BUFFER:
		case UP_DL_NOTIFY:
			md->punt = e[j]->action == UP_DL_BUFFER ? UP_PUNT_BUFFER : UP_PUNT_NOTIFY;
			md->out_port = up_session(pkts[idx[j]])->id;
			md->tunnel = up_meta(pkts[idx[j]])->app;
			*nx = DP_NEXT_PUNT;
			continue;
		default:   /* drop: the gate closed (or an entry written with "none") */
			*nx = DP_NEXT_DROP(UP_DROP(gate_closed));
			continue;
		}
	}
	for (unsigned int j = 0; j < k1; j++)
		up_urr_prefetch(ctx->worker, (const struct up_term *)e[j]->params);
	k = up_qer(ctx, pkts, idx, k1, e, next);
	for (unsigned int j = 0; j < k; j++)
		up_urr_count(ctx->worker, (const struct up_term *)e[j]->params, pkts[idx[j]]);
	ctx->stats->events[UP_EVENT(to_n3)] += k;
	if (k)
		up_encap_burst(ctx, pkts, idx, k, e, GTPU_PDU_TYPE_DL, UP_DL_EDGE_L3V6, next);
	return 0;
}
