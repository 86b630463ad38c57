/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_collide: whether a change would make an intent fail that does not fail without it, or cannot be carried out (see cd_collide.h). */
#include <stdio.h>
#include <string.h>

#include "cd_change.h"
#include "cd_collide.h"
#include "cd_kind.h"
#include "cd_rstatus.h"
#include "cd_schema.h"

static bool
is_collision(json_t *res)
{
	const char *reason = json_string_value(json_object_get(res, "reason"));

	return strcmp(json_string_value(json_object_get(res, "phase")) ?: "", "Failed") == 0 &&
	       reason != NULL && (strcmp(reason, "conflict") == 0 || strcmp(reason, "slice_conflict") == 0);
}

/* Failed on something the box lacks room for (a table, the ids, the
 * scheduler's pipes): the spec is fine, the box is full; it stays stored
 * and Failed, as the capacity a table is given can grow. */
static bool
is_room(const char *reason)
{
	return strcmp(reason, "capacity") == 0 || strcmp(reason, "full") == 0 || strcmp(reason, "no_memory") == 0;
}

int
cd_collide(struct cd_res *r, json_t *results, struct cd_change *ch, size_t n, json_t *errs)
{
	char who[STORE_NAME_MAX * 2 + 2], ptr[256];
	const char *w, *ph;
	json_t *res, *mine = json_object(), *old;
	size_t before = json_array_size(errs), unfit = 0;

	for (size_t i = 0; i < n; i++) {
		const char *reason;

		snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
		json_object_set_new(mine, who, json_integer((json_int_t)i));
		res = json_object_get(results, who);
		reason = json_string_value(json_object_get(res, "reason")) ?: "failed";
		if (ch[i].doc == NULL || strcmp(json_string_value(json_object_get(res, "phase")) ?: "", "Failed") != 0)
			continue;
		snprintf(ptr, sizeof(ptr), "%s%s", ch[i].base,
			 json_string_value(json_object_get(res, "pointer")) ?: "/spec");
		if (is_collision(res)) {
			cd_schema_err(errs, ptr, "conflict", "%s collides with an existing intent: %s", who,
				      json_string_value(json_object_get(res, "message")) ?: "");
		} else if (!is_room(reason)) {
			/* what sxcd cannot carry out is never stored to fail */
			cd_schema_err(errs, ptr, reason, "%s cannot be carried out: %s", who,
				      json_string_value(json_object_get(res, "message")) ?: "");
			unfit++;
		}
	}
	/* an intent that holds its entries now never loses them to a change;
	 * one that fails without the change too is no reason to refuse it */
	json_object_foreach(results, w, res) {
		size_t culprit = 0;
		const char *was = json_string_value(json_object_get(res, "was"));

		if (json_object_get(mine, w) != NULL ||
		    strcmp(json_string_value(json_object_get(res, "phase")) ?: "", "Failed") != 0)
			continue;
		old = cd_rstatus_of(r, w);
		ph = json_string_value(json_object_get(old, "phase"));
		/* how it came out without the change (the dry run compiled that
		 * first), else its status: the last run's, which lags a run
		 * under way (an intent stored since is Pending there) */
		if (was != NULL ? strcmp(was, "Failed") == 0 :
		    ph == NULL || strcmp(ph, "Failed") == 0 || strcmp(ph, "Withdrawing") == 0)
			continue;
		if (ph == NULL)
			ph = was;
		for (size_t i = 0; i < n; i++) {
			snprintf(who, sizeof(who), "%s/%s", cd_kind_name(ch[i].kind), ch[i].name);
			if (strstr(json_string_value(json_object_get(res, "message")) ?: "", who) != NULL)
				culprit = i;
		}
		snprintf(ptr, sizeof(ptr), "%s/spec", n > 0 ? ch[culprit].base : "");
		cd_schema_err(errs, ptr, "conflict", "%s (%s) would fail at %s: %s", w, ph,
			      json_string_value(json_object_get(res, "pointer")) ?: "/spec",
			      json_string_value(json_object_get(res, "message")) ?: "");
	}
	json_decref(mine);
	return json_array_size(errs) == before ? 200 : json_array_size(errs) == before + unfit ? 422 : 409;
}
