/* Worker lcores: poll RX queues, run the pipeline, act on the verdicts. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include <rte_mbuf.h>
#include "dp_stats.h"
#include "pl.h"

#define DP_BURST 64
#define DP_RXQ_PER_WORKER_MAX 32

struct dp_rxq {
	uint16_t port;      /* logical index */
	uint16_t port_id;   /* DPDK */
	uint16_t queue;
};

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
};

struct dp_worker {
	unsigned int idx;
	unsigned int lcore;
	unsigned int n_rxq;
	struct dp_rxq rxq[DP_RXQ_PER_WORKER_MAX];
	const struct pl_pipeline *pl;
	struct rte_ring *punt;           /* to the main lcore */
	struct rte_ring *inject;         /* from the main lcore: packets to transmit */
	struct dp_txbuf tx[DP_PORTS_MAX];
} __rte_cache_aligned;

extern volatile bool dp_quit;

/* Spread every (port, queue) over the workers, round-robin. */
int dp_workers_setup(struct dp_worker *w, unsigned int n_workers, const unsigned int *lcores,
		     const struct pl_pipeline *pl, struct rte_ring *punt);
int dp_worker_main(void *arg);

/* Run parse + the pipeline's stages on a burst and act on every verdict. */
void dp_worker_process(struct dp_worker *w, struct pl_ctx *ctx, struct rte_mbuf **pkts, uint16_t n);
void dp_worker_flush(struct dp_worker *w, struct dp_lcore_stats *st);

/* Main lcore: drain punted packets through the pipeline's slow path. */
unsigned int dp_slowpath_drain(struct rte_ring *punt, const struct pl_pipeline *pl);
/* Main lcore: transmit m on port (logical index) through a worker's inject
 * ring, so the main lcore never shares a TX queue with a worker. Takes m
 * in every case; returns 0 or -ENOBUFS (dropped and counted). */
int dp_slowpath_send(struct rte_mbuf *m, uint16_t port);

#endif
