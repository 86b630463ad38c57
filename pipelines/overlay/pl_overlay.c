/* Overlay feature wiring: its tables, drop reasons, slow path (encapsulated
 * packets waiting for the underlay next hop) and registration. The stages
 * are ov_decap.c (overlay.wan) and ov_encap.c (overlay.encap), the headers
 * ov_tun.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_ip.h>

#include "pl_overlay.h"
#include "ov_tun.h"
#include "pl_switch.h"
#include "pl_swctl.h"
#include "dp_table.h"
#include "dp_log.h"
#include "dp_stats.h"

struct pl_overlay_tables pl_ov = { -1, -1, -1, -1 };
unsigned int pl_ov_drop_base, pl_ov_event_base;

#define DP_REASONS_DEF "pl_overlay.def"
#define DP_REASONS_PREFIX ov
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

#define TUNNEL_MAX 65535
#define BD_MAX 4095

/* The box's own tunnel endpoints (their addresses are the switch's too:
 * an SVI of the WAN link answers ARP for them). */
static const struct dp_table_def vteps_def = {
	.name = "vteps", .size = 256, .n_fields = 1,
	.fields = { { "ip", DP_T_IPV4, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { [OV_VTEP] = { "vtep", 0, {} }, [OV_VTEP_NONE] = { "none", 0, {} } },
	.default_action = OV_VTEP_NONE, .next_table = "vnis",
};

/* A VNI is one slice's: its bridge domain (L2 overlay) or its VRF (L3). */
static const struct dp_table_def vnis_def = {
	.name = "vnis", .size = 4096, .n_fields = 1,
	.fields = { { "vni", DP_T_U32, DP_MATCH_EXACT, OV_VNI_MAX } },
	.n_actions = 3,
	.actions = {
		[OV_VNI_L2] = { "l2", 2, { { "slice", DP_T_U16 }, { "bd", DP_T_U16, BD_MAX } } },
		[OV_VNI_L3] = { "l3", 1, { { "slice", DP_T_U16 } } },
		[OV_VNI_NONE] = { "none", 0, {} },
	},
	.default_action = OV_VNI_NONE, .next_table = "peers",
};

/* Who may send into a slice: a peer's underlay address, and the tunnel its
 * frames arrive through (remote MACs are learned against it). */
static const struct dp_table_def peers_def = {
	.name = "peers", .size = 4096, .n_fields = 2,
	.fields = { { "slice", DP_T_U16, DP_MATCH_EXACT }, { "ip", DP_T_IPV4, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = {
		[OV_PEER] = { "peer", 1, { { "tunnel", DP_T_U32, TUNNEL_MAX } } },
		[OV_PEER_NONE] = { "none", 0, {} },
	},
	.default_action = OV_PEER_NONE, .next_table = "fdb",
};

/* A tunnel: one slice's frames to one remote endpoint. ttl 0 copies the
 * inner TTL, dscp 64 the inner DSCP; csum 1 computes the outer UDP
 * checksum (0: zero, as RFC 7348 and RFC 8926 allow over IPv4). */
#define TUNNEL_PARAMS 9, {								\
	{ "slice", DP_T_U16 }, { "vni", DP_T_U32, OV_VNI_MAX }, { "src", DP_T_IPV4 },		\
	{ "dst", DP_T_IPV4 }, { "vrf", DP_T_U16 }, { "gw", DP_T_IPV4 }, { "ttl", DP_T_U8 },	\
	{ "dscp", DP_T_U8, OV_DSCP_COPY }, { "csum", DP_T_U8, 1 } }
static const struct dp_table_def tunnels_def = {
	.name = "tunnels", .size = TUNNEL_MAX + 1, .n_fields = 1,
	.fields = { { "id", DP_T_U32, DP_MATCH_EXACT, TUNNEL_MAX } },
	.n_actions = 3,
	.actions = {
		[OV_TUNNEL_VXLAN] = { "vxlan", TUNNEL_PARAMS },
		[OV_TUNNEL_GENEVE] = { "geneve", TUNNEL_PARAMS },
		[OV_TUNNEL_NONE] = { "none", 0, {} },
	},
	.default_action = OV_TUNNEL_NONE, .next_table = "neigh",
};

static int
ov_init(unsigned int workers __rte_unused)
{
	const struct { const struct dp_table_def *def; int *id; } tables[] = {
		{ &vteps_def, &pl_ov.vteps }, { &vnis_def, &pl_ov.vnis },
		{ &peers_def, &pl_ov.peers }, { &tunnels_def, &pl_ov.tunnels },
	};
	int rc;

	if ((rc = dp_reasons_register(ov_drop_reasons, OV_DROP_N, ov_event_reasons, OV_EVENT_N,
				      &pl_ov_drop_base, &pl_ov_event_base)) < 0)
		return rc;
	for (unsigned int i = 0; i < RTE_DIM(tables); i++) {
		*tables[i].id = dp_table_create(tables[i].def);
		if (*tables[i].id < 0) {
			DP_LOG(ERR, "overlay: table %s: %s", tables[i].def->name, strerror(-*tables[i].id));
			return *tables[i].id;
		}
		if (dp_table_key_room(*tables[i].id) > SW_KEY_BYTES)
			return -EINVAL;   /* the stages' key buffers are the switch's size */
	}
	/* the params the stages overlay are where the engine lays them out */
	if (dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_VXLAN, 1) != offsetof(struct ov_tunnel, vni) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_VXLAN, 5) != offsetof(struct ov_tunnel, gw) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_VXLAN, 8) != offsetof(struct ov_tunnel, csum) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_GENEVE, 8) != offsetof(struct ov_tunnel, csum) ||
	    dp_table_param_off(pl_ov.vnis, OV_VNI_L2, 1) != offsetof(struct ov_vni_l2, bd))
		return -EINVAL;
	return 0;
}

/* The tunnels entry of id, or NULL. */
static const struct ov_tunnel *
tunnel_get(uint32_t id)
{
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;
	uint32_t be = rte_cpu_to_be_32(id);

	memcpy(k, &be, 4);
	e = dp_table_find(pl_ov.tunnels, k);
	return e != NULL && e->action != OV_TUNNEL_NONE ? (const struct ov_tunnel *)e->params : NULL;
}

/* An encapsulated packet whose underlay next hop was unresolved: into the
 * switch's hold queue for (vrf, gw), which asks for it and sends the packet
 * on with the switch's routed rewrite. That rewrite takes one off the
 * TTL, as for any routed packet: it is put back here, so a held packet
 * leaves with the TTL of one that was not. */
static int
ov_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct ov_tunnel *t = tunnel_get(md->tunnel);
	struct rte_ipv4_hdr *ip;
	uint8_t k[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;

	if (t == NULL) {   /* deleted since the worker looked */
		pl_swctl_drop(m, OV_DROP(no_tunnel));
		return -1;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, md->l3_off);
	ip->time_to_live++;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	pl_swctl_event(OV_EVENT(held));
	pl_swctl_hold(m, t->vrf, false, (const uint8_t *)&t->gw, (const uint8_t *)&t->src);
	/* resolved since the worker looked: what is held goes now */
	pl_switch_key_vrf_ip(k, t->vrf, t->gw);
	e = dp_table_find(pl_sw.neigh, k);
	if (e != NULL && e->action != SW_NB_UNRESOLVED)
		pl_swctl_hold_release(t->vrf, false, (const uint8_t *)&t->gw,
				      (const struct sw_rewrite *)e->params);
	return -1;
}

const struct dp_feature pl_overlay_feature = {
	.name = "overlay",
	.description = "slices stretched between sites over VXLAN/GENEVE: decap checked in order "
		       "(VTEP, header, VNI, peer) into the slice's bridge domain or VRF, encap from "
		       "the switch's tunnel entries via the underlay next hop",
	.needs = { "switch" },
	.init = ov_init,
	.n_stages = 2,
	.stages = {
		{ "overlay.wan", pl_overlay_wan_burst,
		  { "switch.ingress", "switch.l2", "switch.l3", "switch.l3v6" } },
		{ "overlay.encap", pl_overlay_encap_burst, { NULL } },
	},
	.slowpath = ov_slowpath,
};

DP_FEATURE_REGISTER(pl_overlay_feature)
