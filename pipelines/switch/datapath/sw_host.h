/* The switch's exception path to the kernel (main lcore): what reaches the
 * box's own addresses and no switch code answers (a BGP session's TCP, BFD,
 * anything a daemon of the box listens to) goes to the kernel twin of its
 * VRF, the hosts table's (port, VLAN): a routing suite (FRR) there speaks
 * for the box. The twin's frames come back on that port through an
 * interfaces entry "host", routed in the slice as the box's own. A routing
 * protocol's link-local multicast (OSPF's hellos and floods:
 * pl_switch_mcast_routing) is the exception: a copy of what a link
 * carries goes to the twin, and what the twin sends goes out bridged. */
#ifndef SW_HOST_H
#define SW_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_meta.h"

#define SW_HOST_PER_S   100000   /* packets a second to the kernel, the box's total */
#define SW_HOST_BURST   2048     /* ... and the burst above that rate */

void sw_host_init(void);
/* Is ip the twin's link-local address in (slice, bd): fe80:: + EUI-64 of
 * its host port's MAC, which the twin's device wears (sw_twin.h)? The box
 * answers for it there, so a peer may route via it (a BGP speaker's
 * next hop beside the global one, RFC 2545). */
bool sw_host_ll_is(uint16_t slice, uint16_t bd, const uint8_t *ip);
/* Packet m, punted for the box in (md->slice, its BD), to the slice's kernel
 * twin: 0 when taken (sent, or dropped under a named reason), -ENOENT when
 * the slice has none (m untouched: the caller drops it). */
int sw_host_deliver(struct rte_mbuf *m, struct dp_meta *md);
/* A routing protocol's multicast m from the twin of md->slice (consumed):
 * out bridged into the bridge domains the twin's link is the hosts entry
 * of, or (the slice's link, bd 0) into every domain the slice routes
 * without a link of its own, from the SVI's MAC there; never routed. */
void sw_host_mcast_out(struct rte_mbuf *m, struct dp_meta *md);

#endif
