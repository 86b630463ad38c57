/* TSC cycles a lookup of dp_lpm4, one at a time and in bursts, beside
 * DPDK's rte_lpm (rte_lpm_lookup, rte_lpm_lookup_bulk, and l3fwd's
 * rte_lpm_lookupx4) holding the same routes: 65,536 addresses drawn inside
 * the routes, a pass over all of them timed with the TSC, each way run a
 * few passes in a row (warm) and the ways taken in turn many times, the
 * best pass printed. Hugepages when there are (as sxdp runs), else 4 KiB
 * pages (every table pays TLB misses then). The burst size is read at run
 * time, as the table engine's is. Built, not run by meson test: run it
 * alone on a quiet core (flock /tmp/bench.lock build/tests/bench_lpm4). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lpm.h>
#include <rte_vect.h>

#include "dp_lpm4.h"

#define N_ADDR	(1u << 16)
#define ROUNDS	15
#define WARM	3	/* passes in a row of one way: the best is warm */

static uint64_t x = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 32);
}

static uint32_t
mask(unsigned int d)
{
	return d == 0 ? 0 : ~(UINT32_MAX >> (d - 1) >> 1);
}

static uint32_t ip[N_ADDR], nh[N_ADDR];
static volatile uint32_t sink;
static volatile unsigned int burst16 = 16, burst32 = 32, burst64 = 64;

enum way { ONE, BULK16, BULK32, BULK64, LPM_ONE, LPM_BULK32, LPM_X4, WAYS };

static const char *const way_name[WAYS] = {
	"dp_lpm4_lookup", "dp_lpm4_lookup_bulk 16", "dp_lpm4_lookup_bulk 32", "dp_lpm4_lookup_bulk 64",
	"rte_lpm_lookup", "rte_lpm_lookup_bulk 32", "rte_lpm_lookupx4",
};

/* One pass over every address; cycles a lookup. */
static double
pass(enum way w, const struct dp_lpm4 *l, const struct rte_lpm *r)
{
	uint64_t t = rte_rdtsc_precise();
	uint32_t s = 0;

	switch (w) {
	case ONE:
		for (unsigned int i = 0; i < N_ADDR; i++)
			nh[i] = dp_lpm4_lookup(l, ip[i]);
		break;
	case BULK16:
	case BULK32:
	case BULK64: {
		unsigned int b = w == BULK16 ? burst16 : w == BULK32 ? burst32 : burst64;

		for (unsigned int i = 0; i < N_ADDR; i += b)
			dp_lpm4_lookup_bulk(l, ip + i, b, nh + i);
		break;
	}
	case LPM_ONE:
		for (unsigned int i = 0; i < N_ADDR; i++)
			if (rte_lpm_lookup((struct rte_lpm *)(uintptr_t)r, ip[i], &nh[i]) != 0)
				nh[i] = DP_LPM4_MISS;
		break;
	case LPM_BULK32:
		for (unsigned int i = 0; i < N_ADDR; i += burst32)
			rte_lpm_lookup_bulk(r, ip + i, nh + i, burst32);
		break;
	case LPM_X4:
		for (unsigned int i = 0; i < N_ADDR; i += 4)
			rte_lpm_lookupx4(r, _mm_loadu_si128((const void *)(ip + i)), nh + i,
					 DP_LPM4_MISS);
		break;
	default:
		break;
	}
	t = rte_rdtsc_precise() - t;
	for (unsigned int i = 0; i < N_ADDR; i += 97)
		s += nh[i];
	sink = s;
	return (double)t / N_ADDR;
}

/* dp_lpm4 and rte_lpm say the same for every address: both hold the routes. */
static int
same(const struct dp_lpm4 *l, const struct rte_lpm *r)
{
	for (unsigned int i = 0; i < N_ADDR; i++) {
		uint32_t a = dp_lpm4_lookup(l, ip[i]), b;

		if (rte_lpm_lookup((struct rte_lpm *)(uintptr_t)r, ip[i], &b) != 0)
			b = DP_LPM4_MISS;
		if (a != b) {
			fprintf(stderr, "%08x: dp_lpm4 %u, rte_lpm %u\n", ip[i], a, b);
			return -1;
		}
	}
	return 0;
}

static int
run(const char *what, const uint32_t *route, const uint8_t *depth, unsigned int n_routes,
    uint32_t n_tbl8)
{
	struct rte_lpm_config cfg = { .max_rules = n_routes + 16, .number_tbl8s = n_tbl8 };
	struct dp_lpm4 *l = dp_lpm4_create(0);
	struct rte_lpm *r = rte_lpm_create(what, 0, &cfg);
	double best[WAYS];

	if (l == NULL || r == NULL) {
		fprintf(stderr, "%s: create failed\n", what);
		return -1;
	}
	for (unsigned int i = 0; i < n_routes; i++)
		if (dp_lpm4_add(l, route[i], depth[i], i) != 0 ||
		    rte_lpm_add(r, route[i], depth[i], i) != 0) {
			fprintf(stderr, "%s: add %08x/%u failed\n", what, route[i], depth[i]);
			return -1;
		}
	/* inside the routes, each route as likely as the next */
	for (unsigned int i = 0; i < N_ADDR; i++) {
		unsigned int k = rnd() % n_routes;

		ip[i] = route[k] | (rnd() & ~mask(depth[k]));
	}
	if (same(l, r) < 0)
		return -1;
	for (unsigned int w = 0; w < WAYS; w++)
		best[w] = 1e9;
	/* ways in turn: a noisy moment costs each way alike */
	for (unsigned int k = 0; k < ROUNDS; k++)
		for (unsigned int w = 0; w < WAYS; w++)
			for (unsigned int p = 0; p < WARM; p++)
				best[w] = RTE_MIN(best[w], pass((enum way)w, l, r));
	printf("%s: dp_lpm4 %.2f MiB, %u groups\n", what, dp_lpm4_bytes(l) / 1048576.0,
	       l->n_groups);
	for (unsigned int w = 0; w < WAYS; w++)
		printf("  %-24s %6.2f cycles/lookup\n", way_name[w], best[w]);
	dp_lpm4_free(l);
	rte_lpm_free(r);
	return 0;
}

/* 2 MiB pages free now (EAL cannot be started again when it fails). */
static long
free_hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return n;
}

int
main(void)
{
	char *huge[] = { "bench_lpm4", "--in-memory", "-m", "512", "--no-pci", "-l", "0",
			 "--log-level=3", NULL };
	char *small[] = { "bench_lpm4", "--no-huge", "-m", "1024", "--no-pci", "-l", "0",
			  "--no-shconf", "--log-level=3", NULL };
	enum { MANY = 60000 };
	static uint32_t route[MANY];
	static uint8_t depth[MANY];
	bool hugepages = free_hugepages() >= 256;	/* 512 MiB */
	unsigned int n = 0;

	if (hugepages ? rte_eal_init(RTE_DIM(huge) - 1, huge) < 0 :
			rte_eal_init(RTE_DIM(small) - 1, small) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	printf("TSC %.2f GHz, %s; %u addresses inside the routes; best of %u passes\n",
	       rte_get_tsc_hz() / 1e9, hugepages ? "2 MiB pages" : "4 KiB pages (no hugepages)",
	       N_ADDR, ROUNDS * WARM);
	/* 1,024 /24s anywhere (l3fwd's shape): two loads here, one in rte_lpm */
	for (n = 0; n < 1024; n++) {
		route[n] = rnd() & mask(24);
		depth[n] = 24;
	}
	if (run("1,024 /24", route, depth, n, 256) < 0)
		return 1;
	/* 16,384 /32s and 16,384 /28s under 1,024 /24s in 10.0.0.0/14, and
	 * the /14: nearly every address takes the third level */
	n = 0;
	route[n] = 0x0a000000;
	depth[n++] = 14;
	for (unsigned int i = 0; i < 1024; i++, n++) {
		route[n] = 0x0a000000 | i << 8;
		depth[n] = 24;
	}
	for (unsigned int i = 0; i < 16384; i++, n++) {
		route[n] = 0x0a000000 | (rnd() & 0x3ffff & mask(28));
		depth[n] = 28;
	}
	for (unsigned int i = 0; i < 16384; i++, n++) {
		route[n] = 0x0a000000 | (rnd() & 0x3ffff);
		depth[n] = 32;
	}
	if (run("16,384 /32 + 16,384 /28 + 1,024 /24 in a /14", route, depth, n, 2048) < 0)
		return 1;
	/* lengths mixed at random: an address stops at the root, the second
	 * or the third level, no branch predicts which */
	for (n = 0; n < 2048; n++) {
		static const uint8_t d[] = { 12, 16, 20, 24, 24, 28, 32, 32 };

		depth[n] = d[rnd() % RTE_DIM(d)];
		route[n] = rnd() & mask(depth[n]);
	}
	if (run("2,048 routes /12../32 mixed", route, depth, n, 2048) < 0)
		return 1;
	/* more than the caches hold: the loads of a burst overlap or wait */
	for (n = 0; n < 40000; n++) {
		route[n] = rnd() & mask(24);
		depth[n] = 24;
	}
	if (run("40,000 /24", route, depth, n, 256) < 0)
		return 1;
	rte_eal_cleanup();
	return 0;
}
