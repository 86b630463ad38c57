/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_syncer: a store job's blocking end (syncs, journal, renames) made on a thread while the loop serves. */
/*
 * A store job writes its temp files in slices of the loop
 * (store_apply_write); what is left is fsync and rename calls
 * that the file system may hold for a tenth of a second or more on a busy
 * box. They are made here on a thread of their own (one job at a time),
 * and the loop is told when they are over; meanwhile the loop uses
 * neither the job nor the store (cd_res waits first: cd_syncer_wait).
 */
#ifndef CD_SYNCER_H
#define CD_SYNCER_H

#include <stdbool.h>

struct event_base;
struct store_job;
struct cd_syncer;

typedef void cd_syncer_done(void *arg, int rc);

/* NULL: no thread (the caller makes the calls itself). */
struct cd_syncer *cd_syncer_new(struct event_base *base);
/* Waits for a job under way first (its @done not called). */
void cd_syncer_free(struct cd_syncer *s);
/* store_apply_step(@sj, 0) on the thread; @done(@arg, its rc) from the
 * loop once over. 0, or -errno (not started: the caller makes it). */
int cd_syncer_start(struct cd_syncer *s, struct store_job *sj, cd_syncer_done *done, void *arg);
bool cd_syncer_busy(const struct cd_syncer *s);
/* The job under way waited for here: its rc (@done not called). */
int cd_syncer_wait(struct cd_syncer *s);

#endif
