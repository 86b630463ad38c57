/* Classification, terminations and QERs of upf.ul and upf.dl (up_term.h). */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "up_term.h"
#include "qos_api.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_memo.h"

uint8_t pl_up_app_off[UP_APP_FIELDS], pl_up_app6_off[UP_APP_FIELDS];

/* Each worker's memos of applications and applications6 (dp_memo.h):
 * a session's packets repeat their key, and the ACL walks its trie a byte
 * at a time for each. */
#define APP_MEMO_SLOTS 2048
#define APP_MEMO_MIN_HIT_PCT 40
static struct dp_memo *app_memo, *app6_memo;

int
up_term_init(unsigned int workers)
{
	app_memo = dp_memo_create((unsigned int)pl_up.apps, APP_MEMO_SLOTS, APP_MEMO_MIN_HIT_PCT, workers);
	app6_memo = dp_memo_create((unsigned int)pl_up.apps6, APP_MEMO_SLOTS, APP_MEMO_MIN_HIT_PCT, workers);
	return app_memo != NULL && app6_memo != NULL ? 0 : -ENOMEM;
}

void
up_term_fini(void)
{
	dp_memo_free(app_memo);
	dp_memo_free(app6_memo);
	app_memo = app6_memo = NULL;
}

/* The app of pkts[idx[j]], j < k (inner IP at l3_off, all of one version
 * v6, slice in dp_meta): the remote end is the destination uplink, the
 * source downlink. */
static void
up_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	    bool uplink, bool v6, uint16_t *app)
{
	uint8_t keys[DP_LOOKUP_BURST][UP_APP6_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	const uint8_t *off = v6 ? pl_up_app6_off : pl_up_app_off;
	const size_t room = v6 ? UP_APP6_ROOM : UP_APP_ROOM;   /* what the table reads of a key */

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const struct dp_meta *md = dp_meta(m);
		const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);
		uint8_t *key = keys[j];

		memset(key, 0, room);
		*(rte_be16_t *)(key + off[UP_APP_SLICE]) = rte_cpu_to_be_16(md->slice);
		if (v6)
			memcpy(key + off[UP_APP_REMOTE], l3 + (uplink ? offsetof(struct rte_ipv6_hdr, dst_addr) :
							       offsetof(struct rte_ipv6_hdr, src_addr)), 16);
		else
			memcpy(key + off[UP_APP_REMOTE], l3 + (uplink ? offsetof(struct rte_ipv4_hdr, dst_addr) :
							       offsetof(struct rte_ipv4_hdr, src_addr)), 4);
		if ((md->flags & DP_MF_L4) && (md->l4_proto == IPPROTO_TCP || md->l4_proto == IPPROTO_UDP))
			*(rte_be16_t *)(key + off[UP_APP_PORT]) = rte_cpu_to_be_16(uplink ? md->dport : md->sport);
		key[off[UP_APP_PROTO]] = md->l4_proto;
		key[off[UP_APP_QFI]] = up_meta(m)->qfi;
		kp[j] = key;
	}
	dp_memo_lookup(v6 ? app6_memo : app_memo, ctx->root, ctx->worker, kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		app[j] = e[j]->action == UP_APP ? ((const struct up_app *)e[j]->params)->app : 0;
}

void
up_terminations(struct dp_stage_ctx *ctx, bool uplink, struct rte_mbuf **pkts, const uint16_t *idx,
		unsigned int k, const struct dp_entry **te)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t cidx[DP_LOOKUP_BURST], c6[DP_LOOKUP_BURST], app[DP_LOOKUP_BURST];
	unsigned int where[DP_LOOKUP_BURST], w6[DP_LOOKUP_BURST], nc = 0, n6 = 0, nk = 0;
	uint64_t hit;

	/* the session's own termination, unless one of its apps has another;
	 * those to classify by IP version (applications, applications6) */
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];

		te[j] = *up_sess(m);
		up_meta(m)->app = 0;
		if (!up_session(m)->apps)
			continue;
		if (dp_meta(m)->flags & DP_MF_IPV6) {
			c6[n6] = idx[j];
			w6[n6++] = j;
		} else {
			cidx[nc] = idx[j];
			where[nc++] = j;
		}
	}
	if (nc + n6 == 0)
		return;
	if (nc)
		up_classify(ctx, pkts, cidx, nc, uplink, false, app);
	if (n6) {   /* after the IPv4 ones */
		up_classify(ctx, pkts, c6, n6, uplink, true, app + nc);
		memcpy(cidx + nc, c6, n6 * sizeof(c6[0]));
		memcpy(where + nc, w6, n6 * sizeof(w6[0]));
		nc += n6;
	}
	for (unsigned int c = 0; c < nc; c++) {
		if (app[c] == 0)
			continue;
		up_term_key(keys[nk], up_session(pkts[cidx[c]])->id, app[c]);
		kp[nk] = keys[nk];
		app[nk] = app[c];
		where[nk++] = where[c];
	}
	if (nk == 0)
		return;
	hit = dp_table_lookup(ctx->root, ctx->worker, (unsigned int)(uplink ? pl_up.term_ul : pl_up.term_dl),
			      kp, nk, e);
	for (unsigned int c = 0; c < nk; c++)
		if (hit >> c & 1) {
			te[where[c]] = e[c];
			up_meta(pkts[idx[where[c]]])->app = app[c];
		}
}

void
up_ambr_prefetch(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k)
{
	uint32_t m[DP_LOOKUP_BURST];

	for (unsigned int j = 0; j < k; j++)
		m[j] = up_session(pkts[idx[j]])->ambr;
	pl_qos_meter_prefetch(ctx->worker, m, k);
}

/* One QER stage: pkts[idx[j]]'s meter mid(j), where it has one. */
static unsigned int
qer_stage(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
	  const struct dp_entry **te, uint32_t *slice_meter, uint16_t *next, unsigned int which)
{
	uint16_t midx[DP_LOOKUP_BURST];
	uint32_t mid[DP_LOOKUP_BURST];
	unsigned int nm = 0, k1 = 0;

	for (unsigned int j = 0; j < k; j++) {
		uint32_t m = which == 0 ? ((const struct up_term *)te[j]->params)->meter :
			     which == 1 ? up_session(pkts[idx[j]])->ambr : slice_meter[j];

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
			slice_meter[k1] = slice_meter[j];
			idx[k1++] = idx[j];
		}
	return k1;
}

unsigned int
up_qer(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
       const struct dp_entry **te, uint16_t *next)
{
	const struct dp_entry *se[DP_LOOKUP_BURST];
	uint32_t slice_meter[DP_LOOKUP_BURST];

	if (k == 0)
		return 0;
	/* a meter's drop is the only other verdict here */
	for (unsigned int j = 0; j < k; j++) {
		next[idx[j]] = DP_NEXT_CONTINUE;
		slice_meter[j] = dp_meta(pkts[idx[j]])->slice;
	}
	dp_table_lookup_ids(ctx->root, ctx->worker, (unsigned int)pl_up.slices, slice_meter, k, se);
	for (unsigned int j = 0; j < k; j++)
		slice_meter[j] = se[j]->action == UP_SLICE ? ((const struct up_slice *)se[j]->params)->meter : 0;
	/* the termination's MBR, then the session's AMBR, then the slice: what
	 * an inner one drops is not charged to the outer ones */
	for (unsigned int which = 0; which < 3 && k != 0; which++)
		k = qer_stage(ctx, pkts, idx, k, te, slice_meter, next, which);
	return k;
}
