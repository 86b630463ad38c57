/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_own: what sxcd owns in sxdp and the ids it allocated, as the store keeps them: in shards. */
/*
 * What sxcd owns (TABLE → KEY → seq, and whose: "owned", "owners") is
 * kept in memory whole and in the store in shards by owner ("own.N"), so
 * that an intent's change stores the shard its entries are in; the ids
 * it allocated ("ids": NS → KEY → id) likewise, by the intent a key names
 * ("ids.N"). Documents an older sxcd stored whole are moved into shards
 * at the next store. The reconciler says which keys a run changed and
 * what it compiled for them (cd_sync); this makes what is owned follow,
 * says where it goes and stores it.
 */
#ifndef CD_OWN_H
#define CD_OWN_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_res.h"

#define CD_OWN_SHARDS 256
#define CD_OWN_IDS_SHARDS 64

struct cd_own {
	struct cd_res *res;
	bool shard_dirty[CD_OWN_SHARDS];	/* changed in memory, not yet stored */
	bool legacy;			/* the whole "owned"/"owners" documents still to empty */
	bool ids_legacy;		/* the whole "ids" document still to move into shards */
	bool ids_dirty[CD_OWN_IDS_SHARDS];
};

/* The shards as stored merged into "owned", "owners" and "ids" (cd_res_state). */
void cd_own_init(struct cd_own *own, struct cd_res *res);
/* @table's @key, which was in the shard of @was (an owner, NULL: none),
 * now owned with @seq by @who (NULL: not), in its shard (in memory). */
void cd_own_set(struct cd_own *own, const char *table, const char *key, const char *was, json_t *seq,
		json_t *who);
/* The shards changed since they were last stored (what sxcd owns and the
 * ids), stored with one sync in slices of the loop (cd_res_save_all_async):
 * @fn(@arg, 0 or -errno) once done (failed: they stay to store). */
void cd_own_save_async(struct cd_own *own, cd_res_done *fn, void *arg);
/* What sxcd owns ("owned", "owners"), for @keys ({"TABLE": {"KEY": x}}),
 * made what a run compiled (@wseq: TABLE → KEY → seq, @wowner: TABLE →
 * KEY → owner), in memory (stored by cd_own_save_async): before its
 * write (@after false) what it is about to write is added, after it
 * (true) what is no longer wanted goes too, except what is @kept (TABLE →
 * KEY) for quarantined intents. */
void cd_own_update(struct cd_own *own, json_t *keys, json_t *wseq, json_t *wowner, json_t *kept, bool after);
/* The ids (@ids, borrowed: "ids" in memory from now on) of which @touched
 * ({"NS": {"KEY": true}}, taken) were allocated or freed, into their
 * shards in memory (stored by cd_own_save_async). */
void cd_own_ids_put(struct cd_own *own, json_t *ids, json_t *touched);

#endif
