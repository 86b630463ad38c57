/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rstore: sxcd's intents as a fleet's shared store holds them, kept in cd_res by revision. */
/*
 * The shared store decides (cd_res.h, "a store elsewhere"): a write goes
 * there first, as one compare-and-swap on each intent's revision, and is
 * in memory once it answers; the local store is the cache of what it
 * said. metadata.generation is then the shared store's revision of the
 * intent (mod_revision), metadata.serial its creation's
 * (create_revision): the creation order of the fleet.
 *
 * This module knows which revision of each intent this box has seen, so
 * that what the store says comes in once and in order (an older event
 * than one known changes nothing), and a write compares each intent with
 * the revision this box knows (a change it has not seen yet fails the
 * write). It knows neither etcd nor its keys: cd_fleet reads and watches
 * the store and hands what it says here (cd_rstore_put, cd_rstore_reset),
 * and gives the write (cd_rstore_write: cd_cas underneath).
 *   cd_etcd (client) < cd_cas (a txn's outcome) < cd_rstore < cd_fleet < cd_box
 */
#ifndef CD_RSTORE_H
#define CD_RSTORE_H

#include <stddef.h>
#include <jansson.h>

#include "cd_res.h"

struct cd_rstore;

/*
 * The write (cd_rstore_ops): store the @n changes @ch (none "unchanged") as one, each only if its
 * intent is still at revision @revs[i] (0: absent); @done(@arg, 0, the
 * revision of the write), -ESTALE (one had changed meanwhile: nothing
 * stored), -ENOTCONN (unreachable: nothing stored), -E2BIG (more than
 * the store takes at once), -EINVAL or -ENOSPC (refused: nothing
 * stored), or -EIO (the outcome is unknown: the watch will tell); a
 * refusal before anything is sent may be said from inside.
 */
typedef void cd_rstore_done(void *arg, int rc, json_int_t rev);
struct cd_rstore_ops {
	/* ... with @rec (@rec->doc NULL: none) the revision recording them,
	 * put as new under its name */
	void (*write)(void *ctx, const struct cd_change *ch, const json_int_t *revs, size_t n,
		      const struct cd_rev_rec *rec, cd_rstore_done *done, void *arg);
	/* @rec was stored with its change: the oldest it pushes out deleted
	 * (whatever their revision: another box may have deleted them) */
	void (*kept)(void *ctx, const struct cd_rev_rec *rec);
	/* Revision @name's document put again as @doc (its result), if it is
	 * still as it was at @at: a note, nothing waits on it. */
	void (*result)(void *ctx, const char *name, json_int_t at, json_t *doc);
	void *ctx;
};

/* @res's changes go through @ops from now on (cd_res_set_remote), its
 * history the shared store's, of a box of @site (cd_rev_shared); the
 * revisions known are those of the cache's documents. 0 and *@out, or
 * -ENOMEM. @res outlives it and takes no more changes once it is freed. */
int cd_rstore_new(struct cd_res *res, const char *site, const struct cd_rstore_ops *ops, struct cd_rstore **out);
void cd_rstore_free(struct cd_rstore *s);

/* What the shared store says of @kind/@name at revision @rev: @doc
 * (borrowed; NULL: absent), created at revision @created. Newer than
 * what is known: into the cache and memory (a spec that does not pass
 * the schema is left out, and said). 1 when memory changed, 0 when not. */
int cd_rstore_put(struct cd_rstore *s, int kind, const char *name, json_t *doc, json_int_t rev,
		  json_int_t created);
/* Everything the shared store holds at @rev ({"KIND": {"NAME": {"doc",
 * "rev", "created"}}}, borrowed): what memory has that is not there (and
 * is not newer than @rev) is withdrawn. How many intents changed. */
int cd_rstore_reset(struct cd_rstore *s, json_t *all, json_int_t rev);

/* What the shared store says of revision @name: cd_rev_adopt. */
int cd_rstore_revision(struct cd_rstore *s, const char *name, json_int_t number, json_int_t at, json_t *doc);
/* Every revision it holds at @at ({"NAME": {"doc", "rev", "created"}},
 * borrowed): the history is those (and any written since). */
void cd_rstore_revisions_reset(struct cd_rstore *s, json_t *all, json_int_t at);

#endif
