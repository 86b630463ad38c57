/* dp_lpm4 against what it must say: bad input; deletes of prefixes that
 * share a group with same-next-hop siblings (a fold must leave them where
 * their deletes look); a differential run over many seeds against a
 * brute-force reference (random adds, replaces and deletes in a few crowded
 * places, next hops often shared, lookups biased toward the routes, the
 * trie's shape audited, everything deleted in random order at the end);
 * folded groups reused only after reclaim; the bulk lookup against the
 * single one for every burst size; readers, alone and in bursts, under
 * churn. A failing seed is printed:
 * `test_lpm4 SEED` runs that one alone. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dp_lpm4.h"

#define MISS	DP_LPM4_MISS
#define BURST	64	/* the table engine's bursts are no longer */

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
		if (*dp_lpm4_root(l, i) != 0)
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

	CHECK(g < l->cap_groups, "group %u (bits %u..)", g, base);
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
	uint32_t n = 0, total = l->cap_groups;

	memset(seen, 0, sizeof(seen));
	for (uint32_t i = 0; i < l->n_free; i++)
		seen[l->free_g[i]] = 1;
	for (uint32_t i = 0; i < l->n_dead; i++)
		seen[l->dead_g[i]] = 1;
	for (uint32_t i = 0; i < (1u << 16); i++) {
		uint32_t e = *dp_lpm4_root(l, i);

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
	g_old = *dp_lpm4_root(l, 0x0a00) & DP_LPM4_NH_MAX;
	CHECK(dp_lpm4_delete(l, ip4(10, 0, 1, 0), 24, 0, 0) == 0 && !(*dp_lpm4_root(l, 0x0a00) & DP_LPM4_GROUP),
	      "delete");
	for (uint32_t i = 0; i < l->n_free; i++)
		free_before |= l->free_g[i] == g_old;
	CHECK(dp_lpm4_add(l, ip4(11, 0, 1, 0), 24, 2) == 0, "add");
	g_new = *dp_lpm4_root(l, 0x0b00) & DP_LPM4_NH_MAX;
	CHECK(g_new != g_old && !free_before, "a folded group was reusable before reclaim");
	dp_lpm4_reclaim(l);
	for (uint32_t i = 0; i < l->n_free; i++)
		free_after |= l->free_g[i] == g_old;
	CHECK(free_after && dp_lpm4_add(l, ip4(12, 0, 1, 0), 24, 3) == 0 &&
	      (*dp_lpm4_root(l, 0x0c00) & DP_LPM4_NH_MAX) == g_old, "a reclaimed group was not reused");
	CHECK(audit(l) == 0, "audit");
	dp_lpm4_free(l);
	printf("a folded group is reused only after reclaim\n");
	return 0;
}

/* A VRF of a few routes (an SVI's /24 and its /32, a static /24) costs
 * what it holds, not a flat 2^16 root and a 64-group chunk (328 KiB: 4,096
 * such VRFs were 1.3 GiB); its clone (a dataplane-atomic batch's copy)
 * likewise. The first chunk grows by copy (4, 16, 64 groups) while the
 * routes stay found, and the copies it outgrew go at reclaim. */
static int
t_small(void)
{
	struct dp_lpm4 *l = dp_lpm4_create(0), *c;
	uint64_t b, grown;

	CHECK(l != NULL, "create");
	CHECK(dp_lpm4_bytes(l) <= 12 * 1024, "empty: %lu bytes", (unsigned long)dp_lpm4_bytes(l));
	CHECK(dp_lpm4_add(l, ip4(10, 1, 2, 0), 24, 1) == 0 && dp_lpm4_add(l, ip4(10, 1, 2, 1), 32, 2) == 0 &&
	      dp_lpm4_add(l, ip4(172, 16, 5, 0), 24, 3) == 0, "add");
	CHECK(dp_lpm4_lookup(l, ip4(10, 1, 2, 1)) == 2 && dp_lpm4_lookup(l, ip4(10, 1, 2, 9)) == 1 &&
	      dp_lpm4_lookup(l, ip4(172, 16, 5, 7)) == 3 && dp_lpm4_lookup(l, ip4(10, 1, 3, 1)) == MISS &&
	      dp_lpm4_lookup(l, ip4(11, 1, 2, 1)) == MISS, "lookups");
	b = dp_lpm4_bytes(l);
	CHECK(b <= 20 * 1024, "3 routes: %lu bytes (want <= 20 KiB)", (unsigned long)b);
	CHECK((c = dp_lpm4_clone(l)) != NULL && dp_lpm4_bytes(c) == b &&
	      dp_lpm4_lookup(c, ip4(10, 1, 2, 1)) == 2, "clone: %lu bytes", (unsigned long)dp_lpm4_bytes(c));
	dp_lpm4_free(c);
	/* 100 /24s in 100 /16s: the first chunk grows to 64, a second chunk follows */
	for (uint32_t i = 0; i < 100; i++) {
		CHECK(dp_lpm4_add(l, ip4(20, i, 1, 0), 24, 100 + i) == 0, "add %u", i);
		for (uint32_t j = 0; j <= i; j += 7)
			CHECK(dp_lpm4_lookup(l, ip4(20, j, 1, 5)) == 100 + j, "after %u: 20.%u.1.5", i, j);
	}
	CHECK(l->n_chunks == 2 && l->cap_groups == 128 && l->n_dead_chunk0 == 2, "%u chunks, %u groups",
	      l->n_chunks, l->cap_groups);
	CHECK(dp_lpm4_lookup(l, ip4(10, 1, 2, 1)) == 2 && dp_lpm4_lookup(l, ip4(172, 16, 5, 7)) == 3,
	      "grown: old routes");
	grown = dp_lpm4_bytes(l);
	dp_lpm4_reclaim(l);
	CHECK(l->n_dead_chunk0 == 0 && dp_lpm4_bytes(l) == grown - 20 * 1024, "reclaim: %lu -> %lu bytes",
	      (unsigned long)grown, (unsigned long)dp_lpm4_bytes(l));
	CHECK(audit(l) == 0, "audit");
	dp_lpm4_free(l);
	printf("a VRF of an SVI's /24 and /32 and a static /24: %lu bytes (a flat root and a 64-group chunk: %u)\n",
	       (unsigned long)b, (1u << 18) + (1u << 16));
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

/* n probes, looked up one at a time and in bursts of every size: both must
 * say what the reference says. */
static int
diff_check(const struct dp_lpm4 *l, const struct ref *f, unsigned int n, int op)
{
	uint32_t a[BURST], nh[BURST];

	for (unsigned int k = 0; k < n;) {
		unsigned int m = RTE_MIN(n - k, 1 + rnd() % BURST);

		for (unsigned int j = 0; j < m; j++)
			a[j] = probe(f);
		dp_lpm4_lookup_bulk(l, a, m, nh);
		for (unsigned int j = 0; j < m; j++) {
			int i = ref_lpm(f, a[j], 33);
			uint32_t want = i >= 0 ? f->r[i].nh : MISS, got = dp_lpm4_lookup(l, a[j]);

			CHECK(got == want && nh[j] == want,
			      "op %d: %s -> %u (in a burst of %u: %u), want %u (%s/%u)", op, str(a[j]),
			      got, m, nh[j], want, i >= 0 ? str(f->r[i].ip) : "-",
			      i >= 0 ? f->r[i].depth : 0);
		}
		k += m;
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

/* The bulk lookup says what the single one says, for every burst size up
 * to past a burst (it walks DP_LPM4_LANES at a time), on tables of every
 * shape: empty, routes no longer than /16 (no group on the way), /24s,
 * hosts and /28s (three levels), all mixed; addresses anywhere and inside
 * the routes. It writes nh[0..n-1] and nothing after. */
static int
t_bulk(void)
{
	enum { N = BURST + 2 * DP_LPM4_LANES + 3, ROUTES = 3000 };
	static const uint8_t shapes[][6] = {
		{ 0 }, { 8, 12, 16 }, { 24 }, { 32, 28 }, { 8, 16, 20, 24, 28, 32 },
	};
	static uint32_t route[ROUTES];
	static uint8_t rdepth[ROUTES];
	uint32_t a[N], nh[N + 1];
	unsigned int tables = 0, lookups = 0;

	for (unsigned int t = 0; t < RTE_DIM(shapes) * 4; t++) {
		const uint8_t *sh = shapes[t % RTE_DIM(shapes)];
		struct dp_lpm4 *l = dp_lpm4_create(0);
		unsigned int n_sh = 0, n_routes = sh[0] ? 1 + rnd() % ROUTES : 0;

		CHECK(l != NULL, "create");
		while (n_sh < 6 && sh[n_sh] != 0)
			n_sh++;
		/* group 0 says something at entry 0: a lane that stops and
		 * reads it (the mixed loop) must not take it */
		if (n_sh > 0 && sh[0] > 16)
			CHECK(dp_lpm4_add(l, 0, 24, 77) == 0, "0.0.0.0/24");
		for (unsigned int r = 0; r < n_routes; r++) {
			rdepth[r] = sh[rnd() % n_sh];
			/* half near a few places (shared groups), half anywhere */
			route[r] = (r % 2 ? addr() : rnd()) & mask(rdepth[r]);
			CHECK(dp_lpm4_add(l, route[r], rdepth[r], rnd() % (DP_LPM4_NH_MAX + 1)) == 0,
			      "add");
		}
		for (unsigned int pass = 0; pass < 9; pass++) {
			/* inside the routes only (every lane walks as far: the
			 * loops without a test per lane), anywhere, or a mix */
			unsigned int inside = pass % 3 == 0 ? 4 : pass % 3 == 1 ? 0 : 3;

			for (unsigned int j = 0; j < N; j++) {
				unsigned int r = n_routes ? rnd() % n_routes : 0;

				a[j] = n_routes && rnd() % 4 < inside ? route[r] | (rnd() & ~mask(rdepth[r])) :
					rnd() % 2 ? rnd() : addr();
			}
			for (unsigned int k = 1; k <= N; k++) {
				nh[k] = 0x5a5a5a5a;
				dp_lpm4_lookup_bulk(l, a, k, nh);
				CHECK(nh[k] == 0x5a5a5a5a, "a burst of %u wrote past its end", k);
				for (unsigned int j = 0; j < k; j++)
					CHECK(nh[j] == dp_lpm4_lookup(l, a[j]),
					      "table %u, burst of %u: [%u] %s -> %u, one at a time %u", t, k,
					      j, str(a[j]), nh[j], dp_lpm4_lookup(l, a[j]));
				lookups += k;
			}
		}
		dp_lpm4_free(l);
		tables++;
	}
	printf("bulk: %u tables, %u lookups in bursts of every size 1..%u: as one at a time\n",
	       tables, lookups, N);
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
	CHECK(audit(l) == 0 && l->n_free == l->cap_groups, "all free");
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

/* ---- readers under churn ----
 * Readers look up addresses in 10.0.0.0/8, which a /8 that never goes
 * covers, one at a time and in bursts, while the writer adds, replaces and
 * deletes routes under it and reclaims after each grace period
 * (rte_rcu_qsbr). Every route has its own next hop (an id, never reused),
 * so a reader can tell: the route it gets covers the address, had not been
 * deleted before the lookup began, and no longer route covering the address
 * was there throughout the lookup. */
#define C_READERS	2
#define C_SLOTS		96
#define C_IDS		(1u << 20)
#define C_BASE		0x0a000000u

struct croute {
	uint32_t ip;
	uint8_t depth;
	uint32_t born;		/* the version its add started at */
	uint32_t dying;		/* the version its delete or replace started at; 0: not yet */
};

static struct croute *cr;
static uint32_t c_slot[C_SLOTS];	/* ids of routes there (0: none; id 1 is the /8) */
static uint32_t c_version = 1;
static int c_stop;
static struct rte_rcu_qsbr *c_rcu;
static uint64_t c_lookups[C_READERS];
static char c_failure[256];
static int c_failed;

static void
c_fail(const char *what, uint32_t a, uint32_t id)
{
	if (__atomic_exchange_n(&c_failed, 1, __ATOMIC_ACQ_REL) == 0)
		snprintf(c_failure, sizeof(c_failure), "%s: %s -> %u", what, str(a), id);
}

static uint32_t
c_addr(uint64_t *y)
{
	*y ^= *y << 13;
	*y ^= *y >> 7;
	*y ^= *y << 17;
	if (*y % 4 != 0) {	/* into or beside a route there */
		uint32_t id = __atomic_load_n(&c_slot[*y % C_SLOTS], __ATOMIC_ACQUIRE);

		if (id != 0)
			return cr[id].ip ^ ((uint32_t)(*y >> 32) & ~mask(cr[id].depth - (*y % 3 == 0)));
	}
	return C_BASE | (uint32_t)(*y >> 40);
}

static void
c_judge(uint32_t a, uint32_t id, uint32_t v0)
{
	if (id == MISS || id == 0 || id >= C_IDS || cr[id].depth == 0) {
		c_fail("no route, or not one of ours", a, id);
		return;
	}
	if ((a & mask(cr[id].depth)) != cr[id].ip) {
		c_fail("a route that does not cover the address", a, id);
		return;
	}
	{
		uint32_t dying = __atomic_load_n(&cr[id].dying, __ATOMIC_ACQUIRE);

		if (dying != 0 && dying < v0)
			c_fail("a route deleted before the lookup began", a, id);
	}
	for (unsigned int s = 0; s < C_SLOTS; s++) {
		uint32_t o = __atomic_load_n(&c_slot[s], __ATOMIC_ACQUIRE);

		if (o != 0 && o != id && cr[o].born < v0 &&
		    __atomic_load_n(&cr[o].dying, __ATOMIC_ACQUIRE) == 0 &&
		    cr[o].depth > cr[id].depth && (a & mask(cr[o].depth)) == cr[o].ip) {
			c_fail("a longer route there all along was missed", a, id);
			return;
		}
	}
}

/* A thread free to run on every CPU: EAL pinned this one (and what it
 * starts) to one, where readers and the writer would only take turns. */
static int
spawn(pthread_t *th, void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	cpu_set_t cpus;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	CPU_ZERO(&cpus);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		CPU_SET((int)c, &cpus);
	if (pthread_attr_init(&at) != 0)
		return -1;
	rc = pthread_attr_setaffinity_np(&at, sizeof(cpus), &cpus) == 0 &&
	     pthread_create(th, &at, fn, arg) == 0 ? 0 : -1;
	pthread_attr_destroy(&at);
	return rc;
}

struct creader {
	const struct dp_lpm4 *l;
	unsigned int w;
};

static void *
c_reader(void *arg)
{
	const struct creader *cfg = arg;
	uint64_t y = 0x1234567 + cfg->w * 7919;
	uint32_t a[BURST], nh[BURST];

	rte_rcu_qsbr_thread_register(c_rcu, cfg->w);
	rte_rcu_qsbr_thread_online(c_rcu, cfg->w);
	while (!__atomic_load_n(&c_stop, __ATOMIC_RELAXED)) {
		uint32_t v0 = __atomic_load_n(&c_version, __ATOMIC_ACQUIRE);
		unsigned int m = 1 + (unsigned int)(y % BURST);

		for (unsigned int j = 0; j < m; j++)
			a[j] = c_addr(&y);
		if (y & 1) {
			dp_lpm4_lookup_bulk(cfg->l, a, m, nh);
		} else {
			for (unsigned int j = 0; j < m; j++)
				nh[j] = dp_lpm4_lookup(cfg->l, a[j]);
		}
		for (unsigned int j = 0; j < m; j++)
			c_judge(a[j], nh[j], v0);
		c_lookups[cfg->w] += m;
		rte_rcu_qsbr_quiescent(c_rcu, cfg->w);
	}
	rte_rcu_qsbr_thread_offline(c_rcu, cfg->w);
	rte_rcu_qsbr_thread_unregister(c_rcu, cfg->w);
	return NULL;
}

/* The longest route in the slots (or the /8) covering ip/depth, shorter. */
static uint32_t
c_cover(uint32_t ip, uint8_t depth)
{
	uint32_t best = 1;

	for (unsigned int s = 0; s < C_SLOTS; s++) {
		uint32_t o = c_slot[s];

		if (o != 0 && cr[o].depth < depth && (ip & mask(cr[o].depth)) == cr[o].ip &&
		    cr[o].depth > cr[best].depth)
			best = o;
	}
	return best;
}

static int
t_concurrent(void)
{
	struct dp_lpm4 *l = dp_lpm4_create(0);
	pthread_t th[C_READERS];
	struct creader cfg[C_READERS];
	uint32_t next_id = 2, ops = 0, syncs = 0;
	uint64_t total = 0;
	size_t sz = rte_rcu_qsbr_get_memsize(C_READERS);
	double t0;

	CHECK(l != NULL, "create");
	cr = calloc(C_IDS, sizeof(*cr));
	c_rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	CHECK(cr != NULL && c_rcu != NULL && rte_rcu_qsbr_init(c_rcu, C_READERS) == 0, "alloc");
	cr[1] = (struct croute){ C_BASE, 8, 0, 0 };
	CHECK(dp_lpm4_add(l, C_BASE, 8, 1) == 0, "the /8");
	for (unsigned int w = 0; w < C_READERS; w++) {
		cfg[w] = (struct creader){ l, w };
		CHECK(spawn(&th[w], c_reader, &cfg[w]) == 0, "thread");
	}
	t0 = now();
	while (now() - t0 < 2.0 && next_id < C_IDS && !c_failed) {
		unsigned int s = rnd() % C_SLOTS;
		uint32_t old = c_slot[s], id, v = c_version;

		if (old == 0) {
			uint8_t depth = (uint8_t)(9 + rnd() % 24);
			/* often in one /16, so groups are shared, made and folded */
			uint32_t ip = (C_BASE | (rnd() >> (rnd() % 2 ? 8 : 16))) & mask(depth);
			bool dup = false;

			for (unsigned int k = 0; k < C_SLOTS; k++)
				dup |= c_slot[k] && cr[c_slot[k]].ip == ip && cr[c_slot[k]].depth == depth;
			if (dup)
				continue;
			id = next_id++;
			cr[id] = (struct croute){ ip, depth, v, 0 };
			__atomic_store_n(&c_slot[s], id, __ATOMIC_RELEASE);
			CHECK(dp_lpm4_add(l, ip, depth, id) == 0, "add");
		} else if (rnd() % 3 == 0) {	/* replace: a new id for the same prefix */
			id = next_id++;
			cr[id] = (struct croute){ cr[old].ip, cr[old].depth, v, 0 };
			__atomic_store_n(&cr[old].dying, v, __ATOMIC_RELEASE);
			__atomic_store_n(&c_slot[s], id, __ATOMIC_RELEASE);
			CHECK(dp_lpm4_add(l, cr[id].ip, cr[id].depth, id) == 0, "replace");
		} else {
			uint32_t c;

			__atomic_store_n(&c_slot[s], 0, __ATOMIC_RELEASE);
			c = c_cover(cr[old].ip, cr[old].depth);
			__atomic_store_n(&cr[old].dying, v, __ATOMIC_RELEASE);
			CHECK(dp_lpm4_delete(l, cr[old].ip, cr[old].depth, c, cr[c].depth) == 0, "delete");
		}
		/* the change is whole: lookups that begin now must see it */
		__atomic_store_n(&c_version, v + 1, __ATOMIC_RELEASE);
		ops++;
		if (ops % 16 == 0) {
			rte_rcu_qsbr_synchronize(c_rcu, RTE_QSBR_THRID_INVALID);
			dp_lpm4_reclaim(l);
			syncs++;
		}
	}
	__atomic_store_n(&c_stop, 1, __ATOMIC_RELAXED);
	for (unsigned int w = 0; w < C_READERS; w++) {
		pthread_join(th[w], NULL);
		total += c_lookups[w];
	}
	CHECK(!c_failed, "%s", c_failure);
	CHECK(audit(l) == 0, "audit");
	CHECK(total > 0 && syncs > 0, "nothing ran");
	printf("concurrent: %u changes (%u grace periods, groups reused), %lu lookups by %d "
	       "readers, alone and in bursts; every one a route covering its address, live "
	       "during the lookup, and none longer missed\n", ops, syncs, (unsigned long)total,
	       C_READERS);
	dp_lpm4_free(l);
	rte_free(c_rcu);
	free(cr);
	return 0;
}

/* A root entry that turns from a route into a group and back, as fast as
 * the writer can: 10.1.0.0/17 added and deleted under the /8. A reader
 * between its root load and the next level's must walk on from the entry
 * it loaded: were it to read the root again and find the new group, it
 * would take it for the next level's (indexing it with the third level's
 * byte), and every address in 10.1.128.0/17 whose last byte is below 128
 * would get the /17, which does not cover it. The /8 is the only right
 * answer. */
static int f_stop;
static uint64_t f_lookups, f_wrong;
static uint32_t f_wrong_nh;

static void *
f_reader(void *arg)
{
	const struct dp_lpm4 *l = arg;
	uint64_t y = 0x9abcdef;
	uint32_t a[BURST], nh[BURST];

	rte_rcu_qsbr_thread_register(c_rcu, 0);
	rte_rcu_qsbr_thread_online(c_rcu, 0);
	while (!__atomic_load_n(&f_stop, __ATOMIC_RELAXED)) {
		for (unsigned int j = 0; j < BURST; j++) {
			y ^= y << 13;
			y ^= y >> 7;
			y ^= y << 17;
			/* every other one under a root entry that stays the /8,
			 * so a burst that sees both walks the mixed loop */
			a[j] = j % 2 ? ip4(10, 2, 0, 0) | ((uint32_t)y & 0xffff) :
				ip4(10, 1, 128, 0) | ((uint32_t)y & 0x7f7f);
		}
		dp_lpm4_lookup_bulk(l, a, BURST, nh);
		for (unsigned int j = 0; j < BURST; j++)
			if (nh[j] != 1) {
				f_wrong++;
				f_wrong_nh = nh[j];
			}
		f_lookups += BURST;
		rte_rcu_qsbr_quiescent(c_rcu, 0);
	}
	rte_rcu_qsbr_thread_offline(c_rcu, 0);
	rte_rcu_qsbr_thread_unregister(c_rcu, 0);
	return NULL;
}

static int
t_flip(void)
{
	struct dp_lpm4 *l = dp_lpm4_create(0);
	pthread_t th;
	uint32_t flips = 0;
	double t0;

	CHECK(l != NULL, "create");
	c_rcu = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	CHECK(c_rcu != NULL && rte_rcu_qsbr_init(c_rcu, 1) == 0, "rcu");
	CHECK(dp_lpm4_add(l, C_BASE, 8, 1) == 0, "the /8");
	CHECK(spawn(&th, f_reader, l) == 0, "thread");
	t0 = now();
	while (now() - t0 < 1.0) {
		CHECK(dp_lpm4_add(l, ip4(10, 1, 0, 0), 17, 2) == 0 &&
		      dp_lpm4_delete(l, ip4(10, 1, 0, 0), 17, 1, 8) == 0, "flip");
		if (++flips % 1024 == 0) {
			rte_rcu_qsbr_synchronize(c_rcu, RTE_QSBR_THRID_INVALID);
			dp_lpm4_reclaim(l);
		}
	}
	__atomic_store_n(&f_stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	CHECK(f_wrong == 0, "%lu of %lu lookups wrong (-> %u)", (unsigned long)f_wrong,
	      (unsigned long)f_lookups, f_wrong_nh);
	CHECK(f_lookups > 0 && l->n_groups == 0, "nothing ran");
	printf("flip: a root entry turned group and back %u times under %lu bulk lookups: "
	       "every one the /8\n", flips, (unsigned long)f_lookups);
	dp_lpm4_free(l);
	rte_free(c_rcu);
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
		{ "small", t_small },
		{ "bulk", t_bulk }, { "differential", t_differential },
		{ "concurrent", t_concurrent }, { "flip", t_flip },
	};
	int failed = 0;

	if (argc > 1)
		one_seed = strtoull(argv[1], NULL, 0);
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
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
