/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_change: a change of one intent, checked (cd_res_check) and not yet written: what the store's modules pass each other. */
#ifndef CD_CHANGE_H
#define CD_CHANGE_H

#include <stdbool.h>
#include <jansson.h>

#include "store.h"

/* A change that was checked: what cd_res_commit writes. */
struct cd_change {
	int kind;
	char name[STORE_NAME_MAX + 1];
	json_t *doc;		/* the new document; NULL: a withdrawal */
	const char *action;	/* "created", "replaced", "unchanged", "withdrawn" */
	json_int_t generation;
	json_int_t seen;	/* the stored generation it was checked against (0: none) */
	bool cond;		/* conditional (expected generation, create only): refused if that moved */
	char base[32];		/* where in the request it was (a JSON pointer) */
	/* a change of one member of the spec (cd_member.h): made again on
	 * the stored spec if that moved meanwhile; json null: taken out;
	 * NULL: the spec is changed whole */
	json_t *member;
	json_int_t member_key;
};

/* Let go of @ch's document. */
void cd_change_clear(struct cd_change *ch);

#endif
