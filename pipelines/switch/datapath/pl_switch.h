/* The "switch" pipeline: slices at ingress, an L2 bridge domain and an L3
 * VRF per slice. Every key after ingress carries the slice (or a bridge
 * domain that belongs to exactly one slice), so no lookup can match another
 * slice's entry. Stages: ingress (interfaces, MAC learning) -> l2 (fdb:
 * bridge, flood, or route) -> l3 (routes, neighbours, rewrite) for IPv4,
 * l3v6 (routes6, neigh6) for IPv6. The slow path (ARP, ICMP, neighbour
 * resolution, learning) is pl_swctl, NDP and ICMPv6 sw_nd. */
#ifndef PL_SWITCH_H
#define PL_SWITCH_H

#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf_dyn.h>
#include "dp_addr.h"
#include "dp_feature.h"
#include "dp_table.h"
#include "sw_api.h"

extern const struct dp_feature pl_switch_feature;

/* drop reasons and events (pl_switch.def), in the slots registered at init */
#define DP_REASONS_DEF "pl_switch.def"
#define DP_REASONS_PREFIX SW
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_sw_drop_base, pl_sw_event_base;
#define SW_DROP(name) (pl_sw_drop_base + SW_DROP_##name)
#define SW_EVENT(name) (pl_sw_event_base + SW_EVENT_##name)

/* switch.l2's edges; ENCAP and the l3 stages' are open (sw_api.h): "tunnel"
 * and "route", which upper features attach to */
enum { SW_L2_EDGE_L3, SW_L2_EDGE_L3V6, SW_L2_EDGE_ENCAP };
enum { SW_L3_EDGE_ENCAP, SW_L3_EDGE_ROUTE };   /* switch.l3 and switch.l3v6 alike */

/* why the switch punted a packet (dp_meta.punt) */
enum { SW_PUNT_ARP = 1, SW_PUNT_LOCAL, SW_PUNT_TTL, SW_PUNT_NOROUTE, SW_PUNT_UNRESOLVED,
       SW_PUNT_MTU /* routed, resolved, longer than the egress MTU */,
       SW_PUNT_ND /* IPv6: a neighbour solicitation multicast to one of the box's addresses */,
       SW_PUNT_SCOPE /* IPv6: a link-local source that would leave its link */ };

/* The stages (pl.h contract), one file each. */
uint16_t pl_switch_ingress_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				 uint16_t *next);
uint16_t pl_switch_l2_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
uint16_t pl_switch_l3_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n, uint16_t *next);
uint16_t pl_switch_l3v6_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t *next);
/* l2, for a frame to a group MAC: is it a neighbour solicitation for one of
 * the box's IPv6 addresses in its bridge domain (then punted, not flooded)? */
int pl_switch_nd_for_box(struct dp_stage_ctx *ctx, struct rte_mbuf *m, const struct dp_meta *md);

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

static inline void
pl_switch_key_bd(uint8_t *k, uint16_t bd)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
}

/* Worker -> control learn rings (one per worker), and their drain into
 * the fdb (main lcore, every loop). */
int pl_switch_learn_init(unsigned int n_workers);
void pl_switch_learn_fini(void);
void pl_switch_learn_drain(void);

/* The write check (sw_guard.c): registers it and its refusal reason. */
int pl_switch_guard_init(void);

/* Next-hop ids and the derived nexthops table (sw_nexthop.c). */
int pl_switch_nexthop_init(void);
void pl_switch_nexthop_fini(void);

#endif
