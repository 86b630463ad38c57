/* SPDX-License-Identifier: BSD-3-Clause */
/* qs_worker: the workers' side of an egress scheduler: any worker enqueues (the owner into rte_sched past the queues' length and WRED checks, the others over the hand-over ring), the owner dequeues what the port's rate lets out (see qs_worker.h). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_red.h>
#include <rte_ring.h>
#include <rte_sched.h>

#include "qs_worker.h"
#include "qs_state.h"
#include "qos_api.h"
#include "dp_flowkey.h"
#include "dp_stats.h"

static uint8_t dscp_map[64];     /* tc << 2 | queue */
static unsigned int drop_full, drop_red;

void
qs_worker_init(unsigned int drop_full_reason, unsigned int drop_red_reason)
{
	drop_full = drop_full_reason;
	drop_red = drop_red_reason;
	memset(dscp_map, TC_BE << 2, sizeof(dscp_map));
}

void
qs_worker_dscp_set(uint8_t dscp, uint8_t tc, uint8_t queue)
{
	__atomic_store_n(&dscp_map[dscp & 63], (uint8_t)(tc << 2 | queue), __ATOMIC_RELEASE);
}

/* Owner: a packet it drops before rte_sched, counted as rte_sched would
 * (its subport and traffic class, its pipe) and under reason. */
static void
drop_early(struct dp_stage_ctx *ctx, struct qs_port *q, struct rte_mbuf *m, uint32_t qid, unsigned int reason)
{
	uint32_t sub = qid >> q->pipe_shift, tc = rte_mbuf_sched_traffic_class_get(m);

	q->sub_ctr[sub][tc].drops++;
	q->ctr[(qid >> 4) * TCS + tc].drops++;
	ctx->stats->drops[reason]++;
	ctx->stats->drop_pkts++;
	rte_pktmbuf_free(m);
}

/* Owner: packets into the scheduler, past the queues' length checks. */
static void
sched_in(struct dp_stage_ctx *ctx, struct qs_port *q, struct rte_mbuf **pkts, uint16_t n)
{
	/* RED's clock: bytes at the port's rate, as rte_sched's own */
	uint64_t t = q->red != NULL ? (uint64_t)((unsigned __int128)ctx->now * q->rate / rte_get_tsc_hz()) : 0;
	uint16_t keep = 0;
	int in;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t qid = rte_mbuf_sched_queue_get(m);

		if (q->qlen[qid] >= q->qsize) {
			drop_early(ctx, q, m, qid, drop_full);
			continue;
		}
		if (q->red != NULL &&
		    (q->qlen[qid] >= q->red_cap[rte_mbuf_sched_color_get(m)] ||
		     rte_red_enqueue(&q->red_cfg[rte_mbuf_sched_traffic_class_get(m)][rte_mbuf_sched_color_get(m)],
				     &q->red[qid], q->qlen[qid], t) != 0)) {
			drop_early(ctx, q, m, qid, drop_red);
			continue;
		}
		q->qlen[qid]++;
		pkts[keep++] = m;
	}
	in = rte_sched_port_enqueue(q->sp, pkts, keep);
	q->queued += (uint64_t)in;
	/* cannot happen: no queue gets more than its size */
	if (unlikely(in < keep)) {
		ctx->stats->drops[drop_full] += keep - (unsigned int)in;
		ctx->stats->drop_pkts += keep - (unsigned int)in;
	}
}

void
qs_worker_enqueue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t n)
{
	struct qs_port *q = e->arg;
	unsigned int k;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct dp_meta *md = dp_meta(m);
		/* the slice's default pipe, or its class's when the class is
		 * one of that slice's pipes on this port */
		uint32_t at = q->slice_at[md->slice];
		uint8_t t = dscp_map[dp_flowkey_tos(m, md) >> 2];

		if (md->class_id != 0 && md->class_id <= QOS_PIPE_NUM_MAX) {
			uint64_t c = q->class_at[md->class_id];

			if ((uint32_t)c != 0 && (uint16_t)(c >> 32) == md->slice)
				at = (uint32_t)c;
		}
		rte_sched_port_pkt_write(q->sp, m, at >> 16, at & 0xffff, t >> 2, t & 3,
					 (enum rte_color)((md->flags & QOS_MF_COLOR_MASK) >> QOS_MF_COLOR_SHIFT));
	}
	if (ctx->worker == q->owner) {
		sched_in(ctx, q, pkts, n);
		return;
	}
	k = rte_ring_mp_enqueue_burst(q->handoff, (void **)pkts, n, NULL);
	for (unsigned int i = k; i < n; i++) {
		ctx->stats->drops[drop_full]++;
		ctx->stats->drop_pkts++;
		rte_pktmbuf_free(pkts[i]);
	}
}

uint16_t
qs_worker_dequeue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t max)
{
	struct qs_port *q = e->arg;
	struct rte_mbuf *h[64];
	unsigned int n;
	int out;

	if (unlikely(!rte_ring_empty(q->cmds)))
		qs_state_apply(q);
	while ((n = rte_ring_sc_dequeue_burst(q->handoff, (void **)h, RTE_DIM(h), NULL)) != 0)
		sched_in(ctx, q, h, (uint16_t)n);
	if (q->queued == 0)
		return 0;
	if (ctx->now > q->wire_tsc) {
		uint64_t hz = rte_get_tsc_hz(), add = (ctx->now - q->wire_tsc) * q->rate / hz;

		/* whole bytes only: the cycles of a fraction stay for later */
		q->wire_tsc += add * hz / q->rate;
		q->wire_credit = RTE_MIN(q->wire_credit + (int64_t)add, (int64_t)q->wire_cap);
	}
	if (q->paced && q->wire_credit <= 0)
		return 0;
	out = rte_sched_port_dequeue(q->sp, pkts, max);
	q->queued -= (uint64_t)out;
	for (int i = 0; i < out; i++) {
		uint32_t qid = rte_mbuf_sched_queue_get(pkts[i]);

		q->wire_credit -= (int64_t)(rte_pktmbuf_pkt_len(pkts[i]) + RTE_SCHED_FRAME_OVERHEAD_DEFAULT);
		if (--q->qlen[qid] == 0 && q->red != NULL)
			rte_red_mark_queue_empty(&q->red[qid], (uint64_t)((unsigned __int128)ctx->now * q->rate /
									  rte_get_tsc_hz()));
	}
	return (uint16_t)out;
}

