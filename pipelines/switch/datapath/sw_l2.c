/* Switch stage "l2": bridging in the frame's bridge domain (known unicast
 * to its port, flooding confined to the domain, the router MAC on to l3),
 * egress membership, tagging and MTU. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_byteorder.h>

#include "sw_state.h"
#include "sw_l2.h"
#include "sw_l3v6.h"
#include "sw_rewrite.h"
#include "dp_table.h"
#include "dp_port.h"
#include "dp_stats.h"

static inline int
is_arp_request(struct rte_mbuf *m, const struct dp_meta *md, uint32_t *tip)
{
	const struct rte_arp_hdr *arp;

	if (!(md->flags & DP_MF_ARP))
		return 0;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, md->l3_off);
	*tip = arp->arp_data.arp_tip;
	return arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
}

/* A flood copy that was never sent (no mbuf, no headroom, over the MTU)
 * counts as a copy made and dropped: rx + copies = tx + drops + punts. */
static inline void
copy_lost(struct dp_stage_ctx *ctx, unsigned int reason)
{
	ctx->stats->copy_pkts++;
	ctx->stats->drop_pkts++;
	ctx->stats->drops[reason]++;
}

/* A copy of m (with its metadata: rte_pktmbuf_copy brings the dynamic
 * fields, not the private area) that goes on with verdict nx, or NULL. */
static struct rte_mbuf *
copy_to(struct dp_stage_ctx *ctx, struct rte_mbuf *m, uint16_t nx)
{
	struct rte_mbuf *c;

	if (ctx->n_extra == DP_EXTRA_MAX || (c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX)) == NULL) {
		copy_lost(ctx, SW_DROP(flood_copy));
		return NULL;
	}
	*dp_meta(c) = *dp_meta(m);
	ctx->extra[ctx->n_extra] = c;
	ctx->extra_next[ctx->n_extra++] = nx;
	return c;
}

/* The tunnels of flood entry fl past its own: flood_more's (bd, 0..more-1)
 * into tuns[nt..], looked up a burst at a time. The new count. */
static unsigned int
flood_more(struct dp_stage_ctx *ctx, uint16_t bd, const struct sw_flood *fl, uint32_t *tuns, unsigned int nt)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	unsigned int more = RTE_MIN(fl->more, SW_FLOOD_MORE_MAX);

	for (unsigned int i = 0; i < more; i += DP_LOOKUP_BURST) {
		unsigned int k = RTE_MIN(more - i, (unsigned int)DP_LOOKUP_BURST);

		for (unsigned int j = 0; j < k; j++) {
			pl_switch_key_bd_index(keys[j], bd, (uint16_t)(i + j));
			kp[j] = keys[j];
		}
		dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.flood_more, kp, k, e);
		for (unsigned int j = 0; j < k; j++)
			if (e[j]->action == 0 && ((const struct sw_tun *)e[j]->params)->tunnel != 0)
				tuns[nt++] = ((const struct sw_tun *)e[j]->params)->tunnel;
	}
	return nt;
}

/* Replicate m to every other member port of its bridge domain and to the
 * domain's tunnels and attached groups it may enter (may_enter: head-end
 * replication to the peer sites unless it came out of a tunnel). The
 * copies go through ctx->extra; m itself takes the last port, or the last
 * tunnel. A copy into an attached group says where the frame came from
 * (sw_meta.from), so that its feature skips that endpoint. */
static uint16_t
flood(struct dp_stage_ctx *ctx, struct rte_mbuf *m, struct dp_meta *md)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];
	const struct sw_flood *fl;
	uint16_t bd = sw_meta(m)->bd, ports[DP_PORTS_MAX], vlans[DP_PORTS_MAX];
	uint32_t len = rte_pktmbuf_pkt_len(m) - md->l2_len;   /* L3 size, as an MTU counts */
	uint32_t tuns[SW_FLOOD_MAX], from = md->tunnel;
	unsigned int n = 0, nt = 0, big = 0;
	uint32_t mask;
	bool fwd;   /* the domain's forwarder to its peer sites (a pair's master) */

	pl_switch_key_bd(key, bd);
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.flood, kp, 1, e);
	if (e[0]->action != 0)
		return DP_NEXT_DROP(SW_DROP(no_flood));
	fl = (const struct sw_flood *)e[0]->params;
	for (unsigned int t = 0; t < SW_FLOOD_TUNNELS; t++)
		if (fl->tunnels[t] != 0)
			tuns[nt++] = fl->tunnels[t];
	if (unlikely(fl->more != 0))
		nt = flood_more(ctx, bd, fl, tuns, nt);
	fwd = pl_switch_forwarder_here(bd);
	for (unsigned int t = nt; t-- > 0;)
		if (!pl_switch_may_enter(from, tuns[t]) || (!(tuns[t] & SW_TUN_ATTACHED) && !fwd))
			tuns[t] = tuns[--nt];
	mask = fl->ports & ~(1u << md->in_port);
	while (mask) {
		uint16_t p = (uint16_t)__builtin_ctz(mask);

		mask &= mask - 1;
		if (p >= dp_n_ports)
			break;
		pl_switch_key_bd_port(key, bd, p);
		dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.bd_ports, kp, 1, e);
		if (e[0]->action != 0)
			continue;
		if (unlikely(len > dp_ports[p].mtu)) {
			big++;   /* a bridge does not fragment: this copy is lost */
			continue;
		}
		ports[n] = p;
		vlans[n++] = ((const struct sw_member *)e[0]->params)->vlan;
	}
	if (n + nt == 0) {
		if (big == 0)
			return DP_NEXT_DROP(SW_DROP(no_flood));
		/* one count per copy that would have gone out: m is the last */
		while (--big > 0)
			copy_lost(ctx, SW_DROP(mtu_exceeded));
		return DP_NEXT_DROP(SW_DROP(mtu_exceeded));
	}
	while (big-- > 0)
		copy_lost(ctx, SW_DROP(mtu_exceeded));
	/* the tunnels' copies first: the encap stage untags the inner frame */
	for (unsigned int i = 0; i < nt; i++) {
		struct rte_mbuf *c;

		if (i + 1 == nt && n == 0) {
			md->tunnel = tuns[i];
			sw_meta(m)->from = from;
			return pl_switch_tunnel_edge(tuns[i]);
		}
		c = copy_to(ctx, m, pl_switch_tunnel_edge(tuns[i]));
		if (c != NULL) {
			dp_meta(c)->tunnel = tuns[i];
			sw_meta(c)->from = from;
		}
	}
	for (unsigned int i = 0; i + 1 < n; i++) {
		struct rte_mbuf *c = copy_to(ctx, m, DP_NEXT_TX);

		if (c == NULL)
			continue;
		if (pl_switch_vlan_set(c, md->flags & DP_MF_VLAN, vlans[i]) < 0) {
			/* counted as a copy made and dropped, like copy_lost */
			ctx->extra_next[ctx->n_extra - 1] = DP_NEXT_DROP(SW_DROP(vlan_push));
			continue;
		}
		dp_meta(c)->out_port = ports[i];
	}
	if (pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, vlans[n - 1]) < 0)
		return DP_NEXT_DROP(SW_DROP(vlan_push));
	md->out_port = ports[n - 1];
	return DP_NEXT_TX;
}

bool
pl_switch_twin_routes(struct dp_stage_ctx *ctx, uint16_t slice, uint16_t bd, bool v6)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];

	pl_switch_key_bd_port(key, slice, bd);   /* (vrf, bd): the same two u16 */
	dp_table_lookup(ctx->root, DP_WORKER_NONE, v6 ? pl_sw.svi6 : pl_sw.svi, kp, 1, e);
	return e[0]->action == 0 && pl_switch_twin_of(ctx, slice, bd) != NULL;
}

/* Is ip one of the box's own addresses in this slice? */
static inline int
is_local(struct dp_stage_ctx *ctx, uint16_t slice, uint32_t ip)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];

	pl_switch_key_vrf_ip(key, slice, ip);
	dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.routes, kp, 1, e);
	return e[0]->action == SW_RT_LOCAL;
}

int
pl_switch_arp_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	uint32_t tip;

	return is_arp_request(m, md, &tip) && is_local(ctx, md->slice, tip);
}

/* A routing protocol's link-local multicast m: a copy for the slice's
 * twin when it routes the domain, one for the feature listening to its
 * protocol (sw_listen). */
static void
link_group(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md)
{
	struct rte_mbuf *c;

	if (pl_switch_twin_routes(ctx, md->slice, sw_meta(m)->bd, md->flags & DP_MF_IPV6) &&
	    (c = copy_to(ctx, m, DP_NEXT_PUNT)) != NULL)
		sw_meta(c)->punt = SW_PUNT_MCAST;
	if (sw_listen[md->l4_proto] != NULL && (c = copy_to(ctx, m, DP_NEXT_PUNT)) != NULL)
		sw_meta(c)->punt = SW_PUNT_LISTEN;
}

/* A broadcast to a UDP port a feature listens to: a copy for it. */
static void
udp_bcast(struct dp_stage_ctx *ctx, struct rte_mbuf *m)
{
	struct rte_mbuf *c = copy_to(ctx, m, DP_NEXT_PUNT);

	if (c != NULL)
		sw_meta(c)->punt = SW_PUNT_LISTEN_UDP;
}

uint16_t
pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;
	uint16_t cont = 0;
	uint64_t hit, unicast = 0;   /* packets bridged to one known port */

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *md = dp_meta(m);
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		if (unlikely(rte_is_multicast_ether_addr(&eth->dst_addr))) {
			if (pl_switch_arp_for_box(ctx, m, md)) {
				sw_meta(m)->punt = SW_PUNT_ARP;
				next[i] = DP_NEXT_PUNT;
			} else if ((md->flags & DP_MF_IPV6) && pl_switch_nd_for_box(ctx, m, md)) {
				sw_meta(m)->punt = SW_PUNT_ND;
				next[i] = DP_NEXT_PUNT;
			} else {
				/* the domain's router hears it too, and a feature
				 * that listens to its protocol or UDP port (a DHCP
				 * server's broadcast requests): bridged on all the same */
				if (unlikely(pl_switch_mcast_routing(m, md->flags, md->l3_off)))
					link_group(ctx, m, md);
				else if (unlikely(pl_switch_udp_bcast_listened(m, md)))
					udp_bcast(ctx, m);
				next[i] = flood(ctx, m, md);
			}
			continue;
		}
		pl_switch_key_fdb(keys[k], sw_meta(m)->bd, &eth->dst_addr);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	if (k == 0)
		return 0;
	/* destination lookups do not count: hits mean "seen as a source" */
	hit = dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.fdb, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);
		uint16_t *nx = &next[idx[j]];

		if (!(hit & (1ULL << j))) {
			if (e[j]->action == SW_FDB_DROP)   /* flooding disabled by default action */
				*nx = DP_NEXT_DROP(SW_DROP(fdb_drop));
			else
				*nx = flood(ctx, m, md);
			continue;
		}
		switch (e[j]->action) {
		case SW_FDB_FORWARD:
		case SW_FDB_LEARNED: {
			uint16_t port = ((const struct sw_fwd *)e[j]->params)->port;

			if (port == md->in_port) {
				*nx = DP_NEXT_DROP(SW_DROP(hairpin));
				break;
			}
			md->out_port = port;
			*nx = DP_NEXT_TX;   /* VLAN set below, after the member lookup */
			unicast |= 1ULL << idx[j];
			break;
		}
		case SW_FDB_TUNNEL:
		case SW_FDB_TUNNEL_LEARNED: {
			uint32_t to = ((const struct sw_tun *)e[j]->params)->tunnel;

			if (unlikely(!pl_switch_may_enter(md->tunnel, to))) {
				/* back into the endpoint it came from: a hairpin; between tunnels, split horizon */
				*nx = DP_NEXT_DROP((to & SW_TUN_ATTACHED) ? SW_DROP(hairpin) : SW_DROP(split_horizon));
				break;
			}
			if (unlikely(!(to & SW_TUN_ATTACHED) && !pl_switch_forwarder_here(sw_meta(m)->bd))) {
				*nx = DP_NEXT_DROP(SW_DROP(not_forwarder));
				break;
			}
			sw_meta(m)->from = md->tunnel;
			md->tunnel = to;
			*nx = pl_switch_tunnel_edge(to);
			break;
		}
		case SW_FDB_ROUTE_HELD:
			if (!pl_switch_held_here(sw_meta(m)->bd, ((const struct sw_fdb_route *)e[j]->params)->held)) {
				*nx = DP_NEXT_DROP(SW_DROP(held_elsewhere));
				break;
			}
			/* fall through - the gateway is here */
		case SW_FDB_ROUTE:
			if (md->flags & DP_MF_ARP) {
				sw_meta(m)->punt = SW_PUNT_ARP;
				*nx = DP_NEXT_PUNT;
			} else if (md->flags & DP_MF_IPV6) {
				*nx = DP_NEXT_EDGE(SW_L2_EDGE_L3V6);
			} else {
				*nx = DP_NEXT_CONTINUE;
				cont++;
			}
			break;
		default:
			*nx = DP_NEXT_DROP(SW_DROP(fdb_drop));
		}
	}
	if (unicast)
		pl_switch_l2_members(ctx, pkts, n, unicast, next);
	return cont;
}

void
pl_switch_l2_members(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint64_t unicast, uint16_t *next)
{
	uint8_t keys[DP_LOOKUP_BURST][SW_KEY_BYTES] __rte_aligned(16);
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	uint16_t idx[DP_LOOKUP_BURST];
	unsigned int k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!(unicast & (1ULL << i)))
			continue;
		pl_switch_key_bd_port(keys[k], sw_meta(pkts[i])->bd, dp_meta(pkts[i])->out_port);
		kp[k] = keys[k];
		idx[k++] = i;
	}
	dp_table_lookup(ctx->root, dp_ctx_count(ctx), pl_sw.bd_ports, kp, k, e);
	for (unsigned int j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[idx[j]];
		struct dp_meta *md = dp_meta(m);

		if (e[j]->action != 0) {
			next[idx[j]] = DP_NEXT_DROP(SW_DROP(not_member));
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) - md->l2_len > dp_ports[md->out_port].mtu)) {
			next[idx[j]] = DP_NEXT_DROP(SW_DROP(mtu_exceeded));
			continue;
		}
		if (pl_switch_vlan_set(m, md->flags & DP_MF_VLAN,
				       ((const struct sw_member *)e[j]->params)->vlan) < 0)
			next[idx[j]] = DP_NEXT_DROP(SW_DROP(vlan_push));
	}
}
