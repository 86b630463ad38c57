/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_plan: what an incremental update of the compiler compiles again, taken back before it compiles. */
/*
 * An update compiles again only what it must (cd_compile.h): the intents
 * whose spec changed, came or went, those that read them (a slice's
 * VDNs, policies and UPFs: struct cd_kind parent, unless what changed is
 * not in what they read: same_for_children), those that share an entry
 * with one of those (the set's shared keys), and those not Ready (what
 * they wait for, or collided with, may have changed). What it will
 * compile again is taken back first (cd_kx_take_back), so the set holds
 * only what the others wrote. When that is every intent anyway (a
 * full_on_change kind changed) or too much to take back in one go, the
 * planner says so and the compiler compiles everything afresh, in slices.
 * Kept apart from the driver (cd_compile.c) because it is the one place
 * that decides what an update may leave as it is: passed the compile's
 * state (cd_kx.h) and the update's intents, it writes the queue.
 */
#ifndef CD_PLAN_H
#define CD_PLAN_H

#include <stdbool.h>
#include <jansson.h>

#include "cd_kx.h"

/*
 * Plan an update of the set @x holds from @prev (the intents the last
 * finished update brought it to, NULL: unknown; a kind or spec that is
 * the very object there is unchanged) to @intents, in two parts, each a
 * slice of the loop of its own (a whole site's thousands of intents take
 * tens of milliseconds in each). This one: what changed and who reads it,
 * filled on the way: @changed ("KIND/NAME" → true: its spec changed, came
 * or went), @partial (→ what changed, for struct cd_kind part), @cut (→
 * what it published before, its children left as they are on the word
 * that it stays the same: the driver compiles everything again if it does
 * not); the intents to compile again so far in *@rest (new). True when
 * everything must compile again instead (*@rest not made).
 */
bool cd_plan(struct cd_kx *x, json_t *intents, json_t *prev, json_t *changed, json_t *partial, json_t *cut,
	     json_t **rest);
/* The rest: with @r (cd_plan's *@rest, borrowed), whoever shares an entry
 * with one of them; taken back (a few thousand entries at once, more in
 * slices: cd_kx_take_back_step) and appended to @queue in compile order
 * ([kind, name], [kind, name, true] for one compiled in part). True when
 * everything must compile again instead. */
bool cd_plan_rest(struct cd_kx *x, json_t *intents, json_t *r, json_t *queue, json_t *partial);
/* Does @a ("KIND/NAME") come after @b in compile order of @intents (one
 * not among them comes last)? An intent changed now that collides with
 * one after it would have won in a whole compile. */
bool cd_plan_later(json_t *intents, const char *a, const char *b);

#endif
