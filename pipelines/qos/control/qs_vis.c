/* SPDX-License-Identifier: BSD-3-Clause */
/* The qos's part of the Visibility API (VDNs with their meter and pipe) and of /metrics (meters, schedulers). */
#include <stdio.h>

#include "cd_vis.h"

#define VDNS_KIND "vdns"

static const char *const qos_reads[] = { "qos.meters", "qos.sched", NULL };

/* A VDN's scheduler counters: per port, what its pipe sent and dropped. */
static json_t *
pipe_sched(json_t *sched, json_int_t pipe)
{
	json_t *out = json_array(), *port, *row;
	size_t i, j;

	json_array_foreach(sched, i, port) {
		json_int_t pk = 0, by = 0, dr = 0;
		bool found = false;

		json_array_foreach(json_object_get(port, "pipes"), j, row) {
			if (json_integer_value(json_object_get(row, "pipe")) != pipe)
				continue;
			found = true;
			pk += json_integer_value(json_object_get(row, "packets"));
			by += json_integer_value(json_object_get(row, "bytes"));
			dr += json_integer_value(json_object_get(row, "drops"));
		}
		if (found)
			json_array_append_new(out, json_pack("{s:O,s:I,s:I,s:I}", "port",
				json_object_get(port, "port"), "packets", pk, "bytes", by, "drops", dr));
	}
	return out;
}

static json_t *
vdns(const struct cd_vis_in *in, bool counters)
{
	json_t *docs = cd_vis_docs(in->r, VDNS_KIND), *out = json_array(), *d, *m;
	const char *name;
	char key[200];

	json_object_foreach(docs, name, d) {
		json_int_t id;
		json_t *row;

		snprintf(key, sizeof(key), "vdns/%s", name);
		id = cd_vis_id(in->r, "meter", key);
		row = json_pack("{s:s,s:I}", "name", name, "id", id);
		if (counters) {
			if ((m = cd_vis_row(json_object_get(in->res, "qos.meters"), id)) != NULL)
				json_object_set(row, "meter", m);
			json_object_set_new(row, "scheduler",
					    pipe_sched(json_object_get(in->res, "qos.sched"), id));
			cd_vis_in_out(row, -1);
		} else {
			json_object_set(row, "status", json_object_get(d, "status"));
			json_object_set(row, "spec", json_object_get(d, "spec"));
		}
		json_array_append_new(out, row);
	}
	json_decref(docs);
	return out;
}

static json_t *
vdns_topology(const struct cd_vis_in *in)
{
	return vdns(in, false);
}

static json_t *
vdns_counters(const struct cd_vis_in *in)
{
	return vdns(in, true);
}

static const struct cd_vis_view qs_view_vdns = {
	.view = CD_VIEW_TOPOLOGY, .key = "vdns", .rank = 70, .value = vdns_topology,
};
CD_VIS_VIEW_REGISTER(qs_view_vdns)
static const struct cd_vis_view qs_view_vdn_counters = {
	.view = CD_VIEW_COUNTERS, .key = "vdns", .rank = 20, .methods = qos_reads, .value = vdns_counters,
};
CD_VIS_VIEW_REGISTER(qs_view_vdn_counters)

/* ------------------------------------------------------------ metrics */

static void
meters(struct cd_vis_fams *f, struct cd_res *r, json_t *rows)
{
	static const char *const colors[] = { "green", "yellow", "red" };
	json_t *m;
	size_t i;
	char id[24];

	json_array_foreach(rows, i, m) {
		const char *who = cd_vis_owner(r, "meter", (json_int_t)cd_vis_num(m, "id"));

		snprintf(id, sizeof(id), "%lld", (long long)cd_vis_num(m, "id"));
		for (int c = 0; c < 3; c++) {
			json_t *col = json_object_get(m, colors[c]);

			cd_vis_sample(f, "sxdp_meter_packets_total", "counter", "Packets a meter colored",
				      cd_vis_num(col, "packets"), "meter", id, "intent", who ? who : "",
				      "color", colors[c], NULL);
			cd_vis_sample(f, "sxdp_meter_bytes_total", "counter",
				      "Bytes a meter colored (as charged)", cd_vis_num(col, "bytes"), "meter",
				      id, "intent", who ? who : "", "color", colors[c], NULL);
		}
	}
}

static void
sched(struct cd_vis_fams *f, json_t *rows)
{
	json_t *p, *s, *tc;
	size_t i, j, k;
	char sl[24], t[8];

	json_array_foreach(rows, i, p) {
		const char *port = json_string_value(json_object_get(p, "port"));

		json_array_foreach(json_object_get(p, "subports"), j, s) {
			snprintf(sl, sizeof(sl), "%lld", (long long)cd_vis_num(s, "slice"));
			json_array_foreach(json_object_get(s, "tcs"), k, tc) {
				snprintf(t, sizeof(t), "%lld", (long long)cd_vis_num(tc, "tc"));
				cd_vis_sample(f, "sxdp_sched_packets_total", "counter",
					      "Packets an egress scheduler sent, per slice and traffic class",
					      cd_vis_num(tc, "packets"), "port", port, "slice", sl, "tc", t, NULL);
				cd_vis_sample(f, "sxdp_sched_bytes_total", "counter",
					      "Bytes an egress scheduler sent, per slice and traffic class",
					      cd_vis_num(tc, "bytes"), "port", port, "slice", sl, "tc", t, NULL);
				cd_vis_sample(f, "sxdp_sched_drops_total", "counter",
					      "Packets an egress scheduler dropped, per slice and traffic class",
					      cd_vis_num(tc, "drops"), "port", port, "slice", sl, "tc", t, NULL);
			}
		}
	}
}

static void
qos_samples(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	meters(f, in->r, json_object_get(in->res, "qos.meters"));
	sched(f, json_object_get(in->res, "qos.sched"));
}

static const struct cd_vis_metrics qs_metrics = {
	.rank = 20, .methods = qos_reads, .samples = qos_samples,
};
CD_VIS_METRICS_REGISTER(qs_metrics)
