/* Loss repair's pure parts (pipelines/overlay/datapath/ov_repair.h): the
 * sequence window's verdicts against a model that remembers every number,
 * over two lossy paths that reorder, with forged numbers among them; and
 * adaptive FEC's block size by loss. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ov_repair.h"

#define W 1024u
#define N 200000u

/* A receiver's window over one stream, single-threaded. */
struct rx {
	uint32_t v[W];
	uint64_t lost;
};

static int
take(struct rx *r, uint32_t seq)
{
	uint32_t *o = &r->v[seq & (W - 1)], lost;
	int j = ov_repair_judge(*o, seq + 1, W, &lost);

	if (j == OV_REPAIR_TAKE) {
		*o = seq + 1;
		r->lost += lost;
	}
	return j;
}

/* Two paths, each losing some of its copies and delaying each by up to 300
 * frames: every number that came at all is taken once, none twice; what
 * no copy brought is counted lost once the window has passed it. */
START_TEST(window_two_paths)
{
	static struct rx r;
	static uint8_t taken[N], came[N];
	struct ev { uint32_t at, seq; } *evs = malloc(sizeof(*evs) * 2 * N);
	unsigned int ne = 0;
	uint64_t never = 0;

	memset(&r, 0, sizeof(r));
	srand(11);
	for (uint32_t s = 0; s < N; s++)
		for (int path = 0; path < 2; path++) {
			/* path 0 loses 5 %, path 1 20 % */
			if (rand() % 100 < (path == 0 ? 5 : 20))
				continue;
			evs[ne++] = (struct ev){ s + (uint32_t)(rand() % 300), s };
			came[s] = 1;
		}
	/* arrival order: by time, ties as they fell */
	for (unsigned int i = 1; i < ne; i++) {
		struct ev e = evs[i];
		unsigned int j = i;

		while (j > 0 && evs[j - 1].at > e.at) {
			evs[j] = evs[j - 1];
			j--;
		}
		evs[j] = e;
	}
	for (unsigned int i = 0; i < ne; i++) {
		int j = take(&r, evs[i].seq);

		if (j == OV_REPAIR_TAKE) {
			ck_assert_msg(!taken[evs[i].seq], "seq %u taken twice", evs[i].seq);
			taken[evs[i].seq] = 1;
		} else {
			ck_assert_int_eq(j, OV_REPAIR_DUP);   /* never late: the delays are within the window */
		}
	}
	for (uint32_t s = 0; s < N; s++)
		ck_assert_int_eq(taken[s], came[s]);
	/* counted lost: what no copy brought between two of its slot's numbers that came */
	for (uint32_t slot = 0; slot < W; slot++) {
		uint32_t first = UINT32_MAX, last = 0;

		for (uint32_t s = slot; s < N; s += W)
			if (came[s]) {
				first = first == UINT32_MAX ? s : first;
				last = s;
			}
		for (uint32_t s = first; first != UINT32_MAX && s < last; s += W)
			never += !came[s];
	}
	ck_assert_uint_eq(r.lost, never);
	free(evs);
}
END_TEST

/* Forged numbers (a far jump, the same number again, one behind the
 * window): nothing is ever taken twice, and what is older than the
 * window is late. */
START_TEST(window_forged)
{
	static struct rx r;
	static uint8_t taken[1u << 20];

	memset(&r, 0, sizeof(r));
	memset(taken, 0, sizeof(taken));
	srand(5);
	for (uint32_t s = 0; s < 5000; s++)
		ck_assert_int_eq(take(&r, s), OV_REPAIR_TAKE);
	ck_assert_int_eq(take(&r, 4999), OV_REPAIR_DUP);
	ck_assert_int_eq(take(&r, 5000 - W - 1), OV_REPAIR_LATE);
	/* a jump far ahead takes its own slot only */
	ck_assert_int_eq(take(&r, 900000), OV_REPAIR_TAKE);
	ck_assert_int_eq(take(&r, 5000), OV_REPAIR_TAKE);
	/* random numbers: a number once taken is never taken again */
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 500000; i++) {
		uint32_t s = (uint32_t)rand() & ((1u << 20) - 1);

		if (take(&r, s) == OV_REPAIR_TAKE) {
			ck_assert_msg(!taken[s], "seq %u taken twice", s);
			taken[s] = 1;
		}
	}
	/* around the wrap of the numbers (the sender skips UINT32_MAX) */
	memset(&r, 0, sizeof(r));
	for (uint32_t s = UINT32_MAX - 3000; s != UINT32_MAX; s++)
		ck_assert_int_eq(take(&r, s), OV_REPAIR_TAKE);
	for (uint32_t s = 0; s < 3000; s++)
		ck_assert_int_eq(take(&r, s), OV_REPAIR_TAKE);
	ck_assert_int_eq(take(&r, 2999), OV_REPAIR_DUP);
	ck_assert_int_eq(take(&r, UINT32_MAX - 2000), OV_REPAIR_LATE);
}
END_TEST

START_TEST(fec_ladder)
{
	uint8_t k = 0;

	ck_assert_uint_eq(ov_repair_fec_k(0, 4), 0);                   /* off */
	ck_assert_uint_eq(ov_repair_fec_k(6, 0), 6);                   /* fixed: always */
	ck_assert_uint_eq(ov_repair_fec_k(OV_REPAIR_FEC_ADAPTIVE, 3), 3);
	ck_assert_uint_eq(ov_repair_fec_adapt(0, 0), 0);
	ck_assert_uint_eq(ov_repair_fec_adapt(0, OV_REPAIR_FEC_ON_PM - 1), 0);
	ck_assert_uint_eq(ov_repair_fec_adapt(0, 10), 4);
	ck_assert_uint_eq(ov_repair_fec_adapt(0, 50), 3);
	ck_assert_uint_eq(ov_repair_fec_adapt(0, 200), 2);
	ck_assert_uint_eq(ov_repair_fec_adapt(4, UINT16_MAX), 0);      /* unmeasured (BFD) */
	/* on at ON, staying on down to OFF: no flapping at the threshold */
	ck_assert_uint_eq(ov_repair_fec_adapt(0, OV_REPAIR_FEC_ON_PM), 4);
	ck_assert_uint_eq(ov_repair_fec_adapt(4, OV_REPAIR_FEC_OFF_PM), 4);
	ck_assert_uint_eq(ov_repair_fec_adapt(4, OV_REPAIR_FEC_OFF_PM - 1), 0);
	/* stronger as the loss grows, never weaker, from off or on */
	for (uint16_t pm = 1; pm < 1000; pm++) {
		uint8_t a = ov_repair_fec_adapt(k, pm - 1), b = ov_repair_fec_adapt(a, pm);

		ck_assert(a == 0 || (b != 0 && b <= a));
		k = b;
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ov_repair");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, window_two_paths);
	tcase_add_test(tc, window_forged);
	tcase_add_test(tc, fec_ladder);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
