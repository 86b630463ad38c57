/* SPDX-License-Identifier: BSD-3-Clause */
/* fw's part of the Visibility API's counters: each slice's firewall as sxdp holds it, its rules' and defaults' hits, and the drops by reason. */
#include <string.h>

#include "cd_vis.h"
#include "fw_names.h"
#include "fw_spec.h"

static const char *const fw_reads[] = { "stats.get", NULL };
static const char *const fw_tables[] = { FW_T_RULES, FW_T_POLICY, NULL };

/* {"slices": [{"vrf", "slice" (its intent's name, null: none), "default",
 * "default_hits", "rules": [...]}], "drops": {"rule_deny", "default_deny"}}:
 * sxdp's tables as they are, not the intents (a restarted sxdp shows no
 * firewall until sxcd wrote them again); null without the fw feature. */
static json_t *
fw_counters(const struct cd_vis_in *in)
{
	json_t *rules = json_object_get(in->res, FW_T_RULES), *policy = json_object_get(in->res, FW_T_POLICY);
	json_t *drops = json_object_get(json_object_get(in->res, "stats.get"), "drops");
	json_t *slices = cd_vis_docs(in->r, "slices"), *rows, *row, *d;
	const char *name;
	size_t i;

	if (rules == NULL || policy == NULL || json_is_null(rules) || json_is_null(policy)) {
		json_decref(slices);
		return json_null();
	}
	rows = fw_spec_rows(json_object_get(rules, "entries"), json_object_get(policy, "entries"));
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "slice", json_null());
		json_object_foreach(slices, name, d)
			if (json_integer_value(json_object_get(json_object_get(d, "spec"), "id")) ==
			    json_integer_value(json_object_get(row, "vrf")))
				json_object_set_new(row, "slice", json_string(name));
	}
	json_decref(slices);
	return json_pack("{s:o,s:{s:I,s:I}}", "slices", rows, "drops",
			 "rule_deny", json_integer_value(json_object_get(drops, "fw.rule_deny")),
			 "default_deny", json_integer_value(json_object_get(drops, "fw.default_deny")));
}

static const struct cd_vis_view fw_view_counters = {
	.view = CD_VIEW_COUNTERS, .key = "firewall", .rank = 72, .methods = fw_reads, .tables = fw_tables,
	.value = fw_counters,
};
CD_VIS_VIEW_REGISTER(fw_view_counters)
