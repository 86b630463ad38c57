/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_compile: sxcd's whole intent set compiled into the table entries it wants, deterministically. */
/*
 * Each intent becomes the intent library's intents (intent.h), compiled
 * one after the other on a set of entries held in memory (cd_tables) as
 * if it were sxdp: an entry two intents share (a bridge domain's flood
 * mask, a router MAC) comes out as the library builds it, and an intent
 * that collides with another (a port two slices claim, a slice id taken)
 * is refused with the owner named and leaves the set as it was. Kinds go
 * in their registered order (cd_kind.h: what an intent reads compiles
 * before it), intents of a kind in the order given (sxcd gives them oldest first: the younger of
 * two colliding intents fails), so the same intents give the same
 * entries. An entry past the size of its table in sxdp fails its intent
 * ("capacity"). Ids sxdp needs
 * and intents do not name (paths, tunnels, meters) are allocated in @ids,
 * which the caller keeps (and stores) so they stay the same across runs:
 * an intent's entries never move when another one comes or goes.
 */
#ifndef CD_COMPILE_H
#define CD_COMPILE_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_kind.h"
#include "cd_tables.h"

struct cd_compiled {
	json_t *want;	 /* the entries (a cd_tables set) */
	json_t *owner;	 /* TABLE → KEY → "kind/name" */
	/* TABLE → KEY → the entry's place in the order it was written: what
	 * it needs (a meter before the interface naming it) comes first */
	json_t *seq;
	/* "kind/name" → {"phase": "Ready" (compiled), "Pending" or "Failed",
	 * "waiting_for": [...], "reason", "message", "pointer", "entries",
	 * "degraded": why its guarantee does not hold now (a WAN link down),
	 * "was": after a dry run's update (cd_compiler_begin's @keep_ids), an
	 * intent it did not change that is not Ready: its phase before the
	 * update, so that a failure there without the change is told from
	 * one the change makes} */
	json_t *results;
};

/*
 * Compile @intents ({"KIND": {"NAME": spec}}, borrowed; specs already
 * checked against their schema) against sxdp's tables and ports @t and
 * what the kernel says of the WAN links (@kernel: cd_nl_view's, NULL:
 * nothing). @ids ({"NS": {"KEY": id}}) is read and updated: ids of
 * intents no longer compiled are freed. 0, or -ENOMEM.
 */
int cd_compile(const struct cd_tables *t, json_t *intents, json_t *kernel, json_t *ids,
	       struct cd_compiled *out);
void cd_compiled_free(struct cd_compiled *c);

/*
 * The same, kept between runs and brought up to date incrementally: an
 * update compiles again only the intents whose spec changed, those that
 * depend on them (a slice's VDNs, policies and UPFs: struct cd_kind parent;
 * every intent when one of a full_on_change kind (the site, a peer), sxdp's
 * tables or the kernel's view changed), those that
 * share an entry with one of those, and those not Ready (what they wait
 * for may be there now); the others' entries stay as they are. What it
 * gives equals a whole compile (cd_compile) of the same intents, except
 * that an intent refused for colliding with one already compiled stays
 * refused (the one that was there first keeps what it holds). The work
 * is cut in slices (cd_compiler_step) so that a caller on an event loop
 * serves others between them.
 */
struct cd_compiler;

/* @ids ({"NS": {"KEY": id}}, borrowed, copied): the allocations to keep. */
struct cd_compiler *cd_compiler_new(json_t *ids);
void cd_compiler_free(struct cd_compiler *cc);
/* Start bringing the set to @intents (borrowed until the update ends)
 * against @t (likewise) and @kernel (held until the next update begins);
 * @keep_ids: a dry run's
 * update, undone by the next: ids freed by it stay allocated, and when
 * the next update brings the set back to the intents (and @t, @kernel)
 * of before it, it leaves the compiler as it was, the numbering of its
 * writes (seq, which sxcd stores) included, not numbered anew
 * (cd_compiler_undone). A kind's
 * object or a spec that is the very object the last finished update had
 * is taken as unchanged without a look: a change comes as new objects,
 * never edits in place (cd_res_specs gives them so). */
void cd_compiler_begin(struct cd_compiler *cc, const struct cd_tables *t, json_t *intents,
		       json_t *kernel, bool keep_ids);
/* Work on the update for about @budget_us (0: to the end): 0 when it is
 * done, -EAGAIN when more is left, -ENOMEM. */
int cd_compiler_step(struct cd_compiler *cc, unsigned int budget_us);
/* After an update: the set (borrowed, valid until the next begin), and
 * the keys it wrote or took back ({"TABLE": {"KEY": true}}), NULL when it
 * compiled everything again (then any key may have changed). */
const struct cd_compiled *cd_compiler_set(struct cd_compiler *cc);
json_t *cd_compiler_touched(struct cd_compiler *cc);
/* What the updates since the last take changed ({"TABLE": {"KEY": true}},
 * new), NULL: anything (one compiled everything again). */
json_t *cd_compiler_take(struct cd_compiler *cc);
/* The ids allocated or freed since the last take ({"NS": {"KEY": true}},
 * new): what a store of them in shards writes. */
json_t *cd_compiler_ids_take(struct cd_compiler *cc);
/* The allocations (borrowed). */
json_t *cd_compiler_ids(struct cd_compiler *cc);
/* The intents the last update compiled ("KIND/NAME" → true; borrowed). */
json_t *cd_compiler_compiled(struct cd_compiler *cc);
/* The last update, a dry run's way back (cd_compiler_begin): 1 when it
 * left the compiler as before the dry run, numbering included; -1 when
 * it could not (an intent compiled to other writes than before): the
 * writes keep new numbers, consistent, which a later run stores; 0 when
 * it was no way back. */
int cd_compiler_undone(struct cd_compiler *cc);

#endif
