/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_dry: dry runs: what going to other intents would write, compiled on the reconciler's compiler between its runs. */
/*
 * A dry run (a write's collision check, a preview) waits in a queue and
 * compiles, when the reconciler (cd_sync) lets it, on the intents it
 * keeps compiled, in three updates of the compiler: the intents as they
 * are (usually nothing to do), as the dry run would have them (ids kept),
 * and back, each in slices between the loop's other work (and the diff
 * of a whole compile too). What it would write is the keys the second
 * update changed, from what they held to what they hold; the way back
 * leaves nothing of the dry run behind (cd_trip). One waiting past its
 * deadline is answered -EBUSY. It neither reads nor writes sxdp; it calls
 * nothing of the reconciler's but the two it is handed (another slice,
 * and one ended).
 */
#ifndef CD_DRY_H
#define CD_DRY_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_compile.h"
#include "cd_diff.h"

struct event_base;
struct cd_dry_one;

/* (The same type as cd_sync_dry_done.) */
typedef void cd_dry_done(void *arg, int rc, json_t *diff, json_t *results);
typedef void cd_dry_fn(void *arg);

struct cd_dry {
	struct event_base *base;
	unsigned int slice_us;		/* what a slice of compile may take */
	cd_dry_fn *more;		/* another slice, after the loop served the others */
	cd_dry_fn *next;		/* one ended: start what waits */
	void *arg;
	struct cd_dry_one *head;	/* waiting, the first under way when on */
	bool on;
	int phase;			/* 1 now, 2 then, 3 back to now */
	json_t *diff, *results;		/* the one under way's answer */
	struct cd_diff_cmp cmp;		/* the one under way's, when it compiled everything */
};

void cd_dry_init(struct cd_dry *d, struct event_base *base, unsigned int slice_us, cd_dry_fn *more,
		 cd_dry_fn *next, void *arg);
/* Every dry run dropped, unanswered. */
void cd_dry_free(struct cd_dry *d);

/* Queue a dry run to @specs (borrowed: held), answered @fn(@arg, ...);
 * @wait_ms > 0: -EBUSY if it has not started by then. 0 or -ENOMEM. */
int cd_dry_add(struct cd_dry *d, json_t *specs, unsigned int wait_ms, cd_dry_done *fn, void *arg);
/* @arg's request went away: its dry runs are not answered. */
void cd_dry_cancel(struct cd_dry *d, void *arg);

/* The first waiting starts on @cc, against @t and @kernel, from the
 * intents as they are, @specs (all borrowed until it ends). */
void cd_dry_begin(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
		  json_t *kernel);
/* Another slice of the one under way (the same @cc, @t, @specs, @kernel). */
void cd_dry_slice(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
		  json_t *kernel);
/* The first one (under way or not) ends: answered @rc (unless its
 * request went), then what waits is started (@next). */
void cd_dry_end(struct cd_dry *d, int rc);
/* Every one ends with @rc (sxdp's tables are gone). */
void cd_dry_end_all(struct cd_dry *d, int rc);

#endif
