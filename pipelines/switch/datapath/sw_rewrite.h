/* The switch's routes into the features attached to its open edges: a hop
 * like any route (TTL or hop limit - 1), then the edge. The frame rewrites
 * themselves (VLAN, MACs, TTL) are sw_api.h's: upper features use them too. */
#ifndef SW_REWRITE_H
#define SW_REWRITE_H

#include "sw_api.h"
#include "sw_state.h"

/* A route to a peer site: TTL or hop limit - 1, then the feature attached
 * to the "tunnel" edge (the overlay's encap). The frame keeps its MACs
 * until encap (the tunnel's router MAC then), so a packet too big for the
 * path still names its sender. */
/* m routed into a tunnel: the way back kept (sw_meta.back), marked. Tunnel
 * ids fit 16 bits (SW_TUNNEL_MAX). */
static __rte_always_inline void
pl_switch_routed_away(struct rte_mbuf *m, struct dp_meta *md)
{
	struct sw_meta *s = sw_meta(m);

	s->back.tunnel = (uint16_t)md->tunnel;
	memcpy(s->back.mac, rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes, 6);
	md->flags |= DP_MF_ROUTED;
}

/* The hop into tunnel @tunnel: TTL or hop limit - 1, then the "tunnel" edge. */
static __rte_always_inline uint16_t
pl_switch_hop_into(struct rte_mbuf *m, struct dp_meta *md, uint32_t tunnel)
{
	if (md->flags & DP_MF_IPV4)
		pl_switch_ttl_dec(m, md);
	else
		pl_switch_hlim_dec(m, md);
	md->tunnel = tunnel;
	return DP_NEXT_EDGE(SW_L3_EDGE_ENCAP);
}

static __rte_always_inline uint16_t
pl_switch_route_tunnel(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rt_tunnel *t)
{
	pl_switch_routed_away(m, md);
	return pl_switch_hop_into(m, md, t->tunnel);
}

/* A routed packet to a neighbour behind a tunnel (neigh "tunnel_learned",
 * nexthops "tunnel"): TTL or hop limit - 1, the neighbour's MACs, then the
 * feature attached to the "tunnel" edge, as a bridged frame to that MAC
 * goes (untagged: the VNI names the bridge domain). Marked routed, so a
 * packet too big for the path is answered by the router, to its sender. */
static __rte_always_inline uint16_t
pl_switch_nb_tunnel(struct rte_mbuf *m, struct dp_meta *md, const struct sw_rw_tunnel *t)
{
	pl_switch_routed_away(m, md);
	pl_switch_macs_set(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), (const struct sw_rewrite *)t);
	return pl_switch_hop_into(m, md, t->tunnel);
}

/* A route of a feature attached to the "route" or "route2" edge (the
 * UPF's downlink, which looks the session up by slice and destination; the
 * edge's way out of a slice), action SW_RT_UPPER + i. */
static inline uint16_t
pl_switch_route_upper(struct rte_mbuf *m, struct dp_meta *md, uint16_t action)
{
	bool v4 = md->flags & DP_MF_IPV4;

	if (v4)
		pl_switch_ttl_dec(m, md);
	else
		pl_switch_hlim_dec(m, md);
	return DP_NEXT_EDGE(sw_rt_upper_edge[!v4][(action - SW_RT_UPPER) & 1]);
}

#endif
