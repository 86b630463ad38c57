/* Overlay stage "encap": a frame the switch sent to a tunnel (dp_meta.tunnel)
 * leaves inside it. The tunnel must be the frame's slice's; the inner frame
 * goes untagged (the VNI names its bridge domain); the outer headers are
 * written from one template per run of a tunnel (a burst's frames to one
 * site share it), with the source port from the inner flow hash; the
 * underlay next hop's rewrite is the switch's neighbour entry (unresolved:
 * the slow path holds the packet while the switch asks for it). */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "pl_overlay.h"
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

/* Outer headers and metadata of an encapsulated m. 0, or a drop reason. */
static inline unsigned int
encap(struct rte_mbuf *m, struct dp_meta *md, const struct ov_tunnel *t, uint16_t action)
{
	struct ov_encap_hdr h;
	uint8_t tos = 0, ttl = 64;
	uint16_t inner_len;
	uint8_t *p;

	if (md->flags & (DP_MF_IPV4 | DP_MF_IPV6)) {
		tos = inner_tos(m, md);
		ttl = md->ttl;
	}
	if ((md->flags & DP_MF_VLAN) && pl_switch_vlan_set(m, 1, 0) < 0)
		return OV_DROP(no_headroom);
	inner_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	p = (uint8_t *)rte_pktmbuf_prepend(m, OV_ENCAP_LEN);
	if (p == NULL)
		return OV_DROP(no_headroom);
	h.type = action == OV_TUNNEL_GENEVE ? OV_TUN_GENEVE : OV_TUN_VXLAN;
	h.vni = t->vni;
	h.src = t->src;
	h.dst = t->dst;
	h.ttl = t->ttl == OV_TTL_COPY ? ttl : t->ttl;
	/* ECN copied (RFC 6040 normal mode), DSCP set or copied */
	h.tos = (uint8_t)((t->dscp == OV_DSCP_COPY ? tos & 0xfc : t->dscp << 2) | (tos & 0x03));
	h.sport = ov_tun_sport(md->hash);
	h.udp_csum = t->csum != 0;
	ov_tun_write(p + OV_ETH_HLEN, &h, inner_len);
	*(rte_be16_t *)(p + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
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

uint16_t
pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *te[DP_LOOKUP_BURST], *ne[DP_LOOKUP_BURST];
	uint32_t ids[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;
	uint64_t hit;

	if (unlikely(n == 0))
		return 0;
	for (uint16_t i = 0; i < n; i++)
		ids[i] = dp_meta(pkts[i])->tunnel;
	dp_table_lookup_ids(ctx->root, ctx->worker, pl_ov.tunnels, ids, n, te);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct ov_tunnel *t = (const struct ov_tunnel *)te[i]->params;
		unsigned int r;

		if (te[i]->action == OV_TUNNEL_NONE) {
			next[i] = DP_NEXT_DROP(OV_DROP(no_tunnel));
			continue;
		}
		/* slices are isolation domains end to end */
		if (unlikely(t->slice != md->slice)) {
			next[i] = DP_NEXT_DROP(OV_DROP(wrong_slice));
			continue;
		}
		if ((r = encap(m, md, t, te[i]->action)) != 0) {
			next[i] = DP_NEXT_DROP(r);
			continue;
		}
		pl_switch_key_vrf_ip(keys[k], t->vrf, t->gw);
		kp[k] = keys[k];
		te[k] = te[i];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	hit = dp_table_lookup(ctx->root, ctx->worker, pl_sw.neigh, kp, k, ne);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		const struct sw_rewrite *rw = (const struct sw_rewrite *)ne[j]->params;
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		uint16_t *nx = &next[idx[j]];

		if (!(hit >> j & 1) || ne[j]->action == SW_NB_UNRESOLVED) {
			*nx = DP_NEXT_PUNT;   /* held by the slow path until it resolves */
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) - OV_ETH_HLEN > dp_ports[rw->port].mtu)) {
			*nx = DP_NEXT_DROP(OV_DROP(too_big));
			continue;
		}
		memcpy(&eth->dst_addr, rw->dmac, 6);
		memcpy(&eth->src_addr, rw->smac, 6);
		if (pl_switch_vlan_set(m, 0, rw->vlan) < 0) {
			*nx = DP_NEXT_DROP(OV_DROP(no_headroom));
			continue;
		}
		md->out_port = rw->port;
		*nx = DP_NEXT_TX;
	}
	return 0;
}
