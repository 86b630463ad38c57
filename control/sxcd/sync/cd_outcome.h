/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_outcome: what each intent's status becomes from a run: Programming while it writes, then Ready, Error or Failed. */
/*
 * The reconciler (cd_sync) runs; this says what came of it for each
 * intent, from the compile's results and what sxdp or the store refused
 * ("KIND/NAME" → {reason, message}: the run's errors). An intent whose new
 * generation a run writes is Programming until the run ends; then it is
 * what it compiled to (Ready, Pending, Failed), Error when its writes
 * were not made (retried), Failed "capacity" when sxdp had no room for
 * them (not retried). A Ready intent the run did not compile and nothing
 * failed for keeps its status as it was (its "since" too). It neither
 * reads nor writes sxdp; it writes the statuses to the store (cd_res).
 */
#ifndef CD_OUTCOME_H
#define CD_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cd_res.h"
#include "cd_tables.h"

/* The intents @compiled ("KIND/NAME" → true) that compiled Ready in
 * @results and whose generation (@gens: "KIND/NAME" → generation) the
 * store has not seen written are Programming. */
void cd_outcome_programming(struct cd_res *res, json_t *compiled, json_t *results, json_t *gens);

/* The writes of @diff from @from on, and the keys @rest not yet diffed
 * ({"TABLE": {"KEY": true}}; their owner as compiled: @owner, TABLE → KEY
 * → "kind/name"), were not made: each intent they are for (a delete's:
 * "sxcd/deletes") gets @reason and @message in @errors unless it has one. */
void cd_outcome_unwritten(json_t *errors, json_t *diff, size_t from, json_t *rest, json_t *owner,
			  const char *reason, const char *message);

/* Ready intents of @results the compile says are degraded (their WAN
 * link is down) are so (cd_hook_degrade). */
void cd_outcome_degrade(json_t *results);

/* The run is over: every intent of @results gets its status in the store
 * (@mine: the intents the run compiled; @gens: the generations it
 * compiled; @errors: what was refused, a refusal for want of room in
 * sxdp's tables @t rewritten as Failed "capacity"). True when the run
 * failed (writes refused for another reason: to be retried). */
bool cd_outcome_store(struct cd_res *res, const struct cd_tables *t, json_t *results, json_t *mine,
		      json_t *gens, json_t *errors);

#endif
