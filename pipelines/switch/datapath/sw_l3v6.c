/* Switch stage "l3v6": IPv6 routing in the slice's VRF (routes6). Address
 * classes first (RFC 4291: reserved and multicast sources and destinations,
 * link-local scope), then LPM with ECMP, the next hop's rewrite by id
 * (nexthops; hosts of a connected subnet by address in neigh6), the hop
 * limit and the egress MTU: over it the slow path answers "packet too big",
 * as IPv6 routers never fragment. NDP and ICMPv6 for the box are the slow
 * path's (sw_nd.c). */
#include <string.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>

#include <rte_ip.h>
#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_l3v6.h"
#include "sw_rewrite.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"

#define ND_NS_LEN 24	/* ICMPv6 header, reserved word, target */

/* The box's IPv6 SVI in (slice, bd), or NULL; a lookup that counts nothing
 * (rare packets: NDP, link-local destinations). */
static inline const struct sw_svi6 *
svi6_of(struct dp_stage_ctx *ctx, uint16_t slice, uint16_t bd)
{
	uint8_t key[SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];

	pl_switch_key_bd_port(key, slice, bd);   /* (vrf, bd): the same two u16 */
	dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.svi6, kp, 1, e);
	return e[0]->action == 0 ? (const struct sw_svi6 *)e[0]->params : NULL;
}

/* Is ip one of the box's addresses in the frame's bridge domain (its SVI's,
 * the link-local one its MAC makes, or its twin's link-local one:
 * sw_host_ll_is)? */
static inline int
is_box_addr(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const uint8_t *ip)
{
	const struct sw_svi6 *svi = svi6_of(ctx, dp_meta(m)->slice, sw_meta(m)->bd);
	const struct sw_host *h;
	uint8_t ll[16];

	if (svi == NULL)
		return 0;
	pl_switch_ll_addr(ll, svi->mac);
	if (memcmp(ip, svi->ip, 16) == 0 || memcmp(ip, ll, 16) == 0)
		return 1;
	if (!pl_switch_ip6_ll(ip) || (h = pl_switch_twin_of(ctx, dp_meta(m)->slice, sw_meta(m)->bd)) == NULL ||
	    h->port >= dp_n_ports)
		return 0;
	pl_switch_ll_addr(ll, dp_ports[h->port].mac.addr_bytes);
	return memcmp(ip, ll, 16) == 0;
}

int
pl_switch_nd_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								 md->l3_off);
	const uint8_t *icmp;

	/* the parser vouched for 8 bytes of ICMPv6; a solicitation has 24 */
	if (md->l4_proto != IPPROTO_ICMPV6 || (md->flags & (DP_MF_L4 | DP_MF_FRAG)) != DP_MF_L4 ||
	    md->l4_off + ND_NS_LEN > rte_pktmbuf_data_len(m) ||
	    md->l4_off + ND_NS_LEN > md->l3_off + (int)sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len))
		return 0;
	icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l4_off);
	return icmp[0] == ND_NEIGHBOR_SOLICIT && is_box_addr(ctx, m, icmp + 8);
}

/* A routed packet with its neighbour's rewrite (NULL: unresolved, the slow
 * path resolves it; tun: behind a tunnel, rw its sw_rw_tunnel): the egress
 * MTU, the rewrite, out. */
static inline void
out_resolved(struct rte_mbuf *m, uint16_t *nx, const struct sw_rewrite *rw, bool tun)
{
	struct dp_meta *md = dp_meta(m);

	if (rw == NULL) {
		sw_meta(m)->punt = SW_PUNT_UNRESOLVED;
		*nx = DP_NEXT_PUNT;
		return;
	}
	if (unlikely(tun)) {   /* the path's MTU is encap's to check */
		*nx = pl_switch_nb_tunnel(m, md, (const struct sw_rw_tunnel *)rw);
		return;
	}
	if (unlikely(sizeof(struct rte_ipv6_hdr) +
		     rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
							      md->l3_off)->payload_len) >
		     dp_ports[rw->port].mtu)) {
		sw_meta(m)->punt = SW_PUNT_MTU;
		*nx = DP_NEXT_PUNT;
		return;
	}
	if (pl_switch_rewrite6(m, md, rw) < 0) {
		*nx = DP_NEXT_DROP(SW_DROP(vlan_push));
		return;
	}
	md->out_port = rw->port;
	*nx = DP_NEXT_TX;
}

/* The route's next hop: its nexthops id (0: the destination itself, a host
 * of a connected subnet), or a final verdict in *nx (returns -1: a route
 * to a peer site's tunnel is one). */
static inline int
route_nh(struct rte_mbuf *m, const struct dp_entry *e, uint16_t *nx, uint32_t *id)
{
	const uint16_t *rid = (const uint16_t *)(e->params + SW_RT6_IDS_OFF);
	struct dp_meta *md = dp_meta(m);

	switch (e->action) {
	case SW_RT_VIA:
		*id = rid[0];
		break;
	case SW_RT_ECMP: {
		const struct sw_ecmp6 *g = (const struct sw_ecmp6 *)e->params;
		uint32_t cnt = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP6_MAX);

		/* multiply-shift maps the flow hash onto [0, n) without a divide */
		*id = rid[((uint64_t)md->hash * cnt) >> 32];
		break;
	}
	case SW_RT_CONNECTED:
		*id = 0;
		break;
	case SW_RT_LOCAL:
		sw_meta(m)->punt = SW_PUNT_LOCAL;
		*nx = DP_NEXT_PUNT;
		return -1;
	case SW_RT_DROP:
		*nx = DP_NEXT_DROP(SW_DROP(route_drop));
		return -1;
	case SW_RT_TUNNEL:
	case SW_RT_UPPER:
	case SW_RT_UPPER2:
		*id = 0;
		break;
	default:
		sw_meta(m)->punt = SW_PUNT_NOROUTE;
		*nx = DP_NEXT_PUNT;
		return -1;
	}
	/* forwarded from here on: a link-local source stays on its link */
	if (unlikely(pl_switch_ip6_ll(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
							       md->l3_off)->src_addr))) {
		sw_meta(m)->punt = SW_PUNT_SCOPE;
		*nx = DP_NEXT_PUNT;
		return -1;
	}
	if (unlikely(md->ttl <= 1) && !(md->flags & DP_MF_HOST)) {
		sw_meta(m)->punt = SW_PUNT_TTL;
		*nx = DP_NEXT_PUNT;
		return -1;
	}
	if (e->action == SW_RT_TUNNEL) {
		*nx = pl_switch_route_tunnel(m, md, (const struct sw_rt_tunnel *)e->params);
		return -1;
	}
	if (e->action >= SW_RT_UPPER) {
		*nx = pl_switch_route_upper(m, md, e->action);
		return -1;
	}
	return 0;
}

uint16_t
pl_switch_l3v6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY6_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;

	/* l2 sends only IPv6 here, whose header the parser vouched for */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									 md->l3_off);

		if (unlikely(pl_switch_ip6_mcast(ip->src_addr) || pl_switch_ip6_reserved(ip->src_addr))) {
			next[i] = DP_NEXT_DROP(SW_DROP(ip6_martian_src));
			continue;
		}
		if (unlikely(pl_switch_ip6_mcast(ip->dst_addr))) {
			next[i] = DP_NEXT_DROP(SW_DROP(ip6_mcast_dst));
			continue;
		}
		if (unlikely(pl_switch_ip6_reserved(ip->dst_addr))) {
			next[i] = DP_NEXT_DROP(SW_DROP(ip6_martian_dst));
			continue;
		}
		/* link-local: the box's own in this BD; from the twin, a
		 * neighbour's on one of the slice's links (the slow path's to
		 * find); else nobody's to route to */
		if (unlikely(pl_switch_ip6_ll(ip->dst_addr))) {
			if (is_box_addr(ctx, m, ip->dst_addr)) {
				sw_meta(m)->punt = SW_PUNT_LOCAL;
				next[i] = DP_NEXT_PUNT;
			} else if (md->flags & DP_MF_HOST) {
				sw_meta(m)->punt = SW_PUNT_UNRESOLVED;
				next[i] = DP_NEXT_PUNT;
			} else {
				next[i] = DP_NEXT_DROP(SW_DROP(ip6_ll_dst));
			}
			continue;
		}
		pl_switch_key_vrf_ip6(keys[k], md->slice, ip->dst_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.routes6, kp, k, e);
	{
		/* next hops by id (via, ecmp) into nexthops; hosts on a connected
		 * subnet by address into neigh6 */
		uint8_t nkeys[DP_LOOKUP_BURST][SW_KEY6_BYTES] __rte_aligned(16);
		const uint8_t *nkp[DP_LOOKUP_BURST];
		const struct dp_entry *ne[DP_LOOKUP_BURST];
		uint16_t nidx[DP_LOOKUP_BURST];
		uint32_t ids[DP_LOOKUP_BURST];
		unsigned int k2 = 0, kn = 0;
		uint64_t hit;

		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			struct dp_meta *md = dp_meta(m);
			uint32_t id;

			/* the slow path finds an unresolved one from the route again */
			if (route_nh(m, e[j], &next[idx[j]], &id) < 0)
				continue;
			if (id != 0) {
				ids[k2] = id;
				idx[k2++] = idx[j];
			} else {
				pl_switch_key_vrf_ip6(nkeys[kn], md->slice,
						      rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									      md->l3_off)->dst_addr);
				nkp[kn] = nkeys[kn];
				nidx[kn++] = idx[j];
			}
		}
		if (k2)
			dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), pl_sw.nexthops, ids, k2, e);
		for (unsigned int j = 0; j < k2; j++)
			out_resolved(pkts[idx[j]], &next[idx[j]],
				     e[j]->action == SW_NH_RESOLVED6 || e[j]->action == SW_NH_TUNNEL6 ?
				     &((const struct sw_nh6_resolved *)e[j]->params)->rw : NULL,
				     e[j]->action == SW_NH_TUNNEL6);
		if (kn) {
			hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.neigh6, nkp, kn, ne);
			for (unsigned int j = 0; j < kn; j++) {
				bool found = hit & (1ULL << j);

				out_resolved(pkts[nidx[j]], &next[nidx[j]],
					     found && ne[j]->action != SW_NB_UNRESOLVED ?
					     (const struct sw_rewrite *)ne[j]->params : NULL,
					     found && ne[j]->action == SW_NB_TUNNEL);
			}
		}
	}
	return 0;
}
