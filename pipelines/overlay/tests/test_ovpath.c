/* Path choice (pipelines/overlay/datapath/ov_path.h) over a made-up set of live
 * paths: failover order, SLA limits (and the fallback when no path keeps
 * them), weighted balance where a flow moves only when its path dies, and
 * the pins that keep a moved flow where it went when its path comes back;
 * the draw by weight the same, flow for flow, as the walk it replaced;
 * the seal's grouping of a burst by SA (ov_sa.h) against a plain count. */
#include <check.h>
#include <string.h>

#include "ov_path.h"
#include "ov_sa.h"

struct ov_path_live ov_path_live[OV_PATH_MAX + 1];
uint16_t ov_pin_idle = 50;
static struct ov_pins pins;

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

/* The draw as it was written first (a walk that stops at the path whose
 * weight b falls in): the branchless one gives every flow the same path,
 * so a flow does not move when a box is upgraded. Random policies (empty
 * slots, weights of 0, paths down), draws at the ends and between. */
static uint16_t
draw_walk(const struct ov_policy *pol, uint32_t draw, bool live)
{
	uint32_t total = 0, b;
	unsigned int i;

	for (i = 0; i < OV_POLICY_PATHS; i++)
		if (live ? ov_path_up(pol->path[i]) : pol->path[i] != 0)
			total += pol->weight[i];
	if (total == 0)
		return 0;
	b = (uint32_t)(((uint64_t)draw * total) >> 32);
	for (i = 0; i < OV_POLICY_PATHS; i++) {
		if (!(live ? ov_path_up(pol->path[i]) : pol->path[i] != 0))
			continue;
		if (b < pol->weight[i])
			return pol->path[i];
		b -= pol->weight[i];
	}
	return 0;
}

START_TEST(draw_as_walked)
{
	uint64_t r = 0x243f6a8885a308d3ull;

	memset(ov_path_live, 0, sizeof(ov_path_live));
	for (uint16_t p = 1; p <= 16; p++)
		live(p, p % 3 != 0, 0, 0, 0);
	for (unsigned int k = 0; k < 20000; k++) {
		struct ov_policy pol;

		memset(&pol, 0, sizeof(pol));
		for (unsigned int i = 0; i < OV_POLICY_PATHS; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			pol.path[i] = r % 4 == 0 ? 0 : (uint16_t)(1 + (r >> 8) % 16);
			pol.weight[i] = r % 5 == 1 ? 0 : (uint8_t)(r >> 20);
		}
		for (unsigned int t = 0; t < 16; t++) {
			uint32_t d = t == 0 ? 0 : t == 1 ? UINT32_MAX : (uint32_t)(r >> 32) * (t + 1);

			ck_assert_uint_eq(ov_path_draw(&pol, d, false), draw_walk(&pol, d, false));
			ck_assert_uint_eq(ov_path_draw(&pol, d, true), draw_walk(&pol, d, true));
		}
	}
}
END_TEST

/* Path 2 dies and comes back: its flows stay where they went while they
 * keep sending, go back to their first path once idle; a path the policy
 * no longer names holds no flow; ticks wrap. */
START_TEST(balance_pinned)
{
	struct ov_policy pol = { .path = { 1, 2, 3, 0 }, .weight = { 1, 1, 2, 0 } };
	static uint16_t first[4096], moved[4096];
	unsigned int n_moved = 0;
	bool unmet = false;
	uint16_t t0 = 65500;             /* wraps during the test */

	memset(ov_path_live, 0, sizeof(ov_path_live));
	memset(&pins, 0, sizeof(pins));
	for (uint16_t p = 1; p <= 3; p++)
		live(p, 1, 0, 0, 0);
	for (uint32_t f = 0; f < 4096; f++)
		first[f] = ov_path_pick_pinned(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet, &pins, t0);
	live(2, 0, 0, 0, 0);
	for (uint32_t f = 0; f < 4096; f++) {
		moved[f] = ov_path_pick_pinned(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet, &pins,
					       (uint16_t)(t0 + 10));
		ck_assert_uint_ne(moved[f], 2);
		if (first[f] == 2)
			n_moved++;
		else
			ck_assert_uint_eq(moved[f], first[f]);
	}
	ck_assert(n_moved > 800);
	live(2, 1, 0, 0, 0);
	/* back up, within the idle time of every flow: nobody moves */
	for (uint32_t f = 0; f < 4096; f++)
		ck_assert_uint_eq(ov_path_pick_pinned(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet, &pins,
						      (uint16_t)(t0 + 10 + ov_pin_idle)), moved[f]);
	/* idle longer than that: a flow starts again where the weights put it */
	for (uint32_t f = 0; f < 4096; f++)
		ck_assert_uint_eq(ov_path_pick_pinned(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet, &pins,
						      (uint16_t)(t0 + 11 + 2 * ov_pin_idle)), first[f]);
	/* path 3 leaves the policy: its pinned flows go elsewhere at once */
	pol.weight[2] = 0;
	for (uint32_t f = 0; f < 4096; f++)
		ck_assert_uint_ne(ov_path_pick_pinned(OV_POLICY_BALANCE, &pol, f * 2654435761u, &unmet, &pins,
						      (uint16_t)(t0 + 12 + 2 * ov_pin_idle)), 3);
	/* failover and sla never pin */
	pol = (struct ov_policy){ .path = { 1, 2, 0, 0 } };
	ck_assert_uint_eq(ov_path_pick_pinned(OV_POLICY_FAILOVER, &pol, 7, &unmet, &pins, t0), 1);
	live(1, 0, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick_pinned(OV_POLICY_FAILOVER, &pol, 7, &unmet, &pins, t0), 2);
	live(1, 1, 0, 0, 0);
	ck_assert_uint_eq(ov_path_pick_pinned(OV_POLICY_FAILOVER, &pol, 7, &unmet, &pins, t0), 1);
}
END_TEST

/* ov_sa_group on random bursts of 1..255 items over 1..64 SAs (more SAs
 * than its table has slots: shared slots searched): every item once, in
 * its SA's group, in burst order; one group an SA, in order of first use. */
START_TEST(sa_group)
{
	static struct ov_sa sa[64];
	uint32_t x = 88172645u;

	for (int round = 0; round < 500; round++) {
		const struct ov_sa *items[255], *gsa[255];
		uint8_t start[255], cnt[255], order[255], seen[255] = { 0 };
		unsigned int n, k, ng, first[64], nf = 0;

		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		n = 1 + x % 255;
		k = 1 + (x >> 8) % (round % 2 ? 64 : 4);
		for (unsigned int a = 0; a < n; a++) {
			unsigned int j;

			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			items[a] = &sa[x % k];
			for (j = 0; j < nf && items[first[j]] != items[a]; j++)
				;
			if (j == nf)
				first[nf++] = a;
		}
		ng = ov_sa_group(items, n, gsa, start, cnt, order);
		ck_assert_uint_eq(ng, nf);
		for (unsigned int g = 0, o = 0; g < ng; g++) {
			ck_assert_ptr_eq(gsa[g], items[first[g]]);
			ck_assert_uint_eq(start[g], o);
			for (unsigned int c = 0; c < cnt[g]; c++) {
				unsigned int a = order[o + c];

				ck_assert_uint_lt(a, n);
				ck_assert_ptr_eq(items[a], gsa[g]);
				ck_assert(!seen[a]);
				seen[a] = 1;
				if (c > 0)
					ck_assert_uint_gt(a, order[o + c - 1]);
			}
			o += cnt[g];
		}
		for (unsigned int a = 0; a < n; a++)
			ck_assert(seen[a]);
	}
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
	tcase_add_test(tc, draw_as_walked);
	tcase_add_test(tc, balance_pinned);
	tcase_add_test(tc, sa_group);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
