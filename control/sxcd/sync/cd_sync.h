/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_sync: sxcd's reconciler: compile every intent, read sxdp's tables, write the difference, say how it went. */
/*
 * Level-triggered: a run compiles the whole intent set (cd_compile), reads
 * every table it wants or owns (table.read, all pages), and writes what
 * differs (cd_tables_diff) in dataplane-atomic batches of at most 4,096
 * updates, in dependency order (one batch for any usual change); entries already
 * right are not touched, so a run after sxcd restarts disturbs no traffic.
 * If sxdp refuses the batch, each intent's part is written as its own
 * batch: the ones refused are in Error and retried with backoff (1 s,
 * doubling, up to 30 s); the others are Ready. A run starts when an intent
 * changes, when sxdp connects (a new boot_id: sxdp restarted and is
 * empty), after an error, and every resync period (entries changed behind
 * sxcd's back are put back). Runs never overlap; changes during one start
 * the next.
 *
 * What sxcd owns in sxdp is kept in the store ("owned"): before a batch,
 * the entries it is about to write are added (so a crash mid-write leaves
 * nothing unaccounted), after it the set is what it wanted. Only owned
 * entries are ever deleted: entries sxdp learned or someone else wrote
 * stay. If the store cannot record them, nothing is written and each
 * intent they are for is Error (reason "store").
 *
 * Ready means the entries are in sxdp: a run whose writes did not all land
 * (the store refused to record them, sxdp refused them, a call could not
 * be sent, the connection went) leaves their intents not Ready, and the
 * next run, whatever starts it, diffs those keys again (or everything).
 *
 * This file runs the runs (when one starts, its compile in slices, its
 * end, the retry's backoff) and answers the calls below; each step is a
 * module of its own, handed what it reads and told what to call back:
 * cd_link (the connection: sxdp's boot_id and tables, the watchers),
 * cd_read (the tables the cache lacks), cd_pass (the diff, owned and
 * written a chunk at a time, and what is carried to the next run), with
 * cd_diff (what differs, in slices and chunks) and cd_write (the writes'
 * batches), cd_health (the features' checks after the writes), cd_outcome
 * (each intent's status), cd_dry (dry runs, between runs) and cd_wait
 * (callers waiting for a run's end).
 */
#ifndef CD_SYNC_H
#define CD_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "cd_res.h"

struct event_base;
struct ctl_async;
struct cd_sync;
struct cd_tables;

struct cd_sync *cd_sync_new(struct event_base *base, const char *socket, struct cd_res *res,
			    unsigned int resync_ms);
void cd_sync_free(struct cd_sync *s);

/* The intents changed: run (now, or after the run under way). Returns the
 * number of the run that will include the change (for cd_sync_wait). */
uint64_t cd_sync_kick(struct cd_sync *s);

/* Call @fn(@arg, done) once run @epoch has ended (done true), or after
 * @timeout_ms (done false). */
typedef void cd_sync_waiter(void *arg, bool done);
int cd_sync_wait(struct cd_sync *s, uint64_t epoch, unsigned int timeout_ms, cd_sync_waiter *fn,
		 void *arg);
/* Drop every wait for @arg (its request went away). */
void cd_sync_unwait(struct cd_sync *s, void *arg);

/*
 * Dry run: the compile's results of the intents going from the current
 * intents to @specs (borrowed) compiled, and the table writes (an array,
 * each with its "owner"): given to @fn(@arg, 0, diff, results) (borrowed)
 * once done; compiled in slices between the loop's other work, after the
 * run under way. A @preview's writes are what the run that applies @specs
 * writes: against sxdp's tables as read now, drift included (cd_dry.h);
 * the next run then diffs everything against that read. Otherwise (a
 * write's collision check: its results say who fails) @diff is NULL.
 * -ENOTCONN while sxdp's tables are unknown (then @fn is not called), or
 * later given to @fn.
 */
typedef void cd_sync_dry_done(void *arg, int rc, json_t *diff, json_t *results);
/* @wait_ms > 0: if it has not started by then (a run stuck on sxdp with
 * changes queued behind it), @fn gets -EBUSY. */
int cd_sync_dry_run(struct cd_sync *s, json_t *specs, unsigned int wait_ms, bool preview,
		    cd_sync_dry_done *fn, void *arg);
/* @arg's request went away: its dry run is not answered. */
void cd_sync_dry_cancel(struct cd_sync *s, void *arg);


/* What the kernel says of the WAN links (cd_nl_view's, borrowed) changed:
 * kept for the compile, and a run starts. */
void cd_sync_set_kernel(struct cd_sync *s, json_t *view);

/* The client of sxdp's socket (for counters and visibility). */
struct ctl_async *cd_sync_ctl(struct cd_sync *s);
/* Whose intent wants @table's @key (its canonical key) in the compile of
 * the run under way: "kind/name", or NULL. What is owned in sxdp is
 * cd_res_state(res, "owned"); this adds what a run is about to write. */
const char *cd_sync_wanted_by(struct cd_sync *s, const char *table, const char *key);
/* Be told when sxdp's tables are known after a connect (@t, and sxdp's
 * @boot_id: a new one means an sxdp that started empty) and when the
 * connection is lost (@t and @boot_id NULL). At most CD_SYNC_WATCHERS. */
#define CD_SYNC_WATCHERS 8
typedef void cd_sync_watcher(void *arg, const struct cd_tables *t, const char *boot_id);
int cd_sync_watch(struct cd_sync *s, cd_sync_watcher *fn, void *arg);
/* {"connected", "boot_id", "version", "reconcile": {...}, "tables":
 * {TABLE: {"used", "size"}} (as of the last resync)} (new). */
json_t *cd_sync_info(struct cd_sync *s);

#endif
