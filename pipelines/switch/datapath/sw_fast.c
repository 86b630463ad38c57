/* Fused paths of switch.ingress (sw_fast.h).
 *
 * A routed port: its frames skip learning and the fdb, so
 * for the common burst (one interface, metered or not, IPv4 to the port's
 * own MAC) what switch.ingress then switch.l3 do is one pass here, with no
 * node hop and no second walk over the burst's metadata. It decides
 * first, reading only, whether the burst is of that shape; then it does
 * what the general path does in the same order (the interface's counts,
 * the slice and switch fields, qos classification, the interface's meter,
 * L3's own checks and routing, which are sw_l3.c's very functions), so
 * the only thing of its own is that decision. */
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sw_state.h"
#include "sw_fast.h"
#include "sw_l2.h"
#include "sw_l3.h"
#include "qos_api.h"
#include "dp_table.h"
#include "dp_port.h"

/* The first 8 bytes of a frame with the destination MAC kept and the
 * source's first two bytes masked (little endian: the low 6 bytes). */
#define DMAC_MASK UINT64_C(0x0000ffffffffffff)

bool pl_switch_fast_planted, pl_switch_fast_bridged_planted;

/* The interfaces entry of the burst's (port, VLAN), not counted here: a
 * burst the general path takes counts it there. */
static inline const struct dp_entry *
burst_iface(const struct dp_stage_ctx *ctx, uint16_t in_port, uint16_t vid)
{
	uint8_t key[SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp = key;
	const struct dp_entry *e;

	sw_key_store(key, (uint64_t)rte_cpu_to_be_16(in_port) | (uint64_t)rte_cpu_to_be_16(vid) << 16);
	dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.interfaces, &kp, 1, &e);
	return e;
}

bool
pl_switch_fast_routed(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct dp_meta *md0 = dp_meta(pkts[0]);
	const uint32_t in_port = md0->in_port;
	const uint16_t vid = (md0->flags & DP_MF_VLAN) ? (md0->vlan[0] & 0x0fff) : 0;
	uint32_t dst[DP_LOOKUP_BURST];
	struct rte_ipv4_hdr *iph[DP_LOOKUP_BURST];
	uint16_t tlen[DP_LOOKUP_BURST], idx[DP_LOOKUP_BURST], chk[DP_LOOKUP_BURST];
	const struct dp_entry *e;
	const struct sw_attach *a;
	struct sw_fast_in in;
	uint64_t pmac = 0, bad = 0, l3drop = 0;
	unsigned int k = 0;
	uint32_t cnt = n;

	if (unlikely(in_port >= DP_PORTS_MAX))
		return false;
	e = burst_iface(ctx, (uint16_t)in_port, vid);
	a = (const struct sw_attach *)e->params;
	if (e->action != SW_IF_ROUTED)
		return false;
	in.slice = a->slice;
	in.bd = a->bd;
	in.vid = vid;
	memcpy(&pmac, &dp_ports[in_port].mac, RTE_ETHER_ADDR_LEN);
	/* 1: the shape, reading only. Each frame: the burst's (port, VLAN),
	 * IPv4, to the port's MAC, from a station (no group or zero source:
	 * those the general path drops before anything). L3's checks and
	 * keys read nothing ingress writes but the slice, which is the
	 * interface's: made here, while the frame is at hand. (Not an
	 * IPv4 frame: what is read as its header is never used.) */
	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);
		uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + md->l3_off);
		uint64_t w0, src;
		uint16_t v = (md->flags & DP_MF_VLAN) ? (md->vlan[0] & 0x0fff) : 0;
		uint32_t s4;
		uint16_t s2;

		memcpy(&w0, d, 8);
		memcpy(&s4, d + 8, 4);
		s2 = (uint16_t)(w0 >> 48);
		src = (uint64_t)s2 | (uint64_t)s4 << 16;
		bad |= (uint64_t)(md->in_port != in_port) | (v != vid) | !(md->flags & DP_MF_IPV4) |
		       ((w0 & DMAC_MASK) != pmac) | ((s2 & 1) && !pl_switch_fast_planted) | (src == 0);
		chk[i] = pl_switch_l3_check(pkts[i]);
		l3drop |= chk[i];
		iph[i] = ip;
		tlen[i] = rte_be_to_cpu_16(ip->total_length);
		dst[i] = rte_be_to_cpu_32(ip->dst_addr);
		idx[i] = i;
	}
	if (bad)
		return false;
	/* 2: what switch.ingress does: n lookups of one entry, the slice and
	 * switch fields, qos's classes */
	dp_table_count_hits(dp_ctx_count(ctx), pl_sw.interfaces, &e, &cnt, 1);
	if (likely(!pl_qos_classes_any() && l3drop == 0 && a->meter == 0)) {
		/* 3: what switch.l3 does with them, ingress's fields set on
		 * the way (nothing reads them before) */
		pl_switch_l3_route_vrf(ctx, pkts, idx, n, dst, iph, tlen, next, &in);
	} else {
		for (uint16_t i = 0; i < n; i++) {
			struct sw_meta *sm = sw_meta(pkts[i]);

			dp_meta(pkts[i])->slice = in.slice;
			sm->bd = in.bd;
			sm->vid = in.vid;
			next[i] = DP_NEXT_CONTINUE;
		}
		pl_qos_classify(ctx, pkts, idx, n, next);
		/* the interface's meter (the slice's) on what the class
		 * meters passed, L3's checks after it, as the general path */
		if (a->meter != 0) {
			uint32_t mid[DP_LOOKUP_BURST];
			uint16_t midx[DP_LOOKUP_BURST];
			unsigned int nm = 0;

			for (uint16_t i = 0; i < n; i++)
				if (next[i] == DP_NEXT_CONTINUE) {
					midx[nm] = i;
					mid[nm++] = a->meter;
				}
			if (nm)
				pl_qos_meter(ctx, pkts, midx, nm, mid, next);
		}
		/* what the meters passed and L3's checks did: routed */
		for (uint16_t i = 0; i < n; i++) {
			if (next[i] != DP_NEXT_CONTINUE)
				continue;
			if (unlikely(chk[i] != 0)) {
				next[i] = chk[i];
				continue;
			}
			dst[k] = dst[i];
			iph[k] = iph[i];
			tlen[k] = tlen[i];
			idx[k++] = i;
		}
		if (k)
			pl_switch_l3_route_vrf(ctx, pkts, idx, k, dst, iph, tlen, next, &in);
	}
	/* L3's edges are ingress's SW_IN_EDGE_L3_* */
	for (uint16_t i = 0; i < n; i++)
		if (unlikely(next[i] >= DP_NEXT_CONTINUE && !DP_NEXT_IS_DROP(next[i])))
			next[i] = (uint16_t)(next[i] - DP_NEXT_EDGE(SW_L3_EDGE_ENCAP) + DP_NEXT_EDGE(SW_IN_EDGE_L3_ENCAP));
	return true;
}

/* Fused path of an attached interface (bridged): for the common burst (one
 * interface, no meter and no qos classes, unicast between stations, every
 * source known here, every destination a known port or tunnel) what
 * switch.ingress then switch.l2 do, in one pass with no node hop: the
 * decision first, reading only (both fdb lookups are made then, neither
 * counted), then what the general path does in the same order. */
bool
pl_switch_fast_bridged(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	const struct dp_meta *md0 = dp_meta(pkts[0]);
	const uint32_t in_port = md0->in_port;
	const uint16_t vid = (md0->flags & DP_MF_VLAN) ? (md0->vlan[0] & 0x0fff) : 0;
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	uint8_t dkeys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST], *dkp[DP_LOOKUP_BURST];
	const struct dp_entry *se[DP_LOOKUP_BURST], *de[DP_LOOKUP_BURST], *e;
	uint32_t cnt = n, ones[DP_LOOKUP_BURST];
	const struct sw_attach *a;
	uint64_t bad = 0, unicast = 0, full = n == 64 ? UINT64_MAX : (1ULL << n) - 1;

	if (unlikely(in_port >= DP_PORTS_MAX) || pl_qos_classes_any())
		return false;
	e = burst_iface(ctx, (uint16_t)in_port, vid);
	a = (const struct sw_attach *)e->params;
	if (e->action != SW_IF_ATTACH || a->meter != 0)
		return false;
	/* 1: the shape, reading only: the burst's (port, VLAN), a station's
	 * source, a unicast destination; both MACs' fdb keys in the bridge
	 * domain */
	for (uint16_t i = 0; i < n; i++) {
		const struct dp_meta *md = dp_meta(pkts[i]);
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		uint16_t v = (md->flags & DP_MF_VLAN) ? (md->vlan[0] & 0x0fff) : 0;

		bad |= (uint64_t)(md->in_port != in_port) | (v != vid) | (eth->src_addr.addr_bytes[0] & 1) |
		       rte_is_zero_ether_addr(&eth->src_addr) | (eth->dst_addr.addr_bytes[0] & 1);
		pl_switch_key_fdb(keys[i], a->bd, &eth->src_addr);
		pl_switch_key_fdb(dkeys[i], a->bd, &eth->dst_addr);
		kp[i] = keys[i];
		dkp[i] = dkeys[i];
	}
	if (bad)
		return false;
	/* every source known here (else a learn event: the general path's),
	 * every destination a port other than the frame's or a tunnel it may
	 * enter (a flood, a route, a drop: the general path's) */
	if (dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.fdb, kp, n, se) != full ||
	    dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.fdb, dkp, n, de) != full)
		return false;
	for (uint16_t i = 0; i < n; i++) {
		uint16_t act = de[i]->action;

		bad |= !pl_switch_fdb_knows(se[i], (uint16_t)in_port, 0);
		if (act == SW_FDB_FORWARD || act == SW_FDB_LEARNED) {
			bad |= ((const struct sw_fwd *)de[i]->params)->port == in_port &&
			       !pl_switch_fast_bridged_planted;
		} else if (act == SW_FDB_TUNNEL || act == SW_FDB_TUNNEL_LEARNED) {
			uint32_t to = ((const struct sw_tun *)de[i]->params)->tunnel;

			bad |= !pl_switch_may_enter(dp_meta(pkts[i])->tunnel, to) ||
			       (!(to & SW_TUN_ATTACHED) && !pl_switch_forwarder_here(a->bd));
		} else {
			bad = 1;
		}
	}
	if (bad)
		return false;
	/* 2: what switch.ingress does: n lookups of one entry, the sources'
	 * (ageing watches their hits), the slice and switch fields */
	dp_table_count_hits(dp_ctx_count(ctx), pl_sw.interfaces, &e, &cnt, 1);
	for (uint16_t i = 0; i < n; i++)
		ones[i] = 1;
	dp_table_count_hits(dp_ctx_count(ctx), pl_sw.fdb, se, ones, n);
	/* 3: what switch.l2 does with them (its edges as ingress's) */
	for (uint16_t i = 0; i < n; i++) {
		struct dp_meta *md = dp_meta(pkts[i]);
		struct sw_meta *sm = sw_meta(pkts[i]);

		md->slice = a->slice;
		sm->bd = a->bd;
		sm->vid = vid;
		if (de[i]->action == SW_FDB_FORWARD || de[i]->action == SW_FDB_LEARNED) {
			md->out_port = ((const struct sw_fwd *)de[i]->params)->port;
			next[i] = DP_NEXT_TX;
			unicast |= 1ULL << i;
		} else {
			uint32_t to = ((const struct sw_tun *)de[i]->params)->tunnel;

			sm->from = md->tunnel;
			md->tunnel = to;
			next[i] = DP_NEXT_EDGE((to & SW_TUN_ATTACHED) ? SW_IN_EDGE_L2_SESSION : SW_IN_EDGE_L2_ENCAP);
		}
	}
	if (unicast)
		pl_switch_l2_members(ctx, pkts, n, unicast, next);
	return true;
}
