/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_hmap: an intrusive hash table grown a few buckets at a time (see cd_hmap.h). */
#include <errno.h>
#include <stdlib.h>

#include "cd_hmap.h"

#define FIRST_SIZE 16

/* The bucket of @hash in a table of @size (a power of two): its top bits
 * after a multiply, so a caller's hash need not be mixed. */
static size_t
slot(uint64_t hash, size_t size)
{
	return (size_t)((hash * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (size - 1);
}

int
cd_hmap_init(struct cd_hmap *m, cd_hmap_eq *eq)
{
	*m = (struct cd_hmap){ .size = { FIRST_SIZE, 0 }, .eq = eq };
	return (m->b[0] = calloc(FIRST_SIZE, sizeof(*m->b[0]))) == NULL ? -ENOMEM : 0;
}

void
cd_hmap_fini(struct cd_hmap *m)
{
	free(m->b[0]);
	free(m->b[1]);
	*m = (struct cd_hmap){ 0 };
}

/* While growing (and nothing iterates): up to CD_HMAP_STEP buckets of
 * b[0] moved into b[1], at most ten times as many empty ones passed. */
static void
step(struct cd_hmap *m)
{
	unsigned int moves = CD_HMAP_STEP, empty = CD_HMAP_STEP * 10;

	if (m->b[1] == NULL || m->iters > 0)
		return;
	while (moves > 0 && m->moved < m->size[0]) {
		struct cd_hnode *n = m->b[0][m->moved], *next;

		if (n == NULL) {
			m->moved++;
			if (--empty == 0)
				break;
			continue;
		}
		for (; n != NULL; n = next) {
			size_t s = slot(n->hash, m->size[1]);

			next = n->next;
			n->next = m->b[1][s];
			m->b[1][s] = n;
			m->used[0]--;
			m->used[1]++;
		}
		m->b[0][m->moved++] = NULL;
		moves--;
	}
	if (m->moved == m->size[0]) {   /* all moved: the new one is the table */
		free(m->b[0]);
		m->b[0] = m->b[1];
		m->size[0] = m->size[1];
		m->used[0] = m->used[1];
		m->b[1] = NULL;
		m->size[1] = m->used[1] = 0;
		m->moved = 0;
	}
}

struct cd_hnode *
cd_hmap_find(struct cd_hmap *m, uint64_t hash, const void *key)
{
	step(m);
	for (int t = 0; t < 2 && m->b[t] != NULL; t++)
		for (struct cd_hnode *n = m->b[t][slot(hash, m->size[t])]; n != NULL; n = n->next)
			if (n->hash == hash && m->eq(n, key))
				return n;
	return NULL;
}

int
cd_hmap_add(struct cd_hmap *m, struct cd_hnode *n, uint64_t hash)
{
	int t;
	size_t s;

	step(m);
	if (m->b[1] == NULL && m->used[0] >= m->size[0]) {
		/* a bucket a node: double, the moves spread over what follows */
		if ((m->b[1] = calloc(m->size[0] * 2, sizeof(*m->b[1]))) != NULL)
			m->size[1] = m->size[0] * 2;
		else if (m->used[0] >= m->size[0] * 4)
			return -ENOMEM;
	}
	t = m->b[1] != NULL;
	s = slot(hash, m->size[t]);
	n->hash = hash;
	n->next = m->b[t][s];
	m->b[t][s] = n;
	m->used[t]++;
	step(m);
	return 0;
}

void
cd_hmap_del(struct cd_hmap *m, struct cd_hnode *n)
{
	for (int t = 0; t < 2 && m->b[t] != NULL; t++)
		for (struct cd_hnode **p = &m->b[t][slot(n->hash, m->size[t])]; *p != NULL; p = &(*p)->next)
			if (*p == n) {
				*p = n->next;
				n->next = NULL;
				m->used[t]--;
				step(m);
				return;
			}
}

uint64_t
cd_hmap_hash(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++)
		h = (h ^ c[i]) * UINT64_C(0x100000001b3);
	/* splitmix64's finalizer: FNV's low bits alone are weak */
	h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 31);
}

void
cd_hmap_it_begin(struct cd_hmap_it *it, struct cd_hmap *m)
{
	*it = (struct cd_hmap_it){ .m = m };
	m->iters++;
}

struct cd_hnode *
cd_hmap_it_next(struct cd_hmap_it *it)
{
	struct cd_hmap *m = it->m;
	struct cd_hnode *n = it->next;

	while (n == NULL && it->t < 2) {
		if (m->b[it->t] == NULL || it->i == m->size[it->t]) {
			it->t++;
			it->i = 0;
			continue;
		}
		n = m->b[it->t][it->i++];
	}
	if (n != NULL)
		it->next = n->next;	/* (@n may be deleted before the next call) */
	return n;
}

void
cd_hmap_it_end(struct cd_hmap_it *it)
{
	it->m->iters--;
}
