/* The edge's connections, one store per worker: a connection lives on the
 * worker that owns its inside host (eg_owner), so only that worker ever
 * reads or writes its store, and no lock, atomic or allocation is needed.
 * A connection has two keys, the way its packets look going out (inside
 * VRF, inside host first) and coming back (outside VRF, remote first), in
 * one rte_hash; its record is a cache line in a fixed array. The store is
 * bounded: when it is full, the oldest embryonic connection (a TCP SYN
 * never answered, a UDP or ICMP flow never answered) is evicted for the
 * new one, else the new one is refused. The main lcore only reads the
 * records (listing), never the hash. */
#ifndef CT_SESS_H
#define CT_SESS_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>

struct rte_hash;

/* A packet's view of a connection: (vrf, proto, src, dst, sport, dport).
 * ICMP queries: the querier's identifier is its "port" (sport of a
 * request, dport of a reply), the other 0. 16 bytes: one rte_hash key. */
struct ct_key {
	uint16_t vrf;
	uint8_t proto;
	uint8_t pad;
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* host order */
} __rte_packed;
_Static_assert(sizeof(struct ct_key) == 16, "one 16-byte hash key");

/* TCP's states as the edge follows them (ct_tcp.h). */
enum { CT_FREE, CT_SYN_SENT, CT_SYN_RECV, CT_ESTABLISHED, CT_FIN_WAIT, CT_CLOSING, CT_CLOSED, CT_OPEN,
       CT_STATES };
/* what a connection's timeout is: the table edge_timeouts' key */
enum { CT_TO_TCP_EST, CT_TO_TCP_TRANS, CT_TO_TCP_SYN, CT_TO_UDP, CT_TO_ICMP, CT_TO_OTHER, CT_TO_N };

/* ct_sess.flags */
#define CT_F_REPLIED  0x01u   /* a packet came back: no longer embryonic */
#define CT_F_NAT      0x02u   /* translated: out differs from in */
#define CT_F_IN       0x04u   /* opened from the outside (EDGE_DIR_IN) */
#define CT_F_FIN_ORIG 0x08u   /* TCP: FIN seen from the side that opened it */
#define CT_F_FIN_REPLY 0x10u  /* TCP: FIN seen from the other side */

/* One connection: in (the inside host's view, going out) and out (the
 * outside's view, coming back: the remote first, then the pool's address
 * and port a NAT gave, or the inside host's without one). */
struct ct_sess {
	struct ct_key in, out;
	uint64_t last;          /* TSC of its last packet */
	uint32_t map;           /* its NAT mapping (nat_map index + 1), 0 none */
	uint32_t born;          /* its embryo ring stamp (evicting checks it is this one) */
	uint8_t state;          /* CT_* */
	uint8_t flags;          /* CT_F_* */
	uint16_t pool;
	uint32_t pkts;          /* both ways, for the listing */
	uint32_t gen;           /* its pool's generation when it was made (NAT) */
} __rte_cache_aligned;
_Static_assert(sizeof(struct ct_sess) == 64, "a connection is one cache line");

struct ct_store {
	struct rte_hash *h;        /* key -> record index (two keys a record) */
	struct ct_sess *s;         /* cap records */
	uint32_t cap, used;
	uint32_t *free;            /* free record indexes, a stack */
	uint32_t n_free;
	uint32_t *embryo;          /* ring of record index | born stamp, oldest first */
	uint32_t emb_head, emb_tail, stamp;
	uint32_t sweep;            /* next record the sweep looks at */
	/* each pool's generation (its owner bumps it when the pool changes):
	 * a translated connection of an older one is over */
	const uint32_t *pool_gen;
};

/* Timeouts in TSC ticks by CT_TO_*, set by the control thread from the
 * edge_timeouts table (a worker reads a whole 8-byte value). */
extern uint64_t ct_timeout_tsc[CT_TO_N];
/* RFC 7857's, RFC 4787's and RFC 5508's defaults, seconds */
extern const uint32_t ct_timeout_default_s[CT_TO_N];

/* Main lcore, at init: a store of cap records on socket. 0 or -ENOMEM. */
int ct_store_init(struct ct_store *st, const char *name, uint32_t cap, int socket);
void ct_store_fini(struct ct_store *st);

/* Which timeout a connection's state has now. */
unsigned int ct_sess_timeout_kind(const struct ct_sess *s);

static inline bool
ct_sess_expired(const struct ct_sess *s, uint64_t now)
{
	return now - s->last > ct_timeout_tsc[ct_sess_timeout_kind(s)];
}

/* A translated connection whose pool changed since it was made: its
 * mapping is of the pool's old shape. */
static inline bool
ct_sess_stale(const struct ct_store *st, const struct ct_sess *s)
{
	return (s->flags & CT_F_NAT) && st->pool_gen != NULL &&
	       __atomic_load_n(&st->pool_gen[s->pool], __ATOMIC_RELAXED) != s->gen;
}

/* Worker: look n keys up; idx[i] is the record index, or -1. */
void ct_store_lookup(struct ct_store *st, const struct ct_key *const *keys, unsigned int n, int32_t *idx);

/* Worker: a record for a new connection, its two keys added. When the
 * store is full, the oldest embryonic connection goes first (its record
 * is handed to *evicted for the caller to release its mapping; its state
 * CT_FREE when none went).
 * The record index, -ENOSPC (full, nothing embryonic), -EEXIST (a key is
 * there already). */
int ct_store_add(struct ct_store *st, const struct ct_key *in, const struct ct_key *out, uint64_t now,
		 bool embryonic, struct ct_sess *evicted);

/* Worker: the oldest embryonic connection ends (copied to *evicted first,
 * for the caller to release its mapping). 0, or -ENOSPC when none is. */
int ct_store_evict(struct ct_store *st, struct ct_sess *evicted);

/* Worker: the record goes (its keys out of the hash). */
void ct_store_del(struct ct_store *st, uint32_t idx);

/* Worker: look at up to n records from the sweep's place on, ending the
 * expired and stale ones: fn(arg, record) for each before it goes (its mapping to
 * release). How many ended. */
unsigned int ct_store_sweep(struct ct_store *st, uint64_t now, unsigned int n,
			    void (*fn)(void *arg, const struct ct_sess *s), void *arg);

#endif
