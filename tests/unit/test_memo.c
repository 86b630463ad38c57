/* dp_memo on a real (no-huge, no-PCI) EAL and a ternary (rte_acl) table:
 * the same answers as the lookups over many flows, a tiny memo too (every
 * key collides: never another key's entry); a write seen by the next
 * lookup; hits per entry and per table, and misses, as the lookups count
 * them; the adaptive bypass off with many flows and back on with few, and
 * off where it hits but costs more than the lookup (its clock);
 * slots keyed by the bits the rules look at and the ranges a port falls
 * in, and never crossed while the control side swaps rule sets that look
 * at other bits and ranges (a torture).
 * `test_memo bench` prints cycles per key, memo against lookup, for some
 * rule and flow counts (run by hand). The test thread plays worker 0. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "dp_memo.h"
#include "dp_tcare.h"
#include "dp_table.h"

enum { A_OUT, A_NOOP };

/* the overlay classes' shape, shorter: proto, source and destination
 * (ternary), destination port (range) */
static const struct dp_table_def acl_def = {
	.name = "m_acl", .size = 4096, .n_fields = 4,
	.fields = {
		{ "proto", DP_T_U8, DP_MATCH_TERNARY },
		{ "src", DP_T_IPV4, DP_MATCH_TERNARY },
		{ "dst", DP_T_IPV4, DP_MATCH_TERNARY },
		{ "dport", DP_T_U16, DP_MATCH_RANGE },
	},
	.n_actions = 2,
	.actions = { { "output", 1, { { "port", DP_T_PORT } } }, { "noop", 0, {} } },
	.default_action = A_NOOP,
};

static int t_acl;
static unsigned int off[4];

struct flow {
	uint8_t proto;
	uint32_t src, dst;   /* host order */
	uint16_t dport;
};

static struct dp_update
rule(enum dp_update_type type, uint32_t prio, uint8_t proto, uint32_t dst, uint32_t dmask, uint16_t lo,
     uint16_t hi, uint16_t port)
{
	struct dp_update u;
	rte_be32_t d = rte_cpu_to_be_32(dst), dm = rte_cpu_to_be_32(dmask);
	rte_be16_t l = rte_cpu_to_be_16(lo), h = rte_cpu_to_be_16(hi);

	memset(&u, 0, sizeof(u));
	u.type = type;
	u.table = t_acl;
	u.action = A_OUT;
	*(uint16_t *)u.params = port;
	u.priority = prio;
	u.key[off[0]] = proto;
	u.mask[off[0]] = proto ? 0xff : 0;
	memcpy(u.key + off[2], &d, 4);
	memcpy(u.mask + off[2], &dm, 4);
	memcpy(u.key + off[3], &l, 2);
	memcpy(u.mask + off[3], &h, 2);
	return u;
}

static int
write1(struct dp_update u)
{
	int r;

	dp_table_write(&u, 1, DP_ATOM_ROLLBACK, &r);
	return r;
}

static void
key_of(uint8_t *k, const struct flow *f)
{
	rte_be32_t s = rte_cpu_to_be_32(f->src), d = rte_cpu_to_be_32(f->dst);
	rte_be16_t p = rte_cpu_to_be_16(f->dport);

	memset(k, 0, DP_KEY_MAX);
	k[off[0]] = f->proto;
	memcpy(k + off[1], &s, 4);
	memcpy(k + off[2], &d, 4);
	memcpy(k + off[3], &p, 2);
}

static uint64_t rng = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* nrules rules over 10.0.0.0/8: some by /24 and port range, some by
 * protocol only; priorities distinct. 0 or the first failure (plain
 * returns: the bench calls it outside check's runner). */
static int
rules(unsigned int nrules)
{
	int rc = dp_table_clear(t_acl, NULL);

	for (unsigned int i = 0; i < nrules && rc == 0; i++) {
		uint16_t lo = (uint16_t)(rnd() % 60000);
		struct dp_update u = i % 4 == 3 ?
			rule(DP_UPD_INSERT, 10 + i, 17, 0, 0, 0, 65535, (uint16_t)(i + 1)) :
			rule(DP_UPD_INSERT, 10 + i, i % 2 ? 6 : 17, 0x0a000000u | (rnd() % 64) << 8, 0xffffff00u,
			     lo, (uint16_t)(lo + rnd() % 5000), (uint16_t)(i + 1));

		rc = write1(u);
	}
	return rc;
}

static void
flows(struct flow *f, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		f[i].proto = rnd() % 3 ? 17 : 6;
		f[i].src = 0xc0a80000u | (rnd() & 0xffff);
		f[i].dst = 0x0a000000u | (rnd() % 64) << 8 | (rnd() & 0xff);
		f[i].dport = (uint16_t)(rnd() % 65536);
	}
}

/* The entries' hits, by their output port (ports are 1..n, distinct). */
static void
entry_hits(uint64_t *by_port, unsigned int n)
{
	struct dp_entry_view ev[64];
	uint32_t at = 0, next;
	unsigned int got;

	memset(by_port, 0, n * sizeof(*by_port));
	do {
		got = dp_table_read(t_acl, at, 64, ev, &next);
		for (unsigned int i = 0; i < got; i++) {
			uint16_t p = *(const uint16_t *)ev[i].params;

			ck_assert_uint_lt(p, n);
			by_port[p] = ev[i].hits;
		}
		at = next;
	} while (next != UINT32_MAX);
}

/* npkts packets of nf flows (random picks, in bursts of 1..64): through m
 * as worker 0, each burst checked against the lookup (not counted). */
static void
run(struct dp_memo *m, const struct flow *f, unsigned int nf, unsigned int npkts, bool plain)
{
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX];
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *a[DP_LOOKUP_BURST], *b[DP_LOOKUP_BURST];

	for (unsigned int done = 0; done < npkts;) {
		unsigned int n = RTE_MIN(1 + rnd() % DP_LOOKUP_BURST, npkts - done);
		uint64_t ma, mb;

		for (unsigned int i = 0; i < n; i++) {
			key_of(keys[i], &f[rnd() % nf]);
			kp[i] = keys[i];
		}
		dp_tables_reader_online(0);
		ma = plain ? dp_table_lookup(dp_tables_root(), 0, t_acl, kp, n, a) :
		     dp_memo_lookup(m, dp_tables_root(), 0, kp, n, a);
		mb = dp_table_lookup(dp_tables_root(), DP_WORKER_NONE, t_acl, kp, n, b);
		dp_tables_reader_offline(0);
		ck_assert_uint_eq(ma, mb);
		for (unsigned int i = 0; i < n; i++)
			ck_assert_ptr_eq(a[i], b[i]);
		done += n;
	}
}

/* Same answers as the lookups, with a memo of 4096 slots (mostly hits)
 * and of 16 (every slot fought over by hundreds of keys). */
START_TEST(same_as_lookup)
{
	static struct flow f[3000];
	struct dp_memo *big = dp_memo_create(t_acl, 4096, 0, 1), *tiny = dp_memo_create(t_acl, 16, 0, 1);
	struct dp_memo_stats sb, st;

	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(tiny);
	ck_assert_int_eq(rules(100), 0);
	flows(f, RTE_DIM(f));
	run(big, f, 300, 50000, false);
	run(tiny, f, 3000, 50000, false);
	run(tiny, f, 40, 20000, false);
	dp_memo_stats(big, &sb);
	dp_memo_stats(tiny, &st);
	ck_assert_uint_eq(sb.probes, 50000);
	ck_assert_uint_gt(sb.hits, 45000);
	ck_assert_uint_eq(st.probes, 70000);
	ck_assert_uint_gt(st.hits, 0);
	ck_assert_uint_eq(sb.bypassed + st.bypassed, 0);
	dp_memo_free(big);
	dp_memo_free(tiny);
}
END_TEST

/* The same packets counted the same, through the memo or not: each
 * entry's hits, the table's hits and misses. */
START_TEST(counts_as_lookups)
{
	static struct flow f[500];
	uint64_t h0[64], h1[64], h2[64];
	struct dp_table_counts c0, c1, c2;
	struct dp_memo *m = dp_memo_create(t_acl, 1024, 0, 1);
	uint64_t seed;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(rules(40), 0);
	flows(f, RTE_DIM(f));
	entry_hits(h0, 64);
	c0 = dp_table_counts(t_acl);
	seed = rng;
	run(NULL, f, RTE_DIM(f), 30000, true);
	entry_hits(h1, 64);
	c1 = dp_table_counts(t_acl);
	rng = seed;   /* the same packets again, through the memo */
	run(m, f, RTE_DIM(f), 30000, false);
	entry_hits(h2, 64);
	c2 = dp_table_counts(t_acl);
	ck_assert_uint_eq(c1.hits + c1.misses - c0.hits - c0.misses, 30000);
	ck_assert_uint_gt(c1.misses - c0.misses, 0);   /* defaults memoised too */
	ck_assert_uint_eq(c2.hits - c1.hits, c1.hits - c0.hits);
	ck_assert_uint_eq(c2.misses - c1.misses, c1.misses - c0.misses);
	for (unsigned int p = 0; p < 64; p++)
		ck_assert_uint_eq(h2[p] - h1[p], h1[p] - h0[p]);
	{
		struct dp_memo_stats s;

		dp_memo_stats(m, &s);
		ck_assert_uint_gt(s.hits, 20000);
	}
	dp_memo_free(m);
}
END_TEST

static int
one(struct dp_memo *m, const struct flow *f, bool *hit)
{
	uint8_t key[DP_KEY_MAX];
	const uint8_t *kp[1] = { key };
	const struct dp_entry *e[1];
	uint64_t h;

	key_of(key, f);
	dp_tables_reader_online(0);
	h = dp_memo_lookup(m, dp_tables_root(), 0, kp, 1, e);
	dp_tables_reader_offline(0);
	if (hit)
		*hit = h & 1;
	return e[0]->action == A_OUT ? *(const uint16_t *)e[0]->params : -1;
}

/* A write is what the next lookup sees: modified, shadowed by a rule of
 * higher priority, deleted, the default changed, the table cleared. */
START_TEST(write_takes_effect)
{
	struct flow f = { .proto = 17, .src = 0xc0a80101u, .dst = 0x0a000105u, .dport = 5060 };
	struct dp_memo *m = dp_memo_create(t_acl, 64, 0, 1);
	struct dp_memo_stats s0, s1;
	struct dp_update d;
	bool hit;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(dp_table_clear(t_acl, NULL), 0);
	ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 10, 17, 0x0a000100u, 0xffffff00u, 5060, 5061, 1)), 0);
	ck_assert_int_eq(one(m, &f, &hit), 1);
	ck_assert(hit);
	dp_memo_stats(m, &s0);
	ck_assert_int_eq(one(m, &f, NULL), 1);
	dp_memo_stats(m, &s1);
	ck_assert_uint_eq(s1.hits, s0.hits + 1);   /* from the memo */
	ck_assert_int_eq(write1(rule(DP_UPD_MODIFY, 10, 17, 0x0a000100u, 0xffffff00u, 5060, 5061, 2)), 0);
	ck_assert_int_eq(one(m, &f, NULL), 2);
	ck_assert_int_eq(one(m, &f, NULL), 2);
	ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 20, 17, 0x0a000000u, 0xffff0000u, 0, 65535, 3)), 0);
	ck_assert_int_eq(one(m, &f, NULL), 3);
	ck_assert_int_eq(one(m, &f, NULL), 3);
	d = rule(DP_UPD_DELETE, 20, 17, 0x0a000000u, 0xffff0000u, 0, 65535, 0);
	ck_assert_int_eq(write1(d), 0);
	ck_assert_int_eq(one(m, &f, NULL), 2);
	d = rule(DP_UPD_DELETE, 10, 17, 0x0a000100u, 0xffffff00u, 5060, 5061, 0);
	ck_assert_int_eq(write1(d), 0);
	/* the memo remembers a miss (the default) too; another rule so the
	 * table is not empty */
	ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 5, 6, 0, 0, 0, 65535, 9)), 0);
	ck_assert_int_eq(one(m, &f, &hit), -1);
	ck_assert(!hit);
	ck_assert_int_eq(one(m, &f, &hit), -1);
	ck_assert(!hit);
	/* a dataplane-atomic batch (a new root) */
	d = rule(DP_UPD_INSERT, 30, 17, 0x0a000100u, 0xffffff00u, 0, 65535, 4);
	{
		int r;

		ck_assert_int_eq(dp_table_write(&d, 1, DP_ATOM_DATAPLANE, &r), 0);
	}
	ck_assert_int_eq(one(m, &f, NULL), 4);
	ck_assert_int_eq(one(m, &f, NULL), 4);
	ck_assert_int_eq(dp_table_clear(t_acl, NULL), 0);
	ck_assert_int_eq(one(m, &f, &hit), -1);
	ck_assert(!hit);
	dp_memo_free(m);
}
END_TEST

/* Many flows in a small memo: it turns itself off (the answers the same);
 * a few flows again: it comes back on. */
START_TEST(adaptive_bypass)
{
	static struct flow f[20000];
	struct dp_memo *m = dp_memo_create(t_acl, 64, 40, 1);
	struct dp_memo_stats s0, s1, s2;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(rules(30), 0);
	flows(f, RTE_DIM(f));
	run(m, f, RTE_DIM(f), 200000, false);
	dp_memo_stats(m, &s0);
	ck_assert_uint_gt(s0.bypassed, 150000);
	ck_assert_uint_lt(s0.hits, s0.probes / 10);
	run(m, f, 8, 400000, false);
	dp_memo_stats(m, &s1);
	ck_assert_uint_gt(s1.hits - s0.hits, 100000);   /* within the longest backoff */
	/* the next 100000 on, but for a window the clock may have judged
	 * dear (this machine busy): a backoff or two at the shortest */
	run(m, f, 8, 100000, false);
	dp_memo_stats(m, &s2);
	ck_assert_uint_gt(s2.hits - s1.hits, 100000 * 9 / 10);
	ck_assert_uint_lt(s2.bypassed - s1.bypassed, 100000 / 10);
	dp_memo_free(m);
	/* bad arguments */
	ck_assert_ptr_null(dp_memo_create(t_acl, 100, 0, 1));
	ck_assert_ptr_null(dp_memo_create(t_acl, 8, 0, 1));
	ck_assert_ptr_null(dp_memo_create(t_acl, 64, 101, 1));
	ck_assert_ptr_null(dp_memo_create(t_acl, 64, 0, 0));
	ck_assert_ptr_null(dp_memo_create(9999, 64, 0, 1));
}
END_TEST

/* A memo that hits often enough but costs more than the lookup: 100
 * rules of random port ranges cut the ports into ~200 pieces, so half of
 * 2,048 flows' keys hit (above the floor of 40 %), each made with two
 * searches of 200 boundaries, the misses looked up in half bursts. It
 * judges itself by the clock: off most of the time (it tries again at
 * each backoff's end), the answers the lookup's all the same. */
START_TEST(dear_memo_goes_off)
{
	static struct flow f[2048];
	struct dp_memo *m = dp_memo_create(t_acl, 2048, 40, 1);
	struct dp_memo_stats s;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(rules(100), 0);
	flows(f, RTE_DIM(f));
	run(m, f, RTE_DIM(f), 400000, false);
	dp_memo_stats(m, &s);
	ck_assert_uint_gt(s.hits, 0);
	ck_assert_uint_gt(s.hits * 100, s.probes * 40);    /* the hit rate alone would keep it on */
	ck_assert_uint_gt(s.bypassed, s.probes + s.sampled);
	dp_memo_free(m);
}
END_TEST

/* dp_tcare_rank against counting: sorted unique bounds of every length
 * up to DP_TCARE_BOUNDS, values on, beside and between them. */
START_TEST(rank_counts_bounds)
{
	static uint32_t b[DP_TCARE_BOUNDS];

	for (unsigned int n = 0; n <= DP_TCARE_BOUNDS; n++) {
		uint32_t x = rnd() % 8;

		for (unsigned int i = 0; i < n; i++)
			b[i] = x += 1 + rnd() % 1000;
		for (unsigned int t = 0; t < 64 + 3 * n; t++) {
			uint32_t v = t < 3 * n ? b[t / 3] + t % 3 - 1 : rnd() % (x + 2000);
			unsigned int c = 0;

			for (unsigned int i = 0; i < n; i++)
				c += b[i] <= v;
			ck_assert_uint_eq(dp_tcare_rank(b, n, v), c);
		}
	}
}
END_TEST

/* Rules that look at the protocol and the destination's /24 only (every
 * port): thousands of flows with random sources and ports fall into a few
 * slots, each answer the lookup's. A rule on a port range makes the ports
 * count by the range they fall in (below, inside, past it): still few
 * slots, still the lookup's answers. Ranges whose boundaries do not fit
 * (DP_TCARE_BOUNDS) make every port count again: still the lookup's
 * answers, few hits. */
START_TEST(care_mask_shares_slots)
{
	static struct flow f[20000];
	struct dp_memo *m = dp_memo_create(t_acl, 1024, 0, 1);   /* never off: its slots are the subject */
	struct dp_memo_stats s0, s1, s2;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(dp_table_clear(t_acl, NULL), 0);
	for (unsigned int i = 0; i < 32; i++)
		ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 10 + i, i % 2 ? 6 : 17, 0x0a000000u | i << 8, 0xffffff00u,
					     0, 65535, (uint16_t)(i + 1))), 0);
	flows(f, RTE_DIM(f));
	run(m, f, RTE_DIM(f), 200000, false);
	dp_memo_stats(m, &s0);
	ck_assert_uint_eq(s0.bypassed, 0);
	ck_assert_uint_gt(s0.hits, s0.probes * 9 / 10);
	ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 100, 17, 0, 0, 1000, 1999, 40)), 0);
	run(m, f, RTE_DIM(f), 200000, false);
	dp_memo_stats(m, &s1);
	ck_assert_uint_eq(s1.bypassed, 0);
	ck_assert_uint_gt(s1.hits - s0.hits, (s1.probes - s0.probes) * 8 / 10);
	for (unsigned int i = 0; i < DP_TCARE_BOUNDS / 2 + 8; i++)
		ck_assert_int_eq(write1(rule(DP_UPD_INSERT, 200 + i, 6, 0, 0, (uint16_t)(100 + i * 200),
					     (uint16_t)(100 + i * 200 + 99), (uint16_t)(50 + i))), 0);
	run(m, f, RTE_DIM(f), 100000, false);
	dp_memo_stats(m, &s2);
	ck_assert_uint_lt(s2.hits - s1.hits, (s2.probes + s2.bypassed - s1.probes - s1.bypassed) / 2);
	dp_memo_free(m);
}
END_TEST

/* The torture: a worker thread looks up through the memo while the
 * control side swaps, in one batch each, between two rule sets that look
 * at different bits and ranges (A: protocol, destination /24 and ports
 * up to one of 64 bounds; B: 64 destination port ranges of their own;
 * both modes of write). Every answer must be one the old or the new set
 * gives that flow: never one of a key made the other set's way, nor a
 * slot filled across the swap. */
#define TORTURE_FLOWS 4096
static struct flow tf[TORTURE_FLOWS];
static int ans[2][TORTURE_FLOWS];
static volatile bool torture_stop;
static unsigned long torture_bursts, torture_bad;

static struct dp_update
set_rule(unsigned int set, unsigned int i, enum dp_update_type type)
{
	return set == 0 ? rule(type, 10 + i, i % 2 ? 6 : 17, 0x0a000000u | i << 8, 0xffffff00u, 0,
			       (uint16_t)(30000 + i * 500), (uint16_t)(i + 1)) :
			  rule(type, 10 + i, 0, 0, 0, (uint16_t)(i * 1000), (uint16_t)(i * 1000 + 999),
			       (uint16_t)(100 + i));
}

static int
port_of(const struct dp_entry *e)
{
	return e->action == A_OUT ? *(const uint16_t *)e->params : -1;
}

static void *
torture_reader(void *arg)
{
	struct dp_memo *m = arg;
	uint8_t keys[DP_LOOKUP_BURST][DP_KEY_MAX];
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	unsigned int which[DP_LOOKUP_BURST];
	uint64_t r = 0x9e3779b97f4a7c15ull;

	while (!torture_stop) {
		for (unsigned int i = 0; i < DP_LOOKUP_BURST; i++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			which[i] = (unsigned int)(r >> 20) % TORTURE_FLOWS;
			key_of(keys[i], &tf[which[i]]);
			kp[i] = keys[i];
		}
		dp_tables_reader_online(0);
		dp_memo_lookup(m, dp_tables_root(), 0, kp, DP_LOOKUP_BURST, e);
		for (unsigned int i = 0; i < DP_LOOKUP_BURST; i++) {
			int p = port_of(e[i]);

			if (p != ans[0][which[i]] && p != ans[1][which[i]])
				torture_bad++;
		}
		dp_tables_reader_offline(0);
		torture_bursts++;
	}
	return NULL;
}

static int
swap_sets(unsigned int to, enum dp_atomicity mode)
{
	static struct dp_update u[128];
	static int r[128];

	for (unsigned int i = 0; i < 64; i++) {
		u[i] = set_rule(!to, i, DP_UPD_DELETE);
		u[64 + i] = set_rule(to, i, DP_UPD_INSERT);
	}
	return dp_table_write(u, 128, mode, r);
}

START_TEST(care_mask_torture)
{
	struct dp_memo *m = dp_memo_create(t_acl, 256, 0, 1);
	const struct dp_entry *e[1];
	uint8_t key[DP_KEY_MAX];
	const uint8_t *kp[1] = { key };
	pthread_t th;

	ck_assert_ptr_nonnull(m);
	flows(tf, TORTURE_FLOWS);
	ck_assert_int_eq(dp_table_clear(t_acl, NULL), 0);
	for (unsigned int i = 0; i < 64; i++)
		ck_assert_int_eq(write1(set_rule(1, i, DP_UPD_INSERT)), 0);
	for (unsigned int set = 1; set <= 2; set++) {
		if (set == 2)
			ck_assert_int_eq(swap_sets(0, DP_ATOM_ROLLBACK), 0);
		for (unsigned int f = 0; f < TORTURE_FLOWS; f++) {
			key_of(key, &tf[f]);
			dp_table_lookup(dp_tables_root(), DP_WORKER_NONE, t_acl, kp, 1, e);
			ans[set % 2][f] = port_of(e[0]);
		}
	}
	/* the sets disagree on most flows: a crossed answer would show */
	{
		unsigned int differ = 0;

		for (unsigned int f = 0; f < TORTURE_FLOWS; f++)
			differ += ans[0][f] != ans[1][f];
		ck_assert_uint_gt(differ, TORTURE_FLOWS / 2);
	}
	torture_stop = false;
	ck_assert_int_eq(pthread_create(&th, NULL, torture_reader, m), 0);
	for (unsigned int k = 0; k < 400; k++)
		ck_assert_int_eq(swap_sets(k % 2 ? 0 : 1, k % 4 < 2 ? DP_ATOM_ROLLBACK : DP_ATOM_DATAPLANE), 0);
	torture_stop = true;
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_uint_gt(torture_bursts, 400);
	ck_assert_uint_eq(torture_bad, 0);
	dp_memo_free(m);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("memo");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, same_as_lookup);
	tcase_add_test(tc, counts_as_lookups);
	tcase_add_test(tc, write_takes_effect);
	tcase_add_test(tc, adaptive_bypass);
	tcase_add_test(tc, dear_memo_goes_off);
	tcase_add_test(tc, rank_counts_bounds);
	tcase_add_test(tc, care_mask_shares_slots);
	tcase_add_test(tc, care_mask_torture);
	suite_add_tcase(s, tc);
	return s;
}

/* Cycles per key of bursts of 64, memo (adaptive as the features make it)
 * against lookup, per rule count and flow count. */
static void
bench(void)
{
	static const unsigned int nrules[] = { 1, 4, 100, 1000 }, nflows[] = { 16, 256, 2048, 65536 };
	static struct flow f[65536];
	static uint8_t keys[65536][DP_KEY_MAX];
	const uint8_t *kp[DP_LOOKUP_BURST];
	const struct dp_entry *e[DP_LOOKUP_BURST];
	const unsigned int bursts = 20000;

	flows(f, RTE_DIM(f));
	printf("rules flows lookup memo (cycles/key, bursts of 64)  memo hits, bypassed, sampled\n");
	for (unsigned int r = 0; r < RTE_DIM(nrules); r++) {
		if (rules(nrules[r]) != 0) {
			fprintf(stderr, "%u rules: not installed\n", nrules[r]);
			return;
		}
		for (unsigned int fl = 0; fl < RTE_DIM(nflows); fl++) {
			struct dp_memo *m = dp_memo_create(t_acl, 2048, 40, 1);
			struct dp_memo_stats st;
			uint64_t c[2];

			for (unsigned int i = 0; i < nflows[fl]; i++)
				key_of(keys[i], &f[i]);
			dp_tables_reader_online(0);
			for (int mode = 0; mode < 2; mode++) {
				uint64_t t0 = 0;

				for (unsigned int b = 0, at = 0; b < bursts + 1000; b++) {
					if (b == 1000)
						t0 = rte_rdtsc();
					for (unsigned int i = 0; i < DP_LOOKUP_BURST; i++)
						kp[i] = keys[(at + i * 7919u) % nflows[fl]];
					at += DP_LOOKUP_BURST;
					if (mode == 0)
						dp_table_lookup(dp_tables_root(), 0, t_acl, kp, DP_LOOKUP_BURST, e);
					else
						dp_memo_lookup(m, dp_tables_root(), 0, kp, DP_LOOKUP_BURST, e);
				}
				c[mode] = (rte_rdtsc() - t0) / ((uint64_t)bursts * DP_LOOKUP_BURST);
			}
			dp_tables_reader_offline(0);
			dp_memo_stats(m, &st);
			uint64_t all = st.probes + st.bypassed + st.sampled;

			printf("%5u %5u %6lu %4lu   %3u%% %3u%% %3u%%\n", nrules[r], nflows[fl], (unsigned long)c[0],
			       (unsigned long)c[1], (unsigned int)(st.hits * 100 / all),
			       (unsigned int)(st.bypassed * 100 / all), (unsigned int)(st.sampled * 100 / all));
			dp_memo_free(m);
		}
	}
}

int
main(int argc, char **argv)
{
	char *eal[] = { "test_memo", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--no-shconf", "--log-level=3", NULL };
	SRunner *sr;
	int failed;

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		printf("SKIP: DPDK EAL init (--no-huge) failed here: %s\n", rte_strerror(rte_errno));
		return 77;
	}
	if (dp_tables_init(1, 0) < 0 || (t_acl = dp_table_create(&acl_def)) < 0) {
		fprintf(stderr, "table set-up failed\n");
		return 1;
	}
	for (unsigned int i = 0; i < 4; i++)
		off[i] = dp_table_field_off(t_acl, i);
	if (argc > 1 && strcmp(argv[1], "bench") == 0) {
		bench();
		dp_tables_fini();
		rte_eal_cleanup();
		return 0;
	}
	sr = srunner_create(suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dp_tables_fini();
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
