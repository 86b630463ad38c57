/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_trip: a dry run's round trip through the compiler gives each write back its number of before it. */
/*
 * A dry run is an update of the compiler (cd_compile.h) to the dry run's
 * intents, with its ids kept (cd_compiler_begin's @keep_ids), then one
 * back to the intents of before it. The way back compiles again what the
 * way there did, and so would number its writes anew; a run after it
 * would store those numbers (what sxcd owns, by seq) though nothing
 * changed. So the compiler as the trip found it is noted here (its write
 * count, the journal of each intent the trip changes, by reference,
 * noted before its record changes (cd_trip_save): an update replaces a
 * record's journal, never edits one; the ids it touched, set aside), the
 * way back numbers each whole intent's writes as they were while it
 * compiles (cd_trip_number), and at its end the rest is put back
 * (cd_trip_finish) when every intent compiled to the writes it had.
 *
 * A journal entry is [table, key, entry, owner, seq, n]: the key as it
 * was before the write, and n the write's number. The compiler passes
 * what of it the trip reads or puts back; nothing here is kept of it
 * but the notes.
 */
#ifndef CD_TRIP_H
#define CD_TRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cd_tables.h"

struct cd_trip;

struct cd_trip *cd_trip_new(void);
/* Let go, putting the ids set aside back into *@ids_touched (the
 * compiler's: NS → KEY → true, allocated or freed since taken). */
void cd_trip_free(struct cd_trip *tr, json_t **ids_touched);

/* An update begins: it has undone nothing yet (cd_trip_undone). */
void cd_trip_begin(struct cd_trip *tr);
/* A dry run's update was noted and its way back not yet done. */
bool cd_trip_armed(const struct cd_trip *tr);
/*
 * A dry run's update begins: note the compiler as it is, from the intents
 * @intents (the last finished update's, borrowed, held), against @t and
 * @kernel (cd_nl_view's, held), @n writes so far, @recs ("KIND/NAME" →
 * {"journal": [...], ...}; the journals held, not copied). *@ids_touched
 * is set aside and replaced by a new object: the trip's own are kept
 * apart, dropped if it is undone, else added back.
 */
void cd_trip_arm(struct cd_trip *tr, json_t *intents, const struct cd_tables *t, json_t *kernel, json_int_t n,
		 json_t *recs, json_t **ids_touched);
/* An update that is no dry run begins: the way back if it brings the
 * compiler to the intents, tables and kernel's view of before the trip
 * (the same @intents object), else the trip is let go. */
void cd_trip_return(struct cd_trip *tr, json_t *intents, const struct cd_tables *t, json_t *kernel,
		    json_t **ids_touched);
/* Intent @who's record (@rec, NULL: none) is about to change (be
 * replaced, taken back, its journal rebuilt): while armed, its journal is
 * noted the first time (what it was when the trip began). _all: every
 * record of @recs (a whole compile drops them all). */
void cd_trip_save(struct cd_trip *tr, const char *who, json_t *rec);
void cd_trip_save_all(struct cd_trip *tr, json_t *recs);
/* The compiler touches id @ns/@key, now @id (NULL: none): its value of
 * before the trip is noted the first time (called before the change). */
void cd_trip_id(struct cd_trip *tr, const char *ns, const char *key, json_t *id);
/* Intent @who ("KIND/NAME") compiles whole from here (NULL: in part, its
 * journal rebuilt rather than written in order: numbered at the end). */
void cd_trip_intent(struct cd_trip *tr, const char *who);
/* On the way back, the number the intent's write @at of its journal had
 * before the trip, if it is the same write: the entry at that place is of
 * @table and @key, after the same write on the key (@seq: its number as
 * the key holds it now, NULL: none). 0: a new number. */
json_int_t cd_trip_number(const struct cd_trip *tr, size_t at, const char *table, const char *key,
			  json_t *seq);
/* An update is done: on the way back, the writes not numbered as they
 * went are given their numbers of before the trip, in @recs and @seq
 * (TABLE → KEY → number), *@n put back and the ids touched as before,
 * when every intent holds the writes it held (and @ids, NS → KEY → id,
 * the ids it had); otherwise the new numbers stay (consistent: above all
 * others). Either way the trip is over. */
void cd_trip_finish(struct cd_trip *tr, json_t *recs, json_t *seq, json_t *ids, json_int_t *n,
		    json_t **ids_touched);
/* The compiler's touched ids are taken (stored): a trip under way can no
 * longer put them back, so it is given up. */
void cd_trip_ids_taken(struct cd_trip *tr, json_t **ids_touched);
/* The last update: 1 the way back, that put the compiler back as before
 * the trip; -1 one that could not; 0 no way back (cd_compiler_undone). */
int cd_trip_undone(const struct cd_trip *tr);

#endif
