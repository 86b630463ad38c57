/* What the switch's stages and slow path share (the feature is described
 * in pl_switch.c): its drop reasons and events, the edges of its stages,
 * why it punts, and the keys and addresses its modules build. Its globals
 * (table ids, reason bases, the per-packet field) are in sw_state.c. It
 * includes none of the switch's other modules. */
#ifndef SW_STATE_H
#define SW_STATE_H

#include <stdint.h>
#include <netinet/in.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "dp_addr.h"
#include "dp_meta.h"
#include "dp_feature.h"
#include "dp_table.h"
#include "sw_api.h"

/* drop reasons and events (pl_switch.def), in the slots registered at init */
#define DP_REASONS_DEF "pl_switch.def"
#define DP_REASONS_PREFIX SW
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_sw_drop_base, pl_sw_event_base;
#define SW_DROP(name) (pl_sw_drop_base + SW_DROP_##name)
#define SW_EVENT(name) (pl_sw_event_base + SW_EVENT_##name)

/* switch.ingress's edges: l2 (CONTINUE) for attached interfaces, the
 * L3 stages straight for a routed port's packets, and switch.l3's and
 * switch.l2's own open edges for those its fused paths (sw_fast.c) routed
 * or bridged there */
enum { SW_IN_EDGE_L2, SW_IN_EDGE_L3, SW_IN_EDGE_L3V6, SW_IN_EDGE_L3_ENCAP, SW_IN_EDGE_L3_ROUTE,
       SW_IN_EDGE_L3_ROUTE2, SW_IN_EDGE_L2_ENCAP, SW_IN_EDGE_L2_SESSION };
/* switch.l2's edges; ENCAP, SESSION and the l3 stages' are open (sw_api.h):
 * "tunnel", "session" (attached endpoints) and "route", which upper
 * features attach to */
enum { SW_L2_EDGE_L3, SW_L2_EDGE_L3V6, SW_L2_EDGE_ENCAP, SW_L2_EDGE_SESSION };
enum { SW_L3_EDGE_ENCAP, SW_L3_EDGE_ROUTE, SW_L3_EDGE_ROUTE2 };   /* switch.l3 and switch.l3v6 alike */
/* The L3 edge of each upper route action (SW_RT_UPPER + i) of each
 * family (0 IPv4, 1 IPv6), in the order route_upper declared them: two
 * upper features may own routes (the UPF's UE pools, the edge's way out
 * of a slice). */
extern uint8_t sw_rt_upper_edge[2][2];

/* why the switch punted a packet (dp_meta.punt) */
enum { SW_PUNT_ARP = 1, SW_PUNT_LOCAL, SW_PUNT_TTL, SW_PUNT_NOROUTE, SW_PUNT_UNRESOLVED,
       SW_PUNT_MTU /* routed, resolved, longer than the egress MTU */,
       SW_PUNT_ND /* IPv6: a neighbour solicitation multicast to one of the box's addresses */,
       SW_PUNT_SCOPE /* IPv6: a link-local source that would leave its link */,
       SW_PUNT_MCAST /* a routing protocol's link-local multicast: a copy for the twin */,
       SW_PUNT_TWIN_MCAST /* the same from the twin: out into its bridge domains */,
       SW_PUNT_LISTEN /* the same, for the feature listening to its protocol (sw_listen) */,
       SW_PUNT_LISTEN_UDP /* a broadcast to a UDP port a feature listens to (sw_listen_udp) */ };

/* Who listens to a link-local group protocol, by IP protocol
 * (pl_switch_listen): set at init, read by workers. */
extern pl_switch_listen_fn sw_listen[256];
/* Who listens to a UDP port (pl_switch_listen_udp): set at init, read by
 * workers; sw_n_listen_udp entries used. */
struct sw_listen_udp { uint16_t port; pl_switch_listen_fn fn; };
extern struct sw_listen_udp sw_listen_udp[SW_LISTEN_UDP_MAX];
extern unsigned int sw_n_listen_udp;

/* The listener of UDP port dport (host order), or NULL. */
static inline pl_switch_listen_fn
pl_switch_udp_listener(uint16_t dport)
{
	for (unsigned int i = 0; i < sw_n_listen_udp; i++)
		if (sw_listen_udp[i].port == dport)
			return sw_listen_udp[i].fn;
	return NULL;
}

/* An IPv4 datagram, whole in its first fragment, to 255.255.255.255 and a
 * UDP port a feature listens to (workers: a broadcast frame's test). */
static inline bool
pl_switch_udp_bcast_listened(const struct rte_mbuf *m, const struct dp_meta *md)
{
	uint32_t dst;

	if (likely(sw_n_listen_udp == 0) || (md->flags & (DP_MF_IPV4 | DP_MF_FRAG | DP_MF_L4)) !=
	    (DP_MF_IPV4 | DP_MF_L4) || md->l4_proto != IPPROTO_UDP)
		return false;
	memcpy(&dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off + 16), 4);
	if (dst != UINT32_MAX)
		return false;
	return pl_switch_udp_listener(md->dport) != NULL;
}

/* A routing protocol's link-local multicast: IPv4's from RFC 5771's
 * Local Network Control Block, the groups a routing suite speaks on
 * (OSPF's 224.0.0.5 and .6, RIPv2's .9, EIGRP's .10, PIM's .13, VRRP's
 * .18), and IPv6's link-scope twins of them (RFC 4291 2.7.1: OSPFv3's
 * ff02::5 and ::6, RIPng's ::9, EIGRP's ::a, PIM's ::d, VRRP's ::12). The
 * bridge domain's router, the slice's twin, takes a copy of what comes
 * in, and what the twin sends goes out bridged, its TTL (hop limit) of 1
 * untouched (these never cross a router). */
static inline bool
pl_switch_mcast_routing(const struct rte_mbuf *m, uint32_t flags, uint16_t l3_off)
{
	static const uint8_t ff02[15] = { 0xff, 0x02 };
	const uint8_t *dst;
	uint8_t last;

	if ((flags & (DP_MF_IPV4 | DP_MF_FRAG)) == DP_MF_IPV4) {
		dst = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off + 16);
		if (dst[0] != 224 || dst[1] != 0 || dst[2] != 0)
			return false;
		last = dst[3];
	} else if ((flags & (DP_MF_IPV6 | DP_MF_FRAG)) == DP_MF_IPV6) {
		dst = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off + 24);
		if (memcmp(dst, ff02, sizeof(ff02)) != 0)
			return false;
		last = dst[15];
	} else {
		return false;
	}
	switch (last) {
	case 5: case 6: case 9: case 10: case 13: case 18:
		return true;
	default:
		return false;
	}
}

/* The box's link-local address in a bridge domain: fe80::/64 with the
 * modified EUI-64 of its SVI MAC (RFC 4291 2.5.6, appendix A). */
static inline void
pl_switch_ll_addr(uint8_t *ip, const uint8_t *mac)
{
	static const uint8_t fe80[8] = { 0xfe, 0x80 };

	memcpy(ip, fe80, 8);
	ip[8] = mac[0] ^ 0x02;
	ip[9] = mac[1];
	ip[10] = mac[2];
	ip[11] = 0xff;
	ip[12] = 0xfe;
	memcpy(ip + 13, mac + 3, 3);
}

static inline void
pl_switch_key_bd_port(uint8_t *k, uint16_t bd, uint16_t port)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
	*(rte_be16_t *)(k + 2) = rte_cpu_to_be_16(port);
}

/* A worker's view of the kernel twin's link of (slice, bd): its hosts
 * entry, else the slice's (bd 0); NULL: none. Lookups for rare frames
 * alone (routing multicast, link-local destinations). */
static inline const struct sw_host *
pl_switch_twin_of(struct dp_stage_ctx *ctx, uint16_t slice, uint16_t bd)
{
	uint8_t key[DP_KEY_MAX] __rte_aligned(16);
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];

	for (int i = 0; i < 2; i++, bd = 0) {
		pl_switch_key_bd_port(key, slice, bd);   /* (vrf, bd): the same two u16 */
		dp_table_lookup(ctx->root, DP_WORKER_NONE, pl_sw.hosts, kp, 1, e);
		if (e[0]->action == SW_HOST_TWIN)
			return (const struct sw_host *)e[0]->params;
	}
	return NULL;
}

/* flood_more's (bd, index): the same layout as (bd, port) */
static inline void
pl_switch_key_bd_index(uint8_t *k, uint16_t bd, uint16_t i)
{
	pl_switch_key_bd_port(k, bd, i);
}

static inline void
pl_switch_key_bd(uint8_t *k, uint16_t bd)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
}

#endif
