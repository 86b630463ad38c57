/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_sched: egress scheduling with rte_sched, wired (qs_sched.h): its tables declared, its parts set up in order: the workers' hooks (qs_worker), a scheduler's life (qs_life), admission (qs_admit), applying (qs_apply), qos.sched (qs_show). */
#include <errno.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_sched.h>

#include "qs_sched.h"
#include "qs_admit.h"
#include "qs_apply.h"
#include "qs_life.h"
#include "qs_show.h"
#include "qs_state.h"
#include "qs_worker.h"
#include "qos_names.h"
#include "dp_egress.h"
#include "dp_feature.h"
#include "dp_table.h"

#define PIPES_MAX 4096

static const struct dp_table_def sched_ports_def = {
	.name = QOS_T_SCHED_PORTS, .size = DP_PORTS_MAX, .n_fields = 1,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 } },
	.n_actions = 2,
	.actions = {
		[SCHED] = { QOS_A_SCHED, 6, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_SUBPORTS, DP_T_U16, QOS_SUBPORTS_MAX },
					  { QOS_F_PIPES, DP_T_U16, PIPES_MAX }, { QOS_F_QSIZE, DP_T_U16, 4096 },
					  { QOS_F_RED, DP_T_U8, 1, true },
					  { QOS_F_PIPE_PROFILES, DP_T_U16, QOS_PIPE_PROFILES_MAX, true } } },
		[SCHED_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SCHED_NONE, .next_table = QOS_T_SCHED_SUBPORTS,
};

/* A slice's share: a subport of its own (its VDNs pipes of it), or a pipe
 * of subport 0 (its VDNs other pipes of subport 0): the one a thousand
 * slices fit. */
static const struct dp_table_def sched_subports_def = {
	.name = QOS_T_SCHED_SUBPORTS, .size = 16384, .n_fields = 2,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT } },
	.n_actions = 3,
	.actions = {
		[SUBPORT] = { QOS_A_SUBPORT, 3, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true },
					      { QOS_F_SUBPORT, DP_T_U16, QOS_SUBPORTS_MAX - 1 } } },
		[SHARED] = { QOS_A_PIPE, 2, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true } } },
		[SUBPORT_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = SUBPORT_NONE, .next_table = QOS_T_SCHED_PIPES,
};

static const struct dp_table_def sched_pipes_def = {
	.name = QOS_T_SCHED_PIPES, .size = 16384, .n_fields = 3,
	.fields = { { QOS_F_PORT, DP_T_PORT, DP_MATCH_EXACT, DP_PORTS_MAX - 1 },
		    { QOS_F_SLICE, DP_T_U16, DP_MATCH_EXACT }, { QOS_F_PIPE, DP_T_U16, DP_MATCH_EXACT, QOS_PIPE_NUM_MAX } },
	.n_actions = 2,
	.actions = {
		[PIPE] = { QOS_A_PIPE, 2, { { QOS_F_RATE_BPS, DP_T_U64 }, { QOS_F_CEIL_BPS, DP_T_U64, 0, true } } },
		[PIPE_NONE] = { QOS_A_NONE, 0, {} },
	},
	.default_action = PIPE_NONE, .next_table = QOS_T_DSCP_TC,
};

static const struct dp_table_def dscp_tc_def = {
	.name = QOS_T_DSCP_TC, .size = 64, .n_fields = 1,
	.fields = { { QOS_F_DSCP, DP_T_U8, DP_MATCH_EXACT, 63 } },
	.n_actions = 2,
	.actions = {
		[TC] = { QOS_A_TC, 2, { { QOS_F_TC, DP_T_U8, TC_BE }, { QOS_F_QUEUE, DP_T_U8, RTE_SCHED_BE_QUEUES_PER_PIPE - 1 } } },
		[TC_DEFAULT] = { QOS_A_BEST_EFFORT, 0, {} },
	},
	.default_action = TC_DEFAULT,
};

int
qs_sched_init(unsigned int workers, unsigned int drop_full_reason, unsigned int drop_red_reason,
	      unsigned int drop_flushed_reason)
{
	const struct dp_table_spec tables[] = {
		{ &sched_ports_def, &qs_tables.ports, 0 }, { &sched_subports_def, &qs_tables.subports, 0 },
		{ &sched_pipes_def, &qs_tables.pipes, 0 }, { &dscp_tc_def, &qs_tables.dscp, 0 },
	};
	int rc;

	if ((rc = dp_feature_tables("qos", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off(qs_tables.ports, SCHED, 4) != offsetof(struct sched_p, red) ||
	    dp_table_param_off(qs_tables.ports, SCHED, 5) != offsetof(struct sched_p, pipe_profiles) ||
	    dp_table_param_off(qs_tables.subports, SUBPORT, 2) != offsetof(struct subport_p, subport) ||
	    dp_table_param_off(qs_tables.subports, SHARED, 1) != offsetof(struct pipe_p, ceil_bps) ||
	    dp_table_param_off(qs_tables.pipes, PIPE, 1) != offsetof(struct pipe_p, ceil_bps) ||
	    dp_table_param_off(qs_tables.dscp, TC, 1) != offsetof(struct tc_p, queue))
		return -EINVAL;
	qs_worker_init(drop_full_reason, drop_red_reason);
	qs_life_init(workers, drop_flushed_reason);
	if ((rc = qs_admit_init()) < 0 || (rc = qs_apply_init()) < 0)
		return rc;
	return qs_show_init();
}

void
qs_sched_fini(void)
{
	/* workers have stopped: nobody owns a port any more */
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (qs_ports[p] != NULL) {
			__atomic_store_n(&dp_egress_of[p], NULL, __ATOMIC_RELEASE);
			qs_life_free(qs_ports[p]);
			qs_ports[p] = NULL;
		}
}

