/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's table, field and action names, as its datapath declares them and sxcd's upf compile writes them. */
/* One declaration for both planes; fields are named once whatever table has them. */
#ifndef UP_NAMES_H
#define UP_NAMES_H

/* tables */
#define UP_T_INTERFACES		 "upf_interfaces"
#define UP_T_INTERFACES6	 "upf_interfaces6"
#define UP_T_SLICES		 "upf_slices"
#define UP_T_SESSIONS_UPLINK	 "sessions_uplink"
#define UP_T_SESSIONS_N9_DOWNLINK "sessions_n9_downlink"
#define UP_T_SESSIONS_DOWNLINK	 "sessions_downlink"
#define UP_T_SESSIONS_DOWNLINK6	 "sessions_downlink6"
#define UP_T_APPLICATIONS	 "applications"
#define UP_T_APPLICATIONS6	 "applications6"
#define UP_T_ETH_APPLICATIONS	 "eth_applications"	/* Ethernet PDU sessions' apps: MACs, Ethertype, tags */
#define UP_T_TERMINATIONS_UPLINK "terminations_uplink"
#define UP_T_TERMINATIONS_DOWNLINK "terminations_downlink"
#define UP_T_TUNNEL_PEERS	 "tunnel_peers"
#define UP_T_SESSIONS_ETH	 "sessions_eth"	/* an Ethernet PDU session's downlink, by session */
#define UP_T_LAN_MEMBERS	 "lan_members"	/* a 5G LAN group's sessions, by (bd, slot) */
#define UP_T_SESSIONS_RA	 "sessions_ra"	/* an IPv6 session's Router Advertisement, by session */
#define UP_T_REDIRECTS		 "redirects"	/* a redirect termination's answer (HTTP 302, DNS), by id */

/* fields: matches and params */
#define UP_F_DST       "dst"	/* an interface's prefix; a peer's far end */
#define UP_F_SLICE     "slice"
#define UP_F_ID	       "id"
#define UP_F_METER     "meter"
#define UP_F_IFACE     "iface"
#define UP_F_TEID      "teid"
#define UP_F_UE	       "ue"
#define UP_F_THRESHOLD "threshold"
#define UP_F_URR       "urr"
#define UP_F_PEER      "peer"
#define UP_F_QFI       "qfi"
#define UP_F_OHR       "ohr"
#define UP_F_AMBR      "ambr"
#define UP_F_APPS      "apps"
#define UP_F_ANY_SRC   "any_src"
#define UP_F_ETH       "eth"	/* a session entry's: an Ethernet PDU session (its T-PDUs are frames) */
#define UP_F_ECHO_S    "echo_s"
#define UP_F_MISSES    "misses"
#define UP_F_HELD_BD   "held_bd"
#define UP_F_APP       "app"
#define UP_F_REMOTE    "remote"
#define UP_F_LOCAL     "local"	/* eth_applications: the UE side's MAC */
#define UP_F_ETHERTYPE "ethertype"
#define UP_F_CTAG      "ctag"	/* eth_applications: UP_TAG_PRESENT | TCI of a C-TAG, 0: none */
#define UP_F_STAG      "stag"	/* the same of an S-TAG */
#define UP_F_PORT      "port"
#define UP_F_PROTO     "proto"
#define UP_F_SRC       "src"
#define UP_F_GW	       "gw"
#define UP_F_VRF       "vrf"
#define UP_F_SPORT     "sport"
#define UP_F_MTU       "mtu"
#define UP_F_DSCP      "dscp"
#define UP_F_BD	       "bd"
#define UP_F_SLOT      "slot"
#define UP_F_SESSION   "session"
#define UP_F_PREFIX    "prefix"	/* sessions_ra: the session's /64 */
#define UP_F_ROUTER    "router"	/* sessions_ra: the link-local address the RA comes from */
#define UP_F_REDIRECT  "redirect"	/* an uplink redirect termination's redirects id */
/* a sessions_uplink entry's one app termination, inline (up_state.h) */
#define UP_F_APP_ACTION "app_action"
#define UP_F_APP_METER "app_meter"
#define UP_F_APP_TEID  "app_teid"
#define UP_F_APP_URR   "app_urr"
#define UP_F_APP_PEER  "app_peer"
#define UP_F_APP_QFI   "app_qfi"
#define UP_F_URL       "url"	/* redirects http: the 302's Location */
#define UP_F_V4	       "v4"	/* redirects dns: the A answer (absent: none) */
#define UP_F_V6	       "v6"	/* redirects dns: the AAAA answer (absent: none) */

/* An eth_applications tag field's value: a tag there (its TCI in the low
 * 16 bits: PCP, DEI, VID), so that a mask can ask for "none" (0/1 << 16),
 * "any" (0/0) or a VID (UP_TAG_PRESENT | vid / UP_TAG_PRESENT | 0xfff). */
#define UP_TAG_PRESENT 0x10000u

/* actions */
#define UP_A_N3	      "n3"	/* upf_interfaces, upf_interfaces6 */
#define UP_A_N9	      "n9"
#define UP_A_N6	      "n6"
#define UP_A_SLICE    "slice"	/* upf_slices */
#define UP_A_FWD_N6   "fwd_n6"	/* the uplink tables */
#define UP_A_FWD_N9   "fwd_n9"
#define UP_A_BRIDGE   "bridge"	/* an Ethernet PDU session's frames into its slice's bridge domain */
#define UP_A_ENCAP_N3 "encap_n3"	/* the downlink tables */
#define UP_A_BUFFER   "buffer"
#define UP_A_NOTIFY   "notify"
#define UP_A_DROP     "drop"
#define UP_A_APP      "app"	/* applications */
#define UP_A_GTPU     "gtpu"	/* tunnel_peers */
#define UP_A_GTPU6    "gtpu6"
#define UP_A_NONE     "none"
#define UP_A_MEMBER   "member"	/* lan_members */
#define UP_A_RA       "ra"	/* sessions_ra */
#define UP_A_REDIRECT "redirect"	/* the uplink tables: answered by the UPF (redirects) */
/* the uplink actions in their numbers' order: a sessions_uplink entry's
 * app_action, its inline app termination's action, is one's index */
#define UP_UL_ACTION_NAMES { UP_A_FWD_N6, UP_A_FWD_N9, UP_A_DROP, UP_A_BRIDGE, UP_A_REDIRECT }
#define UP_A_HTTP     "http"	/* redirects: TCP answered, a request with a 302 to url */
#define UP_A_DNS      "dns"	/* redirects: DNS queries answered with v4 / v6 */
/* The switch's routes and routes6 into the UPF (a UE pool): sxdp names that
 * action after the feature attached to switch.l3's "route" edge, the upf. */
#define UP_A_ROUTE    "upf"

/* The link-local address sessions' Router Advertisements come from (each
 * session is a link of its own: one address serves them all). */
#define UP_RA_ROUTER  "fe80::1"

/* redirects: ids 1..UP_REDIRECT_MAX; a 302's Location, at most this long
 * (the str param fills a wide entry's params) */
#define UP_REDIRECT_MAX     4095
#define UP_REDIRECT_URL_MAX 100

#endif
