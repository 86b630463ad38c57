/* P4-like match-action tables. A pipeline declares each table once (keys with
 * match kinds, actions with typed params, size, default action); the engine
 * picks the DPDK backend from the match kinds:
 *   all exact, small span -> a direct array of entry indices (DP_DENSE_MAX slots)
 *   all exact, <= 16 B    -> dp_em (compact buckets, key in the entry), in place
 *   all exact, longer     -> rte_hash, lock-free RW concurrency, in place
 *   exact... + one lpm    -> a dp_lpm4 (IPv4) or dp_lpm6 (IPv6) trie per value of
 *                            the exact part (a partition)
 *   any ternary or range  -> rte_acl, rebuilt on the side and swapped
 * Writers run on the control thread only. Workers are RCU QSBR readers that
 * read one root pointer per burst; every write returns after a grace period,
 * so when it returns every worker sees it. */
#ifndef DP_TABLE_H
#define DP_TABLE_H

#include "dp_ttypes.h"
#include "dp_tbackend.h"

/* ---- setup (main lcore, before workers start) ---- */
int dp_tables_init(unsigned int n_workers, int socket_id);
int dp_table_create(const struct dp_table_def *def);  /* returns table id or -errno */
/* A table a feature creates (dp_feature_tables): its id goes to *id; room
 * (0: not checked) is the bytes of the key buffers its stages build,
 * which the table's keys must fit. */
struct dp_table_spec {
	const struct dp_table_def *def;
	int *id;
	unsigned int room;
};
/* Size the table called name at size entries instead of its def's, when
 * it is created (the box's config). 0, -ENOSPC (too many), -EINVAL. */
int dp_table_size_set(const char *name, uint32_t size);
/* The size table name will be created at: the config's, else dflt (what
 * a feature whose bounds follow a table's size reads before making it). */
uint32_t dp_table_size_get(const char *name, uint32_t dflt);
/* A size the config may set that is no table's (a feature's own store:
 * the edge's connections), declared at the feature's init so the config's
 * check takes it. 0 or -ENOSPC. */
int dp_table_size_declare(const char *name);
bool dp_table_size_declared(const char *name);
void dp_tables_fini(void);

/* Workers: register once, report quiescence once per loop. */
void dp_tables_reader_online(unsigned int worker);
void dp_tables_reader_offline(unsigned int worker);
void dp_tables_quiescent(unsigned int worker);
/* Control thread: returns once every worker has been quiescent since the
 * call (what it read before is no longer in use). */
void dp_tables_sync(void);

/* ---- schema ---- */
unsigned int dp_tables_count(void);
const struct dp_table_def *dp_table_def(unsigned int id);
int dp_table_by_name(const char *name);
enum dp_table_kind dp_table_kind(unsigned int id);
unsigned int dp_table_key_len(unsigned int id);
/* Bytes of an entry's params: DP_PARAMS_BYTES, or DP_PARAMS_WIDE (wide). */
unsigned int dp_table_params_len(unsigned int id);
/* Bytes a lookup key buffer of this table needs (key_len rounded up for the
 * backends' wide compares); at most DP_KEY_MAX. */
unsigned int dp_table_key_room(unsigned int id);
unsigned int dp_table_field_off(unsigned int id, unsigned int field);
unsigned int dp_table_param_off(unsigned int id, unsigned int action, unsigned int param);
uint32_t dp_table_entries(unsigned int id);
const char *dp_type_name(enum dp_type t);
const char *dp_match_name(enum dp_match_kind m);
const char *dp_table_kind_name(enum dp_table_kind k);
/* What holds the table: "array", "dp_em", "rte_hash", "dp_lpm4", "dp_lpm6", "rte_acl". */
const char *dp_table_backend_name(unsigned int id);

/* ---- control writes ----
 * results[i] = 0, or -EEXIST, -ENOENT, -ENOSPC, -EINVAL, -ENOMEM, or
 * -ECANCELED (not applied because the batch was rolled back / aborted).
 * Returns 0 when every update applied, -ECANCELED when a rollback or
 * dataplane-atomic batch committed nothing, -EIO when some of a continue
 * batch failed. On return every worker sees the outcome. */
int dp_table_write(const struct dp_update *u, unsigned int n,
		   enum dp_atomicity mode, int *results);
int dp_table_clear(unsigned int id, uint32_t *deleted);
uint64_t dp_tables_generation(void);

/* Derived tables: a deriver (struct dp_table_deriver, dp_ttypes.h) joins
 * every later write (dp_tderive.c). 0, -ENOSPC. */
int dp_table_deriver_add(const struct dp_table_deriver *d);

/* Paged read in a stable order (by counter slot). *next is where the next
 * page starts, or UINT32_MAX at the end. Returns entries filled. */
unsigned int dp_table_read(unsigned int id, uint32_t offset, unsigned int limit,
			   struct dp_entry_view *out, uint32_t *next);
int dp_table_default_get(unsigned int id, struct dp_entry_view *out);
/* fn on every installed entry of table id, in dp_table_read's order, a
 * page at a time, until it returns non-zero: that value, else 0. */
int dp_table_each(unsigned int id, int (*fn)(const struct dp_entry_view *ev, void *arg), void *arg);
/* The installed entry whose match is u's match (table, key/mask/plen,
 * priority; the action part of u is ignored): 0 and *out, or -ENOENT. */
int dp_table_get(const struct dp_update *u, struct dp_entry_view *out);
/* The last update of batch[0..n) to (table, key) (defaults aside), or NULL. */
const struct dp_update *dp_table_batch_last(int table, const uint8_t *key, const struct dp_update *batch,
					    unsigned int n);
/* What a batch leaves at (table, key), for write checks and derivers:
 * extra (when given and of that key) as the last word, else the last
 * update of batch[0..n) to that key, else the installed entry (exact
 * tables). 1 with its action and params (dp_table_params_len bytes), 0
 * when absent or deleted. */
int dp_table_batch_view(int table, const uint8_t *key, const struct dp_update *batch, unsigned int n,
			const struct dp_update *extra, uint16_t *action, uint8_t *params);
/* Control-side exact lookup of one key (no counting): the live entry or NULL. */
const struct dp_entry *dp_table_find(unsigned int id, const uint8_t *key);
/* Idle ageing: scan every table that ages, delete what idled past its
 * timeout. Call about once a second from the control thread. Returns the
 * number of entries aged out; per_table[id] gets each table's count. */
unsigned int dp_tables_age(uint64_t now_tsc, unsigned int *per_table);
int dp_table_set_idle_timeout(unsigned int id, uint32_t seconds);
uint32_t dp_table_idle_timeout(unsigned int id);
struct dp_table_counts dp_table_counts(unsigned int id);

const struct dp_tables_root *dp_tables_root(void);
/* A count that is odd while a batch is being applied and moves with each:
 * read even and equal before and after some work, no table changed in
 * between (a fast path's run-time check trusts a difference only then). */
uint64_t dp_tables_write_seq(void);

#endif
