/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_write: a run's writes to sxdp (table.write): in batches, and after a refusal intent by intent. */
/*
 * The reconciler's write pass (cd_pass) decides what to write (cd_diff);
 * this sends it through ctl_async and says how it went, so the run logic
 * and sxdp's answers to writes are apart. A run's writes go in
 * dataplane-atomic batches of at most 4,096 updates, in order; the cache
 * of sxdp's entries follows what sxdp applied. If sxdp refuses a batch,
 * the rest is written as one batch per owner, and the owners refused are
 * in the errors. Deletes of entries already gone (deleted behind sxcd's
 * back) are dropped and the rest sent again. It calls nothing of the
 * pass's but the end it is handed.
 */
#ifndef CD_WRITE_H
#define CD_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct ctl_async;
struct cd_tables;

/* How the writes ended: */
#define CD_WRITE_APPLIED 0	/* every batch applied, in order */
#define CD_WRITE_GROUPED 1	/* a batch refused: the rest written owner by owner */
/* (-ENOTCONN: sxdp's connection lost or a call not made: the run is void) */
typedef void cd_write_done(void *arg, int rc);

struct cd_write {
	struct ctl_async *ctl;
	struct cd_tables *tables;
	json_t *cache;		/* sxdp's entries, following the writes (NULL: none) */
	json_t *diff;		/* the writes, with owners */
	json_t *errors;		/* "KIND/NAME" → {reason, message}: refused */
	cd_write_done *done;
	void *arg;
	bool active;		/* writes under way: sxdp's answers are for them */
	bool reread;		/* what sxdp holds is to be read whole again */
	json_t *sent;		/* the batch in flight */
	size_t sent_at, sent_n;	/* where it starts in diff, how many it took */
	json_t *groups;		/* owner → updates: the batches after a refusal */
	size_t group;		/* the one in flight */
	unsigned int rewrites;	/* batches sent again without deletes of what was gone */
	uint64_t writes;	/* updates sxdp applied, ever (a delete of what was gone is none) */
};

/* Write @diff (borrowed, as are @tables, @cache and @errors, until @done
 * is called or the writes cleared), then @done(@arg, rc) (the last thing
 * done: @done may clear or start writes). */
void cd_write_start(struct cd_write *w, struct ctl_async *ctl, struct cd_tables *tables, json_t *cache,
		    json_t *diff, json_t *errors, cd_write_done *done, void *arg);
/* The writes under way are void (sxdp's answers ignored) and a run's state
 * gone; the count of writes stays. */
void cd_write_clear(struct cd_write *w);

#endif
