/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_admit: what a write to the schedulers' tables may ask, judged before it applies: rates within their parents', guarantees within the port, pipes and profiles the scheduler has room for (see qs_admit.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "qs_admit.h"
#include "qs_life.h"
#include "qs_plan.h"
#include "qs_state.h"
#include "dp_port.h"
#include "dp_table.h"
#include "dp_tblrpc.h"

#define BEST_EFFORT_MIN_PCT 1      /* of a port, never reserved: unclassified traffic */
#define QUEUE_BYTES_MAX (256u << 20) /* a scheduler's queue arrays, at most */

static int bad_sched, no_sched, bad_subport, oversubscribed, sched_in_use, no_pipe, no_profile;

struct sum {
	uint16_t port, slice, subport, pipe;
	uint64_t total;
	bool clash;
};

static void
add_subport(const uint8_t *key, uint16_t action, const uint8_t *params, void *arg)
{
	struct sum *s = arg;
	const struct subport_p *p = (const struct subport_p *)params;

	if (qs_plan_k16(key, 0) != s->port)
		return;
	s->total += p->rate_bps;
	if (action == SUBPORT && p->subport == s->subport && qs_plan_k16(key, 2) != s->slice)
		s->clash = true;
}

static void
add_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params, void *arg)
{
	struct sum *s = arg;

	if (qs_plan_k16(key, 0) == s->port && qs_plan_k16(key, 2) == s->slice)
		s->total += ((const struct pipe_p *)params)->rate_bps;
}

/* A pipe number is one slice's on a port: it is the packet's class. */
static void
same_pipe(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params __rte_unused, void *arg)
{
	struct sum *s = arg;

	if (qs_plan_k16(key, 0) == s->port && qs_plan_k16(key, 4) == s->pipe && qs_plan_k16(key, 2) != s->slice)
		s->clash = true;
}

static void
count_port(const uint8_t *key, uint16_t action __rte_unused, const uint8_t *params __rte_unused, void *arg)
{
	struct sum *s = arg;

	if (qs_plan_k16(key, 0) == s->port)
		s->total++;
}

static uint64_t
link_bps(uint16_t port)
{
	struct rte_eth_link l;

	if (port >= dp_n_ports || rte_eth_link_get_nowait(dp_ports[port].port_id, &l) != 0 ||
	    l.link_speed == 0 || l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		return 0;
	return (uint64_t)l.link_speed * 1000000;
}


static bool
shared_want(const struct qs_plan *p, const struct qs_want *w)
{
	return p->kind[w->slice] == KIND_SHARED;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of rates[0..k) (bytes/s, distinct or not) p has no profile for
 * (p NULL: a new scheduler's, which has one, at the port's rate). */
static uint32_t
count_new(uint64_t *rates, uint32_t k, const struct profs *p, uint64_t port_rate)
{
	uint64_t *have, one = port_rate;
	uint32_t m = p != NULL ? p->n : 1, n = 0;

	if (k == 0)
		return 0;
	qsort(rates, k, sizeof(*rates), cmp_u64);
	if ((have = malloc(sizeof(*have) * m)) == NULL)
		return UINT32_MAX;
	memcpy(have, p != NULL ? p->rate : &one, sizeof(*have) * m);
	qsort(have, m, sizeof(*have), cmp_u64);
	for (uint32_t i = 0; i < k; i++)
		if ((i == 0 || rates[i] != rates[i - 1]) && bsearch(&rates[i], have, m, sizeof(*have), cmp_u64) == NULL)
			n++;
	free(have);
	return n;
}

/* A port's scheduler as a batch leaves it: its pipes and the profiles
 * their rates need must fit (rte_sched frees no profile: a rate it has
 * had costs nothing, a new one costs one for the scheduler's life). */
static int
port_fits(uint16_t port, const struct dp_update *batch, unsigned int n)
{
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	struct sched_p sp;
	struct qs_port *q = qs_ports[port];
	struct qs_plan p;
	uint64_t *rates, *subs;
	uint32_t ns = 0, nsub = 0, pipes, free0;
	uint16_t action;
	int rc = 0;

	qs_plan_key16(key, 1, &port);
	if (!dp_table_batch_view(qs_tables.ports, key, batch, n, NULL, &action, params) || action != SCHED)
		return 0;
	memcpy(&sp, params, sizeof(sp));
	for (unsigned int i = 0; i < n && q != NULL; i++)
		if (batch[i].table == qs_tables.ports && qs_plan_k16(batch[i].key, 0) == port)
			q = NULL;   /* made again: from scratch */
	if (qs_plan_make(&p, port, batch, n) < 0)
		return -ENOMEM;
	rates = malloc(sizeof(*rates) * (WANTS_MAX + SLICES));
	subs = malloc(sizeof(*subs) * QOS_SUBPORTS_MAX);
	if (rates == NULL || subs == NULL || p.full) {
		rc = -ENOMEM;
		goto out;
	}
	/* subport 0: the slices that are pipes and their VDNs */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];

		if (p.kind[s] == KIND_SHARED && qs_state_bytes(qs_plan_default_cap(&p, s)) != 0)
			rates[ns++] = qs_state_bytes(qs_plan_default_cap(&p, s));
		else if (p.kind[s] == KIND_OWN && nsub < QOS_SUBPORTS_MAX)
			subs[nsub++] = qs_state_bytes(p.cap[s]);
	}
	for (uint32_t i = 0; i < p.nw; i++)
		if (shared_want(&p, &p.w[i]))
			rates[ns++] = qs_state_bytes(p.w[i].cap);
	pipes = qs_life_pow2(sp.pipes) - 1;
	if (ns > pipes) {
		rc = no_pipe;
		goto out;
	}
	free0 = q != NULL ? q->pipe_prof[0].max - q->pipe_prof[0].be_reserve -
			    (q->pipe_prof[0].n - q->pipe_prof[0].n_be) : qs_life_pipe_profiles(&sp);
	if (count_new(rates, ns, q != NULL ? &q->pipe_prof[0] : NULL, qs_state_bytes(sp.rate_bps)) > free0 ||
	    count_new(subs, nsub, q != NULL ? &q->sub_prof : NULL, qs_state_bytes(sp.rate_bps)) >
	    SUBPORT_PROFILES - (q != NULL ? q->sub_prof.n : 1)) {
		rc = no_profile;
		goto out;
	}
	/* the subports of their own: their VDNs' rates, subport by subport */
	for (uint32_t s = 1; s < qs_life_pow2(sp.subports) && s < QOS_SUBPORTS_MAX; s++) {
		const struct profs *pf = q != NULL && s < q->n_subports ? &q->pipe_prof[s] : NULL;
		uint32_t k = 0;

		for (uint32_t i = 0; i < p.nw; i++)
			if (p.kind[p.w[i].slice] == KIND_OWN && p.sub[p.w[i].slice] == s)
				rates[k++] = qs_state_bytes(p.w[i].cap);
		if (k != 0 && count_new(rates, k, pf, qs_state_bytes(sp.rate_bps)) >
		    qs_life_pipe_profiles(&sp) - (pf != NULL ? pf->n : 1)) {
			rc = no_profile;
			goto out;
		}
	}
out:
	free(rates);
	free(subs);
	qs_plan_free(&p);
	return rc;
}

static int
check_one(const struct dp_update *u, const struct dp_update *batch, unsigned int n)
{
	uint8_t key[DP_KEY_MAX], params[DP_PARAMS_BYTES];
	uint16_t action, port = qs_plan_k16(u->key, 0);
	struct sched_p sp;
	struct sum s = { .port = port };
	bool del = u->type == DP_UPD_DELETE || u->action == qs_plan_none_of(u->table);

	if (u->type == DP_UPD_DEFAULT)
		return 0;
	if (u->table == qs_tables.ports) {
		const struct sched_p *p = (const struct sched_p *)u->params;

		if (del || u->type == DP_UPD_MODIFY) {
			/* what the port's scheduler serves goes first */
			qs_plan_each_left(qs_tables.subports, batch, n, NULL, count_port, &s);
			if (s.total)
				return sched_in_use;
			if (del)
				return 0;
		}
		if (port >= dp_n_ports || p->rate_bps < 8000 || p->subports < 1 || p->pipes < 1 ||
		    p->qsize < 16 || (p->qsize & (p->qsize - 1)) != 0 ||
		    (link_bps(port) != 0 && p->rate_bps > link_bps(port)) || qs_life_queue_bytes(p) > QUEUE_BYTES_MAX)
			return bad_sched;
		return 0;
	}
	qs_plan_key16(key, 1, &port);
	if (!dp_table_batch_view(qs_tables.ports, key, batch, n, u, &action, params) || action != SCHED)
		return del ? 0 : no_sched;
	memcpy(&sp, params, sizeof(sp));
	if (u->table == qs_tables.subports) {
		const struct subport_p *p = (const struct subport_p *)u->params;

		s.slice = qs_plan_k16(u->key, 2);
		if (del || (dp_table_batch_view(qs_tables.subports, u->key, batch, n, NULL, &action, params) &&
			    action != SUBPORT_NONE && action != u->action)) {
			/* its VDNs' pipes are where its share is: they go first */
			qs_plan_each_left(qs_tables.pipes, batch, n, u, add_pipe, &s);
			if (s.total)
				return sched_in_use;
			if (del)
				return 0;
		}
		if (u->action == SUBPORT && (p->subport == 0 || p->subport >= sp.subports))
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > sp.rate_bps)
			return bad_sched;
		s.subport = u->action == SUBPORT ? p->subport : UINT16_MAX;
		qs_plan_each_left(qs_tables.subports, batch, n, u, add_subport, &s);
		if (s.clash)
			return bad_subport;
		return s.total > sp.rate_bps - sp.rate_bps * BEST_EFFORT_MIN_PCT / 100 ? oversubscribed : 0;
	}
	/* a pipe: within its slice's share */
	{
		const struct pipe_p *p = (const struct pipe_p *)u->params;
		uint16_t ks[2] = { port, qs_plan_k16(u->key, 2) };
		struct subport_p sub;

		if (del)
			return 0;
		qs_plan_key16(key, 2, ks);
		if (!dp_table_batch_view(qs_tables.subports, key, batch, n, u, &action, params) || action == SUBPORT_NONE)
			return no_sched;
		memcpy(&sub, params, sizeof(sub));
		s.slice = ks[1];
		s.pipe = qs_plan_k16(u->key, 4);
		/* in a subport of its own, a VDN's number is its pipe */
		if (s.pipe == 0 || (action == SUBPORT && s.pipe >= sp.pipes))
			return bad_subport;
		qs_plan_each_left(qs_tables.pipes, batch, n, u, same_pipe, &s);
		if (s.clash)
			return bad_subport;
		if (p->rate_bps == 0 || (p->ceil_bps != 0 && p->ceil_bps < p->rate_bps) ||
		    RTE_MAX(p->rate_bps, p->ceil_bps) > RTE_MAX(sub.rate_bps, sub.ceil_bps))
			return bad_sched;
		qs_plan_each_left(qs_tables.pipes, batch, n, u, add_pipe, &s);
		return s.total > sub.rate_bps ? oversubscribed : 0;
	}
}

static void
check(const struct dp_update *u, unsigned int n, int *res)
{
	bool seen[DP_PORTS_MAX] = { false };

	for (unsigned int i = 0; i < n; i++)
		if (res[i] == 0 && (u[i].table == qs_tables.ports || u[i].table == qs_tables.subports || u[i].table == qs_tables.pipes))
			res[i] = check_one(&u[i], u, i);
	/* then each port as the whole batch leaves it: what makes a pipe or
	 * changes a rate is refused when the scheduler has no room for it */
	for (unsigned int i = 0; i < n; i++) {
		uint16_t port = qs_plan_k16(u[i].key, 0);
		int rc;

		if (res[i] != 0 || (u[i].table != qs_tables.subports && u[i].table != qs_tables.pipes) || port >= DP_PORTS_MAX ||
		    seen[port])
			continue;
		seen[port] = true;
		if ((rc = port_fits(port, u, n)) == 0)
			continue;
		for (unsigned int j = 0; j < n; j++)
			if (res[j] == 0 && (u[j].table == qs_tables.subports || u[j].table == qs_tables.pipes) &&
			    qs_plan_k16(u[j].key, 0) == port && u[j].type != DP_UPD_DELETE && u[j].type != DP_UPD_DEFAULT &&
			    u[j].action != qs_plan_none_of(u[j].table))
				res[j] = rc;
	}
}

int
qs_admit_init(void)
{
	bad_sched = dp_tblrpc_reason_add("bad_sched", "a scheduler needs rate_bps >= 8000 and at most the "
					 "port's link rate, subports >= 1, a power-of-2 qsize >= 16, queues "
					 "of at most 256 MiB; a share or pipe a rate, a ceiling at least it "
					 "and at most its parent's");
	no_sched = dp_tblrpc_reason_add("no_sched", "no scheduler on that port (sched_ports), or no share "
					"for that slice (sched_subports)");
	bad_subport = dp_tblrpc_reason_add("bad_subport", "subport 1..subports-1 (0 is best effort's and the "
					   "slices' that are pipes), one per slice; a VDN's pipe 1..4095, one "
					   "slice's on a port, below pipes in a subport of its slice's own");
	oversubscribed = dp_tblrpc_reason_add("oversubscribed", "the guarantees would add up above the port's "
					      "rate (less 1 % kept for best effort), or a slice's pipes above "
					      "the slice's rate");
	sched_in_use = dp_tblrpc_reason_add("sched_in_use", "subports or pipes still use it (a slice's VDN "
					    "pipes, its share changing between a subport and a pipe): delete "
					    "them first");
	no_pipe = dp_tblrpc_reason_add("no_pipe", "the port's scheduler has no pipe left: its subport 0 "
				       "holds pipes-1 slices that are pipes and their VDNs (sched_ports "
				       "pipes, at most 4096)");
	no_profile = dp_tblrpc_reason_add("no_profile", "the port's scheduler has no profile left for a new "
					  "rate: a subport keeps pipe_profiles distinct pipe rates "
					  "(sched_ports pipe_profiles, default 64, at most 16384; best effort's "
					  "besides), a port 128 rates of slices with a subport of their own, "
					  "for the scheduler's life (rte_sched frees none; a rate in use costs "
					  "none): reuse a rate, or make the scheduler again");
	if (bad_sched == -ENOSPC || no_sched == -ENOSPC || bad_subport == -ENOSPC || oversubscribed == -ENOSPC ||
	    sched_in_use == -ENOSPC || no_pipe == -ENOSPC || no_profile == -ENOSPC ||
	    dp_tblrpc_check_add(check) < 0)
		return -ENOSPC;
	return 0;

}
