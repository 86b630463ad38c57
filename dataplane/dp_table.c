/* Table engine: schema, backends (rte_hash / rte_lpm / rte_acl), RCU, and
 * transactional writes. See dp_table.h for the model.
 *
 * Control state: every installed entry owns a counter slot ("idx"); the
 * control record of that slot keeps its canonical match so writes can find,
 * undo and read it back. Backends only map keys to idx; dp_entry objects are
 * immutable and reached through by_idx[], so one entry is shared by a live
 * backend and its dataplane-atomic clone. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_hash_crc.h>
#include <rte_lpm.h>
#include <rte_acl.h>
#include <rte_rcu_qsbr.h>
#include <rte_byteorder.h>
#include <rte_log.h>
#include <rte_prefetch.h>

#include "dp_table.h"

#define CTL_KEY_LEN (2 * DP_KEY_MAX + 5)
#define IDX_NONE UINT32_MAX
#define LPM_TBL8S 1024

RTE_ACL_RULE_DEF(acl_rule, RTE_ACL_MAX_FIELDS);

struct ctl_rec {
	bool used;
	uint8_t plen;
	uint32_t priority;
	uint8_t key[DP_KEY_MAX];
	uint8_t mask[DP_KEY_MAX];
	struct dp_entry *e;
	uint64_t carried;        /* hits of the entries this one replaced (modify) */
	uint64_t seen_hits;      /* hit counter at the last age scan ... */
	uint64_t active_tsc;     /* ... and when it last moved */
};

struct wcnt {
	uint64_t hits, misses;
} __rte_cache_aligned;

/* LPM backend: one rte_lpm per value of the exact part (a VRF). */
struct lpm_vrf {
	struct rte_lpm *lpm;
	uint32_t dflt;           /* idx + 1 of the /0 route (rte_lpm has no depth 0); 0 = none */
	uint32_t refs;           /* backends sharing it (a dataplane-atomic clone shares
				  * every VRF it does not change: copy on write) */
	uint8_t key[DP_KEY_MAX]; /* the exact part naming this VRF */
};

struct lpm_backend {
	struct rte_hash *vrfs;   /* exact part -> struct lpm_vrf *; NULL if none */
	struct lpm_vrf *only;    /* the single VRF when there is no exact part */
	struct lpm_vrf **all;    /* control-side list, for teardown and clone */
	uint32_t n_all, cap_all;
};

struct acl_backend {
	struct rte_acl_ctx *ctx; /* NULL until the first rule */
};

struct dp_table {
	struct dp_table_def def;
	uint16_t id;
	enum dp_table_kind kind;
	uint16_t key_len;        /* packed key bytes */
	uint16_t hash_len;       /* exact: key_len rounded up for rte_hash's fast compares */
	uint16_t field_off[DP_KEY_FIELDS_MAX];
	uint16_t param_off[DP_ACTIONS_MAX][DP_PARAMS_MAX];
	uint16_t vrf_len;        /* lpm: bytes of exact part */
	uint16_t lpm_off;

	/* acl layout */
	struct rte_acl_config acl_cfg;
	unsigned int acl_nf;
	struct { uint8_t field; uint8_t chunk; } acl_map[RTE_ACL_MAX_FIELDS];

	struct dp_entry **by_idx;           /* worker visible */
	struct wcnt wcnt[DP_WORKERS_MAX];

	struct ctl_rec *rec;                /* control side, by idx */
	struct rte_hash *ctl_index;         /* canonical match -> idx */
	uint32_t *free_idx;
	uint32_t n_free;
	uint32_t n_entries;
	struct dp_entry *deflt;
	uint64_t cnt_base_hits, cnt_base_misses;
};

static struct {
	struct dp_table *t[DP_TABLES_MAX];
	unsigned int n;
	unsigned int n_workers;
	int socket;
	struct rte_rcu_qsbr *rcu;
	struct dp_tables_root *root;
	uint64_t generation;
	unsigned int seq;        /* unique DPDK object names */
} g;

/* ------------------------------------------------------------------ types */

unsigned int
dp_type_size(enum dp_type t)
{
	switch (t) {
	case DP_T_U8: return 1;
	case DP_T_U16: case DP_T_PORT: return 2;
	case DP_T_U32: case DP_T_IPV4: return 4;
	case DP_T_U64: return 8;
	case DP_T_MAC: return 6;
	case DP_T_IPV6: return 16;
	}
	return 0;
}

unsigned int
dp_type_bits(enum dp_type t)
{
	return dp_type_size(t) * 8;
}

static unsigned int
type_align(enum dp_type t)
{
	switch (t) {
	case DP_T_U16: case DP_T_PORT: return 2;
	case DP_T_U32: case DP_T_IPV4: return 4;
	case DP_T_U64: return 8;
	default: return 1;
	}
}

const char *
dp_type_name(enum dp_type t)
{
	static const char *const n[] = {
		[DP_T_U8] = "u8", [DP_T_U16] = "u16", [DP_T_U32] = "u32",
		[DP_T_U64] = "u64", [DP_T_PORT] = "port", [DP_T_IPV4] = "ipv4",
		[DP_T_IPV6] = "ipv6", [DP_T_MAC] = "mac",
	};
	return (unsigned int)t < RTE_DIM(n) ? n[t] : "?";
}

const char *
dp_match_name(enum dp_match_kind m)
{
	static const char *const n[] = {
		[DP_MATCH_EXACT] = "exact", [DP_MATCH_LPM] = "lpm",
		[DP_MATCH_TERNARY] = "ternary", [DP_MATCH_RANGE] = "range",
	};
	return (unsigned int)m < RTE_DIM(n) ? n[m] : "?";
}

const char *
dp_table_kind_name(enum dp_table_kind k)
{
	static const char *const n[] = {
		[DP_TK_EXACT] = "exact", [DP_TK_LPM] = "lpm", [DP_TK_ACL] = "ternary",
	};
	return (unsigned int)k < RTE_DIM(n) ? n[k] : "?";
}

/* ------------------------------------------------------------------ setup */

int
dp_tables_init(unsigned int n_workers, int socket_id)
{
	size_t sz;

	if (n_workers > DP_WORKERS_MAX)
		return -E2BIG;
	memset(&g, 0, sizeof(g));
	g.n_workers = n_workers;
	g.socket = socket_id;
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX(n_workers, 1u));
	g.rcu = rte_zmalloc_socket("dp_rcu", sz, RTE_CACHE_LINE_SIZE, socket_id);
	if (g.rcu == NULL)
		return -ENOMEM;
	rte_rcu_qsbr_init(g.rcu, RTE_MAX(n_workers, 1u));
	for (unsigned int w = 0; w < n_workers; w++)
		rte_rcu_qsbr_thread_register(g.rcu, w);
	g.root = rte_zmalloc_socket("dp_root", sizeof(*g.root), RTE_CACHE_LINE_SIZE, socket_id);
	if (g.root == NULL)
		return -ENOMEM;
	return 0;
}

void
dp_tables_reader_online(unsigned int worker)
{
	rte_rcu_qsbr_thread_online(g.rcu, worker);
}

void
dp_tables_reader_offline(unsigned int worker)
{
	rte_rcu_qsbr_thread_offline(g.rcu, worker);
}

void
dp_tables_quiescent(unsigned int worker)
{
	rte_rcu_qsbr_quiescent(g.rcu, worker);
}

const struct dp_tables_root *
dp_tables_root(void)
{
	return __atomic_load_n(&g.root, __ATOMIC_ACQUIRE);
}

static void
sync_readers(void)
{
	rte_rcu_qsbr_synchronize(g.rcu, RTE_QSBR_THRID_INVALID);
}

static struct dp_entry *
entry_new(const struct dp_table *t, uint32_t idx, uint16_t action, const uint8_t *params)
{
	struct dp_entry *e = rte_zmalloc_socket(NULL, sizeof(*e), RTE_CACHE_LINE_SIZE, g.socket);

	if (e == NULL)
		return NULL;
	e->idx = idx;
	e->action = action;
	e->table = t->id;
	memcpy(e->params, params, DP_PARAMS_BYTES);
	return e;
}

/* rte_acl consumes one byte, then whole 4-byte words: its first field must
 * be one byte (ours is a zero-mask byte that matches anything) and every
 * later word must be fully described. ACL keys therefore start each field
 * on a 4-byte boundary and describe the padding with zero-mask fillers. */
static int
acl_add_def(struct dp_table *t, uint8_t type, unsigned int size, unsigned int off,
	    unsigned int input, int field, unsigned int chunk)
{
	struct rte_acl_config *c = &t->acl_cfg;
	unsigned int nf = c->num_fields;

	if (nf >= RTE_ACL_MAX_FIELDS)
		return -E2BIG;
	c->defs[nf] = (struct rte_acl_field_def){
		.type = type, .size = size, .field_index = nf, .input_index = input, .offset = off,
	};
	t->acl_map[nf].field = field < 0 ? UINT8_MAX : (uint8_t)field;
	t->acl_map[nf].chunk = chunk;
	c->num_fields = nf + 1;
	return 0;
}

static int
acl_layout(struct dp_table *t)
{
	unsigned int input = 0;
	int rc;

	t->acl_cfg.num_fields = 0;
	t->acl_cfg.num_categories = 1;
	if ((rc = acl_add_def(t, RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, input++, -1, 0)) < 0)
		return rc;
	for (unsigned int f = 0; f < t->def.n_fields; f++) {
		const struct dp_field_def *fd = &t->def.fields[f];
		unsigned int size = dp_type_size(fd->type), off = t->field_off[f], chunk = 0;
		uint8_t type = fd->match == DP_MATCH_RANGE ? RTE_ACL_FIELD_TYPE_RANGE :
			fd->match == DP_MATCH_LPM ? RTE_ACL_FIELD_TYPE_MASK : RTE_ACL_FIELD_TYPE_BITMASK;

		if (fd->match == DP_MATCH_RANGE && size > 4)
			return -ENOTSUP;
		while (size > 0) {
			unsigned int cs = size >= 4 ? 4 : size;

			if ((rc = acl_add_def(t, type, cs, off, input, f, chunk++)) < 0)
				return rc;
			/* fill the rest of the word: 3 bytes left is 2 + 1 */
			for (unsigned int used = cs; used < 4;) {
				unsigned int fs = (4 - used) >= 2 ? 2 : 1;

				if ((rc = acl_add_def(t, RTE_ACL_FIELD_TYPE_BITMASK, fs, off + used,
						      input, -1, 0)) < 0)
					return rc;
				used += fs;
			}
			input++;
			off += 4;
			size -= cs;
		}
	}
	t->acl_nf = t->acl_cfg.num_fields;
	return 0;
}

int
dp_table_create(const struct dp_table_def *def)
{
	struct dp_table *t;
	unsigned int off = 0, n_lpm = 0, n_acl = 0;
	char name[RTE_HASH_NAMESIZE];
	int rc = -ENOMEM;

	if (g.n >= DP_TABLES_MAX || def->n_fields == 0 || def->n_fields > DP_KEY_FIELDS_MAX ||
	    def->n_actions == 0 || def->n_actions > DP_ACTIONS_MAX || def->size == 0 ||
	    def->size >= (1u << 24) || def->default_action >= def->n_actions ||
	    def->actions[def->default_action].n_params != 0)
		return -EINVAL;
	if (dp_table_by_name(def->name) >= 0)
		return -EEXIST;
	t = rte_zmalloc_socket("dp_table", sizeof(*t), RTE_CACHE_LINE_SIZE, g.socket);
	if (t == NULL)
		return -ENOMEM;
	t->def = *def;
	t->id = g.n;
	for (unsigned int f = 0; f < def->n_fields; f++)
		if (def->fields[f].match == DP_MATCH_TERNARY || def->fields[f].match == DP_MATCH_RANGE)
			n_acl++;
	for (unsigned int f = 0; f < def->n_fields; f++) {
		t->field_off[f] = off;
		off += n_acl ? RTE_ALIGN_CEIL(dp_type_size(def->fields[f].type), 4u) :
			       dp_type_size(def->fields[f].type);
		if (def->fields[f].match == DP_MATCH_LPM) {
			n_lpm++;
			t->lpm_off = t->field_off[f];
		}
	}
	/* An LPM table is exact fields (the VRF) then one IPv4 prefix, last.
	 * IPv6 prefixes and other shapes go to rte_acl by adding a ternary field. */
	if (n_acl == 0 && n_lpm > 0 &&
	    (n_lpm > 1 || def->fields[def->n_fields - 1].match != DP_MATCH_LPM ||
	     def->fields[def->n_fields - 1].type != DP_T_IPV4)) {
		rc = -ENOTSUP;
		goto fail;
	}
	if (off > DP_KEY_MAX) {
		rc = -E2BIG;
		goto fail;
	}
	t->key_len = off;
	t->kind = n_acl ? DP_TK_ACL : n_lpm ? DP_TK_LPM : DP_TK_EXACT;
	t->hash_len = RTE_ALIGN_CEIL(t->key_len, 16);
	t->vrf_len = t->lpm_off;
	for (unsigned int a = 0; a < def->n_actions; a++) {
		unsigned int po = 0;

		for (unsigned int p = 0; p < def->actions[a].n_params; p++) {
			enum dp_type ty = def->actions[a].params[p].type;

			po = RTE_ALIGN_CEIL(po, type_align(ty));
			t->param_off[a][p] = po;
			po += dp_type_size(ty);
		}
		if (po > DP_PARAMS_BYTES) {
			rc = -E2BIG;
			goto fail;
		}
	}
	if (t->kind == DP_TK_ACL && (rc = acl_layout(t)) < 0)
		goto fail;

	t->by_idx = rte_zmalloc_socket(NULL, sizeof(*t->by_idx) * def->size, RTE_CACHE_LINE_SIZE, g.socket);
	t->rec = calloc(def->size, sizeof(*t->rec));
	t->free_idx = malloc(sizeof(*t->free_idx) * def->size);
	if (t->by_idx == NULL || t->rec == NULL || t->free_idx == NULL)
		goto fail;
	/* Hand out low slots first so reads page in insertion-ish order. */
	for (uint32_t i = 0; i < def->size; i++)
		t->free_idx[i] = def->size - 1 - i;
	t->n_free = def->size;

	snprintf(name, sizeof(name), "ctl%u_%u", t->id, g.seq++);
	t->ctl_index = rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = RTE_MAX(def->size, 8u) * 2, .key_len = CTL_KEY_LEN,
		.hash_func = rte_jhash, .socket_id = g.socket,
	});
	if (t->ctl_index == NULL)
		goto fail;
	t->deflt = entry_new(t, IDX_NONE, def->default_action, (uint8_t[DP_PARAMS_BYTES]){0});
	if (t->deflt == NULL)
		goto fail;
	g.t[g.n] = t;
	g.root->deflt[g.n] = t->deflt;
	g.n++;
	return t->id;
fail:
	if (t->ctl_index)
		rte_hash_free(t->ctl_index);
	rte_free(t->by_idx);
	free(t->rec);
	free(t->free_idx);
	rte_free(t);
	return rc;
}

/* ------------------------------------------------------------------ schema */

unsigned int dp_tables_count(void) { return g.n; }
const struct dp_table_def *dp_table_def(unsigned int id) { return id < g.n ? &g.t[id]->def : NULL; }
enum dp_table_kind dp_table_kind(unsigned int id) { return g.t[id]->kind; }
unsigned int dp_table_key_len(unsigned int id) { return g.t[id]->key_len; }
unsigned int dp_table_field_off(unsigned int id, unsigned int f) { return g.t[id]->field_off[f]; }
uint32_t dp_table_entries(unsigned int id) { return g.t[id]->n_entries; }
uint64_t dp_tables_generation(void) { return g.generation; }

unsigned int
dp_table_param_off(unsigned int id, unsigned int action, unsigned int param)
{
	return g.t[id]->param_off[action][param];
}

int
dp_table_by_name(const char *name)
{
	for (unsigned int i = 0; i < g.n; i++)
		if (strcmp(g.t[i]->def.name, name) == 0)
			return (int)i;
	return -ENOENT;
}

/* ------------------------------------------------------------------ backends */

static void *
exact_new(struct dp_table *t)
{
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "tx%u_%u", t->id, g.seq++);
	/* LF RW concurrency keeps key slots until we free them after a grace period. */
	return rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = RTE_MAX(t->def.size, 8u) + t->def.size / 4,
		.key_len = t->hash_len, .hash_func = rte_hash_crc, .socket_id = g.socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	});
}

static struct lpm_backend *
lpm_new(struct dp_table *t)
{
	struct lpm_backend *b = rte_zmalloc_socket(NULL, sizeof(*b), RTE_CACHE_LINE_SIZE, g.socket);
	char name[RTE_HASH_NAMESIZE];

	if (b == NULL)
		return NULL;
	if (t->vrf_len == 0)
		return b;
	snprintf(name, sizeof(name), "tv%u_%u", t->id, g.seq++);
	b->vrfs = rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = 1024, .key_len = t->vrf_len,
		.hash_func = rte_hash_crc, .socket_id = g.socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	});
	if (b->vrfs == NULL) {
		rte_free(b);
		return NULL;
	}
	return b;
}

static void
lpm_free(struct lpm_backend *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n_all; i++) {
		if (--b->all[i]->refs > 0)
			continue;
		rte_lpm_free(b->all[i]->lpm);
		rte_free(b->all[i]);
	}
	free(b->all);
	if (b->vrfs)
		rte_hash_free(b->vrfs);
	rte_free(b);
}

static struct lpm_vrf *
lpm_vrf_alloc(struct dp_table *t, const uint8_t *key)
{
	struct lpm_vrf *v = rte_zmalloc_socket(NULL, sizeof(*v), RTE_CACHE_LINE_SIZE, g.socket);
	char name[RTE_LPM_NAMESIZE];

	if (v == NULL)
		return NULL;
	snprintf(name, sizeof(name), "tl%u_%u", t->id, g.seq++);
	v->lpm = rte_lpm_create(name, g.socket, &(struct rte_lpm_config){
		.max_rules = t->def.size, .number_tbl8s = LPM_TBL8S,
	});
	if (v->lpm == NULL ||
	    (g.n_workers && rte_lpm_rcu_qsbr_add(v->lpm, &(struct rte_lpm_rcu_config){
			.v = g.rcu, .mode = RTE_LPM_QSBR_MODE_DQ }) != 0)) {
		rte_lpm_free(v->lpm);
		rte_free(v);
		return NULL;
	}
	v->refs = 1;
	memcpy(v->key, key, t->vrf_len);
	return v;
}

static int
lpm_route_add(struct dp_table *t, struct lpm_vrf *v, const struct ctl_rec *r, uint32_t idx)
{
	if (r->plen == 0) {
		__atomic_store_n(&v->dflt, idx + 1, __ATOMIC_RELEASE);
		return 0;
	}
	return rte_lpm_add(v->lpm, rte_be_to_cpu_32(*(const uint32_t *)(r->key + t->lpm_off)),
			   r->plen, idx) < 0 ? -ENOSPC : 0;
}

static int
lpm_add_to_all(struct lpm_backend *b, struct lpm_vrf *v)
{
	if (b->n_all == b->cap_all) {
		uint32_t cap = b->cap_all ? b->cap_all * 2 : 8;
		struct lpm_vrf **n = realloc(b->all, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		b->all = n;
		b->cap_all = cap;
	}
	b->all[b->n_all++] = v;
	return 0;
}

/* A clone that shares every VRF of b (dataplane-atomic). */
static struct lpm_backend *
lpm_clone(struct dp_table *t, struct lpm_backend *b)
{
	struct lpm_backend *c = lpm_new(t);

	if (c == NULL)
		return NULL;
	for (uint32_t i = 0; b && i < b->n_all; i++) {
		struct lpm_vrf *v = b->all[i];

		if (lpm_add_to_all(c, v) < 0 || (c->vrfs && rte_hash_add_key_data(c->vrfs, v->key, v) < 0)) {
			if (c->n_all && c->all[c->n_all - 1] == v)
				c->n_all--;
			lpm_free(c);
			return NULL;
		}
		v->refs++;
		if (c->vrfs == NULL)
			c->only = v;
	}
	return c;
}

/* Before b changes v: if another backend shares it, give b its own copy,
 * rebuilt from the control records of that VRF. */
static struct lpm_vrf *
lpm_vrf_private(struct dp_table *t, struct lpm_backend *b, struct lpm_vrf *v)
{
	struct lpm_vrf *n;

	if (v->refs == 1)
		return v;
	if ((n = lpm_vrf_alloc(t, v->key)) == NULL)
		return NULL;
	for (uint32_t i = 0; i < t->def.size; i++) {
		const struct ctl_rec *r = &t->rec[i];

		if (r->used && memcmp(r->key, v->key, t->vrf_len) == 0 && lpm_route_add(t, n, r, i) < 0) {
			rte_lpm_free(n->lpm);
			rte_free(n);
			return NULL;
		}
	}
	if (b->vrfs)
		rte_hash_add_key_data(b->vrfs, v->key, n);   /* existing key: replaces */
	else
		b->only = n;
	for (uint32_t i = 0; i < b->n_all; i++)
		if (b->all[i] == v)
			b->all[i] = n;
	v->refs--;
	return n;
}

static struct lpm_vrf *
lpm_vrf_get(struct dp_table *t, struct lpm_backend *b, const uint8_t *key, bool create)
{
	struct lpm_vrf *v = NULL;
	void *data;

	if (b->vrfs == NULL) {
		if (b->only || !create)
			return b->only;
	} else if (rte_hash_lookup_data(b->vrfs, key, &data) >= 0) {
		return data;
	} else if (!create) {
		return NULL;
	}
	if ((v = lpm_vrf_alloc(t, key)) == NULL)
		return NULL;
	if (lpm_add_to_all(b, v) < 0 || (b->vrfs && rte_hash_add_key_data(b->vrfs, key, v) < 0)) {
		if (b->n_all && b->all[b->n_all - 1] == v)
			b->n_all--;
		rte_lpm_free(v->lpm);
		rte_free(v);
		return NULL;
	}
	if (b->vrfs == NULL)
		__atomic_store_n(&b->only, v, __ATOMIC_RELEASE);
	return v;
}

static void
backend_free(struct dp_table *t, void *be)
{
	if (be == NULL)
		return;
	switch (t->kind) {
	case DP_TK_EXACT:
		rte_hash_free(be);
		break;
	case DP_TK_LPM:
		lpm_free(be);
		break;
	case DP_TK_ACL:
		rte_acl_free(((struct acl_backend *)be)->ctx);
		rte_free(be);
		break;
	}
}

static void *
backend_new(struct dp_table *t)
{
	switch (t->kind) {
	case DP_TK_EXACT:
		return exact_new(t);
	case DP_TK_LPM:
		return lpm_new(t);
	case DP_TK_ACL:
		return rte_zmalloc_socket(NULL, sizeof(struct acl_backend), RTE_CACHE_LINE_SIZE, g.socket);
	}
	return NULL;
}

/* Map a key to idx in a backend. Exact and LPM are updated in place; ACL
 * is rebuilt once per batch (acl_build). position: exact key slot freed
 * only after a grace period, returned through *pos. */
static int
backend_add(struct dp_table *t, void *be, const struct ctl_rec *r, uint32_t idx)
{
	uint8_t hk[DP_KEY_MAX] = {0};
	struct lpm_vrf *v;
	int rc;

	switch (t->kind) {
	case DP_TK_EXACT:
		/* the entry itself is the data: one dependent load less per packet;
		 * adding an existing key replaces the data atomically (modify) */
		memcpy(hk, r->key, t->key_len);
		rc = rte_hash_add_key_data(be, hk, t->by_idx[idx]);
		return rc < 0 ? -ENOSPC : 0;
	case DP_TK_LPM:
		v = lpm_vrf_get(t, be, r->key, true);
		if (v == NULL || (v = lpm_vrf_private(t, be, v)) == NULL)
			return -ENOMEM;
		return lpm_route_add(t, v, r, idx);
	case DP_TK_ACL:
		return 0;
	}
	return -EINVAL;
}

static int
backend_del(struct dp_table *t, void *be, const struct ctl_rec *r, int32_t *pos)
{
	uint8_t hk[DP_KEY_MAX] = {0};
	struct lpm_vrf *v;
	int32_t rc;

	*pos = -1;
	switch (t->kind) {
	case DP_TK_EXACT:
		memcpy(hk, r->key, t->key_len);
		rc = rte_hash_del_key(be, hk);
		if (rc < 0)
			return -ENOENT;
		*pos = rc;
		return 0;
	case DP_TK_LPM:
		v = lpm_vrf_get(t, be, r->key, false);
		if (v == NULL)
			return -ENOENT;
		if ((v = lpm_vrf_private(t, be, v)) == NULL)
			return -ENOMEM;
		if (r->plen == 0) {
			__atomic_store_n(&v->dflt, 0, __ATOMIC_RELEASE);
			return 0;
		}
		return rte_lpm_delete(v->lpm, rte_be_to_cpu_32(*(const uint32_t *)(r->key + t->lpm_off)),
				      r->plen) < 0 ? -ENOENT : 0;
	case DP_TK_ACL:
		return 0;
	}
	return -EINVAL;
}

static uint32_t
field_chunk_u32(const uint8_t *p, unsigned int cs)
{
	switch (cs) {
	case 1: return p[0];
	case 2: return rte_be_to_cpu_16(*(const unaligned_uint16_t *)p);
	default: return rte_be_to_cpu_32(*(const unaligned_uint32_t *)p);
	}
}

/* Build a new ACL context from the control records; NULL ctx when empty. */
static int
acl_build(struct dp_table *t, struct acl_backend *be, struct rte_acl_ctx **old)
{
	struct rte_acl_ctx *ctx = NULL;
	char name[RTE_ACL_NAMESIZE];
	struct acl_rule rule;
	int rc;

	*old = be->ctx;
	if (t->n_entries == 0)
		goto publish;
	snprintf(name, sizeof(name), "ta%u_%u", t->id, g.seq++);
	ctx = rte_acl_create(&(struct rte_acl_param){
		.name = name, .socket_id = g.socket,
		.rule_size = RTE_ACL_RULE_SZ(t->acl_nf), .max_rule_num = t->def.size,
	});
	if (ctx == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->def.size; i++) {
		const struct ctl_rec *r = &t->rec[i];

		if (!r->used)
			continue;
		memset(&rule, 0, sizeof(rule));
		rule.data.category_mask = 1;
		rule.data.priority = (int32_t)r->priority;
		rule.data.userdata = i + 1;
		/* field 0 is the one-byte wildcard rte_acl requires */
		for (unsigned int k = 1; k < t->acl_nf; k++) {
			const struct rte_acl_field_def *d = &t->acl_cfg.defs[k];
			const struct dp_field_def *fd;
			uint32_t v = field_chunk_u32(r->key + d->offset, d->size);
			uint32_t m = field_chunk_u32(r->mask + d->offset, d->size);

			if (t->acl_map[k].field == UINT8_MAX)
				continue;   /* filler: zero value and mask match anything */
			fd = &t->def.fields[t->acl_map[k].field];
			if (fd->match == DP_MATCH_LPM) {
				int bits = (int)r->plen - 32 * t->acl_map[k].chunk;

				m = (uint32_t)RTE_MIN(RTE_MAX(bits, 0), 32);
			} else if (fd->match == DP_MATCH_EXACT) {
				m = d->size == 4 ? UINT32_MAX : (1u << (8 * d->size)) - 1;
			}
			switch (d->size) {
			case 1: rule.field[k].value.u8 = v; rule.field[k].mask_range.u8 = m; break;
			case 2: rule.field[k].value.u16 = v; rule.field[k].mask_range.u16 = m; break;
			default: rule.field[k].value.u32 = v; rule.field[k].mask_range.u32 = m; break;
			}
		}
		rc = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&rule, 1);
		if (rc < 0)
			goto fail;
	}
	rc = rte_acl_build(ctx, &t->acl_cfg);
	if (rc < 0)
		goto fail;
publish:
	__atomic_store_n(&be->ctx, ctx, __ATOMIC_RELEASE);
	return 0;
fail:
	rte_acl_free(ctx);
	return rc == -ERANGE || rc == -ENOMEM ? -ENOSPC : rc;
}

/* Clone a backend from the control records (for dataplane-atomic). */
static void *
backend_clone(struct dp_table *t)
{
	void *be;

	if (t->kind == DP_TK_LPM)
		return lpm_clone(t, g.root->backend[t->id]);
	be = backend_new(t);
	if (be == NULL || t->kind == DP_TK_ACL)
		return be;
	for (uint32_t i = 0; i < t->def.size; i++) {
		if (t->rec[i].used && backend_add(t, be, &t->rec[i], i) < 0) {
			backend_free(t, be);
			return NULL;
		}
	}
	return be;
}

/* ------------------------------------------------------------------ writes */

static uint64_t
entry_hits(const struct dp_entry *e)
{
	uint64_t s = 0;

	for (unsigned int w = 0; w < g.n_workers; w++)
		s += __atomic_load_n(&e->hits[w], __ATOMIC_RELAXED);
	return s;
}

static uint64_t
hits_sum(const struct dp_table *t, uint32_t idx)
{
	return t->rec[idx].carried + (t->rec[idx].e ? entry_hits(t->rec[idx].e) : 0);
}

static void
ctl_key(const struct dp_table *t, const struct ctl_rec *r, uint8_t *k)
{
	memset(k, 0, CTL_KEY_LEN);
	memcpy(k, r->key, t->key_len);
	memcpy(k + DP_KEY_MAX, r->mask, t->key_len);
	k[2 * DP_KEY_MAX] = r->plen;
	memcpy(k + 2 * DP_KEY_MAX + 1, &r->priority, 4);
}

/* Canonical form: bits outside a mask or prefix are zero, so equal matches
 * compare equal and a packet key can hit them. */
static int
canon(const struct dp_table *t, const struct dp_update *u, struct ctl_rec *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->key, u->key, t->key_len);
	r->plen = 0;
	r->priority = t->kind == DP_TK_ACL ? u->priority : 0;
	if (t->kind == DP_TK_ACL && (u->priority == 0 || u->priority > RTE_ACL_MAX_PRIORITY))
		return -EINVAL;
	for (unsigned int f = 0; f < t->def.n_fields; f++) {
		const struct dp_field_def *fd = &t->def.fields[f];
		unsigned int off = t->field_off[f], sz = dp_type_size(fd->type);

		switch (fd->match) {
		case DP_MATCH_EXACT:
			memset(r->mask + off, 0xff, sz);
			break;
		case DP_MATCH_TERNARY:
			memcpy(r->mask + off, u->mask + off, sz);
			for (unsigned int b = 0; b < sz; b++)
				r->key[off + b] &= r->mask[off + b];
			break;
		case DP_MATCH_RANGE:
			memcpy(r->mask + off, u->mask + off, sz);
			if (memcmp(r->key + off, r->mask + off, sz) > 0)
				return -EINVAL;   /* min > max (both big endian) */
			break;
		case DP_MATCH_LPM:
			if (u->plen > sz * 8)
				return -EINVAL;
			r->plen = u->plen;
			for (unsigned int b = 0; b < sz; b++) {
				int keep = (int)u->plen - 8 * (int)b;
				uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

				r->key[off + b] &= m;
				r->mask[off + b] = m;
			}
			break;
		}
	}
	return 0;
}

struct undo {
	uint8_t type;
	uint16_t table;
	uint32_t idx;            /* slot the update touched */
	uint32_t old_idx;        /* atomic modify: the slot it replaced */
	uint32_t upd;            /* index of the update in the batch */
	struct dp_entry *old_e;  /* modify/delete/default: the entry replaced */
	int32_t pos;             /* exact delete: hash key position to free */
};

struct txn {
	enum dp_atomicity mode;
	struct dp_tables_root *nroot;     /* dataplane-atomic: the root being built */
	bool touched[DP_TABLES_MAX];
	struct undo *log;
	unsigned int n_log;
};

static void *
live_backend(struct txn *x, unsigned int tid)
{
	return x->nroot ? x->nroot->backend[tid] : g.root->backend[tid];
}

static int
touch(struct txn *x, struct dp_table *t)
{
	if (x->touched[t->id])
		return 0;
	if (x->nroot) {
		void *be = backend_clone(t);

		if (be == NULL)
			return -ENOMEM;
		x->nroot->backend[t->id] = be;
	} else if (g.root->backend[t->id] == NULL) {
		void *be = backend_new(t);

		if (be == NULL)
			return -ENOMEM;
		__atomic_store_n(&g.root->backend[t->id], be, __ATOMIC_RELEASE);
	}
	x->touched[t->id] = true;
	return 0;
}

static uint32_t
slot_take(struct dp_table *t)
{
	uint32_t idx;

	if (t->n_free == 0)
		return IDX_NONE;
	idx = t->free_idx[--t->n_free];
	t->rec[idx].carried = 0;
	return idx;
}

static void
slot_give(struct dp_table *t, uint32_t idx)
{
	memset(&t->rec[idx], 0, sizeof(t->rec[idx]));
	t->free_idx[t->n_free++] = idx;
}

static int
apply_one(struct txn *x, const struct dp_update *u, struct undo *ud)
{
	struct dp_table *t = g.t[u->table];
	uint8_t ck[CTL_KEY_LEN];
	struct ctl_rec r;
	struct dp_entry *e;
	void *be, *data;
	uint32_t idx;
	int rc;

	memset(ud, 0, sizeof(*ud));
	ud->type = u->type;
	ud->table = u->table;
	ud->pos = -1;
	ud->old_idx = IDX_NONE;
	if (u->type != DP_UPD_DELETE && u->action >= t->def.n_actions)
		return -EINVAL;
	if ((rc = touch(x, t)) < 0)
		return rc;
	be = live_backend(x, t->id);

	if (u->type == DP_UPD_DEFAULT) {
		e = entry_new(t, IDX_NONE, u->action, u->params);
		if (e == NULL)
			return -ENOMEM;
		ud->old_e = t->deflt;
		t->deflt = e;
		if (x->nroot)
			x->nroot->deflt[t->id] = e;
		else
			__atomic_store_n(&g.root->deflt[t->id], e, __ATOMIC_RELEASE);
		return 0;
	}

	if ((rc = canon(t, u, &r)) < 0)
		return rc;
	ctl_key(t, &r, ck);
	rc = rte_hash_lookup_data(t->ctl_index, ck, &data);
	idx = rc >= 0 ? (uint32_t)(uintptr_t)data : IDX_NONE;

	switch (u->type) {
	case DP_UPD_INSERT:
		if (idx != IDX_NONE)
			return -EEXIST;
		if ((idx = slot_take(t)) == IDX_NONE)
			return -ENOSPC;
		e = entry_new(t, idx, u->action, u->params);
		if (e == NULL) {
			slot_give(t, idx);
			return -ENOMEM;
		}
		r.carried = 0;
		r.seen_hits = 0;
		r.active_tsc = rte_rdtsc();
		r.used = true;
		r.e = e;
		/* publish the entry before any backend can return its idx */
		__atomic_store_n(&t->by_idx[idx], e, __ATOMIC_RELEASE);
		if ((rc = backend_add(t, be, &r, idx)) < 0 ||
		    rte_hash_add_key_data(t->ctl_index, ck, (void *)(uintptr_t)idx) < 0) {
			if (rc == 0) {
				int32_t pos;

				backend_del(t, be, &r, &pos);
				if (pos >= 0)
					rte_hash_free_key_with_position(be, pos); /* never published */
				rc = -ENOSPC;
			}
			__atomic_store_n(&t->by_idx[idx], NULL, __ATOMIC_RELEASE);
			rte_free(e);
			slot_give(t, idx);
			return rc;
		}
		t->rec[idx] = r;
		t->n_entries++;
		ud->idx = idx;
		return 0;

	case DP_UPD_MODIFY:
		if (idx == IDX_NONE)
			return -ENOENT;
		if (x->nroot) {
			/* The live root still reads the old slot: give the new entry its own. */
			uint32_t nidx = slot_take(t);
			uint64_t carried;

			if (nidx == IDX_NONE)
				return -ENOSPC;
			e = entry_new(t, nidx, u->action, u->params);
			if (e == NULL) {
				slot_give(t, nidx);
				return -ENOMEM;
			}
			carried = hits_sum(t, idx);
			r = t->rec[idx];
			r.e = e;
			r.carried = carried;
			__atomic_store_n(&t->by_idx[nidx], e, __ATOMIC_RELEASE);
			if ((rc = backend_add(t, be, &r, nidx)) < 0) {
				__atomic_store_n(&t->by_idx[nidx], NULL, __ATOMIC_RELEASE);
				rte_free(e);
				slot_give(t, nidx);
				return rc;
			}
			t->rec[nidx] = r;
			t->rec[idx].used = false;   /* reserved until commit */
			rte_hash_add_key_data(t->ctl_index, ck, (void *)(uintptr_t)nidx);
			ud->idx = nidx;
			ud->old_idx = idx;
			ud->old_e = t->rec[idx].e;
			return 0;
		}
		e = entry_new(t, idx, u->action, u->params);
		if (e == NULL)
			return -ENOMEM;
		ud->idx = idx;
		ud->old_e = t->rec[idx].e;
		t->rec[idx].e = e;
		__atomic_store_n(&t->by_idx[idx], e, __ATOMIC_RELEASE);
		if (t->kind == DP_TK_EXACT)
			backend_add(t, be, &t->rec[idx], idx);  /* existing key: cannot fail */
		return 0;

	case DP_UPD_DELETE:
		if (idx == IDX_NONE)
			return -ENOENT;
		if ((rc = backend_del(t, be, &t->rec[idx], &ud->pos)) < 0)
			return rc;
		rte_hash_del_key(t->ctl_index, ck);
		ud->idx = idx;
		ud->old_e = t->rec[idx].e;
		t->rec[idx].used = false;       /* slot reserved until commit */
		t->n_entries--;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Put back what one update did (reverse order). Frees only objects that no
 * reader can have seen yet or defers them to *deferred_pos. */
static void
undo_one(struct txn *x, struct undo *ud, struct dp_entry **dead_e, unsigned int *n_dead)
{
	struct dp_table *t = g.t[ud->table];
	void *be = live_backend(x, t->id);
	uint8_t ck[CTL_KEY_LEN];
	struct ctl_rec *r;
	int32_t pos;

	switch (ud->type) {
	case DP_UPD_DEFAULT:
		dead_e[(*n_dead)++] = t->deflt;
		t->deflt = ud->old_e;
		if (x->nroot)
			x->nroot->deflt[t->id] = ud->old_e;
		else
			__atomic_store_n(&g.root->deflt[t->id], ud->old_e, __ATOMIC_RELEASE);
		break;
	case DP_UPD_INSERT:
		r = &t->rec[ud->idx];
		ctl_key(t, r, ck);
		rte_hash_del_key(t->ctl_index, ck);
		if (!x->nroot) {
			backend_del(t, be, r, &pos);
			ud->pos = pos; /* freed after the sync */
		}
		dead_e[(*n_dead)++] = r->e;
		t->n_entries--;
		r->used = false;
		break;
	case DP_UPD_MODIFY:
		if (ud->old_idx != IDX_NONE) {   /* atomic: drop the new slot, revive the old */
			r = &t->rec[ud->old_idx];
			r->used = true;
			ctl_key(t, r, ck);
			rte_hash_add_key_data(t->ctl_index, ck, (void *)(uintptr_t)ud->old_idx);
			dead_e[(*n_dead)++] = t->rec[ud->idx].e;
			t->rec[ud->idx].used = false;
		} else {
			dead_e[(*n_dead)++] = t->rec[ud->idx].e;
			t->rec[ud->idx].e = ud->old_e;
			__atomic_store_n(&t->by_idx[ud->idx], ud->old_e, __ATOMIC_RELEASE);
			if (t->kind == DP_TK_EXACT)
				backend_add(t, be, &t->rec[ud->idx], ud->idx);
		}
		break;
	case DP_UPD_DELETE:
		r = &t->rec[ud->idx];
		r->used = true;
		ctl_key(t, r, ck);
		rte_hash_add_key_data(t->ctl_index, ck, (void *)(uintptr_t)ud->idx);
		if (!x->nroot)
			backend_add(t, be, r, ud->idx);
		t->n_entries++;
		break;
	}
}

static void
slot_release(struct dp_table *t, uint32_t idx)
{
	__atomic_store_n(&t->by_idx[idx], NULL, __ATOMIC_RELAXED);
	slot_give(t, idx);
}

int
dp_table_write(const struct dp_update *u, unsigned int n, enum dp_atomicity mode, int *results)
{
	struct txn x = { .mode = mode };
	const bool atomic = mode == DP_ATOM_DATAPLANE;
	struct dp_tables_root *old_root = NULL;
	struct dp_entry **dead_e;
	struct rte_acl_ctx **dead_acl;
	unsigned int n_dead = 0, n_dead_acl = 0, failed = 0, applied = 0;
	bool abort = false;
	int rc = 0;

	for (unsigned int i = 0; i < n; i++) {
		results[i] = (u[i].table < g.n) ? 0 : -EINVAL;
		if (results[i] == 0 && u[i].type == DP_UPD_DEFAULT &&
		    (u[i].action >= g.t[u[i].table]->def.n_actions))
			results[i] = -EINVAL;
		if (results[i])
			failed++;
	}
	if (failed && mode != DP_ATOM_CONTINUE) {
		for (unsigned int i = 0; i < n; i++)
			if (results[i] == 0)
				results[i] = -ECANCELED;
		return -ECANCELED;
	}
	x.log = calloc(n ? n : 1, sizeof(*x.log));
	dead_e = calloc(2 * n + 1, sizeof(*dead_e));
	dead_acl = calloc(DP_TABLES_MAX, sizeof(*dead_acl));
	if (x.log == NULL || dead_e == NULL || dead_acl == NULL) {
		rc = -ENOMEM;
		goto out_nomem;
	}
	if (mode == DP_ATOM_DATAPLANE) {
		x.nroot = rte_zmalloc_socket("dp_root", sizeof(*x.nroot), RTE_CACHE_LINE_SIZE, g.socket);
		if (x.nroot == NULL) {
			rc = -ENOMEM;
			goto out_nomem;
		}
		*x.nroot = *g.root;
	}

	for (unsigned int i = 0; i < n && !abort; i++) {
		if (results[i])
			continue;
		results[i] = apply_one(&x, &u[i], &x.log[x.n_log]);
		x.log[x.n_log].upd = i;
		if (results[i] == 0) {
			x.n_log++;
			applied++;
		} else if (mode != DP_ATOM_CONTINUE) {
			abort = true;
			for (unsigned int j = i + 1; j < n; j++)
				results[j] = -ECANCELED;
		}
	}
	/* ACL tables are built once per batch, from the records as they now are. */
	for (unsigned int tid = 0; tid < g.n && !abort; tid++) {
		struct rte_acl_ctx *old;
		int brc;

		if (!x.touched[tid] || g.t[tid]->kind != DP_TK_ACL)
			continue;
		brc = acl_build(g.t[tid], live_backend(&x, tid), &old);
		if (brc == 0) {
			dead_acl[n_dead_acl++] = old;
			continue;
		}
		/* The batch's ACL changes cannot be installed: fail the updates that made them. */
		for (unsigned int k = 0; k < x.n_log; k++)
			if (x.log[k].table == tid)
				results[x.log[k].upd] = brc;
		abort = true;
	}
	if (abort && mode == DP_ATOM_CONTINUE && x.n_log) {
		/* An ACL build failure in continue mode: undo that table's updates only
		 * would need a second build; keep it simple and honest: undo all. */
		mode = DP_ATOM_ROLLBACK;
	}
	if (abort) {
		for (unsigned int k = x.n_log; k-- > 0;)
			undo_one(&x, &x.log[k], dead_e, &n_dead);
		for (unsigned int i = 0; i < n; i++)
			if (results[i] == 0)
				results[i] = -ECANCELED;
		if (x.nroot) {
			for (unsigned int tid = 0; tid < g.n; tid++)
				if (x.touched[tid] && x.nroot->backend[tid] != g.root->backend[tid])
					backend_free(g.t[tid], x.nroot->backend[tid]);
			rte_free(x.nroot);
			x.nroot = NULL;
		}
		sync_readers();
		/* Key slots of rolled-back inserts and re-added deletes are free to reuse now. */
		rc = -ECANCELED;
		for (unsigned int k = 0; k < x.n_log; k++) {
			struct undo *ud = &x.log[k];
			struct dp_table *t = g.t[ud->table];

			if (ud->type == DP_UPD_INSERT || (ud->type == DP_UPD_MODIFY && ud->old_idx != IDX_NONE))
				slot_release(t, ud->idx);
			if (!atomic && ud->pos >= 0)
				rte_hash_free_key_with_position(g.root->backend[t->id], ud->pos);
		}
		goto out;
	}

	if (x.nroot) {
		x.nroot->generation = g.generation + 1;
		old_root = g.root;
		__atomic_store_n(&g.root, x.nroot, __ATOMIC_RELEASE);
	}
	if (applied)
		g.generation++;
	if (!x.nroot)
		g.root->generation = g.generation;
	sync_readers();
	/* Everything replaced is now unreachable by workers. */
	for (unsigned int k = 0; k < x.n_log; k++) {
		struct undo *ud = &x.log[k];
		struct dp_table *t = g.t[ud->table];

		if (ud->old_e)
			dead_e[n_dead++] = ud->old_e;
		/* a modified entry's counters live on in its slot */
		if (ud->type == DP_UPD_MODIFY && ud->old_idx == IDX_NONE)
			t->rec[ud->idx].carried += entry_hits(ud->old_e);
		if (ud->type == DP_UPD_DELETE) {
			/* the position is in the backend now live (the clone, if atomic) */
			if (ud->pos >= 0)
				rte_hash_free_key_with_position(g.root->backend[t->id], ud->pos);
			slot_release(t, ud->idx);
		} else if (ud->type == DP_UPD_MODIFY && ud->old_idx != IDX_NONE) {
			slot_release(t, ud->old_idx);
		}
	}
	if (old_root) {
		for (unsigned int tid = 0; tid < g.n; tid++)
			if (x.touched[tid] && old_root->backend[tid] != g.root->backend[tid])
				backend_free(g.t[tid], old_root->backend[tid]);
		rte_free(old_root);
	}
	if (failed || applied < n)
		rc = -EIO;
out:
	for (unsigned int i = 0; i < n_dead; i++)
		rte_free(dead_e[i]);
	for (unsigned int i = 0; i < n_dead_acl; i++)
		rte_acl_free(dead_acl[i]);
out_nomem:
	free(x.log);
	free(dead_e);
	free(dead_acl);
	if (rc == -ENOMEM)
		for (unsigned int i = 0; i < n; i++)
			if (results[i] == 0)
				results[i] = -ENOMEM;
	return rc;
}

int
dp_table_clear(unsigned int id, uint32_t *deleted)
{
	struct dp_table *t;
	struct dp_update *u;
	uint32_t n = 0;
	int *res, rc;

	if (id >= g.n)
		return -EINVAL;
	t = g.t[id];
	u = calloc(t->n_entries ? t->n_entries : 1, sizeof(*u));
	res = calloc(t->n_entries ? t->n_entries : 1, sizeof(*res));
	if (u == NULL || res == NULL) {
		free(u);
		free(res);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->def.size && n < t->n_entries; i++) {
		const struct ctl_rec *r = &t->rec[i];

		if (!r->used)
			continue;
		u[n].type = DP_UPD_DELETE;
		u[n].table = id;
		u[n].plen = r->plen;
		u[n].priority = r->priority;
		memcpy(u[n].key, r->key, DP_KEY_MAX);
		memcpy(u[n].mask, r->mask, DP_KEY_MAX);
		n++;
	}
	rc = n ? dp_table_write(u, n, DP_ATOM_ROLLBACK, res) : 0;
	if (deleted)
		*deleted = rc == 0 ? n : 0;
	free(u);
	free(res);
	return rc;
}

/* ------------------------------------------------------------------ reads */

unsigned int
dp_table_read(unsigned int id, uint32_t offset, unsigned int limit,
	      struct dp_entry_view *out, uint32_t *next)
{
	struct dp_table *t = g.t[id];
	unsigned int k = 0;
	uint32_t i;

	for (i = offset; i < t->def.size && k < limit; i++) {
		const struct ctl_rec *r = &t->rec[i];

		if (!r->used)
			continue;
		memcpy(out[k].key, r->key, DP_KEY_MAX);
		memcpy(out[k].mask, r->mask, DP_KEY_MAX);
		out[k].plen = r->plen;
		out[k].priority = r->priority;
		out[k].action = r->e->action;
		memcpy(out[k].params, r->e->params, DP_PARAMS_BYTES);
		out[k].hits = hits_sum(t, i);
		out[k].idle_ms = r->seen_hits == hits_sum(t, i) ?
			(rte_rdtsc() - r->active_tsc) * 1000 / rte_get_tsc_hz() : 0;
		k++;
	}
	while (i < t->def.size && !t->rec[i].used)
		i++;
	*next = i < t->def.size ? i : UINT32_MAX;
	return k;
}

int
dp_table_default_get(unsigned int id, struct dp_entry_view *out)
{
	if (id >= g.n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->action = g.t[id]->deflt->action;
	memcpy(out->params, g.t[id]->deflt->params, DP_PARAMS_BYTES);
	return 0;
}

struct dp_table_counts
dp_table_counts(unsigned int id)
{
	struct dp_table_counts c = {0, 0};

	for (unsigned int w = 0; w < g.n_workers; w++) {
		c.hits += __atomic_load_n(&g.t[id]->wcnt[w].hits, __ATOMIC_RELAXED);
		c.misses += __atomic_load_n(&g.t[id]->wcnt[w].misses, __ATOMIC_RELAXED);
	}
	return c;
}

/* Keys of exact tables are zero-padded to a multiple of 16 bytes. */
static inline bool
key_eq(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	const unaligned_uint64_t *x = (const unaligned_uint64_t *)a, *y = (const unaligned_uint64_t *)b;
	uint64_t d = 0;

	for (unsigned int i = 0; i < len / 8; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

const struct dp_entry *
dp_table_find(unsigned int id, const uint8_t *key)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const uint8_t *kp[1] = { k };
	const struct dp_entry *e[1];

	if (id >= g.n)
		return NULL;
	memcpy(k, key, g.t[id]->key_len);
	return dp_table_lookup(g.root, DP_WORKER_NONE, id, kp, 1, e) ? e[0] : NULL;
}

int
dp_table_set_idle_timeout(unsigned int id, uint32_t seconds)
{
	if (id >= g.n || g.t[id]->def.age_action == 0)
		return -ENOTSUP;
	g.t[id]->def.idle_timeout_s = seconds;
	return 0;
}

uint32_t
dp_table_idle_timeout(unsigned int id)
{
	return id < g.n ? g.t[id]->def.idle_timeout_s : 0;
}

unsigned int
dp_tables_age(uint64_t now, unsigned int *per_table)
{
	unsigned int total = 0;

	for (unsigned int id = 0; id < g.n; id++) {
		struct dp_table *t = g.t[id];
		uint64_t limit = (uint64_t)t->def.idle_timeout_s * rte_get_tsc_hz();
		struct dp_update *u = NULL;
		unsigned int n = 0, cap = 0;
		int *res;

		if (per_table)
			per_table[id] = 0;
		if (t->def.age_action == 0)
			continue;
		for (uint32_t i = 0; i < t->def.size; i++) {
			struct ctl_rec *r = &t->rec[i];
			uint64_t h;

			if (!r->used)
				continue;
			h = hits_sum(t, i);
			if (h != r->seen_hits) {
				r->seen_hits = h;
				r->active_tsc = now;
				continue;
			}
			if (t->def.idle_timeout_s == 0 || r->e->action != t->def.age_action - 1 ||
			    now - r->active_tsc < limit)
				continue;
			if (n == cap) {
				struct dp_update *nu = realloc(u, (cap = cap ? cap * 2 : 64) * sizeof(*u));

				if (nu == NULL)
					break;
				u = nu;
			}
			memset(&u[n], 0, sizeof(u[n]));
			u[n].type = DP_UPD_DELETE;
			u[n].table = id;
			u[n].plen = r->plen;
			u[n].priority = r->priority;
			memcpy(u[n].key, r->key, DP_KEY_MAX);
			memcpy(u[n].mask, r->mask, DP_KEY_MAX);
			n++;
		}
		if (n && (res = calloc(n, sizeof(*res))) != NULL) {
			dp_table_write(u, n, DP_ATOM_CONTINUE, res);
			for (unsigned int k = 0; k < n; k++)
				if (res[k] == 0) {
					total++;
					if (per_table)
						per_table[id]++;
				}
			free(res);
		}
		free(u);
	}
	return total;
}

/* ------------------------------------------------------------------ lookups */

uint64_t
dp_table_lookup(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
		const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	struct dp_table *t = g.t[table];
	const void *be = __atomic_load_n(&root->backend[table], __ATOMIC_ACQUIRE);
	const struct dp_entry *deflt = __atomic_load_n(&root->deflt[table], __ATOMIC_ACQUIRE);
	const bool count = worker < g.n_workers;
	uint64_t hitmask = 0;
	unsigned int nhit = 0;

	if (be == NULL)
		goto all_miss;
	switch (t->kind) {
	case DP_TK_EXACT: {
		const void *uk[DP_LOOKUP_BURST];
		void *data[DP_LOOKUP_BURST];
		uint8_t map[DP_LOOKUP_BURST];
		unsigned int nu = 0;
		uint64_t uhit;

		/* A burst often repeats a key back to back (one ingress port and
		 * VLAN, one source MAC, one next hop): look each run up once. */
		for (unsigned int i = 0; i < n; i++) {
			if (i == 0 || !key_eq(keys[i], keys[i - 1], t->hash_len))
				uk[nu++] = keys[i];
			map[i] = nu - 1;
		}
		rte_hash_lookup_bulk_data(be, uk, nu, &uhit, data);
		/* entries are scattered: start every load before the first use */
		for (unsigned int u = 0; u < nu; u++)
			if (uhit & (1ULL << u))
				rte_prefetch0(data[u]);
		for (unsigned int i = 0; i < n; i++) {
			unsigned int u = map[i];

			if (uhit & (1ULL << u)) {
				hitmask |= 1ULL << i;
				out[i] = data[u];
				if (count)
					((struct dp_entry *)data[u])->hits[worker]++;
			} else {
				out[i] = deflt;
			}
		}
		nhit = __builtin_popcountll(hitmask);
		break;
	}
	case DP_TK_LPM: {
		const struct lpm_backend *b = be;

		const struct lpm_vrf *v = NULL;

		for (unsigned int i = 0; i < n; i++) {
			const struct dp_entry *e = NULL;
			uint32_t nh;
			void *d;

			/* the VRF of a burst rarely changes: look it up once per run */
			if (b->vrfs == NULL)
				v = __atomic_load_n(&b->only, __ATOMIC_ACQUIRE);
			else if (i == 0 || memcmp(keys[i], keys[i - 1], t->vrf_len) != 0)
				v = rte_hash_lookup_data(b->vrfs, keys[i], &d) >= 0 ? d : NULL;
			if (v != NULL) {
				if (rte_lpm_lookup(v->lpm, rte_be_to_cpu_32(
				    *(const unaligned_uint32_t *)(keys[i] + t->lpm_off)), &nh) != 0)
					nh = __atomic_load_n(&v->dflt, __ATOMIC_ACQUIRE) - 1;
				if (nh != IDX_NONE)
					e = __atomic_load_n(&t->by_idx[nh], __ATOMIC_ACQUIRE);
			}
			if (e != NULL)
				hitmask |= 1ULL << i;
			out[i] = e != NULL ? e : deflt;
		}
		break;
	}
	case DP_TK_ACL: {
		const struct rte_acl_ctx *ctx = __atomic_load_n(&((const struct acl_backend *)be)->ctx,
							       __ATOMIC_ACQUIRE);
		uint32_t res[DP_LOOKUP_BURST];

		if (ctx == NULL)
			goto all_miss;
		rte_acl_classify(ctx, (const uint8_t **)(uintptr_t)keys, res, n, 1);
		for (unsigned int i = 0; i < n; i++) {
			const struct dp_entry *e = res[i] ?
				__atomic_load_n(&t->by_idx[res[i] - 1], __ATOMIC_ACQUIRE) : NULL;

			if (e != NULL)
				hitmask |= 1ULL << i;
			out[i] = e != NULL ? e : deflt;
		}
		break;
	}
	}
	if (t->kind != DP_TK_EXACT) {
		nhit = __builtin_popcountll(hitmask);
		if (count)
			for (unsigned int i = 0; i < n; i++)
				if (hitmask & (1ULL << i))
					((struct dp_entry *)(uintptr_t)out[i])->hits[worker]++;
	}
	if (count) {
		t->wcnt[worker].hits += nhit;
		t->wcnt[worker].misses += n - nhit;
	}
	return hitmask;
all_miss:
	for (unsigned int i = 0; i < n; i++)
		out[i] = deflt;
	if (worker < g.n_workers)
		t->wcnt[worker].misses += n;
	return 0;
}

/* ------------------------------------------------------------------ teardown */

void
dp_tables_fini(void)
{
	for (unsigned int i = 0; i < g.n; i++) {
		struct dp_table *t = g.t[i];

		backend_free(t, g.root->backend[i]);
		for (uint32_t k = 0; k < t->def.size; k++)
			if (t->rec[k].used)
				rte_free(t->rec[k].e);
		rte_free(t->deflt);
		rte_hash_free(t->ctl_index);
		rte_free(t->by_idx);
		free(t->rec);
		free(t->free_idx);
		rte_free(t);
	}
	rte_free(g.root);
	rte_free(g.rcu);
	memset(&g, 0, sizeof(g));
}
