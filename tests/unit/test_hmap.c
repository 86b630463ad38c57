/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_hmap against a model: random adds, finds, deletes and iterations (deleting as it goes), through doublings; no operation moves more than its share. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cd_hmap.h"

struct rec {
	struct cd_hnode h;
	uint64_t k;
	bool in;
};

static bool
eq(const struct cd_hnode *n, const void *key)
{
	return ((const struct rec *)n)->k == *(const uint64_t *)key;
}

/* The hash of key @k: a good one, or (@bad) one of eight, so chains are long. */
static uint64_t
hash_of(uint64_t k, bool bad)
{
	return bad ? k % 8 : cd_hmap_hash(&k, sizeof(k));
}

/* What one operation may move: CD_HMAP_STEP buckets per step and ten times
 * as many empty ones passed, two steps in an add. */
#define MOVES_MAX (2 * CD_HMAP_STEP * 11)

static void
against_model(unsigned int seed, size_t n_keys, size_t n_ops, bool bad)
{
	struct rec *r = calloc(n_keys, sizeof(*r));
	unsigned char *once = calloc(n_keys, 1);
	struct cd_hmap m;
	size_t in = 0, grown = 0;
	uint64_t x = seed;

	ck_assert(r != NULL && once != NULL);
	ck_assert_int_eq(cd_hmap_init(&m, eq), 0);
	for (size_t i = 0; i < n_keys; i++)
		r[i].k = i * 7919 + 1;
	for (size_t op = 0; op < n_ops; op++) {
		size_t i, before = m.moved, was_size = m.size[0];
		struct cd_hnode *f;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		i = (size_t)(x >> 33) % n_keys;
		switch ((x >> 20) % 8) {
		case 0: case 1: case 2: case 3:	/* add (more adds than deletes: it grows) */
			if (!r[i].in) {
				ck_assert_int_eq(cd_hmap_add(&m, &r[i].h, hash_of(r[i].k, bad)), 0);
				r[i].in = true;
				in++;
			}
			break;
		case 4: case 5:
			if (r[i].in) {
				cd_hmap_del(&m, &r[i].h);
				r[i].in = false;
				in--;
			}
			break;
		case 6:
			f = cd_hmap_find(&m, hash_of(r[i].k, bad), &r[i].k);
			ck_assert_ptr_eq(f, r[i].in ? &r[i].h : NULL);
			break;
		default:
			if (op % 4099 < 8) {   /* now and then every node once, a third deleted meanwhile */
				struct cd_hmap_it it;
				size_t seen = 0, n_in = in;

				memset(once, 0, n_keys);
				cd_hmap_it_begin(&it, &m);
				while ((f = cd_hmap_it_next(&it)) != NULL) {
					struct rec *q = (struct rec *)f;
					size_t j = (size_t)(q - r);

					ck_assert(q->in);
					ck_assert_int_eq(once[j], 0);
					once[j] = 1;
					seen++;
					if (q->k % 3 == 0) {
						cd_hmap_del(&m, f);
						q->in = false;
						in--;
					}
				}
				cd_hmap_it_end(&it);
				ck_assert_uint_eq(seen, n_in);
			}
			break;
		}
		ck_assert_uint_eq(cd_hmap_count(&m), in);
		/* bounded work: a step moves a few buckets, never the table */
		if (m.size[0] == was_size && m.moved >= before)
			ck_assert_uint_le(m.moved - before, MOVES_MAX);
		grown += m.b[1] != NULL;
	}
	/* every key where the model says */
	for (size_t i = 0; i < n_keys; i++)
		ck_assert_ptr_eq(cd_hmap_find(&m, hash_of(r[i].k, bad), &r[i].k), r[i].in ? &r[i].h : NULL);
	ck_assert_uint_gt(grown, 0);
	cd_hmap_fini(&m);
	free(once);
	free(r);
}

START_TEST(model_good_hash)
{
	against_model(1, 100000, 400000, false);
}
END_TEST

START_TEST(model_bad_hash)
{
	against_model(2, 2000, 40000, true);
}
END_TEST

/* Grown to a million and back down: the doubling finishes, nothing is lost. */
START_TEST(grows_and_settles)
{
	size_t n = 1 << 20;
	struct rec *r = calloc(n, sizeof(*r));
	struct cd_hmap m;

	ck_assert_int_eq(cd_hmap_init(&m, eq), 0);
	for (size_t i = 0; i < n; i++) {
		r[i].k = i;
		ck_assert_int_eq(cd_hmap_add(&m, &r[i].h, cd_hmap_hash(&r[i].k, sizeof(r[i].k))), 0);
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_eq(cd_hmap_find(&m, cd_hmap_hash(&r[i].k, sizeof(r[i].k)), &r[i].k), &r[i].h);
	ck_assert_ptr_null(m.b[1]);	/* the last doubling done by the finds */
	ck_assert_uint_ge(m.size[0], n);
	for (size_t i = 0; i < n; i++)
		cd_hmap_del(&m, &r[i].h);
	ck_assert_uint_eq(cd_hmap_count(&m), 0);
	cd_hmap_fini(&m);
	free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hmap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, model_good_hash);
	tcase_add_test(tc, model_bad_hash);
	tcase_add_test(tc, grows_and_settles);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
