/* Per-lcore counters. Each block is written only by its own lcore, with
 * plain increments; readers on the main lcore sum them. No atomics on the
 * fast path: a torn 64-bit read cannot happen on x86-64 and a slightly stale
 * sum is what every counter read is anyway. */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include "dp_config.h"	/* DP_PORTS_MAX */
#include "dp_drop.h"

struct dp_port_cnt {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_drop;
};

/* Every packet is accounted for once per lcore that handles it:
 *   worker: rx_pkts + inject_pkts + copy_pkts + handin_pkts =
 *           tx_pkts + drop_pkts + punt_pkts + handoff_pkts
 *   main:   slow_pkts = drop_pkts + <stage>.consumed + <stage>.forwarded
 *           (+ packets a pipeline holds, e.g. waiting for ARP)
 * and across lcores main.inject_pkts = sum of the workers' inject_pkts once
 * the inject rings are empty, and the workers' handoff_pkts sum to their
 * handin_pkts once the software RSS rings are. inject_drop (main: an inject
 * ring was full) is counted apart from drop_pkts because those packets were
 * already counted as forwarded or were made by the box; their reason is
 * still core.inject_full. */
struct dp_lcore_stats {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t drop_pkts;
	uint64_t punt_pkts;        /* worker: handed to the slow path */
	uint64_t inject_pkts;      /* worker: taken from its inject ring; main: put there */
	uint64_t slow_pkts;        /* main: punted packets taken from the punt ring */
	uint64_t copy_pkts;        /* worker: copies stages made (flooding); a stage that
				    * fails to make one counts it here and as a drop */
	uint64_t inject_drop;      /* main: not injected (ring full, bad port) */
	uint64_t handoff_pkts;     /* worker: software RSS, to the worker of the flow */
	uint64_t handin_pkts;      /* worker: software RSS, from the worker that read it */
	uint64_t polls, idle_polls;
	uint64_t busy_cycles;      /* loops that received packets */
	uint64_t idle_cycles;      /* loops that received nothing */
	uint64_t pipeline_cycles;  /* parse, stages, tx buffering: busy cycles outside the RX and TX drivers */
	uint64_t sleep_cycles;     /* worker: asleep, idle (config.idle_sleep_max_us) */
	uint64_t drops[DP_DROP_MAX];
	uint64_t events[DP_EVENT_MAX];
	struct dp_port_cnt port[DP_PORTS_MAX];
} __rte_cache_aligned;

extern struct dp_lcore_stats dp_lcore_stats[RTE_MAX_LCORE];


void dp_stats_lcore(unsigned int lcore, struct dp_lcore_stats *out); /* minus baseline */
void dp_stats_total(struct dp_lcore_stats *out);               /* sum minus baseline */
void dp_stats_clear(void);                                     /* new baseline = now */

#endif
