/* The edge's public API: what a feature built on it (fw, the slice
 * firewall) may use of it. The edge tracks the connections that cross a
 * slice's edge (its VRF into an outside VRF and back, with or without
 * NAT44); a connection it has not seen asks the policy a feature
 * registered, once, and its later packets (and those of its reply, and
 * ICMP errors about it) pass on what the connection holds. */
#ifndef EDGE_API_H
#define EDGE_API_H

#include <stdint.h>
#include "dp_stage.h"

/* Which way a new connection crosses the edge: out of the slice (from its
 * hosts, its LANs, its tunnels, its UEs toward the outside VRF) or into it
 * (from the outside VRF). */
enum { EDGE_DIR_OUT = 0, EDGE_DIR_IN = 1 };

/* A new connection, as its first packet arrived at the edge, with the
 * slice's own addresses: leaving, its source is the inside host's (before
 * NAT44 translates it); coming in through a NAT, its destination is the
 * inside host the mapping names, not the pool's address (a rule names
 * the slice's hosts either way). ICMP queries: sport is the identifier,
 * dport the type in the high byte and the code in the low one. */
struct edge_conn {
	uint16_t vrf;        /* the slice's (inside) VRF, whichever way it goes */
	uint8_t  dir;        /* EDGE_DIR_* */
	uint8_t  proto;      /* IPPROTO_TCP, _UDP, _ICMP, or another (ports 0) */
	uint32_t src, dst;   /* IPv4, network order */
	uint16_t sport, dport;  /* host order */
};

/* The policy for n new connections of one burst, on a worker: drop[i] = 0
 * lets connection i in (it is tracked from then on), else the drop reason
 * its packet is counted under (the policy's own, dp_drop.h). Called only
 * for connections the edge would take; no allocation, lock or syscall. */
typedef void edge_policy_fn(struct dp_stage_ctx *ctx, const struct edge_conn *c, unsigned int n,
			    uint16_t *drop);

/* At init (before workers start): the one policy. 0, or -EEXIST. */
int edge_policy_register(edge_policy_fn *fn);

#endif
