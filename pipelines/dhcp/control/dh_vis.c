/* SPDX-License-Identifier: BSD-3-Clause */
/* dh_vis: dhcp's part of the Visibility API's counters and of /metrics: each slice's leases as sxdp holds them, the DHCP events and drops by reason. */
#include <stdio.h>
#include <string.h>

#include "cd_vis.h"
#include "dh_spec.h"
#include "dhcp_names.h"

static const char *const dh_reads[] = { DHCP_M_LEASES, "stats.get", NULL };

/* stats.get's @what ("drops", "events") of the dhcp stage, its prefix
 * dropped: {"no_pool": n, ...} (new). */
static json_t *
of_dhcp(json_t *stats, const char *what)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach(json_object_get(stats, what), k, v)
		if (strncmp(k, "dhcp.", 5) == 0)
			json_object_set(out, k + 5, v);
	return out;
}

/* {"file", "slices": [{"vrf", "slice" (its intent's name, null: none),
 * "bound", "offered", "declined", "static"}], "leases": bound ones in all,
 * "events": {"offer", "ack", ...}, "drops": {"no_pool", ...}}: sxdp's
 * leases as they are (kept in its lease file, not in sxcd); null without
 * the dhcp feature. */
static json_t *
dh_counters(const struct cd_vis_in *in)
{
	json_t *res = json_object_get(in->res, DHCP_M_LEASES), *st = json_object_get(in->res, "stats.get");
	json_t *slices, *rows, *row, *d;
	json_int_t bound = 0;
	const char *name;
	size_t i;

	if (res == NULL || json_is_null(res))
		return json_null();
	slices = cd_vis_docs(in->r, "slices");
	rows = dh_spec_counts(res);
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "slice", json_null());
		json_object_foreach(slices, name, d)
			if (json_integer_value(json_object_get(json_object_get(d, "spec"), "id")) ==
			    json_integer_value(json_object_get(row, "vrf")))
				json_object_set_new(row, "slice", json_string(name));
		bound += json_integer_value(json_object_get(row, "bound"));
	}
	json_decref(slices);
	return json_pack("{s:O,s:o,s:I,s:o,s:o}", "file", json_object_get(res, "file") ?: json_null(), "slices", rows,
			 "leases", bound, "events", of_dhcp(st, "events"), "drops", of_dhcp(st, "drops"));
}

static const struct cd_vis_view dh_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "dhcp", .rank = 73, .methods = dh_reads, .value = dh_counters,
};
CD_VIS_VIEW_REGISTER(dh_view_counters)

/* sxdp_dhcp_leases{vrf, state}: the drops and events are sxdp's own
 * families already (sxdp_drops_total{reason="dhcp.no_pool"}, ...). */
static void
dh_samples(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	static const char *const states[] = { "bound", "offered", "declined" };
	json_t *res = json_object_get(in->res, DHCP_M_LEASES), *rows, *row;
	char vrf[16];
	size_t i;

	if (res == NULL || json_is_null(res))
		return;
	rows = dh_spec_counts(res);
	json_array_foreach(rows, i, row) {
		snprintf(vrf, sizeof(vrf), "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(row, "vrf")));
		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++)
			cd_vis_sample(f, "sxdp_dhcp_leases", "gauge", "DHCP leases the box holds, by slice (VRF) and "
				      "state", cd_vis_num(row, states[s]), "vrf", vrf, "state", states[s], NULL);
	}
	json_decref(rows);
}

static const char *const dh_metric_reads[] = { DHCP_M_LEASES, NULL };
static const struct cd_vis_metrics dh_metrics = { .rank = 50, .methods = dh_metric_reads, .samples = dh_samples };
CD_VIS_METRICS_REGISTER(dh_metrics)
