/* SPDX-License-Identifier: BSD-3-Clause */
/* cd_specs: the specs to compile, each kind's oldest first (see cd_specs.h). */
#include <stdlib.h>
#include <string.h>

#include "cd_change.h"
#include "cd_kind.h"
#include "cd_specs.h"

struct by_age {
	json_int_t serial;
	const char *created, *name;
	json_t *spec;
};

static int
age_cmp(const void *a, const void *b)
{
	const struct by_age *x = a, *y = b;
	int c;

	if (x->serial != y->serial)
		return x->serial < y->serial ? -1 : 1;
	if ((c = strcmp(x->created, y->created)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

/* The specs of @objs (NAME → document) oldest first: the order they are
 * compiled in, so an intent that collides with an older one is the one
 * that fails. */
static json_t *
specs_by_age(json_t *objs)
{
	size_t n = json_object_size(objs), i = 0;
	struct by_age *v = calloc(n + 1, sizeof(*v));
	json_t *out = json_object(), *doc, *meta;
	const char *name;

	if (v == NULL)
		return out;
	json_object_foreach(objs, name, doc) {
		meta = json_object_get(doc, "metadata");
		v[i++] = (struct by_age){ .serial = json_integer_value(json_object_get(meta, "serial")),
					  .created = json_string_value(json_object_get(meta, "created")) ?: "",
					  .name = name, .spec = json_object_get(doc, "spec") };
	}
	qsort(v, n, sizeof(*v), age_cmp);
	for (i = 0; i < n; i++)
		json_object_set(out, v[i].name, v[i].spec);
	free(v);
	return out;
}

/* @specs with @ch on top, new: a kind @ch touches is copied (its specs
 * shared), the others shared; a new intent is the youngest. */
json_t *
cd_specs_with(json_t *specs, const struct cd_change *ch, size_t n)
{
	json_t *out = json_copy(specs), *o;
	const char *kind = NULL;

	for (size_t i = 0; i < n; i++) {
		kind = cd_kind_name(ch[i].kind);
		o = json_object_get(out, kind);
		if (o == NULL || o == json_object_get(specs, kind))
			json_object_set_new(out, kind, o != NULL ? json_copy(o) : json_object());
		o = json_object_get(out, kind);
		if (ch[i].doc == NULL)
			json_object_del(o, ch[i].name);
		else
			json_object_set(o, ch[i].name, json_object_get(ch[i].doc, "spec"));
	}
	return out;
}

json_t *
cd_specs_of(json_t *docs)
{
	json_t *out = json_object(), *objs;
	const char *kind;

	json_object_foreach(docs, kind, objs)
		json_object_set_new(out, kind, specs_by_age(objs));
	return out;
}
