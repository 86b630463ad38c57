/* dp_lpm4 against a brute-force reference: random adds, replaces and
 * deletes of prefixes of every length in a few crowded places (so groups
 * are made, shared by nested prefixes, folded and reused), every lookup
 * compared with the longest matching rule of the reference. At the end
 * every rule is deleted and every group must have folded away. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "dp_lpm4.h"

#define RULES 600

struct rule {
	uint32_t ip;
	uint8_t depth;
	uint32_t nh;
	bool used;
};

static struct rule ref[RULES];
static uint32_t x = 88172645;

static uint32_t
rnd(void)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

static uint32_t
mask(uint8_t d)
{
	return d == 0 ? 0 : d == 32 ? UINT32_MAX : ~(UINT32_MAX >> d);
}

/* Addresses near a few bases, so prefixes nest and share groups. */
static uint32_t
addr(void)
{
	static const uint32_t base[] = { 0x0a000000, 0x0a010200, 0xc0a80000, 0x0a0000ff, 0xffff0000 };

	return base[rnd() % 5] ^ (rnd() & (rnd() % 2 ? 0xff : rnd() % 2 ? 0xffff : 0xffffff));
}

/* The reference: the longest rule covering ip, skipping one. */
static const struct rule *
longest(uint32_t ip, int skip, uint8_t below)
{
	const struct rule *best = NULL;

	for (int i = 0; i < RULES; i++)
		if (i != skip && ref[i].used && ref[i].depth < below &&
		    (ip & mask(ref[i].depth)) == ref[i].ip && (best == NULL || ref[i].depth > best->depth))
			best = &ref[i];
	return best;
}

static int
find(uint32_t ip, uint8_t depth)
{
	for (int i = 0; i < RULES; i++)
		if (ref[i].used && ref[i].ip == ip && ref[i].depth == depth)
			return i;
	return -1;
}

static int
check(struct dp_lpm4 *l, int n, int op)
{
	for (int k = 0; k < n; k++) {
		uint32_t ip = k % 3 == 0 ? rnd() : addr();
		const struct rule *r = longest(ip, -1, 33);
		uint32_t want = r ? r->nh : DP_LPM4_MISS, got = dp_lpm4_lookup(l, ip);

		if (got != want) {
			fprintf(stderr, "op %d: %08x -> %u, want %u (rule %08x/%u)\n", op, ip, got, want,
				r ? r->ip : 0, r ? r->depth : 0);
			return -1;
		}
	}
	return 0;
}

int
main(void)
{
	char *eal[] = { "test_lpm4", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			"--log-level=3", NULL };
	struct dp_lpm4 *l;
	int ops = 0, adds = 0, dels = 0, repl = 0;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed: skipping\n");
		return 77;
	}
	if ((l = dp_lpm4_create(0)) == NULL)
		return 1;
	for (ops = 0; ops < 30000; ops++) {
		uint8_t depth = (uint8_t)(1 + rnd() % 32);
		uint32_t ip = addr() & mask(depth), what = rnd() % 10;
		int i = find(ip, depth);

		if (what >= 5 && i < 0) {	/* a rule that is there: any of them */
			int k = (int)(rnd() % RULES);

			for (int j = 0; j < RULES && i < 0; j++)
				if (ref[(k + j) % RULES].used)
					i = (k + j) % RULES;
			if (i >= 0) {
				ip = ref[i].ip;
				depth = ref[i].depth;
			}
		}
		if (i >= 0 && what >= 5 && what < 7) {			/* replace its next hop */
			ref[i].nh = rnd() % DP_LPM4_NH_MAX;
			if (dp_lpm4_add(l, ip, depth, ref[i].nh) != 0)
				return 1;
			repl++;
		} else if (i >= 0 && what >= 7) {			/* delete */
			const struct rule *c = longest(ip, i, depth);

			if (dp_lpm4_delete(l, ip, depth, c ? c->nh : 0, c ? c->depth : 0) != 0)
				return 1;
			ref[i].used = false;
			dels++;
		} else if (i < 0) {					/* add */
			for (i = 0; i < RULES && ref[i].used; i++)
				;
			if (i == RULES)
				continue;
			ref[i] = (struct rule){ ip, depth, rnd() % DP_LPM4_NH_MAX, true };
			if (dp_lpm4_add(l, ip, depth, ref[i].nh) != 0)
				return 1;
			adds++;
		}
		if (ops % 7 == 0)
			dp_lpm4_reclaim(l);	/* groups come back and are reused */
		if (check(l, ops % 100 == 0 ? 2000 : 20, ops) < 0)
			return 1;
	}
	printf("%d ops (%d adds, %d replaces, %d deletes), %u groups in use, %lu bytes\n", ops,
	       adds, repl, dels, l->n_groups, (unsigned long)dp_lpm4_bytes(l));
	/* delete all, longest first: every group folds */
	for (int d = 32; d >= 1; d--)
		for (int i = 0; i < RULES; i++)
			if (ref[i].used && ref[i].depth == d) {
				const struct rule *c = longest(ref[i].ip, i, (uint8_t)d);

				if (dp_lpm4_delete(l, ref[i].ip, (uint8_t)d, c ? c->nh : 0, c ? c->depth : 0))
					return 1;
				ref[i].used = false;
			}
	if (check(l, 5000, ops) < 0)
		return 1;
	if (l->n_groups != 0) {
		fprintf(stderr, "%u groups left after every route went\n", l->n_groups);
		return 1;
	}
	for (uint32_t i = 0; i < (1u << 16); i++)
		if (l->root[i] != 0) {
			fprintf(stderr, "root[%u] = %08x after every route went\n", i, l->root[i]);
			return 1;
		}
	printf("every route deleted: no group left, root empty\n");
	/* A group a delete folds away may still be read by a worker that loaded
	 * its parent just before: it must not be handed out again until
	 * dp_lpm4_reclaim (which the engine runs after a grace period). */
	{
		uint32_t g_old, g_new;
		bool free_before = false, free_after = false;

		dp_lpm4_reclaim(l);
		if (dp_lpm4_add(l, 0x0a000100, 24, 1) != 0)
			return 1;
		g_old = l->root[0x0a00] & DP_LPM4_NH_MAX;
		if (dp_lpm4_delete(l, 0x0a000100, 24, 0, 0) != 0 || (l->root[0x0a00] & DP_LPM4_GROUP))
			return 1;
		for (uint32_t i = 0; i < l->n_free; i++)
			free_before |= l->free_g[i] == g_old;
		if (dp_lpm4_add(l, 0x0b000100, 24, 2) != 0)
			return 1;
		g_new = l->root[0x0b00] & DP_LPM4_NH_MAX;
		if (g_new == g_old || free_before) {
			fprintf(stderr, "a folded group was reusable before reclaim\n");
			return 1;
		}
		dp_lpm4_reclaim(l);
		for (uint32_t i = 0; i < l->n_free; i++)
			free_after |= l->free_g[i] == g_old;
		if (!free_after || dp_lpm4_add(l, 0x0c000100, 24, 3) != 0 ||
		    (l->root[0x0c00] & DP_LPM4_NH_MAX) != g_old) {
			fprintf(stderr, "a reclaimed group was not reused\n");
			return 1;
		}
		printf("a folded group is reused only after reclaim\n");
	}
	dp_lpm4_free(l);
	rte_eal_cleanup();
	return 0;
}
