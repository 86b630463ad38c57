/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_cache: PFCP answers kept for retransmitted requests, keyed by (peer address and port, sequence number, type). */
/*
 * An entry is made when a request is taken up: pending (owner set) until it
 * is answered (pf_cache_fill), then kept for the TTL, oldest out past the
 * cap. Pending entries are never dropped here: their owner ends them. Each
 * keeps a digest of its request's bytes: a retransmission is the request
 * again byte for byte (TS 29.244 6.4), and a request that only shares its
 * key (an SMF restarted, numbering from where it began) is a new one.
 */
#ifndef PF_CACHE_H
#define PF_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pf_addr.h"

struct pf_centry {
	struct pf_centry *hnext, *prev, *next;	/* the cache's */
	struct pf_addr peer;
	uint32_t seq;
	uint64_t digest;	/* pf_cache_digest of the request */
	uint8_t type;		/* the request's */
	uint8_t sock;		/* the socket it came in on */
	struct pf_addr local;	/* the address it came to (set by the caller): the answer's source */
	uint64_t at_ms;
	void *owner;		/* pending: who answers it */
	uint8_t *b;		/* the answer; NULL: none yet */
	size_t len;
};

struct pf_cache {
	struct pf_centry **hash;
	size_t n_hash, n, max;
	uint64_t ttl_ms;
	struct pf_centry *oldest, *newest;	/* oldest answered first; pending ones where they came */
};

/* A digest of a request's @len bytes at @b (FNV-1a, 64 bits). */
uint64_t pf_cache_digest(const uint8_t *b, size_t len);
/* 0 or -ENOMEM. */
int pf_cache_init(struct pf_cache *c, size_t max, uint64_t ttl_ms);
void pf_cache_fini(struct pf_cache *c);
struct pf_centry *pf_cache_find(struct pf_cache *c, const struct pf_addr *peer, uint32_t seq, uint8_t type);
/* A new pending entry (NULL: no memory); the oldest answered ones go past the cap. */
struct pf_centry *pf_cache_add(struct pf_cache *c, uint8_t sock, const struct pf_addr *peer, uint32_t seq,
			       uint8_t type, uint64_t now_ms);
/* @e answered with @b (copied; owner cleared): kept from @now_ms. */
void pf_cache_fill(struct pf_cache *c, struct pf_centry *e, const uint8_t *b, size_t len, uint64_t now_ms);
void pf_cache_del(struct pf_cache *c, struct pf_centry *e);
/* Answered entries older than the TTL go. */
void pf_cache_expire(struct pf_cache *c, uint64_t now_ms);
/* Every answered entry of @host (its address, any port) goes (the ones
 * not answered yet stay: their takers hold them): a peer that
 * restarted numbers from 1 again, and a request of its new life that is
 * byte for byte one of its last (the same UE established again) is new.
 * How many went. */
size_t pf_cache_forget_host(struct pf_cache *c, const struct pf_addr *host);

#endif
