/* Loss repair per class: duplication over several paths and XOR FEC per
 * block, sent by encap and taken out by decap (see ov_repair.h). */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "ov_repair.h"
#include "ov_path.h"
#include "dp_stats.h"
#include "dp_table.h"

uint16_t ov_repair_off[OV_POLICY_NONE];
bool ov_repair_any;

/* ---- the sending side: a worker's streams, one a (tunnel, class) ---- */

#define TX_SLOTS 256             /* direct-mapped; a slot another takes starts a new stream */
struct tx_stream {
	uint32_t tag;            /* (tunnel << 8 | class) + 1; 0: free */
	uint32_t stream, seq;    /* the next frame's */
	/* the FEC block open: n of its k frames so far, the first numbered start */
	uint32_t start;
	uint8_t k, n;
	uint16_t lenx, maxlen;   /* the XOR of their lengths; the longest */
	uint8_t buf[OV_REPAIR_FEC_BUF];   /* their XOR, each padded with zeros to maxlen */
};
static struct tx_stream *tx[DP_WORKERS_MAX];

/* ---- the receiving side ---- */

/* The sequence windows, shared by the workers: a frame's copies come in on
 * different ports. A stream's window is found among WIN_WAYS slots from
 * its hash, and takes a free one or the one longest idle. */
#define WIN 1024u                /* frames a window spans */
#define WIN_STREAMS 1024u
#define WIN_WAYS 8u
struct win {
	uint64_t tag;            /* tunnel << 32 | stream, never 0 (stream 0 is not sent) */
	uint64_t seen;           /* TSC, last frame; plain stores, a hint */
	uint32_t v[WIN];         /* seq + 1 of the frame the slot last took; 0: none */
} __rte_cache_aligned;
static struct win *wins;

/* A worker's FEC decoders: a stream's frames leave from one source port,
 * so they come in on one queue, one worker's. */
#define DEC_SLOTS 64u
#define DEC_BLOCKS 4u
struct dec_blk {
	uint32_t start, mask;    /* its first frame's seq; the frames taken, by index */
	uint8_t k, got;
	bool used, done;         /* done: taken whole, rebuilt, or given up */
	uint16_t lenx, maxlen;
	uint8_t buf[OV_REPAIR_FEC_BUF];
};
struct dec {
	uint64_t tag;
	struct dec_blk b[DEC_BLOCKS];
};
static struct dec *decs[DP_WORKERS_MAX];
static unsigned int n_workers;

int
ov_repair_init(unsigned int workers)
{
	static const unsigned int first[OV_POLICY_NONE] = {
		[OV_POLICY_FAILOVER] = OV_POLICY_PATHS, [OV_POLICY_BALANCE] = 2 * OV_POLICY_PATHS,
		[OV_POLICY_SLA] = OV_POLICY_PATHS + 3,
	};

	for (unsigned int a = 0; a < OV_POLICY_NONE; a++) {
		ov_repair_off[a] = (uint16_t)dp_table_param_off((unsigned int)pl_ov.policies, a, first[a]);
		/* fec right after copies, as struct ov_repair_cfg has them */
		if (dp_table_param_off((unsigned int)pl_ov.policies, a, first[a] + 1) != ov_repair_off[a] + 1u)
			return -EINVAL;
	}
	return ov_repair_state_init(workers);
}

int
ov_repair_state_init(unsigned int workers)
{
	n_workers = workers;
	if ((wins = rte_zmalloc("ov_repair_win", sizeof(*wins) * WIN_STREAMS, RTE_CACHE_LINE_SIZE)) == NULL)
		return -ENOMEM;
	for (unsigned int w = 0; w < workers; w++)
		if ((tx[w] = rte_zmalloc("ov_repair_tx", sizeof(struct tx_stream) * TX_SLOTS, RTE_CACHE_LINE_SIZE)) == NULL ||
		    (decs[w] = rte_zmalloc("ov_repair_dec", sizeof(struct dec) * DEC_SLOTS, RTE_CACHE_LINE_SIZE)) == NULL)
			return -ENOMEM;
	return 0;
}

void
ov_repair_fini(void)
{
	for (unsigned int w = 0; w < n_workers; w++) {
		rte_free(tx[w]);
		rte_free(decs[w]);
		tx[w] = NULL;
		decs[w] = NULL;
	}
	rte_free(wins);
	wins = NULL;
}

static int
any_repair(const struct dp_entry_view *ev, void *arg)
{
	if (ev->action < OV_POLICY_NONE) {
		const struct ov_repair_cfg *r = (const struct ov_repair_cfg *)(ev->params + ov_repair_off[ev->action]);

		if (r->copies > 1 || r->fec != 0) {
			*(bool *)arg = true;
			return 1;   /* enough */
		}
	}
	return 0;
}

void
ov_repair_policies_done(void)
{
	bool any = false;

	dp_table_each((unsigned int)pl_ov.policies, any_repair, &any);
	__atomic_store_n(&ov_repair_any, any, __ATOMIC_RELEASE);
}

/* dst ^= the n bytes at src, 32 at a time (the compiler's vectors) */
static inline void
xor_bytes(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	uint32_t i = 0;

	for (; i + 32 <= n; i += 32) {
		uint64_t a[4], b[4];

		memcpy(a, dst + i, 32);
		memcpy(b, src + i, 32);
		for (unsigned int j = 0; j < 4; j++)
			a[j] ^= b[j];
		memcpy(dst + i, a, 32);
	}
	for (; i < n; i++)
		dst[i] ^= src[i];
}

/* buf ^= the len bytes at src, each frame padded with zeros to the
 * longest (*maxlen): past *maxlen the bytes are copied. */
static void
xor_in(uint8_t *buf, uint16_t *maxlen, const uint8_t *src, uint32_t len)
{
	xor_bytes(buf, src, RTE_MIN(len, (uint32_t)*maxlen));
	if (len > *maxlen) {
		memcpy(buf + *maxlen, src + *maxlen, len - *maxlen);
		*maxlen = (uint16_t)len;
	}
}

static inline uint32_t
mix(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32 ^ x);
}

static struct tx_stream *
tx_slot(unsigned int worker, uint32_t tunnel, uint16_t class)
{
	uint32_t tag = (tunnel << 8 | (class & 0xff)) + 1;
	struct tx_stream *s = &tx[worker][mix(tag) & (TX_SLOTS - 1)];

	if (s->tag != tag) {
		/* a new stream: a new random number, so that the far end's
		 * window for the old one (or this one before a restart)
		 * refuses none of its frames as copies */
		s->tag = tag;
		do
			s->stream = (uint32_t)rte_rand();
		while (s->stream == 0);
		s->seq = 0;
		s->n = 0;
	}
	return s;
}

/* The next frame of (tunnel, class) on path pid: its repair option into
 * *rep (numbered, and in a FEC block where rc asks and the frame fits
 * one), and its stream, for ov_repair_block_add. */
struct ov_repair_tx *
ov_repair_number(struct dp_stage_ctx *ctx, uint32_t tunnel, uint16_t class, const struct ov_repair_cfg *rc,
		 uint16_t pid, const struct rte_mbuf *m, struct ov_tun_rep *rep)
{
	struct tx_stream *s = tx_slot(ctx->worker, tunnel, class);
	uint8_t k = 0;

	*rep = (struct ov_tun_rep){ .on = true, .stream = s->stream };
	/* a shadow walk (dp_feature.h) numbers nothing: the real walk does */
	if (unlikely(ctx->shadow)) {
		rep->seq = s->seq;
	} else {
		rep->seq = s->seq++;
		if (unlikely(s->seq == UINT32_MAX))   /* seq + 1 is never 0 at the far end */
			s->seq = 0;
	}
	if (rc->fec != 0)
		k = ov_repair_fec_k(rc->fec, __atomic_load_n(&ov_path_live[pid].fec_k, __ATOMIC_RELAXED));
	/* in a block only while its frames follow one another in the stream,
	 * on one k, each whole in its first segment and not too long */
	if (k != 0 && rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_pkt_len(m) <= OV_REPAIR_FEC_BUF) {
		if (s->n == 0 || s->k != k || rep->seq != s->start + s->n) {
			s->start = rep->seq;
			s->k = k;
			s->n = 0;
			s->lenx = s->maxlen = 0;
		}
		rep->k = k;
		rep->idx = s->n;
	} else {
		s->n = 0;   /* the open block's parity never goes */
	}
	return (struct ov_repair_tx *)s;
}

bool
ov_repair_block_add(struct ov_repair_tx *tx_, const uint8_t *f, uint32_t len, struct ov_tun_rep *par,
		    const uint8_t **buf, uint16_t *plen)
{
	struct tx_stream *s = (struct tx_stream *)tx_;

	xor_in(s->buf, &s->maxlen, f, len);
	s->lenx ^= (uint16_t)len;
	if (++s->n < s->k)
		return false;
	*par = (struct ov_tun_rep){ .on = true, .stream = s->stream, .seq = s->start, .k = s->k, .idx = s->k,
				    .lenx = s->lenx };
	*buf = s->buf;
	*plen = s->maxlen;
	s->n = 0;
	return true;
}

/* ---- receive ---- */

static struct win *
win_of(uint64_t tag, uint64_t now, bool *fresh)
{
	uint32_t h = mix(tag);
	struct win *best = NULL;
	uint64_t old;

	*fresh = false;
	for (unsigned int i = 0; i < WIN_WAYS; i++) {
		struct win *w = &wins[(h + i) & (WIN_STREAMS - 1)];
		uint64_t t = __atomic_load_n(&w->tag, __ATOMIC_ACQUIRE);

		if (t == tag)
			return w;
		if (t == 0) {
			if (best == NULL || best->tag != 0)
				best = w;
		} else if (best == NULL || (best->tag != 0 && w->seen < best->seen)) {
			best = w;
		}
	}
	/* a new stream takes a free slot, else the one longest idle, and its
	 * numbers start afresh; of two workers taking one slot at once, one
	 * wins the tag (the other's frame is taken unjudged) */
	old = __atomic_load_n(&best->tag, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&best->tag, &old, tag, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return NULL;
	memset(best->v, 0, sizeof(best->v));
	best->seen = now;
	*fresh = true;
	return best;
}

/* The window's verdict on seq of (tunnel, stream): OV_REPAIR_*. */
static int
window(struct dp_stage_ctx *ctx, uint32_t tunnel, uint32_t stream, uint32_t seq)
{
	uint64_t tag = (uint64_t)tunnel << 32 | stream;
	uint32_t v = seq + 1, lost, o;
	bool fresh;
	struct win *w = win_of(tag, ctx->now, &fresh);
	int j;

	if (w == NULL)   /* lost the race for a slot: this frame is taken, its stream's next finds it */
		return OV_REPAIR_TAKE;
	if (fresh)
		ctx->stats->events[OV_EVENT(repair_stream)]++;
	w->seen = ctx->now;
	o = __atomic_load_n(&w->v[seq & (WIN - 1)], __ATOMIC_ACQUIRE);
	for (;;) {
		j = ov_repair_judge(o, v, WIN, &lost);
		if (j != OV_REPAIR_TAKE)
			return j;
		if (__atomic_compare_exchange_n(&w->v[seq & (WIN - 1)], &o, v, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	ctx->stats->events[OV_EVENT(seq_lost)] += lost;
	return OV_REPAIR_TAKE;
}

static struct dec *
dec_of(unsigned int worker, uint64_t tag)
{
	struct dec *d = &decs[worker][mix(tag) & (DEC_SLOTS - 1)];

	if (d->tag != tag) {
		d->tag = tag;
		for (unsigned int i = 0; i < DEC_BLOCKS; i++)
			d->b[i].used = false;
	}
	return d;
}

/* Block (start, k) of d, or a new one in the place of the oldest. (What
 * that one still missed is not counted here: without its parity, whether
 * its sender made the block whole is not known; the window counts what
 * never came, seq_lost.) */
static struct dec_blk *
blk_of(struct dec *d, uint32_t start, uint8_t k)
{
	struct dec_blk *old = NULL;

	for (unsigned int i = 0; i < DEC_BLOCKS; i++) {
		struct dec_blk *b = &d->b[i];

		if (b->used && b->start == start && b->k == k)
			return b;
		if (old == NULL || !b->used || (old->used && (int32_t)(b->start - old->start) < 0))
			old = old != NULL && !old->used ? old : b;
	}
	old->used = true;
	old->done = false;
	old->start = start;
	old->k = k;
	old->got = 0;
	old->mask = 0;
	old->lenx = old->maxlen = 0;
	return old;
}

/* A data frame of a FEC block, taken in: into its block's XOR. */
static void
fec_data(struct dec *d, const uint8_t *f, uint32_t len, const struct ov_tun_rep *rep)
{
	struct dec_blk *b = blk_of(d, rep->seq - rep->idx, rep->k);

	if (b->done || (b->mask >> rep->idx & 1))
		return;
	if (len > OV_REPAIR_FEC_BUF) {   /* no sender puts one in a block */
		b->done = true;
		return;
	}
	xor_in(b->buf, &b->maxlen, f, len);
	b->lenx ^= (uint16_t)len;
	b->mask |= 1u << rep->idx;
	if (++b->got == b->k)
		b->done = true;
}

/* A parity of len bytes at f (writable): the block's one lost frame
 * rebuilt in its place (true, *seq its number, *flen its length), or not. */
static bool
fec_parity(struct dp_stage_ctx *ctx, struct dec *d, uint8_t *f, uint32_t len, const struct ov_tun_rep *rep,
	   uint32_t *seq, uint32_t *flen)
{
	struct dec_blk *b = blk_of(d, rep->seq, rep->k);
	uint32_t missing, n;

	if (b->done)
		return false;
	b->done = true;
	if (b->got + 1u != b->k) {   /* two or more lost: none comes back */
		ctx->stats->events[OV_EVENT(fec_unrecoverable)] += b->k - b->got;
		return false;
	}
	missing = (uint32_t)__builtin_ctz(~b->mask);
	*flen = (uint32_t)(rep->lenx ^ b->lenx);
	/* a length no frame of the block could have: forged, or cut */
	if (*flen < OV_ETH_HLEN || *flen > len) {
		ctx->stats->events[OV_EVENT(fec_unrecoverable)]++;
		return false;
	}
	n = RTE_MIN(*flen, (uint32_t)b->maxlen);
	xor_bytes(f, b->buf, n);
	*seq = rep->seq + missing;
	ctx->stats->events[OV_EVENT(fec_recovered)]++;
	return true;
}

unsigned int
ov_repair_recv(struct dp_stage_ctx *ctx, struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t tunnel,
	       const struct ov_tun_rep *rep)
{
	uint64_t tag = (uint64_t)tunnel << 32 | rep->stream;
	struct dec *d = NULL;
	uint32_t seq = rep->seq, flen;
	uint8_t *f;

	/* a shadow walk changes no window and no block: the real walk does */
	if (unlikely(ctx->shadow))
		return 0;
	if (rep->stream == 0 || rep->seq == UINT32_MAX || rte_pktmbuf_data_len(m) < off + len)
		return OV_DROP(repair_malformed);
	f = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	if (rep->k != 0)
		d = dec_of(ctx->worker, tag);
	if (rep->k != 0 && rep->idx == rep->k) {
		if (len > OV_REPAIR_FEC_BUF)
			return OV_DROP(repair_malformed);
		if (!fec_parity(ctx, d, f, len, rep, &seq, &flen))
			return OV_DROP(fec_parity);
		/* the datagram is now the frame rebuilt: decap cuts it there */
		rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, dp_meta(m)->l4_off)->dgram_len =
			rte_cpu_to_be_16((uint16_t)(off + flen - dp_meta(m)->l4_off));
		len = flen;
	}
	switch (window(ctx, tunnel, rep->stream, seq)) {
	case OV_REPAIR_DUP:
		return OV_DROP(dup_removed);
	case OV_REPAIR_LATE:
		return OV_DROP(seq_late);
	}
	if (rep->k != 0 && rep->idx < rep->k)
		fec_data(d, f, len, rep);
	return 0;
}
