/* Control records of the table engine (dp_table.c's writes and reads,
 * dp_tbackend.c's clones): each installed entry's slot, its match in the
 * table's match store, the free list of slots, and the control index that
 * finds a slot by match. Not for pipelines. */
#ifndef DP_TREC_H
#define DP_TREC_H

#include "dp_table_int.h"

/* A free slot (hit counters and carried hits zeroed), IDX_NONE: none. */
uint32_t dp_trec_take(struct dp_table *t);
/* Back on the free list (after the grace period of the batch that freed it). */
void dp_trec_give(struct dp_table *t, uint32_t idx);
/* Slot idx's record in full. */
void dp_trec_get(const struct dp_table *t, uint32_t idx, struct ctl_rec *r);
/* Slot idx becomes r (its match, in the match store). */
void dp_trec_put(struct dp_table *t, uint32_t idx, const struct ctl_rec *r);
/* u's match in canonical form: bits outside a mask or prefix zero, so
 * equal matches compare equal and a packet key can hit them. 0, -EINVAL. */
int dp_trec_canon(const struct dp_table *t, const struct dp_update *u, struct ctl_rec *r);
/* The slot of r's match, IDX_NONE: none. */
uint32_t dp_trec_find(const struct dp_table *t, const struct ctl_rec *r);
/* n records' slots (n <= DP_EM_BURST), their loads overlapped. */
void dp_trec_find_bulk(const struct dp_table *t, const struct ctl_rec *r, unsigned int n, uint32_t *idx);
/* r's match -> slot idx, whose entry is r->e (replacing what it named). 0, -ENOSPC. */
int dp_trec_index(struct dp_table *t, const struct ctl_rec *r, uint32_t idx);
void dp_trec_unindex(struct dp_table *t, const struct ctl_rec *r);
/* LPM: the longest route in r's partition shorter than r (NULL: none; the
 * /0 is kept apart), and its length. */
const struct dp_entry *dp_trec_cover(const struct dp_table *t, const struct ctl_rec *r, uint8_t *depth);

/* Slot idx's entry. */
static inline struct dp_entry *
dp_trec_entry(const struct dp_table *t, uint32_t idx)
{
	return dp_tent(t, t->slot[idx].ent);
}

#endif
