/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_wait: callers waiting for a run of the reconciler to end, each with a deadline. */
/*
 * A write answered only once its change is in sxdp waits for the run that
 * includes it (cd_sync_kick's number). The reconciler numbers its runs
 * and says when one ends (cd_wait_fire); this keeps who waits for which,
 * with a timer each, and tells each once: done, or timed out. It knows
 * nothing of the reconciler but the run numbers it is handed.
 */
#ifndef CD_WAIT_H
#define CD_WAIT_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct cd_wait_one;

/* (The same type as cd_sync_waiter.) */
typedef void cd_wait_fn(void *arg, bool done);

struct cd_wait {
	struct event_base *base;
	struct cd_wait_one *head;
};

/* Call @fn(@arg, true) once run @epoch has ended, or @fn(@arg, false)
 * after @timeout_ms. 0 or -ENOMEM. */
int cd_wait_add(struct cd_wait *q, uint64_t epoch, unsigned int timeout_ms, cd_wait_fn *fn, void *arg);
/* Drop every wait for @arg, untold (its request went away). */
void cd_wait_drop(struct cd_wait *q, void *arg);
/* Runs up to @epoch have ended: their waits are told done. */
void cd_wait_fire(struct cd_wait *q, uint64_t epoch);
/* Drop every wait, untold. */
void cd_wait_clear(struct cd_wait *q);

#endif
