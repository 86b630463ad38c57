/* The schedulers as their tables say after each write (qs_apply.c): a
 * scheduler made or freed with its sched_ports entry, slices and VDNs
 * placed and their rates set (a pipe keeps its place while it stays),
 * where packets go published last; dscp_tc to the workers. */
#ifndef QS_APPLY_H
#define QS_APPLY_H

/* Main lcore, at init (the tables declared): its deriver registered. 0 or -errno. */
int qs_apply_init(void);

#endif
