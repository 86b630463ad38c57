/* Worker lcores: each walks its own packet graph (dp_graph) until told to
 * stop; the main lcore's slow path reaches the wire through them. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include <rte_mbuf.h>
#include "dp_stats.h"
#include "dp_feature.h"
#include "dp_table.h"	/* DP_WORKERS_MAX */

#define DP_BURST 64
#define DP_RXQ_PER_WORKER_MAX 32

struct rte_graph;

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
	struct rte_ring *punt;           /* to the main lcore */
	struct rte_ring *inject;         /* from the main lcore: packets to transmit */
	/* software RSS (a port's soft_rss): handin[i] from worker i, which
	 * reaches worker j's as all[j].handin[idx]; NULL: no such port */
	struct rte_ring *handin[DP_WORKERS_MAX];
	bool handoff;                    /* the rings are there */
	struct dp_worker *all;
	unsigned int n_all;
	struct rte_graph *graph;
	/* this walk, from the rx node: cycles in empty polls and in polls
	 * that brought packets */
	uint64_t walk_idle, walk_rx, walk_tx;  /* this walk's cycles in the drivers */
	struct dp_stage_ctx ctx;
	struct dp_txbuf tx[DP_PORTS_MAX];  /* port_out's, empty between calls */
} __rte_cache_aligned;

extern volatile bool dp_quit;

/* Spread every (port, queue) over the workers, round-robin, and make each
 * worker's graph (dp_graph_setup first). */
int dp_workers_setup(struct dp_worker *w, unsigned int n_workers, const unsigned int *lcores,
		     struct rte_ring *punt);
/* After the workers stopped: give back their graphs, rings and packets. */
void dp_workers_fini(struct dp_worker *w, unsigned int n_workers);
int dp_worker_main(void *arg);

/* Main lcore: the TSC by which every worker has begun a walk (the oldest of
 * their latest walks; 0 before they all have): what reached the box before
 * it has been looked at. A feature that judges by silence (a path's probes)
 * judges up to there, so that a stalled worker is not taken for a dead link. */
uint64_t dp_workers_seen(void);
/* Main lcore: drain punted packets through their features' slow paths. */
unsigned int dp_slowpath_drain(struct rte_ring *punt);
/* Main lcore: transmit m on port (logical index) through a worker's inject
 * ring, so the main lcore never shares a TX queue with a worker. Takes m
 * in every case; returns 0 or -ENOBUFS (dropped and counted). */
int dp_slowpath_send(struct rte_mbuf *m, uint16_t port);

#endif
