/* SPDX-License-Identifier: BSD-3-Clause */
/* sw_kind: the switch's sxcd kinds (site, slices), what upper kinds read of them, and where they plug in. */
/*
 * The site (the box's LAN ports and its WAN links, each a bridge domain of
 * the underlay slice with an IPv4 address, an IPv6 one or both) and the
 * slices are the switch's;
 * what an upper feature adds to them (a WAN link's VTEP and scheduler, a
 * slice's tunnels and scheduler shares) it registers here as a hook run at
 * its place in their compile, so the switch names none of them. In api/:
 * the upper features' sxcd kinds (QoS's, the overlay's, the UPF's and
 * PFCP's) include it.
 */
#ifndef SW_KIND_H
#define SW_KIND_H

#include "cd_kind.h"

#define SW_SITE_NAME	"local"	/* the one site intent */
#define SW_UNDERLAY	4000	/* the WAN links' slice, by default */
/* Bridge domains (12 bits): a slice's is its id (1..3999), WAN link i's
 * SW_WAN_BD + i, the ones above links' of one port each, allocated in the
 * namespace "bd" (a slice's routed ports, UPF links). */
#define SW_WAN_BD	4001
#define SW_WAN_MAX	16	/* WAN links at most (SiteSpec.wan maxItems) */
#define SW_LINK_BD_MIN	(SW_WAN_BD + SW_WAN_MAX)
#define SW_LINK_BD_MAX	4095

/* The site's spec as compiled, NULL: none (yet). */
json_t *sw_kind_site(struct cd_kx *x);
/* The underlay slice (the WAN links' VRF). */
json_int_t sw_kind_underlay(struct cd_kx *x);
/* A WAN link as compiled ({"up", "gw", "gw6": its IPv4 and IPv6 next hops,
 * each if the link has that family and it is known; "gw6_clash": {"gw",
 * "with"}: its link-local gateway is an earlier link's too, which the
 * underlay's neighbours cannot tell apart: no gw6 then}), NULL: none. */
json_t *sw_kind_wan(struct cd_kx *x, const char *name);
/* The slice a spec names in "slice" as compiled ({"id", and what hooks
 * added}), else NULL and the intent is Pending on it, or (a slice that is
 * not this box's) elsewhere too. */
json_t *sw_kind_slice(struct cd_kx *x, json_t *spec);
/* The compiled slices (NAME → as above). */
json_t *sw_kind_slices(struct cd_kx *x);
/* The kernel interface of a spec's port (a WAN link's, the site's host
 * port's: {"port", "iface"}): its "iface", else @port's (port.list's
 * object, NULL: unknown) iface= devarg (AF_XDP, AF_PACKET, TAP), else the
 * port's name. @out holds it when it is the devarg's. */
const char *sw_kind_iface(json_t *w, json_t *port, char *out, size_t len);

enum sw_hook_at {
	SW_AT_SLICE_HERE,	/* is the slice this box's? a feature that places slices
				 * at sites says why not in @rec's "elsewhere": the slice
				 * then compiles nothing here, nor do its children */
	SW_AT_WAN_ADDR,		/* a WAN link has its SVIs (@item: the link, @i its index) */
	SW_AT_WAN_END,		/* ... and everything else of the switch's */
	SW_AT_SLICE_RATE,	/* a slice has its meter (@rec: what it publishes); a
				 * feature that holds its gateway by an election (ha's
				 * VRRP) says so in @rec's "held": {"mac", "mac6"}: its
				 * SVIs are then written held, with those MACs */
	SW_AT_SLICE_END,	/* ... and its members, SVI and routes (@spec's "members":
				 * those attached, when one waits for its port) */
};

struct sw_hook {
	enum sw_hook_at at;
	void (*fn)(struct cd_kx *x, const char *name, json_t *spec, json_t *item, size_t i, json_t *rec);
	struct sw_hook *next;
};

/* From a constructor (@h: static storage). */
void sw_hook_register(struct sw_hook *h);
#define SW_HOOK_REGISTER(h)                                                                \
	static void __attribute__((constructor)) sw_hook_register_##h(void)                \
	{                                                                                  \
		sw_hook_register(&h);                                                      \
	}

#endif
