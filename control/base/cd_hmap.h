/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_hmap: an intrusive hash table that never pauses to grow: its doubling is spread over the operations after it. */
/*
 * jansson's objects, and any table that rehashes at once, stop the loop
 * when they double: 100 ms for 65,536 keys, 200 ms for 131,072 (bench/
 * README.md, issue 78's third session). This one grows as Redis's dict
 * does: a second bucket array twice the size, and every operation after
 * it moves at most CD_HMAP_STEP buckets of the first into it (looking at
 * no more than ten times as many empty ones), until the first is empty.
 * Lookups look in both meanwhile. No operation costs more than a few
 * buckets' moves, whatever the size.
 *
 * Intrusive: the caller's record holds a struct cd_hnode (the chain and
 * the key's hash); the table holds no key and allocates nothing per
 * entry, only its bucket arrays. The caller says when two keys are the
 * same (@eq) and gives the hash (cd_hmap_hash of its key's bytes, or its
 * own). Duplicates are the caller's to avoid (find before add).
 *
 * Iteration visits every node once and moves none while under way (a
 * table being iterated does not move buckets: the ones after it catch
 * up); the node just returned may be deleted.
 */
#ifndef CD_HMAP_H
#define CD_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CD_HMAP_STEP 2	/* buckets moved per operation while growing */

struct cd_hnode {
	struct cd_hnode *next;
	uint64_t hash;
};

/* Is @n's key @key? */
typedef bool cd_hmap_eq(const struct cd_hnode *n, const void *key);

struct cd_hmap {
	struct cd_hnode **b[2];	/* b[1]: the table being grown into (NULL: none) */
	size_t size[2];		/* buckets, a power of two */
	size_t used[2];
	size_t moved;		/* b[0]'s buckets moved into b[1] so far */
	unsigned int iters;	/* iterations under way: nothing moves */
	cd_hmap_eq *eq;
};

/* An empty table: 0, or -ENOMEM. */
int cd_hmap_init(struct cd_hmap *m, cd_hmap_eq *eq);
/* Its arrays freed (the nodes are the caller's). */
void cd_hmap_fini(struct cd_hmap *m);

static inline size_t
cd_hmap_count(const struct cd_hmap *m)
{
	return m->used[0] + m->used[1];
}

/* The node of @key (of hash @hash), NULL: none. */
struct cd_hnode *cd_hmap_find(struct cd_hmap *m, uint64_t hash, const void *key);
/* @n in, under @hash: 0, or -ENOMEM (only when a doubling cannot start
 * and the table is past four nodes a bucket: then nothing is added). */
int cd_hmap_add(struct cd_hmap *m, struct cd_hnode *n, uint64_t hash);
/* @n (in @m) out. */
void cd_hmap_del(struct cd_hmap *m, struct cd_hnode *n);

/* A 64-bit hash of @len bytes (FNV-1a, then mixed: every bit of the input
 * reaches the bucket index). */
uint64_t cd_hmap_hash(const void *p, size_t len);

struct cd_hmap_it {
	struct cd_hmap *m;
	int t;
	size_t i;
	struct cd_hnode *next;
};

/* Every node once: begin, next until NULL, end (nothing moves between). */
void cd_hmap_it_begin(struct cd_hmap_it *it, struct cd_hmap *m);
struct cd_hnode *cd_hmap_it_next(struct cd_hmap_it *it);
void cd_hmap_it_end(struct cd_hmap_it *it);

#endif
