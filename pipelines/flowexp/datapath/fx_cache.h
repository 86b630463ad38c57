/* The workers' part of flow export: a per-worker flow cache (fixed size,
 * set-associative, no allocation after start) fed by the egress tap with
 * 1 in N packets, swept a few sets per walk for active and idle timeouts;
 * finished flows go to the main lcore over a per-worker SPSC ring. The
 * main lcore's part (fx_export) reads the rings. */
#ifndef FX_CACHE_H
#define FX_CACHE_H

#include <stdint.h>
#include <stdbool.h>
#include <rte_ring.h>
#include "dp_feature.h"
#include "fx_key.h"

#define FX_WAYS        4
#define FX_SETS        2048            /* per worker: 8192 flows */
#define FX_RING_SIZE   4096            /* records per worker ring */
#define FX_SWEEP_SETS  16              /* sets looked at per sweep step */
#define FX_SWEEP_MS    100             /* the whole cache swept this often */

/* A finished flow on its way to the main lcore (TSC times). */
struct fx_rec {
	struct fx_key k;
	uint64_t bytes;
	uint64_t pkts;
	uint64_t first, last;
	uint32_t reason;
	uint32_t pad;
};

/* What the main lcore tells the workers: written by it only, read by them
 * once per burst or walk; gen changes last (release) whenever the rest did,
 * and a worker seeing a new gen flushes its cache. */
struct fx_wcfg {
	uint32_t gen;
	uint32_t sampling;     /* 1..65535; 0: export off (workers flush and stop) */
	uint64_t active_tsc, idle_tsc;
};
extern struct fx_wcfg fx_wcfg;

int fx_cache_init(unsigned int n_workers);
void fx_cache_fini(void);
unsigned int fx_cache_workers(void);
struct rte_ring *fx_cache_ring(unsigned int worker);
/* The generation a worker has flushed its cache for (what main waits for
 * before it takes the tap off). */
uint32_t fx_cache_flushed(unsigned int worker);

extern const struct dp_tap fx_tap;

#endif
