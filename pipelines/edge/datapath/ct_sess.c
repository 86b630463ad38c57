/* The edge's per-worker connection store (ct_sess.h): rte_hash for the
 * keys, a record array, a free stack and the embryo ring that bounds it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "ct_sess.h"

uint64_t ct_timeout_tsc[CT_TO_N];
/* TCP established 2 h 4 min and transitory 4 min (RFC 7857 2.2, RFC 5382
 * REQ-5); a SYN unanswered is transitory too; UDP 5 min (RFC 4787 REQ-5);
 * ICMP queries 60 s (RFC 5508 REQ-1); other protocols as UDP */
const uint32_t ct_timeout_default_s[CT_TO_N] = {
	[CT_TO_TCP_EST] = 7440, [CT_TO_TCP_TRANS] = 240, [CT_TO_TCP_SYN] = 240,
	[CT_TO_UDP] = 300, [CT_TO_ICMP] = 60, [CT_TO_OTHER] = 300,
};

static uint32_t
key_hash(const void *key, uint32_t len __rte_unused, uint32_t init)
{
	const uint64_t *k = key;

	return rte_hash_crc_8byte(k[1], rte_hash_crc_8byte(k[0], init));
}

int
ct_store_init(struct ct_store *st, const char *name, uint32_t cap, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		/* two keys a record, and room: a cuckoo table fills to ~95 % */
		.entries = cap * 2 + cap / 8 + 64,
		.key_len = sizeof(struct ct_key),
		.hash_func = key_hash,
		.socket_id = socket,
	};

	memset(st, 0, sizeof(*st));
	st->cap = cap;
	st->h = rte_hash_create(&hp);
	st->s = rte_zmalloc_socket("ct_sess", sizeof(st->s[0]) * cap, RTE_CACHE_LINE_SIZE, socket);
	st->free = rte_malloc_socket("ct_free", sizeof(uint32_t) * cap, 0, socket);
	st->embryo = rte_malloc_socket("ct_embryo", sizeof(uint32_t) * 2 * cap, 0, socket);
	if (st->h == NULL || st->s == NULL || st->free == NULL || st->embryo == NULL) {
		ct_store_fini(st);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		st->free[i] = cap - 1 - i;
	st->n_free = cap;
	return 0;
}

void
ct_store_fini(struct ct_store *st)
{
	rte_hash_free(st->h);
	rte_free(st->s);
	rte_free(st->free);
	rte_free(st->embryo);
	memset(st, 0, sizeof(*st));
}

unsigned int
ct_sess_timeout_kind(const struct ct_sess *s)
{
	switch (s->in.proto) {
	case IPPROTO_TCP:
		if (s->state == CT_ESTABLISHED)
			return CT_TO_TCP_EST;
		return s->state == CT_SYN_SENT ? CT_TO_TCP_SYN : CT_TO_TCP_TRANS;
	case IPPROTO_UDP:
		return CT_TO_UDP;
	case IPPROTO_ICMP:
		return CT_TO_ICMP;
	default:
		return CT_TO_OTHER;
	}
}

void
ct_store_lookup(struct ct_store *st, const struct ct_key *const *keys, unsigned int n, int32_t *idx)
{
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;

	for (unsigned int off = 0; off < n; off += RTE_HASH_LOOKUP_BULK_MAX) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);

		if (rte_hash_lookup_bulk_data(st->h, (const void **)(keys + off), k, &hits, data) < 0)
			hits = 0;
		for (unsigned int i = 0; i < k; i++)
			idx[off + i] = (hits >> i & 1) ? (int32_t)(uintptr_t)data[i] : -1;
	}
}

/* The oldest embryonic connection still embryonic, out of the ring:
 * its index, or -1 when the ring holds none. */
static int32_t
embryo_oldest(struct ct_store *st)
{
	while (st->emb_head != st->emb_tail) {
		uint32_t slot = st->emb_head++ % (2 * st->cap);
		uint32_t i = st->embryo[slot] % st->cap, stamp = st->embryo[slot] / st->cap;
		const struct ct_sess *s = &st->s[i];

		/* a ring entry names a record by index and stamp: the record
		 * may have ended and been reused since */
		if (s->state != CT_FREE && !(s->flags & CT_F_REPLIED) && s->born == stamp)
			return (int32_t)i;
	}
	return -1;
}

int
ct_store_evict(struct ct_store *st, struct ct_sess *evicted)
{
	int32_t old = embryo_oldest(st);

	if (old < 0)
		return -ENOSPC;
	*evicted = st->s[old];
	ct_store_del(st, (uint32_t)old);
	return 0;
}

int
ct_store_add(struct ct_store *st, const struct ct_key *in, const struct ct_key *out, uint64_t now,
	     bool embryonic, struct ct_sess *evicted)
{
	struct ct_sess *s;
	uint32_t i;
	int rc;

	evicted->state = CT_FREE;
	if (st->n_free == 0 && ct_store_evict(st, evicted) < 0)
		return -ENOSPC;
	i = st->free[--st->n_free];
	if ((rc = rte_hash_add_key_data(st->h, in, (void *)(uintptr_t)i)) < 0) {
		st->free[st->n_free++] = i;
		return rc == -ENOSPC ? -ENOSPC : -EEXIST;
	}
	if (memcmp(in, out, sizeof(*in)) != 0 &&
	    (rc = rte_hash_add_key_data(st->h, out, (void *)(uintptr_t)i)) < 0) {
		rte_hash_del_key(st->h, in);
		st->free[st->n_free++] = i;
		return rc == -ENOSPC ? -ENOSPC : -EEXIST;
	}
	s = &st->s[i];
	memset(s, 0, sizeof(*s));
	s->in = *in;
	s->out = *out;
	s->last = now;
	s->state = CT_OPEN;
	/* the stamp's range is what fits beside an index in 32 bits */
	s->born = st->stamp++ % (UINT32_MAX / st->cap);
	if (embryonic) {
		/* a full ring drops its oldest: the ring holds 2 x cap, and
		 * every live embryo is one of at most cap records */
		if (st->emb_tail - st->emb_head == 2 * st->cap)
			st->emb_head++;
		st->embryo[st->emb_tail++ % (2 * st->cap)] = s->born * st->cap + i;
	}
	st->used++;
	return (int)i;
}

void
ct_store_del(struct ct_store *st, uint32_t idx)
{
	struct ct_sess *s = &st->s[idx];

	if (s->state == CT_FREE)
		return;
	rte_hash_del_key(st->h, &s->in);
	if (memcmp(&s->in, &s->out, sizeof(s->in)) != 0)
		rte_hash_del_key(st->h, &s->out);
	/* a plain store the main lcore's listing may read half-way: it
	 * checks the state first */
	__atomic_store_n(&s->state, CT_FREE, __ATOMIC_RELEASE);
	st->free[st->n_free++] = idx;
	st->used--;
}

unsigned int
ct_store_sweep(struct ct_store *st, uint64_t now, unsigned int n,
	       void (*fn)(void *arg, const struct ct_sess *s), void *arg)
{
	unsigned int ended = 0;

	for (unsigned int k = 0; k < n && st->used; k++) {
		uint32_t i = st->sweep++;
		struct ct_sess *s;

		if (st->sweep >= st->cap)
			st->sweep = 0;
		s = &st->s[i];
		if (s->state == CT_FREE || (!ct_sess_expired(s, now) && !ct_sess_stale(st, s)))
			continue;
		if (fn)
			fn(arg, s);
		ct_store_del(st, i);
		ended++;
	}
	return ended;
}
