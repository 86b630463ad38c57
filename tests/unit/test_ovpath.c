/* Path choice (pipelines/overlay/ov_path.h) over a made-up set of live
 * paths: failover order, SLA limits (and the fallback when no path keeps
 * them), and weighted balance where a flow moves only when its path dies. */
#include <check.h>
#include <string.h>

#include "ov_path.h"

struct ov_path_live ov_path_live[OV_PATH_MAX + 1];

static void
live(uint16_t p, int up, uint32_t rtt_us, uint32_t jitter_us, uint16_t loss_pm)
{
	ov_path_live[p] = (struct ov_path_live){ .up = (uint8_t)up, .rtt_us = rtt_us,
						 .jitter_us = jitter_us, .loss_pm = loss_pm };
}

START_TEST(failover)
{
	struct ov_policy pol = { .path = { 5, 6, 0, 7 } };
	bool unmet = false;

	memset(ov_path_live, 0, sizeof(ov_path_live));
	live(5, 1, 0, 0, 0);
	live(6, 1, 0, 0, 0);
	live(7, 1, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_FAILOVER, &pol, 1, &unmet), 5);
	live(5, 0, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_FAILOVER, &pol, 1, &unmet), 6);
	live(6, 0, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_FAILOVER, &pol, 1, &unmet), 7);
	live(7, 0, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_FAILOVER, &pol, 1, &unmet), 0);
	ck_assert(!unmet);
}
END_TEST

START_TEST(sla)
{
	struct ov_policy pol = { .path = { 1, 2, 3, 0 } };
	bool unmet = false;

	pol.sla.rtt_ms = 20;
	pol.sla.jitter_ms = 5;
	pol.sla.loss_pct = 2;
	memset(ov_path_live, 0, sizeof(ov_path_live));
	live(1, 1, 20000, 1000, 20);     /* at every limit: within */
	live(2, 1, 5000, 0, 0);
	live(3, 1, 5000, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 1);
	live(1, 1, 20001, 1000, 20);     /* latency over */
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 2);
	live(2, 1, 5000, 5001, 0);       /* jitter over */
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 3);
	live(3, 1, 5000, 0, 21);         /* loss over: none keeps it, the first up one */
	ck_assert(!unmet);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 1);
	ck_assert(unmet);
	unmet = false;
	live(3, 1, 5000, 0, 0);
	live(2, 0, 1, 0, 0);             /* down never counts, however good */
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 3);
	pol.sla.rtt_ms = pol.sla.jitter_ms = 0;
	pol.sla.loss_pct = 0;            /* no limits */
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_SLA, &pol, 9, &unmet), 1);
	ck_assert(!unmet);
}
END_TEST

START_TEST(balance)
{
	struct ov_policy pol = { .path = { 1, 2, 3, 4 } };
	uint16_t before[4096];
	unsigned int n[5] = { 0 };
	bool unmet = false;

	pol.weight[0] = 1;
	pol.weight[1] = 1;
	pol.weight[2] = 2;
	pol.weight[3] = 0;               /* weight 0: never picked */
	memset(ov_path_live, 0, sizeof(ov_path_live));
	for (uint16_t p = 1; p <= 4; p++)
		live(p, 1, 0, 0, 0);
	for (uint32_t f = 0; f < 4096; f++) {
		before[f] = ov_path_pick(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet);
		n[before[f]]++;
	}
	ck_assert_uint_eq(n[4], 0);
	ck_assert_uint_eq(n[0], 0);
	ck_assert(n[1] > 900 && n[1] < 1150);
	ck_assert(n[2] > 900 && n[2] < 1150);
	ck_assert(n[3] > 1900 && n[3] < 2200);
	live(2, 0, 0, 0, 0);
	memset(n, 0, sizeof(n));
	for (uint32_t f = 0; f < 4096; f++) {
		uint16_t p = ov_path_pick(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet);

		if (before[f] != 2)
			ck_assert_uint_eq(p, before[f]);   /* a live path's flows stay */
		else
			n[p]++;                             /* the dead one's spread by weight */
	}
	ck_assert_uint_eq(n[2], 0);
	ck_assert_uint_eq(n[4], 0);
	ck_assert(n[1] > 200 && n[3] > 2 * n[1] * 7 / 10);
	for (uint16_t p = 1; p <= 4; p++)
		live(p, 0, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick(OV_POLICY_BALANCE, &pol, 12345, &unmet), 0);
	ck_assert(!unmet);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ov_path");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, failover);
	tcase_add_test(tc, sla);
	tcase_add_test(tc, balance);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
