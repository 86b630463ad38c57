/* Switch stage "ingress": the (port, VLAN) interface gives the frame its
 * slice and bridge domain; frames from a group or zero source MAC stop
 * here; unknown or moved sources become learn events for the control
 * thread (one lookup per burst, bulk). An interface's meter (qos) polices
 * what enters through it; a slice's interfaces sharing one meter police
 * the slice. A routed port's frames go from here straight to l3 or l3v6
 * (or to the slow path: ARP, NDP for its address): no learning, no fdb,
 * the destination MAC checked against the port's own. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_ingress.h"
#include "sw_l2.h"
#include "sw_l3.h"
#include "sw_l3v6.h"
#include "sw_fast.h"
#include "dp_fastcheck.h"
#include "qos_api.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"

static inline uint16_t
in_vid(const struct dp_meta *md)
{
	return (md->flags & DP_MF_VLAN) ? (md->vlan[0] & 0x0fff) : 0;
}

/* Where a routed port's frame goes (md->slice and sw_meta set): unicast
 * to the port's MAC into L3 as the router MAC's would (ARP to the slow
 * path), an ARP request or NDP solicitation for its address to the slow
 * path, anything else dropped: it has nobody to be bridged or flooded to. */
static inline uint16_t
routed_next(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md, const struct rte_ether_hdr *eth)
{
	if (likely(rte_is_same_ether_addr(&eth->dst_addr, &dp_ports[md->in_port].mac))) {
		if (likely(md->flags & DP_MF_IPV4))
			return DP_NEXT_EDGE(SW_IN_EDGE_L3);
		if (md->flags & DP_MF_IPV6)
			return DP_NEXT_EDGE(SW_IN_EDGE_L3V6);
		if (md->flags & DP_MF_ARP) {
			sw_meta(m)->punt = SW_PUNT_ARP;
			return DP_NEXT_PUNT;
		}
		return DP_NEXT_DROP(SW_DROP(not_ipv4));
	}
	if (!rte_is_multicast_ether_addr(&eth->dst_addr))
		return DP_NEXT_DROP(SW_DROP(not_port_mac));
	if (pl_switch_arp_for_box(ctx, m, md)) {
		sw_meta(m)->punt = SW_PUNT_ARP;
		return DP_NEXT_PUNT;
	}
	if ((md->flags & DP_MF_IPV6) && pl_switch_nd_for_box(ctx, m, md)) {
		sw_meta(m)->punt = SW_PUNT_ND;
		return DP_NEXT_PUNT;
	}
	/* a routing protocol's hello: from the twin to its links (the slow
	 * path knows them), from the link to the twin where there is one */
	if (pl_switch_mcast_routing(m, md->flags, md->l3_off)) {
		if (md->flags & DP_MF_HOST) {
			sw_meta(m)->punt = SW_PUNT_TWIN_MCAST;
			return DP_NEXT_PUNT;
		}
		if (pl_switch_twin_routes(ctx, md->slice, sw_meta(m)->bd, md->flags & DP_MF_IPV6)) {
			sw_meta(m)->punt = SW_PUNT_MCAST;
			return DP_NEXT_PUNT;
		}
	}
	return DP_NEXT_DROP(SW_DROP(routed_group));
}

uint16_t
pl_switch_ingress_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST], midx[DP_LOOKUP_BURST], lidx[DP_LOOKUP_BURST];
	uint16_t rnext[DP_LOOKUP_BURST];   /* a routed port's packet: where it goes once policed */
	uint32_t meter[DP_LOOKUP_BURST];
	struct sw_learn_ev last = { .bd = UINT16_MAX };
	unsigned int k = 0, nm = 0, nl = 0;
	uint64_t hit, routed = 0;
	uint16_t cont = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);

		/* stored whole: the run compare's wide loads read it next */
		sw_key_store(keys[i], (uint64_t)rte_cpu_to_be_16(md->in_port) |
				      (uint64_t)rte_cpu_to_be_16(in_vid(md)) << 16);
		kp[i] = keys[i];
	}
	/* a burst is mostly one (port, VLAN): one lookup a run */
	dp_table_lookup_runs(ctx->root, dp_ctx_count(ctx), pl_sw.interfaces, kp, n, e);
	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);
		const struct sw_attach *a = (const struct sw_attach *)e[i]->params;
		const struct rte_ether_hdr *eth;

		if (unlikely(e[i]->action == SW_IF_DROP)) {
			next[i] = DP_NEXT_DROP(SW_DROP(no_interface));
			continue;
		}
		eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		/* A group or all-zero source is no station: such a frame is
		 * neither bridged, routed nor learned (IEEE 802.1Q 8.7,
		 * RFC 1812 5.3.4; Linux's bridge drops it the same way). */
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
			     rte_is_zero_ether_addr(&eth->src_addr))) {
			next[i] = DP_NEXT_DROP(SW_DROP(bad_src_mac));
			continue;
		}
		md->slice = a->slice;
		sw_meta(pkts[i])->bd = a->bd;
		sw_meta(pkts[i])->vid = in_vid(md);
		if (e[i]->action != SW_IF_ATTACH) {
			/* a VRF's kernel twin: what it sends is the box's own */
			if (e[i]->action == SW_IF_HOST)
				md->flags |= DP_MF_OWN | DP_MF_HOST;
			/* a frame the port takes nothing from stops before its
			 * meter, as one from a group source does */
			rnext[i] = routed_next(ctx, pkts[i], md, eth);
			if (DP_NEXT_IS_DROP(rnext[i])) {
				next[i] = rnext[i];
				continue;
			}
			routed |= 1ULL << i;
		} else {
			pl_switch_key_fdb(keys[nl], a->bd, &eth->src_addr);
			kp[nl] = keys[nl];
			lidx[nl++] = i;
		}
		if (a->meter != 0) {
			midx[nm] = i;
			meter[nm++] = a->meter;
		}
		next[i] = DP_NEXT_CONTINUE;
		cont++;
		idx[k++] = i;
	}
	/* its VDN or class (pipe, meter), then the interface's meter (the
	 * slice's), color-aware ones seeing the class meter's color; policed
	 * before learning: a dropped frame still taught its source */
	if (k) {
		unsigned int dropped = pl_qos_classify(ctx, pkts, idx, k, next);

		if (dropped) {
			unsigned int m = 0;

			cont -= (uint16_t)dropped;
			for (unsigned int j = 0; j < nm; j++)
				if (next[midx[j]] == DP_NEXT_CONTINUE) {
					midx[m] = midx[j];
					meter[m++] = meter[j];
				}
			nm = m;
		}
	}
	if (nm)
		cont -= pl_qos_meter(ctx, pkts, midx, nm, meter, next);
	/* a routed port's packets the meters passed: on to L3 or the slow path */
	for (uint64_t r = routed; r != 0; r &= r - 1) {
		unsigned int i = (unsigned int)__builtin_ctzll(r);

		if (next[i] == DP_NEXT_CONTINUE) {
			next[i] = rnext[i];
			cont--;
		}
	}
	if (nl == 0)
		return cont;
	/* Learning: the source lookup counts hits, which is what ageing watches. */
	hit = dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.fdb, kp, nl, e);
	for (unsigned int j = 0; j < nl; j++) {
		struct dp_meta *md = dp_meta(pkts[lidx[j]]);
		struct sw_learn_ev ev;

		if ((hit & (1ULL << j)) && pl_switch_fdb_knows(e[j], md->in_port, 0))
			continue;   /* known here, or static */
		ev.bd = sw_meta(pkts[lidx[j]])->bd;
		ev.port = md->in_port;
		memcpy(&ev.mac, keys[j] + 2, 6);
		ev.pad = 0;
		ev.tunnel = 0;
		pl_switch_learn_post(ctx, &last, &ev);
	}
	return cont;
}

uint16_t
pl_switch_routed_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	static const uint8_t l3_edges[] = {   /* L3's edges as ingress's */
		[SW_L3_EDGE_ENCAP] = SW_IN_EDGE_L3_ENCAP, [SW_L3_EDGE_ROUTE] = SW_IN_EDGE_L3_ROUTE,
		[SW_L3_EDGE_ROUTE2] = SW_IN_EDGE_L3_ROUTE2,
	};

	dp_stage_then(ctx, pkts, n, next, pl_switch_ingress_general, SW_IN_EDGE_L3, pl_switch_l3_burst, l3_edges,
		      RTE_DIM(l3_edges));
	return 0;
}

uint16_t
pl_switch_bridged_general(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	static const uint8_t l2_edges[] = {   /* l2's edges as ingress's */
		[SW_L2_EDGE_L3] = SW_IN_EDGE_L3, [SW_L2_EDGE_L3V6] = SW_IN_EDGE_L3V6,
		[SW_L2_EDGE_ENCAP] = SW_IN_EDGE_L2_ENCAP, [SW_L2_EDGE_SESSION] = SW_IN_EDGE_L2_SESSION,
	};

	dp_stage_then(ctx, pkts, n, next, pl_switch_ingress_general, SW_IN_EDGE_L2, pl_switch_l2_burst, l2_edges,
		      RTE_DIM(l2_edges));
	return 0;
}

uint16_t
pl_switch_ingress_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	/* a routed port's usual burst: ingress and L3 in one pass; an
	 * attached interface's: ingress and l2 (each checked against its
	 * general path when SXDP_FAST_CHECK is set) */
	if (dp_fast_run("switch.routed", ctx, pkts, n, next, pl_switch_fast_routed, pl_switch_routed_general) ||
	    dp_fast_run("switch.bridged", ctx, pkts, n, next, pl_switch_fast_bridged, pl_switch_bridged_general))
		return 0;
	return pl_switch_ingress_general(ctx, pkts, n, next);
}
