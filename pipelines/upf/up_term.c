/* Classification, terminations and QERs of upf.ul and upf.dl (up_term.h). */
#include <string.h>

#include <rte_ip.h>

#include "up_term.h"
#include "pl_qos.h"
#include "dp_stats.h"
#include "dp_table.h"

uint8_t pl_up_app_off[UP_APP_FIELDS];

void
up_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	    bool uplink, uint16_t *app)
{
	uint8_t keys[DP_LOOKUP_BURST][UP_APP_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	const uint8_t *off = pl_up_app_off;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct dp_meta *md = dp_meta(m);
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
									md->l3_off);
		uint8_t *key = keys[j];

		memset(key, 0, UP_APP_ROOM);
		*(rte_be16_t *)(key + off[UP_APP_SLICE]) = rte_cpu_to_be_16(md->slice);
		memcpy(key + off[UP_APP_REMOTE], uplink ? &ip->dst_addr : &ip->src_addr, 4);
		if ((md->flags & DP_MF_L4) && (md->l4_proto == IPPROTO_TCP || md->l4_proto == IPPROTO_UDP))
			*(rte_be16_t *)(key + off[UP_APP_PORT]) = rte_cpu_to_be_16(uplink ? md->dport : md->sport);
		key[off[UP_APP_PROTO]] = md->l4_proto;
		key[off[UP_APP_QFI]] = up_meta(m)->qfi;
		kp[j] = key;
	}
	dp_table_lookup(ctx->root, ctx->worker, (unsigned int)pl_up.apps, kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		app[j] = e[j]->action == UP_APP ? ((const struct up_app *)e[j]->params)->app : 0;
}

void
up_terminations(struct dp_stage_ctx *ctx, int table, struct rte_mbuf **pkts, const uint16_t *idx,
		unsigned int k, const uint16_t *app, const struct dp_entry **te)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	unsigned int again[DP_LOOKUP_BURST], na = 0;
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		up_term_key(keys[j], up_session_id(pkts[idx[j]]), app[j]);
		kp[j] = keys[j];
		up_meta(pkts[idx[j]])->app = app[j];
	}
	hit = dp_table_lookup(ctx->root, ctx->worker, (unsigned int)table, kp, k, te);
	/* an app the session has no termination for takes its default */
	for (unsigned int j = 0; j < k; j++)
		if (!(hit >> j & 1) && app[j] != 0) {
			up_term_key(keys[na], up_session_id(pkts[idx[j]]), 0);
			kp[na] = keys[na];
			again[na++] = j;
		}
	if (na == 0)
		return;
	dp_table_lookup(ctx->root, ctx->worker, (unsigned int)table, kp, na, e);
	for (unsigned int a = 0; a < na; a++) {
		te[again[a]] = e[a];
		up_meta(pkts[idx[again[a]]])->app = 0;
	}
}

/* One QER stage: pkts[idx[j]]'s meter mid(j), where it has one. */
static unsigned int
qer_stage(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
	  const struct dp_entry **te, uint16_t *next, unsigned int which)
{
	uint16_t midx[DP_LOOKUP_BURST];
	uint32_t mid[DP_LOOKUP_BURST];
	unsigned int nm = 0, k1 = 0;

	for (unsigned int j = 0; j < k; j++) {
		const struct up_session *s = (const struct up_session *)(*up_sess(pkts[idx[j]]))->params;
		uint32_t m = which == 0 ? ((const struct up_term *)te[j]->params)->meter :
			     which == 1 ? s->ambr : s->slice_meter;

		if (m != 0) {
			midx[nm] = idx[j];
			mid[nm++] = m;
		}
	}
	if (nm == 0 || pl_qos_meter(ctx, pkts, midx, nm, mid, next) == 0)
		return k;
	for (unsigned int j = 0; j < k; j++)
		if (next[idx[j]] == DP_NEXT_CONTINUE) {
			te[k1] = te[j];
			idx[k1++] = idx[j];
		}
	return k1;
}

unsigned int
up_qer(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
       const struct dp_entry **te, uint16_t *next)
{
	/* a meter's drop is the only other verdict here */
	for (unsigned int j = 0; j < k; j++)
		next[idx[j]] = DP_NEXT_CONTINUE;
	/* the app's MBR, then the session's AMBR, then the slice: what an
	 * inner one drops is not charged to the outer ones */
	for (unsigned int which = 0; which < 3 && k != 0; which++)
		k = qer_stage(ctx, pkts, idx, k, te, next, which);
	return k;
}
