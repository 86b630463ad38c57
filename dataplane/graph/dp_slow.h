/* What every feature's slow path (the main lcore) does alike: count a
 * named drop or an event on the main lcore's counters, and make a frame of
 * its own (an answer, a request, a probe). Only the main lcore calls these:
 * the counters are its own, like a worker's are the worker's. */
#ifndef DP_SLOW_H
#define DP_SLOW_H

#include <stdint.h>
#include <rte_mbuf.h>

/* m dropped for reason (a registered drop reason): freed and counted. */
void dp_slow_drop(struct rte_mbuf *m, unsigned int reason);
/* One more of event ev (a registered event). */
void dp_slow_event(unsigned int ev);
/* A new frame from src to dst (tagged vid unless 0), padded to the
 * Ethernet minimum, with *payload pointing at its len bytes; NULL when
 * mp has no mbuf. */
struct rte_mbuf *dp_slow_frame(struct rte_mempool *mp, const uint8_t *dst, const uint8_t *src,
			       uint16_t vid, uint16_t ethertype, uint16_t len, uint8_t **payload);

#endif
