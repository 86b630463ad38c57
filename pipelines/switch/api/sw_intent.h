/* SPDX-License-Identifier: BSD-3-Clause */
/* The switch's intents (slices, SVIs, routes, MACs, neighbours): its kinds, inputs and views in the intent library. */
/*
 * Callers build a struct intent (intent_arg.h) with one of these kinds and
 * its argument (INTENT_OF) and drive it with intent.h. Upper features (the
 * overlay's tunnels) flood into a bridge domain through
 * sw_intent_flood_join/leave, from their own compile: the switch names
 * none of them. In api/: the upper features' intents and kinds (the
 * overlay's, the UPF's) include it.
 */
#ifndef SW_INTENT_H
#define SW_INTENT_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"

#define INTENT_FLOOD_PORTS   32	/* bits in a flood entry's port mask */
#define INTENT_FLOOD_TUNNELS 8	/* tunnels a flood entry names (t0..t7) */
#define INTENT_FLOOD_MORE_MAX 248	/* then its flood_more list: 256 peer sites in all */

/* IPv6 addresses, prefixes and next hops go to svi6, routes6 and neigh6.
 * The router MAC's fdb entry is shared by a BD's IPv4 and IPv6 SVIs, so
 * an SVI intent reads the other family's SVIs first. */
enum sw_intent_kind {
	SW_K_SLICE_ATTACH,
	SW_K_SLICE_DETACH,
	SW_K_SVI_ADD,
	SW_K_SVI_DEL,
	SW_K_ROUTE_ADD,
	SW_K_ROUTE_DEL,
	SW_K_MAC_ADD,
	SW_K_MAC_DEL,
	SW_K_NEIGH_ADD,
	SW_K_NEIGH_DEL,
	SW_KINDS
};
extern const struct intent_kind sw_intent_kinds[SW_KINDS];

/* slice attach: @port (a name, or a decimal index) @vlan (0: untagged)
 * into @slice and bridge domain @bd, metered by @meter (0: none); @how
 * NULL, or "routed": a routed port, @bd its own link, whose SVIs have the
 * port's MAC. slice detach: @port @vlan. */
struct sw_slice_arg {
	const char *port;
	json_int_t vlan, slice, bd, meter;
	const char *how;
};
#define INTENT_SLICE_ATTACH (&sw_intent_kinds[SW_K_SLICE_ATTACH])
#define INTENT_SLICE_DETACH (&sw_intent_kinds[SW_K_SLICE_DETACH])
INTENT_ARG(INTENT_SLICE_ATTACH, struct sw_slice_arg);
INTENT_ARG(INTENT_SLICE_DETACH, struct sw_slice_arg);

/* svi add: the gateway of @bd in @slice's VRF, @mac, @addr IP/PLEN (IPv4
 * PLEN 0..31, IPv6 1..127), @held by an election or not. svi del: @slice @bd, @ipv6: which of the BD's
 * SVIs. */
struct sw_svi_arg {
	json_int_t slice, bd;
	const char *mac, *addr;
	bool ipv6;
	bool held;	/* a gateway an election holds (sw_api.h): its MAC the router's virtual one */
};
#define INTENT_SVI_ADD (&sw_intent_kinds[SW_K_SVI_ADD])
#define INTENT_SVI_DEL (&sw_intent_kinds[SW_K_SVI_DEL])
INTENT_ARG(INTENT_SVI_ADD, struct sw_svi_arg);
INTENT_ARG(INTENT_SVI_DEL, struct sw_svi_arg);

/* route add: @prefix in @vrf, @how "via" 1 next hop, "ecmp" 2..4 (IPv6
 * 2), "drop" none, the next hops @nh[0..@n_nh-1]. route del: @vrf
 * @prefix. */
struct sw_route_arg {
	json_int_t vrf;
	const char *prefix;
	const char *how;
	const char *const *nh;
	int n_nh;
};
#define INTENT_ROUTE_ADD (&sw_intent_kinds[SW_K_ROUTE_ADD])
#define INTENT_ROUTE_DEL (&sw_intent_kinds[SW_K_ROUTE_DEL])
INTENT_ARG(INTENT_ROUTE_ADD, struct sw_route_arg);
INTENT_ARG(INTENT_ROUTE_DEL, struct sw_route_arg);

/* mac add: @mac in @bd forwarded to @port. mac del: @bd @mac. */
struct sw_mac_arg {
	json_int_t bd;
	const char *mac, *port;
};
#define INTENT_MAC_ADD (&sw_intent_kinds[SW_K_MAC_ADD])
#define INTENT_MAC_DEL (&sw_intent_kinds[SW_K_MAC_DEL])
INTENT_ARG(INTENT_MAC_ADD, struct sw_mac_arg);
INTENT_ARG(INTENT_MAC_DEL, struct sw_mac_arg);

/* neigh add: next hop @ip in @vrf, out @port @vlan to @dmac from @smac.
 * neigh del: @vrf @ip. */
struct sw_neigh_arg {
	json_int_t vrf;
	const char *ip;
	const char *port;
	json_int_t vlan;
	const char *dmac, *smac;
};
#define INTENT_NEIGH_ADD (&sw_intent_kinds[SW_K_NEIGH_ADD])
#define INTENT_NEIGH_DEL (&sw_intent_kinds[SW_K_NEIGH_DEL])
INTENT_ARG(INTENT_NEIGH_ADD, struct sw_neigh_arg);
INTENT_ARG(INTENT_NEIGH_DEL, struct sw_neigh_arg);

/* The switch's inputs (intent_input_register'd ids, 1..4). */
#define INTENT_IN_INTERFACES 1
#define INTENT_IN_FLOOD	     2
#define INTENT_IN_SVI	     3
#define INTENT_IN_SVI6	     4
#define INTENT_IN_FLOOD_MORE 11

/* The switch's tables sxctl lists, by VRF or bridge domain. */
enum sw_intent_view { SW_V_ROUTES, SW_V_FDB, SW_V_NEIGH, SW_V_ROUTES6, SW_V_NEIGH6, SW_VIEWS };
extern const struct intent_view sw_intent_views[SW_VIEWS];

#define INTENT_V_ROUTES	 (&sw_intent_views[SW_V_ROUTES])
#define INTENT_V_FDB	 (&sw_intent_views[SW_V_FDB])
#define INTENT_V_NEIGH	 (&sw_intent_views[SW_V_NEIGH])
#define INTENT_V_ROUTES6 (&sw_intent_views[SW_V_ROUTES6])
#define INTENT_V_NEIGH6	 (&sw_intent_views[SW_V_NEIGH6])

/*
 * Tunnel @tunnel into the first free slot of @bd's flood entry (t0..t7,
 * then its flood_more list, INTENT_FLOOD_MORE_MAX more), which
 * must exist (a bridge domain floods to its ports first) unless @create
 * (one is made, flooding to the tunnel alone: a site whose part of the
 * domain is its SVI, no member port), and be @slice's (sxdp takes another
 * slice's tunnel there, and then drops every copy: refused here instead).
 * Reads INTENT_IN_INTERFACES, INTENT_IN_FLOOD and INTENT_IN_FLOOD_MORE,
 * and rewrites the latter two. 0, -EAGAIN or a refusal, as a compile hook.
 */
int sw_intent_flood_join(struct cc *c, json_int_t bd, json_int_t slice, json_int_t tunnel, bool create);
/* @tunnel out of every flood entry that names it (reads and rewrites
 * INTENT_IN_FLOOD and INTENT_IN_FLOOD_MORE: a list's last entry takes the
 * place of the one that goes). */
int sw_intent_flood_leave(struct cc *c, json_int_t tunnel);
/* Does flood entry @e (as read) flood into @tunnel, itself or in its list
 * among @mores (flood_more as read; NULL: the entry's own t0..t7 only)? */
bool sw_intent_floods_into(json_t *e, json_int_t tunnel, json_t *mores);

/* table.config params for the idle timeout of learned MACs (0: never age). */
json_t *sw_intent_ageing(json_int_t seconds);

#endif
