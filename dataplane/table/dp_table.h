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

#include <stdint.h>
#include <stdbool.h>
#include <rte_common.h>

#define DP_TABLES_MAX      63  /* below 64: derivers watch tables by bit */
#define DP_KEY_FIELDS_MAX  12
#define DP_ACTIONS_MAX     8
#define DP_PARAMS_MAX      12
#define DP_KEY_MAX         64  /* bytes; key buffers are always this big */
#define DP_PARAMS_BYTES    40
#define DP_WORKERS_MAX     16
#define DP_LOOKUP_BURST    64
#define DP_WORKER_NONE     UINT32_MAX
#define DP_DENSE_MAX       (1u << 18) /* slots of a direct-index table at most */ /* lookup without counting (control side, or a second look) */

enum dp_match_kind { DP_MATCH_EXACT, DP_MATCH_LPM, DP_MATCH_TERNARY, DP_MATCH_RANGE };
/* DP_T_IPV6NET: an IPv6 /64 prefix, its 8 bytes (written and shown as an
 * IPv6 address whose last 64 bits are zero): a subscriber's prefix as an
 * exact key that fits the compact hash. */
enum dp_type { DP_T_U8, DP_T_U16, DP_T_U32, DP_T_U64, DP_T_PORT, DP_T_IPV4, DP_T_IPV6, DP_T_MAC, DP_T_IPV6NET };
enum dp_table_kind { DP_TK_EXACT, DP_TK_LPM, DP_TK_ACL };

/* Bytes of a value of type t (inline: the backends size ACL fields with it
 * and need nothing else of the schema code). */
static inline unsigned int
dp_type_size(enum dp_type t)
{
	switch (t) {
	case DP_T_U8: return 1;
	case DP_T_U16: case DP_T_PORT: return 2;
	case DP_T_U32: case DP_T_IPV4: return 4;
	case DP_T_U64: case DP_T_IPV6NET: return 8;
	case DP_T_MAC: return 6;
	case DP_T_IPV6: return 16;
	}
	return 0;
}

static inline unsigned int
dp_type_bits(enum dp_type t)
{
	return dp_type_size(t) * 8;
}

/* max: the largest value a field or param takes (0: its type's), refused
 * above it at write time. Exact keys whose bounded values span a small
 * space (a port and a VLAN, a bridge domain) are looked up by direct index. */
struct dp_field_def {
	const char *name;
	enum dp_type type;
	enum dp_match_kind match;
	uint32_t max;
};

/* opt: a write may leave it out (then 0), and a read leaves it out when 0:
 * for lists of ids where 0 is "none" (a flood list's tunnels). */
struct dp_param_def {
	const char *name;
	enum dp_type type;
	uint32_t max;
	bool opt;
};

struct dp_action_def {
	const char *name;
	uint8_t n_params;
	struct dp_param_def params[DP_PARAMS_MAX];
};

/* Declared once, in C, by a pipeline. Key bytes are the fields packed in
 * order, every field in network byte order. Params are laid out with
 * natural alignment (see dp_type_align) so a pipeline can overlay a struct. */
struct dp_table_def {
	const char *name;
	uint32_t size;
	uint8_t n_fields;
	struct dp_field_def fields[DP_KEY_FIELDS_MAX];
	uint8_t n_actions;
	struct dp_action_def actions[DP_ACTIONS_MAX];
	uint8_t default_action;      /* index into actions; must take no params */
	const char *next_table;      /* shown by pipeline.describe */
	/* Entries whose action is in age_actions (bit a: action a; 0: none)
	 * are deleted after idle_timeout_s without a hit (table.config changes
	 * the timeout): a learned MAC, on a port or behind a tunnel. */
	uint8_t age_actions;
	uint32_t idle_timeout_s;
	/* Kept by its feature from other tables (a dp_table_deriver): the
	 * control socket reads it but never writes or clears it. */
	bool derived;
	/* No per-entry hit counters: for a big table whose entries count in
	 * their feature's own counters (the UPF's sessions and terminations,
	 * which URRs count): a lookup writes one random line less and the
	 * table holds 8 bytes per entry and worker less. Its entries read
	 * back with 0 hits and cannot age; the table's own hits and misses
	 * are still counted. */
	bool no_entry_hits;
};

/* What workers get back from a lookup: one cache line, immutable once
 * published (a modify publishes a new one). Entries live in a per-table
 * slab, so a backend names one by a 32-bit index; hit counters are per
 * worker and per control slot (idx), outside the read-mostly entries. */
#define DP_ENTRY_KEY 16
struct dp_entry {
	uint8_t key[DP_ENTRY_KEY];   /* small exact tables: the key, compared here */
	uint32_t idx;                /* control slot (DP_ENTRY_NO_SLOT: a default entry) */
	uint16_t action;
	uint16_t table;
	uint8_t params[DP_PARAMS_BYTES] __rte_aligned(8);
} __rte_cache_aligned;
#define DP_ENTRY_NO_SLOT UINT32_MAX

_Static_assert(sizeof(struct dp_entry) == RTE_CACHE_LINE_SIZE, "an entry is one line");

struct dp_table;

/* Snapshot of every backend, swapped whole by dataplane-atomic writes. */
struct dp_tables_root {
	void *backend[DP_TABLES_MAX];
	const struct dp_entry *deflt[DP_TABLES_MAX];
	uint64_t generation;
};

enum dp_update_type { DP_UPD_INSERT, DP_UPD_MODIFY, DP_UPD_DELETE, DP_UPD_DEFAULT };
enum dp_atomicity { DP_ATOM_CONTINUE, DP_ATOM_ROLLBACK, DP_ATOM_DATAPLANE };

/* One update in C form. For exact fields key holds the value; ternary:
 * key = value, mask = mask; range: key = min, mask = max; lpm: key =
 * address, plen = prefix length. */
struct dp_update {
	enum dp_update_type type;
	uint16_t table;
	uint8_t plen;
	uint32_t priority;           /* ACL tables: larger wins */
	uint16_t action;
	/* A derived update that applies only if the update this many places
	 * before it applied (0: on its own); see dp_table_deriver. */
	uint16_t after;
	uint8_t key[DP_KEY_MAX];
	uint8_t mask[DP_KEY_MAX];
	uint8_t params[DP_PARAMS_BYTES] __rte_aligned(8);
};

/* Read-back of an installed entry (control side). */
struct dp_entry_view {
	uint8_t key[DP_KEY_MAX];
	uint8_t mask[DP_KEY_MAX];
	uint8_t plen;
	uint32_t priority;
	uint16_t action;
	uint8_t params[DP_PARAMS_BYTES] __rte_aligned(8);
	uint64_t hits;
	uint64_t idle_ms;            /* since the hit counter last moved (as last scanned) */
};

struct dp_table_counts {
	uint64_t hits, misses;
};

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

/* A derived table (the switch's next hops, kept from its routes and
 * neighbours) changes in the same batch as what it derives from, so workers
 * never see one without the other whatever the atomicity. For each update
 * on one of its source tables, expand() may rewrite the update's params and
 * appends the updates it implies (at most DP_DERIVE_MAX) to out; it returns
 * how many, or -errno to refuse the update (then it appends and keeps
 * nothing). An appended update with after = 1 applies only if u applied
 * (in continue mode too). done() is then told the result of every update
 * of the batch, its own among them. A watcher that derives nothing (it
 * follows a table: the overlay's prober, the UPF's URRs) has no expand. */
#define DP_DERIVE_MAX 4
#define DP_DERIVERS_MAX 16
struct dp_table_deriver {
	uint64_t sources;            /* bitmask of table ids it watches (1ull << id) */
	int (*expand)(struct dp_update *u, const struct dp_update *batch, unsigned int n_batch,
		      struct dp_update *out);
	void (*done)(const struct dp_update *d, unsigned int n, const int *res);
};
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
 * tables). 1 with its action and params, 0 when absent or deleted. */
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

/* ---- worker lookups ----
 * Bulk lookup of n (<= DP_LOOKUP_BURST) keys, each a buffer of
 * dp_table_key_room() bytes (DP_KEY_MAX always does) laid out as the table's
 * key, zero past key_len. out[i] is the matching entry or the table's
 * default entry; never NULL. Returns the bitmask of hits. */
uint64_t dp_table_lookup(const struct dp_tables_root *root, unsigned int worker,
			 unsigned int table, const uint8_t **keys,
			 unsigned int n, const struct dp_entry **out);
/* The same for a table keyed by one u32 (an id: next hops, tunnels,
 * meters), ids[] in host order: a direct index with no key to build. */
uint64_t dp_table_lookup_ids(const struct dp_tables_root *root, unsigned int worker,
			     unsigned int table, const uint32_t *ids, unsigned int n,
			     const struct dp_entry **out);
/* A worker's memo of lookups (a feature's cache of what several tables
 * decided for a flow) is good while the versions of those tables are those
 * it read before it looked them up: a batch that touches a table bumps its
 * version before any entry it replaced is freed, so a memo stamped with
 * the current versions points at live entries. A memo hit counts as the
 * lookups it stands for (dp_table_count_hits): cnt[i] hits on entry e[i],
 * for i < n (a memo counts per burst what each of its slots stood for). */
uint64_t dp_table_version(unsigned int table);
void dp_table_count_hits(unsigned int worker, unsigned int table, const struct dp_entry *const *e,
			 const uint32_t *cnt, unsigned int n);

const struct dp_tables_root *dp_tables_root(void);

#endif
