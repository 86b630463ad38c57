/* Control methods that describe the process: hello, ports, stats, schema. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dp_api.h"
#include "dp_ctl.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_rss.h"
#include "dp_reta.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "dp_tblrpc.h"
#include "dp_graph.h"
#include "dp_apidef.h"

_Static_assert(DP_PORT_MTU_MIN == DP_APIDEF_MTU_MIN && DP_PORT_MTU_MAX == DP_APIDEF_MTU_MAX,
	       "port.set's declared MTU range is the ports' own");

static struct dp_api_ctx *api;
/* table hit/miss baselines for stats.clear (readers only, like dp_stats) */
static struct dp_table_counts tbl_base[DP_TABLES_MAX];

static int
m_hello(json_t *params, const struct dp_schema_val *v __rte_unused, json_t **result, struct dp_rpc_err *err,
	void *arg __rte_unused)
{
	const char *excl = json_string_value(json_object_get(params, "exclusive"));
	int replaced = 0;

	if (excl != NULL && (replaced = dp_ctl_exclusive(excl)) < 0)
		return dp_rpc_err_set(err, DP_RPC_APP_ERROR, "not_exclusive", "/exclusive",
				      "only a client of the control socket holds a name alone (%s)",
				      strerror(-replaced));
	*result = json_pack("{s:s,s:s,s:s,s:I,s:s,s:i,s:i,s:i}", "name", "sxdp", "version", api->version,
		"boot_id", api->boot_id, "generation", (json_int_t)dp_tables_generation(),
		"pipeline", api->pipeline, "workers", api->n_workers, "ports", dp_n_ports, "replaced", replaced);
	return 0;
}

/* RSS hash types as their names */
static json_t *
rss_json(uint64_t hf)
{
	json_t *a = json_array();

	for (const struct dp_rss_type *t = dp_rss_types; t->name != NULL; t++)
		if (hf & t->bits)
			json_array_append_new(a, json_string(t->name));
	return a;
}

static json_t *
port_json(const struct dp_port *p)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE], buf[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];
	struct rte_eth_link link = { 0 };
	json_t *v4 = json_array(), *v6 = json_array(), *txo = json_array();

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	for (unsigned int i = 0; i < p->cfg->n_ipv4; i++) {
		inet_ntop(AF_INET, &p->cfg->ipv4[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, p->cfg->ipv4[i].plen);
		json_array_append_new(v4, json_string(buf));
	}
	for (unsigned int i = 0; i < p->cfg->n_ipv6; i++) {
		inet_ntop(AF_INET6, p->cfg->ipv6[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, p->cfg->ipv6[i].plen);
		json_array_append_new(v6, json_string(buf));
	}
	for (unsigned int b = 0; b < 64; b++)
		if (p->tx_offloads >> b & 1) {
			/* DPDK's name (IPV4_CKSUM), lower case as the RSS types are */
			snprintf(buf, sizeof(buf), "%s", rte_eth_dev_tx_offload_name(1ull << b));
			for (char *c = buf; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			json_array_append_new(txo, json_string(buf));
		}
	rte_eth_link_get_nowait(p->port_id, &link);
	return json_pack("{s:i,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:s,s:o,s:o,s:{s:b,s:I},s:i,s:i,s:{s:o,s:o,s:b,s:b},s:o}",
		"index", p->index, "name", p->cfg->name, "port_id", p->port_id,
		"admin", p->admin_up ? "up" : "down", "mtu", p->mtu,
		"devargs", p->cfg->devargs, "driver", p->driver, "role", dp_role_name(p->cfg->role),
		"mac", mac, "ipv4", v4, "ipv6", v6,
		"link", "up", link.link_status == RTE_ETH_LINK_UP, "speed_mbps", (json_int_t)link.link_speed,
		"rx_queues", p->n_rxq, "tx_queues", p->n_txq,
		"rss", "types", rss_json(p->rss_hf), "offered", rss_json(p->rss_offered),
		"gtpu", (p->rss_hf & RTE_ETH_RSS_GTPU) != 0, "soft_rss", p->cfg->soft_rss, "tx_offloads", txo);
}

static int
m_port_list(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused,
	    json_t **result, struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < dp_n_ports; i++)
		json_array_append_new(a, port_json(&dp_ports[i]));
	*result = json_pack("{s:o}", "ports", a);
	return 0;
}

/* rx_missed: what the device (or, for AF_XDP/AF_PACKET, the kernel) dropped
 * before sxdp could read it, so that a loss outside sxdp's own counters still
 * shows next to them (dp_port_rx_missed). */
static json_t *
port_counters(unsigned int i, const struct dp_lcore_stats *tot, const struct rte_eth_stats *hw)
{
	const struct dp_port_cnt *c = &tot->port[i];

	return json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "index", i, "name", dp_ports[i].cfg->name,
		"rx_packets", (json_int_t)c->rx_pkts, "rx_bytes", (json_int_t)c->rx_bytes,
		"rx_missed", (json_int_t)dp_port_rx_missed(i, hw),
		"tx_packets", (json_int_t)c->tx_pkts, "tx_bytes", (json_int_t)c->tx_bytes,
		"tx_dropped", (json_int_t)c->tx_drop);
}

static int
m_port_stats(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	     struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	int port = v[DP_APIDEF_STATS_PORT].set ? (int)v[DP_APIDEF_STATS_PORT].u : -1;
	struct dp_lcore_stats tot;
	json_t *a;

	dp_stats_total(&tot);
	a = json_array();
	for (unsigned int i = 0; i < dp_n_ports; i++) {
		struct rte_eth_stats hw = { 0 };
		json_t *o;

		if (port >= 0 && (unsigned int)port != i)
			continue;
		rte_eth_stats_get(dp_ports[i].port_id, &hw);
		o = port_counters(i, &tot, &hw);
		json_object_set_new(o, "hw", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			"ipackets", (json_int_t)hw.ipackets, "opackets", (json_int_t)hw.opackets,
			"ibytes", (json_int_t)hw.ibytes, "obytes", (json_int_t)hw.obytes,
			"imissed", (json_int_t)hw.imissed, "ierrors", (json_int_t)hw.ierrors,
			"oerrors", (json_int_t)hw.oerrors, "rx_nombuf", (json_int_t)hw.rx_nombuf));
		json_array_append_new(a, o);
	}
	*result = json_pack("{s:o}", "ports", a);
	return 0;
}

/* Administrative state: a port that is down is not polled (its device keeps
 * running), so a test or an operator can program tables before traffic. */
static int
m_port_set(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	   struct dp_rpc_err *err, void *arg __rte_unused)
{
	const struct dp_schema_val *admin = &v[DP_APIDEF_SET_ADMIN], *m = &v[DP_APIDEF_SET_MTU];
	unsigned int port = (unsigned int)v[DP_APIDEF_SET_PORT].u;
	uint16_t mtu = (uint16_t)m->u;
	int rc;

	if (!admin->set && !m->set)
		return dp_rpc_err_set(err, DP_RPC_INVALID_PARAMS, "missing_field", "",
				      "give \"admin\", \"mtu\" or both");
	if (m->set) {
		/* the device may refuse while started (most vdevs); sxdp's own
		 * egress check is what holds the MTU either way */
		if ((rc = rte_eth_dev_set_mtu(dp_ports[port].port_id, mtu)) < 0)
			DP_LOG(INFO, "port %s: device keeps its MTU (%s); sxdp enforces %u on egress",
			       dp_ports[port].cfg->name, strerror(-rc), mtu);
		dp_ports[port].mtu = mtu;
	}
	if (admin->set)
		dp_ports[port].admin_up = admin->u == DP_APIDEF_ADMIN_UP;
	*result = port_json(&dp_ports[port]);
	return 0;
}

static int
m_describe(json_t *params __rte_unused, const struct dp_schema_val *v, json_t **result,
	   struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	int tid = v[DP_APIDEF_DESCRIBE_TABLE].set ? (int)v[DP_APIDEF_DESCRIBE_TABLE].u : -1;
	json_t *tables;

	tables = json_array();
	for (unsigned int t = 0; t < dp_tables_count(); t++)
		if (tid < 0 || (unsigned int)tid == t)
			json_array_append_new(tables, dp_tblrpc_describe_table(t));
	/* the features and the graph they make, then their tables */
	*result = json_pack("{s:s}", "pipeline", api->pipeline);
	json_object_update_new(*result, dp_graph_describe());
	json_object_set_new(*result, "tables", tables);
	return 0;
}

static json_t *
lcore_json(unsigned int lcore, const char *role, const struct dp_lcore_stats *s, unsigned int buckets)
{
	return json_pack("{s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:I,s:I,s:I,s:I,s:I,s:f}",
		"lcore", lcore, "role", role,
		"rx_packets", (json_int_t)s->rx_pkts, "tx_packets", (json_int_t)s->tx_pkts,
		"drop_packets", (json_int_t)s->drop_pkts, "punt_packets", (json_int_t)s->punt_pkts,
		"inject_packets", (json_int_t)s->inject_pkts, "slow_packets", (json_int_t)s->slow_pkts,
		"inject_dropped", (json_int_t)s->inject_drop, "copy_packets", (json_int_t)s->copy_pkts,
		"handoff_packets", (json_int_t)s->handoff_pkts, "handin_packets", (json_int_t)s->handin_pkts,
		"rss_buckets", buckets, "busy_cycles", (json_int_t)s->busy_cycles, "idle_cycles", (json_int_t)s->idle_cycles,
		"pipeline_cycles", (json_int_t)s->pipeline_cycles, "sleep_cycles", (json_int_t)s->sleep_cycles,
		"polls", (json_int_t)s->polls,
		"cycles_per_packet", s->rx_pkts ? (double)s->busy_cycles / (double)s->rx_pkts : 0.0);
}

static int
m_stats_get(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused,
	    json_t **result, struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	struct dp_lcore_stats tot, one;
	json_t *lcores, *ports, *drops, *events, *tables;

	dp_stats_total(&tot);
	lcores = json_array();
	dp_stats_lcore(rte_get_main_lcore(), &one);
	json_array_append_new(lcores, lcore_json(rte_get_main_lcore(), "main", &one, 0));
	for (unsigned int w = 0; w < api->n_workers; w++) {
		dp_stats_lcore(api->worker_lcores[w], &one);
		json_array_append_new(lcores, lcore_json(api->worker_lcores[w], "worker", &one, dp_reta_share(w)));
	}
	ports = json_array();
	for (unsigned int i = 0; i < dp_n_ports; i++) {
		struct rte_eth_stats hw = { 0 };

		rte_eth_stats_get(dp_ports[i].port_id, &hw);
		json_array_append_new(ports, port_counters(i, &tot, &hw));
	}
	drops = json_object();
	for (unsigned int r = 1; r < dp_drop_count(); r++)
		if (tot.drops[r])
			json_object_set_new(drops, dp_drop_name(r), json_integer((json_int_t)tot.drops[r]));
	events = json_object();
	for (unsigned int e = 0; e < dp_event_count(); e++)
		if (tot.events[e])
			json_object_set_new(events, dp_event_name(e), json_integer((json_int_t)tot.events[e]));
	tables = json_object();
	for (unsigned int t = 0; t < dp_tables_count(); t++) {
		struct dp_table_counts c = dp_table_counts(t);

		json_object_set_new(tables, dp_table_def(t)->name, json_pack("{s:I,s:I,s:I}",
			"hits", (json_int_t)(c.hits - tbl_base[t].hits),
			"misses", (json_int_t)(c.misses - tbl_base[t].misses),
			"entries", (json_int_t)dp_table_entries(t)));
	}
	*result = json_pack("{s:f,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:o,s:o,s:o,s:o,s:o,s:{s:i,s:i,s:i}}",
		"uptime_s", (double)(rte_rdtsc() - api->start_tsc) / (double)rte_get_tsc_hz(),
		"tsc_hz", (json_int_t)rte_get_tsc_hz(), "generation", (json_int_t)dp_tables_generation(),
		"total", "rx_packets", (json_int_t)tot.rx_pkts, "tx_packets", (json_int_t)tot.tx_pkts,
		"drop_packets", (json_int_t)tot.drop_pkts, "punt_packets", (json_int_t)tot.punt_pkts,
		"lcores", lcores, "ports", ports, "drops", drops, "events", events, "tables", tables,
		"mempool", "in_use", rte_mempool_in_use_count(api->mp),
		"available", rte_mempool_avail_count(api->mp), "size", api->mp->size);
	return 0;
}

static int
m_graph_stats(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused,
	      json_t **result, struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	*result = dp_graph_stats();
	return 0;
}

static int
m_stats_clear(json_t *params __rte_unused, const struct dp_schema_val *v __rte_unused,
	      json_t **result, struct dp_rpc_err *err __rte_unused, void *arg __rte_unused)
{
	dp_stats_clear();
	for (unsigned int t = 0; t < dp_tables_count(); t++)
		tbl_base[t] = dp_table_counts(t);
	*result = json_pack("{s:b}", "cleared", 1);
	return 0;
}

/* Ports as REF params name them: by name, or by index (a number or a
 * string of decimal digits). */
static int
port_find(const char *name)
{
	return dp_port_parse(name);
}

static unsigned int
port_count(void)
{
	return dp_n_ports;
}

static const char *
port_name(unsigned int i)
{
	return dp_ports[i].cfg->name;
}

static const struct dp_schema_ref port_ref = {
	.name = DP_APIDEF_REF_PORT, .find = port_find, .count = port_count, .name_of = port_name,
};

int
dp_api_register(struct dp_api_ctx *ctx)
{
	static const struct {
		const struct dp_rpc_method *decl;
		dp_rpc_fn fn;
	} bind[] = {
		{ &dp_apidef_sys_hello, m_hello },
		{ &dp_apidef_port_list, m_port_list },
		{ &dp_apidef_port_stats, m_port_stats },
		{ &dp_apidef_port_set, m_port_set },
		{ &dp_apidef_pipeline_describe, m_describe },
		{ &dp_apidef_graph_stats, m_graph_stats },
		{ &dp_apidef_stats_get, m_stats_get },
		{ &dp_apidef_stats_clear, m_stats_clear },
	};
	int rc = dp_schema_ref_add(&port_ref);

	api = ctx;
	for (size_t i = 0; i < RTE_DIM(bind) && rc == 0; i++)
		rc = dp_rpc_register(bind[i].decl, bind[i].fn, NULL, NULL);
	return rc < 0 ? rc : dp_tblrpc_register();
}
