/* What upf.ul and upf.dl do alike, on workers: the application of a packet
 * (applications), its session's termination for it (terminations_uplink or
 * _downlink, else the session's default app 0), the QERs in order (the
 * termination's meter, the session's AMBR, the slice's meter) and the
 * termination's usage counter (URR). */
#ifndef UP_TERM_H
#define UP_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include "pl_upf.h"

/* The app of pkts[idx[j]], j < k (inner IP at l3_off, slice in dp_meta):
 * the remote end is the destination uplink, the source downlink. */
void up_classify(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k,
		 bool uplink, uint16_t *app);

/* te[j]: the entry of (up_meta.session, app[j]) in table, else of
 * (session, 0), else the table's default (action *_NONE). up_meta.app
 * becomes the app whose entry it is. */
void up_terminations(struct dp_stage_ctx *ctx, int table, struct rte_mbuf **pkts, const uint16_t *idx,
		     unsigned int k, const uint16_t *app, const struct dp_entry **te);

/* The QERs of pkts[idx[j]] (te[j]: their terminations) in order: what a
 * meter drops gets its next[]. The survivors are compacted into idx and te
 * in order; returns how many. */
unsigned int up_qer(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
		    const struct dp_entry **te, uint16_t *next);

#endif
