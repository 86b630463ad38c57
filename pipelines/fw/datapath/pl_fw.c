/* SPDX-License-Identifier: BSD-3-Clause */
/* The fw feature in sxdp: the slice firewall as the edge's policy. No stage
 * of its own: the edge (pipelines/edge) tracks connections and asks
 * fw_dp_decide once per new one, in bulk per burst; established and
 * related packets pass on the edge's sessions and never ask. */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "dp_feature.h"
#include "dp_table.h"
#include "edge_api.h"
#include "fw_dp.h"
#include "fw_names.h"

#define DP_REASONS_DEF "pl_fw.def"
#define DP_REASONS_PREFIX FW
#include "dp_reasons.h"
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF

static int t_rules = -1, t_policy = -1;
static int
fw_init(unsigned int workers __rte_unused)
{
	const struct dp_table_spec tables[] = {
		{ &fw_rules_def, &t_rules, 0 }, { &fw_policy_def, &t_policy, 0 },
	};
	unsigned int drop_base, event_base;
	int rc;

	if ((rc = dp_reasons_register(FW_drop_reasons, FW_DROP_N, FW_event_reasons, FW_EVENT_N, &drop_base,
				      &event_base)) < 0 ||
	    (rc = dp_feature_tables("fw", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(t_rules, FW_ACT_ALLOW, 0) != 0 || dp_table_param_off(t_rules, FW_ACT_DENY, 0) != 0)
		return -EINVAL;
	if ((rc = fw_dp_bind(t_rules, t_policy, (uint16_t)(drop_base + FW_DROP_rule_deny),
			     (uint16_t)(drop_base + FW_DROP_default_deny))) < 0)
		return rc;
	/* no table.write check of its own: the core's slots for them are few
	 * and taken (dp_tblrpc CHECKS_MAX); the intent never writes rule 0 */
	return edge_policy_register(fw_dp_decide);
}

static const struct dp_feature fw_feature = {
	.name = "fw",
	.description = "the slice firewall: rules and default policies on the new connections at a slice's edge "
		       "(fw_rules, fw_policy); the edge tracks them",
	.needs = { "edge" },
	.init = fw_init,
	.always = true,
};
DP_FEATURE_REGISTER(fw_feature)
