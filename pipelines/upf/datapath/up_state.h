/* What the upf's stages and slow path share (the feature, its tables and
 * its model, is described here and wired in pl_upf.c): table ids and
 * actions' params, drop reasons and events, its per-packet fields and the
 * keys its tables take. Its globals are in up_state.c. It includes none of
 * the upf's other modules.
 *
 * The "upf" feature: a 5G user plane (TS 23.501 UPF) as P4-like tables, in
 * the ONF up4 model extended with an uplink classifier (UL CL):
 *   upf_interfaces(6)     outer destination (LPM) -> n3 | n9 {slice, id} | n6 {slice}:
 *                         the box's own GTP-U endpoints and N6 addresses
 *   upf_slices            slice -> {meter}: the slice's QER
 *   sessions_uplink       (n3 iface, TEID) -> fwd_n6 | fwd_n9 | drop (wide: and one app's
 *                         termination inline, struct up_session_ul)
 *   sessions_n9_downlink  (n9 iface, TEID) -> encap_n3 | buffer | drop | notify (from the anchor)
 *   sessions_downlink     (slice, UE IPv4) -> the same (from the local DN, routed in)
 *   sessions_downlink6    (slice, UE's IPv6 /64) -> the same: an IPv6 (or IPv4v6)
 *                         session's prefix, its downlink and what its uplink's
 *                         sources are checked against
 *   applications(6)       (slice, remote IPv4 (IPv6) prefix, L4 port range, protocol, QFI) -> app id
 *   eth_applications      (slice, remote MAC, local MAC, Ethertype, C-TAG, S-TAG) -> app id:
 *                         an Ethernet PDU session's frames
 *   terminations_uplink   (session, app) -> fwd_n6 | fwd_n9 {peer, teid, qfi} | drop | bridge
 *                         | redirect {redirect}
 *   terminations_downlink (session, app) -> encap_n3 {peer, teid, qfi} | buffer | drop | notify
 *   tunnel_peers          id -> gtpu {src, dst, gw, vrf, sport, mtu, dscp} (over IPv4)
 *                         | gtpu6 {src, dst, vrf, sport, mtu, dscp} (over IPv6): a gNB or an anchor UPF
 *   sessions_eth          session -> encap_n3 | buffer | drop | notify: an Ethernet PDU
 *                         session's downlink, the frames the switch sends to it
 *   lan_members           (bd, slot) -> member {session}: a 5G LAN group's sessions,
 *                         the frames the switch floods to the group
 *   sessions_ra           session -> ra {prefix, router, mtu}: an IPv6 session's Router
 *                         Advertisement, its UE's Router Solicitation answered (up_ra.h)
 *   redirects             id -> http {url} | dns {v4, v6}: what an uplink termination of
 *                         action redirect answers in place (up_redir.h): its TCP with
 *                         an HTTP 302 to url, or its DNS queries with v4 / v6
 * An Ethernet PDU session (its entries' eth flag, or its uplink entry's
 * action bridge, TS 23.501 5.6.10.2) carries frames: its uplink ones go into its slice's bridge
 * domain as an attached endpoint of the switch (sw_api.h: SW_TUN_ATTACHED
 * | session), learned there; what the switch sends to that endpoint, or
 * floods to the domain's group (SW_TUN_GROUP | bd), comes back at upf.eth.
 * A session entry is the session (its id, UE, slice, AMBR, outer header
 * removal) with its default termination (the action and its FAR, QER and
 * URR): a session with no per-app rule costs one lookup per direction,
 * and a million of them fit in two entries each; uplink, one app's
 * termination may ride in the session entry too (what sxcd writes for a
 * session of one app), which then costs one lookup as well. The terminations tables
 * hold the apps a session treats otherwise (app 1..; its "apps" flag says
 * it has some, else its packets are not classified).
 * N3 and N9 ports enter at upf.in: GTP-U to one of our endpoints is the
 * UPF's (echo answered, unknown TEIDs told with an error indication, the
 * G-PDUs of sessions decapsulated), anything else goes to the switch
 * (ARP, ICMP, routing). Uplink goes on at upf.ul (anti-spoofing, own
 * addresses, application, termination: local breakout into the slice's
 * VRF, or on to the anchor over N9); downlink from N9 and from the local
 * DN (a switch route "upf" to the UE pool, upf.n6) meet at upf.dl and
 * leave in the session's one N3 tunnel with a DL PDU Session Container.
 * QERs are qos meters (the termination's MBR, the session's AMBR, the
 * slice's, in that order; gate closed = drop), URRs counters per worker
 * (up_urr.h). Builds on switch (next hops, ARP, routing) and qos (meters). */
#ifndef UP_STATE_H
#define UP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf_dyn.h>
#include "dp_feature.h"
#include "dp_table.h"


#define DP_REASONS_DEF "pl_upf.def"
#define DP_REASONS_PREFIX UP
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
extern unsigned int pl_up_drop_base, pl_up_event_base;
#define UP_DROP(name) (pl_up_drop_base + UP_DROP_##name)
#define UP_EVENT(name) (pl_up_event_base + UP_EVENT_##name)

struct pl_upf_tables {
	int ifaces, ifaces6, slices, sess_ul, sess_n9, sess_dl, sess_dl6, apps, apps6, term_ul, term_dl, peers;
	int sess_eth, members, eth_apps, sess_ra, redirects;
};
extern struct pl_upf_tables pl_up;
/* Main lcore: the downlink packets up_buf holds now, all sessions (upf.usage reads it). */
extern unsigned int up_buf_held_n;

enum { UP_IF_N3, UP_IF_N9, UP_IF_N6, UP_IF_NONE };
enum { UP_SLICE, UP_SLICE_NONE };
enum { UP_APP, UP_APP_NONE };
/* the actions of sessions_uplink and terminations_uplink alike; bridge
 * (an Ethernet PDU session's, or its app's): its frames into its slice's
 * bridge domain (bd: the slice's id, as slices compile); redirect: answered
 * by the UPF as its redirects entry says (the FAR's teid param is that
 * entry's id, named "redirect": up_redir.h), sent nowhere else */
enum { UP_UL_FWD_N6, UP_UL_FWD_N9, UP_UL_DROP, UP_UL_BRIDGE, UP_UL_REDIRECT, UP_UL_NONE };
/* the actions of the downlink session tables and terminations_downlink alike */
enum { UP_DL_ENCAP_N3, UP_DL_BUFFER, UP_DL_DROP, UP_DL_NOTIFY, UP_DL_NONE };
enum { UP_PEER_GTPU, UP_PEER_GTPU6, UP_PEER_NONE };
enum { UP_RA, UP_RA_NONE };
enum { UP_REDIR_HTTP, UP_REDIR_DNS, UP_REDIR_NONE };

#define UP_IFACE_MAX    4095          /* GTP-U endpoint ids 1..; the sessions' keys name them */
#define UP_SESSION_MAX  ((1u << 24) - 1)
#define UP_PEER_MAX     65535
#define UP_QFI_COPY     64            /* a termination's qfi: the one the packet came with */
#define UP_DSCP_COPY    64            /* a peer's dscp: the inner packet's */
/* Outer Header Removal descriptions (TS 29.244 8.2.64) a session may name:
 * which outer IP version its G-PDUs may arrive over. */
#define UP_OHR_GTPU_IPV4 0
#define UP_OHR_GTPU_IPV6 1
#define UP_OHR_GTPU_IP   6

/* applications(6) key fields, in order */
enum { UP_APP_SLICE, UP_APP_REMOTE, UP_APP_PORT, UP_APP_PROTO, UP_APP_QFI, UP_APP_FIELDS };
#define UP_APP_ROOM 32    /* the key bytes applications reads */
#define UP_APP6_ROOM 48   /* and applications6 */
/* eth_applications key fields, in order: remote is the destination MAC
 * uplink, the source downlink; local the other (the UE side's); ethertype
 * the one after the tags; ctag and stag UP_TAG_PRESENT | TCI, or 0 */
enum { UP_EAPP_SLICE, UP_EAPP_REMOTE, UP_EAPP_LOCAL, UP_EAPP_ETHERTYPE, UP_EAPP_CTAG, UP_EAPP_STAG,
       UP_EAPP_FIELDS };
#define UP_EAPP_ROOM 32   /* the key bytes eth_applications reads */

/* Action params (dp_entry.params: natural alignment, addresses in network
 * order; checked against the engine's layout at init). A termination's
 * (its FAR, QER and URR): meter is the MBR (0: none); teid and peer the
 * tunnel of fwd_n9 and encap_n3, qfi its container's (UP_QFI_COPY: the
 * received one); urr the usage counter it counts in (0: none), threshold
 * (bytes, 0: none) raises a usage event once its volume reaches it. */
#define UP_FAR_FIELDS	\
	uint32_t meter;	\
	uint32_t teid;	\
	uint64_t threshold;	\
	uint32_t urr;	\
	uint16_t peer;	\
	uint8_t qfi
struct up_term {
	UP_FAR_FIELDS;
};
/* A session entry: its own termination, then the session; the stages read
 * its first fields as a struct up_term. */
struct up_session {
	UP_FAR_FIELDS;
	uint8_t ohr;             /* uplink and N9: the outer header removal it was given */
	uint32_t id;             /* what the terminations key on */
	uint32_t ambr;           /* qos meter: the session's AMBR in this direction (0: none) */
	uint32_t ue;             /* uplink: the UE's IPv4 address (anti-spoofing; 0: none) */
	uint16_t slice;          /* uplink and N9 (the downlink table's key holds it) */
	/* the params apps, any_src and eth, a bit each of one byte (flags,
	 * dp_ttypes.h): the entry's 40 bytes hold no byte more */
	uint8_t flags;
};
#define UP_SF_APPS    0x01       /* it has per-app terminations in this direction (classify) */
#define UP_SF_ANY_SRC 0x02       /* uplink: its PDRs name no UE address: any source (TS 29.244 5.2.1) */
#define UP_SF_ETH     0x04       /* an Ethernet PDU session: its T-PDUs are frames */
_Static_assert(offsetof(struct up_session, qfi) == offsetof(struct up_term, qfi), "a session's FAR is a termination");
/* A sessions_uplink entry (wide: two lines): the session, then one app's
 * termination inline (app 0: none), so the common session with one app
 * (a local DN's app broken out) costs one lookup, not a terminations one
 * too: what terminations_uplink would hold for (id, app) but a usage
 * threshold (a watched URR stays there). app_action is the action's
 * number (UP_UL_*); app_teid, a redirect's redirects id. Read only where
 * the session has apps (UP_SF_APPS); it wins over a terminations_uplink
 * entry of the same app. */
struct up_session_ul {
	struct up_session s;
	uint16_t app;
	uint8_t app_action;
	uint32_t app_meter, app_teid, app_urr;
	uint16_t app_peer;
	uint8_t app_qfi;
};
_Static_assert(offsetof(struct up_session_ul, app) == DP_PARAMS_BYTES, "the inline app on the second line");

/* The inline app termination's FAR, as a termination's (no threshold). */
static inline struct up_term
up_session_app_far(const struct up_session_ul *su)
{
	return (struct up_term){ .meter = su->app_meter, .teid = su->app_teid, .urr = su->app_urr,
				 .peer = su->app_peer, .qfi = su->app_qfi };
}
/* held_bd: the endpoint's address is a gateway a pair's election holds
 * (sw_api.h) on that bridge domain (0: not held): its GTP-U is this box's
 * only while it holds it */
struct up_iface { uint16_t slice, id, echo_s; uint8_t misses; uint8_t pad; uint16_t held_bd; };   /* n6: the slice only */
struct up_app { uint16_t app; };
struct up_member { uint32_t session; };
#define UP_LAN_SLOTS 64          /* a 5G LAN group's sessions in one bridge domain, at most */
struct up_slice { uint32_t meter; };
struct up_peer {
	uint32_t src, dst;       /* our endpoint, theirs */
	uint32_t gw;             /* underlay next hop, resolved in vrf by the switch */
	uint16_t vrf;
	uint16_t sport;          /* 0: from the inner flow hash (49152..65535) */
	uint16_t mtu;            /* the outer packet's at most (0: the port's) */
	uint8_t dscp;            /* UP_DSCP_COPY: the inner packet's */
};
/* A peer over IPv6: the outer packet is routed in vrf as the switch
 * routes (routes6: its next hop, ECMP, neighbour discovery; up_encap.h). */
struct up_peer6 {
	uint8_t src[16], dst[16];
	uint16_t vrf, sport, mtu;
	uint8_t dscp;
};

/* Why upf stages punt (dp_meta.punt). */
enum { UP_PUNT_UNRESOLVED, UP_PUNT_BUFFER, UP_PUNT_NOTIFY, UP_PUNT_SIGNAL,
       UP_PUNT_TOO_BIG /* too big for its tunnel: the sender is told */ };

/* the stages' edges: upf.in's, upf.ul's (into the slice's VRF; IPv6 peers'
 * outer packets into the underlay's), upf.n6's, upf.dl's (IPv6 peers') */
/* upf.in's L3, L3V6 and L2 are upf.ul's, in its order (its fused path
 * ends where upf.ul does: up_ul_run's edge0) */
enum { UP_IN_EDGE_SWITCH, UP_IN_EDGE_UL, UP_IN_EDGE_DL, UP_IN_EDGE_L3, UP_IN_EDGE_L3V6, UP_IN_EDGE_L2 };
enum { UP_UL_EDGE_L3, UP_UL_EDGE_L3V6, UP_UL_EDGE_L2, UP_UL_EDGE_DL /* an RA answered */ };
_Static_assert(UP_IN_EDGE_L3V6 - UP_IN_EDGE_L3 == UP_UL_EDGE_L3V6 && UP_IN_EDGE_L2 - UP_IN_EDGE_L3 == UP_UL_EDGE_L2,
	       "upf.in's switch edges are upf.ul's, in order");
enum { UP_N6_EDGE_DL };
enum { UP_ETH_EDGE_DL };
enum { UP_DL_EDGE_L3V6 };

/* What upf stages hand each other with a packet, in two rte_mbuf dynamic
 * fields (what room an mbuf has is in 8- and 4-byte pieces): the session
 * entry, live for the graph walk it was looked up in, and what its
 * termination is chosen by. A punt to buffer carries the ids instead
 * (dp_meta.out_port: the session; dp_meta.tunnel: the app; up_meta.table:
 * the session entry's table), and in the entry's place the TSC its walk
 * began at (up_punt_since): the slow path tells by them which incarnation
 * of the session a packet is of (up_buf.h). */
struct up_meta {
	uint16_t app;            /* the termination's app (0: the session's default) */
	uint8_t qfi;             /* as received (UL PSC, or N9's DL PSC) */
	uint8_t table;           /* a punt to buffer: its session entry's table */
};
extern int pl_up_meta_off, pl_up_sess_off;
static inline struct up_meta *
up_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl_up_meta_off, struct up_meta *);
}
static inline const struct dp_entry **
up_sess(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl_up_sess_off, const struct dp_entry **);
}
static inline uint64_t *
up_punt_since(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pl_up_sess_off, uint64_t *);
}
static inline const struct up_session *
up_session(struct rte_mbuf *m)
{
	return (const struct up_session *)(*up_sess(m))->params;
}

/* A session's IP packet at l3_off (IPv4, or IPv6 as dp_meta says): its
 * length (what URRs count, as TS 29.244 measures the T-PDU) and its
 * DSCP and ECN (what the outer header copies). */
static inline uint16_t
up_ip_len(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (md->flags & DP_MF_IPV6)
		return (uint16_t)(sizeof(struct rte_ipv6_hdr) +
				  rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									   md->l3_off)->payload_len));
	if (likely(md->flags & DP_MF_IPV4))
		return rte_be_to_cpu_16(rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								md->l3_off)->total_length);
	/* an Ethernet PDU session's frame, from l3_off (upf.eth) to its end */
	return (uint16_t)(rte_pktmbuf_pkt_len(m) - md->l3_off);
}
static inline uint8_t
up_ip_tos(struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);

	if (md->flags & DP_MF_IPV6)
		return (uint8_t)(rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
									  md->l3_off)->vtc_flow) >> 20);
	if (likely(md->flags & DP_MF_IPV4))
		return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, md->l3_off)->type_of_service;
	return 0;
}

/* Is se (a session entry) an Ethernet PDU session's, its T-PDUs frames?
 * Its eth flag says so, or its table (sessions_eth: what the switch sent
 * it), or its uplink termination (bridge: frames into the bridge domain).
 * The actions of the uplink and downlink tables share numbers: the table
 * tells them apart. */
static inline bool
up_session_eth(const struct dp_entry *se)
{
	return (((const struct up_session *)se->params)->flags & UP_SF_ETH) || se->table == pl_up.sess_eth ||
	       (se->table == pl_up.sess_ul && se->action == UP_UL_BRIDGE);
}

/* Is table tb one whose entries are a session's downlink (buffered,
 * counted, metered as such)? */
static inline bool
up_dl_session_table(int tb)
{
	return tb == pl_up.sess_dl || tb == pl_up.sess_dl6 || tb == pl_up.sess_n9 || tb == pl_up.sess_eth;
}

/* The key of sessions_uplink and sessions_n9_downlink: (endpoint, TEID). */
static inline void
up_session_key(uint8_t *k, uint16_t iface, uint32_t teid)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(iface);
	*(rte_be32_t *)(k + 2) = rte_cpu_to_be_32(teid);
}

/* Where the engine laid out the applications(6) and eth_applications keys'
 * fields, and sessions_downlink6's. */
extern uint8_t pl_up_app_off[UP_APP_FIELDS], pl_up_app6_off[UP_APP_FIELDS], pl_up_eapp_off[UP_EAPP_FIELDS];
extern uint8_t pl_up_dl6_slice_off, pl_up_dl6_ue_off;

/* The sessions_downlink6 key of (slice, an address of the UE's /64). */
static inline void
up_dl6_key(uint8_t *k, uint16_t slice, const uint8_t *ip)
{
	memset(k, 0, 16);
	*(rte_be16_t *)(k + pl_up_dl6_slice_off) = rte_cpu_to_be_16(slice);
	memcpy(k + pl_up_dl6_ue_off, ip, 8);
}

/* The key of the tables by session id: sessions_eth, sessions_ra. */
static inline void
up_id_key(uint8_t *k, uint32_t session)
{
	memset(k, 0, 16);
	*(rte_be32_t *)k = rte_cpu_to_be_32(session);
}

/* The key of lan_members: (bridge domain, slot). */
static inline void
up_member_key(uint8_t *k, uint16_t bd, uint8_t slot)
{
	memset(k, 0, 16);
	*(rte_be16_t *)k = rte_cpu_to_be_16(bd);
	k[2] = slot;
}

/* The (session, app) key of a terminations table. */
static inline void
up_term_key(uint8_t *k, uint32_t session, uint16_t app)
{
	memset(k, 0, 16);
	*(uint32_t *)k = rte_cpu_to_be_32(session);
	*(uint16_t *)(k + 4) = rte_cpu_to_be_16(app);
}

#endif
