/* A worker's memo of one table's lookups (dp_memo.h). A slot is a cache
 * line (two for keys over 39 bytes): stamp, entry, this burst's uses, the
 * care's sequence, the whole key as the rules see it (dp_tcare_key). A
 * burst makes and hashes its keys and starts every slot's load, answers
 * what the slots know, counts those as the lookups they stand for, then
 * looks the rest up in one call and remembers them. Counting before the
 * fill matters: a miss may take the slot a hit of the same burst used.
 *
 * Adaptive: the memo judges itself every WINDOW bursts it is on; below
 * its hit rate it stays off for a backoff (BACKOFF_MIN bursts, doubling
 * while it keeps failing, up to BACKOFF_MAX), then tries again. Off, a
 * burst costs one branch more than the lookup. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dp_memo.h"
#include "dp_tcare.h"

#define WINDOW 16
#define BACKOFF_MIN 64u
#define BACKOFF_MAX 8192u
#define SLOTS_MIN 16
#define SLOTS_MAX (1u << 20)

struct slot {
	uint64_t stamp;                  /* 1 + the table's version; 0: empty */
	const struct dp_entry *e;
	uint32_t n;                      /* this burst's uses, not yet counted */
	uint32_t seq;                    /* the care mask's sequence it was keyed with */
	uint8_t hit;                     /* 1: e is a match, 0: the default */
	uint8_t key[];                   /* key_len bytes, masked with the care mask */
};

struct memo_worker {
	uint8_t *slots;
	uint32_t window;                 /* bursts judged so far in this window */
	uint32_t off;                    /* bursts left with the memo off */
	uint32_t backoff;                /* the next time off */
	uint32_t win_probes, win_hits;
	uint64_t probes, hits, bypassed;
} __rte_cache_aligned;

struct dp_memo {
	unsigned int table, key_len, slot_size, mask, min_hit_pct, workers;
	struct memo_worker w[];
};

struct dp_memo *
dp_memo_create(unsigned int table, unsigned int slots, unsigned int min_hit_pct, unsigned int workers)
{
	struct dp_memo *m;
	unsigned int key_len;

	if (table >= dp_tables_count() || slots < SLOTS_MIN || slots > SLOTS_MAX || (slots & (slots - 1)) ||
	    min_hit_pct > 100 || workers == 0 || workers > DP_WORKERS_MAX)
		return NULL;
	key_len = dp_table_key_len(table);
	m = rte_zmalloc("dp_memo", sizeof(*m) + workers * sizeof(m->w[0]), RTE_CACHE_LINE_SIZE);
	if (m == NULL)
		return NULL;
	m->table = table;
	m->key_len = key_len;
	m->slot_size = RTE_ALIGN_CEIL(offsetof(struct slot, key) + key_len, RTE_CACHE_LINE_SIZE);
	m->mask = slots - 1;
	m->min_hit_pct = min_hit_pct;
	m->workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		m->w[w].backoff = BACKOFF_MIN;
		if ((m->w[w].slots = rte_zmalloc("dp_memo_slots", (size_t)slots * m->slot_size,
						 RTE_CACHE_LINE_SIZE)) == NULL) {
			dp_memo_free(m);
			return NULL;
		}
	}
	return m;
}

void
dp_memo_free(struct dp_memo *m)
{
	if (m == NULL)
		return;
	for (unsigned int w = 0; w < m->workers; w++)
		rte_free(m->w[w].slots);
	rte_free(m);
}

static inline uint32_t
key_hash(const uint8_t *k, unsigned int len)
{
	uint32_t h = 0;
	unsigned int i = 0;
	uint64_t x;
	uint32_t y;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, k + i, 8);
		h = rte_hash_crc_8byte(x, h);
	}
	if (i + 4 <= len) {
		memcpy(&y, k + i, 4);
		h = rte_hash_crc_4byte(y, h);
		i += 4;
	}
	for (; i < len; i++)
		h = rte_hash_crc_1byte(k[i], h);
	return h ^ h >> 16;
}

static inline bool
key_eq(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint64_t d = 0, x, y;
	uint32_t p, q;
	unsigned int i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	if (i + 4 <= len) {
		memcpy(&p, a + i, 4);
		memcpy(&q, b + i, 4);
		d |= p ^ q;
		i += 4;
	}
	for (; i < len; i++)
		d |= (uint64_t)(a[i] ^ b[i]);
	return d == 0;
}

/* The window's verdict: on it stays while its hits pay, else off for a
 * backoff that grows while it keeps failing. */
static inline void
judge(const struct dp_memo *m, struct memo_worker *w)
{
	if (++w->window < WINDOW)
		return;
	if ((uint64_t)w->win_hits * 100 < (uint64_t)w->win_probes * m->min_hit_pct) {
		w->off = w->backoff;
		w->backoff = RTE_MIN(w->backoff * 2, BACKOFF_MAX);
	} else {
		w->backoff = BACKOFF_MIN;
	}
	w->window = w->win_probes = w->win_hits = 0;
}

uint64_t
dp_memo_lookup(struct dp_memo *m, const struct dp_tables_root *root, unsigned int worker,
	       const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	struct memo_worker *w;
	struct slot *s[DP_LOOKUP_BURST], *used[DP_LOOKUP_BURST];
	const struct dp_entry *he[DP_LOOKUP_BURST], *me[DP_LOOKUP_BURST];
	const uint8_t *mk[DP_LOOKUP_BURST], *pk[DP_LOOKUP_BURST];
	const struct dp_tcare *care;
	uint8_t masked[DP_LOOKUP_BURST][DP_KEY_MAX] __rte_aligned(16);
	uint32_t hc[DP_LOOKUP_BURST], seq = 0;
	uint8_t mi[DP_LOOKUP_BURST];
	unsigned int nu = 0, nm = 0, nh = 0, len;
	uint64_t stamp, hit = 0, missed = 0, mhit;

	if (worker >= m->workers || n == 0)
		return dp_table_lookup(root, worker, m->table, keys, n, out);
	w = &m->w[worker];
	if (w->off != 0) {
		w->off--;
		w->bypassed += n;
		return dp_table_lookup(root, worker, m->table, keys, n, out);
	}
	/* read before the lookups: what they fill is no newer than this (0:
	 * a dataplane-atomic write swapped the root since this walk read it);
	 * an empty table's lookup costs less than a probe */
	stamp = dp_table_memo_stamp(root, dp_table_version(m->table));
	if (unlikely(stamp == 0) || dp_table_entries(m->table) == 0)
		return dp_table_lookup(root, worker, m->table, keys, n, out);
	len = m->key_len;
	/* the slots are keyed by what the rules look at (the care mask,
	 * a range's value by the boundaries it lies between): a site's
	 * many flows of few classes share few slots */
	care = dp_table_care(root, m->table, &seq);
	for (unsigned int i = 0; i < n; i++) {
		if (care != NULL) {
			dp_tcare_key(care, masked[i], keys[i], len);
			pk[i] = masked[i];
		} else {
			pk[i] = keys[i];
		}
	}
	/* hashed in a pass of their own: a key's range, written narrow
	 * into it, is no longer a store its wide reads wait on */
	for (unsigned int i = 0; i < n; i++) {
		s[i] = (struct slot *)(w->slots + (size_t)(key_hash(pk[i], len) & m->mask) * m->slot_size);
		rte_prefetch0(s[i]);
	}
	/* a mask read while it changed is no key: no memo this burst */
	if (care != NULL && !dp_table_care_held(root, m->table, seq))
		return dp_table_lookup(root, worker, m->table, keys, n, out);
	for (unsigned int i = 0; i < n; i++) {
		struct slot *x = s[i];

		if (x->stamp == stamp && x->seq == seq && key_eq(x->key, pk[i], len)) {
			out[i] = x->e;
			hit |= (uint64_t)x->hit << i;
			if (x->n++ == 0)
				used[nu++] = x;
			continue;
		}
		mk[nm] = keys[i];
		mi[nm++] = (uint8_t)i;
	}
	/* what the slots stood for, counted before a miss may take one */
	for (unsigned int u = 0; u < nu; u++) {
		if (used[u]->hit) {
			he[nh] = used[u]->e;
			hc[nh++] = used[u]->n;
		} else {
			missed += used[u]->n;
		}
		used[u]->n = 0;
	}
	if (nh)
		dp_table_count_hits(worker, m->table, he, hc, nh);
	if (missed)
		dp_table_count_misses(worker, m->table, missed);
	w->probes += n;
	w->hits += n - nm;
	w->win_probes += n;
	w->win_hits += n - nm;
	if (m->min_hit_pct)
		judge(m, w);
	if (nm == 0)
		return hit;
	mhit = dp_table_lookup(root, worker, m->table, mk, nm, me);
	for (unsigned int j = 0; j < nm; j++) {
		out[mi[j]] = me[j];
		hit |= (mhit >> j & 1) << mi[j];
	}
	/* remembered only if the mask held over the lookups: a write grows
	 * it before publishing rules that look at more */
	if (care != NULL && !dp_table_care_held(root, m->table, seq))
		return hit;
	for (unsigned int j = 0; j < nm; j++) {
		struct slot *x = s[mi[j]];

		x->stamp = stamp;
		x->seq = seq;
		x->e = me[j];
		x->n = 0;
		x->hit = (uint8_t)(mhit >> j & 1);
		memcpy(x->key, pk[mi[j]], len);
	}
	return hit;
}

void
dp_memo_stats(const struct dp_memo *m, struct dp_memo_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int w = 0; w < m->workers; w++) {
		out->probes += m->w[w].probes;
		out->hits += m->w[w].hits;
		out->bypassed += m->w[w].bypassed;
	}
}
