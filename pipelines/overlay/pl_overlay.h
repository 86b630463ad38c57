/* The "overlay" feature: slices stretched between sites over VXLAN or
 * GENEVE tunnels. WAN ports enter at overlay.wan: what is addressed to a
 * local VTEP is checked (VTEP, header, VNI, peer, in that order) and
 * decapsulated into the slice's bridge domain (switch.l2) or VRF
 * (switch.l3/l3v6); anything else is underlay traffic for the switch
 * (ARP, ICMP, routing). Frames the switch sends to a tunnel (an fdb entry
 * "tunnel") are encapsulated at overlay.encap and leave through the
 * underlay next hop the switch's neighbour machinery resolves. Builds on
 * the switch feature (its tables, its per-packet field, its hold queue). */
#ifndef PL_OVERLAY_H
#define PL_OVERLAY_H

#include <stdint.h>
#include "dp_feature.h"

extern const struct dp_feature pl_overlay_feature;

#define DP_REASONS_DEF "pl_overlay.def"
#define DP_REASONS_PREFIX OV
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_ov_drop_base, pl_ov_event_base;
#define OV_DROP(name) (pl_ov_drop_base + OV_DROP_##name)
#define OV_EVENT(name) (pl_ov_event_base + OV_EVENT_##name)

struct pl_overlay_tables {
	int vteps, vnis, peers, tunnels;
};
extern struct pl_overlay_tables pl_ov;

enum { OV_VTEP, OV_VTEP_NONE };
enum { OV_VNI_L2, OV_VNI_L3, OV_VNI_NONE };
enum { OV_PEER, OV_PEER_NONE };
enum { OV_TUNNEL_VXLAN, OV_TUNNEL_GENEVE, OV_TUNNEL_NONE };

/* overlay.wan's edges */
enum { OV_WAN_EDGE_UNDERLAY, OV_WAN_EDGE_L2, OV_WAN_EDGE_L3, OV_WAN_EDGE_L3V6 };

/* Special values of a tunnel's ttl and dscp params. */
#define OV_TTL_COPY  0           /* the inner packet's TTL / hop limit (64 if not IP) */
#define OV_DSCP_COPY 64          /* the inner packet's DSCP (0 if not IP) */

/* Action params (dp_entry.params, natural alignment, addresses in network
 * order; checked against the engine's layout at init). */
struct ov_vni_l2 { uint16_t slice, bd; };
struct ov_vni_l3 { uint16_t slice; };
struct ov_peer { uint32_t tunnel; };
struct ov_tunnel {
	uint16_t slice;          /* whose frames it may carry */
	uint32_t vni;
	uint32_t src, dst;       /* local VTEP, remote endpoint */
	uint16_t vrf;            /* underlay VRF */
	uint32_t gw;             /* underlay next hop, resolved in vrf by the switch */
	uint8_t ttl, dscp, csum;
};

uint16_t pl_overlay_wan_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t *next);
uint16_t pl_overlay_encap_burst(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n,
				uint16_t *next);

#endif
