/* A worker's memo of one table's lookups (dp_memo.h). A slot is a cache
 * line (two for keys over 39 bytes): stamp, entry, this burst's uses, the
 * care's sequence, the whole key as the rules see it (dp_tcare_key). A
 * burst makes and hashes its keys and starts every slot's load, answers
 * what the slots know, counts those as the lookups they stand for, then
 * looks the rest up in one call and remembers them. Counting before the
 * fill matters: a miss may take the slot a hit of the same burst used.
 *
 * Adaptive: the memo judges itself every WINDOW bursts it is on, by its
 * hit rate and by its cost. A hit rate can pay or not (a hit is a key
 * made, hashed and compared; a miss that and the lookup, in a smaller
 * batch, which costs a classifier more a key), so the memo times every
 * TIME_EVERY-th burst of TIME_MIN_KEYS or more it serves, and the bursts
 * it leaves to the lookup, and compares the cycles a key of each. A
 * timed burst counts for at most twice its side's last figure: an
 * interrupt or another process is not the memo's cost. Below its hit
 * rate, or dearer a key than the lookup by more than MARGIN_PCT, it stays
 * off for a backoff (BACKOFF_MIN bursts, doubling while it keeps failing,
 * up to BACKOFF_MAX), the lookup timed meanwhile, then tries again. On,
 * it leaves SAMPLE bursts to the lookup every SAMPLE_WINDOWS windows to
 * know what the lookup costs now (the rules and the flows change), the
 * first of them untimed (its classifier cold from the memo's bursts).
 * Off, a burst costs one branch more than the lookup. */
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
#define TIME_EVERY 4
#define TIME_MIN_KEYS (DP_LOOKUP_BURST / 4)
#define SAMPLE 8
#define SAMPLE_WINDOWS 256
#define MARGIN_PCT 10
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
	uint32_t ticks;                  /* bursts seen: which are timed */
	uint32_t sample;                 /* bursts left to the lookup to time it */
	uint32_t windows;                /* windows judged since the lookup was last timed */
	/* cycles a key, in 1/16ths: the memo's last window's, the lookup's
	 * as last timed (0: not yet); what this window, this time off, sums */
	uint32_t memo_cpk, look_cpk;
	uint64_t memo_cyc, memo_keys, look_cyc, look_keys;
	uint64_t probes, hits, bypassed, sampled;
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
		m->w[w].sample = min_hit_pct ? SAMPLE : 0;
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

/* A timed burst of n keys that took c cycles, added to a side's sums,
 * at most twice the side's last figure (cpk, 0: none) a key. */
static inline void
tally(uint64_t *cyc, uint64_t *keys, uint32_t cpk, uint64_t c, unsigned int n)
{
	if (cpk != 0)
		c = RTE_MIN(c, (uint64_t)cpk * n / 8);
	*cyc += c;
	*keys += n;
}

/* What sums cyc and keys come to, in 1/16ths of a cycle a key (at least
 * 1: 0 is "not yet"); old if they are empty. */
static inline uint32_t
cpk_of(uint64_t cyc, uint64_t keys, uint32_t old)
{
	return keys == 0 ? old : (uint32_t)RTE_MAX(RTE_MIN(cyc * 16 / keys, (uint64_t)UINT32_MAX), (uint64_t)1);
}

/* A time off (the backoff, or a sample) begins: the lookup's sums anew. */
static inline void
off_begin(struct memo_worker *w)
{
	w->look_cyc = w->look_keys = 0;
}

/* The window's verdict: on it stays while its hits and its cost pay,
 * else off for a backoff that grows while it keeps failing. */
static inline void
judge(const struct dp_memo *m, struct memo_worker *w)
{
	bool dear;

	if (++w->window < WINDOW)
		return;
	w->memo_cpk = cpk_of(w->memo_cyc, w->memo_keys, w->memo_cpk);
	dear = w->look_cpk != 0 && w->memo_keys != 0 &&
	       (uint64_t)w->memo_cpk * 100 > (uint64_t)w->look_cpk * (100 + MARGIN_PCT);
	if (dear || (uint64_t)w->win_hits * 100 < (uint64_t)w->win_probes * m->min_hit_pct) {
		w->off = w->backoff;
		w->backoff = RTE_MIN(w->backoff * 2, BACKOFF_MAX);
		off_begin(w);
	} else {
		w->backoff = BACKOFF_MIN;
		if (++w->windows >= SAMPLE_WINDOWS) {
			w->sample = SAMPLE;
			off_begin(w);
		}
	}
	w->window = w->win_probes = w->win_hits = 0;
	w->memo_cyc = w->memo_keys = 0;
}

/* A burst worth timing on the memo's side, or the backoff's: every
 * TIME_EVERY-th of TIME_MIN_KEYS keys or more (a key of a smaller burst
 * costs more, on either side). */
static inline bool
timed(struct memo_worker *w, unsigned int n)
{
	return n >= TIME_MIN_KEYS && ++w->ticks % TIME_EVERY == 0;
}

/* The memo off (its backoff, or a sample of the lookup: then every burst
 * but the first timed): the lookup. What the timed bursts sum to is the
 * lookup's figure once the last of these bursts is done. */
static uint64_t
bypass(struct memo_worker *w, const struct dp_tables_root *root, unsigned int worker, unsigned int table,
       const uint8_t **keys, unsigned int n, const struct dp_entry **out)
{
	uint64_t t0, hit;
	bool sample = w->sample != 0;
	uint32_t *left = sample ? &w->sample : &w->off;

	if (sample)
		w->sampled += n;
	else
		w->bypassed += n;
	if (sample ? n >= TIME_MIN_KEYS && w->sample != SAMPLE : timed(w, n)) {
		t0 = rte_rdtsc();
		hit = dp_table_lookup(root, worker, table, keys, n, out);
		tally(&w->look_cyc, &w->look_keys, w->look_cpk, rte_rdtsc() - t0, n);
	} else {
		hit = dp_table_lookup(root, worker, table, keys, n, out);
	}
	if (--*left == 0) {
		w->look_cpk = cpk_of(w->look_cyc, w->look_keys, w->look_cpk);
		w->windows = 0;
	}
	return hit;
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
	uint64_t stamp, hit = 0, missed = 0, mhit, t0 = 0;
	bool clock;

	if (worker >= m->workers || n == 0)
		return dp_table_lookup(root, worker, m->table, keys, n, out);
	w = &m->w[worker];
	if (w->off != 0 || w->sample != 0)
		return bypass(w, root, worker, m->table, keys, n, out);
	if ((clock = m->min_hit_pct != 0 && timed(w, n)))
		t0 = rte_rdtsc();
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
	if (nm != 0) {
		mhit = dp_table_lookup(root, worker, m->table, mk, nm, me);
		for (unsigned int j = 0; j < nm; j++) {
			out[mi[j]] = me[j];
			hit |= (mhit >> j & 1) << mi[j];
		}
		/* remembered only if the mask held over the lookups: a write
		 * grows it before publishing rules that look at more */
		if (care == NULL || dp_table_care_held(root, m->table, seq))
			for (unsigned int j = 0; j < nm; j++) {
				struct slot *x = s[mi[j]];

				x->stamp = stamp;
				x->seq = seq;
				x->e = me[j];
				x->n = 0;
				x->hit = (uint8_t)(mhit >> j & 1);
				memcpy(x->key, pk[mi[j]], len);
			}
	}
	if (m->min_hit_pct) {
		if (clock)
			tally(&w->memo_cyc, &w->memo_keys, w->memo_cpk, rte_rdtsc() - t0, n);
		judge(m, w);
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
		out->sampled += m->w[w].sampled;
	}
}
