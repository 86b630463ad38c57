/* Path health (pipelines/overlay/datapath/ov_sla.c) on a made-up clock: a simulated
 * far end answers each probe after an RTT (or not); the path must come up
 * after exactly up_after answers, go down within BFD's detection time of
 * the last answer, keep its RTT/jitter/loss windows right, count late and
 * stray answers, send one probe per interval whatever happens, and take
 * no stalled worker (answers waiting unread) for a dead link. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ov_sla.h"

#define MS 1000000ull

struct sim {
	struct ov_sla s;
	uint64_t now;
	struct { uint32_t seq; uint64_t tx, at; } q[1024];
	unsigned int nq;
	uint64_t up_at, down_at;     /* when the judge last said so */
	uint64_t stall_from, stall_to; /* the worker reads nothing then */
};

/* What the far end does with probe seq: its RTT in ns, or 0 to lose it. */
typedef uint64_t (*far_fn)(uint32_t seq, uint64_t now);

static void
sim_init(struct sim *x, unsigned int interval_ms, unsigned int down, unsigned int up)
{
	struct ov_sla_cfg c = { .interval_ns = interval_ms * MS, .down_after = (uint8_t)down,
				.up_after = (uint8_t)up };

	memset(x, 0, sizeof(*x));
	ov_sla_init(&x->s, &c, 0);
}

/* Run the clock to until, a millisecond at a time, as the main loop does. */
static void
sim_run(struct sim *x, uint64_t until, far_fn far)
{
	for (; x->now <= until; x->now += MS) {
		bool stalled = x->now >= x->stall_from && x->now < x->stall_to;
		uint64_t seen = stalled ? x->stall_from : x->now;   /* dp_workers_seen */
		uint32_t seq;

		for (unsigned int i = 0; i < x->nq && !stalled;) {
			if (x->q[i].at <= x->now) {
				/* stamped when the worker reads it: now */
				ov_sla_answer(&x->s, x->q[i].seq, x->q[i].tx, x->now);
				x->q[i] = x->q[--x->nq];
			} else {
				i++;
			}
		}
		if (ov_sla_due(&x->s, x->now, &seq)) {
			uint64_t rtt = far(seq, x->now);

			if (rtt && x->nq < 1024) {
				x->q[x->nq].seq = seq;
				x->q[x->nq].tx = x->now;
				x->q[x->nq++].at = x->now + rtt;
			}
		}
		if (ov_sla_judge(&x->s, seen)) {
			if (x->s.up)
				x->up_at = x->now;
			else
				x->down_at = x->now;
		}
	}
}

static uint64_t rtt10(uint32_t seq, uint64_t now) { (void)seq; (void)now; return 10 * MS; }
static uint64_t dead(uint32_t seq, uint64_t now) { (void)seq; (void)now; return 0; }
static uint64_t cut_at;
static uint64_t cut(uint32_t seq, uint64_t now) { (void)seq; return now < cut_at ? 10 * MS : 0; }

START_TEST(up_after_m_answers)
{
	struct sim x;

	sim_init(&x, 50, 3, 5);
	sim_run(&x, 199 * MS, rtt10);
	ck_assert(!x.s.up);   /* 4 answers: at 10, 60, 110, 160 ms */
	sim_run(&x, 400 * MS, rtt10);
	ck_assert(x.s.up);
	ck_assert_uint_eq(x.up_at, 210 * MS);   /* the 5th answer: probe at 200 + 10 */
	ck_assert_uint_eq(x.s.st.sent, 9);      /* 0, 50, ..., 400 */
	ck_assert_uint_eq(ov_sla_rtt_us(&x.s), 10000);
	ck_assert_uint_eq(ov_sla_jitter_us(&x.s), 0);
	ck_assert_uint_eq(ov_sla_loss_pm(&x.s), 0);
	ck_assert_uint_eq(x.s.st.ups, 1);
}
END_TEST

START_TEST(down_within_detection_time)
{
	struct sim x;

	for (cut_at = 500 * MS; cut_at < 560 * MS; cut_at += 7 * MS) {
		sim_init(&x, 50, 3, 5);
		sim_run(&x, 2000 * MS, cut);
		ck_assert(!x.s.up);
		ck_assert_uint_eq(x.s.st.downs, 1);
		/* the last answer came at most an interval (+ RTT) before the
		 * cut; down is declared one detection time (150 ms) after it */
		ck_assert_uint_gt(x.down_at, cut_at + 100 * MS - 10 * MS);
		ck_assert_uint_le(x.down_at, cut_at + 150 * MS + 10 * MS + MS);
	}
}
END_TEST

/* The worker stalls 300 ms (two detection times) while the far end answers
 * every probe: judged up to where the worker has read, the path stays up
 * (the answers read late still count as late in the windows: a software
 * stamp cannot tell our stall from the path's delay); a real cut during
 * the stall still takes it down once the worker reads again. */
START_TEST(stalled_worker_is_no_dead_link)
{
	struct sim x;

	sim_init(&x, 50, 3, 5);
	x.stall_from = 500 * MS;
	x.stall_to = 800 * MS;
	sim_run(&x, 1500 * MS, rtt10);
	ck_assert(x.s.up);
	ck_assert_uint_eq(x.s.st.downs, 0);
	cut_at = 700 * MS;
	sim_init(&x, 50, 3, 5);
	x.stall_from = 500 * MS;
	x.stall_to = 800 * MS;
	sim_run(&x, 1500 * MS, cut);
	ck_assert_uint_eq(x.s.st.downs, 1);
	ck_assert_uint_le(x.down_at, 800 * MS + 150 * MS + MS);
}
END_TEST

static uint64_t
every5th_lost_alt_rtt(uint32_t seq, uint64_t now)
{
	(void)now;
	if (seq % 5 == 4)
		return 0;
	return seq % 2 ? 20 * MS : 10 * MS;
}

START_TEST(windows)
{
	struct sim x;

	sim_init(&x, 50, 3, 2);
	sim_run(&x, 5000 * MS, every5th_lost_alt_rtt);
	ck_assert(x.s.up);   /* one loss in five never makes three in a row */
	ck_assert_uint_eq(x.s.st.downs, 0);
	ck_assert_uint_eq(ov_sla_loss_pm(&x.s), 200);
	/* RTTs alternate 10/20 ms except around each loss */
	ck_assert_uint_ge(ov_sla_rtt_us(&x.s), 13000);
	ck_assert_uint_le(ov_sla_rtt_us(&x.s), 17000);
	ck_assert_uint_ge(ov_sla_jitter_us(&x.s), 6000);
	ck_assert_uint_le(ov_sla_jitter_us(&x.s), 10000);
	/* every probe is answered, lost, or still within its timeout */
	ck_assert_uint_le(x.s.st.lost + x.s.st.answered + x.nq, x.s.st.sent);
	ck_assert_uint_ge(x.s.st.lost + x.s.st.answered + x.nq + 3, x.s.st.sent);
}
END_TEST

START_TEST(late_and_stray)
{
	struct sim x;
	uint32_t seq;

	sim_init(&x, 50, 3, 1);
	ck_assert(ov_sla_due(&x.s, 0, &seq));
	ov_sla_answer(&x.s, seq, 1, 5 * MS);           /* a tx it never sent */
	ov_sla_answer(&x.s, seq + 1, 0, 5 * MS);       /* a probe not sent yet */
	ck_assert_uint_eq(x.s.st.stray, 2);
	ck_assert(!ov_sla_judge(&x.s, 151 * MS));     /* timed out: lost */
	ck_assert_uint_eq(x.s.st.lost, 1);
	ov_sla_answer(&x.s, seq, 0, 200 * MS);         /* and then it comes */
	ck_assert_uint_eq(x.s.st.late, 1);
	ck_assert_uint_eq(x.s.st.answered, 0);
	ck_assert(!ov_sla_judge(&x.s, 200 * MS));
	ck_assert(!x.s.up);
	ck_assert_uint_eq(ov_sla_loss_pm(&x.s), 1000);
}
END_TEST

static uint64_t
flaky(uint32_t seq, uint64_t now)
{
	(void)now;
	return seq % 4 == 3 ? 0 : 10 * MS;   /* 3 good, 1 lost, ... */
}

START_TEST(hysteresis)
{
	struct sim x;

	/* up needs 4 in a row: a loss every 4th probe resets the run */
	sim_init(&x, 50, 3, 4);
	sim_run(&x, 5000 * MS, flaky);
	ck_assert(!x.s.up);
	ck_assert_uint_eq(x.s.st.ups, 0);
	sim_init(&x, 50, 3, 3);
	sim_run(&x, 5000 * MS, flaky);
	ck_assert(x.s.up);
	ck_assert_uint_eq(x.s.st.ups, 1);
	ck_assert_uint_eq(x.s.st.downs, 0);
}
END_TEST

START_TEST(bounded_rate)
{
	struct sim x;
	uint32_t seq;

	sim_init(&x, 50, 3, 5);
	sim_run(&x, 10000 * MS, dead);
	ck_assert_uint_eq(x.s.st.sent, 201);   /* every 50 ms, all down */
	ck_assert(!x.s.up);
	/* a stalled loop does not make up for the probes it missed */
	ck_assert(ov_sla_due(&x.s, 12000 * MS, &seq));
	ck_assert(!ov_sla_due(&x.s, 12001 * MS, &seq));
	ck_assert(!ov_sla_due(&x.s, 12049 * MS, &seq));
	ck_assert(ov_sla_due(&x.s, 12050 * MS, &seq));
}
END_TEST

START_TEST(reconfig_keeps_state)
{
	struct sim x;
	struct ov_sla_cfg c = { .interval_ns = 20 * MS, .down_after = 3, .up_after = 5 };
	uint64_t sent;

	sim_init(&x, 100, 3, 2);
	sim_run(&x, 1000 * MS, rtt10);
	ck_assert(x.s.up);
	sent = x.s.st.sent;
	ov_sla_reconfig(&x.s, &c, x.now);
	sim_run(&x, 2000 * MS, rtt10);
	ck_assert(x.s.up);
	ck_assert_uint_eq(x.s.st.downs, 0);
	ck_assert_uint_ge(x.s.st.sent - sent, 49);   /* now every 20 ms */
	ck_assert_uint_le(x.s.st.sent - sent, 51);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ov_sla");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, up_after_m_answers);
	tcase_add_test(tc, down_within_detection_time);
	tcase_add_test(tc, stalled_worker_is_no_dead_link);
	tcase_add_test(tc, windows);
	tcase_add_test(tc, late_and_stray);
	tcase_add_test(tc, hysteresis);
	tcase_add_test(tc, bounded_rate);
	tcase_add_test(tc, reconfig_keeps_state);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
