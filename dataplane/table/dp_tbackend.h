/* Table engine, worker side (dp_tbackend.c): the lookups a stage makes and
 * the versions a memo of them is checked against. Pipelines include it
 * through dp_table.h. */
#ifndef DP_TBACKEND_H
#define DP_TBACKEND_H

#include <stdbool.h>

#include "dp_ttypes.h"

/* ---- worker lookups ----
 * Bulk lookup of n (<= DP_LOOKUP_BURST) keys, each a buffer of
 * dp_table_key_room() bytes (DP_KEY_MAX always does) laid out as the table's
 * key, zero past key_len. out[i] is the matching entry or the table's
 * default entry; never NULL. Returns the bitmask of hits. */
uint64_t dp_table_lookup(const struct dp_tables_root *root, unsigned int worker,
			 unsigned int table, const uint8_t **keys,
			 unsigned int n, const struct dp_entry **out);
/* dp_table_lookup for keys that come in runs (a burst's packets of one
 * interface, VRF, tunnel or peer): a key equal to the one before it takes
 * that one's entry without a lookup (a one-entry cache that lives for the
 * call, so it never outlives the entry), counted as its hit or miss all
 * the same. Same results and counts as dp_table_lookup. */
uint64_t dp_table_lookup_runs(const struct dp_tables_root *root, unsigned int worker,
			      unsigned int table, const uint8_t **keys,
			      unsigned int n, const struct dp_entry **out);
/* The same for a table keyed by one u32 (an id: next hops, tunnels,
 * meters), ids[] in host order: a direct index with no key to build. */
uint64_t dp_table_lookup_ids(const struct dp_tables_root *root, unsigned int worker,
			     unsigned int table, const uint32_t *ids, unsigned int n,
			     const struct dp_entry **out);
/* An IPv4 lpm table's lookup of n addresses (host order) in the one
 * partition whose exact part is part (the table's first part_len key bytes:
 * a VRF) — what a stage whose burst is of one VRF asks, without a key to
 * build a packet or a partition to find per run. Same results and counts
 * as dp_table_lookup of the keys (part, ip[i]); another table shape is
 * taken by that. */
uint64_t dp_table_lookup_lpm4(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
			      const uint8_t *part, const uint32_t *ip, unsigned int n,
			      const struct dp_entry **out);
/* A worker's memo of lookups (a feature's cache of what several tables
 * decided for a flow) is good while the versions of those tables are those
 * it read before it looked them up: a batch that touches a table bumps its
 * version before any entry it replaced is freed, so a memo stamped with
 * the current versions points at live entries. A memo hit counts as the
 * lookups it stands for (dp_table_count_hits): cnt[i] hits on entry e[i],
 * for i < n (a memo counts per burst what each of its slots stood for). */
uint64_t dp_table_version(unsigned int table);
/* The stamp a memo of @root's lookups reads and fills its slots with in
 * this walk: 1 + @versions (the sum of its tables' dp_table_version, read
 * before any lookup), or 0 (no memo this burst: neither read nor fill)
 * when a dataplane-atomic write swapped the root since the walk read
 * @root, so that its lookups are older than those versions. */
uint64_t dp_table_memo_stamp(const struct dp_tables_root *root, uint64_t versions);
/* What a ternary (rte_acl) table's rules look at (dp_tcare.h): its
 * answer for a key depends on the key as dp_tcare_key makes it alone, so
 * a memo may key on that (many flows, few classes: one slot a class).
 * Read as a seqlock (rte_seqlock): dp_table_care gives it and its
 * sequence in *@seq, NULL for a table of another shape; what was read
 * under @seq is good while dp_table_care_held (it was not being written,
 * and has not been since). It covers every rule of any context a lookup
 * meets while it holds. */
struct dp_tcare;
const struct dp_tcare *dp_table_care(const struct dp_tables_root *root, unsigned int table, uint32_t *seq);
bool dp_table_care_held(const struct dp_tables_root *root, unsigned int table, uint32_t seq);
void dp_table_count_hits(unsigned int worker, unsigned int table, const struct dp_entry *const *e,
			 const uint32_t *cnt, unsigned int n);
/* The same by the entries' control slots (dp_entry.idx), where a caller
 * keeps a copy of what an entry holds rather than the entry (a meter's
 * line, pl_qos.c): no entry's line read. Workers. */
void dp_table_count_hits_idx(unsigned int worker, unsigned int table, const uint32_t *idx, const uint32_t *cnt,
			     unsigned int n);
/* n misses of table (lookups that took its default), where a memo stood
 * for them. */
void dp_table_count_misses(unsigned int worker, unsigned int table, uint64_t n);
#endif
