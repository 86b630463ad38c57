/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON Schema subset sxcd's OpenAPI document uses, checked with JSON pointers (see cd_schema.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cd_schema.h"
#include "dp_addr.h"
#include "store.h"

#define PTR_MAX	  512
#define DEPTH_MAX 32	/* $ref chains and nesting */

struct cd_schema {
	json_t *doc;
	json_t *schemas;	/* components.schemas */
};

static const char *const keywords[] = {
	"type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
	"minimum", "maximum", "minLength", "maxLength", "enum", "format", "$ref", "description",
	"default", "title",
};
static const char *const formats[] = {
	"name", "ipv4", "ip", "ipv4-prefix", "ip-prefix", "ipv4-prefix-or-address", "mac",
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
	json_object_foreach(json_object_get(sch, "properties"), k, p)
		if (lint(s, p, where, depth + 1, err, len) < 0)
			return -EINVAL;
	if ((p = json_object_get(sch, "items")) != NULL && lint(s, p, where, depth + 1, err, len) < 0)
		return -EINVAL;
	return 0;
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
	*out = s;
	return 0;
}

void
cd_schema_free(struct cd_schema *s)
{
	if (s == NULL)
		return;
	json_decref(s->doc);
	free(s);
}

json_t *
cd_schema_doc(const struct cd_schema *s)
{
	return s->doc;
}

/* @base + "/" + @token with ~ and / escaped (RFC 6901). */
static void
ptr_join(char *out, size_t len, const char *base, const char *token)
{
	size_t n = (size_t)snprintf(out, len, "%s/", base);

	for (; *token != '\0' && n + 3 < len; token++) {
		if (*token == '~' || *token == '/') {
			out[n++] = '~';
			out[n++] = *token == '~' ? '0' : '1';
		} else {
			out[n++] = *token;
		}
	}
	out[n < len ? n : len - 1] = '\0';
}

static const char *
type_of(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static bool
type_ok(json_t *v, const char *t)
{
	const char *have = type_of(v);

	return strcmp(have, t) == 0 || (strcmp(t, "number") == 0 && strcmp(have, "integer") == 0);
}

static bool
format_ok(const char *f, const char *v)
{
	uint8_t a[16], mac[6], plen;

	if (strcmp(f, "name") == 0)
		return store_name_ok(v);
	if (strcmp(f, "mac") == 0)
		return dp_addr_mac(v, mac) == 0;
	if (strcmp(f, "ipv4") == 0)
		return dp_addr_ip(v, AF_INET, a) == 0;
	if (strcmp(f, "ip") == 0)
		return dp_addr_ip(v, strchr(v, ':') ? AF_INET6 : AF_INET, a) == 0;
	if (strcmp(f, "ipv4-prefix") == 0)
		return dp_addr_prefix(v, AF_INET, false, a, &plen) == 0;
	if (strcmp(f, "ipv4-prefix-or-address") == 0)
		return dp_addr_prefix(v, AF_INET, true, a, &plen) == 0;
	if (strcmp(f, "ip-prefix") == 0)
		return dp_addr_prefix(v, strchr(v, ':') ? AF_INET6 : AF_INET, false, a, &plen) == 0;
	return false;
}

static const char *const format_text[][2] = {
	{ "name", "1..128 of [A-Za-z0-9_.-], not starting with '.'" },
	{ "mac", "a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ "ipv4", "an IPv4 address" },
	{ "ip", "an IPv4 or IPv6 address" },
	{ "ipv4-prefix", "an IPv4 ADDRESS/LENGTH" },
	{ "ipv4-prefix-or-address", "an IPv4 address or ADDRESS/LENGTH" },
	{ "ip-prefix", "an IPv4 or IPv6 ADDRESS/LENGTH" },
};

static const char *
format_says(const char *f)
{
	for (size_t i = 0; i < sizeof(format_text) / sizeof(format_text[0]); i++)
		if (strcmp(format_text[i][0], f) == 0)
			return format_text[i][1];
	return f;
}

/* One check's errors: all are counted, CD_SCHEMA_ERRORS_MAX reported. */
struct found {
	json_t *errs;
	int n;
};

static void __attribute__((format(printf, 4, 5)))
found(struct found *f, const char *pointer, const char *reason, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->n++;
	cd_schema_err(f->errs, pointer, reason, "%s", msg);
}

static void check(const struct cd_schema *s, json_t *sch, json_t *v, const char *ptr,
		  struct found *f, int depth);

static void
check_object(const struct cd_schema *s, json_t *sch, json_t *v, const char *ptr, struct found *f,
	     int depth)
{
	json_t *props = json_object_get(sch, "properties"), *r, *m;
	char p[PTR_MAX];
	const char *k;
	size_t i;

	json_array_foreach(json_object_get(sch, "required"), i, r) {
		if (json_object_get(v, json_string_value(r)) == NULL) {
			ptr_join(p, sizeof(p), ptr, json_string_value(r));
			found(f, p, "missing", "'%s' is required", json_string_value(r));
		}
	}
	json_object_foreach(v, k, m) {
		json_t *ps = json_object_get(props, k);

		ptr_join(p, sizeof(p), ptr, k);
		if (ps != NULL)
			check(s, ps, m, p, f, depth + 1);
		else if (json_is_false(json_object_get(sch, "additionalProperties")))
			found(f, p, "unknown_field", "no field '%s' here", k);
	}
}

static void
check(const struct cd_schema *s, json_t *sch, json_t *v, const char *ptr, struct found *f, int depth)
{
	const char *t, *fmt;
	json_t *x, *e;
	size_t i;

	if (depth > DEPTH_MAX || (sch = deref(s, sch)) == NULL)
		return;
	if (v == NULL) {
		found(f, ptr, "missing", "no value");
		return;
	}
	if (json_object_get(sch, "$ref") != NULL) {
		check(s, sch, v, ptr, f, depth + 1);
		return;
	}
	if ((t = json_string_value(json_object_get(sch, "type"))) != NULL && !type_ok(v, t)) {
		found(f, ptr, "wrong_type", "expected %s %s, got %s",
			      strchr("aeiou", t[0]) ? "an" : "a", t, type_of(v));
		return;
	}
	if ((x = json_object_get(sch, "enum")) != NULL) {
		bool in = false;

		json_array_foreach(x, i, e)
			in = in || json_equal(e, v);
		if (!in) {
			char *opts = json_dumps(x, JSON_COMPACT);

			found(f, ptr, "bad_value", "expected one of %s", opts ? opts : "");
			free(opts);
			return;
		}
	}
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		x = json_object_get(sch, "minimum");
		e = json_object_get(sch, "maximum");
		if ((x != NULL && n < json_integer_value(x)) || (e != NULL && n > json_integer_value(e)))
			found(f, ptr, "out_of_range", "%" JSON_INTEGER_FORMAT
				      " is outside %" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT, n,
				      x ? json_integer_value(x) : 0,
				      e ? json_integer_value(e) : (json_int_t)INT64_MAX);
	} else if (json_is_string(v)) {
		size_t n = json_string_length(v);

		if ((x = json_object_get(sch, "minLength")) != NULL && n < (size_t)json_integer_value(x))
			found(f, ptr, "too_short", "at least %" JSON_INTEGER_FORMAT
				      " characters", json_integer_value(x));
		else if ((x = json_object_get(sch, "maxLength")) != NULL &&
			 n > (size_t)json_integer_value(x))
			found(f, ptr, "too_long", "at most %" JSON_INTEGER_FORMAT
				      " characters", json_integer_value(x));
		else if ((fmt = json_string_value(json_object_get(sch, "format"))) != NULL &&
			 (strlen(json_string_value(v)) != n || !format_ok(fmt, json_string_value(v))))
			found(f, ptr, "bad_value", "expected %s", format_says(fmt));
	} else if (json_is_array(v)) {
		size_t n = json_array_size(v);
		char p[PTR_MAX], idx[24];

		if ((x = json_object_get(sch, "minItems")) != NULL && n < (size_t)json_integer_value(x))
			found(f, ptr, "too_few", "at least %" JSON_INTEGER_FORMAT " items",
				      json_integer_value(x));
		if ((x = json_object_get(sch, "maxItems")) != NULL && n > (size_t)json_integer_value(x)) {
			found(f, ptr, "too_many", "at most %" JSON_INTEGER_FORMAT " items",
				      json_integer_value(x));
			return;
		}
		if ((x = json_object_get(sch, "items")) != NULL) {
			json_array_foreach(v, i, e) {
				snprintf(idx, sizeof(idx), "%zu", i);
				ptr_join(p, sizeof(p), ptr, idx);
				check(s, x, e, p, f, depth + 1);
			}
		}
	} else if (json_is_object(v)) {
		check_object(s, sch, v, ptr, f, depth);
	}
}

int
cd_schema_check(const struct cd_schema *s, const char *name, json_t *v, const char *base,
		json_t *errs)
{
	json_t *sch = json_object_get(s->schemas, name);
	struct found f = { .errs = errs };

	if (sch == NULL) {
		cd_schema_err(errs, base, "bad_value", "no schema '%s'", name);
		return 1;
	}
	check(s, sch, v, base, &f, 0);
	return f.n;
}
