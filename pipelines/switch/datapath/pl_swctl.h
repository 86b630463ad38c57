/* Switch slow path for IPv4 (pl_swctl.c), on the main lcore: ARP, ICMP
 * echo, ICMP errors, fragmentation of routed packets over the egress MTU.
 * IPv6's is sw_nd.c; what both use, sw_slow.c and the hold queue sw_hold.c. */
#ifndef PL_SWCTL_H
#define PL_SWCTL_H

#include <rte_mbuf.h>

#define SWCTL_FRAG_MAX       128    /* fragments of one packet (65535 / 512) */

/* Registers IPv4 with the hold queue (after sw_hold_init). */
void pl_swctl_init(void);
/* dp_feature.slowpath: -1 when it took the packet, else the port to send it on. */
int pl_swctl_slowpath(struct rte_mbuf *m);

#endif
