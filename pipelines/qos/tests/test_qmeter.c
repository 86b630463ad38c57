/* The policers of pipelines/qos/datapath/qm_meter.c against the RFCs' own token
 * bucket arithmetic (RFC 2697, 2698, 4115), written here packet by packet
 * in the plainest form (tokens kept in ticks, refilled and capped at every
 * arrival): the same colors for random traffic in random bursts, color-blind
 * and color-aware; bursts exactly at the CBS/EBS edges; profile refusals;
 * and N threads metering on one state against a made-up clock: what they
 * let through is what the buckets allow, to the byte, whatever the
 * machine's speed. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "qm_meter.h"

#define HZ 2600000000ull

/* ---- the reference: one packet at a time ----
 * Tokens are bytes, added one at a time every u ticks from the meter's
 * start (RFC 2697: "CIR times per second"); an arrival first takes the
 * additions since the last one. */
struct ref {
	struct qm_profile p;
	uint64_t b[2];       /* tokens, bytes */
	uint64_t t0, last;   /* ticks */
};

static void
ref_init(struct ref *r, const struct qm_profile *p, uint64_t now)
{
	r->p = *p;
	r->b[0] = p->d[0];
	r->b[1] = p->d[1];
	r->t0 = r->last = now << QM_FRAC;
}

/* Token additions of a bucket of u ticks per byte between last and t. */
static uint64_t
adds(const struct ref *r, uint64_t u, uint64_t t)
{
	return u == 0 ? 0 : (t - r->t0) / u - (r->last - r->t0) / u;
}

static uint8_t
ref_color(struct ref *r, uint64_t now, uint32_t len, uint8_t in)
{
	const struct qm_profile *p = &r->p;
	uint64_t t = now << QM_FRAC;
	uint64_t u1 = p->mode == QM_SRTCM ? p->u[0] : p->u[1];
	uint64_t k0 = adds(r, p->u[0], t), k1 = adds(r, u1, t);
	uint8_t c = p->aware ? in : QM_GREEN;

	r->last = t;
	if (p->mode == QM_SRTCM) {
		/* RFC 2697: to C while it has room, else to E */
		uint64_t to_c = RTE_MIN(k0, p->d[0] - r->b[0]);

		r->b[0] += to_c;
		r->b[1] = RTE_MIN(p->d[1], r->b[1] + (k0 - to_c));
	} else {
		r->b[0] = RTE_MIN(p->d[0], r->b[0] + k0);
		r->b[1] = RTE_MIN(p->d[1], r->b[1] + k1);
	}
	if (p->mode == QM_TRTCM) {   /* b[0] = P, b[1] = C */
		if (c == QM_RED || r->b[0] < len)
			return QM_RED;
		r->b[0] -= len;
		if (c == QM_YELLOW || r->b[1] < len)
			return QM_YELLOW;
		r->b[1] -= len;
		return QM_GREEN;
	}
	if (c == QM_GREEN && r->b[0] >= len) {
		r->b[0] -= len;
		return QM_GREEN;
	}
	if (c != QM_RED && r->b[1] >= len) {
		r->b[1] -= len;
		return QM_YELLOW;
	}
	return QM_RED;
}

static struct qm_profile
profile(enum qm_mode mode, uint64_t cir, uint32_t cbs, uint64_t eir, uint32_t ebs, int aware)
{
	struct qm_rates r = { .mode = mode, .cir = cir, .cbs = cbs, .eir = eir, .ebs = ebs };
	struct qm_profile p;
	enum qm_bad bad = qm_profile_make(&r, HZ, 0, &p);

	ck_assert_msg(bad == QM_OK, "profile refused: %s", qm_bad_text[bad]);
	p.aware = (uint8_t)aware;
	return p;
}

static const uint32_t imix[] = { 64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1518 };

/* Random traffic in random bursts (one timestamp per burst) with pauses,
 * colors equal to the reference's packet for packet. */
static void
differential(const struct qm_profile *p, uint64_t mean_gap_cycles, unsigned int seed)
{
	struct qm_state st;
	struct ref r;
	uint64_t now = 1000000;
	unsigned int counts[3] = { 0 };

	srand(seed);
	qm_state_init(&st, p, now);
	ref_init(&r, p, now);
	for (int b = 0; b < 20000; b++) {
		uint32_t len[64];
		uint8_t col[64], in[64];
		unsigned int n = 1 + (unsigned int)rand() % 64;

		now += (uint64_t)rand() % (2 * mean_gap_cycles * n + 1);
		/* now and then a pause that lets the buckets fill (srTCM's E
		 * only fills while C is full) */
		if (rand() % 16 == 0)
			now += (uint64_t)rand() % (HZ / 100);
		for (unsigned int i = 0; i < n; i++) {
			len[i] = (rand() & 3) ? imix[rand() % 12] : 60 + (uint32_t)rand() % 1460;
			in[i] = col[i] = (uint8_t)(rand() % 3);
		}
		qm_color(&st, p, now, len, col, n);
		for (unsigned int i = 0; i < n; i++) {
			uint8_t want = ref_color(&r, now, len[i], in[i]);

			ck_assert_msg(col[i] == want, "burst %d packet %u (%u B): color %u, RFC says %u", b, i,
				      len[i], col[i], want);
			counts[col[i]]++;
		}
	}
	/* the traffic is heavy enough to make every color */
	ck_assert_uint_gt(counts[QM_GREEN], 1000);
	ck_assert_uint_gt(counts[QM_RED], 1000);
	if (p->mode != QM_RFC4115 || p->u[1] != 0)
		ck_assert_uint_gt(counts[QM_YELLOW], 1000);
}

START_TEST(srtcm_as_rfc2697)
{
	/* 10 Mbit/s: 1.25 bytes per ns... a 64 B packet every ~133 cycles */
	struct qm_profile p = profile(QM_SRTCM, 10000000, 3000, 0, 6000, _i);

	differential(&p, 300, 1 + _i);
}
END_TEST

START_TEST(trtcm_as_rfc2698)
{
	struct qm_profile p = profile(QM_TRTCM, 10000000, 3000, 25000000, 9000, _i);

	differential(&p, 250, 11 + _i);
}
END_TEST

START_TEST(rfc4115)
{
	struct qm_profile p = profile(QM_RFC4115, 10000000, 3000, 15000000, 4000, _i);

	differential(&p, 250, 21 + _i);
	p = profile(QM_RFC4115, 50000000, 2000, 0, 0, _i);   /* two colors: no excess bucket */
	differential(&p, 60, 31 + _i);
}
END_TEST

/* A full bucket lets exactly its depth through at one instant: CBS of
 * green, then EBS of yellow, then red; one byte more is the next color. */
START_TEST(bursts_at_the_edges)
{
	static const enum qm_mode modes[] = { QM_SRTCM, QM_RFC4115 };

	for (unsigned int m = 0; m < 2; m++) {
		struct qm_profile p = profile(modes[m], 1000000, 1500, modes[m] == QM_SRTCM ? 0 : 1000000, 1000, 0);
		uint32_t len[4] = { 1000, 500, 1000, 1 };
		uint8_t col[4] = { 0 };
		struct qm_state st;

		qm_state_init(&st, &p, 5000);
		qm_color(&st, &p, 5000, len, col, 4);
		ck_assert_uint_eq(col[0], QM_GREEN);
		ck_assert_uint_eq(col[1], QM_GREEN);    /* exactly CBS */
		ck_assert_uint_eq(col[2], QM_YELLOW);   /* exactly EBS */
		ck_assert_uint_eq(col[3], QM_RED);
		/* one byte's worth of time later: one byte of green, no more */
		len[0] = 2;
		len[1] = 1;
		qm_color(&st, &p, 5000 + (p.u[0] >> QM_FRAC) + 1, len, col, 2);
		ck_assert_uint_eq(col[0], QM_RED);
		ck_assert_uint_eq(col[1], QM_GREEN);
	}
	/* trTCM: PBS bounds everything, CBS the green */
	{
		struct qm_profile p = profile(QM_TRTCM, 1000000, 1000, 2000000, 1500, 0);
		uint32_t len[3] = { 1000, 500, 1 };
		uint8_t col[3] = { 0 };
		struct qm_state st;

		qm_state_init(&st, &p, 5000);
		qm_color(&st, &p, 5000, len, col, 3);
		ck_assert_uint_eq(col[0], QM_GREEN);
		ck_assert_uint_eq(col[1], QM_YELLOW);
		ck_assert_uint_eq(col[2], QM_RED);
	}
}
END_TEST

/* Color-aware chains: yellow going in never comes out green; red stays red
 * and takes nothing (what a red packet would have taken is still there). */
START_TEST(color_aware)
{
	struct qm_profile p = profile(QM_RFC4115, 1000000, 1500, 1000000, 1500, 1);
	uint32_t len[3] = { 1500, 1500, 1500 };
	uint8_t col[3] = { QM_RED, QM_YELLOW, QM_GREEN };
	struct qm_state st;

	qm_state_init(&st, &p, 100);
	qm_color(&st, &p, 100, len, col, 3);
	ck_assert_uint_eq(col[0], QM_RED);
	ck_assert_uint_eq(col[1], QM_YELLOW);
	ck_assert_uint_eq(col[2], QM_GREEN);
	p.aware = 0;
	col[0] = QM_RED;
	qm_state_init(&st, &p, 100);
	qm_color(&st, &p, 100, len, col, 1);
	ck_assert_uint_eq(col[0], QM_GREEN);   /* blind: the color going in is ignored */
}
END_TEST

START_TEST(profiles_refused)
{
	static const struct {
		struct qm_rates r;
		enum qm_bad why;
	} bad[] = {
		{ { QM_SRTCM, 0, 0, 1500, 1500 }, QM_BAD_CIR },
		{ { QM_SRTCM, 1000000, 0, 0, 1500 }, QM_BAD_CBS },
		{ { QM_SRTCM, 1000000, 5000000, 1500, 1500 }, QM_BAD_SR_EIR },
		{ { QM_TRTCM, 2000000, 1000000, 1500, 1500 }, QM_BAD_PIR },
		{ { QM_TRTCM, 1000000, 2000000, 1500, 0 }, QM_BAD_PBS },
		{ { QM_RFC4115, 1000000, 1000000, 1500, 0 }, QM_BAD_EBS },
		{ { QM_RFC4115, 1000000, 0, 1500, 1500 }, QM_BAD_EIR },
		{ { QM_RFC4115, 20000000000ull, 0, 1500, 0 }, QM_BAD_PORT_RATE },   /* above a 10G port */
		{ { QM_SRTCM, 1000, 0, 4000000000u, 0 }, QM_BAD_DEPTH },           /* 9 hours deep */
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qm_profile p;
		enum qm_bad got = qm_profile_make(&bad[i].r, HZ, 10000000000ull, &p);

		ck_assert_msg(got == bad[i].why, "case %u: want \"%s\", got \"%s\"", i, qm_bad_text[bad[i].why],
			      qm_bad_text[got]);
	}
}
END_TEST

/* ---- N threads, one meter, a clock of our own ---- */
#define THREADS 4
#define ROUNDS 4000

struct shared {
	struct qm_state st __rte_aligned(64);
	struct qm_profile p;
	pthread_barrier_t bar;
	uint32_t len;                /* 0: IMIX */
	uint64_t step;               /* cycles per round */
	uint64_t bytes[THREADS][3];
};

struct worker_arg {
	struct shared *sh;
	unsigned int id;
};

static void *
worker(void *arg)
{
	struct worker_arg *w = arg;
	struct shared *sh = w->sh;
	unsigned int seed = w->id * 7919u + 1;

	for (unsigned int r = 1; r <= ROUNDS; r++) {
		uint64_t now = 1000000 + r * sh->step;

		pthread_barrier_wait(&sh->bar);
		/* bursts of 1..32, more than the meter allows in a round */
		for (int b = 0; b < 6; b++) {
			uint32_t len[32];
			uint8_t col[32];
			unsigned int n = 1 + rand_r(&seed) % 32;

			for (unsigned int i = 0; i < n; i++) {
				len[i] = sh->len ? sh->len : imix[rand_r(&seed) % 12];
				col[i] = QM_GREEN;
			}
			qm_color(&sh->st, &sh->p, now, len, col, n);
			for (unsigned int i = 0; i < n; i++)
				sh->bytes[w->id][col[i]] += len[i];
		}
	}
	return NULL;
}

/* What got through green (and yellow) is the bucket's depth plus its rate
 * times the time, less at most one packet left unspent at the end. */
static void
threads_case(enum qm_mode mode, uint64_t cir, uint64_t eir, uint32_t len)
{
	static struct shared sh;
	pthread_t th[THREADS];
	struct worker_arg wa[THREADS];
	uint64_t got[3] = { 0 }, elapsed, want_g, want_y;
	uint32_t maxlen = len ? len : 1518;

	memset(&sh, 0, sizeof(sh));
	sh.p = profile(mode, cir, 20000, eir, eir ? 20000 : (mode == QM_SRTCM ? 20000 : 0), 0);
	sh.len = len;
	/* a round offers about 4 x 6 x 16 packets; the meter takes a fraction */
	sh.step = HZ / 1000000 * 20;      /* 20 us */
	qm_state_init(&sh.st, &sh.p, 1000000);
	pthread_barrier_init(&sh.bar, NULL, THREADS);
	for (unsigned int i = 0; i < THREADS; i++) {
		wa[i] = (struct worker_arg){ &sh, i };
		pthread_create(&th[i], NULL, worker, &wa[i]);
	}
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (unsigned int i = 0; i < THREADS; i++)
		for (int c = 0; c < 3; c++)
			got[c] += sh.bytes[i][c];
	/* the bucket is full at round 1: what it earned before overflowed */
	elapsed = (uint64_t)(ROUNDS - 1) * sh.step << QM_FRAC;
	if (mode == QM_SRTCM) {
		/* one rate for both: green and yellow share it */
		want_g = 20000 + 20000 + elapsed / sh.p.u[0];
		ck_assert_msg(got[0] + got[1] <= want_g && got[0] + got[1] + 2 * maxlen > want_g,
			      "srTCM: %lu green+yellow bytes, buckets allow %lu", got[0] + got[1], want_g);
	} else if (mode == QM_TRTCM) {
		/* green within the committed bucket, all within the peak one */
		want_g = 20000 + elapsed / sh.p.u[1];
		want_y = 20000 + elapsed / sh.p.u[0];
		ck_assert_msg(got[0] <= want_g && got[0] + maxlen > want_g,
			      "trTCM green: %lu bytes, the C bucket allows %lu", got[0], want_g);
		ck_assert_msg(got[0] + got[1] <= want_y && got[0] + got[1] + maxlen > want_y,
			      "trTCM green+yellow: %lu bytes, the P bucket allows %lu", got[0] + got[1], want_y);
	} else {
		want_g = 20000 + elapsed / sh.p.u[0];
		ck_assert_msg(got[0] <= want_g && got[0] + maxlen > want_g,
			      "green: %lu bytes, the bucket allows %lu", got[0], want_g);
		if (eir) {
			want_y = 20000 + elapsed / sh.p.u[1];
			ck_assert_msg(got[1] <= want_y && got[1] + maxlen > want_y,
				      "yellow: %lu bytes, the bucket allows %lu", got[1], want_y);
		}
	}
	ck_assert_uint_gt(got[QM_RED], got[QM_GREEN]);   /* it was overloaded all along */
	pthread_barrier_destroy(&sh.bar);
}

START_TEST(threads_exact)
{
	/* 64 B and IMIX, 1 Mbit/s to 10 Gbit/s */
	threads_case(QM_RFC4115, 1000000, 0, 64);
	threads_case(QM_RFC4115, 100000000, 50000000, 0);
	threads_case(QM_RFC4115, 2000000000, 0, 64);
	threads_case(QM_SRTCM, 10000000, 0, 0);
	threads_case(QM_TRTCM, 10000000, 20000000, 64);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("qmeter");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, srtcm_as_rfc2697, 0, 2);
	tcase_add_loop_test(tc, trtcm_as_rfc2698, 0, 2);
	tcase_add_loop_test(tc, rfc4115, 0, 2);
	tcase_add_test(tc, bursts_at_the_edges);
	tcase_add_test(tc, color_aware);
	tcase_add_test(tc, profiles_refused);
	tcase_add_test(tc, threads_exact);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
