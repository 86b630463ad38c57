/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_ids: the ids sxdp needs and intents do not name (paths, tunnels, meters), allocated per namespace to stay. */
/*
 * An id is allocated for a key ("NS": {"KEY": id}) the first time an
 * intent asks (cd_kx_alloc) and kept: the compiler's caller stores the
 * allocations and gives them back on the next start, so an intent's
 * entries never move when another one comes or goes. What the compiled
 * intents use is told apart from what is allocated: an id nobody uses is
 * free again when the update ends (cd_ids_release), unless the update is
 * a dry run's, whose way back needs it as it was.
 *
 * The compiler holds one struct cd_ids and reads its members (what it
 * stores, what an intent's record keeps); this module allocates and
 * frees. Each id taken or given back is told to the dry run's round trip
 * (cd_trip_id) before it changes, so that the trip can put it back.
 */
#ifndef CD_IDS_H
#define CD_IDS_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_trip.h"

struct cd_ids_ns;

struct cd_ids {
	json_t *ids;		/* NS → KEY → id: as given, and allocated since */
	json_t *used_now;	/* [[ns, key], ...]: the intent being compiled added to used */
	json_t *touched;	/* NS → KEY → true: allocated or freed since taken */
	json_t *freed;		/* [[ns, key], ...]: given back in this update */
	/* per namespace, the ids @ids holds as a bitmap, built the first
	 * time one is allocated there, and those the compiled intents use */
	struct cd_ids_ns *ns;
};

/* Start with the allocations @ids ({"NS": {"KEY": id}}, borrowed,
 * copied; NULL: none). 0, or -ENOMEM (then nothing is held). */
int cd_ids_init(struct cd_ids *d, json_t *ids);
void cd_ids_fini(struct cd_ids *d);

/* @key's id in namespace @ns (@min..@max) for the intent being compiled:
 * the one it had, else the lowest free one; -1 when all are taken. */
json_int_t cd_ids_alloc(struct cd_ids *d, struct cd_trip *tr, const char *ns, const char *key,
			json_int_t min, json_int_t max);
/* @ids ([[ns, key], ...]) are no longer used: given back at the update's
 * end. */
void cd_ids_unuse(struct cd_ids *d, json_t *ids);
/* None is used any more (a compile starts over). */
void cd_ids_unuse_all(struct cd_ids *d);
/* The update ends: the ids given back, and on @sweep (a whole compile)
 * every one nobody uses, are free again; on @keep (a dry run's update)
 * they stay allocated. */
void cd_ids_release(struct cd_ids *d, struct cd_trip *tr, bool sweep, bool keep);

#endif
