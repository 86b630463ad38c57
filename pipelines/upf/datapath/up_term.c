/* Classification, terminations and QERs of upf.ul and upf.dl (up_term.h). */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "up_term.h"
#include "up_names.h"
#include "qos_api.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_memo.h"

uint8_t pl_up_app_off[UP_APP_FIELDS], pl_up_app6_off[UP_APP_FIELDS], pl_up_eapp_off[UP_EAPP_FIELDS];

/* Each worker's memos of applications, applications6 and eth_applications
 * (dp_memo.h): a session's packets repeat their key, and the ACL walks its
 * trie a byte at a time for each. */
#define APP_MEMO_SLOTS 2048
#define APP_MEMO_MIN_HIT_PCT 40
static struct dp_memo *app_memo, *app6_memo, *eapp_memo;

int
up_term_init(unsigned int workers)
{
	app_memo = dp_memo_create((unsigned int)pl_up.apps, APP_MEMO_SLOTS, APP_MEMO_MIN_HIT_PCT, workers);
	app6_memo = dp_memo_create((unsigned int)pl_up.apps6, APP_MEMO_SLOTS, APP_MEMO_MIN_HIT_PCT, workers);
	eapp_memo = dp_memo_create((unsigned int)pl_up.eth_apps, APP_MEMO_SLOTS, APP_MEMO_MIN_HIT_PCT, workers);
	return app_memo != NULL && app6_memo != NULL && eapp_memo != NULL ? 0 : -ENOMEM;
}

void
up_term_fini(void)
{
	dp_memo_free(app_memo);
	dp_memo_free(app6_memo);
	dp_memo_free(eapp_memo);
	app_memo = app6_memo = eapp_memo = NULL;
}

/* The app of pkts[idx[j]], j < k (inner IP at l3_off, all of one version
 * v6, slice in dp_meta): the remote end is the destination uplink, the
 * source downlink. */
/* m's applications(6) key (room: what the table reads of one, a constant
 * where it is inlined, so the clearing is a few stores, not a string op) */
static inline void
app_key(uint8_t *key, size_t room, const uint8_t *off, struct rte_mbuf *m, bool uplink, bool v6)
{
	const struct dp_meta *md = dp_meta(m);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

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
}

static void
up_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	    bool uplink, bool v6, uint16_t *app)
{
	uint8_t keys[DP_LOOKUP_BURST][UP_APP6_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];

	for (unsigned int j = 0; j < k; j++) {
		if (v6)
			app_key(keys[j], UP_APP6_ROOM, pl_up_app6_off, pkts[idx[j]], uplink, true);
		else
			app_key(keys[j], UP_APP_ROOM, pl_up_app_off, pkts[idx[j]], uplink, false);
		kp[j] = keys[j];
	}
	dp_memo_lookup(v6 ? app6_memo : app_memo, ctx->root, dp_ctx_count(ctx), kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		app[j] = e[j]->action == UP_APP ? ((const struct up_app *)e[j]->params)->app : 0;
}

/* The 16 bits at f + off of a frame len long, or -1 past its end. */
static inline int
frame_u16(const uint8_t *f, uint32_t len, uint32_t off)
{
	return off + 2 <= len ? f[off] << 8 | f[off + 1] : -1;
}

/* The app of pkts[idx[j]], j < k: Ethernet PDU sessions' frames (the
 * frame at the data's start, slice in dp_meta). The remote MAC is the
 * destination uplink, the source downlink; the local one the other. The
 * tags are read from the frame as the session sends or gets it (upf.eth
 * untagged it of its bridge domain's VLAN; dp_meta says what the switch
 * saw): an S-TAG (TPID 0x88a8, or 0x9100) first, then a C-TAG (0x8100),
 * each only where its TCI and the type after it are in the first segment
 * (else the frame is taken as untagged there, its type the TPID); the
 * Ethertype is the one after them. */
static void
up_classify_eth(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
		bool uplink, uint16_t *app)
{
	uint8_t keys[DP_LOOKUP_BURST][UP_EAPP_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	const uint8_t *off = pl_up_eapp_off;

	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t len = rte_pktmbuf_data_len(m), at = 2 * RTE_ETHER_ADDR_LEN, ctag = 0, stag = 0;
		int type = frame_u16(f, len, at);
		uint8_t *key = keys[j];

		memset(key, 0, UP_EAPP_ROOM);
		*(rte_be16_t *)(key + off[UP_EAPP_SLICE]) = rte_cpu_to_be_16(dp_meta(m)->slice);
		if (likely(len >= 2 * RTE_ETHER_ADDR_LEN)) {   /* upf.in and the switch: a header whole */
			memcpy(key + off[UP_EAPP_REMOTE], f + (uplink ? 0 : RTE_ETHER_ADDR_LEN), RTE_ETHER_ADDR_LEN);
			memcpy(key + off[UP_EAPP_LOCAL], f + (uplink ? RTE_ETHER_ADDR_LEN : 0), RTE_ETHER_ADDR_LEN);
		}
		if ((type == RTE_ETHER_TYPE_QINQ || type == RTE_ETHER_TYPE_QINQ1) && at + 6 <= len) {
			stag = UP_TAG_PRESENT | (uint32_t)frame_u16(f, len, at + 2);
			at += 4;
			type = frame_u16(f, len, at);
		}
		if (type == RTE_ETHER_TYPE_VLAN && at + 6 <= len) {
			ctag = UP_TAG_PRESENT | (uint32_t)frame_u16(f, len, at + 2);
			at += 4;
			type = frame_u16(f, len, at);
		}
		*(rte_be16_t *)(key + off[UP_EAPP_ETHERTYPE]) = rte_cpu_to_be_16(type < 0 ? 0 : (uint16_t)type);
		*(rte_be32_t *)(key + off[UP_EAPP_CTAG]) = rte_cpu_to_be_32(ctag);
		*(rte_be32_t *)(key + off[UP_EAPP_STAG]) = rte_cpu_to_be_32(stag);
		kp[j] = key;
	}
	dp_memo_lookup(eapp_memo, ctx->root, dp_ctx_count(ctx), kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		app[j] = e[j]->action == UP_APP ? ((const struct up_app *)e[j]->params)->app : 0;
}

/* The inline app termination of m's session (struct up_session_ul) as
 * an entry in *e, if it is app's: the stages read a termination as an
 * entry's action and params. */
static inline bool
inline_term(struct rte_mbuf *m, uint16_t app, struct dp_entry *e)
{
	const struct dp_entry *se = *up_sess(m);
	const struct up_session_ul *su = (const struct up_session_ul *)se->params;

	if (se->table != pl_up.sess_ul || su->app != app)
		return false;
	e->action = su->app_action;
	e->table = (uint16_t)pl_up.term_ul;
	e->idx = DP_ENTRY_NO_SLOT;
	*(struct up_term *)e->params = up_session_app_far(su);
	return true;
}

void
up_terminations(struct dp_stage_ctx *ctx, bool uplink, struct rte_mbuf **pkts, const uint16_t *idx,
		unsigned int k, const struct dp_entry **te, struct dp_entry *inl)
{
	uint8_t keys[DP_LOOKUP_BURST][16] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t cidx[DP_LOOKUP_BURST], c6[DP_LOOKUP_BURST], ce[DP_LOOKUP_BURST], app[DP_LOOKUP_BURST];
	unsigned int where[DP_LOOKUP_BURST], w6[DP_LOOKUP_BURST], we[DP_LOOKUP_BURST], nc = 0, n6 = 0, ne = 0;
	unsigned int nk = 0;
	uint64_t hit;

	/* the session's own termination, unless one of its apps has another;
	 * those to classify: an Ethernet PDU session's frames (whatever they
	 * carry: upf.in parsed them), else by IP version (applications,
	 * applications6); a packet of neither keeps its own */
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		uint32_t fl = dp_meta(m)->flags;

		te[j] = *up_sess(m);
		up_meta(m)->app = 0;
		if (!(up_session(m)->flags & UP_SF_APPS))
			continue;
		if (unlikely(up_session_eth(te[j]))) {
			ce[ne] = idx[j];
			we[ne++] = j;
		} else if (fl & DP_MF_IPV6) {
			c6[n6] = idx[j];
			w6[n6++] = j;
		} else if (fl & DP_MF_IPV4) {
			cidx[nc] = idx[j];
			where[nc++] = j;
		}
	}
	if (nc + n6 + ne == 0)
		return;
	if (nc)
		up_classify(ctx, pkts, cidx, nc, uplink, false, app);
	if (n6) {   /* after the IPv4 ones */
		up_classify(ctx, pkts, c6, n6, uplink, true, app + nc);
		memcpy(cidx + nc, c6, n6 * sizeof(c6[0]));
		memcpy(where + nc, w6, n6 * sizeof(w6[0]));
		nc += n6;
	}
	if (ne) {   /* and the frames last */
		up_classify_eth(ctx, pkts, ce, ne, uplink, app + nc);
		memcpy(cidx + nc, ce, ne * sizeof(ce[0]));
		memcpy(where + nc, we, ne * sizeof(we[0]));
		nc += ne;
	}
	for (unsigned int c = 0; c < nc; c++) {
		if (app[c] == 0)
			continue;
		/* the session's one app whose termination it holds: no lookup */
		if (uplink && inline_term(pkts[cidx[c]], app[c], &inl[where[c]])) {
			te[where[c]] = &inl[where[c]];
			up_meta(pkts[cidx[c]])->app = app[c];
			continue;
		}
		up_term_key(keys[nk], up_session(pkts[cidx[c]])->id, app[c]);
		kp[nk] = keys[nk];
		app[nk] = app[c];
		where[nk++] = where[c];
	}
	if (nk == 0)
		return;
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), (unsigned int)(uplink ? pl_up.term_ul : pl_up.term_dl),
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
	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), (unsigned int)pl_up.slices, slice_meter, k, se);
	for (unsigned int j = 0; j < k; j++)
		slice_meter[j] = se[j]->action == UP_SLICE ? ((const struct up_slice *)se[j]->params)->meter : 0;
	/* the termination's MBR, then the session's AMBR, then the slice: what
	 * an inner one drops is not charged to the outer ones */
	for (unsigned int which = 0; which < 3 && k != 0; which++)
		k = qer_stage(ctx, pkts, idx, k, te, slice_meter, next, which);
	return k;
}
