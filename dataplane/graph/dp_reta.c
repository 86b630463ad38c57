/* Software RSS's redirection table and its balancer (see dp_reta.h). */
#include <string.h>

#include "dp_reta.h"
#include "dp_table.h"	/* DP_WORKERS_MAX */

uint8_t dp_reta[DP_RETA_SIZE];

static struct {
	unsigned int n_workers;
	uint64_t last;                                   /* TSC of the last step; 0: none yet */
	uint64_t busy[DP_WORKERS_MAX], ran[DP_WORKERS_MAX];   /* at the last step */
	uint32_t pkts[DP_WORKERS_MAX][DP_RETA_SIZE];     /* at the last step */
	int want_src, want_dst;                          /* the last step's plan; -1: none */
} bal;

void
dp_reta_init(unsigned int n_workers)
{
	memset(&bal, 0, sizeof(bal));
	bal.n_workers = n_workers ? RTE_MIN(n_workers, (unsigned int)DP_WORKERS_MAX) : 1;
	for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
		dp_reta[b] = (uint8_t)(b % bal.n_workers);
	bal.want_src = bal.want_dst = -1;
}

unsigned int
dp_reta_plan(const uint8_t reta[DP_RETA_SIZE], const uint64_t bucket_pkts[DP_RETA_SIZE],
	     const double *load, unsigned int n_workers, uint8_t move[DP_RETA_SIZE], unsigned int *to)
{
	unsigned int src = 0, dst = 0, n = 0;
	uint64_t carried = 0, budget;
	bool taken[DP_RETA_SIZE] = { false };

	if (n_workers < 2)
		return 0;
	for (unsigned int i = 1; i < n_workers; i++) {
		if (load[i] > load[src])
			src = i;
		if (load[i] < load[dst])
			dst = i;
	}
	if (load[src] < DP_RETA_LOAD_MIN || load[src] - load[dst] < DP_RETA_GAP_MIN)
		return 0;
	for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
		if (reta[b] == src)
			carried += bucket_pkts[b];
	/* its share of the gap's half, halved: load[src] stands for carried */
	budget = (uint64_t)((double)carried * (load[src] - load[dst]) / (4.0 * load[src]));
	/* largest first: the fewest moves (each may reorder what is in flight) */
	for (;;) {
		unsigned int best = DP_RETA_SIZE;

		for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
			if (reta[b] == src && !taken[b] && bucket_pkts[b] > 0 && bucket_pkts[b] <= budget &&
			    (best == DP_RETA_SIZE || bucket_pkts[b] > bucket_pkts[best]))
				best = b;
		if (best == DP_RETA_SIZE)
			break;
		taken[best] = true;
		move[n++] = (uint8_t)best;
		budget -= bucket_pkts[best];
	}
	*to = dst;
	return n;
}

bool
dp_reta_due(uint64_t now, uint64_t hz)
{
	return bal.last == 0 || now - bal.last >= hz / 10;
}

unsigned int
dp_reta_balance(uint64_t now, uint64_t hz, const uint64_t *busy, const uint64_t *ran,
		const uint32_t *const *bucket_pkts, unsigned int n_workers)
{
	uint64_t pkts[DP_RETA_SIZE] = { 0 };
	double load[DP_WORKERS_MAX];
	uint8_t move[DP_RETA_SIZE];
	unsigned int n, to = 0;
	bool first = bal.last == 0;

	if (n_workers != bal.n_workers || n_workers < 2)
		return 0;
	if (!dp_reta_due(now, hz))
		return 0;
	for (unsigned int i = 0; i < n_workers; i++) {
		uint64_t r = ran[i] - bal.ran[i];

		load[i] = r ? RTE_MIN((double)(busy[i] - bal.busy[i]) / (double)r, 1.0) : 0.0;
		bal.busy[i] = busy[i];
		bal.ran[i] = ran[i];
		for (unsigned int b = 0; b < DP_RETA_SIZE; b++) {
			uint32_t c = __atomic_load_n(&bucket_pkts[i][b], __ATOMIC_RELAXED);

			pkts[b] += (uint32_t)(c - bal.pkts[i][b]);
			bal.pkts[i][b] = c;
		}
	}
	bal.last = now;
	/* the first call only takes the readings */
	if (first)
		return 0;
	n = dp_reta_plan(dp_reta, pkts, load, n_workers, move, &to);
	/* a move the last window asked for too (a window's noise alone
	 * moves nothing: each move may reorder what is in flight) */
	if (n == 0 || bal.want_src != dp_reta[move[0]] || bal.want_dst != (int)to) {
		bal.want_src = n ? dp_reta[move[0]] : -1;
		bal.want_dst = n ? (int)to : -1;
		return 0;
	}
	for (unsigned int k = 0; k < n; k++)
		__atomic_store_n(&dp_reta[move[k]], (uint8_t)to, __ATOMIC_RELAXED);
	return n;
}

unsigned int
dp_reta_share(unsigned int worker)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b < DP_RETA_SIZE; b++)
		n += dp_reta[b] == worker;
	return n;
}
