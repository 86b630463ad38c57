/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of pf_usage's pure parts that no journal is needed for: a usage checkpoint
 * and a takeover's bases, the User Plane Inactivity Timer's watch, MACAR's MAC lists. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_usage.h"

/* A usage checkpoint folds what links counted into the measurement (the
 * same measurement, its record now holds it); a takeover keeps what was
 * folded or reported, never what was reported twice, and counts on from
 * the new box's counters. */
static uint64_t fake_ctr[8][2];   /* bytes, packets by counter id */

static uint64_t
fake_abs(void *arg, uint32_t id)
{
	(void)arg;
	return fake_ctr[id & ~PF_CTR_PKTS][(id & PF_CTR_PKTS) ? 1 : 0];
}

/* The User Plane Inactivity Timer's watch: a silence the timer long reported once, at
 * the read that finds it (a quarter of the timer apart, never early), traffic starting
 * the next; a new timer watched from when it is set; no timer, nothing read. */
START_TEST(idle_watch)
{
	struct pf_idle w = { 0 };

	ck_assert(!pf_idle_due(&w, 0, 0));
	ck_assert(pf_idle_due(&w, 8, 0));   /* a timer not yet watched */
	ck_assert(!pf_idle_check(&w, 8, 10, 0));
	ck_assert_uint_eq(w.next_ms, 2000);
	ck_assert(!pf_idle_due(&w, 8, 1999) && pf_idle_due(&w, 8, 2000));
	for (uint64_t t = 2000; t < 8000; t += 2000)
		ck_assert(!pf_idle_check(&w, 8, 10, t));
	ck_assert(pf_idle_check(&w, 8, 10, 8000));	/* silent 8 s */
	ck_assert(!pf_idle_check(&w, 8, 10, 10000));	/* once */
	ck_assert(!pf_idle_check(&w, 8, 10, 30000));
	ck_assert(!pf_idle_check(&w, 8, 11, 32000));	/* traffic: the next silence from here */
	ck_assert_uint_eq(w.next_ms, 34000);
	ck_assert(!pf_idle_check(&w, 8, 11, 38000));
	ck_assert_uint_eq(w.next_ms, 40000);		/* the timer's end comes first */
	ck_assert(pf_idle_check(&w, 8, 11, 40000));
	/* a timer of 1 s set anew: watched from now, read every second */
	ck_assert(pf_idle_due(&w, 1, 40001));
	ck_assert(!pf_idle_check(&w, 1, 11, 40001));
	ck_assert_uint_eq(w.next_ms, 41001);
	ck_assert(pf_idle_check(&w, 1, 11, 41001));
	/* the timer taken away */
	ck_assert(!pf_idle_due(&w, 0, 99999));
	ck_assert(!pf_idle_check(&w, 0, 11, 99999));
}
END_TEST

/* MACAR's MACs: what is there reported detected once; gone, or silent past the timer,
 * removed once; at most PF_MACS_REPORT_MAX of each a report, the rest the next time. */
START_TEST(macs_diff)
{
	static struct pf_mac_seen cur[300];
	static uint8_t det[PF_MACS_REPORT_MAX * 6], rm[PF_MACS_REPORT_MAX * 6];
	struct pf_macs m = { 0 };
	uint8_t nd, nr;

	for (int i = 0; i < 300; i++)
		cur[i] = (struct pf_mac_seen){ .mac = { 2, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i }, .idle_ms = 0 };
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 5000, det, &nd, rm, &nr), 0);
	ck_assert(nd == 2 && nr == 0 && memcmp(det, cur[0].mac, 6) == 0 && memcmp(det + 6, cur[1].mac, 6) == 0);
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 5000, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == 0);				/* once */
	cur[1].idle_ms = 5000;					/* silent past the timer */
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 5000, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == 1 && memcmp(rm, cur[1].mac, 6) == 0);
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 5000, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == 0);				/* silent still: not again */
	cur[1].idle_ms = 0;					/* back */
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 5000, det, &nd, rm, &nr), 0);
	ck_assert(nd == 1 && nr == 0 && memcmp(det, cur[1].mac, 6) == 0);
	/* no timer: silence removes nothing, leaving the fdb does */
	cur[0].idle_ms = 1000000;
	ck_assert_int_eq(pf_macs_diff(&m, cur, 2, 0, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == 0);
	ck_assert_int_eq(pf_macs_diff(&m, cur + 1, 1, 0, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == 1 && memcmp(rm, cur[0].mac, 6) == 0 && m.n == 1);
	/* 300 at once: 255 now, the rest next */
	cur[0].idle_ms = 0;
	ck_assert_int_eq(pf_macs_diff(&m, cur, 300, 0, det, &nd, rm, &nr), 0);
	ck_assert(nd == PF_MACS_REPORT_MAX && nr == 0);
	ck_assert_int_eq(pf_macs_diff(&m, cur, 300, 0, det, &nd, rm, &nr), 0);
	ck_assert(nd == 300 - 1 - PF_MACS_REPORT_MAX && nr == 0 && m.n == 300);
	/* all gone */
	ck_assert_int_eq(pf_macs_diff(&m, cur, 0, 0, det, &nd, rm, &nr), 0);
	ck_assert(nd == 0 && nr == PF_MACS_REPORT_MAX && m.n == 300 - PF_MACS_REPORT_MAX);
	pf_macs_free(&m);
	ck_assert(m.mac == NULL && m.n == 0);
}
END_TEST

START_TEST(usage_fold_and_takeover)
{
	struct pf_ulink link = { .urr = 1, .ctr = 5, .ul = 1, .base = 100, .base_pkts = 2 };
	struct pf_meas meas = { .urr = 1, .quota_ul = 900 };
	struct pf_usage u = { .link = &link, .meas = &meas, .n_link = 1, .n_meas = 1 };

	fake_ctr[5][0] = 1100;
	fake_ctr[5][1] = 12;
	ck_assert(pf_usage_fold(&u, fake_abs, NULL));
	ck_assert_uint_eq(meas.gone_ul, 1000);
	ck_assert_uint_eq(meas.gone_ul_p, 10);
	ck_assert_uint_eq(link.base, 1100);
	ck_assert_uint_eq(link.base_pkts, 12);
	ck_assert(!pf_usage_fold(&u, fake_abs, NULL));   /* nothing moved */
	/* 500 more counted and reported (reset): rep 1500, as the report left it */
	meas.rep_ul = 1500;
	meas.rep_ul_p = 15;
	/* the box dies; the other's counter 5 holds 7 (an earlier session's) */
	fake_ctr[5][0] = 7;
	fake_ctr[5][1] = 1;
	pf_usage_taken_over(&u, fake_abs, NULL);
	ck_assert_uint_eq(meas.gone_ul, 1500);   /* known counted: the reported */
	ck_assert_uint_eq(meas.gone_ul_p, 15);
	ck_assert_uint_eq(meas.quota_ul, 900);   /* below what is known: kept */
	ck_assert_uint_eq(link.base, 7);
	ck_assert_uint_eq(link.base_pkts, 1);
	/* 50 more at the new box: measured 1500 + 50 - 1500 = 50, never the reported again */
	fake_ctr[5][0] = 57;
	ck_assert(pf_usage_fold(&u, fake_abs, NULL));
	ck_assert_uint_eq(meas.gone_ul - meas.rep_ul, 50);
	/* a quota granted past what is known is brought back to it */
	meas.quota_ul = 4000;
	pf_usage_taken_over(&u, fake_abs, NULL);
	ck_assert_uint_eq(meas.quota_ul, meas.gone_ul);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pfusage");
	TCase *t = tcase_create("all");

	tcase_add_test(t, usage_fold_and_takeover);
	tcase_add_test(t, idle_watch);
	tcase_add_test(t, macs_diff);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_ENV);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
