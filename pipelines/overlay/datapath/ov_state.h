/* What the overlay's stages and slow path share (the feature is described
 * in pl_overlay.c): its tables and their actions' params, its drop reasons,
 * and on the main lcore the entries of id-keyed tables and the way out
 * through the underlay. It includes none of the overlay's other modules. */
#ifndef OV_STATE_H
#define OV_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include "dp_feature.h"
#include "dp_parse.h"
#include "dp_table.h"
#include "dp_flowkey.h"
#include "dp_addr.h"
#include "sw_api.h"
#include "ov_tun.h"

#define DP_REASONS_DEF "pl_overlay.def"
#define DP_REASONS_PREFIX OV
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_ov_drop_base, pl_ov_event_base;
#define OV_DROP(name) (pl_ov_drop_base + OV_DROP_##name)
#define OV_EVENT(name) (pl_ov_event_base + OV_EVENT_##name)

struct pl_overlay_tables {
	int vteps, vnis, peers, tunnels, endpoints, paths, classes, policies, apps;
};
extern struct pl_overlay_tables pl_ov;

enum { OV_VTEP, OV_VTEP_NONE };
enum { OV_VNI_L2, OV_VNI_L3, OV_VNI_NONE };
enum { OV_PEER, OV_PEER_NONE };
enum { OV_TUNNEL_VXLAN, OV_TUNNEL_GENEVE, OV_TUNNEL_NONE };
enum { OV_ENDPOINT, OV_ENDPOINT_NONE };
/* a path's probing: none (always up), BFD-like echo to a peer sxdp, ICMP echo */
enum { OV_PATH_STATIC, OV_PATH_SXDP, OV_PATH_ICMP, OV_PATH_BFD, OV_PATH_NONE };
enum { OV_CLASS, OV_CLASS_DEFAULT };
enum { OV_POLICY_FAILOVER, OV_POLICY_BALANCE, OV_POLICY_SLA, OV_POLICY_NONE };
enum { OV_APP_CLASS, OV_APP_NONE };

#define OV_PATH_MAX      4095    /* path ids 1..OV_PATH_MAX; 0: no path */
#define OV_POLICY_PATHS  8       /* paths a policy chooses from */
#define OV_CLASS_MAX     255     /* class 0: what no classes entry matches */

/* Why overlay stages punt (dp_meta.punt). OV_PUNT_TOO_BIG: dp_meta.out_port
 * holds OV_TOO_BIG(path, mtu), the path picked and the largest inner IP
 * packet it carries. */
enum { OV_PUNT_UNRESOLVED, OV_PUNT_PROBE, OV_PUNT_TOO_BIG, OV_PUNT_WG_HANDSHAKE, OV_PUNT_BFD, OV_PUNT_IKE,
       OV_PUNT_APP };   /* OV_PUNT_APP: a copy to be named (ov_app.h), dp_meta.out_port its worker */
#define OV_TOO_BIG(path, mtu) ((uint32_t)(path) << 16 | (mtu))
#define OV_INNER_MTU_MIN 68      /* IPv4's minimum (RFC 791): below, a path carries nothing */
#define OV_FRAGS_MAX 8           /* fragments of one routed packet, at most */

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
	uint16_t path;           /* where it goes when no policy says (0: nowhere) */
	uint8_t ttl, dscp, csum;
	uint8_t rmac[6];         /* L3 VNI: the far end's router MAC (all 0: an L2 tunnel) */
	uint32_t meter;          /* what goes in is policed by it (qos; 0: none) */
};

/* The outer IPv4 header checksum of m (a tunnel datagram or ESP to a
 * VTEP) is bad, unless the NIC vouched for it. */
static inline bool
ov_state_outer_cksum_bad(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	return unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			(ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && !dp_ipv4_cksum_ok(ip)));
}

/* The outer checksum of m, a datagram or an echo reply to a VTEP, is bad:
 * IPv4's header checksum; over IPv6 the L4 checksum, which IPv6 has in its
 * place: UDP's (a zero one is bad too: RFC 8200 8.1) or ICMPv6's, both
 * over the same pseudo-header; unless the NIC vouched for it. */
static inline bool
ov_state_outer_bad(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const struct rte_ipv6_hdr *ip6;
	const struct rte_udp_hdr *uh;
	uint64_t ck;

	if (likely(md->flags & DP_MF_IPV4))
		return ov_state_outer_cksum_bad(m, rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
									      md->l3_off));
	ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return false;
	ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, md->l3_off);
	uh = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, md->l4_off);   /* UDP's alone */
	return ck == RTE_MBUF_F_RX_L4_CKSUM_BAD || (md->l4_proto == IPPROTO_UDP && uh->dgram_cksum == 0) ||
	       rte_ipv6_udptcp_cksum_mbuf_verify(m, ip6, md->l4_off) != 0;
}

/* The outer checksum of a sealed packet m (ESP, WireGuard, IKE) to a VTEP
 * is bad: IPv4's header's, UDP's over IPv6; ESP over IPv6 has none (its
 * ICV covers what matters). */
static inline bool
ov_state_sealed_outer_bad(const struct rte_mbuf *m, const struct dp_meta *md)
{
	return ((md->flags & DP_MF_IPV4) || md->l4_proto == IPPROTO_UDP) && ov_state_outer_bad(m, md);
}

/* Workers: is @dst ("ip": 16 bytes) one of the box's VTEPs? */
bool ov_state_vtep(struct dp_stage_ctx *ctx, const uint8_t *dst);

/* A tunnel into the far end's VRF: what goes in was routed. */
static inline bool
ov_tunnel_l3(const struct ov_tunnel *t)
{
	return (t->rmac[0] | t->rmac[1] | t->rmac[2] | t->rmac[3] | t->rmac[4] | t->rmac[5]) != 0;
}
struct ov_endpoint { uint16_t site; };
/* A path: one local VTEP (on a WAN link) to one remote endpoint, over an
 * IPv4 or an IPv6 underlay. Addresses are the tables' "ip" type: 16 bytes,
 * IPv4 mapped; the three of a path are of one family (ov_check). */
struct ov_path {
	uint8_t src[16], dst[16];  /* local VTEP, remote endpoint */
	uint16_t vrf;              /* underlay VRF */
	uint16_t mtu;              /* the underlay's on this path (0: the port's) */
	uint8_t gw[16];            /* underlay next hop, resolved in vrf by the switch */
	/* never clear (IPv4 alone): blocked until its first SA or WireGuard
	 * session, and its far end's clear refused, from the write on (ov_sa) */
	uint8_t sealed;
	/* probed paths (sxdp, icmp, bfd) only; bfd: interval_ms is its
	 * DesiredMinTxInterval and RequiredMinRxInterval, down_after its
	 * DetectMult, and up_after none (its session's handshake decides) */
	uint16_t interval_ms;
	uint8_t down_after, up_after;
	/* probed paths: taken again only once up this long (ms, 0: at once),
	 * so that a flapping link does not steal traffic back (ov_probe) */
	uint16_t hold_ms;
};
#define OV_HOLD_MS_MAX 60000

/* The path a write @d to the paths table that applied (@res 0) set or
 * deleted: 1..OV_PATH_MAX; 0 for any other write (what the paths' watchers
 * skip). */
static inline uint16_t
ov_path_written(const struct dp_update *d, int res)
{
	uint32_t id;

	if (d->table != pl_ov.paths || res != 0 || d->type == DP_UPD_DEFAULT)
		return 0;
	id = rte_be_to_cpu_32(*(const rte_be32_t *)d->key);
	return id <= OV_PATH_MAX ? (uint16_t)id : 0;
}

/* An "ip" address's IPv4 part (network order). */
static inline uint32_t
ov_ip4(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a + 12, 4);
	return v;
}

/* Is path p over an IPv6 underlay? */
static inline bool
ov_path_v6(const struct ov_path *p)
{
	return !dp_addr_mapped(p->dst);
}

/* The outer headers' length on path p: Ethernet, IP, UDP, tunnel. */
#define OV_PATH_ENCAP_LEN(p) (ov_path_v6(p) ? OV_ENCAP_LEN6 : OV_ENCAP_LEN)

/* The outer IP header of m (a datagram to a VTEP) as the tables key its
 * addresses ("ip": 16 bytes, IPv4 mapped). */
static inline void
ov_state_outer_addrs(const struct rte_mbuf *m, const struct dp_meta *md, uint8_t *dst, uint8_t *src)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV4) {
		dp_addr_map4(((const struct rte_ipv4_hdr *)l3)->dst_addr, dst);
		dp_addr_map4(((const struct rte_ipv4_hdr *)l3)->src_addr, src);
		return;
	}
	memcpy(dst, l3 + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
	memcpy(src, l3 + offsetof(struct rte_ipv6_hdr, src_addr), 16);
}

/* Where parsed IP packet m's datagram (IPv4 or IPv6) ends: what follows
 * is Ethernet padding. */
static inline uint32_t
ov_state_ip_end(const struct rte_mbuf *m, const struct dp_meta *md)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	return (uint32_t)md->l3_off +
	       ((md->flags & DP_MF_IPV4) ? rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length) :
		(uint32_t)sizeof(struct rte_ipv6_hdr) + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len));
}

/* Workers: is parsed IP packet m's (IPv4 or IPv6) outer destination one
 * of the box's VTEPs? */
static inline bool
ov_state_to_vtep(struct dp_stage_ctx *ctx, const struct rte_mbuf *m, const struct dp_meta *md)
{
	uint8_t dst[16], src[16];

	ov_state_outer_addrs(m, md, dst, src);
	return ov_state_vtep(ctx, dst);
}
struct ov_class { uint16_t class; };
struct ov_policy {
	uint16_t path[OV_POLICY_PATHS];   /* in order of preference; 0: unused */
	union {
		uint8_t weight[OV_POLICY_PATHS];                               /* balance */
		struct { uint16_t rtt_ms, jitter_ms; uint8_t loss_pct; } sla;  /* sla */
	};
};

#define OV_PROBE_INTERVAL_MIN 10      /* ms */
#define OV_PROBE_INTERVAL_MAX 10000
/* Where the engine laid out the classes key's fields (a dp_flowkey). */
extern uint8_t pl_ov_class_off[DP_FK_FIELDS];

/* Main lcore: an outer packet m of path p (Ethernet header in place,
 * addresses to be written) out through its underlay next hop, or held on
 * the switch's queue while the switch resolves it (ARP or NDP, the path's
 * VTEP paying for the requests). Takes m; 0 or -1 (dropped). */
int ov_state_underlay_out(struct rte_mbuf *m, const struct ov_path *p);
/* Main lcore: the switch's resolved rewrite for path p's next hop, or NULL. */
struct sw_rewrite;
const struct sw_rewrite *ov_state_underlay_rw(const struct ov_path *p);
/* The neigh or neigh6 key of path p's next hop into k (SW_KEY6_BYTES of
 * room; an IPv4 key fills its first SW_KEY_BYTES): true for neigh6's. */
static inline bool
ov_state_nh_key(uint8_t *k, const struct ov_path *p)
{
	if (unlikely(ov_path_v6(p))) {
		pl_switch_key_vrf_ip6(k, p->vrf, p->gw);
		return true;
	}
	pl_switch_key_vrf_ip(k, p->vrf, ov_ip4(p->gw));
	return false;
}
/* Main lcore: the entry of id in an id-keyed table (tunnels, paths), or
 * NULL; the paths entry of id, or NULL. */
const struct dp_entry *ov_state_find_id(int table, uint32_t id);
const struct ov_path *ov_state_path(uint32_t id);

#endif
