/* SPDX-License-Identifier: BSD-3-Clause */
/* flowexp's part of the Visibility API's counters: the export as sxdp holds it (on, sampling, collectors) and what it sent. */
#include <string.h>

#include "cd_vis.h"
#include "fx_names.h"

#define EV_PREFIX "flowexp."

static const char *const fx_reads[] = { "stats.get", NULL };
static const char *const fx_tables[] = { FX_T_CONFIG, FX_T_COLLECTORS, NULL };

static const char *
action(json_t *e)
{
	return json_string_value(json_object_get(e, "action")) ?: "";
}

/* {"on", "sampling", "active_s", "idle_s", "template_s", "domain",
 * "collectors": [{id, address, port}], "counters": {records, messages,
 * templates, send_error, flows, evicted, ring_full, not_ip}}: sxdp's
 * tables as they are, not the intent (a restarted sxdp shows off until
 * sxcd wrote them again). */
static json_t *
fx_counters(const struct cd_vis_in *in)
{
	json_t *cfg = json_array_get(json_object_get(json_object_get(in->res, FX_T_CONFIG), "entries"), 0);
	json_t *coll = json_object_get(json_object_get(in->res, FX_T_COLLECTORS), "entries");
	json_t *ev = json_object_get(json_object_get(in->res, "stats.get"), "events");
	json_t *cs = json_array(), *cnt = json_object(), *v, *p;
	const char *k;
	size_t i;

	json_array_foreach(coll, i, v) {
		if (strcmp(action(v), FX_A_IPV4) != 0 && strcmp(action(v), FX_A_IPV6) != 0)
			continue;
		p = json_object_get(v, "params");
		json_array_append_new(cs, json_pack("{s:O*,s:O*,s:O*}", "id",
			json_object_get(json_object_get(v, "match"), FX_F_ID), "address",
			json_object_get(p, FX_F_IP), "port", json_object_get(p, FX_F_PORT)));
	}
	json_object_foreach(ev, k, v)
		if (strncmp(k, EV_PREFIX, strlen(EV_PREFIX)) == 0)
			json_object_set(cnt, k + strlen(EV_PREFIX), v);
	p = cfg != NULL && strcmp(action(cfg), FX_A_EXPORT) == 0 ? json_object_get(cfg, "params") : NULL;
	return json_pack("{s:b,s:O?,s:O?,s:O?,s:O?,s:O?,s:o,s:o}", "on", p != NULL && json_array_size(cs) > 0,
			 "sampling", json_object_get(p, FX_F_SAMPLING), "active_s", json_object_get(p, FX_F_ACTIVE_S),
			 "idle_s", json_object_get(p, FX_F_IDLE_S), "template_s",
			 json_object_get(p, FX_F_TEMPLATE_S), "domain", json_object_get(p, FX_F_DOMAIN),
			 "collectors", cs, "counters", cnt);
}

static const struct cd_vis_view fx_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "flow_export", .rank = 70, .methods = fx_reads, .tables = fx_tables,
	.value = fx_counters,
};
CD_VIS_VIEW_REGISTER(fx_view_counters)
