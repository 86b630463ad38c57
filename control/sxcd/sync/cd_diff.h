/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_diff: what differs between two sets of table entries, compared in slices, and in which chunks a large difference is written. */
/*
 * The reconciler (cd_sync: its write pass cd_pass, its dry runs cd_dry)
 * holds the loop only a slice at a time: a whole diff of 100k entries
 * compared at once held it for seconds, and written at once it would be
 * past what sxdp takes in one call. This module says what differs and in
 * which order and chunks it goes; it neither reads nor writes sxdp, and
 * it calls nothing of its callers' but the test of difference it is
 * handed.
 */
#ifndef CD_DIFF_H
#define CD_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cd_res.h"

/* json_equal, but two absent values are the same too */
bool cd_diff_same(json_t *a, json_t *b);
/* An entry @h (as a set holds it, NULL: none) is not the entry @e of the
 * same key. */
bool cd_diff_entry_differs(json_t *h, json_t *e);
/* @keys ({"TABLE": {"KEY": true}}) gets @table's @key. */
void cd_diff_mark(json_t *keys, const char *table, const char *key);
/* @keys gets every key of @more (the same form; NULL: none). */
void cd_diff_merge(json_t *keys, json_t *more);

/* Does @table's @key, @e in the first set, differ for @ctx's purpose? */
typedef bool cd_diff_differs(void *ctx, const char *table, const char *key, json_t *e);

/*
 * Two sets of entries ({"TABLE": {"KEY": entry}}) compared in slices: the
 * keys of @a for which @differs says so (pass 0), then those of @b that @a
 * lacks (pass 1), into @marked ({"TABLE": {"KEY": true}}).
 */
struct cd_diff_cmp {
	json_t *a, *b, *marked;
	cd_diff_differs *differs;
	void *ctx;
	json_t *rows;
	const char *name;
	void *it;
	int pass, table;
};

/* (@a and @b are held until cleared; a zeroed one is clear.) */
void cd_diff_cmp_start(struct cd_diff_cmp *k, json_t *a, json_t *b, cd_diff_differs *differs, void *ctx);
/* Another slice of keys compared; true when all are. */
bool cd_diff_cmp_slice(struct cd_diff_cmp *k);
void cd_diff_cmp_clear(struct cd_diff_cmp *k);

struct cd_diff_key;

/*
 * The keys of a whole diff in the order writes go (what an entry needs
 * first, deletes last), taken a chunk at a time: each chunk is diffed,
 * owned and written as a run of its own.
 */
struct cd_diff_plan {
	struct cd_diff_key *wk;		/* NULL: no plan */
	size_t n, at;
	json_t *keys;			/* holds the keys' strings */
};

/* @keys (taken, unless it fails) ordered: the wanted ones by the compile's
 * @seq (TABLE → KEY → order), then deletes in the reverse of the order
 * they were @owned in. 0 or -ENOMEM. */
int cd_diff_plan_make(struct cd_diff_plan *p, json_t *keys, json_t *seq, json_t *owned);
/* The next at most @max keys ({"TABLE": {"KEY": true}}, new). */
json_t *cd_diff_plan_next(struct cd_diff_plan *p, size_t max);
/* No plan, or every chunk taken. */
bool cd_diff_plan_done(const struct cd_diff_plan *p);
/* The keys not yet taken, all at once (new; {} when done). */
json_t *cd_diff_plan_rest(struct cd_diff_plan *p);
void cd_diff_plan_clear(struct cd_diff_plan *p);

/* Owned entries no compiled intent wants (@want) whose owner cannot be
 * read (a quarantined intent's; any unknown owner's while one is): kept in
 * sxdp until an operator decides. TABLE → KEY → seq (new). */
json_t *cd_diff_kept(struct cd_res *res, json_t *want);
/* What a diff against @want may delete: what sxcd owns, less what it keeps
 * (cd_diff_kept, into *@kept). TABLE → KEY → seq (new). */
json_t *cd_diff_deletable(struct cd_res *res, json_t *want, json_t **kept);

/* The seq and owner (@seq, @owner: the compile's) of @keys as compiled
 * now, kept for what the run owns after it: a dry run may compile
 * meanwhile. *@wseq, *@wowner new. */
void cd_diff_snapshot(json_t *keys, json_t *seq, json_t *owner, json_t **wseq, json_t **wowner);

#endif
