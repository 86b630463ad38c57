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

/* table ids, filled at init */
struct pl_switch_tables {
	int interfaces, bd_ports, flood, fdb, routes, neigh, svi, nexthops;
	int routes6, neigh6, svi6;
};
extern struct pl_switch_tables pl_sw;

enum { SW_IF_ATTACH, SW_IF_DROP };
enum { SW_FDB_FORWARD, SW_FDB_LEARNED, SW_FDB_ROUTE, SW_FDB_DROP, SW_FDB_TUNNEL, SW_FDB_TUNNEL_LEARNED };
/* switch.l2's edges */
enum { SW_L2_EDGE_L3, SW_L2_EDGE_L3V6, SW_L2_EDGE_ENCAP };
enum { SW_L3_EDGE_ENCAP, SW_L3_EDGE_UPF };   /* switch.l3 and switch.l3v6 alike */
#define SW_TUNNEL_MAX 65535      /* tunnel ids 1..: the overlay's tunnels table */
enum { SW_RT_VIA, SW_RT_ECMP, SW_RT_CONNECTED, SW_RT_LOCAL, SW_RT_DROP, SW_RT_UNREACHABLE, SW_RT_TUNNEL,
       SW_RT_UPF /* into the UPF's downlink (a UE pool): upf.n6 */ };
enum { SW_NB_REWRITE, SW_NB_LEARNED, SW_NB_UNRESOLVED };
/* nexthops: an id is an IPv4 or an IPv6 next hop, by its action */
enum { SW_NH_RESOLVED, SW_NH_UNRESOLVED, SW_NH_NONE, SW_NH_RESOLVED6, SW_NH_UNRESOLVED6 };

/* why the switch punted a packet (dp_meta.punt) */
enum { SW_PUNT_ARP = 1, SW_PUNT_LOCAL, SW_PUNT_TTL, SW_PUNT_NOROUTE, SW_PUNT_UNRESOLVED,
       SW_PUNT_MTU /* routed, resolved, longer than the egress MTU */,
       SW_PUNT_ND /* IPv6: a neighbour solicitation multicast to one of the box's addresses */,
       SW_PUNT_SCOPE /* IPv6: a link-local source that would leave its link */ };

#define SW_ECMP_MAX 4
#define SW_NH_MAX (1u << 16)     /* next-hop ids 1..65535 (sw_nexthop.c) */
/* A via/ecmp route entry carries its next hops' ids after its declared
 * params (uint32_t[SW_ECMP_MAX], host order; 0: none). */
#define SW_RT_IDS_OFF 24

/* Action params, overlaid on dp_entry.params (natural alignment, host-order
 * integers, addresses in network order). */
struct sw_attach { uint16_t slice, bd; uint32_t meter; };   /* meter 0: none */
struct sw_member { uint16_t vlan; };
#define SW_FLOOD_TUNNELS 8   /* peer sites a bridge domain floods to, at most */
struct sw_flood { uint32_t ports; uint32_t tunnels[SW_FLOOD_TUNNELS]; };
struct sw_fwd { uint16_t port; };
struct sw_tun { uint32_t tunnel; };
struct sw_via { uint32_t nh; };
struct sw_ecmp { uint8_t n; uint8_t pad[3]; uint32_t nh[SW_ECMP_MAX]; };
struct sw_connected { uint16_t bd; };
struct sw_rewrite { uint16_t port, vlan; uint8_t dmac[6], smac[6]; };
/* A route to a peer site: the overlay tunnel (its entry has the far end's
 * router MAC). */
struct sw_rt_tunnel { uint32_t tunnel; };
struct sw_svi { uint8_t mac[6]; uint8_t pad[2]; uint32_t ip; uint8_t plen; };
struct sw_nh_resolved { struct sw_rewrite rw; uint16_t vrf; uint16_t pad; uint32_t ip; };
struct sw_nh_unresolved { uint16_t vrf; uint16_t pad; uint32_t ip; };

_Static_assert(SW_RT_IDS_OFF >= sizeof(struct sw_ecmp) &&
	       SW_RT_IDS_OFF + SW_ECMP_MAX * sizeof(uint32_t) <= DP_PARAMS_BYTES,
	       "a route's next-hop ids fit after its params");

/* IPv6 (routes6, neigh6, svi6, nexthops' resolved6/unresolved6). Two
 * 16-byte next hops and their ids are what fits an entry's 40 bytes of
 * params: IPv6 ECMP is 2-way. The ids are 16 bits (SW_NH_MAX). */
#define SW_ECMP6_MAX 2
#define SW_RT6_IDS_OFF 34
struct sw_via6 { uint8_t nh[16]; };
struct sw_ecmp6 { uint8_t n; uint8_t nh[SW_ECMP6_MAX][16]; };
struct sw_svi6 { uint8_t mac[6]; uint8_t ip[16]; uint8_t plen; };
struct sw_nh6_resolved { struct sw_rewrite rw; uint16_t vrf; uint8_t ip[16]; };
struct sw_nh6_unresolved { uint16_t vrf; uint8_t ip[16]; };

_Static_assert(SW_RT6_IDS_OFF >= sizeof(struct sw_ecmp6) && SW_RT6_IDS_OFF % 2 == 0 &&
	       SW_RT6_IDS_OFF + SW_ECMP6_MAX * sizeof(uint16_t) <= DP_PARAMS_BYTES &&
	       SW_NH_MAX - 1 <= UINT16_MAX, "an IPv6 route's next-hop ids fit after its params");

/* The switch's own per-packet fields, an mbuf dynamic field registered at
 * init: set by its stages, read by later stages and its slow path. */
struct sw_meta {
	uint16_t bd;             /* bridge domain, from ingress */
	uint16_t vid;            /* ingress VLAN (0 untagged) */
	uint32_t nh;             /* routed IPv4: next hop (network order) */
	uint8_t  punt;           /* why a stage punted (SW_PUNT_*) */
};
extern int pl_sw_meta_off;

static inline struct sw_meta *
sw_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl_sw_meta_off, struct sw_meta *);
}

/* sw_meta.bd of a packet decapsulated straight into a VRF: in no bridge
 * domain (bridge domains are at most 4095). */
#define SW_BD_NONE UINT16_MAX

/* The field is the mbuf's, so it keeps its last packet's values: every way
 * into the switch's stages sets all of it that a later stage or the slow
 * path reads before they read it. switch.ingress sets bd and vid; the
 * stages set punt (and nh) with the punt. A feature that takes a packet out
 * of a tunnel into a bridge domain (bd) or a VRF (SW_BD_NONE) sets it by
 * this, which also marks the packet DP_MF_DECAP: what the box says about
 * it then goes back inside the tunnel (pl_swctl_tunnel_back) or nowhere,
 * never out of the transport port it arrived on. */
static inline void
pl_switch_meta_decap(struct rte_mbuf *m, uint16_t bd)
{
	struct sw_meta *s = sw_meta(m);

	dp_meta(m)->flags |= DP_MF_DECAP;
	s->bd = bd;
	s->vid = 0;
	s->nh = 0;
	s->punt = 0;
}

/* The learn event a worker hands to the control thread: mac in bd seen on
 * port, or (tunnel != 0) arriving through that overlay tunnel. */
struct sw_learn_ev {
	uint16_t bd;
	uint16_t port;
	struct rte_ether_addr mac;
	uint16_t pad;
	uint32_t tunnel;
};

_Static_assert(sizeof(struct sw_learn_ev) == 16, "rte_ring elements are multiples of 4 bytes");

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


/* Key builders shared with the slow path. Every switch key fits in
 * SW_KEY_BYTES (checked at init), so a burst's keys take 1 KiB of stack,
 * not DP_KEY_MAX's 4 KiB: L1 room the packets need. */
#define SW_KEY_BYTES 16
/* Keys are composed in registers and stored whole: assembled from narrow
 * stores, they would stall the wide loads that hash and compare them
 * (store forwarding fails for a load spanning several stores). */
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "switch keys are composed as little-endian words"
#endif
static inline void
sw_key_store(uint8_t *k, uint64_t lo)
{
	const uint64_t w[2] = { lo, 0 };

	memcpy(k, w, sizeof(w));
}

/* The first 8 bytes of the fdb key of (bd, mac), all that is not zero. */
static inline uint64_t
pl_switch_fdb_key8(uint16_t bd, const struct rte_ether_addr *mac)
{
	uint32_t lo;
	uint16_t hi;

	memcpy(&lo, mac->addr_bytes, 4);
	memcpy(&hi, mac->addr_bytes + 4, 2);
	return (uint64_t)rte_cpu_to_be_16(bd) | (uint64_t)lo << 16 | (uint64_t)hi << 48;
}

static inline void
pl_switch_key_fdb(uint8_t *k, uint16_t bd, const struct rte_ether_addr *mac)
{
	sw_key_store(k, pl_switch_fdb_key8(bd, mac));
}

static inline void
pl_switch_key_vrf_ip(uint8_t *k, uint16_t vrf, uint32_t ip_be)
{
	sw_key_store(k, (uint64_t)rte_cpu_to_be_16(vrf) | (uint64_t)ip_be << 16);
}

/* (vrf, IPv6 address): routes6 and neigh6. Their keys are 18 bytes, so
 * IPv6 stages use SW_KEY6_BYTES buffers (checked at init as SW_KEY_BYTES). */
#define SW_KEY6_BYTES 32
static inline void
pl_switch_key_vrf_ip6(uint8_t *k, uint16_t vrf, const uint8_t *ip)
{
	memset(k, 0, SW_KEY6_BYTES);
	*(rte_be16_t *)k = rte_cpu_to_be_16(vrf);
	memcpy(k + 2, ip, 16);
}

/* IPv6 address classes (RFC 4291 2.4). */
static inline int
pl_switch_ip6_mcast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static inline int
pl_switch_ip6_ll(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96
 * (IPv4-mapped): no packet between routers carries them. */
static inline int
pl_switch_ip6_reserved(const uint8_t *a)
{
	return dp_addr_ip6_reserved(a);
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
/* Worker: ev to the control thread, unless it repeats *last (a burst from
 * one new host would send it once a packet); *last becomes ev. */
void pl_switch_learn_post(struct dp_stage_ctx *ctx, struct sw_learn_ev *last,
			  const struct sw_learn_ev *ev);

/* Does fdb entry e already say what a learn event for (port, or tunnel
 * when not 0) would? Static entries always do: learning never moves them. */
static inline bool
pl_switch_fdb_knows(const struct dp_entry *e, uint16_t port, uint32_t tunnel)
{
	if (e->action == SW_FDB_LEARNED)
		return tunnel == 0 && ((const struct sw_fwd *)e->params)->port == port;
	if (e->action == SW_FDB_TUNNEL_LEARNED)
		return tunnel != 0 && ((const struct sw_tun *)e->params)->tunnel == tunnel;
	return true;
}

/* The write check (sw_guard.c): registers it and its refusal reason. */
int pl_switch_guard_init(void);
/* A feature's table that hands a bridge domain to a slice joins the check:
 * fn says which (bd, slice) an entry (action, key, params) claims, false
 * for none. Main lcore, at init; 0 or -ENOSPC. */
typedef bool pl_switch_claim_fn(uint16_t action, const uint8_t *key, const uint8_t *params, uint16_t *bd,
				uint16_t *slice);
int pl_switch_guard_claimer(int table, pl_switch_claim_fn *fn);

/* Next-hop ids and the derived nexthops table (sw_nexthop.c). */
int pl_switch_nexthop_init(void);
void pl_switch_nexthop_fini(void);

#endif
