/* A worker's memo of one table's lookups (dp_memo.c): a bounded,
 * direct-mapped cache of key -> entry (SMC-like) in front of a classifier
 * that costs more than a probe (rte_acl: the overlay's classes, the UPF's
 * applications). A slot is keyed by the key masked with the bits some
 * rule looks at (dp_table_care: a site's thousands of flows fall in a few
 * classes, and so into a few slots) and keeps that whole, so a hit is the
 * entry the lookup would give, never a colliding key's; slots are stamped
 * with the table's version (dp_table_version), so a write takes effect on
 * the next burst. Hits count as the lookups they stand for (per entry and per
 * table, misses too). It bypasses itself while its hit rate is too low to
 * pay (many flows: it would thrash) or it costs more a key than the lookup
 * (timed on both sides), and while the table is empty, and tries again
 * with a growing backoff. No allocation, no lock on workers. */
#ifndef DP_MEMO_H
#define DP_MEMO_H

#include <stdint.h>
#include "dp_table.h"

struct dp_memo;

/* What a memo did, summed over its workers. */
struct dp_memo_stats {
	uint64_t probes;       /* keys it was asked for while on */
	uint64_t hits;         /* of those, answered from a slot */
	uint64_t bypassed;     /* keys looked up with the memo off (adaptive) */
	uint64_t sampled;      /* keys looked up to time the lookup, the memo on */
};

/* A memo of table's lookups for workers 0..workers-1, slots (a power of
 * two, 16..1M) each; it bypasses itself while fewer than min_hit_pct of its
 * probes hit or it costs more than the lookup (0: never, and never timed).
 * The memo's memory is slots * a cache line or two
 * per worker. NULL on bad arguments or no memory. Main lcore, after the
 * table exists. */
struct dp_memo *dp_memo_create(unsigned int table, unsigned int slots, unsigned int min_hit_pct,
			       unsigned int workers);
void dp_memo_free(struct dp_memo *m);

/* dp_table_lookup(root, worker, table, keys, n, out) through the memo:
 * the same out[] and hit mask, counted the same. A worker outside the
 * memo's (DP_WORKER_NONE) just looks up. */
uint64_t dp_memo_lookup(struct dp_memo *m, const struct dp_tables_root *root, unsigned int worker,
			const uint8_t **keys, unsigned int n, const struct dp_entry **out);

/* Read from any thread (approximate while workers run). */
void dp_memo_stats(const struct dp_memo *m, struct dp_memo_stats *out);

#endif
