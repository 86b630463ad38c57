/* The "overlay" feature: slices stretched between sites over VXLAN or
 * GENEVE tunnels. WAN ports enter at overlay.wan: what is addressed to a
 * local VTEP is checked (VTEP, header, VNI, peer, in that order) and
 * decapsulated into the slice's bridge domain (switch.l2) or VRF
 * (switch.l3/l3v6); anything else is underlay traffic for the switch
 * (ARP, ICMP, routing). Frames the switch sends to a tunnel (an fdb entry
 * "tunnel") are encapsulated at overlay.encap and leave through the
 * underlay next hop the switch's neighbour machinery resolves. Builds on
 * the switch feature (its tables, its per-packet field, its hold queue).
 *
 * This file is the feature's wiring, on top of its modules: its tables,
 * slow path (encapsulated packets waiting for the underlay next hop) and
 * registration. The stages are ov_decap.c (overlay.wan) and ov_encap.c
 * (overlay.encap), the headers ov_tun.c, what they share ov_state.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ip.h>

#include <jansson.h>

#include "ov_state.h"
#include "ov_decap.h"
#include "ov_encap.h"
#include "ov_encfast.h"
#include "ov_repair.h"
#include "ov_app.h"
#include "ov_path.h"
#include "ov_probe.h"
#include "ov_sa.h"
#include "ov_handover.h"
#include "ov_sarpc.h"
#include "ov_wg.h"
#include "ov_ikeio.h"
#include "ov_ikerpc.h"
#include "ov_wgrpc.h"
#include "ov_show.h"
#include "ov_sla.h"
#include "ov_tun.h"
#include "ov_watch.h"
#include "ov_names.h"
#include "sw_api.h"
#include "sw_names.h"
#include "dp_apidef.h"
#include "dp_tblrpc.h"
#include "dp_worker.h"
#include "qos_api.h"
#include "dp_table.h"
#include "dp_log.h"
#include "dp_stats.h"
#include "dp_xdp.h"


#define DP_REASONS_DEF "pl_overlay.def"
#define DP_REASONS_PREFIX ov
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#include "dp_slow.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

#define TUNNEL_MAX 65535
#define BD_MAX 4095

/* The box's own tunnel endpoints (their addresses are the switch's too:
 * an SVI of the WAN link answers ARP or NDP for them). Addresses of the
 * underlay, here and in peers, endpoints and paths, are of either family
 * (IPv4 or IPv6 WAN links). */
static const struct dp_table_def vteps_def = {
	.name = OV_T_VTEPS, .size = 256, .n_fields = 1,
	.fields = { { OV_F_IP, DP_T_IP, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = { [OV_VTEP] = { OV_A_VTEP, 0, {} }, [OV_VTEP_NONE] = { OV_A_NONE, 0, {} } },
	.default_action = OV_VTEP_NONE, .next_table = OV_T_VNIS,
};

/* A VNI is one slice's: its bridge domain (L2 overlay) or its VRF (L3). */
static const struct dp_table_def vnis_def = {
	.name = OV_T_VNIS, .size = 4096, .n_fields = 1,
	.fields = { { OV_F_VNI, DP_T_U32, DP_MATCH_EXACT, OV_VNI_MAX } },
	.n_actions = 3,
	.actions = {
		[OV_VNI_L2] = { OV_A_L2, 2, { { OV_F_SLICE, DP_T_U16 }, { OV_F_BD, DP_T_U16, BD_MAX } } },
		[OV_VNI_L3] = { OV_A_L3, 1, { { OV_F_SLICE, DP_T_U16 } } },
		[OV_VNI_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_VNI_NONE, .next_table = OV_T_PEERS,
};

/* Who may send into a slice: a peer's underlay address, and the tunnel its
 * frames arrive through (remote MACs are learned against it). */
static const struct dp_table_def peers_def = {
	.name = OV_T_PEERS, .size = 4096, .n_fields = 2,
	.fields = { { OV_F_SLICE, DP_T_U16, DP_MATCH_EXACT }, { OV_F_IP, DP_T_IP, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = {
		[OV_PEER] = { OV_A_PEER, 1, { { OV_F_TUNNEL, DP_T_U32, TUNNEL_MAX } } },
		[OV_PEER_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_PEER_NONE, .next_table = SW_T_FDB,
};

/* A tunnel: one slice's frames to one peer site, over the path its policy
 * picks (policies), else over its own path. ttl 0 copies the inner TTL,
 * dscp 64 the inner DSCP; csum 1 computes the outer UDP checksum (0: zero,
 * as RFC 7348 and RFC 8926 allow over IPv4). rmac (optional) makes it a
 * tunnel into the far end's VRF (an L3 VNI): routes send packets into it,
 * the inner frame goes to that router MAC. meter (optional): a qos meter
 * that polices what goes into the tunnel, before its path is picked. */
#define TUNNEL_PARAMS 8, {								\
	{ OV_F_SLICE, DP_T_U16 }, { OV_F_VNI, DP_T_U32, OV_VNI_MAX }, { OV_F_PATH, DP_T_U16, OV_PATH_MAX },	\
	{ OV_F_TTL, DP_T_U8 }, { OV_F_DSCP, DP_T_U8, OV_DSCP_COPY }, { OV_F_CSUM, DP_T_U8, 1 },		\
	{ OV_F_RMAC, DP_T_MAC, 0, true }, { OV_F_METER, DP_T_U32, QOS_METER_ID_CAP, true } }
static const struct dp_table_def tunnels_def = {
	.name = OV_T_TUNNELS, .size = TUNNEL_MAX + 1, .n_fields = 1,
	.fields = { { OV_F_ID, DP_T_U32, DP_MATCH_EXACT, TUNNEL_MAX } },
	.n_actions = 3,
	.actions = {
		[OV_TUNNEL_VXLAN] = { OV_A_VXLAN, TUNNEL_PARAMS },
		[OV_TUNNEL_GENEVE] = { OV_A_GENEVE, TUNNEL_PARAMS },
		[OV_TUNNEL_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_TUNNEL_NONE, .next_table = OV_T_CLASSES,
};

/* The underlay addresses of peer sites: only these get their probes
 * turned around. */
static const struct dp_table_def endpoints_def = {
	.name = OV_T_ENDPOINTS, .size = 4096, .n_fields = 1,
	.fields = { { OV_F_IP, DP_T_IP, DP_MATCH_EXACT } },
	.n_actions = 2,
	.actions = {
		[OV_ENDPOINT] = { OV_A_ENDPOINT, 1, { { OV_F_SITE, DP_T_U16 } } },
		[OV_ENDPOINT_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_ENDPOINT_NONE,
};

/* A path: a local VTEP on one WAN link to one endpoint of a peer site,
 * through the underlay next hop gw. static paths are always up; sxdp and
 * icmp ones are probed every interval_ms (BFD-like echo to a peer sxdp,
 * ICMP echo to anything else), down after down_after probes unanswered,
 * up again after up_after answers in a row; a bfd one is up while its BFD
 * session with the far end is (RFC 5880/5881: any router's bfdd),
 * interval_ms its timers and down_after its detection multiplier. A
 * probed path that came up is taken only once up for hold_ms (optional:
 * a failback hold-down). mtu 0: the port's. src, dst
 * and gw are of one family (IPv6: gw may be link-local); three IPv6
 * addresses make the entry wide. sealed: never clear from the write on,
 * before its first SA as after (ov_sa). */
#define PATH_WHERE \
	{ OV_F_SRC, DP_T_IP }, { OV_F_DST, DP_T_IP }, { OV_F_VRF, DP_T_U16 },		\
	{ OV_F_MTU, DP_T_U16, DP_APIDEF_MTU_MAX }, { OV_F_GW, DP_T_IP }, { OV_F_SEALED, DP_T_U8, 1, true }
#define PATH_PROBED 10, { PATH_WHERE, { OV_F_INTERVAL_MS, DP_T_U16, OV_PROBE_INTERVAL_MAX },	\
	{ OV_F_DOWN_AFTER, DP_T_U8, OV_SLA_DOWN_MAX }, { OV_F_UP_AFTER, DP_T_U8 },		\
	{ OV_F_HOLD_MS, DP_T_U16, OV_HOLD_MS_MAX, true } }
#define PATH_BFD 9, { PATH_WHERE, { OV_F_INTERVAL_MS, DP_T_U16, OV_PROBE_INTERVAL_MAX },	\
	{ OV_F_DOWN_AFTER, DP_T_U8 }, { OV_F_HOLD_MS, DP_T_U16, OV_HOLD_MS_MAX, true } }
static const struct dp_table_def paths_def = {
	.name = OV_T_PATHS, .size = OV_PATH_MAX + 1, .n_fields = 1,
	.fields = { { OV_F_ID, DP_T_U32, DP_MATCH_EXACT, OV_PATH_MAX } },
	.n_actions = 5,
	.actions = {
		[OV_PATH_STATIC] = { OV_A_STATIC, 6, { PATH_WHERE } },
		[OV_PATH_SXDP] = { OV_A_SXDP, PATH_PROBED },
		[OV_PATH_ICMP] = { OV_A_ICMP, PATH_PROBED },
		[OV_PATH_BFD] = { OV_A_BFD, PATH_BFD },
		[OV_PATH_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_PATH_NONE, .next_table = SW_T_NEIGH, .wide = true,
};

/* Application classes, on the inner packet of a slice's frame (IPv4 or
 * IPv6 addresses: an entry's address fields match one family, or both
 * when left out). No match: class 0. */
static const struct dp_table_def classes_def = {
	.name = OV_T_CLASSES, .size = 4096, .n_fields = DP_FK_FIELDS,
	.fields = { DP_FLOWKEY_FIELDS },
	.n_actions = 2,
	.actions = {
		[OV_CLASS] = { OV_A_CLASS, 1, { { OV_F_CLASS, DP_T_U16, OV_CLASS_MAX } } },
		[OV_CLASS_DEFAULT] = { OV_A_DEFAULT, 0, {} },
	},
	.default_action = OV_CLASS_DEFAULT, .next_table = OV_T_POLICIES,
};

/* How a class of a tunnel picks its path (class 0: the tunnel's other
 * classes too, when they have no entry of their own). p0..p7 in order of
 * preference (p4..p7 optional: a writer of four paths names four), 0
 * unused. failover: the first up; balance: by flow hash and
 * weight over the up ones, a flow staying on its path while it is up; sla:
 * the first up one within the limits (0: no limit), else the first up.
 * Each may repair its class's loss (ov_repair.h, optional): copies 2..4
 * sends every frame on that many paths (the one picked, then the
 * policy's next that are up), fec 1 (adaptive) or 2..16 (a block's k)
 * sends an XOR parity after every k frames. */
#define POLICY_PATHS \
	{ OV_F_P_ "0", DP_T_U16, OV_PATH_MAX }, { OV_F_P_ "1", DP_T_U16, OV_PATH_MAX },		\
	{ OV_F_P_ "2", DP_T_U16, OV_PATH_MAX }, { OV_F_P_ "3", DP_T_U16, OV_PATH_MAX },		\
	{ OV_F_P_ "4", DP_T_U16, OV_PATH_MAX, true }, { OV_F_P_ "5", DP_T_U16, OV_PATH_MAX, true },	\
	{ OV_F_P_ "6", DP_T_U16, OV_PATH_MAX, true }, { OV_F_P_ "7", DP_T_U16, OV_PATH_MAX, true }
#define POLICY_REPAIR \
	{ OV_F_COPIES, DP_T_U8, OV_REPAIR_COPIES_MAX, true }, { OV_F_FEC, DP_T_U8, OV_REP_K_MAX, true }
_Static_assert(OV_POLICY_PATHS == 8, "POLICY_PATHS names p0..p7");
static const struct dp_table_def policies_def = {
	.name = OV_T_POLICIES, .size = 16384, .n_fields = 2,
	.fields = { { OV_F_TUNNEL, DP_T_U16, DP_MATCH_EXACT }, { OV_F_CLASS, DP_T_U16, DP_MATCH_EXACT, OV_CLASS_MAX } },
	.n_actions = 4,
	.actions = {
		[OV_POLICY_FAILOVER] = { OV_A_FAILOVER, OV_POLICY_PATHS + 2, { POLICY_PATHS, POLICY_REPAIR } },
		[OV_POLICY_BALANCE] = { OV_A_BALANCE, 2 * OV_POLICY_PATHS + 2, { POLICY_PATHS,
			{ OV_F_W_ "0", DP_T_U8 }, { OV_F_W_ "1", DP_T_U8 }, { OV_F_W_ "2", DP_T_U8 }, { OV_F_W_ "3", DP_T_U8 },
			{ OV_F_W_ "4", DP_T_U8, 0, true }, { OV_F_W_ "5", DP_T_U8, 0, true }, { OV_F_W_ "6", DP_T_U8, 0, true },
			{ OV_F_W_ "7", DP_T_U8, 0, true }, POLICY_REPAIR } },
		[OV_POLICY_SLA] = { OV_A_SLA, OV_POLICY_PATHS + 5, { POLICY_PATHS, { OV_F_RTT_MS, DP_T_U16 },
						   { OV_F_JITTER_MS, DP_T_U16 }, { OV_F_LOSS_PCT, DP_T_U8, 100 },
						   POLICY_REPAIR } },
		[OV_POLICY_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_POLICY_NONE, .next_table = OV_T_PATHS,
};

/* Classes by application: a slice's flows nDPI names (ov_app.h) go in
 * the class of their application's entry (or, for a service of a
 * protocol, e.g. a site over TLS, its protocol's), over the classes
 * rules. app: nDPI's protocol id (overlay.apps). */
static const struct dp_table_def apps_def = {
	.name = OV_T_APPS, .size = 4096, .n_fields = 2,
	.fields = { { OV_F_SLICE, DP_T_U16, DP_MATCH_EXACT }, { OV_F_APP, DP_T_U16, DP_MATCH_EXACT, OV_APP_MAX } },
	.n_actions = 2,
	.actions = {
		[OV_APP_CLASS] = { OV_A_CLASS, 1, { { OV_F_CLASS, DP_T_U16, OV_CLASS_MAX } } },
		[OV_APP_NONE] = { OV_A_NONE, 0, {} },
	},
	.default_action = OV_APP_NONE,
};

static int bad_path, bad_policy, bad_end, bad_family;   /* table.write result codes of refusals */

/* A unicast host address of either family ("ip"). */
static bool
unicast(const uint8_t *a)
{
	return dp_addr_mapped(a) ? dp_addr_ip4_unicast(ov_ip4(a)) : dp_addr_ip6_unicast(a);
}

/* What the tables cannot say of one entry: a probe timer within reason, a
 * policy with a path to pick. */
static void
ov_check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE || x->type == DP_UPD_DEFAULT || res[i] != 0)
			continue;
		if (x->table == pl_ov.paths && x->action != OV_PATH_NONE) {
			const struct ov_path *p = (const struct ov_path *)x->params;

			/* what the box sends to a path's far end (tunnels,
			 * probes) goes to a unicast host, from one, over one
			 * family's underlay */
			if (dp_addr_mapped(p->src) != dp_addr_mapped(p->dst) ||
			    dp_addr_mapped(p->gw) != dp_addr_mapped(p->dst))
				res[i] = bad_family;
			else if (!unicast(p->src) || !unicast(p->dst))
				res[i] = bad_end;
			else if ((x->action == OV_PATH_SXDP || x->action == OV_PATH_ICMP) &&
				 (p->interval_ms < OV_PROBE_INTERVAL_MIN || p->down_after == 0 || p->up_after == 0))
				res[i] = bad_path;
			else if (x->action == OV_PATH_BFD &&
				 (p->interval_ms < OV_PROBE_INTERVAL_MIN || p->down_after == 0))
				res[i] = bad_path;
		} else if (x->table == pl_ov.endpoints && x->action == OV_ENDPOINT) {
			if (!unicast(x->key))
				res[i] = bad_end;
		} else if (x->table == pl_ov.policies && x->action != OV_POLICY_NONE) {
			const struct ov_policy *p = (const struct ov_policy *)x->params;
			bool any = false;

			for (unsigned int k = 0; k < OV_POLICY_PATHS; k++)
				any |= p->path[k] != 0 &&
				       (x->action != OV_POLICY_BALANCE || p->weight[k] != 0);
			if (!any)
				res[i] = bad_policy;
		}
	}
}

/* The prober and the SAs' guard (a sealed path) follow the paths table,
 * the XDP claims the vteps table: nothing derived, only told (done()).
 * The guard first: a sealed path is blocked before its first probe. */
static void
paths_done(const struct dp_update *d, unsigned int n, const int *res)
{
	ov_sa_paths_done(d, n, res);
	ov_probe_paths_done(d, n, res);
}

static struct dp_table_deriver paths_watch = { .done = paths_done };

/* The VTEPs are the box's own addresses: where a port shares its NIC with
 * the kernel (dp_xdp.h), their tunnels, probes, ICMP, ARP, ESP, IKE (and
 * WireGuard's port: ov_wg_vtep) are claimed for sxdp, as the vteps table
 * says after each write. */
static const struct dp_xdp_claim vtep_traffic[] = {
	{ IPPROTO_UDP, OV_VXLAN_PORT }, { IPPROTO_UDP, OV_GENEVE_PORT }, { IPPROTO_UDP, OV_PROBE_PORT },
	{ IPPROTO_UDP, OV_BFD_PORT }, { IPPROTO_ICMP, 0 }, { DP_XDP_RESOLVE, 0 }, { IPPROTO_ESP, 0 }, { IPPROTO_UDP, OV_SA_NATT_PORT },
	{ IPPROTO_UDP, OV_IKEIO_PORT },
};
/* an IPv6 VTEP: NDP and echo are ICMPv6 */
static const struct dp_xdp_claim vtep6_traffic[] = {
	{ IPPROTO_UDP, OV_VXLAN_PORT }, { IPPROTO_UDP, OV_GENEVE_PORT }, { IPPROTO_UDP, OV_PROBE_PORT },
	{ IPPROTO_UDP, OV_BFD_PORT }, { IPPROTO_ICMPV6, 0 }, { DP_XDP_RESOLVE, 0 }, { IPPROTO_ESP, 0 },
	{ IPPROTO_UDP, OV_SA_NATT_PORT }, { IPPROTO_UDP, OV_IKEIO_PORT },
};

static void
vteps_done(const struct dp_update *d, unsigned int n, const int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_entry *e;

		if (d[i].table != pl_ov.vteps || res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		e = dp_table_find(pl_ov.vteps, d[i].key);
		if (!dp_addr_mapped(d[i].key))
			dp_xdp_steer_set("overlay", AF_INET6, d[i].key, vtep6_traffic, RTE_DIM(vtep6_traffic),
					 e != NULL && e->action == OV_VTEP);
		else
			dp_xdp_steer_set("overlay", AF_INET, d[i].key + 12, vtep_traffic, RTE_DIM(vtep_traffic),
					 e != NULL && e->action == OV_VTEP);
		ov_wg_vtep(d[i].key, e != NULL && e->action == OV_VTEP);
	}
}

static struct dp_table_deriver vteps_watch = { .done = vteps_done };

/* A write to the policies: their picks are rescanned (ov_watch), and
 * whether any repairs its class. */
static void
policies_done(const struct dp_update *d __rte_unused, unsigned int n __rte_unused,
	      const int *res __rte_unused)
{
	ov_watch_dirty(true);
	ov_repair_policies_done();
}

static struct dp_table_deriver policies_watch = { .done = policies_done };

/* A write to app_classes: whether flows are to be named. */
static void
apps_done(const struct dp_update *d __rte_unused, unsigned int n __rte_unused, const int *res __rte_unused)
{
	ov_app_table_done();
}

static struct dp_table_deriver apps_watch = { .done = apps_done };

/* An L2 VNI hands its bridge domain to its slice: the switch's guard
 * refuses one that is another slice's (slice_conflict). */
static bool
vni_claims(uint16_t action, const uint8_t *key __rte_unused, const uint8_t *params, uint16_t *bd,
	   uint16_t *slice)
{
	const struct ov_vni_l2 *v = (const struct ov_vni_l2 *)params;

	if (action != OV_VNI_L2)
		return false;
	*bd = v->bd;
	*slice = v->slice;
	return true;
}

static int
ov_init(unsigned int workers)
{
	/* room: the key buffers the stages build each table's keys in */
	const struct dp_table_spec tables[] = {
		{ &vteps_def, &pl_ov.vteps, SW_KEY_BYTES }, { &vnis_def, &pl_ov.vnis, SW_KEY_BYTES },
		{ &peers_def, &pl_ov.peers, SW_KEY6_BYTES }, { &tunnels_def, &pl_ov.tunnels, SW_KEY_BYTES },
		{ &endpoints_def, &pl_ov.endpoints, SW_KEY_BYTES }, { &paths_def, &pl_ov.paths, SW_KEY_BYTES },
		{ &classes_def, &pl_ov.classes, DP_FK_ROOM },
		{ &policies_def, &pl_ov.policies, SW_KEY_BYTES }, { &apps_def, &pl_ov.apps, SW_KEY_BYTES },
	};
	int rc;

	if ((rc = dp_reasons_register(ov_drop_reasons, OV_DROP_N, ov_event_reasons, OV_EVENT_N,
				      &pl_ov_drop_base, &pl_ov_event_base)) < 0)
		return rc;
	if ((rc = dp_feature_tables("overlay", tables, RTE_DIM(tables))) < 0)
		return rc;
	/* the params the stages overlay are where the engine lays them out */
	if (dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_VXLAN, 2) != offsetof(struct ov_tunnel, path) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_GENEVE, 5) != offsetof(struct ov_tunnel, csum) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_GENEVE, 6) != offsetof(struct ov_tunnel, rmac) ||
	    dp_table_param_off(pl_ov.tunnels, OV_TUNNEL_VXLAN, 7) != offsetof(struct ov_tunnel, meter) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_SXDP, 4) != offsetof(struct ov_path, gw) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_SXDP, 5) != offsetof(struct ov_path, sealed) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_ICMP, 8) != offsetof(struct ov_path, up_after) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_BFD, 7) != offsetof(struct ov_path, down_after) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_BFD, 8) != offsetof(struct ov_path, hold_ms) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_SXDP, 9) != offsetof(struct ov_path, hold_ms) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_STATIC, 5) != offsetof(struct ov_path, sealed) ||
	    dp_table_param_off(pl_ov.paths, OV_PATH_STATIC, 4) != offsetof(struct ov_path, gw) ||
	    dp_table_param_off(pl_ov.policies, OV_POLICY_BALANCE, OV_POLICY_PATHS) != offsetof(struct ov_policy, weight) ||
	    dp_table_param_off(pl_ov.policies, OV_POLICY_SLA, OV_POLICY_PATHS + 2) != offsetof(struct ov_policy, sla.loss_pct) ||
	    dp_table_param_off(pl_ov.vnis, OV_VNI_L2, 1) != offsetof(struct ov_vni_l2, bd))
		return -EINVAL;
	dp_flowkey_offsets((unsigned int)pl_ov.classes, pl_ov_class_off);
	bad_path = dp_tblrpc_reason_add("bad_probe", "a probed path needs interval_ms >= "
					RTE_STR(OV_PROBE_INTERVAL_MIN) ", down_after >= 1 and (sxdp, icmp) "
					"up_after >= 1");
	bad_policy = dp_tblrpc_reason_add("no_path", "a policy needs a path to pick (with a weight, "
					  "for balance)");
	bad_end = dp_tblrpc_reason_add("bad_endpoint", "a path's ends and an endpoint are unicast host "
				       "addresses (IPv4 not 0/8, 127/8, 224/4, 240/4; IPv6 not ::/96, "
				       "::ffff:0:0/96, ff00::/8)");
	bad_family = dp_tblrpc_reason_add("mixed_family", "a path's src, dst and gw are of one family "
					  "(IPv4 or IPv6)");
	if (bad_path == -ENOSPC || bad_policy == -ENOSPC || bad_end == -ENOSPC || bad_family == -ENOSPC ||
	    (rc = dp_tblrpc_check_add(ov_check)) < 0)
		return -ENOSPC;
	paths_watch.sources = 1ull << pl_ov.paths;
	vteps_watch.sources = 1ull << pl_ov.vteps;
	policies_watch.sources = 1ull << pl_ov.policies;
	apps_watch.sources = 1ull << pl_ov.apps;
	if ((rc = pl_switch_guard_claimer(pl_ov.vnis, vni_claims)) < 0 ||
	    (rc = pl_qos_meter_ref(pl_ov.tunnels, OV_TUNNEL_VXLAN, offsetof(struct ov_tunnel, meter))) < 0 ||
	    (rc = pl_qos_meter_ref(pl_ov.tunnels, OV_TUNNEL_GENEVE, offsetof(struct ov_tunnel, meter))) < 0 ||
	    (rc = dp_table_deriver_add(&paths_watch)) < 0 || (rc = dp_table_deriver_add(&vteps_watch)) < 0 ||
	    (rc = dp_table_deriver_add(&policies_watch)) < 0 || (rc = dp_table_deriver_add(&apps_watch)) < 0 || (rc = ov_watch_init()) < 0 ||
	    (rc = ov_path_init(workers)) < 0 || (rc = ov_show_init(workers)) < 0 || (rc = ov_decap_init(workers)) < 0 ||
	    (rc = ov_encap_init(workers)) < 0 || (rc = ov_repair_init(workers)) < 0 || (rc = ov_app_init(workers)) < 0 || (rc = ov_probe_init()) < 0 || (rc = ov_sa_init(workers)) < 0 || (rc = ov_wg_init()) < 0 ||
	    (rc = ov_sarpc_init()) < 0 || (rc = ov_wgrpc_init()) < 0 || (rc = ov_ikerpc_init()) < 0)
		return rc;
	ov_encfast_init();
	pl_overlay_tunnel_back_init();
	return 0;
}

/* Punts: answers to our probes, encapsulated packets whose underlay next
 * hop was unresolved (dp_meta.tunnel: the path they leave on), and
 * packets too big for their path. */
static int
ov_slowpath(struct rte_mbuf *m)
{
	struct dp_meta *md = dp_meta(m);
	const struct ov_path *p;

	switch (md->punt) {
	case OV_PUNT_PROBE:
		ov_probe_answer(m);
		return -1;
	case OV_PUNT_BFD:
		ov_probe_bfd_in(m);
		return -1;
	case OV_PUNT_UNRESOLVED:
		if ((p = ov_state_path(md->tunnel)) == NULL) {   /* deleted since the worker looked */
			dp_slow_drop(m, OV_DROP(no_path));
			return -1;
		}
		ov_state_underlay_out(m, p);
		return -1;
	case OV_PUNT_TOO_BIG:
		pl_overlay_too_big(m);
		return -1;
	case OV_PUNT_WG_HANDSHAKE:
		ov_wg_punted(m);
		return -1;
	case OV_PUNT_IKE:
		ov_ikeio_punted(m);
		return -1;
	case OV_PUNT_APP:
		ov_app_punted(m);
		return -1;
	default:
		dp_slow_drop(m, OV_DROP(no_slowpath));
		return -1;
	}
}

/* The main lcore's poll: probes, then the picks they moved. */
static void
ov_ctl_poll(uint64_t now_tsc)
{
	ov_probe_poll(now_tsc);
	ov_watch_poll(now_tsc);
	ov_app_poll(now_tsc);
}

static void
ov_fini(void)
{
	ov_watch_fini();
	ov_probe_fini();
	ov_decap_fini();
	ov_encap_fini();
	ov_repair_fini();
	ov_app_fini();
	ov_sa_fini();
	ov_wg_fini();
	ov_path_fini();
}

static const struct dp_feature pl_overlay_feature = {
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
		/* a FEC parity after the block it protects */
		{ "overlay.encap", pl_overlay_encap_burst, { NULL }, .extra_after = true },
	},
	/* the switch's fdb, flood and route tunnels are ours */
	.attach = {
		{ "switch.l2", "tunnel", "overlay.encap" },
		{ "switch.l3", "tunnel", "overlay.encap" },
		{ "switch.l3v6", "tunnel", "overlay.encap" },
	},
	.slowpath = ov_slowpath,
	.ctl_poll = ov_ctl_poll,
	.fini = ov_fini,
	.handover_out = ov_handover_out,
	.cut_off = ov_probe_cut_off,
	.partner = ov_probe_partner,
	.handover_in = ov_handover_in,
};

DP_FEATURE_REGISTER(pl_overlay_feature)
