/* Counter reads for the control socket and telemetry. stats.clear never
 * writes a worker's counters: it moves a reader-side baseline instead, so
 * workers stay the only writers of their blocks. */
#include <string.h>
#include "dp_stats.h"

struct dp_lcore_stats dp_lcore_stats[RTE_MAX_LCORE];
static struct dp_lcore_stats baseline[RTE_MAX_LCORE];

#define N_WORDS (sizeof(struct dp_lcore_stats) / sizeof(uint64_t))

static void
snap(unsigned int lcore, uint64_t *dst)
{
	const volatile uint64_t *src = (const volatile uint64_t *)&dp_lcore_stats[lcore];

	for (size_t i = 0; i < N_WORDS; i++)
		dst[i] = src[i];
}

void
dp_stats_lcore(unsigned int lcore, struct dp_lcore_stats *out)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *b = (const uint64_t *)&baseline[lcore];

	snap(lcore, o);
	for (size_t i = 0; i < N_WORDS; i++)
		o[i] -= b[i];
}

void
dp_stats_total(struct dp_lcore_stats *out)
{
	struct dp_lcore_stats one;
	uint64_t *o = (uint64_t *)out;
	const uint64_t *s = (const uint64_t *)&one;

	memset(out, 0, sizeof(*out));
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		dp_stats_lcore(l, &one);
		for (size_t i = 0; i < N_WORDS; i++)
			o[i] += s[i];
	}
}

void
dp_stats_clear(void)
{
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++)
		snap(l, (uint64_t *)&baseline[l]);
}
