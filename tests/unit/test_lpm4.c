/* dp_lpm4 against what it must say: bad input; deletes of prefixes that
 * share a group with same-next-hop siblings (a fold must leave them where
 * their deletes look); a differential run over many seeds against a
 * brute-force reference (random adds, replaces and deletes in a few crowded
 * places, next hops often shared, lookups biased toward the routes, the
 * trie's shape audited, everything deleted in random order at the end);
 * folded groups reused only after reclaim. A failing seed is printed:
 * `test_lpm4 SEED` runs that one alone. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "dp_lpm4.h"

#define MISS	DP_LPM4_MISS

#define FAIL(...) do {								\
	fprintf(stderr, "%s:%d: ", __func__, __LINE__);				\
	fprintf(stderr, __VA_ARGS__);						\
	fputc('\n', stderr);							\
	return -1;								\
} while (0)
#define CHECK(c, ...) do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)(seed >> 32);
}

static uint32_t
mask(unsigned int d)
{
	return d == 0 ? 0 : ~(UINT32_MAX >> (d - 1) >> 1);
}

static uint32_t
ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

static const char *
str(uint32_t a)
{
	static char buf[4][16];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf[k];
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static bool
root_empty(const struct dp_lpm4 *l)
{
	for (uint32_t i = 0; i < (1u << 16); i++)
		if (l->root[i] != 0)
			return false;
	return true;
}

/* ---- the trie's shape ----
 * Every group is reachable once, is in neither free list, holds entries no
 * longer than its level ends, its entries from shorter prefixes are one
 * entry (the longest route covering the group), and none could fold: the
 * groups counted are the groups linked, and free + dead + used = chunks. */
static uint8_t seen[DP_LPM4_CHUNKS << DP_LPM4_CHUNK_SHIFT];

static int
audit_group(const struct dp_lpm4 *l, uint32_t g, unsigned int base, uint32_t *n)
{
	const uint32_t *c = dp_lpm4_group(l, g);
	uint32_t inherited = 0;
	bool have = false, same = true;

	CHECK(g < (l->n_chunks << DP_LPM4_CHUNK_SHIFT), "group %u (bits %u..)", g, base);
	CHECK(!seen[g], "group %u linked twice", g);
	seen[g] = 1;
	(*n)++;
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t e = c[i];

		same &= e == c[0];
		if (e & DP_LPM4_GROUP) {
			CHECK(base == 16 && (e & DP_LPM4_VALID) == 0, "group %u[%u] = %08x", g, i, e);
			if (audit_group(l, e & DP_LPM4_NH_MAX, 24, n) < 0)
				return -1;
			continue;
		}
		CHECK(e == 0 || (e & DP_LPM4_VALID), "group %u[%u] = %08x", g, i, e);
		if (e & DP_LPM4_VALID) {
			unsigned int d = (e >> 24) & 0x3f;

			CHECK(d >= 1 && d <= base + 8, "group %u (bits %u..)[%u] holds a /%u", g, base,
			      i, d);
			if (d > base)
				continue;
		}
		CHECK(!have || e == inherited, "group %u: shorter prefixes say %08x and %08x", g,
		      inherited, e);
		inherited = e;
		have = true;
	}
	CHECK(!(same && have), "group %u (bits %u..) is uniform %08x: it should have folded", g,
	      base, c[0]);
	return 0;
}

static int
audit(const struct dp_lpm4 *l)
{
	uint32_t n = 0, total = l->n_chunks << DP_LPM4_CHUNK_SHIFT;

	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < l->n_free; i++)
		seen[l->free_g[i]] = 1;
	for (uint32_t i = 0; i < l->n_dead; i++)
		seen[l->dead_g[i]] = 1;
	for (uint32_t i = 0; i < (1u << 16); i++) {
		uint32_t e = l->root[i];

		if (e & DP_LPM4_GROUP) {
			CHECK((e & DP_LPM4_VALID) == 0, "root[%u] = %08x", i, e);
			if (audit_group(l, e & DP_LPM4_NH_MAX, 16, &n) < 0)
				return -1;
		} else {
			CHECK(e == 0 || ((e & DP_LPM4_VALID) && ((e >> 24) & 0x3f) >= 1 &&
					 ((e >> 24) & 0x3f) <= 16), "root[%u] = %08x", i, e);
		}
	}
	CHECK(n == l->n_groups, "%u groups linked, %u counted", n, l->n_groups);
	CHECK(l->n_free + l->n_dead + l->n_groups == total, "%u free + %u dead + %u used != %u",
	      l->n_free, l->n_dead, l->n_groups, total);
	return 0;
}

/* ---- unit cases ---- */

static int
t_einval(void)
{
	struct dp_lpm4 *l = dp_lpm4_create(0);

	CHECK(l != NULL, "create");
	CHECK(dp_lpm4_add(l, 0, 0, 1) == -EINVAL && dp_lpm4_add(l, 0, 33, 1) == -EINVAL &&
	      dp_lpm4_add(l, 0, 8, DP_LPM4_NH_MAX + 1) == -EINVAL, "add");
	CHECK(dp_lpm4_delete(l, 0, 0, 0, 0) == -EINVAL && dp_lpm4_delete(l, 0, 33, 0, 0) == -EINVAL &&
	      dp_lpm4_delete(l, 0, 8, 1, 8) == -EINVAL &&
	      dp_lpm4_delete(l, 0, 8, DP_LPM4_NH_MAX + 1, 4) == -EINVAL, "delete");
	/* a delete of what is not there changes nothing */
	CHECK(dp_lpm4_delete(l, ip4(10, 0, 0, 0), 24, 0, 0) == 0 && root_empty(l) &&
	      l->n_groups == 0, "delete of nothing");
	dp_lpm4_free(l);
	return 0;
}

/* Siblings with one next hop fill a group alike with entries of their own
 * length. When a longer route under one of them goes, the group is uniform
 * but must stay: folded into its parent, the siblings' entries would sit
 * above the level their deletes walk to, and a deleted sibling would go on
 * answering. At both levels of groups (bits 16.. and 24..). */
static int
t_siblings(void)
{
	static const struct {
		uint8_t depth, base;	/* the siblings' length, their group's first bit */
	} c[] = { { 25, 24 }, { 26, 24 }, { 17, 16 }, { 18, 16 } };
	const uint32_t p = ip4(10, 0, 0, 0), h = ip4(10, 0, 0, 1);

	for (unsigned int k = 0; k < RTE_DIM(c); k++) {
		struct dp_lpm4 *l = dp_lpm4_create(0);
		uint8_t d = c[k].depth;
		uint32_t n = 1u << (d - c[k].base), step = 1u << (32 - d);

		CHECK(l != NULL, "create");
		for (uint32_t j = 0; j < n; j++)
			CHECK(dp_lpm4_add(l, p + j * step, d, 5) == 0, "add");
		CHECK(dp_lpm4_add(l, h, 32, 7) == 0 && dp_lpm4_lookup(l, h) == 7, "/32");
		CHECK(dp_lpm4_delete(l, h, 32, 5, d) == 0 && dp_lpm4_lookup(l, h) == 5,
		      "/%u: the /32 to its cover", d);
		CHECK(audit(l) == 0, "/%u: audit after the /32 went", d);
		CHECK(dp_lpm4_delete(l, p, d, 0, 0) == 0, "delete");
		CHECK(dp_lpm4_lookup(l, p) == MISS && dp_lpm4_lookup(l, h) == MISS,
		      "/%u: %s/%u deleted, %s still -> %u", d, str(p), d, str(h), dp_lpm4_lookup(l, h));
		for (uint32_t j = 1; j < n; j++)
			CHECK(dp_lpm4_lookup(l, p + j * step) == 5 &&
			      dp_lpm4_lookup(l, p + j * step + step - 1) == 5, "/%u: sibling %u", d, j);
		CHECK(audit(l) == 0, "/%u: audit", d);
		for (uint32_t j = 1; j < n; j++)
			CHECK(dp_lpm4_delete(l, p + j * step, d, 0, 0) == 0 &&
			      dp_lpm4_lookup(l, p + j * step) == MISS, "/%u: sibling %u deleted", d, j);
		CHECK(l->n_groups == 0 && root_empty(l), "/%u: %u groups left", d, l->n_groups);
		dp_lpm4_free(l);
	}
	printf("siblings with one next hop keep their group: each one's delete finds it\n");
	return 0;
}

/* A group a delete folds away may still be read by a worker that loaded
 * its parent just before: it is handed out again only after
 * dp_lpm4_reclaim (which the engine runs after a grace period). */
static int
t_reclaim(void)
{
	struct dp_lpm4 *l = dp_lpm4_create(0);
	uint32_t g_old, g_new;
	bool free_before = false, free_after = false;

	CHECK(l != NULL, "create");
	CHECK(dp_lpm4_add(l, ip4(10, 0, 1, 0), 24, 1) == 0, "add");
	g_old = l->root[0x0a00] & DP_LPM4_NH_MAX;
	CHECK(dp_lpm4_delete(l, ip4(10, 0, 1, 0), 24, 0, 0) == 0 && !(l->root[0x0a00] & DP_LPM4_GROUP),
	      "delete");
	for (uint32_t i = 0; i < l->n_free; i++)
		free_before |= l->free_g[i] == g_old;
	CHECK(dp_lpm4_add(l, ip4(11, 0, 1, 0), 24, 2) == 0, "add");
	g_new = l->root[0x0b00] & DP_LPM4_NH_MAX;
	CHECK(g_new != g_old && !free_before, "a folded group was reusable before reclaim");
	dp_lpm4_reclaim(l);
	for (uint32_t i = 0; i < l->n_free; i++)
		free_after |= l->free_g[i] == g_old;
	CHECK(free_after && dp_lpm4_add(l, ip4(12, 0, 1, 0), 24, 3) == 0 &&
	      (l->root[0x0c00] & DP_LPM4_NH_MAX) == g_old, "a reclaimed group was not reused");
	CHECK(audit(l) == 0, "audit");
	dp_lpm4_free(l);
	printf("a folded group is reused only after reclaim\n");
	return 0;
}

/* ---- the reference: every route in a hash by (prefix, length), the
 * longest match by trying every length present, longest first ---- */
#define RULES	1024
#define HBITS	11

struct rule {
	uint32_t ip;
	uint8_t depth;
	bool used;
	uint32_t nh;
	int next;
};

struct ref {
	struct rule r[RULES];
	int head[1 << HBITS];
	int n_depth[33];
	int n;
};

static struct ref R;

static uint32_t
hash(uint32_t ip, uint8_t d)
{
	return (uint32_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ull ^ d * 0x165667b19e3779f9ull) >>
			  (64 - HBITS));
}

static void
ref_init(struct ref *f)
{
	memset(f, 0, sizeof(*f));
	memset(f->head, 0xff, sizeof(f->head));
}

static int
ref_find(const struct ref *f, uint32_t ip, uint8_t d)
{
	for (int i = f->head[hash(ip, d)]; i >= 0; i = f->r[i].next)
		if (f->r[i].ip == ip && f->r[i].depth == d)
			return i;
	return -1;
}

static int
ref_add(struct ref *f, uint32_t ip, uint8_t d, uint32_t nh)
{
	uint32_t h = hash(ip, d);
	int i = (int)(rnd() % RULES);

	while (f->r[i].used)
		i = (i + 1) % RULES;
	f->r[i] = (struct rule){ ip, d, true, nh, f->head[h] };
	f->head[h] = i;
	f->n_depth[d]++;
	f->n++;
	return i;
}

static void
ref_del(struct ref *f, int i)
{
	int *p = &f->head[hash(f->r[i].ip, f->r[i].depth)];

	while (*p != i)
		p = &f->r[*p].next;
	*p = f->r[i].next;
	f->r[i].used = false;
	f->n_depth[f->r[i].depth]--;
	f->n--;
}

/* The longest route shorter than below covering a; -1: none. */
static int
ref_lpm(const struct ref *f, uint32_t a, unsigned int below)
{
	for (unsigned int d = below - 1; d >= 1; d--) {
		int i;

		if (f->n_depth[d] && (i = ref_find(f, a & mask(d), (uint8_t)d)) >= 0)
			return i;
	}
	return -1;
}

static int
ref_any(const struct ref *f)
{
	int i = (int)(rnd() % RULES);

	if (f->n == 0)
		return -1;
	while (!f->r[i].used)
		i = (i + 1) % RULES;
	return i;
}

/* Addresses near a few bases, so prefixes nest, share groups and sit on
 * both sides of the strides. */
static uint32_t
addr(void)
{
	static const uint32_t base[] = { 0x0a000000, 0x0a000080, 0x0a0001ff, 0x0a00ff00, 0xc0a80000,
					 0xac108000, 0x00000000, 0xffffff00 };
	static const unsigned int tail[] = { 1, 2, 4, 8, 8, 12, 16, 24, 32 };
	unsigned int t = tail[rnd() % RTE_DIM(tail)];

	return base[rnd() % RTE_DIM(base)] ^ (rnd() & ~mask(32 - t));
}

static uint8_t
depth_any(void)
{
	static const uint8_t hot[] = { 1, 8, 15, 16, 17, 23, 24, 25, 26, 28, 30, 31, 32 };

	if (rnd() % 8 == 0)
		return (uint8_t)(1 + rnd() % 32);
	/* mostly long: short ones cover everything and hide the rest */
	return rnd() % 16 == 0 ? hot[rnd() % 4] : hot[4 + rnd() % (RTE_DIM(hot) - 4)];
}

/* Where lookups go: at random, near the bases, and mostly into and just
 * beside the routes there are. */
static uint32_t
probe(const struct ref *f)
{
	uint32_t a;
	int i;

	switch (rnd() % 8) {
	case 0:
		return rnd();
	case 1:
	case 2:
		return addr();
	default:
		if ((i = ref_any(f)) < 0)
			return addr();
		a = f->r[i].ip | (rnd() & ~mask(f->r[i].depth));
		if (rnd() % 4 == 0)	/* just outside it */
			a ^= 1u << (32 - f->r[i].depth);
		else if (rnd() % 4 == 0)	/* the edges inside */
			a = rnd() % 2 ? f->r[i].ip : f->r[i].ip | ~mask(f->r[i].depth);
		return a;
	}
}

static int
diff_check(const struct dp_lpm4 *l, const struct ref *f, unsigned int n, int op)
{
	for (unsigned int k = 0; k < n; k++) {
		uint32_t a = probe(f), got = dp_lpm4_lookup(l, a);
		int i = ref_lpm(f, a, 33);
		uint32_t want = i >= 0 ? f->r[i].nh : MISS;

		CHECK(got == want, "op %d: %s -> %u, want %u (%s/%u)", op, str(a), got, want,
		      i >= 0 ? str(f->r[i].ip) : "-", i >= 0 ? f->r[i].depth : 0);
	}
	return 0;
}

/* A next hop: often one of a few (siblings and nested routes then say the
 * same, which folding must not mistake for their cover), else unique. */
static uint32_t
nh_any(void)
{
	return rnd() % 2 ? rnd() % 3 : rnd() % (DP_LPM4_NH_MAX + 1);
}

/* One random change to l and f: add, replace or delete. */
static int
step(struct dp_lpm4 *l, struct ref *f, int op)
{
	uint8_t depth = depth_any();
	uint32_t ip = addr() & mask(depth), what = rnd() % 10;
	int i = ref_find(f, ip, depth);

	if (what >= 5 && i < 0 && (i = ref_any(f)) >= 0) {	/* a route that is there */
		ip = f->r[i].ip;
		depth = f->r[i].depth;
	}
	if (what == 4 && (i = ref_any(f)) >= 0) {
		/* its sibling with its next hop: the two can fill a group alike */
		uint32_t sib = f->r[i].ip ^ 1u << (32 - f->r[i].depth), nh = f->r[i].nh;

		depth = f->r[i].depth;
		if (ref_find(f, sib, depth) < 0 && f->n < RULES) {
			ref_add(f, sib, depth, nh);
			CHECK(dp_lpm4_add(l, sib, depth, nh) == 0, "op %d: add %s/%u", op, str(sib), depth);
		}
	} else if (i >= 0 && what >= 5 && what < 7) {
		f->r[i].nh = nh_any();
		CHECK(dp_lpm4_add(l, ip, depth, f->r[i].nh) == 0, "op %d: replace", op);
	} else if (i >= 0 && what >= 7) {
		int c = ref_lpm(f, ip, depth);

		CHECK(dp_lpm4_delete(l, ip, depth, c >= 0 ? f->r[c].nh : 0, c >= 0 ? f->r[c].depth : 0) == 0,
		      "op %d: delete", op);
		ref_del(f, i);
	} else if (i < 0 && f->n < RULES) {
		i = ref_add(f, ip, depth, nh_any());
		CHECK(dp_lpm4_add(l, ip, depth, f->r[i].nh) == 0, "op %d: add %s/%u", op, str(ip), depth);
	}
	return 0;
}

/* One seed: a table under random changes, checked after each, then every
 * route deleted to its cover in random order: nothing may be left. */
static int
diff_seed(uint64_t s, int ops, int *most)
{
	struct dp_lpm4 *l = dp_lpm4_create(0);

	seed = s;
	CHECK(l != NULL, "create");
	ref_init(&R);
	for (int op = 0; op < ops; op++) {
		if (step(l, &R, op) < 0)
			return -1;
		*most = RTE_MAX(*most, R.n);
		if (op % 7 == 0)
			dp_lpm4_reclaim(l);	/* groups come back and are reused */
		if (diff_check(l, &R, op % 256 == 0 ? 1024 : 8, op) < 0)
			return -1;
		if (op % 512 == 0 && audit(l) < 0)
			return -1;
	}
	CHECK(audit(l) == 0, "audit");
	while (R.n > 0) {
		int i = ref_any(&R), c = ref_lpm(&R, R.r[i].ip, R.r[i].depth);

		CHECK(dp_lpm4_delete(l, R.r[i].ip, R.r[i].depth, c >= 0 ? R.r[c].nh : 0,
				     c >= 0 ? R.r[c].depth : 0) == 0, "delete");
		ref_del(&R, i);
		if (diff_check(l, &R, 8, -1) < 0)
			return -1;
		if (R.n % 64 == 0 && audit(l) < 0)
			return -1;
	}
	CHECK(l->n_groups == 0 && root_empty(l), "%u groups left after every route went",
	      l->n_groups);
	dp_lpm4_reclaim(l);
	CHECK(audit(l) == 0 && l->n_free == l->n_chunks << DP_LPM4_CHUNK_SHIFT, "all free");
	dp_lpm4_free(l);
	return 0;
}

static uint64_t one_seed;	/* from the command line: run only it */

static uint64_t
seed_of(unsigned int k)
{
	uint64_t z = 0x9e3779b97f4a7c15ull * (k + 1);	/* splitmix64: seeds far apart */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) | 1;
}

/* Many short runs rather than one long one: a bug needs a few changes in
 * one place in the right order, which many small tables find sooner. */
static int
t_differential(void)
{
	double t0 = now();
	unsigned int k;
	int most = 0;

	if (one_seed != 0)
		return diff_seed(one_seed, 4000, &most);
	for (k = 0; k < 2000 && now() - t0 < 3.0; k++) {
		uint64_t s = seed_of(k);

		if (diff_seed(s, 1000 + (int)(k % 4) * 1000, &most) < 0) {
			fprintf(stderr, "differential: seed %#lx failed (test_lpm4 %#lx)\n",
				(unsigned long)s, (unsigned long)s);
			return -1;
		}
	}
	printf("differential: %u seeds in %.1f s (up to %d routes), every route deleted to its "
	       "cover in random order: no group left, root empty\n", k, now() - t0, most);
	return 0;
}

int
main(int argc, char **argv)
{
	char *eal[] = { "test_lpm4", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			"--log-level=3", NULL };
	static const struct {
		const char *name;
		int (*fn)(void);
	} tests[] = {
		{ "einval", t_einval }, { "siblings", t_siblings }, { "reclaim", t_reclaim },
		{ "differential", t_differential },
	};
	int failed = 0;

	if (argc > 1)
		one_seed = strtoull(argv[1], NULL, 0);
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed: skipping\n");
		return 77;
	}
	for (unsigned int i = 0; i < RTE_DIM(tests); i++) {
		double t = now();
		int rc;

		if (one_seed != 0 && tests[i].fn != t_differential)
			continue;
		rc = tests[i].fn();
		printf("%s %s (%.2f s)\n", rc == 0 ? "ok  " : "FAIL", tests[i].name, now() - t);
		failed += rc != 0;
	}
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
