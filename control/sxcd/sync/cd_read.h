/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_read: a run's read of sxdp's tables (table.read, every page) into the entries it diffs against. */
/*
 * The reconciler (cd_sync) keeps sxdp's entries as last read, with its
 * own writes since applied (its cache); a run reads whole only the tables
 * it wants or owns that the cache lacks (all of them after a resync, a
 * retry or a reconnect), a page of READ_PAGE entries at a time so that
 * parsing one does not hold the loop. A table sxdp does not have reads as
 * empty. It calls nothing of the reconciler's but the ends it is handed.
 */
#ifndef CD_READ_H
#define CD_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "cd_tables.h"

struct ctl_async;

typedef void cd_read_fn(void *arg);

struct cd_read {
	struct ctl_async *ctl;
	const struct cd_tables *tables;
	json_t *have;		/* what is read goes there (borrowed) */
	json_t *like;		/* the set wanted (held): an entry read as it is shares its object */
	uint64_t epoch;		/* the run's: answers for another are ignored */
	bool active;		/* reads under way: sxdp's answers are for them */
	unsigned int n;		/* table reads in flight */
	cd_read_fn *done;	/* every table read */
	cd_read_fn *lost;	/* the connection lost, or a read not asked: the run is void */
	void *arg;
};

/* Read every table of @want or @owned ({"TABLE": ...}) that @have lacks
 * into @have (borrowed, as are @tables, until done or cleared), for run
 * @epoch; then @done(@arg) (at once when none is lacking), or @lost(@arg)
 * (the last thing done: either may clear the read). */
void cd_read_start(struct cd_read *r, struct ctl_async *ctl, const struct cd_tables *tables, json_t *have,
		   json_t *want, json_t *owned, uint64_t epoch, cd_read_fn *done, cd_read_fn *lost,
		   void *arg);
/* The reads under way are void (sxdp's answers ignored), what they held let go. */
void cd_read_clear(struct cd_read *r);
/* Reads are under way: their end is still to come. */
bool cd_read_busy(const struct cd_read *r);

#endif
