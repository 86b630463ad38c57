/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_health: the features' health checks a run asks of sxdp once its writes are in, each marking what does not hold. */
/*
 * A feature registers a health check (cd_hook_health: a method of sxdp's,
 * the table it needs, a check of the answer), which marks in a run's
 * results the Ready intents whose guarantee does not hold now (a tunnel
 * down: Degraded). After a run's writes the reconciler (cd_sync) asks
 * them here one after the other, those whose table sxdp has; then its
 * statuses follow. It calls nothing of the reconciler's but the two ends
 * it is handed.
 */
#ifndef CD_HEALTH_H
#define CD_HEALTH_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_res.h"
#include "cd_tables.h"

struct ctl_async;

typedef void cd_health_fn(void *arg);

struct cd_health {
	struct ctl_async *ctl;
	const struct cd_tables *tables;
	struct cd_res *res;		/* its ids, for the checks */
	json_t *results;		/* the run's: marked (borrowed) */
	int at;				/* the next check (cd_hook_health_at) */
	bool active;			/* checks under way: sxdp's answers are for them */
	cd_health_fn *done;		/* every check asked and answered (or failed) */
	cd_health_fn *lost;		/* the connection lost: the run is void */
	void *arg;
};

/* Ask every check of a feature whose table @tables has, marking @results
 * (borrowed, as are @tables and @res, until done or cleared); then
 * @done(@arg), or @lost(@arg) (the last thing done). */
void cd_health_start(struct cd_health *h, struct ctl_async *ctl, const struct cd_tables *tables,
		     struct cd_res *res, json_t *results, cd_health_fn *done, cd_health_fn *lost, void *arg);
/* The checks under way are void (sxdp's answers ignored). */
void cd_health_clear(struct cd_health *h);

#endif
