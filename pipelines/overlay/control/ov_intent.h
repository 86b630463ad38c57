/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's intents (VTEPs, sites, VNIs, paths, tunnels, policies, classes) in the intent library. */
/*
 * The overlay builds on the switch: a tunnel's flood entries are the
 * switch's table, which ov_intent.c writes through sw_intent.h. The
 * underlay is IPv4 or IPv6: a VTEP, an endpoint or a peer is either
 * (sxdp's "ip" fields), a path one family end to end.
 */
#ifndef OV_INTENT_H
#define OV_INTENT_H

#include <stdbool.h>
#include <jansson.h>

#include "intent.h"

#define INTENT_OV_TUNNEL_MAX 65535	/* tunnel ids 1..; 0 names none in a flood entry */

/* What the overlay's intents leave out: a probed path's timers (0 in the
 * intent: BFD's common 50 ms, detection after 3 probes, up after 5
 * answers in a row) and the CLI's outer TTL. */
#define INTENT_PROBE_INTERVAL_MS 50
#define INTENT_PROBE_DOWN	 3
#define INTENT_PROBE_UP		 5
#define INTENT_TTL		 64
#define INTENT_TTL_COPY		 0	/* a tunnel's outer TTL: the inner packet's */
#define INTENT_DSCP_COPY	 64	/* a tunnel's outer DSCP: the inner packet's */

#define INTENT_POLICY_PATHS 8	/* paths a policy picks from (p0..p7) */
#define INTENT_PEER_ENDPOINTS 16	/* a peer site's endpoints (PeerSpec maxItems: one per WAN link) */

enum ov_intent_kind {
	OV_K_VTEP_ADD,
	OV_K_VTEP_DEL,
	OV_K_SITE_ADD,
	OV_K_SITE_DEL,
	OV_K_VNI_ADD,
	OV_K_VNI_DEL,
	OV_K_PATH_ADD,
	OV_K_PATH_DEL,
	OV_K_TUNNEL_ADD,
	OV_K_TUNNEL_DEL,
	OV_K_POLICY_SET,
	OV_K_POLICY_DEL,
	OV_K_CLASS_ADD,
	OV_K_CLASS_DEL,
	OV_K_APP_ADD,
	OV_K_APP_DEL,
	OV_KINDS
};
extern const struct intent_kind ov_intent_kinds[OV_KINDS];

/* vtep add|del: @ip, a local tunnel endpoint. */
struct ov_vtep_arg {
	const char *ip;
};
#define INTENT_VTEP_ADD (&ov_intent_kinds[OV_K_VTEP_ADD])
#define INTENT_VTEP_DEL (&ov_intent_kinds[OV_K_VTEP_DEL])
INTENT_ARG(INTENT_VTEP_ADD, struct ov_vtep_arg);
INTENT_ARG(INTENT_VTEP_DEL, struct ov_vtep_arg);

/* site add: @ip, one of site @site's underlay addresses. site del: @ip. */
struct ov_site_arg {
	json_int_t site;
	const char *ip;
};
#define INTENT_SITE_ADD (&ov_intent_kinds[OV_K_SITE_ADD])
#define INTENT_SITE_DEL (&ov_intent_kinds[OV_K_SITE_DEL])
INTENT_ARG(INTENT_SITE_ADD, struct ov_site_arg);
INTENT_ARG(INTENT_SITE_DEL, struct ov_site_arg);

/* vni add: @vni into @slice's bridge domain @bd, or (@l3) its VRF. vni
 * del: @vni. */
struct ov_vni_arg {
	json_int_t vni, slice, bd;
	bool l3;
};
#define INTENT_VNI_ADD (&ov_intent_kinds[OV_K_VNI_ADD])
#define INTENT_VNI_DEL (&ov_intent_kinds[OV_K_VNI_DEL])
INTENT_ARG(INTENT_VNI_ADD, struct ov_vni_arg);
INTENT_ARG(INTENT_VNI_DEL, struct ov_vni_arg);

/* path add: path @id from @src (the local VTEP) to @dst through underlay
 * next hop @gw in @vrf, @mtu (0: the WAN port's), probed by @probe
 * ("static" (NULL), "sxdp", "icmp", "bfd") on its timers (0: the
 * defaults; bfd: @down_after is its detection multiplier, no @up_after).
 * @src, @dst and @gw are of one family; an IPv6 @gw may be link-local.
 * @sealed: never clear in sxdp, before its first SA too (an encrypted
 * peer's path, of either family). path del: @id. */
struct ov_path_arg {
	json_int_t id;
	const char *probe;
	const char *src, *dst, *gw;
	json_int_t vrf, mtu;
	json_int_t interval_ms, down_after, up_after;
	json_int_t hold_ms;      /* probed: taken again only once up this long (0: at once) */
	bool sealed;
};
#define INTENT_PATH_HOLD_MS_MAX 60000
#define INTENT_PATH_ADD (&ov_intent_kinds[OV_K_PATH_ADD])
#define INTENT_PATH_DEL (&ov_intent_kinds[OV_K_PATH_DEL])
INTENT_ARG(INTENT_PATH_ADD, struct ov_path_arg);
INTENT_ARG(INTENT_PATH_DEL, struct ov_path_arg);

/* tunnel add: tunnel @id of @type ("vxlan" (NULL), "geneve") for @slice,
 * @vni, over its own @path (0: its policies' only), outer @ttl and @dscp
 * (INTENT_TTL_COPY, INTENT_DSCP_COPY), @csum: the outer UDP checksum,
 * @rmac (NULL: none), the peer site's underlay addresses
 * @peers[0..@n_peers-1], the bridge domain @flood that floods into it
 * too (-1: none; @flood_new: its flood entry is made if it has none, for
 * a domain this site is in by its SVI alone). tunnel del: @id. */
struct ov_tunnel_arg {
	json_int_t id;
	const char *type;
	json_int_t slice, vni, path, ttl, dscp;
	bool csum;
	const char *rmac;
	const char *const *peers;
	int n_peers;
	json_int_t flood;
	bool flood_new;
};
#define INTENT_TUNNEL_ADD (&ov_intent_kinds[OV_K_TUNNEL_ADD])
#define INTENT_TUNNEL_DEL (&ov_intent_kinds[OV_K_TUNNEL_DEL])
INTENT_ARG(INTENT_TUNNEL_ADD, struct ov_tunnel_arg);
INTENT_ARG(INTENT_TUNNEL_DEL, struct ov_tunnel_arg);

/* policy set: tunnel @tunnel's class @cls by @how ("failover",
 * "balance", "sla") over @paths[0..@n_paths-1] in order of preference
 * (balance: each with its weight), an sla one within its limits (0:
 * none); its loss repaired by @copies (2..4 paths at once; 0, 1: one)
 * and @fec (1 adaptive, 2..16 a block's k; 0: none). policy del:
 * @tunnel @cls. */
struct ov_policy_arg {
	json_int_t tunnel, cls;
	const char *how;
	json_int_t paths[INTENT_POLICY_PATHS];
	json_int_t weights[INTENT_POLICY_PATHS];
	int n_paths;
	json_int_t rtt_ms, jitter_ms, loss_pct;
	json_int_t copies, fec;
};
#define INTENT_POLICY_COPIES_MAX 4
#define INTENT_POLICY_FEC_MAX 16
#define INTENT_POLICY_SET (&ov_intent_kinds[OV_K_POLICY_SET])
#define INTENT_POLICY_DEL (&ov_intent_kinds[OV_K_POLICY_DEL])
INTENT_ARG(INTENT_POLICY_SET, struct ov_policy_arg);
INTENT_ARG(INTENT_POLICY_DEL, struct ov_policy_arg);

/* class add: @slice's traffic that @rule matches is class @cls, at
 * priority @prio (the larger wins). class del: @slice's rules of @cls at
 * @prio (0: every one). */
struct ov_class_arg {
	json_int_t slice, cls, prio;
	struct intent_rule rule;
};
#define INTENT_CLASS_ADD (&ov_intent_kinds[OV_K_CLASS_ADD])
#define INTENT_CLASS_DEL (&ov_intent_kinds[OV_K_CLASS_DEL])
INTENT_ARG(INTENT_CLASS_ADD, struct ov_class_arg);

/* app add: @slice's flows nDPI names @app (its name as nDPI spells it, in
 * any case, or its id) are of class @cls, over the classes rules. app
 * del: @slice @app. */
struct ov_app_arg {
	json_int_t slice, cls;
	const char *app;
};
#define INTENT_CLASS_MAX 255	/* classes 1..255 (0: what no rule names) */
#define INTENT_APP_ADD (&ov_intent_kinds[OV_K_APP_ADD])
#define INTENT_APP_DEL (&ov_intent_kinds[OV_K_APP_DEL])
INTENT_ARG(INTENT_APP_ADD, struct ov_app_arg);
INTENT_ARG(INTENT_APP_DEL, struct ov_app_arg);
/* The id nDPI gives application @name (any case; or an id in decimal),
 * 0 if none; the name of @id, NULL if none. */
unsigned int ov_intent_app_id(const char *name);
const char *ov_intent_app_name(unsigned int id);
INTENT_ARG(INTENT_CLASS_DEL, struct ov_class_arg);

/* The overlay's inputs (intent_input_register'd ids, 5..8). */
#define INTENT_IN_TUNNELS  5
#define INTENT_IN_PEERS	   6
#define INTENT_IN_POLICIES 7
#define INTENT_IN_CLASSES  8

/* policy show: the policies, by tunnel. */
extern const struct intent_view ov_intent_view_policies;
#define INTENT_V_POLICIES (&ov_intent_view_policies)
extern const struct intent_view ov_intent_view_apps;
#define INTENT_V_APPS (&ov_intent_view_apps)

/*
 * tunnel show: from the tunnels, peers and the switch's flood entries and
 * flood_more lists as read (borrowed), one row per tunnel: {"id", "type" (vxlan|geneve),
 * "slice", "vni", "path", "ttl", "dscp", "csum", "rmac" (when set),
 * "peers" (the underlay addresses whose frames arrive through it), "flood"
 * (the bridge domains that flood into it), "hits"}. A new array.
 */
json_t *ov_intent_tunnel_rows(json_t *tunnels, json_t *peers, json_t *floods, json_t *mores);

#endif
