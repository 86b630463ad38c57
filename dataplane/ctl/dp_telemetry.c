/* Telemetry handlers run on DPDK's telemetry thread: they only read the
 * per-lcore counters (as the socket does), never take a lock or write. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_telemetry.h>
#include <rte_lcore.h>

#include "dp_telemetry.h"
#include "dp_stats.h"
#include "dp_port.h"
#include "dp_table.h"

static const unsigned int *workers;
static unsigned int n_workers;

static int
t_stats(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct dp_lcore_stats t;

	dp_stats_total(&t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", t.rx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_packets", t.tx_pkts);
	rte_tel_data_add_dict_u64(d, "drop_packets", t.drop_pkts);
	rte_tel_data_add_dict_u64(d, "punt_packets", t.punt_pkts);
	rte_tel_data_add_dict_u64(d, "generation", dp_tables_generation());
	return 0;
}

static int
t_drops(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct dp_lcore_stats t;

	dp_stats_total(&t);
	rte_tel_data_start_dict(d);
	for (unsigned int r = 1; r < dp_drop_count(); r++) {
		char name[RTE_TEL_MAX_STRING_LEN];

		/* telemetry names allow no '.': parse.runt is parse_runt here */
		snprintf(name, sizeof(name), "%s", dp_drop_name(r));
		name[strcspn(name, ".")] = '_';
		rte_tel_data_add_dict_u64(d, name, t.drops[r]);
	}
	return 0;
}

static int
t_lcores(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int w = 0; w < n_workers; w++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct dp_lcore_stats s;
		char name[32];

		if (c == NULL)
			return -ENOMEM;
		dp_stats_lcore(workers[w], &s);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "rx_packets", s.rx_pkts);
		rte_tel_data_add_dict_u64(c, "tx_packets", s.tx_pkts);
		rte_tel_data_add_dict_u64(c, "drop_packets", s.drop_pkts);
		rte_tel_data_add_dict_u64(c, "punt_packets", s.punt_pkts);
		rte_tel_data_add_dict_u64(c, "inject_packets", s.inject_pkts);
		rte_tel_data_add_dict_u64(c, "copy_packets", s.copy_pkts);
		rte_tel_data_add_dict_u64(c, "handoff_packets", s.handoff_pkts);
		rte_tel_data_add_dict_u64(c, "handin_packets", s.handin_pkts);
		rte_tel_data_add_dict_u64(c, "busy_cycles", s.busy_cycles);
		rte_tel_data_add_dict_u64(c, "idle_cycles", s.idle_cycles);
		rte_tel_data_add_dict_u64(c, "pipeline_cycles", s.pipeline_cycles);
		rte_tel_data_add_dict_u64(c, "sleep_cycles", s.sleep_cycles);
		snprintf(name, sizeof(name), "lcore%u", workers[w]);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
t_ports(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct dp_lcore_stats t;

	dp_stats_total(&t);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < dp_n_ports; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_int(c, "port_id", dp_ports[i].port_id);
		rte_tel_data_add_dict_u64(c, "rx_packets", t.port[i].rx_pkts);
		rte_tel_data_add_dict_u64(c, "rx_bytes", t.port[i].rx_bytes);
		rte_tel_data_add_dict_u64(c, "tx_packets", t.port[i].tx_pkts);
		rte_tel_data_add_dict_u64(c, "tx_bytes", t.port[i].tx_bytes);
		rte_tel_data_add_dict_u64(c, "tx_dropped", t.port[i].tx_drop);
		rte_tel_data_add_dict_container(d, dp_ports[i].cfg->name, c, 0);
	}
	return 0;
}

static int
t_tables(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < dp_tables_count(); i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct dp_table_counts k = dp_table_counts(i);

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "entries", dp_table_entries(i));
		rte_tel_data_add_dict_u64(c, "hits", k.hits);
		rte_tel_data_add_dict_u64(c, "misses", k.misses);
		rte_tel_data_add_dict_container(d, dp_table_def(i)->name, c, 0);
	}
	return 0;
}

int
dp_telemetry_register(const unsigned int *worker_lcores, unsigned int n)
{
	workers = worker_lcores;
	n_workers = n;
	if (rte_telemetry_register_cmd("/sxdp/stats", t_stats, "Packet totals and table generation") ||
	    rte_telemetry_register_cmd("/sxdp/drops", t_drops, "Drops by named reason") ||
	    rte_telemetry_register_cmd("/sxdp/lcores", t_lcores, "Per-worker packets and cycles") ||
	    rte_telemetry_register_cmd("/sxdp/ports", t_ports, "Per-port software counters") ||
	    rte_telemetry_register_cmd("/sxdp/tables", t_tables, "Per-table entries, hits, misses"))
		return -EINVAL;
	return 0;
}
