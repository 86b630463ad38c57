/* IPv4 longest-prefix match for one routing table (a VRF): a 16-8-8 trie,
 * VPP's ip4 mtrie shape. A 2^16-entry root and 256-entry groups for longer
 * prefixes, where rte_lpm's 2^24-entry root costs 64 MiB a table. The root
 * is 256 pages of 256 entries (1 KiB), a page made when a route first
 * lands in its /8 (until then it is a shared page of misses), and the
 * first groups come 4, then 16, then 64 at a time: a VRF of a few routes
 * (an SVI's /24 and /32, a static /24) holds 16 KiB, not the 328 KiB
 * of a flat root and a 64-group first chunk, so 4,096 such VRFs take
 * 64 MiB. The price is in the lookup: a /24 or shorter costs two trie
 * loads, the root page's pointer and the group chunk's (from arrays that
 * stay in cache), where rte_lpm's costs one. The page's pointer is the
 * load a flat root did not have: +0.8 cycles a lookup one at a time, +2 in
 * dp_lpm4_lookup_bulk (tests/unit/bench_lpm4.c, 1,024 /24s: 6.7 and 8.5
 * against 5.9 and 6.5); the table engine's staged walk (dp_tbackend.c),
 * which sxdp runs, hides it (bench/run.sh l3 and l3-vrfs: the same cycles
 * a packet within noise).
 *
 * An entry is 32 bits: valid, "points to a group", the prefix length that
 * set it, and a 24-bit value (the route's next hop, or a group). One writer,
 * lock-free readers: every change is one 32-bit store, a new root page,
 * group or grown first chunk is whole before it is linked, and a group
 * unlinked by a delete (or a first chunk replaced by a larger copy) is
 * reused (freed) only after dp_lpm4_reclaim(), which the caller runs once
 * readers have passed a grace period. Root pages stay until the table is
 * freed (at most the flat root's 256 KiB). The caller keeps the routes and
 * says, on a delete, which shorter route covers the deleted one (dp_lpm4
 * keeps no rule list). */
#ifndef DP_LPM4_H
#define DP_LPM4_H

#include <stdint.h>

#include <rte_common.h>

#define DP_LPM4_MISS		UINT32_MAX
#define DP_LPM4_NH_MAX		((1u << 24) - 1)

#define DP_LPM4_VALID		0x80000000u
#define DP_LPM4_GROUP		0x40000000u
#define DP_LPM4_CHUNK_SHIFT	6	/* a chunk holds 64 groups (the first grows to it) */
#define DP_LPM4_CHUNKS		1024	/* so at most 65,536 groups (64 MiB) a table */
#define DP_LPM4_CHUNK0_MIN	4	/* groups the first chunk starts with */
#define DP_LPM4_LANES		16	/* addresses a bulk lookup walks side by side */

struct dp_lpm4 {
	uint32_t *page[256];			/* root entries of ip >> 24: 256 each */
	uint32_t *chunk[DP_LPM4_CHUNKS];	/* 64 groups of 256 entries each */
	uint32_t n_chunks, n_pages;
	uint32_t cap_groups;			/* groups the chunks hold (the first: fewer) */
	uint32_t *dead_chunk0[2];		/* first chunks outgrown, until reclaimed */
	uint32_t n_dead_chunk0;
	uint32_t *free_g, n_free, cap_free;	/* groups to hand out */
	uint32_t *dead_g, n_dead, cap_dead;	/* unlinked, until reclaimed */
	uint32_t n_groups;			/* in use */
	int socket;
};

struct dp_lpm4 *dp_lpm4_create(int socket);
void dp_lpm4_free(struct dp_lpm4 *l);
/* A copy with the same routes (a dataplane-atomic batch edits it): costs
 * what the table holds, not what the routing table around it holds. */
struct dp_lpm4 *dp_lpm4_clone(const struct dp_lpm4 *l);

/* ip in host order; depth 1..32; nh <= DP_LPM4_NH_MAX. The same prefix
 * again replaces its next hop. 0, -EINVAL, -ENOMEM. */
int dp_lpm4_add(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t nh);
/* Remove ip/depth; what it covered falls back to cover_nh/cover_depth (the
 * longest shorter route that covers it; cover_depth 0: none). 0, -EINVAL. */
int dp_lpm4_delete(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t cover_nh,
		   uint8_t cover_depth);
/* Groups unlinked before the grace period that just ended can be reused. */
void dp_lpm4_reclaim(struct dp_lpm4 *l);
/* Bytes it holds (root pages and group chunks). */
uint64_t dp_lpm4_bytes(const struct dp_lpm4 *l);

/* Root entry r (ip >> 16) of l (a page is whole before it is linked). */
static inline const uint32_t *
dp_lpm4_root(const struct dp_lpm4 *l, uint32_t r)
{
	return __atomic_load_n(&l->page[r >> 8], __ATOMIC_ACQUIRE) + (r & 0xff);
}

static inline const uint32_t *
dp_lpm4_group(const struct dp_lpm4 *l, uint32_t g)
{
	return l->chunk[g >> DP_LPM4_CHUNK_SHIFT] +
	       ((size_t)(g & ((1u << DP_LPM4_CHUNK_SHIFT) - 1)) << 8);
}

/* The next hop of ip (host order), or DP_LPM4_MISS. */
static inline uint32_t
dp_lpm4_lookup(const struct dp_lpm4 *l, uint32_t ip)
{
	uint32_t e = __atomic_load_n(dp_lpm4_root(l, ip >> 16), __ATOMIC_ACQUIRE);

	if (e & DP_LPM4_GROUP) {
		e = __atomic_load_n(&dp_lpm4_group(l, e & DP_LPM4_NH_MAX)[(ip >> 8) & 0xff],
				    __ATOMIC_ACQUIRE);
		if (e & DP_LPM4_GROUP)
			e = __atomic_load_n(&dp_lpm4_group(l, e & DP_LPM4_NH_MAX)[ip & 0xff],
					    __ATOMIC_ACQUIRE);
	}
	return (e & DP_LPM4_VALID) ? e & DP_LPM4_NH_MAX : DP_LPM4_MISS;
}

/* One level of a bulk walk over DP_LPM4_LANES addresses: each e[j] that
 * names a group becomes entry (ip[j] >> shift) & 0xff of that group. *all
 * and *any (the AND and OR of the entries) pick the loop: every lane goes
 * down (no test), some do (no branch either), or none. */
static __rte_always_inline void
dp_lpm4_bulk_level(const struct dp_lpm4 *l, const uint32_t *ip, uint32_t *e, unsigned int shift,
		   uint32_t *all, uint32_t *any)
{
	uint32_t a = UINT32_MAX, o = 0;

	if (*all & DP_LPM4_GROUP) {
		for (unsigned int j = 0; j < DP_LPM4_LANES; j++)
			e[j] = __atomic_load_n(&dp_lpm4_group(l, e[j] & DP_LPM4_NH_MAX)[(ip[j] >> shift) & 0xff],
					       __ATOMIC_ACQUIRE);
	} else if (*any & DP_LPM4_GROUP) {
		for (unsigned int j = 0; j < DP_LPM4_LANES; j++) {
			uint32_t down = -(uint32_t)((e[j] & DP_LPM4_GROUP) != 0);
			/* a lane that stops reads entry 0 of group 0 (some
			 * lane goes down, so there is one) and keeps e[j] */
			uint32_t v = __atomic_load_n(&dp_lpm4_group(l, e[j] & DP_LPM4_NH_MAX & down)
						     [(ip[j] >> shift) & 0xff & down], __ATOMIC_ACQUIRE);

			e[j] = (v & down) | (e[j] & ~down);
		}
	} else {
		return;
	}
	for (unsigned int j = 0; j < DP_LPM4_LANES; j++) {
		a &= e[j];
		o |= e[j];
	}
	*all = a;
	*any = o;
}

/* The next hop of each of n addresses (host order) into nh[]
 * (DP_LPM4_MISS: none). DP_LPM4_LANES at a time, a level at a time, as
 * rte_lpm_lookupx4 does: every root load of the block first, then the
 * second level's, then the third's if any address needs it. The loads of
 * a level are independent and in flight together, and a block whose
 * addresses stop at different levels walks without a branch to mispredict:
 * where route lengths mix, this is what pays (tests/unit/bench_lpm4.c:
 * 16 cycles an address against 25 one at a time). Where every address
 * walks alike, a loop of dp_lpm4_lookup is 5-15 % faster (its branches
 * predict and the core overlaps its iterations). Blocks of 16: blocks of
 * 64 with a prefetch pass over an array of addresses stalled on short
 * bursts (each address stored, then loaded back before the store left)
 * and gained nothing on long ones. */
static inline void
dp_lpm4_lookup_bulk(const struct dp_lpm4 *l, const uint32_t *ips, unsigned int n, uint32_t *nh)
{
	unsigned int i = 0;

	for (; i + DP_LPM4_LANES <= n; i += DP_LPM4_LANES) {
		const uint32_t *ip = ips + i;
		uint32_t e[DP_LPM4_LANES], all = UINT32_MAX, any = 0;

		for (unsigned int j = 0; j < DP_LPM4_LANES; j++) {
			e[j] = __atomic_load_n(dp_lpm4_root(l, ip[j] >> 16), __ATOMIC_ACQUIRE);
			all &= e[j];
			any |= e[j];
		}
		dp_lpm4_bulk_level(l, ip, e, 8, &all, &any);
		dp_lpm4_bulk_level(l, ip, e, 0, &all, &any);
		for (unsigned int j = 0; j < DP_LPM4_LANES; j++)
			nh[i + j] = (e[j] & DP_LPM4_VALID) ? e[j] & DP_LPM4_NH_MAX : DP_LPM4_MISS;
	}
	/* fewer than a block: one at a time */
	for (; i < n; i++)
		nh[i] = dp_lpm4_lookup(l, ips[i]);
}

#endif
