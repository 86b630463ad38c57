/* UPF feature wiring: its tables, write checks, drop reasons, slow path
 * (next hops to resolve, buffering, signalling taken in) and registration.
 * The stages are up_in.c (upf.in), up_ul.c (upf.ul), up_dl.c (upf.n6 and
 * upf.dl); what ul and dl share up_term.c, the tunnels up_encap.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_errno.h>
#include <rte_ip.h>

#include "up_names.h"
#include "up_state.h"
#include "up_in.h"
#include "up_ul.h"
#include "up_dl.h"
#include "up_eth.h"
#include "up_buf.h"
#include "up_macs.h"
#include "up_encap.h"
#include "up_event.h"
#include "up_own.h"
#include "up_path.h"
#include "up_ra.h"
#include "up_redir.h"
#include "up_term.h"
#include "up_urr.h"
#include "gtp.h"
#include "up_gtpu.h"
#include "qos_api.h"
#include "sw_api.h"
#include "dp_log.h"
#include "dp_stats.h"
#include "dp_tblrpc.h"
#include "dp_xdp.h"


#define DP_REASONS_DEF "pl_upf.def"
#define DP_REASONS_PREFIX up
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#include "dp_slow.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

#define SLICE_MAX 4095

/* The box's own addresses in the user plane: GTP-U endpoints (N3 toward
 * gNBs, N9 toward anchors; id: what sessions name; slice 0: any slice's
 * sessions, else only that slice's) and N6 addresses (a UE may not reach
 * them). Longest prefix, so a pool of endpoints is one entry. */
/* An N3 or N9 endpoint's params: its slice and id, and its peers' path
 * supervision (up_path.h: an Echo Request every echo_s, a path failed
 * after misses unanswered; echo_s 0: none). */
#define IFACE_PARAMS(a) { a, 5, { { UP_F_SLICE, DP_T_U16, SLICE_MAX }, { UP_F_ID, DP_T_U16, UP_IFACE_MAX },	\
				  { UP_F_ECHO_S, DP_T_U16, UP_PATH_ECHO_S_MAX, true },		\
				  { UP_F_MISSES, DP_T_U8, UP_PATH_MISSES_MAX, true },		\
				  { UP_F_HELD_BD, DP_T_U16, 4095, true } } }
#define IFACE_ACTIONS								\
	.n_actions = 4,								\
	.actions = {								\
		[UP_IF_N3] = IFACE_PARAMS(UP_A_N3),				\
		[UP_IF_N9] = IFACE_PARAMS(UP_A_N9),				\
		[UP_IF_N6] = { UP_A_N6, 1, { { UP_F_SLICE, DP_T_U16, SLICE_MAX } } },	\
		[UP_IF_NONE] = { UP_A_NONE, 0, {} },				\
	},									\
	.default_action = UP_IF_NONE
static const struct dp_table_def ifaces_def = {
	.name = UP_T_INTERFACES, .size = 1024, .n_fields = 1,
	.fields = { { UP_F_DST, DP_T_IPV4, DP_MATCH_LPM } }, IFACE_ACTIONS, .next_table = UP_T_SESSIONS_UPLINK,
};
static const struct dp_table_def ifaces6_def = {
	.name = UP_T_INTERFACES6, .size = 1024, .n_fields = 1,
	.fields = { { UP_F_DST, DP_T_IPV6, DP_MATCH_LPM } }, IFACE_ACTIONS, .next_table = UP_T_SESSIONS_UPLINK,
};

/* A slice's QER: the meter every session of the slice goes through last. */
static const struct dp_table_def slices_def = {
	.name = UP_T_SLICES, .size = SLICE_MAX + 1, .n_fields = 1,
	/* a u32, so that workers look it up by id (dp_table_lookup_ids) */
	.fields = { { UP_F_SLICE, DP_T_U32, DP_MATCH_EXACT, SLICE_MAX } },
	.n_actions = 2,
	.actions = { [UP_SLICE] = { UP_A_SLICE, 1, { { UP_F_METER, DP_T_U32, QOS_METER_ID_CAP } } },
		     [UP_SLICE_NONE] = { UP_A_NONE, 0, {} } },
	.default_action = UP_SLICE_NONE, .next_table = UP_T_SESSIONS_UPLINK,
};

/* What a termination does with its packets (struct up_term): its FAR
 * (peer, teid, qfi for a tunnel), QER (meter) and URR (urr, threshold). */
#define FAR_PARAMS_AS(...) \
	{ UP_F_METER, DP_T_U32, QOS_METER_ID_CAP, true }, __VA_ARGS__,						\
	{ UP_F_THRESHOLD, DP_T_U64, 0, true }, { UP_F_URR, DP_T_U32, 0, true },			\
	{ UP_F_PEER, DP_T_U16, UP_PEER_MAX, true }, { UP_F_QFI, DP_T_U8, UP_QFI_COPY, true }
#define FAR_PARAMS FAR_PARAMS_AS(FAR_TEID)
#define FAR_TEID { UP_F_TEID, DP_T_U32, 0, true }
/* A redirect's FAR: its redirects id where a tunnel's TEID is (the same
 * layout, so a stage reads either as a struct up_term) */
#define FAR_REDIRECT { UP_F_REDIRECT, DP_T_U32, UP_REDIRECT_MAX }
/* A session entry (struct up_session): its default termination, then the
 * session: id (what terminations key on), AMBR (a qos meter), the UE's
 * IPv4 address (uplink anti-spoofing; 0: an IPv6-only session, whose
 * sources are its sessions_downlink6 prefix's), its slice, the outer header removal its
 * G-PDUs take (0: GTP-U/UDP/IPv4, 1: over IPv6, 6: either) and whether
 * it has per-app terminations in this direction (apps: 1), and, uplink,
 * whether its sources go unchecked (any_src: 1, a PDR naming no UE
 * address matches any), and whether it is an Ethernet PDU session (eth:
 * 1, its T-PDUs are frames; sessions_uplink and sessions_eth). Every
 * action takes them all, so that they lie where the struct says; the
 * three flags share its last byte (bits 1, 2, 3: UP_SF_*), as the 40
 * bytes of an entry's params hold no more. An Ethernet PDU session's
 * uplink is "bridge" (into its slice's bridge domain) or "drop" (a gate
 * closed but for its apps'). */
#define SESSION_FIELDS_AS(...) FAR_PARAMS_AS(__VA_ARGS__), { UP_F_OHR, DP_T_U8, 0, true },			\
	{ UP_F_ID, DP_T_U32, UP_SESSION_MAX },									\
	{ UP_F_AMBR, DP_T_U32, QOS_METER_ID_CAP, true }, { UP_F_UE, DP_T_IPV4, 0, true },			\
	{ UP_F_SLICE, DP_T_U16, SLICE_MAX, true }, { UP_F_APPS, DP_T_U8, 1, true, 1 },				\
	{ UP_F_ANY_SRC, DP_T_U8, 1, true, 2 }, { UP_F_ETH, DP_T_U8, 1, true, 3 }
#define SESSION_PARAMS_AS(...) 14, { SESSION_FIELDS_AS(__VA_ARGS__) }
#define SESSION_PARAMS SESSION_PARAMS_AS(FAR_TEID)
/* sessions_uplink's (wide, struct up_session_ul): the session, then one
 * app's termination inline (app 0: none), its action by number (UP_UL_*:
 * 0 fwd_n6, 1 fwd_n9, 2 drop, 3 bridge, 4 redirect) and its FAR as a
 * terminations_uplink entry's but the threshold */
#define SESSION_UL_PARAMS_AS(...) 21, { SESSION_FIELDS_AS(__VA_ARGS__), { UP_F_APP, DP_T_U16, 0, true },		\
	{ UP_F_APP_ACTION, DP_T_U8, UP_UL_REDIRECT, true }, { UP_F_APP_METER, DP_T_U32, QOS_METER_ID_CAP, true },	\
	{ UP_F_APP_TEID, DP_T_U32, 0, true }, { UP_F_APP_URR, DP_T_U32, 0, true },				\
	{ UP_F_APP_PEER, DP_T_U16, UP_PEER_MAX, true }, { UP_F_APP_QFI, DP_T_U8, UP_QFI_COPY, true } }
/* redirect: answered in place (its redirects entry, up_redir.h), counted
 * in its URR as a forwarding termination is; its params are the others'
 * but for the tunnel's TEID, which is the redirects id (rparams) */
#define UL_ACTIONS(params, rparams)							\
	.n_actions = 6,									\
	.actions = { [UP_UL_FWD_N6] = { "fwd_n6", params }, [UP_UL_FWD_N9] = { "fwd_n9", params },	\
		     [UP_UL_DROP] = { "drop", params }, [UP_UL_BRIDGE] = { UP_A_BRIDGE, params },	\
		     [UP_UL_REDIRECT] = { UP_A_REDIRECT, rparams },					\
		     [UP_UL_NONE] = { UP_A_NONE, 0, {} } },						\
	.default_action = UP_UL_NONE
#define DL_ACTIONS(...)									\
	.n_actions = 5,									\
	.actions = { [UP_DL_ENCAP_N3] = { "encap_n3", __VA_ARGS__ }, [UP_DL_BUFFER] = { "buffer", __VA_ARGS__ },	\
		     [UP_DL_DROP] = { "drop", __VA_ARGS__ }, [UP_DL_NOTIFY] = { "notify", __VA_ARGS__ },	\
		     [UP_DL_NONE] = { UP_A_NONE, 0, {} } },						\
	.default_action = UP_DL_NONE
/* The session and termination tables are the ones that grow to a
 * million entries: they count in URRs, not per entry. */
#define TUNNEL_KEY .n_fields = 2,								\
	.fields = { { UP_F_IFACE, DP_T_U16, DP_MATCH_EXACT, UP_IFACE_MAX }, { UP_F_TEID, DP_T_U32, DP_MATCH_EXACT } }
static const struct dp_table_def sess_ul_def = {
	.name = UP_T_SESSIONS_UPLINK, .size = 16384, TUNNEL_KEY,
	UL_ACTIONS(SESSION_UL_PARAMS_AS(FAR_TEID), SESSION_UL_PARAMS_AS(FAR_REDIRECT)),
	.next_table = UP_T_APPLICATIONS, .no_entry_hits = true, .wide = true,
};
static const struct dp_table_def sess_n9_def = {
	.name = UP_T_SESSIONS_N9_DOWNLINK, .size = 16384, TUNNEL_KEY, DL_ACTIONS(SESSION_PARAMS),
	.next_table = UP_T_APPLICATIONS, .no_entry_hits = true,
};
static const struct dp_table_def sess_dl_def = {
	.name = UP_T_SESSIONS_DOWNLINK, .size = 16384, .n_fields = 2,
	.fields = { { UP_F_SLICE, DP_T_U16, DP_MATCH_EXACT, SLICE_MAX }, { UP_F_UE, DP_T_IPV4, DP_MATCH_EXACT } },
	DL_ACTIONS(SESSION_PARAMS), .next_table = UP_T_APPLICATIONS, .no_entry_hits = true,
};
/* An IPv6 PDU session's prefix (TS 23.501 5.8.2.2: a /64 per session, the
 * UE picks its interface identifiers): ue is the /64 (a 10-byte key: the
 * compact hash). Its entry's "ue" param is the session's IPv4 address, if
 * any. */
static const struct dp_table_def sess_dl6_def = {
	.name = UP_T_SESSIONS_DOWNLINK6, .size = 16384, .n_fields = 2,
	.fields = { { UP_F_SLICE, DP_T_U16, DP_MATCH_EXACT, SLICE_MAX }, { UP_F_UE, DP_T_IPV6NET, DP_MATCH_EXACT } },
	DL_ACTIONS(SESSION_PARAMS), .next_table = UP_T_APPLICATIONS, .no_entry_hits = true,
};

/* An Ethernet PDU session's downlink (TS 23.501 5.6.10.2): the frames the
 * switch sends to the session as an attached endpoint of its bridge
 * domain (its fdb entries, learned from its uplink), by session id. */
static const struct dp_table_def sess_eth_def = {
	.name = UP_T_SESSIONS_ETH, .size = 16384, .n_fields = 1,
	.fields = { { UP_F_SESSION, DP_T_U32, DP_MATCH_EXACT, UP_SESSION_MAX } },
	DL_ACTIONS(SESSION_PARAMS), .next_table = UP_T_TERMINATIONS_DOWNLINK, .no_entry_hits = true,
};

/* A 5G LAN group: the Ethernet PDU sessions of a bridge domain the switch
 * floods to (its flood list's SW_TUN_GROUP | bd), in slots 0..63 the
 * writer keeps (a slot without an entry is no member). */
static const struct dp_table_def members_def = {
	.name = UP_T_LAN_MEMBERS, .size = 16384, .n_fields = 2,
	.fields = { { UP_F_BD, DP_T_U16, DP_MATCH_EXACT, SLICE_MAX },
		    { UP_F_SLOT, DP_T_U8, DP_MATCH_EXACT, UP_LAN_SLOTS - 1 } },
	.n_actions = 2,
	.actions = { { UP_A_MEMBER, 1, { { UP_F_SESSION, DP_T_U32, UP_SESSION_MAX } } }, { UP_A_NONE, 0, {} } },
	.default_action = 1, .next_table = UP_T_SESSIONS_ETH,
};

/* An IPv6 session's Router Advertisement (up_ra.h): its /64, the router's
 * link-local address, the link MTU (0: not advertised), by session id. */
static const struct dp_table_def sess_ra_def = {
	.name = UP_T_SESSIONS_RA, .size = 16384, .n_fields = 1,
	.fields = { { UP_F_SESSION, DP_T_U32, DP_MATCH_EXACT, UP_SESSION_MAX } },
	.n_actions = 2,
	.actions = { [UP_RA] = { UP_A_RA, 3, { { UP_F_PREFIX, DP_T_IPV6NET }, { UP_F_ROUTER, DP_T_IPV6 },
					       { UP_F_MTU, DP_T_U16, 65535, true } } },
		     [UP_RA_NONE] = { UP_A_NONE, 0, {} } },
	.default_action = UP_RA_NONE, .next_table = UP_T_SESSIONS_DOWNLINK6, .no_entry_hits = true,
};

/* What an uplink termination of action redirect answers (up_redir.h):
 * http, the UE's TCP (a request with an HTTP 302 whose Location is url);
 * dns, its DNS queries (A with v4, AAAA with v6; absent: an answer with
 * none). By id (a redirect termination's "redirect" param); wide, so
 * that a URL of up to UP_REDIRECT_URL_MAX fits. */
static const struct dp_table_def redirects_def = {
	.name = UP_T_REDIRECTS, .size = UP_REDIRECT_MAX + 1, .n_fields = 1,
	/* a u32, so that workers look it up by id (dp_table_lookup_ids) */
	.fields = { { UP_F_ID, DP_T_U32, DP_MATCH_EXACT, UP_REDIRECT_MAX } },
	.n_actions = 3,
	.actions = { [UP_REDIR_HTTP] = { UP_A_HTTP, 1, { { UP_F_URL, DP_T_STR, UP_REDIRECT_URL_MAX } } },
		     [UP_REDIR_DNS] = { UP_A_DNS, 2, { { UP_F_V4, DP_T_IPV4, 0, true },
						       { UP_F_V6, DP_T_IPV6, 0, true } } },
		     [UP_REDIR_NONE] = { UP_A_NONE, 0, {} } },
	.default_action = UP_REDIR_NONE, .next_table = UP_T_SESSIONS_DOWNLINK, .wide = true,
};

/* Applications of a slice: the remote end (the destination uplink, the
 * source downlink), its L4 port, protocol and QFI. The local DN's prefixes
 * live here: an app whose termination breaks out. No match: app 0, the
 * session's own termination. IPv6 packets are classified in
 * applications6, the same with an IPv6 remote end (an app id is one app in
 * both: its terminations hold for either). */
#define APP_TABLE(tname, ip_type)								\
	.name = tname, .size = 4096, .n_fields = UP_APP_FIELDS,					\
	.fields = {										\
		[UP_APP_SLICE] = { UP_F_SLICE, DP_T_U16, DP_MATCH_EXACT, SLICE_MAX },		\
		[UP_APP_REMOTE] = { "remote", ip_type, DP_MATCH_TERNARY },			\
		[UP_APP_PORT] = { UP_F_PORT, DP_T_U16, DP_MATCH_RANGE },				\
		[UP_APP_PROTO] = { UP_F_PROTO, DP_T_U8, DP_MATCH_TERNARY },			\
		[UP_APP_QFI] = { UP_F_QFI, DP_T_U8, DP_MATCH_TERNARY, 63 },			\
	},											\
	.n_actions = 2,										\
	.actions = { [UP_APP] = { UP_A_APP, 1, { { UP_F_APP, DP_T_U16 } } }, [UP_APP_NONE] = { UP_A_NONE, 0, {} } }, \
	.default_action = UP_APP_NONE, .next_table = UP_T_TERMINATIONS_UPLINK
static const struct dp_table_def apps_def = { APP_TABLE("applications", DP_T_IPV4) };
static const struct dp_table_def apps6_def = { APP_TABLE("applications6", DP_T_IPV6) };

/* Applications of an Ethernet PDU session's frames (its Ethernet Packet
 * Filters, TS 23.501 5.7.6.3, TS 29.244): the remote end's MAC (the destination uplink,
 * the source downlink), the local one's (the UE side's), the Ethertype
 * after the tags, the C-TAG and the S-TAG (UP_TAG_PRESENT | TCI, 0: none;
 * a mask asks "none", "any" or a VID). Their app ids are the sessions'
 * terminations as applications' are. */
static const struct dp_table_def eth_apps_def = {
	.name = UP_T_ETH_APPLICATIONS, .size = 4096, .n_fields = UP_EAPP_FIELDS,
	.fields = {
		[UP_EAPP_SLICE] = { UP_F_SLICE, DP_T_U16, DP_MATCH_EXACT, SLICE_MAX },
		[UP_EAPP_REMOTE] = { UP_F_REMOTE, DP_T_MAC, DP_MATCH_TERNARY },
		[UP_EAPP_LOCAL] = { UP_F_LOCAL, DP_T_MAC, DP_MATCH_TERNARY },
		[UP_EAPP_ETHERTYPE] = { UP_F_ETHERTYPE, DP_T_U16, DP_MATCH_TERNARY },
		[UP_EAPP_CTAG] = { UP_F_CTAG, DP_T_U32, DP_MATCH_TERNARY, UP_TAG_PRESENT | 0xffff },
		[UP_EAPP_STAG] = { UP_F_STAG, DP_T_U32, DP_MATCH_TERNARY, UP_TAG_PRESENT | 0xffff },
	},
	.n_actions = 2,
	.actions = { [UP_APP] = { UP_A_APP, 1, { { UP_F_APP, DP_T_U16 } } }, [UP_APP_NONE] = { UP_A_NONE, 0, {} } },
	.default_action = UP_APP_NONE, .next_table = UP_T_TERMINATIONS_UPLINK,
};

/* What a session does with an app's packets (app 1..; app 0 is the
 * session entry's own termination). */
#define TERM_PARAMS 6, { FAR_PARAMS }
#define TERM_PARAMS_REDIRECT 6, { FAR_PARAMS_AS(FAR_REDIRECT) }
#define TERM_KEY .n_fields = 2,								\
	.fields = { { UP_F_SESSION, DP_T_U32, DP_MATCH_EXACT, UP_SESSION_MAX }, { UP_F_APP, DP_T_U16, DP_MATCH_EXACT } }
static const struct dp_table_def term_ul_def = {
	.name = UP_T_TERMINATIONS_UPLINK, .size = 32768, TERM_KEY,
	UL_ACTIONS(TERM_PARAMS, TERM_PARAMS_REDIRECT),
	.next_table = UP_T_TUNNEL_PEERS, .no_entry_hits = true,
};
static const struct dp_table_def term_dl_def = {
	.name = UP_T_TERMINATIONS_DOWNLINK, .size = 32768, TERM_KEY, DL_ACTIONS(TERM_PARAMS),
	.next_table = UP_T_TUNNEL_PEERS, .no_entry_hits = true,
};

/* The far ends of GTP-U tunnels: gNBs (N3) and anchor UPFs (N9), over
 * IPv4 or IPv6. src is our endpoint; over IPv4 gw is the underlay next hop
 * (resolved in vrf by the switch), over IPv6 the outer packet is routed in
 * vrf (routes6); sport 0 the inner flow's hash, dscp 64 the inner DSCP,
 * mtu 0 the port's. */
static const struct dp_table_def peers_def = {
	.name = UP_T_TUNNEL_PEERS, .size = UP_PEER_MAX + 1, .n_fields = 1,
	.fields = { { UP_F_ID, DP_T_U32, DP_MATCH_EXACT, UP_PEER_MAX } },
	.n_actions = 3,
	.actions = {
		[UP_PEER_GTPU] = { UP_A_GTPU, 7, { { UP_F_SRC, DP_T_IPV4 }, { UP_F_DST, DP_T_IPV4 }, { UP_F_GW, DP_T_IPV4 },
						{ UP_F_VRF, DP_T_U16 }, { UP_F_SPORT, DP_T_U16 },
						{ UP_F_MTU, DP_T_U16, 9600 }, { UP_F_DSCP, DP_T_U8, UP_DSCP_COPY } } },
		[UP_PEER_GTPU6] = { UP_A_GTPU6, 6, { { UP_F_SRC, DP_T_IPV6 }, { UP_F_DST, DP_T_IPV6 }, { UP_F_VRF, DP_T_U16 },
						  { UP_F_SPORT, DP_T_U16 }, { UP_F_MTU, DP_T_U16, 9600 },
						  { UP_F_DSCP, DP_T_U8, UP_DSCP_COPY } } },
		[UP_PEER_NONE] = { UP_A_NONE, 0, {} },
	},
	.default_action = UP_PEER_NONE, .next_table = "neigh",
};

static int bad_ohr, bad_urr, bad_peer, bad_far, bad_session, bad_app, bad_eth, bad_tag, bad_redirect;   /* table.write result codes */

static bool
uplink_table(int table)
{
	return table == pl_up.sess_ul || table == pl_up.term_ul;
}

static bool
far_table(int table)
{
	return uplink_table(table) || up_dl_session_table(table) || table == pl_up.term_dl;
}

/* A FAR of action a: 0 or why not. Only a tunnel (fwd_n9, encap_n3) names
 * a peer (1..), TEID (1..: 0 is signalling's) and QFI; only what forwards
 * (those and fwd_n6) is metered and counted. */
static int
far_check(bool uplink, uint16_t a, const struct up_term *t)
{
	bool tunnel = a == (uplink ? UP_UL_FWD_N9 : UP_DL_ENCAP_N3);
	bool redirect = uplink && a == UP_UL_REDIRECT;
	bool fwd = tunnel || redirect || (uplink && (a == UP_UL_FWD_N6 || a == UP_UL_BRIDGE));

	if (t->urr > up_urr_max)
		return bad_urr;
	if (redirect)   /* its teid is the redirects id: one (1..), and no tunnel */
		return t->teid == 0 ? bad_redirect : t->peer || t->qfi ? bad_far : 0;
	if (tunnel ? t->peer == 0 || t->teid == 0 : t->peer || t->teid || t->qfi)
		return tunnel ? bad_peer : bad_far;
	if (!fwd && (t->meter || t->urr || t->threshold))
		return bad_far;
	return 0;
}

/* An IPv6 tunnel endpoint: routable unicast (not unspecified, loopback,
 * IPv4-mapped, multicast or link-local). */
static bool
unicast6(const uint8_t *a)
{
	return !pl_switch_ip6_reserved(a) && !pl_switch_ip6_mcast(a) && !pl_switch_ip6_ll(a);
}

/* An Ethernet PDU session's entry of action a in table tb: 0 or why not.
 * Frames come from N3 (sessions_uplink) and from the switch (sessions_eth),
 * never as IP packets (sessions_downlink(6), N9); uplink they are bridged
 * or dropped, not routed (fwd_n6) nor sent on over N9. */
static int
eth_check(int tb, uint16_t a)
{
	if (tb == pl_up.sess_eth)
		return 0;
	if (tb != pl_up.sess_ul || a == UP_UL_FWD_N6 || a == UP_UL_FWD_N9 || a == UP_UL_REDIRECT)
		return bad_eth;
	return 0;
}

/* A sessions_uplink entry's inline app termination: 0 or why not. It is a
 * terminations_uplink entry's FAR, of a session that has apps (else never
 * read), of a frame's action where the session is an Ethernet PDU one. */
static int
inline_check(const struct up_session_ul *su)
{
	struct up_term t = up_session_app_far(su);

	if (su->app == 0)
		return su->app_action || su->app_meter || su->app_teid || su->app_urr || su->app_peer || su->app_qfi ?
		       bad_app : 0;
	if (!(su->s.flags & UP_SF_APPS))
		return bad_app;
	if ((su->s.flags & UP_SF_ETH) && su->app_action != UP_UL_BRIDGE && su->app_action != UP_UL_DROP)
		return bad_eth;
	return far_check(true, su->app_action, &t);
}

/* An eth_applications tag field (key and mask at off) that a frame's can
 * match: a value of UP_TAG_PRESENT and a TCI, no more, and no TCI asked of
 * a frame without the tag. (A mask above them is harmless: a scalar is
 * all ones.) */
static bool
tag_ok(const struct dp_update *x, unsigned int off)
{
	uint32_t m = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(x->mask + off));
	uint32_t v = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(x->key + off)) & m;

	if (v & ~(UP_TAG_PRESENT | 0xffffu))
		return false;
	return !(m & UP_TAG_PRESENT) || (v & UP_TAG_PRESENT) || (v & 0xffffu) == 0;
}

/* What the declarations cannot say of one entry. */
static void
up_check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE || x->type == DP_UPD_DEFAULT || res[i] != 0)
			continue;
		if (x->table == pl_up.eth_apps) {
			if (!tag_ok(x, pl_up_eapp_off[UP_EAPP_CTAG]) || !tag_ok(x, pl_up_eapp_off[UP_EAPP_STAG]))
				res[i] = bad_tag;
			continue;
		}
		if (far_table(x->table)) {
			const struct up_session *ss = (const struct up_session *)x->params;
			bool term = x->table == pl_up.term_ul || x->table == pl_up.term_dl;

			if ((res[i] = far_check(uplink_table(x->table), x->action, (const struct up_term *)x->params)))
				continue;
			/* frames: an Ethernet PDU session's (bridge implies it) or an
			 * app's of one (terminations_uplink: the session's own entry
			 * says what it is) */
			if (!term && (ss->flags & UP_SF_ETH) && (res[i] = eth_check(x->table, x->action)))
				continue;
			if (x->table == pl_up.sess_ul && (res[i] = inline_check((const struct up_session_ul *)x->params)))
				continue;
			if (term) {
				if (x->key[4] == 0 && x->key[5] == 0)
					res[i] = bad_app;
			} else if (x->table != pl_up.sess_dl && x->table != pl_up.sess_dl6 && x->table != pl_up.sess_eth) {
				if (ss->ohr != UP_OHR_GTPU_IPV4 && ss->ohr != UP_OHR_GTPU_IPV6 && ss->ohr != UP_OHR_GTPU_IP)
					res[i] = bad_ohr;
				else if (ss->slice == 0)
					res[i] = bad_session;
			}
		} else if (x->table == pl_up.peers && x->action == UP_PEER_GTPU) {
			const struct up_peer *p = (const struct up_peer *)x->params;

			if (p->src == 0 || p->dst == 0 || p->gw == 0)
				res[i] = bad_peer;
		} else if (x->table == pl_up.peers && x->action == UP_PEER_GTPU6) {
			const struct up_peer6 *p = (const struct up_peer6 *)x->params;

			if (!unicast6(p->src) || !unicast6(p->dst))
				res[i] = bad_peer;
		}
	}
}

static void
terms_done(const struct dp_update *d, unsigned int n, const int *res)
{
	up_urr_written(d, n, res);
	up_buf_written(d, n, res);
}

static struct dp_table_deriver terms_watch = { .expand = up_buf_expand, .done = terms_done };

/* The own-address set follows upf_interfaces (up_own.h). Our GTP-U
 * endpoints are the box's own addresses: where a port shares its NIC with
 * the kernel (dp_xdp.h), their GTP-U, ICMP and ARP (ICMPv6 and NDP) are
 * claimed for sxdp, as upf_interfaces(6) says after each write (host routes
 * only: a prefix of endpoints is claimed address by address by its owner). */
static const struct dp_xdp_claim endpoint_traffic[] = {
	{ IPPROTO_UDP, GTPU_UDP_PORT }, { IPPROTO_ICMP, 0 }, { DP_XDP_RESOLVE, 0 },
}, endpoint_traffic6[] = {
	{ IPPROTO_UDP, GTPU_UDP_PORT }, { IPPROTO_ICMPV6, 0 }, { DP_XDP_RESOLVE, 0 },
};

static void
ifaces_done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool changed = false;

	for (unsigned int i = 0; i < n; i++)
		changed |= d[i].table == pl_up.ifaces && res[i] == 0;
	if (changed && up_own_rebuild() < 0)
		DP_LOG(ERR, "upf: no memory for the own-address set: it keeps the last one");
	for (unsigned int i = 0; i < n; i++) {
		bool v6 = d[i].table == pl_up.ifaces6, mine;
		struct dp_entry_view ev;

		if ((d[i].table != pl_up.ifaces && !v6) || res[i] != 0 || d[i].type == DP_UPD_DEFAULT ||
		    d[i].plen != (v6 ? 128 : 32))
			continue;
		mine = dp_table_get(&d[i], &ev) == 0 && (ev.action == UP_IF_N3 || ev.action == UP_IF_N9);
		dp_xdp_steer_set("upf", v6 ? AF_INET6 : AF_INET, d[i].key, v6 ? endpoint_traffic6 : endpoint_traffic,
				 v6 ? RTE_DIM(endpoint_traffic6) : RTE_DIM(endpoint_traffic), mine);
	}
}

static struct dp_table_deriver ifaces_watch = { .done = ifaces_done };

/* The switch's interfaces, where GTP-U to our endpoints may arrive (up_own.h). */
static struct dp_table_deriver vlans_watch = { .done = up_vlans_written };

/* URR ids: one for every entry of the tables whose entries name one. */
static uint32_t
urr_room(void)
{
	const int t[] = { pl_up.sess_ul, pl_up.sess_n9, pl_up.sess_dl, pl_up.sess_dl6, pl_up.sess_eth, pl_up.term_ul,
			  pl_up.term_dl };
	uint32_t n = 0;

	for (unsigned int i = 0; i < RTE_DIM(t); i++)
		n += dp_table_def((unsigned int)t[i])->size;
	return n;
}

static int
up_init(unsigned int workers)
{
	const struct dp_table_spec tables[] = {
		{ &ifaces_def, &pl_up.ifaces, 32 }, { &ifaces6_def, &pl_up.ifaces6, 32 }, { &slices_def, &pl_up.slices, 16 },
		{ &sess_ul_def, &pl_up.sess_ul, 16 }, { &sess_n9_def, &pl_up.sess_n9, 16 },
		{ &sess_dl_def, &pl_up.sess_dl, 16 }, { &sess_dl6_def, &pl_up.sess_dl6, 16 },
		{ &apps_def, &pl_up.apps, UP_APP_ROOM }, { &apps6_def, &pl_up.apps6, UP_APP6_ROOM },
		{ &term_ul_def, &pl_up.term_ul, 16 }, { &term_dl_def, &pl_up.term_dl, 16 },
		{ &peers_def, &pl_up.peers, 16 }, { &sess_eth_def, &pl_up.sess_eth, 16 },
		{ &members_def, &pl_up.members, 16 }, { &eth_apps_def, &pl_up.eth_apps, UP_EAPP_ROOM },
		{ &sess_ra_def, &pl_up.sess_ra, 16 }, { &redirects_def, &pl_up.redirects, 16 },
	};
	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "sx_upf_meta", .size = sizeof(struct up_meta), .align = __alignof__(struct up_meta),
	}, sess_desc = {
		.name = "sx_upf_sess", .size = sizeof(void *), .align = __alignof__(void *),
	};
	int rc;

	if ((rc = dp_reasons_register(up_drop_reasons, UP_DROP_N, up_event_reasons, UP_EVENT_N,
				      &pl_up_drop_base, &pl_up_event_base)) < 0)
		return rc;
	if ((pl_up_sess_off = rte_mbuf_dynfield_register(&sess_desc)) < 0 ||
	    (pl_up_meta_off = rte_mbuf_dynfield_register(&meta_desc)) < 0) {
		DP_LOG(ERR, "upf: per-packet field: %s", rte_strerror(rte_errno));
		rte_mbuf_dyn_dump(stderr);
		return -rte_errno;
	}
	if ((rc = up_gtpu_init()) < 0) {
		DP_LOG(ERR, "upf: GTP-U's field or UDP port %u's parser: %s", GTPU_UDP_PORT, strerror(-rc));
		return rc;
	}
	if ((rc = dp_feature_tables("upf", tables, RTE_DIM(tables))) < 0)
		return rc;
	/* the params the stages overlay are where the engine lays them out */
	if (dp_table_param_off(pl_up.ifaces, UP_IF_N3, 1) != offsetof(struct up_iface, id) ||
	    dp_table_param_off(pl_up.ifaces, UP_IF_N9, 3) != offsetof(struct up_iface, misses) ||
	    dp_table_param_off(pl_up.ifaces6, UP_IF_N3, 2) != offsetof(struct up_iface, echo_s) ||
	    dp_table_param_off(pl_up.ifaces, UP_IF_N3, 4) != offsetof(struct up_iface, held_bd) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_FWD_N9, 5) != offsetof(struct up_session, qfi) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_DROP, 6) != offsetof(struct up_session, ohr) ||
	    dp_table_param_off(pl_up.sess_n9, UP_DL_BUFFER, 7) != offsetof(struct up_session, id) ||
	    dp_table_param_off(pl_up.sess_dl, UP_DL_NOTIFY, 11) != offsetof(struct up_session, flags) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_FWD_N6, 12) != offsetof(struct up_session, flags) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_BRIDGE, 13) != offsetof(struct up_session, flags) ||
	    dp_table_param_off(pl_up.term_ul, UP_UL_FWD_N6, 3) != offsetof(struct up_term, urr) ||
	    dp_table_param_off(pl_up.term_dl, UP_DL_ENCAP_N3, 2) != offsetof(struct up_term, threshold) ||
	    dp_table_param_off(pl_up.term_dl, UP_DL_ENCAP_N3, 5) != offsetof(struct up_term, qfi) ||
	    dp_table_param_off(pl_up.peers, UP_PEER_GTPU, 6) != offsetof(struct up_peer, dscp) ||
	    dp_table_param_off(pl_up.peers, UP_PEER_GTPU6, 5) != offsetof(struct up_peer6, dscp) ||
	    dp_table_param_off(pl_up.sess_ra, UP_RA, 1) != offsetof(struct up_ra, router) ||
	    dp_table_param_off(pl_up.sess_ra, UP_RA, 2) != offsetof(struct up_ra, mtu) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_REDIRECT, 1) != offsetof(struct up_term, teid) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_REDIRECT, 13) != offsetof(struct up_session, flags) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_FWD_N6, 14) != offsetof(struct up_session_ul, app) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_REDIRECT, 15) != offsetof(struct up_session_ul, app_action) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_DROP, 16) != offsetof(struct up_session_ul, app_meter) ||
	    dp_table_param_off(pl_up.sess_ul, UP_UL_FWD_N9, 20) != offsetof(struct up_session_ul, app_qfi) ||
	    dp_table_param_off(pl_up.term_ul, UP_UL_REDIRECT, 3) != offsetof(struct up_term, urr) ||
	    dp_table_param_off(pl_up.redirects, UP_REDIR_DNS, 1) != offsetof(struct up_redir_dns, v6))
		return -EINVAL;
	{
		/* what sxcd writes as an inline app termination's action */
		const char *const ul_names[] = UP_UL_ACTION_NAMES;

		RTE_BUILD_BUG_ON(RTE_DIM(ul_names) != UP_UL_NONE);
		for (unsigned int a = 0; a < RTE_DIM(ul_names); a++)
			if (strcmp(sess_ul_def.actions[a].name, ul_names[a]) != 0)
				return -EINVAL;
	}
	for (unsigned int f = 0; f < UP_APP_FIELDS; f++) {
		pl_up_app_off[f] = (uint8_t)dp_table_field_off((unsigned int)pl_up.apps, f);
		pl_up_app6_off[f] = (uint8_t)dp_table_field_off((unsigned int)pl_up.apps6, f);
	}
	for (unsigned int f = 0; f < UP_EAPP_FIELDS; f++)
		pl_up_eapp_off[f] = (uint8_t)dp_table_field_off((unsigned int)pl_up.eth_apps, f);
	pl_up_dl6_slice_off = (uint8_t)dp_table_field_off((unsigned int)pl_up.sess_dl6, 0);
	pl_up_dl6_ue_off = (uint8_t)dp_table_field_off((unsigned int)pl_up.sess_dl6, 1);
	bad_ohr = dp_tblrpc_reason_add("bad_ohr", "outer header removal must be 0 (GTP-U/UDP/IPv4), "
				       "1 (GTP-U/UDP/IPv6) or 6 (GTP-U/UDP/IP)");
	bad_urr = dp_tblrpc_reason_add("bad_urr", "a URR id beyond the box's URR counters");
	bad_peer = dp_tblrpc_reason_add("bad_peer", "a tunnel needs a peer (1..) and a TEID (1..); a peer needs "
					"src, dst and gw (IPv6: routable unicast src and dst)");
	bad_far = dp_tblrpc_reason_add("bad_far", "only fwd_n9 and encap_n3 name a peer, TEID and QFI; only what "
				       "forwards (or redirects) has a meter, URR or threshold");
	bad_session = dp_tblrpc_reason_add("bad_session", "an uplink or N9 session needs its slice (1..)");
	bad_app = dp_tblrpc_reason_add("bad_app", "app 0 is the session entry's own termination; a sessions_uplink "
				       "entry's inline app (app 1..) is of a session with apps: 1, and its app_* "
				       "params are nothing without it");
	bad_eth = dp_tblrpc_reason_add("bad_eth", "an Ethernet PDU session (eth: 1) is a sessions_uplink entry "
				       "whose frames are bridged or dropped (not fwd_n6, fwd_n9), or a sessions_eth "
				       "one; its frames are never of N9 or sessions_downlink(6)");
	bad_tag = dp_tblrpc_reason_add("bad_tag", "an eth_applications ctag or stag is UP_TAG_PRESENT (0x10000) "
				       "| TCI, or 0 for no tag: no bit above, and no TCI asked of no tag");
	bad_redirect = dp_tblrpc_reason_add("bad_redirect", "a redirect termination names its redirects entry "
					    "(redirect 1..), and no peer or QFI");
	if (bad_ohr == -ENOSPC || bad_urr == -ENOSPC || bad_peer == -ENOSPC || bad_far == -ENOSPC ||
	    bad_session == -ENOSPC || bad_app == -ENOSPC || bad_eth == -ENOSPC || bad_tag == -ENOSPC ||
	    bad_redirect == -ENOSPC ||
	    (rc = dp_tblrpc_check_add(up_check)) < 0)
		return -ENOSPC;
	terms_watch.sources = 1ull << pl_up.term_ul | 1ull << pl_up.term_dl | 1ull << pl_up.sess_ul |
			      1ull << pl_up.sess_n9 | 1ull << pl_up.sess_dl | 1ull << pl_up.sess_dl6 |
			      1ull << pl_up.sess_eth;
	ifaces_watch.sources = 1ull << pl_up.ifaces | 1ull << pl_up.ifaces6;
	vlans_watch.sources = 1ull << pl_sw.interfaces;
	{
		/* the meters a table names: sessions' MBR where they forward, their
		 * AMBR whatever their own action (it meters their terminations'
		 * packets too), terminations' MBR, slices' */
		const struct { int table; uint16_t action; unsigned int off; } refs[] = {
			{ pl_up.sess_ul, UP_UL_FWD_N6, offsetof(struct up_session, meter) },
			{ pl_up.sess_ul, UP_UL_FWD_N9, offsetof(struct up_session, meter) },
			{ pl_up.sess_ul, UP_UL_BRIDGE, offsetof(struct up_session, meter) },
			{ pl_up.sess_ul, UP_UL_REDIRECT, offsetof(struct up_session, meter) },
			{ pl_up.sess_n9, UP_DL_ENCAP_N3, offsetof(struct up_session, meter) },
			{ pl_up.sess_dl, UP_DL_ENCAP_N3, offsetof(struct up_session, meter) },
			{ pl_up.sess_dl6, UP_DL_ENCAP_N3, offsetof(struct up_session, meter) },
			{ pl_up.sess_eth, UP_DL_ENCAP_N3, offsetof(struct up_session, meter) },
			{ pl_up.term_ul, UP_UL_FWD_N6, offsetof(struct up_term, meter) },
			{ pl_up.term_ul, UP_UL_FWD_N9, offsetof(struct up_term, meter) },
			{ pl_up.term_ul, UP_UL_REDIRECT, offsetof(struct up_term, meter) },
			{ pl_up.term_dl, UP_DL_ENCAP_N3, offsetof(struct up_term, meter) },
			{ pl_up.slices, UP_SLICE, offsetof(struct up_slice, meter) },
		};
		const int dl[] = { pl_up.sess_n9, pl_up.sess_dl, pl_up.sess_dl6, pl_up.sess_eth };

		for (uint16_t a = 0; a < UP_UL_NONE; a++)
			if ((rc = pl_qos_meter_ref(pl_up.sess_ul, a, offsetof(struct up_session, ambr))) < 0 ||
			    (rc = pl_qos_meter_ref(pl_up.sess_ul, a, offsetof(struct up_session_ul, app_meter))) < 0)
				return rc;
		for (unsigned int t = 0; t < RTE_DIM(dl); t++)
			for (uint16_t a = 0; a < UP_DL_NONE; a++)
				if ((rc = pl_qos_meter_ref(dl[t], a, offsetof(struct up_session, ambr))) < 0)
					return rc;
		for (unsigned int i = 0; i < RTE_DIM(refs); i++)
			if ((rc = pl_qos_meter_ref(refs[i].table, refs[i].action, refs[i].off)) < 0)
				return rc;
	}
	up_in_init();
	if ((rc = dp_table_deriver_add(&terms_watch)) < 0 || (rc = dp_table_deriver_add(&ifaces_watch)) < 0 ||
	    (rc = dp_table_deriver_add(&vlans_watch)) < 0 ||
	    (rc = up_urr_init(workers, urr_room())) < 0 ||
	    (rc = up_buf_init()) < 0 || (rc = up_macs_init()) < 0 || (rc = up_event_init()) < 0 || (rc = up_encap_init(workers)) < 0 ||
	    (rc = up_path_init()) < 0 || (rc = up_own_init()) < 0 ||
	    (rc = up_term_init(workers)) < 0 || (rc = up_own_rebuild()) < 0 || (rc = up_redir_init()) < 0)
		return rc;
	return 0;
}

/* An end marker from the anchor on N9 (TS 23.502 4.9.1.2.2: the anchor's
 * path to this intermediate UPF switched): passed on down the session's
 * path to the gNB, as the last packet on it, when its downlink goes there. */
static void
relay_end_marker(uint16_t iface, uint32_t teid)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;
	const struct up_term *t;

	up_session_key(k, iface, teid);
	e = dp_table_find((unsigned int)pl_up.sess_n9, k);
	if (e == NULL || e->action != UP_DL_ENCAP_N3)
		return;
	t = (const struct up_term *)e->params;
	if (up_end_marker_send(t->peer, t->teid) == 0)
		dp_slow_event(UP_EVENT(end_marker_relayed));
}

/* GTP-U signalling a peer sent us: an error indication (the peer lost the
 * tunnel named: the control side decides) or an end marker is reported;
 * all of it is taken in (consumed). */
static void
signalling(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const uint8_t *g = rte_pktmbuf_mtod_offset(m, const uint8_t *, up_gtpu_hdr_off(md));
	uint32_t len = rte_pktmbuf_data_len(m) - up_gtpu_hdr_off(md);
	uint8_t msg = up_gtpu(m)->msg;
	struct gtp_info gi;
	struct gtp_ies ies;
	struct up_event ev = { .teid = md->tun_key };
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, md->l3_off);

	if (md->flags & DP_MF_IPV6) {
		ev.peer_len = 16;
		memcpy(ev.peer, l3 + offsetof(struct rte_ipv6_hdr, src_addr), 16);
	} else {
		ev.peer_len = 4;
		memcpy(ev.peer, l3 + offsetof(struct rte_ipv4_hdr, src_addr), 4);
	}
	if (msg == GTPU_MSG_ERROR_IND && gtp_parse(g, len, &gi) == 0 &&
	    gtp_parse_ies(g, len, &gi, &ies) == 0 && ies.has_teid_data) {
		ev.type = UP_EV_ERROR_IND;
		ev.teid = ies.teid_data;
		up_event_post(&ev);
		dp_slow_event(UP_EVENT(error_ind_rx));
	} else if (msg == GTPU_MSG_ECHO_RSP && gtp_parse(g, len, &gi) == 0 && gtp_parse_ies(g, len, &gi, &ies) == 0) {
		up_path_echo_rsp(ev.peer, ev.peer_len, gi.has_seq ? gi.seq : 0, ies.has_recovery ? ies.recovery : -1);
	} else if (msg == GTPU_MSG_END_MARKER) {
		ev.type = UP_EV_END_MARKER;
		up_event_post(&ev);
		if (md->out_port == UP_IF_N9)
			relay_end_marker((uint16_t)md->tunnel, md->tun_key);
	}
	dp_slow_event(UP_EVENT(consumed));
	rte_pktmbuf_free(m);
}

static int
up_slowpath(struct rte_mbuf *m)
{
	switch (dp_meta(m)->punt) {
	case UP_PUNT_UNRESOLVED:
		up_encap_unresolved(m);
		break;
	case UP_PUNT_BUFFER:
		up_buf_hold(m, false);
		break;
	case UP_PUNT_NOTIFY:
		up_buf_hold(m, true);
		break;
	case UP_PUNT_SIGNAL:
		signalling(m);
		break;
	case UP_PUNT_TOO_BIG:
		up_encap_too_big(m);
		break;
	default:
		dp_slow_drop(m, UP_DROP(no_slowpath));
		break;
	}
	return -1;
}

static void
up_poll(uint64_t now_tsc)
{
	up_urr_poll(now_tsc);
	up_buf_poll(now_tsc);
	up_path_poll(now_tsc);
}

static void
up_fini(void)
{
	up_gtpu_fini();
	up_buf_fini();
	up_encap_fini();
	up_path_fini();
	up_term_fini();
	up_urr_fini();
	up_own_fini();
}

static const struct dp_feature pl_upf_feature = {
	.name = "upf",
	.description = "5G user plane with an uplink classifier: GTP-U on N3/N9 to the box's endpoints "
		       "(sessions by TEID), uplink broken out into the slice's VRF or sent on to an "
		       "anchor over N9 by application, downlink from the local DN and from N9 merged "
		       "into the session's N3 tunnel; QERs are qos meters, URRs per termination",
	.needs = { "switch", "qos" },
	.init = up_init,
	.n_stages = 5,
	.stages = {
		{ "upf.in", pl_upf_in_burst, { "switch.ingress", "upf.ul", "upf.dl",
			"switch.l3", "switch.l3v6", "switch.l2" } },
		{ "upf.ul", pl_upf_ul_burst, { "switch.l3", "switch.l3v6", "switch.l2", "upf.dl" } },
		{ "upf.n6", pl_upf_n6_burst, { "upf.dl" } },
		{ "upf.eth", pl_upf_eth_burst, { "upf.dl" } },
		{ "upf.dl", pl_upf_dl_burst, { "switch.l3v6" } },
	},
	/* a route of action "upf" (a UE pool) in a slice's VRF: our downlink;
	 * the switch's attached endpoints: Ethernet PDU sessions' */
	.attach = {
		{ "switch.l3", "route", "upf.n6" },
		{ "switch.l3v6", "route", "upf.n6" },
		{ "switch.l2", "session", "upf.eth" },
	},
	.slowpath = up_slowpath,
	.ctl_poll = up_poll,
	.fini = up_fini,
};

DP_FEATURE_REGISTER(pl_upf_feature)
