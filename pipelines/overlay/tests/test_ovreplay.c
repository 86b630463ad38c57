/* The anti-replay window (pipelines/overlay/datapath/ov_replay.h) against a
 * model that remembers every number: what it takes and refuses at every
 * bit of a 64-bit block (DPDK's own window loses 32..63), at the window's
 * edges, across 2^32 with ESN, and over long random runs. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ov_replay.h"

/* the model: a number is fresh when not 0, not seen, and within win of the top */
#define MODEL_MAX 200000
static unsigned char seen[MODEL_MAX];
static uint64_t mtop;

static bool
model_take(uint64_t q, uint32_t win)
{
	if (q == 0 || seen[q] || q + win < mtop)
		return false;
	seen[q] = 1;
	if (q > mtop)
		mtop = q;
	return true;
}

START_TEST(every_bit_of_a_block)
{
	struct ov_replay r;

	ck_assert_int_eq(ov_replay_init(&r, 1088, false), 0);
	for (uint32_t n = 1; n <= 300; n++)
		ck_assert(ov_replay_take(&r, n));
	for (uint32_t n = 1; n <= 300; n++) {
		ck_assert_msg(!ov_replay_fresh(&r, n), "%u seen", n);
		ck_assert(!ov_replay_take(&r, n));
	}
	ck_assert(!ov_replay_fresh(&r, 0));
}
END_TEST

START_TEST(window_edges)
{
	struct ov_replay r;

	ck_assert_int_eq(ov_replay_init(&r, 1088, false), 0);
	ck_assert(ov_replay_take(&r, 5000));
	ck_assert(ov_replay_fresh(&r, 5000 - 1088));	/* the last it holds */
	ck_assert(!ov_replay_fresh(&r, 5000 - 1089));	/* left of it */
	ck_assert(ov_replay_take(&r, 3977));
	ck_assert(!ov_replay_take(&r, 3977));
	ck_assert(ov_replay_take(&r, 6100));		/* ahead: the window slides */
	ck_assert(!ov_replay_fresh(&r, 5000));
	ck_assert(!ov_replay_fresh(&r, 3977));		/* now left of it */
	ck_assert(ov_replay_fresh(&r, 6099));
}
END_TEST

START_TEST(esn_across_2_32)
{
	struct ov_replay r;
	uint64_t base = (UINT64_C(1) << 32) - 3;

	ck_assert_int_eq(ov_replay_init(&r, 1088, true), 0);
	for (uint64_t q = base; q < base + 6; q++) {
		ck_assert_uint_eq(ov_replay_sqn(&r, (uint32_t)q), q == base ? (uint32_t)q : q);
		ck_assert(ov_replay_take(&r, (uint32_t)q));
	}
	ck_assert_uint_eq(r.top, base + 5);
	/* a late number of the old subspace still reads as the old one */
	ck_assert_uint_eq(ov_replay_sqn(&r, 0xffffffffu), UINT64_C(0xffffffff));
	ck_assert(!ov_replay_fresh(&r, 0xffffffffu));	/* seen */
	ck_assert_uint_eq(ov_replay_sqn(&r, 0xffffff00u), UINT64_C(0xffffff00));
	ck_assert(ov_replay_fresh(&r, 0xffffff00u));	/* in the window, unseen */
	/* far behind: the next subspace (RFC 4303 A2.2: the ICV tells) */
	ck_assert_uint_eq(ov_replay_sqn(&r, 0x80000000u), (UINT64_C(1) << 32) + 0x80000000u);
}
END_TEST

START_TEST(random_runs_agree_with_the_model)
{
	static const uint32_t wins[] = { 64, 128, 1024, 1088, 4160 };

	srand(4303);
	for (size_t w = 0; w < sizeof(wins) / sizeof(wins[0]); w++) {
		struct ov_replay r;
		uint64_t top = 1;

		ck_assert_int_eq(ov_replay_init(&r, wins[w], false), 0);
		memset(seen, 0, sizeof(seen));
		mtop = 0;
		for (int i = 0; i < 200000; i++) {
			/* mostly ahead, often around the edge, sometimes a replay */
			int64_t q = (int64_t)top + (rand() % (3 * (int)wins[w])) - 2 * (int)wins[w];

			if (q < 1 || q >= MODEL_MAX - 1)
				q = 1 + rand() % 100;
			if ((uint64_t)q > top)
				top = (uint64_t)q;
			ck_assert_msg(ov_replay_take(&r, (uint32_t)q) == model_take((uint64_t)q, wins[w]),
				      "window %u, step %d, number %lld", wins[w], i, (long long)q);
			if (top > MODEL_MAX - 4 * wins[w])
				break;
		}
	}
}
END_TEST

START_TEST(bounds)
{
	struct ov_replay r;

	ck_assert_int_eq(ov_replay_init(&r, 0, false), -EINVAL);
	ck_assert_int_eq(ov_replay_init(&r, 64 * (OV_REPLAY_BUCKETS - 1), false), -EINVAL);
	ck_assert_int_eq(ov_replay_init(&r, 64 * (OV_REPLAY_BUCKETS - 2), false), 0);
	ck_assert_int_eq(ov_replay_init(&r, 1, true), 0);
	ck_assert_uint_eq(r.win, 64);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ovreplay");
	TCase *tc = tcase_create("window");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, every_bit_of_a_block);
	tcase_add_test(tc, window_edges);
	tcase_add_test(tc, esn_across_2_32);
	tcase_add_test(tc, random_runs_agree_with_the_model);
	tcase_add_test(tc, bounds);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
