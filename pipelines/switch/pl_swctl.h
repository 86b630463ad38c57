/* Switch slow path, on the main lcore: ARP (answer for the box's
 * addresses, resolve next hops with a bounded hold queue), ICMP echo, ICMP
 * errors, fragmentation of routed packets over the egress MTU, and limits on
 * everything the box sends of its own (per source and in total). */
#ifndef PL_SWCTL_H
#define PL_SWCTL_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_table.h"

#define SWCTL_HOLD_MAX       4      /* packets held per unresolved neighbour */
#define SWCTL_HOLDS          256    /* neighbours being resolved at once */
#define SWCTL_ARP_RETRY_MS   1000   /* one ARP request per neighbour per second */
#define SWCTL_HOLD_TIMEOUT_MS 3000  /* then held packets are dropped */
#define SWCTL_ICMP_PER_S     100    /* ICMP errors per second, whole box (RFC 1812 4.3.2.8) */
#define SWCTL_ICMP_BURST     100

/* Reflection limits: every packet the box originates (ARP replies and
 * requests, echo replies, ICMP errors) takes a token from the bucket of the
 * source that caused it (slice + IPv4 source) and from the box's total
 * bucket, so one flooding host gets at most SRC_BURST + SRC_PER_S x t
 * answers and cannot use up what the others get. */
#define SWCTL_SRC_PER_S      50     /* per source, per second */
#define SWCTL_SRC_BURST      50
#define SWCTL_TX_PER_S       1000   /* everything the box originates */
#define SWCTL_TX_BURST       1000
#define SWCTL_SRC_WAYS       4      /* per-source table: 4-way sets, */
#define SWCTL_SRC_SETS       256    /* 1024 sources; the stalest of a set is replaced */
#define SWCTL_FRAG_MAX       128    /* fragments of one packet (65535 / 512) */

int pl_swctl_init(void);
/* dp_feature.slowpath: -1 when it took the packet, else the port to send it on. */
int pl_swctl_slowpath(struct rte_mbuf *m);
/* Hold-queue timers; main lcore, every loop. */
void pl_swctl_poll(uint64_t now_tsc);
/* Free held packets (shutdown). */
void pl_swctl_fini(void);

#endif
