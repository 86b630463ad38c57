/* Table engine internals shared by dp_table.c (schema, transactions,
 * reads), dp_tbackend.c (the DPDK backends and the worker lookup), dp_trec.c
 * (control records) and dp_tderive.c (writes through the derivers). Not for
 * pipelines: they use dp_table.h. It includes nothing above the engine's
 * lower parts: dp_table.c calls down into them, never they up into it. */
#ifndef DP_TABLE_INT_H
#define DP_TABLE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <rte_seqlock.h>

#include "dp_em.h"
#include "dp_lpm4.h"
#include "dp_lpm6.h"
#include "dp_tcare.h"
#include "dp_ttypes.h"

#define CTL_KEY_LEN(key_len) (2 * (key_len) + 5)	/* key, mask, plen, priority */
#define IDX_NONE UINT32_MAX

RTE_ACL_RULE_DEF(acl_rule, RTE_ACL_MAX_FIELDS);

/* What the control side keeps of one entry, by control slot (8 bytes: a
 * million-entry table's slots take 8 MB). Its match is in the table's
 * match store, sized to the table's key (dp_trec_get); an em table keeps
 * none, its keys are in the entries. */
struct ctl_slot {
	uint32_t ent;            /* its entry's ref; a free slot: the next free one */
	uint8_t plen;
	bool used;
};

/* Hit bookkeeping of one slot: kept only by tables that count hits. */
struct ctl_age {
	uint64_t carried;        /* hits of the entries this one replaced (modify) */
	uint64_t seen_hits;      /* hit counter at the last age scan ... */
	uint64_t active_tsc;     /* ... and when it last moved */
};

/* A slot's record in full: what writes and backends work on (the key and
 * mask zero past the table's key). */
struct ctl_rec {
	bool used;
	uint8_t plen;
	uint32_t priority;
	uint8_t key[DP_KEY_MAX];
	uint8_t mask[DP_KEY_MAX];
	struct dp_entry *e;
};

struct wcnt {
	uint64_t hits, misses;
} __rte_cache_aligned;

/* LPM backend: one trie per value of the exact part (a partition): a
 * dp_lpm4, or a dp_lpm6 when the table's prefix is IPv6 (then lpm is NULL). */
struct lpm_part {
	struct dp_lpm4 *lpm;
	struct dp_lpm6 *lpm6;
	uint32_t dflt;           /* entry ref + 1 of the /0 route (the trie has no depth 0); 0 = none */
	uint32_t refs;           /* backends sharing it (a dataplane-atomic clone shares
				  * every partition it does not change: copy on write) */
	uint8_t key[DP_KEY_MAX]; /* the exact part naming this partition */
};

struct lpm_backend {
	struct lpm_part **dir;    /* 2-byte exact part (a VRF) -> its partition, by value */
	struct rte_hash *parts;   /* longer exact part -> struct lpm_part *; NULL if none */
	struct lpm_part *only;    /* the single partition when there is no exact part */
	struct lpm_part **all;    /* control-side list, for teardown and clone */
	uint32_t n_all, cap_all;
};

struct acl_backend {
	struct rte_acl_ctx *ctx; /* NULL until the first rule */
	/* What the rules of ctx look at (dp_table_care): written on the
	 * control side, read by memos as a seqlock's data. */
	rte_seqlock_t care_lock;
	struct dp_tcare care;
};

/* The worker lookup of one table shape (dp_tbackend.c): be is the live
 * backend (never NULL), hits the worker's counters (NULL: do not count). */
typedef uint64_t dp_tlookup_fn(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
			       uint64_t *hits, const uint8_t **keys, unsigned int n,
			       const struct dp_entry **out);

/* A field of a dense key: where it is and what it weighs in the slot. */
struct dense_field {
	uint16_t off;
	uint8_t size;
	uint32_t max;
	uint32_t mul;
};

struct dp_table {
	struct dp_table_def def;
	dp_tlookup_fn *lookup;   /* bound at create from the key's shape */
	uint16_t id;
	enum dp_table_kind kind;
	uint16_t key_len;        /* packed key bytes */
	uint16_t hash_len;       /* exact: key_len rounded up for rte_hash's fast compares */
	uint16_t field_off[DP_KEY_FIELDS_MAX];
	uint16_t param_off[DP_ACTIONS_MAX][DP_PARAMS_MAX];
	uint16_t part_len;        /* lpm: bytes of exact part */
	uint16_t lpm_off;
	bool lpm6;                /* lpm: the prefix is IPv6 (dp_lpm6 tries) */

	/* acl layout */
	struct rte_acl_config acl_cfg;
	unsigned int acl_nf;
	struct { uint8_t field; uint8_t chunk; } acl_map[RTE_ACL_MAX_FIELDS];

	/* one more per batch that touched the table: workers read it */
	uint64_t version __rte_cache_aligned;
	struct wcnt wcnt[DP_WORKERS_MAX];
	uint64_t *hits[DP_WORKERS_MAX];     /* per worker, by control slot */
	bool em;                            /* exact with a key of <= 16 bytes: dp_em */
	bool dense;                         /* exact over a small span: a direct array */
	void *shadow;                       /* exact: a backend equal in content to the
					     * live one, which no worker reads (NULL until
					     * the first dataplane-atomic batch, or dropped) */
	uint64_t clone_bytes;               /* exact: bytes its dataplane-atomic clones copied */
	uint32_t dense_n;                   /* its slots: the product of (max + 1) */
	struct dense_field dfield[DP_KEY_FIELDS_MAX];

	/* the entry slab: live entries, and those a batch replaced until its
	 * grace period ends; a free entry's idx links the next free one */
	struct dp_entry *ent;
	uint8_t ent_wide;                   /* log2 of an entry's lines: wide tables 1 */
	uint8_t params_len;                 /* DP_PARAMS_BYTES, wide: DP_PARAMS_WIDE */
	uint32_t ent_free;                  /* the first freed entry, IDX_NONE: none */
	uint32_t ent_fresh;                 /* entries from here on never used: handed out
					     * after the freed ones, so that a table's memory
					     * is touched as it fills, not when it is made */
	uint32_t n_ent_free, ent_cap;

	struct ctl_slot *slot;              /* control side, by idx */
	uint8_t *match;                     /* each slot's key (and mask: lpm, acl;
					     * and priority: acl) */
	uint16_t match_len;                 /* bytes of it a slot takes */
	struct ctl_age *age;                /* by idx; NULL: no hits counted */
	struct rte_hash *ctl_index;         /* canonical match -> idx (not em) */
	struct dp_em *ctl_em;               /* em: key -> entry ref, whose idx */
	uint32_t free_idx;                  /* the first freed slot, IDX_NONE: none */
	uint32_t slot_fresh;                /* slots from here on never used (as ent_fresh) */
	uint32_t n_free;
	uint32_t n_entries;
	struct dp_entry *deflt;
};

struct dp_tables_state {
	struct dp_table *t[DP_TABLES_MAX];
	unsigned int n;
	unsigned int n_workers;
	int socket;
	struct rte_rcu_qsbr *rcu;
	struct dp_tables_root *root;
	uint64_t generation;
	uint64_t writes_seq;     /* odd while a batch is applied (dp_tables_write_seq) */
	unsigned int seq;        /* unique DPDK object names */
};

/* The engine's state: filled by the control side (dp_table.c), read by the
 * workers' lookups; defined with them (dp_tbackend.c). */
extern struct dp_tables_state dp_tg;

/* Tests only (NULL otherwise): called by a dataplane-atomic batch between
 * building its new backends and swapping them in, the window in which
 * workers still count hits on the entries the batch replaces; a test hits
 * them there. */
extern void (*dp_table_swap_hook)(void);

/* A field's value, key bytes in network order (sizes 1, 2, 4, 8). */
static __rte_always_inline uint64_t
dp_dense_val(const uint8_t *p, unsigned int size)
{
	switch (size) {
	case 1: return p[0];
	case 2: return rte_be_to_cpu_16(*(const unaligned_uint16_t *)p);
	case 4: return rte_be_to_cpu_32(*(const unaligned_uint32_t *)p);
	default: return rte_be_to_cpu_64(*(const unaligned_uint64_t *)p);
	}
}

/* A dense table's slot for key: the fields' values in mixed radix, or
 * UINT32_MAX when one is above its bound (no entry can hold it). nf is the
 * table's field count, a constant where the lookup is specialised. */
static __rte_always_inline uint32_t
dp_dense_slot_n(const struct dp_table *t, const uint8_t *key, unsigned int nf)
{
	uint32_t slot = 0;
	bool over = false;

	for (unsigned int f = 0; f < nf; f++) {
		const struct dense_field *d = &t->dfield[f];
		uint64_t v = dp_dense_val(key + d->off, d->size);

		over |= v > d->max;
		slot += (uint32_t)v * d->mul;
	}
	return over ? UINT32_MAX : slot;
}

static inline uint32_t
dp_dense_slot(const struct dp_table *t, const uint8_t *key)
{
	return dp_dense_slot_n(t, key, t->def.n_fields);
}

static inline uint32_t
dp_entry_ref(const struct dp_table *t, const struct dp_entry *e)
{
	return (uint32_t)((e - t->ent) >> t->ent_wide);
}

/* The entry at slab index i. */
static inline struct dp_entry *
dp_tent(const struct dp_table *t, uint32_t i)
{
	return &t->ent[(size_t)i << t->ent_wide];
}

/* backends (dp_tbackend.c) */
int dp_tbe_acl_layout(struct dp_table *t);
/* A batch as dp_table_write applies it, without its derivers (dp_tderive.c
 * adds their updates first). */
int dp_table_write_batch(const struct dp_update *u, unsigned int n, enum dp_atomicity mode, int *results);
/* What clearing table id deletes: the delete of every installed record, in
 * *u (malloc'd, at least one element), *n of them. 0, -EINVAL, -ENOMEM. */
int dp_table_deletes_all(unsigned int id, struct dp_update **u, uint32_t *n);
/* What ageing deletes from table id at now (tsc): the delete of every
 * record idle past the timeout, in *u (malloc'd; NULL when none), *n of
 * them; a record whose hits moved is stamped active at now instead. */
void dp_table_deletes_idle(unsigned int id, uint64_t now, struct dp_update **u, unsigned int *n);
/* Choose t's worker lookup (and a dense table's slot weights) from its shape. */
void dp_tbe_bind(struct dp_table *t);
void *dp_tbe_new(struct dp_table *t);
void dp_tbe_free(struct dp_table *t, void *be);
void *dp_tbe_clone(struct dp_table *t);
int dp_tbe_add(struct dp_table *t, void *be, const struct ctl_rec *r);
int dp_tbe_del(struct dp_table *t, void *be, const struct ctl_rec *r, int32_t *pos);
void dp_tbe_prefetch(const struct dp_table *t, const void *be, const uint8_t *key);
void dp_tbe_reclaim(struct dp_table *t);
int dp_tbe_acl_build(struct dp_table *t, struct acl_backend *be, struct rte_acl_ctx **old);
/* Tests: 0 when an exact table's shadow maps exactly the keys of its
 * control records to their entries, as the live backend does, and holds
 * nothing else; -ENOENT without a shadow, -EIO when they differ. */
int dp_tbe_shadow_check(const struct dp_table *t);

#endif
