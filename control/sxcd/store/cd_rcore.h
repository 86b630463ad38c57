/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_rcore: the intents in memory that cd_res's modules share (cd_res, cd_rstatus, cd_collide), and only they. */
/*
 * cd_res.h is what the rest of sxcd sees; this is the memory behind it,
 * so that the status side (cd_rstatus) and the collision check
 * (cd_collide) stand on it and not on cd_res.c.
 */
#ifndef CD_RCORE_H
#define CD_RCORE_H

#include <stddef.h>
#include <jansson.h>

struct cd_change;
struct cd_res_job;
struct cd_schema;
struct event_base;
struct store;

struct cd_syncer;
struct cd_rev;
struct cd_rev_who;

struct cd_res {
	struct store *st;
	struct cd_schema *sc;
	json_t *docs;	  /* KIND → NAME → document */
	json_t *gone;	  /* KIND → NAME → document: withdrawing */
	json_t *status;	  /* "KIND/NAME" → status */
	json_t *state;	  /* NAME → the reconciler's documents */
	/* KIND → NAME → {"message"}: stored files that do not read back (not
	 * JSON, or no longer a valid intent); kept on disk, and their entries
	 * in sxdp, until a DELETE or a PUT of the name decides */
	json_t *quar;
	json_t *aside;	  /* [{"document", "file", "message"}]: state documents set aside */
	struct cd_rev *rev;	/* the history: every change committed here, a revision */
	struct event_base *base;	/* the loop a large change is stored in slices on */
	struct cd_res_job *job;		/* the one under way */
	struct cd_syncer *syncer;	/* its syncs' thread (NULL: on the loop) */
	/* what waits for the store to be free (cd_res_when_free), in order,
	 * told from an event once the job under way ended */
	struct cd_res_waiter *waiters, **waiters_tail;
	struct event *free_ev;
	bool in_free;		/* telling them: the one told goes ahead of those after it */
	json_int_t serial;	/* the last creation serial handed out */
	/* KIND → NAME → spec, oldest first (what cd_res_specs gives), kept
	 * as changes commit: never changed in place once handed out, a
	 * change makes a new one that shares the other kinds' objects and
	 * every unchanged spec, so a compiler tells what changed by pointer */
	json_t *specs;
	/* "KIND/NAME" → its generation, as cd_res_generations hands it out
	 * (NULL: made again when asked); a change made on a copy */
	json_t *gens;
	/* PHASE → how many intents are in it, as /status lists them (NULL:
	 * counted again when asked; any status or intent that changes drops
	 * it: cd_rcore_stale) */
	json_t *phases;
	/* a store elsewhere that decides (cd_res_set_remote's commit and its
	 * context: cd_res.h's struct cd_res_remote), and its state for /status */
	void (*rcommit)(void *ctx, struct cd_change *ch, size_t n, const struct cd_rev_who *who,
			void (*fn)(void *arg, int rc, json_int_t rev), void *arg);
	void (*rresult)(void *ctx, const char *name, json_int_t at, json_t *doc);
	void *rctx;
	json_t *rinfo;
};

/* @top's object of kind @k (KIND → NAME → ...), made when absent (borrowed). */
json_t *cd_rcore_docs(json_t *top, int k);
/* "KIND/NAME" @who's status: its phase @phase, its observedGeneration
 * @observed (-1: as it was). */
/* An intent or its status changed: what is counted of them is counted again. */
void cd_rcore_stale(struct cd_res *r);
void cd_rcore_phase(struct cd_res *r, const char *who, const char *phase, json_int_t observed);

#endif
