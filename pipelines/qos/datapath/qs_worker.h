/* The workers' side of an egress scheduler (qs_worker.c): the egress hooks
 * the core calls for a port with one. The owner (one worker per port)
 * enqueues into rte_sched, applies the control thread's commands and
 * dequeues; any other worker hands its packets over a ring. */
#ifndef QS_WORKER_H
#define QS_WORKER_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "dp_egress.h"

/* Main lcore, at init: the drop reasons of a full queue and of WRED; every
 * DSCP best effort's until dscp_tc says. */
void qs_worker_init(unsigned int drop_full_reason, unsigned int drop_red_reason);
/* Main lcore: packets of @dscp into traffic class @tc (its @queue, for
 * best effort's) from the next burst on. */
void qs_worker_dscp_set(uint8_t dscp, uint8_t tc, uint8_t queue);

/* The egress hooks (dp_egress): any worker; the owner alone dequeues. */
void qs_worker_enqueue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t n);
uint16_t qs_worker_dequeue(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t max);

#endif
