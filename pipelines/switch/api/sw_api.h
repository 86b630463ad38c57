/* The switch's public API: what a feature built on it (overlay, upf) may
 * use of it, and nothing else of the switch is in such a feature's include
 * path. Its tables (ids, actions, the params stages overlay on entries),
 * its per-packet field, the keys its tables take, learning, the frame
 * rewrites of a routed packet, and on the main lcore: holding a packet
 * for resolution, ICMP "too big", routing an IPv6 packet, answers back
 * into a tunnel. An upper feature's stages attach to the switch's open
 * edges (dp_feature.attach): "tunnel" on switch.l2, switch.l3 and
 * switch.l3v6 (fdb, flood and route tunnels), "route" and "route2" on
 * switch.l3 and switch.l3v6 (a route action named after each attached
 * feature). */
#ifndef SW_API_H
#define SW_API_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "dp_addr.h"
#include "dp_feature.h"
#include "dp_table.h"
#include "sw_names.h"

/* table ids, filled at init */
struct pl_switch_tables {
	int interfaces, bd_ports, flood, fdb, routes, neigh, svi, nexthops;
	int routes6, neigh6, svi6, hosts, flood_more;
};
extern struct pl_switch_tables pl_sw;

/* SW_IF_ROUTED: a routed port (interface), straight into the slice's VRF;
 * its params are attach's, bd being the port's own link: that bridge
 * domain's SVIs (svi, svi6) give the port its addresses, with the port's
 * MAC, and its flood entry names the port alone, so ARP and NDP (answers,
 * requests, learned neighbours) and connected routes work as on any SVI,
 * while the fast path never looks the fdb up for it (no learning). */
/* SW_IF_HOST: a VRF's kernel twin (sw_host.h), a routed port whose
 * packets are the box's own (DP_MF_OWN): routed with their TTL as the
 * kernel set it, never answered with an ICMP error. */
enum { SW_IF_ATTACH, SW_IF_DROP, SW_IF_ROUTED, SW_IF_HOST };
/* hosts: where the box's packets of (vrf, bd) go, bd 0 for the VRF's any */
enum { SW_HOST_TWIN, SW_HOST_NONE };
struct sw_host { uint16_t port, vlan; };
enum { SW_FDB_FORWARD, SW_FDB_LEARNED, SW_FDB_ROUTE, SW_FDB_DROP, SW_FDB_TUNNEL, SW_FDB_TUNNEL_LEARNED,
       SW_FDB_ROUTE_HELD };
/* Tunnels (fdb "tunnel", flood t0..t7, route "tunnel"): ids 1.. of the
 * feature that attaches to the switch's open edge "tunnel" (switch.l2,
 * switch.l3, switch.l3v6); the packet goes there with dp_meta.tunnel set. */
#define SW_TUNNEL_MAX 65535
/* SW_RT_UPPER, SW_RT_UPPER2: a route into a feature attached to the
 * switch's open edge "route" or "route2" (switch.l3 and switch.l3v6), a hop
 * like any route (TTL - 1). Each action is named after its feature, the
 * one on "route" first; an edge nobody attached declares none. */
enum { SW_RT_VIA, SW_RT_ECMP, SW_RT_CONNECTED, SW_RT_LOCAL, SW_RT_DROP, SW_RT_UNREACHABLE, SW_RT_TUNNEL,
       SW_RT_UPPER, SW_RT_UPPER2 };
/* neigh, neigh6: a port's rewrite (static, learned), unresolved, or a
 * neighbour behind an overlay tunnel (SW_NB_TUNNEL: learned only from the
 * box's own ARP or NDP exchange through it, params sw_rw_tunnel). */
enum { SW_NB_REWRITE, SW_NB_LEARNED, SW_NB_UNRESOLVED, SW_NB_TUNNEL };
/* nexthops: an id is an IPv4 or an IPv6 next hop, by its action; the
 * tunnel ones are a neighbour behind a tunnel */
enum { SW_NH_RESOLVED, SW_NH_UNRESOLVED, SW_NH_NONE, SW_NH_RESOLVED6, SW_NH_UNRESOLVED6, SW_NH_TUNNEL,
       SW_NH_TUNNEL6 };

#define SW_ECMP_MAX 4
#define SW_NH_MAX (1u << 16)     /* next-hop ids 1..65535 (sw_nexthop.c) */
/* A via/ecmp route entry carries its next hops' ids after its declared
 * params (uint32_t[SW_ECMP_MAX], host order; 0: none). */
#define SW_RT_IDS_OFF 24

/* Action params, overlaid on dp_entry.params (natural alignment, host-order
 * integers, addresses in network order). */
struct sw_attach { uint16_t slice, bd; uint32_t meter; };   /* attach, routed; meter 0: none */
struct sw_member { uint16_t vlan; };
/* A bridge domain floods to its member ports (a mask) and into its peer
 * sites' tunnels: SW_FLOOD_TUNNELS in the entry itself, then `more` in
 * flood_more at (bd, 0..more-1), a dense list its writer keeps in one
 * batch with the count (a site of 128 peers and more). */
#define SW_FLOOD_TUNNELS 8
#define SW_FLOOD_MORE_MAX 248
#define SW_FLOOD_MAX (SW_FLOOD_TUNNELS + SW_FLOOD_MORE_MAX)   /* peer sites, at most */
struct sw_flood { uint32_t ports; uint32_t tunnels[SW_FLOOD_TUNNELS]; uint16_t more; };
struct sw_fwd { uint16_t port; };
struct sw_tun { uint32_t tunnel; };
struct sw_via { uint32_t nh; };
struct sw_ecmp { uint8_t n; uint8_t pad[3]; uint32_t nh[SW_ECMP_MAX]; };
struct sw_connected { uint16_t bd; };
struct sw_rewrite { uint16_t port, vlan; uint8_t dmac[6], smac[6]; };
/* A neighbour behind an overlay tunnel: the routed frame, its MACs
 * rewritten, goes untagged into the tunnel (an L2 VNI of its bridge
 * domain), as a bridged frame to that MAC would. Its MACs lie where a
 * rewrite's do, so the MAC rewrite and every derived entry (nexthops) are
 * the same code for both. */
struct sw_rw_tunnel { uint32_t tunnel; uint8_t dmac[6], smac[6]; };
_Static_assert(offsetof(struct sw_rw_tunnel, dmac) == offsetof(struct sw_rewrite, dmac) &&
	       offsetof(struct sw_rw_tunnel, smac) == offsetof(struct sw_rewrite, smac) &&
	       sizeof(struct sw_rw_tunnel) == sizeof(struct sw_rewrite), "a tunnel neighbour's MACs are a rewrite's");
/* A route to a peer site: the overlay tunnel (its entry has the far end's
 * router MAC). */
struct sw_rt_tunnel { uint32_t tunnel; };
/* held: the address is a gateway an election holds (below), 0 or 1 */
struct sw_svi { uint8_t mac[6]; uint8_t pad[2]; uint32_t ip; uint8_t plen, held; };
struct sw_nh_resolved { struct sw_rewrite rw; uint16_t vrf; uint16_t pad; uint32_t ip; };
struct sw_nh_unresolved { uint16_t vrf; uint16_t pad; uint32_t ip; };

/* A neigh or neigh6 entry's action: a neighbour out of a port (what an
 * underlay next hop must be: a tunnel's or a GTP-U peer's), not behind a
 * tunnel nor unresolved. */
static inline bool
pl_switch_nb_port(uint16_t action)
{
	return action == SW_NB_REWRITE || action == SW_NB_LEARNED;
}

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
struct sw_svi6 { uint8_t mac[6]; uint8_t ip[16]; uint8_t plen, held; };
struct sw_nh6_resolved { struct sw_rewrite rw; uint16_t vrf; uint8_t ip[16]; };
struct sw_nh6_unresolved { uint16_t vrf; uint8_t ip[16]; };

_Static_assert(SW_RT6_IDS_OFF >= sizeof(struct sw_ecmp6) && SW_RT6_IDS_OFF % 2 == 0 &&
	       SW_RT6_IDS_OFF + SW_ECMP6_MAX * sizeof(uint16_t) <= DP_PARAMS_BYTES &&
	       SW_NH_MAX - 1 <= UINT16_MAX, "an IPv6 route's next-hop ids fit after its params");

/* Gateways held by an election (a pair of boxes, pipelines/ha: VRRP). An
 * svi or svi6 entry with held 1, and the fdb entry of its MAC "route_held"
 * with held SW_HELD_V4 or SW_HELD_V6 (instead of "route"), are the box's only while the feature
 * that runs the election says so (pl_switch_held_set): until then the SVI
 * answers no ARP or NDP for its address (its askers are still learned) and
 * asks nothing from it, and a frame to its MAC is switch.held_elsewhere,
 * so two boxes with one gateway never both answer or route for it. */
struct sw_fdb_route { uint8_t held; };
/* per bridge domain: bit SW_HELD_V4 or SW_HELD_V6 set while its gateway of
 * that family is here (written on the main lcore, read by workers) */
extern uint8_t pl_sw_held[4096];

static inline bool
pl_switch_held_here(uint16_t bd, unsigned int held)
{
	return (__atomic_load_n(&pl_sw_held[bd & 4095], __ATOMIC_RELAXED) >> held) & 1;
}

/* A bridge domain whose gateway an election holds is bridged from its
 * ports into its tunnels only where that gateway is (of either family):
 * two boxes on one LAN that both did would loop a peer site's broadcast,
 * delivered by one, back to it through the other, and flap its MACs
 * there. The master is the domain's one forwarder to the peer sites (an
 * EVPN designated forwarder, elected by VRRP); the other box bridges its
 * ports alone (switch.not_forwarder). What a peer site sends it still
 * reaches the LAN: a peer sends each frame to one box, so nothing loops,
 * and a takeover's frames in flight to the old box are not lost. */
static inline bool
pl_switch_forwarder_here(uint16_t bd)
{
	uint8_t h = __atomic_load_n(&pl_sw_held[bd & 4095], __ATOMIC_RELAXED);

	return !(h & 1u << SW_HELD_ELECTED) || (h & (1u << SW_HELD_V4 | 1u << SW_HELD_V6));
}

/* Main lcore: an election holds bd's gateway from now on (or no more):
 * pl_switch_forwarder_here's rule applies while it does. */
void pl_switch_held_elected(uint16_t bd, bool on);

/* Main lcore: the gateway of (slice, bd) of one family is here (or not)
 * from now on. Taking it announces it at once: a gratuitous ARP (IPv4),
 * an unsolicited neighbour advertisement of the address and its
 * link-local one (IPv6), out of every member port of the bridge domain
 * (switch.held_announce). */
void pl_switch_held_set(uint16_t slice, uint16_t bd, bool v6, bool here);

/* A link-local group protocol an upper feature listens to (VRRP's: its
 * advertisements to 224.0.0.18 and ff02::12 on a slice's bridge domain):
 * a copy of every such frame of IP protocol proto in a bridge domain
 * reaches fn on the main lcore (the frame itself is bridged on as ever).
 * fn reads it (dp_meta, sw_meta's bd) and returns 0 when it took it
 * (switch.consumed) or the drop reason it is counted under; the switch
 * frees it. At init, before workers start. 0, or -EEXIST. */
typedef unsigned int (*pl_switch_listen_fn)(struct rte_mbuf *m);
int pl_switch_listen(uint8_t proto, pl_switch_listen_fn fn);
/* A UDP service the box runs on a slice's link (DHCP's server, port 67):
 * an IPv4 datagram in a bridge domain to UDP port `port` reaches fn on the
 * main lcore as pl_switch_listen's frames do: a copy of one sent to
 * 255.255.255.255 (the frame itself bridged on as ever), and one sent to
 * the box's own address there (a local punt, answered by nothing else).
 * Never a fragment. At init, before workers start; at most
 * SW_LISTEN_UDP_MAX ports. 0, -EEXIST (another fn has it) or -ENOSPC. */
#define SW_LISTEN_UDP_MAX 4
int pl_switch_listen_udp(uint16_t port, pl_switch_listen_fn fn);
/* Main lcore: an IPv4 packet the box makes (dp_meta: slice, l3_off, hash;
 * DP_MF_MADE is set here), routed in its slice from its source address:
 * out to its next hop, or held while the switch ARPs for it. Consumes m;
 * 0, or -1 when there was no route (dropped: switch.no_route). */
int pl_switch_route4(struct rte_mbuf *m);
/* Main lcore: the member ports of bd (a mask by port index), 0 for none. */
uint32_t pl_switch_bd_members(uint16_t bd);
/* Main lcore: a frame of payload (len bytes after the Ethernet header)
 * from src to dst out of every member port of bd, tagged as the port is
 * in it; never into a tunnel (a link-local protocol stays on its link).
 * The frames sent. */
unsigned int pl_switch_bd_out(struct rte_mempool *mp, uint16_t bd, const uint8_t *dst, const uint8_t *src,
			      uint16_t ethertype, const void *payload, uint16_t len);

/* The switch's drop reasons an upper feature's routed packets end in too
 * (the same counters), set at init. */
extern unsigned int pl_sw_drop_frag_needed, pl_sw_drop_pkt_too_big;

/* The switch's own per-packet fields, an mbuf dynamic field registered at
 * init: set by its stages, read by later stages and its slow path. */
struct sw_meta {
	uint16_t bd;             /* bridge domain, from ingress */
	uint16_t vid;            /* ingress VLAN (0 untagged) */
	union {
		struct {         /* a packet a stage punted */
			uint32_t nh;     /* routed IPv4: next hop (network order) */
			uint8_t  punt;   /* why (SW_PUNT_*) */
		};
		/* DP_MF_ROUTED into a tunnel (never a switch punt): the way
		 * back as it was before the rewrite, for what the box says
		 * about the packet (too big): its sender's MAC and the tunnel
		 * it came through (dp_meta.tunnel names the one it goes into) */
		struct {
			uint8_t  mac[6];
			uint16_t tunnel;
		} back;
		/* a flood copy into an attached group (SW_TUN_GROUP): the
		 * tunnel or endpoint it came out of (0: a port) */
		uint32_t from;
	};
};
/* The mbuf's dynamic field space is shared (the UPF's fields, PMDs'). */
_Static_assert(sizeof(struct sw_meta) == 12, "the switch's field stays 12 bytes");
extern int pl_sw_meta_off;

static inline struct sw_meta *
sw_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl_sw_meta_off, struct sw_meta *);
}

/* The tunnel what the box says about m goes back into (DP_MF_DECAP m). */
static inline uint32_t
pl_switch_back_tunnel(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	return (md->flags & DP_MF_ROUTED) ? sw_meta(m)->back.tunnel : md->tunnel;
}

/* The MAC what the box says about m goes to: its sender's. */
static inline const uint8_t *
pl_switch_back_mac(struct rte_mbuf *m)
{
	return (dp_meta(m)->flags & DP_MF_ROUTED) ? sw_meta(m)->back.mac :
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr.addr_bytes;
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

/* A link-local address as a link sends it: fe80::/64 (RFC 4291 2.5.6: the
 * 54 bits after fe80 are zero). */
static inline bool
pl_switch_ll_plain(const uint8_t *a)
{
	static const uint8_t fe80[8] = { 0xfe, 0x80 };

	return memcmp(a, fe80, 8) == 0;
}

/* A link-local next hop names its link (sw_names.h): a route's next hop
 * and neigh6's key are fe80:BD::IID, the bridge domain (or SW_LL_ANY) in
 * the second group, which is zero on the wire. The BD of such an address,
 * 0 for any other (a plain link-local one is known by its address alone:
 * an overlay path's gateway). */
static inline uint16_t
pl_switch_ll_scope(const uint8_t *a)
{
	uint16_t bd = (uint16_t)(a[2] << 8 | a[3]);

	if (a[0] != 0xfe || a[1] != 0x80 || a[4] != 0 || a[5] != 0 || a[6] != 0 || a[7] != 0)
		return 0;
	return bd <= SW_LL_BD_MAX || bd == SW_LL_ANY ? bd : 0;
}

/* out = the link-local address ll (plain) scoped to bd, or plain again (bd 0). */
static inline void
pl_switch_ll_scoped(uint8_t *out, const uint8_t *ll, uint16_t bd)
{
	memmove(out, ll, 16);
	out[2] = (uint8_t)(bd >> 8);
	out[3] = (uint8_t)bd;
}

/* ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96
 * (IPv4-mapped): no packet between routers carries them. */
static inline int
pl_switch_ip6_reserved(const uint8_t *a)
{
	return dp_addr_ip6_reserved(a);
}

/* A feature's table that hands a bridge domain to a slice joins the check:
 * fn says which (bd, slice) an entry (action, key, params) claims, false
 * for none. Main lcore, at init; 0 or -ENOSPC. */
typedef bool pl_switch_claim_fn(uint16_t action, const uint8_t *key, const uint8_t *params, uint16_t *bd,
				uint16_t *slice);
int pl_switch_guard_claimer(int table, pl_switch_claim_fn *fn);

/* Set the frame's outer VLAN to vid (0 = untagged), given whether it has a
 * tag now. 0 or -ENOSPC (no headroom to push). */
static inline int
pl_switch_vlan_set(struct rte_mbuf *m, int tagged, uint16_t vid)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (tagged) {
		rte_be16_t *tci = (rte_be16_t *)(d + 2 * RTE_ETHER_ADDR_LEN + 2);

		if (vid == 0) {   /* pop */
			memmove(d + 4, d, 2 * RTE_ETHER_ADDR_LEN);
			rte_pktmbuf_adj(m, 4);
		} else {          /* retag, keeping the priority bits */
			*tci = rte_cpu_to_be_16((rte_be_to_cpu_16(*tci) & 0xf000) | vid);
		}
		return 0;
	}
	if (vid == 0)
		return 0;
	d = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	if (d == NULL)
		return -ENOSPC;
	memmove(d, d + 4, 2 * RTE_ETHER_ADDR_LEN);
	*(rte_be16_t *)(d + 12) = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	*(rte_be16_t *)(d + 14) = rte_cpu_to_be_16(vid);
	return 0;
}

/* A routed IPv4 packet's TTL - 1, with incremental checksum: header ip. */
static __rte_always_inline void
pl_switch_ttl_dec_hdr(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): TTL is the high byte of its
	 * 16-bit word m, so ~m + m' = 0xfeff. Unlike HC + 0x100 (RFC 1141) it is
	 * right when HC is 0xfeff. */
	sum = (uint32_t)(~rte_be_to_cpu_16(ip->hdr_checksum) & 0xffff) + 0xfeff;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/* The same, of packet m, unless the box's kernel sent it (DP_MF_HOST):
 * the box forwards it no hop, it originates it. */
static __rte_always_inline void
pl_switch_ttl_dec(struct rte_mbuf *m, const struct dp_meta *md)
{
	if (likely(!(md->flags & DP_MF_HOST)))
		pl_switch_ttl_dec_hdr(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off));
}

/* IPv6's: the hop limit - 1, as pl_switch_ttl_dec. */
static __rte_always_inline void
pl_switch_hlim_dec(struct rte_mbuf *m, const struct dp_meta *md)
{
	if (likely(!(md->flags & DP_MF_HOST)))
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, md->l3_off)->hop_limits--;
}

/* Both MACs of a routed frame from its rewrite: they lie side by side in
 * both, so one 8-byte and one 4-byte move. */
_Static_assert(offsetof(struct sw_rewrite, smac) == offsetof(struct sw_rewrite, dmac) + 6 &&
	       offsetof(struct rte_ether_hdr, src_addr) == offsetof(struct rte_ether_hdr, dst_addr) + 6,
	       "destination and source MACs are adjacent");
static __rte_always_inline void
pl_switch_macs_set(struct rte_ether_hdr *eth, const struct sw_rewrite *rw)
{
	memcpy(eth, (const uint8_t *)rw + offsetof(struct sw_rewrite, dmac), 2 * RTE_ETHER_ADDR_LEN);
}

/* Routed-packet rewrite: MACs, TTL, then the egress VLAN. */
static __rte_always_inline int
pl_switch_rewrite(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_rewrite *rw)
{
	pl_switch_macs_set(rte_pktmbuf_mtod(m, struct rte_ether_hdr *), rw);
	pl_switch_ttl_dec(m, md);
	return pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan);
}

/* The same for IPv6: no header checksum, the hop limit is all that changes. */
static __rte_always_inline int
pl_switch_rewrite6(struct rte_mbuf *m, const struct dp_meta *md, const struct sw_rewrite *rw)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(&eth->dst_addr, rw->dmac, 6);
	memcpy(&eth->src_addr, rw->smac, 6);
	pl_switch_hlim_dec(m, md);
	return pl_switch_vlan_set(m, md->flags & DP_MF_VLAN, rw->vlan);
}

/* ---- on the main lcore (the switch's slow path, which upper features'
 * slow paths use) ---- */
/* What the box says about a packet (an ARP, NDP or echo answer, an ICMP
 * error) goes out the way the packet came: its ingress port and VLAN, or,
 * for one taken out of a tunnel (DP_MF_DECAP), back inside that tunnel.
 * A feature whose tunnels can carry it back registers fn (main lcore, at
 * init): send frame r (made about the packet whose dp_meta is about) into
 * the tunnel about->tunnel; takes r; 0 or -1. Only packets decapsulated
 * into a bridge domain go back (the box has an address there, its SVI's);
 * the others (into a VRF: an L3 VNI, the UPF) get no answer, counted. */
typedef int pl_swctl_tunnel_fn(struct rte_mbuf *r, const struct dp_meta *about);
void pl_swctl_tunnel_back(pl_swctl_tunnel_fn *fn);

/* Hold routed m until (slice, ip) resolves, asking for it (ARP request,
 * NDP solicitation) at most once per SW_HOLD_ASK_MS on behalf of src
 * (who pays for the requests); a full queue drops m (switch.hold_full). */
void pl_swctl_hold(struct rte_mbuf *m, uint16_t slice, bool v6, const uint8_t *ip,
		   const uint8_t *src);

/* ICMP "fragmentation needed" (IPv4) or "packet too big" (IPv6) about m to
 * its sender, mtu being the largest IP packet the way on takes. Routed m:
 * from the box's address in its ingress BD. Bridged m: in the name of m's
 * destination with the MACs swapped, as Linux's tunnels answer for bridged
 * frames (a bridge has no address, and the sender's PMTU cache is keyed by
 * destination). Rate-limited like every ICMP error; m is not consumed. */
void pl_swctl_too_big(struct rte_mbuf *m, uint16_t mtu, bool routed);

/* An IPv6 packet routed from the main lcore in its slice (dp_meta: slice,
 * l3_off, hash for ECMP), as a punted one the workers could not send: out
 * to its next hop, or held while the switch solicits it. Other features
 * send their own packets by it (DP_MF_MADE). Consumes m; 0, or -1 when
 * there was no route (dropped: switch.no_route). */
int pl_switch_nd_route(struct rte_mbuf *m);

#endif
