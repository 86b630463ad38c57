/* SPDX-License-Identifier: BSD-3-Clause */
/* What each intent's status becomes from a run (see cd_outcome.h). */
#include <string.h>

#include "cd_hook.h"
#include "cd_outcome.h"
#include "cd_rstatus.h"

void
cd_outcome_programming(struct cd_res *res, json_t *compiled, json_t *results, json_t *gens)
{
	json_t *st = json_object(), *r, *old, *o, *t;
	const char *who;

	json_object_foreach(compiled, who, t) {
		r = json_object_get(results, who);
		old = cd_rstatus_of(res, who);
		if (r == NULL || strcmp(json_string_value(json_object_get(r, "phase")), "Ready") != 0 ||
		    (old != NULL && json_equal(json_object_get(old, "observedGeneration"),
					       json_object_get(gens, who))))
			continue;
		o = old != NULL ? json_deep_copy(old) : json_object();
		json_object_set_new(o, "phase", json_string("Programming"));
		json_object_del(o, "waiting_for");
		json_object_set_new(st, who, o);
	}
	cd_rstatus_set(res, st, false);
	json_decref(st);
}

void
cd_outcome_unwritten(json_t *errors, json_t *diff, size_t from, json_t *rest, json_t *owner,
		     const char *reason, const char *message)
{
	json_t *u, *rows, *v;
	const char *t, *k, *who;

	for (size_t i = from; i < json_array_size(diff); i++) {
		u = json_array_get(diff, i);
		who = json_string_value(json_object_get(u, "owner")) ?: "sxcd/deletes";
		if (json_object_get(errors, who) == NULL)
			json_object_set_new(errors, who, json_pack("{s:s,s:s}", "reason", reason,
								    "message", message));
	}
	json_object_foreach(rest, t, rows)
		json_object_foreach(rows, k, v) {
			/* not diffed yet: whose the key is as compiled (no one's: a delete) */
			who = json_string_value(json_object_get(json_object_get(owner, t), k)) ?:
			      "sxcd/deletes";
			if (json_object_get(errors, who) == NULL)
				json_object_set_new(errors, who, json_pack("{s:s,s:s}", "reason", reason,
									    "message", message));
		}
}

void
cd_outcome_degrade(json_t *results)
{
	const char *who;
	json_t *r;
	void *tmp;

	json_object_foreach_safe(results, tmp, who, r)
		if (json_object_get(r, "degraded") != NULL)
			cd_hook_degrade(results, who, "link_down", json_deep_copy(json_object_get(r, "degraded")));
}

bool
cd_outcome_store(struct cd_res *res, const struct cd_tables *t, json_t *results, json_t *mine,
		 json_t *gens, json_t *errors)
{
	json_t *st = json_object(), *r, *e, *old;
	char when[32];
	const char *who;
	bool failed = false;

	/* a refusal for want of room is Failed (capacity), not retried: only
	 * the others make the run a failed one */
	json_object_foreach(errors, who, e) {
		const char *reason = json_string_value(json_object_get(e, "reason")) ?: "";
		const char *table = json_string_value(json_object_get(json_object_get(e, "update"),
								       "table"));

		if (strcmp(reason, "table_full") != 0 && strcmp(reason, "no_memory") != 0) {
			failed = true;
			continue;
		}
		json_object_set_new(e, "phase", json_string("Failed"));
		json_object_set_new(e, "reason", json_string("capacity"));
		if (table != NULL && t != NULL)
			json_object_set_new(e, "message", json_sprintf("sxdp's table %s has no room "
					    "(size %zu): %s", table, cd_tables_size(t, table),
					    json_string_value(json_object_get(e, "message")) ?: ""));
	}

	json_object_foreach(results, who, r) {
		const char *phase = json_string_value(json_object_get(r, "phase"));
		json_t *o;

		/* a Ready intent this run did not compile and nothing failed
		 * for says what it said (its result is the one it had) */
		old = cd_rstatus_of(res, who);
		if (old != NULL && json_object_get(mine, who) == NULL &&
		    json_object_get(errors, who) == NULL && strcmp(phase, "Ready") == 0 &&
		    strcmp(json_string_value(json_object_get(old, "phase")) ?: "", phase) == 0 &&
		    json_object_get(old, "reason") == NULL &&
		    json_equal(json_object_get(old, "observedGeneration"), json_object_get(gens, who)))
			continue;
		o = json_pack("{s:s,s:O,s:O}", "phase", phase, "observedGeneration",
				      json_object_get(gens, who), "entries",
				      json_object_get(r, "entries"));

		if (json_array_size(json_object_get(r, "waiting_for")) > 0)
			json_object_set(o, "waiting_for", json_object_get(r, "waiting_for"));
		if (json_object_get(r, "elsewhere") != NULL)   /* another site's: nothing here */
			json_object_set(o, "elsewhere", json_object_get(r, "elsewhere"));
		if ((e = json_object_get(errors, who)) != NULL) {
			json_object_set_new(o, "phase", json_string("Error"));
			json_object_update(o, e);
		} else if (json_object_get(r, "reason") != NULL) {
			json_object_set(o, "reason", json_object_get(r, "reason"));
			json_object_set(o, "message", json_object_get(r, "message"));
			json_object_set(o, "pointer", json_object_get(r, "pointer"));
		}
		if (old != NULL && json_equal(json_object_get(old, "phase"), json_object_get(o, "phase")) &&
		    json_object_get(old, "since") != NULL)
			json_object_set(o, "since", json_object_get(old, "since"));
		else
			json_object_set_new(o, "since", json_string(cd_res_now(when, sizeof(when))));
		json_object_set_new(st, who, o);
	}
	cd_rstatus_set(res, st, !failed);
	json_decref(st);
	return failed;
}
