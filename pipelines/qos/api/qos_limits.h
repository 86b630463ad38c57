/* SPDX-License-Identifier: BSD-3-Clause */
/* QoS's limits and its burst rule: one home for what every plane of a rate (an intent's check, sxdp's tables, a PFCP QER's meter) goes by. */
/* Rates are bits per second and bursts bytes everywhere; a meter's fields
 * are named as DPDK's rte_meter names them (cir, cbs; pir, pbs for
 * trTCM; eir, ebs for RFC 4115 and srTCM's ebs), and a ceiling is a peak
 * rate: pir. */
#ifndef QOS_LIMITS_H
#define QOS_LIMITS_H

#include <stdint.h>

/* Meter ids are 1..(the meters table's size - 1), 0 naming none: its size
 * is QOS_METERS_SIZE unless the config's table_sizes says (at most
 * QOS_METER_ID_CAP + 1); what names a meter takes ids up to the cap, and
 * an id the table does not have is refused (unknown_meter). */
#define QOS_METERS_SIZE	 16384u
#define QOS_METER_ID_CAP 1048575u

/* An egress scheduler's (rte_sched's) bounds, as sxdp's tables declare
 * them and the intents check them. */
#define QOS_SUBPORTS_MAX      64	/* a scheduler's subports */
#define QOS_PIPE_NUM_MAX      4095	/* a pipe's number (sched_pipes, vdns): a class id */
#define QOS_PIPE_PROFILES_MAX 16384	/* distinct pipe rates a subport keeps */

/* A meter's bursts: QOS_BURST_MS of its rate, a jumbo frame at least (a
 * bucket smaller than a frame could never pass it whole). A scheduler's
 * token bucket is as long, two frames at least. */
#define QOS_BURST_MS  10
#define QOS_BURST_MIN 9600	/* bytes: DP_APIDEF_MTU_MAX */

/* The burst of a meter at @bps bit/s (bytes). */
static inline int64_t
qos_burst_of(int64_t bps)
{
	int64_t b = bps / 8 * QOS_BURST_MS / 1000;

	return b < QOS_BURST_MIN ? QOS_BURST_MIN : b;
}

/* The token bucket of a scheduler's port, subport or pipe at @rate bytes/s
 * (rte_sched's tb_size): as long, two frames at least. */
static inline uint64_t
qos_sched_bucket_of(uint64_t rate)
{
	uint64_t b = rate * QOS_BURST_MS / 1000;

	return b < 2 * QOS_BURST_MIN ? 2 * QOS_BURST_MIN : b;
}

#endif
