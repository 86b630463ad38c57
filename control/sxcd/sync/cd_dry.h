/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_dry: dry runs: what going to other intents would write, compiled on the reconciler's compiler between its runs. */
/*
 * A dry run (a write's collision check, a preview) waits in a queue and
 * compiles, when the reconciler (cd_sync) lets it, on the intents it
 * keeps compiled, in three updates of the compiler: the intents as they
 * are (usually nothing to do), as the dry run would have them (ids kept),
 * and back, each in slices between the loop's other work. The way back
 * leaves nothing of the dry run behind (cd_trip). One waiting past its
 * deadline is answered -EBUSY.
 *
 * What a preview (@read) would write is what a run writes: the
 * difference between what it compiles to and what sxdp holds now, drift
 * included (an entry of sxcd's deleted behind its back is written again,
 * one already gone is not deleted, one someone else put where an intent
 * wants one is modified), with what sxcd owns and nobody wants deleted.
 * After the second update it asks the reconciler to read sxdp's tables
 * (@read), compares in slices, and once answered hands the read back
 * (@adopt): the reconciler's view of sxdp from then on, its next run a
 * whole diff against it, so the apply that follows writes what was
 * announced. A collision check needs its results alone: it reads
 * nothing and makes no diff (NULL: a 2,000-session UPF's would be 4,000
 * keys compared in one go). This module calls nothing of the reconciler's
 * but what it is handed.
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
/* Read sxdp's tables @want names (the dry run's set, or the tables of it
 * its update touched; borrowed until cd_dry_read_done), with what sxcd
 * owns in them, then cd_dry_read_done. */
typedef void cd_dry_read(void *arg, json_t *want);
/* A preview's read of sxdp (borrowed), once answered. */
typedef void cd_dry_adopt(void *arg, json_t *have);

struct cd_dry {
	struct event_base *base;
	unsigned int slice_us;		/* what a slice of compile may take */
	cd_dry_fn *more;		/* another slice, after the loop served the others */
	cd_dry_fn *next;		/* one ended: start what waits */
	cd_dry_read *read;
	cd_dry_adopt *adopt;
	void *arg;
	struct cd_dry_one *head;	/* waiting, the first under way when on */
	bool on;
	int phase;			/* CD_DRY_*: where the one under way is */
	int rc;				/* how it ends (a read that failed) */
	json_t *diff, *results;		/* the one under way's answer */
	struct cd_diff_cmp cmp;		/* a preview's set compared with sxdp's tables */
	json_t *have, *mine;		/* a preview's: sxdp's tables read, what a run may delete */
	json_t *rwant;			/* a preview's: the tables of its set it reads and compares */
};

void cd_dry_init(struct cd_dry *d, struct event_base *base, unsigned int slice_us, cd_dry_fn *more,
		 cd_dry_fn *next, cd_dry_read *read, cd_dry_adopt *adopt, void *arg);
/* Every dry run dropped, unanswered. */
void cd_dry_free(struct cd_dry *d);

/* Queue a dry run to @specs (borrowed: held), answered @fn(@arg, ...);
 * @wait_ms > 0: -EBUSY if it has not started by then; @read: a preview,
 * its writes against sxdp's tables. 0 or -ENOMEM. */
int cd_dry_add(struct cd_dry *d, json_t *specs, unsigned int wait_ms, bool read, cd_dry_done *fn,
	       void *arg);
/* Does the first one waiting read sxdp (then it starts only between runs)? */
bool cd_dry_head_reads(const struct cd_dry *d);
/* @arg's request went away: its dry runs are not answered. */
void cd_dry_cancel(struct cd_dry *d, void *arg);

/* The first waiting starts on @cc, against @t and @kernel, from the
 * intents as they are, @specs (all borrowed until it ends). */
void cd_dry_begin(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
		  json_t *kernel);
/* Another slice of the one under way (the same @cc, @t, @specs, @kernel). */
void cd_dry_slice(struct cd_dry *d, struct cd_compiler *cc, const struct cd_tables *t, json_t *specs,
		  json_t *kernel);
/* The read it asked for (@read): sxdp's tables @have and the owned
 * entries a run may delete @mine (TABLE → KEY → seq; both taken), or
 * @rc < 0 (the read failed: it goes back and ends with @rc). */
void cd_dry_read_done(struct cd_dry *d, json_t *have, json_t *mine, int rc);
/* The first one (under way or not) ends: answered @rc (unless its
 * request went), then what waits is started (@next). */
void cd_dry_end(struct cd_dry *d, int rc);
/* Every one ends with @rc (sxdp's tables are gone). */
void cd_dry_end_all(struct cd_dry *d, int rc);

#endif
