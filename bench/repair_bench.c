/* SPDX-License-Identifier: BSD-3-Clause */
/* repair_bench: the receiving side of loss repair (ov_repair_recv) in cycles per frame, without I/O: what a replayed capture cannot measure (its numbers repeat, so every frame after the first pass is a copy). */
/*
 * usage: build/bench/repair_bench [ROUNDS]. One worker's calls as decap
 * makes them, on frames of 64 B and 1,400 B:
 *   dup      each number twice (a duplicated class over two paths): the
 *            first copy taken, the second removed by the window
 *   fec      blocks of 4 and their parity, nothing lost: 5 calls a block
 *            (the data frames into the block's XOR, the parity consumed)
 *   fec-loss blocks of 4 with one frame lost and rebuilt: 4 calls a block
 * Prints, per case, the best round's cycles per call and per frame taken
 * in (what the application receives). EAL in memory (--no-huge); pin it
 * (taskset -c 1) on a quiet machine, and compare builds in one run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_stage.h"
#include "dp_stats.h"
#include "dp_table.h"
#include "ov_path.h"
#include "ov_repair.h"

#define FRAMES 2000000u

/* What ov_repair.o names of the rest of sxdp, none of which its receiving
 * side reads: the overlay's tables and reasons (counted at base 0 here),
 * the paths' live state (the sending side's), the table engine's layout. */
struct pl_overlay_tables pl_ov;
unsigned int pl_ov_drop_base, pl_ov_event_base;
struct ov_path_live ov_path_live[OV_PATH_MAX + 1];

unsigned int
dp_table_param_off(unsigned int id, unsigned int action, unsigned int param)
{
	(void)id, (void)action, (void)param;
	abort();
}

int
dp_table_each(unsigned int id, int (*fn)(const struct dp_entry_view *ev, void *arg), void *arg)
{
	(void)id, (void)fn, (void)arg;
	abort();
}

static struct dp_lcore_stats stats;

/* an mbuf holding a frame of len bytes after off bytes of outer headers */
static struct rte_mbuf *
frame(struct rte_mempool *mp, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *d;

	if (m == NULL || (d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(off + len))) == NULL) {
		fprintf(stderr, "repair_bench: no mbuf\n");
		exit(1);
	}
	for (uint32_t i = 0; i < off + len; i++)
		d[i] = (uint8_t)(i * 7);
	dp_meta(m)->l4_off = 34;
	return m;
}

static double
run(struct dp_stage_ctx *ctx, struct rte_mbuf *m, uint32_t off, uint32_t len, int mode, uint32_t stream,
    uint64_t *taken)
{
	struct ov_tun_rep rep = { .on = true, .stream = stream };
	uint64_t t0, calls = 0;

	*taken = 0;
	t0 = rte_rdtsc_precise();
	for (uint32_t s = 0; s < FRAMES; s++) {
		ctx->now = t0;
		if (mode == 0) {   /* dup: both copies */
			rep.seq = s;
			*taken += ov_repair_recv(ctx, m, off, len, 7, &rep) == 0;
			*taken += ov_repair_recv(ctx, m, off, len, 7, &rep) == 0;
			calls += 2;
			continue;
		}
		/* a block of 4 from s (4 apart), then its parity; fec-loss: its
		 * index 2 never comes */
		if (s % 4 != 0)
			continue;
		for (uint8_t i = 0; i < 4; i++) {
			if (mode == 2 && i == 2)
				continue;
			rep = (struct ov_tun_rep){ .on = true, .stream = stream, .seq = s + i, .k = 4, .idx = i };
			*taken += ov_repair_recv(ctx, m, off, len, 7, &rep) == 0;
			calls++;
		}
		/* the XOR of 4 equal lengths is 0: with one lost, the block's
		 * own is len, and the rebuilt frame's len ^ 0 */
		rep = (struct ov_tun_rep){ .on = true, .stream = stream, .seq = s, .k = 4, .idx = 4, .lenx = 0 };
		*taken += ov_repair_recv(ctx, m, off, len, 7, &rep) == 0;
		calls++;
	}
	return (double)(rte_rdtsc_precise() - t0) / (double)calls;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "128", "--no-pci", "-l", "0", "--file-prefix", "repair_bench",
			"--log-level", "error" };
	static const char *const name[] = { "dup", "fec", "fec-loss" };
	static const uint32_t lens[] = { 64, 1400 };
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	struct dp_stage_ctx *ctx = calloc(1, sizeof(*ctx));
	struct rte_mempool *mp;
	uint32_t stream = 1;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || ctx == NULL || ov_repair_state_init(1) < 0 ||
	    (mp = rte_pktmbuf_pool_create("repair_bench", 1023, 0, RTE_CACHE_LINE_SIZE, 4096, SOCKET_ID_ANY)) == NULL) {
		fprintf(stderr, "repair_bench: no EAL, state or pool\n");
		return 1;
	}
	ctx->stats = &stats;
	printf("loss repair, receiving side: cycles per call of ov_repair_recv (one worker, TSC %.1f GHz), best of %d "
	       "rounds of %u numbers\n", rte_get_tsc_hz() / 1e9, rounds, FRAMES);
	for (unsigned int l = 0; l < RTE_DIM(lens); l++)
		for (int mode = 0; mode < 3; mode++) {
			double best = 1e18, per_taken = 0;

			for (int r = 0; r < rounds; r++) {
				/* each round a new stream (a new window and blocks) and a
				 * fresh frame (a parity rebuilds in place) */
				struct rte_mbuf *m = frame(mp, 34 + 8 + 24, lens[l]);
				uint64_t taken;
				double c = run(ctx, m, 34 + 8 + 24, lens[l], mode, stream++, &taken);

				if (c < best) {
					best = c;
					per_taken = c * (mode == 0 ? 2.0 * FRAMES : mode == 1 ? 5.0 * FRAMES / 4 :
							 4.0 * FRAMES / 4) / (double)taken;
				}
				rte_pktmbuf_free(m);
			}
			printf("  %-8s %4u B: %6.1f cycles a call, %6.1f a frame taken in\n", name[mode], lens[l], best,
			       per_taken);
		}
	rte_eal_cleanup();
	return 0;
}
