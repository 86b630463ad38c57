/* The declarations of dp_apidef.h: every control method's params (what the
 * dispatcher lets through) and result (what the handler answers), with a
 * description of each member. Results are checked against these by the
 * packet tests, so they stay what sxdp sends. */
#include <stddef.h>

#include "dp_apidef.h"

/* Members of results: always present, of one type. */
#define RU(n, d) { .name = n, .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ, .desc = d }
#define RN(n, d) { .name = n, .type = DP_SCHEMA_NUMBER, .flags = DP_SCHEMA_REQ, .desc = d }
#define RS(n, d) { .name = n, .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ, .desc = d }
#define RB(n, d) { .name = n, .type = DP_SCHEMA_BOOL, .flags = DP_SCHEMA_REQ, .desc = d }
#define RO(n, d, f) { .name = n, .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ, .desc = d, \
		      .fields = f }
#define RA(n, d, i) { .name = n, .type = DP_SCHEMA_ARRAY, .flags = DP_SCHEMA_REQ, .desc = d, \
		      .items = i }
#define END { .name = NULL }

static const struct dp_schema_field any_value = { .type = DP_SCHEMA_ANY };
static const struct dp_schema_field a_string = { .type = DP_SCHEMA_STRING };
static const struct dp_schema_field a_count = { .type = DP_SCHEMA_UINT };

static const char *const admin_names[] = {
	[DP_APIDEF_ADMIN_DOWN] = "down", [DP_APIDEF_ADMIN_UP] = "up", NULL };
static const char *const role_names[] = { "lan", "wan", "n3", "n6", "n9", NULL };

/* ------------------------------------------------------------ sys.hello */

static const struct dp_schema_field hello_result = {
	.name = "hello", .type = DP_SCHEMA_OBJECT, .desc = "who answers",
	.fields = (const struct dp_schema_field[]){
		RS("name", "\"sxdp\""),
		RS("version", "sxdp's version"),
		RS("boot_id", "new on every start: a client that sees it change programs the "
			      "tables again"),
		RU("generation", "the tables' generation, one more per batch that changed them"),
		RS("pipeline", "the config's pipeline: a feature, or role=feature pairs"),
		RU("workers", "worker lcores"),
		RU("ports", "ports"),
		RU("replaced", "earlier clients that held the name of params.exclusive, closed: what "
			       "they sent that was not run yet never is"),
		END },
};

static const struct dp_schema_field hello_params[] = {
	{ .name = "exclusive", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_BOUNDS, .min = 1, .max = 31,
	  .desc = "this connection holds this name alone: any other that holds it is closed first, its "
		  "requests not run yet dropped (a restarted controller's fence against its predecessor's "
		  "writes still queued)", .example = "\"sxcd\"" },
	END
};

const struct dp_rpc_method dp_apidef_sys_hello = {
	.name = "sys.hello",
	.description = "Version, boot_id (changes on every start) and table generation",
	.params = hello_params,
	.result = &hello_result,
};

/* ------------------------------------------------------------ port.* */

static const struct dp_schema_field v4_prefix = {
	.type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IPV4_PREFIX };
static const struct dp_schema_field v6_prefix = {
	.type = DP_SCHEMA_STRING, .format = DP_SCHEMA_FMT_IPV6_PREFIX };

static const struct dp_schema_field port_fields[] = {
	RU("index", "the port's number (config order)"),
	RS("name", "its name"),
	RU("port_id", "its DPDK ethdev port id"),
	{ .name = "admin", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = admin_names,
	  .desc = "down: its RX queues are not polled" },
	RU("mtu", "the largest IP packet it sends"),
	RS("devargs", "its DPDK device"),
	RS("driver", "the device's driver"),
	{ .name = "role", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = role_names,
	  .desc = "its role: which feature its packets enter" },
	{ .name = "mac", .type = DP_SCHEMA_STRING, .flags = DP_SCHEMA_REQ,
	  .format = DP_SCHEMA_FMT_MAC, .desc = "its MAC address" },
	RA("ipv4", "its IPv4 addresses (config)", &v4_prefix),
	RA("ipv6", "its IPv6 addresses (config)", &v6_prefix),
	RO("link", "the device's link", ((const struct dp_schema_field[]){
		RB("up", "link up"),
		RU("speed_mbps", "link speed"),
		END })),
	RU("rx_queues", "RX queues"),
	RU("tx_queues", "TX queues"),
	RO("rss", "how its RX queues are spread", ((const struct dp_schema_field[]){
		RA("types", "the hash types configured (ip, udp, tcp, gtpu): what sxdp asks, as far as "
		   "the device offers; none with one RX queue", &a_string),
		RA("offered", "the hash types the device offers", &a_string),
		RB("gtpu", "the device spreads GTP-U on the TEID (GTP-U RSS): each session on one queue"),
		RB("soft_rss", "the workers spread its packets again on the parser's flow hash (the TEID "
		   "for GTP-U)"),
		END })),
	RA("tx_offloads", "the TX offloads configured, as DPDK names them: of those sxdp uses "
	   "(mbuf_fast_free; ipv4_cksum: the ESP seal's outer header checksum), what the device offers",
	   &a_string),
	END
};

static const struct dp_schema_field port_object = {
	.name = "port", .type = DP_SCHEMA_OBJECT, .desc = "a port", .fields = port_fields };

static const struct dp_schema_field port_list_result = {
	.name = "ports", .type = DP_SCHEMA_OBJECT, .desc = "the box's ports",
	.fields = (const struct dp_schema_field[]){
		RA("ports", "in config order", &port_object),
		END },
};

const struct dp_rpc_method dp_apidef_port_list = {
	.name = "port.list",
	.description = "Ports with driver, role, addresses, link",
	.params = dp_schema_none,
	.result = &port_list_result,
};

/* sxdp's counters of a port (stats.get), then with its device's (port.stats) */
#define PORT_COUNTERS \
	RU("index", "the port's number"), \
	RS("name", "its name"), \
	RU("rx_packets", "packets sxdp read"), \
	RU("rx_bytes", "their bytes"), \
	RU("rx_missed", "packets the device (AF_XDP, AF_PACKET: the kernel) dropped before " \
			"sxdp read them"), \
	RU("tx_packets", "packets sent"), \
	RU("tx_bytes", "their bytes"), \
	RU("tx_dropped", "packets the device did not take")

static const struct dp_schema_field port_counters = {
	.type = DP_SCHEMA_OBJECT, .desc = "a port's counters",
	.fields = (const struct dp_schema_field[]){ PORT_COUNTERS, END },
};

static const struct dp_schema_field port_stats_item = {
	.type = DP_SCHEMA_OBJECT, .desc = "a port's counters, sxdp's and its device's",
	.fields = (const struct dp_schema_field[]){
		PORT_COUNTERS,
		RO("hw", "the device's own counters (rte_eth_stats)",
		   ((const struct dp_schema_field[]){
			RU("ipackets", ""), RU("opackets", ""), RU("ibytes", ""), RU("obytes", ""),
			RU("imissed", ""), RU("ierrors", ""), RU("oerrors", ""),
			RU("rx_nombuf", "RX mbuf allocation failures"),
			END })),
		END },
};

static const struct dp_schema_field port_stats_result = {
	.name = "ports", .type = DP_SCHEMA_OBJECT, .desc = "counters per port",
	.fields = (const struct dp_schema_field[]){
		RA("ports", "the port asked for, or all", &port_stats_item),
		END },
};

const struct dp_rpc_method dp_apidef_port_stats = {
	.name = "port.stats",
	.description = "Software and hardware counters of one port (name or index) or all",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_STATS_PORT] = { .name = "port", .type = DP_SCHEMA_REF,
			.ref = DP_APIDEF_REF_PORT, .flags = DP_SCHEMA_BY_INDEX,
			.desc = "the port, by name or index; absent: every port" },
		[DP_APIDEF_STATS_N] = END },
	.result = &port_stats_result,
};

const struct dp_rpc_method dp_apidef_port_set = {
	.name = "port.set",
	.description = "Set a port administratively up or down (down: its RX queues are not polled) "
		       "and/or its MTU (largest IP packet it sends)",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_SET_PORT] = { .name = "port", .type = DP_SCHEMA_REF,
			.ref = DP_APIDEF_REF_PORT, .flags = DP_SCHEMA_REQ | DP_SCHEMA_BY_INDEX,
			.desc = "the port, by name or index" },
		[DP_APIDEF_SET_ADMIN] = { .name = "admin", .type = DP_SCHEMA_ENUM,
			.names = admin_names, .example = "\"up\"",
			.desc = "down: its RX queues are no longer polled (the device keeps running)" },
		[DP_APIDEF_SET_MTU] = { .name = "mtu", .type = DP_SCHEMA_UINT,
			.min = DP_APIDEF_MTU_MIN, .max = DP_APIDEF_MTU_MAX, .example = "1500",
			.desc = "the largest IP packet the port sends (sxdp enforces it on egress); "
				"give admin, mtu or both" },
		[DP_APIDEF_SET_N] = END },
	.result = &port_object,
};

/* ------------------------------------------------------------ pipeline, graph */

static const char *const match_names[] = { "exact", "lpm", "ternary", "range", NULL };
static const char *const type_names[] = {
	"u8", "u16", "u32", "u64", "port", "ipv4", "ipv6", "mac", "ipv6net", "ip", "str", NULL };
static const char *const kind_names[] = { "exact", "lpm", "ternary", NULL };

static const struct dp_schema_field typed_param = {
	.type = DP_SCHEMA_OBJECT, .desc = "an action's param",
	.fields = (const struct dp_schema_field[]){
		RS("name", ""),
		{ .name = "type", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = type_names,
		  .desc = "u8..u64 take a JSON integer or a decimal string; port a name or index; "
			  "ipv4, ipv6, mac a string; str a string of printable ASCII (0x20..0x7e: no "
			  "CR, LF or other control character) of at most max characters" },
		RU("bits", "its width"),
		{ .name = "max", .type = DP_SCHEMA_UINT, .desc = "the largest value it takes, "
		  "when less than its type's; of a str, its length at most" },
		{ .name = "optional", .type = DP_SCHEMA_BOOL,
		  .desc = "a write may leave it out (0), a read leaves it out when 0" },
		END },
};

static const struct dp_schema_field table_key = {
	.type = DP_SCHEMA_OBJECT, .desc = "a key field",
	.fields = (const struct dp_schema_field[]){
		RS("name", ""),
		{ .name = "match", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ,
		  .names = match_names,
		  .desc = "how it matches: exact (a value), lpm (\"address/length\"), ternary "
			  "({\"value\", \"mask\"}), range ({\"min\", \"max\"})" },
		{ .name = "type", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = type_names,
		  .desc = "its value's type" },
		RU("bits", "its width"),
		{ .name = "max", .type = DP_SCHEMA_UINT, .desc = "the largest value it takes, "
		  "when less than its type's (exact fields)" },
		END },
};

static const struct dp_schema_field table_action = {
	.type = DP_SCHEMA_OBJECT, .desc = "an action",
	.fields = (const struct dp_schema_field[]){
		RS("name", ""),
		RA("params", "its params, required in a write unless optional", &typed_param),
		END },
};

#define ENTRY_PARAMS { .name = "params", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ, \
			.items = &any_value, .desc = "the action's params by name" }

static const struct dp_schema_field table_object = {
	.type = DP_SCHEMA_OBJECT, .desc = "a table's schema (its P4Info)",
	.fields = (const struct dp_schema_field[]){
		RS("name", ""),
		RU("id", ""),
		{ .name = "kind", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = kind_names,
		  .desc = "its match: exact, lpm, ternary (ACL: entries take a priority)" },
		{ .name = "backend", .type = DP_SCHEMA_STRING,
		  .desc = "what holds it: array (direct index), dp_em, rte_hash, dp_lpm4, rte_acl" },
		{ .name = "derived", .type = DP_SCHEMA_BOOL,
		  .desc = "kept by its feature from other tables: read, never written" },
		RU("size", "entries it holds at most"),
		RU("entries", "entries it holds now"),
		RA("keys", "its key fields, in order", &table_key),
		RA("actions", "its actions", &table_action),
		RO("default_action", "what a miss does", ((const struct dp_schema_field[]){
			RS("action", ""), ENTRY_PARAMS, END })),
		{ .name = "next_table", .type = DP_SCHEMA_STRING,
		  .flags = DP_SCHEMA_REQ | DP_SCHEMA_NULL, .desc = "the table looked up next" },
		{ .name = "ageing", .type = DP_SCHEMA_OBJECT,
		  .desc = "tables whose entries age: the actions that age and the idle timeout",
		  .fields = (const struct dp_schema_field[]){
			RA("actions", "entries with one of these actions age", &a_string),
			RU("idle_timeout_s", "0: ageing off"),
			END } },
		END },
};

static const struct dp_schema_field a_feature = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "a feature in use",
	.fields = (const struct dp_schema_field[]){
		{ .name = "name", .type = DP_SCHEMA_STRING },
		{ .name = "description", .type = DP_SCHEMA_STRING },
		{ .name = "roles", .type = DP_SCHEMA_ARRAY, .items = &a_string,
		  .desc = "port roles whose packets enter it" },
		{ .name = "stages", .type = DP_SCHEMA_ARRAY, .items = &a_string },
		END },
};

static const struct dp_schema_field a_node = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "a graph node",
	.fields = (const struct dp_schema_field[]){
		{ .name = "node", .type = DP_SCHEMA_STRING },
		{ .name = "next", .type = DP_SCHEMA_ARRAY, .items = &a_string,
		  .desc = "its edges, by number" },
		END },
};

/* The graph's part is dp_graph's to grow: open, its members optional. */
static const struct dp_schema_field describe_result = {
	.name = "pipeline", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
	.desc = "the features, the packet graph and the tables",
	.fields = (const struct dp_schema_field[]){
		RS("pipeline", "the config's pipeline"),
		{ .name = "description", .type = DP_SCHEMA_STRING, .desc = "the features in a line" },
		{ .name = "features", .type = DP_SCHEMA_ARRAY, .items = &a_feature },
		{ .name = "stages", .type = DP_SCHEMA_ARRAY, .items = &a_string,
		  .desc = "every stage, parse first" },
		{ .name = "graph", .type = DP_SCHEMA_ARRAY, .items = &a_node },
		RA("tables", "the tables (or the one asked for)", &table_object),
		END },
};

const struct dp_rpc_method dp_apidef_pipeline_describe = {
	.name = "pipeline.describe",
	.description = "The features in use, the packet graph, and the tables: keys with match "
		       "kinds, actions with typed params",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_DESCRIBE_TABLE] = { .name = "table", .type = DP_SCHEMA_REF,
			.ref = DP_APIDEF_REF_TABLE, .desc = "only this table" },
		[DP_APIDEF_DESCRIBE_N] = END },
	.result = &describe_result,
};

static const struct dp_schema_field node_stats = {
	.type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN, .desc = "a node's work",
	.fields = (const struct dp_schema_field[]){
		{ .name = "node", .type = DP_SCHEMA_STRING },
		{ .name = "calls", .type = DP_SCHEMA_UINT },
		{ .name = "packets", .type = DP_SCHEMA_UINT },
		{ .name = "cycles", .type = DP_SCHEMA_UINT, .desc = "timed on one walk in N" },
		{ .name = "cycles_per_packet", .type = DP_SCHEMA_NUMBER },
		END },
};

static const struct dp_schema_field graph_stats_result = {
	.name = "graph", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_OPEN,
	.desc = "per node, summed over workers",
	.fields = (const struct dp_schema_field[]){
		{ .name = "nodes", .type = DP_SCHEMA_ARRAY, .items = &node_stats },
		{ .name = "cycles_sampled_every", .type = DP_SCHEMA_UINT,
		  .desc = "cycles are timed on one walk in this many" },
		END },
};

const struct dp_rpc_method dp_apidef_graph_stats = {
	.name = "graph.stats",
	.description = "Per graph node, summed over workers since start: calls, packets, cycles",
	.params = dp_schema_none,
	.result = &graph_stats_result,
};

/* ------------------------------------------------------------ stats.* */

static const char *const lcore_roles[] = { "main", "worker", NULL };

static const struct dp_schema_field lcore_stats = {
	.type = DP_SCHEMA_OBJECT, .desc = "an lcore's counters",
	.fields = (const struct dp_schema_field[]){
		RU("lcore", ""),
		{ .name = "role", .type = DP_SCHEMA_ENUM, .flags = DP_SCHEMA_REQ, .names = lcore_roles,
		  .desc = "main: control, slow path; worker: forwarding" },
		RU("rx_packets", ""), RU("tx_packets", ""), RU("drop_packets", ""),
		RU("punt_packets", "sent to the slow path"),
		RU("inject_packets", "packets the main lcore sent through it"),
		RU("slow_packets", "main lcore: punted packets it took"),
		RU("inject_dropped", "main lcore: injections no worker took"),
		RU("copy_packets", "flood copies"),
		RU("handoff_packets", "software RSS: handed to the worker of their flow"),
		RU("handin_packets", "software RSS: taken from the worker that read them"),
		RU("rss_buckets", "software RSS: the flow buckets (of 256) a worker carries (dp_reta)"),
		RU("busy_cycles", ""), RU("idle_cycles", ""),
		RU("pipeline_cycles", "busy outside the RX and TX drivers"),
		RU("sleep_cycles", "asleep while idle (config.idle_sleep_max_us)"),
		RU("polls", ""),
		RN("cycles_per_packet", "busy cycles per received packet"),
		END },
};

static const struct dp_schema_field table_counts = {
	.type = DP_SCHEMA_OBJECT, .desc = "a table's counters",
	.fields = (const struct dp_schema_field[]){
		RU("hits", ""), RU("misses", ""), RU("entries", ""), END },
};

static const struct dp_schema_field stats_result = {
	.name = "stats", .type = DP_SCHEMA_OBJECT, .desc = "counters since start (or stats.clear)",
	.fields = (const struct dp_schema_field[]){
		RN("uptime_s", ""),
		RU("tsc_hz", "cycles per second"),
		RU("generation", "the tables' generation"),
		RO("total", "over all lcores", ((const struct dp_schema_field[]){
			RU("rx_packets", ""), RU("tx_packets", ""), RU("drop_packets", ""),
			RU("punt_packets", ""), END })),
		RA("lcores", "the main lcore, then the workers", &lcore_stats),
		RA("ports", "per port", &port_counters),
		{ .name = "drops", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
		  .items = &a_count, .desc = "packets per drop reason (<stage>.<reason>), non-zero" },
		{ .name = "events", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
		  .items = &a_count, .desc = "per event counter, non-zero" },
		{ .name = "tables", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
		  .items = &table_counts, .desc = "per table, by name" },
		RO("mempool", "mbufs", ((const struct dp_schema_field[]){
			RU("in_use", ""), RU("available", ""), RU("size", ""), END })),
		END },
};

const struct dp_rpc_method dp_apidef_stats_get = {
	.name = "stats.get",
	.description = "Per-lcore, per-port, per-drop-reason, per-table counters and mempool use",
	.params = dp_schema_none,
	.result = &stats_result,
};

const struct dp_rpc_method dp_apidef_stats_clear = {
	.name = "stats.clear",
	.description = "Zero the counters as seen by readers (workers keep counting)",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){
		.name = "cleared", .type = DP_SCHEMA_OBJECT,
		.fields = (const struct dp_schema_field[]){ RB("cleared", "true"), END } },
};

const struct dp_rpc_method dp_apidef_sys_takeover = {
	.name = "sys.takeover",
	.description = "Hand this sxdp's ports and state to a new one of the same executable and user "
		       "(sxdp --takeover): its workers stop, each feature's state beyond the tables is given, the "
		       "ports close, other clients are dropped and it exits. Refused when the tables moved past the "
		       "generation the taker copied",
	.params = (const struct dp_schema_field[]){
		{ .name = "generation", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ,
		  .desc = "the tables' generation the taker copied (sys.hello)" },
		END },
	.result = &(const struct dp_schema_field){ .name = "handed", .type = DP_SCHEMA_OBJECT,
						   .flags = DP_SCHEMA_OPEN, .desc = "{features: {name: state}}" },
};

/* ------------------------------------------------------------ table.* */

#define TABLE_REF { .name = "table", .type = DP_SCHEMA_REF, .ref = DP_APIDEF_REF_TABLE, \
		    .flags = DP_SCHEMA_REQ, .desc = "the table, by name (pipeline.describe)" }

static const char *const update_types[] = {
	[DP_APIDEF_UPD_INSERT] = "insert", [DP_APIDEF_UPD_MODIFY] = "modify",
	[DP_APIDEF_UPD_DELETE] = "delete", [DP_APIDEF_UPD_DEFAULT] = "default", NULL };
static const char *const atomicity_names[] = {
	[DP_APIDEF_ATOM_CONTINUE] = "continue", [DP_APIDEF_ATOM_ROLLBACK] = "rollback",
	[DP_APIDEF_ATOM_DATAPLANE] = "dataplane-atomic", NULL };

#define INSERT DP_SCHEMA_BIT(DP_APIDEF_UPD_INSERT)
#define MODIFY DP_SCHEMA_BIT(DP_APIDEF_UPD_MODIFY)
#define DELETE DP_SCHEMA_BIT(DP_APIDEF_UPD_DELETE)
#define DEFAULT DP_SCHEMA_BIT(DP_APIDEF_UPD_DEFAULT)

/* The shape of one update; what its match, action and params hold is the
 * table's own declaration (pipeline.describe), checked by dp_tblrpc. */
static const struct dp_schema_field update = {
	.type = DP_SCHEMA_OBJECT, .tag = "type",
	.desc = "one update; its type says which members it takes",
	.fields = (const struct dp_schema_field[]){
		[DP_APIDEF_UPD_TYPE] = { .name = "type", .type = DP_SCHEMA_ENUM,
			.flags = DP_SCHEMA_REQ, .names = update_types,
			.desc = "insert a new entry, modify or delete one, or set the default action" },
		[DP_APIDEF_UPD_TABLE] = TABLE_REF,
		[DP_APIDEF_UPD_EXPECT] = { .name = "expect", .type = DP_SCHEMA_OBJECT,
			.in = MODIFY | DELETE,
			.desc = "compare-and-set: apply only while the entry holds this action and these "
				"params (else the update fails as \"changed\")",
			.fields = (const struct dp_schema_field[]){
				[DP_APIDEF_EXPECT_ACTION] = { .name = "action", .type = DP_SCHEMA_STRING,
					.flags = DP_SCHEMA_REQ, .desc = "the action the entry holds" },
				[DP_APIDEF_EXPECT_PARAMS] = { .name = "params", .type = DP_SCHEMA_OBJECT,
					.desc = "its params, all of them (the table's types)" },
				[DP_APIDEF_EXPECT_N] = END } },
		[DP_APIDEF_UPD_MATCH] = { .name = "match", .type = DP_SCHEMA_OBJECT,
			.in = INSERT | MODIFY | DELETE, .need = INSERT | MODIFY | DELETE,
			.desc = "every key field of the table by name: exact a value, lpm "
				"\"address/length\", ternary {\"value\", \"mask\"} or a value, range "
				"{\"min\", \"max\"} or a value (ternary and range fields left out match "
				"anything); numbers as JSON integers or decimal strings" },
		[DP_APIDEF_UPD_PRIORITY] = { .name = "priority", .type = DP_SCHEMA_UINT,
			.max = DP_APIDEF_PRIORITY_MAX, .in = INSERT | MODIFY | DELETE,
			.desc = "ternary/range tables only, where it is required: >= 1, larger wins" },
		[DP_APIDEF_UPD_ACTION] = { .name = "action", .type = DP_SCHEMA_STRING,
			.in = INSERT | MODIFY | DEFAULT, .need = INSERT | MODIFY | DEFAULT,
			.desc = "one of the table's actions" },
		[DP_APIDEF_UPD_PARAMS] = { .name = "params", .type = DP_SCHEMA_OBJECT,
			.in = INSERT | MODIFY | DEFAULT,
			.desc = "every param of the action, by name, typed as the table declares" },
		[DP_APIDEF_UPD_N] = END },
};

#define UPDATE_ERROR { .name = "error", .type = DP_SCHEMA_OBJECT, .desc = "why the update failed", \
	.fields = (const struct dp_schema_field[]){ \
		{ .name = "code", .type = DP_SCHEMA_INT, .flags = DP_SCHEMA_REQ }, \
		RS("message", "what it means"), \
		RO("data", "", ((const struct dp_schema_field[]){ \
			RS("reason", "exists, not_found, table_full, not_applied (another update of the " \
				     "batch failed), changed (expect), read_only (a derived table), slice_conflict, ..."), \
			RS("pointer", "the update: /updates/N (/expect for changed)"), \
			END })), \
		END } }

static const struct dp_schema_field update_result = {
	.type = DP_SCHEMA_OBJECT, .desc = "an update's outcome",
	.fields = (const struct dp_schema_field[]){
		RB("ok", "applied"),
		UPDATE_ERROR,
		END },
};

static const struct dp_schema_field write_result = {
	.name = "write", .type = DP_SCHEMA_OBJECT, .desc = "what the batch did",
	.fields = (const struct dp_schema_field[]){
		RU("generation", "the tables' generation after it"),
		RB("committed", "the batch changed the tables"),
		RU("applied", "updates applied"),
		RU("failed", "updates that failed"),
		RA("results", "one per update, in order", &update_result),
		END },
};

const struct dp_rpc_method dp_apidef_table_write = {
	.name = "table.write",
	.description = "Apply a batch of updates (insert|modify|delete|default) to tables, "
		       "all-or-nothing per atomicity; returns once workers see it. \"priority\" (>= 1, "
		       "larger wins) only for tables with ternary/range keys",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_WRITE_ATOMICITY] = { .name = "atomicity", .type = DP_SCHEMA_ENUM,
			.names = atomicity_names, .flags = DP_SCHEMA_DEF,
			.def = DP_APIDEF_ATOM_ROLLBACK,
			.desc = "continue: each update on its own; rollback: all or nothing; "
				"dataplane-atomic: all or nothing, and workers see all of it at once" },
		[DP_APIDEF_WRITE_UPDATES] = { .name = "updates", .type = DP_SCHEMA_ARRAY,
			.flags = DP_SCHEMA_REQ, .min = 1, .max = DP_APIDEF_WRITE_UPDATES_MAX,
			.items = &update, .desc = "the batch: a malformed update refuses all of it" },
		[DP_APIDEF_WRITE_N] = END },
	.result = &write_result,
};

static const struct dp_schema_field entry = {
	.type = DP_SCHEMA_OBJECT, .desc = "an entry",
	.fields = (const struct dp_schema_field[]){
		{ .name = "match", .type = DP_SCHEMA_OBJECT, .flags = DP_SCHEMA_REQ,
		  .items = &any_value, .desc = "as table.write takes it (wildcards left out)" },
		RS("action", ""),
		ENTRY_PARAMS,
		RU("hits", "packets that matched it"),
		{ .name = "priority", .type = DP_SCHEMA_UINT, .desc = "ternary/range tables" },
		{ .name = "idle_s", .type = DP_SCHEMA_NUMBER, .desc = "tables that age entries: "
		  "seconds since it last matched" },
		END },
};

static const struct dp_schema_field read_result = {
	.name = "page", .type = DP_SCHEMA_OBJECT, .desc = "a page of entries",
	.fields = (const struct dp_schema_field[]){
		RS("table", ""),
		RU("total", "entries in the table"),
		RU("offset", "of the first entry here"),
		RA("entries", "", &entry),
		{ .name = "next_offset", .type = DP_SCHEMA_UINT, .flags = DP_SCHEMA_REQ | DP_SCHEMA_NULL,
		  .desc = "the next page's offset; null: this was the last" },
		END },
};

const struct dp_rpc_method dp_apidef_table_read = {
	.name = "table.read",
	.description = "Read a page of a table's entries with per-entry hit counters (limit 1..1000)",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_READ_TABLE] = TABLE_REF,
		[DP_APIDEF_READ_OFFSET] = { .name = "offset", .type = DP_SCHEMA_UINT,
			.max = UINT32_MAX, .flags = DP_SCHEMA_DEF, .def = 0,
			.desc = "where the page starts (a previous page's next_offset)" },
		[DP_APIDEF_READ_LIMIT] = { .name = "limit", .type = DP_SCHEMA_UINT, .min = 1,
			.max = DP_APIDEF_READ_LIMIT_MAX, .flags = DP_SCHEMA_DEF, .def = 100,
			.desc = "entries at most" },
		[DP_APIDEF_READ_N] = END },
	.result = &read_result,
};

const struct dp_rpc_method dp_apidef_table_clear = {
	.name = "table.clear",
	.description = "Delete every entry of a table (atomically)",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_CLEAR_TABLE] = TABLE_REF,
		[DP_APIDEF_CLEAR_N] = END },
	.result = &(const struct dp_schema_field){
		.name = "cleared", .type = DP_SCHEMA_OBJECT,
		.fields = (const struct dp_schema_field[]){
			RU("deleted", "entries deleted"),
			RU("generation", "the tables' generation after it"),
			END } },
};

const struct dp_rpc_method dp_apidef_table_config = {
	.name = "table.config",
	.description = "Set a table's idle timeout in seconds (tables that age entries, e.g. learned "
		       "MACs); 0 turns ageing off (entries never age)",
	.params = (const struct dp_schema_field[]){
		[DP_APIDEF_CONFIG_TABLE] = TABLE_REF,
		[DP_APIDEF_CONFIG_IDLE] = { .name = "idle_timeout_s", .type = DP_SCHEMA_UINT,
			.flags = DP_SCHEMA_REQ, .max = DP_APIDEF_IDLE_TIMEOUT_MAX, .example = "300",
			.desc = "seconds an entry may go unmatched before it ages out; 0: never" },
		[DP_APIDEF_CONFIG_N] = END },
	.result = &(const struct dp_schema_field){
		.name = "config", .type = DP_SCHEMA_OBJECT,
		.fields = (const struct dp_schema_field[]){
			RS("table", ""),
			RU("idle_timeout_s", ""),
			RB("ageing", "false when the timeout is 0"),
			END } },
};

/* ------------------------------------------------------------ xdp.steer */

static const struct dp_schema_field xdp_port_row = {
	.type = DP_SCHEMA_OBJECT, .desc = "a port shared with the kernel",
	.fields = (const struct dp_schema_field[]){
		RS("port", "its name"),
		RS("iface", "its kernel interface"),
		RU("prog_id", "the kernel's id of its XDP program"),
		RS("mode", "how the kernel runs it: native (the driver's XDP) or generic (after the "
			   "driver, slower)"),
		RU("steered", "frames the program gave sxdp"),
		RU("passed", "frames it left to the kernel (no rule matched)"),
		RU("no_socket", "frames a rule matched on an RX queue without sxdp's socket: the "
				"kernel got them"),
		END },
};

static const struct dp_schema_field xdp_rule_row = {
	.type = DP_SCHEMA_OBJECT, .desc = "traffic steered to sxdp",
	.fields = (const struct dp_schema_field[]){
		RS("addr", "one of the box's addresses"),
		RS("proto", "tcp, udp, sctp (by port), icmp, icmpv6, another IP protocol number "
			    "(whole), arp or nd (the address's resolution)"),
		RU("port", "the destination port (tcp, udp, sctp), else 0"),
		RA("owners", "the features that claim it", &a_string),
		RU("packets", "frames it steered, over every shared port"),
		END },
};

const struct dp_rpc_method dp_apidef_xdp_steer = {
	.name = "xdp.steer",
	.description = "AF_XDP shared-NIC mode: per shared port, the frames its XDP program gave "
		       "sxdp or left to the kernel; the rules (what features claim) with their packets",
	.params = dp_schema_none,
	.result = &(const struct dp_schema_field){
		.name = "steer", .type = DP_SCHEMA_OBJECT,
		.fields = (const struct dp_schema_field[]){
			RA("ports", "the shared ports (none: no port is shared)", &xdp_port_row),
			RA("rules", "what is steered to sxdp on every shared port", &xdp_rule_row),
			END } },
};

const struct dp_rpc_method *const dp_apidef_all[] = {
	&dp_apidef_sys_hello, &dp_apidef_port_list, &dp_apidef_port_stats, &dp_apidef_port_set,
	&dp_apidef_pipeline_describe, &dp_apidef_graph_stats, &dp_apidef_stats_get,
	&dp_apidef_stats_clear, &dp_apidef_table_write, &dp_apidef_table_read,
	&dp_apidef_table_clear, &dp_apidef_table_config, &dp_apidef_xdp_steer, &dp_apidef_sys_takeover, NULL,
};
