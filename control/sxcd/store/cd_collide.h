/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_collide: a change refused when it would make an intent fail that does not fail without it (409), or asks what sxcd cannot carry out (422). */
#ifndef CD_COLLIDE_H
#define CD_COLLIDE_H

#include <stddef.h>
#include <jansson.h>

struct cd_change;
struct cd_res;

/*
 * The collisions @n checked changes @ch would make, from a compile of the
 * intents with them applied (@results: cd_compiled's). A changed intent
 * that fails on a conflict is refused (the holder named, the pointer into
 * the request); so is any change that would make an intent Failed that is
 * not Failed without it (a Ready intent never loses its entries to
 * another's mistake): "without" is the dry run's "was" (the intents
 * compiled as they are, just before), else the intent's status. A failure
 * there both ways is the intent's own, not the change's. A changed intent
 * that fails on anything else but room (capacity: it stays stored and
 * Failed, as a table can be given more) asks what sxcd cannot carry out
 * (a spec the dataplane has no way to do, a value of the wrong family, a
 * field it misses): refused too, its reason and pointer kept.
 * Errors go to @errs; 422 when every one is of the last sort, 409 when
 * any is a collision, else 200.
 */
int cd_collide(struct cd_res *r, json_t *results, struct cd_change *ch, size_t n, json_t *errs);

#endif
