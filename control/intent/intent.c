/* SPDX-License-Identifier: BSD-3-Clause */
/* The intent driver and the registry of the features' kinds and inputs (see intent.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"
#include "intent_cc.h"

/* A handful of features with a few kinds each; a kind is found by its
 * pointer, so the list is walked only to check one is registered. */
#define KIND_SETS_MAX 16

static struct {
	const struct intent_kind *kinds;
	size_t n;
} kind_sets[KIND_SETS_MAX];
static size_t n_kind_sets;
static const char *input_table[INTENT_IN_MAX];
static struct {
	const char *where, *field;
} input_idx[INTENT_IN_MAX];

/* ------------------------------------------------------------ registry */

const struct intent_kind *
intent_kind_find(const char *name)
{
	for (size_t s = 0; s < n_kind_sets; s++)
		for (size_t i = 0; i < kind_sets[s].n; i++)
			if (strcmp(kind_sets[s].kinds[i].name, name) == 0)
				return &kind_sets[s].kinds[i];
	return NULL;
}

void
intent_kinds_register(const struct intent_kind *kinds, size_t n)
{
	if (n_kind_sets == KIND_SETS_MAX) {
		fprintf(stderr, "intent: more than %d kind sets\n", KIND_SETS_MAX);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		if (kinds[i].compile == NULL || kinds[i].arg_size == 0 ||
		    intent_kind_find(kinds[i].name) != NULL) {
			fprintf(stderr, "intent: kind '%s' %s\n", kinds[i].name,
				kinds[i].compile == NULL ? "has no compile" :
				kinds[i].arg_size == 0 ? "declares no argument size" : "registered twice");
			abort();
		}
	kind_sets[n_kind_sets].kinds = kinds;
	kind_sets[n_kind_sets++].n = n;
}

void
intent_input_register(unsigned int id, const char *table)
{
	if (id == INTENT_IN_PORTS || id >= INTENT_IN_MAX ||
	    (input_table[id] != NULL && strcmp(input_table[id], table) != 0)) {
		fprintf(stderr, "intent: input %u for table '%s' is taken or out of range\n", id, table);
		abort();
	}
	input_table[id] = table;
}

void
intent_input_index(unsigned int id, const char *where, const char *field)
{
	if (id >= INTENT_IN_MAX || input_table[id] == NULL) {
		fprintf(stderr, "intent: input %u indexed before it is registered\n", id);
		abort();
	}
	input_idx[id].where = where;
	input_idx[id].field = field;
}

const char *
intent_table_index(const char *table, const char **where)
{
	for (unsigned int k = 0; k < INTENT_IN_MAX; k++)
		if (input_idx[k].field != NULL && strcmp(input_table[k], table) == 0) {
			*where = input_idx[k].where;
			return input_idx[k].field;
		}
	return NULL;
}

static bool
registered(const struct intent_kind *k)
{
	for (size_t s = 0; k != NULL && s < n_kind_sets; s++)
		if (k >= kind_sets[s].kinds && k < kind_sets[s].kinds + kind_sets[s].n)
			return true;
	return false;
}

/* Is @it of a registered kind, with an argument of that kind's size? Its
 * hooks are called only then. */
static bool
well_formed(const struct intent *it)
{
	return registered(it->kind) && it->arg != NULL && it->arg_size == it->kind->arg_size;
}

const char *
intent_input_table(unsigned int k)
{
	return k < INTENT_IN_MAX ? input_table[k] : NULL;
}

bool
intent_about(const struct intent *it, unsigned int k, json_int_t *v)
{
	return k < INTENT_IN_MAX && input_idx[k].field != NULL && well_formed(it) &&
	       it->kind->about != NULL && it->kind->about(it, k, v);
}

/* ------------------------------------------------------------ driving */

/* The inputs whose tables @it writes from what it read there: a failed
 * update of one of those may be a race lost, not a refusal. */
static unsigned int
inputs_written(const struct intent *it)
{
	if (!well_formed(it))
		return 0;
	return it->kind->writes | (it->kind->writes_of != NULL ? it->kind->writes_of(it) : 0);
}

unsigned int
intent_inputs(const struct intent *it)
{
	if (!well_formed(it))
		return 0;
	return it->kind->reads | (it->kind->reads_of != NULL ? it->kind->reads_of(it) : 0) |
	       inputs_written(it);
}

int
intent_compile(const struct intent *it, json_t *const in[INTENT_IN_MAX], unsigned int *need,
	       json_t **params, char *err, size_t errlen)
{
	struct cc c = { .in = in, .ups = json_array(), .err = err, .errlen = errlen };
	int rc;

	*need = 0;
	*params = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (c.ups == NULL)
		return cc_refuse(&c, -ENOMEM, "out of memory");
	if (!registered(it->kind))
		rc = cc_refuse(&c, -EINVAL, "unknown intent");
	else if (!well_formed(it))
		rc = cc_refuse(&c, -EINVAL, "intent %s: an argument of %zu bytes, not its kind's %zu",
			       it->kind->name, it->arg != NULL ? it->arg_size : 0, it->kind->arg_size);
	else
		rc = it->kind->compile(&c, it);
	if (rc == 0 && c.nomem)
		rc = cc_refuse(&c, -ENOMEM, "out of memory");
	if (rc == 0) {
		/* several updates always span tables: all of them or none */
		*params = json_array_size(c.ups) > 1 ?
			json_pack("{s:s,s:O}", "atomicity", "dataplane-atomic", "updates", c.ups) :
			json_pack("{s:O}", "updates", c.ups);
		if (*params == NULL)
			rc = cc_refuse(&c, -ENOMEM, "out of memory");
	}
	if (rc == -EAGAIN)
		*need = c.need;
	json_decref(c.ups);
	return rc;
}

const char *
intent_reason(int rc)
{
	switch (rc) {
	case -EINVAL: return "bad_value";
	case -ENOENT: return "not_found";
	case -ERANGE: return "out_of_range";
	case -EPERM: return "slice_conflict";
	case -ENOSPC: return "full";
	case -ENOMEM: return "no_memory";
	default: return "failed";
	}
}

/* "the flood entry of bd 10" */
static void
entry_text(json_t *u, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n;

	n = (size_t)snprintf(buf, len, "the %s entry of",
			     json_string_value(json_object_get(u, "table")));
	json_object_foreach(json_object_get(u, "match"), k, v) {
		if (n >= len)
			break;
		if (json_is_string(v))
			n += (size_t)snprintf(buf + n, len - n, " %s %s", k, json_string_value(v));
		else
			n += (size_t)snprintf(buf + n, len - n, " %s %" JSON_INTEGER_FORMAT, k,
					      json_integer_value(v));
	}
}

unsigned int
intent_raced(const struct intent *it, json_t *params, json_t *result, char *what, size_t len)
{
	json_t *ups = json_object_get(params, "updates"), *r;
	unsigned int from = inputs_written(it), stale = 0, k;
	const char *table, *reason;
	size_t i;

	if (len > 0)
		what[0] = '\0';
	/* in continue mode the rest applied: that stands, and is reported */
	if (!json_is_false(json_object_get(result, "committed")))
		return 0;
	json_array_foreach(json_object_get(result, "results"), i, r) {
		reason = json_string_value(json_object_get(json_object_get(json_object_get(r,
			 "error"), "data"), "reason"));
		table = json_string_value(json_object_get(json_array_get(ups, i), "table"));
		if (reason == NULL || table == NULL || (strcmp(reason, "changed") != 0 &&
		    strcmp(reason, "exists") != 0 && strcmp(reason, "not_found") != 0))
			continue;
		for (k = 0; k < INTENT_IN_MAX; k++) {
			if (!(from & INTENT_IN(k)) || intent_input_table(k) == NULL ||
			    strcmp(intent_input_table(k), table) != 0)
				continue;
			if (stale == 0 && len > 0)
				entry_text(json_array_get(ups, i), what, len);
			stale |= INTENT_IN(k);
		}
	}
	return stale;
}

/* ------------------------------------------------------------- views */

const char *
intent_view_table(const struct intent_view *v)
{
	return v->table;
}

json_t *
intent_view_select(const struct intent_view *v, json_t *entries, json_int_t key)
{
	json_t *keep = json_array(), *e, *m;
	size_t i;

	json_array_foreach(entries, i, e) {
		m = json_object_get(json_object_get(e, "match"), v->key);
		if (key < 0 || (json_is_integer(m) && json_integer_value(m) == key))
			json_array_append(keep, e);
	}
	return keep;
}
