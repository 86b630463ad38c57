/* sxdp logging through DPDK's log so --log-level and syslog work as usual. */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

extern int dp_logtype;

/* --log-format @format ("text", "json"; NULL: text), before EAL: in
 * JSON, or to journald's stream (its priorities then), every DPDK log
 * line goes through dp_jlog. 0, or -1 (another word, no stream). */
int dp_log_setup(const char *format);

#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dp_logtype, "sxdp: " fmt "\n", ##__VA_ARGS__)

#endif
