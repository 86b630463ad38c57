/* SPDX-License-Identifier: BSD-3-Clause */
/* /metrics: sxdp's and sxcd's counters as Prometheus text 0.0.4 (see cd_metrics.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_metrics.h"
#include "cd_mem.h"
#include "cd_rstatus.h"
#include "cd_svc.h"
#include "cd_view.h"
#include "cd_vis.h"

#define MAX_METHODS 32

static char *
render(struct cd_vis_fams *f)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *m = open_memstream(&buf, &len);
	json_t *name, *fam, *l;

	if (m == NULL)
		return NULL;
	json_array_foreach(f->order, i, name) {
		fam = json_object_get(f->fam, json_string_value(name));
		fprintf(m, "# HELP %s %s\n# TYPE %s %s\n", json_string_value(name),
			json_string_value(json_object_get(fam, "help")), json_string_value(name),
			json_string_value(json_object_get(fam, "type")));
		json_array_foreach(json_object_get(fam, "lines"), j, l)
			fprintf(m, "%s\n", json_string_value(l));
	}
	fclose(m);
	return buf;
}

/* ------------------------------------------------------------- sxdp */

static void
lcores(struct cd_vis_fams *f, json_t *stats, double hz)
{
	static const struct { const char *key, *name, *help; } c[] = {
		{ "rx_packets", "sxdp_lcore_rx_packets_total", "Packets an lcore received" },
		{ "tx_packets", "sxdp_lcore_tx_packets_total", "Packets an lcore sent" },
		{ "drop_packets", "sxdp_lcore_drop_packets_total", "Packets an lcore dropped" },
		{ "punt_packets", "sxdp_lcore_punt_packets_total", "Packets an lcore punted to the main lcore" },
		{ "busy_cycles", "sxdp_lcore_busy_cycles_total", "TSC cycles an lcore spent on polls that found packets" },
		{ "idle_cycles", "sxdp_lcore_idle_cycles_total", "TSC cycles an lcore spent on empty polls" },
	};
	json_t *l;
	size_t i;
	char id[16];

	json_array_foreach(json_object_get(stats, "lcores"), i, l) {
		const char *role = json_string_value(json_object_get(l, "role"));

		snprintf(id, sizeof(id), "%lld", (long long)cd_vis_num(l, "lcore"));
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
			cd_vis_sample(f, c[k].name, "counter", c[k].help, cd_vis_num(l, c[k].key), "lcore", id,
			       "role", role ? role : "", NULL);
	}
	cd_vis_sample(f, "sxdp_tsc_hz", "gauge", "The TSC's frequency: cycles per second", hz, NULL);
	cd_vis_sample(f, "sxdp_uptime_seconds", "gauge", "Since sxdp started", cd_vis_num(stats, "uptime_s"), NULL);
}

static void
ports(struct cd_vis_fams *f, json_t *stats)
{
	static const struct { const char *key, *name, *help; } c[] = {
		{ "rx_packets", "sxdp_port_rx_packets_total", "Packets received on a port" },
		{ "rx_bytes", "sxdp_port_rx_bytes_total", "Bytes received on a port" },
		{ "rx_missed", "sxdp_port_rx_missed_total", "Packets the device or kernel dropped before sxdp read them" },
		{ "tx_packets", "sxdp_port_tx_packets_total", "Packets sent on a port" },
		{ "tx_bytes", "sxdp_port_tx_bytes_total", "Bytes sent on a port" },
		{ "tx_dropped", "sxdp_port_tx_dropped_total", "Packets a port's transmit refused" },
	};
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(stats, "ports"), i, p)
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
			cd_vis_sample(f, c[k].name, "counter", c[k].help, cd_vis_num(p, c[k].key), "port",
			       json_string_value(json_object_get(p, "name")), NULL);
}

static void
drops_tables_mempool(struct cd_vis_fams *f, json_t *stats)
{
	json_t *v, *mp = json_object_get(stats, "mempool");
	const char *k;

	json_object_foreach(json_object_get(stats, "drops"), k, v)
		cd_vis_sample(f, "sxdp_drops_total", "counter", "Packets dropped, by named reason (stage.reason)",
		       json_number_value(v), "reason", k, NULL);
	json_object_foreach(json_object_get(stats, "events"), k, v)
		cd_vis_sample(f, "sxdp_events_total", "counter", "Events of the slow path, by name",
		       json_number_value(v), "event", k, NULL);
	json_object_foreach(json_object_get(stats, "tables"), k, v) {
		cd_vis_sample(f, "sxdp_table_hits_total", "counter", "Lookups that found an entry", cd_vis_num(v, "hits"),
		       "table", k, NULL);
		cd_vis_sample(f, "sxdp_table_misses_total", "counter", "Lookups that found none", cd_vis_num(v, "misses"),
		       "table", k, NULL);
		cd_vis_sample(f, "sxdp_table_entries", "gauge", "Entries in a table", cd_vis_num(v, "entries"), "table", k,
		       NULL);
	}
	cd_vis_sample(f, "sxdp_mempool_mbufs_in_use", "gauge", "Packet buffers in use", cd_vis_num(mp, "in_use"), NULL);
	cd_vis_sample(f, "sxdp_mempool_mbufs", "gauge", "Packet buffers in all", cd_vis_num(mp, "size"), NULL);
}

/* ------------------------------------------------------------- sxcd */

/* How long the event loop was held (cd_lag's timer lateness): a
 * histogram and the largest since start. */
static void
loop_lag(struct cd_vis_fams *f, json_t *lag)
{
	const char *name = "sxcd_loop_lag_seconds";
	json_t *fam, *lines, *b;
	char line[160];
	size_t i;

	if (lag == NULL)
		return;
	fam = json_pack("{s:s,s:s,s:[]}", "help", "How late a 10 ms timer fired: how long the event loop "
			"was held", "type", "histogram", "lines");
	lines = json_object_get(fam, "lines");
	json_array_foreach(json_object_get(lag, "buckets"), i, b) {
		snprintf(line, sizeof(line), "%s_bucket{le=\"%g\"} %" JSON_INTEGER_FORMAT, name,
			 json_real_value(json_array_get(b, 0)), json_integer_value(json_array_get(b, 1)));
		json_array_append_new(lines, json_string(line));
	}
	snprintf(line, sizeof(line), "%s_bucket{le=\"+Inf\"} %.17g", name, cd_vis_num(lag, "count"));
	json_array_append_new(lines, json_string(line));
	snprintf(line, sizeof(line), "%s_sum %.17g", name, cd_vis_num(lag, "sum_seconds"));
	json_array_append_new(lines, json_string(line));
	snprintf(line, sizeof(line), "%s_count %.17g", name, cd_vis_num(lag, "count"));
	json_array_append_new(lines, json_string(line));
	json_object_set_new(f->fam, name, fam);
	json_array_append_new(f->order, json_string(name));
	cd_vis_sample(f, "sxcd_loop_lag_max_seconds", "gauge", "The longest the event loop was held since sxcd started",
	       cd_vis_num(lag, "max_seconds"), NULL);
}

/* A fleet's store (cd_fleet.c's status block), when sxcd is on one. */
static void
fleet(struct cd_vis_fams *f, json_t *st)
{
	static const char *const states[] = { "synced", "syncing", "unreachable" };
	const char *now = json_string_value(json_object_get(st, "state"));

	if (st == NULL)
		return;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		cd_vis_sample(f, "sxcd_fleet_store_state", "gauge",
			      "1 for the state sxcd's view of the fleet's store is in", now != NULL &&
			      strcmp(now, states[i]) == 0, "state", states[i], NULL);
	cd_vis_sample(f, "sxcd_fleet_store_revision", "gauge", "The store's last revision this box has seen",
		      cd_vis_num(st, "revision"), NULL);
	cd_vis_sample(f, "sxcd_fleet_resyncs_total", "counter",
		      "Full reads of the fleet's intents (at start, after a lost watch or the store's return)",
		      cd_vis_num(st, "resyncs"), NULL);
	cd_vis_sample(f, "sxcd_fleet_watches_lost_total", "counter",
		      "Watches on the store that ended (a compaction past them, a member gone)",
		      cd_vis_num(st, "watches_lost"), NULL);
}

static void
heap(struct cd_vis_fams *f)
{
	json_t *m = cd_mem_info();

	cd_vis_sample(f, "sxcd_heap_allocated_bytes", "gauge", "sxcd's live heap (its allocator's count)",
		      cd_vis_num(m, "allocated_bytes"), NULL);
	cd_vis_sample(f, "sxcd_heap_resident_bytes", "gauge",
		      "What sxcd's allocator maps in RAM (the live heap, and freed pages kept to reuse)",
		      cd_vis_num(m, "resident_bytes"), NULL);
	json_decref(m);
}

static void
intents(struct cd_vis_fams *f, struct cd_res *r, struct cd_sync *s, bool up)
{
	static const char *const phases[] = { "Pending", "Programming", "Ready", "Degraded",
					      "Failed", "Error", "Withdrawing" };
	json_t *ph = cd_rstatus_phases(r), *info = cd_sync_info(s), *rec = json_object_get(info, "reconcile");

	cd_vis_sample(f, "sxcd_sxdp_up", "gauge", "1 while sxcd is connected to sxdp", up, NULL);
	cd_vis_sample(f, "sxcd_sxdp_unresponsive", "gauge",
	       "1 while sxdp's socket is open but sxdp does not answer (stopped, hung)",
	       strcmp(json_string_value(json_object_get(info, "state")) ?: "", "unresponsive") == 0, NULL);
	cd_vis_sample(f, "sxcd_sxdp_stalls_total", "counter",
	       "Times sxdp stopped answering (a call or the keepalive outlived its deadline)",
	       cd_vis_num(info, "stalls"), NULL);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		cd_vis_sample(f, "sxcd_intents", "gauge", "Intents by phase",
		       cd_vis_num(ph, phases[i]), "phase", phases[i], NULL);
	cd_vis_sample(f, "sxcd_reconcile_runs_total", "counter", "Reconcile runs that ended",
	       cd_vis_num(rec, "runs_ok") + cd_vis_num(rec, "runs_failed"), NULL);
	cd_vis_sample(f, "sxcd_reconcile_failures_total", "counter", "Reconcile runs sxdp refused writes of",
	       cd_vis_num(rec, "runs_failed"), NULL);
	cd_vis_sample(f, "sxcd_table_writes_total", "counter", "Table updates sxcd sent to sxdp",
	       cd_vis_num(rec, "writes"), NULL);
	cd_vis_sample(f, "sxcd_reconcile_last_run_seconds", "gauge", "How long the last reconcile run took",
	       cd_vis_num(rec, "last_run_ms") / 1000, NULL);
	loop_lag(f, json_object_get(info, "loop_lag"));
	heap(f);
	fleet(f, cd_res_remote_info(r));
	json_decref(ph);
	json_decref(info);
}

struct job {
	struct cd_sync *s;
	struct cd_res *r;
	cd_metrics_done *done;
	void *arg;
};

static void
on_gathered(void *arg, json_t *res)
{
	struct job *j = arg;
	struct cd_vis_fams f = { .order = json_array(), .fam = json_object() };
	json_t *stats = json_object_get(res, "stats.get");

	if (res != NULL && json_is_object(stats)) {
		lcores(&f, stats, cd_vis_num(stats, "tsc_hz"));
		ports(&f, stats);
		drops_tables_mempool(&f, stats);
		struct cd_vis_in in = { .r = j->r, .s = j->s, .res = res };
		const struct cd_vis_metrics *m;

		for (int i = 0; (m = cd_vis_metrics_at(i)) != NULL; i++)
			m->samples(&f, &in);
	}
	/* the services' (sxcd's own endpoints): there whether sxdp answers or not */
	cd_svc_metrics(&f);
	intents(&f, j->r, j->s, res != NULL && json_is_object(stats));
	j->done(j->arg, render(&f));
	json_decref(f.order);
	json_decref(f.fam);
	free(j);
}

void
cd_metrics(struct cd_sync *s, struct cd_res *r, cd_metrics_done *done, void *arg)
{
	const char *methods[MAX_METHODS + 1] = { "stats.get" };
	const struct cd_vis_metrics *m;
	struct job *j = calloc(1, sizeof(*j));
	int n = 1;

	/* sxdp's own counters, and what each feature's families read */
	for (int i = 0; (m = cd_vis_metrics_at(i)) != NULL; i++)
		for (const char *const *p = m->methods; p != NULL && *p != NULL && n < MAX_METHODS; p++)
			methods[n++] = *p;
	methods[n] = NULL;

	if (j == NULL) {
		done(arg, NULL);
		return;
	}
	*j = (struct job){ .s = s, .r = r, .done = done, .arg = arg };
	cd_gather(s, methods, on_gathered, j);
}
