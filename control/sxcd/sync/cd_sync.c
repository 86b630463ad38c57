/* SPDX-License-Identifier: BSD-3-Clause */
/* The reconciler: compile, read, diff, write, status (see cd_sync.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "cd_clock.h"
#include "cd_diff.h"
#include "cd_dry.h"
#include "cd_gc.h"
#include "cd_health.h"
#include "cd_lag.h"
#include "cd_link.h"
#include "cd_log.h"
#include "cd_outcome.h"
#include "cd_own.h"
#include "cd_pass.h"
#include "cd_read.h"
#include "cd_rstatus.h"
#include "cd_sync.h"
#include "cd_wait.h"
#include "cd_write.h"
#include "ctl_async.h"

#define RETRY_MIN_MS	 1000
#define RETRY_MAX_MS	 30000
_Static_assert(CD_SYNC_WATCHERS == CD_LINK_WATCHERS, "cd_sync_watch's bound is cd_link's");

#define SLICE_US	 5000	/* a slice of work on the loop: others are served between them */

struct cd_sync {
	struct event_base *base;
	struct cd_link link;		/* sxdp, its tables once connected */
	struct cd_res *res;
	json_t *kernel;			/* what the kernel says of the WAN links */
	unsigned int resync_ms, retry_ms;
	struct event *timer;		/* resync or retry */
	/* sxdp's entries as last read, with sxcd's writes since applied: a run
	 * for a changed intent reads only tables it has not got; a resync, a
	 * retry and a reconnect read everything again (s->full), as does the
	 * run after writes sxdp refused (the pass's reread) */
	json_t *cache;
	bool full;
	struct cd_wait waiters;		/* for the end of a run */
	struct cd_lag *lag;		/* how long the loop was held */
	/* the intents compiled, kept between runs: a run compiles what
	 * changed (cd_compiler), in slices of SLICE_US */
	struct cd_compiler *cc;
	struct event *work;		/* the next slice */
	json_t *specs;			/* what it compiles */
	struct cd_dry dry;		/* dry runs, compiling on it between runs */
	struct cd_read dry_rd;		/* a preview's read of sxdp, between runs */
	json_t *dry_have;		/* what it read */
	uint64_t dry_reads;		/* (its answers are told from an earlier one's) */
	json_t *quar;			/* the quarantined intents the last run kept entries of */
	struct cd_own own;		/* owned, owners and ids as the store keeps them */
	/* the diff and writes of a run (a whole diff in slices and chunks),
	 * and what runs could not write, carried to the next */
	struct cd_pass pass;

	/* the run under way */
	bool running, dirty;
	uint64_t epoch;			/* runs started */
	uint64_t t0;
	struct cd_compiled c;
	json_t *gens;			/* "KIND/NAME" → generation compiled */
	json_t *results;		/* the compile's results, as this run saw them */
	json_t *mine;			/* "KIND/NAME" → true: the intents it compiled */
	json_t *have;			/* sxdp's entries (the cache) */
	struct cd_read rd;		/* reading what the cache lacks */
	json_t *errors;			/* "KIND/NAME" → {reason, message}: refused */
	bool wrote;
	struct cd_health health;	/* the features' checks after the writes */
	uint64_t connected_at;

	/* what the last runs did; writes: what sxdp applied (cd_write), at
	 * this run's start and in the last run */
	uint64_t runs_ok, runs_failed, last_ms, ready_after_connect_ms;
	uint64_t writes_at_start, last_writes;
	bool ready_once;
};

static void run_start(struct cd_sync *s);
static void next_work(struct cd_sync *s);
static void dry_start(struct cd_sync *s);
static void run_end(struct cd_sync *s, bool wrote);
static void run_abort(struct cd_sync *s);
static void run_finish(struct cd_sync *s, bool wrote);

static void
arm(struct cd_sync *s, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	evtimer_add(s->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct cd_sync *s = arg;
	uint64_t t0 = cd_lag_enter();

	(void)fd;
	(void)what;
	cd_link_usage(&s->link);
	s->full = true;	/* what changed behind sxcd's back shows now */
	cd_sync_kick(s);
	cd_lag_leave(t0, "sync: resync or retry");
}

/* ----------------------------------------------------------- waiters */

int
cd_sync_wait(struct cd_sync *s, uint64_t epoch, unsigned int timeout_ms, cd_sync_waiter *fn,
	     void *arg)
{
	return cd_wait_add(&s->waiters, epoch, timeout_ms, fn, arg);
}

void
cd_sync_unwait(struct cd_sync *s, void *arg)
{
	cd_wait_drop(&s->waiters, arg);
}

/* ------------------------------------------------------- a run's end */

static void
run_clear(struct cd_sync *s)
{
	json_decref(s->c.want);
	json_decref(s->c.owner);
	json_decref(s->c.seq);
	memset(&s->c, 0, sizeof(s->c));	/* the compiler's: its objects held */
	json_decref(s->results);
	json_decref(s->mine);
	s->mine = NULL;
	s->results = NULL;
	cd_pass_clear(&s->pass);
	json_decref(s->gens);
	cd_read_clear(&s->rd);
	cd_health_clear(&s->health);
	cd_gc_free(s->have);
	json_decref(s->errors);
	s->gens = s->have = s->errors = NULL;
	s->running = false;
}

/* The run is over: every intent's status from the compile and what sxdp
 * refused; the next run is armed. */
static void
run_end(struct cd_sync *s, bool wrote)
{
	uint64_t took = cd_clock_ms() - s->t0;
	bool failed = cd_outcome_store(s->res, s->link.tables, s->results, s->mine, s->gens, s->errors);

	s->last_ms = took;
	s->last_writes = s->pass.w.writes - s->writes_at_start;
	if (failed) {
		s->runs_failed++;
		s->retry_ms = s->retry_ms ? s->retry_ms * 2 : RETRY_MIN_MS;
		if (s->retry_ms > RETRY_MAX_MS)
			s->retry_ms = RETRY_MAX_MS;
		CD_LOG(WARN, "run %lu: %zu intents' writes not made; again in %u ms",
		       (unsigned long)s->epoch, json_object_size(s->errors), s->retry_ms);
	} else {
		s->runs_ok++;
		s->retry_ms = 0;
		if (!s->ready_once) {
			s->ready_once = true;
			s->ready_after_connect_ms = cd_clock_ms() - s->connected_at;
			CD_LOG(INFO, "converged %lu ms after sxdp connected (boot_id %s)",
			       (unsigned long)s->ready_after_connect_ms, s->link.boot_id);
		}
	}
	if (wrote)
		CD_LOG(INFO, "run %lu: %lu writes in %lu ms", (unsigned long)s->epoch,
		       (unsigned long)s->last_writes, (unsigned long)took);
	run_clear(s);
	cd_wait_fire(&s->waiters, s->epoch);
	arm(s, failed ? s->retry_ms : s->resync_ms);
	next_work(s);
}

/* ------------------------------------------------------------ health */

static void
on_health_done(void *arg)
{
	struct cd_sync *s = arg;

	run_end(s, s->wrote);
}

static void
on_health_lost(void *arg)
{
	run_abort(arg);
}

/* The writes are done: Ready intents the compile says are degraded (their
 * WAN link is down) are so, then what the features' health checks say,
 * then the statuses. */
static void
run_finish(struct cd_sync *s, bool wrote)
{
	s->wrote = wrote;
	cd_outcome_degrade(s->results);
	cd_health_start(&s->health, s->link.ctl, s->link.tables, s->res, s->results, on_health_done,
			on_health_lost, s);
}

/* Connection lost mid-run (or a read could not be asked): the run is
 * void, and the next one reads and diffs everything; the reconnect starts
 * it, or, still connected, the retry. */
static void
run_abort(struct cd_sync *s)
{
	s->full = true;
	if (!s->running)
		return;
	run_clear(s);
	s->dirty = false;
	if (ctl_async_up(s->link.ctl))
		arm(s, s->retry_ms ? s->retry_ms : RETRY_MIN_MS);
}

/* ------------------------------------------------------------ writes */

static void
on_pass_finish(void *arg, bool wrote)
{
	run_finish(arg, wrote);
}

static void
on_pass_end(void *arg, bool wrote)
{
	run_end(arg, wrote);
}

static void
on_pass_lost(void *arg)
{
	run_abort(arg);
}

static void more_work(struct cd_sync *s);

static void
on_pass_more(void *arg)
{
	more_work(arg);
}

static void
on_pass_idle(void *arg)
{
	struct cd_sync *s = arg;

	if (s->running)
		next_work(s);	/* a dry run may compile while sxdp writes */
}

/* ------------------------------------------------------------- reads */

static void
on_read_done(void *arg)
{
	struct cd_sync *s = arg;

	cd_pass_start(&s->pass, s->link.ctl, s->link.tables, s->cache, &s->c, s->have, s->errors);
}

static void
on_read_lost(void *arg)
{
	run_abort(arg);
}

/* ------------------------------------------------------------- runs */

/* Another slice of work after the loop has served the others. */
static void
more_work(struct cd_sync *s)
{
	struct timeval tv = { 0, 0 };

	evtimer_add(s->work, &tv);
}

/* The compile is done: the tables it needs that the cache lacks are read,
 * then the difference written. */
static void
compiled(struct cd_sync *s)
{
	s->c = *cd_compiler_set(s->cc);
	json_incref(s->c.want);
	json_incref(s->c.owner);
	json_incref(s->c.seq);
	s->results = json_copy(s->c.results);
	s->mine = json_copy(cd_compiler_compiled(s->cc));
	cd_pass_take(&s->pass, cd_compiler_take(s->cc));
	/* intents whose new generation this run writes are Programming
	 * until it ends: those this run compiled */
	cd_outcome_programming(s->res, cd_compiler_compiled(s->cc), s->results, s->gens);
	/* stored with what is owned, before anything is written */
	cd_own_ids_put(&s->own, cd_compiler_ids(s->cc), cd_compiler_ids_take(s->cc));
	cd_read_start(&s->rd, s->link.ctl, s->link.tables, s->have, s->c.want, cd_res_state(s->res, "owned"),
		      s->epoch, on_read_done, on_read_lost, s);
}

static void work(struct cd_sync *s);

static void
on_work(evutil_socket_t fd, short what, void *arg)
{
	struct cd_sync *s = arg;
	uint64_t t0 = cd_lag_enter();
	const char *doing = s->dry.on ? "sync: dry run" : s->pass.comparing ? "sync: whole diff" : "sync: compile";

	(void)fd;
	(void)what;
	work(s);
	cd_lag_leave(t0, doing);
}

static void
work(struct cd_sync *s)
{
	uint64_t t0;
	int rc;

	if (s->dry.on && s->running && s->pass.saved) {
		/* the run's store ended while a dry run compiles: the run goes
		 * on, and so does the dry run (both asked for this one slice) */
		cd_pass_slice(&s->pass);
		more_work(s);
		return;
	}
	if (s->dry.on) {
		cd_dry_slice(&s->dry, s->cc, s->link.tables, s->specs, s->kernel);
		return;
	}
	if (!s->running)
		return;
	if (cd_pass_busy(&s->pass)) {
		cd_pass_slice(&s->pass);
		return;
	}
	if ((rc = cd_compiler_step(s->cc, SLICE_US)) == -EAGAIN) {
		more_work(s);
		return;
	}
	t0 = cd_lag_enter();
	compiled(s);
	cd_lag_leave(t0, "sync: after the compile");
}

static void
run_start(struct cd_sync *s)
{
	evtimer_del(s->timer);
	if (s->link.tables == NULL || !ctl_async_up(s->link.ctl))
		return;
	if (s->cc == NULL && (s->cc = cd_compiler_new(cd_res_state(s->res, "ids"))) == NULL) {
		arm(s, RETRY_MIN_MS);
		return;
	}
	s->running = true;
	s->epoch++;
	s->t0 = cd_clock_ms();
	s->writes_at_start = s->pass.w.writes;
	json_decref(s->specs);
	s->specs = cd_res_specs(s->res, NULL, 0);
	s->gens = cd_res_generations(s->res);
	s->errors = json_object();
	/* a full read now and then; between them, what was read and written */
	s->pass.whole = false;
	if (s->full || s->pass.reread || s->cache == NULL) {
		cd_gc_free(s->cache);
		s->cache = json_object();
		s->full = s->pass.reread = false;
		s->pass.whole = true;
	}
	s->have = json_incref(s->cache);
	/* what an earlier whole run could not write: a whole diff */
	if (s->pass.rediff)
		s->pass.whole = true;
	s->pass.rediff = false;
	/* an intent in or out of quarantine: what is kept changed, a whole diff */
	{
		json_t *q = cd_rstatus_quarantine(s->res);

		if (s->quar == NULL || !json_equal(q, s->quar))
			s->pass.whole = true;
		json_decref(s->quar);
		s->quar = q;
	}
	cd_compiler_begin(s->cc, s->link.tables, s->specs, s->kernel, false);
	more_work(s);
}

/* Start what waits: a run the intents need, else the next dry run. */
static void
next_work(struct cd_sync *s)
{
	/* a dry run may compile while a run waits on sxdp, when the run's
	 * compile is done, is not a whole one and no change came since (the
	 * dry run's first update then changes nothing), and its diff is made
	 * (the dry run compiles on the very set the run diffs: a read's end
	 * mid-dry-run would diff, and write, the dry run's intents); not a
	 * preview: what it reads of sxdp must not be half a run's writes */
	if (s->running && !s->dry.on && s->dry.head != NULL && s->c.want != NULL && !s->pass.comparing &&
	    s->pass.plan.wk == NULL && !s->pass.whole && !s->dirty && !cd_read_busy(&s->rd) &&
	    !cd_dry_head_reads(&s->dry)) {
		dry_start(s);
		return;
	}
	if (s->running || s->dry.on)
		return;
	if (s->dirty) {
		s->dirty = false;
		run_start(s);
		if (s->running)
			return;
	}
	if (s->dry.head != NULL)
		dry_start(s);
}

uint64_t
cd_sync_kick(struct cd_sync *s)
{
	if (s->running || s->dry.on) {
		s->dirty = true;
		return s->epoch + 1;
	}
	run_start(s);
	return s->running ? s->epoch : s->epoch + 1;
}

/* ------------------------------------------------------------ dry runs */

static void
on_dry_more(void *arg)
{
	more_work(arg);
}

/* A dry run ended. One that compiled beside a run took the work timer's
 * slices: a slice the run's pass asked for meanwhile (its chunks, its
 * whole diff) was the dry run's, so it is asked for again. */
static void
on_dry_next(void *arg)
{
	struct cd_sync *s = arg;

	if (s->running && cd_pass_busy(&s->pass))
		more_work(s);
	next_work(s);
}

/* @o ({"TABLE": ...}, taken) with the tables @tables has alone (new; its
 * rows shared). */
static json_t *
only_tables(json_t *o, json_t *tables)
{
	json_t *out = json_object(), *v;
	const char *t;

	json_object_foreach(o, t, v)
		if (json_object_get(tables, t) != NULL)
			json_object_set(out, t, v);
	json_decref(o);
	return out;
}

static void
on_dry_read_done(void *arg)
{
	struct cd_sync *s = arg;
	json_t *kept, *mine;

	/* what a run may delete: what sxcd owns, but not what it keeps for
	 * quarantined intents (cd_pass) */
	mine = cd_diff_deletable(s->res, cd_compiler_set(s->cc)->want, &kept);
	json_decref(kept);
	mine = only_tables(mine, s->dry_have);
	cd_dry_read_done(&s->dry, s->dry_have, mine, 0);
	s->dry_have = NULL;
}

static void
on_dry_read_lost(void *arg)
{
	struct cd_sync *s = arg;

	cd_read_clear(&s->dry_rd);
	cd_gc_free(s->dry_have);
	s->dry_have = NULL;
	cd_dry_read_done(&s->dry, NULL, NULL, -ENOTCONN);
}

/* A preview compiled: sxdp's tables it or sxcd's owned entries are in,
 * read whole (no run is under way: runs wait for a dry run). */
static void
on_dry_read(void *arg, json_t *want)
{
	struct cd_sync *s = arg;
	/* what sxcd owns in those tables alone */
	json_t *owned = only_tables(json_incref(cd_res_state(s->res, "owned")), want);

	cd_gc_free(s->dry_have);
	s->dry_have = json_object();
	cd_read_start(&s->dry_rd, s->link.ctl, s->link.tables, s->dry_have, want, owned, ++s->dry_reads,
		      on_dry_read_done, on_dry_read_lost, s);
	json_decref(owned);
}

/* A preview answered: what it read is sxdp's tables as they are (no
 * write since), and the next run diffs everything against them, so that
 * the apply previewed writes what the preview said, drift included. */
static void
on_dry_adopt(void *arg, json_t *have)
{
	struct cd_sync *s = arg;
	json_t *rows;
	const char *t;

	if (s->cache == NULL)	/* the next run reads everything anyway */
		return;
	json_object_foreach(have, t, rows) {
		/* the rows it replaces freed in slices (cd_gc): a UPF's 200k
		 * entries held the loop 0.85 s */
		json_t *old = json_incref(json_object_get(s->cache, t));

		json_object_set(s->cache, t, rows);
		cd_gc_free(old);
	}
	s->pass.rediff = true;
}

/* The first dry run waiting starts on the intents the reconciler keeps
 * compiled. */
static void
dry_start(struct cd_sync *s)
{
	if (s->link.tables == NULL) {
		cd_dry_end(&s->dry, -ENOTCONN);
		return;
	}
	if (s->cc == NULL && (s->cc = cd_compiler_new(cd_res_state(s->res, "ids"))) == NULL) {
		cd_dry_end(&s->dry, -ENOMEM);
		return;
	}
	json_decref(s->specs);
	s->specs = cd_res_specs(s->res, NULL, 0);
	cd_dry_begin(&s->dry, s->cc, s->link.tables, s->specs, s->kernel);
}

int
cd_sync_dry_run(struct cd_sync *s, json_t *specs, unsigned int wait_ms, bool preview, cd_sync_dry_done *fn,
		void *arg)
{
	int rc;

	if (s->link.tables == NULL)
		return -ENOTCONN;
	if ((rc = cd_dry_add(&s->dry, specs, wait_ms, preview, fn, arg)) < 0)
		return rc;
	next_work(s);
	return 0;
}

void
cd_sync_dry_cancel(struct cd_sync *s, void *arg)
{
	cd_dry_cancel(&s->dry, arg);
}

/* -------------------------------------------------------- connection */

static void
on_up(void *arg)
{
	struct cd_sync *s = arg;

	s->connected_at = cd_clock_ms();
	s->ready_once = false;
}

static void
on_known(void *arg)
{
	cd_sync_kick(arg);
}

/* Before the tables go and the watchers are told. */
static void
on_lost(void *arg)
{
	struct cd_sync *s = arg;

	run_abort(s);
	cd_read_clear(&s->dry_rd);
	cd_gc_free(s->dry_have);
	s->dry_have = NULL;
	/* what was compiled was compiled for that sxdp's tables */
	evtimer_del(s->work);
	cd_dry_end_all(&s->dry, -ENOTCONN);
	cd_compiler_free(s->cc);
	s->cc = NULL;
	json_decref(s->cache);
	s->cache = NULL;
	evtimer_del(s->timer);
	cd_rstatus_set_phase_all(s->res, "Pending", "sxdp");
}

struct cd_sync *
cd_sync_new(struct event_base *base, const char *socket, struct cd_res *res, unsigned int resync_ms)
{
	struct cd_sync *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->base = base;
	s->res = res;
	s->resync_ms = resync_ms;
	s->waiters.base = base;
	cd_dry_init(&s->dry, base, SLICE_US, on_dry_more, on_dry_next, on_dry_read, on_dry_adopt, s);
	s->timer = evtimer_new(base, on_timer, s);
	s->work = evtimer_new(base, on_work, s);
	cd_own_init(&s->own, res);
	cd_pass_init(&s->pass, res, &s->own, on_pass_finish, on_pass_end, on_pass_lost, on_pass_more,
		     on_pass_idle, s);
	s->lag = cd_lag_new(base);
	cd_rstatus_set_phase_all(res, "Pending", "sxdp");
	if (cd_link_open(&s->link, base, socket, on_up, on_known, on_lost, s) < 0 || s->timer == NULL ||
	    s->lag == NULL || s->work == NULL) {
		cd_sync_free(s);
		return NULL;
	}
	return s;
}

void
cd_sync_free(struct cd_sync *s)
{
	if (s == NULL)
		return;
	cd_wait_clear(&s->waiters);
	run_clear(s);
	cd_read_clear(&s->dry_rd);
	json_decref(s->dry_have);
	cd_dry_free(&s->dry);
	if (s->work != NULL)
		event_free(s->work);
	cd_compiler_free(s->cc);
	json_decref(s->specs);
	json_decref(s->quar);
	cd_pass_free(&s->pass);
	cd_link_close(&s->link);
	if (s->timer != NULL)
		event_free(s->timer);
	cd_lag_free(s->lag);
	json_decref(s->kernel);
	json_decref(s->cache);
	free(s);
}

void
cd_sync_set_kernel(struct cd_sync *s, json_t *view)
{
	json_decref(s->kernel);
	s->kernel = json_incref(view);
	cd_sync_kick(s);
}

/* -------------------------------------------------------------- views */

struct ctl_async *
cd_sync_ctl(struct cd_sync *s)
{
	return s->link.ctl;
}

const char *
cd_sync_wanted_by(struct cd_sync *s, const char *table, const char *key)
{
	/* a run's compile, held from its compile to its end: what it is
	 * about to write (the compiler's own set may be a dry run's) */
	return json_string_value(json_object_get(json_object_get(s->c.owner, table), key));
}

int
cd_sync_watch(struct cd_sync *s, cd_sync_watcher *fn, void *arg)
{
	return cd_link_watch(&s->link, fn, arg);
}

json_t *
cd_sync_info(struct cd_sync *s)
{
	/* unresponsive: connected, but sxdp stopped answering (ctl_async.h) */
	const char *state = ctl_async_stalled(s->link.ctl) ? "unresponsive" : s->link.tables != NULL ?
			    "connected" : ctl_async_up(s->link.ctl) ? "connecting" : "disconnected";
	json_t *out = json_pack("{s:b,s:s,s:I,s:s,s:s,s:{s:I,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I},s:o}",
			 "connected", s->link.tables != NULL, "state", state, "stalls",
			 (json_int_t)ctl_async_timeouts(s->link.ctl), "boot_id", s->link.boot_id, "version",
			 s->link.version,
			 "reconcile", "runs", (json_int_t)s->epoch, "running", s->running,
			 "runs_ok", (json_int_t)s->runs_ok, "runs_failed", (json_int_t)s->runs_failed,
			 "writes", (json_int_t)s->pass.w.writes, "last_run_writes",
			 (json_int_t)s->last_writes, "last_run_ms", (json_int_t)s->last_ms,
			 "converged_after_connect_ms",
			 (json_int_t)(s->ready_once ? s->ready_after_connect_ms : 0),
			 "retry_ms", (json_int_t)s->retry_ms, "loop_lag", cd_lag_info(s->lag));

	/* the headroom: each table's entries and size, as of the last resync */
	if (out != NULL && s->link.usage != NULL)
		json_object_set_new(out, "tables", json_deep_copy(s->link.usage));
	return out;
}
