/* Switch stage "l3": routing in the slice's VRF. RFC 1812 checks first
 * (header checksum, martian and group addresses), then LPM with ECMP, the
 * next hop's rewrite by id (nexthops; hosts of a connected subnet by
 * address in neigh) and the egress MTU (over it: punt, the slow path
 * fragments or answers "fragmentation needed"). */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_l3.h"
#include "sw_rewrite.h"
#include "dp_parse.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"

/* A routed packet with its neighbour's rewrite (NULL: unresolved, the
 * slow path resolves it; tun: behind a tunnel, rw its sw_rw_tunnel): the
 * egress MTU, the rewrite, out. ip is its header, tlen its total length
 * (host order), both read when its key was made. */
static __rte_always_inline void
out_resolved(struct rte_mbuf *m, uint16_t *nx, const struct sw_rewrite *rw, bool tun, struct rte_ipv4_hdr *ip,
	     uint16_t tlen)
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
	/* Over the egress MTU: fragmentation or ICMP "fragmentation needed"
	 * is the slow path's, on the packet as received. */
	if (unlikely(tlen > dp_ports[rw->port].mtu)) {
		sw_meta(m)->punt = SW_PUNT_MTU;
		*nx = DP_NEXT_PUNT;
		return;
	}
	pl_switch_macs_set(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), rw);
	if (likely(!(md->flags & DP_MF_HOST)))
		pl_switch_ttl_dec_hdr(ip);
	if (unlikely(md->flags & DP_MF_VLAN) || unlikely(rw->vlan != 0)) {
		if (pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan) < 0) {
			*nx = DP_NEXT_DROP(SW_DROP(vlan_push));
			return;
		}
	}
	md->out_port = rw->port;
	*nx = DP_NEXT_TX;
}

/* Route the k packets whose route entries, headers and lengths are given
 * (e, iph, tlen by j; the packets pkts[idx[j]]). in: ingress's fields to
 * set first on each (the fused path's), or NULL. */
static __rte_always_inline void
l3_route_entries(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
		 const struct dp_entry **e, struct rte_ipv4_hdr **iph, uint16_t *tlen, uint16_t *next,
		 const struct sw_fast_in *in)
{
	uint64_t hit;

	{
		/* next hops by id (via, ecmp) into nexthops; hosts on a connected
		 * subnet by address into neigh */
		uint8_t nkeys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
		const uint8_t *nkp[DP_LOOKUP_BURST];
		const struct dp_entry *ne[DP_LOOKUP_BURST];
		uint16_t nidx[DP_LOOKUP_BURST];
		uint32_t ids[DP_LOOKUP_BURST];
		struct rte_ipv4_hdr *nip[DP_LOOKUP_BURST];
		uint16_t ntlen[DP_LOOKUP_BURST];
		unsigned int k2 = 0, kn = 0;

		for (unsigned int j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[idx[j]];
			struct dp_meta *md = dp_meta(m);
			const uint32_t *rid = (const uint32_t *)(e[j]->params + SW_RT_IDS_OFF);
			uint16_t *nx = &next[idx[j]];
			uint32_t nh, id = 0;

			if (in != NULL) {
				struct sw_meta *sm = sw_meta(m);

				md->slice = in->slice;
				sm->bd = in->bd;
				sm->vid = in->vid;
			}
			switch (e[j]->action) {
			case SW_RT_VIA:
				nh = ((const struct sw_via *)e[j]->params)->nh;
				id = rid[0];
				break;
			case SW_RT_ECMP: {
				const struct sw_ecmp *g = (const struct sw_ecmp *)e[j]->params;
				uint32_t cnt = RTE_MIN(RTE_MAX(g->n, 1), SW_ECMP_MAX);
				/* multiply-shift maps the flow hash onto [0, n) without a divide */
				uint32_t pick = ((uint64_t)md->hash * cnt) >> 32;

				nh = g->nh[pick];
				id = rid[pick];
				break;
			}
			case SW_RT_CONNECTED:
				nh = iph[j]->dst_addr;
				break;
			case SW_RT_LOCAL:
				sw_meta(m)->punt = SW_PUNT_LOCAL;
				*nx = DP_NEXT_PUNT;
				continue;
			case SW_RT_DROP:
				*nx = DP_NEXT_DROP(SW_DROP(route_drop));
				continue;
			case SW_RT_TUNNEL:
			case SW_RT_UPPER:
			case SW_RT_UPPER2:
				nh = 0;
				break;
			default:
				sw_meta(m)->punt = SW_PUNT_NOROUTE;
				*nx = DP_NEXT_PUNT;
				continue;
			}
			if (unlikely(md->ttl <= 1) && !(md->flags & DP_MF_HOST)) {
				sw_meta(m)->punt = SW_PUNT_TTL;
				*nx = DP_NEXT_PUNT;
				continue;
			}
			if (e[j]->action == SW_RT_TUNNEL) {
				*nx = pl_switch_route_tunnel(m, md, (const struct sw_rt_tunnel *)e[j]->params);
				continue;
			}
			if (e[j]->action >= SW_RT_UPPER) {
				*nx = pl_switch_route_upper(m, md, e[j]->action);
				continue;
			}
			sw_meta(m)->nh = nh;
			if (id != 0) {
				ids[k2] = id;
				iph[k2] = iph[j];
				tlen[k2] = tlen[j];
				idx[k2++] = idx[j];
			} else {
				pl_switch_key_vrf_ip(nkeys[kn], md->slice, nh);
				nkp[kn] = nkeys[kn];
				nip[kn] = iph[j];
				ntlen[kn] = tlen[j];
				nidx[kn++] = idx[j];
			}
		}
		if (k2)
			dp_table_lookup_ids(ctx->root, dp_ctx_count(ctx), pl_sw.nexthops, ids, k2, e);
		for (unsigned int j = 0; j < k2; j++)
			out_resolved(pkts[idx[j]], &next[idx[j]],
				     e[j]->action == SW_NH_RESOLVED || e[j]->action == SW_NH_TUNNEL ?
				     &((const struct sw_nh_resolved *)e[j]->params)->rw : NULL,
				     e[j]->action == SW_NH_TUNNEL, iph[j], tlen[j]);
		if (kn) {
			hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.neigh, nkp, kn, ne);
			for (unsigned int j = 0; j < kn; j++) {
				bool found = hit & (1ULL << j);

				out_resolved(pkts[nidx[j]], &next[nidx[j]],
					     found && ne[j]->action != SW_NB_UNRESOLVED ?
					     (const struct sw_rewrite *)ne[j]->params : NULL,
					     found && ne[j]->action == SW_NB_TUNNEL, nip[j], ntlen[j]);
			}
		}
	}
}

/* Route entries of the k packets (dst in host order by j): by address in
 * their one VRF (the usual burst), else by keys. */
static __rte_always_inline void
l3_lookup(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
	  const uint32_t *dst, bool one_vrf, const struct dp_entry **e)
{
	if (likely(one_vrf)) {
		rte_be16_t part = rte_cpu_to_be_16(dp_meta(pkts[idx[0]])->slice);

		dp_table_lookup_lpm4(ctx->root, dp_ctx_count(ctx), pl_sw.routes, (const uint8_t *)&part, dst, k, e);
	} else {
		uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
		const uint8_t *kp[DP_LOOKUP_BURST];

		for (unsigned int j = 0; j < k; j++) {
			pl_switch_key_vrf_ip(keys[j], dp_meta(pkts[idx[j]])->slice, rte_cpu_to_be_32(dst[j]));
			kp[j] = keys[j];
		}
		dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.routes, kp, k, e);
	}
}

void
pl_switch_l3_route_vrf(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
		       const uint32_t *dst, struct rte_ipv4_hdr **iph, uint16_t *tlen, uint16_t *next,
		       const struct sw_fast_in *in)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	rte_be16_t part = rte_cpu_to_be_16(in->slice);

	dp_table_lookup_lpm4(ctx->root, dp_ctx_count(ctx), pl_sw.routes, (const uint8_t *)&part, dst, k, e);
	l3_route_entries(ctx, pkts, idx, k, e, iph, tlen, next, in);
}

uint16_t
pl_switch_l3_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct dp_entry *e[DP_LOOKUP_BURST];
	struct rte_ipv4_hdr *iph[DP_LOOKUP_BURST];
	uint32_t dst[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], tlen[DP_LOOKUP_BURST];
	uint16_t vrf = dp_meta(pkts[0])->slice, other = 0;
	unsigned int k = 0;

	/* the checks, and what routing reads of each header, in one pass */
	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);
		uint16_t v = pl_switch_l3_check(pkts[i]);
		struct rte_ipv4_hdr *ip;

		if (unlikely(v != 0)) {
			next[i] = v;
			continue;
		}
		ip = rte_pktmbuf_mtod_offset(pkts[i], struct rte_ipv4_hdr *, md->l3_off);
		iph[k] = ip;
		tlen[k] = rte_be_to_cpu_16(ip->total_length);
		dst[k] = rte_be_to_cpu_32(ip->dst_addr);
		other |= md->slice ^ vrf;
		idx[k++] = i;
	}
	if (k) {
		l3_lookup(ctx, pkts, idx, k, dst, other == 0, e);
		l3_route_entries(ctx, pkts, idx, k, e, iph, tlen, next, NULL);
	}
	return 0;
}
