/* sxdp counters as DPDK telemetry commands under /sxdp/. */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

int dp_telemetry_register(const unsigned int *worker_lcores, unsigned int n_workers);

#endif
