/* SPDX-License-Identifier: BSD-3-Clause */
/* The switch's keys of the Visibility API: the site, its WAN links and the slices with their counters and routing. */
#include <stdio.h>

#include "cd_kind.h"
#include "cd_vis.h"
#include "sw_names.h"
#include "sw_routing.h"

#define SLICES_KIND "slices"
#define SITE_KIND "site"

static json_t *
site_doc(const struct cd_vis_in *in)
{
	return cd_vis_doc(in->r, SITE_KIND, cd_kind_only(cd_kind_of(SITE_KIND)));
}

static json_t *
box_site(const struct cd_vis_in *in)
{
	json_t *site = site_doc(in);

	return site ? site : json_null();
}

static json_t *
wan(const struct cd_vis_in *in)
{
	json_t *site = site_doc(in), *w = json_object_get(json_object_get(site, "spec"), "wan");

	w = w ? json_incref(w) : json_array();
	json_decref(site);
	return w;
}

/* Sum of the hits of @entries whose param @field is @v. */
static json_int_t
hits_where(json_t *entries, const char *field, json_int_t v)
{
	json_int_t n = 0;
	json_t *e;
	size_t i;

	json_array_foreach(entries, i, e)
		if (json_integer_value(json_object_get(json_object_get(e, "params"), field)) == v)
			n += json_integer_value(json_object_get(e, "hits"));
	return n;
}

/* A slice's scheduler counters: per port, what its subport sent and
 * dropped (qos.sched's answer). */
static json_t *
slice_sched(json_t *sched, json_int_t slice)
{
	json_t *out = json_array(), *port, *row, *tc;
	size_t i, j, k;

	json_array_foreach(sched, i, port) {
		json_int_t pk = 0, by = 0, dr = 0;
		bool found = false;

		json_array_foreach(json_object_get(port, "subports"), j, row) {
			if (json_integer_value(json_object_get(row, "slice")) != slice)
				continue;
			found = true;
			json_array_foreach(json_object_get(row, "tcs"), k, tc) {
				pk += json_integer_value(json_object_get(tc, "packets"));
				by += json_integer_value(json_object_get(tc, "bytes"));
				dr += json_integer_value(json_object_get(tc, "drops"));
			}
		}
		if (found)
			json_array_append_new(out, json_pack("{s:O,s:I,s:I,s:I}", "port",
				json_object_get(port, "port"), "packets", pk, "bytes", by, "drops", dr));
	}
	return out;
}

static json_t *
slices(const struct cd_vis_in *in, bool counters)
{
	json_t *docs = cd_vis_docs(in->r, SLICES_KIND), *out = json_array(), *d, *row, *m;
	json_t *ifs = json_object_get(json_object_get(in->res, SW_T_INTERFACES), "entries");
	const char *name;
	char key[200];

	json_object_foreach(docs, name, d) {
		json_t *spec = json_object_get(d, "spec");
		json_int_t sid = json_integer_value(json_object_get(spec, "id")), meter;

		if (!counters) {
			row = json_pack("{s:s,s:O,s:O}", "name", name, "status", json_object_get(d, "status"), "spec",
					spec);
			/* its twin and what it learned (sxcd's routing service) */
			if ((m = sw_routing_slice((int)sid)) != NULL)
				json_object_set_new(row, "routing", m);
			json_array_append_new(out, row);
			continue;
		}
		snprintf(key, sizeof(key), "slices/%s", name);
		meter = cd_vis_id(in->r, "meter", key);
		row = json_pack("{s:s,s:I,s:I,s:o}", "name", name, "id", sid, "rx_packets",
				hits_where(ifs, "slice", sid), "scheduler",
				slice_sched(json_object_get(in->res, "qos.sched"), sid));
		if (meter != 0 && (m = cd_vis_row(json_object_get(in->res, "qos.meters"), meter)) != NULL)
			json_object_set(row, "meter", m);
		cd_vis_in_out(row, json_integer_value(json_object_get(row, "rx_packets")));
		json_array_append_new(out, row);
	}
	json_decref(docs);
	return out;
}

static json_t *
slices_topology(const struct cd_vis_in *in)
{
	return slices(in, false);
}

static json_t *
slices_counters(const struct cd_vis_in *in)
{
	return slices(in, true);
}

static const struct cd_vis_view sw_view_site = {
	.view = CD_VIEW_TOPOLOGY, .key = "box/site", .rank = 10, .value = box_site,
};
CD_VIS_VIEW_REGISTER(sw_view_site)
static const struct cd_vis_view sw_view_wan = {
	.view = CD_VIEW_TOPOLOGY, .key = "wan", .rank = 40, .value = wan,
};
CD_VIS_VIEW_REGISTER(sw_view_wan)
static const struct cd_vis_view sw_view_slices = {
	.view = CD_VIEW_TOPOLOGY, .key = "slices", .rank = 60, .value = slices_topology,
};
CD_VIS_VIEW_REGISTER(sw_view_slices)

/* a slice's scheduler and meter are the qos's, which the switch needs */
static const char *const slices_reads[] = { "qos.sched", "qos.meters", NULL };
static const char *const slices_tables[] = { SW_T_INTERFACES, NULL };
static const struct cd_vis_view sw_view_slice_counters = {
	.view = CD_VIEW_COUNTERS, .key = "slices", .rank = 10, .methods = slices_reads,
	.tables = slices_tables, .value = slices_counters,
};
CD_VIS_VIEW_REGISTER(sw_view_slice_counters)
