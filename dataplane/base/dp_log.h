/* sxdp logging through DPDK's log so --log-level and syslog work as usual. */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

extern int dp_logtype;

#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dp_logtype, "sxdp: " fmt "\n", ##__VA_ARGS__)

#endif
