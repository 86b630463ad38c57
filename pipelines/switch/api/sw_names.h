/* SPDX-License-Identifier: BSD-3-Clause */
/* The switch's table, field and action names, as its datapath declares them and its control part writes them. */
/*
 * One declaration for both planes, so the control side is checked by the
 * compiler, not at run time against sxdp's declarations. Fields are named
 * once whatever table has them (bd is the bridge domain's everywhere).
 */
#ifndef SW_NAMES_H
#define SW_NAMES_H

/* A link-local next hop names its link: fe80:BD::IID, the bridge domain
 * (1..SW_LL_BD_MAX) in the second group, or SW_LL_ANY for any link of the
 * VRF (where it answers first); sw_api.h's pl_switch_ll_scope. */
#define SW_LL_BD_MAX 4095
#define SW_LL_ANY    0xffff

/* tables */
#define SW_T_INTERFACES "interfaces"
#define SW_T_BD_PORTS	"bd_ports"
#define SW_T_FLOOD	"flood"
#define SW_T_FLOOD_MORE	"flood_more"	/* a flood list past t0..t7 */
#define SW_T_FDB	"fdb"
#define SW_T_ROUTES	"routes"
#define SW_T_NEXTHOPS	"nexthops"
#define SW_T_NEIGH	"neigh"
#define SW_T_SVI	"svi"
#define SW_T_ROUTES6	"routes6"
#define SW_T_NEIGH6	"neigh6"
#define SW_T_SVI6	"svi6"
#define SW_T_HOSTS	"hosts"

/* fields: matches and params */
#define SW_F_IN_PORT "in_port"
#define SW_F_VLAN    "vlan"
#define SW_F_SLICE   "slice"
#define SW_F_BD	     "bd"
#define SW_F_METER   "meter"
#define SW_F_PORT    "port"
#define SW_F_PORTS   "ports"	/* a flood entry's port mask */
#define SW_F_TUNNEL  "tunnel"
#define SW_F_MAC     "mac"
#define SW_F_VRF     "vrf"
#define SW_F_DST     "dst"
#define SW_F_IP	     "ip"
#define SW_F_PLEN    "plen"
#define SW_F_HELD    "held"	/* a gateway an election holds (sw_api.h) */
/* a held fdb route_held entry's "held": whose gateway's MAC it is */
/* SW_HELD_ELECTED: a bit of pl_sw_held alone: the domain's gateway is held */
enum { SW_HELD_NONE, SW_HELD_V4, SW_HELD_V6, SW_HELD_ELECTED };
#define SW_F_NH	     "nh"
#define SW_F_N	     "n"	/* an ECMP route's next hops */
#define SW_F_NH_FMT  "nh%d"	/* nh0.. */
#define SW_F_NH_N(i) "nh" #i	/* ... as the datapath declares them: SW_F_NH_N(0) */
#define SW_F_T_FMT   "t%d"	/* a flood entry's tunnels, t0..t7 */
#define SW_F_T_N(i)  "t" #i
#define SW_F_MORE    "more"	/* a flood entry's count of flood_more entries */
#define SW_F_INDEX   "index"	/* a flood_more entry's place in its list */
#define SW_F_DMAC    "dmac"
#define SW_F_SMAC    "smac"
#define SW_F_ID	     "id"

/* actions */
#define SW_A_ATTACH	"attach"	/* interfaces */
#define SW_A_ROUTED	"routed"	/* interfaces: a routed port */
#define SW_A_HOST	"host"		/* interfaces: a VRF's kernel twin */
#define SW_A_TWIN	"twin"		/* hosts */
#define SW_A_MEMBER	"member"	/* bd_ports */
#define SW_A_FLOOD	"flood"		/* flood */
#define SW_A_FORWARD	"forward"	/* fdb */
#define SW_A_LEARNED	"learned"
#define SW_A_TUNNEL_LEARNED "tunnel_learned"	/* fdb, neigh, neigh6 */
#define SW_A_RESOLVED	"resolved"	/* nexthops */
#define SW_A_RESOLVED6	"resolved6"
#define SW_A_TUNNEL6	"tunnel6"	/* nexthops */
#define SW_A_UNRESOLVED	"unresolved"	/* nexthops, neigh, neigh6 */
#define SW_A_UNRESOLVED6 "unresolved6"
#define SW_A_ROUTE	"route"
#define SW_A_ROUTE_HELD	"route_held"	/* fdb: the router MAC of a held gateway (sw_api.h) */
#define SW_A_TUNNEL	"tunnel"
#define SW_A_DROP	"drop"		/* interfaces, fdb, routes */
#define SW_A_VIA	"via"		/* routes, routes6 */
#define SW_A_ECMP	"ecmp"
#define SW_A_CONNECTED	"connected"
#define SW_A_LOCAL	"local"
#define SW_A_UNREACHABLE "unreachable"
#define SW_A_REWRITE	"rewrite"	/* neigh, neigh6 */
#define SW_A_SVI	"svi"		/* svi */
#define SW_A_SVI6	"svi6"		/* svi6 */
#define SW_A_NONE	"none"

/* Attached endpoints (both planes name them): an id with SW_TUN_ATTACHED (fdb tunnel and
 * tunnel_learned, flood t0..t7 and flood_more) is no tunnel of the
 * "tunnel" feature but an endpoint of the feature attached to switch.l2's
 * open edge "session" (a UPF's Ethernet PDU session: its id in the low 24
 * bits); with SW_TUN_GROUP too, every such endpoint of the frame's bridge
 * domain (a 5G LAN group: that feature replicates, skipping the endpoint
 * the frame came from, sw_meta.from). A frame goes back into neither the
 * endpoint it came from (switch.hairpin) nor, from a tunnel, into another
 * tunnel (split horizon); between attached endpoints and tunnels it goes
 * both ways. */
#define SW_TUN_ATTACHED (1u << 31)
#define SW_TUN_GROUP    (1u << 30)
#define SW_TUN_ID_MASK  ((1u << 24) - 1)

/* table.config's */
#define SW_CFG_IDLE_TIMEOUT "idle_timeout_s"

#endif
