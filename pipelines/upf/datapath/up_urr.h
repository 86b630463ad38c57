/* Usage reporting rules: each termination that names a URR counts its
 * packets and bytes there (after its QERs), per worker with no atomics,
 * summed on read. A URR with a volume threshold is watched from the main
 * lcore, UP_URR_SCAN_MAX of them every UP_URR_SCAN_MS (100k watched are
 * each seen every 0.25 s): once its volume since it was armed reaches the
 * threshold, one usage event goes to the control side (up_event.h).
 * Writing the termination with another threshold or URR arms it again; a
 * changed FAR alone (a handover) keeps counting toward the same one.
 * upf.usage reads the counters: the URRs named, one session's, or the
 * totals. */
#ifndef UP_URR_H
#define UP_URR_H

#include <stdint.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include "up_state.h"

#define UP_URR_SCAN_MS 10
#define UP_URR_SCAN_MAX 4096	/* watches looked at per scan: a pass over n takes n / this scans */

struct up_urr_ctr { uint64_t pkts, bytes; };
/* per worker, and the main lcore's as column n_workers; ids 1..up_urr_max */
extern struct up_urr_ctr *up_urr_ctr[DP_WORKERS_MAX + 1];
extern uint32_t up_urr_max;

/* A packet of len bytes (what TS 29.244 measures: its T-PDU) in its
 * termination's URR, if it names one. */
static inline void
up_urr_count_len(unsigned int column, const struct up_term *t, uint32_t len)
{
	struct up_urr_ctr *c;

	if (t->urr == 0)
		return;
	c = &up_urr_ctr[column][t->urr];
	c->pkts++;
	c->bytes += len;
}

/* The same for m, its T-PDU's IP packet (or frame: up_ip_len). */
static inline void
up_urr_count(unsigned int column, const struct up_term *t, struct rte_mbuf *m)
{
	up_urr_count_len(column, t, up_ip_len(m));
}

/* The line t's counter is in, on its way (before up_urr_count). */
static inline void
up_urr_prefetch(unsigned int column, const struct up_term *t)
{
	rte_prefetch0_write(&up_urr_ctr[column][t->urr]);
}

/* Main lcore: its column (made when first needed), or -ENOMEM. */
int up_urr_main_column(void);

/* Main lcore, at init: counters for ids 1..max (the write check refuses
 * more), the upf.usage method. 0, -ENOMEM, -EEXIST. */
int up_urr_init(unsigned int workers, uint32_t max);
void up_urr_fini(void);
/* A batch's writes to the terminations tables (a deriver's done): arms,
 * re-arms or forgets thresholds. */
void up_urr_written(const struct dp_update *d, unsigned int n, const int *res);
void up_urr_poll(uint64_t now_tsc);

#endif
