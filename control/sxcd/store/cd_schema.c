/* SPDX-License-Identifier: BSD-3-Clause */
/* sxcd's OpenAPI document: loaded, its schemas held to the JSON Schema subset
 * sxcd checks (see cd_schema.h) and turned into declarations, which the one
 * schema checker (dp_schema) checks intents against in the document's words. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cd_schema.h"
#include "dp_addr.h"
#include "dp_schema.h"
#include "store.h"

#define DEPTH_MAX 32	/* $ref chains and nesting */

/* components.schemas.X as a declaration, compiled once */
struct named {
	const char *name;
	struct dp_schema_field decl;
	int state;		/* 0 not yet, 1 compiling (a $ref back to it is a cycle), 2 done */
};

struct cd_schema {
	json_t *doc;
	json_t *schemas;	/* components.schemas */
	struct named *named;
	size_t n_named;
	void **mem;		/* what the declarations hold: member lists, items, enum names */
	size_t n_mem, cap_mem;
};

static const char *const keywords[] = {
	"type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
	"minimum", "maximum", "minLength", "maxLength", "enum", "format", "$ref", "description",
	"default", "title",
};
static const char *const formats[] = {
	"name", "ipv4", "ipv6", "ip", "ipv4-prefix", "ipv6-prefix", "ip-prefix", "ipv4-prefix-or-address",
	"ip-prefix-or-address", "mac",
};

void
cd_schema_err(json_t *errs, const char *pointer, const char *reason, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (json_array_size(errs) >= CD_SCHEMA_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "pointer", pointer, "reason", reason,
					      "message", msg));
}

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* The schema a local $ref names ("#/components/schemas/X"), NULL if none. */
static json_t *
deref(const struct cd_schema *s, json_t *sch)
{
	const char *ref = json_string_value(json_object_get(sch, "$ref"));
	static const char pfx[] = "#/components/schemas/";

	if (ref == NULL)
		return sch;
	if (strncmp(ref, pfx, sizeof(pfx) - 1) != 0)
		return NULL;
	return json_object_get(s->schemas, ref + sizeof(pfx) - 1);
}

/* The keywords a type takes (beyond type and the notes): the checker
 * applies each to values of its type only, so one on another type would be
 * a check promised and not made. */
static const struct {
	const char *type;
	const char *const kw[5];
} type_keywords[] = {
	{ "integer", { "minimum", "maximum" } },
	{ "number", { NULL } },
	{ "boolean", { NULL } },
	{ "string", { "minLength", "maxLength", "format", "enum" } },
	{ "array", { "items", "minItems", "maxItems" } },
	{ "object", { "properties", "required", "additionalProperties" } },
};

static int
lint_type(json_t *sch, const char *where, char *err, size_t len)
{
	const char *t = json_string_value(json_object_get(sch, "type")), *k;
	static const char *const ints[] = { "minimum", "maximum", "minLength", "maxLength",
					    "minItems", "maxItems" };
	json_t *v, *props = json_object_get(sch, "properties");
	size_t i, ti;

	for (ti = 0; t != NULL && ti < sizeof(type_keywords) / sizeof(type_keywords[0]); ti++)
		if (strcmp(t, type_keywords[ti].type) == 0)
			break;
	if (t == NULL || ti == sizeof(type_keywords) / sizeof(type_keywords[0])) {
		snprintf(err, len, "%s: a schema needs a type (integer, number, boolean, string, array, "
			 "object) or a $ref", where);
		return -EINVAL;
	}
	json_object_foreach(sch, k, v) {
		bool ok = strcmp(k, "type") == 0 || strcmp(k, "description") == 0 ||
			  strcmp(k, "default") == 0 || strcmp(k, "title") == 0;

		for (i = 0; !ok && i < 5 && type_keywords[ti].kw[i] != NULL; i++)
			ok = strcmp(k, type_keywords[ti].kw[i]) == 0;
		if (!ok) {
			snprintf(err, len, "%s: keyword '%s' is not checked on a %s", where, k, t);
			return -EINVAL;
		}
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if ((v = json_object_get(sch, ints[i])) != NULL && !json_is_integer(v)) {
			snprintf(err, len, "%s: %s must be an integer", where, ints[i]);
			return -EINVAL;
		}
	if ((v = json_object_get(sch, "enum")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			snprintf(err, len, "%s: enum must list strings", where);
			return -EINVAL;
		}
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i))) {
				snprintf(err, len, "%s: enum must list strings", where);
				return -EINVAL;
			}
	}
	if ((v = json_object_get(sch, "required")) != NULL) {
		for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)) ||
			    json_object_get(props, json_string_value(json_array_get(v, i))) == NULL)
				break;
		if (!json_is_array(v) || i < json_array_size(v)) {
			snprintf(err, len, "%s: required must name members of properties", where);
			return -EINVAL;
		}
	}
	if ((v = json_object_get(sch, "properties")) != NULL && !json_is_object(v)) {
		snprintf(err, len, "%s: properties must be an object", where);
		return -EINVAL;
	}
	return 0;
}

/* Every keyword of @sch (and of the schemas in it) is one this checks. */
static int
lint(const struct cd_schema *s, json_t *sch, const char *where, int depth, char *err, size_t len)
{
	const char *k, *f;
	json_t *v, *p;

	if (!json_is_object(sch) || depth > DEPTH_MAX) {
		snprintf(err, len, "%s: not a schema object", where);
		return -EINVAL;
	}
	json_object_foreach(sch, k, v) {
		if (!in_list(k, keywords, sizeof(keywords) / sizeof(keywords[0]))) {
			snprintf(err, len, "%s: keyword '%s' is not checked by sxcd", where, k);
			return -EINVAL;
		}
	}
	if (json_object_get(sch, "$ref") != NULL && deref(s, sch) == NULL) {
		snprintf(err, len, "%s: $ref to nowhere", where);
		return -EINVAL;
	}
	if ((f = json_string_value(json_object_get(sch, "format"))) != NULL &&
	    !in_list(f, formats, sizeof(formats) / sizeof(formats[0]))) {
		snprintf(err, len, "%s: format '%s' is not checked by sxcd", where, f);
		return -EINVAL;
	}
	if ((v = json_object_get(sch, "additionalProperties")) != NULL && !json_is_false(v)) {
		snprintf(err, len, "%s: additionalProperties may only be false", where);
		return -EINVAL;
	}
	if (json_object_get(sch, "$ref") == NULL && lint_type(sch, where, err, len) < 0)
		return -EINVAL;
	json_object_foreach(json_object_get(sch, "properties"), k, p)
		if (lint(s, p, where, depth + 1, err, len) < 0)
			return -EINVAL;
	if ((p = json_object_get(sch, "items")) != NULL && lint(s, p, where, depth + 1, err, len) < 0)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------ the declarations */

static const struct dp_schema_format_own name_format = {
	.name = "name", .says = "1..128 of [A-Za-z0-9_.-], not starting with '.'",
	.ok = store_name_ok,
};

/* A flow's src or dst (classes, VDNs): a prefix or a bare address of
 * either family, as the intent library's rule takes it (cc_flow_match);
 * dp_schema's formats have it for IPv4 only. */
static int
ip_pfx_or_addr_ok(const char *s)
{
	uint8_t a[16], plen;

	return dp_addr_prefix(s, strchr(s, ':') != NULL ? AF_INET6 : AF_INET, true, a, &plen) == 0;
}

static const struct dp_schema_format_own ip_pfx_or_addr_format = {
	.name = "ip-prefix-or-address", .says = "an IPv4 or IPv6 address or ADDRESS/LENGTH",
	.ok = ip_pfx_or_addr_ok,
};

static const struct {
	const char *name;
	enum dp_schema_format f;
	const struct dp_schema_format_own *own;
} format_map[] = {
	{ "mac", DP_SCHEMA_FMT_MAC, NULL }, { "ipv4", DP_SCHEMA_FMT_IPV4, NULL },
	{ "ipv6", DP_SCHEMA_FMT_IPV6, NULL }, { "ip", DP_SCHEMA_FMT_IP, NULL },
	{ "ipv4-prefix", DP_SCHEMA_FMT_IPV4_PREFIX, NULL }, { "ipv6-prefix", DP_SCHEMA_FMT_IPV6_PREFIX, NULL },
	{ "ip-prefix", DP_SCHEMA_FMT_IP_PREFIX, NULL },
	{ "ipv4-prefix-or-address", DP_SCHEMA_FMT_IPV4_PREFIX_OR_ADDR, NULL },
	{ "ip-prefix-or-address", DP_SCHEMA_FMT_OWN, &ip_pfx_or_addr_format },
	{ "name", DP_SCHEMA_FMT_OWN, &name_format },
};

static void *
hold(struct cd_schema *s, size_t n, size_t size)
{
	void *p;

	if (s->n_mem == s->cap_mem) {
		size_t cap = s->cap_mem ? 2 * s->cap_mem : 64;
		void **m = realloc(s->mem, cap * sizeof(*m));

		if (m == NULL)
			return NULL;
		s->mem = m;
		s->cap_mem = cap;
	}
	if ((p = calloc(n ? n : 1, size)) != NULL)
		s->mem[s->n_mem++] = p;
	return p;
}

static int named_decl(struct cd_schema *s, const char *name, const struct dp_schema_field **out,
		      int depth);

static int64_t
int_or(json_t *sch, const char *k, int64_t dflt)
{
	json_t *v = json_object_get(sch, k);

	return v != NULL ? (int64_t)json_integer_value(v) : dflt;
}

/* @sch (linted) as a declaration in *@f. */
static int
compile(struct cd_schema *s, json_t *sch, struct dp_schema_field *f, int depth)
{
	const char *ref = json_string_value(json_object_get(sch, "$ref")), *t, *k;
	const struct dp_schema_field *d;
	json_t *x, *p;
	size_t i;
	int rc;

	if (depth > DEPTH_MAX)
		return -ELOOP;
	if (ref != NULL) {
		if ((rc = named_decl(s, ref + strlen("#/components/schemas/"), &d, depth + 1)) < 0)
			return rc;
		*f = *d;
		return 0;
	}
	memset(f, 0, sizeof(*f));
	t = json_string_value(json_object_get(sch, "type"));
	if (strcmp(t, "integer") == 0) {
		f->type = DP_SCHEMA_INT;
		f->flags = DP_SCHEMA_BOUNDS;
		f->min = int_or(sch, "minimum", INT64_MIN);
		f->max = int_or(sch, "maximum", INT64_MAX);
	} else if (strcmp(t, "number") == 0) {
		f->type = DP_SCHEMA_NUMBER;
	} else if (strcmp(t, "boolean") == 0) {
		f->type = DP_SCHEMA_BOOL;
	} else if (strcmp(t, "string") == 0 && (x = json_object_get(sch, "enum")) != NULL) {
		const char **names = hold(s, json_array_size(x) + 1, sizeof(*names));

		if (names == NULL)
			return -ENOMEM;
		f->type = DP_SCHEMA_ENUM;
		json_array_foreach(x, i, p)
			names[i] = json_string_value(p);
		f->names = names;
	} else if (strcmp(t, "string") == 0) {
		const char *fmt = json_string_value(json_object_get(sch, "format"));

		f->type = DP_SCHEMA_STRING;
		f->flags = DP_SCHEMA_BOUNDS;
		f->min = int_or(sch, "minLength", 0);
		f->max = int_or(sch, "maxLength", INT64_MAX);
		for (i = 0; fmt != NULL && i < sizeof(format_map) / sizeof(format_map[0]); i++)
			if (strcmp(fmt, format_map[i].name) == 0) {
				f->format = format_map[i].f;
				f->own = format_map[i].own;
			}
	} else if (strcmp(t, "array") == 0) {
		struct dp_schema_field *it;

		f->type = DP_SCHEMA_ARRAY;
		f->flags = DP_SCHEMA_BOUNDS;
		f->min = int_or(sch, "minItems", 0);
		f->max = int_or(sch, "maxItems", INT64_MAX);
		if ((x = json_object_get(sch, "items")) != NULL) {
			if ((it = hold(s, 1, sizeof(*it))) == NULL)
				return -ENOMEM;
			if ((rc = compile(s, x, it, depth + 1)) < 0)
				return rc;
			f->items = it;
		}
	} else {
		struct dp_schema_field *m;

		x = json_object_get(sch, "properties");
		f->type = DP_SCHEMA_OBJECT;
		f->flags = json_is_false(json_object_get(sch, "additionalProperties")) ? 0 : DP_SCHEMA_OPEN;
		if ((m = hold(s, json_object_size(x) + 1, sizeof(*m))) == NULL)
			return -ENOMEM;
		i = 0;
		json_object_foreach(x, k, p) {
			if ((rc = compile(s, p, &m[i], depth + 1)) < 0)
				return rc;
			m[i].name = k;
			m[i].flags &= ~DP_SCHEMA_REQ;
			i++;
		}
		json_array_foreach(json_object_get(sch, "required"), i, p)
			for (size_t j = 0; m[j].name != NULL; j++)
				if (strcmp(m[j].name, json_string_value(p)) == 0)
					m[j].flags |= DP_SCHEMA_REQ;
		f->fields = m;
	}
	return 0;
}

/* components.schemas.@name, compiled on first use. -ELOOP: a $ref cycle
 * (a value cannot hold itself as a copy). */
static int
named_decl(struct cd_schema *s, const char *name, const struct dp_schema_field **out, int depth)
{
	for (size_t i = 0; i < s->n_named; i++) {
		struct named *nd = &s->named[i];
		int rc;

		if (strcmp(nd->name, name) != 0)
			continue;
		if (nd->state == 1)
			return -ELOOP;
		if (nd->state == 0) {
			nd->state = 1;
			if ((rc = compile(s, json_object_get(s->schemas, name), &nd->decl, depth)) < 0)
				return rc;
			nd->state = 2;
		}
		*out = &nd->decl;
		return 0;
	}
	return -ENOENT;
}

int
cd_schema_load(const char *path, struct cd_schema **out, char *err, size_t errlen)
{
	struct cd_schema *s = calloc(1, sizeof(*s));
	json_error_t je;
	const char *k;
	json_t *sch;

	if (s == NULL)
		return -ENOMEM;
	if ((s->doc = json_load_file(path, 0, &je)) == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		free(s);
		return -EINVAL;
	}
	s->schemas = json_object_get(json_object_get(s->doc, "components"), "schemas");
	if (!json_is_object(s->schemas)) {
		snprintf(err, errlen, "%s: no components.schemas", path);
		cd_schema_free(s);
		return -EINVAL;
	}
	json_object_foreach(s->schemas, k, sch) {
		char where[160];

		snprintf(where, sizeof(where), "%s: components.schemas.%s", path, k);
		if (lint(s, sch, where, 0, err, errlen) < 0) {
			cd_schema_free(s);
			return -EINVAL;
		}
	}
	if ((s->named = calloc(json_object_size(s->schemas) + 1, sizeof(*s->named))) == NULL) {
		cd_schema_free(s);
		return -ENOMEM;
	}
	json_object_foreach(s->schemas, k, sch)
		s->named[s->n_named++].name = k;
	for (size_t i = 0; i < s->n_named; i++) {
		const struct dp_schema_field *d;
		int rc = named_decl(s, s->named[i].name, &d, 0);

		if (rc < 0) {
			snprintf(err, errlen, "%s: components.schemas.%s: %s", path, s->named[i].name,
				 rc == -ELOOP ? "$refs nest too deep or in a cycle" : strerror(-rc));
			cd_schema_free(s);
			return rc == -ENOMEM ? rc : -EINVAL;
		}
	}
	*out = s;
	return 0;
}

void
cd_schema_free(struct cd_schema *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_mem; i++)
		free(s->mem[i]);
	free(s->mem);
	free(s->named);
	json_decref(s->doc);
	free(s);
}

json_t *
cd_schema_doc(const struct cd_schema *s)
{
	return s->doc;
}

int
cd_schema_check(const struct cd_schema *s, const char *name, json_t *v, const char *base,
		json_t *errs)
{
	const struct dp_schema_field *decl = NULL;

	for (size_t i = 0; i < s->n_named; i++)
		if (strcmp(s->named[i].name, name) == 0)
			decl = &s->named[i].decl;
	if (decl == NULL) {
		cd_schema_err(errs, base, "bad_value", "no schema '%s'", name);
		return 1;
	}
	if (v == NULL) {
		cd_schema_err(errs, base, "missing", "no value");
		return 1;
	}
	return dp_schema_check_all(decl, v, base, errs, CD_SCHEMA_ERRORS_MAX);
}
