/* Guaranteed bandwidth on egress: rte_sched on the ports a sched_ports
 * entry names (port -> subport -> pipe -> 13 traffic classes from the
 * packet's DSCP). Subport 0 holds best effort (pipe 0) and the slices
 * that are pipes, each with its VDNs' pipes beside it (placed by sxdp);
 * subports 1.. are slices with a subport of their own, their VDNs pipes
 * of it. The scheduler of a port runs on
 * one worker, its owner: the owner enqueues its own packets and those the
 * other workers hand it over a ring, applies configuration changes from
 * the control thread between bursts (rte_sched is one thread's), and
 * dequeues what the port's rate lets out. Tables:
 *   sched_ports    port -> sched {rate_bps, subports, pipes, qsize, red, pipe_profiles}
 *   sched_subports (port, slice) -> subport {subport, rate_bps, ceil_bps}
 *                                 | pipe {rate_bps, ceil_bps}
 *   sched_pipes    (port, slice, pipe) -> pipe {rate_bps, ceil_bps}
 *   dscp_tc        dscp -> tc {tc, queue}; without an entry, best effort
 * A configuration whose guarantees add up above the port's rate (or a
 * slice's pipes above the slice's), or that needs more pipes or pipe
 * profiles than the scheduler has, is refused. */
#ifndef QS_SCHED_H
#define QS_SCHED_H

#include <stdint.h>

/* Main lcore, from qos's init and fini. */
int qs_sched_init(unsigned int workers, unsigned int drop_full, unsigned int drop_red,
		  unsigned int drop_flushed);
void qs_sched_fini(void);

#endif
