/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_lag: how long sxcd's event loop was held, measured by a timer that should fire every 10 ms. */
/*
 * Anything that runs on the loop too long (a compile, a diff, a big
 * answer) delays every other client: this is where that shows. The timer
 * fires every CD_LAG_TICK_MS; how late it fires is the time the loop was
 * held (to within the tick). Kept: the largest lag since start, the last
 * one, and a histogram (cumulative, Prometheus style).
 */
#ifndef CD_LAG_H
#define CD_LAG_H

#include <stdint.h>
#include <jansson.h>

#define CD_LAG_TICK_MS 10

struct event_base;
struct cd_lag;

/*
 * Where the loop was held: a callback timed with cd_lag_enter/leave that
 * runs past CD_LAG_SLOW_MS is logged (once a second at most) and the
 * longest hold of each @what kept for cd_lag_info.
 */
#define CD_LAG_SLOW_MS 50
uint64_t cd_lag_enter(void);
void cd_lag_leave(uint64_t t0, const char *what);

struct cd_lag *cd_lag_new(struct event_base *base);
void cd_lag_free(struct cd_lag *l);
/* {"max_seconds", "max_running_seconds" (of the largest lag, what sxcd
 * spent running: the rest is the machine not running it), "last_seconds",
 * "count", "sum_seconds", "buckets": [[le_seconds, count], ...],
 * "held_by": {what: longest seconds}} (new). */
json_t *cd_lag_info(const struct cd_lag *l);

#endif
