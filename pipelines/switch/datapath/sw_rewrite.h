/* Switch frame rewrites shared by the stages and the slow path: the outer
 * VLAN tag (push, pop, retag) and the routed-packet rewrite (MACs, TTL with
 * an incremental checksum or the IPv6 hop limit, VLAN). Inline: every routed or tagged packet
 * takes them, and the untagged case is two tests. */
#ifndef SW_REWRITE_H
#define SW_REWRITE_H

#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_byteorder.h>

#include "pl_switch.h"

/* Set the frame's outer VLAN to vid (0 = untagged), given whether it has a
 * tag now. 0 or -ENOSPC (no headroom to push). */
static inline int
pl_switch_vlan_set(struct rte_mbuf *m, int tagged, uint16_t vid)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (tagged) {
		rte_be16_t *tci = (rte_be16_t *)(d + 2 * RTE_ETHER_ADDR_LEN + 2);

		if (vid == 0) {   /* pop */
			memmove(d + 4, d, 2 * RTE_ETHER_ADDR_LEN);
			rte_pktmbuf_adj(m, 4);
		} else {          /* retag, keeping the priority bits */
			*tci = rte_cpu_to_be_16((rte_be_to_cpu_16(*tci) & 0xf000) | vid);
		}
		return 0;
	}
	if (vid == 0)
		return 0;
	d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	if (d == NULL)
		return -ENOSPC;
	memmove(d, d + 4, 2 * RTE_ETHER_ADDR_LEN);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	*(rte_be16_t *)(d + 14) = rte_cpu_to_be_16(vid);
	return 0;
}

/* A routed IPv4 packet's TTL - 1, with incremental checksum. */
static __rte_always_inline void
pl_switch_ttl_dec(struct rte_mbuf *m, const struct dp_meta *md)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	uint32_t sum;

	ip->time_to_live--;
	/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): TTL is the high byte of its
	 * 16-bit word m, so ~m + m' = 0xfeff. Unlike HC + 0x100 (RFC 1141) it is
	 * right when HC is 0xfeff. */
	sum = (uint32_t)(~rte_be_to_cpu_16(ip->hdr_checksum) & 0xffff) + 0xfeff;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/* Routed-packet rewrite: MACs, TTL, then the egress VLAN. */
static __rte_always_inline int
pl_switch_rewrite(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_rewrite *rw)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(&eth->dst_addr, rw->dmac, 6);
	memcpy(&eth->src_addr, rw->smac, 6);
	pl_switch_ttl_dec(m, md);
	return pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan);
}

/* The same for IPv6: no header checksum, the hop limit is all that changes. */
static __rte_always_inline int
pl_switch_rewrite6(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_rewrite *rw)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(&eth->dst_addr, rw->dmac, 6);
	memcpy(&eth->src_addr, rw->smac, 6);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits--;
	return pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan);
}

/* A route to a peer site: TTL or hop limit - 1, then the overlay's encap
 * stage. The frame keeps its MACs until encap (the tunnel's router MAC
 * then), so a packet too big for the path still names its sender. */
static __rte_always_inline uint16_t
pl_switch_route_tunnel(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rt_tunnel *t)
{
	if (md->flags & DP_MF_IPV4)
		pl_switch_ttl_dec(m, md);
	else
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits--;
	md->tunnel = t->tunnel;
	return DP_NEXT_EDGE(SW_L3_EDGE_ENCAP);
}

/* A routed packet into the UPF's downlink: a hop like any route (TTL - 1),
 * its session looked up there by (slice, destination). */
static inline uint16_t
pl_switch_route_upf(struct rte_mbuf *m, struct dp_meta *md)
{
	if (md->flags & DP_MF_IPV4)
		pl_switch_ttl_dec(m, md);
	else
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits--;
	return DP_NEXT_EDGE(SW_L3_EDGE_UPF);
}

#endif
