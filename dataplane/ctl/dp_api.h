/* sys.*, port.*, pipeline.describe and stats.* control methods. */
#ifndef DP_API_H
#define DP_API_H

#include <rte_mempool.h>

struct dp_api_ctx {
	const char *version;
	char boot_id[40];
	const char *pipeline;        /* the config's, as text */
	unsigned int n_workers;
	const unsigned int *worker_lcores;
	struct rte_mempool *mp;
	uint64_t start_tsc;
};

int dp_api_register(struct dp_api_ctx *ctx);

#endif
