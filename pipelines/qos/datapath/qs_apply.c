/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_apply: the schedulers as their tables say after each write: made or freed, slices and VDNs placed in subports and pipes, their rates set, where packets go published (see qs_apply.h). */
#include <string.h>

#include <rte_sched.h>

#include "qs_apply.h"
#include "qs_life.h"
#include "qs_plan.h"
#include "qs_state.h"
#include "qs_worker.h"
#include "dp_egress.h"
#include "dp_log.h"
#include "dp_table.h"

static uint32_t
at_of(uint32_t sub, uint32_t pipe)
{
	return sub << 16 | pipe;
}


/* Control: a free pipe of subport 0 (1..), its counters cleared; 0: none. */
static uint32_t
pipe_take(struct qs_port *q, uint16_t slice, uint16_t pipe)
{
	for (uint32_t i = 1; i < q->n_pipes; i++)
		if (!q->pos[i].used) {
			q->pos[i] = (struct pos){ .slice = slice, .pipe = pipe, .used = 1 };
			memset(&q->ctr[i * TCS], 0, sizeof(struct ctr) * TCS);
			return i;
		}
	return 0;
}

static void
pipe_give(struct qs_port *q, uint32_t at)
{
	if (at >> 16 == 0 && (at & 0xffff) != 0)
		q->pos[at & 0xffff].used = 0;
}

/* Control: q's subports and pipes as its tables now say, after a batch
 * (admitted whole: port_fits). What goes is unmapped first; a pipe keeps
 * its place while it stays; new places are configured in rte_sched
 * before packets are sent to them. A pipe given up keeps its rate until
 * reused: what it still queues leaves at that rate. */
static void
sync_port(struct qs_port *q)
{
	static uint32_t want_of[QOS_PIPE_NUM_MAX + 1];   /* control thread's */
	struct qs_plan p;
	uint64_t be, caps = 0, k;

	if (qs_plan_make(&p, q->port, NULL, 0) < 0) {
		DP_LOG(ERR, "qos: port %u: no memory to place its slices", q->port);
		return;
	}
	/* what goes, or moves */
	for (uint32_t s = 0; s < SLICES; s++) {
		uint32_t at = q->slice_at[s];
		bool keep;

		if (at == 0)
			continue;
		keep = p.kind[s] == KIND_OWN ? at == at_of(p.sub[s], 0) :
		       p.kind[s] == KIND_SHARED && at >> 16 == 0 && qs_state_bytes(qs_plan_default_cap(&p, (uint16_t)s)) != 0;
		if (!keep) {
			__atomic_store_n(&q->slice_at[s], 0, __ATOMIC_RELEASE);
			pipe_give(q, at);
		}
	}
	/* a pipe number is one slice's on a port: one want each */
	memset(want_of, 0, sizeof(want_of));
	for (uint32_t i = 0; i < p.nw; i++)
		if (p.w[i].pipe <= QOS_PIPE_NUM_MAX)
			want_of[p.w[i].pipe] = i + 1;
	for (uint32_t c = 1; c <= QOS_PIPE_NUM_MAX; c++) {
		uint64_t v = q->class_at[c];
		const struct qs_want *w = want_of[c] != 0 ? &p.w[want_of[c] - 1] : NULL;
		bool keep;

		if (v == 0)
			continue;
		keep = w != NULL && w->slice == (uint16_t)(v >> 32) &&
		       (p.kind[w->slice] == KIND_OWN ? (uint32_t)v == at_of(p.sub[w->slice], c) :
			p.kind[w->slice] == KIND_SHARED && (uint32_t)v >> 16 == 0);
		if (!keep) {
			__atomic_store_n(&q->class_at[c], 0, __ATOMIC_RELEASE);
			pipe_give(q, (uint32_t)v);
		}
	}
	for (uint32_t s = 1; s < q->n_subports && s < QOS_SUBPORTS_MAX; s++)
		if (q->sub_slice[s] != 0 && (p.kind[q->sub_slice[s]] != KIND_OWN || p.sub[q->sub_slice[s]] != s))
			q->sub_slice[s] = 0;
	/* what stays or comes: rates and places */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];

		if (p.kind[s] == KIND_OWN) {
			qs_state_set_subport(q, p.sub[s], qs_state_bytes(p.cap[s]));
			q->sub_slice[p.sub[s]] = s;
			q->pos[p.sub[s] * q->n_pipes] = (struct pos){ .slice = s, .used = 1 };
			caps += qs_state_bytes(p.cap[s]);
		} else if (qs_state_bytes(qs_plan_default_cap(&p, s)) != 0) {
			uint32_t at = q->slice_at[s];
			uint32_t idx = at != 0 ? at & 0xffff : pipe_take(q, s, 0);

			p.sub[s] = (uint16_t)idx;
			if (idx != 0)
				qs_state_set_pipe(q, 0, idx, qs_state_bytes(qs_plan_default_cap(&p, s)), false);
			caps += qs_state_bytes(qs_plan_default_cap(&p, s));
		}
	}
	for (uint32_t i = 0; i < p.nw; i++) {
		struct qs_want *w = &p.w[i];
		uint64_t v = q->class_at[w->pipe];

		if (p.kind[w->slice] == KIND_OWN) {
			uint32_t qp = p.sub[w->slice] * q->n_pipes + w->pipe;

			if (v == 0)
				memset(&q->ctr[qp * TCS], 0, sizeof(struct ctr) * TCS);
			qs_state_set_pipe(q, p.sub[w->slice], w->pipe, qs_state_bytes(w->cap), false);
			q->pos[qp] = (struct pos){ .slice = w->slice, .pipe = w->pipe, .used = 1 };
		} else if (p.kind[w->slice] == KIND_SHARED) {
			w->idx = v != 0 ? (uint32_t)v & 0xffff : pipe_take(q, w->slice, w->pipe);
			if (w->idx != 0)
				qs_state_set_pipe(q, 0, w->idx, qs_state_bytes(w->cap), false);
			caps += qs_state_bytes(w->cap);
		}
	}
	/* best effort: what the guarantees leave, on a grid (BE_STEPS) */
	be = q->rate - RTE_MIN(qs_state_bytes(p.guaranteed), q->rate);
	k = be * BE_STEPS / q->rate;
	be = RTE_MAX(q->rate * k / BE_STEPS, (uint64_t)1);
	qs_state_set_pipe(q, 0, 0, be, true);
	q->be_now = be;
	__atomic_store_n(&q->paced, caps + be > q->rate, __ATOMIC_RELEASE);
	qs_state_flush(q);
	/* then where packets go */
	for (uint32_t i = 0; i < p.n_slices; i++) {
		uint16_t s = p.slices[i];
		uint32_t at = p.kind[s] == KIND_OWN ? at_of(p.sub[s], 0) :
			      qs_state_bytes(qs_plan_default_cap(&p, s)) != 0 ? at_of(0, p.sub[s]) : 0;

		if (q->slice_at[s] != at)
			__atomic_store_n(&q->slice_at[s], at, __ATOMIC_RELEASE);
	}
	for (uint32_t i = 0; i < p.nw; i++) {
		const struct qs_want *w = &p.w[i];
		uint32_t at = p.kind[w->slice] == KIND_OWN ? at_of(p.sub[w->slice], w->pipe) :
			      p.kind[w->slice] == KIND_SHARED ? at_of(0, w->idx) : 0;
		uint64_t v = at != 0 ? (uint64_t)w->slice << 32 | at : 0;

		if (q->class_at[w->pipe] != v)
			__atomic_store_n(&q->class_at[w->pipe], v, __ATOMIC_RELEASE);
	}
	qs_plan_free(&p);
}

static void
apply_port(const struct dp_update *u)
{
	uint16_t port = qs_plan_k16(u->key, 0);

	qs_life_drop(port);
	if (u->type == DP_UPD_DELETE || u->action != SCHED)
		return;
	if ((qs_ports[port] = qs_life_new(port, (const struct sched_p *)u->params)) != NULL)
		dp_egress_set(port, &qs_ports[port]->eg);
}

static void
apply_dscp(const struct dp_update *u)
{
	const struct tc_p *p = (const struct tc_p *)u->params;

	if (u->type == DP_UPD_DELETE || u->action != TC)
		qs_worker_dscp_set(u->key[0], TC_BE, 0);
	else
		qs_worker_dscp_set(u->key[0], p->tc, p->tc == TC_BE ? p->queue : 0);
}

static int
watch_expand(struct dp_update *u __rte_unused, const struct dp_update *batch __rte_unused,
	     unsigned int n __rte_unused, struct dp_update *out __rte_unused)
{
	return 0;
}

static void
watch_done(const struct dp_update *d, unsigned int n, const int *res)
{
	bool touched[DP_PORTS_MAX] = { false };

	for (unsigned int i = 0; i < n; i++) {
		if (res[i] != 0 || d[i].type == DP_UPD_DEFAULT)
			continue;
		if (d[i].table == qs_tables.ports)
			apply_port(&d[i]);
		else if (d[i].table == qs_tables.dscp)
			apply_dscp(&d[i]);
		if ((d[i].table == qs_tables.ports || d[i].table == qs_tables.subports || d[i].table == qs_tables.pipes) &&
		    qs_plan_k16(d[i].key, 0) < DP_PORTS_MAX)
			touched[qs_plan_k16(d[i].key, 0)] = true;
	}
	for (unsigned int p = 0; p < DP_PORTS_MAX; p++)
		if (touched[p] && qs_ports[p] != NULL)
			sync_port(qs_ports[p]);
}

static struct dp_table_deriver watch = { .expand = watch_expand, .done = watch_done };

int
qs_apply_init(void)
{
	watch.sources = 1ull << qs_tables.ports | 1ull << qs_tables.subports | 1ull << qs_tables.pipes |
			1ull << qs_tables.dscp;
	return dp_table_deriver_add(&watch);
}
