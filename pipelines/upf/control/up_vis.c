/* SPDX-License-Identifier: BSD-3-Clause */
/* The UPF's part of the Visibility API's counters and of /metrics: its URRs summed, never per session. */
#include <string.h>

#include "cd_vis.h"

static const char *const upf_reads[] = { "upf.usage", "stats.get", NULL };

/* What its URRs counted, its sessions per table, its events. null when
 * sxdp runs no upf. */
static json_t *
upf_counters(const struct cd_vis_in *in)
{
	json_t *usage = json_object_get(in->res, "upf.usage"), *stats = json_object_get(in->res, "stats.get");
	json_t *ev, *sessions, *v;
	const char *k;

	if (!json_is_object(usage))
		return json_null();
	ev = json_object();
	sessions = json_object();
	json_object_foreach(json_object_get(stats, "events"), k, v)
		if (strncmp(k, "upf.", 4) == 0)
			json_object_set(ev, k + 4, v);
	json_object_foreach(json_object_get(stats, "tables"), k, v)
		if (strncmp(k, "sessions_", 9) == 0)
			json_object_set(sessions, k, json_object_get(v, "entries"));
	return json_pack("{s:O,s:O,s:o,s:o}", "packets", json_object_get(usage, "packets"), "bytes",
			 json_object_get(usage, "bytes"), "sessions", sessions, "events", ev);
}

static const struct cd_vis_view up_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "upf", .rank = 60, .methods = upf_reads, .value = upf_counters,
};
CD_VIS_VIEW_REGISTER(up_view_counters)

/* upf.usage with no params: nothing when sxdp runs no upf. */
static void
upf_samples(struct cd_vis_fams *f, const struct cd_vis_in *in)
{
	json_t *usage = json_object_get(in->res, "upf.usage");

	if (!json_is_object(usage))
		return;
	cd_vis_sample(f, "sxdp_upf_usage_packets_total", "counter",
		      "Packets the UPF's URRs counted (what passed its QERs), all sessions",
		      cd_vis_num(usage, "packets"), NULL);
	cd_vis_sample(f, "sxdp_upf_usage_bytes_total", "counter",
		      "Bytes of IP packets the UPF's URRs counted, all sessions", cd_vis_num(usage, "bytes"), NULL);
	cd_vis_sample(f, "sxdp_upf_usage_thresholds", "gauge", "URRs with a volume threshold being watched",
		      cd_vis_num(usage, "watched"), NULL);
}

static const struct cd_vis_metrics up_metrics = {
	.rank = 30, .methods = upf_reads, .samples = upf_samples,
};
CD_VIS_METRICS_REGISTER(up_metrics)
