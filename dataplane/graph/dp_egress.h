/* A port's egress taken over by a feature (a scheduler): port_out hands it
 * the port's packets instead of the driver, and the port's owner worker
 * asks it every walk for what to send now. What the feature takes is its
 * own: a packet it drops it counts (dp_lcore_stats, a named reason) and
 * frees. The core names no feature: whoever takes a port says how. */
#ifndef DP_EGRESS_H
#define DP_EGRESS_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "dp_feature.h"
#include "dp_port.h"

struct dp_egress {
	/* Any worker: the port's packets, all taken. */
	void (*enqueue)(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts, uint16_t n);
	/* The owner, every walk: up to max packets to transmit now. */
	uint16_t (*dequeue)(struct dp_stage_ctx *ctx, struct dp_egress *e, struct rte_mbuf **pkts,
			    uint16_t max);
	uint16_t port;
	unsigned int owner;          /* worker index */
	void *arg;
};

/* Workers read a port's entry once per flush (NULL: the driver's). */
extern struct dp_egress *dp_egress_of[DP_PORTS_MAX];

/* Control thread: take over port's egress (e NULL: give it back). Returns
 * once no worker can still be using what was there before. */
void dp_egress_set(uint16_t port, struct dp_egress *e);

#endif
