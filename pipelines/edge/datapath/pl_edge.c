/* The edge feature in sxdp: a slice's edge, where its VRF meets an outside
 * VRF (the Internet's, a DN's) through a route of action "edge", with
 * connection tracking and NAT44 (eg_stage.c). Its tables say which VRF is
 * whose outside and which pool it translates into; its connections and
 * mappings live per worker (ct_sess, nat_map); the main lcore sets the
 * timeouts, lists connections and logs exhausted pools at a bounded rate. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_feature.h"
#include "dp_log.h"
#include "dp_rpc.h"
#include "dp_schema.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_tblrpc.h"
#include "edge_names.h"
#include "eg_state.h"
#include "eg_log.h"
#define DP_REASONS_DEF "pl_edge.def"
#define DP_REASONS_PREFIX EDGE
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

unsigned int eg_drop_base, eg_event_base;
struct eg_tables eg_t = { -1, -1, -1, -1 };
struct eg_worker *eg_w;
unsigned int eg_n_workers;
uint32_t eg_pool_gen[EG_POOLS_MAX];
/* the workers' stores are made at the first edge written (a box without
 * an edge holds none of their memory): their size, and whether they are */
static uint32_t conns_per_worker;
static bool stores_made;
edge_policy_fn *eg_policy;

/* connections a worker holds unless the config's table_sizes say
 * (EDGE_SIZE_CONNS: all workers' together) */
#define CONNS_DEFAULT (1u << 16)
#define CONNS_MAX (1u << 24)

int
edge_policy_register(edge_policy_fn *fn)
{
	if (eg_policy != NULL && eg_policy != fn)
		return -EEXIST;
	eg_policy = fn;
	return 0;
}

static const struct dp_table_def slices_def = {
	.name = EDGE_T_SLICES, .size = 4096, .n_fields = 1,
	.fields = { { EDGE_F_VRF, DP_T_U16, DP_MATCH_EXACT, 4095 } },
	.n_actions = 2,
	.actions = {
		[EG_SLICE_EDGE] = { EDGE_A_EDGE, 2, { { EDGE_F_OUTSIDE, DP_T_U16, 4095 },
						      { EDGE_F_POOL, DP_T_U16, EG_POOLS_MAX - 1, true } } },
		[EG_SLICE_NONE] = { EDGE_A_NONE, 0, {} },
	},
	.default_action = EG_SLICE_NONE,
};

static const struct dp_table_def return_def = {
	.name = EDGE_T_RETURN, .size = 4096, .n_fields = 2,
	.fields = { { EDGE_F_VRF, DP_T_U16, DP_MATCH_EXACT, 4095 }, { EDGE_F_DST, DP_T_IPV4, DP_MATCH_LPM } },
	.n_actions = 2,
	.actions = {
		[EG_RET_INSIDE] = { EDGE_A_INSIDE, 2, { { EDGE_F_VRF, DP_T_U16, 4095 },
							{ EDGE_F_POOL, DP_T_U16, EG_POOLS_MAX - 1, true } } },
		[EG_RET_NONE] = { EDGE_A_NONE, 0, {} },
	},
	.default_action = EG_RET_NONE,
};

static const struct dp_table_def pools_def = {
	.name = EDGE_T_POOLS, .size = EG_POOLS_MAX, .n_fields = 1,
	.fields = { { EDGE_F_ID, DP_T_U32, DP_MATCH_EXACT, EG_POOLS_MAX - 1 } },
	.n_actions = 2,
	.actions = {
		[EG_POOL_POOL] = { EDGE_A_POOL, 8, { { EDGE_F_FIRST, DP_T_IPV4 }, { EDGE_F_LAST, DP_T_IPV4 },
						     { EDGE_F_PORT_LO, DP_T_U16 }, { EDGE_F_PORT_HI, DP_T_U16 },
						     { EDGE_F_BLOCK, DP_T_U16 }, { EDGE_F_BLOCKS, DP_T_U16,
						       NAT_HOST_BLOCKS_MAX },
						     { EDGE_F_DET_PREFIX, DP_T_IPV4, 0, true },
						     { EDGE_F_DET_PLEN, DP_T_U8, 32, true } } },
		[EG_POOL_NONE] = { EDGE_A_NONE, 0, {} },
	},
	.default_action = EG_POOL_NONE,
};

static const struct dp_table_def timeouts_def = {
	.name = EDGE_T_TIMEOUTS, .size = CT_TO_N, .n_fields = 1,
	.fields = { { EDGE_F_WHAT, DP_T_U8, DP_MATCH_EXACT, CT_TO_N - 1 } },
	.n_actions = 2,
	.actions = {
		[0] = { EDGE_A_TIMEOUT, 1, { { EDGE_F_SECONDS, DP_T_U32, 7 * 24 * 3600 } } },
		[1] = { EDGE_A_DEFAULT, 0, {} },
	},
	.default_action = 1,
};

/* ------------------------------------------------------------ checks */

static int bad_outside, bad_pool, bad_memory;

/* Main lcore: every worker's connection and mapping stores, once. */
static int
stores_make(void)
{
	int rc;

	for (unsigned int w = 0; w < eg_n_workers && !stores_made; w++) {
		char name[32];

		snprintf(name, sizeof(name), "edge_ct%u", w);
		if ((rc = ct_store_init(&eg_w[w].ct, name, conns_per_worker, (int)rte_socket_id())) < 0)
			return rc;
		eg_w[w].ct.pool_gen = eg_pool_gen;
		snprintf(name, sizeof(name), "edge_nat%u", w);
		if ((rc = nat_store_init(&eg_w[w].nat, name, conns_per_worker, w, eg_n_workers,
					 (int)rte_socket_id())) < 0)
			return rc;
		eg_w[w].nat.on_block = eg_log_block;
		eg_w[w].nat.on_block_arg = &eg_w[w].nat;
	}
	if (!stores_made)
		DP_LOG(INFO, "edge: %u connections a worker (%u workers)", conns_per_worker, eg_n_workers);
	/* published with the entries that lead to them: the write's commit
	 * comes after, and a worker reaches the stores only through those */
	stores_made = true;
	return 0;
}

static void
stores_free(void)
{
	for (unsigned int w = 0; eg_w != NULL && w < eg_n_workers; w++) {
		ct_store_fini(&eg_w[w].ct);
		nat_store_fini(&eg_w[w].nat);
	}
	stores_made = false;
}

/* What the tables cannot say: an edge leads to another VRF; a pool's
 * range, ports and blocks make sense, and a deterministic pool has a
 * block for every address of its prefix. */
static void
edge_check(const struct dp_update *u, unsigned int n, int *res)
{
	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0 || u[i].type == DP_UPD_DELETE || u[i].type == DP_UPD_DEFAULT)
			continue;
		/* the first way in or out of an edge: the workers' stores first */
		if ((u[i].table == eg_t.slices || u[i].table == eg_t.ret) && !stores_made && stores_make() < 0) {
			stores_free();
			res[i] = bad_memory;
			continue;
		}
		if (u[i].table == eg_t.slices && u[i].action == EG_SLICE_EDGE) {
			const struct eg_slice_p *p = (const struct eg_slice_p *)u[i].params;
			uint16_t vrf = rte_be_to_cpu_16(*(const rte_be16_t *)u[i].key);

			if (p->outside == vrf)
				res[i] = bad_outside;
		} else if (u[i].table == eg_t.pools && u[i].action == EG_POOL_POOL) {
			const struct nat_pool_p *p = (const struct nat_pool_p *)u[i].params;
			uint64_t hosts;

			if (rte_be_to_cpu_32(p->first) > rte_be_to_cpu_32(p->last) || nat_pool_addrs(p) > 65536 ||
			    p->port_lo == 0 || p->port_lo > p->port_hi || p->block == 0 ||
			    nat_pool_blocks_per_addr(p) == 0 || p->blocks == 0) {
				res[i] = bad_pool;
				continue;
			}
			if (p->det_plen == 0)
				continue;
			hosts = 1ull << (32 - p->det_plen);
			if (hosts > (uint64_t)nat_pool_addrs(p) * nat_pool_blocks_per_addr(p) ||
			    (p->det_plen < 32 &&
			     (rte_be_to_cpu_32(p->det_prefix) & (uint32_t)(hosts - 1)) != 0))
				res[i] = bad_pool;
		}
	}
}

/* the timeouts as written (a deriver's done: every batch that touched them) */
static void
timeouts_load(void)
{
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned int k = 0; k < CT_TO_N; k++) {
		uint8_t key[DP_KEY_MAX] = { (uint8_t)k };
		const struct dp_entry *e = dp_table_find((unsigned int)eg_t.timeouts, key);
		uint64_t s = ct_timeout_default_s[k];

		if (e != NULL && e->action == 0)
			s = *(const uint32_t *)e->params;
		__atomic_store_n(&ct_timeout_tsc[k], s * hz, __ATOMIC_RELAXED);
	}
}

/* A batch that touched the timeouts or the pools: the timeouts as
 * written; each pool written or deleted a generation on (its translated
 * connections end, its hosts' next mappings are of its new shape). */
static void
tables_done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool timeouts = false;

	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0)
			continue;
		if (d[i].table == eg_t.timeouts) {
			timeouts = true;
		} else if (d[i].table == eg_t.pools) {
			uint32_t id = rte_be_to_cpu_32(*(const rte_be32_t *)d[i].key) % EG_POOLS_MAX;

			__atomic_store_n(&eg_pool_gen[id], eg_pool_gen[id] + 1, __ATOMIC_RELAXED);
		}
	}
	if (timeouts)
		timeouts_load();
}

static struct dp_table_deriver tables_watch = { .done = tables_done };

/* ------------------------------------------------------------ RPCs */

static json_t *
ip_json(uint32_t be)
{
	char s[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = be };

	return json_string(inet_ntop(AF_INET, &a, s, sizeof(s)));
}

static const char *const state_name[CT_STATES] = {
	[CT_FREE] = "free", [CT_SYN_SENT] = "syn_sent", [CT_SYN_RECV] = "syn_recv",
	[CT_ESTABLISHED] = "established", [CT_FIN_WAIT] = "fin_wait", [CT_CLOSING] = "closing",
	[CT_CLOSED] = "closed", [CT_OPEN] = "open",
};

static const struct dp_schema_field conns_params[] = {
	{ .name = "vrf", .type = DP_SCHEMA_UINT, .max = 4095, .desc = "only this slice's (inside VRF)" },
	{ .name = "limit", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_DEF, .def = 1000, .min = 1, .max = 100000,
	  .desc = "at most this many rows" },
	{ NULL },
};

static const struct dp_schema_field conn_row = {
	.name = "connection", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
	.desc = "{worker, proto, state, dir (who opened it: out or in), vrf, src, sport, dst, dport (the inside "
		"host's view), outside: {vrf, src, sport (what the remote sees of the inside host)}, "
		"replied, packets, idle_s}",
};

static const struct dp_rpc_method conns_method = {
	.name = "edge.connections",
	.description = "The connections across the slices' edges, each worker's, as their inside hosts and "
		       "the outside see them (NAT44's translation), their state and idle time",
	.params = conns_params,
	.result = &(const struct dp_schema_field){
		.name = "connections", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
		.fields = (const struct dp_schema_field[]){
			{ .name = "connections", .type = DP_SCHEMA_ARRAY, .items = &conn_row },
			{ .name = "total", .type = DP_SCHEMA_UINT, .desc = "all that match, listed or not" },
			{ NULL } } },
};

static int
m_conns(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *rows = json_array();
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz(), total = 0;
	bool by_vrf = v[0].set;
	uint16_t vrf = (uint16_t)v[0].u;
	uint64_t limit = v[1].u;

	for (unsigned int w = 0; w < eg_n_workers; w++) {
		const struct ct_store *st = &eg_w[w].ct;

		/* cap is 0 before the first edge: no records */
		for (uint32_t i = 0; i < st->cap; i++) {
			struct ct_sess s;

			/* a worker writes the record while it is read: a copy,
			 * checked after (a record reused half-way shows as
			 * another, never as garbage that matters) */
			if (__atomic_load_n(&st->s[i].state, __ATOMIC_ACQUIRE) == CT_FREE)
				continue;
			memcpy(&s, &st->s[i], sizeof(s));
			if (s.state == CT_FREE || s.state >= CT_STATES || (by_vrf && s.in.vrf != vrf) ||
			    ct_sess_expired(&s, now))
				continue;
			total++;
			if (json_array_size(rows) >= limit)
				continue;
			json_array_append_new(rows, json_pack(
				"{s:i,s:i,s:s,s:s,s:i,s:o,s:i,s:o,s:i,s:{s:i,s:o,s:i},s:b,s:I,s:f}",
				"worker", (int)w, "proto", s.in.proto, "state", state_name[s.state],
				"dir", (s.flags & CT_F_IN) ? "in" : "out", "vrf", s.in.vrf,
				"src", ip_json(s.in.src), "sport", s.in.sport, "dst", ip_json(s.in.dst), "dport", s.in.dport,
				"outside", "vrf", s.out.vrf, "src", ip_json(s.out.dst), "sport", s.out.dport,
				"replied", (s.flags & CT_F_REPLIED) != 0, "packets", (json_int_t)s.pkts,
				"idle_s", (double)(now - s.last) / (double)hz));
		}
	}
	*result = json_pack("{s:o,s:I}", "connections", rows, "total", (json_int_t)total);
	return 0;
}

static const struct dp_rpc_method stats_method = {
	.name = "edge.stats",
	.description = "Per worker: connections held (and room), embryonic ones waiting in the eviction ring, "
		       "NAT44 mappings and hosts with port blocks; the timeouts in force (seconds)",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){ .name = "stats", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
						   .desc = "{workers: [{connections, capacity, mappings, hosts}], "
							   "timeouts: {name: s}}" },
};

static const char *const timeout_name[CT_TO_N] = {
	[CT_TO_TCP_EST] = "tcp_established", [CT_TO_TCP_TRANS] = "tcp_transitory", [CT_TO_TCP_SYN] = "tcp_syn",
	[CT_TO_UDP] = "udp", [CT_TO_ICMP] = "icmp", [CT_TO_OTHER] = "other",
};

static int
m_stats(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused, json_t **result,
	struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *ws = json_array(), *to = json_object();
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned int w = 0; w < eg_n_workers; w++)
		json_array_append_new(ws, json_pack("{s:I,s:I,s:I,s:I}",
			"connections", (json_int_t)__atomic_load_n(&eg_w[w].ct.used, __ATOMIC_RELAXED),
			"capacity", (json_int_t)conns_per_worker,
			"mappings", (json_int_t)__atomic_load_n(&eg_w[w].nat.n_maps, __ATOMIC_RELAXED),
			"hosts", (json_int_t)__atomic_load_n(&eg_w[w].nat.n_hosts, __ATOMIC_RELAXED)));
	for (unsigned int k = 0; k < CT_TO_N; k++)
		json_object_set_new(to, timeout_name[k], json_integer((json_int_t)(ct_timeout_tsc[k] / hz)));
	*result = json_pack("{s:o,s:o}", "workers", ws, "timeouts", to);
	return 0;
}

/* ------------------------------------------------------------ the feature */

static uint64_t exhausted_seen[DP_WORKERS_MAX], exhausted_logged;

/* Exhausted pools are logged once per EXHAUSTED_LOG_S at most (the
 * counter says how many, the log which pool). */
#define EXHAUSTED_LOG_S 10

static void
edge_poll(uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();

	if (now - exhausted_logged < EXHAUSTED_LOG_S * hz)
		return;
	for (unsigned int w = 0; w < eg_n_workers; w++) {
		uint64_t x = __atomic_load_n(&eg_w[w].exhausted, __ATOMIC_RELAXED);

		if (x == exhausted_seen[w])
			continue;
		DP_LOG(WARNING, "edge: NAT44 pool %u had no port for %" PRIu64 " new connections (worker %u)",
		       __atomic_load_n(&eg_w[w].exhausted_pool, __ATOMIC_RELAXED), x - exhausted_seen[w], w);
		exhausted_seen[w] = x;
		exhausted_logged = now;
	}
}

static int
edge_init(unsigned int workers)
{
	const struct dp_table_spec tables[] = {
		{ &slices_def, &eg_t.slices, EG_KEY_ROOM }, { &return_def, &eg_t.ret, EG_KEY_ROOM },
		{ &pools_def, &eg_t.pools, 0 }, { &timeouts_def, &eg_t.timeouts, 0 },
	};
	uint32_t total = dp_table_size_get(EDGE_SIZE_CONNS, CONNS_DEFAULT);
	int rc;

	if ((rc = dp_table_size_declare(EDGE_SIZE_CONNS)) < 0)
		return rc;
	if ((rc = dp_reasons_register(EDGE_drop_reasons, EDGE_DROP_N, EDGE_event_reasons, EDGE_EVENT_N,
				      &eg_drop_base, &eg_event_base)) < 0 ||
	    (rc = dp_feature_tables("edge", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off((unsigned int)eg_t.pools, EG_POOL_POOL, 6) != offsetof(struct nat_pool_p, det_prefix) ||
	    dp_table_param_off((unsigned int)eg_t.pools, EG_POOL_POOL, 7) != offsetof(struct nat_pool_p, det_plen) ||
	    dp_table_param_off((unsigned int)eg_t.slices, EG_SLICE_EDGE, 1) != offsetof(struct eg_slice_p, pool))
		return -EINVAL;
	bad_outside = dp_tblrpc_reason_add("bad_outside", "a slice's edge leads to another VRF than its own");
	bad_pool = dp_tblrpc_reason_add("bad_pool", "a NAT44 pool needs first <= last (at most 65,536 addresses), "
				       "ports from 1 with port_lo <= port_hi, a block of ports that fits them and "
				       "blocks from 1; a deterministic one an aligned prefix with a block for each of "
				       "its addresses");
	bad_memory = dp_tblrpc_reason_add("edge_memory", "the edge's connection tables could not be made (memory: "
					 "table_sizes.edge_connections is too many for the box's)");
	if (bad_outside == -ENOSPC || bad_pool == -ENOSPC || bad_memory == -ENOSPC)
		return -ENOSPC;
	if ((rc = dp_tblrpc_check_add(edge_check)) < 0)
		return rc;
	tables_watch.sources = 1ull << eg_t.timeouts | 1ull << eg_t.pools;
	if ((rc = dp_table_deriver_add(&tables_watch)) < 0)
		return rc;
	timeouts_load();
	if ((rc = eg_log_init()) < 0)
		return rc;
	pl_edge_walk_init(rte_get_tsc_hz());
	if ((rc = dp_meta_field_claim(EG_META_OFF, sizeof(struct eg_meta))) < 0)
		return rc;
	eg_n_workers = RTE_MAX(workers, 1u);
	conns_per_worker = RTE_MIN(RTE_MAX(total / eg_n_workers, 64u), CONNS_MAX);
	memset(eg_pool_gen, 0, sizeof(eg_pool_gen));
	eg_w = rte_zmalloc("edge_workers", sizeof(eg_w[0]) * eg_n_workers, RTE_CACHE_LINE_SIZE);
	if (eg_w == NULL)
		return -ENOMEM;
	if ((rc = dp_rpc_register(&conns_method, m_conns, NULL, NULL)) < 0)
		return rc;
	return dp_rpc_register(&stats_method, m_stats, NULL, NULL);
}

static void
edge_fini(void)
{
	stores_free();
	rte_free(eg_w);
	eg_w = NULL;
	eg_n_workers = 0;
	memset(exhausted_seen, 0, sizeof(exhausted_seen));
}

static const struct dp_feature pl_edge_feature = {
	.name = "edge",
	.description = "a slice's edge: the route of action edge into an outside VRF and back, with "
		       "connection tracking (TCP state, UDP and ICMP flows, ICMP errors related) and NAT44 "
		       "(endpoint-independent mapping and filtering, port blocks, deterministic pools, "
		       "hairpinning) per worker",
	.needs = { "switch" },
	.init = edge_init,
	.n_stages = 1,
	.stages = {
		{ "edge.route", pl_edge_route_burst, { "switch.l3" }, .handoff = true },
	},
	.attach = {
		{ "switch.l3", "route2", "edge.route" },
	},
	.ctl_poll = edge_poll,
	.walk = pl_edge_walk,
	.fini = edge_fini,
	.always = true,
};

DP_FEATURE_REGISTER(pl_edge_feature)
