/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike_rekey: the CPU a rekey with PFS costs sxcd's IKEv2 (ov_ike), without
 * I/O: two engines wired in memory on a made-up clock, the Child SA rekeyed
 * every second of it (CREATE_CHILD_SA with a fresh Curve25519 exchange) and
 * the IKE SA every five; prints the process's CPU time per rekey, both
 * sides' work together (each DH key pair, each shared secret, prf+, the
 * four messages sealed and opened), and what the same engines cost over
 * the same made-up time with no rekey due (their ticks alone).
 *
 *   ike_rekey [N]     (N Child SA rekeys, 2000 by default)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ov_ike.h"

#define QMAX 64

struct pkt {
	int to;
	uint16_t sport, dport;
	size_t len;
	uint8_t msg[OV_IKE_MSG_MAX];
};

static struct pkt q[QMAX];
static size_t nq;
static struct ov_ike *eng[2];
static uint64_t ups[2];
/* 10.0.0.1 and 10.0.0.2 as the engine keeps addresses (IPv4 mapped) */
static const uint8_t addr[2][16] = { { [10] = 0xff, 0xff, 10, 0, 0, 1 }, { [10] = 0xff, 0xff, 10, 0, 0, 2 } };

static void
on_send(void *ctx, struct ov_ike_peer *p, const uint8_t *msg, size_t len, uint16_t sport, const uint8_t dst[16],
	uint16_t dport)
{
	(void)p;
	(void)dst;
	if (nq == QMAX)
		abort();
	q[nq] = (struct pkt){ .to = !(int)(intptr_t)ctx, .sport = sport, .dport = dport, .len = len };
	memcpy(q[nq].msg, msg, len);
	nq++;
}

static uint32_t
on_spi(void *ctx, struct ov_ike_peer *p)
{
	static uint32_t n = 0x1000;

	(void)ctx;
	(void)p;
	return n++;
}

static void
on_up(void *ctx, struct ov_ike_peer *p, const struct ov_ike_child *c)
{
	(void)p;
	if (!c->in_only)
		ups[(intptr_t)ctx]++;
}

static void
side(int i, unsigned int child_ms, unsigned int ike_ms)
{
	struct ov_ike_ops ops = { .send = on_send, .spi = on_spi, .child_up = on_up, .ctx = (void *)(intptr_t)i };
	struct ov_ike_conf c = { .start = i == 0, .psk_len = 32, .child_life_ms = child_ms, .ike_life_ms = ike_ms };
	struct ov_ike_peer *p;

	memcpy(c.local, addr[i], 16);
	memcpy(c.remote, addr[!i], 16);
	memset(c.psk, 7, c.psk_len);
	if ((eng[i] = ov_ike_new(&ops)) == NULL || ov_ike_peer_add(eng[i], &c, &p) < 0)
		abort();
}

/* @ms of made-up time in 10 ms steps: the CPU it took (ns). */
static uint64_t
run(uint64_t *now, uint64_t ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (uint64_t t = 0; t < ms; t += 10) {
		size_t n = nq;

		for (size_t i = 0; i < n; i++)
			ov_ike_input(eng[q[i].to], addr[!q[i].to], q[i].sport, addr[q[i].to], q[i].dport, q[i].msg,
				     q[i].len, *now);
		memmove(q, q + n, (nq - n) * sizeof(*q));
		nq -= n;
		*now += 10;
		ov_ike_tick(eng[0], *now);
		ov_ike_tick(eng[1], *now);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	return (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)(b.tv_nsec - a.tv_nsec);
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	uint64_t now = 1000000, idle, busy, rekeys;

	/* the same time with nothing due: what the ticks cost alone */
	side(0, 3600000, 14400000);
	side(1, 3600000, 14400000);
	run(&now, 1000);
	idle = run(&now, n * 1000);
	ov_ike_free(eng[0]);
	ov_ike_free(eng[1]);
	nq = 0;
	ups[0] = ups[1] = 0;
	side(0, 1000, 5000);
	side(1, 1000, 5000);
	run(&now, 1000);
	busy = run(&now, n * 1000);
	rekeys = ov_ike_stats(eng[0])->rekeys;
	printf("ike_rekey: %llu rekeys (Child SAs every 1 s, the IKE SA every 5 s, Curve25519, AES-GCM-256, "
	       "HMAC-SHA2-256) in %lu s of made-up time: %.1f us of CPU each, both sides together (%.1f ms in "
	       "all, %.1f ms of it the ticks' alone)\n", (unsigned long long)rekeys, n,
	       rekeys ? (double)(busy - idle) / 1000.0 / (double)rekeys : 0.0, (double)busy / 1e6, (double)idle / 1e6);
	ov_ike_free(eng[0]);
	ov_ike_free(eng[1]);
	return rekeys > 0 ? 0 : 1;
}
