/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_res: sxcd's intents (spec, metadata, status), kept in the store before anything is acknowledged. */
/*
 * An intent is {"kind", "metadata": {"name", "generation", "created",
 * "updated"}, "spec"}; that is what the store holds, one file each. Its
 * status is not stored: the reconciler works it out again (level-
 * triggered). A change is checked first (schema, kind, name, expected
 * generation: cd_res_check), then, unless it is a dry run, written
 * (cd_res_commit). The generation counts changes of the spec: putting the
 * same spec again changes nothing. A withdrawn intent is gone from the
 * store at once and stays listed as Withdrawing until its entries are out
 * of sxdp.
 */
#ifndef CD_RES_H
#define CD_RES_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_change.h"
#include "cd_compile.h"
#include "cd_rev.h"
#include "cd_schema.h"
#include "store.h"

struct cd_res;

/* The intents in @st (borrowed, as @sc): 0 and *@out, or -errno. Files
 * that do not parse or no longer pass the schema are reported in *@bad
 * (a new array of {"intent", "message"}) and quarantined. */
int cd_res_open(struct store *st, struct cd_schema *sc, struct cd_res **out, json_t **bad);
void cd_res_free(struct cd_res *r);

/*
 * Check a put of @body ({"metadata"?, "spec"}, borrowed) as @kind/@name
 * (@name NULL: the body's metadata.name), or a withdrawal (@body NULL),
 * with @expected the generation it must have (-1: any; 0: absent; a
 * body's metadata.generation counts as one too). Errors are added to
 * @errs under @base (a JSON pointer prefix). Returns the HTTP status: 200
 * (and *@ch filled, doc a new reference), 400 (errs), 404 (no such intent
 * to withdraw), or 409 (reason in @errs: stale_generation, exists).
 */
int cd_res_check(struct cd_res *r, int kind, const char *name, json_t *body,
		 json_int_t expected, bool create_only, const char *base, json_t *errs,
		 struct cd_change *ch);
/* A change of @kind/@name to its stored spec with member @key (cd_member.h)
 * put to @m (borrowed, its schema checked; NULL: taken out), made once a
 * store job under way is done, and made again at the commit if the spec
 * moved meanwhile (cd_res_recheck): 200, 404 (no such intent, or member
 * to take out), 409, 422 (no room for another member); as cd_res_check. */
int cd_res_check_member(struct cd_res *r, int kind, const char *name, json_int_t key, json_t *m,
			json_int_t expected, const char *base, json_t *errs, struct cd_change *ch);
/*
 * The @n checked @ch again, against what is stored now, just before they
 * are written (a check and its write are apart by a collision check that
 * serves other requests meanwhile): a conditional one whose intent moved
 * since is 409 (stale_generation or exists, in @errs); an unconditional
 * one is made again on what is there now (its generation, creation,
 * action). 200, or 409 with nothing to write.
 */
int cd_res_recheck(struct cd_res *r, struct cd_change *ch, size_t n, json_t *errs);
/* Write a checked change: the store first (durably), then memory; @who
 * (NULL: none) has the revision recording it stored with it (its number
 * in *@rev when not NULL, 0: none). 0 or -errno (then nothing changed). */
int cd_res_commit(struct cd_res *r, struct cd_change *ch, const struct cd_rev_who *who, json_int_t *rev);
/* The @n checked @ch written as one: all or none in the store
 * (store_apply), then memory. 0 or -errno (then nothing changed). */
int cd_res_commit_all(struct cd_res *r, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
		      json_int_t *rev);
/* The same, stored in slices of the loop (cd_res_set_base) so that a
 * change of thousands of intents holds nobody: @fn(@arg, rc, rev) once
 * done (0: stored and in memory, @rev the revision recording it, 0:
 * none; -errno: nothing changed); @ch stays the caller's, unchanged,
 * until then. Without a loop, at once. Anything else that stores or
 * checks a change first finishes it (store order is memory order). */
typedef void cd_res_done(void *arg, int rc);
typedef void cd_res_committed(void *arg, int rc, json_int_t rev);
void cd_res_commit_all_async(struct cd_res *r, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
			     cd_res_committed *fn, void *arg);
/* The history (cd_rev.h: a change still being stored in slices is in it
 * once stored); the store; the intents stored (KIND → NAME → document,
 * borrowed). */
struct cd_rev *cd_res_history(struct cd_res *r);
/* Revision @rev's result (cd_rev_result) recorded and stored where the
 * history is. 0, -ENOENT (no longer kept) or -errno. */
int cd_res_rev_result(struct cd_res *r, json_int_t rev, json_t *result);
struct store *cd_res_store(struct cd_res *r);
json_t *cd_res_docs(struct cd_res *r);
/* Finish the change under way now (its @fn called): a wait on the loop
 * while its syncs run on their thread, so what can wait uses
 * cd_res_when_free instead. */
void cd_res_flush(struct cd_res *r);
/* A job is under way (its syncs on their thread), or something waits for
 * it to end. */
bool cd_res_busy(const struct cd_res *r);
/* @fn(@arg) once the store is free: at once when it is, else from the loop
 * after the job under way (and those waiting before) ended, in order. A
 * change checked and stored from there never waits on the loop for a
 * disk that stalls. */
void cd_res_when_free(struct cd_res *r, void (*fn)(void *arg), void *arg);
struct event_base;
void cd_res_set_base(struct cd_res *r, struct event_base *base);
/* Is @kind/@name a live intent (stored, not withdrawing)? */
bool cd_res_live(struct cd_res *r, int kind, const char *name);

/* The specs to compile ({"KIND": {"NAME": spec}}, new), each kind's
 * oldest first (metadata.serial, the creation order, kept in the store):
 * the order they compile in, so of two colliding intents the younger
 * fails. The @n checked @changes (NULL: none) go on top (a new one
 * youngest), for a dry run. */
json_t *cd_res_specs(struct cd_res *r, struct cd_change *changes, size_t n);
/* "KIND/NAME" → generation of every live intent (a reference to one kept
 * and handed to every caller until a change: read it, never change it). */
json_t *cd_res_generations(struct cd_res *r);

/* The reconciler's documents that did not read back and were set aside
 * ([{"document", "file", "message"}], a new reference). */
json_t *cd_res_set_aside(struct cd_res *r);

/*
 * A store elsewhere may decide instead of the local one (a fleet's shared
 * store: the fleet room's cd_rstore fills this in; this room knows no
 * more of it than what follows, a room below cannot call up). Then a
 * change goes there (cd_res_commit_all_async hands it over whole;
 * cd_res_commit and cd_res_commit_all refuse, -EOPNOTSUPP) and is in
 * memory once it answers; what it holds comes back through cd_res_adopt,
 * the local store becoming the cache of what it said (read back at
 * start-up by cd_res_open: a box restarted while that store is away goes
 * on from its last state). metadata.generation and metadata.serial are
 * then that store's numbers (a revision of the intent's last change, of
 * its creation), which it sets through cd_res_adopt.
 */
struct cd_res_remote {
	/* Store the @n checked changes @ch (the caller's, unchanged, until
	 * @fn; some may be "unchanged") and the revision recording them by
	 * @who (cd_rev_record on the history: cd_rev_shared); @fn(@arg, rc,
	 * rev) once, when they are in memory (0, the revision in the history)
	 * or not stored (-errno), maybe from inside. */
	void (*commit)(void *ctx, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
		       cd_res_committed *fn, void *arg);
	/* Revision @name's document @doc there, with its result, if it is
	 * still as written at @at (nothing else said: its result is a note). */
	void (*result)(void *ctx, const char *name, json_int_t at, json_t *doc);
	void *ctx;
};
void cd_res_set_remote(struct cd_res *r, const struct cd_res_remote *rem);
bool cd_res_is_remote(struct cd_res *r);
/* The generation of the live @kind/@name (0: none). */
json_int_t cd_res_generation(struct cd_res *r, int kind, const char *name);
/* Is @doc ({"metadata", "spec"}, borrowed) a valid document of @kind:
 * its metadata an object, its spec @kind's schema's? Else @errs says why. */
bool cd_res_valid(struct cd_res *r, int kind, json_t *doc, json_t *errs);
/*
 * What the store elsewhere holds of @kind/@name (a valid name): @doc
 * (borrowed, valid: cd_res_valid; NULL: withdrawn) at @generation,
 * created at @serial. Into the local store (its cache) and memory:
 * returns 1 when memory changed, 0 when not (the same spec: its metadata
 * only; a withdrawal of what is not here). *@cached is the cache write's
 * 0 or -errno (memory has it all the same: the store elsewhere decides).
 */
int cd_res_adopt(struct cd_res *r, int kind, const char *name, json_t *doc, json_int_t generation,
		 json_int_t serial, int *cached);
/* The store elsewhere's state for /api/v1/status: @info (borrowed) is it
 * from now on; cd_res_remote_info gives it (borrowed, NULL: none). */
void cd_res_remote_info_set(struct cd_res *r, json_t *info);
json_t *cd_res_remote_info(struct cd_res *r);

/* The time now as the intents' metadata and status write it (UTC,
 * 2026-11-23T13:45:26Z) into @out; returns @out. */
const char *cd_res_now(char *out, size_t len);

/* The reconciler's own state in the store: the ids it allocated and the
 * entries it owns in sxdp (borrowed; saved durably by cd_res_save). */
json_t *cd_res_state(struct cd_res *r, const char *what);
int cd_res_save(struct cd_res *r, const char *what, json_t *doc);
/* @doc (borrowed) is @what in memory, not stored (what the store holds of
 * it the caller stores otherwise). */
void cd_res_state_put(struct cd_res *r, const char *what, json_t *doc);
/* Several at once (@what[i] is @docs[i]), all or none: one sync for all. */
int cd_res_save_all(struct cd_res *r, const char **what, json_t **docs, size_t n);
/* The same, stored in slices of the loop as cd_res_commit_all_async does:
 * @fn(@arg, rc) once stored and in memory (0) or not (-errno, memory as it
 * was), at once without a loop. The documents are the caller's, taken as
 * they are when each is written (a change meanwhile may or may not be in
 * it: the caller stores it again). */
void cd_res_save_all_async(struct cd_res *r, const char **what, json_t **docs, size_t n, cd_res_done *fn,
			   void *arg);
/* One document so (cd_host's save_async). */
void cd_res_save_async(struct cd_res *r, const char *what, json_t *doc, cd_res_done *fn, void *arg);

#endif
