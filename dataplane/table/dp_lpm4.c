/* IPv4 16-8-8 trie (dp_lpm4.h): adds and deletes by prefix expansion, root
 * pages made as routes land, groups allocated in chunks (the first grown
 * by copy) and recycled after a grace period. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "dp_lpm4.h"

#define DEPTH_SHIFT	24
#define DEPTH_OF(e)	(((e) >> DEPTH_SHIFT) & 0x3f)
#define GROUP_OF(e)	((e) & DP_LPM4_NH_MAX)

#define GROUP_BYTES	(256u * 4)
#define CHUNK_GROUPS	(1u << DP_LPM4_CHUNK_SHIFT)

/* What a root page not yet made reads: every entry a miss. Never written. */
static const uint32_t zero_page[256] __rte_cache_aligned;

static inline uint32_t *
grp(struct dp_lpm4 *l, uint32_t g)
{
	return (uint32_t *)(uintptr_t)dp_lpm4_group(l, g);
}

static inline uint32_t
leaf(uint32_t nh, uint8_t depth)
{
	return DP_LPM4_VALID | (uint32_t)depth << DEPTH_SHIFT | nh;
}

static inline void
put(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int
push(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 64;
		uint32_t *x = realloc(*a, sizeof(*x) * c);

		if (x == NULL)
			return -ENOMEM;
		*a = x;
		*cap = c;
	}
	(*a)[(*n)++] = v;
	return 0;
}

struct dp_lpm4 *
dp_lpm4_create(int socket)
{
	struct dp_lpm4 *l = rte_zmalloc_socket("dp_lpm4", sizeof(*l), RTE_CACHE_LINE_SIZE, socket);

	if (l == NULL)
		return NULL;
	l->socket = socket;
	for (unsigned int p = 0; p < 256; p++)
		l->page[p] = (uint32_t *)(uintptr_t)zero_page;
	return l;
}

static inline bool
page_made(const struct dp_lpm4 *l, unsigned int p)
{
	return l->page[p] != zero_page;
}

/* Root entry r, its page made first (whole before it is linked). */
static uint32_t *
root_at(struct dp_lpm4 *l, uint32_t r)
{
	uint32_t *pg = l->page[r >> 8];

	if (pg == zero_page) {
		pg = rte_zmalloc_socket("dp_lpm4_p", sizeof(zero_page), RTE_CACHE_LINE_SIZE, l->socket);
		if (pg == NULL)
			return NULL;
		__atomic_store_n(&l->page[r >> 8], pg, __ATOMIC_RELEASE);
		l->n_pages++;
	}
	return pg + (r & 0xff);
}

/* Bytes of chunk k: the first holds cap_groups when it is the only one. */
static inline size_t
chunk_bytes(const struct dp_lpm4 *l, uint32_t k)
{
	return (size_t)(k == 0 ? RTE_MIN(l->cap_groups, CHUNK_GROUPS) : CHUNK_GROUPS) * GROUP_BYTES;
}

void
dp_lpm4_free(struct dp_lpm4 *l)
{
	if (l == NULL)
		return;
	for (unsigned int p = 0; p < 256; p++)
		if (page_made(l, p))
			rte_free(l->page[p]);
	for (uint32_t c = 0; c < l->n_chunks; c++)
		rte_free(l->chunk[c]);
	for (uint32_t i = 0; i < l->n_dead_chunk0; i++)
		rte_free(l->dead_chunk0[i]);
	free(l->free_g);
	free(l->dead_g);
	rte_free(l);
}

struct dp_lpm4 *
dp_lpm4_clone(const struct dp_lpm4 *l)
{
	struct dp_lpm4 *c = dp_lpm4_create(l->socket);

	if (c == NULL)
		return NULL;
	for (unsigned int p = 0; p < 256; p++) {
		if (!page_made(l, p))
			continue;
		if (root_at(c, p << 8) == NULL)
			goto fail;
		memcpy(c->page[p], l->page[p], sizeof(zero_page));
	}
	c->cap_groups = l->cap_groups;
	for (uint32_t k = 0; k < l->n_chunks; k++) {
		size_t b = chunk_bytes(l, k);

		c->chunk[k] = rte_malloc_socket("dp_lpm4_g", b, RTE_CACHE_LINE_SIZE, l->socket);
		if (c->chunk[k] == NULL)
			goto fail;
		c->n_chunks++;
		memcpy(c->chunk[k], l->chunk[k], b);
	}
	/* no reader has seen the copy: what l keeps for a grace period is free here */
	for (uint32_t i = 0; i < l->n_free; i++)
		if (push(&c->free_g, &c->n_free, &c->cap_free, l->free_g[i]) < 0)
			goto fail;
	for (uint32_t i = 0; i < l->n_dead; i++)
		if (push(&c->free_g, &c->n_free, &c->cap_free, l->dead_g[i]) < 0)
			goto fail;
	c->n_groups = l->n_groups;
	return c;
fail:
	dp_lpm4_free(c);
	return NULL;
}

uint64_t
dp_lpm4_bytes(const struct dp_lpm4 *l)
{
	uint64_t b = sizeof(*l) + (uint64_t)l->n_pages * sizeof(zero_page);

	for (uint32_t k = 0; k < l->n_chunks; k++)
		b += chunk_bytes(l, k);
	for (uint32_t i = 0; i < l->n_dead_chunk0; i++)
		b += (uint64_t)(DP_LPM4_CHUNK0_MIN << (2 * i)) * GROUP_BYTES;
	return b;
}

/* Room for more groups: the first chunk grows 4, 16, 64 (a larger copy
 * replaces it; readers may still be in the old one: freed on reclaim),
 * then whole chunks of 64 follow. New groups go on the free list. */
static int
grow(struct dp_lpm4 *l)
{
	uint32_t from = l->cap_groups, to, *m;

	/* room on the free list first: once linked, no group may go missing */
	if (l->cap_free < l->n_free + CHUNK_GROUPS) {
		uint32_t *x = realloc(l->free_g, sizeof(*x) * (l->n_free + CHUNK_GROUPS));

		if (x == NULL)
			return -ENOMEM;
		l->free_g = x;
		l->cap_free = l->n_free + CHUNK_GROUPS;
	}
	if (l->n_chunks == 1 && from < CHUNK_GROUPS) {
		to = from * 4;
		m = rte_malloc_socket("dp_lpm4_g", (size_t)to * GROUP_BYTES, RTE_CACHE_LINE_SIZE, l->socket);
		if (m == NULL)
			return -ENOMEM;
		memcpy(m, l->chunk[0], (size_t)from * GROUP_BYTES);
		l->dead_chunk0[l->n_dead_chunk0++] = l->chunk[0];
		__atomic_store_n(&l->chunk[0], m, __ATOMIC_RELEASE);
	} else {
		uint32_t c = l->n_chunks;

		if (c == DP_LPM4_CHUNKS)
			return -ENOMEM;
		to = c == 0 ? DP_LPM4_CHUNK0_MIN : from + CHUNK_GROUPS;
		m = rte_malloc_socket("dp_lpm4_g", (size_t)(to - from) * GROUP_BYTES, RTE_CACHE_LINE_SIZE,
				      l->socket);
		if (m == NULL)
			return -ENOMEM;
		__atomic_store_n(&l->chunk[c], m, __ATOMIC_RELEASE);
		l->n_chunks++;
	}
	l->cap_groups = to;
	for (uint32_t g = to; g-- > from;)
		l->free_g[l->n_free++] = g;
	return 0;
}

/* A group filled with fill, not yet linked anywhere; -1 when out of memory. */
static int64_t
group_new(struct dp_lpm4 *l, uint32_t fill)
{
	uint32_t g, *p;

	if (l->n_free == 0)
		return -1;	/* dp_lpm4_add grew the chunks first */
	g = l->free_g[--l->n_free];
	p = grp(l, g);
	for (unsigned int i = 0; i < 256; i++)
		p[i] = fill;
	l->n_groups++;
	return g;
}

/* The group *p points to, made first if *p is a leaf (the group inherits it). */
static int64_t
group_at(struct dp_lpm4 *l, uint32_t *p)
{
	uint32_t e = *p;
	int64_t g;

	if (e & DP_LPM4_GROUP)
		return GROUP_OF(e);
	if ((g = group_new(l, e)) < 0)
		return -1;
	put(p, DP_LPM4_GROUP | (uint32_t)g);	/* whole before it is linked */
	return g;
}

/* Set entry *p, and every entry under it, to v where a prefix of depth
 * owns it: adding (set), any leaf a prefix of depth or shorter set, or none
 * did; deleting (!set), the leaves the deleted prefix of depth set. */
static void
rewrite(struct dp_lpm4 *l, uint32_t *p, uint32_t v, uint8_t depth, bool set)
{
	uint32_t e = *p;

	if (e & DP_LPM4_GROUP) {
		uint32_t *c = grp(l, GROUP_OF(e));

		for (unsigned int i = 0; i < 256; i++)
			rewrite(l, &c[i], v, depth, set);
	} else if (set ? !(e & DP_LPM4_VALID) || DEPTH_OF(e) <= depth :
		   (e & DP_LPM4_VALID) && DEPTH_OF(e) == depth) {
		put(p, v);
	}
}

/* If the group *p points to holds 256 equal entries that a prefix no
 * longer than base (where the group's bits start) set, make *p that entry
 * and retire the group (readers may still be in it: reused after reclaim).
 * Equal entries of longer prefixes (siblings with one next hop) stay: the
 * walks of their deletes must find them at their level. false: *p stays a
 * group. */
static bool
fold(struct dp_lpm4 *l, uint32_t *p, unsigned int base)
{
	uint32_t e, *c, first;

	if (p == NULL || !((e = *p) & DP_LPM4_GROUP))
		return false;
	c = grp(l, GROUP_OF(e));
	first = c[0];
	if ((first & DP_LPM4_GROUP) || ((first & DP_LPM4_VALID) && DEPTH_OF(first) > base))
		return false;
	for (unsigned int i = 1; i < 256; i++)
		if (c[i] != first)
			return false;
	if (push(&l->dead_g, &l->n_dead, &l->cap_dead, GROUP_OF(e)) < 0)
		return false;	/* keep the group: correct, only not reclaimed */
	put(p, first);
	l->n_groups--;
	return true;
}

/* Fold the groups on a path (p1 names a group of bits 16.., p2 one of bits
 * 24..; NULL: none), the deepest first, until one stays (the one above it
 * then holds a group). */
static void
fold_path(struct dp_lpm4 *l, uint32_t *p1, uint32_t *p2)
{
	if (p2 == NULL || fold(l, p2, 24))
		fold(l, p1, 16);
}

/* The entries a prefix covers at its level: the slot array, first, count. */
static int
span(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, bool make, uint32_t **tbl, uint32_t *first,
     uint32_t *count, uint32_t **parent1, uint32_t **parent2)
{
	uint32_t *p1, *p2;
	int64_t g;

	*parent1 = *parent2 = NULL;
	if (depth <= 16) {	/* root entries: the caller walks them page by page */
		*tbl = NULL;
		*first = (ip >> 16) & ~((1u << (16 - depth)) - 1);
		*count = 1u << (16 - depth);
		return 0;
	}
	if (!make && !page_made(l, ip >> 24))
		return -ENOENT;
	if ((p1 = root_at(l, ip >> 16)) == NULL)
		return -ENOMEM;
	if (!make && !(*p1 & DP_LPM4_GROUP))
		return -ENOENT;
	if ((g = make ? group_at(l, p1) : (int64_t)GROUP_OF(*p1)) < 0)
		return -ENOMEM;
	*parent1 = p1;
	if (depth <= 24) {
		*tbl = grp(l, (uint32_t)g);
		*first = ((ip >> 8) & 0xff) & ~((1u << (24 - depth)) - 1);
		*count = 1u << (24 - depth);
		return 0;
	}
	p2 = &grp(l, (uint32_t)g)[(ip >> 8) & 0xff];
	if (!make && !(*p2 & DP_LPM4_GROUP))
		return -ENOENT;
	if ((g = make ? group_at(l, p2) : (int64_t)GROUP_OF(*p2)) < 0)
		return -ENOMEM;
	*parent2 = p2;
	*tbl = grp(l, (uint32_t)g);
	*first = (ip & 0xff) & ~((1u << (32 - depth)) - 1);
	*count = 1u << (32 - depth);
	return 0;
}

int
dp_lpm4_add(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t nh)
{
	uint32_t *tbl, first, count, *p1, *p2;
	int rc;

	if (depth < 1 || depth > 32 || nh > DP_LPM4_NH_MAX)
		return -EINVAL;
	ip &= depth == 32 ? UINT32_MAX : ~(UINT32_MAX >> depth);
	/* the groups it may make are there before span takes pointers into
	 * the chunks: growing the first one moves it */
	while (depth > 16 && l->n_free < (depth > 24 ? 2u : 1u))
		if (grow(l) < 0)
			return -ENOMEM;
	if ((rc = span(l, ip, depth, true, &tbl, &first, &count, &p1, &p2)) < 0) {
		fold_path(l, p1, p2);	/* the groups it made say only what *p did */
		return rc;
	}
	if (tbl == NULL) {
		/* every page it covers made before an entry changes: a failure
		 * leaves pages of misses, not half a route */
		for (uint32_t r = first; r < first + count; r += 256)
			if (root_at(l, r) == NULL)
				return -ENOMEM;
		for (uint32_t r = first; r < first + count; r++)
			rewrite(l, root_at(l, r), leaf(nh, depth), depth, true);
		return 0;
	}
	for (uint32_t i = first; i < first + count; i++)
		rewrite(l, &tbl[i], leaf(nh, depth), depth, true);
	return 0;
}

int
dp_lpm4_delete(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t cover_nh,
	       uint8_t cover_depth)
{
	uint32_t *tbl, first, count, *p1, *p2, v;

	if (depth < 1 || depth > 32 || cover_depth >= depth || cover_nh > DP_LPM4_NH_MAX)
		return -EINVAL;
	ip &= depth == 32 ? UINT32_MAX : ~(UINT32_MAX >> depth);
	if (span(l, ip, depth, false, &tbl, &first, &count, &p1, &p2) < 0)
		return 0;	/* no group on its path: nothing of it is there */
	v = cover_depth ? leaf(cover_nh, cover_depth) : 0;
	if (tbl == NULL) {	/* root entries: a page not made holds none of it */
		for (uint32_t r = first; r < first + count; r++)
			if (page_made(l, r >> 8))
				rewrite(l, root_at(l, r), v, depth, false);
		return 0;
	}
	for (uint32_t i = first; i < first + count; i++)
		rewrite(l, &tbl[i], v, depth, false);
	/* groups along its path that now say one thing fold, deepest first;
	 * groups below its span hold longer routes, which stay */
	fold_path(l, p1, p2);
	return 0;
}

void
dp_lpm4_reclaim(struct dp_lpm4 *l)
{
	while (l->n_dead_chunk0 > 0)
		rte_free(l->dead_chunk0[--l->n_dead_chunk0]);
	while (l->n_dead > 0) {
		if (push(&l->free_g, &l->n_free, &l->cap_free, l->dead_g[l->n_dead - 1]) < 0)
			return;
		l->n_dead--;
	}
}
