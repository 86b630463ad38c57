/* Control records (dp_trec.h): slots, the match store, the free list of
 * slots and the control index. An em table's control index is a dp_em over
 * the table's entries, whose keys are there already (the slot is the
 * entry's idx); the others' an rte_hash of the packed match. */
#include <errno.h>
#include <string.h>

#include <rte_hash.h>

#include "dp_trec.h"

uint32_t
dp_trec_take(struct dp_table *t)
{
	uint32_t idx;

	if (t->n_free == 0)
		return IDX_NONE;
	if (t->free_idx != IDX_NONE) {
		idx = t->free_idx;
		t->free_idx = t->slot[idx].ent;
	} else {
		idx = t->slot_fresh++;
	}
	t->n_free--;
	if (t->age != NULL)
		t->age[idx].carried = 0;
	/* a slot is free only after a grace period: no worker counts in it */
	for (unsigned int w = 0; w < DP_WORKERS_MAX && t->hits[w] != NULL; w++)   /* past the workers: NULL */
		t->hits[w][idx] = 0;
	return idx;
}

void
dp_trec_give(struct dp_table *t, uint32_t idx)
{
	t->slot[idx] = (struct ctl_slot){ .ent = t->free_idx };
	t->free_idx = idx;
	t->n_free++;
}

/* Slot idx's match in the store: key, then mask (lpm, acl), then priority (acl). */
static inline uint8_t *
slot_match(const struct dp_table *t, uint32_t idx)
{
	return t->match + (size_t)idx * t->match_len;
}

void
dp_trec_get(const struct dp_table *t, uint32_t idx, struct ctl_rec *r)
{
	const struct ctl_slot *s = &t->slot[idx];

	memset(r, 0, sizeof(*r));
	r->used = s->used;
	r->plen = s->plen;
	r->e = dp_tent(t, s->ent);
	if (t->em)
		memcpy(r->key, r->e->key, t->key_len);
	else
		memcpy(r->key, slot_match(t, idx), t->key_len);
	if (t->kind == DP_TK_EXACT)
		memset(r->mask, 0xff, t->key_len);
	else
		memcpy(r->mask, slot_match(t, idx) + t->key_len, t->key_len);
	if (t->kind == DP_TK_ACL)
		memcpy(&r->priority, slot_match(t, idx) + 2 * t->key_len, 4);
}

/* Slot idx becomes r (its match, in the match store). */
void
dp_trec_put(struct dp_table *t, uint32_t idx, const struct ctl_rec *r)
{
	t->slot[idx] = (struct ctl_slot){
		.ent = dp_entry_ref(t, r->e), .plen = r->plen, .used = r->used,
	};
	if (!t->em)
		memcpy(slot_match(t, idx), r->key, t->key_len);
	if (t->kind != DP_TK_EXACT)
		memcpy(slot_match(t, idx) + t->key_len, r->mask, t->key_len);
	if (t->kind == DP_TK_ACL)
		memcpy(slot_match(t, idx) + 2 * t->key_len, &r->priority, 4);
}

/* A record's match as the control index's key: key, mask, prefix length,
 * priority, packed to the table's own key length (a million routes' index
 * takes 17-byte keys, not 133). */
static void
ctl_key(const struct dp_table *t, const struct ctl_rec *r, uint8_t *k)
{
	memcpy(k, r->key, t->key_len);
	memcpy(k + t->key_len, r->mask, t->key_len);
	k[2 * t->key_len] = r->plen;
	memcpy(k + 2 * t->key_len + 1, &r->priority, 4);
}

/* The control index: a match -> its slot. An em table's is a dp_em over
 * the entries, whose keys are there already (the slot is the entry's
 * idx); the others' an rte_hash of the packed match. */
uint32_t
dp_trec_find(const struct dp_table *t, const struct ctl_rec *r)
{
	uint8_t k[CTL_KEY_LEN(DP_KEY_MAX)];
	void *data;

	if (t->ctl_em != NULL) {
		uint32_t ref = dp_em_lookup(t->ctl_em, r->key);

		return ref == DP_EM_MISS ? IDX_NONE : dp_tent(t, ref)->idx;
	}
	ctl_key(t, r, k);
	return rte_hash_lookup_data(t->ctl_index, k, &data) >= 0 ? (uint32_t)(uintptr_t)data : IDX_NONE;
}

/* n records' slots (n <= DP_EM_BURST), their loads overlapped. */
void
dp_trec_find_bulk(const struct dp_table *t, const struct ctl_rec *r, unsigned int n, uint32_t *idx)
{
	uint8_t k[DP_EM_BURST][CTL_KEY_LEN(DP_KEY_MAX)];
	const void *kp[DP_EM_BURST];
	void *data[DP_EM_BURST];
	uint64_t hit;

	if (t->ctl_em != NULL) {
		const uint8_t *ep[DP_EM_BURST] = { NULL };

		for (unsigned int i = 0; i < n; i++)
			ep[i] = r[i].key;
		dp_em_lookup_bulk(t->ctl_em, ep, n, idx);
		for (unsigned int i = 0; i < n; i++)
			idx[i] = idx[i] == DP_EM_MISS ? IDX_NONE : dp_tent(t, idx[i])->idx;
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		ctl_key(t, &r[i], k[i]);
		kp[i] = k[i];
	}
	rte_hash_lookup_bulk_data(t->ctl_index, kp, n, &hit, data);
	for (unsigned int i = 0; i < n; i++)
		idx[i] = hit >> i & 1 ? (uint32_t)(uintptr_t)data[i] : IDX_NONE;
}

/* r's match -> slot idx, whose entry is r->e. 0, -ENOSPC. */
int
dp_trec_index(struct dp_table *t, const struct ctl_rec *r, uint32_t idx)
{
	uint8_t k[CTL_KEY_LEN(DP_KEY_MAX)];

	if (t->ctl_em != NULL)
		return dp_em_add(t->ctl_em, r->key, dp_entry_ref(t, r->e));
	ctl_key(t, r, k);
	return rte_hash_add_key_data(t->ctl_index, k, (void *)(uintptr_t)idx) < 0 ? -ENOSPC : 0;
}

void
dp_trec_unindex(struct dp_table *t, const struct ctl_rec *r)
{
	uint8_t k[CTL_KEY_LEN(DP_KEY_MAX)];

	if (t->ctl_em != NULL) {
		dp_em_del(t->ctl_em, r->key);
		return;
	}
	ctl_key(t, r, k);
	rte_hash_del_key(t->ctl_index, k);
}

/* Byte b of a prefix of plen bits' mask. */
static inline uint8_t
prefix_mask_byte(unsigned int plen, unsigned int b)
{
	int keep = (int)plen - 8 * (int)b;

	return keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
}

/* Canonical form: bits outside a mask or prefix are zero, so equal matches
 * compare equal and a packet key can hit them. */
int
dp_trec_canon(const struct dp_table *t, const struct dp_update *u, struct ctl_rec *r)
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
				uint8_t m = prefix_mask_byte(u->plen, b);

				r->key[off + b] &= m;
				r->mask[off + b] = m;
			}
			break;
		}
	}
	return 0;
}

const struct dp_entry *
dp_trec_cover(const struct dp_table *t, const struct ctl_rec *r, uint8_t *depth)
{
	struct ctl_rec c = *r;

	for (int d = (int)r->plen - 1; d >= 1; d--) {
		uint32_t idx;

		/* the prefix is the key's last field: 4 or 16 bytes */
		for (unsigned int b = 0; b < (unsigned int)(t->key_len - t->lpm_off); b++) {
			uint8_t m = prefix_mask_byte((unsigned int)d, b);

			c.key[t->lpm_off + b] = r->key[t->lpm_off + b] & m;
			c.mask[t->lpm_off + b] = m;
		}
		c.plen = (uint8_t)d;
		if ((idx = dp_trec_find(t, &c)) != IDX_NONE) {
			*depth = (uint8_t)d;
			return dp_trec_entry(t, idx);
		}
	}
	return NULL;
}

