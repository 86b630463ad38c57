/* Switch pipeline control side, on the main lcore: MAC learning from the
 * workers' events, ARP (answer for the box's addresses, resolve next hops
 * with a bounded hold queue), ICMP echo and rate-limited ICMP errors. */
#ifndef PL_SWCTL_H
#define PL_SWCTL_H

#include <stdint.h>
#include <rte_mbuf.h>
#include "dp_table.h"

#define SWCTL_HOLD_MAX       4      /* packets held per unresolved neighbour */
#define SWCTL_HOLDS          256    /* neighbours being resolved at once */
#define SWCTL_ARP_RETRY_MS   1000   /* one ARP request per neighbour per second */
#define SWCTL_HOLD_TIMEOUT_MS 3000  /* then held packets are dropped */
#define SWCTL_ICMP_PER_S     100    /* ICMP errors per second, whole box */

int pl_swctl_init(void);
/* pl_pipeline.slowpath: -1 when it took the packet, else the port to send it on. */
int pl_swctl_slowpath(struct rte_mbuf *m);
/* pl_pipeline.ctl_poll: learn events, hold-queue timers. */
void pl_swctl_poll(uint64_t now_tsc);
/* table.write check: a bridge domain belongs to exactly one slice, so the
 * interfaces, svi and connected routes that name a BD must agree on its
 * slice. Refused updates get -EXDEV ("slice_conflict"). */
void pl_swctl_check(const struct dp_update *u, unsigned int n, int *res);
/* Free held packets (shutdown). */
void pl_swctl_fini(void);

#endif
