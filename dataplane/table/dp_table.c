/* Table engine, control side: schema, RCU, transactional writes, reads,
 * ageing. The DPDK backends and the worker lookup are in dp_tbackend.c,
 * the control records and their index in dp_trec.c. See dp_table.h for the
 * model.
 *
 * Control state: every installed entry owns a slot ("idx") whose control
 * record keeps its canonical match, so writes can find, undo and read it
 * back. dp_entry objects are immutable and live in the table's slab; every
 * backend names an entry by its slab index (rte_hash: by its address), so
 * one entry is shared by a live backend and its dataplane-atomic copy, and
 * a modify puts a new entry in the backend.
 *
 * Dataplane-atomic batches on exact tables are left-right: after its first
 * such batch (which clones the live backend once) a table keeps a shadow
 * equal in content to the live backend, which no worker reads. A batch
 * changes the shadow, swaps the root, waits a grace period and replays its
 * keys' final states onto the old live backend, the next shadow: it costs
 * what it changes, not the table. Other writes change the live backend and
 * replay the same way onto the shadow. LPM copies the partitions a batch
 * changes and ACL rebuilds per batch anyway: they have no shadow. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_jhash.h>
#include <rte_byteorder.h>

#include "dp_table.h"
#include "dp_table_int.h"
#include "dp_trec.h"

/* sizes the config gives tables, by name (dp_table_size_set) */
static struct { char name[32]; uint32_t size; } size_set[DP_TABLES_MAX];
static unsigned int n_size_set;
void (*dp_table_swap_hook)(void);

/* ------------------------------------------------------------------ types */

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
		[DP_T_IPV6] = "ipv6", [DP_T_MAC] = "mac", [DP_T_IPV6NET] = "ipv6net",
		[DP_T_IP] = "ip", [DP_T_STR] = "str",
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

const char *
dp_table_backend_name(unsigned int id)
{
	const struct dp_table *t = dp_tg.t[id];

	return t->kind == DP_TK_LPM ? (t->lpm6 ? "dp_lpm6" : "dp_lpm4") : t->kind == DP_TK_ACL ? "rte_acl" :
	       t->dense ? "array" : t->em ? "dp_em" : "rte_hash";
}

/* ------------------------------------------------------------------ setup */

int
dp_tables_init(unsigned int n_workers, int socket_id)
{
	size_t sz;

	if (n_workers > DP_WORKERS_MAX)
		return -E2BIG;
	memset(&dp_tg, 0, sizeof(dp_tg));
	dp_tg.n_workers = n_workers;
	dp_tg.socket = socket_id;
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX(n_workers, 1u));
	dp_tg.rcu = rte_zmalloc_socket("dp_rcu", sz, RTE_CACHE_LINE_SIZE, socket_id);
	if (dp_tg.rcu == NULL)
		return -ENOMEM;
	rte_rcu_qsbr_init(dp_tg.rcu, RTE_MAX(n_workers, 1u));
	for (unsigned int w = 0; w < n_workers; w++)
		rte_rcu_qsbr_thread_register(dp_tg.rcu, w);
	dp_tg.root = rte_zmalloc_socket("dp_root", sizeof(*dp_tg.root), RTE_CACHE_LINE_SIZE, socket_id);
	if (dp_tg.root == NULL)
		return -ENOMEM;
	return 0;
}

void
dp_tables_reader_online(unsigned int worker)
{
	rte_rcu_qsbr_thread_online(dp_tg.rcu, worker);
}

void
dp_tables_reader_offline(unsigned int worker)
{
	rte_rcu_qsbr_thread_offline(dp_tg.rcu, worker);
}

void
dp_tables_quiescent(unsigned int worker)
{
	rte_rcu_qsbr_quiescent(dp_tg.rcu, worker);
}

const struct dp_tables_root *
dp_tables_root(void)
{
	return __atomic_load_n(&dp_tg.root, __ATOMIC_ACQUIRE);
}

static void
sync_readers(void)
{
	rte_rcu_qsbr_synchronize(dp_tg.rcu, RTE_QSBR_THRID_INVALID);
}

void
dp_tables_sync(void)
{
	sync_readers();
}

static struct dp_entry *
entry_new(struct dp_table *t, uint32_t idx, uint16_t action, const uint8_t *params,
	  const uint8_t *key)
{
	struct dp_entry *e;

	if (t->n_ent_free == 0)
		return NULL;
	if (t->ent_free != IDX_NONE) {
		e = dp_tent(t, t->ent_free);
		t->ent_free = e->idx;
	} else {
		e = dp_tent(t, t->ent_fresh++);
	}
	t->n_ent_free--;
	memset(e, 0, sizeof(*e) << t->ent_wide);
	if (key != NULL && (t->em || t->dense))   /* readable in the entry */
		memcpy(e->key, key, t->key_len);
	e->idx = idx;
	e->action = action;
	e->table = t->id;
	memcpy(e->params, params, t->params_len);
	return e;
}

/* Once no reader can hold it (after a grace period, or never published). */
static void
entry_free(struct dp_entry *e)
{
	struct dp_table *t;

	if (e == NULL)
		return;
	t = dp_tg.t[e->table];
	e->idx = t->ent_free;
	t->ent_free = dp_entry_ref(t, e);
	t->n_ent_free++;
}

int
dp_table_size_set(const char *name, uint32_t size)
{
	if (size == 0 || strlen(name) >= sizeof(size_set[0].name))
		return -EINVAL;
	for (unsigned int i = 0; i < n_size_set; i++)
		if (strcmp(size_set[i].name, name) == 0) {
			size_set[i].size = size;
			return 0;
		}
	if (n_size_set == DP_TABLES_MAX)
		return -ENOSPC;
	snprintf(size_set[n_size_set].name, sizeof(size_set[0].name), "%s", name);
	size_set[n_size_set++].size = size;
	return 0;
}

static const char *size_names[8];
static unsigned int n_size_names;

int
dp_table_size_declare(const char *name)
{
	if (dp_table_size_declared(name))
		return 0;
	if (n_size_names == RTE_DIM(size_names))
		return -ENOSPC;
	size_names[n_size_names++] = name;
	return 0;
}

bool
dp_table_size_declared(const char *name)
{
	for (unsigned int i = 0; i < n_size_names; i++)
		if (strcmp(size_names[i], name) == 0)
			return true;
	return false;
}

uint32_t
dp_table_size_get(const char *name, uint32_t dflt)
{
	for (unsigned int i = 0; i < n_size_set; i++)
		if (strcmp(size_set[i].name, name) == 0)
			return size_set[i].size;
	return dflt;
}

/* An ACL table's key: rte_acl reads it in 4-byte words, and what it costs
 * is the words it walks, so the fields are packed into as few as they fit:
 * 4-byte and longer fields take whole words, in order; then the 2-byte
 * fields pair up in words of their own, and the 1-byte fields fill what
 * is left, first fit (ports, slice, protocol and DSCP take 2 words, not 5).
 * A field never straddles a word. Returns the key's length. */
static unsigned int
acl_key_layout(struct dp_table *t)
{
	unsigned int off = 0, free_at[DP_KEY_FIELDS_MAX], n_words = 0, first_small;

	for (unsigned int f = 0; f < t->def.n_fields; f++) {
		unsigned int sz = dp_type_size(t->def.fields[f].type);

		if (sz >= 4) {
			t->field_off[f] = off;
			off += RTE_ALIGN_CEIL(sz, 4u);
		}
	}
	first_small = off;
	/* free_at[w]: the next free byte of small word w (4: full) */
	for (unsigned int sz = 2; sz >= 1; sz--)
		for (unsigned int f = 0; f < t->def.n_fields; f++) {
			unsigned int w;

			if (dp_type_size(t->def.fields[f].type) != sz)
				continue;
			for (w = 0; w < n_words && free_at[w] + sz > 4; w++)
				;
			if (w == n_words)
				free_at[n_words++] = 0;
			t->field_off[f] = first_small + 4 * w + free_at[w];
			free_at[w] += sz;
		}
	return first_small + 4 * n_words;
}

int
dp_table_create(const struct dp_table_def *def)
{
	struct dp_table *t;
	unsigned int off = 0, n_lpm = 0, n_acl = 0;
	char name[RTE_HASH_NAMESIZE];
	int rc = -ENOMEM;

	if (dp_tg.n >= DP_TABLES_MAX || def->n_fields == 0 || def->n_fields > DP_KEY_FIELDS_MAX ||
	    def->n_actions == 0 || def->n_actions > DP_ACTIONS_MAX || def->size == 0 ||
	    def->size >= (1u << 24) || def->default_action >= def->n_actions ||
	    def->actions[def->default_action].n_params != 0)
		return -EINVAL;
	if (dp_table_by_name(def->name) >= 0)
		return -EEXIST;
	t = rte_zmalloc_socket("dp_table", sizeof(*t), RTE_CACHE_LINE_SIZE, dp_tg.socket);
	if (t == NULL)
		return -ENOMEM;
	t->def = *def;
	t->id = dp_tg.n;
	for (unsigned int i = 0; i < n_size_set; i++)
		if (strcmp(size_set[i].name, def->name) == 0)
			t->def.size = size_set[i].size;
	def = &t->def;
	for (unsigned int f = 0; f < def->n_fields; f++) {
		if (def->fields[f].type == DP_T_STR) {   /* a text is a param, never a key */
			rc = -EINVAL;
			goto fail;
		}
		if (def->fields[f].match == DP_MATCH_TERNARY || def->fields[f].match == DP_MATCH_RANGE)
			n_acl++;
	}
	if (n_acl)
		off = acl_key_layout(t);
	for (unsigned int f = 0; f < def->n_fields; f++) {
		if (!n_acl) {
			t->field_off[f] = off;
			off += dp_type_size(def->fields[f].type);
		}
		if (def->fields[f].match == DP_MATCH_LPM) {
			n_lpm++;
			t->lpm_off = t->field_off[f];
		}
	}
	/* An LPM table is exact fields (the partition) then one IPv4 or IPv6
	 * prefix, last. Other shapes go to rte_acl by adding a ternary field. */
	if (n_acl == 0 && n_lpm > 0 &&
	    (n_lpm > 1 || def->fields[def->n_fields - 1].match != DP_MATCH_LPM ||
	     (def->fields[def->n_fields - 1].type != DP_T_IPV4 &&
	      def->fields[def->n_fields - 1].type != DP_T_IPV6))) {
		rc = -ENOTSUP;
		goto fail;
	}
	if (off > DP_KEY_MAX) {
		rc = -E2BIG;
		goto fail;
	}
	if (def->no_entry_hits && def->age_actions) {   /* ageing watches the hits */
		rc = -EINVAL;
		goto fail;
	}
	t->key_len = off;
	t->kind = n_acl ? DP_TK_ACL : n_lpm ? DP_TK_LPM : DP_TK_EXACT;
	t->hash_len = RTE_ALIGN_CEIL(t->key_len, 16);
	t->part_len = t->lpm_off;
	t->lpm6 = t->kind == DP_TK_LPM && def->fields[def->n_fields - 1].type == DP_T_IPV6;
	t->ent_wide = def->wide ? 1 : 0;
	t->params_len = def->wide ? DP_PARAMS_WIDE : DP_PARAMS_BYTES;
	for (unsigned int a = 0; a < def->n_actions; a++) {
		unsigned int po = 0;

		for (unsigned int p = 0; p < def->actions[a].n_params; p++) {
			const struct dp_param_def *pd = &def->actions[a].params[p];
			enum dp_type ty = pd->type;

			/* a flag: bit 1 takes a byte, the next bits share it */
			if (pd->bit != 0 &&
			    (pd->bit > 8 || ty != DP_T_U8 || pd->max != 1 ||
			     (pd->bit > 1 && (p == 0 || def->actions[a].params[p - 1].bit != pd->bit - 1)))) {
				rc = -EINVAL;
				goto fail;
			}
			if (pd->bit > 1) {
				t->param_off[a][p] = t->param_off[a][p - 1];
				continue;
			}
			if (ty == DP_T_STR && pd->max == 0) {   /* a text's room is declared */
				rc = -EINVAL;
				goto fail;
			}
			po = RTE_ALIGN_CEIL(po, type_align(ty));
			t->param_off[a][p] = po;
			po += dp_param_size(pd);
		}
		if (po > t->params_len) {
			rc = -E2BIG;
			goto fail;
		}
	}
	if (t->kind == DP_TK_ACL && (rc = dp_tbe_acl_layout(t)) < 0)
		goto fail;
	/* Entries: the live ones, plus those a batch of up to 64k modifies
	 * replaces before its grace period frees them, plus defaults. The trie
	 * keeps a route's entry index in 24 bits. */
	t->ent_cap = def->size + RTE_MIN(def->size, 65536u) + 64;
	if (t->kind == DP_TK_LPM && t->ent_cap > (t->lpm6 ? DP_LPM6_NH_MAX : DP_LPM4_NH_MAX)) {
		rc = -EINVAL;
		goto fail;
	}

	if (t->kind == DP_TK_EXACT) {
		uint64_t span = 1;

		for (unsigned int f = 0; f < def->n_fields && span <= DP_DENSE_MAX; f++)
			span *= def->fields[f].max ? (uint64_t)def->fields[f].max + 1 : UINT64_MAX >> 8;
		t->dense = span <= DP_DENSE_MAX;
		t->dense_n = t->dense ? (uint32_t)span : 0;
	}
	t->em = t->kind == DP_TK_EXACT && !t->dense && t->key_len <= DP_ENTRY_KEY;
	dp_tbe_bind(t);
	t->slot = calloc(def->size, sizeof(*t->slot));
	t->match_len = t->em ? 0 : t->kind == DP_TK_EXACT ? t->key_len :
		       2 * t->key_len + (t->kind == DP_TK_ACL ? 4 : 0);
	t->match = t->match_len ? calloc(def->size, t->match_len) : NULL;
	t->age = def->no_entry_hits ? NULL : calloc(def->size, sizeof(*t->age));
	if (t->slot == NULL || (t->match_len && t->match == NULL) ||
	    (!def->no_entry_hits && t->age == NULL))
		goto fail;
	/* not zeroed: entry_new writes each as it hands it out */
	t->ent = rte_malloc_socket("dp_entries", ((size_t)t->ent_cap * sizeof(*t->ent)) << t->ent_wide,
				   RTE_CACHE_LINE_SIZE, dp_tg.socket);
	if (t->ent == NULL)
		goto fail;
	t->ent_free = IDX_NONE;
	t->ent_fresh = 0;
	t->n_ent_free = t->ent_cap;
	/* one slot more than entries: where workers count misses, so their
	 * count loop needs no branch (never read) */
	for (unsigned int w = 0; w < dp_tg.n_workers && !def->no_entry_hits; w++) {
		t->hits[w] = rte_zmalloc_socket("dp_hits", sizeof(uint64_t) * (def->size + 1),
						RTE_CACHE_LINE_SIZE, dp_tg.socket);
		if (t->hits[w] == NULL)
			goto fail;
	}
	/* low slots first (slot_fresh counts up), so reads page in
	 * insertion-ish order */
	t->free_idx = IDX_NONE;
	t->slot_fresh = 0;
	t->n_free = def->size;

	snprintf(name, sizeof(name), "ctl%u_%u", t->id, dp_tg.seq++);
	if (t->em)
		t->ctl_em = dp_em_create(def->size, 0, t->ent, sizeof(*t->ent) << t->ent_wide,
					 offsetof(struct dp_entry, key), dp_tg.socket);
	else
		t->ctl_index = rte_hash_create(&(struct rte_hash_parameters){
			.name = name, .entries = RTE_MAX(def->size, 8u) * 2,
			.key_len = CTL_KEY_LEN(t->key_len), .hash_func = rte_jhash,
			.socket_id = dp_tg.socket,
		});
	if (t->ctl_index == NULL && t->ctl_em == NULL)
		goto fail;
	t->deflt = entry_new(t, IDX_NONE, def->default_action, (uint8_t[DP_PARAMS_WIDE]){0}, NULL);
	if (t->deflt == NULL)
		goto fail;
	dp_tg.t[dp_tg.n] = t;
	dp_tg.root->deflt[dp_tg.n] = t->deflt;
	dp_tg.n++;
	return t->id;
fail:
	if (t->ctl_index)
		rte_hash_free(t->ctl_index);
	dp_em_free(t->ctl_em);
	for (unsigned int w = 0; w < DP_WORKERS_MAX; w++)
		rte_free(t->hits[w]);
	rte_free(t->ent);
	free(t->slot);
	free(t->match);
	free(t->age);
	rte_free(t);
	return rc;
}

/* ------------------------------------------------------------------ schema */

unsigned int dp_tables_count(void) { return dp_tg.n; }
const struct dp_table_def *dp_table_def(unsigned int id) { return id < dp_tg.n ? &dp_tg.t[id]->def : NULL; }
enum dp_table_kind dp_table_kind(unsigned int id) { return dp_tg.t[id]->kind; }
unsigned int dp_table_key_len(unsigned int id) { return dp_tg.t[id]->key_len; }
unsigned int dp_table_params_len(unsigned int id) { return dp_tg.t[id]->params_len; }
unsigned int dp_table_key_room(unsigned int id) { return RTE_MAX(dp_tg.t[id]->hash_len, dp_tg.t[id]->key_len); }
unsigned int dp_table_field_off(unsigned int id, unsigned int f) { return dp_tg.t[id]->field_off[f]; }
uint32_t dp_table_entries(unsigned int id) { return dp_tg.t[id]->n_entries; }
uint64_t dp_tables_generation(void) { return dp_tg.generation; }

unsigned int
dp_table_param_off(unsigned int id, unsigned int action, unsigned int param)
{
	return dp_tg.t[id]->param_off[action][param];
}

int
dp_table_by_name(const char *name)
{
	for (unsigned int i = 0; i < dp_tg.n; i++)
		if (strcmp(dp_tg.t[i]->def.name, name) == 0)
			return (int)i;
	return -ENOENT;
}

/* ------------------------------------------------------------------ writes */

/* What the workers counted in a control slot (its entries, old and new). */
static uint64_t
slot_hits(const struct dp_table *t, uint32_t idx)
{
	uint64_t s = 0;

	for (unsigned int w = 0; w < dp_tg.n_workers && t->hits[w] != NULL; w++)
		s += __atomic_load_n(&t->hits[w][idx], __ATOMIC_RELAXED);
	return s;
}

static uint64_t
hits_sum(const struct dp_table *t, uint32_t idx)
{
	return (t->age != NULL ? t->age[idx].carried : 0) + slot_hits(t, idx);
}

struct undo {
	uint8_t type;
	uint16_t table;
	uint32_t idx;            /* slot the update touched */
	uint32_t old_idx;        /* atomic modify: the slot it replaced */
	uint32_t upd;            /* index of the update in the batch */
	struct dp_entry *old_e;  /* modify/delete/default: the entry replaced */
	uint64_t old_hits;       /* atomic modify: old_e's hits when its count was carried */
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
	return x->nroot ? x->nroot->backend[tid] : dp_tg.root->backend[tid];
}

static int
touch(struct txn *x, struct dp_table *t)
{
	if (x->touched[t->id])
		return 0;
	if (x->nroot) {
		/* an exact table's shadow is the copy; the batch holds it until it ends */
		void *be = t->shadow != NULL ? t->shadow : dp_tbe_clone(t);

		if (be == NULL)
			return -ENOMEM;
		t->shadow = NULL;
		x->nroot->backend[t->id] = be;
	} else if (dp_tg.root->backend[t->id] == NULL) {
		void *be = dp_tbe_new(t);

		if (be == NULL)
			return -ENOMEM;
		__atomic_store_n(&dp_tg.root->backend[t->id], be, __ATOMIC_RELEASE);
	}
	x->touched[t->id] = true;
	return 0;
}

/* Tell workers that the tables the batch touched changed (dp_table_version):
 * before the grace period, so that what a worker remembered of them is
 * stale before anything it points to is freed. */
static void
versions_bump(const struct txn *x)
{
	for (unsigned int tid = 0; tid < dp_tg.n; tid++)
		if (x->touched[tid])
			__atomic_store_n(&dp_tg.t[tid]->version, dp_tg.t[tid]->version + 1,
					 __ATOMIC_RELEASE);
}

static int
apply_one(struct txn *x, const struct dp_update *u, struct undo *ud)
{
	struct dp_table *t = dp_tg.t[u->table];
	struct ctl_rec r, cur;
	struct dp_entry *e;
	uint32_t idx;
	void *be;
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
		e = entry_new(t, IDX_NONE, u->action, u->params, NULL);
		if (e == NULL)
			return -ENOMEM;
		ud->old_e = t->deflt;
		t->deflt = e;
		if (x->nroot)
			x->nroot->deflt[t->id] = e;
		else
			__atomic_store_n(&dp_tg.root->deflt[t->id], e, __ATOMIC_RELEASE);
		return 0;
	}

	if ((rc = dp_trec_canon(t, u, &r)) < 0)
		return rc;
	idx = dp_trec_find(t, &r);

	switch (u->type) {
	case DP_UPD_INSERT:
		if (idx != IDX_NONE)
			return -EEXIST;
		if ((idx = dp_trec_take(t)) == IDX_NONE)
			return -ENOSPC;
		e = entry_new(t, idx, u->action, u->params, r.key);
		if (e == NULL) {
			dp_trec_give(t, idx);
			return -ENOSPC;
		}
		r.used = true;
		r.e = e;
		if ((rc = dp_tbe_add(t, be, &r)) < 0 || dp_trec_index(t, &r, idx) < 0) {
			if (rc == 0) {
				int32_t pos;

				dp_tbe_del(t, be, &r, &pos);
				if (pos >= 0)
					rte_hash_free_key_with_position(be, pos); /* never published */
				rc = -ENOSPC;
			}
			entry_free(e);
			dp_trec_give(t, idx);
			return rc;
		}
		dp_trec_put(t, idx, &r);
		if (t->age != NULL)
			t->age[idx] = (struct ctl_age){ .active_tsc = rte_rdtsc() };
		t->n_entries++;
		ud->idx = idx;
		return 0;

	case DP_UPD_MODIFY:
		if (idx == IDX_NONE)
			return -ENOENT;
		dp_trec_get(t, idx, &cur);
		if (x->nroot) {
			/* The live root still reads the old slot: give the new entry its own. */
			uint32_t nidx = dp_trec_take(t);

			if (nidx == IDX_NONE)
				return -ENOSPC;
			e = entry_new(t, nidx, u->action, u->params, r.key);
			if (e == NULL) {
				dp_trec_give(t, nidx);
				return -ENOSPC;
			}
			r = cur;
			r.e = e;
			if ((rc = dp_tbe_add(t, be, &r)) < 0) {
				entry_free(e);
				dp_trec_give(t, nidx);
				return rc;
			}
			dp_trec_put(t, nidx, &r);
			if (t->age != NULL) {
				/* the new slot counts from zero: carry the old one's */
				ud->old_hits = slot_hits(t, idx);
				t->age[nidx] = t->age[idx];
				t->age[nidx].carried += ud->old_hits;
			}
			t->slot[idx].used = false;   /* reserved until commit */
			dp_trec_index(t, &r, nidx);   /* the key is there: replaced */
			ud->idx = nidx;
			ud->old_idx = idx;
			ud->old_e = cur.e;
			return 0;
		}
		e = entry_new(t, idx, u->action, u->params, r.key);
		if (e == NULL)
			return -ENOSPC;
		ud->idx = idx;
		ud->old_e = cur.e;
		cur.e = e;
		/* the key is there: the backend swaps the entry in place (exact,
		 * lpm; acl is rebuilt with the batch) */
		if ((rc = dp_tbe_add(t, be, &cur)) < 0) {
			entry_free(e);
			return rc;
		}
		t->slot[idx].ent = dp_entry_ref(t, e);
		dp_trec_index(t, &cur, idx);   /* an em's index names the entry */
		return 0;

	case DP_UPD_DELETE:
		if (idx == IDX_NONE)
			return -ENOENT;
		dp_trec_get(t, idx, &cur);
		if ((rc = dp_tbe_del(t, be, &cur, &ud->pos)) < 0)
			return rc;
		if (x->nroot && ud->pos >= 0) {   /* a copy no worker reads yet */
			rte_hash_free_key_with_position(be, ud->pos);
			ud->pos = -1;
		}
		dp_trec_unindex(t, &cur);
		ud->idx = idx;
		ud->old_e = cur.e;
		t->slot[idx].used = false;       /* slot reserved until commit */
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
	struct dp_table *t = dp_tg.t[ud->table];
	void *be = live_backend(x, t->id);
	struct ctl_rec r;
	int32_t pos;

	switch (ud->type) {
	case DP_UPD_DEFAULT:
		dead_e[(*n_dead)++] = t->deflt;
		t->deflt = ud->old_e;
		if (x->nroot)
			x->nroot->deflt[t->id] = ud->old_e;
		else
			__atomic_store_n(&dp_tg.root->deflt[t->id], ud->old_e, __ATOMIC_RELEASE);
		break;
	case DP_UPD_INSERT:
		dp_trec_get(t, ud->idx, &r);
		dp_trec_unindex(t, &r);
		if (!x->nroot) {
			dp_tbe_del(t, be, &r, &pos);
			ud->pos = pos; /* freed after the sync */
		}
		dead_e[(*n_dead)++] = r.e;
		t->n_entries--;
		t->slot[ud->idx].used = false;
		break;
	case DP_UPD_MODIFY:
		if (ud->old_idx != IDX_NONE) {   /* atomic: drop the new slot, revive the old */
			t->slot[ud->old_idx].used = true;
			dp_trec_get(t, ud->old_idx, &r);
			dp_trec_index(t, &r, ud->old_idx);
			dead_e[(*n_dead)++] = dp_trec_entry(t, ud->idx);
			t->slot[ud->idx].used = false;
		} else {
			dead_e[(*n_dead)++] = dp_trec_entry(t, ud->idx);
			t->slot[ud->idx].ent = dp_entry_ref(t, ud->old_e);
			dp_trec_get(t, ud->idx, &r);
			dp_tbe_add(t, be, &r);
			dp_trec_index(t, &r, ud->idx);
		}
		break;
	case DP_UPD_DELETE:
		t->slot[ud->idx].used = true;
		dp_trec_get(t, ud->idx, &r);
		dp_trec_index(t, &r, ud->idx);
		if (!x->nroot)
			dp_tbe_add(t, be, &r);
		t->n_entries++;
		break;
	}
}

static void
carry_late_hits(struct dp_table *t, const struct undo *ud)
{
	uint64_t late = slot_hits(t, ud->old_idx) - ud->old_hits;
	struct ctl_rec r;
	uint32_t idx;

	if (late == 0 || t->age == NULL)
		return;
	dp_trec_get(t, ud->idx, &r);
	if ((idx = dp_trec_find(t, &r)) != IDX_NONE)
		t->age[idx].carried += late;
}

static void
shadow_drop(struct dp_table *t)
{
	dp_tbe_free(t, t->shadow);
	t->shadow = NULL;
}

/* Past this many keys, a rollback or continue write drops the table's
 * shadow rather than replay them onto it: the write was already of the
 * order of the table, and the clone the next dataplane-atomic batch then
 * makes costs about what the replay would have. */
static inline uint32_t
replay_max(const struct dp_table *t)
{
	return t->def.size / 4;
}

#define REPLAY_BURST 32

/* Put n keys the batch touched (each named by its update's slot, whose
 * record still holds it) in t's shadow as the control side now has them:
 * present, their entry (replaced); absent, deleted (no worker reads a
 * shadow: an rte_hash key position is free at once). The control records
 * are looked up together and the shadow's lines loaded first, so their
 * cache misses overlap (a 1,000-key replay: 250 -> 75 us). A shadow that
 * cannot take a key (its layout differs: a full bucket pair) is dropped;
 * the next dataplane-atomic batch clones. */
static void
replay_burst(struct dp_table *t, const struct undo *const *ud, unsigned int n)
{
	struct ctl_rec r[REPLAY_BURST];
	uint32_t idx[REPLAY_BURST];

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		dp_trec_get(t, ud[i]->idx, &r[i]);
		dp_tbe_prefetch(t, t->shadow, r[i].key);
	}
	dp_trec_find_bulk(t, r, n, idx);
	for (unsigned int i = 0; i < n; i++) {
		int32_t pos;
		int rc;

		if (idx[i] != IDX_NONE) {
			struct ctl_rec now;

			dp_trec_get(t, idx[i], &now);
			rc = dp_tbe_add(t, t->shadow, &now);
		} else {
			rc = dp_tbe_del(t, t->shadow, &r[i], &pos);
			if (pos >= 0)
				rte_hash_free_key_with_position(t->shadow, pos);
		}
		if (rc < 0 && rc != -ENOENT) {
			shadow_drop(t);
			return;
		}
	}
}

/* Every shadow of the batch's tables made equal to its live backend again,
 * whatever the mode and outcome, by replaying the keys the batch touched.
 * Before the batch frees the entries it replaced and gives back slots:
 * dp_em finds a key by comparing it in the entry its slot names, and a
 * shadow slot that outlived its entry would name whatever key the entry is
 * reused for. */
static void
shadows_replay(const struct txn *x)
{
	const struct undo *ud[REPLAY_BURST];

	for (unsigned int tid = 0; tid < dp_tg.n; tid++) {
		struct dp_table *t = dp_tg.t[tid];
		uint32_t n_keys = 0;
		unsigned int n = 0;

		if (!x->touched[tid] || t->shadow == NULL)
			continue;
		for (unsigned int k = 0; k < x->n_log; k++)
			n_keys += x->log[k].table == tid && x->log[k].type != DP_UPD_DEFAULT;
		if (x->mode != DP_ATOM_DATAPLANE && n_keys > replay_max(t)) {
			shadow_drop(t);
			continue;
		}
		for (unsigned int k = 0; k < x->n_log && t->shadow != NULL; k++) {
			if (x->log[k].table != tid || x->log[k].type == DP_UPD_DEFAULT)
				continue;
			ud[n++] = &x->log[k];
			if (n == REPLAY_BURST) {
				replay_burst(t, ud, n);
				n = 0;
			}
		}
		if (n > 0 && t->shadow != NULL)
			replay_burst(t, ud, n);
	}
}

/* After a dataplane-atomic batch (swapped in, or abandoned) no worker reads
 * the backends of root: an exact table's becomes its shadow (an empty one
 * when it had none: the table was empty), the others are freed. */
static void
backends_retire(const struct txn *x, struct dp_tables_root *root)
{
	for (unsigned int tid = 0; tid < dp_tg.n; tid++) {
		struct dp_table *t = dp_tg.t[tid];
		void *be = root->backend[tid];

		if (!x->touched[tid])
			continue;
		if (t->kind == DP_TK_EXACT)
			t->shadow = be != NULL ? be : dp_tbe_new(t);
		else if (be != dp_tg.root->backend[tid])
			dp_tbe_free(t, be);
	}
	rte_free(root);
}

/* After the batch's grace period: what its backends unlinked is reusable. */
static void
reclaim_touched(const struct txn *x)
{
	for (unsigned int tid = 0; tid < dp_tg.n; tid++)
		if (x->touched[tid])
			dp_tbe_reclaim(dp_tg.t[tid]);
}

#define APPLY_AHEAD 8

static int
write_batch(const struct dp_update *u, unsigned int n, enum dp_atomicity mode, int *results)
{
	struct txn x = { .mode = mode };
	struct dp_tables_root *old_root = NULL;
	struct dp_entry **dead_e;
	struct rte_acl_ctx **dead_acl;
	unsigned int n_dead = 0, n_dead_acl = 0, failed = 0, applied = 0;
	bool abort = false;
	int rc = 0;

	for (unsigned int i = 0; i < n; i++) {
		results[i] = (u[i].table < dp_tg.n) ? 0 : -EINVAL;
		if (results[i] == 0 && u[i].type == DP_UPD_DEFAULT &&
		    (u[i].action >= dp_tg.t[u[i].table]->def.n_actions))
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
		x.nroot = rte_zmalloc_socket("dp_root", sizeof(*x.nroot), RTE_CACHE_LINE_SIZE, dp_tg.socket);
		if (x.nroot == NULL) {
			rc = -ENOMEM;
			goto out_nomem;
		}
		*x.nroot = *dp_tg.root;
	}

	for (unsigned int i = 0; i < n && !abort; i++) {
		if (results[i])
			continue;
		if (u[i].after && (u[i].after > i || results[i - u[i].after] != 0)) {
			results[i] = -ECANCELED;   /* what it derives from did not apply */
			continue;
		}
		/* a later update's bucket or slot on its way, so that its load
		 * overlaps this update's work (the shadow a dataplane-atomic
		 * batch changes is cold: no worker reads it) */
		if (i + APPLY_AHEAD < n && u[i + APPLY_AHEAD].table < dp_tg.n &&
		    x.touched[u[i + APPLY_AHEAD].table])
			dp_tbe_prefetch(dp_tg.t[u[i + APPLY_AHEAD].table],
					live_backend(&x, u[i + APPLY_AHEAD].table), u[i + APPLY_AHEAD].key);
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
	for (unsigned int tid = 0; tid < dp_tg.n && !abort; tid++) {
		struct rte_acl_ctx *old;
		int brc;

		if (!x.touched[tid] || dp_tg.t[tid]->kind != DP_TK_ACL)
			continue;
		brc = dp_tbe_acl_build(dp_tg.t[tid], live_backend(&x, tid), &old);
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
			/* the batch's copies were never read: its undo left the
			 * shadows dirty, the replay below cleans them */
			backends_retire(&x, x.nroot);
			x.nroot = NULL;
		}
		versions_bump(&x);
		sync_readers();
		reclaim_touched(&x);
		shadows_replay(&x);
		/* Key slots of rolled-back inserts and re-added deletes are free to reuse now. */
		rc = -ECANCELED;
		for (unsigned int k = 0; k < x.n_log; k++) {
			struct undo *ud = &x.log[k];
			struct dp_table *t = dp_tg.t[ud->table];

			if (ud->type == DP_UPD_INSERT || (ud->type == DP_UPD_MODIFY && ud->old_idx != IDX_NONE))
				dp_trec_give(t, ud->idx);
			if (ud->pos >= 0)   /* never in a dataplane-atomic batch's log */
				rte_hash_free_key_with_position(dp_tg.root->backend[t->id], ud->pos);
		}
		goto out;
	}

	if (x.nroot) {
		if (dp_table_swap_hook != NULL)
			dp_table_swap_hook();
		x.nroot->generation = dp_tg.generation + 1;
		old_root = dp_tg.root;
		__atomic_store_n(&dp_tg.root, x.nroot, __ATOMIC_RELEASE);
	}
	if (applied)
		dp_tg.generation++;
	if (!x.nroot)
		dp_tg.root->generation = dp_tg.generation;
	versions_bump(&x);
	sync_readers();
	reclaim_touched(&x);
	/* Everything replaced is now unreachable by workers, the old backends too. */
	if (old_root)
		backends_retire(&x, old_root);
	shadows_replay(&x);
	for (unsigned int k = 0; k < x.n_log; k++) {
		struct undo *ud = &x.log[k];
		struct dp_table *t = dp_tg.t[ud->table];

		if (ud->old_e)
			dead_e[n_dead++] = ud->old_e;
		/* a modified entry in place: old and new count in the same slot */
		/* atomic: the old entry kept counting until the swap; hand what
		 * it counted since its count was carried to the key's live slot
		 * (looked up: a later update of the batch may have moved it on) */
		if (ud->type == DP_UPD_MODIFY && ud->old_idx != IDX_NONE)
			carry_late_hits(t, ud);
		if (ud->type == DP_UPD_DELETE) {
			/* rollback, continue: the position is in the live backend */
			if (ud->pos >= 0)
				rte_hash_free_key_with_position(dp_tg.root->backend[t->id], ud->pos);
			dp_trec_give(t, ud->idx);
		} else if (ud->type == DP_UPD_MODIFY && ud->old_idx != IDX_NONE) {
			dp_trec_give(t, ud->old_idx);
		}
	}
	if (failed || applied < n)
		rc = -EIO;
out:
	for (unsigned int i = 0; i < n_dead; i++)
		entry_free(dead_e[i]);
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

/* A batch, its writes_seq odd while it is applied (dp_tables_write_seq). */
int
dp_table_write_batch(const struct dp_update *u, unsigned int n, enum dp_atomicity mode, int *results)
{
	int rc;

	__atomic_store_n(&dp_tg.writes_seq, dp_tg.writes_seq + 1, __ATOMIC_RELEASE);
	rc = write_batch(u, n, mode, results);
	__atomic_store_n(&dp_tg.writes_seq, dp_tg.writes_seq + 1, __ATOMIC_RELEASE);
	return rc;
}

uint64_t
dp_tables_write_seq(void)
{
	return __atomic_load_n(&dp_tg.writes_seq, __ATOMIC_ACQUIRE);
}

/* The update that deletes an installed record (table.clear, ageing). */
static void
delete_of(unsigned int id, const struct ctl_rec *r, struct dp_update *u)
{
	memset(u, 0, sizeof(*u));
	u->type = DP_UPD_DELETE;
	u->table = id;
	u->plen = r->plen;
	u->priority = r->priority;
	memcpy(u->key, r->key, DP_KEY_MAX);
	memcpy(u->mask, r->mask, DP_KEY_MAX);
}

int
dp_table_deletes_all(unsigned int id, struct dp_update **out, uint32_t *n_out)
{
	struct dp_table *t;
	struct dp_update *u;
	uint32_t n = 0;

	if (id >= dp_tg.n)
		return -EINVAL;
	t = dp_tg.t[id];
	if ((u = calloc(t->n_entries ? t->n_entries : 1, sizeof(*u))) == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->def.size && n < t->n_entries; i++) {
		struct ctl_rec r;

		if (!t->slot[i].used)
			continue;
		dp_trec_get(t, i, &r);
		delete_of(id, &r, &u[n++]);
	}
	*out = u;
	*n_out = n;
	return 0;
}

/* ------------------------------------------------------------------ reads */

static void
view_of(const struct dp_table *t, uint32_t idx, struct dp_entry_view *v)
{
	const struct ctl_age *a = t->age != NULL ? &t->age[idx] : NULL;
	uint64_t now = rte_rdtsc(), hits = hits_sum(t, idx);
	struct ctl_rec r;

	dp_trec_get(t, idx, &r);
	memcpy(v->key, r.key, DP_KEY_MAX);
	memcpy(v->mask, r.mask, DP_KEY_MAX);
	v->plen = r.plen;
	v->priority = r.priority;
	v->action = r.e->action;
	memcpy(v->params, r.e->params, t->params_len);
	v->hits = hits;
	v->idle_ms = a != NULL && a->seen_hits == hits && now > a->active_tsc ?
		(now - a->active_tsc) * 1000 / rte_get_tsc_hz() : 0;
}

int
dp_table_each(unsigned int id, int (*fn)(const struct dp_entry_view *ev, void *arg), void *arg)
{
	struct dp_entry_view ev[64];
	uint32_t off = 0, next;
	int rc;

	do {
		unsigned int k = dp_table_read(id, off, RTE_DIM(ev), ev, &next);

		for (unsigned int i = 0; i < k; i++)
			if ((rc = fn(&ev[i], arg)) != 0)
				return rc;
		off = next;
	} while (next != UINT32_MAX);
	return 0;
}

unsigned int
dp_table_read(unsigned int id, uint32_t offset, unsigned int limit,
	      struct dp_entry_view *out, uint32_t *next)
{
	struct dp_table *t = dp_tg.t[id];
	unsigned int k = 0;
	uint32_t i;

	for (i = offset; i < t->def.size && k < limit; i++)
		if (t->slot[i].used)
			view_of(t, i, &out[k++]);
	while (i < t->def.size && !t->slot[i].used)
		i++;
	*next = i < t->def.size ? i : UINT32_MAX;
	return k;
}

int
dp_table_get(const struct dp_update *u, struct dp_entry_view *out)
{
	struct dp_table *t;
	struct ctl_rec r;
	uint32_t idx;

	if (u->table >= dp_tg.n)
		return -ENOENT;
	t = dp_tg.t[u->table];
	if (dp_trec_canon(t, u, &r) < 0 || (idx = dp_trec_find(t, &r)) == IDX_NONE)
		return -ENOENT;
	view_of(t, idx, out);
	return 0;
}

int
dp_table_default_get(unsigned int id, struct dp_entry_view *out)
{
	if (id >= dp_tg.n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->action = dp_tg.t[id]->deflt->action;
	memcpy(out->params, dp_tg.t[id]->deflt->params, dp_tg.t[id]->params_len);
	return 0;
}

struct dp_table_counts
dp_table_counts(unsigned int id)
{
	struct dp_table_counts c = {0, 0};

	for (unsigned int w = 0; w < dp_tg.n_workers; w++) {
		c.hits += __atomic_load_n(&dp_tg.t[id]->wcnt[w].hits, __ATOMIC_RELAXED);
		c.misses += __atomic_load_n(&dp_tg.t[id]->wcnt[w].misses, __ATOMIC_RELAXED);
	}
	return c;
}

const struct dp_entry *
dp_table_find(unsigned int id, const uint8_t *key)
{
	uint8_t k[DP_KEY_MAX] = {0};
	const uint8_t *kp[1] = { k };
	const struct dp_entry *e[1];

	if (id >= dp_tg.n)
		return NULL;
	memcpy(k, key, dp_tg.t[id]->key_len);
	return dp_table_lookup(dp_tg.root, DP_WORKER_NONE, id, kp, 1, e) ? e[0] : NULL;
}

int
dp_table_set_idle_timeout(unsigned int id, uint32_t seconds)
{
	if (id >= dp_tg.n || dp_tg.t[id]->def.age_actions == 0)
		return -ENOTSUP;
	dp_tg.t[id]->def.idle_timeout_s = seconds;
	return 0;
}

uint32_t
dp_table_idle_timeout(unsigned int id)
{
	return id < dp_tg.n ? dp_tg.t[id]->def.idle_timeout_s : 0;
}

void
dp_table_deletes_idle(unsigned int id, uint64_t now, struct dp_update **out, unsigned int *n_out)
{
	struct dp_table *t = dp_tg.t[id];
	uint64_t limit = (uint64_t)t->def.idle_timeout_s * rte_get_tsc_hz();
	struct dp_update *u = NULL;
	unsigned int n = 0, cap = 0;

	for (uint32_t i = 0; i < t->def.size; i++) {
		struct ctl_age *a = &t->age[i];   /* ageing tables count hits */
		struct ctl_rec r;
		uint64_t h;

		if (!t->slot[i].used)
			continue;
		h = hits_sum(t, i);
		if (h != a->seen_hits) {
			a->seen_hits = h;
			a->active_tsc = now;
			continue;
		}
		/* a record stamped after now (inserted since the caller read
		 * its clock) is fresh, not 2^64 ticks old */
		if (t->def.idle_timeout_s == 0 ||
		    !(t->def.age_actions >> dp_trec_entry(t, i)->action & 1) ||
		    now <= a->active_tsc || now - a->active_tsc < limit)
			continue;
		if (n == cap) {
			struct dp_update *nu = realloc(u, (cap = cap ? cap * 2 : 64) * sizeof(*u));

			if (nu == NULL)
				break;
			u = nu;
		}
		dp_trec_get(t, i, &r);
		delete_of(id, &r, &u[n++]);
	}
	*out = u;
	*n_out = n;
}

/* ------------------------------------------------------------------ teardown */

void
dp_tables_fini(void)
{
	for (unsigned int i = 0; i < dp_tg.n; i++) {
		struct dp_table *t = dp_tg.t[i];

		dp_tbe_free(t, dp_tg.root->backend[i]);
		shadow_drop(t);
		for (unsigned int w = 0; w < DP_WORKERS_MAX; w++)
			rte_free(t->hits[w]);
		rte_free(t->ent);
		rte_hash_free(t->ctl_index);
		dp_em_free(t->ctl_em);
		free(t->slot);
		free(t->match);
		free(t->age);
		rte_free(t);
	}
	rte_free(dp_tg.root);
	rte_free(dp_tg.rcu);
	memset(&dp_tg, 0, sizeof(dp_tg));
	n_size_set = 0;
	n_size_names = 0;
}
