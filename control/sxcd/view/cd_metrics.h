/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_metrics: /metrics, sxdp's counters in the Prometheus text format 0.0.4. */
/*
 * Counters are sxdp_*_total in base units (packets, bytes, cycles), with
 * labels of bounded cardinality only: port, lcore, drop reason, table,
 * slice, path, VDN (never a flow or a session). Gauges: path RTT, loss and
 * jitter, mempool use, intents per phase, sxdp up. sxdp's own families
 * come first, then those the features register (cd_vis.h), then sxcd's.
 */
#ifndef CD_METRICS_H
#define CD_METRICS_H

#include "cd_res.h"
#include "cd_sync.h"

/* The text (malloc'ed, the callee frees it) once sxdp answered. */
typedef void cd_metrics_done(void *arg, char *text);
void cd_metrics(struct cd_sync *s, struct cd_res *r, cd_metrics_done *done, void *arg);

#endif
