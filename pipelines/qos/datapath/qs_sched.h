/* Guaranteed bandwidth on egress: rte_sched on the ports a sched_ports
 * entry names (port -> subport per slice -> pipe per VDN or class -> 13
 * traffic classes from the packet's DSCP). The scheduler of a port runs on
 * one worker, its owner: the owner enqueues its own packets and those the
 * other workers hand it over a ring, applies configuration changes from
 * the control thread between bursts (rte_sched is one thread's), and
 * dequeues what the port's rate lets out. Tables:
 *   sched_ports    port -> sched {rate_bps, subports, pipes, qsize, red}
 *   sched_subports (port, slice) -> subport {subport, rate_bps, ceil_bps}
 *   sched_pipes    (port, slice, pipe) -> pipe {rate_bps, ceil_bps}
 *   dscp_tc        dscp -> tc {tc, queue}; without an entry, best effort
 * A configuration whose guarantees add up above the port's rate (or a
 * slice's pipes above the slice's) is refused. */
#ifndef QS_SCHED_H
#define QS_SCHED_H

#include <stdint.h>

/* Main lcore, from qos's init and fini. */
int qs_sched_init(unsigned int workers, unsigned int drop_full, unsigned int drop_red,
		  unsigned int drop_flushed);
void qs_sched_fini(void);

#endif
