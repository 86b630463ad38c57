/* Downlink buffering (TS 23.501 5.8.3): a termination "buffer" (a session
 * entry's own or an app's) punts its packets here, to a queue per session
 * on the main lcore, bounded per session (UP_BUF_SESSION) and in all
 * (UP_BUF_TOTAL); past a bound the session's oldest packet is dropped
 * (upf.buffer_full), and what waits longer than UP_BUF_AGE_MS too
 * (upf.buffer_expired). The first packet of an episode raises one
 * downlink data notification (up_event.h). When a write changes
 * terminations a session's packets took (a downlink session entry for
 * app 0, a terminations_downlink entry for its app), the session's queue
 * is looked at again once for the whole write, its packets in the order
 * they came, each by what the write made of its own termination: it
 * leaves if that is now encap_n3, stays if it is still buffer or did not
 * change, is dropped otherwise or when it was deleted (upf.buffer_gone).
 * So what a session buffered leaves in arrival order across its entries
 * and apps (one write turning its N6 and N9 entries to encap_n3 releases
 * their packets interleaved as they came). A buffer is its session's incarnation's,
 * not its id's: when a session entry is deleted or given to another
 * session (its id changed, or a new entry takes the id in its table: the
 * id reused, in one batch or the next), the packets it held are dropped
 * (upf.session_gone), and so are those already on their way to the slow
 * path from before. A "notify" termination raises the notification once
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
/* A write's batch, as a deriver sees it: expand notes what each session
 * entry update finds (at: its place in the batch), done ends the buffers
 * of the entries that ended, then walks once each queue whose downlink
 * terminations changed. */
int up_buf_expand(struct dp_update *u, const struct dp_update *batch, unsigned int at, struct dp_update *out);
void up_buf_written(const struct dp_update *d, unsigned int n, const int *res);
void up_buf_poll(uint64_t now_tsc);

#endif
