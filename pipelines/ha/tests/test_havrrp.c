/* VRRPv3 (pipelines/ha/datapath/ha_vrrp.c) on a made-up clock: routers
 * wired to each other through a LAN that can be cut or delay packets, and
 * a hostile host on it. Known answers from scapy's VRRPv3 (the checksum
 * with IPv4's pseudo-header, and IPv6's). The higher priority is elected
 * (a tie by the higher address), the owner is Master at once, a silent
 * master is taken over within Master_Down_Interval, a stopping one within
 * Skew_Time, a returning higher priority preempts only past its hold-down,
 * never two masters once the LAN has settled, and what 7.1 discards (and
 * a forger on the LAN) changes nothing. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ha_vrrp.h"

#define MS 1000000ull
#define ADV_CS 10                         /* 100 ms, as the pair's default */
#define MAXR 3

static const uint8_t MCAST4[16] = { [10] = 0xff, [11] = 0xff, 224, 0, 0, 18 };
static const uint8_t MCAST6[16] = { 0xff, 0x02, [15] = 0x12 };

static void
ip4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

struct msg {
	uint8_t b[HA_VRRP_HLEN + HA_VRRP_ADDRS_MAX * 16];
	uint32_t len;
	unsigned int from;
	uint64_t at;
};

struct lan {
	struct ha_vrrp r[MAXR];
	bool up[MAXR];            /* running */
	bool cut[MAXR];           /* what it sends is lost */
	unsigned int n;
	struct msg q[256];
	unsigned int nq;
	uint64_t now, delay;
	uint64_t two_masters_ns;  /* how long two were Master at once */
	unsigned int changes;
};

static struct ha_vrrp_cfg
cfg(uint8_t self_last, uint8_t prio, bool v6)
{
	struct ha_vrrp_cfg c = { .vrid = 7, .prio = prio, .adv_cs = ADV_CS, .preempt = true, .v6 = v6, .n_addr = 1,
				 .n_peers = 0 };

	if (v6) {
		c.self[0] = 0xfe, c.self[1] = 0x80, c.self[15] = self_last;
		c.addr[0][0] = 0x20, c.addr[0][1] = 0x01, c.addr[0][2] = 0x0d, c.addr[0][3] = 0xb8, c.addr[0][15] = 1;
	} else {
		ip4(c.self, 10, 1, 0, self_last);
		ip4(c.addr[0], 10, 1, 0, 1);
	}
	return c;
}

/* Routers with the given priorities (addresses 10.1.0.2, .3, ...), each the others' peer. */
static void
lan_init(struct lan *l, unsigned int n, const uint8_t *prio, bool v6, uint32_t hold_ms)
{
	memset(l, 0, sizeof(*l));
	l->n = n;
	l->delay = MS;
	for (unsigned int i = 0; i < n; i++) {
		struct ha_vrrp_cfg c = cfg((uint8_t)(2 + i), prio[i], v6);

		c.hold_ms = hold_ms;
		for (unsigned int j = 0; j < n; j++)
			if (j != i)
				memcpy(c.peers[c.n_peers++], cfg((uint8_t)(2 + j), 1, v6).self, 16);
		ha_vrrp_start(&l->r[i], &c, 0);
		l->up[i] = true;
	}
}

static unsigned int
masters(const struct lan *l)
{
	unsigned int m = 0;

	for (unsigned int i = 0; i < l->n; i++)
		m += l->up[i] && ha_vrrp_master(&l->r[i]);
	return m;
}

/* Run the clock to @until, 1 ms at a time: deliveries, timers, sends. */
static void
lan_run(struct lan *l, uint64_t until)
{
	for (; l->now <= until; l->now += MS) {
		for (unsigned int k = 0; k < l->nq;) {
			struct msg m = l->q[k];

			if (m.at > l->now) {
				k++;
				continue;
			}
			l->q[k] = l->q[--l->nq];
			for (unsigned int i = 0; i < l->n; i++) {
				bool changed;
				const bool v6 = l->r[i].cfg.v6;

				if (i == m.from || !l->up[i])
					continue;
				ck_assert_int_eq(ha_vrrp_check(m.b, m.len, v6, l->r[m.from].cfg.self, v6 ? MCAST6 : MCAST4,
							       HA_VRRP_TTL), HA_VRRP_OK);
				ck_assert_int_eq(ha_vrrp_recv(&l->r[i], m.b, l->r[m.from].cfg.self, l->now, &changed),
						 HA_VRRP_OK);
				l->changes += changed;
			}
		}
		for (unsigned int i = 0; i < l->n; i++) {
			struct msg m = { .from = i, .at = l->now + l->delay };

			if (!l->up[i])
				continue;
			l->changes += ha_vrrp_judge(&l->r[i], l->now);
			m.len = ha_vrrp_due(&l->r[i], l->now, l->r[i].cfg.v6 ? MCAST6 : MCAST4, m.b);
			if (m.len != 0 && !l->cut[i] && l->nq < 256)
				l->q[l->nq++] = m;
		}
		if (masters(l) > 1)
			l->two_masters_ns += MS;
	}
}

/* The first time from now on router @i is Master (UINT64_MAX: not by @until). */
static uint64_t
until_master(struct lan *l, unsigned int i, uint64_t until)
{
	while (l->now <= until) {
		if (ha_vrrp_master(&l->r[i]))
			return l->now;
		lan_run(l, l->now);
	}
	return UINT64_MAX;
}

START_TEST(known_answers)
{
	/* scapy: IP(src="10.1.0.2", dst="224.0.0.18", ttl=255)/VRRPv3(vrid=7, priority=150, adv=10,
	 * addrlist=["10.1.0.1"]); IPv6(src="fe80::2", dst="ff02::12")/VRRPv3(..., addrlist=["2001:db8:10::1"]) */
	static const uint8_t v4[] = { 0x31, 0x07, 0x96, 0x01, 0x00, 0x0a, 0x44, 0x59, 10, 1, 0, 1 };
	static const uint8_t v6[] = { 0x31, 0x07, 0x96, 0x01, 0x00, 0x0a, 0x0d, 0x03, 0x20, 0x01, 0x0d, 0xb8,
				      0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct ha_vrrp_cfg c = cfg(2, 150, false);
	struct ha_vrrp v;
	uint8_t out[64], mac[6];

	c.addr[0][14] = 0;   /* 10.1.0.1 */
	ha_vrrp_start(&v, &c, 0);
	ck_assert_int_eq(ha_vrrp_check(v4, sizeof(v4), false, c.self, MCAST4, 255), HA_VRRP_OK);
	v.state = HA_VRRP_MASTER;
	v.adver_at = 0;
	ck_assert_uint_eq(ha_vrrp_due(&v, 0, MCAST4, out), sizeof(v4));
	ck_assert_mem_eq(out, v4, sizeof(v4));
	c = cfg(2, 150, true);
	c.addr[0][5] = 0x10;   /* 2001:db8:10::1 */
	ha_vrrp_start(&v, &c, 0);
	ck_assert_int_eq(ha_vrrp_check(v6, sizeof(v6), true, c.self, MCAST6, 255), HA_VRRP_OK);
	v.state = HA_VRRP_MASTER;
	v.adver_at = 0;
	ck_assert_uint_eq(ha_vrrp_due(&v, 0, MCAST6, out), sizeof(v6));
	ck_assert_mem_eq(out, v6, sizeof(v6));
	ha_vrrp_mac(&c, mac);
	ck_assert_mem_eq(mac, ((const uint8_t[]){ 0, 0, 0x5e, 0, 2, 7 }), 6);
	c.v6 = false;
	ha_vrrp_mac(&c, mac);
	ck_assert_mem_eq(mac, ((const uint8_t[]){ 0, 0, 0x5e, 0, 1, 7 }), 6);
}
END_TEST

static void
election(bool v6)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	uint64_t t;

	lan_init(l, 2, prio, v6, 0);
	/* neither is the owner: both wait; the higher priority's wait is the shorter */
	t = until_master(l, 0, 2000 * MS);
	ck_assert_uint_ge(t, ha_vrrp_down_ns(&l->r[0]));
	ck_assert_uint_le(t, ha_vrrp_down_ns(&l->r[0]) + 2 * MS);   /* the clock's 1 ms ticks */
	lan_run(l, 3000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]) && !ha_vrrp_master(&l->r[1]));
	ck_assert_uint_eq(l->two_masters_ns, 0);
	/* about 10 advertisements a second, by the master alone */
	ck_assert_uint_ge(l->r[0].st.tx, 26);
	ck_assert_uint_le(l->r[0].st.tx, 28);
	ck_assert_uint_eq(l->r[1].st.tx, 0);
	free(l);
}

START_TEST(higher_priority_elected)
{
	election(false);
	election(true);
}
END_TEST

START_TEST(tie_by_the_higher_address)
{
	static const uint8_t prio[] = { 100, 100 };
	struct lan *l = calloc(1, sizeof(*l));

	lan_init(l, 2, prio, false, 0);
	/* both time out together and both advertise: the higher address stays */
	lan_run(l, 3000 * MS);
	ck_assert(!ha_vrrp_master(&l->r[0]) && ha_vrrp_master(&l->r[1]));
	ck_assert_uint_le(l->two_masters_ns, 3 * MS);
	free(l);
}
END_TEST

START_TEST(owner_is_master_at_once)
{
	static const uint8_t prio[] = { 100, 255 };
	struct lan *l = calloc(1, sizeof(*l));

	lan_init(l, 2, prio, false, 0);
	ck_assert(ha_vrrp_master(&l->r[1]) && !ha_vrrp_master(&l->r[0]));
	lan_run(l, 2000 * MS);
	ck_assert(ha_vrrp_master(&l->r[1]) && !ha_vrrp_master(&l->r[0]));
	ck_assert_uint_eq(l->two_masters_ns, 0);
	free(l);
}
END_TEST

START_TEST(silent_master_taken_over)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	uint64_t cut, t;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	/* the master's box dies: the backup takes over within its
	 * Master_Down_Interval of the last advertisement it heard */
	cut = l->now;
	l->up[0] = false;
	t = until_master(l, 1, cut + 2000 * MS);
	ck_assert_uint_le(t - cut, ha_vrrp_down_ns(&l->r[1]) + 2 * MS);
	ck_assert_uint_ge(t - cut, ha_vrrp_down_ns(&l->r[1]) - 100 * MS - 2 * MS);
	free(l);
}
END_TEST

START_TEST(stopping_master_taken_over_in_skew_time)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	struct msg m = { .from = 0 };
	uint64_t t;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	m.len = ha_vrrp_stop(&l->r[0], l->now, MCAST4, m.b);
	ck_assert_uint_eq(m.len, HA_VRRP_HLEN + 4);
	ck_assert_uint_eq(m.b[2], 0);
	ck_assert_int_eq(l->r[0].state, HA_VRRP_INIT);
	l->up[0] = false;
	m.at = l->now + l->delay;
	l->q[l->nq++] = m;
	t = until_master(l, 1, l->now + 2000 * MS);
	ck_assert_uint_le(t - (m.at - l->delay), l->delay + ha_vrrp_skew_ns(&l->r[1]) + 2 * MS);
	ck_assert_uint_eq(l->r[1].st.stops_rx, 1);
	free(l);
}
END_TEST

START_TEST(preempts_past_its_hold_down)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	struct ha_vrrp_cfg c;
	uint64_t back, t;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	l->up[0] = false;
	lan_run(l, 4000 * MS);
	ck_assert(ha_vrrp_master(&l->r[1]));
	/* the higher priority box returns with a hold-down of 2 s: the
	 * lower priority master stays until it is past */
	back = l->now;
	c = l->r[0].cfg;
	c.hold_ms = 2000;
	ha_vrrp_start(&l->r[0], &c, back);
	l->up[0] = true;
	t = until_master(l, 0, back + 5000 * MS);
	ck_assert_uint_ge(t - back, 2000 * MS);
	ck_assert_uint_le(t - back, 2000 * MS + ha_vrrp_down_ns(&l->r[0]) + 2 * MS);
	lan_run(l, l->now + 1000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]) && !ha_vrrp_master(&l->r[1]));
	/* two masters for at most the time one advertisement takes to arrive */
	ck_assert_uint_le(l->two_masters_ns, l->delay + MS);
	free(l);
}
END_TEST

/* ha_vrrp_hold: a router that could preempt at once (past its hold-down,
 * its priority lowered meanwhile: another router of its box had no
 * carrier) waits the hold-down again from then, as a returning box does. */
START_TEST(hold_again_delays_the_preemption)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	struct ha_vrrp_cfg c;
	uint64_t back, t;

	lan_init(l, 2, prio, false, 2000);
	lan_run(l, 3000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]));
	/* priority 1 (its box's other LAN without carrier): the other preempts */
	c = l->r[0].cfg;
	c.prio = 1;
	ha_vrrp_reconfig(&l->r[0], &c, l->now);
	lan_run(l, l->now + 1000 * MS);
	ck_assert(ha_vrrp_master(&l->r[1]) && !ha_vrrp_master(&l->r[0]));
	/* the LAN back: its own priority, and the hold-down from now */
	back = l->now;
	c.prio = 200;
	ha_vrrp_reconfig(&l->r[0], &c, back);
	ha_vrrp_hold(&l->r[0], back + c.hold_ms * MS);
	t = until_master(l, 0, back + 5000 * MS);
	ck_assert_uint_ge(t - back, 2000 * MS);
	ck_assert_uint_le(t - back, 2000 * MS + ha_vrrp_down_ns(&l->r[0]) + 2 * MS);
	free(l);
}
END_TEST

/* A witness that saw the master gone (ha_vrrp_hasten): the backup takes
 * over after two intervals and its skew of silence, not three; once per
 * silence; a master heard again (or a preemption) has nothing to hasten. */
START_TEST(hasten_takes_over_an_interval_sooner)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	uint64_t t, m, adv = ADV_CS * 10 * MS;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]));
	l->up[0] = false;
	t = l->now;   /* its last advertisement was at most one interval before */
	ck_assert(ha_vrrp_hasten(&l->r[1]));
	ck_assert(!ha_vrrp_hasten(&l->r[1]));
	m = until_master(l, 1, t + 2000 * MS);
	ck_assert_uint_le(m - t, 2 * adv + ha_vrrp_skew_ns(&l->r[1]) + 2 * MS);
	ck_assert_uint_ge(m - t, adv + ha_vrrp_skew_ns(&l->r[1]) - 2 * MS);
	ck_assert(!ha_vrrp_hasten(&l->r[0]) && !ha_vrrp_hasten(&l->r[1]));
	free(l);
}
END_TEST

START_TEST(no_preemption_keeps_the_master)
{
	static const uint8_t prio[] = { 100, 200 };
	struct lan *l = calloc(1, sizeof(*l));
	struct ha_vrrp_cfg c;

	lan_init(l, 2, prio, false, 0);
	l->up[1] = false;
	lan_run(l, 2000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]));
	c = l->r[1].cfg;
	c.preempt = false;
	ha_vrrp_start(&l->r[1], &c, l->now);
	l->up[1] = true;
	lan_run(l, l->now + 3000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]) && !ha_vrrp_master(&l->r[1]));
	free(l);
}
END_TEST

/* A message as router @v would send it, with its priority and the checksum made again. */
static uint32_t
forged(const struct ha_vrrp *v, uint8_t prio, const uint8_t *src, uint8_t *out)
{
	struct ha_vrrp w = *v;

	w.cfg.prio = prio;
	memcpy(w.cfg.self, src, 16);
	w.state = HA_VRRP_MASTER;
	w.adver_at = 0;
	return ha_vrrp_due(&w, 0, MCAST4, out);
}

START_TEST(hostile_lan_changes_nothing)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	struct ha_vrrp *b;
	uint8_t m[64], host[16], peer[16];
	uint32_t len;
	bool changed;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	b = &l->r[1];
	ip4(host, 10, 1, 0, 66);
	memcpy(peer, l->r[0].cfg.self, 16);
	/* a host on the LAN claims the gateway with priority 254: not a peer */
	len = forged(&l->r[0], 254, host, m);
	ck_assert_int_eq(ha_vrrp_check(m, len, false, host, MCAST4, 255), HA_VRRP_OK);
	ck_assert_int_eq(ha_vrrp_recv(&l->r[0], m, host, l->now, &changed), HA_VRRP_BAD_SOURCE);
	ck_assert(!changed && ha_vrrp_master(&l->r[0]));
	ck_assert_uint_eq(l->r[0].st.bad[HA_VRRP_BAD_SOURCE], 1);
	/* priority 0 from a forger would make the backup take over in Skew_Time */
	len = forged(&l->r[0], 0, host, m);
	ck_assert_int_eq(ha_vrrp_recv(b, m, host, l->now, &changed), HA_VRRP_BAD_SOURCE);
	/* 7.1's checks, each on the peer's own message spoiled one way */
	len = forged(&l->r[0], 200, peer, m);
	ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 254), HA_VRRP_BAD_TTL);
	ck_assert_int_eq(ha_vrrp_check(m, len - 1, false, peer, MCAST4, 255), HA_VRRP_BAD_LENGTH);
	ck_assert_int_eq(ha_vrrp_check(m, 6, false, peer, MCAST4, 255), HA_VRRP_BAD_LENGTH);
	m[7] ^= 1;
	ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_BAD_CKSUM);
	m[7] ^= 1;
	ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_OK);
	/* the checksum covers the pseudo-header: another source does not verify */
	ck_assert_int_eq(ha_vrrp_check(m, len, false, host, MCAST4, 255), HA_VRRP_BAD_CKSUM);
	m[0] = 0x21;   /* version 2 */
	ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_BAD_VERSION);
	m[0] = 0x32;   /* type 2 */
	ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_BAD_TYPE);
	{
		struct ha_vrrp w = l->r[0];

		w.cfg.adv_cs = 0;   /* Max Adver Int 0 */
		len = forged(&w, 200, peer, m);
		ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_BAD_INTERVAL);
		w = l->r[0];
		w.cfg.addr[0][15] = 9;   /* another address */
		len = forged(&w, 250, peer, m);
		ck_assert_int_eq(ha_vrrp_check(m, len, false, peer, MCAST4, 255), HA_VRRP_OK);
		ck_assert_int_eq(ha_vrrp_recv(b, m, peer, l->now, &changed), HA_VRRP_BAD_ADDRS);
	}
	/* none of it moved the election */
	lan_run(l, l->now + 2000 * MS);
	ck_assert(ha_vrrp_master(&l->r[0]) && !ha_vrrp_master(b));
	ck_assert_uint_eq(l->two_masters_ns, 0);
	free(l);
}
END_TEST

START_TEST(reconfig_keeps_state)
{
	static const uint8_t prio[] = { 200, 100 };
	struct lan *l = calloc(1, sizeof(*l));
	struct ha_vrrp_cfg c;
	uint64_t t;

	lan_init(l, 2, prio, false, 0);
	lan_run(l, 2000 * MS);
	/* the master's priority lowered below the backup's: it says so at
	 * once, and the backup (preempting) takes over */
	c = l->r[0].cfg;
	c.prio = 50;
	t = l->now;
	ha_vrrp_reconfig(&l->r[0], &c, t);
	ck_assert(ha_vrrp_master(&l->r[0]));
	/* taken over within Skew_Time of the advertisement, not Master_Down_Interval */
	ck_assert_uint_le(until_master(l, 1, t + 2000 * MS) - t, l->delay + ha_vrrp_skew_ns(&l->r[1]) + 2 * MS);
	lan_run(l, l->now + 2000 * MS);
	ck_assert(!ha_vrrp_master(&l->r[0]) && ha_vrrp_master(&l->r[1]));
	/* another VRID starts it again */
	c.vrid = 9;
	ha_vrrp_reconfig(&l->r[0], &c, l->now);
	ck_assert_int_eq(l->r[0].state, HA_VRRP_BACKUP);
	ck_assert_uint_eq(l->r[0].st.masters, 0);
	free(l);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("havrrp");
	TCase *t = tcase_create("core");

	tcase_add_test(t, known_answers);
	tcase_add_test(t, higher_priority_elected);
	tcase_add_test(t, tie_by_the_higher_address);
	tcase_add_test(t, owner_is_master_at_once);
	tcase_add_test(t, silent_master_taken_over);
	tcase_add_test(t, stopping_master_taken_over_in_skew_time);
	tcase_add_test(t, preempts_past_its_hold_down);
	tcase_add_test(t, hold_again_delays_the_preemption);
	tcase_add_test(t, no_preemption_keeps_the_master);
	tcase_add_test(t, hasten_takes_over_an_interval_sooner);
	tcase_add_test(t, hostile_lan_changes_nothing);
	tcase_add_test(t, reconfig_keeps_state);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
