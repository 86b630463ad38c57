/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_member: one member of an intent's spec read, put or taken out (see cd_member.h). */
#include <errno.h>
#include <stdint.h>

#include "cd_kind.h"
#include "cd_member.h"
#include "cd_schema.h"

json_t *
cd_member_get(int kind, json_t *spec, json_int_t key, size_t *at)
{
	const struct cd_kind *kd = cd_kind_at(kind);
	json_t *m;
	size_t i;

	if (kd == NULL || kd->member == NULL)
		return NULL;
	json_array_foreach(json_object_get(spec, kd->member), i, m) {
		if (cd_num(m, kd->member_key, -1) == key) {
			if (at != NULL)
				*at = i;
			return m;
		}
	}
	return NULL;
}

int
cd_member_put(int kind, json_t *spec, json_int_t key, json_t *m, size_t max, json_t **out)
{
	const struct cd_kind *kd = cd_kind_at(kind);
	json_t *arr, *nspec;
	size_t at = 0;
	bool found = cd_member_get(kind, spec, key, &at) != NULL;

	*out = NULL;
	if (!found && m == NULL)
		return -ENOENT;
	arr = json_object_get(spec, kd->member);
	if (!found && json_array_size(arr) >= max)
		return -E2BIG;
	/* shallow: the other members are the stored ones */
	if ((nspec = json_copy(spec)) == NULL || (arr = arr != NULL ? json_copy(arr) : json_array()) == NULL) {
		json_decref(nspec);
		return -ENOMEM;
	}
	if (found && m == NULL)
		json_array_remove(arr, at);
	else if (found)
		json_array_set(arr, at, m);
	else
		json_array_append(arr, m);
	json_object_set_new(nspec, kd->member, arr);
	*out = nspec;
	return 0;
}

size_t
cd_member_max(const struct cd_schema *sc, int kind)
{
	const struct cd_kind *kd = cd_kind_at(kind);
	json_t *arr = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
		cd_schema_doc(sc), "components"), "schemas"), kd->schema), "properties"), kd->member),
		"maxItems");

	return json_is_integer(arr) && json_integer_value(arr) >= 0 ? (size_t)json_integer_value(arr) : SIZE_MAX;
}
