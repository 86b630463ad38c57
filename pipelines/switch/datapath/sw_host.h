/* The switch's exception path to the kernel (main lcore): what reaches the
 * box's own addresses and no switch code answers (a BGP session's TCP, BFD,
 * anything a daemon of the box listens to) goes to the kernel twin of its
 * VRF, the hosts table's (port, VLAN): a routing suite (FRR) there speaks
 * for the box. The twin's frames come back on that port through an
 * interfaces entry "host", routed in the slice as the box's own. */
#ifndef SW_HOST_H
#define SW_HOST_H

#include <rte_mbuf.h>
#include "dp_meta.h"

#define SW_HOST_PER_S   100000   /* packets a second to the kernel, the box's total */
#define SW_HOST_BURST   2048     /* ... and the burst above that rate */

void sw_host_init(void);
/* Packet m, punted for the box in (md->slice, its BD), to the slice's kernel
 * twin: 0 when taken (sent, or dropped under a named reason), -ENOENT when
 * the slice has none (m untouched: the caller drops it). */
int sw_host_deliver(struct rte_mbuf *m, struct dp_meta *md);

#endif
