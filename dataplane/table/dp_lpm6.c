/* IPv6 16-8x14 trie (dp_lpm6.h): adds and deletes by prefix expansion,
 * groups allocated in chunks and recycled after a grace period, dp_lpm4's
 * walks with a path of up to 14 groups; a /128 a host entry where its path
 * leaves the groups. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dp_lpm6.h"

#define DEPTH_SHIFT	24
#define DEPTH_OF(e)	((((e) >> DEPTH_SHIFT) & 0x7f) + 1)	/* of a valid entry */
#define GROUP_OF(e)	((e) & DP_LPM6_NH_MAX)
#define CHUNK_GROUPS	(1u << DP_LPM6_CHUNK_SHIFT)
#define CHUNK_BYTES	((size_t)CHUNK_GROUPS * 256 * sizeof(uint32_t))
#define MAX_CHUNKS	((DP_LPM6_NH_MAX + 1) >> DP_LPM6_CHUNK_SHIFT)	/* group numbers are 24 bits */
#define LEVELS		14	/* groups on a path: bytes 2..15 */

static inline uint32_t *
grp(struct dp_lpm6 *l, uint32_t g)
{
	return l->dir[g >> DP_LPM6_CHUNK_SHIFT] + ((size_t)(g & (CHUNK_GROUPS - 1)) << 8);
}

static inline uint32_t
leaf(uint32_t nh, uint8_t depth)
{
	return DP_LPM6_VALID | (uint32_t)(depth - 1) << DEPTH_SHIFT | nh;
}

static inline void
put(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Room in list *a for n_used + n: a push after it cannot fail. */
static int
reserve(uint32_t **a, uint32_t n_used, uint32_t *cap, uint32_t n)
{
	uint32_t c = *cap, *x;

	if (n_used + n <= c)
		return 0;
	while (c < n_used + n)
		c = c ? c * 2 : 64;
	if ((x = realloc(*a, sizeof(*x) * c)) == NULL)
		return -ENOMEM;
	*a = x;
	*cap = c;
	return 0;
}

static int
push(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (reserve(a, *n, cap, 1) < 0)
		return -ENOMEM;
	(*a)[(*n)++] = v;
	return 0;
}

struct dp_lpm6 *
dp_lpm6_create(int socket)
{
	struct dp_lpm6 *l = rte_zmalloc_socket("dp_lpm6", sizeof(*l), RTE_CACHE_LINE_SIZE, socket);

	if (l != NULL)
		l->socket = socket;
	return l;
}

void
dp_lpm6_free(struct dp_lpm6 *l)
{
	if (l == NULL)
		return;
	for (uint32_t c = 0; c < l->n_chunks; c++)
		rte_free(l->dir[c]);
	rte_free(l->dir);
	for (uint32_t i = 0; i < l->n_dead_dir; i++)
		rte_free(l->dead_dir[i]);
	free(l->dead_dir);
	free(l->free_g);
	free(l->dead_g);
	rte_free(l);
}

/* Chunk as number n_chunks. A full directory is replaced by a copy twice
 * its size: readers still in the old one find every group they can have
 * seen there, and it is freed on reclaim. */
static int
dir_add(struct dp_lpm6 *l, uint32_t *chunk)
{
	uint32_t n = l->n_chunks;

	if (n == l->cap_chunks) {
		uint32_t cap = n ? n * 2 : 4;
		uint32_t **d = rte_malloc_socket("dp_lpm6_dir", cap * sizeof(*d), RTE_CACHE_LINE_SIZE,
						 l->socket);

		if (d == NULL)
			return -ENOMEM;
		if (l->n_dead_dir == l->cap_dead_dir) {
			uint32_t dc = l->cap_dead_dir ? l->cap_dead_dir * 2 : 8;
			void **x = realloc(l->dead_dir, dc * sizeof(*x));

			if (x == NULL) {
				rte_free(d);
				return -ENOMEM;
			}
			l->dead_dir = x;
			l->cap_dead_dir = dc;
		}
		if (n > 0)
			memcpy(d, l->dir, n * sizeof(*d));
		d[n] = chunk;
		if (l->dir != NULL) {
			l->dead_dir[l->n_dead_dir++] = l->dir;
			l->dead_dir_bytes += l->cap_chunks * sizeof(*d);
		}
		/* before any entry names a group of the chunk */
		__atomic_store_n(&l->dir, d, __ATOMIC_RELEASE);
		l->cap_chunks = cap;
	} else {
		__atomic_store_n(&l->dir[n], chunk, __ATOMIC_RELEASE);
	}
	l->n_chunks = n + 1;
	return 0;
}

struct dp_lpm6 *
dp_lpm6_clone(const struct dp_lpm6 *l)
{
	struct dp_lpm6 *c = dp_lpm6_create(l->socket);

	if (c == NULL)
		return NULL;
	memcpy(c->root, l->root, sizeof(l->root));
	if (l->n_chunks > 0) {
		c->dir = rte_malloc_socket("dp_lpm6_dir", l->cap_chunks * sizeof(*c->dir),
					   RTE_CACHE_LINE_SIZE, l->socket);
		if (c->dir == NULL)
			goto fail;
		c->cap_chunks = l->cap_chunks;
	}
	for (uint32_t k = 0; k < l->n_chunks; k++) {
		c->dir[k] = rte_malloc_socket("dp_lpm6_g", CHUNK_BYTES, RTE_CACHE_LINE_SIZE,
					      l->socket);
		if (c->dir[k] == NULL)
			goto fail;
		c->n_chunks++;
		memcpy(c->dir[k], l->dir[k], CHUNK_BYTES);
	}
	/* no reader has seen the copy: what l keeps for a grace period is free here */
	if (reserve(&c->free_g, 0, &c->cap_free, l->n_free + l->n_dead) < 0)
		goto fail;
	for (uint32_t i = 0; i < l->n_free; i++)
		c->free_g[c->n_free++] = l->free_g[i];
	for (uint32_t i = 0; i < l->n_dead; i++)
		c->free_g[c->n_free++] = l->dead_g[i];
	c->n_groups = l->n_groups;
	return c;
fail:
	dp_lpm6_free(c);
	return NULL;
}

uint64_t
dp_lpm6_bytes(const struct dp_lpm6 *l)
{
	return sizeof(*l) + (uint64_t)l->cap_chunks * sizeof(*l->dir) + l->dead_dir_bytes +
	       (uint64_t)l->n_chunks * CHUNK_BYTES;
}

/* A group filled with fill, not yet linked anywhere; -1 when out of memory. */
static int64_t
group_new(struct dp_lpm6 *l, uint32_t fill)
{
	uint32_t g, *p;

	if (l->n_free == 0) {
		uint32_t c = l->n_chunks, *chunk;

		if (c == MAX_CHUNKS ||
		    reserve(&l->free_g, 0, &l->cap_free, CHUNK_GROUPS) < 0)
			return -1;
		chunk = rte_malloc_socket("dp_lpm6_g", CHUNK_BYTES, RTE_CACHE_LINE_SIZE, l->socket);
		if (chunk == NULL)
			return -1;
		if (dir_add(l, chunk) < 0) {
			rte_free(chunk);
			return -1;
		}
		/* lowest number handed out first: a small table stays in its first chunk */
		for (uint32_t i = CHUNK_GROUPS; i-- > 0;)
			l->free_g[l->n_free++] = (c << DP_LPM6_CHUNK_SHIFT) + i;
	}
	g = l->free_g[--l->n_free];
	p = grp(l, g);
	for (unsigned int i = 0; i < 256; i++)
		p[i] = fill;
	l->n_groups++;
	return g;
}

/* Group g off its path, reused once readers have passed a grace period;
 * false when the dead list cannot grow (g then stays: correct, only not
 * reclaimed). */
static bool
retire(struct dp_lpm6 *l, uint32_t g)
{
	if (push(&l->dead_g, &l->n_dead, &l->cap_dead, g) < 0)
		return false;
	l->n_groups--;
	return true;
}

static inline uint32_t *
host_rec(struct dp_lpm6 *l, uint32_t e)
{
	return grp(l, e & DP_LPM6_NH_MAX);
}

static inline bool
host_is(struct dp_lpm6 *l, uint32_t e, const uint8_t *ip)
{
	return memcmp(host_rec(l, e), ip, 16) == 0;
}

/* The group *p points to, made first if *p is not one (the group inherits
 * *p in all 256 entries, so readers see no change when it is linked). A
 * host there moves into the new group, at byte b of its address (still a
 * host at the last level: so it can fold back up). */
static int64_t
group_at(struct dp_lpm6 *l, uint32_t *p, unsigned int b)
{
	uint32_t e = *p;
	int64_t g;

	if (dp_lpm6_is_group(e))
		return GROUP_OF(e);
	if (dp_lpm6_is_host(e)) {
		const uint32_t *r = host_rec(l, e);

		if ((g = group_new(l, r[DP_LPM6_HOST_FALLBACK])) < 0)
			return -1;
		grp(l, (uint32_t)g)[((const uint8_t *)r)[b]] = e;
		put(p, DP_LPM6_GROUP | (uint32_t)g);
		return g;
	}
	if ((g = group_new(l, e)) < 0)
		return -1;
	put(p, DP_LPM6_GROUP | (uint32_t)g);	/* whole before it is linked */
	return g;
}

/* Set entry *p, and every entry under it, to v where a prefix of depth
 * owns it: adding (set), any route a prefix of depth or shorter set, or
 * none did; deleting (!set), the routes the deleted prefix of depth set.
 * Under a group the entries a shorter prefix set are all the same one (the
 * longest route covering the group's whole range), so an add or delete
 * there changes them alike and leaves the longer prefixes' entries. */
static void
rewrite(struct dp_lpm6 *l, uint32_t *p, uint32_t v, uint8_t depth, bool set)
{
	uint32_t e = *p;

	if (dp_lpm6_is_group(e)) {
		uint32_t *c = grp(l, GROUP_OF(e));

		for (unsigned int i = 0; i < 256; i++)
			rewrite(l, &c[i], v, depth, set);
	} else if (dp_lpm6_is_host(e)) {	/* the slot's own entry is the fallback */
		rewrite(l, &host_rec(l, e)[DP_LPM6_HOST_FALLBACK], v, depth, set);
	} else if (e != v && (set ? !(e & DP_LPM6_VALID) || DEPTH_OF(e) <= depth :
			      (e & DP_LPM6_VALID) && DEPTH_OF(e) == depth)) {
		put(p, v);
	}
}

/* If the group *p points to holds 256 equal entries that a prefix no
 * longer than base (where the group's bits start) set, make *p that entry
 * and retire the group (readers may still be in it: reused after reclaim);
 * the same if all but one host equal that host's fallback, *p then the
 * host. Equal entries of longer prefixes (siblings with one next hop)
 * stay: the walks of their deletes must find them at their level. false:
 * *p stays a group. */
static bool
fold(struct dp_lpm6 *l, uint32_t *p, unsigned int base)
{
	uint32_t e = *p, *c, x = 0, host = 0;
	bool have = false;

	if (!dp_lpm6_is_group(e))
		return false;
	c = grp(l, GROUP_OF(e));
	for (unsigned int i = 0; i < 256; i++) {
		if (dp_lpm6_is_host(c[i])) {
			if (host != 0)
				return false;
			host = c[i];
		} else if (!have) {
			x = c[i];
			have = true;
		} else if (c[i] != x) {
			return false;
		}
	}
	if (dp_lpm6_is_group(x) || ((x & DP_LPM6_VALID) && DEPTH_OF(x) > base) ||
	    (host != 0 && host_rec(l, host)[DP_LPM6_HOST_FALLBACK] != x))
		return false;
	if (!retire(l, GROUP_OF(e)))
		return false;
	put(p, host != 0 ? host : x);
	return true;
}

/* Fold the groups on a path (path[i] names a group of bits 16+8i..), the
 * deepest first, until one stays (the ones above it then hold a group). */
static void
fold_path(struct dp_lpm6 *l, uint32_t **path, unsigned int n)
{
	while (n-- > 0)
		if (!fold(l, path[n], 16 + 8 * n))
			return;
}

/* The entries a prefix covers at its level (the slot array, first, count),
 * and path[]: the entries naming the groups on its way, root's first. */
static int
span(struct dp_lpm6 *l, const uint8_t *ip, uint8_t depth, bool make, uint32_t **tbl,
     uint32_t *first, uint32_t *count, uint32_t **path, unsigned int *n_path)
{
	uint32_t *p = &l->root[(uint32_t)ip[0] << 8 | ip[1]];
	unsigned int last;

	*n_path = 0;
	if (depth <= 16) {
		*tbl = l->root;
		*first = ((uint32_t)ip[0] << 8 | ip[1]) & ~((1u << (16 - depth)) - 1);
		*count = 1u << (16 - depth);
		return 0;
	}
	last = (depth - 17u) / 8 + 2;	/* the byte its level's groups are indexed by */
	for (unsigned int b = 2;; b++) {
		int64_t g;

		if (!make && !dp_lpm6_is_group(*p))
			return -ENOENT;
		if ((g = make ? group_at(l, p, b) : (int64_t)GROUP_OF(*p)) < 0)
			return -ENOMEM;
		path[(*n_path)++] = p;
		if (b == last) {
			unsigned int below = 8 * (b + 1) - depth;	/* bits of ip[b] past depth */

			*tbl = grp(l, (uint32_t)g);
			*first = ip[b] & ~((1u << below) - 1);
			*count = 1u << below;
			return 0;
		}
		p = &grp(l, (uint32_t)g)[ip[b]];
	}
}

static void
prefix(uint8_t *out, const uint8_t *ip, uint8_t depth)
{
	for (unsigned int i = 0; i < 16; i++) {
		int keep = depth - 8 * (int)i;

		out[i] = keep >= 8 ? ip[i] : keep <= 0 ? 0 : ip[i] & (uint8_t)(0xff00 >> keep);
	}
}

/* A /128: down the groups on its path; a host entry where they end (its
 * own: a new next hop; another: pushed down and on), or its route's entry
 * at the last level. */
static int
host_add(struct dp_lpm6 *l, const uint8_t *a, uint32_t nh)
{
	uint32_t *p = &l->root[(uint32_t)a[0] << 8 | a[1]], *path[LEVELS];
	unsigned int n_path = 0;

	for (unsigned int b = 2;; b++) {
		uint32_t e = *p;
		int64_t g;

		if (dp_lpm6_is_host(e) && host_is(l, e, a)) {
			put(&host_rec(l, e)[DP_LPM6_HOST_LEAF], leaf(nh, 128));
			return 0;
		}
		if (b == 16) {	/* p is an entry of a last-level group */
			rewrite(l, p, leaf(nh, 128), 128, true);
			return 0;
		}
		if (!dp_lpm6_is_group(e) && !dp_lpm6_is_host(e)) {
			uint32_t *r;

			if ((g = group_new(l, 0)) < 0)
				break;
			r = grp(l, (uint32_t)g);
			memcpy(r, a, 16);
			r[DP_LPM6_HOST_LEAF] = leaf(nh, 128);
			r[DP_LPM6_HOST_FALLBACK] = e;
			put(p, DP_LPM6_HOST | (uint32_t)g);	/* the record whole first */
			return 0;
		}
		if ((g = group_at(l, p, b)) < 0)
			break;
		path[n_path++] = p;
		p = &grp(l, (uint32_t)g)[a[b]];
	}
	fold_path(l, path, n_path);	/* a host pushed down goes back up */
	return -ENOMEM;
}

/* A /128's delete: its host entry gives its slot back the fallback, or its
 * route's entry at the last level goes as any route's. */
static void
host_delete(struct dp_lpm6 *l, const uint8_t *a, uint32_t cover)
{
	uint32_t *p = &l->root[(uint32_t)a[0] << 8 | a[1]], *path[LEVELS];
	unsigned int n_path = 0;

	for (unsigned int b = 2;; b++) {
		uint32_t e = *p;

		if (dp_lpm6_is_host(e)) {
			if (!host_is(l, e, a))
				return;
			put(p, host_rec(l, e)[DP_LPM6_HOST_FALLBACK]);
			retire(l, e & DP_LPM6_NH_MAX);
			break;
		}
		if (b == 16) {
			rewrite(l, p, cover, 128, false);
			break;
		}
		if (!dp_lpm6_is_group(e))
			return;	/* no group reaches its level: nothing of it is there */
		path[n_path++] = p;
		p = &grp(l, GROUP_OF(e))[a[b]];
	}
	fold_path(l, path, n_path);
}

int
dp_lpm6_add(struct dp_lpm6 *l, const uint8_t ip[16], uint8_t depth, uint32_t nh)
{
	uint32_t *tbl, first, count, *path[LEVELS];
	unsigned int n_path;
	uint8_t a[16];
	int rc;

	if (ip == NULL || depth < 1 || depth > 128 || nh > DP_LPM6_NH_MAX)
		return -EINVAL;
	prefix(a, ip, depth);
	if (depth == 128)
		return host_add(l, a, nh);
	if ((rc = span(l, a, depth, true, &tbl, &first, &count, path, &n_path)) < 0) {
		fold_path(l, path, n_path);	/* the groups it made say only what *p did */
		return rc;
	}
	for (uint32_t i = first; i < first + count; i++)
		rewrite(l, &tbl[i], leaf(nh, depth), depth, true);
	return 0;
}

int
dp_lpm6_delete(struct dp_lpm6 *l, const uint8_t ip[16], uint8_t depth, uint32_t cover_nh,
	       uint8_t cover_depth)
{
	uint32_t *tbl, first, count, *path[LEVELS], v;
	unsigned int n_path;
	uint8_t a[16];

	if (ip == NULL || depth < 1 || depth > 128 || cover_depth >= depth ||
	    cover_nh > DP_LPM6_NH_MAX)
		return -EINVAL;
	prefix(a, ip, depth);
	v = cover_depth ? leaf(cover_nh, cover_depth) : 0;
	if (depth == 128) {
		host_delete(l, a, v);
		return 0;
	}
	if (span(l, a, depth, false, &tbl, &first, &count, path, &n_path) < 0)
		return 0;	/* no group on its path: nothing of it is there */
	for (uint32_t i = first; i < first + count; i++)
		rewrite(l, &tbl[i], v, depth, false);
	/* groups along its path that now say one thing fold, deepest first;
	 * groups below its span hold longer routes, which stay */
	fold_path(l, path, n_path);
	return 0;
}

void
dp_lpm6_reclaim(struct dp_lpm6 *l)
{
	if (reserve(&l->free_g, l->n_free, &l->cap_free, l->n_dead) == 0) {
		for (uint32_t i = 0; i < l->n_dead; i++)
			l->free_g[l->n_free++] = l->dead_g[i];
		l->n_dead = 0;
	}
	for (uint32_t i = 0; i < l->n_dead_dir; i++)
		rte_free(l->dead_dir[i]);
	l->n_dead_dir = 0;
	l->dead_dir_bytes = 0;
}

#define LANES	32u	/* a whole burst: measured better than 8 or 16 (walk is a 32-bit mask) */

void
dp_lpm6_lookup_bulk(const struct dp_lpm6 *l, const uint8_t *const *ips, unsigned int n,
		    uint32_t *nh)
{
	for (unsigned int s = 0; s < n; s += LANES) {
		const uint8_t *const *ip = ips + s;
		unsigned int m = RTE_MIN(n - s, LANES);
		uint32_t e[LANES], walk = 0;

		for (unsigned int j = 0; j < m; j++) {
			e[j] = __atomic_load_n(&l->root[(uint32_t)ip[j][0] << 8 | ip[j][1]],
					       __ATOMIC_ACQUIRE);
			walk |= (uint32_t)dp_lpm6_is_group(e[j]) << j;
		}
		/* the next lanes' roots arrive while these walk down */
		for (unsigned int j = s + LANES; j < n && j < s + 2 * LANES; j++)
			rte_prefetch0(&l->root[(uint32_t)ips[j][0] << 8 | ips[j][1]]);
		/* a level at a time across the lanes: the loads of one level do
		 * not depend on each other and are in flight together */
		for (unsigned int b = 2; walk != 0; b++) {
			uint32_t deeper = 0;

			for (uint32_t w = walk; w != 0; w &= w - 1) {
				unsigned int j = (unsigned int)__builtin_ctz(w);

				e[j] = __atomic_load_n(&dp_lpm6_group(l, e[j] & DP_LPM6_NH_MAX)[ip[j][b]],
						       __ATOMIC_ACQUIRE);
				deeper |= (uint32_t)dp_lpm6_is_group(e[j]) << j;
			}
			walk = deeper;
		}
		for (unsigned int j = 0; j < m; j++) {
			if (unlikely(dp_lpm6_is_host(e[j])))
				e[j] = dp_lpm6_host_pick(l, e[j], ip[j]);
			nh[s + j] = (e[j] & DP_LPM6_VALID) ? e[j] & DP_LPM6_NH_MAX : DP_LPM6_MISS;
		}
	}
}
