/* The "flowexp" feature: per-flow records out over IPFIX (RFC 7011).
 * Observed in the workers (the core's egress tap: the flow as it leaves,
 * innermost 5-tuple, slice, ports, tunnel id), exported from the main lcore
 * (fx_export). No stages of its own: in use in every sxdp (.always), and
 * off (the tap unset: the fast path pays nothing) until its config table
 * holds an "export" entry and its collectors table a collector.
 *
 * This file is the wiring: tables, their checks, the watcher that turns
 * table writes into the exporter's configuration, registration. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_common.h>

#include "fx_names.h"
#include "fx_cache.h"
#include "fx_export.h"
#include "fx_evt.h"
#include "dp_feature.h"
#include "dp_table.h"
#include "dp_tblrpc.h"

#define DP_REASONS_DEF "pl_flowexp.def"
#define DP_REASONS_PREFIX FX
#define DP_REASONS_TABLES
#include "dp_reasons.h"
#undef DP_REASONS_PREFIX
#undef DP_REASONS_DEF
#include "fx_state.h"

unsigned int pl_fx_drop_base, pl_fx_event_base;

enum { CFG_EXPORT, CFG_NONE };
enum { COLL_V4, COLL_V6, COLL_NONE };

struct cfg_params {
	uint16_t sampling, active_s, idle_s, template_s;
	uint32_t domain;
};
struct coll4 { uint32_t ip; uint16_t port; };
struct coll6 { uint8_t ip[16]; uint16_t port; };

/* One entry, id 0: export on, how often it samples and reports. */
static const struct dp_table_def config_def = {
	.name = FX_T_CONFIG, .size = 1, .n_fields = 1,
	.fields = { { FX_F_ID, DP_T_U8, DP_MATCH_EXACT, 0 } },
	.n_actions = 2,
	.actions = {
		[CFG_EXPORT] = { FX_A_EXPORT, 5, {
			{ FX_F_SAMPLING, DP_T_U16, FX_SAMPLING_MAX }, { FX_F_ACTIVE_S, DP_T_U16, FX_TIMEOUT_MAX },
			{ FX_F_IDLE_S, DP_T_U16, FX_TIMEOUT_MAX }, { FX_F_TEMPLATE_S, DP_T_U16, FX_TIMEOUT_MAX },
			{ FX_F_DOMAIN, DP_T_U32 } } },
		[CFG_NONE] = { FX_A_NONE, 0, {} },
	},
	.default_action = CFG_NONE, .next_table = FX_T_COLLECTORS,
};

/* Where the records go: UDP to each, IPv4 or IPv6. */
static const struct dp_table_def collectors_def = {
	.name = FX_T_COLLECTORS, .size = FX_COLLECTORS_MAX, .n_fields = 1,
	.fields = { { FX_F_ID, DP_T_U8, DP_MATCH_EXACT, FX_COLLECTORS_MAX - 1 } },
	.n_actions = 3,
	.actions = {
		[COLL_V4] = { FX_A_IPV4, 2, { { FX_F_IP, DP_T_IPV4 }, { FX_F_PORT, DP_T_U16 } } },
		[COLL_V6] = { FX_A_IPV6, 2, { { FX_F_IP, DP_T_IPV6 }, { FX_F_PORT, DP_T_U16 } } },
		[COLL_NONE] = { FX_A_NONE, 0, {} },
	},
	.default_action = COLL_NONE,
};

static int t_config, t_coll;
static int bad_cfg, bad_coll;

static void
fx_check(const struct dp_update *u, unsigned int n, int *res)
{
	static const uint8_t zero[16];

	for (unsigned int i = 0; i < n; i++) {
		const struct dp_update *x = &u[i];

		if (x->type == DP_UPD_DELETE || x->type == DP_UPD_DEFAULT || res[i] != 0)
			continue;
		if (x->table == t_config && x->action == CFG_EXPORT) {
			const struct cfg_params *c = (const struct cfg_params *)x->params;

			if (c->sampling == 0 || c->active_s == 0 || c->idle_s == 0 || c->template_s == 0)
				res[i] = bad_cfg;
		} else if (x->table == t_coll && x->action == COLL_V4) {
			const struct coll4 *c = (const struct coll4 *)x->params;

			if (c->ip == 0 || c->ip == UINT32_MAX || c->port == 0)
				res[i] = bad_coll;
		} else if (x->table == t_coll && x->action == COLL_V6) {
			const struct coll6 *c = (const struct coll6 *)x->params;

			if (memcmp(c->ip, zero, 16) == 0 || c->port == 0)
				res[i] = bad_coll;
		}
	}
}

/* The tables as they now are, to the exporter. */
static void
fx_tables_done(const struct dp_update *d __rte_unused, unsigned int n __rte_unused, const int *res __rte_unused)
{
	uint8_t key[DP_KEY_MAX] = { 0 };
	const struct dp_entry *e;
	struct fx_conf c;

	memset(&c, 0, sizeof(c));
	if ((e = dp_table_find((unsigned int)t_config, key)) != NULL && e->action == CFG_EXPORT) {
		const struct cfg_params *p = (const struct cfg_params *)e->params;

		c.sampling = p->sampling;
		c.active_s = p->active_s;
		c.idle_s = p->idle_s;
		c.template_s = p->template_s;
		c.domain = p->domain;
	}
	for (unsigned int id = 0; id < FX_COLLECTORS_MAX; id++) {
		key[0] = (uint8_t)id;
		if ((e = dp_table_find((unsigned int)t_coll, key)) == NULL)
			continue;
		if (e->action == COLL_V4) {
			const struct coll4 *p = (const struct coll4 *)e->params;
			struct sockaddr_in *sa = (struct sockaddr_in *)&c.coll[c.n_coll];

			memset(sa, 0, sizeof(*sa));
			sa->sin_family = AF_INET;
			sa->sin_addr.s_addr = p->ip;
			sa->sin_port = htons(p->port);
			c.coll_len[c.n_coll++] = sizeof(*sa);
		} else if (e->action == COLL_V6) {
			const struct coll6 *p = (const struct coll6 *)e->params;
			struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&c.coll[c.n_coll];

			memset(sa, 0, sizeof(*sa));
			sa->sin6_family = AF_INET6;
			memcpy(&sa->sin6_addr, p->ip, 16);
			sa->sin6_port = htons(p->port);
			c.coll_len[c.n_coll++] = sizeof(*sa);
		}
	}
	c.on = c.sampling != 0 && c.n_coll != 0;
	fx_export_apply(&c);
}

static struct dp_table_deriver watch = { .done = fx_tables_done };

static int
fx_init(unsigned int workers)
{
	const struct dp_table_spec tables[] = {
		{ &config_def, &t_config, 0 }, { &collectors_def, &t_coll, 0 },
	};
	int rc;

	_Static_assert(RTE_DIM(((struct fx_conf *)0)->coll) == FX_COLLECTORS_MAX, "one address per collector");
	if ((rc = dp_reasons_register(FX_drop_reasons, FX_DROP_N, FX_event_reasons, FX_EVENT_N,
				      &pl_fx_drop_base, &pl_fx_event_base)) < 0)
		return rc;
	if ((rc = dp_feature_tables("flowexp", tables, RTE_DIM(tables))) < 0)
		return rc;
	if (dp_table_param_off((unsigned int)t_config, CFG_EXPORT, 4) != offsetof(struct cfg_params, domain) ||
	    dp_table_param_off((unsigned int)t_coll, COLL_V4, 1) != offsetof(struct coll4, port) ||
	    dp_table_param_off((unsigned int)t_coll, COLL_V6, 1) != offsetof(struct coll6, port))
		return -EINVAL;
	bad_cfg = dp_tblrpc_reason_add("bad_flowexp", "export needs sampling 1.." RTE_STR(FX_SAMPLING_MAX)
				       " and active_s, idle_s, template_s 1.." RTE_STR(FX_TIMEOUT_MAX) " s");
	bad_coll = dp_tblrpc_reason_add("bad_collector", "a collector needs a unicast address (not 0.0.0.0, "
					"255.255.255.255 or ::) and a port other than 0");
	if (bad_cfg == -ENOSPC || bad_coll == -ENOSPC || dp_tblrpc_check_add(fx_check) < 0)
		return -ENOSPC;
	watch.sources = 1ull << t_config | 1ull << t_coll;
	if ((rc = dp_table_deriver_add(&watch)) < 0 || (rc = fx_cache_init(workers)) < 0 ||
	    (rc = fx_evt_init(workers)) < 0 || (rc = fx_export_init()) < 0)
		return rc;
	return 0;
}

static void
fx_fini(void)
{
	fx_export_fini();
	fx_evt_fini();
	fx_cache_fini();
}

static const struct dp_feature pl_flowexp_feature = {
	.name = "flowexp",
	.description = "per-flow records (innermost 5-tuple, slice, ports, VNI or TEID, packets, bytes, "
		       "start/end) sampled 1 in N at egress and sent over IPFIX to UDP collectors",
	.init = fx_init,
	.n_stages = 0,
	.ctl_poll = fx_export_poll,
	.fini = fx_fini,
	.always = true,
};

DP_FEATURE_REGISTER(pl_flowexp_feature)
