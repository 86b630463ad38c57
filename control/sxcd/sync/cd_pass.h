/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_pass: a run's write pass: what differs from sxdp, owned before it is written, written, and what is carried to the next run. */
/*
 * After a run's compile and reads, the reconciler (cd_sync) hands the
 * pass what the compile wants (its set, seqs and owners), what sxdp has
 * (the cache) and the run's errors. The keys the compile changed are
 * diffed and written; a whole diff (after a whole read or compile) first
 * compares every key in slices (cd_diff_cmp). When many keys are to go
 * (a whole diff's, a new UPF's thousands) they are written a chunk of
 * KEYS_CHUNK keys at a time in the order writes go (cd_diff_plan), each
 * chunk diffed, owned and written as a run of its own in a slice of the
 * loop. What sxcd owns is stored before a chunk is written (a crash
 * mid-write leaves nothing unaccounted) and after it (cd_own), in slices
 * of the loop too; the pass waits for the store at its next slice. What could
 * not be written is in the errors, and its keys go with the next run
 * (redo), or the next diff is a whole one (rediff). It calls nothing of
 * the reconciler's but the ends it is handed.
 */
#ifndef CD_PASS_H
#define CD_PASS_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_compile.h"
#include "cd_diff.h"
#include "cd_own.h"
#include "cd_write.h"

struct ctl_async;
struct pass_save;

typedef void cd_pass_fn(void *arg);
typedef void cd_pass_end(void *arg, bool wrote);

struct cd_pass {
	/* the reconciler's, for every run */
	struct cd_res *res;
	struct cd_own *own;
	cd_pass_end *finish;		/* every chunk's writes made or refused (the refused in the errors) */
	cd_pass_end *end;		/* writes not made (in the errors): the run is over */
	cd_pass_fn *lost;		/* the connection lost: the run is void */
	cd_pass_fn *more;		/* another slice, after the loop served the others */
	cd_pass_fn *idle;		/* the writes wait on sxdp: others may work meanwhile */
	void *arg;
	/* the run's (borrowed), from cd_pass_start */
	struct ctl_async *ctl;
	struct cd_tables *tables;
	json_t *cache;			/* sxdp's entries, following the writes */
	const struct cd_compiled *c;	/* what the compile wants */
	json_t *have;			/* sxdp's entries as the run read them */
	json_t *errors;			/* "KIND/NAME" → {reason, message}: refused */
	/* the pass */
	bool whole;			/* a whole diff (set when the run starts) */
	json_t *keys;			/* what the compile changed, NULL: everything */
	struct cd_diff_cmp cmp;		/* a whole diff's */
	bool comparing;
	struct cd_diff_plan plan;	/* a whole diff of many keys, in chunks */
	bool chunking, chunk_wrote;
	json_t *wseq, *wowner;		/* the seq and owner of this run's keys when diffed */
	json_t *kept;			/* owned entries of quarantined intents: never deleted */
	json_t *diff;			/* the writes, with owners */
	/* what is owned being stored (cd_own_save_async), then: */
	enum { PASS_SAVE_NONE, PASS_SAVE_WRITE, PASS_SAVE_CHUNK, PASS_SAVE_WROTE } saving;
	bool saved;			/* stored (save_rc): on with it at the next slice */
	int save_rc;
	struct pass_save *save;		/* the store's, under way */
	struct cd_write w;		/* writing them */
	/* What runs could not write (the store refused to record it, sxdp
	 * refused, a call could not be sent): the keys they had taken from
	 * the compiler, which hands a key out once and, having compiled its
	 * intent, will not again. The next run carries them, whatever starts
	 * it, so that it writes them or says again why not (a run with
	 * nothing of its own to write must not find them right by default);
	 * a whole or chunked run's: the next diff is a whole one. */
	json_t *redo;
	bool rediff;
	bool reread;			/* what sxdp holds is to be read whole again */
};

void cd_pass_init(struct cd_pass *p, struct cd_res *res, struct cd_own *own, cd_pass_end *finish,
		  cd_pass_end *end, cd_pass_fn *lost, cd_pass_fn *more, cd_pass_fn *idle, void *arg);
/* The run's compile changed @keys (taken; NULL: anything): the keys the
 * pass writes, with what earlier runs could not write; none when the
 * diff is a whole one (then it is). */
void cd_pass_take(struct cd_pass *p, json_t *keys);
/* Diff and write (borrowed until the pass ends or is cleared). */
/* Another slice of the pass is due (comparing, chunking or a store done):
 * cd_pass_slice. */
bool cd_pass_busy(const struct cd_pass *p);
void cd_pass_start(struct cd_pass *p, struct ctl_async *ctl, struct cd_tables *tables, json_t *cache,
		   const struct cd_compiled *c, json_t *have, json_t *errors);
/* Another slice (when comparing or chunking). */
void cd_pass_slice(struct cd_pass *p);
/* The run's state gone, its writes void (what is carried to the next run
 * stays). */
void cd_pass_clear(struct cd_pass *p);
/* All gone. */
void cd_pass_free(struct cd_pass *p);

#endif
