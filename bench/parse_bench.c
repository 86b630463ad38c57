/* SPDX-License-Identifier: BSD-3-Clause */
/* parse_bench: the parser's cycles per frame on fixed frames, without I/O (what the rx node's share of a scenario hides in the virtual source's noise). */
/*
 * usage: build/bench/parse_bench [ROUNDS]: each frame parsed 20 M times a
 * round, as the rx node does (dp_parse_pkt_m on an mbuf-sized area, the
 * flow hash on), the UPF's GTP-U port parser registered as its init does;
 * prints the best round's cycles per parse. Pin it (taskset -c 1) on a
 * quiet machine, and compare builds in one run.
 */
#include <stdio.h>
#include <rte_mbuf.h>
#include <stdlib.h>
#include <string.h>
#include <rte_cycles.h>

#include "dp_parse.h"
#include "up_gtpu.h"

#define N_PARSE 20000000UL

static uint8_t mbuf[512] __attribute__((aligned(64)));

/* Ethernet + IPv4 (10.0.0.1 > 10.0.1.1) + UDP 12345 > @dport, @len bytes in all. */
static void
udp4(uint8_t *f, uint16_t len, uint16_t dport)
{
	static const uint8_t eth_ip[] = { 0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00, 0x45, 0, 0, 0, 0, 0,
					  0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 1, 1 };
	uint16_t ip = len - 14, udp = ip - 20;

	memset(f, 0, len);
	memcpy(f, eth_ip, sizeof(eth_ip));
	f[16] = ip >> 8, f[17] = ip & 0xff;
	f[34] = 0x30, f[35] = 0x39, f[36] = dport >> 8, f[37] = dport & 0xff;
	f[38] = udp >> 8, f[39] = udp & 0xff;
}

static double
cycles(const uint8_t *f, uint32_t len, unsigned int rounds)
{
	double best = 1e9;
	struct dp_meta md;
	unsigned long acc = 0;

	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t t0 = rte_rdtsc();

		for (unsigned long i = 0; i < N_PARSE; i++) {
			acc += dp_parse_pkt_m(f, len, &md, (struct rte_mbuf *)mbuf) + md.hash;
			__asm__ volatile("" ::: "memory");
		}
		double c = (double)(rte_rdtsc() - t0) / N_PARSE;
		if (c < best)
			best = c;
	}
	if (acc == 1)	/* keeps the loop */
		printf(" ");
	return best;
}

/* The burst form, as the rx node runs it: DP_BURST mbufs holding f (the
 * flows apart by their source port), parsed again and again by impl. */
#define NB 32
static double
burst_cycles(unsigned int impl, const uint8_t *f, uint32_t len, unsigned int rounds)
{
	static union {
		struct rte_mbuf m;
		uint8_t b[sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE + 128 + 256];
	} mb[NB] __attribute__((aligned(64)));
	struct rte_mbuf *pkts[NB];
	uint16_t next[NB];
	double best = 1e9;

	for (unsigned int i = 0; i < NB; i++) {
		struct rte_mbuf *m = &mb[i].m;

		memset(&mb[i], 0, sizeof(mb[i]));
		m->priv_size = DP_META_PRIV_SIZE;
		m->buf_addr = mb[i].b + sizeof(struct rte_mbuf) + DP_META_PRIV_SIZE;
		m->buf_len = 128 + 256;
		m->data_off = 128;
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
		rte_pktmbuf_mtod(m, uint8_t *)[35] = (uint8_t)i;
		pkts[i] = m;
	}
	if (dp_parse_impl_set((int)impl) != 0)
		return -1;
	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t t0 = rte_rdtsc();

		for (unsigned long i = 0; i < N_PARSE / NB; i++) {
			if (dp_parse_burst(NULL, pkts, NB, next) != NB)
				abort();
			__asm__ volatile("" ::: "memory");
		}
		double c = (double)(rte_rdtsc() - t0) / (N_PARSE / NB * NB);
		if (c < best)
			best = c;
	}
	return best;
}

int
main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 5;
	uint8_t udp[60], tcp[60], gpdu[96], psc[104];
	struct dp_meta md;

	if (up_gtpu_init() != 0) {
		fprintf(stderr, "parse_bench: the GTP-U port parser did not register\n");
		return 1;
	}
	udp4(udp, sizeof(udp), 8080);
	memcpy(tcp, udp, sizeof(tcp));
	tcp[23] = 6, tcp[46] = 0x50;	/* TCP, data offset 5 */
	/* G-PDU: GTP-U (flags 0x30, TEID 0x1234) around a 20-byte IPv4 header */
	udp4(gpdu, sizeof(gpdu), 2152);
	gpdu[42] = 0x30, gpdu[43] = 0xff, gpdu[45] = 46, gpdu[48] = 0x12, gpdu[49] = 0x34;
	gpdu[50] = 0x45, gpdu[53] = 46, gpdu[58] = 64, gpdu[59] = 17;
	/* the same with a PDU Session Container (UL, QFI 9) */
	udp4(psc, sizeof(psc), 2152);
	psc[42] = 0x34, psc[43] = 0xff, psc[45] = 54, psc[48] = 0x12, psc[49] = 0x34;
	psc[53] = 0x85, psc[54] = 1, psc[55] = 0x10, psc[56] = 9, psc[57] = 0;
	psc[58] = 0x45, psc[61] = 46, psc[66] = 64, psc[67] = 17;

	const struct { const char *name; const uint8_t *f; uint32_t len; uint32_t want; } frames[] = {
		{ "udp 64 B", udp, sizeof(udp), DP_MF_L4 },
		{ "tcp 64 B", tcp, sizeof(tcp), DP_MF_L4 },
		{ "G-PDU 96 B", gpdu, sizeof(gpdu), DP_MF_TUN },
		{ "G-PDU + PSC 104 B", psc, sizeof(psc), DP_MF_TUN },
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		unsigned int v = dp_parse_pkt_m(frames[i].f, frames[i].len, &md, (struct rte_mbuf *)mbuf);

		if (v != 0 || !(md.flags & frames[i].want)) {
			fprintf(stderr, "parse_bench: %s does not parse as it should (verdict %u, flags %#x)\n",
				frames[i].name, v, md.flags);
			return 1;
		}
		printf("%-18s %6.2f cycles/parse\n", frames[i].name, cycles(frames[i].f, frames[i].len, rounds));
	}
	/* dp_parse_burst by each implementation this CPU has */
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		printf("%-18s burst of %u:", frames[i].name, NB);
		for (unsigned int impl = 0; impl < DP_PARSE_IMPLS; impl++)
			if (dp_parse_impl_usable(impl))
				printf(" %s %.2f", dp_parse_impl_name(impl),
				       burst_cycles(impl, frames[i].f, frames[i].len, rounds));
		printf(" cycles/packet\n");
	}
	return 0;
}
