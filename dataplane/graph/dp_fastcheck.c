/* A fast path checked against its general path at run time (dp_fastcheck.h). */
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_fastcheck.h"
#include "dp_log.h"
#include "dp_stats.h"
#include "dp_table.h"

bool dp_fast_check, dp_fast_off;

void
dp_fast_check_init(void)
{
	const char *v = getenv("SXDP_FAST_CHECK");

	dp_fast_check = v != NULL && strcmp(v, "0") != 0;
	if (dp_fast_check)
		DP_LOG(INFO, "SXDP_FAST_CHECK: every fast path is checked against its general path");
	v = getenv("SXDP_FAST_OFF");
	dp_fast_off = v != NULL && strcmp(v, "0") != 0;
	if (dp_fast_off)
		DP_LOG(NOTICE, "SXDP_FAST_OFF: every fast path declines, the general paths take every burst");
}

void
dp_stage_then(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next, dp_stage_fn first,
	      uint16_t via, dp_stage_fn second, const uint8_t *map, unsigned int n_map)
{
	struct rte_mbuf *s[DP_LOOKUP_BURST];
	uint16_t sn[DP_LOOKUP_BURST], si[DP_LOOKUP_BURST];
	unsigned int ns = 0;

	first(ctx, pkts, n, next);
	for (uint16_t i = 0; i < n; i++)
		if (next[i] == DP_NEXT_EDGE(via)) {
			si[ns] = i;
			s[ns++] = pkts[i];
		}
	if (ns)
		second(ctx, s, (uint16_t)ns, sn);
	for (unsigned int j = 0; j < ns; j++) {
		unsigned int k = (unsigned int)(sn[j] - DP_NEXT_CONTINUE);

		next[si[j]] = sn[j] >= DP_NEXT_CONTINUE && !DP_NEXT_IS_DROP(sn[j]) && k < n_map ?
			      DP_NEXT_EDGE(map[k]) : sn[j];
	}
}

/* Where m (after fast) and its copy c (after the general path) differ:
 * NULL when they do not. */
static const char *
differs(const struct rte_mbuf *m, uint16_t nx, const struct rte_mbuf *c, uint16_t cnx)
{
	if (nx != cnx)
		return "next";
	if (memcmp(rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)m),
		   rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)c), DP_META_PRIV_SIZE) != 0)
		return "private area (dp_meta, features' fields)";
	if (memcmp(m->dynfield1, c->dynfield1, sizeof(m->dynfield1)) != 0)
		return "dynamic fields";
	if (m->ol_flags != c->ol_flags)
		return "offload flags";
	if (rte_pktmbuf_pkt_len(m) != rte_pktmbuf_pkt_len(c) || rte_pktmbuf_data_len(m) != rte_pktmbuf_data_len(c))
		return "length";
	if (memcmp(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_mtod(c, const void *), rte_pktmbuf_data_len(m)) != 0)
		return "data";
	return NULL;
}

bool
dp_fast_checked(const char *what, struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
		uint16_t *next, dp_fast_fn fast, dp_stage_fn general)
{
	static struct dp_lcore_stats scratch[RTE_MAX_LCORE];   /* the shadow walk's counts, thrown away */
	static uint32_t walks[RTE_MAX_LCORE];                  /* each lcore's shadow walks, numbered */
	const unsigned int lc = ctx->lcore < RTE_MAX_LCORE ? ctx->lcore : 0;
	struct dp_stage_ctx shadow, *sh = &shadow;
	struct rte_mbuf *c[DP_LOOKUP_BURST];
	uint16_t cnext[DP_LOOKUP_BURST];
	uint64_t seq;
	uint32_t outer;
	bool took, same_tables, moved, outer_moved;

	if (n > DP_LOOKUP_BURST)
		return fast(ctx, pkts, n, next);
	for (uint16_t i = 0; i < n; i++) {
		c[i] = rte_pktmbuf_copy(pkts[i], pkts[i]->pool, 0, UINT32_MAX);
		if (c[i] == NULL) {   /* no room to check: unchecked */
			rte_pktmbuf_free_bulk(c, i);
			return fast(ctx, pkts, n, next);
		}
		memcpy(rte_mbuf_to_priv(c[i]), rte_mbuf_to_priv(pkts[i]), DP_META_PRIV_SIZE);
		/* the headroom too: a stage that prepends headers may leave
		 * bytes a later one writes (an Ethernet header routed on) as
		 * the buffer had them */
		if (c[i]->data_off == pkts[i]->data_off)
			memcpy(c[i]->buf_addr, pkts[i]->buf_addr, pkts[i]->data_off);
	}
	*sh = *ctx;
	sh->shadow = ++walks[lc] != 0 ? walks[lc] : ++walks[lc];
	sh->n_extra = 0;
	sh->checked = 0;
	sh->stats = &scratch[lc];
	seq = dp_tables_write_seq();
	general(sh, c, n, cnext);
	outer = ctx->checked;   /* a check within a checked walk: restored after */
	outer_moved = ctx->moved;
	ctx->checked = sh->shadow;
	ctx->moved = false;
	took = fast(ctx, pkts, n, next);
	moved = ctx->moved;
	ctx->checked = outer;
	ctx->moved = outer_moved || moved;
	/* a table written meanwhile: each walk saw some of it (its lookups
	 * old or new entries), so a difference proves nothing; nor where
	 * another worker moved shared state between the walks */
	same_tables = !(seq & 1) && dp_tables_write_seq() == seq && !moved;
	for (uint16_t i = 0; took && same_tables && i < n; i++) {
		const char *d = differs(pkts[i], next[i], c[i], cnext[i]);

		if (d != NULL) {
			DP_LOG(ERR, "%s: the fast path and the general path differ in %s of packet %u of %u "
			       "(next %u against %u)", what, d, i, n, next[i], cnext[i]);
			rte_pktmbuf_dump(stderr, pkts[i], 128);   /* the fast path's, then the general's */
			rte_pktmbuf_dump(stderr, c[i], 128);
			abort();
		}
	}
	for (uint16_t i = 0; i < sh->n_extra; i++)
		rte_pktmbuf_free(sh->extra[i]);
	rte_pktmbuf_free_bulk(c, n);
	return took;
}
