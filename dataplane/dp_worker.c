/* The worker loop: rx burst -> parse -> stages -> tx / drop / punt.
 * Stages never free or transmit; this file is the only place that does, so
 * every packet is accounted for exactly once (rx = tx + drops + punts). */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>

#include "dp_worker.h"
#include "dp_port.h"
#include "dp_parse.h"
#include "dp_table.h"
#include "dp_log.h"

volatile bool dp_quit;
static struct dp_worker *all_workers;
static unsigned int n_all_workers;

#define INJECT_RING_SIZE 1024

int
dp_workers_setup(struct dp_worker *w, unsigned int n_workers, const unsigned int *lcores,
		 const struct pl_pipeline *pl, struct rte_ring *punt)
{
	unsigned int k = 0;
	char name[RTE_RING_NAMESIZE];

	all_workers = w;
	n_all_workers = n_workers;
	for (unsigned int i = 0; i < n_workers; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].idx = i;
		w[i].lcore = lcores[i];
		w[i].pl = pl;
		w[i].punt = punt;
		snprintf(name, sizeof(name), "sxdp_inject%u", i);
		w[i].inject = rte_ring_create(name, INJECT_RING_SIZE, rte_socket_id(),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w[i].inject == NULL)
			return -ENOMEM;
	}
	if (n_workers == 0)
		return 0;
	for (unsigned int p = 0; p < dp_n_ports; p++) {
		for (uint16_t q = 0; q < dp_ports[p].n_rxq; q++, k++) {
			struct dp_worker *x = &w[k % n_workers];

			if (x->n_rxq == DP_RXQ_PER_WORKER_MAX)
				return -E2BIG;
			x->rxq[x->n_rxq++] = (struct dp_rxq){ p, dp_ports[p].port_id, q };
		}
	}
	return 0;
}

static inline void
drop(struct dp_lcore_stats *st, struct rte_mbuf *m, unsigned int reason)
{
	st->drops[reason]++;
	st->drop_pkts++;
	rte_pktmbuf_free(m);
}

static inline void
verdict(struct dp_worker *w, struct dp_lcore_stats *st, struct rte_mbuf *m, uint16_t next)
{
	if (likely(next == PL_NEXT_TX)) {
		uint32_t out = dp_meta(m)->out_port;
		struct dp_txbuf *tb;

		if (unlikely(out >= dp_n_ports)) {
			drop(st, m, DP_DROP_core_bad_port);
			return;
		}
		tb = &w->tx[out];
		tb->pkts[tb->n++] = m;
		if (unlikely(tb->n == DP_BURST))
			dp_worker_flush(w, st);
	} else if (next == PL_NEXT_PUNT) {
		if (w->pl->slowpath == NULL) {
			drop(st, m, DP_DROP_core_no_slowpath);
		} else if (rte_ring_mp_enqueue(w->punt, m) != 0) {
			drop(st, m, DP_DROP_core_punt_full);
		} else {
			st->punt_pkts++;
		}
	} else if (PL_IS_DROP(next) && PL_DROP_REASON(next) < DP_DROP_MAX) {
		drop(st, m, PL_DROP_REASON(next));
	} else {
		drop(st, m, DP_DROP_core_no_verdict);
	}
}

void
dp_worker_flush(struct dp_worker *w, struct dp_lcore_stats *st)
{
	for (unsigned int p = 0; p < dp_n_ports; p++) {
		struct dp_txbuf *tb = &w->tx[p];
		uint16_t sent, n = tb->n;
		uint64_t bytes = 0;

		if (n == 0)
			continue;
		for (uint16_t i = 0; i < n; i++)
			bytes += rte_pktmbuf_pkt_len(tb->pkts[i]);
		sent = rte_eth_tx_burst(dp_ports[p].port_id, w->idx, tb->pkts, n);
		/* one retry absorbs a momentarily full ring without stalling the loop */
		if (unlikely(sent < n))
			sent += rte_eth_tx_burst(dp_ports[p].port_id, w->idx, tb->pkts + sent, n - sent);
		for (uint16_t i = sent; i < n; i++) {
			bytes -= rte_pktmbuf_pkt_len(tb->pkts[i]);
			st->port[p].tx_drop++;
			drop(st, tb->pkts[i], DP_DROP_core_tx_full);
		}
		st->port[p].tx_pkts += sent;
		st->port[p].tx_bytes += bytes;
		st->tx_pkts += sent;
		tb->n = 0;
	}
}

void
dp_worker_process(struct dp_worker *w, struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_lcore_stats *st = ctx->stats;
	uint16_t next[DP_BURST];
	uint16_t cont;

	cont = dp_parse_burst(ctx, pkts, n, next);
	for (unsigned int s = 0; s <= w->pl->n_stages; s++) {
		uint16_t k = 0;

		st->copy_pkts += ctx->n_extra;
		for (uint16_t i = 0; i < ctx->n_extra; i++)
			verdict(w, st, ctx->extra[i], PL_NEXT_TX);
		ctx->n_extra = 0;
		if (cont != n) {
			/* keep only what continues; act on the rest now */
			for (uint16_t i = 0; i < n; i++) {
				if (next[i] == PL_NEXT_CONTINUE)
					pkts[k++] = pkts[i];
				else
					verdict(w, st, pkts[i], next[i]);
			}
			n = k;
		}
		if (n == 0 || s == w->pl->n_stages)
			break;
		cont = w->pl->stages[s](ctx, pkts, n, next);
	}
	/* what the last stage left as CONTINUE has no verdict */
	for (uint16_t i = 0; i < n; i++)
		drop(st, pkts[i], DP_DROP_core_no_verdict);
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_lcore_stats *st = &dp_lcore_stats[w->lcore];
	struct pl_ctx ctx = { .worker = w->idx, .lcore = w->lcore, .stats = st };
	struct rte_mbuf *pkts[DP_BURST];

	DP_LOG(INFO, "worker %u on lcore %u: %u rx queues", w->idx, w->lcore, w->n_rxq);
	dp_tables_reader_online(w->idx);
	while (!dp_quit) {
		unsigned int ni = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, DP_BURST, NULL);

		if (unlikely(ni > 0)) {
			st->inject_pkts += ni;
			for (unsigned int i = 0; i < ni; i++)
				verdict(w, st, pkts[i], PL_NEXT_TX);
			dp_worker_flush(w, st);
		}
		for (unsigned int q = 0; q < w->n_rxq; q++) {
			const struct dp_rxq *rq = &w->rxq[q];
			uint64_t t0, t1, t2, bytes = 0;
			uint16_t n;

			if (unlikely(!dp_ports[rq->port].admin_up))
				continue;
			t0 = rte_rdtsc();
			n = rte_eth_rx_burst(rq->port_id, rq->queue, pkts, DP_BURST);
			st->polls++;
			if (n == 0) {
				st->idle_polls++;
				st->idle_cycles += rte_rdtsc() - t0;
				continue;
			}
			for (uint16_t i = 0; i < n; i++) {
				dp_meta(pkts[i])->in_port = rq->port;
				bytes += rte_pktmbuf_pkt_len(pkts[i]);
			}
			st->rx_pkts += n;
			st->port[rq->port].rx_pkts += n;
			st->port[rq->port].rx_bytes += bytes;
			ctx.root = dp_tables_root();
			ctx.now = t0;
			t1 = rte_rdtsc();
			dp_worker_process(w, &ctx, pkts, n);
			t2 = rte_rdtsc();
			dp_worker_flush(w, st);
			st->pipeline_cycles += t2 - t1;
			st->busy_cycles += rte_rdtsc() - t0;
		}
		dp_tables_quiescent(w->idx);
	}
	dp_tables_reader_offline(w->idx);
	DP_LOG(INFO, "worker %u stopped", w->idx);
	return 0;
}

int
dp_slowpath_send(struct rte_mbuf *m, uint16_t port)
{
	struct dp_lcore_stats *st = &dp_lcore_stats[rte_lcore_id()];
	unsigned int reason = DP_DROP_core_inject_full;

	if (port >= dp_n_ports) {
		reason = DP_DROP_core_bad_port;
		goto fail;
	}
	dp_meta(m)->out_port = port;
	/* spread by port so one port's packets stay in order */
	if (n_all_workers == 0 ||
	    rte_ring_sp_enqueue(all_workers[port % n_all_workers].inject, m) != 0)
		goto fail;
	st->inject_pkts++;
	return 0;
fail:
	/* not drop_pkts: the slow path already accounted for this packet (or
	 * made it); see dp_stats.h */
	st->drops[reason]++;
	st->inject_drop++;
	rte_pktmbuf_free(m);
	return -ENOBUFS;
}

unsigned int
dp_slowpath_drain(struct rte_ring *punt, const struct pl_pipeline *pl)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(punt, (void **)pkts, DP_BURST, NULL);

	dp_lcore_stats[rte_lcore_id()].slow_pkts += n;
	for (unsigned int i = 0; i < n; i++) {
		int out = pl->slowpath(pkts[i]);

		if (out >= 0)
			dp_slowpath_send(pkts[i], (uint16_t)out);
	}
	return n;
}
