/* Compact exact-match hash for keys of up to 16 bytes: the table engine's
 * backend for small exact keys (MACs, 5-tuples, (vrf, ip)). One 64-byte
 * bucket line per lookup (eight 16-bit signatures and eight 32-bit values),
 * then the caller's record, which holds the key and what the key maps to,
 * so a hit costs two cache lines where rte_hash costs three or four.
 *
 * Values are indices into the caller's record array (base, stride): the key
 * is compared in the record the value names, the record the caller reads
 * next anyway. One writer (the control thread), any number of lock-free
 * readers: a reader sees a key's old value or its new one, never another
 * key's. Writers follow the reader rules below; records a value named stay
 * readable until the caller's grace period ends (RCU).
 *
 *   add:      the record is written first, then the value, then the signature
 *   replace:  one 32-bit store of the new value
 *   delete:   the signature is cleared; the slot may be reused at once (a
 *             reader that still holds the old signature compares keys)
 *   move:     an entry is only ever moved from its first bucket to its
 *             second, copied before it is cleared, and readers look in the
 *             first bucket before the second, so a moved key is never missed
 *             (a chain of moves is such moves one at a time, the last first)
 */
#ifndef DP_EM_H
#define DP_EM_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>

#define DP_EM_KEY_MAX	16
#define DP_EM_BURST	64
#define DP_EM_MISS	UINT32_MAX

struct dp_em;

/* Two 16-byte keys equal? (Zero-padded keys: also the table engine's
 * compare for runs of equal keys.) */
static inline bool
dp_em_key_eq(const uint8_t *a, const uint8_t *b)
{
	const unaligned_uint64_t *x = (const unaligned_uint64_t *)a, *y = (const unaligned_uint64_t *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* A table for up to max_entries keys whose values index records of stride
 * bytes from base, each with its 16-byte key (zero-padded) at key_off.
 * buckets (8 keys each; any number but 1) 0: enough that max_entries fill
 * them to 80 % (an add moves keys up to three buckets deep to find room,
 * which still succeeds past 90 %); tests crowd them on purpose.
 * NULL on no memory or bad arguments (errno set). socket: the NUMA node. */
struct dp_em *dp_em_create(uint32_t max_entries, uint32_t buckets, const void *base,
			   uint32_t stride, uint32_t key_off, int socket);
void dp_em_free(struct dp_em *em);
/* A new table with the same contents and layout (the table engine's
 * shadow of a table, made once: later batches keep it equal by key). */
struct dp_em *dp_em_clone(const struct dp_em *em);

/* Map key (16 bytes, zero-padded) to val; an existing key's value is
 * replaced. The record val names must already hold the key. 0, -ENOSPC. */
int dp_em_add(struct dp_em *em, const uint8_t *key, uint32_t val);
/* 0, -ENOENT. */
int dp_em_del(struct dp_em *em, const uint8_t *key);
uint32_t dp_em_count(const struct dp_em *em);
/* Entries moved to their second bucket to make room, since creation. */
uint64_t dp_em_moves(const struct dp_em *em);
/* Bytes of the table's own memory (buckets). */
uint64_t dp_em_bytes(const struct dp_em *em);

/* Look n (<= DP_EM_BURST) keys up: vals[i] is the value or DP_EM_MISS.
 * A key's bucket is asked for, read some keys later (its record asked
 * for), and the record compared some keys later again, so the loads of one
 * packet overlap the work on the others. Returns the hit mask. */
uint64_t dp_em_lookup_bulk(const struct dp_em *em, const uint8_t *const *keys, unsigned int n,
			   uint32_t *vals);
/* One key (control side). */
uint32_t dp_em_lookup(const struct dp_em *em, const uint8_t *key);
/* Start loading key's first bucket (a writer about to change a run of keys). */
void dp_em_prefetch(const struct dp_em *em, const uint8_t *key);

#endif
