/* UPF stages "n6" and "dl": the downlink of a session. From the local DN,
 * a packet the switch routed to a UE pool (a route "upf") finds its session
 * at upf.n6 by (slice, destination); from the anchor, upf.in found it by
 * the N9 TEID. Both meet at upf.dl: the termination (the session entry's
 * own, or its app's: applications on the source), then encap_n3 with the
 * QERs and the URR into the session's one N3 tunnel with a DL PDU Session
 * Container; buffer and notify go to the slow path (up_buf.h); drop is the
 * gate closed. From upf.eth, an Ethernet PDU session's frames (up_eth.h)
 * take the same way. */
#include <string.h>

#include <rte_ip.h>

#include "up_state.h"
#include "up_dl.h"
#include "up_encap.h"
#include "up_term.h"
#include "up_urr.h"
#include "gtp.h"
#include "dp_fastcheck.h"
#include "dp_stats.h"
#include "dp_table.h"

uint8_t pl_up_dl6_slice_off, pl_up_dl6_ue_off;

/* pkts[idx[j]]'s session entries, j < k, keys kp[j] in table tb. */
static void
n6_sessions(struct dp_stage_ctx *ctx, int tb, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	    const uint8_t **kp, uint16_t *next)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];

	if (k == 0)
		return;
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)tb, kp, k, e);
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
}

uint16_t
pl_upf_n6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16), keys6[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST], *kp6[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], idx6[DP_LOOKUP_BURST];
	unsigned int k = 0, k6 = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);
		const uint8_t *l3 = rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *, md->l3_off);

		if (md->flags & DP_MF_IPV4) {
			memset(keys[k], 0, sizeof(keys[k]));
			*(rte_be16_t *)keys[k] = rte_cpu_to_be_16(md->slice);
			memcpy(keys[k] + 2, l3 + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
			kp[k] = keys[k];
			idx[k++] = i;
		} else if (md->flags & DP_MF_IPV6) {
			up_dl6_key(keys6[k6], md->slice, l3 + offsetof(struct rte_ipv6_hdr, dst_addr));
			kp6[k6] = keys6[k6];
			idx6[k6++] = i;
		} else {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
		}
	}
	n6_sessions(ctx, pl_up.sess_dl, pkts, idx, k, kp, next);
	n6_sessions(ctx, pl_up.sess_dl6, pkts, idx6, k6, kp6, next);
	return 0;
}

static __rte_always_inline void
dl_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next, bool tpl)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0, k1 = 0;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++) {
		/* an Ethernet PDU session's frame (upf.eth) is a T-PDU as it is */
		if (!(dp_meta(pkts[i])->flags & (DP_MF_IPV4 | DP_MF_IPV6)) && (*up_sess(pkts[i]))->table != pl_up.sess_eth) {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
			continue;
		}
		idx[k++] = i;
	}
	if (k == 0)
		return;
	up_ambr_prefetch(ctx, pkts, idx, k);
	up_terminations(ctx, false, pkts, idx, k, e, NULL);
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
			up_meta(pkts[idx[j]])->table = (uint8_t)(*up_sess(pkts[idx[j]]))->table;
			/* the walk began before its lookups: a write done
			 * before then is one this packet saw */
			*up_punt_since(pkts[idx[j]]) = ctx->now;
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
	for (unsigned int j = 0; j < k; j++) {
		if (likely(!ctx->shadow))
			up_urr_count(ctx->worker, (const struct up_term *)e[j]->params, pkts[idx[j]]);
		bytes += up_ip_len(pkts[idx[j]]);
	}
	ctx->stats->events[UP_EVENT(to_n3)] += k;
	ctx->stats->events[UP_EVENT(to_n3_bytes)] += bytes;
	if (k)
		up_encap_burst(ctx, pkts, idx, k, e, GTPU_PDU_TYPE_DL, UP_DL_EDGE_L3V6, next, tpl);
}

uint16_t
pl_upf_dl_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	dl_burst(ctx, pkts, n, next, false);
	return 0;
}

bool
pl_upf_dl_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	dl_burst(ctx, pkts, n, next, true);
	return true;
}

uint16_t
pl_upf_dl_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	if (!dp_fast_run("upf.dl", ctx, pkts, n, next, pl_upf_dl_fast, pl_upf_dl_general))
		pl_upf_dl_general(ctx, pkts, n, next);
	return 0;
}
