/* SPDX-License-Identifier: BSD-3-Clause */
/* /metrics: sxdp's and sxcd's counters as Prometheus text 0.0.4 (see cd_metrics.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cd_metrics.h"
#include "cd_view.h"

/* The families in the order they were first named, each with its samples:
 * the format wants one HELP and TYPE per family and its samples together. */
struct fams {
	json_t *order;	/* names */
	json_t *fam;	/* name → {"help", "type", "lines": [...]} */
};

/* @v with \, " and newline escaped, as a label value is written. */
static void
label_esc(char *out, size_t len, const char *v)
{
	size_t n = 0;

	for (; v != NULL && *v != '\0' && n + 3 < len; v++) {
		if (*v == '\\' || *v == '"') {
			out[n++] = '\\';
			out[n++] = *v;
		} else if (*v == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *v;
		}
	}
	out[n] = '\0';
}

/* One sample: @labels is "k1", "v1", ..., NULL. */
static void
sample(struct fams *f, const char *name, const char *type, const char *help, double value, ...)
{
	json_t *fam = json_object_get(f->fam, name);
	char line[1024], esc[256];
	const char *k, *v;
	size_t n;
	va_list ap;

	if (fam == NULL) {
		fam = json_pack("{s:s,s:s,s:[]}", "help", help, "type", type, "lines");
		json_object_set_new(f->fam, name, fam);
		json_array_append_new(f->order, json_string(name));
	}
	n = (size_t)snprintf(line, sizeof(line), "%s", name);
	va_start(ap, value);
	for (int i = 0; (k = va_arg(ap, const char *)) != NULL && n < sizeof(line); i++) {
		v = va_arg(ap, const char *);
		label_esc(esc, sizeof(esc), v);
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s=\"%s\"", i ? "," : "{", k, esc);
	}
	va_end(ap);
	if (n < sizeof(line) && strchr(line, '{') != NULL)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "}");
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " %.17g", value);
	json_array_append_new(json_object_get(fam, "lines"), json_string(line));
}

static char *
render(struct fams *f)
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

static double
num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : 0;
}

/* ------------------------------------------------------------- sxdp */

static void
lcores(struct fams *f, json_t *stats, double hz)
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

		snprintf(id, sizeof(id), "%lld", (long long)num(l, "lcore"));
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++)
			sample(f, c[k].name, "counter", c[k].help, num(l, c[k].key), "lcore", id,
			       "role", role ? role : "", NULL);
	}
	sample(f, "sxdp_tsc_hz", "gauge", "The TSC's frequency: cycles per second", hz, NULL);
	sample(f, "sxdp_uptime_seconds", "gauge", "Since sxdp started", num(stats, "uptime_s"), NULL);
}

static void
ports(struct fams *f, json_t *stats)
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
			sample(f, c[k].name, "counter", c[k].help, num(p, c[k].key), "port",
			       json_string_value(json_object_get(p, "name")), NULL);
}

static void
drops_tables_mempool(struct fams *f, json_t *stats)
{
	json_t *v, *mp = json_object_get(stats, "mempool");
	const char *k;

	json_object_foreach(json_object_get(stats, "drops"), k, v)
		sample(f, "sxdp_drops_total", "counter", "Packets dropped, by named reason (stage.reason)",
		       json_number_value(v), "reason", k, NULL);
	json_object_foreach(json_object_get(stats, "events"), k, v)
		sample(f, "sxdp_events_total", "counter", "Events of the slow path, by name",
		       json_number_value(v), "event", k, NULL);
	json_object_foreach(json_object_get(stats, "tables"), k, v) {
		sample(f, "sxdp_table_hits_total", "counter", "Lookups that found an entry", num(v, "hits"),
		       "table", k, NULL);
		sample(f, "sxdp_table_misses_total", "counter", "Lookups that found none", num(v, "misses"),
		       "table", k, NULL);
		sample(f, "sxdp_table_entries", "gauge", "Entries in a table", num(v, "entries"), "table", k,
		       NULL);
	}
	sample(f, "sxdp_mempool_mbufs_in_use", "gauge", "Packet buffers in use", num(mp, "in_use"), NULL);
	sample(f, "sxdp_mempool_mbufs", "gauge", "Packet buffers in all", num(mp, "size"), NULL);
}

/* Names of what the ids in @ns are: id → "kind/name[/...]" */
static const char *
owner_of(struct cd_res *r, const char *ns, json_int_t id)
{
	json_t *v;
	const char *k;

	json_object_foreach(json_object_get(cd_res_state(r, "ids"), ns), k, v)
		if (json_integer_value(v) == id)
			return k;
	return NULL;
}

static void
paths(struct fams *f, struct cd_res *r, json_t *rows)
{
	json_t *p;
	size_t i;
	char id[24];

	json_array_foreach(rows, i, p) {
		const char *who = owner_of(r, "path", (json_int_t)num(p, "id"));

		snprintf(id, sizeof(id), "%lld", (long long)num(p, "id"));
		who = who ? who : "";
		sample(f, "sxdp_path_up", "gauge", "1 while a path's probes say it is up",
		       strcmp(json_string_value(json_object_get(p, "state")) ?: "", "up") == 0, "path", id,
		       "peer", who, NULL);
		sample(f, "sxdp_path_rtt_seconds", "gauge", "A path's mean RTT over its last probes",
		       num(p, "rtt_us") / 1e6, "path", id, "peer", who, NULL);
		sample(f, "sxdp_path_jitter_seconds", "gauge", "A path's mean RTT change",
		       num(p, "jitter_us") / 1e6, "path", id, "peer", who, NULL);
		sample(f, "sxdp_path_loss_ratio", "gauge", "Share of a path's last probes lost",
		       num(p, "loss_pm") / 1000, "path", id, "peer", who, NULL);
		sample(f, "sxdp_path_packets_total", "counter", "Packets sent on a path", num(p, "packets"),
		       "path", id, "peer", who, NULL);
		sample(f, "sxdp_path_bytes_total", "counter", "Bytes sent on a path (outer frames)",
		       num(p, "bytes"), "path", id, "peer", who, NULL);
		sample(f, "sxdp_path_probes_lost_total", "counter", "A path's probes never answered",
		       num(p, "probes_lost"), "path", id, "peer", who, NULL);
	}
}

static void
meters(struct fams *f, struct cd_res *r, json_t *rows)
{
	static const char *const colors[] = { "green", "yellow", "red" };
	json_t *m;
	size_t i;
	char id[24];

	json_array_foreach(rows, i, m) {
		const char *who = owner_of(r, "meter", (json_int_t)num(m, "id"));

		snprintf(id, sizeof(id), "%lld", (long long)num(m, "id"));
		for (int c = 0; c < 3; c++) {
			json_t *col = json_object_get(m, colors[c]);

			sample(f, "sxdp_meter_packets_total", "counter", "Packets a meter colored",
			       num(col, "packets"), "meter", id, "intent", who ? who : "", "color",
			       colors[c], NULL);
			sample(f, "sxdp_meter_bytes_total", "counter", "Bytes a meter colored (as charged)",
			       num(col, "bytes"), "meter", id, "intent", who ? who : "", "color",
			       colors[c], NULL);
		}
	}
}

static void
sched(struct fams *f, json_t *rows)
{
	json_t *p, *s, *tc;
	size_t i, j, k;
	char sl[24], t[8];

	json_array_foreach(rows, i, p) {
		const char *port = json_string_value(json_object_get(p, "port"));

		json_array_foreach(json_object_get(p, "subports"), j, s) {
			snprintf(sl, sizeof(sl), "%lld", (long long)num(s, "slice"));
			json_array_foreach(json_object_get(s, "tcs"), k, tc) {
				snprintf(t, sizeof(t), "%lld", (long long)num(tc, "tc"));
				sample(f, "sxdp_sched_packets_total", "counter",
				       "Packets an egress scheduler sent, per slice and traffic class",
				       num(tc, "packets"), "port", port, "slice", sl, "tc", t, NULL);
				sample(f, "sxdp_sched_bytes_total", "counter",
				       "Bytes an egress scheduler sent, per slice and traffic class",
				       num(tc, "bytes"), "port", port, "slice", sl, "tc", t, NULL);
				sample(f, "sxdp_sched_drops_total", "counter",
				       "Packets an egress scheduler dropped, per slice and traffic class",
				       num(tc, "drops"), "port", port, "slice", sl, "tc", t, NULL);
			}
		}
	}
}

/* ------------------------------------------------------------- sxcd */

/* The UPF's URRs summed (upf.usage with no params): never a label per
 * session. Nothing when sxdp runs no upf. */
static void
upf(struct fams *f, json_t *usage)
{
	if (!json_is_object(usage))
		return;
	sample(f, "sxdp_upf_usage_packets_total", "counter",
	       "Packets the UPF's URRs counted (what passed its QERs), all sessions", num(usage, "packets"), NULL);
	sample(f, "sxdp_upf_usage_bytes_total", "counter",
	       "Bytes of IP packets the UPF's URRs counted, all sessions", num(usage, "bytes"), NULL);
	sample(f, "sxdp_upf_usage_thresholds", "gauge", "URRs with a volume threshold being watched",
	       num(usage, "watched"), NULL);
}

/* How long the event loop was held (cd_lag's timer lateness): a
 * histogram and the largest since start. */
static void
loop_lag(struct fams *f, json_t *lag)
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
	snprintf(line, sizeof(line), "%s_bucket{le=\"+Inf\"} %.17g", name, num(lag, "count"));
	json_array_append_new(lines, json_string(line));
	snprintf(line, sizeof(line), "%s_sum %.17g", name, num(lag, "sum_seconds"));
	json_array_append_new(lines, json_string(line));
	snprintf(line, sizeof(line), "%s_count %.17g", name, num(lag, "count"));
	json_array_append_new(lines, json_string(line));
	json_object_set_new(f->fam, name, fam);
	json_array_append_new(f->order, json_string(name));
	sample(f, "sxcd_loop_lag_max_seconds", "gauge", "The longest the event loop was held since sxcd started",
	       num(lag, "max_seconds"), NULL);
}

static void
intents(struct fams *f, struct cd_res *r, struct cd_sync *s, bool up)
{
	static const char *const phases[] = { "Pending", "Programming", "Ready", "Degraded",
					      "Failed", "Error", "Withdrawing" };
	json_t *ph = cd_res_phases(r), *info = cd_sync_info(s), *rec = json_object_get(info, "reconcile");

	sample(f, "sxcd_sxdp_up", "gauge", "1 while sxcd is connected to sxdp", up, NULL);
	sample(f, "sxcd_sxdp_unresponsive", "gauge",
	       "1 while sxdp's socket is open but sxdp does not answer (stopped, hung)",
	       strcmp(json_string_value(json_object_get(info, "state")) ?: "", "unresponsive") == 0, NULL);
	sample(f, "sxcd_sxdp_stalls_total", "counter",
	       "Times sxdp stopped answering (a call or the keepalive outlived its deadline)",
	       num(info, "stalls"), NULL);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		sample(f, "sxcd_intents", "gauge", "Intents by phase",
		       num(ph, phases[i]), "phase", phases[i], NULL);
	sample(f, "sxcd_reconcile_runs_total", "counter", "Reconcile runs that ended",
	       num(rec, "runs_ok") + num(rec, "runs_failed"), NULL);
	sample(f, "sxcd_reconcile_failures_total", "counter", "Reconcile runs sxdp refused writes of",
	       num(rec, "runs_failed"), NULL);
	sample(f, "sxcd_table_writes_total", "counter", "Table updates sxcd sent to sxdp",
	       num(rec, "writes"), NULL);
	sample(f, "sxcd_reconcile_last_run_seconds", "gauge", "How long the last reconcile run took",
	       num(rec, "last_run_ms") / 1000, NULL);
	loop_lag(f, json_object_get(info, "loop_lag"));
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
	struct fams f = { .order = json_array(), .fam = json_object() };
	json_t *stats = json_object_get(res, "stats.get");

	if (res != NULL && json_is_object(stats)) {
		lcores(&f, stats, num(stats, "tsc_hz"));
		ports(&f, stats);
		drops_tables_mempool(&f, stats);
		paths(&f, j->r, json_object_get(res, "overlay.paths"));
		meters(&f, j->r, json_object_get(res, "qos.meters"));
		sched(&f, json_object_get(res, "qos.sched"));
		upf(&f, json_object_get(res, "upf.usage"));
	}
	intents(&f, j->r, j->s, res != NULL && json_is_object(stats));
	j->done(j->arg, render(&f));
	json_decref(f.order);
	json_decref(f.fam);
	free(j);
}

void
cd_metrics(struct cd_sync *s, struct cd_res *r, cd_metrics_done *done, void *arg)
{
	static const char *const methods[] = { "stats.get", "overlay.paths", "qos.meters", "qos.sched",
					       "upf.usage", NULL };
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		done(arg, NULL);
		return;
	}
	*j = (struct job){ .s = s, .r = r, .done = done, .arg = arg };
	cd_gather(s, methods, on_gathered, j);
}
