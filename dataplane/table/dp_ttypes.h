/* The table engine's types: declarations (keys, actions, params), entries,
 * updates, read-backs, derivers. A header of their own that includes nothing
 * of the engine, so the engine's lower parts (dp_trec, dp_tbackend) and its
 * users share them without the control side's calls (dp_table.h). */
#ifndef DP_TTYPES_H
#define DP_TTYPES_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_common.h>

#define DP_TABLES_MAX      63  /* below 64: derivers watch tables by bit */
#define DP_KEY_FIELDS_MAX  12
#define DP_ACTIONS_MAX     12
#define DP_PARAMS_MAX      24  /* a UPF uplink session with its inline app termination (21) */
#define DP_KEY_MAX         64  /* bytes; key buffers are always this big */
#define DP_PARAMS_BYTES    40
/* A wide table's entries take two lines: their params run on into the
 * second (IPv6 addresses: a path's three take 48 bytes). */
#define DP_PARAMS_WIDE     (DP_PARAMS_BYTES + 64)
#define DP_WORKERS_MAX     16
#define DP_LOOKUP_BURST    64
#define DP_WORKER_NONE     UINT32_MAX
#define DP_DENSE_MAX       (1u << 18) /* slots of a direct-index table at most */ /* lookup without counting (control side, or a second look) */

enum dp_match_kind { DP_MATCH_EXACT, DP_MATCH_LPM, DP_MATCH_TERNARY, DP_MATCH_RANGE };
/* DP_T_IPV6NET: an IPv6 /64 prefix, its 8 bytes (written and shown as an
 * IPv6 address whose last 64 bits are zero): a subscriber's prefix as an
 * exact key that fits the compact hash. */
/* DP_T_IP: an address of either family in 16 bytes, IPv4 as IPv4-mapped
 * (dp_addr_ip_any): written and shown as either; as a ternary field an
 * IPv4 value's mask covers the mapped prefix too, so it matches IPv4 only. */
/* DP_T_STR: a param only (never a key field), a text of at most its
 * declaration's max bytes (1..), kept in that many bytes, NUL-padded:
 * printable ASCII (0x20..0x7e) alone, so that what a feature copies into
 * a packet (a header line) can carry no CR, LF or other control byte. */
enum dp_type { DP_T_U8, DP_T_U16, DP_T_U32, DP_T_U64, DP_T_PORT, DP_T_IPV4, DP_T_IPV6, DP_T_MAC, DP_T_IPV6NET,
	       DP_T_IP, DP_T_STR };
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
	case DP_T_IPV6: case DP_T_IP: return 16;
	case DP_T_STR: return 0;   /* its declaration's: dp_param_size */
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

/* max of a str param: its length at most (bytes), not a value.
 * opt: a write may leave it out (then 0), and a read leaves it out when 0:
 * for lists of ids where 0 is "none" (a flood list's tunnels).
 * bit (1..8): a flag (a u8 whose max is 1, written and read as 0 or 1)
 * kept in bit bit-1 of a byte it shares with the flags declared next to
 * it, not in a byte of its own: bit 1 starts the byte, bit n+1 follows
 * bit n. An entry's params are DP_PARAMS_BYTES: a UPF session's flags
 * take one byte of them, not one each. */
struct dp_param_def {
	const char *name;
	enum dp_type type;
	uint32_t max;
	bool opt;
	uint8_t bit;
};

/* Bytes a param of declaration pd takes in an entry's params. */
static inline unsigned int
dp_param_size(const struct dp_param_def *pd)
{
	return pd->type == DP_T_STR ? pd->max : dp_type_size(pd->type);
}

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
	/* Params up to DP_PARAMS_WIDE bytes: each entry takes two cache
	 * lines, the second read only by what needs the params there. */
	bool wide;
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
	uint8_t params[DP_PARAMS_WIDE] __rte_aligned(8);
};

/* Read-back of an installed entry (control side). */
struct dp_entry_view {
	uint8_t key[DP_KEY_MAX];
	uint8_t mask[DP_KEY_MAX];
	uint8_t plen;
	uint32_t priority;
	uint16_t action;
	uint8_t params[DP_PARAMS_WIDE] __rte_aligned(8);
	uint64_t hits;
	uint64_t idle_ms;            /* since the hit counter last moved (as last scanned) */
};

struct dp_table_counts {
	uint64_t hits, misses;
};

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

#endif
