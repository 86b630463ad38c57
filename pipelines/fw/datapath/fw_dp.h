/* SPDX-License-Identifier: BSD-3-Clause */
/* fw_dp: the slice firewall's two tables and its verdict on a burst's new
 * connections at the slice's edge (the policy the edge asks, edge_api.h). */
#ifndef FW_DP_H
#define FW_DP_H

#include <stdint.h>

#include "dp_stage.h"
#include "dp_ttypes.h"
#include "edge_api.h"

/* fw_rules: (vrf, dir, proto, src, dst, sport, dport) -> allow|deny(rule),
 * rte_acl, the lowest rule id first (priority FW_PRIO_TOP - id); default
 * none: no rule says. fw_policy: (vrf, dir) -> allow|deny, a direct
 * array; default none: no firewall in that slice, the edge's connection
 * goes. Actions' indices: */
enum { FW_ACT_ALLOW, FW_ACT_DENY, FW_ACT_NONE };
extern const struct dp_table_def fw_rules_def, fw_policy_def;

/* The tables' ids as created and the drop reasons (dp_drop.h numbers) a
 * rule's and a default's deny are counted under; checks the key layouts
 * the verdict builds. 0, or -EINVAL. Main lcore, before workers start. */
int fw_dp_bind(int t_rules, int t_policy, uint16_t drop_rule, uint16_t drop_default);

/* The verdict on n new connections (edge_policy_fn): drop[i] 0 lets
 * connection i in, else its drop reason. Two bulk lookups a chunk of
 * DP_LOOKUP_BURST: the rules, then the defaults of those no rule
 * matched; each decision counts as its entry's hit (the rule's, the
 * slice's default's), so the tables' own per-worker counters name what
 * let in or dropped how much. Workers. */
void fw_dp_decide(struct dp_stage_ctx *ctx, const struct edge_conn *c, unsigned int n, uint16_t *drop);

#endif
