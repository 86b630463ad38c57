/* overlay.encap's fast path. The general path (ov_encap.c) walks a burst
 * table by table: tunnels, meters, classes, policies (twice), paths, next
 * hops, each a bulk lookup of every packet, then the packets again. A
 * site's traffic has few tunnels, few classes per tunnel, few paths and
 * one or two underlay next hops, so this path walks the packets once: the
 * class per packet (the memo), and what repeats (a tunnel's class's
 * policy; a path and its underlay next hop) from a worker's small
 * direct-mapped caches, good while the versions of the tables they hold
 * are their stamp (dp_table_memo_stamp), as the memos are. What a cache
 * stood for is counted as the general path's lookups count (per entry,
 * hits and misses), per slot and burst. The tunnels' meters, the outer
 * headers, the MTU checks and the verdicts are the general path's own
 * functions; a frame whose path is encrypted is left to be sealed after
 * the walk, as the general path leaves it (ov_encap.h: OV_NEXT_SEAL). */
#include <string.h>

#include <rte_mbuf.h>

#include "ov_state.h"
#include "ov_encap.h"
#include "ov_encfast.h"
#include "ov_path.h"
#include "ov_repair.h"
#include "ov_app.h"
#include "ov_sa.h"
#include "sw_api.h"
#include "qos_api.h"
#include "dp_fastcheck.h"
#include "dp_flowkey.h"
#include "dp_memo.h"
#include "dp_port.h"
#include "dp_table.h"

bool pl_overlay_encap_fast_planted;

#define FC_SLOTS 64
#define FC_EMPTY UINT32_MAX

/* What one key came to: the entry (e2: the policies' class 0 entry its
 * class fell back to); cnt: the packets it answered this burst, not yet
 * counted. */
struct fc_slot {
	uint64_t stamp;                  /* 0: empty */
	uint32_t key;
	uint32_t cnt;
	const struct dp_entry *e, *e2;
	bool hit, hit2, two;
	/* paths: the underlay next hop (neigh, or neigh6 where v6) */
	bool nhit, v6, valid;
	const struct dp_entry *ne;
};

/* A worker's caches: policies by (tunnel, class), paths by id. */
struct fc_cache {
	struct fc_slot pol[FC_SLOTS], pth[FC_SLOTS];
} __rte_cache_aligned;
static struct fc_cache fc[DP_WORKERS_MAX];

void
ov_encfast_init(void)
{
	memset(fc, 0, sizeof(fc));
}

static inline struct fc_slot *
fc_at(struct fc_slot *c, uint32_t key)
{
	return &c[(key * 0x9e3779b1u) >> 26];
}

/* One uncounted lookup of key k in table (the caches count at the end). */
static inline bool
look1(struct dp_stage_ctx *ctx, int table, const uint8_t *k, const struct dp_entry **e)
{
	return dp_table_lookup(ctx->root, DP_WORKER_NONE, (unsigned int)table, &k, 1, e) & 1;
}

/* The policy entries of (tunnel, class): its own, else (a miss of a class
 * other than 0) the tunnel's class 0 one, as pick_paths looks them up. */
static void
policy_fill(struct dp_stage_ctx *ctx, struct fc_slot *s, uint32_t tunnel, uint16_t class)
{
	uint8_t k[SW_KEY_BYTES] __rte_aligned(16);

	ov_encap_policy_key(k, tunnel, class);
	s->hit = look1(ctx, pl_ov.policies, k, &s->e);
	s->two = !s->hit && class != 0;
	if (s->two) {
		ov_encap_policy_key(k, tunnel, 0);
		s->hit2 = look1(ctx, pl_ov.policies, k, &s->e2);
	}
}

/* The paths entry of id and, for a path that exists, its next hop. */
static void
path_fill(struct dp_stage_ctx *ctx, struct fc_slot *s, uint32_t id)
{
	uint8_t k[SW_KEY6_BYTES] __rte_aligned(16);

	s->hit = dp_table_lookup_ids(ctx->root, DP_WORKER_NONE, pl_ov.paths, &id, 1, &s->e) & 1;
	s->valid = id != 0 && s->e->action != OV_PATH_NONE;
	if (!s->valid)
		return;
	s->v6 = ov_state_nh_key(k, (const struct ov_path *)s->e->params);
	s->nhit = look1(ctx, s->v6 ? pl_sw.neigh6 : pl_sw.neigh, k, &s->ne);
}

/* Count one table's lookups as a cache stood for them: cnt hits of e, or
 * cnt misses. */
static inline void
count(unsigned int w, int table, const struct dp_entry *e, bool hit, uint32_t cnt)
{
	if (hit)
		dp_table_count_hits(w, (unsigned int)table, &e, &cnt, 1);
	else
		dp_table_count_misses(w, (unsigned int)table, cnt);
}

/* What slot s of the policies (pol) or the paths stood for this burst. */
static void
flush(unsigned int w, struct fc_slot *s, bool pol)
{
	if (s->cnt == 0)
		return;
	if (pol) {
		count(w, pl_ov.policies, s->e, s->hit, s->cnt);
		if (s->two)
			count(w, pl_ov.policies, s->e2, s->hit2, s->cnt);
	} else {
		count(w, pl_ov.paths, s->e, s->hit, s->cnt);
		if (s->valid)
			count(w, s->v6 ? pl_sw.neigh6 : pl_sw.neigh, s->ne, s->nhit, s->cnt);
	}
	s->cnt = 0;
}

/* The slot of key in cache c (pol: the policies'), filled for this stamp
 * if it held another key or an older one (counted first what it stood
 * for this burst); listed in used[] at its first packet of the burst. */
static inline struct fc_slot *
slot(struct dp_stage_ctx *ctx, unsigned int w, struct fc_slot *c, bool pol, uint32_t key, uint64_t stamp,
     uint16_t tunnel, uint16_t class, struct fc_slot **used, unsigned int *nu)
{
	struct fc_slot *s = fc_at(c, key);

	if (unlikely(s->key != key || s->stamp != stamp)) {
		flush(w, s, pol);
		s->key = key;
		s->stamp = stamp;
		if (pol)
			policy_fill(ctx, s, tunnel, class);
		else
			path_fill(ctx, s, key);
	}
	if (s->cnt++ == 0)
		used[(*nu)++] = s;
	return s;
}

bool
pl_overlay_encap_fast(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t ckeys[DP_LOOKUP_BURST][DP_FK_ROOM] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *te[DP_LOOKUP_BURST], *ce[DP_LOOKUP_BURST];
	uint32_t ids[DP_LOOKUP_BURST], ones[DP_LOOKUP_BURST], mid[DP_LOOKUP_BURST], pids[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], midx[DP_LOOKUP_BURST];
	struct fc_slot *used[2][DP_LOOKUP_BURST * 2];
	unsigned int nu[2] = { 0, 0 }, k = 0, nm = 0;
	struct ov_path_ctr *ctr = unlikely(ctx->shadow) ? NULL : ov_path_ctr[ctx->worker];
	struct ov_pins *pins = ov_path_pins[ctx->worker];
	struct ov_seal_pend *pend = ov_encap_pend[ctx->worker];
	bool esp = ov_sa_any;	/* once a burst, as the general path reads it */
	struct fc_cache *c = &fc[ctx->worker];
	uint16_t tick = (uint16_t)(ctx->now >> OV_PIN_TICK_SHIFT);
	unsigned int w = dp_ctx_count(ctx);
	/* read before any lookup: what the caches fill is no newer */
	uint64_t stamp = dp_table_memo_stamp(ctx->root, dp_table_version(pl_ov.policies) +
					     dp_table_version(pl_ov.paths) + dp_table_version(pl_sw.neigh) +
					     dp_table_version(pl_sw.neigh6));

	/* a class repaired somewhere, or flows named by application: the
	 * copies, numbers and names are the general path's */
	if (unlikely(n == 0 || n > DP_LOOKUP_BURST || stamp == 0 || ctx->worker >= DP_WORKERS_MAX ||
		     __atomic_load_n(&ov_repair_any, __ATOMIC_ACQUIRE) || __atomic_load_n(&ov_app_on, __ATOMIC_ACQUIRE)))
		return false;
	/* the shape: a tunnel of the frame's slice */
	for (uint16_t i = 0; i < n; i++)
		ids[i] = dp_meta(pkts[i])->tunnel;
	dp_table_lookup_ids(ctx->root, DP_WORKER_NONE, pl_ov.tunnels, ids, n, te);
	for (uint16_t i = 0; i < n; i++) {
		const struct ov_tunnel *t = (const struct ov_tunnel *)te[i]->params;

		if (te[i]->action == OV_TUNNEL_NONE || t->slice != dp_meta(pkts[i])->slice)
			return false;
		ones[i] = 1;
		next[i] = DP_NEXT_CONTINUE;
		if (t->meter != 0) {
			midx[nm] = i;
			mid[nm++] = t->meter;
		}
	}
	/* taken: from here on, counted as the general path counts; the
	 * tunnels' meters first, before any work on what they drop */
	dp_table_count_hits(w, (unsigned int)pl_ov.tunnels, te, ones, n);
	if (nm)
		pl_qos_meter(ctx, pkts, midx, nm, mid, next);
	for (uint16_t i = 0; i < n; i++)
		if (likely(next[i] == DP_NEXT_CONTINUE)) {
			dp_flowkey(ckeys[k], pl_ov_class_off, pkts[i], dp_meta(pkts[i]));
			kp[k] = ckeys[k];
			idx[k++] = i;
		}
	dp_memo_lookup(ov_encap_class_memo, ctx->root, w, kp, k, ce);
	/* each frame's path first, then the paths' work: two short loops
	 * whose iterations the core overlaps, where one long one chained a
	 * frame's slot loads (class, policy slot, pick, path slot) */
	for (unsigned int j = 0; j < k; j++) {
		uint16_t i = idx[j];
		uint16_t class = ce[j]->action == OV_CLASS ? ((const struct ov_class *)ce[j]->params)->class : 0;
		struct fc_slot *s = slot(ctx, w, c->pol, true, ids[i] << 8 | class, stamp, (uint16_t)ids[i], class,
					 used[0], &nu[0]);

		pids[j] = ov_encap_pick(ctx, s->two ? s->e2 : s->e, (const struct ov_tunnel *)te[i]->params,
					dp_meta(pkts[i])->hash, pins, tick);
	}
	for (unsigned int j = 0; j < k; j++) {
		uint16_t i = idx[j];
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct ov_tunnel *t = (const struct ov_tunnel *)te[i]->params;
		uint32_t pid = pids[j], mtu, over, dlen;
		const struct ov_sa *sa;
		const struct ov_path *p;
		const struct sw_rewrite *rw;
		unsigned int r;
		/* its path and the path's underlay next hop */
		struct fc_slot *s = slot(ctx, w, c->pth, false, pid, stamp, 0, 0, used[1], &nu[1]);

		if (!s->valid) {
			next[i] = DP_NEXT_DROP(OV_DROP(no_path));
			continue;
		}
		p = (const struct ov_path *)s->e->params;
		rw = s->nhit && pl_switch_nb_port(s->ne->action) ? (const struct sw_rewrite *)s->ne->params : NULL;
		mtu = ov_encap_mtu(p, rw);
		over = OV_PATH_ENCAP_LEN(p);
		sa = unlikely(esp) ? ov_sa_out_lane((uint16_t)pid, ctx->worker) : NULL;
		dlen = rte_pktmbuf_pkt_len(m) - md->l2_len + over;
		/* the sealed datagram's length where the path is encrypted;
		 * the sender is told what always fits: the most sealing adds */
		if (unlikely(dlen + (sa != NULL ? ov_sa_overhead(sa, dlen) : 0) > mtu) && !pl_overlay_encap_fast_planted) {
			next[i] = ov_encap_too_big(m, md, t, pid, mtu, over + (sa != NULL ? sa->overhead : 0));
			continue;
		}
		if ((r = ov_encap_outer(m, md, t, te[i]->action, p, NULL, NULL)) != 0) {
			next[i] = DP_NEXT_DROP(r);
			continue;
		}
		md->tunnel = pid;
		if (unlikely(sa != NULL)) {
			pend[i] = (struct ov_seal_pend){ sa, rw };
			next[i] = OV_NEXT_SEAL;
			continue;
		}
		next[i] = ov_encap_out(m, md, rw, ctr);
	}
	/* what the caches stood for */
	for (unsigned int u = 0; u < nu[0]; u++)
		flush(w, used[0][u], true);
	for (unsigned int u = 0; u < nu[1]; u++)
		flush(w, used[1][u], false);
	return true;
}

uint16_t
pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	if (!dp_fast_run("overlay.encap", ctx, pkts, n, next, pl_overlay_encap_fast, pl_overlay_encap_general))
		pl_overlay_encap_general(ctx, pkts, n, next);
	/* the walks, checked or not, sealed nothing */
	ov_encap_seal_pending(ctx, pkts, n, next);
	return 0;
}
