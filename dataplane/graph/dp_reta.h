/* Software RSS's redirection table (a NIC's RETA, in software): a
 * soft_rss port's reader hands each packet to the worker its flow's bucket
 * names, and the main lcore moves buckets from the busiest worker to the
 * least busy one when their loads part. A reader pays RX, parsing and the
 * handoff for every packet it reads (one gNB: one queue, one reader), so
 * an even split leaves it the bottleneck; the table gives it fewer
 * buckets. A flow keeps its worker until its bucket moves, which is rare
 * (hysteresis) and reorders at most what is in flight, as a NIC's RETA
 * update does. */
#ifndef DP_RETA_H
#define DP_RETA_H

#include <stdint.h>
#include <stdbool.h>

#define DP_RETA_SIZE 256

/* Read by the readers per packet; written by the main lcore alone, a byte
 * at a time (a reader sees the old worker or the new one). */
extern uint8_t dp_reta[DP_RETA_SIZE];

/* The bucket of a flow hash (the high bits of a multiplicative mix, so
 * that a NIC's weak hash or a CRC still spreads). */
static inline unsigned int
dp_reta_bucket(uint32_t h)
{
	return (h * 0x9e3779b1u) >> 24;
}

/* Main lcore, before the workers start: the buckets dealt round-robin
 * over n_workers (an even split) and the balancer's state reset. */
void dp_reta_init(unsigned int n_workers);

/* The plan of one balancing step, pure (a unit test drives it): given
 * each worker's load over the window (busy cycles / window cycles, 0..1)
 * and each bucket's packets in it, the buckets to move from the busiest
 * worker to the least busy one. Nothing moves unless the busiest is
 * loaded (>= DP_RETA_LOAD_MIN) and the two part by DP_RETA_GAP_MIN or
 * more; then buckets of the busiest, largest first, whose packets add up
 * to at most half what would even the two out (the busiest's load is not
 * all its buckets': a reader's reading stays with it; halving each step
 * converges without overshoot). Writes the bucket numbers to move[] and
 * the destination to *to; returns how many. */
#define DP_RETA_LOAD_MIN 0.30
#define DP_RETA_GAP_MIN 0.04
unsigned int dp_reta_plan(const uint8_t reta[DP_RETA_SIZE], const uint64_t bucket_pkts[DP_RETA_SIZE],
			  const double *load, unsigned int n_workers, uint8_t move[DP_RETA_SIZE],
			  unsigned int *to);

/* Main lcore: one balancing step if a window (hz / 10 cycles) has passed
 * since the last; a plan is applied only when the window before planned
 * a move between the same two workers too (noise moves nothing). A worker's load is its busy cycles (cumulative,
 * busy[i]) over the cycles its thread ran (cumulative, ran[i]: the
 * kernel's run time, so that a CPU shared with another process, which
 * takes the same share from a worker's busy and idle time, does not pass
 * for an idle worker); its packets per bucket as a reader are cumulative
 * and wrapping (bucket_pkts[i]). Applies the plan to dp_reta; returns
 * the buckets moved. */
/* Whether dp_reta_balance would take a step at now: the caller gathers
 * its readings (the threads' run times from /proc) only then. */
bool dp_reta_due(uint64_t now, uint64_t hz);
unsigned int dp_reta_balance(uint64_t now, uint64_t hz, const uint64_t *busy, const uint64_t *ran,
			     const uint32_t *const *bucket_pkts, unsigned int n_workers);

/* How many buckets worker i holds (stats.get). */
unsigned int dp_reta_share(unsigned int worker);

#endif
