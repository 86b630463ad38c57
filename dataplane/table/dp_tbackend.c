/* Table engine backends: a direct array or dp_em (small exact keys),
 * rte_hash (longer exact keys), one dp_lpm4 or dp_lpm6 trie per partition
 * (lpm), rte_acl built on the side (ternary/range), their clones for
 * dataplane-atomic batches, and the bulk lookup the workers call. The
 * control side (dp_table.c) decides what changes and in which backend; this
 * file only maps keys to entries in the DPDK structures. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_hash_crc.h>
#include <rte_byteorder.h>
#include <rte_prefetch.h>

#include "dp_tbackend.h"
#include "dp_table_int.h"
#include "dp_trec.h"

struct dp_tables_state dp_tg;

/* rte_acl consumes one byte, then whole 4-byte words: its first field must
 * be one byte (ours is a zero-mask byte that matches anything) and every
 * later word must be fully described, its fields in the order of their
 * offsets. The key's words (dp_table.c's acl_key_layout) hold whole fields
 * or chunks of long ones; what no field covers is described by zero-mask
 * fillers. */
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

/* Fillers for the bytes [from, to) of a word at off: 2-byte, then 1. */
static int
acl_fill(struct dp_table *t, unsigned int off, unsigned int from, unsigned int to, unsigned int input)
{
	int rc;

	while (from < to) {
		unsigned int fs = to - from >= 2 ? 2 : 1;

		if ((rc = acl_add_def(t, RTE_ACL_FIELD_TYPE_BITMASK, fs, off + from, input, -1, 0)) < 0)
			return rc;
		from += fs;
	}
	return 0;
}

int
dp_tbe_acl_layout(struct dp_table *t)
{
	unsigned int input = 0, key_len = 0;
	int rc;

	t->acl_cfg.num_fields = 0;
	t->acl_cfg.num_categories = 1;
	if ((rc = acl_add_def(t, RTE_ACL_FIELD_TYPE_BITMASK, 1, 0, input++, -1, 0)) < 0)
		return rc;
	for (unsigned int f = 0; f < t->def.n_fields; f++) {
		const struct dp_field_def *fd = &t->def.fields[f];

		if (fd->match == DP_MATCH_RANGE && dp_type_size(fd->type) > 4)
			return -ENOTSUP;
		key_len = RTE_MAX(key_len, t->field_off[f] + dp_type_size(fd->type));
	}
	/* word by word: the fields (or chunks) in it by offset, gaps filled */
	for (unsigned int w = 0; w < key_len; w += 4, input++) {
		unsigned int at = 0;

		for (unsigned int b = 0; b < 4; b++) {
			for (unsigned int f = 0; f < t->def.n_fields; f++) {
				const struct dp_field_def *fd = &t->def.fields[f];
				unsigned int off = t->field_off[f], size = dp_type_size(fd->type), chunk, cs;
				uint8_t type = fd->match == DP_MATCH_RANGE ? RTE_ACL_FIELD_TYPE_RANGE :
					fd->match == DP_MATCH_LPM ? RTE_ACL_FIELD_TYPE_MASK :
					RTE_ACL_FIELD_TYPE_BITMASK;

				if (w + b < off || w + b >= off + size)
					continue;
				chunk = (w + b - off) / 4;
				cs = RTE_MIN(size - chunk * 4, 4u);
				if (w + b != off + chunk * 4)
					continue;   /* not where this field's piece starts */
				if ((rc = acl_fill(t, w, at, b, input)) < 0 ||
				    (rc = acl_add_def(t, type, cs, w + b, input, (int)f, chunk)) < 0)
					return rc;
				at = b + cs;
			}
		}
		if ((rc = acl_fill(t, w, at, 4, input)) < 0)
			return rc;
	}
	t->acl_nf = t->acl_cfg.num_fields;
	return 0;
}

/* ------------------------------------------------------------------ backends */

/* rte_hash's CRC seed. Not 0: a key of zeros would hash to 0, its
 * signature would be that of an empty bucket entry, and rte_hash_add_key_data
 * (DPDK 22.11), which checks an entry's signature and then compares the key
 * its index names without checking that the entry is empty, would take the
 * empty entry's index 0 (a dummy key of zeros: equal) for "not there" and
 * add the key a second time: a modify of that key leaked a key slot and
 * left a stale copy behind. */
#define CRC_SEED 0x9e3779b9u

static void *
exact_new(struct dp_table *t)
{
	char name[RTE_HASH_NAMESIZE];

	if (t->dense)	/* slot -> entry ref + 1, 0: none */
		return rte_zmalloc_socket(NULL, sizeof(uint32_t) * t->dense_n, RTE_CACHE_LINE_SIZE,
					  dp_tg.socket);
	if (t->em)	/* values are entry refs; the key is compared in the entry */
		return dp_em_create(t->def.size, 0, t->ent, sizeof(*t->ent) << t->ent_wide,
				    offsetof(struct dp_entry, key), dp_tg.socket);

	snprintf(name, sizeof(name), "tx%u_%u", t->id, dp_tg.seq++);
	/* LF RW concurrency keeps key slots until we free them after a grace period. */
	return rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = RTE_MAX(t->def.size, 8u) + t->def.size / 4,
		.key_len = t->hash_len, .hash_func = rte_hash_crc, .socket_id = dp_tg.socket,
		.hash_func_init_val = CRC_SEED,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	});
}

static struct lpm_backend *
lpm_new(struct dp_table *t)
{
	struct lpm_backend *b = rte_zmalloc_socket(NULL, sizeof(*b), RTE_CACHE_LINE_SIZE, dp_tg.socket);
	char name[RTE_HASH_NAMESIZE];

	if (b == NULL)
		return NULL;
	if (t->part_len == 0)
		return b;
	if (t->part_len == 2) {	/* a VRF: indexed directly, no hash per run */
		b->dir = rte_zmalloc_socket(NULL, sizeof(*b->dir) * 65536, RTE_CACHE_LINE_SIZE,
					    dp_tg.socket);
		if (b->dir == NULL) {
			rte_free(b);
			return NULL;
		}
		return b;
	}
	snprintf(name, sizeof(name), "tv%u_%u", t->id, dp_tg.seq++);
	b->parts = rte_hash_create(&(struct rte_hash_parameters){
		.name = name, .entries = 1024, .key_len = t->part_len,
		.hash_func = rte_hash_crc, .hash_func_init_val = CRC_SEED, .socket_id = dp_tg.socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	});
	if (b->parts == NULL) {
		rte_free(b);
		return NULL;
	}
	return b;
}

/* A partition's trie, whichever family it is (the other is NULL). */
static void
part_trie_free(struct lpm_part *v)
{
	dp_lpm4_free(v->lpm);
	dp_lpm6_free(v->lpm6);
}

static void
lpm_free(struct lpm_backend *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n_all; i++) {
		if (--b->all[i]->refs > 0)
			continue;
		part_trie_free(b->all[i]);
		rte_free(b->all[i]);
	}
	free(b->all);
	if (b->parts)
		rte_hash_free(b->parts);
	rte_free(b->dir);
	rte_free(b);
}

/* The partition named by key's exact part (workers and control). */
static inline struct lpm_part *
part_find(const struct lpm_backend *b, const uint8_t *key)
{
	void *d;

	if (b->dir != NULL)
		return __atomic_load_n(&b->dir[*(const unaligned_uint16_t *)key], __ATOMIC_ACQUIRE);
	if (b->parts != NULL)
		return rte_hash_lookup_data(b->parts, key, &d) >= 0 ? d : NULL;
	return __atomic_load_n(&b->only, __ATOMIC_ACQUIRE);
}

/* Publish v as key's partition (replacing one). */
static int
part_set(struct lpm_backend *b, const uint8_t *key, struct lpm_part *v)
{
	if (b->dir != NULL)
		__atomic_store_n(&b->dir[*(const unaligned_uint16_t *)key], v, __ATOMIC_RELEASE);
	else if (b->parts != NULL)
		return rte_hash_add_key_data(b->parts, key, v) < 0 ? -ENOSPC : 0;
	else
		__atomic_store_n(&b->only, v, __ATOMIC_RELEASE);
	return 0;
}

static struct lpm_part *
lpm_part_alloc(struct dp_table *t, const uint8_t *key)
{
	struct lpm_part *v = rte_zmalloc_socket(NULL, sizeof(*v), RTE_CACHE_LINE_SIZE, dp_tg.socket);

	if (v == NULL)
		return NULL;
	if (t->lpm6 ? (v->lpm6 = dp_lpm6_create(dp_tg.socket)) == NULL :
		      (v->lpm = dp_lpm4_create(dp_tg.socket)) == NULL) {
		rte_free(v);
		return NULL;
	}
	v->refs = 1;
	memcpy(v->key, key, t->part_len);
	return v;
}

/* The route's next hop in the trie is its entry's slab index (24 bits). */
static int
lpm_route_add(struct dp_table *t, struct lpm_part *v, const struct ctl_rec *r)
{
	uint32_t ref = dp_entry_ref(t, r->e);

	if (r->plen == 0) {
		__atomic_store_n(&v->dflt, ref + 1, __ATOMIC_RELEASE);
		return 0;
	}
	if (t->lpm6)
		return dp_lpm6_add(v->lpm6, r->key + t->lpm_off, r->plen, ref) < 0 ? -ENOSPC : 0;
	return dp_lpm4_add(v->lpm, rte_be_to_cpu_32(*(const uint32_t *)(r->key + t->lpm_off)),
			   r->plen, ref) < 0 ? -ENOSPC : 0;
}

static int
lpm_add_to_all(struct lpm_backend *b, struct lpm_part *v)
{
	if (b->n_all == b->cap_all) {
		uint32_t cap = b->cap_all ? b->cap_all * 2 : 8;
		struct lpm_part **n = realloc(b->all, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		b->all = n;
		b->cap_all = cap;
	}
	b->all[b->n_all++] = v;
	return 0;
}

/* A clone that shares every partition of b (dataplane-atomic). */
static struct lpm_backend *
lpm_clone(struct dp_table *t, struct lpm_backend *b)
{
	struct lpm_backend *c = lpm_new(t);

	if (c == NULL)
		return NULL;
	for (uint32_t i = 0; b && i < b->n_all; i++) {
		struct lpm_part *v = b->all[i];

		if (lpm_add_to_all(c, v) < 0 || part_set(c, v->key, v) < 0) {
			if (c->n_all && c->all[c->n_all - 1] == v)
				c->n_all--;
			lpm_free(c);
			return NULL;
		}
		v->refs++;
	}
	return c;
}

/* Before b changes v: if another backend shares it, give b its own copy. */
static struct lpm_part *
lpm_part_private(struct dp_table *t, struct lpm_backend *b, struct lpm_part *v)
{
	struct lpm_part *n;

	if (v->refs == 1)
		return v;
	/* a copy of its trie: what this VRF holds, not the whole table */
	n = rte_zmalloc_socket(NULL, sizeof(*n), RTE_CACHE_LINE_SIZE, dp_tg.socket);
	if (n == NULL || (t->lpm6 ? (n->lpm6 = dp_lpm6_clone(v->lpm6)) == NULL :
				    (n->lpm = dp_lpm4_clone(v->lpm)) == NULL)) {
		rte_free(n);
		return NULL;
	}
	n->refs = 1;
	n->dflt = v->dflt;
	memcpy(n->key, v->key, t->part_len);
	part_set(b, v->key, n);   /* an existing key: replaced, cannot fail */
	for (uint32_t i = 0; i < b->n_all; i++)
		if (b->all[i] == v)
			b->all[i] = n;
	v->refs--;
	return n;
}

static struct lpm_part *
lpm_part_get(struct dp_table *t, struct lpm_backend *b, const uint8_t *key, bool create)
{
	struct lpm_part *v = part_find(b, key);

	if (v != NULL || !create)
		return v;
	if ((v = lpm_part_alloc(t, key)) == NULL)
		return NULL;
	if (lpm_add_to_all(b, v) < 0 || part_set(b, key, v) < 0) {
		if (b->n_all && b->all[b->n_all - 1] == v)
			b->n_all--;
		part_trie_free(v);
		rte_free(v);
		return NULL;
	}
	return v;
}

void
dp_tbe_free(struct dp_table *t, void *be)
{
	if (be == NULL)
		return;
	switch (t->kind) {
	case DP_TK_EXACT:
		if (t->dense)
			rte_free(be);
		else if (t->em)
			dp_em_free(be);
		else
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
acl_new(void)
{
	struct acl_backend *be = rte_zmalloc_socket(NULL, sizeof(*be), RTE_CACHE_LINE_SIZE, dp_tg.socket);

	if (be != NULL)
		rte_seqlock_init(&be->care_lock);
	return be;
}

void *
dp_tbe_new(struct dp_table *t)
{
	switch (t->kind) {
	case DP_TK_EXACT:
		return exact_new(t);
	case DP_TK_LPM:
		return lpm_new(t);
	case DP_TK_ACL:
		return acl_new();
	}
	return NULL;
}

/* Map r's key to its entry r->e in a backend (an existing key's entry is
 * replaced). Exact and LPM are updated in place; ACL is rebuilt once per
 * batch (dp_tbe_acl_build). */
int
dp_tbe_add(struct dp_table *t, void *be, const struct ctl_rec *r)
{
	uint8_t hk[DP_KEY_MAX] = {0};
	struct lpm_part *v;
	int rc;

	switch (t->kind) {
	case DP_TK_EXACT:
		/* the entry itself is the data: one dependent load less per packet;
		 * adding an existing key replaces the data atomically (modify) */
		memcpy(hk, r->key, t->key_len);
		if (t->dense) {
			uint32_t slot = dp_dense_slot(t, hk);

			if (slot == UINT32_MAX)
				return -EINVAL;	/* the write path checks bounds first */
			__atomic_store_n(&((uint32_t *)be)[slot], dp_entry_ref(t, r->e) + 1,
					 __ATOMIC_RELEASE);
			return 0;
		}
		if (t->em)
			return dp_em_add(be, hk, dp_entry_ref(t, r->e));
		rc = rte_hash_add_key_data(be, hk, r->e);
		return rc < 0 ? -ENOSPC : 0;
	case DP_TK_LPM:
		v = lpm_part_get(t, be, r->key, true);
		if (v == NULL || (v = lpm_part_private(t, be, v)) == NULL)
			return -ENOMEM;
		return lpm_route_add(t, v, r);
	case DP_TK_ACL:
		return 0;
	}
	return -EINVAL;
}

/* Start loading where key lives in an exact backend (a writer about to
 * change a run of keys; rte_hash has no such call, LPM and ACL none). */
void
dp_tbe_prefetch(const struct dp_table *t, const void *be, const uint8_t *key)
{
	uint8_t hk[DP_KEY_MAX] = {0};
	uint32_t slot;

	if (!t->em && !t->dense)
		return;
	memcpy(hk, key, t->key_len);
	if (t->em)
		dp_em_prefetch(be, hk);
	else if ((slot = dp_dense_slot(t, hk)) != UINT32_MAX)
		rte_prefetch0(&((const uint32_t *)be)[slot]);
}

/* rte_hash: *pos is the key's slot, which the caller frees once a grace
 * period has passed (-1 for the others). */
int
dp_tbe_del(struct dp_table *t, void *be, const struct ctl_rec *r, int32_t *pos)
{
	uint8_t hk[DP_KEY_MAX] = {0};
	struct lpm_part *v;
	int32_t rc;

	*pos = -1;
	switch (t->kind) {
	case DP_TK_EXACT:
		memcpy(hk, r->key, t->key_len);
		if (t->dense) {
			uint32_t slot = dp_dense_slot(t, hk);

			if (slot == UINT32_MAX || ((uint32_t *)be)[slot] == 0)
				return -ENOENT;
			__atomic_store_n(&((uint32_t *)be)[slot], 0, __ATOMIC_RELEASE);
			return 0;
		}
		if (t->em)
			return dp_em_del(be, hk);
		rc = rte_hash_del_key(be, hk);
		if (rc < 0)
			return -ENOENT;
		*pos = rc;
		return 0;
	case DP_TK_LPM:
		v = lpm_part_get(t, be, r->key, false);
		if (v == NULL)
			return -ENOENT;
		if ((v = lpm_part_private(t, be, v)) == NULL)
			return -ENOMEM;
		if (r->plen == 0) {
			__atomic_store_n(&v->dflt, 0, __ATOMIC_RELEASE);
			return 0;
		}
		{
			/* what it covered falls back to the longest shorter route */
			uint8_t cd = 0;
			const struct dp_entry *c = dp_trec_cover(t, r, &cd);

			if (t->lpm6)
				return dp_lpm6_delete(v->lpm6, r->key + t->lpm_off, r->plen,
						      c ? dp_entry_ref(t, c) : 0, c ? cd : 0);
			return dp_lpm4_delete(v->lpm,
					      rte_be_to_cpu_32(*(const uint32_t *)(r->key + t->lpm_off)),
					      r->plen, c ? dp_entry_ref(t, c) : 0, c ? cd : 0);
		}
	case DP_TK_ACL:
		return 0;
	}
	return -EINVAL;
}

/* Publish be's care (rte_seqlock: memos read it between lookups). */
static void
care_set(struct acl_backend *be, const struct dp_tcare *care)
{
	if (memcmp(&be->care, care, sizeof(be->care)) == 0)
		return;
	rte_seqlock_write_lock(&be->care_lock);
	be->care = *care;
	rte_seqlock_write_unlock(&be->care_lock);
}

/* Build a new ACL context from the control records; NULL ctx when empty.
 * The care mask covers whichever context a lookup meets: the union of
 * the old and new rules' bits before the new context is published, the
 * new rules' after. */
int
dp_tbe_acl_build(struct dp_table *t, struct acl_backend *be, struct rte_acl_ctx **old)
{
	struct rte_acl_ctx *ctx = NULL;
	char name[RTE_ACL_NAMESIZE];
	struct acl_rule rule;
	struct dp_tcare care, both;
	int rc;

	dp_tcare_init(&care);
	*old = be->ctx;
	if (t->n_entries == 0)
		goto publish;
	snprintf(name, sizeof(name), "ta%u_%u", t->id, dp_tg.seq++);
	ctx = rte_acl_create(&(struct rte_acl_param){
		.name = name, .socket_id = dp_tg.socket,
		.rule_size = RTE_ACL_RULE_SZ(t->acl_nf), .max_rule_num = t->def.size,
	});
	if (ctx == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->def.size; i++) {
		struct ctl_rec rec;
		const struct ctl_rec *r = &rec;

		if (!t->slot[i].used)
			continue;
		dp_trec_get(t, i, &rec);
		memset(&rule, 0, sizeof(rule));
		rule.data.category_mask = 1;
		rule.data.priority = (int32_t)r->priority;
		rule.data.userdata = dp_entry_ref(t, r->e) + 1;
		/* field 0 is the one-byte wildcard rte_acl requires */
		for (unsigned int k = 1; k < t->acl_nf; k++) {
			const struct rte_acl_field_def *d = &t->acl_cfg.defs[k];
			const struct dp_field_def *fd;
			uint32_t v = dp_tcare_chunk_get(r->key + d->offset, d->size);
			uint32_t m = dp_tcare_chunk_get(r->mask + d->offset, d->size);

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
			dp_tcare_add(&care, fd->match, d->offset, d->size, v, m);
		}
		rc = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&rule, 1);
		if (rc < 0)
			goto fail;
	}
	rc = rte_acl_build(ctx, &t->acl_cfg);
	if (rc < 0)
		goto fail;
publish:
	dp_tcare_done(&care);
	dp_tcare_union(&both, &be->care, &care);
	care_set(be, &both);
	__atomic_store_n(&be->ctx, ctx, __ATOMIC_RELEASE);
	care_set(be, &care);
	return 0;
fail:
	rte_acl_free(ctx);
	return rc == -ERANGE || rc == -ENOMEM ? -ENOSPC : rc;
}

/* After a grace period: trie groups a batch unlinked can be reused. */
void
dp_tbe_reclaim(struct dp_table *t)
{
	struct lpm_backend *b = dp_tg.root->backend[t->id];

	if (t->kind != DP_TK_LPM || b == NULL)
		return;
	for (uint32_t i = 0; i < b->n_all; i++) {
		if (t->lpm6)
			dp_lpm6_reclaim(b->all[i]->lpm6);
		else
			dp_lpm4_reclaim(b->all[i]->lpm);
	}
}

/* A backend with the live one's contents, for a dataplane-atomic batch to
 * change: LPM shares every partition (copied on write), ACL starts empty
 * (rebuilt with the batch), exact copies its array or buckets, or re-adds
 * its records to a new rte_hash. An exact table does this once: the copy
 * becomes its shadow, kept equal by key from then on (dp_table.c); what
 * exact copies cost is counted in clone_bytes. */
void *
dp_tbe_clone(struct dp_table *t)
{
	const void *live = dp_tg.root->backend[t->id];
	void *be;

	if (t->kind == DP_TK_LPM)
		return lpm_clone(t, dp_tg.root->backend[t->id]);
	if (t->em && live != NULL) {
		be = dp_em_clone(live);
		if (be != NULL)
			t->clone_bytes += dp_em_bytes(be);
		return be;
	}
	be = dp_tbe_new(t);
	if (be == NULL || t->kind == DP_TK_ACL)
		return be;
	if (t->dense && live != NULL) {
		memcpy(be, live, sizeof(uint32_t) * t->dense_n);
		t->clone_bytes += sizeof(uint32_t) * t->dense_n;
		return be;
	}
	for (uint32_t i = 0; i < t->def.size; i++) {
		struct ctl_rec r;

		if (!t->slot[i].used)
			continue;
		dp_trec_get(t, i, &r);
		if (dp_tbe_add(t, be, &r) < 0) {
			dp_tbe_free(t, be);
			return NULL;
		}
	}
	t->clone_bytes += (uint64_t)t->n_entries * (t->hash_len + sizeof(void *));
	return be;
}

/* Keys an exact backend holds (NULL: none). */
static uint32_t
exact_count(const struct dp_table *t, const void *be)
{
	uint32_t n = 0;

	if (be == NULL)
		return 0;
	if (t->em)
		return dp_em_count(be);
	if (!t->dense)
		return (uint32_t)rte_hash_count(be);
	for (uint32_t s = 0; s < t->dense_n; s++)
		n += ((const uint32_t *)be)[s] != 0;
	return n;
}

int
dp_tbe_shadow_check(const struct dp_table *t)
{
	const void *be[2] = { dp_tg.root->backend[t->id], t->shadow };
	uint32_t n = 0;

	if (t->kind != DP_TK_EXACT || t->shadow == NULL)
		return -ENOENT;
	for (uint32_t i = 0; i < t->def.size; i++) {
		struct ctl_rec r;
		const uint8_t *kp[1] = { r.key };
		const struct dp_entry *e[1];

		if (!t->slot[i].used)
			continue;
		n++;
		dp_trec_get(t, i, &r);
		for (unsigned int b = 0; b < RTE_DIM(be); b++)
			if (be[b] == NULL || t->lookup(t, be[b], t->deflt, NULL, kp, 1, e) != 1 ||
			    e[0] != r.e)
				return -EIO;
	}
	/* as many keys as records in each: no stale key left over */
	if (n != t->n_entries || exact_count(t, be[0]) != n || exact_count(t, be[1]) != n)
		return -EIO;
	return 0;
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

/* The burst's hits, per packet. When every packet hit one entry (one
 * ingress port and VLAN, one router MAC), one add: back-to-back increments
 * of one counter would each wait for the last. Otherwise one add per
 * packet, misses into the spare slot after the table's (sink): a loop over
 * runs mispredicts at every run's end when outputs interleave (routes,
 * next hops), and that cost more than the adds. */
static inline void
count_hits(uint64_t *hits, uint32_t sink, const struct dp_entry **out, uint64_t hitmask,
	   unsigned int n)
{
	uint32_t ci[DP_LOOKUP_BURST];
	uintptr_t diff = 0;

	for (unsigned int i = 1; i < n; i++)
		diff |= (uintptr_t)out[i] ^ (uintptr_t)out[0];
	if (diff == 0) {
		if (hitmask & 1)
			hits[out[0]->idx] += n;
		return;
	}
	/* in a large table counters are as scattered as entries: every
	 * counter's load on its way before the first add */
	for (unsigned int i = 0; i < n; i++) {
		ci[i] = ((hitmask >> i) & 1) ? out[i]->idx : sink;
		rte_prefetch0(&hits[ci[i]]);
	}
	for (unsigned int i = 0; i < n; i++)
		hits[ci[i]]++;
}

/* ------------------------------------------------------------------ lookups */

/* Runs of equal keys: a burst often repeats a key back to back (one
 * ingress port and VLAN, one router MAC, one next hop). Each run is looked
 * up once and counted once (back-to-back increments of one counter would
 * wait on each other; so would a run length kept in memory, hence where
 * each run starts). Returns the number of runs. */
static __rte_always_inline unsigned int
key_runs(const uint8_t **keys, unsigned int n, unsigned int len, const uint8_t **uk,
	 uint8_t *map, uint8_t *start)
{
	unsigned int nu = 1;   /* n >= 1 */

	uk[0] = keys[0];
	start[0] = 0;
	map[0] = 0;
	for (unsigned int i = 1; i < n; i++) {
		if (!(len == 16 ? dp_em_key_eq(keys[i], keys[i - 1]) : key_eq(keys[i], keys[i - 1], len))) {
			start[nu] = (uint8_t)i;
			uk[nu++] = keys[i];
		}
		map[i] = (uint8_t)(nu - 1);
	}
	start[nu] = (uint8_t)n;
	return nu;
}

/* Runs back to packets: out[], the hit mask, and one count per run. */
static __rte_always_inline uint64_t
runs_out(void *const *data, uint64_t uhit, const uint8_t *map, const uint8_t *start,
	 unsigned int nu, unsigned int n, uint64_t *hits, const struct dp_entry **out)
{
	uint64_t hitmask = 0;

	/* a large table's counters are as scattered as its entries: start
	 * their loads before the packets are mapped, add after */
	for (unsigned int u = 0; hits != NULL && u < nu; u++)
		if (uhit & (1ULL << u))
			rte_prefetch0(&hits[((const struct dp_entry *)data[u])->idx]);
	for (unsigned int i = 0; i < n; i++) {
		out[i] = data[map[i]];
		hitmask |= ((uhit >> map[i]) & 1) << i;
	}
	for (unsigned int u = 0; hits != NULL && u < nu; u++)
		if (uhit & (1ULL << u))
			hits[((const struct dp_entry *)data[u])->idx] += (uint64_t)(start[u + 1] - start[u]);
	return hitmask;
}

/* Direct array: the slot from the key in a few instructions, no hash, no
 * key compare. W is the width of every field when they are all one width
 * (the common shapes: (port, VLAN), (bd, port), a bd, a port, an id), so
 * the slot unrolls into loads, compares and multiply-adds; 0: any mix. */
static __rte_always_inline uint32_t
dense_slot(const struct dp_table *t, const uint8_t *key, unsigned int nf, unsigned int w)
{
	uint32_t slot = 0;
	bool over = false;

	if (w == 0)
		return dp_dense_slot_n(t, key, nf);
	for (unsigned int f = 0; f < nf; f++) {
		uint64_t v = dp_dense_val(key + f * w, w);

		over |= v > t->dfield[f].max;
		slot += (uint32_t)v * t->dfield[f].mul;
	}
	return over ? UINT32_MAX : slot;
}

static __rte_always_inline uint64_t
lookup_dense_n(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	       uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out,
	       unsigned int nf, unsigned int w)
{
	const uint32_t *slots = be;
	uint64_t hit = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t sl = dense_slot(t, keys[i], nf, w);
		uint32_t r = likely(sl != UINT32_MAX) ? __atomic_load_n(&slots[sl], __ATOMIC_ACQUIRE) : 0;

		out[i] = r ? dp_tent(t, r - 1) : deflt;
		hit |= (uint64_t)(r != 0) << i;
	}
	if (hits != NULL)
		count_hits(hits, t->def.size, out, hit, n);
	return hit;
}

#define LOOKUP_DENSE(name, nf, w)							\
static uint64_t										\
name(const struct dp_table *t, const void *be, const struct dp_entry *deflt,		\
     uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)	\
{											\
	return lookup_dense_n(t, be, deflt, hits, keys, n, out, nf, w);			\
}
LOOKUP_DENSE(lookup_dense_16x1, 1, 2)
LOOKUP_DENSE(lookup_dense_16x2, 2, 2)
LOOKUP_DENSE(lookup_dense_16x3, 3, 2)
LOOKUP_DENSE(lookup_dense_32x1, 1, 4)
LOOKUP_DENSE(lookup_dense_any, t->def.n_fields, 0)

/* dp_em: it compared the key in the entry, so the entry is in cache. */
static uint64_t
lookup_em(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	  uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const uint8_t *uk[DP_LOOKUP_BURST];
	void *data[DP_LOOKUP_BURST];
	uint32_t ref[DP_LOOKUP_BURST];
	uint8_t map[DP_LOOKUP_BURST], start[DP_LOOKUP_BURST + 1];
	unsigned int nu = key_runs(keys, n, 16, uk, map, start);
	uint64_t uhit = dp_em_lookup_bulk(be, uk, nu, ref);

	for (unsigned int u = 0; u < nu; u++)
		data[u] = (uhit & (1ULL << u)) ? dp_tent(t, ref[u]) : (void *)(uintptr_t)deflt;
	return runs_out(data, uhit, map, start, nu, n, hits, out);
}

static uint64_t
lookup_hash(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	    uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const uint8_t *uk[DP_LOOKUP_BURST];
	void *data[DP_LOOKUP_BURST];
	uint8_t map[DP_LOOKUP_BURST], start[DP_LOOKUP_BURST + 1];
	unsigned int nu = key_runs(keys, n, t->hash_len, uk, map, start);
	uint64_t uhit;

	rte_hash_lookup_bulk_data(be, (const void **)uk, nu, &uhit, data);
	/* entries are scattered: start every load before the first use */
	for (unsigned int u = 0; u < nu; u++) {
		if (uhit & (1ULL << u))
			rte_prefetch0(data[u]);
		else
			data[u] = (void *)(uintptr_t)deflt;
	}
	return runs_out(data, uhit, map, start, nu, n, hits, out);
}

/* In stages across the burst, each starting the next one's loads for every
 * key before any is used: with many VRFs each key's partition, trie root
 * and group are lines of their own, missed in cache, and a packet at a time
 * would wait for each in turn. */
static uint64_t
lookup_lpm(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	   uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const struct lpm_backend *b = be;
	const struct lpm_part *part[DP_LOOKUP_BURST], *v = NULL;
	const uint32_t *slot[DP_LOOKUP_BURST];
	uint32_t ip[DP_LOOKUP_BURST];
	uint64_t hitmask = 0;

	/* 1: the partition (once per run of one), its trie on its way */
	for (unsigned int i = 0; i < n; i++) {
		if (i == 0 || (b->dir != NULL ?
			       *(const unaligned_uint16_t *)keys[i] !=
			       *(const unaligned_uint16_t *)keys[i - 1] :
			       memcmp(keys[i], keys[i - 1], t->part_len) != 0)) {
			v = part_find(b, keys[i]);
			if (v != NULL)
				rte_prefetch0(v);
		}
		part[i] = v;
		ip[i] = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(keys[i] + t->lpm_off));
	}
	/* 2: the root entries */
	for (unsigned int i = 0; i < n; i++) {
		slot[i] = part[i] != NULL ? dp_lpm4_root(part[i]->lpm, ip[i] >> 16) : NULL;
		if (slot[i] != NULL)
			rte_prefetch0(slot[i]);
	}
	/* 3: the group entries of the roots that point to a group */
	for (unsigned int i = 0; i < n; i++) {
		uint32_t e;

		if (slot[i] == NULL)
			continue;
		e = __atomic_load_n(slot[i], __ATOMIC_ACQUIRE);
		if (e & DP_LPM4_GROUP) {
			slot[i] = &dp_lpm4_group(part[i]->lpm, e & DP_LPM4_NH_MAX)[(ip[i] >> 8) & 0xff];
			rte_prefetch0(slot[i]);
		}
	}
	/* 4: the next hop (a /25../32 takes one more group), the entry */
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_entry *e = NULL;
		uint32_t nh = DP_LPM4_MISS;

		if (slot[i] != NULL) {
			uint32_t x = __atomic_load_n(slot[i], __ATOMIC_ACQUIRE);

			if (unlikely(x & DP_LPM4_GROUP))
				nh = dp_lpm4_lookup(part[i]->lpm, ip[i]);   /* deeper: rare */
			else if (x & DP_LPM4_VALID)
				nh = x & DP_LPM4_NH_MAX;
			if (nh == DP_LPM4_MISS)
				nh = __atomic_load_n(&part[i]->dflt, __ATOMIC_ACQUIRE) - 1;
			if (nh != IDX_NONE) {
				e = dp_tent(t, nh);
				rte_prefetch0(e);
			}
		}
		if (e != NULL)
			hitmask |= 1ULL << i;
		out[i] = e != NULL ? e : deflt;
	}
	if (hits != NULL)
		count_hits(hits, t->def.size, out, hitmask, n);
	return hitmask;
}

/* IPv6: a partition per run of keys that share it, each run walked in one
 * dp_lpm6 bulk lookup (its lanes go down the trie a level at a time, their
 * loads in flight together; one address alone would wait on up to eight
 * dependent loads). */
static uint64_t
lookup_lpm6(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	    uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const struct lpm_backend *b = be;
	const uint8_t *ips[DP_LOOKUP_BURST];
	uint32_t nh[DP_LOOKUP_BURST];
	uint64_t hitmask = 0;

	for (unsigned int i = 0; i < n; i++)
		ips[i] = keys[i] + t->lpm_off;
	for (unsigned int s = 0, e; s < n; s = e) {
		const struct lpm_part *v = part_find(b, keys[s]);
		uint32_t dflt;

		for (e = s + 1; e < n && (b->dir != NULL ?
			*(const unaligned_uint16_t *)keys[e] == *(const unaligned_uint16_t *)keys[s] :
			memcmp(keys[e], keys[s], t->part_len) == 0); e++)
			;
		if (v == NULL) {
			for (unsigned int i = s; i < e; i++)
				out[i] = deflt;
			continue;
		}
		dp_lpm6_lookup_bulk(v->lpm6, ips + s, e - s, nh + s);
		dflt = __atomic_load_n(&v->dflt, __ATOMIC_ACQUIRE);
		for (unsigned int i = s; i < e; i++) {
			uint32_t x = nh[i] != DP_LPM6_MISS ? nh[i] : dflt - 1;

			if (x != IDX_NONE) {
				out[i] = dp_tent(t, x);
				rte_prefetch0(out[i]);
				hitmask |= 1ULL << i;
			} else {
				out[i] = deflt;
			}
		}
	}
	if (hits != NULL)
		count_hits(hits, t->def.size, out, hitmask, n);
	return hitmask;
}

static uint64_t
lookup_acl(const struct dp_table *t, const void *be, const struct dp_entry *deflt,
	   uint64_t *hits, const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const struct rte_acl_ctx *ctx = __atomic_load_n(&((const struct acl_backend *)be)->ctx,
						       __ATOMIC_ACQUIRE);
	uint32_t res[DP_LOOKUP_BURST];
	uint64_t hitmask = 0;

	if (ctx == NULL) {
		for (unsigned int i = 0; i < n; i++)
			out[i] = deflt;
		return 0;
	}
	rte_acl_classify(ctx, (const uint8_t **)(uintptr_t)keys, res, n, 1);
	for (unsigned int i = 0; i < n; i++) {
		const struct dp_entry *e = res[i] ? dp_tent(t, res[i] - 1) : NULL;

		if (e != NULL)
			hitmask |= 1ULL << i;
		out[i] = e != NULL ? e : deflt;
	}
	if (hits != NULL)
		count_hits(hits, t->def.size, out, hitmask, n);
	return hitmask;
}

/* The width of every field of a dense key when they are all one, else 0. */
static unsigned int
dense_width(const struct dp_table *t)
{
	unsigned int w = dp_type_size(t->def.fields[0].type);

	for (unsigned int f = 1; f < t->def.n_fields; f++)
		if (dp_type_size(t->def.fields[f].type) != w)
			return 0;
	return w;
}

void
dp_tbe_bind(struct dp_table *t)
{
	if (t->dense) {
		uint32_t mul = 1;

		for (int f = t->def.n_fields - 1; f >= 0; f--) {
			t->dfield[f] = (struct dense_field){
				.off = t->field_off[f], .size = dp_type_size(t->def.fields[f].type),
				.max = t->def.fields[f].max, .mul = mul,
			};
			mul *= t->def.fields[f].max + 1;
		}
		t->lookup = lookup_dense_any;
		if (dense_width(t) == 2)
			t->lookup = t->def.n_fields == 1 ? lookup_dense_16x1 :
				    t->def.n_fields == 2 ? lookup_dense_16x2 :
				    t->def.n_fields == 3 ? lookup_dense_16x3 : lookup_dense_any;
		else if (dense_width(t) == 4 && t->def.n_fields == 1)
			t->lookup = lookup_dense_32x1;
		return;
	}
	switch (t->kind) {
	case DP_TK_EXACT: t->lookup = t->em ? lookup_em : lookup_hash; break;
	case DP_TK_LPM: t->lookup = t->lpm6 ? lookup_lpm6 : lookup_lpm; break;
	case DP_TK_ACL: t->lookup = lookup_acl; break;
	}
}

/* The worker's table counts of one burst. */
static inline void
count_burst(unsigned int table, unsigned int worker, uint64_t hitmask, unsigned int n)
{
	unsigned int nhit = (unsigned int)__builtin_popcountll(hitmask);

	dp_tg.t[table]->wcnt[worker].hits += nhit;
	dp_tg.t[table]->wcnt[worker].misses += n - nhit;
}

uint64_t
dp_table_lookup(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
		const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const struct dp_table *t = dp_tg.t[table];
	const void *be = __atomic_load_n(&root->backend[table], __ATOMIC_ACQUIRE);
	const struct dp_entry *deflt = __atomic_load_n(&root->deflt[table], __ATOMIC_ACQUIRE);
	const bool count = worker < dp_tg.n_workers;
	uint64_t hitmask = 0;

	if (likely(be != NULL && n != 0)) {
		hitmask = t->lookup(t, be, deflt, count ? t->hits[worker] : NULL, keys, n, out);   /* NULL: no_entry_hits */
	} else {
		for (unsigned int i = 0; i < n; i++)
			out[i] = deflt;
	}
	if (count)
		count_burst(table, worker, hitmask, n);
	return hitmask;
}

static inline bool
same_key(const uint8_t *a, const uint8_t *b, unsigned int len, bool short16)
{
	uint64_t a0, a1, b0, b1;

	if (!short16)
		return memcmp(a, b, len) == 0;
	/* both zero past len (the lookup's contract): 16 bytes at once */
	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

uint64_t
dp_table_lookup_runs(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
		     const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	const struct dp_table *t = dp_tg.t[table];
	const bool short16 = t->key_len <= 16 && RTE_MAX(t->hash_len, t->key_len) >= 16;
	const uint8_t *uk[DP_LOOKUP_BURST];
	const struct dp_entry *ue[DP_LOOKUP_BURST], *he[DP_LOOKUP_BURST];
	uint32_t rep[DP_LOOKUP_BURST], hc[DP_LOOKUP_BURST];
	uint8_t of[DP_LOOKUP_BURST];
	unsigned int nu = 1, nh = 0;
	uint64_t uhit, hit = 0, missed = 0;

	if (n <= 1)
		return dp_table_lookup(root, worker, table, keys, n, out);
	uk[0] = keys[0];
	rep[0] = 0;
	of[0] = 0;
	for (unsigned int i = 1; i < n; i++) {
		if (!same_key(keys[i], uk[nu - 1], t->key_len, short16)) {
			uk[nu] = keys[i];
			rep[nu++] = 0;
		} else {
			rep[nu - 1]++;
		}
		of[i] = (uint8_t)(nu - 1);
	}
	if (nu == n)
		return dp_table_lookup(root, worker, table, keys, n, out);
	uhit = dp_table_lookup(root, worker, table, uk, nu, ue);
	for (unsigned int i = 0; i < n; i++) {
		out[i] = ue[of[i]];
		hit |= (uhit >> of[i] & 1) << i;
	}
	if (worker >= dp_tg.n_workers)
		return hit;
	/* the repeats: as many hits of their entry, or misses, as lookups would */
	for (unsigned int u = 0; u < nu; u++) {
		if (rep[u] == 0)
			continue;
		if (uhit >> u & 1) {
			he[nh] = ue[u];
			hc[nh++] = rep[u];
		} else {
			missed += rep[u];
		}
	}
	if (nh)
		dp_table_count_hits(worker, table, he, hc, nh);
	dp_tg.t[table]->wcnt[worker].misses += missed;
	return hit;
}

uint64_t
dp_table_lookup_lpm4(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
		     const uint8_t *part, const uint32_t *ip, unsigned int n, const struct dp_entry **out)
{
	const struct dp_table *t = dp_tg.t[table];
	const struct lpm_backend *b = __atomic_load_n(&root->backend[table], __ATOMIC_ACQUIRE);
	const struct dp_entry *deflt = __atomic_load_n(&root->deflt[table], __ATOMIC_ACQUIRE);
	const bool count = worker < dp_tg.n_workers;
	const struct lpm_part *v;
	uint64_t hitmask = 0;
	uint32_t dflt;

	if (unlikely(t->kind != DP_TK_LPM || t->lpm6 || t->lpm_off != t->part_len || n == 0 ||
		     n > DP_LOOKUP_BURST || b == NULL)) {
		/* not the shape this serves: the keys the general lookup takes */
		uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
		const uint8_t *kp[DP_LOOKUP_BURST];

		for (unsigned int i = 0; i < n; i++) {
			rte_be32_t be = rte_cpu_to_be_32(ip[i]);

			memset(keys[i], 0, sizeof(keys[i]));
			memcpy(keys[i], part, t->part_len);
			memcpy(keys[i] + t->part_len, &be, 4);
			kp[i] = keys[i];
		}
		return dp_table_lookup(root, worker, table, kp, n, out);
	}
	if ((v = part_find(b, part)) == NULL) {
		for (unsigned int i = 0; i < n; i++)
			out[i] = deflt;
	} else {
		/* one trie, small and hot: each walk on its own, the core
		 * overlaps them (dp_lpm4.h: faster than lanes where every
		 * address walks alike); the entry on its way for the caller */
		dflt = __atomic_load_n(&v->dflt, __ATOMIC_ACQUIRE) - 1;
		for (unsigned int i = 0; i < n; i++) {
			uint32_t nh = dp_lpm4_lookup(v->lpm, ip[i]);

			if (unlikely(nh == DP_LPM4_MISS))
				nh = dflt;
			if (likely(nh != IDX_NONE)) {
				out[i] = dp_tent(t, nh);
				rte_prefetch0(out[i]);
				hitmask |= 1ULL << i;
			} else {
				out[i] = deflt;
			}
		}
	}
	if (count) {
		if (t->hits[worker] != NULL)
			count_hits(t->hits[worker], t->def.size, out, hitmask, n);
		count_burst(table, worker, hitmask, n);
	}
	return hitmask;
}

uint64_t
dp_table_version(unsigned int table)
{
	return __atomic_load_n(&dp_tg.t[table]->version, __ATOMIC_ACQUIRE);
}

const struct dp_tcare *
dp_table_care(const struct dp_tables_root *root, unsigned int table, uint32_t *seq)
{
	const struct dp_table *t = dp_tg.t[table];
	const struct acl_backend *be;

	if (t == NULL || t->kind != DP_TK_ACL)
		return NULL;
	be = root->backend[table];
	*seq = rte_seqlock_read_begin(&be->care_lock);
	return &be->care;
}

bool
dp_table_care_held(const struct dp_tables_root *root, unsigned int table, uint32_t seq)
{
	return !rte_seqlock_read_retry(&((const struct acl_backend *)root->backend[table])->care_lock, seq);
}

uint64_t
dp_table_memo_stamp(const struct dp_tables_root *root, uint64_t versions)
{
	return root == __atomic_load_n(&dp_tg.root, __ATOMIC_ACQUIRE) ? 1 + versions : 0;
}

void
dp_table_count_hits(unsigned int worker, unsigned int table, const struct dp_entry *const *e,
		    const uint32_t *cnt, unsigned int n)
{
	const struct dp_table *t = dp_tg.t[table];
	uint64_t sum = 0;

	if (worker >= dp_tg.n_workers)
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (t->hits[worker] != NULL)
			t->hits[worker][e[i]->idx] += cnt[i];
		sum += cnt[i];
	}
	dp_tg.t[table]->wcnt[worker].hits += sum;
}

void
dp_table_count_hits_idx(unsigned int worker, unsigned int table, const uint32_t *idx, const uint32_t *cnt,
			unsigned int n)
{
	const struct dp_table *t = dp_tg.t[table];
	uint64_t sum = 0;

	if (worker >= dp_tg.n_workers)
		return;
	for (unsigned int i = 0; i < n; i++) {
		if (t->hits[worker] != NULL && idx[i] <= t->def.size)   /* hits: size + 1 */
			t->hits[worker][idx[i]] += cnt[i];
		sum += cnt[i];
	}
	dp_tg.t[table]->wcnt[worker].hits += sum;
}

void
dp_table_count_misses(unsigned int worker, unsigned int table, uint64_t n)
{
	if (worker < dp_tg.n_workers)
		dp_tg.t[table]->wcnt[worker].misses += n;
}

uint64_t
dp_table_lookup_ids(const struct dp_tables_root *root, unsigned int worker, unsigned int table,
		    const uint32_t *ids, unsigned int n, const struct dp_entry **out)
{
	const struct dp_table *t = dp_tg.t[table];
	const uint32_t *slots = __atomic_load_n(&root->backend[table], __ATOMIC_ACQUIRE);
	const struct dp_entry *deflt = __atomic_load_n(&root->deflt[table], __ATOMIC_ACQUIRE);
	const bool count = worker < dp_tg.n_workers;
	uint64_t hitmask = 0;

	if (unlikely(!t->dense || t->dfield[0].size != 4 || t->def.n_fields != 1)) {
		/* not an array by id: the keys the general lookup takes */
		uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
		const uint8_t *kp[DP_LOOKUP_BURST];

		for (unsigned int i = 0; i < n; i++) {
			memset(keys[i], 0, sizeof(keys[i]));
			*(rte_be32_t *)keys[i] = rte_cpu_to_be_32(ids[i]);
			kp[i] = keys[i];
		}
		return dp_table_lookup(root, worker, table, kp, n, out);
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t r = slots != NULL && ids[i] <= t->dfield[0].max ?
			     __atomic_load_n(&slots[ids[i]], __ATOMIC_ACQUIRE) : 0;

		out[i] = r ? dp_tent(t, r - 1) : deflt;
		hitmask |= (uint64_t)(r != 0) << i;
	}
	if (count && n != 0) {
		if (t->hits[worker] != NULL)
			count_hits(t->hits[worker], t->def.size, out, hitmask, n);
		count_burst(table, worker, hitmask, n);
	}
	return hitmask;
}
