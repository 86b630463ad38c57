/* IPv6 longest-prefix match for one routing table (a VRF): a 16-bit root
 * and fourteen 8-bit strides (16 + 14 x 8 = 128), dp_lpm4's shape carried
 * to 128 bits. The root is 256 KiB and every longer prefix costs 1 KiB
 * groups along its path only, where rte_lpm6's 2^24-entry root is 64 MiB a
 * table: a VRF with a handful of routes costs about 330 KiB, so a box holds
 * many VRFs. A /32 costs three loads at most, a /48 five, a /64 seven.
 *
 * Same contract as dp_lpm4: one writer, lock-free readers; every change is
 * one 32-bit store, a new group is whole before it is linked, and a group
 * unlinked by a delete is reused only after dp_lpm6_reclaim(), which the
 * caller runs once readers have passed a grace period. The caller keeps the
 * routes (and the /0, outside the trie) and says, on a delete, which
 * shorter route covers the deleted one.
 *
 * An entry is 32 bits. A route's entry: valid, the prefix length that set
 * it less one (7 bits: 128 lengths do not fit dp_lpm4's 6), and a 24-bit
 * next hop. Without the valid bit the entry is empty (0), points to a group
 * (GROUP and a 24-bit group number) or to a host (HOST and the group number
 * holding its record); the group and host bits are then free to be the top
 * bits of a route's length.
 *
 * A /128 does not take a group at every level down to its last byte: it
 * stops as a host entry at the first entry on its path that is not a
 * group, and its record (its address, its route's entry, and the entry the
 * slot had) is compared at the end of a walk. A longer prefix through that
 * slot later pushes the host one level down; a delete that leaves a group
 * holding one host among entries all equal to the host's fallback folds
 * the host back up. A /128 whose walk reaches the last level through
 * groups others made is a route's entry there, as any route's. So a
 * router's own /128 in its connected /64 costs one group, not fourteen,
 * and the addresses near it stop where the /64 does instead of walking
 * fifteen levels. */
#ifndef DP_LPM6_H
#define DP_LPM6_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#define DP_LPM6_MISS		UINT32_MAX
#define DP_LPM6_NH_MAX		((1u << 24) - 1)

#define DP_LPM6_VALID		0x80000000u
#define DP_LPM6_GROUP		0x40000000u	/* only without VALID */
#define DP_LPM6_HOST		0x20000000u	/* only without VALID and GROUP */
/* A host's record, the first words of its group: the address (network
 * order), the /128's entry, the entry its slot would have without it. */
#define DP_LPM6_HOST_LEAF	4
#define DP_LPM6_HOST_FALLBACK	5
#define DP_LPM6_CHUNK_SHIFT	6		/* groups are allocated 64 (64 KiB) at a time */

struct dp_lpm6 {
	/* Chunk k holds groups k*64 .. k*64+63. The directory grows by a copy
	 * (the old one is freed on reclaim): a VRF pays for the chunks it has,
	 * not for a directory sized for the largest table. */
	uint32_t **dir;
	uint32_t n_chunks, cap_chunks;
	uint32_t *free_g, n_free, cap_free;	/* groups to hand out */
	uint32_t *dead_g, n_dead, cap_dead;	/* unlinked, until reclaimed */
	void **dead_dir;			/* replaced directories, until reclaimed */
	uint32_t n_dead_dir, cap_dead_dir;
	uint64_t dead_dir_bytes;
	uint32_t n_groups;			/* in use */
	int socket;
	uint32_t root[1 << 16] __rte_cache_aligned;
};

struct dp_lpm6 *dp_lpm6_create(int socket);
void dp_lpm6_free(struct dp_lpm6 *l);
/* A copy with the same routes (a dataplane-atomic batch edits it): costs
 * what the table holds, not what the routing table around it holds. */
struct dp_lpm6 *dp_lpm6_clone(const struct dp_lpm6 *l);

/* ip in network order (bits past depth are ignored); depth 1..128; nh <=
 * DP_LPM6_NH_MAX. The same prefix again replaces its next hop. 0, -EINVAL,
 * -ENOMEM. */
int dp_lpm6_add(struct dp_lpm6 *l, const uint8_t ip[16], uint8_t depth, uint32_t nh);
/* Remove ip/depth; what it covered falls back to cover_nh/cover_depth (the
 * longest shorter route that covers it; cover_depth 0: none). 0, -EINVAL. */
int dp_lpm6_delete(struct dp_lpm6 *l, const uint8_t ip[16], uint8_t depth, uint32_t cover_nh,
		   uint8_t cover_depth);
/* Groups unlinked before the grace period that just ended can be reused. */
void dp_lpm6_reclaim(struct dp_lpm6 *l);
/* Bytes it holds (root, directories and group chunks). */
uint64_t dp_lpm6_bytes(const struct dp_lpm6 *l);

/* The next hop of each of n addresses into nh[] (DP_LPM6_MISS: none). The
 * addresses walk the trie side by side, a level at a time, so the loads of
 * a burst overlap instead of each address waiting on its own chain. */
void dp_lpm6_lookup_bulk(const struct dp_lpm6 *l, const uint8_t *const *ips, unsigned int n,
			 uint32_t *nh);

static inline int
dp_lpm6_is_group(uint32_t e)
{
	return (e & (DP_LPM6_VALID | DP_LPM6_GROUP)) == DP_LPM6_GROUP;
}

static inline int
dp_lpm6_is_host(uint32_t e)
{
	return (e & (DP_LPM6_VALID | DP_LPM6_GROUP | DP_LPM6_HOST)) == DP_LPM6_HOST;
}

/* Group g, for a reader that has just loaded (acquire) the entry naming g:
 * that load orders this one, so the directory seen holds g's chunk. */
static inline const uint32_t *
dp_lpm6_group(const struct dp_lpm6 *l, uint32_t g)
{
	uint32_t *const *dir = __atomic_load_n(&l->dir, __ATOMIC_RELAXED);

	return dir[g >> DP_LPM6_CHUNK_SHIFT] +
	       ((size_t)(g & ((1u << DP_LPM6_CHUNK_SHIFT) - 1)) << 8);
}

/* The entry a walk that ended on host entry e says for ip: the host's
 * route if ip is its address, else what the slot would say without it. The
 * address does not change while the record is linked (nor until a grace
 * period after). */
static inline uint32_t
dp_lpm6_host_pick(const struct dp_lpm6 *l, uint32_t e, const uint8_t ip[16])
{
	const uint32_t *r = dp_lpm6_group(l, e & DP_LPM6_NH_MAX);
	uint64_t a[2], b[2];

	memcpy(a, r, 16);
	memcpy(b, ip, 16);
	return __atomic_load_n(&r[((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0 ? DP_LPM6_HOST_LEAF :
				     DP_LPM6_HOST_FALLBACK], __ATOMIC_ACQUIRE);
}

/* The next hop of ip (network order), or DP_LPM6_MISS. */
static inline uint32_t
dp_lpm6_lookup(const struct dp_lpm6 *l, const uint8_t ip[16])
{
	uint32_t e = __atomic_load_n(&l->root[(uint32_t)ip[0] << 8 | ip[1]], __ATOMIC_ACQUIRE);

	/* groups hang at most 14 deep (bytes 2..15): no bound needed */
	for (unsigned int b = 2; dp_lpm6_is_group(e); b++)
		e = __atomic_load_n(&dp_lpm6_group(l, e & DP_LPM6_NH_MAX)[ip[b]],
				    __ATOMIC_ACQUIRE);
	if (dp_lpm6_is_host(e))
		e = dp_lpm6_host_pick(l, e, ip);
	return (e & DP_LPM6_VALID) ? e & DP_LPM6_NH_MAX : DP_LPM6_MISS;
}

#endif
