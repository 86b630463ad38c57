/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_kx: one compile under way, the set its intents write on (journaled, to be taken back), and all it lends a kind. */
/*
 * struct cd_kx is what cd_kind.h hands a kind's compile, opaque there:
 * the set of entries as the intents compiled so far wrote it (with each
 * key's owner and write number), and the intent being compiled (its
 * result, its journal, the ids it uses). Every write is journaled with
 * what the key held before it, so that a failed intent, or one an update
 * compiles again, is taken back exactly (cd_kx_restore, cd_kx_take_back),
 * newest write first. The functions cd_kind.h declares (cd_kx_*) are
 * defined here; this header adds the struct and what the compiler's
 * driver (cd_compile.c) and planner do with it besides. Not for
 * features: they see cd_kind.h alone (the plug room).
 */
#ifndef CD_KX_H
#define CD_KX_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "cd_ids.h"
#include "cd_kind.h"
#include "cd_tables.h"
#include "cd_trip.h"

/* A take-back under way in slices (cd_kx_take_back_begin): its writes'
 * journal entries newest first (held), how far they are undone, then the
 * intents whose records are forgotten. */
struct cd_kx_back {
	struct cd_kx_jent *all;
	size_t n, i, forgot;
	json_t *r;		/* "KIND/NAME" → true (held) */
	void *it;		/* the next in @r to forget */
};

/* The compiled set and what it was compiled from, kept between updates
 * (struct cd_compiler). */
struct cd_kx {
	const struct cd_tables *t;
	json_t *set, *owner, *seq, *results;
	json_t *unready;	/* "KIND/NAME" → true: its result is not Ready */
	/* the intent being compiled: [table, key, entry, owner, seq, n] as
	 * they were before its write number n; kept as its journal */
	json_t *undo;
	json_int_t n;		/* writes so far: an entry's seq is its last one's */
	struct cd_ids id;	/* the allocations (cd_ids.h) */
	/* TABLE → "VALUE" → {KEY: true}: the entries of the tables intents
	 * read (interfaces, flood, SVIs, policies) by the bridge domain or
	 * tunnel they concern, so an intent is given the few entries it can
	 * be about rather than the whole table */
	json_t *idx;
	json_t *kernel;		/* cd_nl_view's, NULL: none */
	/* NAME → {...}: what kinds published for others to read (cd_kx_pub) */
	json_t *pub;
	void **priv;		/* each kind's state of its own, by kind */
	/* "KIND/NAME" → {"kind", "name", "spec" (as compiled), "journal" (its
	 * writes, as undo has them), "ids" ([ns, key] it uses)} */
	json_t *recs;
	json_t *shared;		/* "TABLE KEY" → {"KIND/NAME": true}: keys more than one intent wrote */
	json_t *counts;		/* "KIND/NAME" → the entries it owns */
	json_t *touched;	/* TABLE → KEY → true: what this update wrote or took back */
	/* the intent being compiled */
	char who[160];
	json_t *who_js;		/* who, as the one string every entry it owns shares */
	json_t *res;
	bool failed, pending;
	/* why it failed, when it collided: the holder ("KIND/NAME"), or
	 * unknown (order matters: an incremental update compiles all again) */
	char holder[160];
	bool order_sensitive;
	uint64_t deadline_ns;	/* a slice of work ends then (0: none) */
	struct cd_trip *trip;	/* a dry run's round trip (cd_trip.h) */
	struct cd_kx_back back;	/* a take-back under way */
};

/* @who's result is @res (taken; NULL: it has none). */
void cd_kx_result_set(struct cd_kx *x, const char *who, json_t *res);
/* Take back what the intents in @r ("KIND/NAME" → true) hold: their
 * writes undone, newest first, and what they told the others. 0, or
 * -ENOMEM. */
int cd_kx_take_back(struct cd_kx *x, json_t *r);
/* The same in slices of the loop (thousands of intents, tens of thousands
 * of writes): begun (0, -ENOMEM), then a step until the slice's time is up
 * (cd_kx_budget): true when it is done. _end lets go of one (finishing
 * one cut short first). */
int cd_kx_take_back_begin(struct cd_kx *x, json_t *r);
bool cd_kx_take_back_step(struct cd_kx *x);
void cd_kx_take_back_end(struct cd_kx *x);
/* The kind of record @who ("KIND/NAME"), -1: none; its name in *@name. */
int cd_kx_kind_of(const char *who, const char **name);

/* Each kind's state of its own (struct cd_kind priv_size): made (0, or
 * -ENOMEM with nothing held), dropped (a compile starts over), freed. */
int cd_kx_privs_new(struct cd_kx *x);
void cd_kx_privs_clear(struct cd_kx *x);
void cd_kx_privs_free(struct cd_kx *x);

/* This slice of work ends in @budget_us (0: no end): cd_kx_over. */
void cd_kx_budget(struct cd_kx *x, unsigned int budget_us);

#endif
