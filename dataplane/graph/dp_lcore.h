/* What a worker lcore holds (its RX queues, rings, TX buffers, stage
 * context): the graph's nodes read it, the worker loop (dp_worker) sets it
 * up and runs them, so both stand on this and neither on the other. */
#ifndef DP_LCORE_H
#define DP_LCORE_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include <rte_mbuf.h>
#include "dp_stats.h"
#include "dp_feature.h"
#include "dp_table.h"	/* DP_WORKERS_MAX */
#include "dp_reta.h"

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
	int tid;                         /* its thread (the balancer reads its run time) */
	unsigned int n_rxq;
	uint16_t burst;			/* packets read from a queue per walk (config.burst) */
	uint32_t sleep_max_us;		/* config.idle_sleep_max_us: 0, it never sleeps */
	bool owns_egress;		/* a port's scheduler: it releases by time, so no sleep */
	struct dp_rxq rxq[DP_RXQ_PER_WORKER_MAX];
	struct rte_ring *punt;           /* to the main lcore */
	struct rte_ring *inject;         /* from the main lcore: packets to transmit */
	/* software RSS (a port's soft_rss): handin[i] from worker i, which
	 * reaches worker j's as all[j].handin[idx]; NULL: no such port */
	struct rte_ring *handin[DP_WORKERS_MAX];
	bool handoff;                    /* the rings are there */
	uint16_t room;                   /* this walk: what it may still read of ports whose packets may
					  * be handed off (dp_graph's back-pressure) */
	struct dp_worker *all;
	unsigned int n_all;
	struct rte_graph *graph;
	/* this walk, from the rx node: cycles in empty polls and in polls
	 * that brought packets */
	uint64_t walk_idle, walk_rx, walk_tx;  /* this walk's cycles in the drivers */
	uint16_t walk_in;                /* packets it took from other workers (soft_rss) */
	struct dp_stage_ctx ctx;
	struct dp_txbuf tx[DP_PORTS_MAX];  /* port_out's, empty between calls */
	/* as a soft_rss reader: packets read per dp_reta bucket (wrapping;
	 * the main lcore's balancer reads them) */
	uint32_t bucket_pkts[DP_RETA_SIZE];
} __rte_cache_aligned;

#endif
