/* Worker lcores: each walks its own packet graph (dp_graph) until told to
 * stop; the main lcore's slow path reaches the wire through them. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include <rte_mbuf.h>
#include "dp_lcore.h"

extern volatile bool dp_quit;

/* Software RSS (a port's soft_rss): one ring per ordered pair of workers.
 * It absorbs the receiving worker's stalls (a CPU it shares, an interrupt):
 * 4096 packets are over a millisecond at 3 Mpps. The mempool counts them. */
#define DP_HANDOFF_RING_SIZE 4096

/* Spread every (port, queue) over the workers, round-robin, and make each
 * worker's graph (dp_graph_setup first). */
int dp_workers_setup(struct dp_worker *w, unsigned int n_workers, const unsigned int *lcores,
		     struct rte_ring *punt, uint16_t burst, uint32_t sleep_max_us);
/* After the workers stopped: give back their graphs, rings and packets. */
void dp_workers_fini(struct dp_worker *w, unsigned int n_workers);
int dp_worker_main(void *arg);

/* Main lcore: the TSC by which every worker has begun a walk (the oldest of
 * their latest walks; 0 before they all have): what reached the box before
 * it has been looked at. A feature that judges by silence (a path's probes)
 * judges up to there, so that a stalled worker is not taken for a dead link. */
uint64_t dp_workers_seen(void);
/* Main lcore: software RSS's balancing step (dp_reta.h), when a soft_rss
 * port hands off between workers; returns the buckets moved. */
unsigned int dp_workers_balance(uint64_t now);
/* Main lcore: drain punted packets through their features' slow paths. */
unsigned int dp_slowpath_drain(struct rte_ring *punt);
/* Main lcore: transmit m on port (logical index) through a worker's inject
 * ring, so the main lcore never shares a TX queue with a worker. Takes m
 * in every case; returns 0 or -ENOBUFS (dropped and counted). */
int dp_slowpath_send(struct rte_mbuf *m, uint16_t port);

#endif
