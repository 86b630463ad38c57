/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_life: a scheduler's life: made when its sched_ports entry is (rte_sched, its rings, WRED), flushed and freed when it goes (see qs_life.h). */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_red.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_sched.h>

#include "qs_life.h"
#include "qs_state.h"
#include "qs_worker.h"
#include "dp_egress.h"
#include "dp_log.h"
#include "dp_port.h"
#include "dp_stats.h"

#define HANDOFF_SIZE 4096
#define CMDS_SIZE 256

static unsigned int n_workers, drop_flushed;

void
qs_life_init(unsigned int workers, unsigned int drop_flushed_reason)
{
	n_workers = workers;
	drop_flushed = drop_flushed_reason;
}

uint32_t
qs_life_pow2(uint32_t v)
{
	return v <= 1 ? 1 : rte_align32pow2(v);
}

/* A scheduler's memory past rte_sched's own structures, per queue: its
 * mbuf slots, rte_sched's queue and stats, our length, counters and RED. */
uint64_t
qs_life_queue_bytes(const struct sched_p *p)
{
	return (uint64_t)qs_life_pow2(p->subports) * qs_life_pow2(p->pipes) * RTE_SCHED_QUEUES_PER_PIPE *
	       (p->qsize * sizeof(void *) + 40 + sizeof(uint16_t) + TCS * sizeof(struct ctr) / 16 +
		(p->red ? sizeof(struct rte_red) : 0));
}

uint32_t
qs_life_pipe_profiles(const struct sched_p *p)
{
	return p->pipe_profiles != 0 ? p->pipe_profiles : PIPE_PROFILES;
}

/* WRED per traffic class and color on a queue of qsize (RFC 2309's RED
 * with the drop precedence of RFC 2597): green from 1/2 to the whole
 * queue, yellow from 1/4 to 1/2, red from 1/8 to 1/4; at most 1 drop in 10
 * at the top threshold, the average over 2^9 packets. Thresholds are
 * rte_red's, at most 1023. A color's top threshold also caps the queue's
 * length now for it: the average lags a flood by hundreds of packets,
 * and a flood of yellow filled the queue to its tail, where green met it
 * (a GBR flow lost 16 % beside an excess flood: test_qos.py
 * sched_wred_keeps_the_guaranteed_green). */
static struct rte_red *
red_new(struct qs_port *q, uint16_t qsize)
{
	static const uint16_t lo[RTE_COLORS][2] = { { 1, 2 }, { 1, 4 }, { 1, 8 } };   /* min = qsize * a / b */
	uint32_t nq = q->n_subports * q->n_pipes * RTE_SCHED_QUEUES_PER_PIPE;
	struct rte_red *red = rte_zmalloc("qos_sched_red", sizeof(*red) * nq, 0);
	uint16_t top = (uint16_t)RTE_MIN(qsize, RTE_RED_MAX_TH_MAX);

	if (red == NULL)
		return NULL;
	for (unsigned int t = 0; t < TCS; t++)
		for (unsigned int c = 0; c < RTE_COLORS; c++) {
			uint16_t min = (uint16_t)(top * lo[c][0] / lo[c][1]);
			uint16_t max = c == 0 ? top : (uint16_t)(2 * min);

			if (rte_red_config_init(&q->red_cfg[t][c], 9, min, max, 10) != 0) {
				rte_free(red);
				return NULL;
			}
			/* green's is the queue's own (a full queue: qos.sched_full) */
			q->red_cap[c] = c == 0 ? qsize : max;
		}
	for (uint32_t i = 0; i < nq; i++)
		rte_red_rt_data_init(&red[i]);
	return red;
}

/* What a scheduler holds, given back (its queues already empty). */
static void
port_release(struct qs_port *q)
{
	if (q->sp != NULL)
		rte_sched_port_free(q->sp);
	rte_ring_free(q->handoff);
	rte_ring_free(q->cmds);
	rte_free(q->slice_at);
	rte_free(q->class_at);
	rte_free(q->pos);
	rte_free(q->pipe_now);
	rte_free(q->ctr);
	rte_free(q->sub_prof.rate);
	if (q->pipe_prof != NULL)
		for (uint32_t s = 0; s < q->n_subports; s++)
			rte_free(q->pipe_prof[s].rate);
	rte_free(q->pipe_prof);
	rte_free(q->qlen);
	rte_free(q->red);
	rte_free(q);
}

/* Subport 0 holds best effort (its pipe 0) and the slices that are pipes
 * with their VDNs; subports 1.. are the slices that have one of their own.
 * Every subport has every pipe: rte_sched counts a queue id against the
 * queues its subports enable, so a subport with fewer would hide the next
 * ones' counters. */
struct qs_port *
qs_life_new(uint16_t port, const struct sched_p *p)
{
	struct rte_sched_subport_profile_params sprof = { 0 };
	struct rte_sched_pipe_params pprof;
	struct rte_sched_subport_params sub = { .n_pipe_profiles = 1, .pipe_profiles = &pprof };
	struct rte_sched_port_params pp = {
		.socket = (int)rte_socket_id(), .mtu = DP_PORT_MTU_MAX + DP_L2_OVERHEAD,
		.frame_overhead = RTE_SCHED_FRAME_OVERHEAD_DEFAULT, .subport_profiles = &sprof,
		.n_subport_profiles = 1, .n_max_subport_profiles = SUBPORT_PROFILES,
	};
	char name[32];
	struct qs_port *q = rte_zmalloc("qos_sched", sizeof(*q), RTE_CACHE_LINE_SIZE);

	if (q == NULL)
		return NULL;
	q->port = port;
	q->rate = qs_state_bytes(p->rate_bps);
	q->n_subports = qs_life_pow2(p->subports);
	q->n_pipes = qs_life_pow2(p->pipes);
	q->n_qp = q->n_subports * q->n_pipes;
	q->pipe_profiles = qs_life_pipe_profiles(p);
	q->owner = port % n_workers;
	/* 10 ms of it, a TX ring's worth: a budget that could not wait for
	 * rte_sched's own buckets would lose what they hold back (1 ms: the
	 * port shaped 15 % low, measured) */
	q->wire_cap = RTE_MAX(q->rate / 100, (uint64_t)4 * FRAME_WIRE_MAX);
	q->wire_credit = (int64_t)q->wire_cap;
	q->wire_tsc = rte_get_tsc_cycles();
	q->slice_at = rte_zmalloc("qos_sched_slices", sizeof(uint32_t) * SLICES, RTE_CACHE_LINE_SIZE);
	q->class_at = rte_zmalloc("qos_sched_classes", sizeof(uint64_t) * (QOS_PIPE_NUM_MAX + 1), RTE_CACHE_LINE_SIZE);
	q->pos = rte_zmalloc("qos_sched_pos", sizeof(struct pos) * q->n_qp, 0);
	q->pipe_now = rte_zmalloc("qos_sched_rates", sizeof(uint64_t) * q->n_qp, 0);
	q->ctr = rte_zmalloc("qos_sched_ctr", sizeof(struct ctr) * q->n_qp * TCS, RTE_CACHE_LINE_SIZE);
	q->sub_prof = (struct profs){ .rate = rte_zmalloc("qos_sched_sprof", sizeof(uint64_t) * SUBPORT_PROFILES, 0),
				      .max = SUBPORT_PROFILES };
	q->pipe_prof = rte_zmalloc("qos_sched_pprofs", sizeof(struct profs) * q->n_subports, 0);
	q->qsize = p->qsize;
	q->pipe_shift = (uint32_t)rte_log2_u32(q->n_pipes) + 4;
	q->qlen = rte_zmalloc("qos_sched_qlen", sizeof(uint16_t) * q->n_qp * RTE_SCHED_QUEUES_PER_PIPE, 0);
	if (q->slice_at == NULL || q->class_at == NULL || q->pos == NULL || q->pipe_now == NULL ||
	    q->ctr == NULL || q->sub_prof.rate == NULL || q->pipe_prof == NULL || q->qlen == NULL)
		goto fail;
	for (uint32_t s = 0; s < q->n_subports; s++) {
		struct profs *pf = &q->pipe_prof[s];

		pf->be_reserve = s == 0 ? BE_STEPS + 1 : 0;
		pf->max = q->pipe_profiles + pf->be_reserve;
		if ((pf->rate = rte_zmalloc("qos_sched_pprof", sizeof(uint64_t) * pf->max, 0)) == NULL)
			goto fail;
	}
	if (p->red && (q->red = red_new(q, p->qsize)) == NULL)
		goto fail;
	snprintf(name, sizeof(name), "qs_handoff_%u", port);
	q->handoff = rte_ring_create(name, HANDOFF_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "qs_cmds_%u", port);
	q->cmds = rte_ring_create_elem(name, sizeof(struct cmd), CMDS_SIZE, (int)rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "qs_port_%u", port);
	pp.name = name;
	/* rte_sched refills its buckets by a port clock that also advances
	 * with every byte it releases: a pipe at the port's own rate would
	 * refill as fast as it sends. Its port runs at twice the rate, the
	 * wire budget (wire_credit) holds the real one. */
	pp.rate = 2 * q->rate;
	pp.n_subports_per_port = q->n_subports;
	pp.n_pipes_per_subport = q->n_pipes;
	sprof.tb_rate = q->rate;
	sprof.tc_period = qs_state_tc_period(q->rate);
	sprof.tb_size = qos_sched_bucket_of(q->rate);
	for (unsigned int t = 0; t < TCS; t++) {
		sprof.tc_rate[t] = q->rate;
		sub.qsize[t] = p->qsize;
	}
	qs_state_pipe_params(&pprof, q->rate);
	sub.n_pipes_per_subport_enabled = q->n_pipes;
	if (q->handoff == NULL || q->cmds == NULL || (q->sp = rte_sched_port_config(&pp)) == NULL)
		goto fail;
	q->sub_prof.rate[0] = q->rate;
	q->sub_prof.n = 1;
	for (uint32_t s = 0; s < q->n_subports; s++) {
		sub.n_max_pipe_profiles = q->pipe_prof[s].max;
		if (rte_sched_subport_config(q->sp, s, &sub, 0) < 0 || rte_sched_pipe_config(q->sp, s, 0, 0) < 0)
			goto fail;
		q->sub_now[s] = q->rate;
		q->pipe_prof[s].rate[0] = q->rate;
		q->pipe_prof[s].n = 1;
		q->pipe_prof[s].n_be = s == 0;
		q->pipe_now[s * q->n_pipes] = q->rate;
	}
	q->be_now = q->rate;
	q->eg = (struct dp_egress){ .enqueue = qs_worker_enqueue, .dequeue = qs_worker_dequeue, .port = port,
				    .owner = q->owner, .arg = q };
	return q;
fail:
	DP_LOG(ERR, "qos: port %u: scheduler not made (rte_sched)", port);
	port_release(q);
	return NULL;
}

/* Once no worker uses q: what it holds dropped and counted on this lcore
 * (every pipe at the port's rate first: it empties at that rate). */
void
qs_life_free(struct qs_port *q)
{
	struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];
	struct rte_mbuf *m[64];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(q->handoff, (void **)m, RTE_DIM(m), NULL)) != 0) {
		st->drops[drop_flushed] += n;
		st->drop_pkts += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	qs_state_apply(q);
	for (uint32_t s = 0; s < q->n_subports; s++) {
		rte_sched_subport_config(q->sp, s, NULL, 0);
		for (uint32_t p = 0; p < q->n_pipes; p++)
			if (q->pipe_now[s * q->n_pipes + p] != 0)
				rte_sched_pipe_config(q->sp, s, p, 0);
	}
	while (q->queued) {
		int k = rte_sched_port_dequeue(q->sp, m, RTE_DIM(m));

		if (k <= 0) {
			rte_pause();
			continue;
		}
		q->queued -= (uint64_t)k;
		st->drops[drop_flushed] += (unsigned int)k;
		st->drop_pkts += (unsigned int)k;
		rte_pktmbuf_free_bulk(m, (unsigned int)k);
	}
	port_release(q);
}

void
qs_life_drop(uint16_t port)
{
	struct qs_port *q = qs_ports[port];

	if (q == NULL)
		return;
	dp_egress_set(port, NULL);
	qs_ports[port] = NULL;
	qs_life_free(q);
}

