/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_member: one member of an intent's spec (a UPF's session) read, put or taken out, the rest of the spec shared. */
/*
 * A kind may serve the members of one array of its spec one by one
 * (struct cd_kind member: /api/v1/KIND/NAME/MEMBER/KEY). A change of one
 * is a change of the intent to a spec made from the stored one: its
 * other members the very same objects (nothing of them copied, and the
 * store's check of what changed sees them unchanged by their address),
 * the array copied as pointers. Made again on what is stored when that
 * moved between the check and the commit (cd_res_recheck), so two
 * members changed at once both land.
 */
#ifndef CD_MEMBER_H
#define CD_MEMBER_H

#include <stddef.h>
#include <jansson.h>

struct cd_schema;

/* Member @key of kind @kind's @spec (borrowed), NULL: none; its index in
 * *@at when found (@at may be NULL). */
json_t *cd_member_get(int kind, json_t *spec, json_int_t key, size_t *at);
/* @spec (borrowed) with member @key put to @m (borrowed; NULL: taken
 * out), at most @max members: the new spec in *@out. 0, -ENOENT (nothing
 * to take out), -E2BIG (past @max), -ENOMEM. */
int cd_member_put(int kind, json_t *spec, json_int_t key, json_t *m, size_t max, json_t **out);
/* The most members kind @kind's spec may hold (its schema's maxItems). */
size_t cd_member_max(const struct cd_schema *sc, int kind);

#endif
