/* UPF stage "ul": the uplink of a session, its inner packet parsed. Checked
 * first: the source is the session's UE (anti-spoofing: its IPv4 address,
 * or an address of its IPv6 /64), unless its PDRs name no UE address
 * (any_src: they match any source), and the destination none of the UPF's
 * own addresses. Then the uplink classifier:
 * the packet's termination (the session entry's own, or its app's:
 * applications on the destination), the QERs, the URR; fwd_n6 breaks it
 * out into the session's slice's VRF (switch.l3 or l3v6 routes it to the
 * local DN), fwd_n9 sends it on to the anchor UPF in a GTP-U tunnel with a UL
 * PDU Session Container; redirect is answered by the UPF itself
 * (up_redir.h) down the session's downlink. An Ethernet PDU session's
 * frames (ul_eth) take their session's termination and go into its
 * bridge domain. */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "up_state.h"
#include "up_ul.h"
#include "up_encap.h"
#include "up_own.h"
#include "up_ra.h"
#include "up_redir.h"
#include "up_term.h"
#include "up_urr.h"
#include "sw_api.h"
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

/* An IPv6 packet's checks, j < k6: its source in the session's /64 (the
 * sessions_downlink6 entry of (slice, source) is the session's: an IPv6
 * session's uplink is checked against its downlink prefix), its
 * destination none of our IPv6 addresses (upf_interfaces6). Those that
 * pass are appended to idx; a packet of the link (up_ra_link_scope: a UE's
 * router discovery) passes as it is, its bit set in *link. */
static unsigned int
checks6(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx6, unsigned int k6,
	uint16_t *idx, unsigned int k, uint16_t *next, uint64_t *link)
{
	uint8_t sk[DP_LOOKUP_BURST][16] __rte_aligned(16), dk[DP_LOOKUP_BURST][32] __rte_aligned(16);
	const uint8_t *skp[DP_LOOKUP_BURST], *dkp[DP_LOOKUP_BURST];
	const struct dp_entry *se[DP_LOOKUP_BURST], *de[DP_LOOKUP_BURST];

	for (unsigned int j = 0; j < k6; j++) {
		struct rte_mbuf *m = pkts[idx6[j]];
		const struct dp_meta *md = dp_meta(m);
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									 md->l3_off);

		up_dl6_key(sk[j], md->slice, ip->src_addr);
		memset(dk[j], 0, sizeof(dk[j]));
		memcpy(dk[j], ip->dst_addr, 16);
		skp[j] = sk[j];
		dkp[j] = dk[j];
	}
	/* a check, not downlink traffic: the table's counters are its own */
	dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)pl_up.sess_dl6, skp, k6, se);
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.ifaces6, dkp, k6, de);
	for (unsigned int j = 0; j < k6; j++) {
		struct rte_mbuf *m = pkts[idx6[j]];

		if (unlikely(up_ra_link_scope(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								      dp_meta(m)->l3_off)))) {
			*link |= 1ull << idx6[j];
			idx[k++] = idx6[j];
		} else if (!(up_session(m)->flags & UP_SF_ANY_SRC) && (se[j]->action == UP_DL_NONE ||
		    ((const struct up_session *)se[j]->params)->id != up_session(m)->id))
			next[idx6[j]] = DP_NEXT_DROP(UP_DROP(spoofed));
		else if (unlikely(own(de[j], dp_meta(m)->slice)))
			next[idx6[j]] = DP_NEXT_DROP(UP_DROP(ue_to_upf));
		else
			idx[k++] = idx6[j];
	}
	return k;
}

/* An Ethernet PDU session's uplink frames, j < k (their session entry's
 * eth flag, or action bridge): from a unicast source MAC (learned in the
 * bridge domain as the session's), their termination (the session's own,
 * or its app's: eth_applications), the QERs, the URR (the frame, as TS
 * 29.244 measures an Ethernet T-PDU), then switch.l2 as the session's
 * attached endpoint in its slice's bridge domain. A termination other
 * than bridge is a closed gate (a session's own drop without apps never
 * gets here: upf.in). */
static void
ul_eth(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k, uint16_t *next,
       uint16_t edge0)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	struct dp_entry inl[DP_LOOKUP_BURST];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	unsigned int k1 = 0;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		if (unlikely(!rte_is_valid_assigned_ether_addr(&eh->src_addr))) {
			next[idx[j]] = DP_NEXT_DROP(UP_DROP(eth_src));
			continue;
		}
		idx[k1++] = idx[j];
	}
	/* the AMBRs' lines are on their way (upf.in asked for them) */
	up_terminations(ctx, true, pkts, idx, k1, e, inl);
	k = 0;
	for (unsigned int j = 0; j < k1; j++) {
		if (e[j]->action != UP_UL_BRIDGE) {
			next[idx[j]] = DP_NEXT_DROP(UP_DROP(gate_closed));
			continue;
		}
		e[k] = e[j];
		idx[k++] = idx[j];
	}
	k = up_qer(ctx, pkts, idx, k, e, next);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		uint32_t len = rte_pktmbuf_pkt_len(m);
		struct sw_learn_ev ev = { .bd = sw_meta(m)->bd, .port = md->in_port, .tunnel = md->tunnel };

		if (likely(!ctx->shadow))
			up_urr_count_len(ctx->worker, (const struct up_term *)e[j]->params, len);
		ctx->stats->events[UP_EVENT(breakout)]++;
		ctx->stats->events[UP_EVENT(bridged)]++;
		ctx->stats->events[UP_EVENT(breakout_bytes)] += len;
		/* the session's MAC in its bridge domain: what the switch sends
		 * there comes back to upf.eth (the fdb's tunnel_learned) */
		rte_ether_addr_copy(&rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr, &ev.mac);
		pl_switch_learn_post(ctx, &last, &ev);
		next[idx[j]] = DP_NEXT_EDGE(edge0 + UP_UL_EDGE_L2);
	}
}

/* The session's link-scope packets, j < k (checks6): a Router
 * Solicitation its sessions_ra entry answers becomes that Router
 * Advertisement, on its way down the session's IPv6 downlink (upf.dl:
 * the session's sessions_downlink6 entry of the entry's /64, which must
 * be this session's); nothing else of the link is routed. */
static void
link_scope(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k, uint16_t *next,
	   uint16_t dl_edge)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t rs[DP_LOOKUP_BURST];
	unsigned int n = 0, n1 = 0;
	int rc;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		if ((rc = up_ra_rs_check(m)) != 0) {
			next[idx[j]] = DP_NEXT_DROP(rc == -EINVAL ? UP_DROP(rs_invalid) : UP_DROP(link_local));
			continue;
		}
		up_id_key(keys[n], up_session(m)->id);
		kp[n] = keys[n];
		rs[n++] = idx[j];
	}
	if (n == 0)
		return;
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.sess_ra, kp, n, e);
	for (unsigned int j = 0; j < n; j++) {
		struct rte_mbuf *m = pkts[rs[j]];

		if (e[j]->action != UP_RA) {
			next[rs[j]] = DP_NEXT_DROP(UP_DROP(rs_unanswered));
			continue;
		}
		if (up_ra_answer(m, (const struct up_ra *)e[j]->params) != 0) {
			next[rs[j]] = DP_NEXT_DROP(UP_DROP(no_headroom));
			continue;
		}
		up_dl6_key(keys[n1], dp_meta(m)->slice, ((const struct up_ra *)e[j]->params)->prefix);
		kp[n1] = keys[n1];
		rs[n1++] = rs[j];
	}
	if (n1 == 0)
		return;
	dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)pl_up.sess_dl6, kp, n1, e);
	for (unsigned int j = 0; j < n1; j++) {
		struct rte_mbuf *m = pkts[rs[j]];
		struct up_meta *um = up_meta(m);

		/* the prefix's downlink is this session's, or the RA goes nowhere */
		if (e[j]->action == UP_DL_NONE || ((const struct up_session *)e[j]->params)->id != up_session(m)->id) {
			next[rs[j]] = DP_NEXT_DROP(UP_DROP(no_session));
			continue;
		}
		*up_sess(m) = e[j];
		um->app = 0;
		um->qfi = 0;
		ctx->stats->events[UP_EVENT(ra_sent)]++;
		next[rs[j]] = DP_NEXT_EDGE(dl_edge);
	}
}

/* The downlink session entries of answers made in place, j < k (their
 * destination the UE: sessions_downlink's (slice, IPv4), else
 * sessions_downlink6's (slice, /64)), each of which must be the packet's
 * own session's: then on to upf.dl (dl_edge) as that session's downlink. */
static void
answers_down(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	     uint16_t *next, uint16_t dl_edge)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t at[2][DP_LOOKUP_BURST];
	unsigned int n[2] = { 0, 0 };

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		at[(dp_meta(m)->flags & DP_MF_IPV6) != 0][n[(dp_meta(m)->flags & DP_MF_IPV6) != 0]++] = idx[j];
	}
	for (unsigned int v6 = 0; v6 < 2; v6++) {
		if (n[v6] == 0)
			continue;
		for (unsigned int j = 0; j < n[v6]; j++) {
			struct rte_mbuf *m = pkts[at[v6][j]];
			const struct dp_meta *md = dp_meta(m);
			const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

			if (v6) {
				up_dl6_key(keys[j], md->slice, l3 + offsetof(struct rte_ipv6_hdr, dst_addr));
			} else {
				memset(keys[j], 0, sizeof(keys[j]));
				*(rte_be16_t *)keys[j] = rte_cpu_to_be_16(md->slice);
				memcpy(keys[j] + 2, l3 + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
			}
			kp[j] = keys[j];
		}
		dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)(v6 ? pl_up.sess_dl6 : pl_up.sess_dl), kp,
				n[v6], e);
		for (unsigned int j = 0; j < n[v6]; j++) {
			struct rte_mbuf *m = pkts[at[v6][j]];
			struct up_meta *um = up_meta(m);

			if (e[j]->action == UP_DL_NONE ||
			    ((const struct up_session *)e[j]->params)->id != up_session(m)->id) {
				next[at[v6][j]] = DP_NEXT_DROP(UP_DROP(no_session));
				continue;
			}
			*up_sess(m) = e[j];
			um->app = 0;
			um->qfi = 0;
			next[at[v6][j]] = DP_NEXT_EDGE(dl_edge);
		}
	}
}

/* The packets of redirect terminations, j < k (te[j]: theirs, past the
 * QERs): answered in place as their redirects entry says (up_redir.h),
 * counted in the termination's URR as they came (what was redirected),
 * then down the session's downlink; nothing of them goes anywhere else. */
static void
redirect(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, const struct dp_entry **te,
	 unsigned int k, uint16_t *next, uint16_t dl_edge)
{
	const struct dp_entry *re[DP_LOOKUP_BURST];
	uint32_t ids[DP_LOOKUP_BURST];
	uint16_t ok[DP_LOOKUP_BURST];
	unsigned int n = 0;
	int rc;

	for (unsigned int j = 0; j < k; j++)
		ids[j] = ((const struct up_term *)te[j]->params)->teid;
	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.redirects, ids, k, re);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		uint8_t proto = dp_meta(m)->l4_proto;
		uint16_t len = up_ip_len(m);
		uint16_t *nx = &next[idx[j]];

		if (re[j]->action == UP_REDIR_NONE) {
			*nx = DP_NEXT_DROP(UP_DROP(redirect_none));
			continue;
		}
		switch ((rc = up_redir_answer(m, re[j]->action, re[j]->params))) {
		case 0:
			break;
		case -EINVAL:
			*nx = DP_NEXT_DROP(proto == IPPROTO_TCP ? UP_DROP(redirect_tcp_bad) : UP_DROP(redirect_dns_bad));
			continue;
		case -EALREADY:
			*nx = DP_NEXT_DROP(UP_DROP(redirect_taken));
			continue;
		case -ENOSPC:
			*nx = DP_NEXT_DROP(UP_DROP(redirect_no_room));
			continue;
		default:
			*nx = DP_NEXT_DROP(UP_DROP(redirect_other));
			continue;
		}
		if (likely(!ctx->shadow))
			up_urr_count_len(ctx->worker, (const struct up_term *)te[j]->params, len);
		if (re[j]->action == UP_REDIR_HTTP) {
			const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
									       dp_meta(m)->l4_off);

			ctx->stats->events[UP_EVENT(redirect_http)]++;
			ctx->stats->events[UP_EVENT(redirect_302)] += (th->tcp_flags & RTE_TCP_PSH_FLAG) != 0;
		} else {
			ctx->stats->events[UP_EVENT(redirect_dns)]++;
		}
		ok[n++] = idx[j];
	}
	if (n)
		answers_down(ctx, pkts, ok, n, next, dl_edge);
}

void
up_ul_run(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *sel, unsigned int ns,
	  uint16_t *next, uint16_t edge0, uint16_t dl_edge)
{
	uint8_t keys[DP_LOOKUP_BURST][32] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], idx6[DP_LOOKUP_BURST], n9[DP_LOOKUP_BURST], ll[DP_LOOKUP_BURST];
	uint16_t rd[DP_LOOKUP_BURST];
	const struct dp_entry *rde[DP_LOOKUP_BURST];
	struct dp_entry inl[DP_LOOKUP_BURST];   /* the sessions' inline app terminations */
	unsigned int k = 0, k1 = 0, k6 = 0, k9 = 0, kl = 0, kr = 0;
	uint64_t link = 0;

	const struct up_own *os = __atomic_load_n(&up_own_set, __ATOMIC_ACQUIRE);
	bool exact = os->n_prefix == 0;
	uint16_t eth[DP_LOOKUP_BURST];
	unsigned int ke = 0;

	for (unsigned int s = 0; s < ns; s++) {
		const uint16_t i = sel[s];
		struct rte_mbuf *m = pkts[i];
		const struct dp_meta *md = dp_meta(m);
		const struct rte_ipv4_hdr *ip;

		if (unlikely(up_session_eth(*up_sess(m)))) {
			eth[ke++] = i;
			continue;
		}
		if (md->flags & DP_MF_IPV6) {
			idx6[k6++] = i;
			continue;
		}
		if (!(md->flags & DP_MF_IPV4)) {
			next[i] = DP_NEXT_DROP(UP_DROP(not_ip));
			continue;
		}
		ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off);
		/* an IPv6-only session (ue 0) has no IPv4 source */
		if ((ip->src_addr != up_session(m)->ue || ip->src_addr == 0) &&
		    !(up_session(m)->flags & UP_SF_ANY_SRC)) {
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
	if (k != 0 && !exact) {   /* an own prefix: the table decides */
		dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.ifaces, kp, k, e);
		for (unsigned int j = 0; j < k; j++) {
			if (unlikely(own(e[j], dp_meta(pkts[idx[j]])->slice))) {
				next[idx[j]] = DP_NEXT_DROP(UP_DROP(ue_to_upf));
				continue;
			}
			idx[k1++] = idx[j];
		}
		k = k1;
	}
	RTE_BUILD_BUG_ON(DP_LOOKUP_BURST > 64);   /* link: a bit a packet */
	if (k6)
		k = checks6(ctx, pkts, idx6, k6, idx, k, next, &link);
	if (unlikely(ke != 0))
		ul_eth(ctx, pkts, eth, ke, next, edge0);
	if (k == 0)
		return;
	/* the AMBRs' lines are on their way (upf.in asked for them) */
	up_terminations(ctx, true, pkts, idx, k, e, inl);
	k1 = 0;
	for (unsigned int j = 0; j < k; j++) {
		uint16_t *nx = &next[idx[j]];

		/* the link's packets leave only to the SMF (an app's tunnel:
		 * its Router Solicitations relayed), else are the UPF's */
		if (unlikely(link >> idx[j] & 1) &&
		    (e[j]->action != UP_UL_FWD_N9 || up_meta(pkts[idx[j]])->app == 0)) {
			ll[kl++] = idx[j];
			continue;
		}
		switch (e[j]->action) {
		case UP_UL_FWD_N6:   /* into the session's slice's VRF: no other */
		case UP_UL_FWD_N9:
		case UP_UL_REDIRECT:
			break;
		default:   /* drop: the gate closed (or an entry written with "none") */
			*nx = DP_NEXT_DROP(UP_DROP(gate_closed));
			continue;
		}
		e[k1] = e[j];
		idx[k1++] = idx[j];
	}
	if (unlikely(kl != 0))
		link_scope(ctx, pkts, ll, kl, next, dl_edge);
	for (unsigned int j = 0; j < k1; j++)
		up_urr_prefetch(ctx->worker, (const struct up_term *)e[j]->params);
	k = up_qer(ctx, pkts, idx, k1, e, next);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		uint16_t len = up_ip_len(m);

		if (unlikely(e[j]->action == UP_UL_REDIRECT)) {   /* counted as answered */
			rde[kr] = e[j];
			rd[kr++] = idx[j];
			continue;
		}
		if (likely(!ctx->shadow))
			up_urr_count(ctx->worker, (const struct up_term *)e[j]->params, m);
		if (e[j]->action == UP_UL_FWD_N6) {
			ctx->stats->events[UP_EVENT(breakout)]++;
			ctx->stats->events[UP_EVENT(breakout_bytes)] += len;
			next[idx[j]] = DP_NEXT_EDGE(edge0 + (dp_meta(m)->flags & DP_MF_IPV6 ? UP_UL_EDGE_L3V6 :
											   UP_UL_EDGE_L3));
			continue;
		}
		ctx->stats->events[UP_EVENT(to_n9)]++;
		ctx->stats->events[UP_EVENT(to_n9_bytes)] += len;
		e[k9] = e[j];
		n9[k9++] = idx[j];
	}
	if (unlikely(kr != 0))
		redirect(ctx, pkts, rd, rde, kr, next, dl_edge);
	if (k9)
		up_encap_burst(ctx, pkts, n9, k9, e, GTPU_PDU_TYPE_UL, (uint16_t)(edge0 + UP_UL_EDGE_L3V6), next,
			       false);
}

uint16_t
pl_upf_ul_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint16_t all[DP_LOOKUP_BURST];

	for (uint16_t i = 0; i < n; i++)
		all[i] = i;
	up_ul_run(ctx, pkts, all, n, next, 0, UP_UL_EDGE_DL);
	return 0;
}
