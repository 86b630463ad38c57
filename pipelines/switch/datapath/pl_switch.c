/* Switch feature wiring: its tables, drop reasons and per-packet field,
 * set-up and teardown, and its registration. The stages are sw_ingress.c,
 * sw_l2.c, sw_l3.c and sw_l3v6.c, the frame rewrites sw_rewrite.h, learning
 * sw_learn.c, the write check sw_guard.c, the slow path pl_swctl.c (NDP and
 * ICMPv6: sw_nd.c; what both share: sw_slow.c, the hold queue sw_hold.c,
 * the exception path to the kernel sw_host.c). */
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <rte_errno.h>

#include "sw_names.h"
#include "sw_state.h"
#include "sw_ingress.h"
#include "sw_l2.h"
#include "sw_l3.h"
#include "sw_fast.h"
#include "sw_l3v6.h"
#include "sw_learn.h"
#include "sw_guard.h"
#include "sw_nexthop.h"
#include "pl_swctl.h"
#include "sw_hold.h"
#include "sw_host.h"
#include "sw_nd.h"
#include "sw_slow.h"
#include "qos_api.h"
#include "dp_table.h"
#include "dp_log.h"
#include "dp_stats.h"

#define DP_REASONS_DEF "pl_switch.def"
#define DP_REASONS_PREFIX sw
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

#define FDB_SIZE (1u << 17)
/* Bounds, so (port, VLAN), (bd, port) and bd key direct arrays: VLAN IDs
 * are 12 bits (IEEE 802.1Q), bridge domains as many. */
#define PORT_MAX (DP_PORTS_MAX - 1)
#define VID_MAX 4095
#define BD_MAX 4095

static const struct dp_table_def interfaces_def = {
	.name = SW_T_INTERFACES, .size = 4096, .n_fields = 2,
	.fields = { { SW_F_IN_PORT, DP_T_PORT, DP_MATCH_EXACT, PORT_MAX },
		    { SW_F_VLAN, DP_T_U16, DP_MATCH_EXACT, VID_MAX } },
	.n_actions = 4,
	.actions = {
		[SW_IF_ATTACH] = { SW_A_ATTACH, 3, { { SW_F_SLICE, DP_T_U16 }, { SW_F_BD, DP_T_U16, BD_MAX },
						  { SW_F_METER, DP_T_U32, QOS_METER_ID_CAP, true } } },
		[SW_IF_DROP] = { SW_A_DROP, 0, {} },
		/* a routed port: bd is its own link, whose SVIs are its addresses */
		[SW_IF_ROUTED] = { SW_A_ROUTED, 3, { { SW_F_SLICE, DP_T_U16 }, { SW_F_BD, DP_T_U16, BD_MAX },
						  { SW_F_METER, DP_T_U32, QOS_METER_ID_CAP, true } } },
		/* a VRF's kernel twin: a routed port whose packets are the box's */
		[SW_IF_HOST] = { SW_A_HOST, 3, { { SW_F_SLICE, DP_T_U16 }, { SW_F_BD, DP_T_U16, BD_MAX },
						{ SW_F_METER, DP_T_U32, QOS_METER_ID_CAP, true } } },
	},
	.default_action = SW_IF_DROP, .next_table = SW_T_FDB,
};

static const struct dp_table_def bd_ports_def = {
	.name = SW_T_BD_PORTS, .size = 4096, .n_fields = 2,
	.fields = { { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX },
		    { SW_F_PORT, DP_T_PORT, DP_MATCH_EXACT, PORT_MAX } },
	.n_actions = 2,
	.actions = { { SW_A_MEMBER, 1, { { SW_F_VLAN, DP_T_U16, VID_MAX } } }, { SW_A_NONE, 0, {} } },
	.default_action = 1,
};

static const struct dp_table_def flood_def = {
	.name = SW_T_FLOOD, .size = 4096, .n_fields = 1,
	.fields = { { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX } },
	.n_actions = 2,
	/* tunnels: head-end replication to the domain's peer sites (0: none),
	 * the first SW_FLOOD_TUNNELS here, `more` in flood_more */
	.actions = { { SW_A_FLOOD, 2 + SW_FLOOD_TUNNELS, { { SW_F_PORTS, DP_T_U32 },
		{ SW_F_T_N(0), DP_T_U32, 0, true }, { SW_F_T_N(1), DP_T_U32, 0, true },
		{ SW_F_T_N(2), DP_T_U32, 0, true }, { SW_F_T_N(3), DP_T_U32, 0, true },
		{ SW_F_T_N(4), DP_T_U32, 0, true }, { SW_F_T_N(5), DP_T_U32, 0, true },
		{ SW_F_T_N(6), DP_T_U32, 0, true }, { SW_F_T_N(7), DP_T_U32, 0, true },
		{ SW_F_MORE, DP_T_U16, SW_FLOOD_MORE_MAX, true } } },
		{ SW_A_NONE, 0, {} } },
	.default_action = 1,
};

/* A bridge domain's flood list past the entry's own tunnels: entry i of
 * its `more` (dense, 0..more-1). */
static const struct dp_table_def flood_more_def = {
	.name = SW_T_FLOOD_MORE, .size = 16384, .n_fields = 2,
	.fields = { { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX },
		    { SW_F_INDEX, DP_T_U16, DP_MATCH_EXACT, SW_FLOOD_MORE_MAX - 1 } },
	.n_actions = 2,
	.actions = { { SW_A_TUNNEL, 1, { { SW_F_TUNNEL, DP_T_U32 } } }, { SW_A_NONE, 0, {} } },
	.default_action = 1,
};

static const struct dp_table_def fdb_def = {
	.name = SW_T_FDB, .size = FDB_SIZE, .n_fields = 2,
	.fields = { { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX }, { SW_F_MAC, DP_T_MAC, DP_MATCH_EXACT } },
	.n_actions = 7,
	.actions = {
		[SW_FDB_FORWARD] = { SW_A_FORWARD, 1, { { SW_F_PORT, DP_T_PORT } } },
		[SW_FDB_LEARNED] = { SW_A_LEARNED, 1, { { SW_F_PORT, DP_T_PORT } } },
		[SW_FDB_ROUTE] = { SW_A_ROUTE, 0, {} },
		[SW_FDB_DROP] = { SW_A_DROP, 0, {} },
		/* behind an overlay tunnel (the overlay feature's tunnels table),
		 * or an attached endpoint (SW_TUN_ATTACHED: a UPF's Ethernet PDU
		 * session, sw_api.h) */
		[SW_FDB_TUNNEL] = { SW_A_TUNNEL, 1, { { SW_F_TUNNEL, DP_T_U32 } } },
		[SW_FDB_TUNNEL_LEARNED] = { SW_A_TUNNEL_LEARNED, 1, { { SW_F_TUNNEL, DP_T_U32 } } },
		/* a router MAC of a gateway an election holds (sw_api.h) */
		[SW_FDB_ROUTE_HELD] = { SW_A_ROUTE_HELD, 1, { { SW_F_HELD, DP_T_U8, SW_HELD_V6 } } },
	},
	/* a miss floods; "drop" as default turns unknown unicast flooding off */
	.default_action = SW_FDB_ROUTE, .next_table = SW_T_ROUTES,
	.age_actions = 1u << SW_FDB_LEARNED | 1u << SW_FDB_TUNNEL_LEARNED, .idle_timeout_s = 300,
};

/* The route actions that name no next hop, IPv4 and IPv6 alike. */
#define ROUTE_ACTIONS_LOCAL								\
	[SW_RT_CONNECTED] = { SW_A_CONNECTED, 1, { { SW_F_BD, DP_T_U16, BD_MAX } } },			\
	[SW_RT_LOCAL] = { SW_A_LOCAL, 0, {} },							\
	[SW_RT_DROP] = { SW_A_DROP, 0, {} },							\
	[SW_RT_UNREACHABLE] = { SW_A_UNREACHABLE, 0, {} },						\
	[SW_RT_TUNNEL] = { SW_A_TUNNEL, 1, { { SW_F_TUNNEL, DP_T_U32, SW_TUNNEL_MAX } } },			\
	[SW_RT_UPPER] = { NULL, 0, {} },  /* named at init (route_upper) */			\
	[SW_RT_UPPER2] = { NULL, 0, {} }

static struct dp_table_def routes_def = {
	.name = SW_T_ROUTES, .size = 1u << 16, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_DST, DP_T_IPV4, DP_MATCH_LPM } },
	.n_actions = 8,
	.actions = {
		[SW_RT_VIA] = { SW_A_VIA, 1, { { SW_F_NH, DP_T_IPV4 } } },
		[SW_RT_ECMP] = { SW_A_ECMP, 5, { { SW_F_N, DP_T_U8 }, { SW_F_NH_N(0), DP_T_IPV4 }, { SW_F_NH_N(1), DP_T_IPV4 },
					      { SW_F_NH_N(2), DP_T_IPV4 }, { SW_F_NH_N(3), DP_T_IPV4 } } },
		ROUTE_ACTIONS_LOCAL,
	},
	.default_action = SW_RT_UNREACHABLE, .next_table = SW_T_NEXTHOPS,
};

/* A neighbour's rewrite, static or learned (ARP, NDP); a miss is punted to
 * resolve it. IPv4 and IPv6 alike. One behind an overlay tunnel is learned
 * only (the box's own ARP or NDP exchange through it): a tunnel's MACs
 * are the remote site's to say. */
#define NEIGH_ACTIONS									\
	.n_actions = 4,									\
	.actions = {									\
		[SW_NB_REWRITE] = { SW_A_REWRITE, 4, { { SW_F_PORT, DP_T_PORT }, { SW_F_VLAN, DP_T_U16, VID_MAX }, \
						    { SW_F_DMAC, DP_T_MAC }, { SW_F_SMAC, DP_T_MAC } } }, \
		[SW_NB_LEARNED] = { SW_A_LEARNED, 4, { { SW_F_PORT, DP_T_PORT }, { SW_F_VLAN, DP_T_U16, VID_MAX }, \
						    { SW_F_DMAC, DP_T_MAC }, { SW_F_SMAC, DP_T_MAC } } }, \
		[SW_NB_UNRESOLVED] = { SW_A_UNRESOLVED, 0, {} },				\
		[SW_NB_TUNNEL] = { SW_A_TUNNEL_LEARNED, 3, { { SW_F_TUNNEL, DP_T_U32, SW_TUNNEL_MAX },	\
						     { SW_F_DMAC, DP_T_MAC }, { SW_F_SMAC, DP_T_MAC } } }, \
	},										\
	.default_action = SW_NB_UNRESOLVED

static const struct dp_table_def neigh_def = {
	.name = SW_T_NEIGH, .size = 1u << 16, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_IP, DP_T_IPV4, DP_MATCH_EXACT } },
	NEIGH_ACTIONS,
};

/* Derived from routes and neigh (sw_nexthop.c): what a route's next-hop id
 * resolves to, by direct index. */
static const struct dp_table_def nexthops_def = {
	.name = SW_T_NEXTHOPS, .size = SW_NH_MAX, .n_fields = 1,
	.fields = { { SW_F_ID, DP_T_U32, DP_MATCH_EXACT, SW_NH_MAX - 1 } },
	.n_actions = 7,
	.actions = {
		[SW_NH_RESOLVED] = { SW_A_RESOLVED, 6, { { SW_F_PORT, DP_T_PORT }, { SW_F_VLAN, DP_T_U16, VID_MAX },
						      { SW_F_DMAC, DP_T_MAC }, { SW_F_SMAC, DP_T_MAC },
						      { SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV4 } } },
		[SW_NH_UNRESOLVED] = { SW_A_UNRESOLVED, 2, { { SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV4 } } },
		[SW_NH_NONE] = { SW_A_NONE, 0, {} },
		[SW_NH_RESOLVED6] = { SW_A_RESOLVED6, 6, { { SW_F_PORT, DP_T_PORT }, { SW_F_VLAN, DP_T_U16, VID_MAX },
							{ SW_F_DMAC, DP_T_MAC }, { SW_F_SMAC, DP_T_MAC },
							{ SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV6 } } },
		[SW_NH_UNRESOLVED6] = { SW_A_UNRESOLVED6, 2, { { SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV6 } } },
		[SW_NH_TUNNEL] = { SW_A_TUNNEL, 5, { { SW_F_TUNNEL, DP_T_U32, SW_TUNNEL_MAX }, { SW_F_DMAC, DP_T_MAC },
						  { SW_F_SMAC, DP_T_MAC }, { SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV4 } } },
		[SW_NH_TUNNEL6] = { SW_A_TUNNEL6, 5, { { SW_F_TUNNEL, DP_T_U32, SW_TUNNEL_MAX }, { SW_F_DMAC, DP_T_MAC },
						    { SW_F_SMAC, DP_T_MAC }, { SW_F_VRF, DP_T_U16 }, { SW_F_IP, DP_T_IPV6 } } },
	},
	/* a miss (never, but for a bug) resolves through neigh on the slow path */
	.default_action = SW_NH_NONE,
	.derived = true,
};

static const struct dp_table_def svi_def = {
	.name = SW_T_SVI, .size = 1024, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX } },
	.n_actions = 2,
	.actions = { { SW_A_SVI, 4, { { SW_F_MAC, DP_T_MAC }, { SW_F_IP, DP_T_IPV4 }, { SW_F_PLEN, DP_T_U8 },
				   { SW_F_HELD, DP_T_U8, 1, true } } },
		     { SW_A_NONE, 0, {} } },
	.default_action = 1,
};

/* IPv6: the same VRFs (the slice), the same actions as routes and neigh;
 * ECMP is 2-way (see SW_ECMP6_MAX). */
static struct dp_table_def routes6_def = {
	.name = SW_T_ROUTES6, .size = 1u << 16, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_DST, DP_T_IPV6, DP_MATCH_LPM } },
	.n_actions = 8,
	.actions = {
		[SW_RT_VIA] = { SW_A_VIA, 1, { { SW_F_NH, DP_T_IPV6 } } },
		[SW_RT_ECMP] = { SW_A_ECMP, 3, { { SW_F_N, DP_T_U8, SW_ECMP6_MAX }, { SW_F_NH_N(0), DP_T_IPV6 },
					      { SW_F_NH_N(1), DP_T_IPV6 } } },
		ROUTE_ACTIONS_LOCAL,
	},
	.default_action = SW_RT_UNREACHABLE, .next_table = SW_T_NEXTHOPS,
};

static const struct dp_table_def neigh6_def = {
	.name = SW_T_NEIGH6, .size = 1u << 16, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_IP, DP_T_IPV6, DP_MATCH_EXACT } },
	NEIGH_ACTIONS,
};

/* The box's IPv6 address in a BD (its link-local one follows from the MAC). */
static const struct dp_table_def svi6_def = {
	.name = SW_T_SVI6, .size = 1024, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX } },
	.n_actions = 2,
	.actions = { { SW_A_SVI6, 4, { { SW_F_MAC, DP_T_MAC }, { SW_F_IP, DP_T_IPV6 },
				    { SW_F_PLEN, DP_T_U8, 128 }, { SW_F_HELD, DP_T_U8, 1, true } } },
		     { SW_A_NONE, 0, {} } },
	.default_action = 1,
};

/* Where the box's packets of (vrf, bd) go (sw_host.h): the kernel twin
 * behind (port, vlan); bd 0 is the VRF's for any BD without its own. */
static const struct dp_table_def hosts_def = {
	.name = SW_T_HOSTS, .size = 4096, .n_fields = 2,
	.fields = { { SW_F_VRF, DP_T_U16, DP_MATCH_EXACT }, { SW_F_BD, DP_T_U16, DP_MATCH_EXACT, BD_MAX } },
	.n_actions = 2,
	.actions = { [SW_HOST_TWIN] = { SW_A_TWIN, 2, { { SW_F_PORT, DP_T_PORT, PORT_MAX },
							{ SW_F_VLAN, DP_T_U16, VID_MAX } } },
		     [SW_HOST_NONE] = { SW_A_NONE, 0, {} } },
	.default_action = SW_HOST_NONE,
};

/* The route actions into the features attached to the "route" and
 * "route2" edges of each family's L3 stage, named after them (the UPF's:
 * "upf"; the edge's, IPv4's alone: "edge"), in that order; none without
 * one. */
uint8_t sw_rt_upper_edge[2][2];

static void
route_upper_of(struct dp_table_def *def, const char *stage, uint8_t *edge)
{
	static char names[2][2][32];
	static const char *const edges[2] = { "route", "route2" };
	static const uint8_t l3_edge[2] = { SW_L3_EDGE_ROUTE, SW_L3_EDGE_ROUTE2 };
	bool v6 = def == &routes6_def;
	unsigned int n = SW_RT_UPPER;

	for (unsigned int i = 0; i < 2; i++) {
		const char *node = dp_feature_attached(stage, edges[i]);

		if (node == NULL)
			continue;
		snprintf(names[v6][i], sizeof(names[v6][i]), "%.*s", (int)strcspn(node, "."), node);
		def->actions[n].name = names[v6][i];
		def->actions[n].n_params = 0;
		edge[n - SW_RT_UPPER] = l3_edge[i];
		n++;
	}
	def->n_actions = (uint8_t)n;
}

static void
route_upper(void)
{
	route_upper_of(&routes_def, "switch.l3", sw_rt_upper_edge[0]);
	route_upper_of(&routes6_def, "switch.l3v6", sw_rt_upper_edge[1]);
}

static int
sw_init(unsigned int workers)
{
	/* room: the key buffers the stages build each table's keys in */
	const struct dp_table_spec tables[] = {
		{ &interfaces_def, &pl_sw.interfaces, SW_KEY_BYTES }, { &bd_ports_def, &pl_sw.bd_ports, SW_KEY_BYTES },
		{ &flood_def, &pl_sw.flood, SW_KEY_BYTES }, { &fdb_def, &pl_sw.fdb, SW_KEY_BYTES },
		{ &routes_def, &pl_sw.routes, SW_KEY_BYTES }, { &neigh_def, &pl_sw.neigh, SW_KEY_BYTES },
		{ &svi_def, &pl_sw.svi, SW_KEY_BYTES }, { &nexthops_def, &pl_sw.nexthops, SW_KEY_BYTES },
		{ &routes6_def, &pl_sw.routes6, SW_KEY6_BYTES }, { &neigh6_def, &pl_sw.neigh6, SW_KEY6_BYTES },
		{ &svi6_def, &pl_sw.svi6, SW_KEY_BYTES }, { &hosts_def, &pl_sw.hosts, SW_KEY_BYTES },
		{ &flood_more_def, &pl_sw.flood_more, SW_KEY_BYTES },
	};

	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "sx_switch_meta", .size = sizeof(struct sw_meta),
		.align = __alignof__(struct sw_meta),
	};
	int rc;

	if ((rc = dp_reasons_register(sw_drop_reasons, SW_DROP_N, sw_event_reasons, SW_EVENT_N,
				      &pl_sw_drop_base, &pl_sw_event_base)) < 0)
		return rc;
	pl_sw_drop_frag_needed = SW_DROP(frag_needed);
	pl_sw_drop_pkt_too_big = SW_DROP(pkt_too_big);
	route_upper();
	if ((pl_sw_meta_off = rte_mbuf_dynfield_register(&meta_desc)) < 0) {
		DP_LOG(ERR, "switch: per-packet field: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	if ((rc = dp_feature_tables("switch", tables, RTE_DIM(tables))) < 0)
		return rc;
	/* the params the stages overlay are where the engine lays them out */
	if (dp_table_param_off(pl_sw.nexthops, SW_NH_RESOLVED, 4) !=
	    offsetof(struct sw_nh_resolved, vrf) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_RESOLVED, 5) !=
	    offsetof(struct sw_nh_resolved, ip) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_UNRESOLVED, 1) !=
	    offsetof(struct sw_nh_unresolved, ip) ||
	    dp_table_param_off(pl_sw.routes, SW_RT_ECMP, 4) + 4 > SW_RT_IDS_OFF ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_RESOLVED6, 5) !=
	    offsetof(struct sw_nh6_resolved, ip) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_UNRESOLVED6, 1) !=
	    offsetof(struct sw_nh6_unresolved, ip) ||
	    dp_table_param_off(pl_sw.routes6, SW_RT_ECMP, 2) != offsetof(struct sw_ecmp6, nh[1]) ||
	    dp_table_param_off(pl_sw.svi6, 0, 2) != offsetof(struct sw_svi6, plen) ||
	    dp_table_param_off(pl_sw.svi6, 0, 3) != offsetof(struct sw_svi6, held) ||
	    dp_table_param_off(pl_sw.svi, 0, 3) != offsetof(struct sw_svi, held) ||
	    dp_table_param_off(pl_sw.fdb, SW_FDB_ROUTE_HELD, 0) != offsetof(struct sw_fdb_route, held))
		return -EINVAL;
	/* a tunnel neighbour is a rewrite's MACs, its next hop where a resolved one's is */
	if (dp_table_param_off(pl_sw.neigh, SW_NB_TUNNEL, 1) != offsetof(struct sw_rw_tunnel, dmac) ||
	    dp_table_param_off(pl_sw.neigh6, SW_NB_TUNNEL, 2) != offsetof(struct sw_rw_tunnel, smac) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_TUNNEL, 3) != offsetof(struct sw_nh_resolved, vrf) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_TUNNEL, 4) != offsetof(struct sw_nh_resolved, ip) ||
	    dp_table_param_off(pl_sw.nexthops, SW_NH_TUNNEL6, 4) != offsetof(struct sw_nh6_resolved, ip))
		return -EINVAL;
	if (dp_table_param_off(pl_sw.interfaces, SW_IF_ATTACH, 2) != offsetof(struct sw_attach, meter) ||
	    dp_table_param_off(pl_sw.interfaces, SW_IF_ROUTED, 2) != offsetof(struct sw_attach, meter) ||
	    dp_table_param_off(pl_sw.interfaces, SW_IF_HOST, 2) != offsetof(struct sw_attach, meter) ||
	    dp_table_param_off(pl_sw.hosts, SW_HOST_TWIN, 1) != offsetof(struct sw_host, vlan) ||
	    dp_table_param_off(pl_sw.flood, 0, 1 + SW_FLOOD_TUNNELS) != offsetof(struct sw_flood, more))
		return -EINVAL;
	if ((rc = pl_switch_learn_init(workers)) < 0 || (rc = pl_switch_guard_init()) < 0 ||
	    (rc = pl_switch_nexthop_init()) < 0 ||
	    (rc = pl_qos_meter_ref(pl_sw.interfaces, SW_IF_ATTACH, offsetof(struct sw_attach, meter))) < 0 ||
	    (rc = pl_qos_meter_ref(pl_sw.interfaces, SW_IF_ROUTED, offsetof(struct sw_attach, meter))) < 0 ||
	    (rc = pl_qos_meter_ref(pl_sw.interfaces, SW_IF_HOST, offsetof(struct sw_attach, meter))) < 0)
		return rc;
	sw_slow_init();
	sw_hold_init();
	sw_host_init();
	pl_swctl_init();
	pl_switch_nd_init();
	return 0;
}

/* Main lcore, every loop: learned MACs into the fdb, then slow-path timers. */
static void
sw_poll(uint64_t now)
{
	pl_switch_learn_drain();
	sw_hold_poll(now);
}

static void
sw_fini(void)
{
	sw_hold_fini();
	pl_switch_nexthop_fini();
	pl_switch_learn_fini();
}

static const struct dp_feature pl_switch_feature = {
	.name = "switch",
	.description = "slices at ingress; per-slice L2 bridge domains (learning, ageing, flooding) "
		       "and L3 VRFs (IPv4 and IPv6: LPM, ECMP, ARP/NDP, ICMP/ICMPv6)",
	.needs = { "qos" },
	.init = sw_init,
	.n_stages = 4,
	.stages = {
		/* a routed port's packets skip l2 (sw_state.h: SW_IN_EDGE_*) */
		{ "switch.ingress", pl_switch_ingress_burst, { "switch.l2", "switch.l3", "switch.l3v6",
			DP_EDGE_OPEN_OF("switch.l3", "tunnel"), DP_EDGE_OPEN_OF("switch.l3", "route"),
			DP_EDGE_OPEN_OF("switch.l3", "route2"), DP_EDGE_OPEN_OF("switch.l2", "tunnel"),
			DP_EDGE_OPEN_OF("switch.l2", "session") } },
		{ "switch.l2", pl_switch_l2_burst, { "switch.l3", "switch.l3v6", DP_EDGE_OPEN("tunnel"),
						     DP_EDGE_OPEN("session") } },
		{ "switch.l3", pl_switch_l3_burst, { DP_EDGE_OPEN("tunnel"), DP_EDGE_OPEN("route"),
						     DP_EDGE_OPEN("route2") } },
		{ "switch.l3v6", pl_switch_l3v6_burst, { DP_EDGE_OPEN("tunnel"), DP_EDGE_OPEN("route"),
							 DP_EDGE_OPEN("route2") } },
	},
	.slowpath = pl_swctl_slowpath,
	.ctl_poll = sw_poll,
	.fini = sw_fini,
};

DP_FEATURE_REGISTER(pl_switch_feature)

