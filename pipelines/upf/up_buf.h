/* Downlink buffering (TS 23.501 5.8.3): a termination "buffer" punts its
 * packets here, to a queue per session on the main lcore, bounded per
 * session (UP_BUF_SESSION) and in all (UP_BUF_TOTAL); past a bound the
 * session's oldest packet is dropped (upf.buffer_full). The first packet
 * of a session raises one downlink data notification (up_event.h). When a
 * write changes one of the session's downlink terminations, its packets
 * are looked at again in order: those whose termination is now encap_n3
 * leave (in the order they came), those still buffered stay, the rest are
 * dropped (upf.buffer_gone). A "notify" termination raises the
 * notification once and drops. */
#ifndef UP_BUF_H
#define UP_BUF_H

#include <rte_mbuf.h>
#include "dp_table.h"

#define UP_BUF_SESSION 64
#define UP_BUF_TOTAL   4096

int up_buf_init(void);
void up_buf_fini(void);
/* Main lcore: a punted packet (up_meta: session, app) held, or notified
 * and dropped (notify). Takes m. */
void up_buf_hold(struct rte_mbuf *m, bool notify_only);
/* A batch's writes (a deriver's done): the sessions whose downlink
 * terminations changed have their packets looked at again. */
void up_buf_written(const struct dp_update *d, unsigned int n, const int *res);
/* Packets held now (for tests and stats). */
unsigned int up_buf_count(void);

#endif
