/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rev: the history of the intents: every accepted change a numbered revision (who, when, from where, before and after), bounded; the state at any kept revision. */
/*
 * A revision is one accepted change (a PUT, a POST, a DELETE, an apply
 * with its prune, a rollback): {"revision", "time", "by", "from", "route",
 * "changes": [{"kind", "name", "action", "generation", "before", "after"}],
 * "result": {"KIND/NAME": {"phase", "reason"}}, "rollback_of"}; before and
 * after are the whole documents (left out: none). It is stored in the same
 * store_apply as the change it records (cd_res_commit*), so a change is
 * never kept without its revision nor a revision without its change, as
 * the store's document revisions/NNNNNNNNNN. Revisions are numbered 1, 2,
 * ... and kept while there are at most CD_REV_MAX_N of them and their
 * documents take at most CD_REV_MAX_BYTES (the oldest go first, in the
 * same store_apply; the newest is always kept).
 *
 * The state at revision R of an intent: what the first revision after R
 * that touched it had as before, or (none did) what is stored now. It is
 * known for every R from the oldest kept revision less one to the newest.
 */
#ifndef CD_REV_H
#define CD_REV_H

#include <stddef.h>
#include <jansson.h>

#include "store.h"

#define CD_REV_KIND      "revisions"	/* the store's kind of them */
#define CD_REV_MAX_N     1000
#define CD_REV_MAX_BYTES (64u << 20)

struct cd_change;
struct cd_rev;

/* Who made a change: its credential's name, its source address, its
 * route ("PUT /api/v1/slices/red"), the revision it rolls back to (0:
 * none). Strings borrowed. */
struct cd_rev_who {
	const char *by, *from, *route;
	json_int_t rollback_of;
};

/* The history from the store's revisions (@stored: NAME → document,
 * borrowed), bounded by @max_n and @max_bytes (0: the defaults). A stored
 * document that is not a revision is left out and said in the log. */
struct cd_rev *cd_rev_new(json_t *stored, size_t max_n, size_t max_bytes);
void cd_rev_free(struct cd_rev *v);
/* Keep at most @max_n revisions and @max_bytes of them from the next one on. */
void cd_rev_bounds(struct cd_rev *v, size_t max_n, size_t max_bytes);

/*
 * The revision recording @n changes @ch (those "unchanged" left out) by
 * @who, @before[i] each one's stored document now (NULL: none): its
 * document in *@doc (new) and the store operations that keep it and drop
 * what it pushes out: *@ops (malloc'd, the caller's; documents borrowed
 * from *@doc and the history) and *@nops. 0 (*@nops 0: nothing to record),
 * or -ENOMEM.
 */
int cd_rev_record(struct cd_rev *v, const struct cd_change *ch, json_t *const *before, size_t n,
		  const struct cd_rev_who *who, json_t **doc, struct store_op **ops, size_t *nops);
/* Those operations were stored: @doc (from cd_rev_record, taken) is in the history. */
void cd_rev_kept(struct cd_rev *v, json_t *doc);

/* Revision @rev's result ("KIND/NAME" → its status), once its change ran:
 * kept in memory and, if @st, stored. 0, -ENOENT (no longer kept) or -errno. */
int cd_rev_result(struct cd_rev *v, struct store *st, json_int_t rev, json_t *result);

/* The newest revision's number, the oldest kept one's (0: none). */
json_int_t cd_rev_last(const struct cd_rev *v);
json_int_t cd_rev_oldest(const struct cd_rev *v);
/* Revision @rev (borrowed), NULL when not kept. */
json_t *cd_rev_get(const struct cd_rev *v, json_int_t rev);
/* {"items": [up to @limit revisions older than @before (0: any), newest
 * first, without their documents], "kept": {...}}: new. */
json_t *cd_rev_list(const struct cd_rev *v, json_int_t before, size_t limit);

/* Can the state at @rev be told (the oldest kept less one .. the newest)? */
bool cd_rev_known(const struct cd_rev *v, json_int_t rev);
/*
 * What differs between the states at @from and at @to (both known), of
 * the intents a revision between them touched: {"KIND/NAME": [doc at
 * @from, doc at @to]} (null: none), those equal left out; @now (KIND →
 * NAME → document: what is stored) gives the state past the newest. New.
 */
json_t *cd_rev_between(const struct cd_rev *v, json_int_t from, json_int_t to, json_t *now);

#endif
