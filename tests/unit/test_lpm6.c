/* dp_lpm6 against what it must say: unit cases at the stride edges (/16,
 * /17, /57, /127, /128), nested prefixes added in every order and deleted
 * with their covers, replaced next hops, groups folding back and reused
 * only after reclaim, bad input; a differential run over many seeds against
 * a brute-force reference (random adds, replaces and deletes in a few
 * crowded places, next hops often shared, lookups biased toward the routes,
 * the trie's shape audited, every route deleted in random order at the end;
 * `test_lpm6 SEED` runs one seed alone); clones equal to their source and
 * independent of it; readers under churn; and the memory and lookup cost
 * figures (printed, not asserted). */
#include <arpa/inet.h>
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

#include "dp_lpm6.h"

typedef unsigned __int128 u128;

#define MISS	DP_LPM6_MISS

#define FAIL(...) do {								\
	fprintf(stderr, "%s:%d: ", __func__, __LINE__);				\
	fprintf(stderr, __VA_ARGS__);						\
	fputc('\n', stderr);							\
	return -1;								\
} while (0)
#define CHECK(c, ...) do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static u128
rnd128(void)
{
	return (u128)rnd() << 64 | rnd();
}

static u128
get128(const uint8_t *b)
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | b[i];
	return v;
}

static void
set128(uint8_t *b, u128 v)
{
	for (int i = 15; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static u128
mask(unsigned int d)
{
	return d == 0 ? 0 : ~(u128)0 << (128 - d);
}

static u128
a6(const char *s)
{
	uint8_t b[16];

	if (inet_pton(AF_INET6, s, b) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return get128(b);
}

static const char *
str(u128 a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int k;
	uint8_t b[16];

	set128(b, a);
	k = (k + 1) % 4;
	return inet_ntop(AF_INET6, b, buf[k], sizeof(buf[k]));
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
add(struct dp_lpm6 *l, u128 a, uint8_t depth, uint32_t nh)
{
	uint8_t b[16];

	set128(b, a);
	return dp_lpm6_add(l, b, depth, nh);
}

static int
del(struct dp_lpm6 *l, u128 a, uint8_t depth, uint32_t cover_nh, uint8_t cover_depth)
{
	uint8_t b[16];

	set128(b, a);
	return dp_lpm6_delete(l, b, depth, cover_nh, cover_depth);
}

/* The lookup, one address alone and inside a burst: both must agree. */
static uint32_t
look(const struct dp_lpm6 *l, u128 a)
{
	uint8_t b[3][16];
	const uint8_t *p[3] = { b[0], b[1], b[2] };
	uint32_t one, nh[3];

	set128(b[0], a ^ 1);
	set128(b[1], a);
	set128(b[2], ~a);
	one = dp_lpm6_lookup(l, b[1]);
	dp_lpm6_lookup_bulk(l, p, 3, nh);
	if (nh[1] != one) {
		fprintf(stderr, "%s: lookup %u, in a burst %u\n", str(a), one, nh[1]);
		return MISS - 1;	/* no test expects it */
	}
	return one;
}

static bool
root_empty(const struct dp_lpm6 *l)
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
static uint8_t *seen;
static uint32_t seen_n;

/* A host entry at index i of the root (b == 1: i is bytes 0-1) or of a
 * group indexed by byte b, whose entries end at bit end: its record is a
 * group of its own, holds an address on this path, a /128's entry and a
 * fallback no longer than the slot. */
static int
audit_host(const struct dp_lpm6 *l, uint32_t e, unsigned int b, unsigned int i, unsigned int end,
	   uint32_t *n)
{
	uint32_t g = e & DP_LPM6_NH_MAX;
	const uint32_t *r;
	uint32_t lf, fb;
	const uint8_t *a;

	CHECK(g < seen_n && !seen[g], "host record %u linked twice or free", g);
	seen[g] = 1;
	(*n)++;
	r = dp_lpm6_group(l, g);
	a = (const uint8_t *)r;
	lf = r[DP_LPM6_HOST_LEAF];
	fb = r[DP_LPM6_HOST_FALLBACK];
	CHECK(b == 1 ? (unsigned int)(a[0] << 8 | a[1]) == i : a[b] == i, "host %u off its path", g);
	CHECK((lf & DP_LPM6_VALID) && ((lf >> 24) & 0x7f) == 127, "host %u: entry %08x", g, lf);
	CHECK(fb == 0 || ((fb & DP_LPM6_VALID) && ((fb >> 24) & 0x7f) + 1 <= end), "host %u: fallback %08x",
	      g, fb);
	return 0;
}

/* Whether group c (its bits from base) could fold: one entry everywhere,
 * or everywhere but one host whose fallback it is, from a shorter prefix
 * or none. */
static bool
foldable(const struct dp_lpm6 *l, const uint32_t *c, unsigned int base)
{
	uint32_t x = 0, fb = 0, hosts = 0;
	bool xs = false;

	for (unsigned int i = 0; i < 256; i++) {
		if (dp_lpm6_is_group(c[i]))
			return false;
		if (dp_lpm6_is_host(c[i])) {
			hosts++;
			fb = dp_lpm6_group(l, c[i] & DP_LPM6_NH_MAX)[DP_LPM6_HOST_FALLBACK];
		} else if (!xs) {
			x = c[i];
			xs = true;
		} else if (c[i] != x) {
			return false;
		}
	}
	return hosts <= 1 && (hosts == 0 || fb == x) &&
	       !((x & DP_LPM6_VALID) && ((x >> 24) & 0x7f) + 1 > base);
}

static int
audit_group(const struct dp_lpm6 *l, uint32_t g, unsigned int b, uint32_t *n)
{
	const uint32_t *c = dp_lpm6_group(l, g);
	unsigned int base = 16 + 8 * (b - 2), end = base + 8;
	uint32_t inherited = 0;
	bool have = false;

	CHECK(b <= 15 && g < seen_n, "group %u at byte %u", g, b);
	CHECK(!seen[g], "group %u linked twice", g);
	seen[g] = 1;
	(*n)++;
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t e = c[i];

		if (dp_lpm6_is_group(e)) {
			if (audit_group(l, e & DP_LPM6_NH_MAX, b + 1, n) < 0)
				return -1;
			continue;
		}
		if (dp_lpm6_is_host(e)) {	/* the slot says its fallback */
			if (audit_host(l, e, b, i, end, n) < 0)
				return -1;
			e = dp_lpm6_group(l, e & DP_LPM6_NH_MAX)[DP_LPM6_HOST_FALLBACK];
		}
		CHECK(e == 0 || (e & DP_LPM6_VALID), "group %u[%u] = %08x", g, i, e);
		if (e & DP_LPM6_VALID) {
			unsigned int d = ((e >> 24) & 0x7f) + 1;

			CHECK(d <= end, "group %u (bits %u..%u)[%u] holds a /%u", g, base, end - 1, i, d);
			if (d > base)
				continue;
		}
		CHECK(!have || e == inherited, "group %u: shorter prefixes say %08x and %08x", g,
		      inherited, e);
		inherited = e;
		have = true;
	}
	CHECK(!foldable(l, c, base), "group %u (bits %u..) is uniform %08x: it should have folded", g,
	      base, c[0]);
	return 0;
}

static int
audit(const struct dp_lpm6 *l)
{
	uint32_t n = 0, total = l->n_chunks << DP_LPM6_CHUNK_SHIFT;

	free(seen);
	seen = calloc(total ? total : 1, 1);
	seen_n = total;
	for (uint32_t i = 0; i < l->n_free; i++)
		seen[l->free_g[i]] = 1;
	for (uint32_t i = 0; i < l->n_dead; i++)
		seen[l->dead_g[i]] = 1;
	for (uint32_t i = 0; i < (1u << 16); i++) {
		uint32_t e = l->root[i];

		if (dp_lpm6_is_group(e)) {
			if (audit_group(l, e & DP_LPM6_NH_MAX, 2, &n) < 0)
				return -1;
		} else if (dp_lpm6_is_host(e)) {
			if (audit_host(l, e, 1, i, 16, &n) < 0)
				return -1;
		} else {
			CHECK(e == 0 || ((e & DP_LPM6_VALID) && ((e >> 24) & 0x7f) < 16),
			      "root[%u] = %08x", i, e);
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
	struct dp_lpm6 *l = dp_lpm6_create(0);
	u128 a = a6("2001:db8::");
	uint8_t b[16];

	CHECK(l != NULL, "create");
	set128(b, a);
	CHECK(add(l, a, 0, 1) == -EINVAL, "/0 is the caller's");
	CHECK(add(l, a, 129, 1) == -EINVAL, "/129");
	CHECK(add(l, a, 255, 1) == -EINVAL, "/255");
	CHECK(add(l, a, 48, DP_LPM6_NH_MAX + 1) == -EINVAL, "nh past 24 bits");
	CHECK(dp_lpm6_add(l, NULL, 48, 1) == -EINVAL, "no address");
	CHECK(del(l, a, 0, 0, 0) == -EINVAL, "delete /0");
	CHECK(del(l, a, 129, 0, 0) == -EINVAL, "delete /129");
	CHECK(del(l, a, 48, 1, 48) == -EINVAL, "a cover as long as the route");
	CHECK(del(l, a, 48, 1, 64) == -EINVAL, "a cover longer than the route");
	CHECK(del(l, a, 48, DP_LPM6_NH_MAX + 1, 32) == -EINVAL, "cover nh past 24 bits");
	CHECK(dp_lpm6_delete(l, NULL, 48, 0, 0) == -EINVAL, "delete no address");
	CHECK(l->n_groups == 0 && root_empty(l) && look(l, a) == MISS, "bad input changed the table");
	/* the edges that are fine */
	CHECK(add(l, a, 128, DP_LPM6_NH_MAX) == 0 && look(l, a) == DP_LPM6_NH_MAX, "/128, largest nh");
	CHECK(add(l, a, 1, 0) == 0 && look(l, a + 1) == 0, "/1, nh 0");
	CHECK(del(l, a, 128, 0, 1) == 0 && look(l, a) == 0, "delete /128 to the /1");
	CHECK(del(l, a6("2001:db8:ffff::"), 64, 0, 0) == 0, "a delete of what is not there");
	CHECK(look(l, a) == 0, "a delete of what is not there changed something");
	CHECK(audit(l) == 0, "audit");
	dp_lpm6_free(l);
	/* nor where its path is there, whatever cover the caller says */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	CHECK(add(l, a6("2001:db8:5::"), 48, 1) == 0 && add(l, a6("2001:db8:5:1ff::"), 64, 2) == 0,
	      "add");
	CHECK(del(l, a6("2001:db8:5:200::"), 56, 0, 0) == 0 &&
	      del(l, a6("2001:db8:5:100::"), 57, 0, 0) == 0 &&
	      del(l, a6("2001:db8:5:1fe::"), 64, 0, 0) == 0, "delete what is not there");
	CHECK(look(l, a6("2001:db8:5:200::1")) == 1 && look(l, a6("2001:db8:5:100::1")) == 1 &&
	      look(l, a6("2001:db8:5:1fe::1")) == 1 && look(l, a6("2001:db8:5:1ff::1")) == 2,
	      "a delete of what is not there changed the routes around it");
	dp_lpm6_free(l);
	dp_lpm6_free(NULL);
	return 0;
}

/* The /0 is the caller's: the trie misses where no route is, and the
 * caller answers with its default; a delete to no cover leaves a miss. */
static int
t_default(void)
{
	struct dp_lpm6 *l = dp_lpm6_create(0);
	const uint32_t dflt = 99;
	u128 a = a6("2001:db8:1::5");
	uint32_t nh;

	CHECK(l != NULL, "create");
	CHECK(look(l, a) == MISS && look(l, 0) == MISS && look(l, ~(u128)0) == MISS, "empty");
	CHECK(add(l, a6("2001:db8:1::"), 48, 7) == 0, "add");
	nh = look(l, a);
	CHECK((nh == MISS ? dflt : nh) == 7, "the route");
	nh = look(l, a6("2001:db8:2::5"));
	CHECK((nh == MISS ? dflt : nh) == dflt, "the default where no route is");
	CHECK(del(l, a6("2001:db8:1::"), 48, 0, 0) == 0, "delete");
	CHECK(look(l, a) == MISS, "back to the caller's default");
	CHECK(l->n_groups == 0 && root_empty(l), "empty again");
	dp_lpm6_free(l);
	return 0;
}

/* One prefix of each length around the strides: its first and last
 * addresses hit, the ones just outside miss, it costs one group a level
 * below the root, and its delete leaves nothing. */
static int
t_strides(void)
{
	static const uint8_t depths[] = { 1, 2, 8, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 47, 48,
					  49, 55, 56, 57, 63, 64, 65, 72, 96, 112, 119, 120, 121,
					  126, 127, 128 };
	u128 base = a6("2001:db8:89ab:cdef:137f:ac58:f0e1:d2c3");

	for (unsigned int k = 0; k < RTE_DIM(depths); k++) {
		struct dp_lpm6 *l = dp_lpm6_create(0);
		uint8_t d = depths[k];
		u128 p = base & mask(d), last = p | ~mask(d);
		/* a /128 alone: one host record at the root */
		uint32_t groups = d == 128 ? 1 : d <= 16 ? 0 : (d - 17u) / 8 + 1;

		CHECK(l != NULL, "create");
		CHECK(add(l, base, d, d) == 0, "/%u", d);	/* bits past the length ignored */
		CHECK(look(l, p) == d && look(l, last) == d && look(l, base) == d,
		      "/%u: %s %u, %s %u", d, str(p), look(l, p), str(last), look(l, last));
		CHECK(p == 0 || look(l, p - 1) == MISS, "/%u: %s just below", d, str(p - 1));
		CHECK(last == ~(u128)0 || look(l, last + 1) == MISS, "/%u: %s just past", d,
		      str(last + 1));
		CHECK(l->n_groups == groups, "/%u: %u groups, want %u", d, l->n_groups, groups);
		CHECK(audit(l) == 0, "/%u audit", d);
		/* one longer and one shorter by one bit, nested */
		if (d < 128) {
			CHECK(add(l, base, d + 1, 1000) == 0, "/%u", d + 1);
			CHECK(look(l, base) == 1000 && look(l, base ^ ((u128)1 << (127 - d))) == d,
			      "/%u inside /%u", d + 1, d);
			CHECK(del(l, base, d + 1, d, d) == 0 && look(l, base) == d, "/%u gone", d + 1);
		}
		if (d > 1) {
			CHECK(add(l, base, d - 1, 2000) == 0, "/%u", d - 1);
			CHECK(look(l, base) == d && look(l, base ^ ((u128)1 << (128 - d))) == 2000,
			      "/%u around /%u", d - 1, d);
			CHECK(del(l, base, d - 1, 0, 0) == 0, "/%u gone", d - 1);
		}
		CHECK(look(l, base) == d && l->n_groups == groups && audit(l) == 0, "/%u after", d);
		CHECK(del(l, base, d, 0, 0) == 0, "delete /%u", d);
		CHECK(look(l, p) == MISS && look(l, last) == MISS, "/%u still there", d);
		CHECK(l->n_groups == 0 && root_empty(l), "/%u left %u groups", d, l->n_groups);
		dp_lpm6_free(l);
	}
	return 0;
}

/* Host routes: neighbours in one group, a /127 around two of them. */
static int
t_host(void)
{
	struct dp_lpm6 *l = dp_lpm6_create(0);
	u128 h = a6("2001:db8:0:1::");

	CHECK(l != NULL, "create");
	for (unsigned int i = 0; i < 256; i++)
		if (i % 3 != 2)
			CHECK(add(l, h + i, 128, 100 + i) == 0, "add ::%x", i);
	/* the first pushed down to the last level by the second, a host
	 * there still (its record a group); the rest that level's entries */
	CHECK(l->n_groups == 15, "%u groups for hosts in one /120", l->n_groups);
	for (unsigned int i = 0; i < 256; i++)
		CHECK(look(l, h + i) == ((i % 3 == 2) ? MISS : 100 + i), "::%x -> %u", i,
		      look(l, h + i));
	CHECK(look(l, h + 256) == MISS && look(l, h - 1) == MISS, "outside the hosts");
	/* ::2 is missing, ::3 is there: a /127 ::2/127 fills ::2 only */
	CHECK(add(l, h + 2, 127, 7) == 0, "/127");
	CHECK(look(l, h + 2) == 7 && look(l, h + 3) == 103, "/127 under a host");
	CHECK(del(l, h + 3, 128, 7, 127) == 0 && look(l, h + 3) == 7, "host to its /127");
	CHECK(del(l, h + 2, 127, 0, 0) == 0 && look(l, h + 2) == MISS && look(l, h + 3) == MISS,
	      "/127 gone");
	for (unsigned int i = 0; i < 256; i++)
		if (i % 3 != 2 && i != 3)
			CHECK(del(l, h + i, 128, 0, 0) == 0, "delete ::%x", i);
	CHECK(l->n_groups == 0 && root_empty(l) && audit(l) == 0, "%u groups left", l->n_groups);
	/* the last address there is */
	CHECK(add(l, ~(u128)0, 128, 5) == 0 && look(l, ~(u128)0) == 5 &&
	      look(l, ~(u128)0 - 1) == MISS, "ffff..ffff/128");
	CHECK(add(l, 0, 128, 6) == 0 && look(l, 0) == 6 && look(l, 1) == MISS, "::/128");
	dp_lpm6_free(l);
	return 0;
}

/* Six nested prefixes (/32 /48 /56 /57 /64 /128) added in every order say
 * the same, and deleted in another order with the cover a caller would
 * give, say what the rest say; at the end nothing is left. */
static const struct {
	const char *p;
	uint8_t d;
} nest[] = {
	{ "2001:db8::", 32 }, { "2001:db8:1::", 48 }, { "2001:db8:1:100::", 56 },
	{ "2001:db8:1:180::", 57 }, { "2001:db8:1:1c0::", 64 }, { "2001:db8:1:1c0::5", 128 },
};
static const struct {
	const char *a;
	int want;	/* the route, by index in nest[]; -1 none */
} nest_probe[] = {
	{ "2001:db8:2::1", 0 }, { "2001:db8:1:200::1", 1 }, { "2001:db8:1:17f::1", 2 },
	{ "2001:db8:1:180::1", 3 }, { "2001:db8:1:1c1::1", 3 }, { "2001:db8:1:1c0::1", 4 },
	{ "2001:db8:1:1c0::5", 5 }, { "2001:db8:1:1c0::4", 4 }, { "2001:db9::1", -1 },
	{ "2001:db8:1:1ff:ffff:ffff:ffff:ffff", 3 }, { "2001:db8:1:100::", 2 },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "2001:db7:ffff::", -1 },
};

static int
nest_check(struct dp_lpm6 *l, bool in[6], const char *when)
{
	for (unsigned int k = 0; k < RTE_DIM(nest_probe); k++) {
		u128 a = a6(nest_probe[k].a);
		int want = -1;

		for (int i = 0; i < 6; i++)	/* the longest present that covers a */
			if (in[i] && (a & mask(nest[i].d)) == a6(nest[i].p))
				want = i;
		if (nest_probe[k].want >= 0 && in[nest_probe[k].want])
			CHECK(want == nest_probe[k].want, "probe table wrong at %s", nest_probe[k].a);
		CHECK(look(l, a) == (want < 0 ? MISS : 10u + (uint32_t)want), "%s: %s -> %u, want %d",
		      when, nest_probe[k].a, look(l, a), want < 0 ? -1 : 10 + want);
	}
	return 0;
}

/* The next order of a[] (lexicographic); false after the last. */
static bool
next_order(int *a, int n)
{
	int i = n - 2, j = n - 1, t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return false;
	while (a[j] <= a[i])
		j--;
	t = a[i], a[i] = a[j], a[j] = t;
	for (j = n - 1, i++; i < j; i++, j--)
		t = a[i], a[i] = a[j], a[j] = t;
	return true;
}

static int
t_nested(void)
{
	int perm[6] = { 0, 1, 2, 3, 4, 5 };
	uint32_t groups = 0;
	unsigned int orders = 0;

	/* every order of adds; deletes in that order rotated by 3 */
	do {
		struct dp_lpm6 *l = dp_lpm6_create(0);
		bool in[6] = { false };

		CHECK(l != NULL, "create");
		for (int k = 0; k < 6; k++) {
			CHECK(add(l, a6(nest[perm[k]].p), nest[perm[k]].d, 10 + perm[k]) == 0, "add");
			in[perm[k]] = true;
			if (nest_check(l, in, "adding") < 0)
				return -1;
		}
		CHECK(audit(l) == 0, "audit");
		CHECK(orders == 0 || l->n_groups == groups, "%u groups, another order made %u",
		      l->n_groups, groups);
		groups = l->n_groups;
		for (int k = 0; k < 6; k++) {
			int r = perm[(k + 3) % 6], cover = -1;

			for (int j = 0; j < r; j++)	/* nest[] is by length, each in the one before */
				if (in[j])
					cover = j;
			CHECK(del(l, a6(nest[r].p), nest[r].d, cover < 0 ? 0 : 10u + (uint32_t)cover,
				  cover < 0 ? 0 : nest[cover].d) == 0, "delete");
			in[r] = false;
			if (nest_check(l, in, "deleting") < 0 || audit(l) < 0)
				return -1;
		}
		CHECK(l->n_groups == 0 && root_empty(l), "%u groups left", l->n_groups);
		dp_lpm6_free(l);
		orders++;
	} while (next_order(perm, 6));
	CHECK(orders == 720, "%u orders", orders);
	printf("nested /32 /48 /56 /57 /64 /128: %u add orders, %u groups each, every delete "
	       "to its cover\n", orders, groups);
	return 0;
}

/* The same prefix again changes its next hop only: longer ones keep theirs. */
static int
t_replace(void)
{
	struct dp_lpm6 *l = dp_lpm6_create(0);
	u128 p48 = a6("2001:db8:5::"), p57 = a6("2001:db8:5:80::"), p16 = a6("2001::");
	uint32_t g;

	CHECK(l != NULL, "create");
	CHECK(add(l, p16, 16, 1) == 0 && add(l, p48, 48, 2) == 0 && add(l, p57, 57, 3) == 0, "add");
	g = l->n_groups;
	CHECK(add(l, p48, 48, 4) == 0, "replace /48");
	CHECK(look(l, p48 + 1) == 4 && look(l, p57 + 1) == 3 && look(l, p16 + 1) == 1, "after /48");
	CHECK(add(l, p57, 57, 5) == 0, "replace /57");
	CHECK(look(l, p57 + 1) == 5 && look(l, p57 - 1) == 4, "after /57");
	CHECK(add(l, p16, 16, 6) == 0, "replace /16");
	CHECK(look(l, p16 + 1) == 6 && look(l, p48 + 1) == 4 && look(l, p57 + 1) == 5, "after /16");
	CHECK(add(l, p57, 57, 5) == 0 && look(l, p57) == 5, "the same again");
	CHECK(l->n_groups == g && audit(l) == 0, "a replace made groups");
	/* a delete's cover is what the caller says it is now */
	CHECK(del(l, p57, 57, 4, 48) == 0 && look(l, p57 + 1) == 4, "delete /57");
	CHECK(del(l, p48, 48, 6, 16) == 0 && look(l, p48 + 1) == 6, "delete /48");
	CHECK(l->n_groups == 0 && audit(l) == 0, "%u groups left", l->n_groups);
	dp_lpm6_free(l);
	return 0;
}

static bool
in_list(const uint32_t *a, uint32_t n, uint32_t g)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] == g)
			return true;
	return false;
}

/* Groups fold back when a delete leaves them saying one thing, as far up as
 * that goes; a folded group is handed out again only after reclaim. */
static int
t_fold(void)
{
	struct dp_lpm6 *l = dp_lpm6_create(0);
	u128 p48 = a6("2001:db8:7::"), p56 = a6("2001:db8:7:100::"), h = a6("2001:db8:7:100::9");
	u128 s0 = a6("2001:db8:8::"), s1 = a6("2001:db8:8:8000::");
	uint32_t deep, g_old[8], n_old = 0;

	CHECK(l != NULL, "create");
	CHECK(add(l, p48, 48, 1) == 0 && l->n_groups == 4, "/48: %u groups", l->n_groups);
	CHECK(add(l, p56, 56, 2) == 0 && l->n_groups == 5, "/56: %u groups", l->n_groups);
	/* a host entry where the /56's entry was: one group, its record */
	CHECK(add(l, h, 128, 3) == 0 && l->n_groups == 6, "/128: %u groups", l->n_groups);
	/* the host goes: the /56's entry back in its slot, the record retired */
	CHECK(del(l, h, 128, 2, 56) == 0 && l->n_groups == 5 && look(l, h) == 2, "host: %u groups",
	      l->n_groups);
	CHECK(l->n_dead == 1, "%u dead", l->n_dead);
	CHECK(audit(l) == 0, "audit");
	/* the /56 goes to its /48: its group says only the /48 and folds */
	CHECK(del(l, p56, 56, 1, 48) == 0 && l->n_groups == 4 && look(l, p56) == 1, "/56: %u",
	      l->n_groups);
	/* the /48 goes first with the /56 still there: the /56's group stays */
	CHECK(add(l, p56, 56, 2) == 0 && del(l, p48, 48, 0, 0) == 0 && l->n_groups == 5 &&
	      look(l, p56) == 2 && look(l, p48) == MISS, "/48 under /56");
	CHECK(del(l, p56, 56, 0, 0) == 0 && l->n_groups == 0 && root_empty(l), "all gone");
	/* siblings with one next hop fill a group with equal entries of their
	 * own length: it stays, so each one's delete still finds it */
	CHECK(add(l, s0, 33 + 16, 9) == 0 && add(l, s1, 33 + 16, 9) == 0, "siblings");
	CHECK(add(l, s0 + 1, 128, 8) == 0 && del(l, s0 + 1, 128, 9, 49) == 0, "a host under one");
	CHECK(audit(l) == 0 && look(l, s0) == 9 && look(l, s1) == 9, "siblings after the host");
	CHECK(del(l, s0, 49, 0, 0) == 0 && look(l, s0) == MISS && look(l, s1) == 9,
	      "one sibling deleted: %u %u", look(l, s0), look(l, s1));
	CHECK(del(l, s1, 49, 0, 0) == 0 && look(l, s1) == MISS && l->n_groups == 0, "both");
	/* reuse only after reclaim */
	dp_lpm6_reclaim(l);
	CHECK(l->n_dead == 0, "reclaim");
	CHECK(add(l, a6("2001:db8:9::"), 56, 4) == 0 && l->n_groups == 5, "add");
	deep = l->n_groups;
	{
		/* the groups of the path, deepest last */
		uint8_t b[16];
		uint32_t e;

		set128(b, a6("2001:db8:9::"));
		e = l->root[b[0] << 8 | b[1]];
		for (unsigned int k = 2; dp_lpm6_is_group(e); k++) {
			g_old[n_old++] = e & DP_LPM6_NH_MAX;
			e = dp_lpm6_group(l, e & DP_LPM6_NH_MAX)[b[k]];
		}
	}
	CHECK(n_old == deep, "%u groups on the path", n_old);
	CHECK(del(l, a6("2001:db8:9::"), 56, 0, 0) == 0 && l->n_groups == 0 && l->n_dead == 5,
	      "fold");
	for (uint32_t i = 0; i < n_old; i++)
		CHECK(!in_list(l->free_g, l->n_free, g_old[i]), "group %u free before reclaim",
		      g_old[i]);
	CHECK(add(l, a6("2001:db8:a::"), 56, 5) == 0, "add elsewhere");
	{
		uint8_t b[16];
		uint32_t e;

		set128(b, a6("2001:db8:a::"));
		e = l->root[b[0] << 8 | b[1]];
		for (unsigned int k = 2; dp_lpm6_is_group(e); k++) {
			CHECK(!in_list(g_old, n_old, e & DP_LPM6_NH_MAX),
			      "a folded group (%u) was handed out before reclaim", e & DP_LPM6_NH_MAX);
			e = dp_lpm6_group(l, e & DP_LPM6_NH_MAX)[b[k]];
		}
	}
	dp_lpm6_reclaim(l);
	for (uint32_t i = 0; i < n_old; i++)
		CHECK(in_list(l->free_g, l->n_free, g_old[i]), "group %u not free after reclaim",
		      g_old[i]);
	CHECK(add(l, a6("2001:db8:b::"), 56, 6) == 0, "add after reclaim");
	{
		uint8_t b[16];
		uint32_t e, reused = 0;

		set128(b, a6("2001:db8:b::"));
		e = l->root[b[0] << 8 | b[1]];
		for (unsigned int k = 2; dp_lpm6_is_group(e); k++) {
			reused += in_list(g_old, n_old, e & DP_LPM6_NH_MAX);
			e = dp_lpm6_group(l, e & DP_LPM6_NH_MAX)[b[k]];
		}
		CHECK(reused > 0, "no reclaimed group was reused");
	}
	CHECK(look(l, a6("2001:db8:a::1")) == 5 && look(l, a6("2001:db8:b::1")) == 6 &&
	      look(l, a6("2001:db8:9::1")) == MISS && audit(l) == 0, "after reuse");
	dp_lpm6_free(l);
	printf("groups fold back as far as a delete leaves them uniform; reused only after "
	       "reclaim\n");
	return 0;
}

/* ---- the reference: every route in a hash by (prefix, length), the
 * longest match by trying every length present, longest first ---- */
#define RULES	4096
#define HBITS	13

struct rule {
	u128 ip;
	uint8_t depth;
	bool used;
	uint32_t nh;
	int next;
};

struct ref {
	struct rule r[RULES];
	int head[1 << HBITS];
	int n_depth[129];
	int n;
};

static struct ref R, R2;

static uint32_t
hash(u128 ip, uint8_t d)
{
	uint64_t x = (uint64_t)ip * 0x9e3779b97f4a7c15ull ^ (uint64_t)(ip >> 64) * 0xc2b2ae3d27d4eb4full ^
		     d * 0x165667b19e3779f9ull;

	return (uint32_t)(x >> (64 - HBITS));
}

static void
ref_init(struct ref *f)
{
	memset(f, 0, sizeof(*f));
	memset(f->head, 0xff, sizeof(f->head));
}

static int
ref_find(const struct ref *f, u128 ip, uint8_t d)
{
	for (int i = f->head[hash(ip, d)]; i >= 0; i = f->r[i].next)
		if (f->r[i].ip == ip && f->r[i].depth == d)
			return i;
	return -1;
}

static int
ref_add(struct ref *f, u128 ip, uint8_t d, uint32_t nh)
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
ref_lpm(const struct ref *f, u128 a, unsigned int below)
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

static u128 bases[8];

static void
bases_init(void)
{
	static const char *const b[] = { "2001:db8::", "2001:db8:0:ff00::", "2001:db8:1234:5678:9abc::",
					 "fd00::", "::", "ffff:ffff:ffff:ffff::", "2400:cb00:2048:1::",
					 "2001:db8::8000:0:0:0" };

	for (unsigned int i = 0; i < RTE_DIM(b); i++)
		bases[i] = a6(b[i]);
}

/* Addresses near a few bases, so prefixes nest, share groups and sit on
 * both sides of the strides. */
static u128
addr(void)
{
	static const unsigned int tail[] = { 4, 8, 12, 16, 24, 40, 64, 72, 80, 96, 112, 128 };
	unsigned int t = tail[rnd() % RTE_DIM(tail)];
	u128 r = rnd128();

	return bases[rnd() % RTE_DIM(bases)] ^ (t == 128 ? r : r & (((u128)1 << t) - 1));
}

/* Odd seeds make half their routes /128s: hosts crowd the same groups,
 * get pushed down by longer prefixes and fold back up. */
static bool hosts_heavy;

static uint8_t
depth_any(void)
{
	static const uint8_t hot[] = { 1, 8, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 47, 48, 49,
				       56, 57, 63, 64, 65, 72, 80, 96, 104, 112, 119, 120, 121,
				       126, 127, 128 };

	if (hosts_heavy && rnd() % 2 == 0)
		return 128;
	if (rnd() % 8 == 0)
		return (uint8_t)(1 + rnd() % 128);
	/* mostly long: short ones cover everything and hide the rest */
	return rnd() % 16 == 0 ? hot[rnd() % 8] : hot[8 + rnd() % (RTE_DIM(hot) - 8)];
}

/* Where lookups go: at random, near the bases, and mostly into and just
 * beside the routes there are. */
static u128
probe(const struct ref *f)
{
	int i;
	u128 a;

	switch (rnd() % 8) {
	case 0:
		return rnd128();
	case 1:
	case 2:
		return addr();
	default:
		if ((i = ref_any(f)) < 0)
			return addr();
		a = f->r[i].ip | (rnd128() & ~mask(f->r[i].depth));
		if (rnd() % 4 == 0)	/* just outside it */
			a ^= (u128)1 << (128 - f->r[i].depth);
		else if (rnd() % 4 == 0 && f->r[i].depth < 128)	/* the edges inside */
			a = rnd() % 2 ? f->r[i].ip : f->r[i].ip | ~mask(f->r[i].depth);
		return a;
	}
}

static int
diff_check(const struct dp_lpm6 *l, const struct ref *f, unsigned int n, int op)
{
	enum { B = 64 };
	uint8_t b[B][16];
	const uint8_t *p[B];
	u128 a[B];
	uint32_t nh[B];

	for (unsigned int k = 0; k < n; k += B) {
		unsigned int m = RTE_MIN(n - k, (unsigned int)B);

		for (unsigned int j = 0; j < m; j++) {
			a[j] = probe(f);
			set128(b[j], a[j]);
			p[j] = b[j];
		}
		dp_lpm6_lookup_bulk(l, p, m, nh);
		for (unsigned int j = 0; j < m; j++) {
			int i = ref_lpm(f, a[j], 129);
			uint32_t want = i >= 0 ? f->r[i].nh : MISS, got = dp_lpm6_lookup(l, b[j]);

			CHECK(got == want && nh[j] == want,
			      "op %d: %s -> %u (in a burst %u), want %u (%s/%u)", op, str(a[j]), got,
			      nh[j], want, i >= 0 ? str(f->r[i].ip) : "-", i >= 0 ? f->r[i].depth : 0);
		}
	}
	return 0;
}

/* A next hop: often one of a few (siblings and nested routes then say the
 * same, which folding must not mistake for their cover), else unique. */
static uint32_t
nh_any(void)
{
	return rnd() % 2 ? (uint32_t)(rnd() % 3) : (uint32_t)(rnd() % DP_LPM6_NH_MAX);
}

/* One random change to l and f: add, replace or delete. */
static int
step(struct dp_lpm6 *l, struct ref *f, int op, int *adds, int *repl, int *dels)
{
	uint8_t depth = depth_any();
	u128 ip = addr() & mask(depth);
	unsigned int what = (unsigned int)(rnd() % 10);
	int i = ref_find(f, ip, depth);

	if (what >= 5 && i < 0 && (i = ref_any(f)) >= 0) {	/* a route that is there */
		ip = f->r[i].ip;
		depth = f->r[i].depth;
	}
	if (what == 4 && (i = ref_any(f)) >= 0) {
		/* its sibling with its next hop: the two can fill a group alike */
		u128 sib = f->r[i].ip ^ (u128)1 << (128 - f->r[i].depth);
		uint32_t nh = f->r[i].nh;

		depth = f->r[i].depth;
		if (ref_find(f, sib, depth) < 0 && f->n < RULES) {
			ref_add(f, sib, depth, nh);
			CHECK(add(l, sib, depth, nh) == 0, "op %d: add %s/%u", op, str(sib), depth);
			(*adds)++;
		}
	} else if (i >= 0 && what >= 5 && what < 7) {
		f->r[i].nh = nh_any();
		CHECK(add(l, ip, depth, f->r[i].nh) == 0, "op %d: replace", op);
		(*repl)++;
	} else if (i >= 0 && what >= 7) {
		int c = ref_lpm(f, ip, depth);

		CHECK(del(l, ip, depth, c >= 0 ? f->r[c].nh : 0, c >= 0 ? f->r[c].depth : 0) == 0,
		      "op %d: delete", op);
		ref_del(f, i);
		(*dels)++;
	} else if (i < 0 && f->n < RULES) {
		i = ref_add(f, ip, depth, nh_any());
		CHECK(add(l, ip, depth, f->r[i].nh) == 0, "op %d: add %s/%u", op, str(ip), depth);
		(*adds)++;
	}
	return 0;
}

/* One seed: a table under random changes, checked after each, then every
 * route deleted to its cover in random order: nothing may be left. */
static int
diff_seed(uint64_t s, int ops, int *adds, int *repl, int *dels, int *most)
{
	struct dp_lpm6 *l = dp_lpm6_create(0);

	seed = s;
	hosts_heavy = s & 1;
	CHECK(l != NULL, "create");
	ref_init(&R);
	for (int op = 0; op < ops; op++) {
		if (step(l, &R, op, adds, repl, dels) < 0)
			return -1;
		*most = RTE_MAX(*most, R.n);
		if (op % 7 == 0)
			dp_lpm6_reclaim(l);	/* groups come back and are reused */
		if (diff_check(l, &R, op % 500 == 0 ? 4096 : 16, op) < 0)
			return -1;
		if (op % 2000 == 0 && audit(l) < 0)
			return -1;
	}
	CHECK(audit(l) == 0, "audit");
	while (R.n > 0) {
		int i = ref_any(&R), c = ref_lpm(&R, R.r[i].ip, R.r[i].depth);

		CHECK(del(l, R.r[i].ip, R.r[i].depth, c >= 0 ? R.r[c].nh : 0,
			  c >= 0 ? R.r[c].depth : 0) == 0, "delete");
		ref_del(&R, i);
		if (diff_check(l, &R, R.n % 64 == 0 ? 256 : 4, -1) < 0)
			return -1;
		if (R.n % 1024 == 0 && audit(l) < 0)
			return -1;
	}
	CHECK(l->n_groups == 0 && root_empty(l), "%u groups left after every route went",
	      l->n_groups);
	dp_lpm6_reclaim(l);
	CHECK(audit(l) == 0 && l->n_free == l->n_chunks << DP_LPM6_CHUNK_SHIFT, "all free");
	dp_lpm6_free(l);
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

/* Many runs of a few thousand changes rather than one long one: a bug needs
 * a few changes in one place in the right order, which many small tables
 * find sooner; one longer run keeps big tables (many chunks) covered. */
static int
t_differential(void)
{
	int adds = 0, repl = 0, dels = 0, most = 0;
	double t0 = now();
	unsigned int k;

	if (one_seed != 0)
		return diff_seed(one_seed, 20000, &adds, &repl, &dels, &most);
	for (k = 0; k < 2000 && now() - t0 < 4.0; k++) {
		uint64_t s = seed_of(k);

		if (diff_seed(s, k == 0 ? 20000 : 1000 + (int)(k % 4) * 1000, &adds, &repl, &dels,
			      &most) < 0) {
			fprintf(stderr, "differential: seed %#lx failed (test_lpm6 %#lx)\n",
				(unsigned long)s, (unsigned long)s);
			return -1;
		}
	}
	printf("differential: %u seeds in %.1f s (%d adds, %d replaces, %d deletes; up to %d "
	       "routes), every route deleted to its cover in random order: no group left, root "
	       "empty\n", k, now() - t0, adds, repl, dels, most);
	return 0;
}

/* A clone says what its source says, holds the same groups, and each
 * changes apart from the other; the clone can reuse at once what its
 * source keeps for a grace period. */
static int
t_clone(void)
{
	struct dp_lpm6 *l = dp_lpm6_create(0), *c, *e;
	int adds = 0, repl = 0, dels = 0;

	CHECK(l != NULL, "create");
	CHECK((e = dp_lpm6_clone(l)) != NULL && e->n_chunks == 0, "clone of an empty table");
	ref_init(&R);
	for (int op = 0; op < 6000; op++)
		if (step(l, &R, op, &adds, &repl, &dels) < 0)
			return -1;
	/* no reclaim: the source has dead groups */
	CHECK(l->n_dead > 0, "no dead groups to carry over");
	CHECK((c = dp_lpm6_clone(l)) != NULL, "clone");
	CHECK(memcmp(c->root, l->root, sizeof(l->root)) == 0, "roots differ");
	CHECK(c->n_groups == l->n_groups && c->n_chunks == l->n_chunks, "groups differ");
	for (uint32_t k = 0; k < l->n_chunks; k++)
		CHECK(memcmp(c->dir[k], l->dir[k], 256u * 4 << DP_LPM6_CHUNK_SHIFT) == 0,
		      "chunk %u differs", k);
	CHECK(c->n_dead == 0 && c->n_free == l->n_free + l->n_dead, "clone's free groups");
	CHECK(dp_lpm6_bytes(c) <= dp_lpm6_bytes(l), "clone %lu bytes, source %lu",
	      (unsigned long)dp_lpm6_bytes(c), (unsigned long)dp_lpm6_bytes(l));
	CHECK(audit(c) == 0 && diff_check(c, &R, 20000, -1) == 0, "clone against the reference");
	/* change the clone; the source still says what it said */
	memcpy(&R2, &R, sizeof(R));
	for (int op = 0; op < 3000; op++)
		if (step(c, &R2, op, &adds, &repl, &dels) < 0)
			return -1;
	CHECK(audit(c) == 0 && diff_check(c, &R2, 20000, -1) == 0, "changed clone");
	CHECK(audit(l) == 0 && diff_check(l, &R, 20000, -1) == 0, "source after the clone changed");
	/* and the other way */
	for (int op = 0; op < 3000; op++)
		if (step(l, &R, op, &adds, &repl, &dels) < 0)
			return -1;
	CHECK(diff_check(c, &R2, 20000, -1) == 0, "clone after the source changed");
	dp_lpm6_free(l);
	CHECK(diff_check(c, &R2, 5000, -1) == 0, "clone after the source went");
	{
		struct dp_lpm6 *cc = dp_lpm6_clone(c);

		CHECK(cc != NULL && audit(cc) == 0 && diff_check(cc, &R2, 5000, -1) == 0,
		      "clone of a clone");
		dp_lpm6_free(cc);
	}
	dp_lpm6_free(c);
	dp_lpm6_free(e);
	printf("clone: equal to its source (root, groups, lookups), each changes apart\n");
	return 0;
}

/* ---- readers under churn ----
 * Readers look up addresses in 2001:db8::/32, which a /32 that never goes
 * covers, while the writer adds, replaces and deletes routes under it and
 * reclaims after each grace period (rte_rcu_qsbr). Every route has its own
 * next hop (an id, never reused), so a reader can tell: the route it gets
 * covers the address, had not been deleted before the lookup began, and no
 * longer route covering the address was there throughout the lookup. */
#define C_READERS	2
#define C_SLOTS		96
#define C_IDS		(1u << 20)

struct croute {
	u128 ip;
	uint8_t depth;
	uint32_t born;		/* the version its add started at */
	uint32_t dying;		/* the version its delete or replace started at; 0: not yet */
};

static struct croute *cr;
static uint32_t c_slot[C_SLOTS];	/* ids of routes there (0: none; id 1 is the /32) */
static uint32_t c_version = 1;
static int c_stop;
static struct rte_rcu_qsbr *c_rcu;
static uint64_t c_lookups[C_READERS];
static char c_failure[256];
static int c_failed;

static void
c_fail(const char *what, u128 a, uint32_t id)
{
	if (__atomic_exchange_n(&c_failed, 1, __ATOMIC_ACQ_REL) == 0)
		snprintf(c_failure, sizeof(c_failure), "%s: %s -> %u", what, str(a), id);
}

static u128 c_base;

static u128
c_addr(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	if (*x % 4 != 0) {	/* into or beside a route there */
		uint32_t id = __atomic_load_n(&c_slot[*x % C_SLOTS], __ATOMIC_ACQUIRE);

		if (id != 0) {
			u128 r = (u128)*x << 64 | (*x * 0x9e3779b97f4a7c15ull);

			return cr[id].ip ^ (r & ~mask(cr[id].depth - (*x % 3 == 0)));
		}
	}
	{
		u128 r = ((u128)*x << 64 | (*x * 0x9e3779b97f4a7c15ull)) >> 32;

		return c_base | ((*x & 8) ? r >> (*x % 64) : r);	/* often near the base */
	}
}

static void
c_judge(u128 a, uint32_t id, uint32_t v0)
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
	const struct dp_lpm6 *l;
	unsigned int w;
};

static void *
c_reader(void *arg)
{
	const struct creader *cfg = arg;
	uint64_t x = 0x1234567 + cfg->w * 7919;
	enum { B = 32 };
	uint8_t b[B][16];
	const uint8_t *p[B];
	u128 a[B];
	uint32_t nh[B];

	rte_rcu_qsbr_thread_register(c_rcu, cfg->w);
	rte_rcu_qsbr_thread_online(c_rcu, cfg->w);
	while (!__atomic_load_n(&c_stop, __ATOMIC_RELAXED)) {
		uint32_t v0 = __atomic_load_n(&c_version, __ATOMIC_ACQUIRE);

		for (unsigned int j = 0; j < B; j++) {
			a[j] = c_addr(&x);
			set128(b[j], a[j]);
			p[j] = b[j];
		}
		if (x & 1) {
			dp_lpm6_lookup_bulk(cfg->l, p, B, nh);
		} else {
			for (unsigned int j = 0; j < B; j++)
				nh[j] = dp_lpm6_lookup(cfg->l, b[j]);
		}
		for (unsigned int j = 0; j < B; j++)
			c_judge(a[j], nh[j], v0);
		c_lookups[cfg->w] += B;
		rte_rcu_qsbr_quiescent(c_rcu, cfg->w);
	}
	rte_rcu_qsbr_thread_offline(c_rcu, cfg->w);
	rte_rcu_qsbr_thread_unregister(c_rcu, cfg->w);
	return NULL;
}

/* The longest route in the slots (or the /32) covering ip/depth, shorter. */
static uint32_t
c_cover(u128 ip, uint8_t depth)
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
	struct dp_lpm6 *l = dp_lpm6_create(0);
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
	c_base = a6("2001:db8::");
	cr[1] = (struct croute){ c_base, 32, 0, 0 };
	CHECK(add(l, c_base, 32, 1) == 0, "the /32");
	for (unsigned int w = 0; w < C_READERS; w++) {
		cfg[w] = (struct creader){ l, w };
		CHECK(spawn(&th[w], c_reader, &cfg[w]) == 0, "thread");
	}
	t0 = now();
	while (now() - t0 < 2.0 && next_id < C_IDS && !c_failed) {
		unsigned int s = (unsigned int)(rnd() % C_SLOTS);
		uint32_t old = c_slot[s], id, v = c_version;

		if (old == 0) {
			uint8_t depth = (uint8_t)(33 + rnd() % 96);
			u128 ip = (c_base | (rnd128() >> 32 >> (rnd() % 64))) & mask(depth);
			bool dup = false;

			for (unsigned int k = 0; k < C_SLOTS; k++)
				dup |= c_slot[k] && cr[c_slot[k]].ip == ip && cr[c_slot[k]].depth == depth;
			if (dup)
				continue;
			id = next_id++;
			cr[id] = (struct croute){ ip, depth, v, 0 };
			__atomic_store_n(&c_slot[s], id, __ATOMIC_RELEASE);
			CHECK(add(l, ip, depth, id) == 0, "add");
		} else if (rnd() % 3 == 0) {	/* replace: a new id for the same prefix */
			id = next_id++;
			cr[id] = (struct croute){ cr[old].ip, cr[old].depth, v, 0 };
			__atomic_store_n(&cr[old].dying, v, __ATOMIC_RELEASE);
			__atomic_store_n(&c_slot[s], id, __ATOMIC_RELEASE);
			CHECK(add(l, cr[id].ip, cr[id].depth, id) == 0, "replace");
		} else {
			uint32_t c;

			__atomic_store_n(&c_slot[s], 0, __ATOMIC_RELEASE);
			c = c_cover(cr[old].ip, cr[old].depth);
			__atomic_store_n(&cr[old].dying, v, __ATOMIC_RELEASE);
			CHECK(del(l, cr[old].ip, cr[old].depth, c, cr[c].depth) == 0, "delete");
		}
		/* the change is whole: lookups that begin now must see it */
		__atomic_store_n(&c_version, v + 1, __ATOMIC_RELEASE);
		ops++;
		if (ops % 16 == 0) {
			rte_rcu_qsbr_synchronize(c_rcu, RTE_QSBR_THRID_INVALID);
			dp_lpm6_reclaim(l);
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
	       "readers; every one a route covering its address, live during the lookup, and "
	       "none longer missed\n", ops, syncs, (unsigned long)total, C_READERS);
	dp_lpm6_free(l);
	rte_free(c_rcu);
	free(cr);
	return 0;
}

/* ---- figures ---- */

static int
t_memory(void)
{
	struct dp_lpm6 *l;
	u128 p32 = a6("2001:db8::");

	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	printf("memory: empty table %lu bytes\n", (unsigned long)dp_lpm6_bytes(l));
	/* ten routes a small VRF might have, /48 to /64 */
	for (unsigned int i = 0; i < 10; i++) {
		uint8_t d = (uint8_t)(48 + (i % 3) * 8);

		CHECK(add(l, (p32 | rnd128() >> 32) & mask(d), d, i) == 0, "add");
	}
	printf("memory: 10 routes (/48../64 in a /32): %u groups, %lu bytes (%.0f KiB)\n",
	       l->n_groups, (unsigned long)dp_lpm6_bytes(l), dp_lpm6_bytes(l) / 1024.0);
	CHECK(dp_lpm6_bytes(l) < 512 * 1024, "10 routes cost %lu bytes",
	      (unsigned long)dp_lpm6_bytes(l));
	dp_lpm6_free(l);
	/* a thousand customer /48s in one provider /32 */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	for (unsigned int i = 0; i < 1000;) {
		u128 p = (p32 | rnd128() >> 32) & mask(48);

		if (look(l, p) == MISS && add(l, p, 48, i++) != 0)
			FAIL("add");
	}
	printf("memory: 1,000 /48 in one /32: %u groups, %lu bytes (%.2f MiB)\n", l->n_groups,
	       (unsigned long)dp_lpm6_bytes(l), dp_lpm6_bytes(l) / 1048576.0);
	dp_lpm6_free(l);
	/* a thousand /48s anywhere in 2000::/3: no groups shared */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	for (unsigned int i = 0; i < 1000;) {
		u128 p = (a6("2000::") | rnd128() >> 3) & mask(48);

		if (look(l, p) == MISS && add(l, p, 48, i++) != 0)
			FAIL("add");
	}
	printf("memory: 1,000 /48 spread over 2000::/3: %u groups, %lu bytes (%.2f MiB)\n",
	       l->n_groups, (unsigned long)dp_lpm6_bytes(l), dp_lpm6_bytes(l) / 1048576.0);
	dp_lpm6_free(l);
	return 0;
}

/* ns a lookup, one at a time and in bursts of 32, over n addresses inside
 * the routes of a table (printed, not asserted). */
static void
cost(const char *what, const struct dp_lpm6 *l, const u128 *route, const uint8_t *depth,
     unsigned int n_routes)
{
	enum { N = 1 << 16, PASSES = 16, B = 32 };
	uint8_t (*b)[16] = malloc(N * 16);
	const uint8_t **p = malloc(N * sizeof(*p));
	uint32_t nh[B], sum = 0;
	double t, one, bulk;

	for (unsigned int i = 0; i < N; i++) {
		unsigned int r = (unsigned int)(rnd() % n_routes);

		set128(b[i], route[r] | (rnd128() & ~mask(depth[r])));
		p[i] = b[i];
	}
	t = now();
	for (unsigned int k = 0; k < PASSES; k++)
		for (unsigned int i = 0; i < N; i++)
			sum += dp_lpm6_lookup(l, b[i]);
	one = (now() - t) * 1e9 / ((double)N * PASSES);
	t = now();
	for (unsigned int k = 0; k < PASSES; k++)
		for (unsigned int i = 0; i < N; i += B) {
			dp_lpm6_lookup_bulk(l, p + i, B, nh);
			sum += nh[0];
		}
	bulk = (now() - t) * 1e9 / ((double)N * PASSES);
	printf("lookup cost, %s (%.1f MiB): %.1f ns one at a time, %.1f ns in bursts of %d "
	       "(%u)\n", what, dp_lpm6_bytes(l) / 1048576.0, one, bulk, B, sum & 1);
	free(b);
	free(p);
}

static int
t_cost(void)
{
	enum { BIG = 10000 };
	u128 *route = malloc(BIG * sizeof(*route));
	uint8_t *depth = malloc(BIG);
	struct dp_lpm6 *l;
	unsigned int n;

	CHECK(route != NULL && depth != NULL, "alloc");
	/* 1,000 /48 in a /32: the whole trie in cache */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	for (n = 0; n < 1000; n++) {
		route[n] = (a6("2001:db8::") | rnd128() >> 32) & mask(48);
		depth[n] = 48;
		CHECK(add(l, route[n], 48, n) == 0, "add");
	}
	cost("1,000 /48 in a /32", l, route, depth, n);
	dp_lpm6_free(l);
	/* 10,000 routes /32 to /64 over 2000::/3: more than the caches */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	for (n = 0; n < BIG; n++) {
		static const uint8_t d[] = { 32, 40, 44, 48, 48, 48, 56, 64 };

		depth[n] = d[rnd() % RTE_DIM(d)];
		route[n] = (a6("2000::") | rnd128() >> 3 >> (rnd() % 2 ? 0 : 16)) & mask(depth[n]);
		CHECK(add(l, route[n], depth[n], n) == 0, "add");
	}
	cost("10,000 routes /32../64 over 2000::/3", l, route, depth, n);
	dp_lpm6_free(l);
	/* 10,000 host routes: the longest walk, 15 loads */
	CHECK((l = dp_lpm6_create(0)) != NULL, "create");
	for (n = 0; n < 10000; n++) {
		route[n] = a6("2001:db8:0:1::") | (rnd() & 0xffffffff);
		depth[n] = 128;
		CHECK(add(l, route[n], 128, n) == 0, "add");
	}
	cost("10,000 /128 in a /64", l, route, depth, n);
	dp_lpm6_free(l);
	free(route);
	free(depth);
	return 0;
}

int
main(int argc, char **argv)
{
	char *eal[] = { "test_lpm6", "--no-huge", "-m", "512", "--no-pci", "-l", "0", "--no-shconf",
			"--log-level=3", NULL };
	static const struct {
		const char *name;
		int (*fn)(void);
	} tests[] = {
		{ "einval", t_einval }, { "default", t_default }, { "strides", t_strides },
		{ "host", t_host }, { "nested", t_nested }, { "replace", t_replace },
		{ "fold", t_fold }, { "differential", t_differential }, { "clone", t_clone },
		{ "concurrent", t_concurrent }, { "memory", t_memory }, { "cost", t_cost },
	};
	int failed = 0;

	if (argc > 1)
		one_seed = strtoull(argv[1], NULL, 0);
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	bases_init();
	for (unsigned int i = 0; i < RTE_DIM(tests); i++) {
		double t = now();
		int rc;

		if (one_seed != 0 && tests[i].fn != t_differential)
			continue;
		rc = tests[i].fn();

		printf("%s %s (%.2f s)\n", rc == 0 ? "ok  " : "FAIL", tests[i].name, now() - t);
		failed += rc != 0;
	}
	free(seen);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
