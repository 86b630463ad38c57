/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay's intents (VTEPs, sites, VNIs, paths, tunnels, policies, classes) in the intent library. */
/*
 * The overlay builds on the switch: a tunnel's flood entries are the
 * switch's table, which ov_intent.c writes through sw_intent.h. IPv4
 * underlay.
 */
#ifndef OV_INTENT_H
#define OV_INTENT_H

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

enum ov_intent_kind {
	OV_K_VTEP_ADD,		/* addr: a local tunnel endpoint */
	OV_K_VTEP_DEL,		/* addr */
	OV_K_SITE_ADD,		/* id (the site), addr (one of its underlay addresses) */
	OV_K_SITE_DEL,		/* addr */
	OV_K_VNI_ADD,		/* vni, slice, bd, or l3 (the slice's VRF) */
	OV_K_VNI_DEL,		/* vni */
	OV_K_PATH_ADD,		/* id, how (probe: "static" (NULL), "sxdp", "icmp"), addr (the
				 * local VTEP), dst, gw, vrf, mtu; a probed one's timers */
	OV_K_PATH_DEL,		/* id */
	OV_K_TUNNEL_ADD,	/* id, how ("vxlan" (NULL), "geneve"), slice, vni, path, ttl,
				 * dscp, csum, mac (rmac, NULL: none), peers, flood */
	OV_K_TUNNEL_DEL,	/* id */
	OV_K_POLICY_SET,	/* id (the tunnel), cls, how ("failover", "balance", "sla"),
				 * paths (weights), sla limits */
	OV_K_POLICY_DEL,	/* id, cls */
	OV_K_CLASS_ADD,		/* slice, cls, prio, rule */
	OV_K_CLASS_DEL,		/* slice, cls, prio (0: every rule of the class in the slice) */
	OV_KINDS
};
extern const struct intent_kind ov_intent_kinds[OV_KINDS];

#define INTENT_VTEP_ADD	  (&ov_intent_kinds[OV_K_VTEP_ADD])
#define INTENT_VTEP_DEL	  (&ov_intent_kinds[OV_K_VTEP_DEL])
#define INTENT_SITE_ADD	  (&ov_intent_kinds[OV_K_SITE_ADD])
#define INTENT_SITE_DEL	  (&ov_intent_kinds[OV_K_SITE_DEL])
#define INTENT_VNI_ADD	  (&ov_intent_kinds[OV_K_VNI_ADD])
#define INTENT_VNI_DEL	  (&ov_intent_kinds[OV_K_VNI_DEL])
#define INTENT_PATH_ADD	  (&ov_intent_kinds[OV_K_PATH_ADD])
#define INTENT_PATH_DEL	  (&ov_intent_kinds[OV_K_PATH_DEL])
#define INTENT_TUNNEL_ADD (&ov_intent_kinds[OV_K_TUNNEL_ADD])
#define INTENT_TUNNEL_DEL (&ov_intent_kinds[OV_K_TUNNEL_DEL])
#define INTENT_POLICY_SET (&ov_intent_kinds[OV_K_POLICY_SET])
#define INTENT_POLICY_DEL (&ov_intent_kinds[OV_K_POLICY_DEL])
#define INTENT_CLASS_ADD  (&ov_intent_kinds[OV_K_CLASS_ADD])
#define INTENT_CLASS_DEL  (&ov_intent_kinds[OV_K_CLASS_DEL])

/* The overlay's inputs (intent_input_register'd ids, 5..8). */
#define INTENT_IN_TUNNELS  5
#define INTENT_IN_PEERS	   6
#define INTENT_IN_POLICIES 7
#define INTENT_IN_CLASSES  8

/* policy show: the policies, by tunnel. */
extern const struct intent_view ov_intent_view_policies;
#define INTENT_V_POLICIES (&ov_intent_view_policies)

/*
 * tunnel show: from the tunnels, peers and the switch's flood entries as
 * read (borrowed), one row per tunnel: {"id", "type" (vxlan|geneve),
 * "slice", "vni", "path", "ttl", "dscp", "csum", "rmac" (when set),
 * "peers" (the underlay addresses whose frames arrive through it), "flood"
 * (the bridge domains that flood into it), "hits"}. A new array.
 */
json_t *ov_intent_tunnel_rows(json_t *tunnels, json_t *peers, json_t *floods);

#endif
