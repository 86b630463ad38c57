/* Overlay stage "encap": a frame the switch sent to a tunnel (dp_meta.tunnel)
 * leaves inside it. The tunnel must be the frame's slice's; the inner frame
 * goes untagged (the VNI names its bridge domain). The path is picked by
 * the tunnel's policy for the inner packet's class (classes, policies) from
 * the paths that are up, a flow staying on its path while that is up; the
 * outer headers go from the path's VTEP to its far end, with the source
 * port from the inner flow hash; the underlay next hop's rewrite is the
 * switch's neighbour entry (unresolved: the slow path holds the packet
 * while the switch asks for it). */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "pl_overlay.h"
#include "ov_path.h"
#include "ov_tun.h"
#include "pl_switch.h"
#include "sw_rewrite.h"
#include "dp_port.h"
#include "dp_stats.h"
#include "dp_table.h"

/* The inner packet's TTL and traffic class (DSCP and ECN), 0 if not IP. */
static inline uint8_t
inner_tos(struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV4)
		return l3[1];
	if (md->flags & DP_MF_IPV6)
		return (uint8_t)((l3[0] << 4) | (l3[1] >> 4));
	return 0;
}

/* Outer headers and metadata of m, encapsulated for path p. 0, or a drop reason. */
static inline unsigned int
encap(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action,
      const struct ov_path *p)
{
	struct ov_encap_hdr h;
	uint8_t tos = 0, ttl = 64;
	uint16_t inner_len;
	uint8_t *d;

	if (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) {
		tos = inner_tos(m, md);
		ttl = md->ttl;
	}
	if ((md->flags & DP_MF_VLAN) && pl_switch_vlan_set(m, 1, 0) < 0)
		return OV_DROP(no_headroom);
	inner_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	d = (uint8_t *)rte_pktmbuf_prepend(m, OV_ENCAP_LEN);
	if (d == NULL)
		return OV_DROP(no_headroom);
	h.type = action == OV_TUNNEL_GENEVE ? OV_TUN_GENEVE : OV_TUN_VXLAN;
	h.vni = t->vni;
	h.src = p->src;
	h.dst = p->dst;
	h.ttl = t->ttl == OV_TTL_COPY ? ttl : t->ttl;
	/* ECN copied (RFC 6040 normal mode), DSCP set or copied */
	h.tos = (uint8_t)((t->dscp == OV_DSCP_COPY ? tos & 0xfc : t->dscp << 2) | (tos & 0x03));
	h.sport = ov_tun_sport(md->hash);
	h.udp_csum = t->csum != 0;
	ov_tun_write(d + OV_ETH_HLEN, &h, inner_len);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	/* the packet is now its outer frame, for the rewrite and the slow path */
	md->flags = DP_MF_IPV4 | DP_MF_L4;
	md->l2_len = md->l3_off = OV_ETH_HLEN;
	md->l4_off = OV_ETH_HLEN + OV_IP_HLEN;
	md->ethertype = RTE_ETHER_TYPE_IPV4;
	md->l4_proto = IPPROTO_UDP;
	md->ttl = h.ttl;
	md->sport = h.sport;
	md->dport = ov_tun_port(h.type);
	return 0;
}

/* The classes key of m's inner packet. */
static inline void
class_key(uint8_t *k, struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *off = pl_ov_class_off;

	memset(k, 0, OV_CLASS_KEY_ROOM);
	*(rte_be16_t *)(k + off[OV_CF_SLICE]) = rte_cpu_to_be_16(md->slice);
	if (md->flags & DP_MF_IPV4) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
									md->l3_off);

		memcpy(k + off[OV_CF_SRC], &ip->src_addr, 4);
		memcpy(k + off[OV_CF_DST], &ip->dst_addr, 4);
	}
	if (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) {
		k[off[OV_CF_PROTO]] = md->l4_proto;
		if ((md->flags & DP_MF_L4) &&
		    (md->l4_proto == IPPROTO_TCP || md->l4_proto == IPPROTO_UDP)) {
			*(rte_be16_t *)(k + off[OV_CF_SPORT]) = rte_cpu_to_be_16(md->sport);
			*(rte_be16_t *)(k + off[OV_CF_DPORT]) = rte_cpu_to_be_16(md->dport);
		}
		k[off[OV_CF_DSCP]] = inner_tos(m, md) >> 2;
	}
}

static inline void
policy_key(uint8_t *k, uint32_t tunnel, uint16_t class)
{
	memset(k, 0, SW_KEY_BYTES);
	*(rte_be16_t *)k = rte_cpu_to_be_16((uint16_t)tunnel);
	*(rte_be16_t *)(k + 2) = rte_cpu_to_be_16(class);
}

/* Each packet's path (pid[j], 0: none up): its class's policy of its
 * tunnel, else the tunnel's class 0 policy, else the tunnel's own path. */
static void
pick_paths(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	   const struct dp_entry **te, uint32_t *pid)
{
	uint8_t ckeys[DP_LOOKUP_BURST][OV_CLASS_KEY_ROOM] __rte_aligned(16);
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST], *pe[DP_LOOKUP_BURST];
	uint16_t cls[DP_LOOKUP_BURST];
	unsigned int again[DP_LOOKUP_BURST], na = 0;
	uint64_t hit;

	for (unsigned int j = 0; j < k; j++) {
		class_key(ckeys[j], pkts[idx[j]], dp_meta(pkts[idx[j]]));
		kp[j] = ckeys[j];
	}
	dp_table_lookup(ctx->root, ctx->worker, pl_ov.classes, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		cls[j] = e[j]->action == OV_CLASS ? ((const struct ov_class *)e[j]->params)->class : 0;
		policy_key(keys[j], dp_meta(pkts[idx[j]])->tunnel, cls[j]);
		kp[j] = keys[j];
	}
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_ov.policies, kp, k, pe);
	for (unsigned int j = 0; j < k; j++)
		if (!(hit >> j & 1) && cls[j] != 0) {
			policy_key(keys[na], dp_meta(pkts[idx[j]])->tunnel, 0);
			kp[na] = keys[na];
			again[na++] = j;
		}
	if (na) {
		hit = dp_table_lookup(ctx->root, ctx->worker, pl_ov.policies, kp, na, e);
		for (unsigned int a = 0; a < na; a++)
			pe[again[a]] = e[a];
	}
	for (unsigned int j = 0; j < k; j++) {
		bool unmet = false;

		if (pe[j]->action == OV_POLICY_NONE) {
			uint16_t own = ((const struct ov_tunnel *)te[j]->params)->path;

			pid[j] = ov_path_up(own) ? own : 0;
			continue;
		}
		pid[j] = ov_path_pick(pe[j]->action, (const struct ov_policy *)pe[j]->params,
				      dp_meta(pkts[idx[j]])->hash, &unmet);
		if (unlikely(unmet))
			ctx->stats->events[OV_EVENT(sla_unmet)]++;
	}
}

uint16_t
pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *te[DP_LOOKUP_BURST], *ne[DP_LOOKUP_BURST], *pe[DP_LOOKUP_BURST];
	struct ov_path_ctr *ctr = ov_path_ctr[ctx->worker];
	uint32_t ids[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0, k2 = 0;
	uint64_t hit;

	if (unlikely(n == 0))
		return 0;
	for (uint16_t i = 0; i < n; i++)
		ids[i] = dp_meta(pkts[i])->tunnel;
	dp_table_lookup_ids(ctx->root, ctx->worker, pl_ov.tunnels, ids, n, te);
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
	pick_paths(ctx, pkts, idx, k, te, ids);
	dp_table_lookup_ids(ctx->root, ctx->worker, pl_ov.paths, ids, k, pe);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct ov_path *p = (const struct ov_path *)pe[j]->params;
		unsigned int r;

		if (ids[j] == 0 || pe[j]->action == OV_PATH_NONE) {
			next[idx[j]] = DP_NEXT_DROP(OV_DROP(no_path));
			continue;
		}
		if ((r = encap(m, md, (const struct ov_tunnel *)te[j]->params, te[j]->action, p)) != 0) {
			next[idx[j]] = DP_NEXT_DROP(r);
			continue;
		}
		/* from here the path is what the packet goes by (the slow path too) */
		md->tunnel = ids[j];
		pl_switch_key_vrf_ip(keys[k2], p->vrf, p->gw);
		kp[k2] = keys[k2];
		pe[k2] = pe[j];
		idx[k2++] = idx[j];
	}
	if (k2 == 0)
		return 0;
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.neigh, kp, k2, ne);
	for (unsigned int j = 0; j < k2; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct sw_rewrite *rw = (const struct sw_rewrite *)ne[j]->params;
		const struct ov_path *p = (const struct ov_path *)pe[j]->params;
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		uint16_t *nx = &next[idx[j]];
		uint32_t len = rte_pktmbuf_pkt_len(m);
		uint16_t mtu;

		if (!(hit >> j & 1) || ne[j]->action == SW_NB_UNRESOLVED) {
			md->punt = OV_PUNT_UNRESOLVED;
			*nx = DP_NEXT_PUNT;   /* held by the slow path until it resolves */
			continue;
		}
		mtu = dp_ports[rw->port].mtu;
		if (p->mtu != 0 && p->mtu < mtu)
			mtu = p->mtu;
		if (unlikely(len - OV_ETH_HLEN > mtu)) {
			*nx = DP_NEXT_DROP(OV_DROP(too_big));
			continue;
		}
		memcpy(&eth->dst_addr, rw->dmac, 6);
		memcpy(&eth->src_addr, rw->smac, 6);
		if (pl_switch_vlan_set(m, 0, rw->vlan) < 0) {
			*nx = DP_NEXT_DROP(OV_DROP(no_headroom));
			continue;
		}
		ctr[md->tunnel].pkts++;
		ctr[md->tunnel].bytes += len;
		md->out_port = rw->port;
		*nx = DP_NEXT_TX;
	}
	return 0;
}
