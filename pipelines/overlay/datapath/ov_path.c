/* Paths' live state and counters (ov_path.h). overlay.paths, the method
 * that shows them with the probes' figures, is ov_show.c, above the prober. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "ov_path.h"

struct ov_path_live ov_path_live[OV_PATH_MAX + 1];
struct ov_path_ctr *ov_path_ctr[DP_WORKERS_MAX];
struct ov_pins *ov_path_pins[DP_WORKERS_MAX];
uint16_t ov_pin_idle;
static unsigned int n_workers;

int
ov_path_init(unsigned int workers)
{
	memset(ov_path_live, 0, sizeof(ov_path_live));
	n_workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		ov_path_ctr[w] = rte_zmalloc("ov_path_ctr", sizeof(struct ov_path_ctr) * (OV_PATH_MAX + 1),
					     RTE_CACHE_LINE_SIZE);
		ov_path_pins[w] = rte_zmalloc("ov_path_pins", sizeof(struct ov_pins), RTE_CACHE_LINE_SIZE);
		if (ov_path_ctr[w] == NULL || ov_path_pins[w] == NULL)
			return -ENOMEM;
	}
	ov_pin_idle = (uint16_t)RTE_MIN(rte_get_tsc_hz() / 1000 * OV_PIN_IDLE_MS >> OV_PIN_TICK_SHIFT,
					 (uint64_t)UINT16_MAX / 2);
	return 0;
}

void
ov_path_fini(void)
{
	for (unsigned int w = 0; w < n_workers; w++) {
		rte_free(ov_path_ctr[w]);
		rte_free(ov_path_pins[w]);
		ov_path_ctr[w] = NULL;
		ov_path_pins[w] = NULL;
	}
}
