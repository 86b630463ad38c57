/* Per-worker flow caches. A sampled packet's key is hashed to a set of
 * FX_WAYS entries: a hit adds to the entry, a miss takes a free way or
 * evicts the set's least recently seen (reported, lack of resources).
 * Everything here is the worker's own: plain counters, no locks, no
 * atomics, no allocation, no syscalls. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_lcore.h>

#include "fx_cache.h"
#include "fx_state.h"
#include "fx_ipfix.h"
#include "dp_stats.h"
#include "dp_log.h"

struct fx_entry {
	struct fx_key k;
	uint64_t bytes;
	uint64_t pkts;
	uint64_t first, last;
};

/* one line of signatures per set, the entries apart (a miss reads one line) */
struct fx_set {
	uint32_t sig[FX_WAYS];
};

struct fx_worker {
	uint32_t countdown;     /* packets until the next sampled one */
	uint32_t gen;           /* config generation the cache is of */
	uint32_t flushing;      /* sets still to flush for a new generation (0: none) */
	uint32_t flushed;       /* the generation last flushed for (main reads it) */
	uint32_t sweep;         /* next set the sweep looks at */
	uint32_t n_used;        /* flows in the cache: an empty one has nothing to flush */
	uint64_t next_sweep;
	struct rte_ring *ring;
	struct fx_set *sets;
	struct fx_entry *ent;
} __rte_cache_aligned;

struct fx_wcfg fx_wcfg;
static struct fx_worker *fw;
static unsigned int n_fw;
static uint64_t sweep_iv;     /* TSC between sweep steps */

static inline uint32_t
key_hash(const struct fx_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x9e3779b9) | 1;   /* never 0: 0 is a free signature */
}

/* Hand e to the main lcore (ring full: counted, lost) and free its way. */
static void
report(struct dp_stage_ctx *ctx, struct fx_worker *w, struct fx_set *s, unsigned int way,
       struct fx_entry *e, unsigned int reason)
{
	struct fx_rec r;

	r.k = e->k;
	r.bytes = e->bytes;
	r.pkts = e->pkts;
	r.first = e->first;
	r.last = e->last;
	r.reason = reason;
	r.pad = 0;
	if (rte_ring_sp_enqueue_elem(w->ring, &r, sizeof(r)) != 0)
		ctx->stats->events[FX_EVENT(ring_full)]++;
	e->pkts = 0;
	s->sig[way] = 0;
	w->n_used--;
}

/* Take up a new config the first time the worker meets it, in its egress
 * or its walk, whichever runs first: the walk runs after the burst, so
 * a burst that arrived with the config would otherwise go uncounted. */
static inline uint32_t
adopt(struct fx_worker *w)
{
	uint32_t gen = __atomic_load_n(&fx_wcfg.gen, __ATOMIC_ACQUIRE);

	if (unlikely(w->gen != gen)) {   /* what the cache holds is the old config's */
		w->gen = gen;
		w->flushing = w->n_used ? FX_SETS : 0;
		w->sweep = 0;
		w->countdown = 1;
		if (w->flushing == 0)    /* nothing to flush: the packets from here count */
			__atomic_store_n(&w->flushed, gen, __ATOMIC_RELEASE);
	}
	return gen;
}

static void
observe(struct dp_stage_ctx *ctx, struct fx_worker *w, struct rte_mbuf *m)
{
	const struct dp_meta *md = dp_meta(m);
	struct fx_key k;
	struct fx_set *s;
	struct fx_entry *e;
	uint32_t bytes, h;
	unsigned int way, old = 0;

	if (md->out_port >= DP_PORTS_MAX)
		return;
	k.flags = 0;
	bytes = fx_key_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &k);
	if (bytes == 0) {
		ctx->stats->events[FX_EVENT(not_ip)]++;
		return;
	}
	k.slice = md->slice;
	k.in_port = md->in_port;
	k.out_port = (uint16_t)md->out_port;
	/* what was decapsulated here: the tunnel the registered parser read */
	if (fx_key_tun_kind(&k) == FX_TUN_NONE && (md->flags & DP_MF_TUN)) {
		enum fx_tun_kind kind;

		if (fx_tun_find(md->dport, &kind) != NULL) {
			k.flags = (uint8_t)(k.flags | kind << FX_KF_TUN_SHIFT);
			k.tun = md->tun_key;
		}
	} else if (fx_key_tun_kind(&k) == FX_TUN_NONE && (md->flags & DP_MF_DECAP)) {
		/* what a feature took out of its tunnel and sends on plain */
		enum fx_tun_kind kind = fx_decap_find(md, &k.tun);

		if (kind != FX_TUN_NONE)
			k.flags = (uint8_t)(k.flags | kind << FX_KF_TUN_SHIFT);
		else
			k.tun = 0;
	}
	h = key_hash(&k);
	s = &w->sets[h & (FX_SETS - 1)];
	e = &w->ent[(h & (FX_SETS - 1)) * FX_WAYS];
	for (way = 0; way < FX_WAYS; way++)
		if (s->sig[way] == h && memcmp(&e[way].k, &k, sizeof(k)) == 0) {
			e[way].pkts++;
			e[way].bytes += bytes;
			e[way].last = ctx->now;
			return;
		}
	for (way = 0; way < FX_WAYS && s->sig[way] != 0; way++)
		if (e[way].last < e[old].last)
			old = way;
	if (way == FX_WAYS) {
		ctx->stats->events[FX_EVENT(evicted)]++;
		report(ctx, w, s, old, &e[old], FX_END_RESOURCES);
		way = old;
	}
	s->sig[way] = h;
	w->n_used++;
	e[way].k = k;
	e[way].pkts = 1;
	e[way].bytes = bytes;
	e[way].first = e[way].last = ctx->now;
	ctx->stats->events[FX_EVENT(flows)]++;
}

static void
fx_egress(struct dp_stage_ctx *ctx, struct rte_mbuf **pkts, uint16_t n)
{
	struct fx_worker *w = &fw[ctx->worker];
	uint32_t every, c, i;

	adopt(w);
	every = fx_wcfg.sampling;
	c = w->countdown;
	if (unlikely(every == 0 || w->flushing))
		return;   /* off, or the walk flushes for a new config first */
	/* the c-th packet from here is the next sample: a burst without one
	 * costs a subtraction, not a count per packet */
	if (likely(c > n)) {
		w->countdown = c - n;
		return;
	}
	for (i = c - 1; i < n; i += every)
		observe(ctx, w, pkts[i]);
	w->countdown = i - n + 1;
}

/* A few sets: what idled or ran past its time goes (all of it while
 * flushing for a new config). */
static void
sweep(struct dp_stage_ctx *ctx, struct fx_worker *w, bool flush)
{
	uint64_t now = ctx->now, idle = fx_wcfg.idle_tsc, active = fx_wcfg.active_tsc;

	for (unsigned int n = 0; n < FX_SWEEP_SETS; n++) {
		struct fx_set *s = &w->sets[w->sweep];
		struct fx_entry *e = &w->ent[w->sweep * FX_WAYS];

		for (unsigned int way = 0; way < FX_WAYS; way++) {
			if (s->sig[way] == 0)
				continue;
			if (flush)
				report(ctx, w, s, way, &e[way], FX_END_FORCED);
			else if (now - e[way].last >= idle)
				report(ctx, w, s, way, &e[way], FX_END_IDLE);
			else if (now - e[way].first >= active)
				report(ctx, w, s, way, &e[way], FX_END_ACTIVE);
		}
		w->sweep = (w->sweep + 1) & (FX_SETS - 1);
	}
}

static void
fx_walk(struct dp_stage_ctx *ctx)
{
	struct fx_worker *w = &fw[ctx->worker];
	uint32_t gen = adopt(w);

	if (!w->flushing && (fx_wcfg.sampling == 0 || ctx->now < w->next_sweep))
		return;
	/* a step only when the ring has room for all it may report: a timeout
	 * is late rather than lost (main drains the rings every millisecond).
	 * Read after the clock: the ring's indices are the main lcore's lines
	 * too, not for every walk to fetch. */
	if (rte_ring_free_count(w->ring) < FX_SWEEP_SETS * FX_WAYS)
		return;
	if (w->flushing) {
		sweep(ctx, w, true);
		w->flushing -= FX_SWEEP_SETS;
		if (w->flushing == 0)
			__atomic_store_n(&w->flushed, gen, __ATOMIC_RELEASE);
		return;
	}
	w->next_sweep = ctx->now + sweep_iv;
	sweep(ctx, w, false);
}

const struct dp_tap fx_tap = { .egress = fx_egress, .walk = fx_walk };

int
fx_cache_init(unsigned int n_workers)
{
	char name[RTE_RING_NAMESIZE];

	_Static_assert((FX_SETS & (FX_SETS - 1)) == 0 && FX_SETS % FX_SWEEP_SETS == 0, "sweep steps tile the sets");
	_Static_assert(sizeof(struct fx_rec) % 4 == 0, "ring elements are 4-byte words");
	sweep_iv = rte_get_tsc_hz() * FX_SWEEP_MS / 1000 / (FX_SETS / FX_SWEEP_SETS);
	fw = rte_zmalloc("fx_workers", sizeof(*fw) * n_workers, RTE_CACHE_LINE_SIZE);
	if (fw == NULL)
		return -ENOMEM;
	n_fw = n_workers;
	for (unsigned int i = 0; i < n_workers; i++) {
		struct fx_worker *w = &fw[i];

		w->countdown = 1;
		w->sets = rte_zmalloc("fx_sets", sizeof(*w->sets) * FX_SETS, RTE_CACHE_LINE_SIZE);
		w->ent = rte_zmalloc("fx_ent", sizeof(*w->ent) * FX_SETS * FX_WAYS, RTE_CACHE_LINE_SIZE);
		snprintf(name, sizeof(name), "fx_ring%u", i);
		w->ring = rte_ring_create_elem(name, sizeof(struct fx_rec), FX_RING_SIZE, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->sets == NULL || w->ent == NULL || w->ring == NULL) {
			fx_cache_fini();
			return -ENOMEM;
		}
	}
	return 0;
}

void
fx_cache_fini(void)
{
	for (unsigned int i = 0; fw != NULL && i < n_fw; i++) {
		rte_free(fw[i].sets);
		rte_free(fw[i].ent);
		rte_ring_free(fw[i].ring);
	}
	rte_free(fw);
	fw = NULL;
	n_fw = 0;
}

unsigned int fx_cache_workers(void) { return n_fw; }
struct rte_ring *fx_cache_ring(unsigned int worker) { return fw[worker].ring; }

uint32_t
fx_cache_flushed(unsigned int worker)
{
	return __atomic_load_n(&fw[worker].flushed, __ATOMIC_ACQUIRE);
}
