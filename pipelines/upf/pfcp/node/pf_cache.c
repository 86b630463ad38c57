/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_cache: PFCP answers kept for retransmitted requests (TS 29.244 6.4), bounded, oldest out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "pf_cache.h"

uint64_t
pf_cache_digest(const uint8_t *b, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ len;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

int
pf_cache_init(struct pf_cache *c, size_t max, uint64_t ttl_ms)
{
	memset(c, 0, sizeof(*c));
	c->max = max ? max : 1;
	c->ttl_ms = ttl_ms;
	for (c->n_hash = 1024; c->n_hash < c->max / 2; c->n_hash <<= 1)
		;
	c->hash = calloc(c->n_hash, sizeof(*c->hash));
	return c->hash ? 0 : -ENOMEM;
}

void
pf_cache_fini(struct pf_cache *c)
{
	while (c->oldest != NULL)
		pf_cache_del(c, c->oldest);
	free(c->hash);
	c->hash = NULL;
}

static size_t
key(const struct pf_cache *c, const struct pf_addr *peer, uint32_t seq, uint8_t type)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *p;
	size_t l;

	if (peer->ss.ss_family == AF_INET6) {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)&peer->ss)->sin6_addr;
		l = 16;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in *)&peer->ss)->sin_addr;
		l = 4;
	}
	for (size_t i = 0; i < l; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	h = (h ^ pf_addr_port(peer)) * 1099511628211ull;
	h = (h ^ seq) * 1099511628211ull;
	h = (h ^ type) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29)) & (c->n_hash - 1);
}

struct pf_centry *
pf_cache_find(struct pf_cache *c, const struct pf_addr *peer, uint32_t seq, uint8_t type)
{
	for (struct pf_centry *e = c->hash[key(c, peer, seq, type)]; e != NULL; e = e->hnext)
		if (e->seq == seq && e->type == type && pf_addr_same(&e->peer, peer))
			return e;
	return NULL;
}

static void
unlink_e(struct pf_cache *c, struct pf_centry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->newest = e->prev;
	e->prev = e->next = NULL;
}

static void
append(struct pf_cache *c, struct pf_centry *e)
{
	e->prev = c->newest;
	e->next = NULL;
	if (c->newest)
		c->newest->next = e;
	else
		c->oldest = e;
	c->newest = e;
}

void
pf_cache_del(struct pf_cache *c, struct pf_centry *e)
{
	struct pf_centry **pp = &c->hash[key(c, &e->peer, e->seq, e->type)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	unlink_e(c, e);
	c->n--;
	free(e->b);
	free(e);
}

/* Oldest answered ones out down to @limit. */
static void
trim(struct pf_cache *c, size_t limit)
{
	struct pf_centry *e = c->oldest, *next;

	while (e != NULL && c->n > limit) {
		next = e->next;
		if (e->owner == NULL)
			pf_cache_del(c, e);
		e = next;
	}
}

struct pf_centry *
pf_cache_add(struct pf_cache *c, uint8_t sock, const struct pf_addr *peer, uint32_t seq, uint8_t type,
	     uint64_t now_ms)
{
	struct pf_centry *e;
	size_t k;

	trim(c, c->max - 1);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->peer = *peer;
	e->seq = seq;
	e->type = type;
	e->sock = sock;
	e->at_ms = now_ms;
	k = key(c, peer, seq, type);
	e->hnext = c->hash[k];
	c->hash[k] = e;
	append(c, e);
	c->n++;
	return e;
}

void
pf_cache_fill(struct pf_cache *c, struct pf_centry *e, const uint8_t *b, size_t len, uint64_t now_ms)
{
	free(e->b);
	e->b = malloc(len ? len : 1);
	e->len = e->b ? len : 0;
	if (e->b)
		memcpy(e->b, b, len);
	e->owner = NULL;
	e->at_ms = now_ms;
	/* in answer order: expiry looks at the oldest only */
	unlink_e(c, e);
	append(c, e);
}

void
pf_cache_expire(struct pf_cache *c, uint64_t now_ms)
{
	struct pf_centry *e = c->oldest, *next;

	for (; e != NULL; e = next) {
		next = e->next;
		if (e->owner != NULL)
			continue; /* pending: its owner ends it */
		if (now_ms - e->at_ms < c->ttl_ms)
			break;
		pf_cache_del(c, e);
	}
}

size_t
pf_cache_forget_host(struct pf_cache *c, const struct pf_addr *host)
{
	struct pf_centry *e = c->oldest, *next;
	size_t n = 0;

	for (; e != NULL; e = next) {
		next = e->next;
		/* one not answered yet is the request being taken up (the
		 * setup that forgets): its taker fills or ends it */
		if (e->owner != NULL || e->b == NULL || !pf_addr_same_host(&e->peer, host))
			continue;
		pf_cache_del(c, e);
		n++;
	}
	return n;
}
