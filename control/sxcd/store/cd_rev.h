/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rev: the history of the intents: every accepted change a numbered revision (who, when, from where, before and after), bounded; the state at any kept revision. */
/*
 * A revision is one accepted change (a PUT, a POST, a DELETE, an apply
 * with its prune, a rollback): {"revision", "time", "by", "from", "route",
 * "site", "changes": [{"kind", "name", "site", "action", "generation",
 * "before", "after"}], "result": {"KIND/NAME": {"phase", "reason"}},
 * "rollback_of"}; before and after are the whole documents (left out:
 * none). It is stored with the change it records, as one (the same
 * store_apply, the same etcd txn), so a change is never kept without its
 * revision nor a revision without its change.
 *
 * Alone, a box numbers them 1, 2, ... and stores each as the document
 * revisions/NNNNNNNNNN of its store. On a fleet's store they are the
 * store's (cd_rstore): each under a random name, numbered by the store's
 * revision that created it (the one its changes are at: their
 * generation), "site" naming the box that made it and each change of a
 * site's own kind the site it is of; every box reads and watches them
 * all, so every box shows the same history. The result is the making
 * box's.
 *
 * They are kept while there are at most CD_REV_MAX_N of them and their
 * documents take at most CD_REV_MAX_BYTES (the oldest go first, with the
 * change that pushes them out; the newest is always kept).
 *
 * The state at revision R of an intent: what the first revision after R
 * that touched it had as before, or (none did) what is stored now (another
 * site's: what the last one up to R that touched it had as after). It is
 * known for every R from the oldest kept revision less one to the newest.
 */
#ifndef CD_REV_H
#define CD_REV_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "store.h"

#define CD_REV_KIND      "revisions"	/* the store's kind of them */
#define CD_REV_MAX_N     1000
#define CD_REV_MAX_BYTES (64u << 20)
#define CD_REV_NAME_LEN  32		/* a revision's name and its NUL */

struct cd_change;
struct cd_rev;

/* Who made a change: its credential's name, its source address, its
 * route ("PUT /api/v1/slices/red"), the revision it rolls back to (0:
 * none), the site its changes of a site's own kind are of (NULL: this
 * box's). Strings borrowed. */
struct cd_rev_who {
	const char *by, *from, *route, *site;
	json_int_t rollback_of;
};

/* A revision being stored: its name and document, and the names of the
 * oldest it pushes out (stored as deletes with it). */
struct cd_rev_rec {
	json_t *doc;		/* NULL: nothing to record */
	char name[CD_REV_NAME_LEN];
	size_t bytes;
	size_t nout;
	char (*out)[CD_REV_NAME_LEN];
};

/* The history from the store's revisions (@stored: NAME → document,
 * borrowed; NULL: none), bounded by @max_n and @max_bytes (0: the
 * defaults). A stored document that is not a revision is left out and
 * said in the log. */
struct cd_rev *cd_rev_new(json_t *stored, size_t max_n, size_t max_bytes);
void cd_rev_free(struct cd_rev *v);
/* Keep at most @max_n revisions and @max_bytes of them from the next one on. */
void cd_rev_bounds(struct cd_rev *v, size_t max_n, size_t max_bytes);

/*
 * From now on the history is a fleet's store's, of a box of @site
 * (copied): numbered by that store, what was kept forgotten (it comes
 * back through cd_rev_adopt). 0 or -ENOMEM.
 */
int cd_rev_shared(struct cd_rev *v, const char *site);
/* The box's site on a fleet's store, NULL when alone. */
const char *cd_rev_site(const struct cd_rev *v);

/*
 * The revision recording @n changes @ch (those "unchanged" left out) by
 * @who, @before[i] each one's stored document now (NULL: none), into
 * @rec (cd_rev_rec_clear it): alone numbered (the next number), on a
 * fleet's store not yet (the store numbers it). 0 (@rec->doc NULL:
 * nothing to record), or -ENOMEM.
 */
int cd_rev_record(struct cd_rev *v, const struct cd_change *ch, json_t *const *before, size_t n,
		  const struct cd_rev_who *who, struct cd_rev_rec *rec);
void cd_rev_rec_clear(struct cd_rev_rec *rec);
/* @rec was stored, numbered @number (0: as recorded): in the history, what
 * it pushes out gone; @rec cleared. The number. */
json_int_t cd_rev_kept(struct cd_rev *v, struct cd_rev_rec *rec, json_int_t number);

/*
 * What a fleet's store says of revision @name: its document @doc
 * (borrowed; NULL: deleted), created at the store's revision @number,
 * last written at @at (older than what is known: nothing). A document
 * that is not a revision is left out and said. 1 when the history
 * changed, 0 when not.
 */
int cd_rev_adopt(struct cd_rev *v, const char *name, json_int_t number, json_int_t at, json_t *doc);
/* Everything is read again: what is not adopted until cd_rev_swept(@at)
 * goes (unless written after @at). */
void cd_rev_sweep(struct cd_rev *v);
void cd_rev_swept(struct cd_rev *v, json_int_t at);

/* Revision @rev's result ("KIND/NAME" → its status), once its change ran,
 * into it in memory: its document (borrowed) to store, its name in
 * *@name (borrowed) and the store's revision it was last written at in
 * *@at; NULL when it is no longer kept. */
json_t *cd_rev_result(struct cd_rev *v, json_int_t rev, json_t *result, const char **name, json_int_t *at);

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
 * NAME → document: what is stored) gives the state past the newest. Those
 * of another site's own (a fleet's store) are in *@elsewhere (new, when
 * not NULL): {"SITE": {"KIND/NAME": [...]}}. New.
 */
json_t *cd_rev_between(const struct cd_rev *v, json_int_t from, json_int_t to, json_t *now, json_t **elsewhere);

#endif
