/* Downlink buffering (TS 23.501 5.8.3): a termination "buffer" (a session
 * entry's own or an app's) punts its packets here, to a queue per session
 * on the main lcore, bounded per session (UP_BUF_SESSION) and in all
 * (UP_BUF_TOTAL); past a bound the session's oldest packet is dropped
 * (upf.buffer_full), and what waits longer than UP_BUF_AGE_MS too
 * (upf.buffer_expired). The first packet of an episode raises one
 * downlink data notification (up_event.h). When a write changes the
 * termination the packets of one app took (a downlink session entry for
 * app 0, a terminations_downlink entry for its app), they are looked at
 * again in order: they leave (in the order they came) if it is now
 * encap_n3, stay if it is still buffer, are dropped otherwise
 * (upf.buffer_gone). A "notify" termination raises the notification once
 * and drops. */
#ifndef UP_BUF_H
#define UP_BUF_H

#include <rte_mbuf.h>
#include "dp_table.h"

#define UP_BUF_SESSION 64
#define UP_BUF_TOTAL   4096
#define UP_BUF_AGE_MS  10000

int up_buf_init(void);
void up_buf_fini(void);
/* Main lcore: a punted packet (up_meta: session, app) held, or notified
 * and dropped (notify). Takes m. */
void up_buf_hold(struct rte_mbuf *m, bool notify_only);
/* A batch's writes (a deriver's done): the sessions whose downlink
 * terminations changed have their packets looked at again. */
void up_buf_written(const struct dp_update *d, unsigned int n, const int *res);
void up_buf_poll(uint64_t now_tsc);

#endif
