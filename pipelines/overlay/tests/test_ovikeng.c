/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv2's exchanges (ov_ike): two engines wired to each other in memory on a made-up clock: the SAs come up with the same keys both ways, through lost and repeated messages; a wrong key is refused on both sides; a dead peer is found; a forged IKE_SA_INIT in the peer's name ends nothing; a flood of IKE_SA_INITs gets cookies, and the real peer still gets in; over IPv6 as over IPv4. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ov_ike.h"

#define QMAX 4096

/* the two sides' addresses as the engine keeps them (IPv4 mapped): 10.0.0.1
 * and 10.0.0.2, or fd00::1 and fd00::2 for a test over IPv6 (use_v6) */
static uint8_t a_addr[16], b_addr[16];

/* What a dataplane holds of one side's Child SAs: its inbound SAs, the outbound one it seals with. */
struct dp {
	struct { uint32_t spi; uint8_t key[OV_IKE_KEY_MAX]; bool live; } in[8];
	uint32_t out_spi;
	uint8_t out_key[OV_IKE_KEY_MAX];
};

struct side {
	struct dp dp;
	unsigned int child_life, ike_life;
	struct ov_ike *e;
	struct ov_ike_peer *p;
	struct ov_ike_child child;
	int ups, downs;
	char state[32], why[160];
	char first_down[160];	/* why it first went down */
	uint32_t spi;
};

struct pkt {
	int to;			/* 0: a, 1: b */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	size_t len;
	uint8_t msg[OV_IKE_MSG_MAX];
};

static struct side sides[2];
static struct pkt *q;
static size_t nq;
static uint64_t now;
static int drop_from_a, drop_from_b;	/* messages to lose */
static bool cut_b;			/* b's messages all lost */
static uint8_t first_a[OV_IKE_MSG_MAX];	/* a's first message (its IKE_SA_INIT) as sent */
static size_t first_a_len;
static uint64_t ike_spis[16];		/* the initiator's SPIs of the IKE SAs messages were of */
static size_t n_ike_spis;

static int
who(void *ctx)
{
	return (int)(intptr_t)ctx;
}

static void
on_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, const uint8_t dst[16],
	uint16_t dport)
{
	int from = who(ctx);

	(void)p;
	ck_assert_mem_eq(dst, from ? a_addr : b_addr, 16);
	if (from == 0 && first_a_len == 0) {
		memcpy(first_a, msg, len);
		first_a_len = len;
	}
	if (len >= OV_IKE_HDR) {
		uint64_t spi = (uint64_t)ov_ike_get32(msg) << 32 | ov_ike_get32(msg + 4);
		size_t k;

		for (k = 0; k < n_ike_spis && ike_spis[k] != spi; k++)
			;
		if (k == n_ike_spis && n_ike_spis < 16)
			ike_spis[n_ike_spis++] = spi;
	}
	if ((from == 0 && drop_from_a > 0 && drop_from_a--) || (from == 1 && drop_from_b > 0 && drop_from_b--) ||
	    (from == 1 && cut_b))
		return;
	ck_assert_uint_lt(nq, QMAX);
	q[nq] = (struct pkt){ .to = !from, .sport = sport, .dport = dport, .len = len };
	memcpy(q[nq].src, from ? b_addr : a_addr, 16);
	memcpy(q[nq].dst, from ? a_addr : b_addr, 16);
	memcpy(q[nq].msg, msg, len);
	nq++;
}

static uint32_t
on_spi(void *ctx, struct ov_ike_peer *p)
{
	(void)p;
	return ++sides[who(ctx)].spi + (uint32_t)who(ctx) * 0x10000u;
}

static void
on_up(void *ctx, struct ov_ike_peer *p, const struct ov_ike_child *c)
{
	struct dp *d = &sides[who(ctx)].dp;
	int i, free_one = -1;

	(void)p;
	for (i = 0; i < 8 && !(d->in[i].live && d->in[i].spi == c->spi_in); i++)
		if (!d->in[i].live && free_one < 0)
			free_one = i;
	if (i == 8) {
		ck_assert_int_ge(free_one, 0);
		d->in[free_one].live = true;
		d->in[free_one].spi = c->spi_in;
		memcpy(d->in[free_one].key, c->key_in, c->key_len);
	}
	if (!c->in_only) {
		d->out_spi = c->spi_out;
		memcpy(d->out_key, c->key_out, c->key_len);
	}
	sides[who(ctx)].child = *c;
	sides[who(ctx)].ups++;
}

static void
on_down(void *ctx, struct ov_ike_peer *p, uint32_t in, uint32_t out)
{
	struct dp *d = &sides[who(ctx)].dp;

	(void)p;
	for (int i = 0; i < 8; i++)
		if (d->in[i].live && d->in[i].spi == in)
			d->in[i].live = false;
	if (d->out_spi == out)
		d->out_spi = 0;
	sides[who(ctx)].downs++;
}

static void
on_state(void *ctx, struct ov_ike_peer *p, const char *st, const char *why)
{
	(void)p;
	snprintf(sides[who(ctx)].state, sizeof(sides[0].state), "%s", st);
	snprintf(sides[who(ctx)].why, sizeof(sides[0].why), "%s", why ? why : "");
	if (strcmp(st, "down") == 0 && sides[who(ctx)].first_down[0] == '\0')
		snprintf(sides[who(ctx)].first_down, sizeof(sides[0].first_down), "%s", why ? why : "-");
}

static void
side_new(int i, bool start, const char *psk, unsigned int dpd_ms)
{
	struct ov_ike_ops ops = { .send = on_send, .spi = on_spi, .child_up = on_up, .child_down = on_down,
				  .state = on_state, .ctx = (void *)(intptr_t)i };
	struct ov_ike_conf c = { .start = start, .dpd_ms = dpd_ms, .psk_len = strlen(psk),
				 .child_life_ms = sides[i].child_life, .ike_life_ms = sides[i].ike_life };

	memcpy(c.local, i ? b_addr : a_addr, 16);
	memcpy(c.remote, i ? a_addr : b_addr, 16);
	memcpy(c.psk, psk, c.psk_len);
	snprintf(c.name, sizeof(c.name), "side-%d", i);
	memset(&sides[i], 0, sizeof(sides[i]));
	sides[i].child_life = c.child_life_ms;
	sides[i].ike_life = c.ike_life_ms;
	ck_assert_ptr_nonnull(sides[i].e = ov_ike_new(&ops));
	ck_assert_int_eq(ov_ike_peer_add(sides[i].e, &c, &sides[i].p), 0);
}

static void
setup(void)
{
	q = calloc(QMAX, sizeof(*q));
	nq = 0;
	now = 1000000;
	memset(sides, 0, sizeof(sides));
	drop_from_a = drop_from_b = 0;
	cut_b = false;
	first_a_len = n_ike_spis = 0;
	memset(a_addr, 0, 16);
	memset(b_addr, 0, 16);
	a_addr[10] = a_addr[11] = b_addr[10] = b_addr[11] = 0xff;
	inet_pton(AF_INET, "10.0.0.1", a_addr + 12);
	inet_pton(AF_INET, "10.0.0.2", b_addr + 12);
}

/* The two sides over IPv6 (before side_new). */
static void
use_v6(void)
{
	inet_pton(AF_INET6, "fd00::1", a_addr);
	inet_pton(AF_INET6, "fd00::2", b_addr);
}

static void
teardown(void)
{
	for (int i = 0; i < 2; i++)
		ov_ike_free(sides[i].e);
	free(q);
}

/* The network and the clock for @ms, in steps of 10 ms. */
static void
run(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 10) {
		size_t n = nq;

		for (size_t i = 0; i < n; i++)
			ov_ike_input(sides[q[i].to].e, q[i].src, q[i].sport, q[i].dst, q[i].dport, q[i].msg, q[i].len, now);
		memmove(q, q + n, (nq - n) * sizeof(*q));
		nq -= n;
		now += 10;
		ov_ike_tick(sides[0].e, now);
		ov_ike_tick(sides[1].e, now);
	}
}

static void
agree(void)
{
	struct ov_ike_child *a = &sides[0].child, *b = &sides[1].child;

	ck_assert_str_eq(sides[0].state, "established");
	ck_assert_str_eq(sides[1].state, "established");
	ck_assert_uint_eq(a->spi_out, b->spi_in);
	ck_assert_uint_eq(a->spi_in, b->spi_out);
	ck_assert_uint_eq(a->key_len, 36);
	ck_assert_mem_eq(a->key_out, b->key_in, a->key_len);
	ck_assert_mem_eq(a->key_in, b->key_out, a->key_len);
	ck_assert(memcmp(a->key_in, a->key_out, a->key_len) != 0);
}

/* NAT_DETECTION_*_IP's data as RFC 7296 2.23 has it, by hand: SHA-1 of
 * SPIi | SPIr (0) | the address as sent (IPv4's 4 bytes, IPv6's 16) | 500. */
static void
nat_d(uint64_t spi_i, const uint8_t *addr, uint8_t out[20])
{
	uint8_t in[34] = { 0 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t al = memcmp(addr, mapped, 12) == 0 ? 4 : 16;
	unsigned int len = 0;

	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(spi_i >> (56 - 8 * i));
	memcpy(in + 16, addr + 16 - al, al);
	in[16 + al] = 500 >> 8;
	in[17 + al] = 500 & 0xff;
	ck_assert_int_eq(EVP_Digest(in, 18 + al, out, &len, EVP_sha1(), NULL), 1);
}

/* a's IKE_SA_INIT says what it sees: its address and b's, hashed over the family's bytes */
static void
nat_d_as_sent(void)
{
	struct ov_ike_notify n;
	struct ov_ike_msg m;
	uint8_t h[20];

	ck_assert_int_eq(ov_ike_parse(first_a, first_a_len, &m, NULL), 0);
	ck_assert_int_eq(m.h.exchange, OV_IKE_SA_INIT);
	ck_assert_int_eq(ov_ike_find_notify(&m, OV_IKE_N_NAT_DETECTION_SOURCE_IP, &n), 0);
	nat_d(m.h.spi_i, a_addr, h);
	ck_assert(n.data_len == 20 && memcmp(n.data, h, 20) == 0);
	ck_assert_int_eq(ov_ike_find_notify(&m, OV_IKE_N_NAT_DETECTION_DESTINATION_IP, &n), 0);
	nat_d(m.h.spi_i, b_addr, h);
	ck_assert(n.data_len == 20 && memcmp(n.data, h, 20) == 0);
}

/* _i 0 over IPv4, 1 over IPv6 */
START_TEST(up_with_the_same_keys)
{
	if (_i)
		use_v6();
	side_new(0, true, "a shared key of some length", 0);
	side_new(1, false, "a shared key of some length", 0);
	run(200);
	agree();
	/* no NAT between: the hashes each side sent are what the other sees */
	ck_assert(sides[0].child.esn && !sides[0].child.encap && !sides[1].child.encap);
	ck_assert_uint_eq(ov_ike_stats(sides[0].e)->established, 1);
	nat_d_as_sent();
}
END_TEST

START_TEST(lost_and_repeated_messages)
{
	side_new(0, true, "k3y-k3y-k3y", 0);
	side_new(1, false, "k3y-k3y-k3y", 0);
	drop_from_a = 1;	/* its IKE_SA_INIT: sent again */
	drop_from_b = 2;	/* both responses: each request sent again, answered again */
	run(10000);
	agree();
	ck_assert_uint_ge(ov_ike_stats(sides[0].e)->retransmits, 3);
	ck_assert_int_eq(sides[0].ups, 1);
	ck_assert_int_eq(sides[1].ups, 1);
}
END_TEST

START_TEST(wrong_key_refused_both_ways)
{
	side_new(0, true, "the right key", 0);
	side_new(1, false, "not the right key", 0);
	run(500);
	ck_assert_int_eq(sides[0].ups + sides[1].ups, 0);
	ck_assert_uint_eq(ov_ike_stats(sides[1].e)->drop[OV_IKE_R_auth_failed], 1);
	ck_assert_uint_eq(ov_ike_stats(sides[0].e)->drop[OV_IKE_R_auth_failed], 1);
	ck_assert_ptr_nonnull(strstr(sides[0].why, "AUTHENTICATION_FAILED"));
}
END_TEST

START_TEST(dead_peer_found)
{
	side_new(0, true, "k", 1000);
	side_new(1, false, "k", 0);
	run(200);
	agree();
	cut_b = true;
	run(60000);
	ck_assert_int_eq(sides[0].downs, 1);
	ck_assert_ptr_nonnull(strstr(sides[0].first_down, "dead peer detection"));
	ck_assert_uint_ge(ov_ike_stats(sides[0].e)->dead, 1);
}
END_TEST

START_TEST(forged_init_ends_nothing)
{
	struct ov_ike_child was;

	side_new(0, true, "the peers' key", 0);
	side_new(1, false, "the peers' key", 0);
	run(200);
	agree();
	was = sides[1].child;
	/* an engine in a's name (its address) with another key starts an IKE SA with b */
	ov_ike_free(sides[0].e);
	side_new(0, true, "an attacker's key", 0);
	run(500);
	/* b answered its IKE_SA_INIT, refused its AUTH, and kept the SA it had */
	ck_assert_int_eq(sides[1].downs, 0);
	ck_assert_str_eq(sides[1].state, "established");
	ck_assert_uint_eq(sides[1].child.spi_in, was.spi_in);
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->refused_new, 1);
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->drop[OV_IKE_R_auth_failed], 1);
	/* the true peer restarting gets its new SA, the old Child SA replaced after the new is up */
	ov_ike_free(sides[0].e);
	side_new(0, true, "the peers' key", 0);
	run(500);
	ck_assert_int_eq(sides[1].ups, 2);
	ck_assert_int_eq(sides[1].downs, 1);
	agree();
}
END_TEST

/* What side @i seals with, side !@i opens: the same SPI and key in its inbound SAs. */
static bool
opens(int i)
{
	const struct dp *s = &sides[i].dp, *r = &sides[!i].dp;

	for (int k = 0; k < 8; k++)
		if (r->in[k].live && r->in[k].spi == s->out_spi && memcmp(r->in[k].key, s->out_key, 36) == 0)
			return true;
	return false;
}

/* Rekeys for @ms with every step's sealing opened by the other side (a
 * dataplane between would lose nothing); the outbound SA changed @min
 * times or more, each time to new keys. */
static void
rekeys_lose_nothing(uint64_t ms, int min)
{
	uint32_t last = sides[0].dp.out_spi;
	int changes = 0;

	for (uint64_t t = 0; t < ms; t += 10) {
		run(10);
		ck_assert_msg(opens(0) && opens(1), "at %llu ms: a side seals with an SA the other cannot open",
			      (unsigned long long)t);
		if (sides[0].dp.out_spi != last) {
			changes++;
			last = sides[0].dp.out_spi;
		}
	}
	ck_assert_int_ge(changes, min);
	ck_assert_str_eq(sides[0].state, "established");
	ck_assert_str_eq(sides[1].state, "established");
}

START_TEST(child_rekeyed_by_its_initiator)
{
	uint8_t first[36];

	sides[0].child_life = 2000;
	side_new(0, true, "k", 1000);
	side_new(1, false, "k", 1000);
	run(200);
	agree();
	memcpy(first, sides[0].dp.out_key, 36);
	rekeys_lose_nothing(20000, 8);
	agree();
	ck_assert(memcmp(first, sides[0].dp.out_key, 36) != 0);
	ck_assert_uint_ge(ov_ike_stats(sides[0].e)->rekeys, 8);
	/* the old Child SAs went (a grace after), the current ones stay */
	ck_assert_int_ge(sides[1].downs, 7);
	ck_assert_uint_eq(ov_ike_stats(sides[0].e)->dead, 0);
}
END_TEST

START_TEST(child_rekeyed_by_its_responder)
{
	/* the responder's rekeys; its new outbound SA waits for the old one's Delete */
	sides[1].child_life = 1600;
	side_new(0, true, "k", 0);
	side_new(1, false, "k", 0);
	run(200);
	agree();
	rekeys_lose_nothing(20000, 8);
	agree();
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->rekeys, 8);
}
END_TEST

START_TEST(rekeys_crossing_lose_nothing)
{
	/* both sides due at once, again and again: one goes first, the other is put off */
	sides[0].child_life = 2000;
	sides[1].child_life = 1600;
	side_new(0, true, "k", 0);
	side_new(1, false, "k", 0);
	run(200);
	rekeys_lose_nothing(30000, 10);
	agree();
}
END_TEST

START_TEST(ike_sa_rekeyed_both_ways)
{
	/* the IKE SA rekeyed by either side (a fresh SKEYSEED from the old SK_d
	 * and a new DH) and the Child SA with it: liveness checks and Child SA
	 * rekeys go on, on the new IKE SA */
	for (int starter = 0; starter < 2; starter++) {
		memset(sides, 0, sizeof(sides));
		nq = 0;
		sides[starter].ike_life = 3000;
		sides[0].child_life = 2500;
		side_new(0, true, "k", 700);
		side_new(1, false, "k", 700);
		run(200);
		rekeys_lose_nothing(20000, 4);
		agree();
		ck_assert_uint_ge(ov_ike_stats(sides[starter].e)->rekeys, 8);
		ck_assert_int_eq(sides[0].downs + sides[1].downs >= 8, 1);
		ck_assert_uint_eq(ov_ike_stats(sides[0].e)->dead + ov_ike_stats(sides[1].e)->dead, 0);
		ck_assert_uint_eq(ov_ike_stats(sides[0].e)->drop[OV_IKE_R_unknown_spi] +
				  ov_ike_stats(sides[1].e)->drop[OV_IKE_R_unknown_spi], 0);
		ov_ike_free(sides[0].e);
		ov_ike_free(sides[1].e);
		sides[0].e = sides[1].e = NULL;
	}
}
END_TEST

START_TEST(psk_rotation_either_taken)
{
	/* a rotation under way at a: its PSK the new one, the old one its other;
	 * b knows only the old. a's AUTH with the new one is refused, a takes
	 * the old one for its next IKE SA, and that comes up */
	side_new(0, true, "the new key after a rotation", 0);
	side_new(1, false, "the old key before it", 0);
	ov_ike_free(sides[0].e);
	{
		struct ov_ike_ops ops = { .send = on_send, .spi = on_spi, .child_up = on_up, .child_down = on_down,
					  .state = on_state, .ctx = (void *)(intptr_t)0 };
		struct ov_ike_conf c = { .start = true };

		memcpy(c.local, a_addr, 16);
		memcpy(c.remote, b_addr, 16);
		c.psk_len = strlen("the new key after a rotation");
		memcpy(c.psk, "the new key after a rotation", c.psk_len);
		c.psk_alt_len = strlen("the old key before it");
		memcpy(c.psk_alt, "the old key before it", c.psk_alt_len);
		snprintf(c.name, sizeof(c.name), "side-0");
		ck_assert_ptr_nonnull(sides[0].e = ov_ike_new(&ops));
		ck_assert_int_eq(ov_ike_peer_add(sides[0].e, &c, &sides[0].p), 0);
	}
	run(500);
	ck_assert_int_eq(sides[0].ups, 0);
	ck_assert_uint_eq(ov_ike_stats(sides[1].e)->drop[OV_IKE_R_auth_failed], 1);
	run(OV_IKE_RESTART_MS + 1000);
	agree();
	/* b starting with the old key: a takes its AUTH by the other PSK */
	ov_ike_free(sides[1].e);
	side_new(1, true, "the old key before it", 0);
	ov_ike_peer_tune(sides[0].p, &(struct ov_ike_conf){ .start = false, .psk_len = 0 });
	run(500);
	ck_assert_int_ge(sides[1].ups, 1);
	ck_assert_str_eq(sides[1].state, "established");
}
END_TEST

START_TEST(over_ipv6_rekeyed_both_sas)
{
	/* IKE_SA_INIT and IKE_AUTH over IPv6 (ID_IPV6_ADDR, TS_IPV6_ADDR_RANGE
	 * of the two addresses), then CREATE_CHILD_SA: the Child SA rekeyed by
	 * a, the IKE SA by b, nothing lost between */
	use_v6();
	sides[0].child_life = 2000;
	sides[1].ike_life = 4000;
	side_new(0, true, "k6", 1000);
	side_new(1, false, "k6", 1000);
	run(200);
	agree();
	nat_d_as_sent();
	rekeys_lose_nothing(16000, 5);
	agree();
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->rekeys, 8);
	/* the IKE SA rekeyed too: messages of new IKE SPIs (the first, then each rekey's) */
	ck_assert_uint_ge(n_ike_spis, 3);
	ck_assert_uint_eq(ov_ike_stats(sides[0].e)->dead + ov_ike_stats(sides[1].e)->dead, 0);
	for (int r = 0; r < OV_IKE_R_MAX; r++)
		ck_assert_msg(ov_ike_stats(sides[0].e)->drop[r] + ov_ike_stats(sides[1].e)->drop[r] == 0, "dropped: %s",
			      ov_ike_reason_name[r]);
}
END_TEST

START_TEST(one_family_a_peer)
{
	struct ov_ike_ops ops = { .send = on_send, .spi = on_spi };
	struct ov_ike_conf c = { .psk_len = 1, .psk = "k" };
	struct ov_ike_peer *p;
	uint8_t v6[16];

	/* an IPv4 VTEP and an IPv6 one, or selectors of the other family: refused */
	inet_pton(AF_INET6, "fd00::2", v6);
	ck_assert_ptr_nonnull(sides[0].e = ov_ike_new(&ops));
	memcpy(c.local, a_addr, 16);
	memcpy(c.remote, v6, 16);
	ck_assert_int_eq(ov_ike_peer_add(sides[0].e, &c, &p), -EINVAL);
	memcpy(c.remote, b_addr, 16);
	memcpy(c.ts_remote, v6, 16);
	ck_assert_int_eq(ov_ike_peer_add(sides[0].e, &c, &p), -EINVAL);
	memset(c.ts_remote, 0, 16);
	ck_assert_int_eq(ov_ike_peer_add(sides[0].e, &c, &p), 0);
	/* a peer of each family in one engine */
	use_v6();
	memcpy(c.local, a_addr, 16);
	memcpy(c.remote, b_addr, 16);
	ck_assert_int_eq(ov_ike_peer_add(sides[0].e, &c, &p), 0);
}
END_TEST

/* ------------------------------------------------------------ certificates */

static char pki[64];

/* A certificate of @key named @cn (and, not a CA, DNS name @dns) signed by
 * @ca's @ca_key (NULL: itself), written to pki/@file.pem (its key to .key). */
static X509 *
cert_make(const char *file, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const char *cn, const char *dns)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v;
	X509_EXTENSION *ext;
	char path[128], val[128];
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) : n);
	X509V3_set_ctx_nodb(&v);
	X509V3_set_ctx(&v, ca != NULL ? ca : x, x, NULL, NULL, 0);
	if (dns == NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &v, NID_basic_constraints, "critical,CA:TRUE");
	} else {
		snprintf(val, sizeof(val), "DNS:%s", dns);
		ext = X509V3_EXT_conf_nid(NULL, &v, NID_subject_alt_name, val);
	}
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, ca_key != NULL ? ca_key : key, EVP_sha256()), 0);
	snprintf(path, sizeof(path), "%s/%s.pem", pki, file);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	PEM_write_X509(f, x);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.key", pki, file);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return x;
}

/* The test's PKI: a CA and its a.example and b.example, a rogue CA and its
 * b.example, and a.example's key in a certificate naming x.example. */
static void
pki_make(void)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *rogue_key = EVP_EC_gen("P-256"), *a = EVP_EC_gen("P-256");
	EVP_PKEY *b = EVP_EC_gen("P-256");
	X509 *ca, *rogue;

	snprintf(pki, sizeof(pki), "/tmp/ovikeng-pki.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(pki));
	ca = cert_make("ca", ca_key, NULL, NULL, "test CA", NULL);
	rogue = cert_make("rogue", rogue_key, NULL, NULL, "rogue CA", NULL);
	X509_free(cert_make("a", a, ca, ca_key, "a", "a.example"));
	X509_free(cert_make("b", b, ca, ca_key, "b", "b.example"));
	X509_free(cert_make("b-rogue", b, rogue, rogue_key, "b", "b.example"));
	X509_free(cert_make("a-other", a, ca, ca_key, "a", "x.example"));
	X509_free(ca);
	X509_free(rogue);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rogue_key);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

/* The PKI's files and folder gone. */
static void
pki_drop(void)
{
	static const char *const names[] = { "ca", "rogue", "a", "b", "b-rogue", "a-other" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/%s.%s", pki, names[i], k ? "key" : "pem");
			unlink(path);
		}
	rmdir(pki);
}

static struct ov_ikecert *certs[2];

/* Side @i proving itself with pki/@file's certificate, trusting pki/@ca's: ID @id, expecting @rid. */
static void
side_cert(int i, bool start, const char *file, const char *ca, const char *id, const char *rid)
{
	struct ov_ike_ops ops = { .send = on_send, .spi = on_spi, .child_up = on_up, .child_down = on_down,
				  .state = on_state, .ctx = (void *)(intptr_t)i };
	struct ov_ike_conf c = { .start = start, .id_type = OV_IKE_ID_FQDN, .rid_type = OV_IKE_ID_FQDN };
	char cp[128], kp[128], ap[128], why[160] = "";

	memcpy(c.local, i ? b_addr : a_addr, 16);
	memcpy(c.remote, i ? a_addr : b_addr, 16);
	snprintf(cp, sizeof(cp), "%s/%s.pem", pki, file);
	snprintf(kp, sizeof(kp), "%s/%s.key", pki, file);
	snprintf(ap, sizeof(ap), "%s/%s.pem", pki, ca);
	ck_assert_msg(ov_ikecert_load(cp, kp, ap, &certs[i], why, sizeof(why)) == 0, "%s", why);
	c.cert = certs[i];
	c.id_len = strlen(id);
	memcpy(c.id, id, c.id_len);
	c.rid_len = strlen(rid);
	memcpy(c.rid, rid, c.rid_len);
	snprintf(c.name, sizeof(c.name), "side-%d", i);
	memset(&sides[i], 0, sizeof(sides[i]));
	ck_assert_ptr_nonnull(sides[i].e = ov_ike_new(&ops));
	ck_assert_int_eq(ov_ike_peer_add(sides[i].e, &c, &sides[i].p), 0);
}

static void
certs_free(void)
{
	for (int i = 0; i < 2; i++) {
		ov_ike_free(sides[i].e);
		sides[i].e = NULL;
		ov_ikecert_free(certs[i]);
		certs[i] = NULL;
	}
}

START_TEST(certificates_prove_both_ways)
{
	pki_make();
	side_cert(0, true, "a", "ca", "a.example", "b.example");
	side_cert(1, false, "b", "ca", "b.example", "a.example");
	run(300);
	agree();
	certs_free();
	pki_drop();
}
END_TEST

START_TEST(untrusted_certificate_refused)
{
	pki_make();
	/* b's certificate is a rogue CA's: a refuses it */
	side_cert(0, true, "a", "ca", "a.example", "b.example");
	side_cert(1, false, "b-rogue", "ca", "b.example", "a.example");
	run(300);
	ck_assert_int_eq(sides[0].ups, 0);
	ck_assert_uint_ge(ov_ike_stats(sides[0].e)->drop[OV_IKE_R_untrusted_cert], 1);
	ck_assert_ptr_nonnull(strstr(sides[0].first_down, "not trusted"));
	/* b had put its Child SA up (a's AUTH verified): a's refusal said, it went */
	ck_assert_int_eq(sides[1].ups, sides[1].downs);
	ck_assert_ptr_nonnull(strstr(sides[1].first_down, "refused our AUTH"));
	certs_free();
	/* b trusts the rogue CA only: a's true certificate is refused by b */
	nq = 0;
	side_cert(0, true, "a", "ca", "a.example", "b.example");
	side_cert(1, false, "b", "rogue", "b.example", "a.example");
	run(300);
	ck_assert_int_eq(sides[0].ups + sides[1].ups, 0);
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->drop[OV_IKE_R_untrusted_cert], 1);
	certs_free();
	/* a's certificate, trusted, names another identity than the one it claims */
	nq = 0;
	side_cert(0, true, "a-other", "ca", "a.example", "b.example");
	side_cert(1, false, "b", "ca", "b.example", "a.example");
	run(300);
	ck_assert_int_eq(sides[0].ups + sides[1].ups, 0);
	ck_assert_uint_ge(ov_ike_stats(sides[1].e)->drop[OV_IKE_R_untrusted_cert], 1);
	certs_free();
	pki_drop();
}
END_TEST

/* An IKE_SA_INIT a flood would send: its own SPI and key, from a's address. */
static size_t
init_msg(uint8_t *out, uint64_t spi)
{
	struct ov_ike_hdr h = { .spi_i = spi, .exchange = OV_IKE_SA_INIT, .flags = OV_IKE_F_INITIATOR };
	struct ov_ike_xf xf[] = { { OV_IKE_XF_ENCR, OV_IKE_ENCR_AES_GCM_16, 256 },
				  { OV_IKE_XF_PRF, OV_IKE_PRF_HMAC_SHA2_256, 0 }, { OV_IKE_XF_DH, OV_IKE_DH_CURVE25519, 0 } };
	uint8_t body[128], ke[36] = { 0, OV_IKE_DH_CURVE25519 }, nonce[32];
	struct ov_ike_dh *dh;
	struct ov_ike_buf b;
	int len;

	ck_assert_int_eq(ov_ike_dh_new(OV_IKE_DH_CURVE25519, NULL, 0, &dh, ke + 4), 0);
	ov_ike_dh_free(dh);
	memset(nonce, (int)spi, sizeof(nonce));
	ov_ike_buf_init(&b, out, OV_IKE_MSG_MAX);
	ov_ike_put_hdr(&b, &h);
	len = ov_ike_body_sa(body, sizeof(body), 1, OV_IKE_PROTO_IKE, NULL, 0, xf, 3);
	ov_ike_put(&b, OV_IKE_PL_SA, body, (size_t)len);
	ov_ike_put(&b, OV_IKE_PL_KE, ke, sizeof(ke));
	ov_ike_put(&b, OV_IKE_PL_NONCE, nonce, sizeof(nonce));
	return (size_t)ov_ike_end(&b);
}

START_TEST(flood_gets_cookies_peer_gets_in)
{
	uint8_t m[OV_IKE_MSG_MAX];
	const struct ov_ike_stats *st;

	side_new(1, false, "k", 0);
	side_new(0, false, "k", 0);
	/* 1,000 IKE_SA_INITs in a second: past OV_IKE_LOAD each is answered with a cookie alone */
	for (int i = 0; i < 1000; i++)
		ov_ike_input(sides[1].e, a_addr, 500, b_addr, 500, m, init_msg(m, 0x1000 + (uint64_t)i), now + (uint64_t)i);
	st = ov_ike_stats(sides[1].e);
	ck_assert_uint_ge(st->cookies_sent, 1000 - OV_IKE_LOAD - 1);
	nq = 0;
	/* the true peer, under the same load: it returns the cookie and gets in */
	ov_ike_free(sides[0].e);
	side_new(0, true, "k", 0);
	for (int t = 0; t < 100 && sides[0].ups == 0; t++) {
		ov_ike_input(sides[1].e, a_addr, 500, b_addr, 500, m, init_msg(m, 0x9000 + (uint64_t)t), now);
		run(10);
	}
	agree();
	ck_assert_uint_gt(ov_ike_stats(sides[1].e)->cookies_sent, st->cookies_sent - 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ovikeng");
	TCase *t = tcase_create("exchanges");
	SRunner *r;
	int failed;

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, up_with_the_same_keys, 0, 2);
	tcase_add_test(t, over_ipv6_rekeyed_both_sas);
	tcase_add_test(t, one_family_a_peer);
	tcase_add_test(t, lost_and_repeated_messages);
	tcase_add_test(t, wrong_key_refused_both_ways);
	tcase_add_test(t, dead_peer_found);
	tcase_add_test(t, forged_init_ends_nothing);
	tcase_add_test(t, flood_gets_cookies_peer_gets_in);
	tcase_add_test(t, child_rekeyed_by_its_initiator);
	tcase_add_test(t, child_rekeyed_by_its_responder);
	tcase_add_test(t, rekeys_crossing_lose_nothing);
	tcase_add_test(t, ike_sa_rekeyed_both_ways);
	tcase_add_test(t, psk_rotation_either_taken);
	tcase_add_test(t, certificates_prove_both_ways);
	tcase_add_test(t, untrusted_certificate_refused);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
