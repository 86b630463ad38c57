/* Overlay stage "encap": a frame the switch sent to a tunnel (dp_meta.tunnel)
 * leaves inside it. The tunnel must be the frame's slice's; the inner frame
 * goes untagged (the VNI names its bridge domain). The path is picked by
 * the tunnel's policy for the inner packet's class (classes, policies) from
 * the paths that are up, a flow staying on its path while that is up; the
 * outer headers go from the path's VTEP to its far end, with the source
 * port from the inner flow hash; the underlay next hop's rewrite is the
 * switch's neighbour entry (unresolved: the slow path holds the packet
 * while the switch asks for it). A packet too big for its path once
 * encapsulated is checked before encap, on the inner packet as it came:
 * the slow path half (pl_overlay_too_big) tells its sender or, routed
 * without DF, fragments it. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "ov_state.h"
#include "ov_encap.h"
#include "ov_seal.h"
#include "ov_path.h"
#include "ov_repair.h"
#include "ov_app.h"
#include "ov_tun.h"
#include "sw_api.h"
#include "qos_api.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_memo.h"
#include "dp_flowkey.h"
#include "dp_slow.h"

/* encap's IPv6 half: the outer headers of m (h: what both families share)
 * over IPv6 path p. The UDP checksum is computed (IPv6 has no zero one),
 * over the whole datagram however it is segmented. 0, or a drop reason. */
static unsigned int
encap6(struct rte_mbuf *m, struct dp_meta *md, const struct ov_encap_hdr *h, const struct ov_path *p,
       uint16_t inner_len)
{
	struct ov_encap_hdr6 h6 = {
		.type = h->type, .vni = h->vni, .src = p->src, .dst = p->dst, .hops = h->ttl, .tc = h->tos,
		.sport = h->sport, .opt_words = h->opt_words, .flow = md->hash,
	};
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *uh;
	uint8_t *d = (uint8_t *)rte_pktmbuf_prepend(m, OV_ENCAP_LEN6);

	if (d == NULL)
		return OV_DROP(no_headroom);
	ov_tun_write6(d + OV_ETH_HLEN, &h6, inner_len);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(d + OV_ETH_HLEN);
	uh = (struct rte_udp_hdr *)(d + OV_ETH_HLEN + OV_IP6_HLEN);
	uh->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, ip6, OV_ETH_HLEN + OV_IP6_HLEN);
	md->flags = DP_MF_IPV6 | DP_MF_L4;
	md->l2_len = md->l3_off = OV_ETH_HLEN;
	md->l4_off = OV_ETH_HLEN + OV_IP6_HLEN;
	md->ethertype = RTE_ETHER_TYPE_IPV6;
	md->l4_proto = IPPROTO_UDP;
	md->ttl = h->ttl;
	md->sport = h->sport;
	md->dport = ov_tun_port(h->type);
	return 0;
}

unsigned int
ov_encap_outer(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action,
	       const struct ov_path *p, const struct ov_sa *sa, struct ov_sa_ctr *sc)
{
	return ov_encap_outer_rep(m, md, t, action, p, sa, sc, NULL);
}

/* Outer headers and metadata of m, encapsulated for path p (with the
 * repair option rep, unless NULL: then over GENEVE whatever the tunnel's
 * type, from the stream's source port), then sealed with sa (NULL: clear;
 * counted in sc, the lcore's row of ov_sa_ctr). 0, or a drop reason. */
unsigned int
ov_encap_outer_rep(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action,
		   const struct ov_path *p, const struct ov_sa *sa, struct ov_sa_ctr *sc, const struct ov_tun_rep *rep)
{
	struct ov_encap_hdr h;
	uint8_t tos = 0, ttl = 64;
	uint16_t inner_len;
	uint8_t *d;

	if (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) {
		tos = dp_flowkey_tos(m, md);
		ttl = md->ttl;
	}
	if ((md->flags & DP_MF_VLAN) && pl_switch_vlan_set(m, 1, 0) < 0)
		return OV_DROP(no_headroom);
	/* a FEC parity is no frame: its bytes are the block's XOR */
	if (ov_tunnel_l3(t) && !(rep != NULL && rep->k != 0 && rep->idx == rep->k)) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		/* routed: from the router MAC its sender addressed, to the far end's */
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		memcpy(&eth->dst_addr, t->rmac, 6);
	}
	h.type = action == OV_TUNNEL_GENEVE ? OV_TUN_GENEVE : OV_TUN_VXLAN;
	h.opt_words = 0;
	h.sport = ov_tun_sport(md->hash);
	if (unlikely(rep != NULL)) {
		/* one source port a stream: its frames reach one queue of the
		 * far end, whose FEC decoder is its worker's */
		if ((d = (uint8_t *)rte_pktmbuf_prepend(m, OV_REP_OPT_LEN)) == NULL)
			return OV_DROP(no_headroom);
		ov_tun_rep_write(d, rep);
		h.type = OV_TUN_GENEVE;
		h.opt_words = OV_REP_OPT_LEN / 4;
		h.sport = ov_tun_sport(rep->stream);
	}
	inner_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	h.vni = t->vni;
	h.ttl = t->ttl == OV_TTL_COPY ? ttl : t->ttl;
	/* ECN copied (RFC 6040 normal mode), DSCP set or copied */
	h.tos = (uint8_t)((t->dscp == OV_DSCP_COPY ? tos & 0xfc : t->dscp << 2) | (tos & 0x03));
	if (unlikely(ov_path_v6(p)))
		return encap6(m, md, &h, p, inner_len);
	d = (uint8_t *)rte_pktmbuf_prepend(m, OV_ENCAP_LEN);
	if (d == NULL)
		return OV_DROP(no_headroom);
	h.src = ov_ip4(p->src);
	h.dst = ov_ip4(p->dst);
	/* the UDP checksum over the whole chain, not the first segment's
	 * buffer (ov_tun_write's is for a contiguous datagram) */
	h.udp_csum = false;
	ov_tun_write(d + OV_ETH_HLEN, &h, inner_len);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (t->csum != 0)
		((struct rte_udp_hdr *)(d + OV_ETH_HLEN + OV_IP_HLEN))->dgram_cksum =
			rte_ipv4_udptcp_cksum_mbuf(m, (const struct rte_ipv4_hdr *)(d + OV_ETH_HLEN),
						   OV_ETH_HLEN + OV_IP_HLEN);
	/* the packet is now its outer frame, for the rewrite and the slow path */
	md->flags = DP_MF_IPV4 | DP_MF_L4;
	md->l2_len = md->l3_off = OV_ETH_HLEN;
	md->l4_off = OV_ETH_HLEN + OV_IP_HLEN;
	md->ethertype = RTE_ETHER_TYPE_IPV4;
	md->l4_proto = IPPROTO_UDP;
	md->ttl = h.ttl;
	md->sport = h.sport;
	md->dport = ov_tun_port(h.type);
	if (unlikely(sa != NULL)) {
		unsigned int r;

		ov_seal_burst(&m, 1, sa, sc, rte_rdtsc(), &r);	/* the slow path's (fragments) */
		return r;
	}
	return 0;
}

/* m does not fit its path (mtu: the largest outer IPv4 packet it takes).
 * IPv4 with DF and IPv6 go to the slow path, which tells the sender; IPv4
 * without DF routed (an L3 VNI, a neighbour behind the tunnel) goes there
 * to be fragmented; a bridged frame is dropped. */
uint16_t
ov_encap_too_big(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint32_t path, uint32_t mtu,
		 uint32_t over)
{
	bool df = false;

	if (md->flags & DP_MF_IPV4)
		df = (rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off)->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) != 0;
	if (mtu < over + OV_INNER_MTU_MIN ||
	    !(df || (md->flags & DP_MF_IPV6) ||
	      ((md->flags & DP_MF_IPV4) && (ov_tunnel_l3(t) || (md->flags & DP_MF_ROUTED)))))
		return DP_NEXT_DROP(OV_DROP(too_big));
	md->out_port = OV_TOO_BIG(path, mtu - over);
	md->punt = OV_PUNT_TOO_BIG;
	return DP_NEXT_PUNT;
}

/* m (its outer frame) on its way through the underlay next hop rw (NULL:
 * not resolved: held by the slow path until it resolves): its verdict. */
uint16_t
ov_encap_out(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rewrite *rw, struct ov_path_ctr *ctr)
{
	if (rw == NULL) {
		md->punt = OV_PUNT_UNRESOLVED;
		return DP_NEXT_PUNT;
	}
	if (pl_switch_vlan_set(m, 0, rw->vlan) < 0)
		return DP_NEXT_DROP(OV_DROP(no_headroom));
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), rw->dmac, 6);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 6), rw->smac, 6);
	if (likely(ctr != NULL)) {
		ctr[md->tunnel].pkts++;
		ctr[md->tunnel].bytes += rte_pktmbuf_pkt_len(m);
	}
	md->out_port = rw->port;
	return DP_NEXT_TX;
}

struct ov_seal_pend ov_encap_pend[DP_WORKERS_MAX][DP_LOOKUP_BURST];

void
ov_encap_seal_pending(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct ov_seal_pend *pend = ov_encap_pend[ctx->worker];
	struct ov_path_ctr *ctr = ov_path_ctr[ctx->worker];
	struct ov_sa_ctr *sc = ov_sa_ctr[ctx->worker];
	const struct ov_sa *sas[DP_LOOKUP_BURST], *gsa[DP_LOOKUP_BURST];
	uint8_t gn[DP_LOOKUP_BURST], start[DP_LOOKUP_BURST], sealq[DP_LOOKUP_BURST];
	uint8_t order[DP_LOOKUP_BURST];	/* the frames, their groups' one after another */
	struct rte_mbuf *m[DP_LOOKUP_BURST];
	unsigned int res[DP_LOOKUP_BURST], ns = 0, ng;

	for (uint16_t i = 0; i < n; i++)
		if (unlikely(next[i] == OV_NEXT_SEAL)) {
			const struct ov_seal_pend *p = &pend[i];

			sas[ns] = p->sa;
			sealq[ns++] = (uint8_t)i;
			/* an ESP packet's outer IPv4 header checksummed by the
			 * port it leaves by, where that can (ov_esp_seal_burst) */
			if (p->rw != NULL && p->sa->proto == OV_SA_ESP && !p->sa->v6 &&
			    dp_port_tx_ip4_cksum(p->rw->port))
				pkts[i]->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		}
	if (likely(ns == 0))
		return;
	ng = ov_sa_group(sas, ns, gsa, start, gn, order);
	for (unsigned int g = 0; g < ng; g++) {
		const uint8_t *at = &order[start[g]];

		for (unsigned int x = 0; x < gn[g]; x++)
			m[x] = pkts[sealq[at[x]]];
		ov_seal_burst(m, gn[g], gsa[g], sc, ctx->now, res);
		for (unsigned int x = 0; x < gn[g]; x++) {
			unsigned int i = sealq[at[x]];

			next[i] = res[x] != 0 ? DP_NEXT_DROP(res[x]) : ov_encap_out(m[x], dp_meta(m[x]), pend[i].rw, ctr);
			/* the offload's lengths: the outer Ethernet header's as
			 * the rewrite left it (a VLAN tag or not), the IPv4 one */
			if (m[x]->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
				uint64_t tag = pend[i].rw->vlan != 0 ? sizeof(struct rte_vlan_hdr) : 0;

				m[x]->tx_offload = rte_mbuf_tx_offload(OV_SA_L2_LEN + tag, sizeof(struct rte_ipv4_hdr),
								       0, 0, 0, 0, 0);
			}
		}
	}
}

/* Each worker's memo of the classes ACL (dp_memo.h): a site's flows
 * repeat, and rte_acl walks its trie a byte at a time for each of them. */
#define CLASS_MEMO_SLOTS 2048
#define CLASS_MEMO_MIN_HIT_PCT 40
struct dp_memo *ov_encap_class_memo;

int
ov_encap_init(unsigned int workers)
{
	ov_encap_class_memo = dp_memo_create((unsigned int)pl_ov.classes, CLASS_MEMO_SLOTS, CLASS_MEMO_MIN_HIT_PCT, workers);
	return ov_encap_class_memo != NULL ? 0 : -ENOMEM;
}

void
ov_encap_fini(void)
{
	dp_memo_free(ov_encap_class_memo);
	ov_encap_class_memo = NULL;
}

void
ov_encap_policy_key(uint8_t *k, uint32_t tunnel, uint16_t class)
{
	memset(k, 0, SW_KEY_BYTES);
	*(rte_be16_t *)k = rte_cpu_to_be_16((uint16_t)tunnel);
	*(rte_be16_t *)(k + 2) = rte_cpu_to_be_16(class);
}

uint16_t
ov_encap_pick(struct dp_stage_ctx *ctx, const struct dp_entry *pe, const struct ov_tunnel *t, uint32_t hash,
	      struct ov_pins *pins, uint16_t tick)
{
	bool unmet = false;
	uint16_t pid;

	if (pe->action == OV_POLICY_NONE)
		return ov_path_alive(t->path) ? t->path : 0;
	pid = ov_path_pick_pinned(pe->action, (const struct ov_policy *)pe->params, hash, &unmet, pins, tick);
	if (unlikely(unmet))
		ctx->stats->events[OV_EVENT(sla_unmet)]++;
	return pid;
}

/* Each packet's path (pid[j], 0: none up): its class's policy of its
 * tunnel, else the tunnel's class 0 policy, else the tunnel's own path;
 * the policy's entry (pe[j]) and the class (cls[j]). */
static void
pick_paths(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	   const struct dp_entry **te, uint32_t *pid, const struct dp_entry **pe, uint16_t *cls)
{
	uint8_t ckeys[DP_LOOKUP_BURST][DP_FK_ROOM] __rte_aligned(16);
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	unsigned int again[DP_LOOKUP_BURST], na = 0;
	struct ov_pins *pins = ov_path_pins[ctx->worker];
	uint16_t tick = (uint16_t)(ctx->now >> OV_PIN_TICK_SHIFT);
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		dp_flowkey(ckeys[j], pl_ov_class_off, pkts[idx[j]], dp_meta(pkts[idx[j]]));
		kp[j] = ckeys[j];
	}
	dp_memo_lookup(ov_encap_class_memo, ctx->root, dp_ctx_count(ctx), kp, k, e);
	for (unsigned int j = 0; j < k; j++)
		cls[j] = e[j]->action == OV_CLASS ? ((const struct ov_class *)e[j]->params)->class : 0;
	/* a flow's application, where app_classes names some, over the rules */
	if (unlikely(__atomic_load_n(&ov_app_on, __ATOMIC_ACQUIRE)))
		ov_app_classes(ctx, pkts, idx, k, cls);
	for (unsigned int j = 0; j < k; j++) {
		ov_encap_policy_key(keys[j], dp_meta(pkts[idx[j]])->tunnel, cls[j]);
		kp[j] = keys[j];
	}
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_ov.policies, kp, k, pe);
	for (unsigned int j = 0; j < k; j++)
		if (!(hit >> j & 1) && cls[j] != 0) {
			ov_encap_policy_key(keys[na], dp_meta(pkts[idx[j]])->tunnel, 0);
			kp[na] = keys[na];
			again[na++] = j;
		}
	if (na) {
		hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_ov.policies, kp, na, e);
		for (unsigned int a = 0; a < na; a++)
			pe[again[a]] = e[a];
	}
	for (unsigned int j = 0; j < k; j++)
		pid[j] = ov_encap_pick(ctx, pe[j], (const struct ov_tunnel *)te[j]->params, dp_meta(pkts[idx[j]])->hash,
				       pins, tick);
}

/* The underlay next hops whose keys are keys[0..k) (neigh's, or neigh6's
 * where v6 has their bit): their entries in ne[], the mask of those found. */
static uint64_t
next_hops(struct dp_stage_ctx *ctx, uint8_t (*keys)[SW_KEY6_BYTES], uint64_t v6, unsigned int k,
	  const struct dp_entry **ne)
{
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint8_t at[DP_LOOKUP_BURST];
	uint64_t hit = 0, h;

	if (likely(v6 == 0)) {
		for (unsigned int j = 0; j < k; j++)
			kp[j] = keys[j];
		return dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.neigh, kp, k, ne);
	}
	for (unsigned int fam = 0; fam < 2; fam++) {
		unsigned int n = 0;

		for (unsigned int j = 0; j < k; j++)
			if ((v6 >> j & 1) == fam) {
				at[n] = (uint8_t)j;
				kp[n++] = keys[j];
			}
		if (n == 0)
			continue;
		h = dp_table_lookup(ctx->root, dp_ctx_count(ctx), fam ? pl_sw.neigh6 : pl_sw.neigh, kp, n, e);
		for (unsigned int i = 0; i < n; i++) {
			ne[at[i]] = e[i];
			hit |= (h >> i & 1) << at[i];
		}
	}
	return hit;
}

/* ---- a repaired class's frames (ov_repair.h): numbered, copied, protected ---- */

/* A copy or a parity that could not go: counted as a copy made and dropped
 * (the graph's balance: rx + copies = tx + drops + punts). */
static void
extra_lost(struct dp_stage_ctx *ctx)
{
	ctx->stats->copy_pkts++;
	ctx->stats->drop_pkts++;
	ctx->stats->drops[OV_DROP(repair_copy)]++;
}

/* Path q's entry and its underlay next hop's rewrite (NULL: unresolved)
 * in this walk: false when q is no path. */
static bool
path_of(struct dp_stage_ctx *ctx, uint32_t q, const struct ov_path **p, const struct sw_rewrite **rw)
{
	uint8_t k[SW_KEY6_BYTES] __rte_aligned(16);
	const struct dp_entry *pe, *ne;
	bool v6;

	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), pl_ov.paths, &q, 1, &pe);
	if (q == 0 || pe->action == OV_PATH_NONE)
		return false;
	*p = (const struct ov_path *)pe->params;
	v6 = ov_state_nh_key(k, *p);
	*rw = (next_hops(ctx, &k, v6, 1, &ne) & 1) && pl_switch_nb_port(ne->action) ?
	      (const struct sw_rewrite *)ne->params : NULL;
	return true;
}

/* c (a copy of a frame as the switch sent it, or a parity) out on path q
 * inside tunnel te with rep, sealed at once where q is encrypted (the
 * burst's own are sealed after the walk); into ctx's extra packets with
 * its verdict. Takes c. */
static void
extra_out(struct dp_stage_ctx *ctx, struct rte_mbuf *c, const struct dp_entry *te, uint32_t q,
	  const struct ov_tun_rep *rep)
{
	struct dp_meta *md = dp_meta(c);
	const struct ov_sa *sa = ov_sa_any ? ov_sa_out_lane((uint16_t)q, ctx->worker) : NULL;
	const struct sw_rewrite *rw;
	const struct ov_path *p;
	uint32_t mtu, dlen;
	unsigned int r;

	if (!path_of(ctx, q, &p, &rw)) {
		rte_pktmbuf_free(c);
		extra_lost(ctx);
		return;
	}
	mtu = ov_encap_mtu(p, rw);
	dlen = rte_pktmbuf_pkt_len(c) - md->l2_len + OV_PATH_ENCAP_LEN(p) + OV_REP_OPT_LEN;
	if (dlen + (sa != NULL ? ov_sa_overhead(sa, dlen) : 0) > mtu) {
		rte_pktmbuf_free(c);
		extra_lost(ctx);
		return;
	}
	r = ov_encap_outer_rep(c, md, (const struct ov_tunnel *)te->params, te->action, p, sa,
			       ov_sa_ctr[ctx->worker], rep);
	md->tunnel = q;
	ctx->extra[ctx->n_extra] = c;
	ctx->extra_next[ctx->n_extra++] = r != 0 ? DP_NEXT_DROP(r) :
					  ov_encap_out(c, md, rw, unlikely(ctx->shadow) ? NULL : ov_path_ctr[ctx->worker]);
}

/* Copies of m (not yet encapsulated) on the policy's next paths that are
 * up, in its order: one less than rc asks for. */
static void
repair_copies(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_entry *te, const struct dp_entry *pol,
	      const struct ov_repair_cfg *rc, uint16_t pid, const struct ov_tun_rep *rep)
{
	const struct ov_policy *pp = (const struct ov_policy *)pol->params;
	unsigned int want = rc->copies - 1u;

	for (unsigned int i = 0; i < OV_POLICY_PATHS && want > 0; i++) {
		uint16_t q = pp->path[i];
		struct rte_mbuf *c;

		if (q == 0 || q == pid || !ov_path_up(q))
			continue;
		want--;
		if (ctx->n_extra == DP_EXTRA_MAX || (c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX)) == NULL) {
			extra_lost(ctx);
			continue;
		}
		*dp_meta(c) = *dp_meta(m);
		ctx->stats->events[OV_EVENT(dup_sent)]++;
		extra_out(ctx, c, te, q, rep);
	}
}

/* A block's parity (plen bytes at buf, its option par), out on path pid
 * after the block's last frame (whose meta before encap was im). */
static void
repair_parity(struct dp_stage_ctx *ctx, struct rte_mempool *pool, const struct dp_meta *im, const struct dp_entry *te,
	      uint16_t pid, const struct ov_tun_rep *par, const uint8_t *buf, uint16_t plen)
{
	struct rte_mbuf *c;
	struct dp_meta *md;
	uint8_t *d;

	if (ctx->n_extra == DP_EXTRA_MAX || (c = rte_pktmbuf_alloc(pool)) == NULL) {
		extra_lost(ctx);
		return;
	}
	if ((d = (uint8_t *)rte_pktmbuf_append(c, plen)) == NULL) {
		rte_pktmbuf_free(c);
		extra_lost(ctx);
		return;
	}
	memcpy(d, buf, plen);
	/* no frame: nothing of it is read (no tag, no addresses, no TOS) */
	md = dp_meta(c);
	*md = *im;
	md->flags = 0;
	md->l2_len = md->l3_off = OV_ETH_HLEN;
	ctx->stats->events[OV_EVENT(fec_sent)]++;
	extra_out(ctx, c, te, pid, par);
}

/* A frame of a repaired class (rc; its class, te its tunnel's entry, pol
 * its policy's) on its first path pid (p, through rw, NULL: unresolved;
 * sealed with sa unless NULL, after the walk: pend its slot): numbered
 * in its stream, its copies made for the policy's next paths that are
 * up, encapsulated with the repair option, and its block's parity sent
 * once the block is whole. Its verdict. */
static uint16_t
repair_send(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_entry *te, const struct dp_entry *pol,
	    const struct ov_repair_cfg *rc, uint16_t class, uint16_t pid, const struct ov_path *p,
	    const struct sw_rewrite *rw, const struct ov_sa *sa, struct ov_path_ctr *ctr, struct ov_seal_pend *pend)
{
	struct dp_meta *md = dp_meta(m), im = *md;
	struct ov_tun_rep rep, par;
	struct ov_repair_tx *s = ov_repair_number(ctx, md->tunnel, class, rc, pid, m, &rep);
	const uint8_t *buf;
	uint16_t plen;
	unsigned int r;

	if (rc->copies > 1)
		repair_copies(ctx, m, te, pol, rc, pid, &rep);
	r = ov_encap_outer_rep(m, md, (const struct ov_tunnel *)te->params, te->action, p, NULL, NULL, &rep);
	if (r != 0)
		return DP_NEXT_DROP(r);
	md->tunnel = pid;
	if (rep.k != 0 && !ctx->shadow) {
		uint32_t off = OV_PATH_ENCAP_LEN(p) + OV_REP_OPT_LEN;

		if (ov_repair_block_add(s, rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
					rte_pktmbuf_pkt_len(m) - off, &par, &buf, &plen))
			repair_parity(ctx, m->pool, &im, te, pid, &par, buf, plen);
	}
	if (unlikely(sa != NULL)) {
		*pend = (struct ov_seal_pend){ sa, rw };
		return OV_NEXT_SEAL;
	}
	return ov_encap_out(m, md, rw, ctr);
}

uint16_t
pl_overlay_encap_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY6_BYTES] __rte_aligned(16);
	const struct dp_entry *te[DP_LOOKUP_BURST], *ne[DP_LOOKUP_BURST], *pe[DP_LOOKUP_BURST];
	const struct dp_entry *pol[DP_LOOKUP_BURST];
	uint16_t cls[DP_LOOKUP_BURST];
	/* a shadow walk (dp_feature.h) counts no path's packets */
	struct ov_path_ctr *ctr = unlikely(ctx->shadow) ? NULL : ov_path_ctr[ctx->worker];
	uint32_t ids[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	struct ov_seal_pend *pend = ov_encap_pend[ctx->worker];
	unsigned int k = 0, k2 = 0;
	uint64_t hit, v6 = 0;
	bool esp, repair;

	if (unlikely(n == 0))
		return 0;
	for (uint16_t i = 0; i < n; i++)
		ids[i] = dp_meta(pkts[i])->tunnel;
	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), pl_ov.tunnels, ids, n, te);
	for (uint16_t i = 0; i < n; i++) {
		const struct ov_tunnel *t = (const struct ov_tunnel *)te[i]->params;

		if (te[i]->action == OV_TUNNEL_NONE) {
			next[i] = DP_NEXT_DROP(OV_DROP(no_tunnel));
			continue;
		}
		/* slices are isolation domains end to end */
		if (unlikely(t->slice != dp_meta(pkts[i])->slice)) {
			next[i] = DP_NEXT_DROP(OV_DROP(wrong_slice));
			continue;
		}
		te[k] = te[i];
		idx[k++] = (uint16_t)i;
	}
	if (k == 0)
		return 0;
	/* the tunnels' meters, before any work on what they drop */
	{
		uint16_t midx[DP_LOOKUP_BURST];
		uint32_t mid[DP_LOOKUP_BURST];
		unsigned int nm = 0, k1 = 0;

		for (unsigned int j = 0; j < k; j++) {
			uint32_t m = ((const struct ov_tunnel *)te[j]->params)->meter;

			next[idx[j]] = DP_NEXT_CONTINUE;   /* a meter's drop is the only other */
			if (m != 0) {
				midx[nm] = idx[j];
				mid[nm++] = m;
			}
		}
		if (nm && pl_qos_meter(ctx, pkts, midx, nm, mid, next) != 0) {
			for (unsigned int j = 0; j < k; j++)
				if (next[idx[j]] == DP_NEXT_CONTINUE) {
					te[k1] = te[j];
					idx[k1++] = idx[j];
				}
			if ((k = k1) == 0)
				return 0;
		}
	}
	pick_paths(ctx, pkts, idx, k, te, ids, pol, cls);
	dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), pl_ov.paths, ids, k, pe);
	for (unsigned int j = 0; j < k; j++) {
		const struct ov_path *p = (const struct ov_path *)pe[j]->params;

		if (ids[j] == 0 || pe[j]->action == OV_PATH_NONE) {
			next[idx[j]] = DP_NEXT_DROP(OV_DROP(no_path));
			continue;
		}
		v6 |= (uint64_t)ov_state_nh_key(keys[k2], p) << k2;
		te[k2] = te[j];
		pe[k2] = pe[j];
		pol[k2] = pol[j];
		cls[k2] = cls[j];
		ids[k2] = ids[j];
		idx[k2++] = idx[j];
	}
	if (k2 == 0)
		return 0;
	hit = next_hops(ctx, keys, v6, k2, ne);
	esp = ov_sa_any;	/* once a burst */
	repair = __atomic_load_n(&ov_repair_any, __ATOMIC_ACQUIRE);
	for (unsigned int j = 0; j < k2; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct ov_tunnel *t = (const struct ov_tunnel *)te[j]->params;
		const struct sw_rewrite *rw = (const struct sw_rewrite *)ne[j]->params;
		const struct ov_path *p = (const struct ov_path *)pe[j]->params;
		bool resolved = (hit >> j & 1) && pl_switch_nb_port(ne[j]->action);
		uint16_t *nx = &next[idx[j]];
		/* the outer IPv4 packet: our headers, the inner frame untagged,
		 * inside ESP where the path is encrypted */
		uint32_t mtu = ov_encap_mtu(p, resolved ? rw : NULL), over = OV_PATH_ENCAP_LEN(p);
		const struct ov_sa *sa = unlikely(esp) ? ov_sa_out_lane((uint16_t)ids[j], ctx->worker) : NULL;
		const struct ov_repair_cfg *rc = unlikely(repair) ? ov_repair_of(pol[j]) : NULL;
		unsigned int r;

		if (unlikely(rc != NULL))
			over += OV_REP_OPT_LEN;
		if (sa != NULL) {
			/* the tunnel datagram's length, as the MTU counts it */
			uint32_t dlen = rte_pktmbuf_pkt_len(m) - md->l2_len + over;

			if (unlikely(dlen + ov_sa_overhead(sa, dlen) > mtu)) {
				/* the sender is told what always fits: the most sealing adds */
				*nx = ov_encap_too_big(m, md, t, ids[j], mtu, over + sa->overhead);
				continue;
			}
		} else if (unlikely(rte_pktmbuf_pkt_len(m) - md->l2_len + over > mtu)) {
			*nx = ov_encap_too_big(m, md, t, ids[j], mtu, over);
			continue;
		}
		if (unlikely(rc != NULL)) {
			*nx = repair_send(ctx, m, te[j], pol[j], rc, cls[j], (uint16_t)ids[j], p, resolved ? rw : NULL,
					  sa, ctr, &pend[idx[j]]);
			continue;
		}
		if ((r = ov_encap_outer(m, md, t, te[j]->action, p, NULL, NULL)) != 0) {
			*nx = DP_NEXT_DROP(r);
			continue;
		}
		/* from here the path is what the packet goes by (the slow path too) */
		md->tunnel = ids[j];
		if (unlikely(sa != NULL)) {
			/* sealed after the walk (ov_encap_seal_pending) */
			pend[idx[j]] = (struct ov_seal_pend){ sa, resolved ? rw : NULL };
			*nx = OV_NEXT_SEAL;
			continue;
		}
		*nx = ov_encap_out(m, md, resolved ? rw : NULL, ctr);
	}
	return 0;
}

/* The fragments of routed m (IPv4, no DF) that fit mtu, each encapsulated
 * for path p of tunnel te and sent (RFC 791: a router fragments what it
 * cannot forward whole; RFC 7348 forbids fragmenting the outer packet).
 * Every fragment keeps the flow's source port. Only through a resolved
 * next hop: held fragments would each count as a packet forwarded. Takes m. */
static void
fragment_out(struct rte_mbuf *m, const struct dp_entry *te, const struct ov_path *p, uint32_t path,
	     uint16_t mtu)
{
	struct rte_mbuf *f[OV_FRAGS_MAX];
	struct dp_meta fm = *dp_meta(m);
	uint8_t eth[OV_ETH_HLEN];
	uint32_t tot;
	int n;

	if (ov_state_underlay_rw(p) == NULL) {
		dp_slow_drop(m, OV_DROP(frag_failed));
		return;
	}
	memcpy(eth, rte_pktmbuf_mtod(m, const uint8_t *), 12);
	*(rte_be16_t *)(eth + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	rte_pktmbuf_adj(m, fm.l3_off);
	tot = rte_be_to_cpu_16(rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *)->total_length);
	/* Ethernet padding is no part of the datagram */
	if (rte_pktmbuf_pkt_len(m) > tot)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - tot);
	n = rte_ipv4_fragment_copy_nonseg_packet(m, f, OV_FRAGS_MAX, mtu, m->pool);
	if (n <= 0) {
		dp_slow_drop(m, OV_DROP(frag_failed));
		return;
	}
	rte_pktmbuf_free(m);
	fm.flags = (fm.flags & ~(DP_MF_VLAN | DP_MF_QINQ)) | DP_MF_FRAG;
	fm.l2_len = fm.l3_off = OV_ETH_HLEN;
	for (int i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(f[i]);
		uint8_t *d;
		unsigned int r;

		rte_pktmbuf_mtod(f[i], struct rte_ipv4_hdr *)->hdr_checksum =
			rte_ipv4_cksum(rte_pktmbuf_mtod(f[i], struct rte_ipv4_hdr *));
		if ((d = (uint8_t *)rte_pktmbuf_prepend(f[i], OV_ETH_HLEN)) == NULL) {
			dp_slow_drop(f[i], OV_DROP(no_headroom));
			continue;
		}
		memcpy(d, eth, OV_ETH_HLEN);
		*md = fm;
		if ((r = ov_encap_outer(f[i], md, (const struct ov_tunnel *)te->params, te->action, p,
					ov_sa_out((uint16_t)path), ov_sa_ctr_main())) != 0) {
			dp_slow_drop(f[i], r);
			continue;
		}
		md->tunnel = path;
		ov_state_underlay_out(f[i], p);
	}
	dp_slow_event(OV_EVENT(fragmented));
	dp_slow_event(OV_EVENT(forwarded));
}

void
pl_overlay_too_big(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	uint32_t path = md->out_port >> 16;
	uint16_t mtu = (uint16_t)md->out_port;
	const struct ov_path *p = ov_state_path(path);
	const struct dp_entry *te = ov_state_find_id(pl_ov.tunnels, md->tunnel);
	bool routed;

	if (te == NULL || te->action == OV_TUNNEL_NONE || p == NULL) {   /* deleted meanwhile */
		dp_slow_drop(m, OV_DROP(no_path));
		return;
	}
	/* an L3 VNI's, or routed by the switch to a neighbour behind an L2 one */
	routed = ov_tunnel_l3((const struct ov_tunnel *)te->params) || (md->flags & DP_MF_ROUTED);
	if (md->flags & DP_MF_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);

		if (!(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))) {
			fragment_out(m, te, p, path, mtu);
			return;
		}
		if (routed) {   /* quoted as it came in: the TTL the route took off back */
			ip->time_to_live++;
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
	} else if (routed) {
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits++;
	}
	pl_swctl_too_big(m, mtu, routed);
	dp_slow_drop(m, OV_DROP(frag_needed));
}

/* A frame the switch made about a packet that came through L2 tunnel
 * about->tunnel (an ARP, NDP or echo answer, an ICMP error from the SVI):
 * back inside that tunnel, on its class 0 policy's first path that is up
 * (else its own path), through the underlay next hop. Main lcore; takes r;
 * 0 or -1 (r freed: the tunnel, a path or room for it missing). */
static int
tunnel_back(struct rte_mbuf *r, const struct dp_meta *about)
{
	const struct dp_entry *te = ov_state_find_id(pl_ov.tunnels, about->tunnel), *pe;
	struct dp_meta *md = dp_meta(r);
	const struct ov_tunnel *t;
	const struct ov_path *p = NULL;
	const struct ov_sa *sa;
	uint8_t k[DP_KEY_MAX] = { 0 };
	uint32_t path = 0, hash = about->hash;

	if (te == NULL || te->action == OV_TUNNEL_NONE)
		goto fail;
	t = (const struct ov_tunnel *)te->params;
	/* an L3 tunnel is no bridge domain's: the switch never asks for one */
	if (t->slice != about->slice || ov_tunnel_l3(t))
		goto fail;
	ov_encap_policy_key(k, about->tunnel, 0);
	pe = dp_table_find(pl_ov.policies, k);
	if (pe != NULL && pe->action != OV_POLICY_NONE) {
		const struct ov_policy *pol = (const struct ov_policy *)pe->params;

		for (unsigned int i = 0; i < OV_POLICY_PATHS && path == 0; i++)
			if (ov_path_up(pol->path[i]))
				path = pol->path[i];
		if (path == 0)
			path = ov_path_standby(pol);
	} else if (ov_path_alive(t->path)) {
		path = t->path;
	}
	sa = path != 0 ? ov_sa_out((uint16_t)path) : NULL;
	if (path == 0 || (p = ov_state_path(path)) == NULL ||
	    rte_pktmbuf_pkt_len(r) - OV_ETH_HLEN + OV_PATH_ENCAP_LEN(p) +
	    (sa != NULL ? ov_sa_overhead(sa, rte_pktmbuf_pkt_len(r) - OV_ETH_HLEN + OV_ENCAP_LEN) : 0) >
	    (p->mtu != 0 ? p->mtu : UINT16_MAX))
		goto fail;
	/* the box's frame, untagged, as encap reads one */
	memset(md, 0, sizeof(*md));
	md->l2_len = md->l3_off = OV_ETH_HLEN;
	md->hash = hash;
	md->slice = about->slice;
	if (ov_encap_outer(r, md, t, te->action, p, sa, ov_sa_ctr_main()) != 0)
		goto fail;
	md->flags |= DP_MF_OWN | DP_MF_MADE;
	md->tunnel = path;
	return ov_state_underlay_out(r, p) == 0 ? 0 : -1;
fail:
	rte_pktmbuf_free(r);
	return -1;
}

void
pl_overlay_tunnel_back_init(void)
{
	pl_swctl_tunnel_back(tunnel_back);
}
