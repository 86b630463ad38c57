/* SPDX-License-Identifier: BSD-3-Clause */
/* edge's part of the Visibility API's counters (each slice's edge as sxdp holds it, its connections, the workers' tables, the drops and events by reason) and of /metrics (connections and mappings per worker). */
#include <stdio.h>
#include <string.h>

#include "cd_vis.h"
#include "edge_names.h"
#include "edge_spec.h"

static const char *const edge_reads[] = { "stats.get", "edge.stats", "edge.connections", NULL };
static const char *const edge_tables[] = { EDGE_T_SLICES, EDGE_T_POOLS, NULL };
static const char *const edge_metric_reads[] = { "edge.stats", NULL };

/* The page shows the first ones (their total beside): a busy edge holds a
 * million, and the document is read every few seconds. */
#define EDGE_VIS_CONNS 100

/* The intent name of the slice of VRF @vrf (borrowed from @slices), NULL: none. */
static const char *
slice_name(json_t *slices, json_int_t vrf)
{
	const char *name;
	json_t *d;

	json_object_foreach(slices, name, d)
		if (json_integer_value(json_object_get(json_object_get(d, "spec"), "id")) == vrf)
			return name;
	return NULL;
}

/* Each slice's edge as edge_slices and edge_pools hold it: {"vrf", "slice",
 * "outside", "pool" (null: no NAT; else {"id", "first", "last", "ports",
 * "block", "blocks", "deterministic"}), "connections" (of the listed)}. */
static json_t *
edges(json_t *sl, json_t *pools, json_t *conns, json_t *slices)
{
	json_t *out = json_array(), *e, *p, *c, *pool;
	size_t i, j;

	json_array_foreach(sl, i, e) {
		json_int_t vrf = json_integer_value(json_object_get(json_object_get(e, "match"), EDGE_F_VRF));
		json_t *prm = json_object_get(e, "params");
		json_int_t pid = json_integer_value(json_object_get(prm, EDGE_F_POOL)), n = 0;
		const char *who = slice_name(slices, vrf);

		if (strcmp(json_string_value(json_object_get(e, "action")) ?: "", EDGE_A_EDGE) != 0)
			continue;
		pool = json_null();
		json_array_foreach(pools, j, p) {
			json_t *pp = json_object_get(p, "params");

			if (pid == 0 || json_integer_value(json_object_get(json_object_get(p, "match"), EDGE_F_ID)) != pid)
				continue;
			json_decref(pool);
			pool = json_pack("{s:I,s:O,s:O,s:o,s:O,s:O}", "id", pid,
					 "first", json_object_get(pp, EDGE_F_FIRST), "last", json_object_get(pp, EDGE_F_LAST),
					 "ports", json_sprintf("%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT,
							       json_integer_value(json_object_get(pp, EDGE_F_PORT_LO)),
							       json_integer_value(json_object_get(pp, EDGE_F_PORT_HI))),
					 "block", json_object_get(pp, EDGE_F_BLOCK),
					 "blocks", json_object_get(pp, EDGE_F_BLOCKS));
			if (pool == NULL) {
				pool = json_null();
				continue;
			}
			if (json_integer_value(json_object_get(pp, EDGE_F_DET_PLEN)) > 0)
				json_object_set_new(pool, "deterministic", json_sprintf("%s/%" JSON_INTEGER_FORMAT,
					json_string_value(json_object_get(pp, EDGE_F_DET_PREFIX)) ?: "?",
					json_integer_value(json_object_get(pp, EDGE_F_DET_PLEN))));
		}
		json_array_foreach(conns, j, c)
			n += json_integer_value(json_object_get(c, "vrf")) == vrf;
		json_array_append_new(out, json_pack("{s:I,s:s?,s:O,s:o,s:I}", "vrf", vrf, "slice", who,
						     "outside", json_object_get(prm, EDGE_F_OUTSIDE) ?: json_null(),
						     "pool", pool, "connections", n));
	}
	return out;
}

/* {"slices": [...], "workers": [{connections, capacity, mappings, hosts}],
 * "timeouts": {...}, "connections": [the first EDGE_VIS_CONNS of
 * edge.connections], "total", "drops": {reason: n}, "events": {...}}:
 * sxdp as it is, not the intents; null without the edge feature. */
static json_t *
edge_counters(const struct cd_vis_in *in)
{
	json_t *st = json_object_get(in->res, "edge.stats"), *cs = json_object_get(in->res, "edge.connections");
	json_t *sl = json_object_get(in->res, EDGE_T_SLICES), *pools = json_object_get(in->res, EDGE_T_POOLS);
	json_t *stats = json_object_get(in->res, "stats.get"), *slices, *rows, *out;
	size_t n;

	if (st == NULL || json_is_null(st) || sl == NULL || json_is_null(sl))
		return json_null();
	rows = json_copy(json_object_get(cs, "connections")) ?: json_array();
	slices = cd_vis_docs(in->r, "slices");
	out = json_pack("{s:o,s:O,s:O,s:I,s:o,s:o}",
			"slices", edges(json_object_get(sl, "entries"), json_object_get(pools, "entries"), rows, slices),
			"workers", json_object_get(st, "workers") ?: json_null(),
			"timeouts", json_object_get(st, "timeouts") ?: json_null(),
			"total", json_integer_value(json_object_get(cs, "total")),
			"drops", edge_spec_reasons(json_object_get(stats, "drops")),
			"events", edge_spec_reasons(json_object_get(stats, "events")));
	json_decref(slices);
	while ((n = json_array_size(rows)) > EDGE_VIS_CONNS)
		json_array_remove(rows, n - 1);
	json_object_set_new(out, "connections", rows);
	return out;
}

static const struct cd_vis_view edge_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "edge", .rank = 71, .methods = edge_reads, .tables = edge_tables,
	.value = edge_counters,
};
CD_VIS_VIEW_REGISTER(edge_view_counters)

/* Per worker: connections held and NAT44 mappings, gauges (their drops are
 * sxdp_drops_total's, reason "edge.*"). */
static void
edge_samples(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	json_t *w;
	size_t i;
	char id[24];

	json_array_foreach(json_object_get(json_object_get(in->res, "edge.stats"), "workers"), i, w) {
		snprintf(id, sizeof(id), "%zu", i);
		cd_vis_sample(f, "sxdp_edge_connections", "gauge", "Connections a worker tracks across the slices' "
			      "edges", cd_vis_num(w, "connections"), "worker", id, NULL);
		cd_vis_sample(f, "sxdp_edge_connections_capacity", "gauge", "Connections a worker can track",
			      cd_vis_num(w, "capacity"), "worker", id, NULL);
		cd_vis_sample(f, "sxdp_edge_nat_mappings", "gauge", "NAT44 mappings (inside endpoint to pool "
			      "address and port) a worker holds", cd_vis_num(w, "mappings"), "worker", id, NULL);
		cd_vis_sample(f, "sxdp_edge_nat_hosts", "gauge", "Inside hosts holding NAT44 port blocks on a worker",
			      cd_vis_num(w, "hosts"), "worker", id, NULL);
	}
}

static const struct cd_vis_metrics edge_metrics = {
	.rank = 40, .methods = edge_metric_reads, .samples = edge_samples,
};
CD_VIS_METRICS_REGISTER(edge_metrics)
