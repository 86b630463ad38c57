/* What upf.ul and upf.dl do alike, on workers: the application of a
 * packet or frame (applications(6), eth_applications), its session's
 * termination for it (terminations_uplink or _downlink, else the session
 * entry's own), the QERs in order (the termination's meter, the session's
 * AMBR, the slice's meter). */
#ifndef UP_TERM_H
#define UP_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include "up_state.h"

/* The workers' memos of the applications lookups (after the tables
 * exist). 0 or -ENOMEM. */
int up_term_init(unsigned int workers);
void up_term_fini(void);

/* The AMBR meters of pkts[idx[j]]'s sessions warmed for up_qer (called
 * before the terminations' lookups, which hide the misses): upf.dl's, for
 * upf.n6's sessions (upf.in asks for its sessions' as it finds them). */
void up_ambr_prefetch(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, const uint16_t *idx, unsigned int k);

/* te[j]: the termination pkts[idx[j]] takes: its session entry's own,
 * unless the session has per-app ones (apps) and one is its app's
 * (applications or applications6, eth_applications for an Ethernet PDU
 * session's frames; then, uplink, the one its sessions_uplink entry holds
 * inline, copied into inl[j] (room for k), else terminations_uplink or
 * _downlink). up_meta.app becomes the app whose termination it is (0: the
 * session's). */
void up_terminations(struct dp_stage_ctx *ctx, bool uplink, struct rte_mbuf **pkts, const uint16_t *idx,
		     unsigned int k, const struct dp_entry **te, struct dp_entry *inl);

/* The QERs of pkts[idx[j]] (te[j]: their terminations) in order: what a
 * meter drops gets its next[]. The survivors are compacted into idx and te
 * in order; returns how many. */
unsigned int up_qer(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t *idx, unsigned int k,
		    const struct dp_entry **te, uint16_t *next);

#endif
