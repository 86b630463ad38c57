/* BFD sessions (pipelines/overlay/datapath/ov_bfd.c) on a made-up clock:
 * two ends wired to each other through a link that can be cut or delay
 * packets, and a hostile far end. They must come Up by the three-way
 * handshake, send no faster than once a second until Up and at the
 * configured interval (jittered 75-100%) once Up, agree new timers by a
 * Poll Sequence, go Down within the Detection Time of silence or at once
 * when the far end says Down, keep Down while the far end is AdminDown,
 * honour a far end's RequiredMinRxInterval of 0 and its Demand mode, and
 * discard what 6.8.6 discards. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ov_bfd.h"

#define MS 1000000ull

struct end {
	struct ov_bfd b;
	struct { struct ov_bfd_pkt p; uint64_t at; } q[64];   /* in flight to the other end */
	unsigned int nq;
	uint64_t sent;
	bool cut;                 /* what this end sends is lost */
	bool slow_rx_until_up;    /* asks for 1 s until Up, as FRR's bfdd does */
	unsigned int polls_seen, finals_seen;  /* in what it sent */
};

struct sim {
	struct end e[2];
	uint64_t now, delay;
	uint32_t rnd;
};

static void
sim_init(struct sim *x, uint32_t iv_ms, uint8_t mult)
{
	struct ov_bfd_cfg c = { .interval_us = iv_ms * 1000, .mult = mult };

	memset(x, 0, sizeof(*x));
	x->delay = MS / 2;
	x->rnd = 12345;
	ov_bfd_init(&x->e[0].b, &c, 0x1001, 0);
	ov_bfd_init(&x->e[1].b, &c, 0x2002, 0);
}

static uint32_t
next_rnd(struct sim *x)
{
	x->rnd = x->rnd * 1103515245u + 12345u;
	return x->rnd >> 8;
}

/* Run the clock to until, 100 µs at a time, as the main loop does. */
static void
sim_run(struct sim *x, uint64_t until)
{
	for (; x->now <= until; x->now += MS / 10) {
		for (int i = 0; i < 2; i++) {
			struct end *me = &x->e[i], *far = &x->e[1 - i];
			struct ov_bfd_pkt p;

			for (unsigned int k = 0; k < far->nq;) {
				if (far->q[k].at <= x->now) {
					ck_assert_int_eq(ov_bfd_check(&far->q[k].p, sizeof(p)), OV_BFD_OK);
					ov_bfd_recv(&me->b, &far->q[k].p, x->now);
					far->q[k] = far->q[--far->nq];
				} else {
					k++;
				}
			}
			ov_bfd_judge(&me->b, x->now);
			if (me->slow_rx_until_up)
				me->b.req_rx_us = me->b.detect_rx_us =
					ov_bfd_up(&me->b) ? me->b.cfg.interval_us : OV_BFD_SLOW_US;
			while (ov_bfd_due(&me->b, x->now, next_rnd(x), &p)) {
				ck_assert(!((p.flags & OV_BFD_F_POLL) && (p.flags & OV_BFD_F_FINAL)));
				me->sent++;
				me->polls_seen += (p.flags & OV_BFD_F_POLL) != 0;
				me->finals_seen += (p.flags & OV_BFD_F_FINAL) != 0;
				if (!me->cut && me->nq < 64) {
					me->q[me->nq].p = p;
					me->q[me->nq++].at = x->now + x->delay;
				}
			}
		}
	}
}

START_TEST(three_way_handshake)
{
	struct sim x;

	sim_init(&x, 50, 3);
	sim_run(&x, 10 * MS);
	/* Down -> Init -> Up, each change sent at once: milliseconds, not seconds */
	ck_assert(ov_bfd_up(&x.e[0].b));
	ck_assert(ov_bfd_up(&x.e[1].b));
	ck_assert_uint_eq(x.e[0].b.remote_disc, 0x2002);
	ck_assert_uint_eq(x.e[1].b.remote_disc, 0x1001);
	sim_run(&x, 200 * MS);
	/* going Up lowered the tx interval from 1 s: a Poll, answered */
	ck_assert(!x.e[0].b.poll && !x.e[1].b.poll);
	ck_assert_uint_ge(x.e[0].polls_seen, 1);
	ck_assert_uint_ge(x.e[1].finals_seen, 1);
	ck_assert_uint_eq(x.e[0].b.tx_us, 50000);
	ck_assert_uint_eq(ov_bfd_detect_us(&x.e[0].b), 150000);
	ck_assert_uint_eq(x.e[0].b.st.ups, 1);
	ck_assert_uint_eq(x.e[0].b.st.downs, 0);
}
END_TEST

/* A far end that asks for one packet a second until Up (FRR's bfdd): the
 * packet this end scheduled a second out must not outlast the far end's
 * 150 ms detection once it asks for 50 ms. */
START_TEST(far_end_speeds_up)
{
	struct sim x;

	sim_init(&x, 50, 3);
	x.e[1].slow_rx_until_up = true;
	sim_run(&x, 10000 * MS);
	ck_assert(ov_bfd_up(&x.e[0].b) && ov_bfd_up(&x.e[1].b));
	ck_assert_uint_eq(x.e[0].b.st.downs, 0);
	ck_assert_uint_eq(x.e[1].b.st.downs, 0);
	ck_assert_uint_eq(x.e[1].b.st.ups, 1);
}
END_TEST

START_TEST(rates)
{
	struct sim x;
	uint64_t s0;

	/* alone (nobody answers): Down, at most one a second */
	sim_init(&x, 50, 3);
	x.e[1].cut = x.e[0].cut = true;
	sim_run(&x, 10000 * MS);
	ck_assert_uint_ge(x.e[0].sent, 10);   /* 75..100% of 1 s: 10..14 in 10 s */
	ck_assert_uint_le(x.e[0].sent, 14);
	ck_assert_int_eq(x.e[0].b.state, OV_BFD_DOWN);
	/* Up: 50 ms jittered 75..100%: 1000 / 43.75 = 22.9 a second on average */
	sim_init(&x, 50, 3);
	sim_run(&x, 1000 * MS);
	s0 = x.e[0].sent;
	sim_run(&x, 11000 * MS);
	ck_assert_uint_ge(x.e[0].sent - s0, 10 * 20);
	ck_assert_uint_le(x.e[0].sent - s0, 10 * 27);
	/* the far end's slower RequiredMinRxInterval wins */
	sim_init(&x, 50, 3);
	x.e[1].b.req_rx_us = x.e[1].b.detect_rx_us = 200000;
	x.e[1].b.cfg.interval_us = 200000;
	sim_run(&x, 1000 * MS);
	s0 = x.e[0].sent;
	sim_run(&x, 11000 * MS);
	ck_assert_uint_ge(x.e[0].sent - s0, 10 * 5);
	ck_assert_uint_le(x.e[0].sent - s0, 10 * 7);
}
END_TEST

START_TEST(detection_time)
{
	struct sim x;
	uint64_t cut;

	sim_init(&x, 50, 3);
	sim_run(&x, 500 * MS);
	ck_assert(ov_bfd_up(&x.e[1].b));
	/* A's packets lost: B times out within 3 x 50 ms of the last one
	 * (and no earlier than 3 x 50 x 75% after the cut) */
	cut = x.now;
	x.e[0].cut = true;
	while (ov_bfd_up(&x.e[1].b) && x.now < cut + 1000 * MS)
		sim_run(&x, x.now);
	ck_assert_uint_le(x.now - cut, 151 * MS);
	ck_assert_uint_ge(x.now - cut, 100 * MS);
	ck_assert_int_eq(x.e[1].b.diag, OV_BFD_DIAG_TIME_EXPIRED);
	ck_assert_uint_eq(x.e[1].b.remote_disc, 0);
	/* B's Down reaches A: A goes down at once, the neighbour said so */
	sim_run(&x, x.now + 5 * MS);
	ck_assert_int_eq(x.e[0].b.state, OV_BFD_DOWN);
	ck_assert_int_eq(x.e[0].b.diag, OV_BFD_DIAG_NEIGHBOR_DOWN);
	/* the link back: Up again within a second or two (1 s tx while Down) */
	x.e[0].cut = false;
	sim_run(&x, x.now + 2100 * MS);
	ck_assert(ov_bfd_up(&x.e[0].b) && ov_bfd_up(&x.e[1].b));
	ck_assert_uint_eq(x.e[1].b.st.ups, 2);
	ck_assert_uint_eq(x.e[1].b.st.downs, 1);
}
END_TEST

START_TEST(poll_sequence)
{
	struct sim x;
	struct ov_bfd_cfg slower = { .interval_us = 300000, .mult = 3 };
	uint64_t t;

	sim_init(&x, 50, 3);
	sim_run(&x, 500 * MS);
	/* slower: announced at once, in force once the Final is back */
	x.delay = 20 * MS;
	ov_bfd_reconfig(&x.e[0].b, &slower, x.now);
	ck_assert(x.e[0].b.poll);
	ck_assert_uint_eq(x.e[0].b.tx_us, 50000);
	ck_assert_uint_eq(x.e[0].b.detect_rx_us, 300000);   /* slower rx: at once */
	t = x.now;
	sim_run(&x, t + 10 * MS);
	ck_assert(x.e[0].b.poll);                            /* the Final is on its way */
	ck_assert_uint_eq(x.e[0].b.tx_us, 50000);
	sim_run(&x, t + 60 * MS);
	ck_assert(!x.e[0].b.poll);
	ck_assert_uint_eq(x.e[0].b.tx_us, 300000);
	/* the far end now sends every 300 ms and detects at 3 x 300 ms */
	sim_run(&x, x.now + 700 * MS);
	ck_assert_uint_eq(ov_bfd_detect_us(&x.e[1].b), 900000);
	ck_assert(ov_bfd_up(&x.e[0].b) && ov_bfd_up(&x.e[1].b));
	/* faster again: rx keeps the slower detection until the Final */
	slower.interval_us = 50000;
	ov_bfd_reconfig(&x.e[0].b, &slower, x.now);
	ck_assert_uint_eq(x.e[0].b.tx_us, 50000);           /* faster tx: at once */
	ck_assert_uint_eq(x.e[0].b.detect_rx_us, 300000);
	sim_run(&x, x.now + 100 * MS);
	ck_assert(!x.e[0].b.poll);
	ck_assert_uint_eq(x.e[0].b.detect_rx_us, 50000);
	ck_assert_uint_eq(x.e[0].b.st.downs, 0);
	ck_assert_uint_eq(x.e[1].b.st.downs, 0);
}
END_TEST

static struct ov_bfd_pkt
pkt(uint8_t state, uint8_t flags, uint32_t my, uint32_t your, uint32_t tx_us, uint32_t rx_us)
{
	return (struct ov_bfd_pkt){ .vers_diag = 1 << 5, .flags = (uint8_t)(state << 6 | flags), .detect_mult = 3,
				    .length = OV_BFD_LEN, .my_disc = rte_cpu_to_be_32(my),
				    .your_disc = rte_cpu_to_be_32(your), .min_tx_us = rte_cpu_to_be_32(tx_us),
				    .min_rx_us = rte_cpu_to_be_32(rx_us) };
}

START_TEST(far_end_says)
{
	struct ov_bfd b;
	struct ov_bfd_cfg c = { .interval_us = 50000, .mult = 3 };
	struct ov_bfd_pkt p, out;
	uint64_t now = 0;

	ov_bfd_init(&b, &c, 7, 0);
	p = pkt(OV_BFD_INIT, 0, 9, 7, 50000, 50000);
	ck_assert(ov_bfd_recv(&b, &p, now));
	ck_assert(ov_bfd_up(&b));
	/* AdminDown: Down, and Down it stays (no Init from an AdminDown far end) */
	p = pkt(OV_BFD_ADMIN_DOWN, 0, 9, 7, 50000, 50000);
	ck_assert(ov_bfd_recv(&b, &p, now += MS));
	ck_assert_int_eq(b.state, OV_BFD_DOWN);
	ck_assert_int_eq(b.diag, OV_BFD_DIAG_NEIGHBOR_DOWN);
	ck_assert(!ov_bfd_recv(&b, &p, now += MS));
	ck_assert_int_eq(b.state, OV_BFD_DOWN);
	/* then quiet past the Detection Time: its discriminator forgotten,
	 * its AdminDown kept (what it last said, and why the path is down) */
	ov_bfd_judge(&b, now += 1000 * MS);
	ck_assert_uint_eq(b.remote_disc, 0);
	ck_assert_int_eq(b.remote_state, OV_BFD_ADMIN_DOWN);
	/* a Poll is answered by a Final at once, without the Poll bit */
	p = pkt(OV_BFD_DOWN, OV_BFD_F_POLL, 9, 7, 50000, 50000);
	ov_bfd_recv(&b, &p, now += MS);
	ck_assert_int_eq(b.state, OV_BFD_INIT);
	while (ov_bfd_due(&b, now, 0, &out) && !(out.flags & OV_BFD_F_FINAL))
		;
	ck_assert(out.flags & OV_BFD_F_FINAL);
	ck_assert(!(out.flags & OV_BFD_F_POLL));
	ck_assert_uint_eq(rte_be_to_cpu_32(out.your_disc), 9);
	/* Up; then RequiredMinRxInterval 0: nothing periodic */
	p = pkt(OV_BFD_UP, 0, 9, 7, 50000, 50000);
	ov_bfd_recv(&b, &p, now += MS);
	ck_assert(ov_bfd_up(&b));
	p = pkt(OV_BFD_UP, 0, 9, 7, 50000, 0);
	ov_bfd_recv(&b, &p, now += MS);
	b.poll = false;
	for (int i = 0; i < 100; i++)
		ck_assert(!ov_bfd_due(&b, now += 10 * MS, 0, &out) || (out.flags & OV_BFD_F_FINAL));
	/* Demand mode at the far end, both Up: nothing periodic either, but a
	 * Poll of ours goes */
	p = pkt(OV_BFD_UP, OV_BFD_F_DEMAND, 9, 7, 50000, 50000);
	ov_bfd_recv(&b, &p, now);
	for (int i = 0; i < 100; i++)
		ck_assert(!ov_bfd_due(&b, now += 10 * MS, 0, &out));
	c.interval_us = 100000;
	ov_bfd_reconfig(&b, &c, now);
	ck_assert(ov_bfd_due(&b, now, 0, &out));
	ck_assert(out.flags & OV_BFD_F_POLL);
	/* an Up far end gone quiet: Down, and so is what it is taken to be */
	p = pkt(OV_BFD_UP, 0, 9, 7, 50000, 50000);
	ov_bfd_recv(&b, &p, now += MS);
	ck_assert(ov_bfd_judge(&b, now += 1000 * MS));
	ck_assert_int_eq(b.remote_state, OV_BFD_DOWN);
}
END_TEST

START_TEST(discards)
{
	struct ov_bfd_pkt p, good = pkt(OV_BFD_UP, 0, 9, 7, 50000, 50000);
	uint8_t big[64] = { 0 };

	ck_assert_int_eq(ov_bfd_check(&good, sizeof(good)), OV_BFD_OK);
	ck_assert_int_eq(ov_bfd_check(&good, OV_BFD_LEN - 1), OV_BFD_BAD_LENGTH);
	p = good, p.vers_diag = 2 << 5;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_VERSION);
	p = good, p.length = 23;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_LENGTH);
	p = good, p.length = 25;   /* longer than what came */
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_LENGTH);
	p = good, p.detect_mult = 0;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_MULT);
	p = good, p.flags |= OV_BFD_F_MULTI;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_MULTIPOINT);
	p = good, p.my_disc = 0;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_MY_DISC);
	p = good, p.your_disc = 0;   /* Up to nobody */
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_YOUR_DISC);
	p = good, p.your_disc = 0, p.flags = OV_BFD_DOWN << 6;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_OK);
	p = good, p.flags |= OV_BFD_F_AUTH;
	ck_assert_int_eq(ov_bfd_check(&p, sizeof(p)), OV_BFD_BAD_LENGTH);   /* no room for the section */
	memcpy(big, &good, sizeof(good));
	((struct ov_bfd_pkt *)big)->flags |= OV_BFD_F_AUTH;
	((struct ov_bfd_pkt *)big)->length = 28;
	ck_assert_int_eq(ov_bfd_check(big, sizeof(big)), OV_BFD_BAD_AUTH);
	/* more after the length field's end is the UDP payload's, not BFD's */
	ck_assert_int_eq(ov_bfd_check(big, OV_BFD_LEN), OV_BFD_BAD_LENGTH);
	((struct ov_bfd_pkt *)big)->flags &= (uint8_t)~OV_BFD_F_AUTH;
	((struct ov_bfd_pkt *)big)->length = OV_BFD_LEN;
	ck_assert_int_eq(ov_bfd_check(big, sizeof(big)), OV_BFD_OK);
}
END_TEST

/* Random packets that pass the checks, into an Up session: whatever they
 * say, the state stays one of four, the timers sane, nothing faster than
 * 75% of the interval in force. */
START_TEST(fuzz)
{
	struct ov_bfd b;
	struct ov_bfd_cfg c = { .interval_us = 50000, .mult = 3 };
	struct ov_bfd_pkt p, out;
	uint64_t now = 0;
	unsigned int passed = 0;

	srand(7);
	ov_bfd_init(&b, &c, 7, 0);
	for (int i = 0; i < 200000; i++) {
		uint8_t raw[sizeof(p)];

		for (unsigned int k = 0; k < sizeof(raw); k++)
			raw[k] = (uint8_t)rand();
		if (i & 1) {   /* half of them close to valid */
			memcpy(&p, raw, sizeof(p));
			p.vers_diag = (uint8_t)(1 << 5 | (p.vers_diag & 0x1f));
			p.length = OV_BFD_LEN;
			p.flags &= (uint8_t)~(OV_BFD_F_AUTH | OV_BFD_F_MULTI);
			p.detect_mult |= 1;
			memcpy(raw, &p, sizeof(p));
		}
		if (ov_bfd_check(raw, sizeof(raw)) != OV_BFD_OK)
			continue;
		passed++;
		memcpy(&p, raw, sizeof(p));
		ov_bfd_recv(&b, &p, now);
		ov_bfd_judge(&b, now);
		while (ov_bfd_due(&b, now, (uint32_t)rand(), &out))
			ck_assert_int_eq(ov_bfd_check(&out, sizeof(out)), OV_BFD_OK);
		ck_assert_uint_le(b.state, OV_BFD_UP);
		ck_assert_uint_ge(b.tx_us, 50000);
		now += (uint64_t)(rand() % 100) * MS / 10;
	}
	ck_assert_uint_gt(passed, 50000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ov_bfd");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, three_way_handshake);
	tcase_add_test(tc, far_end_speeds_up);
	tcase_add_test(tc, rates);
	tcase_add_test(tc, detection_time);
	tcase_add_test(tc, poll_sequence);
	tcase_add_test(tc, far_end_says);
	tcase_add_test(tc, discards);
	tcase_add_test(tc, fuzz);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
