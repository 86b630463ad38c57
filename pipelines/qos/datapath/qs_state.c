/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_state: every port's scheduler, the tables' ids, and the one way the control thread changes a scheduler: commands its owner applies between bursts (see qs_state.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_sched.h>

#include "qs_state.h"
#include "dp_log.h"

/* rte_sched hands each traffic class rate x period of credit per period
 * and forgets what is left: a period that holds 64 full frames loses at
 * most 1/64 of a rate to the rounding (10 ms held 2 frames at 2 Mbit/s:
 * 18 % lost, measured). */
#define TC_PERIOD_FRAMES 64

struct qs_port *qs_ports[DP_PORTS_MAX];
struct qs_tables qs_tables = { -1, -1, -1, -1 };

uint64_t
qs_state_tc_period(uint64_t rate)
{
	uint64_t ms = ((uint64_t)TC_PERIOD_FRAMES * FRAME_WIRE_MAX * 1000 + rate - 1) / rate;

	return RTE_MIN(RTE_MAX(ms, 10ull), 1000ull);
}

void
qs_state_pipe_params(struct rte_sched_pipe_params *pp, uint64_t rate)
{
	memset(pp, 0, sizeof(*pp));
	pp->tb_rate = rate;
	pp->tb_size = qos_sched_bucket_of(rate);
	for (unsigned int t = 0; t < TCS; t++)
		pp->tc_rate[t] = rate;
	pp->tc_period = qs_state_tc_period(rate);
	pp->tc_ov_weight = 1;
	for (unsigned int i = 0; i < RTE_SCHED_BE_QUEUES_PER_PIPE; i++)
		pp->wrr_weights[i] = 1;
}

static bool
prof_has(const struct profs *p, uint64_t rate, uint32_t *id)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (p->rate[i] == rate) {
			*id = i;
			return true;
		}
	return false;
}

/* Control: the profile of rate, *add when rte_sched is to add it (the
 * next id: they are added in order); -ENOSPC when none is left. */
static int
prof_get(struct profs *p, uint64_t rate, bool be, uint32_t *id, uint32_t *add)
{
	*add = 0;
	if (prof_has(p, rate, id))
		return 0;
	if (p->n >= p->max || (!be && p->n - p->n_be >= p->max - p->be_reserve))
		return -ENOSPC;
	*id = p->n;
	*add = 1;
	p->rate[p->n++] = rate;
	p->n_be += be;
	return 0;
}

/* Owner: read and clear rte_sched's counters into ours. */
static void
harvest(struct qs_port *q)
{
	for (uint32_t s = 0; s < q->n_subports; s++) {
		struct rte_sched_subport_stats st;
		uint32_t ov;

		if (rte_sched_subport_read_stats(q->sp, s, &st, &ov) < 0)
			continue;
		for (unsigned int t = 0; t < TCS; t++) {
			q->sub_ctr[s][t].pkts += st.n_pkts_tc[t];
			q->sub_ctr[s][t].bytes += st.n_bytes_tc[t];
			q->sub_ctr[s][t].drops += st.n_pkts_tc_dropped[t];
		}
	}
	for (uint32_t i = 0; i < q->n_qp; i++) {
		if (!q->pos[i].used && i != 0)
			continue;
		for (uint32_t k = 0; k < RTE_SCHED_QUEUES_PER_PIPE; k++) {
			struct rte_sched_queue_stats qs;
			struct ctr *c = &q->ctr[i * TCS + RTE_MIN(k, (uint32_t)TC_BE)];
			uint16_t qlen;

			/* queue ids: subport, then pipe, then the pipe's 16
			 * queues (12 strict priority, then best effort's 4) */
			if (rte_sched_queue_read_stats(q->sp, i * RTE_SCHED_QUEUES_PER_PIPE + k, &qs, &qlen) < 0)
				continue;
			c->pkts += qs.n_pkts;
			c->bytes += qs.n_bytes;
			c->drops += qs.n_pkts_dropped;
		}
	}
}

/* Owner: the control thread's changes, in order. */
void
qs_state_apply(struct qs_port *q)
{
	struct cmd c;

	while (rte_ring_sc_dequeue_elem(q->cmds, &c, sizeof(c)) == 0) {
		uint32_t id = c.profile;
		int rc = 0;

		if (c.op == CMD_SUBPORT) {
			struct rte_sched_subport_profile_params pp = { .tb_rate = c.rate, .tc_period = qs_state_tc_period(c.rate),
								       .tb_size = qos_sched_bucket_of(c.rate) };

			for (unsigned int t = 0; t < TCS; t++)
				pp.tc_rate[t] = c.rate;
			if (c.add)
				rc = rte_sched_port_subport_profile_add(q->sp, &pp, &id);
			if (rc < 0 || id != c.profile || rte_sched_subport_config(q->sp, c.subport, NULL, id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u: rate %lu B/s not applied", q->port, c.subport,
				       (unsigned long)c.rate);
		} else if (c.op == CMD_PIPE) {
			struct rte_sched_pipe_params pp;

			qs_state_pipe_params(&pp, c.rate);
			if (c.add)
				rc = rte_sched_subport_pipe_profile_add(q->sp, c.subport, &pp, &id);
			if (rc < 0 || id != c.profile || rte_sched_pipe_config(q->sp, c.subport, c.pipe, (int32_t)id) < 0)
				DP_LOG(ERR, "qos: port %u subport %u pipe %u: rate %lu B/s not applied", q->port,
				       c.subport, c.pipe, (unsigned long)c.rate);
		} else {
			harvest(q);
		}
		__atomic_store_n(&q->cmd_done, c.seq, __ATOMIC_RELEASE);
	}
}

/* Control thread: every command posted so far applied by the owner (at
 * once when nothing runs it). */
int
qs_state_flush(struct qs_port *q)
{
	uint64_t until;

	if (__atomic_load_n(&dp_egress_of[q->port], __ATOMIC_ACQUIRE) != &q->eg) {
		qs_state_apply(q);   /* not published: no worker owns it */
		return 0;
	}
	until = rte_get_tsc_cycles() + rte_get_tsc_hz();
	while (__atomic_load_n(&q->cmd_done, __ATOMIC_ACQUIRE) < q->cmd_seq) {
		if (rte_get_tsc_cycles() > until) {
			DP_LOG(ERR, "qos: port %u: the owner worker did not apply a change within 1 s", q->port);
			return -ETIMEDOUT;
		}
		rte_pause();
	}
	return 0;
}

/* Control thread: c queued for the owner; flush_cmds waits for it. */
static int
post(struct qs_port *q, struct cmd c)
{
	c.seq = ++q->cmd_seq;
	while (rte_ring_sp_enqueue_elem(q->cmds, &c, sizeof(c)) < 0)
		if (qs_state_flush(q) < 0)
			return -ETIMEDOUT;
	return 0;
}

int
qs_state_send(struct qs_port *q, struct cmd c)
{
	int rc = post(q, c);

	return rc < 0 ? rc : qs_state_flush(q);
}

/* Control: subport sub's pipe at rate (bytes/s), its profile found or added. */
int
qs_state_set_pipe(struct qs_port *q, uint32_t sub, uint32_t pipe, uint64_t rate, bool be)
{
	uint32_t id, add;
	uint32_t qp = sub * q->n_pipes + pipe;

	if (q->pipe_now[qp] == rate)
		return 0;
	if (prof_get(&q->pipe_prof[sub], rate, be, &id, &add) < 0) {
		DP_LOG(ERR, "qos: port %u subport %u: no pipe profile left for %lu B/s", q->port, sub,
		       (unsigned long)rate);
		return -ENOSPC;
	}
	q->pipe_now[qp] = rate;
	return post(q, (struct cmd){ .op = CMD_PIPE, .subport = sub, .pipe = pipe, .profile = id,
					 .add = add, .rate = rate });
}

int
qs_state_set_subport(struct qs_port *q, uint32_t sub, uint64_t rate)
{
	uint32_t id, add;

	if (q->sub_now[sub] == rate)
		return 0;
	if (prof_get(&q->sub_prof, rate, false, &id, &add) < 0) {
		DP_LOG(ERR, "qos: port %u: no subport profile left for %lu B/s", q->port, (unsigned long)rate);
		return -ENOSPC;
	}
	q->sub_now[sub] = rate;
	return post(q, (struct cmd){ .op = CMD_SUBPORT, .subport = sub, .profile = id, .add = add,
					 .rate = rate });
}

