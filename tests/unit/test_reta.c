/* Unit tests of dp_reta.h: the balancer's plan moves nothing without a
 * loaded worker and a gap, then buckets of the busiest to the least busy,
 * largest first, within its budget; and driven step by step against a
 * model of one gNB (a reader paying RX and the handoff for every packet,
 * per-bucket traffic uneven) it converges to even loads and stops
 * moving. */
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include <rte_common.h>

#include "dp_reta.h"

START_TEST(plan_needs_load_and_gap)
{
	uint8_t reta[DP_RETA_SIZE], move[DP_RETA_SIZE];
	uint64_t pkts[DP_RETA_SIZE];
	unsigned int to = 99;
	double idle[2] = { 0.2, 0.0 }, close[2] = { 0.95, 0.93 }, one[1] = { 1.0 };

	for (unsigned int b = 0; b < DP_RETA_SIZE; b++) {
		reta[b] = (uint8_t)(b % 2);
		pkts[b] = 100;
	}
	ck_assert_uint_eq(dp_reta_plan(reta, pkts, one, 1, move, &to), 0);
	ck_assert_uint_eq(dp_reta_plan(reta, pkts, idle, 2, move, &to), 0);
	ck_assert_uint_eq(dp_reta_plan(reta, pkts, close, 2, move, &to), 0);
	ck_assert_uint_eq(to, 99);
}
END_TEST

START_TEST(plan_moves_largest_within_budget)
{
	uint8_t reta[DP_RETA_SIZE], move[DP_RETA_SIZE];
	uint64_t pkts[DP_RETA_SIZE];
	unsigned int to = 99, n;
	double load[3] = { 0.5, 1.0, 0.7 };
	uint64_t moved = 0;

	for (unsigned int b = 0; b < DP_RETA_SIZE; b++) {
		reta[b] = (uint8_t)(b % 3);
		pkts[b] = b;   /* uneven */
	}
	n = dp_reta_plan(reta, pkts, load, 3, move, &to);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(to, 0);
	/* worker 1 carries sum of b = 1 mod 3; budget: carried * 0.5 / 4 */
	uint64_t carried = 0;

	for (unsigned int b = 1; b < DP_RETA_SIZE; b += 3)
		carried += b;
	for (unsigned int k = 0; k < n; k++) {
		ck_assert_uint_eq(reta[move[k]], 1);
		moved += pkts[move[k]];
		if (k)
			ck_assert_uint_lt(pkts[move[k]], pkts[move[k - 1]]);
	}
	ck_assert_uint_le(moved, carried / 8);
	ck_assert_uint_eq(move[0], 253);   /* the largest of worker 1's */
	/* a bucket over the whole budget never moves */
	memset(pkts, 0, sizeof(pkts));
	pkts[1] = 1000;
	ck_assert_uint_eq(dp_reta_plan(reta, pkts, load, 3, move, &to), 0);
}
END_TEST

/* One gNB on two workers: worker 0 reads every packet (RX, parse,
 * handoff: `rd` cycles each) and both pay `pp` a packet they carry;
 * buckets' traffic uneven (a few heavy sessions). Offered load above
 * what either could carry alone at an even split, so loads are the
 * cycles each would need, capped at 1. */
START_TEST(converges_and_stops)
{
	const uint64_t hz = 1000000000, win = hz / 10, rd = 250, pp = 650;
	const double offered = 2.2e6;   /* packets a second */
	uint64_t busy[2] = { 0, 0 }, ran[2] = { 0, 0 }, now = 1, w[DP_RETA_SIZE], wsum = 0;
	uint32_t cnt0[DP_RETA_SIZE] = { 0 }, cnt1[DP_RETA_SIZE] = { 0 };
	const uint32_t *cnt[2] = { cnt0, cnt1 };
	unsigned int moves_late = 0;
	double l0 = 0, l1 = 0;

	const bool noisy = _i;

	srand(7);
	dp_reta_init(2);
	for (unsigned int b = 0; b < DP_RETA_SIZE; b++) {
		w[b] = 1 + (b * 7919) % 13 + (b % 32 == 0 ? 40 : 0);
		wsum += w[b];
	}
	for (unsigned int step = 0; step < 100; step++) {
		double carried[2] = { 0, 0 }, need0, need1, scale;
		unsigned int moved;

		for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
			carried[dp_reta[b]] += offered * (double)w[b] / (double)wsum * 0.1;
		need0 = ((carried[0] + carried[1]) * rd + carried[0] * pp) / (double)win;
		need1 = carried[1] * pp / (double)win;
		/* what the box carries: the busier of the two caps it */
		scale = need0 > 1 || need1 > 1 ? 1.0 / (need0 > need1 ? need0 : need1) : 1.0;
		l0 = need0 * scale;
		l1 = need1 * scale;
		/* measurement noise: +-2 % of a CPU, each worker its own */
		if (noisy) {
			l0 = RTE_MIN(RTE_MAX(l0 + ((double)(rand() % 41) - 20) / 1000, 0.0), 1.0);
			l1 = RTE_MIN(RTE_MAX(l1 + ((double)(rand() % 41) - 20) / 1000, 0.0), 1.0);
		}
		busy[0] += (uint64_t)(l0 * (double)win);
		busy[1] += (uint64_t)(l1 * (double)win);
		/* worker 1 shares its CPU: it runs 70 % of the window, busy
		 * and idle alike (its load is busy over that) */
		busy[1] -= (uint64_t)(l1 * (double)win * 0.3);
		ran[0] += win;
		ran[1] += win * 7 / 10;
		for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
			cnt0[b] += (uint32_t)(offered * scale * (double)w[b] / (double)wsum * 0.1);
		now += win;
		moved = dp_reta_balance(now, hz, busy, ran, cnt, 2);
		if (step >= 60)
			moves_late += moved;
	}
	ck_assert_msg(l0 - l1 < DP_RETA_GAP_MIN + 0.05 && l1 - l0 < DP_RETA_GAP_MIN + 0.05,
		      "loads %.3f %.3f", l0, l1);
	ck_assert_uint_lt(dp_reta_share(0), dp_reta_share(1));
	ck_assert_uint_eq(dp_reta_share(0) + dp_reta_share(1), DP_RETA_SIZE);
	/* settled: still at most a few buckets a second under noise */
	ck_assert_msg(moves_late <= (noisy ? 8u : 0u), "%u buckets moved in the last 4 s", moves_late);
	/* a window not yet passed moves nothing */
	ck_assert_uint_eq(dp_reta_balance(now + 1, hz, busy, ran, cnt, 2), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("reta");
	TCase *tc = tcase_create("reta");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, plan_needs_load_and_gap);
	tcase_add_test(tc, plan_moves_largest_within_budget);
	tcase_add_loop_test(tc, converges_and_stops, 0, 2);   /* exact loads, then noisy */
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
